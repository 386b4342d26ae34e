"""The Discord adapter: ``/exosome`` and ``/exosome-mod`` app commands, thin over ``core``.

Interactions become core Requests, core Answers become embeds; buttons and the FAQ menu use dynamic
custom ids (``exobot:ask:<command>``) so they keep working after a restart.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from typing import Any

import discord
from discord import app_commands

from bots.discord.render import ASK_PREFIX, FAQ_MENU_ID, NO_MENTIONS, ask_button, faq_select, render
from bots.runner import Adapter
from core.answers import Answer
from core.content import Kind
from core.request import ChannelKind, Request
from core.service import ExobotService
from core.settings import DiscordSettings

log = logging.getLogger(__name__)

PLATFORM = "discord"
MODERATOR_PERMISSIONS = discord.Permissions(manage_messages=True)


class ExobotClient(discord.Client):
    """A client that knows the core service; everything platform-neutral is reached through it."""

    def __init__(self, service: ExobotService, settings: DiscordSettings, **options: Any) -> None:
        # discord.py applies the client's allowed mentions to everything it sends: no message can ping.
        super().__init__(intents=discord.Intents.none(), allowed_mentions=NO_MENTIONS, **options)
        self.service = service
        self.settings = settings
        self.tree = app_commands.CommandTree(self)
        build_commands(self.tree, service, private_by_default=settings.private_by_default)
        self.tree.error(on_tree_error)

    async def setup_hook(self) -> None:
        # Registered by class, so buttons on messages sent before a restart still answer.
        self.add_dynamic_items(AskButton, FaqMenu)


class ShardedExobotClient(ExobotClient, discord.AutoShardedClient):
    """For bots in 2,500 servers or more, where Discord requires sharding."""


def make_client(service: ExobotService, settings: DiscordSettings) -> ExobotClient:
    if settings.shard_count:
        return ShardedExobotClient(service, settings, shard_count=settings.shard_count)
    return ExobotClient(service, settings)


# -- translating ------------------------------------------------------------------------------------


_KIND_TTL = 300.0
_kinds: dict[int, tuple[float, ChannelKind]] = {}


def channel_kind(interaction: discord.Interaction[Any], channel_id: int) -> ChannelKind:
    """DM, public or private, for the question log. Kept per channel for a few minutes: reading
    overwrites goes through discord.py's runtime Protocol checks, which cost more than an answer."""
    if interaction.guild_id is None:
        return ChannelKind.DM
    cached = _kinds.get(channel_id)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _KIND_TTL:
        return cached[1]
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.type is discord.ChannelType.private_thread:
        kind = ChannelKind.PRIVATE
    else:
        # The bot runs without the guilds intent, so roles are not cached: read the @everyone overwrite
        # (the role whose id is the guild's) straight from the channel the interaction carries.
        overwrites_for = getattr(channel, "overwrites_for", None)
        everyone = discord.Object(id=interaction.guild_id)
        hidden = overwrites_for is not None and overwrites_for(everyone).view_channel is False
        kind = ChannelKind.PRIVATE if hidden else ChannelKind.PUBLIC
    if len(_kinds) >= 10_000:
        _kinds.clear()
    _kinds[channel_id] = (now, kind)
    return kind


def to_request(interaction: discord.Interaction[Any], text: str, *, moderator: bool = False) -> Request:
    guild_id, channel_id = interaction.guild_id, interaction.channel_id  # the latter is a property
    return Request(
        text=text,
        platform=PLATFORM,
        user_id=str(interaction.user.id),
        workspace=str(guild_id) if guild_id else None,
        channel=str(channel_id) if channel_id else None,
        channel_kind=channel_kind(interaction, channel_id or 0),
        is_moderator=moderator,
    )


def reply_options(answer: Answer, *, private: bool) -> dict[str, Any]:
    """``send_message`` options for answer: embed, buttons, file; ephemeral when private."""
    rendered = render(answer)
    options: dict[str, Any] = {"embed": rendered.embed, "ephemeral": private or answer.private}
    if rendered.view is not None:
        options["view"] = rendered.view
    if answer.attachment is not None:
        data = io.BytesIO(answer.attachment.content)
        options["file"] = discord.File(data, filename=answer.attachment.filename)
    return options


