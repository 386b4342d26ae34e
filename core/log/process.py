"""The question log written from a child process, so that SQLite never competes with answering.

A ``LogWriter`` in a thread of the answering process shares its GIL: binding every row and waking up
after every SQLite step took the GIL from the event loop, and that cost a busy Discord bot about 4% of
its answers (``make bench``). ``LogProcess`` keeps the cheap part (building pseudonymised rows) here and
hands the rows, over a socket, to a ``LogWriter`` running in a child process of its own.

Nothing is lost on the way. Rows stay in memory here until the child says they are written (or
spooled). If the child dies, those rows are rebuilt, with the ids reserved for them here, and handed to
an in-process ``LogWriter``, which carries on logging. Inserts ignore a row whose id is already stored,
so a row the child had written before it died is not stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import pickle
import signal
import socket
import struct
import sys
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NamedTuple

from core.log.pseudonym import Pseudonymiser
from core.log.records import Asked, QuestionRecord, record_ids, reserve_record_ids, to_records
from core.log.store import QuestionStore
from core.log.writer import LogWriter, WriterState

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
_STOP_TIMEOUT = 30.0
_LINGER = 0.005
"""How long rows wait for company before they go to the child. Every question takes a loop turn of its
own (``core.batching``), so without it a steady trickle would go over one message per row, each costing
this process more than the row. Nobody reads the log within 5 ms; ``flush`` and ``stop`` wait it out."""
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""Where ``core`` is imported from, so that the child finds it whatever directory it starts in."""


def _frame(message: tuple[Any, ...]) -> bytes:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


async def _send(stream: asyncio.StreamWriter, message: tuple[Any, ...]) -> None:
    stream.write(_frame(message))
    await stream.drain()


async def _receive(stream: asyncio.StreamReader) -> tuple[Any, ...]:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    message: tuple[Any, ...] = pickle.loads(await stream.readexactly(size))  # noqa: S301 - our own child
    return message


class _Batch(NamedTuple):
    """Rows sent to the child and not yet confirmed: what was asked, with ids reserved here, so that
    this process can build the very same rows if the child dies; and finished records as they came."""

    tag: str
    first: int
    asked: list[Asked]
    records: list[QuestionRecord]

    @property
    def size(self) -> int:
        return len(self.asked) + len(self.records)

    def message(self) -> tuple[Any, ...]:
        # Plain tuples: pickling a named tuple calls back into Python for each one, at three times the cost.
        return ("rows", self.tag, self.first, [tuple(a) for a in self.asked], [tuple(r) for r in self.records])

    def rows(self, pseudonymiser: Pseudonymiser) -> list[QuestionRecord]:
        ids = record_ids(self.tag, self.first, len(self.asked))
        return [*self.records, *to_records(self.asked, pseudonymiser, ids)]


