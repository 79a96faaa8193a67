"""Printed workbooks are readable: every bundled ladder, filled, printed by real LibreOffice on A4
and on Letter, puts no text under 8 pt on any page, prints landscape on the paper asked for,
splits the Matrix by level columns with the category column repeated on every page, and heads
every page with the ladder, person, period and page x of y.

All the workbooks are printed in ONE LibreOffice run (a start costs about 1.5 s).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from sheetladder.context import make_context
from sheetladder.definition import Ladder, load
from sheetladder.plan import MATRIX_SHEET, build_plan
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS
from .libreoffice import soffice_or_skip
from .pdf_text import PageText, pages, paper_of

MIN_POINTS = 8.0
PAPERS = ("a4", "letter")
LADDERS = sorted(p.stem for p in DEFINITIONS.glob("*.yaml"))
RATERS = [("self", None, None), ("manager", "Bo Chen", None), ("peer", "Cy Park", None),
          ("peer", "Di Lee", None)]


def _filled_plan(ladder: Ladder):  # type: ignore[no-untyped-def]
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4",
                       [r for r in RATERS if r[0] in {x.id for x in ladder.raters}])
    rng = random.Random(7)
    top = len(ladder.levels)
    ratings = {slot.tab: {c.id: rng.randint(1, top) for c in ladder.categories}
               for slot in ctx.raters}
    comments = {slot.tab: {c.id: "Led the quarterly review with two new hires; asked for "
                                 "feedback and acted on it." for c in ladder.categories}
                for slot in ctx.raters}
    return build_plan(ladder, ctx, ratings, comments)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[PageText]]:
    """(ladder, paper) -> the pages LibreOffice prints for a filled workbook."""
    soffice_or_skip()
    from sheetladder.office import convert_many

    tmp = tmp_path_factory.mktemp("print")
    books: dict[tuple[str, str], Path] = {}
    for stem in LADDERS:
        plan = _filled_plan(load(DEFINITIONS / f"{stem}.yaml"))
        for paper in PAPERS:
            books[(stem, paper)] = save(plan, tmp / f"{stem}-{paper}.xlsx", paper=paper)
    pdfs = convert_many(list(books.values()), tmp / "pdf", "pdf", recalc=True, timeout=600)
    return {key: pages(pdf) for key, pdf in zip(books, pdfs, strict=True)}


def _matrix_pages(got: list[PageText], ladder: Ladder) -> list[PageText]:
    title = f"{ladder.name}: descriptor matrix"
    return [p for p in got if title in p.text]


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("stem", LADDERS)
def test_every_printed_page_has_no_text_under_8_points(printed, stem: str, paper: str):
    got = printed[(stem, paper)]
    assert len(got) >= 6
    small = [(p.number, p.smallest, p.smallest_text) for p in got
             if p.smallest is not None and p.smallest < MIN_POINTS]
    assert not small, f"text under {MIN_POINTS} pt (page, size, line): {small}"
    assert all(p.smallest is not None for p in got), "a page with no text at all"


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("stem", LADDERS)
def test_every_page_prints_landscape_on_the_paper_asked_for(printed, stem: str, paper: str):
    assert {paper_of(p) for p in printed[(stem, paper)]} == {(paper, "landscape")}


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("stem", LADDERS)
def test_every_page_is_headed_with_ladder_person_period_and_page_x_of_y(printed, stem, paper):
    ladder = load(DEFINITIONS / f"{stem}.yaml")
    got = printed[(stem, paper)]
    for p in got:
        flat = " ".join(p.text.split())
        assert ladder.name in flat, (p.number, flat[:200])
        assert "Ana Diaz" in flat and "2026-Q4" in flat, (p.number, flat[:200])
        assert re.search(rf"[Pp]age {p.number} of {len(got)}\b", flat), (p.number, flat[-200:])


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("stem", LADDERS)
def test_the_matrix_is_split_by_level_columns_with_the_categories_on_every_page(printed, stem,
                                                                                paper):
    ladder = load(DEFINITIONS / f"{stem}.yaml")
    matrix = _matrix_pages(printed[(stem, paper)], ladder)
    assert matrix, f"no page of the {MATRIX_SHEET} tab"
    flat = [" ".join(p.text.split()) for p in matrix]
    first = ladder.categories[0]

    def shown(t: str, code: str) -> bool:  # the start of first's descriptor of a level
        return " ".join(first.descriptor(code).text.split()[:3]) in t

    levels_on = [{code for code in ladder.codes if shown(t, code)} for t in flat]
    assert set().union(*levels_on) == set(ladder.codes), levels_on
    if len(ladder.levels) > 3:
        # too many levels for one page at a readable size: split, not shrunk
        assert all(len(got) < len(ladder.codes) for got in levels_on), levels_on
    # the category column is repeated on every page that shows descriptors of its row
    for t, got in zip(flat, levels_on, strict=True):
        if got:
            assert first.name in t, t[:300]
