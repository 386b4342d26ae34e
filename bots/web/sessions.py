"""Review sessions: opened by a one-time link, kept server-side, named by a signed cookie.

The cookie holds only a signed session id; what the session may see stays in this process, so
"Sign out" ends it for good (a copied cookie stops working too) and a restart signs everyone out,
which costs a moderator one new link. Links used here are remembered until they would have expired
anyway, which is what makes them one-time.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from core.questionlog.store import Scope
from core.signin import Grant, LinkRefused

SESSION_SECONDS = 8 * 3600
"""A working day: long enough to go through a queue, short enough that a forgotten browser signs out."""
COOKIE = "exobot_review"


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
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # A key of this process's own: sessions live in its memory, so no other process needs to read them.
        self._cookies = URLSafeSerializer(secrets.token_bytes(32), salt="exobot-review-session")
        self._clock = clock
        self._open: dict[str, Session] = {}
        self._used: dict[str, float] = {}

    def refuse_used(self, grant: Grant) -> None:
        """Raise LinkRefused if grant's link has signed someone in already."""
        if grant.nonce in self._used:
            raise LinkRefused(
                "This sign-in link has been used already: each link signs in once. Ask for a new one with "
                "/exosome mod web (Slack) or /exosome-mod web (Discord).",
                "This link has been used",
            )

    def open(self, grant: Grant) -> tuple[str, Session]:
        """Use up a link and open its session; the cookie value to set. Raises LinkRefused if used."""
        self._prune()
        self.refuse_used(grant)
        self._used[grant.nonce] = grant.expires_at
        session_id = secrets.token_urlsafe(32)
        session = Session(grant.scope, grant.reviewer, secrets.token_urlsafe(32), self._clock() + SESSION_SECONDS)
        self._open[session_id] = session
        return self._cookies.dumps(session_id), session

    def find(self, cookie: str | None) -> Session | None:
        """The open session a cookie names, or None (no cookie, forged, ended or expired)."""
        session_id = self._session_id(cookie)
        session = self._open.get(session_id) if session_id else None
        if session_id is None or session is None:
            return None
        if self._clock() > session.expires_at:
            del self._open[session_id]
            return None
        return session

    def close(self, cookie: str | None) -> None:
        session_id = self._session_id(cookie)
        if session_id:
            self._open.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._open)

    def _session_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._cookies.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def _prune(self) -> None:
        """Forget what can no longer matter, so memory stays flat however many people sign in."""
        now = self._clock()
        for nonce in [n for n, until in self._used.items() if until < now]:
            del self._used[nonce]
        for session_id in [s for s, session in self._open.items() if session.expires_at < now]:
            del self._open[session_id]
