"""``sheetladder read`` shows what each rater wrote (the evidence cells) in its text report,
one compact line per comment, as typed (issue 17)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.definition import Ladder, load
from sheetladder.plan import build_plan
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS
from .test_export import ctx_of, fill


def read_text(tmp_path: Path, n_raters: int | None, changed: str,
              comments: dict[str, dict[int, str]]) -> tuple[Ladder, list[str]]:
    """Render Ana Diaz's sales workbook (``n_raters`` raters, else the ladder's), fill every
    rating at S2 but ``changed``'s second category (S3), and the comments given (tab ->
    category index -> text); return the ladder and ``read``'s text output, line by line."""
    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = (ctx_of(ladder, "Ana Diaz", "2026-Q4") if n_raters is None
           else ctx_of(ladder, "Ana Diaz", "2026-Q4", n_raters=n_raters))
    blank = tmp_path / "blank.xlsx"
    save(build_plan(ladder, ctx), blank)
    cats = ladder.categories
    ratings = {s.tab: {c.id: 2 for c in cats} for s in ctx.raters}
    ratings[changed][cats[1].id] = 3
    filled = tmp_path / "filled.xlsx"
    fill(blank, filled, ctx, ladder, ratings,
         {tab: {cats[i].id: text for i, text in by_cat.items()} for tab, by_cat in comments.items()},
         datetime(2026, 11, 1, 9))
    res = CliRunner().invoke(main, ["read", str(filled)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return ladder, [line.rstrip() for line in res.output.splitlines()]



def test_read_prints_each_raters_comments_one_line_each(tmp_path: Path) -> None:
    # no peers: nothing is pooled
    ladder, lines = read_text(tmp_path, 2, "Mia Manager", {
        "Mia Manager": {1: "Ran the Acme renewal alone.\nNext: pricing.", 0: "=1+1"},
        "Self": {4: "[bold]not markup[/bold]"},
    })
    cats = ladder.categories
    start = lines.index("Comments")
    assert lines[start + 1:start + 4] == [
        f"  Self · {cats[4].name} (S2): [bold]not markup[/bold]",
        f"  Mia Manager · {cats[0].name} (S2): =1+1",
        f"  Mia Manager · {cats[1].name} (S3): Ran the Acme renewal alone. / Next: pricing.",
    ]
    assert lines[start + 4].startswith("Overall:")
    # a workbook nobody commented on has no Comments section
    (tmp_path / "plain").mkdir()
    _, plain = read_text(tmp_path / "plain", 2, "Mia Manager", {})
    assert "Comments" not in plain and any(line.startswith("Overall:") for line in plain)


def test_read_shows_pooled_raters_comments_unattributed_without_their_rating(
        tmp_path: Path) -> None:
    # the bundled ladder keeps min_peers at 3: with two peers, the manager and peers are pooled
    ladder, lines = read_text(tmp_path, None, "Pat Peer", {
        "Pat Peer": {1: "Zeal on the Acme renewal.", 0: "=1+1"},
        "Mia Manager": {1: "Ran the Acme renewal alone.\nNext: pricing."},
        "Self": {4: "mine"},
    })
    cats = ladder.categories
    start = lines.index("Comments")
    # by category, then by text: not in the order of the tabs
    assert lines[start + 1:start + 5] == [
        f"  Self · {cats[4].name} (S2): mine",
        f"  Others · {cats[0].name}: =1+1",
        f"  Others · {cats[1].name}: Ran the Acme renewal alone. / Next: pricing.",
        f"  Others · {cats[1].name}: Zeal on the Acme renewal.",
    ]
    for name in ("Mia Manager", "Pat Peer", "Quinn Peer"):
        assert not any(name in line for line in lines)


def test_a_comment_a_spreadsheet_took_for_a_formula_keeps_the_words_typed(tmp_path: Path) -> None:
    """openpyxl (a script) saves '=-1 call a day' as a formula with no result, and LibreOffice
    shows such a cell as an error: either way the words typed were lost, with exit 0."""
    import openpyxl

    from sheetladder.plan import C_COMMENT, R_FIRST
    from sheetladder.results.read import read_path

    ladder, _ = read_text(tmp_path, 2, "Mia Manager", {})
    filled = tmp_path / "filled.xlsx"
    wb = openpyxl.load_workbook(filled)
    wb["Self"].cell(R_FIRST + 1, C_COMMENT + 1).value = "=-1 call a day, then more"
    wb.save(filled)
    report = read_path(filled)
    (self_tab,) = [i for i in report.inputs if i.tab == "Self"]
    assert self_tab.comments == {ladder.categories[0].id: "=-1 call a day, then more"}
    assert any("holds a formula =-1 call a day" in f.message and "kept as the comment's text"
               in f.message for f in report.findings)


def test_a_rating_typed_in_the_comment_column_is_refused_naming_both_cells(
        tmp_path: Path) -> None:
    """A rater one column off types 'S4' in the comment cells and leaves the ratings blank:
    read as it stands, the categories count as not rated and the answers vanish with exit 0."""
    import openpyxl

    from sheetladder.a1 import a1
    from sheetladder.plan import C_COMMENT, C_RATING, R_FIRST
    from sheetladder.results.read import read_path

    ladder, _ = read_text(tmp_path, 2, "Mia Manager", {})
    filled = tmp_path / "filled.xlsx"
    wb = openpyxl.load_workbook(filled)
    ws = wb["Self"]
    for j in (0, 1):
        ws.cell(R_FIRST + j + 1, C_RATING + 1).value = None
        ws.cell(R_FIRST + j + 1, C_COMMENT + 1).value = " s4" if j else "S4"
    # a comment that is a level beside a rating given is only a comment
    ws.cell(R_FIRST + 3, C_COMMENT + 1).value = "S3"
    # a comment that merely mentions a level is a comment too
    ws.cell(R_FIRST + 4, C_RATING + 1).value = None
    ws.cell(R_FIRST + 4, C_COMMENT + 1).value = "S3 next year"
    wb.save(filled)
    report = read_path(filled)
    errors = sorted((f.cell, f.message) for f in report.errors)
    assert [cell for cell, _ in errors] == [a1(R_FIRST, C_COMMENT), a1(R_FIRST + 1, C_COMMENT)]
    first = errors[0][1]
    assert "'S4', a level" in first and f"type it in {a1(R_FIRST, C_RATING)}" in first
    res = CliRunner().invoke(main, ["read", str(filled)], env={"COLUMNS": "200"})
    assert res.exit_code == 1 and "a level, while the rating cell" in res.output
