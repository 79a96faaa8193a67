"""Real LibreOffice (headless) for tests: recalculate, re-save, or convert workbooks.

Tests that need LibreOffice call :func:`soffice_or_skip` (the helpers here do); on CI
(``CI=true``) a missing LibreOffice is a failure, never a silent skip.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from sheetladder.office import convert_many, soffice_path

XLSX = "xlsx:Calc MS Excel 2007 XML"


def soffice_or_skip() -> str:
    path = soffice_path()
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("LibreOffice (soffice) is required on CI: install libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed; scripts/install-test-deps installs it")


def convert(src: Path, out_dir: Path, target: str = XLSX, timeout: int = 180) -> Path:
    """Open ``src`` in LibreOffice (recalculating everything) and save it as ``target``."""
    soffice_or_skip()
    return convert_many([src], out_dir, target, recalc=True, timeout=timeout)[0]


def convert_all(sources: Sequence[Path], out_dir: Path, target: str = XLSX,
                timeout: int = 600) -> list[Path]:
    """Several files in one LibreOffice run (much faster than one run each)."""
    soffice_or_skip()
    return convert_many(list(sources), out_dir, target, recalc=True, timeout=timeout)


def recalculate(src: Path, out_dir: Path) -> Path:
    """Round trip an .xlsx through LibreOffice: every formula recomputed and stored."""
    return convert(src, out_dir, XLSX)
