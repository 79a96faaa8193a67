"""Strict Office Open XML (ISO/IEC 29500 Strict, ECMA-376 Part 1) read as Transitional.

Excel can save a workbook as "Strict Open XML Spreadsheet". Such a package holds the same parts
and content types as a Transitional one; what differs is the namespace of every SpreadsheetML,
DrawingML and shared-ML element (``http://purl.oclc.org/ooxml/...`` instead of
``http://schemas.openxmlformats.org/.../2006/...``) and the relationship types that link the parts.
Neither reader (the fast one, or openpyxl) knows those names, so a Strict package is turned into
its Transitional twin once, here, before either reader sees it: every namespace declaration and
every relationship type is mapped to its Transitional name, nothing else is touched. The package
namespaces (content types, package relationships, core properties) are the same in both and
stay as they are.

The pairs below are the target namespaces of the Strict schemas of ECMA-376 Part 1 and of their
Transitional counterparts in Part 4. Only the spelling of two relationship types differs beyond
the prefix (``extendedProperties``, ``customProperties`` are ``extended-properties`` and
``custom-properties`` in Transitional).
"""

from __future__ import annotations

import io
import re
import zipfile

from .archive import member_bytes

_STRICT = "http://purl.oclc.org/ooxml/"
_TRANSITIONAL = "http://schemas.openxmlformats.org/"

# Strict namespace (after http://purl.oclc.org/ooxml/) -> Transitional (after
# http://schemas.openxmlformats.org/)
NAMESPACES: dict[str, str] = {
    "spreadsheetml/main": "spreadsheetml/2006/main",
    "officeDocument/relationships": "officeDocument/2006/relationships",
    "officeDocument/sharedTypes": "officeDocument/2006/sharedTypes",
    "officeDocument/extendedProperties": "officeDocument/2006/extended-properties",
    "officeDocument/customProperties": "officeDocument/2006/custom-properties",
    "officeDocument/docPropsVTypes": "officeDocument/2006/docPropsVTypes",
    "officeDocument/bibliography": "officeDocument/2006/bibliography",
    "officeDocument/characteristics": "officeDocument/2006/characteristics",
    "officeDocument/customXml": "officeDocument/2006/customXml",
    "officeDocument/math": "officeDocument/2006/math",
    "drawingml/main": "drawingml/2006/main",
    "drawingml/chart": "drawingml/2006/chart",
    "drawingml/chartDrawing": "drawingml/2006/chartDrawing",
    "drawingml/diagram": "drawingml/2006/diagram",
    "drawingml/lockedCanvas": "drawingml/2006/lockedCanvas",
    "drawingml/picture": "drawingml/2006/picture",
    "drawingml/spreadsheetDrawing": "drawingml/2006/spreadsheetDrawing",
    "drawingml/wordprocessingDrawing": "drawingml/2006/wordprocessingDrawing",
    "drawingml/compatibility": "drawingml/2006/compatibility",
    "schemaLibrary/main": "schemaLibrary/2006/main",
    "wordprocessingml/main": "wordprocessingml/2006/main",
    "presentationml/main": "presentationml/2006/main",
}
_REL_TYPE_PREFIX = "officeDocument/relationships/"
_REL_TYPE_NAMES = {"extendedProperties": "extended-properties",
                   "customProperties": "custom-properties"}

_MARK = _STRICT.encode()
# a namespace declaration, or a Relationship's Type, naming a Strict URI
_DECLARATION = re.compile(rb"""(\sxmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*)(["'])"""
                          + re.escape(_MARK) + rb"""([^"'<>]*)\2""")
_REL_TYPE = re.compile(rb"""(\sType\s*=\s*)(["'])""" + re.escape(_MARK) + rb"""([^"'<>]*)\2""")


def _transitional_uri(rest: bytes, relationship: bool) -> bytes | None:
    text = rest.decode("ascii", "replace")
    if text in NAMESPACES:
        return (_TRANSITIONAL + NAMESPACES[text]).encode()
    if relationship and text.startswith(_REL_TYPE_PREFIX):
        name = text[len(_REL_TYPE_PREFIX):]
        return (_TRANSITIONAL + "officeDocument/2006/relationships/"
                + _REL_TYPE_NAMES.get(name, name)).encode()
    return None  # a Strict name this table does not know: left as it is


def rewrite_part(raw: bytes, relationships: bool) -> bytes:
    """One XML part with its Strict namespace declarations (and, in a .rels part, its
    relationship types) renamed to Transitional; the same bytes when it has none."""
    if _MARK not in raw:
        return raw

    def declaration(m: re.Match[bytes]) -> bytes:
        uri = _transitional_uri(m.group(3), relationship=False)
        return m.group(0) if uri is None else m.group(1) + m.group(2) + uri + m.group(2)

    def rel_type(m: re.Match[bytes]) -> bytes:
        uri = _transitional_uri(m.group(3), relationship=True)
        return m.group(0) if uri is None else m.group(1) + m.group(2) + uri + m.group(2)

    out = _DECLARATION.sub(declaration, raw)
    if relationships:
        out = _REL_TYPE.sub(rel_type, out)
    return out


def _is_xml(name: str) -> bool:
    low = name.lower()
    return low.endswith((".xml", ".rels", ".vml"))


def is_strict(data: bytes, zf: zipfile.ZipFile) -> bool:
    """Whether the package links its parts (or declares its workbook) the Strict way: judged
    from the relationship parts and the first bytes of the workbook part, which are small."""
    for info in zf.infolist():
        low = info.filename.lower()
        if low.endswith(".rels") and _MARK in member_bytes(data, info):
            return True
        if low == "xl/workbook.xml" and _MARK in member_bytes(data, info, 4096):
            return True
    return False


def as_transitional(data: bytes, zf: zipfile.ZipFile) -> tuple[bytes, zipfile.ZipFile] | None:
    """The Transitional twin of a Strict package held in memory (its bytes and the zip opened
    on them), or None when the package is not Strict. Run after the archive's checks: the
    parts are inflated within the limits those checks enforced, and the twin holds the same
    parts (stored, not compressed again), so a reader sees the same sizes."""
    if not is_strict(data, zf):
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as twin:
        for info in zf.infolist():
            if info.is_dir():
                continue
            raw = member_bytes(data, info)
            if _is_xml(info.filename):
                raw = rewrite_part(raw, info.filename.lower().endswith(".rels"))
            twin.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), raw)
    blob = out.getvalue()
    return blob, zipfile.ZipFile(io.BytesIO(blob))
