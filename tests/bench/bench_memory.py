"""Resident memory of a real ``exobot run`` (Slack and Discord both connected), idle and after 50,000
questions from 50,000 different people, and Slack HTTP throughput while each asker is new."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp

from tests.bench.common import Result
from tests.fakes.discord import TOKEN, FakeDiscord
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, form_body, slash_command_fields
from tests.processes import BotProcess

QUESTIONS = 50_000
CONCURRENCY = 32
QUESTION_TEXTS = ("is it safe?", "how much does it cost", "risk cancer", "why is rent so expensive?", "faq 3")


async def _run() -> list[Result]:
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    with tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(Path(tmp), {
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_BASE_URL": slack.api_url,
            "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE_URL": discord.base, "DISCORD_GATEWAY_URL": discord.gateway_url,
        })  # fmt: skip
        try:
            await bot.healthy()
            await asyncio.sleep(2)
            idle = bot.rss_mb()
            samples: dict[int, float] = {}
            queue: asyncio.Queue[int] = asyncio.Queue()
            for n in range(QUESTIONS):
                queue.put_nowait(n)
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:

                async def worker() -> None:
                    while not queue.empty():
                        n = queue.get_nowait()
                        fields = slash_command_fields(QUESTION_TEXTS[n % len(QUESTION_TEXTS)], user_id=f"U{n:07d}")
                        status, _ = await slack.post(session, bot.slack_url, form_body(fields))
                        assert status == 200
                        if (n + 1) % 10_000 == 0:
                            samples[n + 1] = bot.rss_mb()

                started = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
                elapsed = time.perf_counter() - started
            after = bot.rss_mb()
        finally:
            await bot.stop()
            await slack.stop()
            await discord.stop()
    warm = samples.get(10_000, after)
    growth = after - warm
    return [
        Result("exobot run (Slack + Discord), resident memory idle", idle, "MB", "goal <= 100", idle <= 100),
        Result(f"exobot run, resident memory after {QUESTIONS:,} askers", after, "MB", "goal <= 100", after <= 100),
        Result("memory growth from 10,000 to 50,000 askers", growth, "MB", "goal flat (< 10 MB)", growth < 10),
        Result(
            f"Slack HTTP throughput, {QUESTIONS:,} distinct askers, {CONCURRENCY} in flight",
            QUESTIONS / elapsed,
            "req/s",
        ),
    ]


def run() -> list[Result]:
    return asyncio.run(_run())
