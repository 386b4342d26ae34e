"""The question log under faults: answering goes on, nothing is dropped silently, nothing is lost on stop.

These use real conditions: a second connection holding the write lock, an immutable file, a full
file system (a small tmpfs), a deleted file, and real processes stopped with SIGTERM or SIGKILL.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.engine import AnswerEngine
from core.questionlog.sqlite import SqliteStore
from core.request import Request
from core.service import ExobotService
from tests.logtools import count_rows, eventually, record, small_tmpfs, sqlite_writer

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for chattr/mount")


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


async def test_locked_database_spools_then_imports(tmp_path: Path, catalogue, caplog) -> None:
    path = tmp_path / "q.db"
    writer = sqlite_writer(path, max_backoff=0.2)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        for n in range(20):
            answer = await service.handle(Request(f"is it safe? {n}"))
            assert answer.ref == "faq:safety"  # answering goes on while the log is stuck
        assert time.monotonic() - started < 20 * 0.5  # and promptly: the wait for the log is bounded
        await writer.flush()
        assert not writer.state.healthy
        assert writer.spool.exists() and writer.state.spooled == 20
        assert _warnings(caplog, "cannot write") == 1  # warned once, not once per row
    finally:
        blocker.rollback()
        blocker.close()
    # It recovers on its own, with nobody asking, and imports what it spooled.
    await eventually(lambda: writer.state.healthy and not writer.spool.exists())
    await writer.stop()
    assert count_rows(path) == 20


async def test_spool_left_by_a_stop_during_an_outage_is_imported_on_next_start(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    writer = sqlite_writer(path)
    await writer.start()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    for n in range(5):
        writer.submit(record(n))
    await writer.stop()  # still locked: rows go to the spool, not nowhere
    blocker.rollback()
    blocker.close()
    late = writer.submit(record(99))  # after stop, a late row is spooled too, never dropped
    assert late.result() == "spooled"
    assert writer.spool.count() == 6
    again = sqlite_writer(path)
    await again.start()
    await again.stop()
    assert count_rows(path) == 6 and not again.spool.exists()


async def test_reimporting_a_spool_never_duplicates_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    rows = [record(n) for n in range(3)]
    async with await SqliteStore.open(path) as store:
        await store.insert(rows)
    spool = path.with_name(path.name + ".spool.jsonl")
    spool.write_text("".join(json.dumps(r.to_json()) + "\n" for r in rows) + "not json\n")
    writer = sqlite_writer(path)
    await writer.start()
    await writer.stop()
    assert count_rows(path) == 3


async def test_a_row_spooled_while_its_commit_was_slow_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    writer = sqlite_writer(path)
    await writer.start()
    row = record(1)
    await writer.spool_now(row)  # the answer could not wait…
    await writer.submit(row)  # …and the writer committed the same row afterwards
    await writer.stop()
    again = sqlite_writer(path)
    await again.start()
    await again.stop()
    assert count_rows(path) == 1


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    files: list[Path] = []
    yield files
    for f in files:
        subprocess.run(["chattr", "-i", str(f)], check=False)


@needs_root
async def test_read_only_database(tmp_path: Path, immutable: list[Path], caplog) -> None:
    path = tmp_path / "q.db"
    writer = sqlite_writer(path, max_backoff=0.2)
    await writer.start()
    await writer.submit(record(0))
    async with writer.reader() as store:  # checkpoint so the file holds everything, then freeze it
        await store._fetch("PRAGMA wal_checkpoint(TRUNCATE)")
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
    with small_tmpfs(tmp_path / "small", "1m") as mount:
        yield mount


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # fill every last block
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


@needs_root
async def test_full_disk_keeps_rows_and_recovers(small_disk: Path, caplog) -> None:
    path = small_disk / "q.db"
    writer = sqlite_writer(path, max_backoff=0.2)
    await writer.start()
    await writer.submit(record(0))
    filler = fill(small_disk)
    big = "x" * 400
    for n in range(1, 201):
        writer.submit(record(n, question=big + str(n)))
    await writer.flush()
    assert not writer.state.healthy, writer.state
    assert writer.state.lost == 0 and (writer.state.spooled or writer.state.held)
    filler.unlink()
    await eventually(lambda: writer.state.healthy and writer.state.spooled == 0 and writer.state.held == 0)
    await writer.stop()
    assert count_rows(path) == 201


async def test_deleted_database_is_recreated_without_losing_rows(tmp_path: Path, caplog) -> None:
    path = tmp_path / "q.db"
    writer = sqlite_writer(path)
    await writer.start()
    await writer.submit(record(0))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for n in range(1, 6):
        writer.submit(record(n))
    await writer.stop()
    assert count_rows(path) == 5  # the rows written after the deletion are in the new file
    assert _warnings(caplog, "deleted or replaced") == 1


async def test_a_full_queue_spools_instead_of_dropping(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    writer = sqlite_writer(path, queue_size=10)
    await writer.start()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # the writer is stuck while we submit
    done = [writer.submit(record(n)) for n in range(50)]
    results = [await d for d in done]
    blocker.rollback()
    blocker.close()
    await writer.stop()
    assert set(results) <= {"committed", "spooled"} and "spooled" in results
    again = sqlite_writer(path)
    await again.start()
    await again.stop()
    assert count_rows(path) == 50


def test_sigterm_in_the_middle_of_a_burst_loses_nothing(isolated_env: Path) -> None:
    """A real `exobot console` process, fed questions as fast as it answers, stopped with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "console", "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
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
    # Read on through process.stdout, not communicate(): readline() may have buffered answers already.
    rest = process.stdout.read()
    errors = process.stderr.read() if process.stderr else ""
    process.wait(timeout=30)
    answered += len([line for line in rest.splitlines() if line.strip()])
    assert process.returncode == 0, errors
    assert 500 <= answered < 3000  # it really was stopped mid-burst
    # Restart once, as an operator would, so any spooled rows are imported; then count.
    subprocess.run([sys.executable, "-m", "bots.cli", "console"], input="", text=True, check=True, timeout=30)
    assert count_rows(isolated_env / "exobot.db") == answered
