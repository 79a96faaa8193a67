"""Periods as people type them, through every command that takes --period: one spelling of
the period a user means, the same for render, status and export, or a refusal saying what to
write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.period import PeriodError, parse_period

from .conftest import SMALL, fill_small, run
from .fake_google import FakeGoogle


@pytest.mark.parametrize("typed", [
    "2026\u2013Q4",  # an en dash, as Word and Excel's autocorrect turn '-' into
    "2026\u2014Q4",  # an em dash
    "2026\u2212Q4",  # a minus sign
    "2026\u2010q4",  # a Unicode hyphen
    "2026\u00a0Q4",  # a no-break space, as a copy from a web page or a mail gives
    "Q4\u202f2026",  # a narrow no-break space
    "\uff12\uff10\uff12\uff16-Q4",  # full-width digits, as an IME types them
])
def test_a_quarter_typed_with_a_unicode_dash_or_space_is_that_quarter(typed: str) -> None:
    assert parse_period(typed).label == "2026-Q4"


@pytest.mark.parametrize("typed, words", [
    ("FY26-Q4", "FY26-Q4"), ("FY2026 Q4", "FY2026 Q4"), ("q4-26", "q4-26"),
    ("4Q2026", "4Q2026"), ("Oct 2026", "Oct 2026"), ("2026\u2013Q5", "quarters Q1 to Q4"),
    ("2026-Q0", "quarters Q1 to Q4"), ("2026\u20133", "2026-03 for the month or 2026-Q3"),
    # a roster .xlsx whose period cell the spreadsheet turned into a date
    ("2026-10-01T00:00:00", "a date, not a period"), ("2026-10-01", "2026-10 for the month or "
                                                                    "2026-Q4 for its quarter"),
])
def test_a_period_that_is_none_or_could_be_two_is_refused_saying_what_to_write(
        typed: str, words: str) -> None:
    with pytest.raises(PeriodError) as e:
        parse_period(typed)
    assert words in str(e.value)


def test_render_status_and_export_take_one_quarter_typed_with_an_en_dash(
        tmp_path: Path) -> None:
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,team,manager,manager_email\n"
                      "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n", encoding="utf-8")
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026\u2013Q4",
                     "-o", str(out))
    assert code == 0, text
    (book,) = out.glob("*.xlsx")
    assert book.name == "ana-diaz-2026-q4.xlsx"
    fill_small(book)
    code, text = run("collect", str(out), "--db", str(db), "--trust-new", "-j", "1")
    assert code == 0, text
    code, text = run("status", "--period", "Q4\u00a02026", "--manifest", str(out / "manifest.csv"),
                     "--db", str(db), "--format", "json")
    assert code == 0, text
    st = json.loads(text[:text.rindex("}") + 1])
    assert st["period"] == "2026-Q4" and st["totals"]["complete"] == 1
    code, text = run("export", "--period", "2026\u2014q4", "--db", str(db), "--format", "json",
                     "-o", "-")
    assert code == 0, text
    data = json.loads(text[text.index("{"):text.rindex("}") + 1])
    assert data["period"] == "2026-Q4" and [p["person"] for p in data["people"]] == ["Ana Diaz"]


def test_render_period_given_refuses_rows_whose_period_cell_names_another(tmp_path: Path) -> None:
    """Last quarter's roster reused, its period column still saying 2026-Q3, with --period
    2026-Q4 typed: every workbook was rendered for 2026-Q3 (the cell won), exit 0."""
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,period\n"
                      "Ana Diaz,ana@example.com,2026-Q3\n"
                      "Ben Ortiz,ben@example.com,Q4 2026\n"  # the same period, spelt otherwise
                      "Eva Lind,eva@example.com,\n", encoding="utf-8")
    out = tmp_path / "out"
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 1, text
    assert f"{roster}:2: period: the row says 2026-Q3 but --period says 2026-Q4" in text
    assert "clear the row's period cell" in text
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["ben-ortiz-2026-q4.xlsx",
                                                          "eva-lind-2026-q4.xlsx"]
    from sheetladder.manifest import read_manifest

    rows = read_manifest(out / "manifest.csv")
    assert {r.person for r in rows} == {"Ben Ortiz", "Eva Lind"}
    assert {r.period for r in rows} == {"2026-Q4"}


def test_render_without_period_takes_each_rows_own_period(tmp_path: Path) -> None:
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,period\nAna Diaz,ana@example.com,2026-Q3\n"
                      "Ben Ortiz,ben@example.com,q4 2026\n", encoding="utf-8")
    out = tmp_path / "out"
    code, text = run("render", str(ladder), "--roster", str(roster), "-o", str(out))
    assert code == 0, text
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["ana-diaz-2026-q3.xlsx",
                                                          "ben-ortiz-2026-q4.xlsx"]


FISCAL = SMALL + """\
periods:
  name: fiscal halves
  pattern: "FY{year:2}-H{half:1:1-2}"
  order: [year, half]
  example: FY27-H1
