"""Results as text for a terminal: the read report and a person's history.

Names, periods and descriptors are people's text: they go into rich ``Text`` objects, never
into markup, so a name holding ``[bold]`` prints as typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .report import Report
from .store import AssessmentRecord


def print_reports(reports: Sequence[Report], console: Console | None = None) -> None:
    """The text report of ``sheetladder read``: findings, raters, categories, overall."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text


    console = Console(highlight=False, soft_wrap=False)

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
        if r.findings:
            ft = Table(box=box.SIMPLE, show_header=True, header_style="bold", pad_edge=False)
            ft.add_column("", no_wrap=True)
            if any(f.file for f in r.findings):
                ft.add_column("File", overflow="fold")
            ft.add_column("Where", no_wrap=True)
            ft.add_column("Finding", overflow="fold")
            for f in r.findings:
                sev = Text("error", style="red") if f.severity == "error" else \
                    Text("warning", style="yellow")
                where = Text(f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or ""))
                row = [sev]
                if any(x.file for x in r.findings):
                    row.append(Text(f.file or ""))
                row += [where, Text(f.message)]
                ft.add_row(*row)
            console.print(ft)
        rt = Table(title="Raters", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        for col in ("Tab", "Role", "Rated", "Points", "Level", "Progress"):
            rt.add_column(col, justify="left" if col in ("Tab", "Role") else "right")
        for rs in r.raters:
            rt.add_row(Text(rs.tab), Text(rs.role), f"{rs.rated}/{rs.of}", num(rs.total_points),
                       Text(rs.level or "–"), num(rs.progress_to_next, pct=True))
        console.print(rt)
        console.print(Text(tab_status(r)))
        ct = Table(title="Categories", box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
        ct.add_column("Category")
        tabs = [rs.tab for rs in r.raters]
        for t in tabs:
            ct.add_column(Text(t), justify="center")
        ct.add_column("Consensus", justify="right")
        ct.add_column("Next", justify="center")
        for c in r.categories:
            ct.add_row(Text(c.name), *[Text(c.ratings.get(t) or "·") for t in tabs],
                       num(c.consensus_level), Text(c.next_level or "–"))
        console.print(ct)
        for line in comment_lines(r):
            console.print(line)
        overall = Text("Overall: ", style="bold")
        if r.figures_withheld:
            overall.append(f"no figures: {r.figures_withheld}")
            console.print(overall)
            continue
        if r.figures_from:
            overall.append(f"(recomputed from the trusted {r.figures_from}) ")
        overall.append(f"{num(r.total_points)} points, level {r.level or '– (not every category rated)'}")
        if r.progress_to_next is not None:
            overall.append(f", {num(r.progress_to_next, pct=True)} of the way to the next level")
        console.print(overall)


def tab_status(r: Report) -> str:
    """Which rater tabs are filled, partly filled or not started: what a manager checks on a
    shared Google Sheet before chasing anyone."""
    full = [rs.tab for rs in r.raters if rs.of and rs.rated == rs.of]
    part = [f"{rs.tab} ({rs.rated}/{rs.of})" for rs in r.raters if 0 < rs.rated < rs.of]
    none = [rs.tab for rs in r.raters if rs.rated == 0]
    parts = [f"{label}: {', '.join(tabs)}" for label, tabs in
             (("filled", full), ("partly filled", part), ("not started", none)) if tabs]
    return "Rater tabs " + "; ".join(parts) if parts else "Rater tabs: none"


def comment_lines(report: Report) -> list[Text]:
    """What each rater wrote (the evidence cells), one line per comment under a "Comments"
    heading: ``  Tab · Category (rating): comment``, in the order of tabs and categories; a
    comment's own line breaks are shown as " / ". Nothing when no rater wrote anything."""
    names = {c.id: c.name for c in report.categories}
    order = {c.id: i for i, c in enumerate(report.categories)}
    rated = {c.id: c.ratings for c in report.categories}
    lines: list[Text] = []
    for inp in report.inputs:
        for cid in sorted(inp.comments, key=lambda k: order.get(k, len(order))):
            text = " / ".join(part.strip() for part in inp.comments[cid].splitlines()
                              if part.strip())
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
    return [Text("Comments", style="bold"), *lines] if lines else []


def history_table(name: str, email: str | None, recs: Sequence[AssessmentRecord]) -> Table:
    """A person's periods held: level, total, progress and the change since the period before."""
    table = Table(title=Text(name + (f" <{email}>" if email else "")))
    for col in ("Period", "Ladder", "Level", "Total", "Progress", "Change", "Rated", "Raters"):
        table.add_column(col, justify="left" if col in ("Period", "Ladder", "Level") else "right")
    prev = None
    for r in recs:
        change = ""
        if prev is not None and prev.ladder_id == r.ladder_id:
            if r.total_points is not None and prev.total_points is not None:
                change = f"{r.total_points - prev.total_points:+.2f}"
            if r.level_index is not None and prev.level_index is not None \
                    and r.level_index != prev.level_index:
                change += f" ({r.level_index - prev.level_index:+d} level)"
        table.add_row(
            Text(r.period), Text(f"{r.ladder_id} v{r.ladder_version}"), Text(r.level or "incomplete"),
            "" if r.total_points is None else f"{r.total_points:.2f}",
            "" if r.progress_to_next is None else f"{r.progress_to_next:.0%}",
            change.strip(), f"{r.rated_categories}/{r.categories_count}", str(r.raters))
        prev = r
    return table
