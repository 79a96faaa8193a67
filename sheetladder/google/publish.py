"""WorkbookPlan -> Google Sheet.

A translation only: every layout decision is the plan's. A publish is one
``spreadsheets.create`` carrying every sheet with its cells, formats, dropdowns, merges,
widths, freeze, tab colours, conditional formats and the hidden meta sheet, then one
``batchUpdate`` for what ``create`` is not relied on to carry (protected ranges and the
chart), then one Drive ``permissions.create`` per share. With ``folder`` the file is made by
Drive ``files.create`` inside that folder (the only way a service account, which owns no
storage, can publish into a shared drive) and one ``batchUpdate`` fills it. The calls go
through a gspread client (:mod:`.client`), ours or the caller's own.

A template (:func:`publish_template`) is the same plan with no person: one Self tab and a
yellow cell on the Guide where whoever copies it types the name; it is shared "anyone with the
link can view" and handed out as its ``…/copy`` link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..context import Context, make_context
from ..definition import Ladder
from ..errors import BadInput, SheetladderError
from ..plan import HIGHLIGHTS, STYLES, Cell, Chart, SheetPlan, Style, WorkbookPlan
from .client import GoogleApi, GoogleApiError, as_api
from .read import spreadsheet_url

if TYPE_CHECKING:
    import gspread

    Client = GoogleApi | gspread.Client | None

LOCALE = "en_US"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
BORDER_COLOR = "#A6A6A6"
SHARE_ROLES = ("reader", "commenter", "writer")

# -- plan -> API objects ------------------------------------------------------------------------


def _color(hex_color: str) -> dict[str, Any]:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return {"rgbColor": {"red": round(r, 4), "green": round(g, 4), "blue": round(b, 4)}}


def cell_format(style: Style) -> dict[str, Any]:
    """A plan Style as a Sheets CellFormat (locking is expressed by protected ranges)."""
    text: dict[str, Any] = {"fontSize": int(style.size) if float(style.size).is_integer() else style.size}
    if style.bold:
        text["bold"] = True
    if style.italic:
        text["italic"] = True
    if style.color:
        text["foregroundColorStyle"] = _color(style.color)
    fmt: dict[str, Any] = {
        "textFormat": text,
        "verticalAlignment": "TOP" if style.v_align == "top" else "MIDDLE",
    }
    if style.bg:
        fmt["backgroundColorStyle"] = _color(style.bg)
    if style.wrap:
        fmt["wrapStrategy"] = "WRAP"
    if style.h_align:
        fmt["horizontalAlignment"] = style.h_align.upper()
    if style.border:
        side = {"style": "SOLID", "colorStyle": _color(BORDER_COLOR)}
        fmt["borders"] = {k: dict(side) for k in ("top", "bottom", "left", "right")}
    if style.num_format:
        kind = "PERCENT" if style.num_format.endswith("%") else "NUMBER"
        fmt["numberFormat"] = {"type": kind, "pattern": style.num_format}
    return fmt


def _user_value(cell: Cell) -> dict[str, Any] | None:
    """What the cell holds as a user would have entered it. Text is always a stringValue, so a
    name or descriptor starting with '=' stays text."""
    if cell.kind == "formula":
        return {"formulaValue": "=" + (cell.formula or "")}
    v = cell.value
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, (int, float)):
        return {"numberValue": float(v)}
    if cell.kind == "number":
        return {"numberValue": float(v)}
    return {"stringValue": str(v)}


def _validation_rules(sheet: SheetPlan) -> dict[tuple[int, int], dict[str, Any]]:
    rules: dict[tuple[int, int], dict[str, Any]] = {}
    for v in sheet.validations:
        rule = {
            "condition": {"type": "ONE_OF_LIST",
                          "values": [{"userEnteredValue": x} for x in v.values]},
            "inputMessage": f"{v.input_title}: {v.input_message} {v.error_message}",
            "strict": True,
            "showCustomUi": True,
        }
        for r in range(v.first_row, v.last_row + 1):
            for c in range(v.first_col, v.last_col + 1):
                rules[(r, c)] = rule
    return rules


def _extent(sheet: SheetPlan) -> tuple[int, int]:
    """Rows and columns the sheet needs (at least Google's defaults, 1000 x 26)."""
    rows = [c.row for c in sheet.cells] + [m[2] for m in sheet.merges]
    cols = [c.col for c in sheet.cells] + [m[3] for m in sheet.merges] + list(sheet.col_widths)
    for ch in sheet.charts:
        rows.append(ch.anchor[0])
        cols.append(ch.anchor[1])
    return (max([DEFAULT_ROWS - 1, *rows]) + 1, max([DEFAULT_COLS - 1, *cols]) + 1)


def _row_data(sheet: SheetPlan) -> list[dict[str, Any]]:
    formats = {name: cell_format(STYLES[name]) for name in {c.style for c in sheet.cells}}
    rules = _validation_rules(sheet)
    by_row: dict[int, dict[int, Cell]] = {}
    for cell in sheet.cells:
        by_row.setdefault(cell.row, {})[cell.col] = cell
    positions = set(rules) | {(c.row, c.col) for c in sheet.cells}
    if not positions:
        return []
    width: dict[int, int] = {}
    for r, c in positions:
        width[r] = max(width.get(r, 0), c + 1)
    rows: list[dict[str, Any]] = []
    for r in range(max(width) + 1):
        if r not in width:
            rows.append({})
            continue
        values: list[dict[str, Any]] = []
        for c in range(width[r]):
            data: dict[str, Any] = {}
            pc = by_row.get(r, {}).get(c)
            if pc is not None:
                uv = _user_value(pc)
                if uv is not None:
                    data["userEnteredValue"] = uv
                data["userEnteredFormat"] = formats[pc.style]
            if (r, c) in rules:
                data["dataValidation"] = rules[(r, c)]
            values.append(data)
        rows.append({"values": values})
    return rows


def _column_metadata(sheet: SheetPlan) -> list[dict[str, Any]]:
    cols = set(sheet.col_widths) | set(sheet.hidden_cols)
    if not cols:
        return []
    meta: list[dict[str, Any]] = []
    for c in range(max(cols) + 1):
        d: dict[str, Any] = {}
        if c in sheet.col_widths:
            d["pixelSize"] = round(sheet.col_widths[c] * 7 + 5)  # Excel character width -> px
        if c in sheet.hidden_cols:
            d["hiddenByUser"] = True
        meta.append(d)
    return meta


def _grid_range(sheet_id: int, r1: int, c1: int, r2: int, c2: int) -> dict[str, int]:
    """Inclusive plan coordinates -> a half-open GridRange."""
    return {"sheetId": sheet_id, "startRowIndex": r1, "endRowIndex": r2 + 1,
            "startColumnIndex": c1, "endColumnIndex": c2 + 1}


def _properties(sheet: SheetPlan, sheet_id: int, index: int) -> dict[str, Any]:
    rows, cols = _extent(sheet)
    grid: dict[str, Any] = {"rowCount": rows, "columnCount": cols}
    if sheet.freeze:
        if sheet.freeze[0]:
            grid["frozenRowCount"] = sheet.freeze[0]
        if sheet.freeze[1]:
            grid["frozenColumnCount"] = sheet.freeze[1]
    props: dict[str, Any] = {"sheetId": sheet_id, "title": sheet.name, "index": index,
                             "sheetType": "GRID", "gridProperties": grid}
    if sheet.visibility != "visible":
        props["hidden"] = True  # Sheets has no "very hidden": hidden and protected instead
    if sheet.tab_color:
        props["tabColorStyle"] = _color(sheet.tab_color)
    return props


def _cond_formats(sheet: SheetPlan, sheet_id: int) -> list[dict[str, Any]]:
    out = []
    for cf in sheet.cond_formats:
        style = HIGHLIGHTS[cf.style]
        out.append({
            "ranges": [_grid_range(sheet_id, cf.first_row, cf.first_col, cf.last_row, cf.last_col)],
            "booleanRule": {
                "condition": {"type": "CUSTOM_FORMULA",
                              "values": [{"userEnteredValue": "=" + cf.formula}]},
                "format": {"backgroundColorStyle": _color(style.bg or "#FFFFFF"),
                           "textFormat": {"foregroundColorStyle": _color(style.color or "#000000")}},
            },
        })
    return out


def sheet_ids(plan: WorkbookPlan) -> dict[str, int]:
    """Sheet ids chosen by us (1..n), so one call can refer to sheets another call made."""
    return {s.name: i + 1 for i, s in enumerate(plan.sheets)}


def _runs(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cells grouped into column runs of consecutive rows: (r1, c, r2, c)."""
    by_col: dict[int, list[int]] = {}
    for r, c in cells:
        by_col.setdefault(c, []).append(r)
    out = []
    for c in sorted(by_col):
        rows = sorted(set(by_col[c]))
        start = prev = rows[0]
        for r in rows[1:]:
            if r != prev + 1:
                out.append((start, c, prev, c))
                start = r
            prev = r
        out.append((start, c, prev, c))
    return out


def open_tabs(ctx: Context) -> list[str]:
    """The rater tabs of ``ctx`` no email keeps to their rater: on the sheet published, any
    of its editors can fill them (the person rated included), since only a rater's email makes
    a tab theirs alone (:func:`protection_requests`)."""
    return [slot.tab for slot in ctx.raters if not slot.email]


def protection_requests(plan: WorkbookPlan) -> list[dict[str, Any]]:
    """Each protected sheet locked for everyone but the owner, its input cells excepted; where
    a rater's email is known, those input cells are editable by that rater only."""
    ids = sheet_ids(plan)
    email_of = {slot.tab: slot.email for slot in plan.context.raters}
    reqs: list[dict[str, Any]] = []
    for sheet in plan.sheets:
        if not sheet.protected:
            continue
        sid = ids[sheet.name]
        inputs = _runs((c.row, c.col) for c in sheet.cells if c.kind == "input")
        reqs.append({"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": sid},
            "description": f"sheetladder: {sheet.name} is generated; only the yellow cells are inputs",
            "warningOnly": False,
            "unprotectedRanges": [_grid_range(sid, *run) for run in inputs],
        }}})
        email = email_of.get(sheet.rater_tab or "") if sheet.role == "rater" else None
        if email and inputs:
            for run in inputs:
                reqs.append({"addProtectedRange": {"protectedRange": {
                    "range": _grid_range(sid, *run),
                    "description": f"sheetladder: only {email} rates on this tab",
                    "warningOnly": False,
                    "editors": {"users": [email]},
                }}})
    return reqs


