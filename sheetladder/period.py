"""Assessment periods: one type, one spelling, ordered by time.

A period is typed by people (``--period``, a roster cell) and then names files, joins a
person's assessments across a history and decides what "the previous period" is, so two
spellings of one quarter must never become two periods. Every label is parsed into a
:class:`Period` with one canonical label and a sort key in time:

* calendar periods (the default): a year ``2026``, a half ``2026-H1``, a quarter ``2026-Q4``
  (also typed ``2026q4``, ``2026 Q4``, ``Q4 2026``, ``2026/Q4``) and a month ``2026-03``
  (also ``2026/03``, ``2026-3``);
* an organisation's own scheme, declared once in the ladder definition (``periods:`` with a
  ``pattern`` such as ``FY{year:2}-H{half:1:1-2}`` and the ``order`` of its fields, most
  significant first; see :class:`PeriodScheme`). A ladder with a scheme accepts only its
  scheme, so a fiscal label is never taken for a calendar one by accident, nor the reverse.

Anything else is refused with a message listing the accepted forms.

Each period also spans time, from its ``start`` to its ``end``: a calendar period its months
(2026-H2 holds 2026-Q4, which holds 2026-11), a period of an organisation's scheme just its own
place (one pattern, so its periods never overlap). "The previous period" of a period, wherever
a change is computed (export, history), is :func:`previous`: the latest held period that ends
before this one starts; a period overlapping this one is never previous to it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .errors import BadInput

CALENDAR = "calendar"
CALENDAR_FORMS = ("2026-Q4 (also 2026q4, 2026 Q4, Q4 2026, 2026/Q4)", "2026-H1", "2026-03 (a month)",
                  "2026 (a year)")

_YEAR = r"(?P<y>[1-9][0-9]{3})"
_SEP = r"[ \t]*[-/]?[ \t]*"
_FORMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"{_YEAR}", re.I), "year"),
    (re.compile(rf"{_YEAR}{_SEP}(?P<k>[QH])(?P<n>[0-9])", re.I), "part"),
    (re.compile(rf"(?P<k>[QH])(?P<n>[0-9]){_SEP}{_YEAR}", re.I), "part"),
    # a month has two digits: 2026-3 could as well be the third quarter as March
    (re.compile(rf"{_YEAR}[ \t]*[-/][ \t]*(?P<m>[0-9]{{2}})", re.I), "month"),
]


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")

# Dashes a label gets from a word processor's or a spreadsheet's autocorrect, a copy from a web
# page or a mail: each is the '-' typed (en and em dash, minus sign, Unicode hyphens)
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"})


def typed(text: str) -> str:
    """``text`` as the ASCII a person meant: compatibility forms folded (a no-break or narrow
    space is a space, full-width digits and letters are digits and letters) and every dash a
    '-', so that ``2026–Q4`` pasted from a document is ``2026-Q4``, not a period refused."""
    return unicodedata.normalize("NFKC", str(text)).translate(_DASHES)


class PeriodError(BadInput):
    """A label that is not a period of the scheme in force; the message lists its forms."""


@dataclass(frozen=True, order=False)
class Period:
    """One period: its canonical ``label``, the ``scheme`` it belongs to and its place in time.

    Periods of one scheme compare by time (``key``), never by their text; comparing periods of
    two schemes is refused, since no order between them was declared."""

    label: str
    key: tuple[int, ...] = field(compare=False)
    scheme: str = CALENDAR
    # the first and last unit of time the period covers (a calendar period: months since year
    # 0); a period of an organisation's scheme covers only its own place, ``key``
    start: tuple[int, ...] = field(default=(), compare=False)
    end: tuple[int, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.start:
            object.__setattr__(self, "start", self.key)
        if not self.end:
            object.__setattr__(self, "end", self.start)

    def __str__(self) -> str:
        return self.label

    def ends_before(self, other: Period) -> bool:
        """This period is over before ``other`` starts (False for two schemes: no order)."""
        return self.scheme == other.scheme and self.end < other.start

    def overlaps(self, other: Period) -> bool:
        """The two periods share some time (2026-H2 and 2026-Q4; a period and itself)."""
        return (self.scheme == other.scheme and not self.ends_before(other)
                and not other.ends_before(self))

    def _same_scheme(self, other: Period) -> None:
        if self.scheme != other.scheme:
            raise PeriodError(f"{self.label} ({self.scheme}) and {other.label} ({other.scheme}) "
                              "belong to different period schemes and have no order")

    def __lt__(self, other: Period) -> bool:
        self._same_scheme(other)
        return self.key < other.key

    def __le__(self, other: Period) -> bool:
        self._same_scheme(other)
        return self.key <= other.key

    def __gt__(self, other: Period) -> bool:
        return other < self

    def __ge__(self, other: Period) -> bool:
        return other <= self


def _calendar(year: int, first_month: int, months: int, label: str) -> Period:
    start = year * 12 + first_month - 1
    # start first, then the end: 2026-H1 < 2026-Q2 (both end in June, H1 starts earlier), and
    # within one granularity this is plain time order.
    return Period(label=label, key=(start, start + months - 1), scheme=CALENDAR,
                  start=(start,), end=(start + months - 1,))


def _parse_calendar(text: str) -> Period | None:
    s = typed(text).strip()
    for pattern, kind in _FORMS:
        m = pattern.fullmatch(s)
        if not m:
            continue
        year = int(m["y"])
        if kind == "year":
            return _calendar(year, 1, 12, f"{year:04d}")
        if kind == "month":
            month = int(m["m"])
            if not 1 <= month <= 12:
                return None
            return _calendar(year, month, 1, f"{year:04d}-{month:02d}")
        k, n = m["k"].upper(), int(m["n"])
        if k == "Q" and 1 <= n <= 4:
            return _calendar(year, 3 * (n - 1) + 1, 3, f"{year:04d}-Q{n}")
        if k == "H" and 1 <= n <= 2:
            return _calendar(year, 6 * (n - 1) + 1, 6, f"{year:04d}-H{n}")
        return None
    return None


_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*):([1-9])(?::([0-9]+)-([0-9]+))?\}")
_SEPARATORS = "-/ "


@dataclass(frozen=True)
class _Field:
    name: str
    width: int
    low: int | None
    high: int | None


@functools.lru_cache(maxsize=64)
def _compile_template(template: str) -> tuple[re.Pattern[str], tuple[str | _Field, ...]]:
    """A template such as ``FY{year:2}-H{half:1:1-2}`` as a regular expression and its parts.

    The expression is built here, never taken from the definition: a definition comes from a
    workbook too, and a pattern written by anyone could take exponential time to match."""
    parts: list[str | _Field] = []
    rx: list[str] = []
    pos = 0
    for m in _FIELD.finditer(template):
        parts.extend(template[pos:m.start()])
        parts.append(_Field(m[1], int(m[2]), int(m[3]) if m[3] else None,
                            int(m[4]) if m[4] else None))
        pos = m.end()
    parts.extend(template[pos:])
    for part in parts:
        if isinstance(part, _Field):
            rx.append(f"(?P<{part.name}>[0-9]{{{part.width}}})")
        elif part in "{}":
            raise ValueError(f"pattern {template!r}: a field is {{name:digits}} or "
                             "{name:digits:min-max}, e.g. {year:2} or {half:1:1-2}")
        elif part in _SEPARATORS:
            rx.append("[ \t]*[-/]?[ \t]*")
        else:
            rx.append(re.escape(typed(part)))  # matched as typed text is
    try:
        return re.compile("".join(rx), re.I | re.A), tuple(parts)
    except re.error as e:  # a field name used twice
        raise ValueError(f"pattern {template!r}: {e}") from None


class PeriodScheme(BaseModel):
    """An organisation's own period labels, e.g. fiscal halves ``FY27-H1``.

    ``pattern`` is the canonical label with a field ``{name:digits}`` (or
    ``{name:digits:min-max}``) for each number: ``FY{year:2}-H{half:1:1-2}``. A label matches
    ignoring case, with its ``-``, ``/`` and spaces optional (``fy27 h1`` is ``FY27-H1``).
    ``order`` lists every field, most significant first: periods are ordered by those numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=60,
                               description="What the periods are, e.g. fiscal halves.")]
    pattern: Annotated[str, Field(min_length=1, max_length=60, description=(
        "The canonical label with a field {name:digits} or {name:digits:min-max} per number, "
        "e.g. FY{year:2}-H{half:1:1-2}; case, and - / or spaces, are optional when matching."))]
    order: Annotated[list[str], Field(min_length=1, description=(
        "The pattern's fields, most significant first: periods are ordered by them."))]
    example: Annotated[str, Field(min_length=1, max_length=60, description=(
        "A label in canonical form, e.g. FY27-H1; shown in messages and checked against the "
        "pattern."))]

    @model_validator(mode="after")
    def _coherent(self) -> PeriodScheme:
        _, parts = _compile_template(self.pattern)
        names = [p.name for p in parts if isinstance(p, _Field)]
        if not names:
            raise ValueError(f"pattern {self.pattern!r} has no field such as {{year:2}}")
        if sorted(self.order) != sorted(names):
            raise ValueError(f"order must list each of the pattern's fields once "
                             f"({', '.join(names)}); got {', '.join(self.order)}")
        period = self.parse(self.example)
        if period is None:
            raise ValueError(f"example {self.example!r} does not match the pattern "
                             f"{self.pattern!r}")
        if period.label != self.example:
            raise ValueError(f"example {self.example!r} is not canonical: the pattern spells "
                             f"it {period.label!r}")
        return self

    def parse(self, text: str) -> Period | None:
        """The period ``text`` names in this scheme, or None."""
        rx, parts = _compile_template(self.pattern)
        m = rx.fullmatch(typed(text).strip())
        if not m:
            return None
        numbers: dict[str, int] = {}
        label: list[str] = []
        for part in parts:
            if isinstance(part, _Field):
                n = int(m[part.name])
                if (part.low is not None and n < part.low) or (part.high is not None and n > part.high):
                    return None
                numbers[part.name] = n
                label.append(f"{n:0{part.width}d}")
            else:
                label.append(part)
        return Period(label="".join(label), key=tuple(numbers[g] for g in self.order),
                      scheme=self.name)

    def forms(self) -> tuple[str, ...]:
        return (f"{self.example} ({self.name})",)

    def calendar_lookalike(self) -> tuple[str, Period] | None:
        """A label of this scheme that reads as a calendar period too, with that period, or
        None. Tried: the example, and each field at the example's number and at its bounds (or
        1 and its largest number) in every combination: a label spelt like the calendar's
        (``{year:4}-Q{quarter:1}``) gives one at once."""
        rx, parts = _compile_template(self.pattern)
        fields = [p for p in parts if isinstance(p, _Field)]
        given = rx.fullmatch(self.example)
        choices = [list(dict.fromkeys(
            ([int(given[f.name])] if given else [])
            + [f.low if f.low is not None else 1,
               f.high if f.high is not None else 10 ** f.width - 1])) for f in fields]
        labels = [self.example]
        for values in itertools.product(*choices):
            numbers = dict(zip((f.name for f in fields), values, strict=True))
            labels.append("".join(f"{numbers[p.name]:0{p.width}d}" if isinstance(p, _Field)
                                  else p for p in parts))
        for label in labels:
            calendar = _parse_calendar(label)
            if calendar is not None:
                return label, calendar
        return None


