"""One-time sign-in links to the review pages, minted where a moderator asked (chat) or by the operator
(a terminal), and redeemed by whichever process serves the pages.

A link carries its scope, signed: nothing needs to be stored when it is minted, so a link asked for
in one process opens the pages served by another, as long as both share the log key (which instances
sharing a log must anyway). Only redeeming needs memory: the server remembers the links it has used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from core.questionlog.store import Scope

LINK_SECONDS = 600
"""How long a sign-in link works: long enough to switch to a browser, short enough that a link
left in a chat history is useless."""
_SALT = "exobot-review-signin"
ASK_AGAIN = "Ask for a new one with /exosome mod web (Slack) or /exosome-mod web (Discord)."
"""What every refused link's page ends with."""


class LinkRefused(Exception):
    """A sign-in link that opens nothing, with the reason to show on the page."""

    def __init__(self, reason: str, title: str) -> None:
        self.reason = reason
        self.title = title
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid link grants: a scope, who it was given to (a pseudonym), and its one-time nonce."""

    scope: Scope
    reviewer: str
    nonce: str
    issued_at: float

    @property
    def expires_at(self) -> float:
        return self.issued_at + LINK_SECONDS


def signing_key(log_key: bytes, purpose: str) -> bytes:
    """A key for one purpose derived from the log key, so a leaked cookie key cannot forge pseudonyms."""
    return hmac.new(log_key, f"exobot {purpose}".encode(), hashlib.sha256).digest()


class SignInLinks:
    """Mints and checks sign-in links under ``base_url``."""

    def __init__(self, log_key: bytes, base_url: str, clock: Callable[[], float] = time.time) -> None:
        self._log_key = log_key
        self._serializer = URLSafeSerializer(signing_key(log_key, "review sign-in"), salt=_SALT)
        self.base_url = base_url.rstrip("/")
        self._clock = clock

    def key_for(self, purpose: str) -> bytes:
        """A key for another part of signing in (the session cookie), from the same log key."""
        return signing_key(self._log_key, purpose)

    def mint(self, scope: Scope, reviewer: str) -> str:
        """A link for scope, valid for ``LINK_SECONDS`` and for one sign-in."""
        payload = {
            "p": scope.platform, "w": scope.workspace, "o": scope.operator, "r": reviewer,
            "n": secrets.token_urlsafe(16), "t": int(self._clock()),
        }  # fmt: skip
        return f"{self.base_url}/signin/{self._serializer.dumps(payload)}"

    def check(self, token: str) -> Grant:
        """The grant a token carries; raises LinkRefused when it is forged, damaged or expired."""
        try:
            payload: Any = self._serializer.loads(token)
            scope = Scope(payload["p"], payload["w"], operator=bool(payload["o"]))
            grant = Grant(scope, str(payload["r"]), str(payload["n"]), float(payload["t"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            raise LinkRefused(
                f"This sign-in link is not valid. It may have been copied incompletely. {ASK_AGAIN}",
                "This link is not valid",
            ) from None
        if self._clock() > grant.expires_at:
            raise LinkRefused(
                f"Sign-in links work for {LINK_SECONDS // 60} minutes, and this one has expired. {ASK_AGAIN}",
                "This link has expired",
            )
        return grant
