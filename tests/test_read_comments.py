"""``sheetladder read`` shows what each rater wrote (the evidence cells) in its text report,
one compact line per comment, as typed (issue 17)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.definition import load
from sheetladder.plan import build_plan
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS
from .test_export import ctx_of, fill


def test_read_prints_each_raters_comments_one_line_each(tmp_path: Path) -> None:
    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = ctx_of(ladder, "Ana Diaz", "2026-Q4", n_raters=2)  # no peers: nothing is pooled
    blank = tmp_path / "blank.xlsx"
    save(build_plan(ladder, ctx), blank)
    cats = ladder.categories
    ratings = {s.tab: {c.id: 2 for c in cats} for s in ctx.raters}
    ratings["Mia Manager"][cats[1].id] = 3
    comments = {
        "Mia Manager": {cats[1].id: "Ran the Acme renewal alone.\nNext: pricing.",
                        cats[0].id: "=1+1"},
        "Self": {cats[4].id: "[bold]not markup[/bold]"},
    }
    filled = tmp_path / "filled.xlsx"
    fill(blank, filled, ctx, ladder, ratings, comments, datetime(2026, 11, 1, 9))
    res = CliRunner().invoke(main, ["read", str(filled)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = [line.rstrip() for line in res.output.splitlines()]
    start = lines.index("Comments")
    assert lines[start + 1:start + 4] == [
        f"  Self · {cats[4].name} (S2): [bold]not markup[/bold]",
        f"  Mia Manager · {cats[0].name} (S2): =1+1",
        f"  Mia Manager · {cats[1].name} (S3): Ran the Acme renewal alone. / Next: pricing.",
    ]
    assert lines[start + 4].startswith("Overall:")
    # a workbook nobody commented on has no Comments section
    plain = tmp_path / "plain.xlsx"
    fill(blank, plain, ctx, ladder, ratings, {}, datetime(2026, 11, 1, 9))
    res = CliRunner().invoke(main, ["read", str(plain)])
    assert res.exit_code == 0 and "Comments" not in res.output.splitlines()


def test_read_shows_pooled_raters_comments_unattributed_without_their_rating(
        tmp_path: Path) -> None:
    # the bundled ladder keeps min_peers at 3: with two peers, the manager and peers are pooled
    ladder = load(DEFINITIONS / "sales-s1-s7.yaml")
    ctx = ctx_of(ladder, "Ana Diaz", "2026-Q4")
    blank = tmp_path / "blank.xlsx"
    save(build_plan(ladder, ctx), blank)
    cats = ladder.categories
    ratings = {s.tab: {c.id: 2 for c in cats} for s in ctx.raters}
    ratings["Pat Peer"][cats[1].id] = 3
    comments = {
        "Pat Peer": {cats[1].id: "Zeal on the Acme renewal.", cats[0].id: "=1+1"},
        "Mia Manager": {cats[1].id: "Ran the Acme renewal alone.\nNext: pricing."},
        "Self": {cats[4].id: "mine"},
    }
    filled = tmp_path / "filled.xlsx"
    fill(blank, filled, ctx, ladder, ratings, comments, datetime(2026, 11, 1, 9))
    res = CliRunner().invoke(main, ["read", str(filled)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = [line.rstrip() for line in res.output.splitlines()]
    start = lines.index("Comments")
    # by category, then by text: not in the order of the tabs
    assert lines[start + 1:start + 5] == [
        f"  Self · {cats[4].name} (S2): mine",
        f"  Others · {cats[0].name}: =1+1",
        f"  Others · {cats[1].name}: Ran the Acme renewal alone. / Next: pricing.",
        f"  Others · {cats[1].name}: Zeal on the Acme renewal.",
    ]
    for name in ("Mia Manager", "Pat Peer", "Quinn Peer"):
        assert name not in res.output
