"""Exports of one period from the history: one row per person, team views, and trends.

The figures come from the history database (which scored them with the scoring rule); this
module only arranges them: the change since each person's previous period, the largest gaps
between self and others, level distributions and category averages per ladder.

CSV is neutralised against formula injection as OWASP recommends (a text value beginning with
``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``; every text value is
quoted). XLSX text is always written with ``write_string``, so it can never become a formula.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import scoring
from ..definition import Ladder
from ..errors import SheetladderError
from ..period import previous_of
from ..results.store import AssessmentRecord, History, RatingRecord
from ..scoring import ROUND_DIGITS, RaterInput, xround
from . import anonymity

if TYPE_CHECKING:  # (xlsxwriter is imported by the XLSX export alone: collect needs none of it)
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    from .calibrate import Calibration

FORMATS = ("csv", "xlsx", "json")
GAPS_SHOWN = 3
_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ExportError(SheetladderError):
    """Nothing to export (an unknown period), or a file that may not be replaced."""


def _r(x: float | None) -> float | None:
    return None if x is None else xround(x, ROUND_DIGITS)


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


# -- the model of an export ------------------------------------------------------------------------


@dataclass
class Gap:
    category: str
    name: str
    gap: float


@dataclass
class RaterFigure:
    """One rater's own figures: what their tab alone adds up to."""

    tab: str
    name: str | None
    role: str
    role_name: str
    rated: int
    of: int
    total_points: float | None
    level: str | None
    progress_to_next: float | None


@dataclass
class Comment:
    """What one rater wrote for one category (the evidence cell), with the rating beside it."""

    category: str
    category_name: str
    rater_tab: str
    rater: str  # the rater's name, or the tab's when it names no one (Self)
    role: str
    role_name: str
    rating: str | None
    comment: str


@dataclass
class PersonRow:
    person: str
    email: str | None
    team: str | None
    managers: list[str]
    period: str
    ladder: str
    ladder_version: str
    level: str | None
    level_index: int | None
    total_points: float | None
    progress_to_next: float | None
    complete: bool
    rated_categories: int
    categories: int
    raters: int
    consensus: dict[str, float | None]  # category id -> consensus level
    role_means: dict[str, float | None]  # role id -> mean over categories of the role's mean
    gaps: list[Gap]
    previous_period: str | None
    previous_level: str | None
    previous_total: float | None
    level_change: int | None
    total_change: float | None
    warnings: list[str] = field(default_factory=list)
    rater_figures: list[RaterFigure] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # fewer peers rated than the ladder's min_peers: the manager and peers are one pool,
    # "Others", in role_means, category_roles, rater_figures and comments (results/anonymity.py)
    peers_pooled: bool = False
    # category id -> role id -> that role's mean level (the report's radar); pooled like
    # role_means (the roles the person's outputs may show, and "others" when pooled)
    category_roles: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # the content hash of the ladder the row was scored with: two ladders may share an id and
    # a version and differ in content (a weight edited in place), so only this names it
    ladder_hash: str = ""


@dataclass
class CategoryAverage:
    category: str
    name: str
    people: int
    consensus: float | None
    role_means: dict[str, float | None]


@dataclass
class TeamView:
    """One ladder's part of the team in the period."""

    ladder: str
    name: str
    people: int
    levels: list[str]  # level labels in ladder order, "below X" first
    distribution: dict[str, int]  # level label -> people; incomplete assessments not counted
    incomplete: int
    categories: list[CategoryAverage]
    version: str = ""
    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, category ids)
    ladder_hash: str = ""  # the ladder's content hash: the rows of this view have the same


@dataclass
class TrendRow:
    person: str
    ladder: str
    levels: dict[str, str | None]  # period -> level
    totals: dict[str, float | None]  # period -> total points


@dataclass
class TeamSummary:
    """One team's people in the period (those without a team under ``None``)."""

    team: str | None
    people: int
    complete: int
    mean_total: float | None
    levels: dict[str, int]  # level -> people at it, complete assessments only, in ladder order


@dataclass
class PeriodExport:
    period: str
    generated_at: str
    periods: list[str]  # every period held up to this one, in order
    roles: list[tuple[str, str]]  # (role id, role name) over the ladders in the period
    columns: list[tuple[str, str, str]]  # (ladder id, category id, header) of consensus columns
    rows: list[PersonRow]
    team: list[TeamView]
    trend: list[TrendRow]
    teams: list[TeamSummary] = field(default_factory=list)


# -- building it ---------------------------------------------------------------------------------


def _gaps(rec: AssessmentRecord) -> list[Gap]:
    found = [(i, c) for i, c in enumerate(rec.categories) if c.self_gap is not None and
             abs(xround(c.self_gap)) > 0]
    found.sort(key=lambda ic: (-abs(ic[1].self_gap or 0.0), ic[0]))
    return [Gap(category=c.id, name=c.name, gap=xround(c.self_gap or 0.0))
            for _, c in found[:GAPS_SHOWN]]


def _up_to(rec: AssessmentRecord, current: AssessmentRecord) -> bool:
    """``rec`` belongs in the trend up to ``current``: it is of the same period, or ends before
    ``current`` starts (a period that overlaps it, such as the half holding a quarter, is not
    before it; nor is a label that is no period, or a period of another scheme)."""
    if rec.period == current.period:
        return True
    return rec.when is not None and current.when is not None and rec.when.ends_before(current.when)


def _previous(rec: AssessmentRecord, mine: list[AssessmentRecord]) -> AssessmentRecord | None:
    """The person's assessment of the period before ``rec``'s (period.previous_of: the latest
    that ends before ``rec``'s period starts), or None."""
    if rec.when is None:
        return None
    return previous_of(rec.when, mine, lambda a: a.when)


def _role_means(rec: AssessmentRecord, ladder: Ladder, decision: anonymity.Decision
                ) -> dict[str, float | None]:
    """Each role's mean over categories, of the roles the person's outputs may show."""
    return {role.id: _r(_mean([c.role_means.get(role.id) for c in rec.categories]))
            for role in ladder.raters if decision.shows(role.id)}


def _category_roles(rec: AssessmentRecord, ladder: Ladder, decision: anonymity.Decision,
                    pool: anonymity.Pool) -> dict[str, dict[str, float | None]]:
    """Per category, each shown role's mean level, and the pool's when the person is pooled."""
    out: dict[str, dict[str, float | None]] = {}
    for c in rec.categories:
        means = {role.id: _r(c.role_means.get(role.id))
                 for role in ladder.raters if decision.shows(role.id)}
        if decision.pooled:
            means[anonymity.POOL] = _r(pool.levels.get(c.id))
        out[c.id] = means
    return out


