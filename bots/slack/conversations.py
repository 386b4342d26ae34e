"""Where people already talk on Slack: ``@exobot`` in a channel, the app's DM, and "Ask exobot" on a
message. Each is answered where it was asked: in a thread under the mention, in the DM, or privately to
whoever chose the shortcut, with a button to share the answer in that message's thread.

Events are acknowledged by Bolt before these run, so Slack's 3-second rule never waits on an answer.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bots.presentation import Texts
from bots.slack.bot import Ack, Respond, SlackBot, api_error, team_of
from bots.slack.render import ACTION_SHARE_THREAD, render
from core.answers import Answer
from core.request import Surface

log = logging.getLogger(__name__)

ASK_SHORTCUT = "ask_exobot"
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<(?:https?://|mailto:)[^|>]*\|([^>]*)>|<(https?://[^>]*)>")


def register(app: AsyncApp, bot: SlackBot) -> None:
    handlers = Conversations(bot)
    app.event("app_mention")(handlers.on_mention)
    app.event("message")(handlers.on_message)
    app.shortcut(ASK_SHORTCUT)(handlers.on_shortcut)
    app.action(ACTION_SHARE_THREAD)(handlers.on_share_in_thread)


def plain_text(slack_text: str) -> str:
    """A message's text as the person meant it: mentions dropped, links shown by their label or address,
    and Slack's escapes undone (the answer escapes again on the way out)."""
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), _MENTION.sub(" ", slack_text))
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def from_a_bot(event: dict[str, Any], bot_user: str | None) -> bool:
    """Bots (exobot itself included) are never answered, so two bots can never loop."""
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        bot_user is not None and event.get("user") == bot_user
    )


class Conversations:
    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        """``@exobot …`` in a channel: answered in a thread under the message."""
        if from_a_bot(event, context.get("bot_user_id")) or not self.bot.settings.serves(team_of(body)):
            return
        text = plain_text(str(event.get("text") or "")) or "help"
        request = self.bot.request(self._who(event, body), text, Surface.MENTION)
        answer = await self.bot.service.handle(request)
        thread = str(event.get("thread_ts") or event.get("ts") or "")
        await self._post(str(event.get("channel")), answer, thread=thread, user=request.user_id)

    async def on_message(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        """A message in the app's DM is answered in the DM. Edits, deletions and every other kind of
        message event (``subtype``) change nothing, and channel messages are never read."""
        if event.get("channel_type") != "im" or event.get("subtype") or from_a_bot(event, context.get("bot_user_id")):
            return
        if not self.bot.settings.serves(team_of(body)):
            return
        text = plain_text(str(event.get("text") or "")) or "help"
        answer = await self.bot.service.handle(self.bot.request(self._who(event, body), text, Surface.DIRECT))
        await self._post(str(event.get("channel")), answer)

    async def on_shortcut(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """ "Ask exobot" on a message: the answer goes privately to whoever chose it."""
        await ack()
        if not self.bot.settings.serves(team_of(body)):
            await respond(**render(self.bot.service.not_enabled()))
            return
        message = body.get("message") or {}
        text = plain_text(str(message.get("text") or "")) or "help"
        answer = await self.bot.service.handle(self.bot.request(body, f"ask {text}", Surface.SHORTCUT))
        thread = str(message.get("thread_ts") or message.get("ts") or "")
        await respond(**render(answer, asked=text, thread=thread), replace_original=False)

    async def on_share_in_thread(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """Post a shortcut's answer in the thread of the message it answered, for everyone there."""
        await ack()
        if not self.bot.settings.serves(team_of(body)):
            return
        try:
            shared = json.loads(str(action.get("value") or "{}"))
            asked, thread = str(shared["asked"]), str(shared["thread"])
        except (ValueError, KeyError, TypeError):
            return
        channel = str((body.get("channel") or {}).get("id") or "")
        answer = self.bot.service.preview(asked)
        problem = await self._post(channel, answer, thread=thread, actions=False)
        if problem == "not_in_channel":
            await respond(response_type="ephemeral", replace_original=False, text=Texts.INVITE_ME)

    @staticmethod
    def _who(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """What ``SlackBot.request`` reads (user, team, channel), from an event and its envelope."""
        return {"user_id": event.get("user"), "team_id": team_of(body), "channel_id": event.get("channel")}

    async def _post(
        self, channel: str, answer: Answer, *, thread: str | None = None, user: str | None = None,
        actions: bool = True,
    ) -> str | None:  # fmt: skip
        """Post answer in channel (in thread, if given); an answer only its asker may read goes to them
        alone. Returns Slack's error, if any: the event was acknowledged long ago, so it is logged."""
        message = render(answer, actions=actions)
        message.pop("response_type", None)
        options: dict[str, Any] = {"channel": channel, **message, "unfurl_links": False, "unfurl_media": False}
        if thread:
            options["thread_ts"] = thread
        try:
            if answer.private and user is not None and not channel.startswith("D"):
                await self.bot.client.chat_postEphemeral(user=user, **options)
            else:
                await self.bot.client.chat_postMessage(**options)
        except SlackApiError as exc:
            log.warning("could not post a Slack answer: %s", api_error(exc))
            return api_error(exc)
        return None
