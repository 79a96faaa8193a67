"""Calibration of a period's raters, from the history: leniency, agreement, self–other insight.

The figures are for ops (they name raters), read from the history and never written to it:

* **Leniency** of each named rater: per person and category they rated, their level minus the
  mean of the *other* non-self raters' levels for the same person and category; the mean of
  those deviations, in levels, with its n, and a z-score across the raters of the ladder who
  rated at least ``min_ratees`` people. Rater idiosyncrasy is the largest part of rating
  variance in multi-rater feedback (Scullen, Mount & Goff 2000), so it is worth measuring.
* **Agreement**: Krippendorff's alpha, ordinal, per category (units: people) and overall
  (units: person × category), computed by the ``krippendorff`` package.
* **Self–other agreement** per person, after Atwater & Yammarino (1992): the mean self level
  against the mean of the others' consensus over the categories both rated.
* **Raw and adjusted**: beside each person's raw consensus (as stored), the consensus the
  scoring rule gives when each qualifying rater's levels are moved by minus their leniency.
  It is an extra column: the raw figures are never replaced, and the history is not written.

Self-ratings are no rater of someone else: they are left out of leniency, of the others' mean
and of alpha (self-ratings are lenient on average, Heidemeier & Moser 2009; sources are
reported apart), and used only for self–other agreement. Unnamed default raters ("Peer 1")
are different people on each workbook: they count in the others' mean and in alpha but get no
leniency of their own. Raters are compared within one ladder (one version), since levels of
two ladders mean different things.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from .. import scoring
from ..context import person_key
from ..definition import Ladder
from ..errors import SheetladderError
from ..scoring import xround
from .export import team_key, team_spellings
from .store import AssessmentRecord, History, RatingRecord

SELF_ROLE = "self"
UNRELIABLE_ALPHA = 0.667  # Krippendorff (2004): below 0.667 data are not relied on even tentatively
SELF_OTHER_THRESHOLD = 0.5  # levels: a gap beyond half a level either way (see the README)
MIN_RATEES = 3
Z_THRESHOLD = 2.0
FOR_OPS = ("For ops: this names raters and how they rate; it is not for the people rated. "
           "The raw results are unchanged (the adjusted consensus is shown beside them).")

SelfOther = Literal["over-estimator", "under-estimator", "in-agreement"]


class CalibrationError(SheetladderError):
    """Nothing to calibrate: a period or team the history does not hold, or bad settings."""


class RaterLeniency(BaseModel):
    """One named rater's leniency within one ladder."""

    name: str
    role: str
    ratees: int = Field(description="People they rated whose rating could be compared.")
    n: int = Field(description="Ratings compared (person x category with another rater).")
    leniency: float | None = Field(
        description="Mean deviation in levels from the other raters' mean, same person and "
                    "category (positive: rates higher than the others).")
    z: float | None = Field(description="z-score of the leniency across the qualifying raters "
                                        "of the ladder (None: not qualifying, or no spread).")
    flagged: bool
    ladder: str = ""
    qualifies: bool = Field(default=False, description="At least min_ratees ratees.")
    sd: float | None = Field(default=None, description="SD of the deviations, in levels.")


class CategoryAgreement(BaseModel):
    """Krippendorff's alpha (ordinal) of one category: units are the people, coders the
    non-self raters."""

    id: str
    name: str
    alpha: float | None
    n: int = Field(description="Pairable ratings: those of people rated by two raters or more.")
    unreliable: bool
    ladder: str = ""
    units: int = Field(default=0, description="People with two ratings or more.")


class LadderAgreement(BaseModel):
    """Alpha over every person x category of one ladder."""

    ladder: str
    alpha: float | None
    n: int
    unreliable: bool
    units: int = 0


class PersonSelfOther(BaseModel):
    """How a person's self-rating compares with the others' consensus."""

    name: str
    team: str | None
    self_level: float | None
    others_level: float | None
    gap: float | None = Field(description="self - others, in levels")
    self_other: SelfOther | None = Field(description="None: no self-rating or no others'.")
    ladder: str = ""
    categories: int = Field(default=0, description="Categories both self and others rated.")


