"""A SMART goal as data: what to reach, where, by when, and who owns it; read from and written to JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kpi_core.errors import InputError
from kpi_core.metrics.registry import BY_ID, KPI_ORDER

OBJECTIVES: dict[str, str] = {
    "awareness": "Awareness",
    "lead_generation": "Lead generation",
    "pipeline": "Pipeline",
    "revenue": "Revenue",
    "efficiency": "Efficiency",
    "retention": "Retention",
}

# Which KPIs measure each objective (the Relevant check): the funnel stage or tier it is about.
OBJECTIVE_KPIS: dict[str, frozenset[str]] = {
    "awareness": frozenset({"impressions", "sessions", "clicks", "ctr", "cpm", "cpc"}),
    "lead_generation": frozenset({"leads", "mqls", "cpl", "cost_per_mql", "traffic_to_lead", "lead_to_mql"}),
    "pipeline": frozenset({"sqls", "opportunities", "pipeline", "cost_per_sql", "mql_to_sql", "sql_to_opportunity"}),
    "revenue": frozenset(
        {"customers", "revenue", "win_rate", "lead_to_customer", "avg_deal_size", "roas", "romi", "clv"}
    ),
    "efficiency": frozenset(
        {
            "spend",
            "cpc",
            "cpm",
            "cpl",
            "cost_per_mql",
            "cost_per_sql",
            "cac",
            "roas",
            "romi",
            "ltv_to_cac",
            "cac_payback_months",
        }
    ),
    "retention": frozenset({"churn_rate", "nps", "clv", "ltv_to_cac"}),
}

# Reach and attention without pipeline: fine next to a business goal, misleading as the only one.
VANITY_KPIS = frozenset({"impressions", "clicks", "sessions", "ctr"})


@dataclass(frozen=True)
class Target:
    """An absolute level (``value``), or a relative ``change`` vs the KPI over a baseline period
    (default: the equally long period just before the goal's start)."""

    value: float | None = None
    change: float | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.change is None):
            raise InputError('The target is a number, {"value": N}, or {"change": 0.2} for +20% vs a baseline.')
        low, high = self.baseline_start, self.baseline_end
        if (low is None) != (high is None) or (low and high and high < low):
            raise InputError("The target's baseline needs a start and an end, the end not before the start.")

    @property
    def is_change(self) -> bool:
        return self.change is not None

    def to_json(self) -> float | dict[str, Any]:
        if not self.is_change:
            return self.value  # type: ignore[return-value]
        out: dict[str, Any] = {"change": self.change}
        if self.baseline_start and self.baseline_end:
            out["baseline"] = {"start": self.baseline_start.isoformat(), "end": self.baseline_end.isoformat()}
        return out


@dataclass(frozen=True)
class Goal:
    name: str
    objective: str
    kpi: str
    target: Target
    start: date | None
    end: date | None
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    owner: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        _check_kpi(self.kpi)
        _check_objective(self.objective)
        _check_dates(self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        """The GOAL.json shape (``id`` only once saved in a workspace)."""
        out: dict[str, Any] = {
            "name": self.name,
            "objective": self.objective,
            "kpi": self.kpi,
            "target": self.target.to_json(),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "where": {k: list(v) for k, v in self.where.items()},
            "owner": self.owner,
        }
        if self.id is not None:
            out["id"] = self.id
        return out


def goal_from_json(text: str) -> Goal:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"The goal file is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    return goal_from_dict(data)


def goal_from_dict(data: Any) -> Goal:
    """Read and check a goal; every mistake is one sentence that says how to fix it."""
    if not isinstance(data, dict):
        raise InputError("A goal is a JSON object with keys name, objective, kpi, target, start, end, where.")
    # checked here as well as by Goal, to report the first mistake in reading order
    kpi, objective = _check_kpi(data.get("kpi")), _check_objective(data.get("objective") or "")
    start, end = _day(data.get("start"), "start"), _day(data.get("end"), "end")
    _check_dates(start, end)
    identifier = data.get("id")
    return Goal(
        name=str(data.get("name") or "").strip(),
        objective=objective,
        kpi=kpi,
        target=_target(data.get("target")),
        start=start,
        end=end,
        where=_where(data.get("where")),
        owner=str(data.get("owner") or "").strip(),
        id=int(identifier) if isinstance(identifier, int) else None,
    )


def _check_kpi(kpi: object) -> str:
    if not isinstance(kpi, str) or kpi not in BY_ID:
        raise InputError(f"Unknown KPI {kpi!r} in the goal; use one of {', '.join(KPI_ORDER)}.")
    return kpi


def _check_objective(objective: object) -> str:
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        raise InputError(f"Unknown objective {objective!r} in the goal; use one of {', '.join(OBJECTIVES)}.")
    return objective


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise InputError(f"The goal ends ({end}) before it starts ({start}): swap or fix the dates.")


def _day(value: Any, key: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"The goal's {key} {value!r} is not a date: write it as YYYY-MM-DD.") from None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(f"The goal's {what} must be a number, not {value!r}.")
    return float(value)


def _target(value: Any) -> Target:
    if isinstance(value, dict):
        if "value" in value:
            return Target(value=_number(value["value"], "target value"))
        if "change" in value:
            baseline = value.get("baseline") or {}
            if not isinstance(baseline, dict):
                raise InputError('The target\'s baseline is {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}.')
            low = _day(baseline.get("start", value.get("baseline_start")), "baseline start")
            high = _day(baseline.get("end", value.get("baseline_end")), "baseline end")
            return Target(change=_number(value["change"], "target change"), baseline_start=low, baseline_end=high)
        raise InputError('The target is a number, {"value": N}, or {"change": 0.2} for +20% vs a baseline.')
    if value is None:
        raise InputError('The goal has no target: give a number, or {"change": 0.2} for +20% vs a baseline.')
    return Target(value=_number(value, "target"))


def _where(value: Any) -> dict[str, tuple[str, ...]]:
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise InputError('The goal\'s "where" maps a dimension to a list of values, e.g. {"channel": ["Email"]}.')
    scope: dict[str, tuple[str, ...]] = {}
    for dimension, values in value.items():
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not all(isinstance(v, (str, int, float)) for v in listed):
            raise InputError(f'The goal\'s scope for {dimension!r} must be a list of values, e.g. ["Email"].')
        if listed:
            scope[str(dimension)] = tuple(str(v) for v in listed)
    return scope
