"""The overview's chart, drawn by pygal as an SVG embedded in the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pygal
from pygal.style import Style

from core.questionlog.records import DayOutcome

# Colour by meaning, the same on every day: what people notice first is the red of "unanswered".
OUTCOME_COLOURS = {
    "answered": "#2e7d32",
    "unanswered": "#c62828",
    "small_talk": "#90a4ae",
    "rejected": "#6d4c41",
    "rate_limited": "#f9a825",
    "error": "#212121",
}


WEEKLY_AFTER = 31
"""Longer periods are drawn a bar a week: ninety thin bars are neither readable nor quick to draw."""


def outcomes_chart(rows: Sequence[DayOutcome], days: int, today: dt.date) -> str:
    """Questions per day (a week, for long periods), stacked by outcome, for the last ``days`` days;
    empty days included, so a quiet week shows as a gap rather than vanishing."""
    first = today - dt.timedelta(days=days - 1)
    weekly = days > WEEKLY_AFTER

    def bar(day: dt.date) -> str:
        return (day - dt.timedelta(days=(day - first).days % 7)).isoformat() if weekly else day.isoformat()

    labels = list(dict.fromkeys(bar(first + dt.timedelta(days=n)) for n in range(days)))
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        per_bar = counts.setdefault(row.outcome, {})
        key = bar(dt.date.fromisoformat(row.day))
        per_bar[key] = per_bar.get(key, 0) + row.questions
    outcomes = [o for o in OUTCOME_COLOURS if o in counts] + sorted(set(counts) - set(OUTCOME_COLOURS))
    style = Style(
        background="transparent", plot_background="transparent", font_family="system-ui, sans-serif",
        colors=tuple(OUTCOME_COLOURS.get(o, "#5e35b1") for o in outcomes),
    )  # fmt: skip
    chart = pygal.StackedBar(
        style=style, js=[], disable_xml_declaration=True, height=320, width=960, legend_at_bottom=True,
        x_label_rotation=40, show_minor_x_labels=False, x_labels_major_every=max(len(labels) // 10, 1),
        truncate_label=-1, no_data_text="No questions yet",
        title=f"Questions per {'week' if weekly else 'day'} by outcome, last {days} days",
    )  # fmt: skip
    chart.x_labels = [f"week of {label}" for label in labels] if weekly else labels
    for outcome in outcomes:
        chart.add(outcome.replace("_", " "), [counts[outcome].get(label) for label in labels])
    return str(chart.render(is_unicode=True))
