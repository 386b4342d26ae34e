"""A minimal third adapter, as a new platform would add one: its own settings, secret, CLI and run.

The test registers it with one line in ``bots.adapter.ADAPTERS`` and nothing else changes.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bots.adapter import Adapter, AdapterState, AdapterStatus
from core.request import Request
from core.service import ExobotService
from core.settings import EnvReader, Secret


@dataclass(frozen=True)
class EchoSettings:
    token: Secret
    inbox: Path
    outbox: Path


class EchoAdapter(Adapter[EchoSettings]):
    """Answers each line of a file, as if each were a message on a platform called "echo"."""

    name = "echo"
    setup_hint = "For Echo set ECHO_TOKEN."

    def read_settings(self, env: EnvReader) -> EchoSettings | None:
        token = env.secret("ECHO_TOKEN")
        if token is None:
            return None
        if not token.reveal().startswith("echo-"):
            env.problem("ECHO_TOKEN", "expects a token starting with 'echo-'")
        inbox = Path(env.raw("ECHO_INBOX") or "inbox.txt")
        return EchoSettings(token, inbox, inbox.with_suffix(".answers"))

    def secrets(self, settings: EchoSettings) -> Sequence[Secret]:
        return [settings.token]

    def describe(self, settings: EchoSettings | None) -> list[tuple[str, str]]:
        return [("ECHO_TOKEN", settings.token.masked() if settings else "(unset: Echo disabled)")]

    def add_commands(self, subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        echo = subcommands.add_parser("echo", help="say what the echo adapter would")
        echo.add_argument("words", nargs="+")
        echo.set_defaults(handler=lambda args: print("echo:", " ".join(args.words)) or 0)

    async def run(
        self, settings: EchoSettings, service: ExobotService, stop: asyncio.Event, status: AdapterStatus
    ) -> None:
        status.set(AdapterState.CONNECTED)
        answers = []
        for line in settings.inbox.read_text(encoding="utf-8").splitlines():
            answer = await service.handle(Request(line, platform="echo", user_id="e1", workspace="W1"))
            answers.append(answer.title)
        settings.outbox.write_text("\n".join(answers) + "\n", encoding="utf-8")
        await stop.wait()


ADAPTER = EchoAdapter()
