"""Importing an existing descriptor matrix (.xlsx, .ods, .csv, Google Sheet) into a definition.

Matrices are laid out by the tests from a spec (levels, groups, categories, weights,
descriptors) in several shapes; the import must give back the spec, report every empty cell by
its reference, and write a definition that validates. Every bundled ladder must survive the
round trip through the Matrix tab sheetladder renders.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tracemalloc
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sheetladder.a1 import col_letter
from sheetladder.cli import main
from sheetladder.context import make_context
from sheetladder.definition import Ladder, load, load_text, slugify
from sheetladder.errors import UnreadableWorkbook
from sheetladder.grid import Grid, GridCell, SheetGrid
from sheetladder.importer import tables as importer_mod
from sheetladder.importer.detect import (
    Detection,
    ImportDoubtful,
    detect,
    explicit_options,
    import_matrix,
    layouts,
    parse_level_header,
)
from sheetladder.importer.emit import definition_yaml
from sheetladder.importer.tables import (
    PLACEHOLDER,
    ImportFailed,
    Table,
    read_ods,
    read_tables,
    read_xlsx,
)
from sheetladder.plan import build_plan
from sheetladder.xlsx import archive as grid_mod
from sheetladder.xlsx import write as render_xlsx

from .conftest import DEFINITIONS
from .libreoffice import convert
from .make_bad_files import (
    ODS_MANIFEST,
    billion_laughs,
    cfb,
    ods_package,
    patch_member,
    recompress,
    rezip,
    zip_with_zeros,
)

# -- a matrix spec and the shapes it is laid out in ----------------------------------------------


@dataclass
class Cat:
    name: str
    weight: float
    descriptors: list[str | None]  # None: a blank cell


@dataclass
class Spec:
    title: str
    levels: list[tuple[str, str]]
    groups: list[tuple[str, list[Cat]]]


@dataclass
class Shape:
    header: str = "two-rows"  # "two-rows" (codes, then names), "code-name", "code-only"
    groups: str = "rows"  # "rows", "merged", "column", "column-merged", "none"
    weight: bool = True
    transposed: bool = False
    title: bool = True


@dataclass
class Layout:
    rows: dict[tuple[int, int], str | float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    where: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (cat, code) -> cell


def lay_out(spec: Spec, shape: Shape) -> Layout:
    """Cells and merges of the matrix, as a person would make it in a spreadsheet."""
    lay = Layout()
    r = 0

    def put(row: int, col: int, value: str | float) -> None:
        lay.rows[(row, col)] = value

    if shape.title:
        put(0, 0, spec.title)
        r = 2
    labels = (["Group"] if shape.groups.startswith("column") else []) + ["Category"] \
        + (["Weight"] if shape.weight else [])
    nl = len(labels)
    last = nl + len(spec.levels) - 1
    for i, label in enumerate(labels):
        put(r, i, label)
    for i, (code, name) in enumerate(spec.levels):
        if shape.header == "code-name":
            put(r, nl + i, f"{code} - {name}")
        else:
            put(r, nl + i, code)
            if shape.header == "two-rows":
                put(r + 1, nl + i, name)
    r += 2 if shape.header == "two-rows" else 1
    for gname, cats in spec.groups:
        if shape.groups in ("rows", "merged"):
            put(r, 0, gname)
            if shape.groups == "merged":
                lay.merges.append((r, 0, r, last))
            r += 1
        first_row = r
        for cat in cats:
            c = 0
            if shape.groups.startswith("column"):
                if r == first_row or shape.groups == "column":
                    put(r, 0, gname)
                c = 1
            put(r, c, cat.name)
            if shape.weight:
                put(r, c + 1, cat.weight)
            for i, ((code, _), text) in enumerate(zip(spec.levels, cat.descriptors, strict=True)):
                lay.where[(cat.name, code)] = (r, nl + i)
                if text is not None:
                    put(r, nl + i, text)
            r += 1
        if shape.groups == "column-merged" and r - 1 > first_row:
            lay.merges.append((first_row, 0, r - 1, 0))
    if shape.transposed:
        lay.rows = {(c, r): v for (r, c), v in lay.rows.items()}
        lay.merges = [(c1, r1, c2, r2) for r1, c1, r2, c2 in lay.merges]
        lay.where = {k: (c, r) for k, (r, c) in lay.where.items()}
    return lay


def write_xlsx(path: Path, sheets: dict[str, Layout]) -> Path:
    """An .xlsx holding each layout; text is always written as text (never as a formula)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    for name, lay in sheets.items():
        ws = wb.add_worksheet(name)
        merged = {(m[0], m[1]): m for m in lay.merges}
        for (r, c), v in sorted(lay.rows.items()):
            if (r, c) in merged:
                r1, c1, r2, c2 = merged[(r, c)]
                ws.merge_range(r1, c1, r2, c2, "")
            if isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()
    return path


def write_csv(path: Path, lay: Layout, delimiter: str = ",", bom: bool = False) -> Path:
    nrows = max(r for r, _ in lay.rows) + 1
    ncols = max(c for _, c in lay.rows) + 1
    rows = [[_cell_text(lay.rows.get((r, c), "")) for c in range(ncols)] for r in range(nrows)]
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def _cell_text(v: str | float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def expected_groups(spec: Spec, shape: Shape) -> list[tuple[str, list[tuple[str, float, list[str]]]]]:
    groups = spec.groups if shape.groups != "none" else [
        ("Categories", [c for _, cats in spec.groups for c in cats])]
    return [
        (g, [(c.name, c.weight if shape.weight else 1.0,
              [t if t is not None else PLACEHOLDER.format(category=c.name, code=code)
               for (code, _), t in zip(spec.levels, c.descriptors, strict=True)])
             for c in cats])
        for g, cats in groups
    ]


def got_groups(ladder: Ladder) -> list[tuple[str, list[tuple[str, float, list[str]]]]]:
    return [(g.name, [(c.name, c.weight, [c.descriptor(k).text for k in ladder.codes])
                      for c in g.categories]) for g in ladder.groups]


def expected_levels(spec: Spec, shape: Shape) -> list[tuple[str, str]]:
    return [(code, code if shape.header == "code-only" else name) for code, name in spec.levels]


def ref(sheet: str, rc: tuple[int, int]) -> str:
    return f"{sheet}!{col_letter(rc[1])}{rc[0] + 1}"


def as_ladder(det: Detection) -> Ladder:
    return load_text(definition_yaml(det, "imported", "Imported"), "imported.yaml")


SALESISH = Spec(
    title="Sales ladder",
    levels=[("S1", "Junior Sales Executive"), ("S2", "Mid Sales Executive"), ("S3", "Team Leader")],
    groups=[
        ("Hard Skills", [
            Cat("Product Knowledge", 2,
                ["Knows the basics.", "Knows every product.", "Shapes new products."]),
            Cat("CRM", 1, ["Logs calls.", None, "Owns the CRM setup."]),
        ]),
        ("Soft Skills", [
            Cat("Communication", 1.5, ["=Clear in writing", "-Clear in meetings", "@Clear with the board"]),
        ]),
    ],
)


# -- level headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("S1 - Junior Sales Executive", ("S1", "Junior Sales Executive")),
    ("S1: Junior", ("S1", "Junior")),
    ("E2\nJunior Engineer", ("E2", "Junior Engineer")),
    ("Junior (S2)", ("S2", "Junior")),
    ("S3", ("S3", None)),
    ("IC-4", ("IC4", None)),
    ("Level 3", ("L3", "Level 3")),
    ("Level 3 - Senior", ("L3", "Senior")),
    ("Category", None),
    ("Weight", None),
    ("Has a general picture of the products", None),
])
def test_a_level_header_cell_gives_its_code_and_name(
        text: str, expected: tuple[str, str | None] | None) -> None:
    assert parse_level_header(text) == expected


# -- shapes --------------------------------------------------------------------------------------

SHAPES = [
    Shape(),
    Shape(header="code-name", groups="merged"),
    Shape(header="code-only", groups="rows", weight=False),
    Shape(groups="column"),
    Shape(groups="column-merged", header="code-name"),
    Shape(groups="none", title=False),
    Shape(transposed=True),
    Shape(transposed=True, groups="merged", header="code-name"),
    Shape(transposed=True, groups="column", weight=False),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "-".join(
    [s.header, s.groups, "weight" if s.weight else "noweight", "rows" if s.transposed else "cols"]))
