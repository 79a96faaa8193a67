"""What raters wrote reaches every export, each rater's figures with it, and the export XLSX
is one people can read and print (issue 17): landscape, one page wide, headers on every page
and wrapped between words, nothing printed under 8 pt by LibreOffice, a heatmap legend over
the levels held, the trend as a line chart, warnings with their text."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.chart import LineChart

from sheetladder.cli import main
from sheetladder.definition import Ladder, load
from sheetladder.results.export import (
    PeriodExport,
    build,
    comment_table,
    comments_csv,
    comments_json,
    heat_colour,
    heat_span,
    printed_table,
    to_csv,
    to_json,
    to_xlsx,
)
from sheetladder.results.report import Finding
from sheetladder.results.store import History
from sheetladder.scoring import RaterInput, score_rater, xround

from .conftest import DEFINITIONS
from .libreoffice import convert
from .test_history import make_report, team_ctx

FORMULA_LIKE = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")"]


@pytest.fixture(scope="module")
def sales() -> Ladder:
    """The sales ladder with peer anonymity off: these tests are about each rater's figures
    and comments (tests/test_anonymity.py covers the pooled ones)."""
    return load(DEFINITIONS / "sales-s1-s7.yaml").model_copy(update={"min_peers": 0})


def _quarter(tmp_path: Path, ladder: Ladder, people: int = 8) -> tuple[PeriodExport, dict]:
    """Two periods of a team on the sales ladder, levels S1–S3, comments (some formula-like)
    from the manager and peers, a warning on one person. Returns the export of the second
    period and what each person's raters were given."""
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    rnd = random.Random(41)
    cats = [c.id for c in ladder.categories]
    given: dict[str, dict] = {}
    with History(url) as h:
        for period in ("2026-Q3", "2026-Q4"):
            for i in range(people):
                ctx = team_ctx(ladder, f"Person {i}", period)
                ratings = {s.tab: {c: rnd.randint(1, 3) for c in cats} for s in ctx.raters}
                comments = {ctx.raters[1].tab: {cats[0]: FORMULA_LIKE[i % len(FORMULA_LIKE)],
                                                cats[2]: f"Ran the renewal call for client {i} "
                                                         "and wrote up the next steps."},
                            ctx.raters[2].tab: {cats[5]: "Asked for help early."}}
                findings = [Finding(severity="warning", sheet="Self", cell="D9",
                                    message="'s3' read as S3")] if i == 3 else []
                h.ingest(make_report(ladder, ctx, ratings, comments=comments,
                                     file=f"{i}-{period}.xlsx", findings=findings), ladder)
                given[(ctx.person, period)] = {"ctx": ctx, "ratings": ratings,
                                               "comments": comments}
        return build(h, "2026-Q4"), given


@pytest.fixture
def quarter(tmp_path: Path, sales: Ladder) -> tuple[PeriodExport, dict]:
    return _quarter(tmp_path, sales)


# -- what raters wrote, and each rater's figures -------------------------------------------------


