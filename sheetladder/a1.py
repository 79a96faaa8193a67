"""A1 references: the one spelling of cells, ranges and sheet names in every formula."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    """0-based column index to letters (0 -> A)."""
    s = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


@functools.lru_cache(maxsize=65536)
def a1(row: int, col: int, absolute: bool = False) -> str:
    """0-based row/col to an A1 reference."""
    if absolute:
        return f"${col_letter(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def ref(sheet: str, row: int, col: int, absolute: bool = False) -> str:
    return f"{quote_sheet(sheet)}!{a1(row, col, absolute)}"


def rng(sheet: str | None, r1: int, c1: int, r2: int, c2: int, absolute: bool = True) -> str:
    body = f"{a1(r1, c1, absolute)}:{a1(r2, c2, absolute)}"
    return f"{quote_sheet(sheet)}!{body}" if sheet else body
