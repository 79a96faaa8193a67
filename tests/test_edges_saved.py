"""A returned workbook saved with "Save As" in another type, and the files an open workbook
leaves beside it: exit 0 only when every return was read.

A rater who saves the filled workbook as a web page, as Excel 2003 XML or as tab-separated
text gives a file collect used to skip without a word, exiting 0 with the person shown as not
returned. Each is refused by name, saying to send the .xlsx, and ``status`` shows its tabs
refused; notes and other XML beside them are left alone. The files are made by real
LibreOffice (headless) from workbooks rendered and filled as the other tests make them; the
Excel lock file and Excel's single-file web page (.mht), which LibreOffice cannot write, are
built here as Excel writes them.
"""

from __future__ import annotations

import json
import os
import quopri
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.office import convert_many

from .conftest import SMALL
from .libreoffice import soffice_or_skip
from .test_status import fill, invoke

PERIOD = "2026-Q4"
PEOPLE = ("Ana Diaz", "Ben Ortiz", "Eva Lind", "Fay Moss", "Gus Hale", "Ida Berg")
WEB_PAGE = ("a web page (a spreadsheet's 'Save as Web Page'), not a workbook: a web page holds "
            "the sheets' values only (no formulas or hidden sheet), so it cannot be verified; "
            "send the .xlsx workbook itself (saving a copy as a web page leaves it as it was)")
MHT = ("a single-file web page (.mht, a spreadsheet's 'Save as Single File Web Page'), not a "
       "workbook: a web page holds the sheets' values only (no formulas or hidden sheet), so it "
       "cannot be verified; send the .xlsx workbook itself (saving a copy as a web page leaves "
       "it as it was)")
XML_2003 = ("an Excel 2003 XML Spreadsheet (.xml), not an .xlsx workbook: send the .xlsx "
            "workbook itself, or open this file in Excel and save it as .xlsx (Excel Workbook)")
TAB_TEXT = ("a tab-separated text file (a sheet saved as text), not an .xlsx workbook: a text "
            "file holds one sheet's values only (no rater tabs, formulas or hidden sheet), so it "
            "cannot be verified; send the .xlsx workbook itself (saving a copy as text leaves it "
            "as it was)")
UNFINISHED = ("the save may not have finished (copied while it was still being written, or "
              "synced only in part?): save it again, wait until the save is done, and copy or "
              "send it again")


def key(person: str) -> str:
    return f"{person.lower().replace(' ', '-')}-{PERIOD.lower()}"


def filled_cycle(tmp: Path, people: tuple[str, ...]) -> dict[str, Path]:
    """``people``'s workbooks of the small ladder rendered from a roster into ``tmp/out``
    (beside its manifest), each with its Self tab and Bo Chen's filled: person -> workbook."""
    ladder = tmp / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp / "team.csv"
    roster.write_text("person,email,manager\n" + "".join(
        f"{p},{p.split()[0].lower()}@example.com,Bo Chen\n" for p in people), encoding="utf-8")
    out = tmp / "out"
    res = invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                 "-o", str(out))
    assert res.exit_code == 0, res.output
    books = {p: out / f"{key(p)}.xlsx" for p in people}
    for book in books.values():
        fill(book, "Self", ["L2", "L3"])
        fill(book, "Bo Chen", ["L2", "L2"])
    return books


def _soffice_text(src: Path, out_dir: Path, sheet: int) -> Path:
    """``src``'s sheet number ``sheet`` (1-based) saved by LibreOffice as "Text (Tab
    delimited)", UTF-8, as a rater saves the tab they filled; LibreOffice names it
    ``STEM-SHEETNAME.txt``."""
    soffice = soffice_or_skip()
    profile = Path(tempfile.mkdtemp(prefix="sheetladder-lo-"))
    try:
        target = f"txt:Text - txt - csv (StarCalc):9,34,76,1,,0,false,true,false,false,false,{sheet}"
        proc = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(out_dir), str(src)],
            capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    made = sorted(out_dir.glob(f"{src.stem}-*.txt"))
    assert proc.returncode == 0 and len(made) == 1, (proc.stdout, proc.stderr, made)
    return made[0]


