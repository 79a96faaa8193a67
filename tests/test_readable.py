"""What a rep sees on screen reads clearly: every rating dropdown explains itself and names the
valid codes, level codes read the same on every tab, the Summary's rater columns carry name and
role, every category's purpose is shown, titles have room, and the radar lies within the
Summary's print area with an axis from the first level to the top one.

Checked in the written .xlsx (openpyxl and the package's XML), for every bundled ladder.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from sheetladder.context import make_context
from sheetladder.definition import Ladder, load
from sheetladder.plan import (
    C_RATING,
    MATRIX_SHEET,
    R_FIRST,
    SUMMARY_SHEET,
    build_plan,
    rating_messages,
    summary_columns,
)
from sheetladder.xlsx.write import to_bytes

from .conftest import DEFINITIONS

LADDERS = sorted(DEFINITIONS.glob("*.yaml"))
RATERS = [("self", None, None), ("manager", "Bo Chen", None), ("peer", "Cy Park", None),
          ("peer", None, None)]


def _raters(ladder: Ladder) -> list[tuple[str, str | None, str | None]]:
    roles = {r.id for r in ladder.raters}
    return [r for r in RATERS if r[0] in roles]


def _filled(ladder: Ladder) -> tuple[bytes, dict[str, dict[str, int]]]:
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4", _raters(ladder))
    top = len(ladder.levels)
    ratings = {slot.tab: {c.id: 1 + (i + n) % top for i, c in enumerate(ladder.categories)}
               for n, slot in enumerate(ctx.raters)}
    return to_bytes(build_plan(ladder, ctx, ratings)), ratings


@pytest.fixture(scope="module", params=LADDERS, ids=lambda p: p.stem)
def book(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    ladder = load(request.param)
    data, ratings = _filled(ladder)
    return ladder, data, ratings, openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def stored(book):  # type: ignore[no-untyped-def]
    """The same workbook's stored values (what a viewer that never recalculates shows)."""
    return openpyxl.load_workbook(io.BytesIO(book[1]), data_only=True)


def test_every_rating_cell_has_an_input_message_and_an_error_message(book):
    ladder, _, _, wb = book
    codes = ladder.codes
    for tab in [ws.title for ws in wb if ws.sheet_state == "visible"]:
        ws = wb[tab]
        if ws.cell(R_FIRST, C_RATING + 1).value != "Rating":
            continue  # not a rater tab
        rules = ws.data_validations.dataValidation
        for i, c in enumerate(ladder.categories):
            cell = ws.cell(R_FIRST + i + 1, C_RATING + 1).coordinate
            (dv,) = [v for v in rules if cell in v.sqref]
            assert dv.type == "list" and dv.showDropDown in (None, False)
            assert dv.showInputMessage and dv.promptTitle and dv.prompt, (tab, cell)
            assert f"Pick the level that fits best: {codes[0]}–{codes[-1]}" in dv.prompt
            assert "Matrix" in dv.prompt
            if c.purpose:
                assert str(c.purpose)[:40] in dv.prompt, (tab, cell)
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
            assert dv.errorTitle and dv.error, (tab, cell)
            assert all(re.search(rf"\b{re.escape(code)}\b", dv.error) for code in codes), dv.error
            assert len(dv.prompt) <= 255 and len(dv.error) <= 255
            assert len(dv.promptTitle) <= 32 and len(dv.errorTitle) <= 32


def test_the_dropdown_texts_come_from_one_place_in_the_plan(sales: Ladder):
    c = sales.categories[0]
    title, prompt, error_title, error = rating_messages(sales, c)
    plan = build_plan(sales, make_context(sales, "Kim"))
    rules = [v for s in plan.rater_sheets() for v in s.validations
             if v.first_row == R_FIRST and v.first_col == C_RATING]
    assert rules and all((v.input_title, v.input_message, v.error_title, v.error_message)
                         == (title, prompt, error_title, error) for v in rules)


