"""Every input the importer takes (.xlsx, .ods, .csv, a Google Sheet) as plain-text Tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..a1 import col_letter
from ..errors import (
    CsvNotWorkbook,
    EncryptedWorkbook,
    SheetladderError,
    UnreadableWorkbook,
    encrypted_reason,
)
from ..xlsx.archive import (
    MAX_CELL_SLOTS,
    check_xml_prologs,
    check_zip_limits,
    encryption,
    ods_encrypted,
    one_line,
    read_file_bytes,
    saved_as_csv,
    sniff,
)

Orientation = Literal["columns", "rows"]
Merge = tuple[int, int, int, int]  # r1, c1, r2, c2: 0-based, inclusive

PLACEHOLDER = "TODO: describe {category} at {code}"
MATRIX_SUFFIX = ": descriptor matrix"  # the title sheetladder's own Matrix tab carries
_MAX_REPEAT = 10_000  # ODF repeats of non-empty cells beyond this are not materialised
_MAX_HELD = 100_000  # XML elements held at once; a row is at most 16,384 cells of a few each
_MAX_DEPTH = 256  # XML nesting; spreadsheets nest a few dozen deep at most


# what to do with a file that cannot be read, or one too large to read
_RESAVE = "open it in Excel or LibreOffice and save it again as .xlsx, then import that"
_ALONE = "copy the matrix alone onto a sheet of a new workbook and import that"


class ImportFailed(SheetladderError):
    """The source could not be read or holds no recognisable matrix; the message says why."""


class ImportCsvNamedOtherwise(ImportFailed):
    """A text file saved as CSV under a workbook's name (.xlsx, .ods): the importer reads a CSV
    from a file named .csv only."""


def _csv_named_otherwise(path: Path, what: str) -> ImportCsvNamedOtherwise:
    return ImportCsvNamedOtherwise(f"{path}: a CSV text file, not {what} (a CSV is imported "
                                   "from a file named .csv)")


class ImportEncrypted(ImportFailed):
    """The source is encrypted with a password: unreadable as a workbook is (exit code 2)."""

    exit_code = UnreadableWorkbook.exit_code


def _encrypted(path: Path | str, kind: str = "workbook") -> ImportEncrypted:
    return ImportEncrypted(f"{path}: {encrypted_reason(kind)}")


# -- the normalised input ------------------------------------------------------------------------



@dataclass
class Table:
    """One sheet as plain text: ``cells`` maps (row, col) to non-empty text; merges inclusive."""

    name: str
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    visible: bool = True
    notes: list[str] = field(default_factory=list)  # what the reading library said of the file
    italic: set[tuple[int, int]] = field(default_factory=set)  # cells set in italics (.xlsx)
    # rows and columns hidden in the sheet (.xlsx, .ods), still holding their cells
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    # hidden rows and columns emptied by --hidden skip: the lines either side count as adjacent
    bridged_rows: set[int] = field(default_factory=set)
    bridged_cols: set[int] = field(default_factory=set)
    # formula cells saved without a result (openpyxl writes them so; Excel and LibreOffice
    # save one): they read as empty, though the sheet shows a text once computed
    uncomputed: set[tuple[int, int]] = field(default_factory=set)
    # a CSV's rows -> the line each begins on (a quoted text may hold line breaks); None for
    # a workbook's sheet. In a CSV a row wider than its header is a sign of a delimiter typed
    # in an unquoted text, which shifts the cells after it
    csv_lines: dict[int, int] | None = None
    csv_delimiter: str = ","

    def skip_hidden(self) -> list[str]:
        """Empty the hidden rows and columns (--hidden skip); the refs of those that held text."""
        gone = [cell_ref(self.name, r, c) for (r, c) in sorted(self.cells)
                if r in self.hidden_rows or c in self.hidden_cols]
        self.cells = {rc: v for rc, v in self.cells.items()
                      if rc[0] not in self.hidden_rows and rc[1] not in self.hidden_cols}
        self.bridged_rows, self.bridged_cols = set(self.hidden_rows), set(self.hidden_cols)
        self.hidden_rows, self.hidden_cols = set(), set()
        return gone

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
        if encryption(data):
            raise _encrypted(path)
        if saved_as_csv(data):
            raise _csv_named_otherwise(path, what)
        raise ImportFailed(f"{path}: {reason}")
    return data


def _checked_zip(path: Path, data: bytes, what: str) -> zipfile.ZipFile:
    """``data`` as a zip whose directory is within the reader's limits; nothing inflated yet."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise ImportFailed(f"{path}: not a readable {what} ({one_line(e)}): {_RESAVE}") from None
    try:
        check_zip_limits(str(path), zf)
    except UnreadableWorkbook as e:
        zf.close()
        raise ImportFailed(str(e)) from None
    if "content.xml" in zf.namelist() and ods_encrypted(zf):
        zf.close()
        raise _encrypted(path, "spreadsheet")
    return zf


