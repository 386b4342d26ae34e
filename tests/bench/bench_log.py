"""Question-log figures: rows per second into the database, and what waiting for the commit adds to an
answer (an answer leaves only once its row is durable; a burst's rows share one commit)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from core.content import load_catalogue
from core.engine import AnswerEngine
from core.questionlog.postgres import postgres_connector
from core.questionlog.sqlite import sqlite_connector
from core.request import Request
from core.service import ExobotService
from tests.bench.common import Result, median, mixed_questions, percentile
from tests.logtools import LogBackend, record, sqlite_writer
from tests.pg_server import INSTALL_HINT, running_server

ROWS = 100_000


async def rows_per_second(backend: LogBackend, rows: int) -> float:
    writer = backend.writer(queue_size=rows + 1)
    await writer.start()
    records = [record(n) for n in range(rows)]
    started = time.perf_counter()
    done = [writer.submit(r) for r in records]
    await asyncio.gather(*done)
    elapsed = time.perf_counter() - started
    await writer.stop()
    assert await backend.count() == rows
    return rows / elapsed


async def postgres_rows_per_second(rows: int, spool: Path) -> Result:
    """The same writer into a throwaway local PostgreSQL (fsync on, as SQLite's commits are durable)."""
    name = f"PostgreSQL log writer, group commit ({rows:,} rows)"
    with running_server(durable=True) as server:
        if server is None:
            return Result(f"{name}: skipped, PostgreSQL is not installed ({INSTALL_HINT})", 0, "")
        backend = LogBackend("postgresql", postgres_connector(server.create_database(), spool))
        return Result(name, await rows_per_second(backend, rows), "rows/s")


async def answer_latency(service: ExobotService, burst: int, rounds: int = 30) -> list[float]:
    """Seconds per answer, for bursts of concurrent questions (one loop, as a server's)."""
    questions = [q for q in mixed_questions() if q.strip()]
    latencies: list[float] = []

    async def one(n: int) -> None:
        started = time.perf_counter()
        await service.handle(Request(questions[n % len(questions)], platform="bench", user_id=f"U{n}"))
        latencies.append(time.perf_counter() - started)

    for r in range(rounds):
        await asyncio.gather(*(one(r * burst + i) for i in range(burst)))
    return latencies


async def _run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rate = await rows_per_second(LogBackend("sqlite", sqlite_connector(folder / "rows.db")), ROWS)
        results.append(Result(f"SQLite log writer, group commit ({ROWS:,} rows)", rate, "rows/s"))
        results.append(await postgres_rows_per_second(ROWS, folder / "postgres.spool.jsonl"))
        engine = AnswerEngine(load_catalogue())
        writer = sqlite_writer(folder / "answers.db", queue_size=1_000_000)
        await writer.start()
        logged, plain = ExobotService(engine, writer=writer), ExobotService(engine)
        for burst in (1, 64):
            off = await answer_latency(plain, burst)
            on = await answer_latency(logged, burst)
            for label, latencies in (("log off", off), ("waiting for the commit", on)):
                p99 = percentile(latencies, 0.99) * 1000
                name = f"answer latency p50, bursts of {burst}, {label} (p99 {p99:.2f} ms)"
                results.append(Result(name, median(latencies) * 1000, "ms"))
        await writer.stop()
    return results


def run() -> list[Result]:
    return asyncio.run(_run())
