"""Publishing a roster: one Google Sheet per person (or per rater with ``split``), paced under
Google's per-user write quota, resumable from its manifest.

The manifest (see :mod:`sheetladder.manifest`) lists every rater of every sheet to make; a
row's ``target`` is the sheet's link once it exists. It is rewritten atomically after each
sheet, so after a failure or an interruption a rerun with the same manifest makes only the
sheets that are missing. A sheet that fails half-way is deleted by :func:`publish` before the
error goes on, so nothing half-made is left out of the manifest. Only a process killed between
Google's answer to the create and the manifest write leaves a sheet the manifest does not know:
a rerun looks each missing sheet up by title first (one Drive read each, on reruns only) and
refuses to make a second one. The manifest is also the
mail-merge file: person, period, tab, role, rater, email and link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gspread

from ..context import Context, split_contexts
from ..definition import Ladder
from ..errors import SheetladderError
from ..manifest import ManifestRow, read_manifest, write_manifest
from ..period import PeriodError
from ..plan import build_plan
from ..roster import Roster, RosterProblem
from .client import BoundedRetryHTTPClient, GoogleApi, Pacer, as_api
from .publish import Published, Share, publish, share_plan, title_of
from .read import spreadsheet_url

Progress = Callable[[int, int, str], None]


class ManifestMismatch(SheetladderError):
    """The manifest was written for another roster run (other raters, or --split changed)."""


class UnrecordedSheet(SheetladderError):
    """A rerun found a sheet the manifest does not link (a run killed between creating it and
    writing the manifest): making it again would be a duplicate."""


@dataclass
class TeamResult:
    manifest: Path
    rows: list[ManifestRow]
    created: list[Published] = field(default_factory=list)
    kept: int = 0  # sheets the manifest already had
    problems: list[RosterProblem] = field(default_factory=list)


def _key(person: str, period: str | None, tab: str) -> tuple[str, str, str]:
    return (" ".join(person.split()).casefold(), (period or "").casefold(), tab.casefold())


def _rows(ctx: Context, target: str = "") -> list[ManifestRow]:
    """The manifest rows of one sheet: one per rater slot it holds, as ``render --roster``
    writes them (the self tab's rater is the person; the person's team), so that ``status`` and
    ``report`` group and name them alike from the links."""
    return [ManifestRow(person=ctx.person, period=ctx.period, tab=s.tab, role=s.role,
                        rater=s.name or (ctx.person if s.role == "self" else None),
                        email=s.email, target=target, team=ctx.team)
            for s in ctx.raters if ctx.split_tab is None or s.tab == ctx.split_tab]


def publish_roster(ladder: Ladder, roster: Roster | Sequence[Context], manifest: str | Path,
                   api: GoogleApi | gspread.Client | None = None, *, split: bool = False,
                   shares: Sequence[Share] = (), link: str | None = None,
                   folder: str | None = None, notify: bool = True, pacer: Pacer | None = None,
                   on_progress: Progress | None = None) -> TeamResult:
    """Publish every person of ``roster``, skipping the sheets ``manifest`` already links."""
    api = as_api(api)
    manifest = Path(manifest)
    contexts = [e.context for e in roster.entries] if isinstance(roster, Roster) else list(roster)
    missing = [c.person for c in contexts if not (c.period or "").strip()]
    if missing:  # before any call: a sheet without a period could never be collected
        raise PeriodError(f"a sheet needs a period (e.g. 2026-Q4): give --period, or a period "
                          f"for {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else ""))
    units = [c for ctx in contexts for c in (split_contexts(ctx) if split else [ctx])]
    rerun = manifest.exists()
    known = {_key(r.person, r.period, r.tab): r.target for r in read_manifest(manifest)
             if r.target} if rerun else {}
    for ctx in contexts:  # a manifest is resumed only by a run of the same kind
        linked = [known[k] for s in ctx.raters if (k := _key(ctx.person, ctx.period, s.tab)) in known]
        one_sheet = len(linked) > 1 and len(set(linked)) == 1
        if (split and one_sheet) or (not split and len(set(linked)) > 1):
            kind = "one sheet per person" if split else "one sheet per rater (--split)"
            raise ManifestMismatch(
                f"{manifest}: it links {ctx.person}'s raters to {kind}, as another kind of run "
                "writes; rerun with the same --split as the first run, or give another -o")
    plan_rows: list[list[ManifestRow]] = []
    for unit in units:
        rows = _rows(unit)
        found = [known.get(_key(r.person, r.period, r.tab), "") for r in rows]
        plan_rows.append([r.model_copy(update={"target": found[0] if all(found) else ""})
                          for r in rows])
    result = TeamResult(manifest=manifest, rows=[r for rows in plan_rows for r in rows],
                        problems=list(roster.problems) if isinstance(roster, Roster) else [])
    hc = api.client.http_client
    pacer = pacer or Pacer()
    previous = hc.pacer if isinstance(hc, BoundedRetryHTTPClient) else None
    if isinstance(hc, BoundedRetryHTTPClient):
        hc.pacer = pacer
    try:
        write_manifest(manifest, result.rows)
        total = len(units)
        for i, (unit, rows) in enumerate(zip(units, plan_rows, strict=True)):
            label = unit.person + (f" ({unit.split_tab})" if unit.split_tab else "")
            if rows and rows[0].target:
                result.kept += 1
            else:
                plan = build_plan(ladder, unit)
                if rerun:  # one Drive read per missing sheet, on reruns only
                    _refuse_unrecorded(api, title_of(plan), manifest)
                if not isinstance(hc, BoundedRetryHTTPClient):  # a user's client: pace here
                    for _ in range(2 + len(share_plan(plan, shares)) + bool(link)):
                        pacer.wait()
                pub = publish(plan, api, shares=shares, link=link, folder=folder, notify=notify)
                result.created.append(pub)
                plan_rows[i] = [r.model_copy(update={"target": pub.url}) for r in rows]
                result.rows = [r for rs in plan_rows for r in rs]
                write_manifest(manifest, result.rows)
            if on_progress is not None:
                on_progress(i + 1, total, label)
    finally:
        if isinstance(hc, BoundedRetryHTTPClient):
            hc.pacer = previous
    return result


def _refuse_unrecorded(api: GoogleApi, title: str, manifest: Path) -> None:
    """A sheet of this title that the manifest does not link was made by a run that died
    before it could record it: say so rather than make a second one."""
    found = api.find_spreadsheets(title)
    if found:
        links = ", ".join(spreadsheet_url(sid) for sid in found)
        raise UnrecordedSheet(
            f"{manifest}: a sheet titled {title!r} already exists ({links}) but the manifest does "
            "not link it (an earlier run stopped between making it and recording it, and may "
            "have stopped before its tabs were protected and shared): delete it, then run "
            "again, which publishes it whole")


def default_manifest(roster: Path) -> Path:
    """Where the links of a roster run go without -o: ``ROSTER-links.csv`` beside the roster."""
    return roster.with_name(f"{roster.stem}-links.csv")
