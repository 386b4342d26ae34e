"""The per-person rate limit: what it allows, and that it stays small and fast however many ask."""

from __future__ import annotations

from core.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_count_then_one_per_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(5, 60, clock=clock)
    assert [limiter.retry_after("a") for _ in range(5)] == [0.0] * 5
    wait = limiter.retry_after("a")
    assert 11.9 < wait <= 12.0  # the allowance refills at one question per 12 s
    assert limiter.retry_after("b") == 0.0  # someone else is not held back
    clock.now += wait
    assert limiter.retry_after("a") == 0.0 and limiter.retry_after("a") > 0
    clock.now += 60
    assert [limiter.retry_after("a") for _ in range(5)] == [0.0] * 5  # a full burst again after a minute


def test_people_whose_allowance_is_full_again_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(5, 60, clock=clock)
    for n in range(50_000):
        limiter.retry_after(f"slack:U{n}")
    assert len(limiter) == 50_000  # all within their minute
    clock.now += 61
    for n in range(20_000):  # the table reaches its next sweep within these
        limiter.retry_after(f"discord:{n}")
    assert len(limiter) <= 20_000  # the first 50,000 went in that sweep


def test_the_table_is_capped_even_when_everyone_is_active() -> None:
    clock = Clock()
    limiter = RateLimiter(5, 60, clock=clock, max_keys=10_000)
    for n in range(100_000):
        clock.now += 0.0001  # 100,000 people within ten seconds
        assert limiter.retry_after(f"U{n}") == 0.0
    assert len(limiter) <= 10_000
    # The newest are the ones still known: their next questions still count against them.
    for _ in range(4):
        limiter.retry_after("U99999")
    assert limiter.retry_after("U99999") > 0


def test_sweeps_do_not_run_on_every_call() -> None:
    # Past the old limit of 10,000 the table used to be rebuilt on every call; now sweeps run only when
    # it has doubled, so 60,000 calls cost a handful of sweeps.
    clock = Clock()
    limiter = RateLimiter(5, 60, clock=clock)
    sweeps = 0
    original = limiter._sweep

    def counting(now: float) -> None:
        nonlocal sweeps
        sweeps += 1
        original(now)

    limiter._sweep = counting  # type: ignore[method-assign]
    for n in range(60_000):
        limiter.retry_after(f"U{n}")
    assert sweeps <= 8
