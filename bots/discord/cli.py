"""``exobot discord``: run the bot, register its commands, print their payloads or the install links."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.parse

import discord

from bots.config import Config, load_config_or_exit
from bots.discord.client import command_payloads, make_client, point_at
from bots.discord.settings import DiscordSettings
from bots.logging_setup import configure_logging
from bots.runner import run_configured
from core.engine import AnswerEngine
from core.service import ExobotService
from core.settings import Secret

INVITE_PERMISSIONS = discord.Permissions(
    send_messages=True, send_messages_in_threads=True, embed_links=True, attach_files=True, read_message_history=True
)
"""Exactly what the bot uses: replies to mentions and help threads (send, in threads, read the message
replied to), embeds for answers, files for exports. No administrator, no managing anything."""


def discord_command(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    configured = config.adapter("discord")
    settings: DiscordSettings | None = configured.settings if configured else None
    if args.action == "commands":
        service = ExobotService(AnswerEngine.from_settings(config.settings))
        offline = settings or DiscordSettings(token=Secret("not-needed-offline-" + "x" * 20))
        print(json.dumps(command_payloads(service, offline), indent=1))
        return 0
    if configured is None or settings is None:
        print("exobot: DISCORD_TOKEN is not set; see README.md for creating the bot.", file=sys.stderr)
        return 2
    configure_logging(config)
    if args.action == "invite":
        return _invite(settings)
    if args.action == "sync":
        return asyncio.run(_sync(config, settings, args.guild))
    return run_configured(config, [configured])


async def _sync(config: Config, settings: DiscordSettings, guild_id: int | None) -> int:
    point_at(settings)
    client = make_client(ExobotService(AnswerEngine.from_settings(config.settings)), settings)
    try:
        await client.login(settings.token.reveal())
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            client.tree.copy_global_to(guild=guild)
            synced = await client.tree.sync(guild=guild)
            where = f"server {guild_id} (available now)"
        else:
            synced = await client.tree.sync()
            where = "every server (Discord may take up to an hour to show them)"
    except discord.LoginFailure:
        print("exobot: Discord rejected DISCORD_TOKEN.", file=sys.stderr)
        return 1
    except discord.HTTPException as exc:
        print(f"exobot: Discord refused the commands: {exc.text or exc}", file=sys.stderr)
        return 1
    finally:
        await client.close()
    print(f"registered {len(synced)} commands in {where}: {', '.join('/' + c.name for c in synced)}")
    return 0


def _invite(settings: DiscordSettings) -> int:
    if not settings.application_id:
        print("exobot: set DISCORD_APPLICATION_ID (the token does not name the application).", file=sys.stderr)
        return 2
    base = "https://discord.com/oauth2/authorize?"
    server = urllib.parse.urlencode(
        {"client_id": settings.application_id, "scope": "bot applications.commands",
         "permissions": INVITE_PERMISSIONS.value, "integration_type": 0}
    )  # fmt: skip
    user = urllib.parse.urlencode(
        {"client_id": settings.application_id, "scope": "applications.commands", "integration_type": 1}
    )
    print(f"Add to a server (moderators run it for the community):\n  {base}{server}")
    print(f"Add to your own account (use /exosome anywhere):\n  {base}{user}")
    return 0
