"""Where a goal stands: actual so far, time elapsed, the pace still required, the projected end value
(by current pace, and by trend with an interval) and a status.

Sum KPIs (SQLs, revenue) accumulate over the goal's window; ratio KPIs (CPL, ROMI, win rate) are the
ratio of the window's sums, so projections project each input's sum and apply the registry's formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from kpi_core.distributions import t_ppf
from kpi_core.goals.model import Goal
from kpi_core.metrics.query import Grain, KpiRequest, Performance, period_end, previous_period
from kpi_core.metrics.registry import BY_ID, Kpi

Status = Literal["on_track", "at_risk", "off_track", "achieved", "missed"]

TREND_PERIODS = 13  # a quarter of weeks (or 13 months) of history behind the trend line
INTERVAL = 0.80  # the projection interval: 80% is what a planner can act on; 95% is mostly "anything"
NEAR = 0.10  # a central projection within 10% of the target is "at risk", not "off track"

DAYS_PER_PERIOD = {"week": 7.0, "month": 365.25 / 12}


@dataclass(frozen=True)
class Projection:
    pace: float | None  # the end value if the rest of the window runs at the pace so far
    trend: float | None  # the end value by a linear trend over recent periods
    low: float | None  # the trend projection's interval (INTERVAL)
    high: float | None

    @property
    def central(self) -> float | None:
        """The end value the status is judged on: the trend once there is one, else the pace."""
        return self.trend if self.trend is not None else self.pace


@dataclass
class Progress:
    target: float | None
    actual: float | None
    progress: float | None  # share of the target reached (for lower-is-better ratios: target / actual)
    time_elapsed: float | None  # share of the window's days covered by the data so far
    required_per_week: float | None  # sums: what each remaining week must add; ratios: the level needed
    projected: Projection
    status: Status | None
    as_of: date | None
    covered_through: date | None
    notes: list[str] = field(default_factory=list)
    chart: pd.DataFrame = field(default_factory=pd.DataFrame)  # period, actual, target_pace, projection


@dataclass(frozen=True)
class Window:
    """The goal's window against the data: what is covered so far and what remains."""

    start: date
    end: date
    as_of: date
    covered_through: date  # the last day the data speaks for (a weekly row dated Monday covers its week)
    step: int  # days between the data's periods

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def elapsed_days(self) -> int:
        return max(0, min(self.days, (self.covered_through - self.start).days + 1))

    @property
    def remaining_days(self) -> int:
        return self.days - self.elapsed_days

    @property
    def grain(self) -> Literal["week", "month"]:
        return "week" if self.step < 28 else "month"

    @property
    def period_days(self) -> float:
        return DAYS_PER_PERIOD[self.grain]


def goal_per_period(goal: Goal, target: str, grain: str) -> float | None:
    """A SMART goal's absolute target spread evenly over its window, per period of ``grain``: the
    outcome the "reach a goal" question needs. None when the goal is about another KPI, is scoped
    to some channels, is relative, or has no window."""
    if goal.kpi != target or goal.where or goal.target.value is None or goal.start is None or goal.end is None:
        return None
    days = (goal.end - goal.start).days + 1
    return float(goal.target.value) / (days / DAYS_PER_PERIOD[grain]) if days > 0 else None


def goal_targets(goals: list[Goal], target: str, grain: str) -> dict[str, float]:
    """Goals on ``target`` for all channels, by name, each as the outcome per period to reach (for
    the budget's "least budget to reach a goal")."""
    return {g.name: per_period for g in goals if (per_period := goal_per_period(g, target, grain)) is not None}


def scope(
    goal: Goal, date_from: date | None = None, date_to: date | None = None, grain: Grain | None = None
) -> KpiRequest:
    return KpiRequest(grain=grain, date_from=date_from, date_to=date_to, where=goal.where)


def window(goal: Goal, performance: Performance, as_of: date | None = None) -> Window | None:
    """None when the goal has no dates or there is no data."""
    low, high = performance.date_range()
    if goal.start is None or goal.end is None or high is None:
        return None
    as_of = as_of or high
    _, step = performance.date_coverage()
    # The last data date on or before as_of, on the data's regular grid from its first date.
    last = min(high, as_of - timedelta(days=(as_of - low).days % step)) if low is not None and as_of >= low else as_of
    covered = as_of if as_of < goal.start else max(as_of, last + timedelta(days=step - 1))
    return Window(goal.start, goal.end, as_of, min(covered, goal.end) if covered >= goal.start else covered, step)


def kpi_value(performance: Performance, goal: Goal, date_from: date, date_to: date) -> float | None:
    table = performance.compute(KpiRequest(kpis=(goal.kpi,), date_from=date_from, date_to=date_to, where=goal.where))
    return table.rows[0][0] if table.rows and goal.kpi in table.columns else None


