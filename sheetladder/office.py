"""Run LibreOffice headless: convert workbooks (to PDF for previews, or re-saved with every
formula recalculated, which is how the tests check formulas against a real application)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import SheetladderError

INSTALL_HINT = (
    "LibreOffice is not installed; install it with "
    "'apt-get install libreoffice-calc-nogui' (Debian/Ubuntu) or from libreoffice.org"
)

_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class OfficeError(SheetladderError):
    """LibreOffice is missing or failed on a file."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_many(sources: Sequence[Path], out_dir: Path, target: str, recalc: bool = True,
                 timeout: int = 300) -> list[Path]:
    """Convert files with one LibreOffice run; ``target`` is e.g. ``pdf`` or
    ``xlsx:Calc MS Excel 2007 XML``. A private profile is used so runs never collide, and with
    ``recalc`` it forces every formula to be recomputed on load."""
    soffice = soffice_path()
    if soffice is None:
        raise OfficeError(INSTALL_HINT)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="sheetladder-lo-"))
    try:
        if recalc:
            (profile / "user").mkdir()
            (profile / "user" / "registrymodifications.xcu").write_text(_RECALC, encoding="utf-8")
        proc = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(out_dir), *map(str, sources)],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise OfficeError(f"LibreOffice did not finish within {timeout} s") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    ext = target.split(":")[0]
    outs = [out_dir / (Path(s).stem + "." + ext) for s in sources]
    # named by the file given, not by the output that was not made (notwb.xlsx, not notwb.pdf)
    missing = [Path(s) for s, o in zip(sources, outs, strict=True) if not o.exists()]
    if proc.returncode != 0 or missing:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OfficeError(
            f"LibreOffice could not convert {', '.join(str(m.name) for m in missing) or 'the files'}"
            + (f": {detail[-1]}" if detail else "")
        )
    return outs
