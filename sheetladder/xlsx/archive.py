"""Defences against hostile or foreign files, run before any reader parses a byte of XML."""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path

from ..errors import CsvNotWorkbook, EncryptedWorkbook, UnreadableWorkbook, encrypted_reason
from ..grid import Visibility

# -- opening an .xlsx ------------------------------------------------------------------------
#
# Every check below runs before either reader (the fast one, or openpyxl) sees the file, so a
# hostile file costs little: the file is read once into memory (nothing ever writes to it),
# recognised by its first bytes, and its zip directory is checked against size limits before any
# part is decompressed. The fast reader parses with expat refusing DTDs and entities as defusedxml
# does; openpyxl parses with defusedxml (it does so whenever defusedxml is installed; see
# _require_defusedxml); and every XML part is refused outright if its prolog declares a DOCTYPE,
# which no Office Open XML part ever has, so entity bombs never reach a parser.

MAX_FILE_BYTES = 20 * 2**20  # a filled workbook is ~50 KB; the largest ladders stay far below
MAX_MEMBERS = 1000
MAX_MEMBER_BYTES = 50 * 2**20  # uncompressed size of one part
MAX_TOTAL_BYTES = 200 * 2**20  # uncompressed size of all parts together
MAX_RATIO = 200  # compression ratio allowed for parts over RATIO_FROM (XML compresses ~10-30x)
# Repeated text compresses far better: the workbook of a definition at its limits (2 MiB of
# text, escaped) has a sharedStrings part of up to ~10 MiB at ~400:1, and must read back.
RATIO_FROM = 16 * 2**20
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


def missing_reason(source: str, what: str = "file") -> str:
    """Why ``source`` cannot be opened when there is no such file: a web address that is no
    Google Sheets link (a Docs or Drive link, say) is told as such, not as a missing file."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source.strip()):
        return ("a web address, but not a Google Sheets link (https://docs.google.com/"
                "spreadsheets/d/ID/edit): give the sheet's own link, or download the workbook "
                "as .xlsx and give the file")
    return f"no such {what}"


def read_file_bytes(path: str | Path) -> bytes:
    """The bytes of ``path``, opened read-only, refused above :data:`MAX_FILE_BYTES`."""
    source = str(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                # a spreadsheet saved in another format (a web page, Excel 2003 XML) may be
                # large: named for what it is, as it would be at any size
                head = f.read(2**20)
                kind = _large_zip(f) if head.startswith(_ZIP_MAGICS) else \
                    _foreign(head, "a workbook")
                raise UnreadableWorkbook(source, kind or (
                    f"file is {_mb(size)}, over the {_mb(MAX_FILE_BYTES)} limit for a workbook"))
            # the size it has (one more byte tells it grew since), then what it grew by: a
            # read of MAX_FILE_BYTES at once makes a 20 MiB buffer first, 3-4x the cost of
            # reading a 50 KB workbook
            data = f.read(size + 1)
            if len(data) > size:
                data += f.read(MAX_FILE_BYTES + 1 - len(data))
    except FileNotFoundError:
        raise UnreadableWorkbook(source, missing_reason(source)) from None
    except IsADirectoryError:
        raise UnreadableWorkbook(source, "is a directory, not a workbook") from None
    except PermissionError:
        raise UnreadableWorkbook(source, "permission denied") from None
    except OSError as e:
        raise UnreadableWorkbook(source, f"cannot be read: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableWorkbook(source, f"file is over the {_mb(MAX_FILE_BYTES)} limit for a workbook")
    return data


def _large_zip(f: io.BufferedReader) -> str | None:
    """What read_file_bytes names a zip over the size limit: workbooks zipped
    (:func:`zip_of_workbooks`) or a spreadsheet's web pages zipped (:func:`zipped_web_page`),
    as they would be at any size; None for any other zip."""
    try:
        with zipfile.ZipFile(f) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" in names:
                return None
            books = zip_of_workbooks(names)  # names only: at any part count
            if books or len(names) > MAX_MEMBERS:
                return books
            return zipped_web_page(zf)
    except Exception:  # noqa: BLE001 - a damaged zip: refused for its size all the same
        return None


def sniff(data: bytes, what: str = "an .xlsx workbook") -> str | None:
    """Why ``data`` is not ``what`` (a zip-based spreadsheet), judged by its first bytes; None
    when it starts like a zip. The importer names what it expected (an .ods spreadsheet)."""
    if not data:
        return "empty file (0 bytes)" + UNFINISHED_SAVE
    if data.startswith(_ZIP_MAGICS):
        return None
    reason = _foreign(data, what)
    if reason:
        return reason
    if looks_like_csv(data):
        return f"a CSV text file, not {what}"
    return f"not {what} (not a zip archive)"


UNFINISHED_SAVE = (
    ": the save may not have finished (copied while it was still being written, or synced "
    "only in part?): save it again, wait until the save is done, and copy or send it again")

WEB_PAGE_ADVICE = (
    ": a web page holds the sheets' values only (no formulas or hidden sheet), so it cannot be "
    "verified; send the .xlsx workbook itself (saving a copy as a web page leaves it as it "
    "was)")

_EXCEL_PAGE_MARKS = (b"urn:schemas-microsoft-com:office:excel", b"excel.sheet",
                     b"x-document-type: workbook", b"made by sheetladder")
# the generator a spreadsheet program names in the page it saves (quoted-printable in an .mht:
# '=3d' for '='), lower-cased
_SPREADSHEET_GENERATOR = re.compile(
    rb"<meta\s[^>]*name\s*=\s*(?:3d)?[\"']?generator[\"']?[^>]*content\s*=\s*(?:3d)?[\"']?"
    rb"(?:libreoffice|openoffice|microsoft excel|gnumeric|numbers)")


def _web_page(data: bytes) -> str | None:
    """What a spreadsheet saved as a web page is named: 'Save as Web Page' (.htm/.html) or
    'Single File Web Page' (.mht/.mhtml, a MIME message); None for anything else. A page is
    one saved from a spreadsheet when it holds Excel's marks (its namespace, ``ProgId
    Excel.Sheet``), a spreadsheet program's name as its generator (LibreOffice's), or the
    description a sheetladder workbook carries; another HTML page (a sign-in page, a failed
    download, notes with a table) is not."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    body = data[:2**20].lower()
    mime = b"content-type: multipart/related" in head and (
        head.startswith(b"mime-version:") or b"\nmime-version:" in head)
    html = head.startswith((b"<!doctype html", b"<html")) or (
        head.startswith(b"<?xml") and b"<html" in head)
    if not (mime or html):
        return None
    sheet = any(m in body for m in _EXCEL_PAGE_MARKS) or \
        _SPREADSHEET_GENERATOR.search(body) is not None
    if not sheet:
        return None
    if mime:
        return ("a single-file web page (.mht, a spreadsheet's 'Save as Single File Web "
                "Page'), not a workbook" + WEB_PAGE_ADVICE)
    return "a web page (a spreadsheet's 'Save as Web Page'), not a workbook" + WEB_PAGE_ADVICE


