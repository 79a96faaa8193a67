"""Rendering .xlsx workbooks: what the saved file holds, the roster, the split copies, the CLI.

Expected figures come from the scoring rule (``scoring.score``) placed at the layout's cells
(:func:`expected_figures`), not from the renderer's own stored values.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import string
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import range_boundaries
from python_calamine import CalamineWorkbook

from sheetladder import plan as plan_mod
from sheetladder import scoring
from sheetladder.a1 import a1
from sheetladder.cli import main
from sheetladder.context import MATRIX_SHEET, META_SHEET, SUMMARY_SHEET, Context, make_context, split_contexts
from sheetladder.definition import Ladder, from_json, load_text
from sheetladder.plan import (
    C_DESCRIPTOR,
    C_LEVELNO,
    C_POINTS,
    C_RATING,
    CHARS_PER_WIDTH,
    M_FIRST,
    R_FIRST,
    S_FIRST,
    WorkbookPlan,
    build_plan,
    meta_payload,
    rater_footer,
    summary_columns,
    summary_footer,
    wrapped_lines,
)
from sheetladder.render import parse_rater, render_one, render_roster
from sheetladder.results.read import read_path
from sheetladder.roster import (
    RosterError,
    parse_roster,
    render_entries,
    slug,
    workbook_name,
    write_assessment,
)
from sheetladder.xlsx import _speedups
from sheetladder.xlsx import write as render_xlsx
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS, SMALL

SALES = DEFINITIONS / "sales-s1-s7.yaml"
FOUR = [("self", None, None), ("manager", "Bo Chen", "bo@example.com"), ("peer", "Cy", None),
        ("peer", "Di", None)]

# A ladder that exercises the whole rule: explicit points and thresholds, a gate, unequal role
# weights, three peers, a custom role and fractional category weights.
TRICKY = SMALL.replace("levels:", (
    "scoring:\n  points: [1, 2.5, 6]\n  thresholds: [1.5, 7, 12]\n"
    "  gates: [{level: L3, category: a, min_level: L3}]\n"
    "raters:\n  - {id: self, name: Self, weight: 0.5}\n  - {id: manager, name: Manager, weight: 2}\n"
    "  - {id: peer, name: Peer, count: 3, weight: 1}\n"
    "  - {id: skip, name: Skip level, count: 1, weight: 0.3}\n"
    "levels:")).replace(
    "      - {id: b,", "      - {id: c, name: Gamma, weight: 0.1, descriptors: {L1: c1, L2: c2, L3: c3}}\n"
    "      - {id: d, name: Delta, weight: 0.2, descriptors: {L1: d1, L2: d2, L3: d3}}\n"
    "      - {id: b,")

Fill = Mapping[str, Mapping[str, int | None]]


def tricky() -> Ladder:
    return load_text(TRICKY, "tricky.yaml")


# -- the oracle ---------------------------------------------------------------------------------


def _b(v: Any) -> Any:
    return "" if v is None else v


def expected_figures(ladder: Ladder, ctx: Context, fill: Fill) -> dict[tuple[str, int, int], Any]:
    """Every formula cell of the rater tabs and the Summary, as the scoring rule computes it."""
    inputs = [scoring.RaterInput(role=s.role, name=s.name, tab=s.tab,
                                 levels=dict(fill.get(s.tab, {}))) for s in ctx.raters]
    sc = scoring.score(ladder, inputs)
    cats = ladder.categories
    out: dict[tuple[str, int, int], Any] = {}
    foot = rater_footer(ladder)
    for slot, rs in zip(ctx.raters, sc.raters, strict=True):
        if ctx.split_tab is not None and slot.tab != ctx.split_tab:
            continue
        t = slot.tab
        levels = fill.get(t, {})
        for i, c in enumerate(cats):
            k = levels.get(c.id)
            r = R_FIRST + i
            out[(t, r, C_LEVELNO)] = k or ""
            out[(t, r, C_POINTS)] = ladder.level_points()[k - 1] * c.weight if k else ""
            out[(t, r, C_DESCRIPTOR)] = c.descriptor(ladder.codes[k - 1]).text if k else ""
        out[(t, foot["rated"], C_RATING)] = rs.rated
        out[(t, foot["total"], C_RATING)] = _b(rs.total_points)
        out[(t, foot["level"], C_LEVELNO)] = _b(rs.level_index)
        out[(t, foot["level"], C_RATING)] = _b(rs.level)
        out[(t, foot["progress"], C_RATING)] = _b(rs.progress_to_next)
    if ctx.split_tab is not None:
        return out
    cols = summary_columns(ctx, ladder)
    S = SUMMARY_SHEET
    for i, (c, cs) in enumerate(zip(cats, sc.categories, strict=True)):
        r = S_FIRST + i
        for slot in ctx.raters:
            code = cs.ratings.get(slot.tab)
            # the level code, as the rater's tab shows it (S3, not 3)
            out[(S, r, cols["rater:" + slot.tab])] = code or ""
        for role in ladder.raters:
            out[(S, r, cols["role:" + role.id])] = _b(cs.role_means.get(role.id))
        out[(S, r, cols["consensus_level"])] = _b(cs.consensus_level)
        out[(S, r, cols["consensus_points"])] = _b(cs.consensus_points)
        out[(S, r, cols["gap"])] = _b(cs.self_gap)
        if cs.consensus_level is None:
            out[(S, r, cols["next"])] = ""
        elif cs.next_level is None:
            out[(S, r, cols["next"])] = scoring.TOP_LEVEL_TEXT
        else:
            out[(S, r, cols["next"])] = c.descriptor(cs.next_level).text
    sf = summary_footer(ladder)
    v = cols["consensus_points"]
    out[(S, sf["complete"], v)] = sum(1 for cs in sc.categories if cs.consensus_level is not None)
    out[(S, sf["total"], v)] = _b(sc.total_points)
    out[(S, sf["level"], cols["index"])] = _b(sc.level_index)
    out[(S, sf["level"], v)] = _b(sc.level)
    out[(S, sf["progress"], v)] = _b(sc.progress_to_next)
    return out


def same(expected: Any, got: Any) -> bool:
    """Equal as a spreadsheet shows it: blank is "" or None, never 0; numbers to 1e-9."""
    if expected == "":
        return got in ("", None)
    if isinstance(expected, bool) or isinstance(got, bool):
        return False
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-9)
    return bool(expected == got)


def mismatches(expected: dict[tuple[str, int, int], Any],
               read: Mapping[str, list[list[Any]]]) -> list[tuple[str, str, Any, Any]]:
    bad = []
    for (sheet, r, c), want in expected.items():
        got = _at(read[sheet], r, c)
        if not same(want, got):
            bad.append((sheet, a1(r, c), want, got))
    return bad


def _at(rows: list[list[Any]], r: int, c: int) -> Any:
    """A cell of a value grid; None beyond its edge (readers trim trailing blanks)."""
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def calamine_rows(path: Path) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


def fills(ladder: Ladder, ctx: Context) -> st.SearchStrategy[dict[str, dict[str, int | None]]]:
    """Random, partial, empty and complete fills of every rater tab."""
    n = len(ladder.levels)
    level = st.one_of(st.none(), st.integers(1, n))
    per_tab = st.one_of(
        st.fixed_dictionaries({c.id: level for c in ladder.categories}),
        st.just({}),
        st.fixed_dictionaries({c.id: st.integers(1, n) for c in ladder.categories}),
        st.integers(1, n).map(lambda k: {c.id: k for c in ladder.categories}),
    )
    return st.fixed_dictionaries({t: per_tab for t in ctx.tabs()})


def formula_cells(plan: WorkbookPlan) -> set[tuple[str, int, int]]:
    return {(s.name, c.row, c.col) for s in plan.sheets if s.role in ("rater", "summary")
            for c in s.cells if c.kind == "formula"}


# -- stored results -----------------------------------------------------------------------------


def test_oracle_covers_every_formula_cell_of_rater_tabs_and_summary(sales: Ladder):
    for ladder in (sales, tricky()):
        ctx = make_context(ladder, "Ana")
        plan = build_plan(ladder, ctx)
        assert set(expected_figures(ladder, ctx, {})) == formula_cells(plan)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_stored_results_read_without_recalculation_equal_the_rule(data: st.DataObject, tmp_path_factory):
    ladder = data.draw(st.sampled_from([tricky(), _sales()]))
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4", FOUR if ladder.id != "small" else None)
    fill = data.draw(fills(ladder, ctx))
    path = tmp_path_factory.mktemp("stored") / "w.xlsx"
    save(build_plan(ladder, ctx, ratings=fill), path)
    rows = calamine_rows(path)
    expected = expected_figures(ladder, ctx, fill)
    assert not mismatches(expected, rows)


def test_an_empty_workbook_shows_blanks_not_zeros(sales: Ladder, tmp_path: Path):
    ctx = make_context(sales, "Ana", None, FOUR)
    path = tmp_path / "w.xlsx"
    save(build_plan(sales, ctx), path)
    rows = calamine_rows(path)
    counts = {(t, rater_footer(sales)["rated"], C_RATING) for t in ctx.tabs()}
    counts.add((SUMMARY_SHEET, summary_footer(sales)["complete"],
                summary_columns(ctx, sales)["consensus_points"]))
    for (sheet, r, c) in formula_cells(build_plan(sales, ctx)):
        got = _at(rows[sheet], r, c)
        if (sheet, r, c) in counts:
            assert got == 0 and not isinstance(got, str), (sheet, a1(r, c), got)
        else:
            assert got in ("", None), (sheet, a1(r, c), got)


_SALES: list[Ladder] = []


def _sales() -> Ladder:
    if not _SALES:
        from sheetladder.definition import load
        _SALES.append(load(SALES))
    return _SALES[0]


# -- dropdowns, protection, hidden sheet, chart --------------------------------------------------


@pytest.fixture(scope="module")
def sales_file(tmp_path_factory) -> tuple[WorkbookPlan, Path]:
    ladder = _sales()
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4", FOUR)
    plan = build_plan(ladder, ctx)
    path = tmp_path_factory.mktemp("sales") / "ana.xlsx"
    save(plan, path)
    return plan, path


def _cells_of(sqref: Any) -> set[tuple[int, int]]:
    out = set()
    for part in str(sqref).split():
        c1, r1, c2, r2 = range_boundaries(part)
        out |= {(r - 1, c - 1) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return out


def test_every_rating_cell_has_the_level_dropdown_with_a_stop_error(sales_file):
    plan, path = sales_file
    wb = openpyxl.load_workbook(path)
    codes = plan.ladder.codes
    for sheet in plan.rater_sheets():
        ratings = {(c.row, c.col) for c in sheet.cells if c.input_of and c.input_of[1] == "rating"}
        assert len(ratings) == len(plan.ladder.categories)
        dvs = wb[sheet.name].data_validations.dataValidation
        covering = [dv for dv in dvs if _cells_of(dv.sqref) & ratings]
        # one dropdown per rating cell (its input message names the category's purpose)
        assert len(covering) == len(ratings)
        assert all(len(_cells_of(dv.sqref)) == 1 for dv in covering)
        assert set().union(*(_cells_of(dv.sqref) for dv in covering)) == ratings
        for dv in covering:
            assert dv.type == "list"
            assert dv.formula1 == '"' + ",".join(codes) + '"'
            assert dv.errorStyle in (None, "stop")  # absent means stop in OOXML
            assert dv.showErrorMessage and dv.error and dv.errorTitle
            assert dv.showInputMessage and dv.prompt and dv.promptTitle


def test_sheets_are_protected_formulas_locked_and_only_inputs_unlocked(sales_file):
    plan, path = sales_file
    wb = openpyxl.load_workbook(path)
    for sheet in plan.sheets:
        ws = wb[sheet.name]
        assert ws.protection.sheet, sheet.name
        assert not ws.protection.password  # no password asked for
        inputs = {(c.row, c.col) for c in sheet.cells if c.kind == "input"}
        for row in ws.iter_rows():
            for cell in row:
                pos = (cell.row - 1, cell.column - 1)
                if cell.data_type == "f":
                    assert cell.protection.locked, (sheet.name, cell.coordinate)
                if not cell.protection.locked:
                    assert pos in inputs, (sheet.name, cell.coordinate)
        for r, c in inputs:
            assert not ws.cell(r + 1, c + 1).protection.locked
    assert any(s.role == "rater" for s in plan.sheets)


def test_password_protects_every_sheet(tmp_path: Path):
    ladder = load_text(SMALL, "small.yaml")
    path = render_one(ladder, "Ana", period="2026-Q4", out_dir=tmp_path, password="s3cret")[0]
    wb = openpyxl.load_workbook(path)
    assert all(ws.protection.sheet and ws.protection.password for ws in wb.worksheets)


def test_meta_sheet_is_very_hidden_and_carries_definition_and_context(sales_file):
    plan, path = sales_file
    wb = openpyxl.load_workbook(path)
    ws = wb[META_SHEET]
    assert ws.sheet_state == "veryHidden"
    assert ws.protection.sheet
    pairs: dict[str, str] = {}
    for key, value in ws.iter_rows(values_only=True, max_col=2):
        k = str(key)
        if k.endswith("+"):
            pairs[k[:-1]] += value or ""
        else:
            pairs[k] = value or ""
    assert pairs == meta_payload(plan.ladder, plan.context)
    assert from_json(pairs["ladder"]) == plan.ladder
    ctx = json.loads(pairs["context"])
    assert ctx["person"] == "Ana Diaz" and ctx["period"] == "2026-Q4"
    assert [r["tab"] for r in ctx["raters"]] == ["Self", "Bo Chen", "Cy", "Di"]
    assert ctx["raters"][1]["email"] == "bo@example.com"


def test_summary_has_a_radar_chart_of_roles_and_consensus(sales_file):
    plan, path = sales_file
    wb = openpyxl.load_workbook(path)
    charts = wb[SUMMARY_SHEET]._charts
    assert len(charts) == 1
    chart = charts[0]
    assert chart.tagname == "radarChart"
    cols = summary_columns(plan.context, plan.ladder)
    first, last = S_FIRST + 1, S_FIRST + len(plan.ladder.categories)
    want_cols = [cols["role:" + r.id] for r in plan.ladder.raters] + [cols["consensus_level"]]
    refs = [s.val.numRef.f for s in chart.series]
    assert len(refs) == len(want_cols)
    for ref, col in zip(refs, want_cols, strict=True):
        letter = openpyxl.utils.get_column_letter(col + 1)
        assert ref.replace("$", "") == f"'{SUMMARY_SHEET}'!{letter}{first}:{letter}{last}"
    assert chart.series[0].cat.strRef.f.replace("$", "") == f"'{SUMMARY_SHEET}'!A{first}:A{last}"


def test_row_heights_of_the_plan_reach_the_file(sales_file):
    plan, path = sales_file
    wb = openpyxl.load_workbook(path)
    matrix = plan.sheet("Matrix")
    assert matrix.row_heights  # the sales descriptors wrap
    for r, h in matrix.row_heights.items():
        assert wb["Matrix"].row_dimensions[r + 1].height == pytest.approx(h)


@given(text=st.text(alphabet=string.ascii_letters + " ", max_size=300),
       width=st.floats(4, 80), extra=st.floats(0, 40))
def test_wrapped_lines_never_undercounts_and_shrinks_with_width(text: str, width: float, extra: float):
    cap = max(1, int(width * CHARS_PER_WIDTH))
    words = " ".join(text.split())
    # n lines of at most cap characters hold at most n * cap + (n - 1) characters
    assert wrapped_lines(text, width) >= math.ceil((len(words) + 1) / (cap + 1))
    assert wrapped_lines(text, width + extra) <= wrapped_lines(text, width)


# -- user text stays text -----------------------------------------------------------------------

_LEAD = st.sampled_from(["=", "+", "-", "@"])
# U+FFFE / U+FFFF are refused (test_xml_noncharacters_are_refused_in_definitions_and_names)
_TAIL = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                       blacklist_characters="\ufffe\uffff"),
                max_size=30)
_RISKY = st.builds(lambda a, b: a + b, _LEAD, _TAIL)


def _text_cells_are_text(plan: WorkbookPlan, path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    formulas = {(s.name, c.row, c.col) for s in plan.sheets for c in s.cells if c.kind == "formula"}
    for sheet in plan.sheets:
        ws = wb[sheet.name]
        for c in sheet.cells:
            if c.kind in ("text", "input") and isinstance(c.value, str) and c.value:
                cell = ws.cell(c.row + 1, c.col + 1)
                assert cell.data_type == "s", (sheet.name, c.a1, c.value)
                assert cell.value == c.value
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert (sheet.name, cell.row - 1, cell.column - 1) in formulas


def test_a_person_named_like_a_formula_stays_text(tmp_path: Path):
    ladder = load_text(SMALL, "small.yaml")
    person = '=HYPERLINK("http://x","y")'
    path = render_one(ladder, person, period="2026-Q4", out_dir=tmp_path,
                      raters=["self", "manager:+1 Manager", "peer:@peer", "peer:-dash"])[0]
    plan = build_plan(ladder, make_context(ladder, person, "2026-Q4", [
        ("self", None, None), ("manager", "+1 Manager", None), ("peer", "@peer", None),
        ("peer", "-dash", None)]))
    _text_cells_are_text(plan, path)
    assert openpyxl.load_workbook(path)["Guide"]["B4"].value == person
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    # only in the shared strings, never in a <f>; and in the printed page header, which is text
    # only (&-codes aside, no application evaluates it)
    headers = re.findall(r"<oddHeader>(.*?)</oddHeader>", sheets)
    assert headers and all('&amp;C=HYPERLINK("http://x","y"), 2026-Q4&amp;R' in h for h in headers)
    assert "HYPERLINK" not in re.sub(r"<oddHeader>.*?</oddHeader>", "", sheets)


@settings(max_examples=20, deadline=None)
@given(person=_RISKY, rater=_RISKY, comment=_RISKY, descriptor=_RISKY, group=_RISKY)
def test_user_text_starting_with_formula_characters_is_written_as_text(
        person: str, rater: str, comment: str, descriptor: str, group: str, tmp_path_factory):
    data = load_text(SMALL, "small.yaml").model_dump(mode="json")
    data["groups"][0]["name"] = group
    data["groups"][0]["categories"][0]["descriptors"]["L2"] = descriptor
    ladder = Ladder.model_validate(data)
    ctx = make_context(ladder, person, None, [("self", None, None), ("manager", rater, None)])
    tab = ctx.raters[1].tab
    plan = build_plan(ladder, ctx, ratings={tab: {"a": 2}}, comments={tab: {"a": comment, "b": person}})
    path = tmp_path_factory.mktemp("text") / "w.xlsx"
    save(plan, path)
    _text_cells_are_text(plan, path)



def test_xml_noncharacters_are_refused_in_definitions_and_names(small: Ladder, tmp_path: Path):
    """U+FFFE / U+FFFF cannot be held by XML: writers store them as _xFFFE_, which no reader can
    tell from those seven characters typed. They are refused where they come in."""
    from sheetladder.definition import DefinitionError

    text = SMALL.replace("name: Group G", 'name: "Group \\uFFFE G"')  # YAML's escape for it
    assert text != SMALL
    with pytest.raises(DefinitionError) as err:
        load_text(text, "small.yaml")
    assert "small.yaml:10:5: groups.0.name:" in str(err.value) and "U+FFFE" in str(err.value)
    with pytest.raises(ValueError, match=r"^person: contains U\+FFFE"):
        make_context(small, "Ana \uffff")
    with pytest.raises(ValueError, match=r"^rater 'Bo .*': name: contains U\+FFFE"):
        make_context(small, "Ana", raters=[("self", "Bo \ufffe", None)])
    (tmp_path / "small.yaml").write_text(SMALL, encoding="utf-8")
    res = CliRunner().invoke(main, ["render", str(tmp_path / "small.yaml"), "--person",
                                    "Ana \uffff", "-o", str(tmp_path / "out")])
    assert res.exit_code != 0 and "person: contains U+FFFE" in res.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("literal", ["lit _xFFFE_ here", "a _x0041_ b"])
def test_escape_like_text_in_a_ladder_reads_back_as_written(small: Ladder, tmp_path: Path,
                                                          literal: str):
    from sheetladder.xlsx.read import open_xlsx

    data = small.model_dump(mode="json")
    data["groups"][0]["name"] = literal
    path = render_one(Ladder.model_validate(data), "Ana " + literal, out_dir=tmp_path)[0]
    for engine in ("fast", "openpyxl"):
        assert open_xlsx(path, engine).sheets["Matrix"].get(M_FIRST, 0).value == literal
    report = read_path(path)
    assert [str(f) for f in report.findings] == [] and report.person == "Ana " + literal


def test_a_rater_named_beyond_the_bmp_gets_a_tab(small: Ladder, tmp_path: Path):
    """Excel counts a tab name in UTF-16 units: 31 emoji-like characters are cut to 15, so two
    names (of two people) that differ only beyond that get the same cut and a numbered tab."""
    name = "\U00010000" * 31
    paths = render_one(small, "Ana", period="2026-Q4",
                       raters=["self", "manager:" + name, "peer:" + name[:-1] + "\U00010001"],
                       out_dir=tmp_path)
    tabs = openpyxl.load_workbook(paths[0]).sheetnames
    assert "\U00010000" * 15 in tabs and "\U00010000" * 13 + " (2)" in tabs
    assert not read_path(paths[0]).findings

# -- formulas -----------------------------------------------------------------------------------

SHARED_FUNCTIONS = {"IF", "AND", "OR", "NOT", "COUNT", "SUM", "AVERAGE", "MATCH", "INDEX", "CHOOSE",
                    "ROUND", "INT", "MIN", "MAX", "ISNUMBER", "TRIM", "UPPER", "LOWER", "EXACT",
                    "NA"}


def test_formulas_use_only_functions_excel_libreoffice_and_google_share(sales: Ladder):
    for ladder in (sales, tricky()):
        ctx = make_context(ladder, "Ana")
        plan = build_plan(ladder, ctx)
        texts = [c.formula for s in plan.sheets for c in s.cells if c.formula]
        texts += [cf.formula for s in plan.sheets for cf in s.cond_formats]
        used = {m for t in texts for m in re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", t))}
        assert used and used <= SHARED_FUNCTIONS, used - SHARED_FUNCTIONS


def test_fast_formula_sheets_write_the_same_xml_as_stock_xlsxwriter(sales: Ladder, monkeypatch):
    ctx = make_context(sales, "Ana", "2026-Q4", FOUR)
    plan = build_plan(sales, ctx, ratings={"Self": {c.id: 3 for c in sales.categories}})

    def sheets_xml(speedups: bool) -> dict[str, bytes]:
        data = render_xlsx.to_bytes(plan, speedups=speedups)
        import io
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")}

    assert _speedups.ENABLED, f"xlsxwriter {xlsxwriter.__version__} is not one the speed-ups know"
    fast = sheets_xml(True)
    assert sheets_xml(False) == fast


def _parts(data: bytes) -> list[tuple[str, bytes]]:
    """Every part of an .xlsx in order, the document's creation time blanked."""
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(n, re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\1", z.read(n)))
                for n in z.namelist()]


