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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..a1 import a1
from ..definition import Ladder
from ..errors import SheetladderError
from ..results.store import AssessmentRecord, History
from ..scoring import ROUND_DIGITS, xround

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


def _earlier(order: tuple[Any, ...], than: tuple[Any, ...], or_same: bool = False) -> bool:
    """``order`` is before ``than`` in time (both from period.sort_key): only periods of one
    scheme compare, and a label that is no period is never before anything."""
    if order[:2] != than[:2] or order[0] != 0:
        return or_same and order == than
    return order < than or (or_same and order == than)


def _previous(rec: AssessmentRecord, mine: list[AssessmentRecord]) -> AssessmentRecord | None:
    earlier = [a for a in mine if _earlier(a.period_order, rec.period_order)]
    return max(earlier, key=lambda a: a.period_order) if earlier else None


def _role_means(rec: AssessmentRecord, ladder: Ladder) -> dict[str, float | None]:
    return {role.id: _r(_mean([c.role_means.get(role.id) for c in rec.categories]))
            for role in ladder.raters}


def latest_period(history: History) -> str:
    """The latest period in time the history holds (what an export without --period covers).
    Periods of two schemes (calendar and fiscal, say) have no order: then --period is needed."""
    orders = history.period_orders()
    if not orders:
        raise ExportError(f"the history {history.name} holds no assessments yet; run collect "
                          "first")
    timed = {p: o for p, o in orders.items() if o[0] == 0}  # not labels that are no period
    schemes = {o[:2] for o in timed.values()}
    if len(schemes) > 1:
        raise ExportError(f"the history {history.name} holds periods of several schemes ("
                          + ", ".join(sorted(str(s[1]) for s in schemes))
                          + "), which have no order between them; give --period")
    if not timed:
        raise ExportError(f"the history {history.name} holds no label that is a period ("
                          + ", ".join(sorted(orders)) + "); give --period")
    return max(timed, key=lambda p: timed[p])


def team_key(team: str | None) -> str:
    """Teams are matched with case and spacing ignored."""
    return " ".join((team or "").split()).casefold()


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
        teams = sorted({a.team for a in current if a.team}, key=str.casefold)
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

    pkey = current[0].period_order
    orders = {a.period: a.period_order for a in allrecs}
    periods = sorted({p for p, o in orders.items() if _earlier(o, pkey, or_same=True)},
                     key=lambda p: orders[p])
    rows: list[PersonRow] = []
    trend: list[TrendRow] = []
    for a in sorted(current, key=lambda r: (team_key(r.team), r.ladder_id, r.person.casefold())):
        at = {h.period: h for h in by_person[a.person_key]
              if _earlier(h.period_order, pkey, or_same=True)}
        trend.append(TrendRow(
            person=a.person, ladder=a.ladder_id,
            levels={p: at[p].level if p in at else None for p in periods},
            totals={p: _r(at[p].total_points) if p in at else None for p in periods},
        ))
        lad = ladders[a.ladder_hash]
        prev = _previous(a, by_person[a.person_key])
        same = prev is not None and prev.ladder_id == a.ladder_id
        complete = a.level_index is not None
        rows.append(PersonRow(
            person=a.person, email=a.email, team=a.team, managers=list(a.managers),
            period=a.period, ladder=a.ladder_id,
            ladder_version=a.ladder_version, level=a.level, level_index=a.level_index,
            total_points=_r(a.total_points), progress_to_next=_r(a.progress_to_next),
            complete=complete, rated_categories=a.rated_categories,
            categories=a.categories_count, raters=a.raters,
            consensus={c.id: _r(c.consensus_level) for c in a.categories},
            role_means=_role_means(a, lad), gaps=_gaps(a),
            previous_period=prev.period if prev else None,
            previous_level=prev.level if prev else None,
            previous_total=_r(prev.total_points) if prev else None,
            level_change=(a.level_index - prev.level_index
                          if same and prev and a.level_index is not None
                          and prev.level_index is not None else None),
            total_change=(_r(a.total_points - prev.total_points)
                          if same and prev and a.total_points is not None
                          and prev.total_points is not None else None),
            warnings=list(a.warnings),
        ))

    views: list[TeamView] = []
    # one team view per ladder version: two versions may not even have the same levels
    versions: dict[str, list[AssessmentRecord]] = {}
    for a in current:
        versions.setdefault(a.ladder_hash, []).append(a)
    ids = [ladders[h].id for h in versions]
    for h, mine in sorted(versions.items(), key=lambda kv: (kv[1][0].ladder_id,
                                                            kv[1][0].ladder_version)):
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
        for c in lad.categories:
            recs = [cr for a in mine for cr in a.categories if cr.id == c.id]
            cats.append(CategoryAverage(
                category=c.id, name=c.name,
                people=sum(1 for cr in recs if cr.consensus_level is not None),
                consensus=_r(_mean([cr.consensus_level for cr in recs])),
                role_means={role.id: _r(_mean([cr.role_means.get(role.id) for cr in recs]))
                            for role in lad.raters},
            ))
        name = f"{lad.name} (version {lad.version})" if ids.count(lid) > 1 else lad.name
        views.append(TeamView(ladder=lid, name=name, people=len(mine), levels=labels,
                             distribution=dist, incomplete=incomplete, categories=cats))

    return PeriodExport(period=period,
                        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        periods=periods, roles=roles, columns=columns, rows=rows, team=views,
                        trend=trend, teams=_team_summaries(rows))


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


