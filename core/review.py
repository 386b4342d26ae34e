"""What moderators can do with the question log: one grammar and one dispatcher for chat and terminal.

``mod mark 5 flagged PRP is not stem cells`` in chat and ``exobot log mark 5 flagged PRP is not stem
cells`` in a terminal are parsed by ``parse_command`` and carried out by ``run_review`` alike; chat
renders the result with ``review_answer``, the terminal prints it as tables or JSON. What differs is
only the scope: a community's moderators see their community, the terminal sees everything.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.answers import Answer, Attachment, Field, Outcome
from core.questionlog.records import (
    EXPORT_COLUMNS,
    Count,
    DailyStats,
    Helpfulness,
    LoggedQuestion,
    ReviewState,
    utcnow,
)
from core.questionlog.store import QuestionStore, Scope
from core.text import plural

ACTIONS = ("recent", "unanswered", "top", "stats", "search", "show", "mark", "export")
MOD_USAGE = (
    "mod recent | mod unanswered | mod top | mod stats | mod search <words> | mod show <id> | "
    "mod mark <id> reviewed|flagged [note] | mod export [csv|json] [since YYYY-MM-DD] | "
    "mod web (a sign-in link to the review pages)"
)
EXPORT_FORMATS = ("csv", "json")
_MAX_ID = 2**63 - 1


class ReviewError(ValueError):
    """A moderator command that cannot be carried out, with a message to show them."""


class NotFound(ReviewError):
    """No question of that id in the moderator's scope: whether it exists elsewhere is never said."""

    def __init__(self, question_id: object) -> None:
        super().__init__(f"There is no logged question {question_id}.")


@dataclass(frozen=True)
class ReviewCommand:
    """One parsed moderator command, whichever way it was typed."""

    action: str
    question_id: int | None = None
    state: ReviewState | None = None
    note: str | None = None
    words: str = ""
    fmt: str = "csv"
    since: dt.date | None = None
    limit: int = 20
    days: int = 30


@dataclass(frozen=True)
class Review:
    """What a moderator command found, before it is shown as a chat answer or a terminal table."""

    title: str
    questions: tuple[LoggedQuestion, ...] = ()
    detail: LoggedQuestion | None = None
    entries: tuple[Count, ...] = ()
    """Most asked entries."""
    unanswered: tuple[Count, ...] = ()
    """Most frequent unanswered questions, grouped."""
    stats: tuple[DailyStats, ...] = ()
    helpfulness: tuple[Helpfulness, ...] = ()
    """Least helpful entries, by votes."""
    message: str | None = None
    export: Attachment | None = None
    rows: int = field(default=0)


def parse_command(text: str) -> ReviewCommand:
    """``recent`` … ``export json since 2026-11-01``: the words after ``mod`` (chat) or ``log`` (terminal)."""
    action, _, rest = text.strip().partition(" ")
    action, rest = action.lower() or "recent", rest.strip()
    if action not in ACTIONS:
        raise ReviewError(f"Unknown moderator command {action!r}. Try: {MOD_USAGE}")
    if action == "search":
        if not rest:
            raise ReviewError("Give some words to search for: `mod search <words>`")
        return ReviewCommand(action, words=rest)
    if action == "show":
        return ReviewCommand(action, question_id=parse_question_id(rest))
    if action == "mark":
        qid, _, more = rest.partition(" ")
        state_text, _, note = more.strip().partition(" ")
        return ReviewCommand(
            action, question_id=parse_question_id(qid), state=parse_state(state_text), note=note.strip() or None
        )
    if action == "export":
        words = rest.lower().split()
        fmt = next((w for w in words if w in EXPORT_FORMATS), "csv")
        dates = [w for w in words if w not in EXPORT_FORMATS and w != "since"]
        if len(dates) > 1:
            raise ReviewError("Use `mod export [csv|json] [since YYYY-MM-DD]`.")
        return ReviewCommand(action, fmt=fmt, since=parse_date(dates[0]) if dates else None)
    return ReviewCommand(action)


