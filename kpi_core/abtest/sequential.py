"""Always-valid intervals for tests that are looked at before the planned sample is in.

Asymptotic confidence sequences (Waudby-Smith et al. 2023, eq. 9; the form GrowthBook's gbstats and
Eppo use): the interval for an estimate with standard error ``se`` after ``N`` users is
``estimate ± se * multiplier(N)``, where the multiplier grows slowly with N, so the interval may be
checked after every user at no cost in false winners. ``rho`` tunes the sequence to be tightest at
the planned sample. The matching always-valid p-value is 1 / e-value (eq. 155): it is below alpha
exactly when the interval excludes 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kpi_core.abtest.frequentist import Estimate

DEFAULT_TUNING = 5000  # users, when no planned sample is known (gbstats' default)


def rho(alpha: float, tuning: float) -> float:
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)


def multiplier(n: float | np.ndarray, alpha: float, tuning: float) -> Any:
    """Half-width of the confidence sequence in standard errors after ``n`` users in total (a float,
    or an array for many looks at once)."""
    r2n = np.asarray(n, dtype=float) * rho(alpha, tuning) ** 2
    width = np.sqrt(2 * (r2n + 1) / r2n * np.log(np.sqrt(r2n + 1) / alpha))
    return float(width) if width.ndim == 0 else width


def p_value(z: float, n: float, alpha: float, tuning: float) -> float:
    """Always-valid p-value of a z statistic after ``n`` users."""
    r2n = n * rho(alpha, tuning) ** 2
    log_e_value = r2n * z**2 / (2 * (r2n + 1)) - 0.5 * math.log(r2n + 1)
    return 1.0 if log_e_value <= 0 else math.exp(-log_e_value)


def always_valid(estimate: Estimate, n: float, alpha: float, tuning: float) -> Estimate:
    """The fixed-horizon ``estimate`` turned into its confidence-sequence counterpart."""
    if estimate.value is None or not estimate.std_error:
        return Estimate(estimate.value, estimate.std_error, None, None, None)
    width = multiplier(n, alpha, tuning) * estimate.std_error
    z = estimate.value / estimate.std_error
    return Estimate(
        estimate.value, estimate.std_error, estimate.value - width, estimate.value + width, p_value(z, n, alpha, tuning)
    )
