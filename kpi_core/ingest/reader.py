"""Bytes in, typed table and profile out: the one entry point of ingest.

Stages the file's cells as text in DuckDB, drops blank and total rows, decides each column's type
from a sample, converts every column in one query, checks that no value was lost in conversion
(a column where one was stays text), and profiles the result.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from kpi_core import messages
from kpi_core.errors import InputError
from kpi_core.ingest import cells, staging, tables
from kpi_core.ingest.cells import ColumnPlan
from kpi_core.ingest.limits import limits
from kpi_core.ingest.profile import ColumnProfile, DroppedRow, Profile, json_value
from kpi_core.sql import fetch_row, fetch_value, quote_identifier, sql_string

SAMPLE_HEAD_ROWS = 5000
SAMPLE_MIN_ROWS = 200
WIDE_COLUMNS = 64  # from here on, per-column chains of conditions are planned too slowly
SAMPLE_CELLS = 500_000  # cells typed in Python from the sample, at most (wide files sample fewer rows)
TOTAL_ROW_PATTERN = (
    r"^(?:(?:grand\s+|sub-?\s?)?totals?(?:\s*[:\-].*)?|total\s+g[ée]n[ée]ral|gesamt(?:summe)?|summe|sum|results)$"
)
TYPED_FLAGS = ("_total", "_blank", "_merged", "_drop")  # the columns ``typed`` has after its cells
TOTAL_WORDS = "(?i)tot|sum|gesamt|result"  # some cell of every row that can be a total has one
NAMED_TOTAL = r"(?i)(^|\x1f)\s*(grand\s+totals?|sub-?\s?totals?|totals?\s*[:\-])"  # a total that says so
NO_DATA_NOTICE = (
    r"(?i)(?:no data(?: available| to (?:show|display))?|no results(?: found)?|nothing to (?:show|report))\.?"
)
TOTAL_TOLERANCE = (0.011, 0.001)  # a total adds up within 0.011 + 0.1% of the sum (exports round)
INGESTED = "ingested"
LISTED_ROWS = 1000  # rows left out that the profile lists one by one (all are counted)


@dataclass
class Ingested:
    """A typed table (the view ``ingested`` on ``con``) and its profile."""

    con: duckdb.DuckDBPyConnection
    profile: Profile
    relation: str = INGESTED
    plans: list[ColumnPlan] = field(default_factory=list)

    def materialised(self, table: str) -> str:
        """Copy the rows into ``table`` on ``con`` (analyses query them many times; the view would
        re-read the file each time) and return its name."""
        self.con.execute(f"CREATE OR REPLACE TABLE {quote_identifier(table)} AS SELECT * FROM {self.relation}")
        return table


def clean_names(header: list[object]) -> tuple[list[str], list[str]]:
    """Trimmed, unique (case-insensitively, as SQL sees them) column names, and warnings."""
    names: list[str] = []
    warnings: list[str] = []
    taken: set[str] = set()
    raw = ["" if h is None else str(h).strip() for h in header]
    reserved = {r.lower() for r in raw if r}
    for position, name in enumerate(raw, start=1):
        if not name:
            candidate = f"column {position}"
            while candidate.lower() in taken or candidate.lower() in reserved:
                candidate += "_"
            warnings.append(messages.WARN_BLANK_HEADER.format(position=position, name=candidate))
            name = candidate
        elif name.lower() in taken:
            copy = 2
            while f"{name} ({copy})".lower() in taken or f"{name} ({copy})".lower() in reserved:
                copy += 1
            candidate = f"{name} ({copy})"
            warnings.append(messages.WARN_RENAMED_DUPLICATE.format(original=name, position=position, name=candidate))
            name = candidate
        taken.add(name.lower())
        names.append(name)
    return names, warnings


def list_sheets(source: str | Path | bytes, name: str | None = None) -> list[str]:
    """Sheet names of a workbook ([] for text files)."""
    data, path, display = _resolve(source, name)
    if not staging.is_excel(display) and not _looks_like_workbook(data, path):
        return []
    return staging.sheet_names(data, path, display)


def _resolve(source: str | Path | bytes, name: str | None) -> tuple[bytes | None, str | None, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None, name or "upload.csv"
    path = str(source)
    if not os.path.isfile(path):
        raise InputError(messages.FILE_NOT_FOUND.format(path=path))
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(
            messages.FILE_UNREADABLE.format(path=path, reason=exc.strerror or type(exc).__name__)
        ) from None
    return None, path, name or os.path.basename(path)


def ingest(
    source: str | Path | bytes,
    name: str | None = None,
    sheet: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    table: int | None = None,
) -> Ingested:
    """Read a CSV or workbook (a path, or bytes with their file name) into a typed DuckDB view.

    ``table``: which of a text file's stacked tables (0-based; see list_tables); the first by default.
    """
    data, path, display = _resolve(source, name)
    staging.check_supported(display)
    if data is not None:
        size = len(data)
    else:
        assert path is not None  # _resolve gives the bytes or a path
        size = os.path.getsize(path)
    if size == 0:
        raise InputError(messages.EMPTY_FILE)
    budget = limits()
    if con is None:
        con = duckdb.connect()
        # DuckDB spills to disk past this, so one huge file cannot take the server's memory.
        con.execute(f"SET memory_limit = '{budget.ingest_memory_bytes // 1_000_000}MB'")
        con.execute(f"SET temp_directory = {sql_string(os.path.join(tempfile.gettempdir(), 'roi-ingest-spill'))}")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")  # times with an offset are converted to UTC; the rest taken as UTC
    try:
        with _deadline(con, budget.worker_seconds):
            return _ingest(con, data, path, display, sheet, table)
    except duckdb.InterruptException:
        raise InputError(
            messages.FILE_TOO_SLOW.format(name=os.path.basename(display), seconds=budget.worker_seconds)
        ) from None
    except duckdb.OutOfMemoryException:
        raise InputError(messages.FILE_OUT_OF_MEMORY.format(name=os.path.basename(display))) from None


@contextmanager
def _deadline(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Past ``seconds``, interrupt ``con``'s queries until the block ends: the query running then,
    or the next one if Python was busy between two."""
    done = threading.Event()

    def watch() -> None:
        if not done.wait(seconds):
            while not done.wait(0.05):
                con.interrupt()

    watchdog = threading.Thread(target=watch, name="ingest-deadline")
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()  # no thread outlives the read (one left at exit aborts the interpreter under a profiler)


