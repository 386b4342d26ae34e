"""Every reply meets the platforms' 3-second rule, even for a 60,000-row export with slow fakes: the
fakes enforce the deadline, so a late acknowledgement fails the test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from core.engine import AnswerEngine
from core.questionlog.sqlite import SqliteStore
from core.questionlog.writer import LogWriter
from core.service import ExobotService
from tests.discord_harness import MODERATOR, running
from tests.discord_harness import settings_for as discord_settings
from tests.fakes.discord import GUILD, FakeDiscord, command
from tests.fakes.slack import FakeSlack, form_body, slash_command_fields
from tests.logtools import record, sqlite_writer
from tests.slack_harness import http_bot
from tests.slack_harness import settings_for as slack_settings

ROWS = 60_000


@pytest.fixture
async def big_log(tmp_path: Path, catalogue) -> AsyncIterator[tuple[ExobotService, LogWriter]]:
    path = tmp_path / "q.db"
    async with await SqliteStore.open(path) as store:
        for platform, workspace in (("discord", GUILD), ("slack", "T1")):
            rows = [record(n, platform=platform, workspace=workspace, question=f"why is rent so expensive {n}?",
                           outcome="unanswered", match=None) for n in range(ROWS)]  # fmt: skip
            await store.insert(rows)
    writer = sqlite_writer(path)
    await writer.start()
    yield ExobotService(AnswerEngine(catalogue), writer=writer), writer
    await writer.stop()


async def test_a_60000_row_discord_export_is_deferred_in_time(big_log: tuple[ExobotService, LogWriter]) -> None:
    service, _ = big_log
    fake = FakeDiscord()
    await fake.start()
    try:
        async with running(fake, service, discord_settings(fake)):
            for fmt in ("csv", "json"):
                first = await fake.interact(command(fake, "exosome-mod", "export", {"file_format": fmt},
                                                    permissions=MODERATOR))  # fmt: skip
                assert first.type == 5  # deferred, within the deadline the fake enforces
                final = await fake.followup_for(first.interaction_id, timeout=60)
                (name,) = final.files or {"(none)": b""}
                assert name.endswith((f".{fmt}", f".{fmt}.gz")) or "since YYYY-MM-DD" in final.data.get("content", "")
    finally:
        await fake.stop()
    assert fake.violations == []


async def test_a_60000_row_slack_export_with_a_slow_upload_is_acknowledged_in_time(
    big_log: tuple[ExobotService, LogWriter],
) -> None:
    service, _ = big_log
    fake = FakeSlack()
    fake.slow |= {"conversations.open": 1.0, "files.getUploadURLExternal": 3.5, "usergroups.users.list": 3.5}
    await fake.start()
    try:
        async with http_bot(fake, service, slack_settings(fake, moderators=("U0MOD",))) as url, \
                aiohttp.ClientSession() as session:  # fmt: skip
            started = time.monotonic()
            fields = slash_command_fields("mod export csv", user_id="U0MOD", response_url=fake.response_url("x"))
            status, ack = await fake.post(session, url, form_body(fields))
            assert status == 200 and ack["text"] == "Working on it…" and time.monotonic() - started < 3
            _, plain = await fake.post(session, url, form_body(slash_command_fields("risks", user_id="U0MOD")))
            assert plain["blocks"][0]["text"]["text"] == "The main risks of exosome therapy"
            for _ in range(600):
                if fake.uploads:
                    break
                await asyncio.sleep(0.05)
    finally:
        await fake.stop()
    assert fake.violations == [] and fake.uploads and fake.uploads[0].count(b"\n") > ROWS
