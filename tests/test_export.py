"""Exports of a period, and the whole quarterly routine end to end through real workbooks:
render -> fill with openpyxl -> collect (the CLI) -> export, every figure checked against the
scoring rule, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.escape import unescape
from rich.console import Console

from sheetladder.cli import main
from sheetladder.context import Context, make_context
from sheetladder.definition import Ladder, load, load_text
from sheetladder.errors import OutputExists
from sheetladder.files import write_new
from sheetladder.plan import C_COMMENT, C_RATING, R_FIRST, build_plan
from sheetladder.results.export import (
    ExportError,
    build,
    neutralise,
    printed_table,
    table,
    to_csv,
    to_json,
    to_xlsx,
)
from sheetladder.results.read import read_path
from sheetladder.results.store import History, assessments
from sheetladder.scoring import RaterInput, Score, score, xround
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS, SMALL
from .libreoffice import convert
from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)
from .test_history import assert_consistent, make_report, random_ratings

T0 = datetime(2026, 7, 1, 9, 0)
ROOT = Path(__file__).resolve().parent.parent


def r6(x: float | None) -> float | None:
    return None if x is None else xround(x)


def mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def pooled(ladder: Ladder, sc: Score) -> bool:
    """Whether a person's peers are pooled (peer anonymity): some peer rated, fewer than
    the ladder's min_peers."""
    peers = sum(1 for r in sc.raters if r.role == "peer" and r.rated)
    return ladder.min_peers > 0 and 0 < peers < ladder.min_peers


def others_mean(ladder: Ladder, sc: Score) -> float | None:
    """The pooled Others figure: per category, the role-weighted mean of the non-self roles'
    means, averaged over the categories."""
    weight = {r.id: r.weight for r in ladder.raters}
    per_cat = []
    for c in sc.categories:
        got = [(m, weight[rid]) for rid, m in c.role_means.items()
               if rid != "self" and m is not None]
        per_cat.append(sum(m * w for m, w in got) / sum(w for _, w in got) if got else None)
    return r6(mean(per_cat))


def expected_row(ladder: Ladder, sc: Score, prev: Score | None,
                 with_pool: bool = False) -> dict[str, object]:
    """What one person's export row must say, from the scoring rule alone (``with_pool``: the
    export pools someone's raters, so every row has the Others mean)."""
    gaps = sorted(((i, c) for i, c in enumerate(sc.categories)
                   if c.self_gap is not None and xround(c.self_gap) != 0),
                  key=lambda ic: (-abs(ic[1].self_gap or 0), ic[0]))[:3]
    means = {role.id: r6(mean([c.role_means[role.id] for c in sc.categories]))
             for role in ladder.raters if not pooled(ladder, sc) or role.id == "self"}
    if with_pool:
        means["others"] = others_mean(ladder, sc)
    return {
        "level": sc.level, "level_index": sc.level_index, "total_points": r6(sc.total_points),
        "progress_to_next": r6(sc.progress_to_next),
        "consensus": {c.id: r6(c.consensus_level) for c in sc.categories},
        "role_means": means,
        "gaps": [(c.id, xround(c.self_gap or 0)) for _, c in gaps],
        "previous_level": prev.level if prev else None,
        "level_change": (sc.level_index - prev.level_index
                         if prev and sc.level_index is not None and prev.level_index is not None
                         else None),
        # totals compare only when both periods are complete (every category rated)
        "total_change": (r6(sc.total_points - prev.total_points)
                         if prev and sc.level_index is not None and prev.level_index is not None
                         and sc.total_points is not None and prev.total_points is not None
                         else None),
    }


def assert_row(row: object, want: Mapping[str, object]) -> None:
    for key, value in want.items():
        got = getattr(row, key)
        if key == "gaps":
            got = [(g.category, g.gap) for g in got]
        assert got == value, key


@pytest.fixture(scope="module")
def small() -> Ladder:
    """The small ladder with peer anonymity off: these tests are about per-rater figures
    (tests/test_anonymity.py covers the pooled ones)."""
    return load_text(SMALL + "min_peers: 0\n", "small.yaml")


def ctx_of(ladder: Ladder, person: str, period: str, n_raters: int = 4,
           email: str | None = None) -> Context:
    raters = [("self", None, None), ("manager", "Mia Manager", None), ("peer", "Pat Peer", None),
              ("peer", "Quinn Peer", None)][:n_raters]
    return make_context(ladder, person, period, raters, email=email)


# -- export built from the history -----------------------------------------------------------------


