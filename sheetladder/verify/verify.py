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
* A rating is read exactly as the workbook's own formula reads it (``ratings.parse_rating``):
  what the workbook shows #N/A for (``3``, a level's name, ``S9``) is refused with its cell,
  once; stored results that depend on it are not compared, so one mistake is never reported
  twice.
* A hidden sheet that was edited (its hashes do not match) drives no figure: the report's
  totals, levels and progress are withheld (``Report.figures_withheld``).
* Rows inserted or deleted are found by aligning the rows' labels with the plan, reported once,
  and then allowed for: cells are compared at their new place and formula references are shifted
  the way a spreadsheet shifts them, so one inserted row does not turn into a hundred findings;
  the ratings are read where the rows put them, but no figure is computed from a workbook so
  changed (a row deleted took its rating with it: a total its rater never gave).
  Rows moved (sorted, or cut and pasted elsewhere) are found by their labels out of order and
  reported once as moved, not as rows inserted and deleted; a rater tab's ratings are then
  read under their categories' names, but no figure is computed from them (whether a rating
  moved with its name depends on which columns were sorted).
* Columns inserted or deleted on a sheet are found by the fixed text of the rows that hold
  nothing typed (a rater tab's headings and totals), reported once per run of columns, and
  allowed for as rows are: cells compared and ratings read where they are now, references
  shifted, on a tab whose rows were inserted or deleted too (the rows holding nothing typed
  are first found by their text in any column). No figure is computed from a workbook so
  changed, on any tab, until it is mended.
* A copy of a rater tab (``Self (2)``) holding what the tab lacks is an error naming its cells,
  as only the tab is read; when it holds ratings the tab lacks or holds otherwise, which of the
  two is the rater's is not certain, so no figure is computed (as with two files disagreeing
  on a tab).
* A rating cut and pasted (or dragged) to another cell takes the formulas reading it along
  (``H5`` reads ``D6``): an error at each such formula saying so, and no figure, as which
  category the rating is for is not certain.
