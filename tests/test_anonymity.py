"""Peer anonymity (issue 20): a ladder's ``min_peers`` (default 3, 0 off). Below it, every
person-facing output — the export's CSV, JSON, XLSX (every sheet) and comments, and ``read``'s
text — shows the manager and peers only pooled as "Others": no peer's name, no figure of one
peer or of the manager alone, comments unattributed. The hash of existing ladders is unchanged,
and two rating sets that differ only in what single peers gave export identically."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetladder.cli import main
from sheetladder.context import make_context
from sheetladder.definition import DefinitionError, Ladder, from_json, load, load_text
from sheetladder.plan import build_plan
from sheetladder.results import anonymity
from sheetladder.results.calibrate import calibrate
from sheetladder.results.export import (
    PeriodExport,
    build,
    comments_csv,
    comments_json,
    printed_table,
    to_csv,
    to_json,
    to_xlsx,
)
from sheetladder.results.report import Finding, Report
from sheetladder.results.store import History
from sheetladder.results.text import print_reports
from sheetladder.scoring import RaterInput, score, score_rater, xround
from sheetladder.xlsx.write import save

from .conftest import DEFINITIONS, SMALL
from .test_export import fill
from .test_history import make_report

# Points that are not whole numbers, so that a rater's total is a figure no count, level
# number or other total in an export happens to equal.
LADDER = """\
id: anon
name: Anonymity ladder
version: "1"
levels:
  - {code: L1, name: One}
  - {code: L2, name: Two}
  - {code: L3, name: Three}
  - {code: L4, name: Four}
  - {code: L5, name: Five}
groups:
  - id: g
    name: Group G
    categories:
      - {id: a, name: Alpha, descriptors: {L1: a1, L2: a2, L3: a3, L4: a4, L5: a5}}
      - {id: b, name: Beta, weight: 2, descriptors: {L1: b1, L2: b2, L3: b3, L4: b4, L5: b5}}
      - {id: c, name: Gamma, descriptors: {L1: c1, L2: c2, L3: c3, L4: c4, L5: c5}}
scoring:
  points: [1.13, 2.37, 3.71, 4.93, 6.29]
