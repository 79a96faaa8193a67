"""A row or column inserted or deleted anywhere, as Excel does it: refused, said once, no figure.

A filled workbook is rendered with the library, then one row or column is inserted or deleted
at a random place of a random sheet, every reference shifted the way Excel shifts it
(:mod:`tests.excel_edits`). Whatever the edit, the read is refused (exit 1), with at most a
few errors, one of which names the edit on its sheet, and no figure is printed: a workbook
whose layout changed is not one whose figures can be trusted, even where the ratings could
still be read.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from sheetladder.cli import main
from sheetladder.context import META_SHEET, make_context
from sheetladder.definition import load
from sheetladder.plan import build_plan
from sheetladder.results.read import read_path
from sheetladder.xlsx.write import to_bytes

from .conftest import DEFINITIONS
from .excel_edits import structural_edit
from .test_read import random_ratings

MAX_ERRORS = 3


# three unnamed peers: every rater shown; two named ones: fewer than min_peers, so the text
# report pools the manager and peers as Others and must name none of them, yet list the error
RATERS = {
    "shown": [("self", None, None), ("manager", "Bo Chen", None), ("peer", None, None),
              ("peer", None, None), ("peer", None, None)],
    "pooled": [("self", None, None), ("manager", "Bo Chen", None), ("peer", "Cy Park", None),
               ("peer", "Di Lee", None)],
}
HIDDEN = ("Bo Chen", "Cy Park", "Di Lee")


@functools.lru_cache(maxsize=2)
def _filled(raters: str) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """A filled workbook of the sales ladder and each visible sheet's used size (rows,
    columns)."""
    sales = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = make_context(sales, "Ann Example", "2026-Q4", RATERS[raters])
    data = to_bytes(build_plan(sales, ctx, ratings=random_ratings(sales, ctx, seed=4)))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    dims = {ws.title: (ws.max_row, ws.max_column) for ws in wb.worksheets
            if ws.title != META_SHEET}
    return data, dims


@st.composite
def _edits(draw: st.DrawFn) -> tuple[str, str, str, str, int]:
    raters = draw(st.sampled_from(sorted(RATERS)))
    _, dims = _filled(raters)
    sheet = draw(st.sampled_from(sorted(dims)))
    kind = draw(st.sampled_from(["insert", "delete"]))
    axis = draw(st.sampled_from(["row", "col"]))
    rows, cols = dims[sheet]
    index = draw(st.integers(1, rows if axis == "row" else cols))
    return raters, sheet, kind, axis, index



@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=_edits())
def test_a_row_or_column_inserted_or_deleted_anywhere_is_refused_once_and_gives_no_figure(
        work: Path, edit: tuple[str, str, str, str, int]) -> None:
    raters, sheet, kind, axis, index = edit
    data, _ = _filled(raters)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    structural_edit(wb, sheet, kind, axis, index)
    path = work / "edited.xlsx"
    wb.save(path)

    report = read_path(path)
    shown = [str(f) for f in report.errors]
    assert not report.ok and 1 <= len(report.errors) <= MAX_ERRORS, shown
    what = "row" if axis == "row" else "column"
    done = "inserted" if kind == "insert" else "deleted"
    naming = [f for f in report.errors if f.sheet == sheet and f.layout
              and what in f.message and done in f.message]
    assert naming, shown
    if axis == "col" and kind == "insert":
        assert any(f.message.startswith(f"column {get_column_letter(index)} ")
                   for f in naming), shown
    assert report.figures_withheld, shown
    assert report.total_points is None and report.level is None
    assert all(r.total_points is None for r in report.raters)
    assert all(c.consensus_level is None for c in report.categories)

    res = CliRunner().invoke(main, ["read", str(path)], catch_exceptions=False)
    flat = " ".join(res.output.split())
    assert res.exit_code == 1, flat
    assert "Overall: no figures:" in flat and " points, level " not in flat, flat
    # the error naming the edit is listed, when pooled too (without naming anyone pooled)
    assert any(" ".join(f.message.split())[:30] in flat
               or (raters == "pooled" and "(one of Others)" in flat) for f in naming), flat
    if raters == "pooled":
        assert "Peers pooled" in flat and not any(n in res.output for n in HIDDEN), flat
