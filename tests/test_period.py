"""Periods: every accepted spelling gives one canonical label, anything else is refused with the
accepted forms, and periods are ordered by time, never by their text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sheetladder.definition import DefinitionError, load_text
from sheetladder.period import (
    Period,
    PeriodError,
    PeriodScheme,
    current_quarter,
    normalise,
    parse_period,
    previous,
    sort_key,
)

years = st.integers(min_value=1000, max_value=9999)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@pytest.mark.parametrize("text", ["2026-Q4", "2026q4", "2026 Q4", "Q4 2026", "2026/Q4", " 2026-q4 ",
                                  "q4-2026", "2026Q4"])
def test_the_spellings_of_a_quarter_in_the_issue_are_one_period(text: str):
    assert normalise(text) == "2026-Q4"


@pytest.mark.parametrize(("text", "label"), [("2026-H1", "2026-H1"), ("2026h2", "2026-H2"),
                                             ("2026-03", "2026-03"), ("2026/03", "2026-03"),
                                             ("2026", "2026"), ("H1 2026", "2026-H1")])
def test_halves_months_and_years_are_periods(text: str, label: str):
    assert normalise(text) == label


@pytest.mark.parametrize(("text", "message"), [
    ("2026-3", "'2026-3' could be a month or a quarter: write 2026-03 for the month or 2026-Q3 "
               "for the quarter"),
    (" 2026/1 ", "'2026/1' could be a month or a quarter: write 2026-01 for the month or "
                 "2026-Q1 for the quarter"),
    ("2026-7", "'2026-7' is not a period: write 2026-07 for the month (a month has two digits)")])
def test_a_one_digit_month_is_refused_saying_what_it_could_mean(text: str, message: str):
    """In a tool run by quarter, 2026-3 was taken for March without a word."""
    with pytest.raises(PeriodError) as e:
        parse_period(text)
    assert str(e.value) == message


@pytest.mark.parametrize("text", ["last quarter", "Q4", "2026-Q5", "2026-Q0", "2026-H3", "2026-13",
                                  "2026-00", "26-Q4", "", "FY27-H1", "2026-Q4-extra", "٢٠٢٦"])
def test_anything_else_is_refused_with_the_accepted_forms(text: str):
    with pytest.raises(PeriodError) as e:
        parse_period(text)
    assert "accepted forms: 2026-Q4" in str(e.value) and "2026-H1" in str(e.value)
    assert "2026-03" in str(e.value)


@st.composite
def quarter_spellings(draw: st.DrawFn) -> tuple[str, int, int]:
    y, q = draw(years), draw(st.integers(1, 4))
    k = draw(st.sampled_from(["q", "Q"]))
    sep = draw(st.sampled_from(["", "-", "/", " "]))
    a, b = draw(spaces), draw(spaces)
    text = draw(st.sampled_from([f"{y}{a}{sep}{b}{k}{q}", f"{k}{q}{a}{sep}{b}{y}"]))
    return draw(spaces) + text + draw(spaces), y, q


@given(quarter_spellings())
def test_every_spelling_of_a_quarter_normalises_to_year_dash_q(case: tuple[str, int, int]):
    text, y, q = case
    p = parse_period(text)
    assert p.label == f"{y}-Q{q}"
    assert parse_period(p.label) == p  # the canonical label reads back as itself


def _any_period() -> st.SearchStrategy[str]:
    return st.one_of(
        years.map(str),
        st.tuples(years, st.integers(1, 2)).map(lambda t: f"{t[0]}-H{t[1]}"),
        st.tuples(years, st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
        st.tuples(years, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"))


def _first_month(label: str) -> int:
    """Months since year 0 at which a canonical label starts, worked out independently."""
    y, _, part = label.partition("-")
    if not part:
        return int(y) * 12
    if part[0] == "Q":
        return int(y) * 12 + 3 * (int(part[1]) - 1)
    if part[0] == "H":
        return int(y) * 12 + 6 * (int(part[1]) - 1)
    return int(y) * 12 + int(part) - 1


@given(_any_period(), _any_period())
def test_periods_are_ordered_by_when_they_start_not_by_their_text(a: str, b: str):
    pa, pb = parse_period(a), parse_period(b)
    if _first_month(a) < _first_month(b):
        assert pa < pb and sort_key(a) < sort_key(b)
    if pa == pb:
        assert a == b


@given(st.text(max_size=20))
def test_any_text_is_a_canonical_period_or_refused(text: str):
    try:
        p = parse_period(text)
    except PeriodError as e:
        assert "accepted forms" in str(e)
    else:
        assert normalise(p.label) == p.label


def test_time_order_is_not_string_order():
    labels = ["2026-Q4", "2027-Q1", "2026-10", "2026-09", "2025", "2026-H1"]
    ordered = sorted(labels, key=sort_key)
    # by start, then end: October 2026 comes before the quarter it opens
    assert ordered == ["2025", "2026-H1", "2026-09", "2026-10", "2026-Q4", "2027-Q1"]
    assert parse_period("2026-09") < parse_period("2026-10") < parse_period("2027-Q1")


def test_unreadable_labels_of_an_old_history_sort_after_periods():
    assert sorted(["last quarter", "2027-Q1", "2026-Q4"], key=sort_key) == [
        "2026-Q4", "2027-Q1", "last quarter"]


def test_the_current_quarter_is_the_calendar_quarter_of_today():
    assert current_quarter(dt.date(2026, 12, 1)).label == "2026-Q4"
    assert current_quarter(dt.date(2027, 1, 1)).label == "2027-Q1"
    assert current_quarter(dt.date(2027, 6, 30)).label == "2027-Q2"


FISCAL = PeriodScheme(name="fiscal halves", pattern="FY{year:2}-H{half:1:1-2}",
                      order=["year", "half"], example="FY27-H1")


def test_an_organisation_scheme_reads_its_own_labels_in_its_own_order():
    assert normalise("fy27h2", FISCAL) == "FY27-H2"
    assert parse_period("FY27-H2", FISCAL) < parse_period("FY28-H1", FISCAL)
    assert sorted(["FY28-H1", "FY27-H2", "FY27-H1"], key=lambda t: sort_key(t, FISCAL)) == [
        "FY27-H1", "FY27-H2", "FY28-H1"]


def test_a_scheme_accepts_only_its_own_labels_and_calendar_only_calendar():
    with pytest.raises(PeriodError, match=r"fiscal halves.*FY27-H1"):
        parse_period("2026-Q4", FISCAL)
    with pytest.raises(PeriodError, match="accepted forms"):
        parse_period("FY27-H1")  # never by accident: no scheme declared


def test_periods_of_two_schemes_have_no_order():
    with pytest.raises(PeriodError, match="different period schemes"):
        _ = parse_period("FY27-H1", FISCAL) < parse_period("2026-Q4")


@pytest.mark.parametrize(("changes", "message"), [
    ({"pattern": "FY{year}-H{half:1}"}, "a field is"),
    ({"order": ["year"]}, "order must list each"),
    ({"example": "FY27-H3"}, "does not match"),
    ({"example": "fy27-h1"}, "not canonical"),
    ({"pattern": "FY"}, "has no field"),
    ({"pattern": "FY{year:2}-{year:2}"}, "pattern"),
])
def test_a_scheme_that_does_not_hold_together_is_refused(changes: dict[str, object], message: str):
    data = {**FISCAL.model_dump(), **changes}
    with pytest.raises(ValidationError, match=message):
        PeriodScheme.model_validate(data)


def test_a_scheme_pattern_is_a_template_never_a_regular_expression():
    """A definition comes from workbooks too: its pattern must not be able to hang a reader."""
    scheme = PeriodScheme(name="odd", pattern="(a+)+{n:1}", order=["n"], example="(a+)+1")
    assert normalise("(A+)+1", scheme) == "(a+)+1"
    assert scheme.parse("a" * 50 + "!") is None


def test_a_ladder_declares_its_scheme_once_in_the_definition():
    text = """\
