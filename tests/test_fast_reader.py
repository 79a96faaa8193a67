"""The fast .xlsx reader gives the Grid the reference reader (openpyxl) gives, on every kind of file.

Each file is read three ways and the Grids compared whole (every sheet, cell, formula, stored
result, error value, visibility and extent): by the reference reader, by the fast reader, and by
the fast reader with its scanner switched off (so its element-tree path is held to the same
standard). Files that cannot be read must be refused by all three. The files: freshly rendered
workbooks, workbooks filled and tampered with by openpyxl, workbooks recalculated and edited by
real LibreOffice, Excel's shared formulas, inline and rich strings, the hostile corpus, random
sheets written as XML by hand (the spellings writers use and the rarer ones XML allows), and
damaged XML. Then the verifier's single plan per file, which rests on a property of plans that is
tested here too.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

from sheetladder.context import META_SHEET, SUMMARY_SHEET, Context, make_context, split_contexts
from sheetladder.definition import Ladder, unholdable
from sheetladder.errors import UnreadableWorkbook
from sheetladder.grid import Grid
from sheetladder.plan import C_COMMENT, C_RATING, R_FIRST, build_plan, stored_results
from sheetladder.verify import ratings as ratings_mod
from sheetladder.verify import verify as verify_mod
from sheetladder.verify.verify import VerifyMemo, verify_grid
from sheetladder.xlsx import archive as archive_mod
from sheetladder.xlsx import fast_read as fast_mod
from sheetladder.xlsx import read as grid_mod
from sheetladder.xlsx.read import grid_from_bytes, open_xlsx
from sheetladder.xlsx.write import to_bytes

from .make_bad_files import billion_laughs, make_corpus, rezip
from .test_read import (
    _insert_row_like_excel,
    _rename_like_excel,
    _rewrite_part,
    _sheet_part,
    excel_style_shared,
    random_ratings,
)

Outcome = Grid | tuple[str, str]

# -- reading one file three ways --------------------------------------------------------------------


@contextmanager
def scanner_off() -> Iterator[None]:
    """The fast reader with every part sent to its element-tree path."""
    with mock.patch.object(fast_mod, "_scan_part", lambda *a, **k: None):
        yield


def outcome(data: bytes, engine: grid_mod.Engine, name: str = "wb.xlsx") -> Outcome:
    try:
        return grid_from_bytes(name, data, engine)
    except UnreadableWorkbook as e:
        assert "\n" not in e.reason and e.reason
        return ("unreadable", e.reason)


def same_grid(data: bytes, name: str = "wb.xlsx", *, xml_errors_only: bool = False) -> Outcome:
    """Read ``data`` three ways; assert the outcomes agree; return the reference outcome.

    With ``xml_errors_only`` the reference may refuse a file the fast reader reads, when what it
    refuses is not the XML but a value in a part or element a Grid does not hold (openpyxl
    validates, say, a sheet view's pane name; the fast reader never reads sheet views). Damage
    to the XML itself must still be refused by both.
    """
    ref = outcome(data, "openpyxl", name)
    fast = outcome(data, "fast", name)
    with scanner_off():
        tree = outcome(data, "fast", name)
    if isinstance(ref, Grid):
        assert isinstance(fast, Grid), fast
        assert isinstance(tree, Grid), tree
        assert_grids_equal(ref, fast)
        assert_grids_equal(ref, tree)
    elif xml_errors_only and not any(e in ref[1] for e in ("not well-formed XML", "Zip")):
        assert isinstance(fast, Grid) == isinstance(tree, Grid), (fast, tree)
        if isinstance(fast, Grid) and isinstance(tree, Grid):
            assert_grids_equal(fast, tree)
    else:
        assert not isinstance(fast, Grid), f"the reference refused it ({ref[1]}), the fast reader read it"
        assert not isinstance(tree, Grid), f"the reference refused it ({ref[1]}), the tree path read it"
    return ref


def assert_grids_equal(ref: Grid, got: Grid) -> None:
    assert got.names == ref.names
    for name, sr in ref.sheets.items():
        sg = got.sheets[name]
        assert (sg.visibility, sg.max_row, sg.max_col) == (sr.visibility, sr.max_row, sr.max_col), name
        differ = {k: (sr.cells.get(k), sg.cells.get(k)) for k in set(sr.cells) | set(sg.cells)
                  if sr.cells.get(k) != sg.cells.get(k)}
        assert not differ, f"{name}: {sorted(differ.items())[:5]}"
    assert got == ref


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


@pytest.fixture
def ctx4(sales: Ladder) -> Context:
    return make_context(sales, "Ann Example", "2025-Q1",
                        [("self", None, None), ("manager", "Bo Chen", None),
                         ("peer", "Dana O'Neil", None), ("peer", None, None)])


TRICKY = ["=1+1", "+44 20", "-5", "@here", "a & b < c > d", 'say "hi"', "it's", "line\nbreak",
          "cr\r\nlf", "tab\tin", "_x000D_ literal", "x005F_x000D_", "  spaces  ", "ünïcödé ✓ 中文",
          "€ 1,000", "S3", "s3", "3", "#N/A", "TRUE", "]]>", "&amp;", "\u00a0nbsp"]


# -- workbooks sheetladder makes ----------------------------------------------------------------------


def test_freshly_rendered_workbooks_read_alike(bundled, sales, ctx4):
    for i, ladder in enumerate(bundled):
        ctx = make_context(ladder, f"Person {i}", "2026-Q1")
        ratings = random_ratings(ladder, ctx, seed=i, blank_every=3)
        comments = {t: {c.id: TRICKY[(i + j) % len(TRICKY)] for j, c in enumerate(ladder.categories)}
                    for t in ctx.tabs()[:1]}
        same_grid(to_bytes(build_plan(ladder, ctx)))
        same_grid(to_bytes(build_plan(ladder, ctx, ratings, comments)))
    for c in split_contexts(ctx4):
        same_grid(to_bytes(build_plan(sales, c, random_ratings(sales, c, seed=9))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_rendered_fill_reads_alike(small, data):
    # any name a workbook can hold (control characters are refused when the context is made)
    name = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and unholdable(s) is None)
    ctx = make_context(small, data.draw(name), "P1")
    levels = st.one_of(st.none(), st.integers(1, len(small.levels)))
    text = st.one_of(st.sampled_from(TRICKY),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
    ratings = {t: {c.id: data.draw(levels) for c in small.categories} for t in ctx.tabs()}
    comments = {t: {c.id: s for c in small.categories if (s := data.draw(text)).strip()}
                for t in ctx.tabs()}
    grid = same_grid(to_bytes(build_plan(small, ctx, ratings, comments)))
    assert isinstance(grid, Grid)


# -- workbooks scripts write (openpyxl) ------------------------------------------------------------------


def openpyxl_edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_VALUES = st.one_of(
    st.none(),
    st.sampled_from(TRICKY),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=900)),
    st.sampled_from(["=SUM(1,2)", "=Matrix!C3", "=#REF!+1", "=IF(1,\"a&b\",\"<c>\")"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_workbooks_filled_by_openpyxl_read_alike(small, data):
    """Scripts save with openpyxl: inline strings, no XML declaration, `<v />`, dates with
    number formats, booleans, formulas typed as text."""
    ctx = make_context(small, "Script")
    base = to_bytes(build_plan(small, ctx, random_ratings(small, ctx, seed=1)))
    edits = data.draw(st.lists(st.tuples(st.sampled_from([ctx.tabs()[0], "Guide", "Summary"]),
                                         st.integers(1, 30), st.integers(1, 12), _VALUES),
                               max_size=12))

    def change(wb: Any) -> None:
        for sheet, row, col, value in edits:
            cell = wb[sheet].cell(row=row, column=col)
            if not isinstance(cell, MergedCell):
                cell.value = value
    same_grid(openpyxl_edit(base, change))


def test_tampered_workbooks_read_alike(sales, ctx4):
    data = to_bytes(build_plan(sales, ctx4, random_ratings(sales, ctx4, seed=11)))
    edits: list[Callable[[Any], None]] = [
        lambda wb: wb["Self"].cell(row=R_FIRST + 2, column=6).__setattr__("value", "=1+1"),
        lambda wb: wb[SUMMARY_SHEET].cell(row=20, column=11).__setattr__("value", 999),
        lambda wb: _rename_like_excel(wb, "Peer 2", "Dana"),
        lambda wb: _insert_row_like_excel(wb, "Self", 8),
        lambda wb: wb["Bo Chen"].delete_rows(R_FIRST + 3),
        lambda wb: wb.remove(wb["Peer 2"]),
        lambda wb: wb.create_sheet("Notes").cell(1, 1, "my notes"),
        lambda wb: setattr(wb[META_SHEET], "title", "data"),
        lambda wb: setattr(wb[META_SHEET], "sheet_state", "visible"),
        lambda wb: wb["Self"].cell(row=R_FIRST + 1, column=C_RATING + 1, value=" s4 "),
        lambda wb: wb["Self"].cell(row=R_FIRST + 2, column=C_RATING + 1, value=3),
        lambda wb: wb["Self"].cell(row=R_FIRST + 3, column=C_COMMENT + 1, value=dt.date(2025, 3, 1)),
    ]
    for change in edits:
        same_grid(openpyxl_edit(data, change))
    part = _sheet_part(data, "Dana O'Neil")
    same_grid(_rewrite_part(data, part, lambda x: re.sub(r'<dimension ref="[^"]*"/>',
                                                         '<dimension ref="A1:B2"/>', x)))


# -- Excel's spellings: shared formulas, inline and rich strings ------------------------------------------


def test_shared_formulas_as_excel_writes_them_read_alike(sales, ctx4):
    data = to_bytes(build_plan(sales, ctx4, random_ratings(sales, ctx4, seed=2)))
    shared = excel_style_shared(data, sales)
    grid = same_grid(shared)
    assert isinstance(grid, Grid)
    assert grid.sheets["Self"].get(R_FIRST + 5, 7).formula == \
        grid_from_bytes("x", data, "openpyxl").sheets["Self"].get(R_FIRST + 5, 7).formula


def test_inline_rich_and_phonetic_strings_read_alike(small):
    ctx = make_context(small, "Rich & <Co>")
    data = to_bytes(build_plan(small, ctx, random_ratings(small, ctx, seed=3)))
    z = zipfile.ZipFile(io.BytesIO(data))
    sst = z.read("xl/sharedStrings.xml").decode()
    strings = re.findall(r"<si>(.*?)</si>", sst, re.S)
    part = _sheet_part(data, ctx.tabs()[0])

    def inline(xml: str) -> str:  # every shared-string cell as an inline string, three spellings
        def sub(m: re.Match[str]) -> str:
            body = strings[int(m.group(3))]
            text = re.sub(r"<[^>]+>", "", body)
            kind = int(m.group(3)) % 3
            if kind == 0:
                inner = f"<is>{body}</is>"
            elif kind == 1:
                inner = (f'<is><r><rPr><b/></rPr><t xml:space="preserve">{text[:3]}</t></r>'
                         f"<r><t>{text[3:]}</t></r></is>")
            else:
                inner = f'<is><t>{text}</t><rPh sb="0" eb="1"><t>ふりがな</t></rPh></is>'
            return f'<c r="{m.group(1)}"{m.group(2)} t="inlineStr">{inner}</c>'
        return re.sub(r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="s"><v>(\d+)</v></c>', sub, xml)

    def rich(xml: str) -> str:  # shared strings with runs, phonetic runs and escaped underscores
        def sub(m: re.Match[str]) -> str:
            body = m.group(1)
            text = re.sub(r"<[^>]+>", "", body)
            n = len(text) // 2
            return (f'<si><r><t xml:space="preserve">{text[:n]}</t></r><r><rPr><i/></rPr>'
                    f'<t>{text[n:]}</t></r><rPh sb="0" eb="1"><t>よみ</t></rPh>'
                    f'<phoneticPr fontId="0" type="noConversion"/></si>')
        return re.sub(r"<si>(<t>[^<]*</t>)</si>", sub, xml, count=40) \
            .replace("</sst>", "<si><t>_x005F_x000D_ and _x000D_</t></si></sst>")
    same_grid(_rewrite_part(data, part, inline))
    same_grid(_rewrite_part(data, "xl/sharedStrings.xml", rich))


# -- real LibreOffice -------------------------------------------------------------------------------------


def test_workbooks_recalculated_and_edited_by_libreoffice_read_alike(tmp_path, sales, small, ctx4):
    from .libreoffice import convert_all, edit_in_libreoffice
    from .test_read_libreoffice import typing_ops

    sources = []
    for i, (ladder, ctx) in enumerate([(sales, ctx4), (small, make_context(small, "Sam")),
                                       (sales, split_contexts(ctx4)[1])]):
        src = tmp_path / f"in{i}.xlsx"
        src.write_bytes(to_bytes(build_plan(ladder, ctx, random_ratings(ladder, ctx, seed=i,
                                                                        blank_every=5))))
        sources.append(src)
    outs = convert_all(sources, tmp_path / "lo")
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(to_bytes(build_plan(sales, ctx4)))
    ratings = random_ratings(sales, ctx4, seed=7)
    ops = typing_ops(sales, ratings) + [
        ["text", "Self", f"D{R_FIRST + 1}", " s4 "], ["number", "Self", f"D{R_FIRST + 2}", 3],
        ["text", "Self", f"G{R_FIRST + 1}", "a & b <c> \"d\""],
        ["unprotect", "Bo Chen"], ["insert_rows", "Bo Chen", R_FIRST + 3, 2],
        ["unprotect", "Peer 2"], ["delete_rows", "Peer 2", R_FIRST + 4, 1],
        ["rename", "Self", "Ann"]]
    edited = tmp_path / "edited.xlsx"
    edit_in_libreoffice([(blank, edited, ops)], tmp_path)
    for path in [*outs, edited]:
        grid = same_grid(file_bytes(path), str(path))
        assert isinstance(grid, Grid)
        assert any(c.formula is not None and isinstance(c.value, float)
                   for s in grid.sheets.values() for c in s.cells.values())


# -- files that must be refused -----------------------------------------------------------------------------


def test_every_hostile_file_is_refused_by_both_readers(tmp_path):
    for name, (path, fragment) in make_corpus(tmp_path / "bad").items():
        if not path.is_file():
            for engine in grid_mod.ENGINES:
                with pytest.raises(UnreadableWorkbook, match=re.escape(fragment)):
                    open_xlsx(path, engine)
            continue
        ref = same_grid(file_bytes(path), name)
        if isinstance(ref, Grid):  # a readable file that is not a sheetladder workbook
            with pytest.raises(UnreadableWorkbook, match=re.escape(fragment)):
                verify_grid(grid_from_bytes(name, file_bytes(path)))
            continue
        fast = outcome(file_bytes(path), "fast", name)
        assert isinstance(fast, tuple) and fragment in fast[1], (name, fast)


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet3.xml",
                                  "xl/_rels/workbook.xml.rels", "[Content_Types].xml"])
def test_the_fast_parser_itself_refuses_entities(part, monkeypatch):
    """Even without the DOCTYPE check of open_zip in front of it, no DTD reaches a parser."""
    from .make_bad_files import good_workbook

    good = good_workbook()
    bomb = billion_laughs()
    if part != "xl/sharedStrings.xml":
        original = zipfile.ZipFile(io.BytesIO(good)).read(part)
        bomb = original.replace(b"?>", b"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]>", 1)
        if not original.startswith(b"<?xml"):
            bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + original
    monkeypatch.setattr(archive_mod, "_check_xml_parts", lambda source, zf: None)
    with pytest.raises(UnreadableWorkbook, match="EntitiesForbidden|DTDForbidden"):
        grid_from_bytes("bomb.xlsx", rezip(good, replace={part: bomb}), "fast")


_DAMAGE = b'<>"=/ a1&;]\x01\r'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_xml_reads_alike_or_is_refused_by_both(small, data):
    if "good" not in _GOOD:
        ctx = make_context(small, "Damaged")
        _GOOD["good"] = to_bytes(build_plan(small, ctx, random_ratings(small, ctx, seed=1)))
    good = _GOOD["good"]
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") or
                       n == "xl/sharedStrings.xml")
        name = data.draw(st.sampled_from(names))
        xml = bytearray(z.read(name))
    for _ in range(data.draw(st.integers(1, 4))):
        xml[data.draw(st.integers(0, len(xml) - 1))] = data.draw(st.sampled_from(_DAMAGE))
    same_grid(rezip(good, replace={name: bytes(xml)}), xml_errors_only=True)


_GOOD: dict[str, bytes] = {}


def test_an_unknown_engine_is_an_error():
    with pytest.raises(ValueError, match="unknown engine"):
        grid_from_bytes("x.xlsx", b"PK", "calamine")  # type: ignore[arg-type]


# -- sheets written by hand: every spelling XML allows ---------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"


def minimal_xlsx(sheet_xml: str, sst_xml: str, date1904: bool = False) -> bytes:
    """A workbook of two sheets (the first given as XML), with date and duration styles."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.styles+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>')
    wb = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
          + ('<workbookPr date1904="1"/>' if date1904 else "")
          + '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
          '<sheet name="Other" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
               'openxmlformats.org/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId2" Type="{_RELS}/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
               f'<Relationship Id="rId3" Type="{_RELS}/styles" Target="styles.xml"/>'
               f'<Relationship Id="rId4" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
               '</Relationships>')
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_MAIN}">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="[h]:mm:ss"/></numFmts>'
              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              '<borders count="1"><border/></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
              '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
              '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
              '</cellXfs></styleSheet>')
    other = (f'<worksheet xmlns="{_MAIN}"><sheetData><row r="2"><c r="B2"><v>7</v></c></row>'
             "</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in [("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", wb),
                           ("xl/_rels/workbook.xml.rels", wb_rels), ("xl/styles.xml", styles),
                           ("xl/sharedStrings.xml", sst_xml), ("xl/worksheets/sheet1.xml", sheet_xml),
                           ("xl/worksheets/sheet2.xml", other)]:
            z.writestr(name, text.encode("utf-8"))
    return out.getvalue()


