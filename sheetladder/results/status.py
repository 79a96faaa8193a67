"""Who is missing: the cycle's manifest set against what the history holds.

Every rater tab handed out (a manifest row) is one of:

* **collected** — the history holds current ratings of that tab for the person and period;
* **refused** — not collected, and a returned file holding it was refused (the reasons are
  kept by ``collect``);
* **missing** — neither: nobody has sent it back yet (or only sent it blank).

A person is *complete* when every tab is collected, *partial* when some are, *not returned*
when none are. Refused files that cannot be tied to a tab of the manifest (the person and
period unknown, and a file name the manifest does not list) are listed on their own, so no
refusal goes unseen. So are people the history holds for the period whom the manifest does
not list (rendered with ``--person`` into the same folder, say): they are counted apart, so
that the totals never leave out anyone an export of the period holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Literal

from pydantic import BaseModel, Field

from ..context import folded_key, person_key
from ..definition import Ladder, load
from ..errors import BadInput, SheetladderError
from ..manifest import MANIFEST_NAME, ManifestError, ManifestRow, merge_rows, read_manifest
from ..period import PeriodError, folded, normalise, sort_key
from ..roster import manifest_rows, read_roster
from ..terminal import shown
from .export import neutralise, team_key
from .store import History, Refusal

TabState = Literal["collected", "missing", "refused"]
PersonState = Literal["complete", "partial", "not returned"]
FORMATS = ("text", "csv", "json")


class StatusError(SheetladderError):
    """No status can be given: no manifest or roster, a period it does not list, no ladder."""


class TabStatus(BaseModel):
    tab: str
    role: str
    rater: str | None = None
    email: str | None = None
    target: str
    state: TabState
    file: str | None = Field(default=None, description="The refused file, for a refused tab.")
    workbook_period: str | None = Field(
        default=None, description="The period the refused file (or the refused copy) is itself "
                                  "for, when it is another than the status' (a workbook of "
                                  "another cycle, left in this one's folder).")
    reasons: list[str] = Field(default_factory=list, description="Why it was refused.")
    refused_copy: str | None = Field(
        default=None, description="For a collected tab: a file holding it that was refused "
                                  "and is still where it was collected from (a copy put in the "
                                  "place of the one held, or sent beside it); the ratings held "
                                  "count, and ``refused_reasons`` say why the copy was not "
                                  "taken.")
    refused_reasons: list[str] = Field(default_factory=list)
    collected_as: str | None = Field(
        default=None, description="For a collected tab: the tab as the workbook collected "
                                  "spells it, when the manifest spells it otherwise only in "
                                  "accents, case or spacing (a rater's name corrected in the "
                                  "roster since render, ``Ana Díaz`` for ``Ana Diaz``).")


class PersonStatus(BaseModel):
    person: str
    period: str | None
    team: str | None = None
    state: PersonState
    tabs: list[TabStatus]
    unlisted_tabs: list[str] = Field(default_factory=list, description=(
        "Rater tabs collected for them that the manifest does not list (a workbook rendered "
        "before the roster changed, say): their ratings are in the person's figures."))
    held_team: str | None = Field(default=None, description=(
        "The team the history holds them in for the period (the workbook collected says it), "
        "when it is not ``team``, the one they are listed in (a roster edited since render): "
        "the export, and export --team, count their figures in this one; \"\" when the "
        "workbook gives them no team (export --team then leaves them out)."))
    listed_as: str | None = Field(default=None, description=(
        "The name the manifest lists them by, when the history holds them by another "
        "(renamed with `history --rename`) with the email the manifest gives them."))

    def count(self, state: TabState) -> int:
        return sum(1 for t in self.tabs if t.state == state)


class UnlistedPerson(BaseModel):
    """Someone the history holds for the period whom the manifest (or roster) does not list."""

    person: str
    period: str
    team: str | None = None
    tabs: list[str] = Field(description="The rater tabs whose ratings the history holds.")
    team_unlisted: bool = Field(default=False, description=(
        "Their team (or its absence) is none of the manifest's: no team, or a team spelt like "
        "one of its teams (a typo at render)."))


@dataclass(frozen=True)
class HeldPerson:
    """A person of a period as the history spells them: name, team, rater tabs collected;
    ``team_unlisted`` when that team is none of the manifest's (see :func:`held_people`)."""

    person: str
    team: str | None
    tabs: list[str]
    team_unlisted: bool = False


