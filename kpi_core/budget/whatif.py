"""What-ifs: a spend per channel in, the projected outcome, efficiency and marginal return out, each
with a bootstrap interval. Only curve evaluations, so a slider move costs microseconds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kpi_core.budget.model import BudgetModel

INTERVAL = (0.05, 0.95)  # 90% intervals
EVIDENCE = 0.8  # a move is recommended only when at least this share of the bootstrap fits gain


def _bounds(samples: np.ndarray) -> tuple[float, float]:
    low, high = np.quantile(samples, INTERVAL)
    return float(low), float(high)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class ChannelProjection:
    channel: str
    spend: float
    outcome: float
    outcome_low: float
    outcome_high: float
    marginal_return: float
    marginal_low: float
    marginal_high: float
    beyond_cap: bool

    def efficiency(self, money: bool, gross_margin: float) -> dict[str, float | None]:
        """ROAS and ROMI for a money outcome; the cost per outcome (CAC for customers) otherwise."""
        if money:
            return {
                "roas": _ratio(self.outcome, self.spend),
                "romi": _ratio(self.outcome * gross_margin - self.spend, self.spend),
            }
        return {"cost_per_outcome": _ratio(self.spend, self.outcome)}


@dataclass(frozen=True)
class Projection:
    channels: tuple[ChannelProjection, ...]
    baseline: float
    samples: np.ndarray  # the total outcome under each bootstrap replicate

    @property
    def spend(self) -> float:
        return sum(c.spend for c in self.channels)

    @property
    def outcome(self) -> float:
        return self.baseline + sum(c.outcome for c in self.channels)

    @property
    def interval(self) -> tuple[float, float]:
        return _bounds(self.samples)

    def spends(self) -> np.ndarray:
        return np.array([c.spend for c in self.channels])


def project(model: BudgetModel, spends: np.ndarray | Mapping[str, float]) -> Projection:
    """The outcome at these spends per period (a mapping may name only some channels: the others
    stay at their current spend)."""
    if isinstance(spends, Mapping):
        spends = np.array([float(spends.get(c.channel, c.current_spend)) for c in model.channels])
    replicates = model.replicates
    samples = np.zeros(replicates) + (
        model.baseline_replicates[:replicates] if model.baseline_replicates.size >= replicates else model.baseline
    )
    channels = []
    for curve, spend in zip(model.channels, np.asarray(spends, dtype=float)):
        values = curve.replicate_values(spend)[:replicates]
        marginals = curve.replicate_marginals(spend)[:replicates]
        samples = samples + values
        channels.append(
            ChannelProjection(
                channel=curve.channel,
                spend=float(spend),
                outcome=float(np.ravel(curve.value(spend))[0]),
                outcome_low=_bounds(values)[0],
                outcome_high=_bounds(values)[1],
                marginal_return=float(np.ravel(curve.marginal(spend))[0]),
                marginal_low=_bounds(marginals)[0],
                marginal_high=_bounds(marginals)[1],
                beyond_cap=bool(spend > curve.cap * (1 + 1e-9)),
            )
        )
    return Projection(tuple(channels), model.baseline, samples)


@dataclass(frozen=True)
class Change:
    """One projection against another (a proposal against the current split)."""

    gain: float
    gain_low: float
    gain_high: float
    probability: float  # share of bootstrap fits under which the proposal gains

    @property
    def enough_evidence(self) -> bool:
        return self.probability >= EVIDENCE

    def to_record(self) -> dict[str, Any]:
        return {
            "gain": self.gain,
            "gain_low": self.gain_low,
            "gain_high": self.gain_high,
            "probability_of_gain": self.probability,
            "enough_evidence": self.enough_evidence,
        }


def chance(probability: float) -> str:
    """A probability as words that do not overclaim: 200 refits cannot tell 100% from 99.6%."""
    if probability >= 0.995:
        return "an over 99%"
    if probability < 0.005:
        return "an under 1%"
    return f"a {probability:.0%}"


def compare(before: Projection, after: Projection) -> Change:
    differences = after.samples - before.samples
    low, high = _bounds(differences)
    # a move that changes nothing gains nothing: it is not evidence of anything either
    moved = not np.allclose(before.spends(), after.spends(), rtol=1e-9, atol=1e-9)
    probability = float((differences > 0).mean()) if moved else 0.0
    return Change(after.outcome - before.outcome, low, high, probability)