_TEXT = st.lists(st.sampled_from(list("ab Z09_-.,;:!?'\"&<>=\n\r\t") +
                                 ["é", "中", "€", "_x000D_", "_x005F_x000D_", "x005F_", "]]", "\u00a0"]),
                 max_size=8).map("".join)


def esc(s: str, draw: Callable[[Any], Any]) -> str:
    """XML text for ``s``, escaped the ways writers do (carriage returns raw or as a reference)."""
    out = s.replace("&", "&amp;").replace("<", "&lt;")
    if draw(st.booleans()):
        out = out.replace(">", "&gt;")
    if draw(st.booleans()):
        out = out.replace('"', "&quot;").replace("'", "&apos;")
    if draw(st.booleans()):
        out = out.replace("\r", "&#13;").replace("\t", "&#x9;")
    return out


def string_item(draw: Callable[[Any], Any], tag: str = "si") -> str:
    text = draw(_TEXT)
    kind = draw(st.sampled_from(["plain", "preserve", "runs", "phonetic", "empty"]))
    if kind == "plain":
        return f"<{tag}><t>{esc(text, draw)}</t></{tag}>"
    if kind == "preserve":
        return f'<{tag}><t xml:space="preserve">{esc(text, draw)}</t></{tag}>'
    if kind == "runs":
        other = draw(_TEXT)
        return (f'<{tag}><r><rPr><b/><sz val="11"/></rPr><t>{esc(text, draw)}</t></r>'
                f'<r><t xml:space="preserve">{esc(other, draw)}</t></r></{tag}>')
    if kind == "phonetic":
        return (f'<{tag}><t>{esc(text, draw)}</t><rPh sb="0" eb="1"><t>{esc(draw(_TEXT), draw)}</t>'
                f'</rPh><phoneticPr fontId="0"/></{tag}>')
    return f"<{tag}><t/></{tag}>"


