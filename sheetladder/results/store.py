"""The history database: verified Reports collected over periods, in SQLite or PostgreSQL.

One code path (SQLAlchemy Core) serves both: a SQLite file by default, so ops can open it with
any SQLite tool, and a PostgreSQL URL for a shared ops database. The schema is created and
migrated when the database is opened, under a lock, and its version is kept in
``schema_version``.

Ingesting is idempotent; files are stored in batches, one transaction per batch (a file
refused or already held leaves nothing behind and the others go in: a batch that meets one is
stored again with a savepoint per file; a crash rolls back the batch, never part of a file):

* a file whose bytes were collected before adds nothing;
* the ratings of one rater (one tab) come from exactly one copy: a copy ingested later that
  differs replaces the held ratings as a whole (file times decide nothing; two copies in one
  batch that disagree never get here, ``collect`` refuses them), and the replaced ones stay as
  history (``superseded_by``). Copies are never mixed within one rater, and a blank tab in a
  copy replaces nothing;
* the scores of the assessment are then recomputed with the scoring rule from the current
  ratings of every rater, so copies returned separately by each rater add up. A person's first
  copy in a period is the whole assessment: it is written in five statements (the person, the
  assessment with its scores, the source, its ratings and scores in one executemany each) and
  nothing is read back (issue 17: ~1 ms per file, from ~5).

Concurrent collects are safe: SQLite transactions start with ``BEGIN IMMEDIATE`` (one writer at
a time, others wait up to the busy timeout), PostgreSQL ones lock the assessment row and rely on
unique constraints with ``ON CONFLICT DO NOTHING``; a batch writes its people in one order (by
name) so two batches cannot deadlock, and a batch PostgreSQL aborts anyway is stored again.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import itertools
import json
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, Field
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
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from .. import scoring
from ..context import email_hint, folded_key, is_email, person_key
from ..definition import Ladder
from ..errors import SheetladderError
from ..period import (
    Period,
    PeriodError,
    PeriodScheme,
    accepted_forms,
    normalise,
    order_of,
    period_hint,
    period_or_none,
    sort_key,
)
from ..results.report import Finding, Report, conflict_tab
from ..scoring import RaterInput

SCHEMA_VERSION = 5
DEFAULT_DB = Path("output") / "history.sqlite"
CONSENSUS = "consensus"
SQLITE_BUSY_TIMEOUT_MS = 60_000


class Refusal(BaseModel):
    """A returned file that collect refused, as the history keeps it for ``status``."""

    file: str
    content_hash: str
    person: str | None = None
    period: str | None = None
    tabs: list[str] = Field(default_factory=list, description="Rater tabs it held (if known).")
    reasons: list[str] = Field(default_factory=list)
    conflict_tabs: list[str | None] | None = Field(
        default=None, description="Per reason, the rater tab two copies disagree on (None: not "
                                  "a conflict); None as a whole for a refusal stored before "
                                  "schema version 4, whose reasons are their text alone.")
    workbook_period: str | None = Field(
        default=None, description="The period the refused workbook itself is for, when it "
                                  "could be read (``period`` may be the cycle's it was found in).")
    refused_at: str | None = None

    def conflict_tab_of(self, i: int) -> str | None:
        """The tab reason ``i`` is a conflict about, else None: as stored, or for a refusal
        stored before schema version 4, read back from the message (report.conflict_tab)."""
        if self.conflict_tabs is not None and len(self.conflict_tabs) == len(self.reasons):
            return self.conflict_tabs[i]
        return conflict_tab(self.reasons[i])


def finding_text(f: Finding) -> str:
    """A finding as ``sheet!cell: message`` (no severity: a refusal's reasons are errors)."""
    return str(f).removeprefix(f"{f.severity}: ")


class HistoryError(SheetladderError):
    """The database cannot be used: a bad URL, an unreachable server, a newer schema."""

    exit_code = 2


class HistoryLookupError(SheetladderError):
    """What was asked of the history names nothing it holds (a person, a period)."""


# -- schema ------------------------------------------------------------------------------------
# ``metadata`` is the current schema (version SCHEMA_VERSION). Migration 1 creates it; a later
# version must freeze migration 1's tables and add its own ALTERs to MIGRATIONS.

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
# collect looks a workbook's email up among the people held (one email is one person). Not
# part of the schema's version: made on every writable open where missing, as plain SQL both
# databases run (SQLAlchemy cannot reflect an index on an expression)
PEOPLE_EMAIL_INDEX = "CREATE INDEX IF NOT EXISTS ix_people_email ON people (lower(trim(email)))"

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
    Column("conflict_tabs", Text,
           comment="JSON list, one per reason: the tab two copies disagree on, or null; NULL "
                   "for a row stored before version 4 (its conflicts are read from the text)"),
    Column("workbook_period", String(100),
           comment="The period the workbook itself is for, when it could be read"),
)


def _migrate_1(history: History, conn: Connection) -> None:
    metadata.create_all(conn)


def _migrate_2(history: History, conn: Connection) -> None:
    """Team and managers per assessment, and the refused files. A new database already has them
    (migration 1 creates the current tables), so only what is missing is added."""
    have = {c["name"] for c in inspect(conn).get_columns("assessments")}
    for name in ("team", "managers"):
        if name not in have:
            conn.execute(text(f"ALTER TABLE assessments ADD COLUMN {name} TEXT"))
    refusals.create(conn, checkfirst=True)


def _scheme(definition: str) -> PeriodScheme | None:
    """The period scheme a stored ladder declares (None: calendar periods)."""
    declared = json.loads(definition).get("periods")
    return PeriodScheme.model_validate(declared) if declared else None


def _canonical(label: str, scheme: PeriodScheme | None) -> str | None:
    try:
        return normalise(label, scheme)
    except PeriodError:
        return None


def _migrate_3(history: History, conn: Connection) -> None:
    """Fold period labels stored before periods were checked into their canonical spelling.

    An assessment labelled ``2026q4`` becomes ``2026-Q4``; when the same person already has a
    ``2026-Q4`` assessment on the same ladder, the two are merged as collecting both copies
    would have: per rater tab the newer copy's ratings are current, the older ones are kept as
    history, and the scores are recomputed. Labels that are no period (``last quarter``), and
    two assessments on different ladders, are left as they are."""
    rows = conn.execute(
        select(assessments.c.id, assessments.c.person_id, assessments.c.period,
               assessments.c.ladder_hash, ladders.c.definition)
        .join(ladders, ladders.c.hash == assessments.c.ladder_hash)
        .order_by(assessments.c.id)).all()
    schemes: dict[str, PeriodScheme | None] = {}
    for r in rows:
        if r.ladder_hash not in schemes:
            schemes[r.ladder_hash] = _scheme(r.definition)
        canonical = _canonical(r.period, schemes[r.ladder_hash])
        if canonical is None or canonical == r.period:
            continue
        into = conn.execute(
            select(assessments.c.id, assessments.c.ladder_hash)
            .where(assessments.c.person_id == r.person_id, assessments.c.period == canonical)
        ).first()
        if into is None:
            conn.execute(assessments.update().where(assessments.c.id == r.id)
                         .values(period=canonical))
        elif into.ladder_hash == r.ladder_hash:
            ladder = Ladder.model_validate(json.loads(r.definition))
            history._fold(conn, ladder, r.id, into.id)


def _migrate_4(history: History, conn: Connection) -> None:
    """The tab of a stored conflict, and the period a refused workbook is for, as columns of
    their own (schema version 3 kept a conflict's tab in its message only). Rows stored before
    keep NULL there: ``status`` reads their conflicts from the message, as it did. Like every
    migration, this runs in the one transaction that records its version: a crash leaves the
    database at version 3, untouched."""
    have = {c["name"] for c in inspect(conn).get_columns("refusals")}
    if "conflict_tabs" not in have:
        conn.execute(text("ALTER TABLE refusals ADD COLUMN conflict_tabs TEXT"))
    if "workbook_period" not in have:
        conn.execute(text("ALTER TABLE refusals ADD COLUMN workbook_period VARCHAR(100)"))


def _migrate_5(history: History, conn: Connection) -> None:
    """People's keys in Unicode's composed form (:func:`person_key` now composes a name first):
    a name stored with a combining accent (``Di\u0301az``) is found again by the name typed
    with one letter, and is the person a new workbook of that name is stored as. A key that
    another person already holds in composed form (the one person held twice, apart) is left as
    it was: the two are not merged here, and ``history`` names them as two. The keys of stored
    refusals are composed the same way."""
    rows = conn.execute(select(people.c.id, people.c.key, people.c.name)).all()
    held = {r.key for r in rows}
    for r in rows:
        new = person_key(r.name)
        if new != r.key and new not in held:
            conn.execute(people.update().where(people.c.id == r.id).values(key=new))
            held.discard(r.key)
            held.add(new)
    for r in conn.execute(select(refusals.c.id, refusals.c.person, refusals.c.person_key)
                          .where(refusals.c.person_key.is_not(None))).all():
        new = person_key(r.person or "")
        if r.person and new != r.person_key:
            conn.execute(refusals.update().where(refusals.c.id == r.id).values(person_key=new))


