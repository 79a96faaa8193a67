"""Grid: what a filled workbook holds, whatever application saved it.

A Grid is the reader's only view of a workbook: per sheet, per cell, the formula (if the cell
holds one) and the value (the stored result for a formula). Opening an .xlsx and reading a
Google Sheet both produce a Grid, so one verifier serves both.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import dirname, normpath
from posixpath import join as pjoin
from typing import IO, Any, Literal

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
    content_hash: str | None = None  # sha256 of the file's bytes, when read from a file

    @property
    def names(self) -> list[str]:
        return list(self.sheets)


class UnreadableWorkbook(Exception):
    """A file that cannot be read as a workbook at all (the reader's exit code 2)."""

    def __init__(self, source: str, reason: str):
        reason = re.sub(r"[\x00-\x1f\x7f]+", " ", reason).strip()  # always one line
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


# -- opening an .xlsx ------------------------------------------------------------------------
#
# Every check below runs before openpyxl sees the file, so a hostile file costs little: the file
# is read once into memory (nothing ever writes to it), recognised by its first bytes, and its
# zip directory is checked against size limits before any part is decompressed. openpyxl then
# parses with defusedxml (it does so whenever defusedxml is installed; see _require_defusedxml),
# and every XML part is refused outright if its prolog declares a DOCTYPE, which no Office Open
# XML part ever has, so entity bombs never reach a parser.

MAX_FILE_BYTES = 20 * 2**20  # a filled workbook is ~50 KB; the largest ladders stay far below
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 50 * 2**20  # uncompressed size of one part
MAX_TOTAL_BYTES = 200 * 2**20  # uncompressed size of all parts together
MAX_RATIO = 200  # compression ratio allowed for parts over 1 MiB (XML compresses ~10-30x)
MAX_ROWS = 10_000  # per sheet; a workbook of the largest ladder has a few hundred
MAX_CELL_SLOTS = 2_000_000  # cell positions walked in all sheets together
PROLOG_LIMIT = 64 * 2**10

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MAIN_NS = (
    "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
    "{http://purl.oclc.org/ooxml/spreadsheetml/main}",
)
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_VISIBILITY: dict[str, Visibility] = {"visible": "visible", "hidden": "hidden",
                                      "veryHidden": "very_hidden"}


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def read_file_bytes(path: str | Path) -> bytes:
    """The bytes of ``path``, opened read-only, refused above :data:`MAX_FILE_BYTES`."""
    source = str(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise UnreadableWorkbook(source, f"file is {_mb(size)}, over the {_mb(MAX_FILE_BYTES)} "
                                                 "limit for a workbook")
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UnreadableWorkbook(source, "no such file") from None
    except IsADirectoryError:
        raise UnreadableWorkbook(source, "is a directory, not a workbook") from None
    except PermissionError:
        raise UnreadableWorkbook(source, "permission denied") from None
    except OSError as e:
        raise UnreadableWorkbook(source, f"cannot be read: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableWorkbook(source, f"file is over the {_mb(MAX_FILE_BYTES)} limit for a workbook")
    return data


def sniff(data: bytes) -> str | None:
    """Why ``data`` is not an .xlsx, judged by its first bytes; None when it starts like a zip."""
    if not data:
        return "empty file (0 bytes)"
    if data.startswith(_ZIP_MAGICS):
        return None
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return ("password-protected (encrypted) workbook: open it, remove the password "
                    "(File > Info > Protect Workbook > Encrypt with Password) and save it again")
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "old Excel 97-2003 .xls workbook: open it and save it as .xlsx"
        return "an OLE compound document (old Office format), not an .xlsx workbook"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page, not a workbook (a failed download or a sign-in page?)"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "an XML or text file, not an .xlsx workbook"
    if head.startswith(b"%pdf"):
        return "a PDF document, not a workbook"
    return "not an .xlsx workbook (not a zip archive)"


def _check_members(source: str, zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnreadableWorkbook(source, f"zip archive has {len(infos)} parts (limit {MAX_MEMBERS})")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        if "mimetype" in names:
            try:
                mime = zf.read("mimetype")[:100]
            except Exception:  # noqa: BLE001 - any failure here just means "not ODF"
                mime = b""
            if b"opendocument.spreadsheet" in mime:
                return _fail(source, "an OpenDocument spreadsheet (.ods): save it as .xlsx")
        return _fail(source, "a zip archive but not an .xlsx workbook (no [Content_Types].xml)")
    if "xl/workbook.bin" in names:
        return _fail(source, "a binary .xlsb workbook: save it as .xlsx")
    if not any(n.startswith("xl/") for n in names):
        if any(n.startswith("word/") for n in names):
            return _fail(source, "a Word document, not a workbook")
        if any(n.startswith("ppt/") for n in names):
            return _fail(source, "a PowerPoint document, not a workbook")
        return _fail(source, "an Office file but not an Excel workbook (no xl/ part)")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            return _fail(source, f"zip part {info.filename} is encrypted: not a readable workbook")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return _fail(source, f"zip part {info.filename} uses an unsupported compression method")
        if info.file_size > MAX_MEMBER_BYTES:
            return _fail(source, f"zip part {info.filename} would unpack to {_mb(info.file_size)} "
                                 f"(limit {_mb(MAX_MEMBER_BYTES)}): refused as a possible zip bomb")
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return _fail(source, f"zip part {info.filename} is compressed {ratio}:1: refused as a "
                                 "possible zip bomb")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        _fail(source, f"zip archive would unpack to {_mb(total)} (limit {_mb(MAX_TOTAL_BYTES)}): "
                      "refused as a possible zip bomb")


def _fail(source: str, reason: str) -> None:
    raise UnreadableWorkbook(source, reason)


def _prolog_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """Why an XML part's prolog is refused (a DOCTYPE, so possibly an entity bomb), or None."""
    with zf.open(info) as f:
        raw = f.read(2048)
        while True:
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
                enc = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else (
                    "utf-16-le" if raw[0] == 0x3C else "utf-16-be")
                text = raw[: len(raw) // 2 * 2].decode(enc, errors="ignore")
            else:
                text = raw.decode("latin-1")
            text = text.lstrip("\ufeff").replace("ï»¿", "", 1)
            verdict = _scan_prolog(text)
            if verdict == "ok":
                return None
            if verdict == "doctype":
                return "declares a DOCTYPE (possible XML entity bomb)"
            # the prolog goes on past what was read
            if len(raw) >= PROLOG_LIMIT:
                return "has an XML prolog longer than 64 KB"
            more = f.read(len(raw))
            if not more:
                return None  # a malformed part: the parser reports it
            raw += more


def _scan_prolog(text: str) -> str:
    """'ok' when the root element starts before any declaration, 'doctype', or 'more'."""
    i = 0
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return "more"
        if text.startswith("<?", i):
            j = text.find("?>", i + 2)
            if j < 0:
                return "more"
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                return "more"
            i = j + 3
        elif text.startswith("<!", i):
            return "doctype" if n - i >= 2 else "more"
        else:
            return "ok"


def _check_xml_parts(source: str, zf: zipfile.ZipFile) -> None:
    for info in zf.infolist():
        name = info.filename.lower()
        if info.is_dir() or not (name.endswith(".xml") or name.endswith(".rels")):
            continue
        problem = _prolog_problem(zf, info)
        if problem:
            _fail(source, f"refused: XML part {info.filename} {problem}")


def _require_defusedxml() -> None:
    """openpyxl parses with defusedxml when it is installed, unless OPENPYXL_DEFUSEDXML says no."""
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise RuntimeError(
            "openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML set to something other than "
            "True?); refusing to parse untrusted workbooks without it")


def open_zip(source: str, data: bytes) -> zipfile.ZipFile:
    """``data`` as a checked zip: magic bytes, zip directory, part sizes, XML prologs."""
    reason = sniff(data)
    if reason:
        raise UnreadableWorkbook(source, reason)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise UnreadableWorkbook(source, f"truncated or damaged .xlsx file ({_one_line(e)})") from None
    try:
        _check_members(source, zf)
        _check_xml_parts(source, zf)
    except UnreadableWorkbook:
        zf.close()
        raise
    except Exception as e:  # noqa: BLE001 - a damaged part: say so in one line
        zf.close()
        raise UnreadableWorkbook(source, f"truncated or damaged .xlsx file ({_one_line(e)})") from None
    return zf


def _one_line(e: BaseException) -> str:
    while e.__cause__ is not None or (e.__context__ is not None and not e.__suppress_context__):
        e = e.__cause__ or e.__context__  # type: ignore[assignment]  # the root cause says most
    text = str(e).strip().splitlines()
    msg = text[0] if text else ""
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def open_xlsx(path: str | Path) -> Grid:
    """Read an .xlsx into a Grid with openpyxl, refusing hostile or foreign files.

    One openpyxl load (read-only, formulas kept) gives every cell and formula; the stored results
    of formula cells, which that load discards, come from one light pass over the same sheet
    parts (:func:`_stored_results`) instead of a second openpyxl load.
    Raises :class:`UnreadableWorkbook` with a one-line reason for anything that is not a readable
    workbook. The file is only ever opened for reading.
    """
    source = str(path)
    data = read_file_bytes(path)
    return grid_from_bytes(source, data)


def grid_from_bytes(source: str, data: bytes) -> Grid:
    """The Grid of an .xlsx held in memory (see :func:`open_xlsx`)."""
    _require_defusedxml()
    zf = open_zip(source, data)
    try:
        grid = _read_with_openpyxl(source, data, zf)
    except UnreadableWorkbook:
        raise
    except Exception as e:  # noqa: BLE001 - a library failing on bad input must not crash a batch
        raise UnreadableWorkbook(source, f"not a readable .xlsx workbook ({_one_line(e)})") from None
    finally:
        zf.close()
    grid.content_hash = hashlib.sha256(data).hexdigest()
    return grid


_CONTROL_ESCAPE = re.compile(r"_x00([01][0-9A-Fa-f])_")


def unescape_controls(text: str) -> str:
    """Decode the ``_x000B_`` escapes writers use for control characters in cell text.

    openpyxl returns them undecoded. Only control characters are decoded: they are all that
    xlsxwriter and Excel escape, and a literal ``_x0041_`` typed by someone stays as it is.
    """
    if "_x00" not in text:
        return text
    return _CONTROL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _plain(value: Any) -> CellValue:
    if isinstance(value, str):
        return unescape_controls(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    return str(value)


def _read_with_openpyxl(source: str, data: bytes, zf: zipfile.ZipFile) -> Grid:
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    grid = Grid(source=source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "extension is not supported" and the like
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                    keep_links=False, keep_vba=False, rich_text=False)
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
    if with_formulas:
        parts = sheet_parts(zf)
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


def _read_sheet(source: str, ws: Any, sg: SheetGrid, slots: int) -> tuple[int, bool]:
    has_formula = False
    max_row = max_col = -1
    for row in ws.iter_rows():
        slots += len(row) or 1
        if slots > MAX_CELL_SLOTS:
            _fail(source, f"sheet {sg.name!r} is too large to be a sheetladder workbook")
        for cell in row:
            value = cell.value
            if value is None:
                continue
            r = cell.row - 1
            c = cell.column - 1
            if r >= MAX_ROWS:
                _fail(source, f"sheet {sg.name!r} is too large to be a sheetladder workbook "
                              f"(data beyond row {MAX_ROWS})")
            dtype = cell.data_type
            if dtype == "f":
                text = value if isinstance(value, str) else getattr(value, "text", None) or ""
                formula = text[1:] if text.startswith("=") else text
                sg.cells[(r, c)] = GridCell(formula=formula)
                has_formula = True
            elif dtype == "e":
                sg.cells[(r, c)] = GridCell(error=str(value))
            else:
                sg.cells[(r, c)] = GridCell(value=_plain(value))
            max_row = max(max_row, r)
            max_col = max(max_col, c)
    sg.max_row = max_row
    sg.max_col = max_col
    return slots, has_formula


def _xml_iter(f: IO[bytes], events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Any]]:
    from defusedxml.ElementTree import iterparse

    return iterparse(f, events=events)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return normpath(target.lstrip("/"))
    return normpath(pjoin(base_dir, target))


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved target) for a part."""
    rels_path = pjoin(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
    out: dict[str, tuple[str, str]] = {}
    try:
        f = zf.open(rels_path)
    except KeyError:
        return out
    with f:
        for _, el in _xml_iter(f):
            if _local(el.tag) == "Relationship" and el.get("TargetMode") != "External":
                out[el.get("Id", "")] = (el.get("Type", ""), _resolve(dirname(part), el.get("Target", "")))
    return out


def workbook_part(zf: zipfile.ZipFile) -> str:
    for _, (rtype, target) in _rels(zf, "").items():
        if rtype.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip part holding it."""
    wb_part = workbook_part(zf)
    rels = _rels(zf, wb_part)
    out: dict[str, str] = {}
    with zf.open(wb_part) as f:
        for _, el in _xml_iter(f):
            if _local(el.tag) == "sheet":
                rid = el.get(_REL_NS + "id") or el.get("{http://purl.oclc.org/ooxml/officeDocument/"
                                                       "relationships}id")
                if rid in rels:
                    out[el.get("name", "")] = rels[rid][1]
    return out


def shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """The shared string table (rich runs joined, phonetic runs left out)."""
    wb_part = workbook_part(zf)
    part = next((t for rtype, t in _rels(zf, wb_part).values() if rtype.endswith("/sharedStrings")),
                None)
    if part is None:
        return []
    out: list[str] = []
    with zf.open(part) as f:
        for _, el in _xml_iter(f):
            if _local(el.tag) == "si":
                out.append(_text_of(el))
                el.clear()
    return out


def _text_of(el: Any) -> str:
    """Text of an <si> or <is> element: its <t> children and rich-run <t>s, not phonetic ones."""
    parts: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return "".join(parts)


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _coords(ref: str) -> tuple[int, int] | None:
    m = _CELL_REF.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)) - 1, col - 1


class _ForbiddenDeclaration(Exception):
    pass


def _forbid(*_: object) -> None:
    raise _ForbiddenDeclaration("DTD or entity declaration in a sheet part")


def _stored_results(zf: zipfile.ZipFile, part: str, strings: list[str] | None
                    ) -> tuple[dict[tuple[int, int], tuple[CellValue, str | None]], bool]:
    """Stored results of a sheet's formula cells: (row, col) -> (value, error).

    A bare expat pass (no element tree) with every DTD and entity declaration refused, like
    defusedxml. Returns also whether a result refers to the shared string table and ``strings``
    was None.
    """
    from xml.parsers import expat

    out: dict[tuple[int, int], tuple[CellValue, str | None]] = {}
    needs = [False]
    state: dict[str, Any] = {"row": -1, "col": -1, "cell": None}
    text: list[str] = []
    capture = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit("}", 1)[-1]
        if local == "c":
            ref = attrs.get("r")
            pos = _coords(ref) if ref else None
            if pos is None:
                pos = (state["row"], state["col"] + 1)
            state["col"] = pos[1]
            state["cell"] = [pos, attrs.get("t", "n"), False, None, None]  # pos, t, has_f, v, is
        elif local == "row":
            r = attrs.get("r")
            state["row"] = int(float(r)) - 1 if r else state["row"] + 1
            state["col"] = -1
        elif state["cell"] is not None:
            if local == "f":
                state["cell"][2] = True
            elif local == "v" or (local == "t" and state["cell"][1] == "inlineStr"):
                capture[0] = True
                text.clear()

    def end(name: str) -> None:
        local = name.rsplit("}", 1)[-1]
        cell = state["cell"]
        if cell is None:
            return
        if local == "v" and capture[0]:
            cell[3] = "".join(text)
            capture[0] = False
        elif local == "t" and capture[0]:
            cell[4] = (cell[4] or "") + "".join(text)
            capture[0] = False
        elif local == "c":
            state["cell"] = None
            if cell[2]:
                out[cell[0]] = _stored_value(cell[1], cell[3], cell[4], strings, needs)

    def chars(data: str) -> None:
        if capture[0]:
            text.append(data)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid  # type: ignore[assignment]
    with zf.open(part) as f:
        try:
            parser.ParseFile(f)
        except _ForbiddenDeclaration:
            raise UnreadableWorkbook(zf.filename or "", f"refused: XML part {part} declares a DOCTYPE "
                                                        "(possible XML entity bomb)") from None
    return out, needs[0]


def _stored_value(t: str, text: str | None, inline: str | None, strings: list[str] | None,
                  needs: list[bool]) -> tuple[CellValue, str | None]:
    if t == "e":
        return None, text
    if t == "str":
        return unescape_controls(text or ""), None
    if t == "inlineStr":
        return unescape_controls(inline or ""), None
    if t == "b":
        return text not in (None, "", "0"), None
    if t == "s":
        if strings is None:
            needs[0] = True
            return None, None
        if text is not None and text.strip().isdigit() and int(text) < len(strings):
            return unescape_controls(strings[int(text)]), None
        return None, None
    if t == "d":
        return text, None
    if text is None or text == "":
        return None, None
    try:
        return float(text), None
    except ValueError:
        return text, None
