"""Everything a run needs from the environment: core's shared settings and each adapter's own."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots.adapter import Configured, adapters
from core.settings import EnvReader, Secret, Settings, SettingsError, read_environment


@dataclass(frozen=True)
class Config:
    settings: Settings
    configured: tuple[Configured[Any], ...]
    """The adapters whose settings are present, in ``ADAPTERS`` order."""
    rows: tuple[tuple[str, str], ...]
    """The effective configuration, secrets masked."""

    @property
    def secrets(self) -> list[Secret]:
        found = list(self.settings.secrets)
        for item in self.configured:
            found += item.adapter.secrets(item.settings)
        return found

    def adapter(self, name: str) -> Configured[Any] | None:
        return next((c for c in self.configured if c.name == name), None)


def load_config(env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Config:
    """Read and check every setting; raises SettingsError naming every bad variable at once."""
    reader = EnvReader(read_environment(env, env_file))
    settings = Settings.read(reader)
    configured: list[Configured[Any]] = []
    rows = list(settings.describe())
    for adapter in adapters():
        adapter_settings = adapter.read_settings(reader)
        rows += adapter.describe(adapter_settings)
        if adapter_settings is not None:
            configured.append(Configured(adapter, adapter_settings))
    if reader.problems:
        raise SettingsError(reader.problems)
    return Config(settings, tuple(configured), tuple(rows))


def load_config_or_exit() -> Config:
    """``load_config``, or exit 2 with every bad variable named."""
    try:
        return load_config()
    except SettingsError as exc:
        print(f"exobot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
