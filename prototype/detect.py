"""Finding a descriptor matrix from the shape of a sheet's content (issue 16).

A layout is chosen by scoring candidates (orientation, table, header row, level columns, label,
group, weight and notes columns) from what the cells hold: descriptors are long and mostly
distinct, labels short; group values repeat or are merged; level headers share a pattern (codes
counting up, numbers, seniority words, a shared word). The best candidate is taken only when it
passes plausibility checks; otherwise :class:`ImportDoubtful` carries the best guess, what made
it doubtful, and the options that make the import explicit.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace

from sheetladder.importer import (
    PLACEHOLDER,
    DetectedCategory,
    DetectedGroup,
    DetectedLevel,
    Detection,
    ImportFailed,
    Note,
    Orientation,
    Table,
    _clean_text,
    _clip,
    _Ids,
    _parse_weight,
    _squash,
    cell_ref,
    parse_level_header,
    range_ref,
)
from sheetladder.plan import col_letter

# -- what header words say -----------------------------------------------------------------------

_NOTES = re.compile(r"\b(description|desc|summary|definition|defined|comments?|notes?|examples?|"
                    r"remarks?|purpose|rationale|why|explanation|overview|details?|context|"
                    r"guidance|scope)\b", re.I)
_PURPOSE = re.compile(r"\b(description|summary|definition|purpose|rationale|why|overview)\b", re.I)
_WEIGHT = re.compile(r"\b(weight|weighting|multiplier)\b", re.I)
_LABEL = re.compile(r"\b(categor(y|ies)|skills?|competenc(y|ies)|dimensions?|attributes?|criteria|"
                    r"criterion|behaviou?rs?|parameters?|themes?|axis|axes|areas?|pillars?|groups?|"
                    r"sections?|domains?|clusters?|famil(y|ies)|capabilit(y|ies)|topics?|name|"
                    r"job level|level|levels|grade|role)\b", re.I)
_LEVEL_CORNER = re.compile(r"^\s*(levels?|grades?|bands?|job levels?|seniority|stages?|tiers?|titles?|"
                           r"roles?)\s*$", re.I)
_SENIORITY = {
    "junior", "jr", "mid", "middle", "intermediate", "senior", "sr", "staff", "principal", "lead",
    "head", "director", "vp", "chief", "distinguished", "fellow", "associate", "entry", "beginner",
    "novice", "apprentice", "trainee", "intern", "graduate", "advanced", "expert", "master",
    "manager", "architect", "foundation", "foundational", "practitioner", "proficient", "competent",
    "emerging", "developing", "established", "leading", "basic", "awareness", "working",
    "milestone", "strategic", "specialist", "executive",
}
MAX_LEVELS = 20  # more level columns than this is not a ladder
MAX_LINES = 256  # a view wider than this (a long sheet seen transposed) is not searched
MAX_ROWS = 2000  # a table longer than this is data, not a ladder (ladders have tens of rows)
_CELLREF = re.compile(r"^\$?[A-Z]{1,3}\$?\d{1,7}$")
_NUMERIC = re.compile(r"^[-+]?(\d+([.,]\d+)?|\.\d+)(e[-+]?\d+)?%?$|^\d{4}-\d\d-\d\d( [\d:]+)?$|"
                      r"^(TRUE|FALSE|#[A-Z/0!?]+)$", re.I)
_EMBEDDED_CODE = re.compile(r"[(\[]\s*([A-Za-z]{1,4}\s?\d{1,3})\s*[)\]]")
_LEVEL_WORD_N = re.compile(r"\b(level|lvl|grade|band|step|tier|milestone|stage)\s*#?\s*(\d{1,3})\b", re.I)


def width(text: str) -> int:
    """How wide a text reads: CJK characters count twice (a Japanese label of 9 characters is as
    long as an English one of 18)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def level_code(text: str) -> tuple[str, int] | None:
    """(prefix, number) of a level code somewhere in a header: 'S1', 'S1 - Junior', 'Junior (S1)',
    'Commercial (P2) (not in use)', 'Level 2', 'n (Level 2)'; None when there is none."""
    t = text.strip()
    parsed = parse_level_header(t)
    if parsed is not None:
        m = re.fullmatch(r"([A-Za-z]*)(\d+)[A-Za-z]?", parsed[0])
        if m and (m.group(1) or not re.fullmatch(r"\d+", t)):
            return m.group(1).upper(), int(m.group(2))
    m = _EMBEDDED_CODE.search(t)
    if m:
        code = m.group(1).replace(" ", "")
        mm = re.fullmatch(r"([A-Za-z]+)(\d+)", code)
        if mm:
            return mm.group(1).upper(), int(mm.group(2))
    m = _LEVEL_WORD_N.search(t)
    if m:
        return "L", int(m.group(2))
    return None


