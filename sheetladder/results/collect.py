"""collect: many workbooks, read in reader processes (and here, while they are busy), stored in
batches: one transaction per batch of files, each file applied as it would be alone."""


import contextlib
import csv
import functools
import hashlib
import itertools
import json
import os
import pickle
import shlex
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..a1 import a1
from ..context import GUIDE_PERSON_CELL, GUIDE_SHEET, person_key
from ..definition import Ladder
from ..errors import SheetladderError, UnreadableWorkbook
from ..google.read import is_google_source
from ..manifest import MANIFEST_NAME, file_key
from ..results.report import Finding, Report
from ..scoring import RaterInput
from ..verify.verify import VerifyMemo
from ..xlsx.archive import (
    TEXT_SUFFIXES,
    is_lock_of,
    lock_file_of,
    lock_files_of,
    lock_owner,
    looks_like_csv,
    looks_like_tab_text,
    missing_reason,
    read_file_bytes,
    saved_spreadsheet,
)
from .read import (
    PackedReport,
    ReadOutcome,
    assessed_person_of,
    conflict_message,
    read_chunk_for_collect,
    tab_content,
    tab_differences,
)
from .readers import CHUNK_FILES as _CHUNK_FILES
from .readers import (
    WORKBOOK_SUFFIXES,
    CollectTask,
    Readers,
    check_keep,
    chunked,
    file_modified,
    find_workbooks,
    oldest_first,
    same_file,
)
from .store import History, IngestItem, IngestResult, has_content, refused_tabs
from .trust import TrustedLadders

# -- collecting files ------------------------------------------------------------------------------

def expand_paths(paths: Sequence[str | Path]
                 ) -> tuple[list[str], list[IngestResult], list[IngestResult]]:
    """Sources to collect (:func:`find_workbooks`), with each folder's returned workbooks saved
    in another type (:func:`saved_as_returns`: as CSV, tab-separated text, a web page, Excel
    2003 XML) or zipped (:func:`_zipped_web_pages`); paths that do not exist and CSV tables of
    people given as files (:func:`people_table`: a roster, an export) come back as refused, and
    are no refusal to keep (nothing was returned there); each folder's workbooks renamed .zip
    (:func:`_renamed_workbook`: refused unread, where one given by name is read) come back
    last, refusals to keep (a return, which ``status`` shows as refused, not missing). A
    ``manifest.csv`` given among the files
    (``collect q4/*``) is left out: it is the cycle's manifest (the CLI reads it as such); so
    is the lock file Excel or LibreOffice holds while a workbook is open (``~$ana.xlsx``,
    ``.~lock.ana.xlsx#``) when that workbook is given too, as a shell's ``q4/*`` gives it (a
    lock file given without its workbook is read, and refused naming what it is)."""
    found, missing = find_workbooks(paths)
    real = functools.cache(_resolved)  # each path resolved once (a system call per part)
    given: dict[Path, list[str]] = {}  # folder -> the names of the files given there
    for f in found:
        if not is_google_source(f):
            given.setdefault(Path(real(f)).parent, []).append(Path(f).name)
    files: list[str] = []
    refused = [IngestResult(file=m, status="refused", findings=[
        Finding(severity="error", message=missing_reason(m, "file or folder"))])
        for m in missing]
    for f in found:
        p = Path(f)
        lock = None if is_google_source(f) else lock_file_of(p.name)
        if lock and any(is_lock_of(p.name, other) for other in
                        given.get(Path(real(f)).parent, []) if other != p.name):
            continue
        if is_google_source(f) or p.suffix.lower() != ".csv":
            files.append(f)
        elif p.name.casefold() == MANIFEST_NAME:
            continue
        elif people_table(_head(p) or b""):
            refused.append(IngestResult(file=f, status="refused", findings=[Finding(
                severity="error", message=(
                    "a CSV table of people (a roster, a manifest or an export: its first row "
                    "has a 'person' column), not a returned workbook: leave it out of the files "
                    "to collect (a manifest is given with --manifest)"))]))
        else:
            files.append(f)
    seen = {real(f) for f in files}
    taken, renamed = _folder_returns(paths)
    for f in taken:
        if real(f) not in seen:
            seen.add(real(f))
            files.append(f)
    returned: list[IngestResult] = []
    for f, why in renamed:  # a workbook renamed .zip given by name is read, as it was
        if real(f) not in seen:
            seen.add(real(f))
            returned.append(IngestResult(file=f, status="refused", findings=[
                Finding(severity="error", message=why)]))
    return files, refused, returned


def _head(path: Path, size: int = 65536) -> bytes | None:
    """The first ``size`` bytes of ``path``; None when it cannot be read (collecting it says
    why)."""
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return None


WEB_PAGE_SUFFIXES = (".htm", ".html", ".mht", ".mhtml")
# Files a folder may hold that a returned workbook becomes when its rater uses "Save As" with
# another type, judged by what they hold (each suffix is also a file of notes or of another
# program's): taken when they hold a sheet, so that each is refused by name, saying to send
# the .xlsx, and the rest are left alone.
SAVED_AS_SUFFIXES = (".csv", *TEXT_SUFFIXES, *WEB_PAGE_SUFFIXES, ".xml")


def saved_as_returns(paths: Sequence[str | Path]) -> list[str]:
    """The files under the folders given that are a returned workbook saved with "Save As" in
    another type (:func:`saved_as_return`): taken like a workbook, so that each is refused by
    name, saying to send the .xlsx, and ``status`` shows its tabs refused rather than not
    returned. Left out: the folder's ``manifest.csv``, the lock files Excel and LibreOffice
    hold while a workbook is open, and every file :func:`saved_as_return` does not take."""
    return _folder_returns(paths)[0]


def _folder_returns(paths: Sequence[str | Path]) -> tuple[list[str], list[tuple[str, str]]]:
    """:func:`saved_as_returns`' files; and the workbooks under the folders given that were
    renamed .zip (:func:`_renamed_workbook`), each with why it is refused. Those are refused
    by :func:`expand_paths`, not taken: read, they would go in as the workbooks they are,
    under a name no one handed out."""
    found: list[str] = []
    renamed: list[tuple[str, str]] = []
    downloads: set[Path] = set()  # folders of an unzipped Google download already taken
    for raw in paths:
        if isinstance(raw, str) and is_google_source(raw):
            continue
        p = Path(raw)
        if not p.is_dir():
            continue
        for f in sorted(p.rglob("*")):
            if f.suffix.lower() not in (*SAVED_AS_SUFFIXES, ".zip") or not f.is_file() or \
                    f.name.startswith(("~$", ".")) or f.name.casefold() == MANIFEST_NAME:
                continue
            if f.suffix.lower() == ".zip":
                take, why = _folder_zip(f)
                if why:
                    renamed.append((str(f), why))
                if take:
                    found.append(str(f))
            elif f.suffix.lower() in GOOGLE_PAGE_SUFFIXES and _google_download_page(f):
                if f.parent not in downloads:  # its first page stands for the download
                    downloads.add(f.parent)
                    found.append(str(f))
            elif saved_as_return(f):
                found.append(str(f))
    return found, renamed


GOOGLE_PAGE_SUFFIXES = (".html", ".htm")


