"""What the Budget page shows, computed here so the page only lays it out: labels, the headline
tiles of a projection (with ROMI or the cost per outcome), slider ranges, and the bounds a user typed
into the limits table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from kpi_core.budget.frames import projection_table
from kpi_core.budget.model import BudgetModel, ChannelCurve
from kpi_core.budget.plan import BudgetPlan, Objective
from kpi_core.budget.whatif import Projection, chance
from kpi_core.mapping.roles import PERFORMANCE_ROLES
from kpi_core.messages import (
    BUDGET_EVIDENCE,
    BUDGET_NOT_ENOUGH_EVIDENCE,
    BUDGET_RECOMMEND,
    BUDGET_SENSITIVITY_FAILS,
    BUDGET_SENSITIVITY_HOLDS,
)
from kpi_core.metrics.format import money

OBJECTIVES: dict[str, Objective] = {
    "Best split of a budget": "max_outcome",
    "Spend while returns beat a target": "target_return",
    "Least budget to reach a goal": "goal",
}
ROLE_LABELS = {r.id: r.label for r in PERFORMANCE_ROLES}
SHORT_LABELS = {
    "revenue": "Revenue", "pipeline": "Pipeline", "customers": "Customers", "opportunities": "Opportunities",
    "sqls": "SQLs", "mqls": "MQLs", "leads": "Leads", "clicks": "Clicks",
}  # fmt: skip
Bounds = dict[str, tuple[float | None, float | None]]

INTRO = (
    "Where should the next dollar go? Each channel's response curve is fitted from your history; the optimiser "
    "finds the split that earns the most, and every what-if answers at once. Spends are per period."
)
NEED_DATA = (
    "Map a performance dataset with spend per channel first: upload it on **Data**, then check it on **Mapping**. "
    "Or load the sample data from **Home**."
)
NEED_OUTCOME = (
    "The mapped data has no spend, or no outcome (revenue, customers, SQLs...) to optimise for. Map them on "
    "**Mapping**."
)
WEAKLY_IDENTIFIED = (
    "Your data records {outcome} only in total, not per channel, so all channels were fitted together with a "
    "baseline (trend and season). The split between channels is **weakly identified**: treat the curves as a first "
    "guess and test big moves before making them (model R² {r2:.2f})."
)
CURVES_METHOD = (
    "Curves: S-shaped (Hill) `base + beta × s^a / (s^a + K^a)` or concave (exponential) `base + beta × (1 − e^(−s/K))`, "
    "chosen per channel by AICc; s is spend per period with carry-over `(1 − d) × Σ d^k × spend[t−k]`. Intervals are "
    "90%, from 200 block-bootstrap refits (40 for joint fits). Beyond a channel's largest spend the curve is unknown: "
    "the optimiser stops there unless you allow it."
)
CURVE_GRID_NOTE = (
    "Dots: past periods (spend with carry-over). Line and band: the fitted curve and its 90% range. Shaded: beyond "
    "the largest spend the channel has had, where the curve is a guess."
)
ALREADY_BEST = "The current split is already the best the curves can find within these bounds."
METHOD_NOTE = "Method: {method}. 'free' channels share one marginal return; the others stop at a limit."


def fit_title(model: BudgetModel, held: list[str]) -> str:
    title = f"How the curves were fitted: {len(model.channels)} channels, {len(model.periods)} {model.grain}s"
    return title + (f", {len(held)} held at current spend" if held else "")


def outcome_label(target: str) -> str:
    return ROLE_LABELS.get(target, target.replace("_", " ").capitalize())


def short_label(target: str) -> str:
    return SHORT_LABELS.get(target, target.replace("_", " ").capitalize())


def amount(value: float, target: str, currency: str) -> str:
    """An outcome as shown: money for revenue and pipeline, a count with one decimal otherwise."""
    return money(value, currency) if target in ("revenue", "pipeline") else f"{value:,.1f}"


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: Literal["normal", "off"] = "normal"  # "off": a change that is neither good nor bad


@dataclass(frozen=True)
class Headline:
    tiles: tuple[Tile, Tile, Tile, Tile]
    note: str  # the projection's range, and the evidence for a change when there is one


def headline(
    model: BudgetModel,
    current: Projection,
    spend: float,
    outcome: float,
    interval: tuple[float, float],
    change: float,
    probability: float | None,
    gross_margin: float,
    currency: str,
) -> Headline:
    """The four tiles over a projected split: spend, outcome, change vs current, and ROMI (money
    outcomes: (revenue x gross margin - spend) / spend) or the cost per outcome (CAC for customers)."""
    target, period = model.target, model.grain
    low, high = amount(interval[0], target, currency), amount(interval[1], target, currency)
    moved = abs(spend - current.spend) > 0.5
    tiles: list[Tile] = [
        Tile(f"Spend per {period}", money(spend, currency), money(spend - current.spend, currency) if moved else None,
             delta_color="off"),
        Tile(f"{short_label(target)} per {period}", amount(outcome, target, currency),
             help=f"Projected; 90% range {low} to {high}"),
        Tile("Change vs current", amount(change, target, currency),
             f"{change / current.outcome:+.1%}" if current.outcome else None),
    ]  # fmt: skip
    if model.money_target:
        romi = (outcome * gross_margin - spend) / spend if spend else None
        tiles.append(Tile("ROMI", f"{romi:.0%}" if romi is not None else "—",
                          help="(revenue × gross margin − spend) / spend, at the projected outcome"))  # fmt: skip
    else:
        cost = spend / outcome if outcome else None
        label = "CAC" if target == "customers" else f"Cost per {short_label(target).rstrip('s')}"
        tiles.append(Tile(label, money(cost, currency) if cost is not None else "—"))
    note = f"90% range of the projection: {low} to {high}."
    if probability is not None:
        note += " " + BUDGET_EVIDENCE.format(chance=chance(probability))
    return Headline((tiles[0], tiles[1], tiles[2], tiles[3]), note)


def limits_table(model: BudgetModel) -> pd.DataFrame:
    """The limits editor's starting table: one row per channel, no limits, held channels locked."""
    return pd.DataFrame({
        "channel": model.names,
        "current": [c.current_spend for c in model.channels],
        "minimum": [None] * len(model.channels),
        "maximum": [None] * len(model.channels),
        "locked": [c.held for c in model.channels],
    })  # fmt: skip


