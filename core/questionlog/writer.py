"""The one writer of the question log: rows handed in while a commit runs share the next commit.

An answer is sent only once its row is durable, committed or fsync'd to the spool (see
``core.service``), so the writer commits whatever is queued as soon as the last commit ends: a burst of
questions costs one commit, not one each. Faults never reach the person asking. When the database is
locked, read-only, full or gone, rows go to the spool and are imported on the next good write (or the
next start); the writer warns once per outage and retries with backoff, also while nobody is asking.
Nothing is dropped silently: a row neither the database nor the spool could take is held in memory
until one of them can, and a row still held at a stop is counted, logged and recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.questionlog.pseudonym import Pseudonymiser
from core.questionlog.records import QuestionRecord, utcnow
from core.questionlog.spool import Spool
from core.questionlog.store import LogUnavailable, QuestionStore
from core.text import plural, valid_text

log = logging.getLogger(__name__)

_PURGE_EVERY = 3600.0
_MAX_HELD = 100_000
STUCK_AFTER = 10.0
"""A commit taking longer than this means the writer is stuck (a hung disk, a dead server)."""


class Durability(StrEnum):
    """What became of a row handed to the writer."""

    COMMITTED = "committed"
    SPOOLED = "spooled"
    HELD = "held"
    """Neither the database nor the spool could take it: it waits in memory."""


@dataclass(frozen=True)
class WriterState:
    running: bool
    healthy: bool
    """The last write reached the database."""
    stuck: bool
    queue_depth: int
    written: int
    spooled: int
    held: int
    lost: int
    last_error: str | None

    @property
    def ok(self) -> bool:
        return self.running and self.healthy and not self.stuck


@dataclass(frozen=True)
class StopReport:
    written: int
    spooled: int
    lost: int
    """Rows that neither the database nor the spool could take before the process ended."""


class Connector:
    """How the writer and reviewers reach one database. ``writer`` connections give up on a lock at
    once (the writer spools instead of waiting); ``reader`` ones, for moderators, wait a little."""

    def __init__(
        self,
        writer: Callable[[], Awaitable[QuestionStore]],
        reader: Callable[[], Awaitable[QuestionStore]],
        spool_path: Path,
        describe: str,
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.spool_path = spool_path
        self.describe = describe


class LostRows:
    """A count of rows lost at a stop, kept in a small file that is written in place.

    When the disk is full nothing new can be written, but bytes that already exist can be overwritten:
    the file is made at start-up, while there is room, so that a stop can still record what it lost.
    """

    _WIDTH = 20

    def __init__(self, path: Path) -> None:
        self.path = path

    def prepare(self) -> int:
        """Make the file if needed; the count it holds from an earlier run."""
        try:
            with self.path.open("rb") as handle:
                return int(handle.read().strip() or 0)
        except FileNotFoundError:
            self.set(0)
            return 0
        except (OSError, ValueError):
            return 0

    def set(self, count: int) -> None:
        data = str(count).rjust(self._WIDTH).encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.pwrite(fd, data, 0)
            os.fsync(fd)
        finally:
            os.close(fd)


class LogWriter:
    def __init__(
        self,
        connector: Connector,
        pseudonymiser: Pseudonymiser,
        *,
        queue_size: int = 10_000,
        batch_size: int = 512,
        retention_days: int | None = 90,
        max_backoff: float = 5.0,
        stuck_after: float = STUCK_AFTER,
    ) -> None:
        self.connector = connector
        self._stuck_after = stuck_after
        self.pseudonymiser = pseudonymiser
        self.spool = Spool(connector.spool_path)
        self._lost_file = LostRows(connector.spool_path.with_name(connector.spool_path.name + ".lost"))
        self.queue_size = queue_size
        self.batch_size = batch_size
        self.retention_days = retention_days
        self._max_backoff = max_backoff
        self._pending: deque[tuple[QuestionRecord, asyncio.Future[Durability]]] = deque()
        self._held: list[QuestionRecord] = []
        self._overflow: set[asyncio.Future[None]] = set()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._store: QuestionStore | None = None
        self._writing_since: float | None = None
        self._backoff = 0.0
        self._retry_at = 0.0
        self._healthy = True
        self._last_error: str | None = None
        self._warned: set[str] = set()
        self._written = 0
        self._spooled = 0
        self._lost = 0
        self._lost_earlier = 0
        self._last_purge = float("-inf")
        self.last_report: StopReport | None = None
        """What the last stop managed to write; the process's exit status reports its losses."""

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        with contextlib.suppress(OSError):  # a server's log keeps its spool in a data folder not made yet
            await asyncio.to_thread(self.spool.path.parent.mkdir, parents=True, exist_ok=True)
        self._spooled = await asyncio.to_thread(self.spool.count)
        self._lost_earlier = await asyncio.to_thread(self._lost_file.prepare)
        try:  # migrate now, so that a broken database shows at start-up; a failure is an outage like any
            await self._open_store()
        except LogUnavailable as exc:
            self._outage(exc)
        self._idle.set()
        self._task = asyncio.create_task(self._run(), name="exobot-log-writer")

    async def stop(self) -> StopReport:
        """Write everything still queued, then close. Safe to call twice."""
        if self._task is not None:
            self._stopping = True
            self._wakeup.set()
            await self._task
            self._task = None
            self._stopping = False
            await self._close_store()
        lost = self._lost
        if self._held:
            try:
                self.spool.append_now(self._held)
                self._spooled += len(self._held)
            except OSError:
                lost += len(self._held)
            self._held.clear()
        if lost:
            log.error(
                "question log: %s could not be written to the database or the spool %s and are lost;"
                " the count is recorded when the log can be written again",
                plural(lost, "row"), self.spool.path,
            )  # fmt: skip
            with contextlib.suppress(OSError):
                self._lost_file.set(self._lost_earlier + lost)
        self._lost = 0
        self.last_report = StopReport(self._written, self._spooled, lost)
        return self.last_report

    def submit(self, record: QuestionRecord) -> asyncio.Future[Durability]:
        """Queue a row; the future says when it is durable. Never raises: logging must not break answering."""
        done: asyncio.Future[Durability] = asyncio.get_running_loop().create_future()
        if self._task is None:
            # Stopped: the next start imports the spool. Rare enough to fsync on the spot.
            self._spool_now([(record, done)])
        elif len(self._pending) >= self.queue_size:
            # Full: straight to the spool, in a task kept until it is done.
            task = asyncio.ensure_future(self._spool([(record, done)]))
            self._overflow.add(task)
            task.add_done_callback(self._overflow.discard)
        else:
            self._pending.append((record, done))
            self._idle.clear()
            self._wakeup.set()
        return done

    async def spool_now(self, record: QuestionRecord) -> bool:
        """Make one queued row durable in the spool at once, for an answer that cannot wait any longer
        for the database. The writer may commit it later too: the import skips rows stored already."""
        try:
            await self.spool.append([record])
        except OSError:
            return False
        self._spooled += 1
        return True

    async def flush(self) -> None:
        """Wait until every row handed in so far has been written, spooled or held."""
        if self._task is not None:
            await self._idle.wait()

    @property
    def state(self) -> WriterState:
        since = self._writing_since
        return WriterState(
            running=self._task is not None and not self._task.done(),
            healthy=self._healthy and not self._held,
            stuck=since is not None and time.monotonic() - since > self._stuck_after,
            queue_depth=len(self._pending),
            written=self._written,
            spooled=self._spooled,
            held=len(self._held),
            lost=self._lost,
            last_error=self._last_error,
        )

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[QuestionStore]:
        """A connection of its own for review and privacy operations; raises LogUnavailable."""
        store = await self.connector.reader()
        try:
            yield store
        finally:
            await store.close()

    # -- the task ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if not self._pending:
                self._idle.set()
                if self._stopping:
                    await self._write([], retry_now=True)  # last chance to import a spool or record losses
                    return
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._idle_timeout())
                except TimeoutError:
                    await self._write([])
                continue
            pending = self._pending
            batch = [pending.popleft() for _ in range(min(len(pending), self.batch_size))]
            self._writing_since = time.monotonic()
            try:
                await self._write(batch)
            except Exception:  # a bug must never stop logging: keep the rows, keep going
                log.exception("question log writer failed on a batch; spooling it")
                await self._spool(batch)
            finally:
                self._writing_since = None

    def _idle_timeout(self) -> float:
        if not self._healthy or self._held or self._spooled:
            return max(self._retry_at - time.monotonic(), 0.05)
        return _PURGE_EVERY

    async def _write(
        self, batch: list[tuple[QuestionRecord, asyncio.Future[Durability]]], retry_now: bool = False
    ) -> None:
        if not self._healthy and not retry_now and time.monotonic() < self._retry_at:
            await self._spool(batch)
            return
        try:
            store = await self._open_store()
            if batch:
                await self._insert(store, batch)
            await self._catch_up(store)
        except LogUnavailable as exc:
            await self._close_store()
            self._outage(exc)
            await self._spool([item for item in batch if not item[1].done()])
            return
        if not self._healthy:
            log.info("question log recovered: writing to %s again", self.connector.describe)
        self._healthy, self._backoff, self._last_error = True, 0.0, None

    async def _insert(
        self, store: QuestionStore, batch: list[tuple[QuestionRecord, asyncio.Future[Durability]]]
    ) -> None:
        refused = await self._insert_isolating(store, [record for record, _ in batch])
        stored = [item for n, item in enumerate(batch) if n not in refused]
        self._written += len(stored)
        _settle(stored, Durability.COMMITTED)
        await self._spool([batch[n] for n in sorted(refused)])

    async def _import(self, store: QuestionStore, records: Sequence[QuestionRecord]) -> None:
        """Insert rows that waited (spooled or held). One the database refuses even cleaned cannot wait
        for a better day, which would block every row after it: it is counted, logged and recorded."""
        refused = await self._insert_isolating(store, records)
        if refused:
            log.error("question log: the database refused %s even cleaned; skipped", plural(len(refused), "row"))
            await store.record_event("refused", len(refused), "rows the database refused even with their text cleaned")

    async def _insert_isolating(self, store: QuestionStore, records: Sequence[QuestionRecord]) -> set[int]:
        """Insert records in one transaction; if the database refuses something in a row (not an
        outage), insert them one by one, each with its text cleaned. The positions still refused."""
        try:
            await store.insert(records)
            return set()
        except LogUnavailable:
            raise
        except Exception as exc:  # something in a row the database refuses: find it, keep the others
            self._warn_once(f"row:{type(exc).__name__}", "question log could not store a row (%s); it is spooled", exc)
        refused = set()
        for n, record in enumerate(records):
            try:
                await store.insert([_valid(record)])
            except LogUnavailable:
                raise
            except Exception:
                refused.add(n)
        return refused

    async def _catch_up(self, store: QuestionStore) -> None:
        """After a good write: rows held in memory, the spool, losses of earlier runs, retention."""
        if self._held:
            await self._import(store, self._held)
            self._written += len(self._held)
            self._held.clear()
        if self._spooled or self.spool.exists():
            try:
                self._written += await self.spool.import_into(functools.partial(self._import, store), self.batch_size)
            except OSError as exc:
                raise LogUnavailable(f"cannot read the spool: {exc}") from exc
            self._spooled = 0
        if self._lost_earlier:
            await store.record_event("lost", self._lost_earlier, "rows lost at a stop when nothing could be written")
            await asyncio.to_thread(self._lost_file.set, 0)
            self._lost_earlier = 0
        if self.retention_days and time.monotonic() - self._last_purge > _PURGE_EVERY:
            removed = await store.purge(utcnow() - dt.timedelta(days=self.retention_days))
            self._last_purge = time.monotonic()
            if removed:
                log.info("question log retention: removed %d rows older than %d days", removed, self.retention_days)

    async def _open_store(self) -> QuestionStore:
        if self._store is not None and self._store.stale():
            log.warning("question log database %s was deleted or replaced: recreating it", self.connector.describe)
            await self._close_store()
        if self._store is None:
            self._store = await self.connector.writer()
        return self._store

    async def _close_store(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    def _outage(self, exc: Exception) -> None:
        if self._healthy:
            log.warning(
                "question log cannot write to %s (%s): answering continues, rows go to %s until it recovers",
                self.connector.describe, exc, self.spool.path,
            )  # fmt: skip
        self._healthy = False
        self._last_error = str(exc)
        self._backoff = min(max(self._backoff * 2, 0.1), self._max_backoff)
        self._retry_at = time.monotonic() + self._backoff

    async def _spool(self, batch: Sequence[tuple[QuestionRecord, asyncio.Future[Durability]]]) -> None:
        if not batch:
            return
        try:
            await self.spool.append([record for record, _ in batch])
        except OSError as exc:
            self._hold(batch, exc)
            return
        self._spooled += len(batch)
        _settle(batch, Durability.SPOOLED)

    def _spool_now(self, batch: Sequence[tuple[QuestionRecord, asyncio.Future[Durability]]]) -> None:
        try:
            self.spool.append_now([record for record, _ in batch])
        except OSError as exc:
            self._hold(batch, exc)
            return
        self._spooled += len(batch)
        _settle(batch, Durability.SPOOLED)

    def _hold(self, batch: Sequence[tuple[QuestionRecord, asyncio.Future[Durability]]], exc: OSError) -> None:
        """Even the spool failed (a full disk): keep rows in memory, within reason, and count the rest."""
        room = max(_MAX_HELD - len(self._held), 0)
        self._held.extend(record for record, _ in batch[:room])
        lost = len(batch) - min(room, len(batch))
        self._warn_once("spool", "question log spool %s failed (%s): holding rows in memory", self.spool.path, exc)
        if lost:
            self._lost += lost
            log.error("question log: %s lost, %d already held in memory", plural(lost, "row"), len(self._held))
        self._retry_at = min(self._retry_at, time.monotonic() + 0.1)
        _settle(batch, Durability.HELD)

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)


def _settle(batch: Sequence[tuple[QuestionRecord, asyncio.Future[Durability]]], outcome: Durability) -> None:
    for _, done in batch:
        if not done.done():
            done.set_result(outcome)


def _valid(record: QuestionRecord) -> QuestionRecord:
    """record with every text as valid Unicode and without NUL (which PostgreSQL refuses in text), for a
    database that refused the original."""
    values: list[Any] = [valid_text(v).replace("\x00", "\ufffd") if isinstance(v, str) else v for v in record.values()]
    return QuestionRecord(*values)