class Totals(BaseModel):
    people: int = 0
    complete: int = 0
    partial: int = 0
    not_returned: int = 0
    tabs: int = 0
    tabs_collected: int = 0
    tabs_missing: int = 0
    tabs_refused: int = 0
    not_in_manifest: int = Field(default=0, description=(
        "People collected for the period whom the manifest does not list (not in ``people``)."))
    refused_apart: int = Field(default=0, description=(
        "Refused files tied to no tab of the manifest (listed on their own, not in "
        "``tabs_refused``)."))
    tabs_unlisted: int = Field(default=0, description=(
        "Tabs collected for people of the manifest that it does not list (not in ``tabs``)."))

    @classmethod
    def of(cls, people: Sequence[PersonStatus],
           unlisted: Sequence[UnlistedPerson] = ()) -> Totals:
        """The totals of ``people`` (a whole cycle, or one team's part of it) and of the people
        collected whom the manifest does not list (``unlisted``, of the same teams)."""
        t = cls(not_in_manifest=len(unlisted))
        for p in people:
            t.people += 1
            if p.state == "complete":
                t.complete += 1
            elif p.state == "partial":
                t.partial += 1
            else:
                t.not_returned += 1
            t.tabs += len(p.tabs)
            t.tabs_collected += p.count("collected")
            t.tabs_missing += p.count("missing")
            t.tabs_refused += p.count("refused")
            t.tabs_unlisted += len(p.unlisted_tabs)
        return t

    def line(self, period: str | None, listed_in: str = "manifest") -> str:
        """The cycle in one line, as ``status`` and ``collect`` print it (``listed_in``: what
        the people were listed in, the manifest or the roster)."""
        extra = (f"; {self.not_in_manifest} collected but not in the {listed_in}"
                 if self.not_in_manifest else "")
        if self.refused_apart:
            extra += (f"; {self.refused_apart} refused file(s) tied to no tab of the "
                      f"{listed_in}")
        if self.tabs_unlisted:
            extra += f"; {self.tabs_unlisted} tab(s) collected that the {listed_in} does not list"
        people = "1 person" if self.people == 1 else f"{self.people} people"
        return (f"{period or 'no period'}: {people}, {self.complete} complete, "
                f"{self.partial} partial, {self.not_returned} not returned; "
                f"{self.tabs_collected} of {self.tabs} tabs collected, {self.tabs_missing} "
                f"missing, {self.tabs_refused} refused{extra}")


class CycleStatus(BaseModel):
    period: str | None
    people: list[PersonStatus]
    totals: Totals
    unmatched_refusals: list[Refusal] = Field(
        default_factory=list, description="Refused files no manifest row could be tied to.")
    not_in_manifest: list[UnlistedPerson] = Field(
        default_factory=list, description=(
            "People the history holds for the period whom the manifest (or roster) does not "
            "list: collected, but counted apart from ``people``."))
    listed_in: Literal["manifest", "roster"] = "manifest"
    warnings: list[str] = Field(default_factory=list, description=(
        "``FILE:LINE: message`` for what the manifest was read with but is warned of (rows "
        "hidden by a filter in an .xlsx, which are read like the others)."))


def _base(name: str) -> str:
    return PurePath(name.replace("\\", "/")).name.casefold() if "://" not in name else name


def _stem(name: str) -> str:
    """A file's name without its extension, case ignored: a workbook handed out as
    ``ana-diaz-2026-q4.xlsx`` and saved by its rater as ``ana-diaz-2026-q4.ods`` (or .csv, .xls)
    keeps it. Empty for a Google Sheet's link."""
    return "" if "://" in name else PurePath(_base(name)).stem


def _on_tab(ref: Refusal, i: int, tab: str) -> bool:
    """Whether reason ``i`` of a refusal (``sheet!cell: message`` or ``sheet: message``, or a
    conflict between two copies on a tab, :meth:`Refusal.conflict_tab_of`) is about ``tab``."""
    about = ref.conflict_tab_of(i)
    if about is not None:
        return about.casefold() == tab.casefold()
    low, t = ref.reasons[i].casefold(), tab.casefold()
    return low.startswith((t + "!", t + ": "))


def _conflict_on(ref: Refusal, tab: str) -> bool:
    """Whether ``ref`` was refused for copies that disagree on ``tab``: until one is removed
    or named with ``--keep``, which ratings are right on it is unsettled, even when the
    history holds one copy's."""
    return any((about := ref.conflict_tab_of(i)) is not None
               and about.casefold() == tab.casefold() for i in range(len(ref.reasons)))


