"""The curated catalogue: typed entries loaded from ``content/*.yaml`` and validated on load.

A bad file never half-loads: every problem in every file is collected and raised at once, so a content
editor fixes them in one pass and the bot refuses to start with broken content.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from core import yamlfiles
from core.text import plural

CONTENT_DIR_ENV = "EXOBOT_CONTENT_DIR"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

MAX_TITLE = 150  # Slack header blocks stop at 150 characters.
MAX_SUMMARY = 200
MAX_BODY = 1500  # One chat message on every platform, with room for sources and disclaimer.
MAX_ROW = 500


class Kind(StrEnum):
    RISK = "risk"
    COMPARE = "compare"
    FAQ = "faq"
    TOPIC = "topic"
    LIST = "list"


REQUIRED_IDS: Mapping[Kind, tuple[str, ...]] = {
    Kind.RISK: (
        "efficacy", "immune-reactions", "infection", "cancer", "regulation",
        "cost", "standardization", "mechanisms", "half-life",
    ),
    Kind.COMPARE: (
        "source-risks", "cancer-risk", "purity", "immune-reaction", "regulatory-status", "cost", "longevity",
    ),
    Kind.FAQ: (
        "safety", "cancer", "cost", "unregulated-products", "vs-stem-cells", "duration", "considering-treatment",
        "prp", "skin-and-hair", "origin", "report-harm", "clinical-trials", "questions-for-clinic", "clinic-claims",
        "personal-situation",
    ),
    Kind.TOPIC: ("overview", "outlook", "sources", "disclaimer", "emergency", "crisis"),
    Kind.LIST: ("risks", "compare", "faq", "topics"),
}  # fmt: skip
"""Ids that adapters, tests and the question log refer to as ``kind:id``; removing one is an error."""
ALARM_ENTRIES = ("topic:emergency", "topic:crisis")
ALARM_PLACEHOLDERS = ("emergency_number", "crisis_line")
"""The alarm entries' bodies name this deployment's numbers as ``{emergency_number}`` and ``{crisis_line}``."""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str | None = None
    date: dt.date | None = None
    note: str | None = None
    short: str | None = None
    """A few words that name it in a list of sources under an answer ("FDA, 2019")."""
    group: str = ""
    """Where `sources` lists it ("Europe and the UK"): one heading per group keeps the list short."""

    def short_name(self) -> str:
        return self.short or self.title

    def citation(self) -> str:
        """One plain-text line naming the source, as a reader would cite it."""
        return f"{self.title}. {self.details()}"

    def details(self) -> str:
        """Everything but the title: publisher, date and address."""
        parts = [
            self.publisher,
            *([self.date.isoformat()] if self.date else []),
            *([self.url] if self.url else []),
        ]
        return ". ".join(parts)


@dataclass(frozen=True)
class Entry:
    kind: Kind
    id: str
    title: str
    summary: str
    sources: tuple[Source, ...]
    last_reviewed: dt.date
    next_review: dt.date
    paragraphs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    exosome: str | None = None
    """Compare rows only: what the row says of exosome therapy."""
    stem_cell: str | None = None
    """Compare rows only: what the row says of stem cell therapy."""

    @functools.cached_property
    def ref(self) -> str:
        """``kind:id``, the name answers and the log use. Kept: every matched question asks for it."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]
    sources: tuple[Source, ...]
    _by_ref: Mapping[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_ref", {e.ref: e for e in self.entries})

    def get(self, ref: str) -> Entry | None:
        return self._by_ref.get(ref)

    def __getitem__(self, ref: str) -> Entry:
        return self._by_ref[ref]

    def of_kind(self, kind: Kind) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind is kind)

    def overdue(self, today: dt.date | None = None) -> list[Entry]:
        """Entries whose next review date has come."""
        today = today or dt.date.today()
        return [e for e in self.entries if e.next_review <= today]


