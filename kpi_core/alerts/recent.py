"""The alerts the Dashboard lists: the watched KPIs, by channel, over the last few periods.

On top of each KPI's own scoring (detect.py), the list is kept worth reading:

- **Thin periods are left out, and said.** A period whose volume over the whole (filtered) data is
  far below the recent norm (a holiday week, a partial export) is not alerted on: every channel
  "drops" in it and none of that is news. Volume is spend and the mapped funnel counts; a measure's
  share is the period's total over the median of the ``window`` periods before; the period is thin
  when the median share is under ``THIN_SHARE`` (60%), over all the data and in the median channel
  (one big channel stopping is that channel's alert, not a thin week). ``RecentAlerts.left_out`` holds a sentence per
  thin period: "The week of 22 Dec 2025 is left out: it holds only 45% of a usual week's volume
  (spend 61%, leads 44%)."
- **One per family.** At most one alert per channel, KPI family (spend; traffic; volume: leads to
  customers; efficiency: CPL, CAC...; conversion rates; return: revenue, ROAS...) and period: the one
  with the most money at stake.
- **Told once.** A ratio alert whose own input alerts in the same period (CPL up in the week spend
  tripled) is dropped; the same move in consecutive periods (channel, family, direction) is one
  alert, the run's first, with ``lasting`` periods and the run's money at stake.
- **Ranked by money at stake** (``Alert.at_stake``, priced as detect.py's docstring says), then by
  score; the newest first among equals.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, overload

import numpy as np
import pandas as pd

from kpi_core.alerts.detect import Alert, AlertGrain, AlertSettings, detect_alerts
from kpi_core.metrics.format import percent
from kpi_core.metrics.query import KpiRequest, Performance, period_end
from kpi_core.metrics.registry import BY_ID
from kpi_core.settings import WorkspaceSettings

DEFAULT_WATCHED = ("spend", "leads", "sqls", "customers", "revenue", "cpl", "roas")
RECENT_PERIODS = 8  # what a weekly review looks back over
THIN_SHARE = 0.6  # a period holding under 60% of the usual volume (median over measures) is thin
VOLUME = ("spend", "leads", "mqls", "sqls", "opportunities", "customers", "impressions", "clicks", "sessions")
SHOWN_MEASURES = 3  # measures named in the left-out sentence
LEFT_OUT = "{when} is left out: it holds only {share} of a usual {unit}'s volume ({measures})."
INCOMPLETE = "{when} is left out: the data stops on {last}, before the {unit} ends."


@dataclass(frozen=True)
class LeftOut:
    """A thin period not alerted on, and the sentence that says so."""

    period: date
    share: float  # the median, over volume measures, of the period's total / the usual total
    shares: dict[str, float]  # per measure
    grain: AlertGrain = "week"
    data_ends: date | None = None  # set when the period is left out as incomplete

    def sentence(self) -> str:
        when = f"The week of {self.period.day} {self.period:%b %Y}" if self.grain == "week" else f"{self.period:%B %Y}"
        if self.data_ends is not None:
            return INCOMPLETE.format(when=when, last=f"{self.data_ends.day} {self.data_ends:%b %Y}", unit=self.grain)
        measures = ", ".join(
            f"{_lower(BY_ID[m].name)} {percent(v, 0)}" for m, v in list(self.shares.items())[:SHOWN_MEASURES]
        )
        return LEFT_OUT.format(when=when, share=percent(self.share, 0), unit=self.grain, measures=measures)


@dataclass(frozen=True)
class RecentAlerts(Sequence[Alert]):
    """The Dashboard's alerts (a sequence, biggest money at stake first) and the periods left out."""

    alerts: tuple[Alert, ...] = ()
    left_out: tuple[LeftOut, ...] = ()

    @overload
    def __getitem__(self, index: int) -> Alert: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Alert]: ...
    def __getitem__(self, index: int | slice) -> Alert | Sequence[Alert]:
        return self.alerts[index]

    def __len__(self) -> int:
        return len(self.alerts)

    def __iter__(self) -> Iterator[Alert]:
        return iter(self.alerts)

    def notes(self) -> list[str]:
        """One sentence per period left out, oldest first."""
        return [skipped.sentence() for skipped in self.left_out]


