"""Pairing a workbook's sheets with the plan's, and aligning rows that were inserted or deleted."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..a1 import a1, col_letter
from ..context import GUIDE_SHEET
from ..grid import CellValue, Grid, SheetGrid
from ..plan import C_RATING, SheetPlan, WorkbookPlan
from ..results.report import Severity
from .findings import _Findings, _short
from .formulas import RowMap

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
            score = _aligned_similarity(sp, grid.sheets[n])[0]
            if score >= 0.6:
                candidates.append((-score, i, j, sp.name, n))
    for _, _, _, ename, gname in sorted(candidates):
        if ename in pairs or gname not in free:
            continue
        pairs[ename] = gname
        free.remove(gname)
    swapped = _titles_swapped(expected, grid, pairs)
    if swapped:
        _report_swapped(expected, grid, pairs, swapped, found)
    for sp in expected:
        if sp.name in swapped:
            continue
        got_name = pairs.get(sp.name)
        if got_name is None and sp.role == "rater":
            # a rater's tab deleted took their ratings with it: a finding on the layout (it
            # quotes only the tab's name as made), and no figure (verify_grid)
            found.layout(sp.name, None, f"tab {sp.name!r} is missing")
        elif got_name is None:
            sev: Severity = "warning" if sp.name == GUIDE_SHEET else "error"
            found.add(sev, sp.name, None, f"tab {sp.name!r} is missing")
        elif got_name != sp.name:
            other = next((r for r in plan.context.raters if r.tab != sp.name
                          and r.tab.casefold() == got_name.casefold()), None)
            if other is not None and sp.rater_tab is not None:
                # a --split copy's tab given another rater's name: whose ratings they are is
                # not for the reader to guess (in a whole workbook their text would differ)
                found.add("error", got_name, None,
                          f"tab {sp.name!r} was renamed to {got_name!r}, the tab of another "
                          f"rater of this assessment ({other.role}"
                          + (f" {other.name}" if other.name else "") + "): whose ratings it "
                          f"holds is unknown. Name it {sp.name!r} again if they are "
                          f"{sp.name!r}'s; if they are {got_name!r}'s, they belong on "
                          f"{got_name!r}'s own tab (its file, with --split)")
            else:
                found.add("warning", got_name, None,
                          f"tab {sp.name!r} was renamed to {got_name!r}; it is read as "
                          f"{sp.name!r}")
    for n in free:
        _extra_tab(expected, pairs, grid, n, found)
    return pairs


def _title(sp: SheetPlan) -> object:
    """A rater tab's title (A1: "Peer rating by Cy Park") as :func:`_key` reads it."""
    cell = next((c for c in sp.cells if c.row == 0 and c.col == 0 and c.kind == "text"), None)
    return None if cell is None or _empty(cell.value) else _key(cell.value)


def _titles_swapped(expected: Sequence[SheetPlan], grid: Grid, pairs: dict[str, str]
                    ) -> dict[str, str]:
    """Rater tabs whose names were swapped (or passed round among them): planned name -> the
    tab whose title (A1) names that rater, for each tab of such a round. Only titles that name
    one rater alone count (two unnamed peers' tabs are both "Peer rating"), and only a round
    in which every tab's title names another rater of it: one title retyped is no swap."""
    raters = [sp for sp in expected if sp.role == "rater" and sp.name in pairs]
    titles = {sp.name: _title(sp) for sp in raters}
    count: dict[object, int] = {}
    for t in titles.values():
        count[t] = count.get(t, 0) + 1
    owner = {t: name for name, t in titles.items() if t is not None and count[t] == 1}
    claims: dict[str, str] = {}  # planned name -> the tab titled for it
    holder: dict[str, str] = {}  # that tab -> the planned name it was paired with
    for sp in raters:
        gname = pairs[sp.name]
        got = grid.sheets[gname].get(0, 0)
        if got.formula is not None or _empty(got.value):
            continue
        other = owner.get(_key(got.value))
        if other is not None and other != sp.name and titles[sp.name] in owner:
            if other in claims:  # two tabs titled for one rater: whose is whose is unknown
                return {}
            claims[other] = gname
            holder[gname] = sp.name
    # a round: every planned name whose tab was claimed by another claims one itself
    while True:
        drop = [name for name, gname in claims.items() if holder[gname] not in claims]
        if not drop:
            break
        for name in drop:
            del claims[name]
    for name, gname in claims.items():
        pairs[name] = gname
    return claims