def column(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@st.composite
def hand_written(draw: Callable[[Any], Any]) -> tuple[str, str]:
    """(sheet XML, shared strings XML): rows and cells spelt as writers spell them, and rarer."""
    n_strings = draw(st.integers(0, 5))
    sst_items = [string_item(draw) for _ in range(n_strings)]
    sst = (('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' if draw(st.booleans()) else "")
           + f'<sst xmlns="{_MAIN}" count="{n_strings}" uniqueCount="{n_strings}">'
           + "".join(sst_items) + "</sst>")
    sep = draw(st.sampled_from(["", "", "", "\n  ", "\r\n"]))
    row_numbers = draw(st.sampled_from(["in order", "gaps", "any", "none"]))
    shared_ids: list[str] = []
    rows = []
    r = 0
    for _ in range(draw(st.integers(0, 6))):
        if row_numbers == "in order":
            r += 1
        elif row_numbers == "gaps":
            r += draw(st.integers(1, 4))
        else:
            r = draw(st.integers(1, 8))
        attrs = ""
        if row_numbers != "none" or draw(st.booleans()):
            attrs += f' r="{r}"'
        attrs += draw(st.sampled_from(["", ' spans="1:4"', ' ht="15" customHeight="1"',
                                       ' x14ac:dyDescent="0.25"', ' customFormat="false" hidden="false"']))
        cells = []
        col = 0
        for _ in range(draw(st.integers(0, 4))):
            col = col + draw(st.integers(1, 2)) if draw(st.integers(0, 5)) else draw(st.integers(1, 6))
            cells.append(draw(cell_xml(r, col, n_strings, shared_ids)))
        if not cells and draw(st.booleans()):
            rows.append(f"<row{attrs}/>")
        else:
            rows.append(f"<row{attrs}>" + sep.join(cells) + "</row>")
    body = sep.join(rows)
    sheet_data = f"<sheetData>{sep}{body}{sep}</sheetData>" if rows or draw(st.booleans()) \
        else "<sheetData/>"
    extra = draw(st.sampled_from(["", "", "<!-- a comment -->", "<?pi data?>"]))
    decl = draw(st.sampled_from(['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
                                 "<?xml version='1.0'?>", ""]))
    sheet = (f'{decl}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}" xmlns:x14ac="{_X14AC}">'
             f'{sep}<dimension ref="A1:D4"/>{sep}{extra}{sheet_data}{sep}'
             '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
             "</worksheet>")
    return sheet, sst


_FORMULAS = ["A1+1", "SUM(A1:B2)", 'IF(A1<2,"a&b",1)', "'Other sheet'!B2"]


@st.composite
def cell_xml(draw: Callable[[Any], Any], row: int, col: int, n_strings: int,
             shared_ids: list[str]) -> str:
    kind = draw(st.sampled_from(["n", "s", "str", "inlineStr", "b", "e", "d", "empty", "n-date"]))
    if kind == "s" and not n_strings:
        kind = "n"
    style = {"n-date": draw(st.sampled_from(["1", "2"]))}.get(kind) or \
        draw(st.sampled_from([None, None, "0", "3", "1"]))
    t = {"n-date": None, "empty": None}.get(kind, kind)
    if t == "n" and draw(st.booleans()):
        t = None
    attrs = []
    if draw(st.integers(0, 9)):
        ref_row = row if draw(st.integers(0, 9)) else draw(st.integers(1, 8))
        attrs.append(f'r="{column(col)}{ref_row}"')
    if style is not None:
        attrs.append(f's="{style}"')
    if t is not None:
        attrs.append(f't="{t}"')
    if draw(st.integers(0, 5)) == 0:
        attrs = draw(st.permutations(attrs))
    value: str | None
    if kind in ("n", "n-date"):
        value = draw(st.one_of(st.integers(-1000, 100000).map(str),
                               st.floats(-1e6, 1e6, allow_nan=False).map(repr),
                               st.sampled_from(["1E3", "2.5e-3", "0", "45658.25", "3e9"])))
    elif kind == "s":
        value = str(draw(st.integers(0, n_strings - 1)))
    elif kind == "str":
        value = esc(draw(_TEXT), draw)
    elif kind == "b":
        value = draw(st.sampled_from(["0", "1"]))
    elif kind == "e":
        value = draw(st.sampled_from(["#N/A", "#DIV/0!", "#REF!", "#VALUE!"]))
    elif kind == "d":
        value = draw(st.sampled_from(["2024-01-02T03:04:05", "2024-02-29", "1999-12-31T23:59:59.5"]))
    else:
        value = None
    inner = ""
    if draw(st.integers(0, 3)) == 0:
        shape = draw(st.sampled_from(["plain", "aca", "shared", "array", "empty"]))
        if shape == "plain":
            text = esc(draw(st.sampled_from(_FORMULAS)), draw)
            inner += f"<f>{text}</f>"
        elif shape == "aca":
            inner += '<f aca="false">A1*2</f>'
        elif shape == "shared":
            if shared_ids and draw(st.booleans()):
                inner += f'<f t="shared" si="{draw(st.sampled_from(shared_ids))}"/>'
            else:
                si = str(len(shared_ids))
                shared_ids.append(si)
                ref = f"{column(col)}{row}:{column(col)}{row + 3}"
                inner += f'<f t="shared" ref="{ref}" si="{si}">A{row}*2</f>'
        elif shape == "array":
            inner += f'<f t="array" ref="{column(col)}{row}">SUM(A1:A3*2)</f>'
        else:
            inner += "<f/>"
    if kind == "inlineStr":
        inner += string_item(draw, "is")
    elif value is not None:
        inner += draw(st.sampled_from([f"<v>{value}</v>", f"<v>{value}</v>", "<v/>", "<v></v>"]))
    elif draw(st.booleans()):
        inner += "<v/>"
    head = ("<c " + " ".join(attrs)).rstrip()
    if not inner:
        return head + draw(st.sampled_from(["/>", " />", "></c>"]))
    return f"{head}>{inner}</c>"


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=hand_written(), date1904=st.booleans())
def test_hand_written_sheets_read_alike(parts, date1904):
    sheet, sst = parts
    same_grid(minimal_xlsx(sheet, sst, date1904))


