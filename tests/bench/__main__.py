"""Run every benchmark and print one table; exit 1 if a goal is missed."""

from __future__ import annotations

import importlib
import sys
import time

MODULES = ("bench_core", "bench_log", "bench_slack", "bench_discord")


def calibration() -> float:
    """Seconds for a fixed pure-Python loop: tells a slow machine from a slow change.

    On a shared VM the same code measured minutes apart differed by 2x; print this beside the figures.
    """
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def main() -> int:
    print(f"machine: a 5M-step Python loop took {calibration():.2f} s (compare runs by this before the figures)")
    results = []
    for name in MODULES:
        module = importlib.import_module(f"tests.bench.{name}")
        print(f"-- {name}", flush=True)
        for result in module.run():
            print(result.line(), flush=True)
            results.append(result)
    missed = [r for r in results if r.ok is False]
    print(f"\n{len(results) - len(missed)} of {len(results)} figures meet their goals.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
