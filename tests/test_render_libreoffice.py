"""Rendered workbooks, filled like a person would and recalculated by real LibreOffice, show
the figures of the scoring rule in every formula cell of the rater tabs and the Summary.

Workbooks are filled with openpyxl (ratings and comments in the unlocked cells only), then all
the workbooks of a test are recalculated in ONE LibreOffice run (about 1.5 s a start).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetladder.context import META_SHEET, SUMMARY_SHEET, Context, make_context
from sheetladder.definition import Ladder
from sheetladder.plan import C_COMMENT, C_RATING, R_FIRST, build_plan
from sheetladder.xlsx.write import save

from .libreoffice import convert_all
from .test_render import FOUR, Fill, _sales, expected_figures, fills, mismatches, tricky

Case = tuple[Ladder, Context, Fill]


def _contexts() -> list[tuple[Ladder, Context]]:
    sales = _sales()
    rich = tricky()
    return [
        (sales, make_context(sales, "Ana Diaz", "2026-Q4", FOUR)),
        (rich, make_context(rich, "Robin", "2026-Q4", [
            ("self", None, None), ("manager", "Mo", None), ("peer", "P1", None),
            ("peer", "P2", None), ("peer", "P3", None), ("skip", "Sky", None)])),
    ]


def _fill_with_openpyxl(ladder: Ladder, ctx: Context, fill: Fill, blank: Path, dest: Path) -> None:
    """Type ratings (and a comment per rating) into the unlocked cells of a rendered file."""
    wb = openpyxl.load_workbook(blank)
    for tab, levels in fill.items():
        ws = wb[tab]
        for i, c in enumerate(ladder.categories):
            k = levels.get(c.id)
            if k is None:
                continue
            rating = ws.cell(R_FIRST + i + 1, C_RATING + 1)
            assert not rating.protection.locked
            rating.value = ladder.codes[k - 1]
            comment = ws.cell(R_FIRST + i + 1, C_COMMENT + 1)
            comment.value = f"=seen {k} times"  # typed text that looks like a formula
            comment.data_type = "s"
    wb.save(dest)


def _recalculated(cases: list[Case], tmp: Path) -> list[dict[str, list[list[Any]]]]:
    filled = []
    for n, (ladder, ctx, fill) in enumerate(cases):
        blank = tmp / f"blank{n}.xlsx"
        save(build_plan(ladder, ctx), blank)
        dest = tmp / f"filled{n}.xlsx"
        _fill_with_openpyxl(ladder, ctx, fill, blank, dest)
        filled.append(dest)
    out = []
    for path in convert_all(filled, tmp / "lo"):
        wb = openpyxl.load_workbook(path, data_only=True)
        out.append({ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb})
    return out


def _check(cases: list[Case], tmp: Path) -> None:
    bad = []
    for n, ((ladder, ctx, fill), rows) in enumerate(zip(cases, _recalculated(cases, tmp), strict=True)):
        expected = expected_figures(ladder, ctx, fill)
        assert len(expected) > 30
        bad += [(f"case {n}", ladder.id, *m) for m in mismatches(expected, rows)]
    assert not bad, bad[:8]


def _uniform(ladder: Ladder, ctx: Context, k: int | None) -> dict[str, dict[str, int | None]]:
    return {t: {c.id: k for c in ladder.categories} for t in ctx.tabs()}


def test_extreme_fills_recalculated_by_libreoffice_equal_the_rule(tmp_path: Path):
    cases: list[Case] = []
    for ladder, ctx in _contexts():
        n = len(ladder.levels)
        cats = [c.id for c in ladder.categories]
        cases.append((ladder, ctx, {}))  # empty
        for k in range(1, n + 1):  # everyone at level k: totals exactly on the thresholds
            cases.append((ladder, ctx, _uniform(ladder, ctx, k)))
        cases.append((ladder, ctx, {ctx.tabs()[0]: {c: n for c in cats}}))  # self only, maximum
        cases.append((ladder, ctx, {t: {c: (1 if i % 2 else n) for i, c in enumerate(cats)}
                                    for t in ctx.tabs()[1:]}))  # no self: no gap
        one_missing = _uniform(ladder, ctx, n)
        for t in ctx.tabs():
            one_missing[t][cats[-1]] = None  # a category nobody rated: no overall level
        cases.append((ladder, ctx, one_missing))
    _check(cases, tmp_path)


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_fills_recalculated_by_libreoffice_equal_the_rule(data: st.DataObject, tmp_path_factory):
    cases: list[Case] = []
    for ladder, ctx in _contexts():
        for _ in range(3):
            cases.append((ladder, ctx, data.draw(fills(ladder, ctx))))
    _check(cases, tmp_path_factory.mktemp("lo"))


def test_libreoffice_keeps_dropdowns_protection_text_and_chart(tmp_path: Path):
    ladder, ctx = _contexts()[0]
    person_ctx = ctx.model_copy(update={"person": '=HYPERLINK("http://x","y")'})
    src = tmp_path / "ana.xlsx"
    save(build_plan(ladder, person_ctx), src)
    (out,) = convert_all([src], tmp_path / "lo")
    wb = openpyxl.load_workbook(out)
    for tab in ctx.tabs():
        ws = wb[tab]
        assert ws.protection.sheet
        dvs = ws.data_validations.dataValidation
        assert len(dvs) == len(ladder.categories)  # one per rating cell, its help kept
        for dv in dvs:
            assert dv.type == "list" and dv.formula1 == '"' + ",".join(ladder.codes) + '"'
            assert dv.errorStyle in (None, "stop")
            assert dv.prompt and dv.error and ladder.codes[-1] in dv.error
        assert not ws.cell(R_FIRST + 1, C_RATING + 1).protection.locked
        assert ws.cell(R_FIRST + 1, C_RATING + 3).protection.locked  # the points formula
    assert len(wb[SUMMARY_SHEET]._charts) == 1
    assert wb["Guide"]["B4"].data_type == "s" and wb["Guide"]["B4"].value == person_ctx.person
    # LibreOffice has no "very hidden": it saves the meta sheet as hidden; the reader accepts both
    assert wb[META_SHEET].sheet_state in ("hidden", "veryHidden")
