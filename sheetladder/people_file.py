"""A table of people as the CSV text the roster parser reads, from the files people keep one in.

A roster is kept in a spreadsheet: saved as CSV (UTF-8, or Excel's "Unicode Text", UTF-16 with
tabs), or given as the .xlsx or .ods itself. Each is turned into CSV text here, one line per
row of the sheet, so that the parser's ``FILE:LINE`` is the sheet's row number too. What would
read as something else is refused by cell: a formula never calculated (no value stored), a
line break inside a cell (a list of peers one per line would read as one name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from .a1 import a1

# Raised by the caller's own error class: (path, line, message); the roster's and the status'
# errors both name file and line.
Refuse = Callable[[str, int, str], Exception]

# whose rows to delete when hidden rows were not meant to be read, per kind of table
_NOT_MEANT = {"roster": "of anyone not to render",
              "manifest": "of tabs not handed out (status would count them missing)"}

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # .xls, and an encrypted .xlsx


_SEP_LINE = ("sep=,", "sep=;", "sep=\t", "sep=|")


def csv_delimiter(text: str) -> tuple[str, str]:
    """The delimiter of a table of people's CSV text and the text to parse: ``,`` as written,
    or ``;`` or a tab when the first line uses more of those (saved by a spreadsheet where
    ``;`` is the list separator, or as tab-separated text), or what a ``sep=;`` first line
    says (written by tools whose CSV is meant for Excel, which reads that line and hides it).
    That line is left blank, not dropped, so that every line keeps its number."""
    first, nl, rest = text.partition("\n")
    if first.rstrip("\r").strip('"').casefold() in _SEP_LINE:
        return first.rstrip("\r").strip('"')[4], nl + rest
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return (best if counts[best] else ","), text


def people_text(path: str | Path, refuse: Refuse, not_utf8: Callable[[Path], tuple[int, str]],
                notes: list[tuple[int, str]] | None = None, what: str = "roster") -> str:
    """The CSV text of the table at ``path``: a CSV or tab-separated text file (UTF-8 with or
    without a byte-order mark, or UTF-16 with one), or the sheet of an .xlsx or .ods that
    has a ``person`` column. ``refuse(path, line, message)`` makes the error raised."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise refuse(str(path), 1, "no such file") from None
    except OSError as e:
        raise refuse(str(path), 1, e.strerror or str(e)) from None
    if raw.startswith(_ZIP):
        if p.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
            return _sheet_text(p, refuse, notes if notes is not None else [], what)
        raise refuse(str(path), 1, f"a spreadsheet file (zipped), not {p.suffix or 'CSV'} "
                                   "text: give it under its own name (.xlsx or .ods), or save "
                                   f"the {what} as \"CSV UTF-8 (Comma delimited)\"")
    if raw.startswith(_OLE):
        raise refuse(str(path), 1, "an .xls workbook (or a password-protected one): save the "
                                   f"{what} as .xlsx (without a password) or as \"CSV UTF-8 "
                                   "(Comma delimited)\"")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": UTF-16, tabs
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise refuse(str(path), 1, "not UTF-16 text, although it starts as such: save the "
                                       f"{what} as \"CSV UTF-8 (Comma delimited)\"") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(str(path), *not_utf8(p)) from None


def _has_person_column(cells: dict[tuple[int, int], str]) -> bool:
    """Whether the first row holding anything names a ``person`` column."""
    if not cells:
        return False
    first = min(r for r, _ in cells)
    return any(r == first and v.strip().casefold() == "person" for (r, _), v in cells.items())


def _sheet_text(path: Path, refuse: Refuse, notes: list[tuple[int, str]], what: str) -> str:
    """The CSV text of the sheet of an .xlsx or .ods whose first row has a ``person`` column,
    read by the importer's reader (the defences against hostile files included)."""
    from .importer.tables import ImportFailed, read_tables

    try:
        tables = read_tables(str(path))
    except ImportFailed as e:
        reason = str(e).removeprefix(f"{path}: ")
        raise refuse(str(path), 1, f"{reason}; or save the {what} as \"CSV UTF-8 (Comma "
                                   "delimited)\"") from None
    with_people = [t for t in tables if _has_person_column(t.cells)]
    if len(with_people) != 1:
        sheets = ", ".join(repr(t.name) for t in tables)
        why = ("no sheet has" if not with_people else
               f"{len(with_people)} sheets ({', '.join(repr(t.name) for t in with_people)}) have")
        raise refuse(str(path), 1, f"{why} a 'person' column in its first row (sheets: "
                                   f"{sheets}); the {what} is the one sheet whose first row "
                                   "names its columns, one of them 'person'")
    table = with_people[0]
    for r, c in sorted(table.uncomputed):
        raise refuse(str(path), r + 1, f"sheet {table.name!r} cell {a1(r, c)} holds a formula "
                                       f"with no value stored: open the {what} in Excel or "
                                       "LibreOffice and save it, so that its values are "
                                       "stored, or save it as \"CSV UTF-8 (Comma delimited)\"")
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), v in table.cells.items():
        by_row.setdefault(r, {})[c] = v
    last_row = max(by_row, default=-1)
    header = min(by_row, default=-1)
    hidden = sorted(r for r in table.hidden_rows if r in by_row and r != header)
    if hidden:
        rows = ", ".join(str(r + 1) for r in hidden[:10]) + (", …" if len(hidden) > 10 else "")
        notes.append((hidden[0] + 1, f"row(s) {rows} of sheet {table.name!r} are hidden (a "
                                     "filter?) and are read like the others: delete the rows "
                                     f"{_NOT_MEANT.get(what, 'not meant')}"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for r in range(last_row + 1):
        row = by_row.get(r, {})
        for c, v in sorted(row.items()):
            if "\n" in v or "\r" in v:
                raise refuse(str(path), r + 1, f"sheet {table.name!r} cell {a1(r, c)} holds a "
                                               "line break: write one value per cell, and a "
                                               "list (managers, peers, their emails) on one "
                                               "line, separated by ';'")
        writer.writerow([row.get(c, "") for c in range(max(row, default=-1) + 1)])
    return out.getvalue()
