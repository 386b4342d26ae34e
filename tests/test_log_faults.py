"""The question log under faults: answering goes on, nothing is dropped silently, nothing is lost on stop.

These use real conditions: a second connection holding the write lock, an immutable file, a full
file system (a small tmpfs), a deleted file, and a real process stopped with SIGTERM mid-burst.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.engine import AnswerEngine
from core.log.pseudonym import Pseudonymiser
from core.log.store import QuestionStore
from core.log.writer import LogWriter
from core.request import Request
from core.service import ExobotService
from tests.logtools import count_rows, eventually, record

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for chattr/mount")


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


async def test_locked_database_spools_then_imports(tmp_path: Path, catalogue, caplog) -> None:
    path = tmp_path / "q.db"
    writer = LogWriter(path, Pseudonymiser(b"k" * 32), max_backoff=0.2)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        for n in range(20):
            answer = await service.handle(Request(f"is it safe? {n}"))
            assert answer.ref == "faq:safety"  # answering goes on while the log is stuck
        await writer.flush()
        assert not writer.state.healthy
        assert writer.spool_path.exists() and writer.state.spooled == 20
        assert _warnings(caplog, "cannot write") == 1  # warned once, not once per row
    finally:
        blocker.rollback()
        blocker.close()
    await eventually(lambda: writer.state.healthy and not writer.spool_path.exists())
    await writer.stop()
    assert count_rows(path) == 20


async def test_spool_left_by_a_stop_during_an_outage_is_imported_on_next_start(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    writer = LogWriter(path, Pseudonymiser(b"k" * 32))
    await writer.start()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    for n in range(5):
        writer.submit(record(n))
    await writer.stop()  # still locked: rows go to the spool, not nowhere
    blocker.rollback()
    blocker.close()
    writer.submit(record(99))  # after stop, a late row is spooled too
    assert len(writer.spool_path.read_text().splitlines()) == 6
    again = LogWriter(path, Pseudonymiser(b"k" * 32))
    await again.start()
    await again.stop()
    assert count_rows(path) == 6 and not again.spool_path.exists()


async def test_reimporting_a_spool_never_duplicates_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    rows = [record(n) for n in range(3)]
    async with await QuestionStore.open(path) as store:
        await store.insert(rows)
    spool = path.with_name(path.name + ".spool.jsonl")
    spool.write_text("".join(json.dumps(r._asdict()) + "\n" for r in rows) + "not json\n")
    writer = LogWriter(path, Pseudonymiser(b"k" * 32))
    await writer.start()
    await writer.stop()
    assert count_rows(path) == 3


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    files: list[Path] = []
    yield files
    for f in files:
        subprocess.run(["chattr", "-i", str(f)], check=False)


@needs_root
async def test_read_only_database(tmp_path: Path, immutable: list[Path], caplog) -> None:
    path = tmp_path / "q.db"
    writer = LogWriter(path, Pseudonymiser(b"k" * 32), max_backoff=0.2)
    await writer.start()
    writer.submit(record(0))
    await writer.flush()
    async with writer.store() as store:  # checkpoint so the file holds everything, then freeze it
        await store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in ("q.db", "q.db-wal"):
        if subprocess.run(["chattr", "+i", str(tmp_path / name)], check=False).returncode != 0:
            pytest.skip("chattr +i is not supported on this file system")
        immutable.append(tmp_path / name)
    for n in range(1, 11):
        writer.submit(record(n))
    await writer.flush()
    assert not writer.state.healthy and writer.state.spooled == 10
    assert _warnings(caplog, "cannot write") == 1
    for f in immutable:
        subprocess.run(["chattr", "-i", str(f)], check=True)
    await eventually(lambda: writer.state.healthy and writer.state.spooled == 0)
    await writer.stop()
    assert count_rows(path) == 11


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@needs_root
async def test_full_disk_keeps_rows_and_recovers(small_disk: Path, caplog) -> None:
    path = small_disk / "q.db"
    writer = LogWriter(path, Pseudonymiser(b"k" * 32), max_backoff=0.2)
    await writer.start()
    writer.submit(record(0))
    await writer.flush()
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # fill every last block
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    big = "x" * 400
    for n in range(1, 201):
        writer.submit(record(n, question=big + str(n)))
    await writer.flush()
    assert not writer.state.healthy, writer.state
    assert writer.state.dropped == 0 and writer.state.spooled > 0
    filler.unlink()
    await eventually(lambda: writer.state.healthy and writer.state.spooled == 0)
    await writer.stop()
    assert count_rows(path) == 201


async def test_deleted_database_is_recreated_without_losing_rows(tmp_path: Path, caplog) -> None:
    path = tmp_path / "q.db"
    writer = LogWriter(path, Pseudonymiser(b"k" * 32))
    await writer.start()
    writer.submit(record(0))
    await writer.flush()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for n in range(1, 6):
        writer.submit(record(n))
    await writer.stop()
    assert count_rows(path) == 5  # the rows written after the deletion are in the new file
    assert _warnings(caplog, "deleted or replaced") == 1


async def test_queue_overflow_counts_and_records_dropped_rows(tmp_path: Path, caplog) -> None:
    path = tmp_path / "q.db"
    writer = LogWriter(path, Pseudonymiser(b"k" * 32), queue_size=10)
    await writer.start()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # the writer is stuck in busy_timeout while we submit
    writer.submit(record(0))
    await asyncio.sleep(0.1)
    for n in range(1, 51):
        writer.submit(record(n))
    dropped = writer.state.dropped
    assert dropped == 40  # ten fit in the queue
    blocker.rollback()
    blocker.close()
    await writer.stop()
    async with await QuestionStore.open(path) as store:
        assert await store.count() == 11
        assert [event[1:] for event in await store.events()] == [("dropped", 40)]
    assert _warnings(caplog, "queue is full") == 1


def test_sigterm_in_the_middle_of_a_burst_loses_nothing(isolated_env: Path) -> None:
    """A real `exobot console` process, fed questions as fast as it answers, stopped with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "console", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdin and process.stdout
    questions = ["is it safe?", "how much does it cost", "why is rent so expensive?", "risk cancer", "faq 2"]
    burst = "".join(f"{questions[n % len(questions)]} #{n}\n" for n in range(3000))
    process.stdin.write(burst)
    process.stdin.flush()
    answered = 0
    for _ in range(500):  # let it get well into the burst, then stop it
        json.loads(process.stdout.readline())
        answered += 1
    process.send_signal(signal.SIGTERM)
    # Read on through process.stdout, not communicate(): readline() may have buffered answers already,
    # and communicate() reads the pipe underneath that buffer, so it would miss them.
    rest = process.stdout.read()
    errors = process.stderr.read() if process.stderr else ""
    process.wait(timeout=30)
    answered += len([line for line in rest.splitlines() if line.strip()])
    assert process.returncode == 0, errors
    assert 500 <= answered < 3000  # it really was stopped mid-burst
    # Restart once, as an operator would, so any spooled rows are imported; then count.
    subprocess.run([sys.executable, "-m", "bots.cli", "console"], input="", text=True, check=True, timeout=30)
    assert count_rows(isolated_env / "exobot.db") == answered
