"""Google Sheets: publish a plan through the local fake of Sheets v4 + Drive v3, fill it as the
raters would, read it back, and compare with the .xlsx of the same plan."""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sheetladder import scoring
from sheetladder.a1 import a1, quote_sheet
from sheetladder.cli import main
from sheetladder.context import META_SHEET, make_context, split_contexts
from sheetladder.definition import Ladder, load_text
from sheetladder.google import publish as gsheets
from sheetladder.google import read as gread
from sheetladder.google.client import (
    ENV_ROOT,
    GoogleApi,
    GoogleApiError,
    RetryPolicy,
    StorageQuotaError,
    make_client,
)
from sheetladder.grid import Grid
from sheetladder.plan import (
    C_COMMENT,
    C_RATING,
    R_FIRST,
    WorkbookPlan,
    build_plan,
    summary_columns,
    summary_footer,
)
from sheetladder.xlsx.read import grid_from_bytes
from sheetladder.xlsx.write import to_bytes

from .conftest import DEFINITIONS, SMALL
from .fake_google import OWNER, FakeGoogle

# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as g:
        yield g


def make_api(fake: FakeGoogle, user: str | None = None, retries: int = 5,
             sleeps: list[float] | None = None) -> GoogleApi:
    """gspread over the fake (through the session's transport adapter, on Google's hosts)."""
    record = sleeps if sleeps is not None else []
    policy = RetryPolicy(max_tries=retries + 1, backoff_base=0.001)
    return GoogleApi(make_client(fake.session(user), policy=policy, sleep=record.append))


@pytest.fixture
def api(fake: FakeGoogle) -> GoogleApi:
    return make_api(fake)


RATERS = [("self", None, "ana@example.com"), ("manager", "Bo Chen", "bo@example.com"),
          ("peer", "Cy", None), ("peer", "Di", "di@example.com")]


def context(ladder: Ladder, raters: list[tuple[str, str | None, str | None]] | None = None) -> Any:
    roles = {r.id for r in ladder.raters}
    chosen = [r for r in (raters or RATERS) if r[0] in roles]
    return make_context(ladder, "Ana Diaz", "2026-Q4", chosen)


def fill(fake: FakeGoogle, sid: str, plan: WorkbookPlan, ratings: dict[str, dict[str, int | None]],
         comments: dict[str, dict[str, str]], rng: random.Random) -> None:
    """Each rater writes their own tab through the API, as a user typing would (USER_ENTERED);
    codes in random case with stray spaces, which the formulas must tolerate."""
    email_of = {s.tab: s.email for s in plan.context.raters}
    ladder = plan.ladder
    for sheet in plan.rater_sheets():
        tab = sheet.name
        user = email_of[tab] or OWNER  # a tab without an email is filled by any editor
        data = []
        for i, cat in enumerate(ladder.categories):
            lv = ratings.get(tab, {}).get(cat.id)
            if lv is not None:
                code = ladder.codes[lv - 1]
                code = rng.choice([code, code.lower(), f" {code} "])
                data.append({"range": f"{quote_sheet(tab)}!{a1(R_FIRST + i, C_RATING)}",
                             "values": [[code]]})
            text = comments.get(tab, {}).get(cat.id)
            if text:
                data.append({"range": f"{quote_sheet(tab)}!{a1(R_FIRST + i, C_COMMENT)}",
                             "values": [[text]]})
        if data:
            r = make_api(fake, user).call(
                "POST", f"{fake.root}/v4/spreadsheets/{sid}/values:batchUpdate",
                body={"valueInputOption": "USER_ENTERED", "data": data})
            assert r["totalUpdatedCells"] == len(data)


def close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def assert_grids_agree(google: Grid, xlsx: Grid, plan: WorkbookPlan) -> int:
    """Every cell of the .xlsx is in the Google grid with the same formula and value (ratings
    as typed: any case, stray spaces)."""
    checked = 0
    for name, xs in xlsx.sheets.items():
        gs = google.sheets[name]
        inputs = {(c.row, c.col) for c in plan.sheet(name).cells
                  if c.input_of is not None and c.input_of[1] == "rating"}
        for key, xc in xs.cells.items():
            gc = gs.get(*key)
            if key in inputs:
                assert str(gc.value).strip().upper() == xc.value, (name, key, gc, xc)
                continue
            if xc.formula is None:
                assert close(gc.value, xc.value), (name, key, gc, xc)
                continue
            assert gc.formula == xc.formula, (name, key)
            assert gc.error == xc.error and close(gc.value, xc.value), (name, key, gc, xc)
            checked += 1
    return checked


# -- publishing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DEFINITIONS.glob("*.yaml")), ids=lambda p: p.stem)
def test_publish_is_one_create_one_batch_update_and_one_drive_call_per_share(
        fake: FakeGoogle, api: GoogleApi, path: Path) -> None:
    from sheetladder.definition import load

    ladder = load(path)
    plan = build_plan(ladder, context(ladder))
    shares = [gsheets.Share("hr@example.com", "reader")]
    out = gsheets.publish(plan, api, shares=shares, link="commenter")
    expected_shares = len({s.email for s in plan.context.raters if s.email}) + len(shares) + 1
    assert fake.calls() == (["sheets.spreadsheets.create", "sheets.spreadsheets.batchUpdate"]
                            + ["drive.permissions.create"] * expected_shares)
    assert all(e.status == 200 for e in fake.log)  # every body passed discovery validation
    assert out.url.endswith(f"/d/{out.spreadsheet_id}/edit")
    ss = fake.spreadsheets[out.spreadsheet_id]
    assert [s.title for s in ss.sheets] == [s.name for s in plan.sheets]
    assert ss.props["locale"] == "en_US"


