"""A local stand-in for Slack on 127.0.0.1: the Web API methods the app calls, response_url, Socket Mode.

It speaks Slack's real wire formats so the real slack-bolt and slack_sdk code paths run, and it records
every request for tests to inspect.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from tests.fakes import serve_locally


@dataclass
class Recorded:
    path: str
    form: dict[str, Any]
    body: bytes


@dataclass
class FakeSlack:
    group_members: dict[str, list[str]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    base: str = ""
    _socket: web.WebSocketResponse | None = None
    _socket_ready: asyncio.Event = field(default_factory=asyncio.Event)
    _acked: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base}/response/{key}"

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"/api/{method}"]

    async def start(self) -> None:
        app = web.Application()
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

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.read()
        form = {**request.query, **_parse(body, request.content_type)}
        self.requests.append(Recorded(f"/api/{method}", form, body))
        result: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            result |= {"team_id": "T1", "user_id": "UBOT", "bot_id": "B1", "url": "https://example.slack.com/"}
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
        elif method == "chat.postMessage":
            result |= {"channel": form.get("channel"), "ts": "1.0"}
        return web.json_response(result)

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self._socket_ready.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                async with self._acked:
                    self.socket_acks.append(json.loads(message.data))
                    self._acked.notify_all()
        return ws

    async def send_slash_command(self, text: str, envelope_id: str = "env-1", **extra: Any) -> dict[str, Any]:
        """Push a slash command over Socket Mode and return the app's acknowledgement envelope."""
        await asyncio.wait_for(self._socket_ready.wait(), 10)
        assert self._socket is not None
        payload = slash_command_fields(text, **extra)
        await self._socket.send_json(
            {"envelope_id": envelope_id, "type": "slash_commands", "payload": payload, "accepts_response_payload": True}
        )
        async with self._acked:
            await asyncio.wait_for(
                self._acked.wait_for(lambda: any(a.get("envelope_id") == envelope_id for a in self.socket_acks)), 10
            )
        return next(a for a in self.socket_acks if a.get("envelope_id") == envelope_id)


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type == "application/json":
        return dict(json.loads(body or b"{}"))
    if content_type == "application/x-www-form-urlencoded":
        return dict(urllib.parse.parse_qsl(body.decode()))
    return {}


def slash_command_fields(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": "T1", "team_domain": "example", "channel_id": "C1",
        "channel_name": "general", "user_id": "U1", "user_name": "someone", "command": "/exosome",
        "text": text, "api_app_id": "A1", "response_url": "http://127.0.0.1:9/unused", "trigger_id": "1.2.3",
    } | extra  # fmt: skip


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature: v0= HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def post_signed(
    session: aiohttp.ClientSession, url: str, secret: str, body: bytes, *, timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, Any]:  # fmt: skip
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    async with session.post(url, data=body, headers=headers) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text