def list_tables(source: str | Path | bytes, name: str | None = None) -> list[str]:
    """Names of the tables stacked in a text file, top to bottom ([] for a file of one table, or a workbook)."""
    data, path, display = _resolve(source, name)
    if staging.is_excel(display) or _looks_like_workbook(data, path):
        return []
    with staging.CsvSource(data, path) as whole:
        return [span.name for span in tables.find_tables(whole.path or "", whole.layout.delimiter)]


def _ingest(
    con: duckdb.DuckDBPyConnection,
    data: bytes | None,
    path: str | None,
    display: str,
    sheet: str | None,
    table: int | None = None,
) -> Ingested:
    spans: list[tables.TableSpan] = []
    if staging.is_excel(display) or _looks_like_workbook(data, path):
        if table:
            raise InputError(messages.UNKNOWN_TABLE.format(table=table + 1, count=1))
        staged = staging.stage_workbook(con, data, path, display, sheet)
        names, warnings = _names(staged)
        plans = _plan(con, staged, names)
        plans, scan, order_warnings = _settle_and_scan(con, staged, plans)
    else:
        with staging.CsvSource(data, path) as whole:
            spans = tables.find_tables(whole.path or "", whole.layout.delimiter)
            index = table or 0
            if index >= max(len(spans), 1) or index < 0:
                raise InputError(messages.UNKNOWN_TABLE.format(table=index + 1, count=max(len(spans), 1)))
            if spans:
                with whole.part(spans[index].first_line, spans[index].last_line) as part:
                    staged, names, warnings, plans, scan, order_warnings = _read_csv(con, part)
                if table is None:
                    warnings.append(messages.WARN_STACKED.format(count=len(spans), name=spans[0].name))
            else:
                staged, names, warnings, plans, scan, order_warnings = _read_csv(con, whole)
    staging.drop_raw(con)  # its cells are all in ``typed`` now
    cap = limits().max_rows
    if scan.rows > cap:
        raise InputError(messages.TOO_MANY_ROWS.format(limit=cap))
    warnings += order_warnings
    warnings += _merged_warning(con, staged, plans, scan)
    warnings += [
        messages.WARN_TIME_ZONES.format(column=p.name, example=p.offset_example) for p in plans if p.offset_example
    ]
    warnings += _decimal_warnings(plans)
    if scan.rows:
        warnings += [messages.WARN_EMPTY_COLUMN.format(column=c.name) for c in scan.columns if c.non_null == 0]
    else:
        warnings.append(messages.WARN_NO_ROWS)

    warnings += [messages.WARN_NOT_FINITE.format(count=n, column=plans[i].name) for i, n in scan.not_finite.items()]
    warnings += [messages.WARN_SUM_OVERFLOW.format(column=plans[i].name) for i in scan.overflow]

    def value(i: int) -> str:
        v = f"CASE WHEN isfinite(v{i}) THEN v{i} END" if i in scan.not_finite else f"v{i}"
        return f"CAST({v} AS {scan.casts[i]})" if i in scan.casts else v

    selects = ", ".join(f"{value(i)} AS {quote_identifier(p.name)}" for i, p in enumerate(plans))
    where = " WHERE NOT _drop" if scan.dropped_totals or scan.dropped_blanks else ""  # else nothing to filter
    con.execute(f"CREATE OR REPLACE VIEW {INGESTED} AS SELECT {selects} FROM typed{where}")

    dropped_rows = [DroppedRow(staged.file_row(rid + 1), "total" if total else "blank") for rid, total in scan.dropped]
    dropped_rows += [DroppedRow(line, "blank") for line in staged.blank_lines[:LISTED_ROWS]]
    dropped_rows = sorted(dropped_rows, key=lambda d: d.row)[:LISTED_ROWS]
    totals, blanks = scan.dropped_totals, scan.dropped_blanks + len(staged.blank_lines)
    if totals:
        warnings.append(messages.WARN_DROPPED_TOTALS.format(count=totals))
    if scan.kept_totals:
        kept, first = scan.kept_totals
        warnings.append(messages.WARN_TOTAL_KEPT.format(count=kept, row=staged.file_row(first + 1)))
    if blanks:
        warnings.append(messages.WARN_DROPPED_BLANK.format(count=blanks))

    profile = Profile(
        file=os.path.basename(display),
        sheet=staged.sheet,
        header_row=staged.header_row,
        rows=scan.rows,
        columns=scan.columns,
        dropped_rows=dropped_rows,
        warnings=warnings,
        encoding=staged.encoding,
        delimiter=staged.delimiter,
        sheets=staged.sheets,
        rows_left_out=totals + blanks,
        tables=[span.name for span in spans],
        table=spans[table or 0].name if spans else None,
    )
    return Ingested(con=con, profile=profile, plans=plans)