def _google_download_page(f: Path) -> bool:
    """Whether ``f`` is a page of Google Sheets' web page download unzipped, beside the
    download's ``resources/`` folder: one page per tab (:func:`google_sheets_page`), all one
    download, refused once, by the first (the reader names it, and says to download the
    .xlsx). A Google page with no ``resources/`` beside it is one :func:`saved_as_return`
    takes on its own. Its first MB is read, as any page's is."""
    from ..xlsx.archive import google_sheets_page  # beside the functions that need it

    if not (f.parent / "resources").is_dir():
        return False
    head = _head(f, 2**20)
    return head is not None and google_sheets_page(head)


def saved_as_return(f: Path) -> bool:
    """Whether ``f`` (in a folder given) is a returned workbook saved in another type, or
    cannot be read (collecting it says why):

    - a .csv that is a table of a sheet's width, not a table of people (:func:`people_table`:
      the manifest under another name, a roster, the reminder list, an export) nor notes;
    - a .txt, .tsv or .tab of three or more tab-separated rows of one width ("Text (Tab
      delimited)", "Unicode Text"), not a table of people; notes (lines of no tabs, of as many
      as it happens, or a line or two) are left alone;
    - an .htm, .html, .mht or .mhtml saved from a spreadsheet (it holds Excel's marks, a
      spreadsheet program's name as its generator, or a sheetladder workbook's description),
      but not a page of the folder Excel saves beside a web page of many sheets
      (``ana_files/``, which holds ``filelist.xml``): that page is the one refused;
    - an .htm or .html that is a page of Google Sheets' web page download unzipped
      (:func:`google_sheets_page`: a tab's page, Google's fragment of no ``<html>``);
    - an .xml that is an Excel 2003 XML Spreadsheet, or a flat OpenDocument spreadsheet; any
      other XML (notes, an export, Excel's ``filelist.xml``) is left alone;
    - a .zip of returned workbooks (.xlsx/.xlsm, another spreadsheet format, a zip: zipped
      for mailing) not unzipped beside it, or of web pages saved
      from a spreadsheet (:func:`_zipped_web_pages`: Google Sheets' "Web page (.html,
      zipped)"); any other zip (photos, an .xlsx renamed) is left alone.
    """
    from ..xlsx.archive import google_sheets_page  # beside the functions that need it

    suffix = f.suffix.lower()
    if suffix == ".zip":
        return _zipped_web_pages(f)
    if suffix in WEB_PAGE_SUFFIXES and _page_of_a_web_page(f):
        return False
    head = _head(f, 2**20 if suffix in WEB_PAGE_SUFFIXES else 65536)
    if head is None:
        return True
    if suffix == ".csv":
        return looks_like_csv(head) and not people_table(head)
    if suffix in TEXT_SUFFIXES:
        return looks_like_tab_text(head) and not people_table(head)
    return saved_spreadsheet(head) or (suffix in GOOGLE_PAGE_SUFFIXES
                                       and google_sheets_page(head))


def _zipped_web_pages(f: Path) -> bool:
    """Whether .zip ``f`` holds returned workbooks (:func:`zipped_workbooks`: .xlsx/.xlsm
    files, other spreadsheets and zips, judged by their names alone), or web pages saved from a spreadsheet
    (:func:`zipped_pages`: Google Sheets' "Web page (.html, zipped)", one ``<tab>.html`` per
    tab and ``resources/``), or cannot be judged (no zip, damaged, a page that cannot be read:
    reading it says why). Read in place with bounded reads (the zip's directory, a few pages'
    first MB), nothing extracted; an Office package (``[Content_Types].xml``: an .xlsx
    renamed, :func:`_folder_zip` refuses it) and a zip of anything else are left alone."""
    return _folder_zip(f)[0]


def _folder_zip(f: Path) -> tuple[bool, str | None]:
    """What collect makes of .zip ``f`` in a folder given: whether it is taken (to be refused
    by the reader, :func:`_zipped_web_pages`), and why it is refused here, if it is: an .xlsx
    (or .xlsm) workbook renamed .zip (:func:`_renamed_workbook`). A zip of possible returns
    (:func:`zipped_workbooks`: workbooks, spreadsheets of another format, zips) already
    unzipped beside itself (:func:`_unzipped_beside`) is left alone: the files it held are the
    ones collected (or refused by name), as its refusal said."""
    import zipfile  # imported here, beside the one function that needs them

    from ..xlsx.archive import zipped_pages, zipped_workbooks

    try:
        with zipfile.ZipFile(f) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" in names:
                return False, _renamed_workbook(f, names)
            books = zipped_workbooks(names)
            if books:
                return not _unzipped_beside(f, zf, books), None
            return zipped_pages(zf) is not None, None
    except Exception:  # noqa: BLE001 - no zip, or a damaged one: the reader refuses it
        return True, None


def _unzipped_beside(f: Path, zf: Any, books: Sequence[str]) -> bool:
    """Whether every possible return in zip ``f`` (``zf``, opened; ``books``, the names of its
    workbooks, spreadsheets of another format and zips, :func:`zipped_workbooks`) is beside it
    already, as unzipping it puts it: into its folder, or into a folder named after it there
    (``returns/`` for ``returns.zip``: what macOS's Archive Utility and Windows' "Extract All"
    make), a file of that name with the size and CRC-32 the zip's directory declares (the
    files on disk are read, no part of the zip). A name written as UTF-8 without the zip's
    UTF-8 flag is looked for as its maker wrote it too (:func:`_unzipped_names`). A file
    missing, differing (edited since, another version), over the size limit, or named out of
    the folder (``..``, an absolute name) leaves the zip refused."""
    from pathlib import PurePosixPath

    from ..xlsx.archive import MAX_FILE_BYTES

    infos = [zf.getinfo(name) for name in books]
    named = [(info, _unzipped_names(info)) for info in infos]
    for info, names in named:
        if info.file_size > MAX_FILE_BYTES:
            return False
        for name in names:
            if name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts:
                return False
    return any(all(any(_same_file_as(into.joinpath(*PurePosixPath(name).parts), info)
                       for name in names) for info, names in named)
               for into in (f.parent, f.parent / f.stem))


def _unzipped_names(info: Any) -> list[str]:
    """The names zip part ``info`` may have once unzipped: the name zipfile gives it, and,
    when its maker wrote UTF-8 without the zip's UTF-8 flag (macOS's Finder, old Windows
    tools: zipfile reads ``Ana Díaz.xlsx`` as ``Ana D├¡az.xlsx``), that name re-decoded
    (:func:`zip_part_name`, what ``unzip`` and Archive Utility write), composed and decomposed
    as well (Finder writes ``í`` decomposed; a tool that unzips may compose it)."""
    import unicodedata

    from ..xlsx.archive import zip_part_name

    fixed = zip_part_name(info.filename, info.flag_bits)
    return list(dict.fromkeys([fixed, unicodedata.normalize("NFC", fixed),
                               unicodedata.normalize("NFD", fixed), info.filename]))


def _same_file_as(there: Path, info: Any) -> bool:
    """Whether file ``there`` holds what zip part ``info`` declares: its size and CRC-32."""
    import zlib

    crc = 0
    try:
        if not there.is_file() or there.stat().st_size != info.file_size:
            return False
        with open(there, "rb") as g:
            while chunk := g.read(2**20):
                crc = zlib.crc32(chunk, crc)
    except OSError:
        return False
    return bool(crc == info.CRC)


