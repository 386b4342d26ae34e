"""Answering a turn's questions together: order, isolation of failures, cancelled callers, many loops."""

from __future__ import annotations

import asyncio
import logging

import pytest

from core.answers import Answer, Outcome
from core.batching import TurnBatch
from core.commands import Command
from core.engine import AnswerEngine
from core.request import Request
from core.service import ExobotService


async def test_a_turns_items_run_together_in_order_after_the_turn() -> None:
    seen: list[tuple[int, int]] = []
    handed_in: list[int] = []

    def work(item: int) -> int:
        seen.append((item, len(handed_in)))  # how many items were in when this one ran
        return item * 10

    batch = TurnBatch(work)
    futures = []
    for item in (1, 2, 3):
        futures.append(batch.submit(item))
        handed_in.append(item)
    assert seen == []  # nothing runs while the turn is still handing items in
    assert await asyncio.gather(*futures) == [10, 20, 30]
    assert seen == [(1, 3), (2, 3), (3, 3)]  # one pass, after all three were in

    assert await batch.submit(4) == 40  # the next turn starts a batch of its own
    assert seen[-1] == (4, 3)


async def test_concurrent_callers_share_one_pass() -> None:
    passes: list[list[str]] = [[]]

    def work(item: str) -> str:
        passes[-1].append(item)
        return item.upper()

    batch = TurnBatch(work)

    async def ask(item: str) -> str:
        return await batch.submit(item)

    assert await asyncio.gather(*(ask(c) for c in "abcde")) == list("ABCDE")
    passes.append([])
    assert await ask("f") == "F"
    assert passes == [list("abcde"), ["f"]]


async def test_a_failing_item_fails_only_its_caller() -> None:
    def work(item: int) -> float:
        return 1 / item

    batch = TurnBatch(work)
    results = await asyncio.gather(*(batch.submit(i) for i in (1, 0, 4)), return_exceptions=True)
    assert results[0] == 1.0 and results[2] == 0.25
    assert isinstance(results[1], ZeroDivisionError)


async def test_work_still_runs_for_a_caller_that_stopped_waiting() -> None:
    done: list[str] = []
    batch = TurnBatch(done.append)
    waiting = asyncio.ensure_future(batch.submit("gone"))
    waiting.cancel()
    await batch.submit("kept")
    assert done == ["gone", "kept"]  # the question was handed in: it is answered (and logged) all the same
    assert waiting.cancelled()


def test_a_batch_belongs_to_the_loop_it_was_made_on() -> None:
    batch: TurnBatch[int, int] = TurnBatch(lambda item: item + 1)

    async def hand_in_and_leave() -> None:
        batch.submit(1)  # the loop is closed before the end of this turn runs

    first = asyncio.new_event_loop()
    first.run_until_complete(hand_in_and_leave())
    first.close()

    async def ask() -> int:
        return await asyncio.wait_for(batch.submit(2), 5)

    assert asyncio.run(ask()) == 3  # a new loop gets a batch of its own instead of joining a dead one


class _Engine(AnswerEngine):
    """The real engine, failing on one question (a fault the service must keep to that question), and
    noting when it answers."""

    events: list[str]

    def answer_parsed(self, text: str, command: Command) -> Answer:
        self.events.append(f"answer {text}")
        if "explode" in text:
            raise RuntimeError("boom")
        return super().answer_parsed(text, command)


async def test_service_answers_a_burst_in_one_pass_and_keeps_a_fault_to_its_question(
    catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    recorded: list[tuple[str, Outcome, float]] = []
    engine = _Engine(catalogue)
    engine.events = events = []
    service = ExobotService(
        engine, on_answer=lambda request, answer, latency: recorded.append((request.text, answer.outcome, latency))
    )

    async def ask(question: str) -> Answer:
        events.append(f"in {question}")
        return await service.handle(Request(question))

    questions = ["is it safe?", "please explode", "risk cancer", "help"]
    with caplog.at_level(logging.ERROR):
        answers = await asyncio.gather(*(ask(q) for q in questions))
    assert events == [f"in {q}" for q in questions] + [f"answer {q}" for q in questions]
    assert [a.ref for a in answers] == ["faq:safety", None, "risk:cancer", None]
    assert answers[1].outcome is Outcome.ERROR and "went wrong" in answers[1].title
    assert answers[3].command == "help"
    assert [(text, outcome) for text, outcome, _ in recorded] == [
        ("is it safe?", Outcome.ANSWERED), ("please explode", Outcome.ERROR),
        ("risk cancer", Outcome.ANSWERED), ("help", Outcome.ANSWERED),
    ]  # fmt: skip
    assert all(latency > 0 for _, _, latency in recorded)
    assert "boom" in caplog.text and "Traceback" in caplog.text  # the detail goes to the log


async def test_a_failing_metrics_hook_does_not_keep_the_answer_back(
    catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: Request, answer: Answer, latency: float) -> None:
        raise ValueError("metrics down")

    service = ExobotService(AnswerEngine(catalogue), on_answer=broken)
    with caplog.at_level(logging.ERROR):
        answers = await asyncio.gather(service.handle(Request("risk cancer")), service.handle(Request("sources")))
    assert answers[0].ref == "risk:cancer" and answers[1].command == "sources"
    assert "could not record" in caplog.text and "metrics down" in caplog.text
