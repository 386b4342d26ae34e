"""The question log in an SQLite file: the embedded default, which needs nothing installed."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from core.questionlog.records import QuestionRecord
from core.questionlog.schema import migrations, require_columns
from core.questionlog.store import INSERT_SQL, LogUnavailable, QuestionStore
from core.questionlog.writer import Connector


@contextlib.asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Database and file-system failures, whatever raised them, as the one error callers handle."""
    try:
        yield
    except UnicodeError:  # a row's text, not the database: the writer finds the row and spools it
        raise
    except (sqlite3.Error, OSError, ValueError) as exc:  # ValueError: aiosqlite's closed connection
        raise LogUnavailable(f"{type(exc).__name__}: {exc}") from exc


class SqliteStore(QuestionStore):
    def __init__(self, path: Path, connection: aiosqlite.Connection) -> None:
        self.path = path
        self._db = connection
        self._identity = _identity(path)

    @classmethod
    async def open(cls, path: Path, *, upto: int | None = None, busy_timeout: float = 2.0) -> SqliteStore:
        """Open (creating if needed) and migrate to the newest schema, or to ``upto`` for tests.

        busy_timeout is how long a statement waits for another connection's lock before failing: short
        for the writer, which spools rather than wait, longer for a moderator's command.
        """
        async with _translated():
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None)
            try:
                await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
                await db.execute("PRAGMA journal_mode = WAL")
                # FULL: a commit is on disk before the answer that waited for it goes out.
                await db.execute("PRAGMA synchronous = FULL")
                # Deleted rows (forget-me) are overwritten with zeros, not left readable in free pages.
                await db.execute("PRAGMA secure_delete = ON")
                await _migrate(db, upto)
                if upto is None:
                    async with db.execute("PRAGMA table_info(questions)") as cursor:
                        require_columns(str(row[1]) for row in await cursor.fetchall())
            except BaseException:
                await db.close()
                raise
        return cls(path, db)

    async def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, ValueError):
            await self._db.close()

    def stale(self) -> bool:
        """True if the database file was deleted or swapped under us.

        SQLite happily keeps writing to a deleted file's inode, so without this check rows written after
        someone removes the file would vanish when the connection closes.
        """
        return _identity(self.path) != self._identity

    async def schema_version(self) -> int:
        return int((await self._fetch("PRAGMA user_version"))[0][0])

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with _translated():
            cursor = await self._db.execute(sql, params)
            return int(cursor.rowcount)

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        async with _translated(), self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def insert(self, records: Sequence[QuestionRecord]) -> None:
        async with _translated():
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.executemany(INSERT_SQL, [r.values() for r in records])
                await self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # nothing to roll back when BEGIN itself failed
                    await self._db.execute("ROLLBACK")
                raise

    def _search_clause(self, terms: list[str]) -> tuple[str, tuple[Any, ...]]:
        # Each term quoted: FTS5 reads it as a plain word, never as its query syntax.
        query = " ".join(f'"{t}"' for t in terms)
        return "q.id IN (SELECT rowid FROM questions_fts WHERE questions_fts MATCH ?)", (query,)

    async def _before_search(self) -> None:
        """Index rows written since the last search: indexing on every write would slow the writer."""
        async with _translated():
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                await self._db.execute(
                    "INSERT INTO questions_fts (rowid, question) SELECT id, question FROM questions"
                    " WHERE id > (SELECT indexed_upto FROM fts_state) AND question IS NOT NULL"
                )
                await self._db.execute(
                    "UPDATE fts_state SET indexed_upto = (SELECT coalesce(max(id), 0) FROM questions)"
                )
                await self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await self._db.execute("ROLLBACK")
                raise

    async def _after_forget(self) -> None:
        # FTS5 records a deletion as a marker beside the old entry; merging the index drops both, and
        # the checkpoint empties the write-ahead log, which still holds the pages as they were.
        await self._execute("INSERT INTO questions_fts (questions_fts) VALUES ('optimize')")
        await self._fetch("PRAGMA wal_checkpoint(TRUNCATE)")


async def _migrate(db: aiosqlite.Connection, upto: int | None) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for version, sql in migrations("sqlite"):
        if version <= current or (upto is not None and version > upto):
            continue
        # One transaction per migration: a failed upgrade leaves the file at the last good version.
        await db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def sqlite_connector(path: Path) -> Connector:
    """The writer and reviewers of an SQLite log; its spool lies beside the file."""
    return Connector(
        writer=lambda: SqliteStore.open(path, busy_timeout=0.1),
        reader=lambda: SqliteStore.open(path),
        spool_path=path.with_name(path.name + ".spool.jsonl"),
        describe=str(path),
    )