_FIRST_TABLES = ("people", "assessments", "sources", "ratings", "scores", "ladders")  # migration 1

MIGRATIONS: dict[int, tuple[str, Any]] = {
    1: ("people, assessments, sources, ratings, scores, ladders", _migrate_1),
    2: ("assessments.team, assessments.managers, refusals", _migrate_2),
    3: ("period labels folded into their canonical spelling (2026q4 -> 2026-Q4)", _migrate_3),
    4: ("refusals.conflict_tabs, refusals.workbook_period", _migrate_4),
    5: ("people's keys in Unicode's composed form (NFC)", _migrate_5),
}


# -- small helpers -------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


def resolve_url(db: str | None) -> str:
    """A database URL from ``--db``: a SQLAlchemy URL, or a plain path to a SQLite file.

    ``postgresql://`` and ``postgres://`` use psycopg (v3); the default is
    ``output/history.sqlite`` under the current directory.
    """
    if not db:
        return f"sqlite:///{DEFAULT_DB}"
    if "://" not in db:
        return f"sqlite:///{db}"
    scheme, rest = db.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return db


# user[:password]@: the user ends at ":" or "/", the password at the last "@" (it may hold
# ":", "/", "?", "#" and "@": SQLAlchemy would end it at the first "@" and take the rest for
# the host, which a message would then print). A query holding an "@" is masked too: a
# message saying too little is no leak
_URL_PASSWORD = re.compile(r"^([\w+]+://[^:/@]*:).*@", re.S)


def mask_password(db: str) -> str:
    """``db`` as given, with the password of a URL replaced by ``***``
    (``postgresql://ana:***@db.example.com/hr``); a path or a URL without one, unchanged."""
    return _URL_PASSWORD.sub(r"\1***@", db) if "://" in db else db


