"""Issue 14, the reading side: exit 0 only with a right result.

Each case is reproduced as it was found, through the CLI in a folder holding a copy of
``definitions/`` (what a new user has): conflicting copies in one collect, a forged ladder, a
tampered hidden sheet, ratings the workbook cannot compute, and findings that hid the
difference they were about.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetladder.cli import main

from .conftest import run
from .excel_edits import structural_edit

R_FIRST, C_RATING, C_COMMENT = 4, 3, 6  # the rater tabs' layout (sheetladder.plan)
META = "_sheetladder"




def render(definition: str, person: str, *raters: str, out: str = "output") -> Path:
    args = ["render", definition, "--person", person, "--period", "2026-Q4", "-o", out]
    for r in raters:
        args += ["--rater", r]
    code, text = run(*args)
    assert code == 0, text
    files = sorted(Path(out).glob("*.xlsx"), key=os.path.getmtime)
    return files[-1]


def fill(path: Path, tab: str, codes: list[str | float | None], dest: Path | None = None,
         comment: str | None = None) -> Path:
    """Type ``codes`` into a rater tab's rating cells, as openpyxl saves (no recalculation)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[tab]
    for i, code in enumerate(codes):
        ws.cell(R_FIRST + i + 1, C_RATING + 1).value = code
        if comment:
            ws.cell(R_FIRST + i + 1, C_COMMENT + 1).value = comment
    dest = dest or path
    wb.save(dest)
    return dest


def read_json(*files: str | Path, extra: tuple[str, ...] = ()) -> tuple[int, object]:
    code, text = run("read", *map(str, files), "--json", *extra)
    return code, json.loads(text)


def held_people() -> list[str]:
    from sheetladder.results.store import History

    with History("output/history.sqlite") as h:
        return sorted(r.person for r in h.records())


# -- conflicts ------------------------------------------------------------------------------------


def _two_copies(work: Path) -> tuple[Path, Path]:
    blank = render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self", "manager:Bo Chen")
    a = fill(blank, "Bo Chen", ["S3"] * 18, work / "from-bo.xlsx")
    b = fill(blank, "Bo Chen", ["S3"] * 5 + ["S4"] + ["S3"] * 12, work / "from-bo-later.xlsx")
    # the later download is the older edit: modification time must decide nothing
    os.utime(a, (2_000_000_000, 2_000_000_000))
    os.utime(b, (1_000_000_000, 1_000_000_000))
    return a, b


def test_conflicting_copies_in_one_collect_refuse_that_person_naming_both_files_and_the_cell(
        work: Path) -> None:
    a, b = _two_copies(work)
    other = fill(render("definitions/sales-s1-s7.yaml", "Eva Lind", "self"), "Self", ["S2"] * 18)
    code, text = run("collect", str(a), str(b), str(other))
    assert code == 1, text
    assert "from-bo.xlsx" in text and "from-bo-later.xlsx" in text
    assert "Bo Chen!D10" in text  # the sixth category, where the copies differ
    assert "--keep" in text  # what to do about it
    assert "1 added" in text  # the other person still went in
    assert held_people() == ["Eva Lind"]  # nothing of Ana Diaz went in


def test_read_and_collect_agree_on_a_conflict_and_keep_settles_it_in_both(work: Path) -> None:
    a, b = _two_copies(work)
    code, rep = read_json(a, b)
    assert code == 1
    assert isinstance(rep, list) and len(rep) == 1
    [r] = rep
    conflict = [f for f in r["findings"] if "conflict" in f["message"]]
    assert conflict and conflict[0]["sheet"] == "Bo Chen" and conflict[0]["cell"] == "D10"
    assert r["total_points"] is None and r["level"] is None  # no figures from a guess
    code, rep = read_json(a, b, extra=("--keep", str(b)))
    assert code == 0, rep
    [r] = rep  # type: ignore[misc]
    assert r["raters"][1]["total_points"] == 3 * 17 + 4
    code, text = run("collect", str(a), str(b), "--keep", str(b))
    assert code == 0, text
    from sheetladder.results.store import History

    with History("output/history.sqlite") as h:
        [rec] = h.records()
    assert rec.total_points == 3 * 17 + 4  # Bo Chen's kept copy: 17 x S3 + 1 x S4


def _held_total() -> float | None:
    from sheetladder.results.store import History

    with History("output/history.sqlite") as h:
        [rec] = h.records()
    return rec.total_points


