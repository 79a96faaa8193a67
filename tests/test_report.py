"""The report's pages, without a browser: what each page says, file names, the CLI, the
workbook path, calibration and who is missing. tests/test_report_browser.py loads the same
pages in Chromium."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sheetladder.cli import main
from sheetladder.context import make_context
from sheetladder.definition import load
from sheetladder.plan import build_plan
from sheetladder.report.calibration import calibration_view
from sheetladder.report.site import (
    RECORD,
    ladders_of,
    num,
    page_names,
    render_site,
    team_page,
)
from sheetladder.results.export import PersonRow, build
from sheetladder.results.store import History
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS
from .report_data import PAYLOAD, PAYLOADS, PEOPLE, fill, ladder
from .test_export import ctx_of
from .test_export import fill as fill_workbook


class _Doc(HTMLParser):
    """Tags, attributes and text of a page, as a browser's parser would split them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: bytes) -> _Doc:
    doc = _Doc()
    doc.feed(html.decode("utf-8"))
    return doc


def text_of(html: bytes) -> str:
    return " ".join(" ".join(parse(html).text).split())


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("plain") / "history.sqlite"
    fill(db)
    return db


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile") / "history.sqlite"
    fill(db, hostile=True)
    return db


def site_of(db: Path, team: str | None = None) -> tuple[dict[str, bytes], object]:
    with History(str(db), read_only=True) as h:
        exp = build(h, "2026-Q4", team=team)
        ladders = ladders_of(h, exp)
    return render_site(exp, ladders, team=team), exp


def test_the_site_has_a_team_page_and_a_page_per_person_linked_from_it(plain_db: Path) -> None:
    pages, exp = site_of(plain_db)
    rows: list[PersonRow] = exp.rows  # type: ignore[attr-defined]
    assert set(pages) == {"index.html", *page_names(rows)}
    links = {a.get("href") for tag, a in parse(pages["index.html"]).tags if tag == "a"}
    assert set(page_names(rows)) <= links
    for name in page_names(rows):  # every person page links back to the team page
        assert "../index.html" in {a.get("href") for t, a in parse(pages[name]).tags if t == "a"}
    index = text_of(pages["index.html"])
    for heading in ("Level distribution", "Heatmap", "Legend", "Calibration", "Who is missing",
                    "No manifest given"):
        assert heading in index
    assert "Made by sheetladder from the history" in index


def test_a_person_page_shows_the_exports_figures_and_the_next_levels_descriptors(
        plain_db: Path) -> None:
    pages, exp = site_of(plain_db)
    rows: list[PersonRow] = exp.rows  # type: ignore[attr-defined]
    lad = ladder()
    for row, name in zip(rows, page_names(rows), strict=True):
        text = text_of(pages[name])
        assert row.person in text and num(row.total_points) in text
        assert (row.level or "not yet") in text
        for c in lad.categories:  # the growth plan: the level above each category's consensus
            cons = row.consensus[c.id]
            assert cons is not None
            nxt = int(cons + 1e-9) + 1
            if nxt <= len(lad.codes):
                assert f"{lad.codes[nxt - 1]} {lad.levels[nxt - 1].name}: " \
                       f"{c.descriptor(lad.codes[nxt - 1]).text}" in text
        for cm in row.comments:
            assert cm.comment in text
        for g in row.gaps:
            assert g.name in text
        # the radar overlays self, manager and peers, each with a text alternative
        svg = pages[name].decode()
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        assert all(role in text for role in ("Self", "Manager", "Peer"))


def test_a_persons_radar_table_holds_each_roles_mean_per_category(plain_db: Path) -> None:
    with History(str(plain_db), read_only=True) as h:
        exp = build(h, "2026-Q4")
        rec = {a.person: a for a in h.records(period="2026-Q4")}
    for row in exp.rows:
        for c in rec[row.person].categories:
            for role, mean in c.role_means.items():
                got = row.category_roles[c.id][role]
                assert got == pytest.approx(mean)


def test_the_trend_lists_every_period_held_for_the_person(plain_db: Path) -> None:
    pages, exp = site_of(plain_db)
    rows: list[PersonRow] = exp.rows  # type: ignore[attr-defined]
    for row, name in zip(rows, page_names(rows), strict=True):
        text = text_of(pages[name])
        if row.previous_period:
            assert "2026-Q3" in text and "Total points per period" in pages[name].decode()
        else:
            assert "is the only period held" in text


def test_a_team_report_holds_only_that_teams_people(plain_db: Path) -> None:
    pages, exp = site_of(plain_db, team="north")
    assert {r.person for r in exp.rows} == {p for p, t, _ in PEOPLE if t == "North"}  # type: ignore[attr-defined]
    assert len(pages) == 1 + len(exp.rows)  # type: ignore[attr-defined]
    assert "Eva Lind" not in text_of(pages["index.html"])


