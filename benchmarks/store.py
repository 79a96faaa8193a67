"""Benchmark: what storing one read workbook costs the collecting process (issue 17).

    python benchmarks/store.py [-n 200]

Makes N filled workbooks of the sales ladder (as benchmarks/collect.py does), reads them once,
then stores the same reports into new SQLite files two ways, three times each (the best run
is kept): one by one, each in its own transaction (``History.ingest``), and in batches of
``BATCH_FILES`` (``History.ingest_many``, what collect does: one transaction, and a
savepoint per file only where one is needed). The
figures before issue 17 (5.2 ms and 24 statements per file, one transaction each) are in
benchmarks/README.md: that code is gone. Printed per file: CPU time of this process
(``time.process_time``, so other work on the machine moves it little) and the SQL statements
sent: those SQLAlchemy sends (its ``before_cursor_execute`` event) and those the store sends
on the driver's cursor itself (``History._run``, past SQLAlchemy's events). SQLite's trace
callback would count them all, but it costs as much as a fifth of the store (it expands every
statement's parameters into its text).

``run(quick)`` (used by run_all.py) returns the rows of the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from collect import SALES, make_files  # noqa: E402
from sqlalchemy import event  # noqa: E402

from sheetladder.definition import Ladder  # noqa: E402
from sheetladder.results.collect import BATCH_FILES  # noqa: E402
from sheetladder.results.read import ReadOutcome, read_for_collect  # noqa: E402
from sheetladder.results.store import History  # noqa: E402


def _store(db: Path, outs: list[ReadOutcome], ladder: Ladder, batch: int) -> tuple[float, int]:
    """CPU seconds and statements to store ``outs`` into a new ``db``, ``batch`` at a time
    (0: one by one with ingest)."""
    with History(str(db)) as h:
        sent = [0]

        def count(*_: Any) -> None:
            sent[0] += 1

        event.listen(h.engine, "before_cursor_execute", count)
        real = h._run

        def run(conn: Any, sql: str, params: Any) -> Any:
            sent[0] += 1
            return real(conn, sql, params)

        h._run = run  # type: ignore[method-assign]
        t = time.process_time()
        if batch == 0:
            for o in outs:
                assert o.report is not None
                h.ingest(o.report, ladder=ladder, modified=o.modified)
        else:
            for i in range(0, len(outs), batch):
                h.ingest_many([(o.report, ladder, o.modified) for o in outs[i:i + batch]
                               if o.report is not None])
        took = time.process_time() - t
        if h.counts()["sources"] != len(outs):
            raise RuntimeError("not every report was stored")
    return took, sent[0]


def measure(n: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="sl-bench-store-") as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        make_files(SALES, n, folder)
        outs = [read_for_collect(str(f)) for f in sorted(folder.glob("*.xlsx"))]
        assert outs[0].ladder_json
        ladder = Ladder.model_validate(json.loads(outs[0].ladder_json))
        figures = {}
        for name, batch in (("one by one", 0), (f"in batches of {BATCH_FILES}", BATCH_FILES)):
            runs = [_store(Path(tmp) / f"{batch}-{k}.sqlite", outs, ladder, batch)
                    for k in range(3)]
            took, sent = min(runs)
            figures[name] = (took / n * 1000, sent / n)
            print(f"store {n} reports {name}: {took / n * 1000:.2f} ms CPU per file, "
                  f"{sent / n:.1f} SQL statements per file", flush=True)
    (old_ms, old_sql), (new_ms, new_sql) = figures.values()
    return [
        {"name": "store one report alone (ingest: its own transaction)",
         "figure": round(old_ms, 2), "unit": "ms", "floor": None, "ratio": None,
         "target": None, "passed": None},
        {"name": f"store one report, in batches of {BATCH_FILES} (collect now)",
         "figure": round(new_ms, 2), "unit": "ms", "floor": None, "ratio": None,
         "target": None, "passed": None},
        {"name": f"SQL statements per report, in batches of {BATCH_FILES}",
         "figure": round(new_sql, 1), "unit": "statements", "floor": None, "ratio": None,
         "target": None, "passed": None},
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    return measure(50 if quick else 200)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="workbooks (default 200)")
    args = ap.parse_args()
    print(json.dumps({"benchmark": "store", "rows": measure(args.n)}))


if __name__ == "__main__":
    main()