def _inputs(ladder: Ladder, ratings: Sequence[RatingRecord]) -> list[RaterInput]:
    """Each rater's current ratings and comments, in the ladder's order of roles (tabs of one
    role in the order the history gives them)."""
    role_order = {r.id: i for i, r in enumerate(ladder.raters)}
    cat_ids = {c.id for c in ladder.categories}
    inputs: dict[str, RaterInput] = {}
    for r in ratings:
        inp = inputs.setdefault(r.rater_tab, RaterInput(role=r.rater_role, name=r.rater_name,
                                                        tab=r.rater_tab, levels={}))
        if r.category_id in cat_ids:
            inp.levels[r.category_id] = r.level_index
            if r.comment:
                inp.comments[r.category_id] = r.comment
    tabs = list(inputs)
    return sorted(inputs.values(), key=lambda i: (role_order.get(i.role, len(role_order)),
                                                  tabs.index(i.tab)))


def _raters_and_comments(ladder: Ladder, inputs: Sequence[RaterInput],
                         decision: anonymity.Decision, pool: anonymity.Pool
                         ) -> tuple[list[RaterFigure], list[Comment]]:
    """Each rater's figures from their current ratings (the scoring rule, one tab alone), and
    every comment, in the ladder's order of roles and categories; raters the person's outputs
    may not show one by one are one pooled figure, their comments unattributed."""
    role_names = {r.id: r.name for r in ladder.raters}
    cat_order = {c.id: i for i, c in enumerate(ladder.categories)}
    cat_names = {c.id: c.name for c in ladder.categories}
    figures: list[RaterFigure] = []
    comments: list[Comment] = []
    for inp in inputs:
        if not decision.shows(inp.role):
            continue
        rs = scoring.score_rater(ladder, inp)
        figures.append(RaterFigure(
            tab=inp.tab, name=inp.name, role=inp.role,
            role_name=role_names.get(inp.role, inp.role), rated=rs.rated, of=rs.of,
            total_points=_r(rs.total_points), level=rs.level,
            progress_to_next=_r(rs.progress_to_next)))
        for cid in sorted(inp.comments, key=cat_order.__getitem__):
            lv = inp.levels.get(cid)
            comments.append(Comment(
                category=cid, category_name=cat_names[cid], rater_tab=inp.tab,
                rater=inp.name or inp.tab, role=inp.role,
                role_name=role_names.get(inp.role, inp.role),
                rating=ladder.codes[lv - 1] if lv else None, comment=inp.comments[cid]))
    if decision.pooled:
        name = anonymity.POOL_NAME
        figures.append(RaterFigure(
            tab=name, name=name, role=anonymity.POOL, role_name=name, rated=pool.rated, of=pool.of,
            total_points=_r(pool.total_points), level=pool.level,
            progress_to_next=_r(pool.progress_to_next)))
        comments += [Comment(category=cid, category_name=cat_names[cid], rater_tab=name,
                             rater=name, role=anonymity.POOL, role_name=name, rating=None,
                             comment=text)
                     for cid, text in anonymity.pooled_comments(ladder, inputs)]
    return figures, comments


def latest_period(history: History) -> str:
    """The latest period in time the history holds (what an export without --period covers):
    the one that ends last. Periods of two schemes (calendar and fiscal, say) have no order, and
    periods that end together (2026-H2 and 2026-Q4) have no latest: then --period is needed."""
    held = history.held_periods()
    if not held:
        raise ExportError(f"the history {history.name} holds no assessments yet; run collect "
                          "first")
    timed = {label: p for label, p in held.items() if p is not None}  # not labels that are none
    schemes = {p.scheme for p in timed.values()}
    if len(schemes) > 1:
        raise ExportError(f"the history {history.name} holds periods of several schemes ("
                          + ", ".join(sorted(schemes))
                          + "), which have no order between them; give --period")
    if not timed:
        raise ExportError(f"the history {history.name} holds no label that is a period ("
                          + ", ".join(sorted(held)) + "); give --period")
    # the latest is the one that ends last; periods of mixed lengths that end together (a
    # half-year and its last quarter, a quarter and its last month) leave no latest one
    last = max(p.end for p in timed.values())
    ending = sorted((label for label, p in timed.items() if p.end == last),
                    key=lambda label: timed[label].key)
    if len(ending) > 1:
        raise ExportError(f"the history {history.name} holds periods that end together ("
                          + ", ".join(ending) + "), so none is the latest; give --period")
    return ending[0]


def team_key(team: str | None) -> str:
    """Teams are matched with case and spacing ignored."""
    return " ".join((team or "").split()).casefold()


def team_spellings(teams: Iterable[str | None]) -> dict[str, str]:
    """Team key -> the spelling most of its people have (the first, on a tie): one team
    spelt ``North``, ``north `` and ``NORTH`` in a roster is grouped as one, and must read as
    one on every person's row too, or a filter or pivot on the column shows three."""
    counts: dict[str, dict[str, int]] = {}
    for t in teams:
        if t and t.strip():
            mine = counts.setdefault(team_key(t), {})
            mine[t.strip()] = mine.get(t.strip(), 0) + 1
    return {k: max(v, key=lambda name: v[name]) for k, v in counts.items()}