def _renamed_workbook(f: Path, names: Sequence[str]) -> str | None:
    """Why .zip ``f`` (an Office package, whose part ``names`` are given) found in a folder is
    refused when it is an Excel workbook renamed (``xl/workbook.xml``: .xlsm when it holds
    macros, ``xl/vbaProject.bin``), saying what to name it; None for any other package (a
    Word document, an .xlsb: left alone, as before). Judged by names alone. Not read: a name
    changed by hand is a doubt, and the file's name is what ties it to its person."""
    if "xl/workbook.xml" not in names:
        return None
    suffix = ".xlsm" if "xl/vbaProject.bin" in names else ".xlsx"
    stem = f.stem
    if stem.lower().endswith(WORKBOOK_SUFFIXES):  # ana.xlsx.zip: the name it had
        stem = stem[:-5]
    target = f.with_name(stem + suffix)
    there = (f" ({target.name} is in that folder already: keep the one that is the return)"
             if target.exists() else "")
    return (f"an {suffix} workbook named .zip: rename it to {suffix} ({target.name}) and "
            f"collect again{there}")


def _page_of_a_web_page(f: Path) -> bool:
    """Whether ``f`` is in the folder Excel saves beside a web page of many sheets: one that
    holds ``filelist.xml``, named after a web page beside it (``ana_files`` or, in another
    language, ``ana-Dateien``, beside ``ana.htm``)."""
    folder = f.parent
    if not (folder / "filelist.xml").is_file():
        return False
    try:
        beside = list(folder.parent.iterdir())
    except OSError:
        return False
    return any(p.suffix.lower() in WEB_PAGE_SUFFIXES and p.stem and folder.name.startswith(p.stem)
               and p.is_file() for p in beside)