# -- injection ---------------------------------------------------------------------------------


def test_html_in_every_text_field_is_text_not_markup(hostile_db: Path) -> None:
    """Names, team, manager, ladder, level, group, category, descriptors and comments all hold
    ``<script>``, ``"><img onerror>`` and ``{{7*7}}``: no page gains an element or attribute
    from them, and each shows them as written."""
    pages, _ = site_of(hostile_db)
    for name, html in pages.items():
        doc = parse(html)
        tags = {t for t, _ in doc.tags}
        assert "script" not in tags and "img" not in tags, name
        assert not any(k.startswith("on") for _, a in doc.tags for k in a), name
        text = text_of(html)
        for p in PAYLOADS:
            assert p in text, (name, p)
    person = next(v for k, v in pages.items() if k != "index.html")
    text = text_of(person)
    assert text.count("{{7*7}}") >= 6  # ladder, level, group, category, descriptor, comment...


_TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "a", "header", "nav", "h1",
                  "h2", "h3", "p", "main", "section", "div", "span", "table", "caption", "thead",
                  "tbody", "tr", "th", "td", "svg", "polygon", "polyline", "text", "line",
                  "circle", "rect", "desc", "ul", "li", "dl", "dt", "dd", "blockquote", "strong",
                  "code", "footer"}
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(person=_TEXT, team=_TEXT, comment=_TEXT, rater=_TEXT)
def test_any_text_in_names_and_comments_is_shown_as_written_and_adds_no_markup(
        plain_db: Path, person: str, team: str, comment: str, rater: str) -> None:
    import copy

    with History(str(plain_db), read_only=True) as h:
        exp = copy.deepcopy(build(h, "2026-Q4"))
        ladders = ladders_of(h, exp)
    row = exp.rows[0]
    for t in exp.trend:
        if t.person == row.person:
            t.person = person
    row.person, row.team, row.managers = person, team, [rater]
    for cm in row.comments:
        cm.comment, cm.rater = comment, rater
    pages = render_site(exp, ladders)
    mine = pages[page_names(exp.rows)[0]]
    for html in (pages["index.html"], mine):
        doc = parse(html)
        assert {t for t, _ in doc.tags} <= _TEMPLATE_TAGS
        assert " ".join(person.split()) in text_of(html)
    text = text_of(mine)
    for value in (team, comment, rater):
        assert " ".join(value.split()) in text


# -- file names --------------------------------------------------------------------------------


def _row(person: str, ladder: str = "x") -> PersonRow:
    return PersonRow(person=person, email=None, team=None, managers=[], period="2026-Q4",
                     ladder=ladder, ladder_version="1", level=None, level_index=None,
                     total_points=None, progress_to_next=None, complete=False,
                     rated_categories=0, categories=1, raters=0, consensus={}, role_means={},
                     gaps=[], previous_period=None, previous_level=None, previous_total=None,
                     level_change=None, total_change=None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=12))
def test_person_page_names_are_safe_and_distinct_whatever_the_names(names: list[str]) -> None:
    files = page_names([_row(n) for n in names])
    assert len({f.casefold() for f in files}) == len(files)
    for f in files:
        assert re.fullmatch(r"people/[a-z0-9][a-z0-9-]*\.html", f), f
        assert len(f) < 100


def test_two_people_of_one_name_get_two_pages() -> None:
    assert page_names([_row("Ana Diaz"), _row("ana  diaz"), _row("ANA DIAZ", "y")]) == [
        "people/ana-diaz.html", "people/ana-diaz-2.html", "people/ana-diaz-3.html"]


# -- calibration ---------------------------------------------------------------------------------


class _Rater(BaseModel):
    name: str
    role: str
    ratees: int
    n: int
    leniency: float | None
    z: float | None
    flagged: bool


class _Category(BaseModel):
    id: str
    name: str
    alpha: float | None
    n: int
    unreliable: bool


class _Person(BaseModel):
    name: str
    team: str | None
    self_level: float | None
    others_level: float | None
    gap: float | None
    self_other: str | None


class _Calibration(BaseModel):
    """A stand-in with the fields of results/calibrate.py's Calibration."""

    raters: list[_Rater]
    categories: list[_Category]
    overall_alpha: float | None
    people: list[_Person]
    notes: list[str]


