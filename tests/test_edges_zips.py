"""Returns that reach a folder zipped, or unzipped, instead of as the .xlsx itself.

- A .zip holding returned workbooks (a rater zipped their returns for mailing, or ops
  forwarded a team's): collect FOLDER left it out without a word (exit 0, the people shown as
  not returned). It is taken and refused by name, naming a few workbooks it holds and saying
  to unzip it; judged from the zip's directory alone (names: no part is read).
- An .xlsx renamed .zip (an Office package: ``[Content_Types].xml`` and ``xl/workbook.xml``):
  left out as well; refused from a folder saying which name to give it back. Given by name
  (``read ana.zip``) it is read as a workbook, as a workbook under any other suffix is.
- A Google Sheets "Web page (.html, zipped)" download that was unzipped into the folder: one
  ``<tab name>.html`` page per tab beside a ``resources/`` folder. The pages were left out
  (Google's fragments are no page ``saved_spreadsheet`` knows); a download is now refused once,
  by its first page, with the Google advice.

The zips and pages are modelled here, not real downloads (none can be made offline); the
workbooks are rendered and filled as the other tests make them. Google's page markup and the
download's layout are modelled as in tests/test_edges_google_zip.py, whose docstring cites
where they come from (Google Sheets' File > Download > Web page (.html, zipped); Drive's
``exportFormat=zip``; copies of such pages in public repositories, e.g.
jspaniac/BackreadingBot, src/html_constants.py).
"""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.errors import UnreadableWorkbook
from sheetladder.results.collect import saved_as_returns
from sheetladder.results.readers import FOLDER_SUFFIXES
from sheetladder.xlsx.archive import (
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    ZIPPED_RETURN_SUFFIXES,
    open_zip,
)

from .make_bad_files import zip_with_zeros
from .test_edges_google_zip import google_page, zipped
from .test_edges_saved import filled_cycle, held_people, refusals
from .test_status import fill, invoke

PERIOD = "2026-Q4"
PEOPLE = ("Ana Diaz", "Ben Ortiz", "Eva Lind", "Fay Moss")
UNZIP = "not a workbook itself: unzip it into the folder it is in and collect again (or give " \
        "the workbooks themselves)"


def key(person: str) -> str:
    return f"{person.lower().replace(' ', '-')}-{PERIOD.lower()}"


def books_reason(names: list[str], count: int | None = None) -> str:
    n = len(names) if count is None else count
    what = "a workbook" if n == 1 else f"{n} workbooks"
    shown = ", ".join(names) + (", …" if n > len(names) else "")
    return f"a zip archive holding {what} ({shown}), {UNZIP}"


@pytest.fixture()
def cycle(tmp_path: Path) -> dict[str, Path]:
    """Four people, each with a Self tab and Bo Chen's, filled: their workbooks as handed out,
    in ``out`` beside its manifest."""
    filled_cycle(tmp_path, PEOPLE)
    return {"out": tmp_path / "out", "db": tmp_path / "h.sqlite"}


def zip_up(out: Path, people: tuple[str, ...], name: str) -> Path:
    """``people``'s workbooks moved into ``out/name``, a zip, as a mail program zips them."""
    path = out / name
    path.write_bytes(zipped({f"{key(p)}.xlsx": (out / f"{key(p)}.xlsx").read_bytes()
                             for p in people}))
    for p in people:
        (out / f"{key(p)}.xlsx").unlink()
    return path


def status_tabs(out: Path, db: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    st = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                "--format", "json")
    assert st.exit_code == 0, st.output
    return {(p["person"], t["tab"]): (t["state"], t["file"] and Path(t["file"]).name)
            for p in json.loads(st.stdout)["people"] for t in p["tabs"]}


# -- 1. a zip of workbooks ----------------------------------------------------------------------