def test_each_shape_imports_to_the_matrix_it_was_made_from(tmp_path: Path, shape: Shape) -> None:
    lay = lay_out(SALESISH, shape)
    path = write_xlsx(tmp_path / "m.xlsx", {"Ladder": lay})
    det = import_matrix(str(path))
    assert det.orientation == ("rows" if shape.transposed else "columns")
    ladder = as_ladder(det)
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(SALESISH, shape)
    assert got_groups(ladder) == expected_groups(SALESISH, shape)
    blank = lay.where[("CRM", "S2")]
    assert [n.ref for n in det.empty_cells] == [ref("Ladder", blank)]
    assert ladder.category("crm").descriptor("S2").drafted
    assert not ladder.category("crm").descriptor("S1").drafted
    if shape.groups == "none":
        assert any("no group header" in n.message for n in det.notes)


def test_a_descriptor_merged_across_the_categories_is_each_ones_with_the_levels_down_the_rows(
        tmp_path: Path) -> None:
    """One text for a level, merged over every category's cell (B3:G3, wider than the sheet
    has rows): each category gets it, as read across the columns. The merge was cut at the
    sheet's last row number taken for a column, so E3:G3 came out empty placeholders, exit 0."""
    import openpyxl

    cats = ["Prospecting", "Negotiation", "Forecasting", "Product knowledge", "Account planning",
            "Coaching"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Matrix"
    ws.append(["Level", *cats])
    for lv in ("L1", "L2", "L3"):
        ws.append([lv, *[f"{lv} does {c.lower()} with growing independence and care"
                         for c in cats]])
    shared = "Works on their own across every area of the role, asking for help on rare cases"
    ws["B3"] = shared
    ws.merge_cells("B3:G3")
    path = tmp_path / "m.xlsx"
    wb.save(path)
    det = import_matrix(str(path), levels_in="rows")
    ladder = as_ladder(det)
    assert [c.name for c in ladder.categories] == cats
    assert [ladder.category(c.id).descriptor("L2").text for c in ladder.categories] == \
        [shared] * len(cats)
    assert not any(ladder.category(c.id).descriptor("L2").drafted for c in ladder.categories)


def test_forcing_the_orientation_overrides_detection(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"Ladder": lay_out(SALESISH, Shape(transposed=True))})
    det = import_matrix(str(path), levels_in="rows")
    assert det.orientation == "rows"
    assert got_groups(as_ladder(det)) == expected_groups(SALESISH, Shape(transposed=True))
    # read across the columns, the transposed sheet has no header of levels: the misreading is
    # refused, naming what made it doubtful. A doubt says the levels run the other way, so the
    # command that would take the misreading anyway is not offered; the layout down the rows
    # the doubt points at (which has no doubt) is
    with pytest.raises(ImportDoubtful, match="share no pattern") as e:
        import_matrix(str(path), levels_in="columns")
    assert "the levels may run the other way" in str(e.value)
    assert "--levels-in columns --header-row" not in str(e.value)
    assert "If it is the matrix, import it with:\n  sheetladder import" in str(e.value)
    assert "--levels-in rows --header-row" in str(e.value)


def test_a_header_of_names_without_codes_gets_made_up_codes(tmp_path: Path) -> None:
    rows = [["Skill", "Junior", "Mid", "Senior"],
            ["Prospecting", "Finds leads with help.", "Finds leads alone.", "Teaches prospecting."],
            ["Closing", "Closes small deals.", "Closes most deals.", "Closes the hardest deals."]]
    det = detect(Table.from_rows("Sheet1", rows))
    ladder = as_ladder(det)
    assert [(lv.code, lv.name) for lv in ladder.levels] == [("L1", "Junior"), ("L2", "Mid"), ("L3", "Senior")]
    assert [c.name for c in ladder.categories] == ["Prospecting", "Closing"]
    assert ladder.category("closing").descriptor("L3").text == "Closes the hardest deals."
    assert any(n.ref == "Sheet1!B1:D1" and "codes" in n.message for n in det.notes)


def test_ambiguities_are_reported_by_cell(tmp_path: Path) -> None:
    rows = [
        ["Category", "Weight", "S1 - Junior", "S2 - Mid", "S3 - Senior", "", "note to self"],
        ["Selling", "", "", "", "", "", ""],
        ["Closing", "1", "Closes small deals.", "Closes most deals.", "Closes every deal.", "", ""],
        ["Closing", "", "Asks for the order.", "", "Coaches closing.", "", ""],
        ["Prospecting", "2", "Same at both junior levels", "", "Builds the pipeline.", "see wiki", "x"],
        ["", "", "Orphan text", "", "", "", ""],
        ["Source: the sales newsletter", "", "", "", "", "", ""],
    ]
    merges = [(4, 2, 4, 3)]  # the Prospecting text spans S1 and S2
    table = Table.from_rows("M", rows, merges)
    # two categories named alike in one group make the layout doubtful, and a row of descriptors
    # without a category name would be dropped: refused, naming the blank cell, with no command
    # (importing the guess as it stands would drop the row)
    with pytest.raises(ImportDoubtful, match="no category name \\(M!A6 blank\\)") as e:
        detect(table)
    assert "'Closing'" in str(e.value) and "sheetladder import" not in str(e.value)
    # nor do options settle the row with no category name: only the sheet can
    told = explicit_options("columns", header_row="1", levels="C:E", category="A", weight="B")
    with pytest.raises(ImportDoubtful, match="No option makes it right as it stands") as e:
        detect(table, explicit=told)
    assert "(M!A6 blank)" in str(e.value)
    rows[5] = ["", "", "", "", "", "Orphan text", ""]  # moved out of the matrix: a stray note
    table = Table.from_rows("M", rows, merges)
    det = detect(table, explicit=told)
    by_ref = {n.ref: n for n in det.notes}
    assert [c.id for c in det.categories] == ["closing", "closing-2", "prospecting"]
    assert by_ref["M!A4"].kind == "duplicate"
    # two categories of one name make no definition, told where they are (no export could tell
    # their columns apart); read as two names, the rest of the sheet is what it says
    with pytest.raises(ImportFailed, match="M!A4: category 'Closing': category name 'Closing' "
                                           "is also the name of category 'closing'"):
        as_ladder(det)
    det.groups[0].categories[1].name = "Closing (2)"
    ladder = as_ladder(det)
    # a blank weight cell is 1, with a note (a weight that is no number is refused: see below)
    assert by_ref["M!B4"].kind == "weight" and ladder.category("closing-2").weight == 1
    assert [n.ref for n in det.empty_cells] == ["M!D4"]
    assert by_ref["M!C5:D5"].kind == "merge"
    assert ladder.category("prospecting").descriptor("S2").text == "Same at both junior levels"
    assert by_ref["M!F5"].kind == "stray"
    assert "M!G5" not in by_ref  # a column with a header is reported once, by its header
    assert by_ref["M!F6"].kind == "stray"
    assert by_ref["M!A7"].kind == "stray"
    assert any(n.ref == "M!G1" for n in det.notes)  # an unknown column is named once
    assert [g.name for g in ladder.groups] == ["Selling"]


def test_text_from_the_sheet_stays_text(tmp_path: Path) -> None:
    tricky = ["=SUM(A1:A3)", "+44 calls a week", "-5% churn", "@team lead", "TRUE", "1.50", "yes",
              "null", "~", "S1: a colon", "# not a comment", "multi\nline\ntext", "'quoted'"]
    levels = [(f"T{i + 1}", f"Tier {i + 1}") for i in range(len(tricky))]
    spec = Spec("Tricky", levels, [("Group", [Cat("Everything", 1, list(tricky))])])
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, Shape())})
    ladder = as_ladder(import_matrix(str(path)))
    assert [ladder.categories[0].descriptor(code).text for code, _ in levels] == tricky


# -- other inputs --------------------------------------------------------------------------------


def test_a_csv_with_semicolons_and_a_bom_imports(tmp_path: Path) -> None:
    spec = Spec(SALESISH.title, SALESISH.levels,
                SALESISH.groups + [("Extra", [Cat("Notes, quoted", 3, ["a;b", "two\nlines", "c"])])])
    shape = Shape(header="code-name")
    path = write_csv(tmp_path / "matrix.csv", lay_out(spec, shape), delimiter=";", bom=True)
    det = import_matrix(str(path))
    ladder = as_ladder(det)
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(spec, shape)
    assert got_groups(ladder) == expected_groups(spec, shape)
    assert [n.ref for n in det.empty_cells] == [ref("matrix", lay_out(spec, shape).where[("CRM", "S2")])]


