"""The detected matrix as a definition: YAML text checked by the loader, and a summary for people."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ..definition import DefinitionError, load_text
from .detect import Detection, _squash
from .tables import MATRIX_SUFFIX, ImportFailed

SHOWN = 10  # lines of empty cells, of other notes, of problems a summary shows unless asked for all


def _bounded(items: list[str], limit: int | None) -> list[str]:
    """``items``, cut to ``limit`` lines with a last line saying how many were left out."""
    if limit is None or len(items) <= limit:
        return items
    return items[:limit] + [f"  … and {len(items) - limit} more (--verbose lists them all)"]


# -- the definition ------------------------------------------------------------------------------


def default_name(det: Detection) -> str:
    if det.title:
        name = det.title[: -len(MATRIX_SUFFIX)] if det.title.endswith(MATRIX_SUFFIX) else det.title
        if name.strip():
            return name.strip()
    stem = Path(det.source).stem if det.source and Path(det.source).suffix else det.sheet
    return _squash(re.sub(r"[_-]+", " ", stem)).title() or "Imported ladder"


def definition_data(det: Detection, ladder_id: str, name: str) -> dict[str, Any]:
    """The definition as plain data, in the key order of the bundled definitions."""
    from ..definition import _default_roles

    where = f"{Path(det.source).name if Path(det.source).exists() else det.source}, sheet {det.sheet}"
    data: dict[str, Any] = {
        "id": ladder_id,
        "name": name,
        "version": "0.1.0",
        "source": f"Imported from {where}",
        "levels": [{"code": lv.code, "name": lv.name} for lv in det.levels],
        "groups": [],
        "raters": [r.model_dump(exclude_defaults=True) for r in _default_roles()],
    }
    for g in det.groups:
        cats: list[dict[str, Any]] = []
        for c in g.categories:
            item: dict[str, Any] = {"id": c.id, "name": c.name}
            if c.weight != 1:
                item["weight"] = int(c.weight) if c.weight.is_integer() else c.weight
            if c.purpose:
                item["purpose"] = c.purpose
            item["descriptors"] = {
                code: ({"text": text, "drafted": True} if code in c.drafted else text)
                for code, text in c.descriptors.items()
            }
            cats.append(item)
        data["groups"].append({"id": g.id, "name": g.name, "categories": cats})
    return data


def _literal(node: Any) -> Any:
    """Multi-line texts as YAML block scalars, everything else unchanged (ruamel quotes as needed)."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(node, dict):
        return {k: _literal(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_literal(v) for v in node]
    if isinstance(node, str) and "\n" in node:
        return LiteralScalarString(node)
    return node


def definition_yaml(det: Detection, ladder_id: str, name: str, path: str = "<import>",
                    limit: int | None = SHOWN) -> str:
    """YAML text of the definition; checked with the definition loader before it is returned
    (a definition that fails shows ``limit`` of its problems; None: all)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    buf.write("# yaml-language-server: $schema=schema.json\n")
    buf.write(f"# Imported by `sheetladder import` from {det.source} (sheet {det.sheet}).\n")
    empty = len(det.empty_cells)
    if empty:
        buf.write(f"# {empty} empty cell(s) became placeholders marked drafted: search for 'TODO'.\n")
    yaml.dump(_literal(definition_data(det, ladder_id, name)), buf)
    text = buf.getvalue()
    try:
        load_text(text, path)
    except DefinitionError as e:
        problems = [str(p) for p in e.problems]
        unwritten = "" if path == "<import>" else f"; nothing was written to {path}"
        raise ImportFailed(f"the imported definition does not validate ({len(problems)} "
                           f"problem(s){unwritten}):\n"
                           + "\n".join(_bounded(problems, limit))) from None
    return text


def summary_lines(det: Detection, limit: int | None = SHOWN) -> list[str]:
    """What was detected, for people: levels, groups, categories, empty cells, other notes.
    The empty cells and the other notes show ``limit`` lines each (None: all of them)."""
    lines = [f"Matrix on sheet {det.sheet!r} of {det.source}: levels across the "
             f"{'rows' if det.orientation == 'rows' else 'columns'}, header {det.header_ref}"]
    lines.append(f"Levels ({len(det.levels)}): "
                 + ", ".join(lv.code if lv.name == lv.code else f"{lv.code} {lv.name}" for lv in det.levels))
    lines.append(f"Groups ({len(det.groups)}), categories ({len(det.categories)}):")
    for g in det.groups:
        lines.append(f"  {g.name}: " + ", ".join(
            c.name + (f" (weight {c.weight:g})" if c.weight != 1 else "") for c in g.categories))
    lines.append(f"Weights: from {det.weight_ref}" if det.weight_ref else "Weights: no weight column; all 1")
    if det.empty_cells:
        lines.append(f"Empty cells ({len(det.empty_cells)}), written as drafted placeholders:")
        lines.extend(_bounded([f"  {n.ref}" + f" ({n.message.split(';')[0].removeprefix('empty: ')})"
                               for n in det.empty_cells], limit))
    else:
        lines.append("Empty cells: none")
    if det.other_notes:
        lines.append(f"Check ({len(det.other_notes)}):")
        lines.extend(_bounded([f"  {n}" for n in det.other_notes], limit))
    return lines
