"""Ten thousand messages nobody would write on purpose, through the service and both renderers: lone
surrogates, control and bidi characters, NUL, mention tokens, markup, commands and their near misses.
Nothing may crash, nothing may reach a platform as a mention, and the log writer must outlive them all."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.discord.render import render as discord_render
from bots.slack.render import render as slack_render
from core.engine import AnswerEngine
from core.request import ChannelKind, Request, Surface
from core.service import ExobotService
from tests.fakes.slack_rules import blocks_problems
from tests.logtools import count_rows, sqlite_writer

NASTY = [
    "\ud83d", "\udfff", "\ud83d\ude00", "\x00", "\x07", "\x1b[31m", "\u202e", "\u2066", "\u200b", "\ufeff",
    "\u2028", "@everyone", "@here", "<!channel>", "<!here>", "<@U123>", "<#C1>", "<!subteam^S1>", "**", "`",
    "||", "<script>", "é", "\u0301", "🧪", "\U0010ffff", "\uffff", "/exosome ", "mod ", "risk ", "faq ",
    "compare ", "ask ", "my-data", "forget-me", "topic ", "  ", "\n", "\t", "?", "999999999999999999999",
]  # fmt: skip
pieces = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(codec=None, categories=None), max_size=8),  # every code point, surrogates included
    st.sampled_from(["is it safe", "how much", "cancer", "i cant breathe", "thanks", "hi", "prp", "serum"]),
)
messages = st.lists(pieces, max_size=12).map("".join)


def _mrkdwn(node: object) -> list[dict[str, str]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [o for v in node.values() for o in _mrkdwn(v)]
    if isinstance(node, list):
        return [o for v in node for o in _mrkdwn(v)]
    return []


BATCH = 10
"""Messages per generated example: 1,000 examples of 10 are 10,000 inputs, at a tenth of the overhead."""


def test_ten_thousand_hostile_messages(tmp_path: Path, catalogue) -> None:
    # A real SQLite file, in memory-backed storage where there is one: ten thousand fsyncs of a disk
    # would time the disk, not the code.
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    loop = asyncio.new_event_loop()
    writer = sqlite_writer(folder / "q.db")
    loop.run_until_complete(writer.start())
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    tried, logged = 0, 0
    people = itertools.count()

    @settings(max_examples=1_000, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(batch=st.lists(st.tuples(messages, st.text(max_size=6), st.booleans()), min_size=BATCH, max_size=BATCH))
    def some(batch: list[tuple[str, str, bool]]) -> None:
        nonlocal tried, logged
        for text, user, moderator in batch:
            tried += 1
            # A new person each time, so that a generated forget-me deletes nobody else's rows.
            request = Request(text, platform="slack", user_id=f"{user}#{next(people)}", workspace="T\ud83d1",
                              channel="C1", channel_kind=ChannelKind.PUBLIC, is_moderator=moderator,
                              surface=Surface.MENTION)  # fmt: skip
            answer = loop.run_until_complete(service.handle(request))
            logged += answer.record_id is not None
            assert answer.title and answer.disclaimer
            slack = slack_render(answer, asked=text)
            assert blocks_problems(slack["blocks"]) == []
            # Slack parses mentions only in mrkdwn and in the notification text; plain_text is shown as typed.
            parsed = [slack["text"], *(o["text"] for o in _mrkdwn(slack["blocks"]))]
            assert not any(token in t for t in parsed for token in ("<!", "<@", "<#"))
            embed = json.dumps(discord_render(answer).embed.to_dict())
            assert "@everyone" not in embed.replace("@\\u200beveryone", "")
            embed.encode()  # valid Unicode throughout: it can be sent
            assert writer.state.ok, writer.state

    try:
        some()
        assert writer.state.running and writer.state.healthy
    finally:
        loop.run_until_complete(writer.stop())
        loop.close()
    assert tried >= 10_000 and logged > tried // 2
    assert count_rows(folder / "q.db") == logged
    if folder != tmp_path:
        shutil.rmtree(folder)
