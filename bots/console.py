"""The local console adapter: a chat in the terminal that behaves like the platforms.

Type ``/exosome risks`` or just a question. With piped stdin it answers every line and exits; SIGTERM or
SIGINT stops it after flushing the question log, like every other adapter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import signal
import sys
import threading

from bots.cli.ask import answer_json
from bots.config import load_config_or_exit
from bots.logging_setup import configure_logging
from core.bootstrap import running_service
from core.request import ChannelKind, Request
from core.service import ExobotService
from core.settings import Settings

PROMPT = "you> "
_EOF = None


def console_command(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    configure_logging(config)
    return asyncio.run(run_console_service(config.settings, as_json=args.json))


async def run_console_service(settings: Settings, *, as_json: bool = False) -> int:
    """The console with its own service and question log: ``exobot console`` and ``exobot run``'s fallback."""
    async with running_service(settings, rate_limit=False) as service:
        await run_console(service, as_json=as_json)
    report = service.writer.last_report if service.writer is not None else None
    return 3 if report is not None and report.lost else 0


async def run_console(service: ExobotService, *, as_json: bool = False) -> None:
    """Answer lines from stdin until end of input or a stop signal."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A daemon thread, not run_in_executor: a blocked read must not keep the process alive after a stop.
    threading.Thread(target=_read_lines, args=(loop, lines), daemon=True, name="console-stdin").start()
    interactive = sys.stdin.isatty() and not as_json
    if interactive:
        print("exobot console: ask about the risks of exosome therapy. Type `help`, or Ctrl-D to leave.")
    user = _user()
    try:
        while not stop.is_set():
            if interactive:
                print(PROMPT, end="", flush=True)
            line = await _next_line(lines, stop)
            if line is None:
                break
            if not line.strip():
                continue
            answer = await service.handle(Request(line, platform="console", user_id=user, channel_kind=ChannelKind.DM))
            print(answer_json(line, answer) if as_json else f"\n{answer.plain_text()}\n", flush=True)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _next_line(lines: asyncio.Queue[str | None], stop: asyncio.Event) -> str | None:
    getter = asyncio.ensure_future(lines.get())
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    getter.cancel()
    stopper.cancel()
    return getter.result() if getter in done and not getter.cancelled() else None


def _read_lines(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
    """Lines from standard input, as bytes decoded leniently: one undecodable byte must not end the
    conversation. os.read, not sys.stdin: a buffered reader's lock, held by this daemon thread, would
    abort the interpreter's shutdown after a stop."""

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop already closed after a stop
            loop.call_soon_threadsafe(lines.put_nowait, item)

    pending = b""
    try:
        while chunk := os.read(sys.stdin.fileno(), 65536):
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                put(raw.decode("utf-8", errors="replace").rstrip("\r"))
    except (OSError, ValueError):
        pass  # stdin closed under us: treat like end of input
    if pending:
        put(pending.decode("utf-8", errors="replace").rstrip("\r"))
    put(_EOF)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
