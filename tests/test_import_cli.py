"""The import command's own surface (issue 16): `--list`, the explicit layout options, output
that stays short however many cells need a look, and library warnings turned into notes."""

from __future__ import annotations

import io
import shlex
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.definition import load
from sheetladder.importer.detect import detect
from sheetladder.importer.emit import SHOWN
from sheetladder.importer.tables import Table, tables_from_grid
from sheetladder.xlsx.read import grid_from_bytes

from .conftest import DEFINITIONS
from .make_bad_files import rezip
from .test_import import (
    SALESISH,
    Cat,
    Layout,
    Shape,
    Spec,
    expected_groups,
    got_groups,
    lay_out,
    write_xlsx,
)


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    assert "Traceback" not in res.output, res.output
    return res.exit_code, res.output


def stacked(tmp_path: Path) -> tuple[Path, Spec, Spec]:
    """One sheet holding two matrices, one under the other, a blank row between."""
    second = Spec("Second", [("M1", "Manager"), ("M2", "Senior Manager")], [
        ("People", [Cat("Hiring", 1, ["Hires with help from the team.", "Builds the hiring plan."]),
                    Cat("Coaching", 1, ["Coaches one report at a time.", "Coaches the managers."])])])
    top = lay_out(SALESISH, Shape(title=False))
    below = lay_out(second, Shape(title=False))
    first_free = max(r for r, _ in top.rows) + 2
    rows = dict(top.rows)
    rows.update({(r + first_free, c): v for (r, c), v in below.rows.items()})
    return write_xlsx(tmp_path / "two.xlsx", {"Ladders": Layout(rows=rows)}), SALESISH, second


# -- --list ----------------------------------------------------------------------------------------


