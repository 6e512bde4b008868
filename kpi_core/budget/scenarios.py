"""Named budget scenarios: a split per channel, saved in the workspace and compared side by side."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_core.budget.model import BudgetModel
from kpi_core.budget.whatif import compare, project
from kpi_core.errors import InputError
from kpi_core.workspace.documents import Collection

if TYPE_CHECKING:
    from kpi_core.workspace import Workspace

CURRENT = "Current split"
MAX_NAME = 80


@dataclass(frozen=True)
class Scenario:
    name: str
    target: str
    grain: str
    spends: dict[str, float]  # per period, by channel
    note: str = ""
    id: int | None = None
    created: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        name = self.name.strip()
        if not name:
            raise InputError("Give the scenario a name.")
        if len(name) > MAX_NAME:
            raise InputError(f"A scenario name has at most {MAX_NAME} characters.")
        if not self.spends:
            raise InputError("A scenario needs a spend for at least one channel.")
        if any(v < 0 or v != v for v in self.spends.values()):
            raise InputError("Scenario spends must be zero or more.")
        object.__setattr__(self, "name", name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "grain": self.grain, "spends": self.spends, "note": self.note}


def scenario_from_dict(data: Any, scenario_id: int | None = None) -> Scenario:
    if not isinstance(data, dict):
        raise InputError("A scenario is a JSON object with name, target, grain and spends.")
    name = str(data.get("name", ""))
    spends = data.get("spends")
    if not isinstance(spends, dict) or not spends:
        raise InputError("A scenario needs a spend for at least one channel.")
    try:
        clean = {str(k): float(v) for k, v in spends.items()}
    except (TypeError, ValueError):
        raise InputError("Every scenario spend must be a number.") from None
    return Scenario(
        name,
        str(data.get("target", "revenue")),
        str(data.get("grain", "week")),
        clean,
        str(data.get("note", "")),
        scenario_id,
    )


def _decode(spec: dict[str, Any], scenario_id: int, created: datetime) -> Scenario:
    return replace(scenario_from_dict(spec, scenario_id), created=str(created))


# Names are unique (case aside): saving under a taken name replaces that scenario.
SCENARIOS: Collection[Scenario] = Collection(
    "budget_scenarios", "scenario", Scenario.to_dict, _decode, unique_name=lambda s: s.name
)


def budget_scenarios(ws: Workspace) -> list[Scenario]:
    return ws.documents(SCENARIOS)


def save_budget_scenario(ws: Workspace, scenario: Scenario) -> Scenario:
    """Add a scenario, or replace the one with the same name."""
    return ws.save_document(SCENARIOS, scenario)


def delete_budget_scenario(ws: Workspace, scenario_id: int) -> None:
    ws.delete_document(SCENARIOS, scenario_id)


def compare_scenarios(model: BudgetModel, scenarios: list[Scenario], gross_margin: float = 1.0) -> pd.DataFrame:
    """One row per scenario (the current split first): spend, projected outcome with its interval,
    efficiency, and the change against the current split with its chance of gaining. Scenarios
    saved for another target or grain are left out; channels a scenario does not name stay at
    their current spend."""
    now = project(model, model.current())
    rows = []
    spends_now = {c.channel: float(c.current_spend) for c in model.channels}
    for scenario in [Scenario(CURRENT, model.target, model.grain, spends_now), *scenarios]:
        if (scenario.target, scenario.grain) != (model.target, model.grain):
            continue
        projection = now if scenario.name == CURRENT and scenario.id is None else project(model, scenario.spends)
        change = compare(now, projection)
        low, high = projection.interval
        spend = projection.spend
        row: dict[str, Any] = {
            "scenario": scenario.name,
            "spend": spend,
            "outcome": projection.outcome,
            "outcome_low": low,
            "outcome_high": high,
            "change": change.gain,
            "change_pct": change.gain / now.outcome if now.outcome else None,
            "probability_of_gain": change.probability if scenario.id is not None else None,
        }
        if model.money_target:
            row["roas"] = projection.outcome / spend if spend else None
            row["romi"] = (projection.outcome * gross_margin - spend) / spend if spend else None
        else:
            row["cost_per_outcome"] = spend / projection.outcome if projection.outcome else None
        row.update({f"spend: {c.channel}": c.spend for c in projection.channels})
        rows.append(row)
    return pd.DataFrame(rows)