def accepted_forms(scheme: PeriodScheme | None = None) -> str:
    forms = scheme.forms() if scheme is not None else CALENDAR_FORMS
    return ", ".join(forms)


def parse_period(text: str, scheme: PeriodScheme | None = None) -> Period:
    """The period ``text`` names (calendar, or ``scheme`` when the ladder declares one).

    Raises :class:`PeriodError` listing the accepted forms."""
    found = scheme.parse(text) if scheme is not None else _parse_calendar(str(text))
    if found is None:
        where = f"this ladder's periods ({scheme.name})" if scheme is not None else "a period"
        one = re.fullmatch(r"\s*([0-9]{4})\s*[-/]\s*([1-9])\s*", typed(text))
        if one and scheme is None:
            y, n = one.groups()
            if int(n) <= 4:
                raise PeriodError(f"{str(text).strip()!r} could be a month or a quarter: write "
                                  f"{y}-0{n} for the month or {y}-Q{n} for the quarter")
            raise PeriodError(f"{str(text).strip()!r} is not a period: write {y}-0{n} for the "
                              "month (a month has two digits)")
        wrong = period_hint(text) if scheme is None else None
        if wrong is not None:
            raise PeriodError(f"{str(text).strip()!r} is not a period: {wrong}; accepted "
                              f"forms: {accepted_forms(scheme)}")
        raise PeriodError(f"{str(text).strip()!r} is not {where}; accepted forms: "
                          f"{accepted_forms(scheme)}")
    return found


