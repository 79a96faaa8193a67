"""The history database: what collecting stores, idempotency, replacement with history kept,
refusals, transactions, and concurrent writers — on SQLite and on a real PostgreSQL server.

Reports here are built with the scoring rule directly (the reader has its own tests); the
end-to-end tests in test_export.py go through real workbooks.
"""

from __future__ import annotations

import ast
import hashlib
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sheetladder.context import Context, make_context, split_contexts
from sheetladder.definition import Ladder, load_text
from sheetladder.results import collect as coll
from sheetladder.results import store as hist
from sheetladder.results.read import ReadOutcome, read_for_collect
from sheetladder.results.report import Finding, LadderRef, Report
from sheetladder.results.store import History, HistoryError
from sheetladder.scoring import RaterInput, score, xround
from sheetladder.workers import in_worker
from sheetladder.xlsx.archive import MAX_FILE_BYTES

from .conftest import SMALL
from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)

T0 = datetime(2026, 10, 1, 9, 0, 0)

Ratings = Mapping[str, Mapping[str, int | None]]


# -- helpers shared with test_export.py ----------------------------------------------------------


def make_report(ladder: Ladder, ctx: Context, ratings: Ratings,
                comments: Mapping[str, Mapping[str, str]] | None = None,
                file: str = "copy.xlsx", findings: Sequence[Finding] = ()) -> Report:
    """The Report a reader would give for a workbook of ``ctx`` filled with ``ratings``."""
    comments = comments or {}
    slots = [s for s in ctx.raters if ctx.split_tab is None or s.tab == ctx.split_tab]
    inputs = [RaterInput(role=s.role, name=s.name, tab=s.tab,
                         levels={c.id: ratings.get(s.tab, {}).get(c.id) for c in ladder.categories},
                         comments=dict(comments.get(s.tab, {})))
              for s in slots]
    sc = score(ladder, inputs)
    digest = hashlib.sha256(json.dumps(
        [file, ctx.model_dump(mode="json"), [i.model_dump(mode="json") for i in inputs]],
        sort_keys=True).encode()).hexdigest()
    return Report(file=file, sources=[file], content_hash=digest, person=ctx.person,
                  email=ctx.email, period=ctx.period, team=ctx.team, managers=list(ctx.managers),
                  ladder=LadderRef(id=ladder.id, version=ladder.version, hash=ladder.content_hash()),
                  findings=list(findings), raters=sc.raters, categories=sc.categories,
                  total_points=sc.total_points, level_index=sc.level_index, level=sc.level,
                  progress_to_next=sc.progress_to_next, inputs=inputs)


def random_ratings(ladder: Ladder, ctx: Context, rnd: random.Random,
                   blank_share: float = 0.0) -> dict[str, dict[str, int | None]]:
    n = len(ladder.levels)
    return {s.tab: {c.id: (None if rnd.random() < blank_share else rnd.randint(1, n))
                    for c in ladder.categories}
            for s in ctx.raters}


def inputs_of(ladder: Ladder, ctx: Context, ratings: Ratings) -> list[RaterInput]:
    return [RaterInput(role=s.role, name=s.name, tab=s.tab,
                       levels={c.id: ratings.get(s.tab, {}).get(c.id) for c in ladder.categories})
            for s in ctx.raters]


def assert_record_matches(rec: hist.AssessmentRecord, ladder: Ladder,
                          inputs: Sequence[RaterInput]) -> None:
    """Every stored figure of an assessment is what the scoring rule gives for ``inputs``."""
    sc = score(ladder, inputs)
    assert rec.total_points == pytest.approx(sc.total_points)
    assert rec.level_index == sc.level_index
    assert rec.level == sc.level
    assert rec.progress_to_next == pytest.approx(sc.progress_to_next)
    assert [c.id for c in rec.categories] == [c.id for c in ladder.categories]
    for got, want in zip(rec.categories, sc.categories, strict=True):
        assert got.consensus_level == pytest.approx(want.consensus_level)
        assert got.consensus_points == pytest.approx(want.consensus_points)
        assert got.self_gap == pytest.approx(want.self_gap)
        assert got.next_level == want.next_level
        for role, mean in want.role_means.items():
            assert got.role_means[role] == pytest.approx(mean)


def current_inputs(h: History, rec: hist.AssessmentRecord) -> list[RaterInput]:
    by_tab: dict[str, RaterInput] = {}
    for r in h.ratings_of(rec.id):
        inp = by_tab.setdefault(r.rater_tab, RaterInput(role=r.rater_role, name=r.rater_name,
                                                        tab=r.rater_tab, levels={}))
        inp.levels[r.category_id] = r.level_index
    return list(by_tab.values())


def assert_consistent(url: str) -> None:
    """The database is whole: every assessment came from a stored copy, no rater has two current
    ratings for a category, no file is stored twice, and every stored score is what the
    scoring rule gives for the current ratings."""
    with History(url) as h, h.engine.connect() as conn:
        orphans = conn.execute(
            select(func.count()).select_from(hist.assessments).where(
                ~select(hist.sources.c.id).where(
                    hist.sources.c.assessment_id == hist.assessments.c.id).exists())
        ).scalar_one()
        assert orphans == 0
        dup_current = conn.execute(
            select(hist.ratings.c.assessment_id, hist.ratings.c.rater_tab,
                   hist.ratings.c.category_id, func.count())
            .where(hist.ratings.c.superseded_by.is_(None))
            .group_by(hist.ratings.c.assessment_id, hist.ratings.c.rater_tab,
                      hist.ratings.c.category_id)
            .having(func.count() > 1)).all()
        assert dup_current == []
        n_sources = conn.execute(select(func.count()).select_from(hist.sources)).scalar_one()
        n_hashes = conn.execute(
            select(func.count(hist.sources.c.content_hash.distinct()))).scalar_one()
        assert n_sources == n_hashes
        for rec in h.records():
            assert_record_matches(rec, h.ladder(rec.ladder_hash), current_inputs(h, rec))


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return load_text(SMALL, "small.yaml")


def team_ctx(ladder: Ladder, person: str, period: str = "2026-Q4") -> Context:
    return make_context(ladder, person, period, [("self", None, None), ("manager", "Mia", None),
                                                 ("peer", "Pat", None), ("peer", "Quinn", None)])


# -- what is stored --------------------------------------------------------------------------------