class CategoryConsensus(BaseModel):
    id: str
    name: str
    raw: float | None
    adjusted: float | None


class PersonConsensus(BaseModel):
    """A person's raw consensus (as the history holds it) beside the leniency-adjusted one."""

    name: str
    team: str | None
    ladder: str
    raw_total: float | None
    adjusted_total: float | None
    raw_level: str | None
    adjusted_level: str | None
    adjusted_raters: list[str] = Field(default_factory=list,
                                       description="The raters whose levels were adjusted.")
    categories: list[CategoryConsensus] = Field(default_factory=list)


class Calibration(BaseModel):
    period: str
    team: str | None
    raters: list[RaterLeniency]
    categories: list[CategoryAgreement]
    overall_alpha: float | None
    overall_n: int
    people: list[PersonSelfOther]
    notes: list[str]
    ladders: list[LadderAgreement] = Field(default_factory=list)
    consensus: list[PersonConsensus] = Field(default_factory=list)
    min_ratees: int = MIN_RATEES
    z_threshold: float = Z_THRESHOLD
    unreliable_below: float = UNRELIABLE_ALPHA
    self_other_threshold: float = SELF_OTHER_THRESHOLD
    unnamed_tabs: int = Field(default=0, description="Unnamed non-self rater tabs (not followed).")


# -- the computation --------------------------------------------------------------------------


def _r(x: float | None) -> float | None:
    return None if x is None else xround(x)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _sd(xs: Sequence[float]) -> float | None:
    """Sample standard deviation (n - 1); None below two values."""
    if len(xs) < 2:
        return None
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


@dataclass
class _Rating:
    key: tuple[str, str] | None  # (role, name key) of a named rater; None when unnamed
    name: str | None
    role: str
    tab: str
    level: int


@dataclass
class _Person:
    rec: AssessmentRecord
    others: dict[str, list[_Rating]] = field(default_factory=dict)  # category id -> ratings
    self_levels: dict[str, list[int]] = field(default_factory=dict)


def _people(ladder: Ladder, recs: Sequence[AssessmentRecord],
            ratings: dict[int, list[RatingRecord]]) -> tuple[list[_Person], set[tuple[int, str]]]:
    """Each person's current ratings by category, self apart; and the unnamed tabs seen."""
    cats = {c.id for c in ladder.categories}
    out: list[_Person] = []
    unnamed: set[tuple[int, str]] = set()
    for rec in recs:
        p = _Person(rec)
        for r in ratings.get(rec.id, []):
            if r.level_index is None or r.category_id not in cats:
                continue
            if r.rater_role == SELF_ROLE:
                p.self_levels.setdefault(r.category_id, []).append(r.level_index)
                continue
            name = (r.rater_name or "").strip() or None
            if name is None:
                unnamed.add((rec.id, r.rater_tab))
            key = (r.rater_role, person_key(name)) if name else None
            p.others.setdefault(r.category_id, []).append(
                _Rating(key=key, name=name, role=r.rater_role, tab=r.rater_tab,
                        level=r.level_index))
        out.append(p)
    return out, unnamed


