"""The Google side of sheetladder: gspread, with a retry policy that always ends, and credentials.

Every call goes through a ``gspread.Client`` over an authorised session (google-auth's
``AuthorizedSession``). Its HTTP client is :class:`BoundedRetryHTTPClient`, a gspread
``HTTPClient`` whose retries end: 429 (and Drive's rate-limit 403s) and 5xx are retried with
full jitter, at least as long as Retry-After asks, within a number of tries and a total
deadline; a POST answered 5xx is never sent again (it may have been carried out: a second
spreadsheet, a second chart); every request has a timeout. gspread's own ``BackOffHTTPClient``
retries without bound and sets no timeout, which is why it is not used.

gspread builds URLs on Google's hosts; ``SHEETLADDER_GOOGLE_API_ROOT`` (a proxy, an emulator,
the tests' fake) is honoured by rewriting those hosts in the HTTP client, and a loopback root
never sees credentials nor Google's token endpoint. Tokens live only inside the session;
nothing here prints or logs them.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import gspread
import requests
from gspread import urls
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from ..errors import SheetladderError

SHEETS_ROOT = "https://sheets.googleapis.com"
DRIVE_ROOT = "https://www.googleapis.com"
GOOGLE_HOSTS = (SHEETS_ROOT, DRIVE_ROOT)
SCOPES = ["https://www.googleapis.com/auth/drive.file"]

ENV_ROOT = "SHEETLADDER_GOOGLE_API_ROOT"
ENV_CREDENTIALS = "SHEETLADDER_GOOGLE_CREDENTIALS"
ENV_TOKEN = "SHEETLADDER_GOOGLE_TOKEN"
ENV_BACKOFF = "SHEETLADDER_GOOGLE_BACKOFF_BASE"
ENV_RETRIES = "SHEETLADDER_GOOGLE_MAX_RETRIES"
ENV_DEADLINE = "SHEETLADDER_GOOGLE_DEADLINE"
ENV_TIMEOUT = "SHEETLADDER_GOOGLE_TIMEOUT"
ENV_ADC = "GOOGLE_APPLICATION_CREDENTIALS"

# Drive signals some rate limits as 403 with these reasons; "storageQuotaExceeded" is not one.
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
TRANSIENT_STATUS = frozenset({408, 500, 502, 503, 504})

STORAGE_QUOTA_HELP = (
    "Google refused to create the file: the account's Drive storage quota is exceeded. "
    "A service account has no Drive storage of its own, so it cannot own new files. "
    "Either publish into a shared drive the service account is a member of "
    "(--folder FOLDER_ID of a folder in that shared drive), or sign in as a person with "
    "--oauth so the sheet is created in your own Drive."
)


# -- errors -------------------------------------------------------------------------------------


class GoogleApiError(SheetladderError):
    """A Sheets or Drive call that failed; the message names the call, never a token."""

    def __init__(self, call: str, status: int | None, message: str, reason: str | None = None,
                 attempts: int = 1, gave_up: str | None = None):
        self.call = call
        self.status = status
        self.reason = reason
        self.attempts = attempts
        self.detail = message
        text = f"{call} failed"
        if status is not None:
            text += f" with HTTP {status}"
        if reason:
            text += f" ({reason})"
        text += f": {message}"
        if attempts > 1 or gave_up:
            text += f" [gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
            text += f": {gave_up}]" if gave_up else "]"
        super().__init__(text)


class StorageQuotaError(GoogleApiError):
    """Drive's 'storage quota exceeded', typically a service account creating a file."""

    def __str__(self) -> str:
        return f"{STORAGE_QUOTA_HELP}\n({super().__str__()})"


class GoogleAuthError(SheetladderError):
    """No usable credentials, or a sign-in that no longer works: the message says what to do."""