def test_a_copy_differing_from_one_held_and_given_beside_it_is_a_conflict_in_every_run(
        work: Path) -> None:
    """Two copies of one tab in the folder collected: the one held from an earlier collect is
    not read again, and the other used to replace it with exit 0; saving the first again then
    put it back. Which copy won depended on the order of the runs. Both in one collect are a
    conflict, whichever of them the history already holds, until --keep settles it."""
    a, b = _two_copies(work)
    folder = work / "returned"
    folder.mkdir()
    a, b = Path(shutil.copy(a, folder / a.name)), folder / b.name
    code, text = run("collect", str(folder))
    assert code == 0, text
    assert _held_total() == 3 * 18
    shutil.copy(work / b.name, b)  # another copy of Bo Chen's tab, differing, arrives
    for _ in range(2):  # and stays refused run after run, whatever is saved again
        code, text = run("collect", str(folder))
        assert code == 1, text
        assert "conflict" in text and a.name in text and b.name in text
        assert "Bo Chen!D10" in text and "--keep" in text
        assert _held_total() == 3 * 18
        fill(a, "Bo Chen", ["S3"] * 18)  # saved again: other bytes, the same ratings
    code, text = run("collect", str(folder), "--keep", str(a))
    assert code == 0, text
    assert _held_total() == 3 * 18
    # both copies are held now (the one overruled for its hash: collecting it again adds
    # nothing); keeping the other cannot put its ratings in unread, and says so rather than
    # exit 0 with the first one's held
    code, text = run("collect", str(folder), "--keep", str(b))
    assert code == 1, text
    assert f"--keep names {b}" in text and "save it again" in text
    assert _held_total() == 3 * 18
    fill(b, "Bo Chen", ["S3"] * 5 + ["S4"] + ["S3"] * 12)  # as told
    code, text = run("collect", str(folder), "--keep", str(b))
    assert code == 0, text
    assert _held_total() == 3 * 17 + 4
    code, text = run("collect", str(folder))  # the decision stands, run after run
    assert code == 0, text
    assert _held_total() == 3 * 17 + 4
    # once the other copy is out of what is collected, a copy differing from the held one
    # replaces it, as documented
    b.unlink()
    fill(a, "Bo Chen", ["S2"] * 18)
    code, text = run("collect", str(folder))
    assert code == 0, text
    assert "replaces" in text and _held_total() == 2 * 18
    assert ("1 updated: 0 added tabs to an assessment held, 1 replaced ratings held (named "
            "above)") in text


def test_a_keep_naming_none_of_the_workbooks_is_refused_before_anything_is_read(
        work: Path) -> None:
    a, b = _two_copies(work)
    typo = str(b).replace("later", "latr")
    for command in ("read", "collect"):
        code, text = run(command, str(a), str(b), "--keep", typo)
        assert code == 1, text
        assert text.strip().splitlines()[-1] == (
            f"error: --keep {typo}: not one of the workbooks given; --keep names the copy to "
            "use, as it is given (a file inside a folder given counts)")
    assert not Path("output/history.sqlite").exists()  # collect refused before making it
    # a copy inside a folder given, named by another spelling of its path, is one of them
    code, text = run("collect", str(work), "--keep", f"./{b.name}")
    assert code == 0 and "1 added" in text, text


def test_a_copy_collected_in_a_later_run_replaces_the_held_tab_and_says_so(work: Path) -> None:
    a, b = _two_copies(work)
    code, text = run("collect", str(a))
    assert code == 0, text
    code, text = run("collect", str(b))  # older mtime, collected later: it still replaces
    assert code == 0, text
    assert "Bo Chen" in text and "from-bo.xlsx" in text and "replac" in text, text


# -- trusted ladders ------------------------------------------------------------------------------


def _forged(work: Path) -> Path:
    text = (work / "definitions" / "sales-s1-s7.yaml").read_text(encoding="utf-8")
    forged = work / "forged.yaml"
    forged.write_text(text + "scoring:\n  thresholds: [1, 2, 3, 4, 5, 6, 7]\n", encoding="utf-8")
    path = render(str(forged), "Ana Diaz", "self")
    return fill(path, "Self", ["S3"] * 18)


def test_a_forged_ladder_with_a_trusted_id_and_version_is_refused_in_one_line(work: Path) -> None:
    path = _forged(work)
    code, rep = read_json(path)
    assert code == 1
    assert isinstance(rep, dict)
    assert "ladder sales-s1-s7 1.0.0 differs from definitions/sales-s1-s7.yaml: scoring.thresholds" \
        in [f["message"] for f in rep["findings"]]
    # the figures are the trusted ladder's, and say so: S3 everywhere is S3, never S7
    assert rep["level"] == "S3" and rep["figures_from"] == "definitions/sales-s1-s7.yaml"
    code, text = run("read", str(path))
    assert code == 1 and "recomputed from the trusted" in text, text
    code, text = run("collect", str(path))
    assert code == 1, text
    assert "scoring.thresholds" in text
    assert held_people() == []  # S7 never went into the history