def build(history: History, period: str, team: str | None = None) -> PeriodExport:
    """Everything an export of ``period`` (any accepted spelling) shows, from the history; with
    ``team``, only the people of that team (case ignored) in the period."""
    period = history.resolve_period(period)
    current = history.records(period=period)
    if not current:
        held = history.periods()
        raise ExportError(f"no assessments for period {period!r} in the history {history.name}; "
                          "periods held: " + (", ".join(held) if held else "none"))
    if team is not None:
        teams = sorted(team_spellings(a.team for a in current).values(), key=str.casefold)
        current = [a for a in current if team_key(a.team) == team_key(team)]
        if not current:
            raise ExportError(f"no assessments of team {team!r} in period {period!r}; teams "
                              "held: " + (", ".join(teams) if teams else "none (the roster "
                                          "had no team column)"))
    keys = sorted({a.person_key for a in current})
    allrecs = history.records(person_keys=keys)
    by_person: dict[str, list[AssessmentRecord]] = {}
    for a in allrecs:
        by_person.setdefault(a.person_key, []).append(a)
    ladders: dict[str, Ladder] = {}
    for a in current:
        if a.ladder_hash not in ladders:
            ladders[a.ladder_hash] = history.ladder(a.ladder_hash)
    ladder_ids = sorted({a.ladder_id for a in current})
    multi = len(ladder_ids) > 1

    columns: list[tuple[str, str, str]] = []
    roles: list[tuple[str, str]] = []
    seen_cols: set[tuple[str, str]] = set()
    for lid in ladder_ids:
        for lad in (ladders[a.ladder_hash] for a in current if a.ladder_id == lid):
            for c in lad.categories:
                if (lid, c.id) not in seen_cols:
                    seen_cols.add((lid, c.id))
                    columns.append((lid, c.id, f"{lid}: {c.name}" if multi else c.name))
            for role in lad.raters:
                if role.id not in {r for r, _ in roles}:
                    roles.append((role.id, role.name))

    current_ratings = history.current_ratings([a.id for a in current])
    spelt = team_spellings(a.team for a in current)
    here = current[0]
    orders = {a.period: a.period_order for a in allrecs if _up_to(a, here)}
    periods = sorted(orders, key=lambda p: orders[p])
    rows: list[PersonRow] = []
    trend: list[TrendRow] = []
    pools: dict[int, anonymity.Pool] = {}
    decisions: dict[int, anonymity.Decision] = {}
    for a in sorted(current, key=_row_order):
        at = {h.period: h for h in by_person[a.person_key] if _up_to(h, here)}
        trend.append(TrendRow(
            person=a.person, ladder=a.ladder_id,
            levels={p: at[p].level if p in at else None for p in periods},
            totals={p: _r(at[p].total_points) if p in at else None for p in periods},
        ))
        lad = ladders[a.ladder_hash]
        prev = _previous(a, by_person[a.person_key])
        same = prev is not None and prev.ladder_id == a.ladder_id
        complete = a.level_index is not None
        inputs = _inputs(lad, current_ratings.get(a.id, []))
        decision = anonymity.decide(lad, inputs)
        pools[a.id] = pool = anonymity.pool(lad, inputs)
        decisions[a.id] = decision
        figures, comments = _raters_and_comments(lad, inputs, decision, pool)
        rows.append(PersonRow(
            person=a.person, email=a.email, team=spelt.get(team_key(a.team), a.team),
            managers=list(a.managers),
            period=a.period, ladder=a.ladder_id,
            ladder_version=a.ladder_version, level=a.level, level_index=a.level_index,
            total_points=_r(a.total_points), progress_to_next=_r(a.progress_to_next),
            complete=complete, rated_categories=a.rated_categories,
            categories=a.categories_count, raters=a.raters,
            consensus={c.id: _r(c.consensus_level) for c in a.categories},
            role_means=_role_means(a, lad, decision), gaps=_gaps(a),
            previous_period=prev.period if prev else None,
            previous_level=prev.level if prev else None,
            previous_total=_r(prev.total_points) if prev else None,
            level_change=(a.level_index - prev.level_index
                          if same and prev and a.level_index is not None
                          and prev.level_index is not None else None),
            # totals compare only when both assessments are complete: a sum over some of the
            # categories is no measure of progress against a sum over all of them
            total_change=(_r(a.total_points - prev.total_points)
                          if same and prev and complete and prev.level_index is not None
                          and a.total_points is not None and prev.total_points is not None
                          else None),
            warnings=anonymity.public_warnings(decision, a.warnings, inputs),
            rater_figures=figures, comments=comments, peers_pooled=decision.pooled,
            category_roles=_category_roles(a, lad, decision, pool),
            ladder_hash=a.ladder_hash,
        ))
    # Any person's raters pooled: everyone gets the pool's mean (the "others" of the
    # self-vs-others gaps), so that the column compares across people.
    any_pooled = any(d.pooled for d in decisions.values())
    if any_pooled:
        roles.append((anonymity.POOL, anonymity.POOL_NAME))
        for row, aid in zip(rows, pools, strict=True):  # both in the order of the rows
            row.role_means[anonymity.POOL] = _r(anonymity.mean_level(pools[aid].levels))

    views: list[TeamView] = []
    # one team view per ladder version: two versions may not even have the same levels
    versions: dict[str, list[AssessmentRecord]] = {}
    for a in current:
        versions.setdefault(a.ladder_hash, []).append(a)
    ids = [ladders[h].id for h in versions]
    id_versions = [(ladders[h].id, ladders[h].version) for h in versions]
    for h, mine in sorted(versions.items(), key=lambda kv: (kv[1][0].ladder_id,
                                                            kv[1][0].ladder_version, kv[0])):
        lad = ladders[h]
        lid = lad.id
        labels = [f"below {lad.codes[0]}", *lad.codes]
        dist = {label: 0 for label in labels}
        incomplete = 0
        for a in mine:
            if a.level_index is None:
                incomplete += 1
            else:
                dist[labels[a.level_index]] += 1
        cats: list[CategoryAverage] = []
        # a role's average is over the people whose outputs show that role: no average
        # holds a figure a person's own outputs pool
        shown = [role.id for role in lad.raters
                 if any(decisions[a.id].shows(role.id) for a in mine)]
        for c in lad.categories:
            recs = [(a, cr) for a in mine for cr in a.categories if cr.id == c.id]
            means = {rid: _r(_mean([cr.role_means.get(rid) for a, cr in recs
                                    if decisions[a.id].shows(rid)])) for rid in shown}
            if any_pooled:
                means[anonymity.POOL] = _r(_mean([pools[a.id].levels.get(c.id) for a in mine]))
            cats.append(CategoryAverage(
                category=c.id, name=c.name,
                people=sum(1 for _, cr in recs if cr.consensus_level is not None),
                consensus=_r(_mean([cr.consensus_level for _, cr in recs])),
                role_means=means,
            ))
        name = f"{lad.name} (version {lad.version})" if ids.count(lid) > 1 else lad.name
        if id_versions.count((lid, lad.version)) > 1:  # same id and version, other content
            name = f"{lad.name} (version {lad.version}, ladder {h[:12]})"
        views.append(TeamView(ladder=lid, name=name, people=len(mine), levels=labels,
                              distribution=dist, incomplete=incomplete, categories=cats,
                              version=lad.version, ladder_hash=h,
                              groups=[(g.name, [c.id for c in g.categories])
                                      for g in lad.groups]))

    return PeriodExport(period=period,
                        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        periods=periods, roles=roles, columns=columns, rows=rows, team=views,
                        trend=trend, teams=_team_summaries(rows))


def _row_order(a: AssessmentRecord) -> tuple[str, str, str]:
    return team_key(a.team), a.ladder_id, a.person.casefold()


def _team_summaries(rows: Sequence[PersonRow]) -> list[TeamSummary]:
    """The rows grouped by team (rows come sorted by team)."""
    groups: dict[str, list[PersonRow]] = {}
    for r in rows:
        groups.setdefault(team_key(r.team), []).append(r)
    out = []
    for mine in groups.values():
        done = sorted((r for r in mine if r.complete), key=lambda r: r.level_index or 0)
        levels: dict[str, int] = {}
        for r in done:
            label = r.level or "below the first level"
            levels[label] = levels.get(label, 0) + 1
        out.append(TeamSummary(
            team=mine[0].team, people=len(mine), complete=len(done),
            mean_total=_r(_mean([r.total_points for r in mine])), levels=levels))
    return out


# -- flat tables (CSV, and the XLSX sheets) ---------------------------------------------------------

Value = str | float | int | bool | None


def gaps_text(gaps: Sequence[Gap]) -> str:
    return "; ".join(f"{g.name} {g.gap:+.2f}" for g in gaps)


