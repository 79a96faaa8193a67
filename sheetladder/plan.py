"""WorkbookPlan: the one layout of every workbook sheetladder makes.

The plan is backend-neutral: sheets, cells (text, numbers, formulas with their stored results),
styles by name, merges, widths, dropdowns, protection, conditional formats and a chart. The
.xlsx renderer and the Google publisher draw it without layout decisions of their own, and the
reader rebuilds it from the definition embedded in a workbook to know what must be where.

The plan's classes are plain slotted dataclasses, not pydantic models: a plan never crosses a
boundary (it is built in this process from a validated Ladder and Context, never parsed from
outside), and a workbook's plan holds some 1,600 cells, built again for every file read, where
pydantic's validation per object was the largest single cost of reading (issue 8).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from . import scoring
from .a1 import a1, ref, rng
from .context import (
    GUIDE_FACTS,
    GUIDE_PERSON_CELL,
    GUIDE_SHEET,
    MATRIX_SHEET,
    META_CHUNK,
    META_SHEET,
    SUMMARY_SHEET,
    Context,
    RaterSlot,
    cut_utf16,
)
from .definition import FORMAT_VERSION, Category, Ladder
from .scoring import RaterInput, Score

PLAN_VERSION = 1

# -- row heights for wrapped text ------------------------------------------------------------------

LINE_POINTS = 13.0  # one line of 10-pt text, with leading
ROW_PAD = 3.0
CHARS_PER_WIDTH = 1.25  # characters of 10-pt prose per unit of column width (LibreOffice fits
# about 1.35 with its substitute fonts, Excel's Calibri more; the margin is for capitals)
DEFAULT_WIDTH = 8.43


@functools.lru_cache(maxsize=8192)
def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes when word-wrapped in a column ``width`` characters wide."""
    cap = max(1, int(width * CHARS_PER_WIDTH))
    lines = 0
    for para in text.split("\n"):
        n, used = 1, 0
        for word in para.split():
            w = len(word)
            if used == 0:
                used = w
            elif used + 1 + w <= cap:
                used += 1 + w
            else:
                n += 1
                used = w
            while used > cap:  # a word longer than the line breaks mid-word
                n += 1
                used -= cap
        lines += n
    return max(1, lines)


@functools.lru_cache(maxsize=4096)
def _max_lines(texts: tuple[str, ...], width: float) -> int:
    return max((wrapped_lines(t, width) for t in texts if t), default=1)


def lines_height(lines: int) -> float:
    """Row height in points for ``lines`` of text, rounded up to whole pixels (0.75 pt), as
    spreadsheet applications store it."""
    return math.ceil((lines * LINE_POINTS + ROW_PAD) / 0.75) * 0.75


# -- the plan model -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Style:
    bold: bool = False
    italic: bool = False
    size: float = 10
    color: str | None = None  # "#RRGGBB"
    bg: str | None = None
    wrap: bool = False
    h_align: Literal["left", "center", "right"] | None = None
    v_align: Literal["top", "center"] = "top"
    border: bool = False
    num_format: str | None = None
    locked: bool = True


STYLES: dict[str, Style] = {
    "title": Style(bold=True, size=16, color="#1F3864"),
    "subtitle": Style(italic=True, color="#595959"),
    "label": Style(bold=True),
    "text": Style(),
    "wrap": Style(wrap=True),
    "note": Style(italic=True, color="#595959", wrap=True),
    "header": Style(bold=True, color="#FFFFFF", bg="#1F3864", wrap=True, v_align="center", border=True),
    "header_sub": Style(italic=True, color="#FFFFFF", bg="#2F5496", wrap=True, border=True),
    "group": Style(bold=True, bg="#D9E2F3", border=True),
    "cell": Style(wrap=True, border=True),
    "cell_drafted": Style(wrap=True, border=True, italic=True, color="#7F6000"),
    "number": Style(border=True, h_align="center", num_format="0.##"),
    "input_rating": Style(bold=True, bg="#FFF2CC", border=True, h_align="center", locked=False),
    "input_comment": Style(bg="#FFF2CC", border=True, wrap=True, locked=False),
    "calc_text": Style(wrap=True, border=True, color="#404040"),
    "calc_num": Style(border=True, h_align="center", num_format="0.##"),
    "calc_dec": Style(border=True, h_align="center", num_format="0.00"),
    "calc_pct": Style(border=True, h_align="center", num_format="0%"),
    "calc_code": Style(bold=True, border=True, h_align="center"),
    "total_label": Style(bold=True, bg="#E2EFDA", border=True),
    "total_value": Style(bold=True, bg="#E2EFDA", border=True, h_align="center", num_format="0.##"),
    "total_pct": Style(bold=True, bg="#E2EFDA", border=True, h_align="center", num_format="0%"),
    "hidden_calc": Style(color="#808080"),
    "meta": Style(),
}

CellKind = Literal["text", "number", "formula", "input"]


@dataclass(slots=True, kw_only=True)
class Cell:
    """One cell. ``value`` is the text/number written, or a formula's stored result."""

    row: int
    col: int
    kind: CellKind
    value: str | float | None = None
    formula: str | None = None  # without the leading "="
    style: str = "text"
    input_of: tuple[str, str] | None = None  # (category id, "rating" | "comment")

    @property
    def a1(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True, slots=True, kw_only=True)
