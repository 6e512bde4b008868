"""Small SQL helpers every module shares: identifier quoting, literals, one-row fetches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:  # annotations only: the workbook worker imports this module and needs no DuckDB
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


class QueryCache:
    """A small least-recently-used map from (SQL, parameters) to result rows, one per session (also
    holds analyses derived from such rows, under keys that include the SQL they came from)."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, list[Any]] = OrderedDict()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable) -> list[Any]:
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: Hashable, rows: list[Any]) -> None:
        self._items[key] = rows
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()
