"""The exobot command line, run as a real process."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import run_exobot


def test_ask_prints_an_answer() -> None:
    result = run_exobot("ask", "can", "this", "make", "cancer", "worse?")
    assert result.returncode == 0
    assert result.stdout.startswith("Can exosome therapy make cancer worse?")
    assert "not medical advice" in result.stdout


def test_ask_json_has_the_documented_fields() -> None:
    result = run_exobot("ask", "--json", "is it safe?")
    data = json.loads(result.stdout)
    assert data["question"] == "is it safe?"
    assert data["match"] == "faq:safety"
    assert data["emergency"] is False
    assert 0 < data["score"] <= 1
    assert data["title"] == "Is exosome therapy safe?"
    assert "Sources:" in data["text"]


def test_ask_json_reads_one_question_per_line_from_stdin() -> None:
    questions = "is it safe?\nwhy is rent so expensive?\nI can't breathe\n\n"
    result = run_exobot("ask", "--json", "-", input=questions)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == ["is it safe?", "why is rent so expensive?", "I can't breathe", ""]
    assert rows[0]["match"] == "faq:safety"
    assert rows[1]["match"] is None and rows[1]["outcome"] == "unanswered"
    assert rows[2]["emergency"] is True
    assert rows[3]["outcome"] == "rejected"


def test_ask_does_not_write_the_question_log(isolated_env: Path) -> None:
    run_exobot("ask", "is it safe?")
    assert not (isolated_env / "exobot.db").exists()


def test_console_with_piped_stdin_answers_and_logs_every_line(isolated_env: Path) -> None:
    result = run_exobot("console", input="/exosome risks\nis it safe?\nwhy is rent so expensive?\n")
    assert result.returncode == 0, result.stderr
    assert "The main risks of exosome therapy" in result.stdout
    assert "I can't answer that one" in result.stdout
    with sqlite3.connect(isolated_env / "exobot.db") as db:
        rows = db.execute("SELECT platform, command, match, outcome FROM questions ORDER BY id").fetchall()
    assert rows == [
        ("console", "risks", "list:risks", "answered"),
        ("console", "ask", "faq:safety", "answered"),
        ("console", "ask", None, "unanswered"),
    ]
    assert "generated a new question-log key" in result.stderr


def test_run_without_credentials_falls_back_to_the_console_with_a_hint() -> None:
    result = run_exobot("run", input="risk cancer\n")
    assert result.returncode == 0, result.stderr
    assert "Possible cancer growth" in result.stdout
    assert "SLACK_BOT_TOKEN" in result.stderr and "DISCORD_TOKEN" in result.stderr


def test_bad_settings_stop_start_up_naming_the_variable() -> None:
    result = run_exobot("console", input="", env={"EXOBOT_RETENTION_DAYS": "soon"})
    assert result.returncode == 2
    assert "EXOBOT_RETENTION_DAYS" in result.stderr and "'soon'" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_masks_secrets() -> None:
    token = "xoxb-1234567890-secret-value"
    result = run_exobot(
        "config", "check", env={"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": "s3cr3t-signing-value-abc"}
    )
    assert result.returncode == 0, result.stderr
    assert "SLACK_BOT_TOKEN" in result.stdout
    assert token not in result.stdout and "s3cr3t-signing-value-abc" not in result.stdout