def _num_text(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}".rstrip("0").rstrip(".")


def raters_text(figures: Sequence[RaterFigure]) -> str:
    """Each rater's total and level in one cell: ``Mia (manager) 36 S2; ...``."""
    return "; ".join(f"{f.name or f.tab} ({f.role}) {_num_text(f.total_points)} {f.level or '–'}"
                     for f in figures)


def table(exp: PeriodExport) -> tuple[list[str], list[list[Value]]]:
    """The one-row-per-person table: headers and rows of plain values."""
    role_names = dict(exp.roles)
    headers = ["Person", "Email", "Team", "Managers", "Period", "Ladder", "Level", "Level #",
               "Total points", "Progress to next", "Complete", "Rated categories", "Raters"]
    headers += [h for _, _, h in exp.columns]
    headers += [f"{role_names[r]} mean" for r, _ in exp.roles]
    headers += ["Largest self-vs-others gaps", "Previous period", "Previous level",
                "Level change", "Total change", "Warnings", "Each rater's total and level"]
    out: list[list[Value]] = []
    for r in exp.rows:
        line: list[Value] = [r.person, r.email, r.team, "; ".join(r.managers), r.period,
                             r.ladder, r.level, r.level_index, r.total_points,
                             r.progress_to_next, "yes" if r.complete else "no",
                             r.rated_categories, r.raters]
        line += [r.consensus.get(cid) if lid == r.ladder else None for lid, cid, _ in exp.columns]
        line += [r.role_means.get(rid) for rid, _ in exp.roles]
        line += [gaps_text(r.gaps), r.previous_period, r.previous_level, r.level_change,
                 r.total_change, len(r.warnings), raters_text(r.rater_figures)]
        out.append(line)
    return headers, out


# Columns of :func:`table` the XLSX Results sheet leaves out, so that it prints one page wide
# at a readable size: the period is in the sheet's title, the level number and "complete"
# repeat the level, the consensus per category is the Heatmap sheet, each rater's figures the
# Raters sheet; the team and managers when no one has any, and the means of roles no one's
# outputs show (peer anonymity pooled them all). CSV and JSON keep everything.
_NOT_PRINTED = {"Email", "Period", "Level #", "Complete", "Each rater's total and level"}


def printed_table(exp: PeriodExport) -> tuple[list[str], list[list[Value]]]:
    """The XLSX Results sheet: :func:`table` less the columns other sheets show."""
    headers, rows = table(exp)
    dropped = set(_NOT_PRINTED) | {h for _, _, h in exp.columns}
    if len({r.ladder for r in exp.rows}) <= 1:
        dropped.add("Ladder")
    if not any(r.team for r in exp.rows):
        dropped.add("Team")  # a roster without teams: a blank column
    if not any(r.managers for r in exp.rows):
        dropped.add("Managers")
    role_names = dict(exp.roles)
    for rid, _ in exp.roles:  # a role no one's outputs show (peer anonymity pooled it)
        if all(r.role_means.get(rid) is None for r in exp.rows):
            dropped.add(f"{role_names[rid]} mean")
    keep = [i for i, h in enumerate(headers) if h not in dropped]
    return [headers[i] for i in keep], [[row[i] for i in keep] for row in rows]


COMMENT_HEADERS = ["Person", "Team", "Period", "Category", "Rater", "Role", "Rating", "Comment"]


def comment_table(exp: PeriodExport) -> tuple[list[str], list[list[Value]]]:
    """One row per comment a rater wrote: person, team, category, rater, role, rating, comment
    (the team is blank for a person whose roster gave none)."""
    out: list[list[Value]] = []
    for r in exp.rows:
        for c in r.comments:
            out.append([r.person, r.team, r.period, c.category_name, c.rater, c.role_name,
                        c.rating, c.comment])
    return list(COMMENT_HEADERS), out


RATER_HEADERS = ["Person", "Rater", "Role", "Tab", "Rated", "Of", "Total points", "Level",
                 "Progress to next"]


def rater_table(exp: PeriodExport) -> tuple[list[str], list[list[Value]]]:
    """One row per rater of each person: what their tab alone adds up to."""
    out: list[list[Value]] = []
    for r in exp.rows:
        for f in r.rater_figures:
            out.append([r.person, f.name or f.tab, f.role_name, f.tab, f.rated, f.of,
                        f.total_points, f.level, f.progress_to_next])
    return list(RATER_HEADERS), out


def _warning_text(w: str) -> str:
    return w[len("warning: "):] if w.startswith("warning: ") else w


def warning_table(exp: PeriodExport) -> tuple[list[str], list[list[Value]]]:
    """One row per warning kept with an assessment, with its text."""
    return ["Person", "Period", "Warning"], [[r.person, r.period, _warning_text(w)]
                                             for r in exp.rows for w in r.warnings]


def neutralise(value: str) -> str:
    """OWASP CSV injection defence: a leading ' makes a spreadsheet read the cell as text."""
    if value.startswith(_INJECTION_PREFIXES):
        return "'" + value
    return value


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Value]], bom: bool) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in headers])
    for row in rows:
        cells: list[Any] = []
        for v in row:
            if v is None:
                cells.append("")
            elif isinstance(v, bool):
                cells.append("yes" if v else "no")
            elif isinstance(v, (int, float)):
                cells.append(v)
            else:
                cells.append(neutralise(str(v)))
        w.writerow(cells)
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def to_csv(exp: PeriodExport, bom: bool = False) -> bytes:
    return _csv(*table(exp), bom=bom)


def comments_csv(exp: PeriodExport, bom: bool = False) -> bytes:
    """The comments as CSV (``export --comments``), neutralised like the results."""
    return _csv(*comment_table(exp), bom=bom)


def to_json(exp: PeriodExport) -> bytes:
    data = asdict(exp)
    data["people"] = data.pop("rows")
    data["roles"] = [{"id": r, "name": n} for r, n in exp.roles]
    data["columns"] = [{"ladder": lid, "category": cid, "header": h}
                       for lid, cid, h in exp.columns]
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def comments_json(exp: PeriodExport) -> bytes:
    headers, rows = comment_table(exp)
    keys = [h.lower() for h in headers]
    data = [dict(zip(keys, row, strict=True)) for row in rows]
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- XLSX -------------------------------------------------------------------------------------------
# Made to be read on screen and printed: every sheet prints landscape on A4, one page wide and
# as many pages tall as it takes, its header row on every page; column widths fit their
# content and headers wrap between words. A sheet too wide to print one page wide at a
# readable size (MIN_PRINT_SCALE) prints at that size instead, across pages, its first column
# repeated (issue 17: no printed text under 8 pt).

