"""Which entry a message is most like, learnt from the ways people ask for each entry.

A multinomial naive Bayes over tf-idf weighted words, trained on each entry's example questions, title,
aliases, keywords and summary. It only picks among entries; whether a message is in scope at all is the
matcher's decision. Naive Bayes because it learns from a few dozen examples per entry, trains in
milliseconds when content loads, and scores a message with a handful of dictionary look-ups.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import NamedTuple

SMOOTHING = 0.1
"""Additive smoothing of word weights: small, because a word one entry never saw is real evidence."""


class Ranked(NamedTuple):
    ref: str
    probability: float
    """Share of the posterior among the entries ranked, for choosing close runners-up."""


class EntryClassifier:
    """Trained once per catalogue; ranking is pure."""

    def __init__(self, examples: Mapping[str, Iterable[list[str]]]) -> None:
        """examples maps each entry's ref to its examples, each already split into words."""
        documents = [(ref, Counter(words)) for ref, texts in examples.items() for words in texts if words]
        df = Counter(word for _, counts in documents for word in counts)
        n = len(documents)
        self._idf = {word: math.log((1 + n) / (1 + count)) + 1 for word, count in df.items()}
        weights: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        per_entry = Counter(ref for ref, _ in documents)
        for ref, counts in documents:
            for word, weight in self._vector(counts).items():
                weights[ref][word] += weight
        vocabulary = len(self._idf)
        self._refs = list(weights)
        self._log_prior = [math.log(per_entry[ref] / n) for ref in self._refs]
        self._log_unseen: list[float] = []
        gains: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, ref in enumerate(self._refs):
            denominator = sum(weights[ref].values()) + SMOOTHING * vocabulary
            unseen = math.log(SMOOTHING / denominator)
            self._log_unseen.append(unseen)
            for word, weight in weights[ref].items():
                gains[word].append((index, math.log((weight + SMOOTHING) / denominator) - unseen))
        # Scored word by word: an entry's score is its prior, plus every word as if unseen, plus what
        # each word it has seen adds. Most entries share few of a message's words.
        self._gains = {word: tuple(entries) for word, entries in gains.items()}

    def rank(self, words: list[str], refs: Collection[str] | None = None) -> list[Ranked]:
        """Entries (all, or only refs) from most to least likely for words; empty if no word is known."""
        vector = self._vector(Counter(words))
        if not vector:
            return []
        mass = sum(vector.values())
        scores = [prior + mass * unseen for prior, unseen in zip(self._log_prior, self._log_unseen, strict=True)]
        for word, x in vector.items():
            for index, gain in self._gains[word]:
                scores[index] += x * gain
        allowed = range(len(self._refs)) if refs is None else [i for i, r in enumerate(self._refs) if r in refs]
        ranked = sorted(((scores[i], self._refs[i]) for i in allowed), reverse=True)
        if not ranked:
            return []
        best = ranked[0][0]
        shares = [math.exp(s - best) for s, _ in ranked]
        total = sum(shares)
        return [Ranked(ref, share / total) for (_, ref), share in zip(ranked, shares, strict=True)]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        """Sub-linear tf-idf, scaled to unit length so a long message weighs no more than a short one."""
        vector = {w: (1 + math.log(c)) * self._idf[w] for w, c in counts.items() if w in self._idf}
        norm = math.sqrt(sum(x * x for x in vector.values())) or 1.0
        return {w: x / norm for w, x in vector.items()}
