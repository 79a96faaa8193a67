"""The worker pool batches read with: results in order, failures where they belong, no process
left behind, and no process but the workers started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sheetladder.workers import WorkerLost, WorkerPool, in_worker


def _square(x: int) -> int:
    return x * x


def _where(_: object = None) -> tuple[int, int, bool]:
    return os.getpid(), os.getppid(), in_worker()


def _fail(message: str) -> None:
    raise ValueError(message)


def _die_on(x: int) -> int:
    if x == 13:
        os._exit(9)
    time.sleep(0.01)
    return x


def _chatty(x: int) -> int:
    print("a library's warning on stdout", x)
    sys.stdout.flush()
    os.write(1, b"and one written to the descriptor itself\n")
    return x + 1


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int):  # pickles, but cannot be rebuilt from its args
        super().__init__(f"{a}+{b}")


def _raise_unrebuildable() -> None:
    raise _Unpicklable(1, 2)


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid``, from /proc (``ps`` would count itself)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def test_tasks_run_in_worker_processes_and_map_keeps_the_order() -> None:
    with WorkerPool(2) as pool:
        assert list(pool.map(_square, range(50), chunksize=3)) == [x * x for x in range(50)]
        pid, parent, worker = pool.submit(_where).result(timeout=60)
        assert pid in pool.pids and parent == os.getpid() and worker
    assert not in_worker()


def test_a_task_that_raises_fails_its_own_future_only() -> None:
    with WorkerPool(1) as pool:
        bad = pool.submit(_fail, "no such rating")
        good = pool.submit(_square, 7)
        with pytest.raises(ValueError, match="no such rating"):
            bad.result(timeout=60)
        assert good.result(timeout=60) == 49
        odd = pool.submit(_raise_unrebuildable)
        with pytest.raises(RuntimeError, match="could not be read"):
            odd.result(timeout=60)
        assert pool.submit(_square, 3).result(timeout=60) == 9  # the stream stayed in step


def test_what_a_task_prints_goes_to_stderr_and_never_into_the_results(
        capfd: pytest.CaptureFixture[str]) -> None:
    with WorkerPool(1) as pool:
        assert list(pool.map(_chatty, range(5))) == [1, 2, 3, 4, 5]
    err = capfd.readouterr().err
    assert "a library's warning on stdout 4" in err and "the descriptor itself" in err


def test_a_worker_that_dies_breaks_the_pool_and_every_task_it_held_fails() -> None:
    with WorkerPool(2) as pool:
        futures = [pool.submit(_die_on, x) for x in range(40)]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result(timeout=60))
            except WorkerLost:
                outcomes.append(None)
        assert outcomes[13] is None
        assert all(o in (None, i) for i, o in enumerate(outcomes))  # never a wrong result
        with pytest.raises(WorkerLost):
            pool.submit(_square, 2)


def test_the_pool_starts_its_workers_and_no_other_process_and_ends_them(tmp_path: Path) -> None:
    """In a fresh process (this one may hold others' children, such as a test server, or a
    resource tracker an earlier test started): the pool's workers are all it starts."""
    script = tmp_path / "alone.py"
    script.write_text(textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from sheetladder.workers import WorkerPool
        from tests.test_workers import _children, _square
        with WorkerPool(2) as pool:
            pool.submit(_square, 1).result(timeout=60)
            during = sorted(_children(os.getpid()))
            pids = sorted(pool.pids)
        print(json.dumps([during, pids, sorted(_children(os.getpid()))]))
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    during, pids, after = json.loads(out.strip().splitlines()[-1])
    assert len(pids) == 2 and during == pids  # no resource tracker, nothing else
    assert after == []
    assert not any(_alive(p) for p in pids)


def test_an_abandoned_batch_kills_its_workers_without_waiting_for_their_tasks() -> None:
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), WorkerPool(1) as pool:
        pool.submit(time.sleep, 30)
        pids = pool.pids
        time.sleep(0.5)
        raise KeyboardInterrupt
    assert time.monotonic() - start < 20
    assert not any(_alive(p) for p in pids)


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """kill -9 of the command (an OOM kill): its idle workers see their task pipe close."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from sheetladder.workers import WorkerPool
        from tests.test_workers import _square
        pool = WorkerPool(2)
        pool.submit(_square, 2).result()
        print(" ".join(map(str, pool.pids)), flush=True)
        time.sleep(120)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_task_from_a_folder_the_parent_added_to_its_path_runs_in_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers' path is the parent's: a reader kept in a user's own folder imports there."""
    (tmp_path / "my_readers.py").write_text("def shout(x):\n    return str(x).upper()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_readers  # type: ignore[import-not-found]

    with WorkerPool(1) as pool:
        assert list(pool.map(my_readers.shout, ["a", "b"])) == ["A", "B"]


_SCRIPT = """
    import os, sys
    sys.path.insert(0, {root!r})
    from sheetladder.workers import WorkerPool, in_worker

    # one write, so that the two workers' lines cannot interleave (with PYTHONUNBUFFERED set,
    # print writes each of its pieces on its own)
    sys.stdout.write(f"loaded {{os.getpid()}}\\n")
    sys.stdout.flush()

    def tagged(x):
        return f"{{x}} in {{os.getpid()}} worker={{in_worker()}}"

    if __name__ == "__main__":
        with WorkerPool(2, main={main}) as pool:
            try:
                print("\\n".join(pool.map(tagged, range(4))), flush=True)
            except Exception as e:
                print("failed:", type(e).__name__, e, flush=True)
"""


def _run_script(tmp_path: Path, main: bool) -> tuple[str, str, int]:
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(_SCRIPT.format(
        root=str(Path(__file__).resolve().parent.parent), main=main)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    return done.stdout, done.stderr, done.returncode


def test_a_function_defined_in_the_parents_main_script_runs_in_workers_that_load_it(
        tmp_path: Path) -> None:
    out, err, code = _run_script(tmp_path, main=True)
    assert code == 0, out + err
    lines = out.splitlines()
    parent = int(lines[0].split()[1])
    results = [line for line in lines if " in " in line]
    assert [r.split()[0] for r in results] == ["0", "1", "2", "3"], out
    assert all(r.endswith("worker=True") and f" in {parent} " not in r for r in results), out
    # each worker loaded the script (its module-level code ran; a worker's prints go to
    # stderr), its __main__ block did not: no worker started a pool of its own
    loaded = {int(line.split()[1]) for line in err.splitlines() if line.startswith("loaded")}
    assert loaded == {int(r.split()[2]) for r in results}, out + err
    assert not any(line.startswith("failed") for line in lines), out


def test_without_main_a_worker_never_runs_the_parents_script(tmp_path: Path) -> None:
    out, err, code = _run_script(tmp_path, main=False)
    assert code == 0, out + err
    assert not any(line.startswith("loaded") for line in err.splitlines()), err
    # so the function defined there cannot be found in a worker
    assert "failed: AttributeError" in out, out + err


def test_a_script_without_a_main_guard_fails_with_what_to_write(tmp_path: Path) -> None:
    """Its pool starts again when a worker loads it: spawn's rule, said as spawn says it,
    rather than a worker lost 'killed, or out of memory'."""
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from sheetladder.workers import WorkerPool

        def tagged(x):
            return x

        with WorkerPool(1, main=True) as pool:
            try:
                print(list(pool.map(tagged, range(3))), flush=True)
            except Exception as e:
                print("failed:", type(e).__name__, e, flush=True)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed: RuntimeError a reader process could not load the main script" in done.stdout
    assert 'if __name__ == "__main__":' in done.stdout
