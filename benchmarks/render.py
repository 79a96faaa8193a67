"""Render N roster workbooks of the sales ladder and compare with a bare xlsxwriter floor.

    python benchmarks/render.py [N] [--jobs J] [--ladder definitions/sales-s1-s7.yaml]

Each workbook has four raters (Self, a named Manager, two named Peers). Printed:

* sheetladder, one process: plan + .xlsx + safe save, per workbook;
* the floor: a bare xlsxwriter script writing the same cells (values, formulas with stored
  results), formats, column widths, row heights and dropdown validations, taken from the same
  plans before the clock starts; it leaves out merges, the chart, conditional formats, freeze
  panes and print set-up, which sheetladder also writes;
* the floor again with sheetladder's formula shortcut (render_xlsx.FastFormulaSheet), so the
  ratio is shown both ways;
* throughput with J worker processes (default: the CPU cores) for the roster path
  (render_entries, as `sheetladder render --roster`) and for the floor, and the time that
  projects for 1,000 workbooks (issue 8 asks for <= 20 s on two cores).

Nothing is asserted: this prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetladder.definition import load  # noqa: E402
from sheetladder.plan import STYLES, Context, build_plan, make_context  # noqa: E402
from sheetladder.render_xlsx import FastFormulaSheet, _format_props  # noqa: E402
from sheetladder.roster import RosterEntry, render_entries, write_assessment  # noqa: E402

FIRST = ["Ana", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hana", "Ivo", "Jun"]
LAST = ["Diaz", "Chen", "Novak", "Okafor", "Silva", "Berg", "Kim", "Rossi"]


def contexts(ladder: Any, n: int) -> list[Context]:
    out = []
    for i in range(n):
        person = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
        raters = [("self", None, None), ("manager", f"Manager {i % 13}", None),
                  ("peer", f"Peer {i % 17}", None), ("peer", f"Peer {(i + 5) % 17}b", None)]
        out.append(make_context(ladder, person, "2026-Q4", raters))
    return out


# -- the floor: the same cells, formats and validations, with the minimum of code ---------------

SheetData = tuple[str, list[tuple[int, float]], list[tuple[int, float]], list[tuple[Any, ...]],
                  list[dict[str, Any]], str]
FORMAT_PROPS = {name: _format_props(style) for name, style in STYLES.items()}


def floor_data(ladder: Any, ctx: Context) -> list[SheetData]:
    plan = build_plan(ladder, ctx)
    sheets: list[SheetData] = []
    for s in plan.sheets:
        cells = [(c.row, c.col, c.kind, c.value, "=" + c.formula if c.formula else None, c.style)
                 for c in s.cells]
        dvs = [{"range": (v.first_row, v.first_col, v.last_row, v.last_col), "validate": "list",
                "source": v.values, "input_title": v.input_title, "input_message": v.input_message,
                "error_title": v.error_title, "error_message": v.error_message, "error_type": "stop"}
               for v in s.validations]
        sheets.append((s.name, list(s.col_widths.items()), list(s.row_heights.items()), cells, dvs,
                       s.visibility))
    return sheets


def floor_write(args: tuple[str, list[SheetData], bool]) -> None:
    path, sheets, shortcut = args
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                    "strings_to_urls": False, "in_memory": True})
    fmts = {name: wb.add_format(props) for name, props in FORMAT_PROPS.items()}
    cls = FastFormulaSheet if shortcut else Worksheet
    for name, widths, heights, cells, dvs, visibility in sheets:
        ws = wb.add_worksheet(name, worksheet_class=cls)
        for col, width in widths:
            ws.set_column(col, col, width)
        for row, height in heights:
            ws.set_row(row, height)
        for row, col, kind, value, formula, style in cells:
            if formula:
                ws.write_formula(row, col, formula, fmts[style], "" if value is None else value)
            elif kind == "number":
                ws.write_number(row, col, value, fmts[style])
            elif value is None or value == "":
                ws.write_blank(row, col, None, fmts[style])
            else:
                ws.write_string(row, col, value, fmts[style])
        for dv in dvs:
            ws.data_validation(*dv["range"], {k: v for k, v in dv.items() if k != "range"})
        ws.protect()
        if visibility == "very_hidden":
            ws.very_hidden()
    wb.close()


# -- measuring ----------------------------------------------------------------------------------


def _fresh(d: Path) -> Path:
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=200, help="workbooks to render (200)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    ap.add_argument("--jobs", type=int, default=cores, help=f"worker processes ({cores})")
    ap.add_argument("--ladder", default=str(ROOT / "definitions" / "sales-s1-s7.yaml"))
    args = ap.parse_args()
    ladder = load(args.ladder)
    ctxs = contexts(ladder, args.n)
    entries = [RosterEntry(i + 2, c) for i, c in enumerate(ctxs)]
    tmp = Path(tempfile.mkdtemp(prefix="sl-bench-"))
    try:
        write_assessment(ladder, ctxs[0], _fresh(tmp / "warm"))  # imports, caches

        out = _fresh(tmp / "ours1")
        t = time.perf_counter()
        for c in ctxs:
            write_assessment(ladder, c, out)
        ours = (time.perf_counter() - t) / args.n

        data = [floor_data(ladder, c) for c in ctxs]
        fl = {}
        for shortcut in (False, True):
            out = _fresh(tmp / f"floor{int(shortcut)}")
            t = time.perf_counter()
            for i, d in enumerate(data):
                floor_write((str(out / f"{i}.xlsx"), d, shortcut))
            fl[shortcut] = (time.perf_counter() - t) / args.n

        out = _fresh(tmp / "oursN")
        t = time.perf_counter()
        res = render_entries(ladder, entries, out, jobs=args.jobs)
        ours_par = time.perf_counter() - t
        assert not res.problems, res.problems[:3]

        out = _fresh(tmp / "floorN")
        t = time.perf_counter()
        with get_context().Pool(args.jobs) as pool:
            pool.map(floor_write, [(str(out / f"{i}.xlsx"), d, False) for i, d in enumerate(data)],
                     chunksize=max(1, args.n // (args.jobs * 8)))
        floor_par = time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n = args.n
    print(f"ladder {ladder.id}: {len(ladder.categories)} categories x {len(ladder.levels)} levels, "
          f"4 raters; {n} workbooks")
    print("one process, per workbook:")
    print(f"  sheetladder (plan + xlsx + save)   {ours * 1000:7.1f} ms  {1 / ours:6.1f} workbooks/s")
    print(f"  floor, bare xlsxwriter             {fl[False] * 1000:7.1f} ms  {1 / fl[False]:6.1f} "
          f"workbooks/s   ratio {ours / fl[False]:.2f}x (budget 1.3x)")
    print(f"  floor with the formula shortcut    {fl[True] * 1000:7.1f} ms  {1 / fl[True]:6.1f} "
          f"workbooks/s   ratio {ours / fl[True]:.2f}x")
    print(f"{args.jobs} processes:")
    print(f"  sheetladder roster                 {n / ours_par:6.1f} workbooks/s  "
          f"-> 1,000 in {1000 * ours_par / n:5.1f} s (budget 20 s on two cores)")
    print(f"  floor, bare xlsxwriter             {n / floor_par:6.1f} workbooks/s  "
          f"-> 1,000 in {1000 * floor_par / n:5.1f} s")


if __name__ == "__main__":
    main()
