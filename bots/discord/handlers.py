"""What exobot does with each Discord interaction: commands, buttons, votes and shares.

Every reply meets Discord's 3-second rule: an answer computed in memory is the interaction's first
response; anything that reads the database (moderator commands, exports, ``my-data``, votes) is
deferred first and answered as a follow-up.
"""

from __future__ import annotations

import io
from typing import Any

import discord

from bots.discord.render import render
from bots.discord.settings import DiscordSettings
from bots.presentation import Texts, fit_attachment, human_size
from core.answers import Answer
from core.request import ChannelKind, Request, Surface
from core.service import ExobotService

PLATFORM = "discord"


def channel_kind(interaction: discord.Interaction[Any]) -> ChannelKind:
    """DM, public or private, for the question log, from the channel the interaction carries."""
    if interaction.guild_id is None:
        return ChannelKind.DM
    channel = interaction.channel
    if isinstance(channel, discord.Thread):
        if channel.type is discord.ChannelType.private_thread:
            return ChannelKind.PRIVATE
        channel = channel.parent
    overwrites_for = getattr(channel, "overwrites_for", None)
    if overwrites_for is None:
        return ChannelKind.PUBLIC
    # The @everyone role's id is the server's: a channel it may not view is private.
    hidden = overwrites_for(discord.Object(id=interaction.guild_id)).view_channel is False
    return ChannelKind.PRIVATE if hidden else ChannelKind.PUBLIC


class DiscordBot:
    """What the commands and components do, with what they share: the service and the settings."""

    def __init__(self, service: ExobotService, settings: DiscordSettings) -> None:
        self.service = service
        self.settings = settings

    def request(
        self, interaction: discord.Interaction[Any], text: str, *, moderator: bool = False,
        surface: Surface = Surface.COMMAND,
    ) -> Request:  # fmt: skip
        guild_id, channel_id = interaction.guild_id, interaction.channel_id
        return Request(
            text=text,
            platform=PLATFORM,
            user_id=str(interaction.user.id),
            workspace=str(guild_id) if guild_id else None,
            channel=str(channel_id) if channel_id else None,
            channel_kind=channel_kind(interaction),
            is_moderator=moderator,
            surface=surface,
        )

    async def ask(
        self, interaction: discord.Interaction[Any], text: str, private: bool, *, moderator: bool = False,
        surface: Surface = Surface.COMMAND,
    ) -> None:  # fmt: skip
        """Answer text as this interaction's response."""
        if not self.settings.serves(interaction.guild_id):
            await self.send(interaction, self.service.not_enabled(), private=True)
            return
        request = self.request(interaction, text, moderator=moderator, surface=surface)
        if self.service.reads_log(text):
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self.send(interaction, await self.service.handle(request), private=True)
            return
        await self.send(interaction, await self.service.handle(request), private=private)

    async def send(self, interaction: discord.Interaction[Any], answer: Answer, *, private: bool, **extra: Any) -> None:
        """The answer as the first response, or as a follow-up once the interaction was deferred."""
        rendered = render(answer, shareable=extra.pop("shareable", False))
        options: dict[str, Any] = {"embed": rendered.embed, "ephemeral": private or answer.private, **extra}
        if rendered.view is not None:
            options["view"] = rendered.view
        if answer.attachment is not None:
            fitted = fit_attachment(answer.attachment, interaction.filesize_limit)
            if fitted is None:
                size, limit = human_size(len(answer.attachment.content)), human_size(interaction.filesize_limit)
                options["content"] = Texts.EXPORT_TOO_LARGE.format(size=size, limit=limit)
            else:
                options["file"] = discord.File(io.BytesIO(fitted.content), filename=fitted.filename)
        if interaction.response.is_done():
            await interaction.followup.send(**options)
        else:
            await interaction.response.send_message(**options)

    async def on_choice(self, interaction: discord.Interaction[Any], command: str) -> None:
        """A related button or FAQ choice. The asker's click updates their answer in place; anyone
        else's gets an answer of their own, and the public message stays as the asker left it."""
        if not self.settings.serves(interaction.guild_id):
            await self.send(interaction, self.service.not_enabled(), private=True)
            return
        answer = await self.service.handle(self.request(interaction, command, surface=Surface.BUTTON))
        if asked_by_clicker(interaction):
            rendered = render(answer)
            await interaction.response.edit_message(embed=rendered.embed, view=rendered.view)
        else:
            await self.send(interaction, answer, private=True)

    async def on_vote(self, interaction: discord.Interaction[Any], record_id: str, helpful: bool) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await self.service.vote(self.request(interaction, "", surface=Surface.BUTTON), record_id, helpful)
        await self.send(interaction, answer, private=True)

    async def on_share(self, interaction: discord.Interaction[Any], ref: str) -> None:
        """Post an entry's answer publicly in the channel, for everyone there to read."""
        answer = self.service.entry_answer(ref)
        if answer is None:
            await self.send(interaction, self.service.private("That answer is gone", Texts.FAILED), private=True)
            return
        await self.send(interaction, answer, private=False)


def asked_by_clicker(interaction: discord.Interaction[Any]) -> bool:
    """Whether the person clicking is the one whose command produced the message. Discord says who
    that was in the message's interaction metadata; a custom id could claim anything."""
    message = interaction.message
    metadata = message.interaction_metadata if message is not None else None
    return metadata is not None and metadata.user.id == interaction.user.id
