"""`exobot run` as operators run it: a real process, a fake Slack, health, metrics, reload, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.runner import NamedAdapter, _supervise
from core.engine import AnswerEngine
from core.service import ExobotService
from tests.conftest import run_exobot
from tests.fakes.slack import FakeSlack, post_signed, slash_command_fields

SIGNING = "runner-signing-secret-value"
BOT_TOKEN = "xoxb-runner-secret-token-123456"
LOG_KEY = "runner-log-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    yield slack
    await slack.stop()


class Running:
    def __init__(self, process: subprocess.Popen[str], log: Path, slack_port: int, health_port: int) -> None:
        self.process = process
        self.log = log
        self.slack_url = f"http://127.0.0.1:{slack_port}/slack/events"
        self.health_url = f"http://127.0.0.1:{health_port}"

    async def stop(self) -> tuple[int, str]:
        """SIGTERM, then wait without blocking the loop the fake Slack runs on."""
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(self.process.wait, 20)
        return code, self.log.read_text(encoding="utf-8")


async def start_bot(env: dict[str, str], log: Path) -> Running:
    slack_port, health_port = free_port(), free_port()
    full = {**os.environ, **env, "SLACK_PORT": str(slack_port), "EXOBOT_HEALTH_ADDR": f"127.0.0.1:{health_port}"}
    # Logs go to a file: a pipe nobody reads while the bot runs would fill up and stall it.
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "run"], env=full, text=True,
            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = Running(process, log, slack_port, health_port)
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            try:
                async with (
                    session.get(f"{running.health_url}/healthz") as health,
                    session.get(running.slack_url) as slack,  # any answer means it is listening
                ):
                    if health.status == 200 and slack.status:
                        return running
            except aiohttp.ClientError:
                pass
            assert time.monotonic() < deadline, "exobot run did not become healthy"
            await asyncio.sleep(0.1)


def slack_env(fake: FakeSlack, content: Path | None = None) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING, "SLACK_API_BASE_URL": fake.api_url,
        "EXOBOT_LOG_KEY": LOG_KEY, "EXOBOT_LOG_FORMAT": "json", "EXOBOT_LOG_LEVEL": "DEBUG",
    }  # fmt: skip
    if content is not None:
        env["EXOBOT_CONTENT_DIR"] = str(content)
    return env


async def ask(session: aiohttp.ClientSession, url: str, text: str, user: str = "U1") -> dict[str, Any]:
    body = urllib.parse.urlencode(slash_command_fields(text, user_id=user)).encode()
    status, reply = await post_signed(session, url, SIGNING, body)
    assert status == 200, reply
    assert isinstance(reply, dict)
    return reply


async def test_run_serves_slack_health_metrics_and_stops_cleanly(fake: FakeSlack, isolated_env: Path) -> None:
    bot = await start_bot(slack_env(fake), isolated_env.parent / "bot.log")
    questions = ["risks", "is it safe?", "why is rent so expensive?", "I can't breathe", "compare cost"]
    try:
        async with aiohttp.ClientSession() as session:
            for n, text in enumerate(questions * 4):
                await ask(session, bot.slack_url, text, user=f"U{n}")
            async with session.get(f"{bot.health_url}/healthz") as response:
                health = await response.json()
            async with session.get(f"{bot.health_url}/metrics") as response:
                metrics = await response.text()
    finally:
        code, errors = await bot.stop()
    assert code == 0, errors
    assert health["status"] == "ok" and health["log_writer"]["running"] is True
    assert 'exobot_questions_total{platform="slack",outcome="answered"} 16' in metrics
    assert 'exobot_questions_total{platform="slack",outcome="unanswered"} 4' in metrics
    assert 'exobot_emergencies_total{platform="slack"} 4' in metrics
    assert "exobot_answer_seconds_bucket" in metrics and "exobot_log_queue_depth" in metrics
    with sqlite3.connect(isolated_env / "exobot.db") as db:
        assert db.execute("SELECT count(*) FROM questions WHERE platform = 'slack'").fetchone()[0] == 20
    logged = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    assert any("stopped; question log flushed" in line["message"] for line in logged)
    for secret in (BOT_TOKEN, SIGNING, LOG_KEY, "U0", "U13"):
        assert secret not in errors, f"{secret!r} leaked into the logs"


async def test_content_reload_valid_and_invalid(fake: FakeSlack, content_copy: Path, isolated_env: Path) -> None:
    bot = await start_bot(slack_env(fake, content_copy), isolated_env.parent / "bot.log")
    risks = content_copy / "risks.yaml"
    original = risks.read_text(encoding="utf-8")
    try:
        async with aiohttp.ClientSession() as session:
            assert (await _title(session, bot.slack_url)).startswith("High cost")
            risks.write_text(original.replace("title: High cost, rarely covered by insurance",
                                              "title: Expensive and rarely insured"), encoding="utf-8")  # fmt: skip
            reload = run_exobot("content", "reload", env={"EXOBOT_CONTENT_DIR": str(content_copy)})
            assert reload.returncode == 0, reload.stderr
            await _until(lambda: _title(session, bot.slack_url), "Expensive and rarely insured")
            risks.write_text(original.replace("  - id: cost\n", "  - id: Not A Slug\n"), encoding="utf-8")
            refused = run_exobot("content", "reload", env={"EXOBOT_CONTENT_DIR": str(content_copy)})
            assert refused.returncode == 1 and "id: required" in refused.stderr
            bot.process.send_signal(signal.SIGHUP)  # a reload that skips the CLI's own check
            await asyncio.sleep(0.5)
            assert await _title(session, bot.slack_url) == "Expensive and rarely insured"  # old content kept
    finally:
        code, errors = await bot.stop()
    assert code == 0
    assert "content reload rejected" in errors and "Not A Slug" in errors


async def _title(session: aiohttp.ClientSession, url: str) -> str:
    reply = await ask(session, url, "risk cost")
    blocks = reply["blocks"]
    assert isinstance(blocks, list)
    return str(blocks[0]["text"]["text"])


async def _until(probe: object, expected: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while await probe() != expected:  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never saw {expected!r}"
        await asyncio.sleep(0.1)


def test_bad_env_file_fails_fast_naming_the_variable(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=not-a-bot-token\nEXOBOT_HEALTH_ADDR=nowhere\n")
    result = run_exobot("run", input="", env={"EXOBOT_HEALTH_ADDR": ""} | {})
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN: expects a token starting with 'xoxb-'" in result.stderr
    assert "SLACK_SIGNING_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_file_values_are_read_and_environment_wins(tmp_path: Path) -> None:
    from core.settings import Settings

    (tmp_path / ".env").write_text("EXOBOT_RETENTION_DAYS=30\nEXOBOT_EMERGENCY_NUMBER=000\n")
    settings = Settings.from_env({"EXOBOT_RETENTION_DAYS": "7"}, env_file=tmp_path / ".env")
    assert settings.retention_days == 7 and settings.emergency_number == "000"


async def test_a_crashing_adapter_is_restarted_without_stopping_the_others(catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue))
    stop = asyncio.Event()
    starts: list[str] = []

    async def flaky(service: ExobotService, stop: asyncio.Event) -> None:
        starts.append("flaky")
        raise RuntimeError("connection lost")

    async def steady(service: ExobotService, stop: asyncio.Event) -> None:
        starts.append("steady")
        await stop.wait()

    tasks = [asyncio.create_task(_supervise(NamedAdapter(n, a), service, stop, backoff=0.01))
             for n, a in (("flaky", flaky), ("steady", steady))]  # fmt: skip
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert starts.count("flaky") >= 3 and starts.count("steady") == 1
