"""Reading filled workbooks back: verification, ratings, scores, tampering, merging, bad files.

Workbooks are rendered from real plans and filled the way people and scripts fill them. Expected
scores always come from the scoring rule applied to the ratings the test put in (never from the
reader or the workbook's stored values), and every file read is checked to be byte-for-byte
unchanged afterwards.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetladder import grid as grid_mod
from sheetladder import scoring
from sheetladder.a1 import a1
from sheetladder.cli import main
from sheetladder.context import META_SHEET, SUMMARY_SHEET, Context, make_context, split_contexts
from sheetladder.definition import Ladder, load_text, unholdable
from sheetladder.errors import UnreadableWorkbook
from sheetladder.grid import Grid
from sheetladder.plan import (
    C_COMMENT,
    C_POINTS,
    C_RATING,
    C_WEIGHT,
    R_FIRST,
    build_plan,
    matrix_rows,
    summary_columns,
    summary_footer,
)
from sheetladder.results.read import read_many, read_path, report_json
from sheetladder.results.report import Report
from sheetladder.scoring import RaterInput
from sheetladder.verify.formulas import canonical_formula
from sheetladder.verify.ratings import parse_rating
from sheetladder.verify.verify import verify_grid
from sheetladder.xlsx import archive as archive_mod
from sheetladder.xlsx import parts as parts_mod
from sheetladder.xlsx.read import grid_from_bytes, open_xlsx
from sheetladder.xlsx.write import to_bytes

from .conftest import DEFINITIONS, SMALL
from .excel_edits import structural_edit
from .make_bad_files import make_corpus

Ratings = dict[str, dict[str, int | None]]
Comments = dict[str, dict[str, str]]

# -- helpers -----------------------------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Unchanged:
    """Remembers the bytes of files and asserts, at the end, that reading changed none."""

    def __init__(self) -> None:
        self.seen: dict[Path, str] = {}

    def __call__(self, path: Path) -> Path:
        if path.is_file():
            self.seen[path] = digest(path)
        return path

    def check(self) -> None:
        for path, before in self.seen.items():
            assert digest(path) == before, f"{path} was modified by reading it"


@pytest.fixture
def unchanged() -> Iterator[Unchanged]:
    u = Unchanged()
    yield u
    u.check()


def random_ratings(ladder: Ladder, ctx: Context, seed: int, blank_every: int = 0) -> Ratings:
    import random

    rnd = random.Random(seed)
    out: Ratings = {}
    for t in ctx.tabs():
        out[t] = {}
        for i, c in enumerate(ladder.categories):
            blank = blank_every and (i + seed) % blank_every == 0
            out[t][c.id] = None if blank else rnd.randint(1, len(ladder.levels))
    return out


def rule(ladder: Ladder, ctx: Context, ratings: Mapping[str, Mapping[str, int | None]]) -> scoring.Score:
    """The expected scores: the scoring rule on the ratings the test put in."""
    return scoring.score(ladder, [
        RaterInput(role=s.role, name=s.name, tab=s.tab, levels=dict(ratings.get(s.tab, {})))
        for s in ctx.raters])


def assert_scores(report: Report, expected: scoring.Score) -> None:
    assert report.total_points == expected.total_points
    assert report.level == expected.level
    assert report.level_index == expected.level_index
    assert report.progress_to_next == expected.progress_to_next
    assert [r.model_dump() for r in report.raters] == [r.model_dump() for r in expected.raters]
    assert [c.model_dump() for c in report.categories] == [c.model_dump() for c in expected.categories]


def render(tmp: Path, name: str, ladder: Ladder, ctx: Context, ratings: Ratings | None = None,
           comments: Comments | None = None) -> Path:
    path = tmp / name
    path.write_bytes(to_bytes(build_plan(ladder, ctx, ratings=ratings, comments=comments)))
    return path


def edit(src: Path, dest: Path, change: Callable[[Any], None]) -> Path:
    """Load with openpyxl (formulas kept), change, save elsewhere: a scripted edit."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(dest)
    return dest


def errors(report: Report) -> list[str]:
    return [str(f) for f in report.findings if f.severity == "error"]


def warnings_of(report: Report) -> list[str]:
    return [str(f) for f in report.findings if f.severity == "warning"]


def fill_with_openpyxl(ladder: Ladder, ctx: Context, src: Path, dest: Path,
                       values: Mapping[str, Mapping[str, Any]]) -> Path:
    """Type values into rating cells the way a script would (no recalculation)."""
    def change(wb: Any) -> None:
        for tab, by_cat in values.items():
            ws = wb[tab]
            for i, c in enumerate(ladder.categories):
                if c.id in by_cat:
                    ws.cell(row=R_FIRST + i + 1, column=C_RATING + 1).value = by_cat[c.id]
    return edit(src, dest, change)


@pytest.fixture
def ctx4(sales: Ladder) -> Context:
    return make_context(sales, "Ann Example", "2025-Q1",
                        [("self", None, None), ("manager", "Bo Chen", None), ("peer", None, None),
                         ("peer", None, None)])


# -- reading clean workbooks -----------------------------------------------------------------------


def test_a_rendered_filled_workbook_reads_clean_with_the_rules_scores(tmp_path, sales, ctx4, unchanged):
    ratings = random_ratings(sales, ctx4, seed=3)
    comments = {"Self": {sales.categories[0].id: "closed the Acme deal"}}
    path = unchanged(render(tmp_path, "a.xlsx", sales, ctx4, ratings, comments))
    report = read_path(path)
    assert report.findings == []
    assert_scores(report, rule(sales, ctx4, ratings))
    assert report.person == "Ann Example" and report.period == "2025-Q1"
    assert report.ladder is not None and report.ladder.id == sales.id
    assert report.ladder.hash == sales.content_hash()
    assert report.content_hash == digest(path)
    assert report.inputs[0].comments == comments["Self"]
    assert {i.tab: i.levels for i in report.inputs} == ratings


def test_a_ladder_split_over_continuation_rows_of_the_hidden_sheet_is_reassembled(tmp_path, small):
    text = SMALL.replace("name: Small ladder", "name: Small ladder\ndescription: " + "Long. " * 1600)
    for d in ("a one", "a two", "a three", "b one", "b two", "b three"):
        text = text.replace(d, d + " " + "x" * 9500)
    long = load_text(text, "long.yaml")  # over 2 x 30,000 characters of definition
    ctx = make_context(long, "Lee")
    path = render(tmp_path, "long.xlsx", long, ctx, {ctx.tabs()[0]: {"a": 1, "b": 3}})
    keys = [c.value for (_, col), c in open_xlsx(path).sheets[META_SHEET].cells.items() if col == 0]
    assert keys.count("ladder+") >= 2
    report = read_path(path)
    assert report.findings == []
    assert report.ladder_json == long.canonical_json()
    assert_scores(report, rule(long, ctx, {ctx.tabs()[0]: {"a": 1, "b": 3}}))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_is_done_to_the_cells_verifying_never_crashes(small, data):
    """Random edits of a grid give findings or UnreadableWorkbook, never another exception."""
    ctx = make_context(small, "Fuzz")
    base = grid_from_bytes("fuzz.xlsx", to_bytes(build_plan(small, ctx, {ctx.tabs()[0]: {"a": 2}})))
    grid = Grid(source=base.source, sheets={
        n: grid_mod.SheetGrid(name=n, visibility=s.visibility, cells=dict(s.cells), max_row=s.max_row,
                              max_col=s.max_col) for n, s in base.sheets.items()})
    values = st.one_of(st.none(), st.text(max_size=8), st.floats(allow_nan=True), st.booleans(),
                       st.sampled_from(["L1", "l2", " L3 ", "generator", "ladder+", "{", "#N/A"]))
    formulas = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
        ["SUM(", "'Self'!A1:", 'IF(A1="",,)', "#REF!", "_xlfn.X(1)", "A1:B", "'''!A1", '"open']))
    for _ in range(data.draw(st.integers(1, 25))):
        name = data.draw(st.sampled_from(sorted(grid.sheets)))
        sg = grid.sheets[name]
        pos = (data.draw(st.integers(0, sg.max_row + 2)), data.draw(st.integers(0, sg.max_col + 2)))
        action = data.draw(st.sampled_from(["set", "delete", "rename", "drop"]))
        if action == "set":
            sg.cells[pos] = grid_mod.GridCell(value=data.draw(values), formula=data.draw(formulas))
            sg.max_row, sg.max_col = max(sg.max_row, pos[0]), max(sg.max_col, pos[1])
        elif action == "delete":
            sg.cells.pop(pos, None)
        elif action == "rename" and name != META_SHEET:
            new = data.draw(st.text(min_size=1, max_size=10))
            if new not in grid.sheets:
                grid.sheets = {(new if k == name else k): v for k, v in grid.sheets.items()}
        elif action == "drop" and len(grid.sheets) > 1:
            del grid.sheets[name]
    try:
        v = verify_grid(grid)
    except UnreadableWorkbook as e:
        assert "\n" not in e.reason
        return
    assert all(f.severity in ("error", "warning") for f in v.report.findings)


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_a_comment_holding_x005f_reads_back_as_written(small, engine):
    # openpyxl removes every 'x005F_' from a shared string; Excel keeps this text as written
    ctx = make_context(small, "Zed", "P1")
    comments = {ctx.tabs()[0]: {"a": "see x005F_ here", "b": "_x000D_ typed, x005F_x000D_"}}
    data = to_bytes(build_plan(small, ctx, None, comments))
    v = verify_grid(grid_from_bytes("mem.xlsx", data, engine))
    assert v.inputs[ctx.tabs()[0]].comments == comments[ctx.tabs()[0]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_fill_reads_back_exactly(small, data):
    # any name a workbook can hold (control characters are refused when the context is made)
    name = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and unholdable(s) is None)
    ctx = make_context(small, data.draw(name), "P1")
    levels = st.one_of(st.none(), st.integers(1, len(small.levels)))
    text = st.one_of(st.sampled_from(["=1+1", "+44 20 7946", "-5", "@mention", "'quoted", "S3"]),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=30))
    ratings = {t: {c.id: data.draw(levels) for c in small.categories} for t in ctx.tabs()}
    comments = {t: {c.id: s for c in small.categories if (s := data.draw(text)).strip()}
                for t in ctx.tabs()}
    grid = grid_from_bytes("mem.xlsx", to_bytes(build_plan(small, ctx, ratings, comments)))
    v = verify_grid(grid)
    assert v.report.findings == []
    assert {t: i.levels for t, i in v.inputs.items()} == ratings
    assert {t: i.comments for t, i in v.inputs.items()} == comments
    assert_scores(v.report, rule(small, ctx, ratings))