def _report_swapped(expected: Sequence[SheetPlan], grid: Grid, pairs: dict[str, str],
                    swapped: dict[str, str], found: _Findings) -> None:
    """One error for the rater tabs whose names were swapped: each is read as its title says,
    but which rater filled it in is not certain (one may have taken the tab bearing their name
    for their own), so no figure is computed from them (``found.unsure_tabs``)."""
    names = sorted(swapped, key=lambda n: [sp.name for sp in expected].index(n))
    each = ", and ".join(f"the tab named {swapped[n]!r} is titled "
                         f"{_short(str(grid.sheets[swapped[n]].get(0, 0).value), 40)!r} (A1)"
                         for n in names)
    tabs = " and ".join(repr(n) for n in names) if len(names) == 2 else \
        ", ".join(repr(n) for n in names)
    how = (f"rename the tab {swapped[names[0]]!r} to {names[0]!r} and {swapped[names[1]]!r} to "
           f"{names[1]!r} (through a third name)" if len(names) == 2 else
           "rename each tab to the rater its title names ("
           + ", ".join(f"{swapped[n]!r} to {n!r}" for n in names) + ")")
    # a finding on the layout (the tabs' names), quoting only the names and titles the
    # workbook was made with: listed, its raters unnamed, where raters are pooled
    found.layout(swapped[names[0]], "A1",
                 f"tabs {tabs} were "
                 f"{'swapped' if len(names) == 2 else 'renamed among themselves'}: {each}. Their "
                 "ratings are read as the titles say, but a rater may have filled in the tab "
                 "bearing their name instead, so whose ratings each tab holds is not certain "
                 f"and no figure is computed: {how}, and read again (if a rater did fill in "
                 "the tab bearing their name, copy their ratings onto their own tab as values "
                 "only first)")
    found.unsure_tabs += [swapped[n] for n in names]


def _typed(sp: SheetPlan, sg: SheetGrid, al: _Alignment
           ) -> dict[tuple[int, int], tuple[tuple[int, int], object]]:
    """What ``sg`` holds in the cells people type in on ``sp`` (ratings, evidence, comments):
    per planned cell, where it is on ``sg`` (rows as ``al`` aligns them) and its value as read,
    case and spacing aside for a rating (``s3`` is ``S3``), text as typed; blank text as
    nothing."""
    out: dict[tuple[int, int], tuple[tuple[int, int], object]] = {}
    for c in sp.cells:
        if c.kind != "input":
            continue
        row = al.to_grid(c.row)
        if row is None:
            continue
        col = al.col(c.col)
        cell = sg.cells.get((row, col)) if col is not None else None
        if col is None or cell is None or _empty(cell.value):
            continue
        value = cell.value
        if c.col == C_RATING:
            key: object = _key(value)
        else:
            key = value.strip() if isinstance(value, str) else _key(value)
        if key != "":
            out[(c.row, c.col)] = ((row, col), key)
    return out


def _aligned_similarity(sp: SheetPlan, sg: SheetGrid) -> tuple[float, _Alignment]:
    """How much of ``sp``'s fixed text ``sg`` holds once its rows are aligned with the plan (a
    copy of a tab with a row inserted is still a copy), and that alignment."""
    al = _align(sp, sg)
    texts = [c for c in sp.cells if c.kind == "text" and not _empty(c.value)][:60]
    if not texts:
        return 0.0, al
    same = 0
    for c in texts:
        row = al.to_grid(c.row)
        if row is not None and _key(sg.get(row, c.col).value) == _key(c.value):
            same += 1
    return same / len(texts), al


