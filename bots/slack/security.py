"""Slack request signatures, checked before Bolt sees a request, with replays refused.

Bolt's own check logs the whole body of every request that fails it (user id and name, the question,
the response_url) and has no memory, so a validly signed request sent twice inside Slack's 5-minute
window would be answered and logged twice. This check keeps the signatures of that window (bounded),
refuses a repeat, and logs refusals as one rate-limited warning with a count and nothing from the
request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from core.text import plural

log = logging.getLogger(__name__)

WINDOW = 300.0
"""Slack's rule: a request more than five minutes from our clock is stale."""


class RequestVerifier:
    def __init__(
        self, signing_secret: str, *, clock: Callable[[], float] = time.time, max_remembered: int = 200_000,
        warn_every: float = 60.0,
    ) -> None:  # fmt: skip
        self._verifier = SignatureVerifier(signing_secret)
        self._clock = clock
        # Signatures seen, by the second they were signed for: a replay carries the same timestamp, and a
        # whole second is forgotten at once when it leaves the window. 16 bytes of each HMAC suffice.
        self._seen: dict[int, set[bytes]] = {}
        self._remembered = 0
        self._forgot_at = 0
        self._max = max_remembered
        self._warn_every = warn_every
        self._refused = 0
        self._warned_at = float("-inf")

    def problem(self, body: bytes, timestamp: str | None, signature: str | None) -> str | None:
        """Why the request must be refused, or None when it is genuine and new."""
        now = self._clock()
        if not timestamp or not signature or not timestamp.isdigit():
            return "unsigned"
        if abs(now - int(timestamp)) > WINDOW:
            return "stale"
        if not self._verifier.is_valid(body, timestamp, signature):
            return "bad signature"
        self._forget(now)
        digest = bytes.fromhex(signature.removeprefix("v0=")[:32])
        second = self._seen.setdefault(int(timestamp), set())
        if digest in second:
            return "replayed"
        if self._remembered < self._max:  # beyond this, a flood: answering goes on unremembered
            second.add(digest)
            self._remembered += 1
        return None

    def _forget(self, now: float) -> None:
        """Drop the seconds that left the window: requests signed then are refused as stale anyway."""
        if int(now) == self._forgot_at:
            return
        self._forgot_at = int(now)
        for second in [s for s in self._seen if now - s > WINDOW + 1]:
            self._remembered -= len(self._seen.pop(second))

    def refused(self, reason: str) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._warned_at >= self._warn_every:
            log.warning(
                "refused %s that were unsigned, stale, badly signed or replayed (latest: %s)",
                plural(self._refused, "Slack request"), reason,
            )  # fmt: skip
            self._refused, self._warned_at = 0, now

    def middleware(self, path: str) -> Callable[..., Awaitable[web.StreamResponse]]:
        @web.middleware
        async def verify(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            if request.path != path or request.method != "POST":
                return await handler(request)
            body = await request.read()
            reason = self.problem(
                body, request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")
            )
            if reason is not None:
                self.refused(reason)
                return web.json_response({"error": "invalid request"}, status=401)
            return await handler(request)

        return verify
