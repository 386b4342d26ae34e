"""Typed settings from the environment and an optional ``.env`` file, validated all at once.

Every problem names its variable and what it expects, and start-up stops before anything connects:
a bot that half-starts with a bad token is harder to debug than one that refuses to start.
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


@dataclass(frozen=True)
class SlackSettings:
    bot_token: Secret
    signing_secret: Secret | None
    app_token: Secret | None
    api_base_url: str | None = None
    moderators: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 3000

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


@dataclass(frozen=True)
class DiscordSettings:
    token: Secret
    shard_count: int | None = None
    """Set for large bots (2,500+ servers): switches to discord.py's AutoShardedClient."""
    private_by_default: bool = False
    api_base_url: str | None = None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_path: Path
    log_key: Secret | None = None
    retention_days: int = 90
    store_text: bool = True
    emergency_number: str | None = None
    content_dir: Path | None = None
    health_addr: tuple[str, int] | None = ("127.0.0.1", 8080)
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    rate_limit: RateLimit = RateLimit(5, 60.0)
    slack: SlackSettings | None = None
    discord: DiscordSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
        """Settings from env (default ``os.environ``) over the values of env_file, if it exists."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            from dotenv import dotenv_values  # only needed when there is a file to read

            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if env is None else env)
        return _Reader(values).settings()

    def describe(self) -> list[tuple[str, str]]:
        """The effective configuration as (variable, value) rows, secrets masked."""
        rows = [
            ("EXOBOT_DATA_DIR", str(self.data_dir)),
            ("EXOBOT_DB", str(self.db_path)),
            (
                "EXOBOT_LOG_KEY",
                self.log_key.masked() if self.log_key else "(generated file in the data directory)",
            ),
            ("EXOBOT_RETENTION_DAYS", str(self.retention_days)),
            ("EXOBOT_LOG_STORE_TEXT", str(self.store_text).lower()),
            ("EXOBOT_EMERGENCY_NUMBER", self.emergency_number or "(default: 911 / 999 / 112)"),
            ("EXOBOT_CONTENT_DIR", str(self.content_dir) if self.content_dir else "(shipped content)"),
            (
                "EXOBOT_HEALTH_ADDR",
                f"{self.health_addr[0]}:{self.health_addr[1]}" if self.health_addr else "(disabled)",
            ),
            ("EXOBOT_LOG_FORMAT", self.log_format),
            ("EXOBOT_LOG_LEVEL", self.log_level),
            ("EXOBOT_RATE_LIMIT", f"{self.rate_limit.count}/{self.rate_limit.seconds:g}"),
        ]
        if self.slack:
            s = self.slack
            rows += [
                ("SLACK_BOT_TOKEN", s.bot_token.masked()),
                ("SLACK_SIGNING_SECRET", s.signing_secret.masked() if s.signing_secret else "(unset)"),
                ("SLACK_APP_TOKEN", s.app_token.masked() if s.app_token else "(unset: HTTP mode)"),
                ("SLACK_API_BASE_URL", s.api_base_url or "(Slack)"),
                ("SLACK_MODERATORS", ",".join(s.moderators) or "(none)"),
            ]
        else:
            rows.append(("SLACK_BOT_TOKEN", "(unset: Slack disabled)"))
        if self.discord:
            d = self.discord
            rows += [
                ("DISCORD_TOKEN", d.token.masked()),
                ("DISCORD_SHARD_COUNT", str(d.shard_count) if d.shard_count else "(unsharded)"),
                ("EXOBOT_DISCORD_PRIVATE", str(d.private_by_default).lower()),
            ]
        else:
            rows.append(("DISCORD_TOKEN", "(unset: Discord disabled)"))
        return rows


class SettingsError(Exception):
    """Every bad variable at once, each with what it expects."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  {var}: {msg}" for var, msg in problems))


_ADDR = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})$")


