"""A matrix whose content breaks a definition's limits is refused with the source cells to fix,
never with lines of a YAML file that was not written (issue 16); ids made from long names
always fit."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.definition import MAX_NAME, MAX_TEXT, SLUG, SLUG_MAX, load, slugify

LEVELS = ["S1 Junior", "S2 Mid", "S3 Senior"]
NAMES = ["Prospecting", "Negotiation", "Closing deals", "Pipeline"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def matrix(names: list[str], *, long_at: tuple[int, int] | None = None) -> list[list[str]]:
    """Categories down column A, levels across B:D; ``long_at`` (category, level) holds a
    descriptor longer than a definition takes."""
    rows = [["Category", *LEVELS]]
    for i, n in enumerate(names):
        rows.append([n, *[("word " * (MAX_TEXT // 4)) if long_at == (i, j)
                          else f"{n} at level {j + 1}, done with more care each time"
                          for j in range(len(LEVELS))]])
    return rows


def test_limits_broken_by_the_matrix_name_its_cells_and_nothing_is_written(tmp_path: Path) -> None:
    names = list(NAMES)
    names[1] = "N" * (MAX_NAME + 30)
    src = write_csv(tmp_path / "ladder.csv", matrix(names, long_at=(2, 1)))
    out = tmp_path / "x.yaml"
    res = CliRunner().invoke(main, ["import", str(src), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert not out.exists()
    problems = res.output[res.output.index("does not make a valid definition"):].splitlines()[1:]
    # the long name is row 3 (A3), the long descriptor is Closing deals (row 4) at S2 (column C)
    assert [p.split(":")[0] for p in problems if p.strip()] == ["ladder!A3", "ladder!C4"]
    assert "at most 200 characters" in problems[0]
    assert "descriptor of 'Closing deals' at S2" in problems[1]
    assert f"at most {MAX_TEXT} characters" in problems[1]
    assert not re.search(r"x\.yaml:\d+", res.output), "no line of the unwritten YAML is quoted"
    assert "nothing was written to" in res.output


def test_with_levels_down_the_rows_a_descriptor_is_named_by_its_own_cell(tmp_path: Path) -> None:
    rows = matrix(NAMES, long_at=(0, 2))
    transposed = [list(col) for col in zip(*rows, strict=True)]  # levels in A2:A4, names in row 1
    src = write_csv(tmp_path / "rows.csv", transposed)
    res = CliRunner().invoke(main, ["import", str(src), "--levels-in", "rows",
                                    "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 1, res.output
    # Prospecting is column B, S3 row 4
    assert "rows!B4: descriptor of 'Prospecting' at S3" in res.output


def test_long_category_names_make_ids_that_fit_and_stay_unique(tmp_path: Path) -> None:
    stem = "Managing complex enterprise negotiations across several regions and"
    names = [stem + " buyers", stem + " partners", "Prospecting", "Pipeline"]
    src = write_csv(tmp_path / "ladder.csv", matrix(names))
    out = tmp_path / "ladder.yaml"
    res = CliRunner().invoke(main, ["import", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    ids = [c.id for c in load(out).categories]
    assert len(set(ids)) == 4 and all(len(i) <= SLUG_MAX for i in ids)
    assert [c.name for c in load(out).categories] == names


@given(text=st.text(max_size=300), room=st.integers(0, 6))
def test_slugify_always_makes_a_valid_id_with_room_for_a_suffix(text: str, room: int) -> None:
    got = slugify(text, room=room)
    assert re.fullmatch(SLUG, got) and len(got) <= SLUG_MAX - room
    assert not got.endswith("-")


def test_a_weight_over_the_limit_is_named_by_its_own_cell_across_and_down(tmp_path: Path) -> None:
    across = [["Category", "Weight", *LEVELS],
              ["Discovery", "1", "Asks the standard questions", "Adapts questions to the buyer",
               "Teaches others to run discovery"],
              ["Closing", "500", "Closes with help", "Closes alone", "Closes the hardest deals"]]
    down = [list(col) for col in zip(*across, strict=True)]
    for name, rows, extra, cell in (("across", across, [], "across!B3"),
                                    ("down", down, ["--levels-in", "rows"], "down!C2")):
        src = write_csv(tmp_path / f"{name}.csv", rows)
        res = CliRunner().invoke(main, ["import", str(src), *extra, "-o", str(tmp_path / "x.yaml")])
        assert res.exit_code == 1, res.output
        assert f"{cell}: weight of 'Closing': weight must be at most 100, got 500" in res.output