def bounds_from_table(edited: pd.DataFrame, model: BudgetModel) -> tuple[Bounds, set[str]]:
    """The bounds and locked channels a user typed (an empty cell is no limit; channels the model
    holds anyway are not "locked" by the user)."""
    bounds: Bounds = {
        row.channel: (None if pd.isna(row.minimum) else float(row.minimum),
                      None if pd.isna(row.maximum) else float(row.maximum))
        for row in edited.itertuples()
        if not (pd.isna(row.minimum) and pd.isna(row.maximum))
    }  # fmt: skip
    locked = {row.channel for row in edited.itertuples() if row.locked and not model.channel(row.channel).held}
    return bounds, locked


@dataclass(frozen=True)
class SliderRange:
    top: float  # the largest spend a slider may stand at
    maximum: float  # the slider's end (at least one step)
    step: float  # two significant digits of the range


def slider_range(curve: ChannelCurve, beyond: bool) -> SliderRange:
    """Up to the largest spend the channel has had (twice that when the user allows going beyond)."""
    top = curve.cap * (2 if beyond else 1)
    step = max(1.0, float(10 ** np.floor(np.log10(max(top, 1.0)) - 2)))
    return SliderRange(top, float(max(top, step)), step)


def slider_start(curve: ChannelCurve, remembered: float | None, allowed: SliderRange) -> float:
    """Where a slider stands: its remembered value (or today's spend), within its range."""
    return min(float(remembered if remembered is not None else curve.current_spend), allowed.top)


def scenario_splits(table: pd.DataFrame, model: BudgetModel) -> dict[str, np.ndarray]:
    """Each compared scenario's spends, by channel in the model's order (from compare_scenarios)."""
    spends = table[[f"spend: {n}" for n in model.names]].to_numpy(dtype=float)
    return dict(zip(table["scenario"], spends))


def budget_step(spend: float) -> float:
    """The total budget input's step: about 1% of today's spend."""
    return max(1.0, float(round(spend / 100)))


def goal_default(targets: dict[str, float], chosen: str | None, current: Projection) -> float:
    """The goal input's start: the chosen goal's target, else 10% above today's outcome (2 decimals)."""
    return float(round(targets[chosen] if chosen else current.outcome * 1.1, 2))


def recommended_table(plan: BudgetPlan, model: BudgetModel, gross_margin: float) -> pd.DataFrame:
    """The recommended split per channel, with the limit that binds it ("free": none)."""
    table = projection_table(plan.recommended, model, gross_margin)
    table.insert(2, "limit", [b or "free" for b in plan.allocation.binding()])
    return table


def beyond_cap_warnings(projection: Projection, model: BudgetModel, currency: str) -> list[tuple[str, str]]:
    """(channel, its largest spend) for every channel projected beyond the spends it has had."""
    return [(p.channel, money(model.channel(p.channel).cap, currency)) for p in projection.channels if p.beyond_cap]


@dataclass(frozen=True)
class Verdict:
    recommend: bool  # a gain with enough evidence: shown as a success
    text: str
    icon: str


def verdict(plan: BudgetPlan, model: BudgetModel, currency: str) -> Verdict:
    """What to say of a recommendation: move (a gain, with enough evidence), nothing to move, or not
    enough evidence yet."""
    change = plan.change
    if change.enough_evidence and change.gain > 0:
        gain = amount(change.gain, model.target, currency)
        text = BUDGET_RECOMMEND.format(chance=chance(change.probability), gain=gain, grain=model.grain)
        return Verdict(True, text, ":material/thumb_up:")
    if np.allclose(plan.allocation.spends, model.current()):
        return Verdict(False, ALREADY_BEST, ":material/check_circle:")
    return Verdict(False, BUDGET_NOT_ENOUGH_EVIDENCE.format(chance=chance(change.probability)), ":material/help:")


def sensitivity_note(plan: BudgetPlan, model: BudgetModel, currency: str) -> str:
    """Whether the recommendation still gains when every curve is flatter."""
    gain = plan.sensitivity.gain
    if plan.sensitivity.holds:
        return BUDGET_SENSITIVITY_HOLDS.format(gain=amount(gain, model.target, currency), grain=model.grain)
    return BUDGET_SENSITIVITY_FAILS.format(loss=amount(-gain, model.target, currency), grain=model.grain)


def default_target_return(model: BudgetModel) -> float:
    """A target ROAS of 2 for money outcomes; one outcome per unit of spend otherwise."""
    return 2.0 if model.money_target else 1.0
