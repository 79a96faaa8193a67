"""Reading an .xlsx into a Grid: the entry points, and openpyxl as the reference reader."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import IO, Any, Literal

from ..errors import UnreadableWorkbook
from ..grid import Grid, GridCell, SheetGrid
from .archive import (
    _VISIBILITY,
    MAX_CELL_SLOTS,
    MAX_ROWS,
    _fail,
    _require_defusedxml,
    one_line,
    open_zip,
    read_file_bytes,
    root_cause,
    too_many_cells,
)
from .fast_read import SheetMemo, _read_fast
from .parts import _plain, _stored_results, decode_xstring, merges_of, shared_strings, sheet_parts
from .strict import as_transitional

Engine = Literal["fast", "openpyxl"]
ENGINES: tuple[Engine, ...] = ("fast", "openpyxl")
DEFAULT_ENGINE: Engine = "fast"


def open_xlsx(path: str | Path, engine: Engine = DEFAULT_ENGINE, sheets: SheetMemo | None = None
              ) -> Grid:
    """Read an .xlsx into a Grid, refusing hostile or foreign files.

    ``engine="fast"`` (the default) reads only the parts a Grid holds with a streaming reader of
    its own (:func:`_read_fast`); ``engine="openpyxl"`` is the reference it is tested against:
    one openpyxl load (read-only, formulas kept) gives every cell and formula, and the stored
    results of formula cells, which that load discards, come from one light pass over the same
    sheet parts (:func:`_stored_results`). Both give equal Grids and run the same checks first.
    Raises :class:`UnreadableWorkbook` with a one-line reason for anything that is not a readable
    workbook. The file is only ever opened for reading. ``sheets`` is the batch's memo of
    sheets read (the fast engine's; it changes nothing the Grid holds).
    """
    source = str(path)
    data = read_file_bytes(path)
    return grid_from_bytes(source, data, engine, sheets)


def grid_from_bytes(source: str, data: bytes, engine: Engine = DEFAULT_ENGINE,
                    sheets: SheetMemo | None = None, only: str | None = None) -> Grid:
    """The Grid of an .xlsx held in memory (see :func:`open_xlsx`). ``only``: read that sheet
    alone (by name; the fast engine only), read as it is read with the others."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "openpyxl":
        if only is not None:
            raise ValueError("only the fast engine reads one sheet alone")
        _require_defusedxml()
    # one sheet alone: the parts not read are not looked into (the fast reader refuses a DTD
    # in those it parses)
    zf = open_zip(source, data, prologs=only is None)
    original = data
    try:
        twin = as_transitional(data, zf)  # a Strict package: both readers read its twin
        if twin is not None:
            zf.close()
            data, zf = twin
        if engine == "fast":
            grid = _read_fast(source, data, zf, sheets, only)
        else:
            grid = _read_with_openpyxl(source, data, zf)
    except UnreadableWorkbook:
        raise
    except Exception as e:  # noqa: BLE001 - a library failing on bad input must not crash a batch
        raise UnreadableWorkbook(source, _damage(e, zf)) from None
    finally:
        zf.close()
    grid.content_hash = hashlib.sha256(original).hexdigest()
    return grid


_MISSING_PART = re.compile(r"There is no item named '([^']+)' in the archive")
_REPAIR = ("; ask whoever sent it for the file again, or open it in Excel or LibreOffice (which "
           "may repair it) and save it again")


def _damage(e: BaseException, zf: zipfile.ZipFile) -> str:
    """What a reader failing on a workbook's parts means to the person who holds the file, in
    one line: the part that is missing or is not XML, by name, rather than the parser's
    exception (``ExpatError: syntax error``). Runs only on a refusal, so it may parse again."""
    from xml.etree.ElementTree import ParseError

    from .fast_read import check_xml, expat_error

    root = root_cause(e)
    missing = _MISSING_PART.search(str(root)) if isinstance(root, KeyError) else None
    if missing:
        return f"damaged: its part {missing.group(1)} is missing" + _REPAIR
    xml_errors = (expat_error(), ParseError)
    if isinstance(root, xml_errors):
        for info in zf.infolist():
            low = info.filename.lower()
            if info.is_dir() or not low.endswith((".xml", ".rels")):
                continue
            try:
                check_xml(zf.read(info))
            except xml_errors as bad:
                return (f"damaged: its part {info.filename} is not well-formed XML "
                        f"({_xml_error(bad)})" + _REPAIR)
            except Exception:  # noqa: BLE001 - another fault in another part: look on
                continue
        return f"damaged: a part is not well-formed XML ({_xml_error(root)})" + _REPAIR
    return f"not a readable .xlsx workbook ({one_line(e)})"


def _xml_error(e: BaseException) -> str:
    """expat's words for where a text stops being XML ("mismatched tag: line 3, column 40")."""
    text = str(e).strip().splitlines()
    return text[0][:160] if text else type(e).__name__


def _read_with_openpyxl(source: str, data: bytes, zf: zipfile.ZipFile) -> Grid:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    grid = Grid(source=source)
    # openpyxl warns about what it drops ("extension is not supported", "no default style"):
    # caught here, for this call only, and kept as the Grid's notes instead of reaching stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wb = _load_workbook(data)
        try:
            slots = 0
            with_formulas: list[str] = []
            for name in wb.sheetnames:
                ws = wb[name]
                sg = SheetGrid(name=name, visibility=_VISIBILITY.get(
                    getattr(ws, "sheet_state", "visible"), "visible"))
                grid.sheets[name] = sg
                if not isinstance(ws, ReadOnlyWorksheet):
                    continue  # a chartsheet: no cells
                ws.reset_dimensions()  # the <dimension> element may lie; walk what is there
                slots, has_formula = _read_sheet(source, ws, sg, slots)
                if has_formula:
                    with_formulas.append(name)
        finally:
            wb.close()
    grid.notes = library_notes(caught)
    parts = sheet_parts(zf)
    for name, sg in grid.sheets.items():
        part = parts.get(name)
        if part is not None and part in zf.namelist():
            sg.merges = merges_of(zf, part)
    if with_formulas:
        strings: list[str] | None = None
        for name in with_formulas:
            part = parts.get(name)
            if part is None:
                continue
            stored, needs_strings = _stored_results(zf, part, strings)
            if needs_strings and strings is None:
                strings = shared_strings(zf)
                stored, _ = _stored_results(zf, part, strings)
            sg = grid.sheets[name]
            for key, cell in list(sg.cells.items()):
                if cell.formula is not None:
                    value, error = stored.get(key, (None, None))
                    sg.cells[key] = GridCell(value=value, formula=cell.formula, error=error)
    return grid


class _SharedText(str):
    """The text of a shared string, decoded as the table was read (and so not again)."""

    __slots__ = ()


def _shared_string_table(src: IO[bytes]) -> list[str]:
    """openpyxl's ``read_string_table`` (its parser, its ``Text`` of each <si>) with the
    escapes of each <t> decoded as ECMA-376 says (:func:`decode_xstring`), where openpyxl
    only removes every ``x005F_``."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    tag = "{" + SHEET_MAIN_NS + "}si"
    out: list[str] = []
    for _, node in iterparse(src):
        if node.tag == tag:
            text = Text.from_tree(node)
            pieces = [] if text.plain is None else [text.plain]
            pieces += [block.t for block in text.formatted if block.t is not None]
            node.clear()
            out.append(_SharedText("".join(decode_xstring(p) for p in pieces)))
    return out


@functools.lru_cache(maxsize=1)
def _reader_class() -> type:
    """openpyxl's ExcelReader, reading the shared string table with
    :func:`_shared_string_table` (a subclass: nothing of openpyxl's own is changed)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class _Reader(ExcelReader):
        def read_strings(self) -> None:
            ct = self.package.find(SHARED_STRINGS)
            if ct is not None:
                with self.archive.open(ct.PartName[1:]) as src:
                    self.shared_strings = _shared_string_table(src)

    return _Reader


def _load_workbook(data: bytes) -> Any:
    """``openpyxl.load_workbook`` (read-only, formulas kept, no links, no VBA, no rich text),
    its shared strings decoded by :func:`_shared_string_table`."""
    reader = _reader_class()(io.BytesIO(data), read_only=True, keep_vba=False, data_only=False,
                             keep_links=False, rich_text=False)
    reader.read()
    return reader.wb


def library_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """Warnings a library raised while reading, as notes: once each, in order, one line, with
    no file paths (only warnings about the workbook: not resource or deprecation ones)."""
    out: list[str] = []
    for w in caught:
        if issubclass(w.category, (ResourceWarning, DeprecationWarning, PendingDeprecationWarning)):
            continue
        text = " ".join(str(w.message).split())
        if text and text not in out:
            out.append(text)
    return out


def _read_sheet(source: str, ws: Any, sg: SheetGrid, slots: int) -> tuple[int, bool]:
    has_formula = False
    max_row = max_col = -1
    for row in ws.iter_rows():
        slots += len(row) or 1
        if slots > MAX_CELL_SLOTS:
            too_many_cells(source, sg.name)
        for cell in row:
            value = cell.value
            if value is None:
                continue
            r = cell.row - 1
            c = cell.column - 1
            if r >= MAX_ROWS:
                _fail(source, f"sheet {sg.name!r} is too large to read "
                              f"(data beyond row {MAX_ROWS})")
            dtype = cell.data_type
            if dtype == "f":
                text = value if isinstance(value, str) else getattr(value, "text", None) or ""
                formula = text[1:] if text.startswith("=") else text
                sg.cells[(r, c)] = GridCell(formula=formula)
                has_formula = True
            elif dtype == "e":
                sg.cells[(r, c)] = GridCell(error=str(value))
            elif type(value) is _SharedText:
                sg.cells[(r, c)] = GridCell(value=str(value))  # decoded already
            else:
                sg.cells[(r, c)] = GridCell(value=_plain(value))
            max_row = max(max_row, r)
            max_col = max(max_col, c)
    sg.max_row = max_row
    sg.max_col = max_col
    return slots, has_formula