def test_rows_follow_the_rule_and_changes_compare_with_each_persons_previous_period(
        db_url: str, small: Ladder) -> None:
    rnd = random.Random(21)
    people = ["Ann", "Bob", "Cat", "Dan"]
    # Dan has no 2026-Q3: his previous period is 2026-Q2. Cat is new in 2026-Q4.
    held = {"2026-Q2": ["Ann", "Dan"], "2026-Q3": ["Ann", "Bob"], "2026-Q4": people}
    scores: dict[tuple[str, str], Score] = {}
    with History(db_url) as h:
        for period, who in held.items():
            for p in who:
                ctx = ctx_of(small, p, period, n_raters=3 + (len(p) + len(period)) % 2)
                ratings = random_ratings(small, ctx, rnd, blank_share=0.1 if p == "Bob" else 0)
                h.ingest(make_report(small, ctx, ratings, file=f"{p}-{period}.xlsx"), small)
                scores[(p, period)] = score(small, [
                    RaterInput(role=s.role, name=s.name, tab=s.tab, levels=ratings[s.tab])
                    for s in ctx.raters])
        exp = build(h, "2026-Q4")
    assert exp.periods == ["2026-Q2", "2026-Q3", "2026-Q4"]
    assert sorted(r.person for r in exp.rows) == people
    previous = {"Ann": "2026-Q3", "Bob": "2026-Q3", "Cat": None, "Dan": "2026-Q2"}
    for row in exp.rows:
        prev_period = previous[row.person]
        assert row.previous_period == prev_period
        prev = scores[(row.person, prev_period)] if prev_period else None
        assert_row(row, expected_row(small, scores[(row.person, "2026-Q4")], prev))
    assert {t.person for t in exp.trend} == set(people)
    for t in exp.trend:
        for period in exp.periods:
            sc = scores.get((t.person, period))
            assert t.levels[period] == (sc.level if sc else None)
            assert t.totals[period] == (r6(sc.total_points) if sc else None)


def test_no_total_change_against_or_from_an_incomplete_period(db_url: str, small: Ladder
                                                                ) -> None:
    """A total over some of the categories measures no progress against one over all of them:
    Ann left a category unrated by everyone in 2026-Q3; in 2026-Q4 she is rated at the same
    level throughout. Her total rose, yet nothing changed; so no change is given either way."""
    from sheetladder.results.store import AssessmentRecord
    from sheetladder.results.text import history_table

    blank = small.categories[0].id
    with History(db_url) as h:
        for period, gaps in (("2026-Q3", {blank}), ("2026-Q4", set())):
            ctx = ctx_of(small, "Ann", period, n_raters=3)
            ratings = {s.tab: {c.id: None if c.id in gaps else 2 for c in small.categories}
                       for s in ctx.raters}
            h.ingest(make_report(small, ctx, ratings, file=f"ann-{period}.xlsx"), small)
        [row] = build(h, "2026-Q4").rows
        recs: list[AssessmentRecord] = [r for r in h.records() if r.person == "Ann"]
    assert row.previous_period == "2026-Q3" and row.previous_total is not None
    assert row.total_points is not None and row.total_points > row.previous_total
    assert row.level_change is None and row.total_change is None
    console = Console(width=200, record=True)
    console.print(history_table("Ann", None, sorted(recs, key=lambda r: r.period)))
    assert "+" not in console.export_text()


def test_team_views_count_levels_and_average_categories(db_url: str, small: Ladder) -> None:
    rnd = random.Random(22)
    scs = []
    with History(db_url) as h:
        for i in range(7):
            ctx = ctx_of(small, f"P{i}", "2026-Q4")
            ratings = random_ratings(small, ctx, rnd, blank_share=0.15 if i == 6 else 0)
            h.ingest(make_report(small, ctx, ratings, file=f"{i}.xlsx"), small)
            scs.append(score(small, [RaterInput(role=s.role, name=s.name, tab=s.tab,
                                                levels=ratings[s.tab]) for s in ctx.raters]))
        [tv] = build(h, "2026-Q4").team
    labels = ["below L1", *small.codes]
    assert tv.levels == labels
    assert tv.distribution == {lab: sum(1 for s in scs if s.level_index is not None
                                        and labels[s.level_index] == lab) for lab in labels}
    assert tv.incomplete == sum(1 for s in scs if s.level_index is None)
    assert [c.category for c in tv.categories] == [c.id for c in small.categories]
    for j, cat in enumerate(tv.categories):
        assert cat.consensus == r6(mean([s.categories[j].consensus_level for s in scs]))
        for role in small.raters:
            assert cat.role_means[role.id] == r6(mean([s.categories[j].role_means[role.id]
                                                       for s in scs]))


