"""The command grammar and the answers it produces, through the platform-neutral engine."""

from __future__ import annotations

import dataclasses

import pytest

from core.answers import Answer, Outcome
from core.commands import Command, CommandName, parse
from core.engine import AnswerEngine
from core.text import MAX_QUESTION_CHARS, clean


def ask(engine: AnswerEngine, text: str) -> Answer:
    return engine.answer(clean(text))


def test_parse_grammar() -> None:
    assert parse("risks").name is CommandName.RISKS
    assert parse("/exosome risk cancer") == parse("risk cancer")
    assert parse("/EXOSOME Risks?") == parse("risks") == Command(CommandName.RISKS, "")
    assert parse("risk cancer").argument == "cancer"
    assert parse("Compare cost").name is CommandName.COMPARE
    assert parse("faq 2").argument == "2"
    assert parse("my-data").name is CommandName.MY_DATA
    bare = parse("can this make cancer worse?")
    assert bare.name is CommandName.ASK and bare.argument == "can this make cancer worse?"
    assert parse("hlep").near_miss() is CommandName.HELP
    assert parse("is it safe").near_miss() is None


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("risks", "list:risks"),
        ("risk", "list:risks"),
        ("risk cancer", "risk:cancer"),
        ("risk half-life", "risk:half-life"),
        ("risk Cancr", "risk:cancer"),
        ("risk fda", "risk:regulation"),
        ("compare", "list:compare"),
        ("compare cost", "compare:cost"),
        ("compare tumour", "compare:cancer-risk"),
        ("faq", "list:faq"),
        ("faq 1", "faq:safety"),
        ("faq 7", "faq:considering-treatment"),
        ("faq how long does it last", "faq:duration"),
        ("ask can this make cancer worse?", "faq:cancer"),
        ("can this make cancer worse?", "faq:cancer"),
        ("sources", "topic:sources"),
    ],
)
def test_every_subcommand_answers(engine: AnswerEngine, text: str, ref: str) -> None:
    answer = ask(engine, text)
    assert answer.ref == ref
    assert answer.outcome is Outcome.ANSWERED


def test_compare_row_has_both_sides_as_fields(engine: AnswerEngine) -> None:
    answer = ask(engine, "compare cost")
    assert [f.name for f in answer.fields] == ["Exosome therapy", "Stem cell therapy"]


def test_listings_list_every_entry(engine: AnswerEngine) -> None:
    assert len(ask(engine, "risks").fields) == 9
    assert len(ask(engine, "compare").fields) == 7
    faq = ask(engine, "faq")
    assert len(faq.fields) == 15 and faq.fields[0].name.startswith("1. ")
    assert [s.command for s in faq.suggestions][:2] == ["faq 1", "faq 2"]


def test_help_lists_commands_and_says_questions_are_logged(engine: AnswerEngine) -> None:
    answer = ask(engine, "help")
    text = answer.plain_text()
    for command in ("risks", "risk cancer", "compare", "faq", "ask", "sources", "my-data", "forget-me"):
        assert f"/exosome {command}" in text
    assert "logged" in text and "90 days" in text


def test_unknown_name_gives_did_you_mean_only_when_confident(engine: AnswerEngine) -> None:
    close = ask(engine, "risk infektion")
    assert close.ref == "risk:infection"  # close enough to answer directly
    vague = ask(engine, "risk zzzz")
    assert vague.outcome is Outcome.UNANSWERED and vague.ref is None
    assert "everything" in vague.paragraphs[0]
    assert len(vague.suggestions) == 9  # no guesses: the whole list instead


def test_unknown_subcommand_suggests_the_close_one(engine: AnswerEngine) -> None:
    answer = ask(engine, "hlep")
    assert answer.outcome is Outcome.UNANSWERED
    assert "Did you mean `help`?" in answer.paragraphs[0]


def test_faq_number_out_of_range_is_friendly(engine: AnswerEngine) -> None:
    answer = ask(engine, "faq 99")
    assert answer.outcome is Outcome.UNANSWERED
    assert "from 1 to 15" in answer.paragraphs[0]


def test_off_topic_question_abstains_with_what_it_can_answer(engine: AnswerEngine) -> None:
    answer = ask(engine, "why is rent so expensive?")
    assert answer.ref is None and answer.outcome is Outcome.UNANSWERED
    assert "only answer questions about the risks" in answer.paragraphs[0]
    assert {s.ref for s in answer.suggestions} >= {"list:risks", "faq:safety"}


