"""Several tables stacked in one text file: where each starts and ends, and what it is called.

GA4's "Reports snapshot" puts 16 tables in one CSV, each under a block of ``#`` comment lines; other
reports put a second table below the first after a blank line. Read as one table, such a file is
nonsense (204 rows of 4 columns, numbers turned to text), so each table is found and read on its own.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass

from kpi_core.ingest import sniff

MAX_SCAN_BYTES = 16 * 1024 * 1024  # stacked reports are small; a bigger file is read as one table
MAX_NAME_CHARS = 80


@dataclass(frozen=True)
class TableSpan:
    """One table of a text file: its lines (1-based, inclusive; header first) and a name."""

    name: str
    first_line: int  # the first line of the table: its header, or a title line just above it
    last_line: int  # the table's last line that holds cells
    header: tuple[str, ...]


@dataclass
class _Segment:
    """A run of lines with cells, between blank or comment lines."""

    first_line: int
    last_line: int
    rows: list[list[str]]
    after_comment: bool  # a ``#`` comment line sits between it and the segment above
    titles: list[str]  # the comment lines just above it, ``#`` and spaces removed


def find_tables(path: str, delimiter: str) -> list[TableSpan]:
    """The tables of a UTF-8 text file; one span for a file that is a single table."""
    if not _may_be_stacked(path):
        return []
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        text = re.sub(r"\r(?!\n)", "\n", handle.read())
    spans: list[TableSpan] = []
    for segment in _segments(text, delimiter):
        header_index = sniff.find_header(segment.rows)
        header = segment.rows[header_index] if header_index >= 0 else []
        if sniff.filled(header) >= 2 and (not spans or _starts_table(segment, list(spans[-1].header))):
            spans.append(TableSpan(_name(segment, header), segment.first_line, segment.last_line, tuple(header)))
        elif spans:  # more rows of the table above, or a note under it ("No data available.")
            last = spans[-1]
            spans[-1] = TableSpan(last.name, last.first_line, segment.last_line, last.header)
    if len(spans) < 2:
        return []
    seen: dict[str, int] = {}
    for i, span in enumerate(spans):  # names tell the tables apart
        seen[span.name] = seen.get(span.name, 0) + 1
        if seen[span.name] > 1:
            spans[i] = TableSpan(f"{span.name} ({seen[span.name]})", span.first_line, span.last_line, span.header)
    return spans


def _may_be_stacked(path: str) -> bool:
    """Cheap test on the bytes: a second table needs a blank or ``#`` line somewhere below the top."""
    size = os.path.getsize(path)
    if size == 0 or size > MAX_SCAN_BYTES:
        return False
    with open(path, "rb") as handle:
        content = handle.read().rstrip()
    top = re.match(rb"(?:[ \t]*(?:#[^\n]*)?\r?\n)*", content)  # a comment block above the first table
    return re.compile(rb"\n[ \t]*\r?\n\S|\n#").search(content, top.end() if top else 0) is not None


def _segments(text: str, delimiter: str) -> list[_Segment]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    segments: list[_Segment] = []
    rows: list[list[str]] = []
    first = last = 0
    saw_comment = False
    titles: list[str] = []
    line = 0
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            # "# Start date: 20260101"; not a data row whose first cell is "#1 promo"
            lead = row[0].lstrip() if row else ""
            is_comment = lead.startswith("#") and (sniff.filled(row) <= 1 or lead.startswith("# "))
            if is_comment or not sniff.filled(row):
                if rows:
                    segments.append(_Segment(first, last, rows, saw_comment, titles))
                    rows, saw_comment, titles = [], False, []
                if is_comment:
                    saw_comment = True
                    title = delimiter.join(row).lstrip("# ").strip()
                    titles.append(title)
                continue
            if not rows:
                first = start
            rows.append(row)
            last = line
    except csv.Error:
        return []  # a quote left open: the careful single-table reader explains it
    if rows:
        segments.append(_Segment(first, last, rows, saw_comment, titles))
    return segments


def _starts_table(segment: _Segment, above: list[str]) -> bool:
    """Below a blank line, a segment opens a new table when a comment block announces it, or when
    its first row is a full row of labels, of another width than the header above, over a row of
    values. Anything else continues the table above: a data row after a blank line with a text in a
    number column, or empty cells, must not split a table in two."""
    if segment.after_comment:
        return True
    first = [c.strip() for c in segment.rows[0]]
    while first and not first[-1]:
        first.pop()
    labels = len(first) >= 2 and all(first) and not any(sniff.looks_like_value(c) for c in first)
    over_values = len(segment.rows) > 1 and any(sniff.looks_like_value(c) for c in segment.rows[1])
    return labels and over_values and len(first) != sniff.filled(above)


def _name(segment: _Segment, header: list[str]) -> str:
    """The card title of its comment block ("Where do your new users come from?"), else the
    header's cells. Lines above a ``----`` rule are the file's title, not the table's."""
    rules = [i for i, t in enumerate(segment.titles) if re.fullmatch(r"[-=]{3,}", t)]
    own = segment.titles[rules[-1] + 1 :] if rules else segment.titles
    titles = [t for t in own if t and not re.match(r"(?i)(start|end) date\s*:|account\s*:|property\s*:", t)]
    name = titles[-1] if titles else " / ".join(c.strip() for c in header if c.strip())
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"
