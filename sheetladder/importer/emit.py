"""The detected matrix as a definition: YAML text checked by the loader, and a summary for people."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ..definition import DefinitionError, Problem, load_text
from .detect import Detection, _clip, _squash
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
        problems = [source_problem(det, p) for p in e.problems]
        unwritten = "" if path == "<import>" else f"; nothing was written to {path}"
        raise ImportFailed(f"the imported matrix does not make a valid definition "
                           f"({len(problems)} problem(s){unwritten}):\n"
                           + "\n".join(_bounded(problems, limit))) from None
    return text


_CELL = re.compile(r"^(?P<sheet>.*)!(?P<col>[A-Z]+)(?P<row>[0-9]+)$")


def _descriptor_ref(det: Detection, category_ref: str, level_ref: str) -> str | None:
    """The cell of a category's descriptor at a level (or its weight, given the weight
    column's header as ``level_ref``): the category's row and the level's column (levels across
    the columns), or the level's row and the category's column."""
    cat, lev = _CELL.match(category_ref), _CELL.match(level_ref)
    if cat is None or lev is None:
        return None
    if det.orientation == "rows":
        return f"{cat['sheet']}!{cat['col']}{lev['row']}"
    return f"{cat['sheet']}!{lev['col']}{cat['row']}"


def source_problem(det: Detection, problem: Problem) -> str:
    """A problem of the generated definition told by the source cell it comes from (the YAML
    it was found in is never written): ``Sheet!C4: descriptor of 'Closing' at S2: …``."""
    loc = problem.loc
    message = problem.message
    dotted = ".".join(map(str, loc))
    if dotted and message.startswith(dotted + ": "):
        message = message[len(dotted) + 2:]
    where: str | None = None
    if len(loc) >= 4 and loc[0] == "groups" and loc[2] == "categories" \
            and isinstance(loc[1], int) and isinstance(loc[3], int) \
            and loc[1] < len(det.groups) and loc[3] < len(det.groups[loc[1]].categories):
        cat = det.groups[loc[1]].categories[loc[3]]
        rest = loc[4:]
        if rest[:1] == ("descriptors",) and len(rest) >= 2:
            level = next((lv for lv in det.levels if lv.code == rest[1]), None)
            cell = _descriptor_ref(det, cat.ref, level.ref) if level else None
            where = f"{cell or cat.ref}: descriptor of {cat.name!r} at {rest[1]}"
        elif rest[:1] == ("weight",):
            cell = _descriptor_ref(det, cat.ref, det.weight_ref) if det.weight_ref else None
            where = f"{cell or cat.ref}: weight of {cat.name!r}"
        elif rest[:1] == ("id",):
            where = f"{cat.ref}: the id made from category name {_clip(cat.name)!r}"
        else:
            where = f"{cat.ref}: category {_clip(cat.name)!r}"
    elif len(loc) >= 2 and loc[0] == "groups" and isinstance(loc[1], int) \
            and loc[1] < len(det.groups):
        g = det.groups[loc[1]]
        where = f"{g.ref or det.sheet}: group {_clip(g.name)!r}"
    elif len(loc) >= 2 and loc[0] == "levels" and isinstance(loc[1], int) \
            and loc[1] < len(det.levels):
        lv = det.levels[loc[1]]
        where = f"{lv.ref}: level {lv.code!r}"
    elif loc[:1] == ("levels",):
        where = f"{det.header_ref}: the levels"
    elif loc[:1] == ("name",):
        where = "the ladder's name (--name)"
    elif loc[:1] == ("id",):
        where = "the ladder's id (--id)"
    if where is None:
        return f"{dotted or 'the definition'}: {message}" if dotted else message
    return f"{where}: {message}"


def found_lines(det: Detection, limit: int | None = SHOWN) -> list[str]:
    """Where the matrix is and what it holds: its levels, then each group with its categories
    (``limit`` groups shown; None: all). The head of :func:`summary_lines`, and what a
    refusal shows of its best guess."""
    lines = [f"Matrix on sheet {det.sheet!r} of {det.source}: levels "
             f"{'down the rows' if det.orientation == 'rows' else 'across the columns'}, "
             f"header {det.header_ref}"]
    lines.append(f"Levels ({len(det.levels)}): "
                 + ", ".join(lv.code if lv.name == lv.code else f"{lv.code} {lv.name}" for lv in det.levels))
    lines.append(f"Groups ({len(det.groups)}), categories ({len(det.categories)}):")
    lines.extend(_bounded([f"  {g.name}: " + ", ".join(
        c.name + (f" (weight {c.weight:g})" if c.weight != 1 else "") for c in g.categories)
        for g in det.groups], limit))
    return lines


def summary_lines(det: Detection, limit: int | None = SHOWN) -> list[str]:
    """What was detected, for people: levels, groups, categories, empty cells, other notes.
    The groups, the empty cells and the other notes show ``limit`` lines each (None: all)."""
    lines = found_lines(det, limit)
    blank = [n for n in det.notes if n.kind == "weight"]
    if not det.weight_ref:
        lines.append("Weights: no weight column; all 1")
    elif blank:
        lines.append(f"Weights: from {det.weight_ref}; {len(blank)} blank weight cell(s) "
                     f"given weight 1: {', '.join(n.ref for n in blank[:3])}"
                     + (f" and {len(blank) - 3} more" if len(blank) > 3 else ""))
    else:
        lines.append(f"Weights: from {det.weight_ref}")
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
