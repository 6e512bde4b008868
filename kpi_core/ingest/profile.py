"""What ingest tells about a file: the profile printed by ``profile`` and shown on the Data page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal

ColumnType = Literal["date", "number", "text", "boolean"]
DropReason = Literal["blank", "total"]


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: ColumnType
    non_null: int
    sum: float | None
    min: float | str | bool | None
    max: float | str | bool | None
    # Optional, so that profiles stored before they existed still load:
    currency: str | None = None  # ISO code of the currency its cells carry, or "mixed" (kept as text)
    distinct: int | None = None  # approximate count of distinct non-empty values
    percent: bool = False  # some cells were written with %
    examples: list[str] = field(default_factory=list)  # up to 3 distinct values, as written


@dataclass(frozen=True)
class DroppedRow:
    row: int  # 1-based position in the file or sheet
    reason: DropReason


@dataclass
class Profile:
    file: str
    sheet: str | None
    header_row: int
    rows: int
    columns: list[ColumnProfile]
    dropped_rows: list[DroppedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    rows_left_out: int | None = None  # all rows left out, where dropped_rows lists only the first ones
    tables: list[str] = field(default_factory=list)  # the tables stacked in a text file, when several
    table: str | None = None  # which of them this is

    @property
    def left_out(self) -> int:
        return self.rows_left_out if self.rows_left_out is not None else len(self.dropped_rows)

    @property
    def table_number(self) -> int | None:
        """Which of the file's stacked tables this is, 1 for the first (None: the file holds one)."""
        return self.tables.index(self.table) + 1 if self.table in self.tables else None

    def column(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The ``profile --format json`` object (contract keys first, extras after)."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows": self.rows,
            "columns": [asdict(c) for c in self.columns],
            "dropped_rows": [asdict(d) for d in self.dropped_rows],
            "warnings": list(self.warnings),
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheets": list(self.sheets),
            "rows_left_out": self.left_out,
            "tables": list(self.tables),
            "table": self.table,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        return cls(
            file=data["file"],
            sheet=data.get("sheet"),
            header_row=data["header_row"],
            rows=data["rows"],
            columns=[ColumnProfile(**{k: v for k, v in c.items() if k in _COLUMN_FIELDS}) for c in data["columns"]],
            dropped_rows=[DroppedRow(**d) for d in data.get("dropped_rows", [])],
            warnings=list(data.get("warnings", [])),
            encoding=data.get("encoding"),
            delimiter=data.get("delimiter"),
            sheets=list(data.get("sheets", [])),
            rows_left_out=data.get("rows_left_out"),
            tables=list(data.get("tables", [])),
            table=data.get("table"),
        )


_COLUMN_FIELDS = {f.name for f in fields(ColumnProfile)}


def json_value(value: object) -> float | str | bool | None:
    """A min/max as JSON wants it: ISO dates, plain numbers."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return float(value)  # type: ignore[arg-type]  # Decimal, NumPy scalars: whatever float() takes