def test_a_workbook_filled_by_a_script_warns_that_results_are_not_stored(tmp_path, sales, ctx4,
                                                                         unchanged):
    blank = render(tmp_path, "blank.xlsx", sales, ctx4)
    ratings = random_ratings(sales, ctx4, seed=5)
    codes = sales.codes
    filled = unchanged(fill_with_openpyxl(
        sales, ctx4, blank, tmp_path / "filled.xlsx",
        {t: {cid: codes[lv - 1] for cid, lv in by.items() if lv} for t, by in ratings.items()}))
    report = read_path(filled)
    assert errors(report) == []
    stale = [f for f in report.findings if "not stored" in f.message]
    assert {f.sheet for f in stale} == {*ctx4.tabs(), SUMMARY_SHEET}
    assert len(stale) == len(report.findings)
    assert_scores(report, rule(sales, ctx4, ratings))


def test_a_very_hidden_sheet_made_visible_is_a_warning(tmp_path, small):
    ctx = make_context(small, "Vi")
    src = render(tmp_path, "v.xlsx", small, ctx)

    def show(wb: Any) -> None:
        wb[META_SHEET].sheet_state = "visible"
    report = read_path(edit(src, tmp_path / "shown.xlsx", show))
    assert errors(report) == []
    assert any(f.sheet == META_SHEET and "visible" in f.message for f in report.findings)


# -- ratings --------------------------------------------------------------------------------------


def test_a_code_typed_in_any_case_is_read_with_a_warning_and_what_the_workbook_shows_na_for_is_refused(
        tmp_path, sales, ctx4, unchanged):
    cats = sales.categories
    typed = {"Self": {cats[0].id: "s3", cats[1].id: " S3 ", cats[2].id: 3, cats[3].id: "3",
                      cats[4].id: "Head of Sales", cats[5].id: "S5"}}
    src = render(tmp_path, "blank.xlsx", sales, ctx4)
    path = unchanged(fill_with_openpyxl(sales, ctx4, src, tmp_path / "typed.xlsx", typed))
    report = read_path(path)
    assert errors(report) == [
        f"error: Self!{a1(R_FIRST + 2, C_RATING)}: '3' is a number, not a level of this ladder "
        "(S1–S7): to rate it S3, type S3 or pick it from the dropdown",
        f"error: Self!{a1(R_FIRST + 3, C_RATING)}: '3' is not a level of this ladder (S1–S7): "
        "to rate it S3, type S3 or pick it from the dropdown",
        f"error: Self!{a1(R_FIRST + 4, C_RATING)}: 'Head of Sales' is not a level of this ladder "
        "(S1–S7): it is the name of level S7; type its code, S7, or pick it from the dropdown"]
    levels = report.inputs[0].levels
    assert [levels[c.id] for c in cats[:6]] == [3, 3, None, None, None, 5]
    normalised = {f.cell for f in report.findings if "read as" in f.message}
    assert normalised == {a1(R_FIRST, C_RATING), a1(R_FIRST + 1, C_RATING)}


def test_a_rating_that_is_not_a_level_is_an_error_naming_the_cell(tmp_path, sales, ctx4, unchanged):
    src = render(tmp_path, "blank.xlsx", sales, ctx4)
    path = unchanged(fill_with_openpyxl(sales, ctx4, src, tmp_path / "bad.xlsx",
                                        {"Peer 2": {sales.categories[4].id: "S9"}}))
    report = read_path(path)
    assert errors(report) == ["error: Peer 2!D9: 'S9' is not a level of this ladder (S1–S7)"]
    assert report.inputs[3].levels[sales.categories[4].id] is None


def test_no_figure_is_given_while_a_rating_is_no_level(tmp_path, sales, ctx4, unchanged):
    """Scored without it, the category would count as unrated: a total and a level no rater
    gave, printed under the errors. Not recomputed from the trusted ladder either."""
    src = render(tmp_path, "blank.xlsx", sales, ctx4)
    ratings: dict[str, dict[str, object]] = {
        "Self": {c.id: 3 for c in sales.categories},  # numbers: none is a level
        "Bo Chen": {c.id: "S3" for c in sales.categories}}
    path = unchanged(fill_with_openpyxl(sales, ctx4, src, tmp_path / "bad.xlsx", ratings))
    report = read_path(path)
    assert len(report.unread_ratings) == len(sales.categories)
    assert report.unread_ratings[0] == f"Self!{a1(R_FIRST, C_RATING)}"
    assert report.total_points is None and report.level is None
    assert report.figures_withheld == (
        f"{len(sales.categories)} rating(s) are no level of the ladder (Self!D5, Self!D6, "
        f"Self!D7 and {len(sales.categories) - 3} more): no figure is computed until they are "
        "mended")
    res = CliRunner().invoke(main, ["read", str(path), "--ladders", str(DEFINITIONS)])
    assert res.exit_code == 1
    assert "points, level" not in res.output and "no figures: 18 rating(s)" in res.output


def test_a_level_name_is_not_read_as_a_level(sales):
    parsed = parse_rating(sales.levels[2].name.upper(), sales)
    assert parsed.level is None and parsed.status == "invalid"


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_rating_typings(sales, small, data):
    ladder = data.draw(st.sampled_from([sales, small]))
    n = len(ladder.levels)
    k = data.draw(st.integers(1, n))
    code = ladder.codes[k - 1]
    exact = parse_rating(code, ladder)
    assert (exact.level, exact.status, exact.sheet_reads_it) == (k, "exact", True)
    spaces = data.draw(st.text(alphabet=" ", max_size=3))
    variant = spaces + "".join(data.draw(st.sampled_from([ch.lower(), ch.upper()])) for ch in code) \
        + data.draw(st.text(alphabet=" ", max_size=3))
    p = parse_rating(variant, ladder)
    assert p.level == k
    assert p.sheet_reads_it  # the workbook's formula folds ASCII case and trims spaces too
    assert p.status == ("exact" if variant == code else "normalised")
    assert parse_rating(float(k), ladder).status == "invalid"  # the workbook shows #N/A for it
    bad = data.draw(st.one_of(st.integers(n + 1, 10**6), st.integers(-10**6, 0)))
    assert parse_rating(float(bad), ladder).status == "invalid"
    assert parse_rating(float(k) + 0.5, ladder).status == "invalid"
    assert parse_rating(True, ladder).status == "invalid"
    junk = data.draw(st.text(max_size=12))
    known = {c.casefold() for c in ladder.codes} | {lv.name.casefold() for lv in ladder.levels}
    stripped = " ".join(junk.replace("\u00a0", " ").split()).casefold()
    if stripped and stripped not in known and not re.fullmatch(r"\d+(\.0+)?", stripped) \
            and not any(stripped.startswith(c.casefold()) for c in ladder.codes):
        out = parse_rating(junk, ladder)
        assert out.status == "invalid" and out.level is None
        span = f"({ladder.codes[0]}–{ladder.codes[-1]})"
        unseen = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
        odd = {ch for ch in junk if ch != " " and (not ch.isprintable() or ch.isspace()
                                                    or ch in unseen)}
        if not odd:  # with what to type instead, when what was meant can be told
            base = f"'{junk}' is not a level of this ladder {span}"
            assert out.message == base or (out.message or "").startswith(base + ": "), out
        else:  # what does not show is written out, each such character as \\uXXXX
            shown = "".join(f"\\u{ord(ch):04x}" if ch in odd else ch for ch in junk)
            assert out.message == (f"'{shown}' is not a level of this ladder {span}: it holds a "
                                   "character that does not show (as written here), which the "
                                   "sheet does not ignore; type the level again")


# -- formula normalisation ----------------------------------------------------------------------------

_STR = re.compile(r'("(?:[^"]|"")*")')
_FUNC = re.compile(r"\b([A-Z]+)\(")
_ABS = re.compile(r"\$?\b([A-Z]{1,3})\$?(\d+)\b")
_QUOTED_SIMPLE = re.compile(r"(?<!')'([A-Za-z][A-Za-z0-9_]*)'!")


