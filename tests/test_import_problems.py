"""A matrix whose content breaks a definition's limits is refused with the source cells to fix,
never with lines of a YAML file that was not written (issue 16); ids made from long names
always fit."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.definition import MAX_NAME, MAX_TEXT, SLUG, SLUG_MAX, load, slugify

LEVELS = ["S1 Junior", "S2 Mid", "S3 Senior"]
NAMES = ["Prospecting", "Negotiation", "Closing deals", "Pipeline"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def matrix(names: list[str], *, long_at: tuple[int, int] | None = None) -> list[list[str]]:
    """Categories down column A, levels across B:D; ``long_at`` (category, level) holds a
    descriptor longer than a definition takes."""
    rows = [["Category", *LEVELS]]
    for i, n in enumerate(names):
        rows.append([n, *[("word " * (MAX_TEXT // 4)) if long_at == (i, j)
                          else f"{n} at level {j + 1}, done with more care each time"
                          for j in range(len(LEVELS))]])
    return rows


def test_limits_broken_by_the_matrix_name_its_cells_and_nothing_is_written(tmp_path: Path) -> None:
    names = list(NAMES)
    names[1] = "N" * (MAX_NAME + 30)
    src = write_csv(tmp_path / "ladder.csv", matrix(names, long_at=(2, 1)))
    out = tmp_path / "x.yaml"
    res = CliRunner().invoke(main, ["import", str(src), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert not out.exists()
    problems = res.output[res.output.index("does not make a valid definition"):].splitlines()[1:]
    # the long name is row 3 (A3), the long descriptor is Closing deals (row 4) at S2 (column C)
    assert [p.split(":")[0] for p in problems if p.strip()] == ["ladder!A3", "ladder!C4"]
    assert "at most 200 characters" in problems[0]
    assert "descriptor of 'Closing deals' at S2" in problems[1]
    assert f"at most {MAX_TEXT} characters" in problems[1]
    assert not re.search(r"x\.yaml:\d+", res.output), "no line of the unwritten YAML is quoted"
    assert "nothing was written to" in res.output


def test_with_levels_down_the_rows_a_descriptor_is_named_by_its_own_cell(tmp_path: Path) -> None:
    rows = matrix(NAMES, long_at=(0, 2))
    transposed = [list(col) for col in zip(*rows, strict=True)]  # levels in A2:A4, names in row 1
    src = write_csv(tmp_path / "rows.csv", transposed)
    res = CliRunner().invoke(main, ["import", str(src), "--levels-in", "rows",
                                    "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 1, res.output
    # Prospecting is column B, S3 row 4
    assert "rows!B4: descriptor of 'Prospecting' at S3" in res.output


def test_long_category_names_make_ids_that_fit_and_stay_unique(tmp_path: Path) -> None:
    stem = "Managing complex enterprise negotiations across several regions and"
    names = [stem + " buyers", stem + " partners", "Prospecting", "Pipeline"]
    src = write_csv(tmp_path / "ladder.csv", matrix(names))
    out = tmp_path / "ladder.yaml"
    res = CliRunner().invoke(main, ["import", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    ids = [c.id for c in load(out).categories]
    assert len(set(ids)) == 4 and all(len(i) <= SLUG_MAX for i in ids)
    assert [c.name for c in load(out).categories] == names


@given(text=st.text(max_size=300), room=st.integers(0, 6))
def test_slugify_always_makes_a_valid_id_with_room_for_a_suffix(text: str, room: int) -> None:
    got = slugify(text, room=room)
    assert re.fullmatch(SLUG, got) and len(got) <= SLUG_MAX - room
    assert not got.endswith("-")


def test_a_weight_over_the_limit_is_named_by_its_own_cell_across_and_down(tmp_path: Path) -> None:
    across = [["Category", "Weight", *LEVELS],
              ["Discovery", "1", "Asks the standard questions", "Adapts questions to the buyer",
               "Teaches others to run discovery"],
              ["Closing", "500", "Closes with help", "Closes alone", "Closes the hardest deals"]]
    down = [list(col) for col in zip(*across, strict=True)]
    for name, rows, extra, cell in (("across", across, [], "across!B3"),
                                    ("down", down, ["--levels-in", "rows"], "down!C2")):
        src = write_csv(tmp_path / f"{name}.csv", rows)
        res = CliRunner().invoke(main, ["import", str(src), *extra, "-o", str(tmp_path / "x.yaml")])
        assert res.exit_code == 1, res.output
        assert f"{cell}: weight of 'Closing': weight must be at most 100, got 500" in res.output


# -- the order of the levels, a level named twice, totals, hidden lines, numbered levels ---------

DESCRIPTORS = {  # category -> descriptors from the lowest level to the highest
    "Discovery": ["Asks the standard questions", "Adapts questions to the buyer",
                  "Teaches others to run discovery"],
    "Closing": ["Closes with help", "Closes alone", "Closes the hardest deals"],
    "Forecasting": ["Updates the CRM weekly", "Calls the month within 10%",
                    "Calls the quarter for the region"],
    "Negotiation": ["Follows the price list", "Trades concessions for commitments",
                    "Shapes deals the team copies"],
}


def highest_first(header: list[str]) -> list[list[str]]:
    """``header`` over three categories whose descriptors run from the highest level to the
    lowest."""
    return [header] + [[n, *DESCRIPTORS[n][::-1]] for n in ("Discovery", "Closing", "Forecasting")]


def import_cli(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["import", *args])
    return res.exit_code, res.output


def levels_and_texts(path: Path) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    ladder = load(path)
    return ([(lv.code, lv.name) for lv in ladder.levels],
            {c.name: [c.descriptor(code).text for code in ladder.codes] for c in ladder.categories})


def test_levels_whose_codes_count_down_are_read_lowest_first_and_the_output_says_so(
        tmp_path: Path) -> None:
    src = write_csv(tmp_path / "desc.csv",
                    highest_first(["Category", "L3 - Principal", "L2 - Senior", "L1 - Junior"]))
    out = tmp_path / "desc.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert "desc!B1:D1: the level codes count down: the header names the levels from the " \
           "highest (L3 at desc!B1) to the lowest (L1 at desc!D1); they are read lowest first" \
           in output
    levels, texts = levels_and_texts(out)
    assert levels == [("L1", "Junior"), ("L2", "Senior"), ("L3", "Principal")]
    # each descriptor follows its level: Junior's is the one in column D
    assert texts == {n: DESCRIPTORS[n] for n in ("Discovery", "Closing", "Forecasting")}


def test_levels_named_senior_to_junior_without_codes_are_refused_naming_the_header_and_the_option(
        tmp_path: Path) -> None:
    src = write_csv(tmp_path / "words.csv", highest_first(["Skill", "Senior", "Mid", "Junior"]))
    out = tmp_path / "words.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "the level names in words!B1:D1 run from senior to junior (Senior words!B1, " \
           "Mid words!C1, Junior words!D1)" in output
    assert "--level-order highest-first reads them right to left" in output
    # the guess as found (Senior the lowest) is not offered; the layout read right to left is
    assert "If that guess is right" not in output
    assert "--category-col A --level-order highest-first" in output
    code, output = import_cli(str(src), "-o", str(out), "--level-order", "highest-first")
    assert code == 0, output
    levels, texts = levels_and_texts(out)
    assert levels == [("L1", "Junior"), ("L2", "Mid"), ("L3", "Senior")]
    assert texts == {n: DESCRIPTORS[n] for n in ("Discovery", "Closing", "Forecasting")}
    assert "--level-order highest-first: the levels run from the highest (L3 at words!B1) to " \
           "the lowest (L1 at words!D1)" in output


def test_codes_counting_down_over_names_running_the_other_way_are_refused_without_a_command(
        tmp_path: Path) -> None:
    src = write_csv(tmp_path / "mixed.csv",
                    highest_first(["Category", "L3 - Junior", "L2 - Mid", "L1 - Senior"]))
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "the level codes in mixed!B1:D1 count down left to right, but the names run from " \
           "junior to senior (Junior mixed!B1, Mid mixed!C1, Senior mixed!D1)" in output
    assert "--level-order lowest-first" in output
    assert "sheetladder import" not in output and "No command is offered" in output


def test_levels_in_increasing_order_are_read_as_they_stand(tmp_path: Path) -> None:
    for header in (["Category", "L1 - Junior", "L2 - Senior", "L3 - Principal"],
                   ["Skill", "Junior", "Mid", "Senior"]):
        rows = [header] + [[n, *DESCRIPTORS[n]] for n in ("Discovery", "Closing", "Forecasting")]
        src = write_csv(tmp_path / "up.csv", rows)
        out = tmp_path / "up.yaml"
        code, output = import_cli(str(src), "-o", str(out), "--force")
        assert code == 0, output
        assert "count down" not in output and "highest" not in output
        levels, texts = levels_and_texts(out)
        assert [name for _, name in levels] == [h.split(" - ")[-1] for h in header[1:]]
        assert texts == {n: DESCRIPTORS[n] for n in ("Discovery", "Closing", "Forecasting")}


@pytest.mark.parametrize("names", [
    ["Senior Designer", "Designer", "Junior Designer"],
    ["Director", "Senior Manager", "Manager"],
    ["Senior Engineer", "Engineer II", "Engineer I"],
    ["Principal Engineer", "Lead Engineer", "Senior Engineer"],
])
def test_role_names_running_senior_to_junior_are_refused_as_the_bare_words_are(
        tmp_path: Path, names: list[str]) -> None:
    # the seniority words order them (a bare 'Designer' between Junior and Senior, 'Manager'
    # under 'Director', 'II' over 'I'); the role noun they share does not
    src = write_csv(tmp_path / "roles.csv", highest_first(["Competency", *names]))
    out = tmp_path / "roles.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert (f"the level names in roles!B1:D1 run from senior to junior ({names[0]} roles!B1, "
            f"{names[1]} roles!C1, {names[2]} roles!D1)") in output
    assert "If that guess is right" not in output
    assert "--category-col A --level-order highest-first" in output
    code, output = import_cli(str(src), "-o", str(out), "--level-order", "highest-first")
    assert code == 0, output
    levels, texts = levels_and_texts(out)
    assert levels == [("L1", names[2]), ("L2", names[1]), ("L3", names[0])]
    assert texts == {n: DESCRIPTORS[n] for n in ("Discovery", "Closing", "Forecasting")}


def test_role_names_down_the_rows_with_the_highest_on_top_are_refused(tmp_path: Path) -> None:
    names = ["Principal Engineer", "Staff Engineer", "Senior Engineer", "Engineer II",
             "Engineer I"]
    descriptors = {n: [f"{n} at step {5 - i}, with a wider scope each time" for i in range(5)]
                   for n in ("Discovery", "Closing", "Forecasting")}
    rows = [["Level", *descriptors]] + [
        [name, *(descriptors[n][i] for n in descriptors)] for i, name in enumerate(names)]
    src = write_csv(tmp_path / "down.csv", rows)
    out = tmp_path / "down.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "the level names in down!A2:A6 run from senior to junior (Principal Engineer " \
           "down!A2, Staff Engineer down!A3" in output
    code, output = import_cli(str(src), "-o", str(out), "--level-order", "highest-first")
    assert code == 0, output
    levels, _ = levels_and_texts(out)
    assert [name for _, name in levels] == names[::-1]


@pytest.mark.parametrize("names", [
    ["Junior Engineer", "Engineer", "Senior Engineer", "Staff Engineer"],
    ["Engineer I", "Engineer II", "Senior Engineer"],
    ["Engineering Manager", "Senior Engineering Manager", "Director"],
])
def test_role_names_running_junior_to_senior_are_read_as_they_stand(
        tmp_path: Path, names: list[str]) -> None:
    rows = [["Competency", *names]] + [
        [n, *(f"{n} done {how}" for how in ("with help", "alone", "for the team",
                                              "for the company")[:len(names)])]
        for n in ("Discovery", "Closing", "Forecasting")]
    src = write_csv(tmp_path / "up.csv", rows)
    out = tmp_path / "up.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert "highest" not in output
    levels, _ = levels_and_texts(out)
    assert [name for _, name in levels] == names


def test_two_header_cells_naming_one_level_code_are_refused_naming_both(tmp_path: Path) -> None:
    rows = [["Category", "L1 - Starter", "L1 - Practitioner", "L3 - Expert"]] + [
        [n, *DESCRIPTORS[n]] for n in ("Discovery", "Closing", "Forecasting")]
    src = write_csv(tmp_path / "dup.csv", rows)
    out = tmp_path / "dup.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "header cells dup!B1 ('L1 - Starter') and dup!C1 ('L1 - Practitioner') name the " \
           "same level L1; as found, column B is left out with its descriptors" in output
    assert "--levels" in output and "--skip-col" in output
    # the guess (column B dropped) is never offered as a command
    assert "sheetladder import" not in output


def matrix_xlsx(path: Path, *, total: list[object] | None = None, hide_col: str | None = None,
                hide_row: int | None = None, retired: bool = False) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Matrix"
    ws.append(["Category", "Weight", "L1 - Starter", "L2 - Practitioner", "L3 - Expert"]
              + (["L4 - Retired"] if retired else []))
    for n, texts in DESCRIPTORS.items():
        ws.append([n, 1, *texts] + ([f"Old: {n.lower()}"] if retired else []))
    if total is not None:
        ws.append(total)
    if hide_col:
        ws.column_dimensions[hide_col].hidden = True
    if hide_row:
        ws.row_dimensions[hide_row].hidden = True
    wb.save(path)
    return path


def test_a_total_row_under_the_matrix_is_left_out_and_said(tmp_path: Path) -> None:
    src = matrix_xlsx(tmp_path / "total.xlsx", total=["Total", 4])
    out = tmp_path / "total.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert "Matrix!A6: 'Total' is a total, not a category: left out" in output
    ladder = load(out)
    assert [c.name for c in ladder.categories] == list(DESCRIPTORS)
    assert [c.weight for c in ladder.categories] == [1, 1, 1, 1]


def test_a_total_row_holding_descriptors_is_refused_naming_it(tmp_path: Path) -> None:
    rows = [["Category", "L1 - Starter", "L2 - Practitioner", "L3 - Expert"]] + [
        [n, *t] for n, t in DESCRIPTORS.items()] + [["Grand total", "All of the above",
                                                     "All of the above, alone", "Teaches it all"]]
    src = write_csv(tmp_path / "tot.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "tot!A6 'Grand total' reads as a total, yet its row holds descriptors" in output


LEGEND_HEADER = ["Competency", "Junior", "Intermediate", "Senior", "Staff"]
LEGEND_MATRIX = [["Code", "Writes simple code", "Writes clean code", "Writes exemplary code",
                  "Defines code standards"],
                 ["Testing", "Writes unit tests", "Writes integration tests",
                  "Designs test strategy", "Sets testing culture"]]


@pytest.mark.parametrize("below", [
    # after a blank row: a legend of the levels, then the sheet's review date and owner
    [[], ["Legend", "Learning", "Doing", "Leading", "Teaching"],
     ["Last reviewed", "2024-01-15", "Owner", "Eng Leadership"]],
    # right under the last category: a key of marks
    [["Key:", "L = learning", "D = doing", "Le = leading", "T = teaching"]],
])
def test_a_legend_or_notes_about_the_sheet_under_the_matrix_are_left_out_and_named(
        tmp_path: Path, below: list[list[str]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ladder"
    for row in [LEGEND_HEADER, *LEGEND_MATRIX, *below]:
        ws.append(row)
    src = tmp_path / "legend.xlsx"
    wb.save(src)
    out = tmp_path / "legend.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    labels = [(i, row[0]) for i, row in enumerate([LEGEND_HEADER, *LEGEND_MATRIX, *below], 1)
              if i > 3 and row]
    for i, label in labels:
        assert (f"Ladder!A{i}: {label!r} under the categories reads as a legend or a note about "
                "the sheet, not a category: left out") in output
    ladder = load(out)
    assert [c.name for c in ladder.categories] == ["Code", "Testing"]
    assert {c.name: [c.descriptor(code).text for code in ladder.codes]
            for c in ladder.categories} == {row[0]: row[1:] for row in LEGEND_MATRIX}


@pytest.mark.parametrize("label", ["Source", "Status", "Version", "Owner"])
def test_a_last_category_named_like_a_note_but_holding_descriptors_is_kept(
        tmp_path: Path, label: str) -> None:
    """A recruiter's 'Source' or a support 'Status' category, last in the matrix, was taken for
    a note about the sheet and left out, exit 0: a descriptor of three words or more under
    every level is a category's, whatever its name."""
    row = [label, f"{label} work done with help", f"{label} work done alone",
           f"{label} work led for the team", f"{label} work set for the company"]
    src = write_csv(tmp_path / "last.csv", [LEGEND_HEADER, *LEGEND_MATRIX, row])
    out = tmp_path / "last.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert "reads as a legend" not in output
    assert [c.name for c in load(out).categories] == ["Code", "Testing", label]


