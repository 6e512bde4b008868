"""Tables to downloadable bytes: CSV at full precision, Excel with one sheet per table.

Both are safe to open in a spreadsheet although the text in them comes from strangers' files: a
campaign named ``=HYPERLINK("http://...")`` stays text (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpi_core.metrics.format import SYMBOLS, Column, DisplayTable

# OWASP's list: a spreadsheet reads a cell starting with these as a formula (TAB and CR too).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ' so it stays text (OWASP)."""
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame, *, safe: bool = True) -> bytes:
    """UTF-8 CSV, numbers at full precision. ``safe`` (the default, for every download a person opens
    in a spreadsheet): text cells and headers that would run as a formula get a leading ' ; numbers,
    dates and booleans are never touched; a cell holding a line break is quoted. ``safe=False``
    keeps every value exact, for machines."""
    if not safe:
        text: str = frame.to_csv(index=False)  # no path given: pandas returns the text
        return text.encode("utf-8")
    # CRLF rows (RFC 4180) make the writer quote every cell holding a CR or LF: a lone CR inside an
    # unquoted cell would start a new row in Excel, and the text after it a new, undefused cell.
    text = _text_mapped(frame, defuse_formula).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8")


def to_xlsx(sheets: Mapping[str, pd.DataFrame | DisplayTable], currency: str = "USD") -> bytes:
    """One sheet per table. Text is written as text cells (never a formula, however it starts) with
    Excel's hidden quote prefix on formula-like text, so nothing extra shows and editing the cell
    keeps it text. A DisplayTable is written under its human headers, with each column's number
    format (currency, %, x), its width, a frozen header row, and values without float noise
    (83053.9, not 83053.90000000001)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            sheet_name = _sheet_name(name)
            frame = _clean_numbers(table) if isinstance(table, DisplayTable) else table
            _text_mapped(frame, _excel_safe_text).to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            _keep_text_as_text(sheet)
            if isinstance(table, DisplayTable):
                _lay_out(sheet, table.columns, currency)
    return buffer.getvalue()


def excel_format(unit: str, currency: str = "USD") -> str | None:
    """The Excel number format of a column unit (None: leave the cell as it is)."""
    symbol = SYMBOLS.get(currency.upper())
    money = f'"{symbol}"#,##0.00' if symbol else f'#,##0.00 "{currency}"'
    return {
        "currency": money,
        "currency_per_mille": money,
        "unit_cost": f'"{symbol}"#,##0.00##' if symbol else f'#,##0.00## "{currency}"',
        "percent": "0.0##%",
        "ratio": '0.00"x"',
        "months": '0.0" months"',
        "count": "#,##0",
        "score": "#,##0",
        "number": "#,##0.####",
        "id": "@",
        "date": "yyyy-mm-dd",
    }.get(unit)


def _significant(value: object) -> object:
    """A float at 12 significant figures: what a sum means, without binary noise."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return round(value, 11 - math.floor(math.log10(abs(value))))
    return value


def _clean_numbers(table: DisplayTable) -> pd.DataFrame:
    frame = table.labelled()
    for column in table.columns:
        if column.unit == "id":
            frame[column.label] = [None if v is None else column.format(v) for v in frame[column.label]]
        elif column.numeric and pd.api.types.is_float_dtype(frame[column.label]):
            frame[column.label] = frame[column.label].map(_significant)
    return frame


def _lay_out(sheet: Worksheet, columns: tuple[Column, ...], currency: str) -> None:
    sheet.freeze_panes = "A2"
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = min(60, column.width + 3)
        number_format = excel_format(column.unit, currency)
        if number_format is None or column.unit == "id":
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
            if isinstance(cell.value, (int, float)):
                cell.number_format = number_format


def _is_text_column(column: pd.Series) -> bool:
    return (
        column.dtype == object or pd.api.types.is_string_dtype(column) or isinstance(column.dtype, pd.CategoricalDtype)
    )


def _text_mapped(frame: pd.DataFrame, rule: Callable[[object], object]) -> pd.DataFrame:
    """A copy with ``rule`` applied to every text cell and to the headers; other cells untouched."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if _is_text_column(column):
            mapped = column.astype(object).map(rule)
            out.isetitem(position, mapped)
    out.columns = [rule(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _excel_safe_text(value: object) -> object:
    """Control characters an .xlsx cannot hold (openpyxl refuses them) become U+FFFD, so a stray
    byte in a source file cannot make the download fail."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _keep_text_as_text(sheet: Worksheet) -> None:
    """openpyxl stores a string starting with = as a formula: store it as a string cell instead."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] in FORMULA_TRIGGERS:
                cell.data_type = "s"
                cell.quotePrefix = True


def _sheet_name(name: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"
