"""The buttons and menu on exobot's Discord answers.

Each is a dynamic item: its custom id carries all it needs (the command to run, the question voted
on), and the client registers the classes by pattern, so a click on a message sent before a restart
still works and no per-message state is kept.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

ASK_PREFIX = "exobot:ask:"
FAQ_MENU_ID = "exobot:faq"
VOTE_PREFIX = "exobot:vote:"
SHARE_PREFIX = "exobot:share:"
MAX_CUSTOM_ID = 100
COMMAND_PATTERN = r"[a-z0-9 \-]{1,88}"


class Handlers(Protocol):
    """What the components ask the adapter to do (``bots.discord.client.DiscordBot``)."""

    async def on_choice(self, interaction: discord.Interaction[Any], command: str) -> None: ...

    async def on_vote(self, interaction: discord.Interaction[Any], record_id: str, helpful: bool) -> None: ...

    async def on_share(self, interaction: discord.Interaction[Any], ref: str, reply_to: int | None = None) -> None: ...


def handlers(interaction: discord.Interaction[Any]) -> Handlers:
    found: Handlers = interaction.client.exobot
    return found


class AskButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=ASK_PREFIX + f"(?P<command>{COMMAND_PATTERN})"
):
    """A related-entry button: runs a command such as ``risk cancer`` or ``faq 3``."""

    def __init__(self, command: str, label: str = "More") -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"{ASK_PREFIX}{command}")
        )
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AskButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["command"], label or "More")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handlers(interaction).on_choice(interaction, self.command)


class FaqMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=FAQ_MENU_ID):
    def __init__(self, options: tuple[tuple[str, str], ...] = ()) -> None:
        choices = [discord.SelectOption(label=label[:100], value=command) for label, command in options]
        super().__init__(
            discord.ui.Select(
                custom_id=FAQ_MENU_ID,
                placeholder="Read a question",
                options=choices or [discord.SelectOption(label="FAQ", value="faq")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FaqMenu:
        options = item.options if isinstance(item, discord.ui.Select) else []
        return cls(tuple((o.label, o.value) for o in options))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or ["faq"]
        await handlers(interaction).on_choice(interaction, str(values[0]))


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=VOTE_PREFIX + r"(?P<way>up|down):(?P<record>[0-9a-f]{8,64})",
):
    """ "Helpful" or "Not helpful" on one logged question's answer."""

    def __init__(self, record_id: str, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"{VOTE_PREFIX}{'up' if helpful else 'down'}:{record_id}",
            )
        )
        self.record_id, self.helpful = record_id, helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(match["record"], match["way"] == "up")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handlers(interaction).on_vote(interaction, self.record_id, self.helpful)


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=SHARE_PREFIX + r"(?P<ref>[a-z]+:[a-z0-9\-]{1,60})(?::(?P<reply>[0-9]{1,20}))?",
):
    """Posts a private answer's entry publicly; with a message id, as a reply to that message."""

    def __init__(self, ref: str, reply_to: int | None = None) -> None:
        suffix = f":{reply_to}" if reply_to is not None else ""
        super().__init__(
            discord.ui.Button(
                label="Post publicly", style=discord.ButtonStyle.primary, custom_id=f"{SHARE_PREFIX}{ref}{suffix}"
            )
        )
        self.ref, self.reply_to = ref, reply_to

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ShareButton:
        return cls(match["ref"], int(match["reply"]) if match["reply"] else None)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handlers(interaction).on_share(interaction, self.ref, self.reply_to)


ITEMS = (AskButton, FaqMenu, VoteButton, ShareButton)
