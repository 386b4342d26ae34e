"""Discord's documented limits, as checks: what the real API rejects, the fake rejects too.

Each check returns the problems it finds, worded like Discord's own "Invalid Form Body" errors, so a
test that breaks a rule fails with a reason instead of passing against a lenient stand-in.
"""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"^[-_\w]{1,32}$")
DISCORD_DEFAULT_DESCRIPTION = "…"
"""What discord.py sends for an option nobody described: Discord accepts it; a person learns nothing."""


def message_problems(data: dict[str, Any], files: dict[str, bytes], size_limit: int | None) -> list[str]:
    """Problems with a message payload (an interaction response, a follow-up, a channel message)."""
    problems: list[str] = []
    content = data.get("content") or ""
    if len(content) > 2000:
        problems.append(f"content: must be 2000 or fewer in length ({len(content)})")
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        problems.append("embeds: must be 10 or fewer in length")
    total = 0
    for i, embed in enumerate(embeds):
        total += _embed_problems(embed, f"embeds.{i}", problems)
    if total > 6000:
        problems.append(f"embeds: the total size of all embeds must be 6000 or fewer ({total})")
    problems += components_problems(data.get("components") or [])
    if size_limit is not None:
        size = sum(len(f) for f in files.values())
        if size > size_limit:
            problems.append(f"files: {size} bytes exceed attachment_size_limit {size_limit}")
    return problems


def _embed_problems(embed: dict[str, Any], where: str, problems: list[str]) -> int:
    limits = {"title": 256, "description": 4096}
    size = 0
    for key, limit in limits.items():
        value = embed.get(key) or ""
        size += len(value)
        if len(value) > limit:
            problems.append(f"{where}.{key}: must be {limit} or fewer in length ({len(value)})")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"{where}.fields: must be 25 or fewer in length")
    for j, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        size += len(name) + len(value)
        if not 1 <= len(name) <= 256:
            problems.append(f"{where}.fields.{j}.name: must be between 1 and 256 in length")
        if not 1 <= len(value) <= 1024:
            problems.append(f"{where}.fields.{j}.value: must be between 1 and 1024 in length ({len(value)})")
    footer = (embed.get("footer") or {}).get("text") or ""
    size += len(footer)
    if len(footer) > 2048:
        problems.append(f"{where}.footer.text: must be 2048 or fewer in length")
    return size


def components_problems(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > 5:
        problems.append("components: must be 5 or fewer in length")
    ids: set[str] = set()
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            problems.append(f"components.{i}: an action row holds 1 to 5 components")
        if any(c.get("type") != 2 for c in children) and len(children) > 1:
            problems.append(f"components.{i}: a select menu needs a row of its own")
        for j, child in enumerate(children):
            where = f"components.{i}.components.{j}"
            custom_id = child.get("custom_id")
            if child.get("type") == 2 and child.get("style") == 5:
                if not child.get("url"):
                    problems.append(f"{where}.url: a link button needs a url")
            elif not custom_id or len(custom_id) > 100:
                problems.append(f"{where}.custom_id: must be between 1 and 100 in length")
            elif custom_id in ids:
                problems.append(f"{where}.custom_id: component custom id cannot be duplicated")
            else:
                ids.add(custom_id)
            if len(child.get("label") or "") > 80:
                problems.append(f"{where}.label: must be 80 or fewer in length")
            options = child.get("options")
            if options is not None:
                if not 1 <= len(options) <= 25:
                    problems.append(f"{where}.options: must be between 1 and 25 in length")
                for option in options:
                    if not 1 <= len(option.get("label") or "") <= 100 or not 1 <= len(option.get("value") or "") <= 100:
                        problems.append(f"{where}.options: label and value must be between 1 and 100 in length")
    return problems


def command_problems(command: dict[str, Any]) -> list[str]:
    """Problems with one application command as registered (``PUT …/commands``)."""
    problems: list[str] = []
    kind = command.get("type", 1)
    name = command.get("name") or ""
    if kind == 1:
        if not _NAME.match(name) or name != name.lower():
            problems.append(f"{name!r}: a slash command's name is 1-32 lower-case letters, digits, - or _")
        if not 1 <= len(command.get("description") or "") <= 100:
            problems.append(f"{name}: description must be between 1 and 100 in length")
    else:
        if not 1 <= len(name) <= 32:
            problems.append(f"{name!r}: a context-menu command's name is 1-32 characters")
        if command.get("description"):
            problems.append(f"{name}: a context-menu command has no description")
        if command.get("options"):
            problems.append(f"{name}: a context-menu command has no options")
    contexts = command.get("contexts")
    if contexts is not None and not set(contexts) <= {0, 1, 2}:
        problems.append(f"{name}: contexts must be 0 (guild), 1 (bot DM) or 2 (private channel)")
    installs = command.get("integration_types")
    if installs is not None and not set(installs) <= {0, 1}:
        problems.append(f"{name}: integration_types must be 0 (guild) or 1 (user)")
    problems += _options_problems(command.get("options") or [], name)
    size = _characters(command)
    if size > 8000:
        problems.append(f"{name}: {size} characters; a command may hold at most 8000")
    return problems


def _options_problems(options: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    if len(options) > 25:
        problems.append(f"{where}: at most 25 options")
    seen_optional = False
    for option in options:
        name = option.get("name") or ""
        path = f"{where}.{name}"
        if not _NAME.match(name) or name != name.lower():
            problems.append(f"{path}: option names are 1-32 lower-case letters, digits, - or _")
        description = option.get("description") or ""
        if not 1 <= len(description) <= 100:
            problems.append(f"{path}: description must be between 1 and 100 in length")
        elif description == DISCORD_DEFAULT_DESCRIPTION:
            problems.append(f"{path}: the option has no real description")
        if option.get("type") in (1, 2):  # a subcommand or a group: its own options
            problems += _options_problems(option.get("options") or [], path)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(f"{path}: required options must come before optional ones")
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > 25:
            problems.append(f"{path}: at most 25 choices")
        if choices and option.get("autocomplete"):
            problems.append(f"{path}: autocomplete may not be combined with choices")
        for choice in choices:
            if not 1 <= len(choice.get("name") or "") <= 100:
                problems.append(f"{path}: choice names are 1-100 characters")
    return problems


def _characters(node: dict[str, Any]) -> int:
    total = len(node.get("name") or "") + len(node.get("description") or "")
    for choice in node.get("choices") or []:
        total += len(choice.get("name") or "") + len(str(choice.get("value") or ""))
    return total + sum(_characters(o) for o in node.get("options") or [])
