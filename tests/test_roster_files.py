"""A roster as people keep one: the .xlsx (or .ods) itself, or Excel's "Unicode Text" (UTF-16,
tabs), read as the same roster as its CSV; what a spreadsheet would make read as something
else (a formula never calculated, a list typed one name per line, two sheets of people) is
refused at its cell, and a file of another kind is named as such, with what to save instead."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.definition import Ladder
from sheetladder.roster import RosterError, read_roster

from .conftest import DEFINITIONS
from .libreoffice import convert

SALES = DEFINITIONS / "sales-s1-s7.yaml"
HEADER = ["person", "email", "team", "manager", "manager_email", "peers", "period"]
ROWS = [
    ["Ana Diaz", "ana@example.com", "North", "Bo Chen", "bo@example.com", "Cy Park;Di Lee", ""],
    ["Ben Ortiz", "ben@example.com", "North", "Bo Chen", "bo@example.com", "-", "2026-Q4"],
    ["=Eve Lund", "eve@example.com", "South", "", "", "", ""],
]


def _csv(path: Path, rows: list[list[str]], sep: str = ",", encoding: str = "utf-8") -> Path:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _xlsx(path: Path, rows: list[list[object]], other_sheets: dict[str, list[list[object]]]
          | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "People"
    for row in rows:
        ws.append(row)
    for name, more in (other_sheets or {}).items():
        extra = wb.create_sheet(name)
        for row in more:
            extra.append(row)
    wb.save(path)
    return path


def _people(ladder: Ladder, path: Path) -> list[tuple[str, str | None, str | None, list[str]]]:
    got = read_roster(ladder, path, default_period="2026-Q4")
    assert got.problems == [], got.problems
    return [(e.context.person, e.context.period, e.context.team,
             [f"{s.role}:{s.name}:{s.email}" for s in e.context.raters]) for e in got.entries]


def test_an_xlsx_roster_is_the_same_roster_as_its_csv(sales: Ladder, tmp_path: Path) -> None:
    as_csv = _people(sales, _csv(tmp_path / "team.csv", [HEADER, *ROWS]))
    # a text cell beginning with '=' stays text (openpyxl would write it as a formula)
    wb_rows: list[list[object]] = [HEADER, *[list(r) for r in ROWS]]
    path = _xlsx(tmp_path / "team.xlsx", wb_rows)
    wb = openpyxl.load_workbook(path)
    wb["People"]["A4"].data_type = "s"
    wb.save(path)
    assert _people(sales, path) == as_csv
    assert [p for p, *_ in as_csv] == ["Ana Diaz", "Ben Ortiz", "=Eve Lund"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["Ana Diaz", "Ben Ortiz", "Cy Park", "Dee Ng", "Eve Lund"]),
                          st.sampled_from(["North", "South", ""]),
                          st.sampled_from(["Bo Chen", "", "Bo Chen;Ola Berg"])),
                min_size=1, max_size=5, unique_by=lambda t: t[0]),
       st.sampled_from([",", ";", "\t"]))
def test_a_roster_saved_as_xlsx_utf16_text_or_csv_reads_alike(
        sales: Ladder, tmp_path: Path, people: list[tuple[str, str, str]], sep: str) -> None:
    rows = [["person", "team", "manager"], *[list(p) for p in people]]
    want = _people(sales, _csv(tmp_path / "t.csv", rows, sep))
    assert _people(sales, _csv(tmp_path / "t.txt", rows, "\t", "utf-16")) == want
    assert _people(sales, _xlsx(tmp_path / "t.xlsx", [list(r) for r in rows])) == want


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_a_sep_line_first_as_tools_write_for_excel_says_the_delimiter_and_keeps_line_numbers(
        sales: Ladder, tmp_path: Path, sep: str) -> None:
    """A CSV meant for Excel may start with 'sep=;' (Excel reads it and hides it): it says the
    delimiter, whatever the header holds, and is no row: the header and people come after it,
    on their own line numbers. It was read as the header and refused as having no person
    column."""
    want = _people(sales, _csv(tmp_path / "plain.csv", [HEADER, *ROWS], sep))
    path = tmp_path / "sep.csv"
    path.write_bytes(f"sep={sep}\r\n".encode() + (tmp_path / "plain.csv").read_bytes())
    assert _people(sales, path) == want
    # a problem is still named at the line the file has it on: the sep line counts
    bad = [HEADER, *ROWS, ["Zoe Ng", "not-an-email", "", "", "", "", ""]]
    _csv(tmp_path / "bad.csv", bad, sep)
    path.write_bytes(f"sep={sep}\n".encode() + (tmp_path / "bad.csv").read_bytes())
    got = read_roster(sales, path, default_period="2026-Q4")
    assert [p.line for p in got.problems] == [len(bad) + 1]


def test_a_manifest_starting_with_a_sep_line_is_the_same_manifest(tmp_path: Path) -> None:
    from sheetladder.manifest import ManifestError, read_manifest

    roster = _csv(tmp_path / "team.csv", [HEADER, *ROWS[:2]])
    res = CliRunner().invoke(main, ["render", str(SALES), "--roster", str(roster), "--period",
                                    "2026-Q4", "-o", str(tmp_path / "q4")])
    assert res.exit_code == 0, res.output
    manifest = tmp_path / "q4" / "manifest.csv"
    text = manifest.read_text(encoding="utf-8-sig")
    semi = tmp_path / "semi.csv"
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(csv.reader(io.StringIO(text)))
    semi.write_text("sep=;\n" + out.getvalue(), encoding="utf-8")
    assert read_manifest(semi) == read_manifest(manifest) != []
    comma = tmp_path / "comma.csv"
    comma.write_text("sep=,\n" + text, encoding="utf-8")
    assert read_manifest(comma) == read_manifest(manifest)
    # a header error after the sep line names the header's own line
    comma.write_text("sep=,\n" + text.replace('"person",', '"who",', 1), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"comma\.csv:2: the header lacks column\(s\) person"):
        read_manifest(comma)


def test_an_ods_roster_saved_by_libreoffice_is_read(sales: Ladder, tmp_path: Path) -> None:
    src = _xlsx(tmp_path / "team.xlsx", [HEADER, *[list(r) for r in ROWS[:2]]])
    ods = convert(src, tmp_path / "lo", "ods")
    assert ods.suffix == ".ods"
    assert _people(sales, ods) == _people(sales, src)


def test_render_and_status_take_an_xlsx_roster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETLADDER_DB", raising=False)
    _xlsx(tmp_path / "team.xlsx", [HEADER, *[list(r) for r in ROWS[:2]]])
    runner = CliRunner()
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.xlsx", "--period",
                               "2026-Q4", "-o", "q4"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "q4").glob("*.xlsx")) == [
        "ana-diaz-2026-q4.xlsx", "ben-ortiz-2026-q4.xlsx"]
    res = runner.invoke(main, ["collect", "q4", "--ladders", str(SALES)])
    res = runner.invoke(main, ["status", "--roster", "team.xlsx", "--definition", str(SALES),
                               "--period", "2026-Q4"])
    assert res.exit_code == 0, res.output
    assert "2 people" in res.output and "not returned" in res.output
    # left in the folder of returns, the roster is named for what it is
    (tmp_path / "team.xlsx").rename(tmp_path / "q4" / "team.xlsx")
    res = runner.invoke(main, ["collect", "q4", "--ladders", str(SALES)])
    assert res.exit_code == 1
    assert "a table of people (a roster or an export: sheet 'People' has a 'person' column)" \
        in res.output


@pytest.mark.parametrize(("cells", "where", "says"), [
    ({"F2": "Cy Park\nDi Lee"}, ":2:", "cell F2 holds a line break"),
    ({"B3": "=LOWER(A3)&\"@example.com\""}, ":3:", "cell B3 holds a formula with no value stored"),
])
def test_what_a_sheet_would_read_as_something_else_is_refused_at_its_cell(
        sales: Ladder, tmp_path: Path, cells: dict[str, str], where: str, says: str) -> None:
    path = _xlsx(tmp_path / "team.xlsx", [HEADER, *[list(r) for r in ROWS[:2]]])
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb["People"][ref] = value
    wb.save(path)
    with pytest.raises(RosterError) as e:
        read_roster(sales, path, default_period="2026-Q4")
    assert f"team.xlsx{where}" in str(e.value) and says in str(e.value)


def test_a_workbook_with_no_or_two_sheets_of_people_is_refused_naming_its_sheets(
        sales: Ladder, tmp_path: Path) -> None:
    two = _xlsx(tmp_path / "two.xlsx", [HEADER, *[list(r) for r in ROWS[:1]]],
                {"Old": [["Person", "team"], ["Ana Diaz", "South"]]})
    with pytest.raises(RosterError, match=r"2 sheets \('People', 'Old'\) have a 'person' column"):
        read_roster(sales, two)
    none = _xlsx(tmp_path / "none.xlsx", [["name", "mail"], ["Ana", "a@example.com"]])
    with pytest.raises(RosterError, match=r"no sheet has a 'person' column .*sheets: 'People'"):
        read_roster(sales, none)


@pytest.mark.parametrize(("name", "data", "says"), [
    ("team.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "an .xls workbook"),
    ("team.csv", None, "a spreadsheet file (zipped), not .csv text"),
    ("team.csv", "person,team\nJosé,Norte\n".encode("cp1252"), "not UTF-8 text"),
])
def test_a_file_of_another_kind_is_named_with_what_to_save_instead(
        sales: Ladder, tmp_path: Path, name: str, data: bytes | None, says: str) -> None:
    path = tmp_path / name
    if data is None:
        _xlsx(tmp_path / "real.xlsx", [HEADER]).rename(path)
    else:
        path.write_bytes(data)
    with pytest.raises(RosterError) as e:
        read_roster(sales, path)
    assert says in str(e.value) and "CSV UTF-8" in str(e.value)


def test_a_manifest_saved_as_xlsx_after_opening_it_in_excel_is_the_same_manifest(
        tmp_path: Path) -> None:
    import csv

    from sheetladder.manifest import read_manifest

    roster = _csv(tmp_path / "team.csv", [HEADER, *ROWS[:2]])
    res = CliRunner().invoke(main, ["render", str(SALES), "--roster", str(roster), "--period",
                                    "2026-Q4", "-o", str(tmp_path / "q4")])
    assert res.exit_code == 0, res.output
    manifest = tmp_path / "q4" / "manifest.csv"
    with manifest.open(encoding="utf-8-sig", newline="") as f:
        rows: list[list[object]] = [list(r) for r in csv.reader(f)]
    as_xlsx = _xlsx(tmp_path / "q4" / "manifest.xlsx", rows)
    assert read_manifest(as_xlsx) == read_manifest(manifest)
    db = str(tmp_path / "h.sqlite")
    res = CliRunner().invoke(main, ["collect", str(tmp_path / "q4"), "--db", db, "--ladders",
                                    str(SALES)])
    res = CliRunner().invoke(main, ["status", "--manifest", str(as_xlsx), "--db", db])
    assert res.exit_code == 0, res.output
    assert "2 people, 0 complete, 0 partial, 2 not returned" in res.output


@pytest.mark.parametrize(("row", "warned"), [(3, [(3, "row(s) 3 of sheet 'People' are hidden")]),
                                           (1, [])])
def test_rows_hidden_by_a_filter_are_read_and_warned_of_but_not_the_header(
        sales: Ladder, tmp_path: Path, row: int, warned: list[tuple[int, str]]) -> None:
    path = _xlsx(tmp_path / "team.xlsx", [HEADER, *[list(r) for r in ROWS[:2]]])
    wb = openpyxl.load_workbook(path)
    wb["People"].row_dimensions[row].hidden = True
    wb.save(path)
    got = read_roster(sales, path, default_period="2026-Q4")
    assert [e.context.person for e in got.entries] == ["Ana Diaz", "Ben Ortiz"]
    assert len(got.warnings) == len(warned)
    assert [(w.line, w.message[:len(m)])
            for w, (_, m) in zip(got.warnings, warned, strict=True)] == warned
