"""Rows of the question log, as they cross from the answer path to the writer and back to reviewers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from core.text import MAX_QUESTION_CHARS


class ReviewState(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    FLAGGED = "flagged"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class QuestionRecord:
    """One question to be logged. ``user_hash`` is already pseudonymised: raw ids never get this far."""

    platform: str
    channel_kind: str
    user_hash: str
    command: str
    question: str | None
    normalised: str | None
    match: str | None
    score: float
    emergency: bool
    latency_ms: float
    outcome: str
    workspace: str | None = None
    channel: str | None = None
    asked_at: dt.datetime = field(default_factory=utcnow)
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.question is not None and len(self.question) > MAX_QUESTION_CHARS:
            object.__setattr__(self, "question", self.question[:MAX_QUESTION_CHARS])

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["asked_at"] = self.asked_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuestionRecord:
        return cls(**{**data, "asked_at": dt.datetime.fromisoformat(data["asked_at"])})


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
