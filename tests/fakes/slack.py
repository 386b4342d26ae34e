"""A local stand-in for Slack on 127.0.0.1, as strict as Slack: the Web API, response_url, Socket Mode,
and Slack's side of HTTP mode (signed requests to the bot, timed).

It speaks Slack's real wire formats so the real slack-bolt and slack_sdk code runs, and it enforces
what Slack enforces, recording every rule the bot breaks in ``violations``:

- every request acknowledged within 3 s, over HTTP or Socket Mode;
- Web API calls need the right token and the scope the manifest grants (``missing_scope``,
  ``invalid_auth``); knobs make a method slow, fail with an error Slack sends (``file_uploads_disabled``,
  ``ratelimited`` with Retry-After), so a test can check the bot copes;
- Block Kit limits on everything posted (``invalid_blocks``);
- a response_url takes at most 5 messages within 30 minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import WSMsgType, web

from tests.fakes import serve_locally
from tests.fakes.slack_rules import METHOD_SCOPES, blocks_problems

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack" / "manifest.yml"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-test"
SIGNING_SECRET = "test-signing-secret"
ACK_DEADLINE = 3.0
FORM = "application/x-www-form-urlencoded"
_envelopes = itertools.count(1)


EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.im": "im:history", "app_home_opened": None}
"""The scope Slack requires before it sends each event (app_home_opened needs none)."""


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def manifest_scopes() -> frozenset[str]:
    return frozenset(manifest()["oauth_config"]["scopes"]["bot"])


@dataclass
class Recorded:
    path: str
    form: dict[str, Any]
    body: bytes


@dataclass
class FakeSlack:
    bot_token: str = BOT_TOKEN
    app_token: str = APP_TOKEN
    signing_secret: str = SIGNING_SECRET
    team_id: str = "T1"
    scopes: frozenset[str] = field(default_factory=manifest_scopes)
    group_members: dict[str, list[str]] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    """Web API method → seconds it takes to answer."""
    errors: dict[str, str] = field(default_factory=dict)
    """Web API method → the error Slack answers it with."""
    rate_limited: dict[str, int] = field(default_factory=dict)
    """Web API method → Retry-After seconds of an HTTP 429."""
    requests: list[Recorded] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    acks: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    ack_deadline: float = ACK_DEADLINE
    connections: int = 0
    acknowledged: int = 0
    """Requests to the bot answered 200, over HTTP."""
    base: str = ""
    member_of: set[str] = field(default_factory=lambda: {"C1"})
    """Channels the bot was added to: it may post only there (and in DMs)."""
    _response_uses: dict[str, list[float]] = field(default_factory=dict)
    _clock_offset: float = 0.0
    _socket: web.WebSocketResponse | None = None
    _socket_ready: asyncio.Event = field(default_factory=asyncio.Event)
    _acked: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sent_at: dict[str, float] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base}/response/{key}"

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"/api/{method}"]

    def now(self) -> float:
        return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        self._clock_offset += seconds

    async def start(self) -> None:
        app = web.Application(client_max_size=1024**3)  # Slack takes files up to 1 GB
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._websocket)
        self._runner, port = await serve_locally(app)
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the Web API -----------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.read()
        form = {**request.query, **_parse(body, request.content_type)}
        self.requests.append(Recorded(f"/api/{method}", form, body))
        if method in self.slow:
            await asyncio.sleep(self.slow[method])
        if method in self.rate_limited:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(self.rate_limited[method])})  # fmt: skip
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or str(form.get("token", ""))
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            return _fail("invalid_auth")
        scope = METHOD_SCOPES.get(method)
        if scope is not None and scope not in self.scopes:
            self.violations.append(f"{method} needs {scope}, which the manifest does not grant")
            return _fail("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))
        if method in self.errors:
            return _fail(self.errors[method])
        return await self._method(method, form)

    async def _method(self, method: str, form: dict[str, Any]) -> web.Response:
        result: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            result |= {"team_id": self.team_id, "user_id": "UBOT", "bot_id": "B1", "url": "https://example.slack.com/"}
        elif method == "apps.connections.open":
            result["url"] = self.base.replace("http://", "ws://") + "/socket"
        elif method == "conversations.open":
            result["channel"] = {"id": "D0MODERATOR"}
        elif method == "usergroups.users.list":
            result["users"] = self.group_members.get(str(form.get("usergroup")), [])
        elif method == "files.getUploadURLExternal":
            result |= {"upload_url": f"{self.base}/upload/F1", "file_id": "F1"}
        elif method == "files.completeUploadExternal":
            result["files"] = [{"id": "F1", "title": "export"}]
        elif method in ("chat.postMessage", "chat.postEphemeral") and not self._may_post(str(form.get("channel"))):
            return _fail("not_in_channel")
        elif method == "views.publish" and not (manifest()["features"].get("app_home") or {}).get("home_tab_enabled"):
            self.violations.append("views.publish with the Home tab not enabled in the manifest")
            return _fail("not_enabled")
        if method in ("chat.postMessage", "chat.postEphemeral", "views.publish"):
            payload = _json_field(form, "view") if method == "views.publish" else form
            blocks = _json_field(payload, "blocks") if method != "views.publish" else payload.get("blocks")
            problems = blocks_problems(blocks, limit=100 if method == "views.publish" else 50)
            if problems:
                self.violations.append(f"{method}: {'; '.join(problems)}")
                return _fail("invalid_blocks", errors=problems)
            if method == "views.publish":
                self.views.append({"user_id": form.get("user_id"), **payload})
            else:
                self.posted.append({"method": method, **form, "blocks": blocks})
                result |= {"channel": form.get("channel"), "ts": f"{time.time():.6f}"}
        return web.json_response(result)

    def _may_post(self, channel: str) -> bool:
        """A channel the bot is in, a DM, or a user id (which posts in the app's DM with that person)."""
        return channel in self.member_of or channel[:1] in ("D", "U", "W")

    async def _response(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        uses = self._response_uses.setdefault(key, [])
        now = self.now()
        if uses and now - uses[0] > 30 * 60:
            self.violations.append(f"response_url {key} used after its 30 minutes")
            return web.Response(status=404, text="expired_url")
        if len(uses) >= 5:
            self.violations.append(f"response_url {key} used more than 5 times")
            return web.Response(status=404, text="used_url")
        uses.append(now)
        payload = await request.json()
        problems = blocks_problems(payload.get("blocks"))
        if problems:
            self.violations.append(f"response_url: {'; '.join(problems)}")
            return web.Response(status=400, text="invalid_blocks")
        self.responses.append(payload)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK")

    # -- Socket Mode -------------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        self.connections += 1
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self._socket_ready.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                envelope = str(ack.get("envelope_id"))
                took = self.now() - self._sent_at.get(envelope, self.now())
                if took > self.ack_deadline:
                    self.violations.append(f"envelope {envelope} acknowledged after {took:.1f} s")
                async with self._acked:
                    self.acks[envelope] = (took, ack)
                    self._acked.notify_all()
        if self._socket is ws:
            self._socket = None
            self._socket_ready.clear()
        return ws

    async def envelope(self, kind: str, payload: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
        """Push an envelope (``slash_commands``, ``interactive``, ``events_api``) and return its ack."""
        await asyncio.wait_for(self._socket_ready.wait(), timeout)
        assert self._socket is not None
        envelope_id = f"env-{next(_envelopes)}"
        self._sent_at[envelope_id] = self.now()
        await self._socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": kind != "events_api"})  # fmt: skip
        async with self._acked:
            await asyncio.wait_for(self._acked.wait_for(lambda: envelope_id in self.acks), timeout)
        return self.acks[envelope_id][1]

    def subscribed(self, event: dict[str, Any]) -> bool:
        """Whether Slack would send this event to the app: subscribed in the manifest, scope granted."""
        name = "message.im" if event.get("type") == "message" and event.get("channel_type") == "im" else event["type"]
        events = ((manifest()["settings"].get("event_subscriptions") or {}).get("bot_events")) or []
        scope = EVENT_SCOPES.get(name)
        if name not in events:
            self.violations.append(f"the manifest does not subscribe to {name}")
            return False
        if scope is not None and scope not in self.scopes:
            self.violations.append(f"{name} needs the {scope} scope, which the manifest does not grant")
            return False
        return True

    async def send_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Deliver an Events API event over Socket Mode; None when Slack would not send it."""
        if not self.subscribed(event):
            return None
        return await self.envelope("events_api", event_callback(event, self.team_id))

    def shortcut_exists(self, callback_id: str) -> bool:
        return any(s.get("callback_id") == callback_id for s in manifest()["features"].get("shortcuts") or [])

    async def send_slash_command(self, text: str, **extra: Any) -> dict[str, Any]:
        return await self.envelope("slash_commands", slash_command_fields(text, **extra))

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it closes a Socket Mode connection; the client must reconnect."""
        await asyncio.wait_for(self._socket_ready.wait(), 10)
        assert self._socket is not None
        socket = self._socket
        self._socket_ready.clear()
        await socket.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})
        await socket.close()

    async def wait_connected(self, count: int = 1, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.connections < count or not self._socket_ready.is_set():
            assert time.monotonic() < deadline, "the app never (re)connected over Socket Mode"
            await asyncio.sleep(0.02)

    # -- HTTP mode: Slack posting to the bot -------------------------------------------------------

    async def post(
        self, session: aiohttp.ClientSession, url: str, body: bytes, *, content_type: str = FORM,
        secret: str | None = None, timestamp: int | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        """Send a signed request as Slack does, timing the acknowledgement against the 3-second rule."""
        headers = {"Content-Type": content_type, **sign(secret or self.signing_secret, body, timestamp)}
        started = time.monotonic()
        async with session.post(url, data=body, headers=headers) as response:
            text = await response.text()
        took = time.monotonic() - started
        if response.status == 200:
            self.acknowledged += 1
        if took > self.ack_deadline:
            self.violations.append(f"HTTP request to the bot acknowledged after {took:.1f} s")
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text


def _fail(error: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, **extra})


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type == "application/json":
        return dict(json.loads(body or b"{}"))
    if content_type == "application/x-www-form-urlencoded":
        return dict(urllib.parse.parse_qsl(body.decode()))
    return {}


def _json_field(form: dict[str, Any], name: str) -> Any:
    value = form.get(name)
    return json.loads(value) if isinstance(value, str) else value


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature: v0= HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


# -- payloads a test sends ------------------------------------------------------------------------------


def slash_command_fields(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": "T1", "team_domain": "example", "channel_id": "C1",
        "channel_name": "general", "user_id": "U1", "user_name": "someone", "command": "/exosome",
        "text": text, "api_app_id": "A1", "response_url": "http://127.0.0.1:9/unused",
        "trigger_id": f"{next(_envelopes)}.{time.time_ns()}",  # unique, as Slack's are
    } | extra  # fmt: skip


def form_body(fields: dict[str, Any]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def block_actions(action: dict[str, Any], *, user: str = "U1", team: str = "T1", response_url: str,
                  ephemeral: bool = True, message: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "type": "block_actions", "team": {"id": team}, "user": {"id": user}, "api_app_id": "A1",
        "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "is_ephemeral": ephemeral, "channel_id": "C1", "message_ts": "1.0"},
        "response_url": response_url, "trigger_id": f"{next(_envelopes)}.{time.time_ns()}",
        "actions": [{"block_id": "b", "action_ts": str(time.time()), **action}],
        **({"message": message} if message else {}),
    }  # fmt: skip


def home_actions(action: dict[str, Any], *, user: str = "U1", team: str = "T1") -> dict[str, Any]:
    """A click in the Home tab: Slack sends the view, and no channel or response_url at all."""
    return {
        "type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": team}, "api_app_id": "A1",
        "container": {"type": "view", "view_id": "V1"}, "trigger_id": f"{next(_envelopes)}.{time.time_ns()}",
        "view": {"id": "V1", "type": "home", "blocks": []},
        "actions": [{"block_id": "b", "action_ts": str(time.time()), **action}],
    }  # fmt: skip


def event_callback(event: dict[str, Any], team: str = "T1") -> dict[str, Any]:
    """The Events API envelope Slack posts (HTTP) or pushes (Socket Mode) around one event."""
    return {
        "token": "legacy", "team_id": team, "api_app_id": "A1", "event": event, "type": "event_callback",
        "event_id": f"Ev{next(_envelopes)}", "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}],
    }  # fmt: skip


def mention_event(text: str, *, user: str = "U1", channel: str = "C1", thread_ts: str | None = None) -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
             "team": "T1"}  # fmt: skip
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def dm_event(text: str, *, user: str = "U1", channel: str = "D1", **extra: Any) -> dict[str, Any]:
    """A message in the app's DM (its Messages tab); extra such as bot_id or subtype as Slack sends them."""
    ts = f"{time.time():.6f}"
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, "team": "T1", **extra}  # fmt: skip


def home_opened_event(user: str = "U1", tab: str = "home") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D1", "tab": tab, "event_ts": f"{time.time():.6f}"}


def message_shortcut(
    text: str, *, response_url: str, user: str = "U1", channel: str = "C1", callback_id: str = "ask_exobot",
    author: str = "U2",
) -> dict[str, Any]:  # fmt: skip
    """ "Ask exobot" chosen from a message's menu: Slack sends the whole message."""
    ts = f"{time.time():.6f}"
    return {
        "type": "message_action", "callback_id": callback_id, "trigger_id": f"{next(_envelopes)}.{time.time_ns()}",
        "team": {"id": "T1", "domain": "example"}, "user": {"id": user, "name": "someone"},
        "channel": {"id": channel, "name": "general"}, "response_url": response_url, "message_ts": ts,
        "message": {"type": "message", "user": author, "text": text, "ts": ts}, "token": "legacy",
    }  # fmt: skip


def interactive_body(payload: dict[str, Any]) -> bytes:
    return form_body({"payload": json.dumps(payload)})