def test_a_ladder_never_seen_needs_ladders_or_trust_new(work: Path) -> None:
    Path("mine").mkdir()
    (work / "mine" / "my-ladder.csv").write_text(
        "Category,Weight,L1 - Starter,L2 - Practitioner\n"
        "Discovery,1,Asks the standard questions,Adapts questions to the buyer\n"
        "Closing,2,Closes with help from the team,Closes alone and on time\n", encoding="utf-8")
    code, text = run("import", "mine/my-ladder.csv", "-o", "mine/my-ladder.yaml", "--id",
                     "my-ladder", "--name", "My ladder")
    assert code == 0, text
    path = fill(render("mine/my-ladder.yaml", "Cy Park", "self"), "Self", ["L1", "L2"])
    code, text = run("read", str(path))
    assert code == 1, text
    assert "my-ladder" in text and "--ladders" in text and "--trust-new" in text, text
    assert run("read", str(path), "--ladders", "mine/my-ladder.yaml")[0] == 0
    assert run("read", str(path), "--trust-new")[0] == 0
    code, text = run("collect", str(path))
    assert code == 1 and "--ladders" in text, text
    code, text = run("collect", str(path), "--ladders", "mine/my-ladder.yaml")
    assert code == 0, text
    # once held, the history's own ladder is trusted
    again = fill(path, "Self", ["L2", "L2"], work / "again.xlsx")
    code, text = run("collect", str(again))
    assert code == 0, text


# -- a tampered hidden sheet ----------------------------------------------------------------------


def _edit_meta_ladder(path: Path, edit) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[META]
    rows = [(r[0].value, r[1]) for r in ws.iter_rows(min_col=1, max_col=2)]
    cells = [cell for key, cell in rows if key in ("ladder", "ladder+")]
    text = "".join(c.value or "" for c in cells)
    new = json.dumps(edit(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
    size = len(cells[0].value)
    for i, c in enumerate(cells):
        c.value = new[i * size:(i + 1) * size] if i < len(cells) - 1 else new[i * size:]
    wb.save(path)


def test_a_tampered_hidden_sheet_drives_no_figure(work: Path) -> None:
    path = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18)

    def heavier(d: dict) -> dict:
        d["groups"][0]["categories"][0]["weight"] = 10
        return d

    _edit_meta_ladder(path, heavier)
    code, rep = read_json(path, extra=("--ladders", "definitions/engineering-e1-e8.yaml"))
    assert code == 1
    assert isinstance(rep, dict)
    assert rep["total_points"] is None and rep["level"] is None and rep["progress_to_next"] is None
    assert all(r["total_points"] is None and r["level"] is None for r in rep["raters"])
    assert rep["figures_withheld"]
    code, text = run("read", str(path), "--ladders", "definitions/engineering-e1-e8.yaml")
    assert "54" not in text.split("Overall")[-1] and "S3" not in text.split("Overall")[-1]
    assert "no figures" in text.lower(), text
    # with the trusted ladder known, the figures are recomputed from it, and say so
    code, rep = read_json(path)
    assert code == 1
    assert isinstance(rep, dict)
    assert rep["total_points"] == 54 and rep["level"] == "S3"
    assert "definitions/sales-s1-s7.yaml" in rep["figures_from"]


# -- findings show the difference -----------------------------------------------------------------


def test_a_finding_about_a_changed_text_shows_where_it_differs(work: Path) -> None:
    path = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18)
    wb = openpyxl.load_workbook(path)
    ws = wb["Matrix"]
    target = None
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and len(c.value) > 120:
                target = c
                break
        if target:
            break
    assert target is not None
    original = target.value
    cut = 100
    target.value = original[:cut] + "X" + original[cut + 1:]
    wb.save(path)
    code, rep = read_json(path)
    assert code == 1
    assert isinstance(rep, dict)
    [f] = [f for f in rep["findings"] if f["sheet"] == "Matrix"]
    assert "X" in f["message"]
    assert original[cut] in f["message"]
    assert str(cut + 1) in f["message"]  # the character where they part