def _outside_strings(formula: str, fn: Callable[[str], str]) -> str:
    parts = _STR.split(formula)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def _harmless(formula: str, draw: Callable[[Any], Any]) -> str:
    """What Excel, LibreOffice or Google may write instead (an independent rewrite)."""
    def rewrite(seg: str) -> str:
        if draw(st.booleans()):
            seg = _FUNC.sub(lambda m: draw(st.sampled_from(["", "_xlfn.", "_xlws."])) + m.group(1)
                            + "(", seg)
        if draw(st.booleans()):
            seg = _ABS.sub(lambda m: draw(st.sampled_from(["", "$"])) + m.group(1)
                           + draw(st.sampled_from(["", "$"])) + m.group(2), seg)
        if draw(st.booleans()):
            seg = _QUOTED_SIMPLE.sub(r"\1!", seg)  # LibreOffice drops needless quotes
        if draw(st.booleans()):
            seg = seg.lower()
        if draw(st.booleans()):
            seg = seg.replace(",", ", ").replace("=", " = ").replace("(", "( ")
        if draw(st.booleans()):
            seg = re.sub(r"(?<![\w.$])(\d+)(?![\w.$])", r"\1.0", seg)  # 7 -> 7.0
        return seg
    return _outside_strings(formula, rewrite)


def _all_formulas(ladder: Ladder, ctx: Context) -> list[tuple[str, str]]:
    plan = build_plan(ladder, ctx)
    return [(s.name, c.formula) for s in plan.sheets for c in s.cells if c.formula]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_harmless_spellings_of_a_formula_compare_equal(sales, data):
    ctx = make_context(sales, "X", raters=[("self", None, None), ("peer", "Dana O'Neil", None)])
    sheet, formula = data.draw(st.sampled_from(_all_formulas(sales, ctx)))
    variant = _harmless(formula, data.draw)
    assert canonical_formula(variant, sheet) == canonical_formula(formula, sheet)
    assert canonical_formula("=" + variant, sheet) == canonical_formula(formula, sheet)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_real_changes_to_a_formula_compare_different(sales, data):
    ctx = make_context(sales, "X")
    sheet, formula = data.draw(st.sampled_from(_all_formulas(sales, ctx)))
    edits: list[Callable[[str], str | None]] = [
        lambda f: re.sub(r"(?<=[A-Z])(\d+)", lambda m: str(int(m.group(1)) + 1), f, count=1),
        lambda f: f.replace("+", "-", 1) if "+" in f else None,
        lambda f: f.replace(">=", ">", 1) if ">=" in f else None,
        lambda f: f.replace(',"",', ',"x",', 1) if ',"",' in f else None,
        lambda f: f.replace('"S1"', '"s1"', 1) if '"S1"' in f else None,  # case inside a string
        lambda f: f.replace("COUNT(", "COUNTA(", 1) if "COUNT(" in f else None,
        lambda f: f.replace("'Peer 1'!", "'Peer 2'!", 1) if "'Peer 1'!" in f else None,
    ]
    applicable = [c for c in (edit(formula) for edit in edits) if c is not None and c != formula]
    assert applicable, formula  # every generated formula references at least one cell
    changed = data.draw(st.sampled_from(applicable))
    assert canonical_formula(changed, sheet) != canonical_formula(formula, sheet)


def test_a_sheet_prefix_naming_the_formulas_own_sheet_is_harmless():
    assert canonical_formula("SUM('Peer 1'!F5:F22)", "Peer 1") == canonical_formula("SUM(F5:F22)", "Peer 1")
    assert canonical_formula("SUM(Self!F5:Self!F22)", "Summary") == canonical_formula(
        "SUM('Self'!$F$5:$F$22)", "Summary")


# -- tampering ----------------------------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path, sales, ctx4) -> tuple[Path, Ratings]:
    ratings = random_ratings(sales, ctx4, seed=11)
    return render(tmp_path, "filled.xlsx", sales, ctx4, ratings), ratings


def test_a_changed_formula_is_an_error_at_its_cell(tmp_path, filled, unchanged):
    src, _ = filled

    def change(wb: Any) -> None:
        ws = wb["Bo Chen"]
        cell = ws.cell(row=R_FIRST + 2 + 1, column=C_POINTS + 1)
        cell.value = cell.value.replace("*1)", "*2)")
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert [(f.sheet, f.cell) for f in report.errors] == [("Bo Chen", a1(R_FIRST + 2, C_POINTS))]
    assert report.errors[0].message.startswith("formula changed to =IF(H7")


def test_content_outside_the_layout_is_named_in_one_warning_and_ignored(tmp_path, sales, ctx4,
                                                                      filled, unchanged):
    src, ratings = filled
    clean = read_path(src)
    assert not [w for w in warnings_of(clean) if "outside the workbook's layout" in w]

    def change(wb: Any) -> None:  # a note and a sum typed beside the rater's table, and a
        ws = wb["Bo Chen"]  # number on the Summary below its footer
        ws.cell(row=3, column=C_COMMENT + 4).value = "ask Bo about Q2"
        ws.cell(row=R_FIRST + 1, column=C_COMMENT + 5).value = "=SUM(F7:F9)"
        wb[SUMMARY_SHEET].cell(row=summary_footer(sales)["progress"] + 6, column=2).value = 42
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert not report.errors
    outside = {(f.sheet, f.cell): f.message for f in report.findings
               if f.severity == "warning" and "outside the workbook's layout" in f.message}
    assert outside == {
        ("Bo Chen", a1(2, C_COMMENT + 3)):
            f"content outside the workbook's layout in {a1(2, C_COMMENT + 3)}, "
            f"{a1(R_FIRST, C_COMMENT + 4)} (ignored)",
        (SUMMARY_SHEET, a1(summary_footer(sales)["progress"] + 5, 1)):
            f"content outside the workbook's layout in "
            f"{a1(summary_footer(sales)['progress'] + 5, 1)} (ignored)"}
    assert report.total_points == clean.total_points  # ignored: the figures are the same


def test_a_formula_replaced_by_a_typed_value_is_found_by_cell_type(tmp_path, sales, ctx4, filled,
                                                                   unchanged):
    src, _ = filled
    total = summary_footer(sales)["total"]
    col = summary_columns(ctx4, sales)["consensus_points"]

    def change(wb: Any) -> None:
        wb[SUMMARY_SHEET].cell(row=total + 1, column=col + 1).value = 999
        text_cell = wb["Self"].cell(row=R_FIRST + 1 + 1, column=C_POINTS + 1)
        text_cell.value = "=IF(H6=\"\",\"\",CHOOSE(H6,1,2,3,4,5,6,7)*1)"
        text_cell.data_type = "s"  # the same characters, typed as text
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    where = {(f.sheet, f.cell): f.message for f in report.errors}
    assert set(where) == {(SUMMARY_SHEET, a1(total, col)), ("Self", a1(R_FIRST + 1, C_POINTS))}
    assert "replaced by a typed value 999" in where[(SUMMARY_SHEET, a1(total, col))]
    assert "replaced by a typed value" in where[("Self", a1(R_FIRST + 1, C_POINTS))]


def test_an_edit_of_the_hidden_sheet_is_caught_by_its_hash(tmp_path, filled, unchanged):
    src, _ = filled

    hash_cell: list[str] = []

    def change(wb: Any) -> None:
        # an edit that changes nothing shown in the tabs: a rater's email
        for row in wb[META_SHEET].iter_rows():
            if row[0].value == "context":
                row[1].value = row[1].value.replace('"email":null', '"email":"x@example.com"', 1)
            if row[0].value == "hash":
                hash_cell.append(row[1].coordinate)
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert [(f.sheet, f.cell) for f in report.errors] == [(META_SHEET, hash_cell[0])]
    assert "hash" in report.errors[0].message


def _rename_like_excel(wb: Any, old: str, new: str) -> None:
    """Rename a tab and update every formula that refers to it, as a spreadsheet does."""
    wb[old].title = new
    quoted = "'" + old.replace("'", "''") + "'!"
    plain = new + "!" if re.fullmatch(r"[A-Za-z_]\w*", new) else "'" + new.replace("'", "''") + "'!"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" and isinstance(c.value, str):
                    c.value = c.value.replace(quoted, plain)


def test_a_renamed_tab_is_a_warning_and_still_read(tmp_path, sales, ctx4, filled, unchanged):
    src, ratings = filled
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx",
                                      lambda wb: _rename_like_excel(wb, "Peer 2", "Dana"))))
    assert errors(report) == []
    renamed = [f for f in report.findings if "renamed" in f.message]
    assert [(f.sheet, f.message) for f in renamed] == [
        ("Dana", "tab 'Peer 2' was renamed to 'Dana'; it is read as 'Peer 2'")]
    assert_scores(report, rule(sales, ctx4, ratings))


def test_a_deleted_tab_is_an_error(tmp_path, filled, unchanged):
    src, _ = filled
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", lambda wb: wb.remove(wb["Peer 1"]))))
    assert [str(f) for f in report.errors] == ["error: Peer 1: tab 'Peer 1' is missing"]


def test_an_added_tab_is_a_warning(tmp_path, filled, unchanged):
    src, _ = filled
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx",
                                      lambda wb: wb.create_sheet("Notes").cell(1, 1, "my notes"))))
    assert errors(report) == []
    assert any(f.sheet == "Notes" and "unexpected tab" in f.message for f in report.findings)


