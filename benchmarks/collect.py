"""Benchmark: collect 1,000 filled workbooks into a SQLite history (and PostgreSQL), and its
peak memory.

    python benchmarks/collect.py [-n 1000] [--ladder definitions/sales-s1-s7.yaml] [--jobs 0]
                                 [--files DIR] [--no-postgres] [--repeat R]

Makes N filled workbooks of the ladder (the renderer pre-fills random ratings for four raters,
with every formula's stored result; ``--files DIR`` keeps them in DIR and reuses them on the
next run, to compare two versions on the same files), then runs ``python -m sheetladder
collect FOLDER --db FILE`` (the command ops run, so its reader processes import what they
would for ops) twice: into a new SQLite file, then again (everything already held); then the
same into a PostgreSQL server started for the run (``tests/postgres.py``, fsync on,
``synchronous_commit=off`` like SQLite's WAL with ``synchronous=NORMAL``). Printed:

* files per second of each run, from the command's wall time (start-up included); target
  (issue 17): >= 200 files/s into SQLite on two cores. These runs are timed alone: nothing
  else of the benchmark runs meanwhile (sampling every 20 ms took a share of the two cores
  and slowed the command it watched by a fifth), and ``--repeat R`` keeps the best of R runs
  into new files;
* the CPU time of the first run summed over every process (``RUSAGE_CHILDREN``), per file:
  unlike wall time, it hardly moves when other work shares the machine;
* peak memory, from one more run into a new file, watched: summed over the collecting
  process and every process it starts (its reader processes): a thread here reads
  ``VmRSS`` from ``/proc/PID/status`` of the command and of all its descendants every 20 ms and
  keeps the largest sum seen (issue 8: <= 150 MB). Resident sizes count the pages processes
  share (the Python binary, shared libraries) once per process, so the sum overstates what the
  machine spends; the proportional set size (``Pss`` in ``/proc/PID/smaps_rollup``, shared pages
  split between the processes that map them) is printed beside it. getrusage is not used: for
  children it gives only the largest child's peak, never a sum;
* the peak of the collecting process alone (its ``VmHWM``, the kernel's high-water mark), and
  of the largest reader process;
* the summed peak in each quarter of the run, to show whether memory grows with the number of
  files read.

``run(quick)`` (used by run_all.py) does the same for 1,000 files, or 100 with ``quick``, and
returns the rows of the table; run as a script it prints them as a last line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetladder.context import make_context  # noqa: E402
from sheetladder.definition import Ladder, load  # noqa: E402
from sheetladder.plan import build_plan  # noqa: E402
from sheetladder.xlsx.write import save  # noqa: E402

SALES = ROOT / "definitions" / "sales-s1-s7.yaml"
TARGET_MB = 150
TARGET_FILES_S = 200  # issue 17
SAMPLE_EVERY = 0.02

_LADDER: Ladder | None = None


def _make(args: tuple[str, str, int]) -> None:
    global _LADDER
    ladder_path, out, i = args
    if _LADDER is None:
        _LADDER = load(ladder_path)
    ladder = _LADDER
    rnd = random.Random(i)
    # as a roster gives them: the person's email and team, their manager named (13 managers),
    # so collect's checks of one email per person and of the team run as they do for ops
    roles = [r.id for r in ladder.raters for _ in range(r.count)]
    raters = [(role, f"Manager {i % 13}" if role == "manager" else None, None) for role in roles]
    ctx = make_context(ladder, f"Person {i:04d}", "2026-Q4", raters,
                       email=f"person.{i:04d}@example.com", team=f"Team {i % 8}")
    n = len(ladder.levels)
    ratings = {s.tab: {c.id: rnd.randint(1, n) for c in ladder.categories} for s in ctx.raters}
    save(build_plan(ladder, ctx, ratings=ratings), Path(out) / f"{i:04d}.xlsx")


def make_files(ladder_path: str | Path, n: int, folder: Path) -> None:
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make, [(str(ladder_path), str(folder), i) for i in range(n)],
                      chunksize=20))


# -- memory of a process tree, from /proc --------------------------------------------------------


def _status_kib(pid: int, *keys: str) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    out[k] = int(v.split()[0])
    except (OSError, ValueError):
        pass
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return 0.0


def _children(pid: int) -> list[int]:
    """``pid``'s children: from /proc/PID/task/TID/children, or, on kernels without it, from
    the parent field of every process's /proc/PID/stat."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    if tids and os.path.exists(f"/proc/{pid}/task/{tids[0]}/children"):
        out: list[int] = []
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(x) for x in f.read().split())
            except (OSError, ValueError):
                continue
        return out
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                kids.append(int(entry))
    return kids


