"""Calibration of a period (issue 20): synthetic periods with the truth planted, ingested into a
history; every figure checked against the plant (leniency, alpha, self-other) or against the
``krippendorff`` package on a matrix built here, apart from the library's own."""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import krippendorff
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.context import Context, make_context
from sheetladder.definition import Ladder, load_text
from sheetladder.results.calibrate import (
    SELF_OTHER_THRESHOLD,
    Calibration,
    CalibrationError,
    alpha_of,
    calibrate,
)
from sheetladder.results.calibrate_view import to_text
from sheetladder.results.export import build, to_xlsx
from sheetladder.results.store import History
from sheetladder.scoring import RaterInput, score

from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)
from .test_history import make_report

PERIOD = "2026-Q4"
LADDER = """\
id: cal
name: Calibration ladder
version: "1"
levels:
""" + "".join(f"  - {{code: L{k}, name: Level {k}}}\n" for k in range(1, 8)) + """\
groups:
  - id: g
    name: Group
    categories:
""" + "".join(f"      - {{id: c{j}, name: Cat {j}, descriptors: {{"
              + ", ".join(f"L{k}: c{j} at {k}" for k in range(1, 8)) + "}}\n"
              for j in range(4)) + """\
raters:
  - {id: self, name: Self}
  - {id: manager, name: Manager}
  - {id: peer, name: Peer, count: 2}
"""

Rater = tuple[str, str | None]  # (role, name); name None: the ladder's default, unnamed


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return load_text(LADDER, "cal.yaml")


def clamp(x: int) -> int:
    return max(1, min(7, x))


Levels = Mapping[str, Mapping[str, int | None]]


def ingest(h: History, ladder: Ladder, person: str, raters: Sequence[Rater],
           levels: Levels | Callable[[Context], Levels], team: str | None = None) -> Context:
    ctx = make_context(ladder, person, PERIOD, [(r, n, None) for r, n in raters], team=team)
    got = levels(ctx) if callable(levels) else levels
    h.ingest(make_report(ladder, ctx, got, file=f"{person}.xlsx"), ladder)
    return ctx


def by_tab(ctx: Context, f: Callable[[str, str | None, str], int | None]) -> dict[str, dict[str, int | None]]:
    """Ratings of every tab: ``f(role, rater name, category id)``."""
    return {s.tab: {f"c{j}": f(s.role, s.name, f"c{j}") for j in range(4)} for s in ctx.raters}


def plant_lenient_manager(h: History, ladder: Ladder) -> None:
    """Two teams of 8 reps. East's manager Mia rates every rep 1.5 levels above the truth (+1
    on two categories, +2 on two); West's manager Ned and the twelve named peers (three per
    rep, six per team) rate the truth with some noise; self-ratings are a level high."""
    rnd = random.Random(2020)
    for team, manager, lenient in (("East", "Mia Manager", True), ("West", "Ned Manager", False)):
        peers = [f"{team} Peer {k}" for k in range(1, 7)]
        for i in range(8):
            truth = {f"c{j}": rnd.randint(2, 4) for j in range(4)}
            mine = [peers[i % 6], peers[(i + 2) % 6], peers[(i + 4) % 6]]

            def level(role: str, name: str | None, cid: str, truth: dict[str, int] = truth,
                      lenient: bool = lenient) -> int:
                t = truth[cid]
                if role == "self":
                    return clamp(t + 1)
                if role == "manager" and lenient:
                    return clamp(t + (1 if cid in ("c0", "c2") else 2))
                return clamp(t + rnd.choice([-1, 0, 0, 0, 0, 0, 1]))

            ingest(h, ladder, f"{team} Rep {i}",
                   [("self", None), ("manager", manager), *(("peer", p) for p in mine)],
                   lambda ctx, level=level: by_tab(ctx, level), team=team)  # type: ignore[misc]


