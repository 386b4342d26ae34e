"""Core answers per second on a mixed question set, and the cold start of `exobot ask --json`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from core.content import load_catalogue
from core.engine import AnswerEngine
from core.request import Request
from tests.bench.common import Result, median, mixed_questions


def answers_per_second(seconds: float = 2.0) -> Result:
    engine = AnswerEngine(load_catalogue())
    requests = [Request(q) for q in mixed_questions()]
    for request in requests:  # warm up caches the way a running bot would be
        engine.answer(request)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for request in requests:
            engine.answer(request)
        done += len(requests)
    rate = done / (time.perf_counter() - started)
    return Result(f"core answers/s, {len(requests)} mixed questions, one core", rate, "answers/s", "goal >= 20,000",
                  rate >= 20_000)  # fmt: skip


def cold_start(runs: int = 7) -> list[Result]:
    command = [sys.executable, "-m", "bots.cli", "ask", "--json", "is it safe?"]
    # As installed: bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE, which no install does) and
    # the parsed-content cache warm, as it is from the second run of any deployment on.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=True, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append((time.perf_counter() - started) * 1000)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, bots.cli, core.engine, core.service, core.bootstrap;"
         "print(','.join(m for m in ('discord', 'slack_bolt', 'slack_sdk', 'aiohttp') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    leaked = probe.stdout.strip()
    cold = median(times)
    return [
        Result('cold start: exobot ask --json "is it safe?" (median)', cold, "ms", "goal <= 150", cold <= 150),
        Result(f"core imports discord/slack/aiohttp: {leaked or 'none'}", float(bool(leaked)), "", "goal none",
               not leaked),
    ]  # fmt: skip


def run() -> list[Result]:
    return [answers_per_second(), *cold_start()]
