"""Numbers as people read them, in one place for every page and export: $4,429, 24.7%, 0.018%,
4.31x, 3.5 months, 1,234, IDs as plain text, and "—" for what is empty (never None or nan).

Tables keep their numbers (so they still sort as numbers) and carry, per column, a label from the
KPI registry, a unit, a formatter and the width in characters its longest text needs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from kpi_core.metrics.registry import BY_ID, Kpi

# pandas is imported where a frame is built or a value may be one of its missing markers, not at import:
# formatting a number (the A/B test commands) does not pay ~0.5 s for it.
if TYPE_CHECKING:
    import pandas as pd

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
EMPTY = "—"
# Units a table column can have: the registry's, plus what tables hold besides KPIs.
ColumnUnit = Literal[
    "currency",
    "percent",
    "ratio",
    "count",
    "months",
    "score",
    "currency_per_mille",
    "unit_cost",  # a cost per lead, click or customer (a currency KPI that is a ratio)
    "number",
    "id",
    "text",
    "date",
    "name",
]
MAX_PERCENT_DECIMALS = 4
# Beyond +1,000% a relative change says more about a tiny base than about the KPI.
LARGE_CHANGE = 10.0


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (str, int)):
        return False
    loaded = sys.modules.get("pandas")
    if loaded is None and isinstance(value, date):  # pd.NaT is a datetime, but only once pandas is loaded
        return False
    import pandas as pd

    if value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def money(value: float, currency: str, decimals: int | None = None) -> str:
    """Whole units from 100 up, cents below (a CPC of $1.54, a spend of $2,167,369)."""
    if is_empty(value):
        return EMPTY
    symbol = SYMBOLS.get(currency.upper())
    digits = decimals if decimals is not None else (0 if abs(value) >= 100 else 2)
    # Half up, as people round money (Python's own rounding would give $1,234 for 1,234.5).
    rounded = Decimal(repr(abs(float(value)))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{digits}f}"
    sign = "-" if value < 0 and text.strip("0.,") else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def unit_cost(value: float, currency: str) -> str:
    """A cost per lead, click or customer: money, with two significant figures below a cent ($0.0035
    per lead in a sheet of millions of leads), where plain money would say $0.00."""
    if is_empty(value) or value == 0 or abs(value) >= 0.01:
        return money(value, currency)
    digits = 1 - math.floor(math.log10(abs(value)))
    return money(value, currency, decimals=digits)


def compact(value: float, prefix: str = "", suffix: str = "") -> str:
    """Three significant figures with K/M/B/T: 2,167,368 → 2.17M (tiles, where space is short)."""
    if is_empty(value):
        return EMPTY
    size = abs(value)
    for step, letter in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= step * 0.9995:
            scaled = size / step
            digits = 0 if scaled >= 99.95 else 1 if scaled >= 9.995 else 2
            text = f"{scaled:.{digits}f}{letter}"
            break
    else:
        text = f"{size:,.0f}" if size >= 100 else f"{size:.3g}"
    return f"{'-' if value < 0 else ''}{prefix}{text}{suffix}"


def percent_decimals(fraction: float) -> int:
    """Enough decimals for two significant figures, at least one: 24.7%, 2.5%, 0.25%, 0.018%."""
    points = abs(fraction) * 100
    if points == 0:
        return 1
    if points >= 100:
        return 0
    return max(1, min(MAX_PERCENT_DECIMALS, 1 - math.floor(math.log10(points))))


def percent(fraction: float, decimals: int | None = None) -> str:
    if is_empty(fraction):
        return EMPTY
    digits = percent_decimals(fraction) if decimals is None else decimals
    return f"{fraction * 100:,.{digits}f}%"


def ratio(value: float) -> str:
    if is_empty(value):
        return EMPTY
    return f"{value:,.1f}x" if abs(value) >= 10 else f"{value:.2f}x"


def count(value: float) -> str:
    if is_empty(value):
        return EMPTY
    if value != round(value) and abs(value) < 100:
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def number(value: float) -> str:
    """A plain measure of unknown unit: up to four significant figures below 1,000 (never 2.474e-13)."""
    if is_empty(value):
        return EMPTY
    if abs(value) >= 1000 or value == round(value):
        return f"{value:,.0f}"
    if abs(value) < 0.0005:
        return "0"
    return f"{value:,.{max(0, 3 - math.floor(math.log10(abs(value))))}f}".rstrip("0").rstrip(".")


def identifier(value: Any) -> str:
    """An ID as its own text: 708746, never 708,746 or 708746.0."""
    if is_empty(value):
        return EMPTY
    if isinstance(value, float) and value == round(value):
        return str(int(value))
    return str(value)


def day(value: Any) -> str:
    if is_empty(value):
        return EMPTY
    if isinstance(value, (date, datetime)):  # pd.Timestamp is a datetime
        return f"{value:%d %b %Y}"
    return str(value)


def text(value: Any) -> str:
    return EMPTY if is_empty(value) else str(value)


def formatter(unit: ColumnUnit | str, currency: str = "USD", decimals: int | None = None) -> Callable[[Any], str]:
    """value → text for one unit (``decimals`` fixes a percent column's decimals)."""
    if unit == "currency":
        return lambda v: money(v, currency)
    if unit == "currency_per_mille":
        return lambda v: money(v, currency, decimals=2)
    if unit == "unit_cost":
        return lambda v: EMPTY if is_empty(v) else unit_cost(v, currency)
    if unit == "percent":
        return lambda v: percent(v, decimals)
    if unit == "ratio":
        return ratio
    if unit == "months":
        return lambda v: EMPTY if is_empty(v) else f"{v:,.1f} months"
    if unit in ("count", "score"):
        return count
    if unit == "number":
        return number
    if unit == "id":
        return identifier
    if unit == "date":
        return day
    if unit == "name":  # a code such as "negative_spend", shown as words
        return lambda v: EMPTY if is_empty(v) else label(str(v))
    return text


def kpi_unit(kpi: Kpi) -> str:
    """How a KPI's values are shown: a cost per something may be under a cent, a money sum never is."""
    return "unit_cost" if kpi.unit == "currency" and not kpi.is_sum else kpi.unit


def format_value(kpi: Kpi, value: float | None, currency: str = "USD") -> str:
    return formatter(kpi_unit(kpi), currency)(value)


def format_compact(kpi: Kpi, value: float | None, currency: str = "USD") -> str:
    """A tile's value: short enough for a fifth of a 1024-pixel screen ($2.17M, 70.7M, 282%)."""
    if is_empty(value):
        return EMPTY
    assert value is not None
    if kpi.unit == "currency" and abs(value) >= 10_000:
        symbol = SYMBOLS.get(currency.upper())
        return compact(value, prefix=symbol or "", suffix="" if symbol else f" {currency}")
    if kpi.unit in ("count", "score") and abs(value) >= 10_000:
        return compact(value)
    if kpi.unit == "percent" and abs(value) >= 10:
        return f"{value * 100:,.0f}%"
    if kpi.unit == "months":
        return f"{value:,.1f} mo"
    return format_value(kpi, value, currency)


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change; None when either side is missing or the base is zero."""
    if is_empty(current) or is_empty(previous) or previous == 0:
        return None
    assert current is not None and previous is not None
    return (current - previous) / abs(previous)


def format_change(value: float | None, current: float | None = None, previous: float | None = None) -> str | None:
    """+12.3%; "new" when the base was zero; "over 10x" (or "down over 90%") beside a base so small that
    a percentage would mislead (+49,673%). None when there is nothing to compare."""
    if value is None:
        if previous == 0 and not is_empty(current) and current:
            return "new"
        return None
    if value >= LARGE_CHANGE:
        return "over 10x"
    if value == 0:
        return "no change"
    # Two significant figures, as every percentage: a spend 0.03% lower is "-0.030%", never "-0.0%"
    # (a lost number under a down arrow); below the finest decimal it still says which way it went.
    digits = percent_decimals(value)
    if round(abs(value) * 100, digits) == 0:
        return f"{'-' if value < 0 else '+'}<{10**-digits:.{digits}f}%"
    return f"{value * 100:+,.{digits}f}%"


# --- tables ----------------------------------------------------------------------------------------


def label(name: str) -> str:
    """A column's human header: the KPI registry's name, else the words of a snake_case name."""
    if name in BY_ID:
        return BY_ID[name].name
    words = str(name).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else str(name)


@dataclass(frozen=True)
class Column:
    name: str  # in the frame
    label: str
    unit: ColumnUnit | str
    format: Callable[[Any], str]
    width: int  # characters the longest text (or the label) needs
    help: str | None = None

    @property
    def numeric(self) -> bool:
        return self.unit not in ("text", "id", "date", "name")


@dataclass(frozen=True)
class DisplayTable:
    """A frame to show as it is (numbers stay numbers, so it sorts) and how to show each column."""

    frame: pd.DataFrame
    columns: tuple[Column, ...]

    def texts(self) -> pd.DataFrame:
        """Every cell as shown, under its label (what a test compares the screen with)."""
        import pandas as pd

        return pd.DataFrame({c.label: [c.format(v) for v in self.frame[c.name]] for c in self.columns})

    def labelled(self) -> pd.DataFrame:
        """The numbers under human headers (downloads)."""
        return self.frame[[c.name for c in self.columns]].rename(columns={c.name: c.label for c in self.columns})


def _percent_column_decimals(values: Iterable[Any]) -> int:
    """One precision for a column of percentages: the most any value needs, plus what it takes to
    tell apart values that differ (0.018% and 0.024% never both read 0.02%)."""
    present = [float(v) for v in values if not is_empty(v)]
    if not present:
        return 1
    decimals = max(percent_decimals(v) for v in present)
    distinct = {round(v, 8) for v in present}
    while decimals < MAX_PERCENT_DECIMALS and len({round(v * 100, decimals) for v in distinct}) < len(distinct):
        decimals += 1
    return decimals


def column_unit(name: str, values: pd.Series, units: Mapping[str, str]) -> str:
    if name in units:
        return units[name]
    if name in BY_ID:
        return kpi_unit(BY_ID[name])
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return "text"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    return "text"


def display_table(
    frame: pd.DataFrame,
    currency: str = "USD",
    units: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    helps: Mapping[str, str] | None = None,
) -> DisplayTable:
    """How to show ``frame``: units from ``units``, else the KPI registry, else the column's type;
    labels from ``labels``, else the registry, else the words of the name; help from the registry's
    formulas."""
    units, labels, helps = units or {}, labels or {}, helps or {}
    columns = []
    for name in frame.columns:
        unit = column_unit(str(name), frame[name], units)
        decimals = _percent_column_decimals(frame[name]) if unit == "percent" else None
        show = formatter(unit, currency, decimals)
        header = labels.get(name) or label(str(name))
        longest = max((len(show(v)) for v in frame[name]), default=0)
        help_text = helps.get(name) or (BY_ID[name].formula if name in BY_ID else None)
        columns.append(Column(str(name), header, unit, show, max(longest, len(header)), help_text))
    return DisplayTable(frame.reset_index(drop=True), tuple(columns))


def text_table(frame: pd.DataFrame, numbers: Iterable[str] = ()) -> DisplayTable:
    """A table whose cells are formatted already (their unit changes by row, as in a list of KPIs);
    the columns in ``numbers`` hold figures and are aligned as such."""
    figures = set(numbers)
    columns = tuple(
        Column(
            str(name),
            str(name),
            "number" if name in figures else "text",
            text,
            max([len(text(v)) for v in frame[name]] + [len(str(name))]),
        )
        for name in frame.columns
    )
    return DisplayTable(frame.reset_index(drop=True), columns)
