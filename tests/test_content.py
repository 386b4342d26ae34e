"""The curated content: valid, complete against the article, cited, and in our own words."""

from __future__ import annotations

import datetime as dt
import json
import re
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
    assert "2 problem(s) found." in result.stderr


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
