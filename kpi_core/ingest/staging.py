"""Get a file's cells into a DuckDB staging table, untouched: text cells as text.

CSV is read by DuckDB itself (after sniffing); workbooks by python-calamine, in a worker process
(see ``workbook``). Either way the result is
a table ``raw`` with columns c0, c1, ... (fixed, safe names) in file order, and a way to map a
record back to its row in the file.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import mmap
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import duckdb

from kpi_core import messages
from kpi_core.errors import InputError
from kpi_core.ingest import decode, sniff, workbook
from kpi_core.ingest.limits import limits
from kpi_core.sql import fetch_value, sql_string

NativeType = Literal["number", "date", "boolean"]

STRAY_SCAN_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 32 * 1024 * 1024  # a cell of a few megabytes is odd but valid
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", "")
FILE_TYPES = [s.lstrip(".") for s in EXCEL_SUFFIXES + TEXT_SUFFIXES if s]  # what an upload may be called


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
    record_rows: list[int] | None = None  # each record's row where rows were compacted (sparse sheets)
    has_quotes: bool = True  # a CSV without a single quote cannot have a quote swallow its rows

    def file_row(self, record: int) -> int:
        """The 1-based file row of data record ``record`` (exact unless cells hold newlines)."""
        if self.record_rows is not None:
            return self.record_rows[record - 1]
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
    cap = limits().max_columns
    if width > cap:
        raise InputError(messages.TOO_MANY_COLUMNS.format(count=width, limit=cap))
    return [f"c{i}" for i in range(width)]


# --- CSV -------------------------------------------------------------------------------------------


class CsvSource:
    """A delimited text file made readable by DuckDB: sniffed, and copied to UTF-8 if need be.

    Use as a context manager: the UTF-8 copy, if one was made, is removed on exit.
    """

    def __init__(
        self, data: bytes | None, path: str | None, part_of: CsvSource | None = None, line_offset: int = 0
    ) -> None:
        self._data = data
        self._temp_path: str | None = path if part_of is not None else None  # a part's file is its own
        self.path = path
        self.line_offset = line_offset  # lines of the whole file above a part's first line
        self.original_encoding = part_of.layout.encoding if part_of is not None else None
        self.warnings: list[str] = list(part_of.warnings) if part_of is not None else []
        with self._open() as handle:
            sample, complete = _sample(handle)
            self.long_lines = len(sample) > sniff.SAMPLE_BYTES  # the first line alone is that long
            if not sample.strip():
                raise InputError(messages.EMPTY_FILE)
            decoding = decode.detect(handle, sample)
            self.layout: sniff.TextLayout = sniff.layout_of(sample, complete, decoding.encoding)
            width = max([len(self.layout.header)] + [len(r) for r in self.layout.sample_rows[:1000]])
            self.columns = _column_names(width)
            if not decoding.clean or path is None:
                self._copy_as_utf8(handle, decoding.encoding)
        self._requote_stray_quotes()
        if decoding.encoding in decode.CANDIDATES:
            self.warnings.append(messages.WARN_ENCODING.format(encoding=decode.label(decoding.encoding)))

    def part(self, first_line: int, last_line: int) -> CsvSource:
        """Lines ``first_line``..``last_line`` (one of several stacked tables) as a source of their
        own, whose rows are still numbered as in the whole file."""
        assert self.path is not None
        handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="")
        with handle, open(self.path, encoding="utf-8-sig", errors="replace", newline="") as source:
            for number, line in enumerate(source, start=1):
                if number > last_line:
                    break
                if number >= first_line:
                    handle.write(line)
        try:
            return CsvSource(None, handle.name, part_of=self, line_offset=first_line - 1)
        except BaseException:
            os.unlink(handle.name)  # the part never became a source that would remove it
            raise

    def _open(self) -> BinaryIO:
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self.path is not None  # a source is given its bytes or a path
        return open(self.path, "rb")

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *_: object) -> None:
        if self._temp_path is not None:
            os.unlink(self._temp_path)
            self._temp_path = None

    def _copy_as_utf8(self, source: BinaryIO, encoding: str) -> None:
        """The file as clean UTF-8 in a temporary file, which DuckDB then reads."""
        handle = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
        with handle:
            report = decode.clean_copy(source, encoding, handle)
        self.warnings += report.warnings(encoding)
        self._temp_path = self.path = handle.name

    def _requote_stray_quotes(self) -> None:
        """Quotes inside a value (`"Search 24" Ads`) make DuckDB drop characters: have Python's csv
        module, which reads them as a spreadsheet does, write the file again properly quoted."""
        assert self.path is not None
        self.has_quotes, count, line = _stray_quotes(self.path, self.layout.delimiter)
        if not count:
            return
        handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="")
        with handle, open(self.path, encoding="utf-8-sig", newline="") as source:
            writer = csv.writer(handle, delimiter=self.layout.delimiter, lineterminator="\n")
            writer.writerows(csv.reader(source, delimiter=self.layout.delimiter))
        if self._temp_path is not None:
            os.unlink(self._temp_path)
        self._temp_path = self.path = handle.name
        self.warnings.append(messages.WARN_STRAY_QUOTES.format(count=count, line=line))

    def read(
        self,
        con: duckdb.DuckDBPyConnection,
        limit: int | None = None,
        types: dict[str, str] | None = None,
        flags: tuple[str, ...] = (),
    ) -> int:
        """(Re)create the table ``raw`` from the file: text cells, or the given DuckDB types; return its rows.

        ``flags``: boolean columns (all false) added after the cells, for a caller that may keep the table.
        Raises duckdb.ConversionException when a typed column meets a value it cannot read.
        """
        for _ in range(2):
            try:
                return self._read(con, limit, types or {}, flags)
            except (duckdb.ConversionException, duckdb.InterruptException, duckdb.OutOfMemoryException):
                raise
            except duckdb.Error as exc:
                if "line size" not in str(exc).lower() or self.long_lines:
                    raise InputError(messages.UNREADABLE_CSV.format(detail=_first_line(exc))) from None
                # A cell of megabytes: DuckDB reads it with a larger line buffer (slower, so not by default).
                self.long_lines = True
        raise AssertionError("unreachable")

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
            f"{f'max_line_size={MAX_LINE_BYTES}, ' if self.long_lines else ''}"
            f"columns={spec}{'' if parallel else ', parallel=false'})"
        )

    def _read(
        self, con: duckdb.DuckDBPyConnection, limit: int | None, types: dict[str, str], flags: tuple[str, ...] = ()
    ) -> int:
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        drop_raw(con)
        params = [self.path, self.layout.delimiter]
        cells = "*" + "".join(f", false AS {flag}" for flag in flags)
        try:
            con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT {cells} FROM {self._read_csv_sql(types)}{tail}", params)
        except duckdb.Error as exc:
            if "parallel" not in str(exc).lower():
                raise
            # Quoted line breaks with ragged rows: DuckDB needs its single-threaded reader.
            sql = (
                f"CREATE OR REPLACE TABLE raw AS SELECT {cells} FROM {self._read_csv_sql(types, parallel=False)}{tail}"
            )
            con.execute(sql, params)
        return int(fetch_value(con, "SELECT count(*) FROM raw"))

    @functools.cached_property
    def blank_lines(self) -> list[int]:
        if len(self.columns) == 1:
            return []  # DuckDB reads an empty line of a one-column file as a record (of NULL)
        assert self.path is not None
        return _blank_lines(self.path, self.layout.header_end_line)

    def staged(self, native: dict[str, NativeType]) -> Staged:
        layout = self.layout
        offset = self.line_offset
        return Staged(
            header=list(layout.header),
            header_row=layout.header_line + offset,
            columns=self.columns,
            native=native,
            encoding=self.original_encoding or layout.encoding,
            delimiter=layout.delimiter,
            blank_lines=[line + offset for line in self.blank_lines],
            warnings=self.warnings
            + (
                [messages.WARN_UNCLOSED_QUOTE.format(line=layout.unclosed_quote_line + offset)]
                if layout.unclosed_quote_line
                else []
            )
            + (
                [messages.WARN_HEADER_FOUND.format(line=layout.header_line + offset, above=layout.header_line - 1)]
                if layout.header_line > 1
                else []
            )
            + (
                [
                    messages.WARN_DESCRIPTION_ROW.format(
                        line=layout.description_line + offset, example=_first_words(layout)
                    )
                ]
                if layout.description_line
                else []
            ),
            first_data_row=layout.header_end_line + 1 + offset,
            has_quotes=self.has_quotes,
        )


def _first_words(layout: sniff.TextLayout, limit: int = 60) -> str:
    """The first description of a description row, shortened for a message."""
    text = next((c.strip() for c in layout.description if c.strip()), "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stray_quotes(path: str, delimiter: str) -> tuple[bool, int, int]:
    """(the file has quotes at all, how many quotes neither open nor close a value, the line of the
    first): a stray quote has neither a delimiter, a line end nor another quote on either side.
    Vectorised over the bytes."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return False, 0, 0
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(b'"') < 0:
                return False, 0, 0  # most exports quote nothing
            import numpy as np  # loaded with pandas anyway; here only for files that have quotes

            content = np.frombuffer(data, dtype=np.uint8)
            edges = np.frombuffer(delimiter.encode() + b'"\r\n', dtype=np.uint8)
            count, first = 0, -1
            window = quotes = stray = None
            for start in range(1, len(content) - 1, STRAY_SCAN_BYTES):  # bounded memory on huge files
                window = content[start - 1 : min(start + STRAY_SCAN_BYTES, len(content) - 1) + 1]
                quotes = np.flatnonzero(window[1:-1] == ord('"')) + 1
                stray = quotes[~np.isin(window[quotes - 1], edges) & ~np.isin(window[quotes + 1], edges)]
                if len(stray) and first < 0:
                    first = start - 1 + int(stray[0])
                count += len(stray)
            line = data[:first].count(b"\n") + 1 if first >= 0 else 0
            del content, window, quotes, stray  # the memory map closes only once no array views it
            return True, count, line