def _descendants(pid: int) -> list[int]:
    """``pid``'s children, their children, ..."""
    out: list[int] = []
    todo = [pid]
    while todo:
        kids = _children(todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


@dataclass
class TreeMemory:
    """What the sampler saw of one process tree (KiB)."""

    root: int
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, summed VmRSS)
    peak_sum: int = 0
    peak_pss: int = 0
    hwm: dict[int, int] = field(default_factory=dict)  # VmHWM per process, last seen
    processes: int = 0
    cpu_seconds: float = 0.0  # user + system time of the whole tree (children waited for)
    cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds per process, last seen

    def sample(self, t: float) -> None:
        pids = [self.root, *_descendants(self.root)]
        total = 0
        for pid in pids:
            got = _status_kib(pid, "VmRSS", "VmHWM")
            if "VmRSS" not in got:  # gone, or a zombie
                continue
            total += got["VmRSS"]
            self.hwm[pid] = max(self.hwm.get(pid, 0), got.get("VmHWM", 0))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_seconds(pid))
        self.samples.append((t, total))
        if total > self.peak_sum:
            self.peak_sum = total
            self.peak_pss = max(self.peak_pss, sum(_pss_kib(p) for p in pids))
        self.processes = max(self.processes, len(self.hwm))

    def quarters(self) -> list[int]:
        """The largest summed VmRSS in each quarter of the run."""
        if not self.samples:
            return []
        end = self.samples[-1][0] or 1.0
        peaks = [0, 0, 0, 0]
        for t, v in self.samples:
            q = min(3, int(4 * t / end))
            peaks[q] = max(peaks[q], v)
        return peaks


def run_sampled(cmd: list[str], env: dict[str, str] | None = None
                ) -> tuple[subprocess.CompletedProcess[str], float, TreeMemory]:
    """Run ``cmd``, sampling the memory of it and its descendants every 20 ms."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    mem = TreeMemory(proc.pid)
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            mem.sample(time.perf_counter() - t0)
            done.wait(SAMPLE_EVERY)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    out, err = proc.communicate()
    took = time.perf_counter() - t0
    done.set()
    th.join()
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    mem.cpu_seconds = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), took, mem


# -- the benchmark -------------------------------------------------------------------------------


def _mib(kib: int) -> float:
    return kib / 1024


def run_timed(cmd: list[str], env: dict[str, str] | None = None
              ) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``cmd`` with nothing else of ours at work: the result, its wall time and the CPU
    time of it and every process it started (``RUSAGE_CHILDREN``, children waited for)."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    took = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return res, took, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)


@dataclass
class Timed:
    """The timed runs of one database: the first (every file new, best of the repeats) and
    again (every file held)."""

    took: float
    cpu: float
    took_again: float
    counts: dict[str, int]
    db: str  # the database of the fastest first run, collected into again
    runs: list[float] = field(default_factory=list)  # wall time of each first run


def _collect_cmd(folder: Path, db: str, jobs: int) -> tuple[list[str], dict[str, str]]:
    cmd = [sys.executable, "-m", "sheetladder", "collect", str(folder), "--db", db,
           "--jobs", str(jobs)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env.pop("SHEETLADDER_DB", None)
    return cmd, env


def _checked(res: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    if res.returncode != 0:
        sys.stderr.write(res.stdout + res.stderr)
        raise RuntimeError(f"collect exited with {res.returncode}")
    return res


def _stored_once(db: str, n: int, first: str, again: str) -> dict[str, int]:
    """The rows ``db`` holds, after checking that both runs' summaries and the history agree
    that every file went in once."""
    from sheetladder.results.store import History

    added = re.search(r"(\d+) added", first)
    unchanged = re.search(r"(\d+) unchanged", again)
    with History(db) as h:
        counts = h.counts()
    if not (added and int(added.group(1)) == n and unchanged
            and int(unchanged.group(1)) == n and counts["sources"] == n):
        raise RuntimeError(f"collect did not store every file once: {first!r} "
                           f"{again!r} {counts}")
    return counts


def _collect_timed(folder: Path, n: int, new_db: Any, jobs: int, repeat: int = 1) -> Timed:
    """Collect ``folder`` into a new database (``new_db()`` gives its URL) ``repeat`` times,
    keeping the fastest, then again into that one (everything held); every run alone."""
    best: tuple[float, float, str, str] | None = None
    runs: list[float] = []
    for _ in range(max(1, repeat)):
        db = new_db()
        cmd, env = _collect_cmd(folder, db, jobs)
        res, took, cpu = run_timed(cmd, env)
        _checked(res)
        runs.append(took)
        if best is None or took < best[0]:
            best = (took, cpu, db, res.stdout)
    assert best is not None
    took, cpu, db, first_out = best
    cmd, env = _collect_cmd(folder, db, jobs)
    again, took_again, _ = run_timed(cmd, env)
    counts = _stored_once(db, n, first_out, _checked(again).stdout)
    return Timed(took=took, cpu=cpu, took_again=took_again, counts=counts, db=db, runs=runs)


def _collect_watched(folder: Path, db: str, jobs: int) -> tuple[float, TreeMemory]:
    """One more collect into a new database, its memory sampled (which slows it)."""
    cmd, env = _collect_cmd(folder, db, jobs)
    res, took, mem = run_sampled(cmd, env)
    _checked(res)
    return took, mem


def _postgres_figure(folder: Path, n: int, jobs: int) -> tuple[float, float] | str:
    """Files/s of both runs into a PostgreSQL server started here (as the tests start one,
    but with fsync on and ``synchronous_commit=off``, which is what SQLite's WAL with
    ``synchronous=NORMAL`` promises: a crash may lose the last commits, never corrupt), or why
    there is no figure."""
    try:
        from tests.postgres import PostgresUnavailable, running_postgres
    except ImportError as e:  # pytest missing
        return f"not measured ({e})"
    try:
        with running_postgres("-c synchronous_commit=off") as server:
            timed = _collect_timed(folder, n, server.create_database, jobs)
    except PostgresUnavailable as e:
        return f"not measured: {e}"
    return timed.took, timed.took_again


def machine_speed() -> float:
    """Seconds this process takes for a fixed pure-Python loop (best of 3): the same machine
    ran it in 0.89 s idle and 1.39 s half an hour later (a VM whose host is shared), so a
    wall-time figure means little without it."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        s = 0
        for i in range(10_000_000):
            s += i
        best = min(best, time.perf_counter() - t)
    return best


