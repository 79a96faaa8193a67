"""Every refusal of ``sheetladder import`` says what to do next: the option to give (named as
``sheetladder import --help`` has it) or the edit that makes the sheet right."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetladder.cli import main

from .test_import_layouts import ADVICE


def workbook(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    wb = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        assert ws is not None
        ws.title = name
        first = False
        for r, line in enumerate(rows, 1):
            for c, text in enumerate(line, 1):
                if text:
                    ws.cell(r, c, text)
    wb.save(path)
    return path


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["import", *args])
    return res.exit_code, res.output


def options() -> set[str]:
    """The options `sheetladder import --help` offers."""
    _, out = run("--help")
    return {w.rstrip(",") for w in out.split() if w.startswith("--")}


SHOPPING = {"List": [["Shopping list"], ["milk"], ["bread"]]}
HEADER_ONLY = {"Ladder": [["Category", "L1", "L2", "L3"]]}


def test_no_descriptor_matrix_found_names_list_and_the_options_that_point_at_it(
        tmp_path: Path) -> None:
    path = workbook(tmp_path / "s.xlsx", SHOPPING)
    code, out = run(str(path), "-o", str(tmp_path / "x.yaml"))
    assert code == 1 and "no descriptor matrix found" in out
    assert f"sheetladder import {path} --list" in out
    named = {w.strip(".,;()`") for w in out.split() if w.startswith("--")}
    assert {"--sheet", "--levels-in", "--header-row", "--levels", "--category-col"} <= named
    assert named <= options() | {"--list"}


def test_list_of_a_workbook_without_a_matrix_says_what_a_matrix_is_and_what_to_give(
        tmp_path: Path) -> None:
    code, out = run(str(workbook(tmp_path / "s.xlsx", SHOPPING)), "--list")
    assert code == 0
    assert "sheet 'List': 0 table(s)" in out
    assert "No matrix found. A matrix is a header row naming two or more levels" in out
    assert "--sheet, --levels-in columns|rows, --header-row, --levels and --category-col" in out


@pytest.mark.parametrize("case", ["no-rows", "empty-sheet", "no-such-sheet", "every-sheet-empty",
                                  "unreadable", "no-matrix"])
def test_every_refusal_gives_advice(tmp_path: Path, case: str) -> None:
    if case == "no-rows":
        args = [str(workbook(tmp_path / "h.xlsx", HEADER_ONLY))]
        said = "but no category rows with descriptors below them: put the category rows"
    elif case == "empty-sheet":
        args = [str(workbook(tmp_path / "e.xlsx", {"Ladder": [["x", "y"]], "Blank": []})),
                "--sheet", "Blank"]
        said = "is empty: give the sheet holding the matrix with --sheet"
    elif case == "no-such-sheet":
        args = [str(workbook(tmp_path / "e.xlsx", SHOPPING)), "--sheet", "Matrix"]
        said = "no sheet named 'Matrix'; sheets: 'List': give one of them with --sheet"
    elif case == "every-sheet-empty":
        args = [str(workbook(tmp_path / "e.xlsx", {"One": []}))]
        said = "every sheet is empty: type the matrix in the cells of a sheet"
    elif case == "unreadable":
        bad = tmp_path / "bad.ods"
        bad.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
        args = [str(bad)]
        said = ""
    else:
        args = [str(workbook(tmp_path / "s.xlsx", SHOPPING))]
        said = "no descriptor matrix found"
    code, out = run(*args, "-o", str(tmp_path / "x.yaml"))
    assert code != 0, out
    assert said in out
    assert ADVICE.search(out), out
    assert not (tmp_path / "x.yaml").exists()
