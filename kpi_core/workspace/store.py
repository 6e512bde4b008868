"""A workspace: one DuckDB file holding datasets, their mappings, settings, goals and annotations.

This is the only module that writes to a workspace. Every write is one transaction: a failed
upload or a bad mapping leaves the file exactly as it was.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pandas as pd

from kpi_core.errors import InputError
from kpi_core.budget.scenarios import Scenario, scenario_from_dict
from kpi_core.goals.model import Goal, goal_from_dict
from kpi_core.ingest import Profile, ingest
from kpi_core.sql import QueryCache, fetch_row, fetch_value, quote_identifier
from kpi_core.mapping import Kind, Mapping, Validation, mapping_from_dict, suggest, validate
from kpi_core.trends.annotations import Annotation, checked as checked_annotation
from kpi_core.workspace import home as homes
from kpi_core.workspace.schema import migrate


@dataclass(frozen=True)
class Dataset:
    id: int
    name: str
    file_name: str
    sheet: str | None
    kind: Kind
    table: str
    rows: int
    profile: Profile
    mapping: Mapping | None
    created_at: datetime
    updated_at: datetime

    @property
    def validation(self) -> Validation | None:
        return validate(self.mapping, self.profile) if self.mapping is not None else None

    @property
    def is_mapped(self) -> bool:
        validation = self.validation
        return validation is not None and validation.ok


_COLUMNS = "id, name, file_name, sheet, kind, table_name, row_count, profile, mapping, created_at, updated_at"


class Workspace:
    """One workspace file. Keeps one connection open for its owner (a browser session, the CLI)."""

    def __init__(self, name: str) -> None:
        self.name = homes.check_name(name)
        self.path: Path = homes.path_of(self.name)
        self._con: duckdb.DuckDBPyConnection | None = None
        # Query results of this owner's session; safe across edits because every dataset version
        # has its own table name and ids are never reused (see _next_id).
        self.query_cache = QueryCache()

    # --- connection ---------------------------------------------------------------------------

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                raise InputError(
                    f"The workspace '{self.name}' is open in another program ({str(exc).splitlines()[0]}). "
                    "Close it there, or use another workspace."
                ) from None
            except duckdb.Error as exc:
                raise InputError(
                    f"The workspace file {self.path} could not be opened: {str(exc).splitlines()[0]}"
                ) from None
            con.execute("SET enable_progress_bar = false")
            migrate(con)
            self._con = con
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def rename_to(self, new_name: str) -> None:
        """Give this workspace another name (its file is renamed): how a private one becomes named."""
        target = homes.path_of(new_name)
        if target.exists():
            raise InputError(f"A workspace called '{new_name.strip()}' already exists; open it or pick another name.")
        self.close()
        if self.path.exists():
            self.path.rename(target)
            wal = self.path.with_name(self.path.name + ".wal")
            if wal.exists():
                wal.rename(target.with_name(target.name + ".wal"))
        self.name, self.path = homes.check_name(new_name), target

    # --- datasets -----------------------------------------------------------------------------

    def datasets(self) -> list[Dataset]:
        rows = self.con.execute(f"SELECT {_COLUMNS} FROM datasets ORDER BY id").fetchall()
        return [_dataset(row) for row in rows]

    def dataset(self, dataset_id: int) -> Dataset:
        row = fetch_row(self.con, f"SELECT {_COLUMNS} FROM datasets WHERE id = ?", [dataset_id])
        if row is None:
            raise InputError(f"There is no dataset {dataset_id} in workspace '{self.name}'.")
        return _dataset(row)

    def add_dataset(
        self,
        source: str | Path | bytes,
        file_name: str | None = None,
        sheet: str | None = None,
        name: str | None = None,
        mapping: Mapping | None = None,
    ) -> Dataset:
        """Ingest a file and store it with a mapping (the given one, else a suggested one)."""
        ingested = ingest(source, name=file_name, sheet=sheet)
        profile = ingested.profile
        mapping = mapping if mapping is not None else suggest(profile)
        now = datetime.now()
        with self.transaction() as con:
            dataset_id = _next_id(con)
            table = f"ds_{dataset_id}_1"
            _copy_table(ingested, con, table)
            con.execute(
                f"INSERT INTO datasets ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    dataset_id, self._free_name(con, name or _default_name(profile)), profile.file,
                    profile.sheet, mapping.kind, table, profile.rows, json.dumps(profile.to_dict()),
                    mapping.to_json(), now, now,
                ],
            )
        ingested.con.close()
        return self.dataset(dataset_id)

    def replace_dataset(
        self, dataset_id: int, source: str | Path | bytes, file_name: str | None = None, sheet: str | None = None
    ) -> Dataset:
        """Re-upload: new data under the same name and mapping (check its validation afterwards)."""
        old = self.dataset(dataset_id)
        ingested = ingest(source, name=file_name, sheet=sheet if sheet is not None else old.sheet)
        profile = ingested.profile
        version = int(old.table.rsplit("_", 1)[1]) + 1
        table = f"ds_{dataset_id}_{version}"
        with self.transaction() as con:
            _copy_table(ingested, con, table)
            con.execute(
                "UPDATE datasets SET file_name = ?, sheet = ?, table_name = ?, row_count = ?, profile = ?, "
                "updated_at = ? WHERE id = ?",
                [profile.file, profile.sheet, table, profile.rows, json.dumps(profile.to_dict()), datetime.now(), dataset_id],
            )
            con.execute(f"DROP TABLE {quote_identifier(old.table)}")
        ingested.con.close()
        return self.dataset(dataset_id)

    def rename_dataset(self, dataset_id: int, name: str) -> Dataset:
        name = name.strip()
        if not name:
            raise InputError("A dataset needs a name.")
        self.dataset(dataset_id)
        with self.transaction() as con:
            taken = fetch_value(
                con, "SELECT count(*) FROM datasets WHERE lower(name) = lower(?) AND id <> ?", [name, dataset_id]
            )
            if taken:
                raise InputError(f"A dataset called '{name}' already exists in this workspace.")
            con.execute("UPDATE datasets SET name = ?, updated_at = ? WHERE id = ?", [name, datetime.now(), dataset_id])
        return self.dataset(dataset_id)

    def delete_dataset(self, dataset_id: int) -> None:
        dataset = self.dataset(dataset_id)
        with self.transaction() as con:
            con.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
            con.execute(f"DROP TABLE IF EXISTS {quote_identifier(dataset.table)}")

    def set_mapping(self, dataset_id: int, mapping: Mapping | dict[str, Any]) -> Validation:
        """Store a mapping if it is valid for the dataset; return what is wrong either way."""
        dataset = self.dataset(dataset_id)
        if isinstance(mapping, dict):
            mapping = mapping_from_dict(mapping)
        result = validate(mapping, dataset.profile)
        if result.ok:
            with self.transaction() as con:
                con.execute(
                    "UPDATE datasets SET mapping = ?, kind = ?, updated_at = ? WHERE id = ?",
                    [mapping.to_json(), mapping.kind, datetime.now(), dataset_id],
                )
        return result

    def preview(self, dataset_id: int, limit: int = 100) -> pd.DataFrame:
        dataset = self.dataset(dataset_id)
        return self.con.execute(f"SELECT * FROM {quote_identifier(dataset.table)} LIMIT ?", [int(limit)]).df()

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.con.execute("SELECT key, value FROM settings").fetchall()}

    def update_settings(self, values: dict[str, Any]) -> None:
        with self.transaction() as con:
            for key, value in values.items():
                con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, json.dumps(value)])

    # --- goals --------------------------------------------------------------------------------

    def goals(self) -> list[Goal]:
        rows = self.con.execute("SELECT id, spec FROM goals ORDER BY id").fetchall()
        return [replace(goal_from_dict(json.loads(spec)), id=int(goal_id)) for goal_id, spec in rows]

    def save_goal(self, goal: Goal) -> Goal:
        """Add a goal (no id yet) or replace the one with its id."""
        now = datetime.now()
        spec = json.dumps({k: v for k, v in goal.to_dict().items() if k != "id"}, ensure_ascii=False)
        with self.transaction() as con:
            if goal.id is None:
                goal_id = int(fetch_value(con, "SELECT coalesce(max(id), 0) + 1 FROM goals"))
                con.execute("INSERT INTO goals VALUES (?, ?, ?, ?)", [goal_id, spec, now, now])
                return replace(goal, id=goal_id)
            if fetch_value(con, "SELECT count(*) FROM goals WHERE id = ?", [goal.id]) == 0:
                raise InputError(f"There is no goal {goal.id} in workspace '{self.name}'.")
            con.execute("UPDATE goals SET spec = ?, updated_at = ? WHERE id = ?", [spec, now, goal.id])
        return goal

    def delete_goal(self, goal_id: int) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM goals WHERE id = ?", [goal_id])

    # --- annotations --------------------------------------------------------------------------

    def annotations(self) -> list[Annotation]:
        rows = self.con.execute("SELECT id, day, title, note FROM annotations ORDER BY day, id").fetchall()
        return [Annotation(day=day, title=title, note=note, id=int(i)) for i, day, title, note in rows]

    def add_annotation(self, day: date | None, title: str, note: str = "") -> Annotation:
        day, title, note = checked_annotation(day, title, note)
        with self.transaction() as con:
            annotation_id = int(fetch_value(con, "SELECT coalesce(max(id), 0) + 1 FROM annotations"))
            con.execute("INSERT INTO annotations VALUES (?, ?, ?, ?, ?)", [annotation_id, day, title, note, datetime.now()])
        return Annotation(day, title, note, annotation_id)

    def update_annotation(self, annotation_id: int, day: date | None, title: str, note: str = "") -> Annotation:
        day, title, note = checked_annotation(day, title, note)
        with self.transaction() as con:
            con.execute("UPDATE annotations SET day = ?, title = ?, note = ? WHERE id = ?", [day, title, note, annotation_id])
        return Annotation(day, title, note, annotation_id)

    def delete_annotation(self, annotation_id: int) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM annotations WHERE id = ?", [annotation_id])

    # --- budget scenarios -----------------------------------------------------------------------

    def budget_scenarios(self) -> list[Scenario]:
        rows = self.con.execute("SELECT id, spec, created_at FROM budget_scenarios ORDER BY id").fetchall()
        return [replace(scenario_from_dict(json.loads(spec), int(i)), created=str(created)) for i, spec, created in rows]

    def save_budget_scenario(self, scenario: Scenario) -> Scenario:
        """Add a scenario, or replace the one with the same name (names are unique, case aside)."""
        scenario = scenario_from_dict(scenario.to_dict())
        spec = json.dumps(scenario.to_dict(), ensure_ascii=False)
        with self.transaction() as con:
            existing = fetch_value(con, "SELECT id FROM budget_scenarios WHERE lower(name) = lower(?)", [scenario.name])
            if existing is not None:
                con.execute("UPDATE budget_scenarios SET name = ?, spec = ? WHERE id = ?", [scenario.name, spec, existing])
                return replace(scenario, id=int(existing))
            scenario_id = int(fetch_value(con, "SELECT coalesce(max(id), 0) + 1 FROM budget_scenarios"))
            con.execute("INSERT INTO budget_scenarios VALUES (?, ?, ?, ?)", [scenario_id, scenario.name, spec, datetime.now()])
        return replace(scenario, id=scenario_id)

    def delete_budget_scenario(self, scenario_id: int) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM budget_scenarios WHERE id = ?", [scenario_id])

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _free_name(con: duckdb.DuckDBPyConnection, wanted: str) -> str:
        taken = {r[0].lower() for r in con.execute("SELECT name FROM datasets").fetchall()}
        name, copy = wanted, 2
        while name.lower() in taken:
            name = f"{wanted} ({copy})"
            copy += 1
        return name


def _next_id(con: duckdb.DuckDBPyConnection) -> int:
    """A dataset id never used before in this workspace (deleted ids are not reused, so a table
    name always means the same rows)."""
    last = fetch_value(con, "SELECT value FROM meta WHERE key = 'last_dataset_id'")
    highest = fetch_value(con, "SELECT coalesce(max(id), 0) FROM datasets")
    dataset_id = max(int(last or 0), int(highest)) + 1
    con.execute("INSERT OR REPLACE INTO meta VALUES ('last_dataset_id', ?)", [str(dataset_id)])
    return dataset_id


def _copy_table(ingested: Any, con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Stream the ingested rows from ingest's own connection into the workspace, in Arrow batches."""
    reader = ingested.con.sql(f"SELECT * FROM {ingested.relation}").to_arrow_reader(100_000)
    con.register("incoming_rows", reader)
    try:
        con.execute(f"CREATE TABLE {quote_identifier(table)} AS SELECT * FROM incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _default_name(profile: Profile) -> str:
    stem = Path(profile.file).stem
    return f"{stem} - {profile.sheet}" if profile.sheet and profile.sheets and len(profile.sheets) > 1 else stem


def _dataset(row: tuple[Any, ...]) -> Dataset:
    (dataset_id, name, file_name, sheet, kind, table, rows, profile, mapping, created, updated) = row
    return Dataset(
        id=int(dataset_id),
        name=name,
        file_name=file_name,
        sheet=sheet,
        kind=kind,
        table=table,
        rows=int(rows),
        profile=Profile.from_dict(json.loads(profile)),
        mapping=mapping_from_dict(json.loads(mapping)) if mapping else None,
        created_at=created,
        updated_at=updated,
    )
