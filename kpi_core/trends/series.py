"""A KPI over time at a grain, with the same period a year earlier as a ghost line."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kpi_core.metrics.query import Grain, KpiRequest, Performance


def year_before(period: date, grain: Grain) -> date:
    """The period a year earlier: 52 weeks for weeks (so Monday stays Monday), else the calendar year."""
    if grain == "week":
        return period - timedelta(weeks=52)
    try:
        return period.replace(year=period.year - 1)
    except ValueError:
        return period.replace(year=period.year - 1, day=28)


def kpi_series(performance: Performance, kpi: str, grain: Grain, request: KpiRequest) -> pd.DataFrame:
    """Columns period, value, last_year (one query covering the range and the year before it)."""
    low, high = performance.date_range()
    start, end = request.date_from or low, request.date_to or high
    if start is None or end is None:
        return pd.DataFrame(columns=["period", "value", "last_year"])
    table = performance.compute(
        KpiRequest(
            kpis=(kpi,),
            grain=grain,
            date_from=year_before(start, "year"),
            date_to=end,
            where=request.where,
        )
    )
    values = {row[0]: row[1] for row in table.rows} if kpi in table.columns else {}
    periods = [p for p in sorted(values) if p >= _period_start(start, grain)]
    return pd.DataFrame(
        {
            "period": periods,
            "value": [values[p] for p in periods],
            "last_year": [values.get(year_before(p, grain)) for p in periods],
        }
    )


def _period_start(day: date, grain: Grain) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)