def _excel_2003_xml(src: Path, work: Path) -> Path:
    """``src`` saved by LibreOffice as "MS Excel 2003 XML". LibreOffice's own export fails on
    a workbook that came from an .xlsx (its XSLT walks the 16,384 columns of a sheet one
    template call each, past libxslt's depth of 3000), so it is saved as flat ODF first and
    the empty columns and rows after the last used one are written once each, not repeated
    ~16,000 and ~1,000,000 times, then exported from that."""
    fods = convert_many([src], work / "fods", "fods")[0]
    text = fods.read_text(encoding="utf-8")
    text = re.sub(r'table:number-(columns|rows)-repeated="(\d+)"',
                  lambda m: m.group(0) if int(m.group(2)) < 1000
                  else f'table:number-{m.group(1)}-repeated="1"', text)
    fods.write_text(text, encoding="utf-8")
    return convert_many([fods], work / "xml", "xml:MS Excel 2003 XML")[0]


def _as_mht(html: Path, name: str) -> bytes:
    """A web page as Excel's "Single File Web Page" (.mht) wraps it: a MIME message whose
    first part is the page, quoted-printable."""
    boundary = "----=_NextPart_01DB47A2.6C3F1B80"
    body = quopri.encodestring(html.read_bytes()).decode("ascii")
    return (
        "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n"
        f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
        "This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n"
        f"--{boundary}\r\nContent-Location: file:///C:/{name}.htm\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n\r\n'
        f"{body}\r\n--{boundary}--\r\n").encode("ascii")


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A cycle of six, each with a Self tab and Bo Chen's, every tab filled; the folder holds
    the manifest, Ana's workbook as returned, and the others' as their raters saved them:
    Ben's as a web page, Eva's as Excel 2003 XML, Fay's Self tab as "Text (Tab delimited)"
    (.txt), Gus's as .tsv, Ida's as a single-file web page (.mht). Beside them: a notes .txt
    (its lines hold commas, and tabs of different counts), notes as XML, Excel's filelist.xml
    of a web page (no spreadsheet) and the roster as tab-separated text."""
    soffice_or_skip()
    tmp = tmp_path_factory.mktemp("saved")
    books = filled_cycle(tmp, PEOPLE)
    out = tmp / "out"
    work = tmp / "lo"
    html = convert_many([books["Ben Ortiz"], books["Ida Berg"]], work / "html", "html")
    shutil.move(html[0], out / f"{key('Ben Ortiz')}.html")
    (out / f"{key('Ida Berg')}.mht").write_bytes(_as_mht(html[1], key("Ida Berg")))
    shutil.move(_excel_2003_xml(books["Eva Lind"], work), out / f"{key('Eva Lind')}.xml")
    self_sheet = openpyxl.load_workbook(books["Fay Moss"], read_only=True).sheetnames.index(
        "Self") + 1
    shutil.move(_soffice_text(books["Fay Moss"], work / "fay", self_sheet),
                out / f"{key('Fay Moss')}.txt")
    shutil.move(_soffice_text(books["Gus Hale"], work / "gus", self_sheet),
                out / f"{key('Gus Hale')}.tsv")
    for p in PEOPLE[1:]:
        books[p].unlink()  # each rater sent back the file saved in the other type only
    (out / "notes.txt").write_text("chase Ben on Monday, then Eva\nEva: phone\tthen mail\n"
                                   "Ida\tsent\tthe .mht\n", encoding="utf-8")
    (out / "todo.txt").write_text("TODO:\tchase Ana\n", encoding="utf-8")  # one tabbed line
    (out / "minutes.html").write_text(  # a page with a table, from no spreadsheet
        "<!DOCTYPE html><html><head><title>Q4 calibration</title></head><body><table><tr><th>"
        "Who</th><th>What</th></tr><tr><td>Ana</td><td>chase Ben</td></tr></table></body>"
        "</html>\n", encoding="utf-8")
    (out / "notes.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<notes><note '
                                   'person="Ben Ortiz">chase on Monday</note></notes>\n',
                                   encoding="utf-8")
    (out / "filelist.xml").write_text(  # as Excel writes beside the pages of a web page
        '<xml xmlns:o="urn:schemas-microsoft-com:office:office">\n <o:MainFile HRef="../'
        'book.htm"/>\n <o:File HRef="sheet001.htm"/>\n</xml>\n', encoding="utf-8")
    (out / "team.txt").write_text("person\temail\tmanager\nAna Diaz\tana@example.com\tBo Chen\n",
                                  encoding="utf-8")
    return {"out": out, "tmp": tmp, "ana": books["Ana Diaz"]}


def refusals(output: str) -> dict[str, list[str]]:
    """collect's refusals: file name -> its error lines."""
    got: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.endswith(": refused"):
            current = got.setdefault(Path(line[:-len(": refused")]).name, [])
        elif current is not None and line.startswith("  error: "):
            current.append(line[len("  error: "):])
        else:
            current = None
    return got


