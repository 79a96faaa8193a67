"""Speed-ups that reach into xlsxwriter's internals, for the versions they were tested with.

Writing a workbook through xlsxwriter's public API spends most of its time in three places this
module short-cuts: the formula rewriting of every ``write_formula`` (some thirty regular
expressions, for functions this project never uses), the ``Format`` built property by property
for every style of every workbook, and the A1-notation check of every public ``write_*`` call.

Each short-cut uses private names (``Worksheet._prepare_formula``, ``_write_formula`` and the
other undecorated writers, the worksheet's cell table, ``Format`` attributes and the
workbook's ``xf_format_indices``), so it is only turned on for the xlsxwriter versions listed in
:data:`TESTED_VERSIONS`: on any other version :mod:`sheetladder.xlsx.write` uses the public API
only. tests/test_render.py checks that both paths write the same bytes, and one test renders
with the newest xlsxwriter pip resolves.
"""

from __future__ import annotations

import functools
from typing import Any

import xlsxwriter
import xlsxwriter.worksheet
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..plan import Style

TESTED_VERSIONS = frozenset({"3.3.1", "3.3.4"})
ENABLED = xlsxwriter.__version__ in TESTED_VERSIONS

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



# Format objects are built once per style per process and copied into each workbook: building
# one (xlsxwriter calls a setter per property on a fresh object of ~70 attributes) cost more than
# writing the sheets' cells of a style. A copy holds the same attribute values as what
# Workbook.add_format returns (tests/test_render.py compares them); only the workbook's own
# index tables are attached to it, and it is registered in the workbook exactly as add_format does.
@functools.lru_cache(maxsize=256)
def _template(kind: str, name: str, style: Style, defaults: tuple[tuple[str, Any], ...]
              ) -> dict[str, Any]:
    """The attributes of the Format ``add_format`` makes for ``style`` (never changed: copied)."""
    from .write import format_props

    props = dict(defaults)
    props.update(format_props(style))
    return dict(vars(Format(props)))


def new_format(wb: Workbook, kind: str, name: str, style: Style) -> Format:
    """A Format for ``style`` registered in ``wb``, the same as ``wb.add_format(props)``."""
    attrs = _template(kind, name, style, tuple(sorted(wb.default_format_properties.items())))
    fmt = Format.__new__(Format)
    vars(fmt).update(attrs)
    fmt.xf_format_indices = wb.xf_format_indices
    fmt.dxf_format_indices = wb.dxf_format_indices
    wb.formats.append(fmt)
    return fmt


def writers(ws: Worksheet) -> tuple[Any, Any, Any, Any]:
    """The undecorated writers behind write_formula() & co., bound to ``ws`` (the public ones
    where a version lacks them): the public ones first try int() on the row to allow "A1"
    notation, ~10% of writing the cells. They take the same arguments."""
    return (getattr(ws, "_write_formula", ws.write_formula), getattr(ws, "_write_number", ws.write_number),
            getattr(ws, "_write_string", ws.write_string), getattr(ws, "_write_blank", ws.write_blank))



def cut_cycle(wb: Workbook) -> None:
    """Cut the reference cycle xlsxwriter 3.x leaves between a closed workbook and its sheets
    (each worksheet holds the workbook's ``add_format``), so reference counting frees the
    ~2,300 objects of a written workbook at once instead of the cyclic collector, later."""
    for ws in wb.worksheets():
        if getattr(ws, "workbook_add_format", None) is not None:
            ws.workbook_add_format = None
