"""The README's commands, executed in order as a new user would type them.

Every ```sh block of README.md runs with bash in an empty folder holding a copy of
definitions/, one after the other, and must succeed. ``<!-- readme-test: ... -->`` lines stand
in for what a person does between commands:

* ``fill PATH...`` — raters fill every rater tab of those workbooks (a folder: every .xlsx in
  it), as they would in Excel; the test writes the cells with openpyxl.
* ``fill-google`` — raters fill the Google Sheets published so far, through the local fake of
  Google's APIs (every Google call of the walk-through goes to that fake), and ``SHEET_ID`` in
  the next block becomes the id of the last sheet published.

The set-up block (```bash) is checked too, less its ``pip install`` (the package is installed).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

from sheetladder.plan import C_COMMENT, C_RATING, R_FIRST
from sheetladder.results.read import verify_source

from .conftest import DEFINITIONS, ROOT
from .fake_google import FakeGoogle
from .libreoffice import soffice_or_skip
from .test_gsheets import fill as fill_google

MARKER = re.compile(r"<!--\s*readme-test:\s*(.*?)\s*-->")
SHEET = re.compile(r"spreadsheets/d/([A-Za-z0-9_-]+)")


def readme_steps() -> list[tuple[str, str]]:
    """("marker", text) and ("sh"|"bash", code) items in README order."""
    steps: list[tuple[str, str]] = []
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARKER.search(line)
        if m:
            steps.append(("marker", m.group(1)))
        elif line.startswith("```") and line[3:].strip() in ("sh", "bash"):
            kind = line[3:].strip()
            body = []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            steps.append((kind, "\n".join(body)))
        i += 1
    return steps


def _fill_workbook(path: Path, rng: random.Random) -> None:
    v = verify_source(str(path))
    ladder = v.ladder
    wb = openpyxl.load_workbook(path)
    for slot in v.context.raters:
        if slot.tab not in wb.sheetnames:
            continue  # a --split copy holds one rater's tab
        ws = wb[slot.tab]
        for i, _ in enumerate(ladder.categories):
            ws.cell(R_FIRST + i + 1, C_RATING + 1).value = rng.choice(ladder.codes[1:4])
            ws.cell(R_FIRST + i + 1, C_COMMENT + 1).value = "Seen on the Q4 deals."
    wb.save(path)


def test_readme_walkthrough_runs_end_to_end(tmp_path: Path, monkeypatch):
    soffice_or_skip()  # the walk-through previews a workbook
    work = tmp_path / "newcomer"
    work.mkdir()
    shutil.copytree(DEFINITIONS, work / "definitions")
    rng = random.Random(2026)
    bindir = str(Path(sys.executable).parent)
    steps = readme_steps()
    assert sum(kind == "sh" for kind, _ in steps) >= 10
    published: list[str] = []
    ran = 0
    with FakeGoogle() as fake:
        monkeypatch.setenv("SHEETLADDER_GOOGLE_API_ROOT", fake.root)
        env = {**os.environ, "SHEETLADDER_GOOGLE_API_ROOT": fake.root,
               "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
        env.pop("SHEETLADDER_DB", None)
        for kind, text in steps:
            if kind == "marker":
                verb, *args = text.split()
                if verb == "fill":
                    for arg in args:
                        target = work / arg
                        books = sorted(target.glob("*.xlsx")) if target.is_dir() else [target]
                        assert books, f"nothing to fill at {arg}"
                        for book in books:
                            _fill_workbook(book, rng)
                elif verb == "fill-google":
                    assert published, "no sheet was published before fill-google"
                    for sid in published:
                        v = verify_source(sid)
                        plan_ratings = {s.tab: {c.id: rng.randint(1, 4) for c in v.ladder.categories}
                                        for s in v.context.raters}
                        from sheetladder.plan import build_plan

                        fill_google(fake, sid, build_plan(v.ladder, v.context), plan_ratings, {},
                                    rng)
                else:
                    raise AssertionError(f"unknown readme-test marker: {text}")
                continue
            if kind == "bash":
                if "install-test-deps" in text:
                    continue  # the test command itself: CI runs it verbatim
                text = text.replace("pip install . && ", "")
            if published:
                text = text.replace("SHEET_ID", published[-1])
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, f"README step failed:\n{text}\n{proc.stdout}\n{proc.stderr}"
            published += SHEET.findall(proc.stdout)
            ran += 1
    assert ran >= 10
    # what the walk-through promised is there
    assert (work / "output" / "ana-diaz-2026-q4.xlsx").exists()
    assert (work / "output" / "results-2026-Q4.xlsx").exists()
    assert (work / "definitions" / "my-ladder.yaml").exists()
    assert list((work / "output" / "preview").glob("*.png"))


def test_the_readme_names_the_reminder_list_columns_the_csv_has_in_their_order() -> None:
    """The README's list of the columns of ``status --format csv`` (the reminder list a mail
    merge reads) is the header the command writes, name for name and in order."""
    import csv
    import io

    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status
    from sheetladder.results.status import render as render_status

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    m = re.search(r"`--format csv` is the reminder list for a mail merge \(one row per tab to "
                  r"chase, in the columns (.*?), the file or link handed out;", text)
    assert m, "the README no longer describes the reminder list's columns where it did"
    described = re.findall(r"`([^`]+)`", m.group(1))
    row = ManifestRow(person="Ana Diaz", period="2026-Q4", tab="Bo Chen", role="manager",
                      rater="Bo Chen", email="bo@example.com", target="ana-diaz-2026-q4.xlsx")
    st = cycle_status([row], "2026-Q4", {}, [])
    out = render_status(st, "csv").decode("utf-8-sig")
    header, first = list(csv.reader(io.StringIO(out)))[:2]
    assert described == header
    assert dict(zip(header, first, strict=True))["target"] == "ana-diaz-2026-q4.xlsx"
