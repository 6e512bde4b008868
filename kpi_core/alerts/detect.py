"""Anomaly alerts: periods where a KPI left its recent range, per dimension value.

Each series is scored against its own past only. The expected value is the median of the previous
``window`` periods (plus the seasonal effect of the same period in earlier years, once two full years
are behind it); the score is the deviation from it in robust standard deviations (1.4826 x the median
absolute residual of earlier periods, "MAD units"). Medians keep one odd period from masking the
next, and the incomplete current period is left out so a week still in progress is never a "drop".

Rules that keep alerts worth reading (issue 15):

- **Enough volume.** A ratio KPI (ROAS, CPL, CAC, conversion rates...) is scored only where each of
  its inputs has enough volume both in the period and in the baseline (the median of the ``window``
  periods before): a count input (leads, customers...) at least ``MIN_COUNT`` (10), a money input
  (spend, revenue) above zero and at least ``MIN_MONEY_SHARE`` (2%) of the same measure's baseline
  over all the series scored together (all channels). Revenue and pipeline are lumpy: where the
  count behind them (customers, opportunities) is mapped, it must clear ``MIN_COUNT`` too. A summed
  count (or revenue, through its customers) is scored only where the period or its baseline holds
  at least ``MIN_COUNT``: 2 customers against 0 expected is not news. A sum in a lumpy series
  (0 in most of the ``scale_window`` periods before, now and then a lot, as event spend) is scored only
  as a start (nothing at all in that window). So an expected ratio is never 0.00x for lack of data.
- **Not a monthly habit.** At week grain a move is news only if it is also unusual against the same
  week of the month in the previous ``CYCLE_MONTHS`` (3) months: a newsletter invoiced in the first
  week of every month is expected there (the smaller of the two scores is kept).
- **Money at stake** (``Alert.at_stake``), the rank used by the Dashboard: |value - expected| in money.
  Spend, revenue and pipeline directly; a count times its cost per unit in the baseline (spend /
  count; revenue / count where spend is not mapped); a cost ratio (CPL, CAC, CPC) times the period's
  denominator (the extra paid for this period's leads); ROAS and ROMI times the period's spend; a
  conversion rate times its denominator and the numerator's cost per unit; average deal size times
  customers. KPIs with no such reading (months, scores) have 0 and rank by their score.
- **A plain sentence first** (``Alert.headline``): what moved, how far, in words and money, and what
  to check; the statistics (``Alert.message``, ``Alert.details``) come after it.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from kpi_core.distributions import norm_isf, poisson_cdf, poisson_pmf, poisson_sf
from kpi_core.errors import InputError
from kpi_core.metrics.format import format_value, money
from kpi_core.metrics.query import KpiRequest, Performance, period_end
from kpi_core.metrics.registry import BY_ID, KPI_ORDER, Kpi
from kpi_core.settings import BAD_SETTING, NEEDS, WorkspaceSettings

AlertGrain = Literal["week", "month"]
ALERT_GRAINS: tuple[AlertGrain, ...] = ("week", "month")
SEASONS: dict[str, int] = {"week": 52, "month": 12}  # periods in a year, per grain
Move = Literal["up", "down"]

MAD_TO_SD = 1.4826  # 1 / Phi^-1(3/4): a MAD times this estimates a normal standard deviation
MEAN_AD_TO_SD = 1.2533  # sqrt(pi / 2): the same for a mean absolute deviation
RELATIVE_FLOOR = 0.05  # a move must exceed threshold x 5% of the level to count (17.5% at 3.5)
ABSOLUTE_FLOOR = 1e-9
MIN_COUNT = 10.0  # a count behind an alert (in the period and its baseline, for ratios) holds at least this
MIN_MONEY_SHARE = 0.02  # a money input of a ratio: at least 2% of that measure's baseline over all series
CYCLE_MONTHS = 3  # the same week of the month in this many earlier months is the monthly-habit check
BACKING = {"revenue": "customers", "pipeline": "opportunities"}  # the count behind a lumpy amount
_RATIO = re.compile(r"\{(\w+)\}.*/ NULLIF\(\{(\w+)\}, 0\)")

# KPI families: at most one alert per channel, family and period is shown (see recent.py).
FAMILIES: dict[str, tuple[str, ...]] = {
    "spend": ("spend",),
    "traffic": ("impressions", "clicks", "sessions"),
    "volume": ("leads", "mqls", "sqls", "opportunities", "customers"),
    "efficiency": ("cpl", "cost_per_mql", "cost_per_sql", "cac", "cpc", "cpm"),
    "conversion": (
        "ctr",
        "traffic_to_lead",
        "lead_to_mql",
        "mql_to_sql",
        "sql_to_opportunity",
        "win_rate",
        "lead_to_customer",
    ),
    "return": ("revenue", "pipeline", "roas", "romi", "avg_deal_size", "clv", "ltv_to_cac", "cac_payback_months"),
}
FAMILY_OF = {kpi: family for family, kpis in FAMILIES.items() for kpi in kpis}

# Sentences for users (pages and CLI show them as they are).
ALERT_TEXT = "{subject}{kpi} in {when}: {value} vs {expected} expected ({score} MAD)"
BASIS_RECENT = "the median of the {window} {periods} before (plus the seasonal effect once two years of history are in)"
BASIS_HABIT = f"the median of the same week of the month in the {CYCLE_MONTHS} months before (a monthly habit)"
DETAILS_TEXT = (
    "{message}. The expected value is {basis}; the score is the distance from it in robust standard deviations "
    '(1.4826 x the median absolute deviation, "MAD units"): {score} here, alerts start at {threshold:g}.'
)
# The plain sentence: what moved, how far, what to check. {who} is the channel (or "The total").
STOPPED = "{who} {kpi} stopped in {when} ({value} against about {expected} a {unit}): {check}"
NONE_AT_ALL = "{who} had no {kpi} in {when} (about {expected} a {unit} before): {check}"
STARTED = "{who} {kpi} started in {when} ({value}, none in the {unit}s before): {check}"
MOVED_SUM = "{who} {kpi} {verb} to {value} in {when} (about {expected} a {unit} before): {check}"
MOVED_HABIT = "{who} {kpi} {verb} to {value} in {when} (about {expected} in that week of recent months): {check}"
MOVED_RATIO = "{who} {kpi} {verb} to {value} in {when} (about {expected} before): {check}"
AT_STAKE = " About {money} at stake."
LASTING = " It lasted {n} {unit}s in a row."
CHECKS: dict[tuple[str, Move], str] = {
    ("spend", "down"): "check the campaigns are still running and billing went through.",
    ("spend", "up"): "check budgets and bids are as planned.",
    ("traffic", "down"): "check ads are serving and tracking still works.",
    ("traffic", "up"): "check where the extra traffic comes from (bots, a new placement).",
    ("volume", "down"): "check forms, tracking and the campaigns behind them.",
    ("volume", "up"): "find what worked, and check they are not duplicates or spam.",
    ("efficiency", "up"): "check bids, targeting and landing pages.",
    ("efficiency", "down"): "see what worked, and check the quality held.",
    ("conversion", "down"): "check the hand-over between these stages (forms, follow-up, scoring).",
    ("conversion", "up"): "see what worked, and check the stage definitions did not change.",
    ("return", "down"): "check deals are still being closed and recorded.",
    ("return", "up"): "find what drove it, and check the deals are real and booked once.",
}
OTHER_CHECK = "check what changed."
PLAIN_NAMES = {"roas": "ROAS", "romi": "ROMI", "ltv_to_cac": "LTV:CAC", "cac_payback_months": "CAC payback"}
UNKNOWN_KPI = "Unknown KPI {kpi}; KPIs are {kpis}."
BAD_GRAIN = "--grain {grain}: alerts are computed per week or per month; use --grain week or --grain month."
NOT_COMPUTABLE = "{name} ({kpi}) cannot be computed from the mapped data: map {missing} on the Mapping page."
THRESHOLD_NEED, WINDOW_NEED = NEEDS["alert_threshold"], NEEDS["alert_window"]


@dataclass(frozen=True)
class AlertSettings:
    """How sensitive alerts are. ``threshold`` is in MAD units (robust standard deviations)."""

    threshold: float = 3.5  # the usual cut-off for robust (modified) z-scores
    window: int = 8  # periods of history whose median is the expected level
    min_history: int = 8  # no alert for a period with fewer earlier values
    scale_window: int = 26  # earlier residuals the noise scale is measured on (at least `window`)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise InputError(BAD_SETTING.format(key="alert_threshold", value=self.threshold, need=THRESHOLD_NEED))
        if self.window < 3:
            raise InputError(BAD_SETTING.format(key="alert_window", value=self.window, need=WINDOW_NEED))
        if self.min_history < 2:
            raise InputError(
                BAD_SETTING.format(
                    key="min_history", value=self.min_history, need="use a whole number of periods, 2 or more (e.g. 8)."
                )
            )

    @classmethod
    def from_settings(cls, settings: WorkspaceSettings | TypingMapping[str, Any]) -> AlertSettings:
        """The workspace's ``alert_threshold`` and ``alert_window``; unset ones keep the defaults."""
        settings = WorkspaceSettings.of(settings)
        values: dict[str, Any] = {}
        if settings.alert_threshold is not None:
            values["threshold"] = settings.alert_threshold
        if settings.alert_window is not None:
            values["window"] = settings.alert_window
        return cls(**values)


