"""Worker processes for a batch: spawned interpreters fed tasks over two pipes each.

Why not ``concurrent.futures.ProcessPoolExecutor``: with the spawn start method (the safe one
for a parent that holds threads and a database connection) multiprocessing's queues are built
on named semaphores, and the first one starts a *resource tracker*, one more interpreter
(~15 MiB resident) for the whole batch. Spawn also runs the parent's main script again in each
worker: started by the ``sheetladder`` console script, every reader imported the whole command
line (~10 MiB) it never uses. A worker here is ``python -c`` importing this module and what its
tasks need; tasks and results are length-prefixed pickles, so nothing else is started.

A worker ends when its task pipe closes: when the pool is shut down, and when the parent dies
(the pipe's only writer is gone), so no worker outlives its batch. One that dies while it holds
tasks (killed, out of memory) breaks the pool, as a ProcessPoolExecutor's does: those tasks and
every one still queued fail with :class:`WorkerLost`, and no new task is taken.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Future
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT = 2  # tasks sent to a worker ahead of its results: one runs, the next waits in the pipe
_HEADER = struct.Struct("!Q")
# The worker's path is its parent's (as multiprocessing's spawn gives it), so that a task's
# function on a folder the parent added imports there too, with the package's parent folder
# after it: the worker imports the sheetladder its parent runs, wherever that came from.
_BOOT = ("import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
         "from sheetladder.workers import serve; serve(sys.argv[2])")
_in_worker = False
_loading_main = False  # a worker is running its parent's main script (:func:`_load_main`)


class WorkerLost(BrokenExecutor):
    """A worker process ended before it returned the results of its tasks."""


def in_worker() -> bool:
    """Whether this process is a pool's worker."""
    return _in_worker


def _send(out: IO[bytes], data: bytes) -> None:
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


def _receive(inp: IO[bytes]) -> bytes | None:
    """One message, or None at the end of the stream (the other side closed or died)."""
    head = inp.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    data = inp.read(size)
    return data if len(data) == size else None


def _boot_path() -> str:
    path = list(sys.path)
    root = _package_root()
    if root not in path:
        path.append(root)
    return json.dumps(path)


def _main_spec() -> str:
    """How a worker gets the parent's ``__main__`` (a script's path, or a ``-m`` module's name),
    or "" when it has none to get (``-c``, an interactive session, a frozen program)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and getattr(spec, "name", None):
        if spec.name == "__main__" or spec.name.endswith(".__main__"):
            return ""  # a package's __main__: its whole program (spawn skips it too)
        return json.dumps({"name": spec.name})
    file = getattr(main, "__file__", None)
    if file and not file.startswith("<") and os.path.exists(file):
        return json.dumps({"path": os.path.abspath(file)})
    return ""


def _load_main(spec: str) -> None:
    """The parent's ``__main__`` as ``__mp_main__`` (its ``if __name__ == "__main__"`` part
    does not run), so that a function defined there unpickles here, as under spawn."""
    global _loading_main
    where = json.loads(spec)
    _loading_main = True
    try:
        _run_main(where)
    finally:
        _loading_main = False


def _run_main(where: dict[str, str]) -> None:
    import runpy
    import types

    if "name" in where:
        found = runpy.run_module(where["name"], run_name="__mp_main__", alter_sys=False)
    else:
        found = runpy.run_path(where["path"], run_name="__mp_main__")
    module = types.ModuleType("__mp_main__")
    module.__dict__.update(found)
    sys.modules["__main__"] = sys.modules["__mp_main__"] = module


def serve(main: str = "") -> None:
    """A worker's life: run the initializer, then each task received, until the pipe closes.
    ``main``, when given, says where the parent's ``__main__`` is (:func:`_load_main`).

    Tasks come on stdin, results go on stdout; both are moved to other descriptors first, with
    stdin then reading nothing and stdout writing to stderr, so that a print (a library's
    warning) cannot break the stream. Ctrl-C reaches the whole process group: the parent stops
    the batch and closes the pipes; the worker ignores it rather than print a traceback."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    task_fd, result_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    with os.fdopen(task_fd, "rb") as tasks, os.fdopen(result_fd, "wb") as results:
        unloaded: Exception | None = None
        if main:
            try:
                _load_main(main)
            except Exception as e:  # noqa: BLE001 - said as every task's failure, below
                unloaded = RuntimeError(
                    f"a reader process could not load the main script ({type(e).__name__}: "
                    f"{e}); a script whose functions run in reader processes must start its "
                    "work under `if __name__ == \"__main__\":`, as with multiprocessing")
        first = _receive(tasks)
        if first is None:
            return
        initializer, initargs = pickle.loads(first)
        if initializer is not None and unloaded is None:
            initializer(*initargs)
        while (data := _receive(tasks)) is not None:
            try:
                if unloaded is not None:
                    raise unloaded
                fn, args, kwargs = pickle.loads(data)
                out: tuple[bool, Any] = (True, fn(*args, **kwargs))
            except Exception as e:  # noqa: BLE001 - a task's failure is its future's
                out = (False, e)
            try:
                reply = pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
            except Exception as e:  # noqa: BLE001 - a result or error that cannot travel
                reply = pickle.dumps((False, RuntimeError(
                    f"the worker's result could not be sent ({type(e).__name__}: {e})")))
            try:
                _send(results, reply)
            except (BrokenPipeError, OSError):
                return  # the parent is gone


