"""Verify a filled workbook: compare its Grid with the plan rebuilt from its own hidden sheet.

The workbook carries everything needed to check it: the hidden ``_sheetladder`` sheet holds the
ladder and the assessment context, so the exact plan the file was made from can be rebuilt and
every sheet, formula and label compared with it. Ratings are validated and normalised, and the
scores are recomputed with the scoring rule; nothing the file computed is trusted.

Decisions worth knowing:

* **Harmless differences are not findings.** Formulas are compared after normalisation
  (:func:`canonical_formula`): ``_xlfn.``/``_xlws.`` prefixes, spaces, case outside string
  literals, quoting of sheet names, ``$`` anchors, a sheet prefix naming the formula's own sheet
  and the spelling of numbers are ignored. Shared formulas arrive expanded from the reader. A very
  hidden sheet saved as merely hidden (LibreOffice does this) is fine.
* **Stored results never decide anything.** The report is computed from the ratings. A formula
  that is intact but stores a different result is a *warning* (the file was saved without
  recalculating, e.g. by a script, or its stored results were edited outside a spreadsheet
  application), because the outcome cannot depend on it. Changing a formula or replacing it by a
  typed value is an *error*.
* A rating the spreadsheet itself cannot read (``3`` instead of ``S3``, or an invalid level) makes
  the workbook's own formulas show ``#N/A``; the rating is reported once, and stored results that
  depend on it are not compared, so one typing mistake is never reported twice.
* Rows inserted or deleted are found by aligning the rows' labels with the plan, reported once,
  and then allowed for: cells are compared at their new place and formula references are shifted
  the way a spreadsheet shifts them, so one inserted row does not turn into a hundred findings.
* Copies of one assessment are merged tab by tab (:func:`merge`); two copies holding different
  ratings on one tab are an error finding, and the first copy's ratings are used.
* The hash on the hidden sheet detects edits made by hand, not by someone who recomputes it: it
  is a checksum, not a signature.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from . import scoring
from .definition import FORMAT_VERSION, Ladder, from_json
from .grid import CellValue, Grid, GridCell, SheetGrid, UnreadableWorkbook
from .plan import (
    GUIDE_SHEET,
    META_SHEET,
    PLAN_VERSION,
    Cell,
    Context,
    SheetPlan,
    WorkbookPlan,
    a1,
    build_plan,
)
from .report import Finding, LadderRef, Report, Severity
from .scoring import RaterInput

MAX_CELL_FINDINGS = 12  # per sheet; the rest are counted in one finding
MAX_CELL_TEXT = 32767  # what an .xlsx cell holds; longer text is cut when it is written
_SHORT = 70

# -- formula normalisation -------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<str>"(?:[^"]|"")*"?)
    |(?P<qsheet>'(?:[^']|'')*'!)
    |(?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!))
    |(?P<ws>\s+)
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.$]))
    |(?P<word>[\w.$\\?]+)
    |(?P<op>.)
    """,
    re.X | re.S,
)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_PREFIXES = ("_XLFN.", "_XLWS.")

RowMap = Callable[[int, str], int | None]  # (0-based row, "start"|"end"|"one") -> row or None


def _num_text(text: str) -> str:
    x = float(text)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def canonical_formula(
    formula: str,
    here: str,
    aliases: Mapping[str, str] | None = None,
    row_maps: Mapping[str, RowMap] | None = None,
) -> str:
    """A spelling of ``formula`` (on sheet ``here``) that ignores what applications change.

    ``aliases`` maps sheet names (casefolded) to the names to compare under, e.g. a renamed tab
    to its planned name. ``row_maps`` maps a sheet (casefolded) to a function moving a planned
    row to where it is now, so references follow inserted or deleted rows.
    """
    if not aliases and not row_maps:
        return _canonical_cached(formula, here)
    return _canonical(formula, here, aliases or {}, row_maps)


@functools.lru_cache(maxsize=20000)
def _canonical_cached(formula: str, here: str) -> str:
    return _canonical(formula, here, {}, None)


@functools.lru_cache(maxsize=20000)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((m.lastgroup or "op", m.group()) for m in _TOKEN.finditer(text)
                 if m.lastgroup != "ws")


def _canonical(formula: str, here: str, aliases: Mapping[str, str],
               row_maps: Mapping[str, RowMap] | None) -> str:
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    here_k = here.casefold()
    out: list[str] = []
    pending: str | None = None  # a sheet prefix waiting for its reference
    last_sheet: str | None = None  # sheet of the reference just before
    prev_ref = False  # the previous token was a reference
    range_end = False  # the previous tokens were "reference :"
    toks = _tokens(text)
    n = len(toks)
    skip_bang = False
    for idx, (kind, tok) in enumerate(toks):
        if skip_bang and tok == "!":
            skip_bang = False
            continue
        if kind == "qsheet":
            name = tok[1:-2].replace("''", "'").casefold()
            pending = aliases.get(name, name)
            continue
        nxt = toks[idx + 1][1] if idx + 1 < n else None
        if kind == "word" and nxt == "!":
            name = tok.casefold()
            pending = aliases.get(name, name)
            skip_bang = True
            continue
        if kind == "word" and nxt != "(" and (rm := _REF.match(tok)):
            if pending is not None:
                sheet = pending
            elif range_end and last_sheet is not None:
                sheet = last_sheet
            else:
                sheet = here_k
            row = int(rm.group(2)) - 1
            mapped: int | None = row
            if row_maps and sheet in row_maps:
                side = "end" if range_end else ("start" if nxt == ":" else "one")
                mapped = row_maps[sheet](row, side)
            if mapped is None:
                out.append("#REF!")
            else:
                same = sheet == here_k or (range_end and sheet == last_sheet)
                prefix = "" if same else f"'{sheet}'!"
                out.append(f"{prefix}{rm.group(1).upper()}{mapped + 1}")
            last_sheet = sheet
            pending, prev_ref, range_end = None, True, False
            continue
        if kind == "str":
            piece = tok
        elif kind == "num":
            piece = _num_text(tok)
        elif kind == "word":
            piece = tok.upper()
            if nxt == "(":
                stripped = True
                while stripped:
                    stripped = False
                    for p in _PREFIXES:
                        if piece.startswith(p):
                            piece = piece[len(p):]
                            stripped = True
            elif pending is not None and pending != here_k:
                piece = f"'{pending}'!{piece}"
        else:  # an error literal or an operator
            piece = tok.upper()
        range_end = kind == "op" and tok == ":" and prev_ref
        pending, prev_ref = None, False
        out.append(piece)
    return "".join(out)


