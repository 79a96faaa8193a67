"""Rows and columns inserted or deleted in an openpyxl workbook the way Excel does it.

openpyxl's ``insert_rows``/``delete_cols`` and the like move the cells of one sheet and nothing
else: the formulas keep their text, on that sheet and on every other. Excel shifts every
reference to the cells that moved, on every sheet: a reference past the edit moves with it, a
range across an inserted row or column grows, one across a deleted one shrinks, and a reference
to a deleted cell (or a range wholly deleted) becomes ``#REF!``. Merged ranges and data
validations move with their cells too. This module does all of that, independently of the
reader's own reference shifting (:mod:`sheetladder.verify.formulas`), so a test of the reader
edits a workbook as a person in Excel would.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import column_index_from_string, get_column_letter

Axis = Literal["row", "col"]

_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_COL_ONLY = re.compile(r"^(\$?)([A-Za-z]{1,3})$")
_ROW_ONLY = re.compile(r"^(\$?)(\d+)$")


def _split_sheet(ref: str) -> tuple[str | None, str]:
    """(sheet name as written, or None; the address after the ``!``)."""
    if "!" not in ref:
        return None, ref
    head, _, addr = ref.rpartition("!")
    return head, addr


def _sheet_name(head: str) -> str:
    if head.startswith("'") and head.endswith("'"):
        return head[1:-1].replace("''", "'")
    return head


class _Part:
    """One end of a reference: a cell, a whole column or a whole row."""

    def __init__(self, text: str) -> None:
        self.row: int | None = None
        self.col: int | None = None
        self.row_abs = self.col_abs = ""
        if m := _CELL.match(text):
            self.col_abs, self.col = m.group(1), column_index_from_string(m.group(2).upper())
            self.row_abs, self.row = m.group(3), int(m.group(4))
        elif m := _COL_ONLY.match(text):
            self.col_abs, self.col = m.group(1), column_index_from_string(m.group(2).upper())
        elif m := _ROW_ONLY.match(text):
            self.row_abs, self.row = m.group(1), int(m.group(2))
        else:
            raise ValueError(text)

    def get(self, axis: Axis) -> int | None:
        return self.row if axis == "row" else self.col

    def set(self, axis: Axis, v: int) -> None:
        if axis == "row":
            self.row = v
        else:
            self.col = v

    def __str__(self) -> str:
        col = "" if self.col is None else self.col_abs + get_column_letter(self.col)
        row = "" if self.row is None else self.row_abs + str(self.row)
        return col + row


def _shift_span(a: int, b: int, axis_op: tuple[str, int, int]) -> tuple[int, int] | None:
    """A span a..b (1-based, inclusive) after the edit; None when all of it was deleted."""
    kind, at, n = axis_op
    if kind == "insert":
        return (a + n if a >= at else a), (b + n if b >= at else b)
    last = at + n - 1
    if at <= a and b <= last:
        return None

    def start(v: int) -> int:
        return at if at <= v <= last else (v - n if v > last else v)

    def end(v: int) -> int:
        return at - 1 if at <= v <= last else (v - n if v > last else v)
    return start(a), end(b)


def shift_reference(ref: str, here: str, target: str, axis: Axis,
                    op: tuple[str, int, int]) -> str:
    """``ref`` (as a formula on sheet ``here`` writes it) after ``op`` (("insert"|"delete",
    1-based index, count) of rows or columns) on sheet ``target``."""
    head, addr = _split_sheet(ref)
    sheet = here if head is None else _sheet_name(head)
    if sheet.casefold() != target.casefold():
        return ref
    prefix = "" if head is None else head + "!"
    ends = addr.split(":")
    try:
        parts = [_Part(e) for e in ends]
    except ValueError:
        return ref  # a name or something else that is no cell reference
    if len(parts) == 1:
        v = parts[0].get(axis)
        if v is None:
            return ref
        got = _shift_span(v, v, op)
        if got is None:
            return prefix + "#REF!"
        parts[0].set(axis, got[0])
        return prefix + str(parts[0])
    a, b = parts[0].get(axis), parts[1].get(axis)
    if a is None or b is None:
        return ref  # a whole row range when columns change (or the reverse): unmoved
    lo, hi = min(a, b), max(a, b)
    got = _shift_span(lo, hi, op)
    if got is None:
        return prefix + "#REF!"
    parts[0].set(axis, got[0])
    parts[1].set(axis, got[1])
    return prefix + ":".join(str(p) for p in parts)


def shift_formula(formula: str, here: str, target: str, axis: Axis,
                  op: tuple[str, int, int]) -> str:
    """A formula (with its ``=``) on sheet ``here`` after ``op`` on ``target``, as Excel
    rewrites it."""
    tok = Tokenizer(formula)
    out = ["="]
    for t in tok.items:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            out.append(shift_reference(t.value, here, target, axis, op))
        else:
            out.append(t.value)
    return "".join(out)


def _shift_ranges(text: str, here: str, axis: Axis, op: tuple[str, int, int]) -> str | None:
    """A space-separated list of ranges (a merge's or a validation's sqref); None when none is
    left."""
    kept = []
    for part in str(text).split():
        got = shift_reference(part, here, here, axis, op)
        if "#REF!" not in got:
            kept.append(got)
    return " ".join(kept) or None


def structural_edit(wb: Any, sheet: str, kind: str, axis: Axis, index: int, count: int = 1
                    ) -> None:
    """Insert (``kind`` "insert") or delete ("delete") ``count`` rows or columns at 1-based
    ``index`` of ``sheet``, as Excel does: the cells move, and every formula of the workbook,
    the sheet's merged ranges and its data validations follow them."""
    ws = wb[sheet]
    op = (kind, index, count)
    merges = [str(m) for m in ws.merged_cells.ranges]
    for m in merges:
        ws.unmerge_cells(m)
    if axis == "row":
        (ws.insert_rows if kind == "insert" else ws.delete_rows)(index, count)
    else:
        (ws.insert_cols if kind == "insert" else ws.delete_cols)(index, count)
    for m in merges:
        got = _shift_ranges(m, sheet, axis, op)
        if got is not None and ":" in got:
            ws.merge_cells(got)
    for dv in list(ws.data_validations.dataValidation):
        got = _shift_ranges(str(dv.sqref), sheet, axis, op)
        if got is None:
            ws.data_validations.dataValidation.remove(dv)
        else:
            dv.sqref = got
    for other in wb.worksheets:
        for row in other.iter_rows():
            for c in row:
                if c.data_type == "f" and isinstance(c.value, str):
                    c.value = shift_formula(c.value, other.title, sheet, axis, op)
