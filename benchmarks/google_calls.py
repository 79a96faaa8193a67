"""API calls per publish and per read of a Google Sheet, beside a straightforward gspread way.

    python benchmarks/google_calls.py

For each bundled ladder (four raters, three with emails, one extra share, a reader link), on
the local fake of Sheets v4 + Drive v3 (tests/fake_google.py, which validates every body
against Google's discovery documents and counts requests):

Both sides are gspread clients on the fake, reached through the session's transport adapter
(gspread's own URLs, Google's hosts); the difference is what is sent, not the client.

* sheetladder ``publish``: spreadsheets.create + one batchUpdate + one Drive
  permissions.create per share (issue 8: <= 2 Sheets calls + 1 Drive call per share, whatever
  the ladder's size); and with ``--folder`` (Drive files.create in the folder + one batchUpdate);
* sheetladder ``open_grid``: one spreadsheets.get (issue 8: 1 call per spreadsheet);
* gspread 6.2, written the straightforward way — client.create, add_worksheet per tab, one
  values update per tab, one ``format`` call per formatted range (a run of cells of one style
  in a row), one call per merge, column width, validation, conditional format, protected range
  and chart, freeze/tab colour/hide per tab, one ``share`` per person — and reading with
  open_by_key plus values and formulas per tab. The same fake counts its requests.

Prints a table; nothing is asserted (tests/test_gsheets.py asserts the call budget). The last
line is JSON with the rows benchmarks/run_all.py puts in its table (``run(quick)`` returns them:
every bundled ladder, or only the smallest when quick), each the worst over the ladders (the
larger ladder on a tie), with gspread's count for the same ladder as the floor: Sheets calls per
publish, Drive calls per share, calls of a publish into a Drive folder less its shares
(files.create + one batchUpdate), and calls per read.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gspread  # noqa: E402

from sheetladder.a1 import a1  # noqa: E402
from sheetladder.context import make_context  # noqa: E402
from sheetladder.definition import load  # noqa: E402
from sheetladder.google import publish as gsheets  # noqa: E402
from sheetladder.google import read as gread  # noqa: E402
from sheetladder.google.client import GoogleApi, make_client  # noqa: E402
from sheetladder.plan import STYLES, WorkbookPlan, build_plan  # noqa: E402
from tests.fake_google import FakeGoogle  # noqa: E402

RATERS = [("self", None, "ana@example.com"), ("manager", "Bo Chen", "bo@example.com"),
          ("peer", "Cy", None), ("peer", "Di", "di@example.com")]
SHARES = [gsheets.Share("hr@example.com", "reader")]


def _kinds(fake: FakeGoogle, since: int = 0) -> tuple[int, int, int]:
    """(Sheets calls, Drive calls, failed calls) since a point of the fake's log."""
    log = fake.log[since:]
    sheets = sum(1 for e in log if e.method_id.startswith("sheets."))
    drive = sum(1 for e in log if e.method_id.startswith("drive."))
    return sheets, drive, sum(1 for e in log if e.status != 200)


