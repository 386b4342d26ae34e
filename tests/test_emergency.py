"""Emergencies are spotted before matching; questions *about* reactions are not emergencies."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import pytest

from core import emergency
from core.emergency import is_emergency
from core.engine import AnswerEngine, EnginePolicy
from core.request import Request
from core.text import fold

EMERGENCIES = [
    "I can't breathe after my exosome shot",
    "my throat is swelling",
    "my face is swelling up after the injection",
    "i fainted after the treatment",
    "my wife passed out after her exosome injection",
    "I have a fever and the injection site is hot and oozing",
    "trouble breathing since my injection",
    "My throat is swelling, can exosomes cause that?",
    "help my lips are swollen",
    "cant breath",
    "im having chest pain after the shot",
    "he is unconscious",
    "my injection site is red and spreading and i have a fever",
    "MY THROAT IS CLOSING",
]
NOT_EMERGENCIES = [
    "can exosomes cause anaphylaxis?",
    "what are the allergic reactions to exosomes",
    "is trouble breathing a side effect",
    "can exosomes cause a fever",
    "is swelling after the shot normal",
    "could i be allergic to it",
    "is it safe?",
    "can this make cancer worse?",
    "what are the risks of fainting",
    "exosomes anaphylaxis",
    "can the injection give me a fever",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_current_severe_reactions_are_emergencies(text: str) -> None:
    assert is_emergency(text)


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_questions_about_reactions_are_not_emergencies(text: str) -> None:
    assert not is_emergency(text)


def test_emergency_answer_leads_with_emergency_services(engine: AnswerEngine) -> None:
    answer = engine.answer(Request("my throat is swelling after the exosome injection"))
    assert answer.emergency
    assert "call" in answer.paragraphs[0] and "911" in answer.paragraphs[0] and "112" in answer.paragraphs[0]
    assert answer.plain_text().startswith("This may be an emergency")
    assert answer.disclaimer and answer.sources


def test_emergency_number_is_configurable(catalogue) -> None:
    engine = AnswerEngine(catalogue, EnginePolicy(emergency_number="000 (Australia)"))
    answer = engine.answer(Request("I can't breathe"))
    assert "000 (Australia)" in answer.paragraphs[0]
    assert "911" not in answer.paragraphs[0]


def test_emergency_check_runs_before_commands(engine: AnswerEngine) -> None:
    assert engine.answer(Request("risk my throat is closing")).emergency


def _phrases(pattern: str) -> Iterator[str]:
    """Every text the (finite) pattern matches: the patterns have no open-ended repeats."""

    def expand(items: Any) -> Iterator[str]:
        parts = [list(one(op, av)) for op, av in items]
        for combo in itertools.product(*parts):
            yield "".join(combo)

    def one(op: Any, av: Any) -> Iterator[str]:
        if op is sre.LITERAL:
            yield chr(av)
        elif op is sre.AT:
            yield ""
        elif op is sre.SUBPATTERN:
            yield from expand(av[3])
        elif op is sre.BRANCH:
            for branch in av[1]:
                yield from expand(branch)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, item = av
            assert high is not sre.MAXREPEAT, "an open-ended repeat cannot be listed"
            for n in range(low, high + 1):
                yield from expand(list(item) * n)
        else:
            raise AssertionError(f"pattern uses {op}, which this listing does not know")

    yield from expand(_parser.parse(pattern))


ALARMING_PHRASES = sorted({p for pattern in (emergency._ALWAYS, emergency._SYMPTOM) for p in _phrases(pattern)})


def test_every_alarming_phrase_has_a_cue() -> None:
    """The cue check skips the patterns only when no phrase they match can be in the text."""
    assert len(ALARMING_PHRASES) > 500
    missing = [p for p in ALARMING_PHRASES if emergency._CUES.isdisjoint(w[:4] for w in re.findall("[a-z0-9]+", p))]
    assert missing == []
    assert all(emergency._CUE.search(p) for p in ALARMING_PHRASES)


def test_the_cue_search_finds_exactly_the_words_that_start_with_a_cue() -> None:
    from tests.bench.common import mixed_questions

    def by_words(folded: str) -> bool:  # the definition the search stands for
        return not emergency._CUES.isdisjoint(w[:4] for w in re.findall("[a-z0-9]+", folded))

    edges = ["pus", "push", "opus", "pus.", "x_breathe", "4breathe", "breath4", "re-swelling", "a.pus", "pus2"]
    texts = [fold(t) for t in (*edges, *EMERGENCIES, *NOT_EMERGENCIES, *mixed_questions(), *ALARMING_PHRASES)]
    found = [bool(emergency._CUE.search(t)) for t in texts]
    assert found == [by_words(t) for t in texts]
    assert any(found) and not all(found)


def test_the_cue_check_never_changes_the_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.bench.common import mixed_questions

    texts = [*EMERGENCIES, *NOT_EMERGENCIES, *mixed_questions(), *ALARMING_PHRASES]
    texts += [f"since this morning {p}!" for p in ALARMING_PHRASES[::7]]
    with_cues = [is_emergency(t) for t in texts]
    monkeypatch.setattr(emergency, "_CUE", re.compile(""))  # every text looks cued
    assert with_cues == [is_emergency(t) for t in texts]
    assert any(with_cues) and not all(with_cues)
