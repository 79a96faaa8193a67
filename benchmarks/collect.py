"""Benchmark: collect 1,000 filled workbooks into a SQLite history.

Makes N filled workbooks (the renderer pre-fills random ratings, with every formula's stored
result), then runs the same code as ``sheetladder collect`` on the folder and prints files per
second and peak memory: the collecting process's and its reader processes' peak resident size
(getrusage) and the peak of Python allocations in the collecting process (tracemalloc). A second
collect of the same folder (everything already held) is timed too.

    python benchmarks/collect.py [-n 1000] [--ladder definitions/sales-s1-s7.yaml] [--jobs 0]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetladder.definition import Ladder, load  # noqa: E402
from sheetladder.history import History, collect, default_jobs  # noqa: E402
from sheetladder.plan import build_plan, make_context  # noqa: E402
from sheetladder.render_xlsx import save  # noqa: E402

_LADDER: Ladder | None = None


def _make(args: tuple[str, str, int]) -> None:
    global _LADDER
    ladder_path, out, i = args
    if _LADDER is None:
        _LADDER = load(ladder_path)
    ladder = _LADDER
    rnd = random.Random(i)
    ctx = make_context(ladder, f"Person {i:04d}", "2026-Q4")
    n = len(ladder.levels)
    ratings = {s.tab: {c.id: rnd.randint(1, n) for c in ladder.categories} for s in ctx.raters}
    save(build_plan(ladder, ctx, ratings=ratings), Path(out) / f"{i:04d}.xlsx")


def _mib(kib: int) -> float:
    return kib / 1024  # ru_maxrss is in KiB on Linux


def measure_collect(folder: Path, n: int, jobs: int) -> None:
    """Collect ``folder`` twice into a fresh SQLite file and print the figures. Runs in its own
    process, so getrusage sees only the collect and its reader processes."""
    db = folder.parent / "history.sqlite"
    jobs = jobs or default_jobs()
    tracemalloc.start()
    t = time.perf_counter()
    with History(str(db)) as h:
        outcome = collect(h, [folder], jobs=jobs)
        first = time.perf_counter() - t
        t = time.perf_counter()
        again = collect(h, [folder], jobs=jobs)
        second = time.perf_counter() - t
        counts = h.counts()
    _, peak_py = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    readers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"collect: {n} files in {first:.1f} s = {n / first:.1f} files/s with {jobs} reader "
          f"process(es); {outcome.count('added')} added, {len(outcome.refused)} refused")
    print(f"collect again (all held): {second:.1f} s = {n / second:.1f} files/s; "
          f"{again.count('unchanged')} unchanged")
    print(f"database: {db.stat().st_size / 2**20:.1f} MiB; rows: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"peak memory: collecting process {_mib(own):.0f} MiB resident, largest reader process "
          f"{_mib(readers):.0f} MiB resident; Python allocations in the collecting process "
          f"peaked at {peak_py / 2**20:.1f} MiB (tracemalloc)")
    for r in outcome.refused[:5]:
        print(f"refused: {r.file}: {'; '.join(str(f) for f in r.findings)}")
    if outcome.refused:
        sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="workbooks (default 1000)")
    ap.add_argument("--ladder", default=str(ROOT / "definitions" / "sales-s1-s7.yaml"))
    ap.add_argument("--jobs", type=int, default=0, help="reader processes (0: one per core)")
    ap.add_argument("--collect-only", metavar="FOLDER", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.collect_only:
        measure_collect(Path(args.collect_only), args.n, args.jobs)
        return
    with tempfile.TemporaryDirectory(prefix="sl-bench-") as tmp:
        folder = Path(tmp) / "returned"
        folder.mkdir()
        t = time.perf_counter()
        with ProcessPoolExecutor() as pool:
            list(pool.map(_make, [(args.ladder, str(folder), i) for i in range(args.n)],
                          chunksize=20))
        made = time.perf_counter() - t
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"made {args.n} filled workbooks of {Path(args.ladder).name} "
              f"({size / 2**20:.1f} MiB) in {made:.1f} s")
        sys.stdout.flush()
        res = subprocess.run([sys.executable, __file__, "--collect-only", str(folder),
                              "-n", str(args.n), "--jobs", str(args.jobs)])
        sys.exit(res.returncode)


if __name__ == "__main__":
    main()
