"""Peer anonymity: the one place that decides what a person-facing output may show of raters.

A ladder's ``min_peers`` (default 3, 0 turns it off) is the fewest peers (raters of role
``peer``) who must have rated a person before the peers may be shown one by one. Below it,
every non-self rater (the manager, the peers, any other role) is shown only as one pool,
**Others**: one figure per category and one total, their comments unattributed and without the
rating beside them, in the order of categories and then of the text (not of the tabs). No
figure of the manager alone is shown either: the manager's and the pool's figures would give
the peers' by difference. Self stays, and so do the consensus, total, level and progress:
they are the result.

Why the pool cannot be backed out: the pool's figure for a category is the role-weighted mean
of the non-self roles that rated it, exactly the "others" the self-vs-others gap is measured
against. The consensus is the role-weighted mean of self and that same figure, so the pool
says nothing the consensus and the self-rating do not already say. What those determine is one
weighted sum of the manager's mean and the peers' mean per category (of levels, and of points):
any other split of that sum between the manager and the peers (and any reshuffling of ratings
among the peers) gives
the same outputs, so no output determines any one peer's rating (tests/test_anonymity.py
shows two such rating sets exporting identically, for one and for two peers). What no rule can
hide: a reader who knows the manager's own ratings (the manager) can solve that one sum for the
peers' mean, which for a single peer is that peer's rating; that is the price of showing the
consensus at all.

Outputs that are data for ops, not for the person (``read --json``, the history database,
``status``), keep everything; see the README's "Peer anonymity".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import scoring
from ..context import GUIDE_SHEET, MATRIX_SHEET, META_SHEET, SUMMARY_SHEET
from ..definition import POOL_ROLE, Ladder
from ..scoring import RaterInput

if TYPE_CHECKING:
    from .calibrate import Calibration

SELF = "self"
PEER = "peer"
POOL = POOL_ROLE  # the pool's role id in the outputs (no ladder may give a role this id)
POOL_NAME = "Others"
# sheets whose findings concern no one rater; not the Summary, which has a column per rater (a
# stale stored result there quotes that rater's rating, then and now)
_OPEN_SHEETS = (META_SHEET, GUIDE_SHEET, MATRIX_SHEET)


@dataclass(frozen=True)
class Decision:
    """What one person's outputs may show: ``pooled`` when the peers who rated are fewer than
    the ladder's ``min_peers`` and some peer rated or commented (with none there is no one to
    hide)."""

    min_peers: int
    peers: int
    pooled: bool

    def shows(self, role: str) -> bool:
        """Whether raters of ``role`` may be shown by name and one by one."""
        return not self.pooled or role == SELF

    def note(self) -> str | None:
        if not self.pooled:
            return None
        return (f"{self.peers} peer(s) rated, fewer than this ladder's min_peers "
                f"({self.min_peers}): the manager and peers are shown together as {POOL_NAME}")


def peers_who_rated(inputs: Iterable[RaterInput]) -> int:
    """Peer tabs holding at least one rating (a peer who only commented rates no one, and
    counting them would let a smaller pool through)."""
    return len({i.tab for i in inputs
                if i.role == PEER and any(v is not None for v in i.levels.values())})


def decide(ladder: Ladder, inputs: Iterable[RaterInput]) -> Decision:
    inputs = list(inputs)
    peers = peers_who_rated(inputs)
    threshold = ladder.min_peers
    anyone = any(i.role == PEER and (any(v is not None for v in i.levels.values())
                                     or any(t.strip() for t in i.comments.values()))
                 for i in inputs)  # a peer who only commented is hidden too
    return Decision(min_peers=threshold, peers=peers,
                    pooled=threshold > 0 and anyone and peers < threshold)


@dataclass(frozen=True)
class Pool:
    """The non-self raters as one: per category the role-weighted mean of the non-self roles
    that rated it (levels and points alike, as the consensus combines them), and the total and
    level those add up to (a level only when every category has a pooled figure)."""

    levels: dict[str, float | None]
    rated: int
    of: int
    total_points: float | None
    level_index: int | None
    level: str | None
    progress_to_next: float | None
    roles: tuple[str, ...]  # the pooled roles that rated, in the ladder's order


def pool(ladder: Ladder, inputs: Sequence[RaterInput]) -> Pool:
    others = [r for r in ladder.raters if r.id != SELF]
    levels: dict[str, float | None] = {}
    points: list[float] = []
    for c in ladder.categories:
        by_level: list[tuple[list[float], float]] = []
        by_points: list[tuple[list[float], float]] = []
        for role in others:
            got = [lv for i in inputs if i.role == role.id
                   if (lv := i.levels.get(c.id)) is not None]
            by_level.append(([float(lv) for lv in got], role.weight))
            by_points.append(([scoring.points_for(ladder, c.id, lv) for lv in got], role.weight))
        levels[c.id] = scoring.weighted_mean(by_level)
        pts = scoring.weighted_mean(by_points)
        if pts is not None:
            points.append(pts)
    done = {cid: lv for cid, lv in levels.items() if lv is not None}
    total = scoring.xround(sum(points)) if points else None
    idx: int | None = None
    progress: float | None = None
    if total is not None and len(done) == len(ladder.categories):
        idx = scoring.level_index(ladder, total, done)
        progress = scoring.progress_to_next(ladder, total, idx)
    roles = tuple(r.id for r in others
                  if any(i.role == r.id and any(v is not None for v in i.levels.values())
                         for i in inputs))
    return Pool(levels=levels, rated=len(done), of=len(ladder.categories), total_points=total,
                level_index=idx, level=scoring.level_label(ladder, idx),
                progress_to_next=progress, roles=roles)


def pooled_comments(ladder: Ladder, inputs: Iterable[RaterInput]) -> list[tuple[str, str]]:
    """(category id, text) of every non-self rater's comment, in the ladder's order of
    categories and then by text: neither the tab nor the rating travels with it."""
    order = {c.id: i for i, c in enumerate(ladder.categories)}
    found = [(cid, text) for i in inputs if i.role != SELF
             for cid, text in i.comments.items() if cid in order and text.strip()]
    return sorted(found, key=lambda ct: (order[ct[0]], ct[1]))


def pooled_names(inputs: Iterable[RaterInput]) -> set[str]:
    """The tabs and names of the raters a pool hides."""
    return {x for i in inputs if i.role != SELF for x in (i.tab, i.name) if x and x.strip()}


def mentions(text: str, names: Iterable[str]) -> bool:
    """Whether ``text`` holds one of ``names`` as a whole word, as written or as a file name
    spells it (``pat-peer`` in ``ana-diaz-2026-q4-pat-peer.xlsx``), case ignored."""
    from ..roster import slug

    low = text.casefold()
    for n in names:
        if re.search(rf"(?<!\w){re.escape(n.strip().casefold())}(?!\w)", low) or \
                re.search(rf"(?<![a-z0-9]){re.escape(slug(n, 32))}(?![a-z0-9])", low):
            return True
    return False


def open_sheet(where: str, inputs: Iterable[RaterInput]) -> bool:
    """Whether a finding located on sheet ``where`` concerns no pooled rater: the Guide,
    Matrix or hidden sheet, or a self tab (not the Summary: it has a column per rater)."""
    return where in _OPEN_SHEETS or any(i.tab == where for i in inputs if i.role == SELF)


def listable(sheet: str | None, cell: str | None, text: str, inputs: Iterable[RaterInput]
             ) -> bool:
    """Whether a finding (on ``sheet`` at ``cell``, ``text`` its message and file) may be listed
    for a person whose other raters are pooled: it names no pooled rater or their tab, and it
    is on no sheet holding what they typed — their tabs, or a cell of the Summary (a column per
    rater). A finding on the Summary as a whole (missing, renamed) or on a copy of the self tab
    names nobody."""
    inputs = list(inputs)
    pooled_tabs = [i.tab for i in inputs if i.role != SELF]
    hidden = pooled_names(inputs)
    if mentions(text, hidden) or (sheet is not None and mentions(sheet, hidden)) or any(
            t in text or (sheet is not None and t in sheet) for t in pooled_tabs):
        return False
    if sheet is None or open_sheet(sheet, inputs):
        return True
    if sheet == SUMMARY_SHEET:
        return cell is None
    # a tab the workbook was not made with: a copy of the self tab ('Self (2)') is the person's
    # own; any other may be a pooled rater's tab renamed, whose findings quote what they typed
    return any(sheet.startswith(i.tab) for i in inputs if i.role == SELF)


def layout_shown(sheet: str | None, cell: str | None, message: str, file: str | None,
                 inputs: Iterable[RaterInput]) -> tuple[str, str] | None:
    """Where and how a finding about a sheet's layout (rows or columns inserted, deleted or
    moved: ``Finding.layout``) that :func:`listable` withholds may still be shown, or None:
    such a finding quotes only what the workbook was made with, never what a rater typed, and
    without it a person-facing report would only count the error that explains why no figure
    is given. The Summary is named with its cell; a pooled rater's tab is not named (its name
    is theirs): "a tab of Others, A5"; nor is a pooled rater in the message (a tab's title,
    "Peer rating by Cy Park", is "Peer rating by (one of Others)"). None for a finding in a
    file named after a pooled rater (a --split copy)."""
    inputs = list(inputs)
    hidden = pooled_names(inputs)
    if file and mentions(file, hidden):
        return None
    for name in sorted(hidden, key=len, reverse=True):
        message = re.sub(rf"(?<!\w){re.escape(name.strip())}(?!\w)", f"(one of {POOL_NAME})",
                         message, flags=re.IGNORECASE)
    if mentions(message, hidden):
        return None
    if sheet == SUMMARY_SHEET or sheet is None:
        return (f"{sheet}!{cell}" if sheet and cell else (sheet or "")), message
    return f"a tab of {POOL_NAME}" + (f", {cell}" if cell else ""), message


def public_reason(text: str, inputs: Iterable[RaterInput]) -> str:
    """Why figures were withheld, as a pooled person's outputs may say it: a pooled rater's
    tab, quoted, is "(a tab of Others)"; a reason naming them otherwise is not quoted."""
    inputs = list(inputs)
    for i in inputs:
        if i.role != SELF and i.tab:
            text = text.replace(repr(i.tab), f"(a tab of {POOL_NAME})")
    if mentions(text, pooled_names(inputs)):
        return ("what the errors above (or read --json) name was changed, on a tab of "
                f"{POOL_NAME}: no figure is computed until it is mended")
    return text


def public_warnings(decision: Decision, warnings: Sequence[str],
                    inputs: Iterable[RaterInput]) -> list[str]:
    """The warnings a pooled person's outputs may show: those located on a sheet that is no
    pooled rater's (:func:`open_sheet`) and naming no pooled rater; the others are counted in
    one line, since they name a rater's tab or quote what they typed."""
    if not decision.pooled:
        return list(warnings)
    inputs = list(inputs)
    hidden = pooled_names(inputs)
    open_sheets = (*_OPEN_SHEETS, *(i.tab for i in inputs if i.role == SELF))
    kept: list[str] = []
    left_out = 0
    for w in warnings:
        body = w.removeprefix("warning: ")
        located = any(body.startswith((f"{s}!", f"{s}:")) for s in open_sheets)
        if located and not mentions(body, hidden):
            kept.append(w)
        else:
            left_out += 1
    if left_out:
        kept.append(f"warning: {left_out} warning(s) about the raters shown as {POOL_NAME} "
                    "left out here: they name or quote one of them")
    return kept