def resolve_target(goal: Goal, performance: Performance) -> tuple[float | None, str | None]:
    """The target as a level of the KPI, and a note on how a relative target was resolved."""
    if not goal.target.is_change:
        return goal.target.value, None
    if goal.start is None or goal.end is None:
        return None, "A relative target needs the goal's dates to find its baseline period."
    low, high = goal.target.baseline_start, goal.target.baseline_end
    if low is None or high is None:
        low, high = previous_period(goal.start, goal.end)
    baseline = kpi_value(performance, goal, low, high)
    if baseline is None:
        return None, f"No {BY_ID[goal.kpi].name} in the baseline period {low} to {high}: give an absolute target."
    change = goal.target.change or 0.0
    return baseline * (1 + change), f"{change:+.0%} vs {baseline:,.4g} in {low:%d %b %Y} to {high:%d %b %Y}"


def meets(kpi: Kpi, value: float | None, target: float) -> bool:
    if value is None:
        return False
    slack = 1e-9 * abs(target)  # sums of floats: 129.99999999 reaches a target of 130
    return value >= target - slack if kpi.direction == "higher" else value <= target + slack


def measure_progress(
    goal: Goal, performance: Performance, target: float | None, span: Window | None, as_of: date | None = None
) -> Progress:
    """``span`` is window(goal, performance, as_of), computed once by the caller (it also back-solves)."""
    kpi = BY_ID[goal.kpi]
    empty = Projection(None, None, None, None)
    if span is None or target is None or not set(kpi.inputs) <= set(performance.measures):
        return Progress(target, None, None, None, None, empty, None, span.as_of if span else as_of, None)
    notes: list[str] = []
    started = span.elapsed_days > 0
    last_day = min(span.as_of, span.end)
    actual = kpi_value(performance, goal, span.start, last_day) if started else None
    so_far = _input_sums(performance, goal, kpi, span.start, last_day) if started else dict.fromkeys(kpi.inputs, 0.0)
    history = performance.sums(
        kpi.inputs,
        scope(
            goal, span.covered_through - timedelta(days=round(TREND_PERIODS * span.period_days)), last_day, span.grain
        ),
    )
    if span.remaining_days == 0:
        projection = Projection(actual, actual, actual, actual)
    else:
        projection = _project(performance, kpi, span, so_far, history, notes)
    status = _status(kpi, span, actual, target, projection)
    return Progress(
        target=target,
        actual=actual,
        progress=_share(kpi, actual, target),
        time_elapsed=span.elapsed_days / span.days,
        required_per_week=_required(performance, kpi, span, so_far, target),
        projected=projection,
        status=status,
        as_of=span.as_of,
        covered_through=span.covered_through,
        notes=notes,
        chart=_chart(performance, goal, kpi, span, target, projection),
    )


def _input_sums(performance: Performance, goal: Goal, kpi: Kpi, low: date, high: date) -> dict[str, float]:
    frame = performance.sums(kpi.inputs, scope(goal, low, high))
    return {m: float(frame[m].iloc[0] or 0.0) if m in frame else 0.0 for m in kpi.inputs}


def _pace_per_day(span: Window, so_far: dict[str, float], history: pd.DataFrame) -> dict[str, float]:
    """The window's own pace once a week of it is in; before that, the recent history's."""
    if span.elapsed_days >= 7:
        return {m: v / span.elapsed_days for m, v in so_far.items()}
    days = max(1.0, len(history) * span.period_days)
    return {m: float(history[m].fillna(0).sum()) / days if m in history else 0.0 for m in so_far}