def test_a_row_labelled_as_a_legend_with_categories_after_it_is_refused_naming_it(
        tmp_path: Path) -> None:
    rows = [LEGEND_HEADER, LEGEND_MATRIX[0],
            ["Key:", "L = learning", "D = doing", "Le = leading", "T = teaching"],
            LEGEND_MATRIX[1]]
    src = write_csv(tmp_path / "mid.csv", rows)
    out = tmp_path / "mid.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "category 'Key:' (mid!A3) reads as a legend or a note about the sheet, not a " \
           "category, yet category rows follow it" in output


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_hidden_level_column_is_refused_naming_it_and_the_options_that_skip_or_take_it(
        tmp_path: Path, fmt: str) -> None:
    # LibreOffice saves a hidden column of an .ods as table:visibility="collapse" (it was once
    # imported as if shown, with exit 0, where the .xlsx was refused)
    src = matrix_xlsx(tmp_path / "hc.xlsx", hide_col="F", retired=True)
    if fmt == "ods":
        from .libreoffice import convert

        src = convert(src, tmp_path / "ods", "ods")
    out = tmp_path / "hc.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "the matrix takes hidden column F (Matrix!F1, level 'L4 - Retired')" in output
    assert "--hidden skip" in output and "--hidden take" in output
    assert "sheetladder import" not in output  # the guess taking it is not offered
    code, output = import_cli(str(src), "-o", str(out), "--hidden", "skip")
    assert code == 0, output
    assert "Matrix: hidden column F left out (--hidden skip)" in output
    assert [lv.code for lv in load(out).levels] == ["L1", "L2", "L3"]
    code, output = import_cli(str(src), "-o", str(out), "--force", "--hidden", "take")
    assert code == 0, output
    assert [lv.code for lv in load(out).levels] == ["L1", "L2", "L3", "L4"]


