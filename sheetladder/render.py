"""Rendering workbooks: the library API under ``sheetladder render``.

``render_one`` writes the workbook (or the ``split`` copies) of one person; ``render_roster``
does it for every row of a roster CSV (see :mod:`sheetladder.roster` for its columns). Both
refuse to replace an existing file unless ``force``: it may already hold someone's ratings, and
even then replace only a workbook of the same person. Every workbook has a period, in the
canonical spelling of :mod:`sheetladder.period`: :func:`choose_period` gives the current
calendar quarter when none is given, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .context import Context, check_raters, checked_email, make_context, person_key
from .definition import Ladder
from .errors import BadInput
from .manifest import (
    MANIFEST_NAME,
    ManifestRow,
    read_manifest,
    replace_assessments,
    target_path,
    write_manifest,
)
from .period import PeriodError, current_quarter, normalise
from .roster import (
    BatchResult,
    RosterProblem,
    existing_targets,
    manifest_rows,
    not_own_file,
    read_roster,
    render_entries,
    targets,
    workbook_name,
    write_assessment,
)
from .xlsx.printing import Paper

DEFAULT_OUTPUT = Path("output")

RaterSpec = tuple[str, str | None, str | None]

__all__ = ["DEFAULT_OUTPUT", "RosterOutcome", "choose_period", "parse_rater", "person_context",
           "render_one", "render_roster", "workbook_name"]


def choose_period(ladder: Ladder, given: str | None,
                  required: bool = True) -> tuple[str | None, str | None]:
    """The canonical period to render, and a note to print when it was not given: the current
    calendar quarter. A ladder with its own period scheme has no default: the period must be
    given (unless not ``required``, for a roster whose rows may give theirs: then None).
    Raises PeriodError listing the accepted forms."""
    if given is not None and given.strip():
        return normalise(given, ladder.periods), None
    if ladder.periods is not None:
        if not required:
            return None, None
        raise PeriodError(f"give --period: this ladder counts periods in {ladder.periods.name} "
                          f"(e.g. {ladder.periods.example}), so there is no default")
    q = current_quarter().label
    return q, f"no --period given: using the current calendar quarter, {q}"


def parse_rater(ladder: Ladder, spec: str) -> RaterSpec:
    """``ROLE[:NAME[:EMAIL]]`` -> (role id, name, email). ROLE is a role id or name of the ladder
    (any case); the last part is taken as the email only when it holds an ``@``, so a name may
    contain colons."""
    role_text, _, rest = spec.partition(":")
    key = role_text.strip().lower()
    role = next((r for r in ladder.raters if key in (r.id.lower(), r.name.lower())), None)
    if role is None:
        raise BadInput(f"{spec!r}: unknown rater role {role_text.strip()!r}; this ladder has "
                         + ", ".join(r.id for r in ladder.raters))
    name, email = rest.strip(), None
    head, sep, tail = rest.rpartition(":")
    if sep and "@" in tail:
        name, email = head.strip(), checked_email(tail, repr(spec))
    return role.id, name or None, email


def person_context(ladder: Ladder, person: str, period: str | None = None,
                   raters: Sequence[str | RaterSpec] | None = None,
                   email: str | None = None, team: str | None = None) -> Context:
    """The context of one assessment; ``raters`` as ``ROLE[:NAME[:EMAIL]]`` strings or tuples
    (default: the ladder's raters, unnamed); the person's managers are its manager raters.
    Raters counting one person twice (the person as their own peer, a rater given twice) are a
    BadInput (:func:`~sheetladder.context.check_raters`)."""
    if not person.strip():
        raise BadInput("the person's name is empty")
    if period is not None:
        period = normalise(period, ladder.periods)
    email = checked_email(email, "the person's email")
    specs = None
    if raters:
        specs = [parse_rater(ladder, r) if isinstance(r, str) else
                 (r[0], r[1], checked_email(r[2], f"{r[0]} {r[1] or ''}".strip() + "'s email"))
                 for r in raters]
        check_raters(person, specs, email)
    return make_context(ladder, person.strip(), period or None, specs, email=email, team=team)


def render_one(ladder: Ladder, person: str, *, period: str | None = None,
               raters: Sequence[str | RaterSpec] | None = None, email: str | None = None,
               out_dir: str | Path = DEFAULT_OUTPUT, split: bool = False, force: bool = False,
               password: str | None = None, paper: Paper = "a4", team: str | None = None
               ) -> list[Path]:
    """Render one person's workbook (or one copy per rater with ``split``) into ``out_dir``;
    without ``period``, for the current calendar quarter (:func:`choose_period`).

    Raises FileExistsError, naming the file, when a target exists and ``force`` is not set, or
    it belongs to another person; then nothing is written.
    """
    ctx = person_context(ladder, person, choose_period(ladder, period)[0], raters, email, team)
    return write_assessment(ladder, ctx, Path(out_dir), split=split, force=force, password=password,
                            paper=paper)


@dataclass
class RosterOutcome:
    """What a roster run did: files written, rows that failed, and warnings about the file."""

    result: BatchResult
    rows: int
    problems: list[RosterProblem] = field(default_factory=list)
    warnings: list[RosterProblem] = field(default_factory=list)
    manifest: Path | None = None  # the manifest listing every tab written, next to the files
    defaulted: int = 0  # rows without a period of their own, given the default period
    kept: int = 0  # people whose files all exist, left as they are (keep_existing)

    @property
    def written(self) -> list[Path]:
        return self.result.written

    @property
    def ok(self) -> bool:
        return not self.problems


def render_roster(ladder: Ladder, roster: str | Path, *, out_dir: str | Path = DEFAULT_OUTPUT,
                  period: str | None = None, split: bool = False, force: bool = False,
                  password: str | None = None, jobs: int = 0, progress: bool = False,
                  paper: Paper = "a4", allow_columns: Sequence[str] = (),
                  keep_existing: bool = False, period_given: bool = True) -> RosterOutcome:
    """Render one workbook per roster row. Bad rows and existing files are reported with their
    line numbers and the other rows still render. Raises RosterError for an unusable file
    (one with an unknown column not in ``allow_columns``, say): then nothing is written.

    The tabs written are added to ``manifest.csv`` in ``out_dir`` (see :mod:`sheetladder.manifest`),
    which ``status`` and ``collect`` use to tell who has not returned; rows of earlier runs into
    the same folder are kept, so a late addition to the roster can be rendered on its own. A
    person rendered again (``force``, say, after their raters changed) has their rows for that
    period replaced by this run's (:func:`~sheetladder.manifest.replace_assessments`); a file of
    theirs from the earlier run that this one did not write is named in a warning.

    ``period``: the period of the run, typed (``period_given``, the default: a row whose
    period cell names another is refused, so a period column left from last quarter's roster
    never renders this quarter's workbooks for it), or the period of the rows without one of
    their own (not ``period_given``: the current quarter when none was typed).

    ``keep_existing``: a person whose files all exist is left as they are, files and manifest
    rows alike (people added to a roster since, rendered into the folder of the first run);
    one with only some of them is rendered as ever (refused without ``force``)."""
    if keep_existing and force:
        raise BadInput("--keep-existing and --force: give one (keep the files there, or "
                       "replace the blank ones)")
    if period is not None:
        period = normalise(period, ladder.periods)
    parsed = read_roster(ladder, roster, period, split, allow_columns,
                         period_given=period_given and period is not None)
    entries, kept = list(parsed.entries), 0
    not_own: list[RosterProblem] = []
    gone: list[RosterProblem] = []
    if keep_existing:
        out = Path(out_dir)
        old_rows = _old_manifest(out / MANIFEST_NAME)
        listed = _listed_files(old_rows)
        gone = _gone(old_rows, parsed.listed, out / MANIFEST_NAME, str(roster))
        todo = []
        for e in entries:
            there = existing_targets(e.context, out, split, e.nth)
            if len(there) < len(targets(e.context, split, e.nth)):
                todo.append(e)
                continue
            why = not_own_file(e.context, there, listed.get(e.context.period or "", {}))
            if why is not None:  # someone else's files: neither kept nor replaced
                not_own.append(RosterProblem(str(roster), e.line, why))
                continue
            kept += 1
            changed = _changed(old_rows, manifest_rows(e.context, split, e.nth))
            if changed is not None:
                gone.append(RosterProblem(str(roster), e.line, changed))
        entries = todo
    result = render_entries(ladder, entries, out_dir, path=str(roster), split=split,
                            force=force, password=password, jobs=jobs, progress=progress,
                            paper=paper)
    problems = sorted(parsed.problems + not_own + result.problems, key=lambda p: p.line)
    failed = {p.line for p in result.problems}
    done = [e for e in entries if e.line not in failed]
    rows = {e.line: manifest_rows(e.context, split, e.nth) for e in done}
    manifest, warnings = None, list(parsed.warnings) + gone
    if done:
        path = Path(out_dir) / MANIFEST_NAME
        old = read_manifest(path) if path.exists() else []
        warnings += _left_over(old, rows, path, str(roster))
        manifest = write_manifest(path, replace_assessments(
            old, [r for e in done for r in rows[e.line]]))
    return RosterOutcome(result=result, rows=len(parsed.entries) + len(parsed.problems),
                         problems=problems, warnings=warnings, manifest=manifest,
                         defaulted=parsed.defaulted, kept=kept)


def _old_manifest(manifest: Path) -> list[ManifestRow]:
    """The rows of the folder's manifest; none when it has none, or one that cannot be read
    (each file then says whose it is)."""
    from .manifest import ManifestError

    try:
        return read_manifest(manifest) if manifest.is_file() else []
    except ManifestError:
        return []


def _gone(rows: Sequence[ManifestRow], listed: set[tuple[str, str | None]], manifest: Path,
          roster: str) -> list[RosterProblem]:
    """A warning for each person the manifest lists, for a period the roster has rows of,
    whom the roster no longer lists (``listed``: its rows' person keys and periods): status and
    collect go on counting them until their rows are deleted from the manifest."""
    periods = {period for _, period in listed}
    out: list[RosterProblem] = []
    seen: set[tuple[str, str | None]] = set()
    for r in rows:
        who = (person_key(r.person), r.period)
        if r.period in periods and who not in listed and who not in seen:
            seen.add(who)
            out.append(RosterProblem(roster, 1, (
                f"{manifest} lists {r.person!r} for {r.period}, whom {roster} no longer has: "
                "status and collect go on counting them (not returned, with reminders); if "
                f"they are not to be assessed, delete their rows from {manifest.name} and "
                "their file from the folder")))
    return out


def _changed(old: Sequence[ManifestRow], new: Sequence[ManifestRow]) -> str | None:
    """What the roster now gives a person kept as they were that the manifest's rows of them
    (what their files hold) do not: other rater tabs, raters' emails, another team; None when
    the manifest lists them as the roster gives them, or does not list them (nothing to go
    by)."""
    if not new:
        return None
    key = new[0].assessment()
    held = [r for r in old if r.assessment() == key]
    if not held:
        return None

    def tabs(rows: Sequence[ManifestRow]) -> set[tuple[str, str, str]]:
        return {(r.tab, r.role, (r.email or "").casefold()) for r in rows}

    def text(found: set[tuple[str, str, str]]) -> str:
        return ", ".join(f"tab {t!r} ({role}{', ' + mail if mail else ''})"
                         for t, role, mail in sorted(found))

    said: list[str] = []
    gained, lost = tabs(new) - tabs(held), tabs(held) - tabs(new)
    if gained:
        said.append(text(gained))
    if lost:
        said.append(f"where the files have {text(lost)}")
    team_new, team_held = new[0].team or "", held[0].team or ""
    if " ".join(team_new.split()).casefold() != " ".join(team_held.split()).casefold():
        said.append(f"team {team_new or '(none)'} where the files say {team_held or '(none)'}")
    if not said:
        return None
    return (f"{new[0].person!r} is kept as their files were made, but this roster gives them "
            + "; ".join(said) + ": the files still hold what they were made with, which "
            "collect and the export go by (and status --roster would chase what no file "
            "holds). To hand out the new, move their files out of the folder (collect them "
            "first if filled) and render them again")


def _listed_files(rows: Sequence[ManifestRow]) -> dict[str, dict[str, str]]:
    """period -> file name -> the person the manifest's ``rows`` list that file for."""
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.target and "://" not in r.target:
            out.setdefault(r.period or "", {}).setdefault(Path(r.target).name, r.person)
    return out


def _left_over(old: Sequence[ManifestRow], rows: dict[int, list[ManifestRow]], manifest: Path,
               roster: str) -> list[RosterProblem]:
    """A warning for each file an earlier render made for a person rendered again that this
    render did not write (a --split copy of a rater no longer listed, or the other kind of
    run): it is dropped from the manifest but stays on disk, where collect would read it."""
    out = []
    for line, new in rows.items():
        if not new:
            continue
        key, written = new[0].assessment(), {r.target for r in new}
        stale = {r.target: r for r in old if r.assessment() == key and r.target not in written}
        for row in stale.values():
            found = target_path(manifest, row)
            if found is not None and found.exists():
                out.append(RosterProblem(
                    roster, line, f"{found}: left from an earlier render of {new[0].person!r} "
                                  f"and no longer in {manifest.name} (its tabs are not this "
                                  "render's): delete it, or move it out of the folder, so "
                                  "collect does not read it"))
    return out
