"""Writing output files without ever clobbering one: a workbook on disk may hold ratings."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import OutputError, OutputExists


class WriteFailed(OutputError):
    """An output file could not be written (a full disk, a file size limit, an I/O error);
    nothing was left behind. The message names the file."""

    def __init__(self, path: Path, error: OSError):
        super().__init__(f"cannot write {path}: {error.strerror or error}")
        self.errno = error.errno


def write_new(path: str | Path, data: bytes, force: bool = False, why: str = "") -> Path:
    """Write ``data`` to ``path``; refuse (OutputExists) to replace a file unless ``force``.

    The bytes go to a temporary file beside the destination first and are moved into place, so
    a crash never leaves a half-written file where a good one used to be; without ``force``
    the move is a hard link, which fails atomically if the name was taken meanwhile.

    The temporary file has an unpredictable name and is created with O_EXCL and O_NOFOLLOW, so
    a symlink planted in the folder can never redirect the write; it is removed on every
    failure, a full disk included, and so are the folders this call made. A symlink at
    ``path`` itself is refused, or with ``force`` replaced, never written through.
    """
    p = Path(path)
    refusal = f"{p}: already exists{why}; use --force to replace it"
    if os.path.lexists(p) and not force:
        raise OutputExists(refusal)
    try:
        return _write(p, data, force, refusal)
    except OutputError:
        raise
    except OSError as e:  # a folder we may not create or write: one line
        raise OutputError(f"{e.filename or p}: {e.strerror or e}") from None


def _write(p: Path, data: bytes, force: bool, refusal: str) -> Path:
    made = _make_folders(p.parent)
    done = False
    try:
        fd, tmp = _create_temp(p)
        try:
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            except OSError as e:
                raise WriteFailed(p, e) from None
            if force:
                os.replace(tmp, p)
            else:
                try:
                    os.link(tmp, p, follow_symlinks=False)
                except FileExistsError:
                    raise OutputExists(refusal) from None
                except OSError:  # a file system without hard links: exclusive create instead
                    _write_exclusive(p, data, refusal)
            done = True
        finally:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
    finally:
        if not done:
            for folder in made:  # deepest first; only the ones this call made, if still empty
                try:
                    folder.rmdir()
                except OSError:
                    break
    return p


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, deepest first."""
    missing: list[Path] = []
    f = folder
    while not os.path.lexists(f) and f != f.parent:
        missing.append(f)
        f = f.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _create_temp(p: Path) -> tuple[int, Path]:
    """A new file beside ``p`` with an unpredictable name, created with O_EXCL and O_NOFOLLOW
    (so a planted file or link is never opened) and mode 0666 less the umask, like any file
    the user creates (tempfile's 0600 would hide a workbook from the rest of its folder)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = p.with_name(f".{p.name[:64]}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise OutputError(f"{p.parent}: could not create a temporary file there")


def _write_exclusive(p: Path, data: bytes, refusal: str) -> None:
    """Create ``p`` with O_EXCL (never through a link) and write it; a failed write removes it."""
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except FileExistsError:
        raise OutputExists(refusal) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError as e:
        os.unlink(p)
        raise WriteFailed(p, e) from None
