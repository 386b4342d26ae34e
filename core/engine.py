"""Turns a Request into an Answer, without touching the disk or the network.

Pure and synchronous on purpose: it is the hot path every adapter shares, it is what the benchmarks
measure, and keeping I/O out means an answer never waits for the question log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.answers import Alarm, Answer, Field, Outcome, Suggestion
from core.commands import Command, CommandName, parse
from core.content import MAX_TITLE, Catalogue, Entry, Kind, load_catalogue
from core.emergency import alarm_for
from core.matching import Matcher
from core.settings import Settings
from core.smalltalk import Chat, small_talk
from core.text import MAX_QUESTION_CHARS, truncate

DEFAULT_EMERGENCY = "your local emergency number (911 in the US and Canada, 999 in the UK, 112 in the EU)"
DEFAULT_CRISIS_LINE = (
    "988, the Suicide & Crisis Lifeline, by call or text in the US; Samaritans free on 116 123 in the UK and "
    "Ireland; or your local emergency number anywhere else"
)
_LOOKUP_CUTOFF = 88
"""A name this close to exactly one entry is answered directly, python-discord tag style."""
_SUGGEST_CUTOFF = 65
"""Below this a "did you mean" would be a guess, and guesses confuse more than they help."""
_LISTINGS = {Kind.RISK: "list:risks", Kind.COMPARE: "list:compare", Kind.FAQ: "list:faq", Kind.TOPIC: "list:topics"}
_NOUN_OF_KIND = {Kind.RISK: "a risk", Kind.COMPARE: "a comparison", Kind.FAQ: "a question", Kind.TOPIC: "a topic"}
_COMMAND_OF_KIND = {Kind.RISK: "risk", Kind.COMPARE: "compare", Kind.FAQ: "faq", Kind.TOPIC: "topic"}


@dataclass(frozen=True)
class EnginePolicy:
    """The settings that shape answers (not how the bot runs)."""

    emergency_number: str | None = None
    crisis_line: str | None = None
    retention_days: int = 90
    store_text: bool = True


class AnswerEngine:
    """Answers questions from one catalogue; build a new engine to swap content atomically."""

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerEngine:
        """The engine for the configured content and policy; raises ContentError for bad content."""
        policy = EnginePolicy(
            emergency_number=settings.emergency_number,
            crisis_line=settings.crisis_line,
            retention_days=settings.retention_days,
            store_text=settings.store_text,
        )
        return cls(load_catalogue(settings.content_dir, cache_dir=settings.data_dir / "cache"), policy)

    def __init__(self, catalogue: Catalogue, policy: EnginePolicy | None = None) -> None:
        self.catalogue = catalogue
        self.policy = policy or EnginePolicy()
        self.matcher = Matcher(catalogue)
        self.disclaimer = catalogue["topic:disclaimer"].paragraphs[0]
        faq_numbers = {e.ref: i for i, e in enumerate(catalogue.of_kind(Kind.FAQ), 1)}
        self._suggestions = {e.ref: _suggestion_for(e, faq_numbers) for e in catalogue.entries}
        # Every name `risk <name>` and friends accept, per kind: id, aliases and title, lower-cased.
        self._names = {
            kind: {n.lower(): e for e in catalogue.of_kind(kind) for n in (e.id, *e.aliases, e.title)}
            for kind in _COMMAND_OF_KIND
        }
        # Answers depend only on content, so each is built once, on first use.
        self._related: dict[str, tuple[str, ...]] = {}
        self._entry_answers: dict[str, Answer] = {}
        self._listings: dict[Kind, Answer] = {}
        self._handlers: dict[CommandName, Callable[[str], Answer]] = {
            CommandName.RISKS: lambda _: self._listing(Kind.RISK),
            CommandName.RISK: lambda arg: self._lookup(Kind.RISK, arg),
            CommandName.COMPARE: lambda arg: self._lookup(Kind.COMPARE, arg),
            CommandName.FAQ: self._faq,
            CommandName.TOPIC: lambda arg: self._lookup(Kind.TOPIC, arg),
            CommandName.SOURCES: lambda _: self._sources(),
            CommandName.HELP: lambda _: self.help(),
        }

    # -- entry point -------------------------------------------------------------------------------

    def answer(self, text: str) -> Answer:
        """The answer to text already passed through ``core.text.clean``. Never raises for any text."""
        return self.answer_parsed(text, parse(text))

    def answer_parsed(self, text: str, command: Command) -> Answer:
        """``answer_text`` for a caller that has parsed text already (the service does, to route log commands)."""
        if len(text) > MAX_QUESTION_CHARS:
            return self._rejected(
                "That message is too long",
                f"Please keep questions under {MAX_QUESTION_CHARS} characters; yours has {len(text)}. "
                "Short questions get the best answers.",
            )
        if command.name is CommandName.ASK and not command.argument.strip("?!. "):
            return self._rejected(
                "Ask me something", "Type a question about exosome therapy, or `help` to see what I can do."
            )
        alarm = alarm_for(text)
        if alarm is not None:
            return self._alarm(alarm, command)
        return self.answer_command(command)

    def answer_command(self, command: Command) -> Answer:
        """The answer to a parsed content command (the ones that need no question log)."""
        handler = self._handlers.get(command.name)
        if handler is not None:
            return handler(command.argument).copy_with(command=command.name.value)
        if command.name is CommandName.ASK:
            return self._ask(command)
        return self._rejected("Not available here", f"`{command.name}` needs the question log, which is not running.")

    def complete(self, kind: Kind, partial: str, limit: int = 25) -> list[Suggestion]:
        """Entries of kind for a half-typed name, best first: slash-command autocomplete on any platform.

        Empty input lists every entry in content order; otherwise names, aliases and titles are ranked by
        how well they match, so "canc" and "tumor" both bring up the cancer entry.
        """
        entries = self.catalogue.of_kind(kind)
        key = partial.strip().lower()
        if not key:
            return [self._suggestion(e.ref) for e in entries[:limit]]
        from rapidfuzz import fuzz

        def score(entry: Entry) -> float:
            names = (entry.id, entry.title, *entry.aliases)
            prefix = 100.0 if any(n.lower().startswith(key) for n in names) else 0.0
            return max(prefix, *(fuzz.WRatio(key, n.lower()) for n in names))

        ranked = sorted(((score(e), i, e) for i, e in enumerate(entries)), key=lambda t: (-t[0], t[1]))
        return [self._suggestion(e.ref) for s, _, e in ranked if s >= 50][:limit]

    # -- answers -------------------------------------------------------------------------------------

    def entry_answer(self, entry: Entry, score: float = 1.0, also: Sequence[str] = ()) -> Answer:
        """The full answer for one entry, with the matcher's close alternatives first among suggestions."""
        if entry.kind is Kind.LIST:
            base = self._listing(next(k for k, ref in _LISTINGS.items() if ref == entry.ref))
        else:
            found = self._entry_answers.get(entry.ref)
            if found is None:
                found = self._entry_answers[entry.ref] = self._build_entry_answer(entry)
            base = found
        if also and entry.kind is not Kind.LIST:
            related = tuple(dict.fromkeys((*also, *self._related_to(entry))))[:3]
            base = base.copy_with(suggestions=tuple(self._suggestion(r) for r in related if r != entry.ref))
        return base if score == base.score else base.copy_with(score=score)

    def _build_entry_answer(self, entry: Entry) -> Answer:
        fields: tuple[Field, ...] = ()
        if entry.kind is Kind.COMPARE:
            fields = (
                Field("Exosome therapy", entry.exosome or ""),
                Field("Stem cell therapy", entry.stem_cell or ""),
            )
        return Answer(
            title=entry.title,
            paragraphs=entry.paragraphs or (entry.summary,),
            fields=fields,
            sources=entry.sources,
            disclaimer=self.disclaimer,
            suggestions=tuple(self._suggestion(r) for r in self._related_to(entry)),
            ref=entry.ref,
            score=1.0,
            footer=f"Last reviewed {entry.last_reviewed.isoformat()}; next review {entry.next_review.isoformat()}.",
        )

    def _ask(self, command: Command) -> Answer:
        chat = small_talk(command.argument)
        if chat is not None:
            return self._small_talk(chat)
        match = self.matcher.match(command.argument)
        if match.ref is not None:
            return self.entry_answer(self.catalogue[match.ref], match.score, match.runners_up)
        near_miss = command.near_miss()
        if near_miss is not None:
            return self._unknown_command(near_miss.value)
        return self._out_of_scope.copy_with(score=match.score)

    @functools.cached_property
    def _out_of_scope(self) -> Answer:
        return Answer(
            title="I can't answer that one",
            paragraphs=(
                "I can only answer questions about the risks and downsides of exosome therapy, from curated "
                "sources. I didn't find that in what I know.",
                "Try one of the topics below, or type `help`. Moderators review unanswered questions to "
                "decide what to add.",
            ),
            sources=self.catalogue["topic:sources"].sources[:1],
            suggestions=tuple(self._suggestion(r) for r in ("list:risks", "faq:safety", "faq:considering-treatment")),
            disclaimer=self.disclaimer,
            outcome=Outcome.UNANSWERED,
        )

    def _unknown_command(self, guess: str) -> Answer:
        return Answer(
            title="I don't know that command",
            paragraphs=(f"Did you mean `{guess}`?", "Type `help` to see every command."),
            suggestions=(Suggestion(f"command:{guess}", guess, guess),),
            disclaimer=self.disclaimer,
            outcome=Outcome.UNANSWERED,
        )

    def _lookup(self, kind: Kind, name: str) -> Answer:
        """``risk <name>`` / ``compare <aspect>``: exact name, close name, free text, then "did you mean"."""
        if not name:
            return self._listing(kind)
        names = self._names[kind]
        key = name.lower().strip(" ?!.")
        if key in names:
            return self.entry_answer(names[key])
        from rapidfuzz import fuzz, process  # deferred like the matcher's: exact names need no fuzzy search

        close = process.extract(key, list(names), scorer=fuzz.WRatio, score_cutoff=_SUGGEST_CUTOFF, limit=10)
        candidates = list(dict.fromkeys(names[n].ref for n, _, _ in close))
        if (
            close
            and close[0][1] >= _LOOKUP_CUTOFF
            and len({names[n].ref for n, s, _ in close if s >= _LOOKUP_CUTOFF}) == 1
        ):
            return self.entry_answer(names[close[0][0]], close[0][1] / 100)
        match = self.matcher.match(name, kinds=(kind,))
        if match.ref is not None:
            return self.entry_answer(self.catalogue[match.ref], match.score)
        listing = self._listing(kind)
        command = _COMMAND_OF_KIND[kind]
        hint = "Did you mean one of these?" if candidates else f"Here is everything `{command}` knows about."
        return listing.copy_with(
            title=truncate(f"I don't have {_NOUN_OF_KIND[kind]} called “{name}”", MAX_TITLE),
            paragraphs=(hint,),
            suggestions=tuple(self._suggestion(r) for r in candidates[:3]) or listing.suggestions,
            outcome=Outcome.UNANSWERED,
            ref=None,
        )

    def _faq(self, argument: str) -> Answer:
        if argument.strip().isdigit():
            faqs = self.catalogue.of_kind(Kind.FAQ)
            number = int(argument)
            if 1 <= number <= len(faqs):
                return self.entry_answer(faqs[number - 1])
            return self._listing(Kind.FAQ).copy_with(
                title=f"There is no FAQ number {number}",
                paragraphs=(f"Pick a number from 1 to {len(faqs)}.",),
                outcome=Outcome.UNANSWERED,
                ref=None,
            )
        return self._lookup(Kind.FAQ, argument)

    def _related_to(self, entry: Entry) -> tuple[str, ...]:
        if entry.ref not in self._related:
            # With nothing close, the list of risks is still the most useful next step.
            fallback = ("list:risks",) if entry.ref != "list:risks" else ()
            self._related[entry.ref] = self.matcher.related(entry) or fallback
        return self._related[entry.ref]

    def _listing(self, kind: Kind) -> Answer:
        if kind not in self._listings:
            self._listings[kind] = self._build_listing(kind)
        return self._listings[kind]

    def _build_listing(self, kind: Kind) -> Answer:
        listing = self.catalogue[_LISTINGS[kind]]
        entries = self.catalogue.of_kind(kind)
        if kind is Kind.COMPARE:
            fields = tuple(
                Field(e.title, f"Exosome therapy: {e.exosome}\nStem cell therapy: {e.stem_cell}", inline=False)
                for e in entries
            )
        else:
            number = kind is Kind.FAQ
            fields = tuple(
                Field(f"{i}. {e.title}" if number else e.title, e.summary, inline=False)
                for i, e in enumerate(entries, 1)
            )
        return Answer(
            title=listing.title,
            paragraphs=listing.paragraphs,
            fields=fields,
            sources=tuple(dict.fromkeys(s for e in entries for s in e.sources)),
            suggestions=tuple(self._suggestion(e.ref) for e in entries),
            disclaimer=self.disclaimer,
            ref=listing.ref,
            score=1.0,
        )

    def _sources(self) -> Answer:
        """Every source once, under its group's heading; the list is the citation, so no "Sources" line."""
        topic = self.catalogue["topic:sources"]
        groups: dict[str, list[str]] = {}
        for source in self.catalogue.sources:
            dated = f" ({source.date.year})" if source.date else ""
            groups.setdefault(source.group, []).append(f"• {source.title}{dated} {source.url or ''}".rstrip())
        return self.entry_answer(topic).copy_with(
            fields=tuple(Field(group, "\n".join(lines), inline=False) for group, lines in groups.items()),
            sources=(),
        )

    def help(self) -> Answer:
        """What the bot does, every command, and how questions are logged."""
        days = self.policy.retention_days
        stored = "your question, the answer topic" if self.policy.store_text else "the answer topic (not your words)"
        examples = (
            Field("/exosome risks", "The main downsides, one by one."),
            Field("/exosome risk cancer", "One risk in detail (try: cost, infection, half-life)."),
            Field("/exosome compare cost", "Exosome vs stem cell therapy, one aspect or all."),
            Field("/exosome faq 2", "A frequently asked question, by number or words."),
            Field("/exosome ask can this make cancer worse?", "Any question, in your own words."),
            Field("/exosome sources", "Where the information comes from."),
            Field("/exosome my-data", "See what the log holds about you."),
            Field("/exosome forget-me", "Delete everything the log holds about you."),
        )
        return Answer(
            title="exobot: the risks of exosome therapy, with sources",
            paragraphs=(
                "I answer questions about the risks and downsides of exosome therapy from curated, cited "
                "sources. I give general information, never personal medical advice.",
                f"Questions are logged so moderators can improve the answers: {stored}, the platform and "
                f"channel, and a scrambled (pseudonymous) form of your user id. Entries are deleted after "
                f"{days} days.",
                "If you are having a severe reaction right now, call " + self._emergency_number() + ".",
            ),
            fields=examples,
            sources=self.catalogue["topic:sources"].sources,
            disclaimer=self.disclaimer,
            score=1.0,
        )

    def _alarm(self, alarm: Alarm, command: Command) -> Answer:
        """Help first: the emergency or crisis entry, with this deployment's numbers filled in."""
        entry = self.catalogue[f"topic:{alarm.value}"]
        numbers = {"emergency_number": self._emergency_number(), "crisis_line": self._crisis_line()}
        related = ("risk:immune-reactions", "risk:infection") if alarm is Alarm.EMERGENCY else ()
        return Answer(
            title=entry.title,
            paragraphs=tuple(p.format_map(numbers) for p in entry.paragraphs),
            sources=entry.sources,
            suggestions=tuple(self._suggestion(r) for r in related),
            disclaimer=self.disclaimer,
            score=1.0,
            alarm=alarm,
            command=command.name.value,
        )

    def _small_talk(self, chat: Chat) -> Answer:
        """A short, friendly reply with what exobot can do; logged as small talk, not as a miss."""
        greeting = {
            Chat.GREETING: "Hi! I'm exobot.",
            Chat.THANKS: "You're welcome.",
            Chat.GOODBYE: "Take care.",
            Chat.OK: "Okay.",
            Chat.WHO: "I'm exobot, a bot, not a person.",
        }[chat]
        return Answer(
            title=greeting,
            paragraphs=(
                "I answer questions about the risks and downsides of exosome therapy, with sources. Ask me "
                "anything in your own words, or pick a topic below.",
                "If you are having a severe reaction right now, call " + self._emergency_number() + ".",
            ),
            suggestions=tuple(self._suggestion(r) for r in ("list:risks", "faq:safety", "list:faq")),
            disclaimer=self.disclaimer,
            outcome=Outcome.SMALL_TALK,
        )

    def _emergency_number(self) -> str:
        return self.policy.emergency_number or DEFAULT_EMERGENCY

    def _crisis_line(self) -> str:
        return self.policy.crisis_line or DEFAULT_CRISIS_LINE

    def _rejected(self, title: str, message: str) -> Answer:
        return Answer(
            title=title,
            paragraphs=(message,),
            disclaimer=self.disclaimer,
            outcome=Outcome.REJECTED,
            suggestions=(self._suggestion("list:risks"),),
        )

    def _suggestion(self, ref: str) -> Suggestion:
        return self._suggestions[ref]


def _suggestion_for(entry: Entry, faq_numbers: Mapping[str, int]) -> Suggestion:
    """How to ask for entry again: the command a button or select option runs."""
    if entry.kind is Kind.LIST:
        command = entry.id
    elif entry.kind is Kind.FAQ:
        command = f"faq {faq_numbers[entry.ref]}"
    elif entry.ref == "topic:sources":
        command = "sources"
    elif entry.kind is Kind.TOPIC:
        command = f"topic {entry.id}"
    else:
        command = f"{entry.kind} {entry.id}"
    return Suggestion(entry.ref, entry.title, command)