def test_two_versions_of_a_ladder_in_one_period_get_a_team_view_each(
        db_url: str, small: Ladder) -> None:
    # version 2 drops the top level: its distribution has other labels than version 1's
    v2 = load_text((SMALL + "min_peers: 0\n").replace('version: "1"', 'version: "2"')
                   .replace("  - {code: L3, name: Three}\n", "")
                   .replace(", L3: a three}", "}").replace(", L3: {text: b three, drafted: true}}", "}"),
                   "small-v2.yaml")
    rnd = random.Random(23)
    with History(db_url) as h:
        for ladder, person in ((small, "Ann"), (v2, "Bob"), (v2, "Cy")):
            ctx = ctx_of(ladder, person, "2026-Q4")
            h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, rnd, blank_share=0),
                                 file=f"{person}.xlsx"), ladder)
        exp = build(h, "2026-Q4")
    views = {(tv.name, tuple(tv.levels)): tv.people for tv in exp.team}
    assert views == {
        ("Small ladder (version 1)", ("below L1", "L1", "L2", "L3")): 1,
        ("Small ladder (version 2)", ("below L1", "L1", "L2")): 2,
    }


def test_an_unknown_period_is_a_clear_error(db_url: str, small: Ladder) -> None:
    with History(db_url) as h:
        ctx = ctx_of(small, "Ann", "2026-Q3")
        h.ingest(make_report(small, ctx, random_ratings(small, ctx, random.Random(1))), small)
        with pytest.raises(ExportError, match="2026-Q3"):
            build(h, "2031-Q1")


def test_an_unknown_team_lists_each_team_held_once_whatever_its_spellings(
        tmp_path: Path, small: Ladder) -> None:
    """``export --team nort`` listed "teams held: north, North, South": one team spelt two ways
    by the roster is one team everywhere else, so it is named once, as the export spells it."""
    with History(f"sqlite:///{tmp_path / 'h.sqlite'}") as h:
        for i, (person, team) in enumerate((("Ann", "North"), ("Bo", "north "), ("Cy", "North"),
                                            ("Di", "South"))):
            ctx = make_context(small, person, "2026-Q4", team=team)
            h.ingest(make_report(small, ctx, random_ratings(small, ctx, random.Random(i)),
                                 file=f"{i}.xlsx"), small)
        with pytest.raises(ExportError, match=r"teams held: North, South$"):
            build(h, "2026-Q4", team="nort")
        assert {r.team for r in build(h, "2026-Q4", team="NORTH ").rows} == {"North"}


# -- CSV, JSON, XLSX ---------------------------------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+41 22", "-1+1", "@SUM(A1)", "=cmd|' /C calc'!A0"]


@pytest.fixture
def hostile_export(tmp_path: Path) -> object:
    """A period whose people, emails and category names are all formula-like text (names are
    stripped of edge whitespace when collected, so the tab and CR cases ride on the emails)."""
    ladder = load_text(SMALL.replace("name: Alpha", "name: \"=Alpha()\""), "evil.yaml")
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    rnd = random.Random(23)
    with History(url) as h:
        for period in ("2026-Q3", "2026-Q4"):
            for i, name in enumerate(HOSTILE):
                email = ("\t" if i % 2 else "\r") + f"=x{i}@example.com"
                ctx = ctx_of(ladder, name, period, email=email)
                ratings = random_ratings(ladder, ctx, rnd)
                h.ingest(make_report(ladder, ctx, ratings, file=f"{i}-{period}.xlsx"), ladder)
        return build(h, "2026-Q4")


def test_a_comment_xlsxwriter_would_take_for_its_markup_is_exported_as_text(
        tmp_path: Path) -> None:
    # a text that starts with <r> and ends with </r> is, to xlsxwriter, rich-text XML of its
    # own, written raw: the cell came out empty, or (with an '&') the file could not be opened
    from sheetladder.xlsx.read import grid_from_bytes

    ladder = load_text(SMALL, "small.yaml")
    odd = ["<r>a & b</r>", "<r>Ann</r>"]
    with History(f"sqlite:///{tmp_path / 'h.sqlite'}") as h:
        for i, person in enumerate(("Ann Lee", "Bo Chen")):
            ctx = ctx_of(ladder, person, "2026-Q4", n_raters=3)
            comments = {s.tab: {ladder.categories[0].id: odd[i]} for s in ctx.raters}
            h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(i)),
                                 comments=comments, file=f"{i}.xlsx"), ladder)
        exp = build(h, "2026-Q4")
    data = to_xlsx(exp)
    for engine in ("fast", "openpyxl"):
        cells = grid_from_bytes("x.xlsx", data, engine).sheets["Comments"].cells
        found = {c.value for c in cells.values() if isinstance(c.value, str)}
        assert set(odd) <= found, engine