def held_people(db: Path) -> list[str]:
    from sheetladder.results.store import History

    with History(str(db), read_only=True) as h:
        return sorted(r.person for r in h.records())


SAVED = {f"{key('Ben Ortiz')}.html": WEB_PAGE, f"{key('Ida Berg')}.mht": MHT,
         f"{key('Eva Lind')}.xml": XML_2003, f"{key('Fay Moss')}.txt": TAB_TEXT,
         f"{key('Gus Hale')}.tsv": TAB_TEXT}


def test_a_folder_s_workbooks_saved_as_web_pages_xml_or_tab_text_are_refused_by_name_not_skipped(
        returns: dict[str, Path], tmp_path: Path) -> None:
    out, db = returns["out"], tmp_path / "h.sqlite"
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert "1 added, 0 updated, 0 unchanged, 0 empty, 5 refused" in res.output, res.output
    assert refusals(res.output) == {
        name: [f"not a readable workbook: {why}"] for name, why in SAVED.items()}, res.output
    assert held_people(db) == ["Ana Diaz"]  # nothing stored for the files refused


def test_notes_other_xml_and_a_roster_as_text_beside_the_returns_are_left_alone(
        returns: dict[str, Path], tmp_path: Path) -> None:
    res = invoke("collect", str(returns["out"]), "--db", str(tmp_path / "h.sqlite"), "-j", "1")
    for name in ("notes.txt", "todo.txt", "minutes.html", "notes.xml", "filelist.xml",
                 "team.txt", "manifest.csv", ".png"):
        assert name not in res.output, res.output


def test_status_shows_the_tabs_of_a_workbook_saved_in_another_type_refused_not_missing(
        returns: dict[str, Path], tmp_path: Path) -> None:
    out, db = returns["out"], tmp_path / "h.sqlite"
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    assert res.stdout.strip().splitlines()[-1] == (  # not "5 not returned; ... 20 missing"
        f"status {PERIOD}: 6 people, 0 complete, 1 partial, 5 not returned; 2 of 24 tabs "
        "collected, 2 missing, 20 refused")
    st = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                "--format", "json")
    assert st.exit_code == 0, st.output
    tabs = {(p["person"], t["tab"]): (t["state"], t["file"] and Path(t["file"]).name)
            for p in json.loads(st.stdout)["people"] for t in p["tabs"]}
    saved_as = {Path(name).stem: name for name in SAVED}  # tied by the name handed out
    expected = {(person, tab): ("refused", saved_as[key(person)]) if person != "Ana Diaz"
                else ("collected" if tab in ("Self", "Bo Chen") else "missing", None)
                for person, tab in tabs}  # the peer tabs handed out were left blank
    assert tabs == expected
    assert {person for person, _ in tabs} == set(PEOPLE)


