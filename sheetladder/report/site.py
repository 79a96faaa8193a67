"""The report: a static site of one period, a team page (``index.html``) and a page per person
(``people/NAME.html``), from an export's :class:`~sheetladder.results.export.PeriodExport`.

Every figure comes from :func:`sheetladder.results.export.build` (never from raw ratings), so
what the export withholds (peer anonymity) the pages withhold too. The pages hold everything
inline (CSS, SVG; no script, font or image is fetched), so they open from disk or any static
host; Jinja2 escapes every value, so a name holding ``<script>`` shows as that text.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..context import person_key
from ..definition import Ladder
from ..errors import OutputExists, SheetladderError
from ..files import write_new
from ..results import anonymity
from ..results.calibrate import Calibration, calibrate
from ..results.export import PeriodExport, PersonRow, TeamView, heat_span, in_view, team_key
from ..results.status import CycleStatus, Manifests, Totals
from ..results.store import History
from ..roster import slug
from ..scoring import next_level
from . import charts
from .calibration import CalibrationView, calibration_view

PEOPLE_DIR = "people"
HEAT_BLOCK = 6  # categories per heatmap table, so that each prints one page wide


class ReportError(SheetladderError):
    """The report cannot be made: a folder that may not be written, a ladder not held."""


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sheetladder.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)


def num(x: float | None, digits: int = 2) -> str:
    """A figure as the pages print it: up to ``digits`` decimals, a dash for none."""
    if x is None:
        return "–"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") or "0"


def signed(x: float | None) -> str:
    return "–" if x is None else ("+" if x > 0 else "") + num(x)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{round(x * 100)}%"


# -- file names --------------------------------------------------------------------------------


def page_names(rows: Sequence[PersonRow]) -> list[str]:
    """A file name per row (``people/ana-diaz.html``): the person's slug (ASCII letters,
    digits and ``-``), with ``-2``, ``-3`` ... where two rows would share one (compared as a
    case-insensitive file system would)."""
    names: list[str] = []
    taken: set[str] = set()
    for r in rows:
        base = slug(r.person, 60)
        name, k = base, 1
        while name.casefold() in taken:
            k += 1
            name = f"{base}-{k}"
        taken.add(name.casefold())
        names.append(f"{PEOPLE_DIR}/{name}.html")
    return names


# -- what the pages show -----------------------------------------------------------------------


@dataclass
class GrowthItem:
    category: str
    group: str
    consensus: str
    next_code: str | None
    next_name: str | None
    descriptor: str | None
    drafted: bool


@dataclass
class RadarRow:
    category: str
    values: list[str]  # per series
    consensus: str


@dataclass
class CommentView:
    rater: str
    role: str
    rating: str | None
    comment: str


@dataclass
class CommentGroup:
    category: str
    comments: list[CommentView]


@dataclass
class PersonPage:
    row: PersonRow
    file: str
    ladder: Ladder
    level_name: str | None
    next_code: str | None
    points_to_next: float | None
    radar: Markup
    radar_headers: list[str]
    radar_rows: list[RadarRow]
    progress: Markup
    growth: list[GrowthItem]
    comments: list[CommentGroup]
    trend: Markup | None
    trend_rows: list[tuple[str, str, str]]  # period, level, total


@dataclass
class HeatCell:
    text: str
    colour: str


@dataclass
class HeatRow:
    person: str
    file: str
    level: str
    cells: list[HeatCell]


@dataclass
class HeatBlock:
    name: str
    categories: list[str]
    rows: list[HeatRow]


@dataclass
class LadderSection:
    view: TeamView
    bars: Markup
    distribution: list[tuple[str, int]]
    legend: list[HeatCell]
    legend_note: str
    blocks: list[HeatBlock]


@dataclass
class MissingPerson:
    person: str
    state: str
    missing: list[str]  # "Bo Chen (manager)"
    refused: list[str]


@dataclass
class TeamPage:
    title: str
    sections: list[LadderSection]
    people: list[tuple[PersonRow, str]]
    teams: list[Any]
    calibration: CalibrationView | None
    missing: list[MissingPerson] | None
    missing_totals: str | None


def _role_series(exp: PeriodExport, ladder: Ladder, row: PersonRow) -> list[tuple[str, str]]:
    """The kinds of rater the person's outputs show: the ladder's roles, or Self and the pool
    of the others when peer anonymity pools them (results/anonymity.py)."""
    names = dict(exp.roles)
    roles = [(r.id, names.get(r.id, r.name)) for r in ladder.raters]
    if row.peers_pooled:
        roles = [(rid, n) for rid, n in roles if rid == anonymity.SELF]
        roles.append((anonymity.POOL, anonymity.POOL_NAME))
    return roles


def person_page(exp: PeriodExport, row: PersonRow, ladder: Ladder, file: str) -> PersonPage:
    cats = list(ladder.categories)
    roles = _role_series(exp, ladder, row)
    series = []
    for j, (rid, rname) in enumerate(roles):
        vals = [row.category_roles.get(c.id, {}).get(rid) for c in cats]
        if any(v is not None for v in vals):
            colour, dash = charts.ROLE_STYLES[j % len(charts.ROLE_STYLES)]
            series.append((rname, charts.Series(label=rname, values=vals, colour=colour,
                                                dash=dash)))
    uid = "radar"
    desc = (f"{row.person}'s level per category as each kind of rater sees it, on the scale "
            f"{ladder.codes[0]} (centre side) to {ladder.codes[-1]} (outer ring); the table "
            "below holds the same figures.")
    radar = charts.radar(uid, [c.name for c in cats], [s for _, s in series], ladder.codes,
                         f"Ratings by category: {', '.join(n for n, _ in series) or 'none'}",
                         desc)
    radar_rows = [RadarRow(category=c.name,
                           values=[num(s.values[i]) for _, s in series],
                           consensus=num(row.consensus.get(c.id)))
                  for i, c in enumerate(cats)]
    growth: list[GrowthItem] = []
    group_of = {c.id: g.name for g in ladder.groups for c in g.categories}
    for c in cats:
        cons = row.consensus.get(c.id)
        nxt = next_level(cons, len(ladder.codes)) if cons is not None else 1
        code = ladder.codes[nxt - 1] if nxt else None
        d = c.descriptor(code) if code else None
        growth.append(GrowthItem(
            category=c.name, group=group_of[c.id], consensus=num(cons),
            next_code=code, next_name=ladder.levels[nxt - 1].name if nxt else None,
            descriptor=d.text if d else None, drafted=bool(d and d.drafted)))
    groups: dict[str, CommentGroup] = {}
    for cm in row.comments:
        groups.setdefault(cm.category, CommentGroup(cm.category_name, [])).comments.append(
            CommentView(rater=cm.rater, role=cm.role_name, rating=cm.rating, comment=cm.comment))
    order = {c.id: i for i, c in enumerate(cats)}
    comment_groups = [groups[k] for k in sorted(groups, key=lambda k: order.get(k, len(order)))]
    level_name = None
    next_code = None
    points_to_next = None
    if row.level_index is not None:
        level_name = ladder.levels[row.level_index - 1].name if row.level_index > 0 else \
            f"below {ladder.codes[0]}"
        if row.level_index < len(ladder.codes):
            next_code = ladder.codes[row.level_index]
            if row.total_points is not None:
                points_to_next = max(0.0, ladder.level_thresholds()[row.level_index]
                                     - row.total_points)
    prog = charts.progress("progress", row.progress_to_next,
                           f"Progress to {next_code or 'the next level'}: "
                           f"{pct(row.progress_to_next)}",
                           "How far the total points are from this level's threshold to the "
                           "next one's.")
    trend_row = next((t for t in exp.trend if t.person == row.person and t.ladder == row.ladder),
                     None)
    trend_svg = None
    trend_rows: list[tuple[str, str, str]] = []
    if trend_row is not None:
        held = [p for p in exp.periods if trend_row.levels.get(p) or
                trend_row.totals.get(p) is not None]
        trend_rows = [(p, trend_row.levels.get(p) or "–", num(trend_row.totals.get(p)))
                      for p in held]
        if held:
            trend_svg = charts.trend("trend", held, [trend_row.totals.get(p) for p in held],
                                     "Total points per period",
                                     f"{row.person}'s total points in each period held, "
                                     "oldest first; the table beside it lists them with levels.")
    return PersonPage(row=row, file=file, ladder=ladder, level_name=level_name,
                      next_code=next_code, points_to_next=points_to_next, radar=radar,
                      radar_headers=[n for n, _ in series], radar_rows=radar_rows,
                      progress=prog, growth=growth, comments=comment_groups, trend=trend_svg,
                      trend_rows=trend_rows)


def _section(exp: PeriodExport, tv: TeamView, files: Mapping[int, str], k: int) -> LadderSection:
    people = [(i, r) for i, r in enumerate(exp.rows) if in_view(tv, r)]
    codes = tv.levels[1:]
    values = [r.consensus.get(c.category) for _, r in people for c in tv.categories]
    lo, hi = heat_span(values, len(codes))
    legend = [HeatCell(text=codes[j - 1], colour=charts.heat(j, lo, hi))
              for j in range(lo, hi + 1)]
    by_id = {c.category: c for c in tv.categories}
    blocks: list[HeatBlock] = []
    for gname, ids in tv.groups:
        mine = [by_id[cid] for cid in ids if cid in by_id]
        for j in range(0, len(mine), HEAT_BLOCK):
            part = mine[j:j + HEAT_BLOCK]
            name = gname if len(mine) <= HEAT_BLOCK else f"{gname} ({j // HEAT_BLOCK + 1})"
            rows = [HeatRow(person=r.person, file=files[i], level=r.level or "–",
                            cells=[HeatCell(text=num(v := r.consensus.get(c.category)),
                                            colour=charts.heat(v, lo, hi)) for c in part])
                    for i, r in people]
            blocks.append(HeatBlock(name=name, categories=[c.name for c in part], rows=rows))
    dist = [(label, tv.distribution[label]) for label in tv.levels]
    bars = charts.bars(f"dist-{k}", [lv for lv, _ in dist], [n for _, n in dist],
                       f"Level distribution: {tv.name}",
                       f"People at each level of {tv.name} in {exp.period} (complete "
                       "assessments only); the table beside it holds the same counts.")
    return LadderSection(view=tv, bars=bars, distribution=dist, legend=legend,
                         legend_note=f"Colours run from {codes[lo - 1]} (red) through yellow to "
                                     f"{codes[hi - 1]} (green): the levels held in this period.",
                         blocks=blocks)


def _missing(st: CycleStatus, keep: set[str] | None, exp: PeriodExport
             ) -> tuple[list[MissingPerson], Totals]:
    """Who has not returned (of ``keep``'s teams only, when given), and their totals. For a
    person whose raters the outputs pool (peer anonymity), only the self tab is named: which
    of the others is missing would tell who is inside the pool."""
    pooled = {person_key(r.person) for r in exp.rows if r.peers_pooled}
    people = [p for p in st.people if keep is None or team_key(p.team) in keep]
    out = []
    for p in people:
        if p.state == "complete":
            continue
        if person_key(p.person) in pooled:
            named = [t for t in p.tabs if t.role == anonymity.SELF]
            hidden = [t for t in p.tabs if t.role != anonymity.SELF]
        else:
            named, hidden = list(p.tabs), []
        missing = [f"{t.rater or t.tab} ({t.role})" for t in named if t.state == "missing"]
        refused = [f"{t.rater or t.tab} ({t.role}): {t.file or 'file'}"
                   + (f" (workbook of {t.workbook_period})" if t.workbook_period else "")
                   for t in named if t.state == "refused"]
        gone = sum(1 for t in hidden if t.state != "collected")
        if gone:
            missing.append(f"{gone} of {len(hidden)} {anonymity.POOL_NAME} tab(s) not collected "
                           "(not named: this person's raters are shown only as "
                           f"{anonymity.POOL_NAME})")
        out.append(MissingPerson(person=p.person, state=p.state, missing=missing,
                                 refused=refused))
    # people collected whom the manifest does not list: counted (of the same teams), so the
    # totals never leave out someone the page shows
    unlisted = [u for u in st.not_in_manifest if keep is None or team_key(u.team) in keep]
    return out, Totals.of(people, unlisted)


def team_page(exp: PeriodExport, files: Sequence[str], team: str | None,
              status: CycleStatus | None, calibration: Calibration | None) -> TeamPage:
    title = f"{team} — {exp.period}" if team else f"Team report — {exp.period}"
    sections = [_section(exp, tv, dict(enumerate(files)), k) for k, tv in enumerate(exp.team)]
    missing = None
    totals = None
    if status is not None:
        missing, kept = _missing(status, {team_key(team)} if team else None, exp)
        totals = kept.line(status.period, status.listed_in)
    return TeamPage(title=title, sections=sections,
                    people=list(zip(exp.rows, files, strict=True)),
                    teams=exp.teams if len(exp.teams) > 1 else [],
                    calibration=_calibration(exp, calibration), missing=missing,
                    missing_totals=totals)


def _calibration(exp: PeriodExport, cal: Calibration | None) -> CalibrationView | None:
    """The team page's calibration: person-facing, so peer anonymity applies to it."""
    if cal is None:
        return None
    return calibration_view(anonymity.public_calibration(cal, sum(r.peers_pooled for r in exp.rows)))


# -- writing -----------------------------------------------------------------------------------


def _check_folder(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise OutputExists(f"{out_dir}: the folder is not empty; give --force to write the "
                           "report into it (its pages are replaced)")


def render_site(exp: PeriodExport, ladders: Mapping[str, Ladder],
                team: str | None = None, status: CycleStatus | None = None,
                calibration: Calibration | None = None, made_from: str = "the history"
                ) -> dict[str, bytes]:
    """Every page of the report, by its path in the site (``index.html``, ``people/...``).
    ``ladders`` maps a ladder's content hash to the ladder: each row's page uses the ladder of
    its own ``ladder_hash`` (two ladders may share an id and a version, not a hash).
    ``made_from`` is what the footer says the report was made from."""
    env = _env()
    env.filters.update(num=num, signed=signed, pct=pct)
    files = page_names(exp.rows)
    pages: dict[str, bytes] = {}
    base = {"exp": exp, "generated": exp.generated_at, "made_from": made_from}
    tp = team_page(exp, files, team, status, calibration)
    pages["index.html"] = env.get_template("index.html.j2").render(
        page=tp, root="", **base).encode("utf-8")
    tmpl = env.get_template("person.html.j2")
    for row, file in zip(exp.rows, files, strict=True):
        lad = ladders.get(row.ladder_hash)
        if lad is None:
            raise ReportError(f"the ladder {row.ladder} {row.ladder_version} "
                              f"({row.ladder_hash[:12] or 'no hash'}) of {row.person} is not held")
        pp = person_page(exp, row, lad, file)
        pages[file] = tmpl.render(page=pp, root="../", **base).encode("utf-8")
    return pages


RECORD = ".sheetladder-report.json"  # in the report's folder: the files the report wrote
_RECORD_KIND = "sheetladder report"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_record(out: Path) -> dict[str, str] | None:
    """The files an earlier report wrote into ``out`` (site path -> sha256 of the bytes it
    wrote), from its record; None when there is none or it cannot be read as one."""
    try:
        data = json.loads((out / RECORD).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != _RECORD_KIND or \
            not isinstance(data.get("files"), dict):
        return None
    return {k: v for k, v in data["files"].items() if isinstance(k, str) and isinstance(v, str)}


def _own_page(out: Path, name: str, digest: str) -> Path | None:
    """The file at site path ``name`` if it is still, byte for byte, the person page an
    earlier report wrote there (a regular file, not a link, of the digest it recorded)."""
    parts = name.split("/")
    if len(parts) != 2 or parts[0] != PEOPLE_DIR or not parts[1].endswith(".html") or \
            parts[1] in ("", ".", "..") or "\\" in parts[1]:
        return None
    path = out / PEOPLE_DIR / parts[1]
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if _digest(path.read_bytes()) != digest:
            return None
    except OSError:
        return None
    return path


@dataclass
class SiteWritten:
    pages: list[Path]
    removed: list[Path]
    notes: list[str]


def write_site(out_dir: str | Path, pages: Mapping[str, bytes], force: bool = False
               ) -> SiteWritten:
    """Write the pages under ``out_dir``: a folder that exists must be empty unless ``force``.
    With ``force``, pages of the same name are replaced, and the person pages an earlier report
    wrote there that this one has not (someone no longer in it) are removed, so that no page of
    a past report stays reachable as if current. Which pages those are comes only from the
    record the earlier report left (``.sheetladder-report.json``: each file it wrote, with a
    digest): a page not in it, or changed since (a copy someone saved, a page edited), is never
    removed. A folder of a report older than the record: nothing is removed, and a note says
    so."""
    out = Path(out_dir)
    _check_folder(out, force)
    before = _read_record(out) if force else None
    had_record = os.path.lexists(out / RECORD)
    written = []
    for name, data in pages.items():
        written.append(write_new(out / name, data, force=force))
    removed: list[Path] = []
    notes: list[str] = []
    if before is not None:
        kept = 0
        for name, digest in sorted(before.items()):
            if name in pages:
                continue
            own = _own_page(out, name, digest)
            if own is None:
                kept += os.path.lexists(out / name)
                continue
            try:
                own.unlink()
            except OSError as e:
                notes.append(f"{own}: could not remove this page of the earlier report "
                             f"({e.strerror or e})")
                continue
            removed.append(own)
        if kept:
            notes.append(f"{kept} file(s) the earlier report wrote in {out / PEOPLE_DIR} were "
                         "changed since, so were left in place")
    elif force:
        people = out / PEOPLE_DIR
        here = {p.resolve() for p in written}
        others = [p for p in people.glob("*.html") if p.resolve() not in here] \
            if people.is_dir() else []
        if others:
            why = "cannot be read" if had_record else "is missing (a report older than it)"
            notes.append(f"the record of the earlier report in {out} ({RECORD}) {why}: its "
                         f"person pages are not known, so none was removed; {len(others)} other "
                         f"page(s) in {people} were left as they are")
    record = {"kind": _RECORD_KIND,
              "note": "the files sheetladder report wrote here; report --force removes only "
                      "these, and only while unchanged",
              "files": {name: _digest(data) for name, data in sorted(pages.items())}}
    write_new(out / RECORD, (json.dumps(record, indent=2) + "\n").encode("utf-8"), force=True)
    return SiteWritten(pages=written, removed=removed, notes=notes)


def ladders_of(history: History, exp: PeriodExport) -> dict[str, Ladder]:
    """The ladders ``exp``'s rows were scored with, by content hash (not by id and version:
    a ladder edited in place keeps both, and each assessment must use its own)."""
    return {h: history.ladder(h) for h in dict.fromkeys(r.ladder_hash for r in exp.rows)}


def calibration_of(history: History, period: str, team: str | None) -> Calibration:
    """The period's calibration flags for the team page (``results/calibrate.py``)."""
    return calibrate(history, period, team=team)


@dataclass
class Written:
    folder: Path
    pages: list[Path]
    people: int
    period: str
    removed: list[Path] = field(default_factory=list)  # pages of an earlier report removed
    notes: list[str] = field(default_factory=list)


def make_report(history: History, period: str | None, out_dir: str | Path, *,
                team: str | None = None, manifest: Manifests | None = None,
                roster: str | Path | None = None, definition: str | Path | None = None,
                split: bool = False, force: bool = False,
                allow_columns: Sequence[str] = ()) -> Written:
    """Build the report of ``period`` (default: the latest held) from ``history`` and write it
    into ``out_dir``; with ``manifest`` or ``roster`` the team page lists who is missing
    (``split``: the roster's files were rendered one per rater, as ``status --split``)."""
    from ..results.export import build, latest_period
    from ..results.status import status_of

    _check_folder(Path(out_dir), force)  # before any work: a refusal costs nothing
    exp = build(history, period or latest_period(history), team=team)
    status = None
    if manifest is not None or roster is not None:
        status = status_of(history, exp.period, manifest=manifest, roster=roster,
                           definition=definition, split=split, allow_columns=allow_columns)
    pages = render_site(exp, ladders_of(history, exp), team=team, status=status,
                        calibration=calibration_of(history, exp.period, team),
                        made_from="the workbooks given" if history.scratch else "the history")
    site = write_site(out_dir, pages, force=force)
    # what the manifest was read with but warned of (rows a filter hid), as status says it
    warned = [f"{w} (warning)" for w in status.warnings] if status is not None else []
    return Written(folder=Path(out_dir), pages=site.pages, people=len(exp.rows),
                   period=exp.period, removed=site.removed, notes=warned + site.notes)