def test_an_ods_saved_by_libreoffice_imports_like_the_xlsx(tmp_path: Path) -> None:
    # identical neighbouring cells make LibreOffice write number-columns-repeated; the merged
    # group headers become covered cells; blank rows become number-rows-repeated
    spec = Spec(SALESISH.title, SALESISH.levels, SALESISH.groups + [
        ("Repeats", [Cat("Same everywhere", 1, ["Same text", "Same text", "Same text"])])])
    shape = Shape(groups="merged", header="two-rows")
    lay = lay_out(spec, shape)
    src = write_xlsx(tmp_path / "matrix.xlsx", {"Cover": Layout(rows={(0, 0): "About"}), "Matrix": lay})
    ods = convert(src, tmp_path / "ods", "ods")
    tables = read_ods(ods)
    assert [t.name for t in tables] == ["Cover", "Matrix"]
    matrix = tables[1]
    assert sorted(matrix.merges) == sorted(lay.merges)
    assert matrix.cells == {k: _cell_text(v) for k, v in lay.rows.items()}
    assert matrix.cells == read_xlsx(src)[1].cells
    det = import_matrix(str(ods))
    ladder = as_ladder(det)
    assert det.sheet == "Matrix"
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(spec, shape)
    assert got_groups(ladder) == expected_groups(spec, shape)
    assert [n.ref for n in det.empty_cells] == [ref("Matrix", lay.where[("CRM", "S2")])]


def test_a_google_sheet_is_read_through_the_google_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from sheetladder.google import read as gsheets

    lay = lay_out(SALESISH, Shape(groups="rows"))
    sg = SheetGrid(name="Matrix", cells={k: GridCell(value=v) for k, v in lay.rows.items()})
    url = "https://docs.google.com/spreadsheets/d/" + "x" * 44 + "/edit"
    seen: list[str] = []

    def fake_open_grid(source: str) -> Grid:
        seen.append(source)
        return Grid(source=source, sheets={"Matrix": sg})

    monkeypatch.setattr(gsheets, "open_grid", fake_open_grid)
    ladder = as_ladder(import_matrix(url))
    assert seen == [url]
    assert got_groups(ladder) == expected_groups(SALESISH, Shape(groups="rows"))


def test_a_truncated_xlsx_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "m.xlsx", {"Ladder": lay_out(SALESISH, Shape())})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) * 2 // 3])
    res = CliRunner().invoke(main, ["import", str(cut), "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 1
    assert res.output.startswith("error: ") and "Traceback" not in res.output
    assert not (tmp_path / "x.yaml").exists()


def test_without_a_sheet_name_the_largest_matrix_is_taken(tmp_path: Path) -> None:
    small = Spec("Small", SALESISH.levels[:2], [("G", [Cat("Only", 1, ["Asks the standard questions.", "Adapts questions to the buyer."])])])
    path = write_xlsx(tmp_path / "m.xlsx", {
        "Notes": Layout(rows={(0, 0): "Read me first", (1, 0): "Nothing here is a matrix"}),
        "Small": lay_out(small, Shape()),
        "Ladder": lay_out(SALESISH, Shape()),
    })
    assert import_matrix(str(path)).sheet == "Ladder"
    assert import_matrix(str(path), sheet="small").sheet == "Small"
    with pytest.raises(ImportFailed, match="no sheet named 'Missing'.*'Notes', 'Small', 'Ladder'"):
        import_matrix(str(path), sheet="Missing")


# -- the round trip of every bundled ladder ------------------------------------------------------


@pytest.mark.parametrize("definition", sorted(DEFINITIONS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_ladder_survives_the_round_trip_through_its_matrix_tab(
        tmp_path: Path, definition: Path) -> None:
    original = load(definition)
    wb = render_xlsx.save(build_plan(original, make_context(original, "Ann")), tmp_path / "a.xlsx")
    out = tmp_path / "defs" / f"{original.id}.yaml"
    result = CliRunner().invoke(main, ["import", str(wb), "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = load(out)
    assert out.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=schema.json\n")
    assert back.id == original.id and back.name == original.name
    assert [(lv.code, lv.name) for lv in back.levels] == [(lv.code, lv.name) for lv in original.levels]
    assert [(g.id, g.name) for g in back.groups] == [(g.id, g.name) for g in original.groups]
    assert [(c.id, c.name, c.weight) for c in back.categories] == \
        [(c.id, c.name, c.weight) for c in original.categories]
    for a, b in zip(original.categories, back.categories, strict=True):
        assert [a.descriptor(k).text for k in original.codes] == [b.descriptor(k).text for k in back.codes]
    assert "Empty cells: none" in result.output


# -- random matrices -----------------------------------------------------------------------------

_WORDS = st.sampled_from(["Leads", "team", "calls", "clients", "deals", "=SUM(A1)", "-5%", "+1",
                          "@lead", "TRUE", "null", "yes", "#", "über", "naïve", "«quoted»", "42",
                          "a: b", "x'y", 'q"r', "&amp;", "<tag>", "two\nlines"])
_NAME = st.lists(st.sampled_from(["Product", "Client", "Risk", "Time", "Craft", "Focus", "Growth",
                                  "Care", "Trust", "Speed", "Data", "Tools"]),
                 min_size=1, max_size=3).map(" ".join)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(2, 6))
    prefix = draw(st.sampled_from(["S", "L", "E", "IC", "M"]))
    levels = [(f"{prefix}{i + 1}", draw(_NAME) + " level") for i in range(n)]
    names = draw(st.lists(_NAME, min_size=2, max_size=8, unique_by=lambda s: slugify(s)))
    gnames = draw(st.lists(_NAME.map(lambda s: s + " area"), min_size=1, max_size=3,
                           unique_by=lambda s: slugify(s)))
    groups: list[tuple[str, list[Cat]]] = []
    for gi, gname in enumerate(gnames):
        chunk = names[gi::len(gnames)]
        if not chunk:
            continue
        cats = []
        for name in chunk:
            texts: list[str | None] = [
                draw(st.one_of(st.none(), st.lists(_WORDS, min_size=2, max_size=6).map(" ".join))
                     if i else st.lists(_WORDS, min_size=2, max_size=6).map(" ".join))
                for i in range(n)]
            weight = draw(st.sampled_from([1.0, 2.0, 0.5, 1.25, 3.0]))
            cats.append(Cat(name, weight, texts))
        groups.append((gname, cats))
    # Known limitation: a level whose every descriptor is blank gives detection nothing to go
    # on when levels run down the rows (it can pick the wrong orientation); not generated here
    assume(all(any(c.descriptors[i] for _, cats in groups for c in cats) for i in range(n)))
    return Spec(draw(_NAME) + " ladder", levels, groups)


# derandomized: CI runs the same 40 examples every time (random sweeps of 1,600 examples in
# all, three seeds, pass locally; run one with derandomize=False after changing detection)
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs(), shape=st.builds(
    Shape, header=st.sampled_from(["two-rows", "code-name", "code-only"]),
    groups=st.sampled_from(["rows", "merged", "column", "column-merged", "none"]),
    weight=st.booleans(), transposed=st.booleans(), title=st.booleans()))
def test_random_matrices_in_every_shape_import_to_what_they_hold(
        tmp_path: Path, spec: Spec, shape: Shape) -> None:
    # two levels sharing a name are misread (categories sharing a word win): kept as the strict
    # xfail test_levels_named_alike_are_not_misread below, left out here
    assume(len({name for _, name in spec.levels}) == len(spec.levels))
    lay = lay_out(spec, shape)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay})
    # the contract (issue 16): the matrix it holds, or a refusal; never a different ladder. The
    # generated texts are short repeated words, so some shapes are honestly refused as doubtful.
    try:
        det = import_matrix(str(path))
    except ImportDoubtful as e:
        assert "sheetladder import" in str(e) and "Doubtful because" in str(e)
        return
    ladder = as_ladder(det)
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(spec, shape)
    assert got_groups(ladder) == expected_groups(spec, shape)
    blanks = [ref("Matrix", lay.where[(c.name, code)]) for _, cats in spec.groups for c in cats
              for (code, _), t in zip(spec.levels, c.descriptors, strict=True) if t is None]
    assert sorted(n.ref for n in det.empty_cells) == sorted(blanks)


def test_levels_named_alike_are_not_misread(tmp_path: Path) -> None:
    """Found by the property test: two levels named alike ('Product level' twice) lost to
    categories sharing a word ('Product', 'Product Product Product': the same words, so no
    pattern of level names), and the header of codes was dropped because its category names
    are longer than its descriptors (codes are strong enough to keep it, as a doubt)."""
    spec = Spec("Product ladder", [("S1", "Product level"), ("S2", "Product level")], [
        ("Product area", [Cat("Product", 1.0, ["Leads Leads", None]),
                          Cat("Product Product Product", 1.0, ["Leads Leads", "Leads Leads"])])])
    shape = Shape(header="two-rows", groups="rows", weight=False, transposed=False, title=False)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, shape)})
    try:
        ladder = as_ladder(import_matrix(str(path)))
    except ImportDoubtful:
        return
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(spec, shape)


