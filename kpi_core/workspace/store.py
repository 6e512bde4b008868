"""A workspace: one DuckDB file holding datasets, their mappings, settings and saved objects (goals,
annotations, scenarios...: see documents.py).

This is the only module that writes to a workspace. Every write is one transaction: a failed
upload or a bad mapping leaves the file exactly as it was.

Several owners may share one workspace (a workshop screen and laptops: sessions, i.e. threads of one
server; or another process such as the CLI). DuckDB lets one process at a time open a file, and
within a process it resolves simultaneous transactions optimistically (the loser fails), so:

- every write takes a per-file lock of this process and runs on a connection of its own, opened
  for the transaction and closed after it. Writes of one process never overlap (nothing to conflict,
  ids allocated safely), readers never see a half write (their connection has no write on it), and
  a process that only writes (a script) holds the file only for the moment of each write;
- a conflict that still happens is retried a few times with backoff;
- a file held by another process is waited for a few seconds (processes that write in turn give way
  to one that waits), then one clear sentence;
- an edit that would overwrite someone else's newer save can be refused (``based_on``:
  ``WriteConflict``), so the page can show both versions and let the user decide.

Reads use one connection per Workspace that stays open until ``close()`` (the pages' queries run on
it): while a server shows a workspace, another process cannot open it, and is told so.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import weakref
from collections import OrderedDict
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import duckdb
import pandas as pd

from kpi_core.errors import InputError, WriteConflict
from kpi_core.ingest import Profile, ingest
from kpi_core.sql import QueryCache, fetch_row, fetch_value, quote_identifier
from kpi_core.mapping import Kind, Mapping, Validation, mapping_from_dict, suggest, validate
from kpi_core.workspace import home as homes
from kpi_core.workspace.documents import Collection, D
from kpi_core.workspace.schema import is_current, migrate


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


T = TypeVar("T")

LOCK_WAIT_SECONDS = 3.0  # another process holds the file: keep trying this long, then say so
BUSY_WAIT_SECONDS = 60.0  # another session of this process is writing (a big upload): wait this long
CONFLICT_ATTEMPTS = 5  # a DuckDB transaction conflict is retried, with backoff, this many times in all
GIVE_WAY_SECONDS = 1.0  # a process taking the file again first lets a waiting process in, this long at most

LOCKED = (
    "The workspace '{name}' is open in another program (another app server or a command line run). "
    "Close it there, or wait a moment and try again."
)
UNREADABLE = (
    "The workspace '{name}' could not be opened: its file is damaged or was written by a newer version "
    "of the app. Use another workspace, or restore the file from a backup."
)
BUSY = "The workspace '{name}' is busy saving other changes. Wait a moment and try again."
OPEN_ELSEWHERE = (
    "The workspace '{name}' is open in another session. Close it there (or switch that tab to another "
    "workspace) before renaming it."
)
class _File:
    """What the owners of one workspace file in this process share: the write lock, and who holds a
    read connection (a file must not be renamed under another session)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.readers: weakref.WeakSet[Workspace] = weakref.WeakSet()


_FILES: dict[str, _File] = {}
_FILES_LOCK = threading.Lock()
_CACHES: OrderedDict[str, QueryCache] = OrderedDict()  # by file id (see Workspace.query_cache)
SHARED_CACHES = 16  # files whose results stay in memory, the most recently used


def _file(path: Path) -> _File:
    with _FILES_LOCK:
        return _FILES.setdefault(str(path), _File())


_COLUMNS = "id, name, file_name, sheet, kind, table_name, row_count, profile, mapping, created_at, updated_at"