BAD_INPUTS = [
    "",
    "   \t \n ",
    "x" * 100_000,
    "is it safe\x00\x07\x1b[31m?",
    "🧬🧬🧬 is it safe? 💉",
    "<!channel> @everyone <script>alert(1)</script> is it safe",
    "**bold** `code` [link](http://x) ||spoiler||",
    "\u202eevil right-to-left",
    "faq -1",
    "faq 99999999999999999999999",
    "risk " + "a" * 400,
    "/exosome",
    "?",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_clear_answer_never_an_exception(engine: AnswerEngine, text: str) -> None:
    answer = ask(engine, text)
    assert answer.title and answer.disclaimer
    assert answer.plain_text()


def test_too_long_questions_are_refused_with_the_limit(engine: AnswerEngine) -> None:
    answer = ask(engine, "is it safe " * 100)
    assert answer.outcome is Outcome.REJECTED
    assert str(MAX_QUESTION_CHARS) in answer.paragraphs[0]


def test_empty_question_is_rejected_kindly(engine: AnswerEngine) -> None:
    answer = ask(engine, "  ")
    assert answer.outcome is Outcome.REJECTED and "help" in answer.paragraphs[0]


def test_control_characters_never_reach_an_answer(engine: AnswerEngine) -> None:
    answer = ask(engine, "risk xy\x1b[31mz\x00")
    assert "\x1b" not in answer.plain_text() and "\x00" not in answer.plain_text()


def test_sources_lists_each_source_once_by_group(engine: AnswerEngine) -> None:
    answer = ask(engine, "sources")
    lines = [line for f in answer.fields for line in f.value.splitlines()]
    for source in engine.catalogue.sources:
        assert sum(line.startswith(f"• {source.title}") for line in lines) == 1, source.id
    assert len(lines) == len(engine.catalogue.sources)
    assert len(answer.fields) <= 10 and not answer.sources


def test_list_answers_name_sources_compactly(engine: AnswerEngine) -> None:
    for command in ("risks", "compare", "faq"):
        answer = ask(engine, command)
        lines = answer.plain_text().splitlines()
        assert max(len(line) for line in lines if line.startswith("Sources")) < 300, command
        assert "/exosome sources" in answer.plain_text()


def test_every_answer_carries_disclaimer_and_sources(engine: AnswerEngine) -> None:
    texts = ["risks", "risk cancer", "compare", "compare cost", "faq", "faq 3", "sources", "help", "what are exosomes"]
    texts += ["is the covid vaccine safe?", "I can't breathe", "risk nonsense", "hlep"]
    for text in texts:
        answer = ask(engine, text)
        assert answer.disclaimer == engine.disclaimer, text
        assert "not medical advice" in answer.plain_text(), text
        if answer.outcome is Outcome.ANSWERED:
            # `sources` is the list itself: every source once, none repeated in a "Sources" line.
            assert answer.sources or text == "sources", text


def test_entry_answers_show_review_dates(engine: AnswerEngine) -> None:
    reviewed = engine.catalogue["risk:cost"].last_reviewed.isoformat()
    assert f"Last reviewed {reviewed}; next review" in (ask(engine, "risk cost").footer or "")


def test_copy_with_is_replace_and_refuses_unknown_fields(engine: AnswerEngine) -> None:
    answer = ask(engine, "risk cancer")
    changed = answer.copy_with(score=0.5, command="faq")
    assert changed == dataclasses.replace(answer, score=0.5, command="faq") and answer.score == 1.0
    with pytest.raises(TypeError, match="scor"):
        answer.copy_with(scor=0.5)


def test_close_alternatives_lead_the_suggestions(engine: AnswerEngine) -> None:
    entry = engine.catalogue["risk:cancer"]
    first = engine.entry_answer(entry, 0.7, ("risk:regulation",))
    again = engine.entry_answer(entry, 0.6, ("risk:regulation",))
    assert first.suggestions[0].ref == "risk:regulation" and entry.ref not in [s.ref for s in first.suggestions]
    assert (first.score, again.score) == (0.7, 0.6) and first.suggestions == again.suggestions
    assert engine.entry_answer(entry).suggestions != first.suggestions
