"""The fast streaming .xlsx reader, held equal to the openpyxl reference by the tests."""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass
from posixpath import dirname, normpath
from posixpath import join as pjoin
from typing import Any, Protocol

from ..grid import Grid, GridCell, SheetGrid
from .archive import _REL_NS, _VISIBILITY, MAX_CELL_SLOTS, MAX_ROWS, _fail, member_bytes, too_many_cells
from .parts import (
    _coords,
    _local,
    _plain,
    _stored_value,
    decode_xstring,
    merges_in_checked,
    merges_in_tree,
    shared_strings,
    unescape_controls,
)

# -- the fast reader ----------------------------------------------------------------------------
#
# A Grid needs a few parts (the manifest, the workbook and its relationships, the shared strings,
# the stylesheet's date formats, the sheets) and, of each sheet, only its cells. open_zip has run
# the same checks as for the reference reader (sizes, zip bombs, no DOCTYPE in any XML part).
#
# Small parts are parsed whole by expat with DTDs, entity declarations and external entities
# refused as defusedxml refuses them, then walked as element trees. The sheets and the shared
# strings, nearly all the bytes, go through a scanner that knows the spellings spreadsheet writers
# use (xlsxwriter, Excel, LibreOffice, openpyxl, Google): it takes a part only when the part has
# no comment, CDATA section, processing instruction, namespace prefix or declaration in its
# content and is UTF-8, and then every '<' in the content must start a tag the scanner knows, rows
# and cells must nest, and every '&' must start a predefined entity or a character reference.
# That content is thus checked as strictly as a parser would check it; the rest of the part (the
# prolog, the root element, the other elements) is still parsed by expat with the refusals. Any
# part outside that subset is parsed whole by expat and read as an element tree instead. Both
# paths feed the rules openpyxl applies in read-only mode (positions, types, dates, shared
# formulas, which rows a sheet yields) and the reference's reading of stored results, which is
# what keeps the Grid equal to the reference reader's: tests/test_fast_reader.py holds them to it.