def test_the_fast_paths_write_the_same_workbook_as_xlsxwriters_public_api(
        sales: Ladder, bundled: list[Ladder], monkeypatch):
    """Format objects copied from per-process templates, the undecorated cell writers and the
    formula shortcut write, part for part, what add_format(), write_*() and the stock Worksheet
    write; several workbooks in a row, so a template changed by one workbook would show."""
    plans: list[tuple[WorkbookPlan, str | None]] = []
    for ladder in (sales, tricky(), *bundled):
        ctx = make_context(ladder, "=Ana", "2026-Q4", [r for r in FOUR if r[0] in
                                                       {x.id for x in ladder.raters}] or None)
        first = ctx.tabs()[0]
        plans.append((build_plan(ladder, ctx), None))
        plans.append((build_plan(ladder, ctx, ratings={first: {c.id: 2 for c in ladder.categories}},
                                 comments={first: {ladder.categories[0].id: "+1 =x"}}), "pw"))
        plans += [(build_plan(ladder, c), None) for c in split_contexts(ctx)[:2]]
    fast = [_parts(render_xlsx.to_bytes(p, pw, speedups=True)) for p, pw in plans]
    assert fast[0] == _parts(render_xlsx.to_bytes(*plans[0], speedups=True))  # the templates held
    stock = [_parts(render_xlsx.to_bytes(p, pw, speedups=False)) for p, pw in plans]
    for (plan, _), f, s in zip(plans, fast, stock, strict=True):
        assert [n for n, _ in f] == [n for n, _ in s]
        differ = [n for (n, a), (_, b) in zip(f, s, strict=True) if a != b]
        assert not differ, (plan.ladder.id, differ)