def tab_reasons(ref: Refusal, tab: str, rows: Sequence[ManifestRow]) -> list[str]:
    """Why ``tab`` of a refused file is not collected: the reasons about that tab and those
    about no rater tab (a formula, the hidden sheet, the file). A tab that is itself fine, in a
    file refused for what is wrong on others, says so, so that a reminder goes to whoever must
    mend it and not to a rater who has done their part."""
    tabs = {r.tab.casefold() for r in rows} | {t.casefold() for t in ref.tabs}
    every = range(len(ref.reasons))
    own = [ref.reasons[i] for i in every if _on_tab(ref, i, tab)]
    general = [ref.reasons[i] for i in every if not any(_on_tab(ref, i, t) for t in tabs)]
    if own or general:
        return own + general
    others = sorted({r.tab for r in rows if any(_on_tab(ref, i, r.tab) for i in every)}
                    | {t for t in ref.tabs if any(_on_tab(ref, i, t) for i in every)},
                    key=str.casefold)
    if not others:
        return list(ref.reasons)
    split = [t for t in others if _conflict_on(ref, t)]
    wrong = [t for t in others if t not in split]
    said = []
    if wrong:
        said.append(f"for errors on {', '.join(map(repr, wrong))}")
    if split:
        said.append(f"because copies of it disagree on {', '.join(map(repr, split))}")
    then = []
    if wrong:
        then.append(f"{'that tab is' if len(wrong) == 1 else 'those tabs are'} mended")
    if split:
        then.append("one copy is kept (the others moved out of the folder, or the one to keep "
                    "named with --keep)")
    return [f"this tab's ratings are in order, but its file was refused {' and '.join(said)}: "
            f"it is collected with the file once {' and '.join(then)}"]


def cycle_status(rows: Sequence[ManifestRow], period: str | None,
                 collected: Mapping[tuple[str, str], set[str]],
                 refusals: Sequence[Refusal],
                 names: Mapping[tuple[str, str], HeldPerson] | None = None,
                 listed_in: Literal["manifest", "roster"] = "manifest",
                 tab_names: Mapping[tuple[str, str], Sequence[str]] | None = None
                 ) -> CycleStatus:
    """The status of ``period``'s manifest rows. ``collected`` maps (person key, period) to the
    rater tabs (case-folded) whose ratings the history holds; ``refusals`` are the refused
    files of the period (and those whose period is unknown), oldest first; ``names`` maps
    (person key, period) to the person's name, team and rater tabs as the history spells
    them. Whoever ``collected`` holds for ``period`` and no row lists is in
    ``not_in_manifest`` (when ``names`` is given, only those it names: :func:`held_people`
    leaves out the people of teams the rows do not list). ``tab_names`` (person key, period)
    -> the tabs held as they are spelt (:meth:`History.tab_names`), for the tabs collected for a
    person that their rows do not list."""
    mine = [r for r in rows if period is None or r.period == period]
    by_person: dict[tuple[str, str | None], list[ManifestRow]] = {}
    for r in mine:
        by_person.setdefault((person_key(r.person), r.period), []).append(r)
    # where each refusal belongs: (person key, period, tab) -> the latest refusal naming it
    refused_tab: dict[tuple[str, str | None, str], Refusal] = {}
    by_target: dict[str, list[ManifestRow]] = {}
    by_stem: dict[str, list[ManifestRow]] = {}  # a file handed out, saved in another format
    for r in mine:
        by_target.setdefault(_base(r.target), []).append(r)
        if _stem(r.target):
            by_stem.setdefault(_stem(r.target), []).append(r)
    unmatched: list[Refusal] = []
    for ref in refusals:
        keys: list[tuple[str, str | None, str]] = []
        if ref.person and ref.tabs:
            pk = person_key(ref.person)
            keys = [(pk, ref.period, t.casefold()) for t in ref.tabs
                    if any(row.tab.casefold() == t.casefold()
                           for row in by_person.get((pk, ref.period), []))]
        if not keys:  # tie it by its file name to the tabs that file was handed out with
            for row in by_target.get(_base(ref.file), []) or by_stem.get(_stem(ref.file), []):
                if ref.person is None or person_key(ref.person) == person_key(row.person):
                    keys.append((person_key(row.person), row.period, row.tab.casefold()))
        if not keys:
            unmatched.append(ref)
            continue
        for k in keys:
            refused_tab[k] = ref
    people: list[PersonStatus] = []
    for (pk, per), prow in by_person.items():
        held = collected.get((pk, per or ""), set())
        respelt = _respelt_tabs(held, [r.tab for r in prow])
        tabs: list[TabStatus] = []
        for r in prow:
            state: TabState = ("collected" if r.tab.casefold() in held
                               or r.tab.casefold() in respelt else "missing")
            why = refused_tab.get((pk, per, r.tab.casefold()))
            copy: Refusal | None = None
            if why is not None and state == "collected" and not _conflict_on(why, r.tab):
                # a good copy of the tab is held: that is what counts, and the refused copy
                # still there is named beside it (the rater may have sent it to correct one)
                copy, why = why, None
            if why is not None:
                # not collected, or held while a copy given beside it disagrees (the copy held
                # may be the wrong one: the conflict is for ops to settle)
                state = "refused"
            tabs.append(TabStatus(tab=r.tab, role=r.role, rater=r.rater, email=r.email,
                                  target=r.target, state=state,
                                  file=why.file if why else None,
                                  workbook_period=other_period(why or copy, per),
                                  reasons=tab_reasons(why, r.tab, prow) if why else [],
                                  refused_copy=copy.file if copy else None,
                                  refused_reasons=tab_reasons(copy, r.tab, prow) if copy
                                  else []))
        n = sum(1 for t in tabs if t.state == "collected")
        pstate: PersonState = ("complete" if n == len(tabs) else "partial" if n
                               else "not returned")
        team = next((r.team for r in prow if r.team), None)
        spelt = {t.casefold(): t for t in (tab_names or {}).get((pk, per or ""), [])}
        for t in tabs:
            if t.state != "missing" and t.tab.casefold() in respelt:
                t.collected_as = spelt.get(respelt[t.tab.casefold()], respelt[t.tab.casefold()])
        extra = sorted(spelt.get(t, t) for t in held - {r.tab.casefold() for r in prow}
                       - set(respelt.values()))
        people.append(PersonStatus(person=prow[0].person, period=per, team=team, state=pstate,
                                   tabs=tabs, unlisted_tabs=extra))
    people.sort(key=lambda p: ((p.team or "").casefold(), p.person.casefold(), p.period or ""))
    unlisted: list[UnlistedPerson] = []
    if period is not None:
        listed = {pk for pk, per in by_person if per == period}
        for (pk, per), got in collected.items():
            if per != period or pk in listed or not got:
                continue
            found = (names or {}).get((pk, per))
            if names is not None and found is None:
                continue  # not of a team the rows list (held_people): no one's to chase here
            unlisted.append(UnlistedPerson(
                person=found.person if found else pk, period=per,
                team=found.team if found else None,
                tabs=[t for t in found.tabs if t.casefold() in got] if found else sorted(got),
                team_unlisted=found.team_unlisted if found else False))
        unlisted.sort(key=lambda u: ((u.team or "").casefold(), u.person.casefold()))
    totals = Totals.of(people, unlisted)
    totals.refused_apart = len(unmatched)
    return CycleStatus(period=period, people=people, totals=totals,
                       unmatched_refusals=unmatched, not_in_manifest=unlisted,
                       listed_in=listed_in)


