"""The alerts the Dashboard lists: the watched KPIs, by channel, over the last few periods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from kpi_core.alerts.detect import Alert, AlertGrain, AlertSettings, detect_alerts
from kpi_core.metrics.query import KpiRequest, Performance
from kpi_core.settings import WorkspaceSettings

DEFAULT_WATCHED = ("spend", "leads", "sqls", "customers", "revenue", "cpl", "roas")
RECENT_PERIODS = 8  # what a weekly review looks back over


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
) -> list[Alert]:
    """Alerts of the last ``periods`` periods (weeks, or months for monthly data) of the request's range,
    per channel when channels are mapped; newest and largest first.

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
    if cache is not None and key in cache:
        return list(cache.get(key))
    found = _recent_alerts(performance, kpis, request, settings, periods)
    if cache is not None:
        cache.put(key, found)
    return found


def _recent_alerts(
    performance: Performance, kpis: Sequence[str], request: KpiRequest, settings: AlertSettings, periods: int
) -> list[Alert]:
    latest, step = performance.date_coverage(request)
    if latest is None:
        return []
    grain: AlertGrain = "week" if step < 28 else "month"
    by = "channel" if "channel" in performance.dimensions else None
    since = latest - timedelta(days=periods * (7 if grain == "week" else 31))
    found = [
        a for kpi in kpis for a in detect_alerts(performance, kpi, by, grain, request, settings) if a.period > since
    ]
    found.sort(key=lambda a: (-a.period.toordinal(), -abs(a.score)))
    return found
