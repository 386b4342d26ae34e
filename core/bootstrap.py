"""Build the running core from settings: content, engine, question log and service, closed in order."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from core.answers import Answer
from core.engine import AnswerEngine
from core.log.process import LogProcess
from core.log.pseudonym import Pseudonymiser, load_or_create_key
from core.ratelimit import RateLimiter
from core.request import Request
from core.service import ExobotService
from core.settings import Settings


@contextlib.asynccontextmanager
async def running_service(
    settings: Settings,
    *,
    rate_limit: bool = True,
    on_answer: Callable[[Request, Answer, float], None] | None = None,
) -> AsyncIterator[ExobotService]:
    """A service with its log writer started; leaving the block flushes and closes the log."""
    engine = AnswerEngine.from_settings(settings)
    key = load_or_create_key(settings.log_key.reveal() if settings.log_key else None, settings.data_dir)
    writer = LogProcess(settings.db_path, Pseudonymiser(key), retention_days=settings.retention_days)
    await writer.start()
    try:
        yield ExobotService(
            engine,
            writer=writer,
            rate_limiter=RateLimiter(settings.rate_limit.count, settings.rate_limit.seconds) if rate_limit else None,
            content_dir=settings.content_dir,
            on_answer=on_answer,
        )
    finally:
        await writer.stop()
