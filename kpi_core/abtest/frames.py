"""The small frames the A/B page charts and tables are drawn from (aggregated, a row per arm or day)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kpi_core.abtest import sequential
from kpi_core.abtest.analyse import Comparison, ExperimentResult, sequential_tuning
from kpi_core.distributions import norm_ppf

_CONTROL_NAMES = re.compile(r"^(control|baseline|original|default|a|ctrl|holdout)\b", re.IGNORECASE)


def default_control(names: list[str]) -> str:
    """The arm a user most likely means as control: one named so, else the first."""
    return next((n for n in names if _CONTROL_NAMES.match(n.strip())), names[0])


def arm_rates(result: ExperimentResult) -> pd.DataFrame:
    """Conversion rate per arm with its own (Wald) interval at the test's confidence level."""
    z = norm_ppf(1 - result.settings.alpha / 2)
    rows = []
    for arm in result.arms:
        rate = arm.rate
        if rate is None:
            continue
        half = z * np.sqrt(rate * (1 - rate) / arm.users) if arm.users else np.nan
        rows.append(
            {
                "arm": arm.name,
                "users": arm.users,
                "conversions": arm.conversions,
                "rate": rate,
                "low": max(rate - half, 0.0),
                "high": min(rate + half, 1.0),
                "role": "Control" if arm is result.control else "Variant",
            }
        )
    return pd.DataFrame(rows, columns=["arm", "users", "conversions", "rate", "low", "high", "role"])


def lifts(comparisons: tuple[Comparison, ...]) -> pd.DataFrame:
    """Relative lift per variant with its interval, and the verdict (for the lift-against-zero chart)."""
    return pd.DataFrame(
        [
            {
                "arm": c.arm,
                "lift": c.relative.value,
                "low": c.relative.low,
                "high": c.relative.high,
                "abs_diff": c.absolute.value,
                "abs_low": c.absolute.low,
                "abs_high": c.absolute.high,
                "verdict": c.verdict,
            }
            for c in comparisons
        ],
        columns=["arm", "lift", "low", "high", "abs_diff", "abs_low", "abs_high", "verdict"],
    )


def interval_over_time(daily: pd.DataFrame, result: ExperimentResult) -> pd.DataFrame:
    """Each variant's difference from the control, day by day, with the interval the analysis uses
    (always-valid when sequential): how the evidence built up."""
    settings, control = result.settings, result.control.name
    wide = daily.pivot(index="day", columns="variant", values=["users", "conversions"]).ffill().dropna()
    frames = []
    z = norm_ppf(1 - settings.alpha / 2)
    for arm in result.arms:
        if arm is result.control or arm.name not in wide["users"]:
            continue
        nc, nv = wide["users"][control].to_numpy(float), wide["users"][arm.name].to_numpy(float)
        pc, pv = wide["conversions"][control].to_numpy(float) / nc, wide["conversions"][arm.name].to_numpy(float) / nv
        se = np.sqrt(pc * (1 - pc) / nc + pv * (1 - pv) / nv)
        if settings.sequential:
            tuning = sequential_tuning(settings, result.arms, result.control, arm)
            width = se * sequential.multiplier(nc + nv, settings.alpha, tuning)
        else:
            width = z * se
        frames.append(
            pd.DataFrame(
                {"day": wide.index, "arm": arm.name, "diff": pv - pc, "low": pv - pc - width, "high": pv - pc + width}
            )
        )
    if not frames:
        return pd.DataFrame(columns=["day", "arm", "diff", "low", "high"])
    return pd.concat(frames, ignore_index=True)
