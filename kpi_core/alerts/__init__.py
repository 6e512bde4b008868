"""Alerts: periods where a KPI moved far from its recent, seasonal range, per dimension value."""

from kpi_core.alerts.detect import (
    ALERT_GRAINS,
    SEASONS,
    Alert,
    AlertGrain,
    AlertSettings,
    detect_alerts,
    score_series,
)
from kpi_core.alerts.recent import DEFAULT_WATCHED, recent_alerts, watched_kpis

__all__ = [
    "ALERT_GRAINS",
    "DEFAULT_WATCHED",
    "Alert",
    "AlertGrain",
    "AlertSettings",
    "SEASONS",
    "detect_alerts",
    "recent_alerts",
    "score_series",
    "watched_kpis",
]
