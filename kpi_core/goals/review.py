"""Everything the app and the CLI say about one goal, from one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kpi_core.goals.backsolve import Backsolve, backsolve
from kpi_core.goals.model import Goal
from kpi_core.goals.progress import Progress, measure_progress, resolve_target, window
from kpi_core.goals.sentence import goal_sentence
from kpi_core.goals.smart import SmartCheck, check_smart
from kpi_core.metrics.query import Performance


@dataclass
class GoalReview:
    goal: Goal
    sentence: str
    target_note: str | None
    progress: Progress
    smart: SmartCheck
    backsolve: Backsolve | None

    def to_record(self) -> dict[str, Any]:
        """The `goal` command's JSON (its keys are a contract; extras go after them)."""
        p = self.progress
        return {
            "sentence": self.sentence,
            "kpi": self.goal.kpi,
            "target": p.target,
            "actual": p.actual,
            "progress": p.progress,
            "time_elapsed": p.time_elapsed,
            "required_per_week": p.required_per_week,
            "projected": {
                "pace": p.projected.pace,
                "trend": p.projected.trend,
                "low": p.projected.low,
                "high": p.projected.high,
            },
            "status": p.status,
            "backsolve": self.backsolve.to_dict() if self.backsolve else None,
            "smart": self.smart.to_dict(),
            "as_of": p.as_of.isoformat() if p.as_of else None,
            "covered_through": p.covered_through.isoformat() if p.covered_through else None,
            "target_note": self.target_note,
            "notes": p.notes,
        }


def review_goal(
    goal: Goal,
    performance: Performance,
    as_of: date | None = None,
    other_goals: Sequence[Goal] = (),
    currency: str = "USD",
) -> GoalReview:
    target, target_note = resolve_target(goal, performance) if performance.sources else (None, None)
    span = window(goal, performance, as_of)
    progress = measure_progress(goal, performance, target, span, as_of)
    solved = None
    if span is not None and target is not None and progress.status is not None:
        solved = backsolve(goal, performance, span, target, progress.actual)
    return GoalReview(
        goal=goal,
        sentence=goal_sentence(goal, target, currency),
        target_note=target_note,
        progress=progress,
        smart=check_smart(goal, performance, target, other_goals, currency),
        backsolve=solved,
    )
