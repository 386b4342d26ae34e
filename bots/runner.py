"""``exobot run``: every configured platform in one asyncio process, sharing one question log.

An adapter that crashes is logged and restarted with backoff without taking the others down; SIGTERM
and SIGINT stop everything and flush the log; SIGHUP reloads content.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots import logs
from bots.cli import load_settings
from core.bootstrap import running_service
from core.service import ExobotService
from core.settings import Secret, Settings

log = logging.getLogger("exobot.runner")

NO_PLATFORM_HINT = (
    "No platform is configured, so exobot runs in this terminal. To connect Slack set SLACK_BOT_TOKEN and "
    "SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET); for Discord set DISCORD_TOKEN. See README.md and deploy/.env.example."
)
PID_FILE = "exobot.pid"
_MAX_BACKOFF = 60.0

Adapter = Callable[[ExobotService, asyncio.Event], Coroutine[Any, Any, None]]
"""An adapter runs until the event is set, then returns after closing its connections."""


@dataclass(frozen=True)
class NamedAdapter:
    name: str
    run: Adapter


def configure_logging(settings: Settings) -> None:
    secrets = [s.reveal() for s in _secrets(settings)]
    logs.configure(settings.log_format, settings.log_level, secrets)


def _secrets(settings: Settings) -> list[Secret]:
    found: list[Secret | None] = [settings.log_key]
    if settings.slack:
        found += [settings.slack.bot_token, settings.slack.signing_secret, settings.slack.app_token]
    if settings.discord:
        found.append(settings.discord.token)
    return [s for s in found if s is not None]


def run_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings)
    adapters = configured_adapters(settings)
    if not adapters:
        from bots.console import run_console_service

        print(NO_PLATFORM_HINT, file=sys.stderr)
        return asyncio.run(run_console_service(settings))
    return asyncio.run(run_adapters(settings, adapters))


def configured_adapters(settings: Settings) -> list[NamedAdapter]:
    adapters = []
    if settings.slack is not None:
        from bots.slack.app import slack_adapter

        adapters.append(NamedAdapter("slack", slack_adapter(settings.slack)))
    if settings.discord is not None:
        from bots.discord.bot import discord_adapter

        adapters.append(NamedAdapter("discord", discord_adapter(settings.discord)))
    return adapters


async def run_adapters(settings: Settings, adapters: list[NamedAdapter]) -> int:
    from bots.health import Metrics, serve_health

    metrics = Metrics()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    async with running_service(settings, on_answer=metrics.observe) as service:
        reload_task: set[asyncio.Task[None]] = set()

        def reload() -> None:
            task = asyncio.create_task(_reload(service))
            reload_task.add(task)
            task.add_done_callback(reload_task.discard)

        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGHUP, reload)
        pid_file = _write_pid(settings.data_dir)
        try:
            async with serve_health(settings.health_addr, service, metrics):
                log.info("exobot running: %s", ", ".join(a.name for a in adapters))
                tasks = [asyncio.create_task(_supervise(a, service, stop), name=a.name) for a in adapters]
                await stop.wait()
                log.info("stopping: closing adapters, then flushing the question log")
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()
    log.info("stopped; question log flushed")
    return 0


async def _supervise(adapter: NamedAdapter, service: ExobotService, stop: asyncio.Event, backoff: float = 1.0) -> None:
    """Run one adapter until stop, restarting it with backoff whenever it fails."""
    while not stop.is_set():
        try:
            await adapter.run(service, stop)
            if stop.is_set():
                return
            log.warning("%s adapter returned on its own; restarting in %.0fs", adapter.name, backoff)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s adapter crashed; restarting in %.0fs", adapter.name, backoff)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=backoff)
        backoff = min(backoff * 2, _MAX_BACKOFF)


async def _reload(service: ExobotService) -> None:
    result = await service.reload_content()
    if result.ok:
        log.info("content reload: %d entries now live", result.entries)
    else:
        log.error("content reload rejected (%d problems); the old content stays live", len(result.errors))


def _write_pid(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / PID_FILE
    path.write_text(f"{os.getpid()}\n", encoding="ascii")
    return path


def content_reload_command(args: argparse.Namespace) -> int:
    """``exobot content reload``: validate the content here, then signal the running bot to load it."""
    from core.content import ContentError, load_catalogue

    settings = load_settings()
    try:
        load_catalogue(settings.content_dir)
    except ContentError as exc:
        print(f"exobot: not reloading, the content is invalid:\n{exc}", file=sys.stderr)
        return 1
    path = settings.data_dir / PID_FILE
    try:
        pid = int(path.read_text(encoding="ascii").strip())
        os.kill(pid, signal.SIGHUP)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        print(f"exobot: no running bot found (no live process in {path}).", file=sys.stderr)
        return 1
    print(f"asked exobot (pid {pid}) to reload its content; its log says whether it took.")
    return 0
