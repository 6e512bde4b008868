"""Small SQL helpers every module shares: identifier quoting, literals, one-row fetches."""

from __future__ import annotations

from typing import Any, Sequence

import duckdb


def quote_identifier(name: str) -> str:
    """A SQL identifier for any name, hostile ones included (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """A SQL string literal, for fixed patterns only: user values are always parameters."""
    return "'" + text.replace("'", "''") + "'"


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result drained.

    DuckDB 2 streams results: a result read with fetchone() keeps the connection busy until it is
    exhausted, so one-row reads fetch everything (one row) instead.
    """
    rows = con.execute(sql, list(params or [])).fetchall()
    return rows[0] if rows else None


def fetch_value(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    row = fetch_row(con, sql, params)
    return row[0] if row else None