* A rater tab deleted (its ratings with it), or any tab the formulas read deleted (a copy
  renamed to its name since, maybe: its formulas are #REF! for good), gives no figure, as a
  row deleted does; so does a hidden sheet whose assessment (person, period, raters) was
  edited, even with a trusted ladder, which vouches for a ladder, never for a context.
* Two rater tabs given each other's names (each tab's title in A1 names the other's rater) are
  one error: each is read as its title says, and no figure is computed, as a rater may have
  filled in the tab bearing their name.
* Copies of one assessment are merged tab by tab (``results.read.merge``); two copies holding
  different ratings on one tab are an error finding naming both files and the cells, and the
  report gives no figures until one copy is removed or named with ``keep``.
* The hash on the hidden sheet detects edits made by hand, not by someone who recomputes it: it
  is a checksum, not a signature.
"""



import dataclasses
import functools
import hashlib
import math
import re
import shlex
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from pydantic import ValidationError

from .. import scoring
from ..a1 import a1
from ..context import (
    GUIDE_FACTS,
    GUIDE_PERSON_CELL,
    GUIDE_SHEET,
    META_SHEET,
    Context,
    check_raters,
    person_key,
)
from ..definition import FORMAT_VERSION, Ladder, from_json
from ..errors import BadInput, UnreadableWorkbook
from ..grid import CellValue, Grid, GridCell, SheetGrid
from ..period import (
    CALENDAR,
    Period,
    PeriodError,
    normalise,
    parse_period,
    period_or_none,
    periods_in_name,
)
from ..plan import (
    PLAN_VERSION,
    Cell,
    RaterTabs,
    SheetPlan,
    WorkbookPlan,
    build_plan,
    stored_results,
)
from ..results.report import Finding, LadderRef, Report, Severity, withhold_figures
from ..scoring import RaterInput
from ..xlsx.fast_read import SheetMemo
from .align import SheetFacts, _align, _Alignment, _empty, _pair_sheets, _report_rows
from .findings import _SHORT, _Findings, _short
from .formulas import RowMap, _num_text, canonical_formula, refs_lost
from .ratings import _shown, parse_rating, true_false_formula, true_false_message

MAX_CELL_TEXT = 32767  # what an .xlsx cell holds; longer text is cut when it is written

# -- the result of verifying one file ------------------------------------------------------------


@dataclass
class Verified:
    """A report plus what merging copies needs: the ladder, the context, the tabs read."""

    report: Report
    ladder: Ladder
    context: Context
    tabs_present: set[str] = field(default_factory=set)
    inputs: dict[str, RaterInput] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)  # tabs that merged copies disagree on


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
    if not grid.names:  # Excel, LibreOffice and Google never save a workbook without a sheet
        raise UnreadableWorkbook(
            grid.source, "damaged: the workbook holds no sheets at all; ask whoever sent it "
                         "for the file as it was sent")
    tabs = ", ".join(repr(n) for n in grid.names[:8]) + (", …" if len(grid.names) > 8 else "")
    people = next((name for name, sg in grid.sheets.items() if _names_a_person_column(sg)), None)
    if people is not None:  # a roster kept as .xlsx, or an export: no one's returned workbook
        raise UnreadableWorkbook(
            grid.source, f"a table of people (a roster or an export: sheet {people!r} has a "
                         f"'person' column), not a returned workbook: keep it out of the files "
                         "and folders to collect")
    raise UnreadableWorkbook(
        grid.source,
        f"not a sheetladder workbook: it has no hidden {META_SHEET} sheet (tabs: {tabs}); "
        "leave it out of the files to read, or, if it is a return whose tabs were copied "
        "into another workbook, ask for the file as it was sent",
    )


def _names_a_person_column(sg: SheetGrid) -> bool:
    """Whether the first row of ``sg`` holding anything has a ``person`` header."""
    rows = [r for (r, _), c in sg.cells.items() if c.value not in (None, "")]
    if not rows:
        return False
    first = min(rows)
    return any(r == first and isinstance(c.value, str) and
               " ".join(c.value.split()).casefold() == "person"
               for (r, _), c in sg.cells.items())


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
    ladder_digest = hashlib.sha256(ladder_json.encode("utf-8")).hexdigest()
    ladder_ok = meta.get("ladder_hash") == ladder_digest
    if meta.get("hash") != digest and ladder_ok:
        # the ladder is as made, so the assessment was edited (who is assessed, for which
        # period, by whom): a trusted ladder vouches for no context, so this is a finding no
        # ladder mends (Finding.layout), and the figures stay withheld
        found.layout(name, cells.get("hash"),
                     "the hidden sheet was edited: its content does not match its hash (its "
                     "ladder is as made, so what was edited is the assessment: who is assessed, "
                     "for which period, by whom); render the workbook again, or go back to the "
                     "file as sent")
        found.definition_doubt = "the workbook's hidden definition was edited"
    elif meta.get("hash") != digest:
        found.add("error", name, cells.get("hash"),
                  "the hidden sheet was edited: its content does not match its hash")
        found.definition_doubt = "the workbook's hidden definition was edited"
    if not ladder_ok:
        found.add("error", name, cells.get("ladder_hash"),
                  "the hidden sheet was edited: the ladder does not match its hash")
        found.definition_doubt = "the workbook's hidden definition was edited"
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


@functools.lru_cache(maxsize=32)  # a batch embeds a few ladders
def ladder_from_json(text: str) -> Ladder:
    """The ladder a workbook embeds, validated once per distinct JSON (ladders are frozen, so
    one object serves every file that embeds the same text)."""
    return from_json(text)


def ladder_facts(ladder: Ladder) -> tuple[str, str]:
    """(canonical JSON, content hash) of a ladder (each computed once per ladder object)."""
    return ladder.canonical_json(), ladder.content_hash()


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


def changed(what: str, was: str, now: str, width: int = 40) -> str:
    """A finding's account of a changed value that shows the change: both whole when short,
    else both cut around the first character where they differ, with its position (two copies
    of the same cut-off prefix would hide the very difference reported)."""
    if len(was) <= _SHORT and len(now) <= _SHORT:
        if what == "text":
            return f"text changed from {_fmt(was)} to {_fmt(now)}"
        return f"{what} changed to {now} (the workbook as made has {was})"
    i = next((k for k, (x, y) in enumerate(zip(was, now, strict=False)) if x != y),
             min(len(was), len(now)))
    start = max(0, i - width // 2)

    def cut(s: str) -> str:
        piece = " ".join(s[start:start + width].split("\n"))
        return ("…" if start else "") + piece + ("…" if start + width < len(s) else "")

    return (f"{what} changed at character {i + 1} of {len(was)}: {cut(was)!r} is now "
            f"{cut(now)!r}" + (f" ({len(now)} characters)" if len(now) != len(was) else ""))


@dataclass
class _SheetCheck:
    grid: SheetGrid
    intact: list[tuple[Cell, tuple[int, int]]] = field(default_factory=list)  # formula cells


def _compare_sheet(sp: SheetPlan, sg: SheetGrid, al: _Alignment, aliases: Mapping[str, str],
                   row_maps: Mapping[str, RowMap] | None, found: _Findings,
                   cut: frozenset[str] = frozenset(), moved: bool = False,
                   col_maps: Mapping[str, RowMap] | None = None,
                   facts: SheetFacts | None = None) -> _SheetCheck:
    """The cells of a sheet against the plan. ``cut``: sheets (casefolded) with rows deleted,
    whose #REF!s are reported with the rows; any other tab the formulas read no more is
    gathered in ``found.tabs_lost`` (the tab was deleted), for one finding per tab. ``moved``:
    rows were found inserted or deleted (each an error already reported)."""
    check = _SheetCheck(sg)
    sev: Severity = "warning" if sp.role == "guide" else "error"
    guide_facts = _GUIDE_FACT_CELLS if sp.role == "guide" else None
    get = sg.cells.get
    identity = al.identity
    # a formula spelled exactly as planned is intact whatever normalising would do, unless tabs
    # were renamed or rows moved (then references must be read through the aliases and moves)
    verbatim = not aliases and row_maps is None and col_maps is None
    cols = al.cols
    made_at = {(c.row, c.col): c.formula for c in sp.cells if c.kind == "formula"} if moved else {}
    rating_cells: frozenset[str] | None = None  # the sheet's rating cells, once a formula differs
    # every cell where the plan has it (the usual case): only the cells compared are walked,
    # and the places seen are the plan's
    if identity and cols is None:
        facts = facts if facts is not None else SheetFacts.of(sp)
    else:
        facts = None
    cells = sp.cells
    seen: AbstractSet[tuple[int, int]]
    if facts is not None:
        seen, walked = facts.places, [cells[j] for j in facts.fixed]
    else:
        seen = placed = set()
        walked = cells
    for c in walked:
        if facts is not None:
            pos = (c.row, c.col)
        else:
            grow = al.to_grid(c.row)
            if grow is None:
                continue
            gcol = c.col if cols is None else al.col(c.col)
            if gcol is None:  # its column was deleted: reported with the columns
                continue
            pos = (grow, gcol)
            placed.add(pos)
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
                               f"formula deleted (the workbook as made has ={_short(want)}): "
                               "undo the deletion, or go back to the file as sent")
                else:
                    found.cell("error", sg.name, a1(*pos),
                               f"formula replaced by a typed value {_fmt(got.value, got.error)} "
                               f"(the workbook as made has ={_short(want)}), which no longer "
                               "follows the ratings: undo the typing or paste, or go back to "
                               "the file as sent")
                continue
            exp_c = canonical_formula(want, sp.name, None, row_maps, col_maps)
            got_c = canonical_formula(got.formula, sp.name, aliases)
            if exp_c != got_c and (lost := refs_lost(want, got.formula, aliases) - cut):
                for tab in lost:  # one finding per tab deleted, not one per formula
                    found.tabs_lost.setdefault(tab, []).append((sg.name, a1(*pos)))
                continue
            if exp_c != got_c and moved and got_c == canonical_formula(
                    made_at.get(pos) or "", sp.name):
                # the formula this cell was made with, while rows' contents moved around it
                # (swapped or sorted, not inserted or deleted: the spreadsheet would have moved
                # the references too). The moved rows are the error, reported with them; "the
                # formula changed" would quote two identical formulas.
                continue
            if exp_c != got_c and identity and cols is None and rating_cells is None:
                rating_cells = frozenset(
                    a1(c.row, c.col) for c in sp.cells if c.kind == "input"
                    and c.input_of is not None and c.input_of[1] == "rating")
            if exp_c != got_c and identity and cols is None and rating_cells and (
                    moved_to := _rating_moved(want, got.formula, rating_cells)) is not None:
                src, dst = moved_to
                found.cell("error", sg.name, a1(*pos),
                           f"this formula reads {dst} now, not {src}: the rating in {src} was "
                           f"moved to {dst} (cut and pasted, or dragged), and the workbook's "
                           f"formulas followed it, so they no longer read the rating cell of "
                           f"its category. Undo the move, or go back to the file saved before "
                           f"it; to move a rating, copy it, paste it as values only (Paste "
                           f"Special > Values) and clear the cell it came from")
                found.moved_ratings.append(f"{sg.name}!{src}")
                continue
            if exp_c != got_c:
                was, now = "=" + want.lstrip("="), "=" + got.formula.lstrip("=")
                found.cell("error", sg.name, a1(*pos), changed("formula", was, now) if was != now
                           else f"formula {_short(now)} is as written when the workbook was "
                                "made, but the rows or tabs it reads were moved or renamed, so "
                                "it reads other cells now (see the findings on them)")
                continue
            check.intact.append((c, pos))
            continue
        # text and numbers
        if got.formula is not None:
            found.cell("error" if guide_facts and (c.row, c.col) in guide_facts else sev,
                       sg.name, a1(*pos),
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
            fact = guide_facts.get((c.row, c.col)) if guide_facts else None
            if fact is not None and not _same_fact(fact, exp_text, got_text):
                found.cell("error", sg.name, a1(*pos), _retyped(fact, exp_text, got_text))
                continue
            found.cell(sev, sg.name, a1(*pos),
                       changed("text", exp_text, got_text))
    extra: list[tuple[int, int]] = []
    if not sg.cells.keys() <= seen:  # (the usual sheet holds cells at planned places only)
        inserted = set(al.inserted)
        cols_inserted = set(al.cols_inserted)
        extra = sorted((r, col) for (r, col), cell in sg.cells.items()
                       if (r, col) not in seen and r not in inserted and col not in cols_inserted
                       and (cell.formula is not None or not _empty(cell.value) or cell.error))
    if extra:
        listed = ", ".join(a1(r, col) for r, col in extra[:5]) + (", …" if len(extra) > 5 else "")
        found.add("warning", sg.name, a1(*extra[0]),
                  f"content outside the workbook's layout in {listed} (ignored)")
    return check


_NOTHING = GridCell()

# a cell reference in a formula's text outside its string literals, with its sheet if named
_REF = re.compile(r"((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?([A-Z]{1,3})\$?(\d+)(?![\w(])")


def _refs(formula: str) -> tuple[list[str], list[str]]:
    """A formula's text split into what is not a cell reference and the references (sheet
    prefix as written, then the cell without ``$``), string literals left whole."""
    rest: list[str] = []
    refs: list[str] = []
    for i, part in enumerate(formula.lstrip("=").split('"')):
        if i % 2:
            rest.append(f'"{part}"')
            continue
        at = 0
        for m in _REF.finditer(part):
            if m.start() and (part[m.start() - 1].isalnum() or part[m.start() - 1] in "_$"):
                continue  # inside a name
            rest.append(part[at:m.start()])
            refs.append((m.group(1) or "") + m.group(2) + m.group(3))
            at = m.end()
        rest.append(part[at:])
    return rest, refs


def _rating_moved(want: str, got: str, rating_cells: frozenset[str]) -> tuple[str, str] | None:
    """(rating cell, where it is read now) when ``got`` is ``want`` with every reference to one
    rating cell of its sheet turned into a reference to another cell: the rating was cut and
    pasted (or dragged) there, and the spreadsheet moved the references with it."""
    w_rest, w_refs = _refs(want)
    g_rest, g_refs = _refs(got)
    if len(w_refs) != len(g_refs) or [x.replace(" ", "").upper() for x in w_rest] != \
            [x.replace(" ", "").upper() for x in g_rest]:
        return None
    pairs = {(w, g) for w, g in zip(w_refs, g_refs, strict=True) if w.upper() != g.upper()}
    if len(pairs) != 1:
        return None
    ((src, dst),) = pairs
    return (src, dst) if src in rating_cells else None

# The Guide's facts (person, period, ladder, raters), each in column B from the person's row
_GUIDE_FACT_CELLS = {(GUIDE_PERSON_CELL[0] + i, GUIDE_PERSON_CELL[1]): fact.lower()
                     for i, fact in enumerate(GUIDE_FACTS)}


def _same_fact(fact: str, made: str, got: str) -> bool:
    """A fact retyped with other case or spacing (or a period in another spelling) still says
    the same, and a fact cleared says nothing else: a warning, not a claim about another
    person or period."""
    if person_key(made) == person_key(got) or not got.strip():
        return True
    if fact == "period":
        try:
            return normalise(made) == normalise(got)
        except PeriodError:
            return False
    return False


def _retyped(fact: str, made: str, got: str) -> str:
    """Why a Guide fact that says something else than the workbook holds is an error."""
    head = (f"the {fact} retyped: this reads {_short(got, 60)!r}, but the workbook was made "
            f"for {_short(made, 60)!r} (its hidden sheet says so), and its ratings are read as "
            "that")
    if fact in ("person", "period"):
        return (f"{head}; a workbook cannot be retyped for another {fact}: put "
                f"{_short(made, 60)!r} back, or render a workbook for {_short(got, 60)!r} "
                "(sheetladder render)")
    return f"{head}; put {_short(made, 60)!r} back"


def _merge_over(sg: SheetGrid, row: int | None, col: int) -> str | None:
    """The merged range (as A1:B2) covering cell (row, col), if any."""
    if row is None:
        return None
    for r1, c1, r2, c2 in sg.merges:
        if r1 <= row <= r2 and c1 <= col <= c2 and (r1, c1) != (r2, c2):
            return f"{a1(r1, c1)}:{a1(r2, c2)}"
    return None


def _read_inputs(sp: SheetPlan, sg: SheetGrid, al: _Alignment, ladder: Ladder, slot_role: str,
                 slot_name: str | None, found: _Findings) -> tuple[RaterInput, bool]:
    """A rater tab's ratings and comments; also whether the sheet's own formulas read them alike."""
    levels: dict[str, int | None] = {}
    comments: dict[str, str] = {}
    blank: dict[str, str] = {}  # category -> its rating cell, left blank
    comment_at: dict[str, str] = {}
    sheet_ok = True
    for c in sp.cells:
        if c.kind != "input" or c.input_of is None:
            continue
        cid, what = c.input_of
        grow = al.to_grid(c.row)
        gcol = al.col(c.col)
        if gcol is None:  # its column was deleted (one error already says so)
            if what == "rating":
                levels[cid] = None
                sheet_ok = False
            continue
        got = sg.get(grow, gcol) if grow is not None else GridCell()
        where = a1(grow if grow is not None else c.row, gcol)
        if what == "rating":
            merge = _merge_over(sg, grow, gcol)
            if merge is not None:
                found.add("error", sg.name, where,
                          f"the rating cell is inside merged cells {merge}, which keep only "
                          "their top-left value; unmerge them and rate again")
                levels[cid] = None
                found.unread_ratings.append(f"{sg.name}!{where}")
                sheet_ok = False  # what the sheet computed from it is not compared either
                continue
            if got.formula is not None:
                # a rating is typed or picked, never computed: a formula's result can change
                # without anyone rating anything (and differ between applications)
                truth = true_false_formula(got.formula)
                found.add("error", sg.name, where, true_false_message(truth, ladder)
                          if truth is not None else
                          f"the rating cell holds a formula ={_short(got.formula, 40)}; type the "
                          "level or pick it from the dropdown instead")
                levels[cid] = None
                found.unread_ratings.append(f"{sg.name}!{where}")
                # the sheet computed from the formula's result, which is not read: its stored
                # results are not compared (they would be reported as "not recalculated")
                sheet_ok = False
                continue
            parsed = parse_rating(got.value, ladder, got.error)
            if parsed.status == "invalid":
                found.add("error", sg.name, where, parsed.message or "not a level")
                found.unread_ratings.append(f"{sg.name}!{where}")
            elif parsed.status == "normalised":
                found.add("warning", sg.name, where, parsed.message or "normalised")
            sheet_ok = sheet_ok and parsed.sheet_reads_it
            levels[cid] = parsed.level
            if parsed.status == "blank":
                blank[cid] = where
        else:
            if got.formula is not None:
                # text a spreadsheet took for a formula ('-1 call a day', '=see notes'): its
                # result is an error, or none at all when a script saved it, and the words
                # typed would be lost; the formula is what was typed
                text = "=" + got.formula
                found.add("warning", sg.name, where,
                          f"the comment cell holds a formula {_short(text, 40)}, kept as the "
                          "comment's text (its result is not used); to keep a comment as typed, "
                          "start it with an apostrophe (')")
            else:
                text = got.error if got.error else _shown(got.value)
            if text.strip():
                comments[cid] = text
                comment_at[cid] = where
    _misplaced_ratings(sg.name, ladder, blank, comments, comment_at, found)
    return RaterInput(role=slot_role, name=slot_name, tab=sp.rater_tab or sp.name, levels=levels,
                      comments=comments), sheet_ok


def _misplaced_ratings(sheet: str, ladder: Ladder, blank: Mapping[str, str],
                       comments: Mapping[str, str], comment_at: Mapping[str, str],
                       found: _Findings) -> None:
    """A comment that is only a level code beside a blank rating: a rating typed one column
    over. Read as it stands, the category would count as unrated and the rater's answer be
    lost without a word, so it is an error naming both cells (move it, or rate the category)."""
    for cid, rating_cell in blank.items():
        text = comments.get(cid)
        if text is None or parse_rating(text.strip(), ladder).level is None:
            continue
        found.add("error", sheet, comment_at[cid],
                  f"the comment cell holds {text.strip()!r}, a level, while the rating cell "
                  f"{rating_cell} beside it is blank: a rating typed in the wrong column would "
                  f"count as not rated; type it in {rating_cell} (and write in the comment cell "
                  "what shows it, or leave it empty)")


def _compare_stored(plan: WorkbookPlan, results: Mapping[str, Mapping[tuple[int, int], CellValue]],
                    checks: Mapping[str, _SheetCheck], consistent: Mapping[str, bool],
                    found: _Findings) -> None:
    for sp in plan.sheets:
        check = checks.get(sp.name)
        if check is None or not consistent.get(sp.name, False):
            continue
        values = results.get(sp.name, {})
        missing: list[str] = []
        differ: list[tuple[str, str, str]] = []
        get = check.grid.cells.get
        for c, pos in check.intact:
            want = values.get((c.row, c.col))
            cell = get(pos, _NOTHING)
            got = cell.value
            if cell.error is None and ((type(want) is type(got) and want == got)
                                       or same_value(want, got)):
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


# A workbook's layout (its sheets, texts, numbers, formulas and input places) depends on its
# ladder and context, never on its ratings; within a context, only a few texts name the person.
# So a batch plans each (ladder, context but the person) once, with a placeholder for the
# person's name that no ladder or context can hold (U+FFFE is refused in both), and gives each
# file a copy whose few cells naming the placeholder name its person.
_PERSON = "\ufffeperson\ufffe"
_PERSONAL = {"person", "email", "team", "managers"}  # context fields only the hidden sheet holds,
# but the person, which the placeholder stands for


@dataclass
class _Layout:
    plan: WorkbookPlan
    personal: dict[int, list[int]]  # sheet index -> indexes of the cells naming the person
    facts: list[SheetFacts]  # of each sheet, as the plan's sheets are ordered


class VerifyMemo:
    """What verifying the files of one batch shares: the layout of each (ladder, context but the
    person) met. It lives as long as its batch (one ``read_many`` or ``collect`` call, or one of
    their reader processes) and holds at most ``size`` layouts, the least recently used going
    first; verifying with it gives the reports verifying without it gives."""

    def __init__(self, size: int = 16):
        self.size = size
        self._layouts: dict[tuple[str, str], _Layout] = {}
        self.rater_tabs = RaterTabs()  # rater tabs shared by contexts met once
        self._seen: set[tuple[str, str]] = set()  # keys met once, not yet worth a layout
        self.sheets = SheetMemo()  # sheets the batch's files share (the guide, the matrix)

    def layout(self, ladder: Ladder, ctx: Context) -> WorkbookPlan:
        """``build_plan(ladder, ctx, sizes=False)`` without its hidden sheet: what a file's
        cells are compared with (formula results are those of no ratings)."""
        return self.layout_and_facts(ladder, ctx)[0]

    def layout_and_facts(self, ladder: Ladder, ctx: Context
                         ) -> tuple[WorkbookPlan, list[SheetFacts] | None]:
        """:meth:`layout`, with the facts of its sheets when the batch keeps the layout
        (None for a layout planned for this file alone: each sheet's are then worked out as
        it is checked)."""
        key = (ladder_facts(ladder)[1], ctx.model_dump_json(exclude=_PERSONAL))
        got = self._layouts.pop(key, None)
        if got is None:
            if _holds_placeholder(key[1]) or _holds_placeholder(ladder_facts(ladder)[0]):
                # cannot happen (ladders and contexts refuse U+FFFE): plan this file alone
                plan = build_plan(ladder, ctx, sizes=False)
                plan.sheets = [sp for sp in plan.sheets if sp.role != "meta"]
                return plan, None
            if key not in self._seen:
                # met once so far (rater names often differ from person to person): this
                # file's own plan, its rater tabs from the batch
                if len(self._seen) >= 16 * self.size:
                    self._seen.clear()
                self._seen.add(key)
                plan = build_plan(ladder, ctx, sizes=False, rater_tabs=self.rater_tabs)
                plan.sheets = [sp for sp in plan.sheets if sp.role != "meta"]
                return plan, None
            if len(self._layouts) >= self.size:
                del self._layouts[next(iter(self._layouts))]
            got = _plan_layout(ladder, ctx, self.rater_tabs)
        self._layouts[key] = got  # the most recently used is last
        return _personalised(got, ctx), got.facts


def _holds_placeholder(text: str) -> bool:
    return "\ufffe" in text or "\\ufffe" in text.lower()


def _plan_layout(ladder: Ladder, ctx: Context, rater_tabs: RaterTabs) -> _Layout:
    anyone = ctx.model_copy(update={"person": _PERSON, "email": None, "team": None,
                                    "managers": []})
    plan = build_plan(ladder, anyone, sizes=False, rater_tabs=rater_tabs)
    plan.sheets = [sp for sp in plan.sheets if sp.role != "meta"]
    personal: dict[int, list[int]] = {}
    for i, sp in enumerate(plan.sheets):
        idx = [j for j, c in enumerate(sp.cells) if isinstance(c.value, str) and _PERSON in c.value]
        if idx or any(_PERSON in ch.title for ch in sp.charts):
            personal[i] = idx
    return _Layout(plan, personal, [SheetFacts.of(sp) for sp in plan.sheets])


def _personalised(layout: _Layout, ctx: Context) -> WorkbookPlan:
    """A copy of a batch's layout naming ``ctx``'s person; the layout itself is never changed."""
    base = layout.plan
    sheets = list(base.sheets)
    person = ctx.person
    for i, idx in layout.personal.items():
        sp = sheets[i]
        cells = list(sp.cells)
        for j in idx:
            c = cells[j]
            assert isinstance(c.value, str)
            cells[j] = dataclasses.replace(c, value=c.value.replace(_PERSON, person))
        charts = [dataclasses.replace(ch, title=ch.title.replace(_PERSON, person))
                  for ch in sp.charts]
        sheets[i] = dataclasses.replace(sp, cells=cells, charts=charts)
    return WorkbookPlan(ladder=base.ladder, context=ctx, sheets=sheets)


def assessed_person(grid: Grid) -> str | None:
    """The person the hidden sheet of ``grid`` names (the grid may hold that sheet alone), as
    :func:`verify_grid`'s report names them, or None when that report could name another: a
    template (whose person is typed on its guide), a hidden sheet renamed or that cannot be
    read. Whatever else the workbook holds, its report either names this person or has
    errors (and is then nobody's to store)."""
    meta_sheet = grid.sheets.get(META_SHEET)
    if meta_sheet is None:
        return None
    try:
        _, ctx = _rebuild(grid, meta_sheet, _Findings())
    except (UnreadableWorkbook, BadInput, ValueError):
        return None
    return None if ctx.template else ctx.person


def verify_grid(grid: Grid, memo: VerifyMemo | None = None) -> Verified:
    """Check one workbook's Grid against the plan in its hidden sheet; recompute its scores.

    Raises :class:`UnreadableWorkbook` when the grid is not a sheetladder workbook at all.

    The layout of a plan (its sheets, texts, numbers, formulas and input places) does not
    depend on the ratings: the cells are compared with the plan of no ratings (from ``memo``,
    a batch's, when given), the ratings are read where it has its input cells, and the stored
    results are compared with what the scoring rule gives for the ratings read
    (:func:`plan.stored_results`).
    """
    found = _Findings()
    for note in grid.notes:  # what a library warned of while reading: a finding, not stderr
        found.add("warning", None, None, f"the reader noted: {note}")
    meta_sheet = _find_meta(grid, found)
    ladder, ctx = _rebuild(grid, meta_sheet, found)
    facts: list[SheetFacts] | None = None
    if memo is not None:
        plan, facts = memo.layout_and_facts(ladder, ctx)
    else:
        plan = build_plan(ladder, ctx, sizes=False)
    facts_of = {sp.name: f for sp, f in zip(plan.sheets, facts, strict=True)} if facts else {}
    pairs = _pair_sheets(plan, grid, meta_sheet.name, found)
    aliases = {g.casefold(): e.casefold() for e, g in pairs.items() if g != e}
    alignments: dict[str, _Alignment] = {}
    for sp in plan.sheets:
        gname = pairs.get(sp.name)
        if gname is None or sp.role == "meta":
            continue
        al = _align(sp, grid.sheets[gname], facts_of.get(sp.name))
        alignments[sp.name] = al
        _report_rows(sp, gname, al, found)
    row_maps = None
    if any(not al.identity for al in alignments.values()):
        row_maps = {name.casefold(): al.row_map() for name, al in alignments.items()}
    col_maps = {name.casefold(): al.col_map() for name, al in alignments.items()
                if al.cols is not None} or None
    checks: dict[str, _SheetCheck] = {}
    cut = frozenset(name.casefold() for name, al in alignments.items() if al.deleted)
    moved = any(al.inserted or al.deleted or al.moved for al in alignments.values())
    inputs: dict[str, RaterInput] = {}
    consistent: dict[str, bool] = {}
    slots = {s.tab: s for s in ctx.raters}
    for sp in plan.sheets:
        gname = pairs.get(sp.name)
        if gname is None or sp.role == "meta":
            continue
        sg = grid.sheets[gname]
        al = alignments[sp.name]
        check = _compare_sheet(sp, sg, al, aliases, row_maps, found, cut, moved, col_maps,
                               facts_of.get(sp.name))
        checks[sp.name] = check
        if sp.role == "rater" and sp.rater_tab in slots:
            slot = slots[sp.rater_tab]
            inp, ok = _read_inputs(sp, sg, al, ladder, slot.role, slot.name, found)
            inputs[slot.tab] = inp
            consistent[sp.name] = ok
        else:
            consistent[sp.name] = True
        if al.deleted or al.moved or al.cols is not None:  # its formulas show #REF! now, or
            consistent[sp.name] = False  # read other rows: already reported with the rows
        if any(c.rsplit("!", 1)[0] == sg.name for c in found.moved_ratings):
            consistent[sp.name] = False  # its formulas read a rating moved: reported with it
    for key, where in found.tabs_lost.items():
        _tab_deleted(next((sp.name for sp in plan.sheets if sp.name.casefold() == key), key),
                     where, pairs, found)
    rater_names = [s.name for s in plan.rater_sheets()]
    all_raters_ok = all(consistent.get(n, False) for n in rater_names)
    for sp in plan.sheets:
        if sp.role == "summary":
            consistent[sp.name] = all_raters_ok
    full = _all_inputs(ctx, inputs)
    sc = scoring.score(ladder, full)
    if any(check.intact for check in checks.values()):
        _compare_stored(plan, stored_results(ladder, ctx, full, sc), checks, consistent, found)
    if ctx.template:
        ctx = _named_copy(ctx, grid, pairs, alignments, found)
    _one_person_once(ctx, pairs, found)
    _name_says_other_period(grid.source, ctx, ladder, pairs, found, grid.title)
    _name_is_anothers(grid.source, ctx, pairs, found, ladder, grid.title)
    report = make_report(grid.source, ladder, ctx, inputs, found.close(), score=sc)
    report.content_hash = grid.content_hash
    if found.definition_doubt:
        withhold_figures(report, found.definition_doubt + ": no figure is computed from it")
    report.unread_ratings = list(found.unread_ratings)
    # ratings on a tab whose rows were moved: each is read in the row of its category's name,
    # but whether it moved with the name (whole rows sorted) or stayed (some columns sorted)
    # cannot be told, so no figure is computed from them, here or from a trusted ladder; nor
    # from a tab whose columns were inserted or deleted, until it is mended
    unplaced = _ratings_on_moved_rows(plan, pairs, alignments)
    # ratings on tabs whose names were swapped: read as their titles say, but which rater
    # filled each in is not certain either
    unsure = _ratings_on_moved_rows(plan, pairs, alignments, found.unsure_tabs)
    report.unread_ratings += [c for c in unplaced + unsure + found.copied_ratings
                              + found.moved_ratings if c not in report.unread_ratings]
    if found.unread_ratings and not found.definition_doubt:
        # a figure without them would score those categories as unrated: a total and level
        # the raters never gave
        cells = found.unread_ratings
        withhold_figures(report, f"{len(cells)} rating(s) are no level of the ladder ("
                         + ", ".join(cells[:3]) + (f" and {len(cells) - 3} more" if len(cells) > 3
                                                   else "")
                         + "): no figure is computed until they are mended")
    elif unsure and not found.definition_doubt:
        tabs = list(dict.fromkeys(c.rsplit("!", 1)[0] for c in unsure))
        withhold_figures(report, f"the names of tabs {', '.join(map(repr, tabs))} were swapped, "
                                 "so whose ratings each holds is not certain: no figure is "
                                 "computed until they are named as made")
    elif not found.definition_doubt and (lost := [sp.name for sp in plan.rater_sheets()
                                                  if sp.name not in pairs]):
        # a rater's tab deleted: a figure of the others' ratings alone is no one's result
        withhold_figures(report, f"rater tab(s) {', '.join(map(repr, lost))} are missing, "
                                 "and their ratings with them: no figure is computed from the "
                                 "other raters' alone until the tab is restored (undo the "
                                 "deletion, or go back to the file saved before it)")
    elif found.tabs_lost and not found.definition_doubt:
        # a tab deleted (a copy renamed to its name since, maybe): the formulas that read it
        # are #REF! for good, and what the tab held when it was deleted is not known
        tabs = list(dict.fromkeys(next((sp.name for sp in plan.sheets
                                        if sp.name.casefold() == key), key)
                                  for key in found.tabs_lost))
        withhold_figures(report, f"the tab(s) {', '.join(map(repr, tabs))} the workbook's "
                                 "formulas read were deleted, and those formulas are lost for "
                                 "good: no figure is computed from a workbook so changed (render "
                                 "it again, or go back to the file saved before the deletion)")
    elif found.moved_ratings and not found.definition_doubt:
        cells = list(dict.fromkeys(found.moved_ratings))
        withhold_figures(report, f"rating(s) {', '.join(cells[:3])}"
                         + (f" and {len(cells) - 3} more" if len(cells) > 3 else "")
                         + " were moved to other cells, and the workbook's formulas with them, "
                           "so which category each is for is not certain: no figure is "
                           "computed until the move is undone")
    elif found.copied_ratings and not found.definition_doubt:
        cells = found.copied_ratings
        copies = list(dict.fromkeys(c.rsplit("!", 1)[0] for c in cells))
        withhold_figures(report, f"tab(s) {', '.join(map(repr, copies))}, a copy of a rater's "
                                 f"tab, hold {len(cells)} rating(s) the tab read lacks or holds "
                                 "otherwise (" + ", ".join(cells[:3])
                         + (f" and {len(cells) - 3} more" if len(cells) > 3 else "")
                         + "), so which ratings are the rater's is not certain: no figure is "
                           "computed until the copy is deleted (its cells pasted onto the tab "
                           "as values first, if they are the right ones)")
    elif unplaced and not found.definition_doubt and (shifted := [
            pairs[sp.name] for sp in plan.sheets if sp.role == "rater"
            and sp.name in alignments and alignments[sp.name].cols is not None]):
        withhold_figures(report, f"columns of tab(s) {', '.join(map(repr, shifted))} were "
                                 "inserted or deleted, so their ratings are not where the "
                                 "workbook's formulas read them: no figure is computed until "
                                 "the columns are as made")
    elif unplaced and not found.definition_doubt:
        tabs = list(dict.fromkeys(c.rsplit("!", 1)[0] for c in unplaced))
        withhold_figures(report, f"rows of tab(s) {', '.join(map(repr, tabs))} were moved, so "
                                 "which category each of their ratings is for is not certain: "
                                 "no figure is computed until the rows are back in place")
    elif not found.definition_doubt and (shifted := [
            pairs[sp.name] for sp in plan.sheets
            if sp.name in alignments and alignments[sp.name].cols is not None]):
        # the Summary's (or the Matrix's) columns: the ratings are read, but the workbook
        # shows its figures, and its formulas read the ladder, elsewhere than made
        withhold_figures(report, f"columns of tab(s) {', '.join(map(repr, shifted))} were "
                                 "inserted or deleted, so the workbook's formulas and what it "
                                 "shows are not where it was made with them: no figure is "
                                 "computed until the columns are as made")
    elif not found.definition_doubt and (edited := [
            (pairs[sp.name], alignments[sp.name]) for sp in plan.sheets
            if sp.name in alignments and (alignments[sp.name].inserted
                                          or alignments[sp.name].deleted
                                          or alignments[sp.name].moved)]):
        # rows inserted or deleted (or moved, on a tab holding no ratings): each is allowed for
        # as the rows' labels place it, but a workbook edited so is not as made, and a row
        # deleted took what it held with it (a rater's rating: a total they never gave)
        done = [w for w, happened in (("inserted", any(a.inserted for _, a in edited)),
                                      ("deleted", any(a.deleted for _, a in edited)),
                                      ("moved", any(a.moved for _, a in edited))) if happened]
        withhold_figures(report, f"rows of tab(s) {', '.join(repr(n) for n, _ in edited)} were "
                                 f"{' or '.join(done)}, so the workbook is not as made: no "
                                 "figure is computed until the rows are as made")
    return Verified(report=report, ladder=ladder, context=ctx, tabs_present=set(inputs),
                    inputs=inputs)


def _ratings_on_moved_rows(plan: WorkbookPlan, pairs: Mapping[str, str],
                           alignments: Mapping[str, _Alignment],
                           tabs: Sequence[str] | None = None) -> list[str]:
    """``Tab!D5`` of every rating cell on a rater tab some of whose rows were moved or columns
    inserted or deleted (or, with ``tabs``, on each of those tabs, as named in the file)."""
    out: list[str] = []
    for sp in plan.sheets:
        al = alignments.get(sp.name)
        if sp.role != "rater" or al is None:
            continue
        if not (al.moved or al.cols is not None) if tabs is None else \
                pairs.get(sp.name) not in tabs:
            continue
        for c in sp.cells:
            if c.kind == "input" and c.input_of is not None and c.input_of[1] == "rating":
                row = al.to_grid(c.row)
                col = al.col(c.col)
                if row is not None:
                    out.append(f"{pairs[sp.name]}!{a1(row, c.col if col is None else col)}")
    return out


def _tab_deleted(tab: str, where: Sequence[tuple[str, str]], pairs: Mapping[str, str],
                 found: _Findings) -> None:
    """One error for the formulas that read a tab and show #REF! instead now: the tab was
    deleted (a tab renamed to its name since, such as a copy of it, is not what they read), and
    no edit of the file brings them back. Listing them cell by cell would only say that
    "Summary and 78 more cells differ"."""
    sheets = list(dict.fromkeys(s for s, _ in where))
    cells = ", ".join(f"{s}!{c}" for s, c in where[:3]) + (
        f" and {len(where) - 3} more" if len(where) > 3 else "")
    now = (f"; the tab named {pairs[tab]!r} now is another (a copy renamed?), which they do not "
           "read" if tab in pairs else "")
    found.layout(sheets[0], where[0][1], (
        f"the tab {tab!r} the {' and '.join(sheets)} read{'s' if len(sheets) == 1 else ''} was "
        f"deleted: {len(where)} formula(s) reading it show #REF! now ({cells}) and are lost"
        f"{now}. Render the workbook again and retype the ratings, or restore the tab (undo "
        "the deletion, or go back to the file as saved before it). To keep what a copy of a "
        "tab holds, paste its cells onto the tab (values only) and delete the copy, never the "
        "tab"))


def _one_person_once(ctx: Context, pairs: Mapping[str, str], found: _Findings) -> None:
    """A workbook whose raters count one person twice (the person as their own peer, one rater
    on two tabs: renders refuse that now, earlier ones did not) would score that person's view
    twice: an error at the Guide's raters cell. Names only: two tabs that merely share an
    email (a team mailbox) were filled by two people, so a filled workbook is not refused."""
    try:
        check_raters(ctx.person, [(s.role, s.name, None) for s in ctx.raters])
    except BadInput as e:
        row, col = GUIDE_PERSON_CELL[0] + GUIDE_FACTS.index("Raters"), GUIDE_PERSON_CELL[1]
        found.add("error", pairs.get(GUIDE_SHEET) or GUIDE_SHEET, a1(row, col),
                  f"the workbook's raters count one person twice ({e}); its figures would "
                  "count them twice: render the workbook again with each rater once")


def _name_says_other_period(source: str, ctx: Context, ladder: Ladder,
                            pairs: Mapping[str, str], found: _Findings,
                            title: str | None = None) -> None:
    """A file whose name writes another period than the workbook holds (``…-2026-q4.xlsx``
    holding 2026-Q3) is last period's workbook filled again: collected, it would replace that
    period's ratings and leave this one's missing. An error at the Guide's period cell. A
    Google Sheet is judged by its ``title`` (a copy of last quarter's, retitled)."""
    from pathlib import PurePath

    from ..google.read import is_google_source

    google = is_google_source(source)
    if not ctx.period or (google and not title):
        return
    try:
        held = parse_period(ctx.period, ladder.periods)
    except PeriodError:
        return
    rendered = None if google else _period_render_names(source, ctx.person, ladder, held)
    if rendered is not None:
        if rendered[0].overlaps(held) or any(
                p.overlaps(held) for p in periods_in_name(PurePath(source).stem)):
            return  # a name that also says the period held: the rater's own note
        said = rendered[1]
    elif held.scheme != CALENDAR:
        return
    else:
        # years near the one held only: a number in a name (a cost centre '1100-q4', an id) is
        # no year; and a name that also says the period held ('…-2026-q4 returned Q1 2027')
        # is the rater's own note, not another period's workbook
        year = held.start[0] // 12 if held.start else None
        named = [p for p in periods_in_name(title if google and title else PurePath(source).stem)
                 if year is None or abs(p.start[0] // 12 - year) <= 5]
        if not named or any(p.overlaps(held) for p in named):
            return
        said = named[0].label
    row, col = GUIDE_PERSON_CELL[0] + GUIDE_FACTS.index("Period"), GUIDE_PERSON_CELL[1]
    found.add("error", pairs.get(GUIDE_SHEET) or GUIDE_SHEET, a1(row, col),
              f"the {'sheet' if google else 'file'}'s name says {said} but the workbook is "
              f"for {held.label}: a workbook "
              f"kept from {held.label} and filled again still says {held.label}, and its ratings "
              f"would be taken as {held.label}'s. For {said}, fill the "
              f"{'sheet published' if google else 'workbook rendered'} for {said} (sheetladder "
              f"{'publish' if google else 'render'} DEFINITION --person "
              f"{shlex.quote(ctx.person)} --period {said}); if these are {held.label}'s "
              f"ratings, {'retitle the sheet' if google else 'rename the file'} so that its "
              f"{'title' if google else 'name'} does not say {said}")


def _period_render_names(source: str, person: str, ladder: Ladder, held: Period
                         ) -> tuple[Period, str] | None:
    """The period of the ladder's scheme that ``source``'s name writes where render writes it
    (``eva-lind-2026-10.xlsx``: the person's name, a namesake's ``-2``, then the period, then
    anything: a rater's tab, a copy's `` - Copy``), and how the name says it; else None. Any
    scheme: a month, a fiscal ``fy27-q1``, which the calendar quarters people write in names
    (:func:`period.periods_in_name`) do not cover; and a calendar quarter or half written
    without its year (``ben-ortiz-q4.xlsx``), taken in the year of the period ``held``. Only
    the person's own name is judged here; a name render gives someone else is
    :func:`roster.named_for_another`'s."""
    from ..manifest import file_stem
    from ..roster import slug

    stem = file_stem(source).replace("_", "-")
    own = slug(person) + "-"
    if not stem.startswith(own):
        return None
    rest = stem[len(own):]
    after_namesake = re.sub(r"^\d+-", "", rest)
    for text in (rest, after_namesake) if after_namesake != rest else (rest,):
        tokens = text.split("-")
        for n in range(min(len(tokens), 4), 0, -1):  # the longest first: 2026-10, not 2026
            if tokens[n:] and tokens[n].isdigit():
                continue  # more digits follow: a date (2026-01-15) or a number, no period
            found = period_or_none("-".join(tokens[:n]), ladder.periods)
            if found is not None:
                return found, found.label
    if held.scheme == CALENDAR and held.start and re.fullmatch(r"[qh][1-4]", tokens[0]) and \
            not (tokens[1:] and tokens[1].isdigit()):
        found = period_or_none(f"{held.start[0] // 12}-{tokens[0]}", ladder.periods)
        if found is not None:
            return found, tokens[0].upper()
    return None


def _name_is_anothers(source: str, ctx: Context, pairs: Mapping[str, str],
                      found: _Findings, ladder: Ladder, title: str | None = None) -> None:
    """A file named as render names another person's workbook of the period
    (``ben-ortiz-2026-q4.xlsx`` holding Ana Diaz's), or a Google Sheet titled as publish titles
    it (``Sales ladder: Ben Ortiz, 2026-Q4``), is a copy of Ana's filled in and saved under
    Ben's name, as likely as Ana's own: its ratings would be taken as hers. An error at the
    Guide's person cell (collect refuses such a file with its own words, and so even unread)."""
    from ..google.read import is_google_source
    from ..roster import named_for_another, named_for_another_reason

    if not ctx.person or not ctx.period:
        return
    where = pairs.get(GUIDE_SHEET) or GUIDE_SHEET, a1(*GUIDE_PERSON_CELL)
    if is_google_source(source):
        named = _titled_for(title or "", ladder)
        if named is not None and not ctx.template and person_key(named) != person_key(ctx.person):
            found.add("error", *where, (
                f"this sheet's title ({title!r}) is the one publish gives {named}'s sheet, but "
                f"the workbook in it is {ctx.person}'s: a copy of {ctx.person}'s sheet, "
                f"retitled? Its ratings would be taken as {ctx.person}'s. If they are "
                f"{ctx.person}'s, title it {ladder.name}: {ctx.person}, {ctx.period}; if they "
                f"are {named}'s, enter them in the sheet published for them"))
        return
    named = named_for_another(source, ctx.person, ctx.period)
    if named is None:
        return
    found.add("error", *where, named_for_another_reason(named, ctx.person, ctx.period))


def _titled_for(title: str, ladder: Ladder) -> str | None:
    """The person a Google Sheet's title names where publish writes them (``LADDER: PERSON,
    PERIOD (TAB)``, a Drive copy's ``Copy of `` aside), else None (a title of another shape)."""
    text = " ".join(title.split())
    while text.casefold().startswith("copy of "):
        text = text[len("copy of "):]
    head = f"{' '.join(ladder.name.split())}: "
    if not text.casefold().startswith(head.casefold()):
        return None
    rest = re.sub(r"\s*\([^()]*\)$", "", text[len(head):])  # a --split sheet's tab
    name, _, tail = rest.rpartition(",")
    # publish's shape only: the period after the last comma ('Chen, Bo, 2026-Q4': Chen, Bo);
    # a title retitled otherwise ('…: Gus Moreau, final', '…: Gus') was typed, and judges nothing
    if not name.strip() or period_or_none(tail.strip(), ladder.periods) is None:
        return None
    return name.strip()


def _named_copy(ctx: Context, grid: Grid, pairs: Mapping[str, str],
                alignments: Mapping[str, _Alignment], found: _Findings) -> Context:
    """A copy of a template names its person in the Guide's yellow cell: the context read is
    the template's with that name (an error finding, naming the cell, when it is blank)."""
    row, col = GUIDE_PERSON_CELL
    gname = pairs.get(GUIDE_SHEET)
    al = alignments.get(GUIDE_SHEET)
    grow = al.to_grid(row) if al is not None else row
    cell = grid.sheets[gname].get(grow, col) if gname is not None and grow is not None else None
    name = " ".join(str(cell.value).split()) if cell is not None and cell.value is not None else ""
    where = a1(grow if grow is not None else row, col)
    if cell is not None and cell.formula is not None:
        # the name is typed, never computed (as ratings are): a formula's result is not what
        # anyone typed, and may be another in another application
        found.add("error", gname or GUIDE_SHEET, where,
                  f"the person's name cell holds a formula ={_short(cell.formula, 40)}; type "
                  "the person's name in this yellow cell instead")
        return ctx
    if not name:
        found.add("error", gname or GUIDE_SHEET, where,
                  "the person's name is not filled in: a copy of the template names the person "
                  "assessed in this yellow cell")
        return ctx
    try:
        return Context.model_validate({**ctx.model_dump(), "person": name})
    except ValidationError as e:
        err = e.errors()[0]
        found.add("error", gname or GUIDE_SHEET, where,
                  f"the person's name is refused: {str(err['msg']).removeprefix('Value error, ')}")
        return ctx


def _canonical_period(period: str | None, ladder: Ladder) -> str | None:
    """The period a report gives: canonical even for a workbook written before periods were
    checked (``2026q4`` is 2026-Q4); a label that is no period is reported as it is, and the
    history refuses it."""
    if period is None:
        return None
    try:
        return normalise(period, ladder.periods)
    except PeriodError:
        return period


def _all_inputs(ctx: Context, inputs: Mapping[str, RaterInput]) -> list[RaterInput]:
    """One input per rater of ``ctx``, in its order: a tab not read rates nothing."""
    return [inputs.get(s.tab) or RaterInput(role=s.role, name=s.name, tab=s.tab, levels={})
            for s in ctx.raters]


def make_report(source: str, ladder: Ladder, ctx: Context,
                inputs: Mapping[str, RaterInput], findings: list[Finding],
                sources: Sequence[str] | None = None, score: scoring.Score | None = None
                ) -> Report:
    """The report; ``score`` is the scoring rule's for these inputs when already computed."""
    full = _all_inputs(ctx, inputs)
    sc = score if score is not None else scoring.score(ladder, full)
    ladder_json, ladder_hash = ladder_facts(ladder)
    return Report(
        file=source,
        sources=list(sources or [source]),
        person=ctx.person,
        email=ctx.email,
        period=_canonical_period(ctx.period, ladder),
        team=ctx.team,
        managers=list(ctx.managers),
        ladder=LadderRef(id=ladder.id, version=ladder.version, hash=ladder_hash),
        findings=findings,
        raters=sc.raters,
        categories=sc.categories,
        total_points=sc.total_points,
        level_index=sc.level_index,
        level=sc.level,
        progress_to_next=sc.progress_to_next,
        held_back=sc.held_back,
        inputs=full,
        ladder_json=ladder_json,
    )
