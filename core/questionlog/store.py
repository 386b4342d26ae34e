"""The question log's storage: one set of queries over any SQL database, and the scope every review
query must name.

Adapters never see SQL: they go through the writer (to record) and ``core.review`` (to read). The
SQLite and PostgreSQL stores differ only in how they connect, migrate and search, so every query a
moderator can run is written once, here.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from core.questionlog.records import (
    LOGGED_COLUMNS,
    RECORD_COLUMNS,
    VOTE_COLUMNS,
    Count,
    DailyStats,
    DayOutcome,
    Helpfulness,
    LoggedQuestion,
    QuestionRecord,
    ReviewState,
    iso_utc,
    now_iso,
)
from core.request import Community
from core.text import normalise_question

UnansweredRow = tuple[int, str, str, str | None]
"""An unanswered question as the review queue groups it: (id, question, review state, note)."""


class LogUnavailable(Exception):
    """The database cannot be reached or written right now; the caller should say so and try later."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose rows a review query may see. Every review query takes one, so none can forget it.

    A community's moderators see the rows of their own Slack workspace or Discord server, and nothing
    else: not other communities, not Discord DMs (which belong to no community). The operator, in a
    terminal, sees everything, optionally narrowed to one platform or workspace.
    """

    platform: str | None
    workspace: str | None
    operator: bool = False

    @classmethod
    def of(cls, community: Community) -> Scope:
        return cls(community.platform, community.workspace)

    @classmethod
    def everything(cls, platform: str | None = None, workspace: str | None = None) -> Scope:
        return cls(platform, workspace, operator=True)

    def clause(self) -> tuple[str, tuple[Any, ...]]:
        """SQL (over the alias ``q``) that keeps only this scope's rows, with its parameters."""
        if not self.operator:
            return "q.platform = ? AND q.workspace = ?", (self.platform, self.workspace)
        parts, params = ["1 = 1"], []
        if self.platform is not None:
            parts.append("q.platform = ?")
            params.append(self.platform)
        if self.workspace is not None:
            parts.append("q.workspace = ?")
            params.append(self.workspace)
        return " AND ".join(parts), tuple(params)


def _select_columns() -> str:
    """LOGGED_COLUMNS as SQL: the questions table's own, and the vote counts from the votes table."""
    vote = "(SELECT count(*) FROM votes v WHERE v.record_id = q.record_id AND v.helpful = {})"
    return ", ".join(vote.format(1 if c == "helpful" else 0) if c in VOTE_COLUMNS else f"q.{c}" for c in LOGGED_COLUMNS)


_SELECT = f"SELECT {_select_columns()} FROM"
INSERT_SQL = (
    f"INSERT INTO questions ({', '.join(RECORD_COLUMNS)}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"
    " ON CONFLICT (record_id) DO NOTHING"
)
"""A row whose id is stored already (a spool imported twice, a row spooled after a slow commit) is skipped."""
_CONTENT_OUTCOMES = "('answered', 'unanswered')"


class Reviewed(NamedTuple):
    """What moderators said of a row, as ``restore_review`` writes it back."""

    review_state: str
    reviewer: str | None
    review_note: str | None
    reviewed_at: str | None

    @property
    def untouched(self) -> bool:
        return self.review_state == ReviewState.NEW and self.reviewer is None and self.review_note is None


_REVIEW_COLUMNS = Reviewed._fields
COPIED_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "votes": (("record_id", "user_hash", "helpful", "at"), ("record_id", "user_hash")),
    "watched_channels": (
        ("platform", "workspace", "channel", "added_by", "added_at"),
        ("platform", "workspace", "channel"),
    ),
    "log_events": (("at", "kind", "count", "detail"), ("at", "kind", "count")),
}
"""Tables copied whole besides the questions: (columns, the key that says a row is there already)."""


