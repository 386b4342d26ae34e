"""``exobot run``: every configured platform in one asyncio process, sharing one question log.

An adapter that fails is logged and restarted with backoff without taking the others down, unless
its credentials were rejected: then it stops with one line naming the variable, ``/healthz`` says so,
and the process exits once no adapter is left running. SIGTERM and SIGINT stop everything and write
the log; SIGHUP reloads content. The exit status is 0 after a clean stop, 1 when adapters failed, and
3 when questions could not be written anywhere before the stop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bots.adapter import AdapterState, AdapterStatus, Configured, CredentialsRejected
from bots.config import Config, load_config_or_exit
from bots.http_server import PortInUse
from bots.logging_setup import configure_logging
from core.bootstrap import running_service
from core.service import ExobotService
from core.text import plural

log = logging.getLogger("exobot.runner")

PID_FILE = "exobot.pid"
_MAX_BACKOFF = 60.0
EXIT_ADAPTERS_FAILED = 1
EXIT_LOG_LOST = 3


def run_command(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    configure_logging(config)
    if not config.configured:
        from bots.adapter import adapters
        from bots.console import run_console_service

        hints = " ".join(a.setup_hint for a in adapters())
        print(f"No platform is configured, so exobot runs in this terminal. {hints} See README.md.", file=sys.stderr)
        return asyncio.run(run_console_service(config.settings))
    return run_configured(config, list(config.configured))


def run_configured(config: Config, configured: Sequence[Configured[Any]]) -> int:
    """Run some adapters until a stop signal; the process's exit status."""
    try:
        return asyncio.run(run_adapters(config, configured))
    except PortInUse as exc:
        print(f"exobot: {exc}", file=sys.stderr)
        return 2


async def run_adapters(config: Config, configured: Sequence[Configured[Any]]) -> int:
    from bots.health import Metrics, serve_health
    from bots.web.server import serve_review

    settings = config.settings
    metrics = Metrics()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    statuses = [AdapterStatus(c.name) for c in configured]
    async with running_service(settings, on_answer=metrics.observe) as service:
        reloads: set[asyncio.Task[None]] = set()

        def reload() -> None:
            task = asyncio.create_task(_reload(service))
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGHUP, reload)
        pid_file = _write_pid(settings.data_dir)
        try:
            async with serve_health(settings.health_addr, service, metrics, statuses), serve_review(settings, service):
                log.info("exobot running: %s", ", ".join(c.name for c in configured))
                tasks = [
                    asyncio.create_task(supervise(c, service, stop, status), name=c.name)
                    for c, status in zip(configured, statuses, strict=True)
                ]
                watcher = asyncio.create_task(_stop_when_all_return(tasks, stop))
                await stop.wait()
                log.info("stopping: closing adapters, then writing the question log")
                await asyncio.gather(*tasks, return_exceptions=True)
                watcher.cancel()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()
    report = service.writer.last_report if service.writer is not None else None
    if report is not None and report.lost:
        log.error("stopped; %s could not be written to the log", plural(report.lost, "question"))
        return EXIT_LOG_LOST
    failed = [s.name for s in statuses if s.state is AdapterState.FAILED]
    if failed:
        log.error("stopped; %s failed: %s", "adapters" if len(failed) > 1 else "adapter", ", ".join(failed))
        return EXIT_ADAPTERS_FAILED
    log.info("stopped; question log written")
    return 0


async def _stop_when_all_return(tasks: Sequence[asyncio.Task[None]], stop: asyncio.Event) -> None:
    """Adapters return on their own only when they failed for good: with none left, the process ends."""
    await asyncio.gather(*tasks, return_exceptions=True)
    if not stop.is_set():
        log.error("no adapter is left running; exiting")
        stop.set()


async def supervise(
    configured: Configured[Any],
    service: ExobotService,
    stop: asyncio.Event,
    status: AdapterStatus,
    backoff: float = 1.0,
) -> None:
    """Run one adapter until stop, restarting it with backoff whenever it fails for a reason that a
    restart can mend."""
    delay = backoff
    while not stop.is_set():
        try:
            await configured.run(service, stop, status)
            if stop.is_set():
                status.set(AdapterState.STOPPED)
                return
            log.warning("%s adapter returned on its own; restarting in %.0fs", configured.name, delay)
        except asyncio.CancelledError:
            raise
        except CredentialsRejected as exc:
            status.set(AdapterState.FAILED, str(exc))
            log.error("%s adapter stopped: %s", configured.name, exc)
            return
        except Exception as exc:
            log.warning("%s adapter failed (%s: %s); restarting in %.0fs", configured.name,
                        type(exc).__name__, exc, delay, exc_info=log.isEnabledFor(logging.DEBUG))  # fmt: skip
        status.set(AdapterState.RECONNECTING, f"restarting in {delay:.0f}s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, _MAX_BACKOFF)


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

    settings = load_config_or_exit().settings
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
