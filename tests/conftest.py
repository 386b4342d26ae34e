"""Shared fixtures: the shipped catalogue, an engine, and an environment with no real credentials."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.content import Catalogue, load_catalogue
from core.engine import AnswerEngine

pytest_plugins = ("tests.pg_server",)

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SEED_ARTICLE = ROOT.parent / "shared" / "seed" / "exosome-disadvantages-article.txt"

_PLATFORM_VARS = ("SLACK_", "DISCORD_", "EXOBOT_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data directory and sees no real tokens or a developer's .env."""
    for name in list(os.environ):
        if name.startswith(_PLATFORM_VARS):
            monkeypatch.delenv(name)
    data = tmp_path / "data"
    monkeypatch.setenv("EXOBOT_DATA_DIR", str(data))
    monkeypatch.setenv("EXOBOT_HEALTH_ADDR", "")
    monkeypatch.chdir(tmp_path)  # so no .env from the checkout is read
    yield data


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CONTENT)


@pytest.fixture(scope="session")
def engine(catalogue: Catalogue) -> AnswerEngine:
    return AnswerEngine(catalogue)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped content, for tests that break or change it."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


def run_exobot(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
