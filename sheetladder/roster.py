"""Rosters: one CSV row per person to assess, rendered into one workbook each.

The CSV has a header row; column names are case-insensitive and may be in any order:

``person`` (required)
    The person assessed. They are also the Self rater when the ladder has a ``self`` role.
``email``
    The person's email (and so the Self rater's).
``period``
    The assessment period, e.g. ``2026-Q4`` (any form :mod:`sheetladder.period` accepts; it is
    stored canonical); an empty cell falls back to ``--period``.
``team``
    The person's team (exports group and filter on it; ``status`` lists people by team).
``<role>`` or ``<role>s``, for every rater role of the ladder except ``self``
    The raters of that role, names separated by ``;`` — e.g. ``manager`` and ``peers`` for the
    bundled ladders. An empty cell (or a missing column) gives the ladder's default raters of
    that role, unnamed (``Peer 1``, ``Peer 2``); a single ``-`` gives none.
``<role>_email`` or ``<role>_emails``
    Their emails, separated by ``;`` in the same order as the names (leave an item empty for a
    rater without one), e.g. ``manager_email``, ``peer_emails``. A rater given none who has a
    row of their own (a peer in the same roster) gets that row's email.

Any other column is an error naming the closest known column (``manger``: did you mean
``manager``?), since a typo would silently drop raters; a column kept in the file on purpose
(notes, ...) is let through by name with ``allow_columns`` (``--allow-column``). The delimiter
is ``,``, or ``;`` or a tab when the header row uses that instead; in a ``;`` or tab file a
``,`` in an emails cell, or between full names (``Cy Park,Di Lee`` would be one rater), is
refused (``Chen, Bo``, surname first, is one name), and a list cell of a ``;`` file is quoted
(``"Cy Park;Di Lee"``). The file is UTF-8 (Excel: "CSV UTF-8");
another encoding is refused at the line and column of its first bad byte.

A bad row is reported with its line number and the other rows still render: an email that is
not one, a period that is not one, a person listed twice for one period (both lines), the
person as one of their own raters other than Self (by name, or by the person's email), a
rater listed twice (by name, case and spacing ignored, or by email, whatever the roles:
:func:`sheetladder.context.check_raters`), or the email of an earlier row's different person
(the later row, naming the earlier line). One person has one email and one email one person
across the rows, whatever the columns, since the manifest's emails are where reminders go: a
row giving a rater another email than the rater's own row (a person of the roster) or, for
anyone else, than an earlier row gave them, or the email of another person or of an earlier
row's other rater, is refused naming its column and the line it disagrees with. A rater
without an email conflicts with nothing. Two people whose names differ only in accents
(``Ana Diaz``, ``Ana Díaz``) are warned of, naming both lines: probably one person listed
twice (with one email they are refused, as above). So is a person without a team in a roster
whose other people have one: ``export --team`` would leave them out.

Files are named from safe slugs of person and period (``ana-diaz-2026-q4.xlsx``), plus the
rater's tab in a ``--split`` copy (``ana-diaz-2026-q4-bo-chen.xlsx``). The person's managers are
the names of their ``manager`` raters; they travel with the team in the workbook.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from .context import (
    Context,
    check_raters,
    checked_email,
    folded_key,
    make_context,
    person_key,
    split_contexts,
)
from .definition import Ladder
from .errors import BadInput, OutputExists, SheetladderError
from .manifest import ManifestRow, not_utf8
from .people_file import csv_delimiter
from .period import PeriodError, normalise
from .plan import build_plan
from .process import default_jobs, exit_with_parent, tune
from .xlsx.printing import Paper

NONE_MARK = "-"
_SLUG_MAX = 60
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                     *(f"lpt{i}" for i in range(10))}

# The columns a roster may have, in one place: these, plus ROLE/ROLEs and ROLE_email/ROLE_emails
# for each rater role of the ladder except self (see role_columns).
BASE_COLUMNS: tuple[str, ...] = ("person", "email", "period", "team")


def role_columns(ladder: Ladder) -> list[str]:
    """The role columns a roster of ``ladder`` may have."""
    return [name for r in ladder.raters if r.id != "self"
            for name in (r.id, r.id + "s", r.id + "_email", r.id + "_emails")]


def known_columns(ladder: Ladder) -> list[str]:
    return [*BASE_COLUMNS, *role_columns(ladder)]


def column_name(header_cell: str) -> str:
    """A header cell as a column name: case and spaces ignored (``Manager Email``)."""
    return header_cell.strip().lower().replace(" ", "_")


class RosterError(SheetladderError):
    """The roster as a whole cannot be used (unreadable, no header, no ``person`` column)."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.prefix = ""
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class RosterProblem:
    """A row that was not rendered, or a warning about the file; ``line`` is 1-based."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class RosterEntry:
    """One valid roster row: where it came from and the assessment it describes."""

    line: int
    context: Context
    # 2, 3 ... for a second, third person whose name gives the same file name as an earlier
    # row's (José Núñez, Jose Nunez): their files end -2, -3
    nth: int = 1


@dataclass
class Roster:
    entries: list[RosterEntry] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    warnings: list[RosterProblem] = field(default_factory=list)
    defaulted: int = 0  # rows read whose period cell is empty: they take the default period
    # (person key, period) of every row naming a person, rendered or refused
    listed: set[tuple[str, str | None]] = field(default_factory=set)
    # what the file is read with but warned of, whatever is done with it (rows of an .xlsx a
    # filter hid): also among ``warnings``
    read_with: list[RosterProblem] = field(default_factory=list)


# -- file names ---------------------------------------------------------------------------------


def slug(text: str, max_len: int = _SLUG_MAX) -> str:
    """A lowercase ASCII file-name part: accents folded, anything else becomes ``-``.

    Text with no Latin letters or digits at all (e.g. a name in Chinese script) gets a short
    stable hash instead, so two such names never share a file.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:max_len].strip("-")
    if not s:
        return "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    if s in _WINDOWS_RESERVED:
        s += "-"
    return s


