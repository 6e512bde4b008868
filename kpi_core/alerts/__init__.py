"""Alerts: periods where a KPI moved far from its recent, seasonal range, per dimension value."""

from kpi_core.alerts.detect import (
    ALERT_GRAINS, SEASONS, Alert, AlertGrain, AlertSettings, detect_alerts, score_series,
)

__all__ = ["ALERT_GRAINS", "Alert", "AlertGrain", "AlertSettings", "SEASONS", "detect_alerts", "score_series"]