def test_a_hidden_category_row_is_refused_naming_it_and_skip_leaves_it_out(tmp_path: Path) -> None:
    src = matrix_xlsx(tmp_path / "hr.xlsx", hide_row=4)
    out = tmp_path / "hr.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "the matrix takes hidden row 4 (Matrix!A4, 'Forecasting')" in output
    code, output = import_cli(str(src), "-o", str(out), "--hidden", "skip")
    assert code == 0, output
    # the rows either side of the hidden one stay one table
    assert [c.name for c in load(out).categories] == ["Discovery", "Closing", "Negotiation"]
    assert load(out).category("negotiation").descriptor("L3").text == "Shapes deals the team copies"


def test_hidden_lines_the_matrix_does_not_take_are_no_doubt(tmp_path: Path) -> None:
    src = matrix_xlsx(tmp_path / "h.xlsx", hide_col="H", hide_row=9)
    code, output = import_cli(str(src), "-o", str(tmp_path / "h.yaml"))
    assert code == 0, output
    assert "doubtful" not in output and "--hidden" not in output


def test_levels_numbered_1_to_n_beside_a_weight_column_are_the_header(tmp_path: Path) -> None:
    rows = [["Category", "Weight", "1", "2", "3"]] + [
        [n, "2" if n == "Closing" else "1", *t] for n, t in DESCRIPTORS.items()]
    src = write_csv(tmp_path / "num.csv", rows)
    out = tmp_path / "num.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert "header num!C1:E1" in output and "Weights: from num!B1" in output
    levels, texts = levels_and_texts(out)
    assert levels == [("L1", "Level 1"), ("L2", "Level 2"), ("L3", "Level 3")]
    assert texts == DESCRIPTORS
    assert load(out).category("closing").weight == 2


