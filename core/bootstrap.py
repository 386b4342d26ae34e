"""Build the running core from settings: content, engine, question log and service, closed in order."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from core.answers import Answer
from core.engine import AnswerEngine
from core.questionlog.pseudonym import Pseudonymiser, load_or_create_key
from core.questionlog.writer import Connector, LogWriter
from core.ratelimit import RateLimiter
from core.request import Request
from core.service import ExobotService
from core.settings import Settings
from core.signin import SignInLinks


def log_connector(settings: Settings) -> Connector:
    """The configured question log: PostgreSQL when EXOBOT_DATABASE_URL is set, else the SQLite file.

    Drivers are imported here, for the one in use only.
    """
    if settings.database_url is not None:
        from core.questionlog.postgres import postgres_connector

        return postgres_connector(settings.database_url.reveal(), settings.data_dir / "exobot-postgres.spool.jsonl")
    from core.questionlog.sqlite import sqlite_connector

    return sqlite_connector(settings.db_path)


def log_key(settings: Settings) -> bytes:
    return load_or_create_key(settings.log_key.reveal() if settings.log_key else None, settings.data_dir)


def log_writer(settings: Settings, key: bytes | None = None) -> LogWriter:
    key = key if key is not None else log_key(settings)
    return LogWriter(log_connector(settings), Pseudonymiser(key), retention_days=settings.retention_days)


def signin_links(settings: Settings, key: bytes | None = None) -> SignInLinks | None:
    """Sign-in links to the review pages, when some process serves them (``Settings.review_url``)."""
    if settings.review_url is None:
        return None
    return SignInLinks(key if key is not None else log_key(settings), settings.review_url)


@contextlib.asynccontextmanager
async def running_service(
    settings: Settings,
    *,
    rate_limit: bool = True,
    on_answer: Callable[[Request, Answer, float], None] | None = None,
) -> AsyncIterator[ExobotService]:
    """A service with its log writer started; leaving the block writes every queued row and closes the
    log (``service.writer.last_report`` says what could not be kept)."""
    engine = AnswerEngine.from_settings(settings)
    key = log_key(settings)
    writer = log_writer(settings, key)
    await writer.start()
    try:
        yield ExobotService(
            engine,
            writer=writer,
            rate_limiter=RateLimiter(settings.rate_limit.count, settings.rate_limit.seconds) if rate_limit else None,
            content_dir=settings.content_dir,
            on_answer=on_answer,
            signin=signin_links(settings, key),
        )
    finally:
        await writer.stop()