def test_a_comment_is_kept_as_written_less_the_space_around_it(tmp_path: Path) -> None:
    """What the README says: ``read`` gives the cell as it is; the history and the export keep
    the comment less the spaces, tabs and line breaks around it (those inside stay)."""
    from sheetladder.results.export import comment_table

    ladder = load_text(SMALL, "small.yaml")
    ctx = ctx_of(ladder, "Ann Lee", "2026-Q4", n_raters=2)
    tab, cat = ctx.tabs()[0], ladder.categories[0].id
    written = "\t  spaced  out\n second line \n"
    path = tmp_path / "ann.xlsx"
    save(build_plan(ladder, ctx, ratings={tab: {c.id: 2 for c in ladder.categories}},
                    comments={tab: {cat: written}}), path)
    report = read_path(path)
    assert next(i for i in report.inputs if i.tab == tab).comments[cat] == written
    with History(f"sqlite:///{tmp_path / 'h.sqlite'}") as h:
        h.ingest(report, ladder)
        held = [r.comment for a in h.records() for r in h.ratings_of(a.id) if r.comment]
        exp = build(h, "2026-Q4")
    assert held == ["spaced  out\n second line"]
    assert [row[-1] for row in comment_table(exp)[1]] == ["spaced  out\n second line"]


def test_csv_neutralises_formula_injection_as_owasp_recommends(hostile_export: object) -> None:
    data = to_csv(hostile_export)  # type: ignore[arg-type]
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    headers, plain = table(hostile_export)  # type: ignore[arg-type]
    assert rows[0] == [neutralise(h) for h in headers]
    assert "'=Alpha()" in rows[0]
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for got_row, want_row in zip(rows[1:], plain, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            assert not got.startswith(dangerous) or isinstance(want, (int, float))
            if isinstance(want, str):
                assert got == ("'" + want if want.startswith(dangerous) else want)
            elif isinstance(want, (int, float)) and not isinstance(want, bool):
                assert float(got) == pytest.approx(want)  # numbers stay numbers, even negative
    people = [r[0] for r in rows[1:]]
    assert sorted(people) == sorted("'" + p for p in HOSTILE)
    assert {r[1][:2] for r in rows[1:]} == {"'\t", "'\r"}
    # every text value is quoted; numbers are not
    first_line = data.decode("utf-8").split("\r\n")[1]
    assert first_line.startswith('"\'')


def test_csv_can_start_with_a_utf8_bom(hostile_export: object) -> None:
    data = to_csv(hostile_export, bom=True)  # type: ignore[arg-type]
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:] == to_csv(hostile_export)  # type: ignore[arg-type]


def test_json_holds_the_same_rows_and_team_views(hostile_export: object) -> None:
    exp = hostile_export
    data = json.loads(to_json(exp))  # type: ignore[arg-type]
    assert data["period"] == "2026-Q4"
    assert [r["person"] for r in data["people"]] == [r.person for r in exp.rows]  # type: ignore[attr-defined]
    for got, row in zip(data["people"], exp.rows, strict=True):  # type: ignore[attr-defined]
        assert got["total_points"] == row.total_points
        assert got["consensus"] == row.consensus
        assert got["total_change"] == row.total_change
    assert data["team"][0]["distribution"] == exp.team[0].distribution  # type: ignore[attr-defined]


def test_xlsx_has_a_filtered_results_table_heatmap_chart_and_trend(
        hostile_export: object, tmp_path: Path) -> None:
    exp = hostile_export
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Results", "Heatmap", "Team", "Trend", "Raters", "Comments",
                             "Warnings"]
    ws = wb["Results"]
    headers, plain = printed_table(exp)  # type: ignore[arg-type]
    assert [c.value for c in ws[1]] == headers
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}{len(plain) + 1}"
    for r, want_row in enumerate(plain, start=2):
        for c, want in enumerate(want_row, start=1):
            cell = ws.cell(r, c)
            if isinstance(want, str) and want:
                # text, never a formula (xlsx escapes a CR as _x000D_; openpyxl leaves it so)
                assert cell.data_type == "s" and unescape(cell.value) == want
            elif isinstance(want, (int, float)):
                assert cell.value == pytest.approx(want)
            else:
                assert cell.value in (None, "")
    heat = wb["Heatmap"]
    rules = [r for rng in heat.conditional_formatting for r in rng.rules]
    assert any(r.type == "colorScale" for r in rules)
    assert len(wb["Team"]._charts) == len(exp.team)  # type: ignore[attr-defined]
    trend = wb["Trend"]
    assert [c.value for c in trend[3]][:6] == ["Person", "Ladder", "Level 2026-Q3", "Level 2026-Q4",
                                                "Total 2026-Q3", "Total 2026-Q4"]
    by_person = {trend.cell(r, 1).value: r for r in range(4, 4 + len(exp.trend))}  # type: ignore[attr-defined]
    for t in exp.trend:  # type: ignore[attr-defined]
        r = by_person[t.person]
        assert trend.cell(r, 3).value == t.levels["2026-Q3"]
        assert trend.cell(r, 6).value == pytest.approx(t.totals["2026-Q4"])


