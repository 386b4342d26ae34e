"""The review pages over HTTP: one-time links, sessions, CSRF, tenancy, the queue, search, export.

Everything runs for real: the pages served by ``bots.http_server`` on a port, a real SQLite log, and an
aiohttp client keeping cookies as a browser does. The browser itself is in test_web_browser.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.cli import main
from bots.http_server import serve
from bots.web.charts import outcomes_chart
from bots.web.pages import PER_PAGE, ReviewPages
from bots.web.sessions import COOKIE, SESSION_SECONDS, Sessions
from core.engine import AnswerEngine
from core.questionlog.records import DayOutcome, ReviewState
from core.questionlog.store import LogUnavailable, QuestionStore, Scope
from core.request import Request
from core.service import ExobotService
from core.signin import LINK_SECONDS, SignInLinks
from tests.discord_harness import MODERATOR, embed, ephemeral, running
from tests.discord_harness import settings_for as discord_settings
from tests.fakes.discord import FakeDiscord, command
from tests.logtools import KEY, record, sqlite_writer
from tests.slack_harness import Bot, fake, header, http_bot, wait_for
from tests.slack_harness import settings_for as slack_settings
from tests.web_harness import OURS, THEIRS, Site, fill, form_value, review_site, site

__all__ = ["fake", "site"]


async def text_of(client: aiohttp.ClientSession, path: str) -> tuple[int, str]:
    async with client.get(path) as response:
        return response.status, await response.text()


async def test_a_link_signs_in_once_to_its_community_with_a_safe_cookie(site: Site) -> None:
    await fill(site.writer)
    link = site.links.mint(Scope.of(OURS), "mod-1")
    async with site.client() as client:
        status, page = await text_of(client, link[len(site.url) :])
        assert status == 200 and "Sign in" in page and "slack T_OURS" in page
        token = form_value(page, "token")
        async with client.post("/signin", data={"token": token}, allow_redirects=False) as done:
            assert done.status == 303 and done.headers["Location"] == "/"
            cookie = done.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert f"Max-Age={SESSION_SECONDS}" in cookie
        status, overview = await text_of(client, "/")
        assert status == 200 and "Reviewing slack T_OURS" in overview
        assert "<svg" in overview and 'class="pygal-chart"' in overview
        # Our community's five questions: two answered (one of them an emergency), three not.
        assert re.search(r'id="total">5<', overview) and re.search(r'id="emergencies">1<', overview)
        assert re.search(r'id="answer-rate">40%<', overview)
    async with site.client() as again:
        status, page = await text_of(again, link[len(site.url) :])
        assert status == 403 and "used already" in page
        async with again.post("/signin", data={"token": token}) as replay:
            assert replay.status == 403 and "used already" in await replay.text()
        assert (await text_of(again, "/"))[0] == 401


async def test_forged_damaged_and_expired_links_are_refused_with_a_clear_page(site: Site) -> None:
    link = site.links.mint(Scope.of(OURS), "mod-1")
    token = link.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    forged_scope = SignInLinks(b"not the key" * 3, site.url).mint(Scope.everything(), "x").rsplit("/", 1)[1]
    async with site.client() as client:
        for bad in (forged_scope, payload + ".AAAA" + signature[4:], token[:-3], "nonsense"):
            status, page = await text_of(client, f"/signin/{bad}")
            assert status == 403 and "This link is not valid" in page, bad
            async with client.post("/signin", data={"token": bad}) as posted:
                assert posted.status == 403
        site.clock.now += LINK_SECONDS + 1
        status, page = await text_of(client, f"/signin/{token}")
        assert status == 403 and "expired" in page
        assert "Traceback" not in page
        assert (await text_of(client, "/"))[0] == 401


async def test_pages_need_a_session_and_sessions_expire_and_end_on_sign_out(site: Site) -> None:
    async with site.client() as client:
        status, page = await text_of(client, "/")
        assert status == 401 and "/exosome mod web" in page
        client.cookie_jar.update_cookies({COOKIE: "forged.cookie"})
        assert (await text_of(client, "/unanswered"))[0] == 401
    async with site.client() as client:
        await site.signed_in(client)
        site.clock.now += SESSION_SECONDS + 1
        assert (await text_of(client, "/"))[0] == 401
    async with site.client() as client:
        csrf = await site.signed_in(client)
        cookie = next(c.value for c in client.cookie_jar if c.key == COOKIE)
        async with client.post("/signout", data={"csrf": csrf}) as out:
            assert out.status == 200 and "Signed out" in await out.text()
        assert (await text_of(client, "/"))[0] == 401
        client.cookie_jar.update_cookies({COOKIE: cookie})  # a copy of the cookie is no good either
        assert (await text_of(client, "/"))[0] == 401
    async with site.writer.reader() as store:
        assert await site.sessions.find(store, cookie) is None


async def test_every_form_needs_its_csrf_token(site: Site) -> None:
    ids = await fill(site.writer)
    async with site.client() as client:
        csrf = await site.signed_in(client)
        for data in ({"state": "flagged"}, {"state": "flagged", "csrf": "wrong"}, {"state": "flagged", "csrf": ""}):
            async with client.post(f"/questions/{ids['cancer']}/mark", data=data) as response:
                assert response.status == 403 and "expired" in await response.text()
        async with client.post("/signout", data={}) as response:
            assert response.status == 403
        assert (await text_of(client, "/"))[0] == 200  # still signed in
        async with client.post(f"/questions/{ids['cancer']}/mark", data={"state": "flagged", "csrf": csrf}) as ok:
            assert ok.status == 200 and "Saved: flagged" in await ok.text()
    async with site.writer.reader() as store:
        row = await store.get(Scope.of(OURS), ids["cancer"])
        assert row is not None and row.review_state == "flagged" and row.reviewer == "mod-1"


async def test_a_moderator_reaches_nothing_of_another_community(site: Site) -> None:
    ids = await fill(site.writer)
    secret = "their secret question"
    async with site.client() as client:
        csrf = await site.signed_in(client)
        missing = await text_of(client, f"/questions/{10**9}")
        theirs = await text_of(client, f"/questions/{ids['theirs']}")
        assert theirs[0] == missing[0] == 404
        main = [page.split("<main>")[1].split("</main>")[0] for _, page in (theirs, missing)]
        assert main[0].replace(str(ids["theirs"]), "N") == main[1].replace(str(10**9), "N")
        for path in ("/", "/unanswered", "/unanswered?show=all", "/questions", "/search?q=insurance",
                     "/search?q=secret", "/export.csv", "/export.json"):  # fmt: skip
            status, body = await text_of(client, path)
            assert status == 200 and secret not in body, path
        async with client.post(f"/questions/{ids['theirs']}/mark", data={"state": "reviewed", "csrf": csrf}) as r:
            assert r.status == 404
        key = "their secret question about insurance"
        async with client.post("/unanswered/mark", data={"key": key, "state": "reviewed", "csrf": csrf}) as r:
            assert r.status == 200 and "Marked" not in await r.text()
    async with site.writer.reader() as store:
        row = await store.get(Scope.of(THEIRS), ids["theirs"])
        assert row is not None and row.review_state == "new"
    async with site.client() as operator:
        await site.signed_in(operator, Scope.everything())
        status, body = await text_of(operator, f"/questions/{ids['theirs']}")
        assert status == 200 and secret in body and "Reviewing every community" in body


async def test_the_queue_groups_alike_questions_and_marks_a_group_at_once(site: Site) -> None:
    await fill(site.writer)
    async with site.client() as client:
        csrf = await site.signed_in(client)
        status, queue = await text_of(client, "/unanswered")
        assert status == 200
        assert re.search(r'class="count">2×</span> [Ii]s it covered by insurance', queue)
        assert "price in Mexico" in queue
        key = form_value(queue, "key")  # the first group: the most asked
        data = {"key": key, "state": "reviewed", "note": "add an insurance FAQ", "csrf": csrf, "page": "1"}
        async with client.post("/unanswered/mark", data=data) as marked:
            page = await marked.text()
            assert marked.status == 200 and "Marked 2 questions" in page and "insurance" not in page.split("<ol")[-1]
        status, everything = await text_of(client, "/unanswered?show=all")
        assert "s it covered by insurance" in everything
    async with site.writer.reader() as store:
        rows = [r for r in await store.unanswered(Scope.of(OURS), 10) if "insurance" in (r.question or "")]
    assert [(r.review_state, r.review_note) for r in rows] == [("reviewed", "add an insurance FAQ")] * 2


async def test_question_text_is_shown_never_run(site: Site) -> None:
    ids = await fill(site.writer)
    async with site.client() as client:
        await site.signed_in(client)
        for path in ("/unanswered", "/questions", f"/questions/{ids['script']}", "/search?q=mexico"):
            status, page = await text_of(client, path)
            assert status == 200 and "<script>alert" not in page and "&lt;script&gt;alert" in page, path
        async with client.get("/") as response:
            policy = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in policy and "script-src" not in policy
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["X-Frame-Options"] == "DENY"


async def test_search_finds_every_word_within_scope(site: Site) -> None:
    ids = await fill(site.writer)
    async with site.client() as client:
        await site.signed_in(client)
        status, page = await text_of(client, "/search?q=covered+INSURANCE")
        assert status == 200 and page.count('href="/questions/') == 2
        assert f'href="/questions/{ids["insurance"]}"' in page
        assert "No question" in (await text_of(client, "/search?q=insurance+zebra"))[1]
        status, page = await text_of(client, "/search?q=" + "%22%29+OR+1%3D1+--")
        assert status == 200 and "No question" in page


async def test_exports_are_files_of_the_communitys_rows(site: Site) -> None:
    await fill(site.writer)
    await site.writer.submit(record(9, platform="slack", workspace=OURS.workspace, question="=HYPERLINK(1)"))
    async with site.client() as client:
        await site.signed_in(client)
        async with client.get("/export.csv") as response:
            assert response.status == 200 and response.content_type == "text/csv"
            assert response.headers["Content-Disposition"].startswith('attachment; filename="exobot-questions-')
            rows = list(csv.DictReader(io.StringIO(await response.text())))
        assert len(rows) == 6 and {r["workspace"] for r in rows} == {OURS.workspace}
        assert "'=HYPERLINK(1)" in {r["question"] for r in rows}
        async with client.get("/export.json") as response:
            data = json.loads(await response.text())
        assert len(data) == 6 and "user_hash" in data[0]
        assert (await text_of(client, "/export.json?since=2999-01-01"))[1] == "[]"
        status, page = await text_of(client, "/export.csv?since=yesterday")
        assert status == 400 and "is not a date" in page
        assert (await text_of(client, "/export.xml"))[0] == 404


async def test_long_lists_are_paginated(site: Site) -> None:
    total = PER_PAGE * 2 + 20
    await site.writer.submit(record(0, platform="slack", workspace=OURS.workspace))
    for n in range(1, total):
        site.writer.submit(record(n, platform="slack", workspace=OURS.workspace, question=f"unanswered {n} x{n}",
                                  outcome="unanswered", match=None))  # fmt: skip
    await site.writer.flush()
    async with site.client() as client:
        await site.signed_in(client)
        counts = []
        for page in (1, 2, 3):
            status, html = await text_of(client, f"/questions?page={page}")
            counts.append((html.count("<tr") - 1, 'rel="next"' in html, 'rel="prev"' in html))
        assert counts == [(PER_PAGE, True, False), (PER_PAGE, True, True), (20, False, True)]
        status, html = await text_of(client, "/unanswered?page=3")
        assert html.count("<li>") == total - 1 - 2 * PER_PAGE
        for odd in ("/questions?page=-4", "/questions?page=abc", "/questions?page=99999999999999999999999"):
            status, html = await text_of(client, odd)
            assert status == 200 and "Page 1" in html, odd
        assert (await text_of(client, "/questions?page=40"))[1].count("<tr") == 0


async def test_bad_input_gets_a_page_not_a_traceback(site: Site) -> None:
    ids = await fill(site.writer)
    async with site.client() as client:
        csrf = await site.signed_in(client)
        for path in ("/questions/abc", "/questions/-1", f"/questions/{2**70}", "/nowhere"):
            status, page = await text_of(client, path)
            assert status == 404 and "Traceback" not in page and "<html" in page, path
        async with client.post(f"/questions/{ids['cancer']}/mark", data={"state": "deleted", "csrf": csrf}) as r:
            assert r.status == 400 and "Choose reviewed, flagged or new" in await r.text()
        async with client.post(f"/questions/{ids['cancer']}/mark", data={"csrf": csrf, "state": "reviewed",
                                                                         "note": "x" * 10_000}) as r:  # fmt: skip
            assert r.status == 200
    async with site.writer.reader() as store:
        row = await store.get(Scope.of(OURS), ids["cancer"])
        assert row is not None and row.review_note == "x" * 500


async def test_secure_cookies_behind_https(tmp_path: Path) -> None:
    async with (
        review_site(sqlite_writer(tmp_path / "r.db"), secure=True) as secure_site,
        secure_site.client() as client,
    ):
        link = secure_site.links.mint(Scope.of(OURS), "m")
        token = form_value((await text_of(client, link[len(secure_site.url) :]))[1], "token")
        async with client.post("/signin", data={"token": token}, allow_redirects=False) as done:
            assert "Secure" in done.headers["Set-Cookie"]


async def test_an_unreachable_log_is_a_friendly_page(tmp_path: Path) -> None:
    class Down:
        async def __aenter__(self) -> QuestionStore:
            raise LogUnavailable("database is locked")

        async def __aexit__(self, *exc: Any) -> None:
            return None

    pages = ReviewPages(lambda: Down(), SignInLinks(KEY, "http://x"), Sessions(KEY), secure_cookies=False)
    async with serve(pages.app(), "127.0.0.1", 0, what="t") as port:
        url = f"http://127.0.0.1:{port}"
        link = SignInLinks(KEY, url).mint(Scope.of(OURS), "m")
        async with aiohttp.ClientSession() as client:
            for address in (link, f"{url}/", f"{url}/questions/1"):
                async with client.get(address) as response:
                    page = await response.text()
                    assert response.status == 503 and "The question log is unavailable" in page, address
                    assert "Traceback" not in page
            async with client.get(f"{url}/static/style.css") as response:
                assert response.status == 200  # the page's look does not need the log


@pytest.mark.parametrize("state", list(ReviewState))
async def test_a_question_can_be_set_to_any_review_state_with_a_note(site: Site, state: ReviewState) -> None:
    ids = await fill(site.writer)
    async with site.client() as client:
        csrf = await site.signed_in(client)
        data = {"state": state.value, "note": f"note for {state.value}", "csrf": csrf}
        async with client.post(f"/questions/{ids['insurance']}/mark", data=data) as r:
            page = await r.text()
        assert r.status == 200 and f"Saved: {state.value}" in page and f"note for {state.value}" in page


# -- asking for a link in chat ------------------------------------------------------------------------


def _service(catalogue: Any, writer: Any, links: SignInLinks | None) -> ExobotService:
    return ExobotService(AnswerEngine(catalogue), writer=writer, signin=links)


async def test_mod_web_gives_a_moderator_a_private_link_to_their_community_only(site: Site, catalogue) -> None:

    await fill(site.writer)
    service = _service(catalogue, site.writer, site.links)
    asked = Request("mod web", platform="slack", user_id="U_MOD", workspace=OURS.workspace, is_moderator=True)
    answer = await service.handle(asked)
    assert answer.private and answer.link is not None and answer.link.url.startswith(f"{site.url}/signin/")
    assert answer.link.url in " ".join(answer.paragraphs) and "10 minutes" in answer.paragraphs[0]
    async with site.client() as client:
        status, page = await text_of(client, answer.link.url[len(site.url) :])
        assert status == 200 and "slack T_OURS" in page
        async with client.post("/signin", data={"token": form_value(page, "token")}) as signed:
            assert "Reviewing slack T_OURS" in await signed.text()
        assert "their secret question" not in (await text_of(client, "/questions"))[1]
    member = Request("mod web", platform="slack", user_id="U_X", workspace=OURS.workspace, is_moderator=False)
    refused = await service.handle(member)
    assert refused.title == "Moderators only" and refused.link is None
    off = await _service(catalogue, site.writer, None).handle(asked)
    assert off.title == "The review pages are off" and off.link is None and "EXOBOT_WEB_ADDR" in off.paragraphs[0]
    async with site.writer.reader() as store:
        assert all(r.command != "mod" for r in await store.recent(Scope.everything(), 50))  # not logged


async def test_slack_mod_web_answers_with_a_link_button(fake, tmp_path: Path, catalogue) -> None:

    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = _service(catalogue, writer, SignInLinks(KEY, "https://review.example.org"))
    async with http_bot(fake, service, slack_settings(fake)) as url, aiohttp.ClientSession() as session:
        bot = Bot(url, service, writer, session, fake)
        status, ack = await bot.command("mod web", user_id="U0MOD")
        assert status == 200 and ack["text"] == "Working on it…"
        await wait_for(lambda: fake.responses)
        reply = fake.responses[-1]
        assert header(reply) == "Review this community's questions on the web"
        assert reply["response_type"] == "ephemeral"
        buttons = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert [b["url"][:34] for b in buttons] == ["https://review.example.org/signin/"]
        clicked = {"action_id": buttons[0]["action_id"], "block_id": "b", "value": None, "type": "button"}
        status, _ = await bot.action(clicked, user="U0MOD")
        assert status == 200  # acknowledged: Slack shows no error on the button
        await bot.command("mod web", user_id="U2")
        await wait_for(lambda: len(fake.responses) == 2)
        assert header(fake.responses[-1]) == "Moderators only"
    await writer.stop()
    assert fake.violations == []


async def test_discord_mod_web_answers_with_a_link_button(tmp_path: Path, catalogue) -> None:

    fake = FakeDiscord()
    await fake.start()
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = _service(catalogue, writer, SignInLinks(KEY, "https://review.example.org"))
    async with running(fake, service, discord_settings(fake)):
        first = await fake.interact(command(fake, "exosome-mod", "web", permissions=MODERATOR))
        assert first.type == 5 and ephemeral(first)
        reply = await fake.followup_for(first.interaction_id)
    await writer.stop()
    await fake.stop()
    assert embed(reply)["title"] == "Review this community's questions on the web" and ephemeral(reply)
    buttons = [c for row in reply.data["components"] for c in row["components"]]
    assert [(b["style"], b["url"][:34]) for b in buttons] == [(5, "https://review.example.org/signin/")]
    assert fake.violations == []


def test_exobot_web_link_prints_an_operator_link(isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:

    assert main(["web", "link"]) == 1
    assert "review pages are off" in capsys.readouterr().err
    monkeypatch.setenv("EXOBOT_WEB_PUBLIC_URL", "https://review.example.org/")
    monkeypatch.setenv("EXOBOT_LOG_KEY", KEY.decode())
    assert main(["web", "link", "--platform", "discord"]) == 0
    link = capsys.readouterr().out.strip()
    grant = SignInLinks(KEY, "https://review.example.org").check(link.rsplit("/", 1)[1])
    assert link.startswith("https://review.example.org/signin/")
    assert grant.scope == Scope.everything("discord") and grant.reviewer == "operator"


async def test_what_moderators_decided_stays_in_view(site: Site) -> None:
    ids = await fill(site.writer)
    async with site.client() as client:
        csrf = await site.signed_in(client)
        data = {"state": "reviewed", "note": "checked with the insurer", "csrf": csrf}
        async with client.post(f"/questions/{ids['insurance']}/mark", data=data) as marked:
            page = await marked.text()
        assert 'name="note" type="text"' in page and 'value="checked with the insurer"' in page  # kept in the form
        status, queue = await text_of(client, "/unanswered?show=all")
        group = queue.split("covered by insurance")[1].split("</li>")[0]
        assert 'class="state state-reviewed">reviewed<' in group and "Note: checked with the insurer" in group
        status, overview = await text_of(client, "/?days=7")
        assert 'href="/questions?emergency=1"' in overview and re.search(r'id="unanswered">3<', overview)
        since = re.search(r'href="/export.csv\?since=(\d{4}-\d\d-\d\d)"', overview)
        assert (
            since is not None and since.group(1) == (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=6)).isoformat()
        )
        status, urgent = await text_of(client, "/questions?emergency=1")
        assert status == 200 and "chest hurts" in urgent and urgent.count('href="/questions/') == 1
        status, past = await text_of(client, "/questions?page=9")
        assert "no more questions past this page" in past and 'href="/questions?page=1"' in past
    async with site.client() as operator:
        await site.signed_in(operator, Scope.everything())
        assert "<th>Community</th>" in (await text_of(operator, "/questions"))[1]


def test_the_chart_counts_every_question_once_by_day_or_by_week() -> None:
    today = dt.date(2026, 12, 1)
    rows = [DayOutcome("2026-12-01", "answered", 4, 0), DayOutcome("2026-11-30", "unanswered", 2, 1),
            DayOutcome("2026-09-10", "answered", 7, 0)]  # fmt: skip
    daily = outcomes_chart(rows, 7, today)
    assert "per day" in daily and "2026-11-25" in daily and "2026-09-10" not in daily
    weekly = outcomes_chart(rows, 90, today)
    assert "per week" in weekly and "week of 2026-09-03" in weekly
    # Thirteen weeks, each starting on the weekday the period starts on; no bar for a part of a day.
    assert sorted(set(re.findall(r"week of [0-9-]+", weekly)))[::6] == [
        "week of 2026-09-03", "week of 2026-10-15", "week of 2026-11-26",
    ]  # fmt: skip
    assert len(set(re.findall(r"week of [0-9-]+", weekly))) == 13


async def test_instances_sharing_a_log_share_sessions_and_used_links(site: Site) -> None:
    """Two processes serving the pages behind one address (or one restarted): a session opened on one
    works on the other, a link used on one is used on both, and signing out on one ends it on both."""
    await fill(site.writer)
    other = ReviewPages(site.writer.reader, site.links, Sessions(KEY, site.clock), secure_cookies=False)
    async with serve(other.app(), "127.0.0.1", 0, what="second instance") as port:
        second = f"http://127.0.0.1:{port}"
        link = site.links.mint(Scope.of(OURS), "mod-1")
        async with site.client() as first:
            page = (await text_of(first, link[len(site.url) :]))[1]
            async with first.post("/signin", data={"token": form_value(page, "token")}) as signed:
                assert signed.status == 200
                csrf = form_value(await signed.text(), "csrf")
            cookie = next(c.value for c in first.cookie_jar if c.key == COOKIE)
        async with aiohttp.ClientSession(second, cookies={COOKIE: cookie}) as client:
            status, overview = await text_of(client, "/")
            assert status == 200 and "Reviewing slack T_OURS" in overview
            status, again = await text_of(client, link[len(site.url) :])
            assert status == 403 and "used already" in again
            async with client.post("/signout", data={"csrf": csrf}) as out:
                assert out.status == 200
        async with aiohttp.ClientSession(site.url, cookies={COOKIE: cookie}) as client:
            assert (await text_of(client, "/"))[0] == 401