"""
PERSON = "Ana Diaz"
MANAGER = "Mia Manager"
PEERS = ["Zed Quill", "Yara Voss", "Xeno Brandt", "Wim Hoek"]
PERIOD = "2026-Q4"

Ratings = Mapping[str, Mapping[str, int | None]]


def ladder_with(min_peers: int | None) -> Ladder:
    extra = "" if min_peers is None else f"min_peers: {min_peers}\n"
    return load_text(LADDER + extra, "anon.yaml")


def context(ladder: Ladder, peers: int, person: str = PERSON):
    return make_context(ladder, person, PERIOD, [("self", None, None), ("manager", MANAGER, None),
                                                 *(("peer", n, None) for n in PEERS[:peers])])


def export_of(tmp_path: Path, ladder: Ladder, people: Sequence[tuple[str, int, Ratings,
                                                                       Mapping[str, Mapping[str, str]]]],
              findings: Sequence[Finding] = (), name: str = "h") -> PeriodExport:
    """The export of one period holding ``people`` (person, peers, ratings by tab, comments)."""
    url = f"sqlite:///{tmp_path / (name + '.sqlite')}"
    with History(url) as h:
        for person, peers, ratings, comments in people:
            ctx = context(ladder, peers, person)
            h.ingest(make_report(ladder, ctx, ratings, comments=comments,
                                 file=f"{person}.xlsx", findings=findings), ladder)
        return build(h, PERIOD)


def xlsx_cells(exp: PeriodExport, tmp_path: Path) -> list[Any]:
    """Every cell value of every sheet of the XLSX export, as openpyxl reads them back; with
    the period's calibration sheet, as `export --format xlsx` writes it, when ``tmp_path``
    holds the history :func:`export_of` made."""
    path = tmp_path / "export.xlsx"
    cal = None
    if (tmp_path / "h.sqlite").exists():
        with History(f"sqlite:///{tmp_path / 'h.sqlite'}", read_only=True) as h:
            cal = calibrate(h, exp.period)
    path.write_bytes(to_xlsx(exp, cal))
    wb = openpyxl.load_workbook(path)
    return [(ws.title, cell.coordinate, cell.value) for ws in wb.worksheets
            for row in ws.iter_rows() for cell in row if cell.value not in (None, "")]


def outputs(exp: PeriodExport, tmp_path: Path) -> dict[str, Any]:
    """Every person-facing export of ``exp``: CSV, comments CSV and JSON, JSON (less the time
    it was made) and every XLSX cell."""
    data = json.loads(to_json(exp))
    data.pop("generated_at")
    return {"csv": to_csv(exp).decode("utf-8"), "comments_csv": comments_csv(exp).decode("utf-8"),
            "comments_json": json.loads(comments_json(exp)), "json": data,
            "xlsx": xlsx_cells(exp, tmp_path)}


def texts(out: Mapping[str, Any]) -> str:
    return "\n".join([out["csv"], out["comments_csv"], json.dumps(out["comments_json"],
                                                                  ensure_ascii=False),
                      json.dumps(out["json"], ensure_ascii=False),
                      *(str(v) for _, _, v in out["xlsx"])])


def _leaves(x: Any) -> Iterator[Any]:
    if isinstance(x, dict):
        for v in x.values():
            yield from _leaves(v)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)
    else:
        yield x


def numbers(out: Mapping[str, Any]) -> set[float]:
    """Every number the exports show, rounded to 4 decimals (CSV fields, JSON values, XLSX
    numeric cells)."""
    found: list[Any] = []
    for key in ("csv", "comments_csv"):
        for row in csv.reader(io.StringIO(out[key], newline="")):
            for v in row:
                with contextlib.suppress(ValueError):
                    found.append(float(v))
    found += [v for v in _leaves([out["json"], out["comments_json"]])]
    found += [v for _, _, v in out["xlsx"]]
    return {round(float(v), 4) for v in found
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def individual_figures(ladder: Ladder, ratings: Ratings, tabs: Sequence[str]) -> set[float]:
    """What the pool hides: the total of each of ``tabs`` alone, the manager's mean and the
    peers' mean (over categories, of each category's mean), as exports show them unpooled."""
    out = set()
    for tab in tabs:
        rs = score_rater(ladder, RaterInput(role="peer", tab=tab, levels=dict(ratings[tab])))
        if rs.total_points is not None:
            out.add(round(xround(rs.total_points), 4))
    for group in ([t for t in tabs if t == MANAGER], [t for t in tabs if t in PEERS]):
        per_cat = []
        for c in ladder.categories:
            got = [v for t in group if (v := ratings[t].get(c.id)) is not None]
            if got:
                per_cat.append(sum(got) / len(got))
        if per_cat:
            out.add(round(xround(sum(per_cat) / len(per_cat)), 4))
    return out


def read_text(reports: Sequence[Report], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "250")  # no name is wrapped across lines
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_reports(reports)
    return buf.getvalue()


def report_of(ladder: Ladder, peers: int, ratings: Ratings,
              comments: Mapping[str, Mapping[str, str]] | None = None) -> Report:
    r = make_report(ladder, context(ladder, peers), ratings, comments=comments)
    r.ladder_json = ladder.canonical_json()
    return r


# Ratings for Ana with two peers: every rater's total and mean is a figure of its own.
TWO = {"Self": {"a": 1, "b": 1, "c": 2}, MANAGER: {"a": 5, "b": 4, "c": 2},
       PEERS[0]: {"a": 2, "b": 5, "c": 4}, PEERS[1]: {"a": 4, "b": 2, "c": 2}}
TWO_COMMENTS = {PEERS[0]: {"a": "Zed says: great discovery"}, MANAGER: {"b": "solid closing"},
                PEERS[1]: {"c": "helped me twice"}, "Self": {"a": "my own words"}}


# -- the setting ----------------------------------------------------------------------------------


def test_min_peers_defaults_to_3_and_0_turns_it_off() -> None:
    assert ladder_with(None).min_peers == 3
    assert ladder_with(0).min_peers == 0
    assert load(DEFINITIONS / "sales-s1-s7.yaml").min_peers == 3


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "min_peers: must be a number of peers from 0 (anonymity off) to 20, got -1"),
    ("21", "min_peers: must be a number of peers from 0 (anonymity off) to 20, got 21"),
    ("true", "min_peers: true is not a number"),
    ("2.5", "min_peers: Input should be a valid integer"),
])
def test_a_bad_min_peers_is_an_error_at_its_line(value: str, message: str) -> None:
    text = SMALL + f"min_peers: {value}\n"
    line = text.splitlines().index(f"min_peers: {value}") + 1
    with pytest.raises(DefinitionError) as e:
        load_text(text, "bad.yaml")
    assert e.value.lines() == [f"bad.yaml:{line}:1: {message}"]


def test_min_peers_set_on_a_ladder_with_no_peer_role_is_an_error_at_its_line() -> None:
    """min_peers counts raters of role peer: set on a ladder whose peers are called something
    else, it would silently protect no one. Left at its default it is the ladder's default."""
    roles = "raters:\n  - {id: self, name: Self}\n  - {id: colleague, name: Colleague, count: 2}\n"
    text = LADDER + roles + "min_peers: 3\n"
    with pytest.raises(DefinitionError) as e:
        load_text(text, "bad.yaml")
    line = text.splitlines().index("min_peers: 3") + 1
    assert e.value.lines() == [
        f"bad.yaml:{line}:1: min_peers counts raters of role 'peer', and this ladder has none "
        "(roles: colleague, self): give the peers' role the id peer, or set min_peers: 0"]
    assert load_text(LADDER + roles, "ok.yaml").min_peers == 3
    assert load_text(LADDER + roles + "min_peers: 0\n", "ok.yaml").min_peers == 0