def test_xlsxwriters_private_names_are_used_in_one_module_only():
    """Only xlsx/_speedups.py may reach into xlsxwriter; it is switched off on untested versions."""
    root = Path(render_xlsx.__file__).parent.parent
    private = re.compile(r"\b(_prepare_formula|_write_(formula|number|string|blank)|xf_format_indices"
                         r"|Format\.__new__|workbook_add_format|CellFormulaTuple|cell_formula_tuple)\b")
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if private.search(p.read_text()))
    assert users == ["xlsx/_speedups.py"]


def test_the_newest_xlsxwriter_renders_a_workbook_that_reads_back(tmp_path: Path, sales: Ladder):
    """The newest release pip resolves, installed beside this one: the speed-ups are on only if
    that version is one they were tested with, and the workbook reads back verified."""
    import subprocess
    import sys

    target = tmp_path / "newest"
    got = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                          str(target), "--upgrade", "xlsxwriter"], capture_output=True, text=True)
    assert got.returncode == 0, got.stderr[-2000:]
    code = (
        "import sys, xlsxwriter; from pathlib import Path\n"
        "from sheetladder.definition import load\n"
        "from sheetladder.plan import build_plan\n"
        "from sheetladder.context import make_context\n"
        "from sheetladder.xlsx import _speedups, write\n"
        "from sheetladder.results.read import read_path\n"
        f"ladder = load({str(SALES)!r})\n"
        "plan = build_plan(ladder, make_context(ladder, 'Ana', '2026-Q4'))\n"
        f"out = Path({str(tmp_path / 'new.xlsx')!r})\n"
        "write.save(plan, out)\n"
        "import io, re, zipfile\n"
        "def parts(b):\n"
        "    z = zipfile.ZipFile(io.BytesIO(b))\n"
        "    return [(n, re.sub(rb'<dcterms:(created|modified)[^<]*', b'', z.read(n))) for n in z.namelist()]\n"
        "same = parts(write.to_bytes(plan, speedups=True)) == parts(write.to_bytes(plan, speedups=False))\n"
        "r = read_path(out)\n"
        "print(xlsxwriter.__version__, _speedups.ENABLED, r.ok, len(r.findings), same)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(Path(__file__).resolve().parents[1])])}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    version, enabled, ok, findings, same = run.stdout.split()
    assert (enabled == "True") == (version in _speedups.TESTED_VERSIONS)
    assert (ok, findings) == ("True", "0")
    assert same == "True" or enabled == "False"  # where they run, the speed-ups change no byte


def test_format_copies_hold_what_add_format_makes():
    import io

    import xlsxwriter
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    styles = [("cell", n, s) for n, s in plan_mod.STYLES.items()]
    styles += [("highlight", n, s) for n, s in plan_mod.HIGHLIGHTS.items()]
    for kind, name, style in styles:
        for _ in range(2):  # the second copy comes from the template the first one left
            made = wb.add_format(render_xlsx.format_props(style))
            copy = _speedups.new_format(wb, kind, name, style)
            assert copy is wb.formats[-1] and copy is not made
            assert copy.xf_format_indices is wb.xf_format_indices
            assert copy.dxf_format_indices is wb.dxf_format_indices
            assert repr(vars(copy)) == repr(vars(made))
            assert copy._get_xf_index() == made._get_xf_index()  # the same key, the same index



def test_a_written_workbook_leaves_no_cyclic_garbage(sales: Ladder):
    """Reference counting alone frees a workbook once written, so rendering can hold the cyclic
    collector off (xlsxwriter's worksheet -> workbook.add_format cycle is cut)."""
    plan = build_plan(sales, make_context(sales, "Ana", "2026-Q4", FOUR))
    render_xlsx.to_bytes(plan)
    gc.collect()
    gc.disable()
    try:
        render_xlsx.to_bytes(plan)
        left = gc.collect()
    finally:
        gc.enable()
    assert left == 0


def test_library_calls_leave_the_garbage_collector_as_they_found_it(small: Ladder, tmp_path: Path):
    """Only a process's owner (the CLI, a worker's initializer) tunes the collector."""
    from sheetladder.errors import SheetladderError
    from sheetladder.results.read import read_path

    ctx = make_context(small, "Ana", "2026-Q4")
    before = (gc.isenabled(), gc.get_threshold())
    written = write_assessment(small, ctx, tmp_path / "a", split=True)
    read_path(written[0])
    assert (gc.isenabled(), gc.get_threshold()) == before
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SheetladderError, match="file"):
        write_assessment(small, ctx, tmp_path / "file")
    assert (gc.isenabled(), gc.get_threshold()) == before