def test_summary_level_codes_equal_those_on_the_rater_tabs(book, stored):
    ladder, _, ratings, _ = book
    wb = stored
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4", _raters(ladder))
    cols = summary_columns(ctx, ladder)
    summary = wb[SUMMARY_SHEET]
    header_row = next(r for r in range(1, 10) if summary.cell(r, 1).value == "Category")
    compared = 0
    for slot in ctx.raters:
        rater = wb[slot.tab]
        for i, c in enumerate(ladder.categories):
            on_tab = rater.cell(R_FIRST + i + 1, C_RATING + 1).value
            on_summary = summary.cell(header_row + 1 + i, cols["rater:" + slot.tab] + 1).value
            assert on_tab == ladder.codes[ratings[slot.tab][c.id] - 1]
            assert on_summary == on_tab, (slot.tab, c.id, on_summary, on_tab)
            compared += 1
    assert compared == len(ctx.raters) * len(ladder.categories)


def test_summary_rater_columns_show_the_raters_name_and_role(book):
    ladder, _, _, wb = book
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4", _raters(ladder))
    cols = summary_columns(ctx, ladder)
    summary = wb[SUMMARY_SHEET]
    header_row = next(r for r in range(1, 10) if summary.cell(r, 1).value == "Category")
    role_name = {r.id: r.name for r in ladder.raters}
    for slot in ctx.raters:
        head = str(summary.cell(header_row, cols["rater:" + slot.tab] + 1).value)
        assert slot.tab in head and role_name[slot.role].lower() in head.lower(), head


def test_every_categorys_purpose_is_on_the_matrix(book):
    ladder, _, _, wb = book
    texts = [str(c.value) for row in wb[MATRIX_SHEET].iter_rows() for c in row if c.value]
    with_purpose = [c for c in ladder.categories if c.purpose]
    assert with_purpose, "a bundled ladder without purposes tests nothing here"
    for c in with_purpose:
        assert any(str(c.purpose) in t for t in texts), c.id


def test_titles_have_a_row_tall_enough_and_a_subtitle_apart(book):
    _, _, _, wb = book
    for ws in wb:
        if ws.sheet_state != "visible":
            continue
        title = ws.cell(1, 1)
        size = title.font.sz or 11
        height = ws.row_dimensions[1].height
        assert height is not None and height >= size * 1.3, (ws.title, height, size)


def _print_area(xml: bytes, sheet_index: int) -> tuple[int, int, int, int]:
    names = re.findall(rb'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">([^<]+)<',
                       xml)
    (area,) = [a.decode() for i, a in names if int(i) == sheet_index]
    return range_boundaries(area.split("!")[1].replace("$", ""))  # type: ignore[return-value]