FONT_PT = 11  # xlsxwriter's default, Calibri 11 (LibreOffice prints it as Carlito)
MIN_PRINTED_PT = 8
CHART_FONT_PT = 10
MIN_PRINT_SCALE = 0.82  # chart text at 10 pt prints at >= 8.2 pt
_MARGIN_IN = 0.4
_A4_LANDSCAPE_PT = 842
# printable width in pixels at 100% (96 dpi: 0.75 pt per pixel)
_PRINTABLE_PX = (_A4_LANDSCAPE_PT - 2 * _MARGIN_IN * 72) / 0.75
_MAX_WIDTH = 60
_HEAT_COLOURS = ("#F8696B", "#FFEB84", "#63BE7B")  # low, middle, high
_HEAT_BLOCK = 8  # categories per heatmap block, so that a block prints one page wide


def _px(width: float) -> int:
    """Pixels of a column of ``width`` characters when printed: Excel's ``width * 7 + 5``,
    plus what LibreOffice adds (measured: about 5 more per column)."""
    return int(width * 7 + 10) if width > 0 else 0


def _text_width(v: Value, fmt_digits: int = 2) -> int:
    if v is None or v == "":
        return 0
    if isinstance(v, bool):
        return 3
    if isinstance(v, int):
        return len(str(v)) + 1
    if isinstance(v, float):
        return len(f"{v:.{fmt_digits}f}") + 1
    return max(len(line) for line in str(v).splitlines() or [""])


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped between words in a column ``width`` characters wide."""
    n, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            n, used = n + 1, len(word)
        else:
            used = used + 1 + len(word) if used else len(word)
    return n


def fit_widths(headers: Sequence[str], rows: Sequence[Sequence[Value]],
               wrap: Sequence[int] = (), minimum: float = 5, cap: float = 28,
               wrap_cap: float = _MAX_WIDTH) -> list[float]:
    """Column widths (characters) that fit each column's content, and at least its header's
    longest word (bold text is about a tenth wider), so headers wrap only between words.
    Columns in ``wrap`` hold long text: they get up to ``wrap_cap`` and wrap."""
    widths = []
    for c, h in enumerate(headers):
        content = max((_text_width(row[c]) for row in rows if c < len(row)), default=0)
        limit = wrap_cap if c in wrap else cap
        w = max(minimum, _longest_word(h) * 1.1 + 1, min(content + 1, limit))
        widths.append(round(w, 1))
    return widths


def header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    """Row height (points) for a header row wrapped between words in ``widths``."""
    lines = max((_lines(h, w / 1.1 - 1) for h, w in zip(headers, widths, strict=True)),
                default=1)
    return 15.0 * lines + 3


def print_setup(ws: Worksheet, widths_px: int, header_rows: tuple[int, int] | None = None,
                title: str | None = None) -> None:
    """Landscape A4, one page wide when that keeps text readable, header rows on every page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=_MARGIN_IN, right=_MARGIN_IN, top=0.6, bottom=0.6)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if title:
        ws.set_header(f"&L&11{_header_text(title)}&R&11page &P of &N")
    scale = _PRINTABLE_PX / max(1, widths_px)
    if scale >= MIN_PRINT_SCALE:
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed (never enlarged)
    else:
        ws.set_print_scale(int(MIN_PRINT_SCALE * 100 + 0.999))
        ws.repeat_columns(0)  # the person's name on every page across
        ws.set_page_view(0)


def _header_text(text: str) -> str:
    return text.replace("&", "&&")