# -- flat table (CSV and the XLSX results sheet) ------------------------------------------------------

Value = str | float | int | bool | None


def gaps_text(gaps: Sequence[Gap]) -> str:
    return "; ".join(f"{g.name} {g.gap:+.2f}" for g in gaps)


def table(exp: PeriodExport) -> tuple[list[str], list[list[Value]]]:
    """The one-row-per-person table: headers and rows of plain values."""
    role_names = dict(exp.roles)
    headers = ["Person", "Email", "Team", "Managers", "Period", "Ladder", "Level", "Level #",
               "Total points", "Progress to next", "Complete", "Rated categories", "Raters"]
    headers += [h for _, _, h in exp.columns]
    headers += [f"{role_names[r]} mean" for r, _ in exp.roles]
    headers += ["Largest self-vs-others gaps", "Previous period", "Previous level",
                "Level change", "Total change", "Warnings"]
    out: list[list[Value]] = []
    for r in exp.rows:
        line: list[Value] = [r.person, r.email, r.team, "; ".join(r.managers), r.period,
                             r.ladder, r.level, r.level_index, r.total_points,
                             r.progress_to_next, "yes" if r.complete else "no",
                             r.rated_categories, r.raters]
        line += [r.consensus.get(cid) if lid == r.ladder else None for lid, cid, _ in exp.columns]
        line += [r.role_means.get(rid) for rid, _ in exp.roles]
        line += [gaps_text(r.gaps), r.previous_period, r.previous_level, r.level_change,
                 r.total_change, len(r.warnings)]
        out.append(line)
    return headers, out


def neutralise(value: str) -> str:
    """OWASP CSV injection defence: a leading ' makes a spreadsheet read the cell as text."""
    if value.startswith(_INJECTION_PREFIXES):
        return "'" + value
    return value


def to_csv(exp: PeriodExport, bom: bool = False) -> bytes:
    headers, rows = table(exp)
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


def to_json(exp: PeriodExport) -> bytes:
    data = asdict(exp)
    data["people"] = data.pop("rows")
    data["roles"] = [{"id": r, "name": n} for r, n in exp.roles]
    data["columns"] = [{"ladder": lid, "category": cid, "header": h}
                       for lid, cid, h in exp.columns]
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- XLSX -------------------------------------------------------------------------------------------