def test_ratings_and_scores_too_many_for_one_insert_are_all_stored(db_url: str,
                                                                  sales: Ladder) -> None:
    # rows go in a few hundred parameters per INSERT: the ratings of 18 categories by 8 tabs
    # (144 rows of 10 columns) take two statements
    raters = [("self", None, None), ("manager", "Mia", None),
              *[("peer", f"Peer {i}", None) for i in range(6)]]
    ctx = make_context(sales, "Ann Lee", "2026-Q4", raters)
    ratings = random_ratings(sales, ctx, random.Random(8))
    comments = {"Peer 5": {c.id: f"-note {c.id}" for c in sales.categories}}
    report = make_report(sales, ctx, ratings, comments)
    with History(db_url) as h:
        assert h.ingest(report, sales, modified=T0).status == "added"
        [rec] = h.records()
        assert_record_matches(rec, sales, report.inputs)
        held = {(r.rater_tab, r.category_id): (r.level_index, r.comment)
                for r in h.ratings_of(rec.id)}
        assert held == {(i.tab, c.id): (i.levels[c.id], i.comments.get(c.id))
                        for i in report.inputs for c in sales.categories}
        assert h.counts()["scores"] == len(sales.categories) * (1 + len(sales.raters))
    assert_consistent(db_url)


def test_a_collected_report_holds_the_scores_the_rule_gives(db_url: str, sales: Ladder) -> None:
    ctx = team_ctx(sales, "Ann Lee")
    ratings = random_ratings(sales, ctx, random.Random(7))
    comments = {"Mia": {sales.categories[0].id: "=HYPERLINK(\"x\") closed the Acme deal"}}
    report = make_report(sales, ctx, ratings, comments)
    with History(db_url) as h:
        res = h.ingest(report, sales, modified=T0)
        assert res.status == "added"
        [rec] = h.records("2026-Q4")
        assert rec.person == "Ann Lee" and rec.ladder_id == sales.id
        assert rec.ladder_hash == sales.content_hash()
        assert rec.content_hash == report.content_hash
        assert rec.raters == 4
        assert_record_matches(rec, sales, inputs_of(sales, ctx, ratings))
        stored = {(r.rater_tab, r.category_id): r for r in h.ratings_of(rec.id)}
        assert len(stored) == 4 * len(sales.categories)
        for (tab, cid), r in stored.items():
            lv = ratings[tab][cid]
            assert r.level_index == lv and r.level == sales.codes[lv - 1]
            assert r.points == sales.level_points()[lv - 1] * sales.category(cid).weight
        assert stored[("Mia", sales.categories[0].id)].comment == comments["Mia"][sales.categories[0].id]
        assert h.ladder(sales.content_hash()) == sales


def test_warnings_are_kept_with_the_assessment(db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Bo")
    warn = Finding(severity="warning", sheet="Summary", cell="D5", message="stored value differs")
    report = make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(1)),
                         findings=[warn])
    with History(db_url) as h:
        res = h.ingest(report, ladder)
        assert res.status == "added" and res.warnings == [warn]
        [rec] = h.records()
        assert rec.warnings == [str(warn)]


def test_the_same_file_twice_adds_nothing(db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Cy")
    report = make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(2)))
    with History(db_url) as h:
        assert h.ingest(report, ladder, modified=T0).status == "added"
        before = h.counts()
        again = h.ingest(report, ladder, modified=T0 + timedelta(days=3))
        assert again.status == "unchanged"
        assert h.counts() == before
    with History(db_url) as h:  # and on a fresh connection, with no ladder given
        assert h.ingest(report, modified=T0).status == "unchanged"
        assert h.counts() == before


def test_a_file_holding_what_is_held_is_unchanged_and_then_costs_nothing(
        db_url: str, ladder: Ladder) -> None:
    """The same workbook saved again (other bytes, the same ratings and comments): "1 updated"
    said something changed when nothing had. Its hash is kept, so a third collect skips it;
    a copy that moves the team is an update."""
    ctx = team_ctx(ladder, "Cy")
    ratings = random_ratings(ladder, ctx, random.Random(21))
    with History(db_url) as h:
        assert h.ingest(make_report(ladder, ctx, ratings, file="a.xlsx"), ladder).status == "added"
        held = [(r.total_points, r.level, r.source_file) for r in h.records()]
        resaved = make_report(ladder, ctx, ratings, file="a (resaved).xlsx")
        res = h.ingest(resaved, ladder)
        assert (res.status, res.replaced) == ("unchanged", [])
        assert [(r.total_points, r.level, r.source_file) for r in h.records()] == held
        assert h.counts()["sources"] == 2  # its hash is held
        assert h.ingest(resaved, ladder).status == "unchanged"
        moved = make_report(ladder, ctx.model_copy(update={"team": "South"}), ratings,
                            file="a (moved).xlsx")
        assert h.ingest(moved, ladder).status == "updated"
        assert [r.team for r in h.records()] == ["South"]