def test_a_manager_lenient_by_a_level_and_a_half_across_8_reps_is_flagged_and_no_one_else(
        db_url: str, ladder: Ladder) -> None:
    with History(db_url) as h:
        plant_lenient_manager(h, ladder)
        cal = calibrate(h, PERIOD)
    flagged = [r.name for r in cal.raters if r.flagged]
    assert flagged == ["Mia Manager"]
    [mia] = [r for r in cal.raters if r.name == "Mia Manager"]
    assert mia.role == "manager" and mia.ratees == 8 and mia.n == 32
    assert mia.leniency == pytest.approx(1.5, abs=0.3)
    assert mia.z is not None and mia.z >= 2
    # every named rater is listed with its n; self-ratings are no rater of someone else
    assert len(cal.raters) == 2 + 12
    assert all(r.role != "self" for r in cal.raters)
    assert all(r.qualifies and r.z is not None for r in cal.raters)
    # the leniency is what the plant gives, computed here from the ratings held
    with History(db_url, read_only=True) as h:
        recs = h.records(period=PERIOD)
        held = h.current_ratings([a.id for a in recs])
    devs = []
    for a in recs:
        rs = [r for r in held[a.id] if r.rater_role != "self"]
        for r in rs:
            if r.rater_name == "Mia Manager":
                rest = [o.level_index for o in rs if o.category_id == r.category_id and o is not r]
                devs.append(r.level_index - sum(rest) / len(rest))  # type: ignore[arg-type,operator]
    assert mia.leniency == pytest.approx(sum(devs) / len(devs))


def test_the_adjusted_consensus_is_shown_beside_the_raw_one_and_the_history_is_not_written(
        tmp_path: Path, ladder: Ladder) -> None:
    db = tmp_path / "h.sqlite"
    with History(str(db)) as h:
        plant_lenient_manager(h, ladder)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with History(str(db), read_only=True) as h:
        cal = calibrate(h, PERIOD)
        recs = {a.person: a for a in h.records(period=PERIOD)}
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    for k in cal.consensus:
        rec = recs[k.name]
        assert k.raw_total == pytest.approx(rec.total_points)
        assert k.raw_level == rec.level
        assert [c.raw for c in k.categories] == [
            pytest.approx(c.consensus_level) for c in rec.categories]
        assert "Mia Manager" in k.adjusted_raters if k.team == "East" else True
    east = [k for k in cal.consensus if k.team == "East"]
    # moving Mia's ratings down by her leniency brings East's consensus down
    assert all(k.adjusted_total is not None and k.raw_total is not None
               and k.adjusted_total < k.raw_total for k in east)


def test_with_no_rater_adjusted_the_adjusted_consensus_is_the_scoring_rules_raw_one(
        tmp_path: Path, ladder: Ladder) -> None:
    rnd = random.Random(7)
    with History(str(tmp_path / "h.sqlite")) as h:
        scores = {}
        for i in range(5):
            ctx = ingest(h, ladder, f"P{i}", [("self", None), ("manager", None), ("peer", None),
                                              ("peer", None)],
                         lambda ctx: by_tab(ctx, lambda *_: rnd.choice([None, 1, 3, 5, 7])))
            scores[f"P{i}"] = ctx
        cal = calibrate(h, PERIOD)
        recs = {a.person: a for a in h.records(period=PERIOD)}
    assert cal.raters == []
    for k in cal.consensus:
        assert k.adjusted_raters == []
        assert k.adjusted_total == (None if recs[k.name].total_points is None
                                    else pytest.approx(recs[k.name].total_points))
        assert k.adjusted_level == recs[k.name].level
        for c in k.categories:
            assert c.adjusted == (None if c.raw is None else pytest.approx(c.raw))


