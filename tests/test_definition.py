"""Definitions: the bundled ladders, the schema, and precise FILE:LINE:COL errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.definition import DefinitionError, json_schema, load, load_text, schema_text

from .conftest import DEFINITIONS, SMALL

SALES_GROUPS = {
    "Hard Skills": [
        "Product Knowledge", "Client Delivery", "Sales Techniques", "Self Lead Generation",
        "CRM and Other Tools", "Internal Wiki Knowledge", "Risk Assessment", "Independence Level",
    ],
    "Soft Skills": [
        "Communication Skills", "Time Management", "Adaptability", "Result-Oriented",
        "Problem-Solving", "Motivation",
    ],
    "Development and Collaboration": [
        "Involvement", "Conflict Solving", "Self-Education Approach", "Coaching/Training",
    ],
}
SEED_DESCRIBED = {
    "Product Knowledge", "Client Delivery", "CRM and Other Tools", "Risk Assessment",
    "Independence Level", "Time Management", "Adaptability", "Involvement",
}


def test_bundled_definitions_validate_with_exit_zero():
    files = sorted(str(p) for p in DEFINITIONS.glob("*.yaml"))
    assert len(files) == 3
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 0, result.output


def test_sales_ladder_has_seed_levels_groups_and_a_descriptor_everywhere(sales):
    assert [(lv.code, lv.name) for lv in sales.levels] == [
        ("S1", "Junior Sales Executive"), ("S2", "Junior Sales Executive"),
        ("S3", "Mid Sales Executive"), ("S4", "Mid Sales Executive"),
        ("S5", "Senior Sales Executive"), ("S6", "Team Leader"), ("S7", "Head of Sales"),
    ]
    assert {g.name: [c.name for c in g.categories] for g in sales.groups} == SALES_GROUPS
    assert [len(g.categories) for g in sales.groups] == [8, 6, 4]
    for c in sales.categories:
        assert c.weight == 1
        assert set(c.descriptors) == set(sales.codes)
        drafted = {c.descriptor(code).drafted for code in sales.codes}
        # the eight categories the seed describes are restated; the other ten are drafted
        assert drafted == ({False} if c.name in SEED_DESCRIBED else {True}), c.name
    assert [r.id for r in sales.raters] == ["self", "manager", "peer"]


def test_generic_ladder_has_six_levels_titles_and_promotion_criteria():
    ladder = load(DEFINITIONS / "sales-levels-l1-l6.yaml")
    assert [lv.name for lv in ladder.levels] == [
        "Entry", "Junior", "Contributor", "Senior", "Advanced", "Expert"]
    titles = [t for lv in ladder.levels for t in lv.titles]
    for title in ("Sales Development Representative", "Chief Revenue Officer"):
        assert any(title in t for t in titles), title
    assert len(ladder.promotion_criteria) == 4


def test_engineering_ladder_has_eight_levels_and_seven_drafted_parameters():
    ladder = load(DEFINITIONS / "engineering-e1-e8.yaml")
    assert ladder.codes == tuple(f"E{i}" for i in range(1, 9))
    assert sorted(c.name for c in ladder.categories) == sorted([
        "Expertise", "Engineering Culture", "Autonomy", "Communication", "Agile Mindset",
        "Business Orientation", "Self-learning and Teaching Others"])
    assert all(c.descriptor(code).drafted for c in ladder.categories for code in ladder.codes)


def test_bundled_files_point_editors_at_the_schema():
    for p in DEFINITIONS.glob("*.yaml"):
        assert p.read_text(encoding="utf-8").splitlines()[0] == \
            "# yaml-language-server: $schema=schema.json"


def test_committed_schema_matches_the_models():
    committed = (DEFINITIONS / "schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: sheetladder schema -o definitions/schema.json --force"
    assert json.loads(committed)["additionalProperties"] is False
    assert "levels" in json_schema()["required"]


def _problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        load_text(text, "bad.yaml")
    return [str(p) for p in exc.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_misspelled_key_names_its_line():
    text = SMALL.replace("weight: 2", "wieght: 2")
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith(f"bad.yaml:{_line_of(text, 'wieght')}:")
    assert "unknown key 'wieght'" in problems[0]


def test_descriptor_for_unknown_level_names_its_line():
    text = SMALL.replace("a three}", "a three, L9: nine}")
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith(f"bad.yaml:{_line_of(text, 'L9: nine')}:")
    assert "unknown level 'L9'" in problems[0]


def test_duplicate_category_id_names_the_second_one():
    text = SMALL.replace("{id: b, name: Beta", "{id: a, name: Beta")
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith(f"bad.yaml:{_line_of(text, 'name: Beta')}:")
    assert "duplicate category id 'a'" in problems[0]


@pytest.mark.parametrize("twin", ["Alpha", "ALPHA ", "Al\u200bpha", "Al\u00adpha"])
def test_two_categories_of_one_name_are_refused_naming_the_second(twin: str):
    """The matrix and every export show a category by its name; case, spacing and characters
    that do not show make no second name. Levels may share a name (a title spanning two)."""
    text = SMALL.replace("name: Beta", f"name: {twin}")
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith(f"bad.yaml:{_line_of(text, 'id: b, name:')}:")
    assert "is also the name of category 'a'" in problems[0]


def test_a_ladder_embedded_before_names_had_to_differ_still_loads():
    """A workbook filled on a ladder with two categories of one name (valid when it was
    rendered) must stay readable: only a definition file is held to distinct names."""
    from sheetladder.definition import Ladder, from_json, load_text

    text = SMALL.replace("name: Beta", "name: Alpha")
    data = json.loads(load_text(SMALL, "ok.yaml").model_dump_json())
    data["groups"][0]["categories"][1]["name"] = "Alpha"
    ladder = from_json(json.dumps(data))
    assert [c.name for c in ladder.categories][:2] == ["Alpha", "Alpha"]
    assert Ladder.model_validate(data).categories[1].name == "Alpha"
    assert _problems(text)  # the same, as a definition file: refused
    # ... but trusted, to read the workbooks made on it (collect --ladders)
    import tempfile

    from sheetladder.results.trust import TrustedLadders

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "old.yaml").write_text(text, encoding="utf-8")
        trusted = TrustedLadders.from_paths([str(Path(d) / "old.yaml")])
        assert trusted.judge(load(Path(d) / "old.yaml", authoring=False)).verdict == "trusted"


def test_a_text_with_a_colon_is_told_to_be_quoted_and_a_spreadsheet_to_be_imported(tmp_path):
    bad = tmp_path / "colon.yaml"
    bad.write_text("id: t\nname: T\nversion: '1'\nlevels:\n  - code: L1\n    name: Does: things\n",
                   encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:6:15: YAML syntax error: mapping values are not allowed here; a text " \
           "holding ': ' (a colon and a space) must be in quotes" in res.output
    xlsx = tmp_path / "ladder.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + bytes(range(128, 256)))
    res = CliRunner().invoke(main, ["validate", str(xlsx)])
    assert res.exit_code == 1 and "a spreadsheet, not a definition" in res.output
    assert "sheetladder import" in res.output


def test_yaml_syntax_error_gives_line_and_column():
    text = SMALL.replace("name: Small ladder", "name: [Small ladder")
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith("bad.yaml:")
    assert "YAML syntax error" in problems[0]
    line = int(problems[0].split(":")[1])
    assert line >= _line_of(text, "[Small ladder")


@pytest.mark.parametrize("edit, message", [
    (("weight: 2", "weight: 0"), "weight must be positive"),
    (("levels:", "scoring: {thresholds: [3, 2, 9]}\nlevels:"), "thresholds must increase"),
    (("levels:", "scoring: {points: [1, 2]}\nlevels:"), "points has 2 entries"),
    (("levels:", "scoring: {gates: [{level: L2, category: zz, min_level: L1}]}\nlevels:"),
     "gate on unknown category 'zz'"),
    (("a two, L3", "a two, L2"), "duplicate"),
])
def test_cross_checks_are_reported(edit, message):
    problems = _problems(SMALL.replace(*edit))
    assert any(message in p for p in problems), problems


def test_validate_command_prints_located_problems_and_exits_one(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("weight: 2", "wieght: 2"), encoding="utf-8")
    good = DEFINITIONS / "sales-s1-s7.yaml"
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{_line_of(bad.read_text(), 'wieght')}:" in result.output
    assert "Traceback" not in result.output


def test_validate_reports_a_missing_file_without_traceback(tmp_path: Path):
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml:1:1: no such file" in result.output


def test_new_scaffolds_a_definition_that_validates(tmp_path: Path):
    out = tmp_path / "support.yaml"
    args = ["new", str(out), "--id", "support", "--name", "Support ladder",
            "--levels", "T1=Agent,T2=Senior Agent,T3=Lead",
            "--group", "Craft: Product, Tooling", "--group", "People: Coaching"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    ladder = load(out)
    assert ladder.codes == ("T1", "T2", "T3")
    assert [c.name for c in ladder.categories] == ["Product", "Tooling", "Coaching"]
    assert out.read_text().startswith("# yaml-language-server: $schema=schema.json")
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_canonical_hash_is_stable_and_content_sensitive(small):
    again = load_text(SMALL, "other-name.yaml")
    assert small.content_hash() == again.content_hash()
    changed = load_text(SMALL.replace("a one", "a first"), "x.yaml")
    assert changed.content_hash() != small.content_hash()


def test_text_longer_than_a_cell_can_hold_safely_is_refused():
    problems = _problems(SMALL.replace("a two,", "a two" + "x" * 10001 + ","))
    line = _line_of(SMALL, "a two,")
    col = SMALL.splitlines()[line - 1].index("L2:") + 1  # the key of the offending value
    assert problems == [f"bad.yaml:{line}:{col}: "
                        "groups.0.categories.0.descriptors.L2: "
                        "String should have at most 10000 characters"]


def test_level_codes_too_long_for_a_dropdown_are_refused():
    levels = "".join(f"  - {{code: Level{i:05d}, name: N{i}}}\n" for i in range(24))
    text = SMALL.split("levels:")[0] + "levels:\n" + levels + "groups:" + SMALL.split("groups:")[1]
    problems = _problems(text)
    assert any("too long for a spreadsheet dropdown" in p for p in problems), problems


@pytest.mark.parametrize("edit, message", [
    (("levels:", 'raters: [{id: self, name: "Team lead / Manager"}]\nlevels:'),
     "names a tab, which cannot hold /"),
    (("levels:", "scoring: {points: [1, .inf, 5]}\nlevels:"), "finite number"),
    (("levels:", "scoring: {thresholds: [0, 3, 5]}\nlevels:"), "thresholds must be positive"),
])
def test_values_that_would_break_a_workbook_are_refused_with_their_line(edit, message):
    problems = _problems(SMALL.replace(*edit))
    assert any(message in p and p.startswith("bad.yaml:4:") for p in problems), problems


def test_schema_and_new_never_replace_a_file_without_force(tmp_path: Path):
    keep = tmp_path / "keep.json"
    keep.write_text("mine")
    res = CliRunner().invoke(main, ["schema", "-o", str(keep)])
    assert res.exit_code == 1 and "already exists" in res.output
    assert keep.read_text() == "mine"
    assert CliRunner().invoke(main, ["schema", "-o", str(keep), "--force"]).exit_code == 0
    assert keep.read_text() == schema_text()


def test_new_with_an_invalid_id_writes_nothing(tmp_path: Path):
    out = tmp_path / "x.yaml"
    res = CliRunner().invoke(main, ["new", str(out), "--id", "Bad Id", "--name", "X",
                                    "--levels", "A=One", "--group", "G: C"])
    assert res.exit_code == 1 and "id" in res.output
    assert not out.exists()


def test_derived_views_are_left_out_of_equality_and_recomputed_after_a_copy_with_changes():
    """Ladders keep their derived views (codes, thresholds, canonical JSON...) once computed;
    a warm ladder still equals a cold one, and a copy with other levels derives afresh."""
    warm = load_text(SMALL, "small.yaml")
    cold = load_text(SMALL, "small.yaml")
    before = (warm.codes, warm.level_thresholds(), warm.canonical_json(), warm.content_hash())
    assert warm == cold and warm.model_dump() == cold.model_dump()
    assert before[2] == cold.canonical_json() and before[3] == cold.content_hash()
    levels = [lv.model_copy(update={"code": "Z" + lv.code}) for lv in warm.levels]
    changed = warm.model_copy(update={"levels": levels})
    assert changed.codes == tuple("Z" + code for code in before[0])
    assert changed.canonical_json() != before[2] and changed.content_hash() != before[3]
    cat = warm.categories[0]
    drafted = cat.model_copy(update={"drafted": True})
    assert not cat.drafted and cat.descriptor(warm.codes[0]).drafted is False
    assert drafted.descriptor(warm.codes[0]).drafted is True
    assert warm.codes == before[0]  # the original is untouched
