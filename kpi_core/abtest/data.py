"""Arms from an uploaded experiment dataset, summed in DuckDB (never row by row in Python).

The rows come from the mapping's experiment view (``kpi_core.mapping.views.experiment_select``):
this module only sums its units per variant and per day. Pages call ``experiment_data_for`` with
the workspace and a dataset, and never see the connection; a DuckDB error becomes an InputError
with one sentence for the user here, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from kpi_core.abtest.models import Arm
from kpi_core.errors import InputError
from kpi_core.mapping.model import Mapping
from kpi_core.mapping.views import experiment_select
from kpi_core.sql import fetch_row

if TYPE_CHECKING:  # annotations only: the CLI imports this module without a workspace
    from kpi_core.workspace import Dataset, Workspace

NOT_MAPPED = "map the experiment dataset '{name}' first."
UNREADABLE = "the experiment dataset could not be summed with its mapping; check its columns on the Mapping page."


@dataclass(frozen=True)
class ExperimentData:
    """What an experiment dataset holds, summed: its arms (in the file's order) and its days."""

    arms: list[Arm]
    first_day: date | None
    last_day: date | None
    daily: pd.DataFrame | None
    """Cumulative users and conversions per day and variant (columns day, variant, users, conversions)."""


def experiment_datasets(ws: Workspace) -> list[Dataset]:
    """The workspace's experiment datasets whose mapping is complete, in upload order."""
    return [d for d in ws.datasets() if d.kind == "experiment" and d.is_mapped]


def experiment_data_for(ws: Workspace, dataset: Dataset) -> ExperimentData:
    """The arms and days of ``dataset``, one of ``ws``'s experiment datasets (what the A/B page reads)."""
    if dataset.mapping is None:
        raise InputError(NOT_MAPPED.format(name=dataset.name))
    return experiment_data(ws.con, dataset.mapping, dataset.table)


def experiment_data(con: duckdb.DuckDBPyConnection, mapping: Mapping, table: str) -> ExperimentData:
    """The arms and days of experiment table ``table`` on ``con`` (a base table: rowid keeps the file's
    order of variants). Raises InputError for a mapping that fits no experiment shape, or a table
    DuckDB cannot sum with it."""
    units, params = experiment_select(mapping, table)
    try:
        return _summed(con, units, params)
    except duckdb.Error as exc:
        raise InputError(UNREADABLE) from exc


def _summed(con: duckdb.DuckDBPyConnection, units: str, params: list[Any]) -> ExperimentData:
    rows = con.execute(
        f"SELECT variant, SUM(users), SUM(conversions), SUM(revenue), SUM(revenue_squares), COUNT(revenue_squares) "
        f"FROM ({units}) WHERE variant IS NOT NULL GROUP BY variant ORDER BY MIN(first)",
        params,
    ).fetchall()
    arms = []
    for name, users, conversions, revenue, squares, squares_known in rows:
        per_user = squares_known and revenue is not None
        arms.append(
            Arm(
                str(name),
                int(users or 0),
                int(conversions or 0),
                float(revenue) if per_user else None,
                float(squares) if per_user else None,
            )
        )
    first, last = fetch_row(con, f"SELECT MIN(day), MAX(day) FROM ({units})", params) or (None, None)
    daily = None
    if first is not None:
        daily = con.execute(
            "SELECT day, variant, SUM(SUM(users)) OVER w AS users, SUM(SUM(conversions)) OVER w AS conversions "
            f"FROM ({units}) WHERE variant IS NOT NULL AND day IS NOT NULL GROUP BY day, variant "
            "WINDOW w AS (PARTITION BY variant ORDER BY day) ORDER BY day, variant",
            params,
        ).df()
    return ExperimentData(arms, first, last, daily)
