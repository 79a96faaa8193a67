"""Which way a sheet is read: a reading that leaves out lines holding descriptors, or that
takes levels from headers sharing a word beside a line of level codes, gives way to the other
reading or is refused with advice; never an exit-0 wrong ladder."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sheetladder.definition import load_text
from sheetladder.importer.detect import (
    Explicit,
    ImportDoubtful,
    detect,
    explicit_options,
    import_matrix,
)
from sheetladder.importer.emit import default_name, definition_yaml
from sheetladder.importer.tables import Table

from .test_import_advice import workbook

CATEGORIES = ["Craft", "Scope", "Product Impact", "People Impact", "Org Impact", "Business Impact"]
LEVELS = [("S1", "Junior Engineer"), ("S2", "Senior Engineer")]


def descriptor(code: str, category: str) -> str:
    return f"At {code}, {category.lower()} means work of a wider scope, done well with less help"


def levels_down_column_a(path: Path, name_label: str | None) -> Path:
    """Levels S1, S2 down column A with their names in column B, 'Category' in A1 over six
    categories across row 1 (four of them sharing the word 'Impact')."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ladder"
    ws["A1"] = "Category"
    if name_label:
        ws["B1"] = name_label
    for i, cat in enumerate(CATEGORIES):
        ws.cell(1, 3 + i, cat)
    for r, (code, name) in enumerate(LEVELS, 2):
        ws.cell(r, 1, code)
        ws.cell(r, 2, name)
        for i, cat in enumerate(CATEGORIES):
            ws.cell(r, 3 + i, descriptor(code, cat))
    wb.save(path)
    return path


@pytest.mark.parametrize("name_label", [None, "Name", "Title"])
def test_levels_down_a_column_of_codes_with_their_names_beside_import_as_laid_out(
        tmp_path: Path, name_label: str | None) -> None:
    """A 'Name' (or 'Title') header over the column of level names made that column a
    category 'Name' whose descriptors were the level names, and the levels were named by their
    bare codes: exit 0, a wrong ladder."""
    det = import_matrix(str(levels_down_column_a(tmp_path / "l.xlsx", name_label)))
    assert det.orientation == "rows"
    assert [(lv.code, lv.name) for lv in det.levels] == LEVELS
    assert [c.name for c in det.categories] == CATEGORIES
    for c in det.categories:
        assert c.descriptors == {code: descriptor(code, c.name) for code, _ in LEVELS}


def test_headers_sharing_a_word_beside_a_column_of_level_codes_are_not_taken_for_levels(
        tmp_path: Path) -> None:
    """Read with the levels across the columns, the four headers sharing 'Impact' were taken
    for the levels and the codes S1, S2 in column A for category names (the 'Category' corner
    over them was taken to settle it), columns C and D (descriptors) silently dropped: exit 0.
    The reading is doubtful now, names the dropped column, and points at the other reading."""
    path = levels_down_column_a(tmp_path / "l.xlsx", "Name")
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path), levels_in="columns")
    text = str(e.value)
    assert "column C ('Craft', Ladder!C1) holds texts like the descriptors" in text
    assert "--levels-in rows" in text
    assert "Read as that doubt says, the matrix has no doubt" in text
    assert "--levels-in rows --header-row A --levels 2:3 --category-col 1" in text


@pytest.mark.parametrize("name_label", [None, "Name"])
def test_levels_in_columns_over_a_column_of_codes_names_no_category_or_group_line_left_out(
        tmp_path: Path, name_label: str | None) -> None:
    """With --levels-in columns given, the refusal's doubts pointed the other way and its
    advice was right (--levels-in rows), but two doubts beside them took column A, the level
    codes S1, S2 under 'Category', for a line of category names left out (advising
    --category-col A) and for a group column (--group-col A): clutter whose commands write a
    wrong ladder. The codes are named once, as the levels the other way."""
    path = levels_down_column_a(tmp_path / "l.xlsx", name_label)
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path), levels_in="columns")
    text = str(e.value)
    assert "is left out while the category names are taken from" not in text
    assert "--category-col A" not in text and "--group-col A" not in text
    assert "column A holds level codes (S1, S2): the levels may run the other way" in text
    assert "--levels-in rows --header-row A --levels 2:3 --category-col 1" in text


def save(rows: list[list[str]], path: Path) -> Path:
    return workbook(path, {"Ladder": rows})


SPACED_CATEGORIES = ["Craft", "Delivery", "Scope", "Mentoring"]
SPACED_LEVELS = ["S1", "S2", "S3"]


def text(category: str, code: str) -> str:
    return f"Works on {category.lower()} at {code} with growing independence and reach"


def across(cat: str) -> list[str]:
    return [cat, *[text(cat, code) for code in SPACED_LEVELS]]


def down(code: str) -> list[str]:
    return [code, *[text(cat, code) for cat in SPACED_CATEGORIES]]