def test_the_radar_lies_within_the_summarys_print_area_with_its_axis_from_first_to_top(book):
    ladder, data, _, wb = book
    z = zipfile.ZipFile(io.BytesIO(data))
    index = wb.sheetnames.index(SUMMARY_SHEET)
    c1, r1, c2, r2 = _print_area(z.read("xl/workbook.xml"), index)
    drawings = [n for n in z.namelist() if n.startswith("xl/drawings/drawing")
                and n.endswith(".xml")]
    (drawing,) = drawings  # one chart, on the Summary
    xml = z.read(drawing).decode()
    frm = re.search(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", xml)
    to = re.search(r"<xdr:to><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", xml)
    assert frm and to
    # anchors are 0-based; the print area's bounds 1-based
    assert c1 - 1 <= int(frm[1]) and int(to[1]) <= c2 - 1, (frm.groups(), to.groups(), c1, c2)
    assert r1 - 1 <= int(frm[2]) and int(to[2]) <= r2 - 1, (frm.groups(), to.groups(), r1, r2)
    rels = z.read(f"xl/worksheets/_rels/sheet{index + 1}.xml.rels").decode()
    assert "drawing" in rels
    chart = z.read("xl/charts/chart1.xml").decode()
    assert re.search(r'<c:min val="1"/>', chart) and re.search(
        rf'<c:max val="{len(ladder.levels)}"/>', chart), chart[:400]


def test_every_visible_tab_prints_landscape_on_a4_by_default_with_page_x_of_y(book):
    ladder, data, _, wb = book
    z = zipfile.ZipFile(io.BytesIO(data))
    for i, name in enumerate(wb.sheetnames):
        if wb[name].sheet_state != "visible":
            continue
        sheet = z.read(f"xl/worksheets/sheet{i + 1}.xml").decode()
        setup = re.search(r"<pageSetup [^>]*>", sheet)
        assert setup and 'orientation="landscape"' in setup[0], (name, setup)
        assert 'paperSize="9"' in setup[0], name  # A4 unless asked otherwise
        assert "&amp;P" in sheet and "&amp;N" in sheet, name  # page x of y


def test_the_google_sheet_carries_the_same_dropdown_help_and_error(sales: Ladder):
    """Google shows one input message (a rejected value gets Google's own notice), so the
    error text rides along in it."""
    from sheetladder.google.publish import create_body

    ctx = make_context(sales, "Ana Diaz", "2026-Q4")
    plan = build_plan(sales, ctx)
    body = create_body(plan)
    sheets = {s["properties"]["title"]: s for s in body["sheets"]}
    seen = 0
    for slot in ctx.raters:
        rows = sheets[slot.tab]["data"][0]["rowData"]
        for i, c in enumerate(sales.categories):
            cell = rows[R_FIRST + i]["values"][C_RATING]
            rule = cell["dataValidation"]
            _, prompt, _, error = rating_messages(sales, c)
            assert rule["strict"] and rule["showCustomUi"]
            assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(sales.codes)
            assert prompt in rule["inputMessage"] and error in rule["inputMessage"]
            seen += 1
    assert seen == len(ctx.raters) * len(sales.categories)


@pytest.mark.parametrize("paper, code", [("a4", "9"), ("letter", "1")])
def test_render_paper_option_sets_every_tabs_paper(tmp_path, paper: str, code: str):
    from click.testing import CliRunner

    from sheetladder.cli import main

    result = CliRunner().invoke(main, [
        "render", str(DEFINITIONS / "sales-s1-s7.yaml"), "--person", "Ana Diaz", "--period",
        "2026-Q4", "--paper", paper, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (book,) = tmp_path.glob("*.xlsx")
    z = zipfile.ZipFile(book)
    sheets = [n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    setups = [re.search(r"<pageSetup [^>]*>", z.read(n).decode()) for n in sheets]
    visible = [s for s in setups if s]
    assert len(visible) >= 7
    assert all(f'paperSize="{code}"' in s[0] and 'orientation="landscape"' in s[0]
               for s in visible), [s[0] for s in visible]


def test_render_refuses_a_paper_it_does_not_know(tmp_path):
    from click.testing import CliRunner

    from sheetladder.cli import main

    result = CliRunner().invoke(main, ["render", str(DEFINITIONS / "sales-s1-s7.yaml"), "--person",
                                       "Ana", "--paper", "a3", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "a3" in result.output
    assert not list(tmp_path.glob("*.xlsx"))


def test_page_header_text_keeps_ampersands_and_excels_length(small: Ladder):
    from sheetladder.xlsx.printing import page_header

    plan = build_plan(small, make_context(small, "R&D Lead", "2026-Q4"))
    assert page_header(plan) == "&LSmall ladder&CR&&D Lead, 2026-Q4&R&A"
    long = build_plan(small, make_context(small, "Kim " + "x" * 240, "2026-Q4"))
    header = page_header(long)
    assert len(header) <= 255 and header.startswith("&LSmall ladder&CKim xxx")
    assert header.endswith("…&R&A")
    amp = build_plan(small, make_context(small, "&" * 300))
    header = page_header(amp)
    assert len(header) <= 255 and header.endswith("…&R&A")
    centre = header.split("&C", 1)[1].removesuffix("…&R&A")
    assert len(centre) % 2 == 0  # every & of the name doubled, none left half