def parse_question_id(text: str) -> int:
    text = text.strip().lstrip("#")
    if not text.isdigit():
        raise ReviewError(f"{text or 'That'!r} is not a question id (a number from `mod recent`).")
    number = int(text)
    if not 1 <= number <= _MAX_ID:
        raise NotFound(text)
    return number


def parse_state(text: str) -> ReviewState:
    try:
        return ReviewState(text.strip().lower())
    except ValueError:
        raise ReviewError("Use `mod mark <id> reviewed|flagged|new [note]`.") from None


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ReviewError(f"{text!r} is not a date; use YYYY-MM-DD") from None


async def run_review(store: QuestionStore, scope: Scope, command: ReviewCommand, reviewer: str) -> Review:
    """Carry out one moderator command within scope. Raises ReviewError with a message to show."""
    action, limit = command.action, command.limit
    if action in ("recent", "unanswered"):
        rows = await (store.unanswered(scope, limit) if action == "unanswered" else store.recent(scope, limit))
        return Review("Unanswered questions" if action == "unanswered" else "Recent questions", tuple(rows))
    if action == "search":
        rows = await store.search(scope, command.words, limit)
        return Review(f"Questions matching {command.words!r}", tuple(rows))
    if action == "show":
        assert command.question_id is not None
        row = await store.get(scope, command.question_id)
        if row is None:
            raise NotFound(command.question_id)
        return Review(f"Question {row.id}", detail=row)
    if action == "mark":
        assert command.question_id is not None and command.state is not None
        if not await store.mark(scope, command.question_id, command.state, reviewer, command.note):
            raise NotFound(command.question_id)
        return Review(
            f"Question {command.question_id} marked {command.state.value}",
            message=f"Note: {command.note}" if command.note else "No note.",
        )
    since = utcnow() - dt.timedelta(days=command.days)
    if action == "top":
        return Review(
            "Most asked",
            entries=tuple(await store.top_matches(scope, limit)),
            unanswered=tuple(await store.top_unanswered(scope, limit)),
            helpfulness=tuple(h for h in await store.helpfulness(scope, 5) if h.not_helpful),
            questions=tuple(await store.not_helpful(scope, 5)),
        )
    if action == "stats":
        return Review(
            f"Questions per day ({command.days} days)",
            stats=tuple(await store.stats(scope, since)),
            helpfulness=tuple(h for h in await store.helpfulness(scope, 5, since) if h.not_helpful),
        )
    rows = await store.export(scope, _day_start(command.since))
    name = f"exobot-questions-{dt.date.today().isoformat()}.{command.fmt}"
    media = "text/csv" if command.fmt == "csv" else "application/json"
    # Tens of thousands of rows take a second to format: off the event loop, where answers wait.
    export = Attachment(name, await asyncio.to_thread(export_bytes, rows, command.fmt), media)
    return Review("Question log export", message=f"{plural(len(rows), 'question')} in {name}.", export=export,
                  rows=len(rows))  # fmt: skip


@dataclass(frozen=True, slots=True)
class QueueGroup:
    """Unanswered questions that read the same once normalised: one line of the review queue."""

    key: str
    example: str
    """The newest wording, as someone typed it."""
    ids: tuple[int, ...]
    state: str
    """The newest question's review state: what a moderator last decided for this group."""
    note: str | None
    """The newest note a moderator left on any of them."""

    @property
    def count(self) -> int:
        return len(self.ids)


async def review_queue(
    store: QuestionStore, scope: Scope, since: dt.datetime | None = None, *, unreviewed: bool = True
) -> list[QueueGroup]:
    """The unanswered questions of scope grouped by normalised text, most asked first: a moderator
    marks "can it cause cancer" once, not for each of the twenty people who typed it."""
    groups = await store.unanswered_by_wording(scope, since, unreviewed=unreviewed)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), -item[1][0][0]))
    return [
        QueueGroup(key, rows[0][1], tuple(r[0] for r in rows), rows[0][2], next((r[3] for r in rows if r[3]), None))
        for key, rows in ranked
    ]