class _Writer:
    """Writes values by type: text always with write_string, numbers as numbers."""

    def __init__(self, wb: xlsxwriter.Workbook):
        from ..xlsx.write import write_text  # (imported when an XLSX is made: collect needs none)

        self.wb = wb
        self.write_text = write_text
        self.header = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864",
                                     "text_wrap": True, "valign": "top", "border": 1})
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.dec = wb.add_format({"num_format": "0.00", "valign": "top"})
        self.num = wb.add_format({"num_format": "0.00", "valign": "top"})
        self.pct = wb.add_format({"num_format": "0%", "valign": "top"})
        self.int = wb.add_format({"num_format": "0", "valign": "top"})
        self.change = wb.add_format({"num_format": "+0.00;-0.00;0", "valign": "top"})
        self.change_int = wb.add_format({"num_format": "+0;-0;0", "valign": "top"})
        self.bold = wb.add_format({"bold": True})
        self.text = wb.add_format({"valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.run = wb.add_format()  # a run of rich text (write_text)

    def put(self, ws: Worksheet, r: int, c: int, v: Value, fmt: Any = None) -> None:
        if fmt is None:
            fmt = self.text
        if v is None or v == "":
            ws.write_blank(r, c, None, fmt)
        elif isinstance(v, bool):
            ws.write_string(r, c, "yes" if v else "no", fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(r, c, v, fmt)
        else:
            self.write_text(ws, r, c, str(v), fmt, self.run)

    def table(self, ws: Worksheet, top: int, headers: Sequence[str],
              rows: Sequence[Sequence[Value]], formats: dict[str, Any] | None = None,
              wrap: Sequence[str] = (), wrap_cap: float = _MAX_WIDTH) -> list[float]:
        """A header row at ``top`` and the rows under it; columns fitted; returns the widths.
        Rows whose wrapped text takes several lines are made that tall (LibreOffice does not
        grow them by itself)."""
        formats = formats or {}
        wrap_cols = [i for i, h in enumerate(headers) if h in wrap]
        widths = fit_widths(headers, rows, wrap=wrap_cols, wrap_cap=wrap_cap)
        for c, h in enumerate(headers):
            ws.write_string(top, c, h, self.header)
            ws.set_column(c, c, widths[c])
        ws.set_row(top, header_height(headers, widths))
        for r, row in enumerate(rows, start=top + 1):
            for c, v in enumerate(row):
                fmt = formats.get(headers[c])
                if fmt is None:
                    fmt = self.wrap if c in wrap_cols else (
                        self.dec if isinstance(v, float) else None)
                self.put(ws, r, c, v, fmt)
            lines = max((_lines(str(row[c]), widths[c] - 1) for c in wrap_cols
                         if c < len(row) and isinstance(row[c], str)), default=1)
            if lines > 1:
                ws.set_row(r, 15.0 * lines)
        return widths


def _chart_fonts(chart: Any) -> None:
    """Chart text no smaller than :data:`CHART_FONT_PT` (LibreOffice's default is smaller)."""
    font = {"size": CHART_FONT_PT}
    chart.set_x_axis({"num_font": font, "name_font": font})
    chart.set_y_axis({"num_font": font, "name_font": font})
    chart.set_legend({"font": font})


def _workbook(buf: io.BytesIO) -> xlsxwriter.Workbook:
    import xlsxwriter

    return xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False,
                                     "nan_inf_to_errors": True})


def to_xlsx(exp: PeriodExport, calibration: Calibration | None = None) -> bytes:
    """The export workbook; with ``calibration``, a Calibration sheet (for ops) last."""
    buf = io.BytesIO()
    wb = _workbook(buf)
    wb.set_properties({"title": f"Career ladder results {exp.period}",
                       "comments": "Made by sheetladder"})
    w = _Writer(wb)
    _results_sheet(wb, w, exp)
    _heatmap_sheet(wb, w, exp)
    _team_sheet(wb, w, exp)
    if any(t.team for t in exp.teams):
        _teams_sheet(wb, w, exp)
    _trend_sheet(wb, w, exp)
    _list_sheet(wb, w, exp, "Raters", *rater_table(exp),
                formats={"Rated": w.int, "Of": w.int, "Total points": w.num,
                         "Progress to next": w.pct},
                empty="No ratings held.")
    _list_sheet(wb, w, exp, "Comments", *comment_table(exp), wrap=("Comment",),
                empty="No rater wrote a comment.")
    _list_sheet(wb, w, exp, "Warnings", *warning_table(exp), wrap=("Warning",),
                empty="No warnings.")
    if calibration is not None:
        pooled = sum(r.peers_pooled for r in exp.rows)
        _calibration_sheet(wb, w, anonymity.public_calibration(calibration, pooled))
    wb.close()
    return buf.getvalue()


def calibration_xlsx(cal: Calibration) -> bytes:
    """``sheetladder calibrate --format xlsx``: a workbook of the Calibration sheet alone."""
    buf = io.BytesIO()
    wb = _workbook(buf)
    wb.set_properties({"title": f"Calibration {cal.period}", "comments": "Made by sheetladder"})
    _calibration_sheet(wb, _Writer(wb), cal)
    wb.close()
    return buf.getvalue()


def _calibration_sheet(wb: xlsxwriter.Workbook, w: _Writer, cal: Calibration) -> None:
    """The period's calibration (rater leniency, alpha per category, self-other agreement, raw
    and adjusted consensus) one table under the other, every text written as text."""
    ws = wb.add_worksheet("Calibration")
    title = f"Calibration, {cal.period}" + (f", team {cal.team}" if cal.team else "")
    ws.write_string(0, 0, title, w.title)
    ws.write_string(1, 0, cal.notes[0] if cal.notes else "", w.note)
    blocks: list[tuple[str, list[str], list[list[Value]], dict[str, Any]]] = [
        (f"Rater leniency: levels above the other raters (flagged at |z| >= {cal.z_threshold:g}; "
         f"z over raters with {cal.min_ratees}+ ratees)",
         ["Rater", "Role", "Ladder", "Ratees", "n", "Leniency", "z", "Flagged"],
         [[r.name, r.role, r.ladder, r.ratees, r.n, r.leniency, r.z, r.flagged]
          for r in cal.raters],
         {"Ratees": w.int, "n": w.int, "Leniency": w.change, "z": w.change}),
        (f"Agreement: Krippendorff's alpha, ordinal (unreliable below {cal.unreliable_below:g})",
         ["Category", "Ladder", "Alpha", "n", "People", "Unreliable"],
         [[c.name, c.ladder, c.alpha, c.n, c.units, c.unreliable] for c in cal.categories]
         + [["Overall", None, cal.overall_alpha, cal.overall_n, None,
             cal.overall_alpha is not None and cal.overall_alpha < cal.unreliable_below]],
         {"Alpha": w.num, "n": w.int, "People": w.int}),
        (f"Self-other agreement: self minus the others' mean (beyond "
         f"+/-{cal.self_other_threshold:g} level)",
         ["Person", "Team", "Ladder", "Self", "Others", "Gap", "Categories", "Self-other"],
         [[p.name, p.team, p.ladder, p.self_level, p.others_level, p.gap, p.categories,
           p.self_other] for p in cal.people],
         {"Self": w.num, "Others": w.num, "Gap": w.change, "Categories": w.int}),
        ("Consensus: raw (as held) beside leniency-adjusted (shown only, never replacing it)",
         ["Person", "Team", "Ladder", "Raw total", "Raw level", "Adjusted total",
          "Adjusted level", "Adjusted raters"],
         [[k.name, k.team, k.ladder, k.raw_total, k.raw_level, k.adjusted_total,
           k.adjusted_level, ", ".join(k.adjusted_raters)] for k in cal.consensus],
         {"Raw total": w.num, "Adjusted total": w.num}),
    ]
    widths: dict[int, float] = {}
    r = 3
    for name, headers, rows, fmts in blocks:
        w.write_text(ws, r, 0, name, w.bold, w.run)
        got = w.table(ws, r + 1, headers, rows, fmts)
        for c, x in enumerate(got):
            widths[c] = max(widths.get(c, 0.0), x)
        r += len(rows) + 3
    ws.write_string(r, 0, "Notes", w.bold)
    for note in cal.notes[1:]:
        r += 1
        ws.write_string(r, 0, note, w.text)
    for c, x in widths.items():
        ws.set_column(c, c, x)
    print_setup(ws, sum(_px(x) for x in widths.values()), None, f"Calibration {cal.period}")


def _teams_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    """One row per team: people, complete assessments, mean total, people per level; printed
    like the other sheets."""
    ws = wb.add_worksheet("Teams")
    ws.write_string(0, 0, f"Teams, {exp.period}", w.title)
    labels: list[str] = []
    for t in exp.teams:
        labels += [lv for lv in t.levels if lv not in labels]
    # the ladder's order, lowest first, whichever team holds a level first (a stable sort
    # keeps first appearance among levels of one index on two ladders)
    index = {(r.level or "below the first level"): r.level_index or 0 for r in exp.rows}
    labels.sort(key=lambda lv: index.get(lv, 0))
    headers = ["Team", "People", "Complete", "Mean total", *labels]
    rows: list[list[Value]] = [[t.team or "(no team)", t.people, t.complete, t.mean_total,
                                *(t.levels.get(lv, 0) for lv in labels)] for t in exp.teams]
    widths = w.table(ws, 2, headers, rows,
                     {h: (w.num if h == "Mean total" else w.int) for h in headers[1:]})
    ws.freeze_panes(3, 1)
    print_setup(ws, sum(_px(x) for x in widths), (2, 2), f"Teams {exp.period}")


def _results_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Results")
    headers, rows = printed_table(exp)
    fmt_of: dict[str, Any] = {"Level #": w.int, "Total points": w.num, "Progress to next": w.pct,
                              "Rated categories": w.int, "Raters": w.int,
                              "Level change": w.change_int, "Total change": w.change,
                              "Warnings": w.int}
    widths = w.table(ws, 0, headers, rows, fmt_of, wrap=("Largest self-vs-others gaps",),
                     wrap_cap=30)
    last = max(1, len(rows))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, len(headers) - 1)
    lc = headers.index("Level change")
    green = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
    red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    for col in (lc, lc + 1):
        ws.conditional_format(1, col, last, col, {"type": "cell", "criteria": ">", "value": 0,
                                                   "format": green})
        ws.conditional_format(1, col, last, col, {"type": "cell", "criteria": "<", "value": 0,
                                                   "format": red})
    pc = headers.index("Progress to next")
    ws.conditional_format(1, pc, last, pc, {"type": "data_bar", "bar_color": "#8EA9DB",
                                            "min_type": "num", "min_value": 0,
                                            "max_type": "num", "max_value": 1})
    print_setup(ws, sum(_px(x) for x in widths), (0, 0), f"Results {exp.period}")