def _chart_request(chart: Chart, sheet_id: int) -> dict[str, Any]:
    """The radar as a column chart (the Sheets API has no radar). Series names come from the
    row above each range, where the plan puts the column headers."""
    def src(r1: int, c1: int, r2: int, c2: int) -> dict[str, Any]:
        return {"sourceRange": {"sources": [_grid_range(sheet_id, r1 - 1, c1, r2, c2)]}}

    spec = {
        "title": chart.title,
        "basicChart": {
            "chartType": "COLUMN",
            "legendPosition": "BOTTOM_LEGEND",
            "headerCount": 1,
            "axis": [
                {"position": "BOTTOM_AXIS"},
                {"position": "LEFT_AXIS", "title": "Level",
                 "viewWindowOptions": {"viewWindowMode": "EXPLICIT", "viewWindowMin": 0,
                                       "viewWindowMax": chart.max_value}},
            ],
            "domains": [{"domain": src(*chart.categories)}],
            "series": [{"series": src(*s.values), "targetAxis": "LEFT_AXIS"} for s in chart.series],
        },
    }
    return {"addChart": {"chart": {"spec": spec, "position": {"overlayPosition": {
        "anchorCell": {"sheetId": sheet_id, "rowIndex": chart.anchor[0],
                       "columnIndex": chart.anchor[1]},
        "widthPixels": chart.size[0], "heightPixels": chart.size[1]}}}}}


