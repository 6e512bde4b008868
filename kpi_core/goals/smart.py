"""The SMART check of a goal: each letter passes, or says why not and what to do."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from kpi_core.goals.model import OBJECTIVE_KPIS, OBJECTIVES, VANITY_KPIS, Goal
from kpi_core.goals.progress import meets
from kpi_core.metrics.format import format_value
from kpi_core.metrics.query import KpiRequest, Performance
from kpi_core.metrics.registry import BY_ID, KPIS

STRETCH = 1.2  # a target up to 1.2x the best comparable period is a stretch; beyond it, flagged


@dataclass
class SmartCheck:
    specific: bool
    measurable: bool
    achievable: bool
    relevant: bool
    time_bound: bool
    notes: dict[str, str] = field(default_factory=dict)  # letter -> why it passes or fails

    @property
    def passed(self) -> bool:
        return self.specific and self.measurable and self.achievable and self.relevant and self.time_bound

    def to_dict(self) -> dict[str, object]:
        return {
            "specific": self.specific,
            "measurable": self.measurable,
            "achievable": self.achievable,
            "relevant": self.relevant,
            "time_bound": self.time_bound,
            "notes": dict(self.notes),
        }


def check_smart(
    goal: Goal, performance: Performance, target: float | None, other_goals: Sequence[Goal] = (), currency: str = "USD"
) -> SmartCheck:
    notes: dict[str, str] = {}
    specific = _specific(goal, performance, notes)
    measurable = _measurable(goal, performance, notes)
    time_bound = _time_bound(goal, notes)
    achievable = _achievable(goal, performance, target, notes, currency) if measurable and time_bound else False
    if not (measurable and time_bound):
        notes["achievable"] = "Cannot be judged until the goal is measurable and has its dates."
    relevant = _relevant(goal, other_goals, notes)
    return SmartCheck(specific, measurable, achievable, relevant, time_bound, notes)


def _specific(goal: Goal, performance: Performance, notes: dict[str, str]) -> bool:
    kpi = BY_ID[goal.kpi]
    if not goal.name:
        notes["specific"] = "Give the goal a name the team will recognise."
        return False
    if not goal.where:
        if kpi.tier == "strategic" or kpi.id in ("revenue", "pipeline", "customers", "spend"):
            notes["specific"] = f"{kpi.name} across the whole business: a company-level goal."
            return True
        notes["specific"] = (
            f"Say which channels or campaigns this {kpi.name} goal is about: a scope makes someone accountable for it."
        )
        return False
    _, _, options = performance.filter_options() if performance.sources else (None, None, {})
    for dimension, values in goal.where.items():
        unknown = [v for v in values if v not in options.get(dimension, [])]
        if unknown:
            notes["specific"] = f"No rows with {dimension} {', '.join(unknown)}: check the spelling."
            return False
    notes["specific"] = f"{kpi.name} for {_scope_text(goal)}."
    return True


def _measurable(goal: Goal, performance: Performance, notes: dict[str, str]) -> bool:
    kpi = BY_ID[goal.kpi]
    missing = [m for m in kpi.inputs if m not in performance.measures]
    if missing:
        notes["measurable"] = (
            f"{kpi.name} needs {', '.join(missing)} mapped: map "
            f"{'that column' if len(missing) == 1 else 'those columns'} on the Mapping page."
        )
        return False
    notes["measurable"] = f"{kpi.name} = {kpi.formula}, from mapped data."
    return True


def _time_bound(goal: Goal, notes: dict[str, str]) -> bool:
    if goal.start is None or goal.end is None:
        notes["time_bound"] = "Set a start and an end date."
        return False
    if goal.end <= goal.start:
        notes["time_bound"] = "The end must come after the start."
        return False
    notes["time_bound"] = f"{(goal.end - goal.start).days + 1} days, {goal.start:%d %b %Y} to {goal.end:%d %b %Y}."
    return True


def window_name(days: int) -> str:
    if 7 == days:
        return "week"
    if 28 <= days <= 31:
        return "month"
    if 89 <= days <= 92:
        return "quarter"
    if 365 <= days <= 366:
        return "year"
    return f"{days}-day period"


def _achievable(
    goal: Goal, performance: Performance, target: float | None, notes: dict[str, str], currency: str
) -> bool:
    """The target against every earlier period of the same length (whole ones only), in scope."""
    assert goal.start is not None and goal.end is not None
    kpi = BY_ID[goal.kpi]
    if target is None:
        notes["achievable"] = "The target could not be resolved, so it cannot be compared with history."
        return False
    days = (goal.end - goal.start).days + 1
    low, _ = performance.date_range()
    windows = performance.window_sums(kpi.inputs, KpiRequest(where=goal.where), goal.start, days)
    if low is not None:  # whole windows only: a half-covered one would look like a bad period
        windows = windows[windows["window"] < (goal.start - low).days // days]
    values = [v for v in performance.kpi_from_sums(kpi.id, windows) if v is not None]
    name = window_name(days)
    if not values:
        notes["achievable"] = f"No whole {name} of history before the start to compare the target with."
        return False
    best = max(values) if kpi.direction == "higher" else min(values)
    median = statistics.median(values)

    def show(value: float) -> str:
        return format_value(kpi, value, currency)

    context = f"best {name} so far {show(best)}, median {show(median)} ({len(values)} earlier {name}s)"
    if meets(kpi, best, target):
        notes["achievable"] = f"Within what you have done: {context}."
        return True
    if best <= 0 or target <= 0:
        notes["achievable"] = f"Beyond anything so far: {context}."
        return False
    factor = target / best if kpi.direction == "higher" else best / target
    if factor <= STRETCH:
        notes["achievable"] = f"A stretch: {factor:.3g}x your best {name} so far; {context}."
        return True
    notes["achievable"] = f"Needs {factor:.3g}x your best {name} so far; {context}."
    return False


def _relevant(goal: Goal, other_goals: Sequence[Goal], notes: dict[str, str]) -> bool:
    kpi = BY_ID[goal.kpi]
    fitting = OBJECTIVE_KPIS[goal.objective]
    objective = OBJECTIVES[goal.objective].lower()
    if kpi.id not in fitting:
        better = ", ".join(k.name for k in KPIS if k.id in fitting)
        notes["relevant"] = f"{kpi.name} does not measure {objective}; measure it with {better}."
        return False
    others = [g for g in other_goals if g is not goal and (g.id is None or g.id != goal.id)]
    if kpi.id in VANITY_KPIS and all(g.kpi in VANITY_KPIS for g in others):
        notes["relevant"] = (
            f"{kpi.name} alone is a vanity metric: pair this goal with one on leads, pipeline or revenue."
        )
        return False
    article = "an" if kpi.tier[0] in "aeiou" else "a"
    notes["relevant"] = f"{kpi.name} is {article} {kpi.tier} measure of {objective}."
    return True


def _scope_text(goal: Goal) -> str:
    return "; ".join(f"{d} {', '.join(v)}" for d, v in goal.where.items())
