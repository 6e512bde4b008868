"""One A/B test, analysed: health gate, frequentist comparisons (primary), Bayesian panel, planning.

``analyse(arms, settings)`` is what the page and ``python -m kpi_core abtest`` both call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kpi_core import messages
from kpi_core.abtest import bayesian, sequential, verdict
from kpi_core.abtest.frequentist import Estimate, absolute_difference, holm, pooled_p_value, relative_lift
from kpi_core.abtest.health import Health, check_health, planned_shares
from kpi_core.abtest.models import MAX_ARMS, MIN_ARMS, Arm, ExperimentSettings, Metric, ProportionStatistic, Statistic
from kpi_core.abtest.models import Verdict as VerdictKind
from kpi_core.abtest.planner import detectable_effect, sample_size
from kpi_core.distributions import norm_ppf
from kpi_core.errors import InputError


@dataclass(frozen=True)
class Comparison:
    """One variant against the control on one metric."""

    metric: Metric
    arm: str
    control: str
    control_value: float | None
    arm_value: float | None
    absolute: Estimate
    relative: Estimate
    p_value_pooled: float | None
    p_value_adjusted: float | None
    chance_to_beat_control: float | None
    expected_loss: float | None
    mde: float | None
    users_needed: int | None
    weeks_needed: float | None
    verdict: VerdictKind
    sentences: tuple[str, ...]
    """The message, sentence group by sentence group (the page shows one per line)."""

    @property
    def message(self) -> str:
        return " ".join(self.sentences)

    @property
    def mde_relative(self) -> float | None:
        if self.mde is None or not self.control_value:
            return None
        return self.mde / self.control_value

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "arm": self.arm,
            "control": self.control,
            "abs_diff": self.absolute.value,
            "abs_ci_low": self.absolute.low,
            "abs_ci_high": self.absolute.high,
            "rel_lift": self.relative.value,
            "rel_ci_low": self.relative.low,
            "rel_ci_high": self.relative.high,
            "p_value": self.absolute.p_value,
            "p_value_pooled": self.p_value_pooled,
            "p_value_adjusted": self.p_value_adjusted,
            "chance_to_beat_control": self.chance_to_beat_control,
            "expected_loss": self.expected_loss,
            "mde": self.mde,
            "verdict": self.verdict,
            "message": self.message,
            "mde_relative": self.mde_relative,
            "users_needed": self.users_needed,
            "weeks_needed": self.weeks_needed,
        }
        if self.metric != "conversion_rate":
            record["metric"] = self.metric
            record["control_value"], record["arm_value"] = self.control_value, self.arm_value
        return record


@dataclass(frozen=True)
class ExperimentResult:
    settings: ExperimentSettings
    arms: tuple[Arm, ...]
    control: Arm
    health: Health
    interim: bool
    comparisons: tuple[Comparison, ...]
    revenue_comparisons: tuple[Comparison, ...]
    weekly_traffic: float | None

    @property
    def total_users(self) -> int:
        return sum(a.users for a in self.arms)

    def to_record(self) -> dict[str, Any]:
        return {
            "alpha": self.settings.alpha,
            "srm": {"chi2": self.health.srm_chi2, "p_value": self.health.srm_p_value, "status": self.health.srm_status},
            "arms": [
                {"name": a.name, "users": a.users, "conversions": a.conversions, "rate": a.rate}
                | ({"revenue_per_user": a.revenue_per_user} if a.revenue is not None else {})
                for a in self.arms
            ],
            "comparisons": [c.to_record() for c in self.comparisons],
            "revenue_comparisons": [c.to_record() for c in self.revenue_comparisons],
            "control": self.control.name,
            "sequential": self.settings.sequential,
            "planned_n": self.settings.planned_n,
            "interim": self.interim,
            "health": {
                "passed": self.health.passed,
                "problems": list(self.health.problems),
                "warnings": list(self.health.warnings),
                "runtime_days": self.health.runtime_days,
            },
        }


def sequential_tuning(
    settings: ExperimentSettings, arms: list[Arm] | tuple[Arm, ...], control: Arm, variant: Arm
) -> float:
    """The users of one comparison once the planned sample is in: where its confidence sequence is tightest."""
    if not settings.planned_n:
        return sequential.DEFAULT_TUNING
    shares = dict(zip((a.name for a in arms), planned_shares(list(arms), settings.split)))
    return settings.planned_n * (shares[control.name] + shares[variant.name])


def _check_arms(arms: list[Arm], settings: ExperimentSettings) -> Arm:
    if not MIN_ARMS <= len(arms) <= MAX_ARMS:
        raise InputError(f"give between {MIN_ARMS} and {MAX_ARMS} arms (a control and its variants), not {len(arms)}.")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise InputError("every arm needs its own name; two arms are called the same.")
    if settings.split is not None and len(settings.split) != len(arms):
        raise InputError(f"the planned split has {len(settings.split)} shares but there are {len(arms)} arms.")
    if settings.control is None:
        return arms[0]
    for arm in arms:
        if arm.name == settings.control:
            return arm
    raise InputError(f"the control '{settings.control}' is not one of the arms ({', '.join(names)}).")


def analyse(arms: list[Arm], settings: ExperimentSettings | None = None) -> ExperimentResult:
    settings = settings or ExperimentSettings()
    control = _check_arms(arms, settings)
    health = check_health(arms, settings.split, settings.start_date, settings.as_of)
    total = sum(a.users for a in arms)
    interim = bool(settings.planned_n and not settings.sequential and total < settings.planned_n)
    weekly = total / health.runtime_days * 7 if health.runtime_days else None
    context = _Context(settings, arms, control, health, interim, weekly)
    conversions = context.family("conversion_rate") if all(a.conversions is not None for a in arms) else ()
    revenue = context.family("revenue_per_user") if all(a.revenue is not None for a in arms) else ()
    if not conversions and not revenue:
        raise InputError("give every arm its conversions, or its revenue (sum and sum of squares).")
    return ExperimentResult(settings, tuple(arms), control, health, interim, conversions, revenue, weekly)


@dataclass(frozen=True)
class _Context:
    settings: ExperimentSettings
    arms: list[Arm]
    control: Arm
    health: Health
    interim: bool
    weekly_traffic: float | None

    def stat(self, arm: Arm, metric: Metric) -> Statistic:
        return arm.conversion_stat if metric == "conversion_rate" else arm.revenue_stat  # type: ignore[return-value]

    def family(self, metric: Metric) -> tuple[Comparison, ...]:
        alpha = self.settings.alpha
        variants = [a for a in self.arms if a is not self.control]
        control_stat = self.stat(self.control, metric)
        rows = []
        for variant in variants:
            variant_stat = self.stat(variant, metric)
            absolute = absolute_difference(control_stat, variant_stat, alpha)
            relative = relative_lift(control_stat, variant_stat, alpha)
            critical = None
            if self.settings.sequential:
                n, tuning = (
                    control_stat.n + variant_stat.n,
                    sequential_tuning(self.settings, self.arms, self.control, variant),
                )
                absolute = sequential.always_valid(absolute, n, alpha, tuning)
                relative = sequential.always_valid(relative, n, alpha, tuning)
                critical = sequential.multiplier(n, alpha, tuning) if n > 0 else None
            rows.append((variant, variant_stat, absolute, relative, critical))
        adjusted = holm([absolute.p_value for _, _, absolute, _, _ in rows])
        return tuple(
            self.compare(
                metric, variant, control_stat, variant_stat, absolute, relative, critical, p_adjusted, len(variants)
            )
            for (variant, variant_stat, absolute, relative, critical), p_adjusted in zip(rows, adjusted)
        )

    def compare(
        self,
        metric: Metric,
        variant: Arm,
        control_stat: Statistic,
        variant_stat: Statistic,
        absolute: Estimate,
        relative: Estimate,
        critical: float | None,
        p_adjusted: float | None,
        variant_count: int,
    ) -> Comparison:
        settings = self.settings
        proportions = isinstance(control_stat, ProportionStatistic) and isinstance(variant_stat, ProportionStatistic)
        chance = loss = pooled = None
        if proportions:
            pooled = pooled_p_value(control_stat, variant_stat)  # type: ignore[arg-type]
            chance = bayesian.chance_to_beat(control_stat, variant_stat)  # type: ignore[arg-type]
            loss = bayesian.expected_loss(control_stat, variant_stat)  # type: ignore[arg-type]
        mde = _mde(control_stat, variant_stat, settings, critical)
        kind: VerdictKind
        if not self.health.passed:
            kind = "not_ready"
        elif self.interim:
            kind = "not_ready"
        elif p_adjusted is not None and p_adjusted < settings.alpha and absolute.value:
            kind = "win" if absolute.value > 0 else "loss"
        else:
            kind = "inconclusive"
        users_needed = self.users_needed(kind, variant, control_stat, variant_stat, absolute)
        weeks_needed = None
        if users_needed is not None and self.weekly_traffic:
            weeks_needed = users_needed * len(self.arms) / self.weekly_traffic
        sentences = self.sentences(
            metric,
            kind,
            variant,
            control_stat,
            variant_stat,
            absolute,
            relative,
            p_adjusted,
            variant_count,
            mde,
            users_needed,
            weeks_needed,
        )
        return Comparison(
            metric,
            variant.name,
            self.control.name,
            control_stat.mean,
            variant_stat.mean,
            absolute,
            relative,
            pooled,
            p_adjusted,
            chance,
            loss,
            mde,
            users_needed,
            weeks_needed,
            kind,
            sentences,
        )

    def users_needed(
        self,
        kind: VerdictKind,
        variant: Arm,
        control_stat: Statistic,
        variant_stat: Statistic,
        absolute: Estimate,
    ) -> int | None:
        """More users per arm: to reach the planned sample, else to detect the observed difference
        (0 once a verdict is in)."""
        settings = self.settings
        if kind in ("win", "loss"):
            return 0
        if self.health.srm_status == "fail":
            return None  # more users do not mend a broken split
        if settings.planned_n:
            shares = dict(zip((a.name for a in self.arms), planned_shares(self.arms, settings.split)))
            short = max(
                settings.planned_n * shares[arm.name] - stat.n
                for arm, stat in ((self.control, control_stat), (variant, variant_stat))
            )
            return max(0, math.ceil(short - 1e-9))
        if not absolute.value:
            return None
        needed = _n_to_detect(control_stat, variant_stat, settings)
        return None if needed is None else max(0, math.ceil(needed - min(control_stat.n, variant_stat.n)))

    def sentences(
        self,
        metric: Metric,
        kind: VerdictKind,
        variant: Arm,
        control_stat: Statistic,
        variant_stat: Statistic,
        absolute: Estimate,
        relative: Estimate,
        p_adjusted: float | None,
        variant_count: int,
        mde: float | None,
        users_needed: int | None,
        weeks_needed: float | None,
    ) -> tuple[str, ...]:
        settings, currency = self.settings, self.settings.currency
        parts: list[str] = []
        if kind == "not_ready" and not self.health.passed:
            parts.append(messages.AB_NOT_READY_HEALTH.format(problems=" ".join(self.health.problems)))
        elif kind == "not_ready":
            parts.append(
                messages.AB_NOT_READY_INTERIM.format(
                    observed=sum(a.users for a in self.arms), planned=settings.planned_n
                )
            )
        if absolute.value is not None:
            template = {"win": messages.AB_WIN, "loss": messages.AB_LOSS, "not_ready": messages.AB_SO_FAR}.get(
                kind, messages.AB_INCONCLUSIVE
            )
            parts.append(
                template.format(
                    arm=variant.name,
                    control=self.control.name,
                    value_arm=verdict.value_text(metric, variant_stat.mean, currency),
                    value_control=verdict.value_text(metric, control_stat.mean, currency),
                    difference=verdict.difference_text(metric, absolute.value, currency),
                    relative=verdict.relative(relative.value) + " relative",
                )
            )
            parts.append(verdict.range_sentence(metric, absolute, relative, currency))
            if kind == "inconclusive" and absolute.low is not None:
                parts.append(messages.AB_RANGE_NOT_SAME)
            if absolute.p_value is not None and kind in ("win", "loss", "inconclusive"):
                shown = p_adjusted if p_adjusted is not None else absolute.p_value
                adjusted = f", adjusted for {variant_count} variants" if variant_count > 1 else ""
                parts.append(
                    messages.AB_CHANCE.format(odds=verdict.odds(shown), p=verdict.p_text(shown), adjusted=adjusted)
                )
            elif absolute.p_value is None:
                parts.append(messages.AB_UNDEFINED.format(reason="both arms have the same outcome for every user"))
        if mde is not None:
            mde_relative = f" ({verdict.relative(mde / control_stat.mean)} relative)" if control_stat.mean else ""
            parts.append(
                messages.AB_MDE.format(
                    mde=verdict.difference_text(metric, mde, currency), mde_relative=mde_relative, power=settings.power
                )
            )
        if users_needed:
            weeks = f", about {weeks_needed:.1f} more weeks at the traffic so far" if weeks_needed else ""
            template = messages.AB_NEEDED_PLAN if settings.planned_n else messages.AB_NEEDED_OBSERVED
            parts.append(template.format(users=users_needed, weeks=weeks))
        if settings.sequential:
            parts.append(messages.AB_SEQUENTIAL)
        return tuple(p for p in parts if p)


def _mde(control: Statistic, variant: Statistic, settings: ExperimentSettings, critical: float | None) -> float | None:
    """The smallest increase this sample detects with the planned power."""
    if isinstance(control, ProportionStatistic):
        if control.mean is None:
            return None
        return detectable_effect(control.mean, control.n, variant.n, settings.alpha, settings.power, critical)
    if control.variance is None or variant.variance is None or control.n == 0 or variant.n == 0:
        return None
    c = norm_ppf(1 - settings.alpha / 2) if critical is None else critical
    return float(
        (c + norm_ppf(settings.power)) * math.sqrt(control.variance / control.n + variant.variance / variant.n)
    )


def _n_to_detect(control: Statistic, variant: Statistic, settings: ExperimentSettings) -> float | None:
    """Users per arm that detect the observed difference with the planned power (fixed horizon)."""
    if control.mean is None or variant.mean is None or control.mean == variant.mean:
        return None
    if isinstance(control, ProportionStatistic):
        if not 0 < control.mean < 1 or not 0 <= variant.mean <= 1:
            return None
        return sample_size(control.mean, variant.mean, settings.alpha, settings.power)
    if control.variance is None or variant.variance is None:
        return None
    z = float(norm_ppf(1 - settings.alpha / 2) + norm_ppf(settings.power))
    return z**2 * (control.variance + variant.variance) / (variant.mean - control.mean) ** 2
