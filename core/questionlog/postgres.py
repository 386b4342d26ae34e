"""The question log on PostgreSQL: one log shared by several processes or hosts (EXOBOT_DATABASE_URL).

Every query is the base class's; this module connects (asyncpg), numbers the placeholders, migrates
under a lock and searches with PostgreSQL's own text search.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from core.questionlog.records import QuestionRecord
from core.questionlog.schema import migrations, require_columns
from core.questionlog.store import INSERT_SQL, LogUnavailable, QuestionStore
from core.questionlog.writer import Connector

_MIGRATION_LOCK = 0x6578_6F62_6F74  # "exobot": one key, so only one process migrates a database at a time
_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
    " INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)"
)
_SEARCH_VECTOR = "to_tsvector('simple', coalesce(q.question, ''))"
"""The expression the search index (V3) is built on: the clause must repeat it word for word to use it."""


@functools.lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """The base class's ``?`` placeholders as PostgreSQL's ``$1, $2…``. No query has a ``?`` inside a
    string literal, so a plain substitution is enough."""
    counter = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


@contextlib.asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Server, network and driver failures as the one error callers handle.

    A DataError is about a value, not the database: text PostgreSQL refuses (a NUL character), or that
    cannot be encoded (a lone surrogate). It passes through, so the writer isolates the row and keeps
    the others, as it does for SQLite's UnicodeError.
    """
    try:
        yield
    except asyncpg.DataError:
        raise
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        raise LogUnavailable(f"{type(exc).__name__}: {exc}") from exc


def masked_url(url: str) -> str:
    """url without its password, for logs and messages: postgresql://user:***@host/db."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class PostgresStore(QuestionStore):
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(
        cls, url: str, *, upto: int | None = None, connect_timeout: float = 5.0, command_timeout: float = 30.0,
        migrate: bool = True,
    ) -> PostgresStore:  # fmt: skip
        """Connect and migrate to the newest schema (or to ``upto``, for tests); with migrate=False,
        only connect, for a process that has already seen the schema up to date.

        The timeouts bound how long a dead or unreachable server can hold the caller: short for the
        writer, which spools instead, longer for a moderator's query.
        """
        async with _translated():
            db = await asyncpg.connect(url, timeout=connect_timeout, command_timeout=command_timeout)
            if not migrate:
                return cls(db)
            try:
                await _migrate(db, upto)
                if upto is None:
                    columns = await db.fetch(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() AND table_name = 'questions'"
                    )
                    require_columns(str(r[0]) for r in columns)
            except BaseException:
                await db.close(timeout=connect_timeout)
                raise
        return cls(db)

    async def close(self) -> None:
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            await self._db.close(timeout=2)

    async def schema_version(self) -> int:
        return int((await self._fetch("SELECT version FROM schema_version"))[0][0])

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with _translated():
            status: str = await self._db.execute(numbered(sql), *params)
        # The command tag ("INSERT 0 1", "UPDATE 3", "DELETE 0") ends with the number of rows changed.
        count = status.rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        async with _translated():
            return [tuple(row) for row in await self._db.fetch(numbered(sql), *params)]

    async def insert(self, records: Sequence[QuestionRecord]) -> None:
        async with _translated(), self._db.transaction():
            await self._db.executemany(numbered(INSERT_SQL), [r.values() for r in records])

    async def refresh_statistics(self) -> None:
        # What autovacuum does within a minute or so, done at once after a bulk load: until then the
        # planner takes a freshly filled table for an empty one (and sorts tens of thousands of rows
        # where an index would hand over fifty), and counting from the day index must visit the table
        # for every row, since nothing has marked its pages all-visible yet.
        await self._execute("VACUUM (ANALYZE) questions")
        await self._execute("VACUUM (ANALYZE) votes")

    def _search_clause(self, terms: list[str]) -> tuple[str, tuple[Any, ...]]:
        # plainto_tsquery reads its text as plain words, all of them required: never as query syntax.
        return f"{_SEARCH_VECTOR} @@ plainto_tsquery('simple', ?)", (" ".join(terms),)


async def _migrate(db: asyncpg.Connection, upto: int | None) -> None:
    """Apply the migrations this database lacks, each in one transaction.

    Processes starting together against a new database queue on an advisory lock, and each re-reads the
    version once it holds the lock: a migration runs once, whoever gets there first.
    """
    wanted = [(v, sql) for v, sql in migrations("postgresql") if upto is None or v <= upto]
    if not wanted or await _version(db) >= wanted[-1][0]:
        return  # the usual start: nothing to do, no lock taken
    for version, sql in wanted:
        async with db.transaction():
            await db.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await db.execute(_VERSION_TABLE)
            if await _version(db) >= version:
                continue
            await db.execute(sql)
            await db.execute("UPDATE schema_version SET version = $1", version)


async def _version(db: asyncpg.Connection) -> int:
    if await db.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    return int(await db.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


def postgres_connector(url: str, spool_path: Path) -> Connector:
    """The writer and reviewers of a PostgreSQL log. The writer gives up quickly (it spools instead);
    the spool is a local file, since the point of spooling is that the server is out of reach."""
    checked = False

    async def reader() -> PostgresStore:
        # A review page or moderator command opens a connection each time: checking the schema once
        # per process is enough (the writer, which reopens after every outage, checks each time).
        nonlocal checked
        store = await PostgresStore.open(url, migrate=not checked)
        checked = True
        return store

    return Connector(
        writer=lambda: PostgresStore.open(url, connect_timeout=2.0, command_timeout=3.0),
        reader=reader,
        spool_path=spool_path,
        describe=masked_url(url),
    )