# -- the retry policy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """When to send a request again, and when to stop.

    ``max_tries`` counts the first attempt; ``deadline`` bounds the whole call, waits included
    (a Retry-After beyond it ends the call at once); ``timeout`` is (connect, read) seconds of
    each attempt, the read part cut to what is left of the deadline."""

    max_tries: int = 6
    deadline: float = 120.0
    backoff_base: float = 1.0
    backoff_cap: float = 32.0
    timeout: tuple[float, float] = (10.0, 60.0)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        retries = int(_env_float(ENV_RETRIES, 5))
        read = _env_float(ENV_TIMEOUT, 60.0)
        return cls(max_tries=max(0, retries) + 1, deadline=max(1.0, _env_float(ENV_DEADLINE, 120.0)),
                   backoff_base=max(0.0, _env_float(ENV_BACKOFF, 1.0)),
                   timeout=(min(10.0, read), read))


class Pacer:
    """At most ``limit`` writes in any ``per`` seconds (Sheets allows 60 writes a minute per
    user): ``wait()`` before a write sleeps until the window has room. Clock and sleep are
    injected so tests run without sleeping."""

    def __init__(self, limit: int = 55, per: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if limit < 1:
            raise ValueError("a pacer needs a limit of at least 1")
        self.limit, self.per, self.clock, self.sleep = limit, per, clock, sleep
        self.sent: deque[float] = deque()
        self.waited = 0.0

    def wait(self) -> None:
        now = self.clock()
        while self.sent and self.sent[0] <= now - self.per:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            pause = self.sent[0] + self.per - now
            if pause > 0:
                self.sleep(pause)
                self.waited += pause
            now = self.clock()
            while self.sent and self.sent[0] <= now - self.per:
                self.sent.popleft()
        self.sent.append(now)


@dataclass
class CallRecord:
    method: str
    path: str
    status: int | None
    attempts: int


def _retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason_of(resp: requests.Response) -> tuple[str, str | None]:
    """Google's error body ({"error": {"message", "status", "errors": [{"reason"}]}}) in short."""
    try:
        data = resp.json()
    except ValueError:
        return (resp.reason or "error"), None
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return (resp.reason or "error"), None
    message = str(err.get("message") or resp.reason or "error")
    reason = None
    errors = err.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        reason = errors[0].get("reason")
    if reason is None:
        reason = err.get("status")
    return message, (str(reason) if reason else None)


class BoundedRetryHTTPClient(HTTPClient):
    """gspread's HTTPClient with a retry policy that always ends (see the module docstring).

    gspread constructs it as ``http_client(auth, session)``; :func:`make_client` then sets the
    policy, root, clock and pacer. Failures are gspread's own exceptions (``APIError``, or
    requests' transport errors) carrying ``attempts`` and ``gave_up``, so gspread code written
    against the stock client keeps working."""

    def __init__(self, auth: Any, session: requests.Session | None = None) -> None:
        super().__init__(auth, session)
        self.policy = RetryPolicy()
        self.timeout = self.policy.timeout
        self.root: str | None = None
        self.clock: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], None] = time.sleep
        self.jitter: Callable[[], float] = random.random
        self.pacer: Pacer | None = None
        self.calls: list[CallRecord] = []

    def configure(self, policy: RetryPolicy | None = None, root: str | None = None, *,
                  clock: Callable[[], float] | None = None,
                  sleep: Callable[[float], None] | None = None,
                  jitter: Callable[[], float] | None = None, pacer: Pacer | None = None) -> None:
        if policy is not None:
            self.policy = policy
            self.timeout = policy.timeout
        self.root = root.rstrip("/") if root else None
        self.clock = clock or self.clock
        self.sleep = sleep or self.sleep
        self.jitter = jitter or self.jitter
        self.pacer = pacer

    def _url(self, endpoint: str) -> str:
        if self.root:
            for host in GOOGLE_HOSTS:
                if endpoint.startswith(host + "/"):
                    return self.root + endpoint[len(host):]
        return endpoint

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        p = self.policy
        return self.jitter() * min(p.backoff_cap, p.backoff_base * (2 ** attempt))

    def request(self, method: str, endpoint: str, params: Any = None, data: bytes | None = None,
                json: Mapping[str, Any] | None = None, files: Any = None,
                headers: Any = None) -> requests.Response:
        verb = method.upper()
        url = self._url(endpoint)
        path = urlsplit(url).path
        p = self.policy
        start = self.clock()
        attempts = 0
        while True:
            attempts += 1
            if self.pacer is not None and verb != "GET":
                self.pacer.wait()
            left = p.deadline - (self.clock() - start)
            timeout = self.timeout
            if isinstance(timeout, tuple):
                timeout = (timeout[0], max(1.0, min(timeout[1], left)))
            elif timeout is None:
                timeout = p.timeout
            try:
                resp = self.session.request(method=verb, url=url, json=json, params=params,
                                            data=data, files=files, headers=headers,
                                            timeout=timeout)
            except requests.RequestException as e:
                # A POST may have landed before the connection broke: never sent twice.
                wait = self._backoff(attempts - 1)
                why = self._stop(verb != "POST", attempts, start, wait, None)
                if why is None:
                    self.sleep(wait)
                    continue
                self.calls.append(CallRecord(verb, path, None, attempts))
                e.attempts = attempts  # type: ignore[attr-defined]
                e.gave_up = why or None  # type: ignore[attr-defined]
                raise
            status = resp.status_code
            if resp.ok:
                self.calls.append(CallRecord(verb, path, status, attempts))
                return resp
            _, reason = _reason_of(resp)
            refused = status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS)
            transient = status in TRANSIENT_STATUS and verb != "POST"
            wait = self._backoff(attempts - 1)
            asked = _retry_after(resp.headers.get("Retry-After"), self.clock())
            if asked is not None:
                wait = max(wait, asked)
            why = self._stop(refused or transient, attempts, start, wait, asked)
            if why is None:
                self.sleep(wait)
                continue
            self.calls.append(CallRecord(verb, path, status, attempts))
            err = APIError(resp)
            err.attempts = attempts  # type: ignore[attr-defined]
            err.gave_up = why or None  # type: ignore[attr-defined]
            raise err

    def _stop(self, retryable: bool, attempts: int, start: float, wait: float,
              asked: float | None) -> str | None:
        """None to try again, else why not (for the error message; "" when not retryable)."""
        if not retryable:
            return ""
        p = self.policy
        if attempts >= p.max_tries:
            return f"at most {p.max_tries} tries"
        spent = self.clock() - start
        if spent + wait > p.deadline:
            if asked is not None and asked > p.deadline - spent:
                return (f"Google asked to wait {asked:.0f} s, beyond the {p.deadline:.0f} s "
                        "deadline; try again later")
            return f"the {p.deadline:.0f} s deadline would pass ({spent:.1f} s spent)"
        return None


