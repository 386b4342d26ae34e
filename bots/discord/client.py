"""The Discord adapter's client: the gateway connection, the command tree and the components.

Interactions become core Requests and core Answers become embeds in ``bots.discord.handlers``; this
module connects, registers and reports how the connection is doing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from bots.adapter import AdapterState, AdapterStatus, CredentialsRejected
from bots.discord.commands import add_commands
from bots.discord.components import ITEMS
from bots.discord.conversations import Conversations
from bots.discord.handlers import DiscordBot
from bots.discord.render import NO_MENTIONS
from bots.discord.settings import DiscordSettings
from core.service import ExobotService

log = logging.getLogger(__name__)

INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)
"""None privileged. Servers and channels (for new help threads), and messages: Discord delivers the
content of the ones that mention the bot, and of DMs, without the MESSAGE_CONTENT intent."""


class ExobotClient(discord.Client):
    """A client that knows the core service; everything platform-neutral is reached through it."""

    def __init__(self, service: ExobotService, settings: DiscordSettings, status: AdapterStatus | None = None,
                 **options: Any) -> None:  # fmt: skip
        # discord.py applies the client's allowed mentions to everything it sends: no message can ping.
        super().__init__(intents=INTENTS, allowed_mentions=NO_MENTIONS, **options)
        self.exobot = DiscordBot(service, settings)
        self.conversations = Conversations(self.exobot)
        self.adapter_status = status
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree, self.exobot)

    async def setup_hook(self) -> None:
        # Registered by class, so buttons on messages sent before a restart still answer.
        self.add_dynamic_items(*ITEMS)

    async def on_ready(self) -> None:
        if self.adapter_status is not None:
            self.adapter_status.set(AdapterState.CONNECTED)

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None:
            await self.conversations.on_message(self.user, message)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        if self.user is not None:
            await self.conversations.on_thread_create(self.user, thread)

    async def on_resumed(self) -> None:
        if self.adapter_status is not None:
            self.adapter_status.set(AdapterState.CONNECTED)

    async def on_disconnect(self) -> None:
        if self.adapter_status is not None:
            self.adapter_status.set(AdapterState.RECONNECTING, "gateway connection lost")


class ShardedExobotClient(ExobotClient, discord.AutoShardedClient):
    """For bots in 2,500 servers or more, where Discord requires sharding."""


def make_client(
    service: ExobotService, settings: DiscordSettings, status: AdapterStatus | None = None, **options: Any
) -> ExobotClient:
    """The client for settings; options go to discord.py's Client as they are."""
    if settings.shard_count:
        return ShardedExobotClient(
            service, settings, status, shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) if settings.shard_ids else None, **options,
        )  # fmt: skip
    return ExobotClient(service, settings, status, **options)


def command_payloads(service: ExobotService, settings: DiscordSettings) -> list[dict[str, Any]]:
    """What ``sync`` would register, built with no network."""
    client = ExobotClient(service, settings)
    return [command.to_dict(client.tree) for command in client.tree.get_commands()]


def point_at(settings: DiscordSettings) -> None:
    """Where discord.py connects: Discord, unless the settings name a stand-in (the tests' fake)."""
    if settings.api_base_url:
        discord.http.Route.BASE = settings.api_base_url
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def serve_discord(
    settings: DiscordSettings, service: ExobotService, stop: asyncio.Event, status: AdapterStatus
) -> None:
    """Connect to Discord and serve interactions until stop is set."""
    point_at(settings)
    await run_client(make_client(service, settings, status), settings, stop)


async def run_client(client: ExobotClient, settings: DiscordSettings, stop: asyncio.Event) -> None:
    try:
        try:
            await client.login(settings.token.reveal())
        except discord.LoginFailure:
            raise CredentialsRejected("DISCORD_TOKEN", "Discord answered 401 Unauthorized") from None
        connection = asyncio.create_task(client.connect(reconnect=True))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if connection in done:
            connection.result()  # re-raise so the runner logs it and restarts with backoff
    finally:
        await client.close()