@pytest.mark.parametrize("name", sorted(SAVED))
def test_a_file_saved_in_another_type_and_named_xlsx_is_refused_by_what_it_holds(
        returns: dict[str, Path], tmp_path: Path, name: str) -> None:
    """A web page (or XML, or text) renamed ana.xlsx: named by its bytes, not its suffix."""
    renamed = tmp_path / f"{Path(name).stem}.xlsx"
    shutil.copy(returns["out"] / name, renamed)
    res = CliRunner().invoke(main, ["read", str(renamed)])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"{renamed}: {SAVED[name]}"
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(renamed), "--db", str(db))
    assert res.exit_code == 1 and refusals(res.output) == {
        renamed.name: [f"not a readable workbook: {SAVED[name]}"]}, res.output
    assert held_people(db) == []


def test_a_tab_separated_text_saved_as_unicode_text_is_refused_as_tab_text(
        returns: dict[str, Path], tmp_path: Path) -> None:
    """Excel's "Unicode Text" is the same table in UTF-16 (.txt): taken from a folder and
    named tab-separated text, not CSV."""
    folder = tmp_path / "back"
    folder.mkdir()
    text = (returns["out"] / f"{key('Fay Moss')}.txt").read_text(encoding="utf-8")
    (folder / "fay.txt").write_bytes(text.encode("utf-16"))
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"fay.txt": [f"not a readable workbook: {TAB_TEXT}"]}


def test_the_pages_of_excel_s_web_page_of_many_sheets_are_refused_once_as_the_page(
        tmp_path: Path) -> None:
    """Excel saves a web page of many sheets as ana.htm (a frameset) and a folder beside it
    (ana_files/, its name in the language of Excel) of one page per sheet and filelist.xml:
    the one file the rater saved is refused, not each page of it."""
    folder = tmp_path / "back"
    (folder / "ana_files").mkdir(parents=True)
    (folder / "ana.htm").write_text(
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-'
        'microsoft-com:office:excel">\n<head>\n<meta name="ProgId" content="Excel.Sheet">\n'
        '<link rel="File-List" href="ana_files/filelist.xml">\n</head>\n<frameset rows="*,39">'
        '<frame src="ana_files/sheet001.htm" name="frSheet"></frameset>\n</html>\n',
        encoding="utf-8")
    for n in (1, 2):
        (folder / "ana_files" / f"sheet00{n}.htm").write_text(
            '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table><tr><td>S3'
            '</td></tr></table></body></html>\n', encoding="utf-8")
    (folder / "ana_files" / "filelist.xml").write_text(
        '<xml xmlns:o="urn:schemas-microsoft-com:office:office">\n <o:MainFile HRef="../'
        'ana.htm"/>\n</xml>\n', encoding="utf-8")
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"ana.htm": [f"not a readable workbook: {WEB_PAGE}"]}


def test_an_html_page_with_no_sheet_in_a_folder_is_left_alone(tmp_path: Path) -> None:
    """A page saved from the browser (a sign-in page, instructions) holds no table."""
    folder = tmp_path / "back"
    folder.mkdir()
    (folder / "how-to.html").write_text("<!DOCTYPE html><html><body><p>Rate each category."
                                        "</p></body></html>\n", encoding="utf-8")
    res = invoke("collect", str(folder), "--db", str(tmp_path / "h.sqlite"))
    assert "how-to.html" not in res.output and "refused" not in res.output.replace(
        "0 refused", ""), res.output


# -- lock files ------------------------------------------------------------------------------


def _excel_owner_file(user: str) -> bytes:
    """Excel's owner file (~$book.xlsx): 165 bytes, the user's name after its length byte,
    padded, then again in UTF-16."""
    name = user.encode("cp1252")
    data = bytes([len(name)]) + name.ljust(53, b" ") + bytes([len(user), 0]) + \
        user.encode("utf-16-le")
    return data.ljust(165, b" ")[:165]