# -- ratings -----------------------------------------------------------------------------------

RatingStatus = Literal["blank", "exact", "normalised", "invalid"]


@dataclass(frozen=True)
class RatingParse:
    """How a rating cell reads: the level (1-based) or None, and what it took to read it.

    ``sheet_reads_it`` says whether the workbook's own formula (MATCH of TRIM, case-insensitive)
    finds the same level, i.e. whether the file's stored results can be compared.
    """

    level: int | None
    status: RatingStatus
    sheet_reads_it: bool
    message: str | None = None


def _sheet_trim(s: str) -> str:
    """Spreadsheet TRIM: ASCII spaces stripped at the ends and collapsed inside."""
    return " ".join(part for part in s.split(" ") if part)


def _shown(value: CellValue) -> str:
    if isinstance(value, float):
        return _num_text(repr(value)) if math.isfinite(value) else str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


_EXACT: dict[int, tuple[Ladder, dict[str, RatingParse]]] = {}


def _exact_ratings(ladder: Ladder) -> dict[str, RatingParse]:
    """Level code -> its reading, per ladder object: most rating cells hold a code as picked."""
    got = _EXACT.get(id(ladder))
    if got is None or got[0] is not ladder:
        if len(_EXACT) >= 64:
            _EXACT.clear()
        got = _EXACT[id(ladder)] = (ladder, {
            code: RatingParse(i, "exact", True) for i, code in enumerate(ladder.codes, start=1)})
    return got[1]


def parse_rating(value: CellValue, ladder: Ladder, error: str | None = None) -> RatingParse:
    """Read a rating cell: a level code, or a common typing of one (``s3``, `` S3 ``, ``3``, the
    level's name) with a warning; anything else is invalid."""
    if type(value) is str and error is None:
        exact = _exact_ratings(ladder).get(value)
        if exact is not None:
            return exact
    codes = ladder.codes
    span = f"{codes[0]}–{codes[-1]}" if len(codes) > 1 else codes[0]
    if error is not None:
        return RatingParse(None, "invalid", False,
                           f"'{error}' is not a level of this ladder ({span})")
    if value is None or (isinstance(value, str) and not value.strip()):
        return RatingParse(None, "blank", True)
    shown = _shown(value)
    invalid = RatingParse(None, "invalid", False, f"'{shown}' is not a level of this ladder ({span})")
    if isinstance(value, bool):
        return invalid
    by_fold = {c.casefold(): i for i, c in enumerate(codes, start=1)}
    sheet_level = by_fold.get(_sheet_trim(shown).casefold()) if isinstance(value, str) else None
    if isinstance(value, str) and value in codes:
        return RatingParse(codes.index(value) + 1, "exact", True)
    level: int | None = None
    if isinstance(value, float):
        if value.is_integer() and 1 <= value <= len(codes):
            level = int(value)
    else:
        s = " ".join(value.replace("\u00a0", " ").split())
        fold = s.casefold()
        if fold in by_fold:
            level = by_fold[fold]
        elif re.fullmatch(r"\d+(\.0+)?", s):
            n = int(float(s))
            level = n if 1 <= n <= len(codes) else None
        else:
            named = [i for i, lv in enumerate(ladder.levels, start=1)
                     if " ".join(lv.name.split()).casefold() == fold]
            if not named:
                # "S3 Mid Sales Executive", "S3 - Mid Sales Executive"
                m = re.match(r"^(\S+?)\s*[-–—:]?\s+(.+)$", s)
                if m and m.group(1).casefold() in by_fold:
                    i = by_fold[m.group(1).casefold()]
                    if " ".join(ladder.levels[i - 1].name.split()).casefold() == m.group(2).casefold():
                        named = [i]
            if len(named) > 1:
                listed = ", ".join(codes[i - 1] for i in named)
                return RatingParse(None, "invalid", False,
                                   f"'{shown}' is the name of several levels ({listed}); "
                                   "pick one of them from the list")
            if named:
                level = named[0]
    if level is None:
        return invalid
    code = codes[level - 1]
    if sheet_level == level:
        return RatingParse(level, "normalised", True, f"'{shown}' read as {code}")
    return RatingParse(level, "normalised", False,
                       f"'{shown}' read as {code}; the workbook's own formulas show #N/A for this "
                       f"row until {code} is picked from the list")


