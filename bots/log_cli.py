"""``exobot log …``: the moderators' review tools in the terminal (rich tables, or ``--json``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def add_log_parser(sub: Any) -> None:
    log = sub.add_parser("log", help="review the question log")
    log_sub = log.add_subparsers(metavar="ACTION", required=True)

    def action(name: str, help_text: str, *, limit: bool = True, json_flag: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = log_sub.add_parser(name, help=help_text)
        if limit:
            parser.add_argument("--limit", type=int, default=20, help="how many rows (default 20)")
        if json_flag:
            parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        parser.set_defaults(handler=_run, action=name)
        return parser

    action("recent", "the newest questions")
    action("unanswered", "questions the bot could not answer")
    action("top", "most asked entries and most frequent unanswered questions")
    action("stats", "questions per day and platform, answer rate, emergencies", limit=False).add_argument(
        "--days", type=int, default=30, help="how many days back (default 30)"
    )
    action("search", "full-text search of question text").add_argument("text", nargs="+")
    action("show", "one question in full", limit=False).add_argument("id", type=int)
    mark = action("mark", "mark a question reviewed or flagged", limit=False, json_flag=False)
    mark.add_argument("id", type=int)
    mark.add_argument("state", choices=["reviewed", "flagged", "new"])
    mark.add_argument("--note", default=None)
    mark.add_argument("--reviewer", default="cli")
    export = action("export", "export the log as CSV or JSON", limit=False, json_flag=False)
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--since", default=None, help="YYYY-MM-DD")
    export.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    purge = action("purge", "delete questions older than the retention period", limit=False, json_flag=False)
    purge.add_argument("--days", type=int, default=None, help="override EXOBOT_RETENTION_DAYS")


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from bots.cli import load_settings

    return asyncio.run(_dispatch(args, load_settings()))


async def _dispatch(args: argparse.Namespace, settings: Any) -> int:
    import dataclasses
    import datetime as dt
    import json

    from core.log.records import ReviewState, utcnow
    from core.log.store import QuestionStore
    from core.review import ReviewError, export_bytes, parse_date

    if not settings.db_path.exists():
        print(
            f"exobot: no question log at {settings.db_path} yet (set EXOBOT_DB to read another).",
            file=sys.stderr,
        )
        return 1
    async with await QuestionStore.open(settings.db_path) as store:
        action = args.action
        if action in ("recent", "unanswered"):
            rows = await (store.recent(args.limit) if action == "recent" else store.unanswered(args.limit))
            return _print_questions(rows, args.json)
        if action == "search":
            return _print_questions(await store.search(" ".join(args.text), args.limit), args.json)
        if action == "show":
            row = await store.get(args.id)
            if row is None:
                print(f"exobot: no question {args.id}", file=sys.stderr)
                return 1
            return _print_table([dataclasses.asdict(row)], args.json, "Question")
        if action == "top":
            top = [{"entry": c.key, "asked": c.count} for c in await store.top_matches(args.limit)]
            missing = [
                {"question": c.example, "normalised": c.key, "asked": c.count}
                for c in await store.top_unanswered(args.limit)
            ]
            if args.json:
                print(json.dumps({"entries": top, "unanswered": missing}, indent=1))
                return 0
            _print_table(top, False, "Most asked entries")
            return _print_table(missing, False, "Most frequent unanswered questions")
        if action == "stats":
            stats = await store.stats(utcnow() - dt.timedelta(days=args.days))
            daily = [{**dataclasses.asdict(s), "answer_rate": round(s.answer_rate, 3)} for s in stats]
            return _print_table(daily, args.json, "Questions per day")
        if action == "mark":
            if not await store.mark(args.id, ReviewState(args.state), args.reviewer, args.note):
                print(f"exobot: no question {args.id}", file=sys.stderr)
                return 1
            print(f"question {args.id} marked {args.state}")
            return 0
        if action == "export":
            try:
                since = parse_date(args.since) if args.since else None
            except ReviewError as exc:
                print(f"exobot: {exc}", file=sys.stderr)
                return 2
            data = export_bytes(await store.export(since), args.format)
            if args.output == "-":
                sys.stdout.buffer.write(data)
            else:
                await _write_file(Path(args.output), data)
            return 0
        days = args.days or settings.retention_days
        removed = await store.purge(utcnow() - dt.timedelta(days=days))
        print(f"removed {removed} question(s) older than {days} days")
        return 0


def _print_questions(rows: Sequence[Any], as_json: bool) -> int:
    view = [
        {
            "id": r.id, "asked_at": r.asked_at[:19], "platform": r.platform, "question": r.question,
            "match": r.match, "outcome": r.outcome, "emergency": r.emergency, "review": r.review_state,
        }
        for r in rows
    ]  # fmt: skip
    return _print_table(view, as_json, "Questions")


def _print_table(rows: Sequence[dict[str, Any]], as_json: bool, title: str) -> int:
    import json

    if as_json:
        print(json.dumps(list(rows), indent=1, default=str))
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    if not rows:
        Console().print(f"{title}: nothing logged.")
        return 0
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        # Logged text is user input: escape it so "[bold]" in a question is shown, not interpreted.
        table.add_row(*(escape("" if v is None else str(v)) for v in row.values()))
    Console().print(table)
    return 0


async def _write_file(path: Path, data: bytes) -> None:
    import asyncio

    await asyncio.to_thread(path.write_bytes, data)
