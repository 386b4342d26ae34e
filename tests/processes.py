"""A real ``exobot run`` for benchmarks: started with the environment a test gives, measured from outside."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slack_env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    """The environment of a bot in Slack HTTP mode, talking to the local Slack stand-in."""
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_BASE_URL": fake.api_url,
            "EXOBOT_LOG_FORMAT": "json", "EXOBOT_LOG_LEVEL": "DEBUG", **extra}  # fmt: skip


class BotProcess:
    """``exobot run`` (or another exobot command) in a child process, its output in a log file."""

    def __init__(
        self, data_dir: Path, env: dict[str, str], *, command: tuple[str, ...] = ("run",),
        preexec: Callable[[], None] | None = None, stdin: int | None = subprocess.DEVNULL,
    ) -> None:  # fmt: skip
        self.data_dir = data_dir
        self.health_port = free_port()
        self.slack_port = free_port()
        full = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "EXOBOT_"))},
            "EXOBOT_DATA_DIR": str(data_dir), "EXOBOT_HEALTH_ADDR": f"127.0.0.1:{self.health_port}",
            "SLACK_PORT": str(self.slack_port), "EXOBOT_LOG_LEVEL": "WARNING", "EXOBOT_LOG_KEY": "k" * 32, **env,
        }  # fmt: skip
        self.log = data_dir / "bot.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bots.cli", *command], env=full, stdin=stdin, stdout=sink,
                stderr=subprocess.STDOUT, preexec_fn=preexec,
            )  # fmt: skip

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}/healthz"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    @property
    def slack_url(self) -> str:
        return f"http://127.0.0.1:{self.slack_port}/slack/events"

    async def healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(self.log.read_text())
                try:
                    async with session.get(f"http://127.0.0.1:{self.health_port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("exobot run never became healthy:\n" + self.log.read_text())

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return await asyncio.to_thread(self.process.wait, 60)

    def rows(self) -> int:
        with sqlite3.connect(self.data_dir / "exobot.db") as db:
            return int(db.execute("SELECT count(*) FROM questions").fetchone()[0])
