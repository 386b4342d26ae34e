"""The Slack manifest stays within Slack's limits and asks only for the scopes the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "deploy" / "slack" / "manifest.yml"


def test_manifest_limits_and_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/exosome" and len(command["command"]) <= 32
    assert len(command["description"]) <= 2000 and len(command["usage_hint"]) <= 1000
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "im:write", "files:write", "usergroups:read"}
    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bots" / "slack").glob("*.py"))
    used = {
        "im:write": "conversations_open",
        "files:write": "files_upload_v2",
        "usergroups:read": "usergroups_users_list",
    }
    for scope, call in used.items():
        assert call in code, f"{scope} is requested but {call} is never called"
    assert not re.search(r"chat_postMessage|chat_post_message", code), "chat:write would be needed"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
