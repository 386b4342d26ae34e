"""What an adapter hands the core: one message from one person, in one community, on one platform."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from core.text import clean, valid_text


class ChannelKind(StrEnum):
    DM = "dm"
    PUBLIC = "public"
    PRIVATE = "private"


class Surface(StrEnum):
    """Where in the platform the message came from: the log keeps it, and replies differ by it."""

    COMMAND = "command"
    """A slash command or the console."""
    MENTION = "mention"
    """A message that mentions the bot in a channel."""
    DIRECT = "direct"
    """A direct message to the bot."""
    SHORTCUT = "shortcut"
    """"Ask exobot" chosen on someone's message."""
    THREAD = "thread"
    """A new post in a help channel a moderator asked the bot to watch."""
    BUTTON = "button"
    """A button or menu on one of the bot's own answers."""


@dataclass(frozen=True, slots=True)
class Community:
    """A tenant: one Slack workspace or one Discord server. Moderators see only their own community."""

    platform: str
    workspace: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}"


@dataclass(frozen=True, slots=True)
class Request:
    """A platform-neutral message.

    ``is_moderator`` is decided by the adapter from the platform's own permissions and passed in as a
    plain bool, so core never needs to know what a Slack user group or a Discord role is. ``workspace``
    is the Slack team or Discord server; a Discord DM has none and so belongs to no community.
    """

    text: str
    platform: str = "console"
    user_id: str = "local"
    workspace: str | None = None
    channel: str | None = None
    channel_kind: ChannelKind = ChannelKind.DM
    is_moderator: bool = False
    surface: Surface = Surface.COMMAND

    @property
    def community(self) -> Community | None:
        return Community(self.platform, self.workspace) if self.workspace else None

    def cleaned(self) -> Request:
        """This request with every text valid UTF-8 and free of control characters.

        Platforms deliver what people type, and JSON can carry a lone surrogate (``\\ud83d``) that no
        encoder accepts: cleaned at the door, nothing after it (matching, the log, a renderer) meets one.
        """
        return replace(
            self,
            text=clean(self.text),
            platform=valid_text(self.platform),
            user_id=valid_text(self.user_id),
            workspace=valid_text(self.workspace) if self.workspace is not None else None,
            channel=valid_text(self.channel) if self.channel is not None else None,
        )
