"""Every workbook sheetladder writes is a valid Office Open XML package: checked against the
ECMA-376 schemas by openxml-audit (a validator from PyPI, the Open XML SDK's rules in pure
Python), which must also refuse a workbook with an element planted where the schema has none.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openxml_audit import OpenXmlValidator

from sheetladder.context import make_context, split_contexts
from sheetladder.definition import Ladder, load
from sheetladder.plan import build_plan
from sheetladder.xlsx.write import to_bytes

from .conftest import DEFINITIONS

LADDERS = sorted(DEFINITIONS.glob("*.yaml"))


def problems(data: bytes, tmp: Path, name: str) -> list[str]:
    path = tmp / name
    path.write_bytes(data)
    result = OpenXmlValidator().validate(str(path))
    return [str(e) for e in result.errors] + ([] if result.errors or result.is_valid
                                              else ["invalid, with no error listed"])


def _workbooks(ladder: Ladder) -> dict[str, bytes]:
    """Everything render writes for a ladder: blank, filled, a --split copy, both papers."""
    ctx = make_context(ladder, "Ana Diaz", "2026-Q4")
    filled = {slot.tab: {c.id: 1 + i % len(ladder.levels) for i, c in enumerate(ladder.categories)}
              for slot in ctx.raters}
    split = split_contexts(ctx)[1]
    return {
        "blank-a4": to_bytes(build_plan(ladder, ctx)),
        "filled-letter": to_bytes(build_plan(ladder, ctx, filled), paper="letter"),
        "split-a4": to_bytes(build_plan(ladder, split, filled), password="pw"),
    }


@pytest.mark.parametrize("definition", LADDERS, ids=lambda p: p.stem)
def test_every_rendered_workbook_is_valid_against_the_ooxml_schemas(definition: Path, tmp_path):
    for name, data in _workbooks(load(definition)).items():
        assert problems(data, tmp_path, f"{name}.xlsx") == [], name


def _plant(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                assert old in body, (part, old)
                body = body.replace(old, new, 1)
            z.writestr(info, body)
    return out.getvalue()


def test_the_validator_refuses_a_planted_bad_element(sales: Ladder, tmp_path: Path):
    good = to_bytes(build_plan(sales, make_context(sales, "Ana Diaz", "2026-Q4")))
    assert problems(good, tmp_path, "good.xlsx") == []
    bad = _plant(good, "xl/worksheets/sheet2.xml", b"<sheetData>", b"<sheetData><bogusRow/>")
    found = problems(bad, tmp_path, "bad.xlsx")
    assert any("bogusRow" in p and "sheet2.xml" in p for p in found), found


def test_the_validator_refuses_a_data_validation_out_of_schema_order(sales: Ladder, tmp_path):
    """A real element in the wrong place (dataValidations must follow sheetData), the kind of
    mistake a hand-written writer makes."""
    good = to_bytes(build_plan(sales, make_context(sales, "Ana Diaz", "2026-Q4")))
    part = "xl/worksheets/sheet3.xml"  # the first rater tab: it has dropdowns
    xml = zipfile.ZipFile(io.BytesIO(good)).read(part)
    start = xml.index(b"<dataValidations")
    end = xml.index(b"</dataValidations>") + len(b"</dataValidations>")
    block = xml[start:end]
    moved = xml[:start] + xml[end:]
    moved = moved.replace(b"<sheetData>", block + b"<sheetData>", 1)
    bad = _plant(good, part, xml, moved)
    found = problems(bad, tmp_path, "bad.xlsx")
    assert any("sheet3.xml" in p for p in found), found