@dataclass(frozen=True)
class ContentProblem:
    file: str
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f" [{self.entry}]" if self.entry else "") + (f" {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found, never just the first."""

    def __init__(self, problems: Iterable[ContentProblem]) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{plural(len(self.problems), 'content problem')}:\n{listing}")


_ENTRY_FIELDS = {
    "common": {
        "id",
        "title",
        "summary",
        "sources",
        "last_reviewed",
        "next_review",
        "aliases",
        "keywords",
        "questions",
    },
    Kind.COMPARE: {"exosome", "stem_cell"},
    "prose": {"body"},
}
_SOURCE_FIELDS = {"id", "title", "publisher", "url", "date", "note", "short", "group"}


def default_content_dir() -> Traversable:
    """Where content lives: ``EXOBOT_CONTENT_DIR`` if set, else the copy shipped with the package."""
    override = os.environ.get(CONTENT_DIR_ENV)
    if override:
        return Path(override)
    return resources.files("exobot_content")


def load_catalogue(directory: Traversable | None = None, cache_dir: Path | None = None) -> Catalogue:
    """Read and validate every ``*.yaml`` file in directory; raise ContentError listing all problems.

    cache_dir, if given, keeps parsed copies of the files (see core.yamlfiles) to speed up the next start.
    """
    directory = directory or default_content_dir()
    if not directory.is_dir():
        raise ContentError([ContentProblem(str(directory), None, None, "content directory not found")])
    documents: list[tuple[str, Any]] = []
    problems: list[ContentProblem] = []
    for item in sorted(directory.iterdir(), key=lambda t: t.name):
        if not item.name.endswith((".yaml", ".yml")):
            continue
        try:
            documents.append((item.name, yamlfiles.parse(item.read_text(encoding="utf-8"), cache_dir)))
        except yamlfiles.YamlError as exc:
            problems.append(ContentProblem(item.name, None, None, f"not valid YAML: {exc}"))
    return _Validator(problems).build(documents)


class _Validator:
    """Turns parsed YAML documents into a Catalogue, recording problems instead of stopping at the first."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        self.attempted: set[str] = set()
        """Every kind:id seen, valid or not, so a broken entry is not also reported as missing."""

    def build(self, documents: list[tuple[str, Any]]) -> Catalogue:
        source_docs = [(n, d) for n, d in documents if isinstance(d, dict) and d.get("kind") == "source"]
        entry_docs = [(n, d) for n, d in documents if (n, d) not in source_docs]
        sources = {s.id: s for name, doc in source_docs for s in self._sources(name, doc)}
        entries = [e for name, doc in entry_docs for e in self._entries(name, doc, sources)]
        self._check_catalogue(entries, sources)
        if self.problems:
            raise ContentError(self.problems)
        return Catalogue(tuple(entries), tuple(sources.values()))

    def _problem(self, file: str, entry: str | None, field_name: str | None, message: str) -> None:
        self.problems.append(ContentProblem(file, entry, field_name, message))

    def _items(self, file: str, doc: Any) -> list[Any]:
        if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
            self._problem(file, None, "entries", "the file needs a `kind` and a list of `entries`")
            return []
        return list(doc["entries"])

    def _sources(self, file: str, doc: Any) -> Iterable[Source]:
        for i, raw in enumerate(self._items(file, doc)):
            if not isinstance(raw, dict):
                self._problem(file, f"#{i + 1}", None, "each source must be a mapping")
                continue
            sid = str(raw.get("id", f"#{i + 1}"))
            self._unknown_fields(file, sid, raw, _SOURCE_FIELDS)
            title, publisher, group = (
                self._text(file, sid, raw, "title", 300),
                self._text(file, sid, raw, "publisher", 300),
                self._text(file, sid, raw, "group", 60),
            )
            url = raw.get("url")
            if url is not None and not (isinstance(url, str) and url.startswith("https://")):
                self._problem(file, sid, "url", "must be an https:// address")
                url = None
            date = self._date(file, sid, raw, "date", required=False)
            if self._slug(file, sid, raw) and title and publisher and group:
                yield Source(sid, title, publisher, url, date, raw.get("note"), raw.get("short"), group)

    def _entries(self, file: str, doc: Any, sources: Mapping[str, Source]) -> Iterable[Entry]:
        try:
            kind = Kind(str(doc.get("kind"))) if isinstance(doc, dict) else None
        except ValueError:
            kind = None
        if kind is None:
            self._problem(file, None, "kind", f"must be one of: {', '.join(k.value for k in Kind)}, source")
            return
        defaults = doc.get("defaults") or {}
        for i, raw in enumerate(self._items(file, doc)):
            if not isinstance(raw, dict):
                self._problem(file, f"#{i + 1}", None, "each entry must be a mapping")
                continue
            entry = self._entry(file, kind, {**defaults, **raw}, sources, f"#{i + 1}")
            if entry:
                yield entry

    def _entry(
        self, file: str, kind: Kind, raw: dict[str, Any], sources: Mapping[str, Source], pos: str
    ) -> Entry | None:
        before = len(self.problems)
        eid = str(raw.get("id", pos))
        self.attempted.add(f"{kind}:{eid}")
        allowed = _ENTRY_FIELDS["common"] | (_ENTRY_FIELDS[kind] if kind is Kind.COMPARE else _ENTRY_FIELDS["prose"])
        self._unknown_fields(file, eid, raw, allowed)
        self._slug(file, eid, raw)
        title = self._text(file, eid, raw, "title", MAX_TITLE)
        summary = self._text(file, eid, raw, "summary", MAX_SUMMARY)
        if "\n" in summary.strip():
            self._problem(file, eid, "summary", "must be one line")
        paragraphs: tuple[str, ...] = ()
        exosome = stem_cell = None
        if kind is Kind.COMPARE:
            exosome = self._text(file, eid, raw, "exosome", MAX_ROW)
            stem_cell = self._text(file, eid, raw, "stem_cell", MAX_ROW)
        else:
            body = self._text(file, eid, raw, "body", MAX_BODY)
            paragraphs = tuple(" ".join(p.split()) for p in body.split("\n\n") if p.strip())
        cited = self._string_list(file, eid, raw, "sources", required=True)
        for sid in cited:
            if sid not in sources:
                self._problem(file, eid, "sources", f"unknown source id {sid!r}")
        last = self._date(file, eid, raw, "last_reviewed", required=True)
        nxt = self._date(file, eid, raw, "next_review", required=True)
        if last and nxt and nxt <= last:
            self._problem(file, eid, "next_review", "must be after last_reviewed")
        if last and last > dt.date.today():
            self._problem(file, eid, "last_reviewed", f"{last.isoformat()} is in the future")
        if len(self.problems) > before or last is None or nxt is None:
            return None
        return Entry(
            kind=kind, id=eid, title=title, summary=summary.strip(),
            sources=tuple(sources[s] for s in cited), last_reviewed=last, next_review=nxt,
            paragraphs=paragraphs,
            aliases=self._string_list(file, eid, raw, "aliases"),
            keywords=self._string_list(file, eid, raw, "keywords"),
            questions=self._string_list(file, eid, raw, "questions"),
            exosome=exosome, stem_cell=stem_cell,
        )  # fmt: skip

    def _unknown_fields(self, file: str, eid: str, raw: Mapping[str, Any], allowed: set[str]) -> None:
        for name in sorted(set(raw) - allowed):
            self._problem(file, eid, name, f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def _slug(self, file: str, eid: str, raw: Mapping[str, Any]) -> bool:
        value = raw.get("id")
        if not isinstance(value, str) or not _SLUG.match(value):
            self._problem(file, eid, "id", "required; lower-case words joined by hyphens, like `half-life`")
            return False
        return True

    def _text(self, file: str, eid: str, raw: Mapping[str, Any], name: str, limit: int) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            self._problem(file, eid, name, "required text is missing or empty")
            return ""
        if len(value) > limit:
            self._problem(file, eid, name, f"is {len(value)} characters; the limit is {limit}")
        return value

    def _string_list(
        self, file: str, eid: str, raw: Mapping[str, Any], name: str, required: bool = False
    ) -> tuple[str, ...]:
        value = raw.get(name)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self._problem(file, eid, name, "must be a non-empty list of text items")
            return ()
        return tuple(value)

    def _date(self, file: str, eid: str, raw: Mapping[str, Any], name: str, required: bool) -> dt.date | None:
        value = raw.get(name)
        if value is None:
            if required:
                self._problem(file, eid, name, "required date is missing (YYYY-MM-DD)")
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self._problem(file, eid, name, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def _check_catalogue(self, entries: list[Entry], sources: Mapping[str, Source]) -> None:
        if not sources:
            self._problem("sources.yaml", None, None, "no sources defined (a file with `kind: source`)")
        seen: dict[str, Entry] = {}
        aliases: dict[tuple[Kind, str], str] = {}
        for entry in entries:
            if entry.ref in seen:
                self._problem(entry.kind.value, entry.id, "id", f"duplicate id {entry.ref}")
            seen[entry.ref] = entry
            for alias in entry.aliases:
                key = (entry.kind, alias.lower())
                if key in aliases and aliases[key] != entry.id:
                    self._problem(
                        entry.kind.value,
                        entry.id,
                        "aliases",
                        f"alias {alias!r} is also used by {aliases[key]}",
                    )
                aliases[key] = entry.id
        for ref in ALARM_ENTRIES:
            alarm = seen.get(ref)
            try:
                for paragraph in alarm.paragraphs if alarm else ():
                    paragraph.format_map(dict.fromkeys(ALARM_PLACEHOLDERS, ""))
            except (KeyError, ValueError, IndexError) as exc:
                allowed = " and ".join(f"{{{name}}}" for name in ALARM_PLACEHOLDERS)
                self._problem("topics.yaml", ref, "body", f"only {allowed} may be filled in ({exc})")
        for kind, ids in REQUIRED_IDS.items():
            for eid in ids:
                if f"{kind}:{eid}" not in self.attempted:
                    self._problem(kind.value, eid, None, f"required entry {kind}:{eid} is missing")
