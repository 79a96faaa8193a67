"""Finding the descriptor matrix in a Table: levels, categories, groups, weights, and what was
left unplaced, as located notes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..definition import LEVEL_CODE, slugify
from .tables import PLACEHOLDER, ImportFailed, Merge, Orientation, Table, cell_ref, range_ref, read_tables

# -- detection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """Something detection could not place cleanly, located by cell or range."""

    ref: str
    message: str
    kind: Literal["empty", "duplicate", "merge", "stray", "weight", "level", "group"] = "stray"

    def __str__(self) -> str:
        return f"{self.ref}: {self.message}"


@dataclass
class DetectedLevel:
    code: str
    name: str
    ref: str


@dataclass
class DetectedCategory:
    id: str
    name: str
    ref: str
    descriptors: dict[str, str]
    drafted: set[str] = field(default_factory=set)  # level codes whose text is a placeholder
    weight: float = 1.0
    purpose: str | None = None


@dataclass
class DetectedGroup:
    id: str
    name: str
    ref: str | None
    categories: list[DetectedCategory] = field(default_factory=list)


@dataclass
class Detection:
    """What was found on one sheet, ready to become a definition."""

    source: str
    sheet: str
    orientation: Orientation
    header_ref: str
    title: str | None
    levels: list[DetectedLevel]
    groups: list[DetectedGroup]
    weight_ref: str | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def categories(self) -> list[DetectedCategory]:
        return [c for g in self.groups for c in g.categories]

    @property
    def empty_cells(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "empty"]

    @property
    def other_notes(self) -> list[Note]:
        return [n for n in self.notes if n.kind != "empty"]


class _View:
    """A table seen with levels across the columns: transposed when levels run down the rows.
    Coordinates are the view's; references name the original cells."""

    def __init__(self, table: Table, transposed: bool):
        self.table = table
        self.transposed = transposed
        if transposed:
            self.cells = {(c, r): v for (r, c), v in table.cells.items()}
            merges = [(c1, r1, c2, r2) for r1, c1, r2, c2 in table.merges]
        else:
            self.cells = dict(table.cells)
            merges = list(table.merges)
        self.by_row: dict[int, list[int]] = {}
        for r, c in sorted(self.cells):
            self.by_row.setdefault(r, []).append(c)
        self.nrows = max((r for r, _ in self.cells), default=-1) + 1
        self.ncols = max((c for _, c in self.cells), default=-1) + 1
        self.merges: list[Merge] = []
        self.cover: dict[tuple[int, int], Merge] = {}
        for r1, c1, r2, c2 in merges:
            if r1 >= self.nrows or c1 >= self.ncols or (r1, c1) == (r2, c2):
                continue
            m = (r1, c1, min(r2, self.nrows - 1), min(c2, self.ncols - 1))
            self.merges.append(m)
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    self.cover[(r, c)] = m

    def raw(self, r: int, c: int) -> str:
        return self.cells.get((r, c), "")

    def value(self, r: int, c: int) -> str:
        """The text shown at (r, c): a merged region's text fills every cell it covers."""
        m = self.cover.get((r, c))
        return self.raw(m[0], m[1]) if m else self.raw(r, c)

    def ref(self, r: int, c: int) -> str:
        return cell_ref(self.table.name, *((c, r) if self.transposed else (r, c)))

    def range_ref(self, r1: int, c1: int, r2: int, c2: int) -> str:
        if self.transposed:
            r1, c1, r2, c2 = c1, r1, c2, r2
        return range_ref(self.table.name, r1, c1, r2, c2)

    def row_cells(self, r: int) -> list[int]:
        return self.by_row.get(r, [])


_TOKEN = r"[A-Za-z][A-Za-z0-9]{0,9}"
_SEP = r"(?:\s*[-–—:|/]\s*|\s+)"
_WORD_LEVEL = re.compile(
    r"^(level|lvl|grade|band|step|tier)\s*#?\s*(\d{1,3})(?:" + _SEP + r"(.+))?$", re.I | re.S)
