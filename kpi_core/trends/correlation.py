"""Does one KPI lead another? Pearson correlation of two series, the second shifted by a lag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kpi_core.metrics.query import Grain, KpiRequest, Performance

MIN_POINTS = 6


@dataclass(frozen=True)
class Correlation:
    leader: str
    follower: str
    lag: int
    r: float | None
    p_value: float | None
    points: int
    pairs: pd.DataFrame  # period, leader value, follower value `lag` periods later
    message: str | None = None  # why r is missing, when it is


def correlate(
    performance: Performance, leader: str, follower: str, grain: Grain, lag: int, request: KpiRequest
) -> Correlation:
    """Correlate leader(t) with follower(t + lag) over the filtered range (periods with both values)."""
    return correlate_series(_series(performance, leader, follower, grain, request), leader, follower, lag)


def lag_profile(
    performance: Performance, leader: str, follower: str, grain: Grain, max_lag: int, request: KpiRequest
) -> pd.DataFrame:
    """r for every lag from 0 to max_lag (one query): where the peak is, the lead time is."""
    frame = _series(performance, leader, follower, grain, request)
    rows = []
    if leader in frame and follower in frame:
        x_all = frame[leader].astype(float).to_numpy()
        y_all = frame[follower].astype(float).to_numpy()
        for lag in range(max_lag + 1):
            x, y = x_all[: len(x_all) - lag], y_all[lag:]
            keep = ~(np.isnan(x) | np.isnan(y))
            r, p = _pearson(x[keep], y[keep])
            rows.append({"lag": lag, "r": r, "p_value": p, "points": int(keep.sum())})
    return pd.DataFrame(rows, columns=["lag", "r", "p_value", "points"])


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """Pearson r and its two-sided p-value (the t-test scipy.stats.pearsonr uses), without the
    per-call overhead: the lag profile needs a dozen of them per re-run."""
    n = len(x)
    if n < MIN_POINTS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None, None
    r = float(np.corrcoef(x, y)[0, 1])
    r = max(-1.0, min(1.0, r))
    if abs(r) == 1.0:
        return r, 0.0
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return r, float(2 * stats.t.sf(abs(t), n - 2))


def _series(performance: Performance, leader: str, follower: str, grain: Grain, request: KpiRequest) -> pd.DataFrame:
    table = performance.compute(
        KpiRequest(
            kpis=(leader, follower),
            grain=grain,
            date_from=request.date_from,
            date_to=request.date_to,
            where=request.where,
        )
    )
    return table.frame()


def correlate_series(frame: pd.DataFrame, leader: str, follower: str, lag: int) -> Correlation:
    """The correlation on a frame with columns period, leader, follower (one row per period)."""
    if lag < 0:
        raise ValueError("lag must be 0 or more periods")
    if leader not in frame or follower not in frame:
        return Correlation(leader, follower, lag, None, None, 0, pd.DataFrame(), "Both KPIs need mapped data.")
    series = frame.set_index("period")
    pairs = pd.DataFrame(
        {
            "period": series.index,
            leader: series[leader].astype(float).to_numpy(),
            f"{follower} {lag} later": series[follower].astype(float).shift(-lag).to_numpy(),
        }
    ).dropna()
    x, y = pairs.iloc[:, 1].to_numpy(), pairs.iloc[:, 2].to_numpy()
    if len(pairs) < MIN_POINTS:
        return Correlation(
            leader,
            follower,
            lag,
            None,
            None,
            len(pairs),
            pairs,
            f"Only {len(pairs)} period{' has' if len(pairs) == 1 else 's have'} both values; {MIN_POINTS} are needed.",
        )
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(leader, follower, lag, None, None, len(pairs), pairs, "One of the series is constant.")
    result = stats.pearsonr(x, y)
    return Correlation(leader, follower, lag, float(result.statistic), float(result.pvalue), len(pairs), pairs)