def test_the_scanner_reads_what_writers_write():
    """xlsxwriter's, openpyxl's and a LibreOffice-like spelling all stay on the scanner path."""
    spellings = [
        '<c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="2"><f>A1+1</f><v>2.0</v></c>',  # xlsxwriter
        '<c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="n"><f>A1</f><v /></c>',  # openpyxl
        '<c r="A1" s="1" t="n"><f aca="false">A2</f><v>1</v></c><c r="B1" s="16"/>',  # LibreOffice
        '<c r="A1" s="1"><f t="shared" ref="A1:A2" si="0">B1</f><v>1</v></c>',  # Excel
    ]
    for cells in spellings:
        sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
                 f'<sheetData><row r="1" spans="1:2">{cells}</row></sheetData></worksheet>')
        scanned = fast_mod._scan_part(sheet, "worksheet", "sheetData")
        assert scanned is not None
        toks = fast_mod._SHEET_TOKEN.findall(scanned[0])
        assert not any(t[-1] for t in toks), cells
        sst = f'<sst xmlns="{_MAIN}"><si><t>a</t></si><si><t xml:space="preserve"> b </t></si></sst>'
        same_grid(minimal_xlsx(sheet, sst))


_CLEAN_ROW = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><f>A1&amp;"x"</f><v>1</v></c></row>'


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("where,markup", [
    ("none", ""),
    ("after the declaration", "<?pi data?>"),
    ("after the declaration", "<!-- a note -->"),
    ("in the sheet data", "<?pi data?>"),
    ("in the sheet data", "<!-- a note -->"),
    ("in a cell", "<![CDATA[2]]>"),
    ("after the sheet data", "<?pi data?>"),
])
def test_a_comment_cdata_or_processing_instruction_anywhere_leaves_the_scanner(
        bom: bool, where: str, markup: str) -> None:
    # one search finds '<!' anywhere and '<?' anywhere but the XML declaration: the part is
    # then read by the element tree, and reads as the reference reads it
    row = _CLEAN_ROW
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    tail = ""
    if where == "after the declaration":
        head += markup
    elif where == "in the sheet data":
        row = markup + row
    elif where == "in a cell":
        row = row.replace("<v>1</v>", f"<v>{markup}</v>")
    elif where == "after the sheet data":
        tail = markup
    sheet = (("\ufeff" if bom else "") + f'{head}<worksheet xmlns="{_MAIN}"><sheetData>{row}'
             f"</sheetData>{tail}</worksheet>")
    reader = fast_mod._FastReader.__new__(fast_mod._FastReader)
    assert (reader.scanned(sheet.encode(), "worksheet", "sheetData") is None) == bool(markup)
    same_grid(minimal_xlsx(sheet, f'<sst xmlns="{_MAIN}"><si><t>a</t></si></sst>'))


