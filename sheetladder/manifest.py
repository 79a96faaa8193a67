"""The manifest of a cycle: every rater tab handed out, to whom, and in which file or sheet.

``render --roster`` (and ``publish --roster``) write one next to the files, so that ``status``
and ``collect`` know what is expected back: one row per rater tab of each person and period,
with the rater's role, name and email, and the target holding the tab — a file name relative to
the manifest's folder, or a Google Sheet's link.

It is a CSV (UTF-8, a header row, columns in any order; read on ``,``, or on ``;`` or tab when
its header uses that) so that ops can read and edit it in a spreadsheet. Text is written so
that a spreadsheet never runs it as a formula: a value beginning with ``=``, ``+``, ``-``,
``@``, tab, carriage return or ``'`` gets one leading ``'``, which :func:`read_manifest` takes
off again (so every value reads back exactly as written).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import BadInput
from .people_file import csv_delimiter
from .period import calendar_hint, period_or_none

MANIFEST_NAME = "manifest.csv"
_MONTH_FORM = re.compile(r"[0-9]{4}[-/ ]?[0-9]{1,2}")
COLUMNS = ("person", "period", "tab", "role", "rater", "email", "target", "team")
REQUIRED = ("person", "tab", "role", "target")  # columns every manifest has
FILLED = ("person", "tab", "role")  # values every row has (an empty target: not made yet)
_ESCAPED = ("=", "+", "-", "@", "\t", "\r", "'")


class ManifestError(BadInput):
    """A manifest that cannot be read: ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class ManifestRow(BaseModel):
    """One rater tab handed out: whose assessment, which tab, which rater, where it lives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person: str
    period: str | None = None
    tab: str
    role: str
    rater: str | None = None  # the rater's name; None for an unnamed tab (Peer 1)
    email: str | None = None  # the rater's email
    target: str = ""  # file name relative to the manifest's folder, or a Google Sheet link;
    # empty while the tab's file or sheet is not made yet (a roster publish cut short)
    team: str | None = None  # the person's team

    def key(self) -> tuple[str, str | None, str]:
        """What identifies a row: one person's tab in one period."""
        return (*self.assessment(), self.tab.casefold())

    def assessment(self) -> tuple[str, str | None]:
        """The assessment a row belongs to: one person in one period."""
        return (" ".join(self.person.split()).casefold(), self.period)


def _escape(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_ESCAPED) else value