def test_a_broken_definition_named_with_ladders_stops_the_read_in_one_line(work: Path) -> None:
    path = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18)
    Path("draft.yaml").write_text("id: draft\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["read", str(path), "--ladders", "draft.yaml"])
    assert res.exit_code == 2 and "--ladders draft.yaml" in res.output, res.output
    # a draft lying in definitions/ vouches for nothing, and stops nothing
    Path("definitions/draft.yaml").write_text("id: draft\n", encoding="utf-8")
    assert run("read", str(path))[0] == 0


def test_ladders_given_a_folder_trusts_its_definitions(work: Path) -> None:
    path = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18)
    Path("trusted").mkdir()
    shutil.copy("definitions/sales-s1-s7.yaml", "trusted/sales.yaml")
    assert run("read", str(path), "--ladders", "trusted")[0] == 0
    Path("nothing").mkdir()
    Path("nothing/notes.txt").write_text("no ladders here", encoding="utf-8")
    code, out = run("read", str(path), "--ladders", "nothing")
    assert code == 2 and "--ladders nothing: a folder holding no definition" in out, out
    # a Mac's AppleDouble file and an editor's lock beside a definition are no definitions
    Path("trusted/._sales.yaml").write_bytes(b"\x00\x05\x16\x07\x00")
    Path("trusted/.#sales.yaml").symlink_to("nowhere@host.1234")
    assert run("read", str(path), "--ladders", "trusted")[0] == 0
    # a broken definition in a folder named is as wrong as one named itself
    Path("trusted/draft.yaml").write_text("id: draft\n", encoding="utf-8")
    code, out = run("read", str(path), "--ladders", "trusted")
    assert code == 2 and "draft.yaml" in out, out


def test_the_account_of_a_differing_ladder_names_each_place_by_id(sales) -> None:
    from sheetladder.definition import Ladder
    from sheetladder.results.trust import TrustedLadders, ladder_difference

    data = sales.model_dump(mode="json")
    data["groups"][0]["categories"][1]["weight"] = 3
    data["scoring"]["thresholds"] = list(range(1, 8))
    forged = Ladder.model_validate(data)
    first = sales.groups[0]
    where = f"groups[{first.id}].categories[{first.categories[1].id}].weight"
    assert ladder_difference(sales, forged) == f"{where}, scoring.thresholds"
    trusted = TrustedLadders()
    trusted.add(sales, "definitions/sales-s1-s7.yaml")
    j = trusted.judge(forged)
    assert j.verdict == "differs" and j.message == (
        f"ladder sales-s1-s7 1.0.0 differs from definitions/sales-s1-s7.yaml: {where}, "
        "scoring.thresholds")
    assert trusted.judge(sales).verdict == "trusted"
    other = Ladder.model_validate({**data, "version": "2.0.0"})
    assert trusted.judge(other).verdict == "new"
    assert TrustedLadders(trust_new=True).judge(other).verdict == "trusted"


# -- the Guide's facts -----------------------------------------------------------------------------


def _retype_guide(path: Path, dest: Path, cell: str, value: str | None) -> Path:
    wb = openpyxl.load_workbook(path)
    wb["Guide"][cell] = value
    wb.save(dest)
    return dest


@pytest.mark.parametrize(("cell", "value", "fact"), [
    ("B4", "Ben Ortiz", "person"),
    ("B5", "2027-Q1", "period"),
    ("B6", "sales-s1-s7 version 2.0.0", "ladder"),
    ("B7", "Self (self), Zed Other (manager)", "raters"),
])
def test_a_guide_fact_retyped_for_another_person_or_period_is_an_error_and_never_collected(
        work: Path, cell: str, value: str, fact: str) -> None:
    """A manager who copies Ana's workbook and retypes the Guide for Ben would otherwise see
    Ben's ratings stored as Ana's (they are read from the hidden sheet's context)."""
    ana = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self", "manager:Bo Chen"),
               "Self", ["S3"] * 18, work / "ana.xlsx")
    code, _ = run("collect", str(ana))
    assert code == 0
    copy = _retype_guide(fill(ana, "Self", ["S6"] * 18, work / "copy.xlsx"), work / "copy.xlsx",
                         cell, value)
    code, rep = read_json(copy)
    assert code == 1
    assert isinstance(rep, dict) and not rep["ok"]
    errors = [f for f in rep["findings"] if f["severity"] == "error"]
    assert [(f["sheet"], f["cell"]) for f in errors] == [("Guide", cell)]
    assert f"the {fact} retyped" in errors[0]["message"] and repr(value) in errors[0]["message"]
    code, text = run("collect", str(copy))
    assert code == 1 and "1 refused" in text
    code, rows = run("export", "--period", "2026-Q4", "--format", "json", "-o", "-")
    assert code == 0
    person = json.loads(rows)["people"]
    assert [(p["person"], p["total_points"]) for p in person] == [("Ana Diaz", 54)]


