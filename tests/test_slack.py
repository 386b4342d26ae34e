"""The real Bolt app on 127.0.0.1 against a local fake Slack: signed requests, actions, Socket Mode."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.slack.app import build_app, http_app, slack_adapter
from bots.slack.render import MAX_BLOCKS, MAX_FIELD, MAX_FIELDS, MAX_HEADER, MAX_SECTION, render
from core.answers import Answer, Field
from core.engine import AnswerEngine
from core.log.pseudonym import Pseudonymiser
from core.log.writer import LogWriter
from core.ratelimit import RateLimiter
from core.service import ExobotService
from core.settings import Secret, SlackSettings
from tests.fakes import serve_locally
from tests.fakes.slack import FakeSlack, post_signed, slash_command_fields
from tests.logtools import count_rows

SECRET = "test-signing-secret"
KEY = b"k" * 32


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(group_members={"S0MODS": ["U0GROUPMOD"]})
    await slack.start()
    yield slack
    await slack.stop()


@dataclass
class Bot:
    url: str
    service: ExobotService
    writer: LogWriter
    session: aiohttp.ClientSession
    fake: FakeSlack

    async def command(self, text: str, **extra: Any) -> tuple[int, Any]:
        fields = slash_command_fields(text, response_url=self.fake.response_url(), **extra)
        return await post_signed(self.session, self.url, SECRET, urllib.parse.urlencode(fields).encode())

    async def action(self, action: dict[str, Any], user: str = "U1") -> tuple[int, Any]:
        payload = {
            "type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
            "channel": {"id": "C1", "name": "general"}, "container": {"type": "message"},
            "response_url": self.fake.response_url("act"), "trigger_id": "1.2.3", "actions": [action],
        }  # fmt: skip
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return await post_signed(self.session, self.url, SECRET, body)


def settings_for(fake: FakeSlack, **changes: Any) -> SlackSettings:
    base = SlackSettings(
        bot_token=Secret("xoxb-test-token"), signing_secret=Secret(SECRET), app_token=None,
        api_base_url=fake.api_url, moderators=("U0MOD", "S0MODS"),
    )  # fmt: skip
    return SlackSettings(**{**base.__dict__, **changes})


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path, catalogue) -> AsyncIterator[Bot]:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    runner, port = await serve_locally(http_app(build_app(settings_for(fake), service)))
    async with aiohttp.ClientSession() as session:
        yield Bot(f"http://127.0.0.1:{port}/slack/events", service, writer, session, fake)
    await runner.cleanup()
    await writer.stop()


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text in a message, flattened, for assertions."""
    return json.dumps(blocks, ensure_ascii=False)


def header(reply: dict[str, Any]) -> str:
    return str(reply["blocks"][0]["text"]["text"])


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("risks", "The main risks of exosome therapy"),
        ("risk cancer", "Possible cancer growth"),
        ("compare cost", "Cost"),
        ("compare", "Exosome therapy compared with stem cell therapy"),
        ("faq", "Frequently asked questions"),
        ("faq 2", "Can exosome therapy make cancer worse?"),
        ("ask can this make cancer worse?", "Can exosome therapy make cancer worse?"),
        ("is this safe?", "Is exosome therapy safe?"),
        ("sources", "Where this information comes from"),
        ("help", "exobot: the risks of exosome therapy, with sources"),
        ("my-data", "What the log holds about you"),
        ("forget-me", "Your questions are deleted"),
        ("", "Ask me something"),
        ("why is rent so expensive?", "I can't answer that one"),
    ],
)
async def test_every_subcommand_answers_ephemerally_with_disclaimer(bot: Bot, text: str, title: str) -> None:
    status, reply = await bot.command(text)
    assert status == 200
    assert header(reply) == title
    assert reply["response_type"] == "ephemeral"
    context = reply["blocks"][-1]
    assert context["type"] == "context"
    assert "not medical advice" in texts([context])