def heat_colour(value: float, lo: float, hi: float) -> str:
    """The colour the heatmap's 3-colour scale gives ``value`` between ``lo`` and ``hi``."""
    t = 0.5 if hi <= lo else min(1.0, max(0.0, (value - lo) / (hi - lo)))
    a, b = (_HEAT_COLOURS[0], _HEAT_COLOURS[1]) if t <= 0.5 else (_HEAT_COLOURS[1],
                                                                  _HEAT_COLOURS[2])
    u = t * 2 if t <= 0.5 else t * 2 - 1
    rgb = [round(int(a[i:i + 2], 16) + (int(b[i:i + 2], 16) - int(a[i:i + 2], 16)) * u)
           for i in (1, 3, 5)]
    return "#" + "".join(f"{x:02X}" for x in rgb)


def in_view(tv: TeamView, row: PersonRow) -> bool:
    """``row`` is of the team view ``tv``: scored with its ladder, by content hash (two ladders
    may share an id and a version); by id and version for a view or row made without one."""
    if tv.ladder_hash and row.ladder_hash:
        return row.ladder_hash == tv.ladder_hash
    return row.ladder == tv.ladder and row.ladder_version == tv.version


def rows_of_view(exp: PeriodExport, tv: TeamView) -> list[PersonRow]:
    """The rows of the team view ``tv``, in the export's order."""
    return [r for r in exp.rows if in_view(tv, r)]


def heat_span(values: Sequence[float | None], n_levels: int) -> tuple[int, int]:
    """The levels the colour scale spans: from the lowest level held to the highest (at least
    two levels apart when the ladder has two), so that differences within a team show."""
    top = max(1, n_levels)
    held = [v for v in values if v is not None]
    if not held:
        return 1, top
    lo = min(top, max(1, int(math.floor(min(held)))))
    hi = min(top, max(1, int(math.ceil(max(held)))))
    if hi <= lo:
        lo, hi = (lo, lo + 1) if lo < top else (max(1, lo - 1), lo)
    return lo, hi


def _blocks(tv: TeamView) -> list[tuple[str, list[CategoryAverage]]]:
    """The heatmap's blocks: the ladder's groups, cut to :data:`_HEAT_BLOCK` categories."""
    by_id = {c.category: c for c in tv.categories}
    out: list[tuple[str, list[CategoryAverage]]] = []
    for gname, ids in tv.groups:
        mine = [by_id[cid] for cid in ids if cid in by_id]
        for k in range(0, len(mine), _HEAT_BLOCK):
            part = mine[k:k + _HEAT_BLOCK]
            name = gname if len(mine) <= _HEAT_BLOCK else f"{gname} ({k // _HEAT_BLOCK + 1})"
            out.append((name, part))
    return out


def _heatmap_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Heatmap")
    ws.write_string(0, 0, f"Consensus level by category, {exp.period}", w.title)
    widths: dict[int, float] = {0: max(12.0, *(len(r.person) + 2.0 for r in exp.rows)), 1: 7.0}
    r = 2
    for tv in exp.team:
        people = rows_of_view(exp, tv)
        codes = tv.levels[1:]
        values = [row.consensus.get(c.category) for row in people for c in tv.categories]
        lo, hi = heat_span(values, len(codes))
        ws.write_string(r, 0, f"{tv.name} ({tv.ladder})", w.bold)
        r += 1
        # the legend: what each colour means, over the levels the scale spans
        ws.write_string(r, 0, "Legend", w.bold)
        for j, k in enumerate(range(lo, hi + 1)):
            cell = wb.add_format({"bg_color": heat_colour(k, lo, hi), "align": "center",
                                  "border": 1})
            ws.write_string(r, 1 + j, codes[k - 1], cell)
            widths[1 + j] = max(widths.get(1 + j, 0), len(codes[k - 1]) + 2)
        r += 1
        ws.write_string(r, 0, f"The colours run from {codes[lo - 1]} (red) to {codes[hi - 1]} "
                              "(green), the levels held in this period.", w.note)
        r += 2
        for name, cats in _blocks(tv):
            w.write_text(ws, r, 0, name, w.bold, w.run)
            r += 1
            headers = ["Person", "Level", *(c.name for c in cats)]
            for j, h in enumerate(headers):
                ws.write_string(r, j, h, w.header)
                if j >= 2:
                    widths[j] = max(widths.get(j, 0), _longest_word(h) * 1.1 + 1.5, 7.0)
            ws.set_row(r, header_height(headers, [widths[j] for j in range(len(headers))]))
            top = r + 1
            for row in people:
                r += 1
                w.write_text(ws, r, 0, row.person, None, w.run)
                w.put(ws, r, 1, row.level)
                for j, c in enumerate(cats):
                    w.put(ws, r, 2 + j, row.consensus.get(c.category), w.dec)
            if people and cats:
                ws.conditional_format(top, 2, r, 1 + len(cats), {
                    "type": "3_color_scale",
                    "min_type": "num", "min_value": lo, "min_color": _HEAT_COLOURS[0],
                    "mid_type": "num", "mid_value": (lo + hi) / 2, "mid_color": _HEAT_COLOURS[1],
                    "max_type": "num", "max_value": hi, "max_color": _HEAT_COLOURS[2],
                })
            r += 2
        r += 1
    for col, width in widths.items():
        ws.set_column(col, col, width)
    ws.freeze_panes(0, 1)
    print_setup(ws, sum(_px(x) for x in widths.values()), None, f"Heatmap {exp.period}")


