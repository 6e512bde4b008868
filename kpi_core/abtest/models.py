"""What an A/B test is made of: arms as sufficient statistics, and the settings of one analysis.

A DuckDB ``GROUP BY variant`` returns exactly these numbers (users, conversions, sum, sum of
squares), so the statistics never see a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from kpi_core.errors import InputError

Verdict = Literal["win", "loss", "inconclusive", "not_ready"]
HealthStatus = Literal["ok", "warn", "fail"]
Metric = Literal["conversion_rate", "revenue_per_user"]

MIN_ARMS, MAX_ARMS = 2, 6


@dataclass(frozen=True)
class MeanStatistic:
    """n observations summarised as their sum and sum of squares (per-user revenue)."""

    n: float
    total: float
    sum_squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1 in the denominator), as Welch's t-test uses it."""
        if self.n < 2:
            return None
        return max((self.sum_squares - self.total**2 / self.n) / (self.n - 1), 0.0)


@dataclass(frozen=True)
class ProportionStatistic:
    """n users of whom ``successes`` converted."""

    n: float
    successes: float

    @property
    def mean(self) -> float | None:
        return self.successes / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        """Bernoulli variance p(1 - p): the unpooled (Wald) convention."""
        p = self.mean
        return None if p is None else p * (1 - p)


Statistic = MeanStatistic | ProportionStatistic


@dataclass(frozen=True)
class Arm:
    """One variant: its users, conversions and, optionally, revenue as (sum, sum of squares)."""

    name: str
    users: int
    conversions: int | None = None
    revenue: float | None = None
    revenue_squares: float | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("every arm needs a name.")
        if self.users < 0 or (self.conversions is not None and self.conversions < 0):
            raise InputError(f"arm '{self.name}': users and conversions cannot be negative.")
        if self.conversions is not None and self.conversions > self.users:
            raise InputError(
                f"arm '{self.name}' has more conversions ({self.conversions:,}) than users ({self.users:,}); "
                "conversions count users who converted, so they cannot exceed users."
            )
        if (self.revenue is None) != (self.revenue_squares is None):
            raise InputError(f"arm '{self.name}': give revenue as both its sum and its sum of squares.")
        if self.revenue_squares is not None and self.revenue_squares < 0:
            raise InputError(f"arm '{self.name}': a sum of squares cannot be negative.")

    @property
    def rate(self) -> float | None:
        if self.conversions is None or self.users == 0:
            return None
        return self.conversions / self.users

    @property
    def conversion_stat(self) -> ProportionStatistic | None:
        return None if self.conversions is None else ProportionStatistic(self.users, self.conversions)

    @property
    def revenue_stat(self) -> MeanStatistic | None:
        if self.revenue is None or self.revenue_squares is None:
            return None
        return MeanStatistic(self.users, self.revenue, self.revenue_squares)

    @property
    def revenue_per_user(self) -> float | None:
        stat = self.revenue_stat
        return None if stat is None else stat.mean


@dataclass(frozen=True)
class ExperimentSettings:
    """How to analyse: significance level, control, planned split and sample, and looks."""

    alpha: float = 0.05
    power: float = 0.8
    control: str | None = None
    split: tuple[float, ...] | None = None
    planned_n: int | None = None
    """Planned users in total, across every arm (the planner's ``total``)."""
    sequential: bool = False
    start_date: date | None = None
    as_of: date | None = None
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise InputError(f"alpha must be between 0 and 1 (e.g. 0.05), not {self.alpha}.")
        if not 0 < self.power < 1:
            raise InputError(f"power must be between 0 and 1 (e.g. 0.8), not {self.power}.")
        if self.planned_n is not None and self.planned_n <= 0:
            raise InputError(f"the planned sample size must be a positive number of users, not {self.planned_n}.")
        if self.split is not None and (any(s <= 0 for s in self.split) or not sum(self.split) > 0):
            raise InputError("every share of the planned split must be positive, e.g. 50,50.")
        if self.start_date and self.as_of and self.start_date > self.as_of:
            raise InputError(f"the test's start date {self.start_date} is after {self.as_of}.")
