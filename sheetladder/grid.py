"""Grid: what a filled workbook holds, whatever application saved it.

A Grid is the reader's only view of a workbook: per sheet, per cell, the formula (if the cell
holds one) and the value (the stored result for a formula). Opening an .xlsx and reading a
Google Sheet both produce a Grid, so one verifier serves both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Visibility = Literal["visible", "hidden", "very_hidden"]
CellValue = str | float | bool | None


@dataclass(frozen=True)
class GridCell:
    """One cell as saved: ``formula`` without its leading ``=``; ``value`` its stored result.

    ``error`` holds a spreadsheet error value such as ``#N/A`` (then ``value`` is None).
    """

    value: CellValue = None
    formula: str | None = None
    error: str | None = None


@dataclass
class SheetGrid:
    name: str
    visibility: Visibility = "visible"
    cells: dict[tuple[int, int], GridCell] = field(default_factory=dict)
    max_row: int = 0  # 0-based index of the last row holding anything, -1 when empty
    max_col: int = 0

    def get(self, row: int, col: int) -> GridCell:
        return self.cells.get((row, col), _EMPTY)


_EMPTY = GridCell()


@dataclass
class Grid:
    """All sheets of one workbook, in tab order; ``source`` names the file or sheet URL."""

    source: str
    sheets: dict[str, SheetGrid] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.sheets)


class UnreadableWorkbook(Exception):
    """A file that cannot be read as a workbook at all (the reader's exit code 2)."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
