"""The workspace file's own tables, and how an older file is brought up to date."""

from __future__ import annotations

import duckdb

from kpi_core.sql import fetch_row

SCHEMA_VERSION = 3

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS datasets (
            id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            sheet VARCHAR,
            kind VARCHAR NOT NULL,
            table_name VARCHAR NOT NULL,
            row_count BIGINT NOT NULL,
            profile VARCHAR NOT NULL,
            mapping VARCHAR,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
        "CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    ],
    2: [
        """CREATE TABLE IF NOT EXISTS goals (
            id INTEGER PRIMARY KEY,
            spec VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS annotations (
            id INTEGER PRIMARY KEY,
            day DATE NOT NULL,
            title VARCHAR NOT NULL,
            note VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
    ],
    3: [
        """CREATE TABLE IF NOT EXISTS budget_scenarios (
            id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            spec VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
    ],
}


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file is at SCHEMA_VERSION already (a read: opening an up-to-date file writes nothing)."""
    try:
        row = fetch_row(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:  # a new, empty file
        return False
    return row is not None and int(row[0]) >= SCHEMA_VERSION


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply every migration newer than the file's version, each in one transaction."""
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    row = fetch_row(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    current = int(row[0]) if row else 0
    for version in sorted(v for v in MIGRATIONS if v > current):
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in MIGRATIONS[version]:
                con.execute(statement)
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