LEVELS_ACROSS = ["Category", *SPACED_LEVELS]
LEVELS_DOWN = ["Level", *SPACED_CATEGORIES]
SPACED = {
    # a blank row, and the category after it named by a notes word ('Scope'), which ended
    # the matrix there: two categories dropped, exit 0
    "category-rows-blank-row": [LEVELS_ACROSS, across("Craft"), across("Delivery"), [],
                                across("Scope"), across("Mentoring")],
    "category-rows-repeated-header": [LEVELS_ACROSS, across("Craft"), across("Delivery"),
                                      LEVELS_ACROSS, across("Scope"), across("Mentoring")],
    "category-rows-blank-then-header": [LEVELS_ACROSS, across("Craft"), across("Delivery"), [],
                                        LEVELS_ACROSS, across("Scope"), across("Mentoring")],
    # level rows split by blank rows, or by the row of category names typed again: refused,
    # the levels after it 'not one of the levels found'
    "level-rows-blank-rows": [LEVELS_DOWN, down("S1"), [], down("S2"), [], down("S3")],
    "level-rows-repeated-header": [LEVELS_DOWN, down("S1"), down("S2"), LEVELS_DOWN, down("S3")],
    "level-rows-blank-then-header": [LEVELS_DOWN, down("S1"), down("S2"), [], LEVELS_DOWN,
                                     down("S3")],
}


@pytest.mark.parametrize("layout", sorted(SPACED))
def test_rows_spaced_by_blank_rows_or_a_repeated_header_import_every_row(
        tmp_path: Path, layout: str) -> None:
    det = import_matrix(str(save(SPACED[layout], tmp_path / "s.xlsx")))
    assert [lv.code for lv in det.levels] == SPACED_LEVELS
    assert [c.name for c in det.categories] == SPACED_CATEGORIES
    for c in det.categories:
        assert c.descriptors == {code: text(c.name, code) for code in SPACED_LEVELS}


def test_category_rows_after_a_blank_row_that_cannot_be_read_are_a_doubt_saying_what_to_edit(
        tmp_path: Path) -> None:
    """A block under a blank row that does not go on with the matrix (a row of descriptors with
    no name) and is no table of its own: its named rows were dropped with exit 0."""
    rows = [LEVELS_ACROSS, across("Craft"), across("Delivery"), [],
            ["", *across("Scope")[1:]], across("Mentoring")]
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(save(rows, tmp_path / "s.xlsx")))
    assert "row 6 below a blank row under the matrix (from Ladder!A6, 'Mentoring') holds a " \
           "name and text under the levels but is" in str(e.value)
    assert "delete the blank row above them" in str(e.value)


def test_a_category_row_whose_texts_share_its_name_is_not_taken_for_the_header(
        tmp_path: Path) -> None:
    """Found by the property test (tests/test_import_layouts.py): the header 'Level 0'..'Level 4'
    over a group column, blank rows between the categories; the row 'Craft | Owns craft | Leads
    craft more' under a blank row was taken for a header of levels sharing the word 'craft',
    the categories above it dropped, exit 0."""
    def row(group: str, cat: str, verbs: str) -> list[str]:
        return [group, cat, *[f"{v} {cat.lower()}" + " more" * i
                              for i, v in enumerate(verbs.split())]]

    rows = [["Level", "", *[f"Level {i}" for i in range(5)]],
            row("Culture", "Business Impact", "Learns Owns Leads Shapes Guides"), [],
            row("Execution", "Craft", "Owns Leads Shapes Guides Drives"),
            row("Execution", "Collaboration", "Leads Shapes Guides Drives Sets"), [],
            row("Impact", "Product Impact", "Shapes Guides Drives Sets Defines"),
            row("People", "People Impact", "Guides Drives Sets Defines Builds")]
    path = save(rows, tmp_path / "g.xlsx")
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path))
    # refused for the group column under 'Level' (no word says it groups), offering it
    assert "Levels (5): L0 Level 0, L1 Level 1" in str(e.value)
    assert "--group-col A" in str(e.value)
    det = import_matrix(str(path), sheet="Ladder", levels_in="columns", explicit=explicit_options(
        "columns", header_row="1", levels="C:G", category="B", group="A"))
    assert [c.name for c in det.categories] == ["Business Impact", "Craft", "Collaboration",
                                                "Product Impact", "People Impact"]
    assert [g.name for g in det.groups] == ["Culture", "Execution", "Impact", "People"]


def group_over_categories(path: Path, categories: list[str], levels: list[str],
                          groups: list[str], brief: bool) -> Path:
    """Levels down column A under two label rows: 'Group' in A1 over the group names, and
    'Category' in A2 over the category names."""
    rows = [["Group", *groups], ["Category", *categories]] + [
        [code, *[f"{cat} {code}" if brief else text(cat, code) for cat in categories]]
        for code in levels]
    return save(rows, path)