def chart_requests(plan: WorkbookPlan) -> list[dict[str, Any]]:
    ids = sheet_ids(plan)
    return [_chart_request(ch, ids[s.name]) for s in plan.sheets for ch in s.charts]


def title_of(plan: WorkbookPlan) -> str:
    ctx = plan.context
    title = f"{plan.ladder.name}: {ctx.person}"
    if ctx.period:
        title += f", {ctx.period}"
    if ctx.split_tab:
        title += f" ({ctx.split_tab})"
    return title


def create_body(plan: WorkbookPlan, title: str | None = None) -> dict[str, Any]:
    """The spreadsheets.create body: every sheet with its cells, formats and layout."""
    ids = sheet_ids(plan)
    sheets = []
    for i, sheet in enumerate(plan.sheets):
        sid = ids[sheet.name]
        data: dict[str, Any] = {"startRow": 0, "startColumn": 0, "rowData": _row_data(sheet)}
        cm = _column_metadata(sheet)
        if cm:
            data["columnMetadata"] = cm
        res: dict[str, Any] = {"properties": _properties(sheet, sid, i), "data": [data]}
        if sheet.merges:
            res["merges"] = [_grid_range(sid, *m) for m in sheet.merges]
        cfs = _cond_formats(sheet, sid)
        if cfs:
            res["conditionalFormats"] = cfs
        sheets.append(res)
    return {"properties": {"title": title or title_of(plan), "locale": LOCALE},
            "sheets": sheets}


