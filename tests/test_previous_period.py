"""The previous period wherever a change is shown (export, its trend, history): the latest
period held that ends before this one starts, never one that overlaps it, in the calendar and
in a ladder's own scheme, through a real history."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.definition import Ladder, load_text
from sheetladder.period import parse_period
from sheetladder.results.export import build
from sheetladder.results.store import History
from sheetladder.scoring import RaterInput, Score, score, xround

from .conftest import SMALL
from .test_export import ctx_of
from .test_history import make_report

FISCAL_BLOCK = """periods:
  name: fiscal halves
  pattern: "FY{year:2}-H{half:1:1-2}"
  order: [year, half]
  example: FY27-H1
"""


@pytest.fixture(scope="module")
def small() -> Ladder:
    return load_text(SMALL + "min_peers: 0\n", "small.yaml")


def _ingest(h: History, ladder: Ladder, person: str, period: str, level: int) -> Score:
    """``person``'s assessment of ``period`` with every rating at ``level``."""
    ctx = ctx_of(ladder, person, period, n_raters=2)
    ratings: dict[str, dict[str, int | None]] = {
        s.tab: {c.id: level for c in ladder.categories} for s in ctx.raters}
    h.ingest(make_report(ladder, ctx, ratings, file=f"{person}-{period}.xlsx"), ladder)
    return score(ladder, [RaterInput(role=s.role, name=s.name, tab=s.tab, levels=ratings[s.tab])
                          for s in ctx.raters])


# The review's history: a quarter, the half holding it and the next quarter, and a month
# inside that next quarter.
MIXED = {"2026-Q3": 1, "2026-H2": 3, "2026-Q4": 2, "2026-11": 3}


@pytest.fixture()
def mixed(tmp_path: Path, small: Ladder) -> tuple[str, dict[str, Score]]:
    url = str(tmp_path / "h.sqlite")
    with History(url) as h:
        scores = {p: _ingest(h, small, "Ana Diaz", p, lv) for p, lv in MIXED.items()}
    return url, scores


@pytest.mark.parametrize(("period", "before"), [("2026-Q4", "2026-Q3"), ("2026-11", "2026-Q3"),
                                                ("2026-H2", None), ("2026-Q3", None)])
def test_the_export_compares_with_the_latest_period_that_ends_before_this_one(
        mixed: tuple[str, dict[str, Score]], period: str, before: str | None) -> None:
    url, scores = mixed
    with History(url, read_only=True) as h:
        exp = build(h, period)
    [row] = exp.rows
    assert row.previous_period == before
    now = scores[period]
    prev = scores[before] if before else None
    assert row.previous_level == (prev.level if prev else None)
    assert row.level_change == (now.level_index - prev.level_index
                                if prev and now.level_index is not None
                                and prev.level_index is not None else None)
    assert row.total_change == (xround(now.total_points - prev.total_points)
                                if prev and now.level_index is not None
                                and prev.level_index is not None and now.total_points is not None
                                and prev.total_points is not None else None)
    # the trend runs through the periods over before this one starts, then this one
    assert exp.periods == ([before] if before else []) + [period]
    [trend] = exp.trend
    assert list(trend.levels) == exp.periods


def _history_rows(url: str, person: str) -> dict[str, list[str]]:
    res = CliRunner().invoke(main, ["history", person, "--db", url])
    assert res.exit_code == 0, res.output
    rows = {}
    for line in res.output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 8 and cells[0] not in ("", "Period"):
            rows[cells[0]] = cells
    return rows


def test_history_keeps_time_order_and_shows_a_change_only_against_a_period_before(
        mixed: tuple[str, dict[str, Score]]) -> None:
    url, scores = mixed
    rows = _history_rows(url, "Ana Diaz")
    assert list(rows) == ["2026-Q3", "2026-H2", "2026-Q4", "2026-11"]
    change = {p: cells[5] for p, cells in rows.items()}
    assert change["2026-Q3"] == "" and change["2026-H2"] == ""  # Q3 lies inside H2
    for p in ("2026-Q4", "2026-11"):  # both against Q3, the row above being no period before
        diff = (scores[p].total_points or 0) - (scores["2026-Q3"].total_points or 0)
        levels = (scores[p].level_index or 0) - (scores["2026-Q3"].level_index or 0)
        assert change[p] == f"{diff:+.2f} ({levels:+d} level) since 2026-Q3"


