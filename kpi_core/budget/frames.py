"""Small, aggregated frames the budget page draws: curve grids, observed points, allocations, the
outcome waterfall and marginal returns. Charts get these, never raw rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpi_core.budget.model import BudgetModel, ChannelCurve
from kpi_core.budget.whatif import INTERVAL, Projection
from kpi_core.messages import BUDGET_FLAGS
from kpi_core.metrics.format import change as relative_change

CURVE_POINTS = 80


def _shape(curve: ChannelCurve) -> str:
    if curve.fit.family == "flat":
        return "Not fitted"
    if curve.fit.family == "exponential":
        return "Concave (exponential)"
    return "S-shaped (Hill)" if curve.fit.params[3] > 1 else "Concave (Hill)"


def fit_summary(model: BudgetModel) -> pd.DataFrame:
    """One row per channel: how its curve was fitted, how well, and what limits it."""
    rows = []
    for curve in model.channels:
        fit = curve.fit
        rows.append(
            {
                "channel": curve.channel,
                "curve": _shape(curve),
                "r2": fit.r2,
                "points": fit.points,
                "carry_over": fit.decay,
                "current_spend": curve.current_spend,
                "cap": curve.cap,
                "notes": "; ".join(BUDGET_FLAGS.get(f, f) for f in curve.flags),
            }
        )
    return pd.DataFrame(rows)


def curve_frame(curve: ChannelCurve, upto: float, points: int = CURVE_POINTS) -> pd.DataFrame:
    """The fitted curve and its 90% band on a grid from 0 to ``upto``, marked where it is beyond
    the largest spend seen (extrapolated)."""
    grid = np.linspace(0.0, max(upto, 1e-9), points)
    low, high = np.quantile(curve.fit.curve.value(curve.fit.replicates, grid[None, :]), INTERVAL, axis=0)
    return pd.DataFrame(
        {
            "spend": grid,
            "outcome": np.broadcast_to(curve.value(grid), grid.shape),
            "low": low,
            "high": high,
            "extrapolated": grid > curve.cap,
        }
    )


def curves_frame(model: BudgetModel, splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """Everything the small-multiple curve chart draws, as one long frame (one chart, one spec):
    ``layer`` is curve (with its band), point (observed periods), mark (a split's spend) or beyond
    (the region past the largest spend seen)."""
    parts = []
    for i, curve in enumerate(model.channels):
        marks = {label: float(spends[i]) for label, spends in splits.items()}
        upto = max([curve.cap * 1.15, *marks.values()]) * 1.02
        line = curve_frame(curve, upto).assign(layer="curve")
        points = pd.DataFrame({"spend": curve.fit.effective_spend, "outcome": curve.fit.outcome, "layer": "point"})
        spots = pd.DataFrame(
            {
                "spend": list(marks.values()),
                "split": list(marks),
                "outcome": [float(np.ravel(curve.value(s))[0]) for s in marks.values()],
                "layer": "mark",
            }
        )
        beyond = pd.DataFrame({"spend": [curve.cap], "spend_end": [upto], "layer": ["beyond"]})
        parts.append(pd.concat([line, points, spots, beyond], ignore_index=True).assign(channel=curve.channel))
    return pd.concat(parts, ignore_index=True)


def allocation_frame(names: list[str], splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long rows (channel, split, spend) for grouped bars: current vs proposed, or scenarios."""
    return pd.DataFrame(
        [
            {"channel": name, "split": label, "spend": float(spend)}
            for label, spends in splits.items()
            for name, spend in zip(names, spends)
        ]
    )


def waterfall_frame(before: Projection, after: Projection) -> pd.DataFrame:
    """Bars from the current outcome, through each channel's change (largest first), to the new one."""
    changes = sorted(
        ((new.channel, new.outcome - now.outcome) for now, new in zip(before.channels, after.channels)),
        key=lambda item: -abs(item[1]),
    )
    rows: list[dict[str, Any]] = [{"step": "Current", "start": 0.0, "end": before.outcome, "kind": "total"}]
    level = before.outcome
    for channel, change in changes:
        rows.append({"step": channel, "start": level, "end": level + change, "kind": "gain" if change >= 0 else "loss"})
        level += change
    rows.append({"step": "Proposed", "start": 0.0, "end": after.outcome, "kind": "total"})
    frame = pd.DataFrame(rows)
    frame["change"] = frame["end"] - frame["start"]
    frame["order"] = range(len(frame))
    return frame


def marginal_frame(before: Projection, after: Projection) -> pd.DataFrame:
    """Marginal return of the next unit of money per channel, current vs proposed, with intervals."""
    rows = []
    for label, projection in (("Current", before), ("Proposed", after)):
        for channel in projection.channels:
            rows.append(
                {
                    "channel": channel.channel,
                    "split": label,
                    "marginal_return": channel.marginal_return,
                    "low": channel.marginal_low,
                    "high": channel.marginal_high,
                }
            )
    return pd.DataFrame(rows)


def projection_table(
    projection: Projection, model: BudgetModel, gross_margin: float, against: Projection | None = None
) -> pd.DataFrame:
    """Per channel: spend, projected outcome and its interval (and its change from ``against``),
    marginal return, efficiency."""
    rows = []
    for i, channel in enumerate(projection.channels):
        before = None if against is None else against.channels[i]
        spend_change = {} if before is None else {"spend_change": relative_change(channel.spend, before.spend)}
        change = {} if before is None else {"outcome_change": channel.outcome - before.outcome}
        rows.append(
            {
                "channel": channel.channel,
                "spend": channel.spend,
                **spend_change,
                "outcome": channel.outcome,
                **change,
                "outcome_low": channel.outcome_low,
                "outcome_high": channel.outcome_high,
                "marginal_return": channel.marginal_return,
                **channel.efficiency(model.money_target, gross_margin),
                "beyond_cap": channel.beyond_cap,
            }
        )
    return pd.DataFrame(rows)