def test_a_copied_rater_tab_holding_other_ratings_is_an_error_naming_its_cells(
        tmp_path, sales, ctx4, unchanged):
    """A rater uses "create a copy" on their tab and fills the copy: reading only the tab as
    made would drop every rating and comment on the copy, with exit 0."""
    src = render(tmp_path, "blank.xlsx", sales, ctx4, {})

    def change(wb: Any) -> None:
        c = wb.copy_worksheet(wb["Self"])
        c.title = "Self (2)"
        for r in range(R_FIRST, R_FIRST + len(sales.categories)):
            c.cell(r + 1, C_RATING + 1).value = "S6"
        c.cell(R_FIRST + 1, C_COMMENT + 1).value = "Closed the ACME deal alone"
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    first = a1(R_FIRST, C_RATING)
    assert [(f.sheet, f.cell) for f in report.errors] == [("Self (2)", first)]
    msg = report.errors[0].message
    assert msg.startswith(f"tab 'Self (2)' is a copy of 'Self' holding what 'Self' does not "
                          f"({first}, {a1(R_FIRST, C_COMMENT)}, {a1(R_FIRST + 1, C_RATING)} and "
                          f"{len(sales.categories) - 2} more)")
    assert ("paste them onto the same cells of 'Self' as values only, then delete 'Self (2)'"
            in msg)
    assert "Do not delete 'Self' instead" in msg and "rename" not in msg
    assert not report.ok


def test_a_copied_tab_whose_cells_are_pasted_onto_the_tab_as_values_and_deleted_reads_clean(
        tmp_path, sales, ctx4, unchanged):
    """The copy-tab error's advice, followed as a script does it: the copy's ratings and
    comments pasted (values only) onto the same cells of the tab, then the copy deleted."""
    ratings = random_ratings(sales, ctx4, seed=12)
    src = render(tmp_path, "done.xlsx", sales, ctx4, {"Self": ratings["Self"]})
    comment = "Closed the ACME deal alone"

    def fill_copy(wb: Any) -> None:
        c = wb.copy_worksheet(wb["Self"])
        c.title = "Self (2)"
        for i in range(3):
            c.cell(R_FIRST + i + 1, C_RATING + 1).value = "S6"
        c.cell(R_FIRST + 1, C_COMMENT + 1).value = comment
    copied = edit(src, tmp_path / "copied.xlsx", fill_copy)
    assert [f.sheet for f in read_path(copied).errors] == ["Self (2)"]

    def paste_values_and_delete(wb: Any) -> None:
        copy, tab = wb["Self (2)"], wb["Self"]
        for i in range(len(sales.categories)):
            for col in (C_RATING, C_COMMENT):
                tab.cell(R_FIRST + i + 1, col + 1).value = copy.cell(R_FIRST + i + 1, col + 1).value
        wb.remove(copy)
    report = read_path(unchanged(edit(copied, tmp_path / "mended.xlsx", paste_values_and_delete)))
    assert errors(report) == []
    assert all("not stored" in f.message for f in report.findings)  # openpyxl does not recompute
    want = dict(ratings["Self"]) | {c.id: 6 for c in sales.categories[:3]}
    assert_scores(report, rule(sales, ctx4, {"Self": want}))
    assert report.inputs[0].comments == {sales.categories[0].id: comment}
    code = CliRunner().invoke(main, ["read", str(tmp_path / "mended.xlsx"), "--ladders",
                                     str(DEFINITIONS)]).exit_code
    assert code == 0


def test_a_copy_is_weighed_against_its_own_tab_only_and_a_clash_shows_both_values(
        tmp_path, sales, ctx4, unchanged):
    """Every rater tab has the same categories, so a copy of Self is much like the manager's
    tab too: what the manager rated must not make the copy's ratings count as held. A copy
    that disagrees with its tab shows both values, since either may be the right one."""
    src = render(tmp_path, "blank.xlsx", sales, ctx4, {})
    n = len(sales.categories)

    def like_manager(wb: Any) -> None:
        for r in range(R_FIRST, R_FIRST + n):
            wb["Bo Chen"].cell(r + 1, C_RATING + 1).value = "S3"
        c = wb.copy_worksheet(wb["Self"])
        c.title = "Self (2)"
        for r in range(R_FIRST, R_FIRST + n):
            c.cell(r + 1, C_RATING + 1).value = "S3"
    report = read_path(unchanged(edit(src, tmp_path / "m.xlsx", like_manager)))
    assert [(f.sheet, f.cell) for f in report.errors] == [("Self (2)", a1(R_FIRST, C_RATING))]
    assert "is a copy of 'Self' holding what 'Self' does not" in report.errors[0].message

    def revised(wb: Any) -> None:  # a backup copy kept, then one rating revised on the tab
        for r in range(R_FIRST, R_FIRST + n):
            wb["Self"].cell(r + 1, C_RATING + 1).value = "S3"
        wb.copy_worksheet(wb["Self"]).title = "Self (2)"
        wb["Self"].cell(R_FIRST + 3, C_RATING + 1).value = "S4"
        wb["Self (2)"].cell(R_FIRST + 1, C_RATING + 1).value = " s3 "  # read as S3: the same
    report = read_path(unchanged(edit(src, tmp_path / "r.xlsx", revised)))
    cell = a1(R_FIRST + 2, C_RATING)
    assert [(f.sheet, f.cell) for f in report.errors] == [("Self (2)", cell)]
    assert report.errors[0].message == (
        f"tab 'Self (2)' is a copy of 'Self' that disagrees with it ({cell}: 'S3' here, 'S4' on "
        "'Self'); only 'Self' is read: keep the right one, then read again (delete 'Self (2)' "
        "if 'Self' is right; else paste its cells onto 'Self' as values only and delete "
        "'Self (2)', never 'Self': the Summary's formulas read it)")


def test_a_copy_retitled_for_another_rater_is_an_error_that_blames_no_one_tab(
        tmp_path, sales, ctx4, unchanged):
    """A peer's tab copied, retitled and renamed for a rater the workbook does not have: it is
    as like one rater tab as another, so advice to copy it onto one of them (the first, Self)
    would put a peer's ratings on the person's own tab."""
    src = render(tmp_path, "blank.xlsx", sales, ctx4, {})
    peer = next(s.tab for s in ctx4.raters if s.role == "peer")

    def change(wb: Any) -> None:
        c = wb.copy_worksheet(wb[peer])
        c.title = "Zed Park"
        c.cell(1, 1).value = "Peer rating by Zed Park"
        for r in range(R_FIRST, R_FIRST + len(sales.categories)):
            c.cell(r + 1, C_RATING + 1).value = "S6"
    report = read_path(unchanged(edit(src, tmp_path / "z.xlsx", change)))
    assert [(f.sheet, f.cell) for f in report.errors] == [("Zed Park", a1(R_FIRST, C_RATING))]
    msg = report.errors[0].message
    assert msg.startswith("tab 'Zed Park' is not part of the workbook as made: laid out like the "
                          "rater tabs (")
    assert "is a copy of '" not in msg and "they need a tab of their own" in msg


def test_a_split_copys_tab_renamed_to_another_raters_is_an_error(tmp_path, sales, ctx4,
                                                                   unchanged):
    """A --split file holds one rater's tab: renamed after another rater of the assessment and
    filled, it was read as the first rater's with a warning. Whose ratings they are is unknown."""
    from sheetladder.roster import contexts_to_write

    bo = next(c for c in contexts_to_write(ctx4, True) if c.split_tab == "Bo Chen")
    src = render(tmp_path, "bo.xlsx", sales, bo, {})

    def change(wb: Any) -> None:
        wb["Bo Chen"].title = "Peer 1"
        for r in range(R_FIRST, R_FIRST + len(sales.categories)):
            wb["Peer 1"].cell(r + 1, C_RATING + 1).value = "S2"
    report = read_path(unchanged(edit(src, tmp_path / "renamed.xlsx", change)))
    assert [(f.sheet, f.message.split(":")[0]) for f in report.errors] == [
        ("Peer 1", "tab 'Bo Chen' was renamed to 'Peer 1', the tab of another rater of this "
                   "assessment (peer)")]
    # renamed to a name no rater has, it is still read as Bo Chen's, with a warning
    def other(wb: Any) -> None:
        wb["Bo Chen"].title = "Bo's ratings"
    report = read_path(unchanged(edit(src, tmp_path / "other.xlsx", other)))
    assert report.errors == []
    assert any("was renamed to \"Bo's ratings\"; it is read as 'Bo Chen'" in f.message
               for f in report.findings)


def test_a_copy_of_a_tab_that_loses_nothing_is_a_warning(tmp_path, sales, ctx4, filled,
                                                         unchanged):
    src, ratings = filled

    def change(wb: Any) -> None:
        wb.copy_worksheet(wb["Self"]).title = "Self (2)"  # the same ratings
        # a copy of one peer's tab is no copy of the other's, though the two look alike
        wb.copy_worksheet(wb["Peer 2"]).title = "Peer 2 (2)"
        blank = wb.copy_worksheet(wb["Bo Chen"])  # cleared: holds less, loses nothing
        blank.title = "spare"
        for r in range(R_FIRST, R_FIRST + len(sales.categories)):
            blank.cell(r + 1, C_RATING + 1).value = None
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert errors(report) == []
    assert sorted(f.message for f in report.findings if "unexpected tab" in f.message) == [
        "unexpected tab 'Peer 2 (2)': a copy of 'Peer 2' holding nothing it does not; ignored",
        "unexpected tab 'Self (2)': a copy of 'Self' holding nothing it does not; ignored",
        "unexpected tab 'spare': a copy of 'Bo Chen' holding nothing it does not; ignored"]
    assert_scores(report, rule(sales, ctx4, ratings))


