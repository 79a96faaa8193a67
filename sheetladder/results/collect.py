"""collect: many workbooks, read in reader processes (and here, while they are busy), stored in
batches: one transaction per batch of files, a savepoint per file."""


import functools
import hashlib
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError as SQLAlchemyError

from ..definition import Ladder
from ..errors import UnreadableWorkbook
from ..google.read import is_google_source
from ..process import tune
from ..results.read import file_modified as file_modified
from ..results.read import read_for_collect as read_for_collect
from ..results.report import Finding
from ..xlsx.archive import read_file_bytes
from .read import CollectTask, ReadOutcome, cores, read_chunk_for_collect
from .store import History, IngestResult

# -- collecting files ------------------------------------------------------------------------------

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[str], list[IngestResult]]:
    """Sources to collect: each file given, the workbooks found under each folder given, and
    Google Sheets URLs or ids as they are. Paths that do not exist come back as refused."""
    files: list[str] = []
    missing: list[IngestResult] = []
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
                           if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES
                           and not f.name.startswith(("~$", ".")))
        elif p.is_file():
            found = [p]
        else:
            missing.append(IngestResult(file=str(raw), status="refused", findings=[
                Finding(severity="error", message="no such file or folder")]))
            continue
        for f in found:
            key = str(f.resolve())
            if key not in seen:
                seen.add(key)
                files.append(str(f))
    return files, missing


