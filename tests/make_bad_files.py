"""Generate the corpus of hostile and foreign files the reader must refuse in one line.

Nothing binary is committed: the tests call :func:`make_corpus` into a temporary folder. Run it
by hand to look at the files: ``python tests/make_bad_files.py OUT_DIR``.

Each case is (file, a fragment its one-line reason must contain). Every file here must give
exit code 2 and leave the rest of a batch readable.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetladder.context import META_SHEET, make_context
from sheetladder.definition import load  # noqa: E402
from sheetladder.plan import build_plan
from sheetladder.xlsx.archive import MAX_MEMBER_BYTES, MAX_ROWS, RATIO_FROM
from sheetladder.xlsx.write import to_bytes  # noqa: E402

# -- building blocks ---------------------------------------------------------------------------


def good_workbook() -> bytes:
    """A real sheetladder workbook (the bundled sales ladder, two categories rated)."""
    ladder = load(ROOT / "definitions" / "sales-s1-s7.yaml")
    ctx = make_context(ladder, "Corpus Person", "2025-Q1")
    cats = [c.id for c in ladder.categories]
    return to_bytes(build_plan(ladder, ctx, ratings={"Self": {cats[0]: 3, cats[1]: 4}}))


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
          drop: set[str] | None = None) -> bytes:
    """A copy of a zip with parts replaced, added or dropped."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if drop and info.filename in drop:
                continue
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, blob in (add or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


def zip_with_zeros(data: bytes, name: str, size: int) -> bytes:
    """``data`` plus a part of ``size`` zero bytes, deflated (about 1000:1)."""
    out = io.BytesIO(data)
    out.seek(0, io.SEEK_END)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z, \
            z.open(info, "w", force_zip64=True) as f:
        chunk = bytes(2**20)
        left = size
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
    return out.getvalue()


def patch_member(data: bytes, name: str, *, file_size: int | None = None,
                 set_flags: int = 0) -> bytes:
    """Rewrite a part's declared uncompressed size and/or flag bits in both zip headers."""
    buf = bytearray(data)
    encoded = name.encode()
    pos = 0
    while True:
        pos = buf.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46: pos + 46 + n]) == encoded:
            local = struct.unpack_from("<I", buf, pos + 42)[0]
            if file_size is not None:
                struct.pack_into("<I", buf, pos + 24, file_size)
                struct.pack_into("<I", buf, local + 22, file_size)
            if set_flags:
                flags = struct.unpack_from("<H", buf, pos + 8)[0] | set_flags
                struct.pack_into("<H", buf, pos + 8, flags)
                struct.pack_into("<H", buf, local + 6, flags)
        pos += 4
    return bytes(buf)


