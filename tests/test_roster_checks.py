"""Roster and manifest refusals found by a new-user review: a re-render's manifest rows, raters
who would count one person twice, lists separated the wrong way, shared emails, and files not
in UTF-8 — each refused at its line (the other rows still render) or put right."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.context import RESERVED_SHEETS
from sheetladder.definition import Ladder, load
from sheetladder.errors import BadInput
from sheetladder.manifest import (
    ManifestError,
    ManifestRow,
    read_manifest,
    replace_assessments,
    update_manifest,
)
from sheetladder.render import person_context, render_one, render_roster
from sheetladder.roster import RosterError, parse_roster, read_roster

from .conftest import DEFINITIONS

SALES = DEFINITIONS / "sales-s1-s7.yaml"


def _rater_tabs(path: Path) -> list[str]:
    return [t for t in openpyxl.load_workbook(path).sheetnames if t not in RESERVED_SHEETS]


def _tabs_of(rows: list[ManifestRow], person: str) -> list[tuple[str, str]]:
    return [(r.tab, r.target) for r in rows if r.person == person]


# -- 1. a re-render replaces the person's rows in the manifest ----------------------------------


def test_rerender_with_force_replaces_the_persons_manifest_rows(sales: Ladder, tmp_path: Path):
    before = tmp_path / "before.csv"
    before.write_text("person,email,team,manager,peers\n"
                      "Ana Diaz,ana@example.com,North,Bo Chen,Cy Park\n"
                      "Ben Ortiz,ben@example.com,North,Bo Chen,Cy Park\n"
                      "Eva Lind,eva@example.com,South,Bo Chen,Di Lee\n", encoding="utf-8")
    after = tmp_path / "after.csv"
    after.write_text("person,email,team,manager,peers\n"
                     "Ben Ortiz,ben@example.com,North,Ed Fox,Cy Park;Di Lee\n", encoding="utf-8")
    out = tmp_path / "out"
    assert render_roster(sales, before, out_dir=out, period="2026-Q4").ok
    first = read_manifest(out / "manifest.csv")
    outcome = render_roster(sales, after, out_dir=out, period="2026-Q4", force=True)
    assert outcome.ok and outcome.warnings == []
    rows = read_manifest(out / "manifest.csv")
    ben = out / "ben-ortiz-2026-q4.xlsx"
    # the manifest lists exactly the tabs the workbook has: Bo Chen's is gone with it
    assert [t for t, _ in _tabs_of(rows, "Ben Ortiz")] == _rater_tabs(ben) == [
        "Self", "Ed Fox", "Cy Park", "Di Lee"]
    # the other people's rows are untouched, and stay where they were
    assert [r for r in rows if r.person != "Ben Ortiz"] == [
        r for r in first if r.person != "Ben Ortiz"]
    assert [r.person for r in rows] == ["Ana Diaz"] * 3 + ["Ben Ortiz"] * 4 + ["Eva Lind"] * 3


def test_rerender_with_split_replaces_the_persons_files_and_names_a_left_over_copy(
        sales: Ladder, tmp_path: Path):
    before = tmp_path / "before.csv"
    before.write_text("person,manager,peers\nBen Ortiz,Bo Chen,Cy Park\nAna Diaz,Bo Chen,-\n",
                      encoding="utf-8")
    after = tmp_path / "after.csv"
    after.write_text("person,manager,peers\nBen Ortiz,Ed Fox,Cy Park\n", encoding="utf-8")
    out = tmp_path / "out"
    assert render_roster(sales, before, out_dir=out, period="2026-Q4", split=True).ok
    outcome = render_roster(sales, after, out_dir=out, period="2026-Q4", split=True, force=True)
    assert outcome.ok
    rows = read_manifest(out / "manifest.csv")
    assert _tabs_of(rows, "Ben Ortiz") == [
        ("Self", "ben-ortiz-2026-q4-self.xlsx"), ("Ed Fox", "ben-ortiz-2026-q4-ed-fox.xlsx"),
        ("Cy Park", "ben-ortiz-2026-q4-cy-park.xlsx")]
    assert _tabs_of(rows, "Ana Diaz") == [
        ("Self", "ana-diaz-2026-q4-self.xlsx"), ("Bo Chen", "ana-diaz-2026-q4-bo-chen.xlsx")]
    # Bo Chen's copy of Ben's may hold ratings: it is left on disk, and named
    assert (out / "ben-ortiz-2026-q4-bo-chen.xlsx").exists()
    assert [(w.line, "ben-ortiz-2026-q4-bo-chen.xlsx" in w.message) for w in outcome.warnings] == [
        (2, True)]


def test_two_people_whose_names_give_one_file_name_each_get_their_own_file(sales: Ladder,
                                                                          tmp_path: Path):
    """José Núñez and Jose Nunez are two people (as the history tells people apart) whose names
    slug alike: the second was refused, with advice ("a distinct person") that could not be
    followed. Now the second's files end -2, in the manifest too, and a re-render with --force
    keeps each person to their own file."""
    roster = tmp_path / "team.csv"
    roster.write_text("person,email\nJosé Núñez,j1@example.com\nJose Nunez,j2@example.com\n"
                      "Jose Nunez 2,j3@example.com\n", encoding="utf-8")
    out = tmp_path / "out"
    for force in (False, True):
        outcome = render_roster(sales, roster, out_dir=out, period="2026-Q4", force=force)
        assert outcome.ok and outcome.problems == [], outcome.problems
        rows = read_manifest(out / "manifest.csv")
        assert {r.person: r.target for r in rows} == {
            "José Núñez": "jose-nunez-2026-q4.xlsx", "Jose Nunez": "jose-nunez-2-2026-q4.xlsx",
            "Jose Nunez 2": "jose-nunez-2-2-2026-q4.xlsx"}
        assert sorted(p.name for p in out.glob("*.xlsx")) == [
            "jose-nunez-2-2-2026-q4.xlsx", "jose-nunez-2-2026-q4.xlsx", "jose-nunez-2026-q4.xlsx"]
    owner = openpyxl.load_workbook(out / "jose-nunez-2-2026-q4.xlsx")["Self"]
    assert any("Jose Nunez" in str(c.value) and "José" not in str(c.value)
               for row in owner.iter_rows() for c in row if c.value)


def test_a_failed_rerender_keeps_the_persons_earlier_rows(sales: Ladder, tmp_path: Path):
    roster = tmp_path / "r.csv"
    roster.write_text("person,manager\nBen Ortiz,Bo Chen\n", encoding="utf-8")
    out = tmp_path / "out"
    assert render_roster(sales, roster, out_dir=out, period="2026-Q4").ok
    first = read_manifest(out / "manifest.csv")
    roster.write_text("person,manager\nBen Ortiz,Ed Fox\n", encoding="utf-8")
    outcome = render_roster(sales, roster, out_dir=out, period="2026-Q4")  # no --force
    assert [p.line for p in outcome.problems] == [2]
    assert read_manifest(out / "manifest.csv") == first


def _row(person: str, tab: str, period: str = "2026-Q4", target: str = "x.xlsx") -> ManifestRow:
    return ManifestRow(person=person, period=period, tab=tab, role="peer", target=target)


def test_replace_assessments_swaps_one_person_period_whole_and_keeps_the_rest(tmp_path: Path):
    old = [_row("Ana", "Self"), _row("Ben", "Self"), _row("Ben", "Bo"), _row("Ben", "Self", "2026-Q3"),
           _row("Eva", "Self")]
    new = [_row("BEN", "Self", target="new.xlsx"), _row("Ben", "Ed", target="new.xlsx"),
           _row("Fay", "Self")]
    assert replace_assessments(old, new) == [
        old[0], new[0], new[1], old[3], old[4], new[2]]
    p = tmp_path / "manifest.csv"
    update_manifest(p, old)
    update_manifest(p, new)
    assert read_manifest(p) == replace_assessments(old, new)
    assert not list(tmp_path.glob(".*tmp"))  # written via a temporary file, which is gone


# -- 2. raters who would count one person twice -------------------------------------------------


def test_the_person_as_their_own_peer_or_manager_is_refused_at_their_line(sales: Ladder,
                                                                           tmp_path: Path):
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,manager,peers\n"
                      "Ben Ortiz,ben@example.com,Bo Chen,ben  ORTIZ;Cy Park\n"
                      "Eva Lind,eva@example.com,Bo Chen,Cy Park;Di Lee\n"
                      "Fay Wu,fay@example.com,Fay Wu,Cy Park\n", encoding="utf-8")
    outcome = render_roster(sales, roster, out_dir=tmp_path / "out", period="2026-Q4")
    assert [w.name for w in outcome.written] == ["eva-lind-2026-q4.xlsx"]
    problems = {p.line: str(p) for p in outcome.problems}
    assert set(problems) == {2, 4}
    assert problems[2].startswith(f"{roster}:2: peer 'ben  ORTIZ' is the person assessed")
    assert "'Ben Ortiz'" in problems[2] and "Self tab" in problems[2]
    assert problems[4].startswith(f"{roster}:4: manager 'Fay Wu' is the person assessed")
    assert [r.person for r in read_manifest(tmp_path / "out" / "manifest.csv")] == ["Eva Lind"] * 4


def only_hal_sun_renders(sales: Ladder, text: str) -> dict[int, str]:
    """Parse a roster whose lines 2 and 3 must be refused and whose line 4 (Hal Sun) renders;
    the problems by line."""
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert [e.context.person for e in roster.entries] == ["Hal Sun"]
    problems = {p.line: p.message for p in roster.problems}
    assert set(problems) == {2, 3}
    return problems


def test_one_rater_listed_twice_whatever_case_spacing_or_role_is_refused(sales: Ladder):
    text = ("person,manager,peers\n"
            "Eva Lind,Bo Chen,Cy Park;cy  park\n"
            "Gil Ray,Bo Chen,BO CHEN;Di Lee\n"
            "Hal Sun,Bo Chen,Cy Park;Di Lee\n")
    problems = only_hal_sun_renders(sales, text)
    assert "peer 'Cy Park' and peer 'cy  park' are one person" in problems[2]
    assert "manager 'Bo Chen' and peer 'BO CHEN' are one person" in problems[3]


def test_a_rater_with_the_persons_email_or_two_raters_sharing_one_are_refused(sales: Ladder):
    """One person under two names is still one person: the email tells."""
    text = ("person,email,manager,manager_email,peers,peer_emails\n"
            "Eva Lind,eva@example.com,Bo Chen,bo@example.com,Evie L,EVA@example.com\n"
            "Gil Ray,gil@example.com,Bo Chen,bo@example.com,Cy Park;Di Lee,cy@x.com;Cy@X.com\n"
            "Hal Sun,hal@example.com,Bo Chen,bo@example.com,Cy Park;Di Lee,cy@x.com;di@x.com\n")
    problems = only_hal_sun_renders(sales, text)
    assert problems[2].startswith("peer 'Evie L' has the email of the person assessed")
    assert problems[3].startswith("peer 'Cy Park' and peer 'Di Lee' share the email")
    with pytest.raises(BadInput, match="share the email"):
        person_context(sales, "Ana Diaz", "2026-Q4",
                       ["self", "manager:Bo Chen:bo@x.com", "peer:Cy Park:BO@x.com"])
    with pytest.raises(BadInput, match="has the email of the person assessed"):
        person_context(sales, "Ana Diaz", "2026-Q4", ["self", "manager:Bo Chen:ana@x.com"],
                       email="Ana@X.com")


def test_a_rater_given_no_email_who_is_a_person_of_the_roster_gets_their_own(sales: Ladder):
    """Eva's peers Ana and Ben have rows of their own with emails; her row names them
    without. Their tabs in the manifest had no email, and status said no reminder could be
    mailed to them. They get their own rows' emails now (an unknown rater stays without)."""
    from sheetladder.roster import manifest_rows

    text = ("person,email,manager,manager_email,peers\n"
            "Eva Lind,eva@example.com,Bo Chen,bo@example.com,ana diaz;Ben Ortiz;Cy Park\n"
            "Ana Diaz,ana@example.com,Bo Chen,bo@example.com,-\n"
            "Ben Ortiz,,Bo Chen,bo@example.com,-\n")
    roster = parse_roster(sales, text, default_period="2026-Q4")
    assert not roster.problems
    eva = next(e for e in roster.entries if e.context.person == "Eva Lind")
    emails = {r.tab: r.email for r in manifest_rows(eva.context, split=False)}
    assert emails == {"Self": "eva@example.com", "Bo Chen": "bo@example.com",
                      "ana diaz": "ana@example.com", "Ben Ortiz": None, "Cy Park": None}
    # a row refused (its email is another person's) gives its email to no tab, nor does
    # another period's row
    text = ("person,email,period,manager,manager_email,peers\n"
            "Ana Diaz,ana@example.com,,Bo Chen,bo@example.com,-\n"
            "Cy Park,ana@example.com,,Bo Chen,bo@example.com,-\n"
            "Di Lee,di.old@example.com,2026-Q3,Bo Chen,bo@example.com,-\n"
            "Ben Ortiz,ben@example.com,,Bo Chen,bo@example.com,Cy Park;Di Lee\n")
    roster = parse_roster(sales, text, default_period="2026-Q4")
    assert [p.line for p in roster.problems] == [3]
    ben = next(e for e in roster.entries if e.context.person == "Ben Ortiz")
    assert {r.tab: r.email for r in manifest_rows(ben.context, split=False)} == {
        "Self": "ben@example.com", "Bo Chen": "bo@example.com", "Cy Park": None, "Di Lee": None}


