"""``exobot ask``: one answer, or one per line of stdin, without the question log."""

from __future__ import annotations

import argparse
import json
import sys

from bots.config import load_config_or_exit
from core.answers import Answer
from core.content import ContentError
from core.engine import AnswerEngine
from core.request import Request


def answer_json(question: str, answer: Answer) -> str:
    return json.dumps(
        {
            "question": question,
            "match": answer.ref,
            "score": round(answer.score, 3),
            "emergency": answer.emergency,
            "alarm": answer.alarm.value if answer.alarm else None,
            "outcome": answer.outcome.value,
            "command": answer.command,
            "title": answer.title,
            "text": answer.plain_text(),
        },
        ensure_ascii=False,
    )


def engine_or_exit() -> AnswerEngine:
    try:
        return AnswerEngine.from_settings(load_config_or_exit().settings)
    except ContentError as exc:
        print(f"exobot: the content is invalid, so I won't answer.\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None


def ask_command(args: argparse.Namespace) -> int:
    engine = engine_or_exit()
    from_stdin = args.text == ["-"]
    questions = (line.rstrip("\n") for line in sys.stdin) if from_stdin else iter([" ".join(args.text)])
    for question in questions:
        answer = engine.answer(Request(question, platform="cli").cleaned().text)
        print(answer_json(question, answer) if args.json else answer.plain_text() + ("\n" if from_stdin else ""))
        sys.stdout.flush()
    return 0
