"""The ``exobot`` command line. Imports are deferred to each command so ``exobot ask`` starts fast."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.answers import Answer
    from core.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0  # `exobot … | head` closed the pipe: not an error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="exobot", description="Answers questions about the risks of exosome therapy.")
    sub = parser.add_subparsers(metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or, with '-', one per line from stdin)")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("text", nargs="+", help="the question, or '-' to read questions from stdin")
    ask.set_defaults(handler=_ask)

    content = sub.add_parser("content", help="check, list or reload the curated content")
    content_sub = content.add_subparsers(metavar="ACTION", required=True)
    check = content_sub.add_parser("check", help="validate every content file; exit 1 listing every error")
    check.set_defaults(handler=_content_check)
    listing = content_sub.add_parser("list", help="every kind:id with its title")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_content_list)
    reload_ = content_sub.add_parser("reload", help="ask the running bot to reload its content")
    reload_.set_defaults(handler=_lazy("bots.runner", "content_reload_command"))

    console = sub.add_parser("console", help="chat with the bot in this terminal (works with piped stdin)")
    console.add_argument("--json", action="store_true", help="print each answer as a JSON line")
    console.set_defaults(handler=_lazy("bots.console", "console_command"))

    run = sub.add_parser("run", help="run every configured platform, or the console when none is")
    run.set_defaults(handler=_lazy("bots.runner", "run_command"))

    config = sub.add_parser("config", help="show the effective configuration")
    config_sub = config.add_subparsers(metavar="ACTION", required=True)
    config_sub.add_parser("check", help="validate settings and print them, secrets masked").set_defaults(
        handler=_config_check
    )

    from bots.log_cli import add_log_parser

    add_log_parser(sub)
    _add_platform_parsers(sub)
    return parser


def _add_platform_parsers(sub: Any) -> None:
    slack = sub.add_parser("slack", help="run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    slack.add_argument("--host", default=None, help="HTTP mode: address to listen on (default 127.0.0.1)")
    slack.add_argument("--port", type=int, default=None, help="HTTP mode: port (default 3000)")
    slack.set_defaults(handler=_lazy("bots.slack.main", "slack_command"))

    discord = sub.add_parser("discord", help="run the Discord bot, or manage its commands")
    discord.set_defaults(handler=_lazy("bots.discord.main", "discord_command"), action=None)
    discord_sub = discord.add_subparsers(metavar="ACTION", dest="action")
    sync = discord_sub.add_parser("sync", help="register the slash commands (globally, or in one server)")
    sync.add_argument("--guild", type=int, default=None, help="server id: registers instantly, for testing")
    commands = discord_sub.add_parser("commands", help="print the command payloads, with no network")
    commands.add_argument("--json", action="store_true", required=True)
    discord_sub.add_parser("invite", help="print the install URL with the needed scopes and permissions")


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        import importlib

        function: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return function(args)

    return handler


def load_settings() -> Settings:
    """Settings from the environment, or exit 2 naming every bad variable."""
    from core.settings import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"exobot: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def answer_json(question: str, answer: Answer) -> str:
    return json.dumps(
        {
            "question": question,
            "match": answer.ref,
            "score": round(answer.score, 3),
            "emergency": answer.emergency,
            "outcome": answer.outcome.value,
            "command": answer.command,
            "title": answer.title,
            "text": answer.plain_text(),
        },
        ensure_ascii=False,
    )


def _engine_or_exit() -> Any:
    from core.content import ContentError
    from core.engine import AnswerEngine

    try:
        return AnswerEngine.from_settings(load_settings())
    except ContentError as exc:
        print(f"exobot: the content is invalid, so I won't answer.\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _ask(args: argparse.Namespace) -> int:
    from core.request import Request

    engine = _engine_or_exit()
    questions = (line.rstrip("\n") for line in sys.stdin) if args.text == ["-"] else iter([" ".join(args.text)])
    for question in questions:
        answer = engine.answer(Request(question, platform="cli"))
        print(
            answer_json(question, answer) if args.json else answer.plain_text() + ("\n" if args.text == ["-"] else "")
        )
        sys.stdout.flush()
    return 0


def _content_check(args: argparse.Namespace) -> int:
    import datetime as dt

    from core.content import ContentError, load_catalogue

    settings = load_settings()
    try:
        catalogue = load_catalogue(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found.", file=sys.stderr)
        return 1
    overdue = [e for e in catalogue.entries if e.next_review <= dt.date.today()]
    for entry in overdue:
        print(f"note: {entry.ref} was due for review on {entry.next_review.isoformat()}")
    print(f"content OK: {len(catalogue.entries)} entries, {len(catalogue.sources)} sources.")
    return 0


def _content_list(args: argparse.Namespace) -> int:
    engine = _engine_or_exit()
    rows = [{"ref": e.ref, "title": e.title} for e in engine.catalogue.entries]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            print(f"{row['ref']:<32} {row['title']}")
    return 0


def _config_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    width = max(len(name) for name, _ in settings.describe())
    for name, value in settings.describe():
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
