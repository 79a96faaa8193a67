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
    # merged ranges (r1, c1, r2, c2), 0-based and inclusive, as every reader finds them
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    def get(self, row: int, col: int) -> GridCell:
        return self.cells.get((row, col), _EMPTY)


_EMPTY = GridCell()


@dataclass
class Grid:
    """All sheets of one workbook, in tab order; ``source`` names the file or sheet URL."""

    source: str
    sheets: dict[str, SheetGrid] = field(default_factory=dict)
    content_hash: str | None = None  # sha256 of the file's bytes, when read from a file
    # a Google Sheet's title (what its file name is to a file); not what the grid holds
    title: str | None = field(default=None, compare=False)
    # what the reading library said about the file (openpyxl's warnings: parts it dropped), one
    # line each, for a caller to show as notes; never printed by the reader itself
    notes: list[str] = field(default_factory=list, compare=False)

    @property
    def names(self) -> list[str]:
        return list(self.sheets)
