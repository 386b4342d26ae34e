"""Answer → Discord embed and components, within every Discord limit, with user text kept inert.

All answer text is markdown-escaped and mention-escaped before it reaches an embed, and everything is
sent with ``AllowedMentions.none()``: a question that contains ``@everyone`` or ``**bold**`` is shown
as typed and pings nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from discord.types.embed import Embed as EmbedData

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
MAX_CUSTOM_ID = 100
MAX_BUTTONS = 5

ASK_PREFIX = "exobot:ask:"
FAQ_MENU_ID = "exobot:faq"

COLOUR = discord.Colour(0x2F4858)
EMERGENCY_COLOUR = discord.Colour.red()
NO_MENTIONS = discord.AllowedMentions.none()

T = TypeVar("T")


def inert(text: str) -> str:
    """Text that Discord shows as written: no markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


class SentEmbed(discord.Embed):
    """An embed that is rendered once and then only sent, so its payload is built once too.

    discord.py rebuilds an embed's dict on every send, which cost more than rendering a cached answer.
    The dict is made on the first send; ``render``'s contract that nobody changes a rendering is what
    makes that safe.
    """

    def to_dict(self) -> EmbedData:
        return _built_once(self, "_payload", super().to_dict)


@dataclass(frozen=True)
class Rendered:
    embed: discord.Embed
    view: discord.ui.View | None
    """Buttons or the FAQ menu for related entries; None when there are none."""


class SentComponents(discord.ui.View):
    """Components to send, never to listen on.

    discord.py stores every unfinished view it sends so that it can route clicks to it; these views
    would pile up, one per message. Clicks on our components are answered by the dynamic items the
    client registers by custom id (which is also why they work after a restart), so this view reports
    itself finished and is never stored — and, holding no state, one instance can be sent again and again.
    """

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        return True

    def to_components(self) -> list[dict[str, Any]]:
        return _built_once(self, "_components", super().to_components)

    def has_components_v2(self) -> bool:  # asked on every send, and answered by walking every item
        return _built_once(self, "_v2", super().has_components_v2)


def _built_once(owner: object, name: str, build: Callable[[], T]) -> T:
    """What build returns, kept on owner as name: a rendering never changes once made, so its payload
    can be sent again as it is."""
    found: T | None = owner.__dict__.get(name)
    if found is None:
        found = owner.__dict__[name] = build()
    return found


def ask_button(command: str, label: str) -> discord.ui.Button[Any]:
    return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"{ASK_PREFIX}{command}")


def faq_select(options: tuple[tuple[str, str], ...]) -> discord.ui.Select[Any]:
    choices = [discord.SelectOption(label=label[:100], value=command) for label, command in options]
    return discord.ui.Select(
        custom_id=FAQ_MENU_ID,
        placeholder="Read a question",
        options=choices or [discord.SelectOption(label="FAQ", value="faq")],
    )


def render(answer: Answer) -> Rendered:
    """The embed and components for answer.

    A handful of entries make up most traffic, so renderings are cached on what they show (the score
    and other bookkeeping are left out of the key): escaping and laying out the same entry again for
    every question would cost more than answering it. Callers must not change what is returned.
    """
    if answer.attachment is not None:
        return _render(answer)
    return _cached(
        (answer.title, answer.paragraphs, answer.fields, answer.sources, answer.suggestions, answer.footer,
         answer.disclaimer, answer.emergency, answer.private, answer.command, answer.ref),
        answer,
    )  # fmt: skip


_CACHE: dict[tuple[object, ...], Rendered] = {}
_CACHE_SIZE = 1024


def _cached(key: tuple[object, ...], answer: Answer) -> Rendered:
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        found = _CACHE[key] = _render(answer)
    return found


def _render(answer: Answer) -> Rendered:
    title = truncate(inert(answer.title), MAX_TITLE)
    # A line break, not a "·": an all-ASCII payload is encoded and decoded as a plain copy on every send.
    footer = truncate("\n".join(t for t in (answer.footer, answer.disclaimer) if t), MAX_FOOTER)
    # Title, footer and description share the 6,000 characters with the fields; leave the fields some.
    room = min(MAX_DESCRIPTION, MAX_TOTAL - len(title) - len(footer) - 1000)
    embed = SentEmbed(
        title=title,
        description=truncate("\n\n".join(inert(p) for p in answer.paragraphs), room) or None,
        colour=EMERGENCY_COLOUR if answer.emergency else COLOUR,
    )
    fields = [*_fields(answer.fields)]
    if answer.sources:
        cited = "\n".join(f"[{inert(s.title)}]({s.url})" if s.url else inert(s.title) for s in answer.sources)
        fields.append(("Sources", truncate(cited, MAX_FIELD_VALUE), False))
    embed.set_footer(text=footer)
    used = len(embed.title or "") + len(embed.description or "") + len(footer)
    kept: list[tuple[str, str, bool]] = []
    for name, value, inline in fields:
        if len(kept) == MAX_FIELDS - 1 or used + len(name) + len(value) > MAX_TOTAL - 60:
            kept.append(("…", f"{len(fields) - len(kept)} more not shown here.", False))
            break
        kept.append((name, value, inline))
        used += len(name) + len(value)
    for name, value, inline in kept:
        embed.add_field(name=name, value=value, inline=inline)
    hide = answer.private and answer.command in ("mod", "my-data", "forget-me")
    related = () if hide else tuple((truncate(s.label, MAX_BUTTON_LABEL), s.command) for s in answer.suggestions)
    return Rendered(embed, _components(related, faq_menu=answer.ref == "list:faq"))


def _components(related: tuple[tuple[str, str], ...], *, faq_menu: bool) -> SentComponents | None:
    if not related:
        return None
    view = SentComponents()
    if faq_menu:
        view.add_item(faq_select(related[:MAX_SELECT_OPTIONS]))
    else:
        for label, command in related[:MAX_BUTTONS]:
            if len(ASK_PREFIX + command) <= MAX_CUSTOM_ID:
                view.add_item(ask_button(command, label))
    return view


def _fields(fields: tuple[Field, ...]) -> list[tuple[str, str, bool]]:
    out = []
    for field in fields:
        name = truncate(inert(field.name), MAX_FIELD_NAME)
        for i, piece in enumerate(chunks(inert(field.value), MAX_FIELD_VALUE)):
            out.append((name if i == 0 else truncate(f"{name} (continued)", MAX_FIELD_NAME), piece, field.inline))
    return out
