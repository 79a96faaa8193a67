"""A small client for the few Sheets v4 and Drive v3 calls sheetladder makes.

Why not gspread's client: its backoff retries without bound (and treats Drive's
"storage quota exceeded" 403 as a rate limit), and it hard-codes Google's hosts. This client
sends plain JSON over one HTTP session, retries 429/5xx a bounded number of times with
exponential backoff and full jitter, turns Google's error bodies into short messages, and can
point every call at another root (``SHEETLADDER_GOOGLE_API_ROOT``) for tests, proxies and
emulators. Tokens live only inside the session; nothing here prints or logs them.
"""

from __future__ import annotations

import json
import os
import random
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from ..errors import SheetladderError

SHEETS_ROOT = "https://sheets.googleapis.com"
DRIVE_ROOT = "https://www.googleapis.com"
SCOPES = ["https://www.googleapis.com/auth/drive.file"]

ENV_ROOT = "SHEETLADDER_GOOGLE_API_ROOT"
ENV_CREDENTIALS = "SHEETLADDER_GOOGLE_CREDENTIALS"
ENV_TOKEN = "SHEETLADDER_GOOGLE_TOKEN"
ENV_BACKOFF = "SHEETLADDER_GOOGLE_BACKOFF_BASE"
ENV_RETRIES = "SHEETLADDER_GOOGLE_MAX_RETRIES"

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
NOT_DONE_STATUS = frozenset({429, 503})  # the request was refused before it was carried out
IDEMPOTENT = frozenset({"GET", "PUT", "PATCH", "DELETE"})
# Drive signals some rate limits as 403 with these reasons; "storageQuotaExceeded" is not one.
RETRY_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})

STORAGE_QUOTA_HELP = (
    "Google refused to create the file: the account's Drive storage quota is exceeded. "
    "A service account has no Drive storage of its own, so it cannot own new files. "
    "Either publish into a shared drive the service account is a member of "
    "(--folder FOLDER_ID of a folder in that shared drive), or sign in as a person with "
    "--oauth so the sheet is created in your own Drive."
)


class GoogleApiError(SheetladderError):
    """A Sheets or Drive call that failed; the message names the call, never a token."""

    def __init__(self, call: str, status: int | None, message: str, reason: str | None = None,
                 attempts: int = 1):
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
        if attempts > 1:
            text += f" [gave up after {attempts} attempts]"
        super().__init__(text)


class StorageQuotaError(GoogleApiError):
    """Drive's 'storage quota exceeded', typically a service account creating a file."""

    def __str__(self) -> str:
        return f"{STORAGE_QUOTA_HELP}\n({super().__str__()})"


class GoogleAuthError(SheetladderError):
    """No usable credentials: the message says which options exist."""


@dataclass
class CallRecord:
    method: str
    path: str
    status: int | None
    attempts: int


def is_loopback(root: str) -> bool:
    host = urlsplit(root).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


