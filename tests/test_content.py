"""The curated content: valid, complete against the article, cited, and in our own words."""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from pathlib import Path

import pytest

from core.content import MAX_BODY, REQUIRED_IDS, Catalogue, ContentError, Kind, load_catalogue
from tests.conftest import SEED_ARTICLE, run_exobot


def _all_text(catalogue: Catalogue) -> str:
    parts = []
    for e in catalogue.entries:
        parts += [e.title, e.summary, *e.paragraphs, e.exosome or "", e.stem_cell or ""]
    return " ".join(parts).lower()


def test_every_required_entry_exists(catalogue: Catalogue) -> None:
    refs = {e.ref for e in catalogue.entries}
    for kind, ids in REQUIRED_IDS.items():
        for eid in ids:
            assert f"{kind}:{eid}" in refs


def test_every_entry_is_cited_dated_and_fits_one_message(catalogue: Catalogue) -> None:
    for entry in catalogue.entries:
        assert entry.sources, entry.ref
        assert entry.next_review > entry.last_reviewed, entry.ref
        assert entry.last_reviewed <= dt.date.today(), entry.ref
        assert sum(len(p) for p in entry.paragraphs) <= MAX_BODY, entry.ref
        if entry.kind is Kind.COMPARE:
            assert entry.exosome and entry.stem_cell
        else:
            assert entry.paragraphs, entry.ref


ARTICLE_FACTS = {
    # fact from the article -> words that must appear in our content to carry it over
    "no long-term trial data": ["long-term", "trials"],
    "products skip FDA approval": ["fda", "approv"],
    "injection-site reactions": ["redness", "swelling", "pain"],
    "systemic reactions": ["fever", "tired", "anaphylaxis"],
    "higher risk from donor (allogeneic) sources": ["allogeneic"],
    "contamination by bacteria, viruses, fungi": ["bacteria", "viruses", "fungi"],
    "unscreened donated tissue": ["donated human tissue"],
    "cancer exosomes promote growth, invasion, metastasis": ["metastasis", "invade"],
    "undetected cancer could grow": ["not been found", "screening"],
    "no FDA-approved exosome product": ["has not approved any exosome product"],
    "FDA regards exosomes as drugs": ["drugs and biological products"],
    "unregulated clinics": ["unregulated clinics"],
    "cost thousands to tens of thousands, no insurance": ["tens of thousands", "insurance", "out of pocket"],
    "cargo varies with source, culture, isolation": ["how those cells were grown", "separated"],
    "batch-to-batch differences": ["batch"],
    "mechanisms unclear, potency assays": ["potency assays", "safety profile"],
    "short half-life, cleared by immune system": ["half-life", "immune system clears"],
    "what exosomes are: messengers carrying proteins, lipids, genetic material": ["proteins", "lipids", "genetic"],
    "used from anti-aging to orthopedics": ["anti-aging", "orthopedic"],
    "stem cells: teratoma risk": ["teratoma"],
    "stem cells: some autologous uses permitted": ["own cells are allowed"],
    "stem cells: living cells easier to characterize": ["easier to describe and check"],
    "stem cells may integrate and last longer": ["settle into the body"],
    "production from umbilical cords or stem cells": ["umbilical cords"],
    "high markup in unregulated market": ["markups"],
    "exosomes acellular, lower rejection risk": ["no living cells"],
    "consult a qualified professional, be wary of exaggerated claims": [
        "qualified health professional",
        "big promises",
    ],
    "future: standard isolation, mechanisms, quality control": ["standard ways to separate", "quality control"],
    "regulators must evolve without stifling innovation": ["without blocking new ideas"],
    "ISEV promotes best practice and ethical research": ["international society for extracellular vesicles", "ethical"],
    "disclaimer: informational only": ["not medical advice"],
    # Facts added from the FDA and ISEV, cited in content
    "Nebraska adverse events (FDA 2019)": ["nebraska"],
    "only approved stem cell products are cord-blood blood-forming cells (FDA 2020)": ["blood-forming stem cells"],
    "report to MedWatch, ask about IND (FDA 2020)": ["medwatch", "investigational new drug"],
    "MISEV guidelines are research guidance": ["misev"],
}