def test_a_role_may_not_take_the_pools_id_others() -> None:
    """Results show pooled raters under the role id 'others': a ladder's own role of that id
    would be mixed with the pool in every export, so it is refused at its line."""
    roles = ("raters:\n  - {id: self, name: Self}\n  - {id: manager, name: Manager}\n"
             "  - {id: others, name: Colleague, count: 2}\n")
    text = LADDER + roles
    with pytest.raises(DefinitionError) as e:
        load_text(text, "bad.yaml")
    line = text.splitlines().index("  - {id: others, name: Colleague, count: 2}") + 1
    assert len(e.value.lines()) == 1
    assert e.value.lines()[0].startswith(f"bad.yaml:{line}:")
    assert "'others' is the id results give the manager and peers pooled" in e.value.lines()[0]
    assert anonymity.POOL == "others"


# The bundled ladders' hashes before min_peers existed: every workbook rendered from them, and
# every history, holds these.
HASHES = {
    "engineering-e1-e8.yaml": "8ea3652ebb201999202241a9df3436b4440346420e5b2b0d5b16d382548dc2c1",
    "sales-levels-l1-l6.yaml": "fb6962e121065eca8ee66229f202017d6a2ecae6c3de8883febf3bd0330b275a",
    "sales-s1-s7.yaml": "7f504b11d9beaa282fa615dbd656b5fe9f2f833d242737547b5db911b93d4e98",
}


def test_existing_ladders_keep_their_hash_and_canonical_json() -> None:
    for name, digest in HASHES.items():
        ladder = load(DEFINITIONS / name)
        assert ladder.content_hash() == digest, name
        assert "min_peers" not in json.loads(ladder.canonical_json())
        # an embedded ladder of before reads back at the default, with the same hash
        again = from_json(ladder.canonical_json())
        assert again.min_peers == 3 and again.content_hash() == digest
    # saying the default changes nothing; another threshold is another ladder
    assert ladder_with(3).content_hash() == ladder_with(None).content_hash()
    off = ladder_with(0)
    assert off.content_hash() != ladder_with(None).content_hash()
    assert json.loads(off.canonical_json())["min_peers"] == 0
    assert from_json(off.canonical_json()).min_peers == 0


# -- exports ---------------------------------------------------------------------------------------