def _check_prologs(path: Path, zf: zipfile.ZipFile, what: str, parts: list[str] | None = None
                   ) -> None:
    """No DTD in the XML parts (or just ``parts``, the ones to be parsed); one line if any."""
    try:
        check_xml_prologs(str(path), zf, parts)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    except Exception as e:  # a damaged part: one line, never a traceback
        raise ImportFailed(f"{path}: not a readable {what} ({one_line(e)}): {_RESAVE}") from None


def _too_large(path: Path, what: str) -> ImportFailed:
    return ImportFailed(f"{path}: more than {MAX_CELL_SLOTS:,} {what}; too large to import: "
                        f"{_ALONE}")


def read_xlsx(path: Path) -> list[Table]:
    """Every sheet of an .xlsx, with its merged ranges, read by the reader ``sheetladder read``
    uses (its defences against hostile files included)."""
    try:
        data = read_file_bytes(path)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    return _xlsx_tables(path, data)


def _xlsx_tables(path: Path, data: bytes) -> list[Table]:
    """The tables of an .xlsx held in ``data``."""
    from ..xlsx.read import grid_from_bytes

    try:
        grid = grid_from_bytes(str(path), data)
    except EncryptedWorkbook:
        raise _encrypted(path) from None
    except CsvNotWorkbook:  # the reader's advice is for filled workbooks
        raise _csv_named_otherwise(path, "an .xlsx workbook") from None
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    from .styles import hidden_lines, italic_cells

    tables = tables_from_grid(grid)
    italics = italic_cells(data)
    hidden = hidden_lines(data)
    for t in tables:
        t.italic = italics.get(t.name, set())
        t.hidden_rows, t.hidden_cols = hidden.get(t.name, (set(), set()))
    return tables


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
        raise ImportFailed(f"{path}: not a readable .ods spreadsheet ({e}): {_RESAVE}") from None
    try:
        return _ods_stream(path, ElementTree.iterparse(io.BytesIO(content), events=("start", "end")))
    except (ElementTree.ParseError, DefusedXmlException) as e:
        raise ImportFailed(f"{path}: content.xml is not valid XML ({e}): {_RESAVE}") from None
    except (ValueError, RecursionError) as e:  # a bad count, or nesting beyond reason
        raise ImportFailed(f"{path}: not a readable .ods spreadsheet ({one_line(e)}): "
                           f"{_RESAVE}") from None


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
                               f"{held_where}; too large to import: {_ALONE}")
        if depth > _MAX_DEPTH:
            raise ImportFailed(f"{self.path}: {part} nests XML elements more than {_MAX_DEPTH} "
                               "deep; not a spreadsheet")


_ROW = _q("table", "table-row")
_ROW_WRAPPERS = (_q("table", "table-header-rows"), _q("table", "table-row-group"), _q("table", "table-rows"))
_COLUMN = _q("table", "table-column")
_COLUMN_WRAPPERS = (_q("table", "table-header-columns"), _q("table", "table-column-group"),
                    _q("table", "table-columns"))
_HIDDEN = ("collapse", "filter")  # ODF's hidden rows and columns (hidden, or filtered out)


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
    cols_at: dict[int, int] = {}  # ... -> its next column index (table:table-column elements)
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
                n = _count(el, "number-rows-repeated")
                if el.get(_q("table", "visibility")) in _HIDDEN:
                    t.hidden_rows.update(range(r, r + min(n, _MAX_REPEAT)))
                rows_at[id(tbl_el)] = r + n
        elif el.tag == _COLUMN:
            table = _row_table(stack, open_tables, _COLUMN_WRAPPERS)
            if table is not None:
                tbl_el, t = table
                c = cols_at.get(id(tbl_el), 0)
                n = _count(el, "number-columns-repeated")
                if el.get(_q("table", "visibility")) in _HIDDEN:
                    t.hidden_cols.update(range(c, c + min(n, _MAX_REPEAT)))
                cols_at[id(tbl_el)] = c + n
        elif el.tag == table_tag:
            open_tables.pop()
        if not keep:
            held = 0
            if stack:
                stack[-1].remove(el)  # read or not needed: drop it
    for t, style in tables:
        t.visible = style not in hidden_styles
    if not tables:
        raise ImportFailed(f"{path}: the .ods holds no sheets: open it in LibreOffice, put the "
                           "matrix on a sheet and save it again")
    return [t for t, _ in tables]


