"""The generated references cannot go stale, and they show what users see."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_cli_and_definition_references_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _blocks(text: str) -> dict[str, str]:
    """docs/cli.md's help texts by command ('' for the group's own)."""
    out: dict[str, str] = {}
    name = ""
    for m in re.finditer(r"^## sheetladder (\S+)$|^```\n(.*?)\n```$", text, re.M | re.S):
        if m.group(1):
            name = m.group(1)
        else:
            out.setdefault(name, m.group(2))
    return out


def test_cli_reference_is_what_the_installed_command_prints(tmp_path: Path):
    """Each block of docs/cli.md equals the real `sheetladder CMD --help`, run the way a user
    runs it (the console script, a terminal of 120 columns): not the generator's own output."""
    from sheetladder.cli import main

    exe = Path(sys.executable).with_name("sheetladder")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sheetladder"]
    env = {**os.environ, "COLUMNS": "120", "PYTHONPATH": str(ROOT)}
    blocks = _blocks((ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))
    assert set(blocks) == {"", *main.commands}
    for name, text in blocks.items():
        args = [name] if name else []
        got = subprocess.run([*cmd, *args, "--help"], capture_output=True, text=True, env=env,
                             cwd=tmp_path, check=True).stdout.rstrip()
        assert got == text, name
        assert "-h, --help" in got


def test_the_api_reference_builds(tmp_path: Path):
    """pdoc renders the public API (sheetladder and every module under it) without errors."""
    out = tmp_path / "api"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_docs.py"), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    index = (out / "sheetladder.html").read_text(encoding="utf-8")
    for name in ("load", "build_plan", "read", "collect", "export", "SheetladderError"):
        assert name in index
    for module in ("xlsx/write", "google/publish", "verify/verify", "results/store", "importer/detect"):
        assert (out / "sheetladder" / f"{module}.html").exists(), module
    assert "warning" not in proc.stderr.lower(), proc.stderr[-3000:]
