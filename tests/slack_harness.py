"""The Slack harness the Slack tests share: the fake Slack, and exobot's real Bolt app served over HTTP.

A test module takes its fixtures by name (``fake = slack_harness.fake``), which is how pytest shares them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.adapter import AdapterStatus
from bots.http_server import serve
from bots.slack.app import build_app, http_app, serve_slack
from bots.slack.settings import SlackSettings
from core.engine import AnswerEngine
from core.questionlog.writer import LogWriter
from core.service import ExobotService
from core.settings import Secret
from tests.fakes.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    block_actions,
    event_callback,
    form_body,
    interactive_body,
    message_shortcut,
    slash_command_fields,
)
from tests.logtools import sqlite_writer


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(group_members={"S0MODS": ["U0GROUPMOD"]})
    await slack.start()
    yield slack
    await slack.stop()


def settings_for(fake: FakeSlack, **changes: Any) -> SlackSettings:
    base = SlackSettings(
        bot_token=Secret(BOT_TOKEN), signing_secret=Secret(SIGNING_SECRET), app_token=None,
        api_base_url=fake.api_url, moderators=("U0MOD", "S0MODS"),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


@dataclass
class Bot:
    url: str
    service: ExobotService
    writer: LogWriter
    session: aiohttp.ClientSession
    fake: FakeSlack

    async def command(self, text: str, **extra: Any) -> tuple[int, Any]:
        fields = slash_command_fields(text, response_url=self.fake.response_url(), **extra)
        return await self.fake.post(self.session, self.url, form_body(fields))

    async def event(self, event: dict[str, Any]) -> tuple[int, Any] | None:
        """Post an Events API event as Slack does; None when Slack would not send it to this app."""
        if not self.fake.subscribed(event):
            return None
        body = json.dumps(event_callback(event, self.fake.team_id)).encode()
        return await self.fake.post(self.session, self.url, body, content_type="application/json")

    async def shortcut(self, text: str, **extra: Any) -> tuple[int, Any]:
        payload = message_shortcut(text, response_url=self.fake.response_url("sc"), **extra)
        assert self.fake.shortcut_exists(payload["callback_id"])
        return await self.fake.post(self.session, self.url, interactive_body(payload))

    async def action(self, action: dict[str, Any], user: str = "U1", **extra: Any) -> tuple[int, Any]:
        payload = block_actions(action, user=user, response_url=self.fake.response_url("act"), **extra)
        return await self.fake.post(self.session, self.url, interactive_body(payload))


@contextlib.asynccontextmanager
async def http_bot(fake: FakeSlack, service: ExobotService, settings: SlackSettings) -> AsyncIterator[str]:
    app, bot = build_app(settings, service)
    await bot.moderators.start()
    try:
        async with serve(http_app(app, settings), "127.0.0.1", 0, what="Slack") as port:
            await asyncio.sleep(0)  # let the moderator groups load, as they would in the seconds after start
            await bot.moderators.refresh()
            yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        await bot.moderators.stop()


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path, catalogue) -> AsyncIterator[Bot]:
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    async with http_bot(fake, service, settings_for(fake)) as url, aiohttp.ClientSession() as session:
        yield Bot(url, service, writer, session, fake)
    await writer.stop()
    assert fake.violations == []  # no rule of Slack's was broken by anything a test made the bot do


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text in a message, flattened, for assertions."""
    return json.dumps(blocks, ensure_ascii=False)


def header(reply: dict[str, Any]) -> str:
    return str(reply["blocks"][0]["text"]["text"])


async def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def socket_mode_bot(fake: FakeSlack, db: Path, catalogue: Any) -> AsyncIterator[LogWriter]:
    """exobot's Slack adapter as the runner runs it over Socket Mode, logging to db, until the block ends."""
    writer = sqlite_writer(db)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    settings = settings_for(fake, app_token=Secret(APP_TOKEN), signing_secret=None)
    stop = asyncio.Event()
    task = asyncio.create_task(serve_slack(settings, service, stop, AdapterStatus("slack")))
    try:
        yield writer
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await writer.stop()
