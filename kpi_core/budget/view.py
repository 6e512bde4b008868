"""What the Budget page shows, computed here so the page only lays it out: labels, the headline
tiles of a projection (with ROMI or the cost per outcome), slider ranges, and the bounds a user typed
into the limits table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpi_core.budget.adjust import moved_spends
from kpi_core.budget.frames import fit_summary, projection_table
from kpi_core.budget.model import BudgetModel, ChannelCurve
from kpi_core.budget.plan import BudgetPlan, Objective
from kpi_core.budget.whatif import Projection, chance
from kpi_core.mapping.roles import PERFORMANCE_ROLES
from kpi_core.messages import BUDGET_SENSITIVITY_FAILS, BUDGET_SENSITIVITY_HOLDS, BUDGET_SENSITIVITY_SAME
from kpi_core.metrics.format import (
    EMPTY,
    SYMBOLS,
    Column,
    DisplayTable,
    compact,
    count,
    format_change,
    is_empty,
    money,
    percent,
    ratio,
    unit_cost,
)

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
    "baseline (trend and season). Which channel earns what is therefore **a first guess**: test big moves before "
    "making them (the model explains {explained} of the ups and downs of the total)."
)
CURVES_METHOD = (
    "Each channel gets the curve that fits its history best: **S-shaped** (slow start, then rising, then flat) or "
    "**concave** (every extra dollar earns a little less). Spend keeps working for a few periods (carry-over). "
    "Ranges are 90%: the curves were refitted to 200 resampled histories (40 when fitted together), and the range "
    "holds the middle 90% of their answers. **Fit** is the share of the ups and downs the curve explains "
    "(statisticians write R²): under 0.2 the curve barely explains the history. Beyond a channel's largest spend the "
    "curve is unknown: the optimiser stops there unless you allow it."
)
CURVES_FORMULAS = (
    "Formulas: S-shaped (Hill) `base + beta × s^a / (s^a + K^a)`, concave (exponential) "
    "`base + beta × (1 − e^(−s/K))`, chosen per channel by AICc (a fit score that penalises extra parameters); s is "
    "spend per period with carry-over `(1 − d) × Σ d^k × spend[t−k]`; ranges from block-bootstrap refits."
)
DOUBT_R2 = 0.2
"""Below this share of the history explained, a chance of gaining says more about the curves than about the world."""
FIT_HELP = (
    "Fit (R²): the share of the period-to-period ups and downs in the outcome that the curve explains. 1 is a "
    "perfect fit; under 0.2 the curve barely explains the history."
)
CHANCE_HELP = (
    "The share of the 200 refitted curves under which the split gains: how sure the curves are, not how sure the "
    "world is. When the curves explain little of the history, this chance is a statement about the model."
)
CURVE_GRID_NOTE = (
    "Dots: past periods (spend with carry-over). Line and band: the fitted curve and its 90% range. Shaded: beyond "
    "the largest spend the channel has had, where the curve is a guess."
)
ALREADY_BEST = "Keep the current split: it is already the best the curves can find within these bounds."
METHOD_NOTE = (
    "Found by {method}. Channels marked Free end where the next dollar earns the same in each; the others stop at "
    "a limit."
)
MARGINAL_NOTE = (
    "The bars show what one more dollar would earn in each channel, today (grey) and in the proposed split (blue), "
    "with its 90% range. The best split moves money until the next dollar earns about the same everywhere it is "
    "free to move."
)
LIMIT_LABELS = {
    "held": "Held at current",
    "at minimum": "At its minimum",
    "at maximum": "At its maximum",
    "free": "Free",
    "": "Free",
}


@dataclass(frozen=True)
class Doubt:
    """Why a chance of gaining must not be read as a chance about the world: the curves of ``channels``
    explain at most ``explained`` of the history (R²), or they were fitted together from a total."""

    channels: tuple[str, ...]
    explained: float
    joint: bool = False

    def reason(self, grain: str) -> str:
        """'the curves explain only 7% of the week-to-week ups and downs of LinkedIn Ads and Google Ads'"""
        share = percent(max(self.explained, 0.0), 0)
        if self.joint:
            return (
                f"the channels were fitted together from a total, and the model explains only {share} of its "
                f"{grain}-to-{grain} ups and downs"
            )
        names = _names(self.channels)
        return f"the curves explain only {share} of the {grain}-to-{grain} ups and downs of {names}"


def _names(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) > 3:
        return f"{', '.join(names[:3])} and {len(names) - 3} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def moved_channels(model: BudgetModel, spends: np.ndarray) -> list[str]:
    """The channels whose spend differs from today's (by more than half a unit of money)."""
    return list(moved_spends(model, spends))


