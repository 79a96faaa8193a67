"""Copies and edits of a filled workbook, made the way a rep makes them: exit 0 only with the
right result, and a refusal that names its sheet and cell gives no figure it doubts.

Workbooks are rendered with the library, then filled and edited in real LibreOffice (through
its UNO API, :mod:`tests.libreoffice`) and read through the CLI in a folder holding a copy of
``definitions/``, as a new user has it (so a trusted ladder is at hand, and must bring back no
figure the workbook withholds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sheetladder.a1 import a1
from sheetladder.context import Context, make_context
from sheetladder.definition import Ladder
from sheetladder.plan import C_RATING, R_FIRST, build_plan
from sheetladder.xlsx.write import to_bytes

from .conftest import run
from .libreoffice import Op, edit_in_libreoffice
from .test_read_libreoffice import assert_scores, rule, seeded_ratings, typing_ops

C_COMMENT = C_RATING + 3



@pytest.fixture
def ctx2(sales: Ladder) -> Context:
    return make_context(sales, "Ana Diaz", "2026-Q4", [("self", None, None),
                                                       ("manager", "Bo Chen", None)])



def read_json(path: Path) -> tuple[int, dict]:
    code, out = run("read", str(path), "--json")
    rep = json.loads(out)
    assert isinstance(rep, dict)
    return code, rep


def assert_no_figure(path: Path, rep: dict) -> None:
    assert rep["total_points"] is None and rep["level"] is None, rep["total_points"]
    assert rep["progress_to_next"] is None and rep["figures_withheld"]
    assert all(r["total_points"] is None and r["level"] is None for r in rep["raters"])
    assert all(c["consensus"] is None for c in rep["categories"])
    code, text = run("read", str(path))
    flat = " ".join(text.split())
    assert code == 1 and "Overall: no figures:" in flat and " points, level " not in flat, flat
    db = path.with_suffix(".sqlite")
    code, text = run("collect", str(path), "--db", str(db))
    assert code == 1 and "1 refused" in text, text
    from sheetladder.results.store import History

    with History(str(db)) as h:
        assert h.records() == []


def test_a_copy_of_a_rater_tab_holding_other_ratings_than_the_tab_gives_no_figure(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """"Move or Copy… > Create a copy" of Self, then the copy filled (the tab left blank) or
    one rating revised on the copy only: the read was refused (exit 1) but printed the
    figures of the tab as made, a total and level from ratings the copy contradicts. Which
    tab holds the rater's ratings is not certain, as with two files disagreeing on a tab: no
    figure, here or from the trusted ladder. A copy differing only in a comment moves no
    figure: still refused (the comment would be lost), with the figures of the ratings."""
    ratings = seeded_ratings(sales, ctx2, 21)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    revised = 3 if ratings["Self"][sales.categories[2].id] != 3 else 4
    both: list[Op] = typing_ops(sales, ratings)
    cases: dict[str, list[Op]] = {
        "copy-filled": [*typing_ops(sales, {"Bo Chen": ratings["Bo Chen"]}),
                        ["copy_sheet", "Self", "Self (2)"],
                        *typing_ops(sales, {"Self (2)": ratings["Self"]})],
        "copy-revised": [*both, ["copy_sheet", "Self", "Self (2)"],
                         ["text", "Self (2)", a1(R_FIRST + 2, C_RATING), f"S{revised}"]],
        "copy-commented": [*both, ["copy_sheet", "Self", "Self (2)"],
                           ["text", "Self (2)", a1(R_FIRST, C_COMMENT), "Closed ACME alone"]],
    }
    files = {name: work / f"{name}.xlsx" for name in cases}
    edit_in_libreoffice([(blank, files[n], ops) for n, ops in cases.items()], work)

    code, rep = read_json(files["copy-filled"])
    assert code == 1
    assert [(f["sheet"], f["cell"]) for f in rep["findings"] if f["severity"] == "error"] == [
        ("Self (2)", a1(R_FIRST, C_RATING))]
    assert "is a copy of 'Self' holding what 'Self' does not" in rep["findings"][0]["message"]
    assert "'Self (2)'" in rep["figures_withheld"]
    assert_no_figure(files["copy-filled"], rep)

    code, rep = read_json(files["copy-revised"])
    assert code == 1
    cell = a1(R_FIRST + 2, C_RATING)
    assert [(f["sheet"], f["cell"]) for f in rep["findings"] if f["severity"] == "error"] == [
        ("Self (2)", cell)]
    assert f"disagrees with it ({cell}: 'S{revised}' here" in rep["findings"][0]["message"]
    assert f"Self (2)!{cell}" in rep["figures_withheld"]
    assert_no_figure(files["copy-revised"], rep)

    code, rep = read_json(files["copy-commented"])
    assert code == 1
    assert [(f["sheet"], f["cell"]) for f in rep["findings"] if f["severity"] == "error"] == [
        ("Self (2)", a1(R_FIRST, C_COMMENT))]
    assert rep["figures_withheld"] is None
    from sheetladder.results.read import read_path

    assert_scores(read_path(files["copy-commented"]), rule(sales, ctx2, ratings))


def test_two_pooled_raters_tabs_swapped_are_listed_in_the_text_report_naming_neither(
        work: Path, sales: Ladder) -> None:
    """Peers pooled (two peers, fewer than min_peers) and the two peers' tabs given each
    other's names in LibreOffice: the read was refused with no figure, but the text report
    only counted the error ("1 finding(s) (1 error(s)) on the tabs of raters shown as Others
    … are not listed"), so it said nowhere what was wrong or how to mend it. It is listed, as
    a row or column moved on a pooled tab is, with no pooled rater named; --json names them."""
    ctx = make_context(sales, "Ana Diaz", "2026-Q4",
                       [("self", None, None), ("manager", "Bo Chen", None),
                        ("peer", "Cy Park", None), ("peer", "Di Lee", None)])
    ratings = seeded_ratings(sales, ctx, 22)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx)))
    out = work / "swapped.xlsx"
    edit_in_libreoffice([(blank, out, [*typing_ops(sales, ratings),
                                       ["rename", "Cy Park", "x"], ["rename", "Di Lee", "Cy Park"],
                                       ["rename", "x", "Di Lee"]])], work)
    code, rep = read_json(out)
    assert code == 1
    errors = [f for f in rep["findings"] if f["severity"] == "error"]
    assert [(f["sheet"], f["cell"]) for f in errors] == [("Di Lee", "A1")]
    assert errors[0]["message"].startswith("tabs 'Cy Park' and 'Di Lee' were swapped")
    assert_no_figure(out, rep)
    code, text = run("read", str(out))
    flat = " ".join(text.split())
    assert code == 1 and "Peers pooled" in flat, flat
    assert "error a tab of Others, A1 tabs '(one of Others)' and '(one of Others)' were " \
           "swapped" in flat, flat
    assert flat.count("(sheetladder read --json names the tabs)") == 1, flat  # what to do
    assert "not listed here" not in flat, flat
    assert not any(n in text for n in ("Bo Chen", "Cy Park", "Di Lee")), text


# -- ratings typed in other spellings -------------------------------------------------------------


def test_a_rating_typed_otherwise_than_its_code_is_refused_saying_what_to_type(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """Typed in LibreOffice: a bare 3, S3 with a full stop, in full-width letters, or followed
    by its level's name, a level's name, "-" or "n/a" for "not rated", S03, and S3 with a
    Cyrillic letter drawn as S. Each was refused
    with only "'S3.' is not a level of this ladder (S1–S7)", which says neither what was
    wrong nor what to type; each now says what makes it right (S3, S7, or clearing the
    cell), at its cell, with no figure. A code of another ladder (E3) gets no guess. What
    the workbook reads too (s3, ' S3 ', a space, a cleared cell) is read, with exit 0."""
    ratings = seeded_ratings(sales, ctx2, 23)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    typed: list[tuple[str | float, str]] = [
        (3.0, "'3' is a number, not a level of this ladder (S1–S7): to rate it S3, type S3 or "
              "pick it from the dropdown"),
        ("S3.", "'S3.' is not a level of this ladder (S1–S7): to rate it S3, type S3 alone or "
                "pick it from the dropdown"),
        ("Ｓ３", "'Ｓ３' is not a level of this ladder (S1–S7): to rate it S3, type S3 alone or "
                "pick it from the dropdown"),
        ("S4 - Mid Sales Executive", "'S4 - Mid Sales Executive' is not a level of this ladder "
                                     "(S1–S7): to rate it S4, type S4 alone or pick it from the "
                                     "dropdown"),
        ("Head of Sales", "'Head of Sales' is not a level of this ladder (S1–S7): it is the name "
                          "of level S7; type its code, S7, or pick it from the dropdown"),
        ("Junior Sales Executive", "'Junior Sales Executive' is not a level of this ladder "
                                   "(S1–S7): it is the name of levels S1 and S2; type the code "
                                   "of the one meant, or pick it from the dropdown"),
        ("-", "'-' is not a level of this ladder (S1–S7): to leave the category unrated, clear "
              "the cell (press Delete), as a blank rating is left out of the totals and "
              "averages"),
        ("n/a", "'n/a' is not a level of this ladder (S1–S7): to leave the category unrated, "
                "clear the cell (press Delete), as a blank rating is left out of the totals and "
                "averages"),
        ("E3", "'E3' is not a level of this ladder (S1–S7)"),
        ("S3 or S4", "'S3 or S4' is not a level of this ladder (S1–S7)"),
        ("S03", "'S03' is not a level of this ladder (S1–S7): it has zeros before its number; "
                "to rate it S3, type S3 or pick it from the dropdown"),
        ("\u04053", "'\u04053' is not a level of this ladder (S1–S7): it has a letter of another "
                    "alphabet that looks like a Latin one; to rate it S3, type S3 or pick it "
                    "from the dropdown"),  # a Cyrillic DZE, drawn as S
    ]
    ops: list[Op] = typing_ops(sales, ratings)
    for i, (value, _) in enumerate(typed):
        cell = a1(R_FIRST + i, C_RATING)
        ops.append(["number", "Self", cell, value] if isinstance(value, float)
                   else ["text", "Self", cell, value])
    read_too: list[Op] = [*typing_ops(sales, ratings), ["text", "Self", a1(R_FIRST, C_RATING), "s3"],
                          ["text", "Self", a1(R_FIRST + 1, C_RATING), " S3 "],
                          ["text", "Self", a1(R_FIRST + 2, C_RATING), " "],
                          ["text", "Self", a1(R_FIRST + 3, C_RATING), ""]]
    bad, good = work / "typed.xlsx", work / "read-too.xlsx"
    edit_in_libreoffice([(blank, bad, ops), (blank, good, read_too)], work)

    code, rep = read_json(bad)
    assert code == 1
    errors = [(f["sheet"], f["cell"], f["message"]) for f in rep["findings"]
              if f["severity"] == "error"]
    assert errors == [("Self", a1(R_FIRST + i, C_RATING), message)
                      for i, (_, message) in enumerate(typed)], errors
    assert_no_figure(bad, rep)

    code, rep = read_json(good)
    assert code == 0, rep["findings"]
    want = dict(ratings["Self"])
    cats = sales.categories
    want.update({cats[0].id: 3, cats[1].id: 3, cats[2].id: None, cats[3].id: None})
    from sheetladder.results.read import read_path

    assert_scores(read_path(good), rule(sales, ctx2, {"Self": want,
                                                      "Bo Chen": ratings["Bo Chen"]}))


# -- a rating cut and pasted ---------------------------------------------------------------------


def test_a_rating_cut_and_pasted_to_another_rating_cell_gives_no_figure_and_says_to_undo(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """A rater cuts the rating of one category and pastes it on the next (or drags it there):
    the spreadsheet moves every reference to the cell with it, so Self!H5 reads D6 now. The
    read was refused with "formula changed at character 11 of 493" and printed a total
    scoring the first category unrated and the second as moved, while the workbook itself
    shows the moved rating for both. It is one error per formula that follows a moved
    rating, saying what happened and how to undo it, and no figure."""
    ratings = seeded_ratings(sales, ctx2, 24)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    out = work / "moved.xlsx"
    d5, d6 = a1(R_FIRST, C_RATING), a1(R_FIRST + 1, C_RATING)
    h5 = a1(R_FIRST, C_RATING + 4)
    edit_in_libreoffice([(blank, out, [*typing_ops(sales, ratings),
                                       ["move", "Self", d5, "Self", d6]])], work)
    code, rep = read_json(out)
    assert code == 1
    errors = [f for f in rep["findings"] if f["severity"] == "error"]
    assert [(f["sheet"], f["cell"]) for f in errors] == [("Self", h5)], errors
    assert errors[0]["message"].startswith(
        f"this formula reads {d6} now, not {d5}: the rating in {d5} was moved to {d6} (cut and "
        "pasted, or dragged)")
    assert "Undo the move" in errors[0]["message"]
    assert not [f for f in rep["findings"] if "not recalculated" in f["message"]]
    assert f"Self!{d5}" in rep["figures_withheld"]
    assert_no_figure(out, rep)


# -- a rater's tab deleted --------------------------------------------------------------------------


def test_a_rater_tab_deleted_gives_no_figure_from_the_other_raters_alone(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """The manager's tab deleted in LibreOffice (right-click > Delete Sheet) after both raters
    filled theirs: refused, but "Overall: … points, level …" was printed from the self
    ratings alone, a result no one gave (as a row deleted takes its rating with it, which
    gives no figure), and a trusted ladder printed it too. No figure now."""
    ratings = seeded_ratings(sales, ctx2, 25)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    out = work / "deleted.xlsx"
    edit_in_libreoffice([(blank, out, [*typing_ops(sales, ratings),
                                       ["remove_sheet", "Bo Chen"]])], work)
    code, rep = read_json(out)
    assert code == 1
    errors = [(f["sheet"], f["cell"], f["message"]) for f in rep["findings"]
              if f["severity"] == "error"]
    assert errors[0] == ("Bo Chen", None, "tab 'Bo Chen' is missing"), errors
    assert "'Bo Chen' are missing" in rep["figures_withheld"]
    assert_no_figure(out, rep)


# -- a copy saved for another person --------------------------------------------------------------


def test_a_copy_whose_hidden_sheet_was_retyped_for_another_person_gives_no_figure_for_them(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """Ana's filled workbook saved as a copy for Ben, his name typed into the Guide and into
    the hidden sheet's assessment (made visible in LibreOffice). The hash says the hidden sheet
    was edited, so its figures are withheld, but a trusted ladder at hand (definitions/)
    brought them back, printed as Ben Ortiz's: the ladder is as made, and what was edited is
    who the workbook is for, for which a trusted ladder vouches nothing. No figure now."""
    import openpyxl

    ratings = seeded_ratings(sales, ctx2, 26)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    meta = openpyxl.load_workbook(blank)["_sheetladder"]
    row = next(r for r in meta.iter_rows() if r[0].value == "context")
    ctx = json.loads(row[1].value)
    ctx["person"] = "Ben Ortiz"
    out = work / "ben-ortiz-2026-q4.xlsx"
    edit_in_libreoffice([(blank, out, [
        *typing_ops(sales, ratings),
        ["text", "_sheetladder", row[1].coordinate, json.dumps(ctx, separators=(",", ":"))],
        ["text", "Guide", "B4", "Ben Ortiz"]])], work)
    code, rep = read_json(out)
    assert code == 1
    assert rep["person"] == "Ben Ortiz"
    errors = [(f["sheet"], f["message"]) for f in rep["findings"] if f["severity"] == "error"]
    assert errors[0][0] == "_sheetladder" and "does not match its hash" in errors[0][1], errors
    assert "what was edited is the assessment" in errors[0][1]
    assert rep["figures_from"] is None
    assert_no_figure(out, rep)


# -- a total typed over -----------------------------------------------------------------------------


def test_a_number_typed_over_a_total_is_refused_at_its_cell_saying_how_to_mend_it(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """The self tab unprotected in LibreOffice and a total typed over its formula: refused at
    the cell, which said only what the formula was ("formula replaced by a typed value 99
    (the workbook as made has =IF(COUNT(F5:F22)=0,…))"), not what to do. It says how to mend
    it now. The figures are the ratings' (recomputed, never the 99 typed)."""
    ratings = seeded_ratings(sales, ctx2, 27)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    out = work / "typed-total.xlsx"
    total = a1(R_FIRST + len(sales.categories) + 2, C_RATING)
    edit_in_libreoffice([(blank, out, [*typing_ops(sales, ratings), ["unprotect", "Self"],
                                       ["number", "Self", total, 99]])], work)
    code, rep = read_json(out)
    assert code == 1
    errors = [(f["sheet"], f["cell"], f["message"]) for f in rep["findings"]
              if f["severity"] == "error"]
    assert [(s, c) for s, c, _ in errors] == [("Self", total)], errors
    assert errors[0][2].startswith("formula replaced by a typed value 99 (the workbook as made "
                                   "has =IF(COUNT(")
    assert errors[0][2].endswith("which no longer follows the ratings: undo the typing or "
                                 "paste, or go back to the file as sent")
    from sheetladder.results.read import read_path

    assert_scores(read_path(out), rule(sales, ctx2, ratings))


def test_a_tab_deleted_and_its_copy_renamed_to_its_name_gives_no_figure(
        work: Path, sales: Ladder, ctx2: Context) -> None:
    """"Move or Copy… > Create a copy" of Self, the copy filled, Self deleted and the copy
    renamed "Self": every Summary formula that read the tab is #REF! for good. The read was
    refused with "render it again, or go back to the file saved before the deletion", yet
    printed a total and level; what the deleted tab held is not known. No figure now."""
    ratings = seeded_ratings(sales, ctx2, 28)
    blank = work / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx2)))
    out = work / "renamed-copy.xlsx"
    edit_in_libreoffice([(blank, out, [
        *typing_ops(sales, {"Bo Chen": ratings["Bo Chen"]}), ["copy_sheet", "Self", "Self (2)"],
        *typing_ops(sales, {"Self (2)": ratings["Self"]}), ["remove_sheet", "Self"],
        ["rename", "Self (2)", "Self"]])], work)
    code, rep = read_json(out)
    assert code == 1
    errors = [(f["sheet"], f["cell"], f["message"]) for f in rep["findings"]
              if f["severity"] == "error"]
    assert [(s, c) for s, c, _ in errors] == [("Summary", "C4")], errors
    assert errors[0][2].startswith("the tab 'Self' the Summary reads was deleted: ")
    assert "'Self' the workbook's formulas read were deleted" in rep["figures_withheld"]
    assert_no_figure(out, rep)


