"""Rosters and manifests edited between render and collect, as ops edit them during a quarter:
a person renamed, replaced, added or removed, a manifest kept in a spreadsheet. Every outcome is
either right or refused naming the file, line and what to do; no file is replaced or lost."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.manifest import read_manifest

from .conftest import SMALL, fill_small, run

HEADER = "person,email,team,manager,manager_email\n"



def _ladder(tmp_path: Path) -> Path:
    ladder = tmp_path / "small.yaml"
    ladder.write_text(SMALL, encoding="utf-8")
    return ladder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _keep_existing_after(tmp_path: Path, first: str, later: str, later_name: str | None = None
                         ) -> tuple[Path, Path, dict[str, bytes], int, str]:
    """Render the roster rows ``first`` for 2026-Q4, then the rows ``later`` (the roster as
    edited since, saved over it, or as ``later_name``) into the same folder with
    --keep-existing: the folder, the later roster, the folder's files after the first run, and
    the second run's exit code and output."""
    ladder, out = _ladder(tmp_path), tmp_path / "out"
    roster = tmp_path / "team.csv"
    roster.write_text(HEADER + first, encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 0, text
    before = _snapshot(out)
    edited = tmp_path / later_name if later_name else roster
    edited.write_text(HEADER + later, encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(edited), "--period", "2026-Q4",
                     "-o", str(out), "--keep-existing")
    return out, edited, before, code, text


def test_keep_existing_refuses_a_new_person_whose_file_name_is_another_persons_file(
        tmp_path: Path) -> None:
    """Jose Nunez left after render and José Núñez (another person, another email) joined: his
    file name is Jose's. --keep-existing used to count that file as his, 'kept as they were',
    exit 0: José got no workbook and no manifest row, and nobody was told."""
    out, later, before, code, text = _keep_existing_after(
        tmp_path, "Jose Nunez,jose@example.com,North,Bo Chen,bo@example.com\n"
                  "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n",
        "José Núñez,jose.nunez@example.com,North,Bo Chen,bo@example.com\n"
        "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n", "later.csv")
    assert code == 1, text
    assert f"{later}:2:" in text
    assert "jose-nunez-2026-q4.xlsx" in text and "'Jose Nunez'" in text and "'José Núñez'" in text
    assert "kept" not in text.split("\n")[0]
    assert _snapshot(out) == before  # no file written or replaced, the manifest as it was
    assert {r.person for r in read_manifest(out / "manifest.csv")} == {"Jose Nunez", "Eva Lind"}


def test_keep_existing_keeps_a_persons_own_files_spelt_in_another_case(tmp_path: Path) -> None:
    out, _, before, code, text = _keep_existing_after(
        tmp_path, "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n",
        "EVA  LIND,eva@example.com,North,Bo Chen,bo@example.com\n")
    assert code == 0, text
    assert "1 kept as they were" in text
    assert _snapshot(out) == before


# -- a manifest kept in a spreadsheet ---------------------------------------------------------


def _collected(tmp_path: Path, roster_text: str | None = None, roster: Path | None = None
               ) -> tuple[Path, Path, Path]:
    """Render the roster (``roster_text`` written as team.csv, or the file ``roster``) for
    2026-Q4 into q4/, fill Ana Diaz's workbook and collect the folder: the ladder, the roster
    and the history."""
    ladder, out = _ladder(tmp_path), tmp_path / "q4"
    if roster is None:
        roster = tmp_path / "team.csv"
        roster.write_text(roster_text or "", encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 0, text
    fill_small(out / "ana-diaz-2026-q4.xlsx")
    db = tmp_path / "h.sqlite"
    code, text = run("collect", str(out), "--db", str(db), "--trust-new")
    assert code == 0, text
    return ladder, roster, db


def _status_warned(args: list[str], warning: str) -> dict:
    """``status ARGS --format json`` exits 0, warns on stderr of what starts ``warning`` and
    lists that one warning in its JSON, which it returns; Eva's hidden rows still count (she
    is listed, not returned)."""
    import json

    res = CliRunner().invoke(main, ["status", *args, "--format", "json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert warning in res.stderr and "(warning)" in res.stderr
    st: dict = json.loads(res.stdout)
    assert [w.startswith(warning) for w in st["warnings"]] == [True]
    assert {p["person"]: p["state"] for p in st["people"]} == {"Ana Diaz": "complete",
                                                              "Eva Lind": "not returned"}
    return st


def _manifest_as_xlsx(tmp_path: Path) -> tuple[Path, Path]:
    """A two-person cycle rendered, its manifest saved as .xlsx with Eva's rows hidden by a
    filter (as ops filter a sheet to look at one person), and the history it collects into."""
    import csv

    import openpyxl

    ladder, out = _ladder(tmp_path), tmp_path / "q4"
    roster = tmp_path / "team.csv"
    roster.write_text(HEADER + "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n"
                      "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n", encoding="utf-8")
    code, text = run("render", str(ladder), "--roster", str(roster), "--period", "2026-Q4",
                     "-o", str(out))
    assert code == 0, text
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    hidden = [i + 1 for i, r in enumerate(rows) if r[0] == "Eva Lind"]
    for i in hidden:
        ws.row_dimensions[i].hidden = True
    xlsx = out / "manifest.xlsx"
    wb.save(xlsx)
    fill_small(out / "ana-diaz-2026-q4.xlsx")
    db = tmp_path / "h.sqlite"
    code, text = run("collect", str(out / "ana-diaz-2026-q4.xlsx"), "--db", str(db),
                     "--trust-new")
    assert code == 0, text
    return xlsx, db


def test_a_manifest_xlsx_with_hidden_rows_is_read_whole_and_warned_of_like_a_roster(
        tmp_path: Path) -> None:
    from sheetladder.manifest import read_manifest

    xlsx, _ = _manifest_as_xlsx(tmp_path)
    notes: list[tuple[int, str]] = []
    rows = read_manifest(xlsx, notes)
    assert {r.person for r in rows} == {"Ana Diaz", "Eva Lind"}  # hidden rows are read
    ((line, message),) = notes
    assert line == 6 and message.startswith("row(s) 6, 7, 8, 9 of sheet ")
    assert "are hidden (a filter?) and are read like the others" in message
    assert read_manifest(xlsx) == rows  # the same rows whether or not warnings are asked for


def test_status_report_and_collect_warn_of_a_manifests_hidden_rows_naming_its_line(
        tmp_path: Path) -> None:

    xlsx, db = _manifest_as_xlsx(tmp_path)
    warning = f"{xlsx}:6: row(s) 6, 7, 8, 9 of sheet "
    _status_warned(["--manifest", str(xlsx), "--db", str(db)], warning)
    res = CliRunner().invoke(main, ["report", "--manifest", str(xlsx), "--db", str(db), "-o",
                                    str(tmp_path / "site")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert warning in res.stderr
    res = CliRunner().invoke(main, ["collect", str(xlsx.parent / "ana-diaz-2026-q4.xlsx"),
                                    "--manifest", str(xlsx), "--db", str(db), "--trust-new"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert warning in res.stderr


def _status_with(roster: Path, ladder: Path, db: Path) -> tuple[tuple[str, ...], str]:
    """``status --roster`` of 2026-Q4 with ``roster``: its arguments and its text (exit 0)."""
    common = ("status", "--period", "2026-Q4", "--roster", str(roster), "--definition",
              str(ladder), "--db", str(db))
    code, text = run(*common)
    assert code == 0, text
    return common, text


def test_status_from_a_roster_that_moved_someone_to_another_team_says_where_their_figures_are(
        tmp_path: Path) -> None:
    """Ana moved from North to South in the roster after her workbook (team North) came back:
    status --roster listed her as complete under South, exit 0, while export --team South (what
    South's manager gets) leaves her out: her figures are North's, as her workbook says."""
    import json

    ladder, roster, db = _collected(
        tmp_path, HEADER + "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n"
                           "Eva Lind,eva@example.com,South,Bo Chen,bo@example.com\n")
    moved = tmp_path / "moved.csv"
    moved.write_text(roster.read_text(encoding="utf-8").replace(",North,", ",South,"),
                     encoding="utf-8")
    common, text = _status_with(moved, ladder, db)
    assert ("Ana Diaz: complete (4 of 4 tabs collected); the workbook collected says team "
            "North, not South: export --team counts the figures there") in text
    res = CliRunner().invoke(main, [*common, "--format", "json"], catch_exceptions=False)
    st = json.loads(res.stdout)
    assert {p["person"]: p["held_team"] for p in st["people"]} == {"Ana Diaz": "North",
                                                                  "Eva Lind": None}
    # what the note is about: South's export does not hold her
    code, text = run("export", "--period", "2026-Q4", "--team", "North", "--db", str(db),
                     "--format", "json", "-o", "-")
    assert code == 0 and '"Ana Diaz"' in text


def test_status_from_a_roster_that_gave_a_team_since_render_says_the_workbook_has_none(
        tmp_path: Path) -> None:
    """The roster gained a team column after render: Ana's workbook holds no team, so export
    --team South leaves her out, while status --roster listed her complete under South."""
    import json

    ladder, _, db = _collected(tmp_path, "person,email,manager,manager_email\n"
                                         "Ana Diaz,ana@example.com,Bo Chen,bo@example.com\n")
    teamed = tmp_path / "teamed.csv"
    teamed.write_text(HEADER + "Ana Diaz,ana@example.com,South,Bo Chen,bo@example.com\n",
                      encoding="utf-8")
    common, text = _status_with(teamed, ladder, db)
    assert ("Ana Diaz: complete (4 of 4 tabs collected); the workbook collected says no team, "
            "not South: export --team South leaves the figures out") in text
    st = json.loads(CliRunner().invoke(main, [*common, "--format", "json"]).stdout)
    assert [p["held_team"] for p in st["people"]] == [""]
    code, text = run("export", "--period", "2026-Q4", "--team", "South", "--db", str(db),
                     "--format", "json", "-o", "-")
    # what the note is about: South's export does not hold her
    assert code == 1 and "no assessments of team 'South' in period '2026-Q4'" in text


def test_a_manifest_whose_period_was_typed_by_hand_in_another_spelling_is_that_period(
        tmp_path: Path) -> None:
    """A manifest edited by hand ('Q4 2026' typed in its period column, or a late person's row
    added with 'q4 2026'): status counted everyone as not returned under a period 'Q4 2026'
    the history has nothing of, or left the late person out of 2026-Q4, exit 0."""
    import json

    xlsx, db = _manifest_as_xlsx(tmp_path)
    manifest = xlsx.parent / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    retyped = tmp_path / "retyped.csv"
    retyped.write_text(text.replace('"2026-Q4"', '"Q4 2026"'), encoding="utf-8")
    late = tmp_path / "late.csv"
    late.write_text(text + '"Zoe Kim","q4 2026","Self","self","Zoe Kim","zoe@example.com",'
                    '"zoe-kim-2026-q4.xlsx","North"\r\n', encoding="utf-8")
    assert {r.period for r in read_manifest(retyped)} == {"2026-Q4"}
    for edited in (retyped, late):
        res = CliRunner().invoke(main, ["status", "--manifest", str(edited), "--db", str(db),
                                        "--format", "json"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        st = json.loads(res.stdout)
        assert st["period"] == "2026-Q4"
        states = {p["person"]: p["state"] for p in st["people"]}
        assert states["Ana Diaz"] == "complete" and states["Eva Lind"] == "not returned"
        assert ("Zoe Kim" in states) == (edited == late)


def test_a_manifest_period_cell_of_a_calendar_form_that_is_no_period_is_refused_at_its_line(
        tmp_path: Path) -> None:
    """A late row typed '2026-Q5': status --period 2026-Q4 left that person out, exit 0."""
    xlsx, db = _manifest_as_xlsx(tmp_path)
    text = (xlsx.parent / "manifest.csv").read_text(encoding="utf-8")
    late = tmp_path / "late.csv"
    late.write_text(text + '"Zoe Kim","2026-Q5","Self","self","Zoe Kim","zoe@example.com",'
                    '"zoe-kim-2026-q4.xlsx","North"\r\n', encoding="utf-8")
    code, out = run("status", "--period", "2026-Q4", "--manifest", str(late), "--db", str(db))
    assert code == 1, out
    assert f"{late}:10: period '2026-Q5': a year has quarters Q1 to Q4" in out
    # a month's form past 12 is kept as written: the label of a 13-period fiscal scheme, of a
    # ladder made before such schemes were refused, whose cycle's manifest must still read
    from sheetladder.manifest import read_manifest

    late.write_text(text + '"Zoe Kim","2026-13","Self","self","Zoe Kim","zoe@example.com",'
                    '"zoe-kim-2026-13.xlsx","North"\r\n', encoding="utf-8")
    assert [r.period for r in read_manifest(late) if r.person == "Zoe Kim"] == ["2026-13"]


def test_keep_existing_warns_of_people_the_manifest_lists_whom_the_roster_no_longer_has(
        tmp_path: Path) -> None:
    """Eva left the team and her row was deleted from the roster; the quarter's run again with
    --keep-existing said '1 kept as they were', exit 0, and the manifest still listed her, so
    status went on counting her as not returned and reminding her."""
    out, roster, before, code, text = _keep_existing_after(
        tmp_path, "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n"
                  "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n",
        "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n")
    assert code == 0, text
    assert (f"{out / 'manifest.csv'} lists 'Eva Lind' for 2026-Q4, whom {roster} no longer "
            "has") in text
    assert "(warning)" in text
    assert _snapshot(out) == before  # nothing written or dropped: whether she left is ops' say


def test_keep_existing_warns_of_a_kept_person_whose_raters_or_team_the_roster_changed(
        tmp_path: Path) -> None:
    """Eva's manager changed in the roster after render: --keep-existing kept her workbook (with
    Bo Chen's tab) and said only 'kept as they were', exit 0; status --roster then chased a tab
    'Di Lee' that no file holds."""
    out, roster, before, code, text = _keep_existing_after(
        tmp_path, "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n"
                  "Eva Lind,eva@example.com,North,Bo Chen,bo@example.com\n",
        "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com\n"
        "Eva Lind,eva@example.com,South,Di Lee,di@example.com\n")
    assert code == 0, text
    assert "2 kept as they were" in text
    warned = [line for line in text.splitlines() if line.startswith(f"{roster}:3: ")]
    assert len(warned) == 1 and warned[0].endswith("(warning)")
    assert "'Eva Lind'" in warned[0] and "tab 'Di Lee'" in warned[0]
    assert "tab 'Bo Chen'" in warned[0] and "team South" in warned[0]
    assert not any(line.startswith(f"{roster}:2: ") for line in text.splitlines())
    assert _snapshot(out) == before


def test_status_from_an_xlsx_roster_warns_of_rows_a_filter_hid_as_from_a_manifest(
        tmp_path: Path) -> None:
    """Eva left after render and ops hid her row with a filter in the roster they keep in
    Excel: status --roster read her row like the others (as it must: hidden is not deleted) and
    reminded her, with no word of the hidden row, which the same file as a manifest gets."""

    import openpyxl

    rows = [["person", "email", "team", "manager", "manager_email"],
            ["Ana Diaz", "ana@example.com", "North", "Bo Chen", "bo@example.com"],
            ["Eva Lind", "eva@example.com", "North", "Bo Chen", "bo@example.com"]]
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(tmp_path / "team.xlsx")
    ladder, roster, db = _collected(tmp_path, roster=tmp_path / "team.xlsx")
    wb = openpyxl.load_workbook(roster)
    wb.active.row_dimensions[3].hidden = True
    wb.save(roster)
    _status_warned(["--roster", str(roster), "--period", "2026-Q4", "--definition",
                    str(ladder), "--db", str(db)], f"{roster}:3: row(s) 3 of sheet ")


def test_status_from_a_roster_that_corrected_a_peers_accents_counts_her_tab_as_collected(
        tmp_path: Path) -> None:
    """The roster spelt a peer Jose Nunez at render and José Núñez since: his tab, filled and
    collected as 'Jose Nunez', was listed missing (he was on the reminder list for it) and as a
    tab not in the roster, exit 0. It is his tab, spelt as it was sent: collected, saying so.
    A name that is not the same name but for accents, case and spacing stays missing."""
    import csv
    import io
    import json

    head = "person,email,team,manager,manager_email,peers\n"
    ladder, roster, db = _collected(
        tmp_path, head + "Ana Diaz,ana@example.com,North,Bo Chen,bo@example.com,"
                         "Eva Lind;Jose Nunez\n")
    edited = tmp_path / "edited.csv"
    edited.write_text(roster.read_text(encoding="utf-8").replace("Jose Nunez", "José Núñez"),
                      encoding="utf-8")
    common, text = _status_with(edited, ladder, db)
    assert "Ana Diaz: complete (4 of 4 tabs collected)" in text, text
    assert ("    collected: José Núñez (peer), as tab 'Jose Nunez', the name as the workbook was "
            "rendered with") in text, text
    assert "not in the roster" not in text and "missing" not in text.split("2026-Q4:")[0]
    st = json.loads(CliRunner().invoke(main, [*common, "--format", "json"]).stdout)
    (ana,) = st["people"]
    assert ana["unlisted_tabs"] == []
    assert {t["tab"]: (t["state"], t["collected_as"]) for t in ana["tabs"]}[
        "José Núñez"] == ("collected", "Jose Nunez")
    reminders = CliRunner().invoke(main, [*common, "--format", "csv"]).stdout
    assert list(csv.reader(io.StringIO(reminders)))[1:] == []
    # a tab that is no respelling of a tab held stays missing
    other = tmp_path / "other.csv"
    other.write_text(roster.read_text(encoding="utf-8").replace("Jose Nunez", "Josefa Nunez"),
                     encoding="utf-8")
    code, text = run("status", "--period", "2026-Q4", "--roster", str(other), "--definition",
                     str(ladder), "--db", str(db))
    assert code == 0 and "missing: Josefa Nunez" in text and "tab 'Jose Nunez'" in text, text
