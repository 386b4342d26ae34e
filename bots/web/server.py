"""Serving the review pages from ``exobot run`` on EXOBOT_WEB_ADDR."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from bots.http_server import serve
from bots.web.pages import ReviewPages
from bots.web.sessions import Sessions
from core.service import ExobotService
from core.settings import Settings

log = logging.getLogger(__name__)


def review_pages(settings: Settings, service: ExobotService) -> ReviewPages | None:
    """The pages over the service's log, or None when there is no log or no link to sign in with."""
    if service.writer is None or service.signin is None:
        return None
    # Secure cookies whenever moderators reach the pages over HTTPS (a TLS proxy in front of them);
    # a plain-HTTP address on loopback would never send them back.
    secure = (settings.review_url or "").startswith("https://")
    return ReviewPages(
        service.writer.reader,
        service.signin,
        Sessions(service.signin.key_for("review session")),
        secure_cookies=secure,
        titles=service.entry_title,
    )


@contextlib.asynccontextmanager
async def serve_review(settings: Settings, service: ExobotService) -> AsyncIterator[int | None]:
    """Serve the pages while the block runs, when EXOBOT_WEB_ADDR is set; yields the port or None."""
    pages = review_pages(settings, service)
    if settings.web_addr is None or pages is None:
        yield None
        return
    host, port = settings.web_addr
    async with serve(pages.app(), host, port, what="the review pages (EXOBOT_WEB_ADDR)") as bound:
        log.info("review pages on http://%s:%d (links point to %s)", host, bound, settings.review_url)
        yield bound
