"""What an adapter hands the core: one question from one person on one platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChannelKind(StrEnum):
    DM = "dm"
    PUBLIC = "public"
    PRIVATE = "private"


@dataclass(frozen=True)
class Request:
    """A platform-neutral question.

    ``is_moderator`` is decided by the adapter from the platform's own permissions and passed in as a
    plain bool, so core never needs to know what a Slack user group or a Discord role is.
    """

    text: str
    platform: str = "console"
    user_id: str = "local"
    workspace: str | None = None
    channel: str | None = None
    channel_kind: ChannelKind = ChannelKind.DM
    is_moderator: bool = False
