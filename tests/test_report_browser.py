"""The report's pages in a real browser (headless Chromium): each loads with no console error
and no request leaving the file system, draws a page that is not blank, prints on A4 and
Letter with no text under 8 pt, keeps injected HTML inert, and works from the keyboard.

On CI (CI=true) a missing Chromium fails these tests (tests/chromium.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from sheetladder.definition import Ladder, load
from sheetladder.report.site import make_report
from sheetladder.results.store import History

from .chromium import PAPER_INCHES, Browser, chromium_or_skip
from .conftest import DEFINITIONS
from .pdf_text import pages as pdf_pages
from .pdf_text import paper_of
from .report_data import PAYLOADS, fill

MIN_PT = 8.0


def _site(root: Path, hostile: bool, ladder: Ladder | None = None) -> list[Path]:
    db = root / "history.sqlite"
    fill(db, hostile=hostile, lad=ladder)
    with History(str(db), read_only=True) as h:
        done = make_report(h, "2026-Q4", root / "site")
    return sorted(done.pages)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium_or_skip()
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _site(tmp_path_factory.mktemp("plain"), hostile=False)


@pytest.fixture(scope="module")
def sales_site(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled sales ladder: 18 categories with long names, seven levels."""
    return _site(tmp_path_factory.mktemp("sales"), hostile=False,
                 ladder=load(DEFINITIONS / "sales-s1-s7.yaml"))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _site(tmp_path_factory.mktemp("hostile"), hostile=True)


def _not_blank(png: bytes) -> float:
    """The share of pixels that are not the page's background."""
    img = Image.open(io.BytesIO(png)).convert("L")
    hist = img.histogram()
    return 1 - max(hist) / sum(hist)


def test_every_page_loads_with_no_error_and_no_request_off_the_file_system(
        browser: Browser, plain_site: list[Path]) -> None:
    assert len(plain_site) == 5
    for page in plain_site:
        load = browser.load(page)
        assert load.errors == [], (page.name, load.errors)
        assert load.requests and all(u.startswith("file://") for u in load.requests), \
            (page.name, load.requests)
        assert load.requests == [load.url], (page.name, load.requests)  # nothing but the page
        png = browser.screenshot()
        assert png.startswith(b"\x89PNG")
        assert _not_blank(png) > 0.02, page.name
        # the charts were drawn: an SVG with a text alternative, of a real size
        assert browser.evaluate(
            "[...document.querySelectorAll('svg[role=img]')].every(s => "
            "s.getBoundingClientRect().width > 100 && s.querySelector('title') && "
            "s.querySelector('desc'))") is True


MARGIN_MM = 12  # the print stylesheet's left and right page margins


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("site", ["plain_site", "sales_site"])
def test_every_page_prints_on_the_paper_with_no_text_under_8_pt_and_nothing_cut_off(
        browser: Browser, site: str, request: pytest.FixtureRequest, tmp_path: Path,
        paper: str) -> None:
    pages: list[Path] = request.getfixturevalue(site)
    # the width a printed page gives the content, in CSS pixels (96 a inch)
    content = int(PAPER_INCHES[paper][0] * 96 - 2 * MARGIN_MM / 25.4 * 96)
    for page in pages:
        browser.load(page)
        assert browser.printed_width(content) <= content, (page.name, "wider than the paper")
        pdf = tmp_path / f"{page.stem}-{paper}.pdf"
        pdf.write_bytes(browser.pdf(paper))
        printed = pdf_pages(pdf)
        assert printed, page.name
        for p in printed:
            assert paper_of(p) == (paper, "portrait"), (page.name, p.number)
            assert p.smallest is not None and p.smallest >= MIN_PT, \
                (page.name, p.number, p.smallest, p.smallest_text)
        # every section is printed (nothing hidden from paper but the skip link and crumbs)
        text = " ".join(p.text for p in printed)
        for heading in (("Level distribution", "Heatmap", "Who is missing") if
                        page.name == "index.html" else
                        ("Ratings by category", "Growth plan", "Comments and evidence", "Trend")):
            assert heading in text, (page.name, heading)


def test_injected_html_stays_text_in_the_browser(browser: Browser,
                                                 hostile_site: list[Path]) -> None:
    for page in hostile_site:
        load = browser.load(page)
        assert load.errors == [], (page.name, load.errors)
        assert load.requests == [load.url], (page.name, load.requests)  # no <img src=x> fetched
        assert browser.evaluate("window.__pwned === undefined") is True, page.name
        assert browser.evaluate("document.querySelectorAll('script, img, [onerror]').length") == 0
        text = browser.evaluate("document.body.innerText")
        for payload in PAYLOADS:
            assert payload in text, (page.name, payload)
        # the SVG charts' labels are text too, not elements
        assert browser.evaluate("document.querySelectorAll('svg script, svg img').length") == 0


def test_the_keyboard_reaches_a_visible_skip_link_first_then_the_links(
        browser: Browser, plain_site: list[Path]) -> None:
    index = next(p for p in plain_site if p.name == "index.html")
    browser.load(index)
    browser.press_tab()
    assert browser.evaluate("document.activeElement.className") == "skip"
    assert browser.evaluate("document.activeElement.getBoundingClientRect().top >= 0") is True
    assert browser.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    browser.press_tab()
    href = browser.evaluate("document.activeElement.getAttribute('href')")
    assert href is not None and href.startswith("people/")
