"""The scoring rule: the seed's figures, and properties over many random assessments."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sheetladder.context import make_context
from sheetladder.definition import load_text
from sheetladder.plan import build_plan, summary_columns, summary_footer
from sheetladder.scoring import (
    RaterInput,
    gates_holding,
    level_index,
    next_level,
    points_for,
    progress_to_next,
    score,
    weighted_mean,
    xround,
)

from .conftest import SMALL


def everyone_at(ladder, level: int, tabs=("Self",)) -> list[RaterInput]:
    roles = {"Self": "self", "Manager": "manager", "Peer 1": "peer", "Peer 2": "peer"}
    return [RaterInput(role=roles[t], tab=t, levels={c.id: level for c in ladder.categories})
            for t in tabs]


def test_eighteen_categories_at_s2_make_36_points_and_level_s2(sales):
    s = score(sales, everyone_at(sales, 2))
    assert s.total_points == 36
    assert s.level == "S2"


def test_eighteen_categories_at_s3_make_54_points_and_level_s3(sales):
    s = score(sales, everyone_at(sales, 3, ("Self", "Manager", "Peer 1", "Peer 2")))
    assert s.total_points == 54
    assert s.level == "S3"


def test_one_point_short_of_54_stays_at_s2(sales):
    raters = everyone_at(sales, 3)
    first = sales.categories[0].id
    raters[0].levels[first] = 2
    s = score(sales, raters)
    assert s.total_points == 53
    assert s.level == "S2"
    assert math.isclose(s.progress_to_next, (53 - 36) / 18)


def test_raters_of_one_role_are_averaged_before_roles_are_weighted(sales):
    cid = sales.categories[0].id
    raters = [
        RaterInput(role="self", tab="Self", levels={cid: 6}),
        RaterInput(role="manager", tab="Manager", levels={cid: 3}),
        RaterInput(role="peer", tab="Peer 1", levels={cid: 1}),
        RaterInput(role="peer", tab="Peer 2", levels={cid: 3}),
    ]
    c = score(sales, raters).categories[0]
    # roles: self 6, manager 3, peers (1+3)/2 = 2 -> (6+3+2)/3
    assert math.isclose(c.consensus_level, 11 / 3)
    assert math.isclose(c.consensus_points, 11 / 3)
    assert math.isclose(c.self_gap, 6 - (3 + 2) / 2)
    assert c.role_means == {"self": 6, "manager": 3, "peer": 2}
    assert c.next_level == "S4"


def test_unrated_categories_are_left_out_and_no_level_is_given_until_complete(sales):
    cats = sales.categories
    partial = RaterInput(role="self", tab="Self", levels={c.id: 4 for c in cats[:-1]})
    s = score(sales, [partial])
    assert s.total_points == 4 * (len(cats) - 1)
    assert s.level is None and s.progress_to_next is None
    assert s.raters[0].rated == len(cats) - 1 and s.raters[0].level is None
    assert s.categories[-1].consensus_level is None
    # another rater covering the last category completes the consensus
    other = RaterInput(role="manager", tab="Manager", levels={cats[-1].id: 4})
    s2 = score(sales, [partial, other])
    assert s2.level == "S4"


def test_nothing_rated_gives_blanks_not_zero(sales):
    s = score(sales, [RaterInput(role="self", tab="Self", levels={})])
    assert s.total_points is None and s.level is None
    assert s.raters[0].total_points is None and s.raters[0].rated == 0


def test_explicit_points_and_thresholds_and_gates():
    text = SMALL.replace("levels:", (
        "scoring:\n  points: [1, 3, 6]\n  thresholds: [2, 8, 15]\n"
        "  gates: [{level: L3, category: b, min_level: L3}]\nlevels:"))
    ladder = load_text(text, "x.yaml")
    assert points_for(ladder, "b", 2) == 6  # 3 points x weight 2
    rated = RaterInput(role="self", tab="Self", levels={"a": 3, "b": 2})  # 6 + 6 = 12
    s = score(ladder, [rated])
    assert s.total_points == 12 and s.level == "L2"
    s3 = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": 1, "b": 3})])  # 1 + 12
    assert s3.total_points == 13 and s3.level == "L2"  # below 15
    # total reaches L3 but the gate on b is not met: a=3 (6), b=2 (6) ... use heavier a weight
    gated = load_text(text.replace("{id: a, name: Alpha,", "{id: a, name: Alpha, weight: 5,"), "y")
    s4 = score(gated, [RaterInput(role="self", tab="Self", levels={"a": 3, "b": 2})])  # 30 + 6
    assert s4.total_points == 36 and s4.level == "L2"
    s5 = score(gated, [RaterInput(role="self", tab="Self", levels={"a": 3, "b": 3})])
    assert s5.level == "L3" and s5.progress_to_next == 1


def test_total_below_the_first_threshold_is_below_the_first_level():
    ladder = load_text(SMALL.replace("levels:", "scoring: {thresholds: [5, 8, 9]}\nlevels:"), "x")
    s = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": 1, "b": 1})])  # 3
    assert s.level_index == 0 and s.level == "below L1"
    assert math.isclose(s.progress_to_next, 3 / 5)


def test_xround_rounds_half_away_from_zero_like_spreadsheets():
    assert xround(2.5, 0) == 3 and xround(-2.5, 0) == -3 and xround(0.1 + 0.2) == 0.3


ratings = st.dictionaries(
    st.sampled_from(["Self", "Manager", "Peer 1", "Peer 2"]),
    st.lists(st.one_of(st.none(), st.integers(1, 7)), min_size=18, max_size=18),
)


@settings(max_examples=200, deadline=None)
@given(ratings)
def test_properties_of_any_assessment(sales, by_tab):
    roles = {"Self": "self", "Manager": "manager", "Peer 1": "peer", "Peer 2": "peer"}
    cats = sales.categories
    raters = [RaterInput(role=roles[t], tab=t, levels={c.id: lv for c, lv in zip(cats, lvls)})
              for t, lvls in by_tab.items()]
    s = score(sales, raters)
    for c in s.categories:
        if c.consensus_level is not None:
            # linear points with weight 1: consensus points equal the consensus level
            assert math.isclose(c.consensus_points, c.consensus_level)
            assert 1 <= c.consensus_level <= 7
        else:
            assert c.consensus_points is None
    rated = [c for c in s.categories if c.consensus_level is not None]
    if rated:
        assert math.isclose(s.total_points, sum(c.consensus_points for c in rated), abs_tol=1e-6)
    if len(rated) == len(cats):
        # the level is the highest k with total >= 18k
        assert s.level_index == max(k for k in range(0, 8) if k == 0 or s.total_points >= 18 * k)
        assert 0 <= s.progress_to_next <= 1
    else:
        assert s.level is None
    for r in s.raters:
        assert r.of == 18 and 0 <= r.rated <= 18
        if r.rated == 18:
            assert r.level_index == min(7, int(r.total_points // 18))


@given(st.lists(st.tuples(st.lists(st.floats(1, 7), max_size=4), st.floats(0.1, 5)), max_size=4))
def test_weighted_mean_averages_each_group_then_weights_the_groups_present(groups):
    m = weighted_mean(groups)
    present = [(sum(v) / len(v), w) for v, w in groups if v]
    if not present:
        assert m is None
    else:
        expected = sum(mean * w for mean, w in present) / sum(w for _, w in present)
        assert math.isclose(m, expected, rel_tol=1e-12)
        assert min(p for p, _ in present) - 1e-9 <= m <= max(p for p, _ in present) + 1e-9


@given(st.floats(0, 200), st.integers(0, 7))
def test_progress_is_a_share_between_zero_and_one(sales, total, index):
    p = progress_to_next(sales, total, index)
    assert 0 <= p <= 1
    if index == 7:
        assert p == 1


@given(st.floats(1, 7))
def test_next_level_is_the_one_above_the_rounded_down_consensus(c):
    n = next_level(c, 7)
    assert n is None if xround(c) >= 7 else n == math.floor(xround(c)) + 1


def test_level_index_walks_up_and_stops_at_the_first_unmet_level(sales):
    levels = {c.id: 3.0 for c in sales.categories}
    assert level_index(sales, 54, levels) == 3
    assert level_index(sales, 53.9999999999, levels) == 3  # rounded to 6 decimals first
    assert level_index(sales, 53.99, levels) == 2


def test_fractional_weights_reach_their_level_exactly():
    # 0.1 + 0.2 makes 0.30000000000000004 in floating point: the threshold must not sit above
    # the total of someone rated at the first level everywhere
    ladder = load_text(SMALL.replace("{id: a, name: Alpha,", "{id: a, name: Alpha, weight: 0.1,")
                       .replace("weight: 2", "weight: 0.2"), "w.yaml")
    assert ladder.level_thresholds()[0] == 0.3
    for level in (1, 2, 3):
        s = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": level, "b": level})])
        assert s.level_index == level


GATED = SMALL.replace("levels:", (
    "scoring:\n  points: [1, 2.5, 6]\n  thresholds: [2, 9, 16]\n"
    "  gates: [{level: L3, category: a, min_level: L3}]\n"
    "raters:\n  - {id: self, name: Self, weight: 0.5}\n  - {id: manager, name: Manager, weight: 2}\n"
    "  - {id: peer, name: Peer, count: 3, weight: 1}\n"
    "levels:")).replace(
    "      - {id: b,", "      - {id: c, name: Gamma, weight: 0.75, descriptors: {L1: c1, L2: c2, L3: c3}}\n"
    "      - {id: b,")


def test_gate_blocks_a_level_the_total_would_reach():
    ladder = load_text(GATED, "gated.yaml")
    ctx = make_context(ladder, "Robin")
    plan = build_plan(ladder, ctx, ratings={t: {"a": 2, "b": 3, "c": 3} for t in ctx.tabs()})
    cells = {(c.row, c.col): c.value for c in plan.sheet("Summary").cells}
    cols, foot = summary_columns(ctx, ladder), summary_footer(ladder)
    total = 2.5 + 6 * 2 + 6 * 0.75
    assert total >= 16  # the L3 threshold
    assert cells[(foot["total"], cols["consensus_points"])] == total
    assert cells[(foot["level"], cols["consensus_points"])] == "L2"


def test_the_gate_that_holds_a_level_back_is_named_and_none_is_when_the_total_falls_short():
    ladder = load_text(GATED, "gated.yaml")
    held = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": 2, "b": 3, "c": 3})])
    assert held.level == "L2" and held.total_points >= 16  # L3's threshold
    assert [(g.level, g.category, g.min_level, g.got) for g in held.held_back] == [
        ("L3", "a", "L3", 2.0)]
    assert held.raters[0].held_back == held.held_back
    assert held.held_back[0].text(ladder.codes) == (
        "L3 held back by its gate on Alpha: it needs Alpha at L3 or above, the consensus is 2")
    assert held.held_back[0].text(ladder.codes, consensus=False).endswith(", rated L2")
    short = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": 2, "b": 2, "c": 2})])
    assert short.level == "L2" and short.total_points < 16 and short.held_back == []
    top = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": 3, "b": 3, "c": 3})])
    assert top.level == "L3" and top.held_back == []
    partial = score(ladder, [RaterInput(role="self", tab="Self", levels={"a": 2, "b": 3})])
    assert partial.level is None and partial.held_back == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=3, max_size=3), st.floats(0, 40))
def test_a_gate_is_named_exactly_when_it_is_what_stops_the_level(levels, total):
    ladder = load_text(GATED, "gated.yaml")
    cats = dict(zip(["a", "c", "b"], map(float, levels), strict=True))
    idx = level_index(ladder, total, cats)
    held = gates_holding(ladder, total, cats)
    thresholds = ladder.level_thresholds()
    if held:
        assert idx < len(thresholds) and xround(total) >= thresholds[idx]
        assert ladder.codes[idx] == "L3" and cats["a"] < 3
    elif idx < len(thresholds):
        assert xround(total) < thresholds[idx]
