"""SQLite storage for the question log: migrations, writes in batches, and the review queries.

Adapters never see SQL: they go through the writer (to record) and core.review (to read).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import sqlite3
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from core.log.records import Count, DailyStats, LoggedQuestion, QuestionRecord, ReviewState, iso_utc, now_iso
from core.text import normalise_question

_MIGRATION_NAME = re.compile(r"^V(\d+)__\w+\.sql$")
_COLUMNS = (
    "id, asked_at, platform, workspace, channel, channel_kind, user_hash, command, question, match, score, "
    "emergency, latency_ms, outcome, review_state, reviewer, review_note"
)
_RECORD_COLUMNS = (
    "record_id, asked_at, platform, workspace, channel, channel_kind, user_hash, command, question, match, score,"
    " emergency, latency_ms, outcome"
)
_CHUNKS = (64, 16, 4, 1)
"""Rows per INSERT statement, largest first. A statement of many rows runs as one SQLite step, and each
step is a round trip for the GIL: the writer thread gives it up for the step and must take it back from
the answering thread, which stalls that thread. Split by these sizes, what is left after the full
64-row statements takes at most nine steps (81 rows: 64 + 16 + 1), against one per leftover row with a
single size."""
_INSERTS = {
    size: f"INSERT OR IGNORE INTO questions ({_RECORD_COLUMNS}) VALUES "  # noqa: S608 - constant text
    + ", ".join(["(" + ", ".join("?" * len(QuestionRecord._fields)) + ")"] * size)
    for size in _CHUNKS
}


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every migration shipped with the package, in order."""
    found = []
    for item in resources.files("core.log").joinpath("migrations").iterdir():
        m = _MIGRATION_NAME.match(item.name)
        if m:
            found.append((int(m.group(1)), item.read_text(encoding="utf-8")))
    return sorted(found)