@pytest.mark.parametrize("levels", [["L1", "L2"], ["S1", "S2", "S3"]])
def test_a_category_label_under_a_group_label_does_not_settle_the_orientation(
        tmp_path: Path, levels: list[str]) -> None:
    """Read with the levels across the columns, 'Category' in A2 was taken for the header of a
    column of category names, so the codes under it were names, not a sign of levels down
    the rows: the categories 'Junior skills', 'Senior skills', 'Staff skills' became the
    levels, exit 0. Under 'Group' it is a label of the row beside it, and settles nothing."""
    cats = ["Junior skills", "Senior skills", "Staff skills"]
    path = group_over_categories(tmp_path / "g.xlsx", cats, levels, ["Tech", "People", "Org"],
                                 brief=False)
    with pytest.raises(ImportDoubtful):
        import_matrix(str(path), levels_in="columns")
    # category names with seniority words beside codes: which holds the levels is a doubt
    # either way round, so the default import refuses, offering --levels-in
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path))
    assert "--levels-in" in str(e.value)
    det = import_matrix(str(path), sheet="Ladder", levels_in="rows")
    assert [lv.code for lv in det.levels] == levels
    assert [c.name for c in det.categories] == cats
    assert [g.name for g in det.groups] == ["Tech", "People", "Org"]


def test_a_line_headed_category_left_out_for_names_taken_from_the_group_line_is_a_doubt(
        tmp_path: Path) -> None:
    """Short descriptors, a different group over each category: the 'Group' row was read as
    the category names and the 'Category' row left out, exit 0."""
    cats = ["Senior Craft", "Senior Delivery", "Senior Scope", "Senior Mentoring"]
    path = group_over_categories(tmp_path / "g.xlsx", cats, ["L1", "L2"],
                                 ["Tech", "People", "Org", "Biz"], brief=True)
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(path))
    assert "row 2 ('Category', Ladder!A2) is left out while the category names are taken from " \
           "row 1 ('Group'): if row 2 holds the categories, import with --levels-in rows " \
           "--category-col 2 --group-col 1" in str(e.value)
    det = import_matrix(str(path), levels_in="rows", explicit=explicit_options(
        "rows", category="2", group="1"))
    assert [c.name for c in det.categories] == cats
    assert [g.name for g in det.groups] == ["Tech", "People", "Org", "Biz"]


ENGINEERS = ["Junior Engineer", "Senior Engineer", "Staff Engineer"]


def engineers_down(path: Path, corner: str) -> Path:
    """Levels named by seniority ('Junior Engineer', ...) down column A, categories named by
    codes ('C1', 'C2', 'C3') across row 1."""
    cats = ["C1", "C2", "C3"]
    return save([[corner, *cats]] + [[lv, *[text(c, lv) for c in cats]] for lv in ENGINEERS],
                path)


@pytest.mark.parametrize("corner", ["", "Category", "Skill"])
def test_codes_across_over_seniority_names_down_are_refused_as_either_reading(
        tmp_path: Path, corner: str) -> None:
    """Codes across ('C1'..'C3') were taken for the levels and 'Junior Engineer', 'Senior
    Engineer', 'Staff Engineer' down the rows for categories, exit 0: names of levels by
    their seniority words and shared word are a sign as strong as codes. Nothing says which
    line holds the levels, so both readings are doubtful and the import refuses, offering
    --levels-in."""
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(engineers_down(tmp_path / "e.xlsx", corner)))
    assert "the category names read as level names (Junior Engineer, Senior Engineer, Staff " \
           "Engineer)" in str(e.value)
    assert "--levels-in" in str(e.value)


