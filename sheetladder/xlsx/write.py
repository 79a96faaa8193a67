"""WorkbookPlan -> .xlsx with xlsxwriter. A translation only: every layout decision is the plan's."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import IO, Any

import xlsxwriter
import xlsxwriter.worksheet
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..a1 import col_letter, quote_sheet
from ..files import write_new
from ..plan import HIGHLIGHTS, STYLES, Chart, Style, WorkbookPlan
from . import _speedups
from .printing import Paper, set_up_printing


def format_props(style: Style) -> dict[str, Any]:
    props: dict[str, Any] = {
        "font_size": style.size,
        "valign": "top" if style.v_align == "top" else "vcenter",
        "locked": style.locked,
    }
    if style.bold:
        props["bold"] = True
    if style.italic:
        props["italic"] = True
    if style.color:
        props["font_color"] = style.color
    if style.bg:
        props["bg_color"] = style.bg
        props["pattern"] = 1
    if style.wrap:
        props["text_wrap"] = True
    if style.h_align:
        props["align"] = style.h_align
    if style.border:
        props["border"] = 1
        props["border_color"] = "#A6A6A6"
    if style.num_format:
        props["num_format"] = style.num_format
    return props


def _add_format(wb: Workbook, kind: str, name: str, style: Style) -> Format:
    """The public way to a Format, the same as :func:`_speedups.new_format` gives."""
    return wb.add_format(format_props(style))


def _public_writers(ws: Worksheet) -> tuple[Any, Any, Any, Any]:
    return ws.write_formula, ws.write_number, ws.write_string, ws.write_blank


class _Path:
    """How a workbook is written: xlsxwriter's public API, or the tested speed-ups."""

    def __init__(self, fast: bool):
        self.fast = fast
        self.worksheet_class: type[Worksheet] = _speedups.FastFormulaSheet if fast else Worksheet
        self.new_format = _speedups.new_format if fast else _add_format
        self.writers = _speedups.writers if fast else _public_writers


class _Formats:
    """xlsxwriter Format objects, made once per workbook per style name, on first use."""

    def __init__(self, wb: Workbook, path: _Path):
        self._wb = wb
        self._new = path.new_format
        self.writers = path.writers
        self.made: dict[str, Format] = {}

    def __getitem__(self, name: str) -> Format:
        fmt = self.made.get(name)
        if fmt is None:
            fmt = self.made[name] = self._new(self._wb, "cell", name, STYLES[name])
        return fmt

    def highlight(self, name: str) -> Format:
        """A new Format per conditional format, as ``add_format`` gave one each."""
        return self._new(self._wb, "highlight", name, HIGHLIGHTS[name])

    @functools.cached_property
    def run(self) -> Format:
        """A format of no properties, for a run of rich text (:func:`write_text`)."""
        fmt: Format = self._wb.add_format()
        return fmt


def write_text(ws: Worksheet, row: int, col: int, text: str, fmt: Format | None,
               run: Format) -> None:
    """``text`` into a cell as text (``write_string``: never a formula). A text that starts with
    ``<r>`` and ends with ``</r>`` is written as two runs of rich text instead (``run``, a
    format of no properties, for the second): xlsxwriter takes such a string for rich-text
    markup of its own and writes it raw, which leaves the cell empty or the file unreadable
    (a rater's comment can be anything)."""
    if text.startswith("<r>") and text.endswith("</r>"):
        ws.write_rich_string(row, col, text[:1], run, text[1:], fmt)
    else:
        ws.write_string(row, col, text, fmt)


def _write_cells(ws: Worksheet, sheet: Any, fmts: _Formats) -> None:
    made = fmts.made
    merged: dict[tuple[int, int], tuple[int, int, int, int]] = {
        (m[0], m[1]): m for m in sheet.merges
    }
    write_formula, write_number, write_string, write_blank = fmts.writers(ws)
    for cell in sheet.cells:
        fmt = made.get(cell.style) or fmts[cell.style]
        row, col, kind, value = cell.row, cell.col, cell.kind, cell.value
        if merged and (row, col) in merged:
            r1, c1, r2, c2 = merged[(row, col)]
            ws.merge_range(r1, c1, r2, c2, "", fmt)
        if kind == "formula":
            write_formula(row, col, "=" + (cell.formula or ""), fmt, "" if value is None else value)
        elif kind == "number":
            write_number(row, col, float(value or 0), fmt)
        elif value is None or value == "":
            write_blank(row, col, None, fmt)
        elif isinstance(value, (int, float)):
            write_number(row, col, float(value), fmt)
        elif str(value).startswith("<r>") and str(value).endswith("</r>"):
            write_text(ws, row, col, str(value), fmt, fmts.run)  # (as text, not as markup)
        else:
            # write_string, never write(): text from users must never turn into a formula
            write_string(row, col, str(value), fmt)


