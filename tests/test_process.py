"""The one rule for how many processes a batch uses by default (``process.default_jobs``)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from sheetladder import process, roster
from sheetladder.results import collect as collect_mod
from sheetladder.results import read as read_mod
from sheetladder.results import readers as readers_mod


def _on(cores: int) -> mock._patch[mock.MagicMock]:
    return mock.patch.object(process, "cores", return_value=cores)


@given(cores=st.integers(1, 64), work=st.integers(0, 10_000), per=st.integers(1, 500),
       most=st.one_of(st.none(), st.integers(1, 16)))
def test_a_batch_gets_one_process_per_share_of_work_within_the_cores(cores, work, per, most):
    with _on(cores):
        n = process.default_jobs(work, per, most)
    assert 1 <= n <= cores
    if most is not None:
        assert n <= most
    # one process per `per` items: fewer would leave a full share undone, more would start a
    # process that cannot pay for itself
    assert n == max(1, min(work // per, cores, most or cores))


def test_a_small_batch_is_done_by_the_callers_process_alone():
    with _on(8):
        assert process.default_jobs(0, 100) == 1
        assert process.default_jobs(199, 100) == 1
        assert process.default_jobs(200, 100) == 2
        assert process.default_jobs(10_000, 100) == 8


def test_without_a_size_a_batch_gets_one_process_per_core_up_to_its_limit():
    with _on(2):
        assert process.default_jobs() == 2
    with _on(32):
        assert process.default_jobs() == 32
        assert process.default_jobs(most=8) == 8


def test_render_read_and_collect_each_apply_the_one_rule_with_their_own_share():
    with _on(4):
        # render: a worker per 25 workbooks
        assert roster.PER_WORKER == 25
        assert process.default_jobs(60, roster.PER_WORKER) == 2
        # read: a worker per 100 files
        assert read_mod.PER_WORKER == 100
        assert process.default_jobs(150, read_mod.PER_WORKER) == 1
        # collect: every core at work (at most 8), the collecting process one of them
        assert readers_mod.reader_processes(0) == 3
        assert readers_mod.reader_processes(1) == 0
    with _on(16):
        assert readers_mod.reader_processes(0) == readers_mod.MOST_JOBS - 1 == 7


def test_there_is_one_default_jobs_and_one_cores():
    for mod in (roster, read_mod, collect_mod):
        for name in ("default_jobs", "cores"):
            assert getattr(mod, name, process.__dict__[name]) is process.__dict__[name], (mod, name)


def test_the_cores_counted_are_those_this_process_may_run_on():
    n = process.cores()
    assert n >= 1
    if hasattr(os, "sched_getaffinity"):
        assert n == len(os.sched_getaffinity(0))


def _python(code: str, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_a_tuned_process_ends_without_collecting_what_it_still_holds():
    # a cycle left at exit: finalising would collect it (and run its __del__); a tuned process
    # freezes it instead, after the exit handlers registered since have run
    code = ("import atexit, sys\n"
            "from sheetladder import process\n"
            "class Cycle:\n"
            "    def __del__(self): sys.stdout.write('collected\\n'); sys.stdout.flush()\n"
            "c = Cycle(); c.me = c; del c\n"
            "if sys.argv[-1] == 'tuned': process.tune()\n"
            "atexit.register(lambda: sys.stdout.write('exit handler ran\\n'))\n")
    plain = _python(code.replace("sys.argv[-1] == 'tuned'", "False"))
    tuned = _python(code.replace("sys.argv[-1] == 'tuned'", "True"))
    assert plain.returncode == tuned.returncode == 0, plain.stderr + tuned.stderr
    assert plain.stdout.splitlines() == ["exit handler ran", "collected"]
    assert tuned.stdout.splitlines() == ["exit handler ran"]
    # tuned again (each command tunes, and a test's CliRunner runs many): one exit handler
    again = _python("import atexit\nfrom sheetladder import process\n"
                    "n = atexit._ncallbacks()\nprocess.tune(); process.tune()\n"
                    "print(atexit._ncallbacks() - n)")
    assert again.returncode == 0 and again.stdout.strip() == "1", again.stderr


def test_collect_closes_its_history_itself_leaving_no_write_ahead_log(tmp_path, sales):
    # the history's connections are closed before the process ends, not left to the collector
    # at exit (which a tuned process skips): a -wal file left beside the history would hold
    # its last batches, lost to whoever copies the history file alone
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import save

    from .conftest import DEFINITIONS
    from .test_export import ctx_of
    from .test_history import random_ratings

    books = tmp_path / "in"
    books.mkdir()
    for i in range(4):  # enough for a reader process (--jobs 2)
        ctx = ctx_of(sales, f"Person {i}", "2026-Q4", n_raters=3)
        save(build_plan(sales, ctx, ratings=random_ratings(sales, ctx, random.Random(i))),
             books / f"{i}.xlsx")
    got = _python("import sys\nfrom sheetladder.cli import main\n"
                  f"sys.argv = ['sheetladder', 'collect', 'in', '--db', 'h.db', '--jobs', '2', "
                  f"'--ladders', {str(DEFINITIONS)!r}]\nmain(prog_name='sheetladder')",
                  cwd=str(tmp_path))
    assert got.returncode == 0, got.stdout + got.stderr
    assert "4 added" in got.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.db", "in"]
