"""Typed settings from the environment and an optional ``.env`` file, validated all at once.

Every problem names its variable and what it expects, and start-up stops before anything connects:
a bot that half-starts with a bad token is harder to debug than one that refuses to start.

Only the settings every platform shares live here. Each adapter reads its own (tokens, allow-lists)
with the same ``EnvReader``, so that all problems, core's and every adapter's, are reported together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Secret:
    """A value that must never be printed: its repr and str are masked, ``reveal()`` is explicit."""

    value: str = field(repr=False)

    def reveal(self) -> str:
        return self.value

    def masked(self) -> str:
        return f"{self.value[:5]}…(hidden)" if len(self.value) > 12 else "(hidden)"

    def __str__(self) -> str:
        return "(hidden)"


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: float


class SettingsError(Exception):
    """Every bad variable at once, each with what it expects."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  {var}: {msg}" for var, msg in problems))


def read_environment(env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The variables of env (default ``os.environ``) over those of env_file, if it exists."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        from dotenv import dotenv_values  # only needed when there is a file to read

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if env is None else env)
    return values


class EnvReader:
    """Reads typed values from the environment, collecting every problem instead of stopping at one."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[tuple[str, str]] = []

    def problem(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    def raw(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.strip() if value is not None and value.strip() else None

    def is_set_empty(self, name: str) -> bool:
        """Set, but to nothing: how an operator switches off a setting that has a default."""
        return name in self.values and not self.values[name].strip()

    def get(self, name: str, default: T, convert: Callable[[str], T], expects: str) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return convert(value)
        except ValueError:
            self.problem(name, f"expects {expects}, got {value!r}")
            return default

    def secret(self, name: str) -> Secret | None:
        value = self.raw(name)
        return Secret(value) if value is not None else None

    def words(self, name: str) -> tuple[str, ...]:
        """A comma-separated list, empty when unset."""
        return tuple(w.strip() for w in (self.raw(name) or "").split(",") if w.strip())

    def url(self, name: str) -> str | None:
        value = self.raw(name)
        if value and not value.startswith(("http://", "https://")):
            self.problem(name, "expects an http:// or https:// address")
            return None
        return value

    def address(self, name: str, default: tuple[str, int] | None) -> tuple[str, int] | None:
        """HOST:PORT; an explicitly empty value switches it off."""
        if self.is_set_empty(name):
            return None
        return self.get(name, default, address, "HOST:PORT, like 127.0.0.1:8080")


@dataclass(frozen=True)
class Settings:
    """What every platform shares: where the log lives, how answers are shaped, how the process runs."""

    data_dir: Path
    db_path: Path
    database_url: Secret | None = None
    """``postgresql://…`` to keep the question log on PostgreSQL instead of the SQLite file."""
    log_key: Secret | None = None
    retention_days: int = 90
    store_text: bool = True
    emergency_number: str | None = None
    crisis_line: str | None = None
    content_dir: Path | None = None
    health_addr: tuple[str, int] | None = ("127.0.0.1", 8080)
    web_addr: tuple[str, int] | None = None
    web_public_url: str | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    rate_limit: RateLimit = RateLimit(5, 60.0)

    @classmethod
    def read(cls, env: EnvReader) -> Settings:
        data_dir = Path(env.raw("EXOBOT_DATA_DIR") or _default_data_dir())
        database_url = env.secret("EXOBOT_DATABASE_URL")
        if database_url and not database_url.reveal().startswith(("postgresql://", "postgres://")):
            env.problem("EXOBOT_DATABASE_URL", "expects a postgresql:// address (unset keeps the SQLite file)")
        return cls(
            data_dir=data_dir,
            db_path=Path(env.raw("EXOBOT_DB") or data_dir / "exobot.db"),
            database_url=database_url,
            log_key=env.secret("EXOBOT_LOG_KEY"),
            retention_days=env.get("EXOBOT_RETENTION_DAYS", 90, positive_int, "a whole number of days, 1 or more"),
            store_text=env.get("EXOBOT_LOG_STORE_TEXT", True, boolean, "true or false"),
            emergency_number=env.raw("EXOBOT_EMERGENCY_NUMBER"),
            crisis_line=env.raw("EXOBOT_CRISIS_LINE"),
            content_dir=Path(v) if (v := env.raw("EXOBOT_CONTENT_DIR")) else None,
            health_addr=env.address("EXOBOT_HEALTH_ADDR", ("127.0.0.1", 8080)),
            web_addr=env.address("EXOBOT_WEB_ADDR", None),
            web_public_url=env.url("EXOBOT_WEB_PUBLIC_URL"),
            log_format=env.get("EXOBOT_LOG_FORMAT", "text", _log_format, "text or json"),
            log_level=env.get("EXOBOT_LOG_LEVEL", "INFO", _log_level, "DEBUG, INFO, WARNING or ERROR"),
            rate_limit=env.get("EXOBOT_RATE_LIMIT", RateLimit(5, 60.0), _rate_limit, "COUNT/SECONDS, like 5/60"),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
        """Shared settings alone, for tools that need no platform; raises SettingsError."""
        reader = EnvReader(read_environment(env, env_file))
        settings = cls.read(reader)
        if reader.problems:
            raise SettingsError(reader.problems)
        return settings

    @property
    def review_url(self) -> str | None:
        """Where moderators open the review pages, or None when no process serves them.

        EXOBOT_WEB_PUBLIC_URL alone is enough: an instance that does not serve the pages itself can
        still hand out links to the one that does.
        """
        if self.web_public_url:
            return self.web_public_url.rstrip("/")
        if self.web_addr:
            host, port_number = self.web_addr
            return f"http://{f'[{host}]' if ':' in host else host}:{port_number}"
        return None

    @property
    def secrets(self) -> tuple[Secret, ...]:
        return tuple(s for s in (self.log_key, self.database_url) if s is not None)

    def describe(self) -> list[tuple[str, str]]:
        """The effective configuration as (variable, value) rows, secrets masked."""

        def addr(value: tuple[str, int] | None) -> str:
            return f"{value[0]}:{value[1]}" if value else "(disabled)"

        return [
            ("EXOBOT_DATA_DIR", str(self.data_dir)),
            ("EXOBOT_DB", str(self.db_path)),
            ("EXOBOT_DATABASE_URL", self.database_url.masked() if self.database_url else "(unset: the SQLite file)"),
            ("EXOBOT_LOG_KEY", self.log_key.masked() if self.log_key else "(generated file in the data directory)"),
            ("EXOBOT_RETENTION_DAYS", str(self.retention_days)),
            ("EXOBOT_LOG_STORE_TEXT", str(self.store_text).lower()),
            ("EXOBOT_EMERGENCY_NUMBER", self.emergency_number or "(default: 911 / 999 / 112)"),
            ("EXOBOT_CRISIS_LINE", self.crisis_line or "(default: 988 / Samaritans 116 123)"),
            ("EXOBOT_CONTENT_DIR", str(self.content_dir) if self.content_dir else "(shipped content)"),
            ("EXOBOT_HEALTH_ADDR", addr(self.health_addr)),
            ("EXOBOT_WEB_ADDR", addr(self.web_addr)),
            ("EXOBOT_WEB_PUBLIC_URL", self.web_public_url or "(http://EXOBOT_WEB_ADDR)"),
            ("EXOBOT_LOG_FORMAT", self.log_format),
            ("EXOBOT_LOG_LEVEL", self.log_level),
            ("EXOBOT_RATE_LIMIT", f"{self.rate_limit.count}/{self.rate_limit.seconds:g}"),
        ]


_ADDR = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})$")


def _default_data_dir() -> str:
    from platformdirs import user_data_dir  # deferred: only needed when EXOBOT_DATA_DIR is unset

    return user_data_dir("exobot", appauthor=False)


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def port(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise ValueError(value)
    return number


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def address(value: str) -> tuple[str, int]:
    found = _ADDR.match(value)
    if not found:
        raise ValueError(value)
    return found["host"].strip("[]"), port(found["port"])


def _log_format(value: str) -> Literal["text", "json"]:
    lowered = value.lower()
    if lowered == "text":
        return "text"
    if lowered == "json":
        return "json"
    raise ValueError(value)


def _log_level(value: str) -> str:
    upper = value.upper()
    if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError(value)
    return upper


def _rate_limit(value: str) -> RateLimit:
    count, _, seconds = value.partition("/")
    limit = RateLimit(int(count), float(seconds))
    if limit.count < 1 or limit.seconds <= 0:
        raise ValueError(value)
    return limit
