"""Python's logging for the process: readable text by default, JSON lines with EXOBOT_LOG_FORMAT=json,
secrets redacted, and nothing from a request (user ids, names, questions, URLs) let through.

Platform libraries log requests they handle: slack-bolt logs the whole body of every request whose
signature fails, at INFO, and copies the root logger's level onto its own loggers when an app is
made. So our handler, not the libraries' levels, decides: a library's record below WARNING is never
written, whatever level the operator chose for exobot's own messages.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bots.config import Config

OWN_LOGGERS = ("exobot", "core", "bots", "__main__")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class OnlyOwnDetail(logging.Filter):
    """Lets a third-party record through only at WARNING or above: below that, libraries log
    requests and payloads, which hold what people typed."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in OWN_LOGGERS


class RedactSecrets(logging.Filter):
    """Replaces every known secret in a record's final text, whatever library logged it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "(hidden)")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(config: Config) -> None:
    """Logging as the configuration says, with every secret it holds redacted."""
    configure(config.settings.log_format, config.settings.log_level, [s.reveal() for s in config.secrets])


def configure(fmt: str = "text", level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    handler.addFilter(OnlyOwnDetail())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
