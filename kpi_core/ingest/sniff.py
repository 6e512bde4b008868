"""Guess how a text file is written: encoding, delimiter and where the header row is.

Everything here looks at a sample (the first few hundred kilobytes), never the whole file: the
guesses are then applied to the whole file by DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from kpi_core import messages
from kpi_core.errors import InputError
from kpi_core.ingest.decode import INVISIBLE_TABLE

SAMPLE_BYTES = 256 * 1024
csv.field_size_limit(64 * 1024 * 1024)  # a cell of several megabytes is valid CSV
HEADER_SEARCH_ROWS = 250  # real exports put up to ~150 report lines above the table
TITLE_SEARCH_ROWS = 1000  # single-cell title lines skipped before the search starts, at most
DELIMITERS = (",", ";", "\t", "|")

_NUMBERISH = re.compile(r"^[\s$€£¥(+-]*[\d.,]+[\s%€)]*$")
_DATEISH = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


@dataclass(frozen=True)
class TextLayout:
    encoding: str
    delimiter: str
    header_index: int  # records above the header (blank lines count: DuckDB's ``skip`` counts them too)
    header_line: int  # 1-based line of the file where the header starts
    header_end_line: int  # 1-based line where the header ends (same unless a cell holds a newline)
    header: list[str]
    sample_rows: list[list[str]]  # parsed records after the header, from the sample
    unclosed_quote_line: int | None = None  # where a quote opens that never closes (whole file seen)
    description_line: int | None = None  # a line under the header that describes the columns
    description: tuple[str, ...] = ()  # its cells


def decode_sample(sample: bytes, encoding: str, complete: bool) -> str:
    """Decode a sample, dropping a character cut in half at its end (unless it is the whole file)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(sample, final=complete)
    if not complete:
        # The last line may be cut: keep whole lines only.
        cut = max(text.rfind("\n"), 0)
        text = text[:cut]
    return text


def _parse(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        return [row for row in reader]
    except csv.Error:
        return []


def detect_delimiter(text: str) -> str:
    """The candidate giving most rows the same number (>1) of fields; ties go to the list order."""
    best, best_score = ",", (0.0, 0)
    lines = text.splitlines()[:400]
    # Title lines sit on top: judge consistency on the lower part of the sample.
    body = "\n".join(lines[len(lines) // 5 :] if len(lines) > 10 else lines)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in _parse(body, delimiter) if any(cell.strip() for cell in row)]
        if not widths:
            continue
        modal = max(set(widths), key=widths.count)
        if modal < 2:
            continue
        score = (widths.count(modal) / len(widths), modal)
        if score > best_score:
            best, best_score = delimiter, score
    if best_score == (0.0, 0):
        # Nothing parses into several columns (an unclosed quote swallows the rest, say): count the
        # candidates per line, quotes ignored, and take the one on most lines.
        counts = {d: sum(1 for line in lines if d in line) for d in DELIMITERS}
        top = max(DELIMITERS, key=lambda d: counts[d])
        if counts[top]:
            best = top
    return best


def filled(row: Sequence[object]) -> int:
    return sum(1 for cell in row if cell is not None and str(cell).strip() != "")


def looks_like_value(cell: object) -> bool:
    if cell is None:
        return False
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return True
    text = str(cell).strip()
    return bool(text) and bool(_NUMBERISH.match(text) or _DATEISH.match(text))


def is_description_row(rows: Sequence[Sequence[object]], header_index: int) -> bool:
    """Whether the row under the header describes the columns instead of holding values (Google
    Business Profile: "Number of people that viewed your Business Profile..."): words in two or
    more columns, and in at least half of the columns whose cells below are all values."""
    below = [r for r in rows[header_index + 2 : header_index + 202] if filled(r)]
    if header_index + 1 >= len(rows) or len(below) < 2:
        return False
    value_columns = described = 0
    for j, cell in enumerate(rows[header_index + 1]):
        column = [r[j] for r in below if j < len(r) and r[j] is not None and str(r[j]).strip()]
        if not column or not all(looks_like_value(c) for c in column):
            continue
        value_columns += 1
        text = str(cell).strip() if cell is not None else ""
        if looks_like_value(text):
            return False  # a value under values: a data row
        described += len(re.findall(r"[^\W\d_]{2,}", text)) >= 2
    return described >= 2 and 2 * described >= value_columns


def find_header(rows: Sequence[Sequence[object]]) -> int:
    """Index of the header row: the first row about as wide as the data below it, mostly labels.

    Title blocks ("Campaign report", "Date range: ...", "Report Start:", "2024-01-01") are narrower
    than the table under them, so they are passed over. Returns -1 when every row is blank.
    """
    widths = [filled(row) for row in rows[: TITLE_SEARCH_ROWS + HEADER_SEARCH_ROWS]]  # never the whole sheet
    # Single-cell lines above the first row of several cells are titles, however many there are.
    first_wide = next((i for i, w in enumerate(widths) if w > 1), 0)
    candidates = [i for i in range(first_wide, min(len(widths), first_wide + HEADER_SEARCH_ROWS)) if widths[i] > 0]
    if not candidates:
        return -1
    for i in candidates:
        below = [filled(r) for r in rows[i + 1 : i + 21] if filled(r) > 0]
        width = filled(rows[i])
        if below:
            typical = median(below)
            if width < max(1.0, 0.6 * typical) or (width == 1 and typical > 1):
                continue
        values = sum(1 for cell in rows[i] if looks_like_value(cell))
        if values > width / 2 and i != candidates[-1]:
            continue
        return i
    return candidates[0]


def layout_of(sample: bytes, complete: bool, encoding: str) -> TextLayout:
    """Sniff delimiter and header position from the start of a text file in ``encoding``."""
    # As the clean copy that DuckDB reads will be: no invisible characters, no lone CRs.
    text = decode_sample(sample, encoding, complete).translate(INVISIBLE_TABLE)
    text = re.sub(r"\r(?!\n)", "\n", text)
    if not text.strip():
        raise InputError(messages.EMPTY_FILE)
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    records: list[list[str]] = []
    end_lines: list[int] = []
    try:
        for row in reader:
            records.append(row)
            end_lines.append(reader.line_num)
            if len(records) >= 2000:
                break
    except csv.Error as exc:
        raise InputError(messages.UNREADABLE_CSV.format(detail=exc)) from None
    header_index = find_header(records)
    if header_index < 0:
        raise InputError(messages.EMPTY_FILE)
    header_end = end_lines[header_index]
    inner_newlines = sum(cell.count("\n") for cell in records[header_index])
    described = header_index + 1 if is_description_row(records, header_index) else header_index
    return TextLayout(
        encoding=encoding,
        delimiter=delimiter,
        header_index=described,
        header_line=header_end - inner_newlines,
        header_end_line=end_lines[described],
        header=list(records[header_index]),
        sample_rows=records[described + 1 :],
        description_line=end_lines[header_index] + 1 if described > header_index else None,
        description=tuple(records[described]) if described > header_index else (),
        unclosed_quote_line=_unclosed_quote(records, end_lines)
        if complete and text.count('"') % 2 and records and any("\n" in cell for cell in records[-1])
        else None,
    )


def _unclosed_quote(records: list[list[str]], end_lines: list[int]) -> int | None:
    """The line where the record that swallowed the rest of the file starts."""
    if not records:
        return None
    last = len(records) - 1
    return (end_lines[last - 1] + 1) if last > 0 else 1