def test_published_sheet_carries_formats_dropdowns_protection_hidden_meta_and_a_chart(
        fake: FakeGoogle, api: GoogleApi, sales: Ladder) -> None:
    plan = build_plan(sales, context(sales))
    out = gsheets.publish(plan, api)
    ss = fake.spreadsheets[out.spreadsheet_id]
    by = {s.title: s for s in ss.sheets}
    meta = by[META_SHEET]
    assert meta.props.get("hidden") is True
    assert [p["range"] for p in meta.protected] == [{"sheetId": meta.id}]
    n = len(sales.categories)
    # every rating cell has a strict dropdown of the ladder's codes
    bo = by["Bo Chen"]
    for i in range(n):
        dv = bo.cells[(R_FIRST + i, C_RATING)]["dataValidation"]
        assert dv["strict"] is True
        assert [v["userEnteredValue"] for v in dv["condition"]["values"]] == list(sales.codes)
    # Bo's inputs are outside the sheet protection and editable only by Bo
    sheet_level = [p for p in bo.protected if set(p["range"]) == {"sheetId"}]
    assert len(sheet_level) == 1 and sheet_level[0]["unprotectedRanges"]
    only_bo = [p for p in bo.protected if p.get("editors", {}).get("users") == ["bo@example.com"]]
    assert {p["range"]["startColumnIndex"] for p in only_bo} == {C_RATING, C_COMMENT}
    # a tab without an email has no per-rater protection
    assert len(by["Cy"].protected) == 1
    # the radar became a column chart, anchored where the plan puts it
    (chart,) = by["Summary"].charts
    assert chart["spec"]["basicChart"]["chartType"] == "COLUMN"
    anchor = chart["position"]["overlayPosition"]["anchorCell"]
    (plan_chart,) = plan.sheet("Summary").charts
    assert (anchor["rowIndex"], anchor["columnIndex"]) == plan_chart.anchor
    assert len(chart["spec"]["basicChart"]["series"]) == len(plan_chart.series)
    # formats: the rating input style is the plan's (bold, centred, yellow)
    fmt = bo.cells[(R_FIRST, C_RATING)]["userEnteredFormat"]
    assert fmt["textFormat"]["bold"] is True and fmt["horizontalAlignment"] == "CENTER"
    assert by["Matrix"].props["gridProperties"]["frozenRowCount"] == plan.sheet("Matrix").freeze[0]


def test_user_text_starting_with_equals_stays_text(fake: FakeGoogle, api: GoogleApi) -> None:
    ladder = load_text(SMALL.replace("a one", "'=1+1'").replace("Alpha", "'@Alpha'"), "evil.yaml")
    ctx = make_context(ladder, "=HYPERLINK(\"http://x\")", "+2026", [("self", "-Eve", None)])
    plan = build_plan(ladder, ctx)
    body = gsheets.create_body(plan)
    texts = [c["userEnteredValue"] for s in body["sheets"] for row in s["data"][0]["rowData"]
             for c in row.get("values", []) if "userEnteredValue" in c]
    plan_formulas = sum(1 for s in plan.sheets for c in s.cells if c.kind == "formula")
    assert sum("formulaValue" in v for v in texts) == plan_formulas
    out = gsheets.publish(plan, api)
    grid = gread.open_grid(out.spreadsheet_id, api)
    matrix = grid.sheets["Matrix"]
    found = [c for c in matrix.cells.values() if c.value == "=1+1"]
    assert found and all(c.formula is None for c in found)
    assert grid.sheets["Guide"].get(3, 1).value == "=HYPERLINK(\"http://x\")"
    assert grid.sheets["Guide"].get(3, 1).formula is None


def test_folder_publish_lets_a_service_account_without_storage_use_a_shared_drive(
        fake: FakeGoogle, small: Ladder) -> None:
    sa = "bot@project.iam.gserviceaccount.com"
    fake.quota_exceeded.add(sa)
    fake.add_folder("shareddrivefolder", owner="team@example.com", shared_drive=True, writers=(sa,))
    api = make_api(fake, sa)
    plan = build_plan(small, context(small))
    out = gsheets.publish(plan, api, folder="shareddrivefolder")
    emails = {s.email for s in plan.context.raters if s.email}
    assert fake.calls() == (["drive.files.create", "sheets.spreadsheets.batchUpdate"]
                            + ["drive.permissions.create"] * len(emails))
    assert fake.files[out.spreadsheet_id].parents == ["shareddrivefolder"]
    # the folder path builds the same workbook as create: compare the reads
    fake2 = FakeGoogle().start()
    try:
        out2 = gsheets.publish(plan, make_api(fake2))
        g1 = gread.open_grid(out.spreadsheet_id, api)
        g2 = gread.open_grid(out2.spreadsheet_id, make_api(fake2))
        assert g1.names == g2.names
        for name in g1.names:
            assert g1.sheets[name].cells == g2.sheets[name].cells
            assert g1.sheets[name].visibility == g2.sheets[name].visibility
        s1 = fake.spreadsheets[out.spreadsheet_id]
        s2 = fake2.spreadsheets[out2.spreadsheet_id]
        for a, b in zip(s1.sheets, s2.sheets, strict=True):
            assert a.cells == b.cells and a.merges == b.merges and a.columns == b.columns
            assert a.props == b.props and len(a.protected) == len(b.protected)
    finally:
        fake2.close()