# Google Sheets' "File > Download > Web page (.html, zipped)" gives a .zip (Drive's export
# format "zip") of one page per tab, ``<tab name>.html``, and a ``resources/`` folder
# (``sheet.css``). Each page is a fragment, no <html> nor <!DOCTYPE>: it starts with
# ``<meta http-equiv="Content-Type" ...><link ... href="resources/sheet.css">``, then a style
# of ``.ritz .waffle`` rules and ``<div class="ritz grid-container"><table class="waffle">``
# ('ritz' and 'waffle' are Google Sheets' own names for its app and grid), as copies of such
# pages in public repositories show (e.g. jspaniac/BackreadingBot, src/html_constants.py).
# saved_spreadsheet takes no such page (it has no <html>, no generator, no Excel mark), so
# Google's markup is looked for too.
_GOOGLE_GRID = re.compile(rb"<table\b[^>]*\bclass\s*=\s*[\"']?waffle\b")
_GOOGLE_APP = re.compile(rb"\bclass\s*=\s*[\"']?ritz\b|\.ritz\s+\.waffle\b")
ZIP_PAGE_HEAD = 2**20  # bytes of a zipped page looked at (what a folder's page gets)
ZIP_PAGES = 8  # zipped pages looked at, at most (a spreadsheet's are all alike)
GOOGLE_WEB_PAGE_ZIP = (
    "a Google Sheets web page download (.zip of .html pages), not an .xlsx workbook: in Google "
    "Sheets use File > Download > Microsoft Excel (.xlsx) and send that")
GOOGLE_WEB_PAGE = (
    "a page of a Google Sheets web page download (.html, one page per tab), not an .xlsx "
    "workbook: in Google Sheets use File > Download > Microsoft Excel (.xlsx) and send that")
ZIPPED_WEB_PAGE = ("a .zip of a web page saved from a spreadsheet, not an .xlsx workbook"
                   + WEB_PAGE_ADVICE)


def google_sheets_page(data: bytes) -> bool:
    """Whether ``data`` is a page of Google Sheets' web page download: Google's grid table
    (``<table class="waffle">``) and its app's class (``ritz``) in the first MB."""
    body = data[:2**20].lower()
    return _GOOGLE_GRID.search(body) is not None and _GOOGLE_APP.search(body) is not None


def zipped_pages(zf: zipfile.ZipFile) -> str | None:
    """What the .html/.htm pages of a zip that is no Office package are: 'google' (a page of
    Google Sheets' web page download, :func:`google_sheets_page`), 'sheet' (a page saved from
    a spreadsheet otherwise, :func:`saved_spreadsheet`), 'unread' (a page that cannot be read:
    encrypted, an unknown compression, damaged), None (no page, or none from a spreadsheet).

    Bounded: at most :data:`ZIP_PAGES` pages, the first :data:`ZIP_PAGE_HEAD` bytes of each,
    inflated in memory (zipfile inflates no further than is read); nothing is extracted."""
    pages = [i for i in zf.infolist() if not i.is_dir()
             and i.filename.lower().endswith((".html", ".htm"))
             and not i.filename.startswith("__MACOSX/")  # macOS's resource forks, no pages
             and not i.filename.rsplit("/", 1)[-1].startswith("._")][:ZIP_PAGES]
    found = None
    for info in pages:
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                              zipfile.ZIP_DEFLATED):
            found = found or "unread"
            continue
        try:
            with zf.open(info) as f:
                head = f.read(ZIP_PAGE_HEAD)
        except Exception:  # noqa: BLE001 - a damaged page: judged unread, never raised here
            found = found or "unread"
            continue
        if google_sheets_page(head):
            return "google"
        if saved_spreadsheet(head):
            found = "sheet"
    return found