def test_a_self_rater_named_as_the_person_and_unnamed_tabs_are_fine(sales: Ladder):
    ctx = person_context(sales, "Ana Diaz", "2026-Q4", ["self:ana diaz", "manager", "peer", "peer"])
    assert ctx.tabs() == ["ana diaz", "Manager", "Peer 1", "Peer 2"]
    with pytest.raises(BadInput, match="peer 'Ana Diaz' is the person assessed"):
        person_context(sales, "Ana Diaz", "2026-Q4", ["self:ana diaz", "peer:Ana Diaz"])


@pytest.mark.parametrize("raters", [["self", "peer:Ana  DIAZ"], ["manager:Bo", "peer:bo"]])
def test_cli_rater_counting_one_person_twice_is_an_error_before_anything_is_written(
        sales: Ladder, raters: list[str], tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["render", str(SALES), "--person", "Ana Diaz", "--period", "2026-Q4", "-o", "out"]
    for r in raters:
        args += ["--rater", r]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "case and spacing ignored" in result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(BadInput, match="case and spacing ignored"):
        render_one(sales, "Ana Diaz", period="2026-Q4", raters=raters, out_dir=tmp_path / "lib")
    assert not (tmp_path / "lib").exists()


# -- 3. lists separated the wrong way; two people sharing an email -------------------------------


def test_a_comma_in_a_names_cell_of_a_semicolon_roster_is_refused(sales: Ladder):
    text = ("person;email;manager;peers;peer_emails\n"
            "Ben Ortiz;ben@example.com;Bo Chen;Cy Park,Di Lee;\n"
            "Eva Lind;eva@example.com;Bo Chen;\"Cy Park;Di Lee\";cy@example.com,di@example.com\n"
            "Fay Wu;fay@example.com;Bo Chen;\"Cy Park;Di Lee\";\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert [e.context.tabs() for e in roster.entries] == [["Self", "Bo Chen", "Cy Park", "Di Lee"]]
    problems = {p.line: p.message for p in roster.problems}
    assert set(problems) == {2, 3}
    assert problems[2].startswith("peer: 'Cy Park,Di Lee' holds a ','; names are separated by ';'")
    assert 'needs double quotes: "Cy Park;Di Lee"' in problems[2]
    assert problems[3].startswith("peer emails: 'cy@example.com,di@example.com' holds a ','; "
                                  "emails are separated by ';'")


def test_a_comma_in_a_tab_separated_roster_is_refused_and_a_quoted_one_in_a_comma_file_kept(
        sales: Ladder):
    tabbed = parse_roster(sales, "person\tpeers\nBen\tCy Park, Di Lee\n", "t.tsv",
                          default_period="2026-Q4")
    assert not tabbed.entries
    assert [p.message for p in tabbed.problems] == [
        "peer: 'Cy Park, Di Lee' holds a ','; names are separated by ';': Cy Park;Di Lee"]
    # in a ','-separated file a ',' inside a cell had to be quoted on purpose: one name
    commas = parse_roster(sales, 'person,peers\nBen,"Park, Cy"\n', "c.csv", default_period="2026-Q4")
    assert not commas.problems and commas.entries[0].context.tabs()[-1] == "Park, Cy"


def test_a_surname_first_name_with_a_comma_is_one_rater_whatever_the_separator(sales: Ladder):
    """'Chen, Bo' (surname, given name) is one person: kept in ';'- and tab-separated rosters,
    as Excel saves them in many locales; only parts that are full names each make a list."""
    for text, name, peer in (('person;manager;peers\nAna Diaz;"Chen, Bo";Park, Cy\n', "s.csv",
                              "Park, Cy"),
                             ("person\tmanager\tpeers\nAna Diaz\tChen, Bo\tPark,Cy\n", "t.tsv",
                              "Park,Cy")):
        roster = parse_roster(sales, text, name, default_period="2026-Q4")
        assert not roster.problems, roster.problems
        assert roster.entries[0].context.tabs()[1:] == ["Chen, Bo", peer]


def test_two_people_sharing_an_email_refuse_the_later_row_naming_the_earlier(sales: Ladder):
    text = ("person,email,period\n"
            "Ben Ortiz,ben@example.com,2026-Q4\n"
            "Benjamin Ortiz,BEN@Example.com,2026-Q4\n"
            "ben ortiz,ben@example.com,2026-Q3\n"  # the same person in another period: fine
            "Eva Lind,eva@example.com,2026-Q4\n")
    roster = parse_roster(sales, text, "team.csv")
    assert [e.line for e in roster.entries] == [2, 4, 5]
    [problem] = roster.problems
    assert problem.line == 3
    assert "'BEN@Example.com' of 'Benjamin Ortiz' is already that of 'Ben Ortiz' on line 2" in (
        problem.message)


def test_an_email_shared_with_a_row_refused_for_another_reason_is_still_refused(sales: Ladder):
    text = ("person;email;peers\n"
            "Ben Ortiz;ben@example.com;Cy Park,Di Lee\n"
            "Benjamin Ortiz;BEN@example.com;Cy Park\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert not roster.entries
    assert [p.line for p in roster.problems] == [2, 3]
    assert "on line 2" in roster.problems[1].message



# -- 3b. one person, one email, across the rows and the rater columns ------------------------------


def test_a_rater_of_the_roster_given_another_email_than_their_own_row_is_refused(
        sales: Ladder, tmp_path: Path):
    """The new-user trial: Cy's peer Ana Diaz was given Di Lee's email, so the manifest (and
    the reminders of `status --format csv`) sent Ana's reminder to Di."""
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,manager,manager_email,peers,peer_emails\n"
                      "Ana Diaz,ana@ex.com,Bo Chen,bo@ex.com,Cy Park,cy@ex.com\n"
                      "Cy Park,cy@ex.com,Bo Chen,bo@ex.com,Ana Diaz,di@ex.com\n"
                      "Di Lee,di@ex.com,Bo Chen,bo@ex.com,Ana Diaz,ANA@ex.com\n", encoding="utf-8")
    outcome = render_roster(sales, roster, out_dir=tmp_path / "out", period="2026-Q4")
    [problem] = outcome.problems
    assert str(problem).startswith(
        f"{roster}:3: column 'peer_emails' gives peer 'Ana Diaz' the email 'di@ex.com', but the "
        "own row of 'Ana Diaz', line 2, gives 'ana@ex.com' (and 'di@ex.com' is the email of "
        "'Di Lee' on line 4)")
    assert "give 'ana@ex.com' here too" in problem.message
    emails = {(r.person, r.rater): r.email for r in read_manifest(tmp_path / "out" / "manifest.csv")}
    assert ("Cy Park", "Ana Diaz") not in emails  # nothing of line 3 reached the manifest
    assert emails[("Di Lee", "Ana Diaz")] == "ANA@ex.com"  # case aside, it is her own


def test_a_rater_given_two_emails_on_two_rows_is_refused_naming_both_lines(sales: Ladder):
    text = ("person,email,manager,manager_email,peers\n"
            "Ana Diaz,ana@ex.com,Bo Chen,bo@ex.com,-\n"
            "Cy Park,cy@ex.com,bo  chen,bob@other.com,-\n"
            "Di Lee,di@ex.com,Bo Chen,,-\n"  # no email given: no conflict
            "Eva Lind,eva@ex.com,Bo Chen,BO@ex.com,-\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert [e.line for e in roster.entries] == [2, 4, 5]
    [problem] = roster.problems
    assert problem.line == 3
    assert problem.message.startswith(
        "column 'manager_email' gives manager 'bo  chen' the email 'bob@other.com', but line 2 "
        "(column 'manager_email') gives 'Bo Chen' 'bo@ex.com'")


def test_an_email_given_to_two_names_is_refused_whichever_columns_hold_it(sales: Ladder):
    text = ("person,email,manager,manager_email,peers,peer_emails\n"
            "Ana Diaz,ana@ex.com,Bo Chen,bo@ex.com,Dee Lee,DI@ex.com\n"  # Di Lee's, line 5
            "Cy Park,cy@ex.com,Fay Wu,,Bob Chen,bo@ex.com\n"  # line 2's manager's
            "Eva Lind,eva@ex.com,Bo Chen,bo@ex.com,-,\n"
            "Di Lee,di@ex.com,Bo Chen,bo@ex.com,-,\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert [e.line for e in roster.entries] == [4, 5]
    problems = {p.line: p.message for p in roster.problems}
    assert problems[2].startswith("column 'peer_emails' gives peer 'Dee Lee' the email "
                                  "'DI@ex.com', which is that of 'Di Lee' on line 5 (column "
                                  "'email'), case ignored; two people never share an email")
    assert problems[3].startswith("column 'peer_emails' gives peer 'Bob Chen' the email "
                                  "'bo@ex.com', which line 2 (column 'manager_email') gives "
                                  "manager 'Bo Chen'")


def test_status_from_a_roster_refuses_a_rater_email_conflict_as_render_does(
        sales: Ladder, tmp_path: Path):
    from sheetladder.results.status import StatusError, expected_rows

    roster = tmp_path / "team.csv"
    roster.write_text("person,email,manager,manager_email\n"
                      "Ana Diaz,ana@ex.com,Bo Chen,bo@ex.com\n"
                      "Cy Park,cy@ex.com,Bo Chen,bob@other.com\n", encoding="utf-8")
    with pytest.raises(StatusError, match=f"^{roster}:3: column 'manager_email' gives manager "
                                          "'Bo Chen' the email 'bob@other.com', but line 2"):
        expected_rows(roster=roster, ladder=sales, period="2026-Q4")


def test_a_roster_whose_raters_keep_one_email_each_renders_every_row(sales: Ladder):
    """A manager of several people, a peer who is also a person of the roster, names written
    in other case or spacing, emails in other case, and raters without an email all pass."""
    text = ("person,email,manager,manager_email,peers,peer_emails\n"
            "Ana Diaz,ana@ex.com,Bo Chen,bo@ex.com,Cy Park;Di Lee,cy@ex.com;\n"
            "Cy Park,cy@ex.com,Bo Chen,BO@EX.COM,ana  diaz,Ana@Ex.com\n"
            "Di Lee,di@ex.com,bo chen,bo@ex.com,Ana Diaz;Cy Park,;CY@ex.com\n"
            "Bo Chen,bo@ex.com,Fay Wu,,Ana Diaz,ana@ex.com\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert not roster.problems and not roster.warnings
    assert [e.line for e in roster.entries] == [2, 3, 4, 5]


def test_two_people_whose_names_differ_only_in_accents_are_warned_of_naming_both_lines(
        sales: Ladder):
    text = ("person,email\n"
            "Ana Diaz,ana@ex.com\n"
            "Cy Park,cy@ex.com\n"
            "ANA  DÍAZ,ana.diaz@ex.com\n"
            "José Núñez,\n"
            "Jose Nunez,\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert not roster.problems and len(roster.entries) == 5  # a warning, not a refusal
    assert [(w.line, w.message) for w in roster.warnings] == [
        (4, "'ANA  DÍAZ' and 'Ana Diaz' on line 2 differ only in accents (case and spacing "
            "aside) (emails ana@ex.com and ana.diaz@ex.com), so they are two people here and in "
            "the history; if they are one person, write the name one way and keep one row"),
        (6, "'Jose Nunez' and 'José Núñez' on line 5 differ only in accents (case and spacing "
            "aside) (neither has an email), so they are two people here and in the history; if "
            "they are one person, write the name one way and keep one row")]


# -- 4. a roster not in UTF-8 ------------------------------------------------------------------


def test_a_cp1252_roster_names_the_line_and_column_of_the_bad_byte(sales: Ladder, tmp_path: Path):
    p = tmp_path / "team.csv"
    p.write_bytes("person,email\r\nAna Díaz,ana@example.com\r\nBen Ortiz,ben@example.com\r\n"
                  "Eva Lind,eva@example.com\r\n".encode()
                  + "José Núñez,jose@example.com\r\n".encode("cp1252"))
    with pytest.raises(RosterError) as err:
        read_roster(sales, p, "2026-Q4")
    assert err.value.line == 5
    assert str(err.value).startswith(f"{p}:5: not UTF-8 text: byte 0xE9 at column 4")
    assert '"CSV UTF-8' in str(err.value)


@pytest.mark.parametrize(("data", "line", "column"), [
    (b"\xef\xbb\xbfperson\nAna\n\xe9\n", 3, 1),  # a byte-order mark, LF lines
    (b"person\rAna\rBo \xfc\r", 3, 4),  # old-Mac CR lines
    (b"person\r\n\"Multi\r\nLine\"\r\nZo\xeb\r\n", 4, 3),  # lines, not records, are counted
    (b"\xe9person\n", 1, 1),
])
def test_the_bad_byte_is_found_however_lines_end(sales: Ladder, tmp_path: Path, data: bytes,
                                                 line: int, column: int):
    p = tmp_path / "team.csv"
    p.write_bytes(data)
    with pytest.raises(RosterError, match=rf"^{p}:{line}: not UTF-8 text: byte 0x.. at column "
                                          rf"{column} "):
        read_roster(sales, p, "2026-Q4")


def test_a_manifest_saved_in_cp1252_names_its_line(tmp_path: Path):
    p = tmp_path / "manifest.csv"
    p.write_bytes(b"person,tab,role,target\r\nAna,Self,self,a.xlsx\r\nJos\xe9,Self,self,j.xlsx\r\n")
    with pytest.raises(ManifestError, match=rf"^{p}:3: not UTF-8 text: byte 0xE9 at column 4"):
        read_manifest(p)


# -- advice a roster refusal gives must be safe to follow ----------------------------------------


def test_a_misspelt_column_is_not_offered_allow_column_which_would_drop_what_it_holds() -> None:
    sales = load(SALES)
    text = "person,E-mail,team,manager\nBen Ortiz,ben@example.com,North,Bo Chen\n"
    with pytest.raises(RosterError) as e:
        parse_roster(sales, text, "people.csv")
    assert "'E-mail' (did you mean 'email'? rename it)" in str(e.value)
    assert "--allow-column" not in str(e.value)
    with pytest.raises(RosterError) as e:
        parse_roster(sales, text.replace("team,", "team,notes,").replace("North,", "North,vip,"),
                     "people.csv")
    assert str(e.value).endswith("goes through with --allow-column notes")


def test_a_manifest_given_as_a_roster_is_named_as_one() -> None:
    sales = load(SALES)
    text = ('"person","period","tab","role","rater","email","target","team"\n'
            '"Ben Ortiz","2026-Q4","Self","self","Ben Ortiz","ben@example.com","b.xlsx","North"\n')
    with pytest.raises(RosterError, match="this is a manifest .* give it with --manifest"):
        parse_roster(sales, text, "manifest.csv")


def test_force_never_blanks_a_returned_workbook_put_back_in_the_render_folder(
        tmp_path: Path) -> None:
    from sheetladder.plan import C_COMMENT, C_RATING, R_FIRST

    roster = tmp_path / "team.csv"
    roster.write_text("person,manager\nBen Ortiz,Bo Chen\nEva Lind,Bo Chen\nAna Diaz,Bo Chen\n",
                      encoding="utf-8")
    out = tmp_path / "team"
    args = ["render", str(SALES), "--roster", str(roster), "--period", "2026-Q4", "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    ben, eva, ana = (out / f"{n}-2026-q4.xlsx" for n in ("ben-ortiz", "eva-lind", "ana-diaz"))
    for path, col, value in ((ben, C_RATING, "S3"), (eva, C_COMMENT, "Strong quarter")):
        wb = openpyxl.load_workbook(path)  # the returned copy, saved over the blank one
        wb["Self"].cell(R_FIRST + 1, col + 1).value = value
        wb.save(path)
    before = {p: p.read_bytes() for p in (ben, eva, ana)}
    inode = ana.stat().st_ino
    res = CliRunner().invoke(main, [*args, "--force"])
    assert res.exit_code == 1, res.output
    for p in (ben, eva):  # a rating, or only a comment: either is someone's work
        assert f"{p}: holds ratings or comments (on tab(s) 'Self')" in res.output
        assert "--force never replaces a filled workbook" in res.output
        assert p.read_bytes() == before[p]
    assert ana.stat().st_ino != inode and str(ana) not in res.output  # a blank one is replaced


def _rendered_and_rated(tmp_path: Path, people: str, tab: str, rating: str
                        ) -> tuple[Path, list[str], Path, Path]:
    """``people`` (roster lines, manager Bo Chen) rendered into team/, Ben Ortiz's ``tab``
    given ``rating`` in its first category: the roster, the render command, the folder and
    Ben's file."""
    from sheetladder.plan import C_RATING, R_FIRST

    roster = tmp_path / "team.csv"
    roster.write_text("person,manager\n" + people, encoding="utf-8")
    out = tmp_path / "team"
    args = ["render", str(SALES), "--roster", str(roster), "--period", "2026-Q4", "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    ben = out / "ben-ortiz-2026-q4.xlsx"
    wb = openpyxl.load_workbook(ben)
    wb[tab].cell(R_FIRST + 1, C_RATING + 1).value = rating
    wb.save(ben)
    return roster, args, out, ben


def test_keep_existing_renders_only_the_people_added_since_and_leaves_the_rest_alone(
        tmp_path: Path) -> None:
    roster, args, out, ben = _rendered_and_rated(
        tmp_path, "Ben Ortiz,Bo Chen\nEva Lind,Bo Chen\n", "Self", "S2")
    before = ben.read_bytes()
    with roster.open("a", encoding="utf-8") as f:
        f.write("Ana Diaz,Bo Chen\n")
    # run again as before, the roster's folder is full: each line says the way out
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1 and ben.read_bytes() == before
    assert res.output.count("already exists (it may hold someone's ratings); use --force to "
                            "replace it, or --keep-existing to render only the people whose "
                            "files are not there yet") == 2, res.output
    assert (out / "ana-diaz-2026-q4.xlsx").is_file()  # the one added was rendered
    (out / "ana-diaz-2026-q4.xlsx").unlink()
    res = CliRunner().invoke(main, [*args, "--keep-existing"])
    assert res.exit_code == 0, res.output
    assert "wrote 1 file(s) for 1 of 3 people" in res.output and "2 kept as they were" in res.output
    assert ben.read_bytes() == before and (out / "ana-diaz-2026-q4.xlsx").is_file()
    assert sorted({r.person for r in read_manifest(out / "manifest.csv")}) == [
        "Ana Diaz", "Ben Ortiz", "Eva Lind"]
    res = CliRunner().invoke(main, [*args, "--keep-existing", "--force"])
    assert res.exit_code != 0 and "--keep-existing and --force" in res.output


def test_force_counts_a_rating_that_is_no_level_as_someones_work(tmp_path: Path) -> None:
    # 'S3' and a non-breaking space reads as no level: the tab still holds someone's work
    _, args, _, ben = _rendered_and_rated(tmp_path, "Ben Ortiz,Bo Chen\n", "Bo Chen", "S3\u00a0")
    before = ben.read_bytes()
    res = CliRunner().invoke(main, [*args, "--force"])
    assert res.exit_code == 1 and "holds ratings or comments (on tab(s) 'Bo Chen')" in res.output
    assert ben.read_bytes() == before


def test_a_person_without_a_team_in_a_roster_of_teams_is_warned_of_with_their_line(
        sales: Ladder):
    """An Excel export that left one team cell empty: that person renders (a warning, not a
    refusal), but `export --team` would leave them out with nothing said, so the line is named.
    A roster of no teams at all, or of teams throughout, says nothing."""
    text = ("\ufeffPerson;Email;Team\r\n"
            "Ana Diaz;ana@ex.com;North\r\n"
            "Ben Ortiz;ben@ex.com;\r\n"
            "\r\n"
            "Cy Park;cy@ex.com;  \r\n"
            "Di Lee;di@ex.com;South\r\n")
    roster = parse_roster(sales, text, "team.csv", default_period="2026-Q4")
    assert not roster.problems and len(roster.entries) == 4
    assert [(w.line, w.message) for w in roster.warnings] == [
        (line, f"{who!r} has no team (column 'Team' is empty) while 2 of the roster's 4 people "
               "have one: `export --team` and each team's report leave them out; give their team")
        for line, who in ((3, "Ben Ortiz"), (5, "Cy Park"))]
    for quiet in ("person,email\nAna Diaz,ana@ex.com\nBen Ortiz,ben@ex.com\n",
                  "person,team\nAna Diaz,North\nBen Ortiz,South\n",
                  "person,team\nAna Diaz,\nBen Ortiz,\n"):
        assert parse_roster(sales, quiet, "team.csv", default_period="2026-Q4").warnings == []


@pytest.mark.parametrize(("heading", "hinted"), [
    ("Full name", True), ("Employee", True), ("E-mail name", False), ("Persno", True),
    ("Mitarbeiter", False)])
def test_a_roster_without_a_person_column_names_the_column_that_holds_the_names(
        heading: str, hinted: bool) -> None:
    """An HR export heads the names otherwise ('Full name', 'Employee'): the refusal says
    which column to rename 'person', and guesses none where no heading reads as names."""
    ladder = load(SALES)
    with pytest.raises(RosterError) as e:
        parse_roster(ladder, f"{heading},email\nAna Diaz,ana@example.com\n", "team.csv")
    msg = str(e.value)
    assert msg.startswith("team.csv:1: the header has no 'person' column")
    assert (f"if {heading!r} holds the names of the people to assess, rename it 'person'"
            in msg) is hinted
