"""What people wrote reaches the terminal shown, never obeyed: a rater's comment, a file's name
or a person's name holding ESC (a spreadsheet keeps it as ``_x001B_``) or a C1 control prints
it as ``\\x1b``, so that it cannot recolour, clear or retitle the screen or hide a line."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rich.progress import Progress, TextColumn
from rich.table import Table

from sheetladder.cli import main
from sheetladder.results.text import Text
from sheetladder.terminal import console, shown

from .test_read_comments import read_text

ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # what a terminal may act on


def test_shown_writes_out_escapes_and_c1_controls_and_keeps_tabs_and_line_breaks() -> None:
    assert shown("a\x1b[31mred") == "a\\x1b[31mred"
    assert shown("\x9b2J \x07\x08\r\x7f\x00") == "\\x9b2J \\x07\\x08\\x0d\\x7f\\x00"
    assert shown("tab\there\nnext line · Ünïcødé →") == "tab\there\nnext line · Ünïcødé →"


@given(st.text())
def test_shown_leaves_nothing_a_terminal_acts_on_and_changes_nothing_else(text: str) -> None:
    out = shown(text)
    assert not ACTED_ON.search(out)
    # each control character becomes its \xNN; every other character is as it was
    assert out == "".join(f"\\x{ord(ch):02x}" if ACTED_ON.match(ch) else ch for ch in text)


def test_a_terminal_console_shows_escapes_in_strings_text_and_tables() -> None:
    buf = io.StringIO()
    con = console(file=buf, force_terminal=True, color_system=None, width=100)
    table = Table("Tab")
    table.add_row(Text("Self\x1b]0;owned\x07"))
    con.print(table)
    con.print("plain \x1b[2J", markup=False)
    con.print(Text("made \x9b31m").append(" appended \x1b[8m"))
    out = buf.getvalue()
    assert "\x1b" not in out and "\x9b" not in out  # no colours: any escape would be injected
    assert "Self\\x1b]0;owned" in out  # laid out shown: nothing cropped
    assert "plain \\x1b[2J" in out and "made \\x9b31m appended \\x1b[8m" in out


def _bar_output(description: str) -> str:
    buf = io.StringIO()
    con = console(file=buf, force_terminal=True, color_system=None, width=100)
    with Progress(TextColumn("{task.description}", markup=False), console=con) as bar:
        task = bar.add_task("", total=2)
        bar.update(task, completed=1, description=description)
        bar.refresh()
    return buf.getvalue()


def test_a_progress_bar_shows_a_name_as_typed_neither_markup_nor_escapes() -> None:
    # publish's bar (its description a person's name, shown first): "[/bold]" in a name broke
    # rich's markup there, and an escape reached the terminal
    name = "Ana [/bold] \x1b]0;T"
    assert "Ana [/bold] \\x1b]0;T" in _bar_output(shown(name))
    # a description not shown first is still never sent as an escape (laid out before it is
    # shown, it may be cropped)
    raw = _bar_output(name)
    assert "\x1b]0;" not in raw and "Ana [/bold] \\x1b" in raw


def test_read_shows_a_comments_escape_sequences_instead_of_sending_them(tmp_path: Path) -> None:
    # an ESC typed in a cell (pasted from CHAR(27)) is saved as _x001B_, and read back as ESC;
    # a C1 control (CSI, U+009B) is saved as it is
    _, lines = read_text(tmp_path, 2, "Mia Manager", {
        "Mia Manager": {0: "Fine._x001B_[2J_x001B_]0;pwned_x0007_ Really \x9b8m."}})
    mine = [line for line in lines if line.startswith("  Mia Manager · ")]
    assert mine and mine[0].endswith(": Fine.\\x1b[2J\\x1b]0;pwned\\x07 Really \\x9b8m.")
    assert not any(ACTED_ON.search(line) for line in lines)


def test_read_shows_a_files_name_holding_escapes_as_text(tmp_path: Path) -> None:
    _, _ = read_text(tmp_path, 2, "Mia Manager", {})
    odd = tmp_path / "ana\x1b[31m.xlsx"
    shutil.copy(tmp_path / "filled.xlsx", odd)
    junk = tmp_path / "junk\x1b]0;T\x07.xlsx"
    junk.write_bytes(b"not a workbook")
    res = CliRunner().invoke(main, ["read", str(odd), str(junk)], env={"COLUMNS": "200"})
    assert res.exit_code == 2, res.output
    assert "ana\\x1b[31m.xlsx" in res.output
    assert "junk\\x1b]0;T\\x07.xlsx: not an .xlsx workbook" in res.output
    assert not ACTED_ON.search(res.output.replace("\n", ""))


def test_the_text_of_a_status_shows_escapes_in_names_and_files_for_a_library_caller() -> None:
    """``status.to_text`` is for a terminal: its names and file names are shown, not sent,
    whoever prints it (the CLI prints it as it is)."""
    from sheetladder.manifest import ManifestRow
    from sheetladder.results.status import cycle_status, to_text
    from sheetladder.results.store import Refusal

    rows = [ManifestRow(person="Ana\x1b[2J", period="2026-Q4", tab=t, role="peer",
                        rater=f"{t}\x9b", target="ana.xlsx") for t in ("Cy", "Di")]
    refused = Refusal(file="/returns/ana\x1b]0;x\x07.xlsx", content_hash="1",
                      reasons=["Cy!D5: 'S9' is not a level"], tabs=["Cy"])
    text = to_text(cycle_status(rows, "2026-Q4", {}, [refused]))
    assert "Ana\\x1b[2J" in text and "Di\\x9b" in text and "ana\\x1b]0;x\\x07.xlsx" in text, text
    assert not any(ch in text for ch in "\x1b\x07\x9b"), repr(text)
