"""The single writer task: answers hand it what was asked and move on; it turns each batch into
pseudonymised rows and commits them together.

Faults never reach the person asking. When the database is locked, read-only, full or gone, records go
to a JSON-lines spool file beside it and are imported on the next good write (or the next start); the
writer warns once per outage and retries with backoff. A record is only ever lost when the bounded queue
overflows, and then the number lost is itself recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.log.pseudonym import Pseudonymiser
from core.log.records import Asked, QuestionRecord, to_records, utcnow
from core.log.store import QuestionStore

log = logging.getLogger(__name__)

_PURGE_EVERY = 3600.0
_MAX_IN_MEMORY = 100_000


class LogUnavailable(Exception):
    """The database cannot be reached right now; the caller should say so and try later."""


@dataclass(frozen=True)
class WriterState:
    running: bool
    healthy: bool
    queue_depth: int
    written: int
    spooled: int
    dropped: int
    last_error: str | None


class QuestionLog(Protocol):
    """What the answer path and the review commands need of a question log, wherever it writes:
    ``LogWriter`` writes from a thread of this process, ``core.log.process.LogProcess`` from a child."""

    pseudonymiser: Pseudonymiser

    def submit(self, item: QuestionRecord | Asked) -> None: ...

    async def flush(self) -> None: ...

    @property
    def state(self) -> WriterState: ...

    def store(self) -> contextlib.AbstractAsyncContextManager[QuestionStore]: ...


class LogWriter:
    def __init__(
        self,
        path: Path,
        pseudonymiser: Pseudonymiser,
        *,
        queue_size: int = 10_000,
        batch_size: int = 512,
        retention_days: int | None = 90,
        max_backoff: float = 5.0,
    ) -> None:
        self.path = path
        self.pseudonymiser = pseudonymiser
        self.spool_path = path.with_name(path.name + ".spool.jsonl")
        self.batch_size = batch_size
        self.retention_days = retention_days
        self.queue_size = queue_size
        # A plain deque, not asyncio.Queue: submit runs once per answer and must cost next to nothing.
        self._pending: deque[QuestionRecord | Asked] = deque()
        self._wakeup = asyncio.Event()
        self._progress = asyncio.Condition()
        self._handled = 0
        self._in_flight = 0
        self._stopping = False
        self._store: QuestionStore | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._max_backoff = max_backoff
        self._backoff = 0.0
        self._retry_at = 0.0
        self._healthy = True
        self._last_error: str | None = None
        self._written = 0
        self._spooled = 0
        self._dropped = 0
        self._dropped_unrecorded = 0
        self._in_memory: list[QuestionRecord] = []
        self._last_purge = float("-inf")

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.spool_path.exists():
            self._spooled = sum(1 for _ in self.spool_path.open(encoding="utf-8"))
        with contextlib.suppress(sqlite3.Error, OSError):
            async with self._lock:
                await self._open_store()  # a failure here is an outage like any other: retried later
        self._task = asyncio.create_task(self._run(), name="exobot-log-writer")

    async def stop(self) -> None:
        """Write everything still queued, then close. Safe to call twice."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        await self._task
        self._task = None
        self._stopping = False
        if self._store is not None:
            await self._store.close()
            self._store = None

    def submit(self, item: QuestionRecord | Asked) -> None:
        """Queue a row without waiting. Never raises: logging must not break answering."""
        pending = self._pending
        if len(pending) >= self.queue_size or self._task is None:
            self._refuse(item)
            return
        if not pending:
            self._wakeup.set()  # the writer sleeps only on an empty queue: waking it once is enough
        pending.append(item)

    def _refuse(self, item: QuestionRecord | Asked) -> None:
        if self._task is None:
            self._spool(self._records([item]))  # stopped: nothing is lost, the next start imports it
            return
        if not self._dropped_unrecorded:
            log.warning("question log queue is full (%d): dropping rows until it drains", self.queue_size)
        self._dropped += 1
        self._dropped_unrecorded += 1

    async def flush(self) -> None:
        """Wait until every record submitted so far has been written or spooled."""
        target = self._handled + self._in_flight + len(self._pending)
        if self._task is None or self._handled >= target:
            return
        self._wakeup.set()
        async with self._progress:
            await self._progress.wait_for(lambda: self._handled >= target or self._task is None)

    @property
    def state(self) -> WriterState:
        return WriterState(
            running=self._task is not None and not self._task.done(),
            healthy=self._healthy,
            queue_depth=len(self._pending),
            written=self._written,
            spooled=self._spooled + len(self._in_memory),
            dropped=self._dropped,
            last_error=self._last_error,
        )

    @contextlib.asynccontextmanager
    async def store(self) -> AsyncIterator[QuestionStore]:
        """The open store, for review and privacy operations, never inside a writer transaction."""
        await self.flush()
        async with self._lock:
            try:
                store = await self._open_store()
            except (sqlite3.Error, OSError) as exc:
                raise LogUnavailable(str(exc)) from exc
            yield store

    # -- the task ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if not self._pending:
                if self._stopping:
                    # Last chance to import a spool or record drops before closing, outage or not.
                    if self._spooled or self._in_memory or self._dropped_unrecorded:
                        await self._write([], retry_now=True)
                    return
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._idle_timeout())
                except TimeoutError:
                    await self._maintain()
                    continue
            pending = self._pending
            batch = [pending.popleft() for _ in range(min(len(pending), self.batch_size))]
            if batch:
                self._in_flight = len(batch)
                await self._write(self._records(batch))
                self._handled += len(batch)
                self._in_flight = 0
                async with self._progress:
                    self._progress.notify_all()
            if time.monotonic() - self._last_purge > _PURGE_EVERY:
                await self._maintain()

    def _records(self, batch: list[QuestionRecord | Asked]) -> list[QuestionRecord]:
        """Rows for a batch: answered questions are pseudonymised here, finished records pass as they are."""
        records = [item for item in batch if isinstance(item, QuestionRecord)]
        if len(records) < len(batch):
            records += to_records((item for item in batch if isinstance(item, Asked)), self.pseudonymiser)
        return records

    def note_dropped(self, count: int) -> None:
        """Count rows lost before they reached this writer (another process's full queue); they are
        recorded in the log like its own."""
        self._dropped += count
        self._dropped_unrecorded += count

    def _idle_timeout(self) -> float:
        if not self._healthy or self._spooled:
            return max(self._retry_at - time.monotonic(), 0.05)
        return _PURGE_EVERY

    async def _maintain(self) -> None:
        """Idle work: retry after an outage (importing the spool) and apply retention."""
        await self._write([])

    async def _write(self, batch: Sequence[QuestionRecord], retry_now: bool = False) -> None:
        if not self._healthy and not retry_now and time.monotonic() < self._retry_at:
            self._spool(batch)
            return
        try:
            async with self._lock:
                store = await self._open_store()
                if batch:
                    await store.insert(batch)
                self._written += len(batch)
                await self._catch_up(store)
        except (sqlite3.Error, OSError) as exc:
            self._spool(batch)
            self._outage(exc)
            return
        if not self._healthy:
            log.info("question log recovered: writing to %s again", self.path)
        self._healthy, self._backoff, self._last_error = True, 0.0, None

    async def _catch_up(self, store: QuestionStore) -> None:
        """After a good write: import spooled rows, record drops, apply retention."""
        if self._in_memory:
            await store.insert(self._in_memory)
            self._written += len(self._in_memory)
            self._in_memory.clear()
        if self.spool_path.exists():
            self._written += await _import_spool(store, self.spool_path, self.batch_size)
            self._spooled = 0
        if self._dropped_unrecorded:
            await store.record_event("dropped", self._dropped_unrecorded, "question log queue overflowed")
            log.warning("question log dropped %d rows while its queue was full", self._dropped_unrecorded)
            self._dropped_unrecorded = 0
        if self.retention_days and time.monotonic() - self._last_purge > _PURGE_EVERY:
            removed = await store.purge(utcnow() - dt.timedelta(days=self.retention_days))
            self._last_purge = time.monotonic()
            if removed:
                log.info("question log retention: removed %d rows older than %d days", removed, self.retention_days)

    async def _open_store(self) -> QuestionStore:
        if self._store is not None and self._store.file_replaced():
            log.warning("question log database %s was deleted or replaced: recreating it", self.path)
            with contextlib.suppress(sqlite3.Error):
                await self._store.close()
            self._store = None
        if self._store is None:
            self._store = await QuestionStore.open(self.path)
        return self._store

    def _outage(self, exc: Exception) -> None:
        if self._healthy:
            log.warning(
                "question log cannot write to %s (%s): answering continues, rows go to %s until it recovers",
                self.path, exc, self.spool_path,
            )  # fmt: skip
        self._healthy = False
        self._last_error = f"{type(exc).__name__}: {exc}"
        self._backoff = min(max(self._backoff * 2, 0.1), self._max_backoff)
        self._retry_at = time.monotonic() + self._backoff

    def _spool(self, batch: Sequence[QuestionRecord]) -> None:
        if not batch:
            return
        try:
            with self.spool_path.open("a", encoding="utf-8") as handle:
                handle.writelines(json.dumps(r._asdict()) + "\n" for r in batch)
            self._spooled += len(batch)
        except OSError as exc:
            # Even the spool is failing (disk full): hold rows in memory, within reason, and count the rest.
            room = max(_MAX_IN_MEMORY - len(self._in_memory), 0)
            self._in_memory.extend(batch[:room])
            lost = len(batch) - min(room, len(batch))
            if lost:
                self._dropped += lost
                self._dropped_unrecorded += lost
                log.error("question log spool %s failed (%s): %d rows lost", self.spool_path, exc, lost)


async def _import_spool(store: QuestionStore, path: Path, batch_size: int) -> int:
    """Insert every spooled row (idempotently) and remove the file; returns how many were read."""
    records = []
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(QuestionRecord.from_json(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            log.error("question log spool %s line %d is damaged and was skipped", path, number)
    for start in range(0, len(records), batch_size):
        await store.insert(records[start : start + batch_size])
    await asyncio.to_thread(path.unlink)
    if records:
        log.info("question log imported %d spooled rows from %s", len(records), path)
    return len(records)
