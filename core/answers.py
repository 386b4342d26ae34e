"""The platform-neutral answer model that every adapter renders.

Text here is plain (no Markdown, mrkdwn or HTML) but for `code` spans around command names, which every
platform shows the same way. Adapters escape and format it for their platform, which is what keeps user
text from ever becoming markup.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.content import Source

SOURCES_NAMED = 5
"""Sources named under a plain-text answer; a listing cites many more, which `sources` shows in full."""


class Outcome(StrEnum):
    ANSWERED = "answered"
    """Answered from the content (an emergency or crisis answer counts too)."""
    UNANSWERED = "unanswered"
    """In the bot's remit as far as anyone can tell, but nothing in the content answers it."""
    SMALL_TALK = "small_talk"
    """"hi", "thanks", "ok": a friendly reply, not a miss."""
    REJECTED = "rejected"
    """Empty, too long, or a command that cannot be carried out."""
    RATE_LIMITED = "rate_limited"
    ERROR = "error"


class Alarm(StrEnum):
    """Why an answer leads with help instead of information."""

    EMERGENCY = "emergency"
    """A severe reaction happening now."""
    CRISIS = "crisis"
    """Thoughts of suicide or self-harm."""


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
class Link:
    """An address the asker can open, such as a moderator's sign-in link to the review pages."""

    label: str
    url: str


@dataclass(frozen=True)
class Attachment:
    """A file that goes with an answer, such as a moderator's CSV export."""

    filename: str
    content: bytes
    media_type: str


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
    alarm: Alarm | None = None
    outcome: Outcome = Outcome.ANSWERED
    private: bool = False
    """Should only the asker see it (moderator output, personal data, "slow down")?"""
    command: str = "ask"
    """The subcommand that produced the answer, for the question log."""
    footer: str | None = None
    """Review dates and similar small print."""
    attachment: Attachment | None = None
    link: Link | None = None
    record_id: str | None = None
    """The question log's id for the question this answers, once logged: what feedback votes refer to."""

    @property
    def emergency(self) -> bool:
        """Whether this answer leads with emergency or crisis help."""
        return self.alarm is not None

    @property
    def from_content(self) -> bool:
        """An answer drawn from the curated content, which people can rate and share."""
        return self.ref is not None and self.alarm is None and self.outcome is Outcome.ANSWERED

    def copy_with(self, **changes: Any) -> Answer:
        return dataclasses.replace(self, **changes)

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
            named = "; ".join(s.short_name() for s in self.sources[:SOURCES_NAMED])
            rest = len(self.sources) - SOURCES_NAMED
            more = f"and {rest} more: /exosome sources" if rest > 0 else "more: /exosome sources"
            lines.append(f"Sources: {named} ({more})")
        if self.footer:
            lines.append(self.footer)
        lines.append(self.disclaimer)
        return "\n".join(lines).strip()