def test_list_shows_every_table_with_its_bounds_and_the_command_that_imports_it(tmp_path: Path) -> None:
    path, first, second = stacked(tmp_path)
    code, out = run("import", str(path), "--list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "sheet 'Ladders': 2 table(s)"
    assert lines[1] == "  table 1: Ladders!A1:E7: 3 levels x 3 categories (plausible)"
    assert lines[3] == "  table 2: Ladders!A9:D13: 2 levels x 2 categories (plausible)"
    assert not list(tmp_path.glob("*.yaml")) and not (tmp_path / "definitions").exists()
    # each listed command imports exactly its table
    for line, spec in ((lines[2], first), (lines[4], second)):
        argv = shlex.split(line.strip())
        assert argv[:3] == ["sheetladder", "import", str(path)] and "--table" in argv
        out_file = tmp_path / f"t{argv[argv.index('--table') + 1]}.yaml"
        code, text = run(*argv[1:], "-o", str(out_file))
        assert code == 0, text
        assert got_groups(load(out_file)) == expected_groups(spec, Shape(title=False))


def test_list_names_hidden_sheets_and_sheets_without_a_matrix(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {
        "Notes": Layout(rows={(0, 0): "Read me first", (1, 0): "Nothing here", (1, 1): "at all"}),
        "Matrix": lay_out(SALESISH, Shape())})
    code, out = run("import", str(path), "--list")
    assert code == 0
    assert "sheet 'Notes': 1 table(s)\n  table 1: Notes!A1:B2: no matrix" in out
    assert "sheet 'Matrix': 1 table(s)" in out
    code, only = run("import", str(path), "--list", "--sheet", "matrix")
    assert code == 0 and "Notes" not in only and "sheet 'Matrix'" in only



SALES_DOWN = [["Level", "Discovery", "Closing"],
              ["S1", "Asks the standard questions", "Closes with help"],
              ["S2", "Adapts questions to the buyer", "Closes alone"],
              ["S3", "Teaches others to run discovery", "Closes the hardest deals"]]
MANAGERS_DOWN = [["Level", "Hiring", "Coaching"],
                 ["M1", "Hires with the recruiter", "Coaches one report at a time"],
                 ["M2", "Builds the hiring plan", "Coaches through the team leads"],
                 ["M3", "Shapes the hiring strategy", "Grows the next managers"]]


def test_list_numbers_tables_read_down_the_rows_as_table_selects_them(tmp_path: Path) -> None:
    """Two tables stacked, each with its levels down the rows: the reading down the rows saw
    the whole sheet at once, so --list showed it as table 1 only and `--table 2` wrote table
    1's ladder (S1..S3) with exit 0. Each table is read on its own rows now, listed with the
    command (with --table) that imports it, and `--table 2` imports the second."""
    path = _csv(tmp_path / "two-down.csv", SALES_DOWN + [[]] + MANAGERS_DOWN)
    code, out = run("import", str(path), "--list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "sheet 'two-down': 2 table(s)"
    assert lines[1] == "  table 1: 'two-down'!A1:C4: 3 levels x 2 categories (plausible)"
    assert lines[3] == "  table 2: 'two-down'!A6:C9: 3 levels x 2 categories (plausible)"
    for line, codes, cats in ((lines[2], ["S1", "S2", "S3"], ["Discovery", "Closing"]),
                              (lines[4], ["M1", "M2", "M3"], ["Hiring", "Coaching"])):
        argv = shlex.split(line.strip())
        assert "--levels-in" in argv and argv[argv.index("--levels-in") + 1] == "rows"
        n = argv[argv.index("--table") + 1]
        for args in (argv[1:], ["import", str(path), "--table", n]):
            out_file = tmp_path / f"t{n}-{len(args)}.yaml"
            code, text = run(*args, "-o", str(out_file))
            assert code == 0, text
            ladder = load(out_file)
            assert [lv.code for lv in ladder.levels] == codes
            assert [c.name for c in ladder.categories] == cats
    code, text = run("import", str(path), "-o", str(tmp_path / "first.yaml"))
    assert code == 0, text
    assert "levels down the rows, header 'two-down'!A2:A4" in text
    assert "another matrix (table 2, 3 levels x 2 categories) was left out; import it with " \
           "--table 2" in text


IC_TRACK = [["Competency", "Engineer I", "Engineer II", "Senior Engineer", "Staff Engineer"],
            ["Technical", "Learns the codebase", "Works alone on features", "Go-to for a system",
             "Sets direction for teams"],
            ["Delivery", "Ships small tasks", "Ships features", "Leads projects",
             "Leads multi-team projects"],
            ["Mentorship", "Is mentored", "Onboards new hires", "Mentors the team",
             "Mentors seniors"]]
MANAGER_TRACK = [["Competency", "Engineering Manager", "Senior Engineering Manager", "Director"],
                 ["People", "Manages a team", "Manages managers", "Manages an org"],
                 ["Strategy", "Team roadmap", "Group roadmap", "Org strategy"]]


def _tracks(path: Path, sheets: dict[str, list[list[str]]], hide: tuple[str, str] | None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    if hide is not None:
        wb[hide[0]].column_dimensions[hide[1]].hidden = True
    wb.save(path)
    return path


def test_a_matrix_left_out_for_a_hidden_column_is_named_when_another_table_is_imported(
        tmp_path: Path) -> None:
    """Two tracks stacked on one sheet, a level column of the first hidden: the second was
    written with exit 0 and no word of the first, which holds a matrix too."""
    path = _tracks(tmp_path / "tracks.xlsx", {"Ladders": [
        ["Individual Contributor track"], *IC_TRACK, [], [], ["Management track"],
        *MANAGER_TRACK]}, hide=("Ladders", "E"))
    out = tmp_path / "tracks.yaml"
    code, text = run("import", str(path), "-o", str(out))
    assert code == 0, text
    assert [lv.name for lv in load(out).levels] == MANAGER_TRACK[0][1:]
    assert "Ladders!B2:E2: another matrix (table 1, 4 levels x 3 categories) was left out " \
           "because it takes hidden column E (Ladders!E2, level 'Staff Engineer'), which no one " \
           "who opens the sheet sees: --hidden skip leaves the hidden rows and columns out, " \
           "--hidden take imports them as if shown; import it with --table 1 and one of " \
           "those" in " ".join(text.split())


@pytest.mark.parametrize("hide", [None, ("IC", "D")])
def test_a_matrix_on_another_sheet_left_out_is_named(
        tmp_path: Path, hide: tuple[str, str] | None) -> None:
    """One track a sheet: the import takes one and named no other, fine or with a hidden
    column (the other sheet's was then written as if the workbook held no more)."""
    path = _tracks(tmp_path / "sheets.xlsx", {"IC": IC_TRACK, "Mgmt": MANAGER_TRACK}, hide)
    out = tmp_path / "sheets.yaml"
    code, text = run("import", str(path), "-o", str(out))
    assert code == 0, text
    text = " ".join(text.split())
    if hide is None:
        assert [lv.name for lv in load(out).levels] == IC_TRACK[0][1:]
        assert "Mgmt!B1:D1: another matrix (sheet 'Mgmt', 3 levels x 2 categories) was left " \
               "out; import it with --sheet Mgmt" in text
    else:
        assert [lv.name for lv in load(out).levels] == MANAGER_TRACK[0][1:]
        assert "IC!B1:E1: another matrix (sheet 'IC', 4 levels x 3 categories) was left out " \
               "because it takes hidden column D (IC!D1, level 'Senior Engineer')" in text
        assert "import it with --sheet IC and one of those" in text


def test_list_shows_blocks_a_table_read_down_the_rows_goes_on_across_as_part_of_it(
        tmp_path: Path) -> None:
    """Level rows a blank row apart are one table read down the rows: --list shows it as table
    1 over all its rows and the blocks after the first as part of it; --table 2 says so."""
    rows = SALES_DOWN[:2] + [[]] + SALES_DOWN[2:3] + [[]] + SALES_DOWN[3:]
    path = _csv(tmp_path / "spaced.csv", rows)
    code, out = run("import", str(path), "--list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "sheet 'spaced': 3 table(s)"
    assert lines[1] == "  table 1: spaced!A1:C6: 3 levels x 2 categories (plausible)"
    assert "--levels-in rows" in lines[2] and "--table 1" in lines[2]
    assert lines[3] == ("  table 2: spaced!A4:C4: part of table 1 (its levels down the rows, "
                        "level rows a blank row apart; --table 1)")
    assert lines[4].startswith("  table 3: spaced!A6:C6: part of table 1")
    code, out = run("import", str(path), "--table", "2", "-o", str(tmp_path / "x.yaml"))
    assert code == 1
    assert "--table 2: on sheet 'spaced', row 4 goes on with table 1 read with the levels " \
           "down the rows" in out and "import it with --table 1" in out
    assert not (tmp_path / "x.yaml").exists()
    code, out = run(*shlex.split(lines[2].strip())[1:], "-o", str(tmp_path / "y.yaml"))
    assert code == 0, out
    assert [lv.code for lv in load(tmp_path / "y.yaml").levels] == ["S1", "S2", "S3"]



# A published competency matrix kept as Markdown tables, one per heading, the level header
# typed again under each (mcauduro0/Macro_Trading, .claude/skills/alireza-interview-system-
# designer/references/competency_matrix_templates.md at 7075805e18d8, its 'Software
# Engineering Competency Matrix': two categories of each of its two tables)
SE_LEVELS = ["Junior (L1-L2)", "Mid (L3-L4)", "Senior (L5-L6)", "Staff+ (L7+)"]
SE_TABLES = {
    "Technical Competencies": {
        "Coding & Algorithms": [
            "Basic data structures, simple algorithms, language syntax",
            "Advanced algorithms, complexity analysis, optimization",
            "Complex problem solving, algorithm design, performance tuning",
            "Architecture-level algorithmic decisions, novel approach design"],
        "System Design": [
            "Component interactions, basic scalability concepts",
            "Service design, database modeling, API design",
            "Distributed systems, scalability patterns, trade-off analysis",
            "Large-scale architecture, cross-system design, technology strategy"]},
    "Behavioral Competencies": {
        "Communication": [
            "Clear status updates, asks good questions",
            "Technical explanations, stakeholder updates",
            "Cross-functional communication, technical writing",
            "Executive communication, external representation, thought leadership"],
        "Collaboration": [
            "Team participation, code reviews", "Cross-team projects, knowledge sharing",
            "Team leadership, conflict resolution",
            "Cross-org collaboration, culture building, strategic partnerships"]}}


def test_list_shows_a_table_that_goes_on_under_its_header_repeated_as_part_of_the_first(
        tmp_path: Path) -> None:
    """A heading and a table, a blank row, another heading and table under the same level
    header: the import reads one matrix of two groups, but --list gave table 1 the bounds of
    its first block with the categories of both, and listed table 2 as a table of its own, so
    its rows were in two tables. Table 1 spans both now, table 2 is listed as part of it (and
    what it reads as alone, with the command for that)."""
    rows: list[list[str]] = []
    for heading, cats in SE_TABLES.items():
        rows += ([[]] if rows else []) + [[heading], ["Competency", *SE_LEVELS]]
        rows += [[name, *descs] for name, descs in cats.items()]
    path = _csv(tmp_path / "se.csv", rows)
    code, out = run("import", str(path), "--list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[1] == "  table 1: se!A1:E9: 4 levels x 4 categories (plausible)"
    assert lines[3] == ("  table 2: se!A6:E9: part of table 1 (the matrix goes on after a blank "
                        "row; --table 1); alone, 4 levels x 2 categories (plausible)")
    argv = shlex.split(lines[2].strip())
    code, text = run(*argv[1:], "-o", str(tmp_path / "se.yaml"))
    assert code == 0, text
    ladder = load(tmp_path / "se.yaml")
    assert [lv.name for lv in ladder.levels] == SE_LEVELS
    assert [(g.name, [c.name for c in g.categories]) for g in ladder.groups] == [
        (heading, list(cats)) for heading, cats in SE_TABLES.items()]
    for cats in SE_TABLES.values():
        for name, descs in cats.items():
            cat = next(c for c in ladder.categories if c.name == name)
            assert [cat.descriptor(lv.code).text for lv in ladder.levels] == descs
    code, text = run("import", str(path), "-o", str(tmp_path / "default.yaml"))
    assert code == 0 and "another matrix" not in text

CRAFT = [["Skill", "What it covers", "Apprentice", "Journeyman", "Master"],
         ["Discovery", "Finding what the buyer needs", "Asks the standard questions",
          "Adapts questions to the buyer", "Teaches others to run discovery"],
         ["Negotiation", "Agreeing terms", "Follows the price list",
          "Trades concessions for commitments", "Shapes deals the team copies"],
         ["Forecasting", "Calling the quarter", "Updates the CRM weekly",
          "Calls the month within 10%", "Calls the quarter for the region"]]


def test_table_alone_picks_a_table_and_refuses_it_when_doubtful(tmp_path: Path) -> None:
    """README's craft matrix (a notes column beside level names without codes) stacked under a
    plausible table: alone it is refused, but `--table 2` counted as a layout given, so the
    doubtful guess (the notes column 'What it covers' a level) was written with exit 0. The
    table is picked, and refused with the command that imports the guess explicitly."""
    sales = [["Category", "S1 - Junior", "S2 - Mid"],
             ["Discovery", "Asks the standard questions", "Teaches others to run discovery"],
             ["Closing", "Closes with help", "Closes the hardest deals"]]
    path = _csv(tmp_path / "two.csv", sales + [[]] + CRAFT)
    out_file = tmp_path / "x.yaml"
    code, out = run("import", str(path), "--table", "2", "-o", str(out_file))
    assert code == 1 and not out_file.exists()
    assert "the level names share no pattern" in out
    assert "--levels B:E --category-col A --table 2" in out
    code, out = run("import", str(path), "--table", "2", "--levels-in", "columns",
                    "--header-row", "5", "--levels", "C:E", "--category-col", "A",
                    "--skip-col", "B", "-o", str(out_file))
    assert code == 0, out
    assert [lv.name for lv in load(out_file).levels] == ["Apprentice", "Journeyman", "Master"]

# -- the explicit options ----------------------------------------------------------------------------


def test_explicit_options_name_each_part_of_a_layout_across_the_columns(tmp_path: Path) -> None:
    # Group | Notes | Category | Weight | S1..S3: a notes column between group and category
    rows = {(0, 0): "Area", (0, 1): "Notes", (0, 2): "Skill", (0, 3): "Weight",
            (0, 4): "S1", (0, 5): "S2", (0, 6): "S3"}
    texts = {"Prospecting": ["Finds leads with help.", "Finds leads alone.", "Teaches prospecting."],
             "Closing": ["Closes small deals.", "Closes most deals.", "Closes the hardest deals."],
             "Pipeline": ["Keeps the CRM current.", "Forecasts the month.", "Forecasts the year."]}
    for i, (name, descs) in enumerate(texts.items(), start=1):
        rows.update({(i, 0): "Selling", (i, 1): f"see the wiki page {i}", (i, 2): name,
                     (i, 3): float(i)})
        rows.update({(i, 4 + j): d for j, d in enumerate(descs)})
    path = write_xlsx(tmp_path / "m.xlsx", {"Sheet1": Layout(rows=rows)})
    out = tmp_path / "x.yaml"
    code, text = run("import", str(path), "-o", str(out), "--levels-in", "columns",
                     "--header-row", "1", "--levels", "E:G", "--category-col", "C",
                     "--group-col", "A", "--weight-col", "D", "--skip-col", "B")
    assert code == 0, text
    ladder = load(out)
    assert [lv.code for lv in ladder.levels] == ["S1", "S2", "S3"]
    assert [(g.name, [(c.name, c.weight) for c in g.categories]) for g in ladder.groups] == [
        ("Selling", [("Prospecting", 1.0), ("Closing", 2.0), ("Pipeline", 3.0)])]
    assert ladder.category("closing").descriptor("S3").text == "Closes the hardest deals."
    assert "Notes" not in out.read_text(encoding="utf-8")  # the skipped column left out


def test_explicit_options_with_levels_down_the_rows_name_rows_and_a_column(tmp_path: Path) -> None:
    shape = Shape(transposed=True, title=False, groups="rows")
    lay = lay_out(SALESISH, shape)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay})
    out = tmp_path / "x.yaml"
    # transposed: the header of levels is column A, the codes run down rows 3..5 (1-based)
    code, text = run("import", str(path), "-o", str(out), "--levels-in", "rows", "--header-row", "A",
                     "--levels", "3:5", "--category-col", "1", "--weight-col", "2")
    assert code == 0, text
    assert got_groups(load(out)) == expected_groups(SALESISH, shape)


@pytest.mark.parametrize(("args", "message"), [
    (["--levels", "C:E"], "need --levels-in columns|rows"),
    (["--levels-in", "columns", "--levels", "C"], "expected a range such as C:G"),
    (["--levels-in", "columns", "--levels", "E:C"], "needs at least two levels"),
    (["--levels-in", "columns", "--category-col", "3"], "expected a column letter such as C"),
    (["--levels-in", "rows", "--category-col", "C"], "expected a row number such as 3"),
    (["--levels-in", "columns", "--header-row", "B"], "expected a row number such as 3"),
    (["--table", "0"], "--table"),
    # options beyond the sheet: a message naming the option, never a KeyError traceback
    (["--levels-in", "columns", "--header-row", "3", "--levels", "C:H", "--category-col", "A"],
     "--levels names column H, but the sheet's last is E"),
    (["--levels-in", "columns", "--header-row", "99", "--levels", "C:E", "--category-col", "A"],
     "--header-row names row 99, but the sheet's last is"),
    (["--levels-in", "rows", "--header-row", "A", "--levels", "3:5", "--category-col", "40"],
     "--category-col names row 40, but the sheet's last is"),
])
def test_bad_explicit_options_are_refused_naming_the_option(tmp_path: Path, args: list[str],
                                                           message: str) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    code, out = run("import", str(path), "-o", str(tmp_path / "x.yaml"), *args)
    assert code != 0 and message in out, out
    assert not (tmp_path / "x.yaml").exists()


# -- bounded output ---------------------------------------------------------------------------------


def test_a_long_list_of_empty_cells_and_notes_is_cut_with_the_count_left_out(tmp_path: Path) -> None:
    levels = [(f"S{i}", f"Stage {i}") for i in range(1, 5)]
    cats = [Cat(f"Skill {i}", 1, [f"Does the {i}th thing well.", None, None, None])
            for i in range(1, 11)]
    spec = Spec("Many gaps", levels, [("Everything", cats)])
    lay = lay_out(spec, Shape(weight=False))
    for r in range(3, 3 + 14):  # stray texts beside the matrix: one note each
        lay.rows[(r, 8)] = f"aside {r}"
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay})
    code, out = run("import", str(path), "-o", str(tmp_path / "a.yaml"), "--levels-in", "columns",
                    "--header-row", "3", "--levels", "B:E", "--category-col", "A", "--skip-col", "I")
    assert code == 0, out
    assert "Empty cells (30), written as drafted placeholders:" in out
    assert "  … and 20 more (--verbose lists them all)" in out
    assert "Check (16):" in out and "  … and 6 more (--verbose lists them all)" in out
    assert len(out.splitlines()) < 40
    code, full = run("import", str(path), "-o", str(tmp_path / "b.yaml"), "--levels-in", "columns",
                     "--header-row", "3", "--levels", "B:E", "--category-col", "A", "--skip-col", "I",
                     "--verbose")
    assert code == 0 and "more (--verbose" not in full
    assert sum(1 for line in full.splitlines() if "(Skill " in line) == 30


def test_a_definition_that_does_not_validate_is_summarised_and_not_written(tmp_path: Path) -> None:
    # weights of 500 (over the definition's limit of 100) for fifteen categories
    cats = [Cat(f"Skill {i}", 500, [f"Does the {i}th thing.", f"Teaches the {i}th thing."])
            for i in range(1, 16)]
    spec = Spec("Heavy", [("S1", "Junior"), ("S2", "Senior")], [("All", cats)])
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, Shape())})
    out = tmp_path / "heavy.yaml"
    code, text = run("import", str(path), "-o", str(out))
    assert code == 1
    lines = text.strip().splitlines()
    lines = lines[next(i for i, x in enumerate(lines) if x.startswith("error: ")):]
    assert lines[0].startswith("error: the imported matrix does not make a valid definition (15 "
                               f"problem(s); nothing was written to {out}):")
    # each problem names the weight's own cell, not a line of the unwritten YAML
    cell, rest = lines[1].split(": ", 1)
    assert rest.startswith("weight of 'Skill 1': ")
    import openpyxl

    ws = openpyxl.load_workbook(path)["Matrix"]
    assert ws[cell.removeprefix("Matrix!")].value == 500
    row = ws[cell.removeprefix("Matrix!")].row
    assert "Skill 1" in [c.value for c in ws[row]]
    assert lines[-1] == "  … and 5 more (--verbose lists them all)"
    assert len(lines) == 1 + SHOWN + 1
    assert not out.exists()


