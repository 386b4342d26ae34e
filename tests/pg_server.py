"""A real, throwaway PostgreSQL server for tests and benchmarks, and the fixtures that share it.

Tests of the PostgreSQL log run against Debian's own server binaries (``initdb``, ``pg_ctl``) in a
temporary folder: no container, no network, nothing left behind. initdb refuses to run as root (CI
does), so the cluster then belongs to an unprivileged system user. Without PostgreSQL installed the
tests skip, unless ``EXOBOT_REQUIRE_SERVERS=1`` (CI) says a skip would hide a failure.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.questionlog.postgres import postgres_connector
from core.questionlog.sqlite import sqlite_connector
from tests.logtools import LogBackend
from tests.needs import unavailable
from tests.processes import free_port

SERVER_USER = "exobot-test"
"""The system user that owns the cluster when the tests run as root."""
ROLE, PASSWORD = "exobot", "pg-test-password-9f3b"
INSTALL_HINT = "apt-get install postgresql (Debian) to run these tests"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest Debian version, else whatever is on PATH."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found and shutil.which("pg_ctl", path=str(Path(found).parent)) else None


class PostgresServer:
    """One PostgreSQL cluster on 127.0.0.1 and a free port, with a password-protected role.

    ``durable=False`` turns fsync off: tests need speed, not crash safety. Benchmarks keep it on, so
    the figure is comparable with SQLite's synchronous commits.
    """

    def __init__(self, binaries: Path, *, durable: bool = False) -> None:
        self.binaries = binaries
        self.durable = durable
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="exobot-pg-"))
        self.data = self.root / "data"
        self._user = _unprivileged_user()
        self._numbers = itertools.count(1)

    def url(self, database: str = "postgres", *, port: int | None = None) -> str:
        return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{port or self.port}/{database}"

    def start(self) -> None:
        """Create the cluster on the first start; start (or restart) the server and wait until it accepts."""
        if not self.data.exists():
            password_file = self.root / "password"
            password_file.write_text(PASSWORD, encoding="utf-8")
            if self._user is not None:
                os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
                os.chown(password_file, self._user.pw_uid, self._user.pw_gid)
            self._run(
                "initdb", "-D", str(self.data), "-U", ROLE, f"--pwfile={password_file}", "--auth-host=scram-sha-256",
                "--auth-local=trust", "--encoding=UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
            password_file.unlink()
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop the server at once (open connections are cut, as when a server goes down)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self) -> str:
        """A new, empty database of its own; its URL. (createdb over the server's own socket, which
        trusts local connections, so this needs neither a password nor an event loop.)"""
        name = f"test_{next(self._numbers)}"
        subprocess.run(
            [str(self.binaries / "createdb"), "-h", str(self.root), "-p", str(self.port), "-U", ROLE, name],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return self.url(name)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self._user is not None:
            command = ["runuser", "-u", self._user.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.root, timeout=120)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout}{result.stderr}{tail}")


def _unprivileged_user() -> pwd.struct_passwd | None:
    """None when not root; as root, the test user (created once as a system user)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER], check=True
        )
        return pwd.getpwnam(SERVER_USER)


@contextlib.contextmanager
def running_server(*, durable: bool = False) -> Iterator[PostgresServer | None]:
    """A started server, removed afterwards; None when PostgreSQL is not installed."""
    binaries = server_binaries()
    if binaries is None:
        yield None
        return
    server = PostgresServer(binaries, durable=durable)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _required_server() -> Iterator[PostgresServer]:
    with running_server() as server:
        if server is None:
            unavailable("PostgreSQL", INSTALL_HINT)
        assert server is not None
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    yield from _required_server()


@pytest.fixture
def own_pg_server() -> Iterator[PostgresServer]:
    """A server for one test alone, which may stop and restart it without disturbing the others."""
    yield from _required_server()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a fresh database on the session's server: every test starts from nothing."""
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def log_backend(request: pytest.FixtureRequest, tmp_path: Path) -> LogBackend:
    """The question log on each database in turn, so one test checks both. The PostgreSQL server
    starts only when a PostgreSQL case runs."""
    if request.param == "sqlite":
        return LogBackend("sqlite", sqlite_connector(tmp_path / "q.db"))
    url = request.getfixturevalue("pg_url")
    return LogBackend("postgresql", postgres_connector(url, tmp_path / "exobot-postgres.spool.jsonl"))
