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
        shown = f"{self.value:>12,.3f}" if self.unit in ("ratio", "share") else f"{self.value:>12,.1f}"
        return f"{mark} {self.name:<64} {shown} {self.unit:<10} {self.goal}"


def mixed_questions() -> list[str]:
    """The evaluation questions, in-scope and off-topic, plus commands: what real traffic looks like."""
    questions: list[str] = []
    for path in sorted(DATA.glob("eval_*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        questions += [item["q"] for item in data.get("in_scope", [])]
        questions += list(data.get("out_of_scope", [])) + list(data.get("off_topic", []))
    questions += ["risks", "risk cancer", "compare", "compare cost", "faq", "faq 3", "sources", "help"]
    questions += ["I can't breathe after my shot", "hlep", "x" * 600, ""]
    return questions


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else 0.0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