def _unescape(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def manifest_text(rows: Iterable[ManifestRow]) -> str:
    """The manifest's CSV text (every value quoted, CRLF line ends as spreadsheets expect)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        data = r.model_dump()
        w.writerow([_escape(data[c]) for c in COLUMNS])
    return buf.getvalue()


def write_manifest(path: str | Path, rows: Sequence[ManifestRow]) -> Path:
    """Write ``rows`` as the manifest at ``path``, replacing it whole (via a temporary file, so
    a crash never leaves half a manifest). Use :func:`merge_rows` first to keep earlier rows."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(manifest_text(rows), encoding="utf-8", newline="")
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def parse_manifest(text: str, path: str = "<manifest>") -> list[ManifestRow]:
    """Rows of manifest CSV text; any bad row is an error naming its line. The delimiter is
    ``,`` as written, or ``;`` or a tab when the header row uses that instead (the manifest
    opened in a spreadsheet and saved again where ``;`` is the list separator)."""
    delimiter, text = csv_delimiter(text.lstrip("\ufeff"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    head = 1  # the header's line: after blank lines (the one a 'sep=;' line leaves)
    try:
        header = next(reader, None)
        while header == []:
            head = reader.line_num + 1
            header = next(reader, None)
    except csv.Error as e:
        raise ManifestError(path, head, f"not readable as CSV: {e}") from None
    if header is None:
        raise ManifestError(path, 1, "the manifest is empty")
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ManifestError(path, head, f"the header lacks column(s) {', '.join(missing)} "
                                        f"(a manifest has {', '.join(COLUMNS)})")
    unknown = [h for h in names if h and h not in COLUMNS]
    if unknown:
        raise ManifestError(path, head, f"unknown column(s) {', '.join(unknown)} "
                                        f"(a manifest has {', '.join(COLUMNS)})")
    rows: list[ManifestRow] = []
    seen: dict[tuple[str, str | None, str], int] = {}
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise ManifestError(path, line, f"not readable as CSV: {e}") from None
        if not any(c.strip() for c in record):
            continue
        if len(record) > len(names):
            raise ManifestError(path, line, f"{len(record)} cells but the header has {len(names)}")
        values = {n: _unescape(v.strip()) for n, v in zip(names, record, strict=False) if n}
        empty = [c for c in FILLED if not values.get(c)]
        if empty:
            raise ManifestError(path, line, f"empty {', '.join(empty)}")
        if values.get("period"):
            # a period typed by hand in another spelling ('Q4 2026'), canonical as render
            # writes it: else it is a period of its own that the history holds nothing of. A
            # label of an organisation's scheme (FY27-H1) is no calendar period and is kept.
            found = period_or_none(values["period"])
            wrong = calendar_hint(values["period"]) if found is None else None
            if wrong is not None and not _MONTH_FORM.fullmatch(values["period"].strip()):
                # 2026-Q5, 2026-H3, a date: a typo, no organisation's label. A month's form
                # past 12 (2026-13) is kept: a 13-period fiscal scheme's label, of a ladder
                # that predates the refusal of such schemes (status then says what is held)
                raise ManifestError(path, line, f"period {values['period']!r}: {wrong}")
            if found is not None:
                values["period"] = found.label
        try:
            row = ManifestRow.model_validate(
                {k: (v if k == "target" else v or None) for k, v in values.items()})
        except ValidationError as e:
            raise ManifestError(path, line, str(e.errors()[0]["msg"])) from None
        if row.key() in seen:
            raise ManifestError(path, line, f"{row.person}, {row.period or 'no period'}, tab "
                                            f"{row.tab!r} is already listed on line "
                                            f"{seen[row.key()]}")
        seen[row.key()] = line
        rows.append(row)
    return rows


def not_utf8(path: str | Path) -> tuple[int, str]:
    """Where a CSV file that is not UTF-8 first breaks, and how to fix it: ``(line, message)``,
    the line 1-based, the column in characters. (The error ``read_text`` raises counts from
    the start of a buffer, not of the file, so the file's bytes are decoded again here.)"""
    raw = Path(path).read_bytes()
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        # lines end as when the text is read: at LF, CR LF or a lone CR
        line = 1 + sum(body.count(end, 0, e.start) for end in (b"\n", b"\r")) \
            - body.count(b"\r\n", 0, e.start)
        start = max(body.rfind(b"\n", 0, e.start), body.rfind(b"\r", 0, e.start)) + 1
        column = len(body[start:e.start].decode("utf-8")) + 1
        return line, (f"not UTF-8 text: byte 0x{body[e.start]:02X} at column {column} "
                      f"({e.reason}); a spreadsheet saved it in another encoding (Excel's plain "
                      "\"CSV\" is Windows-1252): save it as \"CSV UTF-8 (Comma delimited)\", "
                      "or convert it, e.g. iconv -f cp1252 -t utf-8")
    return 1, "not UTF-8 text"  # read_text failed but the bytes decode: changed while read


def read_manifest(path: str | Path, notes: list[tuple[int, str]] | None = None
                  ) -> list[ManifestRow]:
    """The rows of the manifest at ``path``: as written (UTF-8), or as a spreadsheet saved it
    after someone opened it there (UTF-16 text, an .xlsx or .ods: :func:`people_file.people_text`).
    ``notes`` gets ``(line, message)`` for what is read but warned of, as a roster's is: rows of
    an .xlsx or .ods hidden by a filter, which are read like the others."""
    from .people_file import people_text

    return parse_manifest(people_text(path, ManifestError, not_utf8, notes, what="manifest"),
                          str(path))


def merge_rows(old: Iterable[ManifestRow], new: Iterable[ManifestRow]) -> list[ManifestRow]:
    """``old`` with ``new`` added; a new row replaces the old one of the same person, period
    and tab (a re-render), in place, so a late addition never drops earlier people."""
    fresh = {r.key(): r for r in new}
    out = [fresh.pop(r.key(), r) for r in old]
    return out + list(fresh.values())


def replace_assessments(old: Iterable[ManifestRow], new: Iterable[ManifestRow]
                        ) -> list[ManifestRow]:
    """``old`` with the assessments of ``new`` (person and period) replaced whole: every old
    row of a person and period that ``new`` has is dropped for ``new``'s rows of it, put where
    the first of them was. So a workbook rendered again for other raters leaves no row of a
    tab it no longer has; the rows of other people and periods are kept as they were."""
    fresh: dict[tuple[str, str | None], list[ManifestRow]] = {}
    for r in new:
        fresh.setdefault(r.assessment(), []).append(r)
    out: list[ManifestRow] = []
    placed: set[tuple[str, str | None]] = set()
    for r in old:
        key = r.assessment()
        if key not in fresh:
            out.append(r)
        elif key not in placed:
            out.extend(fresh[key])
            placed.add(key)
    return out + [r for key, rows in fresh.items() if key not in placed for r in rows]


def update_manifest(path: str | Path, rows: Sequence[ManifestRow]) -> Path:
    """Write the assessments of ``rows`` into the manifest at ``path`` (created when missing):
    each replaces the rows its person and period had (:func:`replace_assessments`), and the
    rows of everyone else are kept. Written whole via a temporary file (:func:`write_manifest`)."""
    p = Path(path)
    old = read_manifest(p) if p.exists() else []
    return write_manifest(p, replace_assessments(old, rows))


def target_path(manifest: str | Path, row: ManifestRow) -> Path | None:
    """The file a row names, resolved against the manifest's folder; None for a link, or for a
    tab not made yet."""
    if not row.target or "://" in row.target:
        return None
    t = Path(row.target)
    return t if t.is_absolute() else Path(manifest).parent / t


def handed_out(manifests: Sequence[str | Path], beside: Sequence[str | Path] = ()
               ) -> dict[str, tuple[str, str]]:
    """Each file the manifests list (by the name it keeps, :func:`file_key`) with the person
    it was handed out for and the manifest that says so: a copy of another person's workbook
    saved over it is refused by collect, where it would be taken as that other person's.
    ``beside``: files given one by one, whose folder's manifest (when it has a readable one)
    says whose they are too: collected alone, Ben's file holding Ana's workbook would replace
    Ana's ratings."""
    found: dict[Path, list[ManifestRow]] = {Path(m): read_manifest(m) for m in manifests}
    for f in beside:
        near = Path(f).parent / MANIFEST_NAME
        if Path(f).is_file() and near.is_file() and near not in found:
            try:
                found[near] = read_manifest(near)
            except ManifestError:
                continue  # not the cycle's manifest given: only ever a further check
    out: dict[str, tuple[str, str]] = {}
    for m, rows in found.items():
        for row in rows:
            target = target_path(m, row)
            if target is not None:
                out.setdefault(file_key(target), (row.person, str(m)))
    return out


# what is added to the name of a copy: a browser's or a mail program's second download
# (`` (1)``, ``[1]``), Windows Explorer's `` - Copy`` (`` - Copy (2)``, and as Windows says it
# in German, French, Spanish, Portuguese, Italian, Polish and Dutch), macOS Finder's `` copy``
# (`` copy 2``), and Google Drive's ``Copy of `` in front
_COPY_WORD = r"(?:copy|kopie|copie|copia|cópia|kopia)"
_COPY_SUFFIX = re.compile(
    rf"(?:\s*\(\d+\)|\s*\[\d+\]|\s+-\s+{_COPY_WORD}(?:\s*\(\d+\))?|\s+{_COPY_WORD}(?:\s+\d+)?)$")
_COPY_PREFIX = re.compile(r"^(?:copy(?:\s+\(\d+\))?\s+of|kopie von|copie de|copia de|copia di)\s+")


def file_stem(path: str | Path) -> str:
    """A file's name without the folder, the extension, case, and what is added to a copy's
    name (a browser's `` (1)`` for a second download, `` - Copy``, `` copy 2``, ``Copy of``):
    what a rater keeps of the name of a file handed out, as they typed it otherwise."""
    stem = PurePath(str(path).replace("\\", "/")).stem.casefold().strip()
    while True:
        cut = _COPY_PREFIX.sub("", _COPY_SUFFIX.sub("", stem)).strip()
        if cut == stem or not cut:
            return stem
        stem = cut


def file_key(path: str | Path) -> str:
    """The name a file handed out keeps wherever its rater saves it (:func:`file_stem`), its
    spaces and underscores taken as the hyphens render writes (``Ben Ortiz 2026-Q4``,
    ``ben_ortiz_2026_q4``). Returns come back by mail into another folder than the one
    rendered, and a copy of Ana's workbook saved as ``ben-ortiz-2026-q4 - Copy.xlsx`` is Ben's
    file as much as ``ben-ortiz-2026-q4 (1).xlsx`` is."""
    return re.sub(r"[\s_]+", "-", file_stem(path))
