"""Benchmarks, run by ``make bench`` (``python -m tests.bench``); never part of ``make test``."""