def test_a_refusal_whose_doubt_points_at_another_header_offers_that_layout_never_the_guess(
        tmp_path: Path) -> None:
    """Numbers that do not count 1, 2, 3 beside a weight column may be weights: refused. The
    guess takes a category row for the header; its command would write that with exit 0, so
    the layout the doubt points at (header row 1) is offered instead, and it imports right."""
    rows = [["Category", "Weight", "1", "2", "4"]] + [
        [n, "1", *t] for n, t in DESCRIPTORS.items()]
    src = write_csv(tmp_path / "num.csv", rows)
    out = tmp_path / "num.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    assert "row 1 above the header names the same levels by a stronger pattern" in output
    assert "If that guess is right" not in output and "--header-row 3" not in output
    offered = next(line.strip() for line in output.splitlines()
                   if line.strip().startswith("sheetladder import"))
    assert offered == (f"sheetladder import {src} --sheet num --levels-in columns --header-row 1 "
                       "--levels C:E --category-col A --weight-col B")
    code, output = import_cli(*offered.split()[2:], "-o", str(out))
    assert code == 0, output
    levels, texts = levels_and_texts(out)
    assert [c for c, _ in levels] == ["L1", "L2", "L4"] and texts == DESCRIPTORS


# -- what the sheet holds, refused rather than written wrong ---------------------------------------