def _package_root() -> str:
    return str(Path(__file__).resolve().parent.parent)


class _Worker:
    """One worker process, its two pipes, and the two threads that feed and drain them."""

    def __init__(self, pool: WorkerPool, initializer: Callable[..., Any] | None,
                 initargs: tuple[Any, ...], main: str):
        self.pool = pool
        # the worker's stdin and stdout are the pipes (portable, unlike passing other fds);
        # it moves them aside at once, so that nothing it prints can break the stream
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, _boot_path(), main],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.tasks: IO[bytes] = self.process.stdin
        self.results: IO[bytes] = self.process.stdout
        self.lock = threading.Lock()
        self.waiting: deque[Future[Any]] = deque()  # sent, in the order results come back
        self.dead = False
        self.slots = threading.Semaphore(IN_FLIGHT)
        self.first = pickle.dumps((initializer, initargs), pickle.HIGHEST_PROTOCOL)
        self.sender = threading.Thread(target=self._feed, daemon=True,
                                       name=f"sheetladder-worker-{self.process.pid}-send")
        self.receiver = threading.Thread(target=self._drain, daemon=True,
                                         name=f"sheetladder-worker-{self.process.pid}-receive")
        self.sender.start()
        self.receiver.start()

    def _feed(self) -> None:
        try:
            _send(self.tasks, self.first)
            while True:
                self.slots.acquire()
                item = self.pool.queue.get()
                if item is None:  # shut down: no more tasks
                    break
                future, data = item
                if not future.set_running_or_notify_cancel():
                    self.slots.release()
                    continue
                with self.lock:
                    if self.dead or self.pool.broken:
                        future.set_exception(WorkerLost("a worker process ended"))
                        self.slots.release()
                        continue
                    self.waiting.append(future)
                _send(self.tasks, data)
        except (BrokenPipeError, OSError, ValueError):
            pass  # the worker died: the receiver fails what it held
        finally:
            try:
                self.tasks.close()
            except OSError:
                pass

    def _drain(self) -> None:
        while True:
            try:
                data = _receive(self.results)
            except (OSError, ValueError):
                data = None
            if data is None:
                break
            with self.lock:
                future = self.waiting.popleft() if self.waiting else None
            self.slots.release()
            if future is None:
                continue
            try:
                ok, value = pickle.loads(data)
            except Exception as e:  # noqa: BLE001 - e.g. an error whose class needs other args
                ok, value = False, RuntimeError(
                    f"a worker's result could not be read ({type(e).__name__}: {e})")
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self.results.close()
        with self.lock:
            self.dead = True
            lost = list(self.waiting)
            self.waiting.clear()
        code = self.process.wait()
        if lost or (code != 0 and not self.pool.closing):
            for future in lost:
                future.set_exception(WorkerLost(
                    f"a worker process ended (exit code {code}) before it returned its results"))
            self.pool.set_broken()
        self.slots.release()  # a sender waiting for a slot sees the pool broken or closing


