"""Text clean-up shared by matching, commands and the question log.

One place decides what a "word" is, so that the index built from content and the words taken from a
question always agree.
"""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_QUESTION_CHARS = 500
"""Longest question we answer. Longer text is refused with a friendly message rather than truncated,
because a cut-off question could be matched to the wrong topic."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_WORD = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for with from into onto about as is are was were be been being
    am do does did doing done have has had having i me my mine myself you your yours we our us they them their
    he him his she her it its this that these those there here what which who whom whose when where
    can could would will may might must not no nor so than then too very just also only even
    any some all each every both either neither much many more most less few lot lots really actually
    shall r u ur pls plz
    im ive id youre dont doesnt didnt isnt arent wasnt cant wont wouldnt shouldnt couldnt s t
    get got getting go going gonna wanna please tell know let like thing things something anything
    say said ask asking question questions answer up out over again ever yet still already
    """.split()
)
"""Words that say nothing about the topic. They are dropped before matching so that "what is the cost"
and "cost" score alike. Phrases that need them ("half life", "out of pocket") are joined before this.
"why", "how" and "should" are kept on purpose: they separate "why is it so expensive" from "how much
does it cost", "how do exosomes work" from "do exosomes work", and "should I get it" from "what is it"."""

_PHRASES = {
    "half life": "halflife",
    "stem cell": "stemcell",
    "stem cells": "stemcell",
    "side effect": "sideeffect",
    "side effects": "sideeffect",
    "out of pocket": "outofpocket",
    "long term": "longterm",
    "anti aging": "antiaging",
    "black market": "blackmarket",
    "wear off": "wearoff",
    "worth it": "worthit",
    "how long": "howlong",
    "how much": "howmuch",
    "top up": "topup",
    "injection site": "injectionsite",
    "immune system": "immunesystem",
    "quality control": "qualitycontrol",
    "medical advice": "medicaladvice",
}
_PHRASE_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(_PHRASES, key=len, reverse=True)) + r")\b")


def valid_text(text: str) -> str:
    """text as valid Unicode: a lone surrogate (which JSON can carry, and which no encoder accepts)
    becomes U+FFFD; a proper pair becomes the character it stands for."""
    if text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean(text: str) -> str:
    """Valid Unicode, composed (NFC), without control or invisible characters, white space folded.

    Emoji and other symbols survive: they are harmless, and people use them.
    """
    text = unicodedata.normalize("NFC", valid_text(text))
    return " ".join(_CONTROL.sub(" ", text).split())


def fold(text: str) -> str:
    """Lower-case ASCII form of text: accents removed, apostrophes dropped ("can't" -> "cant")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return ascii_text.replace("'", "")


@functools.lru_cache(maxsize=16_384)
def stem(word: str) -> str:
    """A deliberately light suffix stripper.

    Both the index and questions go through it, so it only has to be consistent, not linguistically
    right; a heavy stemmer would merge words we want apart ("cost"/"costly" is fine, "cell"/"cellular"
    is not).
    """
    if len(word) <= 3:
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ied", "y"),
        ("ier", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + replacement
    return word


def words(text: str) -> list[str]:
    """Topic words of text: folded, phrases joined, stop words dropped, stemmed."""
    return tokens_to_words(tokens(text))


def tokens(text: str) -> list[str]:
    """The folded words of text, in order, before any dropping or stemming."""
    return _WORD.findall(fold(text))


def tokens_to_words(raw: list[str]) -> list[str]:
    """``words`` for text already split by ``tokens`` (the matcher corrects spelling in between)."""
    joined = _PHRASE_RE.sub(lambda m: " " + _PHRASES[m.group(1)] + " ", " ".join(raw))
    return [stem(w) for w in joined.split() if w not in STOPWORDS]


def normalise_question(text: str) -> str:
    """A canonical form of a question for grouping repeats ("Is it safe??" == "is it safe")."""
    return " ".join(_WORD.findall(fold(text)))


def truncate(text: str, limit: int) -> str:
    """text cut to at most limit characters, with an ellipsis when anything was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def chunks(text: str, limit: int) -> list[str]:
    """text split into pieces of at most limit characters, at paragraph, line or word breaks if possible.

    Platforms cap a block or field; splitting where a reader would pause keeps every piece readable.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def plural(count: int, word: str) -> str:
    """ "1 question", "3 questions", "2 emergencies": plain English instead of "question(s)"."""
    if count == 1:
        return f"1 {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{count} {word[:-1]}ies"
    return f"{count} {word}s"