def test_a_zip_of_returned_workbooks_in_a_folder_is_refused_by_name_not_skipped(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    zip_up(out, ("Ben Ortiz", "Eva Lind", "Fay Moss"), "returns.zip")
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert "1 added, 0 updated, 0 unchanged, 0 empty, 1 refused" in res.output, res.output
    assert refusals(res.output) == {"returns.zip": ["not a readable workbook: " + books_reason(
        [f"{key(p)}.xlsx" for p in ("Ben Ortiz", "Eva Lind", "Fay Moss")])]}, res.output
    assert held_people(db) == ["Ana Diaz"]


def test_unzipped_as_the_message_says_the_returns_go_in_and_the_zip_is_left_alone(
        cycle: dict[str, Path]) -> None:
    """Unzipped into its folder, the zip stays beside its workbooks: each is there as the zip
    holds it (its size and CRC-32), so the zip is no return of its own any more. One of them
    edited since, or gone, and the zip is refused again: it may hold the only copy."""
    out, db = cycle["out"], cycle["db"]
    path = zip_up(out, ("Ben Ortiz", "Eva Lind"), "returns.zip")
    assert invoke("collect", str(out), "--db", str(db), "-j", "1").exit_code == 1
    with zipfile.ZipFile(path) as z:
        z.extractall(out)
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert "returns.zip" not in res.output
    assert held_people(db) == sorted(PEOPLE)
    # and its refusal is forgotten: status named it as refused, tied to no tab, for good
    st = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db))
    assert st.exit_code == 0 and "returns.zip" not in st.output, st.output
    assert "tied to no tab" not in st.output, st.output
    eva = out / f"{key('Eva Lind')}.xlsx"
    fill(eva, "Self", ["L3", "L3"])
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert list(refusals(res.output)) == ["returns.zip"], res.output
    eva.unlink()
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert list(refusals(res.output)) == ["returns.zip"], res.output


def test_a_zip_unzipped_into_a_folder_of_its_name_is_left_alone(cycle: dict[str, Path]) -> None:
    """As macOS's Archive Utility and Windows' "Extract All" unzip: into ``returns/``."""
    out, db = cycle["out"], cycle["db"]
    path = zip_up(out, ("Ben Ortiz", "Eva Lind"), "returns.zip")
    with zipfile.ZipFile(path) as z:
        z.extractall(out / "returns")
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert "returns.zip" not in res.output
    assert held_people(db) == sorted(PEOPLE)


def test_a_zip_naming_a_workbook_out_of_its_folder_is_never_taken_as_unzipped(
        tmp_path: Path) -> None:
    folder = tmp_path / "back"
    folder.mkdir()
    (tmp_path / "ana.xlsx").write_bytes(b"PK")
    (folder / "up.zip").write_bytes(zipped({"../ana.xlsx": b"PK"}))
    assert saved_as_returns([folder]) == [str(folder / "up.zip")]


