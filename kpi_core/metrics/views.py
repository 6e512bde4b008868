"""Shapes the dashboard shows, computed from KPI tables: headline tiles, funnel, breakdowns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd

from kpi_core.metrics.format import change, label
from kpi_core.metrics.query import KpiRequest, Performance, previous_period, same_period_last_year
from kpi_core.metrics.registry import KPIS, Kpi

FUNNEL_STAGES: tuple[str, ...] = (
    "impressions",
    "clicks",
    "sessions",
    "leads",
    "mqls",
    "sqls",
    "opportunities",
    "customers",
)
STAGE_LABELS = {
    "impressions": "Impressions",
    "clicks": "Clicks",
    "sessions": "Sessions",
    "leads": "Leads",
    "mqls": "MQLs",
    "sqls": "SQLs",
    "opportunities": "Opportunities",
    "customers": "Customers",
}
Comparison = Literal["previous", "last_year"]


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Relative change vs the comparison period (None when either side is missing or zero)."""
        return change(self.value, self.previous)

    @property
    def improved(self) -> bool | None:
        if self.change is None or self.change == 0:
            return None
        return (self.change > 0) == (self.kpi.direction == "higher")


def default_range(low: date, high: date) -> tuple[date, date]:
    """The dashboard's first range: the last 12 months when the data spans more than a year, so the
    headline tiles have an equally long period to compare with."""
    if (high - low).days > 400:
        return high - timedelta(days=364), high
    return low, high


def with_dates(request: KpiRequest, date_from: date | None, date_to: date | None) -> KpiRequest:
    return KpiRequest(
        kpis=request.kpis, by=request.by, grain=request.grain, date_from=date_from, date_to=date_to, where=request.where
    )


def tiles(performance: Performance, request: KpiRequest, comparison: Comparison = "previous") -> list[Tile]:
    """Every computable KPI for the filtered range, beside the comparison range."""
    low, high = performance.date_range()
    start, end = request.date_from or low, request.date_to or high
    current = performance.compute(with_dates(request, start, end))
    values = dict(zip(current.columns, current.rows[0])) if current.rows else {}
    previous: dict[str, Any] = {}
    if start and end:
        shift = previous_period if comparison == "previous" else same_period_last_year
        before_start, before_end = shift(start, end)
        earlier = performance.compute(with_dates(request, before_start, before_end))
        previous = dict(zip(earlier.columns, earlier.rows[0])) if earlier.rows else {}
    return [Tile(k, values.get(k.id), previous.get(k.id)) for k in current.kpis]


def funnel(performance: Performance, request: KpiRequest) -> pd.DataFrame:
    """Mapped stages in funnel order with count, conversion from the stage before, and drop-off.

    Custom stages (e.g. demo requests) stand after the role they name in ``after``.
    """
    order: list[str] = [s for s in FUNNEL_STAGES if s in performance.measures]
    labels = dict(STAGE_LABELS)
    for source in performance.sources:
        for custom in source.mapping.custom_stages:
            if custom.id in order or custom.stage not in ("awareness", "consideration", "conversion"):
                continue
            position = order.index(custom.after) + 1 if custom.after in order else len(order)
            order.insert(position, custom.id)
            labels[custom.id] = custom.name
    if not order:
        return pd.DataFrame(columns=["stage", "label", "count", "conversion", "drop_off"])
    counts = performance.stage_sums(order, request)
    rows = []
    previous: float | None = None
    for stage in order:
        count = counts.get(stage)
        conversion = count / previous if previous and count is not None else None
        rows.append(
            {
                "stage": stage,
                "label": labels[stage],
                "count": count,
                "conversion": conversion,
                "drop_off": 1 - conversion if conversion is not None else None,
            }
        )
        previous = count
    return pd.DataFrame(rows)


def breakdown(performance: Performance, request: KpiRequest, dimension: str) -> pd.DataFrame:
    table = performance.compute(
        KpiRequest(by=(dimension,), date_from=request.date_from, date_to=request.date_to, where=request.where)
    )
    return table.frame()


@dataclass(frozen=True)
class MissingKpi:
    kpi: Kpi
    needs: tuple[str, ...]  # measures (roles) to map

    @property
    def sentence(self) -> str:
        return f"{self.kpi.name}: map {' and '.join(label(n).lower() for n in self.needs)}."


def missing_kpis(performance: Performance) -> list[MissingKpi]:
    """The registry's KPIs the mapped data cannot compute, and which roles each still needs."""
    measures = set(performance.measures)
    computable = {k.id for k in performance.kpis}
    return [
        MissingKpi(k, tuple(m for m in k.inputs if m not in measures))
        for k in KPIS
        if k.id not in computable and any(m not in measures for m in k.inputs)
    ]


def roas_band(value: float | None, strong: float, weak: float) -> str | None:
    """ "strong", "middle" or "weak" against the workspace's ROAS thresholds (ROMI: pass ROMI + 1)."""
    if value is None or pd.isna(value):
        return None
    return "strong" if value >= strong else "weak" if value < weak else "middle"
