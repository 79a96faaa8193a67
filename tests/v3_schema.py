"""The history's schema as sheetladder wrote it at schema version 3, frozen here (copied from
sheetladder/results/store.py before version 4) so that the migration to version 4 is tested
from a database of that shape, not from today's schema with columns dropped.

:func:`make_v3_database` creates the tables and fills them with the rows a version-3 collect
left: a ladder, a person, an assessment with its source, ratings and scores, and refusals held
as their text alone (a conflict between two copies, whose tab only its message names)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    select,
)

from sheetladder import scoring
from sheetladder.definition import Ladder
from sheetladder.results.report import conflict_message
from sheetladder.results.store import PEOPLE_EMAIL_INDEX, resolve_url
from sheetladder.scoring import RaterInput

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
    Column("note", Text, nullable=False, default=""),
)

ladders = Table(
    "ladders", metadata,
    Column("hash", String(64), primary_key=True),
    Column("ladder_id", String(200), nullable=False),
    Column("version", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("definition", Text, nullable=False, comment="Canonical JSON of the ladder"),
)

people = Table(
    "people", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(400), nullable=False, unique=True, comment="Normalised name"),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("created_at", DateTime, nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("period", String(100), nullable=False),
    Column("ladder_id", String(200), nullable=False),
    Column("ladder_version", String(200), nullable=False),
    Column("ladder_hash", String(64), ForeignKey("ladders.hash"), nullable=False),
    Column("source_file", Text, comment="The copy applied last"),
    Column("content_hash", String(64), comment="sha256 of the copy applied last"),
    Column("warnings", Text, nullable=False, default="[]",
           comment="JSON list of the warnings of the copies whose ratings are current"),
    Column("total_points", Float),
    Column("level_index", Integer),
    Column("level", String(100)),
    Column("progress_to_next", Float),
    Column("rated_categories", Integer, nullable=False, default=0),
    Column("categories", Integer, nullable=False, default=0),
    Column("raters", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("team", Text, comment="The person's team, as the copy applied last gave it"),
    Column("managers", Text, comment="JSON list of the person's managers"),
    UniqueConstraint("person_id", "period", name="uq_assessment_person_period"),
)

sources = Table(
    "sources", metadata,
    Column("id", Integer, primary_key=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("file", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("modified", DateTime, nullable=False, comment="The file's modification time (UTC)"),
    Column("collected_at", DateTime, nullable=False),
    Column("tabs", Text, nullable=False, default="[]", comment="JSON list of rater tabs it held"),
    Column("warnings", Text, nullable=False, default="[]"),
)

ratings = Table(
    "ratings", metadata,
    Column("id", Integer, primary_key=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False),
    Column("rater_tab", String(100), nullable=False),
    Column("rater_role", String(100), nullable=False),
    Column("rater_name", Text),
    Column("category_id", String(200), nullable=False),
    Column("level_index", Integer),
    Column("level", String(100)),
    Column("points", Float),
    Column("comment", Text),
    Column("superseded_by", Integer, ForeignKey("sources.id"),
           comment="NULL while current; else the copy that replaced it"),
    Column("superseded_at", DateTime),
    UniqueConstraint("source_id", "rater_tab", "category_id", name="uq_rating_source_tab_category"),
)
_current = ratings.c.superseded_by.is_(None)
Index("uq_rating_current", ratings.c.assessment_id, ratings.c.rater_tab, ratings.c.category_id,
      unique=True, sqlite_where=_current, postgresql_where=_current)
Index("ix_rating_assessment", ratings.c.assessment_id)

scores = Table(
    "scores", metadata,
    Column("id", Integer, primary_key=True),
    Column("assessment_id", Integer, ForeignKey("assessments.id"), nullable=False),
    Column("category_id", String(200), nullable=False),
    Column("category_name", Text, nullable=False),
    Column("weight", Float, nullable=False),
    Column("basis", String(120), nullable=False,
           comment="'consensus', or 'role:<role id>' for the mean of one role's raters"),
    Column("level", Float),
    Column("points", Float),
    Column("self_gap", Float),
    Column("next_level", String(100)),
    UniqueConstraint("assessment_id", "category_id", "basis", name="uq_score"),
)


refusals = Table(
    "refusals", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False, unique=True,
           comment="sha256 of the file, or of its path when its bytes could not be read"),
    Column("file", Text, nullable=False),
    Column("person_key", String(400)),
    Column("person", Text),
    Column("period", String(100), index=True),
    Column("tabs", Text, nullable=False, default="[]", comment="JSON list of rater tabs it held"),
    Column("reasons", Text, nullable=False, default="[]", comment="JSON list of its findings"),
    Column("refused_at", DateTime, nullable=False),
)



T0 = datetime(2026, 12, 1, 9, 0, 0)
V3_NOTES = {1: "people, assessments, sources, ratings, scores, ladders",
            2: "assessments.team, assessments.managers, refusals",
            3: "period labels folded into their canonical spelling (2026q4 -> 2026-Q4)"}
PERIOD = "2026-Q4"


def conflict_reason(tab: str) -> str:
    """The reason a version-3 collect stored for two copies disagreeing on ``tab``."""
    return conflict_message(tab, "q4/ana.xlsx", "q4/ana (2).xlsx", [("D5", "Alpha", "L1", "L2")])


def make_v3_database(url: str, ladder: Ladder) -> None:
    """A version-3 history at ``url`` (empty before): Ana Diaz's Q4 assessment with her Self
    and Bo Chen tabs, and two refusals as version 3 kept them: a copy of Ana's that
    disagreed on Bo Chen's tab (only the message names it), and Ben's file with an error on
    his Self tab."""
    engine = create_engine(resolve_url(url))
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.exec_driver_sql(PEOPLE_EMAIL_INDEX)
        conn.execute(schema_version.insert(), [
            {"version": v, "applied_at": T0, "note": n} for v, n in V3_NOTES.items()])
        h = ladder.content_hash()
        conn.execute(ladders.insert().values(hash=h, ladder_id=ladder.id, version=ladder.version,
                                             name=ladder.name, definition=ladder.canonical_json()))
        pid = conn.execute(people.insert().values(
            key="ana diaz", name="Ana Diaz", email="ana@example.com", created_at=T0
        ).returning(people.c.id)).scalar_one()
        inputs = [RaterInput(role="self", name=None, tab="Self", levels={"a": 1, "b": 2}),
                  RaterInput(role="manager", name="Bo Chen", tab="Bo Chen",
                             levels={"a": 2, "b": 3}, comments={"b": "steady"})]
        sc = scoring.score(ladder, inputs)
        aid = conn.execute(assessments.insert().values(
            person_id=pid, period=PERIOD, ladder_id=ladder.id, ladder_version=ladder.version,
            ladder_hash=h, source_file="q4/ana.xlsx", content_hash="aa" * 32, warnings="[]",
            total_points=sc.total_points, level_index=sc.level_index, level=sc.level,
            progress_to_next=sc.progress_to_next, rated_categories=2, categories=2, raters=2,
            created_at=T0, updated_at=T0, team="North", managers=json.dumps(["Bo Chen"]),
        ).returning(assessments.c.id)).scalar_one()
        sid = conn.execute(sources.insert().values(
            assessment_id=aid, file="q4/ana.xlsx", content_hash="aa" * 32, modified=T0,
            collected_at=T0, tabs=json.dumps(["Self", "Bo Chen"]), warnings="[]",
        ).returning(sources.c.id)).scalar_one()
        codes = ladder.codes
        conn.execute(ratings.insert(), [
            {"assessment_id": aid, "source_id": sid, "rater_tab": i.tab, "rater_role": i.role,
             "rater_name": i.name, "category_id": c, "level_index": lv, "level": codes[lv - 1],
             "points": scoring.points_for(ladder, c, lv), "comment": i.comments.get(c)}
            for i in inputs for c, lv in i.levels.items()])
        conn.execute(scores.insert(), [
            {"assessment_id": aid, "category_id": cs.id, "category_name": cs.name,
             "weight": cs.weight, "basis": "consensus", "level": cs.consensus_level,
             "points": cs.consensus_points, "self_gap": cs.self_gap, "next_level": cs.next_level}
            for cs in sc.categories])
        conn.execute(refusals.insert(), [
            {"content_hash": "bb" * 32, "file": "q4/ana (2).xlsx", "person_key": "ana diaz",
             "person": "Ana Diaz", "period": PERIOD, "tabs": json.dumps(["Self", "Bo Chen"]),
             "reasons": json.dumps([conflict_reason("Bo Chen")]), "refused_at": T0},
            {"content_hash": "cc" * 32, "file": "q4/ben.xlsx", "person_key": "ben ortiz",
             "person": "Ben Ortiz", "period": PERIOD, "tabs": json.dumps(["Self"]),
             "reasons": json.dumps(["Self!D5: 'L9' is no level of the ladder"]),
             "refused_at": T0},
        ])
    engine.dispose()


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every version-3 table, in the version-3 columns only, ordered by id."""
    engine = create_engine(resolve_url(url))
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for t in metadata.sorted_tables:
            order = list(t.primary_key.columns)
            out[t.name] = [tuple(r) for r in conn.execute(select(*t.columns).order_by(*order))]
    engine.dispose()
    return out
