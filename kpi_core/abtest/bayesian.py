"""Bayesian read of conversion rates: exact, closed form (no simulation).

With a flat Beta(1, 1) prior the posterior of a rate is Beta(1 + conversions, 1 + non-conversions).
P(variant beats control) is Evan Miller's finite sum; the expected loss of choosing the variant,
E[max(p_control - p_variant, 0)], follows from the same sum with one parameter shifted by one
(x * Beta(a, b) density = a / (a + b) * Beta(a + 1, b) density).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, logsumexp

from kpi_core.abtest.models import ProportionStatistic

BetaParams = tuple[float, float]


def posterior(stat: ProportionStatistic) -> BetaParams:
    return 1.0 + stat.successes, 1.0 + stat.n - stat.successes


def probability_greater(x: BetaParams, y: BetaParams) -> float:
    """P(X > Y) for independent X ~ Beta(x), Y ~ Beta(y) with integer first parameters.

    Sums over the smaller of the two first parameters (P(X > Y) = 1 - P(Y > X)), so the cost is the
    smaller arm's conversions, in one vectorised pass.
    """
    (ax, bx), (ay, by) = x, y
    if ax > ay:
        return 1.0 - probability_greater(y, x)
    # Evan Miller: P(X > Y) = sum_{i < ax} B(ay + i, bx + by) / ((bx + i) B(1 + i, bx) B(ay, by))
    i = np.arange(int(round(ax)), dtype=float)
    log_terms = betaln(ay + i, bx + by) - np.log(bx + i) - betaln(1 + i, bx) - betaln(ay, by)
    return float(np.clip(np.exp(logsumexp(log_terms)), 0.0, 1.0))


def chance_to_beat(control: ProportionStatistic, variant: ProportionStatistic) -> float:
    """P(variant's true rate > control's), flat prior."""
    return probability_greater(posterior(variant), posterior(control))


def expected_loss(control: ProportionStatistic, variant: ProportionStatistic) -> float:
    """E[max(p_control - p_variant, 0)]: the conversion rate given up, on average, by choosing the
    variant when the control is in fact better (a fraction, like the rates)."""
    (ac, bc), (av, bv) = posterior(control), posterior(variant)
    mean_c, mean_v = ac / (ac + bc), av / (av + bv)
    return float(
        max(
            mean_c * probability_greater((ac + 1, bc), (av, bv)) - mean_v * probability_greater((ac, bc), (av + 1, bv)),
            0.0,
        )
    )
