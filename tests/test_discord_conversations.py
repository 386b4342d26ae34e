"""Where people talk on Discord: @mentions, DMs, "Ask exobot" on a message, and watched help channels,
through the real discord.py client and gateway against the strict fake."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from core.engine import AnswerEngine
from core.questionlog.store import Scope
from core.service import ExobotService
from tests import discord_harness
from tests.discord_harness import MODERATOR, Bot, custom_ids, embed, ephemeral, running, settings_for
from tests.fakes.discord import (
    APPLICATION_ID,
    DM,
    FORUM,
    GENERAL,
    GUILD,
    FakeDiscord,
    Posted,
    channel_message,
    component,
    message_command,
)
from tests.logtools import sqlite_writer

EVERYTHING = Scope.everything()
fake = discord_harness.fake
bot = discord_harness.bot


async def posted_in(fake: FakeDiscord, channel: str, count: int = 1, timeout: float = 5) -> list[Posted]:
    for _ in range(int(timeout / 0.02)):
        found = fake.replies_in(channel)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    return fake.replies_in(channel)


async def quiet(fake: FakeDiscord, channel: str, seconds: float = 0.5) -> bool:
    """Nothing posted in channel for a while: the bot chose silence."""
    await asyncio.sleep(seconds)
    return fake.replies_in(channel) == []


def title(posted: Posted) -> str:
    return str(posted.data["embeds"][0]["title"])


def no_ping(posted: Posted) -> bool:
    mentions = posted.data.get("allowed_mentions") or {}
    return mentions.get("parse") == [] and mentions.get("replied_user") in (None, False)


async def rows(bot: Bot) -> list[Any]:
    assert bot.writer is not None
    async with bot.writer.reader() as store:
        return await store.recent(EVERYTHING)


async def test_a_mention_is_answered_as_a_reply_that_pings_no_one(bot: Bot) -> None:
    message = channel_message(f"<@{APPLICATION_ID}> can exosomes make cancer worse?", mentions_bot=True)
    assert await bot.fake.message_created(message)
    (reply,) = await posted_in(bot.fake, GENERAL)
    assert title(reply) == "Can exosome therapy make cancer worse?"
    assert str(reply.data["message_reference"]["message_id"]) == message["id"] and no_ping(reply)
    assert any(i.startswith("exobot:vote:") for row in reply.data["components"] for i in [c["custom_id"] for c in
               row["components"]])  # fmt: skip
    (row,) = await rows(bot)
    assert (row.platform, row.workspace, row.surface, row.match) == ("discord", GUILD, "mention", "faq:cancer")
    assert row.question == "can exosomes make cancer worse?"  # the mention itself is not the question


async def test_a_dm_is_answered_in_the_dm(bot: Bot) -> None:
    await bot.fake.message_created(channel_message("is it safe?", guild=None))
    (reply,) = await posted_in(bot.fake, DM)
    assert title(reply) == "Is exosome therapy safe?" and no_ping(reply)
    (row,) = await rows(bot)
    assert (row.surface, row.channel_kind, row.workspace) == ("direct", "dm", None)


async def test_bots_and_unaddressed_messages_are_left_alone(bot: Bot) -> None:
    mention = f"<@{APPLICATION_ID}> is it safe?"
    await bot.fake.message_created(channel_message(mention, author="777", bot=True, mentions_bot=True))
    await bot.fake.message_created(channel_message(mention, author=APPLICATION_ID, mentions_bot=True))
    await bot.fake.message_created(channel_message("is it safe?"))  # not addressed to the bot
    await bot.fake.message_created(channel_message("hi", guild=None, author="777", bot=True))
    assert await quiet(bot.fake, GENERAL) and bot.fake.replies_in(DM) == []
    assert await rows(bot) == []


async def test_without_message_content_a_server_message_arrives_empty(bot: Bot) -> None:
    """The fake blanks what Discord blanks: the bot never relies on a privileged intent."""
    seen: list[str] = []
    answer = bot.client.conversations.on_message

    async def recording(me: Any, message: Any) -> None:
        seen.append(message.content)
        await answer(me, message)

    bot.client.conversations.on_message = recording  # type: ignore[method-assign]
    await bot.fake.message_created(channel_message("a private chat between members"))
    await bot.fake.message_created(channel_message(f"<@{APPLICATION_ID}> hi", mentions_bot=True))
    for _ in range(100):
        if len(seen) == 2:
            break
        await asyncio.sleep(0.02)
    assert seen == ["", f"<@{APPLICATION_ID}> hi"]


async def test_personal_commands_in_a_channel_point_to_the_private_command(bot: Bot) -> None:
    await bot.fake.message_created(channel_message(f"<@{APPLICATION_ID}> my-data", mentions_bot=True))
    (reply,) = await posted_in(bot.fake, GENERAL)
    assert ("/exosome my-data" in reply.data["content"] and "embeds" not in reply.data) or not reply.data["embeds"]
    assert await rows(bot) == []


async def test_ask_exobot_on_a_message_answers_privately_then_posts_a_reply(bot: Bot) -> None:
    target = channel_message("anyone know if exosome facials are safe??", author="600")
    first = await bot.fake.interact(message_command(bot.fake, target))
    assert ephemeral(first) and embed(first)["title"].startswith("Are exosome facials")
    share = next(i for i in custom_ids(first) if i.startswith("exobot:share:"))
    assert share.endswith(f":{target['id']}")
    clicked = await bot.fake.interact(component(bot.fake, share))
    assert clicked.type == 6  # acknowledged at once; the reply is posted after
    assert ephemeral(await bot.fake.followup_for(clicked.interaction_id))
    (reply,) = await posted_in(bot.fake, GENERAL)
    assert str(reply.data["message_reference"]["message_id"]) == target["id"] and no_ping(reply)
    assert title(reply) == embed(first)["title"]
    assert [r.surface for r in await rows(bot)] == ["shortcut"]


async def test_ask_exobot_from_a_user_install_posts_as_its_own_response(bot: Bot) -> None:
    """Installed to a person's account, the app may post nowhere itself: the share is the response."""
    target = channel_message("are exosomes fda approved", author="600")
    first = await bot.fake.interact(message_command(bot.fake, target, user_install=True))
    share = next(i for i in custom_ids(first) if i.startswith("exobot:share:"))
    bot.fake.bot_in_guild = False  # no bot member in this server: nothing but the interaction itself
    clicked = await bot.fake.interact(component(bot.fake, share, user_install=True))
    assert not ephemeral(clicked) and embed(clicked)["title"] == embed(first)["title"]
    assert bot.fake.replies_in(GENERAL) == []


