"""Tables that are no career ladder are refused, not imported as one: a header of numbered
sections or periods ('Section 1', 'Week 2', 'Q3'), or of different roles ('Account Executive',
'Sales Engineer'), is a sequence or a list, not a progression of levels. The refusal names the
doubt and gives the command line that imports the table anyway, and nothing is written.

A level header with a made-up, repeated or out-of-order code was refused before these tests
were written; the tests here pin that. A level column with no descriptor at all was refused too;
the refusal now names the column and offers the --skip-col that leaves it out."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetladder.definition import load

from .test_import_advice import workbook
from .test_import_problems import import_cli, write_csv

CATEGORIES = {  # four categories, a descriptor for each of four columns, sharing no word pattern
    "Prospecting": ["Books first calls from a list", "Builds a pipeline of named accounts",
                    "Opens doors at executive level", "Designs the territory plan"],
    "Negotiation": ["Follows the price list", "Trades concessions for commitments",
                    "Walks away from bad terms", "Shapes deals the team copies"],
    "Closing": ["Closes with help", "Closes alone", "Closes the hardest deals",
                "Coaches others through closing"],
    "Forecasting": ["Updates the CRM weekly", "Calls the month within 10%",
                    "Calls the quarter for the region", "Owns the company forecast"],
}


def table(heads: list[str], corner: str = "Category") -> list[list[str]]:
    return [[corner, *heads]] + [[n, *texts[:len(heads)]] for n, texts in CATEGORIES.items()]


def offered(output: str) -> str:
    return next(line.strip() for line in output.splitlines()
                if line.strip().startswith("sheetladder import"))


SEQUENCES = {
    "sections": ["Section 1", "Section 2", "Section 3", "Section 4"],
    "parts": ["Part 1", "Part 2", "Part 3", "Part 4"],
    "modules": ["Module 1", "Module 2", "Module 3", "Module 4"],
    "steps": ["Step 1", "Step 2", "Step 3", "Step 4"],
    "weeks": ["Week 1", "Week 2", "Week 3", "Week 4"],
    "quarters": ["Q1", "Q2", "Q3", "Q4"],
    "fiscal-years": ["FY2022", "FY2023", "FY2024"],
}


@pytest.mark.parametrize("name", [n for n in SEQUENCES if n != "sections"])
def test_a_header_of_numbered_sections_or_periods_is_refused_with_the_command_that_imports_it(
        tmp_path: Path, name: str) -> None:
    heads = SEQUENCES[name]
    src = workbook(tmp_path / f"{name}.xlsx", {"Plan": table(heads)})
    out = tmp_path / "x.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1, output
    assert not out.exists()
    last = "E" if len(heads) == 4 else "D"
    assert "no matrix found that can be trusted" in output
    assert f"the level headers in Plan!B1:{last}1 ({heads[0]!r}, {heads[1]!r}" in output
    assert "number sections or periods, not the levels of a career ladder" in output
    # the guess is offered as it stands: a user sure these are levels imports them so
    command = offered(output)
    assert command == (f"sheetladder import {src} --sheet Plan --levels-in columns --header-row 1 "
                       f"--levels B:{last} --category-col A")
    code, output = import_cli(*command.split()[2:], "-o", str(out))
    assert code == 0, output
    assert "doubtful: the level headers" in output  # said again, as a note
    assert [lv.name for lv in load(out).levels][0] in (heads[0], heads[0].replace(" ", ""))


def test_a_header_of_sections_is_refused_not_read_the_other_way_round(tmp_path: Path) -> None:
    """'Section' is a word headers of categories carry ('Section', 'Area'), so the header is
    not taken for levels; the other reading took the cells under 'Section 1' for level names
    (they share the words of the section's text) and wrote that with exit 0. Those names are
    no progression either."""
    texts = ["Asks the standard questions", "Adapts questions to the buyer",
             "Teaches others to run discovery", "Shapes how the region sells"]
    rows = [["Category", *SEQUENCES["sections"]]] + [
        [n, *[f"{n}: {t}" for t in texts]] for n in CATEGORIES]
    src = write_csv(tmp_path / "s.csv", rows)
    out = tmp_path / "x.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1, output
    assert not out.exists()
    assert "no matrix found that can be trusted" in output
    assert "the level names in s!B2:B5 ('Prospecting: Asks the s…'" in output
    assert "name different things (roles, functions, topics)" in output


@pytest.mark.parametrize("heads", [
    ["Account Executive", "Sales Engineer", "Customer Success Manager", "Solutions Architect"],
    ["Sales Engineer", "Support Engineer", "Data Engineer", "Platform Engineer"],
], ids=["sales-roles", "engineering-roles"])
def test_a_header_of_different_roles_is_refused_naming_them(tmp_path: Path,
                                                             heads: list[str]) -> None:
    src = write_csv(tmp_path / "roles.csv", table(heads))
    out = tmp_path / "x.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1, output
    assert not out.exists()
    assert f"the level names in roles!B1:E1 ({heads[0]!r}, {heads[1]!r}" in output
    assert "name different things (roles, functions, topics), not steps of one progression" \
        in output
    assert offered(output) == (f"sheetladder import {src} --sheet roles --levels-in columns "
                               "--header-row 1 --levels B:E --category-col A")


@pytest.mark.parametrize(("heads", "corner"), [
    (["Junior Engineer", "Engineer", "Senior Engineer", "Staff Engineer"], "Category"),
    (["Engineer I", "Engineer II", "Engineer III", "Engineer IV"], "Category"),
    (["Associate Consultant", "Consultant", "Senior Consultant", "Manager"], "Category"),
    (["Sales Development Rep", "Account Executive", "Senior Account Executive",
      "Sales Manager"], "Category"),
    (["Associate", "Senior Associate", "Manager", "Director"], "Category"),
    (["Step 1 - Junior", "Step 2 - Mid", "Step 3 - Senior", "Step 4 - Lead"], "Category"),
    (["Step 1", "Step 2", "Step 3", "Step 4"], "Level"),
    (["Stage 1", "Stage 2", "Stage 3", "Stage 4"], "Category"),
    (["Milestone 1", "Milestone 2", "Milestone 3", "Milestone 4"], "Category"),
    (["P1", "P2", "P3", "P4"], "Category"),
], ids=["shared-role", "roman", "consulting", "sales-path", "titles", "step-and-title",
        "step-under-level", "stages", "milestones", "codes"])
def test_a_progression_of_levels_still_imports(tmp_path: Path, heads: list[str],
                                               corner: str) -> None:
    src = write_csv(tmp_path / "ladder.csv", table(heads, corner))
    out = tmp_path / "ladder.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert len(load(out).levels) == 4


# -- refused before these tests: made-up, repeated or out-of-order codes; an empty level ----

@pytest.mark.parametrize(("heads", "said"), [
    (["S1 Junior", "S2 Executive", "SX Senior", "S4"],
     "column D ('SX Senior', m!D1) holds texts like the descriptors"),
    (["S1", "S2", "S2", "S4"],
     "header cells m!C1 ('S2') and m!D1 ('S2') name the same level S2"),
    (["S1 Junior", "S3 Mid", "S2 Senior", "S4 Lead"],
     "column D ('S2 Senior', m!D1) is headed like a level but is not one of the levels found"),
], ids=["made-up", "repeated", "out-of-order"])
def test_a_level_header_with_a_made_up_repeated_or_out_of_order_code_is_refused_naming_the_cell(
        tmp_path: Path, heads: list[str], said: str) -> None:
    src = write_csv(tmp_path / "m.csv", table(heads))
    out = tmp_path / "x.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1, output
    assert not out.exists()
    assert said in output


@pytest.mark.parametrize(("empty", "letter"), [(2, "D"), (3, "E")], ids=["inside", "last"])
def test_a_level_column_with_no_descriptor_is_refused_naming_it_and_the_skip_col_that_leaves_it_out(
        tmp_path: Path, empty: int, letter: str) -> None:
    """Refused before as 'descriptors for only 0 of 4 categories', with only the command that
    writes a placeholder in each of its cells; now the column is named, and the command that
    leaves it out (--skip-col) is offered beside the guess's."""
    rows = table(["L1", "L2", "L3", "L4"])
    for row in rows[1:]:
        row[1 + empty] = ""
    src = workbook(tmp_path / "e.xlsx", {"Ladder": rows})
    out = tmp_path / "x.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1, output
    assert not out.exists()
    assert (f"level 'L{empty + 1}' has descriptors for only 0 of 4 categories: column {letter} "
            f"(headed Ladder!{letter}1) holds none; write its descriptors, or leave the column "
            f"out with --skip-col {letter}") in output
    guess, skip = [line.strip() for line in output.splitlines()
                   if line.strip().startswith("sheetladder import")]
    assert skip == f"{guess} --skip-col {letter}"
    code, output = import_cli(*skip.split()[2:], "-o", str(out))
    assert code == 0, output
    kept = [f"L{i}" for i in range(1, 5) if i != empty + 1]
    assert [lv.code for lv in load(out).levels] == kept
    assert [c.descriptor(kept[-1]).text for c in load(out).categories] == [
        texts[3 if empty == 2 else 2] for texts in CATEGORIES.values()]