def pattern_score(heads: list[str]) -> float:
    """How much a run of headers looks like the names of levels, 0 (not at all) to 3."""
    if len(heads) < 2 or len(set(h.lower() for h in heads)) < len(heads):
        return 0.0
    if any(len(h) > 80 for h in heads):
        return -1.0  # sentences, not names
    if any(_NOTES.search(h) or _WEIGHT.search(h) for h in heads):
        return 0.0
    codes = [level_code(h) for h in heads]
    if all(codes) and len({c[0] for c in codes if c}) == 1 and all(
            b[1] > a[1] for a, b in zip(codes, codes[1:], strict=False) if a and b):
        return 3.0
    if all(re.fullmatch(r"\d{1,2}", h.strip()) for h in heads):
        nums = [int(h) for h in heads]
        if nums[0] in (0, 1) and all(b == a + 1 for a, b in zip(nums, nums[1:], strict=False)):
            return 2.5
        return 0.0
    if any(re.fullmatch(r"[\d.,%\s-]+", h) for h in heads) or any(_CELLREF.match(h) for h in heads):
        return 0.0
    words = [set(_words(h)) for h in heads]
    senior = sum(bool(w & _SENIORITY) for w in words)
    common = Counter(x for w in words for x in w).most_common(1)
    shared = common[0][1] if common else 0
    best = max(senior, shared)
    if best >= 0.75 * len(heads) and best >= 2:
        return 1.5
    return 0.0


# -- the sheet, seen one way round ---------------------------------------------------------------


class View:
    """A table seen with levels across the columns (transposed when they run down the rows),
    vertical merges filled down, horizontal merges kept at their first cell and remembered."""

    def __init__(self, table: Table, transposed: bool):
        self.table, self.transposed = table, transposed
        cells = {((c, r) if transposed else (r, c)): v for (r, c), v in table.cells.items()}
        merges = [((c1, r1, c2, r2) if transposed else (r1, c1, r2, c2))
                  for r1, c1, r2, c2 in table.merges]
        self.raw = dict(cells)
        self.cells = dict(cells)
        self.span: dict[int, tuple[int, int]] = {}  # row -> (c1, c2) of a merge across columns
        self.nrows = max((r for r, _ in cells), default=-1) + 1
        self.ncols = max((c for _, c in cells), default=-1) + 1
        for r1, c1, r2, c2 in merges:
            if r1 >= self.nrows or c1 >= self.ncols:
                continue
            r2, c2 = min(r2, self.nrows - 1), min(c2, self.ncols - 1)
            v = cells.get((r1, c1), "")
            if c2 > c1 and r2 == r1:
                self.span[r1] = (c1, c2)
                continue
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if v:
                        self.cells[(r, c)] = v
        self.by_row: dict[int, list[int]] = {}
        for r, c in sorted(self.cells):
            self.by_row.setdefault(r, []).append(c)

    def get(self, r: int, c: int) -> str:
        return self.cells.get((r, c), "").strip()

    def ref(self, r: int, c: int) -> str:
        return cell_ref(self.table.name, *((c, r) if self.transposed else (r, c)))

    def range_ref(self, r1: int, c1: int, r2: int, c2: int) -> str:
        if self.transposed:
            r1, c1, r2, c2 = c1, r1, c2, r2
        return range_ref(self.table.name, r1, c1, r2, c2)

    def line(self, c: int) -> str:
        """How a person names view column ``c``: a letter, or a row number when transposed."""
        return str(c + 1) if self.transposed else col_letter(c)

    def row_name(self, r: int) -> str:
        return col_letter(r) if self.transposed else str(r + 1)


