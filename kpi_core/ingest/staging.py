"""Get a file's cells into a DuckDB staging table, untouched: text cells as text.

CSV is read by DuckDB itself (after sniffing); workbooks by python-calamine. Either way the result is
a table ``raw`` with columns c0, c1, ... (fixed, safe names) in file order, and a way to map a
record back to its row in the file.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import io
import mmap
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import python_calamine

from kpi_core import messages
from kpi_core.errors import InputError
from kpi_core.ingest import cells, sniff
from kpi_core.sql import fetch_value, sql_string

NativeType = Literal["number", "date", "boolean"]

MAX_COLUMNS = 4096
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", "")


@dataclass
class Staged:
    """A file's cells in the staging table ``raw``: data record n (1-based) has rowid n - 1."""

    header: list[object]
    header_row: int
    columns: list[str]
    native: dict[str, NativeType] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)  # file lines DuckDB skipped as empty
    warnings: list[str] = field(default_factory=list)
    first_data_row: int = 0  # file row of record 1, before blank-line shifts

    def file_row(self, record: int) -> int:
        """The 1-based file row of data record ``record`` (exact unless cells hold newlines)."""
        row = self.first_data_row + record - 1
        # Each skipped blank line at or before the row pushes it one further down.
        shift = 0
        while True:
            moved = bisect.bisect_right(self.blank_lines, row + shift)
            if moved == shift:
                return row + shift
            shift = moved


def is_excel(name: str) -> bool:
    return Path(name).suffix.lower() in EXCEL_SUFFIXES