def other_period(ref: Refusal | None, period: str | None) -> str | None:
    """The period refused file ``ref`` is itself for, when it is known and not ``period`` (the
    one its refusal is listed under: the cycle whose folder it was found in); else None."""
    own = ref.workbook_period if ref is not None else None
    return own if own and own != period else None


# -- output ----------------------------------------------------------------------------------------


def _of_period(t: TabStatus) -> str:
    return f" (workbook of {t.workbook_period})" if t.workbook_period else ""


def _who(t: TabStatus) -> str:
    name = t.rater or t.tab
    mail = f" <{t.email}>" if t.email else " (no email: a reminder cannot be mailed)"
    return f"{name} ({t.role}, tab {t.tab!r}){mail}"


def _respelt_tabs(held: set[str], listed: Sequence[str]) -> dict[str, str]:
    """Listed tab (case-folded) -> the one tab held (case-folded) that no row lists and that is
    spelt as it is but for accents, case or spacing: the tab of a rater whose name the roster
    corrected after render (``Ana Díaz`` for ``Ana Diaz``). She filled the tab she was sent;
    without this she would be on the reminder list for it, and her tab counted as not listed.
    Where two tabs could be hers, neither is taken for it."""
    listed_keys = {t.casefold() for t in listed}
    spare: dict[str, list[str]] = {}
    for t in held - listed_keys:
        spare.setdefault(folded_key(t), []).append(t)
    out: dict[str, str] = {}
    wanted: dict[str, list[str]] = {}
    for t in listed_keys - held:
        wanted.setdefault(folded_key(t), []).append(t)
    for key, tabs in wanted.items():
        got = spare.get(key, [])
        if len(tabs) == 1 and len(got) == 1:
            out[tabs[0]] = got[0]
    return out