@dataclass(frozen=True)
class Alert:
    """One period where a KPI of one dimension value moved beyond the threshold."""

    period: date
    dims: dict[str, str]
    kpi: str
    value: float
    expected: float
    score: float  # signed, in MAD units
    direction: Move
    good: bool  # whether the move is welcome, given the KPI's direction (higher or lower is better)
    grain: AlertGrain = "week"
    at_stake: float = 0.0  # money: |value - expected| priced as the module docstring says
    habit: bool = False  # expected from the same week of earlier months (a monthly habit), not recent weeks
    lasting: int = 1  # periods in a row the same move lasted (recent.py folds a run into its first)

    @property
    def family(self) -> str:
        """The KPI family (spend, traffic, volume, efficiency, conversion, return; else the KPI itself)."""
        return FAMILY_OF.get(self.kpi, self.kpi)

    def when(self) -> str:
        if self.grain == "week":
            return f"the week of {self.period.day} {self.period:%b %Y}"
        return f"{self.period:%B %Y}"

    def headline(self, currency: str = "USD") -> str:
        """One plain sentence a non-statistician acts on, e.g. 'Email spend stopped in the week of
        22 Dec 2025 ($0 against about $315 a week): check the campaigns are still running and billing
        went through.' Statistics are in ``details``."""
        kpi = BY_ID[self.kpi]
        who = " · ".join(self.dims.values()) or "The total"
        name = PLAIN_NAMES.get(kpi.id, kpi.name)
        if len(name) > 1 and name[1].islower():  # "Cost per lead" -> "cost per lead"; "SQLs", "ROAS" stay
            name = name[0].lower() + name[1:]
        check = CHECKS.get((self.family, self.direction), OTHER_CHECK)
        values = dict(
            who=who,
            kpi=name,
            when=self.when(),
            value=money(0, currency, 0)
            if kpi.unit == "currency" and self.value == 0
            else format_value(kpi, self.value, currency),
            expected=format_value(kpi, self.expected, currency),
            unit=self.grain,
            check=check,
            verb="rose" if self.direction == "up" else "fell",
        )
        if kpi.is_sum and self.value == 0 and kpi.unit == "currency" and kpi.id == "spend":
            sentence = STOPPED.format(**values)
        elif kpi.is_sum and self.expected == 0 and self.direction == "up":
            sentence = STARTED.format(**values)
        elif kpi.is_sum and self.value == 0:
            sentence = NONE_AT_ALL.format(**values)
        elif kpi.is_sum and self.habit:
            sentence = MOVED_HABIT.format(**values)
        elif kpi.is_sum:
            sentence = MOVED_SUM.format(**values)
        else:
            sentence = MOVED_RATIO.format(**values)
        if self.lasting > 1:
            sentence += LASTING.format(n=self.lasting, unit=self.grain)
        if self.at_stake >= 1 and not (kpi.is_sum and kpi.unit == "currency" and self.lasting == 1):
            sentence += AT_STAKE.format(money=money(self.at_stake, currency))
        return sentence

    def details(self, currency: str = "USD", settings: AlertSettings | None = None) -> str:
        """The statistics behind the headline, for a click away."""
        settings = settings or AlertSettings()
        return DETAILS_TEXT.format(
            message=self.message(currency),
            basis=BASIS_HABIT
            if self.habit
            else BASIS_RECENT.format(window=settings.window, periods="weeks" if self.grain == "week" else "months"),
            score=self._score_text(),
            threshold=settings.threshold,
        )

    def _score_text(self) -> str:
        return f"{self.score:+.1f}" if abs(self.score) < 1000 else (">+999" if self.score > 0 else "<-999")

    def message(self, currency: str = "USD") -> str:
        """Plain text: 'LinkedIn Ads · SQLs in the week of 3 Mar 2025: 2 vs 11 expected (-4.1 MAD)'."""
        kpi = BY_ID[self.kpi]
        subject = "".join(f"{value} · " for value in self.dims.values())
        return ALERT_TEXT.format(
            subject=subject,
            kpi=kpi.name,
            when=self.when(),
            value=format_value(kpi, self.value, currency),
            expected=format_value(kpi, self.expected, currency),
            score=self._score_text(),
        )

    def to_record(self, currency: str = "USD") -> dict[str, Any]:
        """The CLI's row: period (ISO), each dimension, kpi, value, expected, score, direction, then extras."""
        record: dict[str, Any] = {"period": self.period.isoformat()}
        record.update(self.dims)
        record.update(
            kpi=self.kpi,
            value=self.value,
            expected=self.expected,
            score=self.score,
            direction=self.direction,
            good=self.good,
            message=self.message(currency),
            headline=self.headline(currency),
            family=self.family,
            at_stake=self.at_stake,
        )
        return record


