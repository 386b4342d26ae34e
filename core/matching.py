"""Free-text matching: which entry answers a message, or that none does.

Two questions, answered apart because they need different evidence:

- *Is the message ours at all?* Yes when it names exosomes (or "exo"). Otherwise the content must explain
  most of its topic words: a weighted term match over each entry's curated vocabulary, in which a word
  the content has never seen counts heavily against, so "is the covid vaccine safe?" is declined while
  "is it safe?" is answered. Words of chat ("lol", "tbh", "my derm", "quoted me") neither help nor hurt;
  a long message is also read a sentence at a time, so a question after a greeting and a story counts;
  a message about another treatment alone ("is PRP worth it for knees") is declined unless it compares.
- *Which entry?* The one whose example questions the message is most like (``core.classifier``).

Typos are corrected against the content's own vocabulary first.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from core.classifier import EntryClassifier
from core.content import ALARM_ENTRIES, Catalogue, Entry, Kind
from core.text import STOPWORDS, fold, tokens, tokens_to_words, words

_ANCHOR_TEXT = "exosome exosomes exosomal exo exos exozome exozomes vesicle vesicles"
ANCHORS = frozenset(words(_ANCHOR_TEXT))
"""Words that make a message clearly about exosomes."""

_NEUTRAL_TEXT = """
    therapy therapies treatment treatments injection injections shot shots procedure stuff product
    mom dad mum mother father wife husband hubby partner bf gf boyfriend girlfriend friend friends family grandma
    grandmother grandpa grandfather son daughter kid kids child children sister brother aunt uncle cousin someone
    people person patient patients ppl folks guys everyone anyone somebody anybody me myself guy girl woman man
    women men lady bloke
    old young age today week weeks month months year years yrs yr wks day days hour hours tomorrow yesterday now
    soon later ago lately recently morning night time times while
    want wants wanted need needs think thinking thought worried worry wonder wondering curious hear heard read
    saw seen see told tell telling said saying says reckon reckons feel feels felt seems seem sounds sound look
    looks looking keep keeps kept try tried trying trying use used using put give gave make made take took
    offer offers offered offering push pushing pushed quoted quote recommend recommended recommends booked
    book booking wait waiting decide go went come came
    really honestly exactly true believe good great ok okay fine sure maybe probably definitely basically
    literally totally actual actually seriously kinda sorta pretty quite super way whole bit little lot
    hi hello hey hiya thanks thank thx ty yes yeah yep no nope nah lol lmao haha omg wtf tf idk imo imho tbh
    ngl fr smh btw rn tho though af pls plz sorry oh ah um hmm wow
    after during before since until while whether theres whats hows wheres thats heres theyre hasnt havent
    isnt wasnt werent dont doesnt didnt cant wont shouldnt wouldnt couldnt im ive id youre youve ill
    also else instead otherwise anyway anyways overall basically generally usually normally already
    post lurker here question questions ask asking wondering anybody
    w bc cuz coz b4 tmrw tmr tmrow til till gimme lemme whatever honest honestly hes shes doc mate
    other another every each thing things one ones kind sort type