async def mark_group(
    store: QuestionStore, scope: Scope, key: str, state: ReviewState, reviewer: str, note: str | None,
    since: dt.datetime | None = None, *, unreviewed: bool = True,
) -> int:  # fmt: skip
    """Mark every question of one queue group; how many were marked (0 when the group is gone)."""
    queue = await review_queue(store, scope, since, unreviewed=unreviewed)
    group = next((g for g in queue if g.key == key), None)
    return await store.mark_many(scope, group.ids, state, reviewer, note) if group else 0


def export_bytes(rows: Sequence[LoggedQuestion], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps([{c: getattr(r, c) for c in EXPORT_COLUMNS} for r in rows], indent=1).encode()
    if fmt != "csv":
        raise ReviewError(f"unknown export format {fmt!r}; use csv or json")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        # A leading = + - @ makes spreadsheets run the cell as a formula; prefix it so it stays text.
        writer.writerow([_csv_safe(getattr(row, c)) for c in EXPORT_COLUMNS])
    return buffer.getvalue().encode()


def review_answer(review: Review, disclaimer: str) -> Answer:
    """A review as a private chat answer: one field per row, at most 25 of them."""
    fields: list[Field] = [question_field(r) for r in review.questions]
    if review.detail is not None:
        fields += [Field(name, value, inline=False) for name, value in detail_lines(review.detail)]
    fields += [Field(f"{c.count}× {c.key}", "most asked entry") for c in review.entries]
    fields += [Field(f"{c.count}× unanswered", c.example or c.key, inline=False) for c in review.unanswered]
    fields += [
        Field(
            f"{s.day} {s.platform}",
            f"{plural(s.total, 'question')}, {s.answer_rate:.0%} answered, {plural(s.emergencies, 'emergency')}",
        )
        for s in review.stats
    ]
    fields += [
        Field(f"Least helpful: {h.match}", f"{h.not_helpful} not helpful, {h.helpful} helpful")
        for h in review.helpfulness
    ]
    empty = review.message is None and review.export is None and not fields
    return Answer(
        title=review.title,
        paragraphs=(review.message,) if review.message else (("Nothing logged yet.",) if empty else ()),
        fields=tuple(fields[:25]),
        disclaimer=disclaimer,
        private=True,
        command="mod",
        outcome=Outcome.ANSWERED,
        attachment=review.export,
    )


def question_field(row: LoggedQuestion) -> Field:
    text = row.question if row.question is not None else "(text not stored)"
    flag = " ⚠ emergency" if row.emergency else ""
    votes = f" · {row.helpful} helpful, {row.not_helpful} not" if row.helpful or row.not_helpful else ""
    return Field(
        f"#{row.id} {row.asked_at[:16].replace('T', ' ')} {row.platform}{flag}",
        f"{text[:200]} → {row.match or row.outcome} [{row.review_state}]{votes}",
        inline=False,
    )


def detail_lines(row: LoggedQuestion) -> list[tuple[str, str]]:
    """One question in full, as (name, value) lines: what ``show`` prints in chat and terminal."""
    where = " ".join(p for p in (row.platform, row.workspace, row.channel) if p)
    review = row.review_state + (f" by {row.reviewer}" if row.reviewer else "")
    return [
        ("id", str(row.id)),
        ("asked_at", row.asked_at),
        ("where", f"{where} ({row.channel_kind}, {row.surface})"),
        ("question", row.question if row.question is not None else "(text not stored)"),
        ("answer", row.match or "(none)"),
        ("outcome", row.outcome),
        ("score", f"{row.score:.2f}"),
        ("emergency", "yes" if row.emergency else "no"),
        ("latency_ms", f"{row.latency_ms:.1f}"),
        ("votes", f"{row.helpful} helpful, {row.not_helpful} not helpful"),
        ("review", review),
        ("note", row.review_note or "(none)"),
    ]


def as_plain(review: Review) -> dict[str, object]:
    """A review as plain data, for ``--json``."""
    data = dataclasses.asdict(review)
    data.pop("export", None)
    return {k: v for k, v in data.items() if v is not None}


def _day_start(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.UTC) if day else None


def _csv_safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