def test_levels_down_the_rows_with_a_mostly_blank_level_import_to_what_they_hold(
        tmp_path: Path) -> None:
    """Found by the property test: the row of weights 0.5, 1, 2 was taken for levels '1', '2'
    (the 'Weight' label was hidden behind the non-integer 0.5)."""
    spec = Spec("Product ladder", [("S1", "Product level"), ("S2", "Product level")], [
        ("Product area", [Cat("Product", 0.5, ["Leads Leads", None]),
                          Cat("Product Product", 1.0, ["Leads Leads", None]),
                          Cat("Product Product Product", 2.0, ["Leads Leads", "Leads Leads"])])])
    shape = Shape(header="two-rows", groups="rows", weight=True, transposed=True, title=False)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, shape)})
    # right, or refused with the explicit command (the weights are never taken for levels)
    try:
        ladder = as_ladder(import_matrix(str(path)))
    except ImportDoubtful as e:
        assert "Level 1" not in str(e).split("Doubtful because")[0]
        return
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(spec, shape)


def test_a_line_of_level_codes_left_unused_makes_a_weaker_guess_doubtful(tmp_path: Path) -> None:
    """Found by the property test: a header of codes S1-S5 lost to a column of descriptors
    sharing the word 'Leads' (levels 'Leads team', 'team team', ... down the rows), with exit 0.
    Codes in a line the levels found are not in are now a doubt: right, or refused."""
    spec = Spec("Product ladder", [("S1", "Product level"), ("S2", "Product Product Product level"),
                                   ("S3", "Client level"), ("S4", "Product Product level"),
                                   ("S5", "Risk level")], [
        ("Product area", [
            Cat("Product", 1.0, ["Leads Leads", None, None, "Leads Leads", "Leads team"]),
            Cat("Product Product", 1.0, ["Leads team", "Leads Leads", "Leads Leads", "Leads Leads",
                                         None]),
            Cat("Product Product Product", 1.0, ["team team", None, None, None, "Leads Leads"])])])
    shape = Shape(header="two-rows", groups="rows", weight=False, transposed=False, title=False)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, shape)})
    try:
        ladder = as_ladder(import_matrix(str(path)))
    except ImportDoubtful as e:
        assert "holds level codes" in str(e) or "Doubtful because" in str(e)
        return
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(spec, shape)


_ONE_CATEGORY_A_GROUP = Spec("Product ladder", [("S1", "Product level"), ("S2", "Product Product level"),
                                              ("S3", "Client level")], [
    ("Product area", [Cat("Product", 1.0, ["Leads Leads", None, None])]),
    ("Product Product area", [Cat("Product Product", 1.0, ["Leads Leads Leads", "Leads Leads",
                                                           "Leads Leads"])])])


@pytest.mark.parametrize("transposed", [False, True], ids=["levels-across", "levels-down"])
@pytest.mark.parametrize("groups", ["column", "column-merged"])
def test_a_group_column_whose_groups_hold_one_category_each_imports_its_groups(
        tmp_path: Path, groups: str, transposed: bool) -> None:
    """Found by the property test: a 'Group' column with a different name on every row ('Product
    area' beside 'Product', 'Product Product area' beside 'Product Product': one category per
    group) never repeats, so it was left out and both categories put in one group 'Categories',
    with exit 0. A column left of the categories whose header names a grouping is the group."""
    shape = Shape(header="two-rows", groups=groups, weight=False, transposed=transposed, title=False)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(_ONE_CATEGORY_A_GROUP, shape)})
    ladder = as_ladder(import_matrix(str(path)))
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(_ONE_CATEGORY_A_GROUP, shape)
    assert got_groups(ladder) == expected_groups(_ONE_CATEGORY_A_GROUP, shape)


@pytest.mark.parametrize("head", [None, "Owner"], ids=["no-header", "other-header"])
def test_a_column_of_one_label_per_category_left_out_makes_the_import_doubtful(
        tmp_path: Path, head: str | None) -> None:
    """The same group column without a header naming a grouping: nothing tells a group per
    category from a column to leave out, so the import is refused, naming the column and the
    option that takes it, with the command line of the guess (never a group 'Categories', exit 0)."""
    shape = Shape(header="two-rows", groups="column", weight=False, transposed=False, title=False)
    lay = lay_out(_ONE_CATEGORY_A_GROUP, shape)
    if head is None:
        del lay.rows[(0, 0)]
    else:
        lay.rows[(0, 0)] = head
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay})
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path))
    assert "column A" in str(e.value) and "--group-col A" in str(e.value)
    assert f"sheetladder import {path} --sheet Matrix --levels-in columns --header-row 1 " \
           "--levels C:E --category-col B --skip-col A" in str(e.value)
    explicit = explicit_options("columns", header_row="1", levels="C:E", category="B", group="A")
    ladder = as_ladder(import_matrix(str(path), levels_in="columns", explicit=explicit))
    assert got_groups(ladder) == expected_groups(_ONE_CATEGORY_A_GROUP, shape)


def test_two_level_codes_in_a_line_the_levels_found_are_not_on_make_the_import_doubtful(
        tmp_path: Path) -> None:
    """Found by the property test (a random sweep): a header of two codes M1, M2 whose level M2
    is mostly blank lost to the category names read as levels down the rows ('Data', 'Data Care',
    'Risk Data': a shared word), with exit 0. A line of codes counting up the levels found are
    not on was a doubt only from three codes on; two that follow each other count too."""
    spec = Spec("Product ladder", [("M1", "Time level"), ("M2", "Trust Client Trust level")], [
        ("Product area", [Cat("Data", 1.0, ["Leads Leads", None]),
                          Cat("Data Care", 1.0, ['<tag> q"r x\'y', None]),
                          Cat("Risk Data", 1.0, ["-5% &amp; «quoted» null", "Leads Leads"]),
                          Cat("Tools", 1.0, ["calls naïve =SUM(A1) <tag> «quoted» two\nlines", None])])])
    shape = Shape(header="two-rows", groups="none", weight=False, transposed=False, title=True)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, shape)})
    try:
        det = import_matrix(str(path))
    except ImportDoubtful as e:
        assert e.found is not None
        assert [lv.code for lv in e.found.detection.levels] == ["M1", "M2"]
        return
    assert [(lv.code, lv.name) for lv in as_ladder(det).levels] == expected_levels(spec, shape)


@pytest.mark.parametrize("transposed", [False, True], ids=["levels-across", "levels-down"])
def test_a_category_row_below_a_header_of_codes_is_never_taken_for_the_header(
        tmp_path: Path, transposed: bool) -> None:
    """Found by the property test (a random sweep): with level M2 mostly blank, the header of
    codes M1, M2 lost to a category row whose descriptors share a word ('quoted calls daily',
    'quoted deals weekly'), taken for the levels with only the categories below it, exit 0. Rows
    above a header that name the same levels by a stronger pattern, or read as category rows,
    make it doubtful: the import is refused, and its best guess is the header of codes."""
    spec = Spec("Product ladder", [("M1", "Care level"), ("M2", "Tools level")], [("Product area", [
        Cat("Trust", 1.0, ["Sees the team", None]),
        Cat("Craft", 1.0, ["Wins clients", None]),
        Cat("Speed", 1.0, ["quoted calls daily", "quoted deals weekly"]),
        Cat("Care", 1.0, ["Speaks at talks", "Runs the office"]),
        Cat("Focus", 1.0, ["Writes docs", None])])])
    shape = Shape(header="two-rows", groups="none", weight=False, transposed=transposed, title=False)
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(spec, shape)})
    inner = [f for f in layouts(read_tables(str(path))[0], str(path))
             if f.layout.view.transposed == transposed
             and "quoted calls daily" in [lv.name for lv in f.detection.levels]]
    assert inner and all(any("stronger pattern (M1, M2)" in d for d in f.doubts) for f in inner)
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path))
    assert e.value.found is not None
    assert [lv.code for lv in e.value.found.detection.levels] == ["M1", "M2"]


