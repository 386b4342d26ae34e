"""``/exosome`` and ``/exosome-mod``: the app commands, translated into the core's command grammar.

``/exosome`` works wherever the app is: in servers that added the bot, and (installed to a person's
own account) in DMs and group chats. ``/exosome-mod`` works only in servers, for members with Manage
Messages, and only ever on that server's own questions.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bots.discord.handlers import DiscordBot
from bots.presentation import Texts
from core.content import Kind
from core.request import Surface

log = logging.getLogger(__name__)

MODERATOR_PERMISSIONS = discord.Permissions(manage_messages=True)
EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
ANY_INSTALL = app_commands.AppInstallationType(guild=True, user=True)
SERVERS_ONLY = app_commands.AppCommandContext(guild=True)
SERVER_INSTALL = app_commands.AppInstallationType(guild=True)


ASK_EXOBOT = "Ask exobot"


def add_commands(tree: app_commands.CommandTree[Any], bot: DiscordBot) -> None:
    tree.add_command(exosome_commands(bot))
    tree.add_command(moderator_commands(bot))
    tree.add_command(ask_about_message(bot))
    tree.error(on_tree_error)


def ask_about_message(bot: DiscordBot) -> app_commands.ContextMenu:
    """ "Ask exobot" on any message: Discord sends the chosen message's text with the interaction, so
    this needs no privileged intent. Answered privately, with a button to post it as a reply."""

    async def ask_exobot(interaction: discord.Interaction[Any], message: discord.Message) -> None:
        text = message.content.strip() or "help"
        await bot.ask(interaction, f"ask {text}", True, surface=Surface.SHORTCUT, reply_to=message.id)

    return app_commands.ContextMenu(
        name=ASK_EXOBOT, callback=ask_exobot, allowed_contexts=EVERYWHERE, allowed_installs=ANY_INSTALL
    )


def exosome_commands(bot: DiscordBot) -> app_commands.Group:
    engine = bot.service.engine
    exosome = app_commands.Group(
        name="exosome", description="Risks of exosome therapy, with sources",
        allowed_contexts=EVERYWHERE, allowed_installs=ANY_INSTALL,
    )  # fmt: skip
    private_help = "Only you see the answer"

    def visible(private: bool | None) -> bool:
        return bot.settings.private_by_default if private is None else private

    @exosome.command(name="ask", description="Ask anything about the risks of exosome therapy")
    @app_commands.describe(question="Your question, in your own words", private=private_help)
    async def ask_command(
        interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 500], private: bool | None = None
    ) -> None:
        await bot.ask(interaction, f"ask {question}", visible(private))

    @exosome.command(name="risks", description="The main risks of exosome therapy, one by one")
    @app_commands.describe(private=private_help)
    async def risks(interaction: discord.Interaction[Any], private: bool | None = None) -> None:
        await bot.ask(interaction, "risks", visible(private))

    @exosome.command(name="risk", description="One risk in detail")
    @app_commands.describe(topic="Which risk (start typing)", private=private_help)
    async def risk(interaction: discord.Interaction[Any], topic: str, private: bool | None = None) -> None:
        await bot.ask(interaction, f"risk {topic}", visible(private))

    @risk.autocomplete("topic")
    async def risk_topics(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return _choices(bot, Kind.RISK, current)

    aspects = [app_commands.Choice(name=e.title[:100], value=e.id) for e in engine.catalogue.of_kind(Kind.COMPARE)][:25]

    @exosome.command(name="compare", description="Exosome vs stem cell therapy, one aspect or all")
    @app_commands.describe(aspect="Leave empty for the whole table", private=private_help)
    @app_commands.choices(aspect=aspects)
    async def compare(
        interaction: discord.Interaction[Any], aspect: app_commands.Choice[str] | None = None,
        private: bool | None = None,
    ) -> None:  # fmt: skip
        await bot.ask(interaction, f"compare {aspect.value}" if aspect else "compare", visible(private))

    @exosome.command(name="faq", description="Frequently asked questions")
    @app_commands.describe(question="Which question (start typing); empty lists them all", private=private_help)
    async def faq(
        interaction: discord.Interaction[Any], question: str | None = None, private: bool | None = None
    ) -> None:
        await bot.ask(interaction, f"faq {question}" if question else "faq", visible(private))

    @faq.autocomplete("question")
    async def faq_questions(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return _choices(bot, Kind.FAQ, current)

    @exosome.command(name="topic", description="Background: what exosomes are, where the field is going")
    @app_commands.describe(name="Which topic (start typing); empty lists them", private=private_help)
    async def topic(
        interaction: discord.Interaction[Any], name: str | None = None, private: bool | None = None
    ) -> None:
        await bot.ask(interaction, f"topic {name}" if name else "topic", visible(private))

    @topic.autocomplete("name")
    async def topic_names(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return _choices(bot, Kind.TOPIC, current)

    @exosome.command(name="sources", description="Where the information comes from")
    @app_commands.describe(private=private_help)
    async def sources(interaction: discord.Interaction[Any], private: bool | None = None) -> None:
        await bot.ask(interaction, "sources", visible(private))

    @exosome.command(name="help", description="What exobot does, and how questions are logged")
    async def help_command(interaction: discord.Interaction[Any]) -> None:
        await bot.ask(interaction, "help", True)

    @exosome.command(name="my-data", description="See what the question log holds about you")
    async def my_data(interaction: discord.Interaction[Any]) -> None:
        await bot.ask(interaction, "my-data", True)

    @exosome.command(name="forget-me", description="Delete everything the question log holds about you")
    async def forget_me(interaction: discord.Interaction[Any]) -> None:
        await bot.ask(interaction, "forget-me", True)

    return exosome


def _choices(bot: DiscordBot, kind: Kind, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete: at most 25 entries, each offered by what its command takes (``cancer``, ``3``)."""
    found = bot.service.engine.complete(kind, current)
    return [app_commands.Choice(name=s.label[:100], value=s.command.split(" ", 1)[-1]) for s in found][:25]


