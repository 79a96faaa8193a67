"""What reading a workbook yields: findings, the scores recomputed, and the raw ratings.

A Report crosses every boundary after the reader (JSON output, the history database, exports),
so it is a pydantic model.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from ..definition import Ladder
from ..scoring import CategoryScore, GateHold, RaterInput, RaterScore, score

Severity = Literal["error", "warning"]


class Finding(BaseModel):
    severity: Severity
    sheet: str | None = None
    cell: str | None = None
    message: str
    file: str | None = Field(default=None, description="The copy it was found in, in merged reports.")
    conflict_tab: str | None = Field(
        default=None, description="For copies that disagree (a conflict_message): the rater "
                                  "tab they disagree on.")
    # rows or columns of the sheet were inserted, deleted or moved (or its tabs deleted or
    # swapped, or the assessment on its hidden sheet edited): a finding about what the workbook
    # is, quoting only what it was made with (never what a rater typed), so a person-facing
    # report lists it even for a pooled rater's tab (results/anonymity.py), and no trusted
    # ladder brings back the figures it withholds
    layout: bool = False

    def __str__(self) -> str:
        where = ""
        if self.sheet and self.cell:
            where = f"{self.sheet}!{self.cell}: "
        elif self.sheet:
            where = f"{self.sheet}: "
        return f"{self.severity}: {where}{self.message}"


class LadderRef(BaseModel):
    id: str
    version: str
    hash: str


class Report(BaseModel):
    """The verified content of one workbook (or of several merged copies of it)."""

    file: str = Field(description="Path or spreadsheet URL; merged copies are joined by ' + '.")
    sources: list[str] = Field(default_factory=list, description="Every file this report read.")
    content_hash: str | None = Field(default=None, description="sha256 of the file's bytes.")
    person: str | None = None
    email: str | None = None
    period: str | None = None
    team: str | None = None
    managers: list[str] = Field(default_factory=list)
    ladder: LadderRef | None = None
    findings: list[Finding] = Field(default_factory=list)
    raters: list[RaterScore] = Field(default_factory=list)
    categories: list[CategoryScore] = Field(default_factory=list)
    total_points: float | None = None
    level_index: int | None = None
    level: str | None = None
    progress_to_next: float | None = None
    held_back: list[GateHold] = Field(
        default_factory=list, description="The gates holding back the level above the one "
                                          "reached (the total reaches its threshold).")
    inputs: list[RaterInput] = Field(default_factory=list, description="Ratings and comments.")
    ladder_json: str | None = Field(
        default=None, repr=False,
        description="Canonical JSON of the ladder the workbook embeds (what its hash covers).",
    )
    figures_withheld: str | None = Field(
        default=None, description="Why no total, level or progress is given: they would come "
                                  "from a definition or ratings that cannot be trusted.")
    unread_ratings: list[str] = Field(
        default_factory=list, description="Cells (``Tab!D5``) whose rating is no level of the "
                                          "ladder, or on a tab whose rows were moved (which "
                                          "category it rates is not certain): no figure is "
                                          "computed while any is.")
    figures_from: str | None = Field(
        default=None, description="The trusted ladder the figures were recomputed from, when "
                                  "not from the workbook's own (which was found altered).")
    tabs_missing: list[str] = Field(
        default_factory=list, description="Rater tabs none of the files read holds (a --split "
                                          "file read without the other raters' files): the "
                                          "figures are those of the tabs read only.")
    unreadable: str | None = Field(
        default=None, description="Why the file could not be read at all (then nothing else is set)."
    )

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def withhold_figures(report: Report, why: str) -> None:
    """No figure computed from what cannot be trusted: totals, levels, progress and the
    consensus go; the ratings as read (and each role's mean of them) stay."""
    report.figures_withheld = why
    report.figures_from = None
    report.total_points = report.level_index = report.level = report.progress_to_next = None
    report.held_back = []
    report.raters = [r.model_copy(update={"total_points": None, "level_index": None,
                                          "level": None, "progress_to_next": None,
                                          "held_back": []})
                     for r in report.raters]
    report.categories = [c.model_copy(update={"consensus_level": None, "consensus_points": None,
                                              "self_gap": None, "next_level": None})
                         for c in report.categories]


def layout_changed(report: Report) -> bool:
    """Whether an error says rows or columns of the workbook were inserted, deleted or
    moved."""
    return any(f.layout and f.severity == "error" for f in report.findings)


def recompute_figures(report: Report, ladder: Ladder, origin: str) -> bool:
    """The figures from a trusted ladder instead of the workbook's own, labelled with where it
    came from; False (nothing changed) when the ratings do not fit that ladder, or some could
    not be read at all (a figure without them is not the raters'), or rows or columns of the
    workbook were inserted, deleted or moved (:attr:`Finding.layout`): no ladder mends that."""
    if report.unread_ratings or layout_changed(report):
        return False
    ids = {c.id for c in ladder.categories}
    roles = {r.id for r in ladder.raters}
    n = len(ladder.levels)
    for inp in report.inputs:
        if inp.role not in roles or not set(inp.levels) <= ids or any(
                lv is not None and not 1 <= lv <= n for lv in inp.levels.values()):
            return False
    sc = score(ladder, report.inputs)
    report.raters, report.categories = sc.raters, sc.categories
    report.total_points, report.level_index = sc.total_points, sc.level_index
    report.level, report.progress_to_next = sc.level, sc.progress_to_next
    report.held_back = sc.held_back
    report.figures_withheld = None
    report.figures_from = origin
    return True


# -- copies that disagree ---------------------------------------------------------------------
# A conflict's finding carries its tab (Finding.conflict_tab), and the history stores it beside
# the refusal's text (refusals.conflict_tabs, schema version 4). A refusal stored before holds
# the text alone, and ``status`` must still tell which tab it is about: the one function that
# writes the line and the one that reads it back live here, side by side, and a test holds them
# to each other.

CONFLICT = "conflict: "
_ON_TAB = " hold different ratings on tab "
_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)


def conflict_message(tab: str, file_a: str, file_b: str,
                     diffs: Sequence[tuple[str, str, str, str]], most: int = 3) -> str:
    """One line naming both copies and the first cells where they differ, and what to do."""
    shown = "; ".join(f"{tab}!{cell} ({name}): {va} in {file_a}, {vb} in {file_b}"
                      for cell, name, va, vb in diffs[:most])
    more = f" and {len(diffs) - most} more cell(s)" if len(diffs) > most else ""
    return (f"{CONFLICT}{file_a} and {file_b}{_ON_TAB}{tab!r} "
            f"({shown}{more}); remove the copy that is wrong, or name the one to keep with "
            "--keep FILE")


def conflict_tab(reason: str) -> str | None:
    """The tab a :func:`conflict_message` line is about; None for any other reason. A file
    name may hold the message's own words: the tab is the first quoted name that the first
    cell shown then repeats (``... on tab 'Self' (Self!D5 ...``)."""
    if not reason.startswith(CONFLICT):
        return None
    at = reason.find(_ON_TAB)
    while at >= 0:
        m = _LITERAL.match(reason, at + len(_ON_TAB))
        if m is not None:
            try:
                tab = ast.literal_eval(m.group())
            except (ValueError, SyntaxError):
                tab = None
            rest = reason[m.end():]
            if isinstance(tab, str) and (rest.startswith(f" ({tab}!") or rest.startswith(" ()")):
                return tab
        at = reason.find(_ON_TAB, at + 1)
    return None
