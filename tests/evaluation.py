"""The evaluation sets and how they are scored, shared by the tests and ``make bench``.

``eval_*.yaml`` hold questions with the entries that answer them well (``in_scope``), questions the bot
must decline (``out_of_scope`` or ``off_topic``) and, in the real-chat sets, small talk.
``emergency_*.yaml`` hold present-tense emergencies, crises, and messages that share their words but are
neither. The real-chat and emergency sets were written by people who had seen neither the code nor the
content's wording, from a short brief.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.answers import Alarm, Outcome
from core.content import load_catalogue
from core.engine import AnswerEngine
from core.text import clean

DATA = Path(__file__).resolve().parent / "data"


@functools.cache
def engine() -> AnswerEngine:
    return AnswerEngine(load_catalogue())


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def evaluation_sets() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, load(p)) for p in sorted(DATA.glob("eval_*.yaml"))]


def emergency_sets() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, load(p)) for p in sorted(DATA.glob("emergency_*.yaml"))]


@dataclass
class MatchingFigures:
    in_scope: int = 0
    off_topic: int = 0
    right: float = 0.0
    declined: float = 0.0
    small_talk: float = 1.0
    misses: list[tuple[str, str | None, list[str]]] = field(default_factory=list)
    answered_off_topic: list[tuple[str, str | None]] = field(default_factory=list)
    small_talk_misses: list[tuple[str, str]] = field(default_factory=list)


def matching_figures(data: dict[str, Any], answer_engine: AnswerEngine | None = None) -> MatchingFigures:
    """How the whole answer path (not the matcher alone) does on one set."""
    e = answer_engine or engine()
    figures = MatchingFigures()
    in_scope = data.get("in_scope") or []
    off_topic = (data.get("out_of_scope") or []) + (data.get("off_topic") or [])
    for item in in_scope:
        answer = e.answer(clean(item["q"]))
        if answer.ref not in item["expect"]:
            figures.misses.append((item["q"], answer.ref, item["expect"]))
    for text in off_topic:
        answer = e.answer(clean(text))
        if answer.ref is not None or answer.alarm is not None:
            figures.answered_off_topic.append((text, answer.ref or str(answer.alarm)))
    small = data.get("small_talk") or []
    for text in small:
        answer = e.answer(clean(text))
        if answer.outcome is not Outcome.SMALL_TALK:
            figures.small_talk_misses.append((text, answer.ref or answer.outcome.value))
    figures.in_scope, figures.off_topic = len(in_scope), len(off_topic)
    figures.right = 1 - len(figures.misses) / max(len(in_scope), 1)
    figures.declined = 1 - len(figures.answered_off_topic) / max(len(off_topic), 1)
    figures.small_talk = 1 - len(figures.small_talk_misses) / max(len(small), 1)
    return figures


@dataclass
class AlarmFigures:
    missed: list[str] = field(default_factory=list)
    """Emergencies without emergency help, and crises without crisis help."""
    false_alarms: list[str] = field(default_factory=list)
    alarms: int = 0
    calm: int = 0


def alarm_figures(data: dict[str, Any], answer_engine: AnswerEngine | None = None) -> AlarmFigures:
    e = answer_engine or engine()
    figures = AlarmFigures()
    for text in data.get("emergencies") or []:
        if e.answer(clean(text)).alarm is None:
            figures.missed.append(text)
    for text in data.get("crises") or []:
        if e.answer(clean(text)).alarm is not Alarm.CRISIS:
            figures.missed.append(text)
    for text in data.get("non_emergencies") or []:
        if e.answer(clean(text)).alarm is not None:
            figures.false_alarms.append(text)
    figures.alarms = len(data.get("emergencies") or []) + len(data.get("crises") or [])
    figures.calm = len(data.get("non_emergencies") or [])
    return figures


def emergency_figures() -> list[tuple[str, float, float, tuple[int, int]]]:
    """(set, share caught, share of false alarms, (alarms, calm)) for each emergency set."""
    rows = []
    for name, data in emergency_sets():
        f = alarm_figures(data)
        rows.append((name, 1 - len(f.missed) / max(f.alarms, 1), len(f.false_alarms) / max(f.calm, 1),
                     (f.alarms, f.calm)))  # fmt: skip
    return rows
