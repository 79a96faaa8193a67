"""Run real LibreOffice (headless) on workbooks: recalculate, re-save, or convert.

Tests that need LibreOffice call :func:`soffice_or_skip`; on CI (``CI=true``) a missing
LibreOffice is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_or_skip() -> str:
    path = soffice_path()
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("LibreOffice (soffice) is required on CI: install libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed; scripts/install-test-deps installs it")


def _profile() -> Path:
    """A fresh user profile that forces recalculation of every formula on load."""
    d = Path(tempfile.mkdtemp(prefix="sl-lo-profile-"))
    user = d / "user"
    user.mkdir()
    (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    return d


def convert(src: Path, out_dir: Path, target: str = "xlsx:Calc MS Excel 2007 XML",
            timeout: int = 180) -> Path:
    """Open ``src`` in LibreOffice (recalculating everything) and save it as ``target`` in
    ``out_dir``. Returns the new file's path."""
    soffice = soffice_or_skip()
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = _profile()
    try:
        proc = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(out_dir), str(src)],
            capture_output=True, text=True, timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    ext = target.split(":")[0]
    out = out_dir / (src.stem + "." + ext)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"LibreOffice failed on {src}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return out


def recalculate(src: Path, out_dir: Path) -> Path:
    """Round trip an .xlsx through LibreOffice: every formula recomputed and stored."""
    return convert(src, out_dir, "xlsx:Calc MS Excel 2007 XML")