def test_storage_quota_error_explains_shared_drives_and_oauth(fake: FakeGoogle, small: Ladder) -> None:
    sa = "bot@project.iam.gserviceaccount.com"
    fake.quota_exceeded.add(sa)
    api = make_api(fake, sa)
    with pytest.raises(StorageQuotaError) as info:
        gsheets.publish(build_plan(small, context(small)), api)
    text = str(info.value)
    assert "shared drive" in text and "--folder" in text and "--oauth" in text
    assert fake.calls() == ["sheets.spreadsheets.create"]  # a quota 403 is not retried


# -- faults -------------------------------------------------------------------------------------


def test_a_429_storm_ends_in_a_clear_error_after_bounded_retries(fake: FakeGoogle, small: Ladder) -> None:
    sleeps: list[float] = []
    api = make_api(fake, retries=4, sleeps=sleeps)
    fake.inject(429, count=1000)
    with pytest.raises(GoogleApiError) as info:
        gsheets.publish(build_plan(small, context(small)), api)
    assert info.value.status == 429 and info.value.attempts == 5
    assert "429" in str(info.value) and "gave up after 5 attempts" in str(info.value)
    assert len(fake.log) == 5 and len(sleeps) == 4
    assert all(0 <= s <= 0.001 * 2 ** i for i, s in enumerate(sleeps))
    assert not fake.spreadsheets


def test_transient_429s_are_retried_and_the_publish_succeeds(fake: FakeGoogle, small: Ladder) -> None:
    sleeps: list[float] = []
    api = make_api(fake, sleeps=sleeps)
    fake.inject(429, count=2, match="POST /v4/spreadsheets", retry_after="0")
    fake.inject(429, count=1, match=":batchUpdate")
    out = gsheets.publish(build_plan(small, context(small)), api)
    assert [c.attempts for c in api.calls][:2] == [3, 2]
    assert len(sleeps) == 3
    assert out.spreadsheet_id in fake.spreadsheets


def test_a_post_answered_500_is_not_sent_again_but_a_read_is(fake: FakeGoogle, small: Ladder) -> None:
    # a 500 may come after the work was done: re-sending a create or a batchUpdate could make a
    # second spreadsheet or a second chart, so only reads are retried on it
    api = make_api(fake, retries=3)
    fake.inject(500, count=1, match="POST /v4/spreadsheets")
    with pytest.raises(GoogleApiError) as info:
        gsheets.publish(build_plan(small, context(small)), api)
    assert info.value.status == 500 and info.value.attempts == 1
    out = gsheets.publish(build_plan(small, context(small)), api)
    fake.inject(500, count=2, match="GET /v4/spreadsheets")
    grid = gread.open_grid(out.url, api)
    assert api.calls[-1].attempts == 3 and grid.sheets


def test_a_publish_failing_half_way_deletes_what_it_created(fake: FakeGoogle, small: Ladder) -> None:
    api = make_api(fake, retries=1)
    fake.inject(500, count=10, match="/permissions")
    with pytest.raises(gsheets.PublishError, match="was deleted"):
        gsheets.publish(build_plan(small, context(small)), api)
    assert fake.calls()[-1] == "drive.files.delete"
    assert not fake.spreadsheets


def test_a_half_way_failure_whose_cleanup_fails_names_the_sheet(fake: FakeGoogle, small: Ladder) -> None:
    api = make_api(fake, retries=0)
    fake.inject(400, count=1, match=":batchUpdate",
                body={"error": {"code": 400, "message": "boom", "status": "INVALID_ARGUMENT"}})
    fake.inject(403, count=1, match="DELETE")
    with pytest.raises(gsheets.PublishError) as info:
        gsheets.publish(build_plan(small, context(small)), api)
    (sid,) = fake.spreadsheets
    assert gread.spreadsheet_url(sid) in str(info.value) and "delete it by hand" in str(info.value)


