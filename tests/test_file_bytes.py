"""Reading a file's bytes (``archive.read_file_bytes``): the whole file, as it is when read,
and never more than :data:`MAX_FILE_BYTES`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sheetladder.errors import UnreadableWorkbook
from sheetladder.xlsx import archive as archive_mod
from sheetladder.xlsx.archive import read_file_bytes


def _stat_saying(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """``os.fstat`` as it was when the file held ``size`` bytes (it grew since, or shrank)."""
    real = os.fstat

    class Stat:
        def __init__(self, st: Any) -> None:
            self._st = st
            self.st_size = size

        def __getattr__(self, name: str) -> Any:
            return getattr(self._st, name)

    monkeypatch.setattr(archive_mod.os, "fstat", lambda fd: Stat(real(fd)))


@pytest.mark.parametrize("data", [b"", b"x", os.urandom(70_000)], ids=["empty", "one", "70 KB"])
def test_a_file_reads_whole(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "a.xlsx").write_bytes(data)
    assert read_file_bytes(tmp_path / "a.xlsx") == data


@pytest.mark.parametrize("said", [0, 1, 69_999, 70_001, 200_000])
def test_a_file_that_grew_or_shrank_since_its_size_was_taken_reads_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, said: int) -> None:
    data = os.urandom(70_000)
    (tmp_path / "a.xlsx").write_bytes(data)
    _stat_saying(monkeypatch, said)
    assert read_file_bytes(tmp_path / "a.xlsx") == data


def test_a_file_that_grew_past_the_limit_since_its_size_was_taken_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_mod, "MAX_FILE_BYTES", 100_000)
    (tmp_path / "a.xlsx").write_bytes(os.urandom(100_001))
    _stat_saying(monkeypatch, 50_000)
    with pytest.raises(UnreadableWorkbook, match="over the .* limit"):
        read_file_bytes(tmp_path / "a.xlsx")
    (tmp_path / "b.xlsx").write_bytes(os.urandom(100_000))  # exactly the limit: read
    assert len(read_file_bytes(tmp_path / "b.xlsx")) == 100_000