# a team's sheet with its levels named by seniority (one with a code, as a header gets edited)
# and placeholder category names numbered from 0, as a template leaves them
_MIXED_HEADER = ["L1 - Junior", "Senior", "Staff"]
_GENERIC_NAMES = ["Cat 0", "Cat 1", "Cat 2", "Cat 3"]
_MIXED_TEXTS = [
    ["Writes small, well-scoped changes with guidance", "Owns features end to end",
     "Sets the technical direction of several teams"],
    ["Asks for help early when blocked", "Unblocks others and explains trade-offs",
     "Mentors senior engineers and grows leads"],
    ["Follows the team's testing practices", "Improves the suite where it is slow or flaky",
     "Defines quality standards across the organisation"],
    ["Shares progress in stand-ups clearly", "Writes design documents others act on",
     "Communicates strategy to the whole company"]]


def _mixed_sheet(tmp_path: Path, corner: str | None, down: bool = False,
                 heads: list[str] = _MIXED_HEADER, names: list[str] = _GENERIC_NAMES) -> Path:
    rows: dict[tuple[int, int], str | float] = {}
    if corner:
        rows[(0, 0)] = corner
    for j, head in enumerate(heads):
        rows[(0, j + 1)] = head
    for i, name in enumerate(names):
        rows[(i + 1, 0)] = name
        for j, text in enumerate(_MIXED_TEXTS[i][:len(heads)]):
            rows[(i + 1, j + 1)] = text
    if down:
        rows = {(c, r): v for (r, c), v in rows.items()}
    return write_xlsx(tmp_path / "ladder.xlsx", {"Ladder": Layout(rows=rows)})


def test_a_mixed_level_header_over_generic_category_names_is_not_read_the_other_way(
        tmp_path: Path) -> None:
    """'Cat 0'..'Cat 3' read as level codes counting up, stronger than the header's seniority
    words, so the sheet was read with its levels down the rows: levels Cat0..Cat3, categories
    'L1 - Junior', 'Senior', 'Staff', exit 0. Category names that read as level names are a
    doubt now, and a 'Category' header over the names says which line holds them."""
    ladder = as_ladder(import_matrix(str(_mixed_sheet(tmp_path, "Category"))))
    assert [lv.name for lv in ladder.levels] == _MIXED_HEADER
    assert [c.name for c in ladder.categories] == _GENERIC_NAMES
    assert [c.descriptor(k).text for k in ladder.codes for c in ladder.categories[:1]] == \
        _MIXED_TEXTS[0]


