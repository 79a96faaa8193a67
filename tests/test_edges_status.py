"""What ``status`` shows of a refused file: each refusal with the period of the workbook itself
when that is not the cycle's (a workbook of another quarter left in this one's folder), in text,
CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main

from .conftest import SMALL, fill_small, run

ROSTER = ("person,email,team,manager,manager_email\n"
          "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n"
          "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n")



def stdout(*args: str) -> str:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


def two_quarters(tmp: Path) -> tuple[Path, Path, Path]:
    """The SMALL ladder in ``tmp``, and the roster rendered for 2026-Q4 and 2026-Q3 into q4/
    and q3/ (each with its manifest): (ladder, q4, q3)."""
    ladder = tmp / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp / "team.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    q4, q3 = tmp / "q4", tmp / "q3"
    for period, out in (("2026-Q4", q4), ("2026-Q3", q3)):
        code, text = run("render", str(ladder), "--roster", str(roster), "--period", period,
                         "-o", str(out))
        assert code == 0, text
    return ladder, q4, q3


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cycle")
    ladder, q4, q3 = two_quarters(tmp)
    # last quarter's workbook of Ana, filled again and saved under this quarter's file name;
    # and one of someone this cycle does not list
    fill_small(q4 / "eva-lind-2026-q4.xlsx")
    shutil.copy(q3 / "ana-diaz-2026-q3.xlsx", q4 / "ana-diaz-2026-q4.xlsx")
    fill_small(q4 / "ana-diaz-2026-q4.xlsx")
    code, text = run("render", str(ladder), "--person", "Zoe Kim", "--period", "2026-Q3",
                     "-o", str(q3))
    assert code == 0, text
    shutil.copy(q3 / "zoe-kim-2026-q3.xlsx", q4 / "zoe.xlsx")
    fill_small(q4 / "zoe.xlsx")
    db = tmp / "h.sqlite"
    code, text = run("collect", str(q4), "--db", str(db), "--trust-new", "-j", "1")
    assert code == 1, text
    assert text.count("this workbook is for period 2026-Q3") == 2
    return {"manifest": q4 / "manifest.csv", "db": db}


def status(cycle: dict[str, Path], fmt: str) -> str:
    return stdout("status", "--period", "2026-Q4", "--manifest", str(cycle["manifest"]),
                  "--db", str(cycle["db"]), "--format", fmt)


def test_status_text_names_the_period_of_a_refused_workbook_of_another_cycle(cycle) -> None:
    text = status(cycle, "text")
    refused = [line for line in text.splitlines() if line.lstrip().startswith("refused:")]
    assert len(refused) == 4  # Ana's tabs, tied to her by the file name handed out
    assert all(line.endswith("ana-diaz-2026-q4.xlsx (workbook of 2026-Q3)") for line in refused)
    # the one whom this cycle does not list: the file's own period, not the cycle's
    zoe = next(line for line in text.splitlines() if "zoe.xlsx" in line)
    assert zoe.strip().endswith("zoe.xlsx (Zoe Kim, workbook of 2026-Q3)")
    assert "Eva Lind: complete" in text


def test_status_csv_and_json_give_the_period_of_a_refused_workbook_of_another_cycle(
        cycle) -> None:
    rows = [r for r in csv.DictReader(io.StringIO(status(cycle, "csv"))) if r["state"] == "refused"]
    assert {r["person"] for r in rows} == {"Ana Diaz"} and len(rows) == 4
    assert all(r["period"] == "2026-Q4" and r["reason"].startswith("workbook of 2026-Q3: ")
               for r in rows)
    st = json.loads(status(cycle, "json"))
    ana = next(p for p in st["people"] if p["person"] == "Ana Diaz")
    assert [t["workbook_period"] for t in ana["tabs"]] == ["2026-Q3"] * 4
    eva = next(p for p in st["people"] if p["person"] == "Eva Lind")
    assert [t["workbook_period"] for t in eva["tabs"]] == [None] * 4
    (zoe,) = st["unmatched_refusals"]
    assert (zoe["person"], zoe["period"], zoe["workbook_period"]) == ("Zoe Kim", "2026-Q4",
                                                                       "2026-Q3")


def test_the_reports_team_page_names_the_period_of_a_refused_workbook_of_another_cycle(
        cycle, tmp_path: Path) -> None:
    site = tmp_path / "site"
    stdout("report", "--manifest", str(cycle["manifest"]), "--db", str(cycle["db"]),
           "--period", "2026-Q4", "-o", str(site))
    page = (site / "index.html").read_text(encoding="utf-8")
    assert page.count("ana-diaz-2026-q4.xlsx (workbook of 2026-Q3)") >= 1


def test_a_workbook_of_another_cycle_given_alone_is_refused_by_the_manifest_beside_it(
        tmp_path: Path) -> None:
    """``collect q4`` refused last quarter's workbook left in q4; ``collect
    q4/ana-diaz-2026-q3.xlsx``, the same file given by name, went in with exit 0 and replaced
    last quarter's ratings: the manifest beside it was not looked at. It is now, as the
    folder's; an unreadable one beside a file is left out, as before."""
    _, q4, q3 = two_quarters(tmp_path)
    fill_small(q3 / "ana-diaz-2026-q3.xlsx")
    db = tmp_path / "h.sqlite"
    code, text = run("collect", str(q3), "--db", str(db), "--trust-new", "-j", "1")
    assert code == 0, text
    late = q4 / "ana-diaz-2026-q3.xlsx"
    shutil.copy(q3 / "ana-diaz-2026-q3.xlsx", late)
    fill_small(late, "L3")
    code, text = run("collect", str(late), "--db", str(db), "--trust-new", "-j", "1")
    assert code == 1, text
    assert "this workbook is for period 2026-Q3" in text and "replaces" not in text, text
    assert "Ana Diaz: not returned" in stdout("status", "--period", "2026-Q4", "--manifest",
                                              str(q4 / "manifest.csv"), "--db", str(db))
    # with the manifest beside it unreadable, the file is collected as it was before
    (q4 / "manifest.csv").write_text("not,a\nmanifest\n", encoding="utf-8")
    code, text = run("collect", str(late), "--db", str(db), "--trust-new", "-j", "1")
    assert code == 0 and "replaces the ratings held" in text, text