def _read_csv(
    con: duckdb.DuckDBPyConnection, source: staging.CsvSource
) -> tuple[staging.Staged, list[str], list[str], list[ColumnPlan], _Scan, list[str]]:
    staged, names, warnings, plans = _stage_csv(con, source)
    try:
        plans, scan, order_warnings = _settle_and_scan(con, staged, plans)
    except (duckdb.InterruptException, duckdb.OutOfMemoryException):
        raise
    except duckdb.Error:
        # The one-pass read met what only the careful one handles (a value its typed
        # columns cannot read, quoted line breaks in ragged rows, a change of encoding).
        source.read(con)
        staged = source.staged({})
        plans = [replace(p, native=False) for p in plans]
        plans, scan, order_warnings = _settle_and_scan(con, staged, plans)
    staging.drop_raw(con)  # raw may be a view over the source's file, which goes with it
    return staged, names, warnings, plans, scan, order_warnings


_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip (.xlsx), OLE2 (.xls)


def _looks_like_workbook(data: bytes | None, path: str | None) -> bool:
    """A workbook by its first bytes, whatever its name says."""
    if data is not None:
        return data.startswith(_WORKBOOK_SIGNATURES)
    assert path is not None  # _resolve gives the bytes or a path
    with open(path, "rb") as handle:
        return handle.read(8).startswith(_WORKBOOK_SIGNATURES)


def _names(staged: staging.Staged) -> tuple[list[str], list[str]]:
    padding = [""] * (len(staged.columns) - len(staged.header))
    names, warnings = clean_names(list(staged.header) + padding)
    return names, staged.warnings + warnings


def _plan(
    con: duckdb.DuckDBPyConnection, staged: staging.Staged, names: list[str], sample_rows: int = SAMPLE_HEAD_ROWS
) -> list[ColumnPlan]:
    """A plan per column: native ones as they are, text ones classified from a sample."""
    text_columns = [c for c in staged.columns if c not in staged.native]
    sample = _sample(con, text_columns, _total_sql(staged), sample_rows)
    plans = []
    for index, column in enumerate(staged.columns):
        if column in staged.native:
            plans.append(ColumnPlan(names[index], column, staged.native[column], native=True))
        else:
            plans.append(cells.classify(names[index], column, sample[column], _default_decimal(staged)))
    return plans


def _stage_csv(
    con: duckdb.DuckDBPyConnection, source: staging.CsvSource
) -> tuple[staging.Staged, list[str], list[str], list[ColumnPlan]]:
    """Type columns from the first records, then let ``raw`` be a view reading the whole file.

    Columns whose sampled cells are plain numbers or ISO dates are parsed by DuckDB's CSV reader
    itself (fast); the rest stay text and are converted in SQL. If a typed column meets a value
    further down that it cannot read, ingest() reads the file again as all text: slower, nothing lost.
    """
    sample_rows = _sample_rows(len(source.columns))
    sampled = source.read(con, limit=sample_rows)
    staged = source.staged({})
    names, warnings = _names(staged)
    plans = _plan(con, staged, names, sample_rows)
    fast = {p.source: p.fast_type for p in plans if p.fast_type}
    if not fast:
        if sampled == sample_rows:
            source.view(con, types={})
        return staged, names, warnings, plans
    if sampled < sample_rows:
        # The sample was the whole file: every cell of a fast column is known to read as its type.
        try:
            source.read(con, types=fast)
        except duckdb.Error:
            source.read(con)
            return staged, names, warnings, plans
    elif len(plans) <= WIDE_COLUMNS and all(p.fast_type or p.type == "text" for p in plans):
        # Nothing to convert: the file is read into ``raw`` now, and ``typed`` may then be that
        # very table (see _adopt_raw) instead of a second copy of every cell.
        try:
            source.read(con, types=fast, flags=TYPED_FLAGS)
        except (duckdb.InterruptException, duckdb.OutOfMemoryException):
            raise
        except (duckdb.Error, InputError):
            source.read(con)  # a value further down that a typed column cannot read: all text
            return staged, names, warnings, plans
    else:
        source.view(con, types=fast)
    kinds: dict[str, staging.NativeType] = {c: ("number" if t == "DOUBLE" else "date") for c, t in fast.items()}
    staged = source.staged(kinds)
    return staged, names, warnings, [replace(p, native=p.source in fast) for p in plans]


