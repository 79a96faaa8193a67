"""What surrounds a sheet's cells is checked with its page header and footer apart
(``fast_read._check_rest``): the header names the person, so the rest of the part, the same in
every workbook of a layout, is remembered once found well-formed. These tests hold the split
check to the whole one: on real parts, damaged anywhere (in the header, around it, in the
attributes and text that hold it), the two accept and refuse the same parts, with the same
error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetladder.context import make_context
from sheetladder.definition import Ladder
from sheetladder.plan import build_plan
from sheetladder.xlsx import fast_read
from sheetladder.xlsx.write import to_bytes

RATER_PART = "xl/worksheets/sheet3.xml"  # a rater's tab


def _rest(ladder: Ladder, person: str) -> str:
    import io
    import zipfile

    data = to_bytes(build_plan(ladder, make_context(ladder, person)))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = z.read(RATER_PART).decode()
    got = fast_read._scan_part(text, "worksheet", "sheetData")
    assert got is not None
    return got[1]


@pytest.fixture(scope="module")
def rests(sales: Ladder) -> tuple[str, str]:
    return _rest(sales, "Ana Example"), _rest(sales, "Bo Other")


def _outcome(check: Any, text: str) -> str:
    try:
        check(text)
    except fast_read.expat_error() as e:
        return f"{type(e).__name__}: {e}"
    except Exception as e:  # noqa: BLE001 - the refusals (a DTD, an entity) raise their own
        return f"{type(e).__name__}: {e}"
    return "well-formed"


def test_a_rater_tab_has_a_header_apart_and_no_declaration_but_the_roots(
        rests: tuple[str, str]) -> None:
    # (what the split needs of the parts sheetladder writes: else each is checked whole)
    for rest in rests:
        assert rest.count(fast_read._HEADER_FOOTER) == 1
        assert rest.count("xmlns") == rest[:rest.index(">", rest.index("<worksheet"))].count(
            "xmlns")


def test_another_persons_tab_parses_only_its_header(rests: tuple[str, str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = rests
    assert first != second  # the header names the person
    fast_read._check_rest(first, "worksheet")
    parsed: list[int] = []
    real = fast_read._check_xml

    def spy(raw: Any) -> None:
        parsed.append(len(raw))
        real(raw)

    monkeypatch.setattr(fast_read, "_check_xml", spy)
    fast_read._check_rest(second, "worksheet")
    assert len(parsed) == 1 and parsed[0] < len(second) // 4, (parsed, len(second))


_SNIPPETS = ["<", ">", '"', "'", "&", "&amp;", "&bogus;", "&#0;", "/", "=", " ",
             "<headerFooter/>", "<headerFooter>", "</headerFooter>", "<headerFooterX/>",
             "<oddHeader>", "</oddHeader>", "<x>", "</x>", "<x/>", "<r:x/>", "<p:x/>",
             ' xmlns:r="urn:other"', ' xmlns:p="urn:p"', ' xmlns=""', ' a="1"', ' a="2"',
             ' r:id="1"', ' p:a="1"', '"/>', '<x a="', "</worksheet>", "<worksheet>",
             "\x01", "\ufffe", "]]>", "<![CDATA[", "<!-- -->", "<?pi?>"]


def _damaged(rest: str, data: st.DataObject) -> str:
    """``rest`` with one to three edits: a snippet put in or a few characters taken out, at
    the header's edges (where the split cuts) or anywhere near it or in the part."""
    text = rest
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        start = text.find(fast_read._HEADER_FOOTER)
        end = text.find(fast_read._HEADER_FOOTER_END)
        edges = ([start] if start >= 0 else []) + \
            ([end, end + len(fast_read._HEADER_FOOTER_END)] if end >= 0 else [])
        where = data.draw(st.sampled_from(["edge", "near", "anywhere"]), label="where")
        if where == "edge" and edges:
            at = data.draw(st.sampled_from(edges), label="at")
        elif where == "near" and edges:
            at = data.draw(st.integers(max(0, min(edges) - 80),
                                       min(len(text), max(edges) + 80)), label="at")
        else:
            at = data.draw(st.integers(0, len(text)), label="at")
        if data.draw(st.booleans(), label="delete"):
            text = text[:at] + text[at + data.draw(st.integers(1, 20), label="length"):]
        else:
            text = text[:at] + data.draw(st.sampled_from(_SNIPPETS), label="snippet") + text[at:]
    return text


RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _around_header(rest: str, before: str, after: str, inside: str = "", root: str = "") -> str:
    """``rest`` with ``before`` and ``after`` around its header element, ``inside`` put in
    its first tag and ``root`` among the root's attributes."""
    i = rest.index(fast_read._HEADER_FOOTER)
    j = rest.index(fast_read._HEADER_FOOTER_END) + len(fast_read._HEADER_FOOTER_END)
    k = i + len(fast_read._HEADER_FOOTER)
    text = rest[:i] + before + rest[i:k] + inside + rest[k:j] + after + rest[j:]
    w = text.index("<worksheet") + len("<worksheet")
    return text[:w] + root + text[w:]


@pytest.mark.parametrize("before, after, inside, root, well_formed", [
    ("", "", "", "", True),
    ("<x>", "</x>", "", "", True),  # the header inside another element
    ('<x a="', '"/>', "", "", False),  # ... inside an attribute value: '<' may not be there
    ("<x a='", "'/>", "", "", False),
    ('<x a="', '">', "", "", False),
    ("<x>", "", "", "", False),
    ("", "</x>", "", "", False),
    ("", "<x>", "", "", False),
    # a prefix bound again around the header, to the namespace another prefix has there: the
    # header's two attributes become one twice (the header alone, in the root, is well-formed)
    (f'<x xmlns:p="{RELS}">', "</x>", ' r:q="1" p:q="2"', ' xmlns:p="urn:p"', False),
    ('<x xmlns:p="urn:other">', "</x>", ' r:q="1" p:q="2"', ' xmlns:p="urn:p"', True),
    ("", "", ' r:q="1" p:q="2"', ' xmlns:p="urn:p"', True),
    ("", "", ' r:q="1" p:q="2"', f' xmlns:p="{RELS}"', False),
    ("", "", ' p:q="1"', "", False),  # a prefix declared nowhere
])
def test_a_header_where_the_whole_check_says_it_may_be_and_only_there_passes(
        rests: tuple[str, str], before: str, after: str, inside: str, root: str,
        well_formed: bool) -> None:
    for rest in rests:  # the first fills the memo, the second reads only its header
        text = _around_header(rest, before, after, inside, root)
        whole = _outcome(fast_read._check_xml, text)
        assert (whole == "well-formed") == well_formed, whole
        assert _outcome(lambda t: fast_read._check_rest(t, "worksheet"), text) == whole


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_split_check_accepts_and_refuses_what_the_whole_check_does(
        rests: tuple[str, str], data: st.DataObject) -> None:
    first, second = rests
    fast_read._check_rest(first, "worksheet")  # (the rest of the layout remembered, as in a batch)
    text = _damaged(data.draw(st.sampled_from(rests), label="part"), data)
    assert _outcome(lambda t: fast_read._check_rest(t, "worksheet"), text) == \
        _outcome(fast_read._check_xml, text)
