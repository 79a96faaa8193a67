"""Import an existing descriptor matrix (.xlsx, .ods, .csv or a Google Sheet) into a definition.

Teams often keep their ladder as a spreadsheet already; adopting sheetladder must not mean
retyping it. Every input is first normalised to a :class:`Table` (cell texts plus merged
ranges), so one detection routine serves every format. Detection never guesses silently: what
it could not place (empty cells, duplicate names, merged regions spanning levels, stray notes)
is returned as located :class:`Note` objects, and an empty descriptor becomes a placeholder
marked ``drafted`` so the definition still validates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import files
from .definition import LEVEL_CODE, DefinitionError, load_text, slugify
from .grid import (
    MAX_CELL_SLOTS,
    UnreadableWorkbook,
    check_xml_prologs,
    check_zip_limits,
    one_line,
    read_file_bytes,
    sniff,
)
from .plan import col_letter

Orientation = Literal["columns", "rows"]
Merge = tuple[int, int, int, int]  # r1, c1, r2, c2: 0-based, inclusive

PLACEHOLDER = "TODO: describe {category} at {code}"
MATRIX_SUFFIX = ": descriptor matrix"  # the title sheetladder's own Matrix tab carries
_MAX_REPEAT = 10_000  # ODF repeats of non-empty cells beyond this are not materialised
_MAX_HELD = 100_000  # XML elements held at once; a row is at most 16,384 cells of a few each
_MAX_DEPTH = 256  # XML nesting; spreadsheets nest a few dozen deep at most


class ImportFailed(Exception):
    """The source could not be read or holds no recognisable matrix; the message says why."""


# -- the normalised input ------------------------------------------------------------------------


@dataclass
class Table:
    """One sheet as plain text: ``cells`` maps (row, col) to non-empty text; merges inclusive."""

    name: str
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    visible: bool = True

    @classmethod
    def from_rows(cls, name: str, rows: list[list[str]], merges: list[Merge] | None = None) -> Table:
        cells = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row) if v.strip()}
        return cls(name, cells, list(merges or []))


def _text(value: Any) -> str:
    """A cell value as the text a person sees; numbers without a spurious ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _quote_sheet(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else "'" + name.replace("'", "''") + "'"


def cell_ref(sheet: str, row: int, col: int) -> str:
    return f"{_quote_sheet(sheet)}!{col_letter(col)}{row + 1}"


def range_ref(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    if (r1, c1) == (r2, c2):
        return cell_ref(sheet, r1, c1)
    return f"{cell_ref(sheet, r1, c1)}:{col_letter(c2)}{r2 + 1}"


# -- readers -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# A spreadsheet to import is as untrusted as a filled workbook, so .xlsx and .ods files get the
# reader's defences (sheetladder.grid) before any part is inflated or parsed: the file size cap,
# the first-bytes sniffing of foreign files, the zip limits (part count and sizes, compression
# ratio, encrypted parts) and no DTD in any XML part that is parsed. What the parts hold once
# inflated is bounded too (see _Bounds): XML elements in all and held at once, nesting depth,
# and cells walked (openpyxl fills gaps) or materialised (ODF repeats).


def _file_bytes(path: Path, what: str) -> bytes:
    """The file's bytes (size capped), refused early if its first bytes are not a zip."""
    try:
        data = read_file_bytes(path)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    reason = sniff(data, what)
    if reason:
        raise ImportFailed(f"{path}: {reason}")
    return data


def _checked_zip(path: Path, data: bytes, what: str) -> zipfile.ZipFile:
    """``data`` as a zip whose directory is within the reader's limits; nothing inflated yet."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise ImportFailed(f"{path}: not a readable {what} ({one_line(e)})") from None
    try:
        check_zip_limits(str(path), zf)
    except UnreadableWorkbook as e:
        zf.close()
        raise ImportFailed(str(e)) from None
    return zf


def _check_prologs(path: Path, zf: zipfile.ZipFile, what: str, parts: list[str] | None = None
                   ) -> None:
    """No DTD in the XML parts (or just ``parts``, the ones to be parsed); one line if any."""
    try:
        check_xml_prologs(str(path), zf, parts)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    except Exception as e:  # a damaged part: one line, never a traceback
        raise ImportFailed(f"{path}: not a readable {what} ({one_line(e)})") from None


def _too_large(path: Path, what: str) -> ImportFailed:
    return ImportFailed(f"{path}: more than {MAX_CELL_SLOTS:,} {what}; too large to import")


def read_xlsx(path: Path) -> list[Table]:
    """Every worksheet of an .xlsx (read-only), with the merged ranges openpyxl's read-only
    mode does not expose (read from each sheet's XML)."""
    data = _file_bytes(path, "an .xlsx workbook")
    with _checked_zip(path, data, ".xlsx workbook") as zf:
        _check_prologs(path, zf, ".xlsx workbook")  # openpyxl parses any of them
        return _xlsx_tables(path, data, zf)


def _xlsx_tables(path: Path, data: bytes, zf: zipfile.ZipFile) -> list[Table]:
    """The tables of an .xlsx held in ``data``, opened and checked as ``zf``."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises its own InvalidFileException and parser errors
        raise ImportFailed(f"{path}: not a readable .xlsx workbook ({one_line(e)})") from None
    try:
        try:
            merges = _xlsx_merges(path, zf)
        except ImportFailed:
            raise
        except Exception as e:  # a damaged part: one line, never a traceback
            raise ImportFailed(f"{path}: not a readable .xlsx workbook ({one_line(e)})") from None
        tables: list[Table] = []
        walked = 0  # rows and cells openpyxl yields, gaps filled included
        for ws in wb.worksheets:
            ws.reset_dimensions()  # trust the cells, not the <dimension> some writers get wrong
            t = Table(ws.title, visible=getattr(ws, "sheet_state", "visible") == "visible")
            for row in ws.iter_rows():
                walked += 1 + len(row)
                if walked > MAX_CELL_SLOTS:
                    raise _too_large(path, "cells in its sheets")
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None:
                        continue
                    text = _text(value)
                    if text.strip():
                        t.cells[(cell.row - 1, cell.column - 1)] = text
            t.merges = merges.get(ws.title, [])
            tables.append(t)
    finally:
        wb.close()
    return tables


def _xlsx_merges(path: Path, z: zipfile.ZipFile) -> dict[str, list[Merge]]:
    """Merged ranges per sheet name. The sheets' XML elements are counted on the way, so a
    sheet openpyxl would take gigabytes to parse is refused first: openpyxl drops each row once
    read but keeps whatever else a sheet holds."""
    from defusedxml import ElementTree
    from openpyxl.utils.cell import range_boundaries

    out: dict[str, list[Merge]] = {}
    bounds = _Bounds(path, "its sheets")
    names = set(z.namelist())
    wb_part = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in ElementTree.fromstring(z.read("_rels/.rels")):
            if str(rel.get("Type", "")).endswith("/officeDocument"):
                wb_part = str(rel.get("Target", wb_part)).lstrip("/")
    wb_dir, wb_file = posixpath.split(wb_part)
    rels_part = posixpath.join(wb_dir, "_rels", wb_file + ".rels")
    targets: dict[str, str] = {}
    if rels_part in names:
        for rel in ElementTree.fromstring(z.read(rels_part)):
            target = str(rel.get("Target", ""))
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(wb_dir, target))
            targets[str(rel.get("Id", ""))] = target
    root = ElementTree.fromstring(z.read(wb_part))
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.startswith("{") and _local(k) == "id"), "")
        part = targets.get(rid)
        if not part or part not in names:
            continue
        found: list[Merge] = []
        stack: list[Any] = []
        rows = in_row = outside = 0  # open rows; elements in the open row, and outside rows
        with z.open(part) as src:
            for event, mel in ElementTree.iterparse(src, events=("start", "end")):
                if event == "start":
                    stack.append(mel)
                    is_row = _local(mel.tag) == "row"
                    if rows or is_row:
                        rows += is_row
                        in_row += 1
                    else:
                        outside += 1
                    bounds.start(part, len(stack), max(in_row, outside), "in one row or outside its rows")
                    continue
                stack.pop()
                if _local(mel.tag) == "row":
                    rows -= 1
                    in_row = in_row if rows else 0
                if _local(mel.tag) == "mergeCell" and mel.get("ref"):
                    c1, r1, c2, r2 = range_boundaries(str(mel.get("ref")))
                    found.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
                if stack:
                    stack[-1].remove(mel)  # keep nothing: memory stays flat whatever the part holds
        out[str(el.get("name", ""))] = found
    return out


_ODF = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_ODF[prefix]}}}{name}"


def _odf_inline(el: Any) -> str:
    """Text of a paragraph with ODF's space, tab and line-break elements expanded."""
    parts: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == _q("text", "s"):
            parts.append(" " * int(child.get(_q("text", "c"), "1") or 1))
        elif tag == _q("text", "tab"):
            parts.append("\t")
        elif tag == _q("text", "line-break"):
            parts.append("\n")
        elif tag in (_q("office", "annotation"), _q("text", "note")):
            pass
        else:
            parts.append(_odf_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odf_cell_text(cell: Any) -> str:
    vtype = cell.get(_q("office", "value-type"))
    if vtype in ("float", "percentage", "currency"):
        raw = cell.get(_q("office", "value"))
        if raw is not None:
            try:
                return _text(float(raw))
            except ValueError:
                pass
    elif vtype == "boolean":
        return "TRUE" if cell.get(_q("office", "boolean-value")) == "true" else "FALSE"
    elif vtype == "date" and cell.get(_q("office", "date-value")):
        return str(cell.get(_q("office", "date-value"))).replace("T00:00:00", "")
    paras = [_odf_inline(p) for p in cell if p.tag in (_q("text", "p"), _q("text", "h"))]
    return "\n".join(paras)


def read_ods(path: Path) -> list[Table]:
    """Every table of an .ods, parsed from its content.xml (no extra dependency needed)."""
    data = _file_bytes(path, "an .ods spreadsheet")
    with _checked_zip(path, data, ".ods spreadsheet") as zf:
        _check_prologs(path, zf, ".ods spreadsheet", ["content.xml"])  # the one part parsed
        return _ods_tables(path, zf)


def _ods_tables(path: Path, zf: zipfile.ZipFile) -> list[Table]:
    """The tables of an .ods opened and checked as ``zf`` (content.xml free of DTDs)."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        content = zf.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as e:
        raise ImportFailed(f"{path}: not a readable .ods spreadsheet ({e})") from None
    try:
        return _ods_stream(path, ElementTree.iterparse(io.BytesIO(content), events=("start", "end")))
    except (ElementTree.ParseError, DefusedXmlException) as e:
        raise ImportFailed(f"{path}: content.xml is not valid XML ({e})") from None
    except (ValueError, RecursionError) as e:  # a bad count, or nesting beyond reason
        raise ImportFailed(f"{path}: not a readable .ods spreadsheet ({one_line(e)})") from None


def _count(el: Any, attr: str) -> int:
    """An ODF repeat or span count: a positive integer (1 when absent)."""
    n = int(el.get(_q("table", attr), "1") or 1)
    if n < 1:
        raise ValueError(f"table:{attr}={n} is not a positive count")
    return n


class _Bounds:
    """What one file's parse may hold: XML elements in all, elements held at once (one row, or
    a sheet's parts outside its rows) and nesting depth. A part within the zip limits can still
    pack millions of small elements, each costing a few hundred bytes once parsed."""

    def __init__(self, path: Path, parts: str) -> None:
        self.path, self.parts = path, parts
        self.total = 0

    def start(self, part: str, depth: int, held: int, held_where: str) -> None:
        self.total += 1
        if self.total > MAX_CELL_SLOTS:
            raise _too_large(self.path, f"XML elements in {self.parts}")
        if held > _MAX_HELD:
            raise ImportFailed(f"{self.path}: {part} holds more than {_MAX_HELD:,} XML elements "
                               f"{held_where}; too large to import")
        if depth > _MAX_DEPTH:
            raise ImportFailed(f"{self.path}: {part} nests XML elements more than {_MAX_DEPTH} "
                               "deep; not a spreadsheet")


_ROW = _q("table", "table-row")
_ROW_WRAPPERS = (_q("table", "table-header-rows"), _q("table", "table-row-group"), _q("table", "table-rows"))


def _ods_stream(path: Path, events: Iterator[tuple[str, Any]]) -> list[Table]:
    """Tables from content.xml's parse events, holding one row (or style) at a time.

    Each row is read when it ends and then dropped, as is everything outside rows and styles,
    so memory follows the largest row, not the part. Tables come in document order, rows
    count when they sit in their table directly or in header-row and row-group wrappers, and a
    table is hidden when its style says so (styles are resolved at the end, wherever they are).
    """
    bounds = _Bounds(path, "content.xml")
    table_tag, style_tag = _q("table", "table"), _q("style", "style")
    stack: list[Any] = []
    tables: list[tuple[Table, str | None]] = []
    rows_at: dict[int, int] = {}  # id of an open table element -> its next row index
    open_tables: list[tuple[Any, Table]] = []
    hidden_styles: set[str] = set()
    keep = 0  # open rows and styles: their elements are needed when they end
    held = 0
    stored = 0  # cells materialised, repeats included
    for event, el in events:
        if event == "start":
            stack.append(el)
            if keep or el.tag in (_ROW, style_tag):
                held += 1
            bounds.start("content.xml", len(stack), held, "in one row")
            if el.tag in (_ROW, style_tag):
                keep += 1
            elif el.tag == table_tag:
                t = Table(str(el.get(_q("table", "name"), f"Sheet{len(tables) + 1}")))
                tables.append((t, el.get(_q("table", "style-name"))))
                open_tables.append((el, t))
                rows_at[id(el)] = 0
            continue
        stack.pop()
        if el.tag == style_tag:
            keep -= 1
            if el.get(_q("style", "family")) == "table" and any(
                    tp.get(_q("table", "display")) == "false"
                    for tp in el.iter(_q("style", "table-properties"))):
                hidden_styles.add(str(el.get(_q("style", "name"))))
        elif el.tag == _ROW:
            keep -= 1
            table = _row_table(stack, open_tables)
            if table is not None:
                tbl_el, t = table
                r = rows_at[id(tbl_el)]
                stored += _read_row(el, r, t, MAX_CELL_SLOTS - stored, path)
                rows_at[id(tbl_el)] = r + _count(el, "number-rows-repeated")
        elif el.tag == table_tag:
            open_tables.pop()
        if not keep:
            held = 0
            if stack:
                stack[-1].remove(el)  # read or not needed: drop it
    for t, style in tables:
        t.visible = style not in hidden_styles
    if not tables:
        raise ImportFailed(f"{path}: the .ods holds no sheets")
    return [t for t, _ in tables]


def _row_table(stack: list[Any], open_tables: list[tuple[Any, Table]]) -> tuple[Any, Table] | None:
    """The table a row that just ended belongs to: the innermost open table, when only row
    wrappers stand between them; else None (a row elsewhere is not read)."""
    if not open_tables:
        return None
    tbl_el = open_tables[-1][0]
    for el in reversed(stack):
        if el is tbl_el:
            return open_tables[-1]
        if el.tag not in _ROW_WRAPPERS:
            return None
    return None


def _read_row(row: Any, r: int, t: Table, room: int, path: Path) -> int:
    """Put a row's cells (repeats materialised) and merges into ``t``; the cells stored."""
    row_repeat = _count(row, "number-rows-repeated")
    values: list[tuple[int, int, str]] = []  # (col, repeat, text)
    c = 0
    for cell in row:
        if cell.tag not in (_q("table", "table-cell"), _q("table", "covered-table-cell")):
            continue
        col_repeat = _count(cell, "number-columns-repeated")
        if cell.tag == _q("table", "table-cell"):
            text = _odf_cell_text(cell)
            if text.strip():
                values.append((c, min(col_repeat, _MAX_REPEAT), text))
            cs = _count(cell, "number-columns-spanned")
            rs = _count(cell, "number-rows-spanned")
            if cs > 1 or rs > 1:
                t.merges.append((r, c, r + rs - 1, c + cs - 1))
        c += col_repeat
    if not values:
        return 0
    n = min(row_repeat, _MAX_REPEAT) * sum(rep for _, rep, _ in values)
    if n > room:
        raise _too_large(path, "cells (counting repeats)")
    for i in range(min(row_repeat, _MAX_REPEAT)):
        for col, rep, text in values:
            for j in range(rep):
                t.cells[(r + i, col + j)] = text
    return n


def read_csv(path: Path) -> list[Table]:
    """A CSV as one table named after the file; delimiter sniffed, UTF-8 (with or without BOM)."""
    try:
        data = read_file_bytes(path)  # the workbook size cap: a matrix is a few KB of text
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as e:
            raise ImportFailed(f"{path}: not UTF-8 text ({e.reason}); save it as 'CSV UTF-8'") from None
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [[_text(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    return [Table.from_rows(path.stem, rows)]


def tables_from_grid(grid: Any) -> list[Table]:
    """Tables from a :class:`sheetladder.grid.Grid` (the Google Sheets reader's output)."""
    tables: list[Table] = []
    for name, sg in grid.sheets.items():
        t = Table(name, visible=getattr(sg, "visibility", "visible") == "visible")
        for (r, c), cell in sg.cells.items():
            text = _text(cell.value) if cell.value is not None else (cell.error or "")
            if text.strip():
                t.cells[(r, c)] = text
        t.merges = list(sg.merges)
        tables.append(t)
    return tables


def read_tables(source: str) -> list[Table]:
    """Every sheet of ``source``: a file (.xlsx/.xlsm, .ods, .csv/.tsv/.txt) or a Google Sheet."""
    from .read import is_google_source

    path = Path(source)
    if not path.exists():
        if is_google_source(source):
            return _read_google(source)
        raise ImportFailed(f"{source}: no such file")
    if path.is_dir():
        raise ImportFailed(f"{source}: is a directory, not a spreadsheet")
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if ext == ".ods":
        return read_ods(path)
    if ext in (".csv", ".tsv", ".txt"):
        return read_csv(path)
    if ext == ".xls":
        raise ImportFailed(f"{source}: the old .xls format is not read; save it as .xlsx first")
    if zipfile.is_zipfile(path):
        try:
            data = read_file_bytes(path)
        except UnreadableWorkbook as e:
            raise ImportFailed(str(e)) from None
        with _checked_zip(path, data, "spreadsheet") as zf:
            names = set(zf.namelist())
            if "content.xml" in names:
                _check_prologs(path, zf, ".ods spreadsheet", ["content.xml"])
                return _ods_tables(path, zf)
            if any(n.startswith("xl/") for n in names):
                _check_prologs(path, zf, ".xlsx workbook")
                return _xlsx_tables(path, data, zf)
    raise ImportFailed(f"{source}: not a spreadsheet sheetladder reads (.xlsx, .ods, .csv or a Google Sheet)")


def _read_google(source: str) -> list[Table]:
    from .grid import UnreadableWorkbook
    from .gsheets import open_grid

    try:
        grid = open_grid(source)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    return tables_from_grid(grid)


# -- detection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """Something detection could not place cleanly, located by cell or range."""

    ref: str
    message: str
    kind: Literal["empty", "duplicate", "merge", "stray", "weight", "level", "group"] = "stray"

    def __str__(self) -> str:
        return f"{self.ref}: {self.message}"


@dataclass
class DetectedLevel:
    code: str
    name: str
    ref: str


@dataclass
class DetectedCategory:
    id: str
    name: str
    ref: str
    descriptors: dict[str, str]
    drafted: set[str] = field(default_factory=set)  # level codes whose text is a placeholder
    weight: float = 1.0
    purpose: str | None = None


@dataclass
class DetectedGroup:
    id: str
    name: str
    ref: str | None
    categories: list[DetectedCategory] = field(default_factory=list)


@dataclass
class Detection:
    """What was found on one sheet, ready to become a definition."""

    source: str
    sheet: str
    orientation: Orientation
    header_ref: str
    title: str | None
    levels: list[DetectedLevel]
    groups: list[DetectedGroup]
    weight_ref: str | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def categories(self) -> list[DetectedCategory]:
        return [c for g in self.groups for c in g.categories]

    @property
    def empty_cells(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "empty"]

    @property
    def other_notes(self) -> list[Note]:
        return [n for n in self.notes if n.kind != "empty"]


class _View:
    """A table seen with levels across the columns: transposed when levels run down the rows.
    Coordinates are the view's; references name the original cells."""

    def __init__(self, table: Table, transposed: bool):
        self.table = table
        self.transposed = transposed
        if transposed:
            self.cells = {(c, r): v for (r, c), v in table.cells.items()}
            merges = [(c1, r1, c2, r2) for r1, c1, r2, c2 in table.merges]
        else:
            self.cells = dict(table.cells)
            merges = list(table.merges)
        self.by_row: dict[int, list[int]] = {}
        for r, c in sorted(self.cells):
            self.by_row.setdefault(r, []).append(c)
        self.nrows = max((r for r, _ in self.cells), default=-1) + 1
        self.ncols = max((c for _, c in self.cells), default=-1) + 1
        self.merges: list[Merge] = []
        self.cover: dict[tuple[int, int], Merge] = {}
        for r1, c1, r2, c2 in merges:
            if r1 >= self.nrows or c1 >= self.ncols or (r1, c1) == (r2, c2):
                continue
            m = (r1, c1, min(r2, self.nrows - 1), min(c2, self.ncols - 1))
            self.merges.append(m)
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    self.cover[(r, c)] = m

    def raw(self, r: int, c: int) -> str:
        return self.cells.get((r, c), "")

    def value(self, r: int, c: int) -> str:
        """The text shown at (r, c): a merged region's text fills every cell it covers."""
        m = self.cover.get((r, c))
        return self.raw(m[0], m[1]) if m else self.raw(r, c)

    def ref(self, r: int, c: int) -> str:
        return cell_ref(self.table.name, *((c, r) if self.transposed else (r, c)))

    def range_ref(self, r1: int, c1: int, r2: int, c2: int) -> str:
        if self.transposed:
            r1, c1, r2, c2 = c1, r1, c2, r2
        return range_ref(self.table.name, r1, c1, r2, c2)

    def row_cells(self, r: int) -> list[int]:
        return self.by_row.get(r, [])


_TOKEN = r"[A-Za-z][A-Za-z0-9]{0,9}"
_SEP = r"(?:\s*[-–—:|/]\s*|\s+)"
_WORD_LEVEL = re.compile(
    r"^(level|lvl|grade|band|step|tier)\s*#?\s*(\d{1,3})(?:" + _SEP + r"(.+))?$", re.I | re.S)
_SPACED_CODE = re.compile(r"^([A-Za-z]{1,4})[\s._-](\d{1,3})$")
_CODE_NAME = re.compile(r"^(" + _TOKEN + r")" + _SEP + r"(.+)$", re.S)
_NAME_CODE = re.compile(r"^(.+?)\s*[(\[](" + _TOKEN + r")[)\]]$", re.S)
_NUMBER = re.compile(r"^\d{1,2}$")


def _is_code(token: str) -> bool:
    return bool(re.fullmatch(LEVEL_CODE, token)) and any(ch.isdigit() for ch in token)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_level_header(text: str) -> tuple[str, str | None] | None:
    """(code, name or None) for a header cell naming a level, e.g. 'S1 - Junior', 'S1',
    'Junior (S1)', 'Level 2'; None when the cell does not look like a level."""
    t = text.strip()
    if not t or len(t) > 80:
        return None
    m = _WORD_LEVEL.match(t)
    if m:
        code = m.group(1)[0].upper() + m.group(2)
        return code, _squash(m.group(3)) if m.group(3) else _squash(t)
    if _is_code(t):
        return t, None
    m = _SPACED_CODE.match(t)
    if m:
        return m.group(1) + m.group(2), None
    m = _CODE_NAME.match(t)
    if m and _is_code(m.group(1)) and _squash(m.group(2)):
        return m.group(1), _squash(m.group(2))
    m = _NAME_CODE.match(t)
    if m and _is_code(m.group(2)):
        return m.group(2), _squash(m.group(1))
    if _NUMBER.match(t):
        return f"L{int(t)}", f"Level {int(t)}"
    return None


def _bare_code(text: str) -> bool:
    parsed = parse_level_header(text)
    return parsed is not None and parsed[1] is None


@dataclass
class _Header:
    row: int
    cols: list[int]  # the level columns, left to right
    heads: list[tuple[str, str | None]]  # (code, name) per level column
    names_row: int | None = None
    generated: bool = False  # codes made up because the header names levels without codes

    @property
    def score(self) -> int:
        """Longer runs win; a run whose codes count up under one prefix (S1, S2, S3) counts double,
        so a stray code-like word beside a real header does not win a tie."""
        if self.generated:
            return 0
        parts = [re.fullmatch(r"([A-Za-z]*)(\d+)(.*)", code) for code, _ in self.heads]
        coherent = all(parts) and len({p.group(1).upper() for p in parts if p}) == 1 and all(
            int(b.group(2)) > int(a.group(2)) for a, b in zip(parts, parts[1:], strict=False) if a and b)
        return len(self.cols) * (2 if coherent else 1)


def _level_runs(view: _View, r: int) -> list[_Header]:
    """Runs of at least two adjacent cells in row ``r`` that each name a level. A run of bare
    numbers must count up by one (1, 2, 3) and not follow a 'Weight' label, so a row of weights
    is not taken for levels."""
    runs: list[_Header] = []
    cur: _Header | None = None
    for c in range(view.ncols + 1):
        text = view.raw(r, c).strip() if c < view.ncols else ""
        parsed = parse_level_header(text) if text else None
        if parsed and _NUMBER.match(text) and _label_kind_left(view, r, c) in ("weight", "purpose"):
            parsed = None
        if parsed and cur is not None and cur.cols[-1] == c - 1:
            prev = view.raw(r, c - 1).strip()
            if not (_NUMBER.match(text) or _NUMBER.match(prev)) or (
                    _NUMBER.match(text) and _NUMBER.match(prev) and int(text) == int(prev) + 1):
                cur.cols.append(c)
                cur.heads.append(parsed)
                continue
        if cur is not None and len(cur.cols) >= 2:
            runs.append(cur)
        cur = _Header(r, [c], [parsed]) if parsed else None
    return runs


def _label_kind_left(view: _View, r: int, c: int) -> str | None:
    """The label kind of the nearest non-empty cell left of (r, c) that is neither a level nor a
    number (a row of weights such as 0.5, 1, 2 is labelled where its numbers start)."""
    for cc in range(c - 1, -1, -1):
        text = view.raw(r, cc).strip()
        if text and parse_level_header(text) is None and _parse_weight(text) is None:
            return _label_kind(text)
    return None


def _find_header(view: _View) -> _Header | None:
    best: _Header | None = None
    for r in view.by_row:
        for run in _level_runs(view, r):
            if run.cols[0] == 0:
                continue  # no room for the category names
            if best is None or run.score > best.score:
                best = run
    return best


_LABEL_WORDS: dict[str, tuple[str, ...]] = {
    "weight": ("weight",),
    "purpose": ("purpose", "why it matters", "rationale"),
    "group": ("group", "section", "pillar", "theme", "cluster", "family", "domain", "area"),
    "category": ("categor", "skill", "competenc", "dimension", "attribute", "criteri", "behaviou",
                 "behavior", "name"),
}


def _label_kind(text: str) -> str | None:
    low = text.lower()
    for kind in ("weight", "purpose", "category", "group"):
        if any(w in low for w in _LABEL_WORDS[kind]):
            return kind
    return None


def _names_only_header(view: _View) -> _Header | None:
    """A header that names levels without codes ('Junior | Mid | Senior'): the first row with at
    least two cells; the leftmost cell is the category column's header unless it says otherwise."""
    for r in view.by_row:
        cols = view.row_cells(r)
        if len(cols) < 2:
            continue
        cand = [c for c in cols if _label_kind(view.raw(r, c)) is None]
        below = {c for (rr, c) in view.cells if rr > r}
        if cand and cand[0] == min(cols) and min(below, default=cand[0]) >= cand[0] \
                and not any(_label_kind(view.raw(r, c)) == "category" for c in cols):
            cand = cand[1:]
        best: list[int] = []
        run: list[int] = []
        for c in cand:
            run = run + [c] if run and run[-1] == c - 1 else [c]
            if len(run) > len(best):
                best = run
        if len(best) < 2:
            return None
        heads: list[tuple[str, str | None]] = [
            (f"L{i + 1}", _squash(view.raw(r, c))) for i, c in enumerate(best)]
        return _Header(r, best, heads, generated=True)
    return None


def _find_names_row(view: _View, h: _Header) -> int | None:
    """The row of level names next to a row of bare codes (sheetladder's Matrix: codes, then
    names): its label cells are empty and it fills some level columns."""
    first = h.cols[0]
    for r in (h.row + 1, h.row - 1):
        if r < 0 or r >= view.nrows:
            continue
        labels = [view.raw(r, c) for c in range(first)]
        if any(t and _label_kind(t) is None and "level" not in t.lower() and "title" not in t.lower()
               for t in labels):
            continue
        texts = [view.raw(r, c) for c in h.cols]
        if any(texts) and not any(_bare_code(t) for t in texts if t):
            return r
    return None


def _parse_weight(text: str) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    if re.fullmatch(r"\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    if pct:
        v /= 100
    return v if v > 0 and v == v and v != float("inf") else None


class _Ids:
    """Unique slugs; a duplicate name or a clashing slug gets a numeric suffix and a note."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}  # id -> ref of its holder
        self.names: dict[str, str] = {}  # lowercased name -> ref of its first holder

    def make(self, name: str, ref: str, what: str, notes: list[Note]) -> str:
        key = name.lower()
        dup = self.names.setdefault(key, ref)
        base = slugify(name)
        ident = base
        n = 2
        while ident in self.seen:
            ident = f"{base}-{n}"
            n += 1
        if dup != ref:
            notes.append(Note(ref, f"duplicate {what} name {name!r} (also at {dup}); its id is {ident!r}",
                              "duplicate"))
        elif ident != base:
            notes.append(Note(ref, f"{what} {name!r} has the same id {base!r} as the one at "
                                   f"{self.seen[base]}; its id is {ident!r}", "duplicate"))
        self.seen[ident] = ref
        return ident


def detect(table: Table, levels_in: Orientation | None = None, source: str = "") -> Detection:
    """Find the descriptor matrix on one sheet; raise ImportFailed when there is none."""
    if not table.cells:
        raise ImportFailed(f"{source or table.name}: sheet {table.name!r} is empty")
    options: list[tuple[_View, _Header | None]] = []
    for transposed in ((False, True) if levels_in is None else (levels_in == "rows",)):
        v = _View(table, transposed)
        options.append((v, _find_header(v)))
    coded = [(v, h) for v, h in options if h is not None]
    view: _View
    header: _Header | None
    if coded:
        view, header = max(coded, key=lambda vh: vh[1].score)
    else:
        view = options[0][0]
        header = _names_only_header(view)
    if header is None:
        raise ImportFailed(
            f"{source or table.name}: no descriptor matrix found on sheet {table.name!r}: expected a "
            "header row of levels (e.g. 'S1', 'S1 - Junior', or codes above names) over rows of "
            "categories, or the same with levels down the first column"
        )
    return _detect_in(view, header, source)


def _detect_in(view: _View, header: _Header, source: str) -> Detection:
    notes: list[Note] = []
    sheet = view.table.name
    first, last = header.cols[0], header.cols[-1]
    if any(name is None for _, name in header.heads):
        header.names_row = _find_names_row(view, header)
    head_rows = [header.row] + ([header.names_row] if header.names_row is not None else [])
    top, bottom = min(head_rows), max(head_rows)

    # levels
    levels: list[DetectedLevel] = []
    seen_codes: dict[str, str] = {}
    for c, (code, name) in zip(header.cols, header.heads, strict=True):
        ref = view.ref(header.row, c)
        if name is None and header.names_row is not None:
            name = _squash(view.raw(header.names_row, c)) or None
        if name is None:
            name = code
        if code.upper() in seen_codes:
            other = seen_codes[code.upper()]
            base = code[:9]
            code = next(base + ch for ch in "bcdefghijklmnopqrstuvwxyz"
                        if (base + ch).upper() not in seen_codes)
            notes.append(Note(ref, f"duplicate level code {base!r} (also at {other}); this level's "
                                   f"code is {code!r}", "duplicate"))
        seen_codes[code.upper()] = ref
        levels.append(DetectedLevel(code, name, ref))
    if header.generated:
        notes.append(Note(view.range_ref(header.row, first, header.row, last),
                          "the header names levels without codes; codes "
                          f"{levels[0].code}–{levels[-1].code} were made up", "level"))
    for m in view.merges:
        if m[0] <= bottom and m[2] >= top and m[3] >= first and m[1] <= last and m[1] != m[3]:
            notes.append(Note(view.range_ref(*m), "merged header cell spans several level columns",
                              "merge"))

    # label columns, from the header row(s) and from where the data is
    def head_text(c: int) -> str:
        return " ".join(view.raw(r, c) for r in head_rows if view.raw(r, c))

    data_cols = {c for (r, c) in view.cells if r > bottom}
    role: dict[int, str] = {}
    for c in sorted(set(range(view.ncols)) - set(header.cols)):
        kind = _label_kind(head_text(c)) if head_text(c) else None
        if kind in ("group", "category") and c > last:
            kind = None
        if kind and kind not in role.values():
            role[c] = kind
    left_free = [c for c in range(first) if c not in role and c in data_cols]
    if "category" not in role.values():
        if not left_free:
            raise ImportFailed(
                f"{source or sheet}: levels found at {view.range_ref(header.row, first, header.row, last)}"
                f" but no column of category names {'above' if view.transposed else 'left of'} them")
        role[left_free.pop()] = "category"
    cat_col = next(c for c, k in role.items() if k == "category")
    if "group" not in role.values():
        lefts = [c for c in left_free if c < cat_col]
        if lefts:
            role[lefts[0]] = "group"
    group_col = next((c for c, k in role.items() if k == "group"), None)
    weight_col = next((c for c, k in role.items() if k == "weight"), None)
    purpose_col = next((c for c, k in role.items() if k == "purpose"), None)
    known = set(role) | set(header.cols)
    for c in sorted(set(range(view.ncols)) - known):
        if head_text(c):
            notes.append(Note(view.ref(header.row if view.raw(header.row, c) else bottom, c),
                              f"column {_squash(head_text(c))!r} is not part of the matrix; ignored",
                              "stray"))
    labelled_cols = {c for c in range(view.ncols) if c not in known and head_text(c)}

    # title and text above the header
    title: str | None = None
    for r in range(top):
        for c in view.row_cells(r):
            if (r, c) in view.cover and view.cover[(r, c)][:2] != (r, c):
                continue
            text = _squash(view.raw(r, c))
            if title is None:
                title = text
            else:
                notes.append(Note(view.ref(r, c), f"text above the matrix ignored: {_clip(text)!r}", "stray"))

    # rows: group headers, categories, stray notes
    groups: list[DetectedGroup] = []
    gids, cids = _Ids(), _Ids()
    pending: tuple[str, str, int] | None = None  # a name-only row: a group if categories follow
    codes = [lv.code for lv in levels]
    merge_notes: set[Merge] = set()

    def open_group(name: str, ref: str | None) -> DetectedGroup:
        g = DetectedGroup(gids.make(name, ref or "", "group", notes), name, ref)
        groups.append(g)
        return g

    def stray_cells(r: int, cols: list[int]) -> None:
        for c in cols:
            if c in labelled_cols or (r, c) not in view.cells:
                continue
            notes.append(Note(view.ref(r, c), f"stray text outside the matrix ignored: "
                                              f"{_clip(view.raw(r, c))!r}", "stray"))

    matrix_cols = set(header.cols) | set(role)
    for r in range(bottom + 1, view.nrows):
        row_cols = view.row_cells(r)
        outside = [c for c in row_cols if c not in matrix_cols]
        lm = view.cover.get((r, cat_col))
        span_all = next((m for m in view.merges if m[0] <= r <= m[2] and m[1] <= first and m[3] >= last),
                        None)
        gm = lm if lm is not None and lm[3] >= first else (
            span_all if span_all is not None and not view.value(r, cat_col) else None)
        if gm is not None:
            if gm[0] == r:
                name = _squash(view.raw(gm[0], gm[1]))
                if name:
                    if pending:
                        _drop_pending(pending, notes)
                        pending = None
                    open_group(name, view.ref(gm[0], gm[1]))
                    merge_notes.add(gm)
            stray_cells(r, outside)
            continue
        label = _squash(view.value(r, cat_col))
        texts = {code: view.value(r, c).strip() for code, c in zip(codes, header.cols, strict=True)}
        wtext = view.value(r, weight_col).strip() if weight_col is not None else ""
        ptext = view.value(r, purpose_col).strip() if purpose_col is not None else ""
        gtext = _squash(view.value(r, group_col)) if group_col is not None else ""
        stray_cells(r, outside)
        if not (label or any(texts.values()) or wtext or ptext or gtext):
            continue
        if group_col is not None and gtext and (not groups or groups[-1].name != gtext
                                                or _starts_merge(view, r, group_col)):
            if label or any(texts.values()):
                open_group(gtext, view.ref(*_origin(view, r, group_col)))
        if label and not any(texts.values()) and not wtext:
            if pending:
                _drop_pending(pending, notes)
            pending = (label, view.ref(r, cat_col), r)
            continue
        if not label:
            filled = [c for c in header.cols if view.value(r, c).strip()]
            what = "descriptors" if filled else "text"
            notes.append(Note(view.range_ref(r, min(filled or [cat_col]), r, max(filled or [cat_col])),
                              f"{what} in a row without a category name; ignored", "stray"))
            continue
        if pending:
            open_group(pending[0], pending[1])
            pending = None
        if not groups:
            open_group("Categories", None)
            notes.append(Note(view.ref(r, cat_col), "no group header above the first category; "
                                                    "categories put in a group 'Categories'", "group"))
        ref = view.ref(r, cat_col)
        cat = DetectedCategory(cids.make(label, ref, "category", notes), label, ref, {})
        for code, c in zip(codes, header.cols, strict=True):
            text = texts[code]
            if text:
                cat.descriptors[code] = _clean_text(text)
            else:
                cat.descriptors[code] = PLACEHOLDER.format(category=label, code=code)
                cat.drafted.add(code)
                notes.append(Note(view.ref(r, c), f"empty: {label} at {code}; a placeholder marked "
                                                  "drafted was written", "empty"))
        if weight_col is not None:
            if not wtext:
                notes.append(Note(view.ref(r, weight_col), f"no weight for {label}; 1 used", "weight"))
            else:
                w = _parse_weight(wtext)
                if w is None:
                    notes.append(Note(view.ref(r, weight_col),
                                      f"weight {wtext!r} of {label} is not a positive number; 1 used",
                                      "weight"))
                else:
                    cat.weight = w
        if ptext:
            cat.purpose = _clean_text(ptext)
        groups[-1].categories.append(cat)
    if pending:
        _drop_pending(pending, notes)

    for m in view.merges:
        if m in merge_notes or m[2] <= bottom or m[3] < first or m[1] > last:
            continue
        spanned = [lv.code for lv, c in zip(levels, header.cols, strict=True) if m[1] <= c <= m[3]]
        if len(spanned) > 1:
            notes.append(Note(view.range_ref(*m), f"merged region spans levels {', '.join(spanned)}; "
                                                  "its text is used for each", "merge"))
        if m[2] > m[0] and m[1] >= first:
            notes.append(Note(view.range_ref(*m), "merged region spans several rows; its text is used "
                                                  "for each", "merge"))
    empty_groups = [g for g in groups if not g.categories]
    for g in empty_groups:
        notes.append(Note(g.ref or sheet, f"group {g.name!r} has no categories; left out", "group"))
    groups = [g for g in groups if g.categories]
    if not groups:
        raise ImportFailed(
            f"{source or sheet}: levels found at {view.range_ref(header.row, first, header.row, last)}"
            " but no category rows with descriptors below them")
    return Detection(
        source=source, sheet=sheet, orientation="rows" if view.transposed else "columns",
        header_ref=view.range_ref(top, first, bottom, last), title=title, levels=levels,
        groups=groups,
        weight_ref=view.ref(header.row, weight_col) if weight_col is not None else None,
        notes=notes,
    )


def _starts_merge(view: _View, r: int, c: int) -> bool:
    m = view.cover.get((r, c))
    return m is not None and m[0] == r and m[1] == c


def _origin(view: _View, r: int, c: int) -> tuple[int, int]:
    m = view.cover.get((r, c))
    return (m[0], m[1]) if m else (r, c)


def _drop_pending(pending: tuple[str, str, int], notes: list[Note]) -> None:
    notes.append(Note(pending[1], f"{_clip(pending[0])!r} has no descriptors and no categories "
                                  "follow it; ignored as a note", "stray"))


def _clip(text: str, n: int = 60) -> str:
    text = _squash(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


# -- choosing a sheet ----------------------------------------------------------------------------


def import_matrix(source: str, sheet: str | None = None, levels_in: Orientation | None = None) -> Detection:
    """Read ``source`` and detect its matrix: on ``sheet`` if named, else on a sheet called
    Matrix, else on the visible sheet holding the largest matrix."""
    tables = read_tables(source)
    if sheet is not None:
        chosen = [t for t in tables if t.name == sheet] or [
            t for t in tables if t.name.lower() == sheet.lower()]
        if not chosen:
            raise ImportFailed(f"{source}: no sheet named {sheet!r}; sheets: "
                               + ", ".join(repr(t.name) for t in tables))
        return detect(chosen[0], levels_in, source)
    if len(tables) == 1:
        return detect(tables[0], levels_in, source)
    named = [t for t in tables if t.name.lower() == "matrix"]
    if named:
        return detect(named[0], levels_in, source)
    found: list[Detection] = []
    errors: list[str] = []
    for t in tables:
        if not t.visible:
            continue
        try:
            found.append(detect(t, levels_in, source))
        except ImportFailed as e:
            errors.append(str(e))
    if not found:
        raise ImportFailed(f"{source}: no descriptor matrix found on any sheet ("
                           + ", ".join(repr(t.name) for t in tables if t.visible)
                           + "); name one with --sheet")
    return max(found, key=lambda d: len(d.levels) * len(d.categories))


# -- the definition ------------------------------------------------------------------------------


def default_name(det: Detection) -> str:
    if det.title:
        name = det.title[: -len(MATRIX_SUFFIX)] if det.title.endswith(MATRIX_SUFFIX) else det.title
        if name.strip():
            return name.strip()
    stem = Path(det.source).stem if det.source and Path(det.source).suffix else det.sheet
    return _squash(re.sub(r"[_-]+", " ", stem)).title() or "Imported ladder"


def definition_data(det: Detection, ladder_id: str, name: str) -> dict[str, Any]:
    """The definition as plain data, in the key order of the bundled definitions."""
    from .definition import _default_roles

    where = f"{Path(det.source).name if Path(det.source).exists() else det.source}, sheet {det.sheet}"
    data: dict[str, Any] = {
        "id": ladder_id,
        "name": name,
        "version": "0.1.0",
        "source": f"Imported from {where}",
        "levels": [{"code": lv.code, "name": lv.name} for lv in det.levels],
        "groups": [],
        "raters": [r.model_dump(exclude_defaults=True) for r in _default_roles()],
    }
    for g in det.groups:
        cats: list[dict[str, Any]] = []
        for c in g.categories:
            item: dict[str, Any] = {"id": c.id, "name": c.name}
            if c.weight != 1:
                item["weight"] = int(c.weight) if c.weight.is_integer() else c.weight
            if c.purpose:
                item["purpose"] = c.purpose
            item["descriptors"] = {
                code: ({"text": text, "drafted": True} if code in c.drafted else text)
                for code, text in c.descriptors.items()
            }
            cats.append(item)
        data["groups"].append({"id": g.id, "name": g.name, "categories": cats})
    return data


def _literal(node: Any) -> Any:
    """Multi-line texts as YAML block scalars, everything else unchanged (ruamel quotes as needed)."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(node, dict):
        return {k: _literal(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_literal(v) for v in node]
    if isinstance(node, str) and "\n" in node:
        return LiteralScalarString(node)
    return node


def definition_yaml(det: Detection, ladder_id: str, name: str, path: str = "<import>") -> str:
    """YAML text of the definition; checked with the definition loader before it is returned."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    buf.write("# yaml-language-server: $schema=schema.json\n")
    buf.write(f"# Imported by `sheetladder import` from {det.source} (sheet {det.sheet}).\n")
    empty = len(det.empty_cells)
    if empty:
        buf.write(f"# {empty} empty cell(s) became placeholders marked drafted: search for 'TODO'.\n")
    yaml.dump(_literal(definition_data(det, ladder_id, name)), buf)
    text = buf.getvalue()
    try:
        load_text(text, path)
    except DefinitionError as e:
        raise ImportFailed("the imported definition does not validate:\n"
                           + "\n".join(str(p) for p in e.problems)) from None
    return text


def write_new(path: Path, text: str, force: bool = False) -> None:
    """Write ``text`` to ``path``; an existing file is only replaced with ``force``."""
    try:
        files.write_new(path, text.encode("utf-8"), force)
    except FileExistsError as e:
        raise ImportFailed(str(e)) from None


def summary_lines(det: Detection) -> list[str]:
    """What was detected, for people: levels, groups, categories, empty cells, other notes."""
    lines = [f"Matrix on sheet {det.sheet!r} of {det.source}: levels across the "
             f"{'rows' if det.orientation == 'rows' else 'columns'}, header {det.header_ref}"]
    lines.append(f"Levels ({len(det.levels)}): "
                 + ", ".join(lv.code if lv.name == lv.code else f"{lv.code} {lv.name}" for lv in det.levels))
    lines.append(f"Groups ({len(det.groups)}), categories ({len(det.categories)}):")
    for g in det.groups:
        lines.append(f"  {g.name}: " + ", ".join(
            c.name + (f" (weight {c.weight:g})" if c.weight != 1 else "") for c in g.categories))
    lines.append(f"Weights: from {det.weight_ref}" if det.weight_ref else "Weights: no weight column; all 1")
    if det.empty_cells:
        lines.append(f"Empty cells ({len(det.empty_cells)}), written as drafted placeholders:")
        lines.extend(f"  {n.ref}" + f" ({n.message.split(';')[0].removeprefix('empty: ')})"
                     for n in det.empty_cells)
    else:
        lines.append("Empty cells: none")
    if det.other_notes:
        lines.append(f"Check ({len(det.other_notes)}):")
        lines.extend(f"  {n}" for n in det.other_notes)
    return lines