def test_errors_never_carry_the_token(fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    out = gsheets.publish(build_plan(small, context(small)), api)
    secret = "ya29.secret-token-value"
    intruder = make_api(fake, secret, retries=0)
    with pytest.raises(GoogleApiError) as info:
        intruder.batch_update(out.spreadsheet_id, [{"deleteSheet": {"sheetId": 1}}])
    assert info.value.status == 404
    assert secret not in str(info.value) and "spreadsheets.batchUpdate" in str(info.value)


# -- the fake itself refuses what Google refuses ------------------------------------------------


@pytest.mark.parametrize("request_, fragment", [
    ({"addSheet": {"properties": {"title": "x", "colour": 1}}}, 'Unknown name "colour"'),
    ({"addSheet": {"properties": {"title": "x", "index": "first"}}}, "TYPE_INT32"),
    ({"addSheet": {"properties": {"title": "x", "sheetType": "GRIDDY"}}}, "TYPE_ENUM"),
    ({"addSheet": {"properties": {"title": "x"}}, "deleteSheet": {"sheetId": 0}}, "Oneof"),
    ({"updateCells": {"start": {"sheetId": 0}, "fields": "*",
                      "rows": [{"values": [{"userEnteredValue": {"stringValue": "a", "numberValue": 1}}]}]}},
     "Oneof"),
    ({"updateCells": {"start": {"sheetId": 0}, "fields": "*",
                      "rows": [{"values": [{"userEnteredValue": {"formulaValue": "SUM(1)"}}]}]}},
     "must start with '='"),
    ({}, "No request set"),
])
def test_the_fake_rejects_invalid_requests_like_google(fake: FakeGoogle, api: GoogleApi,
                                                      request_: dict[str, Any], fragment: str) -> None:
    sid = api.create_spreadsheet({"properties": {"title": "t"}})["spreadsheetId"]
    with pytest.raises(GoogleApiError) as info:
        api.batch_update(sid, [request_])
    assert info.value.status == 400 and fragment in str(info.value)
    assert fake.spreadsheets[sid].sheets[0].cells == {}


# -- reading back -------------------------------------------------------------------------------


def ratings_for(ladder: Ladder, plan: WorkbookPlan, rng: random.Random, blank: float
                ) -> tuple[dict[str, dict[str, int | None]], dict[str, dict[str, str]]]:
    n = len(ladder.levels)
    ratings = {s.name: {c.id: (None if rng.random() < blank else rng.randint(1, n))
                        for c in ladder.categories} for s in plan.rater_sheets()}
    comments = {s.name: {c.id: rng.choice(["", "closed the Q3 deal", "see notes: 3 deals"])
                         for c in ladder.categories} for s in plan.rater_sheets()}
    return ratings, comments


@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 2), blank=st.sampled_from([0.0, 0.2]))
def test_filled_through_the_fake_and_read_back_it_scores_like_the_xlsx(
        bundled: list[Ladder], seed: int, which: int, blank: float) -> None:
    ladder = bundled[which]
    rng = random.Random(seed)
    ctx = context(ladder)
    empty = build_plan(ladder, ctx)
    ratings, comments = ratings_for(ladder, empty, rng, blank)
    with FakeGoogle() as fake:
        api = make_api(fake)
        out = gsheets.publish(empty, api)
        fill(fake, out.spreadsheet_id, empty, ratings, comments, rng)
        before = len(fake.log)
        grid = gread.open_grid(out.url, api)
        assert fake.calls(before) == ["sheets.spreadsheets.get"]  # one read per spreadsheet
    filled = build_plan(ladder, ctx, ratings, {t: {k: v for k, v in c.items() if v}
                                               for t, c in comments.items()})
    xlsx = grid_from_bytes("same.xlsx", to_bytes(filled))
    assert assert_grids_agree(grid, xlsx, filled) > 0
    assert grid.sheets[META_SHEET].visibility == "hidden"
    # and the Summary's level is the scoring rule's
    inputs = [scoring.RaterInput(role=s.role, name=s.name, tab=s.tab, levels=ratings[s.tab])
              for s in ctx.raters]
    sc = scoring.score(ladder, inputs)
    row, col = summary_footer(ladder)["level"], summary_columns(ctx, ladder)["consensus_points"]
    assert grid.sheets["Summary"].get(row, col).value == (sc.level or None)


def _report_scores(r: Any) -> dict[str, Any]:
    return {k: getattr(r, k) for k in ("person", "period", "total_points", "level_index", "level",
                                         "progress_to_next", "raters", "categories", "inputs")}


@pytest.mark.parametrize("split", [False, True], ids=["one-sheet", "split"])
def test_read_and_verify_of_the_google_sheets_equal_the_xlsx_path(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sales: Ladder,
        split: bool) -> None:
    from sheetladder.results.read import read_many, read_path
    from sheetladder.xlsx.write import save

    monkeypatch.setenv(ENV_ROOT, fake.root)
    rng = random.Random(7)
    ctx = context(sales)
    empty = build_plan(sales, ctx)
    ratings, comments = ratings_for(sales, empty, rng, 0.0)
    api = make_api(fake)
    done = gsheets.publish_assessment(sales, ctx, api, split=split)
    contexts = split_contexts(ctx) if split else [ctx]
    for pub, c in zip(done, contexts, strict=True):
        fill(fake, pub.spreadsheet_id, build_plan(sales, c), ratings, comments, rng)
    before = len(fake.log)
    (google,) = read_many([p.url for p in done])
    assert fake.calls(before) == ["sheets.spreadsheets.get"] * len(done)
    assert google.ok, [str(f) for f in google.findings]
    kept = {t: {k: v for k, v in c.items() if v} for t, c in comments.items()}
    path = save(build_plan(sales, ctx, ratings, kept), tmp_path / "ana.xlsx")
    xlsx = read_path(path)
    assert xlsx.ok
    assert _report_scores(google) == _report_scores(xlsx)
    assert google.level == scoring.score(sales, [
        scoring.RaterInput(role=s.role, name=s.name, tab=s.tab, levels=ratings[s.tab])
        for s in ctx.raters]).level


