"""Which cells of an .xlsx are set in italics: sheetladder's Matrix tab sets a drafted
descriptor in italics, so an import of that tab reads the flag back from the style. And which
rows and columns are hidden: a matrix taking one is doubtful (see detect._hidden_taken).

A light pass of its own, after the shared reader has read (and checked) the same bytes: the
stylesheet's fonts and cell formats, then each sheet's cell elements, with expat refusing every
DTD and entity declaration. Only the style a whole cell carries counts (a rich-text run in
italics does not), and a workbook whose stylesheet has no italic font costs one small parse.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.parsers import expat

from ..xlsx.parts import CellCursor, sheet_parts

Cell = tuple[int, int]


class _Refused(Exception):
    pass


def _refuse(*_: object) -> None:
    raise _Refused("DTD or entity declaration")


def _parse(raw: bytes, start: Any) -> None:
    p = expat.ParserCreate(namespace_separator="}")
    p.StartElementHandler = start
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    p.UnparsedEntityDeclHandler = _refuse
    p.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    p.Parse(raw, True)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def italic_formats(styles: bytes) -> set[int]:
    """Indexes of the cell formats (cellXfs) whose font is italic."""
    fonts: list[bool] = []
    xfs: list[int] = []
    where: list[str] = []  # the open container: fonts, cellXfs or another

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local in ("fonts", "cellXfs", "cellStyleXfs", "dxfs"):
            where.append(local)
        elif local == "font" and where and where[-1] == "fonts":
            fonts.append(False)
        elif local == "i" and where and where[-1] == "fonts" and fonts:
            fonts[-1] = attrs.get("val", "1").lower() not in ("0", "false")
        elif local == "xf" and where and where[-1] == "cellXfs":
            try:
                xfs.append(int(attrs.get("fontId", "0")))
            except ValueError:
                xfs.append(0)

    _parse(styles, start)
    return {i for i, f in enumerate(xfs) if 0 <= f < len(fonts) and fonts[f]}


def _italic_in_sheet(raw: bytes, italic: set[int]) -> set[Cell]:
    out: set[Cell] = set()
    at = CellCursor()

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "row":
            at.on_row(attrs.get("r"))
        elif local == "c":
            rc = at.on_cell(attrs.get("r"))
            s = attrs.get("s", "0")
            if s.isdigit() and int(s) in italic:
                out.add(rc)

    _parse(raw, start)
    return out


def italic_cells(data: bytes) -> dict[str, set[Cell]]:
    """Sheet name -> the (row, col) of its cells whose format is italic; {} when none is, or
    when the styles cannot be read (italics only ever add a flag, never a refusal)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/styles.xml" not in names:
                return {}
            italic = italic_formats(zf.read("xl/styles.xml"))
            if not italic:
                return {}
            out: dict[str, set[Cell]] = {}
            for sheet, part in sheet_parts(zf).items():
                if part in names:
                    cells = _italic_in_sheet(zf.read(part), italic)
                    if cells:
                        out[sheet] = cells
            return out
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, expat.ExpatError, _Refused):
        return {}


def _hidden_in_sheet(raw: bytes) -> tuple[set[int], set[int]]:
    rows: set[int] = set()
    cols: set[int] = set()
    at = CellCursor()

    def hidden(attrs: dict[str, str]) -> bool:
        return attrs.get("hidden", "0").strip().lower() in ("1", "true")

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "row":
            at.on_row(attrs.get("r"))
            if hidden(attrs) and at.row >= 0:
                rows.add(at.row)
        elif local == "col" and hidden(attrs):
            try:
                lo, hi = int(attrs.get("min", "0")), int(attrs.get("max", "0"))
            except ValueError:
                return
            if 1 <= lo <= hi <= 16384:
                cols.update(range(lo - 1, min(hi, lo + 1024)))  # a hidden tail of blank columns

    _parse(raw, start)
    return rows, cols


def hidden_lines(data: bytes) -> dict[str, tuple[set[int], set[int]]]:
    """Sheet name -> (0-based rows, 0-based columns) hidden; a sheet with none is left out, and
    {} when the parts cannot be read (a hidden line only ever adds a doubt, never a refusal of
    the file). A part without the word ``hidden`` is not parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            out: dict[str, tuple[set[int], set[int]]] = {}
            for sheet, part in sheet_parts(zf).items():
                if part not in names:
                    continue
                raw = zf.read(part)
                if b"hidden" not in raw:
                    continue
                rows, cols = _hidden_in_sheet(raw)
                if rows or cols:
                    out[sheet] = (rows, cols)
            return out
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, expat.ExpatError, _Refused):
        return {}
