"""The history's part of the cycle status: team and managers per assessment, refused files
recorded, and the migration that adds them to a version-1 database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from sheetladder.context import make_context
from sheetladder.definition import Ladder, load_text
from sheetladder.results.report import Finding
from sheetladder.results.store import SCHEMA_VERSION, History, IngestResult, resolve_url

from .conftest import SMALL
from .postgres import db_url_fixture, postgres_server_fixture  # noqa: F401  (fixtures)
from .test_history import make_report


def _ladder() -> Ladder:
    return load_text(SMALL, "small.yaml")


def _downgrade_to_version_1(url: str) -> None:
    """What a database made by sheetladder before schema version 2 holds."""
    engine = create_engine(resolve_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE refusals"))
        conn.execute(text("ALTER TABLE assessments DROP COLUMN team"))
        conn.execute(text("ALTER TABLE assessments DROP COLUMN managers"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 1"))
    engine.dispose()


def test_team_and_managers_are_stored_with_the_assessment(db_url: str) -> None:
    ladder = _ladder()
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4",
                       [("self", None, None), ("manager", "Bo Chen", None),
                        ("manager", "Ola Berg", None)], email="ana@example.com", team="North")
    assert ctx.managers == ["Bo Chen", "Ola Berg"]
    with History(db_url) as h:
        res = h.ingest(make_report(ladder, ctx, {"Self": {"a": 1, "b": 2}}), ladder=ladder)
        assert res.status == "added"
        (rec,) = h.records("2026-Q4")
        assert (rec.team, rec.managers, rec.email) == ("North", ["Bo Chen", "Ola Berg"],
                                                       "ana@example.com")


def test_a_version_1_database_is_migrated_and_keeps_its_rows(db_url: str) -> None:
    ladder = _ladder()
    old = make_context(ladder, "Ben Ortiz", "2026-Q3", [("self", None, None)])
    with History(db_url) as h:
        assert h.ingest(make_report(ladder, old, {"Self": {"a": 2}}), ladder=ladder).status == "added"
    _downgrade_to_version_1(db_url)
    with History(db_url) as h:
        assert h.schema_version() == SCHEMA_VERSION == 3
        (rec,) = h.records("2026-Q3")
        assert (rec.person, rec.team, rec.managers, rec.total_points) == ("Ben Ortiz", None, [], 2)
        new = make_context(ladder, "Ben Ortiz", "2026-Q4", [("self", None, None)], team="South")
        assert h.ingest(make_report(ladder, new, {"Self": {"a": 3}}), ladder=ladder).status == "added"
        assert [r.team for r in h.records(person_keys=["ben ortiz"])] == [None, "South"]
        h.record_refusal(IngestResult(file="x.xlsx", status="refused", content_hash="ab" * 32,
                                      findings=[Finding(severity="error", message="bad")]))
        assert [r.file for r in h.refusals("2026-Q4")] == ["x.xlsx"]


def test_refusals_are_recorded_once_per_file_and_by_period(db_url: str) -> None:
    with History(db_url) as h:
        for why in ("first reason", "second reason"):
            h.record_refusal(IngestResult(
                file="returned/ana.xlsx", status="refused", person="Ana Diaz", period="2026-Q4",
                tabs=["Bo Chen"], content_hash="cd" * 32,
                findings=[Finding(severity="error", sheet="Bo Chen", cell="D9", message=why)]))
        h.record_refusal(IngestResult(file="old.xlsx", status="refused", person="Ana Diaz",
                                      period="2026-Q3", content_hash="ef" * 32,
                                      findings=[Finding(severity="error", message="old")]))
        h.record_refusal(IngestResult(file="gone.xlsx", status="refused",
                                      findings=[Finding(severity="error", message="no hash")]))
        (ref,) = h.refusals("2026-Q4")
        assert (ref.file, ref.person, ref.period, ref.tabs, ref.reasons) == (
            "returned/ana.xlsx", "Ana Diaz", "2026-Q4", ["Bo Chen"], ["Bo Chen!D9: second reason"])
        assert [r.file for r in h.refusals("2026-Q3")] == ["old.xlsx"]


def test_team_and_managers_travel_in_the_hidden_sheet_and_older_files_read_as_before(
        tmp_path) -> None:
    import json

    from sheetladder.plan import build_plan, meta_payload
    from sheetladder.results.read import read_path
    from sheetladder.xlsx.write import save

    ladder = _ladder()
    plain = make_context(ladder, "Ana Diaz", "2026-Q4")
    # without a team, the hidden context is exactly what sheetladder wrote before teams existed
    assert set(json.loads(meta_payload(ladder, plain)["context"])) == {
        "person", "email", "period", "raters", "split_tab"}
    ctx = make_context(ladder, "Ben Ortiz", "2026-Q4",
                       [("self", None, "ben@example.com"), ("manager", "Bo Chen", None)],
                       email="ben@example.com", team="North")
    with_team = save(build_plan(ladder, ctx), tmp_path / "ben.xlsx")
    without = save(build_plan(ladder, plain), tmp_path / "ana.xlsx")
    ben, ana = read_path(str(with_team)), read_path(str(without))
    assert ben.ok and ana.ok, (ben.findings, ana.findings)
    assert (ben.team, ben.managers, ben.email) == ("North", ["Bo Chen"], "ben@example.com")
    assert (ana.team, ana.managers) == (None, [])


def test_collected_tabs_are_the_tabs_with_current_ratings(db_url: str) -> None:
    ladder = _ladder()
    ctx = make_context(ladder, "Ana  Diaz", "2026-Q4",
                       [("self", None, None), ("manager", "Bo Chen", None), ("peer", "Cy", None)])
    other = make_context(ladder, "Ben Ortiz", "2026-Q3", [("self", None, None)])
    with History(db_url) as h:
        h.ingest(make_report(ladder, ctx, {"Self": {"a": 1}, "Bo Chen": {"b": 2}, "Cy": {}}),
                 ladder=ladder)
        h.ingest(make_report(ladder, other, {"Self": {"a": 3}}), ladder=ladder)
        assert h.collected_tabs("2026-Q4") == {("ana diaz", "2026-Q4"): {"self", "bo chen"}}
        assert h.collected_tabs() == {("ana diaz", "2026-Q4"): {"self", "bo chen"},
                                      ("ben ortiz", "2026-Q3"): {"self"}}
        assert h.ladders_of_period("2026-Q4") == [ladder.content_hash()]
        assert h.ladders_of_period("2025-Q1") == []