def test_with_two_peers_and_min_peers_3_no_peer_is_shown_in_any_export(tmp_path: Path) -> None:
    people = [(PERSON, 2, TWO, TWO_COMMENTS)]
    findings = [Finding(severity="warning", sheet=PEERS[0], cell="D9", message="'s3' read as S3"),
                Finding(severity="warning", sheet="Self", cell="D10", message="'s1' read as S1")]
    hidden = individual_figures(ladder_with(3), TWO, [MANAGER, *PEERS[:2]])
    # the same quarter with anonymity off shows every name and figure looked for below
    (tmp_path / "open").mkdir()
    open_out = outputs(export_of(tmp_path / "open", ladder_with(0), people, findings),
                       tmp_path / "open")
    assert all(p in texts(open_out) for p in PEERS[:2])
    assert hidden <= numbers(open_out)

    exp = export_of(tmp_path, ladder_with(3), people, findings)
    out = outputs(exp, tmp_path)
    everything = texts(out)
    for name in PEERS[:2]:
        assert name not in everything
    assert not hidden & numbers(out), hidden & numbers(out)
    # what stays: self, the pooled Others, and the result
    [row] = exp.rows
    assert row.peers_pooled
    assert [(f.tab, f.role) for f in row.rater_figures] == [("Self", "self"),
                                                            ("Others", "others")]
    exp_ladder = ladder_with(3)
    sc = score(exp_ladder, [RaterInput(role=s.role, name=s.name, tab=s.tab,
                                       levels=dict(TWO[s.tab]))
                            for s in context(exp_ladder, 2).raters])
    assert row.total_points == xround(sc.total_points or 0) and row.level == sc.level
    assert set(row.role_means) == {"self", "others"}
    weights = {r.id: r.weight for r in exp_ladder.raters}
    per_cat = [sum(c.role_means[r] * weights[r] for r in ("manager", "peer"))
               / (weights["manager"] + weights["peer"]) for c in sc.categories]
    assert row.role_means["others"] == xround(sum(per_cat) / len(per_cat))
    # comments: self's as written, the others' unattributed, without rating, by category
    assert [(c.rater, c.category, c.rating, c.comment) for c in row.comments] == [
        ("Self", "a", "L1", "my own words"), ("Others", "a", None, "Zed says: great discovery"),
        ("Others", "b", None, "solid closing"), ("Others", "c", None, "helped me twice")]
    assert len(row.warnings) == 2
    assert row.warnings[0] == "warning: Self!D10: 's1' read as S1"
    assert "left out" in row.warnings[1] and "Self" not in row.warnings[1]
    # the XLSX Results sheet has no blank Manager and Peer mean columns
    headers, _ = printed_table(exp)
    assert "Others mean" in headers and "Peer mean" not in headers
    assert "Manager mean" not in headers


def test_with_three_peers_every_rater_is_shown(tmp_path: Path) -> None:
    three = {**TWO, PEERS[2]: {"a": 3, "b": 3, "c": 5}}
    exp = export_of(tmp_path, ladder_with(3), [(PERSON, 3, three, TWO_COMMENTS)])
    out = outputs(exp, tmp_path)
    assert all(p in texts(out) for p in PEERS[:3])
    assert individual_figures(ladder_with(3), three, [MANAGER, *PEERS[:3]]) <= numbers(out)
    [row] = exp.rows
    # no pool anywhere (the Calibration sheet's self-vs-others columns aside: ops' figures)
    out["xlsx"] = [c for c in out["xlsx"] if c[0] != "Calibration"]
    assert not row.peers_pooled and "Others" not in texts(out)
    assert [f.tab for f in row.rater_figures] == ["Self", MANAGER, *PEERS[:3]]


def test_min_peers_0_shows_one_peer_by_name(tmp_path: Path) -> None:
    one = {k: TWO[k] for k in ("Self", MANAGER, PEERS[0])}
    exp = export_of(tmp_path, ladder_with(0), [(PERSON, 1, one, TWO_COMMENTS)])
    [row] = exp.rows
    assert not row.peers_pooled
    assert [c.rater for c in row.comments] == ["Self", MANAGER, PEERS[0]]
    assert PEERS[0] in texts(outputs(exp, tmp_path))


def test_a_peer_who_only_commented_is_hidden_but_not_counted(tmp_path: Path) -> None:
    blank = {"a": None, "b": None, "c": None}
    quiet = {**TWO, PEERS[1]: blank}
    # one peer rated, the other only wrote: pooled
    exp = export_of(tmp_path, ladder_with(3), [(PERSON, 2, quiet, TWO_COMMENTS)])
    [row] = exp.rows
    assert row.peers_pooled and PEERS[1] not in texts(outputs(exp, tmp_path))
    # no peer rated, one wrote: still pooled, the manager alone would otherwise be named
    none = {**TWO, PEERS[0]: blank, PEERS[1]: blank}
    (tmp_path / "n").mkdir()
    [row] = export_of(tmp_path / "n", ladder_with(3), [(PERSON, 2, none, TWO_COMMENTS)]).rows
    assert row.peers_pooled and all(c.rater in ("Self", "Others") for c in row.comments)
    # no peer rated or wrote: no one to hide, the manager is shown
    (tmp_path / "m").mkdir()
    [row] = export_of(tmp_path / "m", ladder_with(3),
                      [(PERSON, 2, none, {MANAGER: {"a": "alone"}})]).rows
    assert not row.peers_pooled and [c.rater for c in row.comments] == [MANAGER]