@pytest.mark.parametrize("fact", sorted(ARTICLE_FACTS))
def test_every_article_fact_is_carried_over(catalogue: Catalogue, fact: str) -> None:
    text = _all_text(catalogue) + " ".join(s.title + " " + s.publisher for s in catalogue.sources).lower()
    missing = [w for w in ARTICLE_FACTS[fact] if w not in text]
    assert not missing, f"{fact}: content never mentions {missing}"


def test_content_is_in_our_own_words(catalogue: Catalogue) -> None:
    """No run of eight words from the article appears in the content (citations of its title aside)."""
    if not SEED_ARTICLE.exists():
        pytest.skip("the seed article is not beside this checkout")

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {tuple(words[i : i + 8]) for i in range(len(words) - 7)}

    shared = shingles(SEED_ARTICLE.read_text(encoding="utf-8")) & shingles(_all_text(catalogue))
    assert not shared, f"copied phrases: {[' '.join(s) for s in list(shared)[:5]]}"


def test_sources_name_the_article_fda_and_isev(catalogue: Catalogue) -> None:
    ids = {s.id for s in catalogue.sources}
    assert {"article", "fda-2019", "fda-2020", "isev"} <= ids
    for source in catalogue.sources:
        assert source.url is None or source.url.startswith("https://")


MAX_GRADE, MAX_MEDIAN_GRADE = 8.0, 6.0
"""Flesch-Kincaid grades: health information aims at a reading age of 9 to 11."""


def test_answers_read_plainly(catalogue: Catalogue) -> None:
    import textstat  # pinned: later releases fetch a dictionary over the network on first use

    grades = {
        e.ref: textstat.flesch_kincaid_grade("\n\n".join(e.paragraphs)) for e in catalogue.entries if e.paragraphs
    }
    hard = {ref: grade for ref, grade in grades.items() if grade > MAX_GRADE}
    assert not hard, hard
    assert statistics.median(grades.values()) <= MAX_MEDIAN_GRADE


def test_cancer_message_is_one_message(catalogue: Catalogue) -> None:
    """Theoretical, from research on tumour cells' exosomes, not proven for products; ask the cancer doctor."""
    for ref in ("risk:cancer", "faq:cancer", "compare:cancer-risk"):
        entry = catalogue[ref]
        text = " ".join((*entry.paragraphs, entry.exosome or "")).lower()
        assert "theor" in text or "in theory" in text, ref
        assert re.search(r"tumou?r cells|cancer cells", text), ref
        assert "not a proven effect" in text or "has not been shown" in text, ref
    for ref in ("risk:cancer", "faq:cancer"):
        assert "cancer doctor" in " ".join(catalogue[ref].paragraphs)


def test_regulation_is_current_and_consistent(catalogue: Catalogue) -> None:
    text = _all_text(catalogue)
    assert "ryoncil" in text and "december 2024" in text
    assert "fda-ryoncil-2024" in {s.id for s in catalogue["risk:regulation"].sources}
    assert "outside trials" not in text and "outside of clinical trials" not in text
    assert "largely unregulated" not in text
    assert "drugs and biological products" in text and "most products on sale do not have it" in text


def test_the_article_is_cited_as_what_it_is(catalogue: Catalogue) -> None:
    article = next(s for s in catalogue.sources if s.id == "article")
    assert article.url is None and "disadvantages of exosomes" in article.title.lower()


