"""The performance data of a workspace: its mapped performance datasets, stacked."""

from __future__ import annotations

from kpi_core.metrics.query import Performance, Source
from kpi_core.workspace import Workspace


def workspace_performance(ws: Workspace) -> Performance:
    sources = [
        Source(d.mapping, d.table, d.name)  # type: ignore[arg-type]
        for d in ws.datasets()
        if d.kind == "performance" and d.is_mapped
    ]
    return Performance(ws.con, sources, settings=ws.settings(), cache=ws.query_cache)
