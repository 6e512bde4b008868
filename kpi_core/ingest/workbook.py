"""Workbooks, read where a hostile one cannot hurt: sizes checked first, cells read in a worker.

Before anything reads a workbook, its zip directory is checked (a zip bomb is refused unopened).
The cells are then read by ``workbook_worker`` in a child process with a memory and time budget;
if it runs out of memory (a stray cell far from the table makes the reader lay out billions of
empty cells), the sheet is read again compacted to the rows and columns that hold cells. Whatever
goes wrong ends as one InputError sentence, and the caller's process is never at risk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from kpi_core import messages
from kpi_core.errors import InputError
from kpi_core.ingest.limits import Limits, limits

if TYPE_CHECKING:  # staging imports this module
    import pyarrow as pa

    from kpi_core.ingest.staging import NativeType

# Parts that hold cells and strings: what a workbook's size is judged by.
_CELL_PARTS = ("xl/worksheets/", "xl/sharedStrings.xml", "content.xml")


@dataclass
class WorkbookSheet:
    """One sheet's cells as an Arrow table (columns c0, c1, ...), with where they sat."""

    table: pa.Table
    header: list[str | None]
    header_row: int
    native: dict[int, NativeType]  # as the worker typed each column
    sheet: str
    sheets: list[str]
    record_rows: list[int] | None = None  # each data record's sheet row, where rows were compacted
    warnings: list[str] = field(default_factory=list)


def check_archive(path: str, name: str, budget: Limits) -> None:
    """Refuse a zip whose cell parts would expand past the budget, or expand absurdly."""
    if not zipfile.is_zipfile(path):
        return  # .xls (binary), or not a workbook at all: the worker says which
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [i for i in archive.infolist() if i.filename.startswith(_CELL_PARTS)]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            messages.UNREADABLE_WORKBOOK.format(name=Path(name).name, detail=str(exc) or "broken zip")
        ) from None
    expanded = sum(i.file_size for i in parts)
    if expanded > budget.workbook_bytes:
        raise InputError(
            messages.WORKBOOK_TOO_LARGE.format(
                name=Path(name).name, size=_megabytes(expanded), limit=_megabytes(budget.workbook_bytes)
            )
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 10_000_000 and ratio > budget.compression_ratio:
            raise InputError(
                messages.WORKBOOK_ZIP_BOMB.format(
                    name=Path(name).name, part=part.filename, size=_megabytes(part.file_size), ratio=ratio
                )
            )


def read_sheet(path: str, name: str, sheet: str | None) -> WorkbookSheet:
    """The sheet's cells (the first sheet with data if ``sheet`` is None), read in a worker."""
    budget = limits()
    check_archive(path, name, budget)
    deadline = time.monotonic() + budget.worker_seconds  # both attempts together
    response, table = _run(path, name, sheet, budget, mode="dense", deadline=deadline)
    warnings: list[str] = []
    if response.get("refused") == "memory":
        response, table = _run(path, name, sheet, budget, mode="compact", deadline=deadline)
        if "refused" not in response:
            warnings.append(messages.WARN_SPARSE_SHEET.format(sheet=response["sheet"]))
    if "refused" in response:
        raise InputError(_refusal(response, name, budget))
    assert table is not None
    if response.get("invisible"):
        warnings.append(messages.WARN_INVISIBLE_CHARACTERS.format(count=response["invisible"]))
    return WorkbookSheet(
        table=table,
        header=response["header"],
        header_row=int(response["header_row"]),
        native={int(k): v for k, v in response["native"].items()},
        sheet=response["sheet"],
        sheets=list(response["sheets"]),
        record_rows=response.get("record_rows"),
        warnings=warnings,
    )


def sheet_names(path: str, name: str) -> list[str]:
    budget = limits()
    check_archive(path, name, budget)
    response, _ = _run(
        path, name, None, budget, mode="dense", deadline=time.monotonic() + budget.worker_seconds, sheets_only=True
    )
    if "refused" in response:
        raise InputError(_refusal(response, name, budget))
    return list(response["sheets"])


def _run(
    path: str, name: str, sheet: str | None, budget: Limits, mode: str, deadline: float, sheets_only: bool = False
) -> tuple[dict[str, Any], pa.Table | None]:
    with tempfile.TemporaryDirectory(prefix="roi-workbook-") as scratch:
        output_path = os.path.join(scratch, "sheet.arrow")
        response_path = os.path.join(scratch, "response.json")
        request = {
            "path": os.path.abspath(path),
            "sheet": sheet,
            "mode": mode,
            "sheets_only": sheets_only,
            "memory_bytes": budget.worker_memory_bytes,
            "output": output_path,
            "response": response_path,
            "scratch": scratch,
        }
        request_path = os.path.join(scratch, "request.json")
        with open(request_path, "w", encoding="utf-8") as handle:
            json.dump(request, handle)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "kpi_core.ingest.workbook_worker", request_path],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=max(deadline - time.monotonic(), 1.0),
                env=_worker_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"refused": "timeout", "details": {}}, None
        try:
            with open(response_path, encoding="utf-8") as handle:
                response: dict[str, Any] = json.load(handle)
        except (OSError, ValueError):
            # No word from the worker: it was killed. SIGABRT/SIGKILL/SIGSEGV on a hostile file are
            # the native reader failing to allocate; anything else is just as unreadable.
            killed = done.returncode < 0 and -done.returncode in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV)
            response = {"refused": "memory" if killed else "crashed", "details": {"code": done.returncode}}
        if "refused" in response or sheets_only:
            return response, None
        import pyarrow as pa  # here, not above: reading a CSV never needs it (the CLI starts faster)

        # Read it all into memory before the scratch folder goes.
        with pa.memory_map(output_path) as source:
            table = pa.ipc.open_file(source).read_all()
        return response, table.combine_chunks() if table.num_rows else table


