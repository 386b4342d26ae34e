"""The Slack adapter's plug-in: its settings, its secrets, its CLI, and how it runs.

Only this module is imported to read the configuration; slack-bolt is imported when Slack really runs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import re
import sys
from collections.abc import Sequence

from bots.adapter import Adapter, AdapterStatus
from bots.slack.settings import SlackSettings
from core.service import ExobotService
from core.settings import EnvReader, Secret, port


class SlackAdapter(Adapter[SlackSettings]):
    name = "slack"
    setup_hint = "To connect Slack set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET)."

    def read_settings(self, env: EnvReader) -> SlackSettings | None:
        bot_token = _token(env, "SLACK_BOT_TOKEN", "xoxb-")
        app_token = _token(env, "SLACK_APP_TOKEN", "xapp-")
        signing_secret = env.secret("SLACK_SIGNING_SECRET")
        if bot_token is None:
            for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
                if env.raw(name):
                    env.problem("SLACK_BOT_TOKEN", f"is required when {name} is set")
            return None
        if app_token is None and signing_secret is None:
            env.problem("SLACK_SIGNING_SECRET", "is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
        moderators = env.words("SLACK_MODERATORS")
        for m in moderators:
            if not re.fullmatch(r"[USW][A-Z0-9]{2,}", m):
                env.problem("SLACK_MODERATORS", f"{m!r} is not a Slack user (U…/W…) or user group (S…) id")
        teams = env.words("EXOBOT_SLACK_TEAMS")
        for t in teams:
            if not re.fullmatch(r"[TE][A-Z0-9]{2,}", t):
                env.problem("EXOBOT_SLACK_TEAMS", f"{t!r} is not a Slack team id (T…)")
        base = env.url("SLACK_API_BASE_URL")
        return SlackSettings(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_base_url=(base.rstrip("/") + "/") if base else None,
            moderators=moderators,
            teams=frozenset(teams),
            host=env.raw("SLACK_HOST") or "127.0.0.1",
            port=env.get("SLACK_PORT", 3000, port, "a port number from 1 to 65535"),
        )

    def secrets(self, settings: SlackSettings) -> Sequence[Secret]:
        return [s for s in (settings.bot_token, settings.signing_secret, settings.app_token) if s is not None]

    def describe(self, settings: SlackSettings | None) -> list[tuple[str, str]]:
        if settings is None:
            return [("SLACK_BOT_TOKEN", "(unset: Slack disabled)")]
        s = settings
        return [
            ("SLACK_BOT_TOKEN", s.bot_token.masked()),
            ("SLACK_SIGNING_SECRET", s.signing_secret.masked() if s.signing_secret else "(unset)"),
            ("SLACK_APP_TOKEN", s.app_token.masked() if s.app_token else "(unset: HTTP mode)"),
            ("SLACK_API_BASE_URL", s.api_base_url or "(Slack)"),
            ("SLACK_MODERATORS", ",".join(s.moderators) or "(none)"),
            ("EXOBOT_SLACK_TEAMS", ",".join(sorted(s.teams)) or "(every workspace)"),
            ("SLACK_HOST", s.host),
            ("SLACK_PORT", str(s.port)),
        ]

    def add_commands(self, subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        slack = subcommands.add_parser(
            "slack", help="run only the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)"
        )
        slack.add_argument("--host", default=None, help="HTTP mode: address to listen on (default 127.0.0.1)")
        slack.add_argument("--port", type=int, default=None, help="HTTP mode: port (default 3000)")
        slack.set_defaults(handler=slack_command)

    async def run(
        self, settings: SlackSettings, service: ExobotService, stop: asyncio.Event, status: AdapterStatus
    ) -> None:
        from bots.slack.app import serve_slack

        await serve_slack(settings, service, stop, status)


def _token(env: EnvReader, name: str, prefix: str) -> Secret | None:
    token = env.secret(name)
    if token is not None and not token.reveal().startswith(prefix):
        env.problem(name, f"expects a token starting with {prefix!r}")
    return token


def slack_command(args: argparse.Namespace) -> int:
    """``exobot slack``: only the Slack app, with the same runner (log, health, signals) as ``exobot run``."""
    from bots.config import load_config_or_exit
    from bots.logging_setup import configure_logging
    from bots.runner import run_configured

    config = load_config_or_exit()
    configured = config.adapter("slack")
    if configured is None:
        print(
            "exobot: SLACK_BOT_TOKEN is not set. Set it, with SLACK_APP_TOKEN (Socket Mode) or "
            "SLACK_SIGNING_SECRET (HTTP); see README.md.",
            file=sys.stderr,
        )
        return 2
    settings = configured.settings
    if args.host is not None:
        settings = dataclasses.replace(settings, host=args.host)
    if args.port is not None:
        settings = dataclasses.replace(settings, port=args.port)
    configure_logging(config)
    return run_configured(config, [dataclasses.replace(configured, settings=settings)])


ADAPTER = SlackAdapter()
