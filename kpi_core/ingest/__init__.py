"""Ingest: a CSV or workbook in, a typed DuckDB table and its profile out. Knows nothing of roles."""

from kpi_core.ingest.profile import ColumnProfile, DroppedRow, Profile
from kpi_core.ingest.reader import Ingested, ingest, list_sheets

__all__ = ["ColumnProfile", "DroppedRow", "Ingested", "Profile", "ingest", "list_sheets"]