class Workspace:
    """One workspace file. Reads share one connection, kept open for its owner (a browser session,
    the CLI) until ``close()``; every write opens its own (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = homes.check_name(name)
        self.path: Path = homes.path_of(self.name)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._file_id: str | None = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- connection ---------------------------------------------------------------------------

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The read connection (opened on first use). Writes never run on it, so a query here sees
        each write whole or not at all."""
        if self._con is None:
            with self._locked():
                self._con = self._connect()
                _file(self.path).readers.add(self)
        return self._con

    @property
    def query_cache(self) -> QueryCache:
        """Query results, shared by every owner of this file in this process (a refresh is a new
        session; a workshop opens one named workspace in several browsers). Safe across edits because
        every dataset version has its own table name and ids are never reused (see _next_id); the
        file's path and its own id keep one file's results from another's (a file deleted and made anew
        under the same name names its tables alike)."""
        if self._file_id is None:
            self._file_id = str(fetch_value(self.con, "SELECT value FROM meta WHERE key = 'file_id'"))
        key = f"{self.path}|{self._file_id}"  # a copied file has the same id, not the same path
        with _FILES_LOCK:
            cache = _CACHES.setdefault(key, QueryCache())
            _CACHES.move_to_end(key)
            while len(_CACHES) > SHARED_CACHES:
                _CACHES.popitem(last=False)
            return cache

    def close(self) -> None:
        if self._con is not None:
            with self._locked():
                _file(self.path).readers.discard(self)
                self._con.close()
                self._con = None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's lock on the file: one write at a time."""
        lock = _file(self.path).lock
        if not lock.acquire(timeout=BUSY_WAIT_SECONDS):
            raise InputError(BUSY.format(name=self.name))
        try:
            yield
        finally:
            lock.release()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """A new connection to the file (the caller holds the lock: this process opens and closes a
        file one connection at a time), waiting a little for another process to let go of it; the
        schema brought up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not _file(self.path).readers:  # this process does not hold the file open: take turns
            _give_way(self.path)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        try:
            while True:
                try:
                    con = duckdb.connect(str(self.path))
                    break
                except duckdb.IOException as exc:
                    if "could not set lock" not in str(exc).lower():
                        raise InputError(UNREADABLE.format(name=self.name)) from None
                    if time.monotonic() >= deadline:
                        raise InputError(LOCKED.format(name=self.name)) from None
                    with suppress(OSError):
                        _marker(self.path, os.getpid()).touch()
                    time.sleep(min(random.uniform(0.005, 0.025), max(0.0, deadline - time.monotonic())))
                except duckdb.Error:
                    raise InputError(UNREADABLE.format(name=self.name)) from None
        finally:
            with suppress(OSError):
                _marker(self.path, os.getpid()).unlink(missing_ok=True)
        try:
            con.execute("SET enable_progress_bar = false")
            if not is_current(con):
                migrate(con)
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction, alone in this process, on a connection of its own."""
        with self._locked():
            con = self._connect()
            try:
                con.execute("BEGIN TRANSACTION")
                yield con
                con.execute("COMMIT")
            except BaseException:
                with suppress(duckdb.Error):  # a failed COMMIT has rolled back already
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()

    def _write(self, body: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``body`` in one transaction, again (from the start) if DuckDB reports a conflict."""
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                with self.transaction() as con:
                    return body(con)
            except duckdb.TransactionException:
                if attempt == CONFLICT_ATTEMPTS - 1:
                    raise InputError(BUSY.format(name=self.name)) from None
            time.sleep(0.02 * 2**attempt * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    def rename_to(self, new_name: str) -> None:
        """Give this workspace another name (its file is renamed): how a private one becomes named."""
        new_name = homes.check_name(new_name)
        target = homes.path_of(new_name)
        taken = InputError(f"A workspace called '{new_name}' already exists; open it or pick another name.")
        if target.exists():
            raise taken
        with ExitStack() as stack:
            for path in sorted({self.path, target}, key=str):  # one order: two renames cannot deadlock
                lock = _file(path).lock
                if not lock.acquire(timeout=BUSY_WAIT_SECONDS):
                    raise InputError(BUSY.format(name=self.name))
                stack.callback(lock.release)
            if target.exists():  # another session took the name while this one waited
                raise taken
            if any(owner is not self for owner in _file(self.path).readers):
                raise InputError(OPEN_ELSEWHERE.format(name=self.name))
            self.close()
            if self.path.exists():
                self._connect().close()  # another process holding it: LOCKED, nothing moved
                _move(self.path, target, taken)
                wal = self.path.with_name(self.path.name + ".wal")
                if wal.exists():
                    wal.rename(target.with_name(target.name + ".wal"))
            self.name, self.path = new_name, target

    # --- datasets -----------------------------------------------------------------------------

    def datasets(self) -> list[Dataset]:
        rows = self.con.execute(f"SELECT {_COLUMNS} FROM datasets ORDER BY id").fetchall()
        return [_dataset(row) for row in rows]

    def dataset(self, dataset_id: int) -> Dataset:
        return self._dataset_on(self.con, dataset_id)

    def _dataset_on(self, con: duckdb.DuckDBPyConnection, dataset_id: int) -> Dataset:
        row = fetch_row(con, f"SELECT {_COLUMNS} FROM datasets WHERE id = ?", [dataset_id])
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
        table: int | None = None,
    ) -> Dataset:
        """Ingest a file and store it with a mapping (the given one, else a suggested one). The file
        is read before the write lock is taken: only the copy into the workspace waits for others.
        ``table``: which of a text file's stacked tables (0-based), the first by default."""
        ingested = ingest(source, name=file_name, sheet=sheet, table=table)
        profile = ingested.profile

        def write(con: duckdb.DuckDBPyConnection) -> Dataset:
            now = datetime.now()
            dataset_id = _next_id(con, "datasets")
            table = f"ds_{dataset_id}_1"
            _copy_table(ingested, con, table)
            con.execute(
                f"INSERT INTO datasets ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    dataset_id, self._free_name(con, name or _default_name(profile)), profile.file,
                    profile.sheet, chosen.kind, table, profile.rows, json.dumps(profile.to_dict()),
                    chosen.to_json(), now, now,
                ],
            )
            return self._dataset_on(con, dataset_id)

        try:
            chosen = mapping if mapping is not None else suggest(profile)
            return self._write(write)
        finally:
            ingested.con.close()

    def replace_dataset(
        self, dataset_id: int, source: str | Path | bytes, file_name: str | None = None, sheet: str | None = None
    ) -> Dataset:
        """Re-upload: new data under the same name and mapping (check its validation afterwards)."""
        old = self.dataset(dataset_id)
        number = old.profile.table_number  # the same one of the file's stacked tables
        ingested = ingest(
            source, name=file_name, sheet=sheet if sheet is not None else old.sheet,
            table=number - 1 if number is not None else None,
        )
        profile = ingested.profile

        def write(con: duckdb.DuckDBPyConnection) -> Dataset:
            current = self._dataset_on(con, dataset_id)  # another session may have replaced it meanwhile
            table = f"ds_{dataset_id}_{int(current.table.rsplit('_', 1)[1]) + 1}"
            _copy_table(ingested, con, table)
            con.execute(
                "UPDATE datasets SET file_name = ?, sheet = ?, table_name = ?, row_count = ?, profile = ?, "
                "updated_at = ? WHERE id = ?",
                [profile.file, profile.sheet, table, profile.rows, json.dumps(profile.to_dict()), datetime.now(), dataset_id],
            )
            con.execute(f"DROP TABLE IF EXISTS {quote_identifier(current.table)}")
            return self._dataset_on(con, dataset_id)

        try:
            return self._write(write)
        finally:
            ingested.con.close()

    def rename_dataset(self, dataset_id: int, name: str) -> Dataset:
        name = name.strip()
        if not name:
            raise InputError("A dataset needs a name.")

        def write(con: duckdb.DuckDBPyConnection) -> Dataset:
            self._dataset_on(con, dataset_id)
            taken = fetch_value(
                con, "SELECT count(*) FROM datasets WHERE lower(name) = lower(?) AND id <> ?", [name, dataset_id]
            )
            if taken:
                raise InputError(f"A dataset called '{name}' already exists in this workspace.")
            con.execute("UPDATE datasets SET name = ?, updated_at = ? WHERE id = ?", [name, datetime.now(), dataset_id])
            return self._dataset_on(con, dataset_id)

        return self._write(write)

    def delete_dataset(self, dataset_id: int) -> None:
        def write(con: duckdb.DuckDBPyConnection) -> None:
            dataset = self._dataset_on(con, dataset_id)
            con.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
            con.execute(f"DROP TABLE IF EXISTS {quote_identifier(dataset.table)}")

        self._write(write)

    def set_mapping(self, dataset_id: int, mapping: Mapping | dict[str, Any]) -> Validation:
        """Store a mapping if it is valid for the dataset (as stored at the moment of writing: a
        re-upload by someone else may have changed its columns); return what is wrong either way."""
        chosen = mapping_from_dict(mapping) if isinstance(mapping, dict) else mapping

        def write(con: duckdb.DuckDBPyConnection) -> Validation:
            result = validate(chosen, self._dataset_on(con, dataset_id).profile)
            if result.ok:
                con.execute(
                    "UPDATE datasets SET mapping = ?, kind = ?, updated_at = ? WHERE id = ?",
                    [chosen.to_json(), chosen.kind, datetime.now(), dataset_id],
                )
            return result

        return self._write(write)

    def preview(self, dataset_id: int, limit: int = 100) -> pd.DataFrame:
        dataset = self.dataset(dataset_id)
        return self.con.execute(f"SELECT * FROM {quote_identifier(dataset.table)} LIMIT ?", [int(limit)]).df()

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.con.execute("SELECT key, value FROM settings").fetchall()}

    def update_settings(self, values: dict[str, Any]) -> None:
        """Store these keys (others' keys untouched: two sessions editing different settings both win)."""
        rows = [[key, json.dumps(value)] for key, value in values.items()]

        def write(con: duckdb.DuckDBPyConnection) -> None:
            for row in rows:
                con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", row)

        self._write(write)

    # --- saved objects ------------------------------------------------------------------------

    def documents(self, collection: Collection[D]) -> list[D]:
        """Every saved object of a collection, in the collection's order."""
        rows = self.con.execute(
            "SELECT id, spec, created_at FROM documents WHERE collection = ? ORDER BY id", [collection.name]
        ).fetchall()
        found = [_decoded(collection, row) for row in rows]
        return sorted(found, key=collection.order) if collection.order else found

    def save_document(self, collection: Collection[D], document: D, *, based_on: D | None = None) -> D:
        """Add an object (no id yet) or replace the one with its id; in a collection with unique
        names, one saved under a taken name replaces that one. Returns it as saved (with its id).

        ``based_on`` is the object as this user read it before editing: if someone else has saved (or
        deleted) it since, nothing is written and ``WriteConflict`` says so (its ``current`` is their
        version). Without it the last save wins.
        """
        spec = json.dumps(collection.encode(document), ensure_ascii=False)
        name = collection.unique_name(document) if collection.unique_name else None

        def write(con: duckdb.DuckDBPyConnection) -> D:
            now = datetime.now()
            document_id = document.id
            if name is not None:
                document_id = fetch_value(
                    con, "SELECT id FROM documents WHERE collection = ? AND lower(name) = lower(?)",
                    [collection.name, name],
                )
            if document_id is None:
                new_id = _next_id(con, collection.name)
                con.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)", [collection.name, new_id, name, spec, now, now]
                )
                return _with_id(document, new_id)
            stored = _document_on(con, collection, int(document_id))
            if stored is None:
                if based_on is not None:
                    raise WriteConflict(collection.say(collection.deleted_meanwhile))
                raise InputError(collection.say(collection.missing, id=document_id, workspace=self.name))
            if based_on is not None and stored != _with_id(based_on, int(document_id)):
                raise WriteConflict(collection.say(collection.saved_meanwhile), current=stored)
            con.execute(
                "UPDATE documents SET name = ?, spec = ?, updated_at = ? WHERE collection = ? AND id = ?",
                [name, spec, now, collection.name, document_id],
            )
            return _with_id(document, int(document_id))

        return self._write(write)

    def delete_document(self, collection: Collection[D], document_id: int, *, based_on: D | None = None) -> None:
        """Delete an object; with ``based_on`` (as the user saw it) only if nobody has saved it since."""

        def write(con: duckdb.DuckDBPyConnection) -> None:
            if based_on is not None:
                stored = _document_on(con, collection, document_id)
                if stored is not None and stored != _with_id(based_on, document_id):
                    raise WriteConflict(collection.say(collection.changed_before_delete), current=stored)
            con.execute("DELETE FROM documents WHERE collection = ? AND id = ?", [collection.name, document_id])

        self._write(write)

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _free_name(con: duckdb.DuckDBPyConnection, wanted: str) -> str:
        taken = {r[0].lower() for r in con.execute("SELECT name FROM datasets").fetchall()}
        name, copy = wanted, 2
        while name.lower() in taken:
            name = f"{wanted} ({copy})"
            copy += 1
        return name