def compiled() -> None:
    """Write the package's bytecode (into its ``__pycache__`` folders, which git ignores), as
    installing it does: with ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) each process
    would compile every module again, ~0.35 s each."""
    import compileall

    compileall.compile_dir(str(ROOT / "sheetladder"), quiet=1)


def measure(n: int, ladder_path: str | Path = SALES, jobs: int = 0,
            files: Path | None = None, postgres: bool = True,
            repeat: int = 1) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="sl-bench-collect-") as tmp:
        folder = files or Path(tmp) / "returned"
        if files is None or not any(folder.glob("*.xlsx")):
            folder.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            make_files(ladder_path, n, folder)
            print(f"made {n} filled workbooks of {Path(ladder_path).name} in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
        n = len(list(folder.glob("*.xlsx")))
        compiled()
        speed = machine_speed()
        print(f"machine: a 10-million-step Python loop takes {speed:.2f} s (best of 3)",
              flush=True)
        size = sum(p.stat().st_size for p in folder.glob("*.xlsx"))
        print(f"{n} filled workbooks in {folder} ({size / 2**20:.1f} MiB)", flush=True)
        made = iter(range(1_000_000))

        def new_db() -> str:
            return str(Path(tmp) / f"history-{next(made)}.sqlite")

        timed = _collect_timed(folder, n, new_db, jobs, repeat)
        took, took_again, counts = timed.took, timed.took_again, timed.counts
        db_mib = Path(timed.db).stat().st_size / 2**20
        took_watched, mem = _collect_watched(folder, new_db(), jobs)
        pg = _postgres_figure(folder, n, jobs) if postgres else "not measured (--no-postgres)"
    own = mem.hwm.get(mem.root, 0)
    others = [v for p, v in mem.hwm.items() if p != mem.root]
    print(f"collect: {n} files in {took:.1f} s = {n / took:.1f} files/s, "
          f"{took / n * 1000:.1f} ms/file (the whole command, start-up included; --jobs {jobs}"
          + (f"; best of {len(timed.runs)}: " + ", ".join(f"{t:.2f}" for t in timed.runs)
             + " s" if len(timed.runs) > 1 else "") + ")")
    print(f"CPU time of that run, over every process: {timed.cpu:.1f} s = "
          f"{timed.cpu / n * 1000:.1f} ms/file (what the machine's load does not change)")
    print(f"the run watched for memory: {took_watched:.1f} s, CPU {mem.cpu_seconds:.1f} s: "
          f"the collecting process {mem.cpu.get(mem.root, 0.0):.1f} s, the others "
          + ", ".join(f"{v:.1f}" for p, v in sorted(mem.cpu.items(), key=lambda kv: -kv[1])
                      if p != mem.root) + " s (last seen)")
    print(f"collect again (all held): {took_again:.2f} s = {n / took_again:.0f} files/s")
    if isinstance(pg, tuple):
        print(f"PostgreSQL (local server): {n / pg[0]:.1f} files/s; again (all held): "
              f"{n / pg[1]:.0f} files/s")
    else:
        print(f"PostgreSQL: {pg}")
    print(f"database: {db_mib:.1f} MiB; rows: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"peak memory, summed over the collecting process and the {mem.processes - 1} "
          f"process(es) it started: {_mib(mem.peak_sum):.0f} MiB resident (VmRSS sampled every "
          f"{SAMPLE_EVERY * 1000:.0f} ms; proportional set size at that peak: "
          f"{_mib(mem.peak_pss):.0f} MiB)")
    print(f"peak of the collecting process alone: {_mib(own):.0f} MiB (VmHWM); of each process "
          f"it started: " + ", ".join(f"{_mib(v):.0f}" for v in sorted(others, reverse=True))
          + " MiB; every process's own peak added up (an upper bound): "
          f"{_mib(sum(mem.hwm.values())):.0f} MiB")
    print("summed peak by quarter of the run: "
          + ", ".join(f"{_mib(v):.0f}" for v in mem.quarters()) + " MiB", flush=True)
    peak_mb = mem.peak_sum * 1024 / 1e6
    rows: list[dict[str, Any]] = [
        {"name": f"collect {n} files into SQLite (whole command)", "figure": round(n / took, 1),
         "unit": "files/s", "floor": None, "ratio": None, "target": f">= {TARGET_FILES_S}",
         "passed": n / took >= TARGET_FILES_S},
        {"name": "machine: a 10-million-step Python loop", "figure": round(speed, 2),
         "unit": "s", "floor": None, "ratio": None, "target": None, "passed": None},
    ]
    if isinstance(pg, tuple):
        rows.append({"name": f"collect {n} files into PostgreSQL (local server)",
                     "figure": round(n / pg[0], 1), "unit": "files/s", "floor": None,
                     "ratio": None, "target": None, "passed": None})
    rows += [
        {"name": "peak memory, collecting process + its readers (summed VmRSS)",
         "figure": round(_mib(mem.peak_sum), 1), "unit": "MiB", "floor": None, "ratio": None,
         "target": f"<= {TARGET_MB} MB ({TARGET_MB * 1e6 / 2**20:.0f} MiB)",
         "passed": peak_mb <= TARGET_MB},
        {"name": "peak memory, collecting process alone (VmHWM)", "figure": round(_mib(own), 1),
         "unit": "MiB", "floor": None, "ratio": None, "target": None, "passed": None},
    ]
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    return measure(100 if quick else 1000)


def main() -> None:
    from sheetladder.process import tune

    tune()  # this process is ours, as the CLI's is
    quick = os.environ.get("SHEETLADDER_BENCH_QUICK") == "1"
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=100 if quick else 1000,
                    help="workbooks (default 1000)")
    ap.add_argument("--ladder", default=str(SALES))
    ap.add_argument("--jobs", type=int, default=0,
                    help="collect --jobs (0, the default: one process per core)")
    ap.add_argument("--files", type=Path,
                    help="a folder of workbooks to collect: made there (-n of them) when it "
                         "holds none, else used as it is (to compare two versions on the same "
                         "files)")
    ap.add_argument("--no-postgres", action="store_true",
                    help="skip the PostgreSQL figure")
    ap.add_argument("--repeat", type=int, default=1,
                    help="timed runs into new SQLite files; the fastest is kept (default 1)")
    args = ap.parse_args()
    rows = measure(args.n, args.ladder, args.jobs, files=args.files,
                   postgres=not args.no_postgres, repeat=args.repeat)
    print(json.dumps({"benchmark": "collect", "rows": rows}))


if __name__ == "__main__":
    main()