def test_history_of_one_kind_of_period_shows_each_change_against_the_row_above(
        tmp_path: Path, small: Ladder) -> None:
    url = str(tmp_path / "h.sqlite")
    with History(url) as h:
        scores = {p: _ingest(h, small, "Ben Ortiz", p, lv)
                  for p, lv in (("2026-Q2", 1), ("2026-Q3", 2), ("2026-Q4", 2))}
    change = {p: cells[5] for p, cells in _history_rows(url, "Ben Ortiz").items()}
    assert change["2026-Q2"] == ""
    q3 = (scores["2026-Q3"].total_points or 0) - (scores["2026-Q2"].total_points or 0)
    assert change["2026-Q3"] == f"{q3:+.2f} (+1 level)"  # no "since": it is the row above
    q4 = (scores["2026-Q4"].total_points or 0) - (scores["2026-Q3"].total_points or 0)
    assert change["2026-Q4"] == f"{q4:+.2f}"


def test_a_ladders_own_periods_compare_with_the_one_just_before(tmp_path: Path) -> None:
    ladder = load_text(SMALL + "min_peers: 0\n" + FISCAL_BLOCK, "fiscal.yaml")
    url = str(tmp_path / "h.sqlite")
    with History(url) as h:
        for period, level in (("FY27-H1", 1), ("FY27-H2", 2), ("FY28-H1", 3)):
            _ingest(h, ladder, "Ana Diaz", period, level)
        exp = build(h, "fy28 h1")
        first = build(h, "FY27-H1")
    [row] = exp.rows
    assert (row.previous_period, row.level_change) == ("FY27-H2", 1)
    assert exp.periods == ["FY27-H1", "FY27-H2", "FY28-H1"]
    assert first.rows[0].previous_period is None and first.periods == ["FY27-H1"]
    change = {p: cells[5] for p, cells in _history_rows(url, "Ana Diaz").items()}
    assert list(change) == ["FY27-H1", "FY27-H2", "FY28-H1"]
    assert change["FY27-H1"] == "" and change["FY28-H1"].endswith("(+1 level)")


_KINDS = st.one_of(
    st.integers(1, 2).map(lambda n: f"2026-H{n}"),
    st.integers(1, 4).map(lambda n: f"2026-Q{n}"),
    st.integers(1, 12).map(lambda n: f"2026-{n:02d}"),
    st.just("2026"), st.just("2025-Q4"))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(_KINDS, min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_any_mix_of_periods_exports_a_previous_period_that_ends_before_and_is_latest(
        tmp_path_factory: pytest.TempPathFactory, small: Ladder, held: set[str],
        rnd: random.Random) -> None:
    url = str(tmp_path_factory.mktemp("mix") / "h.sqlite")
    periods = sorted(held)
    with History(url) as h:
        for p in periods:
            _ingest(h, small, "Cy Park", p, rnd.randint(1, len(small.levels)))
        target = rnd.choice(periods)
        [row] = build(h, target).rows
    me = parse_period(target)
    before = [parse_period(p) for p in periods if parse_period(p).ends_before(me)]
    if not before:
        assert row.previous_period is None and row.level_change is None
        return
    assert row.previous_period is not None
    prev = parse_period(row.previous_period)
    assert not prev.overlaps(me) and prev.end < me.start
    assert prev.end == max(p.end for p in before)


def test_without_a_period_the_latest_is_the_one_that_ends_last_and_ties_are_refused(
        tmp_path: Path, small: Ladder) -> None:
    """'The latest period' (export, calibrate, report without --period) is the one ending
    last: 2026-Q4 over 2026-11, which starts later but ends first; a half-year and its last
    quarter end together, so neither is the latest and --period is asked for."""
    from sheetladder.results.export import ExportError, latest_period

    url = str(tmp_path / "h.sqlite")
    with History(url) as h:
        for p, lv in (("2026-Q3", 1), ("2026-11", 3), ("2026-Q4", 2)):
            _ingest(h, small, "Ana Diaz", p, lv)
        assert latest_period(h) == "2026-Q4"
        _ingest(h, small, "Ana Diaz", "2026-H2", 3)
        with pytest.raises(ExportError, match=r"end together \(2026-H2, 2026-Q4\).*give --period"):
            latest_period(h)
    res = CliRunner().invoke(main, ["export", "--db", url, "-o", "-"])
    assert res.exit_code == 1 and "give --period" in res.output
    # a history of quarters only: the last quarter, as always
    url2 = str(tmp_path / "q.sqlite")
    with History(url2) as h:
        for p in ("2026-Q2", "2026-Q4", "2026-Q3"):
            _ingest(h, small, "Ana Diaz", p, 2)
        assert latest_period(h) == "2026-Q4"