# -- the result of verifying one file ------------------------------------------------------------


@dataclass
class Verified:
    """A report plus what merging copies needs: the ladder, the context, the tabs read."""

    report: Report
    ladder: Ladder
    context: Context
    tabs_present: set[str] = field(default_factory=set)
    inputs: dict[str, RaterInput] = field(default_factory=dict)


class _Findings:
    """Findings of one file, with a cap on cell-level findings per sheet."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._per_sheet: dict[str, int] = {}

    def add(self, severity: Severity, sheet: str | None, cell: str | None, message: str) -> None:
        self.items.append(Finding(severity=severity, sheet=sheet, cell=cell, message=message))

    def cell(self, severity: Severity, sheet: str, cell: str, message: str) -> None:
        n = self._per_sheet.get(sheet, 0) + 1
        self._per_sheet[sheet] = n
        if n <= MAX_CELL_FINDINGS:
            self.add(severity, sheet, cell, message)

    def close(self) -> list[Finding]:
        for sheet, n in self._per_sheet.items():
            if n > MAX_CELL_FINDINGS:
                self.add("error", sheet, None,
                         f"and {n - MAX_CELL_FINDINGS} more cell(s) differ from the workbook as made")
        return self.items


def _short(s: str, n: int = _SHORT) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


# -- the hidden sheet ----------------------------------------------------------------------------


def _find_meta(grid: Grid, found: _Findings) -> SheetGrid:
    sg = grid.sheets.get(META_SHEET)
    if sg is not None:
        if sg.visibility == "visible":
            found.add("warning", META_SHEET, None,
                      "the hidden sheet has been made visible (its content is still checked)")
        return sg
    for name, candidate in grid.sheets.items():
        if name.casefold() == META_SHEET.casefold() or (
            candidate.get(0, 0).value == "generator" and candidate.get(0, 1).value == "sheetladder"
        ):
            found.add("error", name, None,
                      f"the hidden {META_SHEET} sheet was renamed to {name!r}")
            return candidate
    tabs = ", ".join(repr(n) for n in grid.names[:8]) + (", …" if len(grid.names) > 8 else "")
    raise UnreadableWorkbook(
        grid.source,
        f"not a sheetladder workbook: it has no hidden {META_SHEET} sheet (tabs: {tabs or 'none'})",
    )


def _meta_text(cell: GridCell) -> str:
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, float):
        return _num_text(repr(v))
    return str(v)


def _read_meta(grid: Grid, sg: SheetGrid, found: _Findings) -> tuple[dict[str, str], dict[str, str]]:
    """Key -> reassembled value (``key+`` rows continue a value), and key -> cell of its value."""
    values: dict[str, list[str]] = {}
    cells: dict[str, str] = {}
    last: str | None = None
    for r in range(sg.max_row + 1):
        key = _meta_text(sg.get(r, 0))
        if not key:
            continue
        val = _meta_text(sg.get(r, 1))
        if key.endswith("+"):
            base = key[:-1]
            if base != last:
                found.add("error", sg.name, a1(r, 0),
                          f"the hidden sheet is damaged: continuation row {key!r} does not follow {base!r}")
                continue
            values[base].append(val)
        else:
            if key in values:
                found.add("error", sg.name, a1(r, 0), f"the hidden sheet repeats the key {key!r}")
            values[key] = [val]
            cells[key] = a1(r, 1)
            last = key
    return {k: "".join(v) for k, v in values.items()}, cells


def _rebuild(grid: Grid, meta_sheet: SheetGrid, found: _Findings) -> tuple[Ladder, Context]:
    meta, cells = _read_meta(grid, meta_sheet, found)
    name = meta_sheet.name
    if meta.get("generator") != "sheetladder":
        raise UnreadableWorkbook(grid.source, f"not a sheetladder workbook: its {name} sheet does not "
                                              "name sheetladder as generator")
    fv = meta.get("format_version", "")
    pv = meta.get("plan_version", "")
    if fv != str(FORMAT_VERSION) or pv != str(PLAN_VERSION):
        raise UnreadableWorkbook(
            grid.source,
            f"made by another sheetladder version (format {fv or '?'}, layout {pv or '?'}); this "
            f"version reads format {FORMAT_VERSION}, layout {PLAN_VERSION}",
        )
    ladder_json = meta.get("ladder", "")
    ctx_json = meta.get("context", "")
    digest = hashlib.sha256(f"{fv}\n{pv}\n{ladder_json}\n{ctx_json}".encode()).hexdigest()
    if meta.get("hash") != digest:
        found.add("error", name, cells.get("hash"),
                  "the hidden sheet was edited: its content does not match its hash")
    ladder_digest = hashlib.sha256(ladder_json.encode("utf-8")).hexdigest()
    if meta.get("ladder_hash") != ladder_digest:
        found.add("error", name, cells.get("ladder_hash"),
                  "the hidden sheet was edited: the ladder does not match its hash")
    try:
        ladder = ladder_from_json(ladder_json)
    except (ValidationError, ValueError) as e:
        raise UnreadableWorkbook(
            grid.source, f"the hidden {name} sheet is damaged: its ladder definition does not load "
                         f"({_short(str(e).splitlines()[0], 100)})") from None
    try:
        ctx = Context.model_validate_json(ctx_json)
    except (ValidationError, ValueError) as e:
        raise UnreadableWorkbook(
            grid.source, f"the hidden {name} sheet is damaged: its assessment context does not load "
                         f"({_short(str(e).splitlines()[0], 100)})") from None
    roles = {r.id for r in ladder.raters}
    bad = [s.role for s in ctx.raters if s.role not in roles]
    if bad or (ctx.split_tab is not None and ctx.split_tab not in ctx.tabs()):
        raise UnreadableWorkbook(grid.source, f"the hidden {name} sheet is damaged: its context names "
                                              "raters the ladder does not have")
    return ladder, ctx


_LADDERS: dict[str, Ladder] = {}  # canonical JSON -> the ladder: a batch embeds a few ladders


def ladder_from_json(text: str) -> Ladder:
    """The ladder a workbook embeds, validated once per distinct JSON (ladders are frozen, so
    one object serves every file that embeds the same text)."""
    ladder = _LADDERS.get(text)
    if ladder is None:
        ladder = from_json(text)
        if len(_LADDERS) >= 32:
            _LADDERS.clear()
        _LADDERS[text] = ladder
    return ladder


def _ladder_facts(ladder: Ladder) -> tuple[str, str]:
    """(canonical JSON, content hash) of a ladder (each computed once per ladder object)."""
    return ladder.canonical_json(), ladder.content_hash()


# -- sheets: pairing and row alignment ------------------------------------------------------------


def _key(v: CellValue) -> object:
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, float):
        return round(v, 9)
    if isinstance(v, str):
        return " ".join(v.split()).casefold()
    return v


def _empty(v: CellValue) -> bool:
    return v is None or (isinstance(v, str) and v == "")


def _labels(sp: SheetPlan) -> dict[int, list[tuple[int, object]]]:
    """Per row, the fixed text and numbers that identify it (not in columns people type in)."""
    typed_cols = {c.col for c in sp.cells if c.kind == "input"}
    rows: dict[int, list[tuple[int, object]]] = {}
    for c in sp.cells:
        if c.kind in ("text", "number") and not _empty(c.value) and c.col not in typed_cols:
            rows.setdefault(c.row, []).append((c.col, _key(c.value)))
    return rows


def _similarity(sp: SheetPlan, sg: SheetGrid) -> float:
    texts = [c for c in sp.cells if c.kind == "text" and not _empty(c.value)][:60]
    if not texts:
        return 0.0
    same = sum(1 for c in texts if _key(sg.get(c.row, c.col).value) == _key(c.value))
    return same / len(texts)


def _pair_sheets(plan: WorkbookPlan, grid: Grid, meta_name: str,
                 found: _Findings) -> dict[str, str]:
    """Planned sheet name -> the grid sheet holding it (renamed tabs found by their content)."""
    expected = [s for s in plan.sheets if s.role != "meta"]
    pairs: dict[str, str] = {}
    free = [n for n in grid.names if n != meta_name]
    for sp in expected:
        if sp.name in free:
            pairs[sp.name] = sp.name
            free.remove(sp.name)
    for sp in expected:
        if sp.name in pairs:
            continue
        for n in free:
            if n.casefold() == sp.name.casefold():
                pairs[sp.name] = n
                free.remove(n)
                break
    candidates: list[tuple[float, int, int, str, str]] = []
    for i, sp in enumerate(expected):
        if sp.name in pairs:
            continue
        for j, n in enumerate(free):
            score = _similarity(sp, grid.sheets[n])
            if score >= 0.6:
                candidates.append((-score, i, j, sp.name, n))
    for _, _, _, ename, gname in sorted(candidates):
        if ename in pairs or gname not in free:
            continue
        pairs[ename] = gname
        free.remove(gname)
    for sp in expected:
        got_name = pairs.get(sp.name)
        if got_name is None:
            sev: Severity = "warning" if sp.name == GUIDE_SHEET else "error"
            found.add(sev, sp.name, None, f"tab {sp.name!r} is missing")
        elif got_name != sp.name:
            found.add("warning", got_name, None,
                      f"tab {sp.name!r} was renamed to {got_name!r}; it is read as {sp.name!r}")
    for n in free:
        found.add("warning", n, None, f"unexpected tab {n!r}: not part of the workbook as made; ignored")
    return pairs


@dataclass
class _Alignment:
    """Where each planned row of a sheet is now (None: deleted), and the rows inserted."""

    rows: dict[int, int | None]
    inserted: list[int]
    deleted: list[int]
    identity: bool

    def to_grid(self, row: int) -> int | None:
        if row in self.rows or self.identity:
            return self.rows.get(row, row)
        # beyond the planned rows: shifted like the last planned row that is still there
        for r in sorted(self.rows, reverse=True):
            got = self.rows[r]
            if got is not None:
                return row + (got - r)
        return row

    def row_map(self) -> RowMap:
        planned = sorted(self.rows)

        def move(row: int, side: str) -> int | None:
            g = self.to_grid(row)
            if g is not None or side == "one":
                return g
            seq = [r for r in planned if r > row] if side == "start" else \
                [r for r in reversed(planned) if r < row]
            for r in seq:
                got = self.rows[r]
                if got is not None:
                    return got
            return None

        return move


def _in_place(sp: SheetPlan, sg: SheetGrid) -> tuple[bool, int]:
    """Whether every row is where the plan has it: each label (as :func:`_labels` reads them)
    at its planned cell, and no other label-column content in the planned rows. The same answer
    as comparing :func:`_align`'s row keys, without computing a key per cell. Also the last
    planned row."""
    cells = sp.cells
    typed_cols = {c.col for c in cells if c.kind == "input"}
    last = max((c.row for c in cells), default=-1)
    get = sg.cells.get
    label_cols: set[int] = set()
    count = 0
    for c in cells:
        kind = c.kind
        if kind != "text" and kind != "number":
            continue
        value = c.value
        col = c.col
        if value is None or value == "" or col in typed_cols:
            continue
        cell = get((c.row, col))
        if cell is None or cell.formula is not None:
            return False, last
        got = cell.value
        if got is None or got == "":
            return False, last
        if not (type(got) is type(value) and got == value) and _key(got) != _key(value):
            return False, last
        label_cols.add(col)
        count += 1
    return count == sum(1 for (r, col), cell in sg.cells.items()
                        if r <= last and col in label_cols and cell.formula is None
                        and not _empty(cell.value)), last


def _align(sp: SheetPlan, sg: SheetGrid) -> _Alignment:
    same, last = _in_place(sp, sg)
    if same:
        return _Alignment({r: r for r in range(last + 1)}, [], [], True)
    labels = _labels(sp)
    last = max((c.row for c in sp.cells), default=-1)
    label_cols = {col for cells in labels.values() for col, _ in cells}
    exp = [tuple(sorted(labels.get(r, []))) for r in range(last + 1)]
    got: list[tuple[tuple[int, object], ...]] = []
    for r in range(max(sg.max_row, last) + 1):
        row: list[tuple[int, object]] = []
        for col in sorted(label_cols):
            cell = sg.cells.get((r, col))
            if cell is not None and cell.formula is None and not _empty(cell.value):
                row.append((col, _key(cell.value)))
        got.append(tuple(row))
    if got[: last + 1] == exp:
        return _Alignment({r: r for r in range(last + 1)}, [], [], True)
    rows: dict[int, int | None] = {}
    inserted: list[int] = []
    deleted: list[int] = []
    sm = difflib.SequenceMatcher(None, exp, got, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                rows[i1 + k] = j1 + k
        elif tag == "replace":
            k = min(i2 - i1, j2 - j1)
            for d in range(k):
                rows[i1 + d] = j1 + d
            for i in range(i1 + k, i2):
                rows[i] = None
                deleted.append(i)
            if i2 < len(exp):
                inserted.extend(range(j1 + k, j2))
        elif tag == "delete":
            for i in range(i1, i2):
                rows[i] = None
                deleted.append(i)
        elif tag == "insert" and i1 < len(exp):
            inserted.extend(range(j1, j2))
    # a planned blank row "deleted" next to an inserted blank row is just the same row moved
    return _Alignment(rows, inserted, deleted, False)


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _row_label(sp: SheetPlan, row: int) -> str:
    texts = [c for c in sp.cells if c.row == row and c.kind == "text" and not _empty(c.value)]
    if not texts:
        return "a blank row"
    best = texts[1] if len(texts) > 1 and sp.role == "rater" else texts[0]
    return repr(_short(str(best.value), 40))


def _report_rows(sp: SheetPlan, gname: str, al: _Alignment, found: _Findings) -> None:
    for a, b in _runs(al.inserted):
        what = f"row {a + 1} was inserted" if a == b else f"rows {a + 1}–{b + 1} were inserted"
        found.add("error", gname, f"A{a + 1}", what + " (not part of the workbook as made)")
    for a, b in _runs(al.deleted):
        if a == b:
            found.add("error", gname, f"A{a + 1}",
                      f"row {a + 1} of the workbook as made ({_row_label(sp, a)}) was deleted")
        else:
            found.add("error", gname, f"A{a + 1}",
                      f"rows {a + 1}–{b + 1} of the workbook as made were deleted")


# -- comparing cells ------------------------------------------------------------------------------


def same_value(expected: CellValue, got: CellValue) -> bool:
    """Stored values equal up to what saving changes: "" vs nothing, 15-digit numbers, CRLF."""
    if type(expected) is type(got) and expected == got:
        return True
    if _empty(expected) or _empty(got):
        return _empty(expected) and _empty(got)
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if isinstance(expected, (int, float)):
        return isinstance(got, float) and math.isclose(float(expected), got, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(got, str):
        return str(expected).replace("\r\n", "\n") == got.replace("\r\n", "\n")
    return False


def _fmt(v: CellValue | None, error: str | None = None) -> str:
    if error:
        return error
    if _empty(v):
        return "nothing"
    if isinstance(v, str):
        return repr(_short(v, 40))
    return _shown(v)


@dataclass
class _SheetCheck:
    grid: SheetGrid
    intact: list[tuple[Cell, tuple[int, int]]] = field(default_factory=list)  # formula cells


def _compare_sheet(sp: SheetPlan, sg: SheetGrid, al: _Alignment, aliases: Mapping[str, str],
                   row_maps: Mapping[str, RowMap] | None, found: _Findings) -> _SheetCheck:
    check = _SheetCheck(sg)
    sev: Severity = "warning" if sp.role == "guide" else "error"
    seen: set[tuple[int, int]] = set()
    get = sg.cells.get
    identity = al.identity
    # a formula spelled exactly as planned is intact whatever normalising would do, unless tabs
    # were renamed or rows moved (then references must be read through the aliases and moves)
    verbatim = not aliases and row_maps is None
    for c in sp.cells:
        grow = c.row if identity else al.to_grid(c.row)
        if grow is None:
            continue
        pos = (grow, c.col)
        seen.add(pos)
        kind = c.kind
        if kind == "input":
            continue
        got = get(pos, _NOTHING)
        if kind == "formula":
            want = c.formula or ""
            if verbatim and got.formula == want:
                check.intact.append((c, pos))
                continue
            if got.formula is None:
                if _empty(got.value) and got.error is None:
                    found.cell("error", sg.name, a1(*pos),
                               f"formula deleted (the workbook as made has ={_short(want)})")
                else:
                    found.cell("error", sg.name, a1(*pos),
                               f"formula replaced by a typed value {_fmt(got.value, got.error)} "
                               f"(the workbook as made has ={_short(want)})")
                continue
            exp_c = canonical_formula(want, sp.name, None, row_maps)
            got_c = canonical_formula(got.formula, sp.name, aliases)
            if exp_c != got_c:
                found.cell("error", sg.name, a1(*pos),
                           f"formula changed to ={_short(got.formula)} (the workbook as made has "
                           f"={_short(want)})")
                continue
            check.intact.append((c, pos))
            continue
        # text and numbers
        if got.formula is not None:
            found.cell(sev, sg.name, a1(*pos),
                       f"{_fmt(c.value)} replaced by a formula ={_short(got.formula)}")
            continue
        if kind == "number":
            if not same_value(c.value, got.value):
                found.cell(sev, sg.name, a1(*pos),
                           f"number changed from {_fmt(c.value)} to {_fmt(got.value, got.error)}")
            continue
        value = c.value
        if got.error is None and type(value) is str and value == got.value \
                and len(value) <= MAX_CELL_TEXT:
            continue  # the same text: nothing to normalise
        exp_text = ("" if value is None else str(value))[:MAX_CELL_TEXT]
        got_text = _shown(got.value) if got.error is None else got.error
        if exp_text.replace("\r\n", "\n") != got_text.replace("\r\n", "\n"):
            found.cell(sev, sg.name, a1(*pos),
                       f"text changed from {_fmt(exp_text)} to {_fmt(got_text)}")
    inserted = set(al.inserted)
    extra = sorted((r, col) for (r, col), cell in sg.cells.items()
                   if (r, col) not in seen and r not in inserted
                   and (cell.formula is not None or not _empty(cell.value) or cell.error))
    if extra:
        listed = ", ".join(a1(r, col) for r, col in extra[:5]) + (", …" if len(extra) > 5 else "")
        found.add("warning", sg.name, a1(*extra[0]),
                  f"content outside the workbook's layout in {listed} (ignored)")
    return check


_NOTHING = GridCell()


def _read_inputs(sp: SheetPlan, sg: SheetGrid, al: _Alignment, ladder: Ladder, slot_role: str,
                 slot_name: str | None, found: _Findings) -> tuple[RaterInput, bool]:
    """A rater tab's ratings and comments; also whether the sheet's own formulas read them alike."""
    levels: dict[str, int | None] = {}
    comments: dict[str, str] = {}
    sheet_ok = True
    for c in sp.cells:
        if c.kind != "input" or c.input_of is None:
            continue
        cid, what = c.input_of
        grow = al.to_grid(c.row)
        got = sg.get(grow, c.col) if grow is not None else GridCell()
        where = a1(grow if grow is not None else c.row, c.col)
        if what == "rating":
            if got.formula is not None:
                found.add("warning", sg.name, where,
                          f"the rating cell holds a formula ={_short(got.formula, 40)}; its result "
                          f"{_fmt(got.value, got.error)} is used")
            parsed = parse_rating(got.value, ladder, got.error)
            if parsed.status == "invalid":
                found.add("error", sg.name, where, parsed.message or "not a level")
            elif parsed.status == "normalised":
                found.add("warning", sg.name, where, parsed.message or "normalised")
            sheet_ok = sheet_ok and parsed.sheet_reads_it
            levels[cid] = parsed.level
        else:
            if got.formula is not None:
                found.add("warning", sg.name, where,
                          f"the comment cell holds a formula ={_short(got.formula, 40)}; its result "
                          "is used")
            text = got.error if got.error else _shown(got.value)
            if text.strip():
                comments[cid] = text
    return RaterInput(role=slot_role, name=slot_name, tab=sp.rater_tab or sp.name, levels=levels,
                      comments=comments), sheet_ok


def _compare_stored(plan1: WorkbookPlan, checks: Mapping[str, _SheetCheck],
                    consistent: Mapping[str, bool], found: _Findings) -> None:
    for sp in plan1.sheets:
        check = checks.get(sp.name)
        if check is None or not consistent.get(sp.name, False):
            continue
        values = {(c.row, c.col): c.value for c in sp.cells if c.kind == "formula"}
        missing: list[str] = []
        differ: list[tuple[str, str, str]] = []
        for c, pos in check.intact:
            want = values.get((c.row, c.col))
            cell = check.grid.get(*pos)
            if same_value(want, cell.value) and cell.error is None:
                continue
            where = a1(*pos)
            if _empty(cell.value) and cell.error is None:
                missing.append(where)
            else:
                differ.append((where, _fmt(cell.value, cell.error), _fmt(want)))
        n = len(missing) + len(differ)
        if not n:
            continue
        if differ:
            where, stored, want_s = differ[0]
            found.add("warning", check.grid.name, where,
                      f"{n} stored formula result(s) differ from what the ratings give (e.g. {where} "
                      f"stores {stored}, the ratings give {want_s}): the file was not recalculated "
                      "after editing, or its stored results were edited; the report uses the "
                      "recomputed results")
        else:
            found.add("warning", check.grid.name, missing[0],
                      f"{n} formula result(s) are not stored (the file was saved without "
                      "recalculating, e.g. by a script); the report uses the recomputed results")


# Where each rater tab's input cells are, per (ladder, raters' roles, split tab): learnt from the
# first plan of that shape, so that later files can be planned once, with their ratings.
_Places = list[tuple[int, int, int, str, str]]  # (slot index, row, col, category id, what)
_INPUT_PLACES: dict[tuple[str, tuple[str, ...], int | None], _Places] = {}


def _shape(ladder: Ladder, ctx: Context) -> tuple[str, tuple[str, ...], int | None]:
    split = ctx.tabs().index(ctx.split_tab) if ctx.split_tab is not None else None
    return _ladder_facts(ladder)[1], tuple(s.role for s in ctx.raters), split


def _learn_places(plan: WorkbookPlan, ctx: Context,
                  shape: tuple[str, tuple[str, ...], int | None]) -> None:
    if shape in _INPUT_PLACES:
        return
    tabs = ctx.tabs()
    places: _Places = []
    for sp in plan.sheets:
        if sp.role != "rater" or sp.rater_tab not in tabs:
            continue
        i = tabs.index(sp.rater_tab)
        for c in sp.cells:
            if c.kind == "input" and c.input_of is not None:
                places.append((i, c.row, c.col, c.input_of[0], c.input_of[1]))
    if len(_INPUT_PLACES) >= 256:
        _INPUT_PLACES.clear()
    _INPUT_PLACES[shape] = places


def _guess_inputs(grid: Grid, ladder: Ladder, ctx: Context,
                  shape: tuple[str, tuple[str, ...], int | None]
                  ) -> tuple[dict[str, dict[str, int | None]], dict[str, dict[str, str]]] | None:
    """The ratings and comments :func:`_read_inputs` will most likely find, read where a plan of
    the same shape has its input cells; None before such a plan has been seen."""
    places = _INPUT_PLACES.get(shape)
    if places is None:
        return None
    tabs = ctx.tabs()
    ratings: dict[str, dict[str, int | None]] = {}
    comments: dict[str, dict[str, str]] = {}
    for i, row, col, cid, what in places:
        tab = tabs[i]
        sg = grid.sheets.get(tab)
        if sg is None:
            continue
        got = sg.get(row, col)
        if what == "rating":
            ratings.setdefault(tab, {})[cid] = parse_rating(got.value, ladder, got.error).level
            comments.setdefault(tab, {})
        else:
            ratings.setdefault(tab, {})
            text = got.error if got.error else _shown(got.value)
            if text.strip():
                comments.setdefault(tab, {})[cid] = text
            else:
                comments.setdefault(tab, {})
    return ratings, comments


def verify_grid(grid: Grid) -> Verified:
    """Check one workbook's Grid against the plan in its hidden sheet; recompute its scores.

    Raises :class:`UnreadableWorkbook` when the grid is not a sheetladder workbook at all.

    One plan serves both the layout checks and the stored results: the layout of a plan (its
    sheets, texts, numbers, formulas and input places) does not depend on the ratings, so the
    plan is built with the ratings the file most likely holds (read where a plan of the same
    shape has its input cells) and built again only when the ratings read differ.
    """
    found = _Findings()
    meta_sheet = _find_meta(grid, found)
    ladder, ctx = _rebuild(grid, meta_sheet, found)
    shape = _shape(ladder, ctx)
    guess = _guess_inputs(grid, ladder, ctx, shape)
    if guess is None:
        plan = build_plan(ladder, ctx, sizes=False)
        _learn_places(plan, ctx, shape)
    else:
        plan = build_plan(ladder, ctx, ratings=guess[0], comments=guess[1], sizes=False)
    pairs = _pair_sheets(plan, grid, meta_sheet.name, found)
    aliases = {g.casefold(): e.casefold() for e, g in pairs.items() if g != e}
    alignments: dict[str, _Alignment] = {}
    for sp in plan.sheets:
        gname = pairs.get(sp.name)
        if gname is None or sp.role == "meta":
            continue
        al = _align(sp, grid.sheets[gname])
        alignments[sp.name] = al
        _report_rows(sp, gname, al, found)
    row_maps = None
    if any(not al.identity for al in alignments.values()):
        row_maps = {name.casefold(): al.row_map() for name, al in alignments.items()}
    checks: dict[str, _SheetCheck] = {}
    inputs: dict[str, RaterInput] = {}
    consistent: dict[str, bool] = {}
    slots = {s.tab: s for s in ctx.raters}
    for sp in plan.sheets:
        gname = pairs.get(sp.name)
        if gname is None or sp.role == "meta":
            continue
        sg = grid.sheets[gname]
        al = alignments[sp.name]
        check = _compare_sheet(sp, sg, al, aliases, row_maps, found)
        checks[sp.name] = check
        if sp.role == "rater" and sp.rater_tab in slots:
            slot = slots[sp.rater_tab]
            inp, ok = _read_inputs(sp, sg, al, ladder, slot.role, slot.name, found)
            inputs[slot.tab] = inp
            consistent[sp.name] = ok
        else:
            consistent[sp.name] = True
        if al.deleted:  # its formulas show #REF! now: already reported with the deleted rows
            consistent[sp.name] = False
    rater_names = [s.name for s in plan.rater_sheets()]
    all_raters_ok = all(consistent.get(n, False) for n in rater_names)
    for sp in plan.sheets:
        if sp.role == "summary":
            consistent[sp.name] = all_raters_ok
    if any(check.intact for check in checks.values()):
        ratings = {t: dict(i.levels) for t, i in inputs.items()}
        comments = {t: dict(i.comments) for t, i in inputs.items()}
        if guess is None or ratings != guess[0] or comments != guess[1]:
            plan = build_plan(ladder, ctx, ratings=ratings, comments=comments, sizes=False)
        _compare_stored(plan, checks, consistent, found)
    report = _make_report(grid.source, ladder, ctx, inputs, found.close(), plan=plan)
    report.content_hash = grid.content_hash
    return Verified(report=report, ladder=ladder, context=ctx, tabs_present=set(inputs),
                    inputs=inputs)


def _make_report(source: str, ladder: Ladder, ctx: Context,
                 inputs: Mapping[str, RaterInput], findings: list[Finding],
                 sources: Sequence[str] | None = None, plan: WorkbookPlan | None = None
                 ) -> Report:
    """The report; ``plan``'s score is used when it was planned with the same ratings."""
    full = [inputs.get(s.tab) or RaterInput(role=s.role, name=s.name, tab=s.tab, levels={})
            for s in ctx.raters]
    if plan is not None and plan.score is not None and plan.ladder is ladder \
            and [(i.tab, i.levels) for i in plan.inputs] == [(i.tab, i.levels) for i in full]:
        sc = plan.score
    else:
        sc = scoring.score(ladder, full)
    ladder_json, ladder_hash = _ladder_facts(ladder)
    return Report(
        file=source,
        sources=list(sources or [source]),
        person=ctx.person,
        email=ctx.email,
        period=ctx.period,
        ladder=LadderRef(id=ladder.id, version=ladder.version, hash=ladder_hash),
        findings=findings,
        raters=sc.raters,
        categories=sc.categories,
        total_points=sc.total_points,
        level_index=sc.level_index,
        level=sc.level,
        progress_to_next=sc.progress_to_next,
        inputs=full,
        ladder_json=ladder_json,
    )