# -- the batch's memo of sheets read ---------------------------------------------------------------


def read_with_memo(items: list[tuple[str, bytes]], memo: fast_mod.SheetMemo) -> list[Outcome]:
    out: list[Outcome] = []
    for name, data in items:
        try:
            out.append(grid_from_bytes(name, data, sheets=memo))
        except UnreadableWorkbook as e:
            out.append(("unreadable", e.reason))
    return out


def assert_memo_reads_alike(items: list[tuple[str, bytes]], size: int = 8) -> fast_mod.SheetMemo:
    """Reading ``items`` in turn with one memo gives, for each, what reading it alone gives."""
    memo = fast_mod.SheetMemo(size)
    for (name, data), got in zip(items, read_with_memo(items, memo), strict=True):
        alone = outcome(data, "fast", name)
        if isinstance(alone, Grid):
            assert isinstance(got, Grid), (name, got)
            assert_grids_equal(alone, got)
        else:
            assert got == alone, name
    return memo


def test_a_batch_reads_each_workbook_as_it_reads_alone_though_they_share_sheets(bundled, sales):
    items: list[tuple[str, bytes]] = []
    for i in range(9):
        ladder = bundled[i % len(bundled)] if i % 3 == 2 else sales
        raters = [("self", None, None), ("manager", f"Boss {i % 2}", None), ("peer", None, None)]
        # names and comments that are the same shared strings at the same places on the guide
        # and on the rater tabs, with other texts, from file to file
        ctx = make_context(ladder, TRICKY[i % len(TRICKY)] + f" {i}", "2026-Q1",
                           raters if ladder is sales else None)
        comments = {t: {c.id: TRICKY[(i + j) % len(TRICKY)] for j, c in enumerate(ladder.categories)}
                    for t in ctx.tabs()[:1]}
        data = to_bytes(build_plan(ladder, ctx, random_ratings(ladder, ctx, seed=i), comments))
        items.append((f"{i}.xlsx", data))
    memo = assert_memo_reads_alike(items + items[:3])
    assert memo.hits >= 10  # the guide and the matrix of the sales files after the second


