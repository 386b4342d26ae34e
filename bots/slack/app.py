"""The Slack adapter: ``/exosome`` over Socket Mode or HTTP, thin over ``core``.

It does three things only: turn a Slack payload into a core Request, render the core Answer as Block
Kit, and send it. What a question means, what is logged and what a moderator may do live in core.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.runner import Adapter
from bots.slack.render import ACTION_FAQ_SELECT, ACTION_RELATED, ACTION_SHARE, render
from core.answers import Answer
from core.request import ChannelKind, Request
from core.service import ExobotService
from core.settings import SlackSettings

log = logging.getLogger(__name__)

COMMAND = "/exosome"
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
_GROUP_CACHE_SECONDS = 300.0


def channel_kind(channel_id: str, channel_name: str | None) -> ChannelKind:
    """Slack names DMs "directmessage" and private channels "privategroup"; ids start D/G/C likewise."""
    if channel_name == "directmessage" or channel_id.startswith("D"):
        return ChannelKind.DM
    if channel_name == "privategroup" or channel_id.startswith("G"):
        return ChannelKind.PRIVATE
    return ChannelKind.PUBLIC


class Moderators:
    """Who may use ``/exosome mod``: listed user ids, or members of listed user groups (cached)."""

    def __init__(self, ids: tuple[str, ...], client: AsyncWebClient) -> None:
        self._users = {i for i in ids if not i.startswith("S")}
        self._groups = [i for i in ids if i.startswith("S")]
        self._client = client
        self._members: set[str] = set()
        self._fetched_at = float("-inf")

    async def includes(self, user_id: str) -> bool:
        if user_id in self._users:
            return True
        if not self._groups:
            return False
        if time.monotonic() - self._fetched_at > _GROUP_CACHE_SECONDS:
            members: set[str] = set()
            for group in self._groups:
                try:
                    response = await self._client.usergroups_users_list(usergroup=group)
                    members.update(response.get("users") or [])
                except SlackApiError as exc:
                    log.warning("could not read Slack user group %s: %s", group, _api_error(exc))
            self._members, self._fetched_at = members, time.monotonic()
        return user_id in self._members


def build_app(settings: SlackSettings, service: ExobotService) -> AsyncApp:
    client = AsyncWebClient(
        token=settings.bot_token.reveal(), base_url=settings.api_base_url or AsyncWebClient.BASE_URL
    )
    app = AsyncApp(
        client=client,
        signing_secret=settings.signing_secret.reveal() if settings.signing_secret else None,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    moderators = Moderators(settings.moderators, client)

    async def ask(body: Mapping[str, Any], text: str) -> Answer:
        user = (body.get("user") or {}).get("id") or body.get("user_id") or "unknown"
        team = (body.get("team") or {}).get("id") or body.get("team_id")
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or ""
        name = body.get("channel_name") or (body.get("channel") or {}).get("name")
        request = Request(
            text=text,
            platform=PLATFORM,
            user_id=user,
            workspace=team,
            channel=channel or None,
            channel_kind=channel_kind(channel, name),
            is_moderator=await moderators.includes(user),
        )
        return await service.handle(request)

    @app.command(COMMAND)
    async def on_command(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: AsyncWebClient) -> None:
        text = str(body.get("text") or "")
        answer = await ask(body, text)
        await ack(**render(answer, asked=text))
        if answer.attachment is not None:
            await _send_file(client, body.get("user_id", ""), answer)

    async def on_choice(ack: Callable[..., Awaitable[None]], body: dict[str, Any], action: dict[str, Any],
                        respond: Callable[..., Awaitable[Any]]) -> None:  # fmt: skip
        await ack()
        command = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        answer = await ask(body, command)
        await respond(**render(answer, asked=command), replace_original=True)

    app.action({"action_id": re.compile(f"^{ACTION_RELATED}_\\d+$")})(on_choice)
    app.action(ACTION_FAQ_SELECT)(on_choice)

    @app.action(ACTION_SHARE)
    async def on_share(ack: Callable[..., Awaitable[None]], action: dict[str, Any],
                       respond: Callable[..., Awaitable[Any]]) -> None:  # fmt: skip
        await ack()
        shared = render(service.preview(str(action.get("value") or "")))
        shared["blocks"] = [b for b in shared["blocks"] if b["type"] != "actions"]
        await respond(**{**shared, "response_type": "in_channel"}, replace_original=False, delete_original=False)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Bolt calls this instead of crashing; the person already got an ack, so only log it.
        log.exception("Slack handler failed: %s", type(error).__name__, exc_info=error)

    return app


async def _send_file(client: AsyncWebClient, user_id: str, answer: Answer) -> None:
    """Moderator exports go to the moderator's DM with the app, never into the channel asked from."""
    attachment = answer.attachment
    assert attachment is not None
    try:
        dm = await client.conversations_open(users=user_id)
        channel = (dm.get("channel") or {}).get("id")
        await client.files_upload_v2(
            channel=channel, filename=attachment.filename, content=attachment.content,
            initial_comment="Question log export (only you can see this conversation).",
        )  # fmt: skip
    except SlackApiError as exc:
        log.error("could not send the export file to a moderator: %s", _api_error(exc))


def _api_error(exc: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the reply was not Slack's JSON at all."""
    data = exc.response.data
    return str(data.get("error")) if isinstance(data, dict) else f"HTTP {exc.response.status_code}"


def http_app(app: AsyncApp) -> web.Application:
    """Bolt's aiohttp app, with a guard that turns any unexpected failure into 400, never a 500 page."""

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

    web_app = app.web_app(path=EVENTS_PATH)
    web_app.middlewares.append(no_server_errors)
    return web_app


def slack_adapter(settings: SlackSettings) -> Adapter:
    """The runner's entry point: serve Slack until stop is set (Socket Mode if an app token is set)."""

    async def run(service: ExobotService, stop: asyncio.Event) -> None:
        app = build_app(settings, service)
        # A bad token should fail here, loudly and at start-up, not on the first question.
        identity = await app.client.auth_test()
        log.info("Slack app authenticated in team %s", identity.get("team_id"))
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert settings.app_token is not None
            handler = AsyncSocketModeHandler(app, settings.app_token.reveal())
            await handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack connected over Socket Mode")
            try:
                await stop.wait()
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]
            return
        runner = web.AppRunner(http_app(app), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        log.info("Slack listening on http://%s:%d%s", settings.host, settings.port, EVENTS_PATH)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    return run
