"""The App Home tab: what exobot does, the risks, the FAQ and your data; for a moderator, also their own
workspace's unanswered questions, each with buttons to mark it.

The tab is published fresh each time someone opens it (``app_home_opened`` → ``views.publish``), and
again after a mark, so a moderator always sees the log as it is.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bots.slack.bot import Ack, SlackBot, api_error, team_of
from bots.slack.render import (
    ACTION_FAQ_SELECT,
    ACTION_RELATED,
    MAX_BUTTON_TEXT,
    MAX_HOME_BLOCKS,
    MAX_OPTIONS,
    MAX_SECTION,
    Block,
    plain,
)
from core.engine import AnswerEngine
from core.questionlog.records import LoggedQuestion
from core.request import Surface
from core.text import truncate

log = logging.getLogger(__name__)

ACTION_MARK = "exobot_mark"
UNANSWERED_SHOWN = 10
"""Two blocks each: with the rest of the tab, well inside Slack's 100 blocks."""


def register(app: AsyncApp, bot: SlackBot) -> None:
    home = Home(bot)
    app.event("app_home_opened")(home.on_opened)
    app.action(re.compile(f"^{ACTION_MARK}_(reviewed|flagged)$"))(home.on_mark)


class Home:
    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    async def on_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") == "home" and self.bot.settings.serves(team_of(body)):
            await self.publish(str(event.get("user")), team_of(body))

    async def on_mark(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        if not self.bot.settings.serves(team_of(body)):
            return
        state = str(action.get("action_id", "")).rsplit("_", 1)[-1]
        command = f"mod mark {action.get('value')} {state}"
        await self.bot.service.handle(self.bot.request(body, command, Surface.BUTTON))  # checks it is a moderator
        await self.publish(str((body.get("user") or {}).get("id")), team_of(body))

    async def publish(self, user: str, team: str | None) -> None:
        request = self.bot.request({"user_id": user, "team_id": team}, "", Surface.BUTTON)
        unanswered = await self.bot.service.unanswered_for(request, UNANSWERED_SHOWN) if request.is_moderator else None
        view = {"type": "home", "blocks": home_blocks(self.bot.service.engine, unanswered)}
        try:
            await self.bot.client.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            log.warning("could not publish the Home tab: %s", api_error(exc))


def home_blocks(engine: AnswerEngine, unanswered: list[LoggedQuestion] | None) -> list[Block]:
    """The tab's blocks; unanswered is None for anyone but a moderator."""
    risks = engine.answer("risks").suggestions
    faqs = engine.answer("faq").suggestions
    blocks: list[Block] = [
        {"type": "header", "text": plain("exobot: the risks of exosome therapy")},
        {
            "type": "section",
            "text": plain(
                "I answer questions about the risks and downsides of exosome therapy, from cited sources. Ask with "
                "/exosome, by mentioning @exobot in a channel, or here in the Messages tab. Answers come to you "
                "in the Messages tab."
            ),
        },
        {"type": "section", "text": plain("The main risks")},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{ACTION_RELATED}_{i}",
                    "text": plain(truncate(s.label, MAX_BUTTON_TEXT)),
                    "value": s.command,
                }
                for i, s in enumerate(risks[:25])
            ],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": ACTION_FAQ_SELECT,
                    "placeholder": plain("Frequently asked questions"),
                    "options": [
                        {"text": plain(truncate(s.label, MAX_BUTTON_TEXT)), "value": s.command}
                        for s in faqs[:MAX_OPTIONS]
                    ],
                }
            ],
        },
        {"type": "section", "text": plain("Your questions are logged under a pseudonym. See or delete them:")},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{ACTION_RELATED}_0",
                    "text": plain("What the log holds"),
                    "value": "my-data",
                },
                {
                    "type": "button",
                    "action_id": f"{ACTION_RELATED}_1",
                    "style": "danger",
                    "text": plain("Delete my questions"),
                    "value": "forget-me",
                    "confirm": {
                        "title": plain("Delete your questions?"),
                        "text": plain("Everything the log holds about you, and your votes, is deleted for good."),
                        "confirm": plain("Delete"),
                        "deny": plain("Keep"),
                    },
                },
            ],
        },
        {"type": "context", "elements": [plain(engine.disclaimer)]},
    ]
    if unanswered is not None:
        blocks += [{"type": "divider"}, {"type": "header", "text": plain("Unanswered in this workspace")}]
        if not unanswered:
            blocks.append({"type": "section", "text": plain("Nothing unanswered right now.")})
        for question in unanswered:
            asked = question.question if question.question is not None else "(text not stored)"
            when = question.asked_at[:16].replace("T", " ")
            blocks += [
                {"type": "section", "text": plain(truncate(f"#{question.id} · {when} · {asked}", MAX_SECTION))},
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": f"{ACTION_MARK}_reviewed",
                            "text": plain("Mark reviewed"),
                            "value": str(question.id),
                        },
                        {
                            "type": "button",
                            "action_id": f"{ACTION_MARK}_flagged",
                            "text": plain("Flag"),
                            "value": str(question.id),
                        },
                    ],
                },
            ]
    return blocks[:MAX_HOME_BLOCKS]