"""
NEUTRAL = frozenset(words(_NEUTRAL_TEXT))
"""Words of talk, not of a subject: they neither help nor hurt an entry."""
_NOT_TOPICAL = ANCHORS | NEUTRAL
_NEUTRAL_RAW = frozenset(fold(_NEUTRAL_TEXT + " " + _ANCHOR_TEXT).split())

_OTHER_SUBJECTS_TEXT = """
    prp platelet platelets plasma stemcell botox filler fillers minoxidil finasteride ozempic semaglutide
    tirzepatide mounjaro wegovy peptide peptides nad retinol tretinoin vaccine vaccines vaccination booster flu
    laser microneedling dermaroller surgery surgeries transplant chemotherapy radiation cortisone steroid
    steroids hydrafacial biotin collagen creatine"""
OTHER_SUBJECTS = frozenset(words(_OTHER_SUBJECTS_TEXT))
"""Treatments the content mentions only beside exosomes: a message about one of them alone is not ours."""
_OTHER_SUBJECTS_RAW = frozenset(fold(_OTHER_SUBJECTS_TEXT).split())
"""Known as typed, so spelling correction never turns "botox" into a word of ours."""
CONTEXT = frozenset(
    words("""knee knees joint joints spine hip hips shoulder shoulders neck skin face hair scalp eye eyes lips
    wrinkles acne scars arthritis diabetes lupus autism dermatologist gp physio nurse dentist pharmacy hospital
    medicare medicaid ftc virus viruses bacteria cell cells biology insurance""")
)
"""Words of the content that are also the subjects of other questions ("the risks of knee surgery"): on
their own they put no message in scope; beside "it", "this" or a word for the treatment they do."""
THERAPY = frozenset(
    """it its this that these those they them their one injection injections injected shot shots jab jabs
    serum serums drip drips iv infusion vial vials treatment treatments therapy procedure session sessions
    product products stuff thing option""".split()
)
"""Ways of naming the treatment without the word exosome: "is it safe", "are the shots worth it".
As typed, not stemmed: most are stop words, which matching otherwise drops."""
_SIDE_BY_SIDE = frozenset(
    """versus vs compare compared comparison compares than difference differences different instead better worse
    safer riskier cheaper pricier same alike similar combine combined combining together both alongside mix
    mixed""".split()
)
"""Words that turn a message about another treatment into a comparison with exosomes, as typed."""
_STEM_CELLS = "stemcell"
_MONEY = re.compile(
    r"[$£€¥₹]|\b\d+(?:[.,]\d+)?\s?(?:k|grand|bucks|quid|dollars|pounds|euros|usd|gbp|eur|aud|cad)\b", re.IGNORECASE
)
_PRICE = "price"
_FRAGMENT = 3
"""Words in a message too short to name another subject's context."""
_COMPARING = _SIDE_BY_SIDE | {"stem", "stemcell", "stemcells"}
"""Without one of these, no comparison entry is chosen."""

_FIELD_STRENGTH = (("aliases", 1.0), ("keywords", 1.0), ("title", 0.9), ("questions", 0.6), ("summary", 0.5))
_PROSE_STRENGTH = 0.3

ANSWER_THRESHOLD = 0.5
"""Share of the topic words of a message that does not name exosomes an entry must explain."""
UNKNOWN_PENALTY = 3.0
"""Weight of an unseen word relative to the rarest known word: another subject outweighs one shared word."""
_QUESTION_WORDS = frozenset("where who when which what much long many".split())
"""Stop words elsewhere, but they tell entries apart: "where do they come from", "how long does it last"."""
_RUNNER_UP = 0.2
"""An entry this likely relative to the best is offered beside it."""
_RELATED_MIN = 0.12
_SPELL_CUTOFF = 82
_FILLER_CUTOFF = 90
"""Correcting to a filler word hides the word from scoring, so it needs a closer match ("rent" is not "arent")."""
_SPELL_CACHE_SIZE = 4096
_EXOSOMES = "exosomes"
_ANCHOR_CUTOFF = 82
"""Close enough to "exosome" to be one: "exosone", "exozomes", "exsomes", "exosoms"; not "exposes"."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class Match(NamedTuple):
    """The outcome of matching: the best entry (or none), its score and the close runners-up."""

    ref: str | None
    score: float
    """Share of the message's topic words the content explains (1.0 for a message with none but "exosomes")."""
    runners_up: tuple[str, ...] = ()
    about_exosomes: bool = False


