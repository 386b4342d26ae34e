"""The real Bolt app behind exobot's own HTTP server, against a local fake Slack as strict as Slack."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.slack.render import MAX_BLOCKS, MAX_FIELD, MAX_FIELDS, MAX_HEADER, MAX_SECTION, render
from core.answers import Answer, Field
from core.engine import AnswerEngine
from core.questionlog.pseudonym import Pseudonymiser
from core.questionlog.store import Scope
from core.ratelimit import RateLimiter
from core.service import ExobotService
from tests import slack_harness
from tests.fakes.slack import (
    SIGNING_SECRET,
    FakeSlack,
    block_actions,
    form_body,
    interactive_body,
    slash_command_fields,
)
from tests.fakes.slack_rules import blocks_problems
from tests.logtools import KEY, count_rows
from tests.slack_harness import Bot, header, http_bot, settings_for, socket_mode_bot, texts, wait_for

fake = slack_harness.fake
bot = slack_harness.bot


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
        ("topic outlook", "Where is the field going?"),
        ("sources", "Where this information comes from"),
        ("help", "exobot: the risks of exosome therapy, with sources"),
        ("", "Ask me something"),
        ("why is rent so expensive?", "I can't answer that one"),
    ],
)
async def test_every_subcommand_answers_in_the_ack_ephemerally_with_disclaimer(bot: Bot, text: str, title: str) -> None:
    status, reply = await bot.command(text)
    assert status == 200
    assert header(reply) == title
    assert reply["response_type"] == "ephemeral"
    context = reply["blocks"][-1]
    assert context["type"] == "context"
    assert "not medical advice" in texts([context])
    assert blocks_problems(reply["blocks"]) == []


@pytest.mark.parametrize(("text", "title"), [("my-data", "What the log holds about you"),
                                             ("forget-me", "Your questions are deleted")])  # fmt: skip
async def test_commands_that_read_the_log_are_acknowledged_first_then_answered(bot: Bot, text: str, title: str) -> None:
    status, ack = await bot.command(text)
    assert status == 200 and ack["text"] == "Working on it…" and "blocks" not in ack
    await wait_for(lambda: bot.fake.responses)
    assert header(bot.fake.responses[0]) == title


async def test_answers_carry_sources_buttons_votes_and_share(bot: Bot) -> None:
    _, reply = await bot.command("risk regulation")
    context = texts([reply["blocks"][-1]])
    assert "<https://www.fda.gov/" in context and "/exosome sources" in context
    ids = [e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "exobot_share" in ids and any(i.startswith("exobot_related_") for i in ids)
    assert {"exobot_vote_up", "exobot_vote_down"} <= set(ids)


async def test_comparison_rows_render_as_fields(bot: Bot) -> None:
    _, reply = await bot.command("compare cost")
    fields = next(b["fields"] for b in reply["blocks"] if "fields" in b)
    assert [f["text"].split("\n")[0] for f in fields] == ["Exosome therapy", "Stem cell therapy"]


async def test_faq_listing_has_a_select_menu(bot: Bot) -> None:
    _, reply = await bot.command("faq")
    select = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert select["type"] == "static_select"
    assert [o["value"] for o in select["options"]][:2] == ["faq 1", "faq 2"]


async def test_emergency_answers_lead_with_the_advice_and_offer_no_votes(bot: Bot) -> None:
    _, reply = await bot.command("my throat is swelling after the injection")
    assert header(reply).startswith("This may be an emergency")
    assert "911" in reply["blocks"][1]["text"]["text"]
    assert "exobot_vote" not in texts(reply["blocks"]) and "exobot_share" not in texts(reply["blocks"])


async def test_related_button_answers_in_place(bot: Bot) -> None:
    status, _ = await bot.action({"action_id": "exobot_related_0", "type": "button", "value": "risk infection"})
    assert status == 200
    await wait_for(lambda: bot.fake.responses)
    (response,) = bot.fake.responses
    assert response["replace_original"] is True
    assert header(response) == "Infection from contaminated products"


async def test_a_click_on_a_public_message_answers_privately_and_leaves_it(bot: Bot) -> None:
    status, _ = await bot.action({"action_id": "exobot_related_0", "type": "button", "value": "risk infection"},
                                 user="U9", ephemeral=False)  # fmt: skip
    assert status == 200
    await wait_for(lambda: bot.fake.responses)
    (response,) = bot.fake.responses
    assert response["replace_original"] is False and response["response_type"] == "ephemeral"


async def test_faq_select_answers_in_place(bot: Bot) -> None:
    option = {"value": "faq 6", "text": {"type": "plain_text", "text": "x"}}
    status, _ = await bot.action({"action_id": "exobot_faq_select", "type": "static_select", "selected_option": option})
    assert status == 200
    await wait_for(lambda: bot.fake.responses)
    assert header(bot.fake.responses[0]) == "How long do the effects of exosome therapy last?"


async def test_votes_are_recorded_and_thanked_privately(bot: Bot) -> None:
    _, reply = await bot.command("risk cost")
    vote = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == "exobot_vote_down")  # fmt: skip
    await bot.action({"action_id": "exobot_vote_down", "type": "button", "value": vote["value"]})
    await wait_for(lambda: bot.fake.responses)
    thanks = bot.fake.responses[0]
    assert header(thanks) == "Thanks for the feedback" and thanks["replace_original"] is False
    async with bot.writer.reader() as store:
        row = await store.by_record_id(vote["value"])
    assert row is not None and row.not_helpful == 1


async def test_share_posts_in_channel_without_logging_again(bot: Bot) -> None:
    await bot.action({"action_id": "exobot_share", "type": "button", "value": "risk cost"})
    await wait_for(lambda: bot.fake.responses)
    shared = bot.fake.responses[0]
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert all(b["type"] != "actions" for b in shared["blocks"])
    assert count_rows(bot.writer.connector.spool_path.with_name("q.db")) == 0


async def test_bad_signature_stale_timestamp_and_unsigned_are_refused(bot: Bot) -> None:
    body = form_body(slash_command_fields("risks"))
    status, _ = await bot.fake.post(bot.session, bot.url, body, secret="wrong-secret")
    assert status == 401
    status, _ = await bot.fake.post(bot.session, bot.url, body, timestamp=int(time.time()) - 600)
    assert status == 401
    async with bot.session.post(bot.url, data=body) as unsigned:
        assert unsigned.status == 401


async def test_a_replayed_request_is_refused(bot: Bot) -> None:
    body = form_body(slash_command_fields("is it safe?", response_url=bot.fake.response_url()))
    from tests.fakes.slack import sign

    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}
    async with bot.session.post(bot.url, data=body, headers=headers) as first:
        assert first.status == 200
    async with bot.session.post(bot.url, data=body, headers=headers) as again:
        assert again.status == 401
    async with bot.writer.reader() as store:
        assert len(await store.recent(Scope.everything())) == 1  # answered and logged once


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=not-json", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"type": "block_actions"', "application/json"),
        (b"", "application/x-www-form-urlencoded"),
        (interactive_body({"type": "block_actions"}), "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_bodies_get_4xx_never_500(bot: Bot, body: bytes, content_type: str) -> None:
    status, _ = await bot.fake.post(bot.session, bot.url, body, content_type=content_type)
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
    answers = [huge] + [engine.answer(t) for t in ("risks", "compare", "faq", "help", "sources", "risk cost")]
    for answer in answers:
        message = render(answer.copy_with(record_id="0" * 30), asked="x" * 3000)
        assert blocks_problems(message["blocks"]) == []
        blocks = message["blocks"]
        assert len(blocks) <= MAX_BLOCKS and len(blocks[0]["text"]["text"]) <= MAX_HEADER
        for block in blocks:
            if block["type"] == "section":
                assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION
                assert len(block.get("fields", [])) <= MAX_FIELDS
                assert all(len(f["text"]) <= MAX_FIELD for f in block.get("fields", []))
    assert render(huge)["blocks"][-2]["text"]["text"].startswith("…and ")


async def test_moderators_only(bot: Bot) -> None:
    await bot.command("why is rent so expensive?", user_id="U2")
    _, refused = await bot.command("mod recent", user_id="U2")
    assert refused["text"] == "Working on it…"
    await wait_for(lambda: bot.fake.responses)
    assert header(bot.fake.responses[-1]) == "Moderators only"
    await bot.command("mod unanswered", user_id="U0MOD")
    await wait_for(lambda: len(bot.fake.responses) == 2)
    listed = bot.fake.responses[-1]
    assert header(listed) == "Unanswered questions" and "rent" in texts(listed["blocks"])
    await bot.command("mod stats", user_id="U0GROUPMOD")
    await wait_for(lambda: len(bot.fake.responses) == 3)
    assert header(bot.fake.responses[-1]).startswith("Questions per day")


async def test_mod_export_arrives_as_a_csv_file_in_a_dm(bot: Bot) -> None:
    await bot.command("why is rent so expensive?", user_id="U2")
    status, ack = await bot.command("mod export csv", user_id="U0MOD")
    assert status == 200 and ack["text"] == "Working on it…"
    await wait_for(lambda: bot.fake.calls("files.completeUploadExternal"))
    assert header(bot.fake.responses[0]) == "Question log export"
    assert bot.fake.calls("conversations.open")[0].form["users"] == "U0MOD"
    assert b"rent so expensive" in bot.fake.uploads[0]
    assert bot.fake.uploads[0].startswith(b"id,asked_at,platform")


async def test_a_failed_upload_tells_the_moderator_why(bot: Bot) -> None:
    bot.fake.errors["files.getUploadURLExternal"] = "file_uploads_disabled"
    await bot.command("mod export csv", user_id="U0MOD")
    await wait_for(lambda: len(bot.fake.responses) == 2)
    assert "file_uploads_disabled" in bot.fake.responses[1]["text"]


async def test_slow_web_api_calls_never_delay_the_ack(bot: Bot) -> None:
    # Slack's own clock: the fake's post() records any ack later than 3 s as a violation.
    for method in ("conversations.open", "files.getUploadURLExternal", "usergroups.users.list"):
        bot.fake.slow[method] = 3.5
    started = time.monotonic()
    status, _ = await bot.command("mod export csv", user_id="U0MOD")
    assert status == 200 and time.monotonic() - started < 1.0
    status, reply = await bot.command("risks", user_id="U0GROUPMOD")
    assert status == 200 and header(reply) == "The main risks of exosome therapy"
    assert time.monotonic() - started < 2.0
    await wait_for(lambda: bot.fake.uploads, timeout=15)


async def test_every_question_is_logged_with_slack_context(bot: Bot) -> None:
    await bot.command("risks")
    await bot.command("is it safe?", channel_id="D5", channel_name="directmessage")
    await bot.command("help", channel_id="G7", channel_name="privategroup")
    async with bot.writer.reader() as store:
        rows = await store.recent(Scope.everything())
    assert {(r.platform, r.workspace, r.channel, r.channel_kind) for r in rows} == {
        ("slack", "T1", "C1", "public"), ("slack", "T1", "D5", "dm"), ("slack", "T1", "G7", "private"),
    }  # fmt: skip
    assert all(r.user_hash == Pseudonymiser(KEY).user_hash("slack", "U1") for r in rows)


async def test_rate_limit_replies_kindly(fake: FakeSlack, catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue), rate_limiter=RateLimiter(2, 60))
    async with http_bot(fake, service, settings_for(fake)) as url, aiohttp.ClientSession() as session:
        replies = [(await fake.post(session, url, form_body(slash_command_fields("risks"))))[1] for _ in range(3)]
    assert [header(r) for r in replies] == ["The main risks of exosome therapy"] * 2 + ["Slow down a little"]


async def test_socket_mode_end_to_end(fake: FakeSlack, tmp_path: Path, catalogue) -> None:
    async with socket_mode_bot(fake, tmp_path / "q.db", catalogue):
        ack = await fake.send_slash_command("risk half-life")
        assert ack["payload"]["blocks"][0]["text"]["text"] == "Effects may not last"
        assert ack["payload"]["response_type"] == "ephemeral"
        # Slack asks the app to reconnect now and then: it must, and go on answering.
        await fake.disconnect()
        await fake.wait_connected(count=2)
        again = await fake.send_slash_command("risk cost", response_url=fake.response_url("s2"))
        assert again["payload"]["blocks"][0]["text"]["text"].startswith("High cost")
        clicked = await fake.envelope("interactive", block_actions(
            {"action_id": "exobot_related_0", "type": "button", "value": "risk infection"},
            response_url=fake.response_url("s3")))  # fmt: skip
        assert "envelope_id" in clicked
        await wait_for(lambda: fake.responses)
        assert header(fake.responses[0]) == "Infection from contaminated products"
    assert fake.calls("apps.connections.open") and fake.calls("auth.test")
    assert count_rows(tmp_path / "q.db") == 3
    assert fake.violations == []
