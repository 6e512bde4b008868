"""A goal written back as one plain sentence: "Generate 50 SQLs from Webinars and Email between
1 Oct and 31 Dec 2025"."""

from __future__ import annotations

from datetime import date

from kpi_core.goals.model import Goal
from kpi_core.metrics.format import format_value
from kpi_core.metrics.registry import BY_ID

VERBS = {
    "leads": "Generate",
    "mqls": "Generate",
    "sqls": "Generate",
    "opportunities": "Open",
    "customers": "Win",
    "revenue": "Win",
    "pipeline": "Build",
    "impressions": "Reach",
    "sessions": "Drive",
    "clicks": "Get",
}


def goal_sentence(goal: Goal, target: float | None = None, currency: str = "USD") -> str:
    kpi = BY_ID[goal.kpi]
    if goal.target.is_change:
        change = goal.target.change or 0.0
        level = f" ({format_value(kpi, target, currency)})" if target is not None else ""
        more = "more" if change >= 0 else "less"
        if kpi.is_sum:
            what = f"{abs(change):.0%} {more} {kpi.name if kpi.unit == 'count' else kpi.name.lower()}{level}"
        else:
            what = f"{kpi.name} {'up' if change >= 0 else 'down'} {abs(change):.0%}{level}"
        baseline = _baseline_text(goal)
        head = f"{VERBS.get(kpi.id, 'Reach')} {what} than {baseline}" if kpi.is_sum else f"Move {what} vs {baseline}"
    else:
        shown = format_value(kpi, goal.target.value, currency)
        if kpi.is_sum and kpi.direction == "higher":
            head = (
                f"{VERBS.get(kpi.id, 'Reach')} {shown} {kpi.name}"
                if kpi.unit == "count"
                else f"{VERBS.get(kpi.id, 'Reach')} {shown} of {kpi.name.lower()}"
            )
        elif kpi.is_sum:
            head = f"Keep {kpi.name.lower()} within {shown}"
        elif kpi.direction == "higher":
            head = f"Raise {kpi.name} to {shown} or more"
        else:
            head = f"Bring {kpi.name} down to {shown} or less"
    sentence = f"{head} {_scope(goal)} {_dates(goal.start, goal.end)}".replace("  ", " ").strip()
    return sentence + (f" (owner: {goal.owner})" if goal.owner else "")


def _scope(goal: Goal) -> str:
    if not goal.where:
        return "across all channels"
    parts = []
    for dimension, values in goal.where.items():
        listed = _and(list(values))
        parts.append(f"from {listed}" if dimension == "channel" else f"in {dimension.replace('_', ' ')} {listed}")
    return " ".join(parts)


def _and(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _dates(start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return "(no dates yet)"
    if start.year == end.year:
        return f"between {start.day} {start:%b} and {end.day} {end:%b %Y}"
    return f"between {start.day} {start:%b %Y} and {end.day} {end:%b %Y}"


def _baseline_text(goal: Goal) -> str:
    target = goal.target
    if target.baseline_start and target.baseline_end:
        return f"in {target.baseline_start.day} {target.baseline_start:%b %Y} to {target.baseline_end.day} {target.baseline_end:%b %Y}"
    return "in the period before"