def test_a_reading_doubting_its_orientation_gives_way_to_a_clean_other_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'Level' in A1 heads the column of levels: read down the rows the sheet has no doubt,
    read across it doubts its orientation. Even when the doubtful reading ranks first, the
    clean one is taken (with a note saying why)."""
    from sheetladder.importer import detect

    path = engineers_down(tmp_path / "e.xlsx", "Level")
    real = detect.score
    monkeypatch.setattr(detect, "score", lambda lay, det, dbt: real(lay, det, dbt)
                        + (0 if lay.view.transposed else 100))
    det = import_matrix(str(path))
    assert det.orientation == "rows"
    assert [lv.name for lv in det.levels] == ENGINEERS
    assert [c.name for c in det.categories] == ["C1", "C2", "C3"]
    assert any("the other reading doubted its orientation" in n.message for n in det.notes)


@pytest.mark.parametrize("mark", ["N/A", "n/a", "-", "—"])
def test_a_placeholder_mark_in_a_descriptor_cell_is_kept_as_typed(tmp_path: Path,
                                                                  mark: str) -> None:
    """As the shared corpus's ground truth has it (sourcegraph_ae_levels.xlsx: 'N/A' is the
    descriptor of a level that has none, as published): a mark typed in a cell is the
    source's text, kept verbatim and not marked drafted; only a blank cell becomes a
    placeholder marked drafted."""
    rows = [LEVELS_ACROSS, across("Craft"), across("Delivery"), across("Scope"),
            across("Mentoring")]
    rows[1][1] = mark
    rows[2][3] = ""
    det = import_matrix(str(save(rows, tmp_path / "p.xlsx")))
    craft, delivery = det.categories[0], det.categories[1]
    assert craft.descriptors["S1"] == mark
    assert "S1" not in craft.drafted and "S1" not in craft.empty
    assert "S3" in delivery.empty and "S3" in delivery.drafted
    assert [n.ref for n in det.empty_cells] == ["Ladder!D3"]
    ladder = load_text(definition_yaml(det, "p", default_name(det)), "<import>")
    assert ladder.categories[0].descriptor("S1").text == mark


def test_a_header_row_repeating_the_codes_above_it_is_a_category_row(tmp_path: Path) -> None:
    """Descriptors that carry a category code and a level name ('C1 Level 2') under a header
    'C1 | C2 | C3': the row 'Level 2 | C1 Level 2 | ...' read as a header of codes C1..C3 with
    one category 'Level 3', exit 0. The same codes on a row above make it doubtful."""
    cats, levels = ["C1", "C2", "C3"], ["Level 1", "Level 2", "Level 3"]
    rows = [["", *cats]] + [[lv, *[f"{c} {lv}" for c in cats]] for lv in levels]
    try:
        det = import_matrix(str(save(rows, tmp_path / "c.xlsx")))
    except ImportDoubtful:
        return
    assert [c.name for c in det.categories] in (cats, levels)
    assert len(det.categories) * len(det.levels) == 9


def test_ranked_seniority_names_down_beside_headers_sharing_lead_read_down_the_rows(
        tmp_path: Path) -> None:
    """Found by the property test: 'Category' in A1 over 'Lead Design', 'Lead Delivery'
    across, 'Intern', 'Junior Engineer' down. It was read with the levels across (the corner
    taken to head the column of categories), 'Intern' and 'Junior Engineer' made categories,
    exit 0. Names ranked by seniority ('Intern', 'Junior') read as levels where 'Lead', which
    may sit anywhere in a ladder, ranks nothing: the levels run down the rows."""
    cats = ["Lead Design", "Lead Delivery"]
    rows = [["Category", *cats]] + [[lv, *[text(c, lv) for c in cats]]
                                   for lv in ["Intern", "Junior Engineer"]]
    det = import_matrix(str(save(rows, tmp_path / "s.xlsx")))
    assert det.orientation == "rows"
    assert [lv.name for lv in det.levels] == ["Intern", "Junior Engineer"]
    assert [c.name for c in det.categories] == cats


def test_a_category_read_with_its_own_descriptors_as_a_header_of_levels_is_no_pattern(
        tmp_path: Path) -> None:
    """Found by the property test: levels down the rows with blank rows between, a group row
    over the categories. Seen the other way, the column 'Lead Delivery', 'Learns lead
    delivery', 'Owns lead delivery more' shares the category's words (and 'lead', a seniority
    word) and was taken for the levels, exit 0. A name with texts about it is no level
    header: refused, or read as laid out."""
    rows = [["Category", "Technical", "Impact", "People"],
            ["", "Lead Delivery", "Mentoring", "Lead Design"],
            ["Intern", "Learns lead delivery", "Owns mentoring", "Leads lead design"], [],
            ["Junior Engineer", "Owns lead delivery more", "Leads mentoring more",
             "Shapes lead design more"], [],
            ["Engineer", "Leads lead delivery more more", "Shapes mentoring more more",
             "Guides lead design more more"]]
    try:
        det = import_matrix(str(save(rows, tmp_path / "n.xlsx")))
    except ImportDoubtful:
        return
    assert [lv.name for lv in det.levels] == ["Intern", "Junior Engineer", "Engineer"]


def test_category_codes_across_over_level_names_ranked_down_are_refused(tmp_path: Path) -> None:
    """Found by the property test: 'C1'..'C4' across were taken for the levels and 'Intern',
    'Junior Engineer', 'Engineer' (ranked by seniority, in order) down for categories, exit 0."""
    cats = ["C1", "C2", "C3", "C4"]
    rows = [["Group", "Execution", "Execution", "Culture", "People"], ["Category", *cats]] + [
        [lv, *[text(c, lv) for c in cats]] for lv in ["Intern", "Junior Engineer", "Engineer"]]
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(save(rows, tmp_path / "c.xlsx")))
    assert "the category names read as level names (Intern, Junior Engineer, Engineer)" \
        in str(e.value)


def _coded_categories(heads: list[str], cats: list[str], names: list[str] | None,
                      corner: str, down: bool) -> list[list[str]]:
    """Level headers across (a line of level names under them when ``names``), categories
    named by codes down column A; turned on its side when ``down``."""
    rows = [[corner, *heads]] + ([["Name", *names]] if names else []) + [
        [c, *[text(c, h) for h in heads]] for c in cats]
    return [list(x) for x in zip(*rows, strict=True)] if down else rows


TOLD_APART = {
    # codes with names ranked by seniority (a line of names under the codes, or in one cell)
    "names-line": (["S0", "S1", "S2"], ["C1", "C2", "C3", "C4"], ["Intern", "Junior", "Senior"]),
    "code-and-name": (["S0 - Intern", "S1 - Junior Engineer", "S2 - Senior Engineer"],
                      ["C1", "C2", "C3"], None),
    # the word 'Level' with each number
    "level-word": (["Level 1", "Level 2", "Level 3"], ["C1", "C2", "C3"], None),
    # the categories named by a grouping word and a number
    "area-word": (["P1", "P2", "P3"], ["Area 1", "Area 2", "Area 3", "Area 4"], None),
    "area-word-names": (["Trainee", "Junior", "Senior"], ["Area 1", "Area 2"], None),
}


@pytest.mark.parametrize("down", [False, True], ids=["levels-across", "levels-down"])
@pytest.mark.parametrize("corner", ["", "Category", "Level"])
@pytest.mark.parametrize("case", sorted(TOLD_APART))
def test_category_codes_beside_levels_that_say_more_than_codes_import_as_laid_out(
        tmp_path: Path, case: str, corner: str, down: bool) -> None:
    """Found by the property test (a quarter of its layouts were refused, most of them
    these): category names counting up as codes do ('C1', 'Area 1') beside level headers were
    refused as 'which holds the levels cannot be told'. Level headers that say more than a
    code (names ranked by seniority beside the codes, the word 'Level'), or category names
    that are a grouping word and a number, tell the two lines apart: imported as laid out,
    either way round."""
    heads, cats, names = TOLD_APART[case]
    det = import_matrix(str(save(_coded_categories(heads, cats, names, corner, down),
                                 tmp_path / "c.xlsx")))
    assert det.orientation == ("rows" if down else "columns")
    assert [c.name for c in det.categories] == cats
    assert len(det.levels) == len(heads)
    if names:
        assert [lv.name for lv in det.levels] == names
    for c in det.categories:
        assert list(c.descriptors.values()) == [text(c.name, h) for h in heads]


@pytest.mark.parametrize("down", [False, True], ids=["levels-across", "levels-down"])
@pytest.mark.parametrize(("heads", "cats"), [
    (["S0", "S1", "S2"], ["C1", "C2", "C3"]),  # codes and codes: nothing tells them apart
    (["Level 1", "Level 2"], ["Level 3", "Level 4", "Level 5"]),  # level words on both lines
    (["Area 1", "Area 2", "Area 3"], ["Area 4", "Area 5"]),  # grouping words on both lines
    (["Level 1", "Level 2", "Level 3"], ["L1", "L2", "L3"]),  # codes of one kind on both
])
def test_category_codes_beside_levels_that_say_no_more_are_still_refused(
        tmp_path: Path, heads: list[str], cats: list[str], down: bool) -> None:
    with pytest.raises(ImportDoubtful):
        import_matrix(str(save(_coded_categories(heads, cats, None, "Category", down),
                               tmp_path / "c.xlsx")))



# Code.org's concept-difficulty matrix as its page shows an excerpt of it (code-dot-org/code-
# dot-org, pegasus/sites.v3/code.org/public/about/evaluation/proficiency.md at 5a9b0173c372):
# difficulty levels D1..D5 down the rows, concepts across, a '...' column for the concepts
# left out and '...' for the levels elided; each cell a lead line and lettered items
CODEORG_D1 = ["Students will be able to...\n\na) Add a single instruction at the end of a "
              "program\nb) Remove a block from existing instructions",
              "Students will be able to...\n\na) Move existing code into a loop with "
              "prompting\nb) Construct a simple (1-instruction) loop with prompting"]
CODEORG_D5 = ["Students will be able to...\n\na) Move or rearrange branching elements, or code "
              "within branching elements",
              "Students will be able to...\n\na) Use a single nested loop layer without "
              "prompting"]


def test_a_column_of_no_descriptors_read_as_a_group_title_is_named_in_the_refusal(
        tmp_path: Path) -> None:
    """The '...' column (a header, no descriptors) read down the rows as a group title with no
    categories refused the import with 'the levels found may be the wrong ones', naming no
    cell, while the advice said to correct the cells named. It names the cell now, and what
    to do with it."""
    rows = [["Difficulty Level", "Sequencing", "Repeat Loops", "..."],
            ["D1", *CODEORG_D1, ""], ["D3", "...", "...", ""], ["D5", *CODEORG_D5, ""]]
    with pytest.raises(ImportDoubtful) as e:
        import_matrix(str(save(rows, tmp_path / "c.xlsx")))
    assert "1 column with no descriptors under the levels found (Ladder!D1 '...') was read " \
           "as a group title without categories" in str(e.value)
    assert "write its descriptors, and if it is no part of the ladder, delete it" in str(e.value)
    # with the '...' column deleted, the excerpt is read as laid out, '...' kept as typed
    det = import_matrix(str(save([r[:3] for r in rows], tmp_path / "d.xlsx")))
    assert det.orientation == "rows"
    assert [lv.code for lv in det.levels] == ["D1", "D3", "D5"]
    assert [c.name for c in det.categories] == ["Sequencing", "Repeat Loops"]
    for i, c in enumerate(det.categories):
        assert [c.descriptors[x] for x in ("D1", "D3", "D5")] == [
            CODEORG_D1[i], "...", CODEORG_D5[i]]


# A core engineering progression kept as a sheet per skill (hanfak/topics-to-learn, career/
# learning/company1/core-eng-progression.md at c8a2542689ec): levels '0 - None' to
# '5 - Evangelise', a description of each skill, the criteria of a level one a line
PROGRESSION_LEVELS = ["1 - Understand", "2 - Follow", "3 - Practice", "4 - Drive/Lead",
                      "5 - Evangelise"]
PROGRESSION = {
    "Testing": ("Testing the right things in the right way using the relevant tools.", [
        "I know the basics of what this is and why it's important but have not had much "
        "practical experience.",
        "Ability to work on test automation following the conventions in place\nAble to write "
        "tests first and understand the value it gives",
        "Understand the test pyramid, and which testing frameworks to use for each level of "
        "testing\nKeep test run fast to provide quick feedback",
        "Know what to test, and the value of not testing.\nMentor teams and individuals",
        "I Influence and evangelise both within the company and publicly."]),
    "Security": ("The build and maintenance of systems supporting our security requirements.", [
        "I know the basics of what this is and why it's important but have not had much "
        "practical experience.",
        "Develop systems that follow current security practices.\nAwareness of OWASP and how "
        "it aids development",
        "Engage with external teams & fix any issues (i.e. pen-testing).\nFix security issues.",
        "Define & deliver architectures that address security.\nDecide overall security "
        "strategy.",
        "I Influence and evangelise both within the company and publicly."]),
}


def test_levels_named_by_a_number_and_a_name_are_read_as_numbered_levels(
        tmp_path: Path) -> None:
    """'1 - Understand', '2 - Follow' … '5 - Evangelise' read as names sharing no pattern, so
    the sheet was refused with its best guess read the other way round (the skills as levels)
    and that guess's command offered. A number and a name count up as codes do: L1..L5, each
    named as typed after its number."""
    rows = [["Skill", "Description", *PROGRESSION_LEVELS]] + [
        [name, purpose, *descs] for name, (purpose, descs) in PROGRESSION.items()]
    det = import_matrix(str(save(rows, tmp_path / "p.xlsx")))
    assert det.orientation == "columns"
    assert [(lv.code, lv.name) for lv in det.levels] == [
        ("L1", "Understand"), ("L2", "Follow"), ("L3", "Practice"), ("L4", "Drive/Lead"),
        ("L5", "Evangelise")]
    for c in det.categories:
        purpose, descs = PROGRESSION[c.name]
        assert c.purpose == purpose
        assert [c.descriptors[f"L{i}"] for i in range(1, 6)] == descs
    # the source's level '0 - None' holds no criteria: a level without descriptors, refused
    with pytest.raises(ImportDoubtful, match="level 'None' has descriptors for only 0 of 2"):
        import_matrix(str(save([r[:2] + ["0 - None" if i == 0 else ""] + r[2:]
                                for i, r in enumerate(rows)], tmp_path / "q.xlsx")))


@pytest.mark.parametrize("text", ["0-2 years", "1 - 2 years", "12", "1.5"])
def test_a_range_or_a_number_alone_is_no_number_and_name(text: str) -> None:
    from sheetladder.importer.detect import parse_level_header

    got = parse_level_header(text)
    assert got is None or got == (f"L{int(text)}", f"Level {int(text)}")


def _desc(cat: str, code: str) -> str:
    return f"At {code}, works on {cat.lower()} with a wider scope and less help than before"


STACKED = {
    # a table read down the rows over one read across: the first was read across (its
    # category codes C1, C2 taken for levels) and took the second's rows as categories
    "down-over-across": (
        [["Category", "", "C1", "C2"]]
        + [[code, name, _desc("C1", code), _desc("C2", code)]
           for code, name in [("S0", "Intern"), ("S1", "Junior Engineer"), ("S2", "Engineer")]]
        + [[], ["Category", "S0", "S1"], ["C1", "Learns c1: x one", "Owns c1 more"],
           ["C2", "Owns c2: y", "Leads c2 more"]],
        ["C1", "C2"]),
    # a second header naming one more level ('S0 | S1 | S2' under 'S0 | S1') was read as the
    # first header repeated, its rows taken into the first table, their S2 dropped
    "one-more-level": (
        [["Category", "S0", "S1"], ["C1", _desc("C1", "S0"), _desc("C1", "S1")],
         ["C2", _desc("C2", "S0"), _desc("C2", "S1")], [],
         ["Category", "S0", "S1", "S2"],
         ["Area 1", *[_desc("Area 1", c) for c in ("S0", "S1", "S2")]],
         ["Area 2", *[_desc("Area 2", c) for c in ("S0", "S1", "S2")]]],
        ["C1", "C2"]),
    # another word over the names ('Category' under 'Level'): a header of its own
    "another-corner": (
        [["Level", "L0", "L1"], ["C1", _desc("C1", "L0"), _desc("C1", "L1")],
         ["C2", _desc("C2", "L0"), _desc("C2", "L1")], [],
         ["Category", "L0", "L1"], ["Area 1", _desc("Area 1", "L0"), _desc("Area 1", "L1")],
         ["Area 2", _desc("Area 2", "L0"), _desc("Area 2", "L1")]],
        ["C1", "C2"]),
    # labels where the first table has descriptors: another table (levels down the rows)
    "labels-below": (
        [["Category", "", "S0", "S1", "S2"]]
        + [[g, c, *[_desc(c, x) for x in ("S0", "S1", "S2")]]
           for g, c in [("Technical", "C1"), ("Impact", "C2")]]
        + [[], ["", "Craft", "Scope", "Delivery", "Mentoring"],
           ["S0", "Learns craft", "Owns scope", "Leads delivery", "Shapes mentoring"],
           ["S1", "Owns craft more", "Leads scope more", "Shapes delivery", "Guides mentoring"]],
        ["C1", "C2"]),
}


@pytest.mark.parametrize("case", sorted(STACKED))
def test_a_table_stacked_under_another_is_not_read_as_its_rows(tmp_path: Path,
                                                                  case: str) -> None:
    """Found by the stacked-layouts property: the first table's reading went on across the
    blank row into the second table, whose header and rows became its categories, exit 0.
    The first table is read alone (or refused); never with the second's rows."""
    rows, cats = STACKED[case]
    path = save(rows, tmp_path / "s.xlsx")
    try:
        det = import_matrix(str(path), explicit=Explicit(table=1))
    except ImportDoubtful:
        return
    assert [c.name for c in det.categories] == cats