class Matcher:
    """An index over one catalogue, built once; matching is pure."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._refs: list[str] = []
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        raw_vocab: set[str] = set()
        examples: dict[str, list[list[str]]] = {}
        for entry in catalogue.entries:
            if entry.ref not in ALARM_ENTRIES:  # help that comes first, never an answer to be matched
                self._index(entry, raw_vocab, postings)
                texts = (*entry.questions, entry.title, *entry.aliases, *entry.keywords, entry.summary)
                examples[entry.ref] = [self._features(tokens(text)) for text in texts]
        self._classifier = EntryClassifier(examples)
        n = len(self._refs)
        idf = {t: math.log(1 + n / len(p)) for t, p in postings.items()}
        # Each word's weight and what it adds to each entry, multiplied out once rather than per question.
        self._weighted = {t: (idf[t], tuple((i, idf[t] * s) for i, s in p)) for t, p in postings.items()}
        self._unknown_weight = UNKNOWN_PENALTY * max(idf.values(), default=1.0)
        self._anchored_unknown_weight = sum(idf.values()) / max(len(idf), 1)
        self._topic_vocab_by_letter: dict[str, list[str]] = defaultdict(list)
        for word in sorted(raw_vocab - STOPWORDS):
            self._topic_vocab_by_letter[word[0]].append(word)
        self._filler_vocab = sorted(STOPWORDS | _NEUTRAL_RAW)
        self._known_raw = frozenset(raw_vocab) | STOPWORDS | _NEUTRAL_RAW | _OTHER_SUBJECTS_RAW
        self._spelling: dict[str, str | None] = {}
        self._not_comparisons = frozenset(
            r for r in self._refs if not r.startswith(f"{Kind.COMPARE}:") and r != "list:compare"
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

    @staticmethod
    def _features(raw: list[str]) -> list[str]:
        """The words the classifier sees: topic words, exosome words and question words, not chat."""
        topic = [t for t in tokens_to_words(raw) if t.isalpha() and t not in NEUTRAL]
        return topic + [t for t in raw if t in _QUESTION_WORDS]

    def match(self, question: str, kinds: Sequence[Kind] | None = None) -> Match:
        """Best entry for question, restricted to kinds if given; ``ref`` is None when it abstains."""
        raw = self._correct_spelling(tokens(question))
        whole = tokens_to_words(raw)
        about = not ANCHORS.isdisjoint(whole)
        if not about and kinds is None and self._elsewhere(raw, whole):
            return Match(None, 0.0, (), about)
        share = self._share(whole, kinds, about)
        sentences = [s for s in _SENTENCE.split(question) if s.strip()]
        if len(sentences) > 1 and share < ANSWER_THRESHOLD:
            for sentence in sentences:  # the question after a greeting and a story, read on its own
                share = max(share, self._share(self._terms(sentence), kinds, about))
        if not about and share < ANSWER_THRESHOLD:
            return Match(None, round(share, 3), (), about)
        features = self._features(raw)
        if _MONEY.search(question):  # "$$$", "8k", "2 grand": a word for the price, which tokens lose
            features.append(_PRICE)
        if ANCHORS.issuperset(features):  # "exosomes?" and nothing else: say what they are
            overview = "topic:overview"
            return Match(overview if _allowed(overview, kinds) else None, 1.0, (), about)
        if kinds is not None:
            refs: Collection[str] = [r for r in self._refs if r.split(":", 1)[0] in kinds]
        else:  # a comparison answers only a message that compares; `compare …` itself is the cue
            refs = self._refs if not _COMPARING.isdisjoint(raw) else self._not_comparisons
        ranked = self._classifier.rank(features, refs)
        if not ranked:
            return Match(None, round(share, 3), (), about)
        best = ranked[0]
        close = tuple(r.ref for r in ranked[1:4] if r.probability >= best.probability * _RUNNER_UP)
        return Match(best.ref, round(share if self._topical(whole) else 1.0, 3), close, about)

    def _terms(self, text: str) -> list[str]:
        return tokens_to_words(self._correct_spelling(tokens(text)))

    def _share(self, terms: list[str], kinds: Sequence[Kind] | None, about: bool) -> float:
        """The largest share of terms' topic words that one entry explains."""
        ranked = self._rank(self._topical(terms), kinds, about)
        return ranked[0][0] if ranked else 0.0

    @staticmethod
    def _topical(terms: list[str]) -> list[str]:
        # Numbers and amounts ("8k", "60s", "#3") name no subject, so they neither count for nor against.
        return [t for t in terms if t.isalpha() and t not in _NOT_TOPICAL]

    @staticmethod
    def _elsewhere(raw: list[str], terms: list[str]) -> bool:
        """Whether a message that does not name exosomes is about something else: another treatment
        (and no comparison), or a subject of the content's ("knee", "cancer") with no word for the
        treatment beside it."""
        if not OTHER_SUBJECTS.isdisjoint(terms):
            # Ours only as a comparison with the treatment ("is prp safer than it"); stem cells are the
            # content's own comparison, so "cheaper than stem cells?" needs no other word.
            return _SIDE_BY_SIDE.isdisjoint(raw) or (THERAPY.isdisjoint(raw) and _STEM_CELLS not in terms)
        # A bare fragment ("fda approved?", "insurance?") is a question to this bot about its subject.
        return len(raw) > _FRAGMENT and not CONTEXT.isdisjoint(terms) and THERAPY.isdisjoint(raw)

    def related(self, entry: Entry, limit: int = 3) -> tuple[str, ...]:
        """Entries closest to entry by its title and curated words, for "see also" suggestions.

        Only entries that explain a fair share of those words qualify: no suggestion beats a random one.
        """
        text = " ".join((entry.title, *entry.aliases, *entry.keywords))
        ranked = self._rank([t for t in words(text) if t not in _NOT_TOPICAL], None, True)
        return tuple(ref for score, ref in ranked if ref != entry.ref and score >= _RELATED_MIN)[:limit]

    def _rank(self, topical: list[str], kinds: Sequence[Kind] | None, about: bool) -> list[tuple[float, str]]:
        if not topical:
            return []
        scores: dict[int, float] = {}  # only entries that share a word: usually a handful
        total = 0.0
        # Once a message names exosomes an unseen word is no sign of another subject: it weighs as an
        # average known word, not as a penalty.
        unknown = self._anchored_unknown_weight if about else self._unknown_weight
        for term in dict.fromkeys(topical):  # a repeat is not extra evidence
            found = self._weighted.get(term)
            if found is None:
                total += unknown
                continue
            weight, gains = found
            total += weight
            for index, gain in gains:
                scores[index] = scores.get(index, 0.0) + gain
        if kinds is not None:
            scores = {i: s for i, s in scores.items() if self._refs[i].split(":", 1)[0] in kinds}
        ranked = [(s / total, self._refs[i]) for i, s in scores.items()]
        ranked.sort(reverse=True)
        return ranked

    def _correct_spelling(self, raw: list[str]) -> list[str]:
        """Replace words the content has never seen by the closest word it has, when one is close.

        Misspellings of "exosome" come first, even those the content's own examples use ("exosones"):
        they are what makes a message ours.
        """
        raw = [_EXOSOMES if t not in ANCHORS and _misspelt_anchor(t) else t for t in raw]
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
            from rapidfuzz import fuzz, process  # deferred: most questions need no correction

            # Topic words first: "canser" must become "cancer", not the equally close filler "answer".
            # A typo rarely changes the first letter, and a different first letter makes another word
            # ("dinner" is not "winner").
            same_start = self._topic_vocab_by_letter.get(token[0], ())
            found = process.extractOne(token, same_start, scorer=fuzz.ratio, score_cutoff=_SPELL_CUTOFF)
            if not found and len(token) >= 6:
                found = process.extractOne(token, self._filler_vocab, scorer=fuzz.ratio, score_cutoff=_FILLER_CUTOFF)
            self._spelling[token] = found[0] if found else None
        return self._spelling[token]


def _misspelt_anchor(token: str) -> bool:
    if not token.startswith(("ex", "eks", "exc")) or len(token) < 6:
        return False
    from rapidfuzz import fuzz

    return fuzz.ratio(token, "exosomes") >= _ANCHOR_CUTOFF or fuzz.ratio(token, "exosome") >= _ANCHOR_CUTOFF


def _entry_field(entry: Entry, name: str) -> tuple[str, ...]:
    value = getattr(entry, name)
    return (value,) if isinstance(value, str) else tuple(value)


def _allowed(ref: str, kinds: Sequence[Kind] | None) -> bool:
    return kinds is None or ref.split(":", 1)[0] in kinds