def _sample_rows(columns: int) -> int:
    """Records sampled to type columns: fewer on wide files, so that typing stays fast."""
    return max(SAMPLE_MIN_ROWS, min(SAMPLE_HEAD_ROWS, SAMPLE_CELLS // max(columns, 1)))


def _default_decimal(staged: staging.Staged) -> cells.Decimal:
    return "," if staged.delimiter == ";" else "."


def _sample(
    con: duckdb.DuckDBPyConnection, columns: list[str], total_sql: str, sample_rows: int = SAMPLE_HEAD_ROWS
) -> dict[str, list[str | None]]:
    """The first kept records: enough to type a column. Later surprises are caught on conversion."""
    if not columns:
        return {}
    listed = ", ".join(quote_identifier(c) for c in columns)
    rows = con.execute(
        f"SELECT {listed} FROM raw WHERE NOT {total_sql} ORDER BY rowid LIMIT {int(sample_rows)}"
    ).fetchall()
    return {column: [row[i] for row in rows] for i, column in enumerate(columns)}


def _settle_and_scan(
    con: duckdb.DuckDBPyConnection, staged: staging.Staged, plans: list[ColumnPlan]
) -> tuple[list[ColumnPlan], _Scan, list[str]]:
    """Settle date orders, convert and profile; columns with values their type cannot read become text."""
    plans, warnings = _settle_day_month_order(con, plans, _total_sql(staged))
    scan = _scan(con, staged, plans)
    if scan.unreadable or scan.mixed:
        classified = list(plans)
        for index, (count, example) in scan.unreadable.items():
            plan = plans[index]
            warnings.append(
                messages.WARN_UNPARSED_VALUES.format(count=count, column=plan.name, kind=plan.type, example=example)
            )
            plans[index] = replace(plan, type="text", currency=None, currency_symbol=None, percent=False)
        for index, currencies in scan.mixed.items():
            plan = plans[index]
            # Euros are never added to dollars: the column stays text, like an unreadable one.
            warnings.append(messages.WARN_MIXED_CURRENCIES.format(column=plan.name, currencies=_and(currencies)))
            plans[index] = replace(plan, type="text", currency="mixed", currency_symbol=None)
        scan = _scan(con, staged, plans, total_plans=classified)
    return plans, scan, warnings


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _settle_day_month_order(
    con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], total_sql: str
) -> tuple[list[ColumnPlan], list[str]]:
    """Decide day-first or month-first from every value of the column, not just the sample."""
    warnings: list[str] = []
    settled = list(plans)
    for index, plan in enumerate(plans):
        if plan.type != "date" or "day_month" not in plan.date_families or plan.order_decided:
            continue  # a value contradicting a decided order fails to parse and keeps the column text
        column = quote_identifier(plan.source)
        pattern = sql_string(r"^\s*(\d{1,2})([/.-])(\d{1,2})[/.-]")
        row = fetch_row(
            con,
            f"SELECT max(TRY_CAST(regexp_extract({column}, {pattern}, 1) AS INTEGER)), "
            f"max(TRY_CAST(regexp_extract({column}, {pattern}, 3) AS INTEGER)), "
            f"bool_and(regexp_extract({column}, {pattern}, 2) = '.') "
            f"FROM raw WHERE NOT {total_sql} AND regexp_matches({column}, {pattern})",
        )
        assert row is not None  # aggregates without GROUP BY: always one row
        first, second, dotted = row
        first, second = first or 0, second or 0
        if first > 12 and second > 12:
            day_first = plan.day_first  # both orders occur: the failing values will keep it text
        elif first > 12:
            day_first = True
        elif second > 12:
            day_first = False
        else:
            day_first = bool(dotted)
            if not dotted:
                warnings.append(messages.WARN_AMBIGUOUS_DATES.format(column=plan.name, order="month-first (US)"))
        settled[index] = replace(plan, day_first=day_first)
    return settled, warnings


def _merged_warning(
    con: duckdb.DuckDBPyConnection, staged: staging.Staged, plans: list[ColumnPlan], scan: _Scan
) -> list[str]:
    if scan.merged is None or any("never closed" in w for w in staged.warnings):
        return []
    record, count = scan.merged
    text = [(i, p) for i, p in enumerate(plans) if p.type == "text"]
    row = fetch_row(con, f"SELECT {', '.join(f'v{i}' for i, _ in text) or 'NULL'} FROM typed WHERE rowid = ?", [record])
    cell, column = next(((v, p.name) for v, (_, p) in zip(row or (), text) if v and "\n" in v), ("", "?"))
    return [
        messages.WARN_MERGED_BY_QUOTE.format(
            row=staged.file_row(record + 1),
            lines=cell.count("\n"),
            column=column,
            more=f" ({count:,} rows like it in all)" if count > 1 else "",
        )
    ]


def _decimal_warnings(plans: list[ColumnPlan]) -> list[str]:
    return [
        messages.WARN_DECIMAL_COMMA.format(column=p.name) for p in plans if p.type == "number" and p.decimal_comma_seen
    ]


def _total_sql(staged: staging.Staged, plans: list[ColumnPlan] | None = None) -> str:
    """True for a row that looks like a total or subtotal: one of its cells says "Total", "Grand
    total", "Total: Search"... and its other text cells are empty or null tokens ("--").

    Without plans (before typing) any cell without letters counts as empty too (numbers, dates);
    with plans, the cells of number, date and boolean columns may hold anything. _confirm_totals
    then checks the numbers of such rows. Each test is one concat over the text columns and one
    regular expression: it plans in linear time on wide files, and runs only on the rare rows
    that contain a total word at all.
    """
    staged_text = [c for c in staged.columns if c not in staged.native]
    if not staged_text:
        return "false"
    sep = r"\x1f"
    label = r"\s*(?i:" + TOTAL_ROW_PATTERN[4:-2].replace(".*", r"[^\x1f]*") + r")\s*"
    # Empty too: a currency alone (Google Ads repeats "USD" in its total rows' "Currency code").
    empty = r"\s*(?:(?i:" + "|".join(re.escape(t) for t in cells.NULL_TOKENS if t) + r")|" + cells.CURRENCY + r")?\s*"

    def joined(columns: list[str]) -> str:
        return f"concat_ws(chr(31), {', '.join(quote_identifier(c) for c in columns)})" if columns else "''"

    def one_label_among(cell: str) -> str:
        return f"(?:{cell}{sep})*{label}(?:{sep}{cell})*"

    everything = joined(staged_text)
    prefilter = f"regexp_matches({everything}, {sql_string(TOTAL_WORDS)})"
    if plans is None:
        no_letters = r"[^\x1f\pL]*"
        test = f"regexp_full_match({everything}, {sql_string(one_label_among(f'(?:{no_letters}|{empty})'))})"
    else:
        kinds = {p.source: p.type for p in plans}
        text = [c for c in staged_text if kinds.get(c) == "text"]
        typed = [c for c in staged_text if kinds.get(c) != "text"]
        test = f"regexp_full_match({joined(text)}, {sql_string(one_label_among(empty))})"
        if typed:
            all_empty = f"(?:{empty}(?:{sep}{empty})*)?"
            text_empty = f"regexp_full_match({joined(text)}, {sql_string(all_empty)})"
            in_typed = f"regexp_matches({joined(typed)}, {sql_string(f'(?:^|{sep}){label}(?:{sep}|$)')})"
            test = f"({test} OR ({text_empty} AND {in_typed}))"
    # Or the row's first filled cell is the label ("Total: Video" beside a "Video" campaign type).
    filled = [f"NULLIF(trim({quote_identifier(c)}), '')" for c in staged_text]
    first = filled[0] if len(filled) == 1 else f"coalesce({', '.join(filled)})"
    leading = f"regexp_full_match(lower(trim({first})), {sql_string(TOTAL_ROW_PATTERN[1:-1])})"
    return f"(CASE WHEN {prefilter} THEN coalesce({leading} OR {test}, false) ELSE false END)"


def _merged_sql(staged: staging.Staged) -> str:
    """True for a CSV record with a cell that holds whole lines of the file: lines that have the
    table's own delimiters in them, swallowed by a stray quote (a long note would not look so)."""
    text = [quote_identifier(c) for c in staged.columns if c not in staged.native]
    if staged.delimiter is None or not text or not staged.has_quotes:
        return "false"
    delimiters = max(len(staged.columns) - 1, 1)
    other = "[^\\n\\x1f]*"
    pattern = f"\\n{other}(?:{re.escape(staged.delimiter)}{other}){{{delimiters}}}"
    joined = f"concat_ws(chr(31), {', '.join(text)})"
    # The cheap test first: the regular expression runs only on the rare rows with a line break.
    return f"(CASE WHEN contains({joined}, chr(10)) THEN coalesce(regexp_matches({joined}, {sql_string(pattern)}), false) ELSE false END)"


def _blank_sql(staged: staging.Staged) -> str:
    """True for a row with nothing in it but white space, or only a no-data notice.

    Typed columns are tested first: a value there ends the test for the row (AND short-circuits),
    and a typed value is never cast to text. On wide files the text columns are tested with one
    concat instead of a chain of ANDs, whose planning time in DuckDB grows with its square."""
    typed = [f"{quote_identifier(c)} IS NULL" for c in staged.columns if c in staged.native]
    text = [quote_identifier(c) for c in staged.columns if c not in staged.native]
    if len(staged.columns) > WIDE_COLUMNS:
        kinds = sorted(set(staged.native.values()))
        typed = [  # least() skips NULLs and is NULL only if all are; it plans in linear time
            f"least({', '.join(quote_identifier(c) for c, k in staged.native.items() if k == kind)}) IS NULL"
            for kind in kinds
        ]
        tests = typed + ([f"trim(concat({', '.join(text)}, '')) = ''"] if text else [])
    else:
        tests = typed + [f"coalesce(trim({c}), '') = ''" for c in text]
        if len(staged.columns) > 1 and staged.columns[0] not in staged.native:
            # Or nothing but a notice in its first cell ("No data available." under Meta's empty
            # exports); the expression runs only on rows whose other cells are all empty.
            first, rest = text[0], typed + [f"coalesce(trim({c}), '') = ''" for c in text[1:]]
            notice = f"coalesce(regexp_full_match(trim({first}), {sql_string(NO_DATA_NOTICE)}), false)"
            return f"(CASE WHEN {' AND '.join(rest)} THEN coalesce(trim({first}), '') = '' OR {notice} ELSE false END)"
    return "(" + " AND ".join(tests or ["true"]) + ")"


def _number_aggregates(v: str) -> list[str]:
    return [f"count({v})", f"sum({v})", f"min({v})", f"max({v})", f"bool_and({v} = trunc({v}) AND abs({v}) < 9.0e15)"]


@dataclass
class _Scan:
    rows: int
    columns: list[ColumnProfile]
    casts: dict[int, str]  # columns that can be stored narrower: whole numbers, dates without time
    dropped: list[tuple[int, bool]]  # (record, is_total) of the first rows left out
    unreadable: dict[int, tuple[int, str]]  # column -> (cells the type could not read, an example)
    merged: tuple[int, int] | None = None  # (first record, records) where a quote swallowed whole lines
    not_finite: dict[int, int] = field(default_factory=dict)  # number column -> infinite cells (emptied)
    overflow: list[int] = field(default_factory=list)  # number columns whose sum is beyond a double
    dropped_totals: int = 0  # all rows left out as totals (``dropped`` lists the first ones)
    dropped_blanks: int = 0
    kept_totals: tuple[int, int] | None = None  # (rows, first record) that look like totals but do not add up
    mixed: dict[int, list[str]] = field(default_factory=dict)  # number column -> the currencies its cells carry


def _scan(
    con: duckdb.DuckDBPyConnection,
    staged: staging.Staged,
    plans: list[ColumnPlan],
    total_plans: list[ColumnPlan] | None = None,
) -> _Scan:
    """Convert into the table ``typed`` once, then profile it in one pass over plain columns.

    No expression refers to another's result: DuckDB would inline it, and on wide files the
    copies multiply (200 columns took a minute that way).
    """
    selects = []
    cores = []  # decorated number columns: strip the decoration once, in an inner query
    for index, plan in enumerate(plans):
        core = None
        if plan.type == "number" and not plan.native:
            core = f"k{index}"
            cores.append(f"{cells.number_core_sql(quote_identifier(plan.source))} AS {core}")
        selects.append(f"{cells.convert_sql(plan, core)} AS v{index}")
        if cells.unreadable_sql(plan, "v", "r") is not None:
            selects.append(f"{quote_identifier(plan.source)} AS r{index}")
    # Which rows look like totals is judged with the plans as first classified (``total_plans``):
    # a column turned text on a second scan does not make its cells count as text beside a label.
    total = _total_sql(staged, total_plans or plans)
    if total_plans is not None or not _adopt_raw(con, staged, plans):
        con.execute(
            f"CREATE OR REPLACE TABLE typed AS SELECT *, _total OR _blank AS _drop FROM ("
            f"SELECT {', '.join(selects)}, {total} AS _total, "
            f"{_blank_sql(staged)} AS _blank, {_merged_sql(staged)} AS _merged "
            f"FROM {'(SELECT *, ' + ', '.join(cores) + ' FROM raw)' if cores else 'raw'})"
        )
    kept_totals = _confirm_totals(con, plans)
    _mark_unlabelled_total(con, plans)
    aggregates = ["count(*)"]
    for index, plan in enumerate(plans):
        v = f"v{index}"
        if plan.type == "number":
            # Infinities (1e309, "inf") are counted here and emptied in the view (the few columns with
            # any get their statistics again without them: a FILTER on every aggregate of a wide file
            # costs DuckDB quadratic time and memory).
            aggregates += _number_aggregates(v) + [f"count_if(NOT isfinite({v}))"]
        elif plan.type == "date":
            aggregates += [
                f"count({v})",
                "NULL",
                f"min({v})",
                f"max({v})",
                f"bool_and(CAST({v} AS TIMESTAMP) = date_trunc('day', {v}))",
                "0",
            ]
        else:
            aggregates += [f"count({v})", "NULL", "NULL", "NULL", "false", "0"]
        unreadable = cells.unreadable_sql(plan, v, f"r{index}")
        aggregates += (
            [f"count_if({unreadable})", f"min(rowid) FILTER (WHERE {unreadable})"] if unreadable else ["0", "NULL"]
        )
        aggregates.append(f"approx_count_distinct({v})")
        # A decorated number column: cells with a currency other than the sampled one (one aggregate).
        currency = plan.currency if plan.type == "number" and not plan.native and plan.currency else None
        aggregates.append(f"count_if({cells.other_currency_sql(f'r{index}', currency)})" if currency else "0")
    result = fetch_row(con, f"SELECT {', '.join(aggregates)} FROM typed WHERE NOT _drop")
    assert result is not None
    rows = int(result[0])
    dropped = [
        (int(r), bool(t))
        for r, t in con.execute(
            f"SELECT rowid, _total FROM typed WHERE _drop ORDER BY rowid LIMIT {LISTED_ROWS}"
        ).fetchall()
    ]
    dropped_totals, dropped_blanks = fetch_row(
        con, "SELECT count_if(_total), count_if(NOT _total) FROM typed WHERE _drop"
    ) or (0, 0)
    columns: list[ColumnProfile] = []
    casts: dict[int, str] = {}
    unreadable_cells: dict[int, tuple[int, str]] = {}
    not_finite: dict[int, int] = {}
    overflow: list[int] = []
    mixed: dict[int, list[str]] = {}
    examples = _native_examples(con, plans)
    for index, plan in enumerate(plans):
        count, total_sum, low, high, narrow, infinite, bad, first_bad, distinct, other = result[
            1 + _PER_COLUMN * index : 1 + _PER_COLUMN * (index + 1)
        ]
        if other and not bad:
            mixed[index] = _currencies(con, index, plan)
        if infinite:
            not_finite[index] = int(infinite)
            finite = f"(CASE WHEN isfinite(v{index}) THEN v{index} END)"
            count, total_sum, low, high, narrow = fetch_row(
                con, f"SELECT {', '.join(_number_aggregates(finite))} FROM typed WHERE NOT _drop"
            ) or (0, None, None, None, None)
        if total_sum is not None and not math.isfinite(total_sum):
            overflow.append(index)
            total_sum = None
        columns.append(
            ColumnProfile(
                name=plan.name,
                type=plan.type,
                non_null=int(count),
                sum=float(total_sum) if total_sum is not None else None,
                min=json_value(low),
                max=json_value(high),
                currency=plan.currency if plan.type == "number" or plan.currency == "mixed" else None,
                distinct=int(distinct) if distinct is not None else None,
                percent=plan.percent and plan.type == "number",
                examples=list(plan.examples or examples.get(index, ())),
            )
        )
        if narrow and count:
            casts[index] = "BIGINT" if plan.type == "number" else "DATE"
        if bad:
            example = fetch_row(con, f"SELECT r{index} FROM typed WHERE rowid = ?", [first_bad])
            unreadable_cells[index] = (int(bad), str(example[0]) if example else "")
    merged = fetch_row(con, "SELECT min(rowid), count(*) FROM typed WHERE _merged AND NOT _drop")
    merged_rows = (int(merged[0]), int(merged[1])) if merged and merged[1] else None
    return _Scan(
        rows,
        columns,
        casts,
        dropped,
        unreadable_cells,
        merged_rows,
        not_finite,
        overflow,
        int(dropped_totals or 0),
        int(dropped_blanks or 0),
        kept_totals,
        mixed,
    )


_PER_COLUMN = 10  # aggregates per column in _scan's one pass


def _repeated(con: duckdb.DuckDBPyConnection, columns: list[str]) -> list[bool]:
    """For each column of ``raw``: whether its first rows hold at most half as many distinct values as rows."""
    if not columns:
        return []
    row = fetch_row(
        con,
        f"SELECT count(*), {', '.join(f'count(DISTINCT {c})' for c in columns)} "
        f"FROM (SELECT {', '.join(columns)} FROM raw LIMIT {SAMPLE_HEAD_ROWS})",
    )
    assert row is not None  # aggregates without GROUP BY: always one row
    return [2 * int(distinct) <= int(row[0]) for distinct in row[1:]]


def _adopt_raw(con: duckdb.DuckDBPyConnection, staged: staging.Staged, plans: list[ColumnPlan]) -> bool:
    """Make the table ``raw`` the table ``typed`` (renaming, not copying) when that gives exactly
    the table _scan's conversion would: every column typed already or text, no text cell that
    trimming would change, no cell with a total word, no blank or merged row. Return whether done.

    The text tests run on each column's distinct values (marketing exports repeat a few channels
    and campaigns a million times), the row tests on the typed cells first, which settle most
    rows; together they cost a fraction of converting every row (0.6 s of CPU per 1M rows).
    """
    if len(plans) > WIDE_COLUMNS or not all(p.native or p.type == "text" for p in plans):
        return False
    columns = staging.raw_table_columns(con)
    if [p.source for p in plans] != staged.columns or columns not in (
        staged.columns,
        staged.columns + list(TYPED_FLAGS),
    ):
        return False
    text = [quote_identifier(p.source) for p in plans if not p.native]

    # A cell the conversion would change (trimmed, '' made NULL), or one that could make its row a
    # total: the total test (_total_sql) is false for a row none of whose text cells has one of
    # these words, which no cell separator can split.
    def changed(x: str) -> str:
        return f"coalesce(bool_or({x} IS DISTINCT FROM {cells.text_sql(x)} OR regexp_matches({x}, {sql_string(TOTAL_WORDS)})), false)"

    # Distinct values where the first rows repeat themselves; a column of mostly unique cells (notes,
    # IDs) is tested row by row instead, which costs less than hashing a million distinct values.
    repeated = _repeated(con, text)
    tests = [
        f"(SELECT {changed('x')} FROM (SELECT DISTINCT {c} AS x FROM raw))"
        if few
        else f"(SELECT {changed(c)} FROM raw)"
        for c, few in zip(text, repeated)
    ]
    tests.append(f"(SELECT coalesce(bool_or({_blank_sql(staged)} OR {_merged_sql(staged)}), false) FROM raw)")
    if fetch_value(con, f"SELECT {' OR '.join(tests)}"):
        return False
    for index, plan in enumerate(plans):
        con.execute(f"ALTER TABLE raw RENAME COLUMN {quote_identifier(plan.source)} TO v{index}")
    if columns == staged.columns:  # a workbook's cells, or a CSV read again as text
        for flag in TYPED_FLAGS:
            con.execute(f"ALTER TABLE raw ADD COLUMN {flag} BOOLEAN DEFAULT false")
    con.execute("DROP TABLE IF EXISTS typed")
    con.execute("ALTER TABLE raw RENAME TO typed")
    return True


def _confirm_totals(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan]) -> tuple[int, int] | None:
    """Keep as data the rows that look like totals but whose numbers do not add up; return (rows, first).

    A total row is confirmed when, for at least one number column, it equals (within
    TOTAL_TOLERANCE) the sum of the data rows since the previous total row, or of all data rows
    above it (a grand total under subtotals). Rows with no data row since the previous total (a
    total at the top, the second of a block of totals: "Total: Search" under "Total: Account")
    and rows without numbers cannot be checked and stay totals. Ratio columns (CTR) never add
    up and are simply not the column that confirms. One window sum over rowid, only when some
    row looks like a total; at most WIDE_COLUMNS number columns are compared.
    """
    numbers = [i for i, p in enumerate(plans) if p.type == "number"][:WIDE_COLUMNS]
    if not numbers or not fetch_value(con, "SELECT count_if(_total) FROM typed"):
        return None
    absolute, relative = TOTAL_TOLERANCE
    # "Total: Account", "Grand total", "Subtotal" name themselves: only a bare "Total" must add up
    # (a truncated or filtered export keeps totals of rows it no longer has).
    text = [f"v{i}" for i, p in enumerate(plans) if p.type == "text"]
    named = (  # tested on the total rows only: a regular expression on every row costs 0.3 s per 1M rows
        f"CASE WHEN _total THEN coalesce(regexp_matches(concat_ws(chr(31), {', '.join(text)}), "
        f"{sql_string(NAMED_TOTAL)}), false) ELSE false END"
        if text
        else "false"
    )

    def near(value: str, target: str) -> str:
        return f"abs({value} - {target}) <= {absolute} + {relative} * abs({target})"

    matches = ", ".join(
        f"CAST({near(f'g.v{i}', f'd.s{i}')} OR {near(f'g.v{i}', f'd.a{i}')} AS INTEGER)" for i in numbers
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _kept_totals AS "
        f"WITH g AS (SELECT rowid AS r, _total AS t, {named} AS named, {', '.join(f'v{i}' for i in numbers)}, "
        "sum(CAST(_total AS INTEGER)) OVER (ORDER BY rowid ROWS UNBOUNDED PRECEDING) - CAST(_total AS INTEGER) AS seg "
        "FROM typed WHERE NOT _blank), "
        f"s AS (SELECT seg, {', '.join(f'sum(v{i}) AS s{i}' for i in numbers)} FROM g WHERE NOT t GROUP BY seg), "
        f"d AS (SELECT seg, {', '.join(f's{i}, sum(s{i}) OVER (ORDER BY seg) AS a{i}' for i in numbers)} FROM s) "
        f"SELECT g.r FROM g JOIN d USING (seg) WHERE g.t AND NOT g.named "
        f"AND coalesce({', '.join(f'g.v{i}' for i in numbers)}) IS NOT NULL "
        f"AND coalesce(greatest({matches}), 0) = 0"
    )
    kept = fetch_row(con, "SELECT count(*), min(r) FROM _kept_totals")
    if not kept or not kept[0]:
        return None
    con.execute("UPDATE typed SET _total = false, _drop = _blank WHERE rowid IN (SELECT r FROM _kept_totals)")
    return int(kept[0]), int(kept[1])


