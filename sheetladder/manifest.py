"""The manifest of a roster run: one row per rater of each workbook or Google Sheet made.

Written as the run goes (the whole file replaced atomically after each workbook), so a run that
fails half-way leaves a manifest of what exists, and a rerun makes only what is missing. It is
also the mail-merge file: person, period, rater tab, role, rater name, email and the file or
link (``target``). Text people wrote is neutralised for spreadsheets (a leading ``'`` before
``= + - @``, tab or carriage return) and restored when read back.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .errors import SheetladderError

COLUMNS = ("person", "period", "tab", "role", "rater", "email", "target")
_INJECTION = ("=", "+", "-", "@", "\t", "\r")


class ManifestError(SheetladderError):
    """A manifest that cannot be read or written (names the file and line)."""


class ManifestRow(BaseModel):
    """One rater of one workbook or sheet; ``target`` is its file or link ('' while missing)."""

    model_config = ConfigDict(frozen=True)

    person: str
    period: str | None = None
    tab: str
    role: str
    rater: str | None = None
    email: str | None = None
    target: str = ""


def _out(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_INJECTION) else text


def _in(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_INJECTION) else value


def manifest_text(rows: Iterable[ManifestRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_out(getattr(r, c)) for c in COLUMNS])
    return buf.getvalue()


def write_manifest(path: str | Path, rows: Iterable[ManifestRow]) -> Path:
    """Replace ``path`` with ``rows`` atomically (a temp file in the same folder, renamed): a
    reader, or a crash, sees the old manifest or the new one, never half of one."""
    path = Path(path)
    text = manifest_text(rows)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    except OSError as e:
        raise ManifestError(f"{path}: cannot write the manifest ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ManifestError(f"{path}: cannot write the manifest ({e.strerror or e})") from None
    return path


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """The rows of a manifest written by :func:`write_manifest`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ManifestError(f"{path}: cannot read the manifest ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not a UTF-8 manifest") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != COLUMNS:
        raise ManifestError(f"{path}:1: not a sheetladder manifest (expected the columns "
                            f"{','.join(COLUMNS)})")
    rows: list[ManifestRow] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            raise ManifestError(f"{path}:{line}: expected {len(COLUMNS)} columns, found {len(cells)}")
        v = dict(zip(COLUMNS, (_in(c) for c in cells), strict=True))
        if not v["person"] or not v["tab"] or not v["role"]:
            raise ManifestError(f"{path}:{line}: person, tab and role must not be empty")
        rows.append(ManifestRow(person=v["person"], period=v["period"] or None, tab=v["tab"],
                                role=v["role"], rater=v["rater"] or None, email=v["email"] or None,
                                target=v["target"]))
    return rows
