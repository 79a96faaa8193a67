"""Google Sheet -> Grid: one ``spreadsheets.get`` with grid data and a field mask bringing
formulas, values and merges. Also what a Google source looks like (URL or id)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, UnreadableWorkbook
from ..grid import Grid, GridCell, SheetGrid

if TYPE_CHECKING:  # the client (gspread, google-auth) is imported only when a sheet is read
    import gspread

    from .client import GoogleApi

# Fields of a read: formulas (userEnteredValue), results (effectiveValue), tab visibility.
READ_FIELDS = (
    "spreadsheetId,spreadsheetUrl,properties(title,locale),"
    "sheets(properties(sheetId,title,index,hidden),merges,"
    "data(startRow,startColumn,rowData(values(userEnteredValue,effectiveValue))))"
)
ERROR_TEXT = {
    "ERROR": "#ERROR!", "NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!",
    "REF": "#REF!", "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A", "LOADING": "#LOADING",
}

# -- sources ------------------------------------------------------------------------------------

_URL = re.compile(r"^https?://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]{20,})")
_ANY_URL = re.compile(r"^https?://docs\.google\.com/spreadsheets/")
_ID = re.compile(r"^[A-Za-z0-9_-]{30,100}$")


def is_google_source(source: str) -> bool:
    """A Google Sheets URL, or a bare spreadsheet id (long, no dot, no path separator) that is
    not also the name of a file here: the one rule every command uses."""
    s = source.strip()
    if _ANY_URL.match(s):
        return True
    return bool(_ID.match(s)) and not os.path.exists(s)


def spreadsheet_id(source: str) -> str:
    s = source.strip()
    m = _URL.match(s)
    if m:
        return m.group(1)
    if _ID.match(s):
        return s
    raise BadInput(f"{source}: not a Google Sheets URL or spreadsheet id")


def spreadsheet_url(sid: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{sid}/edit"


# -- reading ------------------------------------------------------------------------------------


def _value(ev: dict[str, Any] | None) -> tuple[Any, str | None]:
    if not ev:
        return None, None
    if "errorValue" in ev:
        err = ev["errorValue"] or {}
        return None, ERROR_TEXT.get(str(err.get("type")), "#ERROR!")
    if "numberValue" in ev:
        return float(ev["numberValue"]), None
    if "boolValue" in ev:
        return bool(ev["boolValue"]), None
    if "stringValue" in ev:
        # a formula's "" result reads as an empty cell, as in the .xlsx path
        return (str(ev["stringValue"]) or None), None
    return None, None


def grid_from_response(data: dict[str, Any], source: str) -> Grid:
    """Turn a spreadsheets.get response (grid data, READ_FIELDS) into a Grid."""
    grid = Grid(source=source)
    sheets = data.get("sheets")
    if not isinstance(sheets, list):
        raise UnreadableWorkbook(source, "the response holds no sheets")
    for sh in sorted(sheets, key=lambda s: (s.get("properties") or {}).get("index", 0)):
        props = sh.get("properties") or {}
        name = str(props.get("title", ""))
        sg = SheetGrid(name=name, visibility="hidden" if props.get("hidden") else "visible")
        max_r = max_c = -1
        for block in sh.get("data") or []:
            r0 = int(block.get("startRow", 0))
            c0 = int(block.get("startColumn", 0))
            for i, row in enumerate(block.get("rowData") or []):
                for j, cd in enumerate((row or {}).get("values") or []):
                    uv = (cd or {}).get("userEnteredValue") or {}
                    formula = uv.get("formulaValue")
                    value, error = _value((cd or {}).get("effectiveValue"))
                    if formula is None and value is None and error is None:
                        continue
                    f = formula[1:] if isinstance(formula, str) and formula.startswith("=") else formula
                    sg.cells[(r0 + i, c0 + j)] = GridCell(value=value, formula=f, error=error)
                    max_r = max(max_r, r0 + i)
                    max_c = max(max_c, c0 + j)
        sg.max_row, sg.max_col = max_r, max_c
        for m in sh.get("merges") or []:
            try:  # a GridRange: end indexes exclusive; a merge is always bounded
                r1, c1 = int(m.get("startRowIndex", 0)), int(m.get("startColumnIndex", 0))
                sg.merges.append((r1, c1, int(m["endRowIndex"]) - 1, int(m["endColumnIndex"]) - 1))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue  # not a merge the importer could use
        grid.sheets[name] = sg
    title = (data.get("properties") or {}).get("title")
    grid.title = str(title) if title else None
    locale = str((data.get("properties") or {}).get("locale") or "")
    if locale and not locale.startswith("en"):
        # the sheet was made en_US (publish.LOCALE); another locale may give its formulas
        # other separators (';') and decimal commas, which would read as formulas changed
        grid.notes.append(
            f"the spreadsheet's locale was changed to {locale} (File > Settings); it was made "
            "in English (United States): if its formulas are reported as changed, set the "
            "locale back to English (United States) and read it again")
    return grid


def open_grid(source: str, api: GoogleApi | gspread.Client | None = None) -> Grid:
    """Read a Google Sheet (URL or id) into a Grid with ONE spreadsheets.get call, through
    ``api`` (ours, or a user's own gspread.Client; default: configured from the environment)."""
    try:
        sid = spreadsheet_id(source)
    except ValueError as e:
        raise UnreadableWorkbook(source, str(e)) from None
    from .client import RATE_LIMIT_REASONS, GoogleApiError, GoogleAuthError, as_api

    try:
        data = as_api(api).get_spreadsheet(sid, {"includeGridData": "true", "fields": READ_FIELDS})
    except GoogleApiError as e:
        if e.status == 404 or (e.status == 403 and e.reason not in RATE_LIMIT_REASONS):
            # Google says the same of a sheet deleted and of one not shared with the account
            raise UnreadableWorkbook(source, (
                f"Google has no sheet of this link that the account signed in may read (it "
                f"may have been deleted, or not be shared with that account; {e}): ask its "
                "owner to share it with the account, or check the link")) from None
        raise UnreadableWorkbook(source, str(e)) from None
    except GoogleAuthError as e:
        raise UnreadableWorkbook(source, str(e)) from None
    return grid_from_response(data, source)
