"""Results as text for a terminal: the read report and a person's history.

Names, periods and descriptors are people's text: they go into rich ``Text`` objects, never
into markup, so a name holding ``[bold]`` prints as typed, and this module's :class:`Text` shows
the control characters they hold rather than sending them (:func:`..terminal.shown`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text as RichText

from ..definition import Ladder, from_json
from ..period import previous_of
from ..scoring import RaterScore
from ..terminal import console as terminal_console
from ..terminal import shown
from . import anonymity
from .report import Finding, Report
from .store import AssessmentRecord
from .trust import TrustedLadders


class Text(RichText):
    """rich's ``Text``, its strings (as made and as appended) passed through :func:`shown`:
    a comment, name or file name holding ESC prints it as ``\\x1b``."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(shown(text), *args, **kwargs)

    def append(self, text: str | RichText, style: str | Style | None = None) -> Text:
        super().append(shown(text) if isinstance(text, str) else text, style)
        return self


def print_reports(reports: Sequence[Report], console: Console | None = None,
                  trusted: TrustedLadders | None = None) -> None:
    """The text report of ``sheetladder read``: findings, raters, categories, overall. It is
    person-facing: raters the ladder's peer anonymity pools are shown only as one pool
    (:mod:`.anonymity`), decided by the trusted ladder of the workbook's id and version when
    ``trusted`` holds one, else by the ladder the workbook embeds. Findings about pooled
    raters' tabs are counted, not listed (``read --json`` lists them). A level held back by a
    gate (the total reaches the next level, a category does not) names the gate, on the
    Overall line and under the Raters table for each rater shown."""
    console = console or terminal_console(highlight=False, soft_wrap=False)

    def num(x: float | None, pct: bool = False) -> str:
        if x is None:
            return "–"
        if pct:
            return f"{x:.0%}"
        return f"{x:.2f}".rstrip("0").rstrip(".")

    for i, r in enumerate(reports):
        if i:
            console.print()
        title = Text(r.person or "?", style="bold")
        if r.period:
            title.append(f" · {r.period}")
        if r.ladder:
            title.append(f"  ({r.ladder.id} {r.ladder.version})", style="dim")
        console.print(title)
        ladder = policy_ladder(r, trusted)
        decision = anonymity.decide(ladder, r.inputs) if ladder is not None else None
        pooled = decision is None or decision.pooled
        raters_shown = [rs for rs in r.raters if not pooled or rs.role == anonymity.SELF]
        pool = anonymity.pool(ladder, r.inputs) if ladder is not None and pooled else None
        hidden = anonymity.pooled_names(r.inputs) if pooled else set()
        files = r.sources or [r.file]
        named = [f for f in files if anonymity.mentions(f, hidden)]
        if named:  # a --split copy's name is its rater's
            console.print(Text(" + ".join(f for f in files if f not in named)
                               + (" + " if len(named) < len(files) else "")
                               + f"{len(named)} file(s) named after raters shown as "
                               f"{anonymity.POOL_NAME}", style="dim"))
        else:
            console.print(Text(r.file, style="dim"))
        errors = len(r.errors)
        warnings = len(r.findings) - errors
        if errors:
            status = Text(f"✖ {errors} error(s), {warnings} warning(s)", style="bold red")
        elif warnings:
            status = Text(f"✔ verified with {warnings} warning(s)", style="yellow")
        else:
            status = Text("✔ verified: no findings", style="green")
        console.print(status)
        # a finding about a pooled rater's tab would name them, or quote what they typed:
        # counted here, and listed in full by read --json; but one about rows or columns
        # inserted, deleted or moved quotes nothing typed, and says why no figure is given: it
        # is listed without naming them (anonymity.layout_shown)
        listed: list[tuple[Finding, str, str]] = []  # each with where and what it shows
        for f in r.findings:
            at = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or "")
            if not pooled or anonymity.listable(f.sheet, f.cell, f"{f.message} {f.file or ''}",
                                                r.inputs):
                listed.append((f, at, f.message))
            elif f.layout and (shown_as := anonymity.layout_shown(
                    f.sheet, f.cell, f.message, f.file, r.inputs)) is not None:
                place, masked = shown_as
                if f"(one of {anonymity.POOL_NAME})" in masked:
                    # "rename the tab '(one of Others)' to ...": only the names make it doable
                    masked += " (sheetladder read --json names the tabs)"
                listed.append((f, place, masked))
        findings = [f for f, _, _ in listed]
        if findings:
            ft = Table(box=box.SIMPLE, show_header=True, header_style="bold", pad_edge=False)
            ft.add_column("", no_wrap=True)
            if any(f.file for f in findings):
                ft.add_column("File", overflow="fold")
            ft.add_column("Where", no_wrap=True)
            ft.add_column("Finding", overflow="fold")
            for f, at, message in listed:
                sev = Text("error", style="red") if f.severity == "error" else \
                    Text("warning", style="yellow")
                where = Text(at)
                row = [sev]
                if any(x.file for x in findings):
                    row.append(Text(f.file or ""))
                row += [where, Text(message)]
                ft.add_row(*row)
            console.print(ft)
        if len(findings) < len(r.findings):
            left = [f for f in r.findings if f not in findings]
            bad = sum(1 for f in left if f.severity == "error")
            console.print(Text(
                f"{len(left)} finding(s) ({bad} error(s)) on the tabs of raters shown as "
                f"{anonymity.POOL_NAME}, on the Summary's cells (a column per rater), or "
                "quoting those raters' names or tabs (a formula reading their tab), are not "
                "listed here, as they would name them or show what they typed; "
                "sheetladder read --json lists every finding", style="red" if bad else "yellow"))
        if decision is not None and decision.pooled:
            console.print(Text(f"Peers pooled: {decision.note()}.", style="dim"))
        elif decision is None:
            console.print(Text("Raters other than self not shown: the workbook's ladder could "
                               "not be read to decide what may be shown.", style="dim"))
        rt = Table(title="Raters", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        for col in ("Tab", "Role", "Rated", "Points", "Level", "Progress"):
            rt.add_column(col, justify="left" if col in ("Tab", "Role") else "right")
        for rs in raters_shown:
            rt.add_row(Text(rs.tab), Text(rs.role), f"{rs.rated}/{rs.of}", num(rs.total_points),
                       Text(rs.level or "–"), num(rs.progress_to_next, pct=True))
        if pool is not None and ladder is not None:
            withheld = r.figures_withheld is not None
            rt.add_row(Text(anonymity.POOL_NAME), Text(anonymity.pooled_role_names(ladder, pool)),
                       f"{pool.rated}/{pool.of}",
                       num(None if withheld else pool.total_points),
                       Text((None if withheld else pool.level) or "–"),
                       num(None if withheld else pool.progress_to_next, pct=True))
        console.print(rt)
        codes = ladder.codes if ladder is not None else []
        for rs in raters_shown:
            if rs.held_back:
                console.print(Text(f"{rs.tab}: level {rs.level}; " + "; ".join(
                    g.text(codes, consensus=False) for g in rs.held_back)))
        console.print(Text(tab_status(r, pooled=pooled)))
        ct = Table(title="Categories", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        ct.add_column("Category")
        tabs = [rs.tab for rs in raters_shown]
        for t in tabs:
            ct.add_column(Text(t), justify="center")
        if pool is not None:
            ct.add_column(anonymity.POOL_NAME, justify="right")
        ct.add_column("Consensus", justify="right")
        ct.add_column("Next", justify="center")
        for c in r.categories:
            cells = [Text(c.ratings.get(t) or "·") for t in tabs]
            if pool is not None:
                # a role-weighted mean by the workbook's own (untrusted) weights: withheld too
                cells.append(Text(num(None if r.figures_withheld else pool.levels.get(c.id))))
            ct.add_row(Text(c.name), *cells, num(c.consensus_level), Text(c.next_level or "–"))
        console.print(ct)
        for line in comment_lines(r, ladder if pooled else None, pooled=pooled):
            console.print(line)
        overall = Text("Overall: ", style="bold")
        if r.tabs_missing:  # not the person's result: raters' tabs are in files not read
            overall = Text("Overall of the tabs read only ", style="bold")
            overall.append(f"({len(r.tabs_missing)} of {len(r.raters)} rater tabs are in files "
                           "not read): ", style="yellow")
        if r.figures_withheld:
            why = anonymity.public_reason(r.figures_withheld, r.inputs) if pooled else \
                r.figures_withheld
            overall.append(f"no figures: {why}")
            console.print(overall)
            continue
        if r.figures_from:
            overall.append(f"(recomputed from the trusted {r.figures_from}) ")
        overall.append(f"{num(r.total_points)} points, level {r.level or '– (not every category rated)'}")
        if r.progress_to_next is not None:
            overall.append(f", {num(r.progress_to_next, pct=True)} of the way to the next level")
        if r.held_back:
            overall.append("; " + "; ".join(g.text(codes) for g in r.held_back))
        console.print(overall)


def policy_ladder(report: Report, trusted: TrustedLadders | None = None) -> Ladder | None:
    """The ladder whose ``min_peers`` rules a report's text: the trusted one of the same id and
    version when there is one (a copy cannot turn anonymity off), else the one embedded."""
    if not report.ladder_json:
        return None
    try:
        embedded = from_json(report.ladder_json)
    except ValueError:
        return None
    if trusted is not None:
        judged = trusted.judge(embedded).ladder
        if judged is not None:
            return judged
    return embedded


def tab_status(r: Report, pooled: bool = False) -> str:
    """Which rater tabs are filled, partly filled or not started: what a manager checks on a
    shared Google Sheet before chasing anyone. With ``pooled``, tabs other than self's are
    only counted, never named."""
    missing = set(r.tabs_missing)

    def state(rs: RaterScore) -> str:
        if rs.tab in missing:
            return "not in the files read"
        return "filled" if rs.of and rs.rated == rs.of else (
            "partly filled" if rs.rated else "not started")

    own = [rs for rs in r.raters if not pooled or rs.role == anonymity.SELF]
    full = [rs.tab for rs in own if state(rs) == "filled"]
    part = [f"{rs.tab} ({rs.rated}/{rs.of})" for rs in own if state(rs) == "partly filled"]
    none = [rs.tab for rs in own if state(rs) == "not started"]
    away = [rs.tab for rs in own if state(rs) == "not in the files read"]
    parts = [f"{label}: {', '.join(tabs)}" for label, tabs in
             (("filled", full), ("partly filled", part), ("not started", none),
              ("not in the files read", away)) if tabs]
    if pooled:
        counts = {k: sum(1 for rs in r.raters if rs.role != anonymity.SELF and state(rs) == k)
                  for k in ("filled", "partly filled", "not started", "not in the files read")}
        if any(counts.values()):
            parts.append(f"{anonymity.POOL_NAME}: " + ", ".join(
                f"{n} {k}" for k, n in counts.items() if n))
    return "Rater tabs " + "; ".join(parts) if parts else "Rater tabs: none"


def _one_line(comment: str) -> str:
    return " / ".join(part.strip() for part in comment.splitlines() if part.strip())


def comment_lines(report: Report, ladder: Ladder | None = None,
                  pooled: bool = False) -> list[Text]:
    """What each rater wrote (the evidence cells), one line per comment under a "Comments"
    heading: ``  Tab · Category (rating): comment``, in the order of tabs and categories; a
    comment's own line breaks are shown as " / ". Nothing when no rater wrote anything. With
    ``pooled``, only self's are shown so; the other raters' follow as ``  Others · Category:
    comment``, without tab or rating, in the order of categories and text (none without
    ``ladder``)."""
    names = {c.id: c.name for c in report.categories}
    order = {c.id: i for i, c in enumerate(report.categories)}
    rated = {c.id: c.ratings for c in report.categories}
    lines: list[Text] = []
    for inp in report.inputs:
        if pooled and inp.role != anonymity.SELF:
            continue
        for cid in sorted(inp.comments, key=lambda k: order.get(k, len(order))):
            text = _one_line(inp.comments[cid])
            if not text:
                continue
            line = Text("  ")
            line.append(inp.tab, style="bold")
            line.append(f" · {names.get(cid, cid)}")
            rating = rated.get(cid, {}).get(inp.tab)
            if rating:
                line.append(f" ({rating})")
            line.append(": ")
            line.append(text)
            lines.append(line)
    if pooled and ladder is not None:
        for cid, comment in anonymity.pooled_comments(ladder, report.inputs):
            line = Text("  ")
            line.append(anonymity.POOL_NAME, style="bold")
            line.append(f" · {names.get(cid, cid)}: ")
            line.append(_one_line(comment))
            lines.append(line)
    return [Text("Comments", style="bold"), *lines] if lines else []


def history_table(name: str, email: str | None, recs: Sequence[AssessmentRecord]) -> Table:
    """A person's periods held, in time order: level, total, progress and the change since the
    period before each (period.previous_of: the latest that ends before it starts, on the same
    ladder). A period that only overlaps the ones held before it (2026-11 after 2026-Q4) shows
    no change, and so does a row or its earlier period left incomplete (a total over some
    categories measures no progress); a change against a period other than the row above names
    that period."""
    table = Table(title=Text(name + (f" <{email}>" if email else "")))
    for col in ("Period", "Ladder", "Level", "Total", "Progress", "Change", "Rated", "Raters"):
        table.add_column(col, justify="left" if col in ("Period", "Ladder", "Level") else "right")
    above = None
    for r in recs:
        change = ""
        prev = previous_of(r.when, recs, lambda a: a.when) if r.when is not None else None
        # totals compare only when both are complete (every category rated), as in the export
        if prev is not None and prev.ladder_id == r.ladder_id and r.level_index is not None \
                and prev.level_index is not None:
            if r.total_points is not None and prev.total_points is not None:
                change = f"{r.total_points - prev.total_points:+.2f}"
            if r.level_index is not None and prev.level_index is not None \
                    and r.level_index != prev.level_index:
                change += f" ({r.level_index - prev.level_index:+d} level)"
            if change and prev is not above:
                change += f" since {prev.period}"
        table.add_row(
            Text(r.period), Text(f"{r.ladder_id} v{r.ladder_version}"), Text(r.level or "incomplete"),
            "" if r.total_points is None else f"{r.total_points:.2f}",
            "" if r.progress_to_next is None else f"{r.progress_to_next:.0%}",
            Text(change.strip()), f"{r.rated_categories}/{r.categories_count}", str(r.raters))
        above = r
    return table
