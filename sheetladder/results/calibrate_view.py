"""A period's calibration (:mod:`.calibrate`) as terminal text or JSON, for ops.

Names are people's text: they go into rich ``Text`` cells, never into markup.
"""

from __future__ import annotations

import io
import json

from rich import box
from rich.table import Table

from ..terminal import console
from .calibrate import Calibration
from .text import Text  # shows a name's control characters before the table is laid out


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    if abs(x) < 0.005:
        x = 0.0  # no "-0.00"
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def _table() -> Table:
    return Table(box=box.SIMPLE, header_style="bold", pad_edge=False)


def to_json(cal: Calibration) -> bytes:
    """Every figure (a superset of issue 20's shape: period, raters, categories,
    overall_alpha, people)."""
    return (json.dumps(cal.model_dump(mode="json"), ensure_ascii=False, indent=2)
            + "\n").encode("utf-8")


def to_text(cal: Calibration, width: int = 120) -> str:
    """Leniency per rater, alpha per category, self–other per person, raw beside adjusted
    consensus, then the notes; plain text (no colour), for a terminal or a file."""
    buf = io.StringIO()
    # names shown, never sent: a control character in one is written out (terminal.shown)
    con = console(file=buf, width=width, color_system=None, highlight=False, soft_wrap=False)
    head = Text(f"Calibration · {cal.period}", style="bold")
    if cal.team:
        head.append(f" · team {cal.team}")
    con.print(head)
    con.print(Text(cal.notes[0] if cal.notes else ""))
    con.print()

    con.print(Text(f"Rater leniency: levels above the other raters of the same person and "
                   f"category; flagged at |z| ≥ {cal.z_threshold:g}, z over the raters with "
                   f"{cal.min_ratees}+ ratees", style="bold"))
    rt = _table()
    for col in ("Rater", "Role", "Ladder", "Ratees", "n", "Leniency", "z", "Flag"):
        rt.add_column(col, justify="left" if col in ("Rater", "Role", "Ladder") else "right")
    for r in cal.raters:
        rt.add_row(Text(r.name), Text(r.role), Text(r.ladder), str(r.ratees), str(r.n),
                   _num(r.leniency, signed=True), _num(r.z, signed=True),
                   ("HIGH" if (r.z or 0) > 0 else "LOW") if r.flagged else "")
    if not cal.raters:
        rt.add_row(Text("no named raters"), "", "", "", "", "", "", "")
    con.print(rt)

    con.print(Text(f"Agreement: Krippendorff's alpha, ordinal, non-self raters (unreliable "
                   f"below {cal.unreliable_below:g})", style="bold"))
    ct = _table()
    for col in ("Category", "Ladder", "Alpha", "n", "People", ""):
        ct.add_column(col, justify="left" if col in ("Category", "Ladder", "") else "right")
    for c in cal.categories:
        ct.add_row(Text(c.name), Text(c.ladder), _num(c.alpha), str(c.n), str(c.units),
                   "unreliable" if c.unreliable else "")
    ct.add_row(Text("overall", style="bold"), "", _num(cal.overall_alpha), str(cal.overall_n),
               "", "unreliable" if cal.overall_alpha is not None
               and cal.overall_alpha < cal.unreliable_below else "")
    con.print(ct)

    con.print(Text(f"Self–other agreement: self minus the others' mean over the categories "
                   f"both rated; beyond ±{cal.self_other_threshold:g} level", style="bold"))
    pt = _table()
    for col in ("Person", "Team", "Self", "Others", "Gap", "Categories", "Self–other"):
        pt.add_column(col, justify="left" if col in ("Person", "Team", "Self–other")
                      else "right")
    for p in cal.people:
        pt.add_row(Text(p.name), Text(p.team or ""), _num(p.self_level), _num(p.others_level),
                   _num(p.gap, signed=True), str(p.categories), p.self_other or "–")
    con.print(pt)

    con.print(Text("Consensus: raw (as held) beside leniency-adjusted (shown only; the raw "
                   "results stay as they are)", style="bold"))
    at = _table()
    for col in ("Person", "Raw total", "Raw level", "Adjusted total", "Adjusted level",
                "Adjusted raters"):
        at.add_column(col, justify="right" if "total" in col else "left")
    for k in cal.consensus:
        at.add_row(Text(k.name), _num(k.raw_total), Text(k.raw_level or "–"),
                   _num(k.adjusted_total), Text(k.adjusted_level or "–"),
                   Text(", ".join(k.adjusted_raters) or "none"))
    con.print(at)
    if len(cal.notes) > 1:
        con.print(Text("Notes", style="bold"))
        for n in cal.notes[1:]:
            con.print(Text(f"- {n}"))
    return buf.getvalue()
