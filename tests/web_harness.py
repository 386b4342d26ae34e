"""A real review site for tests: the pages served by ``bots.http_server`` over a real SQLite log,
holding questions from two communities, and a clock the tests can move."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from bots.http_server import serve
from bots.web.pages import ReviewPages
from bots.web.sessions import Sessions
from core.questionlog.store import Scope
from core.questionlog.writer import LogWriter
from core.request import Community
from core.signin import SignInLinks
from tests.logtools import KEY, LogBackend, record

OURS = Community("slack", "T_OURS")
THEIRS = Community("slack", "T_THEIRS")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).timestamp()

    def __call__(self) -> float:
        return self.now


@dataclass
class Site:
    url: str
    links: SignInLinks
    sessions: Sessions
    clock: Clock
    writer: LogWriter

    def client(self) -> aiohttp.ClientSession:
        # unsafe: keep cookies for 127.0.0.1, which aiohttp's jar otherwise refuses for IP addresses.
        return aiohttp.ClientSession(self.url, cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def signed_in(self, client: aiohttp.ClientSession, scope: Scope | None = None) -> str:
        """Sign client in through a fresh link, as a browser would (to our community unless scope
        says otherwise); the session's CSRF token."""
        link = self.links.mint(scope or Scope.of(OURS), "mod-1")
        async with client.get(link[len(self.url) :]) as page:
            assert page.status == 200, await page.text()
            token = form_value(await page.text(), "token")
        async with client.post("/signin", data={"token": token}, allow_redirects=False) as done:
            assert done.status == 303
        async with client.get("/") as overview:
            assert overview.status == 200
            return form_value(await overview.text(), "csrf")


def form_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field in the page"
    return found.group(1)


async def fill(writer: LogWriter) -> dict[str, int]:
    """Questions of two communities; the ids of a few, by name."""
    rows = [
        record(1, platform="slack", workspace=OURS.workspace, question="can exosomes cause cancer", outcome="answered",
               match="risk:tumour"),
        record(2, platform="slack", workspace=OURS.workspace, question="Is it covered by insurance??",
               outcome="unanswered", match=None),
        record(3, platform="slack", workspace=OURS.workspace, question="is it covered by insurance",
               outcome="unanswered", match=None),
        record(4, platform="slack", workspace=OURS.workspace, question="<script>alert('x')</script> price in Mexico",
               outcome="unanswered", match=None),
        record(5, platform="slack", workspace=OURS.workspace, question="my chest hurts after the injection",
               outcome="answered", match="emergency", emergency=True),
        record(6, platform="slack", workspace=THEIRS.workspace, question="their secret question about insurance",
               outcome="unanswered", match=None),
    ]  # fmt: skip
    await asyncio.gather(*(writer.submit(r) for r in rows))
    async with writer.reader() as store:
        found = await store.export(Scope.everything())
    by_text = {r.question: r.id for r in found}
    return {
        "cancer": by_text["can exosomes cause cancer"],
        "insurance": by_text["is it covered by insurance"],
        "script": by_text["<script>alert('x')</script> price in Mexico"],
        "theirs": by_text["their secret question about insurance"],
    }


@contextlib.asynccontextmanager
async def review_site(writer: LogWriter, *, secure: bool = False) -> AsyncIterator[Site]:
    """The pages over writer's log, served on a free port; the writer is started and stopped here."""
    await writer.start()
    clock = Clock()
    sessions = Sessions(KEY, clock)
    try:
        pages_links = SignInLinks(KEY, "http://placeholder", clock)
        pages = ReviewPages(writer.reader, pages_links, sessions, secure_cookies=secure)
        async with serve(pages.app(), "127.0.0.1", 0, what="review pages") as port:
            url = f"http://127.0.0.1:{port}"
            yield Site(url, SignInLinks(KEY, url, clock), sessions, clock, writer)
    finally:
        await writer.stop()


@pytest.fixture
async def site(log_backend: LogBackend) -> AsyncIterator[Site]:
    """The review site on each database in turn."""
    async with review_site(log_backend.writer()) as found:
        yield found
