"""Slack's documented Block Kit limits, as checks: what Slack answers ``invalid_blocks`` to, the fake does."""

from __future__ import annotations

from typing import Any

METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "conversations.open": "im:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "usergroups.users.list": "usergroups:read",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
}
"""The bot-token scope each Web API method needs (methods not listed need none beyond a valid token)."""


def blocks_problems(blocks: Any, *, limit: int = 50) -> list[str]:
    """Problems with a message's (limit 50) or a Home tab's (limit 100) blocks."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks; at most {limit}")
    for i, block in enumerate(blocks):
        kind = block.get("type")
        where = f"blocks[{i}] ({kind})"
        if kind == "header":
            problems += _text(block.get("text"), where, 150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                problems += _text(block["text"], where, 3000)
            fields = block.get("fields") or []
            if len(fields) > 10:
                problems.append(f"{where}: at most 10 fields")
            for field in fields:
                problems += _text(field, where, 2000)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                problems.append(f"{where}: 1 to 25 elements")
            problems += _elements(elements, where)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}: 1 to 10 elements")
            for element in elements:
                problems += _text(element, where, 3000)
        elif kind == "divider":
            pass
        else:
            problems.append(f"{where}: a block type this app does not send")
    return problems


def _text(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: a text object needs type plain_text or mrkdwn"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = obj.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        return [f"{where}: text must be 1 to {limit} characters ({len(text) if isinstance(text, str) else text!r})"]
    return []


def _elements(elements: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    ids: set[str] = set()
    for element in elements:
        action_id = element.get("action_id") or ""
        if not 1 <= len(action_id) <= 255:
            problems.append(f"{where}: action_id must be 1 to 255 characters")
        elif action_id in ids:
            problems.append(f"{where}: action_id {action_id!r} is repeated")
        ids.add(action_id)
        confirm = element.get("confirm")
        if confirm is not None:
            for key, limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
                problems += _text(confirm.get(key), f"{where} confirm.{key}", limit, plain_only=key != "text")
        if element.get("type") == "button":
            problems += _text(element.get("text"), where, 75, plain_only=True)
            if element.get("style") not in (None, "primary", "danger"):
                problems.append(f"{where}: a button's style is primary or danger")
            if len(element.get("value") or "") > 2000:
                problems.append(f"{where}: a button's value is at most 2000 characters")
        elif element.get("type") == "static_select":
            options = element.get("options") or []
            if not 1 <= len(options) <= 100:
                problems.append(f"{where}: a select has 1 to 100 options")
            for option in options:
                problems += _text(option.get("text"), where, 75, plain_only=True)
                if not 1 <= len(option.get("value") or "") <= 150:
                    problems.append(f"{where}: an option's value is 1 to 150 characters")
        else:
            problems.append(f"{where}: an element type this app does not send")
    return problems