LEVEL_HEADS = ["L1 - Starter", "L2 - Practitioner", "L3 - Expert"]


def rows_with(header: list[str], cells: dict[str, list[str]] | None = None) -> list[list[str]]:
    """A header and a row per category, each category's cells as ``cells`` gives them (by
    default: a weight of 1 and its descriptors)."""
    cells = cells or {n: ["1", *t] for n, t in DESCRIPTORS.items()}
    return [header] + [[n, *cells[n]] for n in DESCRIPTORS]


def matrix_sheet() -> tuple[Any, Any]:
    """An openpyxl workbook whose sheet 'Matrix' holds :func:`rows_with`'s matrix, to edit."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Matrix"
    for row in rows_with(["Category", "Weight", *LEVEL_HEADS]):
        ws.append(row)
    return wb, ws


def refused(tmp_path: Path, name: str, rows: list[list[str]]) -> tuple[Path, Path, str]:
    """``rows`` written as NAME.csv and imported: refused, nothing written. The CSV, the
    output it was refused for, and what the import said."""
    src = write_csv(tmp_path / f"{name}.csv", rows)
    out = tmp_path / f"{name}.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 1 and not out.exists(), output
    return src, out, output


def test_a_level_column_split_from_the_others_is_refused_and_the_command_offered_takes_it(
        tmp_path: Path) -> None:
    src, out, output = refused(tmp_path, "split", rows_with(
        ["Category", "Weight", LEVEL_HEADS[0], "", *LEVEL_HEADS[1:]],
        {n: ["1", t[0], "", *t[1:]] for n, t in DESCRIPTORS.items()}))
    assert "column C ('L1 - Starter', split!C1) is headed like a level but is not one of the " \
           "levels found (split!E1:F1): column D between them holds no level" in output
    command = "--levels-in columns --levels C:F --skip-col D"
    assert command in output
    code, output = import_cli(str(src), "-o", str(out), *command.split())
    assert code == 0, output
    levels, texts = levels_and_texts(out)
    assert [c for c, _ in levels] == ["L1", "L2", "L3"] and texts == DESCRIPTORS


def test_level_columns_out_of_order_are_refused_rather_than_one_dropped(tmp_path: Path) -> None:
    heads = [LEVEL_HEADS[1], LEVEL_HEADS[0], LEVEL_HEADS[2]]
    rows = rows_with(["Category", "Weight", *heads],
                     {n: ["1", t[1], t[0], t[2]] for n, t in DESCRIPTORS.items()})
    src = write_csv(tmp_path / "shuffled.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "the level codes are out of order" in output
    assert not (tmp_path / "x.yaml").exists()


def test_a_row_of_descriptors_without_a_category_name_is_refused_naming_the_blank_cell(
        tmp_path: Path) -> None:
    rows = rows_with(["Category", "Weight", *LEVEL_HEADS])
    rows[2][0] = ""  # Closing's name deleted: its row would vanish with its descriptors
    src = write_csv(tmp_path / "noname.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "1 row(s) hold descriptors under the levels but no category name (noname!A3 blank)" \
        in output
    assert "sheetladder import" not in output  # the guess, written, would drop the row


def test_a_descriptor_holding_an_error_or_an_unsaved_formula_is_refused_even_when_told_where(
        tmp_path: Path) -> None:
    wb, ws = matrix_sheet()
    ws["D3"] = "#N/A"  # openpyxl stores an error value, as Excel does for a failed formula
    ws["C4"] = '=CONCAT("Updates the CRM", " weekly")'  # a formula saved without its result
    src = tmp_path / "errors.xlsx"
    wb.save(src)
    out = tmp_path / "x.yaml"
    for extra in ([], ["--levels-in", "columns", "--levels", "C:E", "--category-col", "A"]):
        code, output = import_cli(str(src), "-o", str(out), *extra)
        assert code == 1 and not out.exists(), output
        assert "2 cells of the matrix hold no text a person wrote" in output
        assert "Matrix!C4: a formula saved without its result" in output
        assert "Matrix!D3: the error '#N/A'" in output


def test_a_csv_row_wider_than_its_header_is_refused_naming_the_line_it_begins_on(
        tmp_path: Path) -> None:
    path = tmp_path / "comma.csv"
    # Discovery's first descriptor holds a line break (quoted), so the next row begins on
    # line 4; Closing's second descriptor holds an unquoted comma that splits it
    path.write_text("Category,Weight,L1 - Starter,L2 - Practitioner,L3 - Expert\n"
                    'Discovery,1,"Asks the standard\nquestions",Adapts,Teaches\n'
                    "Closing,1,Closes with help,Closes alone, mostly,Closes the hardest deals\n"
                    "Forecasting,1,Updates the CRM,Calls the month,Calls the quarter\n",
                    encoding="utf-8")
    code, output = import_cli(str(path), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "comma!F3 (line 4 of the file): a row has more fields than the header: a comma typed" \
        in output


def test_more_levels_than_a_ladder_holds_are_refused_not_read_the_other_way(tmp_path: Path) -> None:
    heads = [f"L{i} - Level name {i}" for i in range(1, 31)]
    rows = [["Category", *heads]] + [
        [f"Skill {k}", *[f"Skill {k} done at level {i} with care" for i in range(1, 31)]]
        for k in range(3)]
    src = write_csv(tmp_path / "many.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "the header has 30 columns headed like levels (many!B1:U1 and 10 more): a ladder " \
           "has at most 20 levels" in output
    # seen the other way, the 30 levels are categories whose names count up: refused too
    from sheetladder.importer.detect import import_matrix
    from sheetladder.importer.tables import ImportFailed

    try:
        import_matrix(str(src), levels_in="rows")
    except ImportFailed as e:
        assert "the category names are codes or numbers counting up" in str(e)
    else:
        raise AssertionError("30 levels read down the rows were taken")


def test_a_number_column_under_another_name_is_a_doubt_offering_it_as_weights(
        tmp_path: Path) -> None:
    # 'Faktor' is no word for weight ('Poids', 'Gewichtung' are: see
    # test_a_weight_column_headed_in_another_language_holds_the_weights)
    rows = rows_with(["Catégorie", "Faktor", *LEVEL_HEADS],
                     {n: ["2" if n == "Closing" else "1", *t] for n, t in DESCRIPTORS.items()})
    src, out, output = refused(tmp_path, "faktor", rows)
    assert "column B ('Faktor', faktor!B1) holds a positive number on every category's row and " \
           "is left out, so every weight is 1" in output
    code, output = import_cli(str(src), "-o", str(out), "--levels-in", "columns",
                              "--weight-col", "B")
    assert code == 0, output
    assert load(out).category("closing").weight == 2
    out.unlink()
    code, output = import_cli(str(src), "-o", str(out), "--levels-in", "columns",
                              "--skip-col", "B")
    assert code == 0, output
    assert {c.weight for c in load(out).categories} == {1}


@pytest.mark.parametrize("head", ["Gewichtung", "Gewicht", "Poids", "Pondération", "Peso",
                                  "Ponderación", "Gewicht (%)", "Waga", "Vikt", "Vekt",
                                  "Painoarvo", "Weights"])
def test_a_weight_column_headed_in_another_language_holds_the_weights(
        tmp_path: Path, head: str) -> None:
    """A ';' CSV headed 'Kompetenz | Gewichtung | L1 - Starter …', weights '1,5': the weight
    column was taken as a level named 'Gewichtung'. Its header says weight, as 'Weight' does."""
    rows = rows_with(["Kompetenz", head, *LEVEL_HEADS],
                     {n: ["1,5" if n == "Closing" else "2", *t] for n, t in DESCRIPTORS.items()})
    src = tmp_path / "de.csv"
    with src.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    out = tmp_path / "de.yaml"
    code, output = import_cli(str(src), "-o", str(out))
    assert code == 0, output
    assert levels_and_texts(out) == ([("L1", "Starter"), ("L2", "Practitioner"), ("L3", "Expert")],
                                     DESCRIPTORS)
    assert {c.name: c.weight for c in load(out).categories} == {
        n: 1.5 if n == "Closing" else 2 for n in DESCRIPTORS}


def test_a_level_of_numbers_only_is_refused_with_no_command_writing_it_as_a_level(
        tmp_path: Path) -> None:
    # under a header that names no weight ('Faktor'), beside levels that doubt their names,
    # the numbers were a level in the command the refusal offered
    heads = ["Stufe A Einsteiger", "Stufe B Fortgeschritten", "Stufe C Experte"]
    rows = rows_with(["Kompetenz", "Faktor", *heads],
                     {n: ["1,5" if n == "Closing" else "2", *t] for n, t in DESCRIPTORS.items()})
    src, out, output = refused(tmp_path, "faktor", rows)
    assert "level 'Faktor' (faktor!B1) holds only numbers (2, 1,5, 2, 2), no descriptors: if " \
           "column B holds the weights, import with --weight-col B; if it is no part of the " \
           "ladder, with --skip-col B" in output
    assert "--levels B:" not in output
    code, output = import_cli(str(src), "-o", str(out), "--levels-in", "columns",
                              "--weight-col", "B", "--levels", "C:E", "--category-col", "A",
                              "--header-row", "1")
    assert code == 0, output
    assert load(out).category("closing").weight == 1.5


def test_import_never_writes_over_the_spreadsheet_it_reads(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "m.csv", rows_with(["Category", "Weight", *LEVEL_HEADS]))
    before = src.read_bytes()
    code, output = import_cli(str(src), "-o", str(src), "--force")
    assert code != 0 and "is the spreadsheet being imported" in output, output
    assert src.read_bytes() == before


def test_csv_in_utf16_with_a_delimiter_hint_or_not_in_utf8_is_read_as_saved(tmp_path: Path) -> None:
    rows = rows_with(["Category", "Weight", *LEVEL_HEADS])
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    (tmp_path / "u16.txt").write_bytes(text.encode("utf-16"))  # Excel's "Unicode text"
    (tmp_path / "hint.csv").write_text("sep=;\n" + "\n".join(";".join(r) for r in rows) + "\n",
                                       encoding="utf-8")
    latin = [[c.replace("Closing", "Clôture") for c in r] for r in rows]
    (tmp_path / "cp.csv").write_bytes(
        ("\n".join(",".join(r) for r in latin) + "\n").encode("cp1252"))
    for name, first_row in (("u16.txt", 1), ("hint.csv", 2), ("cp.csv", 1)):
        out = tmp_path / (name.split(".")[0] + ".yaml")
        code, output = import_cli(str(tmp_path / name), "-o", str(out))
        assert code == 0, output
        assert f"!C{first_row}:E{first_row}" in output  # the hint line keeps its line number
        names = [c.name for c in load(out).categories]
        assert len(names) == 4 and ("Clôture" in names) == (name == "cp.csv")
        assert ("read as Windows-1252" in output) == (name == "cp.csv")


def test_options_giving_one_column_two_roles_are_refused(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "m.csv", rows_with(["Category", "Weight", *LEVEL_HEADS]))
    out = tmp_path / "x.yaml"
    for options, said in (
            ("--levels C:E --category-col C", "--category-col C is inside --levels C:E"),
            ("--weight-col B --group-col B", "--weight-col B is also given as --group-col"),
            ("--category-col A --skip-col A", "--skip-col A is also given as --category-col")):
        code, output = import_cli(str(src), "-o", str(out), "--levels-in", "columns",
                                  *options.split())
        assert code != 0 and said in output and not out.exists(), output
    # a column given as the categories is not also taken for the weights by its header
    code, output = import_cli(str(src), "-o", str(out), "--levels-in", "columns",
                              "--category-col", "B")
    assert "Weights: from m!B1" not in output and "Weights: no weight column" in output, output


def test_a_group_title_with_a_weight_is_refused_not_made_a_category_of_placeholders(
        tmp_path: Path) -> None:
    rows = [["Category", "Weight", *LEVEL_HEADS], ["Hard skills", "5", "", "", ""]] + [
        [n, "1", *t] for n, t in DESCRIPTORS.items()]
    src = write_csv(tmp_path / "gw.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "1 category without a single descriptor (gw!A2 'Hard skills')" in output
    rows[1][1] = ""  # the weight deleted: a group title
    src = write_csv(tmp_path / "g.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "g.yaml"))
    assert code == 0, output
    assert [g.name for g in load(tmp_path / "g.yaml").groups] == ["Hard skills"]


def test_a_gap_in_the_level_codes_is_said_and_a_table_beyond_the_sheets_is_named(
        tmp_path: Path) -> None:
    heads = ["L1 - Starter", "L2 - Practitioner", "L4 - Expert"]
    src = write_csv(tmp_path / "gap.csv", rows_with(["Category", "Weight", *heads]))
    code, output = import_cli(str(src), "-o", str(tmp_path / "gap.yaml"))
    assert code == 0, output
    assert "gap!C1:E1: the level codes skip L3 (L1, L2, L4)" in output
    code, output = import_cli(str(src), "-o", str(tmp_path / "t.yaml"), "--table", "3")
    assert code == 1 and "--table 3: sheet 'gap' holds 1 table(s)" in output, output


def test_a_second_table_stacked_with_no_blank_row_is_refused_not_merged(tmp_path: Path) -> None:
    """The second table's header was read as a category 'Category' whose descriptors were the
    manager levels' names, its categories merged into the first table's."""
    rows = rows_with(["Category", "Weight", *LEVEL_HEADS]) + [
        ["Category", "Weight", "M1 - Junior Manager", "M2 - Manager", "M3 - Senior Manager"],
        ["People", "1", "Runs one-to-ones", "Grows the team", "Builds the org"]]
    src = write_csv(tmp_path / "stack.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "x.yaml"))
    assert code == 1, output
    assert "row stack!A6 reads as another header of levels (M1 - Junior Manager | M2 - Manager" \
        in output
    assert "sheetladder import" not in output
    rows.insert(5, [])  # a blank row between: two tables, the first imported by default
    src = write_csv(tmp_path / "two.csv", rows)
    code, output = import_cli(str(src), "-o", str(tmp_path / "two.yaml"))
    assert code == 0, output
    assert [c.name for c in load(tmp_path / "two.yaml").categories] == list(DESCRIPTORS)


def test_what_no_option_can_mend_is_refused_even_when_the_layout_is_told(tmp_path: Path) -> None:
    """Layout options turn the doubts about where the matrix lies into notes; a CSV row shifted
    by a comma, a row with no category name or a stacked table would then be written wrong."""
    told = ["--levels-in", "columns", "--header-row", "1", "--levels", "C:E"]
    comma = rows_with(["Category", "Weight", *LEVEL_HEADS])
    comma[1] = ["Discovery", "1", "Asks the standard questions", "Adapts", "questions", "Teaches"]
    noname = rows_with(["Category", "Weight", *LEVEL_HEADS])
    noname[2][0] = ""
    stacked = rows_with(["Category", "Weight", *LEVEL_HEADS]) + [
        ["Category", "Weight", "M1 - Junior Manager", "M2 - Manager", "M3 - Senior Manager"],
        ["People", "1", "Runs one-to-ones", "Grows the team", "Builds the org"]]
    for name, rows, said in (("comma", comma, "a row has more fields than the header"),
                             ("noname", noname, "no category name (noname!A3 blank)"),
                             ("stacked", stacked, "reads as another header of levels")):
        src = write_csv(tmp_path / f"{name}.csv", rows)
        code, output = import_cli(str(src), "-o", str(tmp_path / f"{name}.yaml"), *told)
        assert code == 1 and said in output, output
        assert "No option makes it right as it stands" in output
        assert not (tmp_path / f"{name}.yaml").exists()


def test_row_numbers_hours_and_a_category_named_like_levels_import_as_before(
        tmp_path: Path) -> None:
    """What the new refusals must not take for a problem: an ID column numbering the rows, a
    column of 1s, and a category whose descriptors name levels ('Title: Engineer (E1)')."""
    ids = rows_with(["ID", "Category", *LEVEL_HEADS],
                    {n: [str(101 + i), *t] for i, (n, t) in enumerate(DESCRIPTORS.items())})
    ids = [[r[1], r[0], *r[2:]] for r in ids]  # ID first, then the category
    ones = rows_with(["Category", "Poids", *LEVEL_HEADS])
    titles = rows_with(["Category", "Weight", *LEVEL_HEADS]) + [
        ["Title", "1", "Engineer (E1)", "Senior Engineer (E2)", "Staff Engineer (E3)"]]
    hashed = rows_with(["#", "Category", *LEVEL_HEADS],
                       {n: [str(i + 1), *t] for i, (n, t) in enumerate(DESCRIPTORS.items())})
    hashed = [[r[1], r[0], *r[2:]] for r in hashed]
    for name, rows in (("ids", ids), ("ones", ones), ("titles", titles), ("hashed", hashed)):
        out = tmp_path / f"{name}.yaml"
        code, output = import_cli(str(write_csv(tmp_path / f"{name}.csv", rows)), "-o", str(out))
        assert code == 0, (name, output)
        ladder = load(out)
        assert [lv.code for lv in ladder.levels] == ["L1", "L2", "L3"], name
        assert [c.name for c in ladder.categories][:4] == list(DESCRIPTORS), name


def test_a_formula_whose_result_is_empty_text_is_an_empty_cell_not_an_unsaved_one(
        tmp_path: Path) -> None:
    from .libreoffice import convert

    wb, ws = matrix_sheet()
    ws["D3"] = '=IF(1=1,"","x")'  # computes to an empty text once saved by a spreadsheet
    wb.save(tmp_path / "e.xlsx")
    saved = convert(tmp_path / "e.xlsx", tmp_path / "lo")
    code, output = import_cli(str(saved), "-o", str(tmp_path / "e.yaml"))
    assert code == 0, output
    assert "Matrix!D3 (Closing at L2)" in output  # an empty cell, written as a placeholder


# Invitation Homes' key competencies (invitation-homes/career-progression-framework,
# key-competencies.md at 418b8cc345e0): two of its competencies at its two levels, kept as a
# CSV with two empty columns after them; a behaviour quotes a word ("why") and holds commas
IH = [["Connect the Dots", "Business Acumen — Know the business, know your customer",
       "Understands how their work connects to team goals, KPIs, and resident experience; uses "
       "data in day-to-day decisions; asks questions to understand the \"why\" behind "
       "priorities; flags cost, quality, or risk impacts early",
       "Connects team responsibilities to KPIs; uses data dashboards and metrics to guide "
       "decisions and prioritize work; identifies cost, risk, and resident/associate "
       "implications when allocating resources or structuring workloads"],
      ["Connect the Dots", "Contextual Communication — Communicate with context and clarity",
       "Shares clear, timely updates with appropriate detail; confirms understanding and closes "
       "the loop; uses the right channel and tone for the audience; escalates time-sensitive "
       "issues early",
       "Tailors communication for diverse audiences; translates technical, financial, or "
       "policy information into clear actions; clearly articulates what is being delegated, "
       "why, and to whom; states the why, the impact, and one clear next step, then confirms "
       "understanding"]]


def test_a_quote_doubled_inside_a_quoted_csv_text_is_one_quote_whatever_the_sniffer_guesses(
        tmp_path: Path) -> None:
    """The CSV dialect was sniffed whole, and for these rows Python's sniffer guessed that
    quotes are not doubled: the text holding '""why""' was split at its commas and the import
    refused it as a row wider than its header, advising to put in double quotes a text that
    was. Only the delimiter is sniffed now; quotes are read as every spreadsheet writes them."""
    path = write_csv(tmp_path / "ih.csv", [["Value", "Competency", "L1 - Associate",
                                           "L2 - People Leader", "", ""]]
                     + [[*r, "", ""] for r in IH])
    from sheetladder.importer.detect import import_matrix

    assert csv.Sniffer().sniff(path.read_text(encoding="utf-8")).doublequote is False
    det = import_matrix(str(path))
    assert [(g.name, [c.name for c in g.categories]) for g in det.groups] == [
        ("Connect the Dots", [r[1] for r in IH])]
    for c, r in zip(det.categories, IH, strict=True):
        assert [c.descriptors["L1"], c.descriptors["L2"]] == r[2:]