_MAIN_URI = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_M = "{" + _MAIN_URI + "}"
_R_ID = _REL_NS + "id"
_WORKBOOK_TYPES = (  # openpyxl's order of preference
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_STYLES_PART = "xl/styles.xml"  # where openpyxl looks, whatever the relationships say


def _dtd_forbidden(name: str, sysid: str | None, pubid: str | None, _internal: bool) -> None:
    from defusedxml.common import DTDForbidden

    raise DTDForbidden(name, sysid, pubid)


def _entity_forbidden(name: str, _param: bool, value: str | None, base: str | None,
                      sysid: str | None, pubid: str | None, notation: str | None) -> None:
    from defusedxml.common import EntitiesForbidden

    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _unparsed_forbidden(name: str, base: str | None, sysid: str | None, pubid: str | None,
                        notation: str | None) -> None:
    from defusedxml.common import EntitiesForbidden

    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _external_forbidden(context: str, base: str | None, sysid: str | None,
                        pubid: str | None) -> int:
    from defusedxml.common import ExternalReferenceForbidden

    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def expat_error() -> type[Exception]:
    from xml.parsers.expat import ExpatError

    return ExpatError


_CHECKED_MEMO_MAX = 64 * 1024  # parts up to this size are remembered once found well-formed


def check_xml(raw: bytes | str) -> None:
    """Parse ``raw`` whole with expat and no handler but the refusals, at C speed: raises on a
    DTD, an entity declaration or an external entity (defusedxml's exceptions) and on anything
    that is not well-formed XML with well-formed namespaces.

    A batch's workbooks repeat most small parts byte for byte (the manifest, the workbook and
    its relationships, the stylesheet, what surrounds each sheet's cells), so a text up to
    :data:`_CHECKED_MEMO_MAX` found well-formed is remembered (a bounded cache of a pure
    function: only a success is kept; a bad text is parsed, and refused, every time)."""
    if len(raw) <= _CHECKED_MEMO_MAX:
        _well_formed(raw)
    else:
        _check_xml(raw)


@functools.lru_cache(maxsize=64)  # a layout repeats ~7 parts; the others are each file's own
def _well_formed(raw: bytes | str) -> None:
    _check_xml(raw)


def _check_xml(raw: bytes | str) -> None:
    from xml.parsers import expat

    p = expat.ParserCreate(namespace_separator="}")  # as ElementTree, which openpyxl uses
    p.StartDoctypeDeclHandler = _dtd_forbidden
    p.EntityDeclHandler = _entity_forbidden
    p.UnparsedEntityDeclHandler = _unparsed_forbidden
    p.ExternalEntityRefHandler = _external_forbidden
    p.Parse(raw, True)


_HEADER_FOOTER = "<headerFooter"
_HEADER_FOOTER_END = "</headerFooter>"
_HEADER_FOOTER_MARK = "<headerFooter/>"


def _check_rest(rest: str, root: str) -> None:
    """:func:`check_xml` of what surrounds a sheet's cells (``rest``, the root ``root``), the
    page header and footer checked apart from the rest. They name the person and period, so
    the rest of the part, the same in every workbook of a layout, would never be found in the
    memo (~0.07 ms a rater tab, parsed again for each file).

    The rest with what runs from ``<headerFooter`` to the first ``</headerFooter>`` replaced by
    an empty element is checked (and remembered), then what was cut out alone, inside the
    root's start tag. Both well-formed means the whole is: the empty element stood where an
    element may (``<`` can be in no attribute value or text, and the part holds no comment,
    CDATA or processing instruction: see :meth:`_FastReader.scanned`), and what is put back
    there is balanced content whose namespace prefixes mean what they meant there, every
    declaration being on the root (a part declaring one anywhere else is checked whole).
    Anything else, or either check failing, checks the part whole, which raises what it
    must."""
    i = rest.find(_HEADER_FOOTER)
    if i > 0:
        j = rest.find(_HEADER_FOOTER_END, i)
        m = _PROLOG.match(rest)
        if j > 0 and m is not None and m.group(2) == root and \
                rest.find("xmlns", m.end()) < 0:
            j += len(_HEADER_FOOTER_END)
            try:
                check_xml(rest[:i] + _HEADER_FOOTER_MARK + rest[j:])
                _check_xml(rest[:m.end()] + rest[i:j] + f"</{root}>")
                return
            except expat_error():
                pass
    check_xml(rest)


_ENTITY = re.compile(r"&(?:#([0-9]+)|#x([0-9A-Fa-f]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_BAD_REF = re.compile(r"&(?!(?:#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);)")
_NOT_CONTROL = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))


def _entity(m: re.Match[str]) -> str:
    if m.group(1):
        return chr(int(m.group(1)))
    if m.group(2):
        return chr(int(m.group(2), 16))
    return _NAMED[m.group(3)]


def xml_text(s: str) -> str:
    """Character data of checked XML as a parser reports it: line ends normalised, then the
    predefined entities and character references decoded (a checked part has no others)."""
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in s:
        return s
    if "&#" not in s:  # '&' only ever starts a reference, so replacing '&amp;' last is exact
        return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                .replace("&apos;", "'").replace("&amp;", "&"))
    return _ENTITY.sub(_entity, s)


def _xml_attr(s: str) -> str:
    """An attribute value as a parser reports it (whitespace characters become spaces)."""
    if "\r" in s or "\n" in s or "\t" in s:
        s = s.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return xml_text(s)


_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?"  # an ASCII XML name
_ATTR = re.compile(r"""\s+(""" + _NAME + r""")\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_ATTRS_WHOLE = re.compile(r"""(?:\s+""" + _NAME + r"""\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*""")
# The memos below are bounded functools caches of pure functions of their text: files of one
# batch spell the same attributes, references and formula cells again and again.


@functools.lru_cache(maxsize=4096)
def _attrs(text: str) -> dict[str, str] | None:
    """The attributes in a tag's attribute text; None unless the text is exactly attributes.
    (Cached: callers never change the dict.)"""
    out: dict[str, str] | None = None
    if _ATTRS_WHOLE.fullmatch(text):
        pairs = [(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                 for m in _ATTR.finditer(text)]
        out = {name: _xml_attr(value) for name, value in pairs}
        if len(out) != len(pairs) or any(":" in name for name in out):
            out = None  # a repeated attribute, or a prefix to resolve: the element tree
    return out


# Built-in number formats that are neither dates nor durations, by openpyxl's rules (a test
# checks this against openpyxl), and the letters every date or time format code needs.
_PLAIN_BUILTIN_FORMATS = frozenset([*range(0, 14), *range(37, 45), 48, 49])
_DATE_LETTERS = frozenset("dmhysDMHYS")


def _plainly_number(fid: int, custom: dict[int, str | None]) -> bool:
    """Whether number format ``fid`` is certainly no date or duration, decided without
    openpyxl (importing it costs each reader process ~19 MiB): a built-in number format, or a
    format code without a letter any date or time needs. Anything else is left to openpyxl."""
    if fid in custom:
        code = custom[fid]
        return code is None or not _DATE_LETTERS.intersection(code)
    return fid in _PLAIN_BUILTIN_FORMATS


_PLAIN_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")


@functools.lru_cache(maxsize=100_000)
def _coordinate(ref: str) -> tuple[int, int]:
    """1-based (row, column) of a cell reference, by openpyxl's rules (its errors included).

    A plain reference (A1 to XFD9999999) is read here; anything else goes to openpyxl's own
    function, imported only then: importing openpyxl costs each reader process ~19 MiB."""
    m = _PLAIN_REF.fullmatch(ref)
    col = 0
    if m is not None:
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
    if m is not None and col < 18279:
        return int(m.group(2)), col
    from openpyxl.utils.cell import coordinate_to_tuple

    got: tuple[int, int] = coordinate_to_tuple(ref)
    return got


@functools.lru_cache(maxsize=100_000)
def _place(ref: str) -> tuple[int, int]:
    """0-based (row, column) of a cell reference, by openpyxl's rules: a Grid key."""
    row, col = _coordinate(ref)
    return row - 1, col - 1


def _cast_number(value: str) -> int | float:
    """openpyxl's reading of a number's text."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


_PROLOG = re.compile(r"""\A\ufeff?(?:<\?xml\s([^>]*)\?>)?\s*<([A-Za-z_][\w.-]*)"""
                     r"""((?:\s+""" + _NAME + r"""\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*>""")
_ENCODING = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")
_DEFAULT_NS = f'xmlns="{_MAIN_URI}"'
_OTHER_C_OR_ROW = re.compile(r"<(?:c|row)[\s/>]")


_MARKUP_DECL = re.compile(rb"<[!?]")  # a comment, CDATA, declaration or processing instruction


def _scan_part(text: str, root: str, inner: str | None = None
               ) -> tuple[str, str, frozenset[str]] | None:
    """(content for the scanner, the rest of the part for expat, the prefixes the root declares)
    when a part is in the scanner's subset, else None. The content is the root's, or that of
    its ``inner`` child. ``text`` holds no ``<!`` and no ``<?`` but its XML declaration."""
    m = _PROLOG.match(text)
    if m is None or m.group(2) != root or _DEFAULT_NS not in m.group(3):
        return None
    if m.group(1):
        enc = _ENCODING.search(m.group(1))
        if enc and enc.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            return None
    start = m.end()
    # (a processing instruction after the XML declaration sends the part to the element tree
    # too: :meth:`_FastReader.scanned` has found none before calling this)
    end = text.rfind(f"</{root}")
    if end < start:
        return None
    if inner is not None:
        i = text.find(f"<{inner}", start, end)
        if i < 0:
            body_start = body_end = end  # no <sheetData>: no rows
        else:
            k = text.find(">", i)
            head = text[i + 1 + len(inner):k].strip() if k > 0 else "?"
            if head not in ("", "/"):
                return None
            body_start = k + 1
            body_end = body_start if head == "/" else text.find(f"</{inner}>", body_start)
            if body_end < 0:
                return None
        # rows and cells elsewhere would be read by openpyxl: leave that to the element tree
        if _OTHER_C_OR_ROW.search(text, start, body_start) or \
                _OTHER_C_OR_ROW.search(text, body_end, end):
            return None
        start, end = body_start, body_end
    body = text[start:end]
    if "xmlns" in body or "]]>" in body or ("&" in body and _BAD_REF.search(body)):
        return None
    prefixes = frozenset(["xml", *_PREFIX_DECL.findall(m.group(3))])
    return body, text[:start] + text[end:], prefixes


def _text_content(el: Any, shared: bool = False) -> str:
    """openpyxl's ``Text.content`` of an <si> or <is>: the last plain <t>, then each run's
    last <t>; phonetic runs left out. For a shared string (``shared``), each <t> decoded
    (:func:`decode_xstring`), as the reference reads its table."""
    plain: str | None = None
    runs: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            rt: str | None = None
            for t in child:
                if _local(t.tag) == "t":
                    rt = t.text
            if rt is not None:
                runs.append(decode_xstring(rt) if shared else rt)
    if shared and plain is not None:
        plain = decode_xstring(plain)
    return "".join(runs) if plain is None else plain + "".join(runs)


_SI_TOKEN = re.compile(r'<si>(?:<t(?: xml:space="preserve")?>([^<]*)</t>|<t\s*/>)</si>|(<)')


def _scan_shared_strings(body: str) -> list[str] | None:
    """The reference's shared string table from the content of <sst>, or None (the element
    tree): openpyxl's reading of each <si>, its escapes decoded (:func:`decode_xstring`)."""
    toks = _SI_TOKEN.findall(body)
    if not any(other for _, other in toks):
        out = [xml_text(s) if ("&" in s or "\r" in s) else s for s, _ in toks]
        return [decode_xstring(s) if "_x" in s else s for s in out]
    else:
        from xml.etree.ElementTree import fromstring

        out = []
        pos = 0
        while True:
            m = _SI_TOKEN.search(body, pos)
            if m is None:
                break
            if not m.group(2):
                s = m.group(1) or ""
                out.append(decode_xstring(xml_text(s) if ("&" in s or "\r" in s) else s))
                pos = m.end()
                continue
            # not a plain <si><t>…</t></si>: rich runs, phonetic runs
            i = m.start()
            j = body.find("</si>", i)
            if not body.startswith("<si>", i) or j < 0:
                return None  # <si/>, attributes, <extLst>, a prefix: the element tree
            try:
                el = fromstring(body[i:j + 5])
            except Exception:  # noqa: BLE001 - an unbound prefix, a nested <si>: the element tree
                return None
            out.append(_text_content(el, shared=True))
            pos = j + 5
    return out


_SHEET_TOKEN = re.compile(
    r'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,12})")?\s*'
    r"(?:/>|>"
    r"(?:(<f)(\s[^<>]*?)?(?:/>|>([^<]*)</f>))?"
    r"(?:(<v>)([^<]*)</v>|(<v)\s*/>"
    r'|(<is>)(?:<t(?: xml:space="preserve")?>([^<]*)</t>|<t\s*/>)</is>)?'
    r"</c>)"
    r"""|<row r="([0-9]{1,7})"((?:\s+""" + _NAME + r"""\s*=\s*"[^"<]*")*)\s*(/?)>"""
    r"|(</row>)"
    r"|(<)"
)
# A token as findall gives it (an absent group is ""): 0 reference, 1 style, 2 type, 3 "<f" when
# the cell has a formula, 4 the <f>'s attributes, 5 its text, 6 "<v>" and 7 its text, 8 "<v" for
# an empty <v/>, 9 "<is>" and 10 its text; 11 a row's r, 12 its other attributes and 13 "/" when
# the row is empty; 14 "</row>"; 15 any other '<' (then the part goes to the element tree).
_Token = tuple[str, str, str, str, str, str, str, str, str, str, str, str, str, str, str, str]
@functools.lru_cache(maxsize=4096)
def _row_attrs_ok(text: str, prefixes: frozenset[str]) -> bool:
    """Whether a row's other attributes are as a parser accepts them: no repeated name (r
    included), no undeclared prefix."""
    names = [m.group(1) for m in _ATTR.finditer(text)]
    return len(set(names)) == len(names) and "r" not in names and all(
        n.split(":", 1)[0] in prefixes for n in names if ":" in n)


_PREFIX_DECL = re.compile(r"""\sxmlns:([A-Za-z_][A-Za-z0-9_.-]*)\s*=""")
_Row = tuple[str | None, list[Any]]  # (a row's r attribute, its cells)
_Stored = dict[tuple[int, int], tuple[str, str | None, str | None]]


def _unescaped(s: str) -> str:
    return xml_text(s) if ("&" in s or "\r" in s) else s


def _rows_from_tokens(toks: list[_Token], prefixes: frozenset[str]) -> list[_Row] | None:
    """The scanner's tokens as rows for :meth:`_FastReader.fill`; None when they do not nest as
    rows of cells or hold a spelling the scanner does not know."""
    rows: list[_Row] = []
    cells: list[Any] | None = None
    for (coord, s, t, f, fattr, ftext, v_open, v, v_empty, is_open, inline,
         row_r, row_attrs, row_sc, row_end, _) in toks:
        if coord:
            if cells is None:
                return None
            attrs: dict[str, str] | None = None
            if f and fattr:
                attrs = _attrs(fattr)
                if attrs is None:
                    return None
            cells.append((coord, s or None, t or None, _unescaped(ftext) if f else None, attrs,
                          _unescaped(v) if v_open else ("" if v_empty else None),
                          _unescaped(inline) if is_open else None))
        elif row_r:
            if cells is not None or (row_attrs and not _row_attrs_ok(row_attrs, prefixes)):
                return None  # a row inside a row, attributes a parser refuses
            if row_sc:
                rows.append((row_r, []))
            else:
                cells = []
                rows.append((row_r, cells))
        elif row_end and cells is not None:
            cells = None
        else:
            return None
    return None if cells is not None else rows


def _tree_rows(root: Any) -> list[_Row]:
    """The rows of a worksheet's element tree as openpyxl's parser sees them: every <row>, and
    every child element of a row taken as a cell."""
    rows: list[_Row] = []
    for row in root.iter(_M + "row"):
        cells: list[Any] = []
        for el in row:
            v_el = el.find(_M + "v")
            f_el = el.find(_M + "f")
            is_el = el.find(_M + "is")
            cells.append((
                el.get("r"), el.get("s"), el.get("t"),
                None if f_el is None else (f_el.text or ""),
                None if f_el is None else (dict(f_el.attrib) or None),
                None if v_el is None else (v_el.text or ""),
                None if is_el is None else _text_content(is_el),
            ))
        rows.append((row.get("r"), cells))
    return rows


def _tree_stored(root: Any) -> _Stored:
    """What :func:`_stored_results` sees in a worksheet's element tree: position -> (type,
    <v> text, inline text) of every cell holding an <f>, by local names, the last one winning."""
    out: _Stored = {}
    row, col = -1, -1
    for el in root.iter():
        name = _local(el.tag) if isinstance(el.tag, str) else ""
        if name == "row":
            r = el.get("r")
            row = int(float(r)) - 1 if r else row + 1
            col = -1
        elif name == "c":
            ref = el.get("r")
            pos = _coords(ref) if ref else None
            if pos is None:
                pos = (row, col + 1)
            col = pos[1]
            t = el.get("t", "n")
            has_f = False
            v: str | None = None
            inline: str | None = None
            for sub in el.iter():
                sname = _local(sub.tag) if sub is not el and isinstance(sub.tag, str) else ""
                if sname == "f":
                    has_f = True
                elif sname == "v":
                    v = "".join(sub.itertext())
                elif sname == "t" and t == "inlineStr":
                    inline = (inline or "") + "".join(sub.itertext())
            if has_f:
                out[pos] = (t, v, inline)
    return out


class _Irregular(Exception):
    """A sheet the one-pass routine does not take: rows or columns out of order, for instance."""




@functools.lru_cache(maxsize=4096)
def _formula_cell(ftext: str, v: str, t: str) -> GridCell:
    """The usual formula cell as files of one batch spell it: the same formula and stored result
    give an equal (immutable) GridCell, so one serves them all.

    4,096 holds one layout's formula cells with their usual results (~3,700 for the sales
    ladder). Formulas that name a rater's tab differ from person to person, so a larger cache
    only fills up with them: 20,000 entries cost each reader ~9 MiB and saved no time."""
    formula = _unescaped(ftext)
    if t == "str":
        sv = _unescaped(v)
        return GridCell(value=unescape_controls(sv) if "_x00" in sv else sv, formula=formula)
    try:
        return GridCell(value=float(v) if v else None, formula=formula)
    except ValueError:
        return GridCell(value=_unescaped(v), formula=formula)


def _checked_tree(raw: bytes) -> Any:
    """A part's element tree, parsed after :func:`check_xml` refused any DTD: with no DTD
    allowed, no entity can be declared for ElementTree to expand."""
    from xml.etree.ElementTree import fromstring

    check_xml(raw)
    return fromstring(raw)


@functools.lru_cache(maxsize=64)  # a batch's workbooks share a few stylesheets
def _date_styles(raw: bytes) -> tuple[frozenset[int], frozenset[int]]:
    """Style ids of a stylesheet whose number format is a date or a duration, by openpyxl's
    rules: a pure function of the stylesheet's bytes."""
    custom: dict[int, str | None] = {}
    xf_ids: list[int] = []
    for el in _checked_tree(raw):
        name = _local(el.tag)
        if name == "numFmts":
            for nf in el:
                if _local(nf.tag) == "numFmt":
                    custom[int(nf.get("numFmtId", "0"))] = nf.get("formatCode")
        elif name == "cellXfs":
            xf_ids = [int(xf.get("numFmtId", "0")) for xf in el if _local(xf.tag) == "xf"]
    dates: set[int] = set()
    durations: set[int] = set()
    if not all(_plainly_number(fid, custom) for fid in xf_ids):
        from openpyxl.styles.numbers import (
            BUILTIN_FORMATS,
            is_date_format,
            is_timedelta_format,
        )

        for idx, fid in enumerate(xf_ids):
            fmt = custom[fid] if fid in custom else BUILTIN_FORMATS.get(fid)
            if is_date_format(fmt):
                dates.add(idx)
            if is_timedelta_format(fmt):
                durations.add(idx)
    return frozenset(dates), frozenset(durations)


def _text_cell(text: str) -> GridCell:
    """The cell of a shared string (its text decoded as the table was read)."""
    return GridCell(value=text)


class _Strings(Protocol):
    """What a sheet's cells take their text from: the file's shared strings."""

    def __getitem__(self, index: int, /) -> str: ...


class _UsedStrings:
    """The shared strings, noting each one a sheet takes (the memo's check of a later file)."""

    def __init__(self, strings: list[str]):
        self.strings = strings
        self.used: dict[int, str] = {}

    def __getitem__(self, index: int, /) -> str:
        text = self.strings[index]
        self.used[index] = text
        return text


_SheetKey = tuple[str, frozenset[str], tuple[frozenset[int], frozenset[int]], Any]


@dataclass(frozen=True)
class _KnownSheet:
    # the shared strings the cells took: index, text, the cells holding it
    used: tuple[tuple[int, str, tuple[tuple[int, int], ...]], ...]
    cells: dict[tuple[int, int], GridCell]
    max_row: int
    max_col: int
    slots: int


class SheetMemo:
    """The cells of sheets already read in a batch, by the XML of their cells.

    Every workbook rendered from one ladder has the same guide and descriptor matrix, byte for
    byte inside ``<sheetData>``, and reading those two is about a tenth of reading a file. A
    sheet is kept when its cells' XML is met a second time (rater tabs differ in every file and
    are never kept), with the cells that hold each shared string it took, and is given back only
    for the same XML, prefixes, date styles and epoch: its cells are then those reading the
    sheet gives, the cells of a shared string whose text differs in the new file (the person's
    name on the guide) made again from it. At most ``size`` sheets are kept, the oldest going
    first."""

    def __init__(self, size: int = 8):
        self.size = size
        self._seen: set[int] = set()
        self._known: dict[_SheetKey, _KnownSheet] = {}
        self.hits = 0  # sheets given back

    def get(self, key: _SheetKey, strings: list[str]
            ) -> tuple[_KnownSheet, dict[tuple[int, int], GridCell]] | None:
        """The sheet known by ``key`` and its cells with this file's shared strings, or None."""
        known = self._known.get(key)
        if known is None:
            return None
        cells = dict(known.cells)
        try:
            for index, text, places in known.used:
                new = strings[index]
                if new != text:  # the person's name on the guide, say
                    cell = _text_cell(new)
                    for place in places:
                        cells[place] = cell
        except IndexError:
            return None  # reading the sheet says what is wrong
        self.hits += 1
        return known, cells

    def worth_keeping(self, key: _SheetKey) -> bool:
        """Whether these cells' XML was met before (the first time, it is noted)."""
        h = hash(key[0])
        if h in self._seen:
            return True
        if len(self._seen) >= 64 * self.size:
            self._seen.clear()
        self._seen.add(h)
        return False

    def keep(self, key: _SheetKey, known: _KnownSheet) -> None:
        if len(self._known) >= self.size:
            del self._known[next(iter(self._known))]
        self._known[key] = known


class _FastReader:
    """One workbook read by the fast path (see the comment above)."""

    def __init__(self, source: str, data: bytes, zf: zipfile.ZipFile,
                 memo: SheetMemo | None = None, only: str | None = None):
        self.source = source
        self.only = only  # the one sheet to read, by name (the others are left out)
        self.data = data
        self.zf = zf
        self.memo = memo
        self.infos = {i.filename: i for i in zf.infolist()}
        self.slots = 0
        self.stored_uses = 0  # calls of stored_strings(): a sheet that made one is not kept
        self._stored_strings: list[str] | None = None
        self._dates: tuple[frozenset[int], frozenset[int]] | None = None
        self.epoch: Any = None
        # cells of this file met before: the same shared string, number or style
        self.text_cells: dict[str, GridCell] = {}
        self.text_cells_noted: dict[str, GridCell] = {}  # those of the sheet fill_noted read
        self.number_cells: dict[tuple[str, str], GridCell | None] = {}

    # -- parts --
    def raw(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise KeyError(f"There is no item named {name!r} in the archive")
        return member_bytes(self.data, info)

    def tree(self, name: str, raw: bytes | None = None) -> Any:
        return _checked_tree(self.raw(name) if raw is None else raw)

    def scanned(self, raw: bytes, root: str, inner: str | None = None
                ) -> tuple[str, frozenset[str]] | None:
        """The content the scanner reads and the prefixes declared for it (the rest of the
        part checked by expat), or None."""
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None  # UTF-16
        # a comment, CDATA section or declaration anywhere, or a processing instruction but
        # the XML declaration: one search for both ('<' is everywhere in XML, which makes
        # bytes.find of "<!" then of "<?" slower than the regular expression's one pass)
        decl_at = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        m = _MARKUP_DECL.search(raw)
        if m is not None and m.start() == decl_at and raw.startswith(b"<?xml", decl_at):
            m = _MARKUP_DECL.search(raw, m.end())
        if m is not None:
            return None
        if raw.translate(None, _NOT_CONTROL):
            return None  # control characters XML does not allow: expat reports them
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\ufffe" in text or "\uffff" in text:  # at once for the usual ASCII text
            return None
        got = _scan_part(text, root, inner)
        if got is None:
            return None
        body, rest, prefixes = got
        try:
            _check_rest(rest, root)
        except expat_error():
            return None  # the element-tree path parses the whole part and says what is wrong
        return body, prefixes

    # -- the workbook --
    def read(self) -> Grid:
        manifest = self.tree("[Content_Types].xml")
        overrides = [(el.get("PartName"), el.get("ContentType")) for el in manifest
                     if _local(el.tag) == "Override"]
        defaults = {el.get("ContentType") for el in manifest if _local(el.tag) == "Default"}
        wb_part = None
        for ct in _WORKBOOK_TYPES:
            wb_part = next((p for p, t in overrides if t == ct), None)
            if wb_part:
                break
        if not wb_part:
            if not defaults & set(_WORKBOOK_TYPES):
                raise OSError("File contains no valid workbook part")
            wb_part = "/xl/workbook.xml"
        wb_name = wb_part[1:]
        sst_part = next((p for p, t in overrides if t == _SST_TYPE), None)
        strings = self.strings(sst_part[1:]) if sst_part is not None else []
        sheets: list[tuple[str, str, str | None]] = []
        for el in self.tree(wb_name):
            name = _local(el.tag)
            if name == "workbookPr":
                d1904 = el.get("date1904")
                if d1904 is not None and d1904 not in ("false", "f", "0"):
                    from openpyxl.utils.datetime import CALENDAR_MAC_1904

                    self.epoch = CALENDAR_MAC_1904
            elif name == "sheets":
                for s in el:
                    if _local(s.tag) != "sheet":
                        continue
                    state = s.get("state", "visible")
                    if state not in ("visible", "hidden", "veryHidden", "none"):
                        raise ValueError(f"{state!r} is not a sheet state")
                    title = s.get("name")
                    if title is None:
                        raise ValueError("a sheet without a name")
                    sheets.append((title, state, s.get(_R_ID)))
        rels: dict[str, tuple[str, str]] | None = None
        entries: list[tuple[str, str, str, bool]] = []  # name, state, part, is a chartsheet
        for title, state, rid in sheets:
            if not rid:
                continue
            if rels is None:
                rels = self.rels(wb_name)
            rtype, target = rels[rid]
            if target in self.infos:
                entries.append((title, state, target, "chartsheet" in rtype))
        first: dict[str, tuple[str, str, str, bool]] = {}  # wb[name]: worksheets before charts
        for entry in entries:
            known = first.get(entry[0])
            if known is None or (known[3] and not entry[3]):
                first[entry[0]] = entry
        grid = Grid(source=self.source)
        for title, _, _, _ in entries:
            if self.only is not None and title != self.only:
                continue
            _, state, part, chart = first[title]
            if chart:
                self.tree(part)
                grid.sheets[title] = SheetGrid(name=title, visibility="visible")
                continue
            sg = SheetGrid(name=title, visibility=_VISIBILITY.get(state, "visible"))
            grid.sheets[title] = sg
            self.sheet(sg, part, strings)
        return grid

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """openpyxl's ``get_dependents``: Id -> (type, target resolved within the archive)."""
        folder, obj = part.rsplit("/", 1) if "/" in part else ("", part)
        path = pjoin(folder, "_rels", f"{obj}.rels")
        parent = dirname(dirname(path))
        out: dict[str, tuple[str, str]] = {}
        for el in self.tree(path):
            if _local(el.tag) != "Relationship":
                continue
            target = el.get("Target", "")
            if el.get("TargetMode") != "External":
                target = target[1:] if target.startswith("/") else normpath(pjoin(parent, target))
            out[el.get("Id", "")] = (el.get("Type", ""), target)
        return out

    def strings(self, part: str) -> list[str]:
        raw = self.raw(part)
        scanned = self.scanned(raw, "sst")
        if scanned is not None:
            got = _scan_shared_strings(scanned[0])
            if got is not None:
                return got
        return [_text_content(el, shared=True) for el in self.tree(part, raw).iter(_M + "si")]

    def stored_strings(self) -> list[str]:
        """The table the reference's stored results use (found and read its own way)."""
        self.stored_uses += 1
        if self._stored_strings is None:
            self._stored_strings = shared_strings(self.zf)
        return self._stored_strings

    def dates(self) -> tuple[frozenset[int], frozenset[int]]:
        """Style ids whose number format is a date or a duration, by openpyxl's rules."""
        if self._dates is not None:
            return self._dates
        if _STYLES_PART not in self.infos:
            self._dates = (frozenset(), frozenset())
            return self._dates
        raw = self.raw(_STYLES_PART)
        self._dates = _date_styles(raw)
        return self._dates

    # -- a sheet --
    def sheet(self, sg: SheetGrid, part: str, strings: list[str]) -> None:
        raw = self.raw(part)
        scanned = self.scanned(raw, "worksheet", "sheetData")
        if scanned is not None:
            sg.merges = merges_in_checked(raw)
            key: _SheetKey | None = None
            if self.memo is not None:
                # a stylesheet that cannot be read (which reading alone may never need, if no
                # cell is a number): the sheet is read as if there were no memo
                try:
                    key = (scanned[0], scanned[1], self.dates(), self.epoch)
                except Exception:  # noqa: BLE001 - reading it alone raises what it must
                    key = None
            if key is not None and self.memo is not None:
                got = self.memo.get(key, strings)
                if got is not None:
                    known, sg.cells = got
                    self.slots += known.slots
                    if self.slots > MAX_CELL_SLOTS:
                        too_many_cells(self.source, sg.name)
                    sg.max_row = known.max_row
                    sg.max_col = known.max_col
                    return
            toks: list[_Token] = _SHEET_TOKEN.findall(scanned[0])
            try:
                if key is not None and self.memo is not None and self.memo.worth_keeping(key):
                    noted = self.fill_noted(sg, toks, strings, scanned[1])
                    if noted is not None:
                        self.memo.keep(key, noted)
                else:
                    self.fill_regular(sg, toks, strings, scanned[1])
                return
            except _Irregular:
                pass
            rows = _rows_from_tokens(toks, scanned[1])
            if rows is not None:
                self.fill(sg, rows, strings, None)
                return
        root = self.tree(part, raw)
        sg.merges = merges_in_tree(root)
        self.fill(sg, _tree_rows(root), strings, _tree_stored(root))

    def value_cell(self, t: str, s: str, v: str | None, inline: str | None, strings: _Strings
                   ) -> GridCell | None:
        """The GridCell of a cell without a formula (openpyxl's ``parse_cell`` and the
        reference's conversion of its value), or None when it holds nothing."""
        value: Any
        if t == "inlineStr":
            if inline is None:
                return None
            value = inline
        elif not v:
            return None
        elif t == "n":
            value = _cast_number(v)
            if s != "":  # openpyxl: no style is style 0, an empty one is no style
                dates, durations = self.dates()
                style = int(s) if s else 0
                if style in dates:
                    value, kind = self.date(value, style in durations)
                    if kind == "e":
                        return GridCell(error=value)
        elif t == "s":
            return GridCell(value=strings[int(v)])  # decoded as the table was read
        elif t == "b":
            value = bool(int(v))
        elif t == "d":
            from openpyxl.utils.datetime import from_ISO8601

            value = from_ISO8601(v)
        elif t == "e":
            return GridCell(error=v)
        else:
            value = v
        if value is None:
            return None
        return GridCell(value=_plain(value))

    def fill_noted(self, sg: SheetGrid, toks: list[_Token], strings: list[str],
                   prefixes: frozenset[str]) -> _KnownSheet | None:
        """:meth:`fill_regular`, noting what a later file must share for the same cells: the
        shared strings taken (each one taken, so with this file's cache of text cells set
        aside) and that the other table of strings was not used."""
        noted = _UsedStrings(strings)
        own_cells, self.text_cells = self.text_cells, {}
        slots, uses = self.slots, self.stored_uses
        try:
            self.fill_regular(sg, toks, noted, prefixes)
        finally:
            self.text_cells_noted, self.text_cells = self.text_cells, own_cells
        if self.stored_uses != uses:
            return None  # formulas whose text results are in the other table: never kept
        index_of = {id(cell): int(v) for v, cell in self.text_cells_noted.items()}
        places: dict[int, list[tuple[int, int]]] = {}
        for place, cell in sg.cells.items():
            index = index_of.get(id(cell))
            if index is not None:
                places.setdefault(index, []).append(place)
        used = tuple((index, text, tuple(places.get(index, ()))) for index, text
                     in noted.used.items())
        return _KnownSheet(used=used, cells=dict(sg.cells),
                           max_row=sg.max_row, max_col=sg.max_col, slots=self.slots - slots)

    def fill_regular(self, sg: SheetGrid, toks: list[_Token], strings: _Strings,
                     prefixes: frozenset[str]) -> None:
        """:meth:`fill` in one pass over the scanner's tokens for the usual sheet: rows in
        order and each cell in its row with columns increasing. Raises :class:`_Irregular`,
        having changed nothing, at the first token outside that case."""
        source = self.source
        cells: dict[tuple[int, int], GridCell] = {}
        place = _place
        translators: dict[str, Any] = {}
        slots = self.slots
        counter = 1  # the next row openpyxl's read-only reader yields (1-based)
        cur = -1  # the row being read (0-based), -1 between rows
        last_col = -1
        beyond = False
        max_row = max_col = -1
        text_cells = self.text_cells
        number_cells = self.number_cells
        formula_cell = _formula_cell
        cell: GridCell | None
        for (coord, s, t, f, fattr, ftext, v_open, v, v_empty, is_open, inline,
             row_r, row_attrs, row_sc, row_end, _) in toks:
            if coord:
                pos = place(coord)
                r, c = pos
                if r != cur or c <= last_col:
                    raise _Irregular
                last_col = c
                if f and not fattr and v_open and (not t or t == "n" or t == "str"):
                    cell = formula_cell(ftext, v, t)  # the usual formula cell
                elif f:
                    formula = _unescaped(ftext)
                    if fattr:
                        attrs = _attrs(fattr)
                        if attrs is None:
                            raise _Irregular
                        text = self.formula(formula, attrs, coord, translators)
                        formula = text if isinstance(text, str) else \
                            getattr(text, "text", None) or ""
                        if formula.startswith("="):
                            formula = formula[1:]
                    if v_open and (not t or t == "n"):
                        try:
                            cell = GridCell(value=float(v) if v else None, formula=formula)
                        except ValueError:
                            cell = GridCell(value=_unescaped(v), formula=formula)
                    elif v_open and t == "str":
                        sv = _unescaped(v)
                        cell = GridCell(value=unescape_controls(sv) if "_x00" in sv else sv,
                                        formula=formula)
                    else:
                        value, error = _stored_value(
                            t or "n", _unescaped(v) if v_open else ("" if v_empty else None),
                            _unescaped(inline) if is_open else None,
                            self.stored_strings() if t == "s" else None, [False])
                        cell = GridCell(value=value, formula=formula, error=error)
                elif t == "s":
                    if not v:
                        continue
                    cell = text_cells.get(v)
                    if cell is None:
                        cell = text_cells[v] = _text_cell(strings[int(v)])
                elif not t or t == "n":
                    if not v:
                        continue
                    key = (v, s)
                    if key in number_cells:
                        cell = number_cells[key]
                    else:
                        cell = number_cells[key] = self.value_cell("n", s if s else "0", v,
                                                                   None, strings)
                else:
                    cell = self.value_cell(t, s if s else "0", _unescaped(v) if v_open else None,
                                           _unescaped(inline) if is_open else None, strings)
                if cell is None:
                    continue
                cells[pos] = cell
                if c > max_col:
                    max_col = c
                if r >= MAX_ROWS:
                    beyond = True
                max_row = r
            elif row_r:
                if cur >= 0 or (row_attrs and not _row_attrs_ok(row_attrs, prefixes)):
                    raise _Irregular
                n = int(row_r)
                if n < counter:
                    raise _Irregular
                slots += n - counter  # rows missing before this one: one empty row each
                counter = n + 1
                if row_sc:
                    slots += 1
                else:
                    cur = n - 1
                    last_col = -1
                if slots > MAX_CELL_SLOTS:
                    too_many_cells(source, sg.name)
            elif row_end and cur >= 0:
                slots += last_col + 1 or 1
                if slots > MAX_CELL_SLOTS:
                    too_many_cells(source, sg.name)
                if beyond:
                    _fail(source, f"sheet {sg.name!r} is too large to read "
                                  f"(data beyond row {MAX_ROWS})")
                cur = -1
            else:
                raise _Irregular
        if cur >= 0:
            raise _Irregular
        self.slots = slots
        sg.cells = cells
        sg.max_row = max_row
        sg.max_col = max_col

    def fill(self, sg: SheetGrid, rows: list[_Row], strings: list[str],
             stored: _Stored | None) -> None:
        """openpyxl's read-only rules over a sheet's rows (:meth:`fill_regular` is the same for
        the usual sheet), then the stored results as the reference reads them: from ``stored``,
        or, for the scanner's rows, from each formula cell itself."""
        source = self.source
        cells_out = sg.cells
        translators: dict[str, Any] = {}
        own = stored is None
        stored_map: _Stored = {} if stored is None else stored
        row_counter = 0
        counter = 1
        max_row = max_col = -1
        formulas: list[tuple[tuple[int, int], GridCell]] = []
        for r_attr, cells in rows:
            if r_attr is not None:
                try:
                    row_counter = int(r_attr)
                except ValueError:
                    val = float(r_attr)
                    if not val.is_integer():
                        raise ValueError(f"{r_attr} is not a valid row number") from None
                    row_counter = int(val)
            else:
                row_counter += 1
            col_counter = 0
            parsed: list[tuple[int, int, Any, str | GridCell | None]] = []
            for coord, s, t, ftext, fattrs, v, inline in cells:
                if coord:
                    row, column = _coordinate(coord)
                    col_counter = column
                else:
                    col_counter += 1
                    row, column = row_counter, col_counter
                if ftext is not None:
                    parsed.append((row, column, self.formula(ftext, fattrs, coord, translators),
                                   "f"))
                    if own:  # the scanner's cells always have a reference
                        stored_map[(row - 1, column - 1)] = (t or "n", v, inline)
                else:
                    cell = self.value_cell(t or "n", "0" if s is None else s, v, inline, strings)
                    parsed.append((row, column, cell, cell))
            idx = row_counter
            if idx > counter:  # rows missing before this one: openpyxl yields an empty row each
                self.slots += idx - counter
                counter = idx
                if self.slots > MAX_CELL_SLOTS:
                    too_many_cells(source, sg.name)
            if counter > idx:
                continue  # a row out of order: the read-only reader never yields it
            counter += 1
            width = parsed[-1][1] if parsed else 0
            self.slots += (width if width > 0 else 0) or 1
            if self.slots > MAX_CELL_SLOTS:
                too_many_cells(source, sg.name)
            by_col = {p[1]: p for p in parsed if 1 <= p[1] <= width}
            for col in sorted(by_col):
                row, column, value, kind = by_col[col]
                if value is None:
                    continue
                r = row - 1
                c = column - 1
                if r >= MAX_ROWS:
                    _fail(source, f"sheet {sg.name!r} is too large to read "
                                  f"(data beyond row {MAX_ROWS})")
                if kind == "f":
                    text = value if isinstance(value, str) else getattr(value, "text", None) or ""
                    pending = GridCell(formula=text[1:] if text.startswith("=") else text)
                    cells_out[(r, c)] = pending  # its stored result once the sheet is read
                    formulas.append(((r, c), pending))
                else:
                    cells_out[(r, c)] = value
                max_row = max(max_row, r)
                max_col = max(max_col, c)
        for key, pending in formulas:
            got = stored_map.get(key)
            if got is None or cells_out.get(key) is not pending:
                continue  # no stored result, or a later cell took the place
            t, v, inline = got
            value, error = _stored_value(t, v, inline, self.stored_strings() if t == "s" else None,
                                         [False])
            cells_out[key] = GridCell(value=value, formula=pending.formula, error=error)
        sg.max_row = max_row
        sg.max_col = max_col

    def formula(self, text: str, attrs: dict[str, str] | None, coord: str | None,
                translators: dict[str, Any]) -> Any:
        """openpyxl's ``parse_formula``: "=" + text; shared formulas translated from their
        anchor, array formulas as text, data tables as an object without text."""
        value = "=" + text
        if not attrs:
            return value
        kind = attrs.get("t")
        if kind == "shared":
            idx = attrs.get("si")
            if idx in translators:
                return translators[idx].translate_formula(coord)
            if value != "=":
                from openpyxl.formula.translate import Translator

                translators[idx] = Translator(value, coord)  # type: ignore[index]
        elif kind == "dataTable":
            from openpyxl.worksheet.formula import DataTableFormula

            return DataTableFormula(**attrs)
        return value

    def date(self, value: float, duration: bool) -> tuple[Any, str]:
        from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

        try:
            return from_excel(value, self.epoch or WINDOWS_EPOCH, timedelta=duration), "d"
        except (OverflowError, ValueError):
            return "#VALUE!", "e"


def _read_fast(source: str, data: bytes, zf: zipfile.ZipFile, memo: SheetMemo | None = None,
               only: str | None = None) -> Grid:
    return _FastReader(source, data, zf, memo, only).read()
