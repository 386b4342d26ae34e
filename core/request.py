"""What an adapter hands the core: one question from one person on one platform."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class ChannelKind(StrEnum):
    DM = "dm"
    PUBLIC = "public"
    PRIVATE = "private"


class Request(NamedTuple):
    """A platform-neutral question.

    ``is_moderator`` is decided by the adapter from the platform's own permissions and passed in as a
    plain bool, so core never needs to know what a Slack user group or a Discord role is. A named tuple:
    one is made per question, and a frozen dataclass of seven fields costs several times as much to build.
    """

    text: str
    platform: str = "console"
    user_id: str = "local"
    workspace: str | None = None
    channel: str | None = None
    channel_kind: ChannelKind = ChannelKind.DM
    is_moderator: bool = False
