"""A real PostgreSQL server for the tests, started on loopback from the Debian binaries.

The ``postgres_server`` fixture initialises a cluster in a temporary directory, starts it on a free
port with its unix socket in that directory, and stops it at the end of the session. PostgreSQL
refuses to run as root, so under root it runs as the ``postgres`` system user (created if
missing). On CI (``CI=true``) a missing PostgreSQL is a failure, never a silent skip.

``db_url`` gives each test an empty database, once on SQLite and once on that server. Test modules
import both fixture functions (``from .postgres import db_url_fixture, postgres_server_fixture``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(why: str) -> None:
    if _on_ci():
        pytest.fail(f"PostgreSQL is required on CI: {why} (scripts/install-test-deps installs it)")
    pytest.skip(f"PostgreSQL is not available: {why}; scripts/install-test-deps installs it")


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server binary from PATH or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> str | None:
    """The user to run the server as: None for the current one, ``postgres`` under root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/bin/false",
                        "postgres"], check=True, capture_output=True)
    return "postgres"


def _as(user: str | None, cmd: list[str]) -> list[str]:
    if user is None:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user, "--", *cmd]
    return ["su", "-s", "/bin/sh", user, "-c", " ".join(f"'{c}'" for c in cmd)]


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host=self.host, port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started here (the message says why)."""


@contextlib.contextmanager
def running_postgres(options: str = "-c fsync=off") -> Iterator[PostgresServer]:
    """A PostgreSQL server on loopback for the duration of the block, in a temporary directory
    removed afterwards. ``options`` are added to the server's command line (the tests turn
    fsync off; the collect benchmark keeps it on)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise PostgresUnavailable(
            "the psycopg package is not installed (pip install -e '.[test]')") from None
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("initdb/pg_ctl not found in PATH or /usr/lib/postgresql/*/bin")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="sl-pg-"))
    data, sock, log = root / "data", root / "sock", root / "server.log"
    sock.mkdir()
    if user is not None:
        pw = pwd.getpwnam(user)
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(root, 0o755)
    port = _free_port()
    try:
        subprocess.run(_as(user, [initdb, "-D", str(data), "-U", "postgres", "-A", "trust",
                                  "-E", "UTF8", "--no-locale"]),
                       check=True, capture_output=True, text=True, timeout=120)
        opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 {options} "
                "-c max_connections=50")
        subprocess.run(_as(user, [pg_ctl, "-D", str(data), "-l", str(log), "-o", opts, "-w",
                                  "-t", "60", "start"]),
                       check=True, capture_output=True, text=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        out = getattr(e, "stderr", "") or ""
        logtext = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {e}\n{out}\n{logtext}") from e
    server = PostgresServer(host="127.0.0.1", port=port, user="postgres")
    try:
        _wait_ready(server)
        yield server
    finally:
        subprocess.run(_as(user, [pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", name="postgres_server")
def postgres_server_fixture() -> Iterator[PostgresServer]:
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as e:
        _missing(str(e))
    except RuntimeError as e:
        pytest.fail(str(e))


def _wait_ready(server: PostgresServer, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(host=server.host, port=server.port, user=server.user,
                                 dbname="postgres", connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(params=["sqlite", "postgresql"], name="db_url")
def db_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty history database: a SQLite file, then a fresh database on the real server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()