def _team_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Team")
    ws.write_string(0, 0, f"Team view, {exp.period}", w.title)
    n_roles = len(exp.roles)
    cat_width = max([12.0, *(len(c.name) + 2.0 for tv in exp.team for c in tv.categories)])
    cat_width = min(cat_width, 34.0)
    widths = [cat_width, 11.0] + [max(10.0, _longest_word(f"{n} mean") * 1.1 + 1.5)
                                  for _, n in exp.roles] + [10.0]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    wrap_name = w.wb.add_format({"text_wrap": True, "valign": "top"})
    r = 2
    for tv in exp.team:
        ws.write_string(r, 0, f"{tv.name} ({tv.ladder}): {tv.people} people", w.bold)
        r += 1
        ws.write_string(r, 0, "Level", w.header)
        ws.write_string(r, 1, "People", w.header)
        first = r + 1
        for label in tv.levels:
            r += 1
            ws.write_string(r, 0, label)
            ws.write_number(r, 1, tv.distribution[label], w.int)
        last = r
        r += 1
        ws.write_string(r, 0, "Not yet complete", w.note)
        ws.write_number(r, 1, tv.incomplete, w.int)
        chart = wb.add_chart({"type": "column"})
        q = "'Team'"
        chart.add_series({"name": "People", "categories": f"={q}!$A${first + 1}:$A${last + 1}",
                          "values": f"={q}!$B${first + 1}:$B${last + 1}",
                          "fill": {"color": "#2F5496"},
                          "data_labels": {"value": True, "font": {"size": CHART_FONT_PT}}})
        chart.set_title({"name": f"Level distribution: {tv.name}", "name_font": {"size": 12}})
        _chart_fonts(chart)
        chart.set_legend({"none": True})
        chart.set_y_axis({"min": 0, "major_unit": 1, "name": "People",
                          "num_font": {"size": CHART_FONT_PT},
                          "name_font": {"size": CHART_FONT_PT}})
        chart.set_size({"width": 560, "height": 300})
        r += 2
        ws.insert_chart(r, 0, chart)  # under the table, so that the sheet prints one page wide
        r += 17
        roles = [(rid, n) for rid, n in exp.roles
                 if any(rid in c.role_means for c in tv.categories)]
        ws.write_string(r, 0, "Category averages", w.bold)
        r += 1
        headers = ["Category", "Consensus", *(f"{name} mean" for _, name in roles), "People"]
        for j, h in enumerate(headers):
            ws.write_string(r, j, h, w.header)
        ws.set_row(r, header_height(headers, widths[:len(headers)]))
        for c in tv.categories:
            r += 1
            w.write_text(ws, r, 0, c.name, wrap_name, w.run)
            w.put(ws, r, 1, c.consensus, w.dec)
            for j, (rid, _) in enumerate(roles):
                w.put(ws, r, 2 + j, c.role_means.get(rid), w.dec)
            ws.write_number(r, 2 + len(roles), c.people, w.int)
        r += 3
    px = max(sum(_px(x) for x in widths[:n_roles + 3]), 560)
    print_setup(ws, px, None, f"Team view {exp.period}")


_PEOPLE_PER_CHART = 10


def _trend_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Trend")
    periods = exp.periods
    n = len(periods)
    ws.write_string(0, 0, f"Level and total points per period, up to {exp.period}", w.title)
    hr = 2
    headers = ["Person", "Ladder", *(f"Level {p}" for p in periods),
               *(f"Total {p}" for p in periods)]
    rows: list[list[Value]] = [[t.person, t.ladder, *(t.levels[p] for p in periods),
                                *(t.totals[p] for p in periods)] for t in exp.trend]
    widths = w.table(ws, hr, headers, rows,
                     {h: w.num for h in headers if h.startswith("Total ")})
    ws.freeze_panes(hr + 1, 1)
    # The trend as line charts (sparklines do not render in LibreOffice, and openpyxl drops
    # them): one line per person, total points over the periods held, a chart per ten people.
    r = hr + len(exp.trend) + 3
    for k in range(0, len(exp.trend), _PEOPLE_PER_CHART):
        chart = wb.add_chart({"type": "line"})
        for i in range(k, min(k + _PEOPLE_PER_CHART, len(exp.trend))):
            row = hr + 1 + i
            chart.add_series({
                "name": ["Trend", row, 0],
                "categories": ["Trend", hr, 2 + n, hr, 2 + 2 * n - 1],
                "values": ["Trend", row, 2 + n, row, 2 + 2 * n - 1],
                "marker": {"type": "circle", "size": 6},
            })
        part = "" if len(exp.trend) <= _PEOPLE_PER_CHART else \
            f" ({k + 1}–{min(k + _PEOPLE_PER_CHART, len(exp.trend))} of {len(exp.trend)})"
        chart.set_title({"name": f"Total points per period{part}", "name_font": {"size": 12}})
        _chart_fonts(chart)
        chart.set_legend({"position": "right", "font": {"size": CHART_FONT_PT}})
        chart.show_blanks_as("span")
        chart.set_size({"width": 900, "height": 420})
        ws.insert_chart(r, 0, chart)
        r += 23
    print_setup(ws, max(sum(_px(x) for x in widths), 900), (hr, hr),
                f"Trend up to {exp.period}")


def _list_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport, name: str,
                headers: list[str], rows: list[list[Value]], formats: dict[str, Any] | None = None,
                wrap: Sequence[str] = (), empty: str = "") -> None:
    """A plain table on its own sheet (raters, comments, warnings), filtered and printable."""
    ws = wb.add_worksheet(name)
    widths = w.table(ws, 0, headers, rows, formats, wrap=wrap)
    if not rows:
        ws.write_string(1, 0, empty, w.note)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(1, len(rows)), len(headers) - 1)
    print_setup(ws, sum(_px(x) for x in widths), (0, 0), f"{name} {exp.period}")


# -- files ----------------------------------------------------------------------------------------


COMMENTS_IN_XLSX = ("the XLSX export always holds the comments (its Comments sheet); --comments "
                    "is for --format csv or json")


def render(exp: PeriodExport, fmt: str, bom: bool = False, comments: bool = False,
           calibration: Calibration | None = None) -> bytes:
    """The export as ``fmt``; with ``comments``, only what raters wrote (CSV or JSON: the
    XLSX always holds them, on its Comments sheet); ``calibration`` is the XLSX's
    Calibration sheet."""
    if comments:
        if fmt == "csv":
            return comments_csv(exp, bom=bom)
        if fmt == "json":
            return comments_json(exp)
        raise ExportError(COMMENTS_IN_XLSX)
    if fmt == "csv":
        return to_csv(exp, bom=bom)
    if fmt == "xlsx":
        return to_xlsx(exp, calibration)
    if fmt == "json":
        return to_json(exp)
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def check_output_name(output: str | None, example: str) -> None:
    """Refuse an ``-o`` that names a folder by its ending ``/`` (``-o reports/``): the file
    would be written under the folder's name (a file ``reports``), where a folder was meant.
    ``example`` is the file name to suggest in it."""
    if output and output != "-" and output.endswith(("/", "\\")):
        raise ExportError(f"-o {output} names a folder (it ends with {output[-1]!r}); give the "
                          f"file to write in it, e.g. -o {output}{example}")


def default_path(period: str, fmt: str, team: str | None = None,
                 comments: bool = False, kind: str = "results") -> Path:
    """``output/results-PERIOD[-TEAM].FORMAT`` (``comments-...`` for the comments alone,
    ``KIND-...`` for another kind of file, such as ``calibration``)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in period)
    if team:
        from ..roster import slug

        safe += "-" + slug(team, 40)
    return Path("output") / f"{'comments' if comments else kind}-{safe}.{fmt}"