def model_doubt(model: BudgetModel, channels: Iterable[str] | None = None) -> Doubt | None:
    """The model-doubt signal behind a stated chance: a joint fit explaining under DOUBT_R2, or the fitted
    (not held) channels among ``channels`` (default: all) whose curve explains under DOUBT_R2. None: no doubt."""
    if model.weakly_identified:
        if model.r2 is None or model.r2 < DOUBT_R2:
            return Doubt(tuple(model.names), model.r2 or 0.0, joint=True)
        return None
    wanted = set(model.names if channels is None else channels)
    weak = [
        c for c in model.channels if c.channel in wanted and not c.held and (c.fit.r2 is None or c.fit.r2 < DOUBT_R2)
    ]
    if not weak:
        return None
    return Doubt(tuple(c.channel for c in weak), max(c.fit.r2 or 0.0 for c in weak))


def chance_sentence(probability: float, doubt: Doubt | None, grain: str) -> str:
    """The chance of gaining as a sentence that never overclaims: with a doubt, it says the chance is
    about the model."""
    if doubt is None:
        return f"The curves give this move {chance(probability)} chance of gaining."
    return (
        f"The curves give this move {chance(probability)} chance of gaining, but {doubt.reason(grain)}: that chance "
        "is a statement about the model, not about the world."
    )


def weakly_identified_text(model: BudgetModel, outcome: str) -> str:
    return WEAKLY_IDENTIFIED.format(outcome=outcome, explained=percent(max(model.r2 or 0.0, 0.0), 0))


def fit_title(model: BudgetModel, held: list[str]) -> str:
    title = f"How the curves were fitted: {len(model.channels)} channels, {len(model.periods)} {model.grain}s"
    return title + (f", {len(held)} held at current spend" if held else "")


def outcome_label(target: str) -> str:
    return ROLE_LABELS.get(target, target.replace("_", " ").capitalize())


def short_label(target: str) -> str:
    return SHORT_LABELS.get(target, target.replace("_", " ").capitalize())


def outcome_words(target: str) -> str:
    """The outcome inside a sentence: 'revenue', 'customers', but 'SQLs' and 'MQLs' as written."""
    label = short_label(target)
    return label if label[:2].isupper() else label.lower()


def amount_with_unit(value: float, target: str, currency: str) -> str:
    """'$77,903' for money outcomes, '17.4 SQLs' otherwise: a number in a sentence always has its unit."""
    text = amount(value, target, currency)
    return text if target in ("revenue", "pipeline") else f"{text} {outcome_words(target)}"


def amount(value: float, target: str, currency: str) -> str:
    """An outcome as shown: money for revenue and pipeline, a count with one decimal otherwise."""
    return money(value, currency) if target in ("revenue", "pipeline") else f"{value:,.1f}"


def tile_amount(value: float, target: str, currency: str) -> str:
    """A tile's outcome: short from 100,000 up ($256K), so four tiles fit a 1024-pixel screen."""
    if abs(value) < 100_000:
        return amount(value, target, currency)
    if target in ("revenue", "pipeline"):
        symbol = SYMBOLS.get(currency.upper())
        return compact(value, prefix=symbol or "", suffix="" if symbol else f" {currency}")
    return compact(value)


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: Literal["normal", "off"] = "normal"  # "off": a change that is neither good nor bad
    # (the tile of a projection)


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
    moved: Sequence[str] | None = None,
) -> Headline:
    """The four tiles over a projected split: spend, outcome, change vs current, and ROMI (money
    outcomes: (revenue x gross margin - spend) / spend) or the cost per outcome (CAC for customers).
    ``moved``: the channels whose spend changed (the doubt of the chance looks at them; default all)."""
    target, period = model.target, model.grain
    low, high = amount(interval[0], target, currency), amount(interval[1], target, currency)
    total_moved = abs(spend - current.spend) > 0.5
    tiles: list[Tile] = [
        Tile(f"Spend per {period}", money(spend, currency),
             money(spend - current.spend, currency) if total_moved else None,
             delta_color="off"),
        Tile(f"{short_label(target)} per {period}", tile_amount(outcome, target, currency),
             help=f"Projected: {amount(outcome, target, currency)}; 90% range {low} to {high}"),
        Tile("Change vs current", tile_amount(change, target, currency),
             format_change(change / current.outcome) if current.outcome and abs(change) >= 0.005 else None),
    ]  # fmt: skip
    if model.money_target:
        romi = (outcome * gross_margin - spend) / spend if spend else None
        tiles.append(Tile("ROMI", f"{romi:.0%}" if romi is not None else "—",
                          help="(revenue × gross margin − spend) / spend, at the projected outcome"))  # fmt: skip
    else:
        cost = spend / outcome if outcome else None
        label = "CAC" if target == "customers" else f"Cost per {short_label(target).rstrip('s')}"
        tiles.append(Tile(label, unit_cost(cost, currency) if cost is not None else "—"))
    note = f"90% range of the projection: {low} to {high}."
    if probability is not None:
        note += " " + chance_sentence(probability, model_doubt(model, moved), period)
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