def _leniency(people: Sequence[_Person], label: str, min_ratees: int, z_threshold: float,
              notes: list[str]) -> dict[tuple[str, str], RaterLeniency]:
    """Each named rater's leniency, keyed by (role, name key); z-scores over the qualifying."""
    devs: dict[tuple[str, str], list[float]] = {}
    ratees: dict[tuple[str, str], set[str]] = {}
    names: dict[tuple[str, str], str] = {}
    for p in people:
        for rs in p.others.values():
            for i, r in enumerate(rs):
                if r.key is None:
                    continue
                names.setdefault(r.key, r.name or "")
                rest = [o.level for j, o in enumerate(rs) if j != i]
                devs.setdefault(r.key, [])
                ratees.setdefault(r.key, set())
                if rest:
                    devs[r.key].append(r.level - sum(rest) / len(rest))
                    ratees[r.key].add(p.rec.person_key)
    found = {k: RaterLeniency(name=names[k], role=k[0], ratees=len(ratees[k]), n=len(devs[k]),
                              leniency=_r(_mean(devs[k])), z=None, flagged=False, ladder=label,
                              qualifies=len(ratees[k]) >= min_ratees and bool(devs[k]),
                              sd=_r(_sd(devs[k])))
             for k in names}
    out = list(found.values())
    pool = [x for x in out if x.qualifies and x.leniency is not None]
    few = [x for x in out if not x.qualifies]
    if few:
        notes.append(f"{label}: {len(few)} named rater(s) compared on fewer than {min_ratees} "
                     "people: their leniency is shown but gets no z-score")
    values = [x.leniency for x in pool if x.leniency is not None]
    sd = _sd(values)
    if len(pool) < 2:
        if out:
            notes.append(f"{label}: fewer than two raters with {min_ratees}+ ratees: no z-scores")
    elif not sd:
        notes.append(f"{label}: the qualifying raters are all equally lenient: no z-scores")
    else:
        m = sum(values) / len(values)
        for x in pool:
            assert x.leniency is not None
            x.z = _r((x.leniency - m) / sd)
            x.flagged = abs(x.z or 0.0) >= z_threshold
        reach = (len(pool) - 1) / math.sqrt(len(pool))  # the largest |z| n values allow
        if reach < z_threshold:
            notes.append(f"{label}: with {len(pool)} qualifying raters no |z| can reach "
                         f"{z_threshold:g} (at most {reach:.2f}): no one can be flagged")
    order = sorted(found, key=lambda k: (not found[k].qualifies, -(found[k].leniency or 0.0),
                                         found[k].name.casefold()))
    return {k: found[k] for k in order}


def alpha_of(units: Sequence[Sequence[int]], n_levels: int) -> tuple[float | None, int, int, str]:
    """Krippendorff's alpha (ordinal) of ``units`` (each the levels one unit received, any
    number of coders), by the ``krippendorff`` package: (alpha, pairable values n, units with
    two values or more, why alpha is None). Alpha depends only on the values each unit holds
    (through the coincidence matrix), so coders are filled in as slots."""
    import krippendorff

    pairable = [list(u) for u in units if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if not pairable:
        return None, 0, 0, "no one was rated by two raters"
    if len({v for u in pairable for v in u}) < 2:
        return None, n, len(pairable), "every rating is the same level: nothing to agree on"
    width = max(len(u) for u in pairable)
    matrix = [[float(u[c]) if c < len(u) else math.nan for u in pairable] for c in range(width)]
    a = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal",
                                 value_domain=list(range(1, max(n_levels, 2) + 1))))
    if not math.isfinite(a):
        return None, n, len(pairable), "alpha is undefined for these ratings"
    return xround(a), n, len(pairable), ""


def _self_other(p: _Person, ladder: Ladder, label: str, threshold: float) -> PersonSelfOther:
    weights = {r.id: r.weight for r in ladder.raters}
    selfs: list[float] = []
    others: list[float] = []
    for c in ladder.categories:
        mine = p.self_levels.get(c.id)
        rs = p.others.get(c.id, [])
        if not mine or not rs:
            continue
        by_role: dict[str, list[float]] = {}
        for r in rs:
            by_role.setdefault(r.role, []).append(float(r.level))
        o = scoring.weighted_mean([(v, weights.get(role, 1.0)) for role, v in by_role.items()])
        if o is None:
            continue
        selfs.append(sum(mine) / len(mine))
        others.append(o)
    s, o = _mean(selfs), _mean(others)
    gap = None if s is None or o is None else s - o
    cls: SelfOther | None = None
    if gap is not None:
        g = xround(gap)
        cls = ("over-estimator" if g > threshold else
               "under-estimator" if g < -threshold else "in-agreement")
    return PersonSelfOther(name=p.rec.person, team=p.rec.team, self_level=_r(s),
                           others_level=_r(o), gap=_r(gap), self_other=cls, ladder=label,
                           categories=len(selfs))


