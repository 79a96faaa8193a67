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
from .xlsx.write import save

Format = Literal["pdf", "png"]


def preview(source: Path, out_dir: Path, fmt: Format = "png", force: bool = False,
            dpi: int = 70) -> list[Path]:
    """Write the preview of ``source`` (.xlsx or a definition .yaml) into ``out_dir``."""
    if not source.exists():
        raise OfficeError(f"{source}: no such file")
    with tempfile.TemporaryDirectory(prefix="sheetladder-preview-") as tmp:
        work = Path(tmp)
        if source.suffix.lower() in (".yaml", ".yml"):
            ladder = load(source)
            xlsx = save(build_plan(ladder, make_context(ladder, "Sample Person")),
                        work / f"{source.stem}.xlsx")
        elif source.suffix.lower() in (".xlsx", ".ods"):
            xlsx = work / source.name
            shutil.copyfile(source, xlsx)
        else:
            raise OfficeError(f"{source}: preview takes an .xlsx, .ods or a definition .yaml")
        pdf = convert_many([xlsx], work / "pdf", "pdf", recalc=False)[0]
        out_dir.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            target = out_dir / pdf.name
            _refuse_existing([target], force)
            shutil.copyfile(pdf, target)
            return [target]
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            raise OfficeError("pdftoppm is not installed; install it with "
                              "'apt-get install poppler-utils', or use --format pdf")
        pages = work / "png"
        pages.mkdir()
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(pages / source.stem)],
                       check=True, capture_output=True, timeout=300)
        made = sorted(pages.glob("*.png"))
        targets = [out_dir / p.name for p in made]
        _refuse_existing(targets, force)
        for p, t in zip(made, targets, strict=True):
            shutil.copyfile(p, t)
        return targets


def _refuse_existing(targets: list[Path], force: bool) -> None:
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise FileExistsError(f"{existing[0]}: already exists; use --force to replace it")