class Validation:
    """A dropdown list on a range; anything else is refused with ``error``."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    values: list[str]
    input_title: str
    input_message: str
    error_title: str
    error_message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CondFormat:
    """Highlight cells of a range where ``formula`` (written for the top-left cell) is true."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int
    formula: str
    style: Literal["over", "under"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartSeries:
    """A series; its name is the text of ``name_cell`` (the column header above ``values``),
    referenced rather than typed, so a name can never be read as a formula."""

    name: str
    name_cell: tuple[int, int]
    values: tuple[int, int, int, int]  # r1, c1, r2, c2 on the chart's sheet


@dataclass(slots=True, kw_only=True)
class Chart:
    kind: Literal["radar"] = "radar"
    title: str
    title_cell: tuple[int, int]  # the cell whose text is the title
    categories: tuple[int, int, int, int]
    series: list[ChartSeries]
    anchor: tuple[int, int]
    min_value: int = 1  # the radar's axis runs from the first level to the top one
    max_value: int
    size: tuple[int, int] = (640, 420)  # pixels
    font_size: float = 10  # labels, legend and axis: printed at >= 8 pt after any scaling


# Conditional-format highlights, by CondFormat.style
HIGHLIGHTS: dict[str, Style] = {
    "over": Style(bg="#F8CBAD", color="#833C0B"),
    "under": Style(bg="#BDD7EE", color="#1F4E79"),
}


# Printing: no text under 8 pt on paper. Sheets are drawn in 10-pt text, so a sheet may be
# scaled down to fit the paper's width only as far as MIN_PRINT_SCALE; what is still wider
# goes on further pages, under the repeated title columns.
MIN_PRINT_SCALE = 85


@dataclass(slots=True, kw_only=True)
class PrintSetup:
    landscape: bool = True
    fit_width: bool = True  # scale down (not below MIN_PRINT_SCALE) to fit the paper's width
    repeat_rows: tuple[int, int] | None = None
    repeat_cols: tuple[int, int] | None = None  # print titles: repeated on every page
    row_breaks: list[int] = field(default_factory=list)  # page breaks above these rows
    area: tuple[int, int, int, int] | None = None  # r1, c1, r2, c2 printed (None: the cells)


SheetRole = Literal["guide", "matrix", "rater", "summary", "meta"]


@dataclass(slots=True, kw_only=True)
class SheetPlan:
    name: str
    role: SheetRole
    rater_tab: str | None = None
    cells: list[Cell] = field(default_factory=list)
    col_widths: dict[int, float] = field(default_factory=dict)
    # points per row, set where wrapped text needs more than one line: neither xlsxwriter nor
    # the Sheets API sizes rows to wrapped text
    row_heights: dict[int, float] = field(default_factory=dict)
    hidden_cols: list[int] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    validations: list[Validation] = field(default_factory=list)
    cond_formats: list[CondFormat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    protected: bool = True
    visibility: Literal["visible", "hidden", "very_hidden"] = "visible"
    tab_color: str | None = None
    print_setup: PrintSetup | None = None

    def add(self, row: int, col: int, kind: CellKind, value: str | float | None = None,
            style: str = "text", formula: str | None = None,
            input_of: tuple[str, str] | None = None) -> Cell:
        cell = Cell(row=row, col=col, kind=kind, value=value, style=style, formula=formula,
                    input_of=input_of)
        self.cells.append(cell)
        return cell

    def text(self, row: int, col: int, value: str, style: str = "text") -> Cell:
        return self.add(row, col, "text", value, style)

    def width_at(self, row: int, col: int) -> float:
        """Width available to a cell's text: its column, or the columns its merge spans."""
        for r1, c1, r2, c2 in self.merges:
            if r1 <= row <= r2 and c1 == col:
                return sum(self.col_widths.get(c, DEFAULT_WIDTH) for c in range(c1, c2 + 1))
        return self.col_widths.get(col, DEFAULT_WIDTH)

    def fit_row(self, row: int, col: int, texts: Iterable[str]) -> None:
        """Make ``row`` tall enough for the longest of ``texts`` wrapped in the cell at ``col``."""
        lines = _max_lines(tuple(texts), self.width_at(row, col))
        if lines > 1:
            self.row_heights[row] = max(self.row_heights.get(row, 0.0), lines_height(lines))

    def fit_wrapped_text(self) -> None:
        """Size rows to the wrapped text they hold. Formula cells are left to their builder,
        which knows every text the formula can show."""
        hidden = set(self.hidden_cols)
        for c in self.cells:
            if c.kind != "formula" and isinstance(c.value, str) and c.value \
                    and STYLES[c.style].wrap and c.col not in hidden:
                self.fit_row(c.row, c.col, [c.value])


@dataclass(slots=True, kw_only=True)
class WorkbookPlan:
    """A workbook's layout, with the scores its stored formula results show.

    Each plan owns its sheets: the Matrix sheet, built once per ladder, is copied into it."""

    ladder: Ladder
    context: Context
    sheets: list[SheetPlan]
    inputs: list[RaterInput] = field(default_factory=list)  # the ratings planned, per rater
    score: Score | None = None  # what the scoring rule gives for ``inputs``

    def sheet(self, name: str) -> SheetPlan:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    def rater_sheets(self) -> list[SheetPlan]:
        return [s for s in self.sheets if s.role == "rater"]


# -- building the plan --------------------------------------------------------------------------


def rating_messages(ladder: Ladder, category: Category) -> tuple[str, str, str, str]:
    """(input title, input message, error title, error message) of a category's rating
    dropdown: the one place their text is written (the .xlsx and Google draw them as given).
    Excel caps titles at 32 characters and messages at 255."""
    codes = ladder.codes
    prompt = f"Pick the level that fits best: {codes[0]}–{codes[-1]} — see the Matrix."
    if category.purpose:
        room = 255 - len(prompt) - 2
        why = " ".join(str(category.purpose).split())
        prompt += "\n" + (why if len(why) <= room else why[:room - 1].rstrip() + "…")
    typed = " Typed in, only a level code is read (any case, spaces around it ignored)."
    error = f"Not a level of this ladder. Pick one of {', '.join(codes)} from the list." + typed
    if len(error) > 255:
        error = f"Not a level of this ladder. Pick {codes[0]}–{codes[-1]} from the list." + typed
    return (cut_utf16(category.name, 32), prompt, "Not a level", error)


TITLE_HEIGHT = 24.0  # points: a 16-pt title's row, so it never runs into the subtitle below

# Rater tab layout (0-based rows/cols)
R_HEADER = 3
R_FIRST = 4
C_GROUP, C_CATEGORY, C_WEIGHT, C_RATING, C_DESCRIPTOR, C_POINTS, C_COMMENT, C_LEVELNO = range(8)

# Matrix layout
M_CODES = 2
M_NAMES = 3
M_FIRST = 4
M_CAT, M_WEIGHT, M_PURPOSE, M_DESC0 = 0, 1, 2, 3

# Summary layout
S_HEADER = 2
S_FIRST = 3


def matrix_rows(ladder: Ladder) -> dict[str, int]:
    """Row of each category on the Matrix sheet (group header rows in between)."""
    rows: dict[str, int] = {}
    r = M_FIRST
    for g in ladder.groups:
        r += 1  # group header row
        for c in g.categories:
            rows[c.id] = r
            r += 1
    return rows


def rater_footer(ladder: Ladder) -> dict[str, int]:
    """Rows of a rater tab's footer lines."""
    last = R_FIRST + len(ladder.categories) - 1
    return {"rated": last + 2, "total": last + 3, "level": last + 4, "progress": last + 5}


def summary_columns(ctx: Context, ladder: Ladder) -> dict[str, int]:
    cols: dict[str, int] = {"category": 0, "weight": 1}
    c = 2
    for slot in ctx.raters:
        cols["rater:" + slot.tab] = c
        c += 1
    for role in ladder.raters:
        cols["role:" + role.id] = c
        c += 1
    for key in ("consensus_level", "consensus_points", "gap", "next"):
        cols[key] = c
        c += 1
    cols["index"] = c  # hidden helper: the level index
    return cols


def summary_footer(ladder: Ladder) -> dict[str, int]:
    last = S_FIRST + len(ladder.categories) - 1
    return {"complete": last + 2, "total": last + 3, "level": last + 4, "progress": last + 5}


def _blank(v: float | str | None) -> float | str:
    return "" if v is None else v


def _descriptor_texts(ladder: Ladder, c: Category) -> tuple[str, ...]:
    """Every descriptor text of a category, in level order (what a formula cell can show)."""
    return tuple(c.descriptor(code).text for code in ladder.codes)


def _descriptor_ranges(ladder: Ladder) -> dict[str, str]:
    """The Matrix range of each category's descriptors, by category id."""
    n = len(ladder.levels)
    return {cid: rng(MATRIX_SHEET, r, M_DESC0, r, M_DESC0 + n - 1)
            for cid, r in matrix_rows(ladder).items()}


def _guide(ladder: Ladder, ctx: Context, sizes: bool = True) -> SheetPlan:
    s = SheetPlan(name=GUIDE_SHEET, role="guide", tab_color="#1F3864")
    s.col_widths = {0: 22, 1: 26, 2: 56, 3: 12, 4: 12}
    s.text(0, 0, ladder.name, "title")
    if sizes:
        s.row_heights[0] = TITLE_HEIGHT
    s.text(1, 0, ladder.description or "", "note")
    s.merges.append((1, 0, 1, 4))
    r = GUIDE_PERSON_CELL[0]
    facts: dict[str, str] = {
        "Person": ctx.person,
        "Period": ctx.period or "",
        "Ladder": f"{ladder.id} version {ladder.version}",
        "Raters": ", ".join(
            f"{slot.tab} ({slot.role})" for slot in ctx.raters
            if ctx.split_tab is None or slot.tab == ctx.split_tab
        ),
    }
    rows = [(label, facts[label]) for label in GUIDE_FACTS]
    for label, value in rows:
        s.text(r, 0, label, "label")
        if ctx.template and (r, 1) == GUIDE_PERSON_CELL:
            s.add(r, 1, "input", None, "input_comment")
            s.text(r, 2, "← type the name of the person assessed (your own, for a self-assessment)",
                   "note")
        else:
            s.text(r, 1, value, "text")
        r += 1
    r += 1
    s.text(r, 0, "How to fill it in", "label")
    r += 1
    steps = [
        "1. Open your own tab (named after you or your role). Only the yellow cells can be edited.",
        "2. For each category, pick the level that describes the person today from the dropdown. "
        "The Matrix tab shows what every level looks like.",
        "3. Add evidence or a comment beside each rating: an example, a deal, a situation.",
        "4. Leave a category blank rather than guess: blanks are left out of averages, and a "
        "level is only computed once every category is rated.",
        "5. Save and send the file back (or just close the Google Sheet). The Summary tab "
        "combines all raters." if ctx.split_tab is None else
        "5. Save and send the file back: this copy holds your tab only, and your ratings are "
        "combined with the other raters' copies when the files are read.",
    ]
    for step in steps:
        s.text(r, 0, step, "wrap")
        s.merges.append((r, 0, r, 4))
        r += 1
    r += 1
    s.text(r, 0, "Scoring", "label")
    r += 1
    s.text(r, 0, (
        "A rating at a level scores the level's points times the category's weight. Raters of "
        "one role are averaged first, then roles are combined by their weights "
        + ", ".join(f"{role.name} {role.weight:g}" for role in ladder.raters)
        + f". A level is reached when the total reaches its threshold (sum of weights "
        f"{ladder.total_weight:g})."
    ), "wrap")
    s.merges.append((r, 0, r, 4))
    r += 2
    s.text(r, 0, "Level", "header")
    s.text(r, 1, "Name", "header")
    s.text(r, 2, "What it looks like", "header")
    s.text(r, 3, "Points per weight", "header")
    s.text(r, 4, "Total needed", "header")
    r += 1
    for lv, pts, thr in zip(ladder.levels, ladder.level_points(), ladder.level_thresholds(), strict=True):
        s.text(r, 0, lv.code, "calc_code")
        s.text(r, 1, lv.name, "cell")
        looks = lv.summary or ""
        if lv.titles:
            looks = (looks + "\n" if looks else "") + "Titles: " + ", ".join(lv.titles)
        s.text(r, 2, looks, "cell")
        s.add(r, 3, "number", pts, "number")
        s.add(r, 4, "number", thr, "number")
        r += 1
    if ladder.scoring.gates:
        r += 1
        s.text(r, 0, "Gates", "label")
        r += 1
        for g in ladder.scoring.gates:
            s.text(r, 0, f"{g.level} also needs {ladder.category(g.category).name} at "
                         f"{g.min_level} or above.", "wrap")
            s.merges.append((r, 0, r, 4))
            r += 1
    drafted = [
        (c.name, [code for code in ladder.codes if c.descriptor(code).drafted])
        for c in ladder.categories
    ]
    drafted = [(n, codes) for n, codes in drafted if codes]
    if drafted:
        r += 1
        s.text(r, 0, "Drafted descriptors", "label")
        s.text(r, 1, "Written by the ladder's authors, not taken from the source; shown in "
                     "italics on the Matrix.", "note")
        s.merges.append((r, 1, r, 4))
        r += 1
        for name, codes in drafted:
            s.text(r, 0, name, "wrap")
            s.text(r, 1, ", ".join(codes), "text")
            r += 1
    if ladder.promotion_criteria:
        r += 1
        s.text(r, 0, "Promotion criteria", "label")
        r += 1
        for crit in ladder.promotion_criteria:
            s.text(r, 0, "• " + crit, "wrap")
            s.merges.append((r, 0, r, 4))
            r += 1
    s.print_setup = PrintSetup()
    if sizes:
        s.fit_wrapped_text()
    return s


class _Same:
    """A ladder as a cache key by identity (ladders are frozen; equal content is not needed)."""

    __slots__ = ("ladder",)

    def __init__(self, ladder: Ladder):
        self.ladder = ladder

    def __hash__(self) -> int:
        return id(self.ladder)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.ladder is self.ladder


@functools.lru_cache(maxsize=32)
def _shared_matrix(key: _Same) -> SheetPlan:
    return _build_matrix(key.ladder)


def _matrix(ladder: Ladder) -> SheetPlan:
    """The Matrix sheet depends on the ladder alone: built once per ladder object, and each
    plan gets its own copy of the containers (cells are frozen), so changing one plan never
    changes another."""
    shared = _shared_matrix(_Same(ladder))
    return dataclasses.replace(
        shared, cells=list(shared.cells), col_widths=dict(shared.col_widths),
        row_heights=dict(shared.row_heights), hidden_cols=list(shared.hidden_cols),
        merges=list(shared.merges), validations=list(shared.validations),
        cond_formats=list(shared.cond_formats), charts=list(shared.charts))


def _build_matrix(ladder: Ladder) -> SheetPlan:
    n = len(ladder.levels)
    s = SheetPlan(name=MATRIX_SHEET, role="matrix", tab_color="#2F5496")
    s.col_widths = {M_CAT: 20, M_WEIGHT: 6, M_PURPOSE: 28}
    for i in range(n):
        s.col_widths[M_DESC0 + i] = 30
    s.text(0, 0, f"{ladder.name}: descriptor matrix", "title")
    s.row_heights[0] = TITLE_HEIGHT
    s.text(M_CODES, M_CAT, "Category", "header")
    s.text(M_CODES, M_WEIGHT, "Weight", "header")
    s.text(M_CODES, M_PURPOSE, "Purpose", "header")
    s.text(M_NAMES, M_CAT, "", "header_sub")
    s.text(M_NAMES, M_WEIGHT, "", "header_sub")
    s.text(M_NAMES, M_PURPOSE, "", "header_sub")  # the level names row: nothing else on it
    for i, lv in enumerate(ladder.levels):
        s.text(M_CODES, M_DESC0 + i, lv.code, "header")
        s.text(M_NAMES, M_DESC0 + i, lv.name, "header_sub")
    rows = matrix_rows(ladder)
    for g in ladder.groups:
        gr = rows[g.categories[0].id] - 1
        s.text(gr, M_CAT, g.name, "group")
        s.merges.append((gr, M_CAT, gr, M_DESC0 + n - 1))
        for c in g.categories:
            r = rows[c.id]
            s.text(r, M_CAT, c.name, "group")
            s.add(r, M_WEIGHT, "number", c.weight, "number")
            s.text(r, M_PURPOSE, c.purpose or "", "cell")
            for i, code in enumerate(ladder.codes):
                d = c.descriptor(code)
                s.text(r, M_DESC0 + i, d.text, "cell_drafted" if d.drafted else "cell")
    s.freeze = (M_FIRST, M_PURPOSE)
    # split by level columns across pages, never shrunk: the categories repeat on every page
    s.print_setup = PrintSetup(fit_width=False, repeat_rows=(M_CODES, M_NAMES),
                               repeat_cols=(M_CAT, M_WEIGHT))
    s.fit_wrapped_text()
    return s


Position = tuple[int, int]


def rater_values(ladder: Ladder, rater_score: scoring.RaterScore | None,
                 levels: Mapping[str, int | None]) -> dict[Position, float | str]:
    """The stored result of every formula cell of a rater tab, by (row, col): what its
    formulas show for ``levels``. The one place these values are written: the plan of a
    workbook holds them, and the reader compares a file's stored results with them."""
    out: dict[Position, float | str] = {}
    codes = ladder.codes
    for i, c in enumerate(ladder.categories):
        r = R_FIRST + i
        lv = levels.get(c.id)
        out[r, C_DESCRIPTOR] = c.descriptor(codes[lv - 1]).text if lv else ""
        out[r, C_POINTS] = scoring.points_for(ladder, c.id, lv) if lv else ""
        out[r, C_LEVELNO] = lv if lv else ""
    f = rater_footer(ladder)
    rs = rater_score
    out[f["rated"], C_RATING] = rs.rated if rs else 0
    out[f["total"], C_RATING] = _blank(rs.total_points if rs else None)
    out[f["level"], C_LEVELNO] = _blank(rs.level_index if rs else None)
    out[f["level"], C_RATING] = _blank(rs.level if rs else None)
    out[f["progress"], C_RATING] = _blank(rs.progress_to_next if rs else None)
    return out


def _rater(ladder: Ladder, ctx: Context, slot: RaterSlot, rater_score: scoring.RaterScore | None,
           levels: Mapping[str, int | None], comments: Mapping[str, str],
           sizes: bool = True) -> SheetPlan:
    cats = ladder.categories
    s = SheetPlan(name=slot.tab, role="rater", rater_tab=slot.tab, tab_color="#BF8F00")
    s.col_widths = {C_GROUP: 12, C_CATEGORY: 20, C_WEIGHT: 6, C_RATING: 8, C_DESCRIPTOR: 48,
                    C_POINTS: 6, C_COMMENT: 34, C_LEVELNO: 6}
    s.hidden_cols = [C_LEVELNO]
    role_name = {r.id: r.name for r in ladder.raters}[slot.role]
    who = f" by {slot.name}" if slot.name else ""
    s.text(0, 0, f"{role_name} rating{who}", "title")
    if sizes:
        s.row_heights[0] = TITLE_HEIGHT
    who = "the person named on the Guide" if ctx.template else ctx.person
    s.text(1, 0, f"Assessment of {who}" + (f", {ctx.period}" if ctx.period else ""), "subtitle")
    headers = ["Group", "Category", "Weight", "Rating", "What the chosen level looks like",
               "Points", "Evidence / comments", "Level #"]
    for i, h in enumerate(headers):
        s.text(R_HEADER, i, h, "header")
    desc_of = _descriptor_ranges(ladder)
    group_of = {c.id: g.name for g in ladder.groups for c in g.categories}
    vals = rater_values(ladder, rater_score, levels)
    for i, c in enumerate(cats):
        r = R_FIRST + i
        lv = levels.get(c.id)
        s.text(r, C_GROUP, group_of[c.id], "cell")
        s.text(r, C_CATEGORY, c.name, "cell")
        s.add(r, C_WEIGHT, "number", c.weight, "number")
        s.add(r, C_RATING, "input", ladder.codes[lv - 1] if lv else None, "input_rating",
              input_of=(c.id, "rating"))
        s.add(r, C_DESCRIPTOR, "formula", vals[r, C_DESCRIPTOR],
              "calc_text", formula=scoring.f_descriptor(a1(r, C_LEVELNO), desc_of[c.id]))
        s.add(r, C_POINTS, "formula", vals[r, C_POINTS], "calc_num",
              formula=scoring.f_points(ladder, a1(r, C_LEVELNO), c.weight))
        s.add(r, C_COMMENT, "input", comments.get(c.id), "input_comment",
              input_of=(c.id, "comment"))
        s.add(r, C_LEVELNO, "formula", vals[r, C_LEVELNO], "hidden_calc",
              formula=scoring.f_level_number(a1(r, C_RATING), ladder.codes))
        if sizes:
            s.fit_row(r, C_DESCRIPTOR, _descriptor_texts(ladder, c))
    last = R_FIRST + len(cats) - 1
    f = rater_footer(ladder)
    levelnos = rng(None, R_FIRST, C_LEVELNO, last, C_LEVELNO, absolute=False)
    points = rng(None, R_FIRST, C_POINTS, last, C_POINTS, absolute=False)
    s.text(f["rated"], C_CATEGORY, "Rated", "total_label")
    s.add(f["rated"], C_RATING, "formula", vals[f["rated"], C_RATING], "total_value",
          formula=scoring.f_count(levelnos))
    s.text(f["rated"], C_DESCRIPTOR, f"of {len(cats)} categories", "text")
    s.text(f["total"], C_CATEGORY, "Total points", "total_label")
    s.add(f["total"], C_RATING, "formula", vals[f["total"], C_RATING], "total_value",
          formula=scoring.f_total(points))
    s.text(f["level"], C_CATEGORY, "Level reached", "total_label")
    level_refs = {c.id: a1(R_FIRST + i, C_LEVELNO) for i, c in enumerate(cats)}
    idx_ref = a1(f["level"], C_LEVELNO)
    s.add(f["level"], C_LEVELNO, "formula", vals[f["level"], C_LEVELNO], "hidden_calc",
          formula=scoring.f_level_index(
              ladder, a1(f["total"], C_RATING),
              scoring.f_complete(a1(f["rated"], C_RATING), len(cats)), level_refs))
    s.add(f["level"], C_RATING, "formula", vals[f["level"], C_RATING], "total_value",
          formula=scoring.f_level_code(ladder, idx_ref))
    s.text(f["progress"], C_CATEGORY, "Progress to next level", "total_label")
    s.add(f["progress"], C_RATING, "formula", vals[f["progress"], C_RATING],
          "total_pct", formula=scoring.f_progress(ladder, a1(f["total"], C_RATING), idx_ref))
    for i, c in enumerate(cats):  # one dropdown per category: its input message names why
        title, prompt, error_title, error = rating_messages(ladder, c)
        s.validations.append(Validation(
            first_row=R_FIRST + i, first_col=C_RATING, last_row=R_FIRST + i, last_col=C_RATING,
            values=list(ladder.codes), input_title=title, input_message=prompt,
            error_title=error_title, error_message=error,
        ))
    s.freeze = (R_FIRST, C_RATING)
    s.print_setup = PrintSetup(repeat_rows=(R_HEADER, R_HEADER), repeat_cols=(C_GROUP, C_CATEGORY))
    if sizes:
        s.fit_wrapped_text()
    return s


def summary_values(ladder: Ladder, ctx: Context, sc: Score) -> dict[Position, float | str]:
    """The stored result of every formula cell of the Summary, by (row, col), for the score
    ``sc`` (see :func:`rater_values`)."""
    cols = summary_columns(ctx, ladder)
    out: dict[Position, float | str] = {}
    for i, c in enumerate(ladder.categories):
        r = S_FIRST + i
        cs = sc.categories[i]
        for slot in ctx.raters:
            out[r, cols["rater:" + slot.tab]] = cs.ratings.get(slot.tab) or ""
        for role in ladder.raters:
            out[r, cols["role:" + role.id]] = _blank(cs.role_means.get(role.id))
        out[r, cols["consensus_level"]] = _blank(cs.consensus_level)
        out[r, cols["consensus_points"]] = _blank(cs.consensus_points)
        out[r, cols["gap"]] = _blank(cs.self_gap)
        nxt = cs.next_level
        out[r, cols["next"]] = (c.descriptor(nxt).text if nxt else scoring.TOP_LEVEL_TEXT) \
            if cs.consensus_level is not None else ""
    f = summary_footer(ladder)
    vcol = cols["consensus_points"]
    out[f["complete"], vcol] = sum(1 for cs in sc.categories if cs.consensus_level is not None)
    out[f["total"], vcol] = _blank(sc.total_points)
    out[f["level"], cols["index"]] = _blank(sc.level_index)
    out[f["level"], vcol] = _blank(sc.level)
    out[f["progress"], vcol] = _blank(sc.progress_to_next)
    return out


def _summary(ladder: Ladder, ctx: Context, sc: Score, sizes: bool = True) -> SheetPlan:
    cats = ladder.categories
    cols = summary_columns(ctx, ladder)
    s = SheetPlan(name=SUMMARY_SHEET, role="summary", tab_color="#548235")
    s.hidden_cols = [cols["index"]]
    who = "the person named on the Guide" if ctx.template else ctx.person
    s.text(0, 0, f"Summary: {who}" + (f", {ctx.period}" if ctx.period else ""), "title")
    if sizes:
        s.row_heights[0] = TITLE_HEIGHT
    s.col_widths = {0: 20, 1: 6}
    s.text(S_HEADER, 0, "Category", "header")
    s.text(S_HEADER, 1, "Weight", "header")
    role_name = {r.id: r.name for r in ladder.raters}
    for slot in ctx.raters:
        s.text(S_HEADER, cols["rater:" + slot.tab], rater_heading(slot, role_name[slot.role]),
               "header")
        s.col_widths[cols["rater:" + slot.tab]] = 8
    for role in ladder.raters:
        s.text(S_HEADER, cols["role:" + role.id], f"{role.name} (mean)", "header")
        s.col_widths[cols["role:" + role.id]] = 8
    s.text(S_HEADER, cols["consensus_level"], "Consensus level", "header")
    s.text(S_HEADER, cols["consensus_points"], "Consensus points", "header")
    s.text(S_HEADER, cols["gap"], "Self vs others", "header")
    s.text(S_HEADER, cols["next"], "Growth plan: the next level looks like", "header")
    s.col_widths.update({cols["consensus_level"]: 8, cols["consensus_points"]: 8,
                         cols["gap"]: 7, cols["next"]: 36})
    role_weight = {r.id: r.weight for r in ladder.raters}
    desc_of = _descriptor_ranges(ladder)
    vals = summary_values(ladder, ctx, sc)
    for i, c in enumerate(cats):
        r = S_FIRST + i
        tab_r = R_FIRST + i
        s.text(r, 0, c.name, "cell")
        s.add(r, 1, "number", c.weight, "number")
        level_refs: dict[str, list[str]] = {role.id: [] for role in ladder.raters}
        point_refs: dict[str, list[str]] = {role.id: [] for role in ladder.raters}
        for slot in ctx.raters:
            level_refs[slot.role].append(ref(slot.tab, tab_r, C_LEVELNO))
            point_refs[slot.role].append(ref(slot.tab, tab_r, C_POINTS))
            s.add(r, cols["rater:" + slot.tab], "formula", vals[r, cols["rater:" + slot.tab]],
                  "calc_code",
                  formula=scoring.f_level_code(ladder, ref(slot.tab, tab_r, C_LEVELNO)))
        for role in ladder.raters:
            s.add(r, cols["role:" + role.id], "formula", vals[r, cols["role:" + role.id]],
                  "calc_dec", formula=scoring.f_mean(level_refs[role.id]))
        s.add(r, cols["consensus_level"], "formula", vals[r, cols["consensus_level"]], "calc_dec",
              formula=scoring.f_weighted_mean(
                  [(level_refs[role.id], role_weight[role.id]) for role in ladder.raters]))
        s.add(r, cols["consensus_points"], "formula", vals[r, cols["consensus_points"]],
              "calc_dec",
              formula=scoring.f_weighted_mean(
                  [(point_refs[role.id], role_weight[role.id]) for role in ladder.raters]))
        s.add(r, cols["gap"], "formula", vals[r, cols["gap"]], "calc_dec",
              formula=scoring.f_gap(
                  level_refs.get("self", []),
                  [(level_refs[role.id], role_weight[role.id]) for role in ladder.raters
                   if role.id != "self"]))
        s.add(r, cols["next"], "formula", vals[r, cols["next"]], "calc_text",
              formula=scoring.f_next_descriptor(ladder, a1(r, cols["consensus_level"]),
                                                desc_of[c.id]))
        if sizes:
            s.fit_row(r, cols["next"], _descriptor_texts(ladder, c)[1:] + (scoring.TOP_LEVEL_TEXT,))
    last = S_FIRST + len(cats) - 1
    gap_col = cols["gap"]
    top = a1(S_FIRST, gap_col)
    s.cond_formats.append(CondFormat(first_row=S_FIRST, first_col=gap_col, last_row=last,
                                     last_col=gap_col, formula=scoring.f_gap_flag(top, over=True),
                                     style="over"))
    s.cond_formats.append(CondFormat(first_row=S_FIRST, first_col=gap_col, last_row=last,
                                     last_col=gap_col, formula=scoring.f_gap_flag(top, over=False),
                                     style="under"))
    f = summary_footer(ladder)
    cl = rng(None, S_FIRST, cols["consensus_level"], last, cols["consensus_level"], absolute=False)
    cp = rng(None, S_FIRST, cols["consensus_points"], last, cols["consensus_points"], absolute=False)
    vcol = cols["consensus_points"]
    s.text(f["complete"], 0, "Categories with a rating", "total_label")
    s.add(f["complete"], vcol, "formula", vals[f["complete"], vcol], "total_value",
          formula=scoring.f_count(cl))
    s.text(f["total"], 0, "Total points", "total_label")
    s.add(f["total"], vcol, "formula", vals[f["total"], vcol], "total_value",
          formula=scoring.f_total(cp))
    s.text(f["level"], 0, "Level reached", "total_label")
    idx_ref = a1(f["level"], cols["index"])
    level_refs_c = {c.id: a1(S_FIRST + i, cols["consensus_level"]) for i, c in enumerate(cats)}
    s.add(f["level"], cols["index"], "formula", vals[f["level"], cols["index"]], "hidden_calc",
          formula=scoring.f_level_index(
              ladder, a1(f["total"], vcol),
              scoring.f_complete(a1(f["complete"], vcol), len(cats)), level_refs_c))
    s.add(f["level"], vcol, "formula", vals[f["level"], vcol], "total_value",
          formula=scoring.f_level_code(ladder, idx_ref))
    s.text(f["progress"], 0, "Progress to next level", "total_label")
    s.add(f["progress"], vcol, "formula", vals[f["progress"], vcol], "total_pct",
          formula=scoring.f_progress(ladder, a1(f["total"], vcol), idx_ref))
    header = {c.col: str(c.value) for c in s.cells if c.row == S_HEADER}
    chart_cols = [cols["role:" + role.id] for role in ladder.raters] + [cols["consensus_level"]]
    series = [ChartSeries(name=header[col], name_cell=(S_HEADER, col),
                          values=(S_FIRST, col, last, col)) for col in chart_cols]
    title = next(c for c in s.cells if (c.row, c.col) == (0, 0))
    chart = Chart(title=str(title.value), title_cell=(0, 0), categories=(S_FIRST, 0, last, 0),
                  series=series, anchor=(f["progress"] + 2, 0), max_value=len(ladder.levels))
    s.charts.append(chart)
    s.freeze = (S_FIRST, 1)
    # the chart is printed with the table: inside the print area, in rows of default height
    chart_last = chart.anchor[0] + math.ceil(chart.size[1] / DEFAULT_ROW_PX) + 1
    s.print_setup = PrintSetup(repeat_rows=(S_HEADER, S_HEADER), repeat_cols=(0, 0),
                               area=(0, 0, chart_last, cols["next"]))
    if sizes:
        s.fit_wrapped_text()
    return s


def rater_heading(slot: RaterSlot, role_name: str) -> str:
    """A rater's Summary column heading: their tab, and their role when the tab is a name."""
    return f"{slot.tab} ({role_name})" if slot.name else slot.tab


DEFAULT_ROW_PX = 20  # a row of default height (15 pt) in pixels


def context_payload(ctx: Context) -> dict[str, object]:
    """The context as the hidden sheet holds it. Fields added since the first workbooks (team,
    managers, template) are left out when unset, so a workbook without them is exactly what
    sheetladder wrote before they existed."""
    data = ctx.model_dump(mode="json")
    for key in ("team", "managers", "template"):
        if not data.get(key):
            data.pop(key, None)
    return data


def meta_payload(ladder: Ladder, ctx: Context) -> dict[str, str]:
    """The key/value pairs of the hidden sheet; the hash covers everything else."""
    ladder_json = ladder.canonical_json()
    ctx_json = json.dumps(context_payload(ctx), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
    digest = hashlib.sha256(
        f"{FORMAT_VERSION}\n{PLAN_VERSION}\n{ladder_json}\n{ctx_json}".encode()
    ).hexdigest()
    return {
        "generator": "sheetladder",
        "format_version": str(FORMAT_VERSION),
        "plan_version": str(PLAN_VERSION),
        "ladder_hash": ladder.content_hash(),
        "ladder": ladder_json,
        "context": ctx_json,
        "hash": digest,
    }


def _meta(ladder: Ladder, ctx: Context) -> SheetPlan:
    s = SheetPlan(name=META_SHEET, role="meta", visibility="very_hidden")
    r = 0
    for key, value in meta_payload(ladder, ctx).items():
        chunks = [value[i:i + META_CHUNK] for i in range(0, len(value), META_CHUNK)] or [""]
        for j, chunk in enumerate(chunks):
            s.text(r, 0, key if j == 0 else f"{key}+", "meta")
            s.text(r, 1, chunk, "meta")
            r += 1
    return s


_SOMEONE = "\ufffeperson\ufffe"  # placeholders no ladder or context can hold (U+FFFE is refused)
_RATER = "\ufffe" + "rater\ufffe"


class RaterTabs:
    """Rater tabs of no ratings, planned once per (ladder, role, named or not, template, period)
    for as long as this object lives (one batch of files read: ``verify.VerifyMemo``), with
    placeholders for the person's and the rater's names; each plan gets a copy naming its own.
    Holds at most ``size`` tabs, the least recently used going first."""

    def __init__(self, size: int = 32):
        self.size = size
        self._tabs: dict[tuple[str, str, bool, bool, str | None], tuple[SheetPlan, list[int]]] = {}

    def tab(self, ladder: Ladder, ctx: Context, slot: RaterSlot,
            rs: scoring.RaterScore | None) -> SheetPlan:
        key = (ladder.content_hash(), slot.role, slot.name is not None, ctx.template, ctx.period)
        got = self._tabs.pop(key, None)
        if got is None:
            if len(self._tabs) >= self.size:
                del self._tabs[next(iter(self._tabs))]
            anyone = ctx.model_copy(update={"person": _SOMEONE})
            someone = slot.model_copy(update={"name": _RATER if slot.name is not None else None})
            sp = _rater(ladder, anyone, someone, rs, {}, {}, sizes=False)
            got = (sp, [j for j, c in enumerate(sp.cells) if isinstance(c.value, str)
                        and (_SOMEONE in c.value or _RATER in c.value)])
        self._tabs[key] = got
        sp, personal = got
        cells = list(sp.cells)
        for j in personal:
            c = cells[j]
            assert isinstance(c.value, str)
            cells[j] = dataclasses.replace(c, value=c.value.replace(_SOMEONE, ctx.person).replace(
                _RATER, slot.name or ""))
        return dataclasses.replace(
            sp, name=slot.tab, rater_tab=slot.tab, cells=cells, col_widths=dict(sp.col_widths),
            row_heights=dict(sp.row_heights), hidden_cols=list(sp.hidden_cols),
            merges=list(sp.merges), validations=list(sp.validations),
            cond_formats=list(sp.cond_formats), charts=list(sp.charts))


def build_plan(
    ladder: Ladder,
    ctx: Context,
    ratings: Mapping[str, Mapping[str, int | None]] | None = None,
    comments: Mapping[str, Mapping[str, str]] | None = None,
    sizes: bool = True,
    rater_tabs: RaterTabs | None = None,
) -> WorkbookPlan:
    """The full layout for one assessment; ``ratings`` (tab -> category -> level index) pre-fill
    the rater tabs, and every stored formula result is what the scoring rule gives for them.

    ``sizes=False`` leaves out the row heights fitted to wrapped text: the reader compares
    cells, not how tall rows are, and fitting is a sixth of the cost of planning.
    ``rater_tabs`` (a batch's) gives the rater tabs of no ratings without planning them again
    (only with ``sizes=False``)."""
    ratings = ratings or {}
    comments = comments or {}
    inputs = [
        RaterInput(role=slot.role, name=slot.name, tab=slot.tab,
                   levels=dict(ratings.get(slot.tab, {})),
                   comments=dict(comments.get(slot.tab, {})))
        for slot in ctx.raters
    ]
    sc = scoring.score(ladder, inputs)
    sheets = [_guide(ladder, ctx, sizes), _matrix(ladder)]
    for slot, rs, inp in zip(ctx.raters, sc.raters, inputs, strict=True):
        if ctx.split_tab is not None and slot.tab != ctx.split_tab:
            continue
        if rater_tabs is not None and not sizes and not inp.levels and not inp.comments \
                and not _holds_placeholder(ctx, slot):
            sheets.append(rater_tabs.tab(ladder, ctx, slot, rs))
            continue
        sheets.append(_rater(ladder, ctx, slot, rs, inp.levels, inp.comments, sizes))
    if ctx.split_tab is None:
        sheets.append(_summary(ladder, ctx, sc, sizes))
    sheets.append(_meta(ladder, ctx))
    return WorkbookPlan(ladder=ladder, context=ctx, sheets=sheets, inputs=inputs, score=sc)


def stored_results(ladder: Ladder, ctx: Context, inputs: Sequence[RaterInput], sc: Score
                   ) -> dict[str, dict[Position, float | str]]:
    """Sheet name -> (row, col) -> the stored result of each formula cell of the workbook
    :func:`build_plan` makes for ``inputs`` (one per rater of ``ctx``, in its order) scored
    ``sc``: the same values, without planning the cells again (the reader's use)."""
    out: dict[str, dict[Position, float | str]] = {}
    for slot, rs, inp in zip(ctx.raters, sc.raters, inputs, strict=True):
        if ctx.split_tab is not None and slot.tab != ctx.split_tab:
            continue
        out[slot.tab] = rater_values(ladder, rs, inp.levels)
    if ctx.split_tab is None:
        out[SUMMARY_SHEET] = summary_values(ladder, ctx, sc)
    return out


def _holds_placeholder(ctx: Context, slot: RaterSlot) -> bool:
    """Never true of a validated context (U+FFFE is refused); checked all the same."""
    return any("\ufffe" in (t or "") for t in (ctx.person, ctx.period, slot.name, slot.tab))
