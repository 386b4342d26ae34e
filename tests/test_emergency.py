"""Emergencies are spotted before matching; questions *about* reactions are not emergencies."""

from __future__ import annotations

import pytest

from core.emergency import is_emergency
from core.engine import AnswerEngine, EnginePolicy

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
    answer = engine.answer("my throat is swelling after the exosome injection")
    assert answer.emergency
    assert "call" in answer.paragraphs[0] and "911" in answer.paragraphs[0] and "112" in answer.paragraphs[0]
    assert answer.plain_text().startswith("This may be an emergency")
    assert answer.disclaimer and answer.sources


def test_emergency_number_is_configurable(catalogue) -> None:
    engine = AnswerEngine(catalogue, EnginePolicy(emergency_number="000 (Australia)"))
    answer = engine.answer("I can't breathe")
    assert "000 (Australia)" in answer.paragraphs[0]
    assert "911" not in answer.paragraphs[0]


def test_emergency_check_runs_before_commands(engine: AnswerEngine) -> None:
    assert engine.answer("risk my throat is closing").emergency