_SPACED_CODE = re.compile(r"^([A-Za-z]{1,4})[\s._-](\d{1,3})$")
_CODE_NAME = re.compile(r"^(" + _TOKEN + r")" + _SEP + r"(.+)$", re.S)
_NAME_CODE = re.compile(r"^(.+?)\s*[(\[](" + _TOKEN + r")[)\]]$", re.S)
_NUMBER = re.compile(r"^\d{1,2}$")


def _is_code(token: str) -> bool:
    return bool(re.fullmatch(LEVEL_CODE, token)) and any(ch.isdigit() for ch in token)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_level_header(text: str) -> tuple[str, str | None] | None:
    """(code, name or None) for a header cell naming a level, e.g. 'S1 - Junior', 'S1',
    'Junior (S1)', 'Level 2'; None when the cell does not look like a level."""
    t = text.strip()
    if not t or len(t) > 80:
        return None
    m = _WORD_LEVEL.match(t)
    if m:
        code = m.group(1)[0].upper() + m.group(2)
        return code, _squash(m.group(3)) if m.group(3) else _squash(t)
    if _is_code(t):
        return t, None
    m = _SPACED_CODE.match(t)
    if m:
        return m.group(1) + m.group(2), None
    m = _CODE_NAME.match(t)
    if m and _is_code(m.group(1)) and _squash(m.group(2)):
        return m.group(1), _squash(m.group(2))
    m = _NAME_CODE.match(t)
    if m and _is_code(m.group(2)):
        return m.group(2), _squash(m.group(1))
    if _NUMBER.match(t):
        return f"L{int(t)}", f"Level {int(t)}"
    return None


def _bare_code(text: str) -> bool:
    parsed = parse_level_header(text)
    return parsed is not None and parsed[1] is None


@dataclass
class _Header:
    row: int
    cols: list[int]  # the level columns, left to right
    heads: list[tuple[str, str | None]]  # (code, name) per level column
    names_row: int | None = None
    generated: bool = False  # codes made up because the header names levels without codes

    @property
    def score(self) -> int:
        """Longer runs win; a run whose codes count up under one prefix (S1, S2, S3) counts double,
        so a stray code-like word beside a real header does not win a tie."""
        if self.generated:
            return 0
        parts = [re.fullmatch(r"([A-Za-z]*)(\d+)(.*)", code) for code, _ in self.heads]
        coherent = all(parts) and len({p.group(1).upper() for p in parts if p}) == 1 and all(
            int(b.group(2)) > int(a.group(2)) for a, b in zip(parts, parts[1:], strict=False) if a and b)
        return len(self.cols) * (2 if coherent else 1)


def _level_runs(view: _View, r: int) -> list[_Header]:
    """Runs of at least two adjacent cells in row ``r`` that each name a level. A run of bare
    numbers must count up by one (1, 2, 3) and not follow a 'Weight' label, so a row of weights
    is not taken for levels."""
    runs: list[_Header] = []
    cur: _Header | None = None
    for c in range(view.ncols + 1):
        text = view.raw(r, c).strip() if c < view.ncols else ""
        parsed = parse_level_header(text) if text else None
        if parsed and _NUMBER.match(text) and _label_kind_left(view, r, c) in ("weight", "purpose"):
            parsed = None
        if parsed and cur is not None and cur.cols[-1] == c - 1:
            prev = view.raw(r, c - 1).strip()
            if not (_NUMBER.match(text) or _NUMBER.match(prev)) or (
                    _NUMBER.match(text) and _NUMBER.match(prev) and int(text) == int(prev) + 1):
                cur.cols.append(c)
                cur.heads.append(parsed)
                continue
        if cur is not None and len(cur.cols) >= 2:
            runs.append(cur)
        cur = _Header(r, [c], [parsed]) if parsed else None
    return runs


def _label_kind_left(view: _View, r: int, c: int) -> str | None:
    """The label kind of the nearest non-empty cell left of (r, c) that is neither a level nor a
    number (a row of weights such as 0.5, 1, 2 is labelled where its numbers start)."""
    for cc in range(c - 1, -1, -1):
        text = view.raw(r, cc).strip()
        if text and parse_level_header(text) is None and _parse_weight(text) is None:
            return _label_kind(text)
    return None