def _mark_unlabelled_total(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan]) -> None:
    """Mark as a total a last row without a label that adds up (Universal Analytics ends its sheets
    so): its text and date cells empty and, in two number columns or more, at least the sum of all
    rows above (the whole site's total is more than the pages listed). Rates and averages never
    add up, so only some columns must."""
    numbers = [i for i, p in enumerate(plans) if p.type == "number"][:WIDE_COLUMNS]
    labels = [i for i, p in enumerate(plans) if p.type in ("text", "date")]
    if len(numbers) < 2 or not any(plans[i].type == "text" for i in labels):
        return
    last = fetch_value(con, "SELECT max(rowid) FROM typed WHERE NOT _drop")
    if last is None:
        return
    absolute, relative = TOTAL_TOLERANCE
    empty = " AND ".join(
        f"coalesce(trim(l.v{i}), '') = ''" if plans[i].type == "text" else f"l.v{i} IS NULL" for i in labels
    )
    adding = " + ".join(
        f"CAST(coalesce(l.v{i} > 0 AND l.v{i} >= a.s{i} * (1 - {relative}) - {absolute}, false) AS INTEGER)"
        for i in numbers
    )
    row = fetch_row(
        con,
        f"WITH a AS (SELECT count(*) AS n, {', '.join(f'sum(v{i}) AS s{i}' for i in numbers)} "
        "FROM typed WHERE NOT _drop AND rowid < ?), "
        f"l AS (SELECT * FROM typed WHERE rowid = ?) SELECT a.n, {empty}, {adding} FROM a, l",
        [last, last],
    )
    if row and row[0] >= 2 and row[1] and row[2] >= 2:
        con.execute("UPDATE typed SET _total = true, _drop = true WHERE rowid = ?", [last])