def slider_format(currency: str) -> str:
    """How a what-if slider writes its spend: with the currency and thousands separators."""
    return {"USD": "dollar", "EUR": "euro"}.get(currency.upper(), "localized")


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
    recommend: bool  # a gain with enough evidence and no model doubt: shown as a success
    text: str
    icon: str
    tone: Literal["success", "info", "warning"] = "info"


def verdict(plan: BudgetPlan, model: BudgetModel, currency: str) -> Verdict:
    """What to do with a recommendation, in one sentence that leads: move (a gain, enough evidence,
    curves that explain the history), test it first (the same, but the curves explain little: the
    chance is about the model), keep the current split (nothing to move, or not enough evidence)."""
    change, grain, outcome = plan.change, model.grain, outcome_words(model.target)
    doubt = model_doubt(model, moved_channels(model, plan.allocation.spends))
    if change.enough_evidence and change.gain > 0:
        gain = amount(change.gain, model.target, currency)
        low, high = amount(change.gain_low, model.target, currency), amount(change.gain_high, model.target, currency)
        if doubt is None:
            text = (
                f"Move to this split: it should add about {gain} {outcome} per {grain} (90% range {low} to {high}); "
                f"the curves give it {chance(change.probability)} chance of gaining."
            )
            return Verdict(True, text, ":material/thumb_up:", "success")
        text = (
            f"Test this split before moving the whole budget: it projects about {gain} more {outcome} per "
            f"{grain}, but {doubt.reason(grain)}, so their {chance(change.probability).removeprefix('a ').removeprefix('an ')} "
            f"chance of gaining is a statement about the model, not about the world. Move one channel for a few "
            f"{grain}s and compare before moving the rest."
        )
        return Verdict(False, text, ":material/science:", "warning")
    if np.allclose(plan.allocation.spends, model.current()):
        return Verdict(False, ALREADY_BEST, ":material/check_circle:", "info")
    caveat = f" Besides, {doubt.reason(grain)}." if doubt is not None else ""
    text = (
        f"Keep the current split: the curves give this move only {chance(change.probability)} chance of gaining "
        f"(a recommendation needs 80%). Test the move on one channel first.{caveat}"
    )
    return Verdict(False, text, ":material/help:", "info")


def sensitivity_note(plan: BudgetPlan, model: BudgetModel, currency: str) -> str:
    """Whether the recommendation still gains when every curve is flatter."""
    gain = plan.sensitivity.gain
    if round(abs(gain), 2 if model.money_target else 1) == 0:  # shown, it would read "-0.0 leads"
        return BUDGET_SENSITIVITY_SAME.format(grain=model.grain)
    if plan.sensitivity.holds:
        return BUDGET_SENSITIVITY_HOLDS.format(gain=amount_with_unit(gain, model.target, currency), grain=model.grain)
    return BUDGET_SENSITIVITY_FAILS.format(loss=amount_with_unit(-gain, model.target, currency), grain=model.grain)


def default_target_return(model: BudgetModel) -> float:
    """A target ROAS of 2 for money outcomes; one outcome per unit of spend otherwise."""
    return 2.0 if model.money_target else 1.0


# --- tables as people read them --------------------------------------------------------------------

Format = Callable[[Any], str]
Spec = tuple[str, str, str, Format, str | None]


def _empty_or(show: Format) -> Format:
    return lambda v: EMPTY if is_empty(v) or v == "" else show(v)


def table(frame: pd.DataFrame, spec: Sequence[Spec]) -> DisplayTable:
    """A DisplayTable from (column, label, unit, formatter, help) rows, for the columns ``frame`` has."""
    columns = []
    for name, header, unit, show, help_text in spec:
        if name not in frame.columns:
            continue
        shown = _empty_or(show)
        longest = max((len(shown(v)) for v in frame[name]), default=0)
        columns.append(Column(name, header, unit, shown, max(longest, len(header)), help_text))
    return DisplayTable(frame.reset_index(drop=True), tuple(columns))


def _outcome_format(model: BudgetModel, currency: str, signed: bool = False) -> Format:
    def show(value: Any) -> str:
        text = money(value, currency) if model.money_target else count(value)
        return ("+" + text) if signed and value > 0 else text

    return show


def _efficiency_specs(model: BudgetModel, currency: str) -> list[Spec]:
    single = short_label(model.target).rstrip("s")
    return [
        ("roas", "ROAS", "ratio", ratio, "Revenue ÷ spend"),
        ("romi", "ROMI", "percent", lambda v: percent(v, 0), "(Revenue × gross margin − spend) ÷ spend"),
        ("cost_per_outcome", "CAC" if model.target == "customers" else f"Cost per {single}", "currency",
         lambda v: unit_cost(v, currency), None),
    ]  # fmt: skip