# -- split copies -------------------------------------------------------------------------------


def test_split_writes_one_file_per_rater_with_only_that_tab(tmp_path: Path):
    ladder = _sales()
    paths = render_one(ladder, "Ana Diaz", period="2026-Q4", raters=[
        "self", "manager:Bo Chen", "peer:Cy", "peer:Di"], out_dir=tmp_path, split=True)
    tabs = ["Self", "Bo Chen", "Cy", "Di"]
    assert [p.name for p in paths] == [f"ana-diaz-2026-q4-{slug(t)}.xlsx" for t in tabs]
    for p, tab in zip(paths, tabs, strict=True):
        wb = openpyxl.load_workbook(p)
        assert wb.sheetnames == ["Guide", "Matrix", tab, META_SHEET]
        assert wb.active.title == tab
        meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True, max_col=2)}
        ctx = json.loads(meta["context"])
        assert ctx["split_tab"] == tab
        assert [r["tab"] for r in ctx["raters"]] == tabs  # the full assessment, for merging


def test_split_copy_stored_results_equal_the_rule(tmp_path: Path):
    ladder = tricky()
    ctx = make_context(ladder, "Ana")
    fill = {t: {c.id: 2 for c in ladder.categories} for t in ctx.tabs()}
    for sc in split_contexts(ctx):
        path = tmp_path / workbook_name(sc)
        save(build_plan(ladder, sc, ratings=fill), path)
        assert not mismatches(expected_figures(ladder, sc, fill), calamine_rows(path))