def workbook_name(ctx: Context) -> str:
    """File name of the workbook for ``ctx``: person, period, and the tab of a split copy."""
    return file_name(ctx.person, ctx.period, ctx.split_tab)


def file_name(person: str, period: str | None, split_tab: str | None = None) -> str:
    """File name render gives the workbook of ``person`` for ``period`` (of one rater's tab)."""
    parts = [slug(person)]
    if period:
        parts.append(slug(period, 24))
    if split_tab is not None:
        parts.append(slug(split_tab, 32))
    return "-".join(parts) + ".xlsx"


_SLUG_SHAPED = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def named_for_another(file: str, person: str, period: str) -> str | None:
    """The person's part of ``file``'s name (``ben-ortiz``) when that name is the one render
    gives another person's workbook of ``period`` than ``person``'s (``ben-ortiz-2026-q4.xlsx``
    holding Ana Diaz's), else None. Only a name render could have written for a person of
    two names or more is judged (its person's part as render spells names, then the period's,
    then anything: a rater's tab, a second download's `` (1)``, a copy's `` - Copy``, ``-``
    written ``_``): a name someone chose says nothing of whose workbook it is.
    The person's own name, or a namesake's (``ana-diaz-2``), is no other person's."""
    from .manifest import file_stem

    # render's names hold no space: a name with one was typed ("Q4 review of Ana 2026-Q4"),
    # and says nothing of whose workbook it is; an underscore for each hyphen is still render's
    stem = file_stem(file).replace("_", "-")
    mark = "-" + slug(period, 24)
    at = stem.find(mark)
    while at > 0 and stem[at + len(mark):at + len(mark) + 1] not in ("", "-"):
        at = stem.find(mark, at + 1)
    if at <= 0:
        return None
    named, own = stem[:at], slug(person)
    if not _SLUG_SHAPED.fullmatch(named) or re.fullmatch(re.escape(own) + r"(?:-\d+)?", named):
        return None
    # a name of one word ('final-2026-q4', 'ana-2026-q4' for Ana Diaz), one that starts with
    # the person's own ('ana-diaz-self-2026-q4') or is the start of it, or one that writes a
    # year ('ana-diaz-2026-q3-redo-2026-q4') was typed by someone: it says nothing of whose
    # workbook it is (render writes a person's names, then the period)
    if "-" not in named or named.startswith(own + "-") or own.startswith(named + "-") or \
            re.search(r"(?:^|-)(?:19|20)\d\d(?:-|$)", named):
        return None
    return named


def named_for_another_reason(named: str, person: str, period: str, then: str = "") -> str:
    """What to say of a file :func:`named_for_another` finds (``then``: what to do once it is
    renamed, as " and collect it again")."""
    return (f"this file's name is the one render gives the {period} workbook of another "
            f"person ({named}), but the workbook in it is {person}'s: a copy of {person}'s "
            f"workbook filled in and saved under another person's file name? Its ratings "
            f"would be taken as {person}'s. If they are {person}'s, name the file as render "
            f"names it ({file_name(person, period)}){then}; if they are {named}'s, enter them "
            "in the workbook rendered for them")


def contexts_to_write(ctx: Context, split: bool) -> list[Context]:
    """The whole workbook, or one copy per rater with ``split``."""
    return split_contexts(ctx) if split else [ctx]


def targets(ctx: Context, split: bool, nth: int = 1) -> list[tuple[Context, str]]:
    """Each workbook to write with its file name. Split copies whose tabs slug alike (José and
    Jose) get -2, -3 ... so one rater's copy never replaces another's; so does the ``nth``
    person of a roster whose name gives an earlier person's file name."""
    out: list[tuple[Context, str]] = []
    taken: set[str] = set()
    for c in contexts_to_write(ctx, split):
        name = workbook_name(c)
        if nth > 1:
            person = slug(ctx.person)
            name = name.replace(person, f"{person}-{nth}", 1)
        stem, n = name[: -len(".xlsx")], 2
        while name in taken:
            name = f"{stem}-{n}.xlsx"
            n += 1
        taken.add(name)
        out.append((c, name))
    return out


