"""Who is missing, team by team: a cycle of eight people in two teams, run through the CLI.

render --roster (with --split) writes the files and their manifest; some raters fill their
tab, some do not, one returns a tab with a rating that is not a level (refused), one returns
it blank, and a stray file that is not a workbook is dropped in too. ``status`` must list
exactly the tabs missing and refused, in text, CSV and JSON; collect ends with the same
totals; and the export carries each person's team and manager and filters by team.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from hypothesis import given as hyp_given
from hypothesis import settings
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.manifest import read_manifest
from sheetladder.plan import C_RATING, R_FIRST

from .conftest import DEFINITIONS, SMALL

PERIOD = "2026-Q4"
# person, team, manager, peers (two), emails of the peers
TEAM = [
    ("Ana Diaz", "North", "Bo Chen", ("Cy Park", "Di Lee")),
    ("Ben Ortiz", "North", "Bo Chen", ("Ana Diaz", "=Zed")),
    ("Cy Park", "North", "Bo Chen", ("Ana Diaz", "Ben Ortiz")),
    ("Dee Ng", "North", "Bo Chen", ("Cy Park", "Ben Ortiz")),
    ("Eve Lund", "South", "Ola Berg", ("Fay Wu", "Gus Roy")),
    ("Fay Wu", "South", "Ola Berg", ("Eve Lund", "Hal Ito")),
    ("Gus Roy", "South", "Ola Berg", ("Eve Lund", "Fay Wu")),
    ("Hal Ito", "South", "Ola Berg", ("Gus Roy", "Fay Wu")),
]


def mail(name: str) -> str:
    return name.strip("=").lower().replace(" ", ".") + "@example.com"


ROSTER = "person,email,team,manager,manager_email,peers,peer_emails\n" + "".join(
    f'{p},{mail(p)},{team},{m},{mail(m)},"{peers[0]};{peers[1]}","{mail(peers[0])};{mail(peers[1])}"\n'
    for p, team, m, peers in TEAM)

# Which tabs come back, per person (tabs are named after the raters; the self tab is "Self").
FILLED = {
    "Ana Diaz": ["Self", "Bo Chen", "Cy Park", "Di Lee"],  # complete
    "Ben Ortiz": ["Self", "Bo Chen"],  # partial: Ana Diaz and =Zed missing
    "Cy Park": [],  # not returned
    "Dee Ng": ["Self", "Bo Chen", "Cy Park"],  # Ben Ortiz's tab is refused (below)
    "Eve Lund": ["Self", "Ola Berg", "Fay Wu", "Gus Roy"],  # complete
    "Fay Wu": ["Self"],  # partial
    "Gus Roy": [],  # not returned
    "Hal Ito": ["Self", "Ola Berg", "Gus Roy"],  # Fay Wu returns a blank copy: missing
}
REFUSED = ("Dee Ng", "Ben Ortiz")
BLANK = ("Hal Ito", "Fay Wu")


def expected_missing() -> set[tuple[str, str]]:
    out = set()
    for person, _team, manager, peers in TEAM:
        for tab in ("Self", manager, *peers):
            if tab not in FILLED[person] and (person, tab) != REFUSED:
                out.add((person, tab))
    return out


def invoke(*args: str) -> Result:
    if args and args[0] == "collect":  # the cycle's ladder is this test's own: trust it
        args = (*args, "--trust-new")
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def fill(path: Path, tab: str, codes: Iterable[str]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[tab]
    for j, code in enumerate(codes):
        ws.cell(R_FIRST + j + 1, C_RATING + 1).value = code
    wb.save(path)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | Result]:
    tmp = tmp_path_factory.mktemp("cycle")
    ladder = tmp / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp / "team.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp / "out"
    res = invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                 "-o", str(out), "--split")
    assert res.exit_code == 0, res.output
    manifest = out / "manifest.csv"
    rows = read_manifest(manifest)
    for person, tabs in FILLED.items():
        for row in rows:
            if row.person == person and row.tab in tabs:
                fill(out / row.target, row.tab, ["L2", "L3"])
            elif (row.person, row.tab) == REFUSED:
                fill(out / row.target, row.tab, ["L2", "L9"])  # not a level: refused
    (out / "stray.xlsx").write_bytes(b"this is not a workbook")
    db = tmp / "history.sqlite"
    collected = invoke("collect", str(out), "--db", str(db), "-j", "1")
    return {"tmp": tmp, "out": out, "manifest": manifest, "db": db, "roster": roster,
            "ladder": ladder, "collect": collected}


def test_render_roster_writes_a_manifest_of_every_tab_and_its_file(cycle: dict) -> None:
    rows = read_manifest(cycle["manifest"])
    assert len(rows) == 8 * 4
    ben = {r.tab: r for r in rows if r.person == "Ben Ortiz"}
    assert set(ben) == {"Self", "Bo Chen", "Ana Diaz", "=Zed"}
    assert (ben["Bo Chen"].role, ben["Bo Chen"].rater, ben["Bo Chen"].email) == (
        "manager", "Bo Chen", "bo.chen@example.com")
    assert (ben["Self"].role, ben["Self"].email) == ("self", "ben.ortiz@example.com")
    assert ben["=Zed"].email == "zed@example.com" and ben["=Zed"].team == "North"
    assert all(r.period == PERIOD for r in rows)
    for r in rows:  # each tab's own --split file, next to the manifest
        assert (cycle["out"] / r.target).is_file()
        assert openpyxl.load_workbook(cycle["out"] / r.target, read_only=True).sheetnames.count(
            r.tab) == 1
    assert len({r.target for r in rows}) == 32


def test_collect_ends_with_the_cycles_totals(cycle: dict) -> None:
    res = cycle["collect"]
    assert res.exit_code == 1  # the refused tab and the stray file
    last = res.stdout.strip().splitlines()[-1]
    assert last == (f"status {PERIOD}: 8 people, 2 complete, 4 partial, 2 not returned; "
                    "17 of 32 tabs collected, 14 missing, 1 refused; 1 refused file(s) tied to "
                    "no tab of the manifest")  # stray.xlsx


def test_status_text_lists_exactly_the_missing_and_the_refused(cycle: dict) -> None:
    res = invoke("status", "--period", PERIOD, "--manifest", str(cycle["manifest"]),
                 "--db", str(cycle["db"]))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    missing: set[tuple[str, str]] = set()
    person = None
    for line in lines:
        if line.startswith("  ") and not line.startswith("    "):
            person = line.strip().split(":")[0]
        if line.strip().startswith("missing: "):
            missing.add((person, line.split("tab '", 1)[1].split("'")[0]))
    assert missing == expected_missing()
    refused = [i for i, line in enumerate(lines) if line.strip().startswith("refused: ")]
    assert len(refused) == 1
    assert "Ben Ortiz (peer, tab 'Ben Ortiz') <ben.ortiz@example.com>" in lines[refused[0]]
    assert "dee-ng-2026-q4-ben-ortiz.xlsx" in lines[refused[0]]
    assert "'L9' is not a level" in lines[refused[0] + 1]
    assert "  Ana Diaz: complete (4 of 4 tabs collected)" in lines
    assert "  Cy Park: not returned (0 of 4 tabs collected)" in lines
    assert lines.index("team North") < lines.index("  Ana Diaz: complete (4 of 4 tabs collected)")
    assert lines.index("team South") > lines.index("  Dee Ng: partial (3 of 4 tabs collected)")
    stray = lines.index("refused files not tied to a tab of the manifest:")
    assert lines[stray + 1].strip().endswith("stray.xlsx")
    totals = next(line for line in lines if line.startswith(f"{PERIOD}: "))
    assert lines[-1].startswith("from ")  # the database is named
    assert totals == (f"{PERIOD}: 8 people, 2 complete, 4 partial, 2 not returned; "
                      "17 of 32 tabs collected, 14 missing, 1 refused; 1 refused file(s) tied "
                      "to no tab of the manifest")


def test_status_csv_is_a_safe_reminder_list(cycle: dict) -> None:
    res = invoke("status", "--period", PERIOD, "--manifest", str(cycle["manifest"]),
                 "--db", str(cycle["db"]), "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == ["email", "rater", "role", "person", "period", "team", "tab",
                             "state", "reason", "target"]
    got = {(r["person"], r["tab"].removeprefix("'")): r for r in rows}
    assert set(got) == expected_missing() | {REFUSED}
    assert all(r["state"] == "missing" for k, r in got.items() if k != REFUSED)
    ref = got[REFUSED]
    assert ref["state"] == "refused" and "'L9' is not a level" in ref["reason"]
    assert ref["email"] == "ben.ortiz@example.com"
    zed = got[("Ben Ortiz", "=Zed")]
    assert (zed["rater"], zed["tab"], zed["email"]) == ("'=Zed", "'=Zed", "zed@example.com")
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert {r["team"] for r in rows} == {"North", "South"}


def test_status_csv_with_bom_starts_with_one_for_excel_and_bom_needs_csv(cycle: dict) -> None:
    args = ["status", "--period", PERIOD, "--manifest", str(cycle["manifest"]),
            "--db", str(cycle["db"])]
    res = CliRunner().invoke(main, [*args, "--format", "csv", "--bom"])
    assert res.exit_code == 0, res.output
    assert res.stdout_bytes.startswith(b"\xef\xbb\xbf\"email\",")
    plain = CliRunner().invoke(main, [*args, "--format", "csv"])
    assert res.stdout_bytes[3:] == plain.stdout_bytes
    res = CliRunner().invoke(main, [*args, "--bom"])
    assert res.exit_code == 1 and "--bom goes with --format csv" in res.output


def test_status_json_holds_every_tab_with_its_state(cycle: dict) -> None:
    res = invoke("status", "--period", PERIOD, "--manifest", str(cycle["manifest"]),
                 "--db", str(cycle["db"]), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["totals"] == {"people": 8, "complete": 2, "partial": 4, "not_returned": 2,
                              "tabs": 32, "tabs_collected": 17, "tabs_missing": 14,
                              "tabs_refused": 1, "not_in_manifest": 0, "refused_apart": 1,
                              "tabs_unlisted": 0}
    assert data["not_in_manifest"] == []  # everyone collected is on the manifest
    states = {(p["person"], t["tab"]): t["state"] for p in data["people"] for t in p["tabs"]}
    assert {k for k, s in states.items() if s == "missing"} == expected_missing()
    assert [k for k, s in states.items() if s == "refused"] == [REFUSED]
    assert {k for k, s in states.items() if s == "collected"} == {
        (p, t) for p, tabs in FILLED.items() for t in tabs}
    by_person = {p["person"]: p for p in data["people"]}
    assert by_person["Ana Diaz"]["state"] == "complete"
    assert by_person["Gus Roy"]["state"] == "not returned"
    assert by_person["Hal Ito"]["state"] == "partial" and by_person["Hal Ito"]["team"] == "South"
    assert [Path(r["file"]).name for r in data["unmatched_refusals"]] == ["stray.xlsx"]


def test_status_from_the_roster_agrees_with_the_manifest(cycle: dict) -> None:
    res = invoke("status", "--period", PERIOD, "--roster", str(cycle["roster"]),
                 "--definition", str(cycle["ladder"]), "--db", str(cycle["db"]),
                 "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    states = {(p["person"], t["tab"]): t["state"] for p in data["people"] for t in p["tabs"]}
    assert {k for k, s in states.items() if s == "missing"} == expected_missing()
    assert [k for k, s in states.items() if s == "refused"] == [REFUSED]


def test_status_from_the_roster_takes_the_period_in_any_accepted_spelling(cycle: dict) -> None:
    def status(*how: str) -> str:
        res = invoke("status", "--roster", str(cycle["roster"]), "--db", str(cycle["db"]),
                     "--format", "json", *how)
        assert res.exit_code == 0, res.output
        return res.stdout

    want = status("--period", PERIOD)
    assert '"collected"' in want
    for typed in ("q4 2026", "2026q4"):  # PERIOD is 2026-Q4
        assert status("--period", typed) == want
        assert status("--period", typed, "--definition", str(cycle["ladder"])) == want
    res = invoke("status", "--roster", str(cycle["roster"]), "--db", str(cycle["db"]))
    assert res.exit_code != 0 and "--roster needs --period" in res.output


def test_status_and_report_take_a_roster_with_the_columns_render_was_allowed(
        cycle: dict, tmp_path: Path) -> None:
    lines = cycle["roster"].read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "noted.csv"
    roster.write_text("\n".join([lines[0] + ",notes"] + [x + ",vip" for x in lines[1:]]) + "\n",
                      encoding="utf-8")
    common = ("--roster", str(roster), "--db", str(cycle["db"]), "--period", PERIOD)
    res = invoke("status", *common, "--split")
    assert res.exit_code != 0 and "--allow-column notes" in res.output
    res = invoke("status", *common, "--split", "--format", "json", "--allow-column", "notes")
    assert res.exit_code == 0, res.output
    plain = invoke("status", "--roster", str(cycle["roster"]), "--db", str(cycle["db"]),
                   "--period", PERIOD, "--split", "--format", "json")
    assert res.stdout == plain.stdout
    res = invoke("report", "-o", str(tmp_path / "site"), *common, "--allow-column", "notes")
    assert res.exit_code == 0, res.output
    res = invoke("status", "--manifest", str(cycle["manifest"]), "--db", str(cycle["db"]),
                 "--allow-column", "notes")
    assert res.exit_code != 0 and "--allow-column goes with --roster" in res.output


def test_status_from_the_roster_of_a_split_cycle_ties_an_unreadable_file_by_its_name(
        cycle: dict, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "h.sqlite"
    shutil.copy(cycle["db"], db)
    rows = read_manifest(cycle["manifest"])
    row = next(r for r in rows if (r.person, r.tab) == ("Cy Park", "Self"))
    broken = tmp_path / row.target  # Cy Park's own file comes back broken: nothing to read in it
    broken.write_bytes(b"PK\x03\x04 not a zip any more")
    assert invoke("collect", str(broken), "--db", str(db)).exit_code == 1

    def states(*how: str) -> tuple[dict, dict]:
        res = invoke("status", "--period", PERIOD, *how, "--db", str(db), "--format", "json")
        assert res.exit_code == 0, res.output
        data = json.loads(res.stdout)
        return ({(p["person"], t["tab"]): t["state"] for p in data["people"] for t in p["tabs"]},
                data["totals"])

    roster = ("--roster", str(cycle["roster"]), "--definition", str(cycle["ladder"]))
    by_manifest = states("--manifest", str(cycle["manifest"]))
    assert by_manifest[0][("Cy Park", "Self")] == "refused"
    # told the cycle was split, the roster names each tab's file as render wrote it
    assert states(*roster, "--split") == by_manifest
    # without --split it expects one file per person, and cannot tie this one to a tab
    unsplit = states(*roster)
    assert unsplit[0][("Cy Park", "Self")] == "missing"
    assert unsplit[1]["refused_apart"] == by_manifest[1]["refused_apart"] + 1
    res = invoke("status", "--manifest", str(cycle["manifest"]), "--split", "--db", str(db))
    assert res.exit_code == 1 and "--split goes with --roster" in res.output


def test_a_person_renamed_in_the_history_mid_cycle_is_matched_by_their_email(
        cycle: dict, tmp_path: Path) -> None:
    """`history --rename` after the manifest was written: the person used to show as not
    returned, with every tab on the reminder list, and again as collected but not listed."""
    import shutil

    db = tmp_path / "h.sqlite"
    shutil.copy(cycle["db"], db)
    before = invoke("status", "--period", PERIOD, "--manifest", str(cycle["manifest"]),
                    "--db", str(db))
    res = invoke("history", "Ana Diaz", "--rename", "Ana Díaz Ruiz", "--db", str(db))
    assert res.exit_code == 0, res.output
    args = ["status", "--period", PERIOD, "--manifest", str(cycle["manifest"]), "--db", str(db)]
    text = invoke(*args).stdout
    assert ("  Ana Díaz Ruiz (listed as 'Ana Diaz' in the manifest): complete (4 of 4 tabs "
            "collected)") in text.splitlines()
    assert text.strip().splitlines()[-1] == before.stdout.strip().splitlines()[-1]
    assert "not in the manifest" not in text.replace("in the manifest)", "")
    rows = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv").stdout)))
    assert not any("Ana D" in r["person"] for r in rows)
    data = json.loads(invoke(*args, "--format", "json").stdout)
    [ana] = [p for p in data["people"] if p["person"] == "Ana Díaz Ruiz"]
    assert ana["listed_as"] == "Ana Diaz" and ana["state"] == "complete"
    assert data["not_in_manifest"] == []


def test_a_fixed_copy_turns_the_refused_tab_collected(cycle: dict, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "h.sqlite"
    shutil.copy(cycle["db"], db)
    rows = read_manifest(cycle["manifest"])
    row = next(r for r in rows if (r.person, r.tab) == REFUSED)
    fixed = tmp_path / "fixed.xlsx"
    shutil.copy(cycle["out"] / row.target, fixed)
    fill(fixed, row.tab, ["L2", "L1"])
    res = invoke("collect", str(fixed), "--db", str(db), "--manifest", str(cycle["manifest"]))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip().splitlines()[-1].endswith(
        "18 of 32 tabs collected, 14 missing, 0 refused; 1 refused file(s) tied to no tab of "
        "the manifest")  # stray.xlsx, still there


def test_exports_carry_team_and_manager_and_filter_by_team(cycle: dict) -> None:
    db = str(cycle["db"])
    res = invoke("export", "--period", PERIOD, "--db", db, "--format", "json", "-o", "-")
    assert res.exit_code == 0, res.output
    people = {p["person"]: p for p in json.loads(res.stdout)["people"]}
    assert set(people) == {p for p, tabs in FILLED.items() if tabs}
    for person, team, manager, _ in TEAM:
        if person in people:
            assert people[person]["team"] == team
            assert people[person]["managers"] == [manager]
            assert people[person]["email"] == mail(person)
    teams = {t["team"]: t for t in json.loads(res.stdout)["teams"]}
    for name in ("North", "South"):
        mine = [p for p in people.values() if p["team"] == name]
        done = [p for p in mine if p["complete"]]
        assert (teams[name]["people"], teams[name]["complete"]) == (len(mine), len(done))
        assert sum(teams[name]["levels"].values()) == len(done)
        assert teams[name]["mean_total"] == pytest.approx(
            sum(p["total_points"] for p in mine) / len(mine))
    assert list(teams) == ["North", "South"]  # grouped: rows and teams in team order
    assert [p["team"] for p in json.loads(res.stdout)["people"]] == ["North"] * 3 + ["South"] * 3
    res = invoke("export", "--period", PERIOD, "--db", db, "--format", "json", "-o", "-",
                 "--team", "north")
    assert res.exit_code == 0, res.output
    north = json.loads(res.stdout)["people"]
    assert sorted(p["person"] for p in north) == ["Ana Diaz", "Ben Ortiz", "Dee Ng"]
    res = invoke("export", "--period", PERIOD, "--db", db, "--format", "csv", "-o", "-",
                 "--team", "South")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {(r["Person"], r["Team"], r["Managers"]) for r in rows} == {
        ("Eve Lund", "South", "Ola Berg"), ("Fay Wu", "South", "Ola Berg"),
        ("Hal Ito", "South", "Ola Berg")}
    xlsx = cycle["tmp"] / "north.xlsx"
    res = invoke("export", "--period", PERIOD, "--db", db, "--format", "xlsx", "-o", str(xlsx),
                 "--team", "North")
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(xlsx)["Results"]
    header = [c.value for c in ws[1]]
    t, m, p = header.index("Team"), header.index("Managers"), header.index("Person")
    got = {(r[p].value, r[t].value, r[m].value) for r in ws.iter_rows(min_row=2) if r[p].value}
    assert got == {("Ana Diaz", "North", "Bo Chen"), ("Ben Ortiz", "North", "Bo Chen"),
                   ("Dee Ng", "North", "Bo Chen")}
    teams_ws = openpyxl.load_workbook(xlsx)["Teams"]
    assert [c.value for c in teams_ws[3]][:4] == ["Team", "People", "Complete", "Mean total"]
    assert [c.value for c in teams_ws[4]][:3] == ["North", 3, 3]
    res = invoke("export", "--period", PERIOD, "--db", db, "--team", "West", "-o", "-")
    assert res.exit_code == 1 and "no assessments of team 'West'" in res.output
    assert "North, South" in res.output


def test_one_persons_team_and_managers_read_back_from_the_workbook(tmp_path: Path) -> None:
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    res = invoke("render", str(ladder), "--person", "Ana Diaz", "--period", PERIOD,
                 "--team", "North", "--rater", "self", "--rater", "manager:Bo Chen",
                 "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    got = json.loads(invoke("read", str(tmp_path / "ana-diaz-2026-q4.xlsx"), "--json").stdout)
    assert (got["person"], got["team"], got["managers"]) == ("Ana Diaz", "North", ["Bo Chen"])
    res = invoke("render", str(ladder), "--roster", str(tmp_path / "r.csv"), "--team", "North")
    assert res.exit_code == 2 and "--team go with --person" in res.output


def test_refusals_are_tied_by_tab_or_else_by_file_name() -> None:
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status
    from sheetladder.results.store import Refusal

    def row(person: str, tab: str, target: str) -> ManifestRow:
        return ManifestRow(person=person, period=PERIOD, tab=tab, role="peer", rater=tab,
                           target=target)

    rows = [row("Ana", "Cy", "ana-cy.xlsx"), row("Ana", "Di", "ana-di.xlsx"),
            row("Ben", "Cy", "ben-cy.xlsx")]
    refusals = [
        # unreadable: no person known, tied by its file name (in another folder, other case)
        Refusal(file="/returns/ANA-DI.xlsx", content_hash="1"),
        # names its tab, but a good copy came later: collected wins
        Refusal(file="x.xlsx", content_hash="2", person="ben", period=PERIOD, tabs=["Cy"]),
        # a tab the manifest does not list, a file it does not name: shown on its own
        Refusal(file="y.xlsx", content_hash="3", person="Ana", period=PERIOD, tabs=["Zed"]),
    ]
    st = cycle_status(rows, PERIOD, {("ben", PERIOD): {"cy"}}, refusals)
    states = {(p.person, t.tab): (t.state, t.file) for p in st.people for t in p.tabs}
    assert states == {("Ana", "Cy"): ("missing", None), ("Ana", "Di"): ("refused", "/returns/ANA-DI.xlsx"),
                      ("Ben", "Cy"): ("collected", None)}
    assert [r.file for r in st.unmatched_refusals] == ["y.xlsx"]
    assert (st.totals.complete, st.totals.partial, st.totals.not_returned) == (1, 0, 1)
    assert st.totals.refused_apart == 1  # listed on its own, and counted
    assert st.totals.line(PERIOD).endswith("1 refused; 1 refused file(s) tied to no tab of the "
                                           "manifest")


def test_a_tab_collected_that_the_manifest_does_not_list_is_named_with_its_person() -> None:
    """A workbook rendered before the roster changed (Ana's peer Cy replaced by Di) brings a
    tab the manifest no longer lists: its ratings count in Ana's figures, so status says so."""
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status, to_json, to_text

    rows = [ManifestRow(person="Ana", period=PERIOD, tab=t, role=role, rater=t, target="a.xlsx")
            for t, role in (("Self", "self"), ("Di", "peer"))]
    st = cycle_status(rows, PERIOD, {("ana", PERIOD): {"self", "di", "cy park"}}, [],
                      tab_names={("ana", PERIOD): ["Self", "Cy Park", "Di"]})
    (ana,) = st.people
    assert (ana.state, ana.unlisted_tabs) == ("complete", ["Cy Park"])
    assert st.totals.tabs_unlisted == 1 and st.totals.tabs == 2
    assert st.totals.line(PERIOD).endswith("; 1 tab(s) collected that the manifest does not list")
    assert "collected, not in the manifest: tab 'Cy Park'" in to_text(st)
    assert json.loads(to_json(st))["people"][0]["unlisted_tabs"] == ["Cy Park"]


def test_a_tab_to_chase_without_an_email_says_no_reminder_can_be_mailed() -> None:
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status, to_text

    rows = [ManifestRow(person="José", period=PERIOD, tab="Self", role="self", rater="José",
                        target="j.xlsx"),
            ManifestRow(person="José", period=PERIOD, tab="Bo", role="manager", rater="Bo",
                        email="bo@example.com", target="j.xlsx")]
    text = to_text(cycle_status(rows, PERIOD, {}, []))
    assert "missing: José (self, tab 'Self') (no email: a reminder cannot be mailed)" in text
    assert "missing: Bo (manager, tab 'Bo') <bo@example.com>" in text


def test_a_team_is_spelt_with_single_spaces_wherever_it_goes() -> None:
    from sheetladder.context import make_context
    from sheetladder.definition import load

    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    assert make_context(ladder, "Ann", PERIOD, team="  North   East ").team == "North East"
    assert make_context(ladder, "Ann", PERIOD, team="   ").team is None


def test_status_refuses_what_it_cannot_answer(cycle: dict, tmp_path: Path) -> None:
    db = str(cycle["db"])
    bad = tmp_path / "manifest.csv"
    bad.write_text("person,tab,role\nAna,Self,self\n", encoding="utf-8")
    res = invoke("status", "--manifest", str(bad), "--db", db)
    assert res.exit_code == 1
    assert f"error: {bad}:1: the header lacks column(s) target" in res.output
    res = invoke("status", "--period", "2027-Q1", "--manifest", str(cycle["manifest"]),
                 "--db", db)
    assert res.exit_code == 1 and "lists no tab of period '2027-Q1'" in res.output
    assert "it holds 2026-Q4" in res.output
    res = invoke("status", "--db", db)
    assert res.exit_code == 1 and "give either --manifest FILE or --roster FILE.csv" in res.output
    res = invoke("status", "--manifest", str(tmp_path / "none.csv"), "--db", db)
    assert res.exit_code == 2 and "does not exist" in res.output
    # without --period, the manifest's one period is taken
    res = invoke("status", "--manifest", str(cycle["manifest"]), "--db", db)
    assert res.exit_code == 0 and f"\n{PERIOD}: 8 people" in res.stdout
    # a roster of two periods without --period: the roster is named, not a manifest
    two = tmp_path / "two.csv"
    two.write_text("person,period\nA One,2026-Q3\nB Two,2026-Q4\n", encoding="utf-8")
    res = invoke("status", "--roster", str(two), "--definition", str(cycle["ladder"]),
                 "--db", db)
    assert res.exit_code == 1 and (
        f"{two} holds several periods (2026-Q3, 2026-Q4); give --period") in res.output, res.output


def test_a_refused_file_belongs_to_the_cycle_and_a_good_file_in_its_place_clears_it(
        cycle: dict, tmp_path: Path) -> None:
    import shutil

    from sheetladder.results.store import History

    db = tmp_path / "h.sqlite"
    shutil.copy(cycle["db"], db)
    with History(str(db)) as h:  # collected beside the manifest: the stray file is this cycle's
        assert [(Path(r.file).name, r.period) for r in h.refusals("2027-Q1")] == []
        assert ("stray.xlsx", PERIOD) in [(Path(r.file).name, r.period)
                                          for r in h.refusals(PERIOD)]
    stray = tmp_path / "returned" / "from-ana.xlsx"
    stray.parent.mkdir()
    stray.write_bytes(b"broken")
    assert invoke("collect", str(stray), "--db", str(db)).exit_code == 1
    with History(str(db)) as h:  # no manifest known: its period is unknown
        assert (str(stray), None) in [(r.file, r.period) for r in h.refusals(None)]
    shutil.copy(cycle["out"] / "ana-diaz-2026-q4-self.xlsx", stray)  # a good file in its place
    res = invoke("collect", str(stray), "--db", str(db))
    assert res.exit_code == 0, res.output
    with History(str(db)) as h:
        assert str(stray) not in [r.file for r in h.refusals(None)]
        assert len(h.refusals(PERIOD)) == 2  # the cycle's own refusals stand


def test_a_workbook_of_another_period_in_the_cycles_folder_is_refused_naming_both(
        cycle: dict, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "q1"
    res = invoke("render", str(cycle["ladder"]), "--roster", str(cycle["roster"]), "--period",
                 "2027-Q1", "-o", str(other), "--split")
    assert res.exit_code == 0, res.output
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(cycle["manifest"], folder / "manifest.csv")
    last_quarter = folder / "ana-diaz-2026-q4-self-final.xlsx"  # named like this cycle's
    shutil.copy(other / "ana-diaz-2027-q1-self.xlsx", last_quarter)
    fill(last_quarter, "Self", ["L2", "L3"])
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(folder), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert (f"this workbook is for period 2027-Q1, but {folder / 'manifest.csv'} lists "
            f"{PERIOD}") in res.output
    from sheetladder.results.store import History

    with History(str(db)) as h:
        assert h.periods() == []  # nothing of 2027-Q1 (nor of any period) went in
    with History(str(db)) as h:  # it is this cycle's problem: shown in this cycle's status
        assert [Path(r.file).name for r in h.refusals(PERIOD)] == [last_quarter.name]
        assert h.refusals("2027-Q1") == []
    # with its own cycle's manifest, it goes in, and the refusal no longer stands, although
    # it was collected from elsewhere (moved there, as the refusal said, and named for 2027-Q1)
    moved = tmp_path / "q1-returns" / "ana-diaz-2027-q1-self-final.xlsx"
    moved.parent.mkdir()
    shutil.copy(last_quarter, moved)
    res = invoke("collect", str(moved), "--db", str(db), "--manifest",
                 str(other / "manifest.csv"))
    assert res.exit_code == 0, res.output
    assert "1 added" in res.output
    with History(str(db)) as h:
        assert h.refusals(PERIOD) == []
    # left in this cycle's folder, now that it is held, it is still refused, not "unchanged"
    res = invoke("collect", str(folder), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert "this workbook is for period 2027-Q1" in res.output and "0 unchanged" in res.output
    with History(str(db)) as h:
        assert [Path(r.file).name for r in h.refusals(PERIOD)] == [last_quarter.name]
    # moved out of the folder (deleted), collecting the folder again forgets its refusal
    last_quarter.unlink()
    res = invoke("collect", str(folder), "--db", str(db))
    assert res.exit_code == 0, res.output
    with History(str(db)) as h:
        assert h.refusals(PERIOD) == []


# -- people collected for the period whom the manifest does not list -----------------------------


@pytest.fixture(scope="module")
def extra(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | Result]:
    """A roster cycle of Ana (North, nothing returned) and Ben (South, complete), and two people
    rendered with --person into the same folder and collected: Zed (South, two tabs) and Yan
    (North, self only). Also Ola, of another period, not this one's."""
    tmp = tmp_path_factory.mktemp("extra")
    ladder = tmp / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp / "team.csv"
    roster.write_text("person,team,manager\nAna Diaz,North,Bo Chen\nBen Ortiz,South,Bo Chen\n",
                      encoding="utf-8")
    out = tmp / "out"
    res = invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                 "-o", str(out), "--jobs", "1")
    assert res.exit_code == 0, res.output
    for row in read_manifest(out / "manifest.csv"):
        if row.person == "Ben Ortiz":
            fill(out / row.target, row.tab, ["L2", "L3"])
    for person, team, period, tabs in (("Zed Zu", "South", PERIOD, ["Self", "Mo Ma"]),
                                       ("Yan Yu", "North", PERIOD, ["Self"]),
                                       ("Ola Berg", "North", "2026-Q3", ["Self"])):
        res = invoke("render", str(ladder), "--person", person, "--team", team, "--period",
                     period, "--rater", "self", "--rater", "manager:Mo Ma", "-o", str(out))
        assert res.exit_code == 0, res.output
        target = out / f"{person.lower().replace(' ', '-')}-{period.lower()}.xlsx"
        for tab in tabs:
            fill(target, tab, ["L2", "L3"])
    db = tmp / "history.sqlite"
    collected = invoke("collect", str(out), "--db", str(db), "-j", "1")
    return {"out": out, "manifest": out / "manifest.csv", "db": db, "roster": roster,
            "ladder": ladder, "collect": collected}


# Ola Berg's 2026-Q3 workbook, rendered into the cycle's folder, is refused as another
# cycle's, and counted with this cycle, whose folder it is in
EXTRA_TOTALS = (f"{PERIOD}: 2 people, 1 complete, 0 partial, 1 not returned; 4 of 8 tabs "
                "collected, 4 missing, 0 refused; 2 collected but not in the manifest; "
                "1 refused file(s) tied to no tab of the manifest")


def test_status_lists_people_collected_but_not_in_the_manifest_and_counts_them_apart(
        extra: dict) -> None:
    res = invoke("status", "--period", PERIOD, "--manifest", str(extra["manifest"]),
                 "--db", str(extra["db"]))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    at = lines.index("collected, not in the manifest:")
    assert lines[at + 1:at + 3] == ["  Yan Yu (team North): 1 tab(s) collected: Self",
                                    "  Zed Zu (team South): 2 tab(s) collected: Self, Mo Ma"]
    assert lines[at + 3] == EXTRA_TOTALS
    # Ola Berg is of another period: not listed as collected, but her file left in the folder
    # is named as refused
    assert any("ola-berg-2026-q3.xlsx" in line for line in lines[:at])


def test_collect_ends_with_the_same_totals_counting_the_unlisted(extra: dict) -> None:
    assert extra["collect"].stdout.strip().splitlines()[-1] == "status " + EXTRA_TOTALS


def test_status_json_holds_the_people_not_in_the_manifest_and_the_csv_reminds_none(
        extra: dict) -> None:
    args = ["status", "--period", PERIOD, "--manifest", str(extra["manifest"]),
            "--db", str(extra["db"])]
    rows = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv").stdout)))
    # the CSV is the reminder list for a mail merge: the unlisted have no tab to chase
    assert {r["person"] for r in rows} == {r["person"] for r in rows if r["state"] == "missing"}
    assert {r["person"] for r in rows} == {"Ana Diaz"}
    data = json.loads(invoke(*args, "--format", "json").stdout)
    assert data["not_in_manifest"] == [
        {"person": "Yan Yu", "period": PERIOD, "team": "North", "tabs": ["Self"],
         "team_unlisted": False},
        {"person": "Zed Zu", "period": PERIOD, "team": "South", "tabs": ["Self", "Mo Ma"],
         "team_unlisted": False}]
    assert data["totals"]["people"] == 2 and data["totals"]["not_in_manifest"] == 2
    exported = invoke("export", "--period", PERIOD, "--db", str(extra["db"]), "--format",
                      "json", "-o", "-")
    held = {p["person"] for p in json.loads(exported.stdout)["people"]}
    # everyone the export holds is either a person of the status or listed apart
    assert held == ({p["person"] for p in data["people"] if p["state"] != "not returned"}
                    | {u["person"] for u in data["not_in_manifest"]})


def test_people_of_teams_the_manifest_does_not_list_are_not_counted_as_unlisted(
        extra: dict) -> None:
    """Several teams' cycles collected into one history: North's manifest does not make South's
    people 'collected but not in the manifest' (they are no one's to chase here)."""
    from sheetladder.results.status import held_people
    from sheetladder.results.store import History

    north = [r for r in read_manifest(extra["manifest"]) if r.person == "Ana Diaz"]
    assert north and {r.team for r in north} == {"North"}
    with History(str(extra["db"])) as h:
        got = held_people(h, PERIOD, north)
    assert {(p.person, p.team, tuple(p.tabs)) for p in got.values()} == {("Yan Yu", "North", ("Self",))}


def test_status_of_one_teams_manifest_counts_no_other_teams_people(
        extra: dict, tmp_path: Path) -> None:
    """North's own manifest, over a history South collects into too: only North's unlisted
    person is counted and listed, in every output."""
    from sheetladder.manifest import write_manifest

    north = tmp_path / "manifest.csv"
    write_manifest(north, [r for r in read_manifest(extra["manifest"]) if r.team == "North"])
    args = ["status", "--period", PERIOD, "--manifest", str(north), "--db", str(extra["db"])]
    text = invoke(*args).stdout
    assert "Yan Yu (team North)" in text
    assert not any(name in text for name in ("Zed Zu", "zed zu", "Ben Ortiz", "ben ortiz"))
    assert "; 1 collected but not in the manifest" in text.strip().splitlines()[-2]
    data = json.loads(invoke(*args, "--format", "json").stdout)
    assert [u["person"] for u in data["not_in_manifest"]] == ["Yan Yu"]


def test_people_of_a_misspelt_team_or_of_none_are_counted_and_said_so(
        extra: dict, tmp_path: Path) -> None:
    """A one-letter typo in --team (or no --team) at render hid the person from every status,
    while the export held them."""
    import shutil

    db = tmp_path / "h.sqlite"
    shutil.copy(extra["db"], db)
    out = tmp_path / "more"
    for person, team in (("Zoe Ray", ["--team", "Nort"]), ("Uma Ode", []),
                         ("Vic Lo", ["--team", "North East"])):
        res = invoke("render", str(extra["ladder"]), "--person", person, *team, "--period",
                     PERIOD, "--rater", "self", "-o", str(out))
        assert res.exit_code == 0, res.output
        fill(out / f"{person.lower().replace(' ', '-')}-{PERIOD.lower()}.xlsx", "Self",
             ["L2", "L3"])
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 0
    text = invoke("status", "--period", PERIOD, "--manifest", str(extra["manifest"]),
                  "--db", str(db)).stdout.splitlines()
    at = text.index("collected, not in the manifest:")
    assert "  Uma Ode (no team; the manifest's people have one): 1 tab(s) collected: Self" in text
    assert ("  Zoe Ray (team 'Nort', not a team of the manifest: misspelt?): 1 tab(s) "
            "collected: Self") in text[at:]
    assert not any("Vic Lo" in line for line in text)  # another team, named apart
    assert text[-2] == EXTRA_TOTALS.replace("2 collected but", "4 collected but")


@pytest.mark.parametrize(("a", "b", "typo"), [
    ("nort", "north", True), ("nroth", "north", True), ("northh", "north", True),
    ("narth", "north", True), ("north", "south", False), ("north east", "north", False),
    ("team a", "team b", False), ("pod 1", "pod 2", False), ("east", "west", False),
    ("ab", "abc", False)])
def test_a_team_spelt_like_another_is_told_from_teams_named_apart(
        a: str, b: str, typo: bool) -> None:
    from sheetladder.results.status import _spelt_like

    assert _spelt_like(a, b) is typo and _spelt_like(b, a) is typo


def test_status_from_a_roster_says_not_in_the_roster(extra: dict) -> None:
    res = invoke("status", "--period", PERIOD, "--roster", str(extra["roster"]),
                 "--definition", str(extra["ladder"]), "--db", str(extra["db"]))
    assert res.exit_code == 0, res.output
    assert "collected, not in the roster:" in res.stdout.splitlines()
    assert "; 2 collected but not in the roster" in res.stdout


def test_only_people_of_the_period_with_tabs_held_and_no_row_are_unlisted() -> None:
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import HeldPerson, cycle_status

    rows = [ManifestRow(person="Ana  DIAZ", period=PERIOD, tab="Self", role="self",
                        target="a.xlsx")]
    collected = {("ana diaz", PERIOD): {"self"}, ("cy park", PERIOD): {"self", "peer 1"},
                 ("di lee", PERIOD): set(), ("ed fox", "2026-Q3"): {"self"}}
    names = {("cy park", PERIOD): HeldPerson(person="Cy Park", team=None,
                                              tabs=["Self", "Peer 1", "Peer 2"])}
    st = cycle_status(rows, PERIOD, collected, [], names)
    assert [(p.person, p.state) for p in st.people] == [("Ana  DIAZ", "complete")]
    # Peer 2 is a tab of Cy's workbook the history holds no current ratings of
    assert [(u.person, u.tabs) for u in st.not_in_manifest] == [("Cy Park", ["Self", "Peer 1"])]
    assert st.totals.not_in_manifest == 1 and st.totals.people == 1
    assert cycle_status(rows, PERIOD, {("ana diaz", PERIOD): {"self"}}, []).totals.line(
        PERIOD).endswith("0 refused")  # nothing apart: nothing said


def test_a_refused_workbook_of_all_tabs_is_refused_on_the_tab_that_is_wrong(
        tmp_path: Path) -> None:
    """One workbook for every rater: Ana's Self tab holds numbers where levels go (all wrong,
    so it holds no rating that counts) and her manager's tab is right; Ben's Self tab has one
    rating typed as a number and nothing else is filled. The refusal is the Self tab's, with
    its reasons; Ana's manager did their part (said so, not chased with Self's errors); tabs
    nobody touched are missing."""
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,manager,peers\nAna Diaz,ana@example.com,Bo Chen,Cy Park\n"
                      "Ben Ortiz,ben@example.com,Bo Chen,Cy Park\n", encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                  "-o", str(out)).exit_code == 0
    ana, ben = (out / "ana-diaz-2026-q4.xlsx"), (out / "ben-ortiz-2026-q4.xlsx")
    fill(ana, "Self", [3, 2])  # type: ignore[list-item]  # numbers, not levels
    fill(ana, "Bo Chen", ["L2", "L3"])
    fill(ben, "Self", [3])  # type: ignore[list-item]
    db = tmp_path / "h.sqlite"
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 1
    res = invoke("status", "--period", PERIOD, "--manifest", str(out / "manifest.csv"),
                 "--db", str(db), "--format", "json")
    assert res.exit_code == 0, res.output
    tabs = {(p["person"], t["tab"]): (t["state"], t["reasons"])
            for p in json.loads(res.stdout)["people"] for t in p["tabs"]}
    assert {k: v[0] for k, v in tabs.items()} == {
        ("Ana Diaz", "Self"): "refused", ("Ana Diaz", "Bo Chen"): "refused",
        ("Ana Diaz", "Cy Park"): "missing",
        ("Ben Ortiz", "Self"): "refused", ("Ben Ortiz", "Bo Chen"): "missing",
        ("Ben Ortiz", "Cy Park"): "missing"}
    for who in ("Ana Diaz", "Ben Ortiz"):
        reasons = tabs[(who, "Self")][1]
        assert reasons and all(r.startswith("Self!") for r in reasons), reasons
    assert tabs[("Ana Diaz", "Bo Chen")][1] == [
        "this tab's ratings are in order, but its file was refused for errors on 'Self': it is "
        "collected with the file once that tab is mended"]
    res = invoke("status", "--period", PERIOD, "--manifest", str(out / "manifest.csv"),
                 "--db", str(db), "--format", "csv")
    chase = {(r["person"], r["tab"]): r for r in csv.DictReader(io.StringIO(res.stdout))}
    assert chase[("Ana Diaz", "Self")]["state"] == "refused"
    assert chase[("Ana Diaz", "Self")]["reason"].startswith("Self!")
    assert chase[("Ben Ortiz", "Cy Park")]["state"] == "missing"
    assert chase[("Ben Ortiz", "Cy Park")]["reason"] == ""
    # a roster without periods, given --period as render was: the same files, the same answer
    # (its rows were tied to file names without the period, and the refusals left uncounted)
    ben.write_bytes(ben.read_bytes()[:2000])  # damaged: unreadable, tied by its file name
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 1
    lines = []
    for given in (("--manifest", str(out / "manifest.csv")), ("--roster", str(roster))):
        res = invoke("status", "--period", PERIOD, *given, "--db", str(db),
                     "--definition", str(ladder))
        assert res.exit_code == 0, res.output
        lines.append(res.stdout.strip().splitlines()[-2])
    assert lines[0] == lines[1] == (f"{PERIOD}: 2 people, 0 complete, 0 partial, 2 not "
                                    "returned; 0 of 6 tabs collected, 1 missing, 5 refused")


def _saved_as_csv(workbook: Path, sheet: str, dest: Path, delimiter: str = ",") -> Path:
    """What "Save as CSV" on ``sheet`` of ``workbook`` writes: that sheet's values, every row
    as wide as the sheet's used range."""
    ws = openpyxl.load_workbook(workbook)[sheet]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in ws.iter_rows(values_only=True):
        w.writerow(["" if v is None else v for v in row])
    dest.write_text(buf.getvalue(), encoding="utf-8")
    return dest


@pytest.fixture()
def csv_cycle(tmp_path: Path) -> dict[str, Path]:
    """A cycle of two whose folder holds, beside the manifest: Ana's workbook returned filled,
    Ben's saved by his rater as CSV (the blank .xlsx handed out is still there), a copy of
    the roster, the reminder list, an export and a one-column notes file."""
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,team,manager,peers\nAna Diaz,ana@example.com,North,Bo Chen,"
                      "Cy Park\nBen Ortiz,ben@example.com,North,Bo Chen,Cy Park\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                  "-o", str(out)).exit_code == 0
    ana, ben = out / "ana-diaz-2026-q4.xlsx", out / "ben-ortiz-2026-q4.xlsx"
    for tab in ("Self", "Bo Chen", "Cy Park"):
        fill(ana, tab, ["L2", "L3"])
        fill(ben, tab, ["L1", "L2"])
    _saved_as_csv(ben, "Self", out / "ben-ortiz-2026-q4.csv", delimiter=";")
    ben.unlink()  # the blank .xlsx handed out stays in the folder: render it again there
    assert invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                  "-o", str(out), "--keep-existing").exit_code == 0
    (out / "team-copy.csv").write_bytes("\ufeff".encode() + roster.read_bytes())
    (out / "results.csv").write_text('"Person","Team","Level"\r\n"Ana Diaz","North","L2"\r\n',
                                     encoding="utf-8")
    (out / "reminders.csv").write_text(
        '"email","rater","role","person"\r\n"ben@example.com","Ben Ortiz","self","Ben Ortiz"\r\n',
        encoding="utf-8")
    (out / "notes.csv").write_text("chase Ben on Monday\n", encoding="utf-8")
    return {"out": out, "db": tmp_path / "h.sqlite", "roster": roster}


