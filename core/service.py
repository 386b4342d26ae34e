"""The one path every message takes, whatever the platform: clean, rate limit, answer, log.

Adapters call ``ExobotService.handle`` and render what comes back. Everything a second adapter would
also need (privacy commands, moderator commands, votes, logging, content reload) lives here, not in them.

An answer leaves only once its question is durable in the log, committed or fsync'd to the spool, so
a crash can never lose a question someone already got an answer to. That wait is bounded: past
``log_wait`` the row is spooled on the spot and the answer goes, so the log can never push a reply
toward a platform's 3-second deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.answers import Answer, Field, Link, Outcome
from core.commands import ACCOUNT_COMMANDS, Command, CommandName, parse
from core.content import ContentError, default_content_dir, load_catalogue
from core.engine import AnswerEngine
from core.questionlog.records import LoggedQuestion, QuestionRecord, new_record_id, now_iso
from core.questionlog.store import LogUnavailable, Scope
from core.questionlog.writer import LogWriter
from core.ratelimit import RateLimiter
from core.request import Community, Request
from core.review import ReviewError, parse_command, review_answer, run_review
from core.signin import LINK_SECONDS, SignInLinks
from core.text import MAX_QUESTION_CHARS, clean, plural

log = logging.getLogger(__name__)

LOG_WAIT = 0.3
"""Longest an answer waits for its row to be committed before the row is spooled instead."""
SUGGEST_CONFIDENCE = 0.5
"""Share of a help post's topic words the content must explain before exobot speaks up unasked: the
bar a question that does not name exosomes must clear, here asked of every post, named or not."""


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    entries: int
    errors: tuple[str, ...] = ()


class ExobotService:
    def __init__(
        self,
        engine: AnswerEngine,
        *,
        writer: LogWriter | None = None,
        rate_limiter: RateLimiter | None = None,
        content_dir: Path | None = None,
        on_answer: Callable[[Request, Answer, float], None] | None = None,
        log_wait: float = LOG_WAIT,
        signin: SignInLinks | None = None,
    ) -> None:
        self.engine = engine
        self.signin = signin
        """Mints the review pages' sign-in links; None when no process serves the pages."""
        self.writer = writer
        self._rate_limiter = rate_limiter
        self._content_dir = content_dir
        self._on_answer = on_answer
        self._log_wait = log_wait

    async def handle(self, request: Request) -> Answer:
        """Answer one message and log it. Never raises: a failure becomes a friendly error answer.

        Questions are logged; commands about the log itself (``my-data``, ``forget-me``, ``mod``) are
        not, so that the log holds what people asked and nothing about who looked at it.
        """
        started = time.perf_counter()
        request = request.cleaned()
        try:
            answer = self._rate_limit(request)
            if answer is None:
                command = parse(request.text)
                if command.name in ACCOUNT_COMMANDS and len(request.text) <= MAX_QUESTION_CHARS:
                    answer = await self._account(request, command)
                    self._observe(request, answer, started)
                    return answer
                answer = self.engine.answer_parsed(request.text, command)
        except Exception:
            answer = self._failed(request)
        return await self._record(request, answer, started)

    async def vote(self, request: Request, record_id: str, helpful: bool) -> Answer:
        """One person's "Helpful / Not helpful" on an answer; a second vote replaces the first."""
        request = request.cleaned()
        if self.writer is None:
            return self._log_off()
        user_hash = self.writer.pseudonymiser.user_hash(request.platform, request.user_id)
        try:
            async with self.writer.reader() as store:
                found = await store.vote(record_id, user_hash, helpful)
        except LogUnavailable:
            return self._log_unavailable()
        if not found:
            return self.private("That answer is no longer in the log", "It may have been deleted. Thanks anyway!")
        return self.private(
            "Thanks for the feedback",
            "Moderators use these votes to improve the answers." + ("" if helpful else " Sorry it didn't help."),
        )

    async def suggest(self, request: Request) -> Answer | None:
        """The one suggested answer to a new post in a watched help channel, or None to stay silent.

        Nobody asked exobot, so it speaks only for an emergency or a confident match, once per thread
        (``request.channel``); anything else, "I can't answer" included, is silence, and a post it
        stays silent on is not logged: its writer never addressed the bot.
        """
        started = time.perf_counter()
        request = request.cleaned()
        if request.channel is None or await self.answered_thread(request.platform, request.channel):
            return None
        try:
            answer = self.engine.answer(request.text)
        except Exception:
            log.exception("could not match a %s help post", request.platform)
            return None
        confident = answer.from_content and answer.ref is not None and answer.score >= SUGGEST_CONFIDENCE
        if answer.alarm is None and not confident:
            return None
        return await self._record(request, answer, started)

    async def unanswered_for(self, request: Request, limit: int = 10) -> list[LoggedQuestion]:
        """The newest unanswered questions no moderator has marked yet, of the moderator's own community
        (none for anyone else): a to-do list."""
        scope = self.scope_for(request)
        if scope is None or self.writer is None:
            return []
        try:
            async with self.writer.reader() as store:
                return await store.unanswered(scope, limit, unreviewed=True)
        except LogUnavailable:
            return []

    def reads_log(self, text: str) -> bool:
        """Whether answering text reads the question log (``my-data``, ``forget-me``, ``mod …``): an
        adapter acknowledges such a command before answering it, since a database may be slow."""
        return parse(clean(text)).name in ACCOUNT_COMMANDS

    def entry_answer(self, ref: str) -> Answer | None:
        """One entry's answer by its ``kind:id``, not logged: for sharing an answer already given."""
        entry = self.engine.catalogue.get(ref)
        return self.engine.entry_answer(entry) if entry is not None else None

    def entry_title(self, ref: str) -> str | None:
        """The title of the entry ``kind:id`` in the live content, for showing a logged match to people."""
        entry = self.engine.catalogue.get(ref)
        return entry.title if entry is not None else None

    def preview(self, text: str) -> Answer:
        """The answer to text without logging it: for showing again what someone already asked
        (a "share" button), which is not a new question."""
        return self.engine.answer(clean(text))

    def not_enabled(self) -> Answer:
        """For a workspace or server the operator has not enabled: nothing is answered or logged."""
        return self.private(
            "exobot isn't enabled here",
            "This bot only answers in the communities its operator has set it up for.",
            outcome=Outcome.REJECTED,
        )

    def scope_for(self, request: Request) -> Scope | None:
        """The rows a moderator may review from where they asked: their community, or none at all."""
        community = request.community
        return Scope.of(community) if request.is_moderator and community is not None else None

    async def set_watch(self, request: Request, channel: str, on: bool) -> Answer:
        """``watch`` or ``unwatch`` a help channel of the moderator's own community."""
        community = request.community if request.is_moderator else None
        if community is None or self.writer is None:
            return self._moderators_only() if community is None else self._log_off()
        try:
            async with self.writer.reader() as store:
                changed = await (
                    store.watch(community, channel, "moderator") if on else store.unwatch(community, channel)
                )
        except LogUnavailable:
            return self._log_unavailable()
        if on:
            message = "New posts there that I can answer get one suggested answer." if changed else "It was already."
            return self.private("Watching that channel", message, command="mod")
        return self.private("Not watching that channel", "I will leave new posts there alone.", command="mod")

    async def watched(self, community: Community) -> list[str]:
        """The channels of a community whose new posts get a suggested answer."""
        if self.writer is None:
            return []
        try:
            async with self.writer.reader() as store:
                return [channel for _, channel in await store.watched(community.platform, community.workspace)]
        except LogUnavailable:
            return []

    async def answered_thread(self, platform: str, thread: str) -> bool:
        """Whether a help thread already got its one suggested answer."""
        if self.writer is None:
            return False
        try:
            async with self.writer.reader() as store:
                return await store.answered_in(platform, thread, "thread")
        except LogUnavailable:
            return True  # when in doubt, stay quiet: at most one reply per thread

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

    def private(self, title: str, message: str, outcome: Outcome = Outcome.ANSWERED, command: str = "ask") -> Answer:
        """A short answer only the asker sees."""
        return Answer(
            title=title, paragraphs=(message,), disclaimer=self.engine.disclaimer, outcome=outcome, private=True,
            command=command,
        )  # fmt: skip

    # -- logging -----------------------------------------------------------------------------------

    async def _record(self, request: Request, answer: Answer, started: float) -> Answer:
        """Log the question, wait (boundedly) until the row is durable, and return the answer with its id."""
        if self.writer is not None:
            try:
                record = self._row(request, answer, time.perf_counter() - started)
                done = self.writer.submit(record)
                try:
                    await asyncio.wait_for(asyncio.shield(done), self._log_wait)
                except TimeoutError:
                    await self.writer.spool_now(record)
                answer = answer.copy_with(record_id=record.record_id)
            except Exception:  # the answer is ready: a fault in logging must not keep it back
                log.exception("could not log a %s question", request.platform)
        self._observe(request, answer, started)
        return answer

    def _row(self, request: Request, answer: Answer, latency: float) -> QuestionRecord:
        assert self.writer is not None
        store_text = self.engine.policy.store_text
        return QuestionRecord(
            record_id=new_record_id(),
            asked_at=now_iso(),
            platform=request.platform,
            workspace=request.workspace,
            channel=request.channel,
            channel_kind=request.channel_kind.value,
            surface=request.surface.value,
            user_hash=self.writer.pseudonymiser.user_hash(request.platform, request.user_id),
            command=answer.command,
            question=request.text[:MAX_QUESTION_CHARS] if store_text else None,
            match=answer.ref,
            score=answer.score,
            emergency=answer.emergency,
            latency_ms=latency * 1000,
            outcome=answer.outcome.value,
        )

    def _observe(self, request: Request, answer: Answer, started: float) -> None:
        if self._on_answer is not None:
            try:
                self._on_answer(request, answer, time.perf_counter() - started)
            except Exception:
                log.exception("the answer metrics hook failed")

    def _failed(self, request: Request) -> Answer:
        """The friendly error answer; the traceback of the exception being handled goes to the log."""
        log.exception("unexpected error answering a %s question", request.platform)
        return self.private(
            "Something went wrong on my side",
            "Sorry, I couldn't answer that just now. Please try again in a moment.",
            outcome=Outcome.ERROR,
        )

    def _rate_limit(self, request: Request) -> Answer | None:
        """The "slow down" answer when this person has asked too much too fast, else None."""
        if self._rate_limiter is None:
            return None
        wait = self._rate_limiter.retry_after(f"{request.platform}:{request.user_id}")
        if not wait:
            return None
        seconds = plural(max(int(wait + 0.999), 1), "second")
        return self.private(
            "Slow down a little",
            f"You've asked a lot of questions quickly. Please try again in {seconds}.",
            outcome=Outcome.RATE_LIMITED,
        )

    # -- commands about the log itself -------------------------------------------------------------

    async def _account(self, request: Request, command: Command) -> Answer:
        if command.name is CommandName.MOD:
            return await self._moderate(request, command.argument)
        if self.writer is None:
            return self._log_off()
        user_hash = self.writer.pseudonymiser.user_hash(request.platform, request.user_id)
        try:
            async with self.writer.reader() as store:
                if command.name is CommandName.FORGET_ME:
                    removed = await store.forget(user_hash)
                    return self.private(
                        "Your questions are deleted",
                        f"I deleted {plural(removed, 'logged question')} of yours, and your votes. New questions "
                        "are logged again; run `forget-me` any time.",
                        command="forget-me",
                    )
                total, votes, rows = await store.for_user(user_hash)
        except LogUnavailable:
            return self._log_unavailable()
        fields = tuple(
            Field(
                r.asked_at[:16].replace("T", " "),
                f"{r.question if r.question is not None else '(text not stored)'} → {r.match or r.outcome}",
                inline=False,
            )
            for r in rows
        )
        newest = " Showing the newest 10." if total > len(rows) else ""
        return self.private(
            "What the log holds about you",
            f"{plural(total, 'question')} and {plural(votes, 'vote')}, stored under a pseudonym rather than "
            f"your user id, kept for {self.engine.policy.retention_days} days. Run `forget-me` to delete them."
            + newest,
            command="my-data",
        ).copy_with(fields=fields)

    async def _moderate(self, request: Request, argument: str) -> Answer:
        scope = self.scope_for(request)
        if scope is None:
            return self._moderators_only()
        if self.writer is None:
            return self._log_off()
        reviewer = self.writer.pseudonymiser.user_hash(request.platform, request.user_id)[:12]
        if argument.strip().lower() == "web":
            return self._web_link(scope, reviewer)
        try:
            review_command = parse_command(argument)
            async with self.writer.reader() as store:
                review = await run_review(store, scope, review_command, reviewer)
        except ReviewError as exc:
            return self.private("That didn't work", str(exc), outcome=Outcome.REJECTED, command="mod")
        except LogUnavailable:
            return self._log_unavailable()
        return review_answer(review, self.engine.disclaimer)

    def _web_link(self, scope: Scope, reviewer: str) -> Answer:
        """A one-time sign-in link to the review pages, for this moderator's community only."""
        if self.signin is None:
            return self.private(
                "The review pages are off",
                "The operator can turn them on by setting EXOBOT_WEB_ADDR; until then, use the other "
                "`mod` commands here.", outcome=Outcome.REJECTED, command="mod",
            )  # fmt: skip
        url = self.signin.mint(scope, reviewer)
        return self.private(
            "Review this community's questions on the web",
            f"This link signs you in once, within {LINK_SECONDS // 60} minutes, to this community's questions "
            f"only. It is yours: don't share it.\n{url}",
            command="mod",
        ).copy_with(link=Link("Open the review pages", url))

    def _moderators_only(self) -> Answer:
        return self.private(
            "Moderators only", "Only this community's moderators can review its question log, from within it.",
            outcome=Outcome.REJECTED, command="mod",
        )  # fmt: skip

    def _log_off(self) -> Answer:
        return self.private("The question log is off", "Nothing is being logged here, so there is nothing to show.")

    def _log_unavailable(self) -> Answer:
        return self.private(
            "The question log is unavailable", "Please try again in a few minutes.", outcome=Outcome.ERROR
        )