class QuestionStore:
    """One connection to one database file. Not shared between event loops."""

    def __init__(self, path: Path, connection: aiosqlite.Connection) -> None:
        self.path = path
        self._db = connection
        self._identity = _identity(path)

    @classmethod
    async def open(cls, path: Path, *, upto: int | None = None) -> QuestionStore:
        """Open (creating if needed) and migrate to the newest schema, or to ``upto`` for tests."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute("PRAGMA busy_timeout = 2000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await _migrate(db, upto)
        except BaseException:
            await db.close()
            raise
        return cls(path, db)

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> QuestionStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def file_replaced(self) -> bool:
        """True if the database file was deleted or swapped under us.

        SQLite happily keeps writing to a deleted file's inode, so without this check rows written after
        someone removes the file would vanish when the connection closes.
        """
        return _identity(self.path) != self._identity

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # -- writing -----------------------------------------------------------------------------------

    async def insert(self, records: Sequence[QuestionRecord]) -> None:
        """Insert records in one transaction: all are stored or none are."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            start = 0
            for size in _CHUNKS:
                end = start + (len(records) - start) // size * size
                if end > start:
                    rows = (list(itertools.chain.from_iterable(records[i : i + size])) for i in range(start, end, size))
                    await self._db.executemany(_INSERTS[size], rows)
                start = end
            await self._db.execute("COMMIT")
        except BaseException:
            await _rollback(self._db)
            raise

    async def record_event(self, kind: str, count: int, detail: str | None = None) -> None:
        await self._db.execute(
            "INSERT INTO log_events (at, kind, count, detail) VALUES (?, ?, ?, ?)",
            (now_iso(), kind, count, detail),
        )

    async def purge(self, older_than: dt.datetime) -> int:
        """Delete questions asked before older_than; returns how many."""
        cursor = await self._db.execute("DELETE FROM questions WHERE asked_at < ?", (iso_utc(older_than),))
        return cursor.rowcount

    async def forget(self, user_hash: str) -> int:
        cursor = await self._db.execute("DELETE FROM questions WHERE user_hash = ?", (user_hash,))
        return cursor.rowcount

    async def mark(self, question_id: int, state: ReviewState, reviewer: str, note: str | None) -> bool:
        cursor = await self._db.execute(
            "UPDATE questions SET review_state = ?, reviewer = ?, review_note = ?, reviewed_at = ? WHERE id = ?",
            (state.value, reviewer, note, now_iso(), question_id),
        )
        return cursor.rowcount > 0

    # -- reading -----------------------------------------------------------------------------------

    async def count(self) -> int:
        return int((await self._one("SELECT count(*) FROM questions"))[0])

    async def events(self) -> list[tuple[str, str, int]]:
        return [(r[0], r[1], int(r[2])) for r in await self._all("SELECT at, kind, count FROM log_events ORDER BY id")]

    async def get(self, question_id: int) -> LoggedQuestion | None:
        rows = await self._questions("WHERE id = ?", (question_id,), 1)
        return rows[0] if rows else None

    async def recent(self, limit: int = 20, since: dt.datetime | None = None) -> list[LoggedQuestion]:
        return await self._questions("WHERE asked_at >= ?", (_since(since),), limit)

    async def unanswered(self, limit: int = 20, since: dt.datetime | None = None) -> list[LoggedQuestion]:
        return await self._questions("WHERE outcome = 'unanswered' AND asked_at >= ?", (_since(since),), limit)

    async def for_user(self, user_hash: str, limit: int = 10) -> tuple[int, list[LoggedQuestion]]:
        total = (await self._one("SELECT count(*) FROM questions WHERE user_hash = ?", (user_hash,)))[0]
        return int(total), await self._questions("WHERE user_hash = ?", (user_hash,), limit)

    async def search(self, text: str, limit: int = 20) -> list[LoggedQuestion]:
        """Full-text search; every word must appear. User text is quoted, so it is never FTS syntax."""
        terms = re.findall(r"\w+", text)
        if not terms:
            return []
        query = " ".join('"' + t.replace('"', "") + '"' for t in terms)
        await self._index_new_rows()
        return await self._questions(
            "WHERE id IN (SELECT rowid FROM questions_fts WHERE questions_fts MATCH ?)", (query,), limit
        )

    async def _index_new_rows(self) -> None:
        """Bring the full-text index up to date with rows written since the last search."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            await self._db.execute(
                "INSERT INTO questions_fts (rowid, question) SELECT id, question FROM questions"
                " WHERE id > (SELECT indexed_upto FROM fts_state) AND question IS NOT NULL"
            )
            await self._db.execute("UPDATE fts_state SET indexed_upto = (SELECT coalesce(max(id), 0) FROM questions)")
            await self._db.execute("COMMIT")
        except BaseException:
            await _rollback(self._db)
            raise

    async def export(self, since: dt.datetime | None = None) -> list[LoggedQuestion]:
        return await self._questions("WHERE asked_at >= ?", (_since(since),), None, order="ASC")

    async def top_matches(self, limit: int = 10, since: dt.datetime | None = None) -> list[Count]:
        rows = await self._all(
            "SELECT match, count(*) AS n FROM questions WHERE match IS NOT NULL AND asked_at >= ?"
            " GROUP BY match ORDER BY n DESC, match LIMIT ?",
            (_since(since), limit),
        )
        return [Count(r[0], int(r[1])) for r in rows]

    async def top_unanswered(self, limit: int = 10, since: dt.datetime | None = None) -> list[Count]:
        """Most frequent unanswered questions, grouped by their normalised text.

        Grouping happens here, at review time, so that writing a row never pays for normalising it.
        """
        rows = await self._all(
            "SELECT question FROM questions WHERE outcome = 'unanswered' AND question IS NOT NULL AND asked_at >= ?",
            (_since(since),),
        )
        groups: dict[str, list[str]] = {}
        for (question,) in rows:
            groups.setdefault(normalise_question(question), []).append(question)
        ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
        return [Count(key, len(texts), max(texts)) for key, texts in ranked]

    async def stats(self, since: dt.datetime | None = None) -> list[DailyStats]:
        rows = await self._all(
            "SELECT substr(asked_at, 1, 10) AS day, platform, count(*),"
            " sum(outcome = 'answered'), sum(outcome = 'unanswered'), sum(emergency)"
            " FROM questions WHERE asked_at >= ? GROUP BY day, platform ORDER BY day DESC, platform",
            (_since(since),),
        )
        return [DailyStats(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]

    async def _questions(
        self, where: str, params: tuple[Any, ...], limit: int | None, order: str = "DESC"
    ) -> list[LoggedQuestion]:
        sql = f"SELECT {_COLUMNS} FROM questions {where} ORDER BY asked_at {order}, id {order}"  # noqa: S608
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_row(r) for r in await self._all(sql, params)]

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()


async def _migrate(db: aiosqlite.Connection, upto: int | None) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for version, sql in migrations():
        if version <= current or (upto is not None and version > upto):
            continue
        # One transaction per migration: a failed upgrade leaves the file at the last good version.
        await db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")


async def _rollback(db: aiosqlite.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):  # nothing to roll back when BEGIN itself failed
        await db.execute("ROLLBACK")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _since(since: dt.datetime | None) -> str:
    return iso_utc(since) if since else ""


def _row(r: sqlite3.Row | tuple[Any, ...]) -> LoggedQuestion:
    return LoggedQuestion(
        id=r[0], asked_at=r[1], platform=r[2], workspace=r[3], channel=r[4], channel_kind=r[5],
        user_hash=r[6], command=r[7], question=r[8], match=r[9], score=r[10], emergency=bool(r[11]),
        latency_ms=r[12], outcome=r[13], review_state=r[14], reviewer=r[15], review_note=r[16],
    )  # fmt: skip
