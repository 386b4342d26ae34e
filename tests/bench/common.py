"""What every benchmark reports: a figure, its unit and the goal it is held to."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    goal: str = ""
    ok: bool | None = None

    def line(self) -> str:
        mark = {True: "ok  ", False: "MISS", None: "    "}[self.ok]
        shown = f"{self.value:>12,.2f}" if self.unit == "ratio" else f"{self.value:>12,.1f}"
        return f"{mark} {self.name:<58} {shown} {self.unit:<10} {self.goal}"


def mixed_questions() -> list[str]:
    """The evaluation questions, in-scope and off-topic, plus commands: what real traffic looks like."""
    questions: list[str] = []
    for name in ("eval_questions.yaml", "eval_holdout.yaml"):
        data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
        questions += [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"])
    questions += ["risks", "risk cancer", "compare", "compare cost", "faq", "faq 3", "sources", "help"]
    questions += ["I can't breathe after my shot", "hlep", "x" * 600, ""]
    return questions


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def paired_ratio(ours: list[float], base: list[float]) -> float:
    """Median of ours/base over runs made back to back.

    This VM's speed drifts by up to 2x within minutes; a run and its neighbour share the same
    conditions, so the ratio of each pair cancels the drift that a ratio of two medians keeps.
    """
    return statistics.median(o / b for o, b in zip(ours, base, strict=True))
