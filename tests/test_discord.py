"""The real discord.py client and command tree, fed raw interactions, against a local fake Discord REST."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest

from bots.discord.bot import ExobotClient, command_payloads
from bots.discord.render import render
from core.answers import Answer, Field
from core.content import Source
from core.engine import AnswerEngine
from core.log.pseudonym import Pseudonymiser
from core.log.writer import LogWriter
from core.ratelimit import RateLimiter
from core.service import ExobotService
from core.settings import DiscordSettings, Secret
from tests.conftest import run_exobot
from tests.fakes.discord import Callback, FakeDiscord, command, component

KEY = b"k" * 32
MANAGE_MESSAGES = 1 << 13
SETTINGS = DiscordSettings(token=Secret("fake-discord-token-" + "x" * 40))


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.base)
    yield server
    await server.stop()


@dataclass
class Bot:
    client: ExobotClient
    fake: FakeDiscord
    writer: LogWriter | None

    async def send(self, payload: dict[str, Any]) -> Callback:
        self.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        return await self.fake.callback_for(payload["id"])


async def _bot(fake: FakeDiscord, service: ExobotService, writer: LogWriter | None) -> Bot:
    client = ExobotClient(service, SETTINGS)
    await client.login("fake-token")
    return Bot(client, fake, writer)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, catalogue) -> AsyncIterator[Bot]:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    harness = await _bot(fake, service, writer)
    yield harness
    await harness.client.close()
    await writer.stop()
    # Whatever a test made the bot send (answers, edits, errors, follow-ups), none of it could ping.
    messages = [c for c in fake.callbacks if c.type in (4, 7)]
    assert all(c.data["allowed_mentions"] == {"parse": []} for c in messages), messages


def embed(callback: Callback) -> dict[str, Any]:
    return dict(callback.data["embeds"][0])


def ephemeral(callback: Callback) -> bool:
    return bool(int(callback.data.get("flags") or 0) & 64)


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
        ("sources", {}, "Where this information comes from", False),
        ("help", {}, "exobot: the risks of exosome therapy, with sources", True),
        ("my-data", {}, "What the log holds about you", True),
        ("forget-me", {}, "Your questions are deleted", True),
    ],
)
async def test_every_subcommand(bot: Bot, sub: str, options: dict[str, Any], title: str, private: bool) -> None:
    callback = await bot.send(command("exosome", sub, options))
    assert callback.type == 4
    assert embed(callback)["title"] == title
    assert ephemeral(callback) is private
    assert "not medical advice" in embed(callback)["footer"]["text"]
    assert callback.data["allowed_mentions"] == {"parse": []}


async def test_sources_field_and_related_buttons(bot: Bot) -> None:
    callback = await bot.send(command("exosome", "risk", {"topic": "cost"}))
    fields = {f["name"]: f["value"] for f in embed(callback)["fields"]}
    assert "https://" not in fields["Sources"] or "](" in fields["Sources"]
    buttons = callback.data["components"][0]["components"]
    assert all(b["custom_id"].startswith("exobot:ask:") for b in buttons)


async def test_emergency_leads_with_advice_in_red(bot: Bot) -> None:
    callback = await bot.send(command("exosome", "ask", {"question": "I can't breathe after my shot"}))
    assert embed(callback)["title"].startswith("This may be an emergency")
    assert "911" in embed(callback)["description"].split("\n\n")[0]
    assert embed(callback)["color"] == discord.Colour.red().value


@pytest.mark.parametrize(("sub", "typed", "first"), [("risk", "canc", "cancer"), ("risk", "", "efficacy"),
                                                      ("faq", "how long", "6")])  # fmt: skip
async def test_autocomplete_is_ranked_and_capped(bot: Bot, sub: str, typed: str, first: str) -> None:
    option = "topic" if sub == "risk" else "question"
    callback = await bot.send(command("exosome", sub, {option: typed}, focused=option))
    assert callback.type == 8
    choices = callback.data["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == first


async def test_button_answers_in_place_even_after_a_restart(bot: Bot) -> None:
    # This client never sent the message: the dynamic custom id alone carries what to answer.
    callback = await bot.send(component("exobot:ask:risk infection"))
    assert callback.type == 7
    assert embed(callback)["title"] == "Infection from contaminated products"


async def test_sent_components_are_not_kept_per_message(bot: Bot) -> None:
    # discord.py keeps every unfinished view it sends; one per answer would grow without bound.
    store = bot.client._connection._view_store
    before = len(store.persistent_views), len(store._views)
    for n in range(5):
        callback = await bot.send(command("exosome", "risk", {"topic": "cost"}, user_id=str(700 + n)))
        assert callback.data["components"], "the answer still carries its buttons"
    assert (len(store.persistent_views), len(store._views)) == before


async def test_a_rendering_sent_again_sends_the_same_payload(bot: Bot) -> None:
    # Payloads are built once per rendering; the second send must match the first and what discord.py
    # itself would build from the finished embed and view.
    first, second = [
        await bot.send(command("exosome", "risk", {"topic": "cancer"}, user_id=str(800 + n))) for n in (0, 1)
    ]
    assert first.data["embeds"] == second.data["embeds"] and first.data["components"] == second.data["components"]
    rendered = render(bot.client.service.engine.answer_text("risk cancer"))
    assert embed(first) == discord.Embed.to_dict(rendered.embed) and rendered.view is not None
    assert first.data["components"] == discord.ui.View.to_components(rendered.view)
    assert rendered.view.has_components_v2() is discord.ui.View.has_components_v2(rendered.view) is False


async def test_faq_menu_answers_in_place(bot: Bot) -> None:
    callback = await bot.send(component("exobot:faq", values=["faq 3"]))
    assert callback.type == 7
    assert embed(callback)["title"] == "Why is exosome therapy so expensive?"


async def test_faq_listing_offers_a_menu(bot: Bot) -> None:
    callback = await bot.send(command("exosome", "faq"))
    menu = callback.data["components"][0]["components"][0]
    assert menu["custom_id"] == "exobot:faq" and len(menu["options"]) == 7


async def test_non_moderator_is_refused_by_the_permission_check(bot: Bot) -> None:
    callback = await bot.send(command("exosome-mod", "recent", permissions=0))
    assert ephemeral(callback)
    assert "moderators" in embed(callback)["description"]


async def test_moderator_commands_and_csv_export(bot: Bot) -> None:
    await bot.send(command("exosome", "ask", {"question": "why is rent so expensive?"}))
    listed = await bot.send(command("exosome-mod", "unanswered", permissions=MANAGE_MESSAGES))
    assert ephemeral(listed) and "rent" in json.dumps(embed(listed))
    question_id = embed(listed)["fields"][0]["name"].split()[0].lstrip("\\#")
    marked = await bot.send(
        command(
            "exosome-mod",
            "mark",
            {"question_id": int(question_id), "state": "flagged", "note": "add it"},
            permissions=MANAGE_MESSAGES,
        )
    )
    assert embed(marked)["title"] == f"Question {question_id} marked flagged"
    exported = await bot.send(command("exosome-mod", "export", {"file_format": "csv"}, permissions=MANAGE_MESSAGES))
    assert ephemeral(exported)
    (content,) = exported.files.values()
    assert content.startswith(b"id,asked_at,platform") and b"rent" in content


@pytest.mark.parametrize("text", ["@everyone is it safe", "<@123> **bold** ||spoiler|| `code`", "risk @here"])
async def test_user_text_never_pings_or_formats(bot: Bot, text: str) -> None:
    callback = await bot.send(command("exosome", "ask", {"question": text}))
    assert callback.data["allowed_mentions"] == {"parse": []}
    shown = json.dumps(embed(callback))
    assert "@everyone" not in shown and "@here" not in shown.replace("@\\u200bhere", "")
    assert "**bold**" not in shown


def test_embeds_stay_within_every_discord_limit(engine: AnswerEngine) -> None:
    huge = Answer(
        title="T" * 600, paragraphs=("p" * 3000, "q" * 3000), disclaimer="d" * 3000, footer="f" * 100,
        fields=tuple(Field(f"name {i}" * 40, "v" * 3000, inline=i % 2 == 0) for i in range(60)),
        sources=(Source("s", "Title", "Pub", "https://example.org"),),
    )  # fmt: skip
    for answer in [huge, *(engine.answer_text(t) for t in ("risks", "compare", "faq", "help", "sources"))]:
        rendered = render(answer).embed
        assert len(rendered) <= 6000
        assert len(rendered.title or "") <= 256 and len(rendered.description or "") <= 4096
        assert len(rendered.fields) <= 25
        assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in rendered.fields)
        assert len(rendered.footer.text or "") <= 2048


async def test_sync_registers_exactly_the_offline_payloads(bot: Bot) -> None:
    await bot.client.tree.sync()
    expected = command_payloads(bot.client.service, SETTINGS)
    assert [c["name"] for c in bot.fake.synced["global"]] == ["exosome", "exosome-mod"]
    assert bot.fake.synced["global"] == json.loads(json.dumps(expected))
    guild = discord.Object(id=300)
    bot.client.tree.copy_global_to(guild=guild)
    await bot.client.tree.sync(guild=guild)
    assert [c["name"] for c in bot.fake.synced["300"]] == ["exosome", "exosome-mod"]


def test_command_payloads_respect_discord_limits(catalogue) -> None:
    payloads = command_payloads(ExobotService(AnswerEngine(catalogue)), SETTINGS)
    mod = next(p for p in payloads if p["name"] == "exosome-mod")
    assert int(mod["default_member_permissions"]) == MANAGE_MESSAGES
    assert mod.get("dm_permission") is False or mod.get("contexts") == [0]

    def walk(node: dict[str, Any]) -> None:
        assert 1 <= len(node["name"]) <= 32 and node["name"] == node["name"].lower()
        assert 1 <= len(node.get("description", "x")) <= 100
        assert len(node.get("options", [])) <= 25
        assert len(node.get("choices", [])) <= 25
        for child in node.get("options", []):
            walk(child)

    for payload in payloads:
        walk(payload)


def test_commands_json_cli_needs_no_network() -> None:
    result = run_exobot("discord", "commands", "--json")
    assert result.returncode == 0, result.stderr
    names = [c["name"] for c in json.loads(result.stdout)]
    assert names == ["exosome", "exosome-mod"]


async def test_every_question_is_logged_with_discord_context(bot: Bot) -> None:
    await bot.send(command("exosome", "risks"))
    await bot.send(command("exosome", "ask", {"question": "is it safe?"}, guild=False, user_id="501"))
    assert bot.writer is not None
    await bot.writer.flush()
    async with bot.writer.store() as store:
        rows = await store.recent()
    assert {(r.platform, r.workspace, r.channel, r.channel_kind) for r in rows} == {
        ("discord", "300", "400", "public"), ("discord", None, "400", "dm"),
    }  # fmt: skip
    assert {r.user_hash for r in rows} == {Pseudonymiser(KEY).user_hash("discord", u) for u in ("500", "501")}


async def test_cooldown_replies_kindly(fake: FakeDiscord, catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue), rate_limiter=RateLimiter(2, 60))
    harness = await _bot(fake, service, None)
    try:
        titles = [embed(await harness.send(command("exosome", "risks")))["title"] for _ in range(3)]
    finally:
        await harness.client.close()
    assert titles == ["The main risks of exosome therapy"] * 2 + ["Slow down a little"]


def test_large_bots_get_the_auto_sharded_client(catalogue) -> None:
    from bots.discord.bot import make_client

    service = ExobotService(AnswerEngine(catalogue))
    sharded = make_client(service, DiscordSettings(token=SETTINGS.token, shard_count=3))
    assert isinstance(sharded, discord.AutoShardedClient) and sharded.shard_count == 3
    assert not isinstance(make_client(service, SETTINGS), discord.AutoShardedClient)
