"""Question-log figures: rows per second into the database, and what waiting for the commit adds to an
answer (an answer leaves only once its row is durable; a burst's rows share one commit)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from core.content import load_catalogue
from core.engine import AnswerEngine
from core.request import Request
from core.service import ExobotService
from tests.bench.common import Result, median, mixed_questions, percentile
from tests.logtools import count_rows, record, sqlite_writer


async def rows_per_second(path: Path, rows: int) -> float:
    writer = sqlite_writer(path, queue_size=rows + 1)
    await writer.start()
    records = [record(n) for n in range(rows)]
    started = time.perf_counter()
    done = [writer.submit(r) for r in records]
    await asyncio.gather(*done)
    elapsed = time.perf_counter() - started
    await writer.stop()
    assert count_rows(path) == rows
    return rows / elapsed


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
        rate = await rows_per_second(folder / "rows.db", 100_000)
        results.append(Result("SQLite log writer, group commit (100,000 rows)", rate, "rows/s"))
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
