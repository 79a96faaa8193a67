"""Rosters and manifests edited between render and collect, as ops edit them during a quarter:
a person renamed, replaced, added or removed, a manifest kept in a spreadsheet. Every outcome is
either right or refused naming the file, line and what to do; no file is replaced or lost."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.manifest import read_manifest

from .conftest import SMALL

HEADER = "person,email,team,manager,manager_email\n"


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.output


def _ladder(tmp_path: Path) -> Path:
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    return ladder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_keep_existing_refuses_a_new_person_whose_file_name_is_another_persons_file(
        tmp_path: Path) -> None:
    """Jose Nunez left after render and José Núñez (another person, another email) joined: his
    file name is Jose's. --keep-existing used to count that file as his, 'kept as they were',
    exit 0: José got no workbook and no manifest row, and nobody was told."""
    ladder, out = _ladder(tmp_path), tmp_path / "out"
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "Jose Nunez,jose@example.com,North,Bo Chen,bo@example.com\n"
                     "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n", encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(first), "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 0, text
    before = _snapshot(out)
    later = tmp_path / "later.csv"
    later.write_text(HEADER + "José Núñez,jose.nunez@example.com,North,Bo Chen,bo@example.com\n"
                     "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n", encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(later), "--period", "2026-Q4",
                     "-o", str(out), "--keep-existing")
    assert code == 1, text
    assert f"{later}:2:" in text
    assert "jose-nunez-2026-q4.xlsx" in text and "'Jose Nunez'" in text and "'José Núñez'" in text
    assert "kept" not in text.split("\n")[0]
    assert _snapshot(out) == before  # no file written or replaced, the manifest as it was
    assert {r.person for r in read_manifest(out / "manifest.csv")} == {"Jose Nunez", "Eva Lind"}


def test_keep_existing_keeps_a_persons_own_files_spelt_in_another_case(tmp_path: Path) -> None:
    ladder, out = _ladder(tmp_path), tmp_path / "out"
    roster = tmp_path / "team.csv"
    roster.write_text(HEADER + "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n",
                      encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 0, text
    before = _snapshot(out)
    roster.write_text(HEADER + "EVA  LIND,eva@example.com,North,Bo Chen,bo@example.com\n",
                      encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                     "-o", str(out), "--keep-existing")
    assert code == 0, text
    assert "1 kept as they were" in text
    assert _snapshot(out) == before