def _sample(handle: BinaryIO) -> tuple[bytes, bool]:
    """The file's first bytes, and whether that is all of it. A sample holds at least one line
    end if the file has one within MAX_LINE_BYTES (a 5 MB first line is not an empty file)."""
    size = sniff.SAMPLE_BYTES
    while True:
        handle.seek(0)
        sample = handle.read(size + 1)
        complete = len(sample) <= size
        if complete or b"\n" in sample or b"\r" in sample or size >= MAX_LINE_BYTES:
            return sample[:size], complete
        size *= 4


def raw_table_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of the table ``raw``, in order ([] when it is a view over a file, or missing)."""
    found = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'raw' AND schema_name = 'main' "
        "AND database_name = current_database() AND table_oid IN (SELECT table_oid FROM duckdb_tables()) "
        "ORDER BY column_index"
    ).fetchall()
    return [name for (name,) in found]


def drop_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Drop ``raw``, a table or a view over a file (which must not outlive a temporary file)."""
    kind = fetch_value(con, "SELECT table_type FROM information_schema.tables WHERE table_name = 'raw'")
    if kind is not None:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} raw")


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _blank_lines(path: str, header_end_line: int) -> list[int]:
    """1-based numbers of empty lines below the header (DuckDB skips them), trailing ones excepted.
    Read through the memory map, never copied whole (a file can be gigabytes)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return []
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if _BLANK_LINE.search(data) is None:  # the common case: one pass, no copy
                return []
            content_end = _content_end(data)
            lines: list[int] = []
            line = 1
            position = 0
            for match in re.finditer(rb"\n(?=\r?\n)", data):
                if match.start() >= content_end:
                    break
                line += data[position : match.start() + 1].count(b"\n")
                position = match.start() + 1
                if line > header_end_line:
                    lines.append(line)
            return lines


def _content_end(data: mmap.mmap) -> int:
    """Where the file's content ends: the position after its last byte that is not white space."""
    end = len(data)
    while end > 0:
        start = max(0, end - 65536)
        kept = data[start:end].rstrip()
        if kept:
            return start + len(kept)
        end = start
    return 0


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- Workbooks -------------------------------------------------------------------------------------


