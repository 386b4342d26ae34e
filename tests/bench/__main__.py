"""Run every benchmark and print one table; exit 1 if a goal is missed."""

from __future__ import annotations

import importlib
import sys

MODULES = ("bench_core", "bench_log", "bench_slack", "bench_discord")


def main() -> int:
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
