"""Reading workbooks that real LibreOffice has filled, edited and saved.

Two ways of getting LibreOffice to touch a workbook:

* ``tests.libreoffice.recalculate``: open, recompute every formula, save (``soffice --convert-to``).
* :func:`edit_in_libreoffice`: drive LibreOffice through its UNO API, the way a person works in
  it: type ratings into cells, insert and delete rows, rename tabs, then save. This needs a
  Python with LibreOffice's ``uno`` module (Debian/Ubuntu: python3-uno), usually /usr/bin/python3.

Expected scores come from the scoring rule applied to the ratings the test typed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from sheetladder import scoring
from sheetladder.a1 import a1
from sheetladder.context import Context, make_context, split_contexts
from sheetladder.definition import Ladder
from sheetladder.errors import UnreadableWorkbook
from sheetladder.plan import C_RATING, R_FIRST, build_plan
from sheetladder.results.read import read_many, read_path
from sheetladder.results.report import Report
from sheetladder.scoring import RaterInput
from sheetladder.xlsx.read import open_xlsx
from sheetladder.xlsx.write import to_bytes

from .libreoffice import Op, convert, edit_in_libreoffice, recalculate


def rule(ladder: Ladder, ctx: Context, ratings: Mapping[str, Mapping[str, int | None]]) -> scoring.Score:
    return scoring.score(ladder, [
        RaterInput(role=s.role, name=s.name, tab=s.tab, levels=dict(ratings.get(s.tab, {})))
        for s in ctx.raters])


def assert_scores(report: Report, expected: scoring.Score) -> None:
    assert (report.total_points, report.level, report.progress_to_next) == (
        expected.total_points, expected.level, expected.progress_to_next)
    assert [r.model_dump() for r in report.raters] == [r.model_dump() for r in expected.raters]
    assert [c.model_dump() for c in report.categories] == [c.model_dump() for c in expected.categories]


def seeded_ratings(ladder: Ladder, ctx: Context, seed: int, blank_every: int = 0
                   ) -> dict[str, dict[str, int | None]]:
    import random

    rnd = random.Random(seed)
    return {t: {c.id: None if blank_every and (i + seed) % blank_every == 0
                else rnd.randint(1, len(ladder.levels))
                for i, c in enumerate(ladder.categories)} for t in ctx.tabs()}


def typing_ops(ladder: Ladder, ratings: Mapping[str, Mapping[str, int | None]]) -> list[Op]:
    """Type every rating as its level code, as a person picks it from the dropdown."""
    ops: list[Op] = []
    for tab, by in ratings.items():
        for i, c in enumerate(ladder.categories):
            lv = by.get(c.id)
            if lv:
                ops.append(["text", tab, a1(R_FIRST + i, C_RATING), ladder.codes[lv - 1]])
    return ops


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ctx4(sales: Ladder) -> Context:
    return make_context(sales, "Ann Example", "2025-Q1",
                        [("self", None, None), ("manager", "Bo Chen", None),
                         ("peer", "Dana O'Neil", None), ("peer", None, None)])


def test_workbooks_recalculated_by_libreoffice_read_clean(tmp_path, sales, small, ctx4):
    cases = [(sales, ctx4, seeded_ratings(sales, ctx4, 1, blank_every=7)),
             (small, make_context(small, "Sam"), seeded_ratings(small, make_context(small, "Sam"), 2))]
    for i, (ladder, ctx, ratings) in enumerate(cases):
        src = tmp_path / f"in{i}.xlsx"
        src.write_bytes(to_bytes(build_plan(ladder, ctx, ratings)))
        out = recalculate(src, tmp_path / "lo")
        before = digest(out)
        report = read_path(out)
        assert report.findings == [], [str(f) for f in report.findings]
        assert_scores(report, rule(ladder, ctx, ratings))
        assert digest(out) == before
        # LibreOffice stored its own results, so the comparison of stored results really ran
        stored = [c.value for s in open_xlsx(out).sheets.values() for c in s.cells.values()
                  if c.formula is not None and isinstance(c.value, float)]
        assert stored


def test_a_workbook_filled_in_libreoffice_reads_clean_with_the_rules_scores(tmp_path, sales, ctx4):
    ratings = seeded_ratings(sales, ctx4, 3, blank_every=0)
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    out = tmp_path / "filled.xlsx"
    edit_in_libreoffice([(blank, out, typing_ops(sales, ratings))], tmp_path)
    report = read_path(out)
    assert report.findings == [], [str(f) for f in report.findings]
    assert_scores(report, rule(sales, ctx4, ratings))
    assert report.level is not None


def test_typings_in_libreoffice_are_each_reported_once(tmp_path, sales, ctx4):
    ratings = seeded_ratings(sales, ctx4, 4)
    cats = sales.categories
    ops = typing_ops(sales, ratings)
    cell = {i: a1(R_FIRST + i, C_RATING) for i in range(len(cats))}
    ops += [["text", "Self", cell[0], " s4 "], ["number", "Self", cell[1], 3],
            ["text", "Peer 2", cell[2], "S9"], ["text", "Bo Chen", cell[3], "Head of Sales"]]
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    out = tmp_path / "typed.xlsx"
    edit_in_libreoffice([(blank, out, ops)], tmp_path)
    report = read_path(out)
    found = {(f.severity, f.sheet, f.cell) for f in report.findings}
    # a code in any case is read, by the workbook and by read alike; what the workbook shows
    # #N/A for (a bare number, a level's name, S9) is refused, each at its cell
    assert found == {("warning", "Self", cell[0]), ("error", "Self", cell[1]),
                     ("error", "Peer 2", cell[2]), ("error", "Bo Chen", cell[3])}, \
        [str(f) for f in report.findings]
    # the workbook's figures leave those three out, so none is given until they are mended
    assert sorted(report.unread_ratings) == sorted(
        [f"Self!{cell[1]}", f"Peer 2!{cell[2]}", f"Bo Chen!{cell[3]}"])
    assert (report.total_points, report.level, report.progress_to_next) == (None, None, None)
    assert report.figures_withheld and "no figure is computed until they are mended" in \
        report.figures_withheld
    # mended in LibreOffice, the rule's figures come back, the case-aside code read as its level
    mended = tmp_path / "mended.xlsx"
    edit_in_libreoffice([(out, mended, [["text", "Self", cell[1], sales.codes[1]],
                                        ["text", "Peer 2", cell[2], sales.codes[0]],
                                        ["text", "Bo Chen", cell[3], sales.codes[2]]])], tmp_path)
    report = read_path(mended)
    assert {(f.severity, f.sheet, f.cell) for f in report.findings} == {
        ("warning", "Self", cell[0])}, [str(f) for f in report.findings]
    expected = {t: dict(v) for t, v in ratings.items()}
    expected["Self"][cats[0].id] = 4
    expected["Self"][cats[1].id] = 2
    expected["Peer 2"][cats[2].id] = 1
    expected["Bo Chen"][cats[3].id] = 3
    assert_scores(report, rule(sales, ctx4, expected))


def test_rows_and_tabs_changed_in_libreoffice_are_reported_allowed_for_and_give_no_figure(
        tmp_path, sales, ctx4):
    ratings = seeded_ratings(sales, ctx4, 5)
    cats = sales.categories
    ops = typing_ops(sales, ratings)
    ops += [["unprotect", "Bo Chen"], ["insert_rows", "Bo Chen", R_FIRST + 3, 2],
            ["unprotect", "Peer 2"], ["delete_rows", "Peer 2", R_FIRST + 4, 1],
            ["rename", "Self", "Ann"]]
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    out = tmp_path / "edited.xlsx"
    edit_in_libreoffice([(blank, out, ops)], tmp_path)
    report = read_path(out)
    assert [str(f) for f in report.findings] == [
        "warning: Ann: tab 'Self' was renamed to 'Ann'; it is read as 'Self'",
        f"error: Bo Chen!A{R_FIRST + 4}: rows {R_FIRST + 4}–{R_FIRST + 5} were inserted "
        "(not part of the workbook as made)",
        f"error: Peer 2!A{R_FIRST + 5}: row {R_FIRST + 5} of the workbook as made "
        f"('{cats[4].name}') was deleted",
    ]
    expected = {t: dict(v) for t, v in ratings.items()}
    expected["Peer 2"][cats[4].id] = None
    assert {i.tab: i.levels for i in report.inputs} == expected
    # the ratings are read where the rows moved them, but rows not as made give no figure
    assert report.figures_withheld == ("rows of tab(s) 'Bo Chen', 'Peer 2' were inserted or "
                                       "deleted, so the workbook is not as made: no figure is "
                                       "computed until the rows are as made")
    assert report.total_points is None and report.level is None


def test_rows_sorted_in_libreoffice_are_one_error_naming_them_moved_and_give_no_figure(
        tmp_path, sales, ctx4):
    """Self's category rows sorted by their comments in LibreOffice (Data > Sort, after
    unprotecting): reported as rows 5–9 inserted, rows 13–14 deleted and a dozen labels and
    formulas changed, with ratings read against the wrong categories and a level given. It is
    one error naming rows moved, and no figure, as which category a rating is for depends on
    which columns were sorted."""
    ratings = seeded_ratings(sales, ctx4, 6)
    ops = typing_ops(sales, ratings)
    n = len(sales.categories)
    for i in range(n):  # comments that sort the rows into another order
        ops.append(["text", "Self", a1(R_FIRST + i, C_RATING + 3), f"note {(i * 7 + 5) % n:02d}"])
    ops += [["unprotect", "Self"], ["sort", "Self", f"A{R_FIRST + 1}:H{R_FIRST + n}", 6, True]]
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    out = tmp_path / "sorted.xlsx"
    edit_in_libreoffice([(blank, out, ops)], tmp_path)
    assert open_xlsx(out).sheets["Self"].get(R_FIRST, 1).value != sales.categories[0].name
    report = read_path(out)
    assert [(f.severity, f.sheet, f.cell) for f in report.findings] == [
        ("error", "Self", f"A{R_FIRST + 1}")], [str(f) for f in report.findings]
    assert report.findings[0].message.startswith("rows were moved (sorted, or cut and pasted ")
    assert "undo the sort" in report.findings[0].message
    assert report.inputs[0].levels == ratings["Self"]  # whole rows sorted: each under its name
    assert report.total_points is None and report.level is None
    assert report.figures_withheld is not None and "'Self' were moved" in report.figures_withheld


def test_two_rows_swapped_in_libreoffice_are_both_named(tmp_path, sales, ctx4):
    """Two category rows of Self swapped (Data > Sort of the two, descending): the error named
    one of them ("'Client Delivery' (row 6 as made) is in row 7"), as the alignment finds the
    other in order. Both are out of place, and both are named."""
    ratings = seeded_ratings(sales, ctx4, 7)
    ops = typing_ops(sales, ratings)
    ops += [["unprotect", "Self"],
            ["sort", "Self", f"A{R_FIRST + 2}:H{R_FIRST + 3}", 1, False]]
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    out = tmp_path / "swapped.xlsx"
    edit_in_libreoffice([(blank, out, ops)], tmp_path)
    cats = sales.categories
    assert open_xlsx(out).sheets["Self"].get(R_FIRST + 1, 1).value == cats[2].name
    report = read_path(out)
    assert [(f.severity, f.sheet) for f in report.findings] == [("error", "Self")], \
        [str(f) for f in report.findings]
    msg = report.findings[0].message
    assert (f"'{cats[2].name}' (row {R_FIRST + 3} as made) is in row {R_FIRST + 2}; "
            f"'{cats[1].name}' (row {R_FIRST + 2} as made) is in row {R_FIRST + 3}. ") in msg, msg
    assert report.total_points is None and report.figures_withheld


def test_two_peers_tabs_swapped_in_libreoffice_are_one_error_read_by_title_and_no_figure(
        tmp_path, sales):
    """Cy Park's and Di Lee's tabs renamed each to the other's name: the ratings followed the
    tab names, not the tabs' own titles ("Peer rating by Di Lee"), and the Summary, whose
    formulas LibreOffice renamed with the tabs, gave 108 findings. It is one error naming both
    tabs and how to mend them, each tab's ratings read as its title says, and no figure, as a
    rater may have filled in the tab bearing their name. One title retyped is no swap."""
    ctx = make_context(sales, "Ann Example", "2025-Q1",
                       [("self", None, None), ("manager", "Bo Chen", None),
                        ("peer", "Cy Park", None), ("peer", "Di Lee", None)])
    ratings = seeded_ratings(sales, ctx, 8)
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx)))
    out, retitled = tmp_path / "swapped.xlsx", tmp_path / "retitled.xlsx"
    ops = typing_ops(sales, ratings)
    edit_in_libreoffice([
        (blank, out, ops + [["rename", "Cy Park", "x"], ["rename", "Di Lee", "Cy Park"],
                            ["rename", "x", "Di Lee"]]),
        (blank, retitled, ops + [["unprotect", "Cy Park"],
                                 ["text", "Cy Park", "A1", "Peer rating by Di Lee"]])], tmp_path)
    report = read_path(out)
    assert [(f.severity, f.sheet, f.cell) for f in report.findings] == [
        ("error", "Di Lee", "A1")], [str(f) for f in report.findings]
    msg = report.findings[0].message
    assert msg.startswith("tabs 'Cy Park' and 'Di Lee' were swapped: the tab named 'Di Lee' is "
                          "titled 'Peer rating by Cy Park' (A1), and the tab named 'Cy Park' is "
                          "titled 'Peer rating by Di Lee' (A1).")
    assert "rename the tab 'Di Lee' to 'Cy Park' and 'Cy Park' to 'Di Lee'" in msg
    by_tab = {i.tab: i.levels for i in report.inputs}
    assert by_tab["Cy Park"] == ratings["Cy Park"] and by_tab["Di Lee"] == ratings["Di Lee"]
    assert report.total_points is None and report.level is None
    assert all(c.consensus_level is None for c in report.categories)
    assert report.figures_withheld and "were swapped" in report.figures_withheld
    assert {c.rsplit("!", 1)[0] for c in report.unread_ratings} == {"Cy Park", "Di Lee"}
    # one title retyped: the text changed, as before; the tabs are read by name
    report = read_path(retitled)
    assert [(f.severity, f.sheet, f.cell) for f in report.findings] == [
        ("error", "Cy Park", "A1")], [str(f) for f in report.findings]
    assert "text changed" in report.findings[0].message


@pytest.mark.parametrize("op,cell,start", [
    (["insert_cols", "Self", C_RATING, 1], "D1", "column D was inserted (not part of the "
                                                 "workbook as made)"),
    (["delete_cols", "Self", C_RATING + 3, 1], "G1", "column G of the workbook as made "
                                                     "('Evidence / comments') was deleted"),
    (["delete_cols", "Self", C_RATING + 4, 1], "H1", "column H of the workbook as made "
                                                     "('Level #') was deleted"),
    (["delete_cols", "Self", C_RATING, 1], "D1", "column D of the workbook as made ('Rating') "
                                                 "was deleted: the columns after it moved to "
                                                 "the left, and its ratings are lost")])
def test_a_column_inserted_or_deleted_in_libreoffice_is_one_error_and_gives_no_figure(
        tmp_path, sales, ctx4, op, cell, start):
    """A column inserted before D of Self (or G deleted) in LibreOffice: a dozen "text
    changed" and "formula replaced by a typed value" findings on Self and the Summary, Self's
    ratings lost, and a consensus given from the other tabs. It is one error naming the column
    and what to do; Self's ratings are read where they are now (one column over), when its
    rating column is still there; and no figure is given until the column is mended."""
    ratings = seeded_ratings(sales, ctx4, 9)
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    out = tmp_path / "columns.xlsx"
    edit_in_libreoffice([(blank, out, typing_ops(sales, ratings) + [["unprotect", "Self"], op])],
                        tmp_path)
    report = read_path(out)
    assert [(f.severity, f.sheet, f.cell) for f in report.findings] == [
        ("error", "Self", cell)], [str(f) for f in report.findings]
    assert report.findings[0].message.startswith(start), report.findings[0].message
    assert ("read again" in report.findings[0].message
            and ("Delete it" in report.findings[0].message
                 or "Undo the deletion" in report.findings[0].message))
    self_read = report.inputs[0].levels
    if op[0] == "delete_cols" and op[2] == C_RATING:
        assert all(v is None for v in self_read.values())
    else:
        assert self_read == ratings["Self"]
    assert report.total_points is None and report.level is None
    assert all(c.consensus_level is None for c in report.categories)
    assert report.figures_withheld and "'Self' were inserted or deleted" in \
        report.figures_withheld
    assert len(report.unread_ratings) == len(sales.categories)
    assert {r.tab: r.levels for r in report.inputs}["Bo Chen"] == ratings["Bo Chen"]


def test_split_files_filled_in_libreoffice_merge_into_one_report(tmp_path, sales, ctx4):
    ratings = seeded_ratings(sales, ctx4, 6, blank_every=6)
    files = []
    for c in split_contexts(ctx4):
        tab = c.split_tab
        assert tab is not None
        src = tmp_path / f"{tab}.xlsx"
        src.write_bytes(to_bytes(build_plan(sales, c)))
        files.append((src, tmp_path / f"{tab} filled.xlsx", typing_ops(sales, {tab: ratings[tab]})))
    edit_in_libreoffice(files, tmp_path)
    reports = read_many([dest for _, dest, _ in files])
    assert len(reports) == 1
    assert reports[0].findings == [], [str(f) for f in reports[0].findings]
    assert_scores(reports[0], rule(sales, ctx4, ratings))


def test_a_copied_tab_mended_as_the_error_advises_reads_and_the_old_advice_is_named(
        tmp_path, sales, ctx4):
    """A rater filled a copy of their tab ("Self (2)"). Pasting its ratings onto the tab as
    values and deleting the copy reads clean; deleting the tab and renaming the copy to its
    name (the advice this replaced) turns every Summary formula reading it into #REF!, which
    is one error saying so, not "Summary and 78 more cells differ"."""
    ratings = seeded_ratings(sales, ctx4, 9)
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    filled_copy: list[Op] = [["copy_sheet", "Self", "Self (2)"],
                             *typing_ops(sales, {"Self (2)": ratings["Self"]})]
    pasted = [*filled_copy, *typing_ops(sales, {"Self": ratings["Self"]}),
              ["remove_sheet", "Self (2)"]]
    renamed = [*filled_copy, ["remove_sheet", "Self"], ["rename", "Self (2)", "Self"]]
    good, bad = tmp_path / "pasted.xlsx", tmp_path / "renamed.xlsx"
    edit_in_libreoffice([(blank, good, pasted), (blank, bad, renamed)], tmp_path)
    report = read_path(good)
    assert report.findings == [], [str(f) for f in report.findings]
    assert_scores(report, rule(sales, ctx4, {"Self": ratings["Self"]}))
    report = read_path(bad)
    assert [(f.sheet, f.cell) for f in report.errors] == [("Summary", "C4")], [
        str(f) for f in report.findings]
    msg = report.errors[0].message
    assert msg.startswith("the tab 'Self' the Summary reads was deleted: ")
    assert "show #REF! now (Summary!C4, " in msg and "Render the workbook again" in msg
    assert "restore the tab" in msg
    assert not any("more cell(s) differ" in f.message for f in report.findings)


def test_old_xls_and_ods_saved_by_libreoffice_are_refused_in_one_line(tmp_path, small):
    src = tmp_path / "w.xlsx"
    src.write_bytes(to_bytes(build_plan(small, make_context(small, "Old"))))
    xls = convert(src, tmp_path / "xls", "xls:MS Excel 97")
    ods = convert(src, tmp_path / "ods", "ods")
    with pytest.raises(UnreadableWorkbook, match=r"old Excel 97-2003 \.xls workbook"):
        read_path(xls)
    with pytest.raises(UnreadableWorkbook, match="OpenDocument spreadsheet"):
        read_path(ods)

def test_a_workbook_saved_as_csv_by_libreoffice_is_refused_saying_to_send_the_xlsx(tmp_path, small):
    """Saved as .csv (one sheet's values), a workbook was refused as "not an .xlsx workbook
    (not a zip archive)"; it gets what .ods and .xls get: what it is, and what to do."""
    src = tmp_path / "w.xlsx"
    src.write_bytes(to_bytes(build_plan(small, make_context(small, "Csv"))))
    saved = convert(src, tmp_path / "csv", "csv:Text - txt - csv (StarCalc):44,34,76")
    assert saved.suffix == ".csv"
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(saved.read_bytes())
    for path in (saved, renamed):
        with pytest.raises(UnreadableWorkbook) as e:
            read_path(path)
        assert e.value.reason.startswith(
            "a CSV text file, not an .xlsx workbook: a .csv holds one sheet's values only")
        assert "send the .xlsx workbook itself" in e.value.reason
