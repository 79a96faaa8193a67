"""Build the committed corpus's spreadsheets from its source data, and their ground truth.

    python tests/corpus/build.py OUT_DIR

Each framework in sources/ (extracted from its repository by extract.py, see MANIFEST.md) is
laid out the way teams keep such a matrix: a title above the header, levels as 'Level 1' or as
bare numbers, levels down the rows, a Summary column beside the names, group titles with the
header repeated under each, two tables stacked on one sheet, an 'About' sheet first; written by
openpyxl, xlsxwriter or as CSV. Every descriptor is the source's criteria, one a line. The
ground truth (OUT_DIR/import/ground_truth.json, in the format of ../shared/corpus) is counted
from the source data here, never from sheetladder's output.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"


def load(name: str) -> dict[str, Any]:
    return json.loads((SOURCES / f"{name}.json").read_text(encoding="utf-8"))


def monzo_topics(name: str) -> tuple[list[str], list[tuple[str, list[list[str]]]], dict[str, Any]]:
    """(level names, [(topic title, criteria per level)], source) of a Monzo framework; a topic
    without a title takes the generic framework's title for its name, as Monzo's site does."""
    src = load(name)
    generic = {t["name"]: t["title"] for t in load("monzo-generic")["topics"]}
    n = src["levels"]
    topics = []
    for t in src["topics"]:
        title = t["title"] or generic.get(t["name"]) or t["name"].title()
        topics.append((title, [t["levels"].get(str(i), []) for i in range(1, n + 1)]))
    return [f"Level {i}" for i in range(1, n + 1)], topics, src


def cell(criteria: list[str], bullet: str = "") -> str:
    return "\n".join(bullet + c.strip() for c in criteria)


def truth(src: dict[str, Any] | list[dict[str, Any]], layout: str, levels: list[str],
          groups: list[tuple[str, list[tuple[str, list[str]]]]], grouped: bool,
          level_names: bool = True) -> dict[str, Any]:
    """Ground truth from the source data: counts, names, two samples, empty cells."""
    cats = [(c, texts) for _, cs in groups for c, texts in cs]
    first, last = cats[0], cats[-1]
    li = next(i for i, t in enumerate(last[1]) if t) if not last[1][-1] else len(levels) - 1
    t: dict[str, Any] = {
        "expect": "matrix", "levels": len(levels), "categories": len(cats),
        "groups": len(groups) if grouped else 0,
        "samples": [
            {"category": first[0], "level": next(i for i, x in enumerate(first[1]) if x) + 1,
             "text": next(x for x in first[1] if x)},
            {"category": last[0], "level": li + 1, "text": last[1][li]},
        ],
        "empty_cells": sum(1 for _, texts in cats for x in texts if not x),
        "layout": layout,
    }
    if level_names:
        t["level_names"] = levels
    if grouped:
        t["group_names"] = [g for g, _ in groups]
        t["samples"][0]["group"], t["samples"][1]["group"] = groups[0][0], groups[-1][0]
    srcs = src if isinstance(src, list) else [src]
    t["source"] = ", ".join(s["source"] for s in srcs)
    t["path"] = ", ".join(s["path"] for s in srcs)
    t["commit"] = ", ".join(s["commit"] for s in srcs)
    t["licence"] = srcs[0]["licence"]
    return t


def write_openpyxl(path: Path, sheets: list[tuple[str, list[list[str]], list[str]]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows, merges in sheets:
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v != "":
                    x = ws.cell(r, c, v)
                    x.alignment = Alignment(wrap_text=True, vertical="top")
                    if r <= 3 and len(row) > 1:
                        x.font = Font(bold=True)
        for m in merges:
            ws.merge_cells(m)
    wb.save(path)


def write_xlsxwriter(path: Path, name: str, rows: list[list[str]],
                     merges: list[tuple[int, int, int, int, str]]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(name)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    covered = {(r, c) for r1, c1, r2, c2, _ in merges for r in range(r1, r2 + 1)
               for c in range(c1, c2 + 1)}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v != "" and (r, c) not in covered:
                ws.write_string(r, c, v, wrap)
    for r1, c1, r2, c2, v in merges:
        ws.merge_range(r1, c1, r2, c2, v, bold)
    ws.set_column(0, 1, 24)
    ws.set_column(2, 12, 40)
    wb.close()


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def build(out: Path) -> dict[str, dict[str, Any]]:
    d = out / "import"
    d.mkdir(parents=True, exist_ok=True)
    gt: dict[str, dict[str, Any]] = {}

    # 1. title, blank row, 'Topic | Level 1..6'; '- ' bullets (openpyxl)
    levels, topics, src = monzo_topics("monzo-generic")
    rows = [[src["title"]], [], ["Topic", *levels]]
    rows += [[t, *(cell(x, "- ") for x in texts)] for t, texts in topics]
    write_openpyxl(d / "monzo_generic.xlsx", [("Framework", rows, [])])
    gt["monzo_generic.xlsx"] = truth(src, "title, blank row, 'Topic | Level 1..6'; '- ' bullets",
                                     levels, [("", [(t, [cell(x, "- ") for x in tx])
                                                    for t, tx in topics])], False)

    # 2. two frameworks as groups: a merged group title row, the header repeated under each
    rows, merges, groups, srcs = [], [], [], []
    for name in ("monzo-backend", "monzo-mobile"):
        levels, topics, src = monzo_topics(name)
        srcs.append(src)
        rows.append([src["title"]] + [""] * len(levels))
        merges.append((len(rows) - 1, 0, len(rows) - 1, len(levels), src["title"]))
        rows.append(["Topic", *levels])
        rows += [[t, *(cell(x) for x in texts)] for t, texts in topics]
        groups.append((src["title"], [(t, [cell(x) for x in tx]) for t, tx in topics]))
    write_xlsxwriter(d / "monzo_engineering_groups.xlsx", "Engineering", rows, merges)
    gt["monzo_engineering_groups.xlsx"] = truth(
        srcs, "group title rows merged across, 'Topic | Level 1..6' repeated under each group",
        levels, groups, True)

    # 3. levels down the rows, bare numbers (CSV)
    levels, topics, src = monzo_topics("monzo-marketing")
    rows = [["Level", *(t for t, _ in topics)]]
    rows += [[str(i + 1), *(cell(texts[i]) for _, texts in topics)] for i in range(len(levels))]
    write_csv(d / "monzo_marketing_rows.csv", rows)
    gt["monzo_marketing_rows.csv"] = truth(src, "CSV; levels 1..7 down column A, topics across",
                                           levels, [("", [(t, [cell(x) for x in tx])
                                                          for t, tx in topics])], False,
                                           level_names=False)
    gt["monzo_marketing_rows.csv"]["levels_in"] = "rows"

    # 4. header of bare numbers, 'Competency | 1 | 2 | 3 | 4' (xlsxwriter)
    levels, topics, src = monzo_topics("monzo-product")
    rows = [["Competency", *(str(i + 1) for i in range(len(levels)))]]
    rows += [[t, *(cell(x, "• ") for x in texts)] for t, texts in topics]
    write_xlsxwriter(d / "monzo_product_numbers.xlsx", "Product", rows, [])
    gt["monzo_product_numbers.xlsx"] = truth(src, "'Competency | 1..4'; '• ' bullets", levels,
                                             [("", [(t, [cell(x, "• ") for x in tx])
                                                    for t, tx in topics])], False,
                                             level_names=False)

    # 5. an 'About' sheet first; title, a sentence, blank, header (openpyxl)
    levels, topics, src = monzo_topics("monzo-techops")
    about = [["About this framework"], ["Levels run from 1 to 5; each cell lists the criteria."]]
    rows = [[src["title"]], ["Criteria by level, as published."], [], ["Area", *levels]]
    rows += [[t, *(cell(x) for x in texts)] for t, texts in topics]
    write_openpyxl(d / "monzo_techops.xlsx", [("About", about, []), ("TechOps", rows, [])])
    gt["monzo_techops.xlsx"] = truth(src, "an About sheet first; title, sentence, blank, 'Area | "
                                     "Level 1..5'", levels,
                                     [("", [(t, [cell(x) for x in tx]) for t, tx in topics])], False)

    # 6. CSV across, a level holding one topic only (empty cells)
    levels, topics, src = monzo_topics("monzo-qualityanalyst")
    rows = [["Competency", *levels]] + [[t, *(cell(x) for x in texts)] for t, texts in topics]
    write_csv(d / "monzo_qualityanalyst.csv", rows)
    gt["monzo_qualityanalyst.csv"] = truth(src, "CSV 'Competency | Level 1..3'; empty cells",
                                           levels, [("", [(t, [cell(x) for x in tx])
                                                          for t, tx in topics])], False)

    # 7. levels down the rows named 'Level 1..5', 'Level' in the corner (openpyxl)
    levels, topics, src = monzo_topics("monzo-ops-individual-contributor")
    rows = [["Level", *(t for t, _ in topics)]]
    rows += [[levels[i], *(cell(texts[i], "- ") for _, texts in topics)] for i in range(len(levels))]
    write_openpyxl(d / "monzo_ops_ic_rows.xlsx", [("Ops IC", rows, [])])
    gt["monzo_ops_ic_rows.xlsx"] = truth(src, "levels 'Level 1..5' down column A, topics across",
                                         levels, [("", [(t, [cell(x, "- ") for x in tx])
                                                        for t, tx in topics])], False)
    gt["monzo_ops_ic_rows.xlsx"]["levels_in"] = "rows"

    # 8. two tables stacked on one sheet, each with a title row (CSV); the first is the larger
    levels, topics, src = monzo_topics("monzo-executive-support")
    l2, t2, src2 = monzo_topics("monzo-customer-operations")
    rows = [[src["title"]], ["Topic", *levels]] + [[t, *(cell(x) for x in tx)] for t, tx in topics]
    rows += [[], [src2["title"]], ["Topic", *l2]] + [[t, *(cell(x) for x in tx)] for t, tx in t2]
    write_csv(d / "monzo_stacked_tables.csv", rows)
    gt["monzo_stacked_tables.csv"] = truth(
        src, "CSV of two stacked tables, each a title row and a header (executive support, then "
        "customer operations); the first must not be merged with the second", levels,
        [("", [(t, [cell(x) for x in tx]) for t, tx in topics])], False)

    # 9. 'Competency | Summary | Level 1..5': a notes column between the names and the levels
    src = load("myunidays-product")
    levels = [lv["title"] for lv in src["topics"][0]["levels"]]
    rows = [[src["title"]], ["Competency", "Summary", *levels]]
    cats = []
    for t in src["topics"]:
        texts = [cell(lv["criteria"], "• ") for lv in t["levels"]]
        rows.append([t["title"], t["summary"], *texts])
        cats.append((t["title"], texts))
    write_xlsxwriter(d / "myunidays_product_summary.xlsx", "Product", rows, [])
    gt["myunidays_product_summary.xlsx"] = truth(src, "title; 'Competency | Summary | Level 1..5'",
                                                 levels, [("", cats)], False)

    # 10. level names without a pattern ('n00b', 'Play3r', ...), a Summary column at the right
    src = load("myunidays-core-competencies")
    levels = [lv["title"] for lv in src["topics"][0]["levels"]]
    rows = [["Competency", *levels, "Summary"]]
    cats = []
    for t in src["topics"]:
        texts = [cell(lv["criteria"]) for lv in t["levels"]]
        rows.append([t["title"], *texts, t["summary"]])
        cats.append((t["title"], texts))
    write_openpyxl(d / "myunidays_core.xlsx", [("Core", rows, [])])
    gt["myunidays_core.xlsx"] = truth(src, "'Competency | 4 level titles | Summary'", levels,
                                      [("", cats)], False)

    (d / "ground_truth.json").write_text(json.dumps(gt, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
    return gt


if __name__ == "__main__":
    got = build(Path(sys.argv[1]))
    print(f"{len(got)} files in {sys.argv[1]}/import")
