"""The generated references cannot go stale: they must equal what the generator writes now."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_cli_and_definition_references_are_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cli_reference_covers_every_command():
    from sheetladder.cli import main

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"## sheetladder {name}\n" in text
