"""The text helpers take shortcuts for the common case (plain ASCII, no phrases); they must agree with
the plain definitions on every input, including the awkward ones."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from core.text import _PHRASE_RE, _PHRASES, STOPWORDS, clean, fold, stem, tokens, tokens_to_words

_AWKWARD = [
    "",
    "   ",
    "is it safe?",
    "  is\tit \n safe  ",
    "cafe\u0301 e\u0301xosome",  # decomposed accents: NFC must compose them
    "zero\u200bwidth\ufeffjoiners\u2060here",
    "bell\x07 and \x1b[31mescape\x1b[0m",
    "line\u2028separator\u2029paragraph",
    "non\u00a0breaking\u3000spaces",
    "emoji 🧪 stay",
    "what is the half life of exosomes",
    "stem cells vs exosomes, side effects and out of pocket cost",
    "HOW MUCH does it cost long term",
]


def _clean_by_definition(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    control = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
    return re.sub(r"\s+", " ", re.sub(control, " ", text)).strip()


def _random_texts(count: int) -> list[str]:
    rng = random.Random(7)
    alphabet = "ab cd\t\n\x00\x1f\x7f\x85\u00a0\u0301\u200b\u2028\ufeff\u3000é🧪'?"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(count)]


@pytest.mark.parametrize("text", _AWKWARD + _random_texts(300))
def test_clean_matches_its_definition(text: str) -> None:
    assert clean(text) == _clean_by_definition(text)


@pytest.mark.parametrize("text", _AWKWARD + _random_texts(300))
def test_fold_matches_its_definition(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    assert fold(text) == decomposed.replace("'", "").replace("\u2019", "")


@pytest.mark.parametrize("text", _AWKWARD)
def test_words_without_phrases_skip_nothing(text: str) -> None:
    # The phrase-joining pass is skipped when no phrase can start; always running it must give the same.
    raw = tokens(text)
    joined = _PHRASE_RE.sub(lambda m: " " + _PHRASES[m.group(1)] + " ", " ".join(raw))
    assert tokens_to_words(raw) == [stem(w) for w in joined.split() if w not in STOPWORDS]
