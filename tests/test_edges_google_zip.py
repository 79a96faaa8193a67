"""A Google Sheet downloaded as "Web page (.html, zipped)" and sent back instead of the .xlsx:
a .zip of one ``<tab name>.html`` page per tab and a ``resources/`` folder. collect FOLDER
left it out without a word (exit 0, the person shown as not returned); it is taken from the
folder, refused by name saying how to download the .xlsx, and status shows its tabs refused.
Any other .zip beside the returns (photos, notes, a Word document renamed) is left alone.

The zips are modelled here, not real downloads (none can be made offline). Where the
structure comes from: Google Sheets' menu item File > Download > Web page (.html, zipped);
Drive's export links of a spreadsheet include ``application/zip`` (``exportFormat=zip``, as
listed at https://ramblings.mcpher.com/gassnippets2/using-advanced-drive-service-to-convert-files/),
a zip holding the sheets as HTML (https://gist.github.com/tanaikech/61932a6acfe02e53ce9d5bca9078c536
reads a sheet's page out of it); one ``<tab name>.html`` per tab beside ``resources/`` is the
layout ops described, which the pages' own links (``href="resources/sheet.css"``) agree with.
Each page is Google's markup as copies of such pages in public repositories show it (for
example jspaniac/BackreadingBot, src/html_constants.py): a fragment with no <html> nor
<!DOCTYPE>, starting ``<meta http-equiv="Content-Type" ...><link ... href="resources/sheet.css"
>``, ``.ritz .waffle`` styles, then ``<div class="ritz grid-container"><table class="waffle">``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.errors import UnreadableWorkbook
from sheetladder.results.collect import saved_as_returns
from sheetladder.xlsx.archive import MAX_FILE_BYTES, ZIP_PAGE_HEAD, open_zip, zipped_pages

from .make_bad_files import patch_member, zip_with_zeros
from .test_edges_saved import filled_cycle, held_people, refusals
from .test_status import invoke

PERIOD = "2026-Q4"
PEOPLE = ("Ana Diaz", "Ben Ortiz")
GOOGLE = ("a Google Sheets web page download (.zip of .html pages), not an .xlsx workbook: in "
          "Google Sheets use File > Download > Microsoft Excel (.xlsx) and send that")
ZIPPED_PAGE = ("a .zip of a web page saved from a spreadsheet, not an .xlsx workbook: a web page "
               "holds the sheets' values only (no formulas or hidden sheet), so it cannot be "
               "verified; send the .xlsx workbook itself (saving a copy as a web page leaves it "
               "as it was)")
DAMAGED = "truncated or damaged .xlsx file (BadZipFile: File is not a zip file)"


def key(person: str) -> str:
    return f"{person.lower().replace(' ', '-')}-{PERIOD.lower()}"


def google_page(rows: list[list[str]], pad: int = 0) -> str:
    """A tab as Google's web page download writes it (modelled: see the module's docstring);
    ``pad`` spaces after the style, before the grid."""
    head = "".join(f'<th id="0C{j}" style="width:100px;" class="column-headers-background">'
                   f"{chr(65 + j)}</th>" for j in range(len(rows[0])))
    body = "".join(
        f'<tr style="height: 20px"><th id="0R{i}" style="height: 20px;" class="row-headers-'
        f'background"><div class="row-header-wrapper" style="line-height: 20px">{i + 1}</div>'
        "</th>" + "".join(f'<td class="s0" dir="ltr">{v}</td>' for v in row) + "</tr>"
        for i, row in enumerate(rows))
    return ('<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><link type='
            '"text/css" rel="stylesheet" href="resources/sheet.css" ><style type="text/css">'
            ".ritz .waffle a { color: inherit; }.ritz .waffle .s0{background-color:#ffffff;"
            "text-align:left;color:#000000;font-family:'Arial';font-size:10pt;vertical-align:"
            "bottom;white-space:nowrap;direction:ltr;padding:2px 3px 2px 3px;}</style>"
            + " " * pad +
            '<div class="ritz grid-container" dir="ltr"><table class="waffle" cellspacing="0" '
            'cellpadding="0"><thead><tr><th class="row-header freezebar-origin-ltr"></th>'
            f"{head}</tr></thead><tbody>{body}</tbody></table></div>")


def google_download(tabs: list[str], extra: dict[str, bytes] | None = None) -> bytes:
    """The .zip Google Sheets' "Web page (.html, zipped)" gives (modelled): a page per tab,
    named after it, and resources/sheet.css."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for tab in tabs:
            z.writestr(f"{tab}.html", google_page([["Category", "Rating"], ["Craft", "L2"]]))
        z.writestr("resources/sheet.css", ".grid-container{background-color:#eee;}\n")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def zipped(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.fixture()
def cycle(tmp_path: Path) -> dict[str, Path]:
    """Ana and Ben, each with a Self tab and Bo Chen's, filled; Ana's returned as .xlsx, Ben's
    as Google's web page download, named as handed out."""
    books = filled_cycle(tmp_path, PEOPLE)
    out = tmp_path / "out"
    (out / f"{key('Ben Ortiz')}.zip").write_bytes(
        google_download(["Guide", "Matrix", "Self", "Bo Chen", "Summary"]))
    books["Ben Ortiz"].unlink()
    return {"out": out, "ana": books["Ana Diaz"], "db": tmp_path / "h.sqlite"}


def test_a_google_web_page_download_in_a_folder_is_refused_by_name_not_skipped(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert "1 added, 0 updated, 0 unchanged, 0 empty, 1 refused" in res.output, res.output
    assert refusals(res.output) == {
        f"{key('Ben Ortiz')}.zip": [f"not a readable workbook: {GOOGLE}"]}, res.output
    assert held_people(db) == ["Ana Diaz"]
    st = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                "--format", "json")
    assert st.exit_code == 0, st.output
    tabs = {(p["person"], t["tab"]): (t["state"], t["file"] and Path(t["file"]).name)
            for p in json.loads(st.stdout)["people"] for t in p["tabs"]}
    bens = {tab: got for tab, got in tabs.items() if tab[0] == "Ben Ortiz"}
    assert {tab for _, tab in bens} >= {"Self", "Bo Chen"}  # and the peer tabs handed out
    assert set(bens.values()) == {("refused", f"{key('Ben Ortiz')}.zip")}  # not "missing"


def test_a_google_web_page_download_given_is_named_for_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "Ana Diaz 2026-Q4.zip"
    path.write_bytes(google_download(["Self"]))
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"{path}: {GOOGLE}"
    renamed = tmp_path / "ana.xlsx"  # the suffix does not matter: what it holds does
    shutil.copy(path, renamed)
    res = CliRunner().invoke(main, ["read", str(renamed)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{renamed}: {GOOGLE}", res.output


def test_a_zip_of_another_spreadsheet_s_web_page_is_refused_as_a_web_page(tmp_path: Path) -> None:
    """A page :func:`saved_spreadsheet` judges from a spreadsheet (LibreOffice's generator),
    zipped (a rater's mail program zipped their "Save as Web Page")."""
    folder = tmp_path / "back"
    folder.mkdir()
    (folder / "ana.zip").write_bytes(zipped({"ana.html": (
        '<!DOCTYPE html><html><head><meta name="generator" content="LibreOffice 24.2"/></head>'
        "<body><table><tr><td>L2</td></tr></table></body></html>")}))
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"ana.zip": [f"not a readable workbook: {ZIPPED_PAGE}"]}


def test_other_zips_and_an_xlsx_beside_the_returns_are_left_alone(cycle: dict[str, Path],
                                                                  tmp_path: Path) -> None:
    """Photos, notes, a page of no spreadsheet, a page whose Google marks are past the part
    looked at, a Word document renamed .zip (an Office package: it holds
    [Content_Types].xml), and the returned .xlsx itself even with a Google page inside it. (A
    zip holding an .xlsx, and an .xlsx renamed .zip, are refused: tests/test_edges_zips.py.)"""
    out, db = cycle["out"], cycle["db"]
    (out / f"{key('Ben Ortiz')}.zip").unlink()
    (out / "photos.zip").write_bytes(zipped({"team.jpg": os.urandom(2048)}))
    (out / "notes.zip").write_bytes(zipped({"notes.txt": "chase Ben\n", "how-to.html": (
        "<!DOCTYPE html><html><body><table><tr><td>Rate each category.</td></tr></table>"
        "</body></html>")}))
    (out / "far.zip").write_bytes(zipped({"far.html": google_page([["a"]], pad=ZIP_PAGE_HEAD)}))
    (out / "letter.zip").write_bytes(zipped({"[Content_Types].xml": "<Types/>",
                                             "word/document.xml": "<w:document/>"}))
    with zipfile.ZipFile(cycle["ana"], "a") as z:  # a real .xlsx is never taken for pages
        z.writestr("Self.html", google_page([["L2"]]))
    with zipfile.ZipFile(cycle["ana"]) as z:
        assert zipped_pages(z) == "google"  # what it would be without [Content_Types].xml
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert "1 added, 0 updated, 0 unchanged, 0 empty, 0 refused" in res.output, res.output
    for name in ("photos.zip", "notes.zip", "far.zip", "letter.zip"):
        assert name not in res.output
    assert held_people(db) == ["Ana Diaz"]


def test_a_zip_that_cannot_be_judged_is_left_to_the_reader_to_refuse(tmp_path: Path) -> None:
    """A download cut short (no zip directory), an empty .zip, a zip whose page cannot be read
    (encrypted): doubtful, so taken, and refused by the reader saying what it is."""
    folder = tmp_path / "back"
    folder.mkdir()
    whole = google_download(["Self", "Bo Chen"])
    (folder / "cut.zip").write_bytes(whole[:len(whole) // 2])
    (folder / "empty.zip").write_bytes(b"")
    (folder / "locked.zip").write_bytes(patch_member(  # the encryption flag, in both headers
        zipped({"Self.html": google_page([["L2"]])}), "Self.html", set_flags=0x1))
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    got = refusals(res.output)
    assert sorted(got) == ["cut.zip", "empty.zip", "locked.zip"], res.output
    assert got["cut.zip"][0].startswith(f"not a readable workbook: {DAMAGED}"), got
    assert got["empty.zip"][0].startswith("not a readable workbook: empty file (0 bytes)"), got
    assert got["locked.zip"] == [
        "not a readable workbook: a zip archive holding a web page (.html) that cannot be read "
        "(encrypted, or damaged), not an .xlsx workbook: send the .xlsx workbook itself"], got


def test_a_google_download_over_the_size_limit_is_still_named_for_what_it_is(
        tmp_path: Path) -> None:
    folder = tmp_path / "back"
    folder.mkdir()
    big = google_download(["Self"], {"resources/logo.png": os.urandom(MAX_FILE_BYTES + 1024)})
    (folder / "ana.zip").write_bytes(big)
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"ana.zip": [f"not a readable workbook: {GOOGLE}"]}


def test_pages_are_judged_from_their_first_bytes_only(tmp_path: Path) -> None:
    """Zipped pages are read before any size limit (to name the zip): a page that would
    inflate to 64 MB costs its first MB, in the folder's judgement and in the reader's."""
    folder = tmp_path / "back"
    folder.mkdir()
    bomb = zip_with_zeros(zip_with_zeros(zipped({"resources/sheet.css": "x"}), "Self.html",
                                         64 * 2**20), "Peer.html", 64 * 2**20)
    assert len(bomb) < 400_000
    (folder / "bomb.zip").write_bytes(bomb)
    tracemalloc.start()
    try:
        assert saved_as_returns([folder]) == []  # zeros: no page of a spreadsheet
        with pytest.raises(UnreadableWorkbook, match="a zip archive but not an .xlsx workbook"):
            open_zip("bomb.zip", bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MB allocated to judge the pages"
