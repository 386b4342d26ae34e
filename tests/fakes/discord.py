"""A local stand-in for Discord's REST API on 127.0.0.1, and builders for raw interaction payloads.

discord.py is pointed at it with ``discord.http.Route.BASE``; interactions are fed in as the gateway
would deliver them (INTERACTION_CREATE), so the real command tree, checks and components run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes import serve_locally

APPLICATION_ID = "1000"
BOT_USER = {"id": APPLICATION_ID, "username": "exobot", "discriminator": "0", "avatar": None, "bot": True,
            "global_name": None}  # fmt: skip
_ids = itertools.count(2000)


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses JSON when the content type is exactly this, without a charset.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


@dataclass
class Callback:
    interaction_id: str
    type: int
    data: dict[str, Any]
    files: dict[str, bytes]


@dataclass
class FakeDiscord:
    lean: bool = False
    """Benchmark mode: acknowledge callbacks without parsing them."""
    base: str = ""
    callbacks: list[Callback] = field(default_factory=list)
    synced: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _waiting: dict[str, asyncio.Future[Callback]] = field(default_factory=dict)
    _by_id: dict[str, Callback] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        app.router.add_put("/api/v10/applications/{app}/commands", self._sync)
        app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self._sync)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        self._runner, port = await serve_locally(app)
        self.base = f"http://127.0.0.1:{port}/api/v10"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _me(self, request: web.Request) -> web.Response:
        return _json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return _json(_application())

    async def _callback(self, request: web.Request) -> web.Response:
        if self.lean:
            # Benchmarks: read but do not parse, so the fake's own work does not depend on what was sent.
            await request.read()
            self._arrive(Callback(request.match_info["id"], 4, {}, {}))
            return _json(_LEAN_REPLY)
        payload, files = await _read(request)
        callback = Callback(request.match_info["id"], int(payload["type"]), payload.get("data") or {}, files)
        self._arrive(callback)
        flags = int((payload.get("data") or {}).get("flags") or 0)
        return _json(
            {
                "interaction": {
                    "id": callback.interaction_id, "type": 2, "response_message_id": str(next(_ids)),
                    "response_message_loading": False, "response_message_ephemeral": bool(flags & 64),
                },
                "resource": {"type": callback.type},
            }
        )  # fmt: skip

    async def _followup(self, request: web.Request) -> web.Response:
        payload, files = await _read(request)
        self._arrive(Callback("followup", 4, payload, files))
        return _json(_message(payload))

    async def _sync(self, request: web.Request) -> web.Response:
        commands = await request.json()
        key = request.match_info.get("guild", "global")
        self.synced[key] = commands
        return _json([{**c, "id": str(next(_ids)), "application_id": APPLICATION_ID, "version": "1"} for c in commands])

    def _arrive(self, callback: Callback) -> None:
        self.callbacks.append(callback)
        self._by_id.setdefault(callback.interaction_id, callback)
        waiter = self._waiting.pop(callback.interaction_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(callback)

    async def callback_for(self, interaction_id: str, timeout: float = 10) -> Callback:
        """The response the bot sent to one interaction, waiting for it if it has not come yet."""
        if interaction_id in self._by_id:
            return self._by_id[interaction_id]
        waiter = self._waiting.setdefault(interaction_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(waiter, timeout)


_LEAN_REPLY = {
    "interaction": {"id": "1", "type": 2, "response_message_id": "1", "response_message_loading": False,
                    "response_message_ephemeral": False},
    "resource": {"type": 4},
}  # fmt: skip


async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files[part.filename or part.name or "file"] = await part.read()
        return payload, files
    return await request.json(), {}


def _application() -> dict[str, Any]:
    return {
        "id": APPLICATION_ID, "name": "exobot", "icon": None, "description": "", "bot_public": True,
        "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "owner": BOT_USER, "team": None,
    }  # fmt: skip


def _message(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(next(_ids)), "channel_id": "400", "author": BOT_USER, "content": payload.get("content") or "",
        "timestamp": "2026-11-25T00:00:00+00:00", "edited_timestamp": None, "tts": False,
        "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": payload.get("embeds") or [], "pinned": False, "type": 0, "flags": payload.get("flags", 0),
    }  # fmt: skip


def member(user_id: str = "500", permissions: int = 0) -> dict[str, Any]:
    return {
        "user": {"id": user_id, "username": f"user{user_id}", "discriminator": "0", "avatar": None,
                 "global_name": None},
        "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
        "permissions": str(permissions), "flags": 0,
    }  # fmt: skip


def interaction(
    kind: int, data: dict[str, Any], *, user_id: str = "500", permissions: int = 0, guild: bool = True,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An INTERACTION_CREATE payload: kind 2 command, 3 component, 4 autocomplete."""
    payload: dict[str, Any] = {
        "id": str(next(_ids)), "application_id": APPLICATION_ID, "type": kind, "token": f"tok{next(_ids)}",
        "version": 1, "locale": "en-US", "attachment_size_limit": 10_485_760,
        "app_permissions": str((1 << 50) - 1), "entitlements": [],
        "authorizing_integration_owners": {}, "data": data,
        "channel_id": "400",
        "channel": {"id": "400", "type": 0 if guild else 1, "name": "general", "position": 0,
                    "permission_overwrites": [], "nsfw": False, "parent_id": None,
                    **({"guild_id": "300"} if guild else {})},
    }  # fmt: skip
    if guild:
        payload |= {"guild_id": "300", "guild_locale": "en-US", "member": member(user_id, permissions), "context": 0}
    else:
        payload |= {"user": member(user_id)["user"], "context": 1}
    if message is not None:
        payload["message"] = message
    return payload


def command(group: str, sub: str, options: dict[str, Any] | None = None, *, focused: str | None = None,
            **kw: Any) -> dict[str, Any]:  # fmt: skip
    """A slash command (or, with focused, an autocomplete request) for ``/group sub option:value…``."""
    opts = []
    for name, value in (options or {}).items():
        kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
        opts.append({"name": name, "type": kind, "value": value, **({"focused": True} if name == focused else {})})
    data = {"id": "900", "name": group, "type": 1, "options": [{"name": sub, "type": 1, "options": opts}]}
    return interaction(4 if focused else 2, data, **kw)


def component(custom_id: str, *, values: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    """A button press (or, with values, a select choice) on a message the bot sent earlier."""
    kind = 3 if values is not None else 2
    element: dict[str, Any] = {"type": kind, "custom_id": custom_id}
    if kind == 2:
        element |= {"style": 2, "label": "More"}
    else:
        element |= {"options": [{"label": v, "value": v} for v in values or []]}
    message = _message({"content": ""}) | {"components": [{"type": 1, "components": [element]}]}
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
    if values is not None:
        data["values"] = values
    return interaction(3, data, message=message, **kw)
