"""``exobot log …``: the operator's review of every community's questions, in a terminal.

It speaks the moderators' chat grammar (``exobot log mark 5 flagged PRP is not stem cells`` is
``/exosome mod mark 5 flagged PRP is not stem cells``): the words are parsed and carried out by
``core.review``, as in chat. Flags (``--note``, ``--format``, ``--since``…) say the same for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bots.config import load_config_or_exit
from core.bootstrap import log_connector
from core.questionlog.store import LogUnavailable, Scope
from core.review import (
    NotFound,
    Review,
    ReviewCommand,
    ReviewError,
    as_plain,
    detail_lines,
    parse_command,
    parse_date,
    run_review,
)
from core.text import plural


def add_parser(sub: Any) -> None:
    log = sub.add_parser("log", help="review the question log (every community's)")
    log_sub = log.add_subparsers(metavar="ACTION", required=True)

    def action(name: str, help_text: str, *, words: str | None = None) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = log_sub.add_parser(name, help=help_text)
        if words:
            parser.add_argument("words", nargs="*" if words == "optional" else "+", metavar=words.upper())
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        parser.add_argument("--platform", default=None, help="only this platform (slack, discord…)")
        parser.add_argument("--workspace", default=None, help="only this Slack team or Discord server id")
        parser.set_defaults(handler=_run, action=name)
        return parser

    for name, help_text in (("recent", "the newest questions"), ("unanswered", "questions the bot could not answer"),
                            ("top", "most asked entries and most frequent unanswered questions")):  # fmt: skip
        action(name, help_text).add_argument("--limit", type=int, default=20, help="how many rows (default 20)")
    action("stats", "questions per day and platform, answer rate, emergencies").add_argument(
        "--days", type=int, default=30, help="how many days back (default 30)"
    )
    search = action("search", "full-text search of question text", words="words")
    search.add_argument("--limit", type=int, default=20)
    action("show", "one question in full").add_argument("id", help="the question's number")
    mark = action("mark", "mark a question reviewed, flagged or new, with a note")
    mark.add_argument("id", help="the question's number")
    mark.add_argument("state", choices=["reviewed", "flagged", "new"])
    mark.add_argument("words", nargs="*", metavar="NOTE", help="the note, as in chat")
    mark.add_argument("--note", default=None, help="the note (instead of words after the state)")
    mark.add_argument("--reviewer", default="operator")
    export = action("export", "export as CSV or JSON: [csv|json] [since YYYY-MM-DD]", words="optional")
    export.add_argument("--format", choices=["csv", "json"], default=None)
    export.add_argument("--since", default=None, help="YYYY-MM-DD")
    export.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    purge = log_sub.add_parser("purge", help="delete questions older than the retention period")
    purge.add_argument("--days", type=int, default=None, help="override EXOBOT_RETENTION_DAYS")
    purge.set_defaults(handler=_purge)
    migrate = log_sub.add_parser("migrate-to", help="copy the SQLite log into PostgreSQL (safe to run again)")
    migrate.add_argument("url", nargs="?", default=None, help="postgresql://… (default: EXOBOT_DATABASE_URL)")
    migrate.add_argument("--from", dest="source", default=None, help="the SQLite file (default: EXOBOT_DB)")
    migrate.set_defaults(handler=_migrate_to)


def command_from(args: argparse.Namespace) -> ReviewCommand:
    """The chat grammar's command for these arguments, with flags applied over the words."""
    positional = [str(getattr(args, name)) for name in ("id", "state") if hasattr(args, name)]
    text = " ".join([args.action, *positional, *getattr(args, "words", [])])
    command = parse_command(text)
    changes: dict[str, Any] = {}
    if getattr(args, "limit", None) is not None:
        changes["limit"] = args.limit
    if getattr(args, "days", None) is not None:
        changes["days"] = args.days
    if getattr(args, "note", None) is not None:
        changes["note"] = args.note
    if getattr(args, "format", None) is not None:
        changes["fmt"] = args.format
    if getattr(args, "since", None) is not None:
        changes["since"] = parse_date(args.since)
    return dataclasses.replace(command, **changes)


def _run(args: argparse.Namespace) -> int:
    settings = load_config_or_exit().settings
    try:
        command = command_from(args)
    except ReviewError as exc:
        print(f"exobot: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, NotFound) else 2
    if settings.database_url is None and not settings.db_path.exists():
        print(f"exobot: no question log at {settings.db_path} yet (set EXOBOT_DB to read another).", file=sys.stderr)
        return 1
    scope = Scope.everything(args.platform, args.workspace)
    try:
        review = asyncio.run(_review(settings, scope, command, getattr(args, "reviewer", "operator")))
    except ReviewError as exc:
        print(f"exobot: {exc}", file=sys.stderr)
        return 1
    except LogUnavailable as exc:
        print(f"exobot: the question log cannot be read: {exc}", file=sys.stderr)
        return 1
    if review.export is not None:
        if args.output == "-":
            sys.stdout.buffer.write(review.export.content)
        else:
            Path(args.output).write_bytes(review.export.content)
            print(review.message, file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps(as_plain(review), indent=1, default=str))
        return 0
    _print(review)
    return 0


async def _review(settings: Any, scope: Scope, command: ReviewCommand, reviewer: str) -> Review:
    async with await log_connector(settings).reader() as store:
        return await run_review(store, scope, command, reviewer)


def _print(review: Review) -> None:
    if review.detail is not None:
        for name, value in detail_lines(review.detail):
            print(f"{name}: {value}")
        return
    if review.message and not (review.questions or review.stats or review.entries):
        print(f"{review.title}. {review.message}")
        return
    if review.questions or not (review.entries or review.unanswered or review.stats):
        _table(review.title, [
            {"id": r.id, "asked_at": r.asked_at[:19], "platform": r.platform, "workspace": r.workspace,
             "question": r.question, "match": r.match, "outcome": r.outcome, "emergency": r.emergency,
             "review": r.review_state}
            for r in review.questions
        ])  # fmt: skip
    if review.entries:
        _table("Most asked entries", [{"entry": c.key, "asked": c.count} for c in review.entries])
    if review.unanswered:
        _table("Most frequent unanswered questions",
               [{"question": c.example, "normalised": c.key, "asked": c.count} for c in review.unanswered])  # fmt: skip
    if review.stats:
        _table(review.title, [{**dataclasses.asdict(s), "answer_rate": round(s.answer_rate, 3)} for s in review.stats])
    if review.helpfulness:
        _table("Least helpful entries", [dataclasses.asdict(h) for h in review.helpfulness])


def _table(title: str, rows: Sequence[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if not rows:
        console.print(f"{title}: nothing logged.")
        return
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        # Logged text is user input: escape it so "[bold]" in a question is shown, not interpreted.
        table.add_row(*(escape("" if v is None else str(v)) for v in row.values()))
    console.print(table)


def _migrate_to(args: argparse.Namespace) -> int:
    from bots.cli.migrate import migrate_command  # deferred: the PostgreSQL driver loads for this command only

    return migrate_command(args)


def _purge(args: argparse.Namespace) -> int:
    import datetime as dt

    from core.questionlog.records import utcnow

    settings = load_config_or_exit().settings
    days = args.days or settings.retention_days

    async def purge() -> int:
        async with await log_connector(settings).reader() as store:
            return await store.purge(utcnow() - dt.timedelta(days=days))

    removed = asyncio.run(purge())
    print(f"removed {plural(removed, 'question')} older than {days} days")
    return 0
