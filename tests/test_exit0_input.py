"""Issue 14, the input side: each case as it was found by a new user, through the CLI, with the
right outcome asserted. Periods, rosters, placeholders, --force across people, and a history
database that names itself."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.definition import Ladder, load
from sheetladder.errors import BadInput
from sheetladder.google.client import ENV_ROOT
from sheetladder.period import current_quarter
from sheetladder.render import person_context

from .conftest import DEFINITIONS
from .fake_google import FakeGoogle
from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)

SALES = DEFINITIONS / "sales-s1-s7.yaml"


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETLADDER_DB", raising=False)
    return CliRunner()


def _context(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    rows = {str(k): v or "" for k, v in wb["_sheetladder"].iter_rows(values_only=True, max_col=2)}
    return json.loads(rows["context"])


def _old_filled_workbook(ladder: Ladder, person: str, period: str, level: int, path: Path) -> Path:
    """A workbook as an earlier sheetladder wrote it (any period text), filled at ``level``:
    the plan is saved directly, as render did before periods were checked."""
    from sheetladder.context import make_context
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import save

    ctx = make_context(ladder, person, period)
    ratings = {s.tab: {c.id: level for c in ladder.categories} for s in ctx.raters}
    save(build_plan(ladder, ctx, ratings=ratings), path)
    return path


# -- periods -----------------------------------------------------------------------------------


def test_render_with_period_2026q4_writes_the_canonical_period(runner: CliRunner, tmp_path: Path):
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana Diaz", "--period", "2026q4"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "output" / "ana-diaz-2026-q4.xlsx"
    assert _context(path)["period"] == "2026-Q4"


def test_render_with_period_last_quarter_is_refused_listing_the_forms(runner: CliRunner,
                                                                       tmp_path: Path):
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana Diaz",
                               "--period", "last quarter"])
    assert res.exit_code == 1
    assert "'last quarter' is not a period" in res.output
    assert "2026-Q4" in res.output and "2026-H1" in res.output and "2026-03" in res.output
    assert not (tmp_path / "output").exists()


def test_render_without_period_uses_the_current_quarter_and_says_so(runner: CliRunner,
                                                                    tmp_path: Path):
    q = current_quarter().label
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana Diaz"])
    assert res.exit_code == 0, res.output
    assert f"using the current calendar quarter, {q}" in res.output
    (path,) = (tmp_path / "output").iterdir()
    assert _context(path)["period"] == q


def test_a_ladder_with_its_own_periods_needs_one_of_them(runner: CliRunner, tmp_path: Path):
    fiscal = tmp_path / "fiscal.yaml"
    fiscal.write_text(SALES.read_text(encoding="utf-8") + """
periods:
  name: fiscal halves
  pattern: "FY{year:2}-H{half:1:1-2}"
  order: [year, half]
  example: FY27-H1
