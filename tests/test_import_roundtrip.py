"""The round trip over random ladders (issue 16): a ladder rendered by sheetladder, imported
from its own workbook, gives back its levels, groups, categories, weights, descriptors and
drafted flags (the Matrix tab sets a drafted descriptor in italics; the importer reads that
style back as the flag)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sheetladder.context import make_context
from sheetladder.definition import Ladder, load_text, slugify
from sheetladder.importer.detect import import_matrix
from sheetladder.importer.emit import definition_yaml
from sheetladder.plan import build_plan
from sheetladder.xlsx import write as render_xlsx

_WORD = st.sampled_from([
    "Leads", "the", "team", "calls", "clients", "deals", "=SUM(A1)", "-5%", "+1", "@lead", "TRUE",
    "null", "über", "naïve", "«quoted»", "42", "a: b", "x'y", 'q"r', "&amp;", "<tag>", "forecasts",
    "coaches", "pipeline", "renewals", "with", "help", "alone", "others", "quarter"])
_TEXT = st.lists(_WORD, min_size=3, max_size=12).map(" ".join)
_NAME_WORDS = ["Discovery", "Closing", "Negotiation", "Forecasting", "Pipeline", "Product",
               "Coaching", "Hiring", "Planning", "Delivery", "Quality", "Security", "Design",
               "Research", "Writing", "Support", "Renewals", "Pricing"]
_LEVEL_NAMES = ["Junior", "Associate", "Mid", "Senior", "Lead", "Staff", "Principal", "Director",
                "Head", "Fellow"]


@st.composite
def ladders(draw: st.DrawFn) -> dict[str, Any]:
    """A definition as data: 2-7 levels with codes, 1-3 groups of 1-5 categories, weights,
    descriptors (some drafted)."""
    n = draw(st.integers(2, 7))
    prefix = draw(st.sampled_from(["S", "L", "E", "IC", "M"]))
    names = draw(st.lists(st.sampled_from(_LEVEL_NAMES), min_size=n, max_size=n, unique=True))
    role = draw(st.sampled_from(["rep", "engineer", "manager"]))
    levels = [{"code": f"{prefix}{i + 1}", "name": f"{names[i]} {role}"} for i in range(n)]
    cat_names = draw(st.lists(st.sampled_from(_NAME_WORDS), min_size=1, max_size=10, unique=True))
    n_groups = draw(st.integers(1, min(3, len(cat_names))))
    groups = []
    for gi in range(n_groups):
        chunk = cat_names[gi::n_groups]
        cats = []
        for name in chunk:
            descriptors: dict[str, Any] = {}
            # a category's descriptors differ from level to level, as in any real ladder (the
            # importer doubts a matrix whose descriptors are mostly the same text)
            texts = draw(st.lists(_TEXT, min_size=n, max_size=n, unique=True))
            for lv, text in zip(levels, texts, strict=True):
                descriptors[lv["code"]] = {"text": text, "drafted": True} if draw(
                    st.integers(0, 4)) == 0 else text
            item: dict[str, Any] = {"id": slugify(name), "name": name, "descriptors": descriptors}
            weight = draw(st.sampled_from([1, 1, 2, 0.5, 1.25, 3]))
            if weight != 1:
                item["weight"] = weight
            cats.append(item)
        groups.append({"id": f"group-{gi + 1}", "name": f"{draw(st.sampled_from(_NAME_WORDS))} "
                       f"skills {gi + 1}", "categories": cats})
    return {"id": "random-ladder", "name": "Random ladder", "version": "1", "levels": levels,
            "groups": groups}


def _yaml(data: dict[str, Any]) -> str:
    import io

    buf = io.StringIO()
    YAML().dump(data, buf)
    return buf.getvalue()


def _shape(ladder: Ladder) -> list[Any]:
    return [[(lv.code, lv.name) for lv in ladder.levels],
            [(g.name, [(c.name, c.weight, [(c.descriptor(k).text, c.descriptor(k).drafted)
                                           for k in ladder.codes]) for c in g.categories])
             for g in ladder.groups]]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=ladders())
def test_a_random_ladder_imported_from_its_own_workbook_is_the_same_ladder(data: dict[str, Any]) -> None:
    original = load_text(_yaml(data), "random.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        wb = render_xlsx.save(build_plan(original, make_context(original, "Ann")),
                              Path(tmp) / "a.xlsx")
        det = import_matrix(str(wb))
    back = load_text(definition_yaml(det, original.id, original.name), "back.yaml")
    assert _shape(back) == _shape(original)
    assert det.empty_cells == []  # every descriptor came back as text, the drafted ones too