def matrix_of(h: History, category: str | None) -> list[list[float]]:
    """Raters x people (x categories, when ``category`` is None) as the krippendorff package
    takes it, built here from the ratings held: one row per non-self rater tab name."""
    recs = h.records(period=PERIOD)
    held = h.current_ratings([a.id for a in recs])
    units = sorted({(a.id, r.category_id) for a in recs for r in held[a.id]
                    if category is None or r.category_id == category})
    coders = sorted({r.rater_name or r.rater_tab for a in recs for r in held[a.id]
                     if r.rater_role != "self"})
    m = [[math.nan] * len(units) for _ in coders]
    for a in recs:
        for r in held[a.id]:
            if r.rater_role == "self" or (a.id, r.category_id) not in units \
                    or r.level_index is None:
                continue
            m[coders.index(r.rater_name or r.rater_tab)][units.index((a.id, r.category_id))] = \
                float(r.level_index)
    return m


def test_alpha_equals_the_krippendorff_packages_on_a_matrix_built_apart(
        tmp_path: Path, ladder: Ladder) -> None:
    with History(str(tmp_path / "h.sqlite")) as h:
        plant_lenient_manager(h, ladder)
        cal = calibrate(h, PERIOD)
        for c in cal.categories:
            want = krippendorff.alpha(reliability_data=matrix_of(h, c.id),
                                      level_of_measurement="ordinal")
            assert c.alpha == pytest.approx(want, abs=1e-6)
            assert c.n == 16 * 4 and c.units == 16  # four raters of each of 16 people
            assert c.unreliable == (want < 0.667)
        want = krippendorff.alpha(reliability_data=matrix_of(h, None),
                                  level_of_measurement="ordinal")
    assert cal.overall_alpha == pytest.approx(want, abs=1e-6)
    assert cal.overall_n == 16 * 4 * 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=0, max_size=4), min_size=1, max_size=12))
def test_alpha_of_any_units_is_the_packages_or_none_with_a_reason(units: list[list[int]]) -> None:
    alpha, n, pairs, why = alpha_of(units, 5)
    pairable = [u for u in units if len(u) >= 2]
    assert n == sum(len(u) for u in pairable) and pairs == len(pairable)
    if alpha is None:
        assert why
        assert not pairable or len({v for u in pairable for v in u}) < 2
        return
    width = max(len(u) for u in units)
    m = [[float(u[c]) if c < len(u) else math.nan for u in units] for c in range(width)]
    assert alpha == pytest.approx(krippendorff.alpha(reliability_data=m,
                                                     level_of_measurement="ordinal"), abs=1e-6)


def test_random_raters_agree_near_zero_and_identical_raters_agree_fully(
        tmp_path: Path, ladder: Ladder) -> None:
    rnd = random.Random(3)
    raters: list[Rater] = [("manager", "Mo"), ("peer", "Pa"), ("peer", "Pe")]
    with History(str(tmp_path / "random.sqlite")) as h:
        for i in range(60):
            ingest(h, ladder, f"R{i}", raters, lambda ctx: by_tab(ctx, lambda *_: rnd.randint(1, 7)))
        noise = calibrate(h, PERIOD)
    assert noise.overall_alpha is not None and abs(noise.overall_alpha) < 0.1
    assert all(c.alpha is not None and abs(c.alpha) < 0.25 and c.unreliable
               for c in noise.categories)
    with History(str(tmp_path / "same.sqlite")) as h:
        for i in range(12):
            truth = {f"c{j}": rnd.randint(1, 7) for j in range(4)}
            ingest(h, ladder, f"S{i}", raters,
                   lambda ctx, t=truth: by_tab(ctx, lambda r, n, c: t[c]))  # type: ignore[misc]
        same = calibrate(h, PERIOD)
    assert same.overall_alpha == 1.0
    assert all(c.alpha == 1.0 and not c.unreliable for c in same.categories)
    assert all(r.leniency == 0 and not r.flagged for r in same.raters)


