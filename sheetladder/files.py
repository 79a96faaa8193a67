"""Writing output files without ever clobbering one: a workbook on disk may hold ratings."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import OutputError, OutputExists


def write_new(path: str | Path, data: bytes, force: bool = False, why: str = "") -> Path:
    """Write ``data`` to ``path``; refuse (OutputExists) to replace a file unless ``force``.

    The bytes go to a temporary file beside the destination first and are moved into place, so
    a crash never leaves a half-written file where a good one used to be; without ``force``
    the move is a hard link, which fails atomically if the name was taken meanwhile.
    """
    p = Path(path)
    refusal = f"{p}: already exists{why}; use --force to replace it"
    if p.exists() and not force:
        raise OutputExists(refusal)
    try:
        return _write(p, data, force, refusal)
    except OutputError:
        raise
    except OSError as e:  # a folder we may not create or write, a full disk: one line
        raise OutputError(f"{e.filename or p}: {e.strerror or e}") from None


def _write(p: Path, data: bytes, force: bool, refusal: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    try:
        if force:
            os.replace(tmp, p)
        else:
            try:
                os.link(tmp, p)
            except FileExistsError:
                raise OutputExists(refusal) from None
            except OSError:  # a file system without hard links: exclusive create instead
                try:
                    with open(p, "xb") as f:
                        f.write(data)
                except FileExistsError:
                    raise OutputExists(refusal) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return p