def blocks(table: Table) -> list[tuple[int, int]]:
    """Runs of non-blank rows of the sheet (inclusive), blank rows between; a run holding at most
    one text per row (a title, a sentence) is a preamble and joins the run that follows."""
    rows = sorted({r for r, _ in table.cells})
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    per_row = Counter(r for r, _ in table.cells)
    out: list[tuple[int, int]] = []
    start: int | None = None
    for run in runs:
        if start is None:
            start = run[0]
        if all(per_row[r] <= 1 for r in run):
            continue  # preamble: keep it with the next run
        out.append((start, run[-1]))
        start = None
    return out


# -- one candidate layout ------------------------------------------------------------------------


@dataclass
class Layout:
    """Where the matrix is, in view coordinates; what the explicit options would say."""

    view: View
    table_no: int  # 1-based among the sheet's tables
    top: int
    bottom: int
    header: int
    levels: list[int]
    category: int
    group: int | None = None
    weight: int | None = None
    purpose: int | None = None
    skipped: list[int] = field(default_factory=list)
    names_row: int | None = None
    score: float = 0.0
    pattern: float = 0.0
    doubts: list[str] = field(default_factory=list)
    explicit: bool = False


@dataclass
class Explicit:
    """The options a person gives to say where the matrix is (any of them)."""

    header_row: int | None = None  # view row index
    levels: tuple[int, int] | None = None  # view columns, inclusive
    category: int | None = None
    group: int | None = None
    weight: int | None = None
    skip: tuple[int, ...] = ()
    table: int | None = None

    @property
    def given(self) -> bool:
        return any(v not in (None, ()) for v in vars(self).values())


def _col_stats(view: View, rows: list[int], c: int) -> tuple[int, float, float, float]:
    """(non-empty count, mean length, distinct share, numeric share) of column ``c`` over rows."""
    vals = [view.get(r, c) for r in rows]
    vals = [v for v in vals if v]
    if not vals:
        return 0, 0.0, 0.0, 0.0
    return (len(vals), statistics.fmean(width(v) for v in vals), len(set(vals)) / len(vals),
            sum(bool(_NUMERIC.match(v)) for v in vals) / len(vals))


def _is_header_repeat(view: View, r: int, h: int, cols: list[int]) -> bool:
    return r != h and all(view.get(r, c) == view.get(h, c) for c in cols) and any(
        view.get(h, c) for c in cols)


def _group_row(view: View, r: int, lay_cols: list[int], label_cols: list[int]) -> str | None:
    """The name on a row that holds a single text in the label area and no descriptors, or a
    merge across the level columns: a group title."""
    if r in view.span:
        c1, c2 = view.span[r]
        if c2 >= lay_cols[0] and c1 <= max(label_cols + [lay_cols[0]]):
            return view.get(r, c1) or None
    if any(view.get(r, c) for c in lay_cols):
        return None
    texts = [view.get(r, c) for c in label_cols if view.get(r, c)]
    return texts[0] if len(set(texts)) == 1 else None