def _find_header(view: _View) -> _Header | None:
    best: _Header | None = None
    for r in view.by_row:
        for run in _level_runs(view, r):
            if run.cols[0] == 0:
                continue  # no room for the category names
            if best is None or run.score > best.score:
                best = run
    return best


_LABEL_WORDS: dict[str, tuple[str, ...]] = {
    "weight": ("weight",),
    "purpose": ("purpose", "why it matters", "rationale"),
    "group": ("group", "section", "pillar", "theme", "cluster", "family", "domain", "area"),
    "category": ("categor", "skill", "competenc", "dimension", "attribute", "criteri", "behaviou",
                 "behavior", "name"),
}


def _label_kind(text: str) -> str | None:
    low = text.lower()
    for kind in ("weight", "purpose", "category", "group"):
        if any(w in low for w in _LABEL_WORDS[kind]):
            return kind
    return None


def _names_only_header(view: _View) -> _Header | None:
    """A header that names levels without codes ('Junior | Mid | Senior'): the first row with at
    least two cells; the leftmost cell is the category column's header unless it says otherwise."""
    for r in view.by_row:
        cols = view.row_cells(r)
        if len(cols) < 2:
            continue
        cand = [c for c in cols if _label_kind(view.raw(r, c)) is None]
        below = {c for (rr, c) in view.cells if rr > r}
        if cand and cand[0] == min(cols) and min(below, default=cand[0]) >= cand[0] \
                and not any(_label_kind(view.raw(r, c)) == "category" for c in cols):
            cand = cand[1:]
        best: list[int] = []
        run: list[int] = []
        for c in cand:
            run = run + [c] if run and run[-1] == c - 1 else [c]
            if len(run) > len(best):
                best = run
        if len(best) < 2:
            return None
        heads: list[tuple[str, str | None]] = [
            (f"L{i + 1}", _squash(view.raw(r, c))) for i, c in enumerate(best)]
        return _Header(r, best, heads, generated=True)
    return None


def _find_names_row(view: _View, h: _Header) -> int | None:
    """The row of level names next to a row of bare codes (sheetladder's Matrix: codes, then
    names): its label cells are empty and it fills some level columns."""
    first = h.cols[0]
    for r in (h.row + 1, h.row - 1):
        if r < 0 or r >= view.nrows:
            continue
        labels = [view.raw(r, c) for c in range(first)]
        if any(t and _label_kind(t) is None and "level" not in t.lower() and "title" not in t.lower()
               for t in labels):
            continue
        texts = [view.raw(r, c) for c in h.cols]
        if any(texts) and not any(_bare_code(t) for t in texts if t):
            return r
    return None