def projection_display(frame: pd.DataFrame, model: BudgetModel, currency: str) -> DisplayTable:
    """A projection table (``frames.projection_table`` or ``recommended_table``) in words and units."""
    short, period = short_label(model.target), model.grain
    shown = frame.copy()
    if "marginal_return" in shown.columns and not model.money_target:
        shown["marginal_return"] = shown["marginal_return"] * 1000  # SQLs per 1,000 of spend read better
    if "limit" in shown.columns:
        shown["limit"] = [LIMIT_LABELS.get(str(v), str(v)) for v in shown["limit"]]
    if "beyond_cap" in shown.columns:
        shown["beyond_cap"] = ["Yes" if v else "No" for v in shown["beyond_cap"]]
    next_unit = money(1, currency, 0) if model.money_target else money(1000, currency)
    outcome = _outcome_format(model, currency)
    spec: list[Spec] = [
        ("channel", "Channel", "text", str, None),
        ("spend", f"Spend / {period}", "currency", lambda v: money(v, currency), None),
        ("spend_change", "Spend vs current", "percent", lambda v: format_change(v) or EMPTY, None),
        ("limit", "Limit", "text", str, "Free: the next dollar earns the same as in the other free channels"),
        ("outcome", f"{short} / {period}", "number", outcome, "Projected by the channel's curve"),
        ("outcome_change", "Change vs current", "number", _outcome_format(model, currency, signed=True), None),
        ("outcome_low", "Low (90%)", "number", outcome, "90% range of the projection"),
        ("outcome_high", "High (90%)", "number", outcome, "90% range of the projection"),
        ("marginal_return", f"{short} from the next {next_unit}", "number",
         (lambda v: money(v, currency, 2)) if model.money_target else count,
         "What one more unit of spend would earn at this spend (the marginal return)"),
        *_efficiency_specs(model, currency),
        ("beyond_cap", "Beyond largest spend", "text", str, "Beyond the largest spend the channel has had: a guess"),
    ]  # fmt: skip
    return table(shown, spec)


def _carry_over(decay: float) -> str:
    return f"{decay:.0%}"


def fit_display(model: BudgetModel, currency: str) -> DisplayTable:
    """How each channel's curve was fitted (``frames.fit_summary``), in words and units."""
    period = model.grain
    spec: list[Spec] = [
        ("channel", "Channel", "text", str, None),
        ("curve", "Curve", "text", str, "S-shaped: slow start, then rising, then flat. Concave: each extra dollar "
         "earns a little less"),
        ("r2", "Fit (R²)", "number", lambda v: f"{max(float(v), 0.0):.2f}", FIT_HELP),
        ("points", f"{period.capitalize()}s used", "count", count, None),
        ("carry_over", "Carry-over", "percent", _carry_over, f"Share of a {period}'s effect that carries into the next"),
        ("current_spend", f"Current spend / {period}", "currency", lambda v: money(v, currency), "Average per period"),
        ("cap", f"Largest spend / {period}", "currency", lambda v: money(v, currency), "Beyond it the curve is a guess"),
        ("notes", "Notes", "text", str, None),
    ]  # fmt: skip
    return table(fit_summary(model), spec)


def scenario_display(frame: pd.DataFrame, model: BudgetModel, currency: str) -> DisplayTable:
    """The scenario comparison (``scenarios.compare_scenarios``) in words and units."""
    short, period = short_label(model.target), model.grain
    outcome = _outcome_format(model, currency)
    doubt = model_doubt(model)
    chance_help = CHANCE_HELP + (f" Here {doubt.reason(period)}." if doubt is not None else "")
    spec: list[Spec] = [
        ("scenario", "Scenario", "text", str, None),
        ("spend", f"Spend / {period}", "currency", lambda v: money(v, currency), None),
        ("outcome", f"{short} / {period}", "number", outcome, None),
        ("outcome_low", "Low (90%)", "number", outcome, "90% range of the projection"),
        ("outcome_high", "High (90%)", "number", outcome, "90% range of the projection"),
        ("change", "Change vs current", "number", _outcome_format(model, currency, signed=True), None),
        ("change_pct", "Change %", "percent", lambda v: format_change(v) or EMPTY, None),
        ("probability_of_gain", "Chance of gaining (per the curves)", "percent", _chance_cell, chance_help),
        *_efficiency_specs(model, currency),
        *[(f"spend: {n}", f"{n} spend", "currency", lambda v: money(v, currency), None) for n in model.names],
    ]  # fmt: skip
    return table(frame, spec)


def _chance_cell(probability: float) -> str:
    return chance(probability).removeprefix("an ").removeprefix("a ")
