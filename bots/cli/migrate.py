"""``exobot log migrate-to postgresql://…``: move the SQLite log to PostgreSQL when one process becomes
several. Safe to run again (nothing is copied twice); the password is never printed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bots.config import load_config_or_exit
from core.questionlog.postgres import PostgresStore, masked_url
from core.questionlog.sqlite import SqliteStore
from core.questionlog.store import LogUnavailable
from core.questionlog.transfer import CopyReport, copy_log
from core.text import plural


def migrate_command(args: argparse.Namespace) -> int:
    settings = load_config_or_exit().settings
    url = args.url or (settings.database_url.reveal() if settings.database_url else None)
    if not url or not url.startswith(("postgresql://", "postgres://")):
        print("exobot: give a postgresql:// address (or set EXOBOT_DATABASE_URL)", file=sys.stderr)
        return 2
    source = Path(args.source) if args.source else settings.db_path
    if not source.is_file():
        print(f"exobot: no SQLite question log at {source} (--from names another)", file=sys.stderr)
        return 1
    try:
        report = asyncio.run(_copy(source, url))
    except LogUnavailable as exc:
        print(f"exobot: could not copy the log to {masked_url(url)}: {exc}", file=sys.stderr)
        return 1
    print(
        f"copied {plural(report.questions, 'question')} of {report.read}"
        f" ({report.read - report.questions} there already, {plural(report.reviews, 'review')}),"
        f" {plural(report.votes, 'vote')}, {plural(report.watched_channels, 'watched channel')}"
        f" and {plural(report.log_events, 'log event')} from {source} to {masked_url(url)}"
    )
    return 0


async def _copy(source: Path, url: str) -> CopyReport:
    async with await SqliteStore.open(source) as sqlite, await PostgresStore.open(url) as postgres:
        return await copy_log(sqlite, postgres)
