"""``exobot slack``: run only the Slack app, with the same runner (log, health, signals) as ``exobot run``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys

from bots.cli import load_settings
from bots.runner import NamedAdapter, configure_logging, run_adapters
from bots.slack.app import slack_adapter


def slack_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.slack is None:
        print(
            "exobot: SLACK_BOT_TOKEN is not set. Set it, with SLACK_APP_TOKEN (Socket Mode) or "
            "SLACK_SIGNING_SECRET (HTTP); see README.md.",
            file=sys.stderr,
        )
        return 2
    slack = settings.slack
    if args.host is not None:
        slack = dataclasses.replace(slack, host=args.host)
    if args.port is not None:
        slack = dataclasses.replace(slack, port=args.port)
    configure_logging(settings)
    return asyncio.run(run_adapters(settings, [NamedAdapter("slack", slack_adapter(slack))]))