def test_a_newer_copy_replaces_a_raters_ratings_and_keeps_the_old_ones(
        db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Dee")
    rnd = random.Random(3)
    first = random_ratings(ladder, ctx, rnd)
    second = {tab: dict(v) for tab, v in first.items()}
    second["Mia"] = {c.id: (first["Mia"][c.id] % len(ladder.levels)) + 1 for c in ladder.categories}
    with History(db_url) as h:
        h.ingest(make_report(ladder, ctx, first, file="v1.xlsx"), ladder, modified=T0)
        res = h.ingest(make_report(ladder, ctx, second, file="v2.xlsx"), ladder,
                       modified=T0 + timedelta(hours=5))
        assert res.status == "updated" and res.replaced == ["Mia"]
        [rec] = h.records()
        assert_record_matches(rec, ladder, inputs_of(ladder, ctx, second))
        everything = h.ratings_of(rec.id, include_history=True)
        old = [r for r in everything if r.superseded_by_file is not None]
        assert {(r.rater_tab, r.category_id, r.level_index) for r in old} == {
            ("Mia", c.id, first["Mia"][c.id]) for c in ladder.categories}
        assert {r.superseded_by_file for r in old} == {"v2.xlsx"}
        assert {r.source_file for r in old} == {"v1.xlsx"}
        # the tabs that did not change still come from the first copy: nothing was mixed
        current = h.ratings_of(rec.id)
        assert {r.source_file for r in current if r.rater_tab != "Mia"} == {"v1.xlsx"}
        assert {r.source_file for r in current if r.rater_tab == "Mia"} == {"v2.xlsx"}


def test_a_copy_collected_later_replaces_the_held_tab_whatever_its_file_time(
        db_url: str, ladder: Ladder) -> None:
    """An e-mailed attachment's modification time is its download time: it decides nothing. The
    copy collected later replaces what differs, and the result names the earlier file."""
    ctx = team_ctx(ladder, "Eve")
    rnd = random.Random(4)
    first, later = random_ratings(ladder, ctx, rnd), random_ratings(ladder, ctx, rnd)
    with History(db_url) as h:
        h.ingest(make_report(ladder, ctx, first, file="first.xlsx"), ladder,
                 modified=T0 + timedelta(days=1))
        res = h.ingest(make_report(ladder, ctx, later, file="later.xlsx"), ladder, modified=T0)
        changed = {t for t in first if first[t] != later[t]}
        assert set(res.replaced) == changed
        assert res.replaced_from == {t: "first.xlsx" for t in changed}
        [rec] = h.records()
        assert_record_matches(rec, ladder, inputs_of(ladder, ctx, later))
        hist_rows = [r for r in h.ratings_of(rec.id, include_history=True)
                     if r.superseded_by_file is not None]
        assert {r.source_file for r in hist_rows} == {"first.xlsx"}


def test_copies_returned_by_each_rater_add_up_to_the_whole(db_url: str, sales: Ladder) -> None:
    ctx = team_ctx(sales, "Fay")
    ratings = random_ratings(sales, ctx, random.Random(5))
    with History(db_url) as h:
        statuses = [h.ingest(make_report(sales, part, ratings, file=f"{part.split_tab}.xlsx"),
                             sales, modified=T0 + timedelta(minutes=i)).status
                    for i, part in enumerate(split_contexts(ctx))]
        assert statuses == ["added", "updated", "updated", "updated"]
        [rec] = h.records()
        assert_record_matches(rec, sales, inputs_of(sales, ctx, ratings))
        assert rec.raters == 4


def test_a_blank_tab_in_a_later_copy_replaces_nothing(db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Gil")
    full = random_ratings(ladder, ctx, random.Random(6))
    only_self = {"Self": full["Self"]}
    with History(db_url) as h:
        h.ingest(make_report(ladder, ctx, full, file="full.xlsx"), ladder, modified=T0)
        res = h.ingest(make_report(ladder, ctx, only_self, file="self-again.xlsx"), ladder,
                       modified=T0 + timedelta(days=1))
        assert res.replaced == [] and res.replaced_from == {}
        [rec] = h.records()
        assert_record_matches(rec, ladder, inputs_of(ladder, ctx, full))
        assert all(r.superseded_by_file is None for r in h.ratings_of(rec.id, True))


def test_an_unfilled_workbook_stores_nothing(db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Hal")
    with History(db_url) as h:
        res = h.ingest(make_report(ladder, ctx, {}), ladder)
        assert res.status == "empty"
        assert h.counts()["assessments"] == 0


# -- refusals ----------------------------------------------------------------------------------------


def _email_ctx(ladder: Ladder, person: str, email: str | None, period: str) -> Context:
    return make_context(ladder, person, period, [("self", None, None), ("manager", "Mia", None)],
                        email=email)


def test_an_email_held_for_another_name_is_refused_until_the_person_is_renamed(
        db_url: str, ladder: Ladder) -> None:
    """A later roster spells the person another way: stored as it is, they would be two
    people whose periods never meet (no trend, no total change). Refused, saying both ways out;
    after the rename the file goes in and both periods are one person's."""
    rnd = random.Random(11)
    q3 = _email_ctx(ladder, "Ana Diaz", "ana@example.com", "2026-Q3")
    q4 = _email_ctx(ladder, "Ana Díaz", " ANA@example.com ", "2026-Q4")
    with History(db_url) as h:
        assert h.ingest(make_report(ladder, q3, random_ratings(ladder, q3, rnd), file="q3.xlsx"),
                        ladder).status == "added"
        report = make_report(ladder, q4, random_ratings(ladder, q4, rnd), file="q4.xlsx")
        before = h.counts()
        res = h.ingest(report, ladder)
        assert res.status == "refused"
        assert [f.message for f in res.findings] == [
            "ANA@example.com is held for 'Ana Diaz' (2026-Q3), but this workbook names "
            "'Ana Díaz': one email is one person. If they are the same person, rename them in "
            "the history (sheetladder history 'Ana Diaz' --rename 'Ana Díaz' --db "
            f"{db_url}), then collect again; if not, the email is wrong: correct it in the roster and "
            "render this person's workbook again"]
        assert h.counts() == before
        assert h.rename_person("ana@example.com", "Ana  Díaz") == ("Ana Diaz", "Ana Díaz", 1)
        assert h.ingest(report, ladder).status == "added"
        assert [(r.person, r.period) for r in h.records()] == [
            ("Ana Díaz", "2026-Q3"), ("Ana Díaz", "2026-Q4")]
        # the same name, or no email, is no conflict
        other = _email_ctx(ladder, "Bo", None, "2026-Q4")
        assert h.ingest(make_report(ladder, other, random_ratings(ladder, other, rnd)),
                        ladder).status == "added"


def test_a_held_person_with_another_email_is_refused_until_the_email_is_set(
        db_url: str, ladder: Ladder) -> None:
    """Q4 names "Ana Diaz" with another email: a namesake would be merged into the Ana held, so
    it is refused until the history is told it is her new email."""
    rnd = random.Random(13)
    q3 = _email_ctx(ladder, "Ana Diaz", "ana@example.com", "2026-Q3")
    q4 = _email_ctx(ladder, "ana  diaz", "ana.diaz@example.com", "2026-Q4")
    with History(db_url) as h:
        h.ingest(make_report(ladder, q3, random_ratings(ladder, q3, rnd), file="q3"), ladder)
        report = make_report(ladder, q4, random_ratings(ladder, q4, rnd), file="q4")
        res = h.ingest(report, ladder)
        assert res.status == "refused"
        assert [f.message for f in res.findings] == [
            "'Ana Diaz' is held with the email ana@example.com, but this workbook gives "
            "ana.diaz@example.com: one person is one email. If it is the same person with a new "
            "email, set it in the history (sheetladder history 'Ana Diaz' --email "
            f"ana.diaz@example.com --db {db_url}), then collect again; if "
            "it is another person of the same name, give them a name that tells the two apart in the roster "
            "and render their workbook again"]
        with pytest.raises(hist.HistoryLookupError, match="is not an email address"):
            h.set_email("Ana Diaz", "ana diaz")
        with pytest.raises(hist.HistoryLookupError, match="is not an email address"):
            h.set_email("Ana Diaz", "ana@diaz")
        other = _email_ctx(ladder, "Bo", "bo@example.com", "2026-Q4")
        h.ingest(make_report(ladder, other, random_ratings(ladder, other, rnd)), ladder)
        with pytest.raises(hist.HistoryLookupError,
                           match="BO@example.com is already 'Bo''s email in the history"):
            h.set_email("Ana Diaz", " BO@example.com")
        assert h.set_email("ana@example.com", "ana.diaz@example.com ") == (
            "Ana Diaz", "ana@example.com", "ana.diaz@example.com")
        assert h.ingest(report, ladder).status == "added"
        assert h.person("ana.diaz@example.com")[1] == "ana  diaz"  # as the latest copy spells it


def test_the_email_lookup_has_an_index_even_in_a_history_made_before_it(tmp_path: Path) -> None:
    """Each collected file looks its email up among the people held: without an index that is
    a scan of every person per file."""
    import sqlite3

    db = tmp_path / "h.sqlite"
    History(str(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX ix_people_email")
    History(str(db)).close()
    with sqlite3.connect(db) as conn:
        plan = conn.execute("EXPLAIN QUERY PLAN "
                            + History(str(db))._fast_sql["email or person held"],
                            ("a@example.com", "a")).fetchall()
    assert any("USING INDEX ix_people_email" in row[-1] for row in plan), plan
    assert not any(row[-1].startswith("SCAN people") for row in plan), plan


def test_a_rename_to_another_persons_name_is_refused(db_url: str, ladder: Ladder) -> None:
    rnd = random.Random(12)
    with History(db_url) as h:
        for name in ("Ana Diaz", "Bo Chen"):
            ctx = _email_ctx(ladder, name, None, "2026-Q4")
            h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, rnd), file=name), ladder)
        before = h.counts()
        with pytest.raises(hist.HistoryLookupError,
                           match="'Bo Chen' is already another person in the history .*; a rename "
                                 "does not merge two people"):
            h.rename_person("Ana Diaz", "bo  chen")
        with pytest.raises(hist.HistoryLookupError, match="no one called 'Cy'"):
            h.rename_person("Cy", "Cy Park")
        assert h.counts() == before
        assert sorted(r.person for r in h.records()) == ["Ana Diaz", "Bo Chen"]
        assert h.rename_person("ana diaz", "Ana DIAZ")[1] == "Ana DIAZ"  # a respelling


def test_a_report_with_errors_is_refused_with_its_findings(db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Ida")
    err = Finding(severity="error", sheet="Pat", cell="D5", message="formula was overwritten")
    bad = make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(8)), findings=[err])
    with History(db_url) as h:
        res = h.ingest(bad, ladder)
        assert res.status == "refused" and res.findings == [err]
        assert h.counts() == {t: 0 for t in ("people", "assessments", "sources", "ratings",
                                             "scores", "ladders")}


@pytest.mark.parametrize("missing", ["period", "person"])
def test_a_workbook_without_person_or_period_is_refused(db_url: str, ladder: Ladder,
                                                        missing: str) -> None:
    ctx = team_ctx(ladder, "Jo")
    report = make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(9)))
    report = report.model_copy(update={missing: None})
    with History(db_url) as h:
        res = h.ingest(report, ladder)
        assert res.status == "refused"
        assert missing in res.findings[0].message
        assert h.counts()["sources"] == 0


