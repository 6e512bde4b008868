"""A budget recommendation, explained: the optimiser's split against the current one, how likely it
is to gain, where the money moves, which bounds bind, and whether it survives flatter curves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from kpi_core.budget.model import BudgetModel
from kpi_core.budget.optimise import Allocation, allocate, efficient_spend, least_budget_for, resolve_bounds
from kpi_core.budget.whatif import Change, Projection, compare, project
from kpi_core.errors import InputError
from kpi_core.messages import BUDGET_GOAL_UNREACHABLE, BUDGET_NEGATIVE_TOTAL

Objective = Literal["max_outcome", "target_return", "goal"]
FLATTER = 0.8


@dataclass(frozen=True)
class Sensitivity:
    factor: float
    gain: float  # the recommendation against the current split, both under the flatter curves
    spends: np.ndarray  # what the optimiser would pick under the flatter curves

    @property
    def holds(self) -> bool:
        return self.gain > 0


@dataclass(frozen=True)
class BudgetPlan:
    model: BudgetModel
    objective: Objective
    allocation: Allocation
    current: Projection
    recommended: Projection
    change: Change
    sensitivity: Sensitivity
    gross_margin: float = 1.0

    @property
    def total(self) -> float:
        return float(self.allocation.spends.sum())

    @property
    def uplift(self) -> float | None:
        """Relative: +0.12 is 12% more outcome per period than the current split."""
        return self.change.gain / self.current.outcome if self.current.outcome else None

    def waterfall(self) -> list[dict[str, Any]]:
        """Outcome change by channel, largest move first (the chart's bars, in order)."""
        rows = [
            {"channel": now.channel, "spend_change": new.spend - now.spend, "outcome_change": new.outcome - now.outcome}
            for now, new in zip(self.current.channels, self.recommended.channels)
        ]
        return sorted(rows, key=lambda r: -abs(r["outcome_change"]))

    def to_record(self) -> dict[str, Any]:
        binding = self.allocation.binding()
        channels = []
        for curve, now, new, bound in zip(
            self.model.channels, self.current.channels, self.recommended.channels, binding
        ):
            fit = curve.fit
            channels.append(
                {
                    "channel": curve.channel,
                    "current_spend": now.spend,
                    "recommended_spend": new.spend,
                    "current_outcome": now.outcome,
                    "recommended_outcome": new.outcome,
                    "marginal_return": new.marginal_return,
                    "curve": {
                        "family": fit.family,
                        "params": fit.named_params(),
                        "r2": fit.r2,
                        "points": fit.points,
                        "decay": fit.decay,
                        "lag": fit.lag,
                        "formula": fit.curve.formula,
                    },
                    "recommended_outcome_low": new.outcome_low,
                    "recommended_outcome_high": new.outcome_high,
                    "current_marginal_return": now.marginal_return,
                    "marginal_return_low": new.marginal_low,
                    "marginal_return_high": new.marginal_high,
                    "cap": curve.cap,
                    "beyond_cap": new.beyond_cap,
                    "bound": bound or None,
                    "flags": list(curve.flags),
                    **{
                        f"recommended_{k}": v
                        for k, v in new.efficiency(self.model.money_target, self.gross_margin).items()
                    },
                }
            )
        low, high = self.recommended.interval
        return {
            "target": self.model.target,
            "grain": self.model.grain,
            "total": self.total,
            "channels": channels,
            "current_outcome": self.current.outcome,
            "recommended_outcome": self.recommended.outcome,
            "uplift": self.uplift,
            "uplift_absolute": self.change.gain,
            "recommended_outcome_low": low,
            "recommended_outcome_high": high,
            **self.change.to_record(),
            "objective": self.objective,
            "method": self.allocation.method,
            "mode": self.model.mode,
            "weakly_identified": self.model.weakly_identified,
            "baseline_outcome": self.model.baseline,
            "current_total": self.current.spend,
            "periods": len(self.model.periods),
            "sensitivity": {
                "factor": self.sensitivity.factor,
                "gain": self.sensitivity.gain,
                "holds": self.sensitivity.holds,
                "spends": dict(zip(self.model.names, self.sensitivity.spends.tolist())),
            },
        }


def recommend(
    model: BudgetModel,
    total: float | None = None,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    locked: set[str] | frozenset[str] = frozenset(),
    beyond_cap: bool = False,
    objective: Objective = "max_outcome",
    target_return: float | None = None,
    goal: float | None = None,
    gross_margin: float = 1.0,
) -> BudgetPlan:
    """Optimise for ``objective``: the best split of ``total`` (default: today's total per period),
    the spends where the marginal return stays above ``target_return``, or the least budget whose
    best split reaches ``goal`` per period."""
    current = model.current()
    if total is not None and total < 0:
        raise InputError(BUDGET_NEGATIVE_TOTAL.format(total=f"{total:,.2f}"))
    if objective == "max_outcome":
        budget = float(current.sum()) if total is None else float(total)
        lower, upper = resolve_bounds(model, budget, bounds, locked, beyond_cap)
        allocation = allocate(model, budget, lower, upper)
    else:
        lower, upper = resolve_bounds(model, 0.0, bounds, locked, beyond_cap, check_total=False)
        if objective == "target_return":
            allocation = efficient_spend(model, float(target_return or 0.0), lower, upper)
        else:
            found, most = least_budget_for(model, float(goal or 0.0), lower, upper)
            if found is None:
                raise InputError(
                    BUDGET_GOAL_UNREACHABLE.format(
                        outcome=model.target, goal=f"{goal:,.0f}", grain=model.grain, best=f"{most:,.0f}"
                    )
                )
            allocation = found
    now, new = project(model, current), project(model, allocation.spends)
    flatter = model.flatter(FLATTER)
    flat_gain = project(flatter, allocation.spends).outcome - project(flatter, current).outcome
    flat_spends = allocate(flatter, float(allocation.spends.sum()), lower, upper).spends
    return BudgetPlan(
        model,
        objective,
        allocation,
        now,
        new,
        compare(now, new),
        Sensitivity(FLATTER, flat_gain, flat_spends),
        gross_margin,
    )
