"""Tests that need a real server or browser from the machine's packages: skipped with an install hint
on a developer's machine, failed in CI (``.ci/run`` installs them and sets EXOBOT_REQUIRE_SERVERS)."""

from __future__ import annotations

import os

import pytest

# Read at import: the suite's autouse fixture clears EXOBOT_* variables before each test runs.
REQUIRED = os.environ.get("EXOBOT_REQUIRE_SERVERS") == "1"


def unavailable(what: str, hint: str) -> None:
    """Stop this test because what is missing: a skip saying how to install it, or a failure in CI."""
    message = f"{what} is not available: {hint}"
    if REQUIRED:
        pytest.fail(message + " (EXOBOT_REQUIRE_SERVERS=1: CI must run this test)")
    pytest.skip(message)
