"""Answer → Discord embed and components, within every Discord limit, with user text kept inert.

All answer text is markdown-escaped and mention-escaped before it reaches an embed, and the client
sends everything with ``AllowedMentions.none()``: a question that contains ``@everyone`` or
``**bold**`` is shown as typed and pings nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bots.discord.components import ASK_PREFIX, MAX_CUSTOM_ID, AskButton, FaqMenu, ShareButton, VoteButton
from bots.presentation import can_share, can_vote, faq_menu, shows_actions
from core.answers import Answer, Field
from core.text import chunks, truncate

MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_TOTAL = 6000
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_BUTTONS = 5
MAX_SOURCES_SHOWN = 3

COLOUR = discord.Colour(0x2F4858)
EMERGENCY_COLOUR = discord.Colour.red()
NO_MENTIONS = discord.AllowedMentions.none()
_COMMAND = re.compile(r"[a-z0-9 \-]{1,88}")


def inert(text: str) -> str:
    """Text that Discord shows as written: no markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


@dataclass(frozen=True)
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None
    """Buttons or the FAQ menu; None when there are none."""


def render(answer: Answer, *, shareable: bool = False, reply_to: int | None = None) -> Rendered:
    """The embed and components for answer; shareable adds a button that posts it publicly, as a reply
    to message reply_to if given."""
    title = truncate(inert(answer.title), MAX_TITLE)
    footer = truncate(" · ".join(t for t in (answer.footer, answer.disclaimer) if t), MAX_FOOTER)
    # Title, footer and description share the 6,000 characters with the fields; leave the fields some.
    room = min(MAX_DESCRIPTION, MAX_TOTAL - len(title) - len(footer) - 1000)
    embed = discord.Embed(
        title=title,
        description=truncate("\n\n".join(inert(p) for p in answer.paragraphs), room) or None,
        colour=EMERGENCY_COLOUR if answer.emergency else COLOUR,
    )
    fields = _fields(answer.fields)
    if answer.sources:
        shown = answer.sources[:MAX_SOURCES_SHOWN]
        cited = "\n".join(f"[{inert(s.short_name())}]({s.url})" if s.url else inert(s.short_name()) for s in shown)
        if len(answer.sources) > len(shown):
            cited += f"\n…and {len(answer.sources) - len(shown)} more: `/exosome sources`"
        fields.append(("Sources", truncate(cited, MAX_FIELD_VALUE), False))
    embed.set_footer(text=footer)
    used = len(title) + len(embed.description or "") + len(footer)
    for i, (name, value, inline) in enumerate(fields):
        if i == MAX_FIELDS - 1 or used + len(name) + len(value) > MAX_TOTAL - 60:
            embed.add_field(name="…", value=f"{len(fields) - i} more not shown here.", inline=False)
            break
        embed.add_field(name=name, value=value, inline=inline)
        used += len(name) + len(value)
    return Rendered(embed, _view(answer, shareable, reply_to))


def _view(answer: Answer, shareable: bool, reply_to: int | None) -> discord.ui.View | None:
    # Only dynamic items and links: discord.py then keeps nothing per message, and clicks work after a restart.
    view = discord.ui.View(timeout=None)
    if answer.link is not None:
        view.add_item(discord.ui.Button(label=truncate(answer.link.label, MAX_BUTTON_LABEL), url=answer.link.url))
    if not shows_actions(answer):
        return view if view.children else None
    related = [(truncate(s.label, MAX_BUTTON_LABEL), s.command) for s in answer.suggestions]
    if faq_menu(answer):
        view.add_item(FaqMenu(tuple(related[:MAX_SELECT_OPTIONS])))
    else:
        for label, command in related[:MAX_BUTTONS]:
            if _COMMAND.fullmatch(command) and len(ASK_PREFIX + command) <= MAX_CUSTOM_ID:
                view.add_item(AskButton(command, label))
    if can_vote(answer):
        assert answer.record_id is not None
        view.add_item(VoteButton(answer.record_id, helpful=True))
        view.add_item(VoteButton(answer.record_id, helpful=False))
    if shareable and can_share(answer) and answer.ref is not None:
        view.add_item(ShareButton(answer.ref, reply_to))
    return view if view.children else None


def _fields(fields: tuple[Field, ...]) -> list[tuple[str, str, bool]]:
    out = []
    for field in fields:
        name = truncate(inert(field.name), MAX_FIELD_NAME)
        for i, piece in enumerate(chunks(inert(field.value), MAX_FIELD_VALUE)):
            out.append((name if i == 0 else truncate(f"{name} (continued)", MAX_FIELD_NAME), piece, field.inline))
    return out
