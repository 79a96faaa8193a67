"""Where a report's figures come from: the history database, or workbooks collected for it.

Workbooks take the same path as the history: they are collected into a temporary SQLite
history (deleted afterwards) and the report is built from it with ``export.build``, so a
report of workbooks shows exactly what collecting them and reporting would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import SheetladderError
from ..results.collect import collect
from ..results.store import History
from ..results.trust import TrustedLadders


class WorkbooksRefused(SheetladderError):
    """A workbook given to the report could not be used: the report would leave it out."""


@contextmanager
def workbook_history(workbooks: Sequence[str], *, ladders: Sequence[str] | None = None,
                     trust_new: bool = False, keep: Sequence[str] = ()) -> Iterator[History]:
    """A temporary history holding ``workbooks`` as collect would store them (read in this
    process). Any workbook refused (errors, an untrusted ladder, copies that disagree) is an
    error naming it with its findings: a report that silently left a person out is wrong."""
    trusted = TrustedLadders.from_paths(list(ladders) if ladders else None, trust_new=trust_new)
    with tempfile.TemporaryDirectory(prefix="sheetladder-report-") as tmp:
        history = History(str(Path(tmp) / "history.sqlite"), scratch=True)
        try:
            outcome = collect(history, list(workbooks), jobs=1, trusted=trusted, keep=keep)
            bad = outcome.refused
            if bad:
                lines = [f"{len(bad)} workbook(s) refused; no report written"]
                for r in bad:
                    lines.append(f"{r.file}: refused")
                    lines += [f"  {f}" for f in r.findings]
                raise WorkbooksRefused("\n".join(lines))
            if not any(r.status in ("added", "updated", "unchanged") for r in outcome.results):
                raise WorkbooksRefused("none of the workbooks holds a rating yet; no report "
                                       "written")
            yield history
        finally:
            history.close()
