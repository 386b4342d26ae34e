"""The question log: schema, pseudonyms, retention, privacy commands and the review queries."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.answers import Outcome
from core.engine import AnswerEngine, EnginePolicy
from core.log.pseudonym import Pseudonymiser, load_or_create_key
from core.log.records import ReviewState, utcnow
from core.log.store import QuestionStore, migrations
from core.log.writer import LogWriter
from core.request import ChannelKind, Request
from core.review import export_bytes
from core.service import ExobotService
from tests.conftest import run_exobot
from tests.logtools import count_rows, record

KEY = b"k" * 32


@pytest.fixture
async def logged(tmp_path: Path, catalogue) -> AsyncIterator[tuple[ExobotService, LogWriter]]:
    """A service with a running log writer, always stopped afterwards (its thread would keep pytest alive)."""
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
    await writer.start()
    try:
        yield ExobotService(AnswerEngine(catalogue), writer=writer), writer
    finally:
        await writer.stop()


async def test_migrations_upgrade_an_older_file_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with await QuestionStore.open(path, upto=1) as old:
        assert await old.schema_version() == 1
    with sqlite3.connect(path) as db:  # a row written by the version-1 schema
        db.execute(
            "INSERT INTO questions (record_id, asked_at, platform, channel_kind, user_hash, command, question,"
            " outcome) VALUES ('r1', ?, 'slack', 'public', 'h', 'ask', 'is it safe', 'answered')",
            (utcnow().isoformat(),),
        )
    async with await QuestionStore.open(path) as store:
        assert await store.schema_version() == migrations()[-1][0] >= 3
        (row,) = await store.recent()
        assert row.question == "is it safe" and row.review_state == "new"
        assert [r.id for r in await store.search("safe")] == [row.id]  # FTS built from existing rows
        assert await store.for_user("h") == (1, [row])
    with sqlite3.connect(path) as db:
        indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    # Writes only append (V4): no index by person or outcome, so a batch touches a few pages, not dozens.
    assert "questions_asked_at" in indexes and not indexes & {"questions_user", "questions_outcome"}


async def test_writer_batches_and_reads_back(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY), batch_size=7)
    await writer.start()
    for n in range(50):
        writer.submit(record(n))
    await writer.stop()
    assert count_rows(tmp_path / "q.db") == 50
    assert writer.state.written == 50 and writer.state.dropped == 0


@pytest.mark.parametrize("size", [1, 3, 4, 5, 16, 17, 63, 64, 65, 81, 150])
async def test_a_batch_of_any_size_is_stored_whole_and_in_order(tmp_path: Path, size: int) -> None:
    # Batches are split into statements of several sizes; no row may fall between them.
    async with await QuestionStore.open(tmp_path / "q.db") as store:
        await store.insert([record(n) for n in range(size)])
    with sqlite3.connect(tmp_path / "q.db") as db:
        questions = [q for (q,) in db.execute("SELECT question FROM questions ORDER BY id")]
    assert questions == [record(n).question for n in range(size)]


async def test_user_ids_are_pseudonymised_and_never_stored_raw(tmp_path: Path, catalogue) -> None:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    raw_id = "U0RAWUSERID42"
    await service.handle(Request("is it safe?", platform="slack", user_id=raw_id, workspace="T1", channel="C1"))
    await writer.stop()
    await service.handle(Request("is it safe?", platform="slack", user_id=raw_id))  # after stop: to the spool
    assert writer.spool_path.exists()
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


async def test_one_row_per_question_with_every_field(tmp_path: Path, catalogue) -> None:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    request = Request(
        "my throat is swelling", platform="discord", user_id="1", workspace="G", channel="C",
        channel_kind=ChannelKind.PRIVATE,
    )  # fmt: skip
    await service.handle(request)
    await service.handle(Request("why is rent so expensive?", platform="discord", user_id="1"))
    await writer.flush()
    async with writer.store() as store:
        unanswered, emergency = await store.recent()
    await writer.stop()
    assert (emergency.platform, emergency.workspace, emergency.channel, emergency.channel_kind) == (
        "discord", "G", "C", "private",
    )  # fmt: skip
    assert emergency.emergency and emergency.outcome == "answered" and emergency.latency_ms > 0
    assert unanswered.outcome == "unanswered" and unanswered.match is None
    assert unanswered.review_state == "new"


async def test_keeping_only_the_match_stores_no_text(tmp_path: Path, catalogue) -> None:
    writer = LogWriter(tmp_path / "q.db", Pseudonymiser(KEY))
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


async def test_retention_purges_old_rows_on_start(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    async with await QuestionStore.open(path) as store:
        await store.insert([record(1, asked_at=utcnow() - dt.timedelta(days=100)), record(2)])
    writer = LogWriter(path, Pseudonymiser(KEY), retention_days=90)
    await writer.start()
    await writer.flush()
    writer.submit(record(3))
    await writer.stop()
    async with await QuestionStore.open(path) as store:
        assert sorted(r.question or "" for r in await store.recent()) == ["question 2", "question 3"]


def test_log_purge_command(isolated_env: Path) -> None:
    run_exobot("console", input="is it safe?\n")
    with sqlite3.connect(isolated_env / "exobot.db") as db:
        db.execute("UPDATE questions SET asked_at = '2000-01-01T00:00:00+00:00'")
    result = run_exobot("log", "purge", "--days", "30")
    assert result.returncode == 0 and "removed 1 question(s)" in result.stdout
    assert count_rows(isolated_env / "exobot.db") == 0


async def test_my_data_and_forget_me(logged: tuple[ExobotService, LogWriter]) -> None:
    service, writer = logged
    for text in ("is it safe?", "how much does it cost"):
        await service.handle(Request(text, platform="slack", user_id="U1"))
    await service.handle(Request("is it safe?", platform="slack", user_id="U2"))
    mine = await service.handle(Request("my-data", platform="slack", user_id="U1"))
    assert mine.private and "2 question(s)" in mine.paragraphs[0]
    assert {f.value.split(" → ")[0] for f in mine.fields} == {"is it safe?", "how much does it cost"}
    gone = await service.handle(Request("forget-me", platform="slack", user_id="U1"))
    assert "deleted 3 logged question(s)" in gone.paragraphs[0]  # two questions and the my-data request
    async with writer.store() as store:
        remaining = await store.recent()
    # U1's three commands are gone (the my-data row too); U2's question and the forget-me request itself remain.
    users = {r.user_hash for r in remaining}
    assert Pseudonymiser(KEY).user_hash("slack", "U2") in users
    assert [r.command for r in remaining if r.user_hash == Pseudonymiser(KEY).user_hash("slack", "U1")] == ["forget-me"]


async def test_review_queries(tmp_path: Path) -> None:
    async with await QuestionStore.open(tmp_path / "q.db") as store:
        rows = [record(i, match="faq:safety") for i in range(3)]
        rows += [record(10 + i, match=None, outcome="unanswered", question=q)
                 for i, q in enumerate(["Is rent expensive?", "is rent expensive"])]  # fmt: skip
        rows.append(record(20, match="risk:cost", emergency=True, platform="slack"))
        await store.insert(rows)
        top = await store.top_matches()
        assert (top[0].key, top[0].count) == ("faq:safety", 3)
        (missing,) = await store.top_unanswered()
        assert (missing.key, missing.count) == ("is rent expensive", 2)
        stats = {s.platform: s for s in await store.stats()}
        assert stats["test"].total == 5 and stats["test"].answered == 3 and stats["test"].unanswered == 2
        assert stats["slack"].emergencies == 1
        assert len(await store.unanswered()) == 2
        assert len(await store.search("rent")) == 2
        assert await store.search('" OR *') == []  # user text is never FTS syntax
        first = (await store.recent())[0]
        assert await store.mark(first.id, ReviewState.FLAGGED, "mod", "check this")
        shown = await store.get(first.id)
        assert shown and (shown.review_state, shown.review_note) == ("flagged", "check this")
        assert not await store.mark(999_999, ReviewState.REVIEWED, "mod", None)
        data = export_bytes(await store.export(), "csv").decode()
        assert data.splitlines()[0].startswith("id,asked_at,platform")
        assert len(data.splitlines()) == 7


def test_csv_export_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    from core.log.records import LoggedQuestion

    row = LoggedQuestion(1, "t", "p", None, None, "dm", "h", "ask", "=HYPERLINK(\"x\")", None, 0, False, 0,
                         "answered", "new", None, None)  # fmt: skip
    assert "'=HYPERLINK" in export_bytes([row], "csv").decode()


def test_log_cli_commands(isolated_env: Path) -> None:
    run_exobot("console", input="is it safe?\nwhy is rent so expensive?\nwhy is rent so expensive\n")
    recent = run_exobot("log", "recent", "--json")
    import json

    rows = json.loads(recent.stdout)
    assert [r["question"] for r in rows][-1] == "is it safe?"
    top = json.loads(run_exobot("log", "top", "--json").stdout)
    assert top["unanswered"][0]["asked"] == 2 and top["entries"][0]["entry"] == "faq:safety"
    assert len(json.loads(run_exobot("log", "unanswered", "--json").stdout)) == 2
    assert json.loads(run_exobot("log", "stats", "--json").stdout)[0]["total"] == 3
    assert len(json.loads(run_exobot("log", "search", "rent", "--json").stdout)) == 2
    first_id = str(rows[-1]["id"])
    assert run_exobot("log", "mark", first_id, "reviewed", "--note", "fine").returncode == 0
    shown = json.loads(run_exobot("log", "show", first_id, "--json").stdout)[0]
    assert shown["review_state"] == "reviewed" and shown["review_note"] == "fine"
    export = run_exobot("log", "export", "--format", "json", "--since", "2000-01-01")
    assert len(json.loads(export.stdout)) == 3
    table = run_exobot("log", "recent")
    assert "rent" in table.stdout and table.returncode == 0
    assert run_exobot("log", "show", "999").returncode == 1
    bad = run_exobot("log", "export", "--since", "yesterday")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


async def test_moderator_commands_are_gated_and_work(logged: tuple[ExobotService, LogWriter]) -> None:
    service, _ = logged
    await service.handle(Request("why is rent so expensive?", user_id="a"))
    refused = await service.handle(Request("mod recent", user_id="a"))
    assert refused.title == "Moderators only" and refused.private
    unanswered = await service.handle(Request("mod unanswered", user_id="m", is_moderator=True))
    assert unanswered.private and "rent" in unanswered.fields[0].value
    qid = unanswered.fields[0].name.split()[0].lstrip("#")
    marked = await service.handle(Request(f"mod mark {qid} flagged needs an entry", user_id="m", is_moderator=True))
    assert marked.title == f"Question {qid} marked flagged"
    export = await service.handle(Request("mod export csv", user_id="m", is_moderator=True))
    assert export.attachment and export.attachment.filename.endswith(".csv")
    assert b"rent" in export.attachment.content
    bad = await service.handle(Request("mod mark nope reviewed", user_id="m", is_moderator=True))
    assert bad.outcome is Outcome.REJECTED and "not a question id" in bad.paragraphs[0]
