"""A local stand-in for Discord on 127.0.0.1: the REST API and the gateway, as strict as the real ones.

discord.py connects to it unchanged (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` point
here, which ``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL`` set): it identifies on a real
websocket, receives READY, GUILD_CREATE and then the events a test dispatches (INTERACTION_CREATE,
MESSAGE_CREATE, THREAD_CREATE), and answers over REST. The fake enforces what Discord enforces and
records every rule the bot breaks in ``violations``:

- the first response to an interaction within 3 s (later: 10062 Unknown interaction), only one
  (a second: 40060), follow-ups only while the token lives (15 minutes: 50027);
- message, embed and component limits, attachments within the interaction's attachment_size_limit;
- command payloads at sync against Discord's rules (``tests.fakes.discord_rules``);
- permissions: the bot may only post where the permissions its invite granted, after the channel's
  overwrites, allow it (50013 Missing Permissions); privileged intents need enabling (close 4014);
- a wrong token is refused (401, and close 4004 on the gateway).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes import serve_locally
from tests.fakes.discord_rules import command_problems, message_problems

APPLICATION_ID = "1000"
TOKEN = "fake-discord-token-" + "x" * 40
BOT_USER = {"id": APPLICATION_ID, "username": "exobot", "discriminator": "0", "avatar": None, "bot": True,
            "global_name": None}  # fmt: skip
GUILD = "300"
OTHER_GUILD = "301"
GENERAL = "400"
PRIVATE = "401"
FORUM = "402"
OTHER_GENERAL = "410"

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MANAGE_MESSAGES = 1 << 13
SEND_IN_THREADS = 1 << 38
USE_APPLICATION_COMMANDS = 1 << 31
EVERYONE_DEFAULT = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | SEND_IN_THREADS | USE_APPLICATION_COMMANDS
PRIVILEGED_INTENTS = {1 << 1: "GUILD_MEMBERS", 1 << 8: "GUILD_PRESENCES", 1 << 15: "MESSAGE_CONTENT"}
GUILDS_INTENT = 1 << 0
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12
MESSAGE_CONTENT_INTENT = 1 << 15
DM = "450"

_ids = itertools.count(2000)


def snowflake() -> str:
    return str(next(_ids))


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses JSON when the content type is exactly this, without a charset.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str, errors: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = {"_errors": [{"code": "BASE_TYPE_INVALID", "message": e} for e in errors]}
    return _json(body, status)


@dataclass
class Callback:
    interaction_id: str
    type: int
    data: dict[str, Any]
    files: dict[str, bytes]
    at: float = 0.0


@dataclass
class Posted:
    """A message the bot posted in a channel (not an interaction response)."""

    channel_id: str
    data: dict[str, Any]
    files: dict[str, bytes]


@dataclass
class _Interaction:
    token: str
    created: float
    size_limit: int
    responded: bool = False


@dataclass
class Channel:
    id: str
    guild_id: str
    name: str
    type: int = 0
    """0 text, 1 DM, 11 public thread, 12 private thread, 15 forum."""
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    parent_id: str | None = None
    owner_id: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "type": self.type, "name": self.name, "guild_id": self.guild_id, "position": 0,
            "permission_overwrites": self.overwrites, "nsfw": False, "parent_id": self.parent_id,
            "flags": 0, "rate_limit_per_user": 0, "topic": None, "last_message_id": None,
        }  # fmt: skip
        if self.type in (11, 12):
            data |= {
                "owner_id": self.owner_id or "500", "message_count": 0, "member_count": 1, "total_message_sent": 0,
                "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "locked": False,
                                    "archive_timestamp": "2026-11-25T00:00:00+00:00"},
            }  # fmt: skip
        if self.type == 15:
            data |= {"available_tags": [], "default_reaction_emoji": None, "default_sort_order": None,
                     "default_forum_layout": 0}  # fmt: skip
        return data


def _hidden_from_everyone(guild_id: str) -> list[dict[str, Any]]:
    return [{"id": guild_id, "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}]


@dataclass
class FakeDiscord:
    token: str = TOKEN
    granted: int = SEND_MESSAGES | SEND_IN_THREADS | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
    """What the invite granted the bot's role: the permissions it has (with @everyone's), before overwrites."""
    bot_in_guild: bool = True
    """False: the app is only installed to users' accounts, so it has no member in the server."""
    privileged_intents: int = 0
    """Privileged intents switched on in the Developer Portal (none, by default)."""
    deadline: float = 3.0
    followup_lifetime: float = 15 * 60
    attachment_size_limit: int = 10 * 1024 * 1024
    base: str = ""
    gateway_url: str = ""
    callbacks: list[Callback] = field(default_factory=list)
    """First responses to interactions."""
    followups: list[Callback] = field(default_factory=list)
    """Follow-ups, and edits of an original response, after a deferral."""
    refused: list[Callback] = field(default_factory=list)
    """First responses the fake refused (too late, or breaking a limit)."""
    posted: list[Posted] = field(default_factory=list)
    synced: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    identify: dict[str, Any] | None = None
    connections: int = 0
    channels: dict[str, Channel] = field(default_factory=dict)
    _clock_offset: float = 0.0
    _interactions: dict[str, _Interaction] = field(default_factory=dict)
    _waiting: dict[str, list[asyncio.Future[Callback]]] = field(default_factory=dict)
    _ws: web.WebSocketResponse | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _seq: int = 0
    _runner: web.AppRunner | None = None

    def __post_init__(self) -> None:
        for channel in (
            Channel(GENERAL, GUILD, "general"),
            Channel(PRIVATE, GUILD, "mods-only", overwrites=_hidden_from_everyone(GUILD)),
            Channel(FORUM, GUILD, "help", type=15),
            Channel(OTHER_GENERAL, OTHER_GUILD, "general"),
            Channel(DM, "", "dm", type=1),
        ):
            self.channels[channel.id] = channel

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_info)
        app.router.add_get(f"{api}/gateway", self._gateway_info)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_patch(f"{api}/webhooks/{{app}}/{{token}}/messages/{{message}}", self._edit_original)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._sync)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._post_message)
        self._runner, port = await serve_locally(app)
        self.base = f"http://127.0.0.1:{port}{api}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def now(self) -> float:
        return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on, as if that much time had passed (for the 15-minute token)."""
        self._clock_offset += seconds

    def _violation(self, rule: str) -> None:
        self.violations.append(rule)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    # -- REST ----------------------------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 0, "401: Unauthorized")
        return _json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return _json({
            "id": APPLICATION_ID, "name": "exobot", "icon": None, "description": "", "bot_public": False,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "owner": BOT_USER, "team": None,
        })  # fmt: skip

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url, "shards": 1,
                      "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                              "max_concurrency": 1}})  # fmt: skip

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self._interactions.get(request.match_info["id"])
        payload, files = await _read(request)
        callback = Callback(request.match_info["id"], int(payload.get("type", 0)), payload.get("data") or {}, files,
                            self.now())  # fmt: skip
        if interaction is None or interaction.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        if self.now() - interaction.created > self.deadline:
            self._violation(f"first response to interaction {callback.interaction_id} after {self.deadline:g} s")
            return self._refused(callback, _error(404, 10062, "Unknown interaction"))
        if interaction.responded:
            self._violation(f"second initial response to interaction {callback.interaction_id}")
            return _error(400, 40060, "Interaction has already been acknowledged.")
        problems = message_problems(callback.data, files, interaction.size_limit) if callback.type in (4, 7) else []
        if problems:
            return self._refused(callback, self._refuse(problems, files, interaction.size_limit))
        interaction.responded = True
        self._arrive(callback)
        flags = int(callback.data.get("flags") or 0)
        return _json({
            "interaction": {"id": callback.interaction_id, "type": 2, "response_message_id": snowflake(),
                            "response_message_loading": callback.type == 5,
                            "response_message_ephemeral": bool(flags & 64)},
            "resource": {"type": callback.type},
        })  # fmt: skip

    def _refused(self, callback: Callback, response: web.Response) -> web.Response:
        """Refuse a first response, and tell whoever waits for it: as type 0, with the error."""
        self.refused.append(callback)
        for waiter in self._waiting.pop(callback.interaction_id, []):
            if not waiter.done():
                waiter.set_result(dataclasses.replace(callback, type=0, data={"refused": response.status}))
        return response

    def _refuse(self, problems: list[str], files: dict[str, bytes], size_limit: int | None) -> web.Response:
        self._violation("; ".join(problems))
        if size_limit is not None and sum(len(f) for f in files.values()) > size_limit:
            return _error(413, 40005, "Request entity too large")
        return _error(400, 50035, "Invalid Form Body", problems)

    async def _followup(self, request: web.Request) -> web.Response:
        return await self._after_response(request, 4)

    async def _edit_original(self, request: web.Request) -> web.Response:
        return await self._after_response(request, 7)

    async def _after_response(self, request: web.Request, kind: int) -> web.Response:
        """A follow-up (kind 4) or an edit of the original response (kind 7), by the interaction's token."""
        interaction = self._by_token(request.match_info["token"])
        payload, files = await _read(request)
        if interaction is None or not interaction.responded:
            self._violation("a follow-up to an interaction that was never acknowledged")
            return _error(404, 10015, "Unknown Webhook")
        if self.now() - interaction.created > self.followup_lifetime:
            self._violation("a follow-up after the interaction token's 15 minutes")
            return _error(401, 50027, "Invalid Webhook Token")
        problems = message_problems(payload, files, interaction.size_limit)
        if problems:
            return self._refuse(problems, files, interaction.size_limit)
        key = next(k for k, v in self._interactions.items() if v is interaction)
        self._arrive(Callback(key, kind, payload, files, self.now()), followup=True)
        return _json(_message(payload, author=BOT_USER))

    async def _sync(self, request: web.Request) -> web.Response:
        commands = await request.json()
        problems = [p for c in commands for p in command_problems(c)]
        if problems:
            self._violation("; ".join(problems))
            return _error(400, 50035, "Invalid Form Body", problems)
        key = request.match_info.get("guild", "global")
        self.synced[key] = commands
        # Discord answers with each command as stored: a context-menu command's description is "".
        stored = [{"description": "", **c, "id": snowflake(), "application_id": APPLICATION_ID, "version": "1"}
                  for c in commands]  # fmt: skip
        return _json(stored)

    async def _post_message(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        payload, files = await _read(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel.type != 1 and not self.bot_in_guild:
            self._violation(f"posted in #{channel.name} of a server the bot is not a member of")
            return _error(403, 50001, "Missing Access")
        needed = VIEW_CHANNEL | (SEND_IN_THREADS if channel.type in (11, 12) else SEND_MESSAGES)
        if payload.get("embeds"):
            needed |= EMBED_LINKS
        if files:
            needed |= ATTACH_FILES
        if payload.get("message_reference"):
            needed |= READ_MESSAGE_HISTORY
        missing = needed & ~self.permissions_in(channel)
        if missing:
            self._violation(f"posted in #{channel.name} without permission bits {missing}")
            return _error(403, 50013, "Missing Permissions")
        problems = message_problems(payload, files, self.attachment_size_limit)
        if problems:
            return self._refuse(problems, files, self.attachment_size_limit)
        self.posted.append(Posted(channel.id, payload, files))
        return _json(_message(payload, author=BOT_USER, channel_id=channel.id))

    def permissions_in(self, channel: Channel) -> int:
        """The bot's permissions in a channel: what its invite granted, after the channel's overwrites
        for @everyone (Discord's order: @everyone, then roles, then the member)."""
        if channel.type == 1:  # a DM: no roles, no overwrites
            return VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
        base = EVERYONE_DEFAULT | self.granted
        target = self.channels.get(channel.parent_id or "", channel) if channel.type in (11, 12) else channel
        for overwrite in target.overwrites:
            if overwrite["id"] == target.guild_id:
                base &= ~int(overwrite["deny"])
                base |= int(overwrite["allow"])
        return base

    # -- the gateway -------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if data["op"] == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif data["op"] == 2:
                await self._identified(ws, data["d"])
            elif data["op"] == 6:
                self._ws = ws
                await self._send(ws, "RESUMED", {})
        if self._ws is ws:
            self._ws = None
            self._ready.clear()
        return ws

    async def _identified(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        if identify.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(identify.get("intents") or 0)
        refused = [
            name for bit, name in PRIVILEGED_INTENTS.items() if intents & bit and not self.privileged_intents & bit
        ]
        if refused:
            self._violation(f"identified with privileged intents not enabled: {', '.join(refused)}")
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identify, self._ws = identify, ws
        self.connections += 1
        await self._send(ws, "READY", {
            "v": 10, "user": BOT_USER, "guilds": [{"id": g, "unavailable": True} for g in (GUILD, OTHER_GUILD)],
            "session_id": f"session-{self.connections}", "resume_gateway_url": self.gateway_url,
            "shard": identify.get("shard") or [0, 1], "application": {"id": APPLICATION_ID, "flags": 0},
        })  # fmt: skip
        if intents & GUILDS_INTENT:
            for guild in (GUILD, OTHER_GUILD):
                await self._send(ws, "GUILD_CREATE", self.guild_payload(guild))
        self._ready.set()

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def wait_connected(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.wait_connected()
        assert self._ws is not None
        await self._send(self._ws, event, data)

    async def drop_connection(self) -> None:
        """Close the gateway as Discord does before a resume (code 4000: unknown error, reconnect)."""
        if self._ws is not None:
            await self._ws.close(code=4000, message=b"Unknown error")

    async def message_created(self, message: dict[str, Any]) -> bool:
        """Deliver a MESSAGE_CREATE as Discord would to this bot; False when Discord would not send it.

        Only with the GUILD_MESSAGES or DIRECT_MESSAGES intent; and without MESSAGE_CONTENT (privileged),
        the text of a server message that does not mention the bot arrives empty, as Discord blanks it."""
        intents = int((self.identify or {}).get("intents") or 0)
        in_dm = "guild_id" not in message
        if not intents & (DIRECT_MESSAGES_INTENT if in_dm else GUILD_MESSAGES_INTENT):
            return False
        readable = (
            in_dm
            or intents & MESSAGE_CONTENT_INTENT
            or message["author"]["id"] == APPLICATION_ID
            or any(m["id"] == APPLICATION_ID for m in message.get("mentions") or [])
        )
        if not readable:
            message = message | {"content": "", "embeds": [], "attachments": [], "components": []}
        await self.dispatch("MESSAGE_CREATE", message)
        return True

    async def thread_created(self, name: str, *, parent: str = FORUM, owner: str = "500", opening: str = "") -> str:
        """A member opens a thread (a forum post) in parent: THREAD_CREATE, then its opening message."""
        parent_channel = self.channels[parent]
        thread = Channel(snowflake(), parent_channel.guild_id, name, type=11, parent_id=parent, owner_id=owner)
        self.channels[thread.id] = thread
        await self.dispatch("THREAD_CREATE", thread.payload() | {"newly_created": True})
        await self.message_created(
            channel_message(opening or name, author=owner, channel=thread.id, guild=thread.guild_id, id=thread.id)
        )
        return thread.id

    def replies_in(self, channel_id: str) -> list[Posted]:
        return [p for p in self.posted if p.channel_id == channel_id]

    def in_guild(self, guild_id: str) -> list[Channel]:
        return [c for c in self.channels.values() if c.guild_id == guild_id]

    def guild_payload(self, guild_id: str) -> dict[str, Any]:
        return {
            "id": guild_id, "name": f"server {guild_id}", "icon": None, "owner_id": "1", "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "features": [], "mfa_level": 0, "system_channel_flags": 0, "premium_tier": 0, "nsfw_level": 0,
            "preferred_locale": "en-US", "unavailable": False, "member_count": 2, "large": False,
            "joined_at": "2026-11-01T00:00:00+00:00", "emojis": [], "stickers": [],
            "roles": [{"id": guild_id, "name": "@everyone", "permissions": str(EVERYONE_DEFAULT), "position": 0,
                       "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [c.payload() for c in self.in_guild(guild_id) if c.type not in (11, 12)],
            "threads": [c.payload() for c in self.in_guild(guild_id) if c.type in (11, 12)],
            "members": [{"user": BOT_USER, "roles": [], "joined_at": "2026-11-01T00:00:00+00:00", "deaf": False,
                         "mute": False, "flags": 0}],
            "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        }  # fmt: skip

    # -- interactions --------------------------------------------------------------------------------

    async def interact(self, payload: dict[str, Any], timeout: float = 10) -> Callback:
        """Deliver an interaction over the gateway; the bot's first response to it."""
        self._interactions[payload["id"]] = _Interaction(
            payload["token"], self.now(), int(payload.get("attachment_size_limit", self.attachment_size_limit))
        )
        waiter = self._waiter(payload["id"])
        await self.dispatch("INTERACTION_CREATE", payload)
        return await asyncio.wait_for(waiter, timeout)

    async def followup_for(self, interaction_id: str, timeout: float = 10) -> Callback:
        """The next follow-up (or edit of the original response) to an interaction."""
        known = [c for c in self.followups if c.interaction_id == interaction_id]
        if known:
            return known[0]
        waiter = self._waiter(interaction_id, followup=True)
        return await asyncio.wait_for(waiter, timeout)

    def _waiter(self, interaction_id: str, followup: bool = False) -> asyncio.Future[Callback]:
        future: asyncio.Future[Callback] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(("f:" if followup else "") + interaction_id, []).append(future)
        return future

    def _arrive(self, callback: Callback, followup: bool = False) -> None:
        (self.followups if followup else self.callbacks).append(callback)
        key = ("f:" if followup else "") + callback.interaction_id
        for waiter in self._waiting.pop(key, []):
            if not waiter.done():
                waiter.set_result(callback)

    def _by_token(self, token: str) -> _Interaction | None:
        return next((i for i in self._interactions.values() if i.token == token), None)


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
    body = await request.read()
    return (json.loads(body) if body else {}), {}


def _message(payload: dict[str, Any], *, author: dict[str, Any], channel_id: str = GENERAL) -> dict[str, Any]:
    return {
        "id": snowflake(), "channel_id": channel_id, "author": author, "content": payload.get("content") or "",
        "timestamp": "2026-11-25T00:00:00+00:00", "edited_timestamp": None, "tts": False,
        "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": payload.get("embeds") or [], "pinned": False, "type": 0, "flags": payload.get("flags", 0),
        "components": payload.get("components") or [],
    }  # fmt: skip


# -- payloads a test sends ------------------------------------------------------------------------------


def user(user_id: str = "500", *, bot: bool = False) -> dict[str, Any]:
    return {"id": user_id, "username": f"user{user_id}", "discriminator": "0", "avatar": None, "global_name": None,
            **({"bot": True} if bot else {})}  # fmt: skip


def member(user_id: str = "500", permissions: int = EVERYONE_DEFAULT) -> dict[str, Any]:
    return {
        "user": user(user_id), "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
        "permissions": str(permissions), "flags": 0,
    }  # fmt: skip


def interaction(
    fake: FakeDiscord, kind: int, data: dict[str, Any], *, user_id: str = "500", permissions: int = EVERYONE_DEFAULT,
    guild: str | None = GUILD, channel: str = GENERAL, message: dict[str, Any] | None = None,
    user_install: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """An INTERACTION_CREATE payload as Discord sends it: kind 2 command, 3 component, 4 autocomplete.

    app_permissions are what the bot really has in that channel (only what its invite granted);
    authorizing_integration_owners and context say which install and where."""
    payload: dict[str, Any] = {
        "id": snowflake(), "application_id": APPLICATION_ID, "type": kind, "token": f"tok{snowflake()}",
        "version": 1, "locale": "en-US", "attachment_size_limit": fake.attachment_size_limit,
        "entitlements": [], "data": data,
    }  # fmt: skip
    if guild is not None:
        target = fake.channels[channel]
        payload |= {
            "guild_id": guild, "guild": {"id": guild, "locale": "en-US", "features": []}, "guild_locale": "en-US",
            "member": member(user_id, permissions), "context": 0, "channel_id": target.id, "channel": target.payload(),
            # An app with no member in the server may only do what an interaction response can.
            "app_permissions": str(
                fake.permissions_in(target) if fake.bot_in_guild else EMBED_LINKS | ATTACH_FILES
            ),
            "authorizing_integration_owners": {"1": user_id} if user_install else {"0": guild},
        }  # fmt: skip
    else:
        dm = "450"
        payload |= {
            "user": user(user_id), "context": 1, "channel_id": dm,
            "channel": {"id": dm, "type": 1, "recipients": [user(user_id)], "last_message_id": None, "flags": 0},
            "app_permissions": str(VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY),
            "authorizing_integration_owners": {"1": user_id} if user_install else {"0": "0"},
        }  # fmt: skip
    if message is not None:
        payload["message"] = message
    return payload


def command(
    fake: FakeDiscord, group: str, sub: str, options: dict[str, Any] | None = None, *,
    focused: str | None = None, channels: dict[str, str] | None = None, **kw: Any,
) -> dict[str, Any]:  # fmt: skip
    """A slash command (or, with focused, an autocomplete request) for ``/group sub option:value…``;
    channels are channel options (name → channel id), which Discord sends resolved."""
    opts = []
    for name, value in (options or {}).items():
        kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
        opts.append({"name": name, "type": kind, "value": value, **({"focused": True} if name == focused else {})})
    resolved: dict[str, Any] = {}
    for name, channel_id in (channels or {}).items():
        opts.append({"name": name, "type": 7, "value": channel_id})
        target = fake.channels[channel_id]
        resolved.setdefault("channels", {})[channel_id] = {
            "id": target.id, "name": target.name, "type": target.type, "guild_id": target.guild_id,
            "permissions": str(fake.permissions_in(target)), "parent_id": target.parent_id, "flags": 0,
        }  # fmt: skip
    data: dict[str, Any] = {"id": "900", "name": group, "type": 1,
                            "options": [{"name": sub, "type": 1, "options": opts}]}  # fmt: skip
    if resolved:
        data["resolved"] = resolved
    return interaction(fake, 4 if focused else 2, data, **kw)


def channel_message(
    content: str, *, author: str = "500", channel: str = GENERAL, guild: str | None = GUILD, bot: bool = False,
    mentions_bot: bool = False, id: str | None = None, type: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """A MESSAGE_CREATE payload: a person (or, with bot, another bot) posting in a channel or a DM."""
    author_data = BOT_USER if author == APPLICATION_ID else user(author, bot=bot)
    message = _message({"content": content}, author=author_data, channel_id=channel if guild else DM)
    message |= {"id": id or message["id"], "type": type, "mentions": [BOT_USER] if mentions_bot else []}
    if guild is not None:
        message |= {"guild_id": guild, "member": {k: v for k, v in member(author).items() if k != "user"}}
    return message


def message_command(fake: FakeDiscord, target: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """ "Ask exobot" chosen on target: Discord sends the message, content included, in ``resolved``."""
    data = {"id": "901", "name": "Ask exobot", "type": 3, "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}}}  # fmt: skip
    return interaction(fake, 2, data, **kw)


def sent_by_interaction(asker: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """A message the bot sent in answer to asker's command: Discord records who that was."""
    metadata = {"id": snowflake(), "type": 2, "user": user(asker), "authorizing_integration_owners": {"0": GUILD}}
    return _message(payload or {}, author=BOT_USER) | {
        "interaction_metadata": metadata,
        "application_id": APPLICATION_ID,
    }


def component(fake: FakeDiscord, custom_id: str, *, values: list[str] | None = None, asker: str = "500",
              message: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:  # fmt: skip
    """A button press (or, with values, a select choice) on a message the bot sent to asker earlier."""
    kind = 3 if values is not None else 2
    element: dict[str, Any] = {"type": kind, "custom_id": custom_id}
    element |= (
        {"style": 2, "label": "More"} if kind == 2 else {"options": [{"label": v, "value": v} for v in values or []]}
    )
    message = (message or sent_by_interaction(asker)) | {"components": [{"type": 1, "components": [element]}]}
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
    if values is not None:
        data["values"] = values
    return interaction(fake, 3, data, message=message, **kw)