def test_a_copy_made_from_another_ladder_version_is_refused(db_url: str, ladder: Ladder) -> None:
    v2 = load_text(SMALL.replace('version: "1"', 'version: "2"'), "small.yaml")
    ctx = team_ctx(ladder, "Kim")
    rnd = random.Random(10)
    with History(db_url) as h:
        h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, rnd), file="a.xlsx"), ladder)
        res = h.ingest(make_report(v2, ctx, random_ratings(v2, ctx, rnd), file="b.xlsx"), v2)
        assert res.status == "refused"
        assert "version 1" in res.findings[0].message and "version 2" in res.findings[0].message
        assert h.counts()["sources"] == 1


def test_a_copy_made_from_another_ladder_names_the_ladder_held_and_its_own(
        db_url: str, ladder: Ladder) -> None:
    other = load_text(SMALL.replace("id: small", "id: other-small"), "other.yaml")
    assert other.id == "other-small"
    ctx = team_ctx(ladder, "Kim")
    rnd = random.Random(14)
    with History(db_url) as h:
        h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, rnd), file="a.xlsx"), ladder)
        res = h.ingest(make_report(other, ctx, random_ratings(other, ctx, rnd), file="b.xlsx"),
                       other)
        assert res.status == "refused"
        assert res.findings[0].message == (
            f"Kim, 2026-Q4 is already held on ladder {ladder.id} version {ladder.version} (hash "
            f"{ladder.content_hash()[:12]}), but this workbook is ladder other-small version "
            f"{other.version} (hash {other.content_hash()[:12]}); copies made from different "
            "definitions cannot be combined into one assessment: render Kim's workbook for "
            f"2026-Q4 from the ladder held ({ladder.id} {ladder.version}), or give the other "
            "ladder's assessment a period of its own")


def test_a_ladder_never_seen_cannot_be_collected_without_its_definition(
        db_url: str, ladder: Ladder) -> None:
    ctx = team_ctx(ladder, "Lou")
    with History(db_url) as h:
        res = h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(1))))
        assert res.status == "refused" and "not in the history" in res.findings[0].message


# -- schema ------------------------------------------------------------------------------------------


def test_the_schema_is_created_and_versioned_on_open(db_url: str) -> None:
    with History(db_url) as h:
        assert h.schema_version() == hist.SCHEMA_VERSION
    with History(db_url) as h:  # opening again migrates nothing
        with h.engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(hist.schema_version)).scalar_one()
        assert n == hist.SCHEMA_VERSION


def test_a_database_from_a_newer_sheetladder_is_refused(db_url: str) -> None:
    with History(db_url) as h, h.engine.begin() as conn:
        conn.execute(hist.schema_version.insert().values(
            version=hist.SCHEMA_VERSION + 1, applied_at=T0, note="future"))
    with pytest.raises(HistoryError, match="newer"):
        History(db_url)


