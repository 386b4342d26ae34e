"""``exobot discord``: run the bot, register its commands, print their payloads or the install URL."""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import os
import sys
import urllib.parse

import discord

from bots.cli import load_settings
from bots.discord.bot import command_payloads, discord_adapter, make_client
from bots.runner import NamedAdapter, configure_logging, run_adapters
from core.engine import AnswerEngine
from core.service import ExobotService
from core.settings import DiscordSettings, Secret, Settings

INVITE_PERMISSIONS = discord.Permissions(embed_links=True, attach_files=True)
"""Embeds for answers and files for moderators' exports; nothing else."""


def discord_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.action == "commands":
        service = ExobotService(AnswerEngine.from_settings(settings))
        print(json.dumps(command_payloads(service, settings.discord or _offline()), indent=1))
        return 0
    if settings.discord is None:
        print("exobot: DISCORD_TOKEN is not set; see README.md for creating the bot.", file=sys.stderr)
        return 2
    configure_logging(settings)
    if args.action == "invite":
        return _invite(settings.discord)
    if args.action == "sync":
        return asyncio.run(_sync(settings, args.guild))
    return asyncio.run(run_adapters(settings, [NamedAdapter("discord", discord_adapter(settings.discord))]))


def _offline() -> DiscordSettings:
    return DiscordSettings(token=Secret("not-needed-offline-" + "x" * 20))


async def _sync(settings: Settings, guild_id: int | None) -> int:
    assert settings.discord is not None
    if settings.discord.api_base_url:
        discord.http.Route.BASE = settings.discord.api_base_url
    client = make_client(ExobotService(AnswerEngine.from_settings(settings)), settings.discord)
    try:
        await client.login(settings.discord.token.reveal())
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
    finally:
        await client.close()
    print(f"registered {len(synced)} commands in {where}: {', '.join('/' + c.name for c in synced)}")
    return 0


def _invite(settings: DiscordSettings) -> int:
    application_id = os.environ.get("DISCORD_APPLICATION_ID") or _id_from_token(settings.token.reveal())
    if not application_id:
        print("exobot: set DISCORD_APPLICATION_ID (the token does not name the application).", file=sys.stderr)
        return 2
    query = urllib.parse.urlencode(
        {"client_id": application_id, "scope": "bot applications.commands", "permissions": INVITE_PERMISSIONS.value}
    )
    print(f"https://discord.com/oauth2/authorize?{query}")
    return 0


def _id_from_token(token: str) -> str | None:
    """A bot token starts with its user id in base64, which for bots is the application id."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None