def to_text(st: CycleStatus) -> str:
    """Per team and person: what is missing and what was refused, then the totals; for a
    terminal, so a control character in a name or a file's name is written out
    (:func:`terminal.shown`)."""
    lines: list[str] = []
    team: str | None = None
    for p in st.people:
        key = (p.team or "").casefold()
        if key != team:
            team = key
            lines.append(f"team {p.team}" if p.team else "no team")
        done = p.count("collected")
        listed = (f" (listed as {p.listed_as!r} in the {st.listed_in})" if p.listed_as
                  else "")
        listed_team = f"not {p.team}" if p.team else "while listed with none"
        moved = (f"; the workbook collected says team {p.held_team}, {listed_team}: export "
                 "--team counts the figures there" if p.held_team else
                 f"; the workbook collected says no team, {listed_team}: export --team "
                 f"{p.team} leaves the figures out" if p.held_team == "" else "")
        lines.append(f"  {p.person}{listed}: {p.state} ({done} of {len(p.tabs)} tabs "
                     f"collected){moved}")
        for t in p.tabs:
            if t.state == "missing":
                lines.append(f"    missing: {_who(t)}")
            elif t.state == "refused":
                lines.append(f"    refused: {_who(t)}: {t.file}{_of_period(t)}")
                lines.extend(f"      {why}" for why in t.reasons)
            elif t.collected_as:
                lines.append(f"    collected: {t.rater or t.tab} ({t.role}), as tab "
                             f"{t.collected_as!r}, the name as the workbook was rendered with")
            elif t.refused_copy:
                lines.append(f"    collected, with a refused copy beside it: {_who(t)}: "
                             f"{t.refused_copy}{_of_period(t)} (the ratings held count; remove "
                             "the copy, or mend it and collect again to take it)")
                lines.extend(f"      {why}" for why in t.refused_reasons)
        for tab in p.unlisted_tabs:
            lines.append(f"    collected, not in the {st.listed_in}: tab {tab!r} (from a workbook "
                         "rendered before the raters changed? its ratings count in the figures)")
    if st.unmatched_refusals:
        lines.append(f"refused files not tied to a tab of the {st.listed_in}:")
        for ref in st.unmatched_refusals:
            own = other_period(ref, st.period)
            when = f"workbook of {own}" if own else ref.period or "no period"
            who = (f" ({ref.person}, {when})" if ref.person
                   else f" (workbook of {own})" if own else "")
            lines.append(f"  {ref.file}{who}")
            lines.extend(f"    {why}" for why in ref.reasons)
    if st.not_in_manifest:
        lines.append(f"collected, not in the {st.listed_in}:")
        for u in st.not_in_manifest:
            team = f" (team {u.team})" if u.team else ""
            if u.team_unlisted:
                team = (f" (team {u.team!r}, not a team of the {st.listed_in}: misspelt?)"
                        if u.team else f" (no team; the {st.listed_in}'s people have one)")
            lines.append(f"  {u.person}{team}: {len(u.tabs)} tab(s) collected: "
                         + ", ".join(u.tabs))
    lines.append(st.totals.line(st.period, st.listed_in))
    return shown("\n".join(lines) + "\n")  # names and files: shown, never sent


REMINDER_COLUMNS = ("email", "rater", "role", "person", "period", "team", "tab", "state",
                    "reason", "target")


