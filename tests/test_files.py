"""files.write_new: output that never clobbers a file, never writes through a link, and leaves
nothing behind when the disk fills up."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from sheetladder import files
from sheetladder.files import WriteFailed, write_new


def test_a_link_planted_at_the_temp_name_is_never_written_through(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    names = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: next(names))
    (tmp_path / "out").mkdir()
    planted = tmp_path / "out" / ".book.xlsx.aaaa.tmp"
    planted.symlink_to(victim)
    write_new(tmp_path / "out" / "book.xlsx", b"workbook")
    assert victim.read_bytes() == b"precious"
    assert (tmp_path / "out" / "book.xlsx").read_bytes() == b"workbook"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".book.xlsx.aaaa.tmp",
                                                                     "book.xlsx"]


def test_temp_names_are_unpredictable_and_removed(tmp_path, monkeypatch):
    seen: list[str] = []
    real = files._create_temp

    def spy(p: Path) -> tuple[int, Path]:
        fd, tmp = real(p)
        seen.append(tmp.name)
        return fd, tmp

    monkeypatch.setattr(files, "_create_temp", spy)
    write_new(tmp_path / "a.xlsx", b"1")
    write_new(tmp_path / "a.xlsx", b"2", force=True)
    assert len(set(seen)) == 2 and str(os.getpid()) not in "".join(seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


def test_a_link_at_the_destination_is_refused_or_replaced_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    link = tmp_path / "book.xlsx"
    link.symlink_to(victim)
    with pytest.raises(FileExistsError, match="already exists"):
        write_new(link, b"workbook")
    dangling = tmp_path / "dangling.xlsx"
    dangling.symlink_to(tmp_path / "nowhere.xlsx")
    with pytest.raises(FileExistsError, match="already exists"):
        write_new(dangling, b"workbook")
    assert not (tmp_path / "nowhere.xlsx").exists()
    write_new(link, b"workbook", force=True)
    assert victim.read_bytes() == b"precious" and not link.is_symlink()
    assert link.read_bytes() == b"workbook"


def test_a_full_disk_leaves_no_temp_file_no_partial_file_and_no_new_folder(tmp_path, monkeypatch):
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int) -> None:
            self.f = real_fdopen(fd, "wb")

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

        def write(self, data: bytes) -> int:
            self.f.write(data[:10])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(WriteFailed) as err:
        write_new(tmp_path / "new" / "deeper" / "book.xlsx", b"x" * 1000)
    assert str(err.value) == f"cannot write {tmp_path / 'new' / 'deeper' / 'book.xlsx'}: " \
                             "No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_files_get_the_usual_permissions_not_tempfiles_private_ones(tmp_path):
    old = os.umask(0o022)
    try:
        p = write_new(tmp_path / "book.xlsx", b"1")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