def check_supported(name: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in EXCEL_SUFFIXES + TEXT_SUFFIXES:
        raise InputError(messages.UNSUPPORTED_TYPE.format(name=Path(name).name))


def _column_names(width: int) -> list[str]:
    if width > MAX_COLUMNS:
        raise InputError(messages.TOO_MANY_COLUMNS.format(count=width, limit=MAX_COLUMNS))
    return [f"c{i}" for i in range(width)]


# --- CSV -------------------------------------------------------------------------------------------


class CsvSource:
    """A delimited text file made readable by DuckDB: sniffed, and copied to UTF-8 if need be.

    Use as a context manager: the UTF-8 copy, if one was made, is removed on exit.
    """

    def __init__(self, data: bytes | None, path: str | None) -> None:
        if data is None:
            assert path is not None
            with open(path, "rb") as handle:
                sample = handle.read(sniff.SAMPLE_BYTES + 1)
        else:
            sample = data[: sniff.SAMPLE_BYTES + 1]
        complete = len(sample) <= sniff.SAMPLE_BYTES
        sample = sample[: sniff.SAMPLE_BYTES]
        if not sample.strip():
            raise InputError(messages.EMPTY_FILE)
        self.layout = sniff.layout_of(sample, complete)
        width = max([len(self.layout.header)] + [len(r) for r in self.layout.sample_rows[:1000]])
        self.columns = _column_names(width)
        self._data = data
        self._temp_path: str | None = None
        self.path = path
        if self.layout.encoding not in ("utf-8", "utf-8-sig") or path is None:
            self._copy_as_utf8(self.layout.encoding)

    def __enter__(self) -> "CsvSource":
        return self

    def __exit__(self, *_: object) -> None:
        if self._temp_path is not None:
            os.unlink(self._temp_path)
            self._temp_path = None

    def _copy_as_utf8(self, encoding: str) -> None:
        raw = self._data
        if raw is None:
            with open(self.path, "rb") as handle:  # type: ignore[arg-type]
                raw = handle.read()
        text = raw.decode(encoding, errors="replace")
        if text.startswith("\ufeff"):
            text = text[1:]
        handle = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
        with handle:
            handle.write(text.encode("utf-8"))
        if self._temp_path is not None:
            os.unlink(self._temp_path)
        self._temp_path = self.path = handle.name

    def read(self, con: duckdb.DuckDBPyConnection, limit: int | None = None, types: dict[str, str] | None = None) -> int:
        """(Re)create the table ``raw`` from the file: text cells, or the given DuckDB types; return its rows.

        Raises duckdb.ConversionException when a typed column meets a value it cannot read.
        """
        try:
            return self._read(con, limit, types or {})
        except duckdb.ConversionException:
            raise
        except duckdb.Error as exc:
            if "unicode" not in str(exc).lower() or self._temp_path is not None:
                raise InputError(messages.UNREADABLE_CSV.format(detail=_first_line(exc))) from None
        # UTF-8 at the start, something else further down: read it as Windows-1252 instead.
        self._copy_as_utf8("cp1252")
        return self._read(con, limit, types or {})

    def view(self, con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
        """Make ``raw`` a view that reads the file, so the typed table is built in one pass over it.

        Nothing is read yet: any error surfaces in the query that reads the view, and the caller
        then falls back to read(), which copes with every file DuckDB's parallel reader cannot.
        """
        drop_raw(con)
        con.execute(f"CREATE VIEW raw AS SELECT * FROM {self._read_csv_sql(types, inline=True)}")

    def _read_csv_sql(self, types: dict[str, str], inline: bool = False, parallel: bool = True) -> str:
        spec = "{" + ", ".join(f"'{c}': '{types.get(c, 'VARCHAR')}'" for c in self.columns) + "}"
        # A view cannot hold parameters, so it gets the path and delimiter as quoted literals.
        path, delimiter = (sql_string(self.path or ""), sql_string(self.layout.delimiter)) if inline else ("?", "?")
        return (
            f"read_csv({path}, header=false, skip={self.layout.header_index + 1}, delim={delimiter}, "
            f"quote='\"', escape='\"', strict_mode=false, null_padding=true, auto_detect=false, "
            f"columns={spec}{'' if parallel else ', parallel=false'})"
        )

    def _read(self, con: duckdb.DuckDBPyConnection, limit: int | None, types: dict[str, str]) -> int:
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        drop_raw(con)
        params = [self.path, self.layout.delimiter]
        try:
            con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT * FROM {self._read_csv_sql(types)}{tail}", params)
        except duckdb.Error as exc:
            if "parallel" not in str(exc).lower():
                raise
            # Quoted line breaks with ragged rows: DuckDB needs its single-threaded reader.
            sql = f"CREATE OR REPLACE TABLE raw AS SELECT * FROM {self._read_csv_sql(types, parallel=False)}{tail}"
            con.execute(sql, params)
        return int(fetch_value(con, "SELECT count(*) FROM raw"))

    @functools.cached_property
    def blank_lines(self) -> list[int]:
        return _blank_lines(self.path, self.layout.header_end_line)  # type: ignore[arg-type]

    def staged(self, native: dict[str, NativeType]) -> Staged:
        layout = self.layout
        encoding = layout.encoding
        return Staged(
            header=list(layout.header),
            header_row=layout.header_line,
            columns=self.columns,
            native=native,
            encoding=encoding,
            delimiter=layout.delimiter,
            blank_lines=self.blank_lines,
            warnings=[messages.WARN_UNCLOSED_QUOTE.format(line=layout.unclosed_quote_line)]
            if layout.unclosed_quote_line else [],
            first_data_row=layout.header_end_line + 1,
        )


def drop_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Drop ``raw``, a table or a view over a file (which must not outlive a temporary file)."""
    kind = fetch_value(con, "SELECT table_type FROM information_schema.tables WHERE table_name = 'raw'")
    if kind is not None:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} raw")


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _blank_lines(path: str, header_end_line: int) -> list[int]:
    """1-based numbers of empty lines below the header (DuckDB skips them), trailing ones excepted."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return []
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if _BLANK_LINE.search(data) is None:  # the common case: one pass, no copy
                return []
            content = bytes(data)
    content_end = len(content.rstrip())
    lines: list[int] = []
    line = 1
    position = 0
    for match in re.finditer(rb"\n(?=\r?\n)", content):
        if match.start() >= content_end:
            break
        line += content.count(b"\n", position, match.start() + 1)
        position = match.start() + 1
        if line > header_end_line:
            lines.append(line)
    return lines


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- Workbooks -------------------------------------------------------------------------------------


def open_workbook(data: bytes | None, path: str | None, name: str) -> python_calamine.CalamineWorkbook:
    try:
        if data is not None:
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return python_calamine.CalamineWorkbook.from_path(path)
    except Exception as exc:  # calamine raises several types for broken zips and XML
        detail = _first_line(exc) or "not a workbook"
        raise InputError(messages.UNREADABLE_WORKBOOK.format(name=Path(name).name, detail=detail)) from None


def sheet_names(data: bytes | None, path: str | None, name: str) -> list[str]:
    return list(open_workbook(data, path, name).sheet_names)


def stage_workbook(
    con: duckdb.DuckDBPyConnection, data: bytes | None, path: str | None, name: str, sheet: str | None
) -> Staged:
    workbook = open_workbook(data, path, name)
    names = list(workbook.sheet_names)
    if not names:
        raise InputError(messages.UNREADABLE_WORKBOOK.format(name=Path(name).name, detail="no sheets"))
    if sheet is not None and sheet not in names:
        raise InputError(messages.UNKNOWN_SHEET.format(sheet=sheet, sheets=", ".join(names)))
    try:
        if sheet is None:
            sheet, rows, top = _first_sheet_with_data(workbook, names)
        else:
            rows, top = _sheet_rows(workbook, sheet)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            messages.UNREADABLE_WORKBOOK.format(name=Path(name).name, detail=_first_line(exc))
        ) from None
    header_index = sniff.find_header(rows)
    if header_index < 0:
        raise InputError(messages.EMPTY_SHEET.format(sheet=sheet, sheets=", ".join(names)))
    header = list(rows[header_index])
    body = rows[header_index + 1 :]
    width = max([len(header)] + [len(r) for r in body])
    columns = _column_names(width)
    header += [""] * (width - len(header))
    arrays, native = _columns_to_arrow(header, body, width)
    table = pa.table(dict(zip(columns, arrays)))
    con.register("raw_arrow", table)
    try:
        con.execute("CREATE OR REPLACE TABLE raw AS SELECT * FROM raw_arrow")
    finally:
        con.unregister("raw_arrow")
    header_row = top + header_index + 1
    return Staged(
        header=header,
        header_row=header_row,
        columns=columns,
        native={columns[i]: t for i, t in native.items()},
        sheet=sheet,
        sheets=names,
        first_data_row=header_row + 1,
    )


def _sheet_rows(workbook: python_calamine.CalamineWorkbook, sheet: str) -> tuple[list[list[object]], int]:
    worksheet = workbook.get_sheet_by_name(sheet)
    rows = worksheet.to_python()  # starts at the first used cell: ``start`` says where that is
    start = worksheet.start
    return rows, (start[0] if start else 0)


def _first_sheet_with_data(
    workbook: python_calamine.CalamineWorkbook, names: list[str]
) -> tuple[str, list[list[object]], int]:
    for name in names:
        rows, top = _sheet_rows(workbook, name)
        if any(sniff.filled(r) for r in rows[:200]):
            return name, rows, top
    raise InputError(messages.EMPTY_SHEET.format(sheet=names[0], sheets=", ".join(names)))


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _arrow_column(column: tuple[object, ...], name: str) -> tuple[pa.Array, NativeType] | None:
    """A column whose cells all have one type (blanks aside) as a typed Arrow array, else None.

    Arrow infers the common cases in C; the per-cell Python path is only for mixed columns.
    """
    try:
        inferred = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        # Blank cells ('' from calamine) among numbers, dates or booleans; dates mixed with datetimes.
        kinds = {type(v) for v in column if v != "" and v is not None}
        values = [None if v == "" else v for v in column]
        if kinds and kinds <= {float, int}:
            inferred = pa.array([v if v is None else float(v) for v in values], type=pa.float64())
        elif kinds and kinds <= {dt.datetime, dt.date}:
            inferred = pa.array(
                [v if v is None or isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day) for v in values],
                type=pa.timestamp("us"),
            )
        elif kinds == {bool}:
            inferred = pa.array(values, type=pa.bool_())
        else:
            return None
    kind = inferred.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        numbers = inferred.cast(pa.float64())
        sample = [v for v in numbers.slice(0, 1000).to_pylist() if v is not None]
        return None if cells.looks_like_excel_serial(name, sample) else (numbers, "number")
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return inferred.cast(pa.timestamp("us")), "date"
    if pa.types.is_boolean(kind):
        return inferred, "boolean"
    return None  # text, or nothing at all: staged cell by cell as text


def _columns_to_arrow(
    header: list[object], body: list[list[object]], width: int
) -> tuple[list[pa.Array], dict[int, NativeType]]:
    """One Arrow array per column: typed where every cell has one type, text otherwise."""
    padded = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in body]
    arrays: list[pa.Array] = []
    native: dict[int, NativeType] = {}
    for index, column in enumerate(zip(*padded) if padded else [() for _ in range(width)]):
        name = str(header[index] or "")
        typed = _arrow_column(column, name)
        if typed is not None:
            arrays.append(typed[0])
            native[index] = typed[1]
        else:
            arrays.append(pa.array([_cell_text(v) for v in column], type=pa.string()))
    return arrays, native
