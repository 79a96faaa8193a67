"""What ``collect`` prints while it works: on a terminal, a progress bar with each refusal
printed above it; elsewhere (a log, a pipe), the refusals alone, and the progress bar's
library is not even imported. Either way a file's name is printed as it is: rich, which draws
the bar, turns ``:fire:`` into an emoji unless told not to."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, run

NAME = ":fire: :thumbs_up:.xlsx"  # emoji codes, as rich would read them


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "q4"
    folder.mkdir()
    (folder / NAME).write_bytes(b"not a workbook at all")
    return folder


def test_a_refused_file_is_named_as_it_is_when_collect_writes_to_a_log(tmp_path: Path) -> None:
    code, out = run("collect", str(_folder(tmp_path)), "--db", str(tmp_path / "h.sqlite"))
    assert code != 0
    assert f"{NAME}: refused" in out, out
    assert "\N{FIRE}" not in out and "\N{THUMBS UP SIGN}" not in out


def test_a_refused_file_is_named_as_it_is_above_the_progress_bar_on_a_terminal(
        tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sheetladder", "collect", str(folder), "--db",
             str(tmp_path / "h.sqlite")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=follower, cwd=tmp_path,
            env=dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm", COLUMNS="200"))
        os.close(follower)
        follower = -1
        got = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                proc.kill()
                raise AssertionError(f"collect printed nothing more for 60 s: {got!r}")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # (the terminal's other end closed: Linux says EIO)
                break
            if not chunk:
                break
            got += chunk
        assert proc.wait(timeout=60) != 0
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    text = got.decode("utf-8", "replace")
    assert f"{NAME}: refused" in text, text
    assert "\N{FIRE}" not in text and "\N{THUMBS UP SIGN}" not in text


def test_collect_writing_to_a_log_imports_neither_the_progress_bar_nor_the_xlsx_writer(
        tmp_path: Path) -> None:
    # ~60 ms and 4 MiB of the command, which uses neither when its output is not a terminal
    code = ("import sys\n"
            "from sheetladder.cli import main\n"
            "try:\n"
            f"    main(['collect', {str(_folder(tmp_path))!r}, '--db', "
            f"{str(tmp_path / 'h.sqlite')!r}])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(sorted(m for m in ('rich', 'xlsxwriter') if m in sys.modules))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert f"{NAME}: refused" in got.stderr, got.stderr
    assert got.stdout.strip().splitlines()[-1] == "[]", got.stdout