id: fiscal
name: Fiscal ladder
version: "1"
levels: [{code: L1, name: One}, {code: L2, name: Two}]
groups:
  - id: g
    name: G
    categories:
      - {id: c, name: C, descriptors: {L1: Does one thing., L2: Does two things.}}
periods:
  name: fiscal halves
  pattern: "FY{year:2}-H{half:1:1-2}"
  order: [year, half]
  example: FY27-H1
"""
    ladder = load_text(text, "fiscal.yaml")
    assert ladder.periods is not None and normalise("FY27 H1", ladder.periods) == "FY27-H1"
    assert isinstance(parse_period("FY27-H1", ladder.periods), Period)
    with pytest.raises(DefinitionError, match=r"fiscal\.yaml:\d+:\d+: .*order must list"):
        load_text(text.replace("order: [year, half]", "order: [year]"), "fiscal.yaml")
    # a roster row without a period is told what this ladder's periods look like
    from sheetladder.roster import parse_roster, render_entries

    roster = parse_roster(ladder, "person,manager\nAnn,Bo\n", "team.csv")
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        result = render_entries(ladder, roster.entries, out)
    assert [p.message for p in result.problems] == [
        "a workbook needs a period (e.g. FY27-H1): it could not be collected into a history of "
        "periods once filled"]


# -- the previous period: the latest held that ends before this one starts ----------------------


def _last_month(label: str) -> int:
    """Months since year 0 at which a canonical label ends, worked out independently."""
    y, _, part = label.partition("-")
    first = _first_month(label)
    if not part:
        return first + 11
    return first + {"Q": 2, "H": 5}.get(part[0], 0)


def _near_period() -> st.SearchStrategy[str]:
    """Periods of every kind within three years, so that many of them overlap."""
    ys = st.integers(min_value=2025, max_value=2027)
    return st.one_of(
        ys.map(str),
        st.tuples(ys, st.integers(1, 2)).map(lambda t: f"{t[0]}-H{t[1]}"),
        st.tuples(ys, st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
        st.tuples(ys, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"))


@given(st.sets(_near_period(), max_size=12), _near_period())
def test_the_previous_period_never_overlaps_and_is_the_latest_that_ends_before(
        held: set[str], target: str):
    got = previous(parse_period(target), [parse_period(h) for h in held])
    before = [h for h in held if _last_month(h) < _first_month(target)]
    if not before:
        assert got is None
        return
    assert got is not None and got.label in before
    assert not got.overlaps(parse_period(target))
    assert _last_month(got.label) == max(_last_month(h) for h in before)
    # of those ending together, the one closest in length to the target
    length = _last_month(target) - _first_month(target)
    tied = [h for h in before if _last_month(h) == _last_month(got.label)]
    assert abs(_last_month(got.label) - _first_month(got.label) - length) == min(
        abs(_last_month(h) - _first_month(h) - length) for h in tied)


@given(_near_period(), _near_period())
def test_two_periods_overlap_exactly_when_they_share_a_month(a: str, b: str):
    pa, pb = parse_period(a), parse_period(b)
    shared = max(_first_month(a), _first_month(b)) <= min(_last_month(a), _last_month(b))
    assert pa.overlaps(pb) == pb.overlaps(pa) == shared
    assert pa.ends_before(pb) == (_last_month(a) < _first_month(b))


def test_a_period_holding_or_held_by_this_one_is_not_its_previous():
    """The review's history: 2026-H2 holds 2026-Q4, which holds 2026-11."""
    held = [parse_period(p) for p in ("2026-Q3", "2026-H2", "2026-Q4", "2026-11")]
    by = {p.label: p for p in held}
    assert previous(by["2026-Q4"], held) == by["2026-Q3"]
    assert previous(by["2026-11"], held) == by["2026-Q3"]
    assert previous(by["2026-H2"], held) is None  # 2026-Q3 is inside it, not before it
    assert previous(by["2026-Q3"], held) is None