def calibration(name: str = "Bo Chen") -> _Calibration:
    return _Calibration(
        raters=[_Rater(name=name, role="manager", ratees=4, n=20, leniency=0.9, z=2.4,
                       flagged=True),
                _Rater(name="Quiet Rater", role="peer", ratees=3, n=15, leniency=-0.1, z=-0.3,
                       flagged=False)],
        categories=[_Category(id="closing", name="Closing", alpha=0.21, n=40, unreliable=True),
                    _Category(id="pipeline", name="Pipeline", alpha=0.8, n=40, unreliable=False)],
        overall_alpha=0.62,
        people=[_Person(name="Ana Diaz", team="North", self_level=3.0, others_level=2.0, gap=1.0,
                        self_other="over-estimator"),
                _Person(name="Ben Ortiz", team="North", self_level=None, others_level=2.0,
                        gap=None, self_other=None)],
        notes=["Two raters rated fewer than three people."])


def test_the_team_page_shows_flagged_raters_unreliable_categories_and_self_other(
        plain_db: Path) -> None:
    with History(str(plain_db), read_only=True) as h:
        exp = build(h, "2026-Q4")
        ladders = ladders_of(h, exp)
    text = text_of(render_site(exp, ladders, calibration=calibration())["index.html"])
    section = text[text.index("Calibration"):text.index("Who is missing")]
    assert "0.62" in section
    assert "Bo Chen" in section and "more lenient" in section and "+2.4" in section
    assert "Quiet Rater" not in section  # not flagged
    assert "Closing" in section and "0.21" in section and "Pipeline" not in section
    assert "rates self above others" in section and "Two raters rated fewer" in section
    assert "no self-rating" in section and "None" not in section


def test_calibration_names_are_escaped(plain_db: Path) -> None:
    with History(str(plain_db), read_only=True) as h:
        exp = build(h, "2026-Q4")
        ladders = ladders_of(h, exp)
    html = render_site(exp, ladders, calibration=calibration(PAYLOAD))["index.html"]
    assert "script" not in {t for t, _ in parse(html).tags}
    assert PAYLOADS[0] in text_of(html)


def test_calibration_view_orders_flagged_raters_first_and_largest_gaps_first() -> None:
    view = calibration_view(calibration())
    assert [r.name for r in view.raters] == ["Bo Chen", "Quiet Rater"]
    assert [r.name for r in view.flagged_raters] == ["Bo Chen"]


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_writes_the_site_and_refuses_a_folder_that_is_not_empty(plain_db: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", "--db", str(plain_db), "--period", "2026q4",
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "index.html").is_file() and len(list((out / "people").iterdir())) == 4
    before = (out / "index.html").read_bytes()
    (out / "index.html").write_text("mine")
    r = CliRunner().invoke(main, ["report", "--db", str(plain_db), "-o", str(out)])
    assert r.exit_code == 1 and "not empty" in r.output and "--force" in r.output
    assert (out / "index.html").read_text() == "mine"
    r = CliRunner().invoke(main, ["report", "--db", str(plain_db), "-o", str(out), "--force"])
    assert r.exit_code == 0, r.output
    assert (out / "index.html").read_bytes()[:200] == before[:200]


def test_cli_unknown_period_or_team_is_an_error_and_writes_nothing(plain_db: Path,
                                                                  tmp_path: Path) -> None:
    for args, said in ((["--period", "2025-Q1"], "periods held"), (["--team", "West"], "teams held")):
        out = tmp_path / args[1]
        r = CliRunner().invoke(main, ["report", "--db", str(plain_db), "-o", str(out), *args])
        assert r.exit_code == 1 and said in r.output
        assert not out.exists()


def test_cli_lists_who_is_missing_from_the_manifest(plain_db: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    lines = ["person,period,tab,role,rater,email,target,team"]
    for person, _, manager in PEOPLE:
        for tab, role, rater in (("Self", "self", ""), (manager, "manager", manager),
                                 ("Peer A", "peer", "Peer A"), ("Peer B", "peer", "Peer B")):
            lines.append(f"{person},2026-Q4,{tab},{role},{rater},,{person}.xlsx,")
    lines.append("Zoe Missing,2026-Q4,Self,self,,zoe@example.com,zoe.xlsx,North")
    manifest.write_text("\n".join(lines) + "\n")
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", "--db", str(plain_db), "-o", str(out),
                                  "--manifest", str(manifest)])
    assert r.exit_code == 0, r.output
    text = text_of((out / "index.html").read_bytes())
    missing = text[text.index("Who is missing"):]
    assert "Zoe Missing" in missing and "not returned" in missing
    assert "Ana Diaz" not in missing and "No manifest given" not in text