def test_a_copy_with_a_row_inserted_is_compared_row_by_row_with_its_tab(
        tmp_path, sales, ctx4, filled, unchanged):
    """A row inserted near the top of a copy moves every cell below it: the copy is aligned
    with the plan, as the tab read is, so an unchanged copy loses nothing and a changed rating
    is named at the cell where it now is, not taken for a different one."""
    src, ratings = filled

    def same(wb: Any) -> None:
        c = wb.copy_worksheet(wb["Self"])
        c.title = "Self (2)"
        c.insert_rows(R_FIRST + 1)  # above the first category
    report = read_path(unchanged(edit(src, tmp_path / "same.xlsx", same)))
    assert errors(report) == []
    assert "unexpected tab 'Self (2)': a copy of 'Self' holding nothing it does not; ignored" in [
        f.message for f in report.findings]

    held = openpyxl.load_workbook(src)["Self"].cell(R_FIRST + 3, C_RATING + 1).value
    other = "S1" if held != "S1" else "S2"

    def changed(wb: Any) -> None:
        same(wb)
        wb["Self (2)"].cell(R_FIRST + 4, C_RATING + 1).value = other  # the third category
    report = read_path(unchanged(edit(src, tmp_path / "changed.xlsx", changed)))
    where, on_tab = a1(R_FIRST + 3, C_RATING), a1(R_FIRST + 2, C_RATING)
    assert [(f.sheet, f.cell) for f in report.errors] == [("Self (2)", where)]
    assert report.errors[0].message.startswith(
        f"tab 'Self (2)' is a copy of 'Self' that disagrees with it ({where}: {other!r} here, "
        f"{held!r} on 'Self' ({on_tab}))")


def test_a_copy_whose_comment_differs_in_case_disagrees_with_its_tab(
        tmp_path, sales, ctx4, unchanged):
    """A rating is read case aside (s3 is S3), a comment as typed: a copy whose comment was
    retyped with other capitals holds text the tab read does not."""
    src = render(tmp_path, "blank.xlsx", sales, ctx4, {})

    def change(wb: Any) -> None:
        wb["Self"].cell(R_FIRST + 1, C_COMMENT + 1).value = "met quota"
        c = wb.copy_worksheet(wb["Self"])
        c.title = "Self (2)"
        c.cell(R_FIRST + 1, C_COMMENT + 1).value = "Met quota"
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert [(f.sheet, f.cell) for f in report.errors] == [("Self (2)", a1(R_FIRST, C_COMMENT))]
    assert "'Met quota' here, 'met quota' on 'Self'" in report.errors[0].message


def test_without_its_hidden_sheet_a_workbook_is_unreadable(tmp_path, filled, unchanged):
    src, _ = filled
    path = unchanged(edit(src, tmp_path / "t.xlsx", lambda wb: wb.remove(wb[META_SHEET])))
    with pytest.raises(UnreadableWorkbook, match="not a sheetladder workbook") as e:
        read_path(path)
    # and what to do about it: leave out a file that is none, ask for the one sent
    assert "leave it out of the files to read" in e.value.reason
    assert "ask for the file as it was sent" in e.value.reason