def candidate(view: View, table_no: int, top: int, bottom: int, h: int,
              ex: Explicit | None = None) -> Layout | None:
    """The layout with its header on row ``h`` of the block top..bottom, or None."""
    ex = ex or Explicit()
    heads = {c: view.get(h, c) for c in range(view.ncols)}
    below = [r for r in range(h + 1, bottom + 1) if view.by_row.get(r)]
    if not below:
        return None
    skip = set(ex.skip)
    # the level columns: the best-scoring run of columns with headers and content below
    if ex.levels is not None:
        levels = list(range(ex.levels[0], ex.levels[1] + 1))
    else:
        cand = [c for c in range(view.ncols) if heads[c] and c not in skip and c not in (
            ex.category, ex.group, ex.weight) and not _WEIGHT.search(heads[c])
            and _col_stats(view, below, c)[0] > 0]
        runs: list[list[int]] = []
        for c in cand:
            if runs and runs[-1][-1] == c - 1:
                runs[-1].append(c)
            else:
                runs.append([c])
        options: list[tuple[float, int, list[int]]] = []
        for run in runs:
            for i in range(min(len(run), MAX_LEVELS)):
                for j in range(i + 2, min(len(run), i + MAX_LEVELS) + 1):
                    sub = run[i:j]
                    if sub[0] == 0 and ex.category is None:
                        continue  # no room for category names
                    hs = [heads[c] for c in sub]
                    p = pattern_score(hs)
                    if p < 0 or any(_NOTES.search(x) or (_LABEL.search(x) and not level_code(x)
                                                and not set(_words(x)) & _SENIORITY) for x in hs):
                        p = -1.0
                    if p >= 0:
                        options.append((p, len(sub), sub))
        options.sort(key=lambda o: (-o[0], -o[1]))
        for _, _, levels in options[:4]:
            lay = _with_levels(view, table_no, top, bottom, h, heads, below, levels, ex)
            if lay is not None:
                return lay
        return None
    return _with_levels(view, table_no, top, bottom, h, heads, below, levels, ex)


def _with_levels(view: View, table_no: int, top: int, bottom: int, h: int, heads: dict[int, str],
                 below: list[int], levels: list[int], ex: Explicit) -> Layout | None:
    """The layout once the level columns are chosen: labels, group, weight, notes."""
    skip = set(ex.skip)
    first, last = levels[0], levels[-1]
    # names row: bare codes above a row of level names (sheetladder's own Matrix tab)
    names_row = None
    if all(re.fullmatch(r"[A-Za-z]{0,4}\d{1,3}", heads[c] or "") for c in levels) and below:
        r = below[0]
        if all(view.get(r, c) for c in levels) and not any(view.get(r, c) for c in range(first)):
            names_row = r
            below = below[1:]
    level_cols = set(levels)
    body = [r for r in below if not _is_header_repeat(view, r, h, levels)]
    label_area = [c for c in range(first) if c not in skip]
    data_rows = [r for r in body if _group_row(view, r, levels, label_area) is None]
    if not data_rows:
        return None
    stats = {c: _col_stats(view, data_rows, c) for c in range(view.ncols)}
    desc_len = statistics.fmean(stats[c][1] for c in levels)
    # label columns left of the levels: weight by header, the category the nearest short distinct
    # column, a group left of it whose values repeat
    weight = ex.weight
    purpose = None
    skipped: list[int] = sorted(skip)
    if weight is None:
        weight = next((c for c in range(view.ncols) if c not in level_cols and heads[c]
                       and _WEIGHT.search(heads[c])), None)
    category = ex.category
    if category is None:
        for c in range(first - 1, -1, -1):
            n, mean, distinct, numeric = stats[c]
            if c in skip or c == weight or n == 0:
                continue
            if heads[c] and _NOTES.search(heads[c]) and not _LABEL.search(heads[c]):
                continue
            if distinct >= 0.8 and numeric < 0.5 and (mean <= max(desc_len * 0.8, 12)):
                category = c
                break
        if category is None:
            return None
    group = ex.group
    if group is None:
        for c in range(category - 1, -1, -1):
            n, mean, distinct, numeric = stats[c]
            if c in skip or c == weight or n == 0 or numeric > 0.5:
                continue
            if n < len(data_rows) * 0.9 or distinct < 0.8:
                group = c
                break
    for c in range(view.ncols):
        if c in level_cols or c in (category, group, weight) or c in skip:
            continue
        if stats[c][0] or heads[c]:
            if purpose is None and heads[c] and _PURPOSE.search(heads[c]):
                purpose = c
            else:
                skipped.append(c)
    return Layout(view, table_no, top, bottom, h, levels, category, group, weight, purpose,
                  sorted(set(skipped)), names_row)


# -- the detection a layout gives ----------------------------------------------------------------


