"""A lock file given alone is refused saying what to give instead, whichever command was run:
the message said "then collect ana.xlsx" to ``sheetladder read`` and ``import`` too."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main

from .test_edges_saved import _excel_owner_file
from .test_status import invoke


@pytest.mark.parametrize(("lock", "program"), [("~$ana-diaz.xlsx", "Excel"),
                                               (".~lock.ana-diaz.xlsx#", "LibreOffice")])
def test_a_lock_file_s_refusal_names_no_command(tmp_path: Path, lock: str, program: str) -> None:
    path = tmp_path / lock
    path.write_bytes(_excel_owner_file("Bo Chen") if program == "Excel" else
                     b"Bo Chen,bo-laptop,bo,06.12.2026 10:00,file:///home/bo/.config/lo/4;\n")
    why = (f"the lock file {program} holds while ana-diaz.xlsx is open, not a workbook: close "
           f"the workbook in {program}, then give ana-diaz.xlsx itself")
    res = CliRunner().invoke(main, ["read", str(path)])
    assert res.exit_code == 2 and res.stderr.strip() == f"{path}: {why}", res.output
    res = invoke("collect", str(path), "--db", str(tmp_path / "h.sqlite"))
    assert res.exit_code == 1 and f"not a readable workbook: {why}" in res.output, res.output
    if program == "Excel":  # (import takes LibreOffice's one-line lock file for a CSV first)
        res = CliRunner().invoke(main, ["import", str(path)])
        assert res.exit_code != 0 and why in " ".join(res.output.split()), res.output
    assert "collect" not in why and "read" not in why