def moderator_commands(bot: DiscordBot) -> app_commands.Group:
    mod = app_commands.Group(
        name="exosome-mod", description="Review this server's exobot question log",
        default_permissions=MODERATOR_PERMISSIONS, allowed_contexts=SERVERS_ONLY, allowed_installs=SERVER_INSTALL,
    )  # fmt: skip
    is_moderator = app_commands.checks.has_permissions(manage_messages=True)

    async def run(interaction: discord.Interaction[Any], command: str) -> None:
        await bot.ask(interaction, f"mod {command}", True, moderator=True)

    @mod.command(name="recent", description="The newest questions asked in this server")
    @is_moderator
    async def recent(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "recent")

    @mod.command(name="unanswered", description="Questions exobot could not answer")
    @is_moderator
    async def unanswered(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "unanswered")

    @mod.command(name="top", description="Most asked entries and most frequent unanswered questions")
    @is_moderator
    async def top(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "top")

    @mod.command(name="stats", description="Questions per day, answer rate, emergencies, helpfulness")
    @is_moderator
    async def stats(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "stats")

    @mod.command(name="search", description="Search the text of this server's questions")
    @app_commands.describe(words="Words that must all appear")
    @is_moderator
    async def search(interaction: discord.Interaction[Any], words: app_commands.Range[str, 1, 200]) -> None:
        await run(interaction, f"search {words}")

    @mod.command(name="show", description="One logged question in full")
    @app_commands.describe(question_id="The number shown by recent or unanswered")
    @is_moderator
    async def show(interaction: discord.Interaction[Any], question_id: app_commands.Range[int, 1]) -> None:
        await run(interaction, f"show {question_id}")

    @mod.command(name="mark", description="Mark a logged question reviewed or flagged")
    @app_commands.describe(question_id="The number shown by recent or unanswered", state="What to mark it",
                           note="Why (optional)")  # fmt: skip
    @app_commands.choices(state=[app_commands.Choice(name=s, value=s) for s in ("reviewed", "flagged", "new")])
    @is_moderator
    async def mark(
        interaction: discord.Interaction[Any], question_id: app_commands.Range[int, 1],
        state: app_commands.Choice[str], note: app_commands.Range[str, 0, 300] | None = None,
    ) -> None:  # fmt: skip
        await run(interaction, f"mark {question_id} {state.value} {note or ''}".strip())

    @mod.command(name="export", description="This server's question log as a CSV or JSON file")
    @app_commands.describe(file_format="CSV (default) or JSON", since="Only questions from this day on (YYYY-MM-DD)")
    @app_commands.choices(file_format=[app_commands.Choice(name=f, value=f) for f in ("csv", "json")])
    @is_moderator
    async def export(
        interaction: discord.Interaction[Any], file_format: app_commands.Choice[str] | None = None,
        since: app_commands.Range[str, 10, 10] | None = None,
    ) -> None:  # fmt: skip
        fmt = file_format.value if file_format else "csv"
        await run(interaction, f"export {fmt}" + (f" since {since}" if since else ""))

    @mod.command(name="web", description="A private one-time link to review this server's questions in a browser")
    @is_moderator
    async def web(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "web")

    @mod.command(name="watch", description="Suggest answers to new posts in a help channel or forum")
    @app_commands.describe(channel="A text or forum channel of this server")
    @is_moderator
    async def watch(interaction: discord.Interaction[Any], channel: discord.TextChannel | discord.ForumChannel) -> None:
        await bot.set_watch(interaction, channel.id, on=True)

    @mod.command(name="unwatch", description="Stop suggesting answers in a channel")
    @app_commands.describe(channel="A watched channel")
    @is_moderator
    async def unwatch(
        interaction: discord.Interaction[Any], channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        await bot.set_watch(interaction, channel.id, on=False)

    @mod.command(name="watching", description="The channels where new posts get a suggested answer")
    @is_moderator
    async def watching(interaction: discord.Interaction[Any]) -> None:
        await bot.list_watched(interaction)

    return mod


async def on_tree_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """Every failure becomes a short private message; details go to the log, never to the chat."""
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        message = Texts.MODERATORS_ONLY
    elif isinstance(error, app_commands.CommandOnCooldown):
        message = Texts.SLOW_DOWN.format(seconds=f"{error.retry_after:.0f}")
    elif isinstance(error, app_commands.TransformerError):
        message = Texts.BAD_OPTION
    else:
        log.error("Discord command failed", exc_info=error)
        message = Texts.FAILED
    embed = discord.Embed(description=message, colour=discord.Colour.orange())
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=True)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=True)
