"""Small SQL helpers every module shares: identifier quoting, literals, one-row fetches."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

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


QUERY_FAILED = (
    "A value in the data could not be computed ({reason}). Check the mapped columns on the Data "
    "quality page (or with `check`), fix or exclude the rows, and try again."
)
TOO_BIG = "This question needs more memory than this machine has: narrow the dates or the breakdown and try again."


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row of a query over a user's data. What the data can cause (a value that does not cast,
    an overflow, memory) becomes an InputError with a sentence for the user; anything else (a
    missing table, a binder error: a bug) is raised as it is."""
    import duckdb

    try:
        return [tuple(r) for r in con.execute(sql, list(params or [])).fetchall()]
    except (duckdb.ConversionException, duckdb.OutOfRangeException, duckdb.InvalidInputException) as exc:
        from kpi_core.errors import InputError

        reason = str(exc).split(":", 1)[0].strip() or type(exc).__name__
        raise InputError(QUERY_FAILED.format(reason=reason.lower())) from None
    except duckdb.OutOfMemoryException:
        from kpi_core.errors import InputError

        raise InputError(TOO_BIG) from None


class QueryCache:
    """A small least-recently-used map from (SQL, parameters) to result rows (also holds analyses
    derived from such rows, under keys that include the SQL they came from). Shared by the sessions
    that read one workspace file, so it takes a lock."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, list[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def lookup(self, key: Hashable) -> list[Any] | None:
        """The rows under ``key`` (None: not cached); callers never change them."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def get(self, key: Hashable) -> list[Any]:
        found = self.lookup(key)
        if found is None:
            raise KeyError(key)
        return found

    def put(self, key: Hashable, rows: list[Any]) -> None:
        with self._lock:
            self._items[key] = rows
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
