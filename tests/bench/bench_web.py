"""Review pages with 100,000 questions in the log: milliseconds per page, each held to 200 ms.

The pages are served for real (``bots.http_server``) over a real SQLite log and fetched over HTTP
by a signed-in client, as a moderator's browser would; the figure is the median of repeated loads,
with the 95th percentile beside it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from core.questionlog.store import Scope
from tests.bench.common import Result, median, mixed_questions, percentile
from tests.logtools import record, sqlite_writer
from tests.web_harness import OURS, THEIRS, review_site

ROWS = 100_000
GOAL_MS = 200.0
LOADS = 15
OUTCOMES = ["answered"] * 7 + ["unanswered"] * 2 + ["small_talk"]


async def _fill(site_writer: object, rows: int) -> None:
    from core.questionlog.writer import LogWriter

    assert isinstance(site_writer, LogWriter)
    texts = [q for q in mixed_questions() if q.strip()]
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    done = []
    for n in range(rows):
        outcome = rng.choice(OUTCOMES)
        community = OURS if n % 10 else THEIRS  # nine rows in ten are the moderator's own community's
        done.append(site_writer.submit(record(
            n, platform=community.platform, workspace=community.workspace, question=rng.choice(texts),
            outcome=outcome, match="faq:safety" if outcome == "answered" else None, emergency=n % 97 == 0,
            asked_at=now - dt.timedelta(minutes=rng.randrange(85 * 24 * 60)),
        )))  # fmt: skip
    await asyncio.gather(*done)
    async with site_writer.reader() as store:
        for row in await store.recent(Scope.of(OURS), 2000):
            await store.vote(row.record_id, f"voter-{row.id % 7}", row.id % 3 != 0)


async def _run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with review_site(sqlite_writer(Path(tmp) / "review.db")) as site:
            site.writer.queue_size = ROWS + 1
            await _fill(site.writer, ROWS)
            async with site.writer.reader() as store:
                some_id = (await store.recent(Scope.of(OURS), 1))[0].id
            pages = [
                "/", "/?days=90", "/unanswered", "/unanswered?page=3", "/questions", "/questions?page=200",
                "/search?q=cancer", "/search?q=stem+cells&page=2", f"/questions/{some_id}",
            ]  # fmt: skip
            async with site.client() as client:
                await site.signed_in(client)
                for path in pages:
                    times = []
                    for _ in range(LOADS):
                        started = time.perf_counter()
                        async with client.get(path) as response:
                            await response.read()
                            assert response.status == 200, path
                        times.append((time.perf_counter() - started) * 1000)
                    p95 = percentile(times, 0.95)
                    results.append(Result(f"review page {path} ({ROWS:,} rows; p95 {p95:.0f} ms)", median(times), "ms",
                                          f"< {GOAL_MS:.0f} ms", median(times) < GOAL_MS))  # fmt: skip
                started = time.perf_counter()
                async with client.get("/export.csv") as response:
                    size = len(await response.read())
                took = (time.perf_counter() - started) * 1000
                name = f"review export.csv, {ROWS * 9 // 10:,} rows ({size / 2**20:.1f} MB)"
                results.append(Result(name, took, "ms"))
    return results


def run() -> list[Result]:
    return asyncio.run(_run())
