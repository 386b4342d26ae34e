"""The question log: schema, pseudonyms, retention, privacy commands and the review queries."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from core.answers import Outcome
from core.engine import AnswerEngine, EnginePolicy
from core.questionlog.postgres import PostgresStore
from core.questionlog.pseudonym import Pseudonymiser, load_or_create_key
from core.questionlog.records import (
    LOGGED_COLUMNS,
    RECORD_COLUMNS,
    VOTE_COLUMNS,
    LoggedQuestion,
    QuestionRecord,
    ReviewState,
    utcnow,
)
from core.questionlog.schema import migrations
from core.questionlog.sqlite import SqliteStore
from core.questionlog.store import QuestionStore, Scope
from core.questionlog.writer import LogWriter
from core.request import ChannelKind, Community, Request
from core.review import export_bytes, parse_command, review_answer, run_review
from core.service import ExobotService
from tests.conftest import run_exobot
from tests.logtools import KEY, LogBackend, count_rows, record, sqlite_writer

EVERYTHING = Scope.everything()


@contextlib.asynccontextmanager
async def _service(writer: LogWriter, catalogue) -> AsyncIterator[tuple[ExobotService, LogWriter]]:
    """A service with a running log writer, always stopped afterwards."""
    await writer.start()
    try:
        yield ExobotService(AnswerEngine(catalogue), writer=writer), writer
    finally:
        await writer.stop()


@pytest.fixture
async def logged(log_backend: LogBackend, catalogue) -> AsyncIterator[tuple[ExobotService, LogWriter]]:
    """A service logging to each database in turn."""
    async with _service(log_backend.writer(), catalogue) as running:
        yield running


@pytest.fixture
async def logged_sqlite(tmp_path: Path, catalogue) -> AsyncIterator[tuple[ExobotService, LogWriter]]:
    """A service logging to an SQLite file at tmp_path / "q.db", for tests that read the file itself."""
    async with _service(sqlite_writer(tmp_path / "q.db"), catalogue) as running:
        yield running


async def test_migrations_upgrade_an_older_file_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with await SqliteStore.open(path, upto=1) as old:
        assert await old.schema_version() == 1
    with sqlite3.connect(path) as db:  # rows written by the version-1 schema
        db.execute(
            "INSERT INTO questions (record_id, asked_at, platform, workspace, channel_kind, user_hash, command,"
            " question, outcome) VALUES ('r1', ?, 'slack', 'T1', 'public', 'h', 'ask', 'is it safe', 'answered')",
            (utcnow().isoformat(),),
        )
        db.execute(
            "INSERT INTO questions (record_id, asked_at, platform, channel_kind, user_hash, command, outcome)"
            " VALUES ('r2', ?, 'slack', 'public', 'h', 'mod', 'answered')",
            (utcnow().isoformat(),),
        )
    async with await SqliteStore.open(path) as store:
        assert await store.schema_version() == migrations("sqlite")[-1][0] >= 5
        (row,) = await store.recent(EVERYTHING)  # the moderator command's row is gone: it was no question
        assert row.question == "is it safe" and row.review_state == "new" and row.surface == "command"
        assert [r.id for r in await store.search(EVERYTHING, "safe")] == [row.id]  # FTS built from old rows
        assert await store.for_user("h") == (1, 0, [row])
        assert [r.id for r in await store.recent(Scope.of(Community("slack", "T1")))] == [row.id]
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(questions)")]
        indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        autoincrement = db.execute("SELECT sql FROM sqlite_master WHERE name = 'questions'").fetchone()[0]
    # One definition of the columns: every record and review column is in the migrated table.
    assert set(LOGGED_COLUMNS) - set(VOTE_COLUMNS) <= set(columns) and set(RECORD_COLUMNS) <= set(columns)
    assert {"questions_asked_at", "questions_community"} <= indexes
    assert "AUTOINCREMENT" in autoincrement


async def test_a_migration_that_forgets_a_column_fails_at_start(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    async with await SqliteStore.open(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE questions DROP COLUMN surface")
    with pytest.raises(Exception, match="surface"):
        await SqliteStore.open(path)


async def test_writer_batches_and_reads_back(log_backend: LogBackend) -> None:
    writer = log_backend.writer(batch_size=7)
    await writer.start()
    done = [writer.submit(record(n)) for n in range(50)]
    await writer.stop()
    assert await log_backend.count() == 50
    assert {d.result() for d in done} == {"committed"}
    assert writer.state.written == 50


async def test_a_burst_shares_commits(log_backend: LogBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows handed in while a commit runs wait for the next one: 300 rows, far fewer commits.
    writer = log_backend.writer()
    await writer.start()
    commits = 0
    stores: dict[str, type[QuestionStore]] = {"sqlite": SqliteStore, "postgresql": PostgresStore}
    store_class = stores[log_backend.name]
    real_insert = store_class.insert

    async def counting(self: QuestionStore, records: Sequence[QuestionRecord]) -> None:
        nonlocal commits
        commits += 1
        await real_insert(self, records)

    monkeypatch.setattr(store_class, "insert", counting)
    try:
        done = [writer.submit(record(n)) for n in range(300)]
        for d in done:
            await d
    finally:
        monkeypatch.undo()
        await writer.stop()
    assert await log_backend.count() == 300
    assert commits <= 10


async def test_user_ids_are_pseudonymised_and_never_stored_raw(tmp_path: Path, catalogue) -> None:
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    raw_id = "U0RAWUSERID42"
    await service.handle(Request("is it safe?", platform="slack", user_id=raw_id, workspace="T1", channel="C1"))
    await writer.stop()
    await service.handle(Request("is it safe?", platform="slack", user_id=raw_id))  # after stop: to the spool
    assert writer.spool.exists()
    for file in tmp_path.iterdir():
        assert raw_id.encode() not in file.read_bytes(), file
    with sqlite3.connect(tmp_path / "q.db") as db:
        (user_hash,) = db.execute("SELECT user_hash FROM questions").fetchone()
    assert user_hash == Pseudonymiser(KEY).user_hash("slack", raw_id)
    assert user_hash != Pseudonymiser(b"x" * 32).user_hash("slack", raw_id)  # keyed: no key, no guess


def test_a_missing_key_is_generated_once_and_kept(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = load_or_create_key(None, tmp_path)
    assert load_or_create_key(None, tmp_path) == first
    assert (tmp_path / "log.key").stat().st_mode & 0o077 == 0
    assert sum("generated a new question-log key" in r.getMessage() for r in caplog.records) == 1
    assert load_or_create_key("configured-key-value", tmp_path) == b"configured-key-value"


async def test_one_row_per_question_with_every_field(logged: tuple[ExobotService, LogWriter]) -> None:
    service, writer = logged
    request = Request(
        "my throat is swelling", platform="discord", user_id="1", workspace="G", channel="C",
        channel_kind=ChannelKind.PRIVATE,
    )  # fmt: skip
    emergency_answer = await service.handle(request)
    await service.handle(Request("why is rent so expensive?", platform="discord", user_id="1"))
    async with writer.reader() as store:  # no flush needed: an answer leaves once its row is written
        unanswered, emergency = await store.recent(EVERYTHING)
    assert (emergency.platform, emergency.workspace, emergency.channel, emergency.channel_kind) == (
        "discord", "G", "C", "private",
    )  # fmt: skip
    assert emergency.record_id == emergency_answer.record_id
    assert emergency.emergency and emergency.outcome == "answered" and emergency.latency_ms > 0
    assert unanswered.outcome == "unanswered" and unanswered.match is None
    assert unanswered.review_state == "new"


async def test_commands_about_the_log_are_not_logged(logged: tuple[ExobotService, LogWriter]) -> None:
    service, writer = logged
    for text in ("my-data", "forget-me", "mod recent", "is it safe?"):
        await service.handle(Request(text, platform="slack", workspace="T1", user_id="U1", is_moderator=True))
    async with writer.reader() as store:
        assert [r.question for r in await store.recent(EVERYTHING)] == ["is it safe?"]


async def test_small_talk_is_logged_as_small_talk_not_as_a_miss(logged: tuple[ExobotService, LogWriter]) -> None:
    service, writer = logged
    for text in ("hi", "thanks!", "ok", "why is rent so expensive"):
        await service.handle(Request(text, platform="slack", workspace="T1", user_id="U1"))
    async with writer.reader() as store:
        outcomes = {r.question: r.outcome for r in await store.recent(EVERYTHING)}
        assert outcomes == {"hi": "small_talk", "thanks!": "small_talk", "ok": "small_talk",
                            "why is rent so expensive": "unanswered"}  # fmt: skip
        assert [r.question for r in await store.unanswered(EVERYTHING)] == ["why is rent so expensive"]


async def test_keeping_only_the_match_stores_no_text(tmp_path: Path, catalogue) -> None:
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    engine = AnswerEngine(catalogue, EnginePolicy(store_text=False))
    service = ExobotService(engine, writer=writer)
    answer = await service.handle(Request("is exosome therapy safe for my secret condition?"))
    assert answer.ref is not None
    await writer.stop()
    assert b"secret condition" not in (tmp_path / "q.db").read_bytes()
    with sqlite3.connect(tmp_path / "q.db") as db:
        assert db.execute("SELECT question, match FROM questions").fetchone() == (None, answer.ref)
    assert "not your words" in engine.help().plain_text()


async def test_retention_purges_old_rows_on_start(log_backend: LogBackend) -> None:
    async with await log_backend.open() as store:
        old = record(1, asked_at=utcnow() - dt.timedelta(days=100))
        await store.insert([old, record(2)])
        assert await store.vote(old.record_id, "a" * 64, helpful=True)
    writer = log_backend.writer(retention_days=90)
    await writer.start()
    await writer.submit(record(3))
    await writer.stop()
    async with await log_backend.open() as store:
        assert await store.for_user("a" * 64) == (0, 0, [])  # the old row's votes went with it
        assert sorted(r.question or "" for r in await store.recent(EVERYTHING)) == ["question 2", "question 3"]


def test_log_purge_command(isolated_env: Path) -> None:
    run_exobot("console", input="is it safe?\n")
    with sqlite3.connect(isolated_env / "exobot.db") as db:
        db.execute("UPDATE questions SET asked_at = '2000-01-01T00:00:00+00:00'")
    result = run_exobot("log", "purge", "--days", "30")
    assert result.returncode == 0 and "removed 1 question older than 30 days" in result.stdout
    assert count_rows(isolated_env / "exobot.db") == 0


async def test_my_data_and_forget_me(logged: tuple[ExobotService, LogWriter]) -> None:
    service, writer = logged
    for text in ("is it safe?", "how much does it cost"):
        await service.handle(Request(text, platform="slack", user_id="U1"))
    other = await service.handle(Request("is it safe?", platform="slack", user_id="U2"))
    assert other.record_id is not None
    await service.vote(Request("", platform="slack", user_id="U1"), other.record_id, helpful=True)
    mine = await service.handle(Request("my-data", platform="slack", user_id="U1"))
    assert mine.private and "2 questions and 1 vote" in mine.paragraphs[0]
    assert {f.value.split(" → ")[0] for f in mine.fields} == {"is it safe?", "how much does it cost"}
    gone = await service.handle(Request("forget-me", platform="slack", user_id="U1"))
    assert "deleted 2 logged questions of yours, and your votes" in gone.paragraphs[0]
    async with writer.reader() as store:
        remaining = await store.recent(EVERYTHING)
        assert await store.for_user(Pseudonymiser(KEY).user_hash("slack", "U1")) == (0, 0, [])
    assert [r.user_hash for r in remaining] == [Pseudonymiser(KEY).user_hash("slack", "U2")]
    assert remaining[0].helpful == 0  # U1's vote went with U1


async def test_forget_me_leaves_no_words_in_the_file_the_index_or_the_wal(
    logged_sqlite: tuple[ExobotService, LogWriter], tmp_path: Path
) -> None:
    service, writer = logged_sqlite
    secret = "zebrafishmarmalade"
    await service.handle(Request(f"is it safe with {secret} allergy?", platform="slack", user_id="U1"))
    await service.handle(Request("is it safe for my knees?", platform="slack", user_id="U2"))
    async with writer.reader() as store:  # index the rows, as a moderator's search would
        assert len(await store.search(EVERYTHING, secret)) == 1
    await service.handle(Request("forget-me", platform="slack", user_id="U1"))
    async with writer.reader() as store:
        assert await store.search(EVERYTHING, secret) == []
    await writer.stop()
    for suffix in ("", "-wal", "-shm"):
        file = Path(f"{tmp_path / 'q.db'}{suffix}")
        if file.exists():
            assert secret.encode() not in file.read_bytes(), file
    with sqlite3.connect(tmp_path / "q.db") as db:
        pages = b"".join(bytes(block) for (block,) in db.execute("SELECT block FROM questions_fts_data"))
    assert secret.encode() not in pages
    assert b"knees" in pages  # the index itself is still there, for everyone else


async def test_ids_of_deleted_rows_are_never_reused(log_backend: LogBackend) -> None:
    async with await log_backend.open() as store:
        await store.insert([record(1, user_hash="a" * 64), record(2, user_hash="b" * 64)])
        last = max(r.id for r in await store.recent(EVERYTHING))
        await store.forget("b" * 64)
        await store.insert([record(3)])
        newest = (await store.recent(EVERYTHING))[0]
    assert newest.id > last


async def test_review_queries(log_backend: LogBackend) -> None:
    async with await log_backend.open() as store:
        rows = [record(i, match="faq:safety") for i in range(3)]
        rows += [record(10 + i, match=None, outcome="unanswered", question=q)
                 for i, q in enumerate(["Is rent expensive?", "is rent expensive"])]  # fmt: skip
        rows.append(record(20, match="risk:cost", emergency=True, platform="slack"))
        rows.append(record(30, match=None, outcome="small_talk", question="thanks!"))
        await store.insert(rows)
        top = await store.top_matches(EVERYTHING)
        assert (top[0].key, top[0].count) == ("faq:safety", 3)
        (missing,) = await store.top_unanswered(EVERYTHING)
        assert (missing.key, missing.count) == ("is rent expensive", 2)
        stats = {s.platform: s for s in await store.stats(EVERYTHING)}
        # Small talk is no question for the content: it counts neither as asked nor as answered.
        assert stats["test"].total == 5 and stats["test"].answered == 3 and stats["test"].unanswered == 2
        assert stats["test"].answer_rate == 0.6 and stats["slack"].emergencies == 1
        assert len(await store.unanswered(EVERYTHING)) == 2
        assert len(await store.search(EVERYTHING, "rent")) == 2
        assert await store.search(EVERYTHING, '" OR *') == []  # user text is never FTS syntax
        first = (await store.recent(EVERYTHING))[0]
        assert await store.mark(EVERYTHING, first.id, ReviewState.FLAGGED, "mod", "check this")
        shown = await store.get(EVERYTHING, first.id)
        assert shown and (shown.review_state, shown.review_note) == ("flagged", "check this")
        assert not await store.mark(EVERYTHING, 999_999, ReviewState.REVIEWED, "mod", None)
        data = export_bytes(await store.export(EVERYTHING), "csv").decode()
        assert data.splitlines()[0].startswith("id,asked_at,platform,workspace")
        assert len(data.splitlines()) == 8


async def test_votes_one_per_person_a_second_click_changes_it(log_backend: LogBackend) -> None:
    async with await log_backend.open() as store:
        row = record(1, match="faq:prp")
        await store.insert([row])
        assert await store.vote(row.record_id, "a" * 64, helpful=True)
        assert await store.vote(row.record_id, "b" * 64, helpful=False)
        assert await store.vote(row.record_id, "a" * 64, helpful=False)  # a changes their mind
        assert not await store.vote("0" * 32, "a" * 64, helpful=True)  # no such question
        (logged,) = await store.recent(EVERYTHING)
        assert (logged.helpful, logged.not_helpful) == (0, 2)
        (least,) = await store.helpfulness(EVERYTHING)
        assert (least.match, least.helpful, least.not_helpful) == ("faq:prp", 0, 2)
        await store.insert([record(2, match="faq:safety")])  # no votes: not among the least helpful
        top = await run_review(store, EVERYTHING, parse_command("top"), "mod")
        assert [q.match for q in top.questions] == ["faq:prp"]
        shown = review_answer(top, "disclaimer").fields
        assert any("0 helpful, 2 not" in f.value for f in shown) and any(
            "Least helpful: faq:prp" in f.name for f in shown
        )


async def test_watched_channels_per_community(log_backend: LogBackend) -> None:
    ours, theirs = Community("discord", "300"), Community("discord", "301")
    async with await log_backend.open() as store:
        assert await store.watch(ours, "F1", "mod") and await store.watch(theirs, "F9", "mod")
        assert not await store.watch(ours, "F1", "mod")  # watched already
        assert await store.watch(ours, "F2", "mod")
        assert await store.watched("discord", "300") == [("300", "F1"), ("300", "F2")]
        assert sorted(await store.watched("discord")) == [("300", "F1"), ("300", "F2"), ("301", "F9")]
        assert await store.unwatch(ours, "F1") and not await store.unwatch(ours, "F1")
        assert await store.watched("discord", "300") == [("300", "F2")] and await store.watched("slack") == []
        await store.insert([record(1, platform="discord", channel="T7", surface="help_thread")])
        assert await store.answered_in("discord", "T7", "help_thread")
        assert not await store.answered_in("discord", "T7", "command")


def test_csv_export_neutralises_spreadsheet_formulas() -> None:
    base = dataclasses.asdict(record(1, question='=HYPERLINK("x")'))
    row = LoggedQuestion(**base, id=1, review_state="new", reviewer=None, review_note=None, helpful=0, not_helpful=0)
    assert "'=HYPERLINK" in export_bytes([row], "csv").decode()


def test_log_cli_commands(isolated_env: Path) -> None:
    run_exobot("console", input="is it safe?\nwhy is rent so expensive?\nwhy is rent so expensive\n")
    recent = run_exobot("log", "recent", "--json")
    rows = json.loads(recent.stdout)["questions"]
    assert [r["question"] for r in rows][-1] == "is it safe?"
    top = json.loads(run_exobot("log", "top", "--json").stdout)
    assert top["unanswered"][0]["count"] == 2 and top["entries"][0]["key"] == "faq:safety"
    assert len(json.loads(run_exobot("log", "unanswered", "--json").stdout)["questions"]) == 2
    assert json.loads(run_exobot("log", "stats", "--json").stdout)["stats"][0]["total"] == 3
    assert len(json.loads(run_exobot("log", "search", "rent", "--json").stdout)["questions"]) == 2
    first_id = str(rows[-1]["id"])
    # The chat grammar, word for word, and the flag form of the same.
    assert run_exobot("log", "mark", first_id, "flagged", "PRP", "is", "not", "stem", "cells").returncode == 0
    shown = run_exobot("log", "show", first_id)
    assert "review_state" not in shown.stdout and "review: flagged by operator" in shown.stdout
    assert "note: PRP is not stem cells" in shown.stdout and "question: is it safe?" in shown.stdout
    assert run_exobot("log", "mark", first_id, "reviewed", "--note", "fine").returncode == 0
    detail = json.loads(run_exobot("log", "show", first_id, "--json").stdout)["detail"]
    assert detail["review_state"] == "reviewed" and detail["review_note"] == "fine"
    assert len(json.loads(run_exobot("log", "export", "json", "since", "2000-01-01").stdout)) == 3
    assert len(json.loads(run_exobot("log", "export", "--format", "json", "--since", "2000-01-01").stdout)) == 3
    assert run_exobot("log", "export", "json", "since", "2999-01-01").stdout.strip() == "[]"
    table = run_exobot("log", "recent")
    assert "rent" in table.stdout and table.returncode == 0
    missing = run_exobot("log", "show", "99999999999999999999999")
    assert (
        missing.returncode == 1
        and "There is no logged question" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    bad = run_exobot("log", "export", "--since", "yesterday")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    usage = run_exobot("log", "mark", first_id, "sideways")
    assert usage.returncode == 2 and "usage: exobot log mark" in usage.stderr


def test_log_cli_filters_by_platform_and_workspace(isolated_env: Path) -> None:
    async def fill() -> None:
        async with await SqliteStore.open(isolated_env / "exobot.db") as store:
            await store.insert([record(1, platform="slack", workspace="T1"), record(2, platform="discord",
                                workspace="300"), record(3, platform="discord", workspace="301")])  # fmt: skip

    import asyncio

    isolated_env.mkdir(parents=True, exist_ok=True)
    asyncio.run(fill())
    everything = json.loads(run_exobot("log", "recent", "--json").stdout)["questions"]
    discord = json.loads(run_exobot("log", "recent", "--json", "--platform", "discord").stdout)["questions"]
    one = json.loads(run_exobot("log", "recent", "--json", "--platform", "discord", "--workspace", "301").stdout)
    assert len(everything) == 3 and len(discord) == 2
    assert [r["question"] for r in one["questions"]] == ["question 3"]


async def test_moderator_commands_are_gated_and_work(logged: tuple[ExobotService, LogWriter]) -> None:
    service, _ = logged
    here: dict[str, Any] = {"platform": "slack", "workspace": "T1"}
    await service.handle(Request("why is rent so expensive?", user_id="a", **here))
    refused = await service.handle(Request("mod recent", user_id="a", **here))
    assert refused.title == "Moderators only" and refused.private
    moderator: dict[str, Any] = {"user_id": "m", "is_moderator": True, **here}
    unanswered = await service.handle(Request("mod unanswered", **moderator))
    assert unanswered.private and "rent" in unanswered.fields[0].value
    qid = unanswered.fields[0].name.split()[0].lstrip("#")
    marked = await service.handle(Request(f"mod mark {qid} flagged needs an entry", **moderator))
    assert marked.title == f"Question {qid} marked flagged"
    export = await service.handle(Request("mod export csv", **moderator))
    assert export.attachment and export.attachment.filename.endswith(".csv")
    assert b"rent" in export.attachment.content
    bad = await service.handle(Request("mod mark nope reviewed", **moderator))
    assert bad.outcome is Outcome.REJECTED and "not a question id" in bad.paragraphs[0]
    huge = await service.handle(Request("mod show 99999999999999999999999", **moderator))
    assert huge.outcome is Outcome.REJECTED and "There is no logged question" in huge.paragraphs[0]
    long_search = await service.handle(Request("mod search " + "x" * 400_000, **moderator))
    assert long_search.outcome is Outcome.REJECTED and "too long" in long_search.title