def test_cli_reports_workbooks_through_a_temporary_history(tmp_path: Path) -> None:
    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    files = []
    for i, person in enumerate(("Ana Diaz", "Ben Ortiz")):
        ctx = ctx_of(ladder, person, "2026-Q4")
        blank = tmp_path / f"blank-{i}.xlsx"
        save(build_plan(ladder, ctx), blank)
        ratings = {s.tab: {c.id: 1 + (i + k) % 4 for k, c in enumerate(ladder.categories)}
                   for s in ctx.raters}
        files.append(tmp_path / f"{i}.xlsx")
        fill_workbook(blank, files[-1], ctx, ladder, ratings,
                      {ctx.raters[1].tab: {ladder.categories[0].id: "<b>led</b> the renewal"}},
                      datetime(2026, 12, 1, 9, i))
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", *map(str, files), "-o", str(out),
                                  "--ladders", str(DEFINITIONS / "sales-s1-s7.yaml")])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (out / "people").iterdir()) == ["ana-diaz.html",
                                                                  "ben-ortiz.html"]
    assert "<b>led</b> the renewal" in text_of((out / "people" / "ana-diaz.html").read_bytes())
    assert "Sales" in text_of((out / "index.html").read_bytes())
    # its footer says what it was made from: no history holds these figures
    assert "Made by sheetladder from the workbooks given" in text_of(
        (out / "index.html").read_bytes())


def test_cli_a_folder_given_with_its_manifest_lists_who_is_missing(tmp_path: Path) -> None:
    """collect takes a folder's manifest.csv as the cycle's: so does report of that folder."""
    import openpyxl

    sales = DEFINITIONS / "sales-s1-s7.yaml"
    roster = tmp_path / "team.csv"
    roster.write_text("person,email,team\nAna Diaz,ana@example.com,North\n"
                      "Ben Ortiz,ben@example.com,North\n")
    folder = tmp_path / "q4"
    r = CliRunner().invoke(main, ["render", str(sales), "--roster", str(roster), "--period",
                                  "2026-Q4", "-o", str(folder)])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(folder / "ana-diaz-2026-q4.xlsx")
    for row in range(5, 23):
        wb["Self"].cell(row, 4).value = "S2"
    wb.save(folder / "ana-diaz-2026-q4.xlsx")
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", str(folder), "-o", str(out), "--ladders", str(sales)])
    assert r.exit_code == 0, r.output
    assert f"who is missing is from {folder / 'manifest.csv'}" in r.output
    text = text_of((out / "index.html").read_bytes())
    missing = text[text.index("Who is missing"):]
    assert "Ben Ortiz" in missing and "No manifest given" not in text