# -- a line deleted and another inserted in its place ---------------------------------------------


@pytest.mark.parametrize(("sheet", "axis", "index"), [("Summary", "row", 6), ("Matrix", "col", 6),
                                                      ("Self", "col", 7)])
def test_a_line_deleted_and_a_blank_one_inserted_in_its_place_is_refused_as_the_line_cleared(
        work: Path, sales: Ladder, ctx2: Context, sheet: str, axis: str, index: int) -> None:
    """A row or column deleted and a blank one inserted at its place (Excel shifting every
    reference both times) leaves the file's cells as that line cleared would: no reference
    to it is left to turn #REF! (those that read it are ranges that shrink and grow back),
    and the sheet has no data validation there to tell them apart. Nothing cheaper than the
    full check is needed: what is left is refused as the cleared line is, with the same
    findings at the same cells, each saying what the line held."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils import get_column_letter

    from .excel_edits import structural_edit

    ratings = seeded_ratings(sales, ctx2, 29)
    src = work / "filled.xlsx"
    src.write_bytes(to_bytes(build_plan(sales, ctx2, ratings=ratings)))
    wb = openpyxl.load_workbook(src)
    structural_edit(wb, sheet, "delete", axis, index)  # type: ignore[arg-type]
    structural_edit(wb, sheet, "insert", axis, index)  # type: ignore[arg-type]
    replaced = work / "replaced.xlsx"
    wb.save(replaced)
    wb = openpyxl.load_workbook(src)
    ws = wb[sheet]
    for c in (ws[index] if axis == "row" else ws[get_column_letter(index)]):
        if not isinstance(c, MergedCell):  # the rest of a merged range holds nothing
            c.value = None
    cleared = work / "cleared.xlsx"
    wb.save(cleared)
    got = {}
    for name, path in (("replaced", replaced), ("cleared", cleared)):
        code, rep = read_json(path)
        assert code == 1, rep["findings"]
        got[name] = [(f["severity"], f["sheet"], f["cell"], f["message"])
                     for f in rep["findings"] if f["severity"] == "error"]
    assert got["replaced"] == got["cleared"]
    assert got["replaced"] and all(s == sheet for _, s, _, _ in got["replaced"])