def test_one_person_s_return_zipped_under_its_own_name_shows_refused_in_status(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    zip_up(out, ("Ben Ortiz",), f"{key('Ben Ortiz')}.zip")
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {f"{key('Ben Ortiz')}.zip": [
        "not a readable workbook: " + books_reason([f"{key('Ben Ortiz')}.xlsx"])]}, res.output
    bens = {t: got for t, got in status_tabs(out, db).items() if t[0] == "Ben Ortiz"}
    assert set(bens.values()) == {("refused", f"{key('Ben Ortiz')}.zip")}  # not "missing"


def test_a_zip_of_many_workbooks_names_three_and_its_count(tmp_path: Path) -> None:
    """In folders too (as zipping a folder of returns gives them), .xlsm too; macOS's resource
    forks and Excel's lock files inside are no workbooks, and other files are not named."""
    path = tmp_path / "team.zip"
    path.write_bytes(zipped({
        "q4/": b"", "q4/ana.xlsx": b"PK", "q4/bo.xlsm": b"PK", "q4/notes.txt": "x",
        "q4/~$ana.xlsx": b"x", "__MACOSX/q4/._ana.xlsx": b"x", "q4/._bo.xlsm": b"x",
        "q4/cy.XLSX": b"PK", "q4/di.xlsx": b"PK"}))
    want = books_reason(["q4/ana.xlsx", "q4/bo.xlsm", "q4/cy.XLSX"], count=4)
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"{path}: {want}"


def test_a_zip_of_workbooks_given_by_name_is_refused_saying_what_it_holds(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    path = zip_up(out, ("Ben Ortiz",), "ben.zip")
    want = books_reason([f"{key('Ben Ortiz')}.xlsx"])
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{path}: {want}", res.output
    res = invoke("collect", str(path), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"ben.zip": [f"not a readable workbook: {want}"]}


def test_a_zip_of_workbooks_is_judged_by_names_alone(tmp_path: Path) -> None:
    """No part is read: a workbook in it that would inflate to 64 MB, or whose bytes are
    damaged, costs nothing; the zip is named at any part count and at any size."""
    folder = tmp_path / "back"
    folder.mkdir()
    bomb = zip_with_zeros(zipped({"notes.txt": "x"}), "ana.xlsx", 64 * 2**20)
    assert len(bomb) < 200_000
    (folder / "bomb.zip").write_bytes(bomb)
    damaged = bytearray(zipped({"bo.xlsx": os.urandom(64)}))
    at = damaged.find(b"PK\x01\x02")  # the part's CRC-32 in the zip's directory, made wrong
    damaged[at + 16:at + 20] = bytes(4)
    (folder / "damaged.zip").write_bytes(bytes(damaged))
    tracemalloc.start()
    try:
        assert saved_as_returns([folder]) == [str(folder / "bomb.zip"),
                                              str(folder / "damaged.zip")]
        with pytest.raises(UnreadableWorkbook) as e:
            open_zip("bomb.zip", bomb)
        assert e.value.reason == books_reason(["ana.xlsx"])
        with pytest.raises(UnreadableWorkbook) as e:
            open_zip("damaged.zip", bytes(damaged))
        assert e.value.reason == books_reason(["bo.xlsx"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MB allocated to judge the zip"
    many = zipped({**{f"p/{i}.txt": "x" for i in range(MAX_MEMBERS)}, "ana.xlsx": b"PK"})
    with pytest.raises(UnreadableWorkbook) as e:
        open_zip("many.zip", many)
    assert e.value.reason == books_reason(["ana.xlsx"])
    big = folder / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as z:
        z.writestr("ana.xlsx", b"PK")
        z.writestr("photo.jpg", os.urandom(MAX_FILE_BYTES + 1024))
    res = CliRunner().invoke(main, ["read", str(big)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{big}: {books_reason(['ana.xlsx'])}"


def test_zips_of_no_workbook_and_an_xlsx_embedding_one_are_left_as_they_were(
        cycle: dict[str, Path]) -> None:
    """A zip of only a lock file and macOS's forks is left alone; an .xlsx holding an embedded
    workbook (``xl/embeddings/…xlsx``) is an Office package, read as the return it is."""
    out, db = cycle["out"], cycle["db"]
    (out / "junk.zip").write_bytes(zipped({"~$ana.xlsx": b"x", "__MACOSX/._ana.xlsx": b"x"}))
    with zipfile.ZipFile(out / f"{key('Ana Diaz')}.xlsx", "a") as z:
        z.writestr("xl/embeddings/Microsoft_Excel_Worksheet.xlsx", b"PK")
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert "4 added, 0 updated, 0 unchanged, 0 empty, 0 refused" in res.output, res.output
    assert "junk.zip" not in res.output


def spreadsheets_reason(names: list[str], what: str) -> str:
    return f"a zip archive holding {what} ({', '.join(names)}), {UNZIP}"


def test_the_suffixes_counted_in_a_zip_are_those_collect_takes_from_a_folder() -> None:
    """A zip can hold any return a folder can (and a zip, which may hold returns in turn)."""
    assert sorted(ZIPPED_RETURN_SUFFIXES) == sorted((*FOLDER_SUFFIXES, ".zip"))


def test_a_zip_of_spreadsheets_of_another_format_is_refused_and_left_alone_once_unzipped(
        cycle: dict[str, Path]) -> None:
    """Before, a zip of returns saved as .ods or .xls was left out with exit 0, while the same
    files loose in the folder were refused by name. Unzipped as told, the zip is left alone
    and each file it held is refused for itself (saying to save it as .xlsx)."""
    out, db = cycle["out"], cycle["db"]
    held = {"x.ods": os.urandom(300), "ana.xls": os.urandom(300)}
    path = out / "saved.zip"
    path.write_bytes(zipped(held))
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"saved.zip": ["not a readable workbook: " + spreadsheets_reason(
        ["x.ods", "ana.xls"], "2 spreadsheets")]}, res.output
    with zipfile.ZipFile(path) as z:
        z.extractall(out)
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert sorted(refusals(res.output)) == ["ana.xls", "x.ods"], res.output
    (out / "x.ods").write_bytes(os.urandom(300))  # another file than the zip holds
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert sorted(refusals(res.output)) == ["ana.xls", "saved.zip", "x.ods"], res.output


@pytest.mark.parametrize("suffix", [".ods", ".xls", ".xlsb", ".numbers", ".fods", ".XLS"])
def test_one_spreadsheet_of_any_folder_format_zipped_is_named(tmp_path: Path,
                                                              suffix: str) -> None:
    path = tmp_path / "one.zip"
    path.write_bytes(zipped({f"q4/ana{suffix}": b"x", "q4/notes.txt": "x"}))
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"{path}: " + spreadsheets_reason([f"q4/ana{suffix}"],
                                                                   "a spreadsheet")


def test_a_zip_in_a_zip_is_refused_with_the_same_advice_until_both_are_unzipped(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    inner = zip_up(out, ("Ben Ortiz",), "inner.zip")
    outer = out / "outer.zip"
    outer.write_bytes(zipped({"inner.zip": inner.read_bytes()}))
    inner.unlink()
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"outer.zip": ["not a readable workbook: " + spreadsheets_reason(
        ["inner.zip"], "a zip archive")]}, res.output
    with zipfile.ZipFile(outer) as z:
        z.extractall(out)
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"inner.zip": ["not a readable workbook: " + books_reason(
        [f"{key('Ben Ortiz')}.xlsx"])]}, res.output
    with zipfile.ZipFile(inner) as z:
        z.extractall(out)
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert "outer.zip" not in res.output and "inner.zip" not in res.output
    assert held_people(db) == sorted(PEOPLE)


def test_a_mixed_zip_is_named_for_all_it_holds() -> None:
    mixed = zipped({"ana.xlsx": b"PK", "bo.ods": b"x", "more.zip": b"PK", "cy.xlsm": b"PK"})
    with pytest.raises(UnreadableWorkbook) as e:
        open_zip("mixed.zip", mixed)
    assert e.value.reason == spreadsheets_reason(
        ["ana.xlsx", "bo.ods", "more.zip", "…"], "4 spreadsheets or zip archives")
    with pytest.raises(UnreadableWorkbook) as e:
        open_zip("zips.zip", zipped({"a.zip": b"PK", "b.ZIP": b"PK"}))
    assert e.value.reason == spreadsheets_reason(["a.zip", "b.ZIP"], "2 zip archives")


def test_zips_of_photos_and_pdfs_and_office_packages_holding_spreadsheets_stay_left_alone(
        tmp_path: Path) -> None:
    """Nor is an Apple Numbers document renamed .zip (it holds Index.zip) taken for a zip."""
    folder = tmp_path / "back"
    folder.mkdir()
    (folder / "photos.zip").write_bytes(zipped({"team.jpg": os.urandom(256),
                                                "agenda.pdf": b"%PDF-1.7\n"}))
    (folder / "word.zip").write_bytes(zipped({"[Content_Types].xml": "<Types/>",
                                              "word/document.xml": "<w/>",
                                              "word/embeddings/sheet.ods": b"x",
                                              "word/embeddings/old.xls": b"x",
                                              "word/embeddings/pack.zip": b"PK"}))
    (folder / "numbers.zip").write_bytes(zipped({"Index.zip": b"PK", "Metadata/x.plist": "x"}))
    assert saved_as_returns([folder]) == []


# UTF-8 names without the zip's UTF-8 flag (bit 0x800), as macOS's Finder and old Windows tools
# write them. zipfile sets the flag for every non-ASCII name it writes, so the zip is written
# under an ASCII name of the same byte length and that name's bytes are then replaced, in the
# local header and the central directory, by the UTF-8 bytes: the flag stays unset, and
# zipfile reads the name back as cp437 ("Ana D├¡az.xlsx"), as it reads a Finder zip.

def unflagged_utf8(members: dict[str, bytes]) -> bytes:
    stand_ins = {name: "".join(c if c.isascii() else "#" * len(c.encode()) for c in name)
                 for name in members}
    data = zipped({stand_ins[name]: body for name, body in members.items()})
    for name, stand_in in stand_ins.items():
        assert data.count(stand_in.encode()) == 2
        data = data.replace(stand_in.encode(), name.encode())
    return data


def test_a_zip_of_unflagged_utf8_names_is_named_as_written_and_found_unzipped(
        tmp_path: Path) -> None:
    """Before, the beside-check compared ``Ana D├¡az.xlsx`` with the ``Ana Díaz.xlsx``
    unzipped, so the zip stayed refused at every collect; the message showed the garbled
    name. Found as unzipped into its folder, or into a folder of its name, composed or not
    (Finder writes ``í`` decomposed); a name that is no UTF-8 (a DOS tool's cp437) is as
    zipfile reads it."""
    folder = tmp_path / "back"
    folder.mkdir()
    body = os.urandom(200)
    ana, eva = "Ana Díaz.xlsx", unicodedata.normalize("NFD", "Éva Lind.ods")
    data = unflagged_utf8({ana: body, eva: body})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert [(i.filename, i.flag_bits & 0x800) for i in z.infolist()] == [
            (ana.encode().decode("cp437"), 0), (eva.encode().decode("cp437"), 0)]
    path = folder / "returns.zip"
    path.write_bytes(data)
    assert saved_as_returns([folder]) == [str(path)]
    want = spreadsheets_reason([ana, eva], "2 spreadsheets")
    with pytest.raises(UnreadableWorkbook) as e:
        open_zip("returns.zip", data)
    assert e.value.reason == want
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{path}: {want}", res.output
    (folder / ana).write_bytes(body)
    assert saved_as_returns([folder]) == [str(path)]  # Éva's is not there yet
    (folder / unicodedata.normalize("NFC", eva)).write_bytes(body)  # composed by the unzipper
    assert saved_as_returns([folder]) == []
    (folder / ana).write_bytes(os.urandom(200))
    assert saved_as_returns([folder]) == [str(path)]
    into = tmp_path / "mac"
    into.mkdir()
    (into / "returns.zip").write_bytes(data)
    (into / "returns").mkdir()
    for name in (ana, eva):
        (into / "returns" / name).write_bytes(body)
    assert saved_as_returns([into]) == []
    dos = tmp_path / "dos"
    dos.mkdir()
    data = zipped({"caf_.xlsx": body}).replace(b"caf_.xlsx", b"caf\x82.xlsx")  # cp437 é
    (dos / "old.zip").write_bytes(data)
    with pytest.raises(UnreadableWorkbook) as e:
        open_zip("old.zip", data)
    assert e.value.reason == books_reason(["café.xlsx"])
    (dos / "café.xlsx").write_bytes(body)
    assert saved_as_returns([dos]) == []
    with pytest.raises(UnreadableWorkbook) as e:  # flagged as zipfile writes it: as it is
        open_zip("new.zip", zipped({"Łukasz Díaz.xlsx": body}))
    assert e.value.reason == books_reason(["Łukasz Díaz.xlsx"])


# -- 2. an .xlsx renamed .zip -------------------------------------------------------------------

def renamed_reason(name: str, suffix: str = ".xlsx", there: bool = False) -> str:
    also = f" ({name} is in that folder already: keep the one that is the return)" if there \
        else ""
    return (f"an {suffix} workbook named .zip: rename it to {suffix} ({name}) and collect "
            f"again{also}")


def test_an_xlsx_renamed_zip_in_a_folder_is_refused_saying_what_to_name_it(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    ben = out / f"{key('Ben Ortiz')}.xlsx"
    ben.rename(out / f"{key('Ben Ortiz')}.zip")
    eva = out / f"{key('Eva Lind')}.xlsx"
    eva.rename(out / f"{key('Eva Lind')}.xlsx.zip")  # a mail program's double suffix
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert "2 added, 0 updated, 0 unchanged, 0 empty, 2 refused" in res.output, res.output
    assert refusals(res.output) == {
        f"{key('Ben Ortiz')}.zip": [renamed_reason(ben.name)],
        f"{key('Eva Lind')}.xlsx.zip": [renamed_reason(eva.name)]}, res.output
    assert held_people(db) == ["Ana Diaz", "Fay Moss"]  # not read: a renamed file is a doubt
    # status shows Ben's tabs refused, with the file, not "not returned"
    bens = {t: got for t, got in status_tabs(out, db).items() if t[0] == "Ben Ortiz"}
    assert set(bens.values()) == {("refused", f"{key('Ben Ortiz')}.zip")}
    (out / f"{key('Ben Ortiz')}.zip").rename(ben)  # renamed as the message says, it goes in
    (out / f"{key('Eva Lind')}.xlsx.zip").rename(eva)
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert held_people(db) == sorted(PEOPLE)
    bens = {t: got for t, got in status_tabs(out, db).items() if t[0] == "Ben Ortiz"}
    assert {t[1]: got[0] for t, got in bens.items()} == {
        "Self": "collected", "Bo Chen": "collected", "Peer 1": "missing", "Peer 2": "missing"}


def test_a_renamed_xlsm_and_a_renamed_copy_beside_its_workbook_are_told_apart(
        cycle: dict[str, Path]) -> None:
    out, db = cycle["out"], cycle["db"]
    ana = out / f"{key('Ana Diaz')}.xlsx"
    (out / "ana-copy.zip").write_bytes(ana.read_bytes())
    with zipfile.ZipFile(out / "bo.zip", "w") as z:  # names alone say .xlsm: no part is read
        for name in ("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"):
            z.writestr(name, b"")
    (out / f"{key('Ana Diaz')}.zip").write_bytes(ana.read_bytes())
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {
        "ana-copy.zip": [renamed_reason("ana-copy.xlsx")],
        "bo.zip": [renamed_reason("bo.xlsm", ".xlsm")],
        f"{key('Ana Diaz')}.zip": [renamed_reason(ana.name, there=True)]}, res.output
    assert held_people(db) == sorted(PEOPLE)


def test_an_xlsx_renamed_zip_given_by_name_is_read_as_any_workbook_given_is(
        cycle: dict[str, Path]) -> None:
    """The suffix of a file given by name never decided how it is read (``read ana.dat`` reads
    a workbook): that stays; only the folder's .zip files are judged by what they are."""
    out, db = cycle["out"], cycle["db"]
    ben = out / f"{key('Ben Ortiz')}.xlsx"
    given = ben.rename(out / f"{key('Ben Ortiz')}.zip")
    res = invoke("collect", str(out), str(given), "--db", str(db), "-j", "1")
    assert res.exit_code == 0, res.output
    assert held_people(db) == sorted(PEOPLE)


# -- 3. a Google Sheets web page download, unzipped ---------------------------------------------

GOOGLE_PAGE = ("a page of a Google Sheets web page download (.html, one page per tab), not an "
               ".xlsx workbook: in Google Sheets use File > Download > Microsoft Excel (.xlsx) "
               "and send that")
TABS = ("Guide", "Matrix", "Self", "Bo Chen", "Summary")


def unzipped_download(folder: Path, tabs: tuple[str, ...] = TABS, resources: bool = True
                      ) -> None:
    """What unzipping Google's "Web page (.html, zipped)" gives (modelled, as the zip is in
    tests/test_edges_google_zip.py): ``<tab name>.html`` per tab beside ``resources/``."""
    folder.mkdir(parents=True, exist_ok=True)
    for tab in tabs:
        (folder / f"{tab}.html").write_text(
            google_page([["Category", "Rating"], ["Craft", "L2"]]), encoding="utf-8")
    if resources:
        (folder / "resources").mkdir()
        (folder / "resources" / "sheet.css").write_text(".grid-container{}\n", encoding="utf-8")


def test_an_unzipped_google_download_in_a_folder_is_refused_once_not_skipped(
        cycle: dict[str, Path]) -> None:
    """Unzipped into a folder of its own (as unzipping ben-ortiz-2026-q4.zip gives): its first
    page stands for the download, refused with Google's advice; the other pages are its."""
    out, db = cycle["out"], cycle["db"]
    (out / f"{key('Ben Ortiz')}.xlsx").unlink()
    unzipped_download(out / key("Ben Ortiz"))
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert "3 added, 0 updated, 0 unchanged, 0 empty, 1 refused" in res.output, res.output
    assert refusals(res.output) == {"Bo Chen.html": [f"not a readable workbook: {GOOGLE_PAGE}"]}
    assert str(out / key("Ben Ortiz") / "Bo Chen.html") in res.output
    assert held_people(db) == ["Ana Diaz", "Eva Lind", "Fay Moss"]


def test_pages_with_no_resources_folder_beside_them_are_refused_each(tmp_path: Path) -> None:
    """Pages of Google's markup kept without the download's resources/ (copied out one by
    one): nothing says they are one download, so each is refused. A note beside them, and a
    page whose Google marks are past the first MB looked at, are left alone as before."""
    folder = tmp_path / "back"
    unzipped_download(folder, ("Self", "Peer"), resources=False)
    (folder / "notes.html").write_text("<!DOCTYPE html><html><body><p>chase Ben</p></body>"
                                       "</html>", encoding="utf-8")
    (folder / "far.html").write_text(google_page([["a"]], pad=2**20), encoding="utf-8")
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {name: [f"not a readable workbook: {GOOGLE_PAGE}"]
                                    for name in ("Peer.html", "Self.html")}, res.output


def test_a_spreadsheet_s_own_web_page_beside_a_download_is_still_refused_for_itself(
        tmp_path: Path) -> None:
    """One refusal per download stands only for Google's pages: another return saved as a web
    page in that folder (LibreOffice's, by its generator) is refused as well, as before."""
    folder = tmp_path / "back"
    unzipped_download(folder)
    (folder / "eva.html").write_text(
        '<!DOCTYPE html><html><head><meta name="generator" content="LibreOffice 24.2"/></head>'
        "<body><table><tr><td>L2</td></tr></table></body></html>", encoding="utf-8")
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    got = refusals(res.output)
    assert sorted(got) == ["Bo Chen.html", "eva.html"], res.output
    assert got["Bo Chen.html"] == [f"not a readable workbook: {GOOGLE_PAGE}"]
    assert got["eva.html"][0].startswith("not a readable workbook: a web page (a spreadsheet's")


def test_a_page_of_a_google_download_given_is_named_for_what_it_is(tmp_path: Path) -> None:
    unzipped_download(tmp_path / "ben")
    page = tmp_path / "ben" / "Self.html"
    res = CliRunner().invoke(main, ["read", str(page)])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"{page}: {GOOGLE_PAGE}"
    big = tmp_path / "big.html"  # over the size limit: named for what it is all the same
    big.write_text(google_page([["L2"]]) + " " * (MAX_FILE_BYTES + 1024), encoding="utf-8")
    res = CliRunner().invoke(main, ["read", str(big)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{big}: {GOOGLE_PAGE}", res.output
