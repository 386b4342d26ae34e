"""The Discord adapter's plug-in: its settings, its secrets, its CLI, and how it runs.

Only this module is imported to read the configuration; discord.py is imported when Discord really runs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import re
from collections.abc import Sequence

from bots.adapter import Adapter, AdapterStatus
from bots.discord.settings import DiscordSettings
from core.service import ExobotService
from core.settings import EnvReader, Secret, boolean, positive_int


class DiscordAdapter(Adapter[DiscordSettings]):
    name = "discord"
    setup_hint = "For Discord set DISCORD_TOKEN."

    def read_settings(self, env: EnvReader) -> DiscordSettings | None:
        token = env.secret("DISCORD_TOKEN")
        if token is None:
            return None
        if len(token.reveal()) < 20 or any(c.isspace() for c in token.reveal()):
            env.problem("DISCORD_TOKEN", "does not look like a Discord bot token")
        guilds = env.words("EXOBOT_DISCORD_GUILDS")
        for g in guilds:
            if not g.isdigit():
                env.problem("EXOBOT_DISCORD_GUILDS", f"{g!r} is not a server id (a number)")
        shard_count = env.get("DISCORD_SHARD_COUNT", None, positive_int, "a whole number of shards, 1 or more")
        shard_ids = env.get("DISCORD_SHARD_IDS", None, _shard_ids, "shard numbers like 0,1")
        if shard_ids is not None and (shard_count is None or max(shard_ids) >= shard_count):
            env.problem("DISCORD_SHARD_IDS", "needs DISCORD_SHARD_COUNT, and each id must be below it")
        application_id = env.raw("DISCORD_APPLICATION_ID") or _id_from_token(token.reveal())
        base = env.url("DISCORD_API_BASE_URL")
        return DiscordSettings(
            token=token,
            application_id=application_id,
            shard_count=shard_count,
            shard_ids=shard_ids,
            private_by_default=env.get("EXOBOT_DISCORD_PRIVATE", False, boolean, "true or false"),
            api_base_url=base.rstrip("/") if base else None,
            gateway_url=env.raw("DISCORD_GATEWAY_URL"),
            guilds=frozenset(guilds),
        )

    def secrets(self, settings: DiscordSettings) -> Sequence[Secret]:
        return [settings.token]

    def describe(self, settings: DiscordSettings | None) -> list[tuple[str, str]]:
        if settings is None:
            return [("DISCORD_TOKEN", "(unset: Discord disabled)")]
        d = settings
        return [
            ("DISCORD_TOKEN", d.token.masked()),
            ("DISCORD_APPLICATION_ID", d.application_id or "(unknown)"),
            ("DISCORD_SHARD_COUNT", str(d.shard_count) if d.shard_count else "(unsharded)"),
            ("DISCORD_SHARD_IDS", ",".join(map(str, d.shard_ids)) if d.shard_ids else "(all)"),
            ("EXOBOT_DISCORD_PRIVATE", str(d.private_by_default).lower()),
            ("EXOBOT_DISCORD_GUILDS", ",".join(sorted(d.guilds)) or "(every server)"),
        ]

    def add_commands(self, subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        discord = subcommands.add_parser("discord", help="run only the Discord bot, or manage its commands")
        discord.set_defaults(handler=_cli, action=None)
        actions = discord.add_subparsers(metavar="ACTION", dest="action")
        sync = actions.add_parser("sync", help="register the commands (globally, or in one server)")
        sync.add_argument("--guild", type=int, default=None, help="server id: registers instantly, for testing")
        commands = actions.add_parser("commands", help="print the command payloads, with no network")
        commands.add_argument("--json", action="store_true", required=True)
        actions.add_parser("invite", help="print the install links (to a server, and to a user's account)")

    async def run(
        self, settings: DiscordSettings, service: ExobotService, stop: asyncio.Event, status: AdapterStatus
    ) -> None:
        from bots.discord.client import serve_discord

        await serve_discord(settings, service, stop, status)


def _cli(args: argparse.Namespace) -> int:
    from bots.discord.cli import discord_command

    return discord_command(args)


def _shard_ids(value: str) -> tuple[int, ...]:
    ids = tuple(int(v) for v in re.split(r"[,\s]+", value.strip()) if v)
    if not ids or any(i < 0 for i in ids):
        raise ValueError(value)
    return ids


def _id_from_token(token: str) -> str | None:
    """A bot token starts with its user id in base64, which for bots is the application id."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


ADAPTER = DiscordAdapter()
