"""The importer's contract over random layouts: a ladder laid out in a spreadsheet (either
orientation, 2-7 levels, 2-10 categories, any corner label, with or without a column of level
names, a group column, blank rows between the rows) is imported exactly as laid out, or
refused. Never an exit-0 wrong ladder.

Each layout is written as a real .xlsx with openpyxl and read back through ``import_matrix``,
the function ``sheetladder import`` calls."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sheetladder.errors import SheetladderError
from sheetladder.importer.detect import Detection, import_matrix

# category names as published ladders have them; several share a word ('Impact', 'Skills'),
# the shape that tempts a reading of categories as levels
CATEGORY_POOL = [
    "Craft", "Scope", "Delivery", "Mentoring", "Communication", "Ownership", "Quality",
    "Product Impact", "People Impact", "Org Impact", "Business Impact", "Technical Skills",
    "Soft Skills", "Leadership Skills", "Domain Skills", "System Design", "Code Review",
    "Hiring", "Strategy", "Collaboration", "Lead Design", "Lead Delivery", "Lead Hiring",
]
SHORT_NAMES = ["Trainee", "Junior", "Mid", "Senior", "Staff", "Principal", "Distinguished"]
LEVEL_NAMES = ["Intern", "Junior Engineer", "Engineer", "Senior Engineer", "Staff Engineer",
               "Principal Engineer", "Distinguished Engineer"]
GROUP_POOL = ["Technical", "Impact", "People", "Execution", "Culture"]
VERBS = ["Learns", "Owns", "Leads", "Shapes", "Guides", "Drives", "Sets", "Defines", "Builds",
         "Reviews"]
OBJECTS = ["small tasks with help", "features end to end", "projects across a team",
           "the direction of several teams", "practice for the whole company",
           "standards others follow", "plans for a quarter", "long-term technical bets"]


# what a refusal's advice says: an option to give, or an edit to make
ADVICE = re.compile(r"--[a-z]|\b(type|put|delete|rename|correct|fix|mend|save|copy|give|"
                    r"leave|fill|merge|split|remove)\b", re.I)


@dataclass
class Spec:
    rows: bool  # levels down the rows (categories across) instead of across the columns
    codes: list[str]
    names: list[str]
    name_line: bool  # the level names on a line of their own beside the codes
    name_label: str  # the corner of that line ('' or 'Name')
    style: str  # the level headers: 'code' (S1), 'combined' (S1 - Junior Engineer), 'word'
    # (Level 1), 'numbered' (1 - Junior Engineer), 'names' (Junior Engineer: no code, made up
    # as L1, L2)
    corner: str
    categories: list[str]
    groups: list[str] | None  # the group of each category, or None: no group line
    descriptors: list[list[str]]  # [category][level]
    spacers: list[int]  # the body lines (0-based) followed by a blank sheet row
    title: str = ""  # a title row above the matrix, and a blank row under it


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n_lv = draw(st.integers(2, 7))
    n_cat = draw(st.integers(2, 10))
    prefix = draw(st.sampled_from(["S", "L", "P", "E", "IC"]))
    start = draw(st.integers(0, 2))
    codes = [f"{prefix}{start + i}" for i in range(n_lv)]
    names = draw(st.sampled_from([LEVEL_NAMES, SHORT_NAMES]))[:n_lv]
    name_line = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:  # categories named by codes or numbered areas
        form = draw(st.sampled_from(["C{}", "Area {}"]))
        cats = [form.format(i + 1) for i in range(n_cat)]
    else:
        cats = draw(st.lists(st.sampled_from(CATEGORY_POOL), min_size=n_cat, max_size=n_cat,
                             unique=True))
    groups = None
    if draw(st.booleans()) and n_cat >= 2:
        # runs of categories in each group, at least two groups
        cuts = sorted(draw(st.sets(st.integers(1, n_cat - 1), min_size=1,
                                   max_size=min(3, n_cat - 1))))
        gnames = draw(st.lists(st.sampled_from(GROUP_POOL), min_size=len(cuts) + 1,
                               max_size=len(cuts) + 1, unique=True))
        groups = []
        bounds = [0, *cuts, n_cat]
        for g, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
            groups += [gnames[g]] * (b - a)
    style = "code" if name_line else draw(st.sampled_from(["code", "combined", "word", "numbered",
                                                           "names"]))
    if style in ("word", "numbered"):
        codes = [f"L{start + i}" for i in range(n_lv)]
    elif style == "names":
        codes = [f"L{i + 1}" for i in range(n_lv)]
    brief = draw(st.booleans())  # descriptors of a few words, or sentences
    descriptors = [[f"{VERBS[(i + j) % len(VERBS)]} {cat.lower()}"
                    + ("" if brief else f": {OBJECTS[(j + i * 3) % len(OBJECTS)]}, part {j + 1} "
                       f"of {n_lv}") + ("" if not brief or j == 0 else " " + "more " * j).rstrip()
                    for j in range(n_lv)] for i, cat in enumerate(cats)]
    rows = draw(st.booleans())
    n_body = n_lv if rows else n_cat
    spacers = sorted(draw(st.sets(st.integers(0, n_body - 2), max_size=2))) \
        if draw(st.booleans()) and n_body > 1 else []
    return Spec(rows=rows, codes=codes, names=names, name_line=name_line,
                name_label=draw(st.sampled_from(["", "Name", "Title"])) if name_line else "",
                style=style,
                corner=draw(st.sampled_from(["Category", "Level", "Group", "Skill", "Competency",
                                             "Role", ""])),
                title=draw(st.sampled_from(["", "", "Engineering career ladder"])),
                categories=cats, groups=groups, descriptors=descriptors, spacers=spacers)


def grid(spec: Spec) -> list[list[str]]:
    """The sheet as rows of texts, levels across (transposed when ``spec.rows``)."""
    heads = [{"code": c, "combined": f"{c} - {n}", "names": n,
              "word": f"Level {c[1:]}", "numbered": f"{c[1:]} - {n}"}[spec.style]
             for c, n in zip(spec.codes, spec.names, strict=True)]
    lead = 2 if spec.groups else 1
    out: list[list[str]] = []
    if spec.groups:
        out.append([spec.corner, "Category" if spec.corner == "Group" else "", *heads])
    else:
        out.append([spec.corner, *heads])
    if spec.name_line:
        out.append([spec.name_label] + [""] * (lead - 1) + list(spec.names))
    for i, cat in enumerate(spec.categories):
        out.append(([spec.groups[i]] if spec.groups else []) + [cat, *spec.descriptors[i]])
    if spec.rows:
        out = [list(col) for col in zip(*out, strict=True)]
    return out


def write(spec: Spec, path: Path) -> None:
    cells = grid(spec)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ladder"
    # the header lines come first (the level header and the name line; with the levels down
    # the rows, the group and category lines), then the body lines; a spacer is a blank row
    # after a body line
    head_lines = (2 if spec.groups else 1) if spec.rows else 1 + spec.name_line
    r_out = 1
    if spec.title:
        ws.cell(1, 1, spec.title)
        r_out = 3
    for r, line in enumerate(cells):
        for c, text in enumerate(line):
            if text:
                ws.cell(r_out, c + 1, text)
        r_out += 1
        if r - head_lines in spec.spacers:
            r_out += 1
    wb.save(path)


def matches(spec: Spec, det: Detection) -> str | None:
    """Why the detection is not the ladder laid out; None when it is."""
    codes = [lv.code for lv in det.levels]
    if codes != spec.codes:
        return f"levels {codes} != {spec.codes}"
    want_names = (spec.names if spec.name_line or spec.style in ("combined", "numbered", "names")
                  else [f"Level {c[1:]}" for c in spec.codes] if spec.style == "word"
                  else spec.codes)
    names = [lv.name for lv in det.levels]
    if names != want_names:
        return f"level names {names} != {want_names}"
    cats = [c.name for c in det.categories]
    if cats != spec.categories:
        return f"categories {cats} != {spec.categories}"
    for c, want in zip(det.categories, spec.descriptors, strict=True):
        got = [c.descriptors.get(code) for code in spec.codes]
        if got != want:
            return f"descriptors of {c.name!r}: {got} != {want}"
    if spec.groups is not None:
        groups = [g.name for g in det.groups for _ in g.categories]
        if groups != spec.groups:
            return f"groups {groups} != {spec.groups}"
    return None


def check(spec: Spec, path: Path) -> None:
    write(spec, path)
    try:
        det = import_matrix(str(path))
    except SheetladderError as e:
        # refused: allowed, with advice (what to give or to edit)
        assert ADVICE.search(str(e)), f"a refusal without advice:\n{e}"
        return
    why = matches(spec, det)
    assert why is None, f"an exit-0 wrong ladder: {why}\n{spec}\n{grid(spec)}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_a_random_layout_is_imported_as_laid_out_or_refused(spec: Spec, tmp_path: Path) -> None:
    check(spec, tmp_path / "ladder.xlsx")


def _options(argv: list[str]) -> dict[str, Any]:
    """import_matrix's arguments for a listed command line."""
    from sheetladder.importer.detect import explicit_options

    opts: dict[str, Any] = {"skip": ()}
    for k, v in zip(argv, argv[1:], strict=False):
        if k == "--skip-col":
            opts["skip"] += (v,)
        elif k.startswith("--") and k != "--sheet":
            opts[k[2:].replace("-", "_")] = v
    levels_in = opts.pop("levels_in")
    names = {"header_row": "header_row", "levels": "levels", "category_col": "category",
             "group_col": "group", "weight_col": "weight", "table": "table",
             "level_order": "order"}
    kw = {names[k]: (int(v) if k == "table" else v) for k, v in opts.items() if k in names}
    return {"levels_in": levels_in, "explicit": explicit_options(levels_in, skip=opts["skip"], **kw)}