def period_hint(text: str) -> str | None:
    """What to write instead of ``text``, a label that is no calendar period, when it can be
    told (:func:`calendar_hint`, then a period put in words: a month's name, a quarter without
    its year, a fiscal label); else None."""
    return calendar_hint(typed(text)) or _wording_hint(typed(text))


def _wording_hint(text: str) -> str | None:
    """What to write instead of a calendar period put in words a period is not written in:
    a month's name (``Oct 2026``), a quarter or half without its year (``Q4``), a fiscal
    label on a ladder of calendar periods (``FY26-Q4``, which is never taken for a calendar
    quarter: which one it is depends on the organisation's fiscal year); else None."""
    s = text.strip()
    named = (re.fullmatch(rf"(?P<w>[a-z]{{3,}})\.?{_SEP}{_YEAR}", s, re.I)
             or re.fullmatch(rf"{_YEAR}{_SEP}(?P<w>[a-z]{{3,}})\.?", s, re.I))
    word = named["w"].casefold() if named else ""
    # a month's name or its start ('Oct', 'Sept', 'October'), not any word beginning as one
    # does ('Marketing', 'Junior')
    month = next((i for i, m in enumerate(_MONTH_NAMES, start=1) if m.startswith(word)), None) \
        if len(word) >= 3 else None
    if named is not None and month is not None:  # a month's name: 'Oct 2026', '2026 October'
        y = named["y"]
        return (f"write {y}-{month:02d} for the month or {y}-Q{(month - 1) // 3 + 1} for its "
                "quarter")
    bare = re.fullmatch(r"(?P<k>[QH])(?P<n>[1-4])", s, re.I)
    if bare is not None and (bare["k"].upper() == "Q" or int(bare["n"]) <= 2):
        kind = "quarter" if bare["k"].upper() == "Q" else "half"
        year = _dt.date.today().year
        return f"a {kind} needs its year: write {year}-{bare['k'].upper()}{bare['n']}, say"
    if re.match(r"FY", s, re.I):
        return ("a fiscal label: this ladder counts calendar periods; write the calendar "
                "period meant, or declare the organisation's periods in the definition "
                "(periods:, see docs/definition-format.md)")
    return None


