"""Question-log figures: writer throughput batched vs one commit per row; answering with logging on vs off."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from core.content import load_catalogue
from core.engine import AnswerEngine
from core.log.process import LogProcess
from core.log.pseudonym import Pseudonymiser
from core.log.writer import LogWriter
from core.request import Request
from core.service import ExobotService
from tests.bench.common import Result, median, mixed_questions, paired_ratio
from tests.logtools import count_rows, record

PAIRS = 16


async def _write_rows(path: Path, rows: int, batch_size: int) -> float:
    writer = LogWriter(path, Pseudonymiser(b"k" * 32), batch_size=batch_size, queue_size=rows + 1)
    await writer.start()
    records = [record(n) for n in range(rows)]
    started = time.perf_counter()
    for r in records:
        writer.submit(r)
    await writer.stop()
    elapsed = time.perf_counter() - started
    assert count_rows(path) == rows
    return rows / elapsed


async def _answers(service: ExobotService, requests: list[Request], seconds: float) -> float:
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for request in requests:
            await service.handle(request)
        done += len(requests)
        # Yield to the loop, as a server does between requests: there the writer task runs. Both sides
        # yield alike, so the comparison measures logging and not the (~2%) cost of a loop turn.
        await asyncio.sleep(0)
    return done / (time.perf_counter() - started)


async def _run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = AnswerEngine(load_catalogue())
        requests = [Request(q, platform="bench", user_id=f"U{n % 50}") for n, q in enumerate(mixed_questions())]
        plain = ExobotService(engine)
        writer = LogProcess(folder / "answers.db", Pseudonymiser(b"k" * 32), queue_size=1_000_000)
        await writer.start()
        logged = ExobotService(engine, writer=writer)
        await _answers(plain, requests, 0.3)  # warm-up
        offs, ons = [], []
        for _ in range(PAIRS):  # alternate, so a busy moment on the machine does not land on one side only
            offs.append(await _answers(plain, requests, 0.2))
            ons.append(await _answers(logged, requests, 0.2))
            await writer.flush()  # untimed, but here: the next run must not be the one writing these rows
        off, on = median(offs), median(ons)
        await writer.stop()
        ratio = paired_ratio(ons, offs)
        # After the comparison: 100,000 rows in memory would leave the heap bigger for it.
        batched = await _write_rows(folder / "batched.db", 100_000, 512)
        single = await _write_rows(folder / "single.db", 3_000, 1)
    return [
        Result("log writer, batched (512 rows per commit)", batched, "rows/s", "goal >= 50,000", batched >= 50_000),
        Result("log writer, one commit per row", single, "rows/s", f"batched is {batched / single:.0f}x faster"),
        Result(f"answers/s with logging off (median of {PAIRS} alternating runs)", off, "answers/s"),
        Result(f"answers/s with logging on (median of {PAIRS} alternating runs)", on, "answers/s"),
        Result(
            f"logging on / off (median of the {PAIRS} back-to-back pairs)", ratio, "ratio", "goal >= 0.9", ratio >= 0.9
        ),
    ]


def run() -> list[Result]:
    return asyncio.run(_run())
