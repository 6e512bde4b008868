"""The spend and outcome series the curves are fitted to: one row per period, one column per channel.

Sums come from the performance view in one DuckDB query; only the (small) aggregated result is
reshaped here. Periods with no row are zero spend (and, when the outcome is known per channel,
zero outcome); a last period the data does not cover to its end is dropped, so a half-finished
week never looks like a bad one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from kpi_core.errors import InputError
from kpi_core.messages import BUDGET_NO_SPEND, BUDGET_NO_TARGET, BUDGET_TOO_SHORT
from kpi_core.metrics import Performance
from kpi_core.metrics.query import KpiRequest, period_end

Mode = Literal["per_channel", "joint"]
BudgetGrain = Literal["week", "month"]
MONEY_TARGETS = ("revenue", "pipeline")
MIN_PERIODS = 8


@dataclass(frozen=True)
class History:
    target: str
    grain: BudgetGrain
    mode: Mode  # per_channel: outcome known per channel; joint: only in total
    periods: list[date]
    spend: pd.DataFrame  # index: periods, columns: channels (largest spend first)
    outcome: pd.DataFrame  # per_channel: same shape as spend; joint: one column "total"


def target_options(performance: Performance) -> list[str]:
    """Measures a budget can be optimised for: money first, then funnel counts, then custom stages."""
    counts = ("customers", "opportunities", "sqls", "mqls", "leads", "clicks")
    known = [t for t in (*MONEY_TARGETS, *counts) if t in performance.measures]
    return known + list(performance.custom_stages)


def budget_history(
    performance: Performance, target: str, grain: BudgetGrain = "week", request: KpiRequest | None = None
) -> History:
    if "spend" not in performance.measures:
        raise InputError(BUDGET_NO_SPEND)
    options = target_options(performance)
    if target not in options:
        raise InputError(BUDGET_NO_TARGET.format(target=target, options=", ".join(options) or "none"))
    base = request or KpiRequest()
    sums = performance.sums(
        ["spend", target],
        KpiRequest(by=("channel",), grain=grain, date_from=base.date_from, date_to=base.date_to, where=base.where),
    )
    if sums.empty:
        raise InputError(BUDGET_TOO_SHORT.format(periods=0, grain=grain, needed=MIN_PERIODS))
    sums["period"] = pd.to_datetime(sums["period"])
    latest, step = performance.date_coverage(base)
    last = sums["period"].max()
    if latest is not None and latest + timedelta(days=step - 1) < period_end(last.date(), grain):
        sums = sums[sums["period"] < last]
    if sums.empty:  # one period of data, and it is not complete yet
        raise InputError(BUDGET_TOO_SHORT.format(periods=0, grain=grain, needed=MIN_PERIODS))
    frequency = "W-MON" if grain == "week" else "MS"
    periods = pd.date_range(sums["period"].min(), sums["period"].max(), freq=frequency)

    attributed = sums[sums["channel"].notna()]
    spend = attributed.pivot_table(index="period", columns="channel", values="spend", aggfunc="sum")
    spend = spend.reindex(periods).fillna(0.0)
    spend = spend.loc[:, spend.sum() > 0]
    if spend.empty:
        raise InputError(BUDGET_NO_SPEND)
    spend = spend[spend.sum().sort_values(ascending=False).index]

    per_channel = attributed[attributed["channel"].isin(spend.columns)][target].notna().any()
    if per_channel:
        outcome = attributed.pivot_table(index="period", columns="channel", values=target, aggfunc="sum")
        outcome = outcome.reindex(index=periods, columns=spend.columns).fillna(0.0)
        mode: Mode = "per_channel"
    else:
        total = sums[sums["channel"].isna()].groupby("period")[target].sum(min_count=1)
        if total.notna().sum() == 0:
            raise InputError(BUDGET_NO_TARGET.format(target=target, options=", ".join(options)))
        outcome = total.reindex(periods).to_frame("total")
        keep = outcome["total"].notna()
        outcome, spend = outcome[keep], spend[keep]
        mode = "joint"
    if len(spend) < MIN_PERIODS:
        raise InputError(BUDGET_TOO_SHORT.format(periods=len(spend), grain=grain, needed=MIN_PERIODS))
    spend.columns = [str(c) for c in spend.columns]
    outcome.columns = [str(c) for c in outcome.columns]
    return History(target, grain, mode, [p.date() for p in spend.index], spend, outcome)
