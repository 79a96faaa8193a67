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
        assert h.schema_version() == SCHEMA_VERSION == 5
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


# -- schema version 4: a conflict's tab and a refused workbook's own period, stored -------------


def _v3_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    from .v3_schema import dump

    return dump(url)


def _kept(before: dict[str, list[tuple[object, ...]]], url: str) -> bool:
    """Whether every row ``before`` held is still in the database at ``url``, as it was (in
    the version-3 columns), and no other row but the migrations recorded since."""
    after = _v3_rows(url)
    return all(after[t] == rows if t != "schema_version" else after[t][:len(rows)] == rows
               for t, rows in before.items())


def _status_of_ana(h: History) -> dict[str, tuple[str, list[str]]]:
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status

    from .v3_schema import PERIOD

    rows = [ManifestRow(person="Ana Diaz", period=PERIOD, tab=tab, role=role, rater=tab,
                        target="q4/ana.xlsx")
            for tab, role in (("Self", "self"), ("Bo Chen", "manager"))]
    st = cycle_status(rows, PERIOD, h.collected_tabs(PERIOD), h.refusals(PERIOD))
    return {t.tab: (t.state, t.reasons) for t in st.people[0].tabs}


def test_a_version_3_database_is_migrated_to_version_4_and_keeps_every_row(db_url: str) -> None:
    """A history made by version 3 (its own tables, its rows) opens at version 4: every row
    of every table is still there as it was, the refusals it held read back with no stored
    conflict tab (None: not known, rather than "no conflict"), and new ones store theirs."""
    from .v3_schema import PERIOD, make_v3_database

    ladder = _ladder()
    make_v3_database(db_url, ladder)
    before = _v3_rows(db_url)
    with History(db_url) as h:
        assert h.schema_version() == SCHEMA_VERSION == 5
        old = {r.file: r for r in h.refusals(PERIOD)}
        assert [(r.conflict_tabs, r.workbook_period) for r in old.values()] == [(None, None)] * 2
        (rec,) = h.records(PERIOD)
        assert (rec.person, rec.team, rec.raters) == ("Ana Diaz", "North", 2)
    assert _kept(before, db_url)
    with History(db_url) as h:  # opened again: nothing more to do, nothing changes
        assert h.schema_version() == SCHEMA_VERSION
        h.record_refusal(IngestResult(
            file="q4/cy.xlsx", status="refused", person="Cy Park", period=PERIOD,
            content_hash="dd" * 32, findings=[Finding(severity="error", message="c",
                                                      conflict_tab="Self")]))
        new = next(r for r in h.refusals(PERIOD) if r.file == "q4/cy.xlsx")
        assert (new.conflict_tabs, new.workbook_period) == (["Self"], PERIOD)
    after = _v3_rows(db_url)
    assert after["refusals"][:2] == before["refusals"] and len(after["refusals"]) == 3
    assert _kept({k: v for k, v in before.items() if k != "refusals"}, db_url)


def test_a_conflict_stored_by_version_3_is_still_shown_on_its_own_tab(db_url: str) -> None:
    """Version 3 kept a conflict's tab in its message only: after the migration, status reads
    it from there, so Bo Chen's tab (held, but disputed by the copy beside it) is still
    refused with the conflict and Self, which the copies agree on, stays collected."""
    from .v3_schema import conflict_reason, make_v3_database

    make_v3_database(db_url, _ladder())
    with History(db_url) as h:
        got = _status_of_ana(h)
    assert got == {"Self": ("collected", []), "Bo Chen": ("refused", [conflict_reason("Bo Chen")])}


def test_a_stored_conflict_tab_is_used_rather_than_the_message(db_url: str) -> None:
    """From version 4 the tab is what the finding said, stored: a reason whose words look like
    another tab's conflict (a file named so) does not move it, and a reason that is no
    conflict is never read as one."""
    from .v3_schema import PERIOD, conflict_reason

    with History(db_url) as h:
        h.record_refusal(IngestResult(
            file="q4/ana (2).xlsx", status="refused", person="Ana Diaz", period=PERIOD,
            tabs=["Self", "Bo Chen"], content_hash="ee" * 32,
            findings=[Finding(severity="error", message=conflict_reason("Self"),
                              conflict_tab="Bo Chen")]))
        (ref,) = h.refusals(PERIOD)
        assert ref.conflict_tabs == ["Bo Chen"]
        assert (ref.conflict_tab_of(0), _status_of_ana(h)["Bo Chen"][0]) == ("Bo Chen", "refused")
        h.record_refusal(IngestResult(
            file="q4/ana (2).xlsx", status="refused", person="Ana Diaz", period=PERIOD,
            tabs=["Self"], content_hash="ee" * 32,
            findings=[Finding(severity="error", message=conflict_reason("Self"))]))
        (ref,) = h.refusals(PERIOD)
        assert (ref.conflict_tabs, ref.conflict_tab_of(0)) == ([None], None)