def calendar_hint(text: str) -> str | None:
    """What is wrong with a label of a calendar period's form whose number is none of its kind
    (``2026-Q5``, ``2026-H3``, ``2026-13``, ``2026-Q01``), or of a date (what a spreadsheet
    makes of ``2026-10`` or ``Oct 2026`` typed in a cell), saying what to write; else None."""
    s = text.strip()
    date = re.fullmatch(rf"{_YEAR}-(?P<m>[0-9]{{2}})-[0-9]{{2}}(?:[T ]00:00(?::00)?)?", s)
    if date is not None and 1 <= int(date["m"]) <= 12:
        y, month = date["y"], int(date["m"])
        return (f"a date, not a period (a spreadsheet turns {y}-{month:02d} typed in a cell into "
                f"one): write the period as text, {y}-{month:02d} for the month or "
                f"{y}-Q{(month - 1) // 3 + 1} for its quarter")
    padded = re.fullmatch(rf"{_YEAR}{_SEP}(?P<k>[QH])0+(?P<n>[0-9])", s, re.I)
    if padded is not None:
        s = f"{padded['y']}-{padded['k']}{padded['n']}"
        if _parse_calendar(s) is not None:
            return f"write {s.upper()} (one digit after {padded['k'].upper()})"
    for pattern, kind in _FORMS[1:]:
        m = pattern.fullmatch(s)
        if m is None:
            continue
        y = m["y"]
        if kind == "month":
            return f"a year has months {y}-01 to {y}-12 (and quarters {y}-Q1 to {y}-Q4)"
        if m["k"].upper() == "Q":
            return f"a year has quarters Q1 to Q4 ({y}-Q1 to {y}-Q4)"
        return f"a year has halves H1 and H2 ({y}-H1, {y}-H2)"
    return None


