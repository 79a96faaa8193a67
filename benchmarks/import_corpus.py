"""How `sheetladder import` does on real published ladders and real non-ladder workbooks (issue 16).

    python benchmarks/import_corpus.py [--corpus DIR] [--only NAME] [--verbose] [--json]

Runs the CLI itself (a subprocess per file, as a user would, with no options) on

* ``DIR/import/*``: ladder matrices, judged against ``DIR/import/ground_truth.json`` (counts,
  level names or codes, group names, sample descriptors verbatim, weights, empty cells);
* ``DIR/foreign/*``: workbooks that are not ladders; exit 0 there means one was taken for a ladder.

DIR defaults to ``$SHEETLADDER_CORPUS``, else ``../shared/corpus`` relative to the repository
root (or to the main checkout, from a git worktree). Each file is one of:

* ``right``: exit 0 and the written definition matches the ground truth (or an expected refusal
  exited 1);
* ``WRONG``: exit 0 with a definition that does not match (or a ladder written where a refusal
  was expected): the failure that matters most, a broken ladder handed out;
* ``refused``: exit 1 (or 2) where a matrix was expected: honest, but not imported;
* ``CRASH``: a traceback, a timeout or another exit code.

The totals are judged against the issue's targets: at least 90% of the matrices right, 0 wrong
ladders written with exit 0, at most 2 of 60 foreign workbooks taken for ladders (scaled to the
count found), 0 tracebacks, at most 10 s per file. Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def default_corpus() -> Path:
    """``$SHEETLADDER_CORPUS``, else ../shared/corpus beside the repository (for a git worktree,
    beside the main checkout it belongs to)."""
    if os.environ.get("SHEETLADDER_CORPUS"):
        return Path(os.environ["SHEETLADDER_CORPUS"])
    here = ROOT.parent / "shared" / "corpus"
    if here.exists():
        return here
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return here
    return Path(common).parent.parent / "shared" / "corpus"


DEFAULT_CORPUS = default_corpus()
TIMEOUT_S = 60.0
MAX_SECONDS = 10.0


@dataclass
class Outcome:
    file: str
    kind: str  # "matrix", "refuse" or "foreign"
    expected: str
    verdict: str  # right, WRONG, refused, CRASH
    code: int | None
    seconds: float
    got: str = ""
    why: list[str] = field(default_factory=list)
    stderr_lines: int = 0


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _key(name: str) -> str:
    """A category name as matched against the ground truth: case, spaces and punctuation aside
    (a source may spell 'Crossfunctional' where its table says 'Cross-functional')."""
    return re.sub(r"[\W_]+", "", name).lower()


def _descriptor_text(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def compare(truth: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """What differs between the ground truth and a written definition; [] when it matches."""
    why: list[str] = []
    levels = data.get("levels") or []
    groups = data.get("groups") or []
    cats = [c for g in groups for c in (g.get("categories") or [])]
    if len(levels) != truth["levels"]:
        why.append(f"levels {len(levels)} != {truth['levels']}")
    if len(cats) != truth["categories"]:
        why.append(f"categories {len(cats)} != {truth['categories']}")
    want_groups = truth.get("groups", 0)
    if want_groups == 0:
        if len(groups) > 1:
            why.append(f"groups {len(groups)} where the source has none")
    elif len(groups) != want_groups:
        why.append(f"groups {len(groups)} != {want_groups}")
    names = [_squash(str(lv.get("name", ""))) for lv in levels]
    codes = [str(lv.get("code", "")) for lv in levels]
    if "level_names" in truth and names != [_squash(n) for n in truth["level_names"]]:
        why.append(f"level names {names[:8]} != {truth['level_names']}")
    if "level_codes" in truth and codes != truth["level_codes"]:
        why.append(f"level codes {codes} != {truth['level_codes']}")
    if "group_names" in truth:
        gnames = [_squash(str(g.get("name", ""))) for g in groups]
        if gnames != [_squash(n) for n in truth["group_names"]]:
            why.append(f"group names {gnames} != {truth['group_names']}")
    by_name: dict[str, dict[str, Any]] = {}
    by_group: dict[tuple[str, str], dict[str, Any]] = {}
    for g in groups:
        for c in g.get("categories") or []:
            by_name.setdefault(_key(str(c.get("name", ""))), c)
            by_group.setdefault((_key(str(g.get("name", ""))), _key(str(c.get("name", "")))), c)
    for s in truth.get("samples", []):
        cat = (by_group.get((_key(s["group"]), _key(s["category"]))) if s.get("group")
               else by_name.get(_key(s["category"])))
        if cat is None:
            why.append(f"no category {s['category']!r}")
            continue
        idx = int(s["level"]) - 1
        if not 0 <= idx < len(levels):
            why.append(f"{s['category']!r}: no level {s['level']}")
            continue
        got = _descriptor_text((cat.get("descriptors") or {}).get(codes[idx], ""))
        if got.strip() != s["text"].strip():
            why.append(f"{s['category']!r} at level {s['level']}: {got[:50]!r} != {s['text'][:50]!r}")
    for name, w in (truth.get("weights") or {}).items():
        cat = by_name.get(_key(name))
        got_w = float(cat.get("weight", 1)) if cat else None
        if got_w is None or abs(got_w - float(w)) > 1e-9:
            why.append(f"weight of {name!r}: {got_w} != {w}")
    if "empty_cells" in truth:
        drafted = sum(1 for c in cats for v in (c.get("descriptors") or {}).values()
                      if isinstance(v, dict) and v.get("drafted"))
        if drafted != truth["empty_cells"]:
            why.append(f"empty cells {drafted} != {truth['empty_cells']}")
    return why


RUNNER: list[str] = ["-m", "sheetladder", "import"]


def run_import(path: Path, out_dir: Path) -> tuple[int | None, float, str, dict[str, Any] | None]:
    """Run ``sheetladder import PATH -o OUT`` as a user would; (exit code, seconds, stderr, data)."""
    out = out_dir / (re.sub(r"[^A-Za-z0-9]+", "-", path.name).strip("-").lower() + ".yaml")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, *RUNNER, str(path), "-o", str(out), "--force"],
            capture_output=True, text=True, timeout=TIMEOUT_S, env=env, cwd=out_dir)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t0, f"timeout after {TIMEOUT_S:.0f} s", None
    seconds = time.perf_counter() - t0
    data = None
    if proc.returncode == 0 and out.exists():
        from ruamel.yaml import YAML

        data = YAML(typ="safe").load(out.read_text(encoding="utf-8"))
        out.unlink()
    return proc.returncode, seconds, proc.stdout + proc.stderr, data


def _got(data: dict[str, Any] | None) -> str:
    if not data:
        return "-"
    groups = data.get("groups") or []
    n_cats = sum(len(g.get("categories") or []) for g in groups)
    return f"{len(data.get('levels') or [])} x {n_cats} ({len(groups)})"


def judge(path: Path, kind: str, truth: dict[str, Any] | None, out_dir: Path) -> Outcome:
    code, seconds, text, data = run_import(path, out_dir)
    crashed = code not in (0, 1, 2) or "Traceback (most recent call last)" in text
    if kind == "matrix":
        assert truth is not None
        expected = f"{truth['levels']} x {truth['categories']} ({truth.get('groups', 0)})"
    else:
        expected = "refuse"
    o = Outcome(path.name, kind, expected, "", code, seconds, _got(data),
                stderr_lines=len(text.splitlines()))
    if crashed:
        o.verdict = "CRASH"
        o.why = [line for line in text.splitlines() if line.strip()][-2:]
    elif code == 0:
        if kind == "matrix":
            assert truth is not None and data is not None
            o.why = compare(truth, data)
            o.verdict = "WRONG" if o.why else "right"
        else:
            o.verdict = "WRONG"
            o.why = ["taken for a ladder"]
    elif kind == "matrix":
        o.verdict = "refused"
        o.why = [line for line in text.splitlines() if line.strip()][:2]
    else:
        o.verdict = "right"
        o.why = [line for line in text.splitlines() if line.strip()][:1]
    return o


def measure(corpus: Path, only: str | None = None) -> list[Outcome]:
    truth_path = corpus / "import" / "ground_truth.json"
    truths: dict[str, dict[str, Any]] = json.loads(truth_path.read_text(encoding="utf-8"))
    jobs: list[tuple[Path, str, dict[str, Any] | None]] = []
    for name, t in truths.items():
        jobs.append((corpus / "import" / name, "matrix" if t["expect"] == "matrix" else "refuse", t))
    foreign = corpus / "foreign"
    if foreign.is_dir():
        for p in sorted(foreign.iterdir()):
            if p.is_file() and p.suffix.lower() not in (".json", ".md"):
                jobs.append((p, "foreign", None))
    if only:
        jobs = [j for j in jobs if only in j[0].name]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="import-corpus-") as tmp:
        for path, kind, truth in jobs:
            outcomes.append(judge(path, kind, truth, Path(tmp)))
    return outcomes


def totals(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """run_all rows: the issue's targets."""
    matrices = [o for o in outcomes if o.kind == "matrix"]
    foreign = [o for o in outcomes if o.kind == "foreign"]
    right = sum(o.verdict == "right" for o in matrices)
    wrong_written = sum(o.verdict == "WRONG" and o.kind != "foreign" for o in outcomes)
    taken = sum(o.verdict == "WRONG" for o in foreign)
    crashes = sum(o.verdict == "CRASH" for o in outcomes)
    slowest = max((o.seconds for o in outcomes), default=0.0)
    allowed_taken = 2 * len(foreign) / 60 if foreign else 0
    pct = 100 * right / len(matrices) if matrices else 0.0
    return [
        {"name": f"import: matrices right ({right} of {len(matrices)})", "figure": round(pct, 1),
         "unit": "%", "floor": None, "ratio": None, "target": ">= 90", "passed": pct >= 90},
        {"name": "import: wrong ladders written with exit 0", "figure": wrong_written, "unit": "files",
         "floor": None, "ratio": None, "target": "0", "passed": wrong_written == 0},
        {"name": f"import: foreign workbooks taken for ladders (of {len(foreign)})", "figure": taken,
         "unit": "files", "floor": None, "ratio": None, "target": f"<= {allowed_taken:g}",
         "passed": taken <= allowed_taken},
        {"name": "import: tracebacks, timeouts, odd exit codes", "figure": crashes, "unit": "files",
         "floor": None, "ratio": None, "target": "0", "passed": crashes == 0},
        {"name": "import: slowest file", "figure": round(slowest, 2), "unit": "s", "floor": None,
         "ratio": None, "target": f"<= {MAX_SECONDS:g}", "passed": slowest <= MAX_SECONDS},
    ]