# -- roster -------------------------------------------------------------------------------------

ROSTER = """\
person,email,period,manager,manager_email,peers,peer_emails,team
Ana Diaz,ana@example.com,,Bo Chen,bo@example.com,Cy;Di,cy@example.com;di@example.com,A
,nobody@example.com,,,,,,B
"José Ñúñez",jose@example.com,2027-Q1,Bo Chen,,-,,A
Ed,ed@example.com,,Bo,,Cy;Di,cy@example.com,B
"Multi
Line",,,,,,,
Fay,not-an-email,,,,,,
Gil,,,,,Hal,,
"""


def test_roster_rows_become_contexts_with_defaults_and_emails(sales: Ladder):
    roster = parse_roster(sales, ROSTER, "people.csv", default_period="2026-Q4",
                          allow_columns=["team"])
    by_person = {e.context.person: e for e in roster.entries}
    ana = by_person["Ana Diaz"].context
    assert ana.period == "2026-Q4"  # empty cell -> --period
    assert [(r.role, r.tab, r.email) for r in ana.raters] == [
        ("self", "Self", "ana@example.com"), ("manager", "Bo Chen", "bo@example.com"),
        ("peer", "Cy", "cy@example.com"), ("peer", "Di", "di@example.com")]
    jose = by_person["José Ñúñez"].context
    assert jose.period == "2027-Q1"
    assert [r.role for r in jose.raters] == ["self", "manager"]  # '-': no peers
    gil = by_person["Gil"].context
    assert [(r.role, r.tab) for r in gil.raters] == [("self", "Self"), ("manager", "Manager"),
                                                     ("peer", "Hal")]
    multi = by_person["Multi\nLine"].context
    assert [r.tab for r in multi.raters] == ["Self", "Manager", "Peer 1", "Peer 2"]  # defaults
    assert by_person["Ana Diaz"].line == 2 and by_person["Multi\nLine"].line == 6
    assert by_person["Gil"].line == 9  # lines counted across the quoted line break
    assert (ana.team, ana.managers, jose.team, multi.team) == ("A", ["Bo Chen"], "A", None)
    assert gil.managers == []  # an unnamed manager tab names nobody
    # team is a roster column (never "ignoring column(s)"); the two people rendered without a
    # team, beside two with one, are warned of
    assert [(w.line, w.message.split(" (column")[0]) for w in roster.warnings] == [
        (6, "'Multi\\nLine' has no team"), (9, "'Gil' has no team")]


