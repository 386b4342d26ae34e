"""Free-text matching: which entry answers a question, or that none does.

Chosen on evidence (``tests/test_matching_eval.py``): a weighted term match over each entry's curated
vocabulary (aliases, keywords, example questions, title, summary), scored as the share of the
question's topic words that the entry explains. Words the content has never seen count heavily
against every entry, which is what makes "is the covid vaccine safe?" abstain while "is it safe?"
answers. Words that only say the question is about exosomes ("exosome", "therapy") are neutral.
Typos are corrected against the content's own vocabulary before scoring.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from core.content import Catalogue, Entry, Kind
from core.text import STOPWORDS, fold, tokens, tokens_to_words, words

_ANCHOR_TEXT = "exosome exosomes vesicle vesicles extracellular"
ANCHORS = frozenset(words(_ANCHOR_TEXT))
"""Words that make a question clearly about exosomes."""

_NEUTRAL_TEXT = """
        therapy therapies treatment treatments injection injections shot shots procedure stuff product
        mom dad mother father wife husband partner friend friends family grandma grandmother grandpa
        grandfather son daughter kid kids child children sister brother someone people person patient
        patients me myself guy girl woman man women men old young age today week weeks month year tomorrow
        yesterday now soon later want need think thinking worried worry wonder wondering curious hear heard
        read saw seen told someone everyone anyone really honestly exactly true believe good great
        ok hi hello hey thanks thank yes yeah after during
"""
NEUTRAL = frozenset(words(_NEUTRAL_TEXT))
"""Words that are neither about a topic nor a sign of another subject; they neither help nor hurt."""
_NOT_TOPICAL = ANCHORS | NEUTRAL

_NEUTRAL_RAW = frozenset(fold(_NEUTRAL_TEXT + " " + _ANCHOR_TEXT).split())

_FIELD_STRENGTH = (("aliases", 1.0), ("keywords", 1.0), ("title", 0.9), ("questions", 0.8), ("summary", 0.5))
_PROSE_STRENGTH = 0.3

ANSWER_THRESHOLD = 0.55
"""Share of the question's topic words an entry must explain; tuned on the evaluation set."""
ANCHORED_THRESHOLD = 0.3
"""Lower bar when the question names exosomes: it is in scope, we only need the best entry."""
UNKNOWN_PENALTY = 1.3
"""Weight of an unseen word relative to the rarest known word: another subject outweighs one shared word.
Once a question names exosomes an unseen word is no sign of another subject, so it weighs as an average
known word instead."""
COMPARISON_CUES = frozenset(words("stem cell stem cells stemcell versus vs compare compared comparison than"))
"""A comparison row answers only a comparison: without one of these words its score is discounted."""
_UNCUED_COMPARISON = 0.8
_RELATED_MIN = 0.12
_SPELL_CUTOFF = 82
_FILLER_CUTOFF = 90
"""Correcting to a filler word hides the word from scoring, so it needs a closer match ("rent" is not "arent")."""
_SPELL_CACHE_SIZE = 4096


class Match(NamedTuple):
    """The outcome of matching: the best entry (or none), its score and the close runners-up.

    A named tuple: one is made per question, and a frozen dataclass costs several times as much to build.
    """

    ref: str | None
    score: float
    runners_up: tuple[str, ...] = ()
    about_exosomes: bool = False