def _currencies(con: duckdb.DuckDBPyConnection, index: int, plan: ColumnPlan) -> list[str]:
    """The currencies a number column's cells carry, its sampled one first (ISO codes)."""
    tokens = con.execute(
        f"SELECT DISTINCT {cells.currency_extract_sql(f'r{index}')} AS t FROM typed WHERE NOT _drop ORDER BY t"
    ).fetchall()
    found: list[str] = [plan.currency] if plan.currency else []
    for (token,) in tokens:
        if not token:
            continue
        code = cells.currency_token(token)
        if code in cells.AMBIGUOUS_CURRENCY:
            code = (
                plan.currency
                if plan.currency and cells.compatible_currency(code, plan.currency)
                else cells.AMBIGUOUS_CURRENCY[code][0]
            )
        if code not in found:
            found.append(code)
    return found


def _native_examples(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan]) -> dict[int, tuple[str, ...]]:
    """Up to 3 distinct values of each column typed in staging (text columns have theirs from the sample)."""
    native = [i for i, p in enumerate(plans) if p.native]
    if not native:
        return {}
    rows = con.execute(
        f"SELECT {', '.join(f'v{i}' for i in native)} FROM typed WHERE NOT _drop ORDER BY rowid LIMIT 200"
    ).fetchall()
    examples: dict[int, tuple[str, ...]] = {}
    for position, index in enumerate(native):
        seen: dict[str, None] = {}
        for row in rows:
            if row[position] is not None and len(seen) < 3:
                seen.setdefault(_example_text(row[position]), None)
        examples[index] = tuple(seen)
    return examples


def _example_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime) and value == datetime.datetime.combine(value.date(), datetime.time()):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)
