"""Where collect's files come from and the reader processes that read them: what ``collect``
needs before the first file is read, kept apart from the reader itself (:mod:`.read`), whose
import (the ladder, plan and verifying modules: ~0.2 s) a reader process does at the same time
instead of after it (:meth:`Readers.read_ahead`)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadInput, UnreadableWorkbook
from ..google.read import is_google_source
from ..process import default_jobs
from ..xlsx.archive import read_file_bytes

if TYPE_CHECKING:
    from ..workers import WorkerPool
    from .read import ReadOutcome

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Spreadsheets a folder may hold that are no workbook collect reads (a rep saved the returned
# file in LibreOffice's or Numbers' own format, or as .xls): taken from a folder all the same,
# so that each is refused by name with what to do ("save it as .xlsx") instead of being
# silently left out, and ``status`` shows it as refused rather than not returned.
OTHER_SPREADSHEET_SUFFIXES = (".xls", ".xlsb", ".xltx", ".xltm", ".ods", ".fods", ".ots",
                              ".numbers")
FOLDER_SUFFIXES = WORKBOOK_SUFFIXES + OTHER_SPREADSHEET_SUFFIXES


def find_workbooks(paths: Sequence[str | Path]) -> tuple[list[str], list[str]]:
    """Sources to collect: each file given, the workbooks found under each folder given, and
    Google Sheets URLs or ids as they are; and the paths given that do not exist."""
    files: list[str] = []
    missing: list[str] = []
    seen: set[str] = set()
    for raw in paths:
        if isinstance(raw, str) and is_google_source(raw):
            if raw not in seen:
                seen.add(raw)
                files.append(raw)
            continue
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*")
                           if f.is_file() and f.suffix.lower() in FOLDER_SUFFIXES
                           and not f.name.startswith(("~$", ".")))
        elif p.is_file():
            found = [p]
        else:
            missing.append(str(raw))
            continue
        for f in found:
            key = str(f.resolve())
            if key not in seen:
                seen.add(key)
                files.append(str(f))
    return files, missing


MOST_JOBS = 8  # processes at work in a collect by default at most: one process stores them all
CHUNK_FILES = 4  # files per task sent to a reader process
CHUNK_BYTES = 4 * 2**20  # ... or fewer, when they are big
# chunks sent to the readers before the history is opened (Readers.read_ahead): with 8, the
# reader read them by ~0.75 s and waited 0.04-0.15 s for collect's next chunk; with 16, never
AHEAD_CHUNKS = 16
AHEAD_BYTES = 4 * 2**20  # ... or fewer, when the files are big

CollectTask = tuple[str, bytes | None, datetime | None]
"""One file for a reader: its path (or Google Sheet), its bytes if already read, its mtime."""


def oldest_first(files: Sequence[str], stamps: Mapping[str, datetime | None]) -> list[str]:
    """The order ``collect`` takes files in: oldest first (``stamps``: each one's modification
    time), then by name."""
    return sorted(files, key=lambda f: (stamps[f] or datetime.min, f))


def chunked(tasks: Iterable[CollectTask]) -> Iterator[list[CollectTask]]:
    """Tasks in chunks of at most :data:`CHUNK_FILES` files and about :data:`CHUNK_BYTES`:
    what one task of a reader process reads."""
    chunk: list[CollectTask] = []
    size = 0
    for task in tasks:
        chunk.append(task)
        size += len(task[1] or b"")
        if len(chunk) >= CHUNK_FILES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def reader_processes(jobs: int = 0) -> int:
    """Reader processes for ``jobs`` processes at work (0: ``process.default_jobs``, one per
    core, at most :data:`MOST_JOBS`).

    The collecting process is one of the ``jobs``: it stores every file read (2–3 ms each
    on a two-core machine, batched: issue 17) and reads files itself whenever the oldest chunk it
    waits for is still being read. On two cores, one reader process and this one both read,
    and a second reader process would only hold its own ~55 MiB. 0 reader processes: the
    collecting process reads everything."""
    return max(1, jobs or default_jobs(most=MOST_JOBS)) - 1


def _start_reader(parent: int) -> None:
    """A reader pool's initializer, in the reader process: :func:`.read.start_reader`."""
    from .read import start_reader

    start_reader(parent)