def test_a_guide_fact_retyped_in_another_case_or_spelling_is_only_a_warning(work: Path) -> None:
    ana = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18)
    path = _retype_guide(ana, work / "tidy.xlsx", "B4", "ANA  diaz")
    path = _retype_guide(path, path, "B5", "Q4 2026")
    path = _retype_guide(path, path, "B6", None)  # a fact cleared claims nothing else either
    code, rep = read_json(path)
    assert code == 0, rep
    assert isinstance(rep, dict) and rep["ok"] and rep["person"] == "Ana Diaz"
    assert {(f["cell"], f["severity"]) for f in rep["findings"] if f["sheet"] == "Guide"} == \
        {("B4", "warning"), ("B5", "warning"), ("B6", "warning")}


# -- what a folder holds ---------------------------------------------------------------------------


def test_a_folder_s_spreadsheets_in_other_formats_are_refused_by_name_not_skipped(
        work: Path) -> None:
    """A rep saved the returned workbook as .ods or .xls: collecting the folder must name it
    (it would otherwise be silently left out, and the person shown as not returned)."""
    from .make_bad_files import cfb, ods_package

    back = work / "returned"
    back.mkdir()
    fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18,
         back / "ana.xlsx")
    (back / "fay.ods").write_bytes(ods_package(b"<office:document-content/>"))
    (back / "gus.xls").write_bytes(cfb({"Workbook": b"\x09\x08" + bytes(30)}))
    (back / "hal.fods").write_text(  # LibreOffice's flat XML format
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document xmlns:office="urn:oasis:names:'
        'tc:opendocument:xmlns:office:1.0" office:version="1.3" office:mimetype="application/'
        'vnd.oasis.opendocument.spreadsheet"><office:body/></office:document>\n', encoding="utf-8")
    numbers = io.BytesIO()  # Apple Numbers' package: Index/*.iwa parts, no [Content_Types].xml
    with zipfile.ZipFile(numbers, "w") as z:
        z.writestr("Index/Document.iwa", b"\x00" * 16)
        z.writestr("Metadata/DocumentIdentifier", b"x")
    (back / "ida.numbers").write_bytes(numbers.getvalue())
    (back / "notes.csv").write_text("not a workbook\n", encoding="utf-8")  # not a spreadsheet
    (back / ".~lock.fay.ods#").write_text("lock", encoding="utf-8")  # LibreOffice's lock file
    code, text = run("collect", str(back))
    assert code == 1, text
    assert "1 added" in text and "4 refused" in text
    refused = [line.split(": refused")[0] for line in text.splitlines() if ": refused" in line]
    assert sorted(Path(r).name for r in refused) == ["fay.ods", "gus.xls", "hal.fods",
                                                     "ida.numbers"]
    assert text.count("save it as .xlsx") == 3 and text.count("export it as .xlsx") == 1
    assert "notes.csv" not in text and "lock" not in text


