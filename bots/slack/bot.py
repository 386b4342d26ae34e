"""What exobot does with each Slack request it handles itself: ``/exosome``, the buttons on answers,
votes and shares; and what the other Slack modules share: how a payload becomes a core Request.

Every reply meets Slack's 3-second rule. An answer computed in memory goes back in the
acknowledgement itself; anything that reads the database (``my-data``, ``mod …``) is acknowledged
first and answered through the response_url, and files go out after that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bots.presentation import Texts
from bots.slack.moderators import Moderators
from bots.slack.render import render
from bots.slack.settings import SlackSettings
from core.answers import Answer
from core.request import ChannelKind, Request, Surface
from core.service import ExobotService

log = logging.getLogger(__name__)

PLATFORM = "slack"

Ack = Callable[..., Awaitable[None]]
Respond = Callable[..., Awaitable[Any]]


def channel_kind(channel_id: str, channel_name: str | None) -> ChannelKind:
    """Slack names DMs "directmessage" and private channels "privategroup"; ids start D/G/C likewise."""
    if channel_name == "directmessage" or channel_id.startswith("D"):
        return ChannelKind.DM
    if channel_name == "privategroup" or channel_id.startswith("G"):
        return ChannelKind.PRIVATE
    return ChannelKind.PUBLIC


class SlackBot:
    """The handlers, with what they share: settings, the service, the moderator list and a client."""

    def __init__(self, settings: SlackSettings, service: ExobotService, client: AsyncWebClient) -> None:
        self.settings = settings
        self.service = service
        self.client = client
        self.moderators = Moderators(settings.moderators, client)
        self._background: set[asyncio.Task[None]] = set()

    def request(self, body: Mapping[str, Any], text: str, surface: Surface) -> Request:
        user = (body.get("user") or {}).get("id") or body.get("user_id") or "unknown"
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or ""
        name = body.get("channel_name") or (body.get("channel") or {}).get("name")
        return Request(
            text=text,
            platform=PLATFORM,
            user_id=str(user),
            workspace=team_of(body),
            channel=str(channel) or None,
            channel_kind=channel_kind(str(channel), name),
            is_moderator=self.moderators.includes(str(user)),
            surface=surface,
        )

    def later(self, work: Awaitable[None]) -> None:
        """Run work after the acknowledgement, keeping a reference so it is not collected mid-way."""

        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("Slack follow-up work failed")

        task = asyncio.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        text = str(body.get("text") or "")
        if not self.settings.serves(team_of(body)):
            await ack(**render(self.service.not_enabled()))
            return
        request = self.request(body, text, Surface.COMMAND)
        if not self.service.reads_log(text):
            await ack(**render(await self.service.handle(request), asked=text))
            return
        await ack(response_type="ephemeral", text=Texts.WORKING)
        self.later(self._answer_later(request, respond))

    async def _answer_later(self, request: Request, respond: Respond) -> None:
        answer = await self.service.handle(request)
        await respond(**render(answer), replace_original=True)
        if answer.attachment is not None:
            problem = await self.send_file(request.user_id, answer)
            if problem is not None:
                await respond(response_type="ephemeral", replace_original=False,
                              text=f"I couldn't send you the export file: {problem}.")  # fmt: skip

    async def on_choice(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        if not self.settings.serves(team_of(body)):
            return
        command = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        answer = await self.service.handle(self.request(body, command, Surface.BUTTON))
        container = body.get("container") or {}
        if container.get("type") == "view":  # the Home tab: no message to answer under, so the DM
            message = render(answer, asked=command)
            message.pop("response_type")
            await self.client.chat_postMessage(channel=str((body.get("user") or {}).get("id")), **message)
            return
        # Only the asker sees an ephemeral answer, so only they can click it: update it in place. A
        # click on a public message answers the clicker privately and leaves the message as it was.
        in_place = bool(container.get("is_ephemeral"))
        await respond(**render(answer, asked=command), replace_original=in_place)

    async def on_vote(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        if not self.settings.serves(team_of(body)):
            return
        helpful = str(action.get("action_id", "")).endswith("_up")
        request = self.request(body, "", Surface.BUTTON)
        answer = await self.service.vote(request, str(action.get("value") or ""), helpful)
        await respond(**render(answer), replace_original=False)

    async def on_share(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        if not self.settings.serves(team_of(body)):
            return
        shared = render(self.service.preview(str(action.get("value") or "")), actions=False)
        await respond(**{**shared, "response_type": "in_channel"}, replace_original=False, delete_original=False)

    async def send_file(self, user_id: str, answer: Answer) -> str | None:
        """Moderator exports go to the moderator's DM with the app, never into the channel asked from.
        Returns Slack's reason when that fails."""
        attachment = answer.attachment
        assert attachment is not None
        try:
            dm = await self.client.conversations_open(users=user_id)
            channel = (dm.get("channel") or {}).get("id")
            await self.client.files_upload_v2(
                channel=channel, filename=attachment.filename, content=attachment.content,
                initial_comment="Question log export (only you can see this conversation).",
            )  # fmt: skip
        except SlackApiError as exc:
            reason = api_error(exc)
        except SlackClientError as exc:  # the upload itself failed (refused, too large, the network)
            reason = type(exc).__name__
        else:
            return None
        log.error("could not send the export file to a moderator: %s", reason)
        return reason


def team_of(body: Mapping[str, Any]) -> str | None:
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team")
    return str(team or body.get("team_id") or "") or None


def api_error(exc: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the reply was not Slack's JSON at all."""
    data = exc.response.data
    return str(data.get("error")) if isinstance(data, dict) else f"HTTP {exc.response.status_code}"