def test_cli_read_accepts_a_google_sheet_url(fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch,
                                            small: Ladder) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    out = gsheets.publish(build_plan(small, context(small)), make_api(fake))
    res = CliRunner().invoke(main, ["read", out.url, "--json"])
    assert res.exit_code == 1 and "--trust-new" in res.output  # a ladder never seen
    res = CliRunner().invoke(main, ["read", out.url, "--json", "--trust-new"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["person"] == "Ana Diaz"


def test_cli_collect_takes_a_google_sheet_url_once_and_exports_its_scores(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small: Ladder) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    ctx = context(small)
    empty = build_plan(small, ctx)
    out = gsheets.publish(empty, make_api(fake))
    ratings = {t: {"a": 2, "b": 3} for t in ctx.tabs()}
    fill(fake, out.spreadsheet_id, empty, ratings, {}, random.Random(1))
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    first = CliRunner().invoke(main, ["collect", out.url, "--db", db, "--trust-new"])
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(main, ["collect", out.url, "--db", db])  # the history's ladder
    assert again.exit_code == 0, again.output
    assert "1 added" in first.output
    assert "0 added, 0 updated, 1 unchanged" in again.output
    res = CliRunner().invoke(main, ["export", "--period", ctx.period or "", "--format", "json",
                                    "-o", str(tmp_path / "q.json"), "--db", db])
    assert res.exit_code == 0, res.output
    rows = json.loads((tmp_path / "q.json").read_text())["people"]
    expected = scoring.score(small, [scoring.RaterInput(role=s.role, tab=s.tab,
                                                        levels=ratings[s.tab]) for s in ctx.raters])
    assert len(rows) == 1
    assert rows[0]["total_points"] == expected.total_points
    assert rows[0]["level"] == expected.level


def test_a_rating_that_is_not_a_level_reads_back_as_the_error_google_shows(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    plan = build_plan(small, context(small, [("self", None, None)]))
    out = gsheets.publish(plan, api)
    api.call("PUT", f"{fake.root}/v4/spreadsheets/{out.spreadsheet_id}/values/Self!D5",
             params={"valueInputOption": "USER_ENTERED"}, body={"values": [["L9"]]})
    grid = gread.open_grid(out.spreadsheet_id, api)
    cell = grid.sheets["Self"].get(R_FIRST, 7)  # the hidden level number: MATCH fails
    assert cell.error == "#N/A" and cell.value is None


def test_raters_can_fill_only_their_own_inputs(fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    plan = build_plan(small, context(small))
    out = gsheets.publish(plan, api, shares=[gsheets.Share("hr@example.com", "writer")])
    sid = out.spreadsheet_id

    def write(user: str, tab: str, cell: str, value: str) -> int | None:
        try:
            make_api(fake, user, retries=0).call(
                "PUT", f"{fake.root}/v4/spreadsheets/{sid}/values/{quote_sheet(tab)}!{cell}",
                params={"valueInputOption": "USER_ENTERED"}, body={"values": [[value]]})
            return None
        except GoogleApiError as e:
            return e.status

    rating = a1(R_FIRST, C_RATING)
    assert write("bo@example.com", "Bo Chen", rating, "L2") is None
    assert write("bo@example.com", "Self", rating, "L3") == 400  # someone else's tab
    assert write("hr@example.com", "Bo Chen", rating, "L3") == 400  # an editor, not Bo
    assert write("hr@example.com", "Cy", rating, "L3") is None  # no email: any editor
    assert write("bo@example.com", "Bo Chen", a1(R_FIRST, 5), "99") == 400  # a formula cell
    assert write("bo@example.com", META_SHEET, "B1", "x") == 400
    assert write("stranger@example.com", "Cy", rating, "L1") == 404  # not shared at all
    assert write(OWNER, "Bo Chen", rating, "L1") is None  # the owner always can


def test_split_publishes_one_sheet_per_rater_shared_with_that_rater_only(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    ctx = context(small)
    done = gsheets.publish_assessment(small, ctx, api, split=True)
    assert len(done) == len(ctx.raters)
    for slot, pub in zip(ctx.raters, done, strict=True):
        ss = fake.spreadsheets[pub.spreadsheet_id]
        assert [s.title for s in ss.sheets if s.title in ctx.tabs()] == [slot.tab]
        users = [p.get("emailAddress") for p in fake.files[pub.spreadsheet_id].permissions]
        assert users == ([slot.email] if slot.email else [])
        meta = json.loads(gread.open_grid(pub.url, api).sheets[META_SHEET].get(5, 1).value or "{}")
        assert meta.get("split_tab") == slot.tab
    # 2 Sheets calls + one Drive call per rater email, per copy
    assert fake.calls().count("sheets.spreadsheets.create") == len(ctx.raters)
    assert fake.calls().count("sheets.spreadsheets.batchUpdate") == len(ctx.raters)


def test_sources_are_recognised_and_ids_extracted() -> None:
    sid = "1AbC_dEf-GhIjKlMnOpQrStUvWxYz0123456789"
    assert gread.is_google_source(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0")
    assert gread.spreadsheet_id(f"https://docs.google.com/spreadsheets/u/1/d/{sid}/view") == sid
    assert gread.is_google_source(sid) and gread.spreadsheet_id(sid) == sid
    for not_google in ("ana-diaz-2026-q4.xlsx", "output/ana.xlsx", "https://example.com/d/x", "short"):
        assert not gread.is_google_source(not_google)


def test_reading_a_missing_sheet_is_an_unreadable_workbook(fake: FakeGoogle, api: GoogleApi) -> None:
    from sheetladder.errors import UnreadableWorkbook

    with pytest.raises(UnreadableWorkbook, match="404"):
        gread.open_grid("x" * 44, api)


# -- the command line ---------------------------------------------------------------------------


def test_cli_publish_prints_the_link(fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--person", "Ana",
                                    "--rater", "self::ana@example.com", "--rater", "manager:Bo",
                                    "--share", "hr@example.com:reader", "--link", "reader"])
    assert res.exit_code == 0, res.output
    (sid,) = fake.spreadsheets
    assert gread.spreadsheet_url(sid) in res.output
    assert fake.calls().count("drive.permissions.create") == 3


def test_cli_publish_split_prints_one_link_per_rater(fake: FakeGoogle,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--person", "Ana",
                                    "--rater", "self", "--rater", "manager:Bo", "--split"])
    assert res.exit_code == 0, res.output
    assert len(fake.spreadsheets) == 2 and res.output.count("https://docs.google.com") == 2


def test_cli_publish_quota_error_is_a_message_not_a_traceback(
        fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ROOT, fake.root)
    fake.quota_exceeded.add(OWNER)
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--person", "Ana"])
    assert res.exit_code == 1
    assert "shared drive" in res.output and "Traceback" not in res.output


def test_cli_publish_without_credentials_says_how_to_get_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_ROOT, raising=False)
    monkeypatch.delenv("SHEETLADDER_GOOGLE_CREDENTIALS", raising=False)
    res = CliRunner().invoke(main, ["publish", str(DEFINITIONS / "sales-s1-s7.yaml"), "--person", "Ana"])
    assert res.exit_code == 1 and "--credentials" in res.output and "--oauth" in res.output


# -- live (opt-in) ------------------------------------------------------------------------------

LIVE = os.environ.get("SHEETLADDER_GOOGLE_CREDENTIALS")


@pytest.mark.skipif(not LIVE, reason="live Google test: set SHEETLADDER_GOOGLE_CREDENTIALS to a "
                                     "service-account key (with SHEETLADDER_GOOGLE_FOLDER) or OAuth file")
def test_live_publish_read_and_delete(small: Ladder, monkeypatch: pytest.MonkeyPatch) -> None:
    from sheetladder.google.client import default_api

    monkeypatch.delenv(ENV_ROOT, raising=False)
    api = default_api(LIVE)
    plan = build_plan(small, context(small, [("self", None, None)]))
    out = gsheets.publish(plan, api, folder=os.environ.get("SHEETLADDER_GOOGLE_FOLDER") or None)
    try:
        grid = gread.open_grid(out.spreadsheet_id, api)
        xlsx = grid_from_bytes("same.xlsx", to_bytes(plan))
        assert assert_grids_agree(grid, xlsx, plan) > 0
    finally:
        api.delete_file(out.spreadsheet_id)


def test_a_sheet_whose_locale_was_changed_says_so_and_how_to_set_it_back(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    """Made en_US; a manager who switches the sheet to de_DE may see formulas read with ';'
    separators reported as changed: the read notes the locale and what to do."""
    from sheetladder.verify.verify import verify_grid

    out = gsheets.publish(build_plan(small, context(small)), api)
    assert gread.open_grid(out.spreadsheet_id, api).notes == []
    fake.spreadsheets[out.spreadsheet_id].props["locale"] = "de_DE"
    grid = gread.open_grid(out.spreadsheet_id, api)
    assert grid.notes == [
        "the spreadsheet's locale was changed to de_DE (File > Settings); it was made in "
        "English (United States): if its formulas are reported as changed, set the locale back "
        "to English (United States) and read it again"]
    report = verify_grid(grid).report
    assert any("locale was changed to de_DE" in f.message and f.severity == "warning"
               for f in report.findings)


# -- locales: a spreadsheet of a German, French or Brazilian account ---------------------------
# What Google documents (see tests/fake_google.py): USER_ENTERED input is parsed as if typed in
# the UI, in the spreadsheet's locale (';' between arguments, ',' for decimals in these);
# FORMATTED_VALUE is formatted in the spreadsheet's locale. Publish writes typed values
# (numberValue, stringValue) and formulas into a spreadsheet it makes en_US before any formula
# is entered; read takes typed values (effectiveValue) and the formulas (userEnteredValue).

COMMA_LOCALES = ["de_DE", "fr_FR", "pt_BR"]


def _parse_errors(grid: Grid) -> list[tuple[str, int, int]]:
    return [(name, r, c) for name, sg in grid.sheets.items() for (r, c), cell in sg.cells.items()
            if cell.formula is not None and cell.error == "#ERROR!"]


def _filled(fake: FakeGoogle, api: GoogleApi, ladder: Ladder, folder: str | None = None
            ) -> tuple[str, WorkbookPlan]:
    """Published (into ``folder`` with --folder) and filled by its raters; the plan filled."""
    rng = random.Random(11)
    ctx = context(ladder)
    empty = build_plan(ladder, ctx)
    ratings, comments = ratings_for(ladder, empty, rng, 0.0)
    out = gsheets.publish(empty, api, folder=folder)
    fill(fake, out.spreadsheet_id, empty, ratings, comments, rng)
    kept = {t: {k: v for k, v in c.items() if v} for t, c in comments.items()}
    return out.spreadsheet_id, build_plan(ladder, ctx, ratings, kept)


@pytest.mark.parametrize("locale", COMMA_LOCALES)
@pytest.mark.parametrize("folder", [None, "teamfolder"], ids=["create", "folder"])
def test_an_account_in_a_comma_decimal_locale_gets_every_formula_as_planned(
        fake: FakeGoogle, api: GoogleApi, sales: Ladder, locale: str, folder: str | None) -> None:
    """A file made for such an account takes formulas in its locale's syntax, where the plan's
    en_US formulas would not parse. Publish makes the file en_US first (create's properties;
    the first request of the --folder batchUpdate), so the filled sheet reads like the .xlsx."""
    from sheetladder.verify.verify import verify_grid

    fake.default_locale = locale
    fake.add_folder("teamfolder")
    sid, filled = _filled(fake, api, sales, folder)
    assert fake.spreadsheets[sid].props["locale"] == "en_US"
    grid = gread.open_grid(sid, api)
    assert _parse_errors(grid) == [] and grid.notes == []
    xlsx = grid_from_bytes("same.xlsx", to_bytes(filled))
    assert assert_grids_agree(grid, xlsx, filled) > 0
    assert verify_grid(grid).report.errors == []


def test_without_the_en_us_locale_first_a_german_account_gets_formulas_that_do_not_parse(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    """The control: the fake reads formulas in the file's locale, so the locale publish sets
    (and where it sets it) is what makes the formulas the plan's. Without it, or after the
    cells in the --folder batchUpdate, they are parse errors and the read is refused."""
    from sheetladder.verify.verify import verify_grid

    fake.default_locale = "de_DE"
    plan = build_plan(small, context(small))
    body = gsheets.create_body(plan)
    del body["properties"]["locale"]
    sid = str(api.create_spreadsheet(body)["spreadsheetId"])
    late = str(api.create_file({"name": "late", "mimeType": gsheets.SPREADSHEET_MIME})["id"])
    reqs = gsheets.fill_requests(plan, "late")
    assert next(iter(reqs[0])) == "updateSpreadsheetProperties"
    assert reqs[0]["updateSpreadsheetProperties"]["properties"]["locale"] == "en_US"
    api.batch_update(late, reqs[1:] + reqs[:1])  # the locale last: the cells were read as German
    for made in (sid, late):
        grid = gread.open_grid(made, api)
        assert _parse_errors(grid)
        report = verify_grid(grid).report
        assert report.errors
    assert fake.spreadsheets[late].props["locale"] == "en_US"


@pytest.mark.parametrize("locale", COMMA_LOCALES)
def test_a_sheet_switched_to_a_comma_decimal_locale_still_reads_its_numbers_exactly(
        fake: FakeGoogle, api: GoogleApi, sales: Ladder, locale: str) -> None:
    """After File > Settings > Locale, FORMATTED_VALUE gives '1,5' for 1.5 (documented). The
    read asks for no formatted value and no render option: typed values and the formulas, the
    same as before the switch, and the sheet verifies (with a warning naming the locale)."""
    from sheetladder.verify.verify import verify_grid

    sid, _ = _filled(fake, api, sales)
    before_switch = gread.open_grid(sid, api)
    decimals = [(name, key) for name, sg in before_switch.sheets.items()
                for key, cell in sg.cells.items()
                if isinstance(cell.value, float) and not cell.value.is_integer()]
    assert decimals
    name, (r, c) = decimals[0]
    fake.spreadsheets[sid].props["locale"] = locale
    shown = api.call("GET", f"{fake.root}/v4/spreadsheets/{sid}/values/{quote_sheet(name)}!{a1(r, c)}")
    assert "," in shown["values"][0][0] and "." not in shown["values"][0][0]
    start = len(fake.log)
    grid = gread.open_grid(sid, api)
    (read,) = fake.log[start:]
    fields = read.query["fields"][0]
    assert "effectiveValue" in fields and "userEnteredValue" in fields
    assert "formattedValue" not in fields and "valueRenderOption" not in read.query
    for sheet_name, sg in before_switch.sheets.items():
        assert grid.sheets[sheet_name].cells == sg.cells
    report = verify_grid(grid).report
    assert report.errors == []
    assert any(f"locale was changed to {locale}" in f.message for f in report.findings)


def _in_locale_syntax(formula: str) -> str:
    """An en_US formula as a comma-decimal locale writes it: ';' between arguments, ',' for
    decimals (text in quotes left alone)."""
    out, quote = [], ""
    for ch in formula:
        if quote:
            quote = "" if ch == quote else quote
            out.append(ch)
        elif ch in "\"'":
            quote = ch
            out.append(ch)
        else:
            out.append({",": ";", ".": ","}.get(ch, ch))
    return "".join(out)


def test_formulas_given_back_in_the_locales_syntax_are_refused_with_how_to_fix_it(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    """Google does not document whether a read's formulaValue follows the locale (the fake keeps
    en_US). Were it given as de_DE writes it, every formula would differ from the plan's: the
    read is refused, never passed, and says to set the locale back (File > Settings)."""
    from sheetladder.verify.verify import verify_grid

    sid, _ = _filled(fake, api, small)
    fake.spreadsheets[sid].props["locale"] = "de_DE"
    data = api.get_spreadsheet(sid, {"includeGridData": "true", "fields": gread.READ_FIELDS})
    changed = 0
    for sh in data["sheets"]:
        for block in sh.get("data") or []:
            for row in block.get("rowData") or []:
                for cd in row.get("values") or []:
                    uv = (cd or {}).get("userEnteredValue") or {}
                    if "formulaValue" in uv and _in_locale_syntax(uv["formulaValue"]) != uv["formulaValue"]:
                        uv["formulaValue"] = _in_locale_syntax(uv["formulaValue"])
                        changed += 1
    assert changed
    grid = gread.grid_from_response(data, gread.spreadsheet_url(sid))
    report = verify_grid(grid).report
    assert report.errors
    assert any("locale was changed to de_DE" in f.message and "set the locale back" in f.message
               for f in report.findings)


def test_a_sheet_retitled_for_another_quarter_is_refused_as_a_file_renamed_is(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    """Last quarter's sheet copied and retitled for this one still holds last quarter: its
    title is a Google Sheet's file name."""
    from sheetladder.verify.verify import verify_grid

    plan = build_plan(small, make_context(small, "Ana Diaz", "2026-Q3"))
    out = gsheets.publish(plan, api)
    grid = gread.open_grid(out.spreadsheet_id, api)
    assert grid.title == gsheets.title_of(plan) and "2026-Q3" in (grid.title or "")
    assert not any("name says" in f.message for f in verify_grid(grid).report.findings)
    fake.spreadsheets[out.spreadsheet_id].props["title"] = "Copy of Small: Ana Diaz, 2026-Q4"
    report = verify_grid(gread.open_grid(out.spreadsheet_id, api)).report
    assert [f.message.split(":")[0] for f in report.errors] == [
        "the sheet's name says 2026-Q4 but the workbook is for 2026-Q3"]
    # what to do, said of a sheet: the one published, its title (not a file rendered, renamed)
    assert report.errors[0].message.endswith(
        "For 2026-Q4, fill the sheet published for 2026-Q4 (sheetladder publish DEFINITION "
        "--person 'Ana Diaz' --period 2026-Q4); if these are 2026-Q3's ratings, retitle the "
        "sheet so that its title does not say 2026-Q4"), report.errors[0].message


def test_a_sheet_retitled_for_another_person_is_refused_as_a_file_renamed_is(
        fake: FakeGoogle, api: GoogleApi, small: Ladder) -> None:
    """Gus's sheet retitled as publish titles Ben's (a copy of it, "Copy of ..." or not) read
    as Gus's, exit 0, where the same .xlsx renamed ben-ortiz-2026-q4.xlsx is an error at the
    Guide's person cell. A title publish never gives, or Gus's own, says nothing."""
    from sheetladder.verify.verify import verify_grid

    plan = build_plan(small, make_context(small, "Gus Moreau", "2026-Q4"))
    out = gsheets.publish(plan, api)

    def errors(title: str) -> list[str]:
        fake.spreadsheets[out.spreadsheet_id].props["title"] = title
        report = verify_grid(gread.open_grid(out.spreadsheet_id, api)).report
        return [f"{f.sheet}!{f.cell}: {f.message}" for f in report.errors]

    for title in ("Small ladder: Ben Ortiz, 2026-Q4", "Copy of Small ladder: Ben Ortiz, 2026-Q4",
                  "Small ladder: Ben Ortiz, 2026-Q4 (Self)"):
        got = errors(title)
        assert len(got) == 1 and got[0].startswith(
            f"Guide!B4: this sheet's title ({title!r}) is the one publish gives Ben Ortiz's "
            "sheet, but the workbook in it is Gus Moreau's"), got
    for title in ("Small ladder: Gus Moreau, 2026-Q4", "Copy of Small ladder: gus  moreau, 2026-Q4",
                  "Q4 review of Gus", "Small ladder: Gus Moreau, 2026-Q4 (Self)",
                  "Small: Ben Ortiz, 2026-Q4", "Small ladder: Gus Moreau, final",
                  "Small ladder: Gus", "Small ladder: Gus Moreau – Q4 review",
                  "Small ladder: Ben Ortiz"):  # typed titles judge nothing
        assert errors(title) == [], title


def test_one_spreadsheet_named_by_any_link_or_its_id_is_the_same_file(tmp_path: Path) -> None:
    """A Google Sheet collected by its link and again by its bare id was two files to collect:
    clearing one rating in it was refused as "a copy saved before they were given", held
    from the same sheet. Every form of its name is one spreadsheet; another id is another."""
    from sheetladder.results.readers import same_file

    sid = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
    forms = [f"https://docs.google.com/spreadsheets/d/{sid}/edit",
             f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0",
             f"https://docs.google.com/spreadsheets/u/1/d/{sid}/edit?usp=sharing", sid]
    assert all(same_file(a, b) for a in forms for b in forms)
    other = sid[:-1] + "e"
    assert not same_file(forms[0], other) and not same_file(other, forms[3])
    local = tmp_path / "ana.xlsx"
    local.write_bytes(b"x")
    assert not same_file(str(local), forms[0]) and same_file(str(local), str(local))


def test_a_link_to_no_sheet_the_account_may_read_says_so(fake: FakeGoogle, api: GoogleApi,
                                                        small: Ladder) -> None:
    """A deleted sheet, or one not shared with the account, gave only the API's words
    ("spreadsheets.get failed with HTTP 404 (notFound)"); it now says what it may mean and
    what to do, the API's words kept in brackets."""
    from sheetladder.errors import UnreadableWorkbook

    plan = build_plan(small, make_context(small, "Ana Diaz", "2026-Q4"))
    sid = gsheets.publish(plan, api).spreadsheet_id
    del fake.files[sid]  # deleted in Drive (or never shared: Google says the same)
    with pytest.raises(UnreadableWorkbook) as info:
        gread.open_grid(sid, api)
    assert info.value.reason.startswith(
        "Google has no sheet of this link that the account signed in may read (it may have been "
        "deleted, or not be shared with that account; spreadsheets.get failed with HTTP 404"), \
        info.value.reason
    assert info.value.reason.endswith("ask its owner to share it with the account, or check "
                                      "the link")
