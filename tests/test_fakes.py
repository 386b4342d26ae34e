"""The fakes are as strict as the platforms: each rule, shown catching a deliberately broken bot.

A fake more lenient than Slack or Discord would let a bug through to production; these tests are why a
green suite means the real platforms would accept what exobot sends.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.moderators import Moderators
from tests.fakes import serve_locally
from tests.fakes.discord import APPLICATION_ID, TOKEN, FakeDiscord, command
from tests.fakes.slack import BOT_TOKEN, FakeSlack, form_body, slash_command_fields
from tests.fakes.slack_rules import blocks_problems

# -- Discord ------------------------------------------------------------------------------------------

Behaviour = Callable[[discord.Interaction[Any]], Awaitable[None]]


class BrokenBot(discord.Client):
    """A discord.py client whose one command does whatever a test tells it to, right or wrong."""

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[BaseException] = []

        @self.tree.command(name="do", description="Do the thing")
        async def do(interaction: discord.Interaction[Any]) -> None:
            try:
                await behaviour(interaction)
            except discord.HTTPException as exc:
                self.errors.append(exc)


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = __import__("yarl").URL(fake.gateway_url)
    yield fake
    await fake.stop()


async def run_broken(fake: FakeDiscord, behaviour: Behaviour, **payload: Any) -> tuple[BrokenBot, Any]:
    bot = BrokenBot(behaviour)
    await bot.login(TOKEN)
    task = asyncio.create_task(bot.connect())
    try:
        await fake.wait_connected()
        data = {"id": "900", "name": "do", "type": 1, "options": []}
        from tests.fakes.discord import interaction

        sent = interaction(fake, 2, data, **payload)
        callback = await fake.interact(sent)
        await asyncio.sleep(0.2)  # let the broken bot finish whatever it does after its first response
        return bot, callback
    finally:
        await bot.close()
        task.cancel()


async def test_discord_refuses_a_first_response_after_3_seconds(fake_discord: FakeDiscord) -> None:
    fake_discord.deadline = 0.2  # the same rule on a shorter clock, so the test need not wait 3 s

    async def late(interaction: discord.Interaction[Any]) -> None:
        await asyncio.sleep(0.4)
        await interaction.response.send_message("too late")

    bot, callback = await run_broken(fake_discord, late)
    assert callback.type == 0 and callback.data["refused"] == 404
    assert any(isinstance(e, discord.NotFound) and e.code == 10062 for e in bot.errors)
    assert "after 0.2 s" in fake_discord.violations[0]


async def test_discord_refuses_a_second_initial_response(fake_discord: FakeDiscord) -> None:
    codes: list[int] = []

    async def twice(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("one")
        # discord.py itself refuses a second response, so this bot posts it by hand, as a raw client would.
        url = f"{fake_discord.base}/interactions/{interaction.id}/{interaction.token}/callback"
        async with aiohttp.ClientSession() as session, session.post(url, json={"type": 4, "data": {}}) as response:
            codes.append((await response.json())["code"])

    _, callback = await run_broken(fake_discord, twice)
    assert callback.data["content"] == "one" and codes == [40060]
    assert "second initial response" in fake_discord.violations[0]


async def test_discord_refuses_follow_ups_after_the_tokens_15_minutes(fake_discord: FakeDiscord) -> None:
    async def slow_followup(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()
        fake_discord.advance(15 * 60 + 1)
        await interaction.followup.send("sixteen minutes later")

    bot, _ = await run_broken(fake_discord, slow_followup)
    assert any(isinstance(e, discord.HTTPException) and e.code == 50027 for e in bot.errors)
    assert "15 minutes" in fake_discord.violations[0]


@pytest.mark.parametrize(
    ("send", "rule"),
    [
        (lambda: {"embed": discord.Embed(title="T" * 257)}, "title: must be 256 or fewer"),
        (lambda: {"embed": discord.Embed(description="d" * 4097)}, "description: must be 4096 or fewer"),
        (
            lambda: {"embeds": [discord.Embed(description="d" * 4000), discord.Embed(description="e" * 2500)]},
            "total size of all embeds",
        ),
        (lambda: {"content": "x" * 2001}, "content: must be 2000 or fewer"),
        (lambda: {"view": _view_with_id("x" * 101)}, "custom_id: must be between 1 and 100"),
        (lambda: {"file": discord.File(io.BytesIO(b"0" * 2048), filename="big.csv")}, "exceed attachment_size_limit"),
    ],
)
async def test_discord_refuses_payloads_over_its_limits(fake_discord: FakeDiscord, send: Any, rule: str) -> None:
    fake_discord.attachment_size_limit = 1024

    async def oversized(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(**send())

    bot, callback = await run_broken(fake_discord, oversized)
    assert callback.type == 0 and bot.errors
    assert any(rule in v for v in fake_discord.violations), fake_discord.violations


def _view_with_id(custom_id: str) -> discord.ui.View:
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="x", custom_id=custom_id))
    return view


@pytest.mark.parametrize(
    ("broken", "rule"),
    [
        ({"name": "Exosome", "description": "x", "type": 1}, "lower-case"),
        ({"name": "exosome", "description": "x", "type": 1, "options": [
            {"name": "a", "description": "A", "type": 3, "required": False},
            {"name": "b", "description": "B", "type": 3, "required": True}]}, "required options must come before"),
        ({"name": "exosome", "description": "x", "type": 1, "options": [
            {"name": "a", "description": "A", "type": 3, "autocomplete": True,
             "choices": [{"name": "x", "value": "x"}]}]}, "autocomplete may not be combined"),
        ({"name": "exosome", "description": "x", "type": 1, "options": [
            {"name": "a", "description": "…", "type": 3}]}, "no real description"),
        ({"name": "exosome", "description": "d" * 100, "type": 1, "options": [
            {"name": f"o{i}", "description": "d" * 100, "type": 3,
             "choices": [{"name": "c" * 100, "value": "v" * 100} for _ in range(25)]} for i in range(4)]},
         "a command may hold at most 8000"),
        ({"name": "Ask exobot", "description": "not allowed here", "type": 3}, "has no description"),
    ],
)  # fmt: skip
async def test_discord_checks_commands_at_sync(fake_discord: FakeDiscord, broken: dict[str, Any], rule: str) -> None:
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session,
        session.put(f"{fake_discord.base}/applications/{APPLICATION_ID}/commands", json=[broken]) as response,
    ):
        assert response.status == 400 and (await response.json())["code"] == 50035
    assert any(rule in v for v in fake_discord.violations), fake_discord.violations


async def test_discord_refuses_a_wrong_token_and_privileged_intents(fake_discord: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await client.login("wrong-token-" + "y" * 40)
    await client.close()
    greedy = discord.Client(intents=discord.Intents(guilds=True, message_content=True))
    await greedy.login(TOKEN)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await greedy.connect(reconnect=True)
    await greedy.close()
    assert any("MESSAGE_CONTENT" in v for v in fake_discord.violations)


async def test_discord_permissions_follow_the_invite_and_the_channels_overwrites(fake_discord: FakeDiscord) -> None:
    from tests.fakes.discord import GENERAL, PRIVATE, SEND_MESSAGES

    payload = command(fake_discord, "exosome", "risks", channel=PRIVATE)
    assert int(payload["app_permissions"]) & (1 << 10) == 0  # the bot cannot see a channel hidden from everyone
    assert payload["authorizing_integration_owners"] == {"0": "300"} and payload["context"] == 0
    assert int(command(fake_discord, "exosome", "risks", channel=GENERAL)["app_permissions"]) & SEND_MESSAGES
    url = f"{fake_discord.base}/channels/{PRIVATE}/messages"
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session,
        session.post(url, json={"content": "hi"}) as response,
    ):
        assert response.status == 403 and (await response.json())["code"] == 50013
    assert "without permission" in fake_discord.violations[0]


# -- Slack --------------------------------------------------------------------------------------------


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


async def test_slack_times_every_acknowledgement(fake_slack: FakeSlack) -> None:
    fake_slack.ack_deadline = 0.2  # the same rule on a shorter clock
    # A classic mistake: process_before_response in a long-running server holds the ack until the work ends.
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    app = AsyncApp(client=client, request_verification_enabled=False, process_before_response=True)

    @app.command("/exosome")
    async def slow(ack: Any) -> None:
        await asyncio.sleep(0.4)
        await ack("done")

    runner, port = await serve_locally(app.web_app(path="/slack/events"))
    try:
        async with aiohttp.ClientSession() as session:
            status, _ = await fake_slack.post(session, f"http://127.0.0.1:{port}/slack/events",
                                              form_body(slash_command_fields("risks")))  # fmt: skip
    finally:
        await runner.cleanup()
    assert status == 200 and "acknowledged after" in fake_slack.violations[0]


async def test_slack_web_api_errors(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as missing:
        await client.conversations_history(channel="C1")  # the manifest grants no channels:history
    assert missing.value.response["error"] == "missing_scope" and "channels:history" in fake_slack.violations[0]
    with pytest.raises(SlackApiError) as wrong:
        await AsyncWebClient(token="xoxb-not-this-one", base_url=fake_slack.api_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    fake_slack.rate_limited["usergroups.users.list"] = 30
    with pytest.raises(SlackApiError) as limited:
        await client.usergroups_users_list(usergroup="S1")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "30"
    fake_slack.errors["files.getUploadURLExternal"] = "file_uploads_disabled"
    with pytest.raises(SlackApiError) as disabled:
        await client.files_upload_v2(channel="D1", filename="x.csv", content=b"x")
    assert disabled.value.response["error"] == "file_uploads_disabled"


async def test_a_rate_limited_group_refresh_keeps_the_last_members_known(fake_slack: FakeSlack) -> None:
    fake_slack.group_members["S0MODS"] = ["UGROUPMOD"]
    moderators = Moderators(("S0MODS",), AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    await moderators.refresh()
    assert moderators.includes("UGROUPMOD")
    fake_slack.rate_limited["usergroups.users.list"] = 42
    wait = await moderators.refresh()
    assert moderators.includes("UGROUPMOD")  # the last good set stays
    assert wait >= 42  # and the next try waits as long as Slack asked


async def test_slack_refuses_a_sixth_use_of_a_response_url(fake_slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        statuses = []
        for n in range(6):
            async with session.post(fake_slack.response_url("once"), json={"text": f"message {n}"}) as response:
                statuses.append(response.status)
    assert statuses == [200] * 5 + [404] and "more than 5 times" in fake_slack.violations[0]


async def test_slack_refuses_blocks_over_its_limits(fake_slack: FakeSlack) -> None:
    too_long = [{"type": "header", "text": {"type": "plain_text", "text": "T" * 151}}]
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake_slack.response_url("b"), json={"blocks": too_long}) as response,
    ):
        assert response.status == 400
    assert "text must be 1 to 150" in fake_slack.violations[0]
    assert blocks_problems([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}])
    long_label = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}}
    assert blocks_problems([{"type": "actions", "elements": [long_label]}])
    assert blocks_problems([{"type": "section", "text": {"type": "plain_text", "text": "x"}}] * 51)
