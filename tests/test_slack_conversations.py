"""Where people talk on Slack: @mentions, the app's DM, the "Ask exobot" shortcut and the Home tab, through
the real Bolt app over HTTP and Socket Mode against the strict fake."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from core.engine import AnswerEngine
from core.questionlog.records import QuestionRecord, new_record_id, now_iso
from core.questionlog.store import Scope
from core.ratelimit import RateLimiter
from core.service import ExobotService
from tests import slack_harness
from tests.fakes.slack import FakeSlack, dm_event, home_actions, home_opened_event, mention_event
from tests.fakes.slack import interactive_body as interactive
from tests.slack_harness import Bot, header, http_bot, settings_for, socket_mode_bot, texts, wait_for

fake = slack_harness.fake
bot = slack_harness.bot
EVERYTHING = Scope.everything()


def posts(bot: Bot, method: str = "chat.postMessage") -> list[dict[str, Any]]:
    return [p for p in bot.fake.posted if p["method"] == method]


async def rows(bot: Bot) -> list[Any]:
    async with bot.writer.reader() as store:
        return await store.recent(EVERYTHING)


async def test_a_mention_is_answered_in_a_thread_under_it(bot: Bot) -> None:
    event = mention_event("<@UBOT> can exosomes make cancer worse?")
    status, _ = await bot.event(event) or (None, None)
    assert status == 200
    await wait_for(lambda: posts(bot))
    (reply,) = posts(bot)
    assert reply["channel"] == "C1" and reply["thread_ts"] == event["ts"]
    assert header(reply) == "Can exosome therapy make cancer worse?"
    assert "<@UBOT>" not in texts(reply["blocks"]) and "exobot_vote_up" in texts(reply["blocks"])
    (row,) = await rows(bot)
    assert (row.surface, row.workspace, row.question) == ("mention", "T1", "can exosomes make cancer worse?")


async def test_a_mention_in_a_thread_answers_in_that_thread(bot: Bot) -> None:
    await bot.event(mention_event("<@UBOT> is it safe?", thread_ts="100.000"))
    await wait_for(lambda: posts(bot))
    assert posts(bot)[0]["thread_ts"] == "100.000"


async def test_a_dm_is_answered_in_the_dm(bot: Bot) -> None:
    await bot.event(dm_event("how much does it cost"))
    await wait_for(lambda: posts(bot))
    (reply,) = posts(bot)
    assert reply["channel"] == "D1" and "thread_ts" not in reply
    assert header(reply).startswith("High cost")
    (row,) = await rows(bot)
    assert (row.surface, row.channel_kind) == ("direct", "dm")


async def test_bots_edits_and_deletions_are_never_answered(bot: Bot) -> None:
    await bot.event(dm_event("is it safe?", user="UBOT", bot_id="B1"))  # exobot's own message
    await bot.event(dm_event("is it safe?", user="U9", bot_id="B9"))  # another bot
    await bot.event(dm_event("", subtype="message_changed", message={"text": "is it safe?"}))
    await bot.event(dm_event("", subtype="message_deleted"))
    await bot.event(mention_event("<@UBOT> is it safe?") | {"bot_id": "B9"})
    await asyncio.sleep(0.5)
    assert posts(bot) == [] and await rows(bot) == []


async def test_channel_messages_that_do_not_mention_the_app_never_arrive(bot: Bot) -> None:
    """The manifest subscribes to no channel messages, so Slack sends none: the fake refuses to."""
    assert await bot.event({"type": "message", "channel_type": "channel", "text": "hi", "channel": "C1"}) is None
    assert bot.fake.violations == ["the manifest does not subscribe to message"]
    bot.fake.violations.clear()


async def test_a_personal_command_in_a_channel_is_answered_to_the_asker_alone(bot: Bot) -> None:
    await bot.event(mention_event("<@UBOT> my-data"))
    await wait_for(lambda: posts(bot, "chat.postEphemeral"))
    (reply,) = posts(bot, "chat.postEphemeral")
    assert reply["user"] == "U1" and header(reply) == "What the log holds about you"
    assert posts(bot) == []


async def test_the_shortcut_answers_privately_and_shares_in_the_thread(bot: Bot) -> None:
    status, _ = await bot.shortcut("anyone tried exosome facials? are they safe")
    assert status == 200
    await wait_for(lambda: bot.fake.responses)
    (private,) = bot.fake.responses
    assert private["response_type"] == "ephemeral" and header(private).startswith("Are exosome facials")
    share = next(
        e for b in private["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "exobot_share_thread"
    )  # fmt: skip
    await bot.action(share)
    await wait_for(lambda: posts(bot))
    (shared,) = posts(bot)
    assert shared["thread_ts"] == json.loads(share["value"])["thread"] and header(shared) == header(private)
    assert all(b["type"] != "actions" for b in shared["blocks"])
    assert [r.surface for r in await rows(bot)] == ["shortcut"]


async def test_sharing_where_the_app_is_not_a_member_explains_how_to_invite_it(bot: Bot) -> None:
    await bot.shortcut("is exosome therapy safe")
    await wait_for(lambda: bot.fake.responses)
    share = next(e for b in bot.fake.responses[0]["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "exobot_share_thread")  # fmt: skip
    bot.fake.member_of.clear()
    await bot.action(share)
    await wait_for(lambda: len(bot.fake.responses) == 2)
    assert "/invite @exobot" in bot.fake.responses[1]["text"]


def home_of(bot: Bot, user: str) -> dict[str, Any]:
    return [v for v in bot.fake.views if v["user_id"] == user][-1]


async def test_the_home_tab_shows_risks_faq_and_your_data(bot: Bot) -> None:
    await bot.event(home_opened_event("U1"))
    await wait_for(lambda: bot.fake.views)
    view = home_of(bot, "U1")
    shown = texts(view["blocks"])
    assert view["type"] == "home" and "Possible cancer growth" in shown and "Is exosome therapy safe?" in shown
    assert '"value": "my-data"' in shown and '"value": "forget-me"' in shown and '"confirm"' in shown
    assert "Unanswered in this workspace" not in shown  # not a moderator


async def test_a_home_button_answers_in_the_apps_dm(bot: Bot) -> None:
    click = home_actions({"action_id": "exobot_related_0", "type": "button", "value": "risk cancer"})
    await bot.fake.post(bot.session, bot.url, interactive(click))
    await wait_for(lambda: posts(bot))
    (reply,) = posts(bot)
    assert reply["channel"] == "U1" and header(reply) == "Possible cancer growth"


async def test_a_moderators_home_lists_their_own_unanswered_questions_and_marks_them(bot: Bot) -> None:
    await bot.command("why is rent so expensive")
    other = QuestionRecord(
        record_id=new_record_id(), asked_at=now_iso(), platform="slack", workspace="T2", channel="C9",
        channel_kind="public", surface="command", user_hash="someone", command="ask", question="another team's",
        match=None, score=0.0, emergency=False, latency_ms=1.0, outcome="unanswered",
    )  # fmt: skip
    async with bot.writer.reader() as store:
        await store.insert([other])
    await bot.event(home_opened_event("U0MOD"))
    await wait_for(lambda: bot.fake.views)
    shown = texts(home_of(bot, "U0MOD")["blocks"])
    assert "why is rent so expensive" in shown and "another team's" not in shown
    mark = next(e for b in home_of(bot, "U0MOD")["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == "exobot_mark_reviewed")  # fmt: skip
    await bot.fake.post(bot.session, bot.url, interactive(home_actions(mark, user="U0MOD")))
    await wait_for(lambda: len(bot.fake.views) == 2)
    assert "why is rent so expensive" not in texts(home_of(bot, "U0MOD")["blocks"])
    async with bot.writer.reader() as store:
        (row,) = await store.search(Scope.everything(), "rent")
    assert row.review_state == "reviewed"


async def test_a_non_moderator_cannot_mark_from_a_forged_click(bot: Bot) -> None:
    await bot.command("why is rent so expensive")
    async with bot.writer.reader() as store:
        (row,) = await store.search(Scope.everything(), "rent")
    forged = home_actions({"action_id": "exobot_mark_flagged", "type": "button", "value": str(row.id)})
    await bot.fake.post(bot.session, bot.url, interactive(forged))
    await wait_for(lambda: bot.fake.views)
    async with bot.writer.reader() as store:
        (row,) = await store.search(Scope.everything(), "rent")
    assert row.review_state == "new"


async def test_mentions_dms_and_home_over_socket_mode(fake: FakeSlack, tmp_path: Path, catalogue) -> None:
    async with socket_mode_bot(fake, tmp_path / "q.db", catalogue):
        assert await fake.send_event(mention_event("<@UBOT> is it legal?")) is not None
        assert await fake.send_event(dm_event("what are exosomes")) is not None
        assert await fake.send_event(home_opened_event("U1")) is not None
        await wait_for(lambda: len([p for p in fake.posted if p["method"] == "chat.postMessage"]) == 2 and fake.views)
        by_channel = {p["channel"]: header(p) for p in fake.posted}
        assert by_channel["C1"].startswith("Regulated as drugs") and by_channel["D1"] == "What are exosomes?"
    assert fake.violations == []


async def test_a_mention_gets_emergency_help_first_and_never_pings(bot: Bot) -> None:
    await bot.event(mention_event("<@UBOT> <!channel> my throat is closing after the shot"))
    await wait_for(lambda: posts(bot))
    (reply,) = posts(bot)
    assert header(reply).startswith("This may be an emergency")
    assert "<!channel>" not in reply["text"] and "<!channel>" not in texts(reply["blocks"]).replace("&lt;", "")


async def test_mentions_share_the_rate_limit(fake: FakeSlack, tmp_path: Path, catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue), rate_limiter=RateLimiter(1, 60))
    async with http_bot(fake, service, settings_for(fake)) as url, aiohttp.ClientSession() as session:
        probe = Bot(url, service, None, session, fake)  # type: ignore[arg-type]
        await probe.event(mention_event("<@UBOT> is it safe?"))
        await probe.event(mention_event("<@UBOT> is it safe?"))
        await wait_for(lambda: len(fake.posted) == 2)
    assert [header(p) for p in fake.posted] == ["Is exosome therapy safe?", "Slow down a little"]
