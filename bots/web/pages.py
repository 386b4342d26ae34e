"""The review pages: aiohttp handlers over ``core.review``, one moderator's scope per request.

Every page reads the log through the session's scope and nothing else, so a question of another
community is "not found" here exactly as it is in chat. Pages are rendered by Jinja2 with escaping
on: question text is whatever someone typed, and it is shown, never interpreted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bots.web.charts import outcomes_chart
from bots.web.sessions import COOKIE, SESSION_SECONDS, Session, Sessions
from core.questionlog.records import ReviewState, utcnow
from core.questionlog.store import LogUnavailable, QuestionStore, Scope
from core.review import ReviewError, detail_lines, export_bytes, mark_group, parse_date, review_queue
from core.signin import LINK_SECONDS, LinkRefused, SignInLinks

log = logging.getLogger(__name__)

PER_PAGE = 50
MAX_NOTE = 500
OVERVIEW_DAYS = (7, 30, 90)
Reader = Callable[[], AbstractAsyncContextManager[QuestionStore]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SESSION = web.RequestKey("session", Session)
_STORE = web.RequestKey("store", QuestionStore)
_HEADERS = {
    # No scripts at all, and nothing from elsewhere: pages are plain HTML forms and an inline SVG chart.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The sign-in link's token is in the address: never hand it to another site as a referrer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PUBLIC = ("/signin", "/signed-out")


def community_label(scope: Scope) -> str:
    if scope.operator:
        return "every community" if scope.platform is None else f"every {scope.platform} community"
    return f"{scope.platform} {scope.workspace}"


class ReviewPages:
    def __init__(
        self, reader: Reader, links: SignInLinks, sessions: Sessions, *, secure_cookies: bool,
        titles: Callable[[str], str | None] = lambda ref: None,
    ) -> None:  # fmt: skip
        self._reader = reader
        self._links = links
        self._sessions = sessions
        self._secure = secure_cookies
        self._templates = jinja2.Environment(
            loader=jinja2.PackageLoader("bots.web", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,  # a missing value is a bug to see in tests, not a blank
            enable_async=False,
        )
        # Logged matches are ids like faq:safety; moderators read them as the entries' titles.
        self._templates.globals["entry_title"] = lambda ref: titles(ref) or ref

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers, self._signed_in], client_max_size=64 * 1024)
        app.add_routes([
            web.get("/signin/{token}", self.signin_page),
            web.post("/signin", self.signin),
            web.get("/signed-out", self.signed_out),
            web.post("/signout", self.signout),
            web.get("/", self.overview),
            web.get("/unanswered", self.unanswered),
            web.post("/unanswered/mark", self.mark_queue_group),
            web.get("/questions", self.questions),
            web.get("/questions/{id}", self.question),
            web.post("/questions/{id}/mark", self.mark_question),
            web.get("/search", self.search),
            web.get("/export.{fmt}", self.export),
            web.static("/static", _static_folder()),
        ])  # fmt: skip
        return app

    # -- middleware --------------------------------------------------------------------------------

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400 and exc.content_type != "text/html":
                response = self._page("message.html", status=exc.status, title=exc.reason, text=exc.text or "")
            else:
                raise
        except LogUnavailable as exc:
            log.warning("review page could not read the question log: %s", exc)
            response = self._page(
                "message.html", status=503, title="The question log is unavailable",
                text="It could not be read just now. Please try again in a few minutes.",
            )  # fmt: skip
        response.headers.update(_HEADERS)
        return response

    @web.middleware
    async def _signed_in(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """One connection to the log per request, and a session for every page but signing in."""
        if request.path.startswith("/static/"):
            return await handler(request)
        async with self._reader() as store:
            request[_STORE] = store
            if request.path.startswith(_PUBLIC):
                return await handler(request)
            return await self._with_session(request, store, handler)

    async def _with_session(self, request: web.Request, store: QuestionStore, handler: Handler) -> web.StreamResponse:
        session = await self._sessions.find(store, request.cookies.get(COOKIE))
        if session is None:
            return self._page(
                "message.html", status=401, title="Please sign in",
                text="Ask for a sign-in link in your community: /exosome mod web (Slack) or /exosome-mod web "
                "(Discord). Operators run: exobot web link.",
            )  # fmt: skip
        if request.method == "POST":
            form = await request.post()
            token = form.get("csrf")
            if not session.valid_form(token if isinstance(token, str) else None):
                return self._page(
                    "message.html", status=403, title="That form has expired",
                    text="Go back, reload the page and try again.",
                )  # fmt: skip
        request[_SESSION] = session
        return await handler(request)

    # -- signing in and out ------------------------------------------------------------------------

    async def signin_page(self, request: web.Request) -> web.StreamResponse:
        """The link shows a button rather than signing in at once: chat apps that fetch a link to
        preview it would otherwise use it up before the moderator clicks."""
        token = request.match_info["token"]
        try:
            grant = self._links.check(token)
            await self._sessions.refuse_used(request[_STORE], grant)
        except LinkRefused as refused:
            return self._refused(refused)
        return self._page("signin.html", token=token, community=community_label(grant.scope))

    async def signin(self, request: web.Request) -> web.StreamResponse:
        token = (await request.post()).get("token")
        try:
            grant = self._links.check(token if isinstance(token, str) else "")
            cookie, session = await self._sessions.open(request[_STORE], grant)
        except LinkRefused as refused:
            return self._refused(refused)
        log.info("review sign-in for %s", community_label(session.scope))
        response = _redirect("/")
        response.set_cookie(
            COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True, samesite="Lax", secure=self._secure, path="/"
        )
        return response

    async def signout(self, request: web.Request) -> web.StreamResponse:
        await self._sessions.close(request[_STORE], request.cookies.get(COOKIE))
        response = _redirect("/signed-out")
        response.del_cookie(COOKIE, path="/")
        return response

    async def signed_out(self, request: web.Request) -> web.StreamResponse:
        return self._page("message.html", title="Signed out", text="You are signed out. Close this tab, or ask for a "
                          "new link in your community to sign in again.")  # fmt: skip

    # -- pages -------------------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        days = _choice(request.query.get("days"), OVERVIEW_DAYS, 30)
        since = _days_back(days)
        store = request[_STORE]
        daily = await store.daily_outcomes(session.scope, since)
        entries = await store.top_matches(session.scope, 10, since)
        helpfulness = await store.helpfulness(session.scope, 10, since)
        by_outcome: dict[str, int] = {}
        for row in daily:
            by_outcome[row.outcome] = by_outcome.get(row.outcome, 0) + row.questions
        # As in `mod stats`: of the questions the content could have answered, the share it did.
        answered, unanswered = by_outcome.get("answered", 0), by_outcome.get("unanswered", 0)
        chart = await asyncio.to_thread(outcomes_chart, daily, days, utcnow().date())
        return self._page(
            "overview.html", session=session, days=days, day_choices=OVERVIEW_DAYS, chart=chart,
            total=sum(by_outcome.values()), answered=answered, unanswered=unanswered, since=since.date().isoformat(),
            answer_rate=answered / (answered + unanswered) if answered + unanswered else None,
            emergencies=sum(row.emergencies for row in daily), entries=entries, helpfulness=helpfulness,
        )  # fmt: skip

    async def unanswered(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        show_all = request.query.get("show") == "all"
        days = _choice(request.query.get("days"), OVERVIEW_DAYS, 30)
        page = _page_number(request)
        store = request[_STORE]
        groups = await review_queue(store, session.scope, _days_back(days), unreviewed=not show_all)
        shown = groups[(page - 1) * PER_PAGE : page * PER_PAGE]
        query = {"days": str(days)} | ({"show": "all"} if show_all else {})
        return self._page(
            "unanswered.html", session=session, groups=shown, page=page, show_all=show_all, days=days,
            day_choices=OVERVIEW_DAYS, more=len(groups) > page * PER_PAGE, total=len(groups),
            marked=_int(request.query.get("marked")), query=query,
        )  # fmt: skip

    async def mark_queue_group(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        form = await request.post()
        state, note = _review(form)
        show_all = form.get("show") == "all"
        days = _choice(str(form.get("days", "")), OVERVIEW_DAYS, 30)
        store = request[_STORE]
        marked = await mark_group(
            store, session.scope, str(form.get("key", "")), state, session.reviewer, note, _days_back(days),
            unreviewed=not show_all,
        )  # fmt: skip
        page = _int(str(form.get("page", "1"))) or 1
        query = {"days": str(days), "page": str(page), "marked": str(marked)} | ({"show": "all"} if show_all else {})
        return _redirect("/unanswered?" + urlencode(query))

    async def questions(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        page = _page_number(request)
        emergencies = request.query.get("emergency") == "1"
        store = request[_STORE]
        rows = await store.recent(session.scope, PER_PAGE + 1, offset=(page - 1) * PER_PAGE, emergencies=emergencies)
        if emergencies:
            return self._listing(session, "Emergencies", "/questions", rows, page, {"emergency": "1"})
        return self._listing(session, "All questions", "/questions", rows, page, {})

    async def search(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        words = request.query.get("q", "").strip()[:200]
        page = _page_number(request)
        rows = []
        if words:
            store = request[_STORE]
            rows = await store.search(session.scope, words, PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
        title = f"Questions matching “{words}”" if words else "Search"
        return self._listing(session, title, "/search", rows, page, {"q": words}, searched=words)

    async def question(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        question_id = _int(request.match_info["id"])
        store = request[_STORE]
        row = await store.get(session.scope, question_id) if question_id else None
        if row is None:
            return self._not_found(request, request.match_info["id"])
        return self._page(
            "question.html", session=session, row=row, lines=detail_lines(row), states=[s.value for s in ReviewState],
            saved=request.query.get("saved") == "1",
        )  # fmt: skip

    async def mark_question(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        question_id = _int(request.match_info["id"])
        state, note = _review(await request.post())
        store = request[_STORE]
        found = bool(question_id) and await store.mark(session.scope, question_id, state, session.reviewer, note)
        if not found:
            return self._not_found(request, request.match_info["id"])
        return _redirect(f"/questions/{question_id}?saved=1")

    async def export(self, request: web.Request) -> web.StreamResponse:
        session = request[_SESSION]
        fmt = request.match_info["fmt"]
        if fmt not in ("csv", "json"):
            return self._not_found(request, f"export.{fmt}")
        try:
            since = parse_date(request.query["since"]) if request.query.get("since") else None
        except ReviewError as exc:
            return self._page("message.html", status=400, title="That date didn't work", text=str(exc), session=session)
        store = request[_STORE]
        rows = await store.export(session.scope, dt.datetime.combine(since, dt.time(), dt.UTC) if since else None)
        body = await asyncio.to_thread(export_bytes, rows, fmt)
        name = f"exobot-questions-{utcnow().date().isoformat()}.{fmt}"
        return web.Response(
            body=body, content_type="text/csv" if fmt == "csv" else "application/json", charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )  # fmt: skip

    # -- rendering ---------------------------------------------------------------------------------

    def _listing(
        self, session: Session, title: str, path: str, rows: list[Any], page: int, query: dict[str, str],
        searched: str = "",
    ) -> web.Response:  # fmt: skip
        return self._page(
            "questions.html", session=session, title=title, path=path, rows=rows[:PER_PAGE], page=page,
            more=len(rows) > PER_PAGE, query=query, searched=searched,
        )  # fmt: skip

    def _refused(self, refused: LinkRefused) -> web.Response:
        return self._page("message.html", status=403, title=refused.title, text=refused.reason)

    def _not_found(self, request: web.Request, what: str) -> web.Response:
        return self._page(
            "message.html", status=404, title="Not found", session=request.get(_SESSION),
            text=f"There is no logged question {what[:40]} in the communities you can review.",
        )  # fmt: skip

    def _page(self, template: str, *, status: int = 200, **values: Any) -> web.Response:
        values.setdefault("session", None)
        if values["session"] is not None:
            values["community"] = community_label(values["session"].scope)
        html = self._templates.get_template(template).render(link_minutes=LINK_SECONDS // 60, **values)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _redirect(location: str) -> web.Response:
    """303: after a form, the browser loads the next page with GET, so a reload never posts twice."""
    return web.Response(status=303, headers={"Location": location})


def _static_folder() -> Path:
    return Path(__file__).with_name("static")


def _days_back(days: int) -> dt.datetime:
    """The start of the day ``days - 1`` days ago: "the last 7 days" is today and the six before it."""
    start = utcnow() - dt.timedelta(days=days - 1)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


def _page_number(request: web.Request) -> int:
    return max(_int(request.query.get("page")), 1)


def _choice(value: str | None, choices: tuple[int, ...], default: int) -> int:
    number = _int(value)
    return number if number in choices else default


def _review(form: Any) -> tuple[ReviewState, str | None]:
    try:
        state = ReviewState(str(form.get("state", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="Choose reviewed, flagged or new.") from None
    note = str(form.get("note", "")).strip()[:MAX_NOTE]
    return state, note or None