def test_team_averages_of_a_role_hold_only_people_whose_outputs_show_it(tmp_path: Path) -> None:
    three = {**TWO, PEERS[2]: {"a": 3, "b": 3, "c": 5}}
    exp = export_of(tmp_path, ladder_with(3), [(PERSON, 2, TWO, {}), ("Bo Berg", 3, three, {})])
    pooled, shown = sorted(exp.rows, key=lambda r: r.peers_pooled, reverse=True)
    assert pooled.peers_pooled and not shown.peers_pooled
    [tv] = exp.team
    by_id = {c.category: c for c in tv.categories}
    for cid in ("a", "b", "c"):
        peer = [three[p][cid] for p in PEERS[:3]]
        # Bo's peers alone: Ana's two peers are in no average
        assert by_id[cid].role_means["peer"] == xround(sum(peer) / 3)
        assert by_id[cid].role_means["manager"] == xround(three[MANAGER][cid])
        assert "others" in by_id[cid].role_means


def _swapped(ratings: Ratings, comments: Mapping[str, Mapping[str, str]], a: str, b: str
             ) -> tuple[dict[str, Mapping[str, int | None]], dict[str, Mapping[str, str]]]:
    r, c = dict(ratings), dict(comments)
    r[a], r[b] = ratings[b], ratings[a]
    c[a], c[b] = comments.get(b, {}), comments.get(a, {})
    return r, c


def _same_outputs(tmp_path: Path, ladder: Ladder, peers: int,
                  first: tuple[Ratings, Mapping[str, Mapping[str, str]]],
                  second: tuple[Ratings, Mapping[str, Mapping[str, str]]]) -> None:
    (tmp_path / "1").mkdir(exist_ok=True)
    (tmp_path / "2").mkdir(exist_ok=True)
    one = outputs(export_of(tmp_path / "1", ladder, [(PERSON, peers, *first)]), tmp_path / "1")
    two = outputs(export_of(tmp_path / "2", ladder, [(PERSON, peers, *second)]), tmp_path / "2")
    assert one == two