CODED_SUPPORT = [
    ["Competency", "Junior Engineer", "Mid-level Engineer", "Senior Engineer", "Lead Engineer"],
    ["Support", "Tier 1 support", "Tier 2 support", "Tier 3 support", "Tier 4 support"],
    ["Technical skill", "Writes code with guidance", "Writes clean code alone", "Designs systems",
     "Sets technical direction"],
    ["Delivery", "Ships small tasks", "Ships features", "Ships projects", "Ships programmes"]]


def test_a_category_whose_descriptors_count_up_as_codes_stays_under_the_header_above_it() -> None:
    """'Support | Tier 1 support | Tier 2 support …' under 'Competency | Junior Engineer …' was
    read as the header (levels T1..T4 named 'support'), the real header and the category Support
    lost, with exit 0."""
    det = detect(Table.from_rows("Ladder", CODED_SUPPORT))
    assert det.header_ref == "Ladder!B1:E1"
    assert [lv.name for lv in det.levels] == CODED_SUPPORT[0][1:]
    assert {c.name: list(c.descriptors.values()) for c in det.categories} == {
        row[0]: row[1:] for row in CODED_SUPPORT[1:]}


def test_a_coded_row_under_a_header_of_level_names_that_does_not_name_itself_is_refused() -> None:
    # 'On-call' over 'Tier 1 support': a category or the header, the cells cannot tell; the
    # header above, 'Competency' over level names, is named
    rows = [list(r) for r in CODED_SUPPORT]
    rows[1][0] = "On-call"
    with pytest.raises(ImportDoubtful) as e:
        detect(Table.from_rows("Ladder", rows))
    assert "row 1 above the header reads as a header ('Competency' over levels named Junior " \
           "Engineer, Mid-level Engineer, Senior Engineer, Lead Engineer), where the header " \
           "found has 'On-call', a category's name: the header may be there" in str(e.value)