def test_a_refusal_keeps_the_period_its_workbook_is_for(db_url: str) -> None:
    """A workbook of another cycle is recorded under the cycle it was found in (``period``),
    and the period it says it is for is kept beside it (``workbook_period``)."""
    with History(db_url) as h:
        h.record_refusal(IngestResult(file="q4/old.xlsx", status="refused", person="Ana Diaz",
                                      workbook_period="2026-Q3", content_hash="ff" * 32,
                                      findings=[Finding(severity="error", message="other")]),
                         period="2026-Q4")
        h.record_refusal(IngestResult(file="q4/x.xlsx", status="refused",
                                      content_hash="fe" * 32,
                                      findings=[Finding(severity="error", message="unread")]),
                         period="2026-Q4")
        got = {r.file: (r.period, r.workbook_period) for r in h.refusals("2026-Q4")}
    assert got == {"q4/old.xlsx": ("2026-Q4", "2026-Q3"), "q4/x.xlsx": ("2026-Q4", None)}


def test_a_migration_to_version_4_that_fails_midway_leaves_the_version_3_database_as_it_was(
        db_url: str, monkeypatch) -> None:
    """The migration runs in the one transaction that records its version: when it breaks off
    after altering the table (a crash, a full disk), the database is still version 3 with
    every row and no new column, and the next open migrates it."""
    from sqlalchemy import inspect

    import sheetladder.results.store as store

    from .v3_schema import PERIOD, make_v3_database

    make_v3_database(db_url, _ladder())
    before = _v3_rows(db_url)
    note, step = store.MIGRATIONS[4]

    def crash(history: History, conn) -> None:
        step(history, conn)
        raise RuntimeError("crash after the ALTERs")

    monkeypatch.setitem(store.MIGRATIONS, 4, (note, crash))
    import pytest

    with pytest.raises(RuntimeError, match="crash after the ALTERs"):
        History(db_url)
    engine = create_engine(resolve_url(db_url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == 3
        cols = {c["name"] for c in inspect(conn).get_columns("refusals")}
    engine.dispose()
    assert not cols & {"conflict_tabs", "workbook_period"}
    assert _v3_rows(db_url) == before
    monkeypatch.setitem(store.MIGRATIONS, 4, (note, step))
    with History(db_url) as h:
        assert h.schema_version() == SCHEMA_VERSION
        assert len(h.refusals(PERIOD)) == 2
    assert _kept(before, db_url)


def test_a_name_stored_with_a_combining_accent_is_found_by_the_name_typed_with_one_letter(
        db_url: str) -> None:
    """Schema version 5: people's keys are composed (NFC). A history that held 'Ana Díaz' as
    typed with a combining accent (as some programs paste it) could not find her by the name
    typed with 'í', and a new workbook of that name went in as a second person; migrated, she
    is one person. One held twice already, apart (Zoë both ways), is left as two."""
    import unicodedata

    from sheetladder.context import person_key

    ladder = _ladder()
    nfd = unicodedata.normalize("NFD", "Ana Díaz")
    with History(db_url) as h:
        for name, period in (("Ana Díaz", "2026-Q3"), ("Zoë Holt", "2026-Q3"),
                             ("Zoë Holt", "2026-Q4")):
            ctx = make_context(ladder, name, period, [("self", None, None)])
            h.ingest(make_report(ladder, ctx, {"Self": {"a": 2}}), ladder=ladder)
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:  # what schema version 4 held for names pasted decomposed
        conn.execute(text("UPDATE people SET name = :n, key = :k WHERE key = :old"),
                     {"n": nfd, "k": nfd.casefold(), "old": "ana díaz"})
        zoe = unicodedata.normalize("NFD", "Zoë Holt")
        conn.execute(text("INSERT INTO people (key, name, created_at) VALUES (:k, :n, "
                          "CURRENT_TIMESTAMP)"), {"k": zoe.casefold(), "n": zoe})
        conn.execute(text("UPDATE assessments SET person_id = (SELECT id FROM people WHERE "
                          "key = :k) WHERE period = '2026-Q4' AND person_id = (SELECT id FROM "
                          "people WHERE key = 'zoë holt')"), {"k": zoe.casefold()})
        conn.execute(text("DELETE FROM schema_version WHERE version > 4"))
    engine.dispose()
    assert person_key(nfd) == person_key("Ana Díaz") == "ana díaz"
    with History(db_url) as h:
        assert h.schema_version() == SCHEMA_VERSION == 5
        for typed in ("Ana Díaz", nfd):
            key, name, _ = h.person(typed)
            assert (key, name) == ("ana díaz", nfd)
        ctx = make_context(ladder, "Ana Díaz", "2026-Q4", [("self", None, None)])
        assert ctx.person == "Ana Díaz" and ctx.person != nfd
        assert h.ingest(make_report(ladder, ctx, {"Self": {"a": 3}}), ladder=ladder).status == \
            "added"
        assert [r.period for r in h.records(person_keys=["ana díaz"])] == ["2026-Q3", "2026-Q4"]
        # Zoë, held twice apart: the composed key stays hers, the other keeps its key
        assert [r.period for r in h.records(person_keys=["zoë holt"])] == ["2026-Q3"]
        assert [r.period for r in h.records(person_keys=[zoe.casefold()])] == ["2026-Q4"]
