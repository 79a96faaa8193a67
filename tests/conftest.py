"""Shared fixtures: the bundled ladders and small hand-made ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.definition import Ladder, load, load_text

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "definitions"

SMALL = """\
id: small
name: Small ladder
version: "1"
levels:
  - {code: L1, name: One}
  - {code: L2, name: Two}
  - {code: L3, name: Three}
groups:
  - id: g
    name: Group G
    categories:
      - {id: a, name: Alpha, descriptors: {L1: a one, L2: a two, L3: a three}}
      - {id: b, name: Beta, weight: 2, descriptors: {L1: b one, L2: b two, L3: {text: b three, drafted: true}}}
"""


@pytest.fixture(scope="session")
def sales() -> Ladder:
    return load(DEFINITIONS / "sales-s1-s7.yaml")


@pytest.fixture(scope="session")
def small() -> Ladder:
    return load_text(SMALL, "small.yaml")


@pytest.fixture(scope="session")
def bundled() -> list[Ladder]:
    return [load(p) for p in sorted(DEFINITIONS.glob("*.yaml"))]


def run(*args: str) -> tuple[int, str]:
    """``sheetladder ARGS`` as a user runs it: its exit code and output (an exception not
    turned into a message fails the test)."""
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.output


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder with a copy of the bundled definitions, as the README's user has: the
    CLI reads there with trusted ladders (which must not bring back a figure a workbook
    withholds), and no SHEETLADDER_DB from the environment."""
    shutil.copytree(DEFINITIONS, tmp_path / "definitions")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETLADDER_DB", raising=False)
    return tmp_path


def fill_small(path: Path, code: str = "L2") -> None:
    """Rate both categories of every rater tab of a workbook of the SMALL ladder ``code``, as
    its raters would in Excel (the tabs between the Matrix and the Summary), saved in place."""
    import openpyxl

    from sheetladder.plan import C_RATING, R_FIRST

    wb = openpyxl.load_workbook(path)
    for tab in wb.sheetnames[2:-2]:
        for i in range(2):
            wb[tab].cell(R_FIRST + i + 1, C_RATING + 1).value = code
    wb.save(path)