TITLED_ROWS = [
    ["Level", "Title", "Technical Skill", "Get Stuff Done", "Impact", "Communication"],
    ["1", "Engineer 1", "Writes tested code", "Productive in one area", "Own tasks",
     "Reports status"],
    ["2", "Engineer 2", "Writes clean code", "Commits to estimates", "Project team",
     "Clear in the team"],
    ["3", "Senior Engineer", "Designs small systems", "Leads small projects", "Across teams",
     "Mentors"]]


@pytest.mark.parametrize("merged", [True, False])
def test_a_banner_above_a_level_and_title_column_is_the_ladders_name_not_a_group(
        merged: bool) -> None:
    """'Rent the Runway Engineering Ladder' merged across A1:F1 over 'Level | Title | Technical
    Skill …', levels down the rows: it was written as a group holding a category 'Title' (the
    titles its descriptors) and levels 'Level 1..3', with exit 0. The banner names the ladder;
    the Title column names the levels, their codes from the Level column."""
    rows = [["Rent the Runway Engineering Ladder", "", "", "", "", ""], *TITLED_ROWS]
    det = detect(Table.from_rows("Sheet", rows, [(0, 0, 0, 5)] if merged else []))
    assert det.orientation == "rows"
    assert det.title == "Rent the Runway Engineering Ladder"
    assert [(lv.code, lv.name) for lv in det.levels] == [
        ("L1", "Engineer 1"), ("L2", "Engineer 2"), ("L3", "Senior Engineer")]
    assert [g.name for g in det.groups] == ["Categories"]
    assert {c.name: list(c.descriptors.values()) for c in det.categories} == {
        TITLED_ROWS[0][i]: [r[i] for r in TITLED_ROWS[1:]] for i in range(2, 6)}