def test_a_workbook_returned_as_csv_in_a_folder_is_refused_saying_to_send_the_xlsx(
        csv_cycle: dict[str, Path]) -> None:
    out, db = csv_cycle["out"], csv_cycle["db"]
    res = invoke("collect", str(out), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    refused = [line.split(": refused")[0] for line in res.output.splitlines()
               if line.endswith(": refused")]
    assert [Path(r).name for r in refused] == ["ben-ortiz-2026-q4.csv"], res.output
    assert "a CSV text file, not an .xlsx workbook" in res.output
    assert "send the .xlsx workbook itself" in res.output
    for name in ("manifest.csv", "team-copy.csv", "results.csv", "reminders.csv", "notes.csv"):
        assert name not in res.output
    # Ben's raters did return their tabs, in a file that cannot be read: refused, not missing
    # (tied to them by its name, the .xlsx handed out saved as .csv)
    st = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                "--format", "json")
    assert st.exit_code == 0, st.output
    data = json.loads(st.stdout)
    tabs = {(p["person"], t["tab"]): (t["state"], t["file"]) for p in data["people"]
            for t in p["tabs"]}
    ben_csv = str(out / "ben-ortiz-2026-q4.csv")
    assert tabs == {("Ana Diaz", "Self"): ("collected", None),
                    ("Ana Diaz", "Bo Chen"): ("collected", None),
                    ("Ana Diaz", "Cy Park"): ("collected", None),
                    ("Ben Ortiz", "Self"): ("refused", ben_csv),
                    ("Ben Ortiz", "Bo Chen"): ("refused", ben_csv),
                    ("Ben Ortiz", "Cy Park"): ("refused", ben_csv)}
    assert data["totals"]["refused_apart"] == 0
    assert res.stdout.strip().splitlines()[-1] == (
        f"status {PERIOD}: 2 people, 1 complete, 0 partial, 1 not returned; 3 of 6 tabs "
        "collected, 0 missing, 3 refused")


