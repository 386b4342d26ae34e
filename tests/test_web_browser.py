"""The review pages in a real browser (Debian's Chromium, driven by Playwright), served by a real
``exobot run`` whose moderator asked for the link in Slack: sign in, see the chart, mark a question,
search, sign out; a used, forged or expired link is refused; another community's question is not
reachable by its address."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.questionlog.store import Scope
from core.request import Community
from core.signin import LINK_SECONDS, SignInLinks
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, form_body, slash_command_fields
from tests.needs import unavailable
from tests.processes import BotProcess, free_port
from tests.slack_harness import fake

__all__ = ["fake"]

LOG_KEY = "browser-test-log-key-0123456789"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a closed network: without the background ones Chromium keeps dialling Google's hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("Playwright", "pip install playwright (in the dev extras)")
    if CHROMIUM is None:
        unavailable("Chromium", "apt-get install chromium (Debian) to run the browser tests")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def slash(fake: FakeSlack, url: str, text: str, *, team: str, user: str) -> None:
    async with aiohttp.ClientSession() as session:
        fields = slash_command_fields(text, team_id=team, user_id=user, response_url=fake.response_url(f"{team}{user}"))
        status, _ = await fake.post(session, url, form_body(fields))
    assert status == 200


async def link_from_chat(fake: FakeSlack, url: str) -> str:
    before = len(fake.responses)
    await slash(fake, url, "mod web", team="T1", user="U0MOD")
    for _ in range(250):
        if len(fake.responses) > before:
            break
        await asyncio.sleep(0.02)
    buttons = [e for b in fake.responses[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return str(buttons[0]["url"])


def question_id(data_dir: Path, text: str) -> int:
    with sqlite3.connect(data_dir / "exobot.db") as db:
        return int(db.execute("SELECT id FROM questions WHERE question = ?", (text,)).fetchone()[0])


async def test_a_moderator_reviews_in_a_real_browser(fake: FakeSlack, isolated_env: Path, browser: Any) -> None:
    web_port = free_port()
    bot = BotProcess(isolated_env, {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_BASE_URL": fake.api_url,
        "SLACK_MODERATORS": "U0MOD", "EXOBOT_LOG_KEY": LOG_KEY, "EXOBOT_WEB_ADDR": f"127.0.0.1:{web_port}",
    })  # fmt: skip
    site = f"http://127.0.0.1:{web_port}"
    try:
        await bot.healthy()
        for text in ("is exosome therapy covered by insurance", "can exosomes make cancer worse?",
                     "zebrafish marmalade pricing in cancun"):  # fmt: skip
            await slash(fake, bot.slack_url, text, team="T1", user="U1")
        await slash(fake, bot.slack_url, "their private zebrafish marmalade question", team="T2", user="U9")
        link = await link_from_chat(fake, bot.slack_url)
        assert link.startswith(f"{site}/signin/")

        page = await browser.new_page()
        await page.goto(link)
        assert "slack T1" in await page.locator("main").inner_text()
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{site}/")
        assert await page.locator("svg.pygal-chart").is_visible()
        assert await page.locator("#total").inner_text() == "3"
        assert "Reviewing slack T1" in await page.locator("header").inner_text()

        await page.get_by_role("link", name="Unanswered").click()
        item = page.locator("ol.queue li", has_text="zebrafish marmalade pricing")
        await item.get_by_placeholder("Note (optional)").fill("price questions need an FAQ")
        await item.get_by_role("button", name="Mark flagged").click()
        assert "Marked 1 question" in await page.locator("[role=status]").inner_text()
        assert await page.locator("ol.queue li", has_text="zebrafish marmalade pricing").count() == 0

        await page.get_by_role("searchbox").fill("zebrafish")
        await page.get_by_role("button", name="Search").click()
        results = await page.locator("table.questions").inner_text()
        assert "zebrafish marmalade pricing" in results and "their private" not in results
        await page.locator("table.questions a").first.click()
        detail = await page.locator("dl.detail").inner_text()
        assert "flagged" in detail and "price questions need an FAQ" in detail

        theirs = question_id(isolated_env, "their private zebrafish marmalade question")
        response = await page.goto(f"{site}/questions/{theirs}")
        assert response.status == 404 and "no logged question" in await page.locator("main").inner_text()

        await page.get_by_role("button", name="Sign out").click()
        assert "Signed out" in await page.locator("h1").inner_text()
        response = await page.goto(f"{site}/")
        assert response.status == 401 and "Please sign in" in await page.locator("h1").inner_text()

        for refused, title in await _bad_links(link, site):
            response = await page.goto(refused)
            assert response.status == 403 and await page.locator("h1").inner_text() == title, refused
        await page.close()
    finally:
        assert await bot.stop() == 0


async def _bad_links(used: str, site: str) -> list[tuple[str, str]]:
    token = used.rsplit("/", 1)[1]
    expired = SignInLinks(LOG_KEY.encode(), site, clock=lambda: time.time() - LINK_SECONDS - 5)
    forged = SignInLinks(b"someone else's key, guessing ours", site)
    community = Scope.of(Community("slack", "T1"))
    return [
        (used, "This link has been used"),
        (f"{site}/signin/{token[:-2]}xx", "This link is not valid"),
        (forged.mint(Scope.everything(), "intruder"), "This link is not valid"),
        (expired.mint(community, "mod"), "This link has expired"),
    ]