def test_a_second_banner_above_a_level_column_is_a_note_not_a_group() -> None:
    rows = [["Engineering Ladder", "", "", "", "", ""],
            ["Last updated 2019. Levels are cumulative.", "", "", "", "", ""], *TITLED_ROWS]
    det = detect(Table.from_rows("Sheet", rows, [(0, 0, 0, 5), (1, 0, 1, 5)]))
    assert det.title == "Engineering Ladder"
    assert [g.name for g in det.groups] == ["Categories"]
    assert [lv.name for lv in det.levels] == ["Engineer 1", "Engineer 2", "Senior Engineer"]
    assert "Sheet!A2: text above the matrix ignored: 'Last updated 2019. Levels are " \
           "cumulative.'" in [str(n) for n in det.notes]


NAMES_OVER_CODES = [
    ["Title", "Software Engineer I", "Software Engineer II", "Senior Engineer", "Staff Engineer"],
    ["Level", "IC1", "IC2", "IC3", "IC4"],
    *[[c, f"{c}: own tasks", f"{c}: features", f"{c}: projects", f"{c}: several teams"]
      for c in ["Results", "Direction", "Craft"]]]


@pytest.mark.parametrize("transposed", [False, True])
def test_a_title_row_above_a_row_of_codes_names_the_levels(transposed: bool) -> None:
    """'Title | Software Engineer I …' over 'Level | IC1 …': the levels were written named by
    their codes and the names row became the ladder's name, with exit 0. The names row above
    the codes names the levels, as one under them does."""
    rows = [list(r) for r in zip(*NAMES_OVER_CODES, strict=True)] if transposed \
        else NAMES_OVER_CODES
    det = detect(Table.from_rows("Sheet", rows))
    assert det.orientation == ("rows" if transposed else "columns")
    assert det.header_ref == ("Sheet!A2:B5" if transposed else "Sheet!B1:E2")
    assert det.title is None
    assert [(lv.code, lv.name) for lv in det.levels] == list(zip(
        NAMES_OVER_CODES[1][1:], NAMES_OVER_CODES[0][1:], strict=True))
    assert {c.name: list(c.descriptors.values()) for c in det.categories} == {
        r[0]: r[1:] for r in NAMES_OVER_CODES[2:]}