def _write_sheet(wb: Workbook, ws: Worksheet, sheet: Any, fmts: _Formats, password: str | None) -> None:
    hidden_cols = sheet.hidden_cols
    for col, width in sheet.col_widths.items():
        ws.set_column(col, col, width, None, {"hidden": col in hidden_cols})
    for col in hidden_cols:
        if col not in sheet.col_widths:
            ws.set_column(col, col, None, None, {"hidden": True})
    set_row = ws.set_row
    for row, height in sheet.row_heights.items():
        set_row(row, height)
    _write_cells(ws, sheet, fmts)
    for v in sheet.validations:
        ws.data_validation(v.first_row, v.first_col, v.last_row, v.last_col, {
            "validate": "list",
            "source": v.values,
            "input_title": v.input_title[:32],
            "input_message": v.input_message[:255],
            "error_title": v.error_title[:32],
            "error_message": v.error_message[:255],
            "error_type": "stop",
            "ignore_blank": True,
        })
    for cf in sheet.cond_formats:
        ws.conditional_format(cf.first_row, cf.first_col, cf.last_row, cf.last_col, {
            "type": "formula", "criteria": "=" + cf.formula, "format": fmts.highlight(cf.style),
        })
    for chart in sheet.charts:
        _chart(wb, ws, sheet.name, chart)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    if sheet.protected:
        ws.protect(password or "", {
            "select_locked_cells": True, "select_unlocked_cells": True,
            "format_columns": True, "format_rows": True,
        })
    if sheet.visibility == "very_hidden":
        ws.very_hidden()
    elif sheet.visibility == "hidden":
        ws.hide()


def _chart(wb: Workbook, ws: Worksheet, sheet_name: str, chart: Chart) -> None:
    c = wb.add_chart({"type": "radar", "subtype": "with_markers"})
    q = quote_sheet(sheet_name)

    def area(r1: int, c1: int, r2: int, c2: int) -> str:
        return f"={q}!${col_letter(c1)}${r1 + 1}:${col_letter(c2)}${r2 + 1}"

    for s in chart.series:  # names and title by reference: text there is never a formula
        c.add_series({"name": [sheet_name, *s.name_cell], "categories": area(*chart.categories),
                      "values": area(*s.values)})
    font = {"size": chart.font_size}
    c.set_title({"name": [sheet_name, *chart.title_cell], "name_font": {"size": chart.font_size + 2}})
    c.set_y_axis({"min": chart.min_value, "max": chart.max_value, "major_unit": 1, "num_font": font})
    c.set_x_axis({"num_font": font})
    c.set_legend({"position": "bottom", "font": font})
    c.set_size({"width": chart.size[0], "height": chart.size[1]})
    ws.insert_chart(chart.anchor[0], chart.anchor[1], c)


def write_workbook(plan: WorkbookPlan, target: str | Path | IO[bytes], password: str | None = None,
                   *, speedups: bool | None = None, paper: Paper = "a4") -> None:
    """Write the plan as an .xlsx to a path or a binary stream, printing on ``paper``.

    ``speedups`` (default: on for the xlsxwriter versions they were tested with) chooses the
    fast path of :mod:`._speedups`; both write the same bytes."""
    path = _Path(_speedups.ENABLED if speedups is None else speedups and _speedups.ENABLED)
    wb = xlsxwriter.Workbook(target, {
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        "in_memory": True,
    })
    wb.set_properties({"title": plan.ladder.name, "subject": plan.context.person,
                       "comments": "Made by sheetladder"})
    fmts = _Formats(wb, path)
    for sheet in plan.sheets:
        ws = wb.add_worksheet(sheet.name, worksheet_class=path.worksheet_class)
        _write_sheet(wb, ws, sheet, fmts, password)
        set_up_printing(ws, plan, sheet, paper)
    # open on the first rater tab (xlsxwriter un-hides the sheet it activates: visible ones only)
    visible = [i for i, s in enumerate(plan.sheets) if s.visibility == "visible"]
    raters = [i for i in visible if plan.sheets[i].role == "rater"]
    if raters or visible:
        wb.worksheets()[(raters or visible)[0]].activate()
    wb.close()
    if path.fast:
        _speedups.cut_cycle(wb)


def to_bytes(plan: WorkbookPlan, password: str | None = None, *, speedups: bool | None = None,
             paper: Paper = "a4") -> bytes:
    buf = io.BytesIO()
    write_workbook(plan, buf, password, speedups=speedups, paper=paper)
    return buf.getvalue()


def save(plan: WorkbookPlan, path: str | Path, force: bool = False, password: str | None = None,
         paper: Paper = "a4") -> Path:
    """Write the workbook to ``path``; refuse to replace an existing file unless ``force``."""
    return write_new(path, to_bytes(plan, password, paper=paper), force,
                     " (it may hold someone's ratings)")
