"""The ``exobot`` command line. Imports are deferred to each command so ``exobot ask`` starts fast."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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


def lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports its module only when its command runs."""

    def handler(args: argparse.Namespace) -> int:
        function: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return function(args)

    return handler


def build_parser() -> argparse.ArgumentParser:
    from bots.adapter import adapters
    from bots.cli import review
    from bots.web import cli as web

    parser = argparse.ArgumentParser(prog="exobot", description="Answers questions about the risks of exosome therapy.")
    sub = parser.add_subparsers(metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or, with '-', one per line from stdin)")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("text", nargs="+", help="the question, or '-' to read questions from stdin")
    ask.set_defaults(handler=lazy("bots.cli.ask", "ask_command"))

    content = sub.add_parser("content", help="check, list or reload the curated content")
    content_sub = content.add_subparsers(metavar="ACTION", required=True)
    content_sub.add_parser("check", help="validate every content file; exit 1 listing every error").set_defaults(
        handler=lazy("bots.cli.content", "check_command")
    )
    listing = content_sub.add_parser("list", help="every kind:id with its title")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=lazy("bots.cli.content", "list_command"))
    content_sub.add_parser("reload", help="ask the running bot to reload its content").set_defaults(
        handler=lazy("bots.runner", "content_reload_command")
    )

    console = sub.add_parser("console", help="chat with the bot in this terminal (works with piped stdin)")
    console.add_argument("--json", action="store_true", help="print each answer as a JSON line")
    console.set_defaults(handler=lazy("bots.console", "console_command"))

    run = sub.add_parser("run", help="run every configured platform, or the console when none is")
    run.set_defaults(handler=lazy("bots.runner", "run_command"))

    config = sub.add_parser("config", help="show the effective configuration")
    config_sub = config.add_subparsers(metavar="ACTION", required=True)
    config_sub.add_parser("check", help="validate settings and print them, secrets masked").set_defaults(
        handler=lazy("bots.cli.content", "config_check_command")
    )

    review.add_parser(sub)
    web.add_parser(sub)
    for adapter in adapters():
        adapter.add_commands(sub)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
