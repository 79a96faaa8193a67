"""One answer for every rating: what ``read`` accepts, the workbook's own formulas compute alike.

Random rating texts (level codes in any case and spacing, bare numbers typed as numbers or as
text, out-of-range codes, level names, wildcards and other near misses) are typed into rendered
workbooks through LibreOffice's UNO API, which recalculates and saves them. Then, cell by cell,
the workbook's level number is what ``read`` reads (a level, a blank, or an error where read
refuses the cell), and every figure of every tab without a refused rating, the Summary
included, is what the report gives. Several workbooks go through one LibreOffice run.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sheetladder.a1 import a1
from sheetladder.context import make_context
from sheetladder.definition import Ladder, load
from sheetladder.plan import C_LEVELNO, C_RATING, R_FIRST, build_plan
from sheetladder.results.read import read_path
from sheetladder.xlsx.read import open_xlsx
from sheetladder.xlsx.write import to_bytes

from .conftest import DEFINITIONS
from .libreoffice import edit_in_libreoffice

SALES: Ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
CODES = SALES.codes
RATERS = [("self", None, None), ("manager", "Bo Chen", None), ("peer", None, None),
          ("peer", None, None)]

_spaces = st.text(alphabet=" ", max_size=3)


@st.composite
def _code_typed(draw: st.DrawFn) -> tuple[str, object]:
    code = draw(st.sampled_from(CODES))
    cased = "".join(ch.lower() if draw(st.booleans()) else ch for ch in code)
    return "text", draw(_spaces) + cased + draw(_spaces)


_accepted = st.one_of(_code_typed(), st.just(("text", "")), st.tuples(st.just("text"), _spaces))
_near_misses = st.one_of(
    st.tuples(st.just("number"), st.integers(-1, 9).map(float)),  # a bare number
    st.tuples(st.just("number"), st.sampled_from([3.5, 1e20])),
    st.tuples(st.just("text"), st.integers(0, 12).map(str)),  # a number typed as text
    st.tuples(st.just("text"), st.sampled_from(
        ["S0", "S8", "s9", "S10", "S 3", "S3.", "SS3", "S?", "S*", "*", "?3", "~S3", ".*", "S.",
         "S[1-3]", "\u00a0S3", "S3\u00a0", "S3\t", "\tS2", "Mid Sales Executive",
         "S3 Mid Sales Executive", "ſ3", "Ｓ3", "S3 S3", "s1s"])),
)
_any = st.one_of(_accepted, _accepted, _near_misses)


def _ops(ladder: Ladder, tabs: list[str], typed: list[tuple[str, object]]) -> list[list[object]]:
    ops: list[list[object]] = []
    n = len(ladder.categories)
    for k, (kind, value) in enumerate(typed):
        tab, i = tabs[k // n], k % n
        ops.append([kind, tab, a1(R_FIRST + i, C_RATING), value])
    return ops


def _same(want: object, got: object, error: str | None) -> bool:
    if error is not None:
        return False
    if want in (None, "") or got in (None, ""):
        return want in (None, "") and got in (None, "")
    if isinstance(want, bool) or isinstance(got, bool):
        return want == got
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(float(want), float(got), rel_tol=1e-9, abs_tol=1e-9)
    return str(want) == str(got)


# No shrinking: each example is a LibreOffice run; the assertion names the cell and the text.
@settings(max_examples=3, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(batch=st.lists(st.one_of(
    st.lists(_accepted, min_size=72, max_size=72),  # a workbook read can take whole
    st.lists(_any, min_size=72, max_size=72)), min_size=3, max_size=3))
def test_every_rating_text_gives_the_workbook_and_read_one_answer(tmp_path_factory, batch) -> None:
    tmp = tmp_path_factory.mktemp("typed")
    ctx = make_context(SALES, "Ann Example", "2026-Q4", RATERS)
    tabs = ctx.tabs()
    blank = tmp / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(SALES, ctx)))
    jobs = [(blank, tmp / f"typed{i}.xlsx", _ops(SALES, tabs, typed)) for i, typed in enumerate(batch)]
    edit_in_libreoffice(jobs, tmp)
    n = len(SALES.categories)
    for (_, out, _), typed in zip(jobs, batch, strict=True):
        report = read_path(out)
        grid = open_xlsx(out)
        refused = {(f.sheet, f.cell) for f in report.findings if f.severity == "error"}
        levels = {i.tab: i.levels for i in report.inputs}
        bad_tabs: set[str] = set()
        for k, (_, value) in enumerate(typed):
            tab, i = tabs[k // n], k % n
            cat = SALES.categories[i].id
            where = a1(R_FIRST + i, C_RATING)
            cell = grid.sheets[tab].get(R_FIRST + i, C_LEVELNO)
            if (tab, where) in refused:
                bad_tabs.add(tab)
                assert cell.error is not None, (tab, where, value, cell)
                continue
            lv = levels[tab].get(cat)
            if lv is None:
                assert cell.error is None and cell.value in (None, ""), (tab, where, value, cell)
            else:
                assert cell.error is None and cell.value == lv, (tab, where, value, cell, lv)
        # every figure of the tabs read took whole is what the report gives
        plan = build_plan(SALES, ctx, ratings=levels)
        for sp in plan.sheets:
            if sp.role == "meta" or sp.name in bad_tabs or (sp.role == "summary" and bad_tabs):
                continue
            sg = grid.sheets[sp.name]
            for c in sp.cells:
                if c.kind != "formula":
                    continue
                got = sg.get(c.row, c.col)
                assert _same(c.value, got.value, got.error), (sp.name, a1(c.row, c.col), c.value,
                                                              got.value, got.error)
        assert report.ok == (not bad_tabs), [str(f) for f in report.findings]
        if not bad_tabs:
            assert not [f for f in report.findings if "stored formula" in f.message]


@pytest.mark.parametrize("text", ["3", " 3 ", "Mid Sales Executive", "S3\u00a0", "S?"])
def test_read_refuses_what_the_workbook_cannot_compute(text: str) -> None:
    from sheetladder.verify.ratings import parse_rating

    assert parse_rating(text, SALES).status == "invalid"
    assert parse_rating(3.0, SALES).status == "invalid"


@pytest.mark.parametrize("text,shown", [("S3\u00a0", "S3\\u00a0"), ("S\u200b3", "S\\u200b3"),
                                        ("\tS3", "\\u0009S3")])
def test_a_rating_refused_for_a_character_that_does_not_show_names_it(text: str,
                                                                       shown: str) -> None:
    """'S3' followed by a non-breaking space was reported as ''S3 ' is not a level', which looks
    like S3 and a space, the very spacing said to be ignored."""
    from sheetladder.verify.ratings import parse_rating

    got = parse_rating(text, SALES)
    assert got.status == "invalid" and got.message is not None
    assert got.message.startswith(f"'{shown}' is not a level of this ladder (S1–S7): it holds a "
                                  "character that does not show")
    assert "does not show" not in (parse_rating("S9", SALES).message or "")


@pytest.mark.parametrize("text,level", [("S3", 3), ("s3", 3), (" S3 ", 3), ("  s7", 7)])
def test_read_takes_a_code_in_any_case_and_spacing(text: str, level: int) -> None:
    from sheetladder.verify.ratings import parse_rating

    got = parse_rating(text, SALES)
    assert got.level == level and got.sheet_reads_it


def test_a_date_or_true_typed_in_libreoffice_as_a_rating_is_called_so(tmp_path) -> None:
    """A rating typed as ``3/3`` becomes a date in LibreOffice, and a typed TRUE is saved as
    the formula ``=TRUE()``: they were refused as ``'2026-03-03T00:00:00' is not a level`` and
    as "holds a formula =TRUE()", neither of which says what is in the cell. Each says what it
    is (which level a date stood for cannot be told: pick it from the dropdown), still refused,
    and no figure is given."""
    ctx = make_context(SALES, "Ann Example", None, RATERS)
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(SALES, ctx)))
    out = tmp_path / "typed.xlsx"
    date_cell, true_cell, false_cell = (a1(R_FIRST + i, C_RATING) for i in range(3))
    edit_in_libreoffice([(blank, out, [["date", "Self", date_cell, "2026-03-03"],
                                       ["formula", "Self", true_cell, "=TRUE()"],
                                       ["formula", "Bo Chen", false_cell, "=FALSE()"]])],
                        tmp_path)
    assert open_xlsx(out).sheets["Self"].get(R_FIRST + 1, C_RATING).formula is not None
    report = read_path(out)
    got = {(f.sheet, f.cell): f.message for f in report.findings}
    assert set(got) == {("Self", date_cell), ("Self", true_cell), ("Bo Chen", false_cell)}, got
    assert got["Self", date_cell] == (
        "the rating cell holds a date (2026-03-03), not a level of this ladder (S1–S7): the "
        "spreadsheet took what was typed for a date or time, so which level was meant cannot be "
        "told; pick the level from the dropdown")
    assert got["Self", true_cell] == ("the rating cell holds TRUE, a TRUE/FALSE value, not a "
                                      "level of this ladder (S1–S7); pick the level from the "
                                      "dropdown")
    assert got["Bo Chen", false_cell].startswith("the rating cell holds FALSE, a TRUE/FALSE")
    assert sorted(report.unread_ratings) == sorted(
        [f"Self!{date_cell}", f"Self!{true_cell}", f"Bo Chen!{false_cell}"])
    assert report.total_points is None and report.figures_withheld


@pytest.mark.parametrize("value,said", [
    (True, "holds TRUE, a TRUE/FALSE value"), (False, "holds FALSE, a TRUE/FALSE value"),
    ("2026-03-03T00:00:00", "holds a date (2026-03-03)"),
    ("2026-03-03T14:30:00", "holds a date (2026-03-03 14:30:00)"),
    ("12:30:00", "holds a time (12:30:00)")])
def test_a_rating_that_is_a_date_or_true_false_value_is_called_so(value: object,
                                                                   said: str) -> None:
    from sheetladder.verify.ratings import parse_rating

    got = parse_rating(value, SALES)  # type: ignore[arg-type]
    assert got.status == "invalid" and got.message is not None and said in got.message
    assert parse_rating("S3", SALES).level == 3