_ID_KEYS = {"datasets": "last_dataset_id"}


def _next_id(con: duckdb.DuckDBPyConnection, kind: str) -> int:
    """An id never used before for datasets (``kind`` "datasets") or a collection of this workspace,
    allocated inside the write's transaction (writes are serialised, so two cannot take the same
    one). Deleted ids are not reused: a dataset's table name always means the same rows, and an edit
    of a deleted goal or annotation cannot land on a newer one."""
    key = _ID_KEYS.get(kind, f"last_{kind}_id")
    last = fetch_value(con, "SELECT value FROM meta WHERE key = ?", [key])
    if kind == "datasets":
        highest = fetch_value(con, "SELECT coalesce(max(id), 0) FROM datasets")
    else:
        highest = fetch_value(con, "SELECT coalesce(max(id), 0) FROM documents WHERE collection = ?", [kind])
    new_id = max(int(last or 0), int(highest)) + 1
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, str(new_id)])
    return new_id


def _marker(path: Path, pid: int) -> Path:
    """A file saying "process ``pid`` is waiting for this workspace" (fresh while it keeps polling)."""
    return path.with_name(f".{path.name}.waiting-{pid}")


def _give_way(path: Path) -> None:
    """Before taking the file again, wait (briefly) while another process is waiting for it: DuckDB's
    file lock does not queue, so a process writing in a loop would otherwise starve the others."""
    end = time.monotonic() + GIVE_WAY_SECONDS
    while time.monotonic() < end and _others_waiting(path):
        time.sleep(0.01)


