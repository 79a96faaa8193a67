"""Read and verify N filled workbooks; compare with python-calamine reading only their values.

    python benchmarks/read.py [N] [--ladder definitions/sales-s1-s7.yaml] [--libreoffice K]

The workbooks are rendered from the sales ladder with four raters, every category rated, as a
filled and recalculated file would be (stored results present). With ``--libreoffice K`` the
first K files are first round-tripped through LibreOffice, so the reader also meets the formula
spelling and stored results LibreOffice writes.

Printed, each for one process:

* sheetladder ``read_path`` (open with every defence, verify against the rebuilt plan, recompute
  the scores), split into opening the Grid and verifying it;
* the floor: python-calamine opening each file and reading the values of every sheet, nothing
  else (no formulas, no checks);
* files per second for both and the ratio per file (issue 8 asks for <= 2x with a streaming
  reader; the openpyxl reader here is the reference path).

Nothing is asserted: this prints figures.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetladder.definition import load  # noqa: E402
from sheetladder.grid import open_xlsx  # noqa: E402
from sheetladder.plan import build_plan, make_context  # noqa: E402
from sheetladder.read import read_path  # noqa: E402
from sheetladder.render_xlsx import to_bytes  # noqa: E402
from sheetladder.verify import verify_grid  # noqa: E402


def make_files(ladder_path: Path, n: int, out: Path, seed: int = 1) -> list[Path]:
    ladder = load(ladder_path)
    rnd = random.Random(seed)
    files = []
    for i in range(n):
        ctx = make_context(ladder, f"Person {i}", "2026-Q4",
                           [("self", None, None), ("manager", f"Manager {i % 13}", None),
                            ("peer", f"Peer {i % 17}", None), ("peer", f"Peer {(i + 5) % 17}b", None)])
        ratings = {t: {c.id: rnd.randint(1, len(ladder.levels)) for c in ladder.categories}
                   for t in ctx.tabs()}
        path = out / f"wb{i:05d}.xlsx"
        path.write_bytes(to_bytes(build_plan(ladder, ctx, ratings)))
        files.append(path)
    return files


def calamine_values(path: Path) -> int:
    wb = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            cells += len(row)
    return cells


def timed(fn: Callable[[Path], object], files: list[Path]) -> list[float]:
    out = []
    for f in files:
        t = time.perf_counter()
        fn(f)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--ladder", type=Path, default=ROOT / "definitions" / "sales-s1-s7.yaml")
    ap.add_argument("--libreoffice", type=int, default=0, metavar="K",
                    help="round-trip the first K files through LibreOffice first")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sl-bench-read-"))
    try:
        t = time.perf_counter()
        files = make_files(args.ladder, args.n, tmp)
        if args.libreoffice:
            sys.path.insert(0, str(ROOT))
            from tests.libreoffice import recalculate

            for i in range(min(args.libreoffice, len(files))):
                files[i] = recalculate(files[i], tmp / "lo")
        print(f"made {len(files)} workbooks in {time.perf_counter() - t:.1f} s "
              f"({files[0].stat().st_size // 1024} KB each)")
        # warm up both sides (imports, caches) on one file, outside the clock
        read_path(files[0])
        calamine_values(files[0])
        findings = sum(len(read_path(f).findings) for f in files[: min(20, len(files))])
        floor = timed(calamine_values, files)
        total = timed(read_path, files)
        grids = []
        t_open = []
        for f in files:
            t = time.perf_counter()
            grids.append(open_xlsx(f))
            t_open.append(time.perf_counter() - t)
        t_verify = []
        for g in grids:
            t = time.perf_counter()
            verify_grid(g)
            t_verify.append(time.perf_counter() - t)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(label: str, times: list[float]) -> str:
        per = statistics.mean(times) * 1000
        return (f"{label:<38} {per:8.2f} ms/file  {len(times) / sum(times):8.1f} files/s  "
                f"median {statistics.median(times) * 1000:7.2f} ms")

    print(f"findings in the first {min(20, len(files))} files: {findings} (expected 0)")
    print(row("sheetladder read + verify", total))
    print(row("  of which: open (openpyxl + checks)", t_open))
    print(row("  of which: verify + scores", t_verify))
    print(row("floor: calamine values only", floor))
    ratio = statistics.mean(total) / statistics.mean(floor)
    print(f"ratio to the floor: {ratio:.1f}x per file (issue 8 target: <= 2x); "
          f"1,000 files would take {statistics.mean(total) * 1000:.1f} s in one process")


if __name__ == "__main__":
    main()
