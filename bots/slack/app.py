"""The Slack adapter's wiring: one Bolt app for ``/exosome`` and its buttons (``bots.slack.bot``), mentions,
the app's DM and the message shortcut (``bots.slack.conversations``) and the Home tab (``bots.slack.home``),
served over Socket Mode or HTTP.

The adapter does three things only: turn a Slack payload into a core Request, render the core Answer as
Block Kit, and send it. What a question means, what is logged and what a moderator may do live in core.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.adapter import AdapterState, AdapterStatus, CredentialsRejected
from bots.http_server import serve
from bots.slack import conversations, home
from bots.slack.bot import Ack, SlackBot, api_error
from bots.slack.render import ACTION_FAQ_SELECT, ACTION_OPEN_LINK, ACTION_RELATED, ACTION_SHARE, ACTION_VOTE
from bots.slack.security import RequestVerifier
from bots.slack.settings import SlackSettings
from core.service import ExobotService

log = logging.getLogger(__name__)

COMMAND = "/exosome"
EVENTS_PATH = "/slack/events"
_REJECTED = frozenset(("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"))


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
    app.action(ACTION_OPEN_LINK)(_opened)
    conversations.register(app, bot)
    home.register(app, bot)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Bolt calls this instead of crashing; the person already got an ack, so only log it.
        log.error("Slack handler failed: %s", type(error).__name__, exc_info=error)

    return app, bot


async def _opened(ack: Ack) -> None:
    """The browser opens a link button's address; the click itself only needs acknowledging."""
    await ack()


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