def _row_table(stack: list[Any], open_tables: list[tuple[Any, Table]],
               wrappers: tuple[str, ...] = _ROW_WRAPPERS) -> tuple[Any, Table] | None:
    """The table a row (or column) that just ended belongs to: the innermost open table, when
    only row (column) wrappers stand between them; else None (a row elsewhere is not read)."""
    if not open_tables:
        return None
    tbl_el = open_tables[-1][0]
    for el in reversed(stack):
        if el is tbl_el:
            return open_tables[-1]
        if el.tag not in wrappers:
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
    notes: list[str] = []
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text", UTF-16
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError as e:
                raise ImportFailed(f"{path}: begins as UTF-16 text but is not valid UTF-16 "
                                   f"({e.reason}); save it as 'CSV UTF-8'") from None
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as e:
            raise ImportFailed(f"{path}: not UTF-8 text ({e.reason}); save it as 'CSV UTF-8'") from None
        notes.append("the file is not UTF-8 and was read as Windows-1252 (Western European); "
                     "if its names show odd letters, it was saved in another encoding: save it "
                     "as 'CSV UTF-8' and import it again")
    # Excel's delimiter hint ("sep=;" on the first line): used, and its line read as blank so
    # that rows keep their line numbers
    hint = re.match(r"sep=(.)[ \t]*\r?\n", text)
    dialect: Any
    if hint:
        delimiter = hint.group(1)
        text = "\n" + text[hint.end():]

        class _Hinted(csv.excel):
            pass

        _Hinted.delimiter = delimiter
        dialect = _Hinted
    else:
        try:
            sniffed = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        else:
            # only the delimiter (and spaces after it) is taken from the sniffer: its guess of
            # the quoting is a guess (a text holding '""why""' and commas made it guess no
            # doubled quotes, and the text was split at its commas), while every spreadsheet
            # writes a quote inside a quoted text doubled, as Excel does
            class _Sniffed(csv.excel):
                pass

            _Sniffed.delimiter = sniffed.delimiter
            _Sniffed.skipinitialspace = sniffed.skipinitialspace
            dialect = _Sniffed
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[str]] = []
    lines: dict[int, int] = {}
    start = 1
    for row in reader:
        lines[len(rows)] = start
        rows.append([_text(v) for v in row])
        start = reader.line_num + 1
    table = Table.from_rows(path.stem, rows)
    table.notes = notes
    table.csv_lines, table.csv_delimiter = lines, dialect.delimiter
    return [table]


def tables_from_grid(grid: Any) -> list[Table]:
    """Tables from a :class:`sheetladder.grid.Grid` (the Google Sheets reader's output)."""
    tables: list[Table] = []
    for name, sg in grid.sheets.items():
        t = Table(name, visible=getattr(sg, "visibility", "visible") == "visible")
        for (r, c), cell in sg.cells.items():
            text = _text(cell.value) if cell.value is not None else (cell.error or "")
            if text.strip():
                t.cells[(r, c)] = text
            elif cell.formula and cell.error is None and cell.value is None:
                # no result saved at all (a computed empty text is saved as one: "")
                t.uncomputed.add((r, c))
        t.merges = list(sg.merges)
        t.notes = list(getattr(grid, "notes", []))
        tables.append(t)
    return tables


def read_tables(source: str) -> list[Table]:
    """Every sheet of ``source``: a file (.xlsx/.xlsm, .ods, .csv/.tsv/.txt) or a Google Sheet."""
    from ..google.read import is_google_source

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
    try:  # another extension: judged by what the file holds
        data = read_file_bytes(path)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    if encryption(data):
        raise _encrypted(source)
    if ext == ".xls":
        raise ImportFailed(f"{source}: the old .xls format is not read; save it as .xlsx first")
    if saved_as_csv(data):
        raise _csv_named_otherwise(path, "a spreadsheet")
    if zipfile.is_zipfile(io.BytesIO(data)):
        with _checked_zip(path, data, "spreadsheet") as zf:
            names = set(zf.namelist())
            if "content.xml" in names:
                _check_prologs(path, zf, ".ods spreadsheet", ["content.xml"])
                return _ods_tables(path, zf)
            if any(n.startswith("xl/") for n in names):
                return _xlsx_tables(path, data)
    raise ImportFailed(f"{source}: not a spreadsheet sheetladder reads (.xlsx, .ods, .csv or a Google Sheet)")


def _read_google(source: str) -> list[Table]:
    from ..errors import UnreadableWorkbook
    from ..google.read import open_grid

    try:
        grid = open_grid(source)
    except UnreadableWorkbook as e:
        raise ImportFailed(str(e)) from None
    return tables_from_grid(grid)