class Matcher:
    """An index over one catalogue, built once; matching is pure and allocation-light."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._refs: list[str] = []
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        raw_vocab: set[str] = set()
        for entry in catalogue.entries:
            self._index(entry, raw_vocab, postings)
        n = len(self._refs)
        idf = {t: math.log(1 + n / len(p)) for t, p in postings.items()}
        # Each word's weight and what it adds to each entry, multiplied out once rather than per question.
        self._weighted = {t: (idf[t], tuple((i, idf[t] * s) for i, s in p)) for t, p in postings.items()}
        self._unknown_weight = UNKNOWN_PENALTY * max(idf.values(), default=1.0)
        self._anchored_unknown_weight = sum(idf.values()) / max(len(idf), 1)
        self._topic_vocab = sorted(raw_vocab - STOPWORDS)
        self._filler_vocab = sorted(STOPWORDS | _NEUTRAL_RAW)
        self._known_raw = frozenset(raw_vocab) | STOPWORDS | _NEUTRAL_RAW
        self._spelling: dict[str, str | None] = {}
        self._comparisons = frozenset(
            i for i, ref in enumerate(self._refs) if ref.startswith(f"{Kind.COMPARE}:") or ref == "list:compare"
        )

    def _index(self, entry: Entry, raw_vocab: set[str], postings: dict[str, list[tuple[int, float]]]) -> None:
        index = len(self._refs)
        self._refs.append(entry.ref)
        strength: dict[str, float] = {}
        fields: list[tuple[Iterable[str], float]] = [(_entry_field(entry, f), s) for f, s in _FIELD_STRENGTH]
        fields.append(((*entry.paragraphs, entry.exosome or "", entry.stem_cell or ""), _PROSE_STRENGTH))
        fields.append(((entry.kind.value,), _FIELD_STRENGTH[2][1]))  # "cancer risk" names the kind as a title would
        for texts, weight in fields:
            for text in texts:
                raw = tokens(text)
                raw_vocab.update(raw)
                for term in tokens_to_words(raw):
                    if term not in _NOT_TOPICAL and strength.get(term, 0.0) < weight:
                        strength[term] = weight
        for term, weight in strength.items():
            postings[term].append((index, weight))

    def match(self, question: str, kinds: Sequence[Kind] | None = None) -> Match:
        """Best entry for question, restricted to kinds if given; ``ref`` is None when it abstains."""
        terms = tokens_to_words(self._correct_spelling(tokens(question)))
        about = not ANCHORS.isdisjoint(terms)
        # Numbers ("at 60", "#3") name no subject, so they neither count for nor against an entry.
        topical = [t for t in terms if t not in _NOT_TOPICAL and not t.isdigit()]
        if not topical:
            overview = "topic:overview"
            return Match(overview if about and _allowed(overview, kinds) else None, 1.0 if about else 0.0, (), about)
        ranked = self._rank(topical, about, kinds)
        if not ranked:
            return Match(None, 0.0, (), about)
        best_score, best_ref = ranked[0]
        threshold = ANCHORED_THRESHOLD if about else ANSWER_THRESHOLD
        if best_score < threshold:
            return Match(None, round(best_score, 3), tuple(r for _, r in ranked[:3]), about)
        close = tuple(ref for s, ref in ranked[1:4] if s >= best_score * 0.8)
        return Match(best_ref, round(best_score, 3), close, about)

    def related(self, entry: Entry, limit: int = 3) -> tuple[str, ...]:
        """Entries closest to entry by its title and curated words, for "see also" suggestions.

        Only entries that explain a fair share of those words qualify: no suggestion beats a random one.
        """
        text = " ".join((entry.title, *entry.aliases, *entry.keywords))
        topical = [t for t in words(text) if t not in _NOT_TOPICAL]
        ranked = self._rank(topical, True, None)
        return tuple(ref for score, ref in ranked if ref != entry.ref and score >= _RELATED_MIN)[:limit]

    def _rank(self, topical: list[str], about: bool, kinds: Sequence[Kind] | None) -> list[tuple[float, str]]:
        scores: dict[int, float] = {}  # only entries that share a word: usually a handful of thirty
        total = 0.0
        unknown_weight = self._anchored_unknown_weight if about else self._unknown_weight
        weighted = self._weighted
        for term in dict.fromkeys(topical) if len(topical) > 1 else topical:  # a repeat is not extra evidence
            found = weighted.get(term)
            if found is None:
                total += unknown_weight
                continue
            weight, gains = found
            total += weight
            if scores:
                for index, gain in gains:
                    scores[index] = scores.get(index, 0.0) + gain
            else:
                scores.update(gains)
        if kinds is not None:
            scores = {i: s for i, s in scores.items() if self._refs[i].split(":", 1)[0] in kinds}
        # Asking `compare …` is itself the cue; only free questions need a comparison word.
        elif self._comparisons and COMPARISON_CUES.isdisjoint(topical):
            for index in self._comparisons.intersection(scores):
                scores[index] *= _UNCUED_COMPARISON
        refs = self._refs
        ranked = [(s / total, refs[i]) for i, s in scores.items()]
        ranked.sort(reverse=True)
        return ranked

    def _correct_spelling(self, raw: list[str]) -> list[str]:
        """Replace words the content has never seen by the closest word it has, when one is close."""
        known = self._known_raw
        if known.issuperset(raw):
            return raw
        return [t if t in known else self._closest(t) or t for t in raw]

    def _closest(self, token: str) -> str | None:
        if len(token) < 3 or not token.isalpha():
            return None
        if token not in self._spelling:
            if len(self._spelling) >= _SPELL_CACHE_SIZE:
                self._spelling.clear()
            from rapidfuzz import fuzz, process  # deferred: most questions need no correction, and start-up counts

            # Topic words first: "canser" must become "cancer", not the equally close filler "answer".
            found = process.extractOne(token, self._topic_vocab, scorer=fuzz.ratio, score_cutoff=_SPELL_CUTOFF)
            if not found and len(token) >= 6:
                found = process.extractOne(token, self._filler_vocab, scorer=fuzz.ratio, score_cutoff=_FILLER_CUTOFF)
            self._spelling[token] = found[0] if found else None
        return self._spelling[token]


def _entry_field(entry: Entry, name: str) -> tuple[str, ...]:
    value = getattr(entry, name)
    return (value,) if isinstance(value, str) else tuple(value)


def _allowed(ref: str, kinds: Sequence[Kind] | None) -> bool:
    return kinds is None or ref.split(":", 1)[0] in kinds