def display_url(url: str) -> str:
    """How messages name the database: a SQLite file by its path, any other by its URL as
    given, without the password (:func:`mask_password`, which also hides a password holding an
    unencoded "@" that SQLAlchemy's own masking would print in part as the host)."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        return mask_password(url)
    if u.get_backend_name() == "sqlite" and u.database:
        return u.database
    return mask_password(url)


def report_content_hash(report: Report) -> str:
    """The file's sha256, or for a source without bytes (a Google Sheet) a hash of its content."""
    if report.content_hash:
        return report.content_hash
    payload = json.dumps({
        "person": report.person, "period": report.period,
        "ladder": report.ladder.hash if report.ladder else None,
        "inputs": [i.model_dump(mode="json") for i in report.inputs],
    }, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _shell(text: str) -> str:
    """``text`` as one shell word, for a command a message suggests."""
    import shlex

    return shlex.quote(text)


def refused_tabs(report: Report) -> list[str]:
    """The rater tabs a refused file leaves uncollected, for ``status``: those it holds ratings
    or comments on, and those its errors are on (a tab whose every rating is wrong holds none
    that count, and is the very one to chase). A tab neither filled nor wrong is still just
    missing."""
    wrong = {f.sheet.casefold() for f in report.errors if f.sheet}
    return [i.tab for i in report.inputs if has_content(i) or i.tab.casefold() in wrong]


def has_content(inp: RaterInput) -> bool:
    """Whether a rater's tab holds anything to store: a rating, or a comment."""
    return any(v is not None for v in inp.levels.values()) or any(
        (c or "").strip() for c in inp.comments.values())


# -- results of ingesting ------------------------------------------------------------------------

Status = Literal["added", "updated", "unchanged", "empty", "refused"]


@dataclass
class IngestResult:
    """What one file did to the history."""

    file: str
    status: Status
    person: str | None = None
    period: str | None = None
    findings: list[Finding] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # rater tabs whose held ratings it replaced
    replaced_from: dict[str, str] = field(default_factory=dict)  # tab -> the file it replaced
    added_tabs: list[str] = field(default_factory=list)  # tabs it gave an assessment held first
    left_out: list[str] = field(default_factory=list)  # its tabs --keep overruled (not stored)
    warnings: list[Finding] = field(default_factory=list)
    tabs: list[str] = field(default_factory=list)  # the rater tabs it holds, filled in
    content_hash: str | None = None  # what a refusal is recorded under
    # the period the workbook says it is for, when ``period`` is left empty for a refusal
    # recorded under the cycle's period (a workbook of another cycle)
    workbook_period: str | None = None


IngestItem = (tuple[Report, Ladder | None, datetime | None]
              | tuple[Report, Ladder | None, datetime | None, bool])
"""One report for :meth:`History.ingest_many`: the arguments of :meth:`History.ingest`
(``report, ladder, modified``, and optionally ``held_even_if_empty``)."""


class _Refused(Exception):
    def __init__(self, *messages: str):
        super().__init__("; ".join(messages))
        self.messages = messages


class _Unchanged(Exception):
    pass


class _NeedsSavepoints(Exception):
    """A batch stored without savepoints met a file that must leave nothing behind (refused,
    already held, or stored first by a concurrent collect): the batch is rolled back and
    stored again with a savepoint per file."""


# -- records read back, for exports and the history command ---------------------------------------


@dataclass
class CategoryRecord:
    id: str
    name: str
    weight: float
    consensus_level: float | None
    consensus_points: float | None
    self_gap: float | None
    next_level: str | None
    role_means: dict[str, float | None]


@dataclass
class RatingRecord:
    rater_tab: str
    rater_role: str
    rater_name: str | None
    category_id: str
    level_index: int | None
    level: str | None
    points: float | None
    comment: str | None
    source_file: str
    superseded_by_file: str | None


@dataclass
class AssessmentRecord:
    id: int
    person: str
    person_key: str
    email: str | None
    period: str
    ladder_id: str
    ladder_version: str
    ladder_hash: str
    total_points: float | None
    level_index: int | None
    level: str | None
    progress_to_next: float | None
    rated_categories: int
    categories_count: int
    raters: int
    source_file: str | None
    content_hash: str | None
    warnings: list[str]
    updated_at: datetime
    team: str | None = None
    managers: list[str] = field(default_factory=list)
    categories: list[CategoryRecord] = field(default_factory=list)
    period_order: tuple[Any, ...] = ()  # where ``period`` falls in time (period.sort_key)
    # ``period`` as a span of time in its ladder's scheme (None: a label that is no period),
    # for period.previous_of: the period before this one is the latest that ends before it
    when: Period | None = None


# -- the store -------------------------------------------------------------------------------------


_WRITE_OPTION = "sheetladder_write"


def _sqlite_engine(url: str, read_only: bool = False) -> Engine:
    u = make_url(url)
    if read_only:
        return _sqlite_read_only(url, u.database or "")
    if u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event (below) open transactions, not the sqlite3 module.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock at the start, so two collects never both read then both
        # write; readers use a deferred BEGIN and, with WAL, never wait for a writer.
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _sqlite_read_only(url: str, database: str) -> Engine:
    """A SQLite file opened read-only, as export and history need: it may sit on a read-only
    mount or belong to someone else. A file that cannot be written is opened ``mode=ro`` (and,
    a WAL file whose folder is read-only having no -shm index to make, ``immutable``: nobody
    can be writing to it); one that can is opened with ``query_only``."""
    import sqlite3
    from urllib.parse import quote

    path = Path(database).expanduser()
    if not path.is_file():
        raise HistoryError(f"{display_url(url)}: no history database here (no such file; collect "
                           "creates one; give --db or set SHEETLADDER_DB to use another)")
    base = "file:" + quote(str(path.resolve()))

    def connect() -> sqlite3.Connection:
        if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
            # writable after all: a read-write connection that refuses writes, which (unlike
            # mode=ro) removes the -wal and -shm files when it closes
            conn = sqlite3.connect(base + "?mode=rw", uri=True, check_same_thread=False,
                                   timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
            conn.execute("PRAGMA query_only=ON")
            conn.isolation_level = None
            return conn
        conn = sqlite3.connect(base + "?mode=ro", uri=True, check_same_thread=False,
                               timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if os.access(path.parent, os.W_OK):
                raise
            # "attempt to write a readonly database": a WAL file with no -shm index to make
            conn = sqlite3.connect(base + "?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False)
        conn.isolation_level = None
        return conn

    engine = create_engine("sqlite://", creator=connect)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _set_wal(cur: Any) -> None:
    """Switch a SQLite file to WAL. Two collects opening a new file at once both try it, and
    SQLite answers "locked" at once (not after busy_timeout) to the one that loses: retry that,
    for as long as busy_timeout would have waited."""
    import sqlite3
    import time

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class History:
    """An open history database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, db: str | None = None, *, read_only: bool = False, older: bool = False,
                 scratch: bool = False):
        """Open (creating or migrating it unless ``read_only``) the database ``db``.

        ``read_only`` is for commands that only read it: they never create, migrate or change
        a database, and one that does not exist is a HistoryError naming it, rather than an
        empty one made where the command happened to run. Every database error, here and in
        later calls, becomes one HistoryError naming the database (password hidden); a failed
        transaction leaves nothing behind. ``older`` lets a read-only open take an older schema
        as it is (only :meth:`schema_version` is then of use: ``sheetladder migrate``'s probe).
        ``scratch``: a history made for one command and deleted after it (``report
        WORKBOOKS``), whose refusals never suggest a command on it."""
        self.scratch = scratch
        self.url = resolve_url(db)
        self.given = db  # as the user gave it (--db or SHEETLADDER_DB), for the hints
        self.name = display_url(self.url)
        self.read_only = read_only
        self._older = older
        try:
            if self.url.startswith("sqlite"):
                self.engine = _sqlite_engine(self.url, read_only)
            else:
                self.engine = create_engine(self.url, pool_pre_ping=True)
        except ImportError as e:
            raise HistoryError(
                f"{display_url(self.url)}: the database driver is not installed ({e}); for "
                "PostgreSQL: pip install 'sheetladder[postgres]'") from e
        except (ArgumentError, ValueError) as e:  # ValueError: a port that is not a number
            raise HistoryError(f"{display_url(self.url)}: cannot use this database URL: "
                               f"{_one_line(e)}") from None
        except OSError as e:  # the folder for a SQLite file cannot be made
            raise HistoryError(f"{display_url(self.url)}: cannot create the database file "
                               f"({e.strerror or e})") from e
        self.dialect = self.engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise HistoryError(f"{display_url(self.url)}: only SQLite and PostgreSQL are supported")
        # Both dialects' insert() offer the same on_conflict_do_nothing(index_elements=...).
        self._insert: Any = sqlite_insert if self.dialect == "sqlite" else pg_insert
        self._writer = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._ladder_cache: dict[str, Ladder] = {}
        try:
            with self.engine.connect() as conn:  # reads only: a refused database is untouched
                if self.dialect == "postgresql":
                    # One snapshot for every read of the check: read committed, a collect
                    # creating the history meanwhile would show its tables but not yet its
                    # schema_version, and they would look like a foreign database's. (SQLite's
                    # deferred BEGIN already reads one snapshot.)
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                self._check_schema(conn, self._held_version(conn), read_only=read_only)
            if not read_only:
                if self.dialect == "sqlite":
                    self._enable_wal()
                self._migrate()
        except SQLAlchemyError as e:  # not a database, unreachable server, no permission ...
            self.engine.dispose()
            raise HistoryError(f"{display_url(self.url)}: cannot open the database: "
                               f"{_db_reason(e)}") from None
        except HistoryError:
            self.engine.dispose()
            raise
        event.listen(self.engine, "handle_error", self._handle_error)
        # ladders known to be committed in the history, and those written by the open batch
        self._stored_ladders: set[str] = set()
        self._pending_ladders: set[str] = set()

    # -- lifecycle
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self._writer.begin() as conn:
            if self.dialect == "postgresql":
                # Serialise concurrent first opens; released at commit.
                conn.execute(text("SELECT pg_advisory_xact_lock(582147)"))
            self._check_schema(conn, self._held_version(conn), read_only=False)
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(select(func.max(schema_version.c.version))).scalar() or 0
            for version in range(current + 1, SCHEMA_VERSION + 1):
                note, step = MIGRATIONS[version]
                step(self, conn)
                conn.execute(schema_version.insert().values(
                    version=version, applied_at=_now(), note=note))
            self._check_schema(conn, SCHEMA_VERSION, read_only=False)
            conn.execute(text(PEOPLE_EMAIL_INDEX))

    def _enable_wal(self) -> None:
        """WAL mode (a property of the file, kept once set): readers never wait for a writer."""
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            _set_wal(cur)
            cur.close()
        finally:
            raw.close()

    def _held_version(self, conn: Connection) -> int | None:
        """The schema version the database holds; None when it has no schema_version table."""
        from sqlalchemy import inspect

        if not inspect(conn).has_table(schema_version.name):
            return None
        try:
            return int(conn.execute(select(func.max(schema_version.c.version))).scalar() or 0)
        except (SQLAlchemyError, TypeError, ValueError):
            raise HistoryError(f"{display_url(self.url)}: its schema_version table is not "
                               "sheetladder's; use another database") from None

    def _check_schema(self, conn: Connection, version: int | None, *, read_only: bool) -> None:
        """Refuse a database whose tables are not the ones its schema version says: a foreign
        table named like one of ours, tables missing under a schema_version row, a newer
        schema. Checked before anything is created, so a refused database is left untouched."""
        from sqlalchemy import inspect

        db = display_url(self.url)
        if version is not None and version > SCHEMA_VERSION:
            raise HistoryError(
                f"{db}: the database has schema version {version}, newer than this sheetladder "
                f"understands ({SCHEMA_VERSION}); upgrade sheetladder")
        insp = inspect(conn)
        held = set(insp.get_table_names())
        ours = [t for t in metadata.sorted_tables if t.name != schema_version.name]
        if not version:
            if read_only:
                raise HistoryError(f"{db}: no history database here: it holds no sheetladder "
                                   "tables (collect creates them)")
            clash = sorted(t.name for t in ours if t.name in held)
            if clash:
                raise HistoryError(f"{db}: holds table(s) {', '.join(clash)} that sheetladder did "
                                   "not create; use an empty database or a sheetladder history")
            return
        if version < SCHEMA_VERSION:  # migrations add tables and columns: the first ones only
            for name in _FIRST_TABLES:
                if name not in held:
                    raise HistoryError(f"{db}: table {name!r} is missing although the database "
                                       f"says schema version {version}; restore it from a backup")
            if read_only and not self._older:
                raise HistoryError(
                    f"{db}: schema version {version} is older than this sheetladder's "
                    f"({SCHEMA_VERSION}); run `sheetladder migrate` (or a collect) to bring it "
                    "up to date")
            return
        for t in ours:
            if t.name not in held:
                raise HistoryError(f"{db}: table {t.name!r} is missing although the database says "
                                   f"schema version {version}; restore it from a backup")
            have = {c["name"] for c in insp.get_columns(t.name)}
            missing = [c.name for c in t.columns if c.name not in have]
            if missing:
                raise HistoryError(f"{db}: table {t.name!r} lacks column(s) {', '.join(missing)}; "
                                   "it is not sheetladder's")

    def _handle_error(self, ctx: Any) -> None:
        """Every database error but a constraint violation or a PostgreSQL deadlock (which
        ingest retries) becomes one HistoryError naming the database: a full disk, an I/O
        error, a lost server... An exception that is not the database's (a bug, an interrupt)
        goes on as it is."""
        exc = ctx.sqlalchemy_exception
        if exc is None:  # SQLAlchemy wraps every error of the driver: this one is not
            return
        self._database_error(exc)

    def _database_error(self, exc: BaseException) -> None:
        """:meth:`_handle_error`'s rule for one error SQLAlchemy raised (or :meth:`_run`
        made as it would): raises the HistoryError, or returns for what ingest retries."""
        if isinstance(exc, IntegrityError) or _retryable(exc):
            return
        raise HistoryError(f"{display_url(self.url)}: database error: "
                           f"{_db_reason(exc)}") from None

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(schema_version.c.version))).scalar() or 0)

    # -- ingest
    def ingest(self, report: Report, ladder: Ladder | None = None,
               modified: datetime | None = None, held_even_if_empty: bool = False
               ) -> IngestResult:
        """Store one verified report in one transaction. ``ladder`` is the definition the
        workbook embeds (needed the first time a ladder is seen); ``modified`` is when the copy
        was saved (kept with it, never used to choose between copies: a copy ingested later
        that differs from a rater's tab held replaces it, and the result names what it
        replaced). ``held_even_if_empty`` stores the copy's hash even when it holds nothing to
        store (its tabs were overruled by ``--keep``), so that collecting it again adds nothing."""
        return self.ingest_many([(report, ladder, modified, held_even_if_empty)])[0]

    def ingest_many(self, items: Sequence[IngestItem]) -> list[IngestResult]:
        """Store verified reports, in order, in one transaction.

        Each item is ``(report, ladder, modified)`` or ``(report, ladder, modified,
        held_even_if_empty)``, the arguments of :meth:`ingest`, and is applied exactly as
        :meth:`ingest` would apply it alone: one that is refused or already held leaves nothing
        behind (the batch is then stored again with a savepoint per report, which it rolls back
        to), and the others still go in. The batch commits
        as a whole, so a crash leaves either every report of the batch or none, never part of
        one; collecting the batch again adds what is missing. Batching saves the commit and the
        lock per file (issue 17)."""
        results: list[IngestResult] = []
        todo: list[tuple[int, Report, Ladder | None, datetime, bool]] = []
        for item in items:
            report, ladder, modified = item[0], item[1], item[2]
            held_even_if_empty = bool(item[3]) if len(item) > 3 else False
            res = IngestResult(file=report.file, status="refused", person=report.person,
                               period=report.period,
                               warnings=[f for f in report.findings if f.severity == "warning"],
                               tabs=[i.tab for i in report.inputs if has_content(i)],
                               content_hash=report.content_hash or (
                                   report_content_hash(report) if report.person else None))
            results.append(res)
            if report.errors:
                res.findings = list(report.errors)
                res.tabs = refused_tabs(report)
                continue
            try:
                self._check(report, ladder)
            except _Refused as e:
                res.findings = [Finding(severity="error", message=m) for m in e.messages]
                continue
            if not held_even_if_empty and not any(has_content(i) for i in report.inputs):
                res.status = "empty"  # not filled in yet: nothing to store, nothing wrong
                continue
            todo.append((len(results) - 1, report, ladder, modified or _now(),
                         held_even_if_empty))
        if not todo:
            return results
        # PostgreSQL takes row locks in the order rows are written: writing people in one order
        # in every batch keeps two concurrent collects from deadlocking. Files of one person and
        # period keep their order (the copy given later is applied later).
        todo.sort(key=lambda t: (person_key(t[1].person or ""), _period_of(t[1], t[2])))
        # A savepoint per file costs two statements a file. Most batches have no file to roll
        # back, so a batch of several goes in without them first; one that meets such a file
        # is rolled back whole (nothing of it was committed, nobody saw it) and stored again
        # with them, so each file is applied exactly as it would be alone either way.
        savepoints = len(todo) == 1
        deadlocks = 0
        while True:
            fresh = {t[0]: self._fresh_result(results[t[0]]) for t in todo}
            try:
                with self._writer.begin() as conn:
                    for i, report, ladder, modified, as_held in todo:
                        if savepoints:
                            self._ingest_saved(conn, report, ladder, modified, fresh[i],
                                               as_held)
                        else:
                            self._ingest_unsaved(conn, report, ladder, modified, fresh[i],
                                                 as_held)
                for i, res in fresh.items():
                    results[i] = res
                self._stored_ladders.update(self._pending_ladders)
                return results
            except _NeedsSavepoints:
                savepoints = True  # (once: with savepoints, no file raises it)
            except OperationalError as e:
                # PostgreSQL broke a deadlock with another collect by aborting this batch
                # (_handle_error lets only that through): store the batch again, at most
                # three times in all, whichever way it is stored
                deadlocks += 1
                if deadlocks == 3:
                    raise HistoryError(f"{display_url(self.url)}: database error: "
                                       f"{_db_reason(e)}") from None
            finally:
                self._pending_ladders.clear()

    @staticmethod
    def _fresh_result(res: IngestResult) -> IngestResult:
        return IngestResult(file=res.file, status="refused", person=res.person,
                            period=res.period, warnings=list(res.warnings), tabs=list(res.tabs),
                            content_hash=res.content_hash)

    def _ingest_unsaved(self, conn: Connection, report: Report, ladder: Ladder | None,
                        modified: datetime, result: IngestResult,
                        held_even_if_empty: bool = False) -> None:
        """One report of a batch stored without savepoints; :class:`_NeedsSavepoints` when it
        must leave nothing behind, which only a savepoint can undo alone."""
        result.replaced, result.replaced_from, result.added_tabs = [], {}, []
        try:
            self._ingest(conn, report, ladder, modified, result, held_even_if_empty)
        except (_Unchanged, _Refused, IntegrityError):
            raise _NeedsSavepoints() from None

    def _ingest_saved(self, conn: Connection, report: Report, ladder: Ladder | None,
                      modified: datetime, result: IngestResult,
                      held_even_if_empty: bool = False) -> None:
        """One report under its own savepoint, retried when a concurrent collect stored the
        same file or person first."""
        for attempt in range(3):
            result.replaced, result.replaced_from, result.added_tabs = [], {}, []
            pending = set(self._pending_ladders)
            sp = conn.begin_nested()
            try:
                self._ingest(conn, report, ladder, modified, result, held_even_if_empty)
                sp.commit()
                return
            except _Unchanged:
                sp.rollback()
                self._pending_ladders.intersection_update(pending)
                result.status = "unchanged"
                result.replaced, result.replaced_from, result.added_tabs = [], {}, []
                return
            except _Refused as e:
                sp.rollback()
                self._pending_ladders.intersection_update(pending)
                result.status = "refused"
                result.findings = [Finding(severity="error", message=m) for m in e.messages]
                return
            except IntegrityError:
                # A concurrent collect stored the same file or person first: look again.
                sp.rollback()
                self._pending_ladders.intersection_update(pending)
                result.replaced, result.replaced_from, result.added_tabs = [], {}, []
                if attempt == 2:
                    raise

    def _check(self, report: Report, ladder: Ladder | None) -> None:
        problems: list[str] = []
        if not (report.person or "").strip():
            problems.append("the workbook names no person")
        if not (report.period or "").strip():
            problems.append("the workbook has no period (render it with --period) and cannot "
                            "go into a history of periods")
        if report.ladder is None:
            problems.append("the workbook names no ladder")
        elif ladder is not None and ladder.content_hash() != report.ladder.hash:
            problems.append("the ladder definition given does not match the workbook's ladder hash")
        if problems:
            raise _Refused(*problems)

    def _ladder_for(self, conn: Connection, ref_hash: str, given: Ladder | None) -> Ladder:
        if given is not None:
            self._ladder_cache[ref_hash] = given
            if ref_hash not in self._stored_ladders and ref_hash not in self._pending_ladders:
                stmt = self._insert(ladders).values(
                    hash=ref_hash, ladder_id=given.id, version=given.version, name=given.name,
                    definition=given.canonical_json(),
                ).on_conflict_do_nothing(index_elements=["hash"])
                conn.execute(stmt)
                self._pending_ladders.add(ref_hash)
            return given
        cached = self._ladder_cache.get(ref_hash)
        definition = conn.execute(
            select(ladders.c.definition).where(ladders.c.hash == ref_hash)).scalar()
        if definition is None:
            raise _Refused(f"the ladder definition (hash {ref_hash[:12]}) is not in the history; "
                           "collect the workbook itself, which embeds it")
        if cached is None:
            cached = Ladder.model_validate(json.loads(definition))
            self._ladder_cache[ref_hash] = cached
        return cached

    def _ingest(self, conn: Connection, report: Report, given: Ladder | None, modified: datetime,
                result: IngestResult, held_even_if_empty: bool = False) -> None:
        assert report.ladder is not None and report.person and report.period
        chash = report_content_hash(report)
        ladder = self._ladder_for(conn, report.ladder.hash, given)
        now = _now()
        sql = self._fast_sql
        dt = self._bind_dt
        person = report.person.strip()
        try:
            period = normalise(report.period, ladder.periods)
        except PeriodError as e:
            raise _Refused(f"the workbook's period: {e}") from None
        result.period = period
        self._check_email(conn, person, report.email)
        person_id = self._run(conn, sql["person"],
                              (person_key(person), person, report.email, dt(now)))[0][0]
        # who the person is with: as the latest copy says (an older file without them keeps
        # what is held); written with the assessment, or with the rescore's update
        about: dict[str, Any] = {}
        if report.team:
            about["team"] = report.team
        if report.managers:
            about["managers"] = _dumps(report.managers)
        present = [i for i in report.inputs if has_content(i)]
        warnings = [str(f) for f in report.findings if f.severity == "warning"]
        # A person's first copy in a period: its ratings are all the assessment holds, so the
        # assessment is written once, with its scores, and nothing is read back.
        # A copy some of whose tabs --keep overruled was scored by the reader with them: its
        # figures are computed again from what it holds now.
        sc = self._score_of(report, ladder, present, trust_report=not held_even_if_empty)
        got = self._run(conn, sql["assessment"], (
            person_id, period, report.ladder.id, report.ladder.version, report.ladder.hash,
            report.file, chash, _dumps(_unique(warnings)), sc.total_points, sc.level_index,
            sc.level, sc.progress_to_next,
            sum(1 for c in sc.categories if c.consensus_level is not None),
            len(ladder.categories), len(present), dt(now), dt(now),
            about.get("team"), about.get("managers")))
        aid = got[0][0] if got else None
        if aid is None:
            self._ingest_into(conn, report, ladder, chash, person_id, period, modified, now,
                              present, result, about)
            return
        source_id = self._run(conn, sql["source"], (
            aid, report.file, chash, dt(_utc(modified)), dt(now),
            _dumps([i.tab for i in present]), _dumps(warnings)))[0][0]
        rows = [row for inp in present for row in _rating_rows(ladder, aid, source_id, inp)]
        if rows:  # none for a copy held only for its hash (held_even_if_empty)
            self._insert_rows(conn, ratings, _RATING_COLUMNS, rows)
        self._insert_rows(conn, scores, _SCORE_COLUMNS, _score_rows(ladder, aid, present, sc))
        result.status = "added"

    def _check_email(self, conn: Connection, person: str, email: str | None) -> None:
        """One email is one person, and one person one email: a workbook whose person's email
        the history holds for a person of another name (``Ana Díaz`` where ``Ana Diaz`` is
        held) is refused, not stored as a second person whose periods would never meet the
        first's; so is one naming a held person with another email (a namesake would be merged
        into them). A workbook without an email, or a person held without one, is no
        conflict."""
        mail = (email or "").strip().lower()
        if not mail:
            return
        key = person_key(person)
        # the people holding this email, and this person: one statement (two indexes)
        held_rows = [_PersonHeld(*r) for r in
                     self._run(conn, self._fast_sql["email or person held"], (mail, key))]
        others = [r for r in held_rows if r.key != key]
        if not others:
            mine = next((r for r in held_rows if r.key == key), None)
            held_mail = (mine.email or "").strip() if mine is not None else ""
            if mine is not None and held_mail and held_mail.lower() != mail:
                if self.scratch:
                    raise _Refused(
                        f"{mine.name!r} has the email {held_mail} in another "
                        f"workbook given, but this one gives {email.strip() if email else ''}: "
                        "one person is one email. Leave out the workbook of the wrong email, "
                        "or correct it in the roster and render that workbook again")
                raise _Refused(
                    f"{mine.name!r} is held with the email {held_mail}, but this "
                    f"workbook gives {email.strip() if email else ''}: one person is one "
                    "email. If it is the same person with a new email, set it in the history "
                    f"(sheetladder history {_shell(mine.name)} --email "
                    f"{_shell(email.strip() if email else '')}{self._db_hint()}), then collect "
                    "again; if it is another person of the same name, give them a name that "
                    "tells the two apart in the roster and render their workbook again")
            return
        held = others[0]
        periods = sorted(conn.execute(
            select(assessments.c.period).where(assessments.c.person_id == held.id).distinct()
        ).scalars().all())
        where = f" ({', '.join(periods)})" if periods else ""
        if self.scratch:
            raise _Refused(
                f"{email.strip() if email else ''} is {held.name!r}'s in another workbook "
                f"given{where}, but this one names {person!r}: one email is one person. If "
                "they are one person spelt two ways, render the workbooks again under one "
                "name; if not, the email is wrong: correct it in the roster and render this "
                "person's workbook again")
        raise _Refused(
            f"{email.strip() if email else ''} is held for {held.name!r}{where}, but this "
            f"workbook names {person!r}: one email is one person. If they are the same "
            f"person, rename them in the history (sheetladder history {_shell(held.name)} "
            f"--rename {_shell(person)}{self._db_hint()}), then collect again; if not, the "
            "email is wrong: "
            "correct it in the roster and render this person's workbook again")

    def _db_hint(self) -> str:
        """What a suggested ``sheetladder history`` command needs to reach this history: nothing
        for the default one; for another, ``--db`` as it was given (a path as typed, relative
        or not), with a URL's password masked: it is never written out (a refusal's message
        is stored, and printed)."""
        if self.url == resolve_url(None) or not self.given:
            return ""
        shown = mask_password(self.given)
        hint = f" --db {_shell(shown)}"
        return hint if shown == self.given else hint + ", with the password in place of ***"

    def rename_person(self, query: str, new_name: str) -> tuple[str, str, int]:
        """Give the person ``query`` (a name or an email) names the name ``new_name`` in every
        period held: (old name, new name, assessments held). Refused (HistoryLookupError) when
        the new name is another person's: merging two people is not something a rename does."""
        name = " ".join(new_name.split())
        if not name:
            raise HistoryLookupError("--rename needs a name")
        key, old, _ = self.person(query)
        new_key = person_key(name)
        with self._writer.begin() as conn:
            taken = conn.execute(select(people.c.name).where(people.c.key == new_key)
                                 ).scalar() if new_key != key else None
            if taken is not None:
                raise HistoryLookupError(
                    f"{taken!r} is already another person in the history {self.name}; a "
                    "rename does not merge two people")
            pid = conn.execute(select(people.c.id).where(people.c.key == key)).scalar_one()
            conn.execute(people.update().where(people.c.id == pid).values(key=new_key, name=name))
            held = conn.execute(select(func.count()).select_from(assessments)
                                .where(assessments.c.person_id == pid)).scalar_one()
        return old, name, int(held)

    def set_email(self, query: str, email: str) -> tuple[str, str | None, str]:
        """Give the person ``query`` names the email ``email``: (name, old email, new email).
        Refused (HistoryLookupError) when another person is held with it."""
        mail = email.strip()
        if not is_email(mail):
            raise HistoryLookupError(f"--email {email!r} is not an email address"
                                     f"{email_hint(mail)}")
        key, name, old = self.person(query)
        with self._writer.begin() as conn:
            taken = conn.execute(select(people.c.name).where(
                func.lower(func.trim(people.c.email)) == mail.lower(),
                people.c.key != key)).scalar()
            if taken is not None:
                raise HistoryLookupError(
                    f"{mail} is already {taken!r}'s email in the history {self.name}")
            conn.execute(people.update().where(people.c.key == key).values(email=mail))
        return name, old, mail

    @functools.cached_property
    def _fast_sql(self) -> dict[str, str]:
        """The statements of a first copy, as plain SQL that SQLite (3.35+) and PostgreSQL both
        run: building and compiling SQLAlchemy statements cost more than running them."""
        mark = "?" if self.dialect == "sqlite" else "%s"

        def insert(table: Table, names: Sequence[str], tail: str = "") -> str:
            return (f"INSERT INTO {table.name} ({', '.join(names)}) "
                    f"VALUES ({', '.join([mark] * len(names))}){tail}")

        return {
            "person": insert(people, ("key", "name", "email", "created_at"),
                             " ON CONFLICT (key) DO UPDATE SET name = excluded.name, "
                             "email = COALESCE(excluded.email, people.email) RETURNING id"),
            "assessment": insert(assessments, (
                "person_id", "period", "ladder_id", "ladder_version", "ladder_hash",
                "source_file", "content_hash", "warnings", "total_points", "level_index",
                "level", "progress_to_next", "rated_categories", "categories", "raters",
                "created_at", "updated_at", "team", "managers"),
                " ON CONFLICT (person_id, period) DO NOTHING RETURNING id"),
            "source": insert(sources, ("assessment_id", "file", "content_hash", "modified",
                                       "collected_at", "tabs", "warnings"), " RETURNING id"),
            # (the lookup ix_people_email serves: keep the expression as it is written there)
            "email or person held": f"SELECT id, name, email, key FROM people WHERE "
                                    f"lower(trim(email)) = {mark} OR key = {mark} ORDER BY id",
        }

    def _insert_rows(self, conn: Connection, table: Table, names: Sequence[str],
                     rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (columns ``names``) a few hundred parameters per statement: one
        INSERT of many rows costs SQLite and PostgreSQL much less than as many one-row
        statements (a file's ratings are a statement, not 72)."""
        per = max(1, _PARAMS_PER_INSERT // len(names))
        mark = "?" if self.dialect == "sqlite" else "%s"
        for i in range(0, len(rows), per):
            chunk = rows[i:i + per]
            self._run(conn, _multi_insert(table.name, tuple(names), len(chunk), mark),
                      tuple(itertools.chain.from_iterable(chunk)))

    def _run(self, conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """Run one of :attr:`_fast_sql`'s statements (or a multi-row INSERT) on the driver's
        own cursor, in ``conn``'s transaction, and return the rows it gives back (RETURNING).
        SQLAlchemy's work around each statement cost as much as SQLite's running it, six
        statements a file (issue 17). A driver error becomes the exception SQLAlchemy would
        raise, and goes through :meth:`_database_error` as any other does. These statements do
        not reach SQLAlchemy's ``before_cursor_execute`` and ``after_cursor_execute`` events:
        to watch or fail them (tests, benchmarks), wrap this method."""
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn is not None
        dialect = self.engine.dialect
        error = dialect.loaded_dbapi.Error
        cur = dbapi_conn.cursor()
        try:
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description is not None else []
        except error as e:
            exc = DBAPIError.instance(sql, params, e, error, dialect=dialect)
            if dialect.is_disconnect(e, dbapi_conn, cur):
                conn.invalidate(e)  # as SQLAlchemy does: the connection is not used again
            self._database_error(exc)
            raise exc from e
        finally:
            try:
                cur.close()
            except error:  # a cursor of a lost connection: its error is the one above
                pass

    @functools.cached_property
    def _bind_dt(self) -> Callable[[datetime], Any]:
        """A datetime as the dialect's DateTime type stores it (SQLite: text)."""
        proc = DateTime().dialect_impl(self.engine.dialect).bind_processor(self.engine.dialect)
        return proc if proc is not None else (lambda v: v)

    def _ingest_into(self, conn: Connection, report: Report, ladder: Ladder, chash: str,
                     person_id: int, period: str, modified: datetime, now: datetime,
                     present: list[RaterInput], result: IngestResult,
                     about: Mapping[str, Any]) -> None:
        """A copy for an assessment already held: replace the tabs it holds that differ from
        those held, then rescore (and set the team and managers it gives)."""
        assert report.ladder is not None
        # Lock the assessment: concurrent files of the same person and period queue here.
        arow = conn.execute(
            select(assessments.c.id, assessments.c.ladder_hash, assessments.c.ladder_id,
                   assessments.c.ladder_version, assessments.c.team, assessments.c.managers)
            .where(assessments.c.person_id == person_id, assessments.c.period == period)
            .with_for_update()
        ).one()
        if conn.execute(select(sources.c.id).where(sources.c.content_hash == chash)).first():
            raise _Unchanged()
        if arow.ladder_hash != report.ladder.hash:
            who = report.person.strip() if report.person else ""
            raise _Refused(
                f"{who}, {period} is already held on ladder {arow.ladder_id} version "
                f"{arow.ladder_version} (hash {arow.ladder_hash[:12]}), but this workbook is "
                f"ladder {report.ladder.id} version {report.ladder.version} (hash "
                f"{report.ladder.hash[:12]}); copies made from different definitions cannot be "
                f"combined into one assessment: render {who}'s workbook for {period} from the "
                f"ladder held ({arow.ladder_id} {arow.ladder_version}), or give the other "
                "ladder's assessment a period of its own")
        aid = arow.id
        source_id = self._insert_source(conn, aid, report, chash, modified, now, present)
        applied = [self._apply_tab(conn, ladder, aid, source_id, inp, now, result)
                   for inp in present]
        if not any(applied) and all(getattr(arow, k) == v for k, v in about.items()):
            # another file holding what is held (saved again, copied): its hash is kept, so
            # that collecting it again costs nothing, and nothing held changes
            result.status = "unchanged"
            return
        self._rescore(conn, ladder, aid, report.file, chash, now, about)
        result.status = "updated"

    def _insert_source(self, conn: Connection, aid: int, report: Report, chash: str,
                       modified: datetime, now: datetime, present: list[RaterInput]) -> int:
        return int(conn.execute(sources.insert().values(
            assessment_id=aid, file=report.file, content_hash=chash, modified=_utc(modified),
            collected_at=now, tabs=_dumps([i.tab for i in present]),
            warnings=_dumps([str(f) for f in report.findings if f.severity == "warning"]),
        ).returning(sources.c.id)).scalar_one())

    @staticmethod
    def _score_of(report: Report, ladder: Ladder, present: list[RaterInput],
                  trust_report: bool = True) -> scoring.Score:
        """The scores of ``present`` alone. The reader scored the report with the same rule
        from the same ratings (blank tabs add nothing), so its figures are used when they are
        for this ladder's categories and are the reader's own (not withheld, not recomputed
        from another ladder, no tab emptied since); otherwise they are computed."""
        roles = {role.id for role in ladder.raters}
        if (trust_report and report.figures_withheld is None and report.figures_from is None
                and [c.id for c in report.categories] == [c.id for c in ladder.categories]
                and all(i.role in roles for i in present)):
            return scoring.Score.model_construct(
                raters=[], categories=report.categories, total_points=report.total_points,
                level_index=report.level_index, level=report.level,
                progress_to_next=report.progress_to_next, held_back=report.held_back)
        return scoring.score(ladder, [i for i in present if i.role in roles])

    def _apply_tab(self, conn: Connection, ladder: Ladder, aid: int, source_id: int,
                   inp: RaterInput, now: datetime, result: IngestResult) -> bool:
        """Store one rater's tab from a copy; True when it became the current ratings."""
        cur = conn.execute(
            select(ratings.c.id, ratings.c.category_id, ratings.c.level_index, ratings.c.comment,
                   ratings.c.rater_role, ratings.c.rater_name, ratings.c.source_id,
                   sources.c.file)
            .join(sources, sources.c.id == ratings.c.source_id)
            .where(ratings.c.assessment_id == aid, ratings.c.rater_tab == inp.tab, _current)
        ).all()
        rows = [dict(zip(_RATING_COLUMNS, r, strict=True)) for r in _rating_rows(ladder, aid, source_id, inp)]
        if cur:
            held = {(r.category_id, r.level_index, r.comment) for r in cur}
            new = {(r["category_id"], r["level_index"], r["comment"]) for r in rows}
            same_rater = all(r.rater_role == inp.role and r.rater_name == inp.name for r in cur)
            if held == new and same_rater:
                return False  # this copy holds the same ratings for the tab: nothing to replace
            conn.execute(ratings.update()
                         .where(ratings.c.id.in_([r.id for r in cur]))
                         .values(superseded_by=source_id, superseded_at=now))
            result.replaced.append(inp.tab)
            result.replaced_from[inp.tab] = cur[0].file
        else:
            result.added_tabs.append(inp.tab)
        conn.execute(ratings.insert(), rows)
        return True

    def _fold(self, conn: Connection, ladder: Ladder, aid: int, into: int) -> None:
        """Merge assessment ``aid`` into ``into`` (one person and period spelt two ways): for
        each rater tab held by both, the copy saved last is current and the other's ratings
        become its history, as collecting both copies would have left them."""
        now = _now()
        cur = conn.execute(
            select(ratings.c.id, ratings.c.assessment_id, ratings.c.rater_tab,
                   ratings.c.source_id, sources.c.modified)
            .join(sources, sources.c.id == ratings.c.source_id)
            .where(ratings.c.assessment_id.in_([aid, into]), _current)).all()
        by_tab: dict[str, dict[int, list[Any]]] = {}
        for r in cur:
            by_tab.setdefault(r.rater_tab, {}).setdefault(r.assessment_id, []).append(r)
        for held in by_tab.values():
            if len(held) < 2:
                continue
            latest = {a: max(rows, key=lambda r: (r.modified, r.source_id)) for a, rows in held.items()}
            winner = max(latest, key=lambda a: (latest[a].modified, a == into))
            loser = aid if winner == into else into
            conn.execute(ratings.update()
                         .where(ratings.c.id.in_([r.id for r in held[loser]]))
                         .values(superseded_by=latest[winner].source_id, superseded_at=now))
        conn.execute(ratings.update().where(ratings.c.assessment_id == aid)
                     .values(assessment_id=into))
        conn.execute(sources.update().where(sources.c.assessment_id == aid)
                     .values(assessment_id=into))
        conn.execute(scores.delete().where(scores.c.assessment_id == aid))
        conn.execute(assessments.delete().where(assessments.c.id == aid))
        last = conn.execute(
            select(sources.c.file, sources.c.content_hash).where(sources.c.assessment_id == into)
            .order_by(sources.c.modified.desc(), sources.c.id.desc()).limit(1)).one()
        self._rescore(conn, ladder, into, last.file, last.content_hash, now)

    def _rescore(self, conn: Connection, ladder: Ladder, aid: int, file: str, chash: str,
                 now: datetime, about: Mapping[str, Any] | None = None) -> None:
        """Recompute the assessment's scores from the current ratings of every rater."""
        cur = conn.execute(
            select(ratings.c.rater_tab, ratings.c.rater_role, ratings.c.rater_name,
                   ratings.c.category_id, ratings.c.level_index, ratings.c.comment,
                   ratings.c.source_id)
            .where(ratings.c.assessment_id == aid, _current)
            .order_by(ratings.c.source_id, ratings.c.id)
        ).all()
        inputs: dict[str, RaterInput] = {}
        used_sources: set[int] = set()
        for r in cur:
            inp = inputs.get(r.rater_tab)
            if inp is None:
                inp = RaterInput(role=r.rater_role, name=r.rater_name, tab=r.rater_tab, levels={})
                inputs[r.rater_tab] = inp
            inp.levels[r.category_id] = r.level_index
            if r.comment:
                inp.comments[r.category_id] = r.comment
            used_sources.add(r.source_id)
        roles = {role.id for role in ladder.raters}
        sc = scoring.score(ladder, [i for i in inputs.values() if i.role in roles])
        warnings: list[str] = []
        if used_sources:
            for w in conn.execute(select(sources.c.warnings).where(
                    sources.c.id.in_(sorted(used_sources))).order_by(sources.c.id)).scalars():
                for item in json.loads(w):
                    if item not in warnings:
                        warnings.append(item)
        conn.execute(assessments.update().where(assessments.c.id == aid).values(
            source_file=file, content_hash=chash, warnings=_dumps(warnings),
            total_points=sc.total_points, level_index=sc.level_index, level=sc.level,
            progress_to_next=sc.progress_to_next,
            rated_categories=sum(1 for c in sc.categories if c.consensus_level is not None),
            categories=len(ladder.categories), raters=len(inputs), updated_at=now,
            **(about or {}),
        ))
        conn.execute(scores.delete().where(scores.c.assessment_id == aid))
        conn.execute(scores.insert(), [dict(zip(_SCORE_COLUMNS, r, strict=True))
                                       for r in _score_rows(ladder, aid, inputs.values(), sc)])

    # -- reading back
    def ladder(self, ladder_hash: str) -> Ladder:
        cached = self._ladder_cache.get(ladder_hash)
        if cached is not None:
            return cached
        with self.engine.connect() as conn:
            definition = conn.execute(
                select(ladders.c.definition).where(ladders.c.hash == ladder_hash)).scalar()
        if definition is None:
            raise KeyError(ladder_hash)
        lad = Ladder.model_validate(json.loads(definition))
        self._ladder_cache[ladder_hash] = lad
        return lad

    def known_ladders(self) -> list[tuple[Ladder, str]]:
        """Every ladder the history holds, with where it is from (for :class:`TrustedLadders`)."""
        where = f"the ladder held in {display_url(self.url)}"
        with self.engine.connect() as conn:
            rows = conn.execute(select(ladders.c.hash, ladders.c.definition)).all()
        out = []
        for h, definition in rows:
            ladder = self._ladder_cache.get(h)
            if ladder is None:
                ladder = self._ladder_cache[h] = Ladder.model_validate(json.loads(definition))
            out.append((ladder, where))
        return out

    def _scheme_of(self, ladder_hash: str) -> PeriodScheme | None:
        try:
            return self.ladder(ladder_hash).periods
        except KeyError:
            return None

    def _period_order(self, label: str, ladder_hash: str) -> tuple[Any, ...]:
        """Where ``label`` falls in time, in the scheme of the ladder it was collected on."""
        return sort_key(label, self._scheme_of(ladder_hash))

    def period_orders(self) -> dict[str, tuple[Any, ...]]:
        """Every period held, with its place in time (periods of one scheme compare by time)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(assessments.c.period, assessments.c.ladder_hash).distinct()).all()
        orders: dict[str, tuple[Any, ...]] = {}
        for label, ladder_hash in found:
            order = self._period_order(label, ladder_hash)
            orders[label] = min(order, orders.get(label, order))
        return orders

    def held_periods(self) -> dict[str, Period | None]:
        """Every label held, as the period it names in its ladder's scheme (None: a label that
        is no period, from an old history)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(assessments.c.period, assessments.c.ladder_hash).distinct()).all()
        out: dict[str, Period | None] = {}
        for label, ladder_hash in found:
            if out.get(label) is None:
                out[label] = period_or_none(label, self._scheme_of(ladder_hash))
        return out

    def periods(self) -> list[str]:
        """The periods held, in time order (unreadable labels of an old history last)."""
        orders = self.period_orders()
        return sorted(orders, key=lambda p: orders[p])

    def schemes(self) -> list[PeriodScheme | None]:
        """The period schemes of the ladders held (None: calendar), calendar first."""
        with self.engine.connect() as conn:
            definitions = conn.execute(select(ladders.c.definition)).scalars().all()
        found: list[PeriodScheme | None] = [None]
        for d in definitions:
            scheme = _scheme(d)
            if scheme is not None and scheme not in found:
                found.append(scheme)
        return found

    def resolve_period(self, text: str) -> str:
        """The period held that ``text`` names, in any accepted spelling of any scheme the
        history's ladders use; a label held as it is (an old one) is taken as it is. Raises
        PeriodError listing the accepted forms when ``text`` is no period."""
        wanted = text.strip()
        if wanted in self.period_orders():
            return wanted
        schemes = self.schemes()
        for scheme in schemes:
            canonical = _canonical(wanted, scheme)
            if canonical is not None:
                return canonical
        hint = period_hint(wanted)
        raise PeriodError(f"{wanted!r} is not a period" + (f": {hint}" if hint else "")
                          + "; accepted forms: " + "; ".join(accepted_forms(s) for s in schemes))

    def find_people(self, query: str) -> list[tuple[str, str, str | None]]:
        """People whose name or email matches ``query`` exactly (case-insensitive):
        (key, name, email)."""
        q = query.strip().casefold()
        with self.engine.connect() as conn:
            rows = conn.execute(select(people.c.key, people.c.name, people.c.email)).all()
        exact = [(r.key, r.name, r.email) for r in rows
                 if r.key == person_key(query) or (r.email or "").casefold() == q]
        return exact

    def lookalikes(self, key: str) -> list[tuple[str, str | None]]:
        """The other people held whose name differs from person ``key``'s only in accents
        (:func:`folded_key`): (name, email). They are other people to the history; a user who
        typed the name without its accents may have meant one of them."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(people.c.key, people.c.name, people.c.email)).all()
        mine = next((folded_key(r.name) for r in rows if r.key == key), None)
        return [(r.name, r.email) for r in rows
                if mine is not None and r.key != key and folded_key(r.name) == mine]

    def person(self, query: str) -> tuple[str, str, str | None]:
        """The one person ``query`` (a name or an email) names: (key, name, email). Raises
        HistoryLookupError, with the closest names, when it names no one or several people."""
        found = self.find_people(query)
        if not found:
            close = difflib.get_close_matches(query, self.people_names(), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise HistoryLookupError(f"no one called {query!r} in the history {self.name}{hint}")
        if len(found) > 1:
            raise HistoryLookupError(f"{query!r} matches several people in {self.name}: "
                                     + ", ".join(n for _, n, _ in found))
        return found[0]

    def people_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(people.c.name)).scalars().all(), key=str.casefold)

    def records(self, period: str | None = None, person_keys: Sequence[str] | None = None,
                with_categories: bool = True) -> list[AssessmentRecord]:
        """Assessments with their overall and category scores, ordered by person then period."""
        q = (select(assessments, people.c.name.label("person_name"), people.c.key,
                    people.c.email)
             .join(people, people.c.id == assessments.c.person_id))
        if period is not None:
            q = q.where(assessments.c.period == period)
        if person_keys is not None:
            q = q.where(people.c.key.in_(list(person_keys)))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
            recs = {r.id: AssessmentRecord(
                id=r.id, person=r.person_name, person_key=r.key, email=r.email, period=r.period,
                ladder_id=r.ladder_id, ladder_version=r.ladder_version, ladder_hash=r.ladder_hash,
                total_points=r.total_points, level_index=r.level_index, level=r.level,
                progress_to_next=r.progress_to_next, rated_categories=r.rated_categories,
                categories_count=r.categories, raters=r.raters, source_file=r.source_file,
                content_hash=r.content_hash, warnings=json.loads(r.warnings or "[]"),
                updated_at=r.updated_at, team=r.team, managers=json.loads(r.managers or "[]"),
            ) for r in rows}
            if with_categories and recs:
                for chunk in _chunks(sorted(recs), 500):
                    srows = conn.execute(select(scores).where(scores.c.assessment_id.in_(chunk))
                                         .order_by(scores.c.assessment_id, scores.c.id)).all()
                    by_cat: dict[tuple[int, str], CategoryRecord] = {}
                    for s in srows:
                        k = (s.assessment_id, s.category_id)
                        cr = by_cat.get(k)
                        if cr is None:
                            cr = CategoryRecord(id=s.category_id, name=s.category_name,
                                                weight=s.weight, consensus_level=None,
                                                consensus_points=None, self_gap=None,
                                                next_level=None, role_means={})
                            by_cat[k] = cr
                            recs[s.assessment_id].categories.append(cr)
                        if s.basis == CONSENSUS:
                            cr.consensus_level = s.level
                            cr.consensus_points = s.points
                            cr.self_gap = s.self_gap
                            cr.next_level = s.next_level
                        elif s.basis.startswith("role:"):
                            cr.role_means[s.basis[5:]] = s.level
        out = list(recs.values())
        for a in out:
            a.when = period_or_none(a.period, self._scheme_of(a.ladder_hash))
            a.period_order = order_of(a.period, a.when)
        out.sort(key=lambda a: (a.person_key, a.period_order))
        return out

    def ratings_of(self, assessment_id: int, include_history: bool = False) -> list[RatingRecord]:
        src = sources.alias("src")
        sup = sources.alias("sup")
        q = (select(ratings, src.c.file.label("source_file"), sup.c.file.label("sup_file"))
             .join(src, src.c.id == ratings.c.source_id)
             .outerjoin(sup, sup.c.id == ratings.c.superseded_by)
             .where(ratings.c.assessment_id == assessment_id)
             .order_by(ratings.c.id))
        if not include_history:
            q = q.where(_current)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [RatingRecord(
            rater_tab=r.rater_tab, rater_role=r.rater_role, rater_name=r.rater_name,
            category_id=r.category_id, level_index=r.level_index, level=r.level, points=r.points,
            comment=r.comment, source_file=r.source_file, superseded_by_file=r.sup_file,
        ) for r in rows]

    def current_ratings(self, assessment_ids: Sequence[int]) -> dict[int, list[RatingRecord]]:
        """The current ratings (and comments) of many assessments at once, in the order they
        were stored: what each rater's tab holds now."""
        out: dict[int, list[RatingRecord]] = {}
        q = (select(ratings, sources.c.file.label("source_file"))
             .join(sources, sources.c.id == ratings.c.source_id))
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(assessment_ids)), 500):
                rows = conn.execute(q.where(ratings.c.assessment_id.in_(chunk), _current)
                                    .order_by(ratings.c.id)).all()
                for r in rows:
                    out.setdefault(r.assessment_id, []).append(RatingRecord(
                        rater_tab=r.rater_tab, rater_role=r.rater_role, rater_name=r.rater_name,
                        category_id=r.category_id, level_index=r.level_index, level=r.level,
                        points=r.points, comment=r.comment, source_file=r.source_file,
                        superseded_by_file=None))
        return out

    def rated_tabs(self, keys: Collection[tuple[str, str]]
                   ) -> dict[tuple[str, str, str], tuple[set[str], str]]:
        """For the (person key, period) pairs in ``keys`` that are held: per rater tab (key
        ``(person key, period, tab case-folded)``), the categories its current ratings rate
        and the file they were collected from."""
        out: dict[tuple[str, str, str], tuple[set[str], str]] = {}
        persons = sorted({k for k, _ in keys})
        periods = sorted({p for _, p in keys})
        with self.engine.connect() as conn:
            for chunk in _chunks(persons, 500):
                rows = conn.execute(
                    select(people.c.key, assessments.c.period, ratings.c.rater_tab,
                           ratings.c.category_id, sources.c.file)
                    .select_from(ratings.join(assessments,
                                              ratings.c.assessment_id == assessments.c.id)
                                 .join(people, assessments.c.person_id == people.c.id)
                                 .join(sources, ratings.c.source_id == sources.c.id))
                    .where(people.c.key.in_(chunk), assessments.c.period.in_(periods),
                           _current, ratings.c.level_index.is_not(None)))
                for pkey, period, tab, cat, file in rows:
                    if (pkey, period) in keys:
                        out.setdefault((pkey, period, tab.casefold()), (set(), file))[0].add(cat)
        return out

    def held_hashes(self, hashes: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """The content hashes among ``hashes`` whose files are already collected, each with the
        person and period of the assessment it belongs to, and the file it was collected as."""
        found: dict[str, tuple[str, str, str]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(hashes), 500):
                chunk = list(hashes[i:i + 500])
                rows = conn.execute(
                    select(sources.c.content_hash, people.c.name, assessments.c.period,
                           sources.c.file)
                    .select_from(sources.join(assessments,
                                              sources.c.assessment_id == assessments.c.id)
                                 .join(people, assessments.c.person_id == people.c.id))
                    .where(sources.c.content_hash.in_(chunk)))
                for digest, name, period, file in rows:
                    found[digest] = (name, period, file)
        return found

    # -- the cycle's status
    def record_refusal(self, res: IngestResult, period: str | None = None) -> None:
        """Keep a refused file (its latest reasons) for ``status``; ``period`` stands in when
        the file does not say its own. A file with nothing to recognise it by (no hash: it was
        never read) is not kept."""
        if res.status != "refused" or not res.content_hash:
            return
        values = {
            "file": res.file, "person": res.person,
            "person_key": person_key(res.person) if res.person else None,
            "period": (res.period or period or "").strip() or None, "tabs": _dumps(res.tabs),
            "reasons": _dumps([finding_text(f) for f in res.findings]), "refused_at": _now(),
            "conflict_tabs": _dumps([f.conflict_tab for f in res.findings]),
            "workbook_period": (res.workbook_period or res.period or "").strip() or None,
        }
        stmt = self._insert(refusals).values(content_hash=res.content_hash, **values)
        with self._writer.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["content_hash"], set_=values))

    def refused_files(self) -> list[tuple[str, str]]:
        """(file, content hash) of every refusal held: what a later good copy at the same path,
        or the same bytes from anywhere, clears."""
        with self.engine.connect() as conn:
            return [(r.file, r.content_hash) for r in
                    conn.execute(select(refusals.c.file, refusals.c.content_hash))]

    def forget_refusals(self, file: str | None = None, content_hash: str | None = None) -> None:
        """A good file was collected from ``file``, or the bytes refused (``content_hash``) were
        taken, or the file refused is gone: its earlier refusals no longer stand."""
        with self._writer.begin() as conn:
            if file is not None:
                conn.execute(refusals.delete().where(refusals.c.file == file))
            if content_hash is not None:
                conn.execute(refusals.delete().where(refusals.c.content_hash == content_hash))

    def refusals(self, period: str | None = None) -> list[Refusal]:
        """Refused files of ``period`` and those whose period is unknown, oldest first."""
        q = select(refusals).order_by(refusals.c.refused_at, refusals.c.id)
        if period is not None:
            q = q.where((refusals.c.period == period) | refusals.c.period.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [Refusal(file=r.file, content_hash=r.content_hash, person=r.person,
                        period=r.period, tabs=json.loads(r.tabs), reasons=json.loads(r.reasons),
                        conflict_tabs=(None if r.conflict_tabs is None
                                       else json.loads(r.conflict_tabs)),
                        workbook_period=r.workbook_period,
                        refused_at=r.refused_at.isoformat(timespec="seconds"))
                for r in rows]

    def collected_tabs(self, period: str | None = None) -> dict[tuple[str, str], set[str]]:
        """(person key, period) -> the rater tabs (case-folded) with current ratings."""
        q = (select(people.c.key, assessments.c.period, ratings.c.rater_tab).distinct()
             .select_from(ratings.join(assessments, assessments.c.id == ratings.c.assessment_id)
                          .join(people, people.c.id == assessments.c.person_id))
             .where(_current))
        if period is not None:
            q = q.where(assessments.c.period == period)
        out: dict[tuple[str, str], set[str]] = {}
        with self.engine.connect() as conn:
            for key, per, tab in conn.execute(q):
                out.setdefault((key, per), set()).add(tab.casefold())
        return out

    def tab_names(self, period: str) -> dict[tuple[str, str], list[str]]:
        """(person key, period) -> the rater tabs with current ratings, as they are named, in
        the order they were first stored (one query for the whole period)."""
        first = func.min(ratings.c.id)
        q = (select(people.c.key, assessments.c.period, ratings.c.rater_tab, first)
             .select_from(ratings.join(assessments, assessments.c.id == ratings.c.assessment_id)
                          .join(people, people.c.id == assessments.c.person_id))
             .where(_current, assessments.c.period == period)
             .group_by(people.c.key, assessments.c.period, ratings.c.rater_tab)
             .order_by(first))
        out: dict[tuple[str, str], list[str]] = {}
        with self.engine.connect() as conn:
            for key, per, tab, _ in conn.execute(q):
                out.setdefault((key, per), []).append(tab)
        return out

    def ladders_of_period(self, period: str) -> list[str]:
        """The hashes of the ladders the period's assessments were made on."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(assessments.c.ladder_hash).distinct()
                                       .where(assessments.c.period == period)).scalars())

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks and the benchmark)."""
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for t in (people, assessments, sources, ratings, scores, ladders):
                out[t.name] = int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        return out


def _period_of(report: Report, ladder: Ladder | None) -> str:
    """The report's period as it is stored (for ordering a batch; a bad one is refused later)."""
    try:
        return normalise(report.period or "", ladder.periods if ladder else None)
    except PeriodError:
        return (report.period or "").strip()


def _retryable(exc: BaseException | None) -> bool:
    """A PostgreSQL deadlock or serialization failure: the transaction was aborted to let
    another one through, and running it again is the cure."""
    return isinstance(exc, OperationalError) and getattr(
        getattr(exc, "orig", None), "sqlstate", None) in ("40P01", "40001")


def _one_line(e: object) -> str:
    return " ".join(str(e).split())


def _db_reason(e: BaseException) -> str:
    """What the driver said, on one line, without SQLAlchemy's SQL and background link."""
    orig = getattr(e, "orig", None)
    return _one_line(orig if orig is not None else e)


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], n: int) -> Iterator[list[_T]]:
    for i in range(0, len(items), n):
        yield list(items[i:i + n])


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