def test_a_manifest_given_among_the_files_is_the_cycles_manifest_and_a_roster_is_named(
        csv_cycle: dict[str, Path]) -> None:
    """``collect out/*``: the shell hands collect the manifest and every CSV as files. The
    manifest is the cycle's (its totals end the run), not a workbook saved as CSV to send
    again; a table of people given is refused as what it is."""
    out, db = csv_cycle["out"], csv_cycle["db"]
    res = invoke("collect", *sorted(str(p) for p in out.iterdir()), "--db", str(db), "-j", "1")
    assert res.exit_code == 1, res.output
    refused = {Path(line.split(": refused")[0]).name for line in res.output.splitlines()
               if line.endswith(": refused")}
    assert refused == {"ben-ortiz-2026-q4.csv", "team-copy.csv", "results.csv",
                       "reminders.csv", "notes.csv"}, res.output
    assert res.output.count("a CSV table of people") == 3
    assert "manifest.csv" not in res.output
    assert res.stdout.strip().splitlines()[-1].startswith(f"status {PERIOD}: 2 people, 1 complete")


def test_each_tab_of_copies_that_disagree_shows_only_its_own_conflict(tmp_path: Path) -> None:
    """Two copies of Ana's workbook differ on Self and on Bo Chen's tab and agree on Cy
    Park's: each tab to chase names its own conflict, and Cy Park (who did their part) is told
    the file waits on the others, not handed both conflicts to settle."""
    import shutil

    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,manager,peers\nAna Diaz,ana@example.com,Bo Chen,Cy Park\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                  "-o", str(out)).exit_code == 0
    ana = out / "ana-diaz-2026-q4.xlsx"
    fill(ana, "Cy Park", ["L2", "L2"])
    copy = out / "ana-diaz-2026-q4 (2).xlsx"
    shutil.copy(ana, copy)
    fill(ana, "Self", ["L1", "L2"])
    fill(ana, "Bo Chen", ["L1", "L2"])
    fill(copy, "Self", ["L3", "L2"])
    fill(copy, "Bo Chen", ["L1", "L3"])
    db = tmp_path / "h.sqlite"
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 1
    from sheetladder.results.store import History

    with History(str(db), read_only=True) as h:  # each conflict is stored with its tab
        assert {tuple(r.conflict_tabs or ()) for r in h.refusals(PERIOD)} == {("Bo Chen", "Self")}
        assert {r.workbook_period for r in h.refusals(PERIOD)} == {PERIOD}
    res = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                 "--format", "json")
    assert res.exit_code == 0, res.output
    reasons = {t["tab"]: (t["state"], t["reasons"]) for t in json.loads(res.stdout)["people"][0]["tabs"]}
    assert {tab: state for tab, (state, _) in reasons.items()} == {
        "Self": "refused", "Bo Chen": "refused", "Cy Park": "refused"}
    for tab in ("Self", "Bo Chen"):
        why = reasons[tab][1]
        assert len(why) == 1 and why[0].startswith("conflict: "), why
        assert f"hold different ratings on tab {tab!r}" in why[0] and f"{tab}!" in why[0]
    assert reasons["Cy Park"][1] == [
        "this tab's ratings are in order, but its file was refused because copies of it "
        "disagree on 'Bo Chen', 'Self': it is collected with the file once one copy is kept "
        "(the others moved out of the folder, or the one to keep named with --keep)"]
    chase = {r["tab"]: r["reason"] for r in csv.DictReader(io.StringIO(invoke(
        "status", "--manifest", str(out / "manifest.csv"), "--db", str(db), "--format",
        "csv").stdout))}
    assert "on tab 'Self'" in chase["Self"] and "on tab 'Bo Chen'" not in chase["Self"]