def test_of_periods_ending_together_the_one_of_the_same_kind_is_previous():
    held = [parse_period(p) for p in ("2026-Q3", "2026-09", "2026-H1")]
    assert previous(parse_period("2026-Q4"), held) == parse_period("2026-Q3")
    assert previous(parse_period("2026-10"), held) == parse_period("2026-09")
    # Q3 and September lie inside H2: the half before is H1
    assert previous(parse_period("2026-H2"), held) == parse_period("2026-H1")


@given(st.sets(st.tuples(st.integers(20, 30), st.integers(1, 2)), max_size=8),
       st.tuples(st.integers(20, 30), st.integers(1, 2)))
def test_in_an_organisations_scheme_the_previous_period_is_the_one_just_before(
        held: set[tuple[int, int]], target: tuple[int, int]):
    label = "FY{}-H{}".format
    got = previous(parse_period(label(*target), FISCAL),
                   [parse_period(label(*h), FISCAL) for h in held])
    before = [h for h in held if h < target]
    assert got == (parse_period(label(*max(before)), FISCAL) if before else None)


def test_a_period_of_another_scheme_is_never_previous():
    fiscal = parse_period("FY27-H1", FISCAL)
    assert previous(fiscal, [parse_period("2020-Q1")]) is None
    assert previous(parse_period("2030"), [fiscal]) is None
    assert not fiscal.overlaps(parse_period("2027-H1"))


