"""What moderators can do with the question log, as platform-neutral answers and exports.

The ``exobot log`` CLI and every adapter's moderator commands call these same functions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import asdict

from core.answers import Answer, Attachment, Field, Outcome
from core.log.records import LoggedQuestion, ReviewState
from core.log.store import QuestionStore

MOD_USAGE = (
    "mod recent | mod unanswered | mod top | mod stats | mod search <words> | mod show <id> | "
    "mod mark <id> reviewed|flagged [note] | mod export [csv|json] [since YYYY-MM-DD]"
)
EXPORT_FORMATS = ("csv", "json")


class ReviewError(ValueError):
    """A moderator command that cannot be carried out, with a message to show them."""


def export_bytes(rows: Sequence[LoggedQuestion], fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=1).encode()
    if fmt != "csv":
        raise ReviewError(f"unknown export format {fmt!r}; use csv or json")
    buffer = io.StringIO()
    columns = list(LoggedQuestion.__dataclass_fields__)
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        # A leading = + - @ makes spreadsheets run the cell as a formula; prefix it so it stays text.
        writer.writerow([_csv_safe(getattr(row, c)) for c in columns])
    return buffer.getvalue().encode()


def parse_date(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    except ValueError:
        raise ReviewError(f"{text!r} is not a date; use YYYY-MM-DD") from None


async def moderate(store: QuestionStore, argument: str, reviewer: str, disclaimer: str) -> Answer:
    """Carry out one ``mod …`` command. Raises ReviewError with a friendly message for bad input."""
    action, _, rest = argument.strip().partition(" ")
    rest = rest.strip()
    action = action.lower()
    if action in ("recent", "unanswered", ""):
        rows = await (store.unanswered() if action == "unanswered" else store.recent())
        title = "Unanswered questions" if action == "unanswered" else "Recent questions"
        return _answer(
            title,
            [_question_field(r) for r in rows] or [Field("Nothing yet", "No questions logged.")],
            disclaimer,
        )
    if action == "top":
        matches, unanswered = await store.top_matches(), await store.top_unanswered()
        fields = [Field(f"{c.count}× {c.key}", "most asked topic") for c in matches]
        fields += [Field(f"{c.count}× unanswered", c.example or c.key) for c in unanswered]
        return _answer("Most asked", fields or [Field("Nothing yet", "No questions logged.")], disclaimer)
    if action == "stats":
        stats = await store.stats(dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
        fields = [
            Field(
                f"{s.day} {s.platform}",
                f"{s.total} asked, {s.answer_rate:.0%} answered, {s.emergencies} emergencies",
            )
            for s in stats
        ]
        return _answer(
            "Questions per day (30 days)",
            fields or [Field("Nothing yet", "No questions logged.")],
            disclaimer,
        )
    if action == "search":
        if not rest:
            raise ReviewError("Give some words to search for: `mod search <words>`")
        rows = await store.search(rest)
        return _answer(
            f"Questions matching {rest!r}",
            [_question_field(r) for r in rows] or [Field("No matches", rest)],
            disclaimer,
        )
    if action == "show":
        row = await store.get(_question_id(rest))
        if row is None:
            raise ReviewError(f"There is no logged question {rest}.")
        return _answer(f"Question {row.id}", _detail_fields(row), disclaimer)
    if action == "mark":
        qid_text, _, more = rest.partition(" ")
        state_text, _, note = more.strip().partition(" ")
        try:
            state = ReviewState(state_text.lower())
        except ValueError:
            raise ReviewError("Use `mod mark <id> reviewed|flagged [note]`.") from None
        if not await store.mark(_question_id(qid_text), state, reviewer, note.strip() or None):
            raise ReviewError(f"There is no logged question {qid_text}.")
        return _answer(
            f"Question {qid_text} marked {state.value}", [Field("Note", note.strip() or "(none)")], disclaimer
        )
    if action == "export":
        words = rest.split()
        fmt = words[0].lower() if words and words[0].lower() in EXPORT_FORMATS else "csv"
        since_words = [w for w in words if w.lower() not in EXPORT_FORMATS and w.lower() != "since"]
        since = parse_date(since_words[0]) if since_words else None
        rows = await store.export(since)
        data = export_bytes(rows, fmt)
        name = f"exobot-questions-{dt.date.today().isoformat()}.{fmt}"
        media = "text/csv" if fmt == "csv" else "application/json"
        answer = _answer("Question log export", [Field("Rows", str(len(rows))), Field("File", name)], disclaimer)
        return answer.copy_with(attachment=Attachment(name, data, media))
    raise ReviewError(f"Unknown moderator command {action!r}. Try: {MOD_USAGE}")


def _answer(title: str, fields: Sequence[Field], disclaimer: str) -> Answer:
    return Answer(
        title=title, paragraphs=(), fields=tuple(fields[:25]), disclaimer=disclaimer, private=True,
        command="mod", outcome=Outcome.ANSWERED,
    )  # fmt: skip


def _question_id(text: str) -> int:
    if not text.strip().isdigit():
        raise ReviewError(f"{text or 'That'!r} is not a question id (a number from `mod recent`).")
    return int(text)


def _question_field(row: LoggedQuestion) -> Field:
    text = row.question if row.question is not None else "(text not stored)"
    flag = " ⚠ emergency" if row.emergency else ""
    return Field(
        f"#{row.id} {row.asked_at[:16].replace('T', ' ')} {row.platform}{flag}",
        f"{text[:200]} → {row.match or row.outcome} [{row.review_state}]",
        inline=False,
    )


def _detail_fields(row: LoggedQuestion) -> list[Field]:
    return [
        Field("Asked", row.asked_at),
        Field(
            "Where",
            f"{row.platform} {row.workspace or ''} {row.channel or ''} ({row.channel_kind})".replace("  ", " "),
        ),
        Field("Question", row.question if row.question is not None else "(text not stored)", inline=False),
        Field(
            "Answer",
            f"{row.match or '(none)'} · {row.outcome} · score {row.score:.2f} · {row.latency_ms:.1f} ms",
        ),
        Field("Emergency", "yes" if row.emergency else "no"),
        Field(
            "Review",
            f"{row.review_state}" + (f" by {row.reviewer}: {row.review_note or ''}" if row.reviewer else ""),
        ),
    ]


def _csv_safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