@dataclass
class GoogleApi:
    """One HTTP session plus the roots of the Sheets and Drive endpoints."""

    session: requests.Session
    root: str | None = None
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 32.0
    timeout: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def sheets_root(self) -> str:
        return (self.root or SHEETS_ROOT).rstrip("/")

    @property
    def drive_root(self) -> str:
        return (self.root or DRIVE_ROOT).rstrip("/")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]; Retry-After if larger."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        delay = self.jitter() * ceiling
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), self.backoff_cap))
            except ValueError:
                pass
        return delay

    def call(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
             body: Any = None, label: str | None = None) -> dict[str, Any]:
        """Send one API call, retrying 429/5xx (and Drive rate-limit 403s) a bounded number of
        times; returns the JSON body or raises GoogleApiError."""
        name = label or f"{method} {urlsplit(url).path}"
        attempts = 0
        while True:
            attempts += 1
            try:
                resp = self.session.request(method, url, params=params, json=body,
                                            timeout=self.timeout)
            except requests.RequestException as e:
                # Only reads are retried after a transport failure: a POST may have landed.
                if method == "GET" and attempts <= self.max_retries:
                    self.sleep(self._delay(attempts - 1, None))
                    continue
                self.calls.append(CallRecord(method, urlsplit(url).path, None, attempts))
                raise GoogleApiError(name, None, f"network error: {type(e).__name__}",
                                     attempts=attempts) from None
            status = resp.status_code
            if status < 400:
                self.calls.append(CallRecord(method, urlsplit(url).path, status, attempts))
                if not resp.content:
                    return {}
                try:
                    data = resp.json()
                except ValueError:
                    raise GoogleApiError(name, status, "the response is not JSON",
                                         attempts=attempts) from None
                return data if isinstance(data, dict) else {"value": data}
            message, reason = _error_of(resp)
            # A POST answered 500/502/504 may have been carried out (a spreadsheet made, a chart
            # added): sending it again could duplicate it, so only "not done" answers retry it.
            statuses = RETRY_STATUS if method in IDEMPOTENT else NOT_DONE_STATUS
            retry = status in statuses or (status == 403 and reason in RETRY_REASONS)
            if retry and attempts <= self.max_retries:
                self.sleep(self._delay(attempts - 1, resp.headers.get("Retry-After")))
                continue
            self.calls.append(CallRecord(method, urlsplit(url).path, status, attempts))
            if status == 403 and (reason == "storageQuotaExceeded"
                                  or "storage quota" in message.lower()):
                raise StorageQuotaError(name, status, message, reason, attempts)
            raise GoogleApiError(name, status, message, reason, attempts)

    # -- the calls sheetladder makes ------------------------------------------------------------

    def create_spreadsheet(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.call("POST", f"{self.sheets_root}/v4/spreadsheets", body=body,
                         label="spreadsheets.create")

    def batch_update(self, spreadsheet_id: str, requests_: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("POST", f"{self.sheets_root}/v4/spreadsheets/{quote(spreadsheet_id)}:batchUpdate",
                         body={"requests": requests_}, label="spreadsheets.batchUpdate")

    def get_spreadsheet(self, spreadsheet_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.call("GET", f"{self.sheets_root}/v4/spreadsheets/{quote(spreadsheet_id)}",
                         params=params, label="spreadsheets.get")

    def create_file(self, metadata: Mapping[str, Any], params: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
        return self.call("POST", f"{self.drive_root}/drive/v3/files", body=metadata,
                         params=params, label="drive.files.create")

    def delete_file(self, file_id: str) -> None:
        self.call("DELETE", f"{self.drive_root}/drive/v3/files/{quote(file_id)}",
                  params={"supportsAllDrives": "true"}, label="drive.files.delete")

    def create_permission(self, file_id: str, body: Mapping[str, Any],
                          params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.call("POST", f"{self.drive_root}/drive/v3/files/{quote(file_id)}/permissions",
                         body=body, params=params, label="drive.permissions.create")


def _error_of(resp: requests.Response) -> tuple[str, str | None]:
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


# -- credentials --------------------------------------------------------------------------------


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def token_path() -> Path:
    """Where the OAuth refresh token of --oauth is cached (only readable by its owner)."""
    env = os.environ.get(ENV_TOKEN)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "sheetladder" / "google-token.json"


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


def _oauth_credentials(client_file: Path | None) -> Any:
    """The installed-app flow: reuse the cached token, else open the browser for consent."""
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    cache = token_path()
    creds: Any = None
    if cache.exists():
        try:
            creds = Credentials.from_authorized_user_file(str(cache), SCOPES)
        except (OSError, ValueError):
            creds = None
    if creds is not None and creds.valid:
        return creds
    if creds is not None and creds.expired and creds.refresh_token:
        try:
            creds.refresh(Request())
            _save_token(cache, creds.to_json())
            return creds
        except Exception:  # a revoked token: ask for consent again
            creds = None
    if client_file is None:
        raise GoogleAuthError(
            "--oauth needs an OAuth client file (Google Cloud console > Credentials > "
            f"OAuth client ID > Desktop app): pass it with --credentials or set {ENV_CREDENTIALS}"
        )
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_file), SCOPES)
    creds = flow.run_local_server(port=0, open_browser=True)
    _save_token(cache, creds.to_json())
    return creds


def _save_token(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def credentials_from(credentials: str | None = None, oauth: bool = False) -> Any:
    """google-auth credentials with the drive.file scope from a key file or user consent.

    ``credentials`` (or $SHEETLADDER_GOOGLE_CREDENTIALS) may be a service-account key, an
    OAuth client file (then the installed-app flow runs), or an authorized-user file.
    """
    path_text = credentials or os.environ.get(ENV_CREDENTIALS)
    path = Path(path_text).expanduser() if path_text else None
    if path is None and not oauth:
        raise GoogleAuthError(
            "no Google credentials: pass --credentials KEY.json (a service-account key), "
            f"or --oauth to sign in as yourself, or set {ENV_CREDENTIALS}"
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


def default_api(credentials: str | None = None, oauth: bool = False) -> GoogleApi:
    """A client for the configured root: a loopback root needs no credentials."""
    root = os.environ.get(ENV_ROOT) or None
    session: requests.Session
    if root and is_loopback(root) and not credentials and not oauth:
        session = requests.Session()
    else:
        from google.auth.transport.requests import AuthorizedSession

        session = AuthorizedSession(credentials_from(credentials, oauth))
    retries = int(_env_float(ENV_RETRIES, 5))
    return GoogleApi(session=session, root=root, max_retries=max(0, retries),
                     backoff_base=_env_float(ENV_BACKOFF, 1.0))