"""


def test_status_finds_a_fiscal_cycles_period_typed_otherwise_before_anything_is_collected(
        tmp_path: Path) -> None:
    """Nothing of the cycle returned yet, so the history holds no ladder declaring fiscal
    halves: 'fy27 h1' was refused as 'not a period' listing calendar forms, although the
    manifest lists FY27-H1 (and once one workbook was in, the same command worked)."""
    ladder = tmp_path / "fiscal.yaml"
    ladder.write_text(FISCAL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email\nAna Diaz,ana@example.com\n", encoding="utf-8")
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "fy27 h1",
                     "-o", str(out))
    assert code == 0, text
    code, text = run("collect", str(out), "--db", str(db), "--trust-new")  # all blank yet
    assert code == 0 and "1 empty" in text, text
    for typed in ("fy27 h1", "FY27H1", "FY27\u2013H1"):
        res = CliRunner().invoke(main, ["status", "--period", typed, "--manifest",
                                        str(out / "manifest.csv"), "--db", str(db),
                                        "--format", "json"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        st = json.loads(res.stdout)
        assert st["period"] == "FY27-H1" and st["totals"]["not_returned"] == 1
    # a period the manifest does not list is still refused, naming what it lists
    code, text = run("status", "--period", "FY27-H2", "--manifest", str(out / "manifest.csv"),
                     "--db", str(db))
    assert code == 1 and "FY27-H1" in text


@pytest.mark.parametrize("pattern, example, calendar", [
    ("{year:4}-Q{quarter:1:1-4}", "2027-Q1", "2027-Q1"),  # fiscal quarters spelt as calendar's
    ("{year:4}-{month:2:1-13}", "2027-13", "2027-01"),  # 13 fiscal periods: 2027-01 is January
    ("H{half:1:1-2} {year:4}", "H1 2027", "2027-H1"),
])
def test_a_scheme_whose_labels_read_as_calendar_periods_is_refused_at_its_line(
        tmp_path: Path, pattern: str, example: str, calendar: str) -> None:
    """A fiscal 2027-Q1 (July to September 2026) was stored as '2027-Q1', the label of the
    calendar quarter: an export of 2027-Q1 would put both together, exit 0."""
    order = [f for f in ("year", "quarter", "month", "half") if "{" + f in pattern]
    path = tmp_path / "fiscal.yaml"
    path.write_text(SMALL + f"""\
periods:
  name: fiscal
  pattern: "{pattern}"
  order: [{", ".join(order)}]
  example: "{example}"
""", encoding="utf-8")
    code, text = run("validate", str(path))
    assert code == 1, text
    assert f"{path}:{SMALL.count(chr(10)) + 3}:" in text  # the pattern's line
    assert f"reads as the calendar period {calendar}" in text and "a mark of its own" in text
    # a ladder already embedded in workbooks keeps loading, so that they can still be read
    from sheetladder.definition import load

    assert load(path, authoring=False).periods is not None


def test_a_fiscal_scheme_with_a_mark_of_its_own_validates(tmp_path: Path) -> None:
    path = tmp_path / "fiscal.yaml"
    path.write_text(FISCAL, encoding="utf-8")
    code, text = run("validate", str(path))
    assert code == 0, text


def test_publish_period_given_refuses_rows_whose_period_cell_names_another(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sheetladder.google.client import ENV_ROOT

    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,period\nAna Diaz,ana@example.com,2026-Q3\n"
                      "Ben Ortiz,ben@example.com,\n", encoding="utf-8")
    with FakeGoogle() as fake:
        monkeypatch.setenv(ENV_ROOT, fake.root)
        code, text = run("publish", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                         "-o", str(tmp_path / "links.csv"))
    assert code == 1, text
    assert f"{roster}:2: period: the row says 2026-Q3 but --period says 2026-Q4" in text
    from sheetladder.manifest import read_manifest

    rows = read_manifest(tmp_path / "links.csv")
    assert {(r.person, r.period) for r in rows} == {("Ben Ortiz", "2026-Q4")}


@pytest.mark.parametrize("typed, words", [
    ("Oct 2026", "write 2026-10 for the month or 2026-Q4 for its quarter"),
    ("october 2026", "write 2026-10 for the month or 2026-Q4 for its quarter"),
    ("2026 Sept", "write 2026-09 for the month or 2026-Q3 for its quarter"),
    ("Q4", "needs its year"),
    ("h2", "needs its year"),
    ("FY26-Q4", "a fiscal label"),
    ("FY2026 Q4", "a fiscal label"),
])
def test_a_period_in_words_without_a_year_or_fiscal_is_refused_saying_what_to_write(
        typed: str, words: str) -> None:
    with pytest.raises(PeriodError) as e:
        parse_period(typed)
    assert words in str(e.value)


@pytest.mark.parametrize("typed", ["Marketing 2026", "Junior 2026", "Decade 2026", "2026 Mayor"])
def test_a_word_that_only_begins_as_a_month_does_is_no_month_in_the_refusal(typed: str) -> None:
    """'Marketing 2026' was refused with 'write 2026-03 for the month', which it never meant."""
    with pytest.raises(PeriodError) as e:
        parse_period(typed)
    assert "for the month" not in str(e.value)


def test_export_of_a_period_in_words_says_what_to_write(tmp_path: Path) -> None:
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    code, text = run("render", str(ladder), "--person", "Ana Diaz", "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 0, text
    fill_small(out / "ana-diaz-2026-q4.xlsx")
    code, text = run("collect", str(out), "--db", str(db), "--trust-new")
    assert code == 0, text
    code, text = run("export", "--period", "Oct 2026", "--db", str(db), "-o", "-")
    assert code == 1 and "write 2026-10 for the month or 2026-Q4 for its quarter" in text


def test_a_scheme_whose_literal_text_folds_under_nfkc_still_reads_its_own_labels() -> None:
    """Labels are read as typed() folds them ('２０２６–Q4' is 2026-Q4); a scheme's own literal
    text is matched folded the same way, so a label written as its example still reads."""
    from sheetladder.period import PeriodScheme

    scheme = PeriodScheme(name="periods", pattern="\uff30{n:1:1-9}", order=["n"],
                          example="\uff301")
    assert parse_period("\uff303", scheme).label == "\uff303"
    assert parse_period("p3", scheme).label == "\uff303"