class _Reader:
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[tuple[str, str]] = []

    def raw(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.strip() if value is not None and value.strip() else None

    def get(self, name: str, default: T, convert: Callable[[str], T], expects: str) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return convert(value)
        except ValueError:
            self.problems.append((name, f"expects {expects}, got {value!r}"))
            return default

    def secret(self, name: str, prefix: str | None = None) -> Secret | None:
        value = self.raw(name)
        if value is None:
            return None
        if prefix and not value.startswith(prefix):
            self.problems.append((name, f"expects a token starting with {prefix!r}"))
        return Secret(value)

    def settings(self) -> Settings:
        data_dir = Path(self.raw("EXOBOT_DATA_DIR") or _default_data_dir())
        settings = Settings(
            data_dir=data_dir,
            db_path=Path(self.raw("EXOBOT_DB") or data_dir / "exobot.db"),
            log_key=self.secret("EXOBOT_LOG_KEY"),
            retention_days=self.get("EXOBOT_RETENTION_DAYS", 90, _positive_int, "a whole number of days, 1 or more"),
            store_text=self.get("EXOBOT_LOG_STORE_TEXT", True, _bool, "true or false"),
            emergency_number=self.raw("EXOBOT_EMERGENCY_NUMBER"),
            content_dir=Path(v) if (v := self.raw("EXOBOT_CONTENT_DIR")) else None,
            health_addr=self._health_addr(),
            log_format=self.get("EXOBOT_LOG_FORMAT", "text", _log_format, "text or json"),
            log_level=self.get("EXOBOT_LOG_LEVEL", "INFO", _log_level, "DEBUG, INFO, WARNING or ERROR"),
            rate_limit=self.get("EXOBOT_RATE_LIMIT", RateLimit(5, 60.0), _rate_limit, "COUNT/SECONDS, like 5/60"),
            slack=self._slack(),
            discord=self._discord(),
        )
        if self.problems:
            raise SettingsError(self.problems)
        return settings

    def _health_addr(self) -> tuple[str, int] | None:
        if "EXOBOT_HEALTH_ADDR" in self.values and not self.values["EXOBOT_HEALTH_ADDR"].strip():
            return None  # explicitly empty: disabled
        return self.get("EXOBOT_HEALTH_ADDR", ("127.0.0.1", 8080), _address, "HOST:PORT, like 127.0.0.1:8080")

    def _slack(self) -> SlackSettings | None:
        bot_token = self.secret("SLACK_BOT_TOKEN", "xoxb-")
        app_token = self.secret("SLACK_APP_TOKEN", "xapp-")
        signing_secret = self.secret("SLACK_SIGNING_SECRET")
        if bot_token is None:
            for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
                if self.raw(name):
                    self.problems.append(("SLACK_BOT_TOKEN", f"is required when {name} is set"))
            return None
        if app_token is None and signing_secret is None:
            self.problems.append(
                ("SLACK_SIGNING_SECRET", "is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
            )
        base = self.raw("SLACK_API_BASE_URL")
        if base and not base.startswith(("http://", "https://")):
            self.problems.append(("SLACK_API_BASE_URL", "expects an http:// or https:// address"))
        moderators = tuple(m.strip() for m in (self.raw("SLACK_MODERATORS") or "").split(",") if m.strip())
        for m in moderators:
            if not re.fullmatch(r"[USW][A-Z0-9]{2,}", m):
                self.problems.append(("SLACK_MODERATORS", f"{m!r} is not a Slack user (U…/W…) or user group (S…) id"))
        return SlackSettings(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_base_url=(base.rstrip("/") + "/") if base else None,
            moderators=moderators,
            host=self.raw("SLACK_HOST") or "127.0.0.1",
            port=self.get("SLACK_PORT", 3000, _port, "a port number from 1 to 65535"),
        )

    def _discord(self) -> DiscordSettings | None:
        token = self.secret("DISCORD_TOKEN")
        if token is None:
            return None
        if len(token.reveal()) < 20 or any(c.isspace() for c in token.reveal()):
            self.problems.append(("DISCORD_TOKEN", "does not look like a Discord bot token"))
        base = self.raw("DISCORD_API_BASE_URL")
        if base and not base.startswith(("http://", "https://")):
            self.problems.append(("DISCORD_API_BASE_URL", "expects an http:// or https:// address"))
        return DiscordSettings(
            token=token,
            shard_count=self.get("DISCORD_SHARD_COUNT", None, _positive_int, "a whole number of shards, 1 or more"),
            private_by_default=self.get("EXOBOT_DISCORD_PRIVATE", False, _bool, "true or false"),
            api_base_url=base.rstrip("/") if base else None,
        )


def _default_data_dir() -> str:
    from platformdirs import user_data_dir  # deferred: only needed when EXOBOT_DATA_DIR is unset

    return user_data_dir("exobot", appauthor=False)


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _port(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise ValueError(value)
    return number


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


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


def _address(value: str) -> tuple[str, int]:
    found = _ADDR.match(value)
    if not found:
        raise ValueError(value)
    return found["host"].strip("[]"), _port(found["port"])
