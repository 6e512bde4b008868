"""The workspace file's own tables, and how an older file is brought up to date."""

from __future__ import annotations

import duckdb

from kpi_core.sql import fetch_row

SCHEMA_VERSION = 5

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
    # Saved objects in one table the store does not need to understand (documents.py); the three
    # tables of versions 2-3 move into it, ids and id counters (meta) unchanged.
    4: [
        """CREATE TABLE IF NOT EXISTS documents (
            collection VARCHAR NOT NULL,
            id INTEGER NOT NULL,
            name VARCHAR,
            spec VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (collection, id)
        )""",
        "INSERT INTO documents SELECT 'goals', id, NULL, spec, created_at, updated_at FROM goals",
        """INSERT INTO documents SELECT 'annotations', id, NULL,
            json_object('day', strftime(day, '%Y-%m-%d'), 'title', title, 'note', note)::VARCHAR, created_at, created_at
            FROM annotations""",
        "INSERT INTO documents SELECT 'budget_scenarios', id, name, spec, created_at, created_at FROM budget_scenarios",
        "DROP TABLE goals",
        "DROP TABLE annotations",
        "DROP TABLE budget_scenarios",
    ],
    # The file's own id: query results are shared by the sessions reading one file, under its id, so a
    # file deleted and made anew under the same name (its dataset tables named alike) shares nothing.
    5: ["INSERT INTO meta SELECT 'file_id', uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'file_id')"],
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