def print_table(outcomes: list[Outcome], verbose: bool) -> None:
    w = max((len(o.file) for o in outcomes), default=10)
    print(f"{'file':<{w}}  {'kind':<7} {'expected':<14} {'got':<14} {'verdict':<8} exit  seconds  lines")
    for o in outcomes:
        print(f"{o.file:<{w}}  {o.kind:<7} {o.expected:<14} {o.got:<14} {o.verdict:<8} "
              f"{o.code if o.code is not None else '-':>4}  {o.seconds:7.2f}  {o.stderr_lines:5}")
        if verbose or o.verdict in ("WRONG", "CRASH") or (o.kind == "matrix" and o.verdict != "right"):
            for why in o.why[:4]:
                print(f"{'':<{w}}    - {why[:150]}")


def run(quick: bool) -> list[dict[str, Any]]:
    """For run_all.py (not in its default list: it needs the corpus outside the repository)."""
    outcomes = measure(DEFAULT_CORPUS)
    print_table(outcomes, verbose=False)
    return totals(outcomes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--only", help="only the files whose name contains this")
    ap.add_argument("--verbose", action="store_true", help="say why for every file")
    ap.add_argument("--json", action="store_true", help="end with a JSON line of run_all rows")
    ap.add_argument("--runner", help="a script to run instead of `python -m sheetladder import`")
    args = ap.parse_args()
    if args.runner:
        RUNNER[:] = [str(Path(args.runner).resolve())]
    if not (args.corpus / "import" / "ground_truth.json").exists():
        print(f"no corpus at {args.corpus} (expected import/ground_truth.json)", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    outcomes = measure(args.corpus, args.only)
    print_table(outcomes, args.verbose)
    rows = totals(outcomes)
    print(f"\n{len(outcomes)} files in {time.perf_counter() - t0:.1f} s ({args.corpus})")
    for r in rows:
        mark = "pass" if r["passed"] else "FAIL"
        print(f"  {mark}  {r['name']}: {r['figure']} {r['unit']} (target {r['target']})")
    if args.json:
        print(json.dumps({"benchmark": "import_corpus", "rows": rows}))
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
