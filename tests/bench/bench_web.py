"""Review pages with 100,000 questions in the log: milliseconds per page, each held to 200 ms.

The pages are served for real (``bots.http_server``) over a real SQLite log, then a real PostgreSQL
one (a throwaway server, when PostgreSQL is installed), and fetched over HTTP
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

from core.questionlog.postgres import postgres_connector
from core.questionlog.pseudonym import Pseudonymiser
from core.questionlog.store import Scope
from core.questionlog.writer import LogWriter
from tests.bench.common import Result, median, mixed_questions, percentile
from tests.logtools import KEY, record, sqlite_writer
from tests.pg_server import INSTALL_HINT, running_server
from tests.web_harness import OURS, THEIRS, review_site

ROWS = 100_000
GOAL_MS = 200.0
LOADS = 15
OUTCOMES = ["answered"] * 7 + ["unanswered"] * 2 + ["small_talk"]


async def _fill(site_writer: LogWriter, rows: int) -> None:
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
        # What PostgreSQL's autovacuum does within a minute of a bulk load; the pages are timed after it.
        await store.refresh_statistics()


async def _pages(writer: LogWriter, database: str) -> list[Result]:
    results: list[Result] = []
    async with review_site(writer) as site:
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
                name = f"review page {path}, {database} ({ROWS:,} rows; p95 {percentile(times, 0.95):.0f} ms)"
                results.append(Result(name, median(times), "ms", f"< {GOAL_MS:.0f} ms", median(times) < GOAL_MS))
            started = time.perf_counter()
            async with client.get("/export.csv") as response:
                size = len(await response.read())
            took = (time.perf_counter() - started) * 1000
            results.append(Result(f"review export.csv, {database}, {ROWS * 9 // 10:,} rows ({size / 2**20:.1f} MB)",
                                  took, "ms"))  # fmt: skip
    return results


async def _run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        results = await _pages(sqlite_writer(Path(tmp) / "review.db"), "SQLite")
        with running_server() as server:
            if server is None:
                results.append(Result(f"review pages, PostgreSQL: skipped ({INSTALL_HINT})", 0, ""))
            else:
                connector = postgres_connector(server.create_database(), Path(tmp) / "pg.spool.jsonl")
                results += await _pages(LogWriter(connector, Pseudonymiser(KEY)), "PostgreSQL")
    return results


def run() -> list[Result]:
    return asyncio.run(_run())