def test_planted_over_and_under_estimators_are_classed_right(
        tmp_path: Path, ladder: Ladder) -> None:
    plan = {"Over": 1, "Slightly over": 0, "Agree": 0, "Under": -2, "Over by half": 0}
    with History(str(tmp_path / "h.sqlite")) as h:
        for person, shift in plan.items():
            def level(role: str, name: str | None, cid: str, shift: int = shift,
                      person: str = person) -> int:
                base = 3 + int(cid[1]) % 2  # 3 or 4
                if role == "self":
                    if person == "Slightly over":  # +1 on one category of four: +0.25
                        return base + (1 if cid == "c0" else 0)
                    if person == "Over by half":  # +1 on two of four: exactly +0.5
                        return base + (1 if cid in ("c0", "c1") else 0)
                    return base + shift
                return base
            ingest(h, ladder, person, [("self", None), ("manager", "Mo"), ("peer", "Pa")],
                   lambda ctx, level=level: by_tab(ctx, level))  # type: ignore[misc]
        ingest(h, ladder, "No self", [("manager", "Mo"), ("peer", "Pa")],
               lambda ctx: by_tab(ctx, lambda *_: 4))
        cal = calibrate(h, PERIOD)
    got = {p.name: (p.self_other, p.gap) for p in cal.people}
    assert got["Over"] == ("over-estimator", 1.0)
    assert got["Under"] == ("under-estimator", -2.0)
    assert got["Agree"] == ("in-agreement", 0.0)
    assert got["Slightly over"] == ("in-agreement", 0.25)
    # the threshold is "beyond half a level": exactly half a level is still in agreement
    assert SELF_OTHER_THRESHOLD == 0.5 and got["Over by half"] == ("in-agreement", 0.5)
    assert got["No self"] == (None, None)
    over = next(p for p in cal.people if p.name == "Over")
    assert over.self_level == pytest.approx(4.5) and over.others_level == pytest.approx(3.5)
    assert over.categories == 4


def test_unnamed_raters_are_not_followed_across_people_and_a_note_says_so(
        tmp_path: Path, ladder: Ladder) -> None:
    with History(str(tmp_path / "h.sqlite")) as h:
        for i in range(4):
            ingest(h, ladder, f"U{i}", [("self", None), ("manager", "Mo"), ("peer", None),
                                        ("peer", None)],
                   lambda ctx: by_tab(ctx, lambda r, n, c: 4 if r == "manager" else 3))
        cal = calibrate(h, PERIOD)
    assert [r.name for r in cal.raters] == ["Mo"]  # "Peer 1", "Peer 2" are no one in particular
    assert cal.raters[0].leniency == pytest.approx(1.0)  # they still count in the others' mean
    assert cal.unnamed_tabs == 8
    assert any("cannot be followed across people" in n and "Peer 1" in n for n in cal.notes)
    assert any("For ops" in n for n in cal.notes)


def test_raters_with_fewer_ratees_than_the_minimum_get_no_z_and_too_few_raters_are_said(
        tmp_path: Path, ladder: Ladder) -> None:
    with History(str(tmp_path / "h.sqlite")) as h:
        for i in range(4):
            peers = [("peer", "Pa"), ("peer", "Pb")] if i < 2 else [("peer", "Pc")]
            ingest(h, ladder, f"M{i}", [("manager", "Mo"), *peers],
                   lambda ctx: by_tab(ctx, lambda r, n, c: 5 if n == "Mo" else 3))
        cal = calibrate(h, PERIOD, min_ratees=3)
        loose = calibrate(h, PERIOD, min_ratees=1)
    mo = next(r for r in cal.raters if r.name == "Mo")
    assert mo.ratees == 4 and mo.qualifies
    pa = next(r for r in cal.raters if r.name == "Pa")
    assert pa.ratees == 2 and not pa.qualifies and pa.z is None and not pa.flagged
    assert pa.leniency is not None and pa.n == 8
    assert any("fewer than two raters" in n for n in cal.notes)
    assert all(r.qualifies for r in loose.raters)
    assert any("no |z| can reach 2" in n for n in loose.notes)  # 4 raters: |z| <= 1.5
    assert not any(r.flagged for r in loose.raters)


