"""The adapter interface, and the one list of adapters the runner and the CLI read.

An adapter is a plug-in: its package owns its settings and secrets, its CLI subcommands, and how it
runs against the core service. Adding a platform is one new folder with a module that defines
``ADAPTER``, and one line in ``ADAPTERS``; nothing in core, the runner or the CLI changes.
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import importlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from core.service import ExobotService
from core.settings import EnvReader, Secret

ADAPTERS: list[str] = [
    "bots.slack.adapter",
    "bots.discord.adapter",
]
"""Modules that each define ``ADAPTER``, in the order they start."""

S = TypeVar("S")


class AdapterState(StrEnum):
    STARTING = "starting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    """Stopped for good (its credentials were rejected): it needs the operator, not a restart."""
    STOPPED = "stopped"


class AdapterStatus:
    """What an adapter reports about itself, for ``/healthz`` and the runner's restarts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.state = AdapterState.STARTING
        self.detail: str | None = None
        self.since = time.time()

    def set(self, state: AdapterState, detail: str | None = None) -> None:
        if state is not self.state or detail != self.detail:
            self.state, self.detail, self.since = state, detail, time.time()

    @property
    def healthy(self) -> bool:
        return self.state is AdapterState.CONNECTED

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state.value, "detail": self.detail, "since": round(self.since, 3)}


class CredentialsRejected(Exception):
    """The platform refused the configured credentials: restarting cannot help."""

    def __init__(self, variable: str, detail: str) -> None:
        self.variable = variable
        super().__init__(f"{variable} was rejected ({detail}): fix it and restart exobot")


class Adapter(abc.ABC, Generic[S]):
    """One platform. ``S`` is its settings, read from the environment beside core's shared ones."""

    name: ClassVar[str]
    setup_hint: ClassVar[str]
    """How to enable it, for the console's "no platform is configured" message."""

    @abc.abstractmethod
    def read_settings(self, env: EnvReader) -> S | None:
        """Its settings, or None when it is not configured; problems go to ``env.problem``."""

    @abc.abstractmethod
    def secrets(self, settings: S) -> Sequence[Secret]:
        """Every secret in its settings, so that none is ever logged."""

    @abc.abstractmethod
    def describe(self, settings: S | None) -> list[tuple[str, str]]:
        """(variable, value) rows for ``exobot config check``, secrets masked."""

    def add_commands(self, subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add its CLI subcommands (``exobot slack …``); none by default."""

    @abc.abstractmethod
    async def run(self, settings: S, service: ExobotService, stop: asyncio.Event, status: AdapterStatus) -> None:
        """Serve until stop is set, then close its connections and return.

        Raise ``CredentialsRejected`` when the platform refuses the credentials; any other exception
        is a transient failure, and the runner restarts the adapter with backoff.
        """


@dataclass(frozen=True)
class Configured(Generic[S]):
    """An adapter with the settings it read: what the runner starts."""

    adapter: Adapter[S]
    settings: S

    @property
    def name(self) -> str:
        return self.adapter.name

    async def run(self, service: ExobotService, stop: asyncio.Event, status: AdapterStatus) -> None:
        await self.adapter.run(self.settings, service, stop, status)


def adapters() -> list[Adapter[Any]]:
    """Every known adapter, from ``ADAPTERS``."""
    return [importlib.import_module(name).ADAPTER for name in ADAPTERS]