def test_output_cut_short_by_the_reader_of_a_pipe_is_no_error_message(work: Path) -> None:
    """``sheetladder … | head -1``: the pipe closes before everything is printed. The command
    exits non-zero (its output is incomplete) but prints no error, in plain and rich output."""
    import subprocess
    import sys

    path = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self", ["S3"] * 18)
    for args in (["validate", "definitions/sales-s1-s7.yaml"], ["read", str(path)],
                 ["read", str(path), "--json"]):
        proc = subprocess.Popen([sys.executable, "-m", "sheetladder", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # before the command has written anything
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1, err
        assert err == "", err


def test_a_workbook_whose_raters_count_the_person_twice_is_an_error(work: Path) -> None:
    """Renders refuse the person as their own peer now; a workbook made before that would
    count the person's view twice, so reading it is an error at the Guide's raters cell."""
    from sheetladder.context import make_context
    from sheetladder.definition import load
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import save

    ladder = load("definitions/sales-s1-s7.yaml")
    ctx = make_context(ladder, "Ben Ortiz", "2026-Q4",
                       [("self", None, None), ("manager", "Bo Chen", None),
                        ("peer", "ben  ortiz", None)])
    blank = save(build_plan(ladder, ctx), work / "old.xlsx")
    peer_tab = ctx.tabs()[-1]
    path = fill(fill(blank, "Self", ["S3"] * 18), peer_tab, ["S3"] * 18)
    code, rep = read_json(path)
    assert code == 1
    assert isinstance(rep, dict)
    errors = [f for f in rep["findings"] if f["severity"] == "error"]
    assert [(f["sheet"], f["cell"]) for f in errors] == [("Guide", "B7")]
    assert "count one person twice" in errors[0]["message"]
    assert "'ben  ortiz' is the person assessed" in errors[0]["message"]


def test_a_filled_workbook_whose_raters_only_share_an_email_is_read(work: Path) -> None:
    """Two tabs given one email (a team mailbox) were still filled by two people: renders now
    refuse that as doubtful, but a workbook already filled is read, not refused."""
    from sheetladder.context import make_context
    from sheetladder.definition import load
    from sheetladder.plan import build_plan
    from sheetladder.xlsx.write import save

    ladder = load("definitions/sales-s1-s7.yaml")
    ctx = make_context(ladder, "Ben Ortiz", "2026-Q4",
                       [("self", None, None), ("peer", "Cy Park", "team@example.com"),
                        ("peer", "Di Lee", "team@example.com")])
    path = save(build_plan(ladder, ctx), work / "shared-mailbox.xlsx")
    for tab in ctx.tabs():
        path = fill(path, tab, ["S3"] * 18)
    code, rep = read_json(path)
    assert code == 0, rep
    assert isinstance(rep, dict) and rep["ok"] and rep["total_points"] == 54


# -- a --split file read alone --------------------------------------------------------------------


def _split_files(work: Path) -> dict[str, Path]:
    (work / "team.csv").write_text("person,manager,peers\nAnn Example,Bo Chen,Cy Park;Di Lee\n")
    code, text = run("render", "definitions/sales-s1-s7.yaml", "--roster", "team.csv",
                     "--period", "2026-Q4", "--split", "-o", "output")
    assert code == 0, text
    tabs = {"self": "Self", "bo-chen": "Bo Chen", "cy-park": "Cy Park", "di-lee": "Di Lee"}
    return {tab: Path(f"output/ann-example-2026-q4-{slug}.xlsx") for slug, tab in tabs.items()}


def test_a_split_file_read_alone_warns_that_the_other_raters_tabs_are_in_their_files(
        work: Path) -> None:
    files = _split_files(work)
    self_only = fill(files["Self"], "Self", ["S4"] * 18)
    code, rep = read_json(self_only)
    assert code == 0 and isinstance(rep, dict)
    assert rep["tabs_missing"] == ["Bo Chen", "Cy Park", "Di Lee"]
    missing = [f for f in rep["findings"] if "ratings are missing" in f["message"]]
    assert [(f["severity"], f["sheet"]) for f in missing] == [
        ("warning", "Bo Chen"), ("warning", "Cy Park"), ("warning", "Di Lee")]
    assert "--split file holds only its rater's tab" in missing[0]["message"]
    code, text = run("read", str(self_only))
    flat = " ".join(text.split())
    assert code == 0
    assert "not in the files read: Bo Chen, Cy Park, Di Lee" in flat and "not started" not in flat
    assert ("Overall of the tabs read only (3 of 4 rater tabs are in files not read): 72 points, "
            "level S4") in flat
    # the same warning, from the same place, when some of the files are given together
    bo = fill(files["Bo Chen"], "Bo Chen", ["S4"] * 18)
    code, rep = read_json(self_only, bo)
    assert code == 0 and isinstance(rep, list)
    assert rep[0]["tabs_missing"] == ["Cy Park", "Di Lee"]
    # all of them: the person's result, with nothing missing
    code, rep = read_json(*files.values())
    assert code == 0 and isinstance(rep, list) and rep[0]["tabs_missing"] == []
    assert not [f for f in rep[0]["findings"] if "ratings are missing" in f["message"]]

# -- the count of cells over the cap ---------------------------------------------------------------


def test_the_count_of_cells_not_listed_reads_right_when_the_cells_before_it_are_withheld(
        work: Path) -> None:
    """Peers pooled, and the Summary retyped in many cells: the text report withholds the
    Summary's cell findings (a column per rater), so the count finding is the only Summary row
    printed, and must not read "and 96 more cell(s)" with nothing before it."""
    path = render("definitions/sales-s1-s7.yaml", "Ann Example", "self", "manager:Bo Chen",
                  "peer:Cy Park", "peer:Di Lee")
    fill(path, "Self", ["S3"] * 18)
    fill(path, "Cy Park", ["S4"] * 18)  # one peer rated: below min_peers, pooled
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    retyped = [c for row in ws.iter_rows(min_row=4, max_row=21) for c in row
               if isinstance(c.value, str) and c.value.startswith("=")][:30]
    assert len(retyped) == 30
    for c in retyped:
        c.value = 0
    wb.save(path)
    code, rep = read_json(path)
    assert code == 1 and isinstance(rep, dict)
    counts = [f for f in rep["findings"] if "differ from the workbook as made" in f["message"]]
    assert [(f["sheet"], f["cell"], f["message"]) for f in counts] == [
        ("Summary", None, "30 cell(s) of this sheet differ from the workbook as made (12 with a "
                          "finding of their own, 18 more counted here)")]
    code, text = run("read", str(path))
    flat = " ".join(text.split())
    assert code == 1 and "Peers pooled" in flat
    assert ("Summary 30 cell(s) of this sheet differ from the workbook as made (12 with a "
            "finding of their own, 18 more counted here)") in flat
    assert " and 18 more" not in flat and "formula replaced by a typed value" not in flat

def test_rows_swapped_on_a_pooled_peer_s_tab_are_listed_in_the_text_report_without_the_tab(
        work: Path) -> None:
    """Peers pooled (two peers, min_peers 3) and two rows swapped on Cy Park's tab: the text
    report listed no error, only "3 finding(s) (1 error(s)) on the tabs of raters shown as
    Others ... are not listed", so it said neither why the file was refused nor why it gave
    no figure, and its last line named the tab ("rows of tab(s) 'Cy Park' were moved"). The
    error is listed, the tab not named ("a tab of Others"), and --json names it."""
    path = render("definitions/sales-s1-s7.yaml", "Ann Example", "self", "manager:Bo Chen",
                  "peer:Cy Park", "peer:Di Lee")
    for tab, code in (("Self", "S3"), ("Bo Chen", "S4"), ("Cy Park", "S5"), ("Di Lee", "S4")):
        fill(path, tab, [code] * 17 + ["S2"])
    wb = openpyxl.load_workbook(path)
    ws = wb["Cy Park"]
    for col in range(1, C_RATING + 2):  # its first two categories' rows, columns A-D
        a, b = ws.cell(R_FIRST + 1, col), ws.cell(R_FIRST + 2, col)
        a.value, b.value = b.value, a.value
    wb.save(path)
    code, text = run("read", str(path))
    flat = " ".join(text.split())
    assert code == 1 and "Peers pooled" in flat
    assert "error a tab of Others, A5 rows were moved (sorted, or cut and pasted elsewhere): " \
           "'Client Delivery' (row 6 as made) is in row 5" in flat, text
    assert "Cy Park" not in text and "Di Lee" not in text and "Bo Chen" not in text
    assert "Overall: no figures: rows of tab(s) (a tab of Others) were moved" in flat
    assert " points, level" not in flat
    code, rep = read_json(path)
    assert code == 1 and isinstance(rep, dict)
    assert [(f["sheet"], f["cell"]) for f in rep["findings"] if f["severity"] == "error"] == [
        ("Cy Park", "A5")]
    assert rep["total_points"] is None and rep["level"] is None
    # a column inserted on the Summary, whose cell findings a pooled report withholds: listed
    path2 = work / "summary-column.xlsx"
    wb = openpyxl.load_workbook(path)
    for col in range(1, C_RATING + 2):  # rows as made again
        a, b = wb["Cy Park"].cell(R_FIRST + 1, col), wb["Cy Park"].cell(R_FIRST + 2, col)
        a.value, b.value = b.value, a.value
    structural_edit(wb, "Summary", "insert", "col", 3)
    wb.save(path2)
    code, text = run("read", str(path2))
    flat = " ".join(text.split())
    assert code == 1 and "error Summary!C1 column C was inserted" in flat, text
    assert " points, level" not in flat and "Cy Park" not in text

# -- a workbook saved as CSV --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("ann.csv", b"Category,Rating,Comment\nProduct Knowledge,S3,\nClient Delivery,S4,ok\n",
     "a CSV text file"),
    ("ann.xlsx", "Kategorie;Bewertung\nProduktwissen;S3\n".encode("utf-8-sig"), "a CSV text file"),
    ("ann.csv", b"\x01\x02 not text", "a file named .csv"),
], ids=["csv", "semicolons-named-xlsx", "named-csv"])
def test_a_workbook_saved_as_csv_is_refused_saying_what_it_is_and_what_to_send(
        work: Path, name: str, data: bytes, kind: str) -> None:
    Path(name).write_bytes(data)
    res = CliRunner().invoke(main, ["read", name])
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        f"{name}: {kind}, not an .xlsx workbook: a .csv holds one sheet's values only (no rater "
        "tabs, formulas or hidden sheet), so it cannot be verified; send the .xlsx workbook "
        "itself (saving a copy as .csv leaves it as it was)")