class WorkerPool:
    """``n`` worker processes; ``submit`` and ``map`` as a ProcessPoolExecutor's. Functions
    and arguments travel by pickle, so they must be importable (module-level). With
    ``main``, each worker first loads the parent's main script or module (as spawn does, under
    the name ``__mp_main__``), for tasks that use a function defined there; without it, a
    worker imports only what its tasks need."""

    def __init__(self, n: int, initializer: Callable[..., Any] | None = None,
                 initargs: tuple[Any, ...] = (), main: bool = False):
        self.queue: queue.SimpleQueue[tuple[Future[Any], bytes] | None] = queue.SimpleQueue()
        self.broken = False
        self.closing = False
        self._lock = threading.Lock()
        self.workers: list[_Worker] = []
        if _loading_main:
            raise RuntimeError("a worker pool started while a reader process loaded the main "
                               "script: the script's work is not under `if __name__ == "
                               "\"__main__\":`")
        where = _main_spec() if main else ""
        try:
            for _ in range(max(1, n)):
                self.workers.append(_Worker(self, initializer, initargs, where))
        except BaseException:
            self.shutdown(wait=True, kill=True)
            raise

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers]

    def submit(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
        data = pickle.dumps((fn, args, kwargs), pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self.broken:
                raise WorkerLost("a worker process ended: the pool takes no more tasks")
            if self.closing:
                raise RuntimeError("the pool is shut down")
            future: Future[R] = Future()
            self.queue.put((future, data))
        return future

    def map(self, fn: Callable[[T], R], items: Iterable[T], chunksize: int = 1) -> Iterator[R]:
        """``fn`` of each item, in order; items go to the workers ``chunksize`` at a time."""
        seq = list(items)
        size = max(1, chunksize)
        futures = [self.submit(_each, fn, seq[i:i + size]) for i in range(0, len(seq), size)]

        def results() -> Iterator[R]:
            try:
                for future in futures:
                    yield from future.result()
            finally:
                for future in futures:
                    future.cancel()

        return results()

    def set_broken(self) -> None:
        """A worker died: fail every task still queued, and take no more."""
        with self._lock:
            self.broken = True
        self._drop_queued(WorkerLost("a worker process ended before this task was read"))

    def _drop_queued(self, error: BaseException | None) -> None:
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return
            if item is None:
                self.queue.put(None)  # a sender's stop: leave it for that sender
                return
            future = item[0]
            if error is None:
                future.cancel()
            elif future.set_running_or_notify_cancel():
                future.set_exception(error)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False,
                 kill: bool = False) -> None:
        """Stop the workers once the tasks sent are done (``cancel_futures``: the queued ones
        are cancelled; ``kill``: the workers are killed at once, their tasks lost). Called
        again after one that did not ``wait``, it waits (and kills, with ``kill``)."""
        with self._lock:
            first = not self.closing
            self.closing = True
        if first:
            if cancel_futures or kill:
                self._drop_queued(None)
            for _ in self.workers:
                self.queue.put(None)
        for w in self.workers:
            if kill and w.process.poll() is None:
                w.process.kill()
            if first:
                w.slots.release()  # a sender waiting for a slot takes its stop
        if wait:  # (also after a shutdown that did not wait: the workers are waited for now)
            for w in self.workers:
                w.sender.join()
                w.receiver.join()
                w.process.wait()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        # a batch abandoned (an error, Ctrl-C) does not wait for its workers' tasks
        self.shutdown(wait=True, cancel_futures=True, kill=exc_type is not None)


def _each(fn: Callable[[T], R], items: list[T]) -> list[R]:
    return [fn(x) for x in items]
