"""Helpers for question-log tests: records, writers, counting rows, waiting for a condition."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.questionlog.pseudonym import Pseudonymiser
from core.questionlog.records import QuestionRecord, iso_utc, new_record_id, now_iso
from core.questionlog.sqlite import sqlite_connector
from core.questionlog.store import QuestionStore
from core.questionlog.writer import Connector, LogWriter

KEY = b"k" * 32


def record(
    n: int = 0, *, user_hash: str = "u" * 64, asked_at: dt.datetime | None = None, **extra: Any
) -> QuestionRecord:
    """A finished record, as the service would build one; ``extra`` overrides any field."""
    fields: dict[str, Any] = dict(
        record_id=new_record_id(), asked_at=iso_utc(asked_at) if asked_at else now_iso(), platform="test",
        workspace=None, channel=None, channel_kind="dm", surface="command", user_hash=user_hash, command="ask",
        question=f"question {n}", match="faq:safety", score=1.0, emergency=False, latency_ms=0.1,
        outcome="answered",
    )  # fmt: skip
    fields.update(extra)
    return QuestionRecord(**fields)


def sqlite_writer(path: Path, **options: Any) -> LogWriter:
    return LogWriter(sqlite_connector(path), Pseudonymiser(KEY), **options)


class LogBackend:
    """One database under test, reached as the bot reaches it: through its connector."""

    def __init__(self, name: str, connector: Connector) -> None:
        self.name = name
        self.connector = connector

    def __repr__(self) -> str:
        return self.name

    def writer(self, **options: Any) -> LogWriter:
        return LogWriter(self.connector, Pseudonymiser(KEY), **options)

    async def open(self) -> QuestionStore:
        """A reviewer's connection (migrating a new database), to use with ``async with``."""
        return await self.connector.reader()

    async def count(self) -> int:
        async with await self.open() as store:
            return await store.count()


def count_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM questions").fetchone()[0])


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until condition holds; fail the test with a clear message if it never does."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A file system of size (like "1m") mounted at folder, to fill up; skips the test where mounting
    is not allowed (not root)."""
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