async def ask(interaction: discord.Interaction[Any], text: str, private: bool, *, moderator: bool = False) -> None:
    """Answer text as this interaction's response.

    One coroutine from the command to the send: every level of awaiting is resumed again for each step
    of the HTTP request, and lives on through it."""
    client = interaction.client
    assert isinstance(client, ExobotClient)
    answer = await client.service.handle(to_request(interaction, text, moderator=moderator))
    await interaction.response.send_message(**reply_options(answer, private=private))


# -- components ---------------------------------------------------------------------------------------


class AskButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=ASK_PREFIX + r"(?P<command>[a-z0-9 \-]{1,88})"
):
    """A related-entry button; its custom id carries the command, so it needs no state to survive a restart."""

    def __init__(self, command: str, label: str = "More") -> None:
        super().__init__(ask_button(command, label))
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AskButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["command"], label or "More")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answer_in_place(interaction, self.command)


class FaqMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=FAQ_MENU_ID):
    def __init__(self, options: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(faq_select(options))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FaqMenu:
        options = item.options if isinstance(item, discord.ui.Select) else []
        return cls(tuple((o.label, o.value) for o in options))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or ["faq"]
        await answer_in_place(interaction, str(values[0]))


async def answer_in_place(interaction: discord.Interaction[Any], command: str) -> None:
    client = interaction.client
    assert isinstance(client, ExobotClient)
    answer = await client.service.handle(to_request(interaction, command))
    rendered = render(answer)
    await interaction.response.edit_message(embed=rendered.embed, view=rendered.view)


# -- commands -----------------------------------------------------------------------------------------


def build_commands(tree: app_commands.CommandTree[Any], service: ExobotService, *, private_by_default: bool) -> None:
    """Register ``/exosome`` and ``/exosome-mod`` on tree. Choices come from the content's stable ids."""
    exosome = app_commands.Group(name="exosome", description="Risks of exosome therapy, with sources")
    private_help = "Only you see the answer"

    def visible(private: bool | None) -> bool:
        return private_by_default if private is None else private

    @exosome.command(name="risks", description="The main risks of exosome therapy, one by one")
    @app_commands.describe(private=private_help)
    async def risks(interaction: discord.Interaction[Any], private: bool | None = None) -> None:
        await ask(interaction, "risks", visible(private))

    @exosome.command(name="risk", description="One risk in detail")
    @app_commands.describe(topic="Which risk (start typing)", private=private_help)
    async def risk(interaction: discord.Interaction[Any], topic: str, private: bool | None = None) -> None:
        await ask(interaction, f"risk {topic}", visible(private))

    @risk.autocomplete("topic")
    async def risk_topics(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        found = service.engine.complete(Kind.RISK, current)
        return [app_commands.Choice(name=s.label[:100], value=s.ref.split(":", 1)[1]) for s in found][:25]

    aspects = [
        app_commands.Choice(name=e.title[:100], value=e.id) for e in service.engine.catalogue.of_kind(Kind.COMPARE)
    ][:25]

    @exosome.command(name="compare", description="Exosome vs stem cell therapy, one aspect or all")
    @app_commands.describe(aspect="Leave empty for the whole table", private=private_help)
    @app_commands.choices(aspect=aspects)
    async def compare(
        interaction: discord.Interaction[Any],
        aspect: app_commands.Choice[str] | None = None,
        private: bool | None = None,
    ) -> None:
        await ask(interaction, f"compare {aspect.value}" if aspect else "compare", visible(private))

    @exosome.command(name="faq", description="Frequently asked questions")
    @app_commands.describe(question="Which question (start typing); empty lists them all", private=private_help)
    async def faq(
        interaction: discord.Interaction[Any], question: str | None = None, private: bool | None = None
    ) -> None:
        await ask(interaction, f"faq {question}" if question else "faq", visible(private))

    @faq.autocomplete("question")
    async def faq_questions(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        found = service.engine.complete(Kind.FAQ, current)
        return [app_commands.Choice(name=s.label[:100], value=s.command.split(" ", 1)[1]) for s in found][:25]

    @exosome.command(name="ask", description="Ask anything about the risks of exosome therapy")
    @app_commands.describe(question="Your question, in your own words", private=private_help)
    async def ask_command(
        interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 500], private: bool | None = None
    ) -> None:
        await ask(interaction, f"ask {question}", visible(private))

    @exosome.command(name="sources", description="Where the information comes from")
    @app_commands.describe(private=private_help)
    async def sources(interaction: discord.Interaction[Any], private: bool | None = None) -> None:
        await ask(interaction, "sources", visible(private))

    @exosome.command(name="help", description="What exobot does, and how questions are logged")
    async def help_command(interaction: discord.Interaction[Any]) -> None:
        await ask(interaction, "help", True)

    @exosome.command(name="my-data", description="See what the question log holds about you")
    async def my_data(interaction: discord.Interaction[Any]) -> None:
        await ask(interaction, "my-data", True)

    @exosome.command(name="forget-me", description="Delete everything the question log holds about you")
    async def forget_me(interaction: discord.Interaction[Any]) -> None:
        await ask(interaction, "forget-me", True)

    tree.add_command(exosome)
    tree.add_command(moderator_commands())


def moderator_commands() -> app_commands.Group:
    mod = app_commands.Group(
        name="exosome-mod",
        description="Review the exobot question log",
        default_permissions=MODERATOR_PERMISSIONS,
        guild_only=True,
    )
    is_moderator = app_commands.checks.has_permissions(manage_messages=True)

    async def run(interaction: discord.Interaction[Any], command: str) -> None:
        await ask(interaction, f"mod {command}", True, moderator=True)

    @mod.command(name="recent", description="The newest questions")
    @is_moderator
    async def recent(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "recent")

    @mod.command(name="unanswered", description="Questions exobot could not answer")
    @is_moderator
    async def unanswered(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "unanswered")

    @mod.command(name="stats", description="Questions per day, answer rate, emergencies")
    @is_moderator
    async def stats(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "stats")

    @mod.command(name="mark", description="Mark a logged question reviewed or flagged")
    @app_commands.describe(question_id="The number shown by recent/unanswered", note="Why (optional)")
    @app_commands.choices(state=[app_commands.Choice(name=s, value=s) for s in ("reviewed", "flagged", "new")])
    @is_moderator
    async def mark(
        interaction: discord.Interaction[Any],
        question_id: app_commands.Range[int, 1],
        state: app_commands.Choice[str],
        note: app_commands.Range[str, 0, 300] | None = None,
    ) -> None:
        await run(interaction, f"mark {question_id} {state.value} {note or ''}".strip())

    @mod.command(name="export", description="The question log as a CSV or JSON file")
    @app_commands.describe(since="Only questions from this day on (YYYY-MM-DD)")
    @app_commands.choices(file_format=[app_commands.Choice(name=f, value=f) for f in ("csv", "json")])
    @is_moderator
    async def export(
        interaction: discord.Interaction[Any],
        file_format: app_commands.Choice[str] | None = None,
        since: app_commands.Range[str, 10, 10] | None = None,
    ) -> None:
        fmt = file_format.value if file_format else "csv"
        await run(interaction, f"export {fmt}" + (f" since {since}" if since else ""))

    return mod


async def on_tree_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """Every failure becomes a short private message; details go to the log, never to the chat."""
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        message = "Only this server's moderators can review the question log."
    elif isinstance(error, app_commands.CommandOnCooldown):
        message = f"Slow down a little: try again in {error.retry_after:.0f} seconds."
    elif isinstance(error, app_commands.TransformerError):
        message = "I couldn't read one of the options. Please check it and try again."
    else:
        log.exception("Discord command failed", exc_info=error)
        message = "Something went wrong on my side. Please try again in a moment."
    embed = discord.Embed(description=message, colour=discord.Colour.orange())
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=True)


def command_payloads(service: ExobotService, settings: DiscordSettings) -> list[dict[str, Any]]:
    """What ``sync`` would register, built with no network."""
    client = ExobotClient(service, settings)
    return [command.to_dict(client.tree) for command in client.tree.get_commands()]


def discord_adapter(settings: DiscordSettings) -> Adapter:
    """The runner's entry point: connect to Discord and serve interactions until stop is set."""

    async def run(service: ExobotService, stop: Any) -> None:
        if settings.api_base_url:
            discord.http.Route.BASE = settings.api_base_url
        client = make_client(service, settings)
        try:
            await client.login(settings.token.reveal())
            connection = client.loop.create_task(client.connect(reconnect=True))
            stopping = client.loop.create_task(stop.wait())
            done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if connection in done:
                connection.result()  # re-raise so the runner logs it and restarts with backoff
        finally:
            await client.close()

    return run
