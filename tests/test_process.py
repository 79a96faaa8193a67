"""The one rule for how many processes a batch uses by default (``process.default_jobs``)."""

from __future__ import annotations

import os
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from sheetladder import process, roster
from sheetladder.results import collect as collect_mod
from sheetladder.results import read as read_mod


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
        assert collect_mod.reader_processes(0) == 3
        assert collect_mod.reader_processes(1) == 0
    with _on(16):
        assert collect_mod.reader_processes(0) == collect_mod.MOST_JOBS - 1 == 7


def test_there_is_one_default_jobs_and_one_cores():
    for mod in (roster, read_mod, collect_mod):
        for name in ("default_jobs", "cores"):
            assert getattr(mod, name, process.__dict__[name]) is process.__dict__[name], (mod, name)


def test_the_cores_counted_are_those_this_process_may_run_on():
    n = process.cores()
    assert n >= 1
    if hasattr(os, "sched_getaffinity"):
        assert n == len(os.sched_getaffinity(0))