async def watch(bot: Bot, channel: str = FORUM) -> None:
    done = await bot.answer("exosome-mod", "watch", channels={"channel": channel}, permissions=MODERATOR)
    assert embed(done)["title"] == "Watching that channel", embed(done)


async def test_a_watched_forum_gets_one_suggested_answer_per_post(bot: Bot) -> None:
    await watch(bot)
    thread = await bot.fake.thread_created("Are exosome facials safe for sensitive skin?")
    (reply,) = await posted_in(bot.fake, thread)
    assert title(reply).startswith("Are exosome facials") and no_ping(reply)
    assert {"exobot:vote:up", "exobot:vote:down"} <= {
        c["custom_id"].rsplit(":", 1)[0] for row in reply.data["components"] for c in row["components"]
    }
    # The same thread announced again (a gateway resume): still one answer.
    await bot.fake.dispatch("THREAD_CREATE", bot.fake.channels[thread].payload() | {"newly_created": True})
    await asyncio.sleep(0.3)
    assert len(bot.fake.replies_in(thread)) == 1
    assert [(r.surface, r.channel) for r in await rows(bot)] == [("thread", thread)]


async def test_an_off_topic_post_gets_silence_and_is_not_logged(bot: Bot) -> None:
    await watch(bot)
    thread = await bot.fake.thread_created("best pizza in brooklyn?")
    unsure = await bot.fake.thread_created("my knee hurts when I run, any tips")
    assert await quiet(bot.fake, thread) and bot.fake.replies_in(unsure) == []
    assert await rows(bot) == []


async def test_an_emergency_post_always_gets_the_emergency_answer(bot: Bot) -> None:
    await watch(bot)
    thread = await bot.fake.thread_created("my face is swelling and I cant breathe after the exosome shot")
    (reply,) = await posted_in(bot.fake, thread)
    assert title(reply).startswith("This may be an emergency")


async def test_unwatched_channels_and_other_servers_are_left_alone(bot: Bot) -> None:
    thread = await bot.fake.thread_created("is exosome therapy safe?")
    assert await quiet(bot.fake, thread)
    listing = await bot.answer("exosome-mod", "watching", permissions=MODERATOR)
    assert "none yet" in embed(listing)["description"]
    await watch(bot)
    listing = await bot.answer("exosome-mod", "watching", permissions=MODERATOR)
    assert f"<#{FORUM}>" in embed(listing)["description"]
    stopped = await bot.answer("exosome-mod", "unwatch", channels={"channel": FORUM}, permissions=MODERATOR)
    assert embed(stopped)["title"] == "Not watching that channel"
    thread = await bot.fake.thread_created("is exosome therapy safe?")
    assert await quiet(bot.fake, thread)


async def test_only_moderators_can_watch(bot: Bot) -> None:
    refused = await bot.answer("exosome-mod", "watch", channels={"channel": FORUM})
    assert ephemeral(refused) and "moderators" in (embed(refused).get("description") or "").lower()


async def test_the_watch_list_survives_a_restart(fake: FakeDiscord, tmp_path: Path, catalogue) -> None:
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    async with running(fake, service, settings_for(fake)) as (status, client):
        await watch(Bot(fake, service, writer, status, client))
    await writer.stop()
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    async with running(fake, service, settings_for(fake)):
        thread = await fake.thread_created("how much does exosome therapy cost?")
        (reply,) = await posted_in(fake, thread)
        assert title(reply).startswith(("High cost", "Why is exosome therapy so expensive"))
    await writer.stop()
    assert fake.violations == []


async def test_the_permissions_the_invite_asks_for_are_enough_for_every_reply(bot: Bot) -> None:
    """The fake grants the bot only the invite's permissions: replying needs Read Message History too."""
    from bots.discord.cli import INVITE_PERMISSIONS

    assert bot.fake.granted == INVITE_PERMISSIONS.value
    await bot.fake.message_created(channel_message(f"<@{APPLICATION_ID}> risks", mentions_bot=True))
    (reply,) = await posted_in(bot.fake, GENERAL)
    assert title(reply) == "The main risks of exosome therapy"