def refusal_lines(output: str) -> list[str]:
    """The lines of collect's output that name a file refused, and the reasons under them."""
    lines = output.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.endswith(": refused"):
            out.append(line)
            out += [x for x in lines[i + 1:i + 4] if x.startswith("  ")]
    return out


@pytest.fixture()
def locked(returns: dict[str, Path], tmp_path: Path) -> Path:
    """Ana's returned workbook, open in Excel and in LibreOffice: both lock files beside it."""
    folder = tmp_path / "back"
    folder.mkdir()
    name = returns["ana"].name
    shutil.copy(returns["ana"], folder / name)
    (folder / f"~${name}").write_bytes(_excel_owner_file("Bo Chen"))
    (folder / f".~lock.{name}#").write_text(
        "Bo Chen,bo-laptop,bo,06.12.2026 10:00,file:///home/bo/.config/libreoffice/4;\n",
        encoding="utf-8")
    assert len((folder / f"~${name}").read_bytes()) == 165
    return folder


def test_lock_files_are_left_out_of_a_folder_and_of_its_files_given_with_their_workbook(
        locked: Path, tmp_path: Path) -> None:
    """``collect back/`` and ``collect back/*`` (the shell gives ~$ana.xlsx among the files;
    some shells give .~lock.ana.xlsx# too): the workbook goes in, its lock files are no
    return."""
    for args in ([str(locked)], sorted(str(p) for p in locked.iterdir())):
        db = tmp_path / f"h{len(args)}.sqlite"
        res = invoke("collect", *args, "--db", str(db))
        assert res.exit_code == 0, res.output
        assert "1 added, 0 updated, 0 unchanged, 0 empty, 0 refused" in res.output
        assert not [line for line in refusal_lines(res.output) if "~" in line], res.output
        assert held_people(db) == ["Ana Diaz"]