def _points_at(ladder: Ladder, category_id: str, level: float) -> float:
    """Points of a (fractional) level: the ladder's points, linear between levels."""
    pts = ladder.level_points()
    lo = max(1, min(len(pts), math.floor(level)))
    hi = min(len(pts), lo + 1)
    p = pts[lo - 1] + (pts[hi - 1] - pts[lo - 1]) * (level - lo)
    return p * ladder.category(category_id).weight


def _adjusted(p: _Person, ladder: Ladder, label: str,
              leniency: dict[tuple[str, str], float]) -> PersonConsensus:
    """The consensus by the scoring rule (role means, then the role-weighted mean; points
    summed) with each adjusted rater's levels moved by minus their leniency, kept within the
    ladder's levels; the raw figures as the history holds them."""
    weights = {r.id: r.weight for r in ladder.raters}
    roles = [r.id for r in ladder.raters]
    top = len(ladder.levels)
    raw = {c.id: c for c in p.rec.categories}
    adjusted_by: dict[tuple[str, str], str] = {}
    levels: dict[str, float] = {}
    points: list[float] = []
    cats: list[CategoryConsensus] = []
    for c in ladder.categories:
        lv: dict[str, list[float]] = {rid: [] for rid in roles}
        pt: dict[str, list[float]] = {rid: [] for rid in roles}
        for s in p.self_levels.get(c.id, []):
            lv.setdefault(SELF_ROLE, []).append(float(s))
            pt.setdefault(SELF_ROLE, []).append(_points_at(ladder, c.id, s))
        for r in p.others.get(c.id, []):
            x = float(r.level)
            if r.key is not None and r.key in leniency:
                x = min(float(top), max(1.0, x - leniency[r.key]))
                adjusted_by[r.key] = r.name or ""
            lv.setdefault(r.role, []).append(x)
            pt.setdefault(r.role, []).append(_points_at(ladder, c.id, x))
        level = scoring.weighted_mean([(v, weights.get(rid, 1.0)) for rid, v in lv.items()])
        pts = scoring.weighted_mean([(v, weights.get(rid, 1.0)) for rid, v in pt.items()])
        if level is not None and pts is not None:
            levels[c.id] = level
            points.append(pts)
        held = raw.get(c.id)
        cats.append(CategoryConsensus(id=c.id, name=c.name,
                                      raw=_r(held.consensus_level) if held else None,
                                      adjusted=_r(level)))
    total = xround(sum(points)) if points else None
    idx = (scoring.level_index(ladder, total, levels)
           if total is not None and len(levels) == len(ladder.categories) else None)
    return PersonConsensus(name=p.rec.person, team=p.rec.team, ladder=label,
                           raw_total=_r(p.rec.total_points), adjusted_total=total,
                           raw_level=p.rec.level, adjusted_level=scoring.level_label(ladder, idx),
                           adjusted_raters=sorted(adjusted_by.values(), key=str.casefold),
                           categories=cats)


