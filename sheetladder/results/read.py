"""Reading filled workbooks: the library API under ``sheetladder read``.

``read_path`` reads one .xlsx (or Google Sheet) and verifies it; ``read_many`` reads a batch,
goes on past files that cannot be read (they come back as reports with ``unreadable`` set), and
merges copies of one assessment into one report.

``read_for_collect`` and ``read_chunk_for_collect`` are what ``collect``'s reader processes run.
They live here, not in ``history``, so that a reader process imports the reader and nothing of
the database (SQLAlchemy alone is ~25 MiB per process).
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..a1 import a1
from ..context import META_SHEET, person_key
from ..definition import Ladder
from ..errors import UnreadableWorkbook
from ..google.read import is_google_source
from ..grid import Grid
from ..plan import C_COMMENT, C_RATING, R_FIRST
from ..process import start_worker
from ..scoring import RaterInput
from ..verify.findings import _short
from ..verify.verify import (
    Verified,
    VerifyMemo,
    assessed_person,
    ladder_facts,
    ladder_from_json,
    make_report,
    verify_grid,
)
from ..xlsx.read import grid_from_bytes, open_xlsx
from .readers import CollectTask, check_keep, file_modified, same_file
from .report import (
    Finding,
    Report,
    conflict_message,
    layout_changed,
    recompute_figures,
    withhold_figures,
)
from .trust import TrustedLadders


def open_grid(source: str, memo: VerifyMemo | None = None) -> Grid:
    """The Grid of a file path or a Google Sheets URL/id; UnreadableWorkbook when impossible.
    ``memo`` is the batch's."""
    if not is_google_source(source):
        return open_xlsx(source, sheets=memo.sheets if memo is not None else None)
    from ..google.read import open_grid as open_google

    try:
        grid = open_google(source)
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


def verify_source(source: str, memo: VerifyMemo | None = None) -> Verified:
    """Open and verify one source (raises UnreadableWorkbook); ``memo`` is the batch's."""
    return verify_grid(open_grid(source, memo), memo)


def read_path(path: str | os.PathLike[str]) -> Report:
    """Read and verify one workbook. Raises UnreadableWorkbook when it cannot be read at all.

    A ``--split`` file read so, alone, warns that the other raters' tabs are in files not read
    and lists them in ``tabs_missing``, as ``sheetladder read`` of that file does
    (:func:`read_alone`)."""
    return read_alone(verify_source(os.fspath(path))).report


def unreadable_report(e: UnreadableWorkbook) -> Report:
    return Report(file=e.source, sources=[e.source], unreadable=e.reason,
                  findings=[Finding(severity="error", message=e.reason)])


_Outcome = tuple[Verified | None, UnreadableWorkbook | None]

# In a reader process (started by one batch, ending with it): the batch's memo there. Set by
# the pool's initializer, :func:`start_reader`; in any other process it stays None.
_worker_memo: VerifyMemo | None = None


def start_reader(parent: int) -> None:
    """A reader pool's initializer: the worker is the batch's (:func:`process.start_worker`),
    and verifies with a memo that lives as long as the process, which is the batch's lifetime."""
    global _worker_memo
    start_worker(parent)
    _worker_memo = VerifyMemo()


def _verify_one(source: str, memo: VerifyMemo | None = None) -> _Outcome:
    """One file of a batch: verified, or why it cannot be read. Never raises."""
    try:
        return verify_source(source, memo), None
    except UnreadableWorkbook as e:
        return None, e
    except Exception as e:  # noqa: BLE001 - one file must never stop a batch
        msg = str(e).strip().splitlines()
        return None, UnreadableWorkbook(
            source, f"could not be verified ({type(e).__name__}: {msg[0][:160] if msg else ''})")