def _worker_environment() -> dict[str, str]:
    """The worker imports kpi_core from wherever this process did."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["RUST_BACKTRACE"] = "0"
    return env


def _refusal(response: dict[str, Any], name: str, budget: Limits) -> str:
    code, details = response["refused"], response.get("details", {})
    file_name = Path(name).name
    if code == "unknown_sheet":
        return messages.UNKNOWN_SHEET.format(sheet=details["sheet"], sheets=", ".join(details["sheets"]))
    if code == "empty_sheet":
        return messages.EMPTY_SHEET.format(sheet=details["sheet"], sheets=", ".join(details["sheets"]))
    if code == "no_sheets":
        return messages.UNREADABLE_WORKBOOK.format(name=file_name, detail="no sheets")
    if code == "too_many_columns":
        return messages.TOO_MANY_COLUMNS.format(count=details["count"], limit=details["limit"])
    if code == "too_large":
        return messages.WORKBOOK_TOO_MANY_CELLS.format(
            name=file_name, rows=details.get("rows", 0), columns=details.get("columns", 0)
        )
    if code in ("memory", "too_large_binary"):
        return messages.WORKBOOK_OUT_OF_MEMORY.format(name=file_name, limit=_megabytes(budget.worker_memory_bytes))
    if code == "timeout":
        return messages.WORKBOOK_TOO_SLOW.format(name=file_name, seconds=budget.worker_seconds)
    if code == "unreadable":
        return messages.UNREADABLE_WORKBOOK.format(name=file_name, detail=details.get("detail", "not a workbook"))
    return messages.UNREADABLE_WORKBOOK.format(name=file_name, detail="the reader stopped")


def _megabytes(size: float) -> str:
    return f"{size / 1_000_000:,.0f} MB"


def load(con: duckdb.DuckDBPyConnection, table: pa.Table, name: str = "raw") -> None:
    """Store the worker's table in ``con`` as ``name``."""
    con.register("raw_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM raw_arrow")
    finally:
        con.unregister("raw_arrow")
