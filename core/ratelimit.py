"""A per-user rate limit, shared by every adapter."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable


class RateLimiter:
    """At most ``count`` questions at once per person, refilled at ``count`` per ``seconds``.

    The generic cell rate algorithm (a leaky bucket): each person is one number, the moment their
    allowance is next full, so a call is O(1) and a person costs about a hundred bytes. People whose
    allowance is full again are forgotten in sweeps that run when the table has doubled since the last
    one, which keeps that work O(1) per call on average however many people ask at once; ``max_keys``
    caps the table beyond that: past it, the longest-known half is forgotten (and gets a fresh allowance).
    """

    def __init__(
        self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic, max_keys: int = 200_000
    ) -> None:
        self.count = count
        self.seconds = seconds
        self._interval = seconds / count
        self._tolerance = seconds - self._interval
        self._clock = clock
        self._max_keys = max_keys
        self._full_at: dict[int, float] = {}
        self._sweep_at = 1024

    def __len__(self) -> int:
        return len(self._full_at)

    def retry_after(self, key: str) -> float:
        """0 if key may go ahead now (and counts the question), else seconds until it may."""
        now = self._clock()
        slot = hash(key)  # an int: a fraction of the memory of the key itself, for the same purpose
        full_at = max(self._full_at.get(slot, now), now)
        if full_at - now > self._tolerance:
            return full_at - now - self._tolerance
        self._full_at[slot] = full_at + self._interval
        if len(self._full_at) >= self._sweep_at:
            self._sweep(now)
        return 0.0

    def _sweep(self, now: float) -> None:
        table = {k: v for k, v in self._full_at.items() if v > now}
        if len(table) >= self._max_keys:
            # More people at once than the cap: forget the longest-known half (dicts keep insertion order).
            table = dict(itertools.islice(table.items(), len(table) - self._max_keys // 2, None))
        self._full_at = table
        self._sweep_at = min(max(2 * len(table), 1024), self._max_keys)