def test_a_file_handed_out_saved_in_another_format_is_tied_to_its_tabs_by_its_name() -> None:
    """A rater saved ``ana-di.xlsx`` as .ods (or .csv): nothing in it can be read, so its
    name is all that ties it, and the tabs handed out in it are refused, not missing (their
    reminder says to save it as .xlsx). Another name of the same stem, a file of another
    person: as before."""
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status
    from sheetladder.results.store import Refusal

    def row(person: str, tab: str, target: str) -> ManifestRow:
        return ManifestRow(person=person, period=PERIOD, tab=tab, role="peer", rater=tab,
                           target=target)

    rows = [row("Ana", "Cy", "ana-cy.xlsx"), row("Ana", "Di", "ana-di.xlsx"),
            row("Ben", "Cy", "ben-cy.xlsx")]
    refusals = [Refusal(file="/returns/Ana-Di.ods", content_hash="1", reasons=[
                    "not a readable workbook: an OpenDocument spreadsheet (.ods): save it as .xlsx"]),
                Refusal(file="ben-cy (1).csv", content_hash="2")]
    st = cycle_status(rows, PERIOD, {}, refusals)
    states = {(p.person, t.tab): (t.state, t.file) for p in st.people for t in p.tabs}
    assert states == {("Ana", "Cy"): ("missing", None),
                      ("Ana", "Di"): ("refused", "/returns/Ana-Di.ods"),
                      ("Ben", "Cy"): ("missing", None)}
    assert [r.file for r in st.unmatched_refusals] == ["ben-cy (1).csv"]