def followup_requests(plan: WorkbookPlan) -> list[dict[str, Any]]:
    """What the create call is not relied on to carry: protected ranges and the chart."""
    return protection_requests(plan) + chart_requests(plan)


def fill_requests(plan: WorkbookPlan, title: str | None = None, default_sheet_id: int = 0
                  ) -> list[dict[str, Any]]:
    """Everything create_body carries, as batchUpdate requests for an existing empty file
    (the --folder path, where Drive made the file), followed by the follow-up requests."""
    body = create_body(plan, title)
    reqs: list[dict[str, Any]] = [{"updateSpreadsheetProperties": {
        "properties": body["properties"], "fields": "title,locale"}}]
    for res in body["sheets"]:
        reqs.append({"addSheet": {"properties": res["properties"]}})
    reqs.append({"deleteSheet": {"sheetId": default_sheet_id}})
    for res in body["sheets"]:
        sid = res["properties"]["sheetId"]
        data = res["data"][0]
        if data["rowData"]:
            reqs.append({"updateCells": {
                "rows": data["rowData"],
                "fields": "userEnteredValue,userEnteredFormat,dataValidation",
                "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": 0},
            }})
        for c, dim in enumerate(data.get("columnMetadata", [])):
            if dim:
                reqs.append({"updateDimensionProperties": {
                    "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": c,
                              "endIndex": c + 1},
                    "properties": dim, "fields": ",".join(sorted(dim)),
                }})
        for m in res.get("merges", []):
            reqs.append({"mergeCells": {"range": m, "mergeType": "MERGE_ALL"}})
        for i, cf in enumerate(res.get("conditionalFormats", [])):
            reqs.append({"addConditionalFormatRule": {"rule": cf, "index": i}})
    return reqs + followup_requests(plan)


# -- publishing ---------------------------------------------------------------------------------


@dataclass
class Share:
    email: str
    role: str = "writer"


@dataclass
class Published:
    spreadsheet_id: str
    url: str
    title: str
    calls: list[str] = field(default_factory=list)

    @property
    def copy_url(self) -> str:
        """The link to hand out for a template: it opens Google's "Make a copy"."""
        return copy_url(self.spreadsheet_id)


class PublishError(SheetladderError):
    """A publish that failed; says whether what it created was deleted or where it is."""


def parse_share(text: str) -> Share:
    email, _, role = text.partition(":")
    role = role.strip().lower() or "writer"
    if "@" not in email or role not in SHARE_ROLES:
        raise BadInput(f"{text!r}: expected EMAIL[:reader|commenter|writer]")
    return Share(email.strip(), role)


def share_plan(plan: WorkbookPlan, shares: Sequence[Share]) -> list[Share]:
    """Explicit shares plus every rater with a known email (as writer), each email once."""
    out: dict[str, Share] = {}
    for slot in plan.context.raters:
        if slot.email and (plan.context.split_tab is None or slot.tab == plan.context.split_tab):
            out[slot.email.lower()] = Share(slot.email, "writer")
    for s in shares:
        key = s.email.lower()
        prev = out.get(key)
        if prev is None or SHARE_ROLES.index(s.role) > SHARE_ROLES.index(prev.role):
            out[key] = s
    return list(out.values())