def _others_waiting(path: Path) -> bool:
    mine, now = _marker(path, os.getpid()).name, time.time()
    for marker in path.parent.glob(f".{path.name}.waiting-*"):
        with suppress(OSError):  # gone since it was listed: that one got in
            if marker.name != mine and now - marker.stat().st_mtime < 0.5:
                return True
    return False


def _decoded(collection: Collection[D], row: tuple[Any, ...]) -> D:
    document_id, spec, created = row
    return collection.decode(json.loads(spec), int(document_id), created)


def _document_on(con: duckdb.DuckDBPyConnection, collection: Collection[D], document_id: int) -> D | None:
    row = fetch_row(
        con, "SELECT id, spec, created_at FROM documents WHERE collection = ? AND id = ?", [collection.name, document_id]
    )
    return None if row is None else _decoded(collection, row)


def _with_id(document: D, document_id: int) -> D:
    return replace(document, id=document_id)  # type: ignore[type-var]  # a Document is a dataclass


def _move(source: Path, target: Path, taken: InputError) -> None:
    """Rename a file without ever replacing one (a hard link fails if the target exists), so two
    sessions renaming to one name at once cannot lose either workspace."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise taken from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise taken from None
        source.rename(target)
        return
    source.unlink()


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
    if profile.table:
        return f"{stem} - {profile.table}"
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