def _parse_weight(text: str) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    if re.fullmatch(r"\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    if pct:
        v /= 100
    return v if v > 0 and v == v and v != float("inf") else None


class _Ids:
    """Unique slugs; a duplicate name or a clashing slug gets a numeric suffix and a note."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}  # id -> ref of its holder
        self.names: dict[str, str] = {}  # lowercased name -> ref of its first holder

    def make(self, name: str, ref: str, what: str, notes: list[Note]) -> str:
        key = name.lower()
        dup = self.names.setdefault(key, ref)
        base = slugify(name)
        ident = base
        n = 2
        while ident in self.seen:
            ident = f"{base}-{n}"
            n += 1
        if dup != ref:
            notes.append(Note(ref, f"duplicate {what} name {name!r} (also at {dup}); its id is {ident!r}",
                              "duplicate"))
        elif ident != base:
            notes.append(Note(ref, f"{what} {name!r} has the same id {base!r} as the one at "
                                   f"{self.seen[base]}; its id is {ident!r}", "duplicate"))
        self.seen[ident] = ref
        return ident


def detect(table: Table, levels_in: Orientation | None = None, source: str = "") -> Detection:
    """Find the descriptor matrix on one sheet; raise ImportFailed when there is none."""
    if not table.cells:
        raise ImportFailed(f"{source or table.name}: sheet {table.name!r} is empty")
    options: list[tuple[_View, _Header | None]] = []
    for transposed in ((False, True) if levels_in is None else (levels_in == "rows",)):
        v = _View(table, transposed)
        options.append((v, _find_header(v)))
    coded = [(v, h) for v, h in options if h is not None]
    view: _View
    header: _Header | None
    if coded:
        view, header = max(coded, key=lambda vh: vh[1].score)
    else:
        view = options[0][0]
        header = _names_only_header(view)
    if header is None:
        raise ImportFailed(
            f"{source or table.name}: no descriptor matrix found on sheet {table.name!r}: expected a "
            "header row of levels (e.g. 'S1', 'S1 - Junior', or codes above names) over rows of "
            "categories, or the same with levels down the first column"
        )
    return _detect_in(view, header, source)


def _detect_in(view: _View, header: _Header, source: str) -> Detection:
    notes: list[Note] = []
    sheet = view.table.name
    first, last = header.cols[0], header.cols[-1]
    if any(name is None for _, name in header.heads):
        header.names_row = _find_names_row(view, header)
    head_rows = [header.row] + ([header.names_row] if header.names_row is not None else [])
    top, bottom = min(head_rows), max(head_rows)

    # levels
    levels: list[DetectedLevel] = []
    seen_codes: dict[str, str] = {}
    for c, (code, name) in zip(header.cols, header.heads, strict=True):
        ref = view.ref(header.row, c)
        if name is None and header.names_row is not None:
            name = _squash(view.raw(header.names_row, c)) or None
        if name is None:
            name = code
        if code.upper() in seen_codes:
            other = seen_codes[code.upper()]
            base = code[:9]
            code = next(base + ch for ch in "bcdefghijklmnopqrstuvwxyz"
                        if (base + ch).upper() not in seen_codes)
            notes.append(Note(ref, f"duplicate level code {base!r} (also at {other}); this level's "
                                   f"code is {code!r}", "duplicate"))
        seen_codes[code.upper()] = ref
        levels.append(DetectedLevel(code, name, ref))
    if header.generated:
        notes.append(Note(view.range_ref(header.row, first, header.row, last),
                          "the header names levels without codes; codes "
                          f"{levels[0].code}–{levels[-1].code} were made up", "level"))
    for m in view.merges:
        if m[0] <= bottom and m[2] >= top and m[3] >= first and m[1] <= last and m[1] != m[3]:
            notes.append(Note(view.range_ref(*m), "merged header cell spans several level columns",
                              "merge"))

    # label columns, from the header row(s) and from where the data is
    def head_text(c: int) -> str:
        return " ".join(view.raw(r, c) for r in head_rows if view.raw(r, c))

    data_cols = {c for (r, c) in view.cells if r > bottom}
    role: dict[int, str] = {}
    for c in sorted(set(range(view.ncols)) - set(header.cols)):
        kind = _label_kind(head_text(c)) if head_text(c) else None
        if kind in ("group", "category") and c > last:
            kind = None
        if kind and kind not in role.values():
            role[c] = kind
    left_free = [c for c in range(first) if c not in role and c in data_cols]
    if "category" not in role.values():
        if not left_free:
            raise ImportFailed(
                f"{source or sheet}: levels found at {view.range_ref(header.row, first, header.row, last)}"
                f" but no column of category names {'above' if view.transposed else 'left of'} them")
        role[left_free.pop()] = "category"
    cat_col = next(c for c, k in role.items() if k == "category")
    if "group" not in role.values():
        lefts = [c for c in left_free if c < cat_col]
        if lefts:
            role[lefts[0]] = "group"
    group_col = next((c for c, k in role.items() if k == "group"), None)
    weight_col = next((c for c, k in role.items() if k == "weight"), None)
    purpose_col = next((c for c, k in role.items() if k == "purpose"), None)
    known = set(role) | set(header.cols)
    for c in sorted(set(range(view.ncols)) - known):
        if head_text(c):
            notes.append(Note(view.ref(header.row if view.raw(header.row, c) else bottom, c),
                              f"column {_squash(head_text(c))!r} is not part of the matrix; ignored",
                              "stray"))
    labelled_cols = {c for c in range(view.ncols) if c not in known and head_text(c)}

    # title and text above the header
    title: str | None = None
    for r in range(top):
        for c in view.row_cells(r):
            if (r, c) in view.cover and view.cover[(r, c)][:2] != (r, c):
                continue
            text = _squash(view.raw(r, c))
            if title is None:
                title = text
            else:
                notes.append(Note(view.ref(r, c), f"text above the matrix ignored: {_clip(text)!r}", "stray"))

    # rows: group headers, categories, stray notes
    groups: list[DetectedGroup] = []
    gids, cids = _Ids(), _Ids()
    pending: tuple[str, str, int] | None = None  # a name-only row: a group if categories follow
    codes = [lv.code for lv in levels]
    merge_notes: set[Merge] = set()

    def open_group(name: str, ref: str | None) -> DetectedGroup:
        g = DetectedGroup(gids.make(name, ref or "", "group", notes), name, ref)
        groups.append(g)
        return g

    def stray_cells(r: int, cols: list[int]) -> None:
        for c in cols:
            if c in labelled_cols or (r, c) not in view.cells:
                continue
            notes.append(Note(view.ref(r, c), f"stray text outside the matrix ignored: "
                                              f"{_clip(view.raw(r, c))!r}", "stray"))

    matrix_cols = set(header.cols) | set(role)
    for r in range(bottom + 1, view.nrows):
        row_cols = view.row_cells(r)
        outside = [c for c in row_cols if c not in matrix_cols]
        lm = view.cover.get((r, cat_col))
        span_all = next((m for m in view.merges if m[0] <= r <= m[2] and m[1] <= first and m[3] >= last),
                        None)
        gm = lm if lm is not None and lm[3] >= first else (
            span_all if span_all is not None and not view.value(r, cat_col) else None)
        if gm is not None:
            if gm[0] == r:
                name = _squash(view.raw(gm[0], gm[1]))
                if name:
                    if pending:
                        _drop_pending(pending, notes)
                        pending = None
                    open_group(name, view.ref(gm[0], gm[1]))
                    merge_notes.add(gm)
            stray_cells(r, outside)
            continue
        label = _squash(view.value(r, cat_col))
        texts = {code: view.value(r, c).strip() for code, c in zip(codes, header.cols, strict=True)}
        wtext = view.value(r, weight_col).strip() if weight_col is not None else ""
        ptext = view.value(r, purpose_col).strip() if purpose_col is not None else ""
        gtext = _squash(view.value(r, group_col)) if group_col is not None else ""
        stray_cells(r, outside)
        if not (label or any(texts.values()) or wtext or ptext or gtext):
            continue
        if group_col is not None and gtext and (not groups or groups[-1].name != gtext
                                                or _starts_merge(view, r, group_col)):
            if label or any(texts.values()):
                open_group(gtext, view.ref(*_origin(view, r, group_col)))
        if label and not any(texts.values()) and not wtext:
            if pending:
                _drop_pending(pending, notes)
            pending = (label, view.ref(r, cat_col), r)
            continue
        if not label:
            filled = [c for c in header.cols if view.value(r, c).strip()]
            what = "descriptors" if filled else "text"
            notes.append(Note(view.range_ref(r, min(filled or [cat_col]), r, max(filled or [cat_col])),
                              f"{what} in a row without a category name; ignored", "stray"))
            continue
        if pending:
            open_group(pending[0], pending[1])
            pending = None
        if not groups:
            open_group("Categories", None)
            notes.append(Note(view.ref(r, cat_col), "no group header above the first category; "
                                                    "categories put in a group 'Categories'", "group"))
        ref = view.ref(r, cat_col)
        cat = DetectedCategory(cids.make(label, ref, "category", notes), label, ref, {})
        for code, c in zip(codes, header.cols, strict=True):
            text = texts[code]
            if text:
                cat.descriptors[code] = _clean_text(text)
            else:
                cat.descriptors[code] = PLACEHOLDER.format(category=label, code=code)
                cat.drafted.add(code)
                notes.append(Note(view.ref(r, c), f"empty: {label} at {code}; a placeholder marked "
                                                  "drafted was written", "empty"))
        if weight_col is not None:
            if not wtext:
                notes.append(Note(view.ref(r, weight_col), f"no weight for {label}; 1 used", "weight"))
            else:
                w = _parse_weight(wtext)
                if w is None:
                    notes.append(Note(view.ref(r, weight_col),
                                      f"weight {wtext!r} of {label} is not a positive number; 1 used",
                                      "weight"))
                else:
                    cat.weight = w
        if ptext:
            cat.purpose = _clean_text(ptext)
        groups[-1].categories.append(cat)
    if pending:
        _drop_pending(pending, notes)

    for m in view.merges:
        if m in merge_notes or m[2] <= bottom or m[3] < first or m[1] > last:
            continue
        spanned = [lv.code for lv, c in zip(levels, header.cols, strict=True) if m[1] <= c <= m[3]]
        if len(spanned) > 1:
            notes.append(Note(view.range_ref(*m), f"merged region spans levels {', '.join(spanned)}; "
                                                  "its text is used for each", "merge"))
        if m[2] > m[0] and m[1] >= first:
            notes.append(Note(view.range_ref(*m), "merged region spans several rows; its text is used "
                                                  "for each", "merge"))
    empty_groups = [g for g in groups if not g.categories]
    for g in empty_groups:
        notes.append(Note(g.ref or sheet, f"group {g.name!r} has no categories; left out", "group"))
    groups = [g for g in groups if g.categories]
    if not groups:
        raise ImportFailed(
            f"{source or sheet}: levels found at {view.range_ref(header.row, first, header.row, last)}"
            " but no category rows with descriptors below them")
    return Detection(
        source=source, sheet=sheet, orientation="rows" if view.transposed else "columns",
        header_ref=view.range_ref(top, first, bottom, last), title=title, levels=levels,
        groups=groups,
        weight_ref=view.ref(header.row, weight_col) if weight_col is not None else None,
        notes=notes,
    )


def _starts_merge(view: _View, r: int, c: int) -> bool:
    m = view.cover.get((r, c))
    return m is not None and m[0] == r and m[1] == c


def _origin(view: _View, r: int, c: int) -> tuple[int, int]:
    m = view.cover.get((r, c))
    return (m[0], m[1]) if m else (r, c)


def _drop_pending(pending: tuple[str, str, int], notes: list[Note]) -> None:
    notes.append(Note(pending[1], f"{_clip(pending[0])!r} has no descriptors and no categories "
                                  "follow it; ignored as a note", "stray"))


def _clip(text: str, n: int = 60) -> str:
    text = _squash(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


# -- choosing a sheet ----------------------------------------------------------------------------


def import_matrix(source: str, sheet: str | None = None, levels_in: Orientation | None = None) -> Detection:
    """Read ``source`` and detect its matrix: on ``sheet`` if named, else on a sheet called
    Matrix, else on the visible sheet holding the largest matrix."""
    tables = read_tables(source)
    if sheet is not None:
        chosen = [t for t in tables if t.name == sheet] or [
            t for t in tables if t.name.lower() == sheet.lower()]
        if not chosen:
            raise ImportFailed(f"{source}: no sheet named {sheet!r}; sheets: "
                               + ", ".join(repr(t.name) for t in tables))
        return detect(chosen[0], levels_in, source)
    if len(tables) == 1:
        return detect(tables[0], levels_in, source)
    named = [t for t in tables if t.name.lower() == "matrix"]
    if named:
        return detect(named[0], levels_in, source)
    found: list[Detection] = []
    errors: list[str] = []
    for t in tables:
        if not t.visible:
            continue
        try:
            found.append(detect(t, levels_in, source))
        except ImportFailed as e:
            errors.append(str(e))
    if not found:
        raise ImportFailed(f"{source}: no descriptor matrix found on any sheet ("
                           + ", ".join(repr(t.name) for t in tables if t.visible)
                           + "); name one with --sheet")
    return max(found, key=lambda d: len(d.levels) * len(d.categories))