def test_bad_roster_rows_are_reported_with_their_line_numbers(sales: Ladder):
    roster = parse_roster(sales, ROSTER, "people.csv", allow_columns=["team"])
    problems = {p.line: p.message for p in roster.problems}
    assert set(problems) == {3, 5, 8}
    assert "person" in problems[3]
    assert "2 name(s) but 1 email(s)" in problems[5]
    assert "not-an-email" in problems[8]


def test_semicolon_roster_with_byte_order_mark(sales: Ladder, tmp_path: Path):
    p = tmp_path / "people.csv"
    p.write_text('\ufeffPerson;Period;Manager;Peers\nAna;2026-Q4;Bo;"Cy;Di"\n', encoding="utf-8")
    outcome = render_roster(sales, p, out_dir=tmp_path / "out")
    assert outcome.ok and [w.name for w in outcome.written] == ["ana-2026-q4.xlsx"]
    meta = _meta(outcome.written[0])
    assert [r["tab"] for r in json.loads(meta["context"])["raters"]] == ["Self", "Bo", "Cy", "Di"]


def test_roster_header_problems_stop_the_run(sales: Ladder):
    with pytest.raises(RosterError, match="people.csv:1: .*'person'"):
        parse_roster(sales, "name,email\nAna,a@b.c\n", "people.csv")
    with pytest.raises(RosterError, match="empty"):
        parse_roster(sales, "\n\n", "people.csv")
    with pytest.raises(RosterError, match="'peer' and 'peers'"):
        parse_roster(sales, "person,peer,peers\n", "people.csv")


