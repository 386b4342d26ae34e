"""Keyed pseudonyms for user ids, so the log can group a person's questions without knowing who they are.

The key lives outside the database: someone with only the database file cannot reverse or even test a
guessed user id.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

KEY_FILE = "log.key"


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the log key must be at least 16 bytes")
        self._key = key

    def user_hash(self, platform: str, user_id: str) -> str:
        """HMAC-SHA256 of the platform and id: the same person on two platforms gets two pseudonyms."""
        return hmac.new(self._key, f"{platform}:{user_id}".encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"


def load_or_create_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, else the key file in data_dir, else a new key file (and a notice saying so)."""
    if configured:
        return configured.encode()
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    log.warning(
        "EXOBOT_LOG_KEY is not set: generated a new question-log key at %s. Keep it, and keep it out of "
        "database backups; without it, users' past questions can no longer be matched to them.",
        path,
    )
    return key.encode()
