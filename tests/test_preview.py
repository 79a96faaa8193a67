"""sheetladder preview: pages of what a workbook looks like, through real LibreOffice."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from sheetladder import office
from sheetladder.cli import main
from sheetladder.context import make_context
from sheetladder.definition import load
from sheetladder.plan import build_plan
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS
from .libreoffice import soffice_or_skip


def test_preview_of_a_definition_writes_png_pages(tmp_path: Path):
    soffice_or_skip()
    out = tmp_path / "pages"
    result = CliRunner().invoke(main, ["preview", str(DEFINITIONS / "sales-s1-s7.yaml"),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = sorted(out.glob("*.png"))
    assert len(pages) >= 7  # guide, matrix, four rater tabs, summary: a page each at least
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)
    again = CliRunner().invoke(main, ["preview", str(DEFINITIONS / "sales-s1-s7.yaml"),
                                      "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_preview_of_a_workbook_as_pdf_leaves_the_workbook_untouched(tmp_path: Path, small):
    soffice_or_skip()
    book = save(build_plan(small, make_context(small, "Kim")), tmp_path / "kim.xlsx")
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["preview", str(book), "--format", "pdf",
                                       "-o", str(tmp_path / "pdf")])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "pdf" / "kim.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_preview_without_libreoffice_says_how_to_install_it(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(office, "soffice_path", lambda: None)
    result = CliRunner().invoke(main, ["preview", str(DEFINITIONS / "sales-s1-s7.yaml"),
                                       "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "LibreOffice is not installed" in result.output
    assert "apt-get install libreoffice-calc-nogui" in result.output


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_preview_pages_are_legible_by_default_and_dpi_and_page_choose_them(tmp_path: Path, small):
    soffice_or_skip()
    book = save(build_plan(small, make_context(small, "Kim")), tmp_path / "kim.xlsx")
    default = CliRunner().invoke(main, ["preview", str(book), "-o", str(tmp_path / "d")])
    assert default.exit_code == 0, default.output
    pages = sorted((tmp_path / "d").glob("*.png"))
    # landscape A4 is 11.69 in wide: at 110 dpi or more, 1,286 px or more
    assert pages and all(_png_size(p)[0] >= 1286 for p in pages), [_png_size(p) for p in pages]
    one = CliRunner().invoke(main, ["preview", str(book), "-o", str(tmp_path / "one"),
                                    "--page", "2", "--dpi", "150"])
    assert one.exit_code == 0, one.output
    (only,) = sorted((tmp_path / "one").glob("*.png"))
    assert only.name == "kim-2.png" and _png_size(only)[0] >= 1750  # 11.69 in at 150 dpi
    assert only.name == pages[1].name  # the name the whole preview gives that page
    assert one.output.strip() == str(only)
    beyond = CliRunner().invoke(main, ["preview", str(book), "-o", str(tmp_path / "x"),
                                       "--page", str(len(pages) + 1)])
    assert beyond.exit_code == 1
    assert f"prints on {len(pages)} pages" in beyond.output


def test_preview_of_one_page_as_pdf_is_that_page_alone(tmp_path: Path, small):
    soffice_or_skip()
    from .pdf_text import pages as pdf_pages

    book = save(build_plan(small, make_context(small, "Kim")), tmp_path / "kim.xlsx")
    result = CliRunner().invoke(main, ["preview", str(book), "--format", "pdf", "--page", "2",
                                       "-o", str(tmp_path / "pdf")])
    assert result.exit_code == 0, result.output
    got = pdf_pages(tmp_path / "pdf" / "kim-2.pdf")
    assert len(got) == 1 and "Matrix" in got[0].text


def test_one_page_of_ten_or_more_is_named_as_the_whole_preview_names_it(tmp_path: Path):
    """pdftoppm pads page numbers to the width of the last one (-01 of 12): --page 1 wrote
    -1, beside the whole preview's -01, instead of replacing it."""
    soffice_or_skip()
    sales = load(DEFINITIONS / "sales-s1-s7.yaml")
    book = save(build_plan(sales, make_context(sales, "Kim")), tmp_path / "kim.xlsx")
    whole = CliRunner().invoke(main, ["preview", str(book), "-o", str(tmp_path / "d"),
                                      "--dpi", "30"])
    assert whole.exit_code == 0, whole.output
    pages = sorted((tmp_path / "d").glob("*.png"))
    assert len(pages) >= 10, [p.name for p in pages]
    one = CliRunner().invoke(main, ["preview", str(book), "-o", str(tmp_path / "d"),
                                    "--page", "1", "--dpi", "30", "--force"])
    assert one.exit_code == 0, one.output
    assert one.output.strip() == str(pages[0])
    assert sorted((tmp_path / "d").glob("*.png")) == pages  # replaced, none added


def test_preview_of_an_empty_file_is_refused_not_drawn_as_a_blank_page(tmp_path: Path):
    # LibreOffice opens a 0-byte .xlsx as a new sheet: the preview was one blank page, exit 0
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    out = tmp_path / "pv"
    res = CliRunner().invoke(main, ["preview", str(empty), "-o", str(out)])
    assert res.exit_code != 0
    assert "empty.xlsx: empty file (0 bytes)" in res.output, res.output
    assert not out.exists()
    res = CliRunner().invoke(main, ["preview", str(tmp_path), "-o", str(out)])
    assert res.exit_code != 0 and "is a directory" in res.output, res.output


def test_preview_of_a_file_libreoffice_cannot_load_names_that_file(tmp_path: Path):
    soffice_or_skip()
    bad = tmp_path / "notwb.xlsx"
    bad.write_text("hello\n")
    res = CliRunner().invoke(main, ["preview", str(bad), "-o", str(tmp_path / "pv")])
    assert res.exit_code != 0
    assert "could not convert notwb.xlsx" in res.output, res.output
    assert "notwb.pdf" not in res.output
