"""The best split of a budget across channels under the fitted curves, and the two questions around it.

At an optimum the marginal return is the same in every channel not held at a bound. With concave
curves that condition is enough, and bisection on the common marginal return finds it exactly.
S-shaped (Hill, exponent above 1) curves are not concave: a local solver started anywhere can stall
below the threshold where a channel starts paying off, so they get an exact dynamic programme over
small budget steps, polished by pairwise moves. Either way the result is never worse than the
current split under the same curves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from kpi_core.budget.model import BudgetModel, CurveSet
from kpi_core.errors import InputError
from kpi_core.messages import BUDGET_BOUNDS_CROSSED, BUDGET_CAP_NOTE, BUDGET_INFEASIBLE, BUDGET_UNKNOWN_CHANNEL

Method = Literal["equal marginal returns", "dynamic programme", "current split"]
DP_STEPS = 400


@dataclass(frozen=True)
class Allocation:
    spends: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: Method

    def binding(self) -> list[str]:
        """Per channel: 'held', 'at minimum', 'at maximum' or '' (free: its marginal return is equalised)."""
        tolerance = 1e-6 * max(1.0, float(self.spends.sum()))
        labels = []
        for spend, low, high in zip(self.spends, self.lower, self.upper):
            if high - low <= tolerance:
                labels.append("held")
            elif spend <= low + tolerance:
                labels.append("at minimum")
            elif spend >= high - tolerance:
                labels.append("at maximum")
            else:
                labels.append("")
        return labels


def resolve_bounds(
    model: BudgetModel,
    total: float,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    locked: set[str] | frozenset[str] = frozenset(),
    beyond_cap: bool = False,
    check_total: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Absolute per-channel (minimum, maximum): 0 to the channel's cap by default (to the larger of
    ``total`` and twice the cap when going beyond it is allowed), the user's bounds over that, and
    locked or unfittable channels held at their current spend. Raises when the bounds cannot add up
    to ``total``."""
    names = model.names
    for name in [*(bounds or {}), *locked]:
        if name not in names:
            raise InputError(BUDGET_UNKNOWN_CHANNEL.format(channel=name, channels=", ".join(names)))
    lower = np.zeros(len(names))
    upper = np.array([max(total, 2 * c.cap) if beyond_cap else c.cap for c in model.channels])
    for i, curve in enumerate(model.channels):
        low, high = (bounds or {}).get(curve.channel, (None, None))
        if low is not None:
            lower[i] = low
        if high is not None:
            upper[i] = high
        if curve.held or curve.channel in locked:
            lower[i] = upper[i] = curve.current_spend
        if lower[i] > upper[i] + 1e-9:
            raise InputError(
                BUDGET_BOUNDS_CROSSED.format(channel=curve.channel, low=f"{lower[i]:,.0f}", high=f"{upper[i]:,.0f}")
            )
    if check_total and not (lower.sum() - 1e-6 * max(total, 1) <= total <= upper.sum() + 1e-6 * max(total, 1)):
        capped = not beyond_cap and not any(h is not None for _, h in (bounds or {}).values())
        raise InputError(
            BUDGET_INFEASIBLE.format(
                total=f"{total:,.0f}",
                low=f"{lower.sum():,.0f}",
                high=f"{upper.sum():,.0f}",
                cap_note=BUDGET_CAP_NOTE if capped and total > upper.sum() else "",
            )
        )
    return lower, upper