def test_cli_folders_given_with_a_manifest_each_list_who_is_missing_from_all_of_them(
        tmp_path: Path) -> None:
    """A cycle rendered into one folder per team has a manifest in each: report of the folders
    merges them as collect does (it used none when it found more than one), and status takes
    them as --manifest given twice."""
    import openpyxl

    sales = DEFINITIONS / "sales-s1-s7.yaml"
    folders = {}
    for team, people in (("North", ("Ana Diaz", "Ben Ortiz")), ("South", ("Cleo Park",))):
        roster = tmp_path / f"{team}.csv"
        roster.write_text("person,email,team\n" + "".join(
            f"{p},{p.split()[0].lower()}@example.com,{team}\n" for p in people))
        folders[team] = tmp_path / "q4" / team.lower()
        r = CliRunner().invoke(main, ["render", str(sales), "--roster", str(roster), "--period",
                                      "2026-Q4", "-o", str(folders[team])])
        assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(folders["North"] / "ana-diaz-2026-q4.xlsx")
    for row in range(5, 23):
        wb["Self"].cell(row, 4).value = "S2"
    wb.save(folders["North"] / "ana-diaz-2026-q4.xlsx")
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", *map(str, folders.values()), "-o", str(out),
                                  "--ladders", str(sales)])
    assert r.exit_code == 0, r.output
    assert (f"who is missing is from {folders['North'] / 'manifest.csv'}, "
            f"{folders['South'] / 'manifest.csv'}") in r.output
    text = text_of((out / "index.html").read_bytes())
    missing = text[text.index("Who is missing"):]
    assert "3 people, 0 complete, 1 partial, 2 not returned" in missing
    assert "Ana Diaz partial" in missing and "Ben Ortiz not returned" in missing
    assert "Cleo Park not returned" in missing
    db = tmp_path / "h.sqlite"
    r = CliRunner().invoke(main, ["collect", *map(str, folders.values()), "--db", str(db),
                                  "--ladders", str(sales)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["status", "--db", str(db), "--format", "json",
                                  *[a for f in folders.values()
                                    for a in ("--manifest", str(f / "manifest.csv"))]])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert sorted(p["person"] for p in got["people"]) == ["Ana Diaz", "Ben Ortiz", "Cleo Park"]
    assert got["totals"]["not_returned"] == 2


def test_cli_a_refused_workbook_is_an_error_and_no_report_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", str(bad), "-o", str(out)])
    assert r.exit_code != 0 and "bad.xlsx" in r.output and "refused" in r.output
    assert not out.exists()


def test_cli_two_workbooks_giving_one_email_to_two_names_suggest_no_command_on_a_scratch_history(
        tmp_path: Path) -> None:
    """The report's history is deleted with the command: its refusal cannot say to rename
    someone in it (with a --db naming a folder that is gone); it says what to do instead."""
    from sheetladder.context import make_context

    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    files = []
    for i, person in enumerate(("Ana Diaz", "Ana Díaz")):
        ctx = make_context(ladder, person, "2026-Q4", email="ana@example.com")
        files.append(tmp_path / f"{i}.xlsx")
        ratings = {s.tab: {c.id: 2 for c in ladder.categories} for s in ctx.raters}
        save(build_plan(ladder, ctx, ratings=ratings), files[-1])
    r = CliRunner().invoke(main, ["report", *map(str, files), "-o", str(tmp_path / "site"),
                                  "--ladders", str(DEFINITIONS / "sales-s1-s7.yaml")])
    assert r.exit_code != 0, r.output
    assert "ana@example.com is 'Ana Diaz''s in another workbook given" in r.output, r.output
    assert "render the workbooks again under one name" in r.output
    assert "--db" not in r.output and "sheetladder history" not in r.output
    assert not (tmp_path / "site").exists()


def test_cli_copies_that_disagree_are_refused_naming_keep_and_keep_settles_them(
        tmp_path: Path) -> None:
    """The refusal of two copies that disagree says to name one with --keep FILE: report takes
    that option too, as read and collect do."""
    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4")
    files = []
    for level in (2, 3):
        ratings = {s.tab: {c.id: level if s.role == "self" else 2 for c in ladder.categories}
                   for s in ctx.raters}
        files.append(tmp_path / f"copy-{level}.xlsx")
        save(build_plan(ladder, ctx, ratings=ratings), files[-1])
    args = ["report", *map(str, files), "--ladders", str(DEFINITIONS / "sales-s1-s7.yaml")]
    r = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "site")])
    assert r.exit_code == 1 and "--keep FILE" in r.output, r.output
    assert not (tmp_path / "site").exists()
    r = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "site"), "--keep", str(files[1])])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "site" / "people" / "ana-diaz.html").exists()
    r = CliRunner().invoke(main, ["report", "-o", str(tmp_path / "other"), "--keep", "x.xlsx"])
    assert r.exit_code == 1 and "--keep" in r.output


def test_cli_db_does_not_go_with_workbooks(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["report", "x.xlsx", "--db", "h.sqlite", "-o", str(tmp_path)])
    assert r.exit_code == 1 and "--db" in r.output


def test_cli_workbooks_with_sheetladder_db_in_the_environment_leave_that_database_alone(
        tmp_path: Path) -> None:
    """SHEETLADDER_DB exported (as the README says) is no --db given: the workbooks are
    reported, one note on stderr says the database is not used, and it is not created."""
    lad = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = ctx_of(lad, "Ana Diaz", "2026-Q4")
    blank = tmp_path / "blank.xlsx"
    save(build_plan(lad, ctx), blank)
    book = tmp_path / "ana.xlsx"
    fill_workbook(blank, book, ctx, lad, {s.tab: {c.id: 2 for c in lad.categories}
                                          for s in ctx.raters}, {}, datetime(2026, 12, 1, 9))
    env_db = tmp_path / "env-history.sqlite"
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", str(book), "-o", str(out)],
                           env={"SHEETLADDER_DB": str(env_db)})
    assert r.exit_code == 0, r.output
    assert (out / "people" / "ana-diaz.html").is_file()
    assert r.stderr.count("SHEETLADDER_DB database is not used") == 1
    assert "does not go with" not in r.output
    assert not env_db.exists()
    # an explicit --db still conflicts, whatever the environment holds
    r = CliRunner().invoke(main, ["report", str(book), "--db", str(env_db), "-o",
                                  str(tmp_path / "other")], env={"SHEETLADDER_DB": str(env_db)})
    assert r.exit_code == 1 and "--db does not go with them" in r.output
    assert not (tmp_path / "other").exists() and not env_db.exists()


