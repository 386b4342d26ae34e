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


def channel_kind(guild_id: int | None, channel: Any) -> ChannelKind:
    """DM, public or private, for the question log, from a channel as discord.py gives it."""
    if guild_id is None:
        return ChannelKind.DM
    if isinstance(channel, discord.Thread):
        if channel.type is discord.ChannelType.private_thread:
            return ChannelKind.PRIVATE
        channel = channel.parent
    overwrites_for = getattr(channel, "overwrites_for", None)
    if overwrites_for is None:
        return ChannelKind.PUBLIC
    # The @everyone role's id is the server's: a channel it may not view is private.
    hidden = overwrites_for(discord.Object(id=guild_id)).view_channel is False
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
            channel_kind=channel_kind(guild_id, interaction.channel),
            is_moderator=moderator,
            surface=surface,
        )

    async def ask(
        self, interaction: discord.Interaction[Any], text: str, private: bool, *, moderator: bool = False,
        surface: Surface = Surface.COMMAND, reply_to: int | None = None,
    ) -> None:  # fmt: skip
        """Answer text as this interaction's response (reply_to: the message it answers, if any)."""
        if not self.settings.serves(interaction.guild_id):
            await self.send(interaction, self.service.not_enabled(), private=True)
            return
        request = self.request(interaction, text, moderator=moderator, surface=surface)
        if self.service.reads_log(text):
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self.send(interaction, await self.service.handle(request), private=True)
            return
        await self.send(interaction, await self.service.handle(request), private=private, reply_to=reply_to)

    async def send(
        self, interaction: discord.Interaction[Any], answer: Answer, *, private: bool, reply_to: int | None = None
    ) -> None:
        """The answer as the first response, or as a follow-up once the interaction was deferred. A
        private answer from the content offers to post it publicly (as a reply to reply_to, if given)."""
        hidden = private or answer.private
        rendered = render(answer, shareable=hidden, reply_to=reply_to)
        options: dict[str, Any] = {"embed": rendered.embed, "ephemeral": hidden}
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

    async def on_share(self, interaction: discord.Interaction[Any], ref: str, reply_to: int | None = None) -> None:
        """Post an entry's answer publicly for everyone in the channel: as a reply to the message it
        answers when the bot may post there, else as the interaction's own public response (a user
        install can answer anywhere, but post nowhere)."""
        answer = self.service.entry_answer(ref)
        if answer is None:
            await self.send(interaction, self.service.private("That answer is gone", Texts.FAILED), private=True)
            return
        channel = interaction.channel
        if reply_to is not None and interaction.app_permissions.send_messages and channel is not None:
            # Posting is a REST call of its own, which may be slow: acknowledge within the 3 s first.
            await interaction.response.defer()
            rendered = render(answer)
            reference = discord.MessageReference(message_id=reply_to, channel_id=channel.id, fail_if_not_exists=False)
            try:
                await channel.send(embed=rendered.embed, reference=reference)  # type: ignore[union-attr]
            except discord.HTTPException:
                pass  # no right to post or to read the message replied to: answer publicly instead
            else:
                await interaction.followup.send(Texts.POSTED, ephemeral=True)
                return
        await self.send(interaction, answer, private=False)

    async def set_watch(self, interaction: discord.Interaction[Any], channel_id: int, *, on: bool) -> None:
        """``/exosome-mod watch`` and ``unwatch``: kept in the question log, so they survive a restart."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        request = self.request(interaction, "", moderator=True)
        await self.send(interaction, await self.service.set_watch(request, str(channel_id), on), private=True)

    async def list_watched(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        community = self.request(interaction, "", moderator=True).community
        channels = await self.service.watched(community) if community is not None else []
        listed = ", ".join(f"<#{c}>" for c in channels) or "none yet: add one with `/exosome-mod watch`"
        answer = self.service.private("Watched channels", f"New posts get a suggested answer in: {listed}.")
        await self.send(interaction, answer.copy_with(command="mod"), private=True)


def asked_by_clicker(interaction: discord.Interaction[Any]) -> bool:
    """Whether the person clicking is the one whose command produced the message. Discord says who
    that was in the message's interaction metadata; a custom id could claim anything."""
    message = interaction.message
    metadata = message.interaction_metadata if message is not None else None
    return metadata is not None and metadata.user.id == interaction.user.id
