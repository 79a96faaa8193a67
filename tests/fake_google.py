"""A faithful local fake of the Sheets v4 and Drive v3 endpoints sheetladder (and gspread) use.

Served on 127.0.0.1 on an ephemeral port in a thread. Every request body and query string is
validated against Google's own discovery documents (shipped in the google-api-python-client
wheel): unknown fields, wrong JSON types, bad enum values, more than one kind per Request (or
per other oneof) fail with a 400 shaped like Google's. Valid requests are applied to an
in-memory spreadsheet (values and formulas, formats, data validation, merges, conditional
formats, protected ranges, sheet properties incl. hidden, charts, column metadata) and reads
are served from it; formula results (effectiveValue) are computed by the tests-only evaluator
in fake_formula.py, never by sheetladder's Python scoring.

Locales, as far as Google documents them. ValueInputOption USER_ENTERED: "The values will be
parsed as if the user typed them into the UI" (reference/rest/v4/ValueInputOption), and in the
UI a spreadsheet whose locale writes decimals with a comma (de_DE, fr_FR, pt_BR, ...) takes
formulas with ';' between arguments and ',' as the decimal mark. So a formula entered into such
a spreadsheet (USER_ENTERED, and ``userEnteredValue.formulaValue``, which users report behaving
the same: googleapis/google-api-nodejs-client#1994) is read in that syntax: an en_US formula
there is a parse error (#ERROR!) or another formula. A number typed as text under
USER_ENTERED is read with the locale's decimal mark. FORMATTED_VALUE: "Formatting is based on
the spreadsheet's locale, not the requesting user's locale" (reference/rest/v4/ValueRenderOption):
decimals come back with a comma there. Not documented, so not modelled: a formula read back
(FORMULA, ``formulaValue``) is given in the canonical en_US syntax it was stored in, whatever
the locale; typed values (``effectiveValue``, UNFORMATTED_VALUE) are JSON numbers anyway. A
file made without a locale gets ``default_locale`` (an account's; Google does not say which),
and Drive's copy keeps the source's properties, its locale too.

Identity: ``Authorization: Bearer <email>``; no header means the publisher ``OWNER``. Cell
writes honour protected ranges and Drive permissions like Google does.

Two ways in: over HTTP at ``root`` (for subprocesses, via SHEETLADDER_GOOGLE_API_ROOT), or
through a requests transport adapter (``session()``) mounted on Google's own hosts, so a client
that hard-codes them (gspread) reaches the fake unchanged. Both go through ``handle``, so every
body is checked against the discovery documents either way; the adapter also records the
timeout of each request (``timeouts``).
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import pickle
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import googleapiclient
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .fake_formula import BLANK, Blank, Err, Evaluator, Scalar

OWNER = "publisher@sheetladder.test"
DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
FOLDER_MIME = "application/vnd.google-apps.folder"
# Sheets locales whose formulas separate arguments with ';' and write decimals with ','
# (a subset; as listed in https://gist.github.com/rtwalz/99f962981e2bd42eacfe97af03a090af).
COMMA_DECIMAL_LOCALES = frozenset({
    "de_DE", "fr_FR", "fr_CA", "pt_BR", "es_AR", "es_CL", "es_CO", "it_IT", "fi_FI", "da_DK",
    "cs_CZ", "hu_HU", "el_GR", "hr_HR", "bg_BG", "lt_LT", "lv_LV", "tr_TR",
})
ROLE_RANK = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 3, "organizer": 4, "owner": 5}

# Schemas whose fields are a proto oneof: at most one may be set (Request: exactly one).
ONEOF: dict[str, set[str] | None] = {
    "Request": None,  # every property is one kind
    "ExtendedValue": None,
    "ColorStyle": None,
    "ChartSpec": {"basicChart", "pieChart", "bubbleChart", "candlestickChart", "orgChart",
                  "histogramChart", "waterfallChart", "treemapChart", "scorecardChart"},
    "ChartData": {"sourceRange", "columnReference"},
    "EmbeddedObjectPosition": {"sheetId", "overlayPosition", "newSheet"},
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT",
                 reason: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.reason = reason
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.reason:
            err["errors"] = [{"domain": "global", "reason": self.reason, "message": self.message}]
        return {"error": err}


def bad(message: str) -> ApiError:
    return ApiError(400, message)


# -- discovery-document validation -------------------------------------------------------------


class Discovery:
    """Validates JSON bodies and query parameters against one discovery document."""

    def __init__(self, path: Path):
        self.doc = json.loads(path.read_text(encoding="utf-8"))
        self.schemas: dict[str, Any] = self.doc["schemas"]
        self.methods: dict[str, Any] = {}
        self._collect(self.doc)

    def _collect(self, node: dict[str, Any]) -> None:
        for m in node.get("methods", {}).values():
            self.methods[m["id"]] = m
        for r in node.get("resources", {}).values():
            self._collect(r)

    def check_query(self, method_id: str, query: dict[str, list[str]]) -> None:
        m = self.methods[method_id]
        params = {**self.doc.get("parameters", {}), **m.get("parameters", {})}
        for key, values in query.items():
            spec = params.get(key)
            if spec is None or spec.get("location") == "path":
                raise bad(f"Invalid JSON payload received. Unknown name \"{key}\": "
                          f"Cannot bind query parameter. Field '{key}' could not be found in "
                          "request message.")
            for v in values:
                if spec.get("type") == "boolean" and v.lower() not in ("true", "false"):
                    raise bad(f"Invalid value at '{key}' (TYPE_BOOL), \"{v}\"")
                if spec.get("type") == "integer" and not re.fullmatch(r"-?\d+", v):
                    raise bad(f"Invalid value at '{key}' (TYPE_INT32), \"{v}\"")
                if "enum" in spec and v not in spec["enum"]:
                    raise bad(f"Invalid value at '{key}', \"{v}\"")

    def check_body(self, method_id: str, body: Any) -> None:
        ref = self.methods[method_id].get("request", {}).get("$ref")
        if ref is None:
            if body not in (None, {}):
                raise bad("This method does not take a request body.")
            return
        if not isinstance(body, dict):
            raise bad("Invalid JSON payload received. Expected an object.")
        self.check({"$ref": ref}, body, "")

    def check(self, spec: dict[str, Any], value: Any, path: str) -> None:
        if value is None:
            return
        if "$ref" in spec:
            name = spec["$ref"]
            schema = self.schemas[name]
            if not isinstance(value, dict):
                raise bad(f"Invalid value at '{path or 'body'}' (type.googleapis.com/{name}), "
                          f"{json.dumps(value)}")
            props = schema.get("properties", {})
            for key, sub in value.items():
                if key not in props:
                    where = f" at '{path}'" if path else ""
                    raise bad(f"Invalid JSON payload received. Unknown name \"{key}\"{where}: "
                              "Cannot find field.")
                self.check(props[key], sub, f"{path}.{key}" if path else key)
            if name in ONEOF:
                kinds = ONEOF[name] or set(props)
                set_ = [k for k in value if k in kinds and value[k] is not None]
                if len(set_) > 1:
                    raise bad(f"Invalid JSON payload received. Oneof field 'kind' is already set. "
                              f"Cannot set '{set_[1]}' at '{path or name}'")
                if name == "Request" and not set_:
                    raise bad(f"Invalid {path or 'request'}: No request set.")
            return
        kind = spec.get("type")
        if kind == "object":
            if not isinstance(value, dict):
                raise bad(f"Invalid value at '{path}', {json.dumps(value)}")
            add = spec.get("additionalProperties")
            if add:
                for k, v in value.items():
                    self.check(add, v, f"{path}[{k}]")
            return
        if kind == "array":
            if not isinstance(value, list):
                raise bad(f"Invalid value at '{path}', {json.dumps(value)}: expected a list")
            for i, v in enumerate(value):
                self.check(spec.get("items", {}), v, f"{path}[{i}]")
            return
        if kind == "string":
            if not isinstance(value, str):
                raise bad(f"Invalid value at '{path}' (TYPE_STRING), {json.dumps(value)}")
            if "enum" in spec and value not in spec["enum"]:
                raise bad(f"Invalid value at '{path}' (TYPE_ENUM), \"{value}\"")
            return
        if kind == "integer":
            ok = (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, float) and value.is_integer())
            if not ok:
                raise bad(f"Invalid value at '{path}' (TYPE_INT32), {json.dumps(value)}")
            return
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad(f"Invalid value at '{path}' (TYPE_DOUBLE), {json.dumps(value)}")
            return
        if kind == "boolean":
            if not isinstance(value, bool):
                raise bad(f"Invalid value at '{path}' (TYPE_BOOL), {json.dumps(value)}")
            return
        # "any" and untyped: anything goes


SHEETS = Discovery(DOCS / "sheets.v4.json")
DRIVE = Discovery(DOCS / "drive.v3.json")


# -- field masks --------------------------------------------------------------------------------

Mask = dict[str, Any]  # name -> sub-mask, or None for "all of it"


def parse_mask(text: str) -> Mask:
    """'a,b(c,d/e),f/g' -> {'a': None, 'b': {'c': None, 'd': {'e': None}}, 'f': {'g': None}}."""
    pos = 0

    def parse_list() -> Mask:
        nonlocal pos
        out: Mask = {}
        while pos < len(text):
            m = re.match(r"\s*([A-Za-z0-9_*]+(?:/[A-Za-z0-9_*]+)*)\s*", text[pos:])
            if not m:
                raise bad(f"Invalid field selection {text}")
            pos += m.end()
            names = m.group(1).split("/")
            sub: Mask | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != ")":
                    raise bad(f"Invalid field selection {text}")
                pos += 1
            node = out
            for n in names[:-1]:
                node = node.setdefault(n, {}) or {}
            last = names[-1]
            if sub is None:
                node[last] = None
            else:
                prev = node.get(last)
                node[last] = {**(prev or {}), **sub} if last in node and prev is not None else sub
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        return out

    return parse_list()


def apply_mask(value: Any, mask: Mask | None) -> Any:
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: apply_mask(v, mask[k]) for k, v in value.items() if k in mask}
    return value


def merge_by_mask(target: dict[str, Any], source: dict[str, Any], mask: Mask) -> None:
    """Set the masked fields of target from source (absent in source = cleared)."""
    if "*" in mask:
        target.clear()
        target.update(copy.deepcopy(source))
        return
    for k, sub in mask.items():
        if sub is None or not isinstance(source.get(k, {}), dict):
            if k in source:
                target[k] = copy.deepcopy(source[k])
            else:
                target.pop(k, None)
        else:
            t = target.setdefault(k, {})
            merge_by_mask(t, source.get(k) or {}, sub)
            if not t:
                target.pop(k, None)


# -- the in-memory model ------------------------------------------------------------------------


@dataclass
class FakeSheet:
    props: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    cond_formats: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.props["sheetId"])

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def size(self) -> tuple[int, int]:
        g = self.props.get("gridProperties", {})
        return int(g.get("rowCount", 1000)), int(g.get("columnCount", 26))


@dataclass
class FakeFile:
    id: str
    name: str
    mime: str
    owner: str
    parents: list[str] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    shared_drive: bool = False


@dataclass
class FakeSpreadsheet:
    id: str
    props: dict[str, Any]
    sheets: list[FakeSheet] = field(default_factory=list)

    def sheet_by_id(self, sid: Any) -> FakeSheet:
        for s in self.sheets:
            if s.id == sid:
                return s
        raise bad(f"Invalid requests: No grid with id: {sid}")

    def sheet_by_title(self, title: str) -> FakeSheet | None:
        for s in self.sheets:
            if s.title == title:
                return s
        return None


@dataclass
class Logged:
    method: str
    path: str
    method_id: str
    status: int
    user: str
    query: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Fault:
    status: int
    remaining: int
    match: str | None
    body: dict[str, Any] | None
    retry_after: str | None


def _a1_cell(text: str) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"\$?([A-Za-z]{0,3})\$?(\d*)", text)
    if not m or not (m.group(1) or m.group(2)):
        raise bad(f"Unable to parse range: {text}")
    col = None
    if m.group(1):
        col = 0
        for ch in m.group(1).upper():
            col = col * 26 + ord(ch) - 64
        col -= 1
    row = int(m.group(2)) - 1 if m.group(2) else None
    return row, col


class FakeGoogle:
    """The fake service. Use as a context manager; ``root`` is the API root to point at."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.files: dict[str, FakeFile] = {}
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.log: list[Logged] = []
        self.faults: list[Fault] = []
        self.quota_exceeded: set[str] = set()  # users without Drive storage (service accounts)
        self.default_locale = "en_US"  # of a file made without one (a German account: "de_DE")
        self.timeouts: list[Any] = []  # the timeout of each request sent through session()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # lifecycle
    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGoogle:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # test helpers
    def inject(self, status: int, count: int = 1, match: str | None = None,
               body: dict[str, Any] | None = None, retry_after: str | None = None) -> None:
        """The next ``count`` requests whose 'METHOD path' contains ``match`` get ``status``."""
        self.faults.append(Fault(status, count, match, body, retry_after))

    def add_folder(self, folder_id: str, owner: str = OWNER, shared_drive: bool = False,
                   writers: tuple[str, ...] = ()) -> None:
        f = FakeFile(folder_id, folder_id, FOLDER_MIME, owner, shared_drive=shared_drive)
        f.permissions = [{"id": f"p{next(self._ids)}", "type": "user", "role": "writer",
                          "emailAddress": w} for w in writers]
        self.files[folder_id] = f

    def session(self, user: str | None = None) -> requests.Session:
        """A requests session whose calls to Google's hosts (and to ``root``) are served by this
        fake in-process, through a transport adapter; ``user`` is who it acts as."""
        session = requests.Session()
        adapter = FakeTransport(self)
        for host in (*GOOGLE_HOSTS, self.root):
            session.mount(host + "/", adapter)
        if user:
            session.headers["Authorization"] = f"Bearer {user}"
        return session

    def calls(self, since: int = 0) -> list[str]:
        return [entry.method_id for entry in self.log[since:]]

    def _new_id(self) -> str:
        return f"fake{next(self._ids):04d}" + "x" * 36

    # access
    def role_of(self, user: str, file_id: str) -> int:
        f = self.files.get(file_id)
        if f is None:
            return 0
        if f.owner == user:
            return ROLE_RANK["owner"]
        best = 0
        for p in f.permissions:
            if p.get("type") == "anyone" or (p.get("emailAddress") or "").lower() == user.lower():
                best = max(best, ROLE_RANK.get(p.get("role", ""), 0))
        for parent in f.parents:
            pf = self.files.get(parent)
            if pf is not None and pf.shared_drive and (pf.owner == user or any(
                    (p.get("emailAddress") or "").lower() == user.lower() for p in pf.permissions)):
                best = max(best, ROLE_RANK["writer"])
        return best

    def _need(self, user: str, file_id: str, role: str) -> None:
        have = self.role_of(user, file_id)
        if file_id not in self.files or have == 0:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
        if have < ROLE_RANK[role]:
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED",
                           "insufficientFilePermissions")

    def can_edit_cell(self, user: str, ss: FakeSpreadsheet, sheet: FakeSheet, r: int, c: int) -> bool:
        if self.files[ss.id].owner == user:
            return True
        for pr in sheet.protected:
            rng = pr.get("range", {})
            if _in_range(rng, r, c) and not any(_in_range(u, r, c) for u in pr.get("unprotectedRanges", [])):
                users = [u.lower() for u in (pr.get("editors") or {}).get("users", [])]
                if pr.get("warningOnly"):
                    continue
                if user.lower() not in users:
                    return False
        return True

    # dispatch
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body_bytes: bytes
               ) -> tuple[int, dict[str, Any], dict[str, str]]:
        parts = urlsplit(raw_path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        auth = headers.get("authorization", "")
        user = auth[7:].strip() if auth.lower().startswith("bearer ") else OWNER
        method_id = "?"
        with self.lock:
            try:
                route = _route(method, path)
                if route is None:
                    raise ApiError(404, f"fake: no route for {method} {path}", "NOT_FOUND")
                method_id, args, doc = route
                for fault in self.faults:
                    if fault.remaining > 0 and (fault.match is None or fault.match in f"{method} {path}"):
                        fault.remaining -= 1
                        raise _injected(fault)
                try:
                    body = json.loads(body_bytes) if body_bytes else None
                except ValueError:
                    raise bad("Invalid JSON payload received. Unexpected token.") from None
                doc.check_query(method_id, query)
                doc.check_body(method_id, body)
                q = {k: v[-1] for k, v in query.items()}
                result = getattr(self, "op_" + method_id.replace(".", "_"))(user, args, q, body or {})
                self.log.append(Logged(method, path, method_id, 200, user, query))
                if "fields" in q and method_id != "sheets.spreadsheets.get":
                    result = apply_mask(result, parse_mask(q["fields"]))
                return 200, result, {}
            except _Raw as e:
                self.log.append(Logged(method, path, method_id, e.code, user))
                return e.code, e.payload, {}
            except ApiError as e:
                self.log.append(Logged(method, path, method_id, e.code, user))
                return e.code, e.body(), e.headers

    # -- Sheets ---------------------------------------------------------------------------------

    def _quota(self, user: str, parents: list[str]) -> None:
        in_shared = any(self.files.get(p) is not None and self.files[p].shared_drive for p in parents)
        if user in self.quota_exceeded and not in_shared:
            raise ApiError(403, "The user's Drive storage quota has been exceeded.",
                           "PERMISSION_DENIED", "storageQuotaExceeded")

    def _new_spreadsheet(self, user: str, props: dict[str, Any], parents: list[str]) -> FakeSpreadsheet:
        sid = self._new_id()
        title = props.get("title") or "Untitled spreadsheet"
        ss = FakeSpreadsheet(sid, {"title": title, "locale": props.get("locale", self.default_locale),
                                   "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT",
                                   **{k: v for k, v in props.items() if k not in ("title",)}})
        self.files[sid] = FakeFile(sid, title, SPREADSHEET_MIME, user, parents=list(parents))
        self.spreadsheets[sid] = ss
        return ss

    def _add_sheet(self, ss: FakeSpreadsheet, props: dict[str, Any]) -> FakeSheet:
        props = copy.deepcopy(props)
        if "sheetId" not in props:
            props["sheetId"] = max([s.id for s in ss.sheets] + [0]) + 1 if ss.sheets else 0
        if any(s.id == props["sheetId"] for s in ss.sheets):
            raise bad(f"Invalid requests: A sheet with the id {props['sheetId']} already exists.")
        title = props.get("title") or f"Sheet{len(ss.sheets) + 1}"
        if any(s.title.lower() == title.lower() for s in ss.sheets):
            raise bad(f"Invalid requests: A sheet with the name \"{title}\" already exists. "
                      "Please enter another name.")
        props["title"] = title
        props.setdefault("sheetType", "GRID")
        grid = props.setdefault("gridProperties", {})
        grid.setdefault("rowCount", 1000)
        grid.setdefault("columnCount", 26)
        index = props.get("index", len(ss.sheets))
        sheet = FakeSheet(props)
        ss.sheets.insert(min(index, len(ss.sheets)), sheet)
        for i, s in enumerate(ss.sheets):
            s.props["index"] = i
        return sheet

    def op_sheets_spreadsheets_create(self, user: str, args: dict[str, str], q: dict[str, str],
                                      body: dict[str, Any]) -> dict[str, Any]:
        self._quota(user, [])
        for key in ("spreadsheetId", "spreadsheetUrl"):
            if key in body:
                raise bad(f"Invalid value: {key} is read-only")
        ss = self._new_spreadsheet(user, body.get("properties") or {}, [])
        try:
            sheets = body.get("sheets") or [{}]
            for res in sheets:
                sheet = self._add_sheet(ss, res.get("properties") or {})
                for data in res.get("data") or []:
                    self._put_grid_data(ss, sheet, data)
                for m in res.get("merges") or []:
                    self._merge(ss, m)
                for cf in res.get("conditionalFormats") or []:
                    self._add_cond_format(ss, cf, None)
                for pr in res.get("protectedRanges") or []:
                    self._add_protected(ss, pr)
                for ch in res.get("charts") or []:
                    self._add_chart(ss, ch)
            self._check_visible(ss)
        except ApiError:
            del self.spreadsheets[ss.id]
            del self.files[ss.id]
            raise
        return self._spreadsheet_json(ss, grid=False)

    def _put_grid_data(self, ss: FakeSpreadsheet, sheet: FakeSheet, data: dict[str, Any]) -> None:
        r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
        rows = data.get("rowData") or []
        self._update_cells(ss, sheet, r0, c0, rows, {"userEnteredValue": None, "userEnteredFormat": None,
                                                     "dataValidation": None, "note": None}, OWNER)
        for i, dim in enumerate(data.get("columnMetadata") or []):
            if dim:
                sheet.columns[c0 + i] = copy.deepcopy(dim)

    def _check_cell_data(self, cd: dict[str, Any]) -> None:
        uv = cd.get("userEnteredValue") or {}
        if "errorValue" in uv:
            raise bad("Invalid requests: errorValue is read-only")
        f = uv.get("formulaValue")
        if f is not None and not str(f).startswith("="):
            raise bad(f"Invalid requests: formulaValue must start with '=': {f!r}")
        dv = cd.get("dataValidation")
        if dv:
            cond = dv.get("condition") or {}
            if cond.get("type") == "ONE_OF_LIST" and not cond.get("values"):
                raise bad("Invalid requests: ONE_OF_LIST condition requires at least one value")
        for k in ("effectiveValue", "formattedValue", "effectiveFormat"):
            if k in cd:
                raise bad(f"Invalid requests: {k} is read-only")

    def _update_cells(self, ss: FakeSpreadsheet, sheet: FakeSheet, r0: int, c0: int,
                      rows: list[dict[str, Any]], mask: Mask, user: str) -> None:
        nrows, ncols = sheet.size
        for i, row in enumerate(rows):
            for j, cd in enumerate((row or {}).get("values") or []):
                r, c = r0 + i, c0 + j
                if r >= nrows or c >= ncols:
                    raise bad(f"Invalid requests: Range ('{sheet.title}'!R{r + 1}C{c + 1}) exceeds grid "
                              f"limits. Max rows: {nrows}, max columns: {ncols}")
                self._check_cell_data(cd or {})
                if not self.can_edit_cell(user, ss, sheet, r, c):
                    raise _protected()
                cur = sheet.cells.setdefault((r, c), {})
                merge_by_mask(cur, _as_entered(cd or {}, ss), mask)
                if not cur:
                    del sheet.cells[(r, c)]

    def _range_ok(self, ss: FakeSpreadsheet, rng: dict[str, Any], what: str) -> FakeSheet:
        sheet = ss.sheet_by_id(rng.get("sheetId", 0))
        nrows, ncols = sheet.size
        sr, er = rng.get("startRowIndex", 0), rng.get("endRowIndex", nrows)
        sc, ec = rng.get("startColumnIndex", 0), rng.get("endColumnIndex", ncols)
        if not (0 <= sr <= er <= nrows and 0 <= sc <= ec <= ncols):
            raise bad(f"Invalid requests: {what} range exceeds grid limits of '{sheet.title}'. "
                      f"Max rows: {nrows}, max columns: {ncols}")
        return sheet

    def _merge(self, ss: FakeSpreadsheet, rng: dict[str, Any]) -> None:
        sheet = self._range_ok(ss, rng, "merge")
        for m in sheet.merges:
            if _overlap(m, rng):
                raise bad("Invalid requests: You can't merge cells that overlap an existing merge.")
        sheet.merges.append(copy.deepcopy(rng))

    def _add_cond_format(self, ss: FakeSpreadsheet, rule: dict[str, Any], index: int | None) -> None:
        if not rule.get("ranges"):
            raise bad("Invalid requests: conditional format rule needs at least one range")
        sheets = {self._range_ok(ss, r, "conditional format").id for r in rule["ranges"]}
        if len(sheets) != 1:
            raise bad("Invalid requests: all ranges of a conditional format must be on one sheet")
        br = rule.get("booleanRule")
        if br is None and rule.get("gradientRule") is None:
            raise bad("Invalid requests: a rule needs booleanRule or gradientRule")
        if br is not None:
            cond = br.get("condition") or {}
            if cond.get("type") == "CUSTOM_FORMULA":
                vals = cond.get("values") or []
                if len(vals) != 1 or not str(vals[0].get("userEnteredValue", "")).startswith("="):
                    raise bad("Invalid requests: CUSTOM_FORMULA needs one value starting with '='")
        sheet = ss.sheet_by_id(next(iter(sheets)))
        sheet.cond_formats.insert(len(sheet.cond_formats) if index is None else index, copy.deepcopy(rule))

    def _add_protected(self, ss: FakeSpreadsheet, pr: dict[str, Any]) -> dict[str, Any]:
        for k in ("protectedRangeId", "requestingUserCanEdit"):
            if k in pr:
                raise bad(f"Invalid requests: {k} is read-only")
        rng = pr.get("range")
        if rng is None:
            raise bad("Invalid requests: protected range needs a range")
        sheet = self._range_ok(ss, rng, "protected")
        whole = set(rng) == {"sheetId"}
        if pr.get("unprotectedRanges") and not whole:
            raise bad("Invalid requests: Unprotected ranges are only supported on protected sheets.")
        for u in pr.get("unprotectedRanges") or []:
            if u.get("sheetId", 0) != sheet.id:
                raise bad("Invalid requests: unprotected range on another sheet")
            self._range_ok(ss, u, "unprotected")
        if pr.get("warningOnly") and pr.get("editors"):
            raise bad("Invalid requests: Editors are not supported with warning_only protection.")
        stored = copy.deepcopy(pr)
        stored["protectedRangeId"] = next(self._ids)
        stored.setdefault("editors", {"users": [self.files[ss.id].owner]})
        sheet.protected.append(stored)
        return stored

    def _add_chart(self, ss: FakeSpreadsheet, chart: dict[str, Any]) -> dict[str, Any]:
        spec = chart.get("spec") or {}
        basic = spec.get("basicChart")
        if basic is not None:
            if not basic.get("series"):
                raise bad("Invalid requests: a basic chart needs at least one series")
            for part in list(basic.get("domains") or []) + list(basic.get("series") or []):
                data = part.get("domain") or part.get("series") or {}
                for src in (data.get("sourceRange") or {}).get("sources") or []:
                    self._range_ok(ss, src, "chart source")
        pos = chart.get("position") or {}
        anchor = (pos.get("overlayPosition") or {}).get("anchorCell")
        if anchor is not None:
            sheet = ss.sheet_by_id(anchor.get("sheetId", 0))
            nrows, ncols = sheet.size
            if anchor.get("rowIndex", 0) >= nrows or anchor.get("columnIndex", 0) >= ncols:
                raise bad("Invalid requests: chart anchor outside the grid")
        else:
            sheet = ss.sheets[0]
        stored = copy.deepcopy(chart)
        stored["chartId"] = next(self._ids)
        sheet.charts.append(stored)
        return stored

    def _check_visible(self, ss: FakeSpreadsheet) -> None:
        if ss.sheets and all(s.props.get("hidden") for s in ss.sheets):
            raise bad("Invalid requests: You can't hide all the sheets in a document.")

    def op_sheets_spreadsheets_batchUpdate(self, user: str, args: dict[str, str], q: dict[str, str],
                                           body: dict[str, Any]) -> dict[str, Any]:
        sid = args["spreadsheetId"]
        self._need(user, sid, "writer")
        ss = self.spreadsheets[sid]
        owner = self.files[sid].owner == user
        snapshot = pickle.loads(pickle.dumps((ss.props, ss.sheets)))  # faster than deepcopy
        replies: list[dict[str, Any]] = []
        try:
            for i, req in enumerate(body.get("requests") or []):
                kind, arg = next(iter(req.items()))
                if not owner and kind not in ("updateCells", "repeatCell"):
                    raise _protected()
                try:
                    replies.append(self._apply(ss, kind, arg, user))
                except ApiError as e:
                    if e.code == 400 and e.message.startswith("Invalid requests"):
                        e.message = e.message.replace("Invalid requests", f"Invalid requests[{i}].{kind}", 1)
                    raise
            self._check_visible(ss)
        except ApiError:
            ss.props, ss.sheets = snapshot  # batchUpdate is atomic
            raise
        return {"spreadsheetId": sid, "replies": replies}

    def _apply(self, ss: FakeSpreadsheet, kind: str, a: dict[str, Any], user: str) -> dict[str, Any]:
        if kind == "addSheet":
            sheet = self._add_sheet(ss, a.get("properties") or {})
            return {"addSheet": {"properties": copy.deepcopy(sheet.props)}}
        if kind == "deleteSheet":
            sheet = ss.sheet_by_id(a.get("sheetId"))
            if len(ss.sheets) == 1:
                raise bad("Invalid requests: You can't remove all the sheets in a document.")
            ss.sheets.remove(sheet)
            for i, s in enumerate(ss.sheets):
                s.props["index"] = i
            return {}
        if kind == "updateSpreadsheetProperties":
            mask = a.get("fields")
            if not mask:
                raise bad("Invalid requests: At least one field must be updated.")
            merge_by_mask(ss.props, a.get("properties") or {}, parse_mask(mask))
            self.files[ss.id].name = ss.props.get("title", self.files[ss.id].name)
            return {}
        if kind == "updateSheetProperties":
            props = a.get("properties") or {}
            mask = a.get("fields")
            if not mask:
                raise bad("Invalid requests: At least one field must be updated.")
            sheet = ss.sheet_by_id(props.get("sheetId", 0))
            merge_by_mask(sheet.props, props, parse_mask(mask))
            sheet.props["sheetId"] = props.get("sheetId", 0)
            return {}
        if kind == "updateCells":
            mask = a.get("fields")
            if not mask:
                raise bad("Invalid requests: At least one field must be updated.")
            if ("start" in a) == ("range" in a):
                raise bad("Invalid requests: exactly one of start or range must be set")
            if "start" in a:
                st = a["start"]
                sheet = ss.sheet_by_id(st.get("sheetId", 0))
                r0, c0 = st.get("rowIndex", 0), st.get("columnIndex", 0)
            else:
                sheet = self._range_ok(ss, a["range"], "updateCells")
                r0, c0 = a["range"].get("startRowIndex", 0), a["range"].get("startColumnIndex", 0)
            self._update_cells(ss, sheet, r0, c0, a.get("rows") or [], parse_mask(mask), user)
            return {}
        if kind == "repeatCell":
            rng = a.get("range") or {}
            sheet = self._range_ok(ss, rng, "repeatCell")
            nrows, ncols = sheet.size
            mask = a.get("fields")
            if not mask:
                raise bad("Invalid requests: At least one field must be updated.")
            cell = a.get("cell") or {}
            self._check_cell_data(cell)
            cell = _as_entered(cell, ss)
            m = parse_mask(mask)
            for r in range(rng.get("startRowIndex", 0), rng.get("endRowIndex", nrows)):
                for c in range(rng.get("startColumnIndex", 0), rng.get("endColumnIndex", ncols)):
                    if not self.can_edit_cell(user, ss, sheet, r, c):
                        raise _protected()
                    cur = sheet.cells.setdefault((r, c), {})
                    merge_by_mask(cur, cell, m)
                    if not cur:
                        del sheet.cells[(r, c)]
            return {}
        if kind == "setDataValidation":
            rng = a.get("range") or {}
            sheet = self._range_ok(ss, rng, "setDataValidation")
            nrows, ncols = sheet.size
            for r in range(rng.get("startRowIndex", 0), rng.get("endRowIndex", nrows)):
                for c in range(rng.get("startColumnIndex", 0), rng.get("endColumnIndex", ncols)):
                    cur = sheet.cells.setdefault((r, c), {})
                    if a.get("rule"):
                        self._check_cell_data({"dataValidation": a["rule"]})
                        cur["dataValidation"] = copy.deepcopy(a["rule"])
                    else:
                        cur.pop("dataValidation", None)
            return {}
        if kind == "mergeCells":
            self._merge(ss, a.get("range") or {})
            return {}
        if kind == "addConditionalFormatRule":
            self._add_cond_format(ss, a.get("rule") or {}, a.get("index"))
            return {}
        if kind == "addProtectedRange":
            added = self._add_protected(ss, a.get("protectedRange") or {})
            return {"addProtectedRange": {"protectedRange": added}}
        if kind == "addChart":
            return {"addChart": {"chart": self._add_chart(ss, a.get("chart") or {})}}
        if kind == "updateDimensionProperties":
            rng = a.get("range") or {}
            sheet = ss.sheet_by_id(rng.get("sheetId", 0))
            mask = a.get("fields")
            if not mask:
                raise bad("Invalid requests: At least one field must be updated.")
            if rng.get("dimension") == "COLUMNS":
                _, ncols = sheet.size
                for c in range(rng.get("startIndex", 0), rng.get("endIndex", ncols)):
                    if c >= ncols:
                        raise bad("Invalid requests: column index exceeds grid limits")
                    cur = sheet.columns.setdefault(c, {})
                    merge_by_mask(cur, a.get("properties") or {}, parse_mask(mask))
            return {}
        raise ApiError(501, f"fake_google does not implement the '{kind}' request", "UNIMPLEMENTED")

    # reads
    def _effective(self, ss: FakeSpreadsheet) -> dict[tuple[str, int, int], Scalar]:
        cache: dict[tuple[str, int, int], Scalar] = {}
        busy: set[tuple[str, int, int]] = set()
        by_title = {s.title: s for s in ss.sheets}

        def get(title: str, r: int, c: int) -> Scalar:
            key = (title, r, c)
            if key in cache:
                return cache[key]
            sheet = by_title.get(title)
            if sheet is None:
                return Err("REF")
            uv = (sheet.cells.get((r, c)) or {}).get("userEnteredValue") or {}
            if "formulaValue" in uv:
                if key in busy:
                    return Err("REF")  # circular dependency
                busy.add(key)
                value = Evaluator(get, title).run(uv["formulaValue"])
                busy.discard(key)
            elif "numberValue" in uv:
                value = float(uv["numberValue"])
            elif "stringValue" in uv:
                value = str(uv["stringValue"])
            elif "boolValue" in uv:
                value = bool(uv["boolValue"])
            else:
                value = BLANK
            cache[key] = value
            return value

        for s in ss.sheets:
            for (r, c) in s.cells:
                get(s.title, r, c)
        return cache

    def _spreadsheet_json(self, ss: FakeSpreadsheet, grid: bool) -> dict[str, Any]:
        eff = self._effective(ss) if grid else {}
        sheets = []
        for s in ss.sheets:
            res: dict[str, Any] = {"properties": copy.deepcopy(s.props)}
            if grid:
                rows: list[dict[str, Any]] = []
                if s.cells:
                    last = max(r for r, _ in s.cells)
                    for r in range(last + 1):
                        cols = [c for (rr, c) in s.cells if rr == r]
                        if not cols:
                            rows.append({})
                            continue
                        vals = []
                        for c in range(max(cols) + 1):
                            cd = copy.deepcopy(s.cells.get((r, c), {}))
                            v = eff.get((s.title, r, c), BLANK)
                            ev = _effective_json(v)
                            if ev is not None and "userEnteredValue" in cd:
                                cd["effectiveValue"] = ev
                            vals.append(cd)
                        rows.append({"values": vals})
                cols_meta = [s.columns.get(c, {}) for c in range(max(s.columns) + 1)] if s.columns else []
                res["data"] = [{"startRow": 0, "startColumn": 0, "rowData": rows,
                                "columnMetadata": cols_meta}]
            for key, items in (("merges", s.merges), ("conditionalFormats", s.cond_formats),
                               ("protectedRanges", s.protected), ("charts", s.charts)):
                if items:
                    res[key] = copy.deepcopy(items)
            sheets.append(res)
        return {"spreadsheetId": ss.id, "properties": copy.deepcopy(ss.props), "sheets": sheets,
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit"}

    def op_sheets_spreadsheets_get(self, user: str, args: dict[str, str], q: dict[str, str],
                                   body: dict[str, Any]) -> dict[str, Any]:
        sid = args["spreadsheetId"]
        self._need(user, sid, "reader")
        data = self._spreadsheet_json(self.spreadsheets[sid], grid=q.get("includeGridData") == "true")
        if "fields" in q:
            data = apply_mask(data, parse_mask(q["fields"]))
        return data  # type: ignore[no-any-return]

    def _parse_a1(self, ss: FakeSpreadsheet, text: str) -> tuple[FakeSheet, int, int, int, int]:
        def unquote_title(t: str) -> str:
            return t[1:-1].replace("''", "'") if t.startswith("'") else t

        if "!" in text:
            sheet_text, _, cells = text.rpartition("!")
            title = unquote_title(sheet_text)
        elif ss.sheet_by_title(unquote_title(text)) is not None:  # a whole sheet
            title, cells = unquote_title(text), "A1:" + "ZZZ" + "1048576"
        else:
            title, cells = ss.sheets[0].title, text
        sheet = ss.sheet_by_title(title)
        if sheet is None:
            raise bad(f"Unable to parse range: {text}")
        a, _, b = cells.partition(":")
        r1, c1 = _a1_cell(a)
        # a single cell is where a write starts (Google expands it); a range bounds the write
        r2, c2 = _a1_cell(b) if b else (None, None)
        nrows, ncols = sheet.size
        return (sheet, r1 or 0, c1 or 0, nrows - 1 if r2 is None else r2, ncols - 1 if c2 is None else c2)

    def _write_values(self, user: str, ss: FakeSpreadsheet, rng: str, values: list[list[Any]],
                      option: str) -> dict[str, Any]:
        sheet, r1, c1, r2, c2 = self._parse_a1(ss, rng)
        nrows, ncols = sheet.size
        n = 0
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                r, c = r1 + i, c1 + j
                if r >= nrows or c >= ncols or r > r2 or c > c2:
                    raise bad(f"Requested writing within range [{rng}], but tried writing to row "
                              f"[{r + 1}] column [{c + 1}]")
                if v is None:
                    continue
                if not self.can_edit_cell(user, ss, sheet, r, c):
                    raise _protected()
                cur = sheet.cells.setdefault((r, c), {})
                uv = _entered(v, option, str(ss.props.get("locale") or ""))
                if uv is None:
                    cur.pop("userEnteredValue", None)
                else:
                    cur["userEnteredValue"] = uv
                n += 1
        return {"spreadsheetId": ss.id, "updatedRange": rng, "updatedCells": n}

    def op_sheets_spreadsheets_values_update(self, user: str, args: dict[str, str], q: dict[str, str],
                                             body: dict[str, Any]) -> dict[str, Any]:
        sid = args["spreadsheetId"]
        self._need(user, sid, "writer")
        if "valueInputOption" not in q:
            raise bad("'valueInputOption' is required but not specified")
        return self._write_values(user, self.spreadsheets[sid], args["range"],
                                  body.get("values") or [], q["valueInputOption"])

    def op_sheets_spreadsheets_values_batchUpdate(self, user: str, args: dict[str, str],
                                                  q: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        sid = args["spreadsheetId"]
        self._need(user, sid, "writer")
        option = body.get("valueInputOption")
        if not option:
            raise bad("'valueInputOption' is required but not specified")
        ss = self.spreadsheets[sid]
        snapshot = pickle.loads(pickle.dumps(ss.sheets))
        try:
            out = [self._write_values(user, ss, vr.get("range", ""), vr.get("values") or [], option)
                   for vr in body.get("data") or []]
        except ApiError:
            ss.sheets = snapshot
            raise
        return {"spreadsheetId": sid, "responses": out,
                "totalUpdatedCells": sum(o["updatedCells"] for o in out)}

    def op_sheets_spreadsheets_values_get(self, user: str, args: dict[str, str], q: dict[str, str],
                                          body: dict[str, Any]) -> dict[str, Any]:
        sid = args["spreadsheetId"]
        self._need(user, sid, "reader")
        ss = self.spreadsheets[sid]
        sheet, r1, c1, r2, c2 = self._parse_a1(ss, args["range"])
        eff = self._effective(ss)
        option = q.get("valueRenderOption", "FORMATTED_VALUE")
        locale = str(ss.props.get("locale") or "")
        rows: list[list[Any]] = []
        for r in range(r1, min(r2, max([r for r, _ in sheet.cells] + [-1])) + 1):
            row: list[Any] = []
            for c in range(c1, min(c2, max([c for _, c in sheet.cells] + [-1])) + 1):
                uv = (sheet.cells.get((r, c)) or {}).get("userEnteredValue") or {}
                v = eff.get((sheet.title, r, c), BLANK)
                if option == "FORMULA" and "formulaValue" in uv:
                    row.append(uv["formulaValue"])
                elif isinstance(v, Blank):
                    row.append("")
                elif isinstance(v, Err):
                    row.append(f"#{v.code}")
                elif option == "FORMATTED_VALUE" or not isinstance(v, float):
                    row.append(v if isinstance(v, str) else (("TRUE" if v else "FALSE")
                               if isinstance(v, bool) else formatted_number(v, locale)))
                else:
                    row.append(v)
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        while rows and not rows[-1]:
            rows.pop()
        return {"range": args["range"], "majorDimension": "ROWS", "values": rows}

    # -- Drive ----------------------------------------------------------------------------------

    def _file_json(self, f: FakeFile) -> dict[str, Any]:
        return {"kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mime,
                "parents": list(f.parents)}

    def op_drive_files_create(self, user: str, args: dict[str, str], q: dict[str, str],
                              body: dict[str, Any]) -> dict[str, Any]:
        parents = list(body.get("parents") or [])
        for p in parents:
            if p not in self.files:
                raise ApiError(404, f"File not found: {p}.", "NOT_FOUND", "notFound")
            if self.files[p].shared_drive and q.get("supportsAllDrives") != "true":
                raise ApiError(404, f"File not found: {p}.", "NOT_FOUND", "notFound")
            self._need(user, p, "writer")
        self._quota(user, parents)
        mime = body.get("mimeType") or "application/octet-stream"
        if mime == SPREADSHEET_MIME:
            ss = self._new_spreadsheet(user, {"title": body.get("name") or "Untitled spreadsheet"}, parents)
            self._add_sheet(ss, {"sheetId": 0, "title": "Sheet1"})
            f = self.files[ss.id]
        else:
            fid = self._new_id()
            f = FakeFile(fid, body.get("name") or "Untitled", mime, user, parents=parents)
            self.files[fid] = f
        return self._file_json(f)

    def op_drive_files_copy(self, user: str, args: dict[str, str], q: dict[str, str],
                            body: dict[str, Any]) -> dict[str, Any]:
        """Drive's "Make a copy": needs read access to the source; the copy belongs to the
        caller, holds every sheet (hidden ones too) with cells, formats, validations, merges,
        protected ranges and charts, and carries none of the source's shares."""
        fid = args["fileId"]
        self._need(user, fid, "reader")
        src = self.files[fid]
        parents = list(body.get("parents") or [])
        for p in parents:
            if p not in self.files:
                raise ApiError(404, f"File not found: {p}.", "NOT_FOUND", "notFound")
            self._need(user, p, "writer")
        self._quota(user, parents)
        mime = body.get("mimeType") or src.mime
        if mime != src.mime:
            raise ApiError(400, "The MIME type of a copy must be the source's.", "INVALID_ARGUMENT",
                           "invalidMimeType")
        name = body.get("name") or f"Copy of {src.name}"
        nid = self._new_id()
        copy_ = FakeFile(nid, name, src.mime, user, parents=parents)
        self.files[nid] = copy_
        ss = self.spreadsheets.get(fid)
        if ss is not None:
            dup = pickle.loads(pickle.dumps(ss))
            dup.id = nid
            dup.props["title"] = name
            for sheet in dup.sheets:  # the copier owns the copy: its protections name them
                for pr in sheet.protected:
                    pr["editors"] = {"users": [user]}
            self.spreadsheets[nid] = dup
        return self._file_json(copy_)

    def op_drive_files_list(self, user: str, args: dict[str, str], q: dict[str, str],
                            body: dict[str, Any]) -> dict[str, Any]:
        """The files the caller can see that match ``q``; only the query terms sheetladder uses
        are understood (``name = '…'``, ``mimeType = '…'``, ``trashed = false`` joined by
        ``and``), anything else is refused as Google refuses a bad query."""
        terms: list[tuple[str, str]] = []
        text = (q.get("q") or "").strip()
        while text:
            m = re.match(r"(name|mimeType)\s*=\s*'((?:[^'\\]|\\.)*)'\s*|(trashed)\s*=\s*false\s*", text)
            if not m:
                raise ApiError(400, "Invalid Value", "INVALID_ARGUMENT", "invalid")
            if m.group(1):
                terms.append((m.group(1), re.sub(r"\\(.)", r"\1", m.group(2))))
            text = text[m.end():]
            if text:
                if not text.startswith("and "):
                    raise ApiError(400, "Invalid Value", "INVALID_ARGUMENT", "invalid")
                text = text[4:].lstrip()
        found = []
        for f in self.files.values():
            if self.role_of(user, f.id) == 0:
                continue
            if all((f.name if k == "name" else f.mime) == v for k, v in terms):
                found.append(self._file_json(f))
        return {"kind": "drive#fileList", "incompleteSearch": False, "files": found}

    def op_drive_files_update(self, user: str, args: dict[str, str], q: dict[str, str],
                              body: dict[str, Any]) -> dict[str, Any]:
        fid = args["fileId"]
        self._need(user, fid, "writer")
        f = self.files[fid]
        for p in (q.get("addParents") or "").split(","):
            if p:
                if p not in self.files:
                    raise ApiError(404, f"File not found: {p}.", "NOT_FOUND", "notFound")
                f.parents.append(p)
        for p in (q.get("removeParents") or "").split(","):
            if p in f.parents:
                f.parents.remove(p)
        if "name" in body:
            f.name = body["name"]
        return self._file_json(f)

    def op_drive_files_delete(self, user: str, args: dict[str, str], q: dict[str, str],
                              body: dict[str, Any]) -> dict[str, Any]:
        fid = args["fileId"]
        self._need(user, fid, "owner")
        del self.files[fid]
        self.spreadsheets.pop(fid, None)
        return {}

    def op_drive_permissions_create(self, user: str, args: dict[str, str], q: dict[str, str],
                                    body: dict[str, Any]) -> dict[str, Any]:
        fid = args["fileId"]
        self._need(user, fid, "writer")
        kind, role = body.get("type"), body.get("role")
        if kind not in ("user", "group", "domain", "anyone"):
            raise ApiError(400, "The permission type field is required.", "INVALID_ARGUMENT", "required")
        if role not in ROLE_RANK:
            raise ApiError(400, "The permission role field is required.", "INVALID_ARGUMENT", "required")
        if kind in ("user", "group") and not body.get("emailAddress"):
            raise ApiError(400, "The permission emailAddress field is required.", "INVALID_ARGUMENT",
                           "required")
        if kind == "anyone" and "sendNotificationEmail" in q:
            raise ApiError(400, "sendNotificationEmail is only allowed for users and groups",
                           "INVALID_ARGUMENT", "invalidSharingRequest")
        perm = {"kind": "drive#permission", "id": f"perm{next(self._ids)}", "type": kind, "role": role}
        if body.get("emailAddress"):
            perm["emailAddress"] = body["emailAddress"]
        self.files[fid].permissions.append(perm)
        return perm

    # -- inspection helpers for tests -----------------------------------------------------------

    def only(self) -> FakeSpreadsheet:
        assert len(self.spreadsheets) == 1, list(self.spreadsheets)
        return next(iter(self.spreadsheets.values()))


def _injected(fault: Fault) -> Exception:
    if fault.body is not None:
        return _Raw(fault.status, fault.body)
    status = {429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE", 500: "INTERNAL"}.get(fault.status, "UNKNOWN")
    message = "Quota exceeded (injected)" if fault.status == 429 else "injected fault"
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
    return ApiError(fault.status, message, status, headers=headers)


class _Raw(Exception):
    def __init__(self, code: int, payload: dict[str, Any]):
        super().__init__(code)
        self.code = code
        self.payload = payload


def _protected() -> ApiError:
    return ApiError(400, "You are trying to edit a protected cell or object. Please contact the "
                         "spreadsheet owner to remove protection if you need to edit.")


def _in_range(rng: dict[str, Any], r: int, c: int) -> bool:
    return (rng.get("startRowIndex", 0) <= r < rng.get("endRowIndex", 10**9)
            and rng.get("startColumnIndex", 0) <= c < rng.get("endColumnIndex", 10**9))


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a.get("sheetId", 0) != b.get("sheetId", 0):
        return False
    return (a.get("startRowIndex", 0) < b.get("endRowIndex", 10**9)
            and b.get("startRowIndex", 0) < a.get("endRowIndex", 10**9)
            and a.get("startColumnIndex", 0) < b.get("endColumnIndex", 10**9)
            and b.get("startColumnIndex", 0) < a.get("endColumnIndex", 10**9))


def comma_decimal(locale: str) -> bool:
    return locale in COMMA_DECIMAL_LOCALES


def canonical_formula(text: str, locale: str) -> str:
    """A formula as typed in a spreadsheet of ``locale``, in the en_US syntax it is kept in:
    in a comma-decimal locale ';' separates arguments and ',' is the decimal mark (and '\\'
    separates the columns of an array literal, ';' its rows). Text in "..." and sheet names in
    '...' are left alone. An en_US formula typed there becomes another, usually unparsable."""
    if not comma_decimal(locale):
        return text
    out: list[str] = []
    i, depth = 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < len(text):
                if text[j] == ch:
                    if j + 1 < len(text) and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == ";" and depth == 0:
            out.append(",")
        elif ch == "\\" and depth > 0:
            out.append(",")
        elif ch == ",":
            out.append(".")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _as_entered(cd: dict[str, Any], ss: FakeSpreadsheet) -> dict[str, Any]:
    """CellData as the spreadsheet keeps it: a formulaValue is read in the spreadsheet's
    locale, as a user typing it would be."""
    uv = cd.get("userEnteredValue")
    if not isinstance(uv, dict) or "formulaValue" not in uv:
        return cd
    out = dict(cd)
    out["userEnteredValue"] = {"formulaValue": canonical_formula(str(uv["formulaValue"]),
                                                                 str(ss.props.get("locale") or ""))}
    return out


def _entered(v: Any, option: str, locale: str = "en_US") -> dict[str, Any] | None:
    """A value as the Sheets UI/API would store it (USER_ENTERED parses like typing, in the
    spreadsheet's locale: a formula in its syntax, a number with its decimal mark)."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, (int, float)):
        return {"numberValue": float(v)}
    s = str(v)
    if s == "":
        return None
    if option == "RAW":
        return {"stringValue": s}
    if s.startswith("="):
        return {"formulaValue": canonical_formula(s, locale)}
    if s.startswith("'"):
        return {"stringValue": s[1:]}
    if s.upper() in ("TRUE", "FALSE"):
        return {"boolValue": s.upper() == "TRUE"}
    if comma_decimal(locale):
        if re.fullmatch(r"\s*[-+]?\d*,?\d+([eE][-+]?\d+)?\s*", s):
            return {"numberValue": float(s.replace(",", "."))}
        return {"stringValue": s}
    if re.fullmatch(r"\s*[-+]?[\d,]*\.?\d+([eE][-+]?\d+)?\s*", s):
        return {"numberValue": float(s.replace(",", ""))}
    return {"stringValue": s}


def formatted_number(v: float, locale: str) -> str:
    """A number as FORMATTED_VALUE gives it under the General format: in the spreadsheet's
    locale, so with a decimal comma where the locale writes one."""
    text = f"{v:g}"
    return text.replace(".", ",") if comma_decimal(locale) else text


def _effective_json(v: Scalar) -> dict[str, Any] | None:
    if isinstance(v, Blank):
        return None
    if isinstance(v, Err):
        return {"errorValue": {"type": v.code, "message": f"fake: {v.code}"}}
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, float):
        return {"numberValue": v}
    return {"stringValue": v}


_ROUTES: list[tuple[str, re.Pattern[str], str, Discovery]] = [
    ("POST", re.compile(r"^/v4/spreadsheets$"), "sheets.spreadsheets.create", SHEETS),
    ("GET", re.compile(r"^/v4/spreadsheets/(?P<spreadsheetId>[^/:]+)$"), "sheets.spreadsheets.get", SHEETS),
    ("POST", re.compile(r"^/v4/spreadsheets/(?P<spreadsheetId>[^/:]+):batchUpdate$"),
     "sheets.spreadsheets.batchUpdate", SHEETS),
    ("PUT", re.compile(r"^/v4/spreadsheets/(?P<spreadsheetId>[^/:]+)/values/(?P<range>[^:]+)$"),
     "sheets.spreadsheets.values.update", SHEETS),
    ("GET", re.compile(r"^/v4/spreadsheets/(?P<spreadsheetId>[^/:]+)/values/(?P<range>[^:]+)$"),
     "sheets.spreadsheets.values.get", SHEETS),
    ("POST", re.compile(r"^/v4/spreadsheets/(?P<spreadsheetId>[^/:]+)/values:batchUpdate$"),
     "sheets.spreadsheets.values.batchUpdate", SHEETS),
    ("POST", re.compile(r"^/drive/v3/files$"), "drive.files.create", DRIVE),
    ("GET", re.compile(r"^/drive/v3/files$"), "drive.files.list", DRIVE),
    ("PATCH", re.compile(r"^/drive/v3/files/(?P<fileId>[^/]+)$"), "drive.files.update", DRIVE),
    ("POST", re.compile(r"^/drive/v3/files/(?P<fileId>[^/]+)/copy$"), "drive.files.copy", DRIVE),
    ("DELETE", re.compile(r"^/drive/v3/files/(?P<fileId>[^/]+)$"), "drive.files.delete", DRIVE),
    ("POST", re.compile(r"^/drive/v3/files/(?P<fileId>[^/]+)/permissions$"), "drive.permissions.create",
     DRIVE),
]


def _route(method: str, path: str) -> tuple[str, dict[str, str], Discovery] | None:
    for m, pattern, method_id, doc in _ROUTES:
        if m == method:
            hit = pattern.match(path)
            if hit:
                return method_id, {k: unquote(v) for k, v in hit.groupdict().items()}, doc
    return None


def _handler(fake: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body go out as two writes: without this, Nagle + delayed ACK add ~40 ms
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, extra = fake.handle(self.command, self.path, headers, body)
            no_content = self.command == "DELETE" and status == 200
            data = b"" if no_content else json.dumps(payload).encode()
            code = 204 if no_content else status
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


class FakeTransport(BaseAdapter):
    """A requests transport adapter that hands each request to ``FakeGoogle.handle`` without a
    socket, and answers like the HTTP server would."""

    def __init__(self, fake: FakeGoogle):
        super().__init__()
        self.fake = fake

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        self.fake.timeouts.append(timeout)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, payload, extra = self.fake.handle(str(request.method), request.path_url, headers,
                                                  bytes(body))
        no_content = request.method == "DELETE" and status == 200
        resp = requests.Response()
        resp.status_code = 204 if no_content else status
        resp._content = b"" if no_content else json.dumps(payload).encode()
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8",
                                            **extra})
        resp.encoding = "utf-8"
        resp.url = str(request.url)
        resp.request = request
        resp.reason = "OK" if status < 400 else "Error"
        return resp

    def close(self) -> None:
        pass


def iter_requests_of(fake: FakeGoogle, method_id: str) -> Iterator[Logged]:
    return (e for e in fake.log if e.method_id == method_id)


if __name__ == "__main__":  # pragma: no cover - manual use: python -m tests.fake_google
    with FakeGoogle() as g:
        print(f"fake Google APIs at {g.root} (set SHEETLADDER_GOOGLE_API_ROOT={g.root}); Ctrl-C stops")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    os._exit(0)
