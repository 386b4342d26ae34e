"""`exobot run` as operators run it: a real process, a fake Slack, health, metrics, reload, signals; and
the adapter plug-in path, proven with a third adapter registered by one line."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots import adapter as adapter_module
from bots.adapter import AdapterState, AdapterStatus, Configured, CredentialsRejected
from bots.cli import main
from bots.config import load_config
from bots.runner import run_adapters, supervise
from core.engine import AnswerEngine
from core.service import ExobotService
from tests.conftest import run_exobot
from tests.fakes.slack import FakeSlack, form_body, slash_command_fields

SIGNING = "runner-signing-secret-value"
BOT_TOKEN = "xoxb-runner-secret-token-123456"
LOG_KEY = "runner-log-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(bot_token=BOT_TOKEN, signing_secret=SIGNING)
    await slack.start()
    yield slack
    await slack.stop()


class Running:
    def __init__(self, process: subprocess.Popen[str], log: Path, slack_port: int, health_port: int) -> None:
        self.process = process
        self.log = log
        self.slack_url = f"http://127.0.0.1:{slack_port}/slack/events"
        self.health_url = f"http://127.0.0.1:{health_port}"

    async def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """A signal, then wait without blocking the loop the fake Slack runs on."""
        self.process.send_signal(sig)
        code = await asyncio.to_thread(self.process.wait, 30)
        return code, self.log.read_text(encoding="utf-8")


async def start_bot(env: dict[str, str], log: Path, *, wait_healthy: bool = True) -> Running:
    slack_port, health_port = free_port(), free_port()
    full = {**os.environ, "SLACK_PORT": str(slack_port), "EXOBOT_HEALTH_ADDR": f"127.0.0.1:{health_port}", **env}
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
            assert process.poll() is None or not wait_healthy, log.read_text(encoding="utf-8")
            try:
                async with session.get(f"{running.health_url}/healthz") as health:
                    if health.status == 200 or not wait_healthy:
                        return running
            except aiohttp.ClientError:
                pass
            assert time.monotonic() < deadline, "exobot run did not become healthy: " + log.read_text(encoding="utf-8")
            await asyncio.sleep(0.1)


def slack_env(fake: FakeSlack, content: Path | None = None) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING, "SLACK_API_BASE_URL": fake.api_url,
        "EXOBOT_LOG_KEY": LOG_KEY, "EXOBOT_LOG_FORMAT": "json", "EXOBOT_LOG_LEVEL": "DEBUG",
    }  # fmt: skip
    if content is not None:
        env["EXOBOT_CONTENT_DIR"] = str(content)
    return env


async def ask(fake: FakeSlack, session: aiohttp.ClientSession, url: str, text: str, user: str = "U1") -> dict[str, Any]:
    status, reply = await fake.post(session, url, form_body(slash_command_fields(text, user_id=user)))
    assert status == 200, reply
    assert isinstance(reply, dict)
    return reply


async def test_run_serves_slack_health_metrics_and_stops_cleanly(fake: FakeSlack, isolated_env: Path) -> None:
    bot = await start_bot(slack_env(fake), isolated_env.parent / "bot.log")
    questions = ["risks", "is it safe?", "why is rent so expensive?", "I can't breathe", "compare cost"]
    try:
        async with aiohttp.ClientSession() as session:
            for n, text in enumerate(questions * 4):
                await ask(fake, session, bot.slack_url, text, user=f"U{n}")
            async with session.get(f"{bot.health_url}/healthz") as response:
                health = await response.json()
            async with session.get(f"{bot.health_url}/metrics") as response:
                metrics = await response.text()
    finally:
        code, errors = await bot.stop()
    assert code == 0, errors
    assert health["status"] == "ok" and health["log_writer"]["running"] is True
    assert health["adapters"]["slack"]["state"] == "connected"
    assert 'exobot_questions_total{platform="slack",outcome="answered"} 16' in metrics
    assert 'exobot_questions_total{platform="slack",outcome="unanswered"} 4' in metrics
    assert 'exobot_emergencies_total{platform="slack"} 4' in metrics
    assert 'exobot_adapter_up{adapter="slack"} 1' in metrics and "exobot_log_queue_depth" in metrics
    with sqlite3.connect(isolated_env / "exobot.db") as db:
        assert db.execute("SELECT count(*) FROM questions WHERE platform = 'slack'").fetchone()[0] == 20
    logged = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    assert any("stopped; question log written" in line["message"] for line in logged)
    for secret in (BOT_TOKEN, SIGNING, LOG_KEY, "U0", "U13"):
        assert secret not in errors, f"{secret!r} leaked into the logs"
    assert fake.violations == []


async def test_content_reload_valid_and_invalid(fake: FakeSlack, content_copy: Path, isolated_env: Path) -> None:
    bot = await start_bot(slack_env(fake, content_copy), isolated_env.parent / "bot.log")
    risks = content_copy / "risks.yaml"
    original = risks.read_text(encoding="utf-8")
    try:
        async with aiohttp.ClientSession() as session:
            assert (await _title(fake, session, bot.slack_url)).startswith("High cost")
            risks.write_text(original.replace("title: High cost, rarely covered by insurance",
                                              "title: Expensive and rarely insured"), encoding="utf-8")  # fmt: skip
            reload = run_exobot("content", "reload", env={"EXOBOT_CONTENT_DIR": str(content_copy)})
            assert reload.returncode == 0, reload.stderr
            await _until(lambda: _title(fake, session, bot.slack_url), "Expensive and rarely insured")
            risks.write_text(original.replace("  - id: cost\n", "  - id: Not A Slug\n"), encoding="utf-8")
            refused = run_exobot("content", "reload", env={"EXOBOT_CONTENT_DIR": str(content_copy)})
            assert refused.returncode == 1 and "id: required" in refused.stderr
            bot.process.send_signal(signal.SIGHUP)  # a reload that skips the CLI's own check
            await asyncio.sleep(0.5)
            assert await _title(fake, session, bot.slack_url) == "Expensive and rarely insured"  # old content kept
    finally:
        code, errors = await bot.stop()
    assert code == 0
    assert "content reload rejected" in errors and "Not A Slug" in errors


async def _title(fake: FakeSlack, session: aiohttp.ClientSession, url: str) -> str:
    reply = await ask(fake, session, url, "risk cost", user=f"U{time.monotonic_ns()}")
    blocks = reply["blocks"]
    assert isinstance(blocks, list)
    return str(blocks[0]["text"]["text"])


async def _until(probe: Any, expected: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while await probe() != expected:
        assert time.monotonic() < deadline, f"never saw {expected!r}"
        await asyncio.sleep(0.1)


async def test_rejected_credentials_stop_with_one_clear_line(fake: FakeSlack, isolated_env: Path) -> None:
    env = slack_env(fake) | {"SLACK_BOT_TOKEN": "xoxb-revoked-token-value"}
    bot = await start_bot(env, isolated_env.parent / "bot.log", wait_healthy=False)
    code = await asyncio.to_thread(bot.process.wait, 30)  # no adapter left: it exits by itself
    output = bot.log.read_text(encoding="utf-8")
    assert code == 1
    assert "SLACK_BOT_TOKEN was rejected (invalid_auth)" in output
    assert "Traceback" not in output and output.count("restarting") == 0
    assert len(fake.calls("auth.test")) == 1  # tried once, not for ever


async def test_health_says_503_while_an_adapter_has_failed(catalogue) -> None:
    from bots.health import Metrics, health_app
    from tests.fakes import serve_locally

    service = ExobotService(AnswerEngine(catalogue))
    failed, fine = AdapterStatus("slack"), AdapterStatus("discord")
    failed.set(AdapterState.FAILED, "SLACK_BOT_TOKEN was rejected")
    fine.set(AdapterState.CONNECTED)
    runner, port = await serve_locally(health_app(service, Metrics(), [failed, fine]))
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
            body = await response.json()
            assert response.status == 503
        failed.set(AdapterState.CONNECTED)
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
    finally:
        await runner.cleanup()
    assert body["adapters"]["slack"] == {"state": "failed", "detail": "SLACK_BOT_TOKEN was rejected",
                                         "since": body["adapters"]["slack"]["since"]}  # fmt: skip


def test_a_health_port_in_use_is_one_clear_line(fake: FakeSlack, isolated_env: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_exobot("run", env=slack_env(fake) | {"EXOBOT_HEALTH_ADDR": f"127.0.0.1:{port}",
                                                           "SLACK_PORT": str(free_port())})  # fmt: skip
    assert result.returncode == 2
    assert f"cannot serve health and metrics on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


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


async def test_a_failing_adapter_is_restarted_without_stopping_the_others(catalogue) -> None:
    service = ExobotService(AnswerEngine(catalogue))
    stop = asyncio.Event()
    starts: list[str] = []

    class Flaky(adapter_module.Adapter[None]):
        name = "flaky"
        setup_hint = ""

        def read_settings(self, env: Any) -> None:
            return None

        def secrets(self, settings: None) -> list[Any]:
            return []

        def describe(self, settings: None) -> list[tuple[str, str]]:
            return []

        async def run(self, settings: None, service: ExobotService, stop: asyncio.Event, status: AdapterStatus) -> None:
            starts.append(self.name)
            if self.name == "flaky":
                raise RuntimeError("connection lost")
            await stop.wait()

    class Steady(Flaky):
        name = "steady"

    class Rejected(Flaky):
        name = "rejected"

        async def run(self, settings: None, service: ExobotService, stop: asyncio.Event, status: AdapterStatus) -> None:
            starts.append(self.name)
            raise CredentialsRejected("REJECTED_TOKEN", "401")

    statuses = {n: AdapterStatus(n) for n in ("flaky", "steady", "rejected")}
    tasks = [asyncio.create_task(supervise(Configured(a(), None), service, stop, statuses[a.name], backoff=0.01))
             for a in (Flaky, Steady, Rejected)]  # fmt: skip
    await asyncio.sleep(0.3)
    assert statuses["flaky"].state is AdapterState.RECONNECTING
    assert statuses["rejected"].state is AdapterState.FAILED
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert starts.count("flaky") >= 3 and starts.count("steady") == 1 and starts.count("rejected") == 1


async def test_a_third_adapter_is_one_module_and_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, isolated_env: Path
) -> None:
    monkeypatch.setattr(adapter_module, "ADAPTERS", [*adapter_module.ADAPTERS, "tests.plugins.echo_adapter"])
    inbox = tmp_path / "inbox.txt"
    inbox.write_text("is it safe?\nwhy is rent so expensive?\n", encoding="utf-8")
    monkeypatch.setenv("ECHO_TOKEN", "echo-secret-token-123")
    monkeypatch.setenv("ECHO_INBOX", str(inbox))
    # Its settings and secret are read and masked with everyone else's…
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["config", "check"]) == 0
        assert main(["echo", "hello", "there"]) == 0  # …its CLI subcommand is there…
    assert "ECHO_TOKEN" in out.getvalue() and "echo-secret-token-123" not in out.getvalue()
    assert "echo: hello there" in out.getvalue()
    monkeypatch.setenv("ECHO_TOKEN", "wrong")
    with pytest.raises(Exception, match="ECHO_TOKEN: expects a token starting with 'echo-'"):
        load_config()
    monkeypatch.setenv("ECHO_TOKEN", "echo-secret-token-123")
    config = load_config()
    assert [c.name for c in config.configured] == ["echo"]
    assert any(s.reveal() == "echo-secret-token-123" for s in config.secrets)
    # …and the runner runs it against the service like any other platform.
    loop = asyncio.get_running_loop()
    running = asyncio.create_task(run_adapters(config, config.configured))
    outbox = inbox.with_suffix(".answers")
    for _ in range(200):
        if outbox.exists():
            break
        await asyncio.sleep(0.05)
    loop.call_soon(os.kill, os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(running, 20) == 0
    assert outbox.read_text(encoding="utf-8").splitlines() == ["Is exosome therapy safe?", "I can't answer that one"]
    with sqlite3.connect(isolated_env / "exobot.db") as db:
        assert db.execute("SELECT count(*) FROM questions WHERE platform = 'echo'").fetchone()[0] == 2
