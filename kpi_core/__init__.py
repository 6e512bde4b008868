"""ROI Workbench core: ingest, mapping, workspace and KPIs. No Streamlit here."""

from kpi_core.errors import InputError

__all__ = ["InputError"]