def planted_team_page(tmp_path: Path, extra: str) -> str:
    """The team page's text of test_calibrate's planted period (a manager 1.5 levels lenient
    across 8 reps), its ladder with ``extra`` appended."""
    from sheetladder.definition import load_text
    from sheetladder.report.site import make_report

    from .test_calibrate import LADDER, plant_lenient_manager

    db = tmp_path / "h.db"
    with History(str(db)) as h:
        plant_lenient_manager(h, load_text(LADDER + extra, "cal.yaml"))
    with History(str(db), read_only=True) as h:
        make_report(h, "2026-Q4", tmp_path / "site")
    return text_of((tmp_path / "site" / "index.html").read_bytes())


def test_the_team_page_shows_the_periods_real_calibration_flags(tmp_path: Path) -> None:
    """make_report takes the period's figures from results.calibrate: the manager planted 1.5
    levels lenient is flagged on the team page (three named peers each: nobody is pooled)."""
    text = planted_team_page(tmp_path, "")
    assert "No calibration figures" not in text
    assert "Mia Manager" in text and "more lenient" in text
    assert "Rater leniency and the adjusted consensus are left out here" not in text


def test_with_anyone_pooled_the_team_pages_calibration_names_no_rater(tmp_path: Path) -> None:
    """Peer anonymity reaches the team page's calibration: with min_peers above the peers who
    rated, the leniency rows (which would single the manager or a peer out) are left out and
    the page says where ops find them; agreement figures stay."""
    text = planted_team_page(tmp_path, "min_peers: 4\n")
    assert "Rater leniency and the adjusted consensus are left out here" in text
    for name in ("Mia Manager", "Ned Manager", "East Peer 1", "West Peer 6"):
        assert name not in text


def test_two_ladders_in_one_period_get_a_section_each_and_each_page_its_own_ladder(
        tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    small = fill(db)
    sales = fill(db, lad=load(DEFINITIONS / "sales-s1-s7.yaml"), seed=3, suffix=" Jr")
    pages, exp = site_of(db)
    rows: list[PersonRow] = exp.rows  # type: ignore[attr-defined]
    assert {r.ladder for r in rows} == {small.id, sales.id}
    index = text_of(pages["index.html"])
    assert f"Level distribution: {small.name}" in index and f"Level distribution: {sales.name}" \
        in index
    for row, name in zip(rows, page_names(rows), strict=True):
        lad = small if row.ladder == small.id else sales
        text = text_of(pages[name])
        assert lad.name in text
        assert all(c.name in text for c in lad.categories)


def _report(db: Path, out: Path, *args: str) -> Result:
    r = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(out), *args])
    assert r.exit_code == 0, r.output
    return r


def _people(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "people").iterdir())


def test_force_removes_the_pages_of_people_no_longer_in_the_report_and_nothing_else(
        plain_db: Path, tmp_path: Path) -> None:
    """--force removes only the person pages the earlier report's record lists: a copy of a
    page a manager saved beside it (same generator tag, other name) and other files stay."""
    out = tmp_path / "site"
    _report(plain_db, out)
    assert (out / RECORD).is_file()
    assert _people(out) == ["ana-diaz-2.html", "ana-diaz.html", "ben-ortiz.html",
                            "eva-lind.html"]
    copy = out / "people" / "ana-diaz-1on1-notes.html"
    copy.write_bytes((out / "people" / "ana-diaz.html").read_bytes())
    kept = (out / "people" / "eva-lind.html").read_bytes()
    saved = out / "people" / "eva-lind-saved.html"
    saved.write_bytes(kept)
    mine = out / "people" / "notes.html"
    mine.write_text("<p>my own notes</p>")
    r = _report(plain_db, out, "--team", "North", "--force")
    assert _people(out) == ["ana-diaz-1on1-notes.html", "ana-diaz.html", "ben-ortiz.html",
                            "eva-lind-saved.html", "notes.html"]
    assert "removed 2 person page(s)" in r.stdout and "eva-lind.html" in r.stdout
    assert mine.read_text() == "<p>my own notes</p>" and saved.read_bytes() == kept
    # the record now lists this report's pages only: the next --force removes nothing more
    r = _report(plain_db, out, "--team", "North", "--force")
    assert "removed" not in r.stdout
    assert _people(out) == ["ana-diaz-1on1-notes.html", "ana-diaz.html", "ben-ortiz.html",
                            "eva-lind-saved.html", "notes.html"]


