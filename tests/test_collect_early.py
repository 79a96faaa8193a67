"""Collect stores while its last files are read (issue 17: the store no longer waits, alone,
for every file to be read). It may store a file before the batch is settled only when
settling cannot change it: these tests make it store as early as it can, with copies that
disagree, held copies and files whose person cannot be told among the last files read, and
check that every outcome and the whole history are what they are when nothing is stored
before the batch is settled, and that files were indeed stored early."""

from __future__ import annotations

import math
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sheetladder.context import person_key
from sheetladder.definition import Ladder, load_text
from sheetladder.plan import build_plan
from sheetladder.results import collect as collect_mod
from sheetladder.results.collect import collect
from sheetladder.results.read import assessed_person_of, read_for_collect
from sheetladder.results.store import History
from sheetladder.xlsx.write import save

from .conftest import SMALL
from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)
from .test_collect_batches import _content
from .test_export import ctx_of
from .test_history import assert_consistent, random_ratings


@pytest.fixture(scope="module")
def small() -> Ladder:
    return load_text(SMALL, "small.yaml")


def _workbook(folder: Path, name: str, ladder: Ladder, person: str, seed: int,
              age: float, period: str = "2026-Q4") -> Path:
    """A filled workbook of ``person``, ``age`` minutes older than the newest (collect
    takes files oldest first)."""
    ctx = ctx_of(ladder, person, period, n_raters=3)
    path = folder / name
    save(build_plan(ladder, ctx, ratings=random_ratings(ladder, ctx, random.Random(seed))), path)
    t = 1_800_000_000 - int(60 * age)
    os.utime(path, (t, t))
    return path


N = 30  # files: enough for the last to be read well after the first are stored


def _folder(folder: Path, ladder: Ladder, n: int) -> Path:
    """``n`` people, one workbook each, in the order collect takes them."""
    folder.mkdir()
    for i in range(n):
        _workbook(folder, f"{i:02d}.xlsx", ladder, f"Person {i:02d}", seed=i, age=n - i + 10)
    return folder


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Collect stores before settling whenever it may (batches of two files, and storing as
    soon as it would read); gives the files it stored so."""
    monkeypatch.setattr(collect_mod, "BATCH_FILES", 2)
    monkeypatch.setattr(collect_mod, "_STORE_TO_READ", 1.0)
    stored: list[str] = []
    real = collect_mod._Batch.store_next

    def store_next(self: Any, history: History) -> None:
        stored.extend(i.file for i in self.items[self.done:self.done + collect_mod.BATCH_FILES])
        real(self, history)

    monkeypatch.setattr(collect_mod._Batch, "store_next", store_next)
    yield stored


def _outcome(db_url: str, folder: Path) -> tuple[Any, ...]:
    """Each file's result, what the history holds, and the refusals it keeps for status."""
    with History(db_url) as h:
        out = collect(h, [folder], jobs=2, trusted=None)
        refusals = sorted((Path(r.file).name, r.period, r.tabs, r.reasons)
                          for r in h.refusals())
    results = sorted((Path(r.file).name, r.status, [f.message for f in r.findings])
                     for r in out.results)
    assert_consistent(db_url)
    return results, _content(db_url), refusals


def _as_if_settled_first(monkeypatch: pytest.MonkeyPatch, folder: Path, fresh: str
                         ) -> tuple[Any, ...]:
    """The same collect into another history, storing nothing before settling."""
    with monkeypatch.context() as m:
        m.setattr(collect_mod._Early, "due", lambda self: False)
        return _outcome(fresh, folder)


@pytest.fixture
def other_db(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second empty history of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'settled.sqlite'}"
    return str(request.getfixturevalue("postgres_server").create_database())


@pytest.mark.parametrize("again_age", [0, N - 4 + 9.5], ids=["read-last", "read-soon-after"])
def test_a_second_copy_keeps_the_copy_it_disagrees_with_from_being_stored_early(
        tmp_path: Path, db_url: str, other_db: str, small: Ladder, eager: list[str],
        monkeypatch: pytest.MonkeyPatch, again_age: float) -> None:
    folder = _folder(tmp_path / "in", small, N)
    # Person 03's second copy, other ratings, taken last or two files after the first: both
    # copies are refused
    _workbook(folder, "03-again.xlsx", small, "Person 03", seed=99, age=again_age)
    got = _outcome(db_url, folder)
    assert eager, "nothing was stored before the batch was settled"
    assert str(folder / "03.xlsx") not in eager
    statuses = {name: status for name, status, _ in got[0]}
    assert statuses["03.xlsx"] == statuses["03-again.xlsx"] == "refused"
    assert sum(s == "added" for s in statuses.values()) == N - 1
    assert got == _as_if_settled_first(monkeypatch, folder, other_db)


