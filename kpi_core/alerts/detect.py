"""Anomaly alerts: periods where a KPI left its recent range, per dimension value.

Each series is scored against its own past only. The expected value is the median of the previous
``window`` periods (plus the seasonal effect of the same period in earlier years, once two full years
are behind it); the score is the deviation from it in robust standard deviations (1.4826 x the median
absolute residual of earlier periods, "MAD units"). Medians keep one odd period from masking the
next, and the incomplete current period is left out so a week still in progress is never a "drop".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

from kpi_core.errors import InputError
from kpi_core.metrics.format import format_value
from kpi_core.metrics.query import KpiRequest, Performance, period_end
from kpi_core.metrics.registry import BY_ID, KPI_ORDER
from kpi_core.settings import BAD_SETTING, NEEDS, WorkspaceSettings

AlertGrain = Literal["week", "month"]
ALERT_GRAINS: tuple[AlertGrain, ...] = ("week", "month")
SEASONS: dict[str, int] = {"week": 52, "month": 12}  # periods in a year, per grain
Move = Literal["up", "down"]

MAD_TO_SD = 1.4826  # 1 / Phi^-1(3/4): a MAD times this estimates a normal standard deviation
MEAN_AD_TO_SD = 1.2533  # sqrt(pi / 2): the same for a mean absolute deviation
RELATIVE_FLOOR = 0.05  # a move must exceed threshold x 5% of the level to count (17.5% at 3.5)
ABSOLUTE_FLOOR = 1e-9

# Sentences for users (pages and CLI show them as they are).
ALERT_TEXT = "{subject}{kpi} in {when}: {value} vs {expected} expected ({score} MAD)"
UNKNOWN_KPI = "Unknown KPI {kpi}; KPIs are {kpis}."
BAD_GRAIN = "--grain {grain}: alerts are computed per week or per month; use --grain week or --grain month."
NOT_COMPUTABLE = "{name} ({kpi}) cannot be computed from the mapped data: map {missing} on the Mapping page."
THRESHOLD_NEED, WINDOW_NEED = NEEDS["alert_threshold"], NEEDS["alert_window"]


@dataclass(frozen=True)
class AlertSettings:
    """How sensitive alerts are. ``threshold`` is in MAD units (robust standard deviations)."""

    threshold: float = 3.5  # the usual cut-off for robust (modified) z-scores
    window: int = 8  # periods of history whose median is the expected level
    min_history: int = 8  # no alert for a period with fewer earlier values
    scale_window: int = 26  # earlier residuals the noise scale is measured on (at least `window`)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise InputError(BAD_SETTING.format(key="alert_threshold", value=self.threshold, need=THRESHOLD_NEED))
        if self.window < 3:
            raise InputError(BAD_SETTING.format(key="alert_window", value=self.window, need=WINDOW_NEED))
        if self.min_history < 2:
            raise InputError(
                BAD_SETTING.format(
                    key="min_history", value=self.min_history, need="use a whole number of periods, 2 or more (e.g. 8)."
                )
            )

    @classmethod
    def from_settings(cls, settings: WorkspaceSettings | TypingMapping[str, Any]) -> AlertSettings:
        """The workspace's ``alert_threshold`` and ``alert_window``; unset ones keep the defaults."""
        settings = WorkspaceSettings.of(settings)
        values: dict[str, Any] = {}
        if settings.alert_threshold is not None:
            values["threshold"] = settings.alert_threshold
        if settings.alert_window is not None:
            values["window"] = settings.alert_window
        return cls(**values)


@dataclass(frozen=True)
class Alert:
    """One period where a KPI of one dimension value moved beyond the threshold."""

    period: date
    dims: dict[str, str]
    kpi: str
    value: float
    expected: float
    score: float  # signed, in MAD units
    direction: Move
    good: bool  # whether the move is welcome, given the KPI's direction (higher or lower is better)
    grain: AlertGrain = "week"

    def message(self, currency: str = "USD") -> str:
        """Plain text: 'LinkedIn Ads · SQLs in the week of 3 Mar 2025: 2 vs 11 expected (-4.1 MAD)'."""
        kpi = BY_ID[self.kpi]
        subject = "".join(f"{value} · " for value in self.dims.values())
        if self.grain == "week":
            when = f"the week of {self.period.day} {self.period:%b %Y}"
        else:
            when = f"{self.period:%B %Y}"
        score = f"{self.score:+.1f}" if abs(self.score) < 1000 else (">+999" if self.score > 0 else "<-999")
        return ALERT_TEXT.format(
            subject=subject,
            kpi=kpi.name,
            when=when,
            value=format_value(kpi, self.value, currency),
            expected=format_value(kpi, self.expected, currency),
            score=score,
        )

    def to_record(self, currency: str = "USD") -> dict[str, Any]:
        """The CLI's row: period (ISO), each dimension, kpi, value, expected, score, direction, then extras."""
        record: dict[str, Any] = {"period": self.period.isoformat()}
        record.update(self.dims)
        record.update(
            kpi=self.kpi,
            value=self.value,
            expected=self.expected,
            score=self.score,
            direction=self.direction,
            good=self.good,
            message=self.message(currency),
        )
        return record


