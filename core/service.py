"""The one path every question takes, whatever the platform: rate limit, answer, log.

Adapters call ``ExobotService.handle`` and render what comes back. Everything a second adapter would
also need (privacy commands, moderator commands, logging, content reload) lives here, not in them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from core.answers import Answer, Field, Outcome
from core.batching import TurnBatch
from core.commands import Command, CommandName, parse
from core.content import ContentError, default_content_dir, load_catalogue
from core.engine import AnswerEngine
from core.log.records import Asked
from core.log.writer import LogUnavailable, QuestionLog
from core.ratelimit import RateLimiter
from core.request import Request
from core.review import ReviewError, moderate
from core.text import MAX_QUESTION_CHARS, clean

log = logging.getLogger(__name__)

_LOG_COMMANDS = frozenset((CommandName.MY_DATA, CommandName.FORGET_ME, CommandName.MOD))


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    entries: int
    errors: tuple[str, ...] = ()


class _Question(NamedTuple):
    """A content question waiting for its turn's batch."""

    request: Request
    text: str
    command: Command
    started: float


class ExobotService:
    def __init__(
        self,
        engine: AnswerEngine,
        *,
        writer: QuestionLog | None = None,
        rate_limiter: RateLimiter | None = None,
        content_dir: Path | None = None,
        on_answer: Callable[[Request, Answer, float], None] | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self._rate_limiter = rate_limiter
        self._content_dir = content_dir
        self._on_answer = on_answer
        self._questions = TurnBatch(self._answer)

    async def handle(self, request: Request) -> Answer:
        """Answer one request and log it. Never raises: a failure becomes a friendly error answer.

        Content questions are answered with the others that arrive in the same turn of the event loop
        (``core.batching``); only the log commands read the database.
        """
        started = time.perf_counter()
        text = clean(request.text)
        try:
            answer = self._rate_limit(request)
            if answer is None:
                command = parse(text)
                if command.name not in _LOG_COMMANDS:
                    return await self._questions.submit(_Question(request, text, command, started))
                answer = await self._log_command(request, command)
        except Exception:
            answer = self._failed(request)
        self._record(request, text, answer, started)
        return answer

    def _answer(self, question: _Question) -> Answer:
        """Answer and log one question of a batch; never raises, or the rest of the batch would wait."""
        request, text, command, started = question
        try:
            answer = self.engine.answer_parsed(text, command)
        except Exception:
            answer = self._failed(request)
        self._record(request, text, answer, started)
        return answer

    def _failed(self, request: Request) -> Answer:
        """The friendly error answer; the traceback of the exception being handled goes to the log."""
        log.exception("unexpected error answering a %s question", request.platform)
        return self._error_answer()

    def _record(self, request: Request, text: str, answer: Answer, started: float) -> None:
        latency = time.perf_counter() - started
        try:
            if self.writer is not None:
                # Plain values only: the writer builds the row, pseudonymised, with the rest of its batch.
                question = text[:MAX_QUESTION_CHARS] if self.engine.policy.store_text else None
                self.writer.submit(Asked.of(request, question, answer, latency))
            if self._on_answer is not None:
                self._on_answer(request, answer, latency)
        except Exception:  # the answer is ready: a fault in logging or metrics must not keep it back
            log.exception("could not record a %s question", request.platform)

    def preview(self, text: str) -> Answer:
        """The answer to text without logging it: for showing again what someone already asked
        (a "share in channel" button), which is not a new question."""
        return self.engine.answer_text(clean(text))

    def _rate_limit(self, request: Request) -> Answer | None:
        """The "slow down" answer when this person has asked too much too fast, else None."""
        if self._rate_limiter is not None:
            wait = self._rate_limiter.retry_after(f"{request.platform}:{request.user_id}")
            if wait:
                return self._rate_limited(wait)
        return None

    async def _log_command(self, request: Request, command: Command) -> Answer:
        answer = await self._read_log(request, command)
        return answer.copy_with(command=command.name.value)

    async def _read_log(self, request: Request, command: Command) -> Answer:
        engine = self.engine
        if command.name is CommandName.MOD and not request.is_moderator:
            return _private(engine, "Moderators only", "Only this community's moderators can review the question log.")
        if self.writer is None:
            return _private(
                engine,
                "The question log is off",
                "Nothing is being logged here, so there is nothing to show or delete.",
            )
        user_hash = self.writer.pseudonymiser.user_hash(request.platform, request.user_id)
        try:
            async with self.writer.store() as store:
                if command.name is CommandName.MOD:
                    return await moderate(store, command.argument, user_hash[:12], engine.disclaimer)
                if command.name is CommandName.FORGET_ME:
                    removed = await store.forget(user_hash)
                    return _private(
                        engine, "Your questions are deleted",
                        f"I deleted {removed} logged question(s) of yours. New questions will be logged again "
                        "unless you stop asking; run `forget-me` any time.",
                    )  # fmt: skip
                total, rows = await store.for_user(user_hash)
        except ReviewError as exc:
            return _private(engine, "That didn't work", str(exc), outcome=Outcome.REJECTED)
        except LogUnavailable:
            return _private(
                engine,
                "The question log is unavailable",
                "Please try again in a few minutes.",
                outcome=Outcome.ERROR,
            )
        fields = tuple(
            Field(
                r.asked_at[:16].replace("T", " "),
                f"{r.question if r.question is not None else '(text not stored)'} → {r.match or r.outcome}",
                inline=False,
            )
            for r in rows
        )
        return _private(
            engine, "What the log holds about you",
            f"{total} question(s), stored under a pseudonym rather than your user id, kept for "
            f"{engine.policy.retention_days} days. Run `forget-me` to delete them."
            + (" Showing the newest 10." if total > len(rows) else ""),
        ).copy_with(fields=fields)  # fmt: skip

    async def reload_content(self) -> ReloadResult:
        """Load content again and swap it in whole; on any error keep the old content and say why."""
        directory = self._content_dir or default_content_dir()
        try:
            catalogue = await asyncio.to_thread(load_catalogue, directory)
            engine = await asyncio.to_thread(AnswerEngine, catalogue, self.engine.policy)
        except ContentError as exc:
            log.error("content reload rejected, keeping the current content:\n%s", exc)
            return ReloadResult(False, len(self.engine.catalogue.entries), tuple(str(p) for p in exc.problems))
        self.engine = engine  # one assignment: every answer sees the old or the new catalogue, never a mix
        log.info("content reloaded: %d entries", len(catalogue.entries))
        return ReloadResult(True, len(catalogue.entries))

    def _rate_limited(self, wait: float) -> Answer:
        return _private(
            self.engine, "Slow down a little",
            f"You've asked a lot of questions quickly. Please try again in {max(int(wait + 0.999), 1)} seconds.",
            outcome=Outcome.RATE_LIMITED,
        )  # fmt: skip

    def _error_answer(self) -> Answer:
        return _private(
            self.engine, "Something went wrong on my side",
            "Sorry, I couldn't answer that just now. Please try again in a moment.",
            outcome=Outcome.ERROR,
        )  # fmt: skip


def _private(engine: AnswerEngine, title: str, message: str, outcome: Outcome = Outcome.ANSWERED) -> Answer:
    return Answer(title=title, paragraphs=(message,), disclaimer=engine.disclaimer, outcome=outcome, private=True)
