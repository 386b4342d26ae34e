"""Nothing lost, nothing leaked, nothing hung: a real `exobot run` (or console) under bad input, crashes,
a full disk, forged and replayed requests, and sockets that never finish."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from core.engine import AnswerEngine
from core.request import Request
from core.service import ExobotService
from tests import slack_harness
from tests.fakes.slack import SIGNING_SECRET, FakeSlack, form_body, sign, slash_command_fields
from tests.logtools import count_rows, eventually, record, small_tmpfs, sqlite_writer
from tests.processes import BotProcess, slack_env

fake = slack_harness.fake

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")


def rows(data_dir: Path, where: str = "1 = 1") -> list[str]:
    with sqlite3.connect(data_dir / "exobot.db") as db:
        return [q for (q,) in db.execute(f"SELECT question FROM questions WHERE {where}")]


async def test_a_lone_surrogate_in_a_slack_payload_is_answered_and_logged(fake: FakeSlack, isolated_env: Path) -> None:
    bot = BotProcess(isolated_env, slack_env(fake))
    try:
        await bot.healthy()
        async with aiohttp.ClientSession() as session:
            # A JSON payload may carry "\\ud83d" alone: Python decodes it to a string no encoder accepts.
            payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
                       "channel": {"id": "C1"}, "container": {"type": "message", "is_ephemeral": True},
                       "response_url": fake.response_url(), "trigger_id": "t1",
                       "actions": [{"action_id": "exobot_related_0", "type": "button", "block_id": "b",
                                    "value": "is it safe \\ud83d ?", "action_ts": "1"}]}  # fmt: skip
            body = form_body({"payload": json.dumps(payload).replace("\\\\ud83d", "\\ud83d")})
            status, _ = await fake.post(session, bot.slack_url, body)
            assert status == 200
            for n in range(5):  # and the log goes on for everyone after it
                status, _ = await fake.post(session, bot.slack_url, form_body(slash_command_fields(f"is it safe {n}")))
                assert status == 200
            async with session.get(bot.health_url) as health:
                assert health.status == 200
    finally:
        code = await bot.stop()
    assert code == 0, bot.output()
    logged = rows(isolated_env)
    assert len(logged) == 6 and "is it safe \ufffd ?" in logged


def test_an_undecodable_byte_on_the_console_is_answered(isolated_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "console", "--json"], input=b"is it safe \xff\xfe?\nrisk cancer\n",
        capture_output=True, timeout=60, env=os.environ.copy(),
    )  # fmt: skip
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and [a["match"] for a in answers] == ["faq:safety", "risk:cancer"]
    assert len(rows(isolated_env)) == 2


async def test_the_writer_never_dies_of_one_row(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    writer = sqlite_writer(tmp_path / "q.db")
    await writer.start()
    bad = record(1, question="lone \ud83d surrogate", workspace="\udfff")  # as if the door had let it through
    results = [await writer.submit(bad), await writer.submit(record(2)), await writer.submit(record(3))]
    assert writer.state.ok and results[1:] == ["committed", "committed"]
    await writer.stop()
    assert count_rows(tmp_path / "q.db") + writer.spool.count() == 3


async def test_sigkill_mid_burst_loses_no_answered_question(fake: FakeSlack, isolated_env: Path) -> None:
    bot = BotProcess(isolated_env, slack_env(fake))
    answered: list[str] = []
    await bot.healthy()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:

        async def ask(n: int) -> None:
            text = f"is it safe? burst {n}"
            try:
                status, reply = await fake.post(
                    session, bot.slack_url, form_body(slash_command_fields(text, user_id=f"U{n}"))
                )
            except aiohttp.ClientError:
                return
            if status == 200 and isinstance(reply, dict) and reply.get("blocks"):
                answered.append(text)
                if len(answered) == 150:
                    enough.set()

        enough = asyncio.Event()
        tasks = [asyncio.create_task(ask(n)) for n in range(600)]
        await enough.wait()
        bot.process.send_signal(signal.SIGKILL)
        await asyncio.gather(*tasks)
    await asyncio.to_thread(bot.process.wait, 30)
    assert 150 <= len(answered) < 600  # it really died mid-burst
    again = BotProcess(isolated_env, slack_env(fake))  # restart: the spool, if any, is imported
    await again.healthy()
    assert await again.stop() == 0
    missing = set(answered) - set(rows(isolated_env))
    assert not missing, f"{len(missing)} answered questions lost, e.g. {sorted(missing)[:3]}"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "small", "2m") as mount:
        yield mount


@needs_root
def test_a_stop_on_a_full_disk_counts_says_and_records_what_it_lost(small_disk: Path) -> None:
    env = {**os.environ, "EXOBOT_DATA_DIR": str(small_disk), "EXOBOT_LOG_KEY": "k" * 32}
    console = subprocess.Popen([sys.executable, "-m", "bots.cli", "console", "--json"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)  # fmt: skip
    assert console.stdin and console.stdout
    console.stdin.write("is it safe?\n")
    console.stdin.flush()
    json.loads(console.stdout.readline())  # the log is up and has written its first row
    filler = small_disk / "filler"
    with filler.open("wb") as handle, _suppress_full():
        while True:
            handle.write(b"\0" * 65536)
    for n in range(20):
        console.stdin.write(f"how much does it cost {n}\n")
    console.stdin.flush()
    answers = [json.loads(console.stdout.readline()) for _ in range(20)]
    assert all(a["match"] for a in answers)  # answering went on
    console.send_signal(signal.SIGTERM)
    _, errors = console.communicate(timeout=30)
    assert console.returncode == 3, errors  # the exit status says rows were lost…
    assert "20 rows could not be written" in errors and "question log written" not in errors  # …and the log
    filler.unlink()
    subprocess.run([sys.executable, "-m", "bots.cli", "console"], input="", text=True, env=env, check=True, timeout=30)
    with sqlite3.connect(small_disk / "exobot.db") as db:
        events = db.execute("SELECT kind, count FROM log_events").fetchall()
    assert events == [("lost", 20)]  # recorded once space returned


class _suppress_full:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: object, tb: object) -> bool:
        return isinstance(exc, OSError)


async def test_bad_signatures_leave_nothing_of_the_request_in_the_logs(fake: FakeSlack, isolated_env: Path) -> None:
    bot = BotProcess(isolated_env, slack_env(fake))
    secrets = {"user_id": "U0SECRETUSER", "user_name": "alice.secretname", "text": "my zebra secret question",
               "response_url": "https://hooks.slack.com/commands/T1/999/SECRETURL"}  # fmt: skip
    try:
        await bot.healthy()
        async with aiohttp.ClientSession() as session:
            for n in range(50):
                body = form_body(
                    slash_command_fields(secrets["text"], **{k: v for k, v in secrets.items() if k != "text"})
                )
                status, _ = await fake.post(session, bot.slack_url, body, secret=f"wrong-{n}")
                assert status == 401
            async with session.post(bot.slack_url, data=body) as unsigned:
                assert unsigned.status == 401
    finally:
        assert await bot.stop() == 0
    output = bot.output()
    for value in secrets.values():
        assert value not in output, f"{value!r} reached the bot's log"
    assert output.count("refused") == 1  # 51 refusals, one rate-limited warning
    assert rows(isolated_env) == []


async def test_a_replayed_request_is_answered_and_logged_once(fake: FakeSlack, isolated_env: Path) -> None:
    bot = BotProcess(isolated_env, slack_env(fake))
    try:
        await bot.healthy()
        body = form_body(slash_command_fields("is it safe?", user_id="U7"))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}
        async with aiohttp.ClientSession() as session:
            statuses = []
            for _ in range(3):
                async with session.post(bot.slack_url, data=body, headers=headers) as response:
                    statuses.append(response.status)
    finally:
        assert await bot.stop() == 0
    assert statuses == [200, 401, 401]
    assert rows(isolated_env) == ["is it safe?"]


async def _idle(port: int, count: int) -> list[socket.socket]:
    held = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(s, ("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        s.send(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # a request head that never ends
        held.append(s)
    return held


async def test_idle_and_trickling_sockets_cannot_starve_real_requests(fake: FakeSlack, isolated_env: Path) -> None:
    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    bot = BotProcess(isolated_env, slack_env(fake), preexec=few_descriptors)
    held: list[socket.socket] = []
    try:
        await bot.healthy()
        held = await _idle(bot.slack_port, 300) + await _idle(bot.health_port, 300)
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            for n in range(5):
                status, reply = await fake.post(session, bot.slack_url, form_body(slash_command_fields(f"risks {n}")))
                assert status == 200 and reply["blocks"]
            async with session.get(bot.health_url) as health:
                assert health.status == 200
        assert time.monotonic() - started < 5
        assert bot.process.poll() is None
    finally:
        for s in held:
            s.close()
        assert await bot.stop() == 0
    assert "Too many open files" not in bot.output()


async def test_a_request_head_that_trickles_is_cut_off() -> None:
    from aiohttp import web

    from bots.http_server import Limits, serve

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", ok)
    async with serve(app, "127.0.0.1", 0, what="test", limits=Limits(header_timeout=0.5, idle_timeout=0.5)) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        closed = False
        for char in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
            writer.write(bytes([char]))
            await asyncio.sleep(0.1)
            if reader.at_eof() or writer.is_closing():
                closed = True
                break
            try:
                await asyncio.wait_for(reader.read(1), 0.01)
                closed = reader.at_eof()
            except TimeoutError:
                pass
            if closed:
                break
        writer.close()
    assert closed and time.monotonic() - started < 2.5


async def test_health_is_truthful_and_recovers_without_new_questions(tmp_path: Path, catalogue) -> None:
    from bots.health import health

    writer = sqlite_writer(tmp_path / "q.db", max_backoff=0.2)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer)
    assert health(service, [])[0]
    blocker = sqlite3.connect(tmp_path / "q.db", timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    for n in range(600):
        writer.submit(record(n))
    await writer.flush()
    ok, body = health(service, [])
    assert not ok and body["log_writer"]["spooled"] == 600
    blocker.rollback()
    blocker.close()
    await eventually(lambda: health(service, [])[0], timeout=10)  # nobody asked anything meanwhile
    assert writer.state.spooled == 0
    await writer.stop()
    assert not health(service, [])[0]  # a stopped writer is not a healthy one
    assert count_rows(tmp_path / "q.db") == 600
    await service.handle(Request("is it safe?"))  # after the stop: spooled, not lost


async def test_a_stuck_writer_makes_health_fail(tmp_path: Path, catalogue) -> None:
    from bots.health import health
    from core.questionlog.pseudonym import Pseudonymiser
    from core.questionlog.sqlite import SqliteStore
    from core.questionlog.writer import Connector, LogWriter
    from tests.logtools import KEY

    class HungDisk(SqliteStore):
        """A store whose commits never finish, as on a disk that stopped answering."""

        async def insert(self, records: object) -> None:
            await asyncio.sleep(3600)

    path = tmp_path / "q.db"

    async def hung() -> SqliteStore:
        store = await SqliteStore.open(path)
        return HungDisk(path, store._db)

    connector = Connector(hung, lambda: SqliteStore.open(path), path.with_name("q.db.spool.jsonl"), str(path))
    writer = LogWriter(connector, Pseudonymiser(KEY), stuck_after=0.2)
    await writer.start()
    service = ExobotService(AnswerEngine(catalogue), writer=writer, log_wait=0.1)
    answer = await service.handle(Request("is it safe?"))
    assert answer.ref == "faq:safety"  # the answer did not wait for the hung commit…
    assert writer.spool.count() == 1  # …its row went to the spool instead
    await asyncio.sleep(0.3)
    ok, body = health(service, [])
    assert not ok and body["log_writer"]["stuck"] is True
    assert writer._task is not None
    writer._task.cancel()