def test_report_from_the_roster_of_a_split_cycle_ties_an_unreadable_file_by_its_name(
        cycle: dict, tmp_path: Path) -> None:
    """As ``status --roster --split``: told the cycle was split, the report's team page shows
    Cy Park's own broken file as refused (to be sent again), not his tab as missing."""
    import shutil

    db = tmp_path / "h.sqlite"
    shutil.copy(cycle["db"], db)
    row = next(r for r in read_manifest(cycle["manifest"]) if (r.person, r.tab) == ("Cy Park", "Self"))
    broken = tmp_path / row.target
    broken.write_bytes(b"PK\x03\x04 not a zip any more")
    assert invoke("collect", str(broken), "--db", str(db)).exit_code == 1
    roster = ("--roster", str(cycle["roster"]), "--definition", str(cycle["ladder"]),
              "--period", PERIOD, "--db", str(db))

    def cy_park_row(*how: str) -> str:
        site = tmp_path / ("site" + "".join(how).replace("-", ""))
        res = invoke("report", "-o", str(site), *roster, *how)
        assert res.exit_code == 0, res.output
        page = (site / "index.html").read_text(encoding="utf-8")
        start = page.index('<th scope="row">Cy Park</th>')
        return page[start:page.index("</tr>", start)]

    split = cy_park_row("--split")
    assert f"Cy Park (self): {broken}" in split
    assert "Cy Park (self)" not in split.split("</td>")[1]  # not in the missing column
    unsplit = cy_park_row()  # one file per person expected: the file is tied to no tab
    assert f"Cy Park (self): {broken}" not in unsplit and "Cy Park (self)" in unsplit
    res = invoke("report", "-o", str(tmp_path / "s2"), "--period", PERIOD, "--db", str(db),
                 "--manifest", str(cycle["manifest"]), "--split")
    assert res.exit_code != 0 and "--split goes with --roster" in res.output
    assert not (tmp_path / "s2").exists()