def watched_kpis(performance: Performance, settings: WorkspaceSettings | Mapping[str, Any]) -> list[str]:
    wanted = WorkspaceSettings.of(settings).alert_kpis or DEFAULT_WATCHED
    computable = {k.id for k in performance.kpis}
    return [k for k in wanted if k in computable]


def recent_alerts(
    performance: Performance,
    kpis: Sequence[str],
    request: KpiRequest,
    settings: AlertSettings,
    periods: int = RECENT_PERIODS,
) -> RecentAlerts:
    """Alerts of the last ``periods`` periods (weeks, or months for monthly data) of the request's range,
    per channel when channels are mapped, thin periods left out (and said), one per channel, family
    and period, the most money at stake first.

    Kept in the session's query cache: the key holds the stacked rows' SQL, which names versioned
    tables, so a new upload or mapping is a new key."""
    rows_sql, params = performance.rows_sql()
    where = tuple(sorted((d, tuple(v)) for d, v in request.where.items()))
    key = (
        "recent_alerts",
        rows_sql,
        tuple(params),
        tuple(kpis),
        request.date_from,
        request.date_to,
        where,
        settings,
        periods,
        performance.settings,
    )
    cache = performance.cache
    hit = cache.lookup(key) if cache is not None else None
    if hit is not None:
        cached: RecentAlerts = hit[0]  # the cache holds lists: this one holds the result
        return cached
    found = _recent_alerts(performance, kpis, request, settings, periods)
    if cache is not None:
        cache.put(key, [found])
    return found


def _recent_alerts(
    performance: Performance, kpis: Sequence[str], request: KpiRequest, settings: AlertSettings, periods: int
) -> RecentAlerts:
    latest, step = performance.date_coverage(request)
    if latest is None:
        return RecentAlerts()
    grain: AlertGrain = "week" if step < 28 else "month"
    by = "channel" if "channel" in performance.dimensions else None
    since = latest - timedelta(days=periods * (7 if grain == "week" else 31))
    thin = {t.period: t for t in thin_periods(performance, request, grain, settings) if t.period > since}
    start = latest - timedelta(days=latest.weekday()) if grain == "week" else latest.replace(day=1)
    if latest + timedelta(days=step - 1) < period_end(start, grain):  # detect_alerts leaves it out; say so
        thin[start] = LeftOut(start, math.nan, {}, grain, data_ends=latest + timedelta(days=step - 1))
    found = [
        a
        for kpi in kpis
        for a in detect_alerts(performance, kpi, by, grain, request, settings)
        if a.period > since and a.period not in thin
    ]
    kept = fold_runs(one_per_family(unexplained(found)), grain)
    return RecentAlerts(tuple(rank(kept)), tuple(thin[p] for p in sorted(thin)))


def unexplained(alerts: Sequence[Alert]) -> list[Alert]:
    """Drop a ratio alert whose own input alerts for the same dimension value and period: CPL up in
    the week spend tripled is that spend alert told twice."""
    seen = {(a.period, tuple(sorted(a.dims.items())), a.kpi) for a in alerts}
    return [
        a
        for a in alerts
        if BY_ID[a.kpi].is_sum
        or not any((a.period, tuple(sorted(a.dims.items())), m) in seen for m in BY_ID[a.kpi].inputs)
    ]


def fold_runs(alerts: Sequence[Alert], grain: AlertGrain) -> list[Alert]:
    """One alert per run: the same dimension value, family and direction in consecutive periods is one
    change. The run's first alert stays, with ``lasting`` periods and the run's money at stake."""
    keyed = sorted(alerts, key=lambda a: (tuple(sorted(a.dims.items())), a.family, a.direction, a.period))
    out: list[Alert] = []
    for alert in keyed:
        if out:
            last = out[-1]
            same = (last.dims, last.family, last.direction) == (alert.dims, alert.family, alert.direction)
            if same and _next(last.period, grain, last.lasting) == alert.period:
                out[-1] = replace(last, lasting=last.lasting + 1, at_stake=last.at_stake + alert.at_stake)
                continue
        out.append(alert)
    return out


