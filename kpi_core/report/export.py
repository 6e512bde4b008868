"""Tables to downloadable bytes: CSV at full precision, Excel with one sheet per table."""

from __future__ import annotations

import io
import re

import pandas as pd


# OWASP's list: a spreadsheet reads a cell starting with these as a formula (TAB and CR too).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ' so it stays text (OWASP)."""
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            _defuse_formulas(frame).to_excel(writer, sheet_name=_sheet_name(name), index=False)
    return buffer.getvalue()


def _defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text from a stranger's file that starts like a formula (=, +, -, @) is written as text."""
    def defuse(value: object) -> object:
        return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(defuse)
    return out


def _sheet_name(name: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"