class QuestionStore(abc.ABC):
    """One connection to the question log. Not shared between event loops.

    Subclasses connect, migrate and search; every query is written here with ``?`` placeholders, and
    every database error reaches the caller as ``LogUnavailable``.
    """

    # -- what a database provides ------------------------------------------------------------------

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""

    @abc.abstractmethod
    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]: ...

    @abc.abstractmethod
    async def insert(self, records: Sequence[QuestionRecord]) -> None:
        """Insert records in one transaction (``INSERT_SQL`` for each): all are stored or none are."""

    @abc.abstractmethod
    async def schema_version(self) -> int: ...

    @abc.abstractmethod
    def _search_clause(self, terms: list[str]) -> tuple[str, tuple[Any, ...]]:
        """SQL (over ``q``) that keeps rows whose question holds every term."""

    async def _before_search(self) -> None:  # noqa: B027 - most databases index as they write
        """Bring a search index up to date, where the database needs that done by hand."""

    async def _after_forget(self) -> None:  # noqa: B027 - a hook: nothing to do by default
        """Make sure deleted words are gone from indexes and journals, not just unreachable."""

    async def refresh_statistics(self) -> None:  # noqa: B027 - a hook: SQLite's queries need none
        """Let the query planner see how many rows there are now, after a bulk load."""

    def stale(self) -> bool:
        """Whether this connection no longer reaches the log (its file was deleted or replaced)."""
        return False

    day_expression = "substr(q.asked_at, 1, 10)"
    """The day of a question, spelled as the ``questions_daily`` index spells it, so queries use it."""

    async def __aenter__(self) -> QuestionStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- writing -----------------------------------------------------------------------------------

    async def record_event(self, kind: str, count: int, detail: str | None = None) -> None:
        await self._execute(
            "INSERT INTO log_events (at, kind, count, detail) VALUES (?, ?, ?, ?)", (now_iso(), kind, count, detail)
        )

    async def purge(self, older_than: dt.datetime) -> int:
        """Delete questions asked before older_than, and their votes; returns how many questions."""
        cutoff = iso_utc(older_than)
        await self._execute(
            "DELETE FROM votes WHERE record_id IN (SELECT record_id FROM questions WHERE asked_at < ?)", (cutoff,)
        )
        return await self._execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))

    async def forget(self, user_hash: str) -> int:
        """Delete everything about one person: their questions, votes on them, and their own votes."""
        await self._execute(
            "DELETE FROM votes WHERE user_hash = ?"
            " OR record_id IN (SELECT record_id FROM questions WHERE user_hash = ?)",
            (user_hash, user_hash),
        )
        removed = await self._execute("DELETE FROM questions WHERE user_hash = ?", (user_hash,))
        await self._after_forget()
        return removed

    async def mark(self, scope: Scope, question_id: int, state: ReviewState, reviewer: str, note: str | None) -> bool:
        """Set a question's review state; False when no question of that id is in scope."""
        return await self.mark_many(scope, [question_id], state, reviewer, note) > 0

    async def mark_many(
        self, scope: Scope, question_ids: Sequence[int], state: ReviewState, reviewer: str, note: str | None
    ) -> int:
        """Set the review state of several questions at once; how many of them were in scope."""
        if not question_ids:
            return 0
        where, params = scope.clause()
        marks = ", ".join("?" * len(question_ids))
        return await self._execute(
            "UPDATE questions SET review_state = ?, reviewer = ?, review_note = ?, reviewed_at = ?"
            f" WHERE id IN ({marks}) AND id IN (SELECT q.id FROM questions q WHERE {where})",
            (state.value, reviewer, note, now_iso(), *question_ids, *params),
        )

    async def vote(self, record_id: str, user_hash: str, helpful: bool) -> bool:
        """Record one person's vote on the answer to a logged question (a second vote replaces the
        first); False when that question is not in the log."""
        if not await self._fetch("SELECT 1 FROM questions WHERE record_id = ?", (record_id,)):
            return False
        await self._execute(
            "INSERT INTO votes (record_id, user_hash, helpful, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (record_id, user_hash) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
            (record_id, user_hash, 1 if helpful else 0, now_iso()),
        )
        return True

    # -- watched help channels -------------------------------------------------------------------------

    async def watch(self, community: Community, channel: str, by: str) -> bool:
        """Start watching a channel; False if it was watched already."""
        return (
            await self._execute(
                "INSERT INTO watched_channels (platform, workspace, channel, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, channel) DO NOTHING",
                (community.platform, community.workspace, channel, by, now_iso()),
            )
            > 0
        )

    async def unwatch(self, community: Community, channel: str) -> bool:
        return (
            await self._execute(
                "DELETE FROM watched_channels WHERE platform = ? AND workspace = ? AND channel = ?",
                (community.platform, community.workspace, channel),
            )
            > 0
        )

    async def watched(self, platform: str, workspace: str | None = None) -> list[tuple[str, str]]:
        """(workspace, channel) of every watched channel on platform, or in one of its workspaces."""
        sql = "SELECT workspace, channel FROM watched_channels WHERE platform = ?"
        params: tuple[Any, ...] = (platform,)
        if workspace is not None:
            sql, params = sql + " AND workspace = ?", (*params, workspace)
        return [(str(r[0]), str(r[1])) for r in await self._fetch(sql + " ORDER BY added_at", params)]

    async def answered_in(self, platform: str, channel: str, surface: str) -> bool:
        """Whether the bot already answered in this channel (a thread) from this surface."""
        return bool(
            await self._fetch(
                "SELECT 1 FROM questions WHERE platform = ? AND channel = ? AND surface = ? LIMIT 1",
                (platform, channel, surface),
            )
        )

    # -- review-page sessions ----------------------------------------------------------------------

    async def use_link(self, nonce: str, until: float, now: float) -> bool:
        """Mark a sign-in link used; False if it was already (by this instance or any other)."""
        await self._execute("DELETE FROM used_links WHERE until < ?", (now,))
        return (
            await self._execute(
                "INSERT INTO used_links (nonce, until) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING", (nonce, until)
            )
            > 0
        )

    async def link_used(self, nonce: str) -> bool:
        return bool(await self._fetch("SELECT 1 FROM used_links WHERE nonce = ?", (nonce,)))

    async def open_session(
        self, id_hash: str, scope: Scope, reviewer: str, csrf: str, expires_at: float, now: float
    ) -> None:
        await self._execute("DELETE FROM review_sessions WHERE expires_at < ?", (now,))
        await self._execute(
            "INSERT INTO review_sessions (id_hash, platform, workspace, operator, reviewer, csrf, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (id_hash, scope.platform, scope.workspace, 1 if scope.operator else 0, reviewer, csrf, expires_at),
        )

    async def find_session(self, id_hash: str, now: float) -> tuple[Scope, str, str, float] | None:
        """(scope, reviewer, csrf, expiry) of an open session, or None when it ended or expired."""
        rows = await self._fetch(
            "SELECT platform, workspace, operator, reviewer, csrf, expires_at FROM review_sessions"
            " WHERE id_hash = ? AND expires_at >= ?",
            (id_hash, now),
        )
        if not rows:
            return None
        platform, workspace, operator, reviewer, csrf, expires_at = rows[0]
        return Scope(platform, workspace, operator=bool(operator)), str(reviewer), str(csrf), float(expires_at)

    async def close_session(self, id_hash: str) -> None:
        await self._execute("DELETE FROM review_sessions WHERE id_hash = ?", (id_hash,))

    # -- reading -----------------------------------------------------------------------------------

    async def count(self) -> int:
        return int((await self._fetch("SELECT count(*) FROM questions"))[0][0])

    async def events(self) -> list[tuple[str, str, int]]:
        rows = await self._fetch("SELECT at, kind, count FROM log_events ORDER BY id")
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def get(self, scope: Scope, question_id: int) -> LoggedQuestion | None:
        rows = await self._questions(scope, "q.id = ?", (question_id,), 1)
        return rows[0] if rows else None

    async def by_record_id(self, record_id: str) -> LoggedQuestion | None:
        rows = await self._questions(Scope.everything(), "q.record_id = ?", (record_id,), 1)
        return rows[0] if rows else None

    async def recent(
        self, scope: Scope, limit: int = 20, since: dt.datetime | None = None, offset: int = 0,
        *, emergencies: bool = False,
    ) -> list[LoggedQuestion]:  # fmt: skip
        """The newest questions; with emergencies, only those that got emergency or crisis help first."""
        where = "q.asked_at >= ?" + (" AND q.emergency" if emergencies else "")
        return await self._questions(scope, where, (_since(since),), limit, offset=offset)

    async def unanswered(
        self, scope: Scope, limit: int = 20, since: dt.datetime | None = None, offset: int = 0,
        *, unreviewed: bool = False,
    ) -> list[LoggedQuestion]:  # fmt: skip
        """Questions exobot could not answer; with unreviewed, only those no moderator has marked yet."""
        where = "q.outcome = 'unanswered' AND q.asked_at >= ?" + (" AND q.review_state = 'new'" if unreviewed else "")
        return await self._questions(scope, where, (_since(since),), limit, offset=offset)

    async def not_helpful(self, scope: Scope, limit: int = 5) -> list[LoggedQuestion]:
        """The newest questions someone voted "Not helpful" on: where an answer fell short."""
        where = "EXISTS (SELECT 1 FROM votes v WHERE v.record_id = q.record_id AND v.helpful = 0)"
        return await self._questions(scope, where, (), limit)

    async def for_user(self, user_hash: str, limit: int = 10) -> tuple[int, int, list[LoggedQuestion]]:
        """(questions, votes, newest questions) logged under one pseudonym."""
        total = (await self._fetch("SELECT count(*) FROM questions WHERE user_hash = ?", (user_hash,)))[0][0]
        votes = (await self._fetch("SELECT count(*) FROM votes WHERE user_hash = ?", (user_hash,)))[0][0]
        rows = await self._questions(Scope.everything(), "q.user_hash = ?", (user_hash,), limit)
        return int(total), int(votes), rows

    async def search(self, scope: Scope, text: str, limit: int = 20, offset: int = 0) -> list[LoggedQuestion]:
        """Full-text search; every word must appear. User text is only ever a parameter, never syntax."""
        terms = [t for t in normalise_question(text).split() if t][:20]
        if not terms:
            return []
        await self._before_search()
        clause, params = self._search_clause(terms)
        return await self._questions(scope, clause, params, limit, offset=offset)

    async def export(self, scope: Scope, since: dt.datetime | None = None) -> list[LoggedQuestion]:
        return await self._questions(scope, "q.asked_at >= ?", (_since(since),), None, order="ASC")

    async def top_matches(self, scope: Scope, limit: int = 10, since: dt.datetime | None = None) -> list[Count]:
        where, params = scope.clause()
        rows = await self._fetch(
            f"SELECT q.match, count(*) AS n FROM questions q WHERE {where} AND q.match IS NOT NULL"
            f" AND q.outcome = 'answered' AND {self.day_expression} >= ? GROUP BY q.match ORDER BY n DESC, q.match"
            " LIMIT ?",
            (*params, _since_day(since), limit),
        )
        return [Count(str(r[0]), int(r[1])) for r in rows]

    async def top_unanswered(self, scope: Scope, limit: int = 10, since: dt.datetime | None = None) -> list[Count]:
        """Most frequent unanswered questions, grouped by their normalised text."""
        groups = await self.unanswered_by_wording(scope, since, unreviewed=False)
        ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
        return [Count(key, len(rows), max(r[1] for r in rows)) for key, rows in ranked]

    async def unanswered_by_wording(
        self, scope: Scope, since: dt.datetime | None = None, *, unreviewed: bool = True
    ) -> dict[str, list[UnansweredRow]]:
        """Unanswered questions grouped by their normalised text, each group newest first.

        Grouping happens here, at review time, so that writing a row never pays for normalising it.
        """
        groups: dict[str, list[UnansweredRow]] = {}
        for row in await self.unanswered_texts(scope, since, unreviewed=unreviewed):
            groups.setdefault(normalise_question(row[1]), []).append(row)
        return groups

    async def stats(self, scope: Scope, since: dt.datetime | None = None) -> list[DailyStats]:
        """Per day and platform. Only questions for the content count as asked: small talk, refusals
        and rate limits are not questions the content could have answered."""
        where, params = scope.clause()
        day = self.day_expression
        rows = await self._fetch(
            f"SELECT {day} AS day, q.platform, count(*),"
            " sum(CASE WHEN q.outcome = 'answered' THEN 1 ELSE 0 END),"
            " sum(CASE WHEN q.outcome = 'unanswered' THEN 1 ELSE 0 END),"
            " sum(CASE WHEN q.emergency THEN 1 ELSE 0 END)"
            f" FROM questions q WHERE {where} AND {day} >= ? AND q.outcome IN {_CONTENT_OUTCOMES}"
            f" GROUP BY {day}, q.platform ORDER BY day DESC, q.platform",
            (*params, _since_day(since)),
        )
        return [DailyStats(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]

    async def daily_outcomes(self, scope: Scope, since: dt.datetime | None = None) -> list[DayOutcome]:
        """Questions per day and outcome: what the overview draws and sums, in one pass over the index."""
        where, params = scope.clause()
        day = self.day_expression
        rows = await self._fetch(
            f"SELECT {day} AS day, q.outcome, count(*), sum(CASE WHEN q.emergency THEN 1 ELSE 0 END)"
            f" FROM questions q WHERE {where} AND {day} >= ? GROUP BY {day}, q.outcome ORDER BY day, q.outcome",
            (*params, _since_day(since)),
        )
        return [DayOutcome(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    async def unanswered_texts(
        self, scope: Scope, since: dt.datetime | None = None, *, unreviewed: bool = True
    ) -> list[UnansweredRow]:
        """(id, question, review state, note) of the unanswered questions with text, newest first: what
        the review queue groups. Only the columns grouping needs, since a queue can hold thousands."""
        where, params = scope.clause()
        state = " AND q.review_state = 'new'" if unreviewed else ""
        rows = await self._fetch(
            f"SELECT q.id, q.question, q.review_state, q.review_note FROM questions q WHERE {where}"
            f" AND q.outcome = 'unanswered'{state} AND q.asked_at >= ? AND q.question IS NOT NULL"
            " ORDER BY q.asked_at DESC, q.id DESC",
            (*params, _since(since)),
        )
        return [(int(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3])) for r in rows]

    async def helpfulness(self, scope: Scope, limit: int = 10, since: dt.datetime | None = None) -> list[Helpfulness]:
        """Entries by their share of "not helpful" votes, least helpful first.

        Votes are counted first, then each voted question is looked up: there are far fewer votes than
        questions. CROSS JOIN is what tells SQLite to keep that order (PostgreSQL plans it as any join);
        left to choose, SQLite walks every recent question of the community and looks for its votes.
        """
        where, params = scope.clause()
        rows = await self._fetch(
            "SELECT q.match, sum(v.up), sum(v.down) FROM (SELECT record_id,"
            " sum(CASE WHEN helpful = 1 THEN 1 ELSE 0 END) AS up, sum(CASE WHEN helpful = 0 THEN 1 ELSE 0 END) AS down"
            " FROM votes GROUP BY record_id) v CROSS JOIN questions q WHERE q.record_id = v.record_id"
            f" AND {where} AND q.match IS NOT NULL AND q.asked_at >= ? GROUP BY q.match",
            (*params, _since(since)),
        )
        found = [Helpfulness(str(r[0]), int(r[1]), int(r[2])) for r in rows]
        return sorted(found, key=lambda h: (h.share_helpful, -h.not_helpful, h.match))[:limit]

    # -- copying a whole log (``exobot log migrate-to``) ---------------------------------------------

    async def records_after(self, last_id: int, limit: int) -> list[tuple[int, QuestionRecord, Reviewed]]:
        """A page of rows in id order, with what moderators said of each: (id, record, review)."""
        rows = await self._fetch(
            f"SELECT id, {', '.join(RECORD_COLUMNS)}, {', '.join(_REVIEW_COLUMNS)} FROM questions"
            " WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, limit),
        )
        width = len(RECORD_COLUMNS)
        page = []
        for row in rows:
            values = dict(zip(RECORD_COLUMNS, row[1 : width + 1], strict=True))
            values["emergency"] = bool(values["emergency"])  # SQLite keeps 0 and 1
            page.append((int(row[0]), QuestionRecord(**values), Reviewed(*row[width + 1 :])))
        return page

    async def restore_review(self, record_id: str, review: Reviewed) -> bool:
        """Give a copied row its review, unless a moderator has reviewed it here already."""
        return (
            await self._execute(
                "UPDATE questions SET review_state = ?, reviewer = ?, review_note = ?, reviewed_at = ?"
                " WHERE record_id = ? AND review_state = 'new' AND reviewer IS NULL AND review_note IS NULL",
                (*review, record_id),
            )
            > 0
        )

    async def table_rows(self, table: str) -> list[Sequence[Any]]:
        """Every row of one of ``COPIED_TABLES``, in its columns' order."""
        columns, _ = COPIED_TABLES[table]
        return await self._fetch(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}")

    async def restore_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> int:
        """Add rows to one of ``COPIED_TABLES``, skipping those whose key is here already; how many were added."""
        columns, key = COPIED_TABLES[table]
        exists = f"SELECT 1 FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in key)} LIMIT 1"
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        added = 0
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            if not await self._fetch(exists, [values[k] for k in key]):
                added += await self._execute(insert, row)
        return added

    async def _questions(
        self,
        scope: Scope,
        condition: str,
        params: tuple[Any, ...],
        limit: int | None,
        *,
        offset: int = 0,
        order: str = "DESC",
    ) -> list[LoggedQuestion]:
        where, scope_params = scope.clause()
        ordered = f"ORDER BY q.asked_at {order}, q.id {order}"
        page = f"SELECT q.* FROM questions q WHERE {where} AND {condition} {ordered}"
        if limit is not None:
            page += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        # Votes are counted for the page's rows only: PostgreSQL would count them for every row an
        # OFFSET skips, too (ten thousand lookups to show page 200).
        sql = f"{_SELECT} ({page}) q {ordered}"
        return [_logged(r) for r in await self._fetch(sql, (*scope_params, *params))]


def _since(since: dt.datetime | None) -> str:
    return iso_utc(since) if since else ""


def _since_day(since: dt.datetime | None) -> str:
    """since as the day it falls on (UTC), for counts made per day: they read the day index."""
    return iso_utc(since)[:10] if since else ""


def _logged(row: Sequence[Any]) -> LoggedQuestion:
    values = dict(zip(LOGGED_COLUMNS, row, strict=True))
    values["emergency"] = bool(values["emergency"])
    return LoggedQuestion(**values)