def calibrate(history: History, period: str, team: str | None = None, *,
              min_ratees: int = MIN_RATEES, z_threshold: float = Z_THRESHOLD) -> Calibration:
    """The calibration figures of ``period`` (any accepted spelling), for one team (case
    ignored) or everyone, from the current ratings the history holds."""
    if min_ratees < 1:
        raise CalibrationError(f"--min-ratees must be at least 1, not {min_ratees}")
    if not z_threshold > 0:
        raise CalibrationError(f"--z must be above 0, not {z_threshold}")
    period = history.resolve_period(period)
    current = history.records(period=period)
    if not current:
        held = history.periods()
        raise CalibrationError(f"no assessments for period {period!r} in the history "
                               f"{history.name}; periods held: "
                               + (", ".join(held) if held else "none"))
    if team is not None:
        teams = sorted(team_spellings(a.team for a in current).values(), key=str.casefold)
        current = [a for a in current if team_key(a.team) == team_key(team)]
        if not current:
            raise CalibrationError(f"no assessments of team {team!r} in period {period!r}; "
                                   "teams held: " + (", ".join(teams) if teams else "none"))
    ratings = history.current_ratings([a.id for a in current])
    groups: dict[str, list[AssessmentRecord]] = {}
    for a in sorted(current, key=lambda a: (a.ladder_id, a.ladder_version, a.person.casefold())):
        groups.setdefault(a.ladder_hash, []).append(a)
    versions: dict[str, int] = {}
    for recs in groups.values():
        versions[recs[0].ladder_id] = versions.get(recs[0].ladder_id, 0) + 1

    notes: list[str] = [FOR_OPS]
    if len(groups) > 1:
        notes.append("the period holds several ladders (or versions): raters, agreement and "
                     "z-scores are compared within each ladder, never across")
    raters: list[RaterLeniency] = []
    categories: list[CategoryAgreement] = []
    ladders_out: list[LadderAgreement] = []
    people_out: list[PersonSelfOther] = []
    consensus: list[PersonConsensus] = []
    all_units: list[list[int]] = []
    unnamed_all: set[tuple[int, str]] = set()
    top = 2
    for h, recs in groups.items():
        ladder = history.ladder(h)
        label = ladder.id if versions[ladder.id] == 1 else f"{ladder.id} v{ladder.version}"
        top = max(top, len(ladder.levels))
        people, unnamed = _people(ladder, recs, ratings)
        unnamed_all |= unnamed
        found = _leniency(people, label, min_ratees, z_threshold, notes)
        raters += found.values()
        lenient: dict[tuple[str, str], float] = {}
        for k, x in found.items():
            if x.qualifies and x.leniency is not None:
                lenient[k] = x.leniency
        units_here: list[list[int]] = []
        for c in ladder.categories:
            units = [[r.level for r in p.others.get(c.id, [])] for p in people]
            units_here += units
            alpha, n, pairs, why = alpha_of(units, len(ladder.levels))
            if alpha is None:
                notes.append(f"{label}: {c.name}: no alpha: {why}")
            categories.append(CategoryAgreement(
                id=c.id, name=c.name, alpha=alpha, n=n, units=pairs, ladder=label,
                unreliable=alpha is not None and alpha < UNRELIABLE_ALPHA))
        alpha, n, pairs, why = alpha_of(units_here, len(ladder.levels))
        if alpha is None:
            notes.append(f"{label}: no overall alpha: {why}")
        ladders_out.append(LadderAgreement(ladder=label, alpha=alpha, n=n, units=pairs,
                                           unreliable=alpha is not None
                                           and alpha < UNRELIABLE_ALPHA))
        all_units += units_here
        for p in people:
            people_out.append(_self_other(p, ladder, label, SELF_OTHER_THRESHOLD))
            consensus.append(_adjusted(p, ladder, label, lenient))
    if len(groups) == 1:
        overall_alpha, overall_n = ladders_out[0].alpha, ladders_out[0].n
    else:
        overall_alpha, overall_n, _, _ = alpha_of(all_units, top)
        notes.append("the overall alpha pools the ladders' level numbers; the alpha of each "
                     "ladder is given apart")
    if unnamed_all:
        tabs = sorted({t for _, t in unnamed_all}, key=str.casefold)
        shown = ", ".join(tabs[:4]) + (", ..." if len(tabs) > 4 else "")
        notes.append(f"{len(unnamed_all)} unnamed rater tab(s) ({shown}) cannot be followed "
                     "across people: they get no leniency (they still count in the others' "
                     "mean and in alpha); name raters in the roster to follow them")
    notes.append("self-ratings are left out of leniency and alpha; they are compared with the "
                 "others in self-other agreement")
    return Calibration(period=period, team=team, raters=raters, categories=categories,
                       overall_alpha=overall_alpha, overall_n=overall_n, people=people_out,
                       notes=notes, ladders=ladders_out, consensus=consensus,
                       min_ratees=min_ratees, z_threshold=z_threshold,
                       unnamed_tabs=len(unnamed_all))
