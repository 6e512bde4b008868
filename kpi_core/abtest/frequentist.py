"""Fixed-horizon tests of one variant against the control.

- Absolute difference: unpooled (Wald) standard error, and the p-value from the same statistic, so
  "the interval excludes 0" and "p < alpha" always agree. Normal for rates, Welch t for means.
- Relative lift: delta-method variance with a Welch-Satterthwaite t quantile (as GrowthBook's gbstats).
- Pooled z p-value for rates (statsmodels ``proportions_ztest``), shown for reference.
- Holm's step-down adjustment when several variants share one control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kpi_core.abtest.models import MeanStatistic, ProportionStatistic, Statistic
from kpi_core.distributions import norm_ppf, norm_sf, t_ppf, t_sf


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and a (low, high) interval; None where undefined."""

    value: float | None
    std_error: float | None
    low: float | None
    high: float | None
    p_value: float | None

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


UNDEFINED = Estimate(None, None, None, None, None)


def welch_dof(a: Statistic, b: Statistic) -> float | None:
    """Welch-Satterthwaite degrees of freedom of the difference of two means."""
    if a.variance is None or b.variance is None or a.n < 2 or b.n < 2:
        return None
    va, vb = a.variance / a.n, b.variance / b.n
    denominator = va**2 / (a.n - 1) + vb**2 / (b.n - 1)
    return (va + vb) ** 2 / denominator if denominator > 0 else None


def _two_sided(value: float, std_error: float, alpha: float, dof: float | None) -> Estimate:
    """Interval and p-value of a normal (dof None) or t statistic."""
    if dof is None:
        critical, p_value = norm_ppf(1 - alpha / 2), 2 * norm_sf(abs(value) / std_error)
    else:
        critical, p_value = t_ppf(1 - alpha / 2, dof), 2 * t_sf(abs(value) / std_error, dof)
    return Estimate(
        value, std_error, float(value - critical * std_error), float(value + critical * std_error), float(p_value)
    )


def absolute_difference(control: Statistic, variant: Statistic, alpha: float) -> Estimate:
    """variant mean - control mean; z for rates, Welch t for means."""
    if control.mean is None or variant.mean is None or control.variance is None or variant.variance is None:
        return UNDEFINED
    value = variant.mean - control.mean
    std_error = math.sqrt(control.variance / control.n + variant.variance / variant.n)
    if std_error == 0:
        return Estimate(value, 0.0, None, None, None)
    dof = welch_dof(control, variant) if isinstance(control, MeanStatistic) else None
    if isinstance(control, MeanStatistic) and dof is None:
        return Estimate(value, std_error, None, None, None)
    return _two_sided(value, std_error, alpha, dof)


def relative_variance(control: Statistic, variant: Statistic) -> float | None:
    """Delta-method variance of variant/control - 1."""
    ma, mb, va, vb = control.mean, variant.mean, control.variance, variant.variance
    if ma is None or mb is None or va is None or vb is None or ma == 0:
        return None
    return vb / (ma**2 * variant.n) + va * mb**2 / (ma**4 * control.n)


def relative_lift(control: Statistic, variant: Statistic, alpha: float) -> Estimate:
    """(variant - control) / control with a delta-method interval and a Welch t quantile."""
    variance = relative_variance(control, variant)
    dof = welch_dof(control, variant)
    if variance is None:
        return UNDEFINED
    value = variant.mean / control.mean - 1  # type: ignore[operator]
    if variance == 0 or dof is None:
        return Estimate(value, math.sqrt(variance), None, None, None)
    return _two_sided(value, math.sqrt(variance), alpha, dof)


def pooled_p_value(control: ProportionStatistic, variant: ProportionStatistic) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test (statsmodels ``proportions_ztest``)."""
    if control.n == 0 or variant.n == 0:
        return None
    pooled = (control.successes + variant.successes) / (control.n + variant.n)
    variance = pooled * (1 - pooled) * (1 / control.n + 1 / variant.n)
    if variance == 0:
        return None
    z = (variant.successes / variant.n - control.successes / control.n) / math.sqrt(variance)
    return float(2 * norm_sf(abs(z)))


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values (statsmodels ``multipletests(method='holm')``); None stays None
    and does not count as a hypothesis."""
    present = [(i, p) for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    if not present:
        return adjusted
    order = sorted(present, key=lambda item: item[1])
    m = len(order)
    steps = np.minimum(1.0, np.maximum.accumulate([(m - k) * p for k, (_, p) in enumerate(order)]))
    for (index, _), value in zip(order, steps):
        adjusted[index] = float(value)
    return adjusted
