"""The performance data of one file read on the command line, under its mapping."""

from __future__ import annotations

from kpi_core.ingest import Ingested
from kpi_core.mapping import Mapping
from kpi_core.metrics.query import Performance, Source


def file_performance(ingested: Ingested, mapping: Mapping) -> Performance:
    return Performance(ingested.con, [Source(mapping, ingested.materialised("performance_rows"))])
