"""Results in plain words, written to avoid the classic misreadings of a test.

Never "proven", never "95% sure B is better" for a p-value, never "no difference" for a test that
could not tell; always the range of effects the data fit.
"""

from __future__ import annotations

from kpi_core import messages
from kpi_core.abtest.frequentist import Estimate
from kpi_core.abtest.models import Metric
from kpi_core.metrics.format import money


def rate(value: float | None) -> str:
    if value is None:
        return "—"
    digits = 2 if abs(value) < 0.1 else 1
    return f"{value * 100:.{digits}f}%"


def points(value: float) -> str:
    digits = 2 if abs(value) < 0.1 else 1
    return f"{value * 100:+.{digits}f} percentage points"


def relative(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def value_text(metric: Metric, value: float | None, currency: str) -> str:
    if value is None:
        return "—"
    return rate(value) if metric == "conversion_rate" else money(value, currency) + " per user"


def difference_text(metric: Metric, value: float, currency: str) -> str:
    if metric == "conversion_rate":
        return points(value)
    return ("+" if value >= 0 else "") + money(value, currency) + " per user"


def odds(p_value: float) -> str:
    """p as a frequency people can picture: 'about 1 in 40 tests'."""
    if p_value >= 0.5:
        return "most tests"
    if p_value < 0.0001:
        return "fewer than 1 in 10,000 tests"
    return f"about 1 in {round(1 / p_value):,} tests"


def p_text(p_value: float) -> str:
    return "p < 0.0001" if p_value < 0.0001 else f"p = {p_value:.4f}"


def range_sentence(metric: Metric, absolute: Estimate, relative_estimate: Estimate, currency: str) -> str:
    if absolute.low is None or absolute.high is None:
        return ""
    relative_range = ""
    if relative_estimate.low is not None and relative_estimate.high is not None:
        relative_range = f" ({relative(relative_estimate.low)} to {relative(relative_estimate.high)} relative)"
    return messages.AB_RANGE.format(
        low=difference_text(metric, absolute.low, currency),
        high=difference_text(metric, absolute.high, currency),
        relative_range=relative_range,
    )