def _equal_marginals(curves: CurveSet, total: float, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Concave curves: the spends where every free channel's marginal return equals one value, found
    by bisection on that value (outer) and on each channel's spend (inner, all channels at once)."""

    def spends_at(level: float) -> np.ndarray:
        low, high = lower.copy(), upper.copy()
        for _ in range(50):
            middle = (low + high) / 2
            above = curves.marginal(middle) > level
            low, high = np.where(above, middle, low), np.where(above, high, middle)
        spends: np.ndarray = (low + high) / 2
        return spends

    floor, ceiling = 1e-12, float(np.max(curves.marginal(np.maximum(lower, 1e-9)))) * 2 + 1e-9
    for _ in range(60):
        level = float(np.sqrt(floor * ceiling))
        if spends_at(level).sum() > total:
            floor = level
        else:
            ceiling = level
    spends = spends_at(float(np.sqrt(floor * ceiling)))
    return _fill(curves, spends, total, lower, upper)


def _dynamic_programme(curves: CurveSet, total: float, lower: np.ndarray, upper: np.ndarray, steps: int) -> np.ndarray:
    """Exact over budget steps of (total - minimums) / steps: best[j] is the best outcome of the
    channels so far using j steps; each channel adds a max-plus convolution."""
    budget = total - lower.sum()
    if budget <= 0:
        return lower.copy()
    unit = budget / steps
    units = np.arange(steps + 1)
    grid = lower[:, None] + unit * units[None, :]
    values = curves.value(grid)
    values[grid > upper[:, None] + 1e-9 * unit] = -np.inf
    best = values[0].copy()
    choices = []
    gap = units[:, None] - units[None, :]  # j - e
    feasible = gap >= 0
    for row in values[1:]:
        candidates = np.where(feasible, best[np.clip(gap, 0, None)] + row[None, :], -np.inf)
        choice = candidates.argmax(axis=1)
        best = candidates[units, choice]
        choices.append(choice)
    j = steps if np.isfinite(best[steps]) else int(np.nanargmax(np.where(np.isfinite(best), best, -np.inf)))
    taken = np.zeros(len(lower), dtype=int)
    for channel in range(len(lower) - 1, 0, -1):
        taken[channel] = choices[channel - 1][j]
        j -= taken[channel]
    taken[0] = j
    return _polish(curves, np.minimum(lower + unit * taken, upper), total, lower, upper, unit)


def _fill(curves: CurveSet, spends: np.ndarray, total: float, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Put money left over (rounding, caps) where the marginal return is highest, within maximums."""
    spends = spends.copy()
    for _ in range(len(spends)):
        left = total - spends.sum()
        room = upper - spends
        if left <= 1e-9 * max(total, 1) or not (room > 0).any():
            break
        target = int(np.argmax(np.where(room > 0, curves.marginal(spends), -np.inf)))
        spends[target] += min(left, room[target])
    return spends


def _polish(
    curves: CurveSet, spends: np.ndarray, total: float, lower: np.ndarray, upper: np.ndarray, step: float
) -> np.ndarray:
    """Pairwise moves of shrinking size from the lowest to the highest marginal return, kept only
    when they raise the total: never makes a split worse."""
    spends = _fill(curves, spends, total, lower, upper)
    current = curves.value(spends)
    while step > 1e-6 * max(total, 1.0):
        for _ in range(50):
            marginal = curves.marginal(spends)
            donors = np.where(spends - step >= lower - 1e-12, marginal, np.inf)
            takers = np.where(spends + step <= upper + 1e-12, marginal, -np.inf)
            source, sink = int(np.argmin(donors)), int(np.argmax(takers))
            if source == sink or not np.isfinite(donors[source]) or not np.isfinite(takers[sink]):
                break
            trial = spends.copy()
            trial[source] -= step
            trial[sink] += step
            trial_values = curves.value(trial)
            if trial_values.sum() <= current.sum() + 1e-12 * abs(current.sum()):
                break
            spends, current = trial, trial_values
        step /= 2
    return spends


def allocate(
    model: BudgetModel, total: float, lower: np.ndarray, upper: np.ndarray, steps: int = DP_STEPS
) -> Allocation:
    """The split of ``total`` (per period) that maximises the projected outcome within the bounds."""
    curves = model.curves
    if model.all_concave():
        spends, method = _equal_marginals(curves, total, lower, upper), "equal marginal returns"
    else:
        spends, method = _dynamic_programme(curves, total, lower, upper, steps), "dynamic programme"
    current = model.current()
    if (
        abs(current.sum() - total) <= 1e-6 * max(total, 1.0)
        and np.all(current >= lower - 1e-9)
        and np.all(current <= upper + 1e-9)
        and curves.value(current).sum() >= curves.value(spends).sum()
    ):
        spends, method = current.copy(), "current split"
    return Allocation(spends, lower, upper, method)  # type: ignore[arg-type]


def efficient_spend(model: BudgetModel, target_return: float, lower: np.ndarray, upper: np.ndarray) -> Allocation:
    """Target efficiency: each channel spends while its next unit still returns at least
    ``target_return`` (outcome per unit of money): the largest such spend within its bounds."""
    curves = model.curves
    points = 512
    grid = lower[:, None] + (upper - lower)[:, None] * np.linspace(0.0, 1.0, points)[None, :]
    good = curves.marginal(grid) >= target_return
    last = np.where(good.any(axis=1), points - 1 - np.argmax(good[:, ::-1], axis=1), -1)
    low = np.where(last >= 0, grid[np.arange(len(lower)), np.maximum(last, 0)], lower)
    high = np.where(
        (last >= 0) & (last < points - 1), grid[np.arange(len(lower)), np.minimum(last + 1, points - 1)], low
    )
    for _ in range(40):
        middle = (low + high) / 2
        above = curves.marginal(middle) >= target_return
        low, high = np.where(above, middle, low), np.where(above, high, middle)
    return Allocation(low, lower, upper, "equal marginal returns")


def least_budget_for(
    model: BudgetModel, goal: float, lower: np.ndarray, upper: np.ndarray
) -> tuple[Allocation | None, float]:
    """Reach a goal: the smallest total whose best split projects at least ``goal`` outcome per period
    (bisection on the total: the best outcome never falls as the total grows). Returns (allocation or
    None when out of reach, the most the bounds allow)."""
    best = allocate(model, float(upper.sum()), lower, upper, steps=200)
    most = model.total(best.spends)
    if most < goal:
        return None, most
    low, high = float(lower.sum()), float(upper.sum())
    for _ in range(30):
        middle = (low + high) / 2
        reached = model.total(allocate(model, middle, lower, upper, steps=200).spends)
        low, high = (low, middle) if reached >= goal else (middle, high)
        if high - low <= 1e-4 * max(high, 1.0):
            break
    return allocate(model, high, lower, upper), most