def to_csv(st: CycleStatus, bom: bool = False) -> bytes:
    """The reminder list: one row per tab to chase (missing or refused), ready for a mail
    merge (people collected whom the manifest does not list have none); every value quoted and
    neutralised against formula injection."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(REMINDER_COLUMNS)
    for p in st.people:
        for t in p.tabs:
            if t.state == "collected":
                continue
            reason = "; ".join(t.reasons)
            if t.state == "refused" and t.workbook_period:
                reason = f"workbook of {t.workbook_period}: {reason}"
            values = [t.email, t.rater or t.tab, t.role, p.person, p.period, p.team, t.tab,
                      t.state, reason, t.target]
            w.writerow([neutralise(v or "") for v in values])
    # people collected but not listed have no tab to chase: the text and JSON name them, the
    # reminder list (for a mail merge) does not
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def to_json(st: CycleStatus) -> bytes:
    return (json.dumps(st.model_dump(mode="json"), ensure_ascii=False, indent=2)
            + "\n").encode("utf-8")


def render(st: CycleStatus, fmt: str, bom: bool = False) -> bytes:
    if fmt == "csv":
        return to_csv(st, bom=bom)
    if fmt == "json":
        return to_json(st)
    return to_text(st).encode("utf-8")


# -- from the history --------------------------------------------------------------------------


Manifests = str | Path | Sequence[str | Path]
"""One manifest, or several (a cycle rendered into one folder per team), read as one."""


def _manifest_list(manifest: Manifests | None) -> list[str | Path]:
    if manifest is None:
        return []
    return [manifest] if isinstance(manifest, (str, Path)) else list(manifest)


def expected_rows(manifest: Manifests | None = None, roster: str | Path | None = None,
                  ladder: Ladder | None = None, period: str | None = None, split: bool = False,
                  allow_columns: Sequence[str] = (), warnings: list[str] | None = None
                  ) -> list[ManifestRow]:
    """What was handed out: the manifests' rows (merged as collect merges them), or those a
    roster gives for ``ladder`` (rows without a period in ``period``, as ``render --roster
    --period [--split] [--allow-column]`` gave them, file names included: a refused file is
    tied to its tabs by them). ``warnings`` gets ``FILE:LINE: message`` for what a manifest or
    roster is read with but warned of: rows a filter hid, which are read like the others (a
    filter set since render, to hide who left, would have them reminded). A roster's other
    warnings were given by the render that read it."""
    if manifest is not None:
        return _rows_of(_manifest_list(manifest), warnings)
    assert roster is not None and ladder is not None
    parsed = read_roster(ladder, roster, default_period=period, allow_columns=allow_columns)
    if parsed.problems:
        raise StatusError(f"{parsed.problems[0]} (fix the roster, or use the manifest)")
    if warnings is not None:
        warnings.extend(str(w) for w in parsed.read_with)
    return [row for e in parsed.entries for row in manifest_rows(e.context, split, e.nth)]


def status_of(history: History, period: str | None, *, manifest: Manifests | None = None,
              roster: str | Path | None = None, definition: str | Path | None = None,
              split: bool = False, allow_columns: Sequence[str] = ()) -> CycleStatus:
    """The cycle's status for ``period`` (default: the manifest's one period) from a manifest,
    or from a roster and its ladder (``definition``, else the one ladder the history holds for
    the period), rendered one file per rater with ``split``, its extra columns let through
    with ``allow_columns`` as render's were."""
    if allow_columns and roster is None:
        raise StatusError("--allow-column goes with --roster: a manifest has no columns to allow")
    listed = _manifest_list(manifest)
    if bool(listed) == (roster is not None):
        raise StatusError("give either --manifest FILE or --roster FILE.csv")
    if split and listed:
        raise StatusError("--split goes with --roster: the manifest names each tab's file")
    ladder = None
    if roster is not None:
        # the period in its held spelling first: 'q4 2026' names 2026-Q4, whose rows the
        # roster's are given (a row keeping the spelling typed would match nothing collected)
        if period is not None and definition is None:
            period = history.resolve_period(period)
        ladder = _ladder_for_roster(history, period, definition)
        if period is not None and definition is not None:
            period = normalise(period, ladder.periods)
    warnings: list[str] = []
    rows = expected_rows(listed or None, roster, ladder, period, split, allow_columns, warnings)
    given = ", ".join(str(m) for m in listed) if listed else str(roster)
    if roster is not None and period is not None:
        rows = [r if r.period else r.model_copy(update={"period": period}) for r in rows]
    periods = sorted({r.period or "" for r in rows}, key=sort_key)
    if period is not None and period not in periods:  # another spelling of a period listed
        period = _listed_period(history, period, periods, given)
    if period is None:
        if len(periods) != 1:
            raise StatusError(f"{given} holds several periods ("
                              + ", ".join(p or "no period" for p in periods) + "); give --period")
        period = periods[0] or None
    elif period not in periods:
        raise StatusError(f"{given} lists no tab of period {period!r}; it holds "
                          + ", ".join(p or "no period" for p in periods))
    rows, renamed = held_names(history, period, rows)
    st = cycle_status(rows, period, history.collected_tabs(period), history.refusals(period),
                      held_people(history, period, rows),
                      "roster" if roster is not None else "manifest",
                      history.tab_names(period) if period else None)
    st.warnings = warnings
    _with_held_teams(history, st)
    return _with_listed_names(st, renamed)


def _with_held_teams(history: History, st: CycleStatus) -> None:
    """Give each person listed whose team the history holds otherwise for the period their
    ``held_team``: listed under one team, their figures are exported under the other."""
    if st.period is None:
        return
    held = {a.person_key: a.team for a in history.records(period=st.period,
                                                           with_categories=False)}
    for p in st.people:
        key = person_key(p.person)
        if key in held and team_key(held[key]) != team_key(p.team):
            # "" for no team: a workbook rendered before the roster gave them one
            p.held_team = held[key] or ""


def _listed_period(history: History, typed: str, periods: Sequence[str],
                   listed_in: str) -> str:
    """The period ``typed`` names: one the rows list, spelt otherwise as its scheme allows
    (``fy27 h1`` for ``FY27-H1``: the manifest does not say which scheme its labels are of,
    and before anything is collected the history holds no ladder that would), else the one
    the history resolves it to. A label that is no period is refused naming what is listed."""
    same = [p for p in periods if p and folded(p) == folded(typed)]
    if len(same) == 1:
        return same[0]
    try:
        return history.resolve_period(typed)
    except PeriodError as e:
        raise PeriodError(f"{e}; {listed_in} lists "
                          + ", ".join(p or "no period" for p in periods)) from None


