"""How much of a file ingest will read: caps that keep one hostile file from taking the server down.

Each can be set for a whole server through an environment variable (an administrator's setting).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

EXCEL_MAX_ROWS = 1_048_576  # Excel's own limits: no real export is larger
EXCEL_MAX_COLUMNS = 16_384


def _env_number(variable: str, default: float) -> float:
    try:
        value = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    workbook_bytes: int  # uncompressed size of a workbook's sheets and strings
    compression_ratio: float  # uncompressed / compressed size of one part above which it is a zip bomb
    worker_memory_bytes: int  # address space of the process reading a workbook
    worker_seconds: float  # time reading one file may take (a workbook's worker, a CSV's queries)
    ingest_memory_bytes: int  # DuckDB's memory for reading one file (it spills to disk beyond)
    max_columns: int
    max_rows: int


def limits() -> Limits:
    """The limits in force: defaults, or the environment's ROI_WORKBENCH_* values."""
    return Limits(
        workbook_bytes=int(_env_number("ROI_WORKBENCH_MAX_WORKBOOK_MB", 500) * 1_000_000),
        compression_ratio=_env_number("ROI_WORKBENCH_MAX_COMPRESSION_RATIO", 1000),
        worker_memory_bytes=int(_env_number("ROI_WORKBENCH_WORKER_MEMORY_MB", 2000) * 1_000_000),
        worker_seconds=_env_number("ROI_WORKBENCH_WORKER_SECONDS", 50),
        ingest_memory_bytes=int(_env_number("ROI_WORKBENCH_INGEST_MEMORY_MB", 1000) * 1_000_000),
        max_columns=int(_env_number("ROI_WORKBENCH_MAX_COLUMNS", 1000)),
        max_rows=int(_env_number("ROI_WORKBENCH_MAX_ROWS", EXCEL_MAX_ROWS)),
    )