async def test_answers_carry_sources_buttons_and_share(bot: Bot) -> None:
    _, reply = await bot.command("risk cancer")
    context = texts([reply["blocks"][-1]])
    assert "Sources: <https://" not in context or "|" in context
    assert "What are the disadvantages of exosomes" in context
    actions = next(b for b in reply["blocks"] if b["type"] == "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert "exobot_share" in ids and any(i.startswith("exobot_related_") for i in ids)


async def test_comparison_rows_render_as_fields(bot: Bot) -> None:
    _, reply = await bot.command("compare cost")
    fields = next(b["fields"] for b in reply["blocks"] if "fields" in b)
    assert [f["text"].split("\n")[0] for f in fields] == ["Exosome therapy", "Stem cell therapy"]


async def test_faq_listing_has_a_select_menu(bot: Bot) -> None:
    _, reply = await bot.command("faq")
    select = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert select["type"] == "static_select"
    assert [o["value"] for o in select["options"]][:2] == ["faq 1", "faq 2"]


async def test_emergency_answers_lead_with_the_advice(bot: Bot) -> None:
    _, reply = await bot.command("my throat is swelling after the injection")
    assert header(reply).startswith("This may be an emergency")
    assert "911" in reply["blocks"][1]["text"]["text"]


async def test_related_button_answers_in_place(bot: Bot) -> None:
    status, _ = await bot.action({"action_id": "exobot_related_0", "type": "button", "value": "risk infection",
                                  "block_id": "b", "action_ts": "1"})  # fmt: skip
    assert status == 200
    await _wait_for(lambda: bot.fake.responses)
    (response,) = bot.fake.responses
    assert response["replace_original"] is True
    assert header(response) == "Infection from contaminated products"


async def test_faq_select_answers_in_place(bot: Bot) -> None:
    status, _ = await bot.action({"action_id": "exobot_faq_select", "type": "static_select", "block_id": "b",
                                  "selected_option": {"value": "faq 6", "text": {"type": "plain_text", "text": "x"}},
                                  "action_ts": "1"})  # fmt: skip
    assert status == 200
    await _wait_for(lambda: bot.fake.responses)
    assert header(bot.fake.responses[0]) == "How long do the effects of exosome therapy last?"


async def test_share_posts_in_channel_without_logging_again(bot: Bot) -> None:
    await bot.action({"action_id": "exobot_share", "type": "button", "value": "risk cost", "block_id": "b",
                      "action_ts": "1"})  # fmt: skip
    await _wait_for(lambda: bot.fake.responses)
    shared = bot.fake.responses[0]
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert all(b["type"] != "actions" for b in shared["blocks"])
    await bot.writer.flush()
    assert count_rows(bot.writer.path) == 0


async def test_bad_signature_and_stale_timestamp_are_refused(bot: Bot) -> None:
    body = urllib.parse.urlencode(slash_command_fields("risks")).encode()
    status, _ = await post_signed(bot.session, bot.url, "wrong-secret", body)
    assert status == 401
    status, _ = await post_signed(bot.session, bot.url, SECRET, body, timestamp=int(time.time()) - 600)
    assert status == 401
    async with bot.session.post(bot.url, data=body) as unsigned:
        assert unsigned.status == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=not-json", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"type": "block_actions"', "application/json"),
        (b"", "application/x-www-form-urlencoded"),
        (
            b"payload=" + urllib.parse.quote(json.dumps({"type": "block_actions"})).encode(),
            "application/x-www-form-urlencoded",
        ),
    ],
)
async def test_malformed_bodies_get_4xx_never_500(bot: Bot, body: bytes, content_type: str) -> None:
    status, _ = await post_signed(bot.session, bot.url, SECRET, body, content_type=content_type)
    assert 400 <= status < 500 or status == 200, status  # Bolt may ack an empty event; never a server error


INJECTIONS = ["<!channel> is it safe", "risk <!here>", "<@U999> @everyone *bold* _it_ <https://evil|click>",
              "faq <!subteam^S1>", "compare <#C123>"]  # fmt: skip


@pytest.mark.parametrize("text", INJECTIONS)
async def test_user_text_never_becomes_a_mention_or_markup(bot: Bot, text: str) -> None:
    _, reply = await bot.command(text)
    assert "<!" not in reply["text"] and "<@" not in reply["text"] and "<#" not in reply["text"]
    for block in reply["blocks"]:
        for obj in _text_objects(block):
            if obj["type"] == "mrkdwn":  # only mrkdwn is parsed for mentions and links
                assert "<!" not in obj["text"] and "<@" not in obj["text"] and "<#" not in obj["text"]
                assert "evil" not in obj["text"]


def _text_objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
            found.append(node)
        for value in node.values():
            found += _text_objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _text_objects(value)
    return found


