"""The Google client: gspread with a retry policy that always ends, timeouts, credentials found
as gspread finds them, and the OAuth token cache. Every call goes to the local fake through the
session's transport adapter (tests/fake_google.py), on Google's own hosts."""

from __future__ import annotations

import ast
import email.utils
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
import tomllib
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetladder.context import make_context
from sheetladder.definition import Ladder
from sheetladder.google import client as gclient
from sheetladder.google import publish as gpublish
from sheetladder.google.client import (
    BoundedRetryHTTPClient,
    GoogleApi,
    GoogleApiError,
    GoogleAuthError,
    RetryPolicy,
    make_client,
)
from sheetladder.google.read import open_grid
from sheetladder.plan import build_plan

from .conftest import ROOT
from .fake_google import OWNER, FakeGoogle


class FakeClock:
    """Time that passes only when slept: retries and deadlines tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as g:
        yield g


def api_on(fake: FakeGoogle, clock: FakeClock, user: str | None = None, **policy: Any) -> GoogleApi:
    gc = make_client(fake.session(user), policy=RetryPolicy(**policy), clock=clock,
                     sleep=clock.sleep)
    return GoogleApi(gc)


def plan_of(ladder: Ladder) -> Any:
    return build_plan(ladder, make_context(ladder, "Ana Diaz", "2026-Q4",
                                           [("self", None, "ana@example.com"),
                                            ("manager", "Bo Chen", "bo@example.com")]))


# -- gspread underneath -------------------------------------------------------------------------


def test_the_module_that_talks_to_google_imports_gspread_and_gspread_is_a_runtime_dependency() -> None:
    tree = ast.parse(Path(gclient.__file__).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "gspread" in imported
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.lower().startswith("gspread") for d in deps)
    gc = make_client(requests.Session())
    assert isinstance(gc, gspread.Client)
    assert isinstance(gc.http_client, BoundedRetryHTTPClient)
    assert issubclass(BoundedRetryHTTPClient, gspread.HTTPClient)


def test_publish_and_read_through_gspread_keep_the_call_budget_and_every_request_has_a_timeout(
        fake: FakeGoogle, small: Ladder) -> None:
    api = api_on(fake, FakeClock())
    plan = plan_of(small)
    out = gpublish.publish(plan, api, shares=[gpublish.Share("hr@example.com", "reader")],
                           link="reader")
    shares = len({s.email for s in plan.context.raters if s.email}) + 2
    assert fake.calls() == (["sheets.spreadsheets.create", "sheets.spreadsheets.batchUpdate"]
                            + ["drive.permissions.create"] * shares)
    mark = len(fake.log)
    grid = open_grid(out.url, api)
    assert fake.calls(mark) == ["sheets.spreadsheets.get"] and grid.sheets
    assert all(e.status == 200 for e in fake.log)  # every body passed discovery validation
    assert fake.timeouts and all(t is not None for t in fake.timeouts)
    connect, read = fake.timeouts[0]
    assert 0 < connect <= read <= 120


def test_a_users_own_gspread_client_is_accepted(fake: FakeGoogle, small: Ladder) -> None:
    mine = gspread.Client(None, session=fake.session())  # type: ignore[arg-type]
    out = gpublish.publish(plan_of(small), mine)
    assert out.spreadsheet_id in fake.spreadsheets
    grid = open_grid(out.spreadsheet_id, mine)
    assert "Summary" in grid.sheets
    mine_fails = gspread.Client(None, session=fake.session("stranger@example.com"))  # type: ignore[arg-type]
    with pytest.raises(GoogleApiError, match="404"):
        GoogleApi(mine_fails).get_spreadsheet(out.spreadsheet_id, {"fields": "spreadsheetId"})


# -- retries that end ---------------------------------------------------------------------------


def test_a_429_forever_gives_up_within_the_deadline_with_a_clear_message(
        fake: FakeGoogle, small: Ladder) -> None:
    clock = FakeClock()
    api = api_on(fake, clock, max_tries=1000, deadline=30.0, backoff_base=1.0, backoff_cap=8.0)
    fake.inject(429, count=10**6)
    start = clock.now
    with pytest.raises(GoogleApiError) as info:
        gpublish.publish(plan_of(small), api)
    assert clock.now - start <= 30.0
    text = str(info.value)
    assert "spreadsheets.create" in text and "429" in text and "30 s deadline" in text
    assert info.value.attempts == len(fake.log) > 3
    assert not fake.spreadsheets


def test_a_429_forever_gives_up_after_the_most_tries(fake: FakeGoogle, small: Ladder) -> None:
    clock = FakeClock()
    api = api_on(fake, clock, max_tries=4, deadline=10**6)
    fake.inject(429, count=10**6)
    with pytest.raises(GoogleApiError, match=r"gave up after 4 attempts: at most 4 tries"):
        gpublish.publish(plan_of(small), api)
    assert len(fake.log) == 4 and len(clock.sleeps) == 3


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_is_honoured(fake: FakeGoogle, small: Ladder, form: str) -> None:
    clock = FakeClock()
    api = api_on(fake, clock, backoff_base=0.01)
    value = "7" if form == "seconds" else email.utils.formatdate(time.time() + 9, usegmt=True)
    fake.inject(429, count=1, match="POST /v4/spreadsheets", retry_after=value)
    out = gpublish.publish(plan_of(small), api)
    assert out.spreadsheet_id in fake.spreadsheets
    assert len(clock.sleeps) == 1 and clock.sleeps[0] >= (7 if form == "seconds" else 7.5)
    assert fake.calls().count("sheets.spreadsheets.create") == 2


def test_a_retry_after_beyond_the_deadline_stops_at_once(fake: FakeGoogle, small: Ladder) -> None:
    clock = FakeClock()
    api = api_on(fake, clock, deadline=60.0)
    fake.inject(429, count=5, retry_after="3600")
    with pytest.raises(GoogleApiError, match="asked to wait 3600 s"):
        gpublish.publish(plan_of(small), api)
    assert len(fake.log) == 1 and clock.sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_post_answered_5xx_is_never_sent_again(fake: FakeGoogle, small: Ladder, status: int) -> None:
    clock = FakeClock()
    api = api_on(fake, clock)
    fake.inject(status, count=1, match="POST /v4/spreadsheets")
    with pytest.raises(GoogleApiError) as info:
        gpublish.publish(plan_of(small), api)
    assert info.value.status == status and info.value.attempts == 1
    assert fake.calls() == ["sheets.spreadsheets.create"] and clock.sleeps == []


def test_a_batch_update_answered_503_is_not_sent_again_and_the_sheet_is_removed(
        fake: FakeGoogle, small: Ladder) -> None:
    api = api_on(fake, FakeClock())
    fake.inject(503, count=1, match=":batchUpdate")
    with pytest.raises(gpublish.PublishError, match="was deleted"):
        gpublish.publish(plan_of(small), api)
    assert fake.calls() == ["sheets.spreadsheets.create", "sheets.spreadsheets.batchUpdate",
                            "drive.files.delete"]
    assert not fake.spreadsheets


def test_a_read_answered_5xx_is_retried(fake: FakeGoogle, small: Ladder) -> None:
    clock = FakeClock()
    api = api_on(fake, clock, backoff_base=0.5)
    out = gpublish.publish(plan_of(small), api)
    fake.inject(503, count=2, match="GET /v4/spreadsheets")
    mark = len(fake.log)
    assert open_grid(out.url, api).sheets
    assert fake.calls(mark) == ["sheets.spreadsheets.get"] * 3 and len(clock.sleeps) == 2


def test_a_post_whose_connection_broke_is_not_sent_again(fake: FakeGoogle, small: Ladder) -> None:
    sent: list[str] = []

    class Broken(requests.adapters.BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            sent.append(str(request.method))
            raise requests.ConnectionError("connection reset")

        def close(self) -> None:
            pass

    session = fake.session()
    session.mount("https://sheets.googleapis.com/", Broken())
    clock = FakeClock()
    api = GoogleApi(make_client(session, clock=clock, sleep=clock.sleep))
    with pytest.raises(GoogleApiError, match="network error: ConnectionError"):
        gpublish.publish(plan_of(small), api)
    assert sent == ["POST"]
    with pytest.raises(GoogleApiError, match="at most 6 tries"):
        api.get_spreadsheet("x" * 44, {"fields": "spreadsheetId"})
    assert sent.count("GET") == 6


def test_a_loopback_root_sends_gspreads_calls_to_it(fake: FakeGoogle, small: Ladder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(gclient.ENV_ROOT, fake.root)
    api = gclient.default_api()
    out = gpublish.publish(plan_of(small), api)
    assert out.spreadsheet_id in fake.spreadsheets and fake.timeouts == []  # over HTTP, not the adapter


# -- credentials as gspread finds them ----------------------------------------------------------


def _service_account_key(path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k", "private_key": pem,
        "client_email": "bot@p.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token"}))
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for name in (gclient.ENV_CREDENTIALS, gclient.ENV_ADC, gclient.ENV_TOKEN, gclient.ENV_ROOT):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_gspreads_default_service_account_file_is_used(home: Path) -> None:
    _service_account_key(home / ".config" / "gspread" / "service_account.json")
    creds = gclient.credentials_from()
    assert creds.service_account_email == "bot@p.iam.gserviceaccount.com"
    assert list(creds.scopes) == gclient.SCOPES


def test_google_application_credentials_is_used(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = _service_account_key(home / "adc.json")
    monkeypatch.setenv(gclient.ENV_ADC, str(key))
    assert gclient.credentials_from().service_account_email == "bot@p.iam.gserviceaccount.com"


def test_oauth_uses_gspreads_default_client_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = home / ".config" / "gspread" / "credentials.json"
    client.parent.mkdir(parents=True)
    client.write_text(json.dumps({"installed": {"client_id": "id", "client_secret": "s",
                                                "auth_uri": "https://a", "token_uri": "https://t",
                                                "redirect_uris": ["http://localhost"]}}))
    used: list[str] = []

    class Flow:
        @classmethod
        def from_client_secrets_file(cls, path: str, scopes: list[str]) -> Flow:
            used.append(path)
            return cls()

        def run_local_server(self, **kwargs: Any) -> Any:
            from google.oauth2.credentials import Credentials

            return Credentials("tok", refresh_token="r", client_id="id", client_secret="s",
                               token_uri="https://t", scopes=gclient.SCOPES)

    monkeypatch.setattr("google_auth_oauthlib.flow.InstalledAppFlow", Flow)
    gclient.credentials_from(oauth=True)
    assert used == [str(client)]
    token = home / ".config" / "sheetladder" / "google-token.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_without_any_credentials_the_message_names_every_way(home: Path) -> None:
    with pytest.raises(GoogleAuthError) as info:
        gclient.credentials_from()
    text = str(info.value)
    for way in ("--credentials", "--oauth", gclient.ENV_CREDENTIALS, gclient.ENV_ADC,
                "service_account.json"):
        assert way in text


# -- the OAuth token cache (issue 15, item 9) ---------------------------------------------------


def _expired_token(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"token": "old", "refresh_token": "r", "client_id": "id",
                                "client_secret": "s", "token_uri": "https://oauth2.googleapis.com/token",
                                "scopes": gclient.SCOPES, "expiry": "2000-01-01T00:00:00Z"}))
    return path


def test_the_token_is_written_0600_atomically_and_never_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    cache = tmp_path / "cfg" / "google-token.json"
    cache.parent.mkdir()
    cache.symlink_to(victim)
    gclient.save_token(cache, '{"token": "t"}')
    assert victim.read_text() == "precious"  # the link was replaced, not followed
    assert not cache.is_symlink() and json.loads(cache.read_text()) == {"token": "t"}
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert sorted(p.name for p in cache.parent.iterdir()) == ["google-token.json"]  # no temp left


def test_an_existing_token_readable_by_others_is_made_0600(home: Path, monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    cache = home / ".config" / "sheetladder" / "google-token.json"
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps({"token": "t", "refresh_token": "r", "client_id": "id",
                                 "client_secret": "s", "scopes": gclient.SCOPES,
                                 "expiry": "2999-01-01T00:00:00Z"}))
    os.chmod(cache, 0o644)
    gclient.credentials_from(oauth=True)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


@pytest.mark.parametrize("failure", ["invalid_grant", "transport"])
def test_a_failed_refresh_is_one_line_saying_to_sign_in_again(
        home: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    from google.auth import exceptions

    _expired_token(home / ".config" / "sheetladder" / "google-token.json")

    def refresh(self: Any, request: Any) -> None:
        if failure == "invalid_grant":
            raise exceptions.RefreshError("invalid_grant: Token has been expired or revoked.",
                                          {"error": "invalid_grant"})
        raise exceptions.TransportError("connection refused")

    monkeypatch.setattr("google.oauth2.credentials.Credentials.refresh", refresh)
    with pytest.raises(GoogleAuthError) as info:
        gclient.credentials_from(oauth=True)
    text = str(info.value)
    assert "\n" not in text and "sign in again" in text and "Traceback" not in text
    if failure == "invalid_grant":
        assert "invalid_grant" in text
    assert "old" not in text.replace("google-token", "")  # the token is never shown


def test_cli_publish_with_a_failed_refresh_prints_one_line(home: Path, monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from click.testing import CliRunner
    from google.auth import exceptions

    from sheetladder.cli import main

    _expired_token(home / ".config" / "sheetladder" / "google-token.json")

    def refresh(self: Any, request: Any) -> None:
        raise exceptions.RefreshError("invalid_grant: Bad Request", {"error": "invalid_grant"})

    monkeypatch.setattr("google.oauth2.credentials.Credentials.refresh", refresh)
    res = CliRunner().invoke(main, ["publish", str(ROOT / "definitions" / "sales-s1-s7.yaml"),
                                    "--person", "Ana", "--period", "2026-Q4", "--oauth"])
    assert res.exit_code == 1
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "sign in again" in lines[0], res.output


def test_a_loopback_root_never_asks_googles_token_endpoint(
        home: Path, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from sheetladder.cli import main

    _expired_token(home / ".config" / "sheetladder" / "google-token.json")
    key = _service_account_key(home / "key.json")
    asked: list[str] = []

    def no_token(self: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(url)
        raise AssertionError("a request went to Google's token endpoint")

    monkeypatch.setattr("google.auth.transport.requests.Request.__call__", no_token)
    monkeypatch.setenv(gclient.ENV_ROOT, fake.root)
    for flags in (["--oauth"], ["--credentials", str(key)]):
        res = CliRunner().invoke(main, ["publish", str(ROOT / "definitions" / "sales-s1-s7.yaml"),
                                        "--person", "Ana", *flags])
        assert res.exit_code == 0, res.output
    assert asked == [] and len(fake.spreadsheets) == 2
    assert {e.user for e in fake.log} == {OWNER}


# -- the policy, over every sequence of answers -------------------------------------------------


class Scripted(requests.adapters.BaseAdapter):
    """Answers each request with the next (status, Retry-After) of a script; 200 when it ends."""

    def __init__(self, script: list[tuple[int, str | None]]):
        super().__init__()
        self.script = list(script)
        self.sent: list[tuple[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append((str(request.method), kwargs.get("timeout")))
        status, after = self.script.pop(0) if self.script else (200, None)
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps({} if status < 400 else
                                   {"error": {"code": status, "message": "scripted"}}).encode()
        resp.headers = requests.structures.CaseInsensitiveDict(
            {"Retry-After": after} if after is not None else {})
        resp.request = request
        return resp

    def close(self) -> None:
        pass


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
       script=st.lists(st.tuples(st.sampled_from([200, 400, 403, 429, 500, 502, 503, 504]),
                                 st.one_of(st.none(), st.sampled_from(["0", "1", "5", "30", "900"]))),
                       max_size=12),
       max_tries=st.integers(1, 8), deadline=st.floats(1.0, 200.0))
def test_every_call_ends_within_its_tries_and_deadline_and_a_post_is_never_resent_after_a_5xx(
        method: str, script: list[tuple[int, str | None]], max_tries: int, deadline: float) -> None:
    adapter = Scripted(script)
    session = requests.Session()
    session.mount("https://", adapter)
    clock = FakeClock()
    api = GoogleApi(make_client(session, policy=RetryPolicy(max_tries=max_tries, deadline=deadline),
                                clock=clock, sleep=clock.sleep))
    start = clock.now
    try:
        api.call(method, "https://sheets.googleapis.com/v4/spreadsheets/x", body=None)
        ok = True
    except GoogleApiError:
        ok = False
    sent = len(adapter.sent)
    assert 1 <= sent <= max_tries
    assert clock.now - start <= deadline
    assert all(t is not None for _, t in adapter.sent)  # every attempt had a timeout
    answers = [s for s, _ in script[:sent]] + [200] * max(0, sent - len(script))
    for earlier in answers[:sent - 1]:  # every answer that was followed by another attempt ...
        assert earlier == 429 or (earlier >= 500 and method != "POST")  # ... was retryable
    assert ok == (answers[sent - 1] == 200)
    assert len(clock.sleeps) == sent - 1
    for (_, after), slept in zip(script, clock.sleeps, strict=False):  # Retry-After honoured
        assert after is None or slept >= float(after)


def test_publish_warns_of_the_rater_tabs_any_editor_can_fill(
        home: Path, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rater given no email has a tab no protection keeps to them: any editor of the sheet,
    the person rated too, could fill the manager's tab, and read said verified. publish says
    which tabs, and how to keep them to their raters; with every email given it says nothing."""
    from click.testing import CliRunner

    from sheetladder.cli import main

    key = _service_account_key(home / "key.json")
    monkeypatch.setenv(gclient.ENV_ROOT, fake.root)
    sales = str(ROOT / "definitions" / "sales-s1-s7.yaml")
    base = ["publish", sales, "--person", "Ana Diaz", "--period", "2026-Q4", "--credentials",
            str(key), "--rater", "self::ana@example.com"]
    res = CliRunner().invoke(main, [*base, "--rater", "manager:Bo Chen",
                                    "--rater", "peer:Cy Park:cy@example.com"])
    assert res.exit_code == 0, res.output
    warned = [x for x in res.stderr.splitlines() if x.startswith("warning:")]
    assert warned == [
        "warning: 1 rater tab(s) have no email (Ana Diaz: 'Bo Chen'): any editor of the sheet, "
        "the person rated included, can fill them; give each rater's email (--rater "
        "ROLE:NAME:EMAIL, or a roster's email columns, e.g. manager_email and peer_emails) so "
        "that only they can"], res.stderr
    res = CliRunner().invoke(main, [*base, "--rater", "manager:Bo Chen:bo@example.com"])
    assert res.exit_code == 0 and "warning" not in res.stderr, res.output
