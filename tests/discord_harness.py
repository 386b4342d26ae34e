"""The Discord harness the Discord tests share: the fake server, and the real client connected to it.

A test module takes its fixtures by name (``fake = discord_harness.fake``), which is how pytest shares them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bots.adapter import AdapterState, AdapterStatus
from bots.discord.client import ExobotClient, make_client, point_at, run_client
from bots.discord.settings import DiscordSettings
from core.engine import AnswerEngine
from core.questionlog.writer import LogWriter
from core.service import ExobotService
from core.settings import Secret
from tests.fakes.discord import MANAGE_MESSAGES, TOKEN, Callback, FakeDiscord, command, component
from tests.logtools import sqlite_writer

MODERATOR = MANAGE_MESSAGES | (1 << 10) | (1 << 11)


def settings_for(fake: FakeDiscord, **changes: Any) -> DiscordSettings:
    base = DiscordSettings(token=Secret(TOKEN), application_id="1000", api_base_url=fake.base,
                           gateway_url=fake.gateway_url)  # fmt: skip
    return dataclasses.replace(base, **changes)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@dataclass
class Bot:
    fake: FakeDiscord
    service: ExobotService
    writer: LogWriter | None
    status: AdapterStatus
    client: ExobotClient

    async def run(self, name: str, sub: str, options: dict[str, Any] | None = None, **kw: Any) -> Callback:
        return await self.fake.interact(command(self.fake, name, sub, options, **kw))

    async def answer(self, name: str, sub: str, options: dict[str, Any] | None = None, **kw: Any) -> Callback:
        """The message a command ends with: its first response, or its follow-up when it was deferred."""
        first = await self.run(name, sub, options, **kw)
        return await self.fake.followup_for(first.interaction_id) if first.type == 5 else first

    async def click(self, custom_id: str, **kw: Any) -> Callback:
        return await self.fake.interact(component(self.fake, custom_id, **kw))


@contextlib.asynccontextmanager
async def running(
    fake: FakeDiscord, service: ExobotService, settings: DiscordSettings
) -> AsyncIterator[tuple[AdapterStatus, ExobotClient]]:
    """The adapter as the runner runs it (``serve_discord``'s steps), connected to the fake's gateway."""
    status, stop = AdapterStatus("discord"), asyncio.Event()
    point_at(settings)
    # discord.py waits this long after the last GUILD_CREATE before it calls itself ready (2 s by default).
    client = make_client(service, settings, status, guild_ready_timeout=0.05)
    task = asyncio.create_task(run_client(client, settings, stop))
    try:
        await fake.wait_connected()
        for _ in range(200):
            if status.state is AdapterState.CONNECTED:
                break
            await asyncio.sleep(0.01)
        yield status, client
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, catalogue) -> AsyncIterator[Bot]:
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    async with running(fake, service, settings_for(fake)) as (status, client):
        yield Bot(fake, service, writer, status, client)
    await writer.stop()
    # Whatever a test made the bot send, none of it broke a rule of Discord's, and none of it could ping.
    assert fake.violations == []
    messages = [c for c in fake.callbacks + fake.followups if c.type in (4, 7)]
    assert all(c.data["allowed_mentions"] == {"parse": []} for c in messages), messages


def embed(callback: Callback) -> dict[str, Any]:
    return dict(callback.data["embeds"][0])


def ephemeral(callback: Callback) -> bool:
    return bool(int(callback.data.get("flags") or 0) & 64)


def custom_ids(callback: Callback) -> list[str]:
    return [c["custom_id"] for row in callback.data.get("components") or [] for c in row["components"]]