def test_the_pool_cannot_be_backed_out_with_one_peer(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The lone peer gave a:2 b:5 c:4, or the manager did and the peer a:5 b:4 c:2: every
    output is the same, so none says which; the consensus and self say only their sum."""
    ladder = ladder_with(3)
    one = {k: TWO[k] for k in ("Self", MANAGER, PEERS[0])}
    notes = {PEERS[0]: {"a": "peer's note"}, MANAGER: {"a": "manager's note"}}
    other = _swapped(one, notes, MANAGER, PEERS[0])
    assert other[0][PEERS[0]] != one[PEERS[0]]
    _same_outputs(tmp_path, ladder, 1, (one, notes), other)
    assert read_text([report_of(ladder, 1, one, notes)], monkeypatch) == \
        read_text([report_of(ladder, 1, *other)], monkeypatch)


def test_the_pool_cannot_be_backed_out_with_two_peers(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Two peers gave a:2,4 b:5,2 c:4,2; or they gave each other's Alpha ratings (each peer's
    total is then another); or each other's whole tabs: the same outputs. (What the outputs
    keep of the peers is, per category, their mean level and mean points: any two rating sets
    that agree on those cannot be told apart.)"""
    ladder = ladder_with(3)
    alpha = {PEERS[0]: {**TWO[PEERS[0]], "a": TWO[PEERS[1]]["a"]},
             PEERS[1]: {**TWO[PEERS[1]], "a": TWO[PEERS[0]]["a"]}}
    assert individual_figures(ladder, {**TWO, **alpha}, PEERS[:2]) != \
        individual_figures(ladder, TWO, PEERS[:2])
    for second in (_swapped(TWO, TWO_COMMENTS, *PEERS[:2]), ({**TWO, **alpha}, TWO_COMMENTS)):
        _same_outputs(tmp_path, ladder, 2, (TWO, TWO_COMMENTS), second)
        assert read_text([report_of(ladder, 2, TWO, TWO_COMMENTS)], monkeypatch) == \
            read_text([report_of(ladder, 2, *second)], monkeypatch)
    # with anonymity off the two differ, so the comparison can tell them apart
    (tmp_path / "off").mkdir()
    with pytest.raises(AssertionError):
        _same_outputs(tmp_path / "off", ladder_with(0), 2, (TWO, TWO_COMMENTS),
                      _swapped(TWO, TWO_COMMENTS, *PEERS[:2]))


# -- read's text -------------------------------------------------------------------------------------


def test_a_finding_on_the_summary_is_counted_not_listed_when_raters_are_pooled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The Summary has a column per rater: a stale stored result there quotes one pooled
    rater's rating, then and now, so it is counted like the findings on their tabs."""
    ladder = ladder_with(3)
    report = report_of(ladder, 2, TWO)
    stale = ("3 stored formula result(s) differ from what the ratings give (e.g. E4 stores "
             "'L5', the ratings give 'L2')")
    report.findings.append(Finding(severity="warning", sheet="Summary", cell="E4",
                                   message=stale))
    text = read_text([report], monkeypatch)
    assert "E4 stores" not in text and "on the tabs of raters shown as Others" in text
    decision = anonymity.decide(ladder, report.inputs)
    kept = anonymity.public_warnings(decision, [f"warning: Summary!E4: {stale}",
                                                "warning: Matrix!B3: a note"], report.inputs)
    assert kept == ["warning: Matrix!B3: a note", "warning: 1 warning(s) about the raters "
                    "shown as Others left out here: they name or quote one of them"]
    # with every rater shown, it is listed
    shown = report_of(ladder_with(0), 2, TWO)
    shown.findings.append(Finding(severity="warning", sheet="Summary", cell="E4", message=stale))
    assert "E4 stores" in read_text([shown], monkeypatch)


def test_findings_that_name_no_pooled_rater_are_listed_when_raters_are_pooled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what names a pooled rater or shows what they typed is withheld: the Summary as a
    whole gone, or a copy of the self tab, are listed with their place, not counted as
    findings 'on the tabs of raters shown as Others'."""
    ladder = ladder_with(3)
    report = report_of(ladder, 2, TWO)
    peer_tab = next(i.tab for i in report.inputs if i.role == "peer")
    report.findings += [
        Finding(severity="error", sheet="Summary", cell=None, message="tab 'Summary' is missing"),
        Finding(severity="error", sheet="Self (2)", cell="D5",
                message="tab 'Self (2)' is a copy of 'Self' that disagrees with it"),
        Finding(severity="error", sheet=f"{peer_tab} (2)", cell="D5",
                message=f"tab '{peer_tab} (2)' is a copy of '{peer_tab}' that disagrees with it")]
    text = read_text([report], monkeypatch)
    assert "tab 'Summary' is missing" in text and "Self (2)!D5" in text
    assert f"{peer_tab} (2)" not in text and peer_tab not in text
    assert "1 finding(s) (1 error(s)) on the tabs of raters shown as Others" in text
    # a pooled rater's tab renamed (findings carry the name the tab has now): still withheld
    renamed = report_of(ladder, 2, TWO)
    renamed.findings += [
        Finding(severity="warning", sheet="Their tab", cell=None,
                message=f"tab '{peer_tab}' was renamed to 'Their tab'"),
        Finding(severity="error", sheet="Their tab", cell="D5",
                message="'S9' is not a level of this ladder (L1–L3)")]
    text = read_text([renamed], monkeypatch)
    assert "Their tab" not in text and "'S9'" not in text


def test_the_overall_line_of_figures_withheld_names_no_pooled_raters_cell(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rating that is no level on a pooled peer's tab withholds every figure; the Overall
    line said why with the cell ('Zed Quill!D9'), naming the rater the findings leave out."""
    from sheetladder.results.report import withhold_figures

    ladder = ladder_with(3)
    report = report_of(ladder, 2, TWO)
    peer_tab = next(i.tab for i in report.inputs if i.role == "peer")
    withhold_figures(report, f"1 rating(s) are no level of the ladder ({peer_tab}!D9): no "
                             "figure is computed until they are mended")
    text = read_text([report], monkeypatch)
    assert peer_tab not in text, text
    assert ("no figures: what the errors above (or read --json) name was changed, on a tab "
            "of Others") in text
    # with every rater shown, the cell is given
    shown = report_of(ladder_with(0), 2, TWO)
    withhold_figures(shown, f"1 rating(s) are no level of the ladder ({peer_tab}!D9): no "
                            "figure is computed until they are mended")
    assert f"({peer_tab}!D9)" in read_text([shown], monkeypatch)


def _filled_workbook(tmp_path: Path, ladder: Ladder, peers: int, name: str) -> Path:
    ctx = context(ladder, peers)
    blank = tmp_path / f"{name}-blank.xlsx"
    save(build_plan(ladder, ctx), blank)
    cats = ladder.categories
    rnd = random.Random(peers)
    ratings = {s.tab: {c.id: rnd.randint(1, len(ladder.levels)) for c in cats}
               for s in ctx.raters}
    comments = {s.tab: {cats[0].id: f"note from tab {k}"} for k, s in enumerate(ctx.raters)}
    out = tmp_path / f"{name}.xlsx"
    fill(blank, out, ctx, ladder, ratings, comments, datetime(2026, 11, 1, 9))
    return out


def test_read_text_names_no_peer_below_min_peers_and_every_one_at_it(tmp_path: Path) -> None:
    sales = load(DEFINITIONS / "sales-s1-s7.yaml")  # min_peers 3, trusted from definitions/
    two = _filled_workbook(tmp_path, sales, 2, "two")
    res = CliRunner().invoke(main, ["read", str(two)], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    for name in (MANAGER, *PEERS[:2]):
        assert name not in res.output
    assert "Others" in res.output and "Peers pooled: 2 peer(s) rated" in res.output
    # the formula results openpyxl does not store are warned of per tab: the peers' counted
    assert "finding(s) (0 error(s)) on the tabs of raters shown as Others" in res.output
    assert "read --json" in res.output
    data = json.loads(CliRunner().invoke(main, ["read", "--json", str(two)]).output)
    assert {r["tab"] for r in data["raters"]} == {"Self", MANAGER, *PEERS[:2]}  # data: all

    three = _filled_workbook(tmp_path, sales, 3, "three")
    res = CliRunner().invoke(main, ["read", str(three)], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    for name in (MANAGER, *PEERS[:3]):
        assert name in res.output
    assert "Peers pooled" not in res.output


def test_read_text_follows_the_trusted_ladders_min_peers(tmp_path: Path) -> None:
    """A workbook made from a ladder with min_peers 0 shows its peers when that ladder is the
    one trusted; it cannot turn anonymity off under a trusted ladder's id and version."""
    text = (DEFINITIONS / "sales-s1-s7.yaml").read_text(encoding="utf-8") + "min_peers: 0\n"
    (tmp_path / "open.yaml").write_text(text, encoding="utf-8")
    wb = _filled_workbook(tmp_path, load(tmp_path / "open.yaml"), 2, "open")
    res = CliRunner().invoke(main, ["read", str(wb), "--ladders", str(tmp_path / "open.yaml")],
                             env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert all(name in res.output for name in PEERS[:2])
    res = CliRunner().invoke(main, ["read", str(wb)], env={"COLUMNS": "250"})
    assert res.exit_code == 1  # differs from definitions/sales-s1-s7.yaml: min_peers
    assert "min_peers" in res.output
    assert not any(name in res.output for name in PEERS[:2])


# -- the property -------------------------------------------------------------------------------------

levels = st.integers(min_value=1, max_value=5)
tab_ratings = st.fixed_dictionaries({"a": levels, "b": st.one_of(st.none(), levels), "c": levels})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(peers=st.integers(min_value=1, max_value=4), min_peers=st.integers(min_value=0, max_value=5),
       data=st.data())
def test_below_the_threshold_no_output_holds_a_peers_name_or_depends_on_which_peer_gave_what(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, peers: int,
        min_peers: int, data: st.DataObject) -> None:
    ladder = ladder_with(min_peers)
    tabs = ["Self", MANAGER, *PEERS[:peers]]
    ratings = {t: data.draw(tab_ratings, label=t) for t in tabs}
    notes = {t: {"c": f"comment {k}"} for k, t in enumerate(tabs)
             if data.draw(st.booleans(), label=f"{t} comments")}
    tmp = tmp_path_factory.mktemp("prop")
    exp = export_of(tmp, ladder, [(PERSON, peers, ratings, notes)])
    out = outputs(exp, tmp)
    text = read_text([report_of(ladder, peers, ratings, notes)], monkeypatch)
    below = 0 < min_peers and peers < min_peers
    [row] = exp.rows
    assert row.peers_pooled == below
    if not below:
        assert all(p in texts(out) and p in text for p in PEERS[:peers])
        return
    for p in [MANAGER, *PEERS[:peers]]:
        if p != MANAGER:
            assert p not in texts(out) and p not in text
        assert all(f.tab != p for f in row.rater_figures)
        assert all(c.rater != p and c.rater_tab != p for c in row.comments)
    assert set(row.role_means) == {"self", "others"}
    assert all(c.rating is None for c in row.comments if c.role == anonymity.POOL)
    # what the peers gave, swapped between two of them (or between the lone peer and the
    # manager, role weights being equal), changes no output
    a, b = (PEERS[0], PEERS[1]) if peers > 1 else (MANAGER, PEERS[0])
    swapped = _swapped(ratings, notes, a, b)
    tmp2 = tmp_path_factory.mktemp("prop")
    assert outputs(export_of(tmp2, ladder, [(PERSON, peers, *swapped)]), tmp2) == out
    assert read_text([report_of(ladder, peers, *swapped)], monkeypatch) == text


def test_a_name_is_found_as_a_whole_word_or_as_a_split_files_name() -> None:
    assert anonymity.mentions("Pat Peer!E5: 59 formula result(s)", ["pat peer"])
    assert anonymity.mentions("out/ana-diaz-2026-q4-pat-peer.xlsx", ["Pat Peer"])
    # a short name hides no finding that merely holds its letters
    assert not anonymity.mentions("Summary!C4: saved without recalculating", ["Al"])
    assert not anonymity.mentions("out/ana-diaz-2026-q4-patrick.xlsx", ["Pat"])


def test_the_export_xlsxs_calibration_sheet_names_no_rater_when_anyone_is_pooled(
        tmp_path: Path) -> None:
    """The export (person-facing) carries the period's calibration; with someone pooled its
    leniency rows would single the manager or a peer out again, so they are left out and the
    sheet says `sheetladder calibrate` (for ops) shows them. With anonymity off they are there,
    so the search below can find them."""
    for min_peers, shown in ((0, True), (3, False)):
        folder = tmp_path / str(min_peers)
        folder.mkdir()
        export_of(folder, ladder_with(min_peers), [(PERSON, 2, TWO, TWO_COMMENTS)])
        out = folder / "export.xlsx"
        res = CliRunner().invoke(main, ["export", "--period", PERIOD, "--format", "xlsx",
                                        "--db", f"sqlite:///{folder / 'h.sqlite'}",
                                        "-o", str(out)])
        assert res.exit_code == 0, res.output
        wb = openpyxl.load_workbook(out)
        cal = [str(c.value) for row in wb["Calibration"].iter_rows() for c in row
               if c.value is not None]
        assert any(MANAGER in v for v in cal) is shown
        assert any(p in v for v in cal for p in PEERS[:2]) is shown
        assert any("Rater leniency and the adjusted consensus are left out here" in v
                   for v in cal) is not shown


def test_the_calibration_sheet_does_not_depend_on_which_peer_gave_what(tmp_path: Path) -> None:
    """Three people rated by the same manager and two peers (so the manager and the peers
    qualify for leniency and would be adjusted): swapping the two peers' tabs for one person
    changes no cell of any sheet of the XLSX export, its Calibration sheet included, and the
    sheet names no rater."""
    ladder = ladder_with(3)
    people = [(f"{PERSON} {k}", 2, TWO, TWO_COMMENTS) for k in range(3)]
    swapped = [people[0], people[1], (f"{PERSON} 2", 2, *_swapped(TWO, TWO_COMMENTS, *PEERS[:2]))]
    cells = []
    for name, group in (("one", people), ("two", swapped)):
        (tmp_path / name).mkdir()
        exp = export_of(tmp_path / name, ladder, group)
        cells.append(xlsx_cells(exp, tmp_path / name))
    assert any(sheet == "Calibration" for sheet, _, _ in cells[0])
    assert cells[0] == cells[1]
    text = " ".join(str(v) for _, _, v in cells[0])
    assert not any(p in text for p in PEERS)
    # the manager is named as the person's manager (Results), never as a rater of theirs
    assert MANAGER not in " ".join(str(v) for sheet, _, v in cells[0] if sheet == "Calibration")