# Returns zipped for mailing (a rater's several tabs' workbooks, or ops forwarding a team's):
# a zip that is no Office package holding .xlsx/.xlsm files, or a return saved in another
# spreadsheet format (the suffixes collect takes from a folder to refuse by name, as
# sheetladder.results.readers.OTHER_SPREADSHEET_SUFFIXES lists them), or a zip inside the zip (it
# may hold returns in turn). Judged by the zip's directory alone (names, no part read);
# macOS's resource forks (``__MACOSX/``, ``._ana.xlsx``) and the lock files Excel leaves
# (``~$ana.xlsx``) are no returns.
ZIPPED_BOOK_SUFFIXES = (".xlsx", ".xlsm")
ZIPPED_SPREADSHEET_SUFFIXES = (".xls", ".xlsb", ".xltx", ".xltm", ".ods", ".fods", ".ots",
                               ".numbers")
ZIPPED_RETURN_SUFFIXES = (*ZIPPED_BOOK_SUFFIXES, *ZIPPED_SPREADSHEET_SUFFIXES, ".zip")
_SHOWN_BOOKS = 3  # workbooks a message names, at most
_SHOWN_NAME = 60  # characters of a name a message shows, at most
_UTF8_NAME = 0x800  # flag_bits: the part's name is UTF-8 (else cp437, as zipfile decodes it)