def test_two_people_whose_names_give_one_file_name_are_numbered_in_roster_order(sales: Ladder):
    roster = parse_roster(sales, "person,period\nJosé,2026-Q1\nJose,2026-Q1\nJosé,2026-Q2\n", "p.csv")
    assert roster.problems == []
    assert [(e.line, e.nth) for e in roster.entries] == [(2, 1), (3, 2), (4, 1)]


def test_a_bad_row_does_not_stop_the_others_rendering(sales: Ladder, tmp_path: Path):
    p = tmp_path / "people.csv"
    p.write_text(ROSTER, encoding="utf-8")
    outcome = render_roster(sales, p, out_dir=tmp_path / "out", period="2026-Q4",
                            allow_columns=["team"], period_given=False)  # the rows' default
    assert sorted(w.name for w in outcome.written) == sorted([
        "ana-diaz-2026-q4.xlsx", "jose-nunez-2027-q1.xlsx", "multi-line-2026-q4.xlsx",
        "gil-2026-q4.xlsx"])
    assert [pr.line for pr in outcome.problems] == [3, 5, 8]
    for w in outcome.written:
        assert json.loads(_meta(w)["context"])["person"] in ("Ana Diaz", "José Ñúñez", "Multi\nLine", "Gil")


def test_roster_never_overwrites_without_force(sales: Ladder, tmp_path: Path):
    p = tmp_path / "people.csv"
    p.write_text("person,period\nAna,2026-Q1\nBo,2026-Q1\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    precious = out / "ana-2026-q1.xlsx"
    precious.write_bytes(b"someone's ratings")
    outcome = render_roster(sales, p, out_dir=out)
    assert precious.read_bytes() == b"someone's ratings"
    assert [(pr.line, "--force" in pr.message) for pr in outcome.problems] == [(2, True)]
    assert [w.name for w in outcome.written] == ["bo-2026-q1.xlsx"]
    # --force replaces only a workbook known to be the same person's: not a file it cannot read
    outcome = render_roster(sales, p, out_dir=out, force=True)
    assert [(pr.line, "cannot be read" in pr.message) for pr in outcome.problems] == [(2, True)]
    assert precious.read_bytes() == b"someone's ratings"
    precious.unlink()
    render_one(sales, "Ana", period="2026-Q1", out_dir=out)
    outcome = render_roster(sales, p, out_dir=out, force=True)
    assert outcome.ok and zipfile.is_zipfile(precious)


def test_split_is_all_or_nothing_when_one_copy_exists(sales: Ladder, tmp_path: Path):
    (tmp_path / "ana-2026-q4-cy.xlsx").write_bytes(b"ratings")
    with pytest.raises(FileExistsError, match="ana-2026-q4-cy.xlsx"):
        render_one(sales, "Ana", period="2026-Q4", raters=["self", "peer:Cy"], out_dir=tmp_path, split=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ana-2026-q4-cy.xlsx"]


def test_worker_processes_render_the_same_workbooks(sales: Ladder, tmp_path: Path):
    text = "person,peers\n" + "".join(f"P{i},A{i};B{i}\n" for i in range(6))
    entries = parse_roster(sales, text, "p.csv", default_period="2026-Q4").entries
    one = render_entries(sales, entries, tmp_path / "one", jobs=1)
    two = render_entries(sales, entries, tmp_path / "two", jobs=2)
    assert not one.problems and not two.problems
    assert sorted(p.name for p in one.written) == sorted(p.name for p in two.written)
    for p in one.written:
        assert calamine_rows(p) == calamine_rows(tmp_path / "two" / p.name)


@given(st.text(max_size=80))
def test_slugs_are_safe_file_name_parts(text: str):
    s = slug(text)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", s)
    assert "--" not in s and len(s) <= 61
    assert s.rstrip("-") not in {"con", "prn", "aux", "nul"} or s.endswith("-")
    assert slug(text) == s


def test_rater_specs_take_role_name_and_email():
    ladder = _sales()
    assert parse_rater(ladder, "manager") == ("manager", None, None)
    assert parse_rater(ladder, "Peer:Dr: Who") == ("peer", "Dr: Who", None)
    assert parse_rater(ladder, "manager:Bo Chen:bo@example.com") == ("manager", "Bo Chen", "bo@example.com")
    with pytest.raises(ValueError, match="unknown rater role 'boss'.*self, manager, peer"):
        parse_rater(ladder, "boss:Al")


def _meta(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    out: dict[str, str] = {}
    for k, v in wb[META_SHEET].iter_rows(values_only=True, max_col=2):
        if str(k).endswith("+"):
            out[str(k)[:-1]] += v or ""
        else:
            out[str(k)] = v or ""
    return out


# -- the command --------------------------------------------------------------------------------


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_render_one_person_into_output_by_default(runner: CliRunner, tmp_path: Path):
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana Diaz", "--period", "2026-Q4",
                               "--rater", "self", "--rater", "manager:Bo Chen:bo@example.com",
                               "--rater", "peer:Cy", "--rater", "peer:Di"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "output" / "ana-diaz-2026-q4.xlsx"
    assert f"wrote {Path('output') / path.name}" in res.output
    assert openpyxl.load_workbook(path).sheetnames == [
        "Guide", "Matrix", "Self", "Bo Chen", "Cy", "Di", SUMMARY_SHEET, META_SHEET]


def test_render_needs_a_person_or_a_roster(runner: CliRunner):
    res = runner.invoke(main, ["render", str(SALES)])
    assert res.exit_code == 2 and "--person" in res.output and "--roster" in res.output


def test_render_reports_definition_errors_as_file_line_col(runner: CliRunner, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("weight: 2", "weight: -2"), encoding="utf-8")
    res = runner.invoke(main, ["render", str(bad), "--person", "Ana"])
    assert res.exit_code == 1
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "weight: -2" in t)
    assert re.search(rf"bad\.yaml:{line}:\d+: .*weight", res.output)
    assert not (tmp_path / "output").exists()


def test_render_refuses_to_overwrite_without_force(runner: CliRunner, tmp_path: Path):
    out = tmp_path / "output"
    out.mkdir()
    target = out / "ana-2026-q4.xlsx"
    target.write_bytes(b"filled in by Ana")
    args = ["render", str(SALES), "--person", "Ana", "--period", "2026-Q4"]
    res = runner.invoke(main, args)
    assert res.exit_code == 1
    assert "ana-2026-q4.xlsx: already exists" in res.output and "--force" in res.output
    assert "Traceback" not in res.output
    assert target.read_bytes() == b"filled in by Ana"
    res = runner.invoke(main, [*args, "--force"])  # not a workbook: whose it is is unknown
    assert res.exit_code == 1 and "cannot be read" in res.output
    assert target.read_bytes() == b"filled in by Ana"
    target.unlink()
    assert runner.invoke(main, args).exit_code == 0
    res = runner.invoke(main, [*args, "--force"])  # Ana's own workbook
    assert res.exit_code == 0 and zipfile.is_zipfile(target)


def test_render_split_and_output_dir(runner: CliRunner, tmp_path: Path):
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana", "--period", "2026-Q4",
                               "--split", "-o", "copies"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "copies").iterdir()) == [
        "ana-2026-q4-manager.xlsx", "ana-2026-q4-peer-1.xlsx", "ana-2026-q4-peer-2.xlsx",
        "ana-2026-q4-self.xlsx"]