def test_a_team_is_calibrated_alone_and_an_unknown_team_or_period_is_an_error(
        tmp_path: Path, ladder: Ladder) -> None:
    with History(str(tmp_path / "h.sqlite")) as h:
        plant_lenient_manager(h, ladder)
        east = calibrate(h, "2026q4", team="  east ")
        assert east.period == PERIOD
        assert {p.team for p in east.people} == {"East"}
        assert "Ned Manager" not in {r.name for r in east.raters}
        with pytest.raises(CalibrationError, match="teams held: East, West"):
            calibrate(h, PERIOD, team="North")
        with pytest.raises(CalibrationError, match="periods held: 2026-Q4"):
            calibrate(h, "2025-Q1")


def test_two_ladders_in_a_period_are_compared_apart(tmp_path: Path, ladder: Ladder) -> None:
    other = load_text(LADDER.replace("id: cal", "id: other"), "other.yaml")
    with History(str(tmp_path / "h.sqlite")) as h:
        for i, lad in enumerate([ladder, ladder, ladder, other, other, other]):
            ctx = make_context(lad, f"T{i}", PERIOD, [("manager", "Mo", None),
                                                      ("peer", "Pa", None)])
            h.ingest(make_report(lad, ctx, by_tab(ctx, lambda r, n, c: 4 if r == "manager" else 3),
                                 file=f"T{i}.xlsx"), lad)
        cal = calibrate(h, PERIOD)
    assert sorted((r.ladder, r.name) for r in cal.raters) == [
        ("cal", "Mo"), ("cal", "Pa"), ("other", "Mo"), ("other", "Pa")]
    assert {lad.ladder for lad in cal.ladders} == {"cal", "other"}
    assert any("compared within each ladder" in n for n in cal.notes)


# -- the CLI and the workbooks --------------------------------------------------------------------


@pytest.fixture()
def planted_db(tmp_path: Path, ladder: Ladder) -> Path:
    db = tmp_path / "h.sqlite"
    with History(str(db)) as h:
        plant_lenient_manager(h, ladder)
    return db