def test_every_rendered_answer_fits_block_kit_limits(engine: AnswerEngine) -> None:
    huge = Answer(
        title="T" * 400, paragraphs=("p " * 4000, "q" * 7000), disclaimer="d",
        fields=tuple(Field(f"name {i}", "v" * 2500, inline=i % 2 == 0) for i in range(80)),
    )  # fmt: skip
    answers = [huge] + [engine.answer_text(t) for t in ("risks", "compare", "faq", "help", "sources", "risk cost")]
    for answer in answers:
        message = render(answer, asked="x" * 3000)
        blocks = message["blocks"]
        assert len(blocks) <= MAX_BLOCKS
        assert len(blocks[0]["text"]["text"]) <= MAX_HEADER
        for block in blocks:
            if block["type"] == "section":
                assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION
                assert len(block.get("fields", [])) <= MAX_FIELDS
                assert all(len(f["text"]) <= MAX_FIELD for f in block.get("fields", []))
            if block["type"] == "actions":
                assert len(block["elements"]) <= 25
                assert all(len(e.get("value", "")) <= 2000 for e in block["elements"])
            if block["type"] == "context":
                assert len(block["elements"]) <= 10
    assert render(huge)["blocks"][-2]["text"]["text"].startswith("…and ")


async def test_moderators_only(bot: Bot) -> None:
    await bot.command("why is rent so expensive?", user_id="U2")
    _, refused = await bot.command("mod recent", user_id="U2")
    assert header(refused) == "Moderators only"
    _, listed = await bot.command("mod unanswered", user_id="U0MOD")
    assert header(listed) == "Unanswered questions" and "rent" in texts(listed["blocks"])
    _, via_group = await bot.command("mod stats", user_id="U0GROUPMOD")
    assert header(via_group).startswith("Questions per day")
    assert bot.fake.calls("usergroups.users.list")


async def test_mod_export_arrives_as_a_csv_file_in_a_dm(bot: Bot) -> None:
    await bot.command("why is rent so expensive?", user_id="U2")
    status, reply = await bot.command("mod export csv", user_id="U0MOD")
    assert status == 200 and header(reply) == "Question log export"
    await _wait_for(lambda: bot.fake.calls("files.completeUploadExternal"))
    assert bot.fake.calls("conversations.open")[0].form["users"] == "U0MOD"
    assert b"rent so expensive" in bot.fake.uploads[0]
    assert bot.fake.uploads[0].startswith(b"id,asked_at,platform")


async def test_every_question_is_logged_with_slack_context(bot: Bot) -> None:
    await bot.command("risks")
    await bot.command("is it safe?", channel_id="D5", channel_name="directmessage")
    await bot.command("help", channel_id="G7", channel_name="privategroup")
    await bot.writer.flush()
    async with bot.writer.store() as store:
        rows = await store.recent()
    assert {(r.platform, r.workspace, r.channel, r.channel_kind) for r in rows} == {
        ("slack", "T1", "C1", "public"), ("slack", "T1", "D5", "dm"), ("slack", "T1", "G7", "private"),
    }  # fmt: skip
    assert all(r.user_hash == Pseudonymiser(KEY).user_hash("slack", "U1") for r in rows)


async def test_rate_limit_replies_kindly(fake: FakeSlack, tmp_path: Path, catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue), rate_limiter=RateLimiter(2, 60))
    runner, port = await serve_locally(http_app(build_app(settings_for(fake), service)))
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        async with aiohttp.ClientSession() as session:
            replies = []
            for _ in range(3):
                body = urllib.parse.urlencode(slash_command_fields("risks")).encode()
                replies.append((await post_signed(session, url, SECRET, body))[1])
    finally:
        await runner.cleanup()
    assert [header(r) for r in replies] == ["The main risks of exosome therapy"] * 2 + ["Slow down a little"]


async def test_socket_mode_end_to_end(fake: FakeSlack, tmp_path: Path, catalogue) -> None:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    settings = settings_for(fake, app_token=Secret("xapp-1-test"), signing_secret=None)
    stop = asyncio.Event()
    task = asyncio.create_task(slack_adapter(settings)(service, stop))
    try:
        ack = await fake.send_slash_command("risk half-life")
        assert ack["payload"]["blocks"][0]["text"]["text"] == "Effects may not last"
        assert ack["payload"]["response_type"] == "ephemeral"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await writer.stop()
    assert fake.calls("apps.connections.open") and fake.calls("auth.test")
    assert count_rows(tmp_path / "q.db") == 1


async def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