def zipped_workbooks(names: Collection[str]) -> list[str]:
    """The possible returns among the part names of a zip that is no Office package (no
    ``[Content_Types].xml``: an .xlsx's own embedded workbooks are never asked for) nor an
    Apple Numbers document (``Index.zip``, ``Index/*.iwa``): .xlsx/.xlsm workbooks,
    spreadsheets of another format (.ods, .xls, …: :data:`ZIPPED_SPREADSHEET_SUFFIXES`) and
    zips inside it, by their names as given."""
    if "[Content_Types].xml" in names or "Index.zip" in names or any(
            n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return []
    return [n for n in names if n.lower().endswith(ZIPPED_RETURN_SUFFIXES)
            and not n.startswith("__MACOSX/")
            and not n.rsplit("/", 1)[-1].startswith(("~$", "."))]


def zip_part_name(name: str, flag_bits: int | None = None) -> str:
    """A zip part's name as its maker wrote it. A name without the UTF-8 flag (bit 0x800 of
    ``flag_bits``) is one zipfile decoded as cp437; macOS's Finder and old Windows tools write
    UTF-8 names without the flag, so ``Ana Díaz.xlsx`` reads as ``Ana D├¡az.xlsx``: such a
    name is re-decoded as UTF-8 when its cp437 bytes are UTF-8. ``flag_bits`` None (the name
    alone known): re-decoded when that succeeds, as a flagged name of no such bytes never
    does (its accented letters encode to cp437 bytes that are no UTF-8, or not at all)."""
    if flag_bits is not None and flag_bits & _UTF8_NAME:
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def _shown_name(name: str) -> str:
    """A zip part's name as a one-line message shows it: re-decoded (:func:`zip_part_name`),
    control characters replaced, cut."""
    text = "".join(c if c.isprintable() else "?" for c in zip_part_name(name))
    return text if len(text) <= _SHOWN_NAME else text[:_SHOWN_NAME - 1] + "…"


def zip_of_workbooks(names: Collection[str]) -> str | None:
    """Why a zip that is no Office package is no workbook when it holds possible returns
    (:func:`zipped_workbooks`), naming a few of them ("workbooks" when all are .xlsx/.xlsm,
    "spreadsheets" when some are of another format, "zip archives" when all are zips); None
    when it holds none."""
    books = zipped_workbooks(names)
    if not books:
        return None
    shown = ", ".join(_shown_name(b) for b in books[:_SHOWN_BOOKS]) + (
        ", …" if len(books) > _SHOWN_BOOKS else "")
    zips = sum(b.lower().endswith(".zip") for b in books)
    if all(b.lower().endswith(ZIPPED_BOOK_SUFFIXES) for b in books):
        one, many = "workbook", "workbooks"
    elif zips == len(books):
        one, many = "zip archive", "zip archives"
    elif zips:
        one, many = "", "spreadsheets or zip archives"
    else:
        one, many = "spreadsheet", "spreadsheets"
    what = f"a {one}" if len(books) == 1 else f"{len(books)} {many}"
    return (f"a zip archive holding {what} ({shown}), not a workbook itself: unzip it into the "
            "folder it is in and collect again (or give the workbooks themselves)")


def zipped_web_page(zf: zipfile.ZipFile) -> str | None:
    """Why a zip that is no Office package (no ``[Content_Types].xml``) is no workbook when it
    is a spreadsheet's web pages, zipped, or holds a page that cannot be read
    (:func:`zipped_pages`); None otherwise."""
    kind = zipped_pages(zf)
    if kind == "google":
        return GOOGLE_WEB_PAGE_ZIP
    if kind == "sheet":
        return ZIPPED_WEB_PAGE
    if kind == "unread":
        return ("a zip archive holding a web page (.html) that cannot be read (encrypted, or "
                "damaged), not an .xlsx workbook: send the .xlsx workbook itself")
    return None


_SPREADSHEET_2003 = re.compile(
    r"<\?mso-application\s+progid\s*=\s*[\"']Excel\.Sheet[\"']|"
    r"<(?:[A-Za-z_][\w.-]*:)?Workbook\b[^>]*[\"']urn:schemas-microsoft-com:office:spreadsheet[\"']",
    re.IGNORECASE)


def spreadsheet_2003_xml(data: bytes) -> bool:
    """Whether ``data`` is an Excel 2003 XML Spreadsheet ('XML Spreadsheet 2003'): the
    processing instruction Excel writes for it (``<?mso-application progid="Excel.Sheet"?>``)
    or a root ``Workbook`` in its namespace, within the first 8 KB. Other XML (notes, an
    export, Excel's filelist.xml of a web page) has neither."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="replace")
    return _SPREADSHEET_2003.search(text) is not None


def flat_ods(data: bytes) -> bool:
    """Whether ``data`` is a flat OpenDocument spreadsheet (.fods, or one saved as .xml)."""
    return b"<office:document" in data[:8192] and b"opendocument.spreadsheet" in data[:8192]


def saved_spreadsheet(data: bytes) -> bool:
    """Whether ``data`` is a spreadsheet saved as a web page, as Excel 2003 XML or as flat
    OpenDocument: what a folder's .htm, .html, .mht, .mhtml or .xml files are taken for (each
    is then refused by name, with what to send), where other such files are left alone."""
    return _web_page(data) is not None or spreadsheet_2003_xml(data) or flat_ods(data)


def _foreign(data: bytes, what: str) -> str | None:
    """What sniff names a file that is no zip by its first bytes (an old Office file, HTML,
    XML, PDF); None for any other file (text, maybe CSV, or unknown bytes)."""
    if data.startswith(_OLE_MAGIC):
        if encryption(data):
            return encrypted_reason("workbook")
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "old Excel 97-2003 .xls workbook: open it and save it as .xlsx"
        return f"an OLE compound document (old Office format), not {what}"
    page = _web_page(data)
    if page:
        return page
    if google_sheets_page(data):  # a page of the download unzipped: a fragment, no <html>
        return GOOGLE_WEB_PAGE
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page, not a workbook (a failed download or a sign-in page?)"
    if spreadsheet_2003_xml(data):
        return (f"an Excel 2003 XML Spreadsheet (.xml), not {what}: send the .xlsx workbook "
                "itself, or open this file in Excel and save it as .xlsx (Excel Workbook)")
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        if flat_ods(data):
            return "a flat OpenDocument spreadsheet (.fods): save it as .xlsx"
        return f"an XML or text file, not {what}"
    if head.startswith(b"%pdf"):
        return "a PDF document, not a workbook"
    return None


def unknown_bytes(data: bytes) -> bool:
    """Whether ``data`` is no zip and none of the files sniff names by their first bytes: text
    (a CSV, say) or bytes of no known kind."""
    return bool(data) and not data.startswith(_ZIP_MAGICS) and _foreign(data, "") is None


def saved_as_csv(data: bytes) -> bool:
    """Whether sniff takes ``data`` for a text file saved as CSV ('a CSV text file')."""
    return unknown_bytes(data) and looks_like_csv(data)


def looks_like_csv(data: bytes) -> bool:
    """Whether ``data`` is text whose first lines parse as CSV rows of one width (2 or more)
    on one of , ; or tab: what a spreadsheet saved "as CSV" (or "as Unicode text") gives."""
    return _table_separator(data, (",", ";", "\t")) is not None


def looks_like_tab_text(data: bytes) -> bool:
    """Whether ``data`` is text whose first lines are three rows or more of one width (2 or
    more) split by tabs: what a sheet saved as "Text (Tab delimited)" or "Unicode Text" gives
    (a .txt or .tsv; a rater's tab is some thirty rows). Notes (lines without tabs, or of as
    many tabs as it happens, or a line or two with a tab) are not."""
    return _table_separator(data, ("\t",), rows=3) is not None


def _table_separator(data: bytes, separators: tuple[str, ...], rows: int = 1) -> str | None:
    """The first of ``separators`` on which the first lines of text ``data`` parse as CSV rows
    (``rows`` at least) of one width (2 or more); None when there is none (or ``data`` is no
    text)."""
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = sample.decode("utf-16")
        except UnicodeDecodeError:
            return None
    elif b"\x00" in sample:
        return None
    else:
        text = sample.decode("utf-8", errors="replace").lstrip("\ufeff")
        if text.count("\ufffd") > len(text) // 100:  # a legacy code page is text too, but
            text = sample.decode("cp1252", errors="replace")  # few binaries get this far
    lines = [ln for ln in text.splitlines() if ln.strip()][:10]
    if len(data) > len(sample) and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut short
    if len(lines) < max(rows, 1) or any(ord(ch) < 32 and ch not in "\t"
                                         for ln in lines for ch in ln):
        return None
    for sep in separators:
        try:
            widths = {len(row) for row in csv.reader(lines, delimiter=sep)}
        except csv.Error:
            continue
        if min(widths) >= 2 and len(widths) == 1:
            return sep
    return None


CSV_WORKBOOK_ADVICE = (
    ": a .csv holds one sheet's values only (no rater tabs, formulas or hidden sheet), so it "
    "cannot be verified; send the .xlsx workbook itself (saving a copy as .csv leaves it as "
    "it was)")
TAB_TEXT_WORKBOOK_ADVICE = (
    ": a text file holds one sheet's values only (no rater tabs, formulas or hidden sheet), so "
    "it cannot be verified; send the .xlsx workbook itself (saving a copy as text leaves it as "
    "it was)")
TEXT_SUFFIXES = (".txt", ".tsv", ".tab")


def lock_file_of(name: str) -> tuple[str, str] | None:
    """(the program, the workbook's name) when ``name`` is the lock file another program holds
    while that workbook is open: Excel's owner file ``~$ana.xlsx``, LibreOffice's
    ``.~lock.ana.xlsx#``; None for any other name."""
    if name.startswith(".~lock.") and name.endswith("#") and len(name) > len(".~lock.#"):
        return "LibreOffice", name[len(".~lock."):-1]
    if name.startswith("~$") and len(name) > 2:
        return "Excel", name[2:]
    return None


def lock_files_of(name: str) -> list[tuple[str, str]]:
    """(program, lock file's name) of each lock file a program may make beside workbook
    ``name`` while it is open (the names :func:`lock_file_of` reads). Office's owner file is
    ``~$`` and the name, or, for a name of more than six characters before its extension,
    ``~$`` over its first two characters: both are looked for."""
    excel = [f"~${name}"]
    if len(Path(name).stem) > 6 and not name.startswith("~$"):
        excel.append(f"~${name[2:]}")
    return [("Excel", lock) for lock in excel] + [("LibreOffice", f".~lock.{name}#")]


def is_lock_of(lock: str, name: str) -> bool:
    """Whether ``lock`` is a lock file workbook ``name`` may have beside it."""
    return lock != name and any(lock == theirs for _, theirs in lock_files_of(name))


def lock_target(path: Path) -> tuple[str, str] | None:
    """(the program, the workbook's name) when ``path`` is a lock file (:func:`lock_file_of`),
    the workbook as found beside it when its name is cut short (``~$a-diaz.xlsx`` beside
    ``ana-diaz.xlsx``)."""
    lock = lock_file_of(path.name)
    if lock is None or lock[0] != "Excel" or (path.parent / lock[1]).exists():
        return lock
    try:
        beside = [p.name for p in path.parent.iterdir() if p.name != path.name]
    except OSError:
        return lock
    whole = [n for n in beside if is_lock_of(path.name, n) and n != lock[1]]
    return (lock[0], whole[0]) if len(whole) == 1 else lock


def lock_owner(program: str, data: bytes) -> str | None:
    """Who holds a lock file, as it says: Excel's owner file starts with the length of the
    user's name and the name; LibreOffice's is a line ``name,host,user,date,profile;``."""
    if program == "Excel":
        n = data[0] if data else 0
        if n > 54:  # the name's field is 54 bytes
            return None
        who = data[1:1 + n].decode("cp1252", errors="replace").strip()
    else:
        fields = data.decode("utf-8", errors="replace").split(";", 1)[0].split(",")
        who = (fields[0].strip() or (fields[2].strip() if len(fields) > 2 else "")) \
            if fields else ""
    return who if who and who.isprintable() and "\ufffd" not in who else None


# -- encrypted files -------------------------------------------------------------------------
#
# Office encrypts a whole .xlsx/.xlsm into an OLE compound file holding an "EncryptedPackage"
# stream; an encrypted .xls is an ordinary compound file whose Workbook stream has a FILEPASS
# record right after its first BOF record; an encrypted .ods is an ordinary zip whose manifest
# gives its parts <manifest:encryption-data>. Each is recognised here so that it is reported as
# encrypted, not as a damaged or foreign file.

_CFB_FREE = 0xFFFFFFFF
_CFB_MAX_SECTORS = 1 << 20  # a chain longer than this is a loop or a lie
_BIFF_BOF = (0x0809, 0x0409, 0x0209, 0x0009)
_BIFF_FILEPASS = 0x002F


def _u32(data: bytes, off: int) -> int:
    return struct.unpack_from("<I", data, off)[0] if off + 4 <= len(data) else _CFB_FREE


class _Cfb:
    """Just enough of an OLE compound file (MS-CFB) to list its streams and read a stream's
    first bytes: the header, the FAT, the directory and the mini stream. Every index is checked
    against the file's size and every chain is bounded, so a damaged file costs little."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= shift <= 16 or not 2 <= mini_shift < shift:
            raise ValueError("bad sector sizes")
        self.size, self.mini_size = 1 << shift, 1 << mini_shift
        self.cutoff = _u32(data, 0x38)
        fat_sectors = [_u32(data, 0x4C + 4 * i) for i in range(109)]
        difat, n_difat = _u32(data, 0x44), _u32(data, 0x48)
        per = self.size // 4 - 1
        for _ in range(min(n_difat, 1024)):
            if difat >= _CFB_MAX_SECTORS:
                break
            base = self._offset(difat)
            fat_sectors += [_u32(data, base + 4 * i) for i in range(per)]
            difat = _u32(data, base + 4 * per)
        self.fat: list[int] = []
        for sid in fat_sectors:
            if sid >= _CFB_MAX_SECTORS or self._offset(sid) + self.size > len(data):
                continue
            self.fat += struct.unpack_from(f"<{self.size // 4}I", data, self._offset(sid))
        self.entries: dict[str, tuple[int, int]] = {}  # stream name -> (start, size)
        self.root: tuple[int, int] = (_CFB_FREE, 0)
        raw = self._read_chain(_u32(data, 0x30), limit=1 << 20)
        for i in range(0, len(raw) - 127, 128):
            n = struct.unpack_from("<H", raw, i + 64)[0]
            kind = raw[i + 66]
            name = raw[i:i + max(0, min(n, 64) - 2)].decode("utf-16-le", "replace")
            start = _u32(raw, i + 116)
            size = _u32(raw, i + 120)
            if kind == 5:
                self.root = (start, size)
            elif kind == 2:
                self.entries.setdefault(name, (start, size))

    def _offset(self, sid: int) -> int:
        return (sid + 1) * self.size

    def _chain(self, start: int) -> list[int]:
        out: list[int] = []
        sid = start
        seen: set[int] = set()
        while 0 <= sid < len(self.fat) and sid not in seen and len(out) < _CFB_MAX_SECTORS:
            seen.add(sid)
            out.append(sid)
            sid = self.fat[sid]
        return out

    def _read_chain(self, start: int, limit: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        for sid in self._chain(start):
            off = self._offset(sid)
            parts.append(self.data[off:off + self.size])
            got += self.size
            if got >= limit:
                break
        return b"".join(parts)

    def head(self, name: str, n: int) -> bytes:
        """The first ``n`` bytes (at most) of stream ``name``; b"" when there is none."""
        if name not in self.entries:
            return b""
        start, size = self.entries[name]
        n = min(n, size)
        if size >= self.cutoff:
            return self._read_chain(start, n)[:n]
        # a small stream lives in the mini stream, itself a chain of sectors from the root
        mini_fat_raw = self._read_chain(_u32(self.data, 0x3C), limit=1 << 20)
        mini_fat = list(struct.unpack_from(f"<{len(mini_fat_raw) // 4}I", mini_fat_raw))
        stream = self._read_chain(self.root[0], limit=self.root[1])
        out: list[bytes] = []
        sid, seen = start, set()
        while 0 <= sid < len(mini_fat) and sid not in seen and sum(map(len, out)) < n:
            seen.add(sid)
            out.append(stream[sid * self.mini_size:(sid + 1) * self.mini_size])
            sid = mini_fat[sid]
        return b"".join(out)[:n]


def encryption(data: bytes) -> str | None:
    """'ooxml' for an encrypted .xlsx/.xlsm (its package inside an OLE file), 'xls' for an
    encrypted .xls; None for anything else (an .ods is judged by :func:`ods_encrypted`)."""
    if not data.startswith(_OLE_MAGIC):
        return None
    try:
        cfb = _Cfb(data)
    except (ValueError, struct.error):
        cfb = None
    if cfb is None:  # too damaged to walk: the stream name alone still says it
        return "ooxml" if "EncryptedPackage".encode("utf-16-le") in data else None
    if "EncryptedPackage" in cfb.entries:
        return "ooxml"
    for name in ("Workbook", "Book"):
        head = cfb.head(name, 256)
        if len(head) >= 4 and struct.unpack_from("<H", head, 0)[0] in _BIFF_BOF:
            first = 4 + struct.unpack_from("<H", head, 2)[0]
            if len(head) >= first + 2 and struct.unpack_from("<H", head, first)[0] == _BIFF_FILEPASS:
                return "xls"
    return None


def ods_encrypted(zf: zipfile.ZipFile) -> bool:
    """Whether an OpenDocument package encrypts its parts: its manifest gives them
    <manifest:encryption-data>. Only the manifest's bytes are searched (it is not parsed:
    OpenOffice wrote a DOCTYPE there)."""
    try:
        info = zf.getinfo("META-INF/manifest.xml")
    except KeyError:
        return False
    if info.file_size > MAX_MEMBER_BYTES or info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False
    try:
        with zf.open(info) as f:
            raw = f.read(MAX_MEMBER_BYTES)
    except Exception:  # noqa: BLE001 - a damaged manifest: the reader reports the damage
        return False
    return re.search(rb"<(?:[A-Za-z_][\w.-]*:)?encryption-data[\s/>]", raw) is not None


def _check_members(source: str, zf: zipfile.ZipFile) -> None:
    """The reader's zip checks: the part count first, then what kind of file this is (so an
    .ods or a Word document is named as such), then the size limits every spreadsheet gets.
    Workbooks zipped are named at any part count (from the names alone)."""
    names = zf.namelist()
    if len(names) > MAX_MEMBERS and "[Content_Types].xml" not in names:
        books = zip_of_workbooks(names)
        if books:
            _fail(source, books)
    _check_count(source, zf)
    _check_kind(source, zf)
    check_zip_limits(source, zf)


def _check_count(source: str, zf: zipfile.ZipFile) -> None:
    n = len(zf.infolist())
    if n > MAX_MEMBERS:
        raise UnreadableWorkbook(source, f"zip archive has {n} parts (limit {MAX_MEMBERS})")


def _check_kind(source: str, zf: zipfile.ZipFile) -> None:
    """Refuse a zip that is not an .xlsx, naming what it is (.ods, .xlsb, Word, PowerPoint)."""
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names:
        if "mimetype" in names:
            try:  # the first bytes only: the part's size has not been checked yet
                with zf.open("mimetype") as f:
                    mime = f.read(100)
            except Exception:  # noqa: BLE001 - any failure here just means "not ODF"
                mime = b""
            if b"opendocument.spreadsheet" in mime:
                if ods_encrypted(zf):
                    raise EncryptedWorkbook(source, encrypted_reason("spreadsheet"))
                if source.lower().endswith((".xlsx", ".xlsm")):  # renamed, not saved as one
                    return _fail(source, "an OpenDocument spreadsheet (.ods) named .xlsx: "
                                         "renaming does not change what it is; save it as .xlsx "
                                         "(in LibreOffice: File > Save As, file type 'Excel "
                                         "2007-365')")
                return _fail(source, "an OpenDocument spreadsheet (.ods): save it as .xlsx")
        if any(n.startswith("Index/") and n.endswith(".iwa") for n in names) \
                or "Index.zip" in names:
            return _fail(source, "an Apple Numbers document: export it as .xlsx "
                                 "(File > Export To > Excel)")
        books = zip_of_workbooks(zf.namelist())  # in the zip's order, as unzip lists them
        if books:
            return _fail(source, books)
        pages = zipped_web_page(zf)
        if pages:
            return _fail(source, pages)
        return _fail(source, "a zip archive but not an .xlsx workbook (no [Content_Types].xml)")
    if "xl/workbook.bin" in names:
        return _fail(source, "a binary .xlsb workbook: save it as .xlsx")
    if not any(n.startswith("xl/") for n in names):
        if any(n.startswith("word/") for n in names):
            return _fail(source, "a Word document, not a workbook")
        if any(n.startswith("ppt/") for n in names):
            return _fail(source, "a PowerPoint document, not a workbook")
        return _fail(source, "an Office file but not an Excel workbook (no xl/ part)")


def check_zip_limits(source: str, zf: zipfile.ZipFile) -> None:
    """Refuse a zip whose directory promises more than a spreadsheet ever unpacks to.

    Judged from the zip directory alone, before any part is inflated, so a zip bomb costs
    nothing: part count, encrypted parts, compression methods zipfile cannot read, each part's
    size and compression ratio, the total. Reading a part afterwards is bounded too, since
    zipfile never inflates a part past its declared size. Any zip-based spreadsheet (.xlsx,
    .ods) gets these; raises :class:`UnreadableWorkbook`.
    """
    _check_count(source, zf)
    total = 0
    for info in zf.infolist():
        if info.flag_bits & 0x1:
            return _fail(source, f"zip part {info.filename} is encrypted: not a readable workbook")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return _fail(source, f"zip part {info.filename} uses an unsupported compression method")
        if info.file_size > MAX_MEMBER_BYTES:
            return _fail(source, f"zip part {info.filename} would unpack to {_mb(info.file_size)} "
                                 f"(limit {_mb(MAX_MEMBER_BYTES)}): refused as a possible zip bomb")
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return _fail(source, f"zip part {info.filename} is compressed {ratio}:1: refused as a "
                                 "possible zip bomb")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        _fail(source, f"zip archive would unpack to {_mb(total)} (limit {_mb(MAX_TOTAL_BYTES)}): "
                      "refused as a possible zip bomb")


def too_many_cells(source: str, sheet: str) -> None:
    """Refuse a sheet whose cells (gaps a reader fills included) exceed :data:`MAX_CELL_SLOTS`."""
    raise UnreadableWorkbook(source, f"sheet {sheet!r} is too large to read "
                                     f"(more than {MAX_CELL_SLOTS:,} cells)")


def _fail(source: str, reason: str) -> None:
    raise UnreadableWorkbook(source, reason)


def _archive_bytes(zf: zipfile.ZipFile) -> bytes | None:
    """The bytes of an archive opened from memory (as :func:`open_zip` does), else None."""
    fp = getattr(zf, "fp", None)
    if isinstance(fp, io.BytesIO):
        return fp.getvalue()
    return None


def member_bytes(data: bytes, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """A part of a zip held in memory, straight from its local header, CRC checked.

    ``zipfile``'s own reader costs more per part than inflating a sheet does; this reads the
    same bytes with the same checks (local header present, file name equal to the directory's,
    CRC-32 and size equal to what the directory declares). With ``limit`` only the part's first
    bytes are inflated (no CRC: like a partial read with zipfile). Output is capped at the
    declared size, so a part that lies about its size cannot inflate past it.
    """
    off = info.header_offset
    if data[off:off + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad magic number for file header of {info.filename!r}")
    flags, = struct.unpack_from("<H", data, off + 6)
    n, e = struct.unpack_from("<HH", data, off + 26)
    raw_name = data[off + 30:off + 30 + n]
    name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"file name in directory {info.orig_filename!r} and header "
                                 f"{name!r} differ")
    start = off + 30 + n + e
    end = start + info.compress_size
    if end > len(data):
        raise zipfile.BadZipFile(f"part {info.filename!r} is cut short")
    want = info.file_size if limit is None else min(limit, info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        out = data[start:min(end, start + want)]
    else:
        out = zlib.decompressobj(-15).decompress(memoryview(data)[start:end], want)
    if limit is None and (len(out) != info.file_size or zlib.crc32(out) != info.CRC):
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return out


def _head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, n: int, data: bytes | None) -> bytes:
    if data is not None:
        return member_bytes(data, info, n)
    with zf.open(info) as f:
        return f.read(n)


def _prolog_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None = None
                    ) -> str | None:
    """Why an XML part's prolog is refused (a DOCTYPE, so possibly an entity bomb), or None."""
    n = 1024
    while True:
        raw = _head(zf, info, n, data)
        verdict = prolog_verdict(raw)
        if verdict == "ok":
            return None
        if verdict == "doctype":
            return "declares a DOCTYPE (possible XML entity bomb)"
        # the prolog goes on past what was read
        if len(raw) >= PROLOG_LIMIT:
            return "has an XML prolog longer than 64 KB"
        if len(raw) < n:
            return None  # a malformed part: the parser reports it
        n *= 2


