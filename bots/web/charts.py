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


def outcomes_chart(rows: Sequence[DayOutcome], days: int, today: dt.date) -> str:
    """Questions per day, stacked by outcome, for the last ``days`` days (empty days included, so a
    quiet week shows as a gap rather than vanishing)."""
    labels = [(today - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row.outcome, {})[row.day] = row.questions
    outcomes = [o for o in OUTCOME_COLOURS if o in counts] + sorted(set(counts) - set(OUTCOME_COLOURS))
    style = Style(
        background="transparent", plot_background="transparent", font_family="system-ui, sans-serif",
        colors=tuple(OUTCOME_COLOURS.get(o, "#5e35b1") for o in outcomes),
    )  # fmt: skip
    chart = pygal.StackedBar(
        style=style, js=[], disable_xml_declaration=True, height=320, width=960, legend_at_bottom=True,
        x_label_rotation=40, show_minor_x_labels=False, x_labels_major_every=max(days // 10, 1), truncate_label=-1,
        title=f"Questions per day by outcome, last {days} days", no_data_text="No questions yet",
    )  # fmt: skip
    chart.x_labels = labels
    for outcome in outcomes:
        chart.add(outcome.replace("_", " "), [counts[outcome].get(day) for day in labels])
    return str(chart.render(is_unicode=True))