def held_names(history: History, period: str | None, rows: Sequence[ManifestRow]
               ) -> tuple[list[ManifestRow], dict[str, str]]:
    """The rows with each person the history holds by another name (renamed since the
    manifest was written, with ``history --rename``) given that name, and held name -> the
    name listed. One person is one email: a person is matched by the email of their self tab
    when no one of their name is held for the period, and the one holding it is listed under no
    name of their own. Without this, a person renamed mid-cycle shows as not returned, every
    tab of theirs is on the reminder list, and they are counted again as not in the manifest."""
    if period is None:
        return list(rows), {}
    recs = history.records(period=period, with_categories=False)
    held_keys = {a.person_key for a in recs}
    listed_keys = {person_key(r.person) for r in rows if r.period == period}
    by_email = {(a.email or "").strip().casefold(): a for a in recs if (a.email or "").strip()}
    rename: dict[str, str] = {}
    for r in rows:
        mail = (r.email or "").strip().casefold()
        if r.period != period or r.role != "self" or not mail or person_key(r.person) in held_keys:
            continue
        a = by_email.get(mail)
        if a is not None and a.person_key not in listed_keys:
            rename[person_key(r.person)] = a.person
    if not rename:
        return list(rows), {}
    out = [r.model_copy(update={"person": rename[person_key(r.person)]})
           if r.period == period and person_key(r.person) in rename else r for r in rows]
    listed = {rename[person_key(r.person)]: r.person for r in rows
              if r.period == period and person_key(r.person) in rename}
    return out, listed


def _with_listed_names(st: CycleStatus, renamed: Mapping[str, str]) -> CycleStatus:
    for p in st.people:
        if p.person in renamed:
            p.listed_as = renamed[p.person]
    return st


def held_people(history: History, period: str | None, rows: Sequence[ManifestRow]
                ) -> dict[tuple[str, str], HeldPerson]:
    """(person key, period) -> the person as the history holds them, of the people collected
    for ``period`` whom ``rows`` do not list but who are of a team they list (a history that
    several teams collect into holds the other teams' people, who are no one's to chase here;
    a manifest without teams counts the people without a team). Someone of no team, or of a
    team spelt like one the rows list (``Nort`` for ``North``), is counted too, marked
    ``team_unlisted``: a typo at render would otherwise hide them from every status while
    the export holds them. Two queries in all."""
    if period is None:
        return {}
    listed = {person_key(r.person) for r in rows if r.period == period}
    teams = {team_key(r.team) for r in rows if r.period == period}
    tabs = history.tab_names(period)
    out: dict[tuple[str, str], HeldPerson] = {}
    for a in history.records(period=period, with_categories=False):
        if a.person_key in listed:
            continue
        team = team_key(a.team)
        stray = team not in teams and (not team or any(_spelt_like(team, t) for t in teams if t))
        if team not in teams and not stray:
            continue
        out[(a.person_key, a.period)] = HeldPerson(
            person=a.person, team=a.team, tabs=tabs.get((a.person_key, a.period), []),
            team_unlisted=stray)
    return out


def _spelt_like(a: str, b: str) -> bool:
    """Whether team ``a`` reads as a typo of team ``b``: one is the other cut short by a
    letter or two (``Nort``), or one letter is added, dropped, changed or two swapped
    (``Nroth``). Teams named apart (``North``, ``South``: two letters) are not."""
    if min(len(a), len(b)) < 3:
        return False
    if (a.startswith(b) or b.startswith(a)) and abs(len(a) - len(b)) <= 2:
        return True  # not 'North' for 'North East': another team
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:  # not 'Team A' for 'Team B', nor 'Pod 1' for 'Pod 2': other teams
            i = diff[0]
            word = a[:i].rsplit(" ", 1)[-1] + a[i:].split(" ", 1)[0]
            return not (a[i].isdigit() or b[i].isdigit() or len(word) <= 2)
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _ladder_for_roster(history: History, period: str | None,
                       definition: str | Path | None) -> Ladder:
    if definition is not None:
        # the ladder of workbooks already handed out: held to what it was held to then
        return load(definition, authoring=False)
    hashes = history.ladders_of_period(period) if period else []
    if period is None:
        raise StatusError("--roster needs --period (and --definition when the history holds no "
                          "ladder for that period): a roster's rows may name no period")
    if len(hashes) != 1:
        raise StatusError("--roster needs --definition: the history holds "
                          + (f"{len(hashes)} ladders" if hashes else "no ladder")
                          + f" for period {period}")
    return history.ladder(hashes[0])


