"""WorkbookPlan -> .xlsx with xlsxwriter. A translation only: every layout decision is the plan's."""

from __future__ import annotations

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

# the tuple a formula cell is stored as in a worksheet's table (renamed in xlsxwriter 3.2)
_FORMULA_CELL: Any = getattr(xlsxwriter.worksheet, "CellFormulaTuple", None) or getattr(
    xlsxwriter.worksheet, "cell_formula_tuple", None)


class FastFormulaSheet(Worksheet):
    """A worksheet that stores formulas as given.

    xlsxwriter rewrites every formula through some thirty regular expressions that add the
    ``_xlfn.`` prefix to functions newer than Excel 2010, and first searches it for Excel 365's
    dynamic-array functions (FILTER, SORT, LAMBDA ...); that is about 40% of the time spent
    writing a workbook. Every formula here comes from scoring.py, which only uses functions of
    Excel 2010 and earlier (a test checks it, and another that the sheets come out byte for byte
    the same as with the stock Worksheet), so neither can ever change anything.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if formula.startswith("{") and formula.endswith("}"):  # never made here; stock path
            return str(super()._prepare_formula(formula, expand_future_functions))
        return formula[1:] if formula.startswith("=") else formula

    def _write_formula(self, row: int, col: int, formula: str, cell_format: Format | None = None,
                       value: Any = 0) -> Any:
        # the stock method less its dynamic-array search: the same checks, the same cell stored
        if _FORMULA_CELL is None or self.constant_memory or not formula or formula[0] == "{":
            return super()._write_formula(row, col, formula, cell_format, value)
        if self._check_dimensions(row, col):
            return -1
        self.table[row][col] = _FORMULA_CELL(formula[1:] if formula[0] == "=" else formula,
                                             cell_format, value)
        return 0


WORKSHEET_CLASS: type[Worksheet] = FastFormulaSheet


def _format_props(style: Style) -> dict[str, Any]:
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


# Format objects are built once per style per process and copied into each workbook: building
# one (xlsxwriter calls a setter per property on a fresh object of ~70 attributes) cost more than
# writing the sheets' cells of a style. A copy holds the same attribute values as what
# Workbook.add_format returns (tests/test_render.py compares them); only the workbook's own
# index tables are attached to it, and it is registered in the workbook exactly as add_format does.
_TEMPLATES: dict[tuple[str, str], dict[str, Any]] = {}
_TEMPLATE_DEFAULTS: dict[str, Any] | None = None


def _new_format(wb: Workbook, kind: str, name: str, style: Style) -> Format:
    """A Format for ``style`` registered in ``wb``, the same as ``wb.add_format(props)``."""
    global _TEMPLATE_DEFAULTS
    if wb.default_format_properties != _TEMPLATE_DEFAULTS:  # never, with write_workbook's options
        _TEMPLATES.clear()
        _TEMPLATE_DEFAULTS = dict(wb.default_format_properties)
    attrs = _TEMPLATES.get((kind, name))
    if attrs is None:
        props = dict(wb.default_format_properties)
        props.update(_format_props(style))
        attrs = dict(vars(Format(props)))
        _TEMPLATES[(kind, name)] = attrs
    fmt = Format.__new__(Format)
    vars(fmt).update(attrs)
    fmt.xf_format_indices = wb.xf_format_indices
    fmt.dxf_format_indices = wb.dxf_format_indices
    wb.formats.append(fmt)
    return fmt


class _Formats:
    """xlsxwriter Format objects, made once per workbook per style name, on first use."""

    def __init__(self, wb: Workbook):
        self._wb = wb
        self.made: dict[str, Format] = {}

    def __getitem__(self, name: str) -> Format:
        fmt = self.made.get(name)
        if fmt is None:
            fmt = self.made[name] = _new_format(self._wb, "cell", name, STYLES[name])
        return fmt

    def highlight(self, name: str) -> Format:
        """A new Format per conditional format, as ``add_format`` gave one each."""
        return _new_format(self._wb, "highlight", name, HIGHLIGHTS[name])


def _writers(ws: Worksheet) -> tuple[Any, Any, Any, Any]:
    """The undecorated writers behind write_formula() & co., bound to ``ws`` (the public ones
    where a version lacks them): the public ones first try int() on the row to allow "A1"
    notation, ~10% of writing the cells. They take the same arguments."""
    return (getattr(ws, "_write_formula", ws.write_formula), getattr(ws, "_write_number", ws.write_number),
            getattr(ws, "_write_string", ws.write_string), getattr(ws, "_write_blank", ws.write_blank))


def _write_cells(ws: Worksheet, sheet: Any, fmts: _Formats) -> None:
    made = fmts.made
    merged: dict[tuple[int, int], tuple[int, int, int, int]] = {
        (m[0], m[1]): m for m in sheet.merges
    }
    write_formula, write_number, write_string, write_blank = _writers(ws)
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
    if sheet.print_setup:
        ps = sheet.print_setup
        if ps.landscape:
            ws.set_landscape()
        if ps.fit_width:
            ws.fit_to_pages(1, 0)
        if ps.repeat_rows:
            ws.repeat_rows(*ps.repeat_rows)
        if ps.row_breaks:
            ws.set_h_pagebreaks(ps.row_breaks)
        ws.set_paper(9)  # A4
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
    c.set_title({"name": [sheet_name, *chart.title_cell]})
    c.set_y_axis({"min": 0, "max": chart.max_value, "major_unit": 1})
    c.set_size({"width": chart.size[0], "height": chart.size[1]})
    ws.insert_chart(chart.anchor[0], chart.anchor[1], c)


def write_workbook(plan: WorkbookPlan, target: str | Path | IO[bytes], password: str | None = None) -> None:
    """Write the plan as an .xlsx to a path or a binary stream."""
    wb = xlsxwriter.Workbook(target, {
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        "in_memory": True,
    })
    wb.set_properties({"title": plan.ladder.name, "subject": plan.context.person,
                       "comments": "Made by sheetladder"})
    fmts = _Formats(wb)
    for sheet in plan.sheets:
        ws = wb.add_worksheet(sheet.name, worksheet_class=WORKSHEET_CLASS)
        _write_sheet(wb, ws, sheet, fmts, password)
    # open on the first rater tab (xlsxwriter un-hides the sheet it activates: visible ones only)
    visible = [i for i, s in enumerate(plan.sheets) if s.visibility == "visible"]
    raters = [i for i in visible if plan.sheets[i].role == "rater"]
    if raters or visible:
        wb.worksheets()[(raters or visible)[0]].activate()
    wb.close()
    # recent xlsxwriter hands every worksheet the workbook's add_format: a reference cycle
    # that keeps the written workbook (~2,300 objects) alive until the cyclic garbage collector
    # walks it. Cut, reference counting frees it here (see roster._gc_paused).
    for ws in wb.worksheets():
        if getattr(ws, "workbook_add_format", None) is not None:
            ws.workbook_add_format = None


def to_bytes(plan: WorkbookPlan, password: str | None = None) -> bytes:
    buf = io.BytesIO()
    write_workbook(plan, buf, password)
    return buf.getvalue()


def save(plan: WorkbookPlan, path: str | Path, force: bool = False, password: str | None = None) -> Path:
    """Write the workbook to ``path``; refuse to replace an existing file unless ``force``."""
    return write_new(path, to_bytes(plan, password), force,
                     " (it may hold someone's ratings)")