def recompress(data: bytes, name: str, method: int) -> bytes:
    """A copy of a zip with part ``name`` compressed with ``method`` (e.g. bzip2), the rest kept."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename),
                         compress_type=method if info.filename == name else info.compress_type)
    return out.getvalue()


ODS_MANIFEST = (b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                b'<manifest:file-entry manifest:full-path="/" manifest:media-type='
                b'"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                b'</manifest:manifest>')


# the manifest of an .ods saved with a password (LibreOffice's shape, one part): the part's
# <manifest:encryption-data> is what says it is encrypted
ENCRYPTED_ODS_MANIFEST = ODS_MANIFEST.replace(
    b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
    b'manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1200">'
    b'<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:'
    b'manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-'
    b'name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/>'
    b'<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" '
    b'manifest:iteration-count="100000" manifest:salt="AAAA"/></manifest:encryption-data>'
    b'</manifest:file-entry>')
# an encrypted .xls's Workbook stream: a BIFF8 BOF record, then FILEPASS (RC4), padded to the
# 4,096 bytes from which a stream lives in regular sectors (as cfb() lays every stream out)
ENCRYPTED_BIFF = (b"\x09\x08\x10\x00\x00\x06\x05\x00" + bytes(12)
                  + b"\x2f\x00\x36\x00\x01\x00\x01\x00\x02\x00" + bytes(52)).ljust(4096, b"\0")


def ods_package(content: bytes, add: dict[str, bytes] | None = None,
                manifest: bytes = ODS_MANIFEST) -> bytes:
    """An OpenDocument spreadsheet package around ``content`` (its content.xml), laid out as
    LibreOffice writes one: the mimetype stored first, then the manifest and the parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
        for name, blob in (add or {}).items():
            z.writestr(name, blob)
    return out.getvalue()


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal, well-formed OLE compound file (version 3) holding ``streams``.

    Every stream is padded to 4096 bytes so it lives in regular sectors (no mini stream).
    Streams are chained as right siblings, which is a valid tree when names are given in
    ascending (length, upper-case) order.
    """
    sector = 512
    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda s: (len(s), s.upper()))
    blobs = [streams[n].ljust(4096, b"\0") for n in names]
    fat: list[int] = [fatsect, end]  # sector 0: the FAT, sector 1: the directory
    starts: list[int] = []
    for blob in blobs:
        count = (len(blob) + sector - 1) // sector
        first = len(fat)
        starts.append(first)
        fat.extend(range(first + 1, first + count))
        fat.append(end)
    assert len(fat) <= sector // 4, "one FAT sector is enough for this corpus"
    fat.extend([free] * (sector // 4 - len(fat)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
        e = raw.ljust(64, b"\0")
        e += struct.pack("<HBB", len(raw), kind, 1)
        e += struct.pack("<III", nostream, right, child)
        e += bytes(16) + struct.pack("<I", 0) + bytes(16)
        e += struct.pack("<IQ", start, size)
        return e

    dirs = entry("Root Entry", 5, 1 if names else nostream, nostream, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        dirs += entry(name, 2, nostream, right, starts[i], len(streams[name]))
    dirs = dirs.ljust(sector, b"\0")
    if len(dirs) > sector:
        raise ValueError("at most three streams fit one directory sector")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIII", 0, 1, 1, 0)  # dir sectors, FAT sectors, first dir, txn
    header += struct.pack("<IIIII", 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    assert len(header) == sector
    body = struct.pack(f"<{sector // 4}I", *fat) + dirs + b"".join(blobs)
    return header + body


def billion_laughs() -> bytes:
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        ents.append(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE sst [' +
            "".join(ents) + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            'main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>').encode()


def _xlsxwriter_bytes(fill: object) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False})
    fill(wb)  # type: ignore[operator]
    wb.close()
    return buf.getvalue()


def _edit_meta(data: bytes, key: str, value: str) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == key:
            row[1].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- the corpus ---------------------------------------------------------------------------------


def make_corpus(out_dir: Path) -> dict[str, tuple[Path, str]]:
    """Write every hostile file into ``out_dir``; name -> (path, fragment of its reason)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    good = good_workbook()
    cases: dict[str, tuple[bytes | None, str]] = {}

    cases["empty.xlsx"] = (b"", "empty file")
    cases["csv-named-xlsx.xlsx"] = (b"name,level\nAnn,S3\n",
                                    "a CSV text file, not an .xlsx workbook: a .csv holds one")
    cases["truncated.xlsx"] = (good[: len(good) // 2], "truncated or damaged")
    cases["encrypted.xlsx"] = (cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
                                    "EncryptedPackage": b"\x00" * 64}),
                                "encrypted: the workbook needs a password")
    cases["old.xls"] = (cfb({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"}), "Excel 97-2003")
    cases["encrypted.xls"] = (cfb({"Workbook": ENCRYPTED_BIFF}),
                              "encrypted: the workbook needs a password")
    cases["encrypted.ods"] = (ods_package(b"\x8f\x02 not XML: encrypted bytes",
                                          manifest=ENCRYPTED_ODS_MANIFEST),
                              "encrypted: the spreadsheet needs a password")
    cases["login-page.xlsx"] = (b"<!DOCTYPE html><html><body>Sign in</body></html>", "HTML page")
    cases["sheet.ods"] = (_ods(), "OpenDocument")
    cases["ods-renamed.xlsx"] = (_ods(), "an OpenDocument spreadsheet (.ods) named .xlsx: "
                                         "renaming does not change what it is")
    cases["letter.xlsx"] = (rezip(good, drop={n for n in zipfile.ZipFile(io.BytesIO(good)).namelist()
                                              if n.startswith("xl/")},
                                  add={"word/document.xml": b"<w:document/>"}), "Word document")
    cases["not-sheetladder.xlsx"] = (_xlsxwriter_bytes(
        lambda wb: wb.add_worksheet("Budget").write_row(0, 0, ["Item", "Cost", "Owner"])),
        "not a sheetladder workbook")
    cases["zip-bomb-big-part.xlsx"] = (zip_with_zeros(good, "xl/media/image1.png",
                                                      MAX_MEMBER_BYTES + 2**20), "zip bomb")
    cases["zip-bomb-ratio.xlsx"] = (zip_with_zeros(good, "xl/media/image1.png",
                                                   RATIO_FROM + 8 * 2**20), "zip bomb")
    # a part that lies about its size: zipfile stops at the declared size, the XML is cut short
    cases["zip-bomb-lying-size.xlsx"] = (
        patch_member(rezip(good, replace={"xl/sharedStrings.xml": _padded_strings(good)}),
                     "xl/sharedStrings.xml", file_size=1000), "")
    cases["zip-encrypted-part.xlsx"] = (patch_member(good, "xl/workbook.xml", set_flags=0x1),
                                        "encrypted")
    cases["entity-bomb.xlsx"] = (rezip(good, replace={"xl/sharedStrings.xml": billion_laughs()}),
                                 "DOCTYPE")
    late = billion_laughs().replace(b"?>\n<!DOCTYPE", b"?>\n<!--" + b" pad" * 5000 + b"-->\n<!DOCTYPE")
    cases["entity-bomb-late-doctype.xlsx"] = (rezip(good, replace={"xl/sharedStrings.xml": late}),
                                              "DOCTYPE")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           b'&x;</Relationships>')
    cases["external-entity.xlsx"] = (rezip(good, replace={"_rels/.rels": xxe}), "DOCTYPE")
    cases["huge-sheet.xlsx"] = (_huge_sheet(), "too large")
    cases["wide-sheet.xlsx"] = (_wide_sheet(), "too large")
    cases["meta-damaged.xlsx"] = (_edit_meta(good, "ladder", '{"id": "broken'), "damaged")
    cases["newer-format.xlsx"] = (_edit_meta(good, "format_version", "99"),
                                  "another sheetladder version")
    cases["a-folder.xlsx"] = (None, "directory")
    # damage as real files have it (the shared corpus's invalid_xml_mac_excel16.xlsx and
    # no_workbook_rels.xlsx): the reason names the part, not the parser's exception
    sheet = "xl/worksheets/sheet3.xml"  # the first rater's tab
    assert sheet in zipfile.ZipFile(io.BytesIO(good)).namelist()
    cases["malformed-sheet.xlsx"] = (
        rezip(good, replace={sheet: b'<?xml version="1.0"?>\n<worksheet><sheetData></worksheet>'}),
        f"damaged: its part {sheet} is not well-formed XML (mismatched tag: line 2")
    cases["no-workbook-rels.xlsx"] = (rezip(good, drop={"xl/_rels/workbook.xml.rels"}),
                                      "damaged: its part xl/_rels/workbook.xml.rels is missing")
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        book = z.read("xl/workbook.xml")
    start, end = book.index(b"<sheets>"), book.index(b"</sheets>")
    cases["no-sheets.xlsx"] = (rezip(good, replace={"xl/workbook.xml": book[:start] + b"<sheets/>"
                                                     + book[end + len(b"</sheets>"):]}),
                               "damaged: the workbook holds no sheets at all")

    written: dict[str, tuple[Path, str]] = {}
    for name, (blob, reason) in cases.items():
        path = out_dir / name
        if blob is None:
            path.mkdir(exist_ok=True)
        else:
            path.write_bytes(blob)
        written[name] = (path, reason)
    written["missing.xlsx"] = (out_dir / "missing.xlsx", "no such file")
    return written


def _ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def _padded_strings(good: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        xml = z.read("xl/sharedStrings.xml")
    return xml.replace(b"</sst>", b" " * 200_000 + b"</sst>")


def _huge_sheet() -> bytes:
    def fill(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet("Data")
        for r in range(MAX_ROWS + 100):
            ws.write_number(r, 0, r)
    return _xlsxwriter_bytes(fill)


def _wide_sheet() -> bytes:
    def fill(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet("Wide")
        for r in range(200):
            ws.write_number(r, 16383, r)  # column XFD: a row as wide as a sheet can be
    return _xlsxwriter_bytes(fill)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python tests/make_bad_files.py OUT_DIR", file=sys.stderr)
        sys.exit(2)
    for path, reason in make_corpus(Path(sys.argv[1])).values():
        print(f"{path}  (expect: {reason or 'any one-line reason'})")