def manifest_rows(ctx: Context, split: bool, nth: int = 1) -> list[ManifestRow]:
    """The manifest's rows for one assessment: each rater tab with the file that holds it."""
    by_tab = {c.split_tab: name for c, name in targets(ctx, split, nth)}
    return [ManifestRow(person=ctx.person, period=ctx.period, tab=slot.tab, role=slot.role,
                        rater=slot.name or (ctx.person if slot.role == "self" else None),
                        email=slot.email,
                        target=by_tab.get(slot.tab) or by_tab[None], team=ctx.team)
            for slot in ctx.raters]


# -- parsing ------------------------------------------------------------------------------------


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | str]]:
    """CSV records with the line each starts on (quoted fields may span lines); a record the
    csv module cannot read comes as its error message instead."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1
    while True:
        try:
            record: list[str] | str = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            record = f"not readable as CSV: {e}"
        yield start, record
        start = reader.line_num + 1


def _items(cell: str) -> list[str]:
    return [s.strip() for s in cell.split(";")]


def _no_comma_list(cell: str, role: str, kind: str, delimiter: str) -> None:
    """In a ';'- or tab-separated roster a ',' in a list cell may be a list separated the wrong
    way ('Cy Park,Di Lee' would be one rater): refused, saying how to write it, for emails
    always (no address holds a ','), for names when every part is a full name of its own ('Cy
    Park, Di Lee'); 'Chen, Bo' (surname, given name) is one name and is kept."""
    if delimiter == "," or "," not in cell:
        return
    parts = [s.strip() for s in cell.split(",")]
    if kind == "names" and not all(len(p.split()) >= 2 for p in parts):
        return
    fixed = ";".join(parts)
    how = (f", and in this ';'-separated file such a cell needs double quotes: \"{fixed}\""
           if delimiter == ";" else f": {fixed}")
    raise BadInput(f"{role}: {cell!r} holds a ','; {kind} are separated by ';'{how}")


@dataclass(frozen=True)
class _RoleColumns:
    role: str
    names: int | None
    emails: int | None


def _columns(ladder: Ladder, header: list[str], path: str, line: int,
             allow: Sequence[str] = ()) -> tuple[dict[str, int], list[_RoleColumns], list[str]]:
    """Map header cells to fields; returns base columns, role columns and the allowed extra
    columns. Any other column is a RosterError."""
    norm = [column_name(h) for h in header]
    seen: dict[str, int] = {}
    for i, h in enumerate(norm):
        if not h:
            continue
        if h in seen:
            raise RosterError(path, line, f"column {header[i].strip()!r} appears twice")
        seen[h] = i
    if "person" not in seen:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        named = [h.strip() for h in header if _names_people(h)]
        hint = (f"; if {named[0]!r} holds the names of the people to assess, rename it "
                "'person'" if len(named) == 1 else "")
        raise RosterError(path, line, f"the header has no 'person' column (found: {found})"
                          + hint)
    used = set(BASE_COLUMNS)
    base: dict[str, int] = {k: seen[k] for k in BASE_COLUMNS if k in seen}
    roles: list[_RoleColumns] = []
    for role in ladder.raters:
        if role.id == "self":
            continue
        idx: dict[str, int | None] = {}
        for kind, names in (("names", (role.id, role.id + "s")),
                            ("emails", (role.id + "_email", role.id + "_emails"))):
            present = [n for n in names if n in seen]
            if len(present) > 1:
                raise RosterError(path, line, f"columns {present[0]!r} and {present[1]!r} both give "
                                           f"the {role.id} {kind}; keep one")
            idx[kind] = seen[present[0]] if present else None
            used.update(present)
        if idx["emails"] is not None and idx["names"] is None:
            raise RosterError(path, line, f"a {role.id} email column needs a {role.id!r} column "
                                       "with the names beside it")
        roles.append(_RoleColumns(role.id, idx["names"], idx["emails"]))
    allowed = {column_name(a) for a in allow}
    unknown = [header[i].strip() for h, i in seen.items() if h not in used and h not in allowed]
    if unknown:
        known = known_columns(ladder)
        if {column_name(x) for x in header if x.strip()} >= {"tab", "role", "target"}:
            raise RosterError(path, line, "this is a manifest (render --roster wrote it, with "
                                       "its tab, role and target columns), not a roster: give "
                                       "it with --manifest")
        hints = []
        unlike = []  # unknown columns named like no known one: kept on purpose, maybe
        for u in unknown:
            close = difflib.get_close_matches(column_name(u), known, n=1, cutoff=0.6)
            hints.append(f"{u!r}" + (f" (did you mean {close[0]!r}? rename it)" if close else ""))
            if not close:
                unlike.append(u)
        # a column named like a known one is a misspelling: letting it through would drop what
        # it holds (every email of an 'E-mail' column), so --allow-column is offered only for
        # the others
        advice = (f". A column kept on purpose goes through with --allow-column {unlike[0]}"
                  if unlike else "")
        raise RosterError(path, line, f"unknown column(s) {', '.join(hints)}; known columns: "
                          f"{', '.join(known)}{advice}")
    extra = [header[i].strip() for h, i in seen.items() if h not in used]
    return base, roles, extra


# what a column of the people's names is headed elsewhere (an HR export, a team's own sheet)
_NAME_HEADERS = frozenset(["name", "names", "full_name", "fullname", "person_name", "employee",
                           "employee_name", "staff", "staff_name", "member", "team_member",
                           "rep", "rep_name", "assessee", "ratee", "people", "persons"])


def _names_people(header_cell: str) -> bool:
    """Whether a header cell reads as the column of the people's names under another heading
    ('Full name', 'Employee', 'Persons')."""
    h = re.sub(r"[^a-z_]+", "", column_name(header_cell).replace("-", "_"))
    return h in _NAME_HEADERS or bool(difflib.get_close_matches(h, ["person"], cutoff=0.8))


def _cell(record: list[str], i: int | None) -> str:
    return record[i].strip() if i is not None and i < len(record) else ""


def _row_context(ladder: Ladder, base: dict[str, int], roles: Sequence[_RoleColumns],
                 record: list[str], default_period: str | None, delimiter: str = ",",
                 period_given: bool = False) -> Context:
    def get(i: int | None) -> str:
        return _cell(record, i)

    person = get(base.get("person"))
    if not person:
        raise BadInput("the 'person' cell is empty")
    email = checked_email(get(base.get("email")), "email")
    period = get(base.get("period")) or default_period
    if period is not None:
        try:
            period = normalise(period, ladder.periods)
        except PeriodError as e:
            raise BadInput(f"period: {e}") from None
    if period_given and default_period is not None and period != default_period:
        # a period column left from last quarter's roster would render the row for that
        # quarter while the run was asked for this one: which is meant is the user's to say
        raise BadInput(f"period: the row says {period} but --period says {default_period}: "
                       f"clear the row's period cell to render it for {default_period}, or "
                       "render without --period so that each row takes its own")
    team = get(base.get("team")) or None
    by_role: dict[str, list[tuple[str | None, str | None]]] = {}
    for rc in roles:
        cell = get(rc.names)
        if cell == NONE_MARK:
            if get(rc.emails):
                raise BadInput(f"{rc.role}: '-' (no {rc.role}) but emails are given")
            by_role[rc.role] = []
            continue
        if not cell:
            if get(rc.emails):
                raise BadInput(f"{rc.role}: emails given but no names")
            continue  # the ladder's default raters of this role
        _no_comma_list(cell, rc.role, "names", delimiter)
        _no_comma_list(get(rc.emails), f"{rc.role} emails", "emails", delimiter)
        names = _items(cell)
        if any(not n for n in names):
            raise BadInput(f"{rc.role}: an empty name in {cell!r} (names are separated by ';')")
        mails_cell = get(rc.emails)
        mails: list[str | None] = [None] * len(names)
        if mails_cell:
            items = _items(mails_cell)
            if len(items) != len(names):
                raise BadInput(f"{rc.role}: {len(names)} name(s) but {len(items)} email(s); "
                                 "give one email per name, in the same order")
            mails = [checked_email(m, f"{rc.role} email") for m in items]
        by_role[rc.role] = list(zip(names, mails, strict=True))
    raters: list[tuple[str, str | None, str | None]] = []
    for role in ladder.raters:
        if role.id == "self":
            raters.extend(("self", None, email) for _ in range(role.count))
        elif role.id in by_role:
            raters.extend((role.id, n, m) for n, m in by_role[role.id])
        else:
            raters.extend((role.id, None, None) for _ in range(role.count))
    if not raters:
        raise BadInput("no raters: every rater role is '-'")
    check_raters(person, raters, email)
    return make_context(ladder, person, period, raters, email=email, team=team)


def parse_roster(ladder: Ladder, text: str, path: str = "<roster>",
                 default_period: str | None = None, split: bool = False,
                 allow_columns: Sequence[str] = (), period_given: bool = False) -> Roster:
    """Parse roster CSV text into per-person contexts; bad rows become problems, not errors.

    ``default_period`` is the period of rows whose period cell is empty; with
    ``period_given`` (it was typed, ``--period``: the run is for that period) a row whose cell
    names another period is a problem of that row, not rendered for the period it names.

    A person listed twice for one period (names compared as the history does, case and spacing
    ignored) is a problem of both rows: neither is rendered, since which one is right is the
    user's to say. A rater's email at odds with their own row, an earlier row, or another
    person's (:func:`_rater_email_conflicts`) refuses the row that gives it. Two rows of
    different people that would write the same file (with
    ``split``: the same copy) are a problem of the later row. Raises :class:`RosterError` only
    when the file as a whole is unusable (unreadable, or a problem in the header row, such as
    an unknown column not in ``allow_columns``).
    """
    text = text.lstrip("\ufeff")
    out = Roster()
    delimiter, text = csv_delimiter(text)
    records = _records(text, delimiter)
    header: list[str] | None = None
    for line, record in records:
        if isinstance(record, str):
            raise RosterError(path, line, record)
        if any(c.strip() for c in record):
            header = record
            header_line = line
            break
    if header is None:
        raise RosterError(path, 1, "the roster is empty: expected a header row such as "
                                   "'person,email,period,manager,peers'")
    base, roles, extra = _columns(ladder, header, path, header_line, allow_columns)
    if extra:
        out.warnings.append(RosterProblem(path, header_line,
                                          f"ignoring column(s): {', '.join(extra)}"))
    names: dict[str, int] = {}
    people: dict[tuple[str, str | None], int] = {}
    emails: dict[str, tuple[str, str, int]] = {}  # an email -> its person's key, name, line
    duplicated: set[int] = set()
    own: dict[str, tuple[str, str, int]] = {}  # a person's key -> their name, own email, line
    lookalikes: dict[str, tuple[str, str, str | None, int]] = {}  # folded name -> key, ...
    mentions: list[_Mention] = []
    email_columns = {rc.role: header[rc.emails].strip() for rc in roles if rc.emails is not None}
    refused_rows: dict[tuple[str, str | None], int] = {}  # a refused row's person -> its line
    for line, record in records:
        if isinstance(record, str):
            out.problems.append(RosterProblem(path, line, record))
            continue
        if not any(c.strip() for c in record):
            continue
        if len(record) > len(header):
            out.problems.append(RosterProblem(
                path, line, f"{len(record)} cells but the header has {len(header)}; "
                            "quote cells that contain the delimiter"))
            continue
        # every row's email counts, even a row refused for another reason: the file has it
        mail, person = _cell(record, base.get("email")).casefold(), _cell(record, base["person"])
        if person:
            out.listed.add((person_key(person), _row_period(ladder, record, base, default_period)))
        sharing = emails.get(mail) if mail else None
        if mail:
            emails.setdefault(mail, (person_key(person), person, line))
        try:
            ctx = _row_context(ladder, base, roles, record, default_period, delimiter,
                               period_given)
        except ValueError as e:
            out.problems.append(RosterProblem(path, line, str(e)))
            if person.strip():  # still a row of that person: a second row of them is no fix
                who_refused = (person_key(person),
                               _row_period(ladder, record, base, default_period))
                refused_rows.setdefault(who_refused, line)
                if who_refused in people:  # rendered from an earlier row: not any more
                    first = people[who_refused]
                    out.problems.append(RosterProblem(
                        path, first, f"{person!r} is listed twice for period "
                                     f"{who_refused[1] or '(none)'}: lines {first} and {line} "
                                     "(refused below); keep one row (neither was rendered)"))
                    duplicated.add(first)
            continue
        if not _cell(record, base.get("period")):
            out.defaulted += 1
        key = person_key(ctx.person)
        if ctx.email:
            own.setdefault(key, (ctx.person, ctx.email, line))
        mentions.extend(_Mention(line, s.role, email_columns[s.role], s.name, s.email)
                        for s in ctx.raters if s.role != "self" and s.name and s.email)
        lookalike = _lookalike(ctx.person, ctx.email, line, lookalikes)
        if lookalike is not None:
            out.warnings.append(RosterProblem(path, line, lookalike))
        who = (key, ctx.period)
        if who in refused_rows:
            first = refused_rows[who]
            out.problems.append(RosterProblem(
                path, line, f"{ctx.person!r} is listed twice for period {ctx.period or '(none)'}: "
                            f"lines {first} (refused above) and {line}; keep one row (neither "
                            "was rendered)"))
            continue
        if who in people:
            first = people[who]
            out.problems.append(RosterProblem(
                path, line, f"{ctx.person!r} is listed twice for period {ctx.period or '(none)'}: "
                            f"lines {first} and {line}; keep one row (neither was rendered)"))
            duplicated.add(first)
            continue
        if sharing is not None and sharing[0] != who[0]:
            _, earlier, first = sharing
            out.problems.append(RosterProblem(
                path, line, f"email {ctx.email!r} of {ctx.person!r} is already that of "
                            f"{earlier!r} on line {first} (case ignored); two people "
                            "never share an email (mail to it, and `history EMAIL`, would mix "
                            "them up): give each their own, or keep one row if both are one "
                            "person"))
            continue
        people[who] = line
        nth = 1
        files = [name for _, name in targets(ctx, split)]
        while any(n in names for n in files):  # another person whose name slugs alike
            nth += 1
            files = [name for _, name in targets(ctx, split, nth)]
        names.update((n, line) for n in files)
        out.entries.append(RosterEntry(line, ctx, nth))
    refused = _rater_email_conflicts(mentions, own, emails, header[base["email"]].strip()
                                     if "email" in base else "email")
    out.problems.extend(RosterProblem(path, entry.line, refused[entry.line])
                        for entry in out.entries
                        if entry.line in refused and entry.line not in duplicated)
    out.problems.sort(key=lambda p: p.line)
    out.entries = [entry for entry in out.entries
                   if entry.line not in duplicated and entry.line not in refused]
    emails_of = {(person_key(e.context.person), e.context.period): e.context.email
                 for e in out.entries if e.context.email}
    out.entries = [_with_own_emails(entry, emails_of) for entry in out.entries]
    out.warnings.extend(_teamless(out.entries, path, header[base["team"]].strip()
                                  if "team" in base else None))
    out.warnings.sort(key=lambda w: w.line)
    return out


def _with_own_emails(entry: RosterEntry,
                     emails_of: Mapping[tuple[str, str | None], str]) -> RosterEntry:
    """``entry`` with each rater given no email on its row given the one of their own row for
    the same period (a peer who is a person of the roster; ``emails_of``: (person key, period)
    -> email, of the rows rendered): the manifest's emails are where reminders go, and the
    roster has it. (A row giving another email is refused already.)"""
    period = entry.context.period

    def own(name: str | None) -> str | None:
        return emails_of.get((person_key(name), period)) if name else None

    slots = [s.model_copy(update={"email": own(s.name)})
             if s.role != "self" and not s.email and own(s.name) else s
             for s in entry.context.raters]
    if all(a is b for a, b in zip(slots, entry.context.raters, strict=True)):
        return entry
    return RosterEntry(entry.line, entry.context.model_copy(update={"raters": slots}), entry.nth)


def _row_period(ladder: Ladder, record: list[str], base: dict[str, int],
                default: str | None) -> str | None:
    """The period of a row refused for another reason, canonical when it is one."""
    text = _cell(record, base.get("period")) or default
    if not text:
        return None
    try:
        return normalise(text, ladder.periods)
    except PeriodError:
        return text


def _teamless(entries: Sequence[RosterEntry], path: str, column: str | None
              ) -> list[RosterProblem]:
    """A warning for each person of no team in a roster whose other people have one: an empty
    cell left by mistake (an Excel export of a filtered sheet, a team not yet known) keeps them
    out of ``export --team``, the team's report and its status, with nothing said there."""
    if column is None:
        return []
    teamed = sum(1 for e in entries if e.context.team)
    if not teamed or teamed == len(entries):
        return []
    return [RosterProblem(path, e.line, (
        f"{e.context.person!r} has no team (column {column!r} is empty) while {teamed} of the "
        f"roster's {len(entries)} people have one: `export --team` and each team's report "
        "leave them out; give their team"))
        for e in entries if not e.context.team]


@dataclass(frozen=True)
class _Mention:
    """A rater of a roster row given with an email: the row's line, the role, the emails
    column, the name and the email as written."""

    line: int
    role: str
    column: str
    name: str
    email: str


def _rater_email_conflicts(mentions: Sequence[_Mention], own: dict[str, tuple[str, str, int]],
                           emails: dict[str, tuple[str, str, int]], email_column: str
                           ) -> dict[int, str]:
    """The rows to refuse, each with why: a rater given another email than their own row's
    (``own``: people of the roster by :func:`person_key`), or than an earlier row gave them,
    or given the email of another person (``emails``: every row's own email, case ignored) or
    of an earlier row's other rater. The own row, and else the first row, is the one compared
    with; a row's conflicts make one message. One person has one email, and one email one
    person, whatever the columns: a reminder mailed from the manifest would reach someone else."""
    refused: dict[int, list[str]] = {}
    first: dict[str, _Mention] = {}  # a rater's key -> the first row giving them an email
    given: dict[str, _Mention] = {}  # an email -> the first rater given it
    for m in mentions:
        key, mail = person_key(m.name), m.email.casefold()
        said = f"column {m.column!r} gives {m.role} {m.name!r} the email {m.email!r}"
        why = None
        if key in own and own[key][1].casefold() != mail:
            name, theirs, line = own[key]
            other = emails.get(mail)
            also = (f" (and {m.email!r} is the email of {other[1]!r} on line {other[2]})"
                    if other is not None and other[0] != key else "")
            why = (f"{said}, but the own row of {name!r}, line {line}, gives {theirs!r}{also}; one "
                   f"person has one email (a reminder would reach someone else): give {theirs!r} "
                   f"here too, case aside")
        elif key not in own and key in first and first[key].email.casefold() != mail:
            f = first[key]
            why = (f"{said}, but line {f.line} (column {f.column!r}) gives {f.name!r} "
                   f"{f.email!r}; one person has one email (a reminder would reach someone else): "
                   "give the same on both lines, or, if they are two people, names that tell "
                   "them apart")
        elif mail in emails and emails[mail][0] != key:
            _, name, line = emails[mail]
            why = (f"{said}, which is that of {name!r} on line {line} (column {email_column!r}), "
                   "case ignored; two people never share an email: give the rater their own, or "
                   f"write the name as line {line} does if both are one person")
        elif mail in given and person_key(given[mail].name) != key:
            g = given[mail]
            why = (f"{said}, which line {g.line} (column {g.column!r}) gives {g.role} "
                   f"{g.name!r}, case ignored; two people never share an email: give each their "
                   "own, or write the name one way if both are one person")
        if why is None:
            first.setdefault(key, m)
            given.setdefault(mail, m)
        else:
            refused.setdefault(m.line, []).append(why)
    return {line: ". Also: ".join(whys) for line, whys in refused.items()}


def _lookalike(person: str, email: str | None, line: int,
               seen: dict[str, tuple[str, str, str | None, int]]) -> str | None:
    """A warning when ``person`` differs from an earlier row's person only in accents (``Ana
    Díaz``, ``Ana Diaz``): two people to the roster and the history, probably one listed twice.
    Rows sharing an email are refused already, so only other (or no) emails are warned of."""
    key, folded = person_key(person), folded_key(person)
    earlier = seen.setdefault(folded, (key, person, email, line))
    if earlier[0] == key:
        return None
    _, name, theirs, first = earlier
    if email and theirs and email.casefold() == theirs.casefold():
        return None
    mails = (f" (emails {theirs or 'none'} and {email or 'none'})" if theirs or email
             else " (neither has an email)")
    return (f"{person!r} and {name!r} on line {first} differ only in accents (case and "
            f"spacing aside){mails}, so they are two people here and in the history; if they "
            "are one person, write the name one way and keep one row")


def read_roster(ladder: Ladder, path: str | Path, default_period: str | None = None,
                split: bool = False, allow_columns: Sequence[str] = (),
                period_given: bool = False) -> Roster:
    """Read and parse a roster file: CSV (UTF-8 with or without a byte-order mark, or UTF-16
    as Excel's "Unicode Text"), or an .xlsx or .ods (:func:`people_file.people_text`);
    ``period_given``: see :func:`parse_roster`."""
    from .people_file import people_text

    notes: list[tuple[int, str]] = []
    text = people_text(path, RosterError, not_utf8, notes)
    parsed = parse_roster(ladder, text, str(path), default_period, split, allow_columns,
                          period_given)
    if notes:
        parsed.read_with = [RosterProblem(str(path), line, m) for line, m in notes]
        parsed.warnings.extend(parsed.read_with)
        parsed.warnings.sort(key=lambda w: w.line)
    return parsed


# -- rendering ----------------------------------------------------------------------------------


def existing_targets(ctx: Context, out_dir: Path, split: bool, nth: int = 1) -> list[Path]:
    return [out_dir / name for _, name in targets(ctx, split, nth) if (out_dir / name).exists()]


class NotTheirFile(OutputExists):
    """``--force`` met a file that belongs to someone else, or to no one it can tell."""


class FilledFile(OutputExists):
    """``--force`` met a workbook that holds ratings or comments: replacing it would lose them."""


def owner_of(path: Path) -> str:
    """The person a workbook on disk assesses, from the context embedded in it. Raises
    NotTheirFile when it cannot be read: a file nobody can identify is never replaced."""
    return _existing(path)[0]


def _existing(path: Path) -> tuple[str, list[str]]:
    """The person a workbook on disk assesses and its rater tabs that hold a rating or a
    comment. Raises NotTheirFile when it cannot be read."""
    from .errors import UnreadableWorkbook
    from .results.read import verify_source

    try:
        v = verify_source(str(path))
    except UnreadableWorkbook as e:
        raise NotTheirFile(
            f"{path}: already exists and cannot be read as a sheetladder workbook ({e.reason}), "
            "so whose it is is unknown; --force replaces only a workbook of the same person: "
            "move or delete it yourself") from None
    filled = [tab for tab, inp in v.inputs.items()
              if any(x is not None for x in inp.levels.values())
              or any(c.strip() for c in inp.comments.values())]
    # a rating typed that is no level ('S3\u00a0', 'Senior', a formula) reads as unrated, yet
    # someone typed it: the tab is filled all the same
    for where in v.report.unread_ratings:
        tab = where.rsplit("!", 1)[0]
        if tab not in filled:
            filled.append(tab)
    return v.context.person, filled


def check_owners(ctx: Context, paths: Sequence[Path]) -> None:
    """Refuse (NotTheirFile, naming both people) to replace a workbook of another person, and
    (FilledFile) one that holds ratings or comments: a returned workbook put back in the folder
    it was rendered into would be blanked by a second render with ``--force``.

    People are told apart as the history tells them apart (:func:`person_key`: case and spacing
    ignored), so ``ANA DIAZ`` may replace ``Ana Diaz``'s file, while ``Jose Nunez`` may not
    replace ``José Núñez``'s even though both names give the same file name."""
    for p in paths:
        owner, filled = _existing(p)
        if person_key(owner) != person_key(ctx.person):
            raise NotTheirFile(
                f"{p}: belongs to {owner!r}, not {ctx.person!r} (both names give this file "
                "name); --force replaces only a workbook of the same person: move it away or "
                "render into another --output-dir")
        if filled:
            raise FilledFile(
                f"{p}: holds ratings or comments (on tab(s) "
                + ", ".join(repr(t) for t in filled[:4]) + (" …" if len(filled) > 4 else "")
                + "), which a new blank copy would lose; --force never replaces a filled "
                "workbook: collect it, then move it out of the folder (or delete it) and render "
                "again")


def not_own_file(ctx: Context, paths: Sequence[Path], listed: Mapping[str, str]) -> str | None:
    """Why the files ``paths`` of ``ctx``'s person are not theirs to keep (``--keep-existing``),
    or None when every one is theirs. ``listed``: file name -> the person the folder's manifest
    lists it for (read first, without opening the file); a file it does not list is opened and
    its own person taken (:func:`owner_of`). Told apart as :func:`check_owners` tells them, so a
    file of ``Jose Nunez`` is not kept as ``José Núñez``'s although both give its name."""
    for p in paths:
        try:
            owner = listed.get(p.name) or owner_of(p)
        except NotTheirFile as e:
            return f"{e}; --keep-existing keeps only a person's own files"
        if person_key(owner) != person_key(ctx.person):
            return (f"{p}: belongs to {owner!r}, not {ctx.person!r} (both names give this file "
                    "name), so it is not theirs to keep; --keep-existing keeps only a person's "
                    f"own files: if they are one person, write the name as {owner!r} (and "
                    "rename them with `history --rename` once collected); if not, move the file "
                    "out of the folder or render into another --output-dir")
    return None


def write_assessment(ladder: Ladder, ctx: Context, out_dir: Path, *, split: bool = False,
                     force: bool = False, password: str | None = None,
                     paper: Paper = "a4", nth: int = 1) -> list[Path]:
    """Write the workbook (or the split copies) of one assessment (``nth``: see
    :attr:`RosterEntry.nth`).

    Without ``force`` nothing is written when any target exists, so the copies of one
    assessment never come from two different runs. With ``force`` an existing target is
    replaced only when it is a workbook of the same person (:func:`check_owners`).
    """
    if not (ctx.period or "").strip():
        example = ladder.periods.example if ladder.periods is not None else "2026-Q4"
        raise PeriodError(f"a workbook needs a period (e.g. {example}): it could not be collected "
                          "into a history of periods once filled")
    canonical = normalise(ctx.period or "", ladder.periods)  # a PeriodError for a non-period
    if canonical != ctx.period:
        ctx = ctx.model_copy(update={"period": canonical})
    existing = existing_targets(ctx, out_dir, split, nth)
    if existing and not force:
        raise OutputExists(
            f"{existing[0]}: already exists (it may hold someone's ratings); "
            "use --force to replace it")
    if existing:
        check_owners(ctx, existing)
    from .xlsx.write import save  # (the writer is imported by what renders: collect needs none)

    written = []
    for c, name in targets(ctx, split, nth):
        written.append(save(build_plan(ladder, c), out_dir / name, force=force,
                            password=password, paper=paper))
    return written


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    people: int = 0


_WORKER_LADDER: Ladder | None = None


def _init_worker(ladder: Ladder, parent: int) -> None:
    """A render worker's start: the process is ours, so it is tuned for the batch, and it
    ends with the process that started it."""
    global _WORKER_LADDER
    exit_with_parent(parent)
    tune()
    _WORKER_LADDER = ladder


def _work(args: tuple[int, Context, Path, bool, bool, str | None, Paper, int]
          ) -> tuple[int, list[Path], str | None]:
    line, ctx, out_dir, split, force, password, paper, nth = args
    assert _WORKER_LADDER is not None
    return _render_entry(_WORKER_LADDER, line, ctx, out_dir, split, force, password, paper, nth)


def _render_entry(ladder: Ladder, line: int, ctx: Context, out_dir: Path, split: bool, force: bool,
                  password: str | None, paper: Paper = "a4", nth: int = 1
                  ) -> tuple[int, list[Path], str | None]:
    try:
        return line, write_assessment(ladder, ctx, out_dir, split=split, force=force,
                                      password=password, paper=paper, nth=nth), None
    except OutputExists as e:
        if force or isinstance(e, (NotTheirFile, FilledFile)):
            return line, [], str(e)
        # a roster rendered again into its folder (people added since): the other way out
        return line, [], (f"{e}, or --keep-existing to render only the people whose files are "
                          "not there yet")
    except (FileExistsError, OSError, ValueError) as e:
        return line, [], str(e)


PER_WORKER = 25  # workbooks a render worker must have to write to pay for starting it


def render_entries(ladder: Ladder, entries: Sequence[RosterEntry], out_dir: str | Path, *,
                   path: str = "<roster>", split: bool = False, force: bool = False,
                   password: str | None = None, jobs: int = 0, progress: bool = False,
                   on_done: Callable[[int, list[Path], str | None], None] | None = None,
                   paper: Paper = "a4") -> BatchResult:
    """Render every entry into ``out_dir``; a failing entry is recorded and the rest go on.

    ``jobs`` worker processes (0: ``process.default_jobs``, one per :data:`PER_WORKER`
    workbooks, at most one per core); ``progress`` shows a rich progress bar
    on stderr.
    """
    out = Path(out_dir)
    result = BatchResult(people=len(entries))
    n_jobs = jobs if jobs > 0 else default_jobs(len(entries), PER_WORKER)
    tasks = [(e.line, e.context, out, split, force, password, paper, e.nth) for e in entries]

    def outcomes() -> Iterator[tuple[int, list[Path], str | None]]:
        if n_jobs <= 1 or len(tasks) <= 1:
            for t in tasks:
                yield _render_entry(ladder, *t)
            return
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=get_context(),
                                 initializer=_init_worker, initargs=(ladder, os.getpid())) as pool:
            yield from pool.map(_work, tasks, chunksize=max(1, min(16, len(tasks) // (n_jobs * 8))))

    def consume(advance: Callable[[], None]) -> None:
        for line, paths, error in outcomes():
            result.written.extend(paths)
            if error is not None:
                result.problems.append(RosterProblem(path, line, error))
            if on_done is not None:
                on_done(line, paths, error)
            advance()

    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=False) as bar:
            task = bar.add_task("rendering", total=len(tasks))
            consume(lambda: bar.advance(task))
    else:
        consume(lambda: None)
    return result
