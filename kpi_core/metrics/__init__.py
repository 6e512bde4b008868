"""Metrics: the KPI registry and the one-query KPI engine over mapped performance data."""

from kpi_core.metrics.query import GRAINS, KpiRequest, KpiTable, Performance, Source
from kpi_core.metrics.registry import BY_ID, KPI_ORDER, KPIS, Kpi

__all__ = ["BY_ID", "GRAINS", "KPIS", "KPI_ORDER", "Kpi", "KpiRequest", "KpiTable", "Performance", "Source"]