def test_a_tab_in_order_is_told_what_its_file_waits_for_errors_or_copies() -> None:
    """A tab in order in a refused file: told that its file waits for the errors on one tab to
    be mended and for one copy of another to be kept, not that a conflict is "mended"."""
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.report import conflict_message
    from sheetladder.results.status import tab_reasons
    from sheetladder.results.store import Refusal

    rows = [ManifestRow(person="Ana", period=PERIOD, tab=t, role="peer", rater=t, target="a.xlsx")
            for t in ("Self", "Bo", "Cy")]
    error = "Self!D5: 'S9' is not a level of this ladder"
    conflict = conflict_message("Bo", "a.xlsx", "a (2).xlsx", [("D5", "Alpha", "L1", "L2")])
    both = Refusal(file="a.xlsx", content_hash="1", reasons=[error, conflict],
                   conflict_tabs=[None, "Bo"])
    assert tab_reasons(both, "Cy", rows) == [
        "this tab's ratings are in order, but its file was refused for errors on 'Self' and "
        "because copies of it disagree on 'Bo': it is collected with the file once that tab is "
        "mended and one copy is kept (the others moved out of the folder, or the one to keep "
        "named with --keep)"]
    assert tab_reasons(both, "Bo", rows) == [conflict]
    only = Refusal(file="a.xlsx", content_hash="1", reasons=[error])
    assert tab_reasons(only, "Cy", rows) == [
        "this tab's ratings are in order, but its file was refused for errors on 'Self': it is "
        "collected with the file once that tab is mended"]


def test_a_tab_held_while_a_copy_beside_it_disagrees_is_refused_until_settled(
        tmp_path: Path) -> None:
    """Ana's workbook was collected; then a copy with other ratings on Bo Chen's tab is dropped
    in the folder beside it. collect refuses the copy (a conflict), and status used to show Bo
    Chen's tab collected and say nothing of it: which ratings are right is not settled, so
    the tab is refused with the conflict (Self, the same in both, stays collected), until the
    copy is removed (or one is named with --keep)."""
    import shutil

    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,manager,peers\nAna Diaz,ana@example.com,Bo Chen,-\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD,
                  "-o", str(out)).exit_code == 0
    ana = out / "ana-diaz-2026-q4.xlsx"
    fill(ana, "Self", ["L2", "L2"])
    fill(ana, "Bo Chen", ["L2", "L3"])
    db = tmp_path / "h.sqlite"
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 0

    def tabs() -> dict[str, tuple[str, str | None, list[str]]]:
        res = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                     "--format", "json")
        assert res.exit_code == 0, res.output
        return {t["tab"]: (t["state"], t["file"] and Path(t["file"]).name, t["reasons"])
                for t in json.loads(res.stdout)["people"][0]["tabs"]}

    assert {k: v[0] for k, v in tabs().items()} == {"Self": "collected", "Bo Chen": "collected"}
    copy = out / "ana-diaz-2026-q4 fixed.xlsx"
    shutil.copy(ana, copy)
    fill(copy, "Bo Chen", ["L1", "L3"])
    res = invoke("collect", str(out), "--db", str(db))
    assert res.exit_code == 1 and "conflict:" in res.output
    got = tabs()
    assert got["Self"] == ("collected", None, [])
    state, file, reasons = got["Bo Chen"]
    assert (state, file) == ("refused", copy.name)
    assert len(reasons) == 1 and "hold different ratings on tab 'Bo Chen'" in reasons[0]
    copy.unlink()  # the copy was the wrong one: removed, and the folder collected again
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 0
    assert {k: v[0] for k, v in tabs().items()} == {"Self": "collected", "Bo Chen": "collected"}


@settings(max_examples=200, deadline=None)
@hyp_given(tab=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=31),
       other=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=31),
       file_a=st.text(min_size=1, max_size=40), file_b=st.text(min_size=1, max_size=40))
def test_the_tab_of_a_stored_conflict_is_read_back_whatever_the_names(
        tab: str, other: str, file_a: str, file_b: str) -> None:
    """A refusal stored before schema version 4 is its text alone, and status reads from it
    which tab two copies disagree on: for any tab and file names (quotes, the words of the
    message itself), the tab read back is the one written, and the conflict is on that tab
    only."""
    from sheetladder.results.report import conflict_message, conflict_tab
    from sheetladder.results.status import _on_tab
    from sheetladder.results.store import Refusal

    diffs = [("D5", f"{other} hold different ratings on tab 'x' (", "L1", "L2")]
    line = conflict_message(tab, file_a, file_b, diffs)
    assert conflict_tab(line) == tab
    v3 = Refusal(file="f", content_hash="1", reasons=[line])  # conflict_tabs: not stored
    assert _on_tab(v3, 0, tab)
    if other.casefold() != tab.casefold():
        assert not _on_tab(v3, 0, other)
    assert conflict_tab(f"{tab}!D5: a rating is no level") is None


def test_file_and_tab_names_with_quotes_and_the_messages_words_give_back_the_tab() -> None:
    from sheetladder.results.report import conflict_message, conflict_tab

    line = conflict_message("Bo's \"tab\"", "q4/copy that 'Bo' holds and Cy's (2).xlsx",
                            "q4/what we hold different ratings on tab 'Self' for.xlsx",
                            [("D5", "Alpha", "L1", "L2")])
    assert conflict_tab(line) == "Bo's \"tab\""


def _ana_and_ben(tmp_path: Path) -> Path:
    """Two people of team North rendered for the cycle into ``out``, with its manifest."""
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,team,manager,manager_email,peers\n"
                      "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com,-\n"
                      "Ben Ortiz,ben@example.com,North,Bo Chen,bo@example.com,-\n")
    out = tmp_path / "out"
    res = invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD, "-o",
                 str(out))
    assert res.exit_code == 0, res.output
    return out


