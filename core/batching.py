"""Work handed in during one turn of the event loop, done together at the end of that turn.

A busy bot gets questions in bursts: Discord or Slack deliver dozens in one read, and each becomes a
task that runs in the same turn of the loop. Between two answers, each task's platform library builds a
request and talks HTTP, which pushes the matcher's tables and code out of the CPU's caches; answered
one after another in one pass, they stay there. Against answering inline, this lifted Discord's
exobot / bare ratio (``make bench``) by 2–4 points in back-to-back runs. The price is one turn of the
loop per question.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class TurnBatch(Generic[T, R]):
    """Runs ``work`` on every item submitted in one loop turn, in order, at the end of that turn.

    ``work`` runs for every item, even one whose caller stopped waiting: what it does (answering and
    logging a question) has to happen once the item was handed in. An exception from ``work`` reaches
    that item's caller only, so one bad item never leaves the others waiting.
    """

    def __init__(self, work: Callable[[T], R]) -> None:
        self._work = work
        self._loop: asyncio.AbstractEventLoop | None = None
        self._items: list[tuple[T, asyncio.Future[R]]] | None = None

    def submit(self, item: T) -> asyncio.Future[R]:
        """The future result of work(item), done with the rest of this turn's items."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[R] = loop.create_future()
        if self._items is None or self._loop is not loop:  # a batch belongs to one loop: its futures do
            self._items, self._loop = [], loop
            loop.call_soon(self._run, self._items)
        self._items.append((item, done))
        return done

    def _run(self, items: list[tuple[T, asyncio.Future[R]]]) -> None:
        if self._items is items:
            self._items = None
        work = self._work
        for item, done in items:
            try:
                result = work(item)
            except Exception as exc:
                if not done.cancelled():
                    done.set_exception(exc)
            else:
                if not done.cancelled():
                    done.set_result(result)