def test_a_held_copy_given_again_keeps_a_disagreeing_copy_from_being_stored_early(
        tmp_path: Path, db_url: str, other_db: str, small: Ladder, eager: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path / "in", small, N)
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy2(folder / "03.xlsx", first / "03.xlsx")
    for url in (db_url, other_db):  # Person 03's copy is held before the collect
        with History(url) as h:
            collect(h, [first], jobs=1, trusted=None)
    # ... and given again, the newest of the files (so it is looked at last, and known to be
    # held only then), beside another copy of Person 03 that disagrees with it, read among
    # the first (the held copy is read only once every other file is)
    os.utime(folder / "03.xlsx", (1_800_000_000, 1_800_000_000))
    _workbook(folder, "03-again.xlsx", small, "Person 03", seed=77, age=N - 4 + 9.5)
    got = _outcome(db_url, folder)
    assert eager and str(folder / "03-again.xlsx") not in eager
    statuses = {name: status for name, status, _ in got[0]}
    assert statuses["03-again.xlsx"] == "refused"
    assert got == _as_if_settled_first(monkeypatch, folder, other_db)


def test_a_file_whose_person_cannot_be_told_stops_storing_before_settling(
        tmp_path: Path, db_url: str, other_db: str, small: Ladder, eager: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path / "in", small, N)
    damaged = folder / "zz-damaged.xlsx"  # could be anyone's: nothing is stored before settling
    damaged.write_bytes((folder / "05.xlsx").read_bytes()[:-200])
    os.utime(damaged, (1_800_000_000, 1_800_000_000))
    got = _outcome(db_url, folder)
    assert eager == []
    statuses = {name: status for name, status, _ in got[0]}
    assert statuses.pop("zz-damaged.xlsx") == "refused"
    assert set(statuses.values()) == {"added"}
    assert got == _as_if_settled_first(monkeypatch, folder, other_db)


def test_the_person_told_from_the_hidden_sheet_alone_is_the_one_the_read_report_names(
        tmp_path: Path, small: Ladder) -> None:
    from sheetladder.google.publish import template_context

    folder = tmp_path / "in"
    folder.mkdir()
    files = [_workbook(folder, f"{i}.xlsx", small, name, seed=i, age=i)
             for i, name in enumerate(["Ana Díaz", "  bo  chen ", "Cy Park"])]
    other = _workbook(folder, "q3.xlsx", small, "Ana Díaz", seed=5, age=9, period="2026-Q3")
    template = folder / "template.xlsx"
    save(build_plan(small, template_context(small, "2026-Q4")), template)
    for path in [*files, other]:
        data = path.read_bytes()
        report = read_for_collect(str(path), data).report
        assert report is not None and report.ok and report.person
        assert assessed_person_of(str(path), data) == person_key(report.person)
    # a template names whoever is typed on its guide; a damaged file, a Google Sheet: unknown
    assert assessed_person_of(str(template), template.read_bytes()) is None
    assert assessed_person_of(str(files[0]), files[0].read_bytes()[:-300]) is None
    assert assessed_person_of("https://docs.google.com/spreadsheets/d/x", None) is None


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "every sheet",
                                  "[Content_Types].xml", "xl/_rels/workbook.xml.rels"])
def test_telling_the_person_parses_no_dtd(tmp_path: Path, small: Ladder, part: str) -> None:
    """Told from the hidden sheet alone, the parts not read are not looked into: the parser
    of those read refuses a DTD itself, and the person is then unknown."""
    import io
    import zipfile

    from sheetladder.context import META_SHEET
    from sheetladder.errors import UnreadableWorkbook
    from sheetladder.xlsx.read import grid_from_bytes

    from .make_bad_files import rezip

    folder = tmp_path / "in"
    folder.mkdir()
    good = _workbook(folder, "ana.xlsx", small, "Ana", seed=1, age=0).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(good)).namelist()
    parts = [n for n in names if n.startswith("xl/worksheets/sheet")] if part == "every sheet" \
        else [part]
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        replace = {p: z.read(p).replace(b"?>", b"?>" + doctype, 1) for p in parts}
    bad = rezip(good, replace=replace)
    with pytest.raises(UnreadableWorkbook, match="EntitiesForbidden|DTDForbidden"):
        grid_from_bytes("bad.xlsx", bad, "fast", only=META_SHEET)
    assert assessed_person_of("bad.xlsx", bad) is None
    assert assessed_person_of("ana.xlsx", good) == "ana"


