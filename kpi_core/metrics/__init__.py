"""Metrics: the KPI registry and the one-query KPI engine over mapped performance data.

The names below load on first use, so that importing one light module of this package (``format``,
``registry``) does not load the query engine, DuckDB and pandas with it (the CLI starts faster).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpi_core.metrics.query import GRAINS, KpiRequest, KpiTable, Performance, Source
    from kpi_core.metrics.registry import BY_ID, KPI_ORDER, KPIS, Kpi

__all__ = ["BY_ID", "GRAINS", "KPIS", "KPI_ORDER", "Kpi", "KpiRequest", "KpiTable", "Performance", "Source"]

_HOMES = {
    "GRAINS": "kpi_core.metrics.query",
    "KpiRequest": "kpi_core.metrics.query",
    "KpiTable": "kpi_core.metrics.query",
    "Performance": "kpi_core.metrics.query",
    "Source": "kpi_core.metrics.query",
    "BY_ID": "kpi_core.metrics.registry",
    "KPI_ORDER": "kpi_core.metrics.registry",
    "KPIS": "kpi_core.metrics.registry",
    "Kpi": "kpi_core.metrics.registry",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'kpi_core.metrics' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