def test_without_a_header_word_the_mixed_header_is_refused_saying_how_to_import_it(
        tmp_path: Path) -> None:
    path = _mixed_sheet(tmp_path, None)
    res = CliRunner().invoke(main, ["import", str(path), "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 1, res.output
    assert not (tmp_path / "x.yaml").exists()
    assert "the category names read as level names (L1 - Junior, Senior, Staff): the levels " \
           "may run the other way; if they do, import with --sheet Ladder --levels-in columns, " \
           "or type 'Category' in Ladder!A1" in res.output
    res = CliRunner().invoke(main, ["import", str(path), "--sheet", "Ladder", "--levels-in",
                                    "columns", "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 0, res.output
    assert [c.name for c in load(tmp_path / "x.yaml").categories] == _GENERIC_NAMES


def test_levels_down_the_rows_under_a_level_header_word_import_over_generic_names(
        tmp_path: Path) -> None:
    ladder = as_ladder(import_matrix(str(_mixed_sheet(tmp_path, "Level", down=True))))
    assert [lv.name for lv in ladder.levels] == _MIXED_HEADER
    assert [c.name for c in ladder.categories] == _GENERIC_NAMES


@pytest.mark.parametrize("down", [False, True], ids=["levels-across", "levels-down"])
@pytest.mark.parametrize("corner", [None, "Category"])
def test_codes_across_and_codes_down_are_refused_either_way(
        tmp_path: Path, down: bool, corner: str | None) -> None:
    """L1..L3 across and C1..C4 down: either line may hold the levels (a corner word heads
    either line, see the Salesish sheet down the rows), so the import is refused, never a coin
    toss that read one of the two layouts the other way round with exit 0."""
    path = _mixed_sheet(tmp_path, corner, down=down, heads=["L1", "L2", "L3"],
                        names=["C1", "C2", "C3", "C4"])
    with pytest.raises(ImportDoubtful, match="which holds the levels cannot be told"):
        import_matrix(str(path))


# Gravitational's SRE levels (github.com/gravitational/careers, levels/sre.md at 1b7ab3c1425b,
# levels 1-5 of four of its skills), laid out with the levels across as a team keeps them
_SRE_LEVELS = ["1", "2", "3", "4", "5"]
_SRE = {
    "Scope": [
        "Takes direction from the team to configure, automate, and troubleshoot internal or "
        "production systems",
        "Delivers solutions to achieve team-level goals",
        "Independently identifies and delivers solutions across a product area or technical systems",
        "Delivers business impact by leading multi-phase or cross-team efforts",
        "Contributes to the multi-year and multi-team technical strategy and deliver it through "
        "direct implementation or broad technical leadership"],
    "Collaboration": [
        "Works closely with a tech lead, team lead, or manager to execute on defined tasks",
        "Works with high level guidance from a tech lead, team lead, or manager on initiatives "
        "within a team",
        "Works primarily with a team and contributes to cross team initiatives",
        "Leads efforts within a team or portions of cross team efforts as applicable to a team",
        "Leads multi-team efforts and influences roadmaps"],
    "Skills Development": [
        "Primarily focus on improving and gaining exposure as an engineer",
        "Increasingly developing in some areas and leveraging expertise for higher impact (e.g. "
        "Kubernetes Administration)",
        "Begins to focus on developing a combination of skills for broader exposure to the "
        "technical landscape",
        "Is a domain expert in a particular technology or product area, drawing on the broader "
        "skills exposure",
        "Begins to balance a focus on tactical vs strategic skillsets"],
    "Development and Automation": [
        "- Writes clean and maintainable automation code in at least one language\n- Working "
        "towards learning and cleanly using the automation languages used by the team",
        "- Able to write and contribute to more sophisticated control logic such as internal "
        "controllers\n- Designs, write, and test support automation such as chat bots, upgrade "
        "scripts, ticket routing, etc",
        "Engineers a key area of the cloud platform, such as design and deployment of "
        "autoscaling logic, patch automation, backup & restore, etc",
        "Applies software and systems engineering techniques to solve problems with production, "
        "not duct tape them over",
        "Applies sophisticated design techniques to improving our product capabilities in novel "
        "ways"],
}


def _sre_sheet(tmp_path: Path, lines: list[list[str]]) -> Path:
    rows = {(r, c): v for r, line in enumerate(lines) for c, v in enumerate(line) if v}
    return write_xlsx(tmp_path / "sre.xlsx", {"SRE": Layout(rows=rows)})


_SRE_HEADER = ["Skill", *_SRE_LEVELS]


@pytest.mark.parametrize("spacing", ["blank-row-after-each", "one-blank-row",
                                     "blank-row-then-header-again", "groups-after-a-blank-row"])
def test_category_rows_after_a_blank_row_are_part_of_the_matrix(
        tmp_path: Path, spacing: str) -> None:
    """A blank row ended the matrix: the categories under it were a 'table' without a header
    and dropped without a word (or, under a repeat of the header, a second table left out with
    a note), exit 0 with a ladder of one category out of four. Rows that go on with the matrix
    after a blank row (a name, and text under most levels) are part of it."""
    cats = [[name, *texts] for name, texts in _SRE.items()]
    lines: list[list[str]] = [_SRE_HEADER]
    groups = ["Categories"]
    if spacing == "blank-row-after-each":
        for cat in cats:
            lines += [cat, []]
    elif spacing == "one-blank-row":
        lines += [*cats[:2], [], *cats[2:]]
    elif spacing == "blank-row-then-header-again":
        lines += [*cats[:2], [], _SRE_HEADER, *cats[2:]]
    else:
        groups = ["Delivery", "Growth"]
        lines += [["Delivery"], *cats[:2], [], ["Growth"], *cats[2:]]
    det = import_matrix(str(_sre_sheet(tmp_path, lines)))
    ladder = as_ladder(det)
    assert [g.name for g in ladder.groups] == groups
    assert {c.name: [c.descriptor(k).text for k in ladder.codes] for c in ladder.categories} == _SRE
    assert not [n for n in det.notes if "another matrix" in n.message]


def test_a_table_with_a_header_of_its_own_after_a_blank_row_is_still_another_table(
        tmp_path: Path) -> None:
    cats = [[name, *texts[:3]] for name, texts in _SRE.items()]
    other = ["Role", "Engineer (E1)", "Senior Engineer (E2)", "Staff Engineer (E3)"]
    lines = [_SRE_HEADER[:4], *cats[:2], [], other, *cats[2:]]
    det = import_matrix(str(_sre_sheet(tmp_path, lines)))
    assert [c.name for c in det.categories] in (list(_SRE)[:2], list(_SRE)[2:])
    assert [n for n in det.notes if "another matrix" in n.message]


# -- the command ---------------------------------------------------------------------------------


def test_the_command_prints_what_it_found_and_never_overwrites_without_force(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    out = tmp_path / "sales.yaml"
    runner = CliRunner()
    first = runner.invoke(main, ["import", str(path), "-o", str(out), "--name", "Sales"])
    assert first.exit_code == 0, first.output
    assert "Levels (3): S1 Junior Sales Executive" in first.output
    assert ref("Matrix", lay_out(SALESISH, Shape()).where[("CRM", "S2")]) in first.output
    ladder = load(out)
    assert (ladder.id, ladder.name) == ("sales", "Sales")
    before = out.read_bytes()
    again = runner.invoke(main, ["import", str(path), "-o", str(out), "--id", "other"])
    assert again.exit_code == 1 and "--force" in again.output
    assert out.read_bytes() == before
    forced = runner.invoke(main, ["import", str(path), "-o", str(out), "--id", "other", "--force"])
    assert forced.exit_code == 0, forced.output
    assert load(out).id == "other"


def test_the_command_writes_to_stdout_with_a_dash_and_leaves_the_source_alone(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["import", str(path), "-o", "-", "--id", "sales"])
    assert result.exit_code == 0
    assert load_text(result.stdout, "stdout.yaml").id == "sales"
    assert "Levels (3)" in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_the_default_output_is_definitions_slash_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "definitions" / "sales-ladder.yaml").name == "Sales ladder"


@pytest.mark.parametrize(("content", "message"), [
    ({(0, 0): "Shopping list", (1, 0): "milk", (2, 0): "bread"}, "no descriptor matrix found"),
    ({(0, 0): "Category", (0, 1): "S1", (0, 2): "S2"}, "no category rows"),
])
def test_a_file_without_a_matrix_fails_clearly(tmp_path: Path, content: dict[tuple[int, int], str],
                                               message: str) -> None:
    path = write_xlsx(tmp_path / "list.xlsx", {"List": Layout(rows=dict(content))})
    result = CliRunner().invoke(main, ["import", str(path), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize("name", ["missing.xlsx", "not-really.xlsx", "old.xls", "empty.ods"])
def test_unreadable_sources_fail_with_the_file_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name != "missing.xlsx":
        path.write_bytes(b"this is not a spreadsheet")
    result = CliRunner().invoke(main, ["import", str(path), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert str(path) in result.output and "Traceback" not in result.output


def test_a_bad_id_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", {"Matrix": lay_out(SALESISH, Shape())})
    result = CliRunner().invoke(main, ["import", str(path), "--id", "Not A Slug", "-o", "-"])
    assert result.exit_code != 0 and "--id" in result.output


# -- hostile and foreign files: the reader's defences --------------------------------------------
#
# A matrix to import is as untrusted as a filled workbook: the importer runs the reader's checks
# (sheetladder.grid) before it inflates or parses anything. Every refusal is one line naming the
# file and the reason, exit 1, and no definition written.

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods_content(tables: dict[str, Layout], extra: str = "", prolog: str = "") -> bytes:
    """content.xml of an .ods holding each layout (no merges), plus ``extra`` raw tables."""
    from xml.sax.saxutils import escape

    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<office:document-content {ODF_NS} '
           'office:version="1.2"><office:body><office:spreadsheet>']
    for name, lay in tables.items():
        assert not lay.merges
        out.append(f'<table:table table:name="{escape(name)}">')
        ncols = max(c for _, c in lay.rows) + 1
        for r in range(max(r for r, _ in lay.rows) + 1):
            out.append("<table:table-row>")
            for c in range(ncols):
                v = lay.rows.get((r, c))
                if v is None:
                    out.append("<table:table-cell/>")
                elif isinstance(v, str):
                    out.append('<table:table-cell office:value-type="string">'
                               + "".join(f"<text:p>{escape(p)}</text:p>" for p in v.split("\n"))
                               + "</table:table-cell>")
                else:
                    out.append(f'<table:table-cell office:value-type="float" office:value="{v!r}">'
                               f"<text:p>{v:g}</text:p></table:table-cell>")
            out.append("</table:table-row>")
        out.append("</table:table>")
    out.append(extra + "</office:spreadsheet></office:body></office:document-content>")
    return "".join(out).encode()


def matrix_xlsx(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "source.xlsx", {"Matrix": lay_out(SALESISH, Shape())}).read_bytes()


def matrix_ods() -> bytes:
    return ods_package(ods_content({"Matrix": lay_out(SALESISH, Shape())}))


def refused(tmp_path: Path, name: str, blob: bytes, *fragments: str) -> str:
    """Write ``blob`` as ``name``, import it, and check the refusal; returns the message."""
    path = tmp_path / name
    path.write_bytes(blob)
    out = tmp_path / "out.yaml"
    res = CliRunner().invoke(main, ["import", str(path), "-o", str(out)])
    assert res.exit_code == 1, res.output
    line = res.output.strip()
    assert line.startswith(f"error: {path}: ") and "\n" not in line, res.output
    for fragment in fragments:
        assert fragment in line, line
    assert not out.exists()
    return line


def imports(tmp_path: Path, name: str, blob: bytes) -> Ladder:
    path = tmp_path / name
    path.write_bytes(blob)
    return as_ladder(import_matrix(str(path)))


def test_a_hand_made_ods_imports_like_the_xlsx(tmp_path: Path) -> None:
    # the baseline the hostile .ods files below are made from
    ladder = imports(tmp_path, "matrix.ods", matrix_ods())
    assert got_groups(ladder) == expected_groups(SALESISH, Shape())
    # a zip of another name is recognised by its parts, through the same checks
    assert got_groups(imports(tmp_path, "matrix.dat", matrix_ods())) == expected_groups(SALESISH, Shape())
    assert got_groups(imports(tmp_path, "matrix.bin", matrix_xlsx(tmp_path))) == \
        expected_groups(SALESISH, Shape())


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = zip_with_zeros(matrix_xlsx(tmp_path), "xl/media/image1.png", 20 * 2**20)
    assert len(bomb) < 100_000  # 20 MB of zeros in a few KB: a real ratio bomb
    refused(tmp_path, "bomb.xlsx", bomb, "zip part xl/media/image1.png is compressed",
            "possible zip bomb")
    refused(tmp_path, "bomb.dat", bomb, "possible zip bomb")  # recognised by its parts


def test_an_ods_whose_content_xml_is_a_bomb_is_refused(tmp_path: Path) -> None:
    content = ods_content({"Matrix": lay_out(SALESISH, Shape())})
    padded = content.replace(b"</office:document-content>", b" " * (20 * 2**20)
                             + b"</office:document-content>")
    bomb = ods_package(padded)
    assert len(bomb) < 100_000
    refused(tmp_path, "bomb.ods", bomb, "zip part content.xml is compressed", "possible zip bomb")
    refused(tmp_path, "bomb.dat", bomb, "zip part content.xml is compressed")


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_part_over_the_size_limits_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                kind: str) -> None:
    # the limits made small, so a 100 KB part stands for a 50 MB one
    pad = b"".join(b"<!-- %d -->" % i for i in range(10_000))  # ~100 KB, compresses ~5:1
    if kind == "xlsx":
        part = "xl/worksheets/sheet1.xml"
        good = matrix_xlsx(tmp_path)
        with zipfile.ZipFile(io.BytesIO(good)) as z:
            sheet = z.read(part)
        blob = rezip(good, replace={part: sheet.replace(b"</worksheet>", pad + b"</worksheet>")})
    else:
        part = "content.xml"
        content = ods_content({"Matrix": lay_out(SALESISH, Shape())})
        blob = ods_package(content.replace(b"</office:document-content>",
                                           pad + b"</office:document-content>"))
    name = f"padded.{kind}"
    assert got_groups(imports(tmp_path, name, blob)) == expected_groups(SALESISH, Shape())
    monkeypatch.setattr(grid_mod, "MAX_MEMBER_BYTES", 64 * 1024)
    refused(tmp_path, name, blob, f"zip part {part} would unpack to", "(limit 64 KB)",
            "possible zip bomb")
    monkeypatch.setattr(grid_mod, "MAX_MEMBER_BYTES", 2**20)
    monkeypatch.setattr(grid_mod, "MAX_TOTAL_BYTES", 64 * 1024)
    refused(tmp_path, name, blob, "zip archive would unpack to", "(limit 64 KB)")
    monkeypatch.setattr(grid_mod, "MAX_TOTAL_BYTES", 2**30)
    monkeypatch.setattr(grid_mod, "MAX_MEMBERS", 2)
    refused(tmp_path, name, blob, "zip archive has", "parts (limit 2)")


@pytest.mark.parametrize("kind", ["xlsx", "ods", "csv"])
def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    kind: str) -> None:
    blob = {"xlsx": matrix_xlsx(tmp_path), "ods": matrix_ods(),
            "csv": write_csv(tmp_path / "m.csv", lay_out(SALESISH, Shape())).read_bytes()
            + b"\r\n" * 1024}[kind]  # blank lines: a CSV as long as the others
    monkeypatch.setattr(grid_mod, "MAX_FILE_BYTES", 1024)
    assert len(blob) > 1024
    refused(tmp_path, f"big.{kind}", blob, "over the 1 KB limit")


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_xml_with_a_dtd_is_refused_before_any_parser_sees_it(tmp_path: Path, kind: str) -> None:
    laughs = billion_laughs()
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<r>&x;</r>')
    if kind == "xlsx":
        good = matrix_xlsx(tmp_path)
        refused(tmp_path, "laughs.xlsx", rezip(good, replace={"xl/sharedStrings.xml": laughs}),
                "refused: XML part xl/sharedStrings.xml declares a DOCTYPE")
        refused(tmp_path, "xxe.xlsx", rezip(good, replace={"xl/worksheets/sheet1.xml": xxe}),
                "refused: XML part xl/worksheets/sheet1.xml declares a DOCTYPE")
    else:
        entities = ('<!DOCTYPE office:document-content [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')
        bomb = ods_content({"Matrix": lay_out(SALESISH, Shape())}, prolog=entities)
        refused(tmp_path, "laughs.ods", ods_package(bomb),
                "refused: XML part content.xml declares a DOCTYPE")
        refused(tmp_path, "xxe.ods", ods_package(xxe),
                "refused: XML part content.xml declares a DOCTYPE")


def test_an_ods_with_the_manifest_doctype_openoffice_wrote_still_imports(tmp_path: Path) -> None:
    # OpenOffice.org wrote a DOCTYPE in META-INF/manifest.xml; the importer never parses that
    # part, so only content.xml (the part it parses) must be free of one
    manifest = ODS_MANIFEST.replace(
        b"\n<manifest:manifest", b'\n<!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice.org//DTD '
        b'Manifest 1.0//EN" "Manifest.dtd">\n<manifest:manifest')
    assert b"<!DOCTYPE" in manifest
    blob = ods_package(ods_content({"Matrix": lay_out(SALESISH, Shape())}), manifest=manifest)
    assert got_groups(imports(tmp_path, "old.ods", blob)) == expected_groups(SALESISH, Shape())


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_encrypted_parts_and_other_compressions_are_refused(tmp_path: Path, kind: str) -> None:
    good, part = (matrix_xlsx(tmp_path), "xl/workbook.xml") if kind == "xlsx" else (
        matrix_ods(), "content.xml")
    refused(tmp_path, f"locked.{kind}", patch_member(good, part, set_flags=0x1),
            f"zip part {part} is encrypted")
    refused(tmp_path, f"bzip2.{kind}", recompress(good, part, zipfile.ZIP_BZIP2),
            f"zip part {part} uses an unsupported compression method")


@pytest.mark.parametrize(("kind", "blob", "fragment"), [
    ("xlsx", b"<!DOCTYPE html><html><body>Sign in to continue</body></html>", "an HTML page"),
    ("ods", b"\n<html><head><title>Sign in</title></head></html>", "an HTML page"),
    ("xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
    ("xlsx", b"Category,S1,S2\nCRM,a,b\n", "a CSV text file, not an .xlsx workbook (a CSV is "
                                            "imported from a file named .csv)"),
    ("ods", b"<?xml version='1.0'?><office:document/>", "an XML or text file, not an .ods spreadsheet"),
    ("xlsx", b"", "empty file"),
    ("xlsx", cfb({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"}), "old Excel 97-2003 .xls"),
], ids=["html-xlsx", "html-ods", "pdf", "csv-as-xlsx", "xml-as-ods", "empty", "xls"])
def test_foreign_files_are_named_by_their_first_bytes(tmp_path: Path, kind: str, blob: bytes,
                                                      fragment: str) -> None:
    refused(tmp_path, f"download.{kind}", blob, fragment)


@pytest.mark.parametrize(("name", "what"), [
    ("ladder.xlsx", "an .xlsx workbook"), ("ladder.ods", "an .ods spreadsheet"),
    ("ladder.dat", "a spreadsheet")])
def test_a_csv_saved_under_another_name_is_refused_as_a_csv_by_its_class(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, what: str) -> None:
    """The importer told the reader's CSV refusal by the start of its text ('a CSV text file'):
    reworded, it became 'a CSV text file, not an .xlsx workbook: a .csv holds one sheet's values
    only ... send the .xlsx workbook itself', advice for filled workbooks. It is told by its
    class now (errors.CsvNotWorkbook), and an .ods or a file of another name is named a CSV too
    (it was 'not a spreadsheet sheetladder reads')."""
    blob = "Kategorie;S1;S2\nProduktwissen;Kennt die Grundlagen;Kennt jedes Produkt\n".encode(
        "utf-8-sig")
    message = refused(tmp_path, name, blob)
    assert message == f"error: {tmp_path / name}: a CSV text file, not {what} (a CSV is " \
                      "imported from a file named .csv)"
    from sheetladder.errors import CsvNotWorkbook
    from sheetladder.xlsx import read as xlsx_read

    with pytest.raises(CsvNotWorkbook):
        grid_mod.open_zip("ladder.xlsx", blob)
    if name.endswith(".xlsx"):  # the reader's words may change; its class says what it found

        def reworded(source: str, data: bytes) -> Grid:
            raise CsvNotWorkbook(source, "comma-separated values; send the workbook itself")

        monkeypatch.setattr(xlsx_read, "grid_from_bytes", reworded)
        assert refused(tmp_path, name, blob) == message


def test_a_sheet_walking_millions_of_blank_cells_is_refused(tmp_path: Path) -> None:
    # one cell in column XFD per row: openpyxl yields 16,384 cells a row, gaps filled
    path = tmp_path / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Matrix")
    for r in range(200):
        ws.write_string(r, 16383, "far away")
    wb.close()
    # the importer reads an .xlsx with the reader `read` uses, and refuses with its reason
    refused(tmp_path, "wide.xlsx", path.read_bytes(), f"more than {grid_mod.MAX_CELL_SLOTS:,} cells",
            "too large to read")


@pytest.mark.parametrize("kind", ["ods"])  # an .xlsx is bounded by the shared reader's limits
def test_the_xml_elements_parsed_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             kind: str) -> None:
    blob = matrix_xlsx(tmp_path) if kind == "xlsx" else matrix_ods()
    monkeypatch.setattr(importer_mod, "MAX_CELL_SLOTS", 40)  # the matrix has more than 40
    refused(tmp_path, f"m.{kind}", blob, "more than 40 XML elements in",
            "its sheets" if kind == "xlsx" else "content.xml")


def test_ods_repeats_are_not_materialised_past_the_cell_limit(tmp_path: Path) -> None:
    # a few hundred bytes asking for 10,000 x 10,000 copies of a cell
    bomb = ('<table:table table:name="Repeats"><table:table-row table:number-rows-repeated='
            '"1000000"><table:table-cell table:number-columns-repeated="16384" '
            'office:value-type="string"><text:p>again</text:p></table:table-cell>'
            "</table:table-row></table:table>")
    blob = ods_package(ods_content({"Matrix": lay_out(SALESISH, Shape())}, extra=bomb))
    assert len(blob) < 10_000
    refused(tmp_path, "repeats.ods", blob, "cells (counting repeats)", "too large to import")


@pytest.mark.parametrize("count", ["many", "-3", "0"])
def test_a_bad_ods_count_is_one_line(tmp_path: Path, count: str) -> None:
    bad = (f'<table:table table:name="Bad"><table:table-row><table:table-cell '
           f'table:number-columns-repeated="{count}"/></table:table-row></table:table>')
    blob = ods_package(ods_content({"Matrix": lay_out(SALESISH, Shape())}, extra=bad))
    refused(tmp_path, "bad.ods", blob, "not a readable .ods spreadsheet (ValueError")


def test_the_reader_names_an_ods_without_inflating_its_mimetype(tmp_path: Path) -> None:
    # the reader's kind check runs before the size limits: it must read only a part's first bytes
    bomb = zip_with_zeros(rezip(ods_package(b"<x/>"), drop={"mimetype"}), "mimetype", 64 * 2**20)
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableWorkbook, match="a zip archive but not an .xlsx workbook"):
            grid_mod.open_zip("bomb.xlsx", bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MB allocated to name the file"


def test_an_ods_row_holding_too_many_elements_is_refused(tmp_path: Path) -> None:
    # a row is read whole: one paragraph of 100,001 space elements is a row too many
    wide = ('<table:table table:name="Wide"><table:table-row><table:table-cell office:value-type='
            '"string"><text:p>' + "<text:s/>" * 100_001 + "</text:p></table:table-cell>"
            "</table:table-row></table:table>")
    blob = ods_package(ods_content({"Matrix": lay_out(SALESISH, Shape())}, extra=wide))
    refused(tmp_path, "wide.ods", blob, "content.xml holds more than 100,000 XML elements in one row")


@pytest.mark.parametrize("where", ["in a row", "outside rows"])
def test_an_xlsx_sheet_flooded_with_elements_imports_as_without_them(tmp_path: Path, where: str) -> None:
    """The shared reader streams a sheet's cells and checks the rest of the part with expat,
    holding no tree of it: a flood of elements costs time, not memory, and changes nothing."""
    good = matrix_xlsx(tmp_path)
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        sheet = z.read(part)
    # numbered, so the part does not compress like a zip bomb
    if where == "in a row":
        cells = b"".join(b'<c r="A99"><v>%d</v></c>' % i for i in range(50_001))
        sheet = sheet.replace(b"</sheetData>", b'<row r="99">' + cells + b"</row></sheetData>")
    else:
        notes = b"".join(b'<x:note xmlns:x="urn:x" n="%d"/>' % i for i in range(100_001))
        sheet = sheet.replace(b"</worksheet>", notes + b"</worksheet>")
    (tmp_path / "good.xlsx").write_bytes(good)
    (tmp_path / "many.xlsx").write_bytes(rezip(good, replace={part: sheet}))
    runner = CliRunner()
    outs = []
    for name in ("good", "many"):
        res = runner.invoke(main, ["import", str(tmp_path / f"{name}.xlsx"), "-o", "-", "--id", "m",
                                   "--name", "M"])
        assert res.exit_code == 0, res.output
        outs.append(res.stdout.replace("many.xlsx", "good.xlsx"))
    if where == "outside rows":
        assert outs[0] == outs[1]
    else:  # the flooded row holds one cell, A99, far below the matrix: noted, never a level
        assert "A99" not in outs[1].split("levels:")[1].split("groups:")[0]


def test_xml_nested_beyond_reason_is_refused(tmp_path: Path) -> None:
    deep = ('<table:table table:name="Deep"><table:table-row><table:table-cell office:value-type='
            '"string"><text:p>' + "<text:span>" * 300 + "deep" + "</text:span>" * 300
            + "</text:p></table:table-cell></table:table-row></table:table>")
    blob = ods_package(ods_content({"Matrix": lay_out(SALESISH, Shape())}, extra=deep))
    refused(tmp_path, "deep.ods", blob, "content.xml nests XML elements more than 256 deep")


def test_an_ods_is_read_one_row_at_a_time(tmp_path: Path) -> None:
    # half a million elements outside any row: a parsed tree would hold them all (~40 MB)
    from defusedxml import ElementTree

    content = ods_content({"Matrix": lay_out(SALESISH, Shape())}, extra="<text:p/>" * 500_000)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tables = importer_mod._ods_stream(
            tmp_path / "m.ods", ElementTree.iterparse(io.BytesIO(content), events=("start", "end")))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert [t.name for t in tables] == ["Matrix"]
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MB held while parsing"


def test_a_google_sheet_with_merged_group_cells_imports_its_groups(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Against the fake Google: the reader asks for the sheets' merges and the importer uses
    them, as it does for an .xlsx (groups named once in a merged column)."""
    import requests

    from sheetladder.google import read as gsheets
    from sheetladder.google.client import ENV_ROOT, GoogleApi, make_client

    from .fake_google import FakeGoogle

    shape = Shape(groups="column-merged")
    lay = lay_out(SALESISH, shape)
    nrows = max(r for r, _ in lay.rows) + 1
    ncols = max(c for _, c in lay.rows) + 1

    def entered(v: object) -> dict[str, object]:
        kind = "stringValue" if isinstance(v, str) else "numberValue"
        return {"userEnteredValue": {kind: v}}
    rows = [{"values": [entered(lay.rows[(r, c)]) if (r, c) in lay.rows else {}
                        for c in range(ncols)]} for r in range(nrows)]
    merges = [{"sheetId": 0, "startRowIndex": r1, "endRowIndex": r2 + 1,
               "startColumnIndex": c1, "endColumnIndex": c2 + 1} for r1, c1, r2, c2 in lay.merges]
    assert merges, "the layout has merged group cells"
    with FakeGoogle() as fake:
        monkeypatch.setenv(ENV_ROOT, fake.root)
        api = GoogleApi(make_client(requests.Session(), root=fake.root))
        made = api.create_spreadsheet({
            "properties": {"title": "Ladder"},
            "sheets": [{"properties": {"sheetId": 0, "title": "Matrix"},
                        "data": [{"startRow": 0, "startColumn": 0, "rowData": rows}],
                        "merges": merges}]})
        url = made["spreadsheetUrl"]
        grid = gsheets.open_grid(url, api)
        assert sorted(grid.sheets["Matrix"].merges) == sorted(lay.merges)
        det = import_matrix(url)
    ladder = as_ladder(det)
    assert got_groups(ladder) == expected_groups(SALESISH, shape)
    assert [(lv.code, lv.name) for lv in ladder.levels] == expected_levels(SALESISH, shape)


def test_a_refused_guess_lists_every_group_it_counts() -> None:
    """The best guess of a refusal said "Groups (3), categories (5)" and showed the first
    group's line alone (the summary was cut at four lines)."""
    rows = [
        ["Category", "S1 - Junior", "S2 - Mid", "S3 - Senior"],
        ["Selling", "", "", ""],
        ["Closing", "Closes small deals.", "Closes most deals.", "Closes every deal."],
        ["Closing", "Asks for the order.", "Asks early.", "Coaches closing."],
        ["Planning", "", "", ""],
        ["Forecasting", "Gives a number.", "Gives a range.", "Gives the team's."],
        ["Territory", "Knows the map.", "Shapes the map.", "Draws the map."],
        ["Leading", "", "", ""],
        ["Coaching", "Asks for help.", "Helps a peer.", "Runs the coaching."],
    ]
    with pytest.raises(ImportDoubtful) as e:
        detect(Table.from_rows("M", rows))
    text = str(e.value)
    assert "Groups (3), categories (5):" in text, text
    for line in ("Selling: Closing, Closing", "Planning: Forecasting, Territory",
                 "Leading: Coaching"):
        assert f"\n    {line}\n" in text, text
