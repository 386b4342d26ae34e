"""The question log written by a child process: every row arrives once, even when the child dies."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.engine import AnswerEngine
from core.log.process import LogProcess
from core.log.pseudonym import Pseudonymiser
from core.log.store import QuestionStore
from core.request import Request
from core.service import ExobotService
from tests.logtools import count_rows, record

KEY = b"process-test-key-" + b"k" * 16


def record_ids(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT record_id FROM questions ORDER BY id")]


async def test_rows_are_written_by_a_child_process(tmp_path: Path) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY))
    await log.start()
    assert log._process is not None and log._process.pid > 0
    with open(f"/proc/{log._process.pid}/cmdline", "rb") as cmdline:
        assert KEY not in cmdline.read()  # the secret goes over the socket, never into argv
    records = [record(n) for n in range(300)]
    for r in records:
        log.submit(r)
    await log.flush()
    assert count_rows(tmp_path / "q.db") == 300
    state = log.state
    assert state.running and state.healthy and state.written == 300 and state.queue_depth == 0
    process = log._process
    await log.stop()
    assert process.returncode == 0 and not log.state.running
    assert record_ids(tmp_path / "q.db") == [r.record_id for r in records]


async def test_rows_of_a_trickle_go_to_the_child_together(tmp_path: Path) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY))
    await log.start()
    assert log._stream is not None
    sent: list[bytes] = []
    write = log._stream.write

    def spy(data: bytes | bytearray | memoryview) -> None:  # on the transport: what goes over the socket
        sent.append(bytes(data))
        write(data)

    log._stream.write = spy  # type: ignore[method-assign]
    for n in range(40):  # one row per turn of the loop, as answers come
        log.submit(record(n))
        await asyncio.sleep(0)
    await log.flush()
    await log.stop()
    assert count_rows(tmp_path / "q.db") == 40
    rows_messages = [m for m in sent if b"rows" in m]
    assert 1 <= len(rows_messages) <= 4  # not forty messages of one row each


async def test_stop_writes_what_was_still_queued(tmp_path: Path) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY))
    await log.start()
    assert log._process is not None
    log.submit(record(-1))
    await log.flush()  # the child is serving, so its signal handlers are set
    for signal_number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # as sent to the whole group
        log._process.send_signal(signal_number)
    for n in range(2000):
        log.submit(record(n))
    await log.stop()  # no flush first
    assert count_rows(tmp_path / "q.db") == 2001 and log._fallback is None  # all written by the child


async def test_a_dead_child_loses_and_repeats_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY))
    await log.start()
    first = [record(n) for n in range(500)]
    for r in first:
        log.submit(r)
    await log.flush()
    later = [record(n) for n in range(500, 3000)]
    for r in later[:1500]:
        log.submit(r)
    assert log._process is not None
    log._process.kill()  # some of these rows may be written, some not: none may be lost or doubled
    for r in later[1500:]:
        log.submit(r)
    with caplog.at_level(logging.ERROR, logger="core.log.process"):
        await log.flush()
    assert "stopped unexpectedly" in caplog.text
    assert log.state.running  # the log carries on, in this process
    log.submit(record(9999, question="after the child died"))
    await log.stop()
    ids = record_ids(tmp_path / "q.db")
    assert len(ids) == len(set(ids)) == 3001
    assert set(ids) >= {r.record_id for r in first + later}


async def test_rows_dropped_before_the_child_died_are_still_counted(tmp_path: Path) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY), queue_size=10)
    await log.start()
    for n in range(25):
        log.submit(record(n))
    assert log._process is not None
    log._process.kill()  # before the sender has said anything about the 15 rows that did not fit
    await log.flush()
    await log.stop()
    assert count_rows(tmp_path / "q.db") == 10
    assert log.state.dropped == 15


async def test_review_commands_read_what_the_child_wrote(tmp_path: Path, catalogue) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY))
    await log.start()
    try:
        service = ExobotService(AnswerEngine(catalogue), writer=log)
        for text in ("is it safe?", "risk cancer", "what about my cat"):
            await service.handle(Request(text, platform="slack", user_id="U1"))
        mine = await service.handle(Request("my-data", platform="slack", user_id="U1"))
        assert mine.private and "3 question(s)" in mine.paragraphs[0]
        gone = await service.handle(Request("forget-me", platform="slack", user_id="U1"))
        assert "deleted 4" in gone.paragraphs[0]  # the three questions and the my-data request
        async with log.store() as store:
            # Only the forget-me request itself remains: it is logged once answered, like any other.
            assert [r.command for r in await store.recent()] == ["forget-me"]
    finally:
        await log.stop()


async def test_a_full_queue_drops_and_records_how_many(tmp_path: Path) -> None:
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY), queue_size=10)
    await log.start()
    for n in range(25):
        log.submit(record(n))  # nothing has been sent yet: the queue holds ten
    assert log.state.dropped == 15
    await log.stop()
    assert count_rows(tmp_path / "q.db") == 10
    async with await QuestionStore.open(tmp_path / "q.db") as store:
        assert [(kind, count) for _, kind, count in await store.events()] == [("dropped", 15)]


async def test_a_deleted_database_is_recreated_for_writing_and_reading(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    log = LogProcess(path, Pseudonymiser(KEY))
    await log.start()
    try:
        log.submit(record(1))
        async with log.store() as store:
            assert await store.count() == 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        log.submit(record(2, question="after the file was deleted"))
        async with log.store() as store:
            assert [r.question for r in await store.recent()] == ["after the file was deleted"]
    finally:
        await log.stop()


async def test_the_childs_warnings_are_logged_here(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    unusable = tmp_path / "a-directory.db"
    unusable.mkdir()  # SQLite cannot open a directory: the child's writer spools and warns
    log = LogProcess(unusable, Pseudonymiser(KEY))
    with caplog.at_level(logging.WARNING, logger="core.log.writer"):
        await log.start()
        log.submit(record(1))
        await log.flush()
        await log.stop()
    warned = [r for r in caplog.records if r.name == "core.log.writer" and "cannot write" in r.getMessage()]
    assert warned and str(unusable) in warned[0].getMessage()
    assert len((tmp_path / "a-directory.db.spool.jsonl").read_text().splitlines()) == 1


def test_a_parent_killed_outright_leaves_no_child_and_loses_no_sent_row(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    asyncio.run(_create(path))
    script = f"""
