"""The team page's calibration section, from a Calibration (``results/calibrate.py``).

The section is read from any object shaped like a Calibration (attributes ``raters``,
``categories``, ``overall_alpha``, ``people``, ``notes``), so the page does not depend on how
the figures were computed; :func:`calibration_view` turns it into plain values the template
``_calibration.html.j2`` shows: the raters flagged as lenient or harsh, the categories raters
do not agree on, and the people whose self-view differs most from others'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RaterFlag:
    name: str
    role: str
    ratees: int
    ratings: int
    leniency: float | None  # mean level given minus the mean others gave the same people
    z: float | None
    flagged: bool

    @property
    def direction(self) -> str:
        if self.leniency is None or abs(self.leniency) < 1e-9:
            return "in line"
        return "more lenient" if self.leniency > 0 else "harsher"


@dataclass(frozen=True)
class CategoryFlag:
    name: str
    alpha: float | None
    ratings: int
    unreliable: bool


@dataclass(frozen=True)
class SelfOther:
    name: str
    team: str | None
    self_level: float | None
    others_level: float | None
    gap: float | None
    self_other: str  # in words: "rates self above others", ...


@dataclass
class CalibrationView:
    raters: list[RaterFlag] = field(default_factory=list)
    categories: list[CategoryFlag] = field(default_factory=list)
    overall_alpha: float | None = None
    people: list[SelfOther] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def flagged_raters(self) -> list[RaterFlag]:
        return [r for r in self.raters if r.flagged]

    @property
    def unreliable_categories(self) -> list[CategoryFlag]:
        return [c for c in self.categories if c.unreliable]


def _count(value: Any) -> int:
    """A count given as a number or as the collection counted."""
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


_SELF_OTHER = {"over-estimator": "rates self above others",
               "under-estimator": "rates self below others",
               "in-agreement": "in agreement with others"}


def _self_other(value: Any) -> str:
    """The calibration's label of a person's self-view, in words (None: nothing to compare)."""
    if value is None:
        return "no self-rating or no others' to compare"
    return _SELF_OTHER.get(str(value), str(value))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def calibration_view(cal: Any) -> CalibrationView:
    """Plain values of a Calibration-like object, for the template (largest gaps first)."""
    raters = [RaterFlag(name=str(r.name), role=str(r.role), ratees=_count(r.ratees),
                        ratings=_count(r.n), leniency=_float(r.leniency), z=_float(r.z),
                        flagged=bool(r.flagged)) for r in cal.raters]
    raters.sort(key=lambda r: (not r.flagged, -abs(r.z or 0.0), r.name.casefold()))
    cats = [CategoryFlag(name=str(c.name), alpha=_float(c.alpha), ratings=_count(c.n),
                         unreliable=bool(c.unreliable)) for c in cal.categories]
    people = [SelfOther(name=str(p.name), team=None if p.team is None else str(p.team),
                        self_level=_float(p.self_level), others_level=_float(p.others_level),
                        gap=_float(p.gap), self_other=_self_other(p.self_other)) for p in cal.people]
    people.sort(key=lambda p: (-abs(p.gap or 0.0), p.name.casefold()))
    return CalibrationView(raters=raters, categories=cats,
                           overall_alpha=_float(cal.overall_alpha), people=people,
                           notes=[str(n) for n in cal.notes])
