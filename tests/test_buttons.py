"""Every button and menu option on every entry's answer works, on both platforms: each click, through the
real discord.py and Bolt code, gets the answer its label promises, never "This interaction failed"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.discord.components import ASK_PREFIX, FAQ_MENU_ID
from bots.discord.render import render as discord_render
from bots.slack.render import render as slack_render
from core.answers import Outcome
from core.engine import AnswerEngine
from core.service import ExobotService
from core.text import clean
from tests.discord_harness import Bot as DiscordBot
from tests.discord_harness import embed, running
from tests.discord_harness import settings_for as discord_settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack, block_actions, interactive_body
from tests.slack_harness import header, http_bot
from tests.slack_harness import settings_for as slack_settings


def every_answer(engine: AnswerEngine) -> list[str]:
    """The command for every entry, and the listings: every answer a button can lead to."""
    return [s.command for s in (engine._suggestion(e.ref) for e in engine.catalogue.entries)]


def expected_title(engine: AnswerEngine, command: str) -> str:
    answer = engine.answer(clean(command))
    assert answer.outcome is Outcome.ANSWERED and answer.ref is not None, f"{command!r} is not a real answer"
    return answer.title


async def test_every_discord_button_and_menu_option(tmp_path: Path, catalogue) -> None:
    engine = AnswerEngine(catalogue)
    service = ExobotService(engine)
    fake = FakeDiscord()
    await fake.start()
    clicks = 0
    try:
        async with running(fake, service, discord_settings(fake)) as (status, client):
            bot = DiscordBot(fake, service, None, status, client)
            for command in every_answer(engine):
                view = discord_render(engine.answer(clean(command))).view
                for item in view.children if view else []:
                    custom_id = item.custom_id  # type: ignore[attr-defined]
                    assert custom_id and len(custom_id) <= 100
                    if custom_id == FAQ_MENU_ID:
                        for option in item.item.options:  # type: ignore[attr-defined]
                            callback = await bot.click(FAQ_MENU_ID, values=[option.value])
                            assert embed(callback)["title"] == expected_title(engine, option.value)
                            clicks += 1
                    elif custom_id.startswith(ASK_PREFIX):
                        callback = await bot.click(custom_id)
                        assert callback.type == 7, (command, custom_id)
                        assert embed(callback)["title"] == expected_title(engine, custom_id[len(ASK_PREFIX) :])
                        clicks += 1
    finally:
        await fake.stop()
    assert fake.violations == [] and clicks > 50


@pytest.fixture
async def slack_bot(catalogue) -> AsyncIterator[tuple[FakeSlack, str, AnswerEngine]]:
    engine = AnswerEngine(catalogue)
    fake = FakeSlack()
    await fake.start()
    async with http_bot(fake, ExobotService(engine), slack_settings(fake)) as url:
        yield fake, url, engine
    await fake.stop()


async def test_every_slack_button_and_menu_option(slack_bot: tuple[FakeSlack, str, AnswerEngine]) -> None:
    fake, url, engine = slack_bot
    clicks = 0
    async with aiohttp.ClientSession() as session:

        async def click(action: dict[str, Any], expected: str) -> None:
            nonlocal clicks
            before = len(fake.responses)
            key = f"k{clicks}"
            payload = block_actions(action, response_url=fake.response_url(key))
            status, _ = await fake.post(session, url, interactive_body(payload))
            assert status == 200
            for _ in range(250):
                if len(fake.responses) > before:
                    break
                await asyncio.sleep(0.01)
            assert header(fake.responses[-1]) == expected, action
            clicks += 1

        for command in every_answer(engine):
            message = slack_render(engine.answer(clean(command)), asked=command)
            for block in (b for b in message["blocks"] if b["type"] == "actions"):
                for element in block["elements"]:
                    if element["action_id"].startswith("exobot_related_"):
                        await click(element, expected_title(engine, element["value"]))
                    elif element["type"] == "static_select":
                        for option in element["options"]:
                            await click({**element, "selected_option": option}, expected_title(engine, option["value"]))
    assert fake.violations == [] and clicks > 50