def manifests_near(paths: Sequence[str | Path]) -> list[Path]:
    """The manifests of the folders and files given to collect: ``manifest.csv`` at each
    folder's top, a ``manifest.csv`` given itself among the files (``collect q4/*``), which is
    the cycle's manifest, not a returned workbook, and the readable ``manifest.csv`` beside a
    workbook given by name. Given alone, last quarter's file left in this quarter's folder
    (``collect q4/ben-ortiz-2026-q3.xlsx``) went in with exit 0 where collecting the folder
    refused it as a workbook of another cycle. (A manifest beside a file that cannot be read
    is left out: it was not given, and the file is still collected as before.)"""
    found: list[Path] = []
    seen: set[Path] = set()  # the manifests taken, and those beside a file found unreadable
    for p in paths:
        candidate = Path(p) / MANIFEST_NAME
        if Path(p).is_dir() and candidate.is_file():
            pass
        elif Path(p).is_file() and Path(p).name.casefold() == MANIFEST_NAME:
            candidate = Path(p)
        elif Path(p).is_file() and (Path(p).parent / MANIFEST_NAME).is_file():
            candidate = Path(p).parent / MANIFEST_NAME
            if candidate.resolve() in seen:
                continue  # (read once for all the files of its folder)
            seen.add(candidate.resolve())
            try:
                read_manifest(candidate)
            except ManifestError:
                continue
            found.append(candidate)
            continue
        else:
            continue
        if candidate.resolve() not in seen:
            seen.add(candidate.resolve())
            found.append(candidate)
    return found


def _rows_of(manifests: Sequence[str | Path], warnings: list[str] | None = None
             ) -> list[ManifestRow]:
    """The rows of the manifests, merged; ``warnings`` gets ``FILE:LINE: message`` for each
    thing a manifest is read with but warned of (:func:`manifest.read_manifest`'s notes)."""
    rows: list[ManifestRow] = []
    listed: dict[tuple[str, str | None], tuple[str, list[ManifestRow]]] = {}
    for m in manifests:
        notes: list[tuple[int, str]] = []
        got = read_manifest(m, notes)
        mine: dict[tuple[str, str | None], list[ManifestRow]] = {}
        for r in got:
            mine.setdefault(r.assessment(), []).append(r)
        for key, own in mine.items():
            earlier = listed.setdefault(key, (str(m), own))
            if earlier[1] is not own and _tabs(earlier[1]) != _tabs(own):
                raise BadInput(_listed_twice(own[0], earlier, (str(m), own)))
        rows = merge_rows(rows, got)
        if warnings is not None:
            warnings.extend(f"{m}:{line}: {message}" for line, message in notes)
    return rows


def _tabs(rows: Sequence[ManifestRow]) -> set[str]:
    return {r.tab.casefold() for r in rows}


def _listed_twice(row: ManifestRow, a: tuple[str, Sequence[ManifestRow]],
                  b: tuple[str, Sequence[ManifestRow]]) -> str:
    """One person and period that two manifests list with other rater tabs (rendered into
    two team folders from two rosters): collected, both workbooks' tabs would be one
    assessment, its raters the two rosters' together, and status would show one of them."""
    def said(rows: Sequence[ManifestRow]) -> str:
        return ", ".join(repr(r.tab) for r in rows)

    return (f"{row.person} ({row.period or 'no period'}) is listed in {a[0]} with tabs "
            f"{said(a[1])} and in {b[0]} with tabs {said(b[1])}: one person's workbooks "
            "rendered from two rosters would be collected as one assessment, the raters of "
            "both together. Keep them in the roster of one team, render them again from it, "
            "and remove their rows (and workbook) from the other folder's manifest")


def manifest_periods(manifests: Sequence[str | Path], warnings: list[str] | None = None
                     ) -> list[str]:
    """The periods the manifests list, in order (``warnings``: see :func:`_rows_of`)."""
    return sorted({r.period for r in _rows_of(manifests, warnings) if r.period}, key=sort_key)


def totals_lines(history: History, manifests: Sequence[str | Path]) -> list[str]:
    """``status PERIOD: ...`` for each period the manifests list, as collect ends with."""
    rows = _rows_of(manifests)
    out = []
    for period in sorted({r.period for r in rows if r.period}, key=sort_key):
        mine, renamed = held_names(history, period, rows)
        st = _with_listed_names(cycle_status(
            mine, period, history.collected_tabs(period), history.refusals(period),
            held_people(history, period, mine), tab_names=history.tab_names(period)), renamed)
        out.append("status " + st.totals.line(period))
    return out
