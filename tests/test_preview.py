"""sheetladder preview: pages of what a workbook looks like, through real LibreOffice."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from sheetladder import office
from sheetladder.cli import main
from sheetladder.context import make_context
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
