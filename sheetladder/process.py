"""Settings for a process sheetladder owns: the command line's, and its worker processes'.

Library calls never change process-wide state. A process that runs sheetladder as its main job
(``sheetladder`` itself, a worker started by a batch, a benchmark) may call :func:`tune` once.

A worker must never outlive the command that started it: a ProcessPoolExecutor's workers wait
on a queue whose pipe they hold open themselves, so when the parent is killed (``kill -9``, an
OOM kill) they never see it close and wait forever. A :mod:`sheetladder.workers` worker sees its
task pipe close when idle, but not while it reads a long chunk. Every pool's initializer calls
:func:`exit_with_parent`.
"""

from __future__ import annotations

import atexit
import gc
import os
import threading

# A workbook planned, written or read is tens of thousands of short-lived objects, freed by
# reference counting (no cycles: xlsx.write cuts xlsxwriter's one). With the default threshold
# the cyclic collector runs every 700 allocations and walks them while they are alive, and every
# few dozen workbooks a full collection walks the whole process: 1-2 ms of a workbook's ~15.
# A higher first threshold makes those walks rare; collection itself stays on.
GEN0_THRESHOLD = 100_000


_ends_without_collecting = False


def tune() -> None:
    """Tune the garbage collector for batches of workbooks. For a process's owner only.

    Also makes the process end without the cyclic collector's walks of everything it still
    holds: while an interpreter finalises it collects several times, each time walking every
    object left (the modules imported, a batch's caches), about 0.15 s at the end of a
    ``collect`` of 1,000 files, for memory the system takes back anyway. Those objects are
    frozen at exit instead (:func:`gc.freeze`, an exit handler); what must be released at the
    end (a database connection, a file) is closed by the code that opened it, never left to
    the collector."""
    global _ends_without_collecting
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    if not _ends_without_collecting:
        _ends_without_collecting = True
        atexit.register(gc.freeze)


def cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_jobs(work: int | None = None, per_process: int = 1, most: int | None = None) -> int:
    """Processes a batch uses by default, the one rule for every batch (render, read, collect).

    One process per ``per_process`` items of ``work`` (what a process must have to do to pay
    for starting it, about half a second for a spawned worker), at most one per core, at most
    ``most`` when given, and at least one. ``work`` None: the batch's size does not decide (one
    per core). A batch of fewer than ``2 * per_process`` items is done by one process: the
    caller's own."""
    n = cores() if work is None else work // max(1, per_process)
    return max(1, min(n, cores(), most if most is not None else n))


POLL_SECONDS = 0.5


def exit_with_parent(parent: int) -> None:
    """In a worker: exit as soon as process ``parent`` is gone.

    A daemon thread checks twice a second that the worker has not been handed to another
    parent, which is what happens to the children of a dead process. (Linux's PR_SET_PDEATHSIG
    is not used: it fires when the *thread* that started the worker ends, which in a pool may
    be any thread of a parent still running.)"""
    if os.getppid() != parent:  # already orphaned before this ran
        os._exit(1)
    thread = threading.Thread(target=_watch, args=(parent,), name="sheetladder-parent-watch",
                              daemon=True)
    thread.start()


def _watch(parent: int) -> None:
    stop = threading.Event()
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != parent:
            os._exit(1)



def start_worker(parent: int) -> None:
    """A pool's initializer: the worker is ours (tuned for batches) and ends with ``parent``."""
    exit_with_parent(parent)
    tune()
