"""Discord interactions per second through the real command tree and the fake REST, vs a bare tree.

Each side is measured PAIRS times, alternating; the ratio is the median over back-to-back pairs.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bots.discord.bot import ExobotClient
from bots.discord.render import NO_MENTIONS, render
from core.content import load_catalogue
from core.engine import AnswerEngine
from core.log.process import LogProcess
from core.log.pseudonym import Pseudonymiser
from core.service import ExobotService
from core.settings import DiscordSettings, Secret
from tests.bench.common import Result, median, mixed_questions, paired_ratio
from tests.fakes.discord import FakeDiscord, command

INTERACTIONS = 600
PAIRS = 12
CONCURRENCY = 64


def _bare_client(reply: dict[str, Any] | None = None) -> discord.Client:
    """A tree that answers every question with the same message: "constant", or reply's keywords."""
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    group = app_commands.Group(name="exosome", description="bare")
    options = reply or {"content": "constant"}

    @group.command(name="ask", description="bare")
    async def ask(interaction: discord.Interaction[Any], question: str) -> None:
        await interaction.response.send_message(**options)

    tree.add_command(group)
    return client


def _rendered_reply(engine: AnswerEngine) -> dict[str, Any]:
    """One of our answers as sent (embed, buttons, no mentions), for a bare tree to send every time."""
    rendered = render(engine.answer_text("ask can this make cancer worse?"))
    return {"embed": rendered.embed, "view": rendered.view, "allowed_mentions": NO_MENTIONS}


async def _drive(client: discord.Client, fake: FakeDiscord, questions: list[str]) -> float:
    payloads = [command("exosome", "ask", {"question": questions[n % len(questions)]}, user_id=str(600 + n % 100))
                for n in range(INTERACTIONS)]  # fmt: skip
    pending = list(payloads)
    gc.collect()  # each side starts from an empty heap of garbage instead of inheriting the other's
    started = time.perf_counter()

    async def worker() -> None:
        while pending:
            payload = pending.pop()
            client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
            await fake.callback_for(payload["id"], timeout=60)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return INTERACTIONS / (time.perf_counter() - started)


async def _run() -> list[Result]:
    fake = FakeDiscord(lean=True)
    await fake.start()
    discord.http.Route.BASE = fake.base
    questions = [q for q in mixed_questions() if q and len(q) <= 500]
    with tempfile.TemporaryDirectory() as tmp:
        writer = LogProcess(Path(tmp) / "bench.db", Pseudonymiser(b"k" * 32), queue_size=100_000)
        await writer.start()
        engine = AnswerEngine(load_catalogue())
        service = ExobotService(engine, writer=writer)
        ours = ExobotClient(service, DiscordSettings(token=Secret("bench-token-" + "x" * 30)))
        bare, bare_embed = _bare_client(), _bare_client(_rendered_reply(engine))
        for client in (ours, bare, bare_embed):
            await client.login("bench-token")
        bares, embeds, ourses = [], [], []
        for _ in range(PAIRS):  # alternate, so a busy moment on the machine does not land on one side only
            bares.append(await _drive(bare, fake, questions))
            ourses.append(await _drive(ours, fake, questions))
            await writer.flush()  # untimed, but here: the bare run must not be the one writing these rows
            embeds.append(await _drive(bare_embed, fake, questions))
        bare_rate, ours_rate = median(bares), median(ourses)
        ratio = paired_ratio(ourses, bares)
        for client in (ours, bare, bare_embed):
            await client.close()
        await writer.stop()
    await fake.stop()
    return [
        Result(f"Discord, bare tree answering a constant ({CONCURRENCY} concurrent)", bare_rate, "interactions/s"),
        Result(f"Discord, exobot, logging on ({CONCURRENCY} concurrent)", ours_rate, "interactions/s"),
        Result(
            f"Discord, exobot / bare (median of {PAIRS} back-to-back pairs)",
            ratio,
            "ratio",
            "goal >= 0.85",
            ratio >= 0.85,
        ),
        Result(
            "Discord, exobot / bare tree sending one of our embeds",
            paired_ratio(ourses, embeds),
            "ratio",
            "what answering costs beyond sending an embed",
        ),
    ]


def run() -> list[Result]:
    return asyncio.run(_run())
