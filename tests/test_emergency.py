"""Emergencies and crises get help first, however they are typed; talk about symptoms does not.

The word lists below pin the cases the issue names; the blind sets in ``tests/data/emergency_*.yaml`` (written
by people who had seen neither the patterns nor the code) measure the check on messy chat.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.answers import Alarm
from core.emergency import alarm_for
from core.engine import AnswerEngine, EnginePolicy
from tests.conftest import run_exobot
from tests.evaluation import alarm_figures, emergency_sets

MAX_FALSE_ALARMS = 0.05

EMERGENCIES = [
    "I can't breathe after my exosome shot",
    "cant breathe after shot",
    "my throat is swelling",
    "mom's lips swelling up after her facial",
    "husband passed out after his exosome injection",
    "she is not responding",
    "my friend is unresponsive",
    "chest pain after the iv",
    "chest feels tight since the drip",
    "so dizzy i cant stand up",
    "cant swallow",
    "tongue is swelling",
    "eyes swelling shut after the serum",
    "hives all over my body",
    "he is having a seizure",
    "pus oozing from the injection site and i have a fever",
    "i feel like im dying",
    "cnat breth afetr the shot",
    "MY THROAT IS CLOSING",
]
CRISES = [
    "i want to kill myself",
    "i dont want to be alive anymore",
    "thinking about ending it all tonight",
    "i keep cutting myself",
    "whats the point of living after what the clinic did to my face",
]
NOT_EMERGENCIES = [
    "can exosomes cause anaphylaxis?",
    "what happens if my throat swells after the shot",
    "how would i know if i was having an allergic reaction",
    "is fainting common after exosome injections",
    "is swelling after the shot normal",
    "last month my face swelled up after a facial, it went away",
    "years ago i had a seizure, is exosome therapy safe for me",
    "i had chest pain before but it's gone now, what are the risks",
    "this price is killing me",
    "dying to know if it works for hair",
    "is it safe?",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_present_emergencies_get_emergency_help(text: str) -> None:
    assert alarm_for(text) is Alarm.EMERGENCY


@pytest.mark.parametrize("text", CRISES)
def test_suicide_and_self_harm_get_crisis_help(text: str) -> None:
    assert alarm_for(text) is Alarm.CRISIS


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_past_resolved_and_hypothetical_symptoms_raise_no_alarm(text: str) -> None:
    assert alarm_for(text) is None


@pytest.mark.parametrize(("name", "data"), emergency_sets(), ids=[name for name, _ in emergency_sets()])
def test_blind_emergency_sets(engine: AnswerEngine, name: str, data: dict[str, Any]) -> None:
    figures = alarm_figures(data, engine)
    assert figures.alarms >= 30 and figures.calm >= 30
    print(f"\n{name}: missed {len(figures.missed)} of {figures.alarms}, "
          f"false alarms {len(figures.false_alarms)} of {figures.calm}")  # fmt: skip
    assert not figures.missed, figures.missed
    assert len(figures.false_alarms) <= MAX_FALSE_ALARMS * figures.calm, figures.false_alarms


def test_the_blind_set_the_issue_asks_for_is_big_enough() -> None:
    sizes = {name: alarm_figures(data) for name, data in emergency_sets()}
    assert any(f.alarms >= 60 and f.calm >= 60 for f in sizes.values())


def test_emergency_answer_leads_with_emergency_services(engine: AnswerEngine) -> None:
    answer = engine.answer("my throat is swelling after the exosome injection")
    assert answer.alarm is Alarm.EMERGENCY and answer.emergency
    assert "call" in answer.paragraphs[0].lower() and "911" in answer.paragraphs[0] and "112" in answer.paragraphs[0]
    assert answer.plain_text().startswith("This may be an emergency")
    assert answer.disclaimer and answer.sources


def test_crisis_answer_gives_crisis_lines_kindly(engine: AnswerEngine) -> None:
    answer = engine.answer("i want to end my life")
    assert answer.alarm is Alarm.CRISIS and answer.emergency
    text = " ".join(answer.paragraphs)
    assert "988" in text and "116 123" in text
    assert "alone" in answer.title and "sorry" in text  # kind words, not a lecture
    assert answer.sources and answer.disclaimer


def test_emergency_number_and_crisis_line_are_configurable(catalogue) -> None:
    engine = AnswerEngine(catalogue, EnginePolicy(emergency_number="000 (Australia)", crisis_line="Lifeline 13 11 14"))
    emergency = engine.answer("I can't breathe")
    assert "000 (Australia)" in emergency.paragraphs[0] and "911" not in emergency.plain_text()
    crisis = engine.answer("i want to kill myself")
    help_text = " ".join(crisis.paragraphs)
    assert "Lifeline 13 11 14" in help_text and "988" not in help_text


def test_alarm_check_runs_before_commands(engine: AnswerEngine) -> None:
    assert engine.answer("risk my throat is closing").alarm is Alarm.EMERGENCY
    assert engine.answer("faq i want to kill myself").alarm is Alarm.CRISIS


def test_ask_json_marks_a_crisis_as_an_emergency() -> None:
    result = run_exobot("ask", "--json", "i dont want to live anymore")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["emergency"] is True and "988" in data["text"]