class Readers:
    """Reader processes for one collect, started before it needs them.

    A reader process takes about half a second to start (a new interpreter importing the
    reader); started here, before the trusted ladders are parsed and the history is opened, it
    starts while this process does that work, on the other core, instead of after it. Use as
    a context manager around the collect it serves: the processes end with it. With fewer
    than two processes at work, or too few files to share, none is started; and no more than
    there are chunks of :data:`CHUNK_FILES` files to give them (each holds ~55 MiB). ``main``:
    the readers load the parent's main script first, for a ``reader`` defined there."""

    def __init__(self, jobs: int = 0, files: int = 0, main: bool = False):
        self.n = min(reader_processes(jobs), max(1, files // CHUNK_FILES)) if files >= 3 else 0
        self.main = main
        self.pool: WorkerPool | None = None
        # chunks sent by read_ahead, in order, each with its Future, until collect takes them
        self._ahead: deque[tuple[list[CollectTask], Future[list[ReadOutcome]]]] = deque()
        self._dropped: list[Future[list[ReadOutcome]]] = []  # dropped while with a reader

    def read_ahead(self, files: Sequence[str]) -> None:
        """Send the readers the first chunks of ``files`` as ``collect`` would take them
        (:func:`oldest_first`, :func:`chunked`), before the history is opened and the trusted
        ladders are parsed: a reader process is ready to read before this one is ready to give
        it its first file (about 0.2 s on two cores), and would wait. ``collect`` takes each
        chunk read ahead that is the very chunk it would send (the same files, bytes and
        times), in order, and drops the rest at the first that differs (a file already held,
        say, is left out of its chunks): a chunk read ahead and not taken only cost a reader
        its time. Google Sheets, files that cannot be read and a file that would take what is
        read ahead past :data:`AHEAD_BYTES` end it."""
        if self.pool is None or self._ahead:
            return
        stamps = {f: file_modified(f) for f in files}
        tasks: list[CollectTask] = []
        size = 0
        for f in oldest_first(files, stamps)[:AHEAD_CHUNKS * CHUNK_FILES]:
            if is_google_source(f):
                break
            try:
                if size + os.path.getsize(f) > AHEAD_BYTES:
                    break  # (a big file is read once, when collect reads it)
                data = read_file_bytes(f)
            except (OSError, UnreadableWorkbook):
                break
            size += len(data)
            tasks.append((f, data, stamps[f]))
        from ..workers import WorkerLost
        from .read import read_chunk_for_collect

        try:
            for chunk in chunked(tasks):
                self._ahead.append((chunk, self.pool.submit(read_chunk_for_collect, chunk)))
        except WorkerLost:  # a reader died already: collect says so when it sends its own
            self.drop_ahead()

    def taken_ahead(self, chunk: list[CollectTask], queued: bool = True
                    ) -> Future[list[ReadOutcome]] | None:
        """The Future of ``chunk`` if it is the next chunk read ahead (else every chunk read
        ahead is dropped: the chunks ``collect`` sends differ from here on). ``queued``
        False: only if a reader has begun it; one still waiting for a reader is withdrawn
        (None: the caller reads it itself)."""
        if not self._ahead:
            return None
        tasks, future = self._ahead[0]
        if tasks != chunk:  # the same names, bytes and modification times, in the same order
            self.drop_ahead()
            return None
        self._ahead.popleft()
        if not queued and future.cancel():
            return None
        return future

    def drop_ahead(self) -> None:
        """Forget the chunks read ahead that no collect took (those not yet with a reader are
        not read at all; leaving the context does not wait for the others)."""
        while self._ahead:
            future = self._ahead.popleft()[1]
            if not future.cancel():
                self._dropped.append(future)

    def __enter__(self) -> Readers:
        if self.n:
            from ..workers import WorkerPool

            self.pool = WorkerPool(self.n, initializer=_start_reader, initargs=(os.getpid(),),
                                   main=self.main)
        return self

    def done(self) -> None:
        """Every file is read: the processes are told to end now, without waiting for them, so
        that they exit while this one stores what they read (leaving the context waits)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False)

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.drop_ahead()
        if self.pool is not None:
            if exc_type is None and any(not f.done() for f in self._dropped):
                # a reader is still reading a chunk no collect took, and nothing else: the
                # pool's own exit would wait for it
                self.pool.shutdown(wait=True, cancel_futures=True, kill=True)
            else:
                self.pool.__exit__(exc_type, *rest)
            self.pool = None


def file_modified(path: str) -> datetime | None:
    """A file's modification time in UTC, or None for a non-file source."""
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc).replace(tzinfo=None)
    except OSError:
        return None


class KeepError(BadInput):
    """A ``--keep FILE`` that names none of the files given: a typo would otherwise leave the
    conflict it was meant to settle in place, and say nothing."""


def check_keep(keep: Sequence[str], sources: Sequence[str]) -> None:
    """Refuse (before any reading) a ``keep`` that is none of ``sources``."""
    unknown = [k for k in keep if not any(same_file(s, k) for s in sources)]
    if unknown:
        raise KeepError(f"--keep {unknown[0]}: not one of the workbooks given; --keep names "
                        "the copy to use, as it is given (a file inside a folder given counts)")


def same_file(a: str, b: str) -> bool:
    """Whether two names given for files name the same one (a path as given, or resolved; a
    Google Sheet by its id, whatever link or bare id names it)."""
    if a == b:
        return True
    if is_google_source(a) or is_google_source(b):
        from ..google.read import spreadsheet_id

        try:
            return is_google_source(a) and is_google_source(b) and \
                spreadsheet_id(a) == spreadsheet_id(b)
        except BadInput:
            return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