# A quarter or a half written into a file name: 2026-q4, 2026_Q4, 2026q4, q4-2026, 2026-h1. A
# month or a year alone is not taken: a date (2026-12-01) or a number in a name says nothing.
_IN_NAME = re.compile(
    r"(?<![0-9a-z])(?:(?P<y>[1-9][0-9]{3})[-_ .]?(?P<k>[qh])(?P<n>[1-4])"
    r"|(?P<k2>[qh])(?P<n2>[1-4])[-_ .]?(?P<y2>[1-9][0-9]{3}))(?![0-9a-z])", re.I)


def periods_in_name(name: str) -> list[Period]:
    """The calendar quarters and halves a file name writes (``ana-diaz-2026-q4``: 2026-Q4), as
    :func:`roster.workbook_name` and people write them."""
    out: list[Period] = []
    for m in _IN_NAME.finditer(name):
        year = m["y"] or m["y2"]
        kind, n = (m["k"] or m["k2"]).upper(), m["n"] or m["n2"]
        found = _parse_calendar(f"{year}-{kind}{n}")
        if found is not None and found not in out:
            out.append(found)
    return out


def folded(text: str) -> str:
    """A label as a scheme's pattern matches it: case, and '-', '/' and spaces, aside (and
    typed as :func:`typed` reads it), so ``fy27 h1`` and ``FY27-H1`` fold alike."""
    return re.sub(r"[\s\-/]+", "", typed(text)).casefold()


def normalise(text: str, scheme: PeriodScheme | None = None) -> str:
    """The canonical label of ``text``; raises :class:`PeriodError`."""
    return parse_period(text, scheme).label


def sort_key(label: str, scheme: PeriodScheme | None = None) -> tuple[Any, ...]:
    """Order labels by time, for lists that may hold labels written before periods were checked
    (an old history): periods first, by scheme then time; unreadable labels last, by text."""
    return order_of(label, period_or_none(label, scheme))


def order_of(label: str, period: Period | None) -> tuple[Any, ...]:
    """:func:`sort_key` of ``label`` already parsed as ``period`` (None: a label that is no
    period)."""
    if period is None:
        return (1, "", (), label.strip().casefold())
    return (0, period.scheme, period.key, "")


_T = TypeVar("_T")


def _length(p: Period) -> int:
    return p.end[0] - p.start[0] if p.scheme == CALENDAR else 0


def previous_of(target: Period, items: Iterable[_T], period: Callable[[_T], Period | None]
                ) -> _T | None:
    """The item whose period (``period(item)``; None: a label that is no period) is the one
    before ``target``: of those that end before ``target`` starts, the one that ends latest;
    among those ending together, the one closest in length to ``target`` (a quarter's
    previous is the quarter before, not that quarter's last month), then the one starting
    latest. Periods overlapping ``target``, of another scheme or no period are never previous.
    None when no item qualifies."""
    best: tuple[tuple[Any, ...], _T] | None = None
    for item in items:
        p = period(item)
        if p is None or not p.ends_before(target):
            continue
        rank = (p.end, -abs(_length(p) - _length(target)), p.start)
        if best is None or rank > best[0]:
            best = (rank, item)
    return best[1] if best is not None else None


def previous(target: Period, held: Iterable[Period]) -> Period | None:
    """The period of ``held`` before ``target`` (see :func:`previous_of`), or None."""
    return previous_of(target, held, lambda p: p)


def period_or_none(label: str, scheme: PeriodScheme | None = None) -> Period | None:
    """The period ``label`` names, or None for a label that is none (an old history's)."""
    try:
        return parse_period(label, scheme)
    except PeriodError:
        return None


def current_quarter(today: _dt.date | None = None) -> Period:
    """The calendar quarter ``today`` falls in (default: today, local time)."""
    d = today or _dt.date.today()
    return parse_period(f"{d.year}-Q{(d.month - 1) // 3 + 1}")


# A calendar period label as a pydantic field: any accepted form, stored canonical.
CalendarPeriod = Annotated[str, AfterValidator(normalise)]