def test_entries_the_issue_asks_for_answer_in_peoples_words(engine) -> None:
    for question, ref in [
        ("is the exosome serum ok after microneedling", "faq:skin-and-hair"),
        ("exosomes vs prp which is better", "faq:prp"),
        ("whose cells are they made from", "faq:origin"),
        ("how do i report the clinic that hurt me", "faq:report-harm"),
        ("how do i find a real exosome trial", "faq:clinical-trials"),
        ("what should i ask the clinic before i book", "faq:questions-for-clinic"),
        ("clinic says exosomes cure autism, legit or scam?", "faq:clinic-claims"),
        ("im pregnant, can i get exosomes", "faq:personal-situation"),
    ]:
        assert engine.answer(question).ref == ref, question


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_a_bad_file_reports_every_error_at_once(content_copy: Path) -> None:
    risks = (content_copy / "risks.yaml").read_text(encoding="utf-8")
    risks = risks.replace("  - id: efficacy\n", "  - id: Efficacy Bad\n", 1)
    risks = risks.replace("sources: [article, fda-2019]\n", "sources: [article, nowhere]\n", 1)
    risks = risks.replace("    aliases: [cost, price", "    colour: blue\n    aliases: [cost, price", 1)
    _write(content_copy, "risks.yaml", risks)
    _write(content_copy, "broken.yaml", "kind: faq\nentries: [unclosed\n")
    with pytest.raises(ContentError) as caught:
        load_catalogue(content_copy)
    messages = [str(p) for p in caught.value.problems]
    assert any("broken.yaml" in m and "not valid YAML" in m for m in messages)
    assert any("[Efficacy Bad] id" in m for m in messages)
    assert any("unknown source id 'nowhere'" in m for m in messages)
    assert any("[cost] colour: unknown field" in m for m in messages)
    assert any("required entry risk:efficacy is missing" in m for m in messages)
    assert len(messages) >= 5


def test_missing_fields_and_bad_dates_are_named(content_copy: Path) -> None:
    _write(
        content_copy,
        "extra.yaml",
        "kind: topic\nentries:\n  - id: extra\n    title: Extra\n    summary: |\n      two\n      lines\n"
        "    sources: [article]\n    last_reviewed: 2026-13-01\n    next_review: 2026-01-01\n",
    )
    with pytest.raises(ContentError) as caught:
        load_catalogue(content_copy)
    messages = [str(p) for p in caught.value.problems]
    assert "extra.yaml [extra] body: required text is missing or empty" in messages
    assert "extra.yaml [extra] summary: must be one line" in messages
    assert any("[extra] last_reviewed: '2026-13-01' is not a date" in m for m in messages)


def test_an_entry_without_sources_or_reviewed_in_the_future_is_refused(content_copy: Path) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    faq = (content_copy / "faq.yaml").read_text(encoding="utf-8")
    faq = re.sub(r"(  - id: cost\n(?:    .*\n|      .*\n|\n)*?)    sources: \[[^\]]*\]\n", r"\1", faq, count=1)
    faq = faq.replace("  - id: safety\n", f"  - id: safety\n    last_reviewed: {tomorrow}\n", 1)
    _write(content_copy, "faq.yaml", faq)
    with pytest.raises(ContentError) as caught:
        load_catalogue(content_copy)
    messages = [str(p) for p in caught.value.problems]
    assert any("[cost] sources" in m for m in messages), messages
    assert any("[safety] last_reviewed" in m and "in the future" in m for m in messages), messages


def test_content_check_command_exits_1_listing_every_error(content_copy: Path) -> None:
    _write(content_copy, "broken.yaml", "kind: nonsense\nentries: []\n")
    faq = (
        (content_copy / "faq.yaml").read_text(encoding="utf-8").replace("    title: Is exosome therapy safe?\n", "", 1)
    )
    _write(content_copy, "faq.yaml", faq)
    result = run_exobot("content", "check", env={"EXOBOT_CONTENT_DIR": str(content_copy)})
    assert result.returncode == 1
    assert "broken.yaml kind: must be one of" in result.stderr
    assert "faq.yaml [safety] title: required text is missing or empty" in result.stderr
    assert "2 problems found." in result.stderr


def test_content_check_and_list_pass_on_shipped_content() -> None:
    check = run_exobot("content", "check")
    assert check.returncode == 0, check.stderr
    assert "content OK" in check.stdout
    listing = run_exobot("content", "list", "--json")
    rows = json.loads(listing.stdout)
    refs = {r["ref"] for r in rows}
    assert {"risk:cancer", "compare:cost", "faq:safety", "topic:overview", "list:risks"} <= refs
    assert all(r["title"] for r in rows)


def test_an_installed_copy_finds_its_content_without_the_checkout(tmp_path: Path) -> None:
    """The package data, not the working directory, is where shipped content comes from."""
    result = run_exobot("ask", "--json", "what are exosomes", env={"EXOBOT_CONTENT_DIR": ""})
    assert json.loads(result.stdout)["match"] == "topic:overview"