def test_cli_json_has_the_issues_shape(planted_db: Path) -> None:
    res = CliRunner().invoke(main, ["calibrate", "--period", PERIOD, "--db", str(planted_db),
                                    "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["period"] == PERIOD
    assert isinstance(data["overall_alpha"], float)
    for r in data["raters"]:
        assert {"name", "role", "ratees", "leniency", "z", "flagged", "n"} <= set(r)
    assert [r["name"] for r in data["raters"] if r["flagged"]] == ["Mia Manager"]
    for c in data["categories"]:
        assert {"id", "alpha", "n", "unreliable"} <= set(c)
    assert {p["self_other"] for p in data["people"]} <= {
        "over-estimator", "under-estimator", "in-agreement", None}
    assert all("name" in p for p in data["people"])
    Calibration.model_validate(data)


def test_cli_text_is_for_ops_and_options_reach_the_library(planted_db: Path) -> None:
    res = CliRunner().invoke(main, ["calibrate", "--db", str(planted_db), "--team", "East",
                                    "--min-ratees", "9", "--z", "1.5"])
    assert res.exit_code == 0, res.output
    assert "For ops" in res.stdout and "Mia Manager" in res.stdout
    assert "fewer than 9 people" in res.stdout  # no one has nine ratees
    assert "West Rep" not in res.stdout
    res = CliRunner().invoke(main, ["calibrate", "--db", str(planted_db), "--team", "Nowhere"])
    assert res.exit_code == 1 and res.stderr.startswith("error: no assessments of team")
    res = CliRunner().invoke(main, ["calibrate", "--db", str(planted_db), "--json",
                                    "--format", "xlsx"])
    assert res.exit_code == 1 and "error:" in res.stderr


def test_cli_xlsx_refuses_to_overwrite_without_force(planted_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.xlsx"
    out.write_bytes(b"someone's work")
    args = ["calibrate", "--db", str(planted_db), "--format", "xlsx", "-o", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1 and "already exists" in res.stderr and "--force" in res.stderr
    assert out.read_bytes() == b"someone's work"
    res = CliRunner().invoke(main, [*args, "--force"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Calibration"]
    cells = [c.value for row in wb["Calibration"].iter_rows() for c in row if c.value]
    assert "Mia Manager" in cells and any("For ops" in str(v) for v in cells)


def test_export_xlsx_has_a_calibration_sheet_with_names_as_text(tmp_path: Path) -> None:
    # one peer each: anonymity off, or the export's sheet would name no rater (test_anonymity)
    ladder = load_text(LADDER + "min_peers: 0\n", "cal.yaml")
    db = tmp_path / "h.sqlite"
    hostile = "=HYPERLINK(\"http://x\")"
    with History(str(db)) as h:
        for i in range(3):
            ingest(h, ladder, f"X{i}", [("self", None), ("manager", hostile), ("peer", "@peer")],
                   lambda ctx: by_tab(ctx, lambda r, n, c: 4 if r == "manager" else 3))
    out = tmp_path / "results.xlsx"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "xlsx", "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == "Calibration"
    ws = wb["Calibration"]
    values = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in values)  # nothing became a formula
    assert hostile in [c.value for c in values] and "@peer" in [c.value for c in values]
    # the library: no calibration given, no sheet (the export stays as it was)
    with History(str(db), read_only=True) as h:
        plain = openpyxl.load_workbook(__import__("io").BytesIO(to_xlsx(build(h, PERIOD))))
    assert "Calibration" not in plain.sheetnames


def test_text_shows_raw_beside_adjusted_and_every_note(planted_db: Path) -> None:
    with History(str(planted_db), read_only=True) as h:
        cal = calibrate(h, PERIOD)
    text = to_text(cal)
    assert "Raw total" in text and "Adjusted total" in text
    for note in cal.notes[1:]:
        assert note.split(":")[0] in text
    # the rule's own score of a person equals the raw figure the calibration shows
    with History(str(planted_db), read_only=True) as h:
        rec = next(a for a in h.records(period=PERIOD) if a.person == "East Rep 0")
        held = h.current_ratings([rec.id])[rec.id]
    inputs: dict[str, RaterInput] = {}
    for r in held:
        inputs.setdefault(r.rater_tab, RaterInput(role=r.rater_role, name=r.rater_name,
                                                  tab=r.rater_tab, levels={}))
        inputs[r.rater_tab].levels[r.category_id] = r.level_index
    sc = score(load_text(LADDER, "cal.yaml"), list(inputs.values()))
    k = next(k for k in cal.consensus if k.name == "East Rep 0")
    assert k.raw_total == pytest.approx(sc.total_points)


def test_the_text_of_a_calibration_shows_a_raters_escape_sequence_and_never_sends_it(
        tmp_path: Path, ladder: Ladder) -> None:
    """``to_text`` is for a terminal: a rater's name holding ESC or a C1 control (a history
    holds what workbooks said) comes out written as ``\x1b``, for a library caller as for the
    CLI. (Names given to render refuse controls, so the names are set on the figures.)"""
    with History(f"sqlite:///{tmp_path / 'h.sqlite'}") as h:
        for i in range(3):
            ingest(h, ladder, f"Rep {i}", [("self", None), ("manager", "Mia"), ("peer", "Ned")],
                   lambda ctx, i=i: by_tab(ctx, lambda r, n, c: 2 + (i + len(r)) % 3))
        cal = calibrate(h, PERIOD, min_ratees=1)
    odd = {"Mia": "Mia\x1b]0;pwned\x07", "Ned": "Ned\x9b2J"}
    assert {r.name for r in cal.raters} == set(odd)
    cal = cal.model_copy(update={"raters": [r.model_copy(update={"name": odd[r.name]})
                                            for r in cal.raters]})
    text = to_text(cal)
    assert "Mia\\x1b]0;pwned\\x07" in text and "Ned\\x9b2J" in text, text
    assert not any(ch in text for ch in "\x1b\x07\x9b"), repr(text)