def test_a_batch_of_real_workbooks_reads_each_as_it_reads_alone():
    from .test_import_corpus import SHARED

    corpus = sorted((SHARED / "foreign").glob("*.xlsx"))
    if not corpus:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared corpus is missing at {SHARED}")
        pytest.skip(f"the shared corpus is missing at {SHARED}")
    items = [(f.name, f.read_bytes()) for f in corpus]
    memo = assert_memo_reads_alike(items * 3, size=10_000)  # the third time, sheets are given back
    assert memo.hits >= len(items)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=hand_written(), data=st.data())
def test_the_same_sheet_with_other_shared_strings_reads_as_it_reads_alone(parts, data):
    sheet, sst = parts
    n = int(re.search(r'count="(\d+)"', sst).group(1))  # type: ignore[union-attr]
    others = []
    for _ in range(2):
        m = data.draw(st.sampled_from([n, n, max(0, n - 1)]))
        others.append(f'<sst xmlns="{_MAIN}" count="{m}" uniqueCount="{m}">'
                      + "".join(string_item(data.draw) for _ in range(m)) + "</sst>")
    date1904 = data.draw(st.booleans())
    first = minimal_xlsx(sheet, sst, date1904)
    assert_memo_reads_alike([("a.xlsx", first), ("b.xlsx", first)] +
                            [(f"{i}.xlsx", minimal_xlsx(sheet, o, date1904))
                             for i, o in enumerate(others)])


def test_a_stylesheet_that_reading_alone_never_needs_does_not_refuse_a_file_read_with_the_memo(
        ) -> None:
    """The memo's key names the date styles; a file whose stylesheet cannot be read, and whose
    sheets hold no number that needs it, reads alone, and so reads with the memo (found in
    review: it was refused with the memo)."""
    sheet = (f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
             '<c r="B1" t="str"><f>A1</f><v>a</v></c></row></sheetData></worksheet>')
    sst = f'<sst xmlns="{_MAIN}" count="1" uniqueCount="1"><si><t>a</t></si></sst>'
    other = (f'<worksheet xmlns="{_MAIN}"><sheetData><row r="2"><c r="B2" t="s"><v>0</v></c>'
             "</row></sheetData></worksheet>")  # the second sheet's number made text too
    good = rezip(minimal_xlsx(sheet, sst), {"xl/worksheets/sheet2.xml": other.encode()})
    for styles in (f'<styleSheet xmlns="{_MAIN}"><cellXfs><xf numFmtId="x"/></cellXfs>'
                   "</styleSheet>", "<styleSheet"):
        bad = rezip(good, {"xl/styles.xml": styles.encode()})
        alone = outcome(bad, "fast", "bad.xlsx")
        memo = assert_memo_reads_alike([("a.xlsx", good), ("b.xlsx", good), ("c.xlsx", good),
                                        ("bad.xlsx", bad), ("bad2.xlsx", bad)])
        assert memo.hits >= 1
        assert isinstance(alone, Grid), alone


def test_a_sheet_given_back_by_the_memo_still_counts_towards_the_cell_limit(sales, monkeypatch):
    ctx = make_context(sales, "Ann Example", "2026-Q1")
    data = to_bytes(build_plan(sales, ctx))
    memo = fast_mod.SheetMemo()
    read_with_memo([("a.xlsx", data), ("b.xlsx", data)], memo)
    limit = sum(len(s.cells) for s in grid_from_bytes("c.xlsx", data).sheets.values()) // 2
    monkeypatch.setattr(fast_mod, "MAX_CELL_SLOTS", limit)
    alone = outcome(data, "fast", "c.xlsx")
    assert isinstance(alone, tuple) and "too large to read" in alone[1]
    hits = memo.hits
    assert read_with_memo([("c.xlsx", data)], memo) == [alone]
    assert memo.hits > hits