def test_force_keeps_a_page_of_the_earlier_report_changed_since(plain_db: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "site"
    _report(plain_db, out)
    edited = out / "people" / "eva-lind.html"
    edited.write_bytes(edited.read_bytes() + b"<!-- my notes -->")
    r = _report(plain_db, out, "--team", "North", "--force")
    assert edited.read_bytes().endswith(b"<!-- my notes -->")
    assert not (out / "people" / "ana-diaz-2.html").exists()  # unchanged: removed
    assert "changed since, so were left in place" in r.stderr


def test_force_on_a_folder_of_a_report_without_a_record_removes_nothing_and_says_so(
        plain_db: Path, tmp_path: Path) -> None:
    """A report folder from before the record: whose pages are whose is not known, so only
    the pages of this report are written (same names replaced) and nothing is removed."""
    out = tmp_path / "site"
    _report(plain_db, out)
    (out / RECORD).unlink()
    r = _report(plain_db, out, "--team", "North", "--force")
    assert _people(out) == ["ana-diaz-2.html", "ana-diaz.html", "ben-ortiz.html",
                            "eva-lind.html"]
    assert r.stderr.count("none was removed") == 1 and "2 other page(s)" in r.stderr
    assert "removed" not in r.stdout
    assert (out / RECORD).is_file()  # the next --force knows this report's pages
    r = _report(plain_db, out, "--force")
    assert "removed" not in r.stdout and len(_people(out)) == 4


def test_a_record_naming_files_outside_the_people_folder_removes_none_of_them(
        plain_db: Path, tmp_path: Path) -> None:
    import hashlib
    import json

    out = tmp_path / "site"
    _report(plain_db, out, "--team", "North")
    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    data = victim.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    (out / "other.html").write_bytes(data)
    record = json.loads((out / RECORD).read_text())
    record["files"].update({"../victim.html": digest, "other.html": digest,
                            "people/../../victim.html": digest})
    (out / RECORD).write_text(json.dumps(record))
    _report(plain_db, out, "--team", "North", "--force")
    assert victim.read_text() == "keep me" and (out / "other.html").read_bytes() == data


def test_the_package_ships_every_template() -> None:
    """pyproject's package-data names every file of report/templates (else an installed
    sheetladder could not render a page)."""
    import fnmatch

    import tomllib

    import sheetladder.report

    data = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["sheetladder.report"]
    folder = Path(sheetladder.report.__file__).parent
    files = [p.relative_to(folder).as_posix() for p in (folder / "templates").iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), files


def test_below_min_peers_the_person_pages_show_self_and_others_and_name_no_peer(
        tmp_path: Path) -> None:
    """The report is built from the export, so peer anonymity reaches it: with the ladder's
    min_peers above the two peers who rated, no page names a peer, and the radar overlays Self
    and Others, with no manager or peer series."""
    from sheetladder.definition import load_text

    from .report_data import LADDER

    text = LADDER.replace("min_peers: 0", "min_peers: 3").format(
        name="Report test ladder", l1="Starter", group="Craft", cat="Discovery",
        d="Does the work of this level")
    db = tmp_path / "h.db"
    fill(db, lad=load_text(text, "report-test.yaml"))
    pages, _ = site_of(db)
    people = [n for n in pages if n.startswith("people/")]
    assert people
    for name in people:
        page = text_of(pages[name])
        assert "Peer A" not in page and "Peer B" not in page
        assert "Others" in page and "Self" in page
        # the radar overlays Self and the pool: its title names both series and no role more
        svg = pages[name].decode()
        title = svg[svg.index("Ratings by category: "):].split("<", 1)[0]
        assert title == "Ratings by category: Self, Others", title


def _manifest(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A manifest of 2026-Q4: (person, tab, role, rater, team) per rater tab."""
    lines = ["person,period,tab,role,rater,email,target,team"]
    lines += [f"{p},2026-Q4,{tab},{role},{rater},,{p}.xlsx,{team}" for p, tab, role, rater, team
              in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_teams_report_lists_only_that_teams_missing_people_and_counts_only_them(
        plain_db: Path, tmp_path: Path) -> None:
    """--team North: someone of South, or of no team, is not North's to chase, and the cycle's
    totals line counts North's people alone (and those of North collected but not listed)."""
    manifest = _manifest(tmp_path / "m.csv", [
        ("Ben Ortiz", "Self", "self", "", "North"), ("Zoe North", "Self", "self", "", "North"),
        ("Sam South", "Self", "self", "", "South"), ("Nat Noteam", "Self", "self", "", "")])
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", "--db", str(plain_db), "-o", str(out), "--team",
                                  "North", "--manifest", str(manifest)])
    assert r.exit_code == 0, r.output
    missing = text_of((out / "index.html").read_bytes()).split("Who is missing", 1)[1]
    assert "Zoe North" in missing
    assert "Sam South" not in missing and "Nat Noteam" not in missing
    assert "2026-Q4: 2 people, 1 complete, 0 partial, 1 not returned" in missing
    # Ana Diaz (North) is collected but not on the manifest: counted, not left out; the
    # South people not on it are not North's
    assert "0 refused; 1 collected but not in the manifest" in missing


