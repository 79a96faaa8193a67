"""The parts of an .xlsx package both readers need: relationships, sheets, shared strings,
stored results of formula cells."""

from __future__ import annotations

import datetime as _dt
import re
import zipfile
from collections.abc import Iterator
from posixpath import dirname, normpath
from posixpath import join as pjoin
from typing import IO, Any

from ..errors import UnreadableWorkbook
from ..grid import CellValue
from .archive import _REL_NS

_CONTROL_ESCAPE = re.compile(r"_x00([01][0-9A-Fa-f])_")


def unescape_controls(text: str) -> str:
    """Decode the ``_x000B_`` escapes writers use for control characters in the text of an
    inline string or of a ``t="str"`` value (shared strings are decoded whole, as the table
    is read: :func:`decode_xstring`).

    openpyxl returns them undecoded. Only control characters are decoded: they are all that
    xlsxwriter and Excel escape, and a literal ``_x0041_`` typed by someone stays as it is.
    (Writers escape U+FFFE and U+FFFF too; sheetladder refuses those characters in what it
    writes, so that a typed ``_xFFFE_`` reads back as typed.)
    """
    if "_x00" not in text:
        return text
    return _CONTROL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def decode_xstring(text: str) -> str:
    """The text of a shared string as ECMA-376 means it (Part 1, 22.9.2.19 ST_Xstring).

    ``_xHHHH_`` (four hex digits, either case) is the character U+HHHH, and ``_x005F_`` the
    escape of ``_`` itself: Excel and xlsxwriter write a control character as ``_x000D_`` and a
    typed ``_x000D_`` as ``_x005F_x000D_``. Escapes are taken left to right, never overlapping,
    so ``_x005F_x000D_`` is ``_x000D_``. A high and a low surrogate written as two adjacent
    escapes are the one character they encode; a lone surrogate, ``_xFFFE_`` and ``_xFFFF_``
    are left as the text written (no str may hold a lone surrogate, and no XML text those two).
    """
    if "_x" not in text:
        return text
    out: list[str] = []
    pos = 0
    pending: re.Match[str] | None = None  # a high surrogate's escape, waiting for its low one
    for m in _XSTRING_ESCAPE.finditer(text):
        code = int(m.group(1), 16)
        if pending is not None:
            if m.start() == pending.end() and 0xDC00 <= code <= 0xDFFF:
                high = int(pending.group(1), 16)
                out.append(text[pos:pending.start()])
                out.append(chr(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)))
                pos = m.end()
                pending = None
                continue
            pending = None  # a lone high surrogate: left as written
        if 0xD800 <= code <= 0xDBFF:
            pending = m
        elif 0xDC00 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            continue  # left as written
        else:
            out.append(text[pos:m.start()])
            out.append(chr(code))
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)


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
    """The shared string table (rich runs joined, phonetic runs left out, escapes decoded)."""
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
    """Text of an <si> element: its <t> children and rich-run <t>s, not phonetic ones, each
    decoded (:func:`decode_xstring`)."""
    parts: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            parts.append(decode_xstring(child.text or ""))
        elif name == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(decode_xstring(t.text or ""))
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


class CellCursor:
    """Where a sheet part's next ``<row>`` and ``<c>`` stand: their ``r`` attributes when
    given, else the row or column after the last (writers may leave ``r`` out)."""

    def __init__(self) -> None:
        self.row, self.col = -1, -1

    def on_row(self, r: str | None) -> None:
        self.row = int(float(r)) - 1 if r and r.replace(".", "", 1).isdigit() else self.row + 1
        self.col = -1

    def on_cell(self, ref: str | None) -> tuple[int, int]:
        rc = _coords(ref) if ref else None
        if rc is None:
            rc = (self.row, self.col + 1)
        self.col = rc[1]
        return rc


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
    state: dict[str, Any] = {"cell": None}
    at = CellCursor()
    text: list[str] = []
    capture = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit("}", 1)[-1]
        if local == "c":
            pos = at.on_cell(attrs.get("r"))
            state["cell"] = [pos, attrs.get("t", "n"), False, None, None]  # pos, t, has_f, v, is
        elif local == "row":
            at.on_row(attrs.get("r"))
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
            return strings[int(text)], None  # decoded as the table was read
        return None, None
    if t == "d":
        return text, None
    if text is None or text == "":
        return None, None
    try:
        return float(text), None
    except ValueError:
        return text, None


# -- merged ranges ------------------------------------------------------------------------------

_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b([^>]*)>")
_MERGE_REF = re.compile(rb"""\sref\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def merge_range(ref: str) -> tuple[int, int, int, int] | None:
    """``A1:C2`` -> (r1, c1, r2, c2), 0-based and inclusive; None for anything else."""
    first, sep, last = ref.strip().partition(":")
    a = _coords(first)
    b = _coords(last) if sep else a
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def merges_in_checked(raw: bytes) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet part that holds no comment, CDATA section or processing
    instruction (the fast reader's subset): there every ``<`` starts a tag, so the tags can be
    found without parsing."""
    out: list[tuple[int, int, int, int]] = []
    if b"mergeCell" not in raw:
        return out
    for m in _MERGE_TAG.finditer(raw):
        ref = _MERGE_REF.search(m.group(1))
        if ref is not None:
            got = merge_range((ref.group(1) or ref.group(2) or b"").decode("utf-8", "replace"))
            if got is not None:
                out.append(got)
    return out


def merges_in_tree(root: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet part's element tree (any namespace)."""
    out: list[tuple[int, int, int, int]] = []
    for el in root.iter():
        if isinstance(el.tag, str) and _local(el.tag) == "mergeCell":
            got = merge_range(el.get("ref") or "")
            if got is not None:
                out.append(got)
    return out


def merges_of(zf: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet part, read with defusedxml (the reference reader's way)."""
    out: list[tuple[int, int, int, int]] = []
    with zf.open(part) as f:
        for _, el in _xml_iter(f):
            if _local(el.tag) == "mergeCell":
                got = merge_range(el.get("ref") or "")
                if got is not None:
                    out.append(got)
            elif _local(el.tag) == "row":
                el.clear()
    return out