# -- the verifier's single plan per file -------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_layout_of_a_plan_does_not_depend_on_the_ratings(bundled, data):
    """What verify_grid relies on to plan each file once: only the values of input and formula
    cells change with the ratings and comments; every sheet, place, kind, formula, text and
    number stays."""
    ladder = data.draw(st.sampled_from(bundled))
    roles = [r.id for r in ladder.raters]
    raters = [(data.draw(st.sampled_from(roles)), data.draw(st.sampled_from([None, "Kim", "Lee"])),
               None) for _ in range(data.draw(st.integers(1, 4)))]
    ctx = make_context(ladder, "P", data.draw(st.sampled_from([None, "Q1"])), raters)
    if data.draw(st.booleans()):
        ctx = data.draw(st.sampled_from(split_contexts(ctx)))
    levels = st.one_of(st.none(), st.integers(1, len(ladder.levels)))
    ratings = {t: {c.id: data.draw(levels) for c in ladder.categories} for t in ctx.tabs()}
    comments = {t: {c.id: "note" for c in ladder.categories[:2]} for t in ctx.tabs()}
    bare = build_plan(ladder, ctx)
    full = build_plan(ladder, ctx, ratings, comments)

    def layout(plan: Any) -> list[Any]:
        return [(s.name, s.role, s.rater_tab, [
            (c.row, c.col, c.kind, c.formula, c.input_of,
             None if c.kind in ("input", "formula") else c.value) for c in s.cells])
            for s in plan.sheets]
    assert layout(full) == layout(bare)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_batch_memo_gives_each_person_the_layout_and_results_their_own_plan_has(bundled, data):
    """What verifying a batch relies on: the layout a memo gives for a context (learnt from
    other people's files: the same raters, or other raters of the same roles) is that person's
    own plan without its hidden sheet, sheet for sheet, cell for cell; and the stored results
    computed for the ratings read are the plan's own."""
    ladder = data.draw(st.sampled_from(bundled))
    roles = [r.id for r in ladder.raters]
    names = st.text(st.characters(blacklist_categories=["Cs", "Cc"],
                                  blacklist_characters="\ufffe\uffff"), min_size=1, max_size=30)
    shape = [data.draw(st.sampled_from(roles)) for _ in range(data.draw(st.integers(1, 4)))]
    period = data.draw(st.sampled_from([None, "2026-Q1"]))
    template = data.draw(st.booleans())
    split = data.draw(st.sampled_from([None, *range(len(shape))]))
    memo = VerifyMemo()
    rater_names = [None, "Kim", "Lee", "Kim Lee"]
    ctx = make_context(ladder, "Ann", period, [(role, None, None) for role in shape])
    for k in range(6):  # people with raters of their own, then people with the same raters
        raters = [(role, data.draw(st.sampled_from(rater_names)) if k < 3 else rater_names[i % 3],
                   None) for i, role in enumerate(shape)]
        person = data.draw(names).strip() or "X"
        try:
            ctx = make_context(ladder, person, period, raters)
        except ValueError:  # two raters would share a tab name
            continue
        ctx = ctx.model_copy(update={"template": template,
                                     "split_tab": None if split is None else ctx.tabs()[split]})
        got = memo.layout(ladder, ctx)
        want = build_plan(ladder, ctx, sizes=False)
        assert got.sheets == [sp for sp in want.sheets if sp.role != "meta"]
    levels = st.one_of(st.none(), st.integers(1, len(ladder.levels)))
    ratings = {t: {c.id: data.draw(levels) for c in ladder.categories} for t in ctx.tabs()}
    full = build_plan(ladder, ctx, ratings, sizes=False)
    assert full.score is not None
    assert stored_results(ladder, ctx, full.inputs, full.score) == {
        sp.name: {(c.row, c.col): c.value for c in sp.cells if c.kind == "formula"}
        for sp in full.sheets if any(c.kind == "formula" for c in sp.cells)}


def _cold() -> None:
    verify_mod.ladder_from_json.cache_clear()
    ratings_mod._exact_ratings.cache_clear()


def test_a_report_does_not_depend_on_what_was_verified_before(sales, ctx4):
    """A batch's memo gives the report verifying alone gives: cold caches, warm caches, a
    layout learnt from another person's file alike."""
    base = to_bytes(build_plan(sales, ctx4, random_ratings(sales, ctx4, seed=5)))
    other = to_bytes(build_plan(sales, ctx4, random_ratings(sales, ctx4, seed=6)))
    files = [
        base,
        openpyxl_edit(base, lambda wb: _insert_row_like_excel(wb, "Self", 8)),
        openpyxl_edit(base, lambda wb: _rename_like_excel(wb, "Peer 2", "Dana")),
        openpyxl_edit(base, lambda wb: wb["Self"].cell(row=R_FIRST + 1, column=C_RATING + 1,
                                                       value=" s4 ")),
        openpyxl_edit(base, lambda wb: wb["Self"].cell(row=R_FIRST + 2, column=C_RATING + 1,
                                                       value="S9")),
        openpyxl_edit(base, lambda wb: wb.remove(wb["Bo Chen"])),
        to_bytes(build_plan(sales, split_contexts(ctx4)[2], random_ratings(sales, ctx4, seed=8))),
    ]
    other_person = to_bytes(build_plan(sales, ctx4.model_copy(update={"person": "Zoe Quinn"}),
                                       random_ratings(sales, ctx4, seed=7)))
    for data in files:
        _cold()
        cold = verify_grid(grid_from_bytes("f.xlsx", data)).report
        warm_same = verify_grid(grid_from_bytes("f.xlsx", data)).report
        memo = VerifyMemo()
        in_memo = verify_grid(grid_from_bytes("f.xlsx", data), memo).report
        memo = VerifyMemo()
        for learnt in (other, other_person):  # the layout learnt from other files
            verify_grid(grid_from_bytes("o.xlsx", learnt), memo)
        warm_other = verify_grid(grid_from_bytes("f.xlsx", data), memo).report
        assert cold == warm_same == in_memo == warm_other


def test_batches_of_random_files_verify_as_one_by_one(sales, small):
    rnd = random.Random(4)
    files = []
    for i in range(6):
        ladder = sales if i % 2 else small
        ctx = make_context(ladder, f"P{i}", raters=[(r.id, None, None) for r in ladder.raters])
        files.append(to_bytes(build_plan(ladder, ctx, random_ratings(ladder, ctx, seed=rnd.randint(0, 99),
                                                                     blank_every=rnd.randint(0, 4)))))
    memo = VerifyMemo(size=1)  # two ladders in turn: each file plans its layout again
    batch = [verify_grid(grid_from_bytes(f"{i}.xlsx", d), memo).report
             for i, d in enumerate(files)]
    memo = VerifyMemo()
    assert [verify_grid(grid_from_bytes(f"{i}.xlsx", d), memo).report
            for i, d in enumerate(files)] == batch
    alone = []
    for i, d in enumerate(files):
        _cold()
        alone.append(verify_grid(grid_from_bytes(f"{i}.xlsx", d)).report)
    assert batch == alone