def _cells(keys: Sequence[tuple[int, int]]) -> str:
    return ", ".join(a1(r, c) for r, c in keys[:3]) + (
        f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def _extra_tab(expected: Sequence[SheetPlan], pairs: dict[str, str], grid: Grid, name: str,
               found: _Findings) -> None:
    """A tab that is not part of the workbook as made: ignored with a warning, unless it is a
    copy of a rater's tab (a spreadsheet's "create a copy") holding ratings or text that differ
    from the tab read; reading would then drop what was typed on the copy, so it is an error
    naming the cells and what to do.

    The copy is compared with the tab it is most like, and only with it: every rater tab has
    the same categories, so a copy of Self is also much like the manager's tab. Both are read
    with their rows aligned with the plan, as the tab read is: a row inserted in either moves
    the cells compared with it."""
    sg = grid.sheets[name]
    scored = [(*_aligned_similarity(sp, sg), sp) for sp in expected
              if sp.name in pairs and any(c.kind == "input" for c in sp.cells)]
    best = max((score for score, _, _ in scored), default=0.0)
    if best < 0.6:
        found.add("warning", name, None,
                  f"unexpected tab {name!r}: not part of the workbook as made; ignored")
        return
    alike = [(sp, al) for score, al, sp in scored if score == best]
    copy = _typed(alike[0][0], sg, alike[0][1])

    def held_of(sp: SheetPlan) -> dict[tuple[int, int], tuple[tuple[int, int], object]]:
        tab = grid.sheets[pairs[sp.name]]
        return _typed(sp, tab, _align(sp, tab))

    for sp, _ in alike:  # tabs alike to the letter: a copy of any one of them loses nothing
        held = held_of(sp)
        if all(k in held and held[k][1] == v for k, (_, v) in copy.items()):
            found.add("warning", name, None, f"unexpected tab {name!r}: a copy of "
                      f"{pairs[sp.name]!r} holding nothing it does not; ignored")
            return
    if len(alike) > 1 and copy:
        # as like one rater tab as another, and the same as none: a copy retitled (another
        # rater's, maybe), which no advice to copy it onto one tab can be trusted for
        _copied_ratings(name, copy, sorted(copy), found)
        tabs = ", ".join(repr(pairs[sp.name]) for sp, _ in alike)
        found.add("error", name, a1(*copy[min(copy)][0]),
                  f"tab {name!r} is not part of the workbook as made: laid out like the rater "
                  f"tabs ({tabs}) but the same as none of them, it holds ratings or text that "
                  "would be lost, as only those tabs are read. If it is another rater's, they "
                  "need a tab of their own (render the workbook again with them among the "
                  "raters); if it is a copy of one of those tabs, copy what it holds onto that "
                  f"tab; then delete {name!r} and read again")
        return
    read_as = pairs[alike[0][0].name]
    tab = grid.sheets[read_as]
    held = held_of(alike[0][0])
    lacking = sorted(k for k in copy if k not in held)
    clash = sorted(k for k in copy if k in held and held[k][1] != copy[k][1])
    first = copy[min(lacking + clash)][0]
    _copied_ratings(name, copy, sorted(lacking + clash), found)

    def where(keys: list[tuple[int, int]]) -> str:
        return _cells([copy[k][0] for k in keys])

    if not clash:
        found.add("error", name, a1(*first),
                  f"tab {name!r} is a copy of {read_as!r} holding what {read_as!r} does not "
                  f"({where(lacking)}); only {read_as!r} is read, so this would be lost: copy "
                  f"those cells and paste them onto the same cells of {read_as!r} as values "
                  f"only, then delete {name!r} (or, if {read_as!r} is right without it, just "
                  f"delete {name!r}), and read again. Do not delete {read_as!r} instead: the "
                  "Summary's formulas read it and would be lost")
        return

    def shown_one(k: tuple[int, int]) -> str:
        (r, c), (tr, tc) = copy[k][0], held[k][0]
        there = f" ({a1(tr, tc)})" if (tr, tc) != (r, c) else ""
        return (f"{a1(r, c)}: {_short(str(sg.cells[(r, c)].value), 20)!r} here, "
                f"{_short(str(tab.cells[(tr, tc)].value), 20)!r} on {read_as!r}{there}")

    shown = "; ".join(shown_one(k) for k in clash[:3]) + (
        f"; {len(clash) - 3} more" if len(clash) > 3 else "")
    also = f"; it also holds what {read_as!r} does not ({where(lacking)})" if lacking else ""
    found.add("error", name, a1(*first),
              f"tab {name!r} is a copy of {read_as!r} that disagrees with it ({shown}){also}; "
              f"only {read_as!r} is read: keep the right one, then read again (delete {name!r} "
              f"if {read_as!r} is right; else paste its cells onto {read_as!r} as values only "
              f"and delete {name!r}, never {read_as!r}: the Summary's formulas read it)")


def _copied_ratings(name: str, copy: dict[tuple[int, int], tuple[tuple[int, int], object]],
                    keys: Sequence[tuple[int, int]], found: _Findings) -> None:
    """The ratings among ``keys`` (planned cells of copy ``name``, lacking on the tab read or
    held otherwise there) noted in ``found.copied_ratings``: the figures from the tab read would
    score those categories as the tab has them, while the copy says otherwise, and which of
    the two is the rater's cannot be told. Comments alone move no figure."""
    found.copied_ratings += [f"{name}!{a1(*copy[k][0])}" for k in keys if k[1] == C_RATING]


@dataclass
class _Alignment:
    """Where each planned row of a sheet is now (None: deleted), and the rows inserted."""

    rows: dict[int, int | None]
    inserted: list[int]
    deleted: list[int]
    identity: bool
    # planned row -> the grid row it was moved to (sorted, or cut and pasted elsewhere): found
    # by its labels out of the order of the rows around it; ``rows`` maps it there too
    moved: dict[int, int] = field(default_factory=dict)
    # planned column -> where it is now (None: deleted), when columns were inserted or deleted
    # (see :func:`_columns`); the grid's columns inserted and the planned ones deleted
    cols: dict[int, int | None] | None = None
    cols_inserted: list[int] = field(default_factory=list)
    cols_deleted: list[int] = field(default_factory=list)

    def col(self, col: int) -> int | None:
        """Where planned column ``col`` is now (None: deleted); beyond the planned columns,
        shifted like the last planned one."""
        cols = self.cols
        if cols is None:
            return col
        if col in cols:
            return cols[col]
        last = max(cols)
        got = cols[last]
        return col + ((got if got is not None else last) - last)

    def col_map(self) -> RowMap:
        """:meth:`row_map`'s like for columns: a range's ends move inwards past a column
        deleted, as a spreadsheet moves them."""
        return _edge_map(self.col, sorted(self.cols or {}))

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
        return _edge_map(self.to_grid, sorted(self.rows))


@dataclass(frozen=True)
class SheetFacts:
    """What checking a sheet against its plan asks of the plan alone, worked out once per
    layout (:class:`VerifyMemo`) rather than once per file. A copy of the layout naming
    another person (``_personalised``) has the same cells at the same places, only some texts
    differ: the facts hold indexes and places, never values, so they serve every copy."""

    labels: tuple[int, ...]  # text and number cells, not empty in the layout, outside the
    # columns people type in
    fixed: tuple[int, ...]  # every cell but the inputs: what ``_compare_sheet`` compares
    places: frozenset[tuple[int, int]]  # every planned cell's place
    last: int  # the last planned row (-1 for no cells)
    max_col: int  # the last planned column (-1 for no cells)

    @classmethod
    def of(cls, sp: SheetPlan) -> SheetFacts:
        cells = sp.cells
        typed_cols = {c.col for c in cells if c.kind == "input"}
        return cls(
            labels=tuple(j for j, c in enumerate(cells) if c.kind in ("text", "number")
                         and not _empty(c.value) and c.col not in typed_cols),
            fixed=tuple(j for j, c in enumerate(cells) if c.kind != "input"),
            places=frozenset((c.row, c.col) for c in cells),
            last=max((c.row for c in cells), default=-1),
            max_col=max((c.col for c in cells), default=-1))


def _in_place(sp: SheetPlan, sg: SheetGrid, facts: SheetFacts | None = None) -> tuple[bool, int]:
    """Whether every row is where the plan has it: each label (as :func:`_labels` reads them)
    at its planned cell, and no other label-column content in the planned rows. The same answer
    as comparing :func:`_align`'s row keys, without computing a key per cell. Also the last
    planned row."""
    facts = facts if facts is not None else SheetFacts.of(sp)
    cells = sp.cells
    last = facts.last
    get = sg.cells.get
    label_cols: set[int] = set()
    count = 0
    for j in facts.labels:
        c = cells[j]
        value = c.value
        col = c.col
        if value is None or value == "":  # (a copy's own text, as :func:`_labels` skips it)
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


def _align(sp: SheetPlan, sg: SheetGrid, facts: SheetFacts | None = None) -> _Alignment:
    facts = facts if facts is not None else SheetFacts.of(sp)
    same, last = _in_place(sp, sg, facts)
    # every label in place, yet the sheet ends in another column: a column of formulas only
    # (the Summary's last) inserted before or deleted?
    columns = _columns(sp, sg) if same and sg.max_col != facts.max_col else None
    if same and columns is None:
        return _Alignment({r: r for r in range(last + 1)}, [], [], True)
    if columns is None:
        columns = _columns(sp, sg)
    if columns is None:
        al = _align_rows(sp, sg, None)
        if al.identity:
            return al
        # rows inserted or deleted too: the rows holding nothing typed are found by their text
        # in any column, and the columns known by what those rows hold where they are now
        columns = _columns(sp, sg, _rows_any_column(sp, sg))
        if columns is None:
            return al
    cols, inserted, deleted = columns
    al = _align_rows(sp, sg, cols)
    al.identity = False
    al.cols, al.cols_inserted, al.cols_deleted = cols, inserted, deleted
    return al


def _rows_any_column(sp: SheetPlan, sg: SheetGrid) -> dict[int, int]:
    """Planned row -> the grid row holding its labels (as :func:`_labels` reads them) in any
    columns: rows aligned before the columns are known, for :func:`_columns` to read the rows
    holding nothing typed where they are now when rows were inserted or deleted too. A grid
    row's labels are its fixed values that the plan has as a label somewhere; only rows whose
    labels are found, in order, are mapped."""
    labels = _labels(sp)
    vocab = {k for cells in labels.values() for _, k in cells}
    last = max((c.row for c in sp.cells), default=-1)
    exp = [tuple(sorted((k for _, k in labels.get(r, [])), key=repr)) for r in range(last + 1)]
    per_row: dict[int, list[object]] = {}
    for (r, _), cell in sg.cells.items():
        if cell.formula is None and not _empty(cell.value):
            k = _key(cell.value)
            if k in vocab:
                per_row.setdefault(r, []).append(k)
    got = [tuple(sorted(per_row.get(r, []), key=repr)) for r in range(max(sg.max_row, last) + 1)]
    out: dict[int, int] = {}
    sm = difflib.SequenceMatcher(None, exp, got, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                if exp[i1 + k]:
                    out[i1 + k] = j1 + k
        elif tag == "replace":
            # a column deleted took some of a row's labels with it: a row holding some of a
            # planned row's labels and nothing else is that row, in order
            j = j1
            for i in range(i1, i2):
                want = Counter(exp[i])
                for jj in range(j, j2):
                    if got[jj] and Counter(got[jj]) <= want:
                        out[i] = jj
                        j = jj + 1
                        break
    return out


def _columns(sp: SheetPlan, sg: SheetGrid, at: dict[int, int] | None = None
             ) -> tuple[dict[int, int | None], list[int], list[int]] | None:
    """Columns inserted or deleted: planned column -> where it is now (None: deleted), the
    grid's columns inserted and the planned columns deleted; None when the columns are as
    made, or how they changed is not certain.

    Each column is known by its fixed text in the rows that hold nothing typed (a rater tab's
    title, headings and totals), rows in place: the columns are as made, or some were inserted
    or deleted, only when every column's text is found whole, in its order, in one column. A
    column whose text changed, or rows moved too, is no such certainty: the findings are then
    those of the cells, unless ``at`` (planned row -> grid row) says where the rows are now:
    then each of those rows is read where ``at`` puts it (rows inserted or deleted too), and
    those it does not place are left out."""
    typed_rows = {c.row for c in sp.cells if c.kind == "input"}
    fixed = [c for c in sp.cells if c.kind in ("text", "number") and not _empty(c.value)
             and c.row not in typed_rows and (at is None or c.row in at)]
    if not fixed:
        return None
    rows = {c.row for c in fixed}
    # grid row -> the planned row read there
    back = {r: r for r in rows} if at is None else {at[r]: r for r in rows}
    ncol = max(c.col for c in sp.cells) + 1
    exp_d: dict[int, list[tuple[int, object]]] = {}
    for c in fixed:
        exp_d.setdefault(c.col, []).append((c.row, _key(c.value)))
    got_d: dict[int, list[tuple[int, object]]] = {}
    for (r, col), cell in sg.cells.items():
        if r in back and cell.formula is None and not _empty(cell.value):
            got_d.setdefault(col, []).append((back[r], _key(cell.value)))
    # a column without text in those rows (the Summary's last, of formulas only) is known by
    # the rows holding its formulas
    for c in sp.cells:
        if c.kind == "formula" and c.row in rows and c.col not in exp_d:
            exp_d.setdefault(-1 - c.col, []).append((c.row, "="))
    for (r, col), cell in sg.cells.items():
        if r in back and cell.formula is not None and col not in got_d:
            got_d.setdefault(-1 - col, []).append((back[r], "="))
    exp = [tuple(sorted(exp_d.get(col) or exp_d.get(-1 - col, []))) for col in range(ncol)]
    got = [tuple(sorted(got_d.get(col) or got_d.get(-1 - col, [])))
           for col in range(max((abs(k) - (k < 0) for k in got_d), default=-1) + 1)]
    while exp and not exp[-1]:
        exp.pop()
    while got and not got[-1]:
        got.pop()
    ops = difflib.SequenceMatcher(None, exp, got, autojunk=False).get_opcodes()
    if any(tag == "replace" for tag, *_ in ops) or all(tag == "equal" for tag, *_ in ops):
        return None
    used = {col for (_, col), cell in sg.cells.items()
            if cell.formula is not None or not _empty(cell.value)}
    if any(tag == "delete" and j1 >= len(got) and j1 in used for tag, _, _, j1, _ in ops):
        return None  # the last columns' text cleared, their formulas still there: not deleted
    if any(tag == "delete" and not all(exp[i] for i in range(i1, i2))
           for tag, i1, i2, _, _ in ops):
        return None  # a column deleted that has no text to know it by: not certain
    cols: dict[int, int | None] = {}
    inserted: list[int] = []
    deleted: list[int] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            for k in range(i2 - i1):
                cols[i1 + k] = j1 + k
        elif tag == "delete":
            for i in range(i1, i2):
                cols[i] = None
                deleted.append(i)
        elif tag == "insert" and i1 < len(exp):
            inserted.extend(range(j1, j2))
    if not inserted and not deleted:
        return None
    last = max(cols)
    for col in range(last + 1, ncol):  # planned columns without text, after the last: shifted
        got_last = cols[last]
        cols[col] = None if got_last is None else col + got_last - last
    return cols, inserted, deleted


def _align_rows(sp: SheetPlan, sg: SheetGrid, cols: dict[int, int | None] | None
                ) -> _Alignment:
    """The rows of ``sg`` aligned with the plan's by their labels, read in the columns
    ``cols`` puts them (planned column -> grid column, None: deleted; None: as made)."""
    labels = _labels(sp)
    if cols is not None:
        labels = {r: [(col, k) for col, k in cells if cols.get(col, col) is not None]
                  for r, cells in labels.items()}
    last = max((c.row for c in sp.cells), default=-1)
    label_cols = {col for cells in labels.values() for col, _ in cells}
    exp = [tuple(sorted(labels.get(r, []))) for r in range(last + 1)]
    got: list[tuple[tuple[int, object], ...]] = []
    place: dict[int, int] = {}
    for col in label_cols:
        now = col if cols is None else cols.get(col, col)
        if now is not None:
            place[col] = now
    for r in range(max(sg.max_row, last) + 1):
        row: list[tuple[int, object]] = []
        for col in sorted(label_cols):
            cell = sg.cells.get((r, place[col]))
            if cell is not None and cell.formula is None and not _empty(cell.value):
                row.append((col, _key(cell.value)))
        got.append(tuple(row))
    if got[: last + 1] == exp:
        return _Alignment({r: r for r in range(last + 1)}, [], [], True)
    labelled = max((r for r, cells in labels.items() if cells), default=-1)
    if sg.max_row < labelled:
        # the sheet ends before its last row of labels: rows at its end were deleted (or
        # cleared, which leaves the file the same); aligned so, they are found deleted, not
        # as labels and formulas deleted one by one. Rows after the last labelled one follow it
        exp, got = exp[: labelled + 1], got[: sg.max_row + 1]
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
    opcodes = sm.get_opcodes()
    moved = _moves(exp, got, rows, opcodes)
    if moved:
        taken = set(moved.values())
        for i, j in moved.items():
            rows[i] = j
        for i, at in list(rows.items()):
            if i not in moved and at in taken:  # paired by place with a row moved here
                rows[i] = None
        deleted = [i for i in range(len(exp)) if rows.get(i, i) is None]
        held = {j for j in rows.values() if j is not None}
        # a row left where a moved row was is inserted only if it holds labels (a cut row
        # leaves a blank one)
        inserted = sorted({j for j in inserted if j not in held}
                          | {j for j in _paired_away(moved, opcodes)
                             if j not in held and got[j]})
    return _Alignment(rows, inserted, deleted, False, moved)


def _edge_map(where: Callable[[int], int | None], planned: Sequence[int]) -> RowMap:
    """A reference's place now, given ``where`` a planned row (or column) is: a range's
    ``start`` (``end``) past a deleted one moves to the next (previous) one still there, as a
    spreadsheet moves it; a single reference (``one``) to a deleted one is lost."""

    def move(i: int, side: str) -> int | None:
        got = where(i)
        if got is not None or side == "one":
            return got
        seq = [p for p in planned if p > i] if side == "start" else \
            [p for p in reversed(planned) if p < i]
        for p in seq:
            got = where(p)
            if got is not None:
                return got
        return None

    return move


_Opcodes = Sequence[tuple[str, int, int, int, int]]


def _moves(exp: Sequence[object], got: Sequence[object], rows: dict[int, int | None],
           opcodes: _Opcodes) -> dict[int, int]:
    """Planned rows whose labels are not where the rows around them put them, but in exactly
    one row that no planned row holds in order (the rows were sorted, or one was cut and
    pasted elsewhere): planned row -> that row. A row whose labels the plan holds more than
    once, or a blank one, cannot be told from another and is never taken as moved."""
    in_order = {j1 + k for tag, _, _, j1, j2 in opcodes if tag == "equal"
                for k in range(j2 - j1)}
    counts: dict[object, int] = {}
    for key in exp:
        counts[key] = counts.get(key, 0) + 1
    free: dict[object, list[int]] = {}
    for j, key in enumerate(got):
        if j not in in_order and key:
            free.setdefault(key, []).append(j)
    out: dict[int, int] = {}
    for i, key in enumerate(exp):
        at = rows.get(i)
        if not key or counts[key] > 1 or (at is not None and got[at] == key):
            continue
        there = free.get(key, [])
        if len(there) == 1:
            out[i] = there[0]
    return out


def _paired_away(moved: dict[int, int], opcodes: _Opcodes) -> list[int]:
    """Rows of the grid that a planned row was paired with by place (in a block that differs)
    and is no longer: that planned row was found moved elsewhere."""
    out: list[int] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "replace":
            for d in range(min(i2 - i1, j2 - j1)):
                if i1 + d in moved and moved[i1 + d] != j1 + d:
                    out.append(j1 + d)
    return out


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


def _displaced(al: _Alignment) -> dict[int, int]:
    """The rows moved (:attr:`_Alignment.moved`) and each row now in the place one of them
    was made in: of two rows swapped, the alignment finds one moved and the other in order,
    yet both are out of place. A row's place is its row as made shifted by the rows inserted
    and deleted before it."""
    out = dict(al.moved)
    at = {j: i for i, j in al.rows.items() if j is not None}
    for i in al.moved:
        place = i - sum(1 for d in al.deleted if d < i)
        for g in sorted(al.inserted):
            if g <= place:
                place += 1
        k = at.get(place)
        if k is not None and k != i and k not in out:
            out[k] = place
    return out


def _column_heading(sp: SheetPlan, col: int) -> str:
    """A planned column's heading: its text in the row of most headings (of the rows holding
    nothing typed)."""
    typed_rows = {c.row for c in sp.cells if c.kind == "input"}
    texts = [c for c in sp.cells if c.kind == "text" and not _empty(c.value)
             and c.row not in typed_rows]
    per_row: dict[int, int] = {}
    for c in texts:
        per_row[c.row] = per_row.get(c.row, 0) + 1
    for row in sorted(per_row, key=lambda r: (-per_row[r], r)):
        got = next((c for c in texts if c.row == row and c.col == col), None)
        if got is not None:
            return repr(_short(str(got.value), 40))
    return "a blank column"


def _report_columns(sp: SheetPlan, gname: str, al: _Alignment, found: _Findings) -> None:
    """One error per run of columns inserted or deleted, saying what to do."""
    rater = sp.role == "rater"
    for a, b in _runs(al.cols_inserted):
        what = (f"column {col_letter(a)} was inserted" if a == b else
                f"columns {col_letter(a)}–{col_letter(b)} were inserted")
        n = b - a + 1
        read = (" Its ratings are read where they are now, but no figure is computed until "
                "then." if rater and al.col(C_RATING) is not None else "")
        found.layout(gname, f"{col_letter(a)}1",
                     f"{what} (not part of the workbook as made): the columns after it are "
                     f"{'one column' if n == 1 else f'{n} columns'} to the right of where the "
                     f"workbook was made with them. Delete {'it' if n == 1 else 'them'} (or undo "
                     f"the insertion) and read again.{read}")
    for a, b in _runs(al.cols_deleted):
        what = (f"column {col_letter(a)} of the workbook as made ({_column_heading(sp, a)}) "
                "was deleted" if a == b else
                f"columns {col_letter(a)}–{col_letter(b)} of the workbook as made were deleted")
        lost = ("its ratings are lost, so no figure is computed" if rater and a <= C_RATING <= b
                else "what it held is lost (a formula that read it shows #REF!)")
        read = (" The ratings are read where they are now, but no figure is computed until "
                "then." if rater and not a <= C_RATING <= b else "")
        found.layout(gname, f"{col_letter(a)}1",
                     f"{what}: the columns after it moved to the left, and {lost}. Undo the "
                     "deletion (or go back to the file as saved before it) and read again."
                     + read)


def _report_rows(sp: SheetPlan, gname: str, al: _Alignment, found: _Findings) -> None:
    if al.cols is not None:
        _report_columns(sp, gname, al, found)
    if al.moved:
        order = sorted(_displaced(al).items(), key=lambda m: m[1])
        shown = "; ".join(f"{_row_label(sp, i)} (row {i + 1} as made) is in row {j + 1}"
                          if i != j else f"{_row_label(sp, i)} is in row {j + 1}, out of order"
                          for i, j in order[:3]) + (
            f"; and {len(order) - 3} more row(s)" if len(order) > 3 else "")
        found.layout(gname, f"A{order[0][1] + 1}",
                     f"rows were moved (sorted, or cut and pasted elsewhere): {shown}. The "
                     "workbook's formulas read each row where it was made, so what it shows is "
                     "no longer right: put the rows back in their order as made (undo the sort, "
                     "or go back to the file as saved before it) and read again")
    for a, b in _runs(al.inserted):
        what = f"row {a + 1} was inserted" if a == b else f"rows {a + 1}–{b + 1} were inserted"
        found.layout(gname, f"A{a + 1}", what + " (not part of the workbook as made)")
    for a, b in _runs(al.deleted):
        if a == b:
            found.layout(gname, f"A{a + 1}",
                         f"row {a + 1} of the workbook as made ({_row_label(sp, a)}) was deleted")
        else:
            found.layout(gname, f"A{a + 1}",
                         f"rows {a + 1}–{b + 1} of the workbook as made were deleted")