def people_table(data: bytes) -> bool:
    """Whether CSV ``data`` has a ``person`` column in its first row (any case, quoted or not,
    on ``,``, ``;`` or tab): a manifest, a roster, the reminder list or an export, which all
    have one, and no sheet of a workbook starts with."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    first = next((ln for ln in text.lstrip("\ufeff").splitlines() if ln.strip()), "")
    for sep in (",", ";", "\t"):
        try:
            cells = next(csv.reader([first], delimiter=sep), [])
        except csv.Error:
            continue
        if any(" ".join(c.split()).casefold() == "person" for c in cells):
            return True
    return False


class ReaderLost(SheetladderError):
    """A reader process ended before it had read its files (killed, or out of memory). Only
    the batches stored while the last files were read (``stored`` files, each whole) are in
    the history; collecting again adds the rest."""

    exit_code = 2

    def __init__(self, stored: int = 0, refused: int = 0) -> None:
        taken = stored + refused
        done = ("no workbook of this collect was stored" if not taken else
                f"the first {taken} workbook(s) read were stored, each whole, and no other"
                if not refused else
                f"the first {taken} workbook(s) read were taken in ({stored} stored, each "
                f"whole, {refused} refused, as said above), and no other")
        super().__init__("a reader process ended before it had read its files (killed, or out "
                         f"of memory?); {done}: collect again (--jobs 1 reads in this one "
                         "process)")


@dataclass
class OpenElsewhere:
    """A workbook collected while a lock file beside it said it was open (in Excel or
    LibreOffice): what was collected is its last save; edits not saved yet are not in it."""

    file: str
    locks: list[tuple[str, str, str | None]]  # program, the lock file's name, who (as it says)

    def __str__(self) -> str:
        return ", and ".join(f"open in {program}" + (f" by {who}" if who else "") + f" ({lock})"
                             for program, lock, who in self.locks)


def open_elsewhere(files: Sequence[str]) -> list[OpenElsewhere]:
    """The files given that have a lock file beside them (``~$ana.xlsx``,
    ``.~lock.ana.xlsx#``): open in Excel or LibreOffice, or left so by one that crashed. Each
    folder is listed once."""
    listed: dict[Path, set[str]] = {}
    out: list[OpenElsewhere] = []
    for f in files:
        if is_google_source(f):
            continue
        p = Path(f)
        if p.parent not in listed:
            try:
                listed[p.parent] = set(os.listdir(p.parent))
            except OSError:
                listed[p.parent] = set()
        locks = []
        for program, lock in lock_files_of(p.name):
            if lock in listed[p.parent] and (p.parent / lock).is_file():
                head = _head(p.parent / lock, 4096)
                locks.append((program, lock, lock_owner(program, head) if head else None))
        if locks:
            out.append(OpenElsewhere(file=f, locks=locks))
    return out


@dataclass
class CollectOutcome:
    results: list[IngestResult] = field(default_factory=list)
    # the files taken (not refused) that were open in another program as they were collected
    # (see open_elsewhere)
    open_elsewhere: list[OpenElsewhere] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def refused(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "refused"]


# Read-ahead bounds: the collecting process reads (and hashes) files in blocks, and keeps a few
# chunks of files with the reader processes; whatever the number of files, it holds no more
# than these at once, so memory does not grow with the batch.
_BLOCK_FILES = 16  # files hashed, then looked up in the history, at a time
_BLOCK_BYTES = 8 * 2**20  # ... or fewer, when they are big
# chunks sent ahead to each reader process, read or waiting: with 3, a reader ran out of work
# a few times a second while this process read a chunk itself (~50 ms, as long as one of the
# reader's); with 5 it never did (issue 17)
_CHUNKS_PER_READER = 5
BATCH_FILES = 32  # files stored in one transaction (see History.ingest_many)
# Storing a file costs the collecting process about an eighth of what reading it costs a core
# (SQLite; benchmarks/store.py and collect.py), and telling the person of a file left to read
# (assessed_person_of) about as much: when the files left to read would take the readers no
# longer than telling them and storing everything would take this process, it stops reading
# and stores (see _Early). (Without the telling, it started too late: this process stored
# alone for the last 0.2-0.3 s, against 0.05-0.12 s now.)
_STORE_TO_READ = 0.13
_TELL_TO_READ = 0.12
_EARLY_MOST_FILES = 512  # ... unless more files are left (their bytes would all be held)
_EARLY_MOST_BYTES = 16 * 2**20


def collect(history: History, paths: Sequence[str | Path], *, jobs: int = 0,
            reader: Callable[[str], ReadOutcome] | None = None,
            on_result: Callable[[IngestResult], Any] | None = None,
            on_total: Callable[[int], Any] | None = None,
            keep: Sequence[str] = (), trusted: TrustedLadders | None = None,
            cycle_period: str | None = None, readers: Readers | None = None,
            cycle_periods: Sequence[str] = (), cycle_label: str = "the cycle's manifest",
            handed_out: Mapping[str, tuple[str, str]] | None = None) -> CollectOutcome:
    """Read workbooks (in reader processes, and in this one while they are busy), settle the
    copies, and store them in batches of :data:`BATCH_FILES`, in one transaction with a
    savepoint per file where one is needed (:meth:`History.ingest_many`): a file refused or
    already held leaves the rest of its batch alone, and a crash keeps the batches committed
    before it and never part of a file (collecting again adds the rest).

    Every file is read before the copies are settled: two copies in the batch holding
    different ratings on one rater's tab of one person and period refuse that person in this
    collect (each copy is named, with the first cells that differ), unless one of them is
    named in ``keep``; file times decide nothing. While the last files are read, this process
    stores the batches that settling cannot change (:class:`_Early`: no other copy of their
    people read, held, or among the files left), as they would be stored after it. A copy
    that differs from what an earlier collect stored replaces it, and its result says which
    tab and which earlier file (:attr:`IngestResult.replaced_from`).
    ``trusted`` (with the history's own ladders added) judges each embedded ladder; None
    trusts every ladder. Each file is read once, by this process: its hash decides whether it
    is already held (then it costs nothing more), else its bytes go to a reader process (or
    are read here while the readers are busy); the first few may have been sent to the
    ``readers`` already (:meth:`Readers.read_ahead`), and the chunks sent so that are the very
    chunks this would send are taken as they are. Read
    reports are held compressed until the batch is settled (a few KiB each). ``jobs`` is the
    processes at work (:func:`reader_processes`); ``reader(path)`` replaces the reading of one
    file. ``on_total(n)`` is told how many files there are, ``on_result(IngestResult)`` is
    called after each file. ``readers`` (:class:`Readers`, entered) are reader processes
    started earlier, used instead of starting them here.

    Refused files are recorded for ``status`` (a file unreadable to the point that its period is
    unknown gets ``cycle_period``, the period of the cycle being collected, when given); a
    refusal is forgotten when a good file is later collected from the same path.

    ``cycle_periods``: the periods the cycle's manifest (``cycle_label``) lists. A workbook of
    another period is refused: left in the folder of a quarter, last quarter's file would go in
    as a new assessment of its own period, and change what that period's export shows.

    ``handed_out`` (:func:`manifest.handed_out`): the files the manifest lists, each with the
    person it was handed out for. Such a file holding another person's workbook (a copy of a
    colleague's, filled in and saved under this one's name) is refused: its ratings would be
    taken as the colleague's, and the person it was for would stay missing.
    """
    files, missing, renamed = expand_paths(paths)
    check_keep(keep, files)
    stamps = {f: file_modified(f) for f in files}
    files = oldest_first(files, stamps)
    outcome = CollectOutcome(open_elsewhere=open_elsewhere(files))
    if trusted is not None:
        trusted.add_all(history.known_ladders())

    held_refusals = history.refused_files()
    _forget_gone(history, held_refusals, paths, files)
    refused_before = {_resolved(f): f for f, _ in held_refusals}
    refused_bytes = {d for _, d in held_refusals}
    refused_now: set[str] = set()  # the bytes of the files this collect refused

    def emit(res: IngestResult) -> None:
        if res.status == "refused":
            # kept for ``status``: which tab was refused, and why
            res.content_hash = res.content_hash or path_key(res.file)
            history.record_refusal(res, period=cycle_period)
            refused_now.add(res.content_hash)
            return finish(res)
        if refused_before and _resolved(res.file) in refused_before:
            history.forget_refusals(refused_before.pop(_resolved(res.file)))
        if res.content_hash in refused_bytes and res.content_hash not in refused_now:
            # the bytes refused elsewhere (a file moved to its own cycle's folder, as the
            # refusal said) are taken: the refusal no longer stands. Not when this collect
            # refused them too: the same bytes under another person's file name beside them
            # (Ana's workbook saved as Ben's) are refused again, and status keeps saying so
            history.forget_refusals(content_hash=res.content_hash)
            refused_bytes.discard(res.content_hash)
        finish(res)

    def finish(res: IngestResult) -> None:
        outcome.results.append(res)
        if on_result:
            on_result(res)

    if on_total:
        on_total(len(files) + len(missing) + len(renamed))
    for m in missing:  # nothing was returned there: not a refusal to keep
        outcome.results.append(m)
        if on_result:
            on_result(m)
    for r in renamed:  # a return, refused unread: kept for ``status``
        emit(r)
    # (file, person) of each file given that is already held; those --keep names are reported
    # once the batch is settled (--keep may fail to settle what it names)
    held: list[tuple[str, str]] = []
    deferred: dict[str, IngestResult] = {}
    progress = _Progress()
    tasks = _to_read(history, files, stamps, emit, keep_bytes=reader is None, held=held,
                     cycle=(cycle_periods, cycle_label), progress=progress,
                     handed_out=handed_out,
                     defer=lambda f, res: any(same_file(f, k) for k in keep)
                     and deferred.setdefault(f, res) is res)
    batch = _Batch(trusted, emit, cycle_periods, cycle_label, handed_out or {}, keep)
    memo = VerifyMemo()  # what this process's reads share, for this collect
    first = list(itertools.islice(tasks, 3))
    travels, needs_main = _how_reader_travels(reader)
    started = readers is not None and readers.pool is not None and not readers.pool.closing \
        and not needs_main  # (a collect before this one may have ended them)
    with (contextlib.nullcontext(readers) if started
          else Readers(jobs if travels else 1, len(first), main=needs_main)) as chosen:
        assert chosen is not None
        if chosen is not readers and readers is not None:
            readers.drop_ahead()  # (this collect does not use them)
        if chosen.pool is None or len(first) < 3:  # readers would cost more than they save
            chosen.drop_ahead()
            for task in itertools.chain(first, tasks):
                for got in read_chunk_for_collect([task], reader, memo):
                    batch.add(got)
        else:
            from ..workers import WorkerLost

            early = None if keep or reader is not None else \
                _Early(history, batch, len(files), progress, held, chosen.n)
            try:
                _read_in_parallel(itertools.chain(first, tasks), batch, reader, memo, chosen,
                                  early)
            except WorkerLost:
                raise ReaderLost(batch.done - batch.refused_early, batch.refused_early) \
                    from None
            chosen.done()  # readers started by the caller exit while this process stores
    batch.add_held(held, stamps, reader, memo, keep)
    batch.settle(keep, history)
    if any(item.refused or item.drop for item in batch.items[:batch.done]):
        # (cannot happen: _Early stores only what settling leaves as it is)
        raise AssertionError("a file stored before settling was changed by settling")
    for item in batch.items:  # a held copy --keep names, which could not be kept
        if item.held and item.refused and item.file in deferred:
            res = deferred.pop(item.file)
            res.status = "refused"
            res.findings = list(item.refused)
            emit(res)
    for res in deferred.values():
        emit(res)
    batch.ingest(history)
    taken = {r.file for r in outcome.results if r.status != "refused"}
    outcome.open_elsewhere = [o for o in outcome.open_elsewhere if o.file in taken]
    return outcome


@dataclass
class _Read:
    """One file read for a batch: its report, packed until the batch is settled."""

    file: str
    modified: datetime | None
    packed: PackedReport
    ladder: Ladder
    key: tuple[str, str] | None  # (person key, period), None when the report has errors
    drop: dict[str, str] = field(default_factory=dict)  # tab -> the copy kept for it instead
    refused: list[Finding] = field(default_factory=list)  # why its person is refused
    held: bool = False  # already held: read only to be set against the other copies

    @property
    def tabs(self) -> dict[str, bytes]:  # filled tab -> a digest of its content
        return self.packed.tabs


class _Batch:
    """The files of one collect between reading and ingesting."""

    def __init__(self, trusted: TrustedLadders | None, emit: Callable[[IngestResult], Any],
                 cycle_periods: Sequence[str] = (), cycle_label: str = "",
                 handed_out: Mapping[str, tuple[str, str]] | None = None,
                 keep: Sequence[str] = ()):
        self.trusted = trusted
        self.handed_out = handed_out or {}
        self.keep = list(keep)
        self.emit = emit
        self.cycle_periods = list(cycle_periods)
        self.cycle_label = cycle_label
        self.items: list[_Read] = []
        self.done = 0  # items[:done] are stored (while the last files were read: _Early)
        self.refused_early = 0  # ... of which refused (a report with errors)
        self.keys: Counter[tuple[str, str]] = Counter()  # copies read of each (person, period)
        self.ladders: dict[str, Ladder] = {}  # one ladder per batch, as a rule: parsed once

    def add(self, got: ReadOutcome) -> None:
        report = got.packed_report()
        if report is None or not got.ladder_json:
            self.emit(IngestResult(file=got.file, status="refused", findings=[
                Finding(severity="error", message=got.error or "could not be read")]))
            return
        ladder = self._ladder(got.ladder_json)
        if self.trusted is not None:
            j = self.trusted.judge(ladder)
            if j.verdict != "trusted":
                self.emit(IngestResult(file=got.file, status="refused", person=report.person,
                                       period=report.period, findings=[
                                           Finding(severity="error", message=j.message or "")]))
                return
        refusal = _refusal(got.file, report.person, report.period, self.cycle_periods,
                           self.cycle_label, self.handed_out)
        if refusal is not None:
            # a copy saved over another person's file is that person's refusal (_not_whose
            # names them): status shows their tabs as refused, with the reason, not as missing
            refusal.file, refusal.content_hash = got.file, report.content_hash
            refusal.person = refusal.person or report.person
            self.emit(refusal)
            return
        item = _Read(file=got.file, modified=got.modified, ladder=ladder, key=_key(report),
                     packed=report)
        self.items.append(item)
        if item.key is not None:
            self.keys[item.key] += 1

    def add_held(self, held: Sequence[tuple[str, str]], stamps: Mapping[str, datetime | None],
                 reader: Callable[[str], ReadOutcome] | None, memo: VerifyMemo,
                 keep: Sequence[str] = ()) -> None:
        """Read again the files given that the history holds (``held``: file, person) whose
        person has another copy read in this collect, to set them against it. A held file is
        not read (its bytes are known), so a differing copy given beside it would replace its
        tab with exit 0, and saving the first again would put it back: which copy won depended
        on the order of the runs. Two copies in one collect are a conflict whichever of them
        is held. (Only these few files are read again; each is already stored, so it is never
        stored or reported again.) A held file ``keep`` names is read with its person's other
        held files: ``--keep`` must settle what it names, or say why it cannot."""
        people = {item.key[0] for item in self.items if item.key is not None}
        people.update(person_key(person) for f, person in held
                      if any(same_file(f, k) for k in keep))
        todo = [(f, None, stamps.get(f)) for f, person in held if person_key(person) in people]
        for got in read_chunk_for_collect(todo, reader, memo) if todo else []:
            report = got.packed_report()
            if report is None or not got.ladder_json or not report.ok:
                continue
            key = _key(report)
            if key is None:
                continue
            self.items.append(_Read(file=got.file, modified=got.modified, key=key,
                                    packed=report, held=True,
                                    ladder=self._ladder(got.ladder_json)))

    def _ladder(self, ladder_json: str) -> Ladder:
        ladder = self.ladders.get(ladder_json)
        if ladder is None:
            if len(self.ladders) >= 8:
                self.ladders.clear()
            ladder = self.ladders[ladder_json] = Ladder.model_validate(json.loads(ladder_json))
        return ladder

    def settle(self, keep: Sequence[str], history: History | None = None) -> None:
        """Find the copies that disagree; refuse their person, or drop what ``keep`` overrules.
        A copy already held that ``keep`` names wins only if the history still holds its
        ratings on the tab (it is not stored again, so it cannot put them back)."""
        groups: dict[tuple[str, str], list[_Read]] = {}
        for item in self.items:
            if item.key is not None:
                groups.setdefault(item.key, []).append(item)
        for copies in groups.values():
            if len(copies) < 2:
                continue
            problems: list[Finding] = []
            for tab in sorted({t for c in copies for t in c.tabs}):
                holders = [c for c in copies if tab in c.tabs]
                if len({c.tabs[tab] for c in holders}) < 2:
                    continue
                kept = [c for c in holders if any(same_file(c.file, k) for k in keep)]
                if kept and len({c.tabs[tab] for c in kept}) == 1:
                    if all(c.held for c in kept) and history is not None and \
                            _current_tab(history, copies[0], tab) != kept[0].tabs[tab]:
                        problems.append(Finding(severity="error", message=(
                            f"--keep names {kept[0].file}, which an earlier collect took, but "
                            f"the ratings held on tab {tab!r} are another copy's, collected "
                            f"since: to make {kept[0].file}'s the ones held, open it and save "
                            f"it again (it is then read anew), and collect it with --keep")))
                        continue
                    for c in holders:
                        if c.tabs[tab] != kept[0].tabs[tab]:
                            c.drop[tab] = kept[0].file
                    continue
                pick = kept[0] if kept else holders[0]
                for other in holders:
                    if other.tabs[tab] == pick.tabs[tab]:
                        continue
                    a, b = (_unpack(pick).inputs, _unpack(other).inputs)
                    ia = next(i for i in a if i.tab == tab)
                    ib = next(i for i in b if i.tab == tab)
                    problems.append(Finding(
                        severity="error", conflict_tab=tab, message=conflict_message(
                            tab, pick.file, other.file, tab_differences(pick.ladder, ia, ib))))
            for c in copies:
                c.refused = problems

    def store_next(self, history: History) -> None:
        """Store the next :data:`BATCH_FILES` files, before the batch is settled: the caller
        knows that settling would leave them as they are (:class:`_Early`)."""
        group = self.items[self.done:self.done + BATCH_FILES]
        assert len(group) == BATCH_FILES and not any(i.held or i.refused for i in group)
        self.done += BATCH_FILES
        results = self._store(history, [(item, _unpack(item)) for item in group])
        self.refused_early += sum(1 for res in results if res.status == "refused")

    def ingest(self, history: History) -> None:
        """Store the settled files (those not stored yet) in batches of :data:`BATCH_FILES`
        stored files, each in one transaction (:meth:`History.ingest_many`); results are
        emitted in the files' order, each batch's once it is committed."""
        group: list[tuple[_Read, Report]] = []
        stored = 0
        for item in self.items[self.done:]:
            if item.held:
                continue
            group.append((item, _unpack(item)))
            if not item.refused:
                stored += 1
            if stored >= BATCH_FILES:
                self._store(history, group)
                group, stored = [], 0
        if group:
            self._store(history, group)

    def _store(self, history: History, group: Sequence[tuple[_Read, Report]]
               ) -> list[IngestResult]:
        """Store ``group`` in one transaction and emit each file's result; returns them."""
        todo: list[IngestItem] = []
        for item, report in group:
            if item.refused:
                continue
            if item.drop:
                report.inputs = [i.model_copy(update={"levels": {}, "comments": {}})
                                 if i.tab in item.drop else i for i in report.inputs]
                # a finding of the copy: stored with it, as its other warnings are
                report.findings = [*report.findings, *_overruled(item.drop)]
        self._refuse_clearing(history, group)
        for item, report in group:
            if item.refused:
                continue
            todo.append((report, item.ladder, item.modified, bool(item.drop)))
        done = iter(history.ingest_many(todo) if todo else [])
        results: list[IngestResult] = []
        for item, report in group:
            if item.refused:
                res = IngestResult(
                    file=item.file, status="refused", person=report.person, period=report.period,
                    tabs=refused_tabs(report),
                    findings=list(item.refused))
            else:
                res = next(done)
                res.file = item.file
                res.left_out = sorted(item.drop)
            self.emit(res)
            results.append(res)
        return results

    def _refuse_clearing(self, history: History,
                         group: Sequence[tuple[_Read, Report]]) -> None:
        """Refuse each copy of ``group`` that would leave blank a rating the history holds on a
        tab it replaces, unless ``--keep`` names it. The copy stored later replaces a tab
        held, and one made before the rater finished (Ana's half-filled self-rating, in the
        copy her manager returns later) would blank what she rated since, exit 0: only the
        order of two collects decided, where giving both to one collect refuses them as
        copies that disagree. One query for the group, of the people it holds only."""
        keys = {item.key for item, _ in group if item.key is not None and not item.refused
                and not any(same_file(item.file, k) for k in self.keep)}
        if not keys:
            return
        held = history.rated_tabs(keys)
        if not held:
            return
        for item, report in group:
            if item.key not in keys:
                continue
            problems = []
            for inp in report.inputs:
                got = held.get((*item.key, inp.tab.casefold()))
                if got is None or not has_content(inp):
                    continue  # a tab not held, or left blank in this copy: nothing replaced
                cats, file = got
                if same_file(file, item.file):
                    continue
                cleared = [c for c in item.ladder.categories
                           if c.id in cats and inp.levels.get(c.id) is None]
                if cleared:
                    problems.append(_clears_held(item.file, inp.tab, file, cleared))
            if problems:
                item.refused = problems


def _clears_held(file: str, tab: str, held_from: str, cleared: Sequence[Any]) -> Finding:
    """The refusal of ``file``, whose ``tab`` leaves ``cleared`` categories blank that the
    history holds from ``held_from``, with the three ways out."""
    names = ", ".join(repr(c.name) for c in cleared[:3]) + (
        f" and {len(cleared) - 3} more" if len(cleared) > 3 else "")
    return Finding(severity="error", sheet=tab, message=(
        f"this copy leaves {len(cleared)} rating(s) blank on tab {tab!r} that the history "
        f"holds from {held_from} ({names}): a copy saved before they were given? Stored, it "
        f"would blank them. If the ratings held count, collect this copy and {held_from} "
        f"together with --keep {shlex.quote(held_from)}, or clear tab {tab!r} in this copy "
        f"(its other tabs are then taken); to clear them on purpose, collect it with --keep "
        f"{shlex.quote(file)}"))


def _overruled(drop: Mapping[str, str]) -> list[Finding]:
    """The warnings of a copy whose tabs ``drop`` (tab -> the copy kept instead) were left
    out, as ``--keep`` said: one per tab, on that tab."""
    return [Finding(severity="warning", sheet=tab, message=(
        f"left out: it differs from {kept}, which --keep names")) for tab, kept in
        sorted(drop.items())]


def _forget_gone(history: History, held: Sequence[tuple[str, str]],
                 paths: Sequence[str | Path], files: Sequence[str]) -> None:
    """Forget the refusals of files that were in a folder collected now and are gone from it
    (moved out, as a refusal may say, or deleted), and of a zip there that is left alone now
    (unzipped beside itself, as its refusal said, :func:`_folder_zip`): they no longer stand
    for anything, and ``status`` would show them for good."""
    folders = [Path(p).resolve() for p in paths
               if not is_google_source(str(p)) and Path(p).is_dir()]
    if not folders:
        return
    here = {_resolved(f) for f in files}
    for file, _ in held:
        if is_google_source(file):
            continue
        path = Path(_resolved(file))
        if str(path) not in here and (not path.exists() or path.suffix.lower() == ".zip") and \
                any(path.is_relative_to(d) for d in folders):
            history.forget_refusals(file)


def _other_cycle(period: str | None, cycle_periods: Sequence[str], cycle_label: str
                 ) -> IngestResult | None:
    """The refusal of a workbook of a period the cycle's manifest does not list, else None.
    Left in the folder of a quarter, last quarter's file would go in as a new assessment of
    its own period (or, held already, pass as unchanged and leave nobody the wiser). It is
    recorded under the cycle's period, whose folder it is in, not its own, which it does
    not concern (its ``period`` is left empty for that; ``workbook_period`` keeps it)."""
    period = (period or "").strip()
    if not cycle_periods or not period or period in cycle_periods:
        return None
    return IngestResult(file="", status="refused", workbook_period=period, findings=[Finding(
        severity="error", message=(
            f"this workbook is for period {period}, but {cycle_label} lists "
            f"{', '.join(cycle_periods)}: a workbook of another cycle, left in this one's "
            "folder. Move it out, or collect it with its own cycle's manifest "
            "(--manifest FILE)"))])


def _refusal(file: str, person: str | None, period: str | None, cycle_periods: Sequence[str],
             cycle_label: str, handed_out: Mapping[str, tuple[str, str]]
             ) -> IngestResult | None:
    """Why a workbook of ``person`` and ``period`` is refused as ``file`` in this cycle,
    whatever it holds (:func:`_other_cycle`, :func:`_not_whose`, :func:`_named_for_another`);
    None when nothing says so. Asked of each file read, and of each file already held: held,
    a copy of Ana's workbook under Ben's file name would otherwise pass the next collect as
    unchanged, exit 0, and its refusal would be forgotten."""
    return (_other_cycle(period, cycle_periods, cycle_label)
            or _not_whose(file, person, period, handed_out)
            or (None if file_key(file) in handed_out
                else _named_for_another(file, person, period)))


def _not_whose(file: str, person: str | None, period: str | None,
               handed_out: Mapping[str, tuple[str, str]]) -> IngestResult | None:
    """The refusal of a file the manifest handed out for one person holding another person's
    (``person``'s) workbook, else None (a file the manifest does not list, a Google Sheet, a
    match)."""
    if not handed_out or not person or is_google_source(file):
        return None
    whose = handed_out.get(file_key(file))
    if whose is None or person_key(whose[0]) == person_key(person):
        return None
    them, manifest = whose
    return IngestResult(file="", status="refused", person=them, findings=[Finding(
        severity="error", sheet=GUIDE_SHEET, cell=a1(*GUIDE_PERSON_CELL), message=(
            f"{manifest} lists this file as {them}'s, but the workbook in it is "
            f"{person}'s: a copy of {person}'s workbook filled in and saved under "
            f"{them}'s name. Stored, its ratings would be taken as {person}'s, and "
            f"{them} would stay missing. Move it out of the folder; if the ratings are "
            f"{them}'s, enter them in the workbook rendered for {them} (sheetladder render "
            f"DEFINITION --person {shlex.quote(them)} --period {period or 'PERIOD'}); if "
            f"they are {person}'s, save them under {person}'s file name"))])


def _named_for_another(file: str, person: str | None, period: str | None
                       ) -> IngestResult | None:
    """The refusal of a file no manifest lists whose name is the one render gives another
    person's workbook of the period (:func:`roster.named_for_another`), else None. Ben filling
    a copy of Ana's workbook and saving it under his own file name would otherwise go in as
    Ana's ratings, exit 0, wherever no manifest is beside the files to say whose the file is
    (:func:`_not_whose`). (Verifying flags it too; this refusal is also asked of held files.)"""
    if is_google_source(file) or not person or not period:
        return None
    from ..roster import named_for_another, named_for_another_reason

    named = named_for_another(file, person, period)
    if named is None:
        return None
    return IngestResult(file="", status="refused", findings=[Finding(
        severity="error", sheet=GUIDE_SHEET, cell=a1(*GUIDE_PERSON_CELL),
        message=named_for_another_reason(named, person, period, " and collect it again"))])


def _current_tab(history: History, item: _Read, tab: str) -> bytes | None:
    """The digest (:func:`tab_content`) of what the history holds now on ``tab`` for the
    person and period of ``item``; None when it holds nothing there."""
    assert item.key is not None
    recs = [r for r in history.records(person_keys=[item.key[0]], with_categories=False)
            if r.period == item.key[1]]
    if not recs:
        return None
    rows = [r for r in history.current_ratings([recs[0].id]).get(recs[0].id, [])
            if r.rater_tab == tab]
    if not rows:
        return None
    return tab_content(RaterInput(
        role=rows[0].rater_role, name=rows[0].rater_name, tab=tab,
        levels={r.category_id: r.level_index for r in rows},
        comments={r.category_id: r.comment for r in rows if r.comment}))


def _key(report: PackedReport) -> tuple[str, str] | None:
    """(person key, period) of a report without errors that names both; else None."""
    if report.ok and (report.person or "").strip() and (report.period or "").strip():
        return person_key(report.person or ""), (report.period or "").strip()
    return None


def _unpack(item: _Read) -> Report:
    return item.packed.report()

def _resolved(source: str) -> str:
    return source if is_google_source(source) else str(Path(source).resolve())


def path_key(source: str) -> str:
    """What a returned file is recognised by when its bytes cannot be: its absolute path (or
    its link), hashed."""
    return hashlib.sha256(f"path:{_resolved(source)}".encode()).hexdigest()


@dataclass
class _Progress:
    """How far :func:`_to_read` is: files it will not give to read (held, unreadable, of
    another cycle), and those it gave (with their bytes)."""

    skipped: int = 0
    given: int = 0
    given_bytes: int = 0


def _to_read(history: History, files: Sequence[str], stamps: Mapping[str, datetime | None],
             emit: Callable[[IngestResult], Any], keep_bytes: bool,
             held: list[tuple[str, str]] | None = None,
             defer: Callable[[str, IngestResult], bool] | None = None,
             cycle: tuple[Sequence[str], str] = ((), ""),
             progress: _Progress | None = None,
             handed_out: Mapping[str, tuple[str, str]] | None = None) -> Iterator[CollectTask]:
    """The files to read, in order, each with its bytes (read here, once) and modification
    time. Files whose bytes are already held are emitted as unchanged and never read again;
    running collect again on a folder costs one hash per file. Files that cannot be opened are
    emitted as refused; Google Sheets (no bytes to hash) are always read. ``held`` is given
    the name and person of each file already held; ``defer(name, result)`` True keeps
    that file's result to be emitted by the caller. A held file is refused as if read when
    :func:`_refusal` says so: of a period the cycle (``cycle``: its periods and what lists
    them) does not list, or held as one person's under another's file name (``handed_out``:
    the manifest's files, or the name render gives).
    ``progress`` counts the files given to read and the others."""
    for block in _blocks(files):
        got: list[tuple[str, bytes | None, str | None]] = []
        for name, data in block:
            if isinstance(data, UnreadableWorkbook):
                emit(IngestResult(file=name, status="refused", findings=[Finding(
                    severity="error", message=f"not a readable workbook: {data.reason}")]))
                if progress is not None:
                    progress.skipped += 1
                continue
            got.append((name, data, None if data is None else hashlib.sha256(data).hexdigest()))
        known = history.held_hashes(sorted({d for _, _, d in got if d is not None}))
        for name, data, digest in got:
            if digest is not None and digest in known:
                if progress is not None:
                    progress.skipped += 1
                person, period, taken_as = known[digest]
                # judged by its name only when its bytes were taken as another file (Ben's
                # copy of Ana's workbook, Ana's held): a file taken as itself was judged so
                # then, and the history's name of its person may have changed since (--rename)
                other = (_refusal(name, person, period, *cycle, handed_out or {})
                         if file_key(taken_as) != file_key(name) else
                         _other_cycle(period, *cycle))
                if other is not None:
                    other.file, other.content_hash = name, digest
                    other.person = other.person or person
                    emit(other)
                    continue
                if held is not None:
                    held.append((name, person))
                res = IngestResult(file=name, status="unchanged", person=person, period=period,
                                   content_hash=digest)
                if defer is None or not defer(name, res):
                    emit(res)
            else:
                if progress is not None:
                    progress.given += 1
                    progress.given_bytes += len(data or b"")
                yield name, data if keep_bytes else None, stamps.get(name)


def _blocks(files: Sequence[str]) -> Iterator[list[tuple[str, bytes | UnreadableWorkbook | None]]]:
    """Files in blocks of at most :data:`_BLOCK_FILES` files and about :data:`_BLOCK_BYTES`,
    each with its bytes (None for a Google Sheet; UnreadableWorkbook when it cannot be read)."""
    block: list[tuple[str, bytes | UnreadableWorkbook | None]] = []
    size = 0
    for name in files:
        data: bytes | UnreadableWorkbook | None = None
        if not is_google_source(name):
            try:
                data = read_file_bytes(name)
                size += len(data)
            except UnreadableWorkbook as e:
                data = e
        block.append((name, data))
        if len(block) >= _BLOCK_FILES or size >= _BLOCK_BYTES:
            yield block
            block, size = [], 0
    if block:
        yield block


def _how_reader_travels(reader: Callable[[str], ReadOutcome] | None) -> tuple[bool, bool]:
    """Whether a caller's ``reader`` can go to reader processes at all (a lambda or a closure
    cannot: it is then run here, for every file), and whether they need the main script for it
    (a function defined there, or anything that refers to it)."""
    if reader is None:
        return True, False
    try:
        data = pickle.dumps(reader, pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - pickle raises PicklingError, AttributeError, TypeError
        return False, False
    return True, b"__main__" in data


class _Early:
    """Storing while the last files are read (issue 17).

    Once every file is read, this process would store alone while the readers sit idle. So,
    when what is left to read would take the readers no longer than telling those files'
    persons and storing would take it (:data:`_STORE_TO_READ`, :data:`_TELL_TO_READ`), it
    stops reading and stores the files read so far, in the batches :meth:`_Batch.ingest` would
    make, each committed as it would commit it: only the settling of the batch is not waited
    for. That is safe for a file only when settling it cannot change it: no other copy of its
    person and period was read, none of its person is among the files already held
    (:meth:`_Batch.add_held`), and none of its person or bytes can be among the files still to
    read. For that last point, every file left is taken (hashed, so the held ones are known)
    when this starts, and each one's person is read from its hidden sheet
    (:func:`assessed_person_of`, a fraction of reading it), a few at a time between keeping
    the readers busy; a file whose person or bytes are among those left waits for them to be
    read, and a file left whose person cannot be told stops all storing until the batch is
    settled, as before."""

    def __init__(self, history: History, batch: _Batch, total: int, progress: _Progress,
                 held: Sequence[tuple[str, str]], n_readers: int):
        self.history = history
        self.batch = batch
        self.total = total  # files given
        self.progress = progress
        self.held = held  # (file, person) of the files held: all of them once all are looked at
        self.n_readers = n_readers
        self.added = 0  # files read and added to the batch
        self.started = False
        self.stopped = False  # a file left cannot be told apart from others: store after settling
        self.todo: deque[CollectTask] = deque()  # files left whose person is still to be told
        self.read_since: set[str] = set()  # files added since this started
        self.unread: dict[str, tuple[str, str]] = {}  # file left -> its person, its bytes' hash
        self.people: Counter[str] = Counter()  # the persons of the files left
        self.hashes: Counter[str] = Counter()  # the bytes' hashes of the files left
        self.held_people: set[str] = set()

    def left(self) -> int:
        """Files still to be read: those given to read and not yet added, and those not looked
        at yet (some may turn out held)."""
        return self.total - self.progress.skipped - self.added

    def due(self) -> bool:
        """Whether to stop reading here and store: the readers' work left (files left to read
        between them) is no more than this process's (telling those, storing them and the files
        read), and the files left are few enough to hold all at once."""
        n = self.n_readers
        if self.started or n * _TELL_TO_READ >= 1:
            # (the second: telling a file costs this process more than reading it costs the
            # readers between them, and storing early would only add the telling to what this
            # process does alone)
            return False
        left = self.left()
        unstored = len(self.batch.items) - self.batch.done
        p = self.progress
        size = left * p.given_bytes / p.given if p.given else 0
        return left <= _EARLY_MOST_FILES and size <= _EARLY_MOST_BYTES and \
            left * (1 - n * _TELL_TO_READ) <= (left + unstored) * n * _STORE_TO_READ

    def start(self, waiting: Sequence[Sequence[CollectTask]],
              chunks: Iterator[list[CollectTask]]) -> Iterator[list[CollectTask]]:
        """Take every chunk left (the files are hashed; those held are known) and note the
        files left to read: ``waiting``, the chunks sent or read and not yet added, and those
        left. Returns the chunks left, to be read as before."""
        self.started = True
        rest: deque[list[CollectTask]] = deque()
        size = 0
        for chunk in chunks:
            rest.append(chunk)
            size += sum(len(task[1] or b"") for task in chunk)
            if size > _EARLY_MOST_BYTES:  # bigger than they looked: read them as before
                self.stopped = True
                return itertools.chain(_taken(rest), chunks)
        self.todo.extend(itertools.chain(*waiting, *rest))
        self.held_people = {person_key(person) for _, person in self.held}
        return _taken(rest)

    def tell(self) -> bool:
        """Tell the person of a few more files left (a chunk's worth); whether there were any."""
        if self.stopped or not self.todo:
            return False
        for _ in range(_CHUNK_FILES):
            if not self.todo:
                break
            path, data, _ = self.todo.popleft()
            if path in self.read_since:
                continue
            person = assessed_person_of(path, data)
            if person is None or data is None or path in self.unread:
                self.stopped = True
                self.todo.clear()
                break
            digest = hashlib.sha256(data).hexdigest()
            self.unread[path] = (person, digest)
            self.people[person] += 1
            self.hashes[digest] += 1
        return True

    def read(self, outcomes: Sequence[ReadOutcome]) -> None:
        """These files are read and added to the batch."""
        self.added += len(outcomes)
        if not self.started:
            return
        for got in outcomes:
            self.read_since.add(got.file)
            person, digest = self.unread.pop(got.file, ("", ""))
            if person:
                for counts, key in ((self.people, person), (self.hashes, digest)):
                    counts[key] -= 1
                    if not counts[key]:
                        del counts[key]

    def store(self) -> bool:
        """Store the next batch of files if settling cannot change them; whether it did."""
        if not self.started or self.stopped or self.todo:
            return False
        batch = self.batch
        group = batch.items[batch.done:batch.done + BATCH_FILES]
        if len(group) < BATCH_FILES or not all(map(self._settled, group)):
            return False
        batch.store_next(self.history)
        return True

    def _settled(self, item: _Read) -> bool:
        if item.packed.content_hash in self.hashes:
            return False  # the same bytes left to read (under another name)
        if item.key is None:  # a report with errors: refused, whatever the other copies hold
            return True
        person = item.key[0]
        return self.batch.keys[item.key] == 1 and person not in self.people \
            and person not in self.held_people


def _kept(chunk: list[CollectTask], early: _Early | None) -> list[CollectTask] | None:
    """What ``ahead`` keeps of a chunk: its tasks while ``early`` may still be told them."""
    return chunk if early is not None and not early.started else None


def _taken(chunks: deque[list[CollectTask]]) -> Iterator[list[CollectTask]]:
    """The chunks, each let go of as it is taken (their bytes are freed once read)."""
    while chunks:
        yield chunks.popleft()


def _read_in_parallel(tasks: Iterable[CollectTask], batch: "_Batch",
                      reader: Callable[[str], ReadOutcome] | None, memo: VerifyMemo,
                      readers: Readers, early: _Early | None = None) -> None:
    """Read every task into ``batch``, in order: in the reader processes of ``readers``, and
    in this one whenever the oldest chunk it waits for is still being read, until storing
    here is the better use of it (``early``: storing before the batch is settled, what
    settling cannot change)."""
    from concurrent.futures import FIRST_COMPLETED, Future, wait

    work: Callable[[list[CollectTask]], list[ReadOutcome]] = (
        functools.partial(read_chunk_for_collect, reader=reader) if reader
        else read_chunk_for_collect)
    # Chunks in the order their files are applied: sent to a reader (a Future), or read here
    # while the readers were busy (the outcomes); each with its tasks until ``early`` started
    # (it is told the files left then), None after.
    ahead: deque[tuple[list[CollectTask] | None,
                       Future[list[ReadOutcome]] | list[ReadOutcome]]] = deque()
    sent = 0  # Futures in ``ahead``
    chunks = chunked(tasks)
    if reader is not None:
        readers.drop_ahead()  # (read ahead with the reader's own reading)
    more = True
    pool = readers.pool
    assert pool is not None  # the caller reads here when no reader was started
    n_readers = readers.n
    while more or ahead:
        while more and sent < n_readers * _CHUNKS_PER_READER:
            chunk = next(chunks, None)
            if chunk is None:
                more = False
                break
            future = readers.taken_ahead(chunk) if reader is None else None
            ahead.append((_kept(chunk, early), future or pool.submit(work, chunk)))
            sent += 1
        while ahead and (isinstance(ahead[0][1], list) or ahead[0][1].done()):
            _, head = ahead.popleft()
            if not isinstance(head, list):
                sent -= 1
                head = head.result()
            for got in head:
                batch.add(got)
            if early is not None:
                early.read(head)
        if not ahead:
            continue
        if early is not None:
            if early.due():
                chunks = early.start([c for c, _ in ahead if c is not None], chunks)
            if early.tell() or early.store():
                continue
        # The oldest chunk is still being read: read the next one here meanwhile.
        if more and len(ahead) < 2 * n_readers * _CHUNKS_PER_READER:
            chunk = next(chunks, None)
            if chunk is None:
                more = False
            elif reader is None and (future := readers.taken_ahead(chunk, queued=False)):
                ahead.append((_kept(chunk, early), future))  # a reader is at it already
                sent += 1
            else:
                ahead.append((_kept(chunk, early), read_chunk_for_collect(chunk, reader, memo)))
        else:
            oldest = ahead[0][1]
            assert not isinstance(oldest, list)
            wait([oldest], return_when=FIRST_COMPLETED)
    readers.drop_ahead()