def build(lay: Layout, source: str) -> Detection:
    """The matrix a layout describes, with a note for everything not placed."""
    view = lay.view
    notes: list[Note] = []
    sheet = view.table.name
    levels: list[DetectedLevel] = []
    codes_seen: dict[str, str] = {}
    heads = [view.get(lay.header, c) for c in lay.levels]
    parsed = [level_code(x) for x in heads]
    use_codes = lay.pattern >= 3 or all(parsed) and len({p for p in parsed}) == len(parsed)
    for i, c in enumerate(lay.levels):
        text = _squash(heads[i])
        ref = view.ref(lay.header, c)
        p = parse_level_header(text)
        code: str
        name: str
        if use_codes and parsed[i]:
            if p is not None and p[1] is not None and re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", p[0]) \
                    and not re.fullmatch(r"\d+", text):
                code, name = p[0], p[1]
            elif p is not None and p[1] is None:
                code, name = p[0], p[0]
            else:
                pre, num = parsed[i]  # type: ignore[misc]
                code, name = f"{pre or 'L'}{num}", text
        else:
            code, name = f"L{i + 1}", text
        if re.fullmatch(r"\d+", text):
            code, name = f"L{int(text)}", f"Level {int(text)}"
        if lay.names_row is not None:
            name = _squash(view.get(lay.names_row, c)) or name
        if code.upper() in codes_seen:
            code = f"L{i + 1}"
        codes_seen[code.upper()] = ref
        levels.append(DetectedLevel(code, name or code, ref))
    if not use_codes and not all(re.fullmatch(r"\d+", h) for h in heads):
        notes.append(Note(view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1]),
                          f"the header names levels without codes; codes {levels[0].code}–"
                          f"{levels[-1].code} were made up", "level"))
    codes = [lv.code for lv in levels]
    label_area = [c for c in range(lay.levels[0]) if c not in lay.skipped]
    start = (lay.names_row if lay.names_row is not None else lay.header) + 1
    rows = [r for r in range(start, lay.bottom + 1) if view.by_row.get(r)]
    title: str | None = None
    above = [r for r in range(lay.top, lay.header) if view.by_row.get(r)]
    repeats = [r for r in rows if _is_header_repeat(view, r, lay.header, lay.levels)]
    groups: list[DetectedGroup] = []
    gids, cids = _Ids(), _Ids()

    def open_group(name: str, ref: str | None) -> DetectedGroup:
        g = DetectedGroup(gids.make(name, ref or "", "group", notes), name, ref)
        groups.append(g)
        return g

    # a group title directly above the first header, when every repeat of the header has one too
    if repeats and above and above[-1] == lay.header - 1 and any(
            _group_row(view, r - 1, lay.levels, label_area) for r in repeats):
        r = above.pop()
        open_group(_squash(view.get(r, min(view.by_row[r]))), view.ref(r, min(view.by_row[r])))
    for r in above:
        text = " ".join(view.get(r, c) for c in view.by_row[r] if view.get(r, c))
        if title is None:
            title = _squash(text)
        else:
            notes.append(Note(view.ref(r, view.by_row[r][0]),
                              f"text above the matrix ignored: {_clip(text)!r}", "stray"))
    for r in repeats:
        notes.append(Note(view.ref(r, lay.levels[0]), "the level header repeated; skipped", "stray"))
    pending: tuple[str, str] | None = None
    last_group_value: str | None = None
    for r in rows:
        if r in repeats:
            continue
        gname = _group_row(view, r, lay.levels, label_area)
        if gname is not None:
            if pending:
                notes.append(Note(pending[1], f"{_clip(pending[0])!r} has no categories; ignored",
                                  "stray"))
            pending = (_squash(gname), view.ref(r, lay.category))
            continue
        label = _squash(view.get(r, lay.category))
        texts = {code: view.get(r, c) for code, c in zip(codes, lay.levels, strict=True)}
        if not label:
            if any(texts.values()):
                notes.append(Note(view.ref(r, lay.levels[0]),
                                  "descriptors in a row without a category name; ignored", "stray"))
            continue
        if lay.group is not None:
            gv = _squash(view.get(r, lay.group))
            if gv and gv != last_group_value:
                open_group(gv, view.ref(r, lay.group))
                last_group_value = gv
        if pending:
            open_group(pending[0], pending[1])
            pending = None
        if not groups:
            open_group("Categories", None)
            notes.append(Note(view.ref(r, lay.category), "no group header above the first "
                              "category; categories put in a group 'Categories'", "group"))
        ref = view.ref(r, lay.category)
        cat = DetectedCategory(cids.make(label, ref, "category", notes), label, ref, {})
        for code, c in zip(codes, lay.levels, strict=True):
            text = texts[code]
            if text:
                cat.descriptors[code] = _clean_text(view.cells.get((r, c), ""))
            else:
                cat.descriptors[code] = PLACEHOLDER.format(category=label, code=code)
                cat.drafted.add(code)
                notes.append(Note(view.ref(r, c), f"empty: {label} at {code}; a placeholder marked "
                                                  "drafted was written", "empty"))
        if lay.weight is not None:
            wtext = view.get(r, lay.weight)
            w = _parse_weight(wtext) if wtext else None
            if w is None:
                notes.append(Note(view.ref(r, lay.weight),
                                  f"no weight for {label}; 1 used" if not wtext else
                                  f"weight {wtext!r} of {label} is not a positive number; 1 used",
                                  "weight"))
            else:
                cat.weight = w
        if lay.purpose is not None and view.get(r, lay.purpose):
            cat.purpose = _clean_text(view.get(r, lay.purpose))
        groups[-1].categories.append(cat)
    for c in lay.skipped:
        h = view.get(lay.header, c)
        notes.append(Note(view.ref(lay.header, c),
                          f"column {_clip(h)!r} is not part of the matrix; ignored" if h else
                          f"{'row' if view.transposed else 'column'} {view.line(c)} is not part of "
                          "the matrix; ignored", "stray"))
    groups = [g for g in groups if g.categories]
    if not groups:
        raise ImportFailed(f"{source or sheet}: levels found at "
                           f"{view.range_ref(lay.header, lay.levels[0], lay.header, lay.levels[-1])}"
                           " but no category rows with descriptors below them")
    det = Detection(
        source=source, sheet=sheet, orientation="rows" if view.transposed else "columns",
        header_ref=view.range_ref(lay.header, lay.levels[0], lay.names_row or lay.header,
                                  lay.levels[-1]),
        title=title, levels=levels, groups=groups,
        weight_ref=view.ref(lay.header, lay.weight) if lay.weight is not None else None,
        notes=notes)
    return det