def score_series(
    values: np.ndarray, season: int | None, settings: AlertSettings, counts: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Expected value and robust score of every point of one evenly spaced series.

    expected[t] = median of the previous ``window`` values (never t itself), plus, when at least two
    full seasons precede t, the median over earlier seasons of how far that same period sat from its
    own level. score[t] = (value - expected) / scale, NaN where there is too little history or the
    value is missing. ``counts`` marks a count KPI (leads, SQLs), whose noise is at least Poisson.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n == 0:
        return np.empty(0), np.empty(0)
    level = _nanmedian(_previous(y, settings.window))
    expected = level + _seasonal_effect(y - level, season, n)
    residual = y - expected
    scale = _robust_scale(_previous(residual, max(settings.scale_window, settings.window)))
    # The floor: a flat history has a MAD of zero, and any wiggle would then score in the thousands.
    # A move under 5% of the level is not news for any KPI; the tiny absolute floor only keeps the
    # division finite when the level itself is zero.
    floor = np.maximum(RELATIVE_FLOOR * np.abs(level), ABSOLUTE_FLOOR)
    scale = np.fmax(scale, floor)
    with np.errstate(invalid="ignore"):
        score = residual / scale
    if counts:
        # Counts are at least Poisson-noisy, so no count may look more surprising than Poisson says:
        # the score is capped at the Poisson tail's z (mid-p), which keeps the asymmetry of small
        # counts: 11 -> 1 SQLs scores -3.7, 11 -> 20 only +2.2, 2 -> 9 +3.6.
        score = np.sign(score) * np.fmin(np.abs(score), np.abs(_poisson_z(y, expected)))
    earlier = np.concatenate(([0], np.cumsum(~np.isnan(y))[:-1]))
    score[(earlier < settings.min_history) | np.isnan(y)] = np.nan
    return expected, score


def _poisson_z(y: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The normal z of a count y against a Poisson mean: mid-p tail on y's side of the mean."""
    mean = np.maximum(expected, ABSOLUTE_FLOOR)
    count = np.round(np.nan_to_num(y, nan=0.0))
    with np.errstate(invalid="ignore"):
        half = 0.5 * stats.poisson.pmf(count, mean)
        upper: np.ndarray = stats.norm.isf(stats.poisson.sf(count, mean) + half)
        lower: np.ndarray = -stats.norm.isf(stats.poisson.cdf(count, mean) - half)
    return np.where(count >= mean, upper, lower)


def _previous(y: np.ndarray, window: int) -> np.ndarray:
    """Row t holds the `window` values strictly before t (NaN before the series starts)."""
    padded = np.concatenate((np.full(window, np.nan), y))
    return sliding_window_view(padded, window)[: len(y)]


def _nanmedian(rows: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # an all-NaN row is an expected "no history yet": it gives NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        median: np.ndarray = np.nanmedian(rows, axis=-1)  # numpy types this Any
        return median


def _robust_scale(rows: np.ndarray) -> np.ndarray:
    """1.4826 x the median absolute residual of each row; where that is zero (more than half the
    residuals exactly zero, as in sparse series), 1.2533 x the mean absolute residual instead."""
    absolute = np.abs(rows)
    mad = _nanmedian(absolute)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_ad = np.nanmean(absolute, axis=-1)
    return np.where(mad > 0, MAD_TO_SD * mad, MEAN_AD_TO_SD * mean_ad)


def _seasonal_effect(deviation: np.ndarray, season: int | None, n: int) -> np.ndarray:
    """Median of deviation[t - k*season] over k = 1, 2, ...; zero until two seasons are behind t."""
    effect = np.zeros(n)
    if not season or n <= 2 * season:
        return effect
    lags = season * np.arange(1, (n - 1) // season + 1)
    index = np.arange(n)[:, None] - lags[None, :]
    earlier = np.where(index >= 0, deviation[np.clip(index, 0, None)], np.nan)
    seen = (~np.isnan(earlier)).sum(axis=1)
    median = _nanmedian(earlier)
    use = (np.arange(n) >= 2 * season) & (seen >= 2)
    effect[use] = median[use]
    return effect


def detect_alerts(
    performance: Performance, kpi: str, by: str | None, grain: AlertGrain, request: KpiRequest, settings: AlertSettings
) -> list[Alert]:
    """Alerts for one KPI over the filtered data, per value of ``by`` (or in total), newest first.

    One KPI query (plus one for the dates, to know whether the last period is complete); each series
    is gap-filled (a missing period of a summed KPI is 0, of a ratio unknown) and scored.
    """
    if kpi not in BY_ID:
        raise InputError(UNKNOWN_KPI.format(kpi=kpi, kpis=", ".join(KPI_ORDER)))
    if grain not in ALERT_GRAINS:
        raise InputError(BAD_GRAIN.format(grain=grain))
    definition = BY_ID[kpi]
    if definition not in performance.kpis:
        missing = [m for m in definition.inputs if m not in performance.measures]
        raise InputError(NOT_COMPUTABLE.format(name=definition.name, kpi=kpi, missing=", ".join(missing)))
    table = performance.compute(
        KpiRequest(
            kpis=(kpi,),
            by=(by,) if by else (),
            grain=grain,
            date_from=request.date_from,
            date_to=request.date_to,
            where=request.where,
        )
    )
    frame = table.frame()
    if frame.empty:
        return []
    last = _last_complete_period(performance, request, grain, max(frame["period"]))
    if last is None:
        return []
    frame = frame[frame["period"] <= last]
    if frame.empty:  # one period of data, and it is not complete yet: nothing to compare it with
        return []
    step = "7D" if grain == "week" else "MS"
    counts = definition.is_sum and definition.unit == "count"
    alerts: list[Alert] = []
    for dims, found in _series_by(frame.assign(period=pd.to_datetime(frame["period"])), kpi, by):
        periods = pd.date_range(found.index.min(), pd.Timestamp(last), freq=step)
        # reindex's fill_value only fills the added periods: a NULL sum stays unknown
        series = found.reindex(periods, fill_value=0.0 if definition.is_sum else np.nan)
        expected, score = score_series(series.to_numpy(), SEASONS[grain], settings, counts=counts)
        for i in np.flatnonzero(np.abs(np.nan_to_num(score)) >= settings.threshold):
            up = bool(score[i] > 0)
            alerts.append(
                Alert(
                    period=periods[i].date(),
                    dims=dict(dims),
                    kpi=kpi,
                    value=float(series.iloc[i]),
                    expected=float(expected[i]),
                    score=float(score[i]),
                    direction="up" if up else "down",
                    good=up == (definition.direction == "higher"),
                    grain=grain,
                )
            )
    alerts.sort(key=lambda a: (-a.period.toordinal(), -abs(a.score), tuple(a.dims.values())))
    return alerts


def _series_by(frame: pd.DataFrame, kpi: str, by: str | None) -> Iterator[tuple[dict[str, str], pd.Series]]:
    """The KPI's values indexed by period: one series per value of ``by``, or the one total."""
    if not by:
        yield {}, frame.set_index("period")[kpi].astype(float)
        return
    for key, group in frame.groupby(by, dropna=False, sort=True):
        yield {by: _label(key)}, group.set_index("period")[kpi].astype(float)


def _label(value: Any) -> str:
    """A dimension value as text; rows without one (NULL) are grouped as '(blank)'."""
    return "(blank)" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _last_complete_period(
    performance: Performance, request: KpiRequest, grain: AlertGrain, last_period: date
) -> date | None:
    """The last period the data fully covers: the latest date plus the data's usual step (7 days for
    weekly rows, 1 for daily) must reach its last day."""
    latest, step = performance.date_coverage(request)
    if latest is None:
        return None
    if latest + timedelta(days=step - 1) >= period_end(last_period, grain):
        return last_period
    return _previous_period(last_period, grain)


def _previous_period(start: date, grain: AlertGrain) -> date:
    if grain == "week":
        return start - timedelta(weeks=1)
    return date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
