"""Read one workbook sheet into an Arrow file, in a process of its own.

The spreadsheet reader is native code: on a hostile workbook (one cell at XFD1048576) it tries to
allocate hundreds of gigabytes and aborts the whole process, which Python cannot catch. So it runs
here, in a child process under a memory limit; ``workbook`` starts it and turns any failure into one
sentence. Run as ``python -m kpi_core.ingest.workbook_worker REQUEST.json``.

Modes: ``dense`` reads the sheet as the reader lays it out (fast); ``compact`` first rewrites each
worksheet so that only rows and columns holding a cell are kept (a far stray cell then costs one
extra row and column), for the sheets ``dense`` could not afford.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import resource
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from kpi_core.ingest import cells, sniff
from kpi_core.ingest.decode import INVISIBLE, INVISIBLE_TABLE
from kpi_core.ingest.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS

EXIT_REFUSED = 3  # the worker explains itself in the response file
EXIT_OUT_OF_MEMORY = 4

SHEET_SCAN_ROWS = 200  # rows looked at to tell whether a sheet holds anything


class Refused(Exception):
    """A sheet the worker will not read, with the sentence to show (the parent formats it)."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def main(request_path: str) -> int:
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    limit = int(request["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    response: dict[str, Any]
    try:
        response = read(request)
        status = 0
    except Refused as refused:
        response, status = {"refused": refused.code, "details": refused.details}, EXIT_REFUSED
    except MemoryError:
        response, status = {"refused": "memory", "details": {}}, EXIT_OUT_OF_MEMORY
    except Exception as exc:  # the reader raises many types for broken zips and XML
        text = str(exc).strip()
        response = {
            "refused": "unreadable",
            "details": {"detail": text.splitlines()[0] if text else type(exc).__name__},
        }
        status = EXIT_REFUSED
    with open(request["response"], "w", encoding="utf-8") as handle:
        json.dump(response, handle)
    return status


def read(request: dict[str, Any]) -> dict[str, Any]:
    """Read the requested sheet (or the first with data) and write it as Arrow; return its layout."""
    path: str = request["path"]
    row_maps: dict[str, list[int]] = {}
    if request["mode"] == "compact":
        path, row_maps = compacted_copy(path, request["scratch"])
    workbook = _open(path)
    names = list(workbook.sheet_names)
    if request.get("sheets_only"):
        return {"sheets": names}
    if not names:
        raise Refused("no_sheets")
    sheet = request.get("sheet")
    if sheet is not None and sheet not in names:
        raise Refused("unknown_sheet", sheet=sheet, sheets=names)
    if sheet is None:
        sheet, rows, top = _first_sheet_with_data(workbook, names)
    else:
        rows, top = _sheet_rows(workbook, sheet)
    header_index = sniff.find_header(rows)
    if header_index < 0:
        raise Refused("empty_sheet", sheet=sheet, sheets=names)
    header = list(rows[header_index])
    body = rows[header_index + 1 :]
    width = max([len(header)] + [len(r) for r in body])
    if width > EXCEL_MAX_COLUMNS:
        raise Refused("too_many_columns", count=width, limit=EXCEL_MAX_COLUMNS)
    header += [""] * (width - len(header))
    header_row = top + header_index + 1
    # Compacted rows keep their sheet numbers (so a far cell leaves no million blank rows behind).
    record_rows = row_maps[sheet][header_row : header_row + len(body)] if sheet in row_maps else None
    arrays, native, invisible = _columns_to_arrow(header, body, width)
    del rows, body
    header_text = [_cell_text(h) for h in header]
    cleaned_header = [h.translate(INVISIBLE_TABLE) if h else h for h in header_text]
    invisible += sum(len(a) - len(b) for a, b in zip(header_text, cleaned_header) if a and b is not None)
    table = pa.table({f"c{i}": a for i, a in enumerate(arrays)})
    with pa.OSFile(request["output"], "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return {
        "sheet": sheet,
        "sheets": names,
        "header": cleaned_header,
        "header_row": row_maps[sheet][header_row - 1] if sheet in row_maps else header_row,
        "record_rows": record_rows,  # each record's sheet row, where rows were compacted
        "native": {str(i): kind for i, kind in native.items()},
        "invisible": invisible,
    }


def _open(path: str) -> python_calamine.CalamineWorkbook:
    """Open by content, not by name: a workbook renamed .csv or .xls reads the same everywhere."""
    with open(path, "rb") as handle:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))


# --- compact copies --------------------------------------------------------------------------------

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(\s[^>]*?)?(/?)>")
_R_ATTR = re.compile(rb'(\sr\s*=\s*)(["\'])([A-Za-z]*)(\d*)\2')
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*/>")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> bytes:
    letters = b""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = bytes([65 + rest]) + letters
    return letters


def _cells(xml: bytes) -> Iterator[tuple[bytes, re.Match[bytes], int, int]]:
    """Every row and cell tag with the (row, column) it stands for; implicit positions counted on."""
    row = 0
    column = 0
    for match in _TAG.finditer(xml):
        kind, attributes = match.group(1), match.group(2) or b""
        reference = _R_ATTR.search(attributes)
        if kind == b"row":
            row = int(reference.group(4)) if reference and reference.group(4) else row + 1
            column = 0
        else:
            if reference and reference.group(3):
                column = _column_number(reference.group(3))
                if reference.group(4):
                    row = int(reference.group(4))
            else:
                column += 1
        yield kind, match, row, column