def write_stacked(specs_: list[Spec], path: Path) -> None:
    """Two ladders on one sheet, one under the other with a blank row between (each laid out
    as ``write`` lays one out, without blank rows inside it)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ladder"
    r_out = 1
    for spec in specs_:
        if spec.title:
            ws.cell(r_out, 1, spec.title)
            r_out += 2
        for line in grid(spec):
            for c, text in enumerate(line):
                if text:
                    ws.cell(r_out, c + 1, text)
            r_out += 1
        r_out += 1
    wb.save(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=specs(), second=specs())
def test_stacked_layouts_are_each_imported_as_laid_out_by_table_or_refused(
        first: Spec, second: Spec, tmp_path: Path) -> None:
    """Two random layouts stacked (each either way round): --table 1 and --table 2 each import
    their own ladder as laid out, or refuse with advice; and the command --list gives for a
    table imports the same ladder as --table alone does, never another table's."""
    from sheetladder.importer.detect import Explicit, list_lines

    first.spacers, second.spacers = [], []
    # a second header naming the same levels as the first (whatever its corner) is the header
    # repeated: one matrix (as a published matrix repeats its header under each group)
    assume([x for x in grid(first)[0][1:] if x] != [x for x in grid(second)[0][1:] if x])
    path = tmp_path / "two.xlsx"
    write_stacked([first, second], path)
    lines = list_lines(str(path))
    for i, line in enumerate(lines[:-1]):
        m = re.match(r"  table (\d): .*\(plausible\)$", line)
        if m and int(m.group(1)) <= 2 and lines[i + 1].startswith("    sheetladder import"):
            n = int(m.group(1))
            assert f"--table {n}" in lines[i + 1], lines
            det = import_matrix(str(path), **_options(shlex.split(lines[i + 1])))
            why = matches((first, second)[n - 1], det)
            assert why is None, f"--list's command for table {n}: {why}\n{lines}"
    for n, spec in ((1, first), (2, second)):
        try:
            det = import_matrix(str(path), explicit=Explicit(table=n))
        except SheetladderError as e:
            assert ADVICE.search(str(e)), f"a refusal without advice:\n{e}"
            continue
        why = matches(spec, det)
        assert why is None, f"--table {n}: an exit-0 wrong ladder: {why}\n{first}\n{second}"
