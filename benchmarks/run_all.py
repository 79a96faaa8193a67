"""Run every benchmark in benchmarks/ and print one table: figure, floor, ratio, target, pass/fail.

    python benchmarks/run_all.py [--quick] [--only read,render] [--json]

The benchmarks (render.py, read.py, collect.py, store.py, google_calls.py; those that exist) each print
their own figures first. The convention that puts a benchmark's figures in the table
(benchmarks/README.md has the details):

* a script may define ``run(quick: bool) -> list[dict]``: it is imported and called here;
* otherwise it runs in a subprocess (``SHEETLADDER_BENCH_QUICK=1`` in its environment when
  ``--quick``), and its last line of output, if it is a JSON object with a ``rows`` list, is read;
* each row is ``{"name", "figure", "unit", "floor", "ratio", "target", "passed"}`` (``floor``,
  ``ratio`` and ``passed`` may be null when they do not apply).

A script that gives no rows gets a row saying so. The exit code is 1 when a row failed (or a
benchmark crashed), else 0. Nothing here asserts anything about speed on its own.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = ["render.py", "read.py", "collect.py", "store.py", "google_calls.py"]
KEYS = ("name", "figure", "unit", "floor", "ratio", "target", "passed")


def _rows_from_output(text: str) -> list[dict[str, Any]] | None:
    """The rows of the last JSON line of a script's output, or None."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            return None
        try:
            data = json.loads(line)
        except ValueError:
            return None
        rows = data.get("rows") if isinstance(data, dict) else None
        return rows if isinstance(rows, list) else None
    return None


def _normalise(script: str, rows: list[Any]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        item = {k: r.get(k) for k in KEYS}
        item["name"] = f"{script[:-3]}: {item['name'] or '?'}"
        out.append(item)
    return out


def _run_imported(path: Path, quick: bool) -> list[dict[str, Any]]:
    # imported by its plain name from benchmarks/ (on sys.path), so that worker processes the
    # benchmark starts can import it again to find the functions they are sent
    module = importlib.import_module(path.stem)
    rows = module.run(quick)
    print(json.dumps({"benchmark": path.stem, "rows": rows}))
    return list(rows)


def _has_run(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return "\ndef run(" in text


def _run_subprocess(path: Path, quick: bool) -> tuple[list[dict[str, Any]] | None, int]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if quick:
        env["SHEETLADDER_BENCH_QUICK"] = "1"
    proc = subprocess.Popen([sys.executable, str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # show the script's own figures as they come
        print(line, end="")
        lines.append(line)
    code = proc.wait()
    return _rows_from_output("".join(lines)), code


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def table(rows: list[dict[str, Any]]) -> str:
    head = ["figure", "value", "floor", "ratio", "target", "result"]
    body = []
    for r in rows:
        unit = f" {r['unit']}" if r.get("unit") else ""
        result = {True: "pass", False: "FAIL", None: "-"}.get(r.get("passed"), "?")
        body.append([r["name"], _fmt(r.get("figure")) + (unit if r.get("figure") is not None else ""),
                     _fmt(r.get("floor")) + (unit if r.get("floor") is not None else ""),
                     (_fmt(r.get("ratio")) + "x") if r.get("ratio") is not None else "-",
                     str(r.get("target") or "-"), result])
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(lines)


def main() -> int:
    from sheetladder.process import tune

    tune()  # this process is ours, as the CLI's is
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs (a few minutes in all)")
    ap.add_argument("--only", default="", help="comma-separated scripts, e.g. read,render")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON at the end too")
    args = ap.parse_args()
    wanted = {s.strip().removesuffix(".py") for s in args.only.split(",") if s.strip()}
    sys.path[:0] = [str(HERE), str(ROOT)]
    rows: list[dict[str, Any]] = []
    failed_to_run = False
    started = time.strftime("%Y-%m-%d %H:%M")
    for script in SCRIPTS:
        path = HERE / script
        if not path.exists() or (wanted and path.stem not in wanted):
            continue
        print(f"\n=== {script} " + "=" * max(3, 60 - len(script)), flush=True)
        t = time.perf_counter()
        try:
            if _has_run(path):
                got: list[dict[str, Any]] | None = _run_imported(path, args.quick)
                code = 0
            else:
                got, code = _run_subprocess(path, args.quick)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            got, code = None, 1
        took = time.perf_counter() - t
        if code != 0:
            failed_to_run = True
            rows.append({"name": f"{script[:-3]}: exited with code {code}", "figure": None,
                         "unit": None, "floor": None, "ratio": None, "target": None,
                         "passed": False})
        if got:
            rows.extend(_normalise(script, got))
        elif code == 0:
            rows.append({"name": f"{script[:-3]}: no figures (prints no rows; see README)",
                         "figure": round(took, 1), "unit": "s run", "floor": None, "ratio": None,
                         "target": None, "passed": None})
    print(f"\n=== issue 8 targets: {started}, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}" + (", quick" if args.quick else ""))
    print(table(rows))
    if args.json:
        print(json.dumps({"rows": rows}))
    return 1 if failed_to_run or any(r.get("passed") is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
