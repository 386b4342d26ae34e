"""Run every benchmark, each in a fresh process, and print one table; exit 1 if a goal is missed.

A fresh process per module keeps one benchmark's heap, caches and threads from slowing the next.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
import time

from tests.bench.common import Result

MODULES = ("bench_accuracy", "bench_core", "bench_log", "bench_load", "bench_memory", "bench_web")


def calibration() -> float:
    """Seconds for a fixed pure-Python loop: tells a slow machine from a slow change.

    On a shared VM the same code measured minutes apart differed by 2x; print this beside the figures.
    """
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def run_one(name: str) -> None:
    module = importlib.import_module(f"tests.bench.{name}")
    print(json.dumps([dataclasses.asdict(r) for r in module.run()]))


def main() -> int:
    print(f"machine: a 5M-step Python loop took {calibration():.2f} s (compare runs by this before the figures)")
    results: list[Result] = []
    for name in MODULES:
        print(f"-- {name}", flush=True)
        child = subprocess.run(
            [sys.executable, "-m", "tests.bench", "--one", name], capture_output=True, text=True, check=False
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            results.append(Result(f"{name} failed to run", 0, "", "must run", False))
            continue
        for row in json.loads(child.stdout.strip().splitlines()[-1]):
            result = Result(**row)
            print(result.line(), flush=True)
            results.append(result)
    missed = [r for r in results if r.ok is False]
    print(f"\n{len(results) - len(missed)} of {len(results)} figures meet their goals.")
    return 1 if missed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
