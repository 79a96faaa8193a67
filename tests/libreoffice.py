"""Real LibreOffice (headless) for tests: recalculate, re-save, or convert workbooks, or drive
it through its UNO API as a person works in it (type into cells, insert and delete rows, rename
tabs, save in a format, with a password).

Tests that need LibreOffice call :func:`soffice_or_skip` (the helpers here do); on CI
(``CI=true``) a missing LibreOffice, or its Python UNO bridge, is a failure, never a silent skip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


# -- LibreOffice driven through UNO -------------------------------------------------------------

Op = list[Any]
"""One edit: ["text", sheet, cell, text], ["number", sheet, cell, n], ["unprotect", sheet],
["insert_rows", sheet, index, count], ["delete_rows", sheet, index, count],
["insert_cols", sheet, index, count], ["delete_cols", sheet, index, count], ["formula", sheet,
cell, formula] (as typed, e.g. "=TRUE()"), ["date", sheet, cell, "2026-03-03"] (a date typed),
["rename", sheet, new name], ["copy_sheet", sheet, name of the copy] (added last),
["remove_sheet", sheet], ["sort", sheet, range, column (0-based, within the range),
ascending] (Data > Sort, no header row) or ["move", sheet, range, sheet, cell] (cut and paste,
or drag, a range to a cell: the formulas reading it follow it)."""

Save = tuple[Path, str, str | None]
"""Where a document is saved: (file, LibreOffice filter name, password or None)."""

XLSX_FILTER = "Calc MS Excel 2007 XML"

_UNO_SCRIPT = r'''
import json, os, shutil, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue

def pv(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value
    return p

def apply(sheets, op, doc=None):
    kind = op[0]
    if kind == "text":
        sheets.getByName(op[1]).getCellRangeByName(op[2]).setString(op[3])
    elif kind == "number":
        sheets.getByName(op[1]).getCellRangeByName(op[2]).setValue(op[3])
    elif kind == "unprotect":
        sheets.getByName(op[1]).unprotect("")
    elif kind == "insert_rows":
        sheets.getByName(op[1]).getRows().insertByIndex(op[2], op[3])
    elif kind == "delete_rows":
        sheets.getByName(op[1]).getRows().removeByIndex(op[2], op[3])
    elif kind == "insert_cols":
        sheets.getByName(op[1]).getColumns().insertByIndex(op[2], op[3])
    elif kind == "delete_cols":
        sheets.getByName(op[1]).getColumns().removeByIndex(op[2], op[3])
    elif kind == "formula":
        sheets.getByName(op[1]).getCellRangeByName(op[2]).setFormula(op[3])
    elif kind == "date":  # as typing a date does: the value, shown in the locale's date format
        from com.sun.star.lang import Locale
        from com.sun.star.util.NumberFormat import DATE
        cell = sheets.getByName(op[1]).getCellRangeByName(op[2])
        cell.setFormula(op[3])
        cell.NumberFormat = doc.NumberFormats.getStandardFormat(DATE, Locale())
    elif kind == "rename":
        sheets.getByName(op[1]).setName(op[2])
    elif kind == "move":  # cut and paste (or drag): the formulas reading it follow it
        src = sheets.getByName(op[1]).getCellRangeByName(op[2]).getRangeAddress()
        dst = sheets.getByName(op[3]).getCellRangeByName(op[4]).getCellAddress()
        sheets.getByName(op[3]).moveRange(dst, src)
    elif kind == "copy_sheet":
        sheets.copyByName(op[1], op[2], sheets.getCount())
    elif kind == "remove_sheet":
        sheets.removeByName(op[1])
    elif kind == "sort":
        from com.sun.star.table import TableSortField
        field = TableSortField()
        field.Field = op[3]
        field.IsAscending = op[4]
        sheets.getByName(op[1]).getCellRangeByName(op[2]).sort((
            pv("SortFields", uno.Any("[]com.sun.star.table.TableSortField", (field,))),
            pv("ContainsHeader", False)))
    else:
        raise SystemExit("unknown edit %r" % (kind,))

def main():
    job = json.load(open(sys.argv[1]))
    profile = tempfile.mkdtemp(prefix="sl-uno-")
    pipe = "sl%d" % os.getpid()
    proc = subprocess.Popen(
        [job["soffice"], "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), "--headless",
         "--invisible", "--norestore", "--nologo", "--nodefault",
         "--accept=pipe,name=%s;urp;" % pipe],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(600):
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                time.sleep(0.1)
        if ctx is None:
            raise SystemExit("could not connect to LibreOffice")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for item in job["files"]:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(item["src"]), "_blank", 0,
                                               (pv("Hidden", True),))
            for op in item["ops"]:
                apply(doc.Sheets, op, doc)
            doc.calculateAll()
            for dest, flt, password in item["saves"]:
                args = [pv("FilterName", flt), pv("Overwrite", True)]
                if password:
                    args.append(pv("Password", password))
                doc.storeToURL(uno.systemPathToFileUrl(dest), tuple(args))
            doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)

main()
'''


def uno_python_or_skip() -> str:
    """A Python that can import LibreOffice's uno module; on CI its absence is a failure."""
    candidates = [os.environ.get("SHEETLADDER_UNO_PYTHON", ""), "/usr/bin/python3",
                  "/usr/lib/libreoffice/program/python", sys.executable]
    for c in candidates:
        if c and Path(c).exists():
            ok = subprocess.run([c, "-c", "import uno"], capture_output=True).returncode == 0
            if ok:
                return c
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("LibreOffice's Python UNO bridge is required on CI: install python3-uno")
    pytest.skip("LibreOffice's Python UNO bridge (python3-uno) is not installed")


def uno_session(jobs: Sequence[tuple[Path, Sequence[Op], Sequence[Save]]], tmp: Path) -> None:
    """Open each (src, edits, saves) in one LibreOffice session, apply the edits, recompute,
    and save it to each of ``saves``; every file saved must exist afterwards."""
    soffice = soffice_or_skip()
    python = uno_python_or_skip()
    script = tmp / "lo_uno.py"
    script.write_text(_UNO_SCRIPT, encoding="utf-8")
    job = tmp / "lo_job.json"
    job.write_text(json.dumps({"soffice": soffice, "files": [
        {"src": str(src), "ops": [list(op) for op in ops],
         "saves": [[str(dest), flt, password] for dest, flt, password in saves]}
        for src, ops, saves in jobs]}), encoding="utf-8")
    # its own session, so a timeout ends the UNO script and the soffice it started together
    proc = subprocess.Popen([python, str(script), str(job)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    saved = [dest for _, _, saves in jobs for dest, _, _ in saves]
    if proc.returncode != 0 or not all(dest.exists() for dest in saved):
        raise RuntimeError(f"LibreOffice (UNO) failed: {proc.returncode}\n{out}\n{err}")


def edit_in_libreoffice(files: Sequence[tuple[Path, Path, Sequence[Op]]], tmp: Path) -> None:
    """Open each (src, dest, edits) in one LibreOffice session, apply the edits, save as .xlsx."""
    uno_session([(src, ops, [(dest, XLSX_FILTER, None)]) for src, dest, ops in files], tmp)