class LogProcess:
    """The ``LogWriter`` interface, with the writing done by a child process."""

    def __init__(
        self,
        path: Path,
        pseudonymiser: Pseudonymiser,
        *,
        queue_size: int = 10_000,
        batch_size: int = 512,
        retention_days: int | None = 90,
    ) -> None:
        self.path = path
        self.pseudonymiser = pseudonymiser
        self.queue_size = queue_size
        self._options: dict[str, Any] = {"batch_size": batch_size, "retention_days": retention_days}
        self._pending: deque[QuestionRecord | Asked] = deque()
        self._unacked: deque[_Batch] = deque()
        self._unacked_rows = 0
        self._submitted = 0
        self._handled = 0
        self._dropped = 0
        self._wakeup = asyncio.Event()
        self._progress = asyncio.Condition()
        self._child_state: WriterState | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stream: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._closed = False
        """Set once the child has been told to stop: a row submitted after that has nowhere to go."""
        self._child_lost = False
        """Set as the fallback starts: from then on rows wait for it, since the child would lose them."""
        self._fallback: LogWriter | None = None
        """The in-process writer that takes over if the child cannot start or dies."""
        self._reader_store: QuestionStore | None = None
        self._store_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        # A fresh interpreter rather than multiprocessing: fork is unsafe in a process with threads, and
        # spawn would run the caller's main module again. The secret goes over the socket, not argv.
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))))}
        try:
            with theirs:
                self._process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", __name__, str(theirs.fileno()), pass_fds=(theirs.fileno(),), env=env
                )
            reader, self._stream = await asyncio.open_unix_connection(sock=ours)
            await _send(self._stream, ("open", str(self.path), self.pseudonymiser.key, self._options))
        except (OSError, ValueError, NotImplementedError) as exc:  # the last two: no fd passing (Windows)
            log.warning("question log: no writer process (%s); writing from this process instead", exc)
            ours.close()
            await self._take_over()
            return
        self._tasks = [
            asyncio.create_task(self._send_rows(), name="exobot-log-sender"),
            asyncio.create_task(self._read_progress(reader), name="exobot-log-progress"),
        ]

    async def stop(self) -> None:
        """Write everything submitted, then stop the child. Safe to call twice."""
        if self._stopping:
            return
        self._stopping = True
        self._wakeup.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._process is not None:
            try:
                await asyncio.wait_for(self._process.wait(), _STOP_TIMEOUT)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
            self._process = None
        if self._fallback is not None:
            await self._fallback.stop()  # rows reach it directly once it has taken over: none wait here
        if self._reader_store is not None:
            await self._reader_store.close()
            self._reader_store = None

    def submit(self, item: QuestionRecord | Asked) -> None:
        """Queue a row without waiting. Never raises: logging must not break answering."""
        if self._fallback is not None:
            self._fallback.submit(item)
            return
        if len(self._pending) + self._unacked_rows >= self.queue_size or self._closed:
            if not self._dropped:
                log.warning("question log queue is full (%d) or closed: dropping rows", self.queue_size)
            self._dropped += 1
            return
        if not self._pending:
            self._wakeup.set()
        self._pending.append(item)
        self._submitted += 1

    async def flush(self) -> None:
        """Wait until every row submitted so far has been written or spooled."""
        if self._fallback is not None:
            await self._fallback.flush()
            return
        if not self._tasks:
            return
        target = self._submitted
        self._wakeup.set()
        async with self._progress:
            await self._progress.wait_for(lambda: self._handled >= target or self._fallback is not None)
        if self._fallback is not None:
            await self._fallback.flush()

    @property
    def state(self) -> WriterState:
        if self._fallback is not None:
            return self._fallback.state
        child = self._child_state or WriterState(True, True, 0, 0, 0, 0, None)
        return dataclasses.replace(
            child,
            running=self._process is not None and self._process.returncode is None,
            queue_depth=len(self._pending) + self._unacked_rows,  # the child's queue is among the unacked
            dropped=child.dropped + self._dropped,
        )

    @contextlib.asynccontextmanager
    async def store(self) -> AsyncIterator[QuestionStore]:
        """A store of this process's own, for review and privacy commands, after a flush."""
        if self._fallback is not None:
            async with self._fallback.store() as store:
                yield store
            return
        await self.flush()
        async with self._store_lock:
            if self._reader_store is not None and self._reader_store.file_replaced():
                await self._reader_store.close()
                self._reader_store = None
            if self._reader_store is None:
                self._reader_store = await QuestionStore.open(self.path)
            yield self._reader_store

    # -- talking to the child ----------------------------------------------------------------------

    async def _send_rows(self) -> None:
        assert self._stream is not None
        try:
            while True:
                await self._wakeup.wait()
                if not self._stopping:
                    await asyncio.sleep(_LINGER)  # for the rest of a burst: see _LINGER
                self._wakeup.clear()
                while self._pending and not self._child_lost:
                    batch = [self._pending.popleft() for _ in range(len(self._pending))]
                    asked = [item for item in batch if isinstance(item, Asked)]
                    records = [item for item in batch if isinstance(item, QuestionRecord)]
                    sent = _Batch(*reserve_record_ids(len(asked)), asked, records)
                    self._unacked.append(sent)
                    self._unacked_rows += sent.size
                    await _send(self._stream, sent.message())
                if self._child_lost:
                    return  # the rows wait for the fallback writer, which the progress reader is starting
                if self._dropped:
                    await _send(self._stream, ("dropped", self._dropped))
                    self._dropped = 0
                if self._stopping:
                    self._closed = True
                    await _send(self._stream, ("stop",))
                    return
        except (ConnectionError, OSError):
            return  # the progress reader sees the child go and takes over

    async def _read_progress(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                message = await _receive(reader)
                if message[0] == "log":  # the child's warnings, in this process's log format and filters
                    _, level, name, text = message
                    logging.getLogger(name).log(level, "%s", text)
                    continue
                _, handled, state = message
                confirmed = 0
                while confirmed < handled:  # the child confirms whole messages
                    confirmed += self._unacked.popleft().size
                self._unacked_rows -= confirmed
                self._child_state = WriterState(**state)
                await self._advance(handled)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        if self._stopping and not self._unacked and not self._pending:
            return
        log.error("question log writer process stopped unexpectedly: writing from this process instead")
        await self._take_over()

    async def _take_over(self) -> None:
        """Carry on in this process, starting with the rows the child did not confirm.

        Those keep their ids, and rows are inserted "or ignore": one the child wrote before it died is
        not stored twice.
        """
        # From here on rows wait in _pending for the fallback: one sent to the dead child now would be lost.
        self._child_lost = True
        unconfirmed = [row for batch in self._unacked for row in batch.rows(self.pseudonymiser)]
        self._unacked.clear()
        self._unacked_rows = 0
        fallback = LogWriter(self.path, self.pseudonymiser, queue_size=self.queue_size, **self._options)
        await fallback.start()
        for record in unconfirmed:
            fallback.submit(record)
        if self._dropped:  # dropped here and not yet told to the child: the fallback records them instead
            fallback.note_dropped(self._dropped)
            self._dropped = 0
        self._fallback = fallback
        while self._pending:
            fallback.submit(self._pending.popleft())
        await self._advance(len(unconfirmed))

    async def _advance(self, handled: int) -> None:
        self._handled += handled
        async with self._progress:
            self._progress.notify_all()


# -- the child -------------------------------------------------------------------------------------


async def _serve(descriptor: int) -> None:
    """Take rows from the parent until it says stop, and say how many are written, as they are."""
    reader, stream = await asyncio.open_unix_connection(sock=socket.socket(fileno=descriptor))
    _forward_logs(stream)
    kind, path, key, options = await _receive(reader)
    assert kind == "open"
    writer = LogWriter(Path(path), Pseudonymiser(key), queue_size=1_000_000_000, **options)
    await writer.start()
    received = 0
    arrived = asyncio.Event()
    stopping = False

    async def report() -> None:
        reported = 0
        while not stopping or reported < received:
            await arrived.wait()
            arrived.clear()
            target = received
            await writer.flush()
            await _send(stream, ("handled", target - reported, dataclasses.asdict(writer.state)))
            reported = target

    reporter = asyncio.create_task(report())
    try:
        while True:
            message = await _receive(reader)
            if message[0] == "rows":
                _, tag, first, asked, records = message
                for record in records:
                    writer.submit(QuestionRecord._make(record))
                for record in to_records(asked, writer.pseudonymiser, record_ids(tag, first, len(asked))):
                    writer.submit(record)
                received += len(asked) + len(records)
                arrived.set()
            elif message[0] == "dropped":
                writer.note_dropped(message[1])
            else:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the parent is gone: write what arrived, then stop
    finally:
        stopping = True
        arrived.set()
        with contextlib.suppress(ConnectionError, OSError):
            await reporter
        await writer.stop()  # whatever happened: its thread would otherwise keep this process alive
        stream.close()


class _ToParent(logging.Handler):
    """Sends each record to the parent, which logs it as its own: one format, one redaction, one stream."""

    def __init__(self, stream: asyncio.StreamWriter) -> None:
        super().__init__(logging.INFO)
        self._stream = stream
        self._loop = asyncio.get_running_loop()

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage() + (
            f"\n{logging.Formatter().formatException(record.exc_info)}" if record.exc_info else ""
        )
        frame = _frame(("log", record.levelno, record.name, text))
        # Thread-safe: a library may log from its own thread, and the stream belongs to the event loop.
        self._loop.call_soon_threadsafe(self._stream.write, frame)


def _forward_logs(stream: asyncio.StreamWriter) -> None:
    root = logging.getLogger()
    root.handlers[:] = [_ToParent(stream)]
    root.setLevel(logging.INFO)


if __name__ == "__main__":
    # Ctrl+C, a service manager's SIGTERM and a terminal's hang-up reach the whole process group. The
    # child must outlive them until the parent, stopping gracefully (or reloading, on SIGHUP), has handed
    # over its last rows; it ends on "stop" or EOF.
    for ignored in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(ignored, signal.SIG_IGN)
    asyncio.run(_serve(int(sys.argv[1])))
