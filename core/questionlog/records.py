"""Rows of the question log: the one definition of their columns, as the answer path hands them to the
writer and as reviewers read them back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ReviewState(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    FLAGGED = "flagged"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_utc(moment: dt.datetime) -> str:
    """The one text form of a time in the log: UTC, always with microseconds, so text order is time order."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def now_iso() -> str:
    return iso_utc(utcnow())


# Start time, then a random tag: ids from later processes sort after earlier ones, and two processes
# (or two instances sharing one PostgreSQL) started in the same nanosecond still differ.
_PROCESS = f"{time.time_ns():016x}{secrets.token_hex(4)}"
_SEQUENCE = itertools.count()


def new_record_id() -> str:
    """Unique across processes and rising with time, so the unique index grows at its end."""
    return f"{_PROCESS}{next(_SEQUENCE):010x}"


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One question to be logged. ``user_hash`` is already pseudonymised: raw ids never get this far.

    Its fields, in order, are the columns the writer inserts (``RECORD_COLUMNS``).
    """

    record_id: str
    asked_at: str
    """ISO 8601, UTC."""
    platform: str
    workspace: str | None
    channel: str | None
    channel_kind: str
    surface: str
    user_hash: str
    command: str
    question: str | None
    """Cleaned and capped, or None when the operator keeps only the match."""
    match: str | None
    score: float
    emergency: bool
    latency_ms: float
    outcome: str

    def values(self) -> tuple[Any, ...]:
        """The columns' values, in order, for an INSERT."""
        return tuple(getattr(self, name) for name in RECORD_COLUMNS)

    def to_json(self) -> dict[str, Any]:
        return dict(zip(RECORD_COLUMNS, self.values(), strict=True))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionRecord:
        values: dict[str, Any] = {name: data.get(name, default) for name, default in _JSON_DEFAULTS.items()}
        return cls(**values)


RECORD_COLUMNS = tuple(f.name for f in dataclasses.fields(QuestionRecord))
_JSON_DEFAULTS: dict[str, Any] = {name: None for name in RECORD_COLUMNS} | {"surface": "command"}
"""A spool written before a column existed still imports; the columns it lacks take their defaults."""


@dataclass(frozen=True, slots=True)
class LoggedQuestion(QuestionRecord):
    """A row read back for review: the record, its number and what moderators and askers said of it."""

    id: int
    review_state: str
    reviewer: str | None
    review_note: str | None
    helpful: int
    not_helpful: int


LOGGED_COLUMNS = tuple(f.name for f in dataclasses.fields(LoggedQuestion))
VOTE_COLUMNS = ("helpful", "not_helpful")
"""Of LOGGED_COLUMNS, the ones counted from the votes table rather than read from the questions table."""
EXPORT_COLUMNS = ("id", *(c for c in LOGGED_COLUMNS if c not in ("id", "record_id")))


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    count: int
    example: str | None = None


@dataclass(frozen=True, slots=True)
class DailyStats:
    day: str
    platform: str
    total: int
    answered: int
    unanswered: int
    emergencies: int

    @property
    def answer_rate(self) -> float:
        """Of the questions the content could have answered, the share it did (small talk not counted)."""
        asked = self.answered + self.unanswered
        return self.answered / asked if asked else 0.0


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """How many questions of one day had one outcome, and how many of those were emergencies."""

    day: str
    outcome: str
    questions: int
    emergencies: int


@dataclass(frozen=True, slots=True)
class Helpfulness:
    """Votes on one entry's answers."""

    match: str
    helpful: int
    not_helpful: int

    @property
    def share_helpful(self) -> float:
        total = self.helpful + self.not_helpful
        return self.helpful / total if total else 0.0
