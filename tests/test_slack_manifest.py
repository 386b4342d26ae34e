"""The Slack manifest stays within Slack's limits and asks for exactly the scopes and events the code uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bots.slack.conversations import ASK_SHORTCUT

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "deploy" / "slack" / "manifest.yml"
CODE = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bots" / "slack").glob("*.py"))


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_manifest_limits() -> None:
    (command,) = manifest()["features"]["slash_commands"]
    assert command["command"] == "/exosome" and len(command["command"]) <= 32
    assert len(command["description"]) <= 2000 and len(command["usage_hint"]) <= 1000
    (shortcut,) = manifest()["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == ASK_SHORTCUT
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_every_scope_is_used_and_every_use_has_its_scope() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    used = {
        "commands": "app.command(",
        "app_mentions:read": 'app.event("app_mention")',
        "im:history": 'app.event("message")',
        "chat:write": "chat_postMessage",
        "im:write": "conversations_open",
        "files:write": "files_upload_v2",
        "usergroups:read": "usergroups_users_list",
    }
    assert scopes == set(used)
    for scope, call in used.items():
        assert call in CODE, f"{scope} is requested but {call} is never called"


def test_every_event_handled_is_subscribed_and_the_home_tab_is_on() -> None:
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.im", "app_home_opened"}
    assert 'app.event("app_home_opened")' in CODE and "views_publish" in CODE
    home = manifest()["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]
