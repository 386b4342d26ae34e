"""One command grammar for every platform: ``/exosome <subcommand> [argument]``.

A message with no known subcommand is a question (``ask``), so people can just type what they want to
know. When such a question cannot be answered, ``near_miss`` says whether it was a misspelt subcommand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

COMMAND_PREFIX = "/exosome"


class CommandName(StrEnum):
    RISKS = "risks"
    RISK = "risk"
    COMPARE = "compare"
    FAQ = "faq"
    TOPIC = "topic"
    ASK = "ask"
    SOURCES = "sources"
    HELP = "help"
    MY_DATA = "my-data"
    FORGET_ME = "forget-me"
    MOD = "mod"


_BY_WORD = {
    **{n.value: n for n in CommandName},
    "mydata": CommandName.MY_DATA,
    "forgetme": CommandName.FORGET_ME,
    "forget": CommandName.FORGET_ME,
}


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed message: a subcommand and the rest of the text."""

    name: CommandName
    argument: str = ""

    def near_miss(self) -> CommandName | None:
        """For a question: the subcommand its first word nearly spells ("hlep"), if any.

        Computed on demand because it is only wanted when the question could not be answered.
        """
        if self.name is not CommandName.ASK:
            return None
        return _near_miss(self.argument.split(" ", 1)[0].lower().strip("?!.,"))


@functools.lru_cache(maxsize=1024)
def _near_miss(word: str) -> CommandName | None:
    if len(word) < 3:
        return None
    from rapidfuzz import fuzz, process  # only needed for this rare path

    names = [n.value for n in CommandName if n is not CommandName.MOD]
    found = process.extractOne(word, names, scorer=fuzz.ratio, score_cutoff=75)
    return CommandName(found[0]) if found else None


def parse(text: str) -> Command:
    """Split cleaned text into a subcommand and its argument; anything else is a question."""
    if text[:1] == "/" and text.lower().startswith(COMMAND_PREFIX):
        text = text[len(COMMAND_PREFIX) :].strip()
    first, _, rest = text.partition(" ")
    name = _BY_WORD.get(first) or _BY_WORD.get(first.lower().strip("?!.,"))
    if name is not None:
        return Command(name, rest.strip())
    return Command(CommandName.ASK, text)


ACCOUNT_COMMANDS = frozenset((CommandName.MY_DATA, CommandName.FORGET_ME, CommandName.MOD))
"""Commands about the question log itself: answered from the database, and never logged as questions."""