# -- library warnings ------------------------------------------------------------------------------


def _warning_workbook(tmp_path: Path) -> bytes:
    """A matrix whose sheet carries an extension openpyxl does not know (it warns and drops it)."""
    good = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())}).read_bytes()
    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml")
    ext = (b'<extLst><ext uri="{5C5B2B7E-0000-4000-8000-00000000BEEF}" xmlns:x14="http://schemas.'
           b'microsoft.com/office/spreadsheetml/2009/9/main"><x14:unknown/></ext></extLst></worksheet>')
    return rezip(good, replace={"xl/worksheets/sheet1.xml": sheet.replace(b"</worksheet>", ext)})


def test_openpyxl_warnings_become_notes_and_never_reach_stderr(tmp_path: Path,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    data = _warning_workbook(tmp_path)
    filters = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as under python -W error: a leaked warning would raise
        grid = grid_from_bytes("m.xlsx", data, "openpyxl")
        fast = grid_from_bytes("m.xlsx", data, "fast")
    assert warnings.filters == filters  # the caller's filters, as they were
    assert grid.notes == ["Unknown extension is not supported and will be removed"]
    assert fast.notes == [] and fast == grid  # notes are no part of what a workbook holds
    assert capfd.readouterr().err == ""
    # the importer shows a reader's notes with the others to check
    det = detect(tables_from_grid(grid)[0])
    assert "Matrix: the reader noted: Unknown extension is not supported and will be removed" in [
        str(n) for n in det.notes]


def test_a_readers_warnings_are_findings_of_read_and_never_reach_stderr(
        capfd: pytest.CaptureFixture[str]) -> None:
    """read's side of the same: a filled workbook whose Guide carries an extension openpyxl
    warns of, read by openpyxl, gets the warning as a finding of its report (and the fast
    reader, which warns of nothing, gives the same report but that finding)."""
    from sheetladder.context import make_context
    from sheetladder.plan import build_plan
    from sheetladder.verify.verify import verify_grid
    from sheetladder.xlsx.write import to_bytes

    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    good = to_bytes(build_plan(ladder, make_context(ladder, "Ana Diaz", "2026-Q4")))
    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml")
    ext = (b'<extLst><ext uri="{5C5B2B7E-0000-4000-8000-00000000BEEF}" xmlns:x14="http://schemas.'
           b'microsoft.com/office/spreadsheetml/2009/9/main"><x14:unknown/></ext></extLst></worksheet>')
    data = rezip(good, replace={"xl/worksheets/sheet1.xml": sheet.replace(b"</worksheet>", ext)})
    slow = verify_grid(grid_from_bytes("a.xlsx", data, "openpyxl")).report
    fast = verify_grid(grid_from_bytes("a.xlsx", data, "fast")).report
    noted = [f for f in slow.findings if "the reader noted" in f.message]
    assert [(f.severity, f.message) for f in noted] == [
        ("warning", "the reader noted: Unknown extension is not supported and will be removed")]
    assert [f for f in slow.findings if f not in noted] == fast.findings
    assert capfd.readouterr().err == ""


def test_a_table_without_reader_notes_gets_none() -> None:
    rows = [["Skill", "S1", "S2"], ["Closing", "Closes small deals.", "Closes most deals."],
            ["Prospecting", "Finds leads with help.", "Finds leads alone."]]
    det = detect(Table.from_rows("Sheet1", rows))
    assert not any("reader noted" in n.message for n in det.notes)


# -- found while writing the README ------------------------------------------------------------------


def test_descriptors_sharing_a_function_word_are_never_taken_for_level_names(tmp_path: Path) -> None:
    # 'the' in three of four descriptors of the first row made them a 'shared word' pattern, and
    # that row was imported as the level names with exit 0
    from sheetladder.importer.detect import ImportDoubtful, pattern_score

    row = ["Finding what the buyer needs", "Asks the standard questions",
           "Adapts questions to the buyer", "Teaches others to run discovery"]
    assert pattern_score(row) == 0.0
    assert pattern_score(["Team Member", "Team Lead", "Team Manager"]) > 0  # a real shared word
    csv_path = tmp_path / "craft.csv"
    csv_path.write_text(
        "Skill,What it covers,Apprentice,Journeyman,Master\n"
        "Discovery," + ",".join(row) + "\n"
        "Negotiation,Agreeing terms,Follows the price list,Trades concessions for commitments,"
        "Shapes deals the team copies\n"
        "Forecasting,Calling the quarter,Updates the CRM weekly,Calls the month within 10%,"
        "Calls the quarter for the region\n", encoding="utf-8")
    from sheetladder.importer.detect import import_matrix

    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(csv_path))
    assert e.value.found is not None
    assert [lv.name for lv in e.value.found.detection.levels][-3:] == ["Apprentice", "Journeyman",
                                                                      "Master"]


