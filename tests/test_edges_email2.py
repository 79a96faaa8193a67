"""An email address whose dots or hyphens mail servers refuse: a dot starting or ending the part
before '@' or twice in a row (``.ana@x.com``, ``ana.@x.com``, ``ana..b@x.com``, RFC 5321's
dot-atom), an empty domain label or one starting or ending with '-' (``ana@x..com``,
``ana@-x.com``, RFC 1035's labels). Each was taken with exit 0, and a mail merge's reminder to
it bounced; each is refused wherever an email comes in, saying what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetladder.cli import main
from sheetladder.context import checked_email, email_hint, is_email
from sheetladder.definition import load
from sheetladder.errors import BadInput
from sheetladder.render import person_context
from sheetladder.results.store import History, HistoryLookupError

from .conftest import DEFINITIONS

SALES = DEFINITIONS / "sales-s1-s7.yaml"
LOCAL = " (a dot cannot start or end the part before '@', nor come twice in a row)"
DOMAIN_DOT = " (a dot cannot start or end the part after '@', nor come twice in a row)"
DOMAIN_DASH = " (a part of the domain between dots cannot start or end with '-')"
BAD = {".ana@x.com": LOCAL, "ana.@x.com": LOCAL, "ana..b@x.com": LOCAL, ".@x.com": LOCAL,
       "ana@x..com": DOMAIN_DOT, "ana@.x.com": DOMAIN_DOT, "ana@x.com.": DOMAIN_DOT,
       "ana@-x.com": DOMAIN_DASH, "ana@x-.com": DOMAIN_DASH, "ana@x.-com": DOMAIN_DASH,
       "ana@x.com-": DOMAIN_DASH, "jürgen.@müller.de": LOCAL, "ana@-उदाहरण.भारत": DOMAIN_DASH}


@pytest.fixture()
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETLADDER_DB", raising=False)
    return CliRunner()


@pytest.mark.parametrize("bad", sorted(BAD))
def test_a_dot_or_hyphen_mail_servers_refuse_is_refused_saying_where(bad: str):
    assert not is_email(bad)
    assert email_hint(bad) == BAD[bad]
    with pytest.raises(BadInput) as err:
        checked_email(f" {bad} ", "email")
    assert str(err.value) == f"email: {bad!r} is not an email address{BAD[bad]}"


@pytest.mark.parametrize("good", [
    "a.b@x-y.org", "o'neil+q4@mail.example.co.uk", "jürgen@müller.de", "A.B.C@X-Y.ORG",
    "ana@उदाहरण.भारत", "ana@ตัวอย่าง.ไทย", "ana@mu\u0308nchen.de", "a--b@x--y.com",
    "ana@xn--mnchen-3ya.de", "_a.b-c@x.co", "a@b.c", "ana.díaz@例え.テスト"])
def test_dots_and_hyphens_inside_are_still_taken(good: str):
    assert is_email(good)
    assert checked_email(good, "email") == good


def test_the_other_hints_come_first_and_a_bad_address_inside_one_gets_no_wrong_one():
    # a pasted 'Name <address>' of a good address still says to write it alone
    assert email_hint("Ana <ana@x.com>") == " (write the address alone: ana@x.com)"
    # ... of a bad one says nothing it cannot stand behind (the address is not written for it)
    assert email_hint("Ana <.ana@x.com>") == ""
    assert email_hint("mailto:ana..b@x.com") == ""
    # one good, one bad: not two addresses, and no one address's dots to blame
    assert email_hint("ana@x.com; .bo@x.com") == ""
    assert email_hint("bo@example") == (" (its domain has no dot: write it in full, as in "
                                        "name@example.com)")


def test_a_roster_row_option_and_rater_with_such_an_address_are_refused(runner: CliRunner,
                                                                        tmp_path: Path):
    (tmp_path / "team.csv").write_text(
        "person,email,manager,manager_email\n"
        "Ben Ortiz,ben.@example.com,Bo Chen,bo@example.com\n"
        "Eva Lind,eva@example.com,Bo Chen,bo@-example.com\n"
        "Lou Mae,lou@example.com,Bo Chen,bo@example.com\n", encoding="utf-8")
    res = runner.invoke(main, ["render", str(SALES), "--roster", "team.csv", "--period", "2026-Q4"])
    assert res.exit_code == 1
    said = " ".join(res.output.split())
    assert f"team.csv:2: email: 'ben.@example.com' is not an email address{LOCAL}" in said, said
    assert (f"team.csv:3: manager email: 'bo@-example.com' is not an email address{DOMAIN_DASH}"
            in said), said
    assert sorted(p.name for p in (tmp_path / "output").glob("*.xlsx")) == ["lou-mae-2026-q4.xlsx"]
    for args in (["--person", "Zoe", "--email", "zoe..q@example.com"],
                 ["--person", "Zoe", "--rater", "manager:Bo:bo@example..com"]):
        res = runner.invoke(main, ["render", str(SALES), "--period", "2026-Q4", *args])
        assert res.exit_code == 1 and "is not an email address (a dot cannot" in res.output, \
            res.output
    assert sorted(p.name for p in (tmp_path / "output").glob("*.xlsx")) == ["lou-mae-2026-q4.xlsx"]
    with pytest.raises(BadInput, match="is not an email address"):
        person_context(load(SALES), "Zoe", "2026-Q4", [("manager", "Bo", ".bo@example.com")])


def test_history_email_refuses_such_an_address(tmp_path: Path):
    with History(f"sqlite:///{tmp_path / 'h.sqlite'}") as h, \
            pytest.raises(HistoryLookupError, match=r"'ana\.\.diaz@example\.com' is not an "
                                                   r"email address \(a dot cannot start"):
        h.set_email("Ana Diaz", "ana..diaz@example.com")
