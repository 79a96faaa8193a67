"""Preview what a workbook looks like, as PDF or PNG pages, through LibreOffice headless.

A definition is previewed by rendering a sample workbook first. The source file is never
touched: LibreOffice works on a private copy.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from .context import make_context
from .definition import load
from .office import OfficeError, convert_many
from .plan import build_plan
from .xlsx.printing import Paper
from .xlsx.write import save

Format = Literal["pdf", "png"]
# 110 dpi draws 10-pt text about 15 px high: legible on a screen at 100%
DEFAULT_DPI = 110
MIN_DPI, MAX_DPI = 30, 600


def preview(source: Path, out_dir: Path, fmt: Format = "png", force: bool = False,
            dpi: int = DEFAULT_DPI, page: int | None = None, paper: Paper = "a4") -> list[Path]:
    """Write the preview of ``source`` (.xlsx or a definition .yaml) into ``out_dir``: every
    page, or only ``page`` (1-based) of the printed workbook; a definition's sample workbook
    prints on ``paper``."""
    if not source.exists():
        raise OfficeError(f"{source}: no such file")
    if source.is_dir():
        raise OfficeError(f"{source}: is a directory, not a workbook")
    if source.stat().st_size == 0:
        # LibreOffice opens an empty file as a new blank sheet: a picture of nothing
        raise OfficeError(f"{source}: empty file (0 bytes), not a workbook")
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise OfficeError(f"--dpi {dpi}: give a resolution from {MIN_DPI} to {MAX_DPI}")
    if page is not None and page < 1:
        raise OfficeError(f"--page {page}: pages are numbered from 1")
    with tempfile.TemporaryDirectory(prefix="sheetladder-preview-") as tmp:
        work = Path(tmp)
        if source.suffix.lower() in (".yaml", ".yml"):
            ladder = load(source)
            xlsx = save(build_plan(ladder, make_context(ladder, "Sample Person")),
                        work / f"{source.stem}.xlsx", paper=paper)
        elif source.suffix.lower() in (".xlsx", ".ods"):
            xlsx = work / source.name
            shutil.copyfile(source, xlsx)
        else:
            raise OfficeError(f"{source}: preview takes an .xlsx, .ods or a definition .yaml")
        pdf = convert_many([xlsx], work / "pdf", "pdf", recalc=False)[0]
        if page is not None:
            pdf = _one_page(pdf, page, work / "page")
        out_dir.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            target = out_dir / pdf.name
            _refuse_existing([target], force)
            shutil.copyfile(pdf, target)
            return [target]
        pages = work / "png"
        pages.mkdir()
        # one page keeps its number in its name: -singlefile writes exactly PREFIX.png
        name = ["-singlefile", str(pages / pdf.stem)] if page else [str(pages / source.stem)]
        subprocess.run([_poppler("pdftoppm"), "-png", "-r", str(dpi), str(pdf), *name],
                       check=True, capture_output=True, timeout=300)
        made = sorted(pages.glob("*.png"))
        targets = [out_dir / p.name for p in made]
        _refuse_existing(targets, force)
        for p, t in zip(made, targets, strict=True):
            shutil.copyfile(p, t)
        return targets


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise OfficeError(f"{tool} is not installed; install it with 'apt-get install poppler-utils'"
                          + (", or use --format pdf" if tool == "pdftoppm" else ""))
    return path


def page_count(pdf: Path) -> int:
    """Pages in ``pdf``, from pdfinfo."""
    out = subprocess.run([_poppler("pdfinfo"), str(pdf)], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise OfficeError(f"{pdf.name}: pdfinfo found no page count")


def _one_page(pdf: Path, page: int, work: Path) -> Path:
    """Page ``page`` of ``pdf`` as a PDF of its own, with the original name."""
    count = page_count(pdf)
    if page > count:
        raise OfficeError(f"--page {page}: the workbook prints on {count} page"
                          + ("s" if count != 1 else ""))
    work.mkdir()
    # numbered as pdftoppm numbers the pages of the whole preview (zero-padded to the width
    # of the last page's number): page 1 of 12 is -01, and replaces (or clashes with) -01
    target = work / f"{pdf.stem}-{page:0{len(str(count))}d}.pdf"
    subprocess.run([_poppler("pdfseparate"), "-f", str(page), "-l", str(page), str(pdf),
                    str(target)], check=True, capture_output=True, timeout=60)
    return target


def _refuse_existing(targets: list[Path], force: bool) -> None:
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise FileExistsError(f"{existing[0]}: already exists; use --force to replace it")