@pytest.mark.parametrize(("text", "says"), [
    ("2026-Q5", "a year has quarters Q1 to Q4 (2026-Q1 to 2026-Q4)"),
    ("q0 2027", "a year has quarters Q1 to Q4 (2027-Q1 to 2027-Q4)"),
    ("2026-H3", "a year has halves H1 and H2 (2026-H1, 2026-H2)"),
    ("2026-13", "a year has months 2026-01 to 2026-12"),
    ("2027-Q01", "write 2027-Q1 (one digit after Q)"),
    ("2027 q01", "write 2027-Q1 (one digit after Q)"),
    ("2026-Q05", "a year has quarters Q1 to Q4"),
])
def test_a_quarter_half_or_month_out_of_range_says_what_it_could_be(text: str, says: str):
    with pytest.raises(PeriodError) as e:
        parse_period(text)
    assert str(e.value).startswith(f"{text!r} is not a period: {says}"), str(e.value)
    assert "accepted forms: 2026-Q4" in str(e.value)


def test_a_period_out_of_range_asked_of_the_history_says_what_it_could_be(tmp_path):
    """``export --period 2026-Q5``, ``status --period "Q5 2026"``: the history resolves the
    period, and says what a year has as parse_period does."""
    from click.testing import CliRunner

    from sheetladder.cli import main
    from sheetladder.results.store import History

    db = tmp_path / "h.sqlite"
    with History(str(db)) as h:
        with pytest.raises(PeriodError) as e:
            h.resolve_period("Q5 2026")
    assert str(e.value).startswith("'Q5 2026' is not a period: a year has quarters Q1 to Q4 "
                                   "(2026-Q1 to 2026-Q4); accepted forms: 2026-Q4")
    res = CliRunner().invoke(main, ["export", "--period", "2027-Q01", "--db", str(db), "-o", "-"])
    assert res.exit_code != 0 and "write 2027-Q1 (one digit after Q)" in res.output, res.output


@given(st.integers(min_value=1000, max_value=9999), st.sampled_from("QH"),
       st.integers(min_value=1, max_value=4), st.sampled_from(["-", "_", ".", " ", ""]),
       st.booleans(), st.sampled_from(["ana-diaz-", "Team North ", "", "x_"]),
       st.sampled_from(["", "-bo-chen", " (1)", "_final"]))
def test_a_quarter_or_half_written_into_a_file_name_is_found(
        year: int, kind: str, n: int, sep: str, year_first: bool, before: str, after: str):
    from sheetladder.period import periods_in_name

    if kind == "H":
        n = 1 + n % 2
    part = f"{kind.lower() if n % 2 else kind}{n}"
    written = f"{year}{sep}{part}" if year_first else f"{part}{sep}{year}"
    assert periods_in_name(before + written + after) == [parse_period(f"{year}-{kind}{n}")]


@pytest.mark.parametrize("name", ["ana-diaz-2026-12-01", "report-q4", "ana-2026", "v2026q45",
                                  "q5-2026", "a2026-q4", "2026-q4b", "ana-diaz-2026-03"])
def test_a_date_a_year_or_a_part_of_a_word_in_a_file_name_is_no_period(name: str):
    from sheetladder.period import periods_in_name

    assert periods_in_name(name) == []
