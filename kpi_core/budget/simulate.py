"""Spend and outcome series from known response curves: the ground truth the fitting and optimiser
tests (and the benchmark) are scored against. Deterministic for a seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from kpi_core.budget.curves import FAMILIES
from kpi_core.budget.fit import carryover


@dataclass(frozen=True)
class TrueChannel:
    name: str
    beta: float  # the most the channel can ever return per period
    half_saturation: float  # K: spend per period at half of beta
    exponent: float  # Hill a: above 1 is S-shaped
    typical_spend: float  # weekly spend varies around this
    decay: float = 0.0
    base: float = 0.0

    @property
    def params(self) -> np.ndarray:
        return np.array([self.base, self.beta, self.half_saturation, self.exponent])

    def value(self, spend: np.ndarray | float) -> np.ndarray:
        return FAMILIES["hill"].value(self.params, spend)


def simulate_channels(
    channels: list[TrueChannel], periods: int = 104, noise: float = 0.08, seed: int = 0, start: date = date(2024, 1, 1)
) -> pd.DataFrame:
    """Long rows (date, channel, spend, revenue): spend varies +-60% around each channel's typical
    spend (budgets move, which is what makes curves identifiable); revenue is the true curve of
    carried-over spend times lognormal noise of ``noise`` sd."""
    rng = np.random.default_rng(seed)
    frames = []
    dates = [start + timedelta(weeks=i) for i in range(periods)]
    for channel in channels:
        spend = channel.typical_spend * rng.uniform(0.4, 1.6, periods)
        outcome = channel.value(carryover(spend, channel.decay)) * rng.lognormal(0.0, noise, periods)
        frames.append(
            pd.DataFrame({"date": dates, "channel": channel.name, "spend": spend.round(2), "revenue": outcome.round(2)})
        )
    return pd.concat(frames, ignore_index=True)