@contextmanager
def _on_disk(data: bytes | None, path: str | None) -> Iterator[str]:
    """A path to the file's bytes: the worker reads a file, never this process's memory."""
    if path is not None:
        yield path
        return
    handle = tempfile.NamedTemporaryFile("wb", suffix=".xlsx", delete=False)
    try:
        with handle:
            handle.write(data or b"")
        yield handle.name
    finally:
        os.unlink(handle.name)


def sheet_names(data: bytes | None, path: str | None, name: str) -> list[str]:
    with _on_disk(data, path) as on_disk:
        return workbook.sheet_names(on_disk, name)


def stage_workbook(
    con: duckdb.DuckDBPyConnection, data: bytes | None, path: str | None, name: str, sheet: str | None
) -> Staged:
    with _on_disk(data, path) as on_disk:
        read = workbook.read_sheet(on_disk, name, sheet)
    columns = _column_names(read.table.num_columns)
    cap = limits().max_rows
    if read.table.num_rows > cap:
        raise InputError(messages.TOO_MANY_ROWS.format(limit=cap))
    workbook.load(con, read.table)
    return Staged(
        header=list(read.header),
        header_row=read.header_row,
        columns=columns,
        native={columns[i]: t for i, t in read.native.items()},
        sheet=read.sheet,
        sheets=read.sheets,
        first_data_row=read.header_row + 1,
        record_rows=read.record_rows,
        warnings=read.warnings,
    )