def test_descriptors_set_in_italics_are_kept_and_marked_drafted(tmp_path: Path) -> None:
    import xlsxwriter

    from sheetladder.importer.detect import import_matrix

    path = tmp_path / "m.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Matrix")
    italic = wb.add_format({"italic": True})
    ws.write_row(0, 0, ["Category", "S1 - Junior", "S2 - Senior"])
    ws.write_row(1, 0, ["Closing", "Closes small deals."])
    ws.write_string(1, 2, "Closes the hardest deals.", italic)  # a draft, as the Matrix shows one
    ws.write_row(2, 0, ["Prospecting", "Finds leads with help.", "Finds leads alone."])
    ws.write_string(3, 0, "Pipeline", italic)  # a category name in italics: no flag to set
    ws.write_row(3, 1, ["Keeps the CRM current.", "Forecasts the quarter."])
    wb.close()
    det = import_matrix(str(path))
    drafted = {(c.name, code) for c in det.categories for code in c.drafted}
    assert drafted == {("Closing", "S2")}
    assert det.categories[0].descriptors["S2"] == "Closes the hardest deals."
    assert det.empty_cells == []
    assert any(n.ref == "Matrix!C2" and "italics" in n.message for n in det.notes)


# -- a category named twice, a weight that is no number (issue 16 review) ------------------------