def compact_sheet(xml: bytes) -> tuple[bytes, list[int]]:
    """The sheet with only its used rows and columns, renumbered; and each new row's old number."""
    used_rows: set[int] = set()
    used_columns: set[int] = set()
    for kind, _match, row, column in _cells(xml):
        if kind == b"c":
            used_rows.add(row)
            used_columns.add(column)
    rows = sorted(used_rows)
    if len(rows) > EXCEL_MAX_ROWS or len(used_columns) > EXCEL_MAX_COLUMNS:
        raise Refused("too_large", rows=len(rows), columns=len(used_columns))
    new_row = {old: new for new, old in enumerate(rows, start=1)}
    new_column = {old: new for new, old in enumerate(sorted(used_columns), start=1)}
    pieces: list[bytes] = []
    position = 0
    for kind, match, row, column in _cells(xml):
        if kind == b"row":
            # A row of formatting only holds no cell: left unnumbered, it places nothing.
            reference = f' r="{new_row[row]}"'.encode() if row in new_row else b""
        else:
            reference = b' r="' + _column_letters(new_column[column]) + str(new_row[row]).encode() + b'"'
        attributes = _R_ATTR.sub(b"", match.group(2) or b"")
        start, end = match.span()
        tag = xml[start : match.start(1) + len(match.group(1))]
        pieces += [xml[position:start], tag, reference, attributes, match.group(3), b">"]
        position = end
    pieces.append(xml[position:])
    return _DIMENSION.sub(b"", b"".join(pieces)), rows


def compacted_copy(path: str, scratch: str) -> tuple[str, dict[str, list[int]]]:
    """A copy of an .xlsx workbook whose worksheets keep only the rows and columns with cells."""
    if not zipfile.is_zipfile(path):
        raise Refused("too_large_binary")
    handle, target = tempfile.mkstemp(suffix=".xlsx", dir=scratch)
    os.close(handle)
    row_maps: dict[str, list[int]] = {}
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data, rows = compact_sheet(data)
                row_maps[info.filename] = rows
            copy.writestr(info, data)
    # The reader names the sheets; the workbook's sheet order ties each name to its part.
    names = _open(target).sheet_names
    parts = _sheet_parts(path)
    return target, {name: row_maps[part] for name, part in zip(names, parts) if part in row_maps}


def _sheet_parts(path: str) -> list[str]:
    """Worksheet part names in the workbook's sheet order (from workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    targets = {
        m.group(1): m.group(2)
        for m in re.finditer(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', relations)
    }
    targets.update(
        {
            m.group(2): m.group(1)
            for m in re.finditer(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', relations)
        }
    )
    parts = []
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", workbook):
        rid = re.search(rb'\br:id="([^"]+)"|\bid="([^"]+)"', m.group(1))
        target = targets.get((rid.group(1) or rid.group(2)) if rid else b"", b"").decode()
        target = target.lstrip("/")
        parts.append(target if target.startswith("xl/") else "xl/" + target)
    return parts


# --- reading ---------------------------------------------------------------------------------------


def _sheet_rows(workbook: python_calamine.CalamineWorkbook, sheet: str) -> tuple[Sequence[Sequence[object]], int]:
    worksheet = workbook.get_sheet_by_name(sheet)
    if worksheet.height > EXCEL_MAX_ROWS + 1 or worksheet.width > EXCEL_MAX_COLUMNS:
        raise Refused("too_large", rows=worksheet.height, columns=worksheet.width)
    rows = worksheet.to_python()  # starts at the first used cell: ``start`` says where that is
    start = worksheet.start
    return rows, (start[0] if start else 0)


def _first_sheet_with_data(
    workbook: python_calamine.CalamineWorkbook, names: list[str]
) -> tuple[str, Sequence[Sequence[object]], int]:
    for name in names:
        rows, top = _sheet_rows(workbook, name)
        if any(sniff.filled(r) for r in rows[:SHEET_SCAN_ROWS]):
            return name, rows, top
    raise Refused("empty_sheet", sheet=names[0], sheets=names)


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


def _arrow_column(column: tuple[object, ...], name: str) -> tuple[pa.Array, str] | None:
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
            inferred = pa.array([float(v) if isinstance(v, (int, float)) else v for v in values], type=pa.float64())
        elif kinds and kinds <= {dt.datetime, dt.date}:
            inferred = pa.array(
                [
                    v
                    if not isinstance(v, dt.date) or isinstance(v, dt.datetime)
                    else dt.datetime(v.year, v.month, v.day)
                    for v in values
                ],
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
    header: list[object], body: Sequence[Sequence[object]], width: int
) -> tuple[list[pa.Array], dict[int, str], int]:
    """One Arrow array per column: typed where every cell has one type, text otherwise; and how many
    invisible characters (BOMs, zero-width spaces pasted into cells) were removed from the text."""
    padded = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in body]
    arrays: list[pa.Array] = []
    native: dict[int, str] = {}
    invisible = 0
    for index, column in enumerate(zip(*padded) if padded else [() for _ in range(width)]):
        name = str(header[index] or "")
        typed = _arrow_column(column, name)
        if typed is not None:
            arrays.append(typed[0])
            native[index] = typed[1]
        else:
            text = pa.array([_cell_text(v) for v in column], type=pa.string())
            cleaned = pc.replace_substring_regex(text, INVISIBLE_PATTERN, "")
            invisible += pc.sum(pc.subtract(pc.utf8_length(text), pc.utf8_length(cleaned))).as_py() or 0
            arrays.append(cleaned)
    return arrays, native, invisible


INVISIBLE_PATTERN = "[" + INVISIBLE + "]"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