def pooled_role_names(ladder: Ladder, p: Pool) -> str:
    """``Manager + Peer``: the roles a pool holds, for a label."""
    names = {r.id: r.name for r in ladder.raters}
    return " + ".join(names.get(r, r) for r in p.roles) or "none"


def mean_level(levels: Mapping[str, float | None]) -> float | None:
    vals = [v for v in levels.values() if v is not None]
    return sum(vals) / len(vals) if vals else None


def public_calibration(cal: Calibration, pooled_people: int) -> Calibration:
    """The calibration as a person-facing output (the export XLSX, the report's team page) may
    show it: with anyone pooled, no rater row and no adjusted consensus. A rater's leniency is
    their ratings set against the others' for the same people, and the adjusted consensus
    moves each rater's levels by their own leniency (and names who was moved): beside a pooled
    person's Others figure either would single the manager or a peer out again. What stays
    (alpha per category, self-other agreement against the pool) does not depend on which
    non-self rater gave what. ``sheetladder calibrate`` (for ops) keeps everything."""
    if pooled_people == 0 or not (cal.raters or cal.consensus):
        return cal
    note = (f"Rater leniency and the adjusted consensus are left out here: {pooled_people} "
            f"person(s) had fewer peers rating than the ladder's min_peers, and their raters are "
            f"shown only as {POOL_NAME}. `sheetladder calibrate` (for ops) shows them.")
    return cal.model_copy(update={"raters": [], "consensus": [], "notes": [*cal.notes, note]})