""", encoding="utf-8")
    res = runner.invoke(main, ["render", str(fiscal), "--person", "Ana"])
    assert res.exit_code == 1 and "give --period" in res.output and "FY27-H1" in res.output
    res = runner.invoke(main, ["render", str(fiscal), "--person", "Ana", "--period", "2026-Q4"])
    assert res.exit_code == 1 and "fiscal halves" in res.output
    res = runner.invoke(main, ["render", str(fiscal), "--person", "Ana", "--period", "fy27 h1"])
    assert res.exit_code == 0, res.output
    assert _context(tmp_path / "output" / "ana-fy27-h1.xlsx")["period"] == "FY27-H1"
    # and the calendar scheme never takes a fiscal label by accident
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana", "--period", "FY27-H1"])
    assert res.exit_code == 1 and "accepted forms" in res.output


def test_one_person_collected_as_2026q4_and_2026_Q4_is_one_period(runner: CliRunner,
                                                                  tmp_path: Path):
    sales = load(SALES)
    back = tmp_path / "back"
    back.mkdir()
    _old_filled_workbook(sales, "Ana Diaz", "2026q4", 3, back / "old.xlsx")
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana Diaz", "--period", "2026-Q4",
                               "-o", "blank"])
    assert res.exit_code == 0, res.output
    os.utime(back / "old.xlsx", (1_700_000_000, 1_700_000_000))
    res = runner.invoke(main, ["collect", str(back), "--ladders", str(SALES)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["history", "Ana Diaz"])
    assert res.exit_code == 0, res.output
    assert "2026-Q4" in res.output and "2026q4" not in res.output
    assert "-18" not in res.output  # no false demotion between two spellings of one quarter
    res = runner.invoke(main, ["export", "--format", "json", "-o", "-"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output[res.output.index("{"):])
    assert data["period"] == "2026-Q4"


def test_reading_an_old_workbook_gives_its_period_canonical(runner: CliRunner, tmp_path: Path):
    _old_filled_workbook(load(SALES), "Ana Diaz", "Q4 2026", 3, tmp_path / "old.xlsx")
    res = runner.invoke(main, ["read", "old.xlsx", "--json", "--ladders", str(SALES)])
    assert json.loads(res.output)["period"] == "2026-Q4"
    before = (tmp_path / "old.xlsx").read_bytes()
    assert before == (tmp_path / "old.xlsx").read_bytes()  # reading never changes a file


def test_export_latest_period_is_the_latest_in_time_not_in_text(runner: CliRunner, tmp_path: Path):
    sales = load(SALES)
    back = tmp_path / "back"
    back.mkdir()
    # as text (and as the old natural sort) 2026-Q3 comes after 2026-10; in time, before
    _old_filled_workbook(sales, "Ana Diaz", "2026-10", 3, back / "a.xlsx")
    _old_filled_workbook(sales, "Ana Diaz", "2026-Q3", 2, back / "b.xlsx")
    assert runner.invoke(main, ["collect", str(back), "--ladders", str(SALES)]).exit_code == 0
    res = runner.invoke(main, ["export", "--format", "json", "-o", "-"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output[res.output.index("{"):])
    assert data["period"] == "2026-10"
    assert data["periods"] == ["2026-Q3", "2026-10"]
    (row,) = data["people"]
    assert row["previous_period"] == "2026-Q3" and row["level_change"] == 1


def test_export_takes_its_format_from_the_file_name_and_refuses_a_clash(runner: CliRunner,
                                                                       tmp_path: Path):
    """-o results.xlsx without --format wrote CSV text into a file Excel calls corrupt."""
    back = tmp_path / "back"
    back.mkdir()
    _old_filled_workbook(load(SALES), "Ana Diaz", "2026-Q4", 3, back / "a.xlsx")
    assert runner.invoke(main, ["collect", str(back), "--ladders", str(SALES)]).exit_code == 0
    for name in ("r.xlsx", "r.JSON", "r.csv", "r.txt"):
        res = runner.invoke(main, ["export", "-o", name])
        assert res.exit_code == 0, res.output
    assert zipfile.is_zipfile(tmp_path / "r.xlsx")
    assert json.loads((tmp_path / "r.JSON").read_text())["period"] == "2026-Q4"
    assert (tmp_path / "r.csv").read_text().startswith('"Person","Email"')
    assert (tmp_path / "r.txt").read_text() == (tmp_path / "r.csv").read_text()  # csv
    res = runner.invoke(main, ["export", "--format", "csv", "-o", "s.xlsx"])
    assert res.exit_code == 1 and not (tmp_path / "s.xlsx").exists()
    assert ("-o s.xlsx is a .xlsx file name but --format is csv: name the file .csv, or give "
            "--format xlsx (or leave --format out)") in res.output


def test_export_period_given_in_another_spelling_finds_the_period(runner: CliRunner,
                                                                  tmp_path: Path):
    back = tmp_path / "back"
    back.mkdir()
    _old_filled_workbook(load(SALES), "Ana Diaz", "2026-Q4", 3, back / "a.xlsx")
    assert runner.invoke(main, ["collect", str(back), "--ladders", str(SALES)]).exit_code == 0
    res = runner.invoke(main, ["export", "--period", "q4 2026", "--format", "csv", "-o", "x.csv"])
    assert res.exit_code == 0, res.output
    assert "period 2026-Q4" in res.output
    res = runner.invoke(main, ["export", "--period", "last quarter"])
    assert res.exit_code == 1 and "accepted forms" in res.output


def test_a_history_holding_two_spellings_of_a_quarter_is_folded_by_migrate(runner: CliRunner,
                                                                        tmp_path: Path):
    """A schema-2 database (before periods were checked) holding Ana as 2026q4 and 2026-Q4."""
    sales = load(SALES)
    for name, period, level, saved in (("a", "2026q4", 3, 1_790_000_000),
                                       ("b", "2026-Q3", 2, 1_795_000_000)):
        d = tmp_path / name
        d.mkdir()
        _old_filled_workbook(sales, "Ana Diaz", period, level, d / f"{name}.xlsx")
        os.utime(d / f"{name}.xlsx", (saved, saved))
        assert runner.invoke(main, ["collect", str(d), "--ladders", str(SALES)]).exit_code == 0
    db = tmp_path / "output" / "history.sqlite"
    with sqlite3.connect(db) as conn:  # make it what sheetladder 1 stored: two spellings
        conn.execute("UPDATE assessments SET period='2026q4' WHERE period='2026-Q4'")
        conn.execute("UPDATE assessments SET period='2026 Q4' WHERE period='2026-Q3'")
        conn.execute("DELETE FROM schema_version WHERE version > 2")
        assert conn.execute("SELECT count(*) FROM assessments").fetchone()[0] == 2
    res = runner.invoke(main, ["history", "Ana Diaz"])  # read-only: it changes nothing
    assert res.exit_code == 2 and "run `sheetladder migrate`" in res.output, res.output
    res = runner.invoke(main, ["migrate"])
    assert res.exit_code == 0 and "schema version 2 -> 5" in res.output, res.output
    res = runner.invoke(main, ["history", "Ana Diaz"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT period FROM assessments")] == ["2026-Q4"]
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 5
        # both copies are kept; the one saved last (b, every category at S2) is current
        assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 2
        current = conn.execute("SELECT DISTINCT level_index FROM ratings "
                               "WHERE superseded_by IS NULL").fetchall()
        assert current == [(2,)]
        assert conn.execute("SELECT count(*) FROM ratings WHERE superseded_by IS NOT NULL"
                            ).fetchone()[0] == 4 * 18
        assert conn.execute("SELECT level, total_points FROM assessments").fetchone() == ("S2", 36.0)
    assert res.output.count("2026-Q4") == 1 and "2026q4" not in res.output


# -- rosters -----------------------------------------------------------------------------------


def test_a_roster_typo_manger_is_an_error_with_did_you_mean(runner: CliRunner, tmp_path: Path):
    (tmp_path / "team.csv").write_text(
        "person,email,manger,peers\nBen Ortiz,ben@example.com,Bo Chen,Cy Park;Di Lee\n",
        encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4"])
    assert res.exit_code == 1
    assert "team.csv:1:" in res.output and "'manger' (did you mean 'manager'? rename it)" in res.output
    assert not (tmp_path / "output").exists()


def test_a_deliberate_extra_column_goes_through_by_name(runner: CliRunner, tmp_path: Path):
    (tmp_path / "team.csv").write_text(
        "person,notes,manager\nBen Ortiz,new hire,Bo Chen\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4",
                               "--allow-column", "notes"])
    assert res.exit_code == 0, res.output
    ctx = _context(tmp_path / "output" / "ben-ortiz-2026-q4.xlsx")
    assert "Bo Chen" in [r["name"] for r in ctx["raters"]]  # type: ignore[union-attr, index]


def test_a_person_twice_in_a_roster_names_both_lines_and_renders_neither(runner: CliRunner,
                                                                         tmp_path: Path):
    (tmp_path / "team.csv").write_text(
        "person,period,manager\nBen Ortiz,2026-Q4,Bo Chen\nEva Lind,2026-Q4,Bo Chen\n"
        "BEN  ORTIZ,2026q4,Al Kim\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv"])
    assert res.exit_code == 1
    assert "team.csv:4:" in res.output and "lines 2 and 4" in res.output
    assert sorted(p.name for p in (tmp_path / "output").glob("*.xlsx")) == ["eva-lind-2026-q4.xlsx"]


@pytest.mark.parametrize(("second_refused", "says"), [
    (False, "lines 2 (refused above) and 4"), (True, "lines 2 and 4 (refused below)")])
def test_a_person_twice_with_one_row_refused_renders_neither_row(
        runner: CliRunner, tmp_path: Path, second_refused: bool, says: str):
    """One row of A B is refused for its email, the other is valid: which row is right is the
    user's to say, so the valid one is not rendered as if it were the only one, in either
    order."""
    emails = ["not-an-email", "ab@example.com"]
    if second_refused:
        emails.reverse()
    (tmp_path / "team.csv").write_text(
        f"person,email,period\nA B,{emails[0]},2026-Q4\nEva Lind,eva@example.com,\n"
        f"a  b,{emails[1]},2026q4\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period",
                               "2026-Q4"])
    assert res.exit_code == 1
    assert "team.csv:2:" in res.output and "team.csv:4:" in res.output
    assert says in " ".join(res.output.split()), res.output
    assert sorted(p.name for p in (tmp_path / "output").glob("*.xlsx")) == ["eva-lind-2026-q4.xlsx"]


def test_an_email_that_is_not_one_names_the_line(runner: CliRunner, tmp_path: Path):
    (tmp_path / "team.csv").write_text(
        "person,email\nBen Ortiz,ben@example.com\nEva Lind,eva at example\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4"])
    assert res.exit_code == 1
    assert "team.csv:3: email: 'eva at example' is not an email address" in res.output


def test_an_email_pasted_from_a_mail_program_is_refused_saying_which_address_to_write(
        runner: CliRunner, tmp_path: Path):
    """A cell pasted from Outlook ('Name <address>'), a mailto: link, or two addresses: each
    was a mail merge's wrong To (mailto:eva@example.com was taken, and went into the
    manifest and the history, with exit 0); each is refused, saying what to write."""
    (tmp_path / "team.csv").write_text(
        "person,email,manager,manager_email\n"
        "Ben Ortiz,Ben Ortiz <ben@example.com>,Bo Chen,bo@example.com\n"
        "Eva Lind,mailto:eva@example.com,Bo Chen,bo@example.com\n"
        "Kim Ross,kim@example.com; k.ross@example.com,Bo Chen,bo@example.com\n"
        "Lou Mae,lou@example.com,Bo Chen,bo@example.com\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4"])
    assert res.exit_code == 1
    said = " ".join(res.output.split())
    for line in ("team.csv:2: email: 'Ben Ortiz <ben@example.com>' is not an email address "
                 "(write the address alone: ben@example.com)",
                 "team.csv:3: email: 'mailto:eva@example.com' is not an email address (write "
                 "the address without 'mailto:': eva@example.com)",
                 "team.csv:4: email: 'kim@example.com; k.ross@example.com' is not an email "
                 "address (one address per person: write the one reminders go to)"):
        assert line in said, res.output
    assert sorted(p.name for p in (tmp_path / "output").glob("*.xlsx")) == ["lou-mae-2026-q4.xlsx"]
    for bad in ("eva@example.com.", "eva@exa mple.com", "eva@[10.0.0.1]", "eva(x)@example.com"):
        with pytest.raises(BadInput, match="is not an email address"):
            person_context(load(SALES), "Eva", "2026-Q4", email=bad)
    for good in ("o'neil+q4@mail.example.co.uk", "jürgen@müller.de", "A.B@X-Y.ORG",
                 "ana@उदाहरण.भारत", "ana@ตัวอย่าง.ไทย",  # scripts with combining marks
                 "ana@mu\u0308nchen.de"):  # typed decomposed
        assert person_context(load(SALES), "Eva", "2026-Q4", email=good).email == good


def test_an_email_without_a_dotted_domain_is_refused_wherever_it_is_given(runner: CliRunner,
                                                                          tmp_path: Path):
    # zoe@example is a typo (the .com left out): reminders to it would bounce
    (tmp_path / "team.csv").write_text(
        "person,email,manager,manager_email\nBen Ortiz,ben@example.com,Bo Chen,bo@example\n",
        encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4"])
    assert res.exit_code == 1
    assert ("team.csv:2: manager email: 'bo@example' is not an email address (its domain has "
            "no dot: write it in full, as in name@example.com)") in res.output, res.output
    for args in (["--person", "Zoe", "--email", "zoe@example"],
                 ["--person", "Zoe", "--rater", "manager:Bo:bo@example"]):
        res = runner.invoke(main, ["render", str(SALES), "--period", "2026-Q4", *args])
        assert res.exit_code == 1 and "is not an email address (its domain has no dot" in res.output
    assert not (tmp_path / "output").exists() or not list((tmp_path / "output").iterdir())
    ladder = load(SALES)
    with pytest.raises(BadInput, match="'bo@example' is not an email address"):
        person_context(ladder, "Zoe", "2026-Q4", [("manager", "Bo", "bo@example")])
    ctx = person_context(ladder, "Zoe", "2026-Q4", [("manager", "Bo", " bo@example.com ")],
                         email="zoe@example.co.uk")
    assert (ctx.email, ctx.raters[0].email) == ("zoe@example.co.uk", "bo@example.com")


def test_a_roster_period_is_checked_and_stored_canonical(runner: CliRunner, tmp_path: Path):
    (tmp_path / "team.csv").write_text(
        "person,period\nBen Ortiz,Q1 2027\nEva Lind,next year\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv"])
    assert res.exit_code == 1
    assert "team.csv:3: period: 'next year' is not a period" in res.output
    assert _context(tmp_path / "output" / "ben-ortiz-2027-q1.xlsx")["period"] == "2027-Q1"


# -- placeholders ------------------------------------------------------------------------------


def test_validate_strict_calls_its_placeholder_summary_an_error_not_a_warning(
        runner: CliRunner, tmp_path: Path):
    res = runner.invoke(main, ["new", "x.yaml", "--id", "x", "--name", "X", "--levels", "A=a,B=b",
                               "--group", "G: C1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["validate", "--strict", "x.yaml"])
    assert res.exit_code == 1
    assert "error: 2 placeholder descriptor(s)" in res.output, res.output
    assert "warning: 2 placeholder" not in res.output
    res = runner.invoke(main, ["validate", "x.yaml"])
    assert res.exit_code == 0 and "warning: 2 placeholder descriptor(s)" in res.output


def test_a_scaffolded_definition_warns_of_its_placeholders_and_fails_strict(runner: CliRunner,
                                                                            tmp_path: Path):
    res = runner.invoke(main, ["new", "x.yaml", "--id", "x", "--name", "X", "--levels", "A=a,B=b",
                               "--group", "G: C1, C2, C3"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["validate", "x.yaml"])
    assert res.exit_code == 0
    assert "6 placeholder descriptor(s)" in res.output and "x.yaml:" in res.output
    res = runner.invoke(main, ["validate", "--strict", "x.yaml"])
    assert res.exit_code == 1 and "6 placeholder descriptor(s)" in res.output
    res = runner.invoke(main, ["render", "x.yaml", "--person", "Ana", "--period", "2026-Q4"])
    assert res.exit_code == 0 and "6 placeholder descriptor(s)" in res.output
    assert "x.yaml:" in res.output


def test_an_empty_descriptor_is_a_placeholder_located_by_line(runner: CliRunner, tmp_path: Path):
    text = SALES.read_text(encoding="utf-8")
    lines = text.splitlines()
    i = next(n for n, t in enumerate(lines) if t.strip().startswith("S1:"))
    lines[i] = lines[i][: lines[i].index("S1:")] + 'S1: ""'
    (tmp_path / "s.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = runner.invoke(main, ["validate", "--strict", "s.yaml"])
    assert res.exit_code == 1
    assert f"s.yaml:{i + 1}:" in res.output and "empty" in res.output


def test_the_bundled_definitions_pass_strict(runner: CliRunner):
    res = runner.invoke(main, ["validate", "--strict", *map(str, sorted(DEFINITIONS.glob("*.yaml")))])
    assert res.exit_code == 0, res.output
    assert "placeholder" not in res.output


# -- no cross-person --force ---------------------------------------------------------------------


def test_force_does_not_replace_another_persons_workbook(runner: CliRunner, tmp_path: Path):
    args = ["render", str(SALES), "--period", "2026-Q4"]
    assert runner.invoke(main, [*args, "--person", "José Núñez"]).exit_code == 0
    target = tmp_path / "output" / "jose-nunez-2026-q4.xlsx"
    before = target.read_bytes()
    res = runner.invoke(main, [*args, "--person", "Jose Nunez", "--force"])
    assert res.exit_code == 1
    assert "belongs to 'José Núñez', not 'Jose Nunez'" in res.output
    assert target.read_bytes() == before


def test_force_replaces_the_same_persons_workbook_spelt_in_another_case(runner: CliRunner,
                                                                        tmp_path: Path):
    """ANA DIAZ is Ana Diaz, as the history counts people (case and spacing ignored): --force
    may replace her workbook, and collecting either goes to the same person."""
    args = ["render", str(SALES), "--period", "2026-Q4"]
    assert runner.invoke(main, [*args, "--person", "Ana Diaz"]).exit_code == 0
    target = tmp_path / "output" / "ana-diaz-2026-q4.xlsx"
    res = runner.invoke(main, [*args, "--person", "ANA  DIAZ"])
    assert res.exit_code == 1 and "--force" in res.output
    res = runner.invoke(main, [*args, "--person", "ANA  DIAZ", "--force"])
    assert res.exit_code == 0, res.output
    assert _context(target)["person"] == "ANA  DIAZ"


def test_force_does_not_replace_a_file_it_cannot_read(runner: CliRunner, tmp_path: Path):
    out = tmp_path / "output"
    out.mkdir()
    (out / "ana-2026-q4.xlsx").write_bytes(b"a spreadsheet from somewhere else")
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana", "--period", "2026-Q4",
                               "--force"])
    assert res.exit_code == 1 and "cannot be read" in res.output
    assert (out / "ana-2026-q4.xlsx").read_bytes() == b"a spreadsheet from somewhere else"


def test_force_in_a_roster_refuses_only_the_other_persons_row(runner: CliRunner, tmp_path: Path):
    assert runner.invoke(main, ["render", str(SALES), "--person", "José Núñez", "--period",
                                "2026-Q4"]).exit_code == 0
    (tmp_path / "team.csv").write_text("person\nJose Nunez\nEva Lind\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4",
                               "--force"])
    assert res.exit_code == 1 and "team.csv:2:" in res.output and "belongs to 'José Núñez'" in res.output
    assert _context(tmp_path / "output" / "jose-nunez-2026-q4.xlsx")["person"] == "José Núñez"
    assert zipfile.is_zipfile(tmp_path / "output" / "eva-lind-2026-q4.xlsx")


# -- the database names itself -----------------------------------------------------------------


@pytest.mark.parametrize("command", [["export", "--period", "2026-Q4"], ["export"],
                                     ["history", "Ana Diaz"]])
def test_read_only_commands_in_the_wrong_folder_name_the_database_and_create_nothing(
        runner: CliRunner, tmp_path: Path, command: list[str]):
    res = runner.invoke(main, command)
    assert res.exit_code != 0
    assert "output/history.sqlite" in res.output and "no history database" in res.output
    assert not (tmp_path / "output").exists()


def test_read_only_commands_name_the_database_given(runner: CliRunner, tmp_path: Path):
    res = runner.invoke(main, ["history", "Ana", "--db", "ops/h.sqlite"])
    assert res.exit_code != 0 and "ops/h.sqlite" in res.output
    assert not (tmp_path / "ops").exists()


def test_a_later_roster_spelling_a_person_another_way_is_refused_then_renamed(
        runner: CliRunner, tmp_path: Path):
    """Ana's Q3 workbook says "Ana Diaz", Q4's roster "Ana Díaz", with one email: collected as
    they were, she was two people, and her Q4 total had no Q3 to change from, with exit 0."""
    sales = load(SALES)
    for period, name, level in (("2026-Q3", "Ana Diaz", 2), ("2026-Q4", "Ana Díaz", 3)):
        (tmp_path / f"{period}.csv").write_text(
            f"person,email,period\n{name},ana@example.com,{period}\n", encoding="utf-8")
        res = runner.invoke(main, ["render", str(SALES), "--roster", f"{period}.csv",
                                   "-o", period])
        assert res.exit_code == 0, res.output
        [book] = (tmp_path / period).glob("*.xlsx")
        wb = openpyxl.load_workbook(book)
        for r in range(len(sales.categories)):
            wb["Self"].cell(5 + r, 4).value = sales.codes[level - 1]
        wb.save(book)
    res = runner.invoke(main, ["collect", "2026-Q3", "2026-Q4", "--ladders", str(SALES)])
    assert res.exit_code == 1, res.output
    assert "1 added, 0 updated, 0 unchanged, 0 empty, 1 refused" in res.output
    assert ("ana@example.com is held for 'Ana Diaz' (2026-Q3), but this workbook names "
            "'Ana Díaz': one email is one person.") in res.output
    res = runner.invoke(main, ["history", "Ana Diaz", "--rename", "Ana Díaz"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("renamed 'Ana Diaz' to 'Ana Díaz' in ")
    res = runner.invoke(main, ["collect", "2026-Q4", "--ladders", str(SALES)])
    assert res.exit_code == 0 and "1 added" in res.output, res.output
    res = runner.invoke(main, ["history", "ana@example.com"])
    assert res.exit_code == 0, res.output
    assert "+18.00 (+1 level)" in res.output  # Q4 against Q3: one person
    res = runner.invoke(main, ["history", "Nobody", "--rename", "X", "--db", "typo.sqlite"])
    assert res.exit_code == 2 and not (tmp_path / "typo.sqlite").exists(), res.output


def test_history_of_a_name_typed_without_its_accents_names_the_person_whose_name_has_them(
        runner: CliRunner, tmp_path: Path):
    """Ana Diaz and Ana Díaz (other emails) are two people held: ``history "ana diaz"``
    shows Ana Diaz's, and says that Ana Díaz is another person, and how to see hers."""
    (tmp_path / "r.csv").write_text("person,email\nAna Diaz,ana.d@example.com\n"
                                    "Ana Díaz,ana@example.com\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "r.csv", "--period", "2026-Q4",
                               "-o", "out"])
    assert res.exit_code == 0, res.output
    # the first row's file is named for the name, the second's is numbered
    for name, level in (("ana-diaz-2026-q4.xlsx", 2), ("ana-diaz-2-2026-q4.xlsx", 3)):
        book = tmp_path / "out" / name
        wb = openpyxl.load_workbook(book)
        for r in range(18):
            wb["Self"].cell(5 + r, 4).value = f"S{level}"
        wb.save(book)
    res = runner.invoke(main, ["collect", "out", "--ladders", str(SALES)])
    assert res.exit_code == 0 and "2 added" in res.output, res.output
    res = runner.invoke(main, ["history", "ana diaz"])
    assert res.exit_code == 0, res.output
    assert "Ana Diaz <ana.d@example.com>" in res.stdout and "36.00" in res.stdout
    assert res.stderr.strip() == (
        "note: 'Ana Díaz' <ana@example.com> is another person in the history whose name "
        "differs from 'Ana Diaz' only in accents; give their name as written or their email "
        "to see theirs")
    res = runner.invoke(main, ["history", "Ana Díaz"])
    assert res.exit_code == 0 and "54.00" in res.stdout
    assert "'Ana Diaz' <ana.d@example.com> is another person" in res.stderr
    res = runner.invoke(main, ["history", "ana.d@example.com", "--rename", "Anna Diaz"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["history", "Anna Diaz"])
    assert res.exit_code == 0 and not res.stderr, res.output


def test_a_name_pasted_with_a_combining_accent_is_the_person_typed_with_one_letter(
        runner: CliRunner, tmp_path: Path):
    """Q3's roster was pasted from a program that writes 'í' as 'i' and a combining accent;
    Q4's was typed. They look alike, and were two people with exit 0 (or, with one email,
    Q4 refused with a message naming 'Ana Díaz' twice): the workbook now holds the name
    composed, and the two quarters are one person's."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Ana Díaz")
    for period, name in (("2026-Q3", nfd), ("2026-Q4", "Ana Díaz")):
        (tmp_path / f"{period}.csv").write_text(f"person,email\n{name},ana@example.com\n",
                                                encoding="utf-8")
        res = runner.invoke(main, ["render", str(SALES), "--roster", f"{period}.csv",
                                   "--period", period, "-o", period])
        assert res.exit_code == 0, res.output
        [book] = (tmp_path / period).glob("*.xlsx")
        wb = openpyxl.load_workbook(book)
        assert wb["Guide"]["B4"].value == "Ana Díaz"  # composed, whatever the roster held
        for r in range(18):
            wb["Self"].cell(5 + r, 4).value = "S2" if period == "2026-Q3" else "S3"
        wb.save(book)
    res = runner.invoke(main, ["collect", "2026-Q3", "2026-Q4", "--ladders", str(SALES)])
    assert res.exit_code == 0 and "2 added" in res.output, res.output
    res = runner.invoke(main, ["history", nfd])
    assert res.exit_code == 0 and "+18.00 (+1 level)" in res.stdout, res.output
    (tmp_path / "twice.csv").write_text(f"person,email\n{nfd},ana@example.com\n"
                                        "Ana Díaz,ana@example.com\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "twice.csv", "--period",
                               "2026-Q4", "-o", "twice"])
    assert res.exit_code == 1 and "twice.csv:3:" in res.output, res.output


def test_every_command_on_the_history_names_the_database(runner: CliRunner, tmp_path: Path):
    back = tmp_path / "back"
    back.mkdir()
    _old_filled_workbook(load(SALES), "Ana Diaz", "2026-Q4", 3, back / "a.xlsx")
    res = runner.invoke(main, ["collect", str(back), "--db", "ops/h.sqlite", "--ladders", str(SALES)])
    assert res.exit_code == 0 and "ops/h.sqlite" in res.output
    res = runner.invoke(main, ["export", "--db", "ops/h.sqlite", "-o", "r.csv"])
    assert res.exit_code == 0 and "ops/h.sqlite" in res.output
    res = runner.invoke(main, ["history", "Ana Diaz", "--db", "ops/h.sqlite"])
    assert res.exit_code == 0 and "ops/h.sqlite" in res.output
    res = runner.invoke(main, ["history", "Nobody", "--db", "ops/h.sqlite"])
    assert res.exit_code == 1 and "ops/h.sqlite" in res.output
    res = runner.invoke(main, ["export", "--period", "2027-Q1", "--db", "ops/h.sqlite"])
    assert res.exit_code == 1 and "ops/h.sqlite" in res.output


def test_a_postgres_url_is_named_without_its_password():
    from sheetladder.results.store import display_url

    shown = display_url("postgresql+psycopg://ops:s3cret@db.internal/ladder")
    assert "s3cret" not in shown and "db.internal/ladder" in shown


# -- publish: the same rules for a Google Sheet ------------------------------------------------


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with FakeGoogle() as g:
        monkeypatch.setenv(ENV_ROOT, g.root)
        yield g


def test_publish_without_period_uses_the_current_quarter_and_says_so(runner: CliRunner,
                                                                     fake: FakeGoogle):
    q = current_quarter().label
    res = runner.invoke(main, ["publish", str(SALES), "--person", "Ana"])
    assert res.exit_code == 0, res.output
    assert f"using the current calendar quarter, {q}" in res.output
    (sid,) = fake.spreadsheets
    res = runner.invoke(main, ["read", sid, "--json", "--ladders", str(SALES)])
    assert json.loads(res.output)["period"] == q


def test_publish_with_a_period_that_is_none_calls_nothing(runner: CliRunner, fake: FakeGoogle):
    res = runner.invoke(main, ["publish", str(SALES), "--person", "Ana", "--period", "soon"])
    assert res.exit_code == 1 and "'soon' is not a period" in res.output
    assert not fake.spreadsheets and not fake.calls()


def test_publish_warns_of_placeholders(runner: CliRunner, fake: FakeGoogle):
    assert runner.invoke(main, ["new", "x.yaml", "--id", "x", "--name", "X", "--levels", "A=a",
                                "--group", "G: C1"]).exit_code == 0
    res = runner.invoke(main, ["publish", "x.yaml", "--person", "Ana", "--period", "2026 Q4"])
    assert res.exit_code == 0 and "1 placeholder descriptor(s)" in res.output
    (sid,) = fake.spreadsheets
    res = runner.invoke(main, ["read", sid, "--json", "--ladders", "x.yaml"])
    assert json.loads(res.output)["period"] == "2026-Q4"


# -- the store: migration 3 on both databases ----------------------------------------------------


def test_migration_3_folds_spellings_on_sqlite_and_postgresql(db_url: str) -> None:
    from datetime import datetime

    from sqlalchemy import delete, update

    from sheetladder.context import make_context
    from sheetladder.results import store

    from .test_history import assert_record_matches, inputs_of, make_report

    sales = load(SALES)
    ana = make_context(sales, "Ana Diaz", "2026-Q4")
    three = {s.tab: {c.id: 3 for c in sales.categories} for s in ana.raters}
    two = {s.tab: {c.id: 2 for c in sales.categories} for s in ana.raters}
    bo = make_context(sales, "Bo Chen", "2026-Q2")
    with store.History(db_url) as h:
        h.ingest(make_report(sales, ana, three, file="a.xlsx"), sales,
                 modified=datetime(2026, 10, 1))
        later = make_report(sales, ana.model_copy(update={"period": "2026-Q3"}), two,
                            file="b.xlsx")
        h.ingest(later, sales, modified=datetime(2026, 11, 1))
        h.ingest(make_report(sales, bo, two, file="c.xlsx"), sales)
        with h.engine.begin() as conn:  # what sheetladder 1 could hold
            a = store.assessments
            conn.execute(update(a).where(a.c.period == "2026-Q4").values(period="2026q4"))
            conn.execute(update(a).where(a.c.period == "2026-Q3").values(period="Q4 2026"))
            conn.execute(update(a).where(a.c.period == "2026-Q2").values(period="last quarter"))
            conn.execute(delete(store.schema_version).where(store.schema_version.c.version >= 3))
    with store.History(db_url) as h:
        assert h.schema_version() == store.SCHEMA_VERSION
        assert h.periods() == ["2026-Q4", "last quarter"]  # not a period: left as written
        (rec,) = h.records(person_keys=["ana diaz"])
        assert rec.period == "2026-Q4" and rec.source_file == "b.xlsx"
        assert_record_matches(rec, sales, inputs_of(sales, ana, two))  # the later copy is current
        assert len(h.ratings_of(rec.id, include_history=True)) == 2 * len(h.ratings_of(rec.id))
        assert h.counts()["sources"] == 3 and h.counts()["assessments"] == 2


def test_collect_refuses_a_workbook_whose_period_is_no_period(runner: CliRunner, tmp_path: Path):
    _old_filled_workbook(load(SALES), "Ana Diaz", "last quarter", 3, tmp_path / "old.xlsx")
    res = runner.invoke(main, ["collect", "old.xlsx", "--ladders", str(SALES)])
    assert res.exit_code == 1
    assert "old.xlsx: refused" in res.output
    assert "'last quarter' is not a period; accepted forms: 2026-Q4" in res.output
    assert "output/history.sqlite" in res.output


def test_the_latest_period_is_never_a_label_that_is_no_period(runner: CliRunner, tmp_path: Path):
    from sqlalchemy import update

    from sheetladder.results import store

    back = tmp_path / "back"
    back.mkdir()
    _old_filled_workbook(load(SALES), "Ana Diaz", "2026-Q3", 3, back / "a.xlsx")
    _old_filled_workbook(load(SALES), "Bo Chen", "2026-Q3", 3, back / "b.xlsx")
    assert runner.invoke(main, ["collect", str(back), "--ladders", str(SALES)]).exit_code == 0
    with store.History() as h, h.engine.begin() as conn:  # a label an old sheetladder let in
        conn.execute(update(store.assessments).where(store.assessments.c.id == 2)
                     .values(period="zz later"))
    res = runner.invoke(main, ["export", "--format", "json", "-o", "-"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output[res.output.index("{"):])["period"] == "2026-Q3"
    res = runner.invoke(main, ["export", "--period", "zz later", "-o", "z.csv"])
    assert res.exit_code == 0 and "period zz later" in res.output  # still exportable by name


def test_copies_whose_periods_are_two_spellings_of_one_quarter_are_one_assessment(
        runner: CliRunner, tmp_path: Path):
    sales = load(SALES)
    _old_filled_workbook(sales, "Ana Diaz", "2026q4", 3, tmp_path / "a.xlsx")
    _old_filled_workbook(sales, "Ana Diaz", "2026-Q4", 3, tmp_path / "b.xlsx")
    res = runner.invoke(main, ["read", "a.xlsx", "b.xlsx", "--json", "--ladders", str(SALES)])
    (report,) = json.loads(res.output)
    assert report["period"] == "2026-Q4" and sorted(report["sources"]) == ["a.xlsx", "b.xlsx"]


@pytest.mark.parametrize("command", ["export", "history"])
def test_a_read_only_open_creates_no_tables_on_either_database(db_url: str, command: str):
    from sqlalchemy import create_engine, inspect

    from sheetladder.results import store

    with pytest.raises(store.HistoryError, match="no history database"):
        store.History(db_url, read_only=True)
    url = store.resolve_url(db_url)
    if url.startswith("sqlite"):
        assert not Path(url.removeprefix("sqlite:///")).exists()
    else:
        engine = create_engine(url)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()
    res = CliRunner().invoke(main, [command, *(["Ana"] if command == "history" else []),
                                    "--db", db_url])
    assert res.exit_code == 2 and store.display_url(url) in res.output


def test_publish_template_and_roster_get_a_period_too(runner: CliRunner, fake: FakeGoogle,
                                                      tmp_path: Path):
    from sheetladder.google import publish as gpublish
    from sheetladder.period import PeriodError

    q = current_quarter().label
    res = runner.invoke(main, ["publish", str(SALES), "--template"])
    assert res.exit_code == 0, res.output
    assert f"using the current calendar quarter, {q}" in res.output and f"template, {q}" in res.output
    with pytest.raises(PeriodError, match="a template needs a period"):
        gpublish.publish_template(load(SALES), None, period=None)
    (tmp_path / "team.csv").write_text("person,manger\nBen,Bo\n", encoding="utf-8")
    made = len(fake.spreadsheets)
    res = runner.invoke(main, ["publish", str(SALES), "--roster", "team.csv"])
    assert res.exit_code == 1 and "did you mean 'manager'?" in res.output
    (tmp_path / "team.csv").write_text("person,period,notes\nBen,2026q4,x\n", encoding="utf-8")
    res = runner.invoke(main, ["publish", str(SALES), "--roster", "team.csv",
                               "--allow-column", "notes"])
    assert res.exit_code == 0, res.output
    assert len(fake.spreadsheets) == made + 1
    links = (tmp_path / "team-links.csv").read_text(encoding="utf-8")
    assert "2026-Q4" in links and "2026q4" not in links


def test_status_creates_no_database_and_names_it(runner: CliRunner, tmp_path: Path):
    (tmp_path / "manifest.csv").write_text("person,period,tab,role,rater,email,file\n",
                                           encoding="utf-8")
    res = runner.invoke(main, ["status", "--manifest", "manifest.csv"])
    assert res.exit_code == 2 and "output/history.sqlite: no history database" in res.output
    assert not (tmp_path / "output").exists()


def _refilled(src: Path, dest: Path, level: str) -> Path:
    """``src`` filled again at ``level`` on every rater tab and saved as ``dest``."""
    wb = openpyxl.load_workbook(src)
    for tab in ("Self", "Manager", "Peer 1", "Peer 2"):
        for row in range(5, 23):
            wb[tab].cell(row, 4).value = level
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def test_last_quarters_workbook_filled_again_under_this_quarters_name_is_refused(
        runner: CliRunner, tmp_path: Path):
    """A rep keeps Q3's file, fills it again for Q4 and names it for Q4: it still says Q3, so
    collected it would replace Q3's ratings and leave Q4 missing. Refused, Q3 left alone."""
    (tmp_path / "q3").mkdir()
    q3 = _old_filled_workbook(load(SALES), "Ana Diaz", "2026-Q3", 2,
                              tmp_path / "q3" / "ana-diaz-2026-q3.xlsx")
    res = runner.invoke(main, ["collect", "q3", "--ladders", str(SALES)])
    assert res.exit_code == 0, res.output
    again = _refilled(q3, tmp_path / "q4" / "ana-diaz-2026-q4.xlsx", "S4")
    before = again.read_bytes()
    res = runner.invoke(main, ["collect", "q4", "--ladders", str(SALES)])
    assert res.exit_code == 1, res.output
    assert "refused" in res.output and "Guide!B5" in res.output
    assert "the file's name says 2026-Q4 but the workbook is for 2026-Q3" in res.output
    assert "--period 2026-Q4" in res.output  # what would make it right
    assert again.read_bytes() == before
    res = runner.invoke(main, ["history", "Ana Diaz"])
    assert res.exit_code == 0, res.output
    assert "2026-Q3" in res.output and "36" in res.output  # Q3 still holds its S2 ratings
    res = runner.invoke(main, ["read", str(again), "--ladders", str(SALES)])
    assert res.exit_code == 1 and "the file's name says 2026-Q4" in res.output
    # renamed as the message says (the ratings are Q3's after all), it goes in as Q3's
    again.rename(tmp_path / "q4" / "ana-diaz-corrected.xlsx")
    res = runner.invoke(main, ["collect", "q4", "--ladders", str(SALES)])
    assert res.exit_code == 0 and "1 updated" in res.output, res.output


FISCAL_HALVES = """
periods:
  name: fiscal halves
  pattern: "FY{year:2}-H{half:1:1-2}"
  order: [year, half]
  example: FY27-H1
"""


@pytest.mark.parametrize("periods,held,name,said", [
    ("", "2026-09", "eva-lind-2026-10.xlsx", "2026-10"),  # a month: the name render gives it
    ("", "2026-09", "eva-lind-2-2026-10 - Copy.xlsx", "2026-10"),
    ("", "2026-Q3", "eva_lind_2026_10.xlsx", "2026-10"),
    (FISCAL_HALVES, "FY26-H2", "eva-lind-fy27-h1.xlsx", "FY27-H1"),
    (FISCAL_HALVES, "FY26-H2", "eva-lind-fy27-h1-bo-chen.xlsx", "FY27-H1"),
    ("", "2026-Q3", "eva-lind-q4.xlsx", "Q4"),  # a quarter without its year
    ("", "2026-Q3", "Eva_Lind_Q4 (1).xlsx", "Q4"),
], ids=["month", "month-namesake-copy", "underscores", "fiscal", "fiscal-split-tab",
        "quarter-alone", "quarter-alone-typed"])
def test_a_workbook_under_the_name_render_gives_another_period_is_refused_in_any_scheme(
        runner: CliRunner, tmp_path: Path, periods: str, held: str, name: str, said: str):
    """Last month's (or last fiscal half's) workbook filled again under the name render gives
    this one's went in with exit 0 and replaced that period's ratings: only calendar quarters
    and halves were read from names. The name render writes is read in the ladder's own
    scheme now; the workbook's own period under it, or no period, is read as before."""
    ladder_file = tmp_path / "ladder.yaml"
    ladder_file.write_text(SALES.read_text(encoding="utf-8") + periods, encoding="utf-8")
    ladder = load(ladder_file)
    path = _old_filled_workbook(ladder, "Eva Lind", held, 3, tmp_path / name)

    def errors(p: Path) -> tuple[int, list[str]]:
        res = runner.invoke(main, ["read", "--json", str(p), "--ladders", str(ladder_file)])
        found = json.loads(res.stdout)["findings"]
        return res.exit_code, [f"{f['sheet']}!{f['cell']}: {f['message']}" for f in found
                               if f["severity"] == "error"]

    code, found = errors(path)
    assert code == 1 and len(found) == 1, found
    assert found[0].startswith(f"Guide!B5: the file's name says {said} but the workbook is for "
                               f"{held}"), found
    for fine in (f"eva-lind-{held.lower()}.xlsx", f"eva-lind-{held.lower()}-bo-chen (1).xlsx",
                 "eva-lind-2026-01-15.xlsx", "eva-lind.xlsx", "Eva's return.xlsx",
                 f"eva-lind-{held.lower()[-2:]}.xlsx", "eva-lind-h2.xlsx"):
        ok = path.rename(tmp_path / fine)
        assert errors(ok) == (0, []), fine
        path = ok


@pytest.mark.parametrize("name", ["ana-diaz-2026-h2.xlsx", "ana-2026-12-01.xlsx",
                                  "ana-diaz-2026-q4-bo-chen.xlsx", "q4 2026 ana.xlsx",
                                  "sales-1100-q4-ana-diaz.xlsx", "emp 4711 q3 ana.xlsx",
                                  "ana-diaz-2026-q4 returned Q1 2027.xlsx"])
def test_a_file_name_that_agrees_with_the_workbooks_quarter_or_says_none_is_read(
        runner: CliRunner, tmp_path: Path, name: str):
    path = _old_filled_workbook(load(SALES), "Ana Diaz", "2026-Q4", 3, tmp_path / name)
    res = runner.invoke(main, ["read", str(path), "--ladders", str(SALES)])
    assert res.exit_code == 0, res.output
    assert "file's name says" not in res.output