def test_libreoffice_opens_the_xlsx_export_with_the_same_figures(
        hostile_export: object, tmp_path: Path) -> None:
    src = tmp_path / "results.xlsx"
    src.write_bytes(to_xlsx(hostile_export))  # type: ignore[arg-type]
    out = convert(src, tmp_path / "lo", "csv:Text - txt - csv (StarCalc):44,34,76,1")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    headers, plain = printed_table(hostile_export)  # type: ignore[arg-type]
    assert rows[0] == headers
    people = {r[0]: r for r in rows[1:]}
    for want in plain:
        got = people[str(want[0])]
        total_col = headers.index("Total points")
        assert float(got[total_col]) == pytest.approx(want[total_col], abs=0.01)


def test_write_new_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputExists, match="--force"):
        write_new(target, b"new")
    assert target.read_bytes() == b"keep me"
    write_new(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# -- the quarterly routine end to end ------------------------------------------------------------


def fill(blank: Path, out: Path, ctx: Context, ladder: Ladder,
         ratings: Mapping[str, Mapping[str, int | None]],
         comments: Mapping[str, Mapping[str, str]], mtime: datetime) -> None:
    """Fill a rendered workbook as a person would, with openpyxl: level codes and comments."""
    wb = openpyxl.load_workbook(blank)
    for slot in ctx.raters:
        ws = wb[slot.tab]
        for j, c in enumerate(ladder.categories):
            lv = ratings[slot.tab].get(c.id)
            if lv is not None:
                ws.cell(R_FIRST + j + 1, C_RATING + 1).value = ladder.codes[lv - 1]
            text = comments.get(slot.tab, {}).get(c.id)
            if text:
                cell = ws.cell(R_FIRST + j + 1, C_COMMENT + 1)
                cell.value = text
                cell.data_type = "s"  # what a person types is text, even "=..."
    wb.save(out)
    ts = mtime.timestamp()
    os.utime(out, (ts, ts))


def run_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sheetladder", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, env={**os.environ, **(env or {})})


TEAM = [("Ada Sales", "sales", 4), ("Ben Sales", "sales", 3), ("Cy Sales", "sales", 4),
        ("Di Sales", "sales", 3), ("Ed Eng", "eng", 4), ("=Fi Eng", "eng", 3)]


def test_two_quarters_render_fill_collect_export(tmp_path: Path, db_url: str) -> None:
    ladders = {"sales": load(DEFINITIONS / "sales-s1-s7.yaml"),
               "eng": load(DEFINITIONS / "engineering-e1-e8.yaml")}
    rnd = random.Random(24)
    expected: dict[tuple[str, str], Score] = {}
    folders: dict[str, Path] = {}
    for q, period in enumerate(("2026-Q3", "2026-Q4")):
        folder = folders[period] = tmp_path / period
        folder.mkdir()
        for i, (person, lid, n) in enumerate(TEAM):
            ladder = ladders[lid]
            ctx = ctx_of(ladder, person, period, n_raters=n, email=f"p{i}@example.com")
            blank = tmp_path / f"blank-{i}-{period}.xlsx"
            save(build_plan(ladder, ctx), blank)
            ratings = random_ratings(ladder, ctx, rnd)
            comments = {ctx.raters[1].tab: {ladder.categories[0].id: "=1+1 led the renewal"}}
            stamp = T0 + timedelta(days=92 * q, hours=i)
            fill(blank, folder / f"{i}.xlsx", ctx, ladder, ratings, comments, stamp)
            if period == "2026-Q4" and i == 0:
                # the manager sends a corrected copy a day later: it replaces their tab
                ratings = {**ratings, "Mia Manager": {c.id: 1 + (k % 3)
                                                      for k, c in enumerate(ladder.categories)}}
                fill(blank, folder / f"{i}-corrected.xlsx", ctx, ladder, ratings, comments,
                     stamp + timedelta(days=1))
            expected[(person, period)] = score(ladder, [
                RaterInput(role=s.role, name=s.name, tab=s.tab, levels=dict(ratings[s.tab]))
                for s in ctx.raters])
    # a workbook someone broke: a rating that is not a level
    broken = folders["2026-Q4"] / "broken.xlsx"
    wb = openpyxl.load_workbook(folders["2026-Q4"] / "1.xlsx")
    wb["Mia Manager"].cell(R_FIRST + 1, C_RATING + 1).value = "excellent"
    wb.save(broken)
    assert not read_path(broken).ok

    db = ["--db", db_url]
    q3 = run_cli("collect", str(folders["2026-Q3"]), *db)
    assert q3.returncode == 0, q3.stderr
    assert "6 added" in q3.stdout
    # two copies of one person's workbook disagree on the manager's tab: refused, until the
    # copy to keep is named
    conflict = run_cli("collect", str(folders["2026-Q4"]), *db)
    assert conflict.returncode == 1
    assert "0-corrected.xlsx: refused" in conflict.stderr and "--keep" in conflict.stderr
    assert "5 added" in conflict.stdout and "3 refused" in conflict.stdout  # the rest went in
    q4 = run_cli("collect", str(folders["2026-Q4"]), *db, "--keep",
                 str(folders["2026-Q4"] / "0-corrected.xlsx"))
    assert q4.returncode == 1
    assert "broken.xlsx: refused" in q4.stderr and "excellent" in q4.stderr
    assert "1 added, 1 updated, 5 unchanged" in q4.stdout and "1 refused" in q4.stdout
    # the corrected copy is kept and the first one's tab left out: nothing held is replaced
    assert ("1 updated: 1 added tabs to an assessment held, 0 replaced ratings held\n"
            in q4.stdout), q4.stdout  # and no "(named above)": none is
    with History(db_url) as h:
        before = h.counts()
    again = run_cli("collect", str(folders["2026-Q4"]), *db)
    assert again.returncode == 1 and "0 added, 0 updated, 7 unchanged" in again.stdout
    with History(db_url) as h:
        assert h.counts() == before
    assert_consistent(db_url)

    out_csv, out_json, out_xlsx = (tmp_path / f"q4.{x}" for x in ("csv", "json", "xlsx"))
    for fmt, out in (("csv", out_csv), ("json", out_json), ("xlsx", out_xlsx)):
        res = run_cli("export", "--period", "2026-Q4", "--format", fmt, "-o", str(out), *db)
        assert res.returncode == 0, res.stderr
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert {r["person"] for r in data["people"]} == {p for p, _, _ in TEAM}
    for row in data["people"]:
        lid = "sales" if row["ladder"].startswith("sales") else "eng"
        want = expected_row(ladders[lid], expected[(row["person"], "2026-Q4")],
                            expected[(row["person"], "2026-Q3")], with_pool=True)
        # the bundled ladders keep min_peers at 3: one or two peers are pooled as Others
        assert row["peers_pooled"] is True
        assert [f["role"] for f in row["rater_figures"]] == ["self", "others"]
        want["gaps"] = [list(g) for g in want["gaps"]]  # type: ignore[attr-defined]
        got = {k: row[k] for k in want}
        got["gaps"] = [[g["category"], g["gap"]] for g in row["gaps"]]
        assert got == want, row["person"]
        assert row["previous_period"] == "2026-Q3"
    # the CSV says the same, with the hostile name neutralised
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"), newline="")))
    by_person = {r["Person"]: r for r in rows}
    assert "'=Fi Eng" in by_person and "=Fi Eng" not in by_person
    for person, _, _ in TEAM:
        sc, prev = expected[(person, "2026-Q4")], expected[(person, "2026-Q3")]
        r = by_person[neutralise(person)]
        assert r["Level"] == sc.level
        assert float(r["Total points"]) == pytest.approx(r6(sc.total_points))
        change = "" if sc.total_points is None or prev.total_points is None else \
            r6(sc.total_points - prev.total_points)
        assert (r["Total change"] and float(r["Total change"])) == pytest.approx(change)
    wb = openpyxl.load_workbook(out_xlsx)
    assert wb["Results"].max_row == 1 + len(TEAM)

    # what the managers wrote reaches the comments CSV and the Comments sheet, as text
    out_comments = tmp_path / "q4-comments.csv"
    res = run_cli("export", "--period", "2026-Q4", "--comments", "-o", str(out_comments), *db)
    assert res.returncode == 0, res.stderr
    got = list(csv.DictReader(io.StringIO(out_comments.read_text(encoding="utf-8"),
                                          newline="")))
    want_comments = set()
    for person, lid, _ in TEAM:
        first = ladders[lid].categories[0]
        rating = next(c.ratings["Mia Manager"] for c in expected[(person, "2026-Q4")].categories
                      if c.id == first.id)
        # the manager's comment, pooled with the peers': unattributed, without its rating
        assert rating
        want_comments.add((neutralise(person), first.name, "Others", "Others", "",
                           "'=1+1 led the renewal"))
    assert {(r["Person"], r["Category"], r["Rater"], r["Role"], r["Rating"], r["Comment"])
            for r in got} == want_comments
    sheet = wb["Comments"]
    cells = [row[7] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == len(TEAM)
    assert all(c.value == "=1+1 led the renewal" and c.data_type == "s" for c in cells)

    # refuse to overwrite an export; --force replaces it
    res = run_cli("export", "--period", "2026-Q4", "-o", str(out_csv), *db)
    assert res.returncode == 1 and "--force" in res.stderr
    res = run_cli("export", "--period", "2026-Q4", "-o", str(out_csv), "--bom", "--force", *db)
    assert res.returncode == 0 and out_csv.read_bytes().startswith(b"\xef\xbb\xbf")

    # history of one person over both quarters
    res = run_cli("history", "p0@example.com", *db)
    assert res.returncode == 0, res.stderr
    for period in ("2026-Q3", "2026-Q4"):
        sc = expected[("Ada Sales", period)]
        assert period in res.stdout and f"{sc.total_points:.2f}" in res.stdout
    res = run_cli("history", "Ada Sals", *db)
    assert res.returncode == 1 and "Ada Sales" in res.stderr


# -- killed and concurrent collects, through the CLI ------------------------------------------------


def prefilled_folder(folder: Path, ladder: Ladder, n: int, seed: int) -> dict[str, Score]:
    """``n`` workbooks filled by the renderer itself (with stored results), one person each."""
    folder.mkdir()
    rnd = random.Random(seed)
    want = {}
    for i in range(n):
        ctx = ctx_of(ladder, f"Person {i:03d}", "2026-Q4")
        ratings = random_ratings(ladder, ctx, rnd)
        save(build_plan(ladder, ctx, ratings=ratings), folder / f"{i:03d}.xlsx")
        want[ctx.person] = score(ladder, [RaterInput(role=s.role, name=s.name, tab=s.tab,
                                                     levels=ratings[s.tab]) for s in ctx.raters])
    return want


def assert_holds(url: str, want: Mapping[str, Score]) -> None:
    with History(url) as h:
        recs = h.records()
        assert h.counts()["sources"] == len(want)
    assert {r.person: (r.total_points, r.level) for r in recs} == {
        p: (s.total_points, s.level) for p, s in want.items()}


def _collect_then_hang(db_url: str, folder: str, after: int, flag: str) -> None:
    """Collect ``folder`` and hang when storing file ``after + 1``, inside its batch's open
    transaction: by then the batches before it are committed (collect reads every file, settles
    the copies, then stores them in batches of BATCH_FILES), the files of its batch before it
    are written but not committed, and the parent kills this process mid-batch."""
    from sheetladder.results.collect import collect
    from sheetladder.results.store import History as H

    with H(db_url) as h:
        seen = 0
        real = h._run  # (every insert of a file stored goes through it)

        def run(conn, sql, params):  # type: ignore[no-untyped-def]
            nonlocal seen
            got = real(conn, sql, params)
            if sql.lstrip().upper().startswith("INSERT INTO SOURCES"):
                seen += 1  # one source row per file stored
                if seen > after:
                    Path(flag).write_text("ready")
                    time.sleep(3600)
            return got

        h._run = run  # type: ignore[method-assign]

        collect(h, [folder], jobs=1, trusted=None)


def test_a_collect_killed_mid_batch_leaves_the_database_whole(tmp_path: Path, db_url: str) -> None:
    import multiprocessing

    from sheetladder.results.collect import BATCH_FILES

    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    n = BATCH_FILES + 8
    want = prefilled_folder(tmp_path / "in", ladder, n, seed=25)
    flag = tmp_path / "hanging"
    proc = multiprocessing.get_context("spawn").Process(
        target=_collect_then_hang, args=(db_url, str(tmp_path / "in"), BATCH_FILES + 3,
                                         str(flag)))
    proc.start()
    try:
        deadline = time.monotonic() + 300
        while not flag.exists() and proc.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists() and proc.is_alive(), "the collect never reached its last batch"
        proc.kill()  # mid-batch: one batch committed, three files of the next one written
        proc.join(30)
    finally:
        if proc.is_alive():
            proc.kill()
    assert_consistent(db_url)
    with History(db_url) as h:
        assert h.counts()["sources"] == BATCH_FILES  # the whole first batch, none of the next
    res = run_cli("collect", str(tmp_path / "in"), "--db", db_url)
    assert res.returncode == 0, res.stderr
    assert f"{n - BATCH_FILES} added" in res.stdout and f"{BATCH_FILES} unchanged" in res.stdout
    assert_holds(db_url, want)
    assert_consistent(db_url)


def test_two_collects_at_once_do_not_duplicate_or_corrupt(tmp_path: Path, db_url: str) -> None:
    ladder = load(DEFINITIONS / "engineering-e1-e8.yaml")
    want = prefilled_folder(tmp_path / "in", ladder, 24, seed=26)
    procs = [subprocess.Popen([sys.executable, "-m", "sheetladder", "collect",
                               str(tmp_path / "in"), "--db", db_url, "--jobs", "1"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        outs = [p.communicate(timeout=600) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    added = sum(int(re.search(r"(\d+) added", out).group(1)) for out, _ in outs)  # type: ignore[union-attr]
    assert added == 24  # each file went in exactly once, whichever process took it
    assert_holds(db_url, want)
    assert_consistent(db_url)


def test_cli_database_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["history", "x", "--db", "postgresql://nobody@127.0.0.1:1/x"])
    assert res.exit_code == 2 and "cannot open" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "missing.sqlite")])
    assert res.exit_code == 2 and "no such file" in res.output  # export opens it read-only
    assert not (tmp_path / "missing.sqlite").exists()
    import sqlite3

    sqlite3.connect(tmp_path / "bare.sqlite").close()  # a SQLite file with no tables at all
    res = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "bare.sqlite")])
    assert res.exit_code == 2 and "bare.sqlite: no history database here" in res.output
    assert (tmp_path / "bare.sqlite").read_bytes() == b""  # a read-only command changes nothing
    with History(str(tmp_path / "empty.sqlite")):  # made by a collect that found nothing
        pass
    res = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "empty.sqlite")])
    assert res.exit_code == 1 and "no assessments" in res.output and "empty.sqlite" in res.output
    not_a_db = tmp_path / "notes.json"
    not_a_db.write_text('{"not": "a database"}')
    for db, why in ((str(not_a_db), "cannot open"), (str(not_a_db / "h.sqlite"), "no history database")):
        res = CliRunner().invoke(main, ["history", "x", "--db", db])
        assert res.exit_code == 2, res.output
        assert f"{db}: {why}" in res.output and isinstance(res.exception, SystemExit)
    assert not_a_db.read_text() == '{"not": "a database"}'