class _Writer:
    """Writes values by type: text always with write_string, numbers as numbers."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.header = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864",
                                     "text_wrap": True, "valign": "vcenter", "border": 1})
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.dec = wb.add_format({"num_format": "0.00"})
        self.num = wb.add_format({"num_format": "0.00"})
        self.pct = wb.add_format({"num_format": "0%"})
        self.int = wb.add_format({"num_format": "0"})
        self.change = wb.add_format({"num_format": "+0.00;-0.00;0"})
        self.change_int = wb.add_format({"num_format": "+0;-0;0"})
        self.bold = wb.add_format({"bold": True})

    def put(self, ws: Worksheet, r: int, c: int, v: Value, fmt: Any = None) -> None:
        if v is None or v == "":
            ws.write_blank(r, c, None, fmt)
        elif isinstance(v, bool):
            ws.write_string(r, c, "yes" if v else "no", fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(r, c, v, fmt)
        else:
            ws.write_string(r, c, str(v), fmt)


def to_xlsx(exp: PeriodExport) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False,
                                   "nan_inf_to_errors": True})
    wb.set_properties({"title": f"Career ladder results {exp.period}",
                       "comments": "Made by sheetladder"})
    w = _Writer(wb)
    _results_sheet(wb, w, exp)
    _heatmap_sheet(wb, w, exp)
    _team_sheet(wb, w, exp)
    if any(t.team for t in exp.teams):
        _teams_sheet(wb, w, exp)
    _trend_sheet(wb, w, exp)
    for ws in wb.worksheets():
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # printed one page wide
    wb.close()
    return buf.getvalue()


def _teams_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    """One row per team: people, complete assessments, mean total, people per level."""
    ws = wb.add_worksheet("Teams")
    ws.write_string(0, 0, f"Teams, {exp.period}", w.title)
    labels: list[str] = []
    for t in exp.teams:
        labels += [lv for lv in t.levels if lv not in labels]
    headers = ["Team", "People", "Complete", "Mean total", *labels]
    for c, h in enumerate(headers):
        ws.write_string(2, c, h, w.header)
    for r, t in enumerate(exp.teams, start=3):
        w.put(ws, r, 0, t.team or "(no team)")
        w.put(ws, r, 1, t.people, w.int)
        w.put(ws, r, 2, t.complete, w.int)
        w.put(ws, r, 3, t.mean_total, w.num)
        for c, lv in enumerate(labels, start=4):
            w.put(ws, r, c, t.levels.get(lv, 0), w.int)
    ws.set_column(0, 0, 24)
    ws.set_column(1, len(headers) - 1, 11)
    ws.freeze_panes(3, 1)


def _results_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Results")
    headers, rows = table(exp)
    fmt_of: dict[str, Any] = {"Level #": w.int, "Total points": w.num, "Progress to next": w.pct,
                              "Rated categories": w.int, "Raters": w.int,
                              "Level change": w.change_int, "Total change": w.change,
                              "Warnings": w.int}
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, w.header)
    ncons = len(exp.columns)
    first_cons = headers.index("Raters") + 1
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            fmt = fmt_of.get(headers[c])
            if fmt is None and isinstance(v, float):
                fmt = w.dec
            w.put(ws, r, c, v, fmt)
    last = max(1, len(rows))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last, len(headers) - 1)
    ws.set_row(0, 60)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 24)
    ws.set_column(2, first_cons - 1, 10)
    for name, width in (("Team", 14), ("Managers", 18), ("Ladder", 18)):
        ws.set_column(headers.index(name), headers.index(name), width)
    if ncons:
        ws.set_column(first_cons, first_cons + ncons - 1, 11)
    gaps_col = headers.index("Largest self-vs-others gaps")
    ws.set_column(gaps_col, gaps_col, 40)
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


def _heatmap_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Heatmap")
    ws.write_string(0, 0, f"Consensus level by category, {exp.period}", w.title)
    r = 2
    for tv in exp.team:
        people = [row for row in exp.rows if row.ladder == tv.ladder]
        cats = tv.categories
        ws.write_string(r, 0, f"{tv.name} ({tv.ladder})", w.bold)
        r += 1
        ws.write_string(r, 0, "Person", w.header)
        ws.write_string(r, 1, "Level", w.header)
        for j, c in enumerate(cats):
            ws.write_string(r, 2 + j, c.name, w.header)
        ws.set_row(r, 60)
        top = r + 1
        for row in people:
            r += 1
            ws.write_string(r, 0, row.person)
            w.put(ws, r, 1, row.level)
            for j, c in enumerate(cats):
                w.put(ws, r, 2 + j, row.consensus.get(c.category), w.dec)
        if people and cats:
            ws.conditional_format(top, 2, r, 1 + len(cats), {
                "type": "3_color_scale",
                "min_type": "num", "min_value": 1, "min_color": "#F8696B",
                "mid_type": "num", "mid_value": (1 + len(tv.levels) - 1) / 2,
                "mid_color": "#FFEB84",
                "max_type": "num", "max_value": len(tv.levels) - 1, "max_color": "#63BE7B",
            })
        r += 3
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 9)
    ws.set_column(2, 2 + max((len(t.categories) for t in exp.team), default=1), 12)
    ws.freeze_panes(0, 1)


def _team_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Team")
    ws.write_string(0, 0, f"Team view, {exp.period}", w.title)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 6, 14)
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
                          "fill": {"color": "#2F5496"}, "data_labels": {"value": True}})
        chart.set_title({"name": f"Level distribution: {tv.name}", "name_font": {"size": 12}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"min": 0, "major_unit": 1, "name": "People"})
        chart.set_size({"width": 560, "height": 300})
        ws.insert_chart(first - 1, 8, chart)
        r = max(r + 2, first + 16)
        roles = [(rid, n) for rid, n in exp.roles
                 if any(rid in c.role_means for c in tv.categories)]
        ws.write_string(r, 0, "Category averages", w.bold)
        r += 1
        ws.write_string(r, 0, "Category", w.header)
        ws.write_string(r, 1, "Consensus", w.header)
        for j, (_, name) in enumerate(roles):
            ws.write_string(r, 2 + j, f"{name} mean", w.header)
        ws.write_string(r, 2 + len(roles), "People", w.header)
        for c in tv.categories:
            r += 1
            ws.write_string(r, 0, c.name)
            w.put(ws, r, 1, c.consensus, w.dec)
            for j, (rid, _) in enumerate(roles):
                w.put(ws, r, 2 + j, c.role_means.get(rid), w.dec)
            ws.write_number(r, 2 + len(roles), c.people, w.int)
        r += 3


def _trend_sheet(wb: xlsxwriter.Workbook, w: _Writer, exp: PeriodExport) -> None:
    ws = wb.add_worksheet("Trend")
    periods = exp.periods
    n = len(periods)
    ws.write_string(0, 0, f"Level and total points per period, up to {exp.period}", w.title)
    hr = 2
    ws.write_string(hr, 0, "Person", w.header)
    ws.write_string(hr, 1, "Ladder", w.header)
    for j, p in enumerate(periods):
        ws.write_string(hr, 2 + j, f"Level {p}", w.header)
        ws.write_string(hr, 2 + n + j, f"Total {p}", w.header)
    spark_col = 2 + 2 * n
    ws.write_string(hr, spark_col, "Trend of total", w.header)
    ws.set_row(hr, 32)
    for i, t in enumerate(exp.trend):
        r = hr + 1 + i
        ws.write_string(r, 0, t.person)
        ws.write_string(r, 1, t.ladder)
        for j, p in enumerate(periods):
            w.put(ws, r, 2 + j, t.levels[p])
            w.put(ws, r, 2 + n + j, t.totals[p], w.num)
        if n > 1:
            ws.add_sparkline(r, spark_col, {
                "range": f"'Trend'!{a1(r, 2 + n)}:{a1(r, 2 + 2 * n - 1)}",
                "markers": True, "empty_cells": "connect"})
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 16)
    ws.set_column(2, spark_col - 1, 11)
    ws.set_column(spark_col, spark_col, 18)
    ws.freeze_panes(hr + 1, 1)
    if exp.trend and n > 1 and len(exp.trend) <= 25:
        chart = wb.add_chart({"type": "line"})
        for i in range(len(exp.trend)):
            r = hr + 1 + i
            chart.add_series({
                "name": ["Trend", r, 0],
                "categories": ["Trend", hr, 2 + n, hr, 2 + 2 * n - 1],
                "values": ["Trend", r, 2 + n, r, 2 + 2 * n - 1],
                "marker": {"type": "circle"},
            })
        chart.set_title({"name": "Total points per period"})
        chart.show_blanks_as("span")
        chart.set_size({"width": 720, "height": 400})
        ws.insert_chart(hr + len(exp.trend) + 3, 0, chart)


# -- files ----------------------------------------------------------------------------------------


def render(exp: PeriodExport, fmt: str, bom: bool = False) -> bytes:
    if fmt == "csv":
        return to_csv(exp, bom=bom)
    if fmt == "xlsx":
        return to_xlsx(exp)
    if fmt == "json":
        return to_json(exp)
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def default_path(period: str, fmt: str, team: str | None = None) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in period)
    if team:
        from ..roster import slug

        safe += "-" + slug(team, 40)
    return Path("output") / f"results-{safe}.{fmt}"
