"""The real discord.py client, connected over a real websocket to a local fake Discord as strict as the
real one: commands, buttons, moderation, limits, and every rule the fake enforces."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import discord
import pytest

from bots.adapter import AdapterState, AdapterStatus
from bots.discord.client import command_payloads, make_client, point_at
from bots.discord.render import render
from core.answers import Answer, Field
from core.content import Source
from core.engine import AnswerEngine
from core.questionlog.pseudonym import Pseudonymiser
from core.questionlog.store import Scope
from core.ratelimit import RateLimiter
from core.service import ExobotService
from core.settings import Secret
from tests import discord_harness
from tests.conftest import run_exobot
from tests.discord_harness import MODERATOR, Bot, custom_ids, embed, ephemeral, running, settings_for
from tests.fakes.discord import (
    GENERAL,
    GUILD,
    MANAGE_MESSAGES,
    PRIVATE,
    TOKEN,
    FakeDiscord,
    command,
    sent_by_interaction,
)
from tests.logtools import KEY

fake = discord_harness.fake
bot = discord_harness.bot


async def test_it_identifies_without_privileged_intents(bot: Bot) -> None:
    assert bot.fake.identify is not None and bot.status.state is AdapterState.CONNECTED
    assert int(bot.fake.identify["intents"]) & ((1 << 1) | (1 << 8) | (1 << 15)) == 0


@pytest.mark.parametrize(
    ("sub", "options", "title", "private"),
    [
        ("risks", {}, "The main risks of exosome therapy", False),
        ("risk", {"topic": "cancer"}, "Possible cancer growth", False),
        ("risk", {"topic": "half-life", "private": True}, "Effects may not last", True),
        ("compare", {"aspect": "cost"}, "Cost", False),
        ("compare", {}, "Exosome therapy compared with stem cell therapy", False),
        ("faq", {}, "Frequently asked questions", False),
        ("faq", {"question": "2"}, "Can exosome therapy make cancer worse?", False),
        ("ask", {"question": "can this make cancer worse?"}, "Can exosome therapy make cancer worse?", False),
        ("topic", {"name": "outlook"}, "Where is the field going?", False),
        ("sources", {}, "Where this information comes from", False),
        ("help", {}, "exobot: the risks of exosome therapy, with sources", True),
        ("my-data", {}, "What the log holds about you", True),
        ("forget-me", {}, "Your questions are deleted", True),
    ],
)
async def test_every_subcommand(bot: Bot, sub: str, options: dict[str, Any], title: str, private: bool) -> None:
    callback = await bot.answer("exosome", sub, options)
    assert embed(callback)["title"] == title
    assert ephemeral(callback) is private
    assert "not medical advice" in embed(callback)["footer"]["text"]


async def test_answers_from_memory_respond_at_once_and_database_work_is_deferred(bot: Bot) -> None:
    answered = await bot.run("exosome", "risks")
    assert answered.type == 4  # computed in memory: the answer is the first response
    deferred = await bot.run("exosome", "my-data")
    assert deferred.type == 5 and ephemeral(deferred)  # reads the database: acknowledged first
    followup = await bot.fake.followup_for(deferred.interaction_id)
    assert embed(followup)["title"] == "What the log holds about you"
    for sub in ("recent", "unanswered", "top", "stats", "export"):
        first = await bot.run("exosome-mod", sub, permissions=MODERATOR)
        assert first.type == 5 and ephemeral(first), sub


async def test_sources_field_related_buttons_and_votes(bot: Bot) -> None:
    callback = await bot.run("exosome", "risk", {"topic": "regulation"})
    fields = {f["name"]: f["value"] for f in embed(callback)["fields"]}
    assert "](https://www.fda.gov/" in fields["Sources"]
    ids = custom_ids(callback)
    assert any(i.startswith("exobot:ask:") for i in ids)
    assert [i.split(":")[2] for i in ids if i.startswith("exobot:vote:")] == ["up", "down"]


async def test_emergency_leads_with_advice_in_red_and_offers_no_votes(bot: Bot) -> None:
    callback = await bot.run("exosome", "ask", {"question": "I can't breathe after my shot"})
    assert embed(callback)["title"].startswith("This may be an emergency")
    assert "911" in embed(callback)["description"].split("\n\n")[0]
    assert embed(callback)["color"] == discord.Colour.red().value
    assert not any(i.startswith("exobot:vote:") for i in custom_ids(callback))


@pytest.mark.parametrize(("sub", "typed", "first"), [("risk", "canc", "cancer"), ("risk", "", "efficacy"),
                                                      ("faq", "how long", "6")])  # fmt: skip
async def test_autocomplete_is_ranked_and_capped(bot: Bot, sub: str, typed: str, first: str) -> None:
    option = "topic" if sub == "risk" else "question"
    callback = await bot.run("exosome", sub, {option: typed}, focused=option)
    assert callback.type == 8
    choices = callback.data["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == first


async def test_the_askers_click_answers_in_place_even_after_a_restart(bot: Bot) -> None:
    # This client never sent the message: the dynamic custom id alone carries what to answer.
    callback = await bot.click("exobot:ask:risk infection", asker="500", user_id="500")
    assert callback.type == 7
    assert embed(callback)["title"] == "Infection from contaminated products"


async def test_a_bystanders_click_gets_a_private_answer_and_leaves_the_message_alone(bot: Bot) -> None:
    callback = await bot.click("exobot:ask:risk infection", asker="500", user_id="777")
    assert callback.type == 4 and ephemeral(callback)
    assert embed(callback)["title"] == "Infection from contaminated products"


async def test_the_custom_id_cannot_claim_who_asked(bot: Bot) -> None:
    # A message with no interaction metadata (say, a reply to a mention) has no known asker: private.
    message = {k: v for k, v in sent_by_interaction("500").items() if k != "interaction_metadata"}
    callback = await bot.click("exobot:ask:risk infection", user_id="500", message=message)
    assert callback.type == 4 and ephemeral(callback)


async def test_sent_components_are_not_kept_per_message(bot: Bot) -> None:
    # Views of dynamic items only: nothing is stored per message, however many answers go out.
    sent = [await bot.run("exosome", "risk", {"topic": "cost"}, user_id=str(700 + n)) for n in range(5)]
    assert all(custom_ids(s) for s in sent)
    assert bot.client.persistent_views == []


async def test_votes_are_recorded_once_per_person(bot: Bot) -> None:
    answer = await bot.run("exosome", "risk", {"topic": "cost"})
    vote = next(i for i in custom_ids(answer) if i.startswith("exobot:vote:up:"))
    record_id = vote.rsplit(":", 1)[1]
    first = await bot.click(vote, user_id="500")
    assert first.type == 5 and ephemeral(first)
    thanks = await bot.fake.followup_for(first.interaction_id)
    assert embed(thanks)["title"] == "Thanks for the feedback"
    await bot.fake.followup_for((await bot.click(vote.replace(":up:", ":down:"), user_id="500")).interaction_id)
    assert bot.writer is not None
    async with bot.writer.reader() as store:
        row = await store.by_record_id(record_id)
    assert row is not None and (row.helpful, row.not_helpful) == (0, 1)


async def test_faq_menu_answers_in_place(bot: Bot) -> None:
    callback = await bot.click("exobot:faq", values=["faq 3"])
    assert callback.type == 7
    assert embed(callback)["title"] == "Why is exosome therapy so expensive?"


async def test_faq_listing_offers_a_menu(bot: Bot, catalogue) -> None:
    callback = await bot.run("exosome", "faq")
    menu = callback.data["components"][0]["components"][0]
    faqs = [e for e in catalogue.entries if e.kind == "faq"]
    assert menu["custom_id"] == "exobot:faq" and len(menu["options"]) == min(len(faqs), 25)


async def test_non_moderator_is_refused_by_the_permission_check(bot: Bot) -> None:
    callback = await bot.run("exosome-mod", "recent")
    assert ephemeral(callback)
    assert "moderators" in embed(callback)["description"]


async def test_moderator_commands_and_csv_export(bot: Bot) -> None:
    await bot.run("exosome", "ask", {"question": "why is rent so expensive?"})
    listed = await bot.answer("exosome-mod", "unanswered", permissions=MODERATOR)
    assert ephemeral(listed) and "rent" in json.dumps(embed(listed))
    question_id = embed(listed)["fields"][0]["name"].split()[0].lstrip("\\#")
    marked = await bot.answer("exosome-mod", "mark", {"question_id": int(question_id), "state": "flagged",
                                                        "note": "add it"}, permissions=MODERATOR)  # fmt: skip
    assert embed(marked)["title"] == f"Question {question_id} marked flagged"
    shown = await bot.answer("exosome-mod", "show", {"question_id": int(question_id)}, permissions=MODERATOR)
    assert "add it" in json.dumps(embed(shown))
    found = await bot.answer("exosome-mod", "search", {"words": "rent"}, permissions=MODERATOR)
    assert "rent" in json.dumps(embed(found))
    top = await bot.answer("exosome-mod", "top", permissions=MODERATOR)
    assert "unanswered" in json.dumps(embed(top))
    exported = await bot.answer("exosome-mod", "export", {"file_format": "csv"}, permissions=MODERATOR)
    assert ephemeral(exported)
    (content,) = exported.files.values()
    assert content.startswith(b"id,asked_at,platform") and b"rent" in content


async def test_an_export_over_the_attachment_limit_is_compressed_or_explained(bot: Bot, fake: FakeDiscord) -> None:
    for n in range(30):
        await bot.run("exosome", "ask", {"question": f"why is rent so expensive {n}?"}, user_id=str(600 + n))
    fake.attachment_size_limit = 4000  # smaller than the CSV, larger than it compressed
    compressed = await bot.answer("exosome-mod", "export", {"file_format": "csv"}, permissions=MODERATOR)
    (name,) = compressed.files
    assert name.endswith(".csv.gz")
    fake.attachment_size_limit = 200
    refused = await bot.answer("exosome-mod", "export", {"file_format": "csv"}, permissions=MODERATOR)
    assert not refused.files and "since YYYY-MM-DD" in refused.data["content"]


@pytest.mark.parametrize("text", ["@everyone is it safe", "<@123> **bold** ||spoiler|| `code`", "risk @here"])
async def test_user_text_never_pings_or_formats(bot: Bot, text: str) -> None:
    callback = await bot.run("exosome", "ask", {"question": text})
    shown = json.dumps(embed(callback))
    assert "@everyone" not in shown and "@here" not in shown.replace("@\\u200bhere", "")
    assert "**bold**" not in shown


def test_embeds_stay_within_every_discord_limit(engine: AnswerEngine) -> None:
    huge = Answer(
        title="T" * 600, paragraphs=("p" * 3000, "q" * 3000), disclaimer="d" * 3000, footer="f" * 100,
        fields=tuple(Field(f"name {i}" * 40, "v" * 3000, inline=i % 2 == 0) for i in range(60)),
        sources=(Source("s", "Title", "Pub", "https://example.org"),),
    )  # fmt: skip
    for answer in [huge, *(engine.answer(t) for t in ("risks", "compare", "faq", "help", "sources"))]:
        rendered = render(answer).embed
        assert len(rendered) <= 6000
        assert len(rendered.title or "") <= 256 and len(rendered.description or "") <= 4096
        assert len(rendered.fields) <= 25
        assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in rendered.fields)
        assert len(rendered.footer.text or "") <= 2048


async def test_sync_registers_exactly_the_offline_payloads(fake: FakeDiscord, catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue))
    point_at(settings_for(fake))
    client = make_client(service, settings_for(fake))
    await client.login(TOKEN)
    try:
        await client.tree.sync()
        guild = discord.Object(id=int(GUILD))
        client.tree.copy_global_to(guild=guild)
        await client.tree.sync(guild=guild)
    finally:
        await client.close()
    expected = command_payloads(service, settings_for(fake))
    assert fake.violations == []  # Discord's rules for commands, checked by the fake, all hold
    assert fake.synced["global"] == json.loads(json.dumps(expected))
    assert [c["name"] for c in fake.synced[GUILD]] == [c["name"] for c in expected]


def test_command_payloads_use_contexts_and_install_types(catalogue) -> None:
    payloads = {
        p["name"]: p for p in command_payloads(ExobotService(AnswerEngine(catalogue)), settings_for(FakeDiscord()))
    }
    assert payloads["exosome"]["contexts"] == [0, 1, 2] and payloads["exosome"]["integration_types"] == [0, 1]
    mod = payloads["exosome-mod"]
    assert int(mod["default_member_permissions"]) == MANAGE_MESSAGES
    assert mod["contexts"] == [0] and mod["integration_types"] == [0]
    subcommands = {o["name"] for o in mod["options"]}
    assert {"recent", "unanswered", "top", "stats", "search", "show", "mark", "export"} <= subcommands
    assert {"watch", "unwatch", "watching"} <= subcommands
    watch = next(o for o in mod["options"] if o["name"] == "watch")
    assert watch["options"][0]["type"] == 7 and set(watch["options"][0]["channel_types"]) == {0, 5, 15, 16}
    ask = payloads["Ask exobot"]
    assert ask["type"] == 3 and ask["contexts"] == [0, 1, 2] and ask["integration_types"] == [0, 1]


def test_commands_json_cli_needs_no_network() -> None:
    result = run_exobot("discord", "commands", "--json")
    assert result.returncode == 0, result.stderr
    names = [c["name"] for c in json.loads(result.stdout)]
    assert names[:2] == ["exosome", "exosome-mod"]


async def test_every_question_is_logged_with_discord_context(bot: Bot) -> None:
    await bot.run("exosome", "risks")
    await bot.run("exosome", "ask", {"question": "is it safe?"}, guild=None, user_id="501")
    await bot.run("exosome", "ask", {"question": "is it safe?"}, channel=PRIVATE, user_id="502")
    assert bot.writer is not None
    async with bot.writer.reader() as store:
        rows = await store.recent(Scope.everything())
    assert {(r.platform, r.workspace, r.channel, r.channel_kind) for r in rows} == {
        ("discord", GUILD, GENERAL, "public"), ("discord", None, "450", "dm"), ("discord", GUILD, PRIVATE, "private"),
    }  # fmt: skip
    assert {r.user_hash for r in rows} == {Pseudonymiser(KEY).user_hash("discord", u) for u in ("500", "501", "502")}


async def test_cooldown_replies_kindly(fake: FakeDiscord, catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue), rate_limiter=RateLimiter(2, 60))
    async with running(fake, service, settings_for(fake)):
        titles = [embed(await fake.interact(command(fake, "exosome", "risks")))["title"] for _ in range(3)]
    assert titles == ["The main risks of exosome therapy"] * 2 + ["Slow down a little"]


def test_large_bots_get_the_auto_sharded_client(catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue))
    settings = settings_for(FakeDiscord())
    sharded = make_client(service, dataclasses.replace(settings, shard_count=3, shard_ids=(0, 2)))
    assert isinstance(sharded, discord.AutoShardedClient) and sharded.shard_count == 3 and sharded.shard_ids == [0, 2]
    assert not isinstance(make_client(service, settings), discord.AutoShardedClient)


async def test_a_rejected_token_stops_the_adapter_naming_the_variable(fake: FakeDiscord, catalogue) -> None:
    from bots.adapter import CredentialsRejected
    from bots.discord.client import serve_discord

    settings = settings_for(fake, token=Secret("rejected-token-" + "z" * 40))
    with pytest.raises(CredentialsRejected, match="DISCORD_TOKEN was rejected"):
        await serve_discord(settings, ExobotService(AnswerEngine(catalogue)), asyncio.Event(), AdapterStatus("discord"))
