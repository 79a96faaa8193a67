"""Strict Office Open XML is read like Transitional, and encrypted files of every format are
named as encrypted, by `read` and by `import` alike (issue 16).

The Strict workbooks: one saved by Excel 16 ("Strict Open XML Spreadsheet", from the shared
corpus, MIT, see its MANIFEST.md), and sheetladder's own workbooks and matrices converted to
Strict here, as ECMA-376 Part 1 defines it: every Transitional namespace that the package uses
renamed to its Strict counterpart (the target namespace of the matching Strict schema), every
relationship type likewise, and the workbook marked ``conformance="strict"`` as Excel marks it.
The encrypted files: Excel's and excelize's encrypted .xlsx files and an .ods LibreOffice saved
with a password (shared corpus), an .xls and an .ods LibreOffice saves with a password here,
and minimal hand-made ones (tests/make_bad_files.py).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from sheetladder.cli import main
from sheetladder.errors import EncryptedWorkbook, UnreadableWorkbook
from sheetladder.importer.detect import import_matrix
from sheetladder.importer.tables import ImportEncrypted, ImportFailed
from sheetladder.results.read import read_path
from sheetladder.xlsx import strict as strict_mod
from sheetladder.xlsx.read import grid_from_bytes, open_xlsx

from .libreoffice import uno_session
from .make_bad_files import ENCRYPTED_BIFF, ENCRYPTED_ODS_MANIFEST, cfb, good_workbook, ods_package
from .test_fast_reader import same_grid
from .test_import import SALESISH, Shape, as_ladder, got_groups, lay_out, write_xlsx
from .test_import_corpus import SHARED

FOREIGN = SHARED / "foreign"


def shared(name: str) -> Path:
    path = FOREIGN / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared corpus is missing at {SHARED}")
        pytest.skip(f"the shared corpus is missing at {SHARED}")
    return path


# -- Transitional -> Strict, as ECMA-376 Part 1 names things ---------------------------------------

_T, _S = "http://schemas.openxmlformats.org/", "http://purl.oclc.org/ooxml/"
TO_STRICT = {  # the Transitional namespaces a sheetladder workbook uses -> Strict
    "spreadsheetml/2006/main": "spreadsheetml/main",
    "officeDocument/2006/relationships": "officeDocument/relationships",
    "officeDocument/2006/extended-properties": "officeDocument/extendedProperties",
    "officeDocument/2006/docPropsVTypes": "officeDocument/docPropsVTypes",
    "drawingml/2006/main": "drawingml/main",
    "drawingml/2006/chart": "drawingml/chart",
    "drawingml/2006/spreadsheetDrawing": "drawingml/spreadsheetDrawing",
}
REL_TO_STRICT = {"extended-properties": "extendedProperties"}


def to_strict(data: bytes) -> bytes:
    """The Strict twin of a Transitional package (namespaces, relationship types, the mark)."""
    def ns(m: re.Match[str]) -> str:
        uri = m.group(2)
        if not uri.startswith(_T) or uri.startswith(_T + "package/"):
            return m.group(0)  # the package namespaces are the same in both
        rest = uri[len(_T):]
        assert rest in TO_STRICT, rest
        return f'{m.group(1)}{_S}{TO_STRICT[rest]}"'

    def rel(m: re.Match[str]) -> str:
        name = m.group(1)
        return f'Type="{_S}officeDocument/relationships/{REL_TO_STRICT.get(name, name)}"'

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename.endswith((".xml", ".rels")) and info.filename != "[Content_Types].xml":
                text = raw.decode("utf-8")
                text = re.sub(r'(xmlns(?::\w+)?=")([^"]*)"', ns, text)
                text = re.sub(r'Type="' + re.escape(_T) + r'officeDocument/2006/relationships/([^"]+)"',
                              rel, text)
                if info.filename == "xl/workbook.xml":
                    text = re.sub(r"<workbook ", '<workbook conformance="strict" ', text, count=1)
                assert "schemas.openxmlformats.org/spreadsheetml" not in text
                raw = text.encode("utf-8")
            dst.writestr(info, raw)
    return out.getvalue()


# -- Strict ---------------------------------------------------------------------------------------


def test_a_strict_workbook_saved_by_excel_reads_as_calamine_reads_it() -> None:
    path = shared("strict_ooxml_excel16.xlsx")
    data = path.read_bytes()
    assert strict_mod.is_strict(data, zipfile.ZipFile(io.BytesIO(data)))
    grid = same_grid(data)  # the reference, the fast reader and its tree path all agree
    assert isinstance(grid, type(open_xlsx(path)))
    sheet = grid.sheets["ml_out"]
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("ml_out").to_python(
        skip_empty_area=False)
    want = {(r, c): (float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
            for r, row in enumerate(rows) for c, v in enumerate(row) if v != ""}
    assert {k: cell.value for k, cell in sheet.cells.items()} == want
    assert len(want) > 1000 and sheet.get(0, 0).value == "Item"
    assert grid.content_hash is not None  # of the file as it is on disk, not of its twin
    import hashlib
    assert grid.content_hash == hashlib.sha256(data).hexdigest()


def test_a_sheetladder_workbook_in_strict_form_reads_as_its_transitional_self(tmp_path: Path) -> None:
    good = good_workbook()
    strict = to_strict(good)
    with zipfile.ZipFile(io.BytesIO(strict)) as z:
        assert b"purl.oclc.org/ooxml/spreadsheetml/main" in z.read("xl/worksheets/sheet1.xml")
    assert same_grid(strict).sheets == same_grid(good).sheets  # type: ignore[union-attr]
    a, b = tmp_path / "transitional.xlsx", tmp_path / "strict.xlsx"
    a.write_bytes(good)
    b.write_bytes(strict)
    runner = CliRunner()
    results = [runner.invoke(main, ["read", "--json", "--trust-new", str(p)]) for p in (a, b)]
    assert [r.exit_code for r in results] == [0, 0], [r.output for r in results]
    got: list[dict[str, Any]] = [json.loads(r.stdout) for r in results]
    for d in got:
        for key in ("file", "sources", "content_hash"):
            d.pop(key, None)
    assert got[0] == got[1]
    assert read_path(b).findings == []


def test_a_strict_matrix_imports_as_its_transitional_self(tmp_path: Path) -> None:
    src = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    twin = tmp_path / "strict.xlsx"
    twin.write_bytes(to_strict(src.read_bytes()))
    assert got_groups(as_ladder(import_matrix(str(twin)))) == \
        got_groups(as_ladder(import_matrix(str(src))))
    res = CliRunner().invoke(main, ["import", str(twin), "-o", str(tmp_path / "s.yaml")])
    assert res.exit_code == 0, res.output


def test_only_namespace_names_are_renamed_never_text() -> None:
    # a cell that holds a Strict URI as text keeps it; the declarations around it are renamed
    part = (b'<sst xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"><si><t>see '
            b'http://purl.oclc.org/ooxml/spreadsheetml/main</t></si></sst>')
    out = strict_mod.rewrite_part(part, relationships=False).decode()
    assert out.startswith('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    assert out.endswith("<t>see http://purl.oclc.org/ooxml/spreadsheetml/main</t></si></sst>")
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/'
            b'extendedProperties" Target="docProps/app.xml"/></Relationships>')
    assert b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-' \
           b'properties"' in strict_mod.rewrite_part(rels, relationships=True)
    transitional = good_workbook()
    assert strict_mod.as_transitional(transitional, zipfile.ZipFile(io.BytesIO(transitional))) is None


# -- encrypted files ------------------------------------------------------------------------------

ENCRYPTED_SHARED = ["encrypted_password_excel.xlsx", "encrypted_aes.xlsx", "encrypted_sha512.xlsx",
                    "encrypted_password.ods"]


def _hand_made(tmp_path: Path) -> list[Path]:
    files = {"agile.xlsx": cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
                                "EncryptedPackage": b"\x00" * 64}),
             "rc4.xls": cfb({"Workbook": ENCRYPTED_BIFF}),
             "locked.ods": ods_package(b"\x8f\x02 encrypted bytes", manifest=ENCRYPTED_ODS_MANIFEST),
             "renamed.dat": cfb({"Workbook": ENCRYPTED_BIFF})}
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    return [tmp_path / n for n in files]


def assert_encrypted_everywhere(path: Path, tmp_path: Path) -> None:
    """`import` and `read` both say encrypted in one line and exit 2 (an unreadable workbook)."""
    runner = CliRunner()
    out = tmp_path / "out.yaml"
    imp = runner.invoke(main, ["import", str(path), "-o", str(out)])
    assert imp.exit_code == UnreadableWorkbook.exit_code == 2, imp.output
    line = imp.output.strip()
    assert line.startswith(f"error: {path}: encrypted: ") and "\n" not in line, line
    assert line.endswith("save it without a password"), line
    assert not out.exists()
    with pytest.raises(ImportEncrypted, match="encrypted: the (workbook|spreadsheet) needs a password"):
        import_matrix(str(path))
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        red = runner.invoke(main, ["read", str(path)])
        assert red.exit_code == 2, red.output
        assert f"{path}: encrypted: " in red.output and "Traceback" not in red.output
        with pytest.raises(EncryptedWorkbook, match="save it without a password"):
            read_path(path)


@pytest.mark.parametrize("name", ENCRYPTED_SHARED)
def test_encrypted_files_saved_by_real_applications_are_named_as_encrypted(tmp_path: Path,
                                                                          name: str) -> None:
    assert_encrypted_everywhere(shared(name), tmp_path)


def test_minimal_encrypted_files_of_each_format_are_named_as_encrypted(tmp_path: Path) -> None:
    for path in _hand_made(tmp_path):
        assert_encrypted_everywhere(path, tmp_path)


def test_an_unencrypted_xls_or_ods_is_not_called_encrypted(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(cfb({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + bytes(12)
                         + b"\x42\x00\x02\x00\xe4\x04"}))  # BOF, then CODEPAGE: no FILEPASS
    with pytest.raises(ImportFailed, match=r"old \.xls format") as e:
        import_matrix(str(xls))
    assert not isinstance(e.value, ImportEncrypted)
    with pytest.raises(UnreadableWorkbook, match="Excel 97-2003") as r:
        grid_from_bytes(str(xls), xls.read_bytes())
    assert not isinstance(r.value, EncryptedWorkbook)


def test_an_xls_and_an_ods_libreoffice_saved_with_a_password_are_named_as_encrypted(
        tmp_path: Path) -> None:
    src = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    out = tmp_path / "lo"
    out.mkdir()
    uno_session([(src, [], [(out / "locked.xls", "MS Excel 97", "secret"),
                            (out / "locked.ods", "calc8", "secret"),
                            (out / "plain.xls", "MS Excel 97", None),
                            (out / "plain.ods", "calc8", None)])], tmp_path)
    for name in ("locked.xls", "locked.ods"):
        assert_encrypted_everywhere(out / name, tmp_path)
    # the same sheet saved without a password: the .ods imports, the .xls is the old format
    assert got_groups(as_ladder(import_matrix(str(out / "plain.ods")))) == \
        got_groups(as_ladder(import_matrix(str(src))))
    with pytest.raises(ImportFailed, match=r"old \.xls format"):
        import_matrix(str(out / "plain.xls"))