@functools.lru_cache(maxsize=64)  # a few (table, row count) pairs per batch
def _multi_insert(table: str, names: tuple[str, ...], n: int, mark: str) -> str:
    one = "(" + ", ".join([mark] * len(names)) + ")"
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES " + ", ".join([one] * n)


class _PersonHeld(NamedTuple):
    """A row of ``_fast_sql["email or person held"]``."""

    id: int
    name: str
    email: str | None
    key: str


_PARAMS_PER_INSERT = 900  # parameters of one multi-row INSERT (below SQLite's oldest limit, 999)
_RATING_COLUMNS = ("assessment_id", "source_id", "rater_tab", "rater_role", "rater_name",
                   "category_id", "level_index", "level", "points", "comment")
_SCORE_COLUMNS = ("assessment_id", "category_id", "category_name", "weight", "basis", "level",
                  "points", "self_gap", "next_level")


def _rating_rows(ladder: Ladder, aid: int, source_id: int, inp: RaterInput) -> list[tuple[Any, ...]]:
    """The ``ratings`` rows of one rater's tab (columns :data:`_RATING_COLUMNS`)."""
    rows = []
    codes = ladder.codes
    levels, comments = inp.levels, inp.comments
    tab, role, name = inp.tab, inp.role, inp.name
    for c in ladder.categories:
        cid = c.id
        lv = levels.get(cid)
        comment = (comments.get(cid) or "").strip() or None
        if lv is None and comment is None:
            continue
        rows.append((aid, source_id, tab, role, name, cid, lv, codes[lv - 1] if lv else None,
                     scoring.points_for(ladder, cid, lv) if lv else None, comment))
    return rows


def _score_rows(ladder: Ladder, aid: int, inputs: Iterable[RaterInput],
                sc: scoring.Score) -> list[tuple[Any, ...]]:
    """The ``scores`` rows of an assessment (columns :data:`_SCORE_COLUMNS`): the consensus
    and each role's mean."""
    inputs = list(inputs)  # (walked once per role)
    by_role = [(role.id, f"role:{role.id}", [i.levels for i in inputs if i.role == role.id])
               for role in ladder.raters]
    rows = []
    for cs in sc.categories:
        cid = cs.id
        rows.append((aid, cid, cs.name, cs.weight, CONSENSUS, cs.consensus_level,
                     cs.consensus_points, cs.self_gap, cs.next_level))
        points = ladder.category_points(cid)
        for rid, basis, role_levels in by_role:
            pts = [points[lv - 1] for levels in role_levels
                   if (lv := levels.get(cid)) is not None]
            rows.append((aid, cid, cs.name, cs.weight, basis, cs.role_means.get(rid),
                         sum(pts) / len(pts) if pts else None, None, None))
    return rows
