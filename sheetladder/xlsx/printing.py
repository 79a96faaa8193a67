"""How an .xlsx sheet prints: paper, landscape, a scale that keeps text at 8 pt or more, print
titles, page breaks that never cut a chart, and a header and footer naming the ladder, person,
period and page x of y.

The plan says what must repeat and what may be fitted; the sums against the paper are made here
because only the .xlsx prints (a Google Sheet is printed by Google's own dialog).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from ..plan import DEFAULT_WIDTH, MIN_PRINT_SCALE, SheetPlan, WorkbookPlan

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

Paper = Literal["a4", "letter"]
PAPER_NAMES: tuple[Paper, ...] = ("a4", "letter")
# xlsxwriter's paper code, and the paper's long and short sides in inches
PAPERS: dict[str, tuple[int, float, float]] = {"a4": (9, 11.69, 8.27), "letter": (1, 11.0, 8.5)}
MARGIN_IN = 0.4  # left and right
TOP_IN, BOTTOM_IN, HEADER_IN = 0.75, 0.6, 0.3
DEFAULT_ROW_PT = 15.0
ROUNDING = 0.98  # applications round column widths up: leave them a little room


def col_px(width: float) -> float:
    """A column's printed width in pixels (96 dpi) for a width in characters of Calibri 11:
    Excel draws it ``7 w + 5``, LibreOffice (with Calibri or its metric twin Carlito) about
    6% wider; the wider is used."""
    return (width + 0.71) * 7.4


def print_scale(sheet: SheetPlan, paper: Paper) -> int:
    """The print scale (percent) that fits the sheet's printed columns to the paper's width,
    landscape, never below MIN_PRINT_SCALE (columns still too wide go on further pages)."""
    ps = sheet.print_setup
    if ps is None or not ps.fit_width:
        return 100
    last = ps.area[3] if ps.area else max((c.col for c in sheet.cells), default=0)
    hidden = set(sheet.hidden_cols)
    px = sum(col_px(sheet.col_widths.get(c, DEFAULT_WIDTH)) for c in range(last + 1)
             if c not in hidden)
    long_side = PAPERS[paper][1] if ps.landscape else PAPERS[paper][2]
    room = (long_side - 2 * MARGIN_IN) * 96 * ROUNDING
    return max(MIN_PRINT_SCALE, min(100, math.floor(100 * room / max(px, 1.0))))


def chart_breaks(sheet: SheetPlan, paper: Paper, scale: int) -> list[int]:
    """Page breaks that keep each chart whole: above a chart's anchor row when the rows before
    it leave too little of their last page for it (a chart is never cut in two)."""
    ps = sheet.print_setup
    if not sheet.charts or ps is None:
        return []
    short_side = PAPERS[paper][2] if ps.landscape else PAPERS[paper][1]
    page = (short_side - TOP_IN - BOTTOM_IN - HEADER_IN) * 72 * 100 / scale

    def height(r: int) -> float:
        return sheet.row_heights.get(r, DEFAULT_ROW_PT)

    repeated = sum(height(r) for r in range(ps.repeat_rows[0], ps.repeat_rows[1] + 1)) \
        if ps.repeat_rows else 0.0
    anchors = {ch.anchor[0]: ch.size[1] * 0.75 for ch in sheet.charts}
    breaks: list[int] = []
    used = 0.0
    for r in range(max(anchors) + 1):
        if r in anchors and used + anchors[r] > page and used > repeated:
            breaks.append(r)
            used = repeated
        if used + height(r) > page:
            used = repeated
        used += height(r)
    return breaks


def header_text(text: str) -> str:
    """User text in a header or footer: ``&`` starts a code there, so it is doubled."""
    return text.replace("&", "&&")


def _cut(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters, cut with an ellipsis (never mid ``&&``)."""
    if len(text) <= room:
        return text
    head = text[:max(0, room - 1)]
    if (len(head) - len(head.rstrip("&"))) % 2:  # half of a doubled & left at the end
        head = head[:-1]
    return head + "…"


def page_header(plan: WorkbookPlan) -> str:
    """Left: the ladder; centre: the person and period; right: the tab. At most 255 characters
    (Excel's limit): the ladder's name is cut first, then the person's."""
    ctx = plan.context
    who = header_text(ctx.person + (f", {ctx.period}" if ctx.period else ""))
    ladder = header_text(plan.ladder.name)
    room = 255 - len("&L&C&R&A")
    who = _cut(who, room - min(len(ladder), 24))
    ladder = _cut(ladder, room - len(who))
    return f"&L{ladder}&C{who}&R&A"


PAGE_FOOTER = "&CPage &P of &N"


def set_up_printing(ws: Worksheet, plan: WorkbookPlan, sheet: SheetPlan, paper: Paper) -> None:
    """Apply ``sheet``'s print setup to ``ws`` for ``paper``."""
    ps = sheet.print_setup
    if ps is None:
        return
    if ps.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(PAPERS[paper][0])
    ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=TOP_IN, bottom=BOTTOM_IN)
    scale = print_scale(sheet, paper)
    ws.set_print_scale(scale)
    if ps.repeat_rows:
        ws.repeat_rows(*ps.repeat_rows)
    if ps.repeat_cols:
        ws.repeat_columns(*ps.repeat_cols)
    breaks = sorted(set(ps.row_breaks) | set(chart_breaks(sheet, paper, scale)))
    if breaks:
        ws.set_h_pagebreaks(breaks)
    if ps.area:
        ws.print_area(*ps.area)
    options = {"scale_with_doc": False, "align_with_margins": True}
    ws.set_header(page_header(plan), options)
    ws.set_footer(PAGE_FOOTER, options)