def test_who_is_missing_names_no_rater_of_a_pooled_person_but_self(tmp_path: Path) -> None:
    """A person whose manager and peers are pooled (fewer peers than min_peers): which of
    them has not returned would tell who is inside the pool, so the team page counts them."""
    from sheetladder.definition import load_text

    from .report_data import LADDER

    text = LADDER.replace("min_peers: 0", "min_peers: 3").format(
        name="Report test ladder", l1="Starter", group="Craft", cat="Discovery",
        d="Does the work of this level")
    db = tmp_path / "h.db"
    fill(db, lad=load_text(text, "report-test.yaml"))
    person, _, manager = PEOPLE[0]
    manifest = _manifest(tmp_path / "m.csv", [
        (person, "Self", "self", "", "North"), (person, manager, "manager", manager, "North"),
        (person, "Peer A", "peer", "Peer A", "North"), (person, "Peer B", "peer", "Peer B", "North"),
        (person, "Peer C", "peer", "Peer C", "North")])  # Peer C never returned
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(out),
                                  "--manifest", str(manifest)])
    assert r.exit_code == 0, r.output
    missing = text_of((out / "index.html").read_bytes()).split("Who is missing", 1)[1]
    assert person in missing and "1 of 4 Others tab(s) not collected" in missing
    assert "Peer C" not in missing


def test_two_ladders_of_one_id_and_version_each_page_uses_its_own_by_hash(tmp_path: Path) -> None:
    """A ladder edited in place (a weight and a descriptor changed, id and version kept) is a
    second ladder held: each person's page takes thresholds, progress and the growth plan from
    the ladder of their own assessment (its hash), whichever was stored last, and the team
    page has a section per ladder holding only its own people."""
    from sheetladder.definition import load_text

    from .report_data import LADDER
    from .test_history import make_report

    text = LADDER.format(name="Report test ladder", l1="Starter", group="Craft",
                         cat="Discovery", d="Does the work of this level")
    first = load_text(text, "a.yaml")
    edited = text.replace("name: Closing, weight: 2,", "name: Closing, weight: 5,") \
        .replace("L3: Teaches discovery,", "L3: Teaches discovery to the team,")
    second = load_text(edited, "b.yaml")
    assert (first.id, first.version) == (second.id, second.version)
    assert first.content_hash() != second.content_hash()
    assert first.level_thresholds() != second.level_thresholds()
    db = tmp_path / "history.sqlite"
    with History(str(db)) as h:
        for person, lad, period in (("Ana Diaz", first, "2026-Q3"), ("Ana Diaz", first, "2026-Q4"),
                                    ("Ben Ortiz", second, "2026-Q4")):
            ctx = make_context(lad, person, period, [("self", None, None),
                                                     ("manager", "Bo Chen", None)])
            ratings = {s.tab: {c.id: 2 for c in lad.categories} for s in ctx.raters}
            h.ingest(make_report(lad, ctx, ratings, file=f"{person}-{period}.xlsx"), lad)
    own = {"Ana Diaz": first, "Ben Ortiz": second}
    for period in ("2026-Q3", "2026-Q4"):
        with History(str(db), read_only=True) as h:
            exp = build(h, period)
            pages = render_site(exp, ladders_of(h, exp))
        for row, name in zip(exp.rows, page_names(exp.rows), strict=True):
            lad = own[row.person]
            assert row.ladder_hash == lad.content_hash()
            assert row.level_index == 2 and row.total_points is not None
            to_go = lad.level_thresholds()[row.level_index] - row.total_points
            page = text_of(pages[name])
            assert f"{num(to_go)} points to go" in page, (period, row.person, page)
            assert f"Progress to L3 {round((row.progress_to_next or 0) * 100)}%" in page
            other = second if lad is first else first
            other_to_go = other.level_thresholds()[row.level_index] - row.total_points
            assert f"{num(other_to_go)} points to go" not in page
            l3 = lad.categories[0].descriptor("L3")
            assert l3 is not None and f"L3 Expert: {l3.text}" in page
            if lad is first:
                assert "to the team" not in page
        views = {tv.ladder_hash: tv for tv in exp.team}
        assert set(views) == {r.ladder_hash for r in exp.rows}
        for tv in exp.team:
            assert tv.people == sum(1 for r in exp.rows if r.ladder_hash == tv.ladder_hash)
        if period == "2026-Q4":
            assert len(exp.team) == 2 and len({tv.name for tv in exp.team}) == 2
        # each section's heatmap holds only the people of its own ladder
        tp = team_page(exp, page_names(exp.rows), None, None, None)
        for sec in tp.sections:
            people = {hr.person for b in sec.blocks for hr in b.rows}
            assert people == {r.person for r in exp.rows
                              if r.ladder_hash == sec.view.ladder_hash}
