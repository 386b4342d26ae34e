"""The Slack adapter: ``/exosome`` and the buttons on its answers, over Socket Mode or HTTP.

It does three things only: turn a Slack payload into a core Request, render the core Answer as Block
Kit, and send it. What a question means, what is logged and what a moderator may do live in core.

Every reply meets Slack's 3-second rule. An answer computed in memory goes back in the
acknowledgement itself; anything that reads the database (``my-data``, ``mod …``) is acknowledged
first and answered through the response_url, and files go out after that.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bots.adapter import AdapterState, AdapterStatus, CredentialsRejected
from bots.http_server import serve
from bots.presentation import Texts
from bots.slack.moderators import Moderators
from bots.slack.render import ACTION_FAQ_SELECT, ACTION_RELATED, ACTION_SHARE, ACTION_VOTE, render
from bots.slack.security import RequestVerifier
from bots.slack.settings import SlackSettings
from core.answers import Answer
from core.request import ChannelKind, Request, Surface
from core.service import ExobotService

log = logging.getLogger(__name__)

COMMAND = "/exosome"
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
_REJECTED = frozenset(("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"))

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
        # Only the asker sees an ephemeral answer, so only they can click it: update it in place. A
        # click on a public message answers the clicker privately and leaves the message as it was.
        in_place = bool((body.get("container") or {}).get("is_ephemeral"))
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
        shared = render(self.service.preview(str(action.get("value") or "")))
        shared["blocks"] = [b for b in shared["blocks"] if b["type"] != "actions"]
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


def build_app(settings: SlackSettings, service: ExobotService) -> tuple[AsyncApp, SlackBot]:
    client = AsyncWebClient(
        token=settings.bot_token.reveal(), base_url=settings.api_base_url or AsyncWebClient.BASE_URL
    )
    app = AsyncApp(
        client=client,
        # Checked before Bolt, with replays refused (bots.slack.security); Socket Mode needs none.
        request_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("exobot.slack.bolt"),
    )
    bot = SlackBot(settings, service, client)
    app.command(COMMAND)(bot.on_command)
    app.action({"action_id": re.compile(f"^{ACTION_RELATED}_\\d+$")})(bot.on_choice)
    app.action(ACTION_FAQ_SELECT)(bot.on_choice)
    app.action({"action_id": re.compile(f"^{ACTION_VOTE}_(up|down)$")})(bot.on_vote)
    app.action(ACTION_SHARE)(bot.on_share)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Bolt calls this instead of crashing; the person already got an ack, so only log it.
        log.error("Slack handler failed: %s", type(error).__name__, exc_info=error)

    return app, bot


def http_app(app: AsyncApp, settings: SlackSettings) -> Any:
    """Bolt's aiohttp app behind the signature check, turning any unexpected failure into 400."""
    from aiohttp import web

    @web.middleware
    async def no_server_errors(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            log.warning("rejected a malformed Slack request to %s", request.path)
            return web.Response(status=400, text="bad request")
        if response.status >= 500:
            return web.Response(status=400, text="bad request")
        return response

    assert settings.signing_secret is not None
    web_app = app.web_app(path=EVENTS_PATH)
    web_app.middlewares.append(no_server_errors)
    web_app.middlewares.append(RequestVerifier(settings.signing_secret.reveal()).middleware(EVENTS_PATH))
    return web_app


async def serve_slack(
    settings: SlackSettings, service: ExobotService, stop: asyncio.Event, status: AdapterStatus
) -> None:
    """Serve Slack until stop is set (Socket Mode if an app token is set, else HTTP)."""
    app, bot = build_app(settings, service)
    try:
        # A bad token should fail here, loudly and at start-up, not on the first question.
        identity = await app.client.auth_test()
    except SlackApiError as exc:
        if api_error(exc) in _REJECTED:
            raise CredentialsRejected("SLACK_BOT_TOKEN", api_error(exc)) from None
        raise
    log.info("Slack app authenticated in team %s", identity.get("team_id"))
    await bot.moderators.start()
    try:
        if settings.socket_mode:
            await _socket_mode(app, settings, stop, status)
        else:
            async with serve(http_app(app, settings), settings.host, settings.port, what="Slack"):
                log.info("Slack listening on http://%s:%d%s", settings.host, settings.port, EVENTS_PATH)
                status.set(AdapterState.CONNECTED)
                await stop.wait()
    finally:
        await bot.moderators.stop()


async def _socket_mode(app: AsyncApp, settings: SlackSettings, stop: asyncio.Event, status: AdapterStatus) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert settings.app_token is not None
    handler = AsyncSocketModeHandler(app, settings.app_token.reveal())
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        await handler.close_async()  # type: ignore[no-untyped-call]
        if api_error(exc) in _REJECTED:
            raise CredentialsRejected("SLACK_APP_TOKEN", api_error(exc)) from None
        raise
    log.info("Slack connected over Socket Mode")
    status.set(AdapterState.CONNECTED)
    try:
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