# -- what collect says at the end ------------------------------------------------------------


def _sources_warnings(file: Path) -> list[str]:
    from sqlalchemy import select

    from sheetladder.results.store import History, sources

    with History("output/history.sqlite") as h, h.engine.connect() as conn:
        return json.loads(conn.execute(select(sources.c.warnings)
                                       .where(sources.c.file == str(file))).scalar_one())


def _warned(text: str, n: int) -> dict[str, list[str]]:
    """collect's closing list of the workbooks stored with warnings: file -> its warnings."""
    lines = text.splitlines()
    at = lines.index(f"{n} workbook(s) went in with warnings (kept in the history):")
    per_file: dict[str, list[str]] = {}
    group: list[str] = []  # the files the warnings below are of
    warned = False
    for line in lines[at + 1:]:
        if line.startswith("    warning: "):
            for f in group:
                per_file[f].append(line.strip())
            warned = True
        elif line.startswith("  these ") and line.endswith(" with the same warnings:"):
            group, warned = [], False
        elif line.startswith("  "):
            if warned:
                group, warned = [], False
            group.append(line.strip())
            per_file[line.strip()] = []
        else:
            break
    return per_file


def test_collect_ends_naming_each_workbook_that_went_in_with_warnings_and_its_warnings(
        work: Path) -> None:
    """Not just "2 workbook(s) went in with warnings": each file, and what each warns of."""
    ana = fill(render("definitions/sales-s1-s7.yaml", "Ana Diaz", "self"), "Self",
               ["s3"] + ["S3"] * 17, work / "ana.xlsx")
    eva = fill(render("definitions/sales-s1-s7.yaml", "Eva Lind", "self"), "Self",
               ["S2"] * 17 + ["s2"], work / "eva.xlsx")
    code, text = run("collect", str(ana), str(eva))
    assert code == 0, text
    per_file = _warned(text, 2)
    assert list(per_file) == [str(ana), str(eva)], text
    assert "warning: Self!D5: 's3' read as S3" in per_file[str(ana)]
    assert "warning: Self!D22: 's2' read as S2" in per_file[str(eva)]
    assert not any("D22" in w for w in per_file[str(ana)])