def test_history_prints_names_and_periods_as_written(tmp_path: Path, small: Ladder) -> None:
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    ctx = ctx_of(small, "Ana [contractor]", "2026-Q4")
    with History(db) as h:
        h.ingest(make_report(small, ctx, random_ratings(small, ctx, random.Random(3), 0)), small)
        with h.engine.begin() as conn:  # a label an older sheetladder stored: no period, kept
            conn.execute(assessments.update().values(period="2026-Q4 [/draft]"))
    res = CliRunner().invoke(main, ["history", "Ana [contractor]", "--db", db])
    assert res.exit_code == 0, res.output
    assert "Ana [contractor]" in res.output and "2026-Q4 [/draft]" in res.output


def test_one_team_spelt_several_ways_reads_as_one_on_every_row(tmp_path: Path) -> None:
    """The team summary grouped `North`, `north` and `NORTH` as one, but each person's row kept
    its own spelling: a filter or pivot on the Results sheet's team column showed three."""
    from sheetladder.results.export import build

    ladder = load_text(SMALL, "small.yaml")
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    rnd = random.Random(5)
    with History(db) as h:
        for person, team in (("Ann", "North"), ("Bob", "north"), ("Cy", " NORTH "),
                             ("Di", "North"), ("Ed", "South")):
            ctx = make_context(ladder, person, "2026-Q4", [("self", None, None)], team=team)
            h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, rnd),
                                 file=f"{person}.xlsx"), ladder)
        exp = build(h, "2026-Q4")
    assert {r.person: r.team for r in exp.rows} == {
        "Ann": "North", "Bob": "North", "Cy": "North", "Di": "North", "Ed": "South"}
    assert [(t.team, t.people) for t in exp.teams] == [("North", 4), ("South", 1)]


