"""The reader processes are sent collect's first files before the history is opened
(``Readers.read_ahead``; issue 17: a reader was ready about 0.2 s before it got a file).
A chunk read ahead is used only when it is the very chunk collect would send: the same
files, bytes and times, in the same order. These tests check that what is read ahead is used,
that whatever collect would send otherwise (a file held already, changed or removed since,
one more file among the first) is read as it is now, and that every outcome and the history
are then what they are without reading ahead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheetladder import workers
from sheetladder.definition import Ladder, load_text
from sheetladder.results import collect as collect_mod
from sheetladder.results import read as read_mod
from sheetladder.results import readers as readers_mod
from sheetladder.results.collect import ReaderLost, collect
from sheetladder.results.readers import Readers
from sheetladder.results.store import History

from .conftest import ROOT, SMALL, run
from .test_collect_batches import _content
from .test_collect_early import _folder, _workbook
from .test_history import assert_consistent

N = readers_mod.AHEAD_CHUNKS * readers_mod.CHUNK_FILES + 8  # files: more than are read ahead


@pytest.fixture(scope="module")
def small() -> Ladder:
    return load_text(SMALL, "small.yaml")


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[bool, bool]]]:
    """Each chunk collect looked for among those read ahead: (whether a reader's copy could be
    taken while still queued, whether it was taken)."""
    seen: list[tuple[bool, bool]] = []
    real = Readers.taken_ahead

    def taken_ahead(self: Readers, chunk: Any, queued: bool = True) -> Any:
        had = bool(self._ahead)
        got = real(self, chunk, queued)
        if had:
            seen.append((queued, got is not None))
        return got

    monkeypatch.setattr(Readers, "taken_ahead", taken_ahead)
    yield seen


def _collect(db: str, folder: Path, ahead: list[str] | None, before: Any = None
             ) -> tuple[Any, ...]:
    """Collect ``folder`` with a reader process started first (as the CLI does), having sent
    it ``ahead`` first (None: nothing read ahead); ``before()`` runs between the two."""
    with Readers(2, N) as readers:
        assert readers.pool is not None
        if ahead is not None:
            readers.read_ahead(ahead)
        if before is not None:
            before()
        with History(db) as h:
            out = collect(h, [folder], jobs=2, trusted=None, readers=readers)
    assert_consistent(db)
    return sorted((Path(r.file).name, r.status, r.person, [f.message for f in r.findings])
                  for r in out.results), _content(db)


def _files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.iterdir())


def test_the_chunks_read_ahead_are_taken_and_give_what_reading_them_later_gives(
        tmp_path: Path, small: Ladder, taken: list[tuple[bool, bool]]) -> None:
    folder = _folder(tmp_path / "in", small, N)
    got = _collect(f"sqlite:///{tmp_path / 'a.sqlite'}", folder, _files(folder))
    sent = readers_mod.AHEAD_CHUNKS
    assert len(taken) == sent  # every chunk read ahead was looked for, once
    # the first sent to the reader are taken; then each is, but those still waiting for the
    # reader when this process would read them itself (it then reads them, the reader never)
    first = collect_mod._CHUNKS_PER_READER
    assert taken[:first] == [(True, True)] * first
    assert all(ok for queued, ok in taken if queued)
    assert got == _collect(f"sqlite:///{tmp_path / 'b.sqlite'}", folder, None)
    assert sum(1 for _, status, _, _ in got[0] if status == "added") == N


def test_a_file_changed_after_it_was_read_ahead_is_read_as_it_is_now(
        tmp_path: Path, small: Ladder, taken: list[tuple[bool, bool]]) -> None:
    folder = _folder(tmp_path / "in", small, N)
    first = _files(folder)

    def change() -> None:  # the oldest file, saved again with another person's workbook
        stamp = os.stat(folder / "00.xlsx").st_mtime
        _workbook(tmp_path, "other.xlsx", small, "Someone Else", seed=5, age=0)
        os.replace(tmp_path / "other.xlsx", folder / "00.xlsx")
        os.utime(folder / "00.xlsx", (stamp, stamp))

    got = _collect(f"sqlite:///{tmp_path / 'a.sqlite'}", folder, first, change)
    assert taken and not any(ok for _, ok in taken)  # nothing read ahead was used
    people = {name: person for name, _, person, _ in got[0]}
    assert people["00.xlsx"] == "Someone Else"
    assert got == _collect(f"sqlite:///{tmp_path / 'b.sqlite'}", folder, None)


def test_a_held_file_among_the_first_drops_what_was_read_ahead(
        tmp_path: Path, small: Ladder, taken: list[tuple[bool, bool]]) -> None:
    folder = _folder(tmp_path / "in", small, N)
    held = tmp_path / "held"
    held.mkdir()
    shutil.copy2(folder / "01.xlsx", held / "01.xlsx")
    dbs = [f"sqlite:///{tmp_path / name}" for name in ("a.sqlite", "b.sqlite")]
    for db in dbs:
        with History(db) as h:
            collect(h, [held], jobs=1, trusted=None)
    got = _collect(dbs[0], folder, _files(folder))
    assert taken == [(True, False)]  # the first chunk differs: one file of it is held
    statuses = {name: status for name, status, _, _ in got[0]}
    assert statuses["01.xlsx"] == "unchanged"
    assert sum(s == "added" for s in statuses.values()) == N - 1
    assert got == _collect(dbs[1], folder, None)


def test_files_read_ahead_from_another_list_are_not_taken_for_those_collect_finds(
        tmp_path: Path, small: Ladder, taken: list[tuple[bool, bool]]) -> None:
    # read ahead from a list that lacks a file collect finds first (added since), or that
    # names a file gone since: the chunks differ from the first, and all is read as it is
    folder = _folder(tmp_path / "in", small, N)
    listed = _files(folder)
    _workbook(folder, "new.xlsx", small, "Person New", seed=3, age=N + 20)  # the oldest
    got = _collect(f"sqlite:///{tmp_path / 'a.sqlite'}", folder, listed)
    assert taken == [(True, False)]
    assert got == _collect(f"sqlite:///{tmp_path / 'b.sqlite'}", folder, None)
    taken.clear()
    gone = tmp_path / "gone"
    shutil.copytree(folder, gone)
    listed = _files(gone)
    got = _collect(f"sqlite:///{tmp_path / 'c.sqlite'}", gone, listed,
                   lambda: os.remove(gone / "new.xlsx"))
    assert taken == [(True, False)]
    assert "new.xlsx" not in {name for name, _, _, _ in got[0]}
    assert got == _collect(f"sqlite:///{tmp_path / 'd.sqlite'}", gone, None)


def test_nothing_is_read_ahead_without_reader_processes_or_twice(tmp_path: Path,
                                                                 small: Ladder) -> None:
    folder = _folder(tmp_path / "in", small, 6)
    with Readers(1, 6) as none:  # one process at work: this one, no reader
        none.read_ahead(_files(folder))
        assert none.pool is None and not none._ahead
    with Readers(2, 6) as readers:
        readers.read_ahead(_files(folder))
        first = list(readers._ahead)
        readers.read_ahead(_files(folder))
        assert list(readers._ahead) == first
        assert [len(chunk) for chunk, _ in first] == [readers_mod.CHUNK_FILES, 2]
        readers.drop_ahead()
        assert not readers._ahead


def test_the_command_line_starts_the_readers_before_it_imports_the_reader() -> None:
    # importing the command line, and what collect needs before its reader processes start
    # (finding the files, starting the processes), imports neither the ladder models nor the
    # reader: those take ~0.2 s, which the reader processes spend importing them meanwhile
    code = ("import sys\n"
            "import sheetladder.cli, sheetladder.results.readers, sheetladder.workers\n"
            "print(sorted(m for m in ('pydantic', 'sheetladder.definition', "
            "'sheetladder.results.read', 'sqlalchemy') if m in sys.modules))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == "[]"


def test_what_is_read_ahead_stays_within_its_bytes(tmp_path: Path, small: Ladder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:

    folder = _folder(tmp_path / "in", small, 6)
    files = readers_mod.oldest_first(_files(folder),
                                     {f: readers_mod.file_modified(f) for f in _files(folder)})
    one = os.path.getsize(files[0])
    for limit, want in ((one - 1, []), (one + os.path.getsize(files[1]) - 1, files[:1])):
        monkeypatch.setattr(readers_mod, "AHEAD_BYTES", limit)
        with Readers(2, 6) as readers:
            readers.read_ahead(_files(folder))
            assert [name for chunk, _ in readers._ahead for name, _, _ in chunk] == want


def test_a_file_whose_time_alone_changed_after_it_was_read_ahead_is_taken_with_its_time_now(
        tmp_path: Path, small: Ladder, taken: list[tuple[bool, bool]]) -> None:
    folder = _folder(tmp_path / "in", small, N)
    stamp = os.stat(folder / "00.xlsx").st_mtime
    got = _collect(f"sqlite:///{tmp_path / 'a.sqlite'}", folder, _files(folder),
                   lambda: os.utime(folder / "00.xlsx", (stamp + 1, stamp + 1)))  # still oldest
    assert taken[0] == (True, False)
    assert got == _collect(f"sqlite:///{tmp_path / 'b.sqlite'}", folder, None)


def test_the_collect_command_reads_ahead(tmp_path: Path, small: Ladder,
                                         taken: list[tuple[bool, bool]]) -> None:
    folder = _folder(tmp_path / "in", small, N)
    code, out = run("collect", str(folder), "--db", str(tmp_path / "h.sqlite"), "--jobs", "2",
                    "--trust-new")
    assert code == 0, out
    assert f"{N} added" in out
    assert taken[0] == (True, True)


def test_a_reader_lost_before_it_read_ahead_is_said_by_collect(
        tmp_path: Path, small: Ladder, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path / "in", small, N)
    monkeypatch.setattr(workers, "_BOOT", "import sys; sys.exit(3)")
    with Readers(2, N) as readers:
        assert readers.pool is not None
        for w in readers.pool.workers:
            w.process.wait()
            w.receiver.join()
        readers.read_ahead(_files(folder))  # says nothing: collect does
        assert not readers._ahead
        with History(f"sqlite:///{tmp_path / 'a.sqlite'}") as h, pytest.raises(ReaderLost):
            collect(h, [folder], jobs=2, trusted=None, readers=readers)


def test_what_was_read_ahead_is_dropped_when_collect_reads_otherwise_or_nothing(
        tmp_path: Path, small: Ladder, taken: list[tuple[bool, bool]]) -> None:
    folder = _folder(tmp_path / "in", small, N)
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    # a reader of the caller's: the chunks read ahead were read the usual way, and are dropped
    with Readers(2, N) as readers:
        readers.read_ahead(_files(folder))
        with History(db) as h:
            out = collect(h, [folder], jobs=2, trusted=None, readers=readers,
                          reader=read_mod.read_for_collect)
        assert not readers._ahead
    assert sorted(r.status for r in out.results) == ["added"] * N
    assert not taken
    # everything held already: nothing read, and leaving does not wait for the readers
    got = _collect(db, folder, _files(folder))
    assert sorted(status for _, status, _, _ in got[0]) == ["unchanged"] * N
    assert not any(ok for _, ok in taken)