def test_a_copy_of_one_persons_workbook_saved_over_anothers_file_is_refused_as_theirs(
        tmp_path: Path) -> None:
    """Ben fills a copy of Ana's workbook and saves it as the file handed out to him: it says
    Ana Diaz inside, so collected it would be taken as Ana's self-rating, exit 0, with Ben
    shown as not returned. Refused; status shows Ben's tabs refused with the reason."""
    import shutil

    out = _ana_and_ben(tmp_path)
    ana, ben = out / "ana-diaz-2026-q4.xlsx", out / "ben-ortiz-2026-q4.xlsx"
    blank_ana = ana.read_bytes()
    shutil.copy(ana, ben)
    fill(ben, "Self", ["L3", "L3"])
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(out), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert f"{ben}: refused" in res.output
    assert "lists this file as Ben Ortiz's, but the workbook in it is Ana Diaz's" in res.output
    assert "--person 'Ben Ortiz' --period 2026-Q4" in res.output
    assert ana.read_bytes() == blank_ana
    from sheetladder.results.store import History

    with History(str(db)) as h:
        assert h.records() == []
    res = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                 "--format", "json")
    people = {p["person"]: p for p in json.loads(res.stdout)["people"]}
    assert {t["state"] for t in people["Ben Ortiz"]["tabs"]} == {"refused"}
    assert {t["state"] for t in people["Ana Diaz"]["tabs"]} == {"missing"}
    # given alone, the file is judged by the manifest beside it all the same
    res = invoke("collect", str(ben), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert "lists this file as Ben Ortiz's, but the workbook in it is Ana Diaz's" in res.output
    with History(str(db)) as h:
        assert h.records() == []
    # mailed back and saved in another folder (a second download: ' (1)'), it is still the
    # file handed out to Ben
    res = _second_download(ben, tmp_path, "--manifest", str(out / "manifest.csv"))
    assert "lists this file as Ben Ortiz's, but the workbook in it is Ana Diaz's" in res.output
    # under a name the manifest does not list, it is Ana's own copy, and goes in as hers
    ben.rename(out / "ana-diaz-final.xlsx")
    res = invoke("collect", str(out), "--db", str(db))
    assert res.exit_code == 0 and "1 added" in res.output, res.output


def _second_download(book: Path, tmp_path: Path, *args: str) -> Result:
    """``book`` downloaded a second time (' (1)') into a folder of returns and collected from
    there into tmp_path/h.sqlite: refused, and nothing is held."""
    import shutil

    from sheetladder.results.store import History

    returns = tmp_path / "returns"
    returns.mkdir(exist_ok=True)
    shutil.copy(book, returns / "Ben-Ortiz-2026-Q4 (1).xlsx")
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(returns), *args, "--db", str(db))
    assert res.exit_code == 1, res.output
    with History(str(db)) as h:
        assert h.records() == []
    return res


def test_a_copy_saved_under_another_persons_file_name_is_refused_without_a_manifest(
        tmp_path: Path) -> None:
    """The same copy (Ben fills Ana's workbook and saves it under his own file name) with no
    manifest beside it: the file name, as render gives it, still says whose it should be.
    Before, it went in as Ana's self-rating with exit 0. Names render never gives (one chosen
    by someone, a namesake's -2, a rater's tab after the period) are not judged by it."""
    import shutil

    out = _ana_and_ben(tmp_path)
    (out / "manifest.csv").unlink()
    ana, ben = out / "ana-diaz-2026-q4.xlsx", out / "ben-ortiz-2026-q4.xlsx"
    shutil.copy(ana, ben)
    fill(ben, "Self", ["L3", "L3"])
    ana.unlink()  # Ana has not returned hers
    db = tmp_path / "h.sqlite"
    res = invoke("collect", str(out), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert f"{ben}: refused" in res.output
    assert ("this file's name is the one render gives the 2026-Q4 workbook of another person "
            "(ben-ortiz), but the workbook in it is Ana Diaz's") in res.output
    assert "name the file as render names it (ana-diaz-2026-q4.xlsx)" in res.output
    from sheetladder.results.store import History

    with History(str(db)) as h:
        assert h.records() == []
    # a second download, mailed back into another folder: the same name, the same refusal
    res = _second_download(ben, tmp_path)
    assert "(ben-ortiz), but the workbook in it is Ana Diaz's" in res.output, res.output
    # names that say nothing against it: each goes in as Ana's. A name of one word ('final',
    # 'ana' for Ana Diaz, or a person named North: a manifest tells those), one that starts
    # with her own or is its start, or one that writes a year, was typed by someone
    for i, name in enumerate(["ana-diaz-2026-q4-self.xlsx", "ana-diaz-2-2026-q4.xlsx",
                              "Q4 review of Ana.xlsx", "north-2026-Q4 final.xlsx",
                              "north-2026-q4.xlsx", "final-2026-q4.xlsx", "ana-2026-q4.xlsx",
                              "ana-diaz-self-2026-q4.xlsx",
                              "ana-diaz-2026-q3-redo-2026-q4.xlsx"]):
        folder = tmp_path / f"ok{i}"
        folder.mkdir()
        shutil.copy(ben, folder / name)
        res = invoke("collect", str(folder), "--db", str(tmp_path / f"ok{i}.sqlite"))
        assert "another person" not in res.output, (name, res.output)
        assert res.exit_code == 0 and "1 added" in res.output, (name, res.output)


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no-manifest"])
def test_a_copy_under_anothers_name_as_file_managers_and_drives_name_copies_is_refused(
        tmp_path: Path, manifest: bool) -> None:
    """Ben's copy of Ana's workbook saved as Windows, macOS or Google Drive names a copy
    (`` - Copy``, `` copy 2``, ``Copy of``), or with ``_`` for ``-``: only render's exact
    name and a `` (1)`` were caught, and the others went in as Ana's ratings, exit 0. A name
    typed with spaces (``Ben Ortiz 2026-Q4``) is Ben's by the manifest; with no manifest, a
    typed name says nothing, and it goes in as Ana's, as before."""
    import shutil

    from sheetladder.results.store import History

    out = _ana_and_ben(tmp_path)
    if not manifest:
        (out / "manifest.csv").unlink()
    ana = out / "ana-diaz-2026-q4.xlsx"
    fill(ana, "Self", ["L3", "L3"])
    names = ["ben-ortiz-2026-q4 - Copy.xlsx", "ben-ortiz-2026-q4 - Copy (2).xlsx",
             "Copy of ben-ortiz-2026-q4.xlsx", "ben-ortiz-2026-q4 copy 2.xlsx",
             "ben_ortiz_2026_q4.xlsx", "Ben Ortiz 2026-Q4.xlsx"]
    for i, name in enumerate(names):
        folder = out / f"back{i}"
        folder.mkdir()
        shutil.copy(ana, folder / name)
        if manifest:
            shutil.copy(out / "manifest.csv", folder / "manifest.csv")
        db = tmp_path / f"h{i}.sqlite"
        res = invoke("collect", str(folder / name), "--db", str(db))
        typed = name == "Ben Ortiz 2026-Q4.xlsx"
        if typed and not manifest:
            assert res.exit_code == 0 and "1 added" in res.output, (name, res.output)
            continue
        assert res.exit_code == 1 and "refused" in res.output, (name, res.output)
        assert "the workbook in it is Ana Diaz's" in res.output, (name, res.output)
        with History(str(db)) as h:
            assert h.records() == [], name


@settings(max_examples=200, deadline=None)
@hyp_given(person=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                      max_size=30),
       copy=st.sampled_from(["", " (1)", " (12)", "[1]", " - Copy", " - Copy (2)", " copy",
                             " copy 3", " - Kopie", " - Copy (2) (1)"]),
       prefix=st.sampled_from(["", "Copy of ", "Copy (2) of ", "Copy of Copy of "]))
def test_the_key_of_a_copy_of_a_file_render_names_is_that_files(person: str, copy: str,
                                                                  prefix: str) -> None:
    """What file managers, browsers and drives add to a copy's name never changes whose file
    it is, and render's own names are their own key."""
    from sheetladder.manifest import file_key
    from sheetladder.roster import file_name

    name = file_name(person, PERIOD)
    stem = name.removesuffix(".xlsx")
    assert file_key(name) == stem
    assert file_key(f"{prefix}{stem}{copy}.xlsx") == stem
    assert file_key(f"/returns/{prefix}{stem.upper()}{copy}.ods") == stem


def test_read_of_a_copy_saved_under_another_persons_file_name_is_an_error(tmp_path: Path) -> None:
    """``read ben-ortiz-2026-q4.xlsx`` holding Ana's workbook said "verified", exit 0, while
    collect refused the same file: its ratings may be Ben's, typed into a copy of Ana's. An
    error at the Guide's person cell now, in read as in collect; the names collect lets pass
    pass read too."""
    import shutil

    out = _ana_and_ben(tmp_path)
    ana, ben = out / "ana-diaz-2026-q4.xlsx", out / "ben-ortiz-2026-q4.xlsx"
    shutil.copy(ana, ben)
    fill(ben, "Self", ["L3", "L3"])
    import json

    def errors(path: Path) -> tuple[int, list[tuple[str, str, str]]]:
        res = invoke("read", "--json", "--trust-new", str(path))
        got = json.loads(res.stdout)
        return res.exit_code, [(f["sheet"], f["cell"], f["message"]) for f in got["findings"]
                               if f["severity"] == "error"]

    code, found = errors(ben)
    assert code == 1 and len(found) == 1, found
    sheet, cell, message = found[0]
    assert (sheet, cell) == ("Guide", "B4")
    assert message.startswith(
        "this file's name is the one render gives the 2026-Q4 workbook of another person "
        "(ben-ortiz), but the workbook in it is Ana Diaz's"), message
    assert "name the file as render names it (ana-diaz-2026-q4.xlsx);" in message
    for i, name in enumerate(["ana-diaz-2026-q4.xlsx", "Ana-Diaz-2026-Q4 (1).xlsx",
                              "ana-diaz-2-2026-q4.xlsx", "ana-diaz-2026-q4-self.xlsx",
                              "Q4 review of Ana.xlsx"]):
        folder = tmp_path / "as" / str(i)
        folder.mkdir(parents=True)
        shutil.copy(ben, folder / name)
        assert errors(folder / name) == (0, []), name


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no-manifest"])
@pytest.mark.parametrize("copy_first", [True, False], ids=["copy-older", "copy-newer"])
def test_a_copy_of_a_held_workbook_under_anothers_name_is_refused_on_every_collect(
        tmp_path: Path, manifest: bool, copy_first: bool) -> None:
    """Ana's filled workbook, and a copy of it saved as Ben's file: the first collect takes
    Ana's and refuses the copy. The copy's bytes are then held (as Ana's file), so the next
    collect of the folder took it as unchanged, exit 0, and forgot the refusal: status showed
    Ben as not returned, with no reason. It is refused on every collect, whichever file is
    older, and status keeps Ben's tabs refused."""
    import os
    import shutil

    out = _ana_and_ben(tmp_path)
    if not manifest:
        (out / "manifest.csv").unlink()
    ana, ben = out / "ana-diaz-2026-q4.xlsx", out / "ben-ortiz-2026-q4.xlsx"
    fill(ana, "Self", ["L3", "L3"])
    shutil.copy(ana, ben)
    old, new = (ben, ana) if copy_first else (ana, ben)
    os.utime(old, (1_790_000_000, 1_790_000_000))
    os.utime(new, (1_790_000_100, 1_790_000_100))
    db = tmp_path / "h.sqlite"
    why = ("lists this file as Ben Ortiz's, but the workbook in it is Ana Diaz's" if manifest
           else "(ben-ortiz), but the workbook in it is Ana Diaz's")
    from sheetladder.results.store import History

    for run in range(3):
        res = invoke("collect", str(out), "--db", str(db))
        assert res.exit_code == 1, (run, res.output)
        assert f"{ben}: refused" in res.output and why in res.output, (run, res.output)
        assert ("1 added" if run == 0 else "1 unchanged") in res.output, (run, res.output)
        if manifest:  # the cycle's totals: Ben's two tabs refused, after every run
            assert "1 of 4 tabs collected, 1 missing, 2 refused" in res.output, (run, res.output)
        with History(str(db)) as h:  # the refusal is kept for status, after every run
            assert [Path(f).name for f, _ in h.refused_files()] == [ben.name], run
    if manifest:
        res = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                     "--format", "json")
        people = {p["person"]: p for p in json.loads(res.stdout)["people"]}
        assert {t["state"] for t in people["Ben Ortiz"]["tabs"]} == {"refused"}
        assert [t["state"] for t in people["Ana Diaz"]["tabs"]].count("collected") == 1
    # Ana renamed in the history: her own file, taken as itself, is not judged again by its
    # name (it would now be "another person's" file name)
    assert invoke("history", "Ana Diaz", "--rename", "Ana Diaz-Lopez", "--db",
                  str(db)).exit_code == 0
    # moved out of the folder, the copy's refusal goes with it, and Ana's file stays held
    ben.unlink()
    res = invoke("collect", str(out), "--db", str(db))
    assert res.exit_code == 0 and "1 unchanged" in res.output, res.output