def test_an_output_ending_with_a_slash_is_a_folder_and_is_refused_naming_a_file_in_it(
        tmp_path: Path, small: Ladder) -> None:
    """``export -o reports/`` used to write the export as a file named ``reports`` (exit 0),
    where a folder was meant; calibrate's -o likewise. Nothing is written, and the message
    gives a file name to use in it."""
    db = tmp_path / "h.sqlite"
    with History(str(db)) as h:
        ctx = ctx_of(small, "Ana Diaz", "2026-Q4")
        h.ingest(make_report(small, ctx, random_ratings(small, ctx, random.Random(5)),
                             file="a.xlsx"), small)
    cases = [(["export", "--period", "2026-Q4"], "results-2026-Q4.csv"),
             (["export", "--period", "2026-Q4", "--format", "xlsx", "--team", "North"],
              "results-2026-Q4-north.xlsx"),
             (["export", "--period", "2026-Q4", "--comments"], "comments-2026-Q4.csv"),
             (["calibrate", "--period", "2026-Q4", "--format", "xlsx"],
              "calibration-2026-Q4.xlsx")]
    for args, name in cases:
        folder = tmp_path / "reports"
        res = CliRunner().invoke(main, [*args, "-o", f"{folder}/", "--db", str(db)])
        assert res.exit_code == 1, res.output
        assert f"names a folder (it ends with '/'); give the file to write in it, e.g. -o " \
               f"{folder}/{name}" in res.output
        assert not folder.exists()
    res = CliRunner().invoke(main, ["export", "--period", "2026-Q4", "-o",
                                    str(tmp_path / "reports" / "q4.csv"), "--db", str(db)])
    assert res.exit_code == 0 and (tmp_path / "reports" / "q4.csv").is_file(), res.output