def _csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def _explicit(output: str) -> list[str]:
    """The command line a refusal gives, as arguments for the CLI (without 'sheetladder')."""
    line = output.strip().splitlines()[-1].strip()
    args = shlex.split(line)
    assert args[:2] == ["sheetladder", "import"], output
    return args[2:]


_STARTER = ["L1 - Starter", "L2 - Practitioner"]
_PLAIN = ["Junior", "Senior"]


@pytest.mark.parametrize("header,rows,cells,want", [
    # the review's file: the repeat two rows apart, a weight column
    (["Category", "Weight", *_STARTER],
     [["Discovery", "1", "Asks questions", "Adapts questions"],
      ["Closing", "2", "Closes with help", "Closes alone"],
      ["Discovery", "1", "Finds leads", "Finds many"]],
     ("A2", "A4"), [("discovery", 1), ("closing", 2), ("discovery-2", 1)]),
    # the repeat on the next row, in the only label column
    (["Category", "Weight", *_STARTER],
     [["Discovery", "1", "Asks questions", "Adapts questions"],
      ["Discovery", "3", "Finds leads", "Finds many"],
      ["Closing", "2", "Closes with help", "Closes alone"]],
     ("A2", "A3"), [("discovery", 1), ("discovery-2", 3), ("closing", 2)]),
    # a group column left of the categories
    (["Area", "Category", *_STARTER],
     [["Sales", "Discovery", "Asks questions", "Adapts questions"],
      ["Sales", "Closing", "Closes with help", "Closes alone"],
      ["Sales", "Discovery", "Finds leads", "Finds many"],
      ["Craft", "Tools", "Uses the tools", "Builds the tools"]],
     ("B2", "B4"), [("discovery", 1), ("closing", 1), ("discovery-2", 1), ("tools", 1)]),
    # levels named by seniority words only, under a label header or none (as weak a pattern
    # as the first category row's descriptors sharing a word: 'questions')
    (["Skill", *_PLAIN],
     [["Discovery", "Asks questions", "Adapts questions"],
      ["Closing", "Closes with help", "Closes alone"],
      ["Discovery", "Finds leads", "Finds many"]],
     ("A2", "A4"), [("discovery", 1), ("closing", 1), ("discovery-2", 1)]),
    (["", *_PLAIN],
     [["Discovery", "Asks questions", "Adapts questions"],
      ["Closing", "Closes with help", "Closes alone"],
      ["Discovery", "Finds leads", "Finds many"]],
     ("A2", "A4"), [("discovery", 1), ("closing", 1), ("discovery-2", 1)]),
], ids=["apart", "next-row", "group-column", "seniority", "seniority-no-corner"])
def test_a_category_named_twice_in_a_group_keeps_the_header_and_is_refused_naming_its_cells(
        tmp_path: Path, header: list[str], rows: list[list[str]], cells: tuple[str, str],
        want: list[tuple[str, float]]) -> None:
    path = _csv(tmp_path / "dup.csv", [header, *rows])
    out = tmp_path / "dup.yaml"
    code, output = run("import", str(path), "-o", str(out))
    assert code == 1 and not out.exists(), output
    levels = [h for h in header if h in _STARTER + _PLAIN]
    # the best guess keeps row 1 as the header: its level names, none of the descriptors
    assert "header dup!" in output and f"{chr(ord('A') + len(header) - len(levels))}1:" in output
    assert "Asks questions" not in output.split("Doubtful because:")[0]
    assert "appears twice in group" in output and f"(dup!{cells[0]} and dup!{cells[1]})" in output
    assert "rename one" in output
    # no command is offered: no option makes two categories of one name a definition
    assert "sheetladder import" not in output
    # renamed as told, it imports: the header's levels, every row, the weights read
    col, row = ord(cells[1][0]) - ord("A"), int(cells[1][1:]) - 2
    fixed = [list(r) for r in rows]
    fixed[row][col] += " 2"
    path = _csv(tmp_path / "fixed.csv", [header, *fixed])
    code, output = run("import", str(path), "-o", str(out))
    assert code == 0, output
    ladder = load(out)
    assert [lv.name for lv in ladder.levels] == [h.split(" - ")[-1] for h in levels]
    assert [(c.id, c.weight) for c in ladder.categories] == want


