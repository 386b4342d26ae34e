"""One command grammar for every platform: ``/exosome <subcommand> [argument]``.

A message with no known subcommand is a question (``ask``), so people can just type what they want to
know. Near-misses of a subcommand ("hlep") are remembered so the engine can say "did you mean" when
the text is not a question it can answer either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

COMMAND_PREFIX = "/exosome"


class CommandName(StrEnum):
    RISKS = "risks"
    RISK = "risk"
    COMPARE = "compare"
    FAQ = "faq"
    ASK = "ask"
    SOURCES = "sources"
    HELP = "help"
    MY_DATA = "my-data"
    FORGET_ME = "forget-me"
    MOD = "mod"


_ALIASES = {"mydata": CommandName.MY_DATA, "forgetme": CommandName.FORGET_ME, "forget": CommandName.FORGET_ME}


@dataclass(frozen=True)
class Command:
    name: CommandName
    argument: str = ""
    near_miss: CommandName | None = None
    """A subcommand the first word nearly spelled, when the text was taken as a question instead."""


def parse(text: str) -> Command:
    """Split cleaned text into a subcommand and its argument; anything else is a question."""
    if text.lower().startswith(COMMAND_PREFIX):
        text = text[len(COMMAND_PREFIX) :].strip()
    first, _, rest = text.partition(" ")
    word = first.lower().strip("?!.,")
    name = _ALIASES.get(word) or _by_value(word)
    if name is not None:
        return Command(name, rest.strip())
    return Command(CommandName.ASK, text, _near_miss(word))


def _by_value(word: str) -> CommandName | None:
    try:
        return CommandName(word)
    except ValueError:
        return None


def _near_miss(word: str) -> CommandName | None:
    if len(word) < 3:
        return None
    names = [n.value for n in CommandName if n is not CommandName.MOD]
    found = process.extractOne(word, names, scorer=fuzz.ratio, score_cutoff=75)
    return CommandName(found[0]) if found else None