def test_the_totals_line_says_1_person_not_1_people() -> None:
    from sheetladder.results.status import Totals

    one = Totals(people=1, complete=0, partial=1, not_returned=0, tabs=4, tabs_collected=2,
                 tabs_missing=2, tabs_refused=0)
    assert one.line("2026-Q4").startswith("2026-Q4: 1 person, 0 complete, 1 partial")
    two = one.model_copy(update={"people": 2})
    assert two.line("2026-Q4").startswith("2026-Q4: 2 people, ")


def test_a_refused_copy_of_a_tab_already_collected_is_named_beside_it(tmp_path: Path) -> None:
    """Ben's tab is collected; then a copy put in its file's place is refused. The held ratings
    still count (the tab is collected), and status names the refused copy and why, where it
    said nothing of it and collect had exited 1."""
    import shutil

    out = _ana_and_ben(tmp_path)
    ana, ben = out / "ana-diaz-2026-q4.xlsx", out / "ben-ortiz-2026-q4.xlsx"
    blank_ana = tmp_path / "blank-ana.xlsx"
    shutil.copy(ana, blank_ana)
    fill(ben, "Self", ["L2", "L2"])
    db = tmp_path / "h.sqlite"
    assert invoke("collect", str(out), "--db", str(db)).exit_code == 0
    shutil.copy(blank_ana, ben)  # Ana's workbook, filled in and saved as Ben's file
    fill(ben, "Self", ["L3", "L3"])
    res = invoke("collect", str(out), "--db", str(db))
    assert res.exit_code == 1 and f"{ben}: refused" in res.output, res.output
    res = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db))
    assert res.exit_code == 0, res.output
    assert ("    collected, with a refused copy beside it: Ben Ortiz (self, tab 'Self') "
            f"<ben@example.com>: {ben}") in res.stdout, res.stdout
    assert "lists this file as Ben Ortiz's, but the workbook in it is Ana Diaz's" in res.stdout
    res = invoke("status", "--manifest", str(out / "manifest.csv"), "--db", str(db),
                 "--format", "json")
    tab = next(t for p in json.loads(res.stdout)["people"] if p["person"] == "Ben Ortiz"
               for t in p["tabs"] if t["tab"] == "Self")
    assert (tab["state"], tab["refused_copy"]) == ("collected", str(ben))
    assert tab["refused_reasons"] and tab["reasons"] == []


def test_a_later_copy_that_leaves_held_ratings_blank_is_refused_until_kept(
        tmp_path: Path) -> None:
    """Ana rates one category, sends the file to Bo, then finishes her self-rating and returns
    her own copy; Bo returns his later, his tab filled and her half-done one in it. Collected
    in that order, Bo's copy replaced her finished tab with the half-done one, exit 0 (given
    together, the two copies were refused as a conflict). It is refused now, saying both ways
    out: --keep the copy held (with both given), or --keep this one to clear them on purpose."""
    import shutil

    from sheetladder.results.store import History

    out = _ana_and_ben(tmp_path)
    blank = out / "ana-diaz-2026-q4.xlsx"
    mine, bos = tmp_path / "r1" / blank.name, tmp_path / "r2" / "ana-from-bo.xlsx"
    mine.parent.mkdir()
    bos.parent.mkdir()
    shutil.copy(blank, bos)
    fill(bos, "Self", ["L1"])  # half done when she sent it to Bo
    fill(bos, "Bo Chen", ["L3", "L3"])
    shutil.copy(blank, mine)
    fill(mine, "Self", ["L2", "L2"])  # finished since
    db = tmp_path / "h.sqlite"

    def held() -> dict[str, dict[str, int | None]]:
        with History(str(db)) as h:
            [rec] = h.records()
            out: dict[str, dict[str, int | None]] = {}
            for r in h.current_ratings([rec.id])[rec.id]:
                out.setdefault(r.rater_tab, {})[r.category_id] = r.level_index
            return out

    assert invoke("collect", str(mine.parent), "--db", str(db)).exit_code == 0
    res = invoke("collect", str(bos.parent), "--db", str(db))
    assert res.exit_code == 1, res.output
    assert (f"{bos}: refused" in res.output and "this copy leaves 1 rating(s) blank on tab "
            f"'Self' that the history holds from {mine}") in " ".join(res.output.split()), res.output
    assert held() == {"Self": {"a": 2, "b": 2}}
    assert f"--keep {mine}" in " ".join(res.output.split())
    # the way out that needs no other file: the stale tab cleared in Bo's copy
    cleared = tmp_path / "r2b" / bos.name
    cleared.parent.mkdir()
    shutil.copy(bos, cleared)
    fill(cleared, "Self", [None, None])  # type: ignore[list-item]
    res = invoke("collect", str(cleared), "--db", str(db))
    assert res.exit_code == 0, res.output
    assert held() == {"Self": {"a": 2, "b": 2}, "Bo Chen": {"a": 3, "b": 3}}
    # Bo's tab taken, Ana's finished one kept: both given, the held copy named
    res = invoke("collect", str(bos), str(mine), "--db", str(db), "--keep", str(mine))
    assert res.exit_code == 0, res.output
    assert held() == {"Self": {"a": 2, "b": 2}, "Bo Chen": {"a": 3, "b": 3}}
    # cleared on purpose: this copy named
    again = tmp_path / "r3" / blank.name
    again.parent.mkdir()
    shutil.copy(mine, again)
    fill(again, "Self", ["L3", None])  # type: ignore[list-item]
    res = invoke("collect", str(again), "--db", str(db))
    assert res.exit_code == 1 and "--keep" in res.output, res.output
    res = invoke("collect", str(again), "--db", str(db), "--keep", str(again))
    assert res.exit_code == 0 and "replaces the ratings held" in res.output, res.output
    assert held()["Self"] == {"a": 3}


def test_one_person_listed_by_two_manifests_with_other_raters_stops_collect_and_status(
        tmp_path: Path) -> None:
    """Ben in North's roster (Bo Chen, Cy Park) and in South's (Fay Wu, Gil Moss), rendered into
    one folder per team: ``collect tn ts`` took both workbooks as one assessment (five raters,
    the managers of one), exit 0, and status counted 11 of the 12 tabs listed. Both stop now,
    naming the two manifests; the same workbook listed twice with the same tabs (rendered
    again into a second folder) is still fine."""
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    folders = []
    for team, manager, peer in (("North", "Bo Chen", "Cy Park"), ("South", "Fay Wu", "Gil Moss")):
        roster = tmp_path / f"{team}.csv"
        roster.write_text(f"person,email,team,manager,peers\nBen Ortiz,ben@example.com,{team},"
                          f"{manager},{peer}\n", encoding="utf-8")
        out = tmp_path / team
        assert invoke("render", str(ladder), "--roster", str(roster), "--period", PERIOD, "-o",
                      str(out)).exit_code == 0
        fill(out / "ben-ortiz-2026-q4.xlsx", manager, ["L3", "L3"])
        folders.append(out)
    db = tmp_path / "h.sqlite"
    res = invoke("collect", *map(str, folders), "--db", str(db))
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert (f"Ben Ortiz (2026-Q4) is listed in {folders[0] / 'manifest.csv'} with tabs 'Self', "
            f"'Bo Chen', 'Cy Park' and in {folders[1] / 'manifest.csv'} with tabs 'Self', "
            "'Fay Wu', 'Gil Moss'") in text, text
    assert not db.exists()  # refused before the history is opened
    assert invoke("collect", str(folders[0]), "--db", str(db)).exit_code == 0
    res = invoke("status", "--period", PERIOD, "--db", str(db), "--manifest",
                 str(folders[0] / "manifest.csv"), "--manifest", str(folders[1] / "manifest.csv"))
    assert res.exit_code == 1 and "is listed in" in res.output, res.output
    # one roster rendered into two folders: the same tabs, no error
    again = tmp_path / "again"
    assert invoke("render", str(ladder), "--roster", str(tmp_path / "North.csv"), "--period",
                  PERIOD, "-o", str(again)).exit_code == 0
    res = invoke("collect", str(folders[0]), str(again), "--db", str(tmp_path / "h2.sqlite"))
    assert res.exit_code == 0, res.output
