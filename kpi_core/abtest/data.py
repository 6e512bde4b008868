"""Arms from an uploaded experiment dataset, summed in DuckDB (never row by row in Python).

Two shapes (PRODUCT.md, kind ``experiment``): one row per variant (or per variant and day) with
users and conversions, or one row per user with the variant and the outcome. A per-user file with a
user ID counts each user once (converted if any of their rows did; their revenue summed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from kpi_core.abtest.models import Arm
from kpi_core.errors import InputError
from kpi_core.mapping.model import ColumnSource, ConstantSource, Mapping, Source
from kpi_core.sql import fetch_row, quote_identifier


@dataclass(frozen=True)
class ExperimentData:
    arms: list[Arm]
    first_day: date | None
    last_day: date | None
    daily: pd.DataFrame | None
    """Cumulative users and conversions per day and variant (columns day, variant, users, conversions)."""


def _sql(source: Source | None, cast: str) -> tuple[str, list[Any]]:
    if source is None:
        return f"CAST(NULL AS {cast})", []
    if isinstance(source, ColumnSource):
        return f"TRY_CAST({quote_identifier(source.column)} AS {cast})", []
    if isinstance(source, ConstantSource):
        return f"CAST(? AS {cast})", [source.value]
    raise InputError("an experiment role takes one column or one constant, not one column per channel.")


def _unit_rows(mapping: Mapping, table: str) -> tuple[str, list[Any]]:
    """One row per unit (a variant-day aggregate, or a user): variant, day, users, conversions, revenue,
    revenue_squares, first (to keep the file's order of variants)."""
    roles = mapping.roles
    if "variant" not in roles:
        raise InputError("map the variant column of the experiment dataset first.")
    params: list[Any] = []

    def value(role: str, cast: str) -> str:
        sql, extra = _sql(roles.get(role), cast)
        params.extend(extra)
        return sql

    variant, day = value("variant", "VARCHAR"), value("timestamp", "DATE")
    if "users" in roles:
        if "conversions" not in roles:
            raise InputError("an experiment file with users per variant needs its conversions column mapped too.")
        body = (f"SELECT {variant} AS variant, {day} AS day, {value('users', 'DOUBLE')} AS users, "
                f"{value('conversions', 'DOUBLE')} AS conversions, {value('revenue', 'DOUBLE')} AS revenue, "
                "CAST(NULL AS DOUBLE) AS revenue_squares, rowid AS first "
                f"FROM {quote_identifier(table)}")
        return body, params
    if "converted" not in roles and "revenue" not in roles:
        raise InputError("map users and conversions (one row per variant), or converted or revenue (one row per user).")
    converted = value("converted", "DOUBLE") if "converted" in roles else None
    revenue = value("revenue", "DOUBLE")
    user = value("user_id", "VARCHAR") if "user_id" in roles else "rowid"
    outcome = f"COALESCE({converted}, 0) > 0" if converted else f"COALESCE({revenue}, 0) > 0"
    has_revenue = "revenue" in roles
    body = (
        "SELECT variant, MIN(day) AS day, 1.0 AS users, MAX(CAST(converted AS DOUBLE)) AS conversions, "
        + ("SUM(revenue) AS revenue, SUM(revenue) * SUM(revenue) AS revenue_squares, " if has_revenue
           else "NULL AS revenue, NULL AS revenue_squares, ")
        + "MIN(first) AS first FROM ("
        f"SELECT {variant} AS variant, {day} AS day, {user} AS unit, {outcome} AS converted, "
        f"COALESCE({revenue}, 0) AS revenue, rowid AS first FROM {quote_identifier(table)}"
        ") GROUP BY variant, unit"
    )
    return body, params


def experiment_data(con: duckdb.DuckDBPyConnection, mapping: Mapping, table: str) -> ExperimentData:
    units, params = _unit_rows(mapping, table)
    rows = con.execute(
        f"SELECT variant, SUM(users), SUM(conversions), SUM(revenue), SUM(revenue_squares), COUNT(revenue_squares) "
        f"FROM ({units}) WHERE variant IS NOT NULL GROUP BY variant ORDER BY MIN(first)", params,
    ).fetchall()
    arms = []
    for name, users, conversions, revenue, squares, squares_known in rows:
        per_user = squares_known and revenue is not None
        arms.append(Arm(str(name), int(users or 0), int(conversions or 0),
                        float(revenue) if per_user else None, float(squares) if per_user else None))
    first, last = fetch_row(con, f"SELECT MIN(day), MAX(day) FROM ({units})", params) or (None, None)
    daily = None
    if first is not None:
        daily = con.execute(
            "SELECT day, variant, SUM(SUM(users)) OVER w AS users, SUM(SUM(conversions)) OVER w AS conversions "
            f"FROM ({units}) WHERE variant IS NOT NULL AND day IS NOT NULL GROUP BY day, variant "
            "WINDOW w AS (PARTITION BY variant ORDER BY day) ORDER BY day, variant", params,
        ).df()
    return ExperimentData(arms, first, last, daily)
