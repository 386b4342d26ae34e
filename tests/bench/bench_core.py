"""Core answers per second on a mixed question set, and the cold start of `exobot ask --json` (both for
information: neither is what a person waits for, which the load benchmark measures)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from core.content import load_catalogue
from core.engine import AnswerEngine
from core.text import clean
from tests.bench.common import Result, median, mixed_questions


def answers_per_second(seconds: float = 2.0) -> Result:
    engine = AnswerEngine(load_catalogue())
    texts = [clean(q) for q in mixed_questions()]
    for text in texts:
        engine.answer(text)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in texts:
            engine.answer(text)
        done += len(texts)
    return Result(f"core answers/s, {len(texts)} mixed questions, one core", done / (time.perf_counter() - started),
                  "answers/s")  # fmt: skip


def cold_start(runs: int = 7) -> list[Result]:
    command = [sys.executable, "-m", "bots.cli", "ask", "--json", "is it safe?"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=True, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append((time.perf_counter() - started) * 1000)
    return [Result('cold start: exobot ask --json "is it safe?" (median)', median(times), "ms")]


def run() -> list[Result]:
    return [answers_per_second(), *cold_start()]
