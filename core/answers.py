"""The platform-neutral answer model that every adapter renders.

Text here is plain (no Markdown, mrkdwn or HTML) but for `code` spans around command names, which every
platform shows the same way. Adapters escape and format it for their platform, which is what keeps user
text from ever becoming markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from core.content import Source


class Outcome(StrEnum):
    ANSWERED = "answered"
    UNANSWERED = "unanswered"
    REJECTED = "rejected"
    RATE_LIMITED = "rate_limited"
    ERROR = "error"


@dataclass(frozen=True)
class Field:
    """A labelled value: a comparison cell, a listing item, a statistic."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Suggestion:
    """A follow-up the person can pick; ``command`` is what to run, e.g. ``risk cancer``."""

    ref: str
    label: str
    command: str


@dataclass(frozen=True)
class Answer:
    title: str
    paragraphs: tuple[str, ...]
    disclaimer: str
    sources: tuple[Source, ...] = ()
    fields: tuple[Field, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    ref: str | None = None
    """The ``kind:id`` answered, or None when nothing matched."""
    score: float = 0.0
    emergency: bool = False
    outcome: Outcome = Outcome.ANSWERED
    private: bool = False
    """Should only the asker see it (moderator output, personal data)?"""
    command: str = "ask"
    """The subcommand that produced the answer, for the question log."""
    footer: str | None = None
    """Review dates and similar small print."""
    attachment: Attachment | None = field(default=None)

    def copy_with(self, **changes: Any) -> Answer:
        """A copy with some fields changed, like ``dataclasses.replace`` but at a tenth of its cost.

        Most answers are a cached one with a new score or command; going through ``__init__`` sets all
        fourteen fields one ``object.__setattr__`` at a time, which cost more than matching the question.
        """
        if not _FIELD_NAMES.issuperset(changes):
            raise TypeError(f"Answer has no field(s) {sorted(changes.keys() - _FIELD_NAMES)}")
        copy = object.__new__(Answer)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def plain_text(self) -> str:
        """The whole answer as plain text: the console's rendering and the JSON ``text``."""
        lines = [self.title, ""]
        lines += [p for para in self.paragraphs for p in (para, "")]
        for f in self.fields:
            lines.append(f"- {f.name}: {f.value}")
        if self.fields:
            lines.append("")
        if self.suggestions:
            lines.append("Related: " + "; ".join(f"{s.label} (/exosome {s.command})" for s in self.suggestions))
        if self.sources:
            lines.append("Sources: " + " | ".join(s.citation() for s in self.sources))
        if self.footer:
            lines.append(self.footer)
        lines.append(self.disclaimer)
        return "\n".join(lines).strip()


_FIELD_NAMES = frozenset(f.name for f in fields(Answer))


@dataclass(frozen=True)
class Attachment:
    """A file that goes with an answer, such as a moderator's CSV export."""

    filename: str
    content: bytes
    media_type: str
