"""The log's schema versions, shared by every database: the same numbered migrations, one folder of
SQL per dialect, so SQLite and PostgreSQL at version N hold the same tables and columns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources

from core.questionlog.records import LOGGED_COLUMNS, VOTE_COLUMNS
from core.questionlog.store import LogUnavailable

_MIGRATION_NAME = re.compile(r"^V(\d+)__\w+\.sql$")


def migrations(dialect: str) -> list[tuple[int, str]]:
    """(version, SQL) for every migration shipped for a dialect ("sqlite", "postgresql"), in order."""
    found = []
    for item in resources.files("core.questionlog").joinpath("migrations", dialect).iterdir():
        m = _MIGRATION_NAME.match(item.name)
        if m:
            found.append((int(m.group(1)), item.read_text(encoding="utf-8")))
    return sorted(found)


def require_columns(present: Iterable[str]) -> None:
    """Fail if the migrated questions table lacks a column the records name: a migration that forgot
    one fails at start-up, not on the first insert."""
    have = set(present)
    missing = [c for c in LOGGED_COLUMNS if c not in VOTE_COLUMNS and c not in have]
    if missing:
        noun = "columns" if len(missing) > 1 else "column"
        raise LogUnavailable(f"the questions table lacks {noun} {', '.join(missing)}")
