"""The gate before any verdict: is the split as planned, is there enough data, has it run long enough?

A sample-ratio mismatch (users split unlike the plan) means assignment or tracking is broken, and
no comparison of the arms can be trusted, however significant it looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpi_core import messages
from kpi_core.abtest.models import Arm, HealthStatus
from kpi_core.abtest.verdict import p_text
from kpi_core.distributions import chisquare

SRM_FAIL_P = 0.001
SRM_WARN_P = 0.01
MIN_USERS = 100
MIN_CONVERSIONS = 25
MIN_DAYS = 7

NOT_RUN_RUNTIME = (
    "Not checked: how long the test has run, because no start date was given. Enter the day the test started "
    "to check that it ran at least {minimum} days (every weekday in it) and to see how many more weeks it needs."
)
NOT_RUN_CONVERSIONS = (
    "Not checked: conversions per arm, because the arms have no conversion counts. Add them to check that "
    "there are at least {minimum} per arm."
)


@dataclass(frozen=True)
class Health:
    srm_chi2: float | None
    srm_p_value: float | None
    srm_status: HealthStatus
    problems: tuple[str, ...]
    """Reasons no verdict can be given yet."""
    warnings: tuple[str, ...]
    runtime_days: int | None
    not_run: tuple[str, ...] = ()
    """Checks that could not be run: which, why, and what to provide to run them."""

    @property
    def passed(self) -> bool:
        return not self.problems


def planned_shares(arms: list[Arm], split: tuple[float, ...] | None) -> list[float]:
    """The planned share of users per arm (equal unless a split is given)."""
    if split is None:
        return [1 / len(arms)] * len(arms)
    total = sum(split)
    return [s / total for s in split]


def sample_ratio(arms: list[Arm], shares: list[float]) -> tuple[float | None, float | None, HealthStatus]:
    """Pearson chi-square of the users per arm against the planned shares: (chi2, p, status)."""
    total = sum(a.users for a in arms)
    if total == 0:
        return None, None, "fail"
    chi2, p_value = chisquare([a.users for a in arms], [total * s for s in shares])
    status: HealthStatus = "fail" if p_value < SRM_FAIL_P else "warn" if p_value < SRM_WARN_P else "ok"
    return chi2, p_value, status


def check_health(
    arms: list[Arm],
    split: tuple[float, ...] | None,
    start_date: date | None,
    as_of: date | None,
) -> Health:
    shares = planned_shares(arms, split)
    chi2, p_value, status = sample_ratio(arms, shares)
    problems: list[str] = []
    warnings: list[str] = []
    if status != "ok" and p_value is not None:
        observed = ", ".join(f"{a.name} {a.users / sum(x.users for x in arms):.1%}" for a in arms)
        planned = ", ".join(f"{s:.1%}" for s in shares)
        text = messages.AB_SRM.format(observed=observed, planned=planned, p=p_text(p_value))
        (problems if status == "fail" else warnings).append(
            text + " " + (messages.AB_SRM_FAIL if status == "fail" else messages.AB_SRM_WARN)
        )
    for arm in arms:
        if arm.users < MIN_USERS:
            problems.append(messages.AB_FEW_USERS.format(arm=arm.name, users=arm.users, minimum=MIN_USERS))
        elif arm.conversions is not None and arm.conversions < MIN_CONVERSIONS:
            problems.append(
                messages.AB_FEW_CONVERSIONS.format(arm=arm.name, conversions=arm.conversions, minimum=MIN_CONVERSIONS)
            )
    runtime = None
    not_run: list[str] = []
    if any(arm.conversions is None for arm in arms):
        not_run.append(NOT_RUN_CONVERSIONS.format(minimum=MIN_CONVERSIONS))
    if start_date is None:
        not_run.append(NOT_RUN_RUNTIME.format(minimum=MIN_DAYS))
    else:
        runtime = ((as_of or date.today()) - start_date).days + 1
        if runtime < MIN_DAYS:
            problems.append(messages.AB_TOO_SHORT.format(days=runtime, minimum=MIN_DAYS))
    return Health(chi2, p_value, status, tuple(problems), tuple(warnings), runtime, tuple(not_run))