def gspread_publish(plan: WorkbookPlan, gc: gspread.Client) -> str:
    sh = gc.create(gsheets.title_of(plan))
    first = sh.sheet1
    body = gsheets.create_body(plan)
    follow = gsheets.followup_requests(plan)
    for sheet, res in zip(plan.sheets, body["sheets"], strict=True):
        grid = res["properties"]["gridProperties"]
        ws = sh.add_worksheet(sheet.name, rows=grid["rowCount"], cols=grid["columnCount"])
        if first is not None:
            sh.del_worksheet(first)
            first = None
        rows = max(c.row for c in sheet.cells) + 1
        cols = max(c.col for c in sheet.cells) + 1
        values: list[list[Any]] = [[""] * cols for _ in range(rows)]
        for c in sheet.cells:
            values[c.row][c.col] = "=" + c.formula if c.kind == "formula" and c.formula else (
                "" if c.value is None else c.value)
        ws.update(values, "A1", raw=False)
        runs: list[tuple[int, int, int, str]] = []  # row, first col, last col, style
        for c in sorted(sheet.cells, key=lambda c: (c.row, c.col)):
            if runs and runs[-1][0] == c.row and runs[-1][2] == c.col - 1 and runs[-1][3] == c.style:
                runs[-1] = (c.row, runs[-1][1], c.col, c.style)
            else:
                runs.append((c.row, c.col, c.col, c.style))
        for r, c1, c2, style in runs:
            ws.format(f"{a1(r, c1)}:{a1(r, c2)}", gsheets.cell_format(STYLES[style]))
        for m in sheet.merges:
            ws.merge_cells(f"{a1(m[0], m[1])}:{a1(m[2], m[3])}")
        for col, width in sheet.col_widths.items():
            sh.batch_update({"requests": [{"updateDimensionProperties": {
                "range": {"sheetId": ws.id, "dimension": "COLUMNS", "startIndex": col, "endIndex": col + 1},
                "properties": {"pixelSize": round(width * 7 + 5)}, "fields": "pixelSize"}}]})
        for col in sheet.hidden_cols:
            ws.hide_columns(col, col + 1)
        if sheet.freeze:
            ws.freeze(rows=sheet.freeze[0], cols=sheet.freeze[1])
        if sheet.tab_color:
            ws.update_tab_color(sheet.tab_color)
        for v in sheet.validations:
            ws.add_validation(f"{a1(v.first_row, v.first_col)}:{a1(v.last_row, v.last_col)}",
                              gspread.utils.ValidationConditionType.one_of_list, v.values,
                              inputMessage=v.input_message, strict=True, showCustomUi=True)
        for rule in res.get("conditionalFormats", []):
            rule = {**rule, "ranges": [{**r, "sheetId": ws.id} for r in rule["ranges"]]}
            sh.batch_update({"requests": [{"addConditionalFormatRule": {"rule": rule, "index": 0}}]})
        if sheet.visibility != "visible":
            ws.hide()
    ids = {ws.title: ws.id for ws in sh.worksheets()}
    ours = gsheets.sheet_ids(plan)
    remap = {ours[name]: ids[name] for name in ours}
    for req in follow:  # protected ranges and the chart, one call each
        sh.batch_update({"requests": [_remap(req, remap)]})
    # sh.share() sends the Drive v2 field "withLink", which drive.v3.json does not define and the
    # fake therefore refuses; the same one call per share is made directly instead.
    url = f"{gspread.urls.DRIVE_FILES_API_V3_URL}/{sh.id}/permissions"
    for s in gsheets.share_plan(plan, SHARES):
        gc.http_client.request("post", url, json={"type": "user", "role": s.role, "emailAddress": s.email})
    gc.http_client.request("post", url, json={"type": "anyone", "role": "reader"})
    return str(sh.id)