@dataclass
class CollectOutcome:
    results: list[IngestResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def refused(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "refused"]


def default_jobs() -> int:
    """Processes at work in a collect by default: one per core (at most 8)."""
    return max(1, min(cores(), 8))


def reader_processes(jobs: int = 0) -> int:
    """Reader processes for ``jobs`` processes at work (0: :func:`default_jobs`).

    The collecting process is one of the ``jobs``: it stores every file read (about 1 ms each
    since stores are batched, issue 17) and reads files itself whenever the oldest chunk it
    waits for is still being read. On two cores, one reader process and this one both read,
    and a second reader process would only hold its own ~55 MiB. 0 reader processes: the
    collecting process reads everything."""
    return max(1, jobs or default_jobs()) - 1


# Read-ahead bounds: the collecting process reads (and hashes) files in blocks, and keeps a few
# chunks of files with the reader processes; whatever the number of files, it holds no more
# than these at once, so memory does not grow with the batch.
_BLOCK_FILES = 16  # files hashed, then looked up in the history, at a time
_BLOCK_BYTES = 8 * 2**20  # ... or fewer, when they are big
_CHUNK_FILES = 4  # files per task sent to a reader process
_CHUNK_BYTES = 4 * 2**20
_CHUNKS_PER_READER = 3  # chunks sent ahead to each reader process, read or waiting
BATCH_FILES = 32  # files stored in one transaction (a savepoint each)


def collect(history: History, paths: Sequence[str | Path], *, jobs: int = 0,
            reader: Callable[[str], ReadOutcome] | None = None,
            on_result: Callable[[IngestResult], Any] | None = None,
            on_total: Callable[[int], Any] | None = None) -> CollectOutcome:
    """Read workbooks (in reader processes, and in this one while they are busy) and store
    them in batches of :data:`BATCH_FILES`, in one transaction with a savepoint per file
    (:meth:`History.ingest_many`): a file refused or already held leaves the rest of its
    batch alone, and a crash loses at most the batch being stored, never part of a file.

    Files are applied oldest first (by modification time), so when two copies of one rater's
    tab arrive in one batch the newer one ends up current. Each file is read once, by this
    process: its hash decides whether it is already held (then it costs nothing more), else its
    bytes go to a reader process, which verifies them. ``jobs`` is the processes at work
    (:func:`reader_processes`); ``reader(path)`` replaces the reading of one file (it gets the
    path, not the bytes). ``on_total(n)`` is told how many files there are,
    ``on_result(IngestResult)`` is called after each file.
    """
    files, missing = expand_paths(paths)
    stamps = {f: file_modified(f) for f in files}
    files.sort(key=lambda f: (stamps[f] or datetime.min, f))
    outcome = CollectOutcome()

    def emit(res: IngestResult) -> None:
        outcome.results.append(res)
        if on_result:
            on_result(res)

    if on_total:
        on_total(len(files) + len(missing))
    for m in missing:
        emit(m)
    tasks = _to_read(history, files, stamps, emit, keep_bytes=reader is None)
    store = _Batch(history, emit)
    n_readers = reader_processes(jobs)
    first = list(itertools.islice(tasks, 3))
    if n_readers < 1 or len(first) < 3:  # reader processes would cost more than they save
        for task in itertools.chain(first, tasks):
            store.add(read_chunk_for_collect([task], reader))
        store.flush()
        return outcome

    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    work: Callable[[list[CollectTask]], list[ReadOutcome]] = (
        functools.partial(read_chunk_for_collect, reader=reader) if reader
        else read_chunk_for_collect)
    # Chunks in the order their files are applied: sent to a reader (a Future), or read here
    # while the readers were busy (the outcomes).
    ahead: deque[Future[list[ReadOutcome]] | list[ReadOutcome]] = deque()
    sent = 0  # Futures in ``ahead``
    chunks = _chunked(itertools.chain(first, tasks))
    more = True
    with ProcessPoolExecutor(max_workers=n_readers, mp_context=get_context("spawn"),
                             initializer=tune) as pool:
        while more or ahead:
            while more and sent < n_readers * _CHUNKS_PER_READER:
                chunk = next(chunks, None)
                if chunk is None:
                    more = False
                    break
                ahead.append(pool.submit(work, chunk))
                sent += 1
            while ahead and (isinstance(ahead[0], list) or ahead[0].done()):
                head = ahead.popleft()
                if not isinstance(head, list):
                    sent -= 1
                    head = head.result()
                store.add(head)
            if not ahead:
                continue
            # The oldest chunk is still being read: do something useful meanwhile. Storing
            # costs little now (issue 17), so this process reads too, a chunk at a time.
            if store.pending:
                store.flush()
            elif more and len(ahead) < 2 * n_readers * _CHUNKS_PER_READER:
                chunk = next(chunks, None)
                if chunk is None:
                    more = False
                else:
                    ahead.append(read_chunk_for_collect(chunk, reader))
            else:
                head = ahead[0]
                assert not isinstance(head, list)
                wait([head], return_when=FIRST_COMPLETED)
    store.flush()
    return outcome


def _to_read(history: History, files: Sequence[str], stamps: Mapping[str, datetime | None],
             emit: Callable[[IngestResult], Any], keep_bytes: bool) -> Iterator[CollectTask]:
    """The files to read, in order, each with its bytes (read here, once) and modification
    time. Files whose bytes are already held are emitted as unchanged and never read again;
    running collect again on a folder costs one hash per file. Files that cannot be opened are
    emitted as refused; Google Sheets (no bytes to hash) are always read."""
    for block in _blocks(files):
        got: list[tuple[str, bytes | None, str | None]] = []
        for name, data in block:
            if isinstance(data, UnreadableWorkbook):
                emit(IngestResult(file=name, status="refused", findings=[Finding(
                    severity="error", message=f"not a readable workbook: {data.reason}")]))
                continue
            got.append((name, data, None if data is None else hashlib.sha256(data).hexdigest()))
        held = history.held_hashes(sorted({d for _, _, d in got if d is not None}))
        for name, data, digest in got:
            if digest is not None and digest in held:
                person, period = held[digest]
                emit(IngestResult(file=name, status="unchanged", person=person, period=period))
            else:
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


def _chunked(tasks: Iterable[CollectTask]) -> Iterator[list[CollectTask]]:
    """Tasks in chunks of at most :data:`_CHUNK_FILES` files and about :data:`_CHUNK_BYTES`."""
    chunk: list[CollectTask] = []
    size = 0
    for task in tasks:
        chunk.append(task)
        size += len(task[1] or b"")
        if len(chunk) >= _CHUNK_FILES or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class _Batch:
    """Read outcomes waiting to be stored, stored together (one transaction, a savepoint per
    file) once :data:`BATCH_FILES` are waiting or when :meth:`flush` is called."""

    def __init__(self, history: History, emit: Callable[[IngestResult], Any]):
        self.history = history
        self.emit = emit
        self.pending: list[ReadOutcome] = []
        self.ladders: dict[str, Ladder] = {}

    def add(self, outcomes: Iterable[ReadOutcome]) -> None:
        self.pending.extend(outcomes)
        if len(self.pending) >= BATCH_FILES:
            self.flush()

    def flush(self) -> None:
        todo, self.pending = self.pending, []
        done = iter(self.history.ingest_many(
            [(got.report, self._ladder(got.ladder_json), got.modified)
             for got in todo if got.report is not None]))
        for got in todo:
            if got.report is None:
                self.emit(IngestResult(file=got.file, status="refused", findings=[
                    Finding(severity="error", message=got.error or "could not be read")]))
            else:
                res = next(done)
                res.file = got.file
                self.emit(res)

    def _ladder(self, ladder_json: str | None) -> Ladder | None:
        if not ladder_json:
            return None
        # one ladder per batch, as a rule: parsed once (by its text; a handful kept)
        ladder = self.ladders.get(ladder_json)
        if ladder is None:
            if len(self.ladders) >= 8:
                self.ladders.clear()
            ladder = self.ladders[ladder_json] = Ladder.model_validate(json.loads(ladder_json))
        return ladder
