"""Back-solve a downstream goal through the funnel: what it takes upstream, at recent rates and costs.

"50 SQLs in Q4" becomes the MQLs, leads and clicks needed (from the recent stage-to-stage conversion
rates in the goal's scope) and the spend needed (from the recent cost per SQL), each beside what the
current run-rate would give over the same time: the gap a planning workshop has to close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kpi_core.goals.model import Goal
from kpi_core.goals.progress import Window, scope
from kpi_core.metrics.query import Performance
from kpi_core.metrics.views import FUNNEL_STAGES

RECENT_DAYS = 91  # the rates of the last quarter: recent enough to be current, long enough to be steady
VALUE_STAGES = {"revenue": "customers", "pipeline": "opportunities"}  # a value and the count it is made of


@dataclass(frozen=True)
class StageNeed:
    stage: str
    needed: float | None
    per_week: float | None
    run_rate: float  # what the recent weekly pace gives over the remaining time
    gap: float | None  # needed - run_rate (positive: more is needed than the pace gives)
    rate_to_next: float | None  # conversion to the next stage (or value per unit), recent

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class Backsolve:
    remaining: float  # what is still to be reached
    weeks: float  # remaining time
    basis_from: date
    basis_to: date
    stages: list[StageNeed]  # top of the funnel first, ending with the goal's stage
    spend: StageNeed | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "remaining": self.remaining,
            "weeks": self.weeks,
            "basis": {"from": self.basis_from.isoformat(), "to": self.basis_to.isoformat()},
            "stages": [s.to_dict() for s in self.stages],
            "spend": self.spend.to_dict() if self.spend else None,
        }


def backsolve(
    goal: Goal, performance: Performance, span: Window, target: float, actual: float | None
) -> Backsolve | None:
    """None for goals that are not a funnel count or value (ratios, spend) or when nothing is mapped below."""
    chain = _chain(goal.kpi, performance)
    if chain is None:
        return None
    basis_to = min(span.as_of, span.covered_through)
    basis_from = basis_to - timedelta(days=RECENT_DAYS - 1)
    measures = list(dict.fromkeys(chain + (["spend"] if "spend" in performance.measures else [])))
    recent = performance.sums(measures, scope(goal, basis_from, basis_to))
    sums = {m: float(recent[m].iloc[0]) if m in recent and recent[m].iloc[0] is not None else 0.0 for m in measures}
    remaining = max(0.0, target - (actual or 0.0))
    weeks = span.remaining_days / 7 if span.elapsed_days else span.days / 7
    recent_weeks = RECENT_DAYS / 7
    needed: dict[str, float | None] = {chain[-1]: remaining}
    rates: dict[str, float | None] = {}
    for upper, lower in zip(reversed(chain[:-1]), reversed(chain[1:])):
        rate = sums[lower] / sums[upper] if sums[upper] else None
        rates[upper] = rate
        below = needed[lower]
        needed[upper] = below / rate if below is not None and rate else None
    stages = [_need(stage, needed[stage], sums[stage], weeks, recent_weeks, rates.get(stage)) for stage in chain]
    spend = None
    if "spend" in sums:
        goal_stage = chain[-1]
        cost = sums["spend"] / sums[goal_stage] if sums[goal_stage] else None
        spend = _need("spend", remaining * cost if cost is not None else None, sums["spend"], weeks, recent_weeks, cost)
    return Backsolve(remaining, weeks, basis_from, basis_to, stages, spend)


def _chain(kpi: str, performance: Performance) -> list[str] | None:
    mapped = [s for s in FUNNEL_STAGES if s in performance.measures]
    if kpi in VALUE_STAGES:
        count = VALUE_STAGES[kpi]
        if count not in mapped:
            return None
        return mapped[: mapped.index(count) + 1] + [kpi]
    if kpi not in mapped or mapped.index(kpi) == 0:
        return None
    return mapped[: mapped.index(kpi) + 1]


def _need(
    stage: str, needed: float | None, recent: float, weeks: float, recent_weeks: float, rate: float | None
) -> StageNeed:
    run_rate = recent / recent_weeks * weeks
    return StageNeed(
        stage=stage,
        needed=needed,
        per_week=needed / weeks if needed is not None and weeks else None,
        run_rate=run_rate,
        gap=needed - run_rate if needed is not None else None,
        rate_to_next=rate,
    )