def prolog_verdict(raw: bytes) -> str:
    """'ok' when an XML part's root element starts before any declaration, 'doctype', or
    'more' when ``raw`` ends inside the prolog."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        enc = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else (
            "utf-16-le" if raw[0] == 0x3C else "utf-16-be")
        text = raw[: len(raw) // 2 * 2].decode(enc, errors="ignore")
    else:
        text = raw.decode("latin-1")
    text = text.lstrip("\ufeff").replace("ï»¿", "", 1)
    return _scan_prolog(text)


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


def check_xml_prologs(source: str, zf: zipfile.ZipFile, names: Collection[str] | None = None
                      ) -> None:
    """Refuse an XML part whose prolog declares a DOCTYPE: every .xml and .rels part, or the
    parts in ``names`` (those a caller will parse).

    No Office Open XML part and no ODF content part needs a DTD, so refusing one keeps entity
    bombs and external entities away from every parser, whichever library parses. Only each
    part's first bytes are inflated. Run after :func:`check_zip_limits`.
    """
    data = _archive_bytes(zf)
    for info in zf.infolist():
        name = info.filename.lower()
        if names is not None:
            if info.filename not in names:
                continue
        elif info.is_dir() or not (name.endswith(".xml") or name.endswith(".rels")):
            continue
        problem = _prolog_problem(zf, info, data)
        if problem:
            _fail(source, f"refused: XML part {info.filename} {problem}")


def _check_xml_parts(source: str, zf: zipfile.ZipFile) -> None:
    """open_zip's prolog check, under its own name so tests can switch it off and show that
    the parsers refuse DTDs on their own."""
    check_xml_prologs(source, zf)


def _require_defusedxml() -> None:
    """openpyxl parses with defusedxml when it is installed, unless OPENPYXL_DEFUSEDXML says no."""
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise RuntimeError(
            "openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML set to something other than "
            "True?); refusing to parse untrusted workbooks without it")


def open_zip(source: str, data: bytes, prologs: bool = True) -> zipfile.ZipFile:
    """``data`` as a checked zip: magic bytes, zip directory, part sizes, XML prologs.
    ``prologs=False`` leaves the prologs to the caller's parser, which refuses a DTD itself
    (the fast reader's does), for a caller that parses a few parts of many."""
    lock = lock_target(Path(source)) if lock_file_of(Path(source).name) else None
    if lock and not data.startswith(_ZIP_MAGICS):
        # says no command: read, collect (from its reader processes), report's WORKBOOKS and
        # import all come here, and none says which it is
        program, workbook = lock
        raise UnreadableWorkbook(source, (
            f"the lock file {program} holds while {workbook} is open, not a workbook: close the "
            f"workbook in {program}, then give {workbook} itself"))
    low = source.lower()
    if unknown_bytes(data) and not low.endswith(".csv") and (
            _table_separator(data, (",", ";", "\t")) == "\t"
            or (low.endswith(TEXT_SUFFIXES) and looks_like_tab_text(data))):
        raise CsvNotWorkbook(source, "a tab-separated text file (a sheet saved as text), not an "
                                     ".xlsx workbook" + TAB_TEXT_WORKBOOK_ADVICE)
    if unknown_bytes(data) and (looks_like_csv(data) or low.endswith(".csv")):
        kind = "a CSV text file" if looks_like_csv(data) else "a file named .csv"
        raise CsvNotWorkbook(source, f"{kind}, not an .xlsx workbook" + CSV_WORKBOOK_ADVICE)
    reason = sniff(data)
    if reason:
        if encryption(data):
            raise EncryptedWorkbook(source, reason)
        raise UnreadableWorkbook(source, reason)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise UnreadableWorkbook(source, f"truncated or damaged .xlsx file ({one_line(e)})"
                                 + UNFINISHED_SAVE) from None
    try:
        _check_members(source, zf)
        if prologs:
            _check_xml_parts(source, zf)
    except UnreadableWorkbook:
        zf.close()
        raise
    except Exception as e:  # noqa: BLE001 - a damaged part: say so in one line
        zf.close()
        raise UnreadableWorkbook(source, f"truncated or damaged .xlsx file ({one_line(e)})") from None
    return zf


def root_cause(e: BaseException) -> BaseException:
    """The exception at the start of ``e``'s chain: it says most about what was wrong."""
    while e.__cause__ is not None or (e.__context__ is not None and not e.__suppress_context__):
        e = e.__cause__ or e.__context__  # type: ignore[assignment]
    return e


def one_line(e: BaseException) -> str:
    """An exception as one line for a user: its root cause's type and first line, cut short."""
    e = root_cause(e)
    text = str(e).strip().splitlines()
    msg = text[0] if text else ""
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__
