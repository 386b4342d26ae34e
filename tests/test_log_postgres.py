"""What only the PostgreSQL log has to get right: its migrations and their lock, rows the server refuses,
a password that must never show, and a server that stops or cannot be reached. All on a real server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import pytest

import core.questionlog
from core.bootstrap import log_connector
from core.engine import AnswerEngine
from core.questionlog.postgres import PostgresStore, masked_url, numbered, postgres_connector
from core.questionlog.records import utcnow
from core.questionlog.schema import migrations
from core.questionlog.store import LogUnavailable, Scope
from core.request import Request
from core.service import ExobotService
from core.settings import Settings
from tests.logtools import LogBackend, eventually, record
from tests.pg_server import PASSWORD, PostgresServer
from tests.processes import free_port

EVERYTHING = Scope.everything()


def test_placeholders_are_numbered_in_order() -> None:
    assert numbered("SELECT ? FROM t WHERE a = ? AND b IN (?, ?)") == "SELECT $1 FROM t WHERE a = $2 AND b IN ($3, $4)"


def test_both_databases_ship_the_same_schema_versions() -> None:
    folder = Path(core.questionlog.__file__).parent / "migrations"
    names = {d: sorted(p.name for p in (folder / d).glob("V*.sql")) for d in ("sqlite", "postgresql")}
    assert names["sqlite"] == names["postgresql"] and len(names["sqlite"]) >= 5
    assert [v for v, _ in migrations("sqlite")] == [v for v, _ in migrations("postgresql")]


async def test_migrations_upgrade_an_older_database_in_place(pg_url: str) -> None:
    async with await PostgresStore.open(pg_url, upto=1) as old:
        assert await old.schema_version() == 1
    db = await asyncpg.connect(pg_url)
    try:  # rows written by the version-1 schema
        await db.execute(
            "INSERT INTO questions (record_id, asked_at, platform, workspace, channel_kind, user_hash, command,"
            " question, outcome) VALUES ('r1', $1, 'slack', 'T1', 'public', 'h', 'ask', 'is it safe', 'answered'),"
            " ('r2', $1, 'slack', NULL, 'public', 'h', 'mod', NULL, 'answered')",
            utcnow().isoformat(),
        )
    finally:
        await db.close()
    async with await PostgresStore.open(pg_url) as store:
        assert await store.schema_version() == migrations("postgresql")[-1][0] == migrations("sqlite")[-1][0]
        (row,) = await store.recent(EVERYTHING)  # the moderator command's row is gone: it was no question
        assert row.question == "is it safe" and row.review_state == "new" and row.surface == "command"
        assert [r.id for r in await store.search(EVERYTHING, "safe")] == [row.id]
        assert await store.for_user("h") == (1, 0, [row])


async def test_a_migration_that_forgets_a_column_fails_at_start(pg_url: str) -> None:
    async with await PostgresStore.open(pg_url):
        pass
    db = await asyncpg.connect(pg_url)
    await db.execute("ALTER TABLE questions DROP COLUMN surface")
    await db.close()
    with pytest.raises(LogUnavailable, match="surface"):
        await PostgresStore.open(pg_url)


async def test_processes_starting_together_migrate_a_new_database_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(pg_url) for _ in range(6)))
    try:
        assert {await s.schema_version() for s in stores} == {migrations("postgresql")[-1][0]}
        await stores[0].insert([record(1)])
        assert [await s.count() for s in stores] == [1] * 6
    finally:
        for s in stores:
            await s.close()
    db = await asyncpg.connect(pg_url)
    assert await db.fetchval("SELECT count(*) FROM schema_version") == 1
    await db.close()


async def test_search_matches_whole_words_all_of_them(log_backend: LogBackend) -> None:
    async with await log_backend.open() as store:
        await store.insert([record(1, question="Is PRP safe for knees?"), record(2, question="PRP cost"),
                            record(3, question="knee pain"), record(4, question=None)])  # fmt: skip
        found = {r.question for r in await store.search(EVERYTHING, "prp KNEES")}
        assert found == {"Is PRP safe for knees?"}
        assert {r.question for r in await store.search(EVERYTHING, "prp")} == {"Is PRP safe for knees?", "PRP cost"}
        assert await store.search(EVERYTHING, "prp & !knees | cost:*") == await store.search(
            EVERYTHING, "prp knees cost"
        )  # tsquery syntax in the text is read as words, like any other
        assert await store.search(EVERYTHING, "kne") == []


async def test_a_row_the_server_refuses_never_silences_the_log(log_backend: LogBackend) -> None:
    writer = log_backend.writer()
    await writer.start()
    batch = [record(1), record(2, question="nul \x00 inside"), record(3, question="lone \ud83d surrogate"), record(4)]
    results = [writer.submit(r) for r in batch]  # one batch: the bad rows share a commit with good ones
    assert [await r for r in results] == ["committed"] * 4
    assert writer.state.ok
    await writer.stop()
    async with await log_backend.open() as store:
        stored = sorted(r.question or "" for r in await store.recent(EVERYTHING))
    assert stored == ["lone \ufffd surrogate", "nul \ufffd inside", "question 1", "question 4"]


async def test_a_spooled_row_the_server_refuses_is_imported_cleaned(log_backend: LogBackend) -> None:
    rows = [record(1, question="nul \x00 spooled"), record(2)]
    log_backend.connector.spool_path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in rows))
    writer = log_backend.writer()
    await writer.start()
    await writer.submit(record(3))
    await writer.stop()
    assert not writer.spool.exists() and await log_backend.count() == 3


async def test_a_spooled_row_refused_even_cleaned_is_recorded_not_retried_forever(pg_url: str, tmp_path: Path) -> None:
    backend = LogBackend("postgresql", postgres_connector(pg_url, tmp_path / "spool.jsonl"))
    damaged = record(1).to_json() | {"score": "not a number"}  # a hand-edited spool: PostgreSQL checks types
    backend.connector.spool_path.write_text(json.dumps(damaged) + "\n" + json.dumps(record(2).to_json()) + "\n")
    writer = backend.writer()
    await writer.start()
    await writer.submit(record(3))
    await writer.stop()
    assert not writer.spool.exists() and await backend.count() == 2
    async with await backend.open() as store:
        assert [(kind, count) for _, kind, count in await store.events()] == [("refused", 1)]


def test_the_connector_and_its_messages_never_show_the_password(tmp_path: Path) -> None:
    url = f"postgresql://exobot:{PASSWORD}@db.example:5432/exobot"
    assert masked_url(url) == "postgresql://exobot:***@db.example:5432/exobot"
    assert masked_url("postgresql://db.example/exobot") == "postgresql://db.example/exobot"
    settings = Settings.from_env({"EXOBOT_DATA_DIR": str(tmp_path), "EXOBOT_DATABASE_URL": url}, env_file=None)
    connector = log_connector(settings)
    assert PASSWORD not in connector.describe and "db.example:5432/exobot" in connector.describe
    assert connector.spool_path == tmp_path / "exobot-postgres.spool.jsonl"


async def test_an_unreachable_server_spools_promptly_and_says_so_without_the_password(
    tmp_path: Path, catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://exobot:{PASSWORD}@127.0.0.1:{free_port()}/exobot"  # nothing listens there
    backend = LogBackend("postgresql", postgres_connector(url, tmp_path / "spool.jsonl"))
    writer = backend.writer(max_backoff=0.2)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    for n in range(5):
        assert (await service.handle(Request(f"is it safe? {n}"))).ref == "faq:safety"
    await writer.flush()
    assert not writer.state.healthy and writer.spool.count() == 5
    with pytest.raises(LogUnavailable):
        await backend.open()  # a moderator is told the log is out of reach
    report = await writer.stop()
    assert report.lost == 0 and writer.spool.count() == 5
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "cannot write to postgresql://exobot:***@127.0.0.1" in logged and PASSWORD not in logged


async def test_a_server_that_stops_and_comes_back_gets_every_row_once(
    own_pg_server: PostgresServer, tmp_path: Path, catalogue
) -> None:
    url = await asyncio.to_thread(own_pg_server.create_database)
    backend = LogBackend("postgresql", postgres_connector(url, tmp_path / "spool.jsonl"))
    writer = backend.writer(max_backoff=0.2)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    asked = [f"is it safe? before {n}" for n in range(5)]
    for text in asked:
        await service.handle(Request(text))
    await asyncio.to_thread(own_pg_server.stop)  # the server goes down under an open connection
    for n in range(20):
        text = f"is it safe? during {n}"
        assert (await service.handle(Request(text))).ref == "faq:safety"  # answering goes on
        asked.append(text)
    await writer.flush()
    assert not writer.state.healthy and writer.spool.count() > 0
    await asyncio.to_thread(own_pg_server.start)
    await eventually(lambda: writer.state.healthy and not writer.spool.exists(), timeout=20)
    for n in range(5):
        text = f"is it safe? after {n}"
        await service.handle(Request(text))
        asked.append(text)
    await writer.stop()
    async with await backend.open() as store:
        stored = [r.question or "" for r in await store.export(EVERYTHING)]
    assert sorted(stored) == sorted(asked)  # every row, none twice


async def test_after_a_bulk_load_the_planner_knows_the_table_is_full(pg_url: str) -> None:
    async with await PostgresStore.open(pg_url) as store:
        await store.insert([record(n, platform="slack", workspace="T1") for n in range(2000)])
        await store.refresh_statistics()
    db = await asyncpg.connect(pg_url)
    try:
        tuples = await db.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'questions'")
        plan = "\n".join(r[0] for r in await db.fetch(
            "EXPLAIN SELECT id FROM questions WHERE platform = 'slack' AND workspace = 'T1'"
            " ORDER BY asked_at DESC, id DESC LIMIT 50"
        ))  # fmt: skip
    finally:
        await db.close()
    assert tuples == 2000
    # The newest fifty come off an index in order: nothing sorts every row of the table first.
    assert "Index Scan Backward" in plan and "->  Sort " not in plan