def _remap(obj: Any, ids: dict[int, int]) -> Any:
    if isinstance(obj, dict):
        return {k: (ids.get(v, v) if k == "sheetId" else _remap(v, ids)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_remap(v, ids) for v in obj]
    return obj


def gspread_read(gc: gspread.Client, sid: str) -> None:
    sh = gc.open_by_key(sid)
    for ws in sh.worksheets():
        ws.get_all_values()
        ws.get_all_values(value_render_option=gspread.utils.ValueRenderOption.formula)


def measure(paths: list[Path]) -> list[dict[str, Any]]:
    """Count the calls for each ladder; print the table; return the rows for run_all's table."""
    table: list[tuple[str, ...]] = []
    # per row: (figure, cells of the ladder's plan), gspread's figure; on a tie the larger ladder
    worst: dict[str, tuple[tuple[float, int], float | None]] = {}

    def note(key: str, figure: float, floor: float | None, cells: int) -> None:
        if key not in worst or (figure, cells) > worst[key][0]:
            worst[key] = ((figure, cells), floor)

    for path in paths:
        ladder = load(path)
        roles = {r.id for r in ladder.raters}
        ctx = make_context(ladder, "Ana Diaz", "2026-Q4", [r for r in RATERS if r[0] in roles])
        plan = build_plan(ladder, ctx)
        n_shares = len(gsheets.share_plan(plan, SHARES)) + 1
        cells = sum(len(s.cells) for s in plan.sheets)
        with FakeGoogle() as fake:
            api = GoogleApi(make_client(fake.session()))  # gspread, our retry policy
            t = time.perf_counter()
            out = gsheets.publish(plan, api, shares=SHARES, link="reader")
            t_pub = time.perf_counter() - t
            s_pub, d_pub, bad_pub = _kinds(fake)
            mark = len(fake.log)
            gread.open_grid(out.spreadsheet_id, api)
            s_read, d_read, _ = _kinds(fake, mark)
            fake.add_folder("folder1")
            mark = len(fake.log)
            gsheets.publish(plan, api, shares=SHARES, link="reader", folder="folder1")
            s_fold, d_fold, bad_fold = _kinds(fake, mark)
        with FakeGoogle() as fake:
            gc = gspread.Client(None, session=fake.session())  # type: ignore[arg-type]
            t = time.perf_counter()
            sid = gspread_publish(plan, gc)
            t_gs = time.perf_counter() - t
            s_gs, d_gs, bad_gs = _kinds(fake)
            mark = len(fake.log)
            gspread_read(gc, sid)
            s_gsr, d_gsr, _ = _kinds(fake, mark)
        rejected = bad_pub + bad_fold + bad_gs
        if rejected:  # a refused call would make the counts meaningless
            raise RuntimeError(f"{path.name}: the fake refused {rejected} call(s)")
        table.append((path.stem, str(cells), str(n_shares),
                      f"{s_pub}+{d_pub}", f"{s_fold}+{d_fold}", f"{s_read}+{d_read}",
                      f"{s_gs}+{d_gs}", f"{s_gsr}+{d_gsr}",
                      f"{(s_gs + d_gs) / (s_pub + d_pub):.0f}x",
                      "yes" if s_pub <= 2 and d_pub == n_shares and s_read == 1 and not d_read else "NO",
                      f"{t_pub * 1000:.0f} / {t_gs * 1000:.0f}",
                      str(rejected)))
        note("sheets", s_pub, s_gs, cells)
        note("drive", d_pub / n_shares, d_gs / n_shares, cells)
        note("folder", (s_fold + d_fold) - n_shares, None, cells)
        note("read", s_read + d_read, s_gsr + d_gsr, cells)
    head = ("ladder", "cells", "shares", "publish S+D", "--folder S+D", "read S+D",
            "gspread publish", "gspread read", "ratio", "target met", "ms ours/gspread (fake)",
            "rejected")
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]
    print("Google API calls (S = Sheets v4, D = Drive v3), counted by tests/fake_google.py")
    print("target (issue 8): publish <= 2 Sheets calls + 1 Drive call per share; read = 1 call")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print("--folder: Drive files.create in the folder replaces spreadsheets.create (counted as D).")

    which = paths[0].stem if len(paths) == 1 else f"worst of {len(paths)} ladders"

    def row(key: str, name: str, unit: str, target: str, limit: float, exact: bool = False,
            ) -> dict[str, Any]:
        (figure, _), floor = worst[key]
        return {"name": f"{name}, {which}",
                "figure": round(figure, 2), "unit": unit,
                "floor": round(floor, 2) if floor is not None else None,
                "ratio": round(figure / floor, 3) if floor else None, "target": target,
                "passed": figure == limit if exact else figure <= limit}

    return [
        row("sheets", "publish: Sheets API calls", "calls", "<= 2", 2),
        row("drive", "publish: Drive calls per share", "calls", "<= 1 per share", 1),
        row("folder", "publish into a Drive folder: calls beyond 1 per share", "calls", "<= 2", 2),
        row("read", "read: calls per spreadsheet", "calls", "= 1", 1, exact=True),
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    """The rows for benchmarks/run_all.py: every bundled ladder, or only the smallest when quick
    (gspread's one call per formatted run takes ~20 s on the fake for the sales ladder)."""
    paths = sorted((ROOT / "definitions").glob("*.yaml"))
    if quick:
        paths = [ROOT / "definitions" / "engineering-e1-e8.yaml"]
    return measure(paths)


def main() -> None:
    from sheetladder.process import tune

    tune()  # this process is ours, as the CLI's is
    rows = measure(sorted((ROOT / "definitions").glob("*.yaml")))
    print(json.dumps({"benchmark": "google_calls", "rows": rows}))


if __name__ == "__main__":
    main()
