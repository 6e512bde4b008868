"""Workspace: the DuckDB file with datasets, mappings and settings; the only module that writes."""

from kpi_core.workspace.home import DEFAULT_NAME, list_named, new_private_name
from kpi_core.workspace.samples import load_samples
from kpi_core.workspace.store import Dataset, Workspace

__all__ = ["DEFAULT_NAME", "Dataset", "Workspace", "list_named", "load_samples", "new_private_name"]
