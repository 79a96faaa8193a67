"""The scoring rule, once: as Python functions and as spreadsheet formula text.

Everything a workbook computes is generated here, next to the Python that computes the same
thing, so the renderer, the Google publisher and the reader cannot disagree about a number.

The rule (the seed's, generalised):

* A rating at level k of a category scores ``points[k] x weight`` (default ``points[k] = k``).
* A rater's total is the sum over the categories they rated.
* Per category, raters of one role are averaged first; the consensus is the weighted mean of
  the role means over the roles that rated it (role weights, equal by default). Levels and
  points are combined the same way, so with the default linear points they agree.
* The overall total is the sum of the consensus points of the categories.
* Level k is reached when the total is at least ``thresholds[k]`` (default ``points[k] x sum of
  weights``) and every gate on k holds, and every lower level is reached too.
* Unrated categories count for nothing: they are left out of a rater's total and of a
  category's consensus. A level (and the progress towards the next one) is only given when the
  whole ladder is rated — by the rater for their own level, by at least one rater per category
  for the overall level — because a partial total would understate anyone.
* Totals and the levels used in comparisons are rounded to 6 decimals (half away from zero) on
  both sides, so floating-point noise can never move someone across a threshold.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from .definition import Ladder

ROUND_DIGITS = 6
TOP_LEVEL_TEXT = "Top level reached"


def xround(x: float, digits: int = ROUND_DIGITS) -> float:
    """Round half away from zero, like the spreadsheet ROUND function."""
    f = 10.0**digits
    return math.copysign(math.floor(abs(x) * f + 0.5) / f, x)


# ---------------------------------------------------------------------------------------------
# Python side


def points_for(ladder: Ladder, category_id: str, level: int) -> float:
    """Points for a rating at 1-based ``level`` of a category."""
    return ladder.category_points(category_id)[level - 1]


def weighted_mean(groups: Sequence[tuple[Sequence[float], float]]) -> float | None:
    """Mean of each group first, then the weighted mean over the groups that have values."""
    num = 0.0
    den = 0.0
    for values, weight in groups:
        if values:
            num += (sum(values) / len(values)) * weight
            den += weight
    if den == 0:
        return None
    return num / den


class GateHold(BaseModel):
    """A gate that holds a level back: the total reaches the level's threshold, but the
    category's level is below the gate's minimum."""

    level: str = Field(description="The level code held back (the one above the level reached).")
    category: str = Field(description="Category id of the gate.")
    category_name: str
    min_level: str = Field(description="The level code the category must reach.")
    got: float = Field(description="The category's level: the rater's rating, or the consensus.")

    def text(self, codes: Sequence[str], consensus: bool = True) -> str:
        """``L3 held back by its gate on Alpha: it needs Alpha at L3 or above, the consensus is
        2.5`` (``consensus`` false: a rater's own level, ``..., rated L2``)."""
        if consensus:
            got = "the consensus is " + f"{self.got:.2f}".rstrip("0").rstrip(".")
        else:
            k = int(self.got)
            got = "rated " + (codes[k - 1] if float(self.got).is_integer()
                              and 1 <= k <= len(codes) else f"{self.got:g}")
        return (f"{self.level} held back by its gate on {self.category_name}: it needs "
                f"{self.category_name} at {self.min_level} or above, {got}")


def _climb(
    ladder: Ladder, total: float, category_levels: Mapping[str, float]
) -> tuple[int, list[GateHold]]:
    """The level reached (as :func:`level_index`) and, when a gate stopped the climb (the
    total reaches the next level's threshold), every gate on that level that is not met."""
    thresholds = ladder.level_thresholds()
    gates = ladder.scoring.gates
    reached = 0
    for k, code in enumerate(ladder.codes, start=1):
        if xround(total) < thresholds[k - 1]:
            break
        failed = [
            GateHold(level=code, category=g.category,
                     category_name=ladder.category(g.category).name, min_level=g.min_level,
                     got=category_levels[g.category])
            for g in gates
            if g.level == code
            and xround(category_levels[g.category]) < ladder.level_index(g.min_level)
        ]
        if failed:
            return reached, failed
        reached = k
    return reached, []


def level_index(
    ladder: Ladder, total: float, category_levels: Mapping[str, float]
) -> int:
    """Highest level reached (1-based; 0 = below the first) for a complete set of ratings."""
    return _climb(ladder, total, category_levels)[0]


def gates_holding(
    ladder: Ladder, total: float, category_levels: Mapping[str, float]
) -> list[GateHold]:
    """The gates that hold back the level above the one reached (none when the total does
    not reach that level's threshold, or the top is reached), for a complete set of ratings."""
    return _climb(ladder, total, category_levels)[1]


def progress_to_next(ladder: Ladder, total: float, index: int) -> float:
    """Share of the way from the reached level's threshold to the next one, 0..1 (1 at the top)."""
    thresholds = ladder.level_thresholds()
    if index >= len(thresholds):
        return 1.0
    prev = 0.0 if index == 0 else thresholds[index - 1]
    nxt = thresholds[index]
    return max(0.0, min(1.0, (total - prev) / (nxt - prev)))


def next_level(consensus_level: float, n_levels: int) -> int | None:
    """The level to grow into from a (possibly fractional) consensus level; None at the top."""
    nxt = math.floor(xround(consensus_level)) + 1
    return nxt if nxt <= n_levels else None


def level_label(ladder: Ladder, index: int | None) -> str | None:
    if index is None:
        return None
    if index == 0:
        return f"below {ladder.codes[0]}"
    return ladder.codes[index - 1]


class RaterInput(BaseModel):
    """One rater's ratings: level index (1-based) per category id, None when unrated."""

    role: str
    name: str | None = None
    tab: str
    levels: dict[str, int | None]
    comments: dict[str, str] = Field(default_factory=dict)


class RaterScore(BaseModel):
    role: str
    name: str | None
    tab: str
    rated: int
    of: int
    total_points: float | None
    level_index: int | None
    level: str | None
    progress_to_next: float | None
    held_back: list[GateHold] = Field(
        default_factory=list, description="The gates holding back the rater's next level.")


class CategoryScore(BaseModel):
    id: str
    name: str
    weight: float
    ratings: dict[str, str | None] = Field(description="Level code by rater tab.")
    role_means: dict[str, float | None] = Field(description="Mean level by role id.")
    consensus_level: float | None
    consensus_points: float | None
    self_gap: float | None = Field(description="Self minus the others' consensus level.")
    next_level: str | None


class Score(BaseModel):
    raters: list[RaterScore]
    categories: list[CategoryScore]
    total_points: float | None
    level_index: int | None
    level: str | None
    progress_to_next: float | None
    held_back: list[GateHold] = Field(
        default_factory=list, description="The gates holding back the next level.")


def score_rater(ladder: Ladder, rater: RaterInput) -> RaterScore:
    cats = ladder.categories
    rated = {c.id: rater.levels.get(c.id) for c in cats}
    done = {cid: lv for cid, lv in rated.items() if lv is not None}
    total = xround(sum(points_for(ladder, cid, lv) for cid, lv in done.items())) if done else None
    idx: int | None = None
    progress: float | None = None
    held: list[GateHold] = []
    if total is not None and len(done) == len(cats):
        idx, held = _climb(ladder, total, {k: float(v) for k, v in done.items()})
        progress = progress_to_next(ladder, total, idx)
    return RaterScore(
        role=rater.role,
        name=rater.name,
        tab=rater.tab,
        rated=len(done),
        of=len(cats),
        total_points=total,
        level_index=idx,
        level=level_label(ladder, idx),
        progress_to_next=progress,
        held_back=held,
    )


def score(ladder: Ladder, raters: Sequence[RaterInput]) -> Score:
    """Score one assessment: every rater, every category, and the consensus."""
    codes = ladder.codes
    role_weight = {r.id: r.weight for r in ladder.raters}
    role_ids = [r.id for r in ladder.raters]
    categories: list[CategoryScore] = []
    consensus_levels: dict[str, float] = {}
    consensus_points: list[float] = []
    for c in ladder.categories:
        by_role_levels: dict[str, list[float]] = {rid: [] for rid in role_ids}
        by_role_points: dict[str, list[float]] = {rid: [] for rid in role_ids}
        for r in raters:
            lv = r.levels.get(c.id)
            if lv is not None:
                by_role_levels[r.role].append(float(lv))
                by_role_points[r.role].append(points_for(ladder, c.id, lv))
        level = weighted_mean([(by_role_levels[rid], role_weight[rid]) for rid in role_ids])
        points = weighted_mean([(by_role_points[rid], role_weight[rid]) for rid in role_ids])
        others = weighted_mean(
            [(by_role_levels[rid], role_weight[rid]) for rid in role_ids if rid != "self"]
        )
        self_levels = by_role_levels.get("self", [])
        gap = None
        if self_levels and others is not None:
            gap = sum(self_levels) / len(self_levels) - others
        nxt = next_level(level, len(codes)) if level is not None else None
        if level is not None and points is not None:
            consensus_levels[c.id] = level
            consensus_points.append(points)
        categories.append(
            CategoryScore(
                id=c.id,
                name=c.name,
                weight=c.weight,
                ratings={
                    r.tab: (codes[lv - 1] if (lv := r.levels.get(c.id)) is not None else None)
                    for r in raters
                },
                role_means={
                    rid: (sum(v) / len(v) if v else None) for rid, v in by_role_levels.items()
                },
                consensus_level=level,
                consensus_points=points,
                self_gap=gap,
                next_level=codes[nxt - 1] if nxt is not None else None,
            )
        )
    total = xround(sum(consensus_points)) if consensus_points else None
    idx: int | None = None
    progress: float | None = None
    held: list[GateHold] = []
    if total is not None and len(consensus_levels) == len(ladder.categories):
        idx, held = _climb(ladder, total, consensus_levels)
        progress = progress_to_next(ladder, total, idx)
    return Score(
        raters=[score_rater(ladder, r) for r in raters],
        categories=categories,
        total_points=total,
        level_index=idx,
        level=level_label(ladder, idx),
        progress_to_next=progress,
        held_back=held,
    )


# ---------------------------------------------------------------------------------------------
# Formula side. Every function takes cell references (already quoted, e.g. "'Peer 1'!F9") and
# returns formula text without the leading "=". Only functions that Excel 2010+, LibreOffice
# and Google Sheets compute the same way are used: IF, AND, OR, COUNT, SUM, AVERAGE,
# INDEX, CHOOSE, ROUND, INT, MIN, MAX, ISNUMBER, TRIM, UPPER, LOWER, EXACT, NA.


@functools.lru_cache(maxsize=4096)
def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


@functools.lru_cache(maxsize=256)
def _joined(values: tuple[float, ...]) -> str:
    return ",".join(_num(v) for v in values)


def _str(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def f_level_number(rating_ref: str, codes: Sequence[str]) -> str:
    """Level index of a rating cell: its text, spaces trimmed, equal to a level code in any
    (ASCII) case; blank when it is blank or only spaces; #N/A for anything else, numbers too.

    Not MATCH: MATCH's exact mode takes wildcards (``S?`` finds S1) in Excel, LibreOffice and
    Google Sheets alike. Not ``=`` or UPPER alone either: UPPER turns ``ſ3`` into ``S3``, LOWER
    turns the Kelvin sign into ``k``, and ``=`` follows LibreOffice's case-sensitivity option.
    A text whose UPPER is exactly the code's upper case and whose LOWER is exactly its lower
    case (EXACT is case-sensitive everywhere) is that code in some ASCII case and nothing
    else. Level codes are ASCII letters and digits beginning with a letter, so no number's text
    can equal one. :func:`sheet_level` is its Python twin.
    """
    t = f"TRIM({rating_ref})"
    expr = "NA()"
    for k in range(len(codes), 0, -1):
        code = codes[k - 1]
        same = f"AND(EXACT(UPPER({t}),{_str(code.upper())}),EXACT(LOWER({t}),{_str(code.lower())}))"
        expr = f"IF({same},{k},{expr})"
    return f'IF({t}="","",{expr})'


def sheet_level(text: str, codes: Sequence[str]) -> int | None:
    """What :func:`f_level_number` computes for a text cell: the level (1-based), 0 when the text
    is blank or only spaces, None where the formula shows #N/A. Only ASCII case is folded: a
    level code is ASCII, and the applications' UPPER of other letters is not Python's."""
    trimmed = " ".join(part for part in text.split(" ") if part)
    if not trimmed:
        return 0
    if not trimmed.isascii():
        return None
    up = trimmed.upper()
    for k, code in enumerate(codes, start=1):
        if up == code.upper():
            return k
    return None


def f_points(ladder: Ladder, level_ref: str, weight: float) -> str:
    pts = _joined(ladder.level_points())
    return f'IF({level_ref}="","",CHOOSE({level_ref},{pts})*{_num(weight)})'


def f_count(range_ref: str) -> str:
    return f"COUNT({range_ref})"


def f_total(points_range: str) -> str:
    return f'IF(COUNT({points_range})=0,"",ROUND(SUM({points_range}),{ROUND_DIGITS}))'


def f_level_index(
    ladder: Ladder,
    total_ref: str,
    complete_ref: str,
    category_level_refs: Mapping[str, str],
) -> str:
    """Level reached as an index, or "" while ``complete_ref`` is false.

    Nested IFs walk up the levels and stop at the first that is not reached, exactly like
    :func:`level_index`. Gates compare the rounded category level with the gate's minimum.
    """
    thresholds = ladder.level_thresholds()
    n = len(thresholds)
    expr = str(n)
    for k in range(n, 0, -1):
        code = ladder.codes[k - 1]
        conds = [f"{total_ref}>={_num(thresholds[k - 1])}"]
        for g in ladder.scoring.gates:
            if g.level == code:
                ref = category_level_refs[g.category]
                conds.append(f"ROUND({ref},{ROUND_DIGITS})>={ladder.level_index(g.min_level)}")
        cond = conds[0] if len(conds) == 1 else "AND(" + ",".join(conds) + ")"
        expr = f"IF({cond},{expr},{k - 1})"
    return f'IF(NOT({complete_ref}),"",{expr})'


def f_level_code(ladder: Ladder, index_ref: str) -> str:
    codes = ",".join(_str(c) for c in ladder.codes)
    below = _str(f"below {ladder.codes[0]}")
    return f'IF({index_ref}="","",IF({index_ref}=0,{below},CHOOSE({index_ref},{codes})))'


def f_progress(ladder: Ladder, total_ref: str, index_ref: str) -> str:
    t = [_num(x) for x in ladder.level_thresholds()]
    n = len(t)
    prev = f"CHOOSE({index_ref}+1,0,{','.join(t[:-1])})" if n > 1 else "0"
    nxt = f"CHOOSE({index_ref}+1,{','.join(t)})"
    return (
        f'IF({index_ref}="","",IF({index_ref}>={n},1,'
        f"MAX(0,MIN(1,({total_ref}-{prev})/({nxt}-{prev})))))"
    )


def f_mean(refs: Sequence[str]) -> str:
    """Mean of the numeric cells among ``refs``; "" when none."""
    if not refs:
        return '""'
    args = ",".join(refs)
    return f'IF(COUNT({args})=0,"",AVERAGE({args}))'


def _weighted_parts(groups: Sequence[tuple[Sequence[str], float]]) -> tuple[str, str, str]:
    nums: list[str] = []
    dens: list[str] = []
    all_refs: list[str] = []
    for refs, weight in groups:
        if not refs:
            continue
        args = ",".join(refs)
        all_refs.extend(refs)
        nums.append(f"IF(COUNT({args})=0,0,AVERAGE({args})*{_num(weight)})")
        dens.append(f"IF(COUNT({args})=0,0,{_num(weight)})")
    return "+".join(nums) or "0", "+".join(dens) or "0", ",".join(all_refs)


def f_weighted_mean(groups: Sequence[tuple[Sequence[str], float]]) -> str:
    """Formula twin of :func:`weighted_mean`: group means, then weighted over groups present."""
    num, den, args = _weighted_parts(groups)
    if not args:
        return '""'
    return f'IF(COUNT({args})=0,"",({num})/({den}))'


def f_gap(self_refs: Sequence[str], other_groups: Sequence[tuple[Sequence[str], float]]) -> str:
    num, den, args = _weighted_parts(other_groups)
    if not self_refs or not args:
        return '""'
    s = ",".join(self_refs)
    return f'IF(OR(COUNT({s})=0,COUNT({args})=0),"",AVERAGE({s})-({num})/({den}))'


def f_next_descriptor(ladder: Ladder, consensus_ref: str, descriptor_row_range: str) -> str:
    n = len(ladder.levels)
    lv = f"INT(ROUND({consensus_ref},{ROUND_DIGITS}))"
    return (
        f'IF({consensus_ref}="","",IF({lv}>={n},{_str(TOP_LEVEL_TEXT)},'
        f"INDEX({descriptor_row_range},1,{lv}+1)))"
    )


def f_descriptor(level_ref: str, descriptor_row_range: str) -> str:
    return f'IF({level_ref}="","",INDEX({descriptor_row_range},1,{level_ref}))'


def f_complete(count_ref: str, of: int) -> str:
    return f"{count_ref}={of}"


def f_show(ref: str) -> str:
    """A value from another cell, blank while that cell is blank (a bare reference shows 0)."""
    return f'IF({ref}="","",{ref})'


GAP_HIGHLIGHT = 1  # a self-vs-others gap of a whole level or more is highlighted


def f_gap_flag(gap_ref: str, over: bool) -> str:
    """Conditional-format test: the gap is at least GAP_HIGHLIGHT above (or below) the others."""
    if over:
        return f"AND(ISNUMBER({gap_ref}),{gap_ref}>={GAP_HIGHLIGHT})"
    return f"AND(ISNUMBER({gap_ref}),{gap_ref}<=-{GAP_HIGHLIGHT})"