def test_render_unknown_rater_role_is_a_clear_error(runner: CliRunner):
    res = runner.invoke(main, ["render", str(SALES), "--person", "Ana", "--rater", "boss:Al"])
    assert res.exit_code == 1 and "unknown rater role 'boss'" in res.output
    assert "Traceback" not in res.output


def test_render_roster_reports_bad_rows_and_renders_the_rest(runner: CliRunner, tmp_path: Path):
    (tmp_path / "people.csv").write_text(ROSTER, encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "people.csv", "--period", "2026-Q4",
                               "--allow-column", "team"])
    assert res.exit_code == 1
    for line in (3, 4, 5, 8):  # 4: José's row names 2027-Q1, not the --period typed
        assert f"people.csv:{line}: " in res.output
    assert "people.csv:4: period: the row says 2027-Q1 but --period says 2026-Q4" in res.output
    assert "wrote 3 file(s) for 3 of 7 people" in res.output
    assert len(list((tmp_path / "output").glob("*.xlsx"))) == 3


def test_render_roster_says_the_default_period_only_for_rows_without_one(
        runner: CliRunner, tmp_path: Path):
    from sheetladder.period import current_quarter

    (tmp_path / "all.csv").write_text("person,period\nSolo Person,2026-Q3\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "all.csv", "-o", "a"])
    assert res.exit_code == 0 and "no --period given" not in res.output, res.output
    (tmp_path / "some.csv").write_text("person,period\nSolo Person,\nDuo Person,2026-Q3\n",
                                       encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "some.csv", "-o", "b"])
    q = current_quarter().label
    assert res.exit_code == 0 and (
        f"no --period given: using the current calendar quarter, {q}, for the 1 row(s) "
        "without a period") in res.output, res.output
    assert sorted(p.name for p in (tmp_path / "b").glob("*.xlsx")) == [
        "duo-person-2026-q3.xlsx", f"solo-person-{q.lower()}.xlsx"]


def test_render_roster_header_error_exits_1(runner: CliRunner, tmp_path: Path):
    (tmp_path / "people.csv").write_text("name\nAna\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "people.csv"])
    assert res.exit_code == 1 and "people.csv:1:" in res.output


def test_render_help_documents_the_roster_columns(runner: CliRunner):
    res = runner.invoke(main, ["render", "--help"])
    for col in ("person", "email", "period", "manager", "manager_email", "peers", "peer_emails"):
        assert col in res.output


def test_split_copies_whose_tabs_slug_alike_get_distinct_files(tmp_path, small):
    from sheetladder.context import make_context
    from sheetladder.roster import write_assessment

    ctx = make_context(small, "Ana", "2026-Q4", [("self", None, None), ("peer", "José", None),
                                            ("peer", "Jose", None)])
    written = write_assessment(small, ctx, tmp_path, split=True)
    assert len(written) == 3 and len({p.name for p in written}) == 3
    tabs = {openpyxl.load_workbook(p).sheetnames[2] for p in written}
    assert tabs == {"Self", "José", "Jose"}


def test_a_person_named_like_a_reference_stays_text_in_the_chart(tmp_path, small):
    import re
    import zipfile

    from sheetladder.context import make_context
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import save

    path = save(build_plan(small, make_context(small, "=Guide!$A$1")), tmp_path / "c.xlsx")
    xml = zipfile.ZipFile(path).read("xl/charts/chart1.xml").decode()
    refs = re.findall(r"<c:f>([^<]*)</c:f>", xml)
    # every reference in the chart points into the Summary; the name only appears as cached text
    assert refs and all(r.lstrip("'").startswith("Summary") for r in refs), refs
    assert "<c:v>Summary: =Guide!$A$1</c:v>" in xml


def test_changing_one_plans_matrix_leaves_the_next_plan_as_made(small: Ladder):
    """Plans of one ladder share the Matrix sheet's making, not its containers."""
    ctx = make_context(small, "Ana", "2026-Q4")
    first = build_plan(small, ctx)
    matrix = first.sheet(MATRIX_SHEET)
    made = (list(matrix.cells), dict(matrix.col_widths), list(matrix.merges))
    matrix.cells.clear()
    matrix.col_widths[0] = 99
    matrix.merges.append((0, 0, 5, 5))
    again = build_plan(small, ctx).sheet(MATRIX_SHEET)
    assert (again.cells, again.col_widths, again.merges) == made
