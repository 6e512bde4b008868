"""How many users a test needs, and what a given sample can detect.

Two-sided normal approximation with unpooled variances: to detect a move from rate p to q,
n per arm = [z(1-a/2) sqrt(2p(1-p)) + z(1-b) sqrt(p(1-p) + q(1-q))]^2 / (q - p)^2, rounded up.
With unequal arms the same balance reads |q - p| = c sqrt(p(1-p)(1/n_c + 1/n_v)) +
z(1-b) sqrt(p(1-p)/n_c + q(1-q)/n_v), which is what the detectable effect solves for q; ``c`` is
z(1-a/2), or the confidence-sequence multiplier for sequential tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kpi_core.distributions import brentq, norm_ppf
from kpi_core.errors import InputError


@dataclass(frozen=True)
class Plan:
    baseline: float
    target: float
    per_arm: int
    total: int
    weeks: float | None

    @property
    def whole_weeks(self) -> int | None:
        """Tests should run whole weeks, so every weekday counts equally."""
        return None if self.weeks is None else max(1, math.ceil(self.weeks - 1e-9))

    def to_record(self) -> dict[str, object]:
        return {
            "per_arm": self.per_arm,
            "total": self.total,
            "weeks": self.weeks,
            "whole_weeks": self.whole_weeks,
            "baseline": self.baseline,
            "target": self.target,
            "mde": self.target - self.baseline,
        }


def _check(alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha}.")
    if not 0 < power < 1:
        raise InputError(f"power must be between 0 and 1 (e.g. 0.8), not {power}.")


def _check_baseline(baseline: float) -> None:
    if not 0 < baseline < 1:
        raise InputError(
            f"the baseline conversion rate must be a fraction between 0 and 1 (e.g. 0.05 for 5%), not {baseline}."
        )


def target_rate(baseline: float, mde: float, relative: bool) -> float:
    """The rate a test should detect: baseline + mde, or baseline x (1 + mde) when relative."""
    _check_baseline(baseline)
    if mde == 0:
        raise InputError("the minimum detectable effect cannot be 0: no test can detect no change.")
    target = baseline * (1 + mde) if relative else baseline + mde
    if not 0 <= target <= 1:
        raise InputError(
            f"a baseline of {baseline:g} and an effect of {mde:g}{' (relative)' if relative else ''} give a rate of "
            f"{target:g}, which is not a rate between 0 and 1. Give the effect as a fraction: 0.01 for one "
            "percentage point, or 0.1 with --relative for +10%."
        )
    return target


def sample_size(baseline: float, target: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Users per arm to detect ``baseline`` -> ``target`` (two-sided)."""
    _check(alpha, power)
    p, q = baseline, target
    z_alpha, z_beta = float(norm_ppf(1 - alpha / 2)), float(norm_ppf(power))
    n = (z_alpha * math.sqrt(2 * p * (1 - p)) + z_beta * math.sqrt(p * (1 - p) + q * (1 - q))) ** 2 / (q - p) ** 2
    return math.ceil(n - 1e-6)  # a float a hair above a whole number is that number


def plan(
    baseline: float,
    mde: float,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    arms: int = 2,
    weekly_traffic: float | None = None,
) -> Plan:
    if arms < 2:
        raise InputError(f"a test needs at least 2 arms (control and one variant), not {arms}.")
    if weekly_traffic is not None and weekly_traffic <= 0:
        raise InputError(f"weekly traffic must be a positive number of users, not {weekly_traffic:g}.")
    target = target_rate(baseline, mde, relative)
    per_arm = sample_size(baseline, target, alpha, power)
    total = per_arm * arms
    return Plan(baseline, target, per_arm, total, None if weekly_traffic is None else total / weekly_traffic)


def detectable_effect(
    baseline: float,
    n_control: float,
    n_variant: float,
    alpha: float = 0.05,
    power: float = 0.8,
    critical: float | None = None,
) -> float | None:
    """The smallest absolute increase over ``baseline`` detected with ``power`` at these sample sizes;
    None when even a rate of 100% would not be (too few users)."""
    _check(alpha, power)
    if not 0 < baseline < 1 or n_control <= 0 or n_variant <= 0:
        return None
    p = baseline
    c = norm_ppf(1 - alpha / 2) if critical is None else critical
    z_beta = float(norm_ppf(power))
    null_se = math.sqrt(p * (1 - p) * (1 / n_control + 1 / n_variant))

    def gap(q: float) -> float:
        return (q - p) - c * null_se - z_beta * math.sqrt(p * (1 - p) / n_control + q * (1 - q) / n_variant)

    if gap(1.0) < 0:
        return None
    return float(brentq(gap, p, 1.0, xtol=1e-14, rtol=1e-12)) - p


def list_size_effect(
    baseline: float,
    list_size: int,
    arms: int = 2,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float | None:
    """Reverse mode: the absolute effect a list of ``list_size`` users, split equally, can detect."""
    _check_baseline(baseline)
    if list_size <= 0 or arms < 2:
        raise InputError("give a positive list size and at least 2 arms.")
    per_arm = list_size / arms
    return detectable_effect(baseline, per_arm, per_arm, alpha, power)