# -- the calls sheetladder makes ----------------------------------------------------------------


def make_client(session: requests.Session, *, policy: RetryPolicy | None = None,
                root: str | None = None, clock: Callable[[], float] | None = None,
                sleep: Callable[[float], None] | None = None,
                jitter: Callable[[], float] | None = None,
                pacer: Pacer | None = None) -> gspread.Client:
    """A gspread.Client over ``session`` (an AuthorizedSession, or any requests session) whose
    HTTP client is :class:`BoundedRetryHTTPClient`."""
    gc = gspread.Client(None, session=session, http_client=BoundedRetryHTTPClient)  # type: ignore[arg-type]
    hc = gc.http_client
    assert isinstance(hc, BoundedRetryHTTPClient)
    hc.configure(policy, root, clock=clock, sleep=sleep, jitter=jitter, pacer=pacer)
    return gc


class GoogleApi:
    """The few Sheets v4 and Drive v3 calls sheetladder makes, over a gspread.Client (ours from
    :func:`make_client`, or a user's own). Failures become :class:`GoogleApiError`."""

    def __init__(self, client: gspread.Client):
        self.client = client
        self._calls: list[CallRecord] = []

    @property
    def http(self) -> HTTPClient:
        return self.client.http_client

    @property
    def calls(self) -> list[CallRecord]:
        hc = self.client.http_client
        return hc.calls if isinstance(hc, BoundedRetryHTTPClient) else self._calls

    def call(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
             body: Any = None, label: str | None = None) -> dict[str, Any]:
        """Send one call through the gspread client; the JSON answer, or GoogleApiError."""
        name = label or f"{method} {urlsplit(url).path}"
        ours = isinstance(self.client.http_client, BoundedRetryHTTPClient)
        try:
            resp = self.client.http_client.request(method.lower(), url, params=dict(params or {}),
                                                   json=body)
        except APIError as e:
            message, reason = _reason_of(e.response)
            status = e.response.status_code
            if not ours:
                self._calls.append(CallRecord(method, urlsplit(url).path, status, 1))
            attempts = getattr(e, "attempts", 1)
            gave_up = getattr(e, "gave_up", None)
            if status == 403 and (reason == "storageQuotaExceeded"
                                  or "storage quota" in message.lower()):
                raise StorageQuotaError(name, status, message, reason, attempts) from None
            raise GoogleApiError(name, status, message, reason, attempts, gave_up) from None
        except requests.RequestException as e:
            if not ours:
                self._calls.append(CallRecord(method, urlsplit(url).path, None, 1))
            raise GoogleApiError(name, None, f"network error: {type(e).__name__}",
                                 attempts=getattr(e, "attempts", 1),
                                 gave_up=getattr(e, "gave_up", None)) from None
        if not ours:
            self._calls.append(CallRecord(method, urlsplit(url).path, resp.status_code, 1))
        if not resp.content:
            return {}
        try:
            data = resp.json()
        except ValueError:
            raise GoogleApiError(name, resp.status_code, "the response is not JSON") from None
        return data if isinstance(data, dict) else {"value": data}

    def create_spreadsheet(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.call("POST", urls.SPREADSHEETS_API_V4_BASE_URL, body=body,
                         label="spreadsheets.create")

    def batch_update(self, spreadsheet_id: str, requests_: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("POST", urls.SPREADSHEET_BATCH_UPDATE_URL % quote(spreadsheet_id),
                         body={"requests": requests_}, label="spreadsheets.batchUpdate")

    def get_spreadsheet(self, spreadsheet_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.call("GET", urls.SPREADSHEET_URL % quote(spreadsheet_id), params=params,
                         label="spreadsheets.get")

    def create_file(self, metadata: Mapping[str, Any], params: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
        return self.call("POST", urls.DRIVE_FILES_API_V3_URL, body=metadata, params=params,
                         label="drive.files.create")

    def copy_file(self, file_id: str, metadata: Mapping[str, Any],
                  params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.call("POST", f"{urls.DRIVE_FILES_API_V3_URL}/{quote(file_id)}/copy",
                         body=metadata, params=params, label="drive.files.copy")

    def find_spreadsheets(self, name: str) -> list[str]:
        """Ids of the spreadsheets named exactly ``name`` that this account can see (with the
        drive.file scope: the ones it made)."""
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        found = self.call("GET", urls.DRIVE_FILES_API_V3_URL, params={
            "q": f"name = '{quoted}' and mimeType = '{SPREADSHEET_MIME}' and trashed = false",
            "fields": "files(id)", "supportsAllDrives": "true", "includeItemsFromAllDrives": "true",
        }, label="drive.files.list")
        files = found.get("files")
        return [str(f["id"]) for f in files if isinstance(f, dict) and "id" in f] \
            if isinstance(files, list) else []

    def delete_file(self, file_id: str) -> None:
        self.call("DELETE", f"{urls.DRIVE_FILES_API_V3_URL}/{quote(file_id)}",
                  params={"supportsAllDrives": "true"}, label="drive.files.delete")

    def create_permission(self, file_id: str, body: Mapping[str, Any],
                          params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        # gspread's insert_permission sends Drive v2's "withLink", which v3 does not define
        return self.call("POST", f"{urls.DRIVE_FILES_API_V3_URL}/{quote(file_id)}/permissions",
                         body=body, params=params, label="drive.permissions.create")


def as_api(client: GoogleApi | gspread.Client | None) -> GoogleApi:
    """The library accepts our GoogleApi, a user's own gspread.Client, or None (configured from
    the environment)."""
    if client is None:
        return default_api()
    if isinstance(client, GoogleApi):
        return client
    if isinstance(client, gspread.Client):
        return GoogleApi(client)
    raise TypeError(f"expected a gspread.Client, got {type(client).__name__}")


# -- credentials --------------------------------------------------------------------------------


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def is_loopback(root: str) -> bool:
    host = urlsplit(root).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def gspread_dir() -> Path:
    """gspread's config folder (~/.config/gspread, %APPDATA%\\gspread), looked up at call time."""
    return Path(gspread.auth.get_config_dir())


def token_path() -> Path:
    """Where the OAuth token of --oauth is cached (only readable by its owner):
    $SHEETLADDER_GOOGLE_TOKEN, else ours if it exists, else gspread's ``authorized_user.json``
    if it exists (gspread's oauth() signs in once the same way), else ours."""
    env = os.environ.get(ENV_TOKEN)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    ours = base / "sheetladder" / "google-token.json"
    theirs = gspread_dir() / "authorized_user.json"
    if not ours.exists() and theirs.exists():
        return theirs
    return ours


def save_token(path: Path, text: str) -> None:
    """Write the token atomically with mode 0600: a temp file made with O_EXCL in the same
    folder, then renamed over the path. A symlink at the path is replaced, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".token-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read_key(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoogleAuthError(f"{path}: credentials file not found") from None
    except (OSError, ValueError) as e:
        raise GoogleAuthError(f"{path}: not a readable JSON credentials file ({type(e).__name__})") from None
    if not isinstance(data, dict):
        raise GoogleAuthError(f"{path}: not a JSON credentials file")
    return data


def _signin_again(cache: Path, why: str) -> GoogleAuthError:
    return GoogleAuthError(
        f"the saved Google sign-in in {cache} no longer works ({why}): sign in again with "
        "--oauth --credentials CLIENT.json (the OAuth client file)")


def _oauth_credentials(client_file: Path | None) -> Any:
    """The installed-app flow: reuse the cached token (refreshing it), else ask for consent."""
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    cache = token_path()
    creds: Any = None
    if cache.is_file():
        if not cache.is_symlink() and stat.S_IMODE(cache.stat().st_mode) & 0o077:
            os.chmod(cache, 0o600)  # a cache made by an older version or by hand: ours only
        try:
            creds = Credentials.from_authorized_user_file(str(cache), SCOPES)
        except (OSError, ValueError):
            creds = None
    if creds is not None and creds.valid:
        return creds
    if creds is not None and creds.refresh_token:
        try:
            creds.refresh(Request())
            save_token(cache, creds.to_json())
            return creds
        except RefreshError as e:
            if client_file is None:
                raise _signin_again(cache, _refresh_reason(e)) from None
        except (TransportError, requests.RequestException) as e:
            raise GoogleAuthError(
                f"could not reach Google to renew the saved sign-in in {cache} "
                f"({type(e).__name__}): check the network and try again, or sign in again with "
                "--oauth --credentials CLIENT.json") from None
    if client_file is None:
        default = gspread_dir() / "credentials.json"
        if default.is_file():
            client_file = default
    if client_file is None:
        raise GoogleAuthError(
            "--oauth needs an OAuth client file (Google Cloud console > Credentials > "
            f"OAuth client ID > Desktop app): pass it with --credentials, set {ENV_CREDENTIALS}, "
            f"or save it as {gspread_dir() / 'credentials.json'}"
        )
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), SCOPES)
    creds = flow.run_local_server(port=0, open_browser=True)
    save_token(cache, creds.to_json())
    return creds


def _refresh_reason(e: Exception) -> str:
    text = str(e)
    for known in ("invalid_grant", "invalid_client", "unauthorized_client"):
        if known in text:
            return known
    return type(e).__name__


def credentials_from(credentials: str | None = None, oauth: bool = False) -> Any:
    """google-auth credentials with the drive.file scope, found as gspread finds them too.

    In order: ``credentials`` (--credentials), $SHEETLADDER_GOOGLE_CREDENTIALS,
    $GOOGLE_APPLICATION_CREDENTIALS, gspread's ``service_account.json``; with ``oauth`` the
    installed-app flow (client file from the above or gspread's ``credentials.json``). Without
    any of them, a saved sign-in (ours or gspread's ``authorized_user.json``) is used. A file
    may be a service-account key, an OAuth client file, or an authorized-user file.
    """
    path_text = credentials or os.environ.get(ENV_CREDENTIALS) or os.environ.get(ENV_ADC)
    path = Path(path_text).expanduser() if path_text else None
    if path is None and not oauth:
        sa = gspread_dir() / "service_account.json"
        if sa.is_file():
            path = sa
        elif token_path().is_file():
            return _oauth_credentials(None)
    if path is None and not oauth:
        raise GoogleAuthError(
            "no Google credentials: pass --credentials KEY.json (a service-account key), "
            f"or --oauth to sign in as yourself, or set {ENV_CREDENTIALS} or {ENV_ADC} "
            f"(gspread's {gspread_dir() / 'service_account.json'} is used too)"
        )
    data = _read_key(path) if path is not None else {}
    kind = data.get("type")
    if oauth or "installed" in data or "web" in data:
        return _oauth_credentials(path if ("installed" in data or "web" in data) else None)
    if kind == "service_account":
        from google.oauth2 import service_account

        try:
            return service_account.Credentials.from_service_account_info(data, scopes=SCOPES)
        except (ValueError, KeyError) as e:
            raise GoogleAuthError(f"{path}: not a valid service-account key ({e})") from None
    if kind == "authorized_user":
        from google.oauth2.credentials import Credentials

        try:
            return Credentials.from_authorized_user_info(data, SCOPES)
        except ValueError as e:
            raise GoogleAuthError(f"{path}: not a valid authorized-user file ({e})") from None
    raise GoogleAuthError(
        f"{path}: not a service-account key, an OAuth client file or an authorized-user file"
    )


def default_client(credentials: str | None = None, oauth: bool = False, *,
                   pacer: Pacer | None = None) -> gspread.Client:
    """A gspread.Client for the configured root. A loopback root (the tests' fake, a local
    emulator) gets a plain session: no credentials are read and no token is asked for."""
    root = os.environ.get(ENV_ROOT) or None
    session: requests.Session
    if root and is_loopback(root):
        session = requests.Session()
    else:
        from google.auth.transport.requests import AuthorizedSession

        session = AuthorizedSession(credentials_from(credentials, oauth))
    return make_client(session, policy=RetryPolicy.from_env(), root=root, pacer=pacer)


def default_api(credentials: str | None = None, oauth: bool = False, *,
                pacer: Pacer | None = None) -> GoogleApi:
    return GoogleApi(default_client(credentials, oauth, pacer=pacer))
