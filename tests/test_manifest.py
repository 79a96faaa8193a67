"""The cycle's manifest: what render --roster hands out, read back exactly, never a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetladder.manifest import (
    ManifestError,
    ManifestRow,
    merge_rows,
    parse_manifest,
    read_manifest,
    target_path,
    update_manifest,
    write_manifest,
)


def _row(person: str = "Ana Diaz", tab: str = "Self", **kw: str | None) -> ManifestRow:
    base: dict[str, str | None] = {"period": "2026-Q4", "role": "self", "rater": None,
                                   "email": "ana@example.com", "target": "ana-diaz-2026-q4.xlsx",
                                   "team": "North"}
    base.update(kw)
    return ManifestRow(person=person, tab=tab, **base)  # type: ignore[arg-type]


def test_manifest_round_trips_and_keeps_column_order(tmp_path: Path) -> None:
    rows = [_row(), _row(tab="Bo Chen", role="manager", rater="Bo Chen", email="bo@example.com"),
            _row(tab="Peer 1", role="peer", email=None, team=None)]
    p = write_manifest(tmp_path / "manifest.csv", rows)
    assert read_manifest(p) == rows
    header = p.read_bytes().decode("utf-8").split("\r\n")[0]
    assert header == '"person","period","tab","role","rater","email","target","team"'


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    rows = [_row(person="=HYPERLINK(\"http://x\")", tab="+Tab", rater="@bob", team="-1",
                 target="'quoted.xlsx")]
    p = write_manifest(tmp_path / "m.csv", rows)
    cells = next(csv.reader(io.StringIO(p.read_bytes().decode("utf-8").split("\r\n", 1)[1])))
    assert cells[0] == "'=HYPERLINK(\"http://x\")"
    assert cells[2] == "'+Tab" and cells[4] == "'@bob" and cells[7] == "'-1"
    assert cells[6] == "''quoted.xlsx"
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert read_manifest(p) == rows


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                       blacklist_characters="\ufeff"),
                min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=80, deadline=None)
@given(person=_text, tab=_text, rater=st.none() | _text, team=st.none() | _text)
def test_any_text_reads_back_exactly(person: str, tab: str, rater: str | None,
                                     team: str | None) -> None:
    rows = [ManifestRow(person=person, period="2026-Q4", tab=tab, role="peer", rater=rater,
                        email=None, target="x.xlsx", team=team)]
    from sheetladder.manifest import manifest_text

    assert parse_manifest(manifest_text(rows)) == rows


def test_bad_manifests_name_the_line() -> None:
    with pytest.raises(ManifestError, match=r"m.csv:1: the header lacks column\(s\) tab, role"):
        parse_manifest("person,target\nAna,a.xlsx\n", "m.csv")
    with pytest.raises(ManifestError, match=r"m.csv:1: unknown column\(s\) tabb"):
        parse_manifest("person,tab,role,target,tabb\n", "m.csv")
    with pytest.raises(ManifestError, match=r"m.csv:3: empty tab"):
        parse_manifest("person,tab,role,target\nAna,Self,self,a.xlsx\nBen,,self,b.xlsx\n", "m.csv")
    # an empty target is a tab whose file or sheet is not made yet (a roster publish cut short)
    rows = parse_manifest("person,tab,role,target\nAna,Self,self,a.xlsx\nBen,Self,self,\n", "m.csv")
    assert rows[1].target == "" and target_path("m.csv", rows[1]) is None
    with pytest.raises(ManifestError, match=r"m.csv:3: .*already listed on line 2"):
        parse_manifest("person,tab,role,target\nAna,Self,self,a.xlsx\nana ,self,self,b.xlsx\n",
                       "m.csv")
    with pytest.raises(ManifestError, match="no such file"):
        read_manifest("/nonexistent/manifest.csv")


def test_update_keeps_earlier_people_and_replaces_a_rerendered_tab(tmp_path: Path) -> None:
    p = tmp_path / "manifest.csv"
    update_manifest(p, [_row(), _row(person="Ben Ortiz", target="ben.xlsx")])
    update_manifest(p, [_row(target="ana-new.xlsx"), _row(person="Eva Lind", target="eva.xlsx")])
    got = read_manifest(p)
    assert [(r.person, r.target) for r in got] == [
        ("Ana Diaz", "ana-new.xlsx"), ("Ben Ortiz", "ben.xlsx"), ("Eva Lind", "eva.xlsx")]
    assert merge_rows(got, []) == got


def test_targets_resolve_against_the_manifest_folder(tmp_path: Path) -> None:
    m = tmp_path / "team" / "manifest.csv"
    assert target_path(m, _row()) == tmp_path / "team" / "ana-diaz-2026-q4.xlsx"
    assert target_path(m, _row(target="https://docs.google.com/spreadsheets/d/abc/edit")) is None


def test_a_manifest_saved_again_by_a_spreadsheet_on_semicolons_reads_the_same(
        tmp_path: Path) -> None:
    """Ops opened the manifest in Excel where ';' is the list separator and saved it: a BOM,
    ';' between cells, quotes only where needed. It used to be "the header lacks column(s)
    person, tab, role, target" (the whole header read as one column)."""
    rows = [_row(), _row(tab="Bo Chen", role="manager", rater="Chen, Bo", email="bo@example.com"),
            _row(person="Ben Ortiz", tab="=Zed", role="peer", rater="=Zed", team=None)]
    p = write_manifest(tmp_path / "manifest.csv", rows)
    table = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")))
    for sep in (";", "\t"):
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(table)
        saved = tmp_path / f"saved-{ord(sep)}.csv"
        saved.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
        assert read_manifest(saved) == rows