def test_a_workbook_collected_while_a_lock_file_says_it_is_open_is_named_with_who_holds_it(
        locked: Path, tmp_path: Path) -> None:
    """Its last save goes in (exit 0: what was saved is read right), and collect says that
    edits not saved yet are not in, naming the programs and the user the lock files name."""
    name = f"{key('Ana Diaz')}.xlsx"
    res = invoke("collect", str(locked), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 0, res.output
    assert "1 workbook(s) were open in another program as they were collected" in res.output
    assert "collect again once they are saved and closed" in res.output
    assert (f"  {locked / name}: open in Excel by Bo Chen (~${name}), and open in LibreOffice "
            f"by Bo Chen (.~lock.{name}#)") in res.output.splitlines()
    (locked / f"~${name}").unlink()
    (locked / f".~lock.{name}#").unlink()
    res = invoke("collect", str(locked), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 0 and "open in another program" not in res.output, res.output


@pytest.mark.parametrize(("lock", "program"), [("~$", "Excel"), (".~lock.", "LibreOffice")],
                         ids=["excel", "libreoffice"])
def test_a_lock_file_given_alone_is_refused_naming_what_it_is_and_what_to_do(
        locked: Path, tmp_path: Path, lock: str, program: str) -> None:
    name = f"{key('Ana Diaz')}.xlsx"
    path = locked / (f"{lock}{name}" + ("#" if program == "LibreOffice" else ""))
    why = (f"the lock file {program} holds while {name} is open, not a workbook: close the "
           f"workbook in {program}, then give {name} itself")
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(path), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {path.name: [f"not a readable workbook: {why}"]}
    assert "open in another program" not in res.output, res.output
    assert held_people(db) == []
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{path}: {why}"


def test_an_owner_file_over_the_first_two_characters_of_a_long_name_is_a_lock_file_too(
        locked: Path, tmp_path: Path) -> None:
    """Office names the owner file of a long file name ``~$`` over its first two characters
    (``~$a-diaz.xlsx`` for ``ana-diaz.xlsx``): left out of ``collect back/*`` as the other
    spelling is, and named as a lock file beside its workbook."""
    name = f"{key('Ana Diaz')}.xlsx"
    (locked / f".~lock.{name}#").unlink()
    (locked / f"~${name}").rename(locked / f"~${name[2:]}")
    for args in ([str(locked)], sorted(str(p) for p in locked.iterdir())):
        db = tmp_path / f"h{len(args)}.sqlite"
        res = invoke("collect", *args, "--db", str(db))
        assert res.exit_code == 0, res.output
        assert "1 added, 0 updated, 0 unchanged, 0 empty, 0 refused" in res.output
        assert f"  {locked / name}: open in Excel by Bo Chen (~${name[2:]})" in \
            res.output.splitlines(), res.output


def test_an_owner_file_cut_short_given_alone_names_the_workbook_beside_it(
        locked: Path, tmp_path: Path) -> None:
    name = f"{key('Ana Diaz')}.xlsx"
    lock = locked / f"~${name[2:]}"
    (locked / f"~${name}").rename(lock)
    res = invoke("collect", str(lock), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {lock.name: [
        f"not a readable workbook: the lock file Excel holds while {name} is open, not a "
        f"workbook: close the workbook in Excel, then give {name} itself"]}


def test_a_short_name_s_owner_file_is_no_lock_of_a_longer_name_ending_the_same(
        locked: Path, tmp_path: Path) -> None:
    """Office cuts only names of more than six characters: ~$ana.xlsx is the lock of ana.xlsx,
    not of joana.xlsx beside it, which is not open."""
    for f in list(locked.iterdir()):
        if f.name.startswith(("~$", ".~lock.")):
            f.unlink()
    (locked / f"{key('Ana Diaz')}.xlsx").rename(locked / "joana.xlsx")
    (locked / "~$ana.xlsx").write_bytes(_excel_owner_file("Bo Chen"))
    res = invoke("collect", str(locked), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 0 and "1 added" in res.output, res.output
    assert "open in another program" not in res.output, res.output


def test_a_workbook_refused_with_a_lock_file_beside_it_is_not_said_to_have_gone_in(
        locked: Path, tmp_path: Path) -> None:
    """Copied while Excel still held it, cut short: refused, and only refused."""
    book = locked / f"{key('Ana Diaz')}.xlsx"
    book.write_bytes(book.read_bytes()[:2000])
    res = invoke("collect", str(locked), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1 and list(refusals(res.output)) == [book.name], res.output
    assert "open in another program" not in res.output, res.output


# -- a save that did not finish ------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["empty", "truncated"])
def test_an_empty_or_truncated_workbook_says_the_save_may_not_have_finished(
        returns: dict[str, Path], tmp_path: Path, cut: str) -> None:
    """Copied while Excel was still writing it, or synced in part: 0 bytes, or cut short."""
    data = returns["ana"].read_bytes()
    path = tmp_path / "ana.xlsx"
    path.write_bytes(b"" if cut == "empty" else data[: len(data) // 2])
    why = ("empty file (0 bytes): " if cut == "empty" else
           "truncated or damaged .xlsx file (BadZipFile: File is not a zip file): ") + UNFINISHED
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(path), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert refusals(res.output) == {"ana.xlsx": [f"not a readable workbook: {why}"]}
    assert held_people(db) == []
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{path}: {why}"
    assert os.path.getsize(path) == (0 if cut == "empty" else len(data) // 2)


def test_a_workbook_saved_as_excel_2003_xml_over_the_size_limit_is_still_named_for_what_it_is(
        tmp_path: Path) -> None:
    """LibreOffice writes every row and column of a sheet into Excel 2003 XML (130 MB for a
    workbook of six tabs): over the reader's 20 MB limit, it is named, not just "too large"."""
    path = tmp_path / "ana.xml"
    with open(path, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"'
                b'?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet>')
        f.write(b"<Row><Cell><Data/></Cell></Row>" * (21 * 2**20 // 32))
        f.write(b"</Worksheet></Workbook>\n")
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{path}: " + XML_2003.replace(
        "not an .xlsx workbook", "not a workbook")
