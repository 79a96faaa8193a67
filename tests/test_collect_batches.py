"""Collect stores files in batches (one transaction, a savepoint per file; issue 17): a batch
must store exactly what storing its files one by one stores, a file refused or already held
inside a batch must leave the rest of it alone, a failure must roll the whole batch back, and
two collects storing batches at once must still store every file once — on SQLite and on a
real PostgreSQL server."""

from __future__ import annotations

import json
import multiprocessing
import random
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from sheetladder.definition import Ladder, load_text
from sheetladder.results.report import Finding, Report
from sheetladder.results.store import History

from .conftest import SMALL
from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)
from .test_history import (
    T0,
    _batch,
    _Boom,
    _fail_after_scores_of,
    assert_consistent,
    assert_record_matches,
    make_report,
    random_ratings,
    team_ctx,
)


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return load_text(SMALL, "small.yaml")


def _content(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the history holds, less ids and the clock (collected_at, created_at...)."""
    with History(url) as h, h.engine.connect() as conn:
        q = {
            "people": "SELECT key, name, email FROM people ORDER BY key",
            "assessments": "SELECT p.key, a.period, a.ladder_hash, a.source_file, a.content_hash, "
                           "a.warnings, a.total_points, a.level_index, a.level, "
                           "a.progress_to_next, a.rated_categories, a.categories, a.raters, "
                           "a.team, a.managers "
                           "FROM assessments a JOIN people p ON p.id = a.person_id "
                           "ORDER BY p.key, a.period",
            "sources": "SELECT file, content_hash, modified, tabs, warnings FROM sources "
                       "ORDER BY content_hash",
            "ratings": "SELECT s.content_hash, r.rater_tab, r.rater_role, r.rater_name, "
                       "r.category_id, r.level_index, r.level, r.points, r.comment, "
                       "sup.content_hash FROM ratings r JOIN sources s ON s.id = r.source_id "
                       "LEFT JOIN sources sup ON sup.id = r.superseded_by "
                       "ORDER BY s.content_hash, r.rater_tab, r.category_id",
            "scores": "SELECT p.key, a.period, s.category_id, s.category_name, s.weight, "
                      "s.basis, s.level, s.points, s.self_gap, s.next_level FROM scores s "
                      "JOIN assessments a ON a.id = s.assessment_id "
                      "JOIN people p ON p.id = a.person_id "
                      "ORDER BY p.key, a.period, s.category_id, s.basis",
        }
        return {name: [tuple(r) for r in conn.execute(text(sql)).all()]
                for name, sql in q.items()}


_copy = st.tuples(st.sampled_from(["Ann", "Bob"]),  # person
                  st.sampled_from(["Self", "Mia", "Pat", "Quinn"]),  # tab
                  st.integers(0, 4),  # modification time, hours
                  st.lists(st.one_of(st.none(), st.integers(1, 3)), min_size=2, max_size=2),
                  st.booleans(),  # a comment on the first category
                  st.sampled_from([None, "North", "South"]),  # the team the copy gives
                  st.booleans())  # stored even if empty (a copy --keep overruled tabs of)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copies=st.lists(_copy, min_size=1, max_size=9), cuts=st.lists(st.integers(1, 9),
                                                                      max_size=4),
       repeat=st.booleans())
def test_a_batch_stores_exactly_what_storing_its_files_one_by_one_stores(
        tmp_path: Path, ladder: Ladder, copies: list, cuts: list[int], repeat: bool) -> None:
    cats = [c.id for c in ladder.categories]
    items = []
    for n, (person, tab, hours, levels, commented, team, held) in enumerate(copies):
        part = team_ctx(ladder, person).model_copy(update={
            "split_tab": tab, "team": team, "managers": ["Mia"] if team else []})
        comments = {tab: {cats[0]: f"=note {n}"}} if commented else None
        report = make_report(ladder, part, {tab: dict(zip(cats, levels, strict=True))},
                             comments=comments, file=f"copy{n}.xlsx")
        items.append((report, ladder, T0 + timedelta(hours=hours), held))
    if repeat:  # the same files again, in the same batches: each is already held
        items = items + items
    one = f"sqlite:///{tmp_path}/one-{uuid.uuid4().hex}.sqlite"
    many = f"sqlite:///{tmp_path}/many-{uuid.uuid4().hex}.sqlite"
    with History(one) as h:
        alone = [h.ingest(*item) for item in items]
    with History(many) as h:
        batched = []
        start = 0
        for size in [*cuts, len(items)]:
            batched += h.ingest_many(items[start:start + size])
            start += size
            if start >= len(items):
                break
    assert [(r.status, r.replaced, r.replaced_from, r.tabs, r.content_hash) for r in batched] == [
        (r.status, r.replaced, r.replaced_from, r.tabs, r.content_hash) for r in alone]
    assert _content(many) == _content(one)
    assert_consistent(many)


def test_a_refused_or_held_file_in_a_batch_leaves_the_others_stored(db_url: str,
                                                                    ladder: Ladder) -> None:
    rnd = random.Random(31)
    ctxs = [team_ctx(ladder, f"P{i}") for i in range(4)]
    good = [make_report(ladder, c, random_ratings(ladder, c, rnd), file=f"{c.person}.xlsx")
            for c in ctxs]
    bad = good[1].model_copy(update={
        "file": "bad.xlsx", "content_hash": "0" * 64,
        "findings": [Finding(severity="error", sheet="Self", cell="D9", message="'S9' is not a level")]})
    other = load_text(SMALL.replace('version: "1"', 'version: "2"'), "v2.yaml")
    wrong_version = make_report(other, ctxs[2], random_ratings(other, ctxs[2], rnd),
                                file="v2.xlsx")
    with History(db_url) as h:
        h.ingest(good[0], ladder)
        got = h.ingest_many([(good[0], ladder, None), (good[1], ladder, None),
                             (bad, ladder, None), (good[2], ladder, None),
                             (wrong_version, other, None), (good[3], ladder, None)])
        assert [r.status for r in got] == ["unchanged", "added", "refused", "added", "refused",
                                           "added"]
        assert [r.file for r in got] == ["P0.xlsx", "P1.xlsx", "bad.xlsx", "P2.xlsx", "v2.xlsx",
                                         "P3.xlsx"]
        assert "S9" in str(got[2].findings[0])
        assert "version" in got[4].findings[0].message
        assert h.counts()["sources"] == 4
        for rec in h.records():
            i = int(rec.person[1:])
            assert_record_matches(rec, ladder, good[i].inputs)
    assert_consistent(db_url)


def test_a_clean_batch_goes_in_without_savepoints_and_one_with_a_held_file_with_them(
        db_url: str, ladder: Ladder) -> None:
    # a savepoint per file costs two statements a file: a batch with nothing to roll back is
    # stored without them; one that meets a file already held is rolled back whole and stored
    # again with them, and both give what storing the files one by one gives
    from sqlalchemy import event

    rnd = random.Random(34)
    ctxs = [team_ctx(ladder, f"P{i}") for i in range(5)]
    reports = [make_report(ladder, c, random_ratings(ladder, c, rnd), file=f"{c.person}.xlsx")
               for c in ctxs]
    with History(db_url) as h:
        said: list[str] = []
        event.listen(h.engine, "before_cursor_execute",
                     lambda conn, cur, statement, *rest: said.append(statement))
        got = h.ingest_many([(r, ladder, None) for r in reports[:3]])
        assert [r.status for r in got] == ["added"] * 3
        assert not [s for s in said if "SAVEPOINT" in s.upper()]
        said.clear()
        got = h.ingest_many([(r, ladder, None) for r in reports[1:]])
        assert [r.status for r in got] == ["unchanged", "unchanged", "added", "added"]
        assert [s for s in said if s.upper().startswith("SAVEPOINT")]
        assert h.counts()["sources"] == 5
        for rec in h.records():
            assert_record_matches(rec, ladder, reports[int(rec.person[1:])].inputs)
    assert_consistent(db_url)


def test_a_batch_aborted_by_deadlocks_still_falls_back_to_savepoints_or_says_why(
        tmp_path: Path, ladder: Ladder, monkeypatch: pytest.MonkeyPatch) -> None:
    # PostgreSQL aborting a batch (a deadlock) and a file needing a savepoint are retried
    # apart: two deadlocks, then a file already held, still store the rest; a third deadlock
    # is an error, never a batch of files "refused" for no reason
    from sqlalchemy.exc import OperationalError

    from sheetladder.results.store import HistoryError

    rnd = random.Random(35)
    reports = [make_report(ladder, c, random_ratings(ladder, c, rnd), file=f"{c.person}.xlsx")
               for c in (team_ctx(ladder, f"P{i}") for i in range(3))]
    real = History._ingest_unsaved
    for deadlocks, fails in ((2, False), (3, True)):
        url = f"sqlite:///{tmp_path}/h{deadlocks}.sqlite"
        left = {"n": deadlocks}

        def flaky(self: History, conn: Any, report: Report, *a: Any, **k: Any) -> None:
            if left["n"]:
                left["n"] -= 1
                raise OperationalError("INSERT", None, Exception("deadlock detected"))
            real(self, conn, report, *a, **k)

        monkeypatch.setattr(History, "_ingest_unsaved", flaky)
        with History(url) as h:
            h.ingest(reports[0], ladder)
            if fails:
                with pytest.raises(HistoryError):
                    h.ingest_many([(r, ladder, None) for r in reports])
                assert h.counts()["sources"] == 1
                continue
            got = h.ingest_many([(r, ladder, None) for r in reports])
            assert [r.status for r in got] == ["unchanged", "added", "added"]
            assert h.counts()["sources"] == 3
        assert_consistent(url)


def test_a_first_copy_whose_tabs_keep_overruled_is_scored_from_what_it_still_holds(
        db_url: str, ladder: Ladder) -> None:
    # collect empties the tabs --keep overruled and stores the copy with held_even_if_empty;
    # the reader's figures were computed with those tabs, so the store must not use them
    ctx = team_ctx(ladder, "Ann")
    cats = [c.id for c in ladder.categories]
    ratings = {s.tab: {c: 1 for c in cats} for s in ctx.raters}
    ratings["Mia"] = {c: 3 for c in cats}
    report = make_report(ladder, ctx, ratings, file="ann.xlsx")
    report.inputs = [i.model_copy(update={"levels": {}, "comments": {}}) if i.tab == "Mia"
                     else i for i in report.inputs]
    left = [i for i in report.inputs if i.tab != "Mia"]
    with History(db_url) as h:
        [res] = h.ingest_many([(report, ladder, None, True)])
        assert res.status == "added" and "Mia" not in res.tabs
        [rec] = h.records()
        assert_record_matches(rec, ladder, left)
        assert rec.total_points != report.total_points  # the reader's figure counted Mia
        assert {r.rater_tab for r in h.ratings_of(rec.id)} == {i.tab for i in left}
    assert_consistent(db_url)


def test_a_failure_in_a_batch_rolls_the_whole_batch_back(db_url: str, ladder: Ladder) -> None:
    rnd = random.Random(32)
    ctxs = [team_ctx(ladder, f"P{i}") for i in range(6)]
    reports = [make_report(ladder, c, random_ratings(ladder, c, rnd), file=f"{c.person}.xlsx")
               for c in ctxs]
    with History(db_url) as h:
        assert [r.status for r in h.ingest_many([(r, ladder, None) for r in reports[:2]])] == [
            "added", "added"]
        _fail_after_scores_of(h, 4)  # the fourth file stored: the second of the next batch
        with pytest.raises(_Boom):
            h.ingest_many([(r, ladder, None) for r in reports[2:]])
        assert sorted(r.person for r in h.records()) == ["P0", "P1"]
        assert h.counts()["sources"] == 2
    assert_consistent(db_url)
    with History(db_url) as h:  # collecting everything again finishes the job
        assert [r.status for r in h.ingest_many([(r, ladder, None) for r in reports])] == [
            "unchanged", "unchanged", "added", "added", "added", "added"]
    assert_consistent(db_url)


def _ingest_batches(url: str, ladder_json: str, reports: list[str], start: Any) -> None:
    """Worker process: ingest reports (as JSON) in batches of five."""
    lad = Ladder.model_validate(json.loads(ladder_json))
    items = [(Report.model_validate_json(rj), lad, T0 + timedelta(seconds=i))
             for i, rj in enumerate(reports)]
    start.wait()
    with History(url) as h:
        for k in range(0, len(items), 5):
            h.ingest_many(items[k:k + 5])


def test_two_collects_storing_batches_at_once_store_every_file_once(db_url: str,
                                                                    ladder: Ladder) -> None:
    reports = _batch(ladder, 10, seed=33)  # 10 people, each rater's copy apart: 40 files
    payload = [r.model_dump_json() for r in reports]
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_ingest_batches,
                         args=(db_url, ladder.canonical_json(), order, start))
             for order in (payload, payload[::-1])]
    try:
        for p in procs:
            p.start()
        start.set()
        for p in procs:
            p.join(180)
            assert p.exitcode == 0
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
    assert_consistent(db_url)
    with History(db_url) as h:
        counts = h.counts()
        assert counts["sources"] == len(reports)
        assert counts["people"] == counts["assessments"] == 10
        assert counts["ratings"] == len(reports) * len(ladder.categories)
        for rec in h.records():
            i = int(rec.person.split()[-1])
            inputs = [inp for r in reports[i * 4:(i + 1) * 4] for inp in r.inputs]
            assert_record_matches(rec, ladder, inputs)
