"""KPI values as people read them: $4,429, 24.7%, 4.31x, 3.5 months."""

from __future__ import annotations

from kpi_core.metrics.registry import Kpi

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def money(value: float, currency: str) -> str:
    symbol = SYMBOLS.get(currency.upper())
    digits = 0 if abs(value) >= 100 else 2
    text = f"{abs(value):,.{digits}f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def format_value(kpi: Kpi, value: float | None, currency: str = "USD") -> str:
    if value is None:
        return "—"
    if kpi.unit == "currency":
        return money(value, currency)
    if kpi.unit == "percent":
        return f"{value * 100:,.1f}%"
    if kpi.unit == "ratio":
        return f"{value:,.2f}x"
    if kpi.unit == "months":
        return f"{value:,.1f} months"
    if kpi.unit == "score":
        return f"{value:,.0f}"
    return f"{value:,.0f}"


def format_change(change: float | None) -> str | None:
    return None if change is None else f"{change * 100:+.1f}%"
