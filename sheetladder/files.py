"""Writing output files without ever clobbering one: a workbook on disk may hold ratings."""

from __future__ import annotations

import os
from pathlib import Path


def write_new(path: str | Path, data: bytes, force: bool = False, why: str = "") -> Path:
    """Write ``data`` to ``path``; refuse (FileExistsError) to replace a file unless ``force``.

    The bytes go to a temporary file beside the destination first and are moved into place, so
    a crash never leaves a half-written file where a good one used to be; without ``force``
    the move is a hard link, which fails atomically if the name was taken meanwhile.
    """
    p = Path(path)
    refusal = f"{p}: already exists{why}; use --force to replace it"
    if p.exists() and not force:
        raise FileExistsError(refusal)
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
                raise FileExistsError(refusal) from None
            except OSError:  # a file system without hard links: exclusive create instead
                try:
                    with open(p, "xb") as f:
                        f.write(data)
                except FileExistsError:
                    raise FileExistsError(refusal) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return p
