"""Where rows wait when the database cannot take them: a JSON-lines file beside it, fsync'd.

An answer waits until its row is committed or spooled, so a row in the spool must survive the process
being killed the moment after: each append is flushed to disk before it returns. Appends run in a
worker thread (an fsync takes milliseconds) and one at a time, so lines never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from core.questionlog.records import QuestionRecord

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @property
    def _claimed(self) -> Path:
        return self.path.with_name(self.path.name + ".importing")

    def exists(self) -> bool:
        return self.path.exists() or self._claimed.exists()

    def count(self) -> int:
        """Rows waiting (0 when there are none)."""
        total = 0
        for path in (self.path, self._claimed):
            with contextlib.suppress(FileNotFoundError), path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        return total

    async def append(self, records: Sequence[QuestionRecord]) -> None:
        """Add rows and make them durable. Raises OSError when even that fails (a full disk)."""
        if records:
            await asyncio.to_thread(self.append_now, records)

    def append_now(self, records: Sequence[QuestionRecord]) -> None:
        """``append`` for callers outside the event loop (or at the very end of a stop)."""
        # ASCII JSON: a stray surrogate or control character is escaped, never an encoding error.
        data = "".join(json.dumps(r.to_json()) + "\n" for r in records).encode("ascii")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
                if written != len(data):  # a partial write on a nearly full disk: take it back whole
                    os.ftruncate(fd, os.fstat(fd).st_size - written)
                    raise OSError(28, "No space left on device (partial spool write undone)")
                os.fsync(fd)
            finally:
                os.close(fd)

    async def import_into(
        self, insert: Callable[[Sequence[QuestionRecord]], Awaitable[None]], batch_size: int = 512
    ) -> int:
        """Insert every spooled row with insert (which must skip rows stored already), then drop the
        file; returns how many rows it read. A failing insert leaves the rows for the next try.

        The file is first renamed aside, so rows appended while the import runs start a new file
        instead of being deleted with the old one.
        """
        claimed, total = self._claimed, 0
        # Twice at most: rows left aside by an earlier import that failed, then the spool as it is now.
        for _ in range(2):
            await asyncio.to_thread(self._claim, claimed)
            records = await asyncio.to_thread(_read, claimed)
            for start in range(0, len(records), batch_size):
                await insert(records[start : start + batch_size])
            claimed.unlink(missing_ok=True)
            total += len(records)
            if not self.path.exists():
                break
        if total:
            log.info("question log imported %d spooled rows from %s", total, self.path)
        return total

    def _claim(self, claimed: Path) -> None:
        with self._lock:
            if not claimed.exists() and self.path.exists():
                os.replace(self.path, claimed)


def _read(path: Path) -> list[QuestionRecord]:
    """Every row in a spool file; damaged lines (a crash mid-write) are reported and skipped."""
    records = []
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(QuestionRecord.from_json(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            log.error("question log spool %s line %d is damaged and was skipped", path, number)
    return records