def _next(start: date, grain: AlertGrain, periods: int) -> date:
    if grain == "week":
        return start + timedelta(weeks=periods)
    months = start.year * 12 + start.month - 1 + periods
    return date(months // 12, months % 12 + 1, 1)


def one_per_family(alerts: Sequence[Alert]) -> list[Alert]:
    """The biggest alert (money at stake, then score) of each dimension value, KPI family and period."""
    best: dict[tuple[date, tuple[tuple[str, str], ...], str], Alert] = {}
    for alert in alerts:
        key = (alert.period, tuple(sorted(alert.dims.items())), alert.family)
        if key not in best or _size(alert) > _size(best[key]):
            best[key] = alert
    return list(best.values())


def rank(alerts: Sequence[Alert]) -> list[Alert]:
    """Most money at stake first, then the largest score, then the newest."""
    return sorted(alerts, key=lambda a: (-a.at_stake, -abs(a.score), -a.period.toordinal(), tuple(a.dims.values())))


def _size(alert: Alert) -> tuple[float, float]:
    return (alert.at_stake, abs(alert.score))


def thin_periods(
    performance: Performance, request: KpiRequest, grain: AlertGrain, settings: AlertSettings
) -> list[LeftOut]:
    """The periods whose volume is under ``THIN_SHARE`` of the usual (the median of the ``window``
    periods before) both over all the filtered data and in most channels: measure by measure, the
    median share deciding; with channels mapped, the median channel's share must be thin too, so that
    one big channel stopping is that channel's alert, not a thin period."""
    computable = {k.id for k in performance.kpis}
    measures = [m for m in VOLUME if m in computable]
    if not measures:
        return []
    by = ("channel",) if "channel" in performance.dimensions else ()
    frame = performance.compute(
        KpiRequest(
            kpis=tuple(measures),
            by=by,
            grain=grain,
            date_from=request.date_from,
            date_to=request.date_to,
            where=request.where,
        )
    ).frame()
    if frame.empty:
        return []
    frame = frame.assign(period=pd.to_datetime(frame["period"]))
    step = "7D" if grain == "week" else "MS"
    periods = pd.date_range(frame["period"].min(), frame["period"].max(), freq=step)
    total = frame.groupby("period")[measures].sum().reindex(periods, fill_value=0.0).to_numpy(dtype=float)
    channels = (
        [
            g.set_index("period")[measures].reindex(periods, fill_value=0.0).to_numpy(dtype=float)
            for _, g in frame.groupby(by[0], dropna=False)
        ]
        if by
        else []
    )
    out: list[LeftOut] = []
    for t in range(settings.min_history, len(periods)):
        shares = _shares(total, t, settings.window, measures)
        if not shares:
            continue
        share = float(np.median(list(shares.values())))
        if share >= THIN_SHARE:
            continue
        per_channel = [s for s in (_shares(v, t, settings.window, measures) for v in channels) if s]
        if per_channel and float(np.median([np.median(list(s.values())) for s in per_channel])) >= THIN_SHARE:
            continue  # most channels as usual: one or two moved, and their alerts say so
        out.append(LeftOut(periods[t].date(), share, shares, grain))
    return out


def _shares(values: np.ndarray, t: int, window: int, measures: list[str]) -> dict[str, float]:
    """Each measure's value at t over its median in the ``window`` periods before (where that is > 0)."""
    with warnings.catch_warnings():  # a measure a channel never has (NULL) is all NaN: no share
        warnings.simplefilter("ignore", RuntimeWarning)
        usual = np.nanmedian(values[max(0, t - window) : t], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {m: float(values[t, j] / usual[j]) for j, m in enumerate(measures) if usual[j] > 0}
    return {m: v for m, v in shares.items() if math.isfinite(v)}


def _lower(name: str) -> str:
    """'Spend' -> 'spend'; 'SQLs' stays."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name
