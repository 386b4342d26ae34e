"""``exobot log migrate-to``: an SQLite log, reviews, votes, watches and events, copied into a real
PostgreSQL once, whatever how often it runs, and never a password on screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bots.cli import main
from core.questionlog.postgres import PostgresStore
from core.questionlog.records import ReviewState
from core.questionlog.sqlite import SqliteStore
from core.questionlog.store import Scope
from core.request import Community
from tests.conftest import run_exobot
from tests.logtools import record
from tests.pg_server import PASSWORD
from tests.processes import free_port

EVERYTHING = Scope.everything()
COMMUNITY = Community("slack", "T1")


async def _fill(path: Path) -> list[str]:
    """An SQLite log with something in every table; the record ids of its questions."""
    async with await SqliteStore.open(path) as store:
        rows = [record(n, platform="slack", workspace="T1", emergency=n == 2) for n in range(5)]
        await store.insert(rows)
        (first, *_) = await store.export(EVERYTHING)
        assert await store.mark(Scope.of(COMMUNITY), first.id, ReviewState.FLAGGED, "U0MOD", "needs an entry")
        assert await store.vote(rows[1].record_id, "a" * 64, helpful=False)
        assert await store.vote(rows[1].record_id, "b" * 64, helpful=True)
        assert await store.watch(COMMUNITY, "C0HELP", "U0MOD")
        await store.record_event("lost", 3, "rows lost at a stop")
    return [r.record_id for r in rows]


async def _contents(url: str) -> tuple[list[tuple[str, str, str | None, bool, int, int]], list[tuple[str, str]], int]:
    async with await PostgresStore.open(url) as store:
        rows = [(r.record_id, r.review_state, r.review_note, r.emergency, r.helpful, r.not_helpful)
                for r in await store.export(Scope.of(COMMUNITY))]  # fmt: skip
        return rows, await store.watched("slack"), len(await store.table_rows("log_events"))


def test_migrate_to_copies_everything_once(
    isolated_env: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record_ids = asyncio.run(_fill(isolated_env / "exobot.db"))
    assert main(["log", "migrate-to", pg_url]) == 0
    first = capsys.readouterr()
    assert "copied 5 questions of 5 (0 there already, 1 review), 2 votes, 1 watched channel and 1 log event" in (
        first.out
    )
    assert PASSWORD not in first.out + first.err and "exobot:***@127.0.0.1" in first.out
    rows, watched, events = asyncio.run(_contents(pg_url))
    assert [r[0] for r in rows] == record_ids
    assert rows[0][1:3] == ("flagged", "needs an entry") and rows[2][3] is True
    assert rows[1][4:] == (1, 1) and watched == [("T1", "C0HELP")] and events == 1

    assert main(["log", "migrate-to", pg_url]) == 0  # again: nothing twice
    again = capsys.readouterr().out
    assert "copied 0 questions of 5 (5 there already, 0 reviews), 0 votes, 0 watched channels and 0 log events" in again
    assert asyncio.run(_contents(pg_url)) == (rows, watched, events)

    # The real command line, with the address from the environment rather than in the process list.
    monkeypatch.setenv("EXOBOT_DATABASE_URL", pg_url)
    result = run_exobot("log", "migrate-to")
    assert result.returncode == 0 and "copied 0 questions of 5" in result.stdout, result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def test_migrate_to_explains_what_is_missing(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "migrate-to"]) == 2
    assert "postgresql://" in capsys.readouterr().err
    unreachable = f"postgresql://exobot:{PASSWORD}@127.0.0.1:{free_port()}/x"
    assert main(["log", "migrate-to", unreachable]) == 1
    missing = capsys.readouterr()
    assert "no SQLite question log" in missing.err and PASSWORD not in missing.err + missing.out
    asyncio.run(_fill(isolated_env / "exobot.db"))
    assert main(["log", "migrate-to", unreachable]) == 1
    down = capsys.readouterr()
    assert "could not copy the log to postgresql://exobot:***@127.0.0.1" in down.err
    assert PASSWORD not in down.err + down.out