def _verify_in_worker(source: str) -> tuple[Any, ...]:
    """:func:`_verify_one` in a worker process, sent back without the ladder object: the report
    carries the ladder's canonical JSON, from which the parent gets it (once per ladder)."""
    v, e = _verify_one(source, _worker_memo)
    if v is None:
        assert e is not None
        return ("unreadable", e.source, e.reason)
    return ("ok", v.report, v.context, v.tabs_present, v.inputs)


def _from_worker(got: tuple[Any, ...]) -> _Outcome:
    if got[0] == "unreadable":
        return None, UnreadableWorkbook(got[1], got[2])
    _, report, context, tabs, inputs = got
    assert report.ladder_json is not None  # a verified report always carries it
    return Verified(report=report, ladder=ladder_from_json(report.ladder_json), context=context,
                    tabs_present=tabs, inputs=inputs), None


def _outcomes(sources: list[str], jobs: int) -> Iterator[_Outcome]:
    if jobs <= 1 or len(sources) < 3:
        memo = VerifyMemo()  # this batch's
        for source in sources:
            yield _verify_one(source, memo)
        return
    from ..workers import WorkerPool

    workers = min(jobs, len(sources))
    chunk = max(1, min(16, len(sources) // (workers * 8)))
    with WorkerPool(workers, initializer=start_reader, initargs=(os.getpid(),)) as pool:
        for got in pool.map(_verify_in_worker, sources, chunksize=chunk):
            yield _from_worker(got)


PER_WORKER = 100  # files a reader process must have to read to pay for starting it


def read_many(sources: Iterable[str | os.PathLike[str]], merge_copies: bool = True,
              jobs: int = 1, keep: Sequence[str] = (),
              trusted: TrustedLadders | None = None) -> list[Report]:
    """Read a batch: one report per assessment, copies of one assessment merged.

    Unreadable files come back as reports with ``unreadable`` set, in their place in the batch;
    the other files are read regardless. Reports keep the order of first appearance. With
    ``jobs`` > 1 the files are read by that many worker processes (the reports are the same);
    ``process.default_jobs(n, PER_WORKER)`` is the usual choice.
    ``keep`` names the copies that win a conflict (:func:`merge`). With ``trusted``, each
    embedded ladder is judged against the trusted ones (:func:`judge_report`).
    """
    names = [os.fspath(s) for s in sources]
    check_keep(keep, names)
    slots: list[Report | str] = []  # a report, or the key of a group of copies
    groups: dict[str, list[Verified]] = {}
    for v, e in _outcomes(names, jobs):
        if v is None:
            assert e is not None
            slots.append(unreadable_report(e))
            continue
        if not merge_copies:
            slots.append(judge_report(read_alone(v).report, v.ladder, trusted))
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
            continue
        merged = merge(groups[slot], keep)
        report = judge_report(merged.report, merged.ladder, trusted)
        if merged.conflicts:  # a guess at which copy is right drives no figure either
            withhold_figures(report, merged.report.figures_withheld or "copies disagree")
        out.append(report)
    return out


def judge_report(report: Report, ladder: Ladder, trusted: TrustedLadders | None) -> Report:
    """The report measured against the trusted ladders: an embedded ladder that differs from
    the trusted one of its id and version is an error (the figures are the trusted ladder's,
    labelled), one never seen is an error saying what to do; a report whose hidden definition
    was edited gets its figures back from the trusted ladder when there is one."""
    if trusted is None:
        return report
    j = trusted.judge(ladder)
    if j.verdict == "trusted":
        if report.figures_withheld and j.ladder is not None and j.origin:
            recompute_figures(report, j.ladder, j.origin)
        return report
    assert j.message is not None
    report.findings.append(Finding(severity="error", sheet=META_SHEET, message=j.message))
    if j.verdict == "differs":
        assert j.ladder is not None and j.origin is not None
        if not recompute_figures(report, j.ladder, j.origin) and not report.unread_ratings \
                and not layout_changed(report):
            withhold_figures(report, f"the workbook's ladder differs from {j.origin}, and its "
                                     "ratings do not fit that ladder: no figure is computed")
    return report


def assessment_key(v: Verified) -> str:
    """What makes copies one assessment: person, period, raters and ladder (not the split tab).
    The period is the report's, canonical: ``2026q4`` and ``2026-Q4`` copies are one."""
    ctx = v.context.model_copy(update={"split_tab": None, "period": v.report.period})
    return json.dumps([ladder_facts(v.ladder)[1], ctx.model_dump(mode="json")], sort_keys=True)


def _filled(inp: RaterInput) -> bool:
    return any(v is not None for v in inp.levels.values()) or any(
        t.strip() for t in inp.comments.values())


def input_cell(ladder: Ladder, category_id: str, what: str = "rating") -> str:
    """Where a category's rating (or comment) is on a rater tab as made."""
    i = [c.id for c in ladder.categories].index(category_id)
    return a1(R_FIRST + i, C_RATING if what == "rating" else C_COMMENT)


def tab_differences(ladder: Ladder, a: RaterInput, b: RaterInput
                    ) -> list[tuple[str, str, str, str]]:
    """(cell, category, a's content, b's content) for every cell where two copies of a tab
    differ, ratings first; blanks and spaces around comments are no difference."""
    codes = ladder.codes
    out: list[tuple[str, str, str, str]] = []
    for c in ladder.categories:
        la, lb = a.levels.get(c.id), b.levels.get(c.id)
        if la != lb:
            out.append((input_cell(ladder, c.id), c.name, codes[la - 1] if la else "blank",
                        codes[lb - 1] if lb else "blank"))
    for c in ladder.categories:
        ca, cb = a.comments.get(c.id, "").strip(), b.comments.get(c.id, "").strip()
        if ca != cb:
            out.append((input_cell(ladder, c.id, "comment"), f"{c.name}, comment", _quote(ca),
                        _quote(cb)))
    return out


def _quote(text: str) -> str:
    return repr(_short(text, 40)) if text else "nothing"


def _missing_tab(tab: str, split: bool) -> Finding:
    """The warning for a rater tab that no file read holds: the figures are the other tabs'."""
    where = (" (a --split file holds only its rater's tab: give every rater's file to one "
             "sheetladder read)" if split else "")
    return Finding(severity="warning", sheet=tab, message=(
        f"no file read holds the {tab!r} tab, so this rater's ratings are missing{where}; "
        "the figures are those of the tabs read only"))


def read_alone(v: Verified) -> Verified:
    """A file read with no other copy of its assessment, as every reading of one file goes
    (:func:`read_path`, ``read_many`` and ``sheetladder read``, :func:`merge` of one copy): a
    ``--split`` file holds only its rater's tab, so each other rater's tab is named in
    ``tabs_missing`` with a warning, and its figures are labelled those of the tabs read only.
    Any other file is returned as it is. Done once per file (``tabs_missing`` set says so)."""
    if v.context.split_tab is None or v.report.tabs_missing:
        return v
    v.report.tabs_missing = [s.tab for s in v.context.raters if s.tab not in v.inputs]
    v.report.findings += [_missing_tab(tab, split=True) for tab in v.report.tabs_missing]
    return v


def merge(copies: Sequence[Verified], keep: Sequence[str] = ()) -> Verified:
    """One report from copies of one assessment: each rater tab from the copy where it is filled.

    Copies holding different content on one tab are a conflict: an error finding naming both
    files and the first cells that differ, and no figures, unless one of them is named in
    ``keep``, which then holds the tab. Nothing is settled silently, and never by file times.
    """
    if len(copies) == 1:
        return read_alone(copies[0])
    first = copies[0]
    ladder = first.ladder
    ctx = first.context.model_copy(update={"split_tab": None})
    sources = [v.report.file for v in copies]
    findings: list[Finding] = []
    for v in copies:
        for f in v.report.findings:
            findings.append(f.model_copy(update={"file": f.file or v.report.file}))
    chosen: dict[str, RaterInput] = {}
    conflicts: list[str] = []
    missing: list[str] = []
    for slot in ctx.raters:
        holders = [v for v in copies if slot.tab in v.inputs]
        if not holders:
            missing.append(slot.tab)
            findings.append(_missing_tab(slot.tab, split=any(v.context.split_tab for v in copies)))
            continue
        filled = [v for v in holders if _filled(v.inputs[slot.tab])]
        if not filled:
            chosen[slot.tab] = holders[0].inputs[slot.tab]
            continue
        kept = [v for v in filled if any(same_file(v.report.file, k) for k in keep)]
        pick = kept[0] if kept else filled[0]
        chosen[slot.tab] = pick.inputs[slot.tab]
        for other in filled:
            if other is pick:
                continue
            diffs = tab_differences(ladder, pick.inputs[slot.tab], other.inputs[slot.tab])
            if not diffs:
                continue
            if kept and not any(same_file(other.report.file, k) for k in keep):
                findings.append(Finding(
                    severity="warning", sheet=slot.tab, cell=diffs[0][0], file=other.report.file,
                    message=(f"{other.report.file} holds other ratings on this tab; those of "
                             f"{pick.report.file} are used, as --keep says")))
                continue
            conflicts.append(slot.tab)
            findings.append(Finding(
                severity="error", sheet=slot.tab, cell=diffs[0][0], file=other.report.file,
                conflict_tab=slot.tab,
                message=conflict_message(slot.tab, pick.report.file, other.report.file, diffs)))
    report = make_report(" + ".join(sources), ladder, ctx, chosen, findings, sources)
    report.unread_ratings = [c for v in copies for c in v.report.unread_ratings]
    report.tabs_missing = missing
    withheld = next((v.report.figures_withheld for v in copies if v.report.figures_withheld), None)
    if conflicts:
        withhold_figures(report, f"copies disagree on tab(s) {', '.join(map(repr, conflicts))}: "
                                 "no figure is computed until one copy is chosen")
    elif withheld:
        withhold_figures(report, withheld)
    return Verified(report=report, ladder=ladder, context=ctx, tabs_present=set(chosen),
                    inputs=chosen, conflicts=conflicts)


# -- collect's reader --------------------------------------------------------------------------


@dataclass
class PackedReport:
    """A read report as ``collect`` holds it until its batch is settled: its JSON compressed (a
    few KiB; the ladder's JSON left out, it travels once per outcome), and what settling the
    batch decides with, so that the report is unpacked only to be stored."""

    data: bytes
    person: str | None
    period: str | None
    ok: bool
    tabs: dict[str, bytes]  # each filled rater tab -> a digest of its content (see tab_content)
    content_hash: str | None = None  # the file's sha256 (see Report.content_hash)

    def report(self) -> Report:
        return Report.model_validate_json(zlib.decompress(self.data))


def tab_content(inp: RaterInput) -> bytes:
    """What two copies of a rater tab must agree on: the ratings given and the comments
    written (spaces around them aside), as a 16-byte digest. A batch holds one per filled tab
    until it is settled, and only their equality is asked; the contents themselves, ~7 KiB a
    file, would add up over thousands of files (where they differ, the reports say how)."""
    content = (sorted((k, v) for k, v in inp.levels.items() if v is not None),
               sorted((k, v.strip()) for k, v in inp.comments.items() if v.strip()))
    return hashlib.blake2b(json.dumps(content).encode(), digest_size=16).digest()


def pack(report: Report) -> PackedReport:
    return PackedReport(
        data=zlib.compress(report.model_dump_json(exclude={"ladder_json"}).encode(), 1),
        person=report.person, period=report.period, ok=report.ok,
        tabs={i.tab: tab_content(i) for i in report.inputs if _filled(i)},
        content_hash=report.content_hash)


@dataclass
class ReadOutcome:
    """What reading one file for ``collect`` gives: the report (or it packed, which is what a
    reader process sends: a fraction of the pickled report's size and cost) and the ladder it
    embeds, or why not (``error``)."""

    file: str
    report: Report | None
    ladder_json: str | None
    modified: datetime | None
    error: str | None = None
    packed: PackedReport | None = None

    def packed_report(self) -> PackedReport | None:
        if self.packed is None and self.report is not None:
            self.packed = pack(self.report)
            self.report = None
        return self.packed


def read_for_collect(path: str, data: bytes | None = None,
                     modified: datetime | None = None, memo: VerifyMemo | None = None
                     ) -> ReadOutcome:
    """Read and verify one workbook for ``collect``. Never raises: a failure is an outcome.

    ``data`` is the file's bytes when the caller has read them already (the file is then not
    opened again), ``modified`` its modification time (else it is looked up); ``memo`` is the
    batch's."""
    if modified is None:
        modified = file_modified(path)
    try:
        grid = open_grid(path, memo) if data is None else \
            grid_from_bytes(path, data, sheets=memo.sheets if memo is not None else None)
        report = verify_grid(grid, memo).report
    except UnreadableWorkbook as e:
        return ReadOutcome(file=path, report=None, ladder_json=None, modified=modified,
                           error=f"not a readable workbook: {e.reason}")
    except Exception as e:  # noqa: BLE001 - a bug in reading one file must not stop a batch
        return ReadOutcome(file=path, report=None, ladder_json=None, modified=modified,
                           error=f"could not be read: {type(e).__name__}: {e}")
    return ReadOutcome(file=path, report=report, ladder_json=report.ladder_json,
                       modified=modified)


def assessed_person_of(path: str, data: bytes | None) -> str | None:
    """The person (:func:`person_key`) a workbook's read report names, if it names one, told
    from its hidden sheet alone (a sixth to a third of reading the file); None when that cannot be
    told (a Google Sheet, a template whose person is typed on its guide, a hidden sheet that
    cannot be read): the report may then name anyone."""
    if data is None:  # a Google Sheet
        return None
    try:
        person = assessed_person(grid_from_bytes(path, data, "fast", only=META_SHEET))
    except Exception:  # noqa: BLE001 - whatever stops it, reading the file says what is wrong
        return None
    return None if person is None else person_key(person)


def read_chunk_for_collect(tasks: Sequence[CollectTask],
                           reader: Callable[[str], ReadOutcome] | None = None,
                           memo: VerifyMemo | None = None) -> list[ReadOutcome]:
    """A chunk of ``collect``'s files, read in order, their reports packed; ``memo`` is the
    batch's (in a reader process, the process's own). ``reader`` replaces
    :func:`read_for_collect` (it gets the path only)."""
    if reader is not None:
        return [reader(path) for path, _, _ in tasks]
    memo = memo or _worker_memo
    out = [read_for_collect(path, data, modified, memo) for path, data, modified in tasks]
    for got in out:
        got.packed_report()
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
        "team": report.team,
        "managers": report.managers,
        "ladder": report.ladder.model_dump() if report.ladder else None,
        "ok": report.ok,
        "findings": [_finding_json(f) for f in report.findings],
        "raters": [
            {"role": r.role, "name": r.name, "tab": r.tab, "rated": r.rated, "of": r.of,
             "total_points": r.total_points, "level": r.level,
             "progress_to_next": r.progress_to_next,
             "held_back": [g.model_dump() for g in r.held_back]}
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
        "held_back": [g.model_dump() for g in report.held_back],
        "figures_withheld": report.figures_withheld,
        "figures_from": report.figures_from,
        "tabs_missing": report.tabs_missing,
        "comments": {i.tab: i.comments for i in report.inputs if i.comments},
    }


def _finding_json(f: Finding) -> dict[str, Any]:
    d: dict[str, Any] = {"severity": f.severity, "sheet": f.sheet, "cell": f.cell,
                         "message": f.message}
    if f.file:
        d["file"] = f.file
    return d