def publish(plan: WorkbookPlan, api: Client = None, *, shares: Sequence[Share] = (),
            link: str | None = None, folder: str | None = None, notify: bool = True,
            title: str | None = None) -> Published:
    """Create the Google Sheet of ``plan``: 2 Sheets calls (1 create or Drive files.create with
    --folder, 1 batchUpdate) plus one Drive call per share and for --link. On failure after
    the file exists, the file is deleted; if that fails too, the error names it."""
    api = as_api(api)
    if link not in (None, "off", *SHARE_ROLES):
        raise BadInput(f"--link {link!r}: expected off, reader, commenter or writer")
    title = title or title_of(plan)
    before = len(api.calls)
    if folder:
        made = api.create_file({"name": title, "mimeType": SPREADSHEET_MIME, "parents": [folder]},
                               params={"supportsAllDrives": "true", "fields": "id"})
        sid = str(made["id"])
        url = spreadsheet_url(sid)
        follow = fill_requests(plan, title)
    else:
        made = api.create_spreadsheet(create_body(plan, title))
        sid = str(made["spreadsheetId"])
        url = str(made.get("spreadsheetUrl") or spreadsheet_url(sid))
        follow = followup_requests(plan)
    try:
        if follow:
            api.batch_update(sid, follow)
        for s in share_plan(plan, shares):
            api.create_permission(sid, {"type": "user", "role": s.role, "emailAddress": s.email},
                                  params={"sendNotificationEmail": "true" if notify else "false",
                                          "supportsAllDrives": "true", "fields": "id"})
        if link and link != "off":
            api.create_permission(sid, {"type": "anyone", "role": link, "allowFileDiscovery": False},
                                  params={"supportsAllDrives": "true", "fields": "id"})
    except GoogleApiError as e:
        try:
            api.delete_file(sid)
        except GoogleApiError as e2:
            raise PublishError(
                f"publishing failed half-way ({e}); the incomplete sheet {url} could not be "
                f"deleted ({e2}): delete it by hand"
            ) from None
        raise PublishError(f"publishing failed ({e}); the incomplete sheet was deleted") from None
    except BaseException:  # interrupted half-way (Ctrl-C, ...): leave nothing half-made behind
        try:
            api.delete_file(sid)
        except GoogleApiError:
            pass
        raise
    calls = [f"{c.method} {c.path}" for c in api.calls[before:]]
    return Published(spreadsheet_id=sid, url=url, title=title, calls=calls)


def publish_assessment(ladder: Any, ctx: Any, api: Client = None, *, split: bool = False,
                       shares: Sequence[Share] = (), link: str | None = None,
                       folder: str | None = None, notify: bool = True) -> list[Published]:
    """Publish one assessment: one sheet, or with ``split`` one sheet per rater (each shared
    with its rater only, plus ``shares``). A failure names the sheets already published. A
    context without a period is refused (PeriodError) before any call is made."""
    from ..context import split_contexts
    from ..period import PeriodError, normalise
    from ..plan import build_plan

    if not (ctx.period or "").strip():
        raise PeriodError("a sheet needs a period (e.g. 2026-Q4): it could not be collected "
                          "into a history of periods once filled")
    canonical = normalise(ctx.period, ladder.periods)
    if canonical != ctx.period:
        ctx = ctx.model_copy(update={"period": canonical})
    api = as_api(api)
    contexts = split_contexts(ctx) if split else [ctx]
    done: list[Published] = []
    for c in contexts:
        try:
            done.append(publish(build_plan(ladder, c), api, shares=shares, link=link,
                                folder=folder, notify=notify))
        except (GoogleApiError, PublishError) as e:
            if not done:
                raise
            made = ", ".join(p.url for p in done)
            raise PublishError(f"{e}\nalready published (left in place): {made}") from None
    return done


# -- the template -------------------------------------------------------------------------------


def template_context(ladder: Ladder, period: str | None = None) -> Context:
    """The context of the blank template: no person (whoever copies it types the name on the
    Guide) and one Self tab (the ladder's self role, or its first role when it has none)."""
    roles = [r.id for r in ladder.raters]
    role = "self" if "self" in roles else roles[0]
    ctx = make_context(ladder, "template", period, [(role, None, None)])
    return ctx.model_copy(update={"person": "", "template": True})


def copy_url(sid: str) -> str:
    """The link that opens Google's "Make a copy" page for a sheet."""
    return f"https://docs.google.com/spreadsheets/d/{sid}/copy"


def publish_template(ladder: Ladder, api: Client = None, *, period: str | None = None,
                     folder: str | None = None, shares: Sequence[Share] = ()) -> Published:
    """The ladder as a blank sheet anyone with the link can view and copy: Guide (with the
    cell for the person's name), Matrix, one Self tab, Summary and the hidden definition sheet,
    which a copy carries along. The call budget of :func:`publish`: 2 Sheets calls, 1 Drive call
    for the link, 1 per share."""
    from ..period import PeriodError, normalise
    from ..plan import build_plan

    if not (period or "").strip():
        raise PeriodError("a template needs a period (e.g. 2026-Q4): its copies could not be "
                          "collected into a history of periods once filled")
    period = normalise(period or "", ladder.periods)
    plan = build_plan(ladder, template_context(ladder, period))
    title = f"{ladder.name}: template" + (f", {period}" if period else "")
    return publish(plan, api, shares=shares, link="reader", folder=folder, notify=False,
                   title=title)