def test_an_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(HistoryError, match="cannot"):
        History("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(HistoryError, match="cannot use"):
        History("nosuchdialect://x")


def test_plain_paths_and_postgres_urls_are_understood() -> None:
    assert hist.resolve_url(None) == "sqlite:///output/history.sqlite"
    assert hist.resolve_url("ops/h.sqlite") == "sqlite:///ops/h.sqlite"
    assert hist.resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert hist.resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert "secret" not in hist.display_url("postgresql+psycopg://u:secret@h/db")


def test_periods_held_sort_in_time_order(tmp_path: Path, ladder: Ladder) -> None:
    with History(str(tmp_path / "h.sqlite")) as h:
        for i, period in enumerate(["2027-Q1", "2026-10", "2026-Q3", "2026-H1"]):
            ctx = team_ctx(ladder, f"P{i}", period)
            h.ingest(make_report(ladder, ctx, random_ratings(ladder, ctx, random.Random(i))),
                     ladder)
        assert h.periods() == ["2026-H1", "2026-Q3", "2026-10", "2027-Q1"]


# -- transactions and concurrency -----------------------------------------------------------------


class _Boom(Exception):
    pass


def _fail_after_scores_of(h: History, nth: int) -> None:
    """Make the ``nth`` statement writing scores fail once it has run: the file's ratings and
    scores are written when the failure comes, whichever way the store wrote them. (The store
    sends its inserts on the driver's cursor, past SQLAlchemy's execution events: the failure
    comes from the one place every one of them goes through.)"""
    seen = {"n": 0}
    real = h._run

    def run(conn: Any, sql: str, params: Any) -> Any:
        got = real(conn, sql, params)
        if sql.lstrip().upper().startswith("INSERT INTO SCORES"):
            seen["n"] += 1
            if seen["n"] == nth:
                raise _Boom()
        return got

    h._run = run  # type: ignore[method-assign]


def test_a_failure_mid_file_rolls_that_file_back_and_keeps_the_others(
        db_url: str, ladder: Ladder) -> None:
    rnd = random.Random(11)
    ctxs = [team_ctx(ladder, f"P{i}") for i in range(5)]
    reports = [make_report(ladder, c, random_ratings(ladder, c, rnd), file=f"{c.person}.xlsx")
               for c in ctxs]
    with History(db_url) as h:
        _fail_after_scores_of(h, 3)
        h.ingest(reports[0], ladder)
        h.ingest(reports[1], ladder)
        with pytest.raises(_Boom):
            h.ingest(reports[2], ladder)
        assert sorted(r.person for r in h.records()) == ["P0", "P1"]
        assert h.counts()["sources"] == 2
    assert_consistent(db_url)
    with History(db_url) as h:  # collecting everything again finishes the job
        assert [h.ingest(r, ladder).status for r in reports] == [
            "unchanged", "unchanged", "added", "added", "added"]
    assert_consistent(db_url)


def _ingest_all(url: str, ladder_json: str, reports: list[str], start: object) -> None:
    """Worker process: ingest reports (as JSON) one by one."""
    lad = Ladder.model_validate(json.loads(ladder_json))
    start.wait()  # type: ignore[attr-defined]
    with History(url) as h:
        for i, rj in enumerate(reports):
            h.ingest(Report.model_validate_json(rj), lad, modified=T0 + timedelta(seconds=i))


def _batch(ladder: Ladder, n_people: int, seed: int) -> list[Report]:
    rnd = random.Random(seed)
    out = []
    for i in range(n_people):
        ctx = team_ctx(ladder, f"Person {i:02d}")
        ratings = random_ratings(ladder, ctx, rnd)
        for part in split_contexts(ctx):  # each rater returns their own copy
            out.append(make_report(ladder, part, ratings, file=f"{i}-{part.split_tab}.xlsx"))
    return out


def test_two_collects_at_once_store_every_file_once(db_url: str, ladder: Ladder) -> None:
    reports = _batch(ladder, 8, seed=12)
    payload = [r.model_dump_json() for r in reports]
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    # Both processes collect every file, in opposite orders.
    procs = [ctx.Process(target=_ingest_all, args=(db_url, ladder.canonical_json(), order, start))
             for order in (payload, payload[::-1])]
    try:
        for p in procs:
            p.start()
        start.set()
        for p in procs:
            p.join(120)
            assert p.exitcode == 0
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
    assert_consistent(db_url)
    with History(db_url) as h:
        counts = h.counts()
        assert counts["sources"] == len(reports)
        assert counts["people"] == counts["assessments"] == 8
        assert counts["ratings"] == len(reports) * len(ladder.categories)  # nothing superseded
        for rec in h.records():
            i = int(rec.person.split()[-1])
            c = team_ctx(ladder, rec.person)
            want = _batch(ladder, 8, seed=12)[i * 4:(i + 1) * 4]
            inputs = [inp for r in want for inp in r.inputs]
            assert_record_matches(rec, ladder, inputs)
            assert rec.raters == len(c.raters)


def test_a_history_created_by_another_collect_during_the_first_open_is_taken_as_ours(
        postgres_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race of two collects opening an empty PostgreSQL database at once: the other one
    creates and commits the history between this open's first read (no schema_version yet) and
    its next. The open must see one state or the other, never tables without their
    schema_version, which would be refused as a foreign database's. (On SQLite the reads share
    one read transaction, which holds the other writer off: it cannot be staged in one thread.)"""
    db_url = postgres_server.create_database()
    real = History._held_version
    done: list[bool] = []

    def held_then_other_creates(self: History, conn: Any) -> int | None:
        got = real(self, conn)
        if got is None and not done:
            done.append(True)
            History(db_url).close()  # the other collect, on its own connection, commits
        return got

    monkeypatch.setattr(History, "_held_version", held_then_other_creates)
    with History(db_url) as h:
        assert h.schema_version() == hist.SCHEMA_VERSION
    assert done, "the other collect never ran between the reads"
    assert_consistent(db_url)


def test_a_collect_killed_mid_batch_leaves_a_whole_database(tmp_path: Path, db_url: str,
                                                            ladder: Ladder) -> None:
    reports = _batch(ladder, 15, seed=13)
    payload = [r.model_dump_json() for r in reports]
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    proc = ctx.Process(target=_ingest_all, args=(db_url, ladder.canonical_json(), payload, start))
    proc.start()
    start.set()
    import time

    deadline = time.monotonic() + 60
    with History(db_url) as h:
        while h.counts()["sources"] < 5 and time.monotonic() < deadline and proc.is_alive():
            time.sleep(0.01)
    assert proc.is_alive(), "the collect finished before it could be killed"
    proc.kill()
    proc.join(30)
    assert_consistent(db_url)
    with History(db_url) as h:
        got = h.counts()["sources"]
        assert 5 <= got < len(reports)
        for r in reports:
            h.ingest(r, ladder)
        assert h.counts()["sources"] == len(reports)
    assert_consistent(db_url)


# -- the rule for copies, over many orders ---------------------------------------------------------

_copy = st.tuples(st.sampled_from(["Self", "Mia", "Pat", "Quinn"]),  # tab
                  st.integers(0, 5),  # modification time, hours
                  st.lists(st.one_of(st.none(), st.integers(1, 3)), min_size=2, max_size=2))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copies=st.lists(_copy, min_size=1, max_size=7))
def test_each_rater_ends_with_the_last_collected_copy_of_their_tab(tmp_path: Path, ladder: Ladder,
                                                                   copies: list) -> None:
    """Whatever the order copies arrive in and whatever their file times, each tab holds the
    copy collected last, the rest is history, and the scores are the rule's for those ratings."""
    url = f"sqlite:///{tmp_path}/h-{uuid.uuid4().hex}.sqlite"
    base = team_ctx(ladder, "Zed")
    cats = [c.id for c in ladder.categories]
    newest: dict[str, tuple[int, int, dict[str, int | None]]] = {}
    with History(url) as h:
        for n, (tab, hours, levels) in enumerate(copies):
            part = base.model_copy(update={"split_tab": tab})
            rat = {tab: dict(zip(cats, levels, strict=True))}
            report = make_report(ladder, part, rat, file=f"copy{n}.xlsx")
            h.ingest(report, ladder, modified=T0 + timedelta(hours=hours))
            if any(v is not None for v in levels):
                newest[tab] = (hours, n, rat[tab])
        recs = h.records()
        if not newest:
            assert recs == []
            return
        [rec] = recs
        want = {tab: v[2] for tab, v in newest.items()}
        assert_record_matches(rec, ladder, inputs_of(ladder, base, want))
        got = {(r.rater_tab, r.category_id): r.level_index for r in h.ratings_of(rec.id)}
        assert got == {(t, c): lv for t, lv_map in want.items() for c, lv in lv_map.items()
                       if lv is not None}
    assert_consistent(url)


def test_scores_are_rounded_like_the_rule(db_url: str, sales: Ladder) -> None:
    ctx = team_ctx(sales, "Rue")
    ratings = random_ratings(sales, ctx, random.Random(14), blank_share=0.2)
    with History(db_url) as h:
        h.ingest(make_report(sales, ctx, ratings), sales)
        [rec] = h.records()
        want = score(sales, inputs_of(sales, ctx, ratings))
        assert rec.total_points == want.total_points == xround(want.total_points or 0)


# -- collect: files read (in reader processes or not), oldest first, held files never read -----------


def _workbook(path: Path, ladder: Ladder, ctx: Context, ratings: Ratings, mtime: datetime) -> Path:
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import to_bytes

    path.write_bytes(to_bytes(build_plan(ladder, ctx, ratings=ratings)))
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def KEEP(tmp_path: Path) -> list[str]:  # noqa: N802 - reads as the option it stands for
    return [str(tmp_path / "in" / "a-newer.xlsx")]


def _returned_folder(folder: Path, ladder: Ladder) -> dict[str, Ratings]:
    """Six people's workbooks; two more copies of one rater's tab, all three different (the
    one to keep, :func:`KEEP`, is the newest); a file that is not a workbook and one over the
    size limit. The ratings by file."""
    folder.mkdir()
    rnd = random.Random(31)
    ratings: dict[str, Ratings] = {}
    for i in range(6):
        ctx = team_ctx(ladder, f"Person {i}")
        r = random_ratings(ladder, ctx, rnd)
        _workbook(folder / f"p{i}.xlsx", ladder, ctx, r, T0 + timedelta(minutes=i))
        ratings[f"p{i}.xlsx"] = r
    mia = next(c for c in split_contexts(team_ctx(ladder, "Person 0")) if c.split_tab == "Mia")
    held = ratings["p0.xlsx"]["Mia"]
    for name, hours, shift in (("a-newer.xlsx", 3, 2), ("b-older.xlsx", 2, 1)):
        r = {"Mia": {c: ((lv or 1) + shift - 1) % len(ladder.levels) + 1 for c, lv in held.items()}}
        _workbook(folder / name, ladder, mia, r, T0 + timedelta(hours=hours))
        ratings[name] = r
    (folder / "junk.xlsx").write_bytes(b"<html>a sign-in page</html>")
    with open(folder / "huge.xlsx", "wb") as f:  # sparse: no disk spent
        f.truncate(MAX_FILE_BYTES + 1)
    return ratings


def _stored(url: str) -> list[tuple[object, ...]]:
    """Everything a collect stored that does not depend on when it ran."""
    with History(url) as h:
        out: list[tuple[object, ...]] = []
        for rec in h.records():
            out.append((rec.person, rec.total_points, rec.level, Path(rec.source_file or "").name,
                        [(c.id, c.consensus_level, c.role_means) for c in rec.categories]))
            out.extend((r.rater_tab, r.category_id, r.level_index, Path(r.source_file).name,
                        r.superseded_by_file and Path(r.superseded_by_file).name)
                       for r in h.ratings_of(rec.id, include_history=True))
        return out


def _by_file(outcome: coll.CollectOutcome) -> dict[str, tuple[object, ...]]:
    return {Path(r.file).name: (r.status, [str(f) for f in r.findings], r.replaced,
                                r.replaced_from) for r in outcome.results}


def test_collect_stores_the_same_with_or_without_reader_processes(tmp_path: Path,
                                                                  ladder: Ladder) -> None:
    ratings = _returned_folder(tmp_path / "in", ladder)
    got = {}
    for jobs in (1, 2, 3):  # in this process; one reader process; two
        url = f"sqlite:///{tmp_path}/jobs{jobs}.sqlite"
        with History(url) as h:
            got[jobs] = (_by_file(coll.collect(h, [tmp_path / "in"], jobs=jobs, keep=KEEP(tmp_path))),
                         _stored(url))
        assert_consistent(url)
    assert got[2] == got[1] and got[3] == got[1]
    results, _ = got[1]
    assert {f: r[0] for f, r in results.items()} == {
        **{f"p{i}.xlsx": "added" for i in range(6)}, "b-older.xlsx": "unchanged",
        "a-newer.xlsx": "updated", "junk.xlsx": "refused", "huge.xlsx": "refused"}
    # the three copies of Mia's tab disagree: the one named with keep holds it, whatever the
    # file times, and the others' Mia tab was never stored, so nothing was replaced
    assert all(r[2] == [] for r in results.values())
    with History(f"sqlite:///{tmp_path}/jobs2.sqlite") as h:
        rec = next(r for r in h.records() if r.person == "Person 0")
        mia = {r.category_id: r.level_index for r in h.ratings_of(rec.id) if r.rater_tab == "Mia"}
    assert mia == ratings["a-newer.xlsx"]["Mia"]
    # the collecting process judged the two bad files itself, as the reader would have
    junk = read_for_collect(str(tmp_path / "in" / "junk.xlsx"))
    assert results["junk.xlsx"][1] == [f"error: {junk.error}"]
    assert "limit" in results["huge.xlsx"][1][0]


def test_readers_started_early_are_the_ones_collect_reads_with(
        tmp_path: Path, ladder: Ladder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI starts the reader processes before it parses the ladders and opens the history;
    collect must read with those, start none of its own, and store what it stores without."""
    import sheetladder.workers
    from sheetladder.results.readers import Readers

    _returned_folder(tmp_path / "in", ladder)
    assert Readers(jobs=1, files=100).n == 0  # --jobs 1 reads in this process
    assert Readers(jobs=2, files=2).n == 0  # too few files to share
    assert Readers(jobs=8, files=9).n == 2  # no more than there are chunks to give them
    assert Readers(jobs=8, files=3).n == 1
    with Readers(jobs=2, files=100) as readers:
        assert readers.n == 1 and readers.pool is not None
        pool = readers.pool

        def no_second_pool(*a: object, **k: object) -> None:
            raise AssertionError("collect started reader processes of its own")

        monkeypatch.setattr(sheetladder.workers, "WorkerPool", no_second_pool)
        sent: list[object] = []
        submit = pool.submit

        def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(fn)
            return submit(fn, *args, **kwargs)

        monkeypatch.setattr(pool, "submit", counted)
        url = f"sqlite:///{tmp_path}/early.sqlite"
        with History(url) as h:
            early = _by_file(coll.collect(h, [tmp_path / "in"], jobs=2, keep=KEEP(tmp_path),
                                          readers=readers))
        assert readers.pool is pool  # the caller's to leave
        assert coll.read_chunk_for_collect in sent  # the early readers did read
        # every file read, the processes were told to end: they exit while the files are
        # stored (and the caller's context then waits for nothing)
        assert pool.closing
        deadline = time.monotonic() + 30
        while any(w.process.poll() is None for w in pool.workers) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(w.process.poll() == 0 for w in pool.workers)
        monkeypatch.undo()
        # a second collect given the ended readers reads with processes of its own
        url2 = f"sqlite:///{tmp_path}/again.sqlite"
        with History(url2) as h:
            again = _by_file(coll.collect(h, [tmp_path / "in"], jobs=2, keep=KEEP(tmp_path),
                                          readers=readers))
        assert again == early and _stored(url2) == _stored(url)
    assert readers.pool is None
    url1 = f"sqlite:///{tmp_path}/here.sqlite"
    with History(url1) as h:
        here = _by_file(coll.collect(h, [tmp_path / "in"], jobs=1, keep=KEEP(tmp_path)))
    assert early == here and _stored(url) == _stored(url1)
    assert_consistent(url)


def _dying_reader(path: str) -> ReadOutcome:
    """Reads here; in a reader process, ends it at once, as a kill or the OOM killer would."""
    if in_worker():
        os._exit(9)
    return read_for_collect(path)


def test_a_reader_process_that_dies_stops_the_collect_with_one_clear_error(
        tmp_path: Path, ladder: Ladder) -> None:
    _returned_folder(tmp_path / "in", ladder)
    url = f"sqlite:///{tmp_path}/h.sqlite"
    with History(url) as h:
        with pytest.raises(coll.ReaderLost, match="no workbook of this collect was stored"):
            coll.collect(h, [tmp_path / "in"], jobs=2, reader=_dying_reader, keep=KEEP(tmp_path))
        assert h.counts()["sources"] == 0
        # collecting again adds everything
        again = coll.collect(h, [tmp_path / "in"], jobs=1, keep=KEEP(tmp_path))
    assert again.count("added") + again.count("updated") == 7, _by_file(again)
    assert again.count("unchanged") == 1  # b-older.xlsx: its one tab overruled by --keep


def test_a_reader_that_cannot_go_to_reader_processes_reads_every_file_here(
        tmp_path: Path, ladder: Ladder) -> None:
    """A lambda or a closure does not pickle: with two jobs asked for, collect reads with it in
    this process rather than fail (or lose the batch) in a reader process."""
    _returned_folder(tmp_path / "in", ladder)
    seen: list[tuple[str, bool]] = []

    def reader(path: str) -> ReadOutcome:  # a closure: it does not pickle
        seen.append((Path(path).name, in_worker()))
        return read_for_collect(path)

    with History(f"sqlite:///{tmp_path}/h.sqlite") as h:
        got = coll.collect(h, [tmp_path / "in"], jobs=2, reader=reader, keep=KEEP(tmp_path))
    assert got.count("added") + got.count("updated") == 7, _by_file(got)
    assert len(seen) >= 8 and not any(w for _, w in seen)


def test_a_reader_defined_in_the_callers_script_works_in_the_reader_processes(
        tmp_path: Path, ladder: Ladder) -> None:
    """A user's script defines its reader and collects with two jobs: the reader processes load
    the script to find it (its __main__ part does not run there), and every file is stored."""
    _returned_folder(tmp_path / "in", ladder)
    script = tmp_path / "collect_mine.py"
    script.write_text(f"""
import sys
import time
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from sheetladder.results import collect as coll
from sheetladder.results.read import read_for_collect
from sheetladder.results.store import History
from sheetladder.workers import in_worker


def my_reader(path):
    got = read_for_collect(path)
    if in_worker():
        print("read in a reader process:", path, file=sys.stderr)
    return got


if __name__ == "__main__":
    with History("sqlite:///{tmp_path}/h.sqlite") as h:
        out = coll.collect(h, [{str(tmp_path / "in")!r}], jobs=2, reader=my_reader,
                           keep=[{str(KEEP(tmp_path)[0])!r}])
    print(out.count("added") + out.count("updated"), out.count("refused"))
""")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split() == ["7", "2"], done.stdout + done.stderr
    assert "read in a reader process:" in done.stderr, done.stderr


def test_collect_reads_each_file_once_and_held_files_not_at_all(
        tmp_path: Path, ladder: Ladder, monkeypatch: pytest.MonkeyPatch) -> None:
    import sheetladder.results.read

    _returned_folder(tmp_path / "in", ladder)
    url = f"sqlite:///{tmp_path}/h.sqlite"

    def no_opening(source: str) -> None:
        raise AssertionError(f"{source} opened a second time")

    # the reader verifies the bytes the collecting process read and hashed
    monkeypatch.setattr(sheetladder.results.read, "open_grid", no_opening)
    with History(url) as h:
        first = coll.collect(h, [tmp_path / "in"], jobs=1, keep=KEEP(tmp_path))
    assert first.count("added") + first.count("updated") == 7, _by_file(first)
    monkeypatch.undo()

    read: list[str] = []

    def reader(path: str) -> ReadOutcome:
        read.append(Path(path).name)
        return read_for_collect(path)

    new_ctx = team_ctx(ladder, "Newcomer")
    _workbook(tmp_path / "in" / "new.xlsx", ladder, new_ctx,
              random_ratings(ladder, new_ctx, random.Random(2)), T0)
    with History(url) as h:
        before = h.counts()
        again = coll.collect(h, [tmp_path / "in"], jobs=1, reader=reader)
        after = h.counts()
    # the files already held cost a hash and nothing more; a refused one is never held
    assert read == ["new.xlsx", "junk.xlsx"]
    statuses = {f: r[0] for f, r in _by_file(again).items()}
    assert statuses.pop("new.xlsx") == "added"
    assert statuses == {**{f"p{i}.xlsx": "unchanged" for i in range(6)},
                        "a-newer.xlsx": "unchanged", "b-older.xlsx": "unchanged",
                        "junk.xlsx": "refused", "huge.xlsx": "refused"}
    assert after["sources"] == before["sources"] + 1
    # a file already held still says whose assessment it is
    held = {Path(r.file).name: (r.person, r.period) for r in again.results
            if r.status == "unchanged"}
    first_seen = {Path(r.file).name: (r.person, r.period) for r in first.results
                  if Path(r.file).name in held}
    assert held == first_seen and all(p and q for p, q in held.values())


def test_the_reader_processes_import_nothing_of_the_database() -> None:
    code = ("import sys, sheetladder.results.read; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'psycopg', 'sheetladder') and m != 'sheetladder'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    mods = ast.literal_eval(out.stdout)
    assert "sheetladder.grid" in mods and "sheetladder.verify.verify" in mods
    assert not [m for m in mods if m.startswith(("sqlalchemy", "psycopg", "sheetladder.results.store"))]
    assert coll.read_chunk_for_collect.__module__ == "sheetladder.results.read"


def test_a_command_suggested_for_the_default_history_asks_for_no_db(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The history's commands a refusal suggests reach the default history without --db."""
    monkeypatch.chdir(tmp_path)
    with History() as h:
        assert h._db_hint() == ""
    with History("output/history.sqlite") as h:  # the default, named
        assert h._db_hint() == ""


def test_a_command_suggested_for_another_history_gives_its_db_as_given_with_the_password_masked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For another history, the suggested command carries ``--db`` exactly as it was given (a
    relative path stays relative, a URL keeps its spelling), shell-quoted; a URL's password
    is masked, never written out (the message is printed, and stored with a refusal)."""
    monkeypatch.chdir(tmp_path)
    with History("q4 books/h.sqlite") as h:
        assert h._db_hint() == " --db 'q4 books/h.sqlite'"
    with History(f"sqlite:///{tmp_path}/other.sqlite") as h:
        assert h._db_hint() == f" --db sqlite:///{tmp_path}/other.sqlite"
    assert hist.mask_password("postgresql://ana:s3:cr/et@db.example.com:5432/hr") == \
        "postgresql://ana:***@db.example.com:5432/hr"
    assert hist.mask_password("postgresql://ana@db.example.com/hr") == \
        "postgresql://ana@db.example.com/hr"
    # a password holding "@" or "/", written out unencoded: no part of it is shown, whether the
    # URL parses (SQLAlchemy would take what follows its first "@" for the host) or not
    for url in ("postgresql://ana:p@ss/w0rd@db.example.com/hr",
                "no+such+driver://ana:p@ss/w0rd@db.example.com:x/hr",
                "postgresql://ana:p?ss#w0rd@db.example.com/hr"):
        for shown in (hist.mask_password(url), hist.display_url(url)):
            assert "ss" not in shown and "w0rd" not in shown and "db.example.com" in shown
    # the hint is made without connecting: a History is not needed to check the URL's
    probe = History.__new__(History)
    probe.url, probe.given = hist.resolve_url("postgres://ana:pw@db/hr"), "postgres://ana:pw@db/hr"
    assert probe._db_hint() == (" --db 'postgres://ana:***@db/hr', with the password in place "
                                "of ***")
    assert "pw" not in probe._db_hint()




def test_a_refusal_through_a_url_with_a_password_suggests_the_url_with_it_masked(
        postgres_server: Any, ladder: Ladder) -> None:
    """On a PostgreSQL URL holding a password (the test server trusts loopback, so any will
    do), the suggested command gives that URL with ``***`` for the password, and neither the
    message printed nor the refusal stored holds the password."""
    plain = postgres_server.create_database()
    given = plain.replace("postgresql://postgres@", "postgresql://postgres:Pa55:w/rd@")
    rnd = random.Random(5)
    q3 = _email_ctx(ladder, "Ana Diaz", "ana@example.com", "2026-Q3")
    q4 = _email_ctx(ladder, "Ana Díaz", "ana@example.com", "2026-Q4")
    with History(given) as h:
        h.ingest(make_report(ladder, q3, random_ratings(ladder, q3, rnd), file="q3"), ladder)
        res = h.ingest(make_report(ladder, q4, random_ratings(ladder, q4, rnd), file="q4"), ladder)
        assert res.status == "refused"
        (why,) = [f.message for f in res.findings]
        masked = plain.replace("postgresql://postgres@", "postgresql://postgres:***@")
        assert f"--db '{masked}', with the password in place of ***)" in why, why
        res.content_hash = "ab" * 32
        h.record_refusal(res)
        assert not any("Pa55" in r for ref in h.refusals() for r in ref.reasons)
    assert "Pa55" not in why


def test_a_statement_sent_past_sqlalchemy_fails_as_sqlalchemy_would_fail_it(db_url: str) -> None:
    # the store sends a file's inserts on the driver's cursor (History._run): a constraint
    # still raises SQLAlchemy's IntegrityError (which ingest retries or undoes with a
    # savepoint), and any other database error is one HistoryError naming the database
    from sqlalchemy.exc import IntegrityError

    from sheetladder.results.store import HistoryError

    with History(db_url) as h:
        mark = "?" if h.dialect == "sqlite" else "%s"
        with h._writer.begin() as conn:
            assert h._run(conn, f"SELECT {mark} + 1", (41,)) == [(42,)]
            assert h._run(conn, "CREATE TEMPORARY TABLE t_run (x INTEGER)", ()) == []
        with pytest.raises(IntegrityError), h._writer.begin() as conn:
            h._run(conn, f"INSERT INTO people (key, name, created_at) VALUES ({mark}, {mark}, "
                         f"{mark})", (None, "Ann", "2026-01-01 00:00:00"))
        with pytest.raises(HistoryError, match="database error") as e, \
                h._writer.begin() as conn:
            h._run(conn, "SELECT x FROM no_such_table", ())
        assert "no_such_table" in str(e.value)
        assert h.counts()["people"] == 0  # nothing of the failed statements was kept
