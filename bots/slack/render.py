"""Answer → Slack Block Kit, within Slack's limits, with no way for user text to become markup.

Every text that could carry what a person typed goes out as ``plain_text``: Slack shows it exactly as
written, so ``<!channel>`` stays text and ``*bold*`` stays asterisks. The only ``mrkdwn`` is the sources
line, built from curated content and escaped all the same.
"""

from __future__ import annotations

import json
from typing import Any

from bots.presentation import can_share, can_vote, faq_menu, shows_actions
from core.answers import Answer, Field
from core.text import chunks, truncate

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS = 25
MAX_CONTEXT = 10
MAX_OPTIONS = 100
MAX_ACTION_ID = 255
MAX_SOURCES_SHOWN = 3

ACTION_RELATED = "exobot_related"
ACTION_SHARE = "exobot_share"
ACTION_SHARE_THREAD = "exobot_share_thread"
ACTION_FAQ_SELECT = "exobot_faq_select"
ACTION_VOTE = "exobot_vote"
ACTION_OPEN_LINK = "exobot_open_link"
"""A button that opens an address: Slack still sends the click, which must be acknowledged."""


def escape(text: str) -> str:
    """Slack's three control characters; without this, echoed text like ``<!channel>`` pings everyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def render(
    answer: Answer, *, asked: str | None = None, thread: str | None = None, actions: bool = True,
    max_blocks: int = MAX_BLOCKS,
) -> dict[str, Any]:  # fmt: skip
    """Keyword arguments for ``ack``/``respond``/``chat.postMessage``: blocks, a notification ``text``
    and the visibility. asked is the text that produced the answer, for the "Share" button, which
    shares in the channel, or in thread when given; actions=False leaves every button off (a copy
    shared for everyone to read)."""
    body: list[Block] = [{"type": "header", "text": plain(truncate(answer.title, MAX_HEADER))}]
    for paragraph in answer.paragraphs:
        body += [{"type": "section", "text": plain(piece)} for piece in chunks(paragraph, MAX_SECTION)]
    body += _field_blocks(answer.fields)
    if answer.link is not None:
        label = plain(truncate(answer.link.label, MAX_BUTTON_TEXT))
        button = {"type": "button", "action_id": ACTION_OPEN_LINK, "text": label, "url": answer.link.url}
        body.append({"type": "actions", "elements": [button | {"style": "primary"}]})
    tail = [*(action_blocks(answer, asked, thread) if actions else []), *_context_blocks(answer)]
    room = max_blocks - len(tail)
    if len(body) > room:
        hidden = len(body) - room + 1
        body = [*body[: room - 1], {"type": "section", "text": plain(f"…and {hidden} more not shown here.")}]
    return {
        "text": escape(truncate(f"{answer.title}: {' '.join(answer.paragraphs)}", MAX_SECTION)),
        "blocks": body + tail,
        "response_type": "ephemeral",
    }


def _field_blocks(fields: tuple[Field, ...]) -> list[Block]:
    blocks: list[Block] = []
    inline = [f for f in fields if f.inline]
    for start in range(0, len(inline), MAX_FIELDS):
        group = inline[start : start + MAX_FIELDS]
        blocks.append(
            {"type": "section", "fields": [plain(truncate(f"{f.name}\n{f.value}", MAX_FIELD)) for f in group]}
        )
    for f in fields:
        if not f.inline:
            blocks += [{"type": "section", "text": plain(p)} for p in chunks(f"{f.name}\n{f.value}", MAX_SECTION)]
    return blocks


def action_blocks(answer: Answer, asked: str | None, thread: str | None = None) -> list[Block]:
    if not shows_actions(answer):
        return []
    elements: list[dict[str, Any]] = []
    if faq_menu(answer):
        elements.append(
            {
                "type": "static_select",
                "action_id": ACTION_FAQ_SELECT,
                "placeholder": plain("Read a question"),
                "options": [
                    {"text": plain(truncate(s.label, MAX_BUTTON_TEXT)), "value": s.command}
                    for s in answer.suggestions[:MAX_OPTIONS]
                ],
            }
        )
    else:
        elements += [
            {
                "type": "button",
                "action_id": f"{ACTION_RELATED}_{i}",
                "text": plain(truncate(s.label, MAX_BUTTON_TEXT)),
                "value": truncate(s.command, MAX_BUTTON_VALUE),
            }
            for i, s in enumerate(answer.suggestions[: MAX_ACTIONS - 3])
        ]
    blocks = [{"type": "actions", "elements": elements}] if elements else []
    feedback: list[dict[str, Any]] = []
    if can_vote(answer):
        assert answer.record_id is not None
        feedback += [
            {"type": "button", "action_id": f"{ACTION_VOTE}_up", "text": plain("Helpful"), "value": answer.record_id},
            {"type": "button", "action_id": f"{ACTION_VOTE}_down", "text": plain("Not helpful"),
             "value": answer.record_id},
        ]  # fmt: skip
    if asked and can_share(answer) and thread:
        shared = json.dumps({"asked": asked, "thread": thread})
        if len(shared) <= MAX_BUTTON_VALUE:
            feedback.append(
                {"type": "button", "action_id": ACTION_SHARE_THREAD, "text": plain("Share in thread"), "value": shared}
            )
    elif asked and can_share(answer):
        feedback.append(
            {"type": "button", "action_id": ACTION_SHARE, "text": plain("Share in channel"),
             "value": truncate(asked, MAX_BUTTON_VALUE)}
        )  # fmt: skip
    if feedback:
        blocks.append({"type": "actions", "elements": feedback})
    return blocks


def _context_blocks(answer: Answer) -> list[Block]:
    elements: list[dict[str, Any]] = []
    if answer.sources:
        shown = answer.sources[:MAX_SOURCES_SHOWN]
        cited = "; ".join(f"<{s.url}|{escape(s.short_name())}>" if s.url else escape(s.short_name()) for s in shown)
        more = " and more" if len(answer.sources) > len(shown) else ""
        elements.append(
            {"type": "mrkdwn", "text": truncate(f"Sources: {cited}{more} (all: `/exosome sources`)", MAX_SECTION)}
        )
    if answer.footer:
        elements.append(plain(answer.footer))
    elements.append(plain(answer.disclaimer))
    return [{"type": "context", "elements": elements[:MAX_CONTEXT]}]