def test_a_reader_lost_after_files_were_stored_early_says_which_are_held(
        tmp_path: Path, small: Ladder, eager: list[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    from sheetladder.workers import WorkerLost

    folder = _folder(tmp_path / "in", small, N)
    real = collect_mod._Early.store

    def store_then_lose(self: Any) -> bool:
        if eager:  # a batch is stored: the reader process is lost now
            raise WorkerLost()
        return real(self)

    monkeypatch.setattr(collect_mod._Early, "store", store_then_lose)
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    with History(url) as h:
        with pytest.raises(collect_mod.ReaderLost,
                           match=r"the first 2 workbook\(s\) read were stored, each whole"):
            collect(h, [folder], jobs=2, trusted=None)
        assert h.counts()["sources"] == 2
        monkeypatch.undo()
        again = collect(h, [folder], jobs=2, trusted=None)
    assert again.count("added") == N - 2 and again.count("unchanged") == 2
    assert_consistent(url)


def test_a_refused_copy_waits_for_the_same_bytes_left_to_read(
        tmp_path: Path, db_url: str, other_db: str, small: Ladder, eager: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Person 03's workbook with an error (refused when stored), and the same bytes saved under
    the name render gives another person's workbook, taken last (refused as it is read): the
    history keeps one refusal for those bytes, the one made last, as if nothing were stored
    before settling."""
    import openpyxl

    folder = _folder(tmp_path / "in", small, N)
    wb = openpyxl.load_workbook(folder / "03.xlsx")
    wb[wb.sheetnames[2]]["A1"] = "edited"  # a rater tab's title: an error
    wb.save(folder / "03.xlsx")
    t = 1_800_000_000 - 60 * (N - 3 + 10)
    os.utime(folder / "03.xlsx", (t, t))
    other = folder / "person-07-2026-q4.xlsx"
    shutil.copy(folder / "03.xlsx", other)
    os.utime(other, (1_800_000_000, 1_800_000_000))
    got = _outcome(db_url, folder)
    assert eager and str(folder / "03.xlsx") not in eager
    statuses = {name: status for name, status, _ in got[0]}
    assert statuses["03.xlsx"] == statuses[other.name] == "refused"
    assert [r[0] for r in got[2]] == ["03.xlsx"]  # refused last, when the batch was stored
    assert got == _as_if_settled_first(monkeypatch, folder, other_db)


def test_a_reader_lost_after_a_refusal_stored_early_counts_it_apart(
        tmp_path: Path, small: Ladder, eager: list[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    import openpyxl

    from sheetladder.workers import WorkerLost

    folder = _folder(tmp_path / "in", small, N)
    wb = openpyxl.load_workbook(folder / "00.xlsx")
    wb[wb.sheetnames[2]]["A1"] = "edited"  # a rater tab's title: refused when stored
    wb.save(folder / "00.xlsx")
    t = 1_800_000_000 - 60 * (N + 10)
    os.utime(folder / "00.xlsx", (t, t))
    real = collect_mod._Early.store

    def store_then_lose(self: Any) -> bool:
        if eager:
            raise WorkerLost()
        return real(self)

    monkeypatch.setattr(collect_mod._Early, "store", store_then_lose)
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    with History(url) as h:
        with pytest.raises(collect_mod.ReaderLost, match=(
                r"the first 2 workbook\(s\) read were taken in \(1 stored, each whole, "
                r"1 refused")):
            collect(h, [folder], jobs=2, trusted=None)
        assert h.counts()["sources"] == 1


@pytest.mark.parametrize("n_readers", [1, 2, 3, 7])
def test_storing_early_starts_once_the_readers_work_left_is_no_more_than_this_processes(
        n_readers: int) -> None:
    # (the readers' time left: the files left between them; this process's: telling those and
    # storing them and the files read; in reads of a file, see _STORE_TO_READ, _TELL_TO_READ)
    def due(left: int, read: int) -> bool:
        progress = collect_mod._Progress(given=left + read, given_bytes=(left + read) * 1000)
        batch = SimpleNamespace(items=[None] * read, done=0)
        early = collect_mod._Early(None, batch, left + read, progress, [],  # type: ignore[arg-type]
                                   n_readers)
        early.added = read
        return early.due()

    def readers_done_first(left: int, read: int) -> bool:
        readers = left / n_readers
        this = left * collect_mod._TELL_TO_READ + (left + read) * collect_mod._STORE_TO_READ
        return readers <= this

    for left in (0, 10, 50, 100, 150, 200, 300, 500):
        assert due(left, 1000 - left) == readers_done_first(left, 1000 - left), left
    assert not due(600, 400)  # (more files left than are held at once)


def test_with_readers_enough_that_telling_costs_more_than_reading_nothing_is_stored_early(
        ) -> None:
    n = math.ceil(1 / collect_mod._TELL_TO_READ)
    progress = collect_mod._Progress(given=1000, given_bytes=10**6)
    early = collect_mod._Early(None, SimpleNamespace(items=[None] * 999, done=0),  # type: ignore[arg-type]
                               1000, progress, [], n)
    early.added = 999
    assert not early.due()