GERMAN_ROWS = [
    ["Akquise", "Führt Kaltakquise nach Leitfaden", "Qualifiziert Leads selbstständig",
     "Baut eigene Pipeline auf"],
    ["Verhandlung", "Verhandelt mit Unterstützung", "Verhandelt allein",
     "Verhandelt komplexe Deals"],
    ["Abschluss", "Schließt mit Hilfe ab", "Schließt allein ab", "Schließt die schwersten Deals"]]


@pytest.mark.parametrize(("heads", "names"), [
    (["Level 1 – Beginner", "Level 2 – Advanced", "Level 3 – Expert"],
     ["Beginner", "Advanced", "Expert"]),
    (["Stufe 1 – Einsteiger", "Stufe 2 – Fortgeschritten", "Stufe 3 – Experte"],
     ["Einsteiger", "Fortgeschritten", "Experte"]),
    (["Niveau 1 – Débutant", "Niveau 2 – Intermédiaire", "Niveau 3 – Expert"],
     ["Débutant", "Intermédiaire", "Expert"]),
    (["Nivel 1 - Principiante", "Nivel 2 - Intermedio", "Nivel 3 - Experto"],
     ["Principiante", "Intermedio", "Experto"]),
    (["Stufe 1", "Stufe 2", "Stufe 3"], ["Stufe 1", "Stufe 2", "Stufe 3"])])
def test_a_level_word_in_another_language_before_a_counting_number_names_levels(
        heads: list[str], names: list[str]) -> None:
    """'Stufe 1 – Einsteiger', 'Niveau 1 – Débutant' were refused as names of 'different things
    … each has words of its own' while 'Level 1 – Beginner' imported: a word every header shares
    before a number counting up is the level word, whatever the language."""
    det = detect(Table.from_rows("S", [["Kompetenz", *heads], *GERMAN_ROWS]))
    assert [(lv.code, lv.name) for lv in det.levels] == list(zip(
        ["L1", "L2", "L3"], names, strict=True))
    assert {c.name: list(c.descriptors.values()) for c in det.categories} == {
        r[0]: r[1:] for r in GERMAN_ROWS}


def test_a_translated_level_word_counting_down_is_read_lowest_first() -> None:
    heads = ["Stufe 3 – Experte", "Stufe 2 – Fortgeschritten", "Stufe 1 – Einsteiger"]
    det = detect(Table.from_rows("S", [["Kompetenz", *heads], *GERMAN_ROWS]))
    assert [(lv.code, lv.name) for lv in det.levels] == [
        ("L1", "Einsteiger"), ("L2", "Fortgeschritten"), ("L3", "Experte")]
    assert {c.name: list(c.descriptors.values()) for c in det.categories} == {
        r[0]: r[1:][::-1] for r in GERMAN_ROWS}


def test_a_translated_level_word_out_of_order_is_still_refused() -> None:
    heads = ["Stufe 1 – Einsteiger", "Stufe 3 – Experte", "Stufe 2 – Fortgeschritten"]
    with pytest.raises(ImportDoubtful):
        detect(Table.from_rows("S", [["Kompetenz", *heads], *GERMAN_ROWS]))


def test_names_of_which_two_are_a_word_and_a_number_are_not_cut_to_those_two() -> None:
    # 'Engineer 1', 'Engineer 2' over 'Senior Engineer 1' …: no level word, a slice of the names
    names = ["Engineer 1", "Engineer 2", "Senior Engineer 1", "Senior Engineer 2",
             "Staff Engineer 1", "Principal Engineer"]
    rows = [["Title", "Technical Skill", "Impact"],
            *[[n, f"Designs systems for {k} teams", f"Moves results of {k} quarters"]
              for k, n in enumerate(names, start=1)]]
    det = detect(Table.from_rows("S", rows))
    assert [lv.name for lv in det.levels] == names
    assert [c.name for c in det.categories] == ["Technical Skill", "Impact"]
