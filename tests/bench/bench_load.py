"""Open-loop load through the real paths: a real ``exobot run`` answering Slack over HTTP and Discord over
its gateway, with the question log on, while this process plays Slack and Discord.

Questions arrive on a fixed schedule, whether or not earlier ones were answered (as people's do), and
each answer's latency is counted from when its question was due, so a stall shows in the figures
instead of slowing the load down. After each platform's run the log must hold exactly one row per
question.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from tests.bench.common import Result, mixed_questions, percentile
from tests.fakes.discord import TOKEN, FakeDiscord, command
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, form_body, slash_command_fields
from tests.processes import BotProcess

FIXED_RATES = (200, 1000)
SEARCH_RATES = (200, 500, 1000, 1500, 2000, 3000, 4000)
SECONDS = 4.0
_users = itertools.count()

Send = Callable[[str, str], Awaitable[None]]


SENT = [0]
"""Questions sent to the bot under test, to check against the rows it logged."""


async def open_loop(send: Send, rate: int, seconds: float) -> list[float]:
    """Fire rate questions a second for seconds; each latency in seconds from when it was due."""
    questions = [q for q in mixed_questions() if q.strip() and len(q) <= 500]
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    count = int(rate * seconds)

    async def one(n: int, due: float) -> None:
        SENT[0] += 1
        await send(questions[n % len(questions)], f"U{next(_users)}")
        latencies.append(loop.time() - due)

    tasks = []
    for n in range(count):
        due = start + n / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    return latencies


async def slack_sender(fake: FakeSlack, bot: BotProcess) -> tuple[Send, aiohttp.ClientSession]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))

    async def send(question: str, user: str) -> None:
        status, _ = await fake.post(session, bot.slack_url, form_body(slash_command_fields(question, user_id=user)))
        assert status == 200, status

    return send, session


def discord_sender(fake: FakeDiscord) -> Send:
    async def send(question: str, user: str) -> None:
        await fake.interact(command(fake, "exosome", "ask", {"question": question}, user_id=user.lstrip("U")), 30)

    return send


def figures(platform: str, rate: int, latencies: list[float]) -> list[Result]:
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    goal = "goal p99 <= 100 ms" if rate == 200 else ""
    return [
        Result(f"{platform}: {rate}/s open loop, answer latency p50", p50, "ms"),
        Result(f"{platform}: {rate}/s open loop, answer latency p99", p99, "ms", goal, p99 <= 100 if goal else None),
    ]


async def highest_rate(send: Send) -> int:
    """The highest rate of SEARCH_RATES at which p99 stays under 1 s (a short run at each)."""
    best = 0
    for rate in SEARCH_RATES:
        latencies = await open_loop(send, rate, 2.0)
        if percentile(latencies, 0.99) >= 1.0:
            break
        best = rate
        await asyncio.sleep(1.0)  # let the log settle between steps
    return best


async def _platform(platform: str, folder: Path) -> list[Result]:
    results: list[Result] = []
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    if platform == "slack":
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.api_url,
        }
    else:
        env = {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE_URL": discord.base,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }
    bot = BotProcess(folder / platform, env)
    session = None
    SENT[0] = 0
    try:
        await bot.healthy()
        if platform == "slack":
            send, session = await slack_sender(slack, bot)
        else:
            await discord.wait_connected()
            send = discord_sender(discord)
        await open_loop(send, 100, 1.0)  # warm-up
        for rate in FIXED_RATES:
            results += figures(platform, rate, await open_loop(send, rate, SECONDS))
            await asyncio.sleep(1.0)
        broken = len(slack.violations) + len(discord.violations)
        results.append(Result(f"{platform}: platform rules broken at {'/s and '.join(map(str, FIXED_RATES))}/s "
                              "(late answers…)", broken, "", "goal 0", broken == 0))  # fmt: skip
        best = await highest_rate(send)
        results.append(Result(f"{platform}: highest rate with p99 under 1 s", best, "per s"))
    finally:
        if session is not None:
            await session.close()
        code = await bot.stop()
        await slack.stop()
        await discord.stop()
    rows, sent = bot.rows(), SENT[0]
    results.append(Result(f"{platform}: log rows / questions sent ({rows} / {sent})", rows / max(sent, 1),
                          "ratio", "goal 1.000, exit 0", rows == sent and code == 0))  # fmt: skip
    return results


async def _run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        results = await _platform("slack", Path(tmp))
        results += await _platform("discord", Path(tmp))
        results.append(Result("load benchmark wall time", time.perf_counter() - started, "s"))
    return results


def run() -> list[Result]:
    return asyncio.run(_run())