# -- merging copies ------------------------------------------------------------------------------


def assessment_key(v: Verified) -> str:
    """What makes copies one assessment: person, period, raters and ladder (not the split tab)."""
    ctx = v.context.model_copy(update={"split_tab": None})
    return json.dumps([_ladder_facts(v.ladder)[1], ctx.model_dump(mode="json")], sort_keys=True)


def _filled(inp: RaterInput) -> bool:
    return any(v is not None for v in inp.levels.values()) or any(
        t.strip() for t in inp.comments.values())


def _difference(ladder: Ladder, a: RaterInput, b: RaterInput) -> str:
    codes = ladder.codes
    for c in ladder.categories:
        la, lb = a.levels.get(c.id), b.levels.get(c.id)
        if la != lb:
            sa = codes[la - 1] if la else "blank"
            sb = codes[lb - 1] if lb else "blank"
            return f"{c.name}: {sa} vs {sb}"
    for c in ladder.categories:
        if a.comments.get(c.id, "").strip() != b.comments.get(c.id, "").strip():
            return f"{c.name}: different comments"
    return "different content"


def merge(copies: Sequence[Verified]) -> Verified:
    """One report from copies of one assessment: each rater tab from the copy where it is filled.

    Copies holding different ratings on one tab are an error finding naming both files; the
    first copy's ratings are used, so the conflict is reported, never silently resolved.
    """
    if len(copies) == 1:
        return copies[0]
    first = copies[0]
    ladder = first.ladder
    ctx = first.context.model_copy(update={"split_tab": None})
    sources = [v.report.file for v in copies]
    findings: list[Finding] = []
    for v in copies:
        for f in v.report.findings:
            findings.append(f.model_copy(update={"file": f.file or v.report.file}))
    chosen: dict[str, RaterInput] = {}
    for slot in ctx.raters:
        holders = [v for v in copies if slot.tab in v.inputs]
        if not holders:
            findings.append(Finding(severity="warning", sheet=slot.tab, message=(
                f"no copy holds the {slot.tab!r} tab, so this rater's ratings are missing")))
            continue
        filled = [v for v in holders if _filled(v.inputs[slot.tab])]
        if not filled:
            chosen[slot.tab] = holders[0].inputs[slot.tab]
            continue
        pick = filled[0]
        chosen[slot.tab] = pick.inputs[slot.tab]
        for other in filled[1:]:
            a, b = pick.inputs[slot.tab], other.inputs[slot.tab]
            same_levels = {k: v for k, v in a.levels.items() if v is not None} == \
                {k: v for k, v in b.levels.items() if v is not None}
            same_comments = {k: v.strip() for k, v in a.comments.items() if v.strip()} == \
                {k: v.strip() for k, v in b.comments.items() if v.strip()}
            if same_levels and same_comments:
                continue
            findings.append(Finding(
                severity="error", sheet=slot.tab, file=other.report.file, message=(
                    f"conflict: copies {pick.report.file} and {other.report.file} hold different "
                    f"ratings on this tab ({_difference(ladder, a, b)}); the ratings of "
                    f"{pick.report.file} are used")))
    report = _make_report(" + ".join(sources), ladder, ctx, chosen, findings, sources)
    return Verified(report=report, ladder=ladder, context=ctx, tabs_present=set(chosen),
                    inputs=chosen)
