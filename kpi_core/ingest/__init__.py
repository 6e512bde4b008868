"""Ingest: a CSV or workbook in, a typed DuckDB table and its profile out. Knows nothing of roles.

The names below load on first use, so the workbook worker (a child process importing only what
it reads with) starts fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FILE_TYPES", "ColumnProfile", "DroppedRow", "Ingested", "Profile", "ingest", "list_sheets", "list_tables"]

_HOMES = {
    "FILE_TYPES": "kpi_core.ingest.staging",
    "ColumnProfile": "kpi_core.ingest.profile",
    "DroppedRow": "kpi_core.ingest.profile",
    "Profile": "kpi_core.ingest.profile",
    "Ingested": "kpi_core.ingest.reader",
    "ingest": "kpi_core.ingest.reader",
    "list_sheets": "kpi_core.ingest.reader",
    "list_tables": "kpi_core.ingest.reader",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'kpi_core.ingest' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
