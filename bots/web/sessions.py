"""Review sessions: opened by a one-time link, kept in the log's database, named by a signed cookie.

The cookie holds only a session id, signed with a key derived from the log key (as links are); the database holds
a hash of that id and what the session may see. So every instance serving the pages knows every
session, "Sign out" ends a session for good (a copied cookie stops working too), a restart signs
nobody out, and a used link stays used, wherever it was used, until it would have expired anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from core.questionlog.store import QuestionStore, Scope
from core.signin import ASK_AGAIN, Grant, LinkRefused

SESSION_SECONDS = 8 * 3600
"""A working day: long enough to go through a queue, short enough that a forgotten browser signs out."""
COOKIE = "exobot_review"


def _used() -> LinkRefused:
    return LinkRefused(
        f"This sign-in link has been used already: each link signs in once. {ASK_AGAIN}",
        "This link has been used",
    )


@dataclass(frozen=True, slots=True)
class Session:
    scope: Scope
    reviewer: str
    csrf: str
    """Every form carries this; a form posted from another site cannot know it."""
    expires_at: float

    def valid_form(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf)


class Sessions:
    def __init__(self, cookie_key: bytes, clock: Callable[[], float] = time.time) -> None:
        """cookie_key must be the same on every instance serving the pages (``SignInLinks.key_for``)."""
        self._cookies = URLSafeSerializer(cookie_key, salt="exobot-review-session")
        self._clock = clock

    async def refuse_used(self, store: QuestionStore, grant: Grant) -> None:
        """Raise LinkRefused if grant's link has signed someone in already."""
        if await store.link_used(grant.nonce):
            raise _used()

    async def open(self, store: QuestionStore, grant: Grant) -> tuple[str, Session]:
        """Use up a link and open its session; the cookie value to set. Raises LinkRefused if used."""
        now = self._clock()
        if not await store.use_link(grant.nonce, grant.expires_at, now):
            raise _used()
        session_id = secrets.token_urlsafe(32)
        session = Session(grant.scope, grant.reviewer, secrets.token_urlsafe(32), now + SESSION_SECONDS)
        await store.open_session(_hash(session_id), session.scope, session.reviewer, session.csrf,
                                 session.expires_at, now)  # fmt: skip
        return self._cookies.dumps(session_id), session

    async def find(self, store: QuestionStore, cookie: str | None) -> Session | None:
        """The open session a cookie names, or None (no cookie, forged, ended or expired)."""
        session_id = self._session_id(cookie)
        found = await store.find_session(_hash(session_id), self._clock()) if session_id else None
        return Session(*found) if found else None

    async def close(self, store: QuestionStore, cookie: str | None) -> None:
        session_id = self._session_id(cookie)
        if session_id:
            await store.close_session(_hash(session_id))

    def _session_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._cookies.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