def test_a_table_of_people_saved_as_xlsx_is_named_for_what_it_is(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Team"
    wb.active.append(["Person", "email", "team"])
    wb.active.append(["Ana Diaz", "ana@example.com", "North"])
    wb.save(tmp_path / "roster.xlsx")
    with pytest.raises(UnreadableWorkbook, match=r"a table of people \(a roster or an export: "
                                                 r"sheet 'Team' has a 'person' column\)"):
        read_path(tmp_path / "roster.xlsx")


def test_a_renamed_tab_with_a_row_inserted_is_still_found_as_that_tab(
        tmp_path, sales, ctx4, filled, unchanged):
    """Renamed and then edited: its rows are aligned before it is weighed against the plan, so
    the report says which tab it is and where it changed, not that the tab is missing."""
    src, _ = filled

    def change(wb: Any) -> None:
        _rename_like_excel(wb, "Peer 2", "Dana")
        wb["Dana"].insert_rows(R_FIRST + 1)
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert not any("missing" in f.message or "unexpected tab" in f.message
                   for f in report.findings)
    assert ("Dana", "tab 'Peer 2' was renamed to 'Dana'; it is read as 'Peer 2'") in [
        (f.sheet, f.message) for f in report.findings]
    assert (("Dana", f"A{R_FIRST + 1}") in [(f.sheet, f.cell) for f in report.errors])
    assert not report.ok


def test_a_renamed_hidden_sheet_is_found_by_its_content(tmp_path, sales, ctx4, filled, unchanged):
    src, ratings = filled

    def change(wb: Any) -> None:
        wb[META_SHEET].title = "data"
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert [(f.sheet, f.message) for f in report.errors] == [
        ("data", f"the hidden {META_SHEET} sheet was renamed to 'data'")]
    assert_scores(report, rule(sales, ctx4, ratings))


def test_edited_labels_weights_and_descriptors_are_errors(tmp_path, sales, filled, unchanged):
    src, _ = filled
    mrow = matrix_rows(sales)[sales.categories[1].id]

    def change(wb: Any) -> None:
        wb["Self"].cell(row=R_FIRST + 1 + 1, column=C_WEIGHT + 1).value = 5
        wb["Matrix"].cell(row=mrow + 1, column=3).value = "anything goes"
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert {(f.sheet, f.cell) for f in report.errors} == {("Self", a1(R_FIRST + 1, C_WEIGHT)),
                                                         ("Matrix", a1(mrow, 2))}


_REF_WITH_SHEET = re.compile(r"((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?(\$?[A-Z]{1,3}\$?)(\d+)(?![\w(])")


def _insert_row_like_excel(wb: Any, sheet: str, row1: int) -> None:
    """Insert a row above 1-based ``row1`` of ``sheet`` and shift references, as Excel does."""
    wb[sheet].insert_rows(row1)
    target = sheet.casefold()

    def shift(formula: str, here: str) -> str:
        def seg(text: str) -> str:
            out: list[str] = []
            pos = 0
            prev_sheet: str | None = None
            for m in _REF_WITH_SHEET.finditer(text):
                prefix, col, row = m.group(1), m.group(2), int(m.group(3))
                if prefix:
                    name = prefix[:-1].strip("'").replace("''", "'").casefold()
                elif m.start() > 0 and text[m.start() - 1] == ":" and prev_sheet is not None:
                    name = prev_sheet
                else:
                    name = here.casefold()
                prev_sheet = name
                if name == target and row >= row1:
                    row += 1
                out.append(text[pos:m.start()] + (prefix or "") + col + str(row))
                pos = m.end()
            out.append(text[pos:])
            return "".join(out)
        return _outside_strings(formula, seg)

    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                if c.data_type == "f" and isinstance(c.value, str):
                    c.value = shift(c.value, ws.title)


def test_an_inserted_row_is_reported_once_the_ratings_still_read_and_no_figure_given(
        tmp_path, sales, ctx4, filled, unchanged):
    """One error, not a finding per cell moved; the ratings are read where the row moved
    them, but a workbook whose rows are not as made gives no figure (it gave the total as if
    nothing had happened), as one whose columns changed does not."""
    src, ratings = filled
    path = unchanged(edit(src, tmp_path / "t.xlsx", lambda wb: _insert_row_like_excel(wb, "Self", 8)))
    report = read_path(path)
    assert errors(report) == ["error: Self!A8: row 8 was inserted (not part of the workbook as made)"]
    assert {i.tab: i.levels for i in report.inputs} == ratings
    assert report.figures_withheld == ("rows of tab(s) 'Self' were inserted, so the workbook is "
                                       "not as made: no figure is computed until the rows are "
                                       "as made")
    assert report.total_points is None and report.level is None


def _structure_refused(report: Report, edits: list[tuple[str, str]]) -> None:
    """One error per edit, each on its sheet and cell as ``edits`` gives them, nothing else
    an error, and no figure."""
    assert [(f.sheet, f.cell) for f in report.errors] == edits, errors(report)
    assert not report.ok
    assert report.figures_withheld is not None
    assert report.total_points is None and report.level is None
    assert all(r.total_points is None and r.level is None for r in report.raters)
    assert all(c.consensus_level is None for c in report.categories)


def test_a_column_and_a_row_inserted_on_one_tab_are_one_error_each_and_give_no_figure(
        tmp_path, sales, ctx4, filled, unchanged):
    """A column inserted before Self's ratings and a row inserted among its categories, as
    Excel does them (every formula's references shifted): the columns were found only on a
    tab whose rows were as made, so this was 28 errors (rows 8–22 deleted, rows 10–25
    inserted, headings and formulas changed) and a total from Self's ratings read in the
    wrong column. It is one error for the column and one for the row, Self's ratings read
    where they are now, and no figure."""
    src, ratings = filled

    def change(wb: Any) -> None:
        structural_edit(wb, "Self", "insert", "col", C_RATING + 1)
        structural_edit(wb, "Self", "insert", "row", R_FIRST + 4)
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    _structure_refused(report, [("Self", "D1"), ("Self", f"A{R_FIRST + 4}")])
    assert report.errors[0].message.startswith("column D was inserted")
    assert report.errors[1].message == f"row {R_FIRST + 4} was inserted (not part of the " \
                                       "workbook as made)"
    assert "'Self' were inserted or deleted" in (report.figures_withheld or "")
    assert report.inputs[0].levels == ratings["Self"]
    # the other way round, and deleting: the same
    def change2(wb: Any) -> None:
        structural_edit(wb, "Self", "delete", "row", R_FIRST + 3)
        structural_edit(wb, "Self", "delete", "col", C_COMMENT + 1)
    report = read_path(unchanged(edit(src, tmp_path / "t2.xlsx", change2)))
    _structure_refused(report, [("Self", a1(0, C_COMMENT)), ("Self", f"A{R_FIRST + 3}")])
    assert "'Evidence / comments'" in report.errors[0].message
    assert f"({sales.categories[2].name!r}) was deleted" in report.errors[1].message


@pytest.mark.parametrize("edits,found", [
    # column E ('What the chosen level looks like') took its text out of the heading row and
    # the 'of 18 categories' row: those rows were no longer found by their text, nor column E
    ([("delete", "col", 5), ("insert", "row", R_FIRST + 4)],
     [("E1", "column E of the workbook as made ('What the chosen level looks like') was "
             "deleted"), (f"A{R_FIRST + 4}", f"row {R_FIRST + 4} was inserted")]),
    ([("insert", "row", R_FIRST + 10), ("delete", "col", 5)],
     [("E1", "column E of the workbook as made ('What the chosen level looks like') was "
             "deleted"), (f"A{R_FIRST + 10}", f"row {R_FIRST + 10} was inserted")]),
], ids=["column-deleted-then-row-inserted", "row-inserted-then-column-deleted"])
def test_two_edits_of_a_tab_s_rows_and_columns_are_one_error_each_and_give_no_figure(
        tmp_path, sales, ctx4, filled, unchanged, edits, found):
    """A column deleted and a row inserted on Self, as Excel does them: 27 errors (headings
    changed, formulas changed or as made but reading other cells), no longer one per edit."""
    src, _ = filled

    def change(wb: Any) -> None:
        for kind, axis, index in edits:
            structural_edit(wb, "Self", kind, axis, index)
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    _structure_refused(report, [("Self", cell) for cell, _ in found])
    for f, (_, start) in zip(report.errors, found, strict=True):
        assert f.message.startswith(start), f.message


def test_the_last_column_s_heading_cleared_is_a_text_changed_not_the_column_deleted(
        tmp_path, sales, ctx4, filled, unchanged):
    """Self's 'Level #' (H4) and the Summary's 'Self vs others' (L3) cleared: the last
    columns' text was gone, so they were taken for deleted columns, and every formula reading
    column H was "as written, but reads other cells now" (27 errors, no figure). Their
    formulas are still there: each is a text changed, and the figures are given."""
    src, ratings = filled

    def change(wb: Any) -> None:
        wb["Self"].cell(R_FIRST, 8).value = None
        wb[SUMMARY_SHEET].cell(3, 12).value = None
    report = read_path(unchanged(edit(src, tmp_path / "t.xlsx", change)))
    assert errors(report) == [
        f"error: Self!H{R_FIRST}: text changed from 'Level #' to nothing",
        f"error: {SUMMARY_SHEET}!L3: text changed from 'Self vs others' to nothing"]
    assert_scores(report, rule(sales, ctx4, ratings))


@pytest.mark.parametrize("kind,col,cell", [("insert", 3, "C1"), ("delete", 12, "L1"),
                                           ("insert", 14, "N1"), ("delete", 14, "N1")],
                         ids=["before-self", "self-vs-others", "before-the-last",
                              "the-last"])
def test_a_column_inserted_or_deleted_on_the_summary_is_one_error_and_gives_no_figure(
        tmp_path, sales, ctx4, filled, unchanged, kind, col, cell):
    """A column inserted before the Summary's first rater column (or its 'Self vs others'
    deleted): found as a column, one error, but the figures were given as if nothing had
    happened, from a workbook whose formulas are not where it was made with them. Its last
    column, of formulas only (no heading), inserted before or deleted, was not found at all:
    the labels were in place, so the sheet was taken as made, and its formulas were
    "changed"."""
    src, ratings = filled
    report = read_path(unchanged(edit(
        src, tmp_path / "t.xlsx", lambda wb: structural_edit(wb, SUMMARY_SHEET, kind, "col",
                                                             col))))
    _structure_refused(report, [(SUMMARY_SHEET, cell)])
    assert report.errors[0].message.startswith(f"column {cell[0]}")
    assert f"{SUMMARY_SHEET!r} were inserted or deleted" in (report.figures_withheld or "")
    assert {i.tab: i.levels for i in report.inputs} == ratings


def _swap_rows_5_and_6(wb: Any) -> None:
    """Swap the contents of Self's first two category rows, columns A–D only (a sort, or a
    cut and paste of the values)."""
    ws = wb["Self"]
    for col in range(1, 5):
        a, b = ws.cell(R_FIRST + 1, col), ws.cell(R_FIRST + 2, col)
        a.value, b.value = b.value, a.value


def test_two_rows_swapped_are_refused_as_rows_moved_not_by_formulas_quoted_twice_alike(
        tmp_path, sales, ctx4, filled, unchanged):
    """Rows 5 and 6 of Self swapped, columns A–D only (a sort, or a cut and paste of the
    values): the formulas stay as made, reading the rows as made. They were reported as
    "formula changed to =COUNT(H5:H22) (the workbook as made has =COUNT(H5:H22))", then as a
    row inserted and a row deleted, neither of which happened; the rows moved are the error,
    named as moved, and a formula is reported only where it is not as made."""
    src, ratings = filled
    report = read_path(unchanged(edit(src, tmp_path / "swapped.xlsx", _swap_rows_5_and_6)))
    assert errors(report) == [
        f"error: Self!A{R_FIRST + 1}: rows were moved (sorted, or cut and pasted elsewhere): "
        f"'{sales.categories[1].name}' (row {R_FIRST + 2} as made) is in row {R_FIRST + 1}; "
        f"'{sales.categories[0].name}' (row {R_FIRST + 1} as made) is in row {R_FIRST + 2}. The "
        "workbook's formulas read each row where it was made, so what it shows is no longer "
        "right: put the rows back in their order as made (undo the sort, or go back to the file "
        "as saved before it) and read again"]
    assert not report.ok
    # each rating is read in the row of its category's name, and no figure comes of them
    assert report.inputs[0].levels == ratings["Self"]
    assert report.figures_withheld is not None and "'Self' were moved" in report.figures_withheld
    assert report.total_points is None and report.level is None
    for f in report.findings:  # no finding quotes one formula as two
        quoted = re.findall(r"=[A-Z]+\([^ ]*\)", f.message)
        assert len(quoted) < 2 or quoted[0] != quoted[1], str(f)


def test_a_formula_changed_among_moved_rows_is_still_reported(tmp_path, sales, ctx4, filled,
                                                              unchanged):
    src, _ = filled

    def swap_and_change(wb: Any) -> None:
        _swap_rows_5_and_6(wb)
        wb["Self"]["D24"] = "=COUNT(H5:H21)"
    report = read_path(unchanged(edit(src, tmp_path / "changed.xlsx", swap_and_change)))
    assert "error: Self!D24: formula changed to =COUNT(H5:H21) (the workbook as made has " \
           "=COUNT(H5:H22))" in errors(report)


def test_a_deleted_row_is_reported_with_its_category(tmp_path, sales, filled, unchanged):
    src, _ = filled
    cat = sales.categories[2]
    path = unchanged(edit(src, tmp_path / "t.xlsx",
                          lambda wb: wb["Bo Chen"].delete_rows(R_FIRST + 2 + 1)))
    report = read_path(path)
    deleted = [f for f in report.errors if "deleted" in f.message]
    assert [(f.sheet, f.cell) for f in deleted] == [("Bo Chen", f"A{R_FIRST + 3}")]
    assert cat.name in deleted[0].message
    assert report.inputs[1].levels[cat.id] is None
    # the total without that rating would be one its rater never gave
    assert report.figures_withheld is not None and "'Bo Chen' were deleted" in \
        report.figures_withheld
    assert report.total_points is None


# -- shared formulas, lying dimensions --------------------------------------------------------------


def _sheet_part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return parts_mod.sheet_parts(z)[name]


def _rewrite_part(data: bytes, part: str, fn: Callable[[str], str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == part:
                blob = fn(blob.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, blob)
    return out.getvalue()


def excel_style_shared(data: bytes, ladder: Ladder) -> bytes:
    """The Self tab's column H (the level number) as one shared formula, the way Excel saves a
    filled-down column."""
    part = _sheet_part(data, "Self")
    last = R_FIRST + len(ladder.categories)  # 1-based row of the last category

    def share(xml: str) -> str:
        def sub(m: re.Match[str]) -> str:
            row = int(m.group(1))
            if row == R_FIRST + 1:
                return f'<c r="H{row}"{m.group(2)}><f t="shared" ref="H{row}:H{last}" si="0">{m.group(3)}</f>'
            return f'<c r="H{row}"{m.group(2)}><f t="shared" si="0"/>'
        return re.sub(r'<c r="H(\d+)"([^>]*)><f>([^<]*)</f>',
                      lambda m: sub(m) if R_FIRST + 1 <= int(m.group(1)) <= last else m.group(0), xml)
    shared = _rewrite_part(data, part, share)
    assert zipfile.ZipFile(io.BytesIO(shared)).read(part).count(b't="shared"') == len(ladder.categories)
    return shared


def test_shared_formulas_as_excel_writes_them_read_clean(tmp_path, sales, ctx4, unchanged):
    ratings = random_ratings(sales, ctx4, seed=2)
    data = to_bytes(build_plan(sales, ctx4, ratings))
    shared = excel_style_shared(data, sales)
    path = tmp_path / "shared.xlsx"
    path.write_bytes(shared)
    unchanged(path)
    report = read_path(path)
    assert report.findings == []
    assert_scores(report, rule(sales, ctx4, ratings))
    g = open_xlsx(path)
    assert g.sheets["Self"].get(R_FIRST + 5, 7).formula is not None


def test_a_formula_in_a_rating_cell_is_one_error_not_also_results_not_recalculated(
        tmp_path, sales, ctx4, unchanged):
    """A rating typed as =UPPER("s3") and saved by a spreadsheet (its result S3 stored, the
    sheet's formulas computed from it): it is refused as a formula; the results the sheet
    computed from it are not also reported as stored without recalculating, which it was not."""
    ratings = {"Self": {c.id: 3 for c in sales.categories}}
    data = to_bytes(build_plan(sales, ctx4, ratings))
    cell = f"D{R_FIRST + 1}"
    typed = _rewrite_part(data, _sheet_part(data, "Self"), lambda x: re.sub(
        rf'<c r="{cell}"( s="\d+")? t="s"><v>\d+</v></c>',
        rf'<c r="{cell}"\1 t="str"><f>UPPER("s3")</f><v>S3</v></c>', x))
    assert typed != data
    path = tmp_path / "formula-rating.xlsx"
    path.write_bytes(typed)
    report = read_path(unchanged(path))
    assert errors(report) == [f'error: Self!{cell}: the rating cell holds a formula =UPPER("s3"); '
                              "type the level or pick it from the dropdown instead"]
    assert warnings_of(report) == []
    assert report.figures_withheld is not None and report.total_points is None


def test_a_sheet_whose_dimension_lies_is_read_in_full(tmp_path, sales, ctx4, unchanged):
    ratings = random_ratings(sales, ctx4, seed=4)
    data = to_bytes(build_plan(sales, ctx4, ratings))
    part = _sheet_part(data, "Peer 1")
    lied = _rewrite_part(data, part, lambda x: re.sub(r'<dimension ref="[^"]*"/>',
                                                       '<dimension ref="A1:B2"/>', x))
    path = tmp_path / "dim.xlsx"
    path.write_bytes(lied)
    report = read_path(unchanged(path))
    assert report.findings == []
    assert_scores(report, rule(sales, ctx4, ratings))


# -- merging copies ---------------------------------------------------------------------------------


def test_copies_filled_by_different_raters_merge_into_one_report(tmp_path, sales, ctx4, unchanged):
    ratings = random_ratings(sales, ctx4, seed=21)
    paths = [unchanged(render(tmp_path, f"{t}.xlsx", sales, ctx4, {t: ratings[t]}))
             for t in ctx4.tabs()]
    reports = read_many(paths)
    assert len(reports) == 1
    merged = reports[0]
    assert merged.findings == []
    assert merged.sources == [str(p) for p in paths]
    assert_scores(merged, rule(sales, ctx4, ratings))


def test_split_files_merge_like_copies(tmp_path, sales, ctx4, unchanged):
    ratings = random_ratings(sales, ctx4, seed=22, blank_every=5)
    paths = []
    for c in split_contexts(ctx4):
        assert c.split_tab is not None
        paths.append(unchanged(render(tmp_path, f"split-{c.split_tab}.xlsx", sales, c,
                                      {c.split_tab: ratings[c.split_tab]})))
    reports = read_many(paths)
    assert len(reports) == 1 and reports[0].findings == [] and reports[0].tabs_missing == []
    assert_scores(reports[0], rule(sales, ctx4, ratings))


def test_a_split_file_read_alone_by_the_library_warns_of_the_tabs_in_other_files_as_read_does(
        tmp_path, sales, ctx4, unchanged):
    """read_path (the library's one-file read) and read_many without merging said nothing of
    the raters' tabs a lone --split file leaves out, while ``sheetladder read`` of the same file
    warned and labelled its figures those of the tabs read only: one place decides it now."""
    ratings = random_ratings(sales, ctx4, seed=23)
    c = split_contexts(ctx4)[0]
    assert c.split_tab == "Self"
    path = unchanged(render(tmp_path, "split-self.xlsx", sales, c, {"Self": ratings["Self"]}))
    others = [s.tab for s in ctx4.raters if s.tab != "Self"]
    res = CliRunner().invoke(main, ["read", str(path), "--json"], catch_exceptions=False)
    cli = json.loads(res.output)
    assert res.exit_code == 0 and cli["tabs_missing"] == others
    for report in (read_path(path), read_many([path])[0],
                   read_many([path], merge_copies=False)[0]):
        assert report.ok and report.tabs_missing == others
        assert [(f.severity, f.sheet) for f in report.findings] == [
            ("warning", tab) for tab in others]
        assert "--split file holds only its rater's tab" in report.findings[0].message
        assert report_json(report)["findings"] == cli["findings"]
    again = read_path(path)  # read twice, warned once each time
    assert len(again.findings) == len(others)


def test_two_copies_with_different_ratings_on_one_tab_are_a_conflict(tmp_path, sales, ctx4, unchanged):
    a = random_ratings(sales, ctx4, seed=30)
    b = {t: dict(v) for t, v in a.items()}
    first = sales.categories[0]
    b["Self"][first.id] = (a["Self"][first.id] or 1) % len(sales.levels) + 1
    pa = unchanged(render(tmp_path, "a.xlsx", sales, ctx4, {"Self": a["Self"]}))
    pb = unchanged(render(tmp_path, "b.xlsx", sales, ctx4, {"Self": b["Self"]}))
    [merged] = read_many([pa, pb])
    conflicts = merged.errors
    assert len(conflicts) == 1 and conflicts[0].sheet == "Self"
    assert str(pa) in conflicts[0].message and str(pb) in conflicts[0].message
    assert first.name in conflicts[0].message and conflicts[0].cell == a1(R_FIRST, C_RATING)
    # no figure from a guess at which copy is right
    assert merged.total_points is None and merged.level is None and merged.figures_withheld
    assert all(r.total_points is None for r in merged.raters)
    # naming the copy to keep settles it: its ratings, and a warning naming the other
    [kept] = read_many([pa, pb], keep=[str(pb)])
    assert kept.errors == [] and any(str(pa) in f.message for f in kept.findings)
    assert_scores(kept, rule(sales, ctx4, {"Self": b["Self"]}))


def test_different_people_are_not_merged(tmp_path, sales):
    a = render(tmp_path, "a.xlsx", sales, make_context(sales, "A"))
    b = render(tmp_path, "b.xlsx", sales, make_context(sales, "B"))
    assert [r.person for r in read_many([a, b])] == ["A", "B"]


# -- bad files ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    return make_corpus(tmp_path_factory.mktemp("bad"))


def test_every_bad_file_is_unreadable_with_a_one_line_reason(corpus):
    before = {name: digest(p) for name, (p, _) in corpus.items() if p.is_file()}
    for name, (path, fragment) in corpus.items():
        with pytest.raises(UnreadableWorkbook) as exc:
            read_path(path)
        reason = exc.value.reason
        assert "\n" not in reason and 0 < len(reason) < 300, name
        assert fragment in reason, f"{name}: {reason}"
    assert {name: digest(p) for name, (p, _) in corpus.items() if p.is_file()} == before


@pytest.fixture(scope="module")
def good_bytes() -> bytes:
    from .make_bad_files import good_workbook

    return good_workbook()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_bytes_give_findings_or_unreadable_never_a_crash(good_bytes, data):
    from .make_bad_files import rezip

    if data.draw(st.booleans()):  # damage the zip itself
        blob = bytearray(good_bytes)
        for _ in range(data.draw(st.integers(1, 6))):
            blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
        damaged = bytes(blob)
    else:  # damage an XML part inside a valid zip
        with zipfile.ZipFile(io.BytesIO(good_bytes)) as z:
            names = sorted(n for n in z.namelist() if n.endswith(".xml"))
            name = data.draw(st.sampled_from(names))
            xml = bytearray(z.read(name))
        for _ in range(data.draw(st.integers(1, 6))):
            xml[data.draw(st.integers(0, len(xml) - 1))] = data.draw(st.sampled_from(b'<>"=/ a1&;'))
        damaged = rezip(good_bytes, replace={name: bytes(xml)})
    try:
        v = verify_grid(grid_from_bytes("damaged.xlsx", damaged))
    except UnreadableWorkbook as e:
        assert "\n" not in e.reason and e.reason
        # a part that is not XML, or is missing, is named, not the parser's exception
        assert not re.search(r"\b(?:ExpatError|ParseError|KeyError)\b", e.reason), e.reason
        return
    assert v.report.person == "Corpus Person" or v.report.errors  # an edited context is caught


def test_openpyxl_itself_refuses_entities_through_defusedxml(corpus, monkeypatch):
    """Even without the DOCTYPE check in front of it, openpyxl parses with defusedxml."""
    monkeypatch.setattr(archive_mod, "_check_xml_parts", lambda source, zf: None)
    with pytest.raises(UnreadableWorkbook, match="EntitiesForbidden|DTDForbidden"):
        read_path(corpus["entity-bomb.xlsx"][0])


def test_a_batch_goes_past_bad_files(tmp_path, sales, ctx4, corpus):
    good = render(tmp_path, "good.xlsx", sales, ctx4, random_ratings(sales, ctx4, seed=1))
    bad = [p for p, _ in corpus.values()]
    result = CliRunner().invoke(main, ["read", "--json", str(bad[0]), str(good), *map(str, bad[1:])])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(bad)
    assert {line.split(": ", 1)[0] for line in lines} == {str(p) for p in bad}
    items = json.loads(result.stdout)
    readable = [i for i in items if "unreadable" not in i]
    assert [i["file"] for i in readable] == [str(good)]
    assert readable[0]["person"] == "Ann Example"


# -- the command ----------------------------------------------------------------------------------------


def test_read_command_exit_codes_and_json_shape(tmp_path, sales, ctx4, filled, unchanged):
    src, ratings = filled
    unchanged(src)
    ok = CliRunner().invoke(main, ["read", "--json", str(src)])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    expected = rule(sales, ctx4, ratings)
    assert set(data) >= {"file", "person", "period", "ladder", "findings", "raters", "categories",
                         "total_points", "level", "progress_to_next"}
    assert data["ladder"] == {"id": sales.id, "version": sales.version, "hash": sales.content_hash()}
    assert data["total_points"] == expected.total_points and data["level"] == expected.level
    assert [(r["role"], r["name"], r["rated"], r["of"], r["total_points"], r["level"])
            for r in data["raters"]] == [(r.role, r.name, r.rated, r.of, r.total_points, r.level)
                                         for r in expected.raters]
    assert [(c["id"], c["ratings"], c["consensus"]) for c in data["categories"]] == [
        (c.id, c.ratings, c.consensus_level) for c in expected.categories]

    bad = edit(src, tmp_path / "bad.xlsx", lambda wb: wb.remove(wb["Bo Chen"]))
    res = CliRunner().invoke(main, ["read", "--json", str(bad)])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["findings"][0] == {
        "severity": "error", "sheet": "Bo Chen", "cell": None, "message": "tab 'Bo Chen' is missing"}
    both = CliRunner().invoke(main, ["read", "--json", str(src), str(bad)])
    assert both.exit_code == 1 and isinstance(json.loads(both.stdout), list)


def test_read_command_prints_a_readable_report(filled):
    src, _ = filled
    res = CliRunner().invoke(main, ["read", str(src)])
    assert res.exit_code == 0, res.output
    assert "Ann Example" in res.stdout and "verified" in res.stdout
    # the bundled ladder keeps min_peers at 3: two peers are pooled with the manager
    assert "Self" in res.stdout and "Others" in res.stdout and "Peers pooled" in res.stdout
    for tab in ("Bo Chen", "Peer 1", "Peer 2"):
        assert tab not in res.stdout


GATED = SMALL.replace("levels:", (
    "scoring:\n  thresholds: [3, 6, 8]\n  gates: [{level: L3, category: a, min_level: L3}]\n"
    "levels:"), 1)


def test_read_names_the_gate_that_holds_a_level_back(tmp_path, unchanged):
    """The total reaches L3's threshold, but Alpha's consensus is below the L3 its gate needs:
    the text report said only "level L2, 100% of the way to the next level"."""
    ladder = load_text(GATED, "gated.yaml")
    (tmp_path / "gated.yaml").write_text(GATED, encoding="utf-8")
    ctx = make_context(ladder, "Gia Tan", "2026-Q4", [("self", None, None),
                                                      ("manager", "Bo Chen", None)])
    ratings = {"Self": {"a": 2, "b": 3}, "Bo Chen": {"a": 3, "b": 3}}
    path = unchanged(render(tmp_path, "gated.xlsx", ladder, ctx, ratings))
    expected = rule(ladder, ctx, ratings)
    assert expected.level == "L2" and expected.total_points == 8.5  # L3's threshold is 8
    res = CliRunner().invoke(main, ["read", str(path), "--ladders", str(tmp_path / "gated.yaml")],
                             catch_exceptions=False)
    flat = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert ("Overall: 8.5 points, level L2, 100% of the way to the next level; L3 held back by "
            "its gate on Alpha: it needs Alpha at L3 or above, the consensus is 2.5") in flat
    assert ("Self: level L2; L3 held back by its gate on Alpha: it needs Alpha at L3 or above, "
            "rated L2") in flat
    assert "Bo Chen: level" not in flat  # Bo Chen reached L3: nothing holds them back
    res = CliRunner().invoke(main, ["read", str(path), "--json", "--ladders",
                                    str(tmp_path / "gated.yaml")], catch_exceptions=False)
    data = json.loads(res.output)
    assert data["held_back"] == [{"level": "L3", "category": "a", "category_name": "Alpha",
                                  "min_level": "L3", "got": 2.5}]
    assert [r["held_back"] for r in data["raters"]] == [
        [{"level": "L3", "category": "a", "category_name": "Alpha", "min_level": "L3",
          "got": 2.0}], []]


def test_read_command_with_worker_processes_prints_what_one_process_prints(tmp_path, sales, ctx4):
    ratings = random_ratings(sales, ctx4, seed=21)
    copies = [render(tmp_path, f"{c.split_tab}.xlsx", sales, c, {c.split_tab: ratings[c.split_tab]})
              for c in split_contexts(ctx4) if c.split_tab]  # four copies: merged into one report
    others = []
    for i in range(3):
        ctx = make_context(sales, f"Person {i}", "2025-Q1")
        others.append(render(tmp_path, f"p{i}.xlsx", sales, ctx,
                             random_ratings(sales, ctx, seed=30 + i)))
    bad = edit(others.pop(), tmp_path / "bad.xlsx", lambda wb: wb.remove(wb[ctx.tabs()[0]]))
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    batch = [str(p) for p in [copies[0], junk, *copies[1:], *others, bad]]
    for extra in ([], ["--json"]):
        one = CliRunner().invoke(main, ["read", *extra, "--jobs", "1", *batch])
        two = CliRunner().invoke(main, ["read", *extra, "--jobs", "2", *batch])
        assert one.exit_code == two.exit_code == 2, one.output
        assert two.stdout == one.stdout and two.stderr == one.stderr
        assert one.stderr.startswith(f"{junk}: ") and one.stdout
    reports = json.loads(one.stdout)
    assert [r["file"] for r in reports] == [" + ".join(map(str, copies)), str(junk),
                                             *map(str, others), str(bad)]
    assert [r.get("person") for r in reports] == [
        "Ann Example", None, "Person 0", "Person 1", "Person 2"]
    assert [r.get("ok") for r in reports] == [True, None, True, True, False]


def test_report_json_keeps_user_text_as_text(tmp_path, small):
    ctx = make_context(small, "[bold]Mallory[/bold] =1+1")
    path = render(tmp_path, "m.xlsx", small, ctx, comments={ctx.tabs()[0]: {"a": "=HYPERLINK(1)"}})
    report = read_path(path)
    assert report_json(report)["person"] == "[bold]Mallory[/bold] =1+1"
    assert report_json(report)["comments"] == {ctx.tabs()[0]: {"a": "=HYPERLINK(1)"}}
    res = CliRunner().invoke(main, ["read", str(path)])
    assert "[bold]Mallory[/bold]" in res.stdout


# -- Google Sheets sources ----------------------------------------------------------------------------


def test_a_google_sheets_url_is_read_through_gsheets_open_grid(tmp_path, sales, ctx4, filled,
                                                               monkeypatch):
    from sheetladder.google import read as gsheets

    src, ratings = filled
    url = "https://docs.google.com/spreadsheets/d/" + "a" * 44 + "/edit"
    calls: list[str] = []

    def fake_open_grid(source: str, api: Any = None) -> Grid:
        calls.append(source)
        g = grid_from_bytes(source, src.read_bytes())
        g.content_hash = None
        return g
    monkeypatch.setattr(gsheets, "open_grid", fake_open_grid)
    report = read_path(url)
    assert calls == [url] and report.file == url and report.findings == []
    assert_scores(report, rule(sales, ctx4, ratings))

# -- a copied template's name cell ------------------------------------------------------------------


def test_a_formula_in_a_copied_templates_name_cell_is_refused_as_a_formula_not_a_missing_name(
        tmp_path, sales, unchanged):
    from sheetladder.google.publish import template_context

    ctx = template_context(sales, "2026-Q4")
    src = render(tmp_path, "template.xlsx", sales, ctx, {"Self": {sales.categories[0].id: 3}})

    def name_by_formula(wb: Any) -> None:
        wb["Guide"]["B4"] = '=HYPERLINK("https://example.com/ana","Ana Diaz")'
    report = read_path(unchanged(edit(src, tmp_path / "formula.xlsx", name_by_formula)))
    assert [str(f) for f in report.findings if f.sheet == "Guide"] == [
        "error: Guide!B4: the person's name cell holds a formula =HYPERLINK(\"https://example.com"
        "/ana\",\"An…; type the person's name in this yellow cell instead"]
    assert report.person == ""  # the formula's text is never taken as the name

    def typed(wb: Any) -> None:
        wb["Guide"]["B4"] = "Ana Diaz"
    report = read_path(unchanged(edit(src, tmp_path / "typed.xlsx", typed)))
    assert not [f for f in report.findings if f.sheet == "Guide"]
    assert report.person == "Ana Diaz"


def test_a_web_address_that_is_no_google_sheets_link_is_told_as_such_not_as_no_such_file(
        tmp_path: Path) -> None:
    link = "https://docs.google.com/document/d/abc/edit"
    res = CliRunner().invoke(main, ["read", link])
    assert res.exit_code == 2
    assert "not a Google Sheets link" in res.output and "no such file" not in res.output
    res = CliRunner().invoke(main, ["collect", link, "--db", str(tmp_path / "h.sqlite")])
    assert res.exit_code == 1
    assert "not a Google Sheets link" in res.output and "no such file" not in res.output
    res = CliRunner().invoke(main, ["read", str(tmp_path / "nosuch.xlsx")])
    assert res.exit_code == 2 and "no such file" in res.output
