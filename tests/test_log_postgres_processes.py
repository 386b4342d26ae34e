"""Two real ``exobot run`` processes, in Slack HTTP mode, writing one PostgreSQL log: what several
instances behind a load balancer do. Every question from both is stored once, and a moderator's view of
the community sees them all."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import aiohttp

from core.questionlog.postgres import PostgresStore
from core.questionlog.store import Scope
from core.request import Community
from core.review import parse_command, run_review
from tests import slack_harness
from tests.fakes.slack import FakeSlack, form_body, slash_command_fields
from tests.processes import BotProcess, slack_env

fake = slack_harness.fake

PER_PROCESS = 20


async def test_two_processes_share_one_log(fake: FakeSlack, pg_url: str, tmp_path: Path) -> None:
    env = slack_env(fake, EXOBOT_DATABASE_URL=pg_url, EXOBOT_LOG_LEVEL="WARNING")
    # Started together against a new database: both migrate it, one after the other, under the lock.
    bots = [BotProcess(tmp_path / name, env) for name in ("a", "b")]
    try:
        await asyncio.gather(*(bot.healthy(timeout=30) for bot in bots))
        asked: list[str] = []
        async with aiohttp.ClientSession() as session:

            async def ask(bot: BotProcess, name: str, n: int) -> None:
                text = f"is it safe? asked of {name}, number {n}"
                fields = slash_command_fields(text, user_id=f"U{name.upper()}{n}")
                status, reply = await fake.post(session, bot.slack_url, form_body(fields))
                assert status == 200 and isinstance(reply, dict) and reply.get("blocks"), reply
                asked.append(text)

            named = list(zip(bots, "ab", strict=True))
            await asyncio.gather(*(ask(bot, name, n) for n in range(PER_PROCESS) for bot, name in named))
    finally:
        codes = [await bot.stop() for bot in bots]  # SIGTERM: each writes what it still holds, then exits
    assert codes == [0, 0], [bot.output() for bot in bots]
    assert len(asked) == 2 * PER_PROCESS
    async with await PostgresStore.open(pg_url) as store:
        moderator = Scope.of(Community("slack", "T1"))
        review = await run_review(store, moderator, parse_command("export json"), "U0MOD")
        assert review.export is not None
        stored = Counter(row["question"] for row in json.loads(review.export.content))
    assert stored == Counter(asked)  # every question from both processes, each exactly once
    assert not any((tmp_path / name / "exobot-postgres.spool.jsonl").exists() for name in "ab")
    assert not any((tmp_path / name / "exobot.db").exists() for name in "ab")  # no SQLite file on the side
