"""Every community is a tenant: through the real discord.py and Bolt paths, a moderator of one community
sees, marks and exports nothing of another's; a foreign id is "not found"; operators choose whom the bot
serves."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from core.engine import AnswerEngine
from core.questionlog.store import Scope
from core.questionlog.writer import LogWriter
from core.service import ExobotService
from tests.discord_harness import MODERATOR, embed, running
from tests.discord_harness import settings_for as discord_settings
from tests.fakes.discord import GUILD, OTHER_GENERAL, OTHER_GUILD, FakeDiscord, command
from tests.fakes.slack import FakeSlack, form_body, slash_command_fields
from tests.logtools import LogBackend
from tests.slack_harness import header, http_bot
from tests.slack_harness import settings_for as slack_settings

SECRET_WORDS = "zebrafish marmalade"
A_QUESTION = f"is {SECRET_WORDS} safe?"
DM_QUESTION = f"why is {SECRET_WORDS} rent so high"
LEAKS = ("is zebrafish marmalade safe", "zebrafish marmalade rent")
"""Text only the other community's (or a DM's) rows hold; a search for the words may echo the words."""
MOD_COMMANDS = ["recent", "unanswered", "top", "stats", f"search {SECRET_WORDS}", "export csv", "export json"]


@pytest.fixture
async def logged(log_backend: LogBackend, catalogue) -> AsyncIterator[tuple[ExobotService, LogWriter]]:
    writer = log_backend.writer()
    await writer.start()
    yield ExobotService(AnswerEngine(catalogue), writer=writer), writer
    await writer.stop()


async def _ids_of(writer: LogWriter, platform: str, workspace: str | None) -> list[int]:
    async with writer.reader() as store:
        return [r.id for r in await store.recent(Scope.everything(platform)) if r.workspace == workspace]


# -- Discord ------------------------------------------------------------------------------------------


@pytest.fixture
async def discord(logged: tuple[ExobotService, LogWriter]) -> AsyncIterator[tuple[FakeDiscord, LogWriter]]:
    service, writer = logged
    fake = FakeDiscord()
    await fake.start()
    async with running(fake, service, discord_settings(fake)):
        yield fake, writer
    await fake.stop()
    assert fake.violations == []


async def _discord_answer(fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kw: Any) -> str:
    first = await fake.interact(command(fake, "exosome-mod", sub, options, **kw))
    final = await fake.followup_for(first.interaction_id) if first.type == 5 else first
    return json.dumps(final.data) + "".join(f.decode(errors="replace") for f in final.files.values())


async def test_discord_moderators_see_only_their_own_server(discord: tuple[FakeDiscord, LogWriter]) -> None:
    fake, writer = discord
    await fake.interact(command(fake, "exosome", "ask", {"question": A_QUESTION}))  # server A
    await fake.interact(command(fake, "exosome", "ask", {"question": DM_QUESTION},
                                guild=None, user_id="501"))  # a DM: nobody's community  # fmt: skip
    await fake.interact(command(fake, "exosome", "ask", {"question": "why is rent so expensive"}, guild=OTHER_GUILD,
                                channel=OTHER_GENERAL, user_id="502"))  # server B's own  # fmt: skip
    in_b: dict[str, Any] = {"guild": OTHER_GUILD, "channel": OTHER_GENERAL, "permissions": MODERATOR, "user_id": "600"}
    discord_subs: dict[str, dict[str, Any]] = {
        "recent": {}, "unanswered": {}, "top": {}, "stats": {}, "search": {"words": SECRET_WORDS},
        "export": {"file_format": "csv"},
    }  # fmt: skip
    for sub, options in discord_subs.items():
        shown = await _discord_answer(fake, sub, options, **in_b)
        assert not any(leak in shown for leak in LEAKS), f"/exosome-mod {sub} in B showed A's or a DM's rows"
    assert "rent so expensive" in await _discord_answer(fake, "unanswered", **in_b)  # B's own rows are there
    in_a: dict[str, Any] = {"permissions": MODERATOR, "user_id": "601"}
    assert "zebrafish marmalade rent" not in await _discord_answer(fake, "recent", **in_a)  # a DM is nobody's
    (a_row,) = await _ids_of(writer, "discord", GUILD)
    foreign: list[tuple[str, dict[str, Any]]] = [("show", {"question_id": a_row}),
                                                 ("mark", {"question_id": a_row, "state": "flagged"})]  # fmt: skip
    for sub, options in foreign:
        shown = await _discord_answer(fake, sub, options, **in_b)
        assert f"There is no logged question {a_row}." in shown and not any(leak in shown for leak in LEAKS)
    missing = await _discord_answer(fake, "show", {"question_id": 10**9}, **in_b)
    assert f"There is no logged question {10**9}." in missing  # the same words as for a foreign id
    async with writer.reader() as store:
        row = await store.get(Scope.everything(), a_row)
    assert row is not None and row.review_state == "new"  # the foreign mark changed nothing


async def test_discord_servers_not_on_the_allow_list_get_a_short_answer_and_no_log(
    logged: tuple[ExobotService, LogWriter],
) -> None:
    service, writer = logged
    fake = FakeDiscord()
    await fake.start()
    try:
        settings = dataclasses.replace(discord_settings(fake), guilds=frozenset({GUILD}))
        async with running(fake, service, settings):
            refused = await fake.interact(command(fake, "exosome", "ask", {"question": "is it safe?"},
                                                  guild=OTHER_GUILD, channel=OTHER_GENERAL))  # fmt: skip
            served = await fake.interact(command(fake, "exosome", "ask", {"question": "is it safe?"}))
            mod = await fake.interact(command(fake, "exosome-mod", "recent", guild=OTHER_GUILD, channel=OTHER_GENERAL,
                                              permissions=MODERATOR))  # fmt: skip
    finally:
        await fake.stop()
    assert embed(refused)["title"] == "exobot isn't enabled here" and refused.data["flags"] & 64
    assert embed(mod)["title"] == "exobot isn't enabled here"
    assert embed(served)["title"] == "Is exosome therapy safe?"
    async with writer.reader() as store:
        assert [r.workspace for r in await store.recent(Scope.everything())] == [GUILD]


# -- Slack --------------------------------------------------------------------------------------------


@pytest.fixture
async def slack(logged: tuple[ExobotService, LogWriter]) -> AsyncIterator[tuple[FakeSlack, str, LogWriter]]:
    service, writer = logged
    fake = FakeSlack()
    await fake.start()
    settings = slack_settings(fake, moderators=("UMODA", "UMODB"))
    async with http_bot(fake, service, settings) as url:
        yield fake, url, writer
    await fake.stop()
    assert fake.violations == []


async def _slack_mod(fake: FakeSlack, url: str, text: str, team: str, user: str) -> str:
    """A moderator command: acknowledged at once, answered through the response_url, files in a DM."""
    before, uploads = len(fake.responses), len(fake.uploads)
    async with aiohttp.ClientSession() as session:
        fields = slash_command_fields(text, team_id=team, user_id=user, response_url=fake.response_url(f"{team}{text}"))
        status, ack = await fake.post(session, url, form_body(fields))
    assert status == 200 and ack["text"] == "Working on it…"
    for _ in range(250):
        if len(fake.responses) > before and (not text.startswith("mod export") or len(fake.uploads) > uploads):
            break
        await asyncio.sleep(0.02)
    return json.dumps(fake.responses[before:]) + "".join(u.decode(errors="replace") for u in fake.uploads[uploads:])


async def test_slack_moderators_see_only_their_own_workspace(slack: tuple[FakeSlack, str, LogWriter]) -> None:
    fake, url, writer = slack
    async with aiohttp.ClientSession() as session:
        for team, text in (("T1", f"is {SECRET_WORDS} safe?"), ("T2", "why is rent so expensive")):
            await fake.post(session, url, form_body(slash_command_fields(text, team_id=team, user_id=f"U{team}")))
    for text in MOD_COMMANDS:
        shown = await _slack_mod(fake, url, f"mod {text}", "T2", "UMODB")
        assert not any(leak in shown for leak in LEAKS), f"mod {text} in T2 showed T1's rows"
    assert "rent so expensive" in await _slack_mod(fake, url, "mod unanswered", "T2", "UMODB")
    (a_row,) = await _ids_of(writer, "slack", "T1")
    for text in (f"mod show {a_row}", f"mod mark {a_row} flagged not yours"):
        shown = await _slack_mod(fake, url, text, "T2", "UMODB")
        assert f"There is no logged question {a_row}." in shown
    assert f"There is no logged question {10**9}." in await _slack_mod(fake, url, f"mod show {10**9}", "T2", "UMODB")
    assert LEAKS[0] in await _slack_mod(fake, url, f"mod show {a_row}", "T1", "UMODA")  # A's own moderator sees it


async def test_slack_dms_belong_to_their_workspace(slack: tuple[FakeSlack, str, LogWriter]) -> None:
    fake, url, _writer = slack
    async with aiohttp.ClientSession() as session:
        await fake.post(session, url, form_body(slash_command_fields(
            A_QUESTION, team_id="T1", user_id="U5", channel_id="D5", channel_name="directmessage")))  # fmt: skip
    assert LEAKS[0] in await _slack_mod(fake, url, "mod recent", "T1", "UMODA")
    assert LEAKS[0] not in await _slack_mod(fake, url, "mod recent", "T2", "UMODB")


async def test_slack_workspaces_not_on_the_allow_list_get_a_short_answer_and_no_log(
    logged: tuple[ExobotService, LogWriter],
) -> None:
    service, writer = logged
    fake = FakeSlack()
    await fake.start()
    try:
        async with http_bot(fake, service, slack_settings(fake, teams=frozenset({"T1"}))) as url, \
                aiohttp.ClientSession() as session:  # fmt: skip
            _, refused = await fake.post(session, url, form_body(slash_command_fields("is it safe?", team_id="T9")))
            _, served = await fake.post(session, url, form_body(slash_command_fields("is it safe?", team_id="T1")))
    finally:
        await fake.stop()
    assert header(refused) == "exobot isn't enabled here" and header(served) == "Is exosome therapy safe?"
    async with writer.reader() as store:
        assert [r.workspace for r in await store.recent(Scope.everything())] == ["T1"]