def test_workbooks_with_the_same_warnings_are_listed_together_with_their_warnings_once(
        work: Path) -> None:
    """Saved by one script, a batch warns alike on every workbook: named each, warned once."""
    files = [fill(render("definitions/sales-s1-s7.yaml", name, "self"), "Self", ["s3"] * 18,
                  work / f"{name.split()[0].lower()}.xlsx")
             for name in ("Ana Diaz", "Ben Ortiz", "Cy Park")]
    odd = fill(render("definitions/sales-s1-s7.yaml", "Eva Lind", "self"), "Self",
               ["S2"] * 18, work / "eva.xlsx")
    code, text = run("collect", *map(str, files), str(odd))
    assert code == 0, text
    assert "  these 3 with the same warnings:" in text
    assert text.count("Self!D5: 's3' read as S3") == 1, text
    per_file = _warned(text, 4)
    assert set(per_file) == {*map(str, files), str(odd)}, text
    assert all("warning: Self!D5: 's3' read as S3" in per_file[str(f)] for f in files)
    assert not any("'s3'" in w for w in per_file[str(odd)]) and per_file[str(odd)]


def test_the_copy_keep_overrules_has_its_warning_stored_and_printed_and_its_tabs_counted(
        work: Path) -> None:
    """Of two copies that disagree on Bo Chen's tab, --keep names the later download; the
    other also holds Ana's Self tab, which goes in. That copy's warning (its Bo Chen tab was
    left out, for which copy) is stored with it and printed, and the "updated" line counts
    what it did: it added a tab."""
    a, b = _two_copies(work)  # b (the one kept) is the older edit: it is stored first
    fill(a, "Self", ["S2"] * 18)
    os.utime(a, (2_000_000_000, 2_000_000_000))
    code, text = run("collect", str(a), str(b), "--keep", str(b))
    assert code == 0, text
    assert "1 added, 1 updated" in text
    assert "1 updated: 1 added tabs to an assessment held, 0 replaced ratings held\n" in text
    warning = f"warning: Bo Chen: left out: it differs from {b}, which --keep names"
    per_file = _warned(text, 2)
    assert warning in per_file[str(a)] and not any("left out" in w for w in per_file[str(b)])
    assert warning in _sources_warnings(a)
    assert not any("left out" in w for w in _sources_warnings(b))
    assert _held_total() == (3 * 17 + 4 + 2 * 18) / 2  # Bo Chen kept from b, Self from a


def test_the_updated_line_counts_a_copy_that_both_adds_a_tab_and_replaces_one(
        work: Path) -> None:
    a, b = _two_copies(work)
    code, text = run("collect", str(b))
    assert code == 0, text
    fill(a, "Self", ["S2"] * 18)  # a gives Self, and other ratings on Bo Chen's tab
    code, text = run("collect", str(a))
    assert code == 0, text
    assert ("1 updated: 1 added tabs to an assessment held, 1 replaced ratings held (named "
            "above) (1 did both)") in text, text