def test_every_comment_reaches_the_export_with_its_rater_role_and_rating(
        quarter: tuple[PeriodExport, dict], sales: Ladder) -> None:
    exp, given = quarter
    names = {c.id: c.name for c in sales.categories}
    want = set()
    for row in exp.rows:
        g = given[(row.person, "2026-Q4")]
        for slot in g["ctx"].raters:
            for cid, text in g["comments"].get(slot.tab, {}).items():
                lv = g["ratings"][slot.tab][cid]
                want.add((row.person, "2026-Q4", names[cid], slot.name or slot.tab,
                          {"self": "Self", "manager": "Manager", "peer": "Peer"}[slot.role],
                          sales.codes[lv - 1], text))
    headers, rows = comment_table(exp)
    assert headers == ["Person", "Team", "Period", "Category", "Rater", "Role", "Rating",
                       "Comment"]
    assert {(r[0], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows} == want
    assert len(rows) == len(want) == 3 * len(exp.rows)


def test_each_raters_total_and_level_are_in_every_export(
        quarter: tuple[PeriodExport, dict], sales: Ladder, tmp_path: Path) -> None:
    exp, given = quarter
    for row in exp.rows:
        g = given[(row.person, "2026-Q4")]
        want = [score_rater(sales, RaterInput(role=s.role, name=s.name, tab=s.tab,
                                              levels=g["ratings"][s.tab]))
                for s in g["ctx"].raters]
        assert [(f.tab, f.name, f.role, f.rated, f.total_points, f.level)
                for f in row.rater_figures] == [
            (w.tab, w.name, w.role, w.rated, xround(w.total_points), w.level) for w in want]
    data = json.loads(to_json(exp))
    assert data["people"][0]["rater_figures"][1]["total_points"] == \
        exp.rows[0].rater_figures[1].total_points
    rows = list(csv.reader(io.StringIO(to_csv(exp).decode(), newline="")))
    col = rows[0].index("Each rater's total and level")
    first = exp.rows[0].rater_figures[1]
    assert f"{first.name} ({first.role})" in rows[1][col] and (first.level or "–") in rows[1][col]
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    ws = openpyxl.load_workbook(path)["Raters"]
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(got) == sum(len(r.rater_figures) for r in exp.rows)
    assert got[1][:4] == [exp.rows[0].person, first.name, "Manager", first.tab]
    assert got[1][6] == pytest.approx(first.total_points) and got[1][7] == first.level


def test_comments_that_look_like_formulas_stay_text_in_every_format(
        quarter: tuple[PeriodExport, dict], tmp_path: Path) -> None:
    exp, _ = quarter
    # CSV: neutralised as OWASP recommends, so a spreadsheet reads it as text
    rows = list(csv.reader(io.StringIO(comments_csv(exp).decode(), newline="")))
    comments = [r[-1] for r in rows[1:]]
    for text in FORMULA_LIKE:
        assert "'" + text in comments
    assert not any(c.startswith(("=", "+", "-", "@")) for c in comments)
    # JSON: the text as written, nested with its person and in the flat list
    data = json.loads(to_json(exp))
    nested = [c["comment"] for p in data["people"] for c in p["comments"]]
    flat = [c["comment"] for c in json.loads(comments_json(exp))]
    for text in FORMULA_LIKE:
        assert text in nested and text in flat
    # XLSX: string cells, never formulas
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    wb = openpyxl.load_workbook(path)
    ws = wb["Comments"]
    assert [c.value for c in ws[1]] == comment_table(exp)[0]
    cells = [row[7] for row in ws.iter_rows(min_row=2)]
    assert {c.value for c in cells} >= set(FORMULA_LIKE)
    assert all(c.data_type == "s" for c in cells)
    # and LibreOffice shows the text, not a result: "=1+1" is printed as written
    pdf = convert(path, tmp_path / "pdf", "pdf")
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        words = {w["text"] for page in doc.pages for w in page.extract_words()}
    assert "=1+1" in words and "@SUM(A1)" in words


def test_export_comments_writes_the_comments_csv(quarter: tuple[PeriodExport, dict],
                                                  tmp_path: Path) -> None:
    exp, _ = quarter
    db = str(tmp_path / "h.sqlite")
    out = tmp_path / "comments.csv"
    res = CliRunner().invoke(main, ["export", "--period", "2026-Q4", "--comments", "--db", db,
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == comments_csv(exp)
    res = CliRunner().invoke(main, ["export", "--period", "2026-Q4", "--comments", "--db", db,
                                    "--format", "xlsx", "-o", str(tmp_path / "c.xlsx")])
    assert res.exit_code != 0 and "Comments sheet" in res.output
    assert not (tmp_path / "c.xlsx").exists()


# -- an XLSX people can read and print ------------------------------------------------------------


def _printed_sizes(pdf: Path) -> tuple[list[float], list[list[str]]]:
    """The size of every character LibreOffice printed, and the words of each page. A rotated
    character's size is its width across the line (pdfplumber's ``size`` is its height)."""
    import pdfplumber

    sizes, words = [], []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            assert page.width > page.height  # landscape
            sizes += [c["size"] if c["upright"] else c["width"] for c in page.chars
                      if c["text"].strip()]
            words.append([w["text"] for w in page.extract_words()])
    return sizes, words


def test_libreoffice_prints_the_export_landscape_with_no_text_under_8pt(
        tmp_path: Path, sales: Ladder) -> None:
    exp, _ = _quarter(tmp_path, sales, people=30)
    path = tmp_path / "results.xlsx"
    path.write_bytes(to_xlsx(exp))
    pdf = convert(path, tmp_path / "pdf", "pdf")
    sizes, pages = _printed_sizes(pdf)
    assert sizes and min(sizes) >= 8.0, f"smallest printed text: {min(sizes):.2f} pt"
    # the results run over several pages (30 people): each starts with the header row
    results = [p for p in pages if p[:2] == ["Results", "2026-Q4"]]
    assert len(results) >= 2
    first_header = printed_table(exp)[0][0]
    assert all(first_header in p for p in results)
    # headers wrap between words: every word of every header and category name is printed
    # whole (a column narrower than its header's longest word printed "Independen / ce")
    words = {w for p in pages for w in p}
    for name in [*printed_table(exp)[0], *(c.name for c in sales.categories)]:
        for word in name.split():
            assert word in words, f"{word!r} of {name!r} is not printed whole"


def test_every_sheet_is_set_to_print_landscape_one_page_wide_with_its_header_repeated(
        quarter: tuple[PeriodExport, dict], tmp_path: Path) -> None:
    exp, _ = quarter
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Results", "Heatmap", "Team", "Trend", "Raters", "Comments",
                             "Warnings"]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # fitToWidth is left out when it is 1, the default
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title
    for name in ("Results", "Raters", "Comments", "Warnings"):
        assert wb[name].print_title_rows == "$1:$1", name
    # column widths fit their content; no header needs a column narrower than its longest word
    ws = wb["Results"]
    headers, rows = printed_table(exp)
    for j, h in enumerate(headers):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
        assert width >= max(len(w) for w in h.split()), h
        longest = max(len(f"{v:.2f}" if isinstance(v, float) else str(v)) for v in
                      [r[j] for r in rows if r[j] is not None] or [""])
        assert width >= min(longest, 30), h


def test_the_heatmap_has_a_legend_and_a_scale_over_the_levels_held(
        quarter: tuple[PeriodExport, dict], tmp_path: Path, sales: Ladder) -> None:
    exp, _ = quarter
    values = [v for r in exp.rows for v in r.consensus.values() if v is not None]
    lo, hi = heat_span(values, len(sales.codes))
    assert (lo, hi) == (int(min(values) // 1), -int(-max(values) // 1))  # floor, ceil
    assert hi <= 3  # ratings were S1-S3: the scale does not run to S7
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    ws = openpyxl.load_workbook(path)["Heatmap"]
    scales = [r.colorScale for rng in ws.conditional_formatting for r in rng.rules
              if r.type == "colorScale"]
    assert len(scales) == len(sales.groups)  # one block per group
    for sc in scales:
        assert [float(v.val) for v in sc.cfvo] == [lo, (lo + hi) / 2, hi]
    [legend] = [row for row in ws.iter_rows() if row[0].value == "Legend"]
    cells = [c for c in legend[1:] if c.value]
    assert [c.value for c in cells] == list(sales.codes[lo - 1:hi])
    for k, c in zip(range(lo, hi + 1), cells, strict=True):
        assert c.fill.fgColor.rgb[-6:] == heat_colour(k, lo, hi)[1:]
    assert heat_colour(lo, lo, hi) == "#F8696B" and heat_colour(hi, lo, hi) == "#63BE7B"


def test_the_trend_is_a_line_chart_of_each_persons_totals(
        quarter: tuple[PeriodExport, dict], tmp_path: Path) -> None:
    exp, _ = quarter
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert not any("sparkline" in z.read(n).decode("utf-8", "replace")
                       for n in z.namelist() if n.startswith("xl/worksheets/"))
    ws = openpyxl.load_workbook(path)["Trend"]
    [chart] = ws._charts  # type: ignore[attr-defined]
    assert isinstance(chart, LineChart)
    assert len(chart.series) == len(exp.trend)
    headers = [c.value for c in ws[3]]
    for s in chart.series:
        ref = s.val.numRef.f  # e.g. 'Trend'!$E$4:$F$4: the person's totals over the periods
        m = re.fullmatch(r"'?Trend'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ref)
        assert m and m.group(2) == m.group(4)
        first = openpyxl.utils.column_index_from_string(m.group(1))
        last = openpyxl.utils.column_index_from_string(m.group(3))
        assert headers[first - 1:last] == [f"Total {p}" for p in exp.periods]


def test_warnings_are_listed_with_their_text(quarter: tuple[PeriodExport, dict],
                                             tmp_path: Path) -> None:
    exp, _ = quarter
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    ws = openpyxl.load_workbook(path)["Warnings"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["Person", "Period", "Warning"], ["Person 3", "2026-Q4", "Self!D9: 's3' read as S3"]]


@given(n=st.integers(1, 9), data=st.data())
def test_the_heatmap_scale_always_spans_every_level_held_within_the_ladder(
        n: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.one_of(st.none(), st.floats(1, n)), max_size=12))
    lo, hi = heat_span(values, n)
    assert 1 <= lo <= hi <= n
    assert hi > lo or n == 1
    held = [v for v in values if v is not None]
    if held:
        assert lo <= min(held) and max(held) <= hi
        assert hi - lo <= max(1, math.ceil(max(held)) - math.floor(min(held)))


def test_the_teams_sheet_prints_like_the_others_and_the_results_show_team_and_managers(
        tmp_path: Path, sales: Ladder) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    rnd = random.Random(43)
    cats = [c.id for c in sales.categories]
    with History(url) as h:
        for i in range(6):
            team = ("North", "South")[i % 2]
            ctx = team_ctx(sales, f"Person {i}").model_copy(
                update={"team": team, "managers": [f"Boss {team}"]})
            ratings = {s.tab: {c: rnd.randint(1, 3) for c in cats} for s in ctx.raters}
            h.ingest(make_report(sales, ctx, ratings, file=f"{i}.xlsx"), sales)
        exp = build(h, "2026-Q4")
    headers, rows = printed_table(exp)
    assert "Team" in headers and "Managers" in headers
    t, m = headers.index("Team"), headers.index("Managers")
    assert {(r[t], r[m]) for r in rows} == {("North", "Boss North"), ("South", "Boss South")}
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    wb = openpyxl.load_workbook(path)
    assert "Teams" in wb.sheetnames
    ws = wb["Teams"]
    assert [c.value for c in ws[3]][:4] == ["Team", "People", "Complete", "Mean total"]
    assert [[c.value for c in r][:3] for r in ws.iter_rows(min_row=4)] == [
        ["North", 3, 3], ["South", 3, 3]]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$3:$3"
    for j, cell in enumerate(ws[3]):
        if cell.value:
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width
            assert width >= max(len(w) for w in str(cell.value).split()), cell.value


def test_the_printed_results_leave_out_team_and_managers_only_when_no_one_has_any(
        quarter: tuple[PeriodExport, dict]) -> None:
    import dataclasses

    exp, _ = quarter
    assert not any(r.team for r in exp.rows) and all(r.managers for r in exp.rows)
    headers, _ = printed_table(exp)
    assert "Team" not in headers and "Managers" in headers
    bare = dataclasses.replace(exp, rows=[dataclasses.replace(r, managers=[]) for r in exp.rows])
    assert "Managers" not in printed_table(bare)[0]
    first = to_csv(bare).decode().split("\r\n", 1)[0]
    assert '"Team"' in first and '"Managers"' in first  # the CSV keeps every column


def test_the_teams_sheet_gives_its_levels_lowest_first_whichever_team_comes_first(
        tmp_path: Path, sales: Ladder) -> None:
    # North (first) holds only S3, South S2 and S3: the columns were S3, S2 (first seen)
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    cats = [c.id for c in sales.categories]
    with History(url) as h:
        for i, (team, level) in enumerate((("North", 3), ("South", 2), ("South", 3))):
            ctx = team_ctx(sales, f"Person {i}").model_copy(update={"team": team})
            ratings = {s.tab: {c: level for c in cats} for s in ctx.raters}
            h.ingest(make_report(sales, ctx, ratings, file=f"{i}.xlsx"), sales)
        exp = build(h, "2026-Q4")
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_xlsx(exp))
    ws = openpyxl.load_workbook(path)["Teams"]
    assert [c.value for c in ws[3]] == ["Team", "People", "Complete", "Mean total", "S2", "S3"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=4)] == [
        ["North", 1, 1, 54, 0, 1], ["South", 2, 2, 45, 1, 1]]


def test_export_of_one_person_says_1_person_not_1_people(tmp_path: Path, sales: Ladder) -> None:
    db = tmp_path / "h.sqlite"
    with History(f"sqlite:///{db}") as h:
        ctx = team_ctx(sales, "Person 0")
        h.ingest(make_report(sales, ctx, {s.tab: {c.id: 2 for c in sales.categories}
                                          for s in ctx.raters}, file="0.xlsx"), sales)
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "csv", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert f"wrote {out} (1 person, period 2026-Q4, from " in res.output, res.output