def trend_forecast(
    values: np.ndarray, periods_ahead: float, level: float = INTERVAL
) -> tuple[float, float, float] | None:
    """Total of the next ``periods_ahead`` periods by an OLS line through ``values`` (one per period),
    with a prediction interval: the fitted mean's uncertainty plus each period's own noise."""
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n < 4 or periods_ahead <= 0:
        return None
    x = np.arange(n, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    sigma2 = float(residual @ residual) / (n - 2)
    middle = (n - 1) + (periods_ahead + 1) / 2  # the centre of the future span
    mean = intercept + slope * middle
    sxx = float(((x - x.mean()) ** 2).sum())
    mean_variance = sigma2 * (1 / n + (middle - x.mean()) ** 2 / sxx)
    total_sd = math.sqrt(periods_ahead**2 * mean_variance + periods_ahead * sigma2)
    half = float(t_ppf(0.5 + level / 2, n - 2)) * total_sd
    total = mean * periods_ahead
    return total, total - half, total + half


def _project(
    performance: Performance, kpi: Kpi, span: Window, so_far: dict[str, float], history: pd.DataFrame, notes: list[str]
) -> Projection:
    pace = _pace_per_day(span, so_far, history)
    ahead = span.remaining_days / span.period_days
    rows = [{m: so_far[m] + pace[m] * span.remaining_days for m in kpi.inputs}]
    forecasts = {
        m: trend_forecast(history[m].fillna(0).to_numpy(), ahead) if m in history else None for m in kpi.inputs
    }
    known = {m: f for m, f in forecasts.items() if f is not None}
    if len(known) == len(forecasts):  # every input has a trend
        # Counts and money cannot go below zero, whatever the line says.
        central = {m: so_far[m] + max(0.0, f[0]) for m, f in known.items()}
        bounds = {m: (so_far[m] + max(0.0, f[1]), so_far[m] + max(0.0, f[2])) for m, f in known.items()}
        rows.append(central)
        # Every combination of the inputs' bounds: for a ratio, the widest the interval can honestly be.
        corners = np.array(np.meshgrid(*[[0, 1]] * len(kpi.inputs))).T.reshape(-1, len(kpi.inputs))
        rows += [{m: bounds[m][int(c)] for m, c in zip(kpi.inputs, corner)} for corner in corners]
    else:
        notes.append(f"Too little history for a trend: fewer than 4 {span.grain}s before the as-of date.")
    values = performance.kpi_from_sums(kpi.id, pd.DataFrame(rows))
    if len(values) == 1:
        return Projection(values[0], None, None, None)
    spread = [v for v in values[2:] if v is not None]
    return Projection(values[0], values[1], min(spread) if spread else None, max(spread) if spread else None)


def _status(kpi: Kpi, span: Window, actual: float | None, target: float, projection: Projection) -> Status:
    if span.remaining_days == 0:
        return "achieved" if meets(kpi, actual, target) else "missed"
    if kpi.is_sum and kpi.direction == "higher" and meets(kpi, actual, target):
        return "achieved"  # a count that reached its target cannot fall back
    if kpi.is_sum and kpi.direction == "lower" and actual is not None and actual > target:
        return "off_track"  # a budget already overspent cannot come back
    central = projection.central
    if central is None:
        return "off_track"
    if meets(kpi, central, target):
        return "on_track"
    favourable = projection.high if kpi.direction == "higher" else projection.low
    near = abs(central - target) <= NEAR * abs(target)
    return "at_risk" if near or meets(kpi, favourable, target) else "off_track"


def _share(kpi: Kpi, actual: float | None, target: float) -> float | None:
    if actual is None:
        return 0.0 if kpi.is_sum else None
    if kpi.is_sum or kpi.direction == "higher":
        return actual / target if target else None
    return target / actual if actual else None


def _required(
    performance: Performance, kpi: Kpi, span: Window, so_far: dict[str, float], target: float
) -> float | None:
    """Sums: what each remaining week must add. Two-input ratios: the level the rest of the window
    must run at for the whole window to land on target. None once the window is over."""
    weeks = span.remaining_days / 7
    if weeks <= 0:
        return None
    if kpi.is_sum:
        needed = (target - so_far[kpi.id]) / weeks
        return max(0.0, needed)
    if len(kpi.inputs) != 2:
        return None
    numerator, denominator = kpi.inputs
    per_day = so_far[denominator] / span.elapsed_days if span.elapsed_days else None
    if not per_day:
        return target  # nothing in yet: the whole window must run at the target
    rest = per_day * span.remaining_days
    # The registry's two-input KPIs are affine in their numerator: two points give the line.
    probes = pd.DataFrame(
        [
            {numerator: so_far[numerator], denominator: so_far[denominator] + rest},
            {numerator: so_far[numerator] + rest, denominator: so_far[denominator] + rest},
        ]
    )
    at_zero, at_rest = performance.kpi_from_sums(kpi.id, probes)
    if at_zero is None or at_rest is None or at_rest == at_zero:
        return None
    added = rest * (target - at_zero) / (at_rest - at_zero)
    level = performance.kpi_from_sums(kpi.id, pd.DataFrame([{numerator: max(0.0, added), denominator: rest}]))
    return level[0]


def _chart(
    performance: Performance, goal: Goal, kpi: Kpi, span: Window, target: float, projection: Projection
) -> pd.DataFrame:
    """Per period of the window: the cumulative actual (sums) or the running ratio, the target pace
    line, and the projection from the last actual to the window's end."""
    frame = performance.sums(kpi.inputs, scope(goal, span.start, min(span.as_of, span.end), span.grain))
    rows: list[dict[str, object]] = []
    if not frame.empty:
        running = frame[list(kpi.inputs)].fillna(0).cumsum()
        values = performance.kpi_from_sums(kpi.id, running)
        for period, value in zip(frame["period"], values):
            rows.append({"date": min(span.end, period_end(period, span.grain)), "series": "Actual", "value": value})
    for day in (span.start, span.end):
        share = ((day - span.start).days + 1) / span.days
        rows.append({"date": day, "series": "Target pace", "value": target * share if kpi.is_sum else target})
    last_actual = next((r for r in reversed(rows) if r["series"] == "Actual"), None)
    if span.remaining_days and projection.pace is not None:
        origin = last_actual or {"date": span.start, "value": 0.0 if kpi.is_sum else None}
        for name, end_value in (("Projection (pace)", projection.pace), ("Projection (trend)", projection.trend)):
            if end_value is not None and origin["value"] is not None:
                rows += [
                    {"date": origin["date"], "series": name, "value": origin["value"]},
                    {"date": span.end, "series": name, "value": end_value},
                ]
    chart = pd.DataFrame(rows, columns=["date", "series", "value"])
    chart["low"], chart["high"] = None, None
    if projection.low is not None:
        chart.loc[(chart["series"] == "Projection (trend)") & (chart["date"] == span.end), ["low", "high"]] = (
            projection.low,
            projection.high,
        )
    return chart