def score_series(
    values: np.ndarray,
    season: int | None,
    settings: AlertSettings,
    counts: bool = False,
    cycle: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected value and robust score of every point of one evenly spaced series.

    expected[t] = median of the previous ``window`` values (never t itself), plus, when at least two
    full seasons precede t, the median over earlier seasons of how far that same period sat from its
    own level. score[t] = (value - expected) / scale, NaN where there is too little history or the
    value is missing. ``counts`` marks a count KPI (leads, SQLs), whose noise is at least Poisson.
    ``cycle``: a second expected value per point (the same week of earlier months, NaN where
    unknown); where it explains the value better, its expected value and score are kept.
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n == 0:
        return np.empty(0), np.empty(0)
    level = _nanmedian(_previous(y, settings.window))
    expected = level + _seasonal_effect(y - level, season, n)
    residual = y - expected
    scale = _robust_scale(_previous(residual, max(settings.scale_window, settings.window)))
    # The floor: a flat history has a MAD of zero, and any wiggle would then score in the thousands.
    # A move under 5% of the level is not news for any KPI; the tiny absolute floor only keeps the
    # division finite when the level itself is zero.
    floor = np.maximum(RELATIVE_FLOOR * np.abs(level), ABSOLUTE_FLOOR)
    scale = np.fmax(scale, floor)
    with np.errstate(invalid="ignore"):
        score = residual / scale
        if cycle is not None:
            habit = (y - cycle) / scale
            better = np.isfinite(habit) & (np.abs(habit) < np.abs(score))
            score = np.where(better, habit, score)
            expected = np.where(better, cycle, expected)
    if counts:
        # Counts are at least Poisson-noisy, so no count may look more surprising than Poisson says:
        # the score is capped at the Poisson tail's z (mid-p), which keeps the asymmetry of small
        # counts: 11 -> 1 SQLs scores -3.7, 11 -> 20 only +2.2, 2 -> 9 +3.6.
        score = np.sign(score) * np.fmin(np.abs(score), np.abs(_poisson_z(y, expected)))
    earlier = np.concatenate(([0], np.cumsum(~np.isnan(y))[:-1]))
    score[(earlier < settings.min_history) | np.isnan(y)] = np.nan
    return expected, score


def _poisson_z(y: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The normal z of a count y against a Poisson mean: mid-p tail on y's side of the mean."""
    mean = np.maximum(expected, ABSOLUTE_FLOOR)
    count = np.round(np.nan_to_num(y, nan=0.0))
    with np.errstate(invalid="ignore"):
        half = 0.5 * poisson_pmf(count, mean)
        upper: np.ndarray = norm_isf(poisson_sf(count, mean) + half)
        lower: np.ndarray = -norm_isf(poisson_cdf(count, mean) - half)
    return np.where(count >= mean, upper, lower)


def same_week_of_month(periods: pd.DatetimeIndex, y: np.ndarray, months: int = CYCLE_MONTHS) -> np.ndarray:
    """Median of the values in the same week of the month (days 1-7, 8-14, ...) in each of the previous
    ``months`` months (the last ``months`` such weeks within ``months`` x 5 weeks); NaN with fewer."""
    n = len(y)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    position = (np.asarray(periods.day) - 1) // 7
    lags = np.arange(1, 5 * months + 1)
    index = np.arange(n)[:, None] - lags[None, :]
    valid = index >= 0
    safe = np.clip(index, 0, None)
    same = valid & (position[safe] == position[:, None]) & ~np.isnan(y[safe])
    rank = np.cumsum(same, axis=1)
    take = same & (rank <= months)
    picked = np.where(take, y[safe], np.nan)
    enough = take.sum(axis=1) >= months
    out[enough] = _nanmedian(picked[enough])
    return out


def _previous(y: np.ndarray, window: int) -> np.ndarray:
    """Row t holds the `window` values strictly before t (NaN before the series starts)."""
    padded = np.concatenate((np.full(window, np.nan), y))
    return sliding_window_view(padded, window)[: len(y)]


def _nanmedian(rows: np.ndarray) -> np.ndarray:
    """np.nanmedian over the last axis (NaN for a row with no value), without its masked-array path,
    which costs a millisecond per call on the short windows used here: sort (NaN sorts last), then
    average the middle two of each row's valid values."""
    valid = np.sum(~np.isnan(rows), axis=-1)
    if rows.shape[-1] == 0:
        return np.full(valid.shape, np.nan)
    ordered = np.sort(rows, axis=-1)
    lower = np.take_along_axis(ordered, np.maximum((valid - 1) // 2, 0)[..., None], axis=-1)[..., 0]
    upper = np.take_along_axis(ordered, np.maximum(valid // 2, 0)[..., None], axis=-1)[..., 0]
    median: np.ndarray = np.where(valid > 0, (lower + upper) / 2, np.nan)
    return median


def _robust_scale(rows: np.ndarray) -> np.ndarray:
    """1.4826 x the median absolute residual of each row; where that is zero (more than half the
    residuals exactly zero, as in sparse series), 1.2533 x the mean absolute residual instead."""
    absolute = np.abs(rows)
    mad = _nanmedian(absolute)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_ad = np.nanmean(absolute, axis=-1)
    return np.where(mad > 0, MAD_TO_SD * mad, MEAN_AD_TO_SD * mean_ad)


def _seasonal_effect(deviation: np.ndarray, season: int | None, n: int) -> np.ndarray:
    """Median of deviation[t - k*season] over k = 1, 2, ...; zero until two seasons are behind t."""
    effect = np.zeros(n)
    if not season or n <= 2 * season:
        return effect
    lags = season * np.arange(1, (n - 1) // season + 1)
    index = np.arange(n)[:, None] - lags[None, :]
    earlier = np.where(index >= 0, deviation[np.clip(index, 0, None)], np.nan)
    seen = (~np.isnan(earlier)).sum(axis=1)
    median = _nanmedian(earlier)
    use = (np.arange(n) >= 2 * season) & (seen >= 2)
    effect[use] = median[use]
    return effect


def detect_alerts(
    performance: Performance, kpi: str, by: str | None, grain: AlertGrain, request: KpiRequest, settings: AlertSettings
) -> list[Alert]:
    """Alerts for one KPI over the filtered data, per value of ``by`` (or in total), newest first.

    One KPI query (the KPI with the sums it is made of, for the volume floors and the money at
    stake; plus one for the dates, to know whether the last period is complete); each series is
    gap-filled (a missing period of a summed KPI is 0, of a ratio unknown) and scored.
    """
    if kpi not in BY_ID:
        raise InputError(UNKNOWN_KPI.format(kpi=kpi, kpis=", ".join(KPI_ORDER)))
    if grain not in ALERT_GRAINS:
        raise InputError(BAD_GRAIN.format(grain=grain))
    definition = BY_ID[kpi]
    if definition not in performance.kpis:
        missing = [m for m in definition.inputs if m not in performance.measures]
        raise InputError(NOT_COMPUTABLE.format(name=definition.name, kpi=kpi, missing=", ".join(missing)))
    sums = _sums_needed(performance, definition)
    table = performance.compute(
        KpiRequest(
            kpis=(kpi, *(m for m in sums if m != kpi)),
            by=(by,) if by else (),
            grain=grain,
            date_from=request.date_from,
            date_to=request.date_to,
            where=request.where,
        )
    )
    frame = table.frame()
    if frame.empty:
        return []
    last = _last_complete_period(performance, request, grain, max(frame["period"]))
    if last is None:
        return []
    frame = frame[frame["period"] <= last]
    if frame.empty:  # one period of data, and it is not complete yet: nothing to compare it with
        return []
    step = "7D" if grain == "week" else "MS"
    counts = definition.is_sum and definition.unit == "count"
    frame = frame.assign(period=pd.to_datetime(frame["period"]))
    totals = frame.groupby("period")[list(sums)].sum(min_count=1) if sums else pd.DataFrame()
    alerts: list[Alert] = []
    for dims, found in _series_by(frame, [kpi, *(m for m in sums if m != kpi)], by):
        periods = pd.date_range(found.index.min(), pd.Timestamp(last), freq=step)
        # reindex's fill_value only fills the added periods: a NULL sum stays unknown
        series = found[kpi].reindex(periods, fill_value=0.0 if definition.is_sum else np.nan)
        inputs = {m: found[m].reindex(periods, fill_value=0.0).to_numpy(dtype=float) for m in sums}
        total = {m: totals[m].reindex(periods).to_numpy(dtype=float) for m in sums}
        y = series.to_numpy()
        cycle = same_week_of_month(periods, y) if grain == "week" else None
        expected, score = score_series(y, SEASONS[grain], settings, counts=counts, cycle=cycle)
        enough = _enough_volume(definition, inputs, total, expected, y, settings.window, settings.scale_window)
        for i in np.flatnonzero((np.abs(np.nan_to_num(score)) >= settings.threshold) & enough):
            up = bool(score[i] > 0)
            value, guess = float(y[i]), float(expected[i])
            alerts.append(
                Alert(
                    period=periods[i].date(),
                    dims=dict(dims),
                    kpi=kpi,
                    value=value,
                    expected=guess,
                    score=float(score[i]),
                    direction="up" if up else "down",
                    good=up == (definition.direction == "higher"),
                    grain=grain,
                    habit=cycle is not None and bool(expected[i] == cycle[i]),
                    at_stake=_at_stake(definition, value, guess, inputs, int(i), settings.window),
                )
            )
    alerts.sort(key=lambda a: (-a.period.toordinal(), -abs(a.score), tuple(a.dims.values())))
    return alerts


def _sums_needed(performance: Performance, kpi: Kpi) -> tuple[str, ...]:
    """The summed KPIs behind ``kpi`` that can be computed: its inputs, the count behind a lumpy
    amount (customers for revenue), and spend and revenue to price counts in money."""
    computable = {k.id for k in performance.kpis}
    wanted = [*kpi.inputs, *(BACKING[m] for m in kpi.inputs if m in BACKING), "spend", "revenue"]
    out: list[str] = []
    for m in wanted:
        if m in computable and BY_ID[m].is_sum and m not in out:
            out.append(m)
    return tuple(out)


def _baseline(values: np.ndarray, window: int) -> np.ndarray:
    """Median of the ``window`` values before each point (what the expected level is made of)."""
    return _nanmedian(_previous(values, window))


def _enough_volume(
    kpi: Kpi,
    inputs: dict[str, np.ndarray],
    total: dict[str, np.ndarray],
    expected: np.ndarray,
    y: np.ndarray,
    window: int,
    scale_window: int = 26,
) -> np.ndarray:
    """Where a point has the volume to be scored (the floors of the module docstring)."""
    n = len(y)
    ok = np.ones(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        if kpi.is_sum:
            behind = BACKING.get(kpi.id, kpi.id if kpi.unit == "count" else None)
            if behind is not None and behind in inputs:
                count = inputs[behind]
                ok &= np.fmax(count, _baseline(count, window)) >= MIN_COUNT
            # A lumpy series (mostly 0 over the ``scale_window``, now and then a lot) is not scored: only
            # a start is news (the first spend after a quiet window), not the next event of an event
            # channel or the next stray row of a misspelt channel.
            quiet = _nanmedian(_previous(np.abs(y), scale_window)) == 0
            seen = np.nan_to_num(np.nanmax(np.fmax(_previous(np.abs(y), scale_window), 0), axis=-1, initial=0.0))
            ok &= ~(quiet & (seen > 0))
            return ok
        for m in kpi.inputs:
            if m not in inputs:
                continue
            values, base = inputs[m], _baseline(inputs[m], window)
            if BY_ID[m].unit == "count":
                ok &= (values >= MIN_COUNT) & (base >= MIN_COUNT)
            else:
                share = base / _baseline(total[m], window)
                ok &= (values > 0) & (base > 0) & (share >= MIN_MONEY_SHARE)
                behind = BACKING.get(m)
                if behind in inputs:
                    count = inputs[behind]
                    ok &= (count >= MIN_COUNT) & (_baseline(count, window) >= MIN_COUNT)
        ok &= np.isfinite(expected) & (expected != 0)
    return ok


def _unit_value(count: str, inputs: dict[str, np.ndarray], i: int, window: int) -> float:
    """What one unit of a count is worth in money at point i: baseline spend (else revenue) per unit."""
    if count not in inputs:
        return 0.0
    units = float(_baseline(inputs[count], window)[i])
    for money_measure in ("spend", "revenue"):
        if money_measure in inputs and units > 0:
            amount = float(_baseline(inputs[money_measure], window)[i])
            if amount > 0:
                return amount / units
    return 0.0


def _at_stake(kpi: Kpi, value: float, expected: float, inputs: dict[str, np.ndarray], i: int, window: int) -> float:
    """|value - expected| in money (the rule in the module docstring); 0 where it has no money reading."""
    gap = abs(value - expected)
    if not math.isfinite(gap):
        return 0.0
    if kpi.is_sum:
        if kpi.unit == "currency":
            return gap
        return gap * _unit_value(kpi.id, inputs, i, window) if kpi.unit == "count" else 0.0
    parts = _RATIO.search(kpi.expression)
    if parts is None:
        return 0.0
    numerator, denominator = parts.groups()
    if denominator not in inputs:
        return 0.0
    size = float(inputs[denominator][i]) / (1000 if kpi.unit == "currency_per_mille" else 1)
    if kpi.unit in ("currency", "currency_per_mille") or denominator == "spend":
        return gap * size  # the extra paid for this period's leads; the revenue missed at this spend
    if numerator in BY_ID and BY_ID[numerator].unit == "count":
        return gap * size * _unit_value(numerator, inputs, i, window)
    return 0.0


def _series_by(
    frame: pd.DataFrame, columns: list[str], by: str | None
) -> Iterator[tuple[dict[str, str], pd.DataFrame]]:
    """The KPI and its sums indexed by period: one frame per value of ``by``, or the one total."""
    if not by:
        yield {}, frame.set_index("period")[columns].astype(float)
        return
    for key, group in frame.groupby(by, dropna=False, sort=True):
        yield {by: _label(key)}, group.set_index("period")[columns].astype(float)


def _label(value: Any) -> str:
    """A dimension value as text; rows without one (NULL) are grouped as '(blank)'."""
    return "(blank)" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _last_complete_period(
    performance: Performance, request: KpiRequest, grain: AlertGrain, last_period: date
) -> date | None:
    """The last period the data fully covers: the latest date plus the data's usual step (7 days for
    weekly rows, 1 for daily) must reach its last day."""
    latest, step = performance.date_coverage(request)
    if latest is None:
        return None
    if latest + timedelta(days=step - 1) >= period_end(last_period, grain):
        return last_period
    return _previous_period(last_period, grain)


def _previous_period(start: date, grain: AlertGrain) -> date:
    if grain == "week":
        return start - timedelta(weeks=1)
    return date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
