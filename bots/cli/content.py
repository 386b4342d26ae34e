"""``exobot content check|list`` and ``exobot config check``."""

from __future__ import annotations

import argparse
import json
import sys

from bots.cli.ask import engine_or_exit
from bots.config import load_config_or_exit
from core.content import ContentError, load_catalogue
from core.text import plural


def check_command(args: argparse.Namespace) -> int:
    settings = load_config_or_exit().settings
    try:
        catalogue = load_catalogue(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{plural(len(exc.problems), 'problem')} found.", file=sys.stderr)
        return 1
    for entry in catalogue.overdue():
        print(f"note: {entry.ref} was due for review on {entry.next_review.isoformat()}")
    print(f"content OK: {len(catalogue.entries)} entries, {len(catalogue.sources)} sources.")
    return 0


def list_command(args: argparse.Namespace) -> int:
    engine = engine_or_exit()
    rows = [{"ref": e.ref, "title": e.title} for e in engine.catalogue.entries]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            print(f"{row['ref']:<32} {row['title']}")
    return 0


def config_check_command(args: argparse.Namespace) -> int:
    rows = load_config_or_exit().rows
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0
