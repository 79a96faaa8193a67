"""Publishing for a whole team (a roster: paced, resumable, a manifest of links) and the ladder
as a blank template anyone copies, filled and read back; all against the local fake."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sheetladder.a1 import a1, quote_sheet
from sheetladder.cli import main
from sheetladder.definition import Ladder
from sheetladder.google import publish as gpublish
from sheetladder.google import team
from sheetladder.google.client import (
    ENV_ROOT,
    GoogleApi,
    GoogleApiError,
    Pacer,
    RetryPolicy,
    make_client,
)
from sheetladder.google.read import open_grid
from sheetladder.manifest import read_manifest
from sheetladder.plan import C_RATING, META_SHEET, R_FIRST
from sheetladder.roster import parse_roster
from sheetladder.verify.verify import verify_grid

from .conftest import DEFINITIONS
from .fake_google import OWNER, FakeGoogle

TEAM = ("person,email,manager,manager_email,peers,peer_emails\n"
        + "".join(f"Person {i},p{i}@example.com,Bo Chen,bo@example.com,Cy Park;Di Lee,cy@example.com;\n"
                  for i in range(1, 7)))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as g:
        yield g


def api_as(fake: FakeGoogle, user: str | None = None, clock: FakeClock | None = None) -> GoogleApi:
    clock = clock or FakeClock()
    return GoogleApi(make_client(fake.session(user), policy=RetryPolicy(backoff_base=0.01),
                                 clock=clock, sleep=clock.sleep))


def write(api: GoogleApi, sid: str, cells: dict[str, str]) -> None:
    api.call("POST", f"https://sheets.googleapis.com/v4/spreadsheets/{sid}/values:batchUpdate",
             body={"valueInputOption": "USER_ENTERED",
                   "data": [{"range": k, "values": [[v]]} for k, v in cells.items()]})


def titles(fake: FakeGoogle) -> list[str]:
    return sorted(str(s.props["title"]) for s in fake.spreadsheets.values())


# -- a roster -----------------------------------------------------------------------------------


@pytest.mark.parametrize("split", [False, True], ids=["per-person", "per-rater"])
def test_a_roster_publish_interrupted_half_way_and_rerun_creates_no_duplicate(
        fake: FakeGoogle, sales: Ladder, tmp_path: Path, split: bool) -> None:
    roster = parse_roster(sales, TEAM, "team.csv", "2026-Q4", split=split)
    manifest = tmp_path / "links.csv"
    per_person = 4 if split else 1
    total = 6 * per_person
    seen: list[int] = []

    def stop_half_way(done: int, of: int, label: str) -> None:
        seen.append(done)
        if done == total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        team.publish_roster(sales, roster, manifest, api_as(fake), split=split,
                            on_progress=stop_half_way)
    assert len(fake.spreadsheets) == total // 2
    half = read_manifest(manifest)
    assert len([r for r in half if r.target]) == (total // 2) * (1 if split else 4)
    # a failure (a 403 on the next create) on the rerun: nothing half-made is left
    fake.inject(403, count=1, match="POST /v4/spreadsheets")
    with pytest.raises(Exception, match="403"):
        team.publish_roster(sales, roster, manifest, api_as(fake), split=split)
    assert len(fake.spreadsheets) == total // 2
    out = team.publish_roster(sales, roster, manifest, api_as(fake), split=split)
    assert len(out.created) == total - total // 2 and out.kept == total // 2
    assert len(fake.spreadsheets) == total and len(set(titles(fake))) == total
    rows = read_manifest(manifest)
    assert len(rows) == 6 * 4 and all(r.target for r in rows)
    assert {r.target.split("/d/")[1].split("/")[0] for r in rows} == set(fake.spreadsheets)
    # a third run makes nothing
    mark = len(fake.log)
    again = team.publish_roster(sales, roster, manifest, api_as(fake), split=split)
    assert again.created == [] and fake.calls(mark) == []


def test_a_rerun_after_a_kill_between_create_and_manifest_makes_no_duplicate(
        fake: FakeGoogle, small: Ladder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "person,manager\nAna,Bo\nEva,Bo\n"
    roster = parse_roster(small, text, "t.csv", "2026-Q4")
    manifest = tmp_path / "links.csv"
    real = team.write_manifest
    writes: list[int] = []

    def killed_on_second_record(path: Any, rows: Any) -> Any:
        writes.append(1)
        if len(writes) == 3:  # the blank manifest, Ana's link, then Eva's: the process dies
            raise SystemExit(137)
        return real(path, rows)

    monkeypatch.setattr(team, "write_manifest", killed_on_second_record)
    with pytest.raises(SystemExit):
        team.publish_roster(small, roster, manifest, api_as(fake))
    monkeypatch.setattr(team, "write_manifest", real)
    assert len(fake.spreadsheets) == 2  # Eva's sheet exists, the manifest does not know it
    with pytest.raises(team.UnrecordedSheet, match="Eva") as info:
        team.publish_roster(small, roster, manifest, api_as(fake))
    assert len(fake.spreadsheets) == 2 and "delete it, then run again" in str(info.value)
    # linking it by hand was offered too, and left a sheet whose tabs may be unprotected
    assert "target column" not in str(info.value)
    (eva,) = [sid for sid, ss in fake.spreadsheets.items() if "Eva" in ss.props["title"]]
    assert eva in str(info.value)
    api_as(fake).delete_file(eva)
    out = team.publish_roster(small, roster, manifest, api_as(fake))
    assert len(out.created) == 1 and out.kept == 1 and len(fake.spreadsheets) == 2


def test_a_manifest_written_by_the_other_kind_of_run_is_refused_not_trusted(
        fake: FakeGoogle, small: Ladder, tmp_path: Path) -> None:
    text = "person,manager,peers\nAna,Bo,Cy\nEva,Bo,Di\n"
    manifest = tmp_path / "links.csv"
    team.publish_roster(small, parse_roster(small, text, "t.csv", "2026-Q4"), manifest, api_as(fake))
    made = len(fake.spreadsheets)
    with pytest.raises(team.ManifestMismatch, match="--split"):
        team.publish_roster(small, parse_roster(small, text, "t.csv", "2026-Q4", split=True), manifest,
                            api_as(fake), split=True)
    split_manifest = tmp_path / "split.csv"
    team.publish_roster(small, parse_roster(small, text, "t.csv", "2026-Q4", split=True), split_manifest,
                        api_as(fake), split=True)
    with pytest.raises(team.ManifestMismatch, match="--split"):
        team.publish_roster(small, parse_roster(small, text, "t.csv", "2026-Q4"), split_manifest, api_as(fake))
    assert len(fake.spreadsheets) == made + 2 * 3  # self, Bo and a peer each; nothing refused made


def test_a_roster_publish_is_paced_under_the_write_quota(fake: FakeGoogle, sales: Ladder,
                                                         tmp_path: Path) -> None:
    clock = FakeClock()
    times: list[float] = []
    api = api_as(fake, clock=clock)
    api.client.http_client.session.hooks["response"].append(
        lambda r, *a, **k: times.append(clock()) if r.request.method != "GET" else None)
    roster = parse_roster(sales, TEAM, "team.csv", "2026-Q4", split=True)
    pacer = Pacer(limit=55, per=60.0, clock=clock, sleep=clock.sleep)
    team.publish_roster(sales, roster, tmp_path / "links.csv", api, split=True, pacer=pacer)
    # 24 sheets x (create + batchUpdate + a share for raters with an email) writes
    assert len(times) > 55 and clock.sleeps  # it had to wait ...
    for i, t in enumerate(times):  # ... and no minute holds more than 55 writes
        assert sum(1 for u in times[i:] if u < t + 60.0) <= 55
    assert clock.now < 60 * (len(times) // 55 + 1)  # and it waited no longer than needed


@pytest.mark.parametrize("split", [False, True], ids=["per-person", "per-rater"])
def test_the_links_of_a_roster_publish_carry_each_persons_team_and_self_rater_as_render_does(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, split: bool) -> None:
    # the links file is the cycle's manifest for status and report: without the team, every
    # person was listed under "No team", and a self tab's rater was blank in the reminders
    monkeypatch.setenv(ENV_ROOT, fake.root)
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,team,manager,peers\n"
                      "Ben Ortiz,ben@example.com,North,Bo Chen,Cy Park;Di Lee\n"
                      "Eva Lind,eva@example.com,South,Bo Chen,Ana Diaz\n")
    links = tmp_path / "links.csv"
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--roster",
                                    str(roster), "--period", "2026-Q4", "-o", str(links)]
                             + (["--split"] if split else []))
    assert res.exit_code == 0, res.output
    rows = read_manifest(links)
    assert len(rows) == 7
    assert {(r.person, r.team) for r in rows} == {("Ben Ortiz", "North"), ("Eva Lind", "South")}
    assert {r.person: r.rater for r in rows if r.role == "self"} == {
        "Ben Ortiz": "Ben Ortiz", "Eva Lind": "Eva Lind"}


def test_cli_publish_roster_writes_the_links_for_a_mail_merge(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    roster = tmp_path / "team.csv"
    roster.write_text(TEAM.replace("Person 6", "=Evil()"))
    links = tmp_path / "links.csv"
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--roster",
                                    str(roster), "--period", "2026-Q4", "-o", str(links)])
    assert res.exit_code == 0, res.output
    assert len(fake.spreadsheets) == 6
    with links.open(newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 6 * 4
    assert {r["email"] for r in table} >= {"p1@example.com", "bo@example.com", "cy@example.com"}
    assert all(r["target"].startswith("https://docs.google.com/spreadsheets/d/") for r in table)
    assert any(r["person"] == "'=Evil()" for r in table)  # text, never a formula
    assert "6 sheets published" in res.output
    again = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--roster",
                                      str(roster), "--period", "2026-Q4", "-o", str(links)])
    assert again.exit_code == 0, again.output
    assert len(fake.spreadsheets) == 6 and "0 sheets published, 6 already" in again.output


def test_cli_publish_roster_notes_the_default_period_only_for_rows_without_one(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from sheetladder.period import current_quarter

    monkeypatch.setenv(ENV_ROOT, fake.root)
    dated = tmp_path / "dated.csv"
    dated.write_text("person,period\nSolo Person,2026-Q3\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--roster",
                                    str(dated), "-o", str(tmp_path / "a.csv")])
    assert res.exit_code == 0 and "no --period given" not in res.output, res.output
    some = tmp_path / "some.csv"
    some.write_text("person,period\nSolo Person,\nDuo Person,2026-Q3\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--roster",
                                    str(some), "-o", str(tmp_path / "b.csv")])
    assert res.exit_code == 0 and (
        f"no --period given: using the current calendar quarter, {current_quarter().label}, for "
        "the 1 row(s) without a period") in res.output, res.output


@pytest.mark.parametrize("args, fragment", [
    ([], "exactly one of"),
    (["--person", "Ana", "--template"], "exactly one of"),
    (["--roster", "team.csv", "--rater", "manager:Bo"], "--rater and --email"),
    (["--template", "--split"], "--split does not apply"),
    (["--person", "Ana", "-o", "links.csv"], "-o names the links file"),
])
def test_cli_publish_refuses_options_that_do_not_go_together(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, args: list[str], fragment: str) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), *args])
    assert res.exit_code == 1 and fragment in res.output and not fake.log


# -- the template -------------------------------------------------------------------------------


def test_a_template_is_copied_filled_shared_back_and_read_verified(
        fake: FakeGoogle, sales: Ladder) -> None:
    manager = api_as(fake)
    tpl = gpublish.publish_template(sales, manager, period="2026-Q4")
    assert fake.calls() == ["sheets.spreadsheets.create", "sheets.spreadsheets.batchUpdate",
                            "drive.permissions.create"]
    assert tpl.copy_url == f"https://docs.google.com/spreadsheets/d/{tpl.spreadsheet_id}/copy"
    ss = fake.spreadsheets[tpl.spreadsheet_id]
    assert [s.title for s in ss.sheets] == ["Guide", "Matrix", "Self", "Summary", META_SHEET]
    assert [p["type"] + ":" + p["role"] for p in fake.files[tpl.spreadsheet_id].permissions] == \
        ["anyone:reader"]
    # someone with the link makes a copy (Drive files.copy), fills it and shares it back
    carla = api_as(fake, "carla@example.com")
    copy = carla.copy_file(tpl.spreadsheet_id, {"name": "Carla's ladder"},
                           params={"supportsAllDrives": "true"})
    cid = copy["id"]
    assert fake.files[cid].owner == "carla@example.com"
    assert [s.title for s in fake.spreadsheets[cid].sheets][-1] == META_SHEET  # hidden sheet travels
    with pytest.raises(GoogleApiError, match="403"):  # viewers cannot write the template itself
        write(carla, tpl.spreadsheet_id, {"Guide!B4": "Carla Ruiz"})
    ratings = {f"Self!{a1(R_FIRST + i, C_RATING)}": "S3" for i in range(len(sales.categories))}
    write(carla, cid, {"Guide!B4": "Carla Ruiz", **ratings})
    carla.create_permission(cid, {"type": "user", "role": "reader", "emailAddress": OWNER})
    report = verify_grid(open_grid(f"https://docs.google.com/spreadsheets/d/{cid}/edit", manager)).report
    assert report.ok, [str(f) for f in report.findings]
    assert report.person == "Carla Ruiz" and report.period == "2026-Q4"
    assert report.level == "S3" and report.total_points == 3 * sum(c.weight for c in sales.categories)


def test_a_copied_template_without_a_name_is_refused_naming_the_cell(fake: FakeGoogle,
                                                                     small: Ladder) -> None:
    tpl = gpublish.publish_template(small, api_as(fake), period="2026-Q4")
    carla = api_as(fake, "carla@example.com")
    cid = carla.copy_file(tpl.spreadsheet_id, {})["id"]
    write(carla, cid, {f"Self!{a1(R_FIRST, C_RATING)}": "L2"})
    carla.create_permission(cid, {"type": "anyone", "role": "reader"})
    report = verify_grid(open_grid(cid, api_as(fake))).report
    assert not report.ok
    assert any(f.sheet == "Guide" and f.cell == "B4" and "name" in f.message for f in report.errors)


def test_copies_of_one_template_by_different_people_read_as_different_people(
        fake: FakeGoogle, small: Ladder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from sheetladder.results.read import read_many

    monkeypatch.setenv(ENV_ROOT, fake.root)
    tpl = gpublish.publish_template(small, api_as(fake), period="2026-Q4")
    links = []
    for who, name, level in (("carla@example.com", "Carla Ruiz", "L2"),
                             ("dan@example.com", "Dan Wu", "L3")):
        api = api_as(fake, who)
        cid = api.copy_file(tpl.spreadsheet_id, {})["id"]
        write(api, cid, {"Guide!B4": f"  {name} ", f"Self!{a1(R_FIRST, C_RATING)}": level,
                         f"Self!{a1(R_FIRST + 1, C_RATING)}": level})
        api.create_permission(cid, {"type": "user", "role": "reader", "emailAddress": OWNER})
        links.append(f"https://docs.google.com/spreadsheets/d/{cid}/edit")
    reports = read_many(links)
    assert [(r.person, r.level, r.ok) for r in reports] == [("Carla Ruiz", "L2", True),
                                                            ("Dan Wu", "L3", True)]
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    res = CliRunner().invoke(main, ["collect", *links, "--db", db, "--trust-new"])
    assert res.exit_code == 0 and "2 added" in res.output, res.output
    res = CliRunner().invoke(main, ["export", "--period", "2026-Q4", "--format", "json", "-o",
                                    str(tmp_path / "q.json"), "--db", db])
    assert res.exit_code == 0, res.output
    people = json.loads((tmp_path / "q.json").read_text())["people"]
    assert sorted((p["person"], p["level"]) for p in people) == [("Carla Ruiz", "L2"), ("Dan Wu", "L3")]


def test_cli_publish_template_prints_the_copy_link(fake: FakeGoogle,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--template"])
    assert res.exit_code == 0, res.output
    (sid,) = fake.spreadsheets
    assert f"https://docs.google.com/spreadsheets/d/{sid}/copy" in res.output


# -- what read says of a Google sheet -----------------------------------------------------------


def test_read_of_a_google_sheet_says_which_rater_tabs_are_filled(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, small: Ladder) -> None:
    from sheetladder.context import make_context
    from sheetladder.plan import build_plan

    monkeypatch.setenv(ENV_ROOT, fake.root)
    ctx = make_context(small, "Ana", "2026-Q4", [("self", None, None), ("manager", "Bo", None),
                                                 ("peer", "Cy", None)])
    out = gpublish.publish(build_plan(small, ctx), api_as(fake))
    api = api_as(fake)
    write(api, out.spreadsheet_id, {f"Self!{a1(R_FIRST, C_RATING)}": "L1",
                                    f"Self!{a1(R_FIRST + 1, C_RATING)}": "L2",
                                    f"{quote_sheet('Bo')}!{a1(R_FIRST, C_RATING)}": "L2"})
    res = CliRunner().invoke(main, ["read", out.url, "--trust-new"])
    assert "filled: Self" in res.output and "partly filled: Bo (1/2)" in res.output
    assert "not started: Cy" in res.output
    data = json.loads(CliRunner().invoke(main, ["read", out.url, "--json", "--trust-new"]).output)
    assert {r["tab"]: r["rated"] for r in data["raters"]} == {"Self": 2, "Bo": 1, "Cy": 0}
