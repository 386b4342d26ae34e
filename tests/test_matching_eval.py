"""Free-text matching measured on paraphrased questions and on real chat: right answers, abstention on
off-topic messages that share the content's words, and small talk.

The figures print with ``pytest -s``. The tidy sets fail below 90% on either measure. Real-chat set C is
the one written for the issue's bar (90% right, 97% declined); the other real-chat sets, written blind by
other writers at other times, hold a floor so that a change that helps one set cannot quietly sink another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.content import Kind
from core.engine import AnswerEngine
from core.matching import Matcher
from tests.evaluation import evaluation_sets, matching_figures

DATA = Path(__file__).parent / "data"
MIN_ACCURACY = 0.90


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", ["eval_questions.yaml", "eval_holdout.yaml"])
def test_matching_accuracy_and_abstention(engine: AnswerEngine, name: str) -> None:
    data = _load(name)
    matcher: Matcher = engine.matcher
    misses = [
        (item["q"], matcher.match(item["q"]).ref, item["expect"])
        for item in data["in_scope"]
        if matcher.match(item["q"]).ref not in item["expect"]
    ]
    answered = [(q, matcher.match(q).ref) for q in data["out_of_scope"] if matcher.match(q).ref is not None]
    accuracy = 1 - len(misses) / len(data["in_scope"])
    abstention = 1 - len(answered) / len(data["out_of_scope"])
    print(
        f"\n{name}: in-scope right {accuracy:.1%} of {len(data['in_scope'])}, "
        f"off-topic abstained {abstention:.1%} of {len(data['out_of_scope'])}"
    )
    for miss in misses:
        print("  miss:", miss)
    for wrong in answered:
        print("  answered off-topic:", wrong)
    assert accuracy >= MIN_ACCURACY, misses
    assert abstention >= MIN_ACCURACY, answered


REAL_CHAT_BAR = {"eval_chat_c": (0.90, 0.97)}
REAL_CHAT_FLOOR = (0.85, 0.90)
REAL_CHAT = [(name, data) for name, data in evaluation_sets() if name.startswith("eval_chat_")]


@pytest.mark.parametrize(("name", "data"), REAL_CHAT, ids=[name for name, _ in REAL_CHAT])
def test_real_chat(engine: AnswerEngine, name: str, data: dict[str, Any]) -> None:
    figures = matching_figures(data, engine)
    right, declined = REAL_CHAT_BAR.get(name, REAL_CHAT_FLOOR)
    print(f"\n{name}: in-scope right {figures.right:.1%} of {figures.in_scope}, off-topic declined "
          f"{figures.declined:.1%} of {figures.off_topic}, small talk {figures.small_talk:.1%}")  # fmt: skip
    for miss in figures.misses:
        print("  miss:", miss)
    for wrong in figures.answered_off_topic:
        print("  answered off-topic:", wrong)
    assert figures.right >= right, figures.misses
    assert figures.declined >= declined, figures.answered_off_topic
    assert figures.small_talk >= 0.9, figures.small_talk_misses


def test_the_real_chat_set_the_issue_asks_for_is_big_enough() -> None:
    data = dict(REAL_CHAT)["eval_chat_c"]
    assert len(data["in_scope"]) >= 100 and len(data["off_topic"]) >= 50
    assert len(data["in_scope"]) + len(data["off_topic"]) >= 150


def test_evaluation_sets_are_big_enough_and_name_real_entries(engine: AnswerEngine) -> None:
    refs = {e.ref for e in engine.catalogue.entries}
    dev = _load("eval_questions.yaml")
    assert len(dev["in_scope"]) >= 60 and len(dev["out_of_scope"]) >= 25
    for _, data in evaluation_sets():
        for item in data["in_scope"]:
            assert set(item["expect"]) <= refs, item


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("can this make cancer worse?", "faq:cancer"),
        ("is it safe?", "faq:safety"),
        ("how much does it cost", "risk:cost"),
        ("exosome vs stem cells", "faq:vs-stem-cells"),
    ],
)
def test_typical_questions(engine: AnswerEngine, question: str, expected: str) -> None:
    assert engine.matcher.match(question).ref == expected


@pytest.mark.parametrize(
    "typo", ["is exosme therapy safe", "canser risk with exosomes", "does insurence cover it", "exosomes half lfe"]
)
def test_typos_are_corrected_not_abstained(engine: AnswerEngine, typo: str) -> None:
    assert engine.matcher.match(typo).ref is not None


def test_off_topic_words_that_look_like_typos_are_not_corrected_into_scope(engine: AnswerEngine) -> None:
    # "rent" is one letter from "arent" and "covid" is close to "cover": neither may pull a question in.
    for question in ("why is rent so expensive?", "is the covid vaccine safe?", "half life of caffeine"):
        assert engine.matcher.match(question).ref is None, question


def test_match_can_be_restricted_to_one_kind(engine: AnswerEngine) -> None:
    assert engine.matcher.match("is the price high", kinds=[Kind.COMPARE]).ref == "compare:cost"
    assert engine.matcher.match("is the price high").ref in {"risk:cost", "faq:cost"}
