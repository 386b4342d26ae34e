"""Rows of the question log, as they cross from the answer path to the writer and back to reviewers."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # only annotations: the review tools import this module without the answer path
    from core.answers import Answer
    from core.log.pseudonym import Pseudonymiser
    from core.request import Request


class ReviewState(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    FLAGGED = "flagged"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Start time, then a random tag: ids from later processes sort after earlier ones, and two processes
# started in the same nanosecond still differ.
_PROCESS = f"{time.time_ns():016x}{secrets.token_hex(2)}"
_SEQUENCE = itertools.count()
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"
_this_second: tuple[int, str] = (0, "")


def iso_utc(moment: dt.datetime) -> str:
    """The one text form of a time in the log: UTC, always with microseconds, so text order is time order."""
    return moment.astimezone(dt.UTC).strftime(_ISO_FORMAT + ".%f+00:00")


def iso_at(moment: float) -> str:
    """``iso_utc`` for a ``time.time()`` value, at a fifth of the cost: it runs for every row logged."""
    global _this_second
    second = int(moment)
    if _this_second[0] != second:
        _this_second = (second, time.strftime(_ISO_FORMAT, time.gmtime(second)))
    return f"{_this_second[1]}.{int((moment - second) * 1_000_000):06d}+00:00"


def now_iso() -> str:
    return iso_at(time.time())


def new_record_id() -> str:
    """Unique and rising with time, so the unique index grows at its end instead of at random places."""
    return f"{_PROCESS}{next(_SEQUENCE):012x}"


def reserve_record_ids(count: int) -> tuple[str, int]:
    """Room for count ids, as (process tag, first number): ``record_ids`` spells them out. Another
    process (the log's writer) can then make a batch's ids, the same ones however often it is asked."""
    first = next(_SEQUENCE)
    for _ in range(count - 1):
        next(_SEQUENCE)
    return _PROCESS, first


def record_ids(tag: str, first: int, count: int) -> list[str]:
    return [f"{tag}{n:012x}" for n in range(first, first + count)]


class QuestionRecord(NamedTuple):
    """One question to be logged. ``user_hash`` is already pseudonymised: raw ids never get this far.

    A named tuple rather than a dataclass because the writer makes one per answer (``to_records``) and
    its fields are, in order, the columns it inserts: the batch goes to SQLite as it is, with no copying.
    """

    record_id: str
    asked_at: str  # ISO 8601, UTC
    platform: str
    workspace: str | None
    channel: str | None
    channel_kind: str
    user_hash: str
    command: str
    question: str | None
    match: str | None
    score: float
    emergency: bool
    latency_ms: float
    outcome: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionRecord:
        return cls(**data)


class Asked(NamedTuple):
    """A question as the answer path hands it to the log writer: plain values, nothing formatted yet.

    Making a row (id, timestamp text, pseudonym) on the answer path cost a sixth of an answer there,
    where each answer runs with cold caches; the writer makes the rows of a whole batch in one tight
    pass (``to_records``) for a fraction of that. Only plain values are kept, not the request or the
    answer, so those die with the reply instead of surviving, in their hundreds, until the next batch
    (which made the garbage collector run several times as often). Raw user ids wait in memory until
    that batch and are pseudonymised before anything reaches the disk or the spool.
    """

    platform: str
    workspace: str | None
    channel: str | None
    channel_kind: str
    user_id: str
    command: str
    question: str | None
    """Cleaned and capped, or None when the operator keeps only the match."""
    match: str | None
    score: float
    emergency: bool
    latency: float
    """Seconds."""
    outcome: str
    at: float
    """``time.time()`` when it was answered."""

    @classmethod
    def of(cls, request: Request, question: str | None, answer: Answer, latency: float) -> Asked:
        # Plain str, not the enum members: they go to the writer process, where plain values pickle fastest,
        # and a tuple of plain values is left alone by the garbage collector once it has seen it.
        return tuple.__new__(cls, (  # not cls(...): one Python call fewer, on every answer
            request.platform, request.workspace, request.channel, str(request.channel_kind), request.user_id,
            answer.command, question, answer.ref, answer.score, answer.emergency, latency, str(answer.outcome),
            time.time(),
        ))  # fmt: skip


def to_records(
    batch: Iterable[Asked], pseudonymiser: Pseudonymiser, ids: Iterable[str] | None = None
) -> list[QuestionRecord]:
    """Rows for what was asked: pseudonymised, with new ids unless the caller reserved them."""
    user_hash = pseudonymiser.user_hash
    new = tuple.__new__

    def new_ids() -> Iterator[str]:
        yield from ids or ()
        while True:
            yield new_record_id()

    return [
        new(QuestionRecord, (
            record_id, iso_at(at), platform, workspace, channel, channel_kind, user_hash(platform, user_id),
            command, question, match, score, emergency, latency * 1000, outcome,
        ))
        for (platform, workspace, channel, channel_kind, user_id, command, question, match, score, emergency,
             latency, outcome, at), record_id in zip(batch, new_ids(), strict=False)  # new_ids never ends
    ]  # fmt: skip


@dataclass(frozen=True)
class LoggedQuestion:
    """A row read back for review."""

    id: int
    asked_at: str
    platform: str
    workspace: str | None
    channel: str | None
    channel_kind: str
    user_hash: str
    command: str
    question: str | None
    match: str | None
    score: float
    emergency: bool
    latency_ms: float
    outcome: str
    review_state: str
    reviewer: str | None
    review_note: str | None


@dataclass(frozen=True)
class Count:
    key: str
    count: int
    example: str | None = None


@dataclass(frozen=True)
class DailyStats:
    day: str
    platform: str
    total: int
    answered: int
    unanswered: int
    emergencies: int

    @property
    def answer_rate(self) -> float:
        return self.answered / self.total if self.total else 0.0