import asyncio, os
from pathlib import Path
from core.log.process import LogProcess
from core.log.pseudonym import Pseudonymiser
from tests.logtools import record

async def main():
    log = LogProcess(Path({str(path)!r}), Pseudonymiser({KEY!r}))
    await log.start()
    for n in range(200):
        log.submit(record(n))
    await asyncio.sleep(0.3)  # sent; the child cannot write them while the test holds the lock
    print(log._process.pid, flush=True)
    os._exit(9)  # no stop, no flush: as if killed

asyncio.run(main())
"""
    lock = sqlite3.connect(path)
    lock.execute("BEGIN IMMEDIATE")
    root = Path(__file__).resolve().parent.parent
    # Not subprocess.run: the child inherits the parent's pipes, so it would wait for the child too.
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=root)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert parent.wait(timeout=30) == 9
    parent.stdout.close()
    lock.rollback()  # the parent is gone by now, and the child still holds its rows
    lock.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break  # the child saw the socket close, wrote what it had, and left
        time.sleep(0.05)
    else:
        pytest.fail("the writer process outlived its parent")
    assert count_rows(path) == 200


async def _create(path: Path) -> None:
    async with await QuestionStore.open(path):
        pass


async def test_without_a_child_the_log_is_written_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def cannot_start(*args: object, **kwargs: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", cannot_start)
    log = LogProcess(tmp_path / "q.db", Pseudonymiser(KEY))
    await log.start()
    assert log._process is None and log._fallback is not None
    for n in range(20):
        log.submit(record(n))
    await log.stop()
    assert count_rows(tmp_path / "q.db") == 20
