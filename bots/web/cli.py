"""``exobot web link``: the operator's sign-in link to the review pages, for every community."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    web = sub.add_parser("web", help="the moderators' review pages")
    web_sub = web.add_subparsers(metavar="ACTION", required=True)
    link = web_sub.add_parser("link", help="print a one-time sign-in link that reviews every community")
    link.add_argument("--platform", default=None, help="only this platform's communities (slack, discord…)")
    link.add_argument("--workspace", default=None, help="only this Slack team or Discord server id")
    link.set_defaults(handler=link_command)  # its imports wait until it runs


def link_command(args: argparse.Namespace) -> int:
    from bots.config import load_config_or_exit
    from core.bootstrap import signin_links
    from core.questionlog.store import Scope
    from core.signin import LINK_SECONDS

    settings = load_config_or_exit().settings
    links = signin_links(settings)
    if links is None:
        print(
            "exobot: the review pages are off. Set EXOBOT_WEB_ADDR (and EXOBOT_WEB_PUBLIC_URL when a proxy "
            "serves them) for `exobot run`, and here.",
            file=sys.stderr,
        )
        return 1
    scope = Scope.everything(args.platform, args.workspace)
    print(links.mint(scope, "operator"))
    print(f"Opens the review pages for every community in scope, once, within {LINK_SECONDS // 60} minutes.",
          file=sys.stderr)  # fmt: skip
    return 0
