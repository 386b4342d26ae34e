"""Where people already talk on Discord: @mentions, DMs and new posts in watched help channels.

None of it needs a privileged intent. Discord delivers the content of messages that mention the bot and
of DMs without MESSAGE_CONTENT; a help post is matched on its title, which every thread carries, and on
its opening message only when that message's text was delivered.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bots.discord.handlers import PLATFORM, DiscordBot, channel_kind
from bots.discord.render import render
from bots.presentation import Texts
from core.commands import parse
from core.request import Community, Request, Surface

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[!&]?\d+>")
_ANSWERED_TYPES = frozenset((discord.MessageType.default, discord.MessageType.reply))


class Conversations:
    """Replies in conversations people started; one per message, at most one per help thread."""

    def __init__(self, bot: DiscordBot) -> None:
        self.bot = bot
        self._threads_in_hand: set[int] = set()

    async def on_message(self, me: discord.ClientUser, message: discord.Message) -> None:
        """Answer a DM, or a server message that mentions the bot, as a reply that pings no one."""
        if message.author.bot or message.webhook_id is not None or message.type not in _ANSWERED_TYPES:
            return  # never a bot, itself included: no loops; system messages say nothing to answer
        guild_id = message.guild.id if message.guild is not None else None
        if guild_id is not None and not any(user.id == me.id for user in message.mentions):
            return
        if guild_id is not None and not self.bot.settings.serves(guild_id):
            return
        text = " ".join(_MENTION.sub(" ", message.content).split()) or "help"
        if guild_id is not None and self.bot.service.reads_log(text):
            # my-data, forget-me, mod: only where nobody else can read the answer.
            name = parse(text).name.value
            command = "/exosome-mod" if name == "mod" else f"/exosome {name}"
            await message.reply(Texts.USE_COMMAND.format(command=command), mention_author=False)
            return
        request = Request(
            text=text,
            platform=PLATFORM,
            user_id=str(message.author.id),
            workspace=str(guild_id) if guild_id is not None else None,
            channel=str(message.channel.id),
            channel_kind=channel_kind(guild_id, message.channel),
            surface=Surface.DIRECT if guild_id is None else Surface.MENTION,
        )
        answer = await self.bot.service.handle(request)
        rendered = render(answer)
        options: dict[str, Any] = {"embed": rendered.embed, "mention_author": False}
        if rendered.view is not None:
            options["view"] = rendered.view
        await message.reply(**options)

    async def on_thread_create(self, me: discord.ClientUser, thread: discord.Thread) -> None:
        """One suggested answer to a new post in a watched channel, if exobot is sure it can help."""
        if thread.parent_id is None or thread.owner_id == me.id or not self.bot.settings.serves(thread.guild.id):
            return
        community = Community(PLATFORM, str(thread.guild.id))
        if str(thread.parent_id) not in await self.bot.service.watched(community):
            return
        if thread.id in self._threads_in_hand:  # the same thread announced twice (a resume) while answering
            return
        self._threads_in_hand.add(thread.id)
        try:
            starter = thread.starter_message
            opening = starter.content if starter is not None else ""
            request = Request(
                text=f"{thread.name}. {opening}".strip(" ."),
                platform=PLATFORM,
                user_id=str(thread.owner_id or 0),
                workspace=str(thread.guild.id),
                channel=str(thread.id),
                channel_kind=channel_kind(thread.guild.id, thread),
                surface=Surface.THREAD,
            )
            answer = await self.bot.service.suggest(request)
            if answer is None:
                return  # off-topic, or not sure: silence, not "I can't answer"
            rendered = render(answer)
            try:
                if rendered.view is not None:
                    await thread.send(embed=rendered.embed, view=rendered.view)
                else:
                    await thread.send(embed=rendered.embed)
            except discord.HTTPException as exc:
                log.warning("could not post a suggested answer in a watched channel: %s", exc.text or exc.status)
        finally:
            self._threads_in_hand.discard(thread.id)
