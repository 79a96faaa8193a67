"""Reading filled workbooks: the library API under ``sheetladder read``.

``read_path`` reads one .xlsx (or Google Sheet) and verifies it; ``read_many`` reads a batch,
goes on past files that cannot be read (they come back as reports with ``unreadable`` set), and
merges copies of one assessment into one report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .grid import Grid, UnreadableWorkbook, open_xlsx
from .report import Finding, Report
from .verify import Verified, assessment_key, merge, verify_grid

_GOOGLE_URL = re.compile(r"^https?://docs\.google\.com/spreadsheets/")
_GOOGLE_ID = re.compile(r"^[A-Za-z0-9_-]{30,100}$")


def is_google_source(source: str) -> bool:
    """A Google Sheets URL, or a bare spreadsheet id that is not also a file here."""
    s = source.strip()
    if _GOOGLE_URL.match(s):
        return True
    return bool(_GOOGLE_ID.match(s)) and not os.path.exists(s)


def open_grid(source: str) -> Grid:
    """The Grid of a file path or a Google Sheets URL/id; UnreadableWorkbook when impossible."""
    if not is_google_source(source):
        return open_xlsx(source)
    try:
        from . import gsheets

        opener = gsheets.open_grid
    except (ImportError, AttributeError) as e:
        raise UnreadableWorkbook(
            source, f"reading Google Sheets is not available in this installation ({e})") from None
    try:
        grid = opener(source)
    except UnreadableWorkbook:
        raise
    except Exception as e:  # noqa: BLE001 - network and API failures become one line, not a traceback
        msg = str(e).strip().splitlines()
        raise UnreadableWorkbook(
            source, f"the Google Sheet could not be read ({type(e).__name__}: "
                    f"{msg[0][:160] if msg else ''})") from None
    if not isinstance(grid, Grid):
        raise UnreadableWorkbook(source, "the Google Sheets reader did not return a Grid")
    return grid


def verify_source(source: str) -> Verified:
    """Open and verify one source (raises UnreadableWorkbook)."""
    return verify_grid(open_grid(source))


def read_path(path: str | os.PathLike[str]) -> Report:
    """Read and verify one workbook. Raises UnreadableWorkbook when it cannot be read at all."""
    return verify_source(os.fspath(path)).report


def unreadable_report(e: UnreadableWorkbook) -> Report:
    return Report(file=e.source, sources=[e.source], unreadable=e.reason,
                  findings=[Finding(severity="error", message=e.reason)])


def read_many(sources: Iterable[str | os.PathLike[str]], merge_copies: bool = True) -> list[Report]:
    """Read a batch: one report per assessment, copies of one assessment merged.

    Unreadable files come back as reports with ``unreadable`` set, in their place in the batch;
    the other files are read regardless. Reports keep the order of first appearance.
    """
    slots: list[Report | str] = []  # a report, or the key of a group of copies
    groups: dict[str, list[Verified]] = {}
    for src in sources:
        source = os.fspath(src)
        try:
            v = verify_source(source)
        except UnreadableWorkbook as e:
            slots.append(unreadable_report(e))
            continue
        except Exception as e:  # noqa: BLE001 - one file must never stop a batch
            msg = str(e).strip().splitlines()
            slots.append(unreadable_report(UnreadableWorkbook(
                source, f"could not be verified ({type(e).__name__}: {msg[0][:160] if msg else ''})")))
            continue
        if not merge_copies:
            slots.append(v.report)
            continue
        key = assessment_key(v)
        if key not in groups:
            groups[key] = []
            slots.append(key)
        groups[key].append(v)
    out: list[Report] = []
    for slot in slots:
        if isinstance(slot, Report):
            out.append(slot)
        else:
            out.append(merge(groups[slot]).report)
    return out


def exit_code(reports: Sequence[Report]) -> int:
    """2 when a file could not be read at all, 1 when a report has an error finding, else 0."""
    if any(r.unreadable for r in reports):
        return 2
    if any(not r.ok for r in reports):
        return 1
    return 0


def report_json(report: Report) -> dict[str, Any]:
    """The ``--json`` shape of one report (see the read command's help)."""
    if report.unreadable:
        return {"file": report.file, "sources": report.sources, "unreadable": report.unreadable,
                "findings": [_finding_json(f) for f in report.findings]}
    return {
        "file": report.file,
        "sources": report.sources,
        "content_hash": report.content_hash,
        "person": report.person,
        "email": report.email,
        "period": report.period,
        "ladder": report.ladder.model_dump() if report.ladder else None,
        "ok": report.ok,
        "findings": [_finding_json(f) for f in report.findings],
        "raters": [
            {"role": r.role, "name": r.name, "tab": r.tab, "rated": r.rated, "of": r.of,
             "total_points": r.total_points, "level": r.level,
             "progress_to_next": r.progress_to_next}
            for r in report.raters
        ],
        "categories": [
            {"id": c.id, "name": c.name, "weight": c.weight, "ratings": c.ratings,
             "role_means": c.role_means, "consensus": c.consensus_level,
             "consensus_points": c.consensus_points, "self_gap": c.self_gap,
             "next_level": c.next_level}
            for c in report.categories
        ],
        "total_points": report.total_points,
        "level": report.level,
        "level_index": report.level_index,
        "progress_to_next": report.progress_to_next,
        "comments": {i.tab: i.comments for i in report.inputs if i.comments},
    }


def _finding_json(f: Finding) -> dict[str, Any]:
    d: dict[str, Any] = {"severity": f.severity, "sheet": f.sheet, "cell": f.cell,
                         "message": f.message}
    if f.file:
        d["file"] = f.file
    return d