def test_a_batch_read_by_worker_processes_gives_the_same_reports(tmp_path, sales, ctx4):
    from sheetladder.results.read import read_many

    ratings = random_ratings(sales, ctx4, seed=12)
    paths = []
    for c in split_contexts(ctx4)[:2]:  # two copies of one assessment: merged
        tab = c.split_tab
        assert tab is not None
        p = tmp_path / f"{tab}.xlsx"
        p.write_bytes(to_bytes(build_plan(sales, c, {tab: ratings[tab]})))
        paths.append(p)
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    other = make_context(sales, "Someone Else")
    (tmp_path / "other.xlsx").write_bytes(to_bytes(build_plan(sales, other)))
    batch = [paths[0], tmp_path / "bad.xlsx", paths[1], tmp_path / "other.xlsx",
             tmp_path / "missing.xlsx"]
    one = read_many(batch)
    two = read_many(batch, jobs=2)
    assert [r.file for r in one] == [f"{paths[0]} + {paths[1]}", str(tmp_path / "bad.xlsx"),
                                     str(tmp_path / "other.xlsx"), str(tmp_path / "missing.xlsx")]
    assert two == one
    assert read_many(batch, merge_copies=False, jobs=2) == read_many(batch, merge_copies=False)


def test_a_plan_without_row_sizes_has_the_same_cells_and_only_lacks_fitted_heights(sales, ctx4):
    """The reader plans with sizes=False; everything it compares must be what the renderer
    writes."""
    ratings = random_ratings(sales, ctx4, seed=3)
    full = build_plan(sales, ctx4, ratings)
    lean = build_plan(sales, ctx4, ratings, sizes=False)
    assert [s.name for s in lean.sheets] == [s.name for s in full.sheets]
    for a, b in zip(full.sheets, lean.sheets, strict=True):
        assert [(c.row, c.col, c.kind, c.value, c.formula, c.style, c.input_of) for c in a.cells] \
            == [(c.row, c.col, c.kind, c.value, c.formula, c.style, c.input_of) for c in b.cells]
        assert (a.merges, a.validations, a.hidden_cols) == (b.merges, b.validations, b.hidden_cols)
        if a.role in ("rater", "summary"):
            assert a.row_heights and not b.row_heights
    assert lean.score == full.score


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.from_regex(r"\$?[A-Za-z]{0,4}\$?[0-9]{0,8}", fullmatch=True),
    st.text(alphabet="AZaz09$:!- ", max_size=8),
))
def test_cell_references_are_read_as_openpyxl_reads_them(ref):
    """The fast reader parses plain references itself (so reader processes need not import
    openpyxl) and must agree with openpyxl on every reference, errors included."""
    from openpyxl.utils.cell import coordinate_to_tuple

    def result_of(fn: Any) -> object:
        try:
            return fn(ref)
        except Exception as e:  # noqa: BLE001 - the kind of failure is what is compared
            return type(e).__name__
    fast_mod._coordinate.cache_clear()
    fast_mod._place.cache_clear()
    assert result_of(fast_mod._coordinate) == result_of(coordinate_to_tuple)


def test_the_builtin_formats_read_as_plain_numbers_are_the_ones_openpyxl_calls_neither_date_nor_duration():
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    plain = {fid for fid, code in BUILTIN_FORMATS.items()
             if not is_date_format(code) and not is_timedelta_format(code)}
    assert fast_mod._PLAIN_BUILTIN_FORMATS == plain


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='0#?.,%E+-_()[]"\\*@/ :;$RedGrnabcdhmsyDHMSY\u00a0', max_size=24))
def test_a_format_code_read_as_a_plain_number_is_no_date_or_duration_for_openpyxl(code):
    """The reader decides 'no date' without openpyxl only when openpyxl would agree."""
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format

    if fast_mod._plainly_number(200, {200: code}):
        assert not is_date_format(code) and not is_timedelta_format(code)


def test_reading_a_workbook_does_not_import_openpyxl(tmp_path):
    """Reader processes stay small: the fast path needs nothing of openpyxl for the files
    sheetladder writes (checked in a fresh interpreter)."""
    import subprocess
    import sys

    from sheetladder.context import make_context
    from sheetladder.definition import load
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import save

    from .conftest import DEFINITIONS

    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = make_context(ladder, "Ana")
    path = tmp_path / "a.xlsx"
    save(build_plan(ladder, ctx, random_ratings(ladder, ctx, seed=1)), path)
    code = ("import sys; from sheetladder.results.read import read_path; r = read_path(sys.argv[1]); "
            "assert r.ok, r.findings; print(sorted(m for m in ('openpyxl', 'numpy', 'sqlalchemy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_the_well_formed_memo_keeps_only_successes_and_refuses_a_bad_part_every_time() -> None:
    from defusedxml.common import DTDForbidden

    from sheetladder.xlsx.fast_read import _well_formed, check_xml, expat_error

    good = b'<?xml version="1.0"?><a xmlns="urn:x"><b/></a>'
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    broken = good.replace(b"<b/>", b"<b>")
    check_xml(good)
    hits = _well_formed.cache_info().hits
    check_xml(good)
    assert _well_formed.cache_info().hits == hits + 1  # the good text is remembered
    for _ in range(3):
        check_xml(good)
        with pytest.raises(DTDForbidden):
            check_xml(bomb)
        with pytest.raises(expat_error()):
            check_xml(broken)
        with pytest.raises(expat_error()):
            check_xml(broken.decode())  # the same text as str: a key of its own, refused too
