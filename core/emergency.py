"""Spot messages that describe a severe reaction happening now, before any matching.

The check is deliberately narrow in one direction and wide in the other: a question *about* reactions
("can exosomes cause anaphylaxis?") is not an emergency, but anything that reads as a person in trouble
now is, even with typos or a question mark, because a false alarm costs a line of text while a miss
could cost a life.
"""

from __future__ import annotations

import functools
import re

from core.text import fold

_SYMPTOMS = (
    r"(?:trouble|difficulty|hard|struggling|problems?) (?:to )?breath(?:e|ing)",
    r"short(?:ness)? of breath",
    r"(?:throat|tongue|lips?|face|mouth|eyes?) (?:is |are |has |have |keeps? |started |starting )?"
    r"(?:swell(?:ing|ed|s)?|swollen|closing|tight(?:ening)?|puff(?:ing|y|ed) up)",
    r"swollen (?:throat|tongue|lips?|face|mouth)",
    r"faint(?:ed|ing)?|pass(?:ed|ing) out|blacked out|black(?:ing)? out|unconscious|collaps(?:ed|ing)",
    r"chest pain|seizure|fitting|anaphyla(?:xis|ctic)(?: shock)?|allergic reaction",
    r"wheez(?:e|ing)|hives all over|(?:heart|pulse) (?:is )?racing",
    r"(?:injection|shot|needle) (?:site|spot|area)? ?(?:is )?"
    r"(?:hot|oozing|leaking pus|full of pus|spreading|red and spreading)",
    r"(?:oozing|pus|spreading redness|red streaks?)",
    r"(?:high )?fever",
    r"confus(?:ed|ion)|can(?:no|')?t (?:wake|stay awake)",
)
_SYMPTOM = r"\b(?:" + "|".join(_SYMPTOMS) + r")\b"

_ALWAYS = (
    r"\b(?:(?:i|he|she|they|we) )?(?:cant|cannot|can not|couldnt) breath(?:e|ing)?\b"
    r"|\b(?:im|i am|is|are|hes|shes) (?:not breathing|unconscious|turning blue|choking)\b"
    r"|\bcall(?:ed)? (?:an )?ambulance\b|\bemergency\b"
)
"""Phrases that mean trouble now however the sentence goes on."""

_HAPPENING = (
    r"\b(?:i|im|ive|id|my|me|mine|he|hes|his|him|she|shes|her|they|theyre|their|we|our|us)\b"
    r"|\b(?:right now|now|since|after (?:my|the|her|his|an?) |started|starting|getting worse|keeps?)\b"
)
"""Signs the message is about someone's own situation, not a general question."""

_HYPOTHETICAL = (
    r"^(?:can|could|do|does|did|will|would|is it possible|how likely|how common|what are|what is|are|is there)\b"
    r"|\b(?:cause|causes|risk|risks|chance|chances|common|possible|side effects?)\b"
)
"""Wording that marks a general question about symptoms rather than a report of them."""


def is_emergency(text: str) -> bool:
    """True when text reads as a severe reaction happening to someone now."""
    folded = fold(text)
    if _pattern(_ALWAYS).search(folded):
        return True
    if not _pattern(_SYMPTOM).search(folded):
        return False
    personal = bool(_pattern(_HAPPENING).search(folded))
    hypothetical = bool(_pattern(_HYPOTHETICAL).search(folded))
    # "My throat is swelling, can exosomes cause that?" is personal *and* hypothetical: treat it as real.
    return personal and (not hypothetical or _reports_now(folded))


_NOW = (
    r"\b(?:i|my|me|he|she|his|her|we|our) (?:\w+ ){0,3}(?:is|are|am|has|have|had|got|feel|feels|started|keeps?)\b"
    r"|\b(?:right now|since|getting worse|after my)\b"
)


def _reports_now(folded: str) -> bool:
    return bool(_pattern(_NOW).search(folded))


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)