def doubts(lay: Layout, det: Detection) -> list[str]:
    """Why the detection may not be the matrix the sheet holds; [] when it is plausible."""
    out: list[str] = []
    cats = det.categories
    n_lv, n_cat = len(det.levels), len(cats)
    if n_lv < 2:
        out.append(f"only {n_lv} level found")
    if n_cat < 2:
        out.append(f"only {n_cat} category found")
    if lay.pattern <= 0:
        out.append("the level names share no pattern (codes, numbers counting up, seniority words "
                   "or a common word): " + ", ".join(repr(lv.name) for lv in det.levels[:6]))
    for lv in det.levels:
        if _NOTES.search(lv.name) or re.fullmatch(r"0+", lv.name.strip()):
            out.append(f"level {lv.name!r} ({lv.ref}) is named like a note or a count")
    texts = [c.descriptors[lv.code] for c in cats for lv in det.levels if lv.code not in c.drafted]
    if n_cat:
        for lv in det.levels:
            have = sum(lv.code not in c.drafted for c in cats)
            if have < 0.5 * n_cat:
                out.append(f"level {lv.name!r} has descriptors for only {have} of {n_cat} categories")
    if texts:
        numeric = sum(bool(_NUMERIC.match(t.strip())) for t in texts) / len(texts)
        refs = sum(bool(_CELLREF.match(t.strip())) for t in texts) / len(texts)
        if numeric > 0.2:
            out.append(f"{numeric:.0%} of the descriptors are numbers, dates or errors, not text")
        if refs > 0.2:
            out.append(f"{refs:.0%} of the descriptors look like cell references")
        distinct = len(set(texts)) / len(texts)
        if distinct < 0.4 and len(texts) > 3:
            out.append(f"only {distinct:.0%} of the descriptors differ from one another")
        mean_desc = statistics.fmean(width(t) for t in texts)
        mean_label = statistics.fmean(width(c.name) for c in cats) if cats else 0
        if mean_desc < 1.3 * mean_label and mean_desc < 40:
            out.append(f"descriptors ({mean_desc:.0f} characters on average) are no longer than "
                       f"category names ({mean_label:.0f})")
    if len(lay.skipped) > max(3, len(det.levels) // 2):
        out.append(f"{len(lay.skipped)} other {'rows' if lay.view.transposed else 'columns'} beside "
                   "the levels hold text: the levels found may be a slice of a larger table")
    names = Counter((g.id, c.name.lower()) for g in det.groups for c in g.categories)
    dup = [n for (_, n), k in names.items() if k > 1]
    if dup:
        out.append(f"category names repeat within a group: {', '.join(repr(d) for d in dup[:3])}")
    return out


def score(lay: Layout, det: Detection, dbt: list[str]) -> float:
    """Higher is likelier: the level pattern, the matrix's size, the corner's word; doubts cost."""
    corner = lay.view.get(lay.header, lay.category)
    s = 3 * lay.pattern + min(len(det.levels) * len(det.categories), 200) / 50
    if corner and _LEVEL_CORNER.match(corner) and lay.view.transposed:
        s += 4  # 'Level' heads the column of levels: they run down the rows
    if corner and _LEVEL_CORNER.match(corner) and not lay.view.transposed and lay.pattern < 3:
        s -= 4
    return s - 5 * len(dbt)


# -- the whole search ----------------------------------------------------------------------------


@dataclass
class Found:
    layout: Layout
    detection: Detection
    doubts: list[str]
    score: float


def layouts(table: Table, source: str, levels_in: Orientation | None = None,
            ex: Explicit | None = None) -> list[Found]:
    """Every candidate layout on one sheet, best first."""
    ex = ex or Explicit()
    out: list[Found] = []
    views = [View(table, t) for t in ((False, True) if levels_in is None else (levels_in == "rows",))]
    bl = blocks(table)
    for view in views:
        if view.ncols > MAX_LINES:
            continue
        for i, (top, bottom) in enumerate(bl, 1):
            if ex.table is not None and i != ex.table:
                continue
            if bottom - top > MAX_ROWS and not view.transposed:
                continue
            vb = (top, bottom) if not view.transposed else (0, view.nrows - 1)
            heads = [ex.header_row] if ex.header_row is not None else [
                r for r in range(vb[0], vb[1] + 1) if len(view.by_row.get(r, [])) >= 2][:6]
            for h in heads:
                lay = candidate(view, i, vb[0], vb[1], h, ex)
                if lay is None:
                    continue
                if view.transposed:
                    # the block's columns are the sheet's rows: keep only what lies in the block
                    pass
                lay.pattern = pattern_score([view.get(h, c) for c in lay.levels])
                try:
                    det = build(lay, source)
                except ImportFailed:
                    continue
                dbt = doubts(lay, det)
                out.append(Found(lay, det, dbt, score(lay, det, dbt)))
            if view.transposed:
                break  # a transposed view sees every block at once
    out.sort(key=lambda f: -f.score)
    return out


def command(found: Found, source: str) -> str:
    """The command line that imports exactly this layout."""
    lay = found.layout
    v = lay.view
    parts = ["sheetladder", "import", _shq(source), "--sheet", _shq(v.table.name)]
    if v.transposed:
        parts += ["--levels-in", "rows"]
    else:
        parts += ["--levels-in", "columns"]
    parts += ["--header-row", v.row_name(lay.header),
              "--levels", f"{v.line(lay.levels[0])}:{v.line(lay.levels[-1])}",
              "--category-col", v.line(lay.category)]
    if lay.group is not None:
        parts += ["--group-col", v.line(lay.group)]
    if lay.weight is not None:
        parts += ["--weight-col", v.line(lay.weight)]
    for c in lay.skipped:
        parts += ["--skip-col", v.line(c)]
    return " ".join(parts)


def _shq(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_./:=@%+-]+", text) else "'" + text.replace("'", "'\\''") + "'"


__all__ = ["Explicit", "Found", "Layout", "View", "blocks", "build", "command", "doubts",
           "layouts", "level_code", "pattern_score", "replace"]