def test_a_category_name_repeated_in_another_group_is_refused_naming_both_cells(
        tmp_path: Path) -> None:
    """The matrix, the rater tabs and every export show a category by its name: two columns
    'Discovery' in an export could not be told apart."""
    rows = [["Area", "Category", *_STARTER],
            ["Sales", "Discovery", "Asks questions", "Adapts questions"],
            ["Sales", "Closing", "Closes with help", "Closes alone"],
            ["Craft", "Discovery", "Finds the users", "Finds many users"],
            ["Craft", "Tools", "Uses the tools", "Builds the tools"]]
    out = tmp_path / "two.yaml"
    code, output = run("import", str(_csv(tmp_path / "two.csv", rows)), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert ("category 'Discovery' is in group 'Sales' (two!B2) and in group 'Craft' (two!B4)"
            in output)
    rows[3][1] = "Discovery (Craft)"  # as the refusal suggests
    code, output = run("import", str(_csv(tmp_path / "two.csv", rows)), "-o", str(out), "--force")
    assert code == 0, output
    ladder = load(out)
    assert [(g.name, [c.name for c in g.categories]) for g in ladder.groups] == [
        ("Sales", ["Discovery", "Closing"]), ("Craft", ["Discovery (Craft)", "Tools"])]


_WEIGHTED = [["Category", "Weight", *_STARTER],
             ["Discovery", "1", "Asks questions", "Adapts questions"],
             ["Closing", "{w}", "Closes with help", "Closes alone"],
             ["Prospecting", "3", "Finds leads", "Finds many"]]


def _weighted(tmp_path: Path, w: str, transposed: bool = False) -> Path:
    rows = [[x.format(w=w) for x in row] for row in _WEIGHTED]
    if transposed:
        rows = [list(x) for x in zip(*rows, strict=True)]
    return _csv(tmp_path / "w.csv", rows)


@pytest.mark.parametrize("w", ["abc", "-1", "0", "0%", "nan", "two"])
def test_a_weight_that_is_no_positive_number_is_refused_naming_its_cell(tmp_path: Path, w: str) -> None:
    path = _weighted(tmp_path, w)
    out = tmp_path / "w.yaml"
    code, output = run("import", str(path), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert f"w!B3: weight {w!r} of 'Closing' is not a positive number" in output
    assert "A weight is a positive number" in output and "--skip-col B" in output
    # an explicit --weight-col is refused the same way: 1 in its place would be a wrong ladder
    code, again = run("import", str(path), "--sheet", "w", "--levels-in", "columns",
                      "--header-row", "1", "--levels", "C:D", "--category-col", "A",
                      "--weight-col", "B", "-o", str(out))
    assert code == 1 and not out.exists() and "w!B3" in again, again
    # the command line given leaves the weight column out: every weight 1, the column noted
    args = _explicit(output)
    assert "--weight-col" not in args and args[args.index("--skip-col") + 1] == "B"
    code, output = run("import", *args, "-o", str(out))
    assert code == 0, output
    assert [(c.name, c.weight) for c in load(out).categories] == [
        ("Discovery", 1), ("Closing", 1), ("Prospecting", 1)]
    assert "w!B1: column 'Weight' is not part of the matrix; ignored" in output


def test_a_weight_row_that_is_no_number_is_refused_with_levels_down_the_rows(tmp_path: Path) -> None:
    path = _weighted(tmp_path, "abc", transposed=True)
    code, output = run("import", str(path), "-o", str(tmp_path / "w.yaml"))
    assert code == 1 and "w!C2: weight 'abc' of 'Closing'" in output, output
    args = _explicit(output)
    assert args[args.index("--levels-in") + 1] == "rows" and args[args.index("--skip-col") + 1] == "2"
    code, output = run("import", *args, "-o", str(tmp_path / "w.yaml"))
    assert code == 0, output
    assert [c.weight for c in load(tmp_path / "w.yaml").categories] == [1, 1, 1]


def test_a_blank_weight_cell_is_1_and_the_summary_says_so(tmp_path: Path) -> None:
    path = _weighted(tmp_path, "")
    out = tmp_path / "w.yaml"
    code, output = run("import", str(path), "-o", str(out))
    assert code == 0, output
    assert [(c.name, c.weight) for c in load(out).categories] == [
        ("Discovery", 1), ("Closing", 1), ("Prospecting", 3)]
    assert "Weights: from w!B1; 1 blank weight cell(s) given weight 1: w!B3" in output
    assert "w!B3: no weight for Closing; 1 used" in output
