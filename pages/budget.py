"""Budget: fitted response curves per channel, the best split, instant what-ifs and saved scenarios."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from kpi_core.budget import BudgetModel, BudgetPlan, compare, project, recommend, target_options
from kpi_core.budget.frames import (
    allocation_frame, curves_frame, fit_summary, marginal_frame, projection_table, waterfall_frame,
)
from kpi_core.budget.model import cached_model
from kpi_core.budget.plan import FLATTER
from kpi_core.goals.progress import goal_per_period
from kpi_core.budget.scenarios import Scenario, compare_scenarios
from kpi_core.budget.whatif import chance
from kpi_core.errors import InputError
from kpi_core.messages import (
    BUDGET_BEYOND_CAP, BUDGET_EVIDENCE, BUDGET_NOT_ENOUGH_EVIDENCE, BUDGET_RECOMMEND, BUDGET_SENSITIVITY_FAILS,
    BUDGET_SENSITIVITY_HOLDS,
)
from kpi_core.metrics.format import money
from kpi_core.mapping.roles import PERFORMANCE_ROLES
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.report.export import to_csv
from pages import _session
from kpi_core.budget.scenarios import budget_scenarios, delete_budget_scenario, save_budget_scenario
from kpi_core.goals.saved import goals as saved_goals

OBJECTIVES = {
    "Best split of a budget": "max_outcome",
    "Spend while returns beat a target": "target_return",
    "Least budget to reach a goal": "goal",
}
SPLIT_COLORS = {"Current": "#8c8c8c", "Proposed": "#1f77b4"}
PROJECTION_COLUMNS = {
    "channel": "Channel", "spend": st.column_config.NumberColumn("Spend", format="%,.0f"),
    "outcome": st.column_config.NumberColumn("Outcome", format="%,.1f"),
    "outcome_change": st.column_config.NumberColumn("Change vs current", format="%+,.1f"),
    "outcome_low": st.column_config.NumberColumn("Low", format="%,.1f"),
    "outcome_high": st.column_config.NumberColumn("High", format="%,.1f"),
    "marginal_return": st.column_config.NumberColumn("Marginal return", format="%.4g"),
    "roas": st.column_config.NumberColumn("ROAS", format="%.2fx"),
    "romi": st.column_config.NumberColumn("ROMI", format="percent"),
    "cost_per_outcome": st.column_config.NumberColumn("Cost per outcome", format="%,.2f"),
    "beyond_cap": "Extrapolated",
}


def split_colors(splits: dict[str, np.ndarray]) -> alt.Scale:
    """Grey for the current split, blue for a proposal, Altair's palette for named scenarios."""
    names = list(splits)
    if set(names) <= set(SPLIT_COLORS):
        return alt.Scale(domain=names, range=[SPLIT_COLORS[n] for n in names])
    return alt.Scale(domain=names)

ws = _session.workspace()
_session.show_flash()
performance = workspace_performance(ws)
currency = _session.plain(performance.settings.currency)  # typed by a user; only shown in Markdown
gross_margin = performance.settings.gross_margin
st.title("Budget")
st.caption("Where should the next dollar go? Each channel's response curve is fitted from your history; the "
           "optimiser finds the split that earns the most, and every what-if answers at once. Spends are per period.")

if not performance.sources:
    st.info("Map a performance dataset with spend per channel first: upload it on **Data**, then check it on "
            "**Mapping**. Or load the sample data from **Home**.", icon=":material/upload_file:")
    st.stop()
options = target_options(performance)
if not options or "spend" not in performance.measures:
    st.warning("The mapped data has no spend, or no outcome (revenue, customers, SQLs...) to optimise for. Map them "
               "on **Mapping**.", icon=":material/warning:")
    st.stop()


ROLE_LABELS = {r.id: r.label for r in PERFORMANCE_ROLES}
SHORT_LABELS = {"revenue": "Revenue", "pipeline": "Pipeline", "customers": "Customers", "opportunities": "Opportunities",
                "sqls": "SQLs", "mqls": "MQLs", "leads": "Leads", "clicks": "Clicks"}


def outcome_label(target: str) -> str:
    return ROLE_LABELS.get(target, target.replace("_", " ").capitalize())


def short_label(target: str) -> str:
    return SHORT_LABELS.get(target, target.replace("_", " ").capitalize())


def amount(value: float, target: str) -> str:
    return money(value, currency) if target in ("revenue", "pipeline") else f"{value:,.1f}"


settings = st.columns([2, 1, 1, 1])
target = settings[0].selectbox("Outcome to maximise", options, format_func=outcome_label,
                               key=_session.remembered(_session.BUDGET_TARGET, options[0], allowed=options),
                               on_change=_session.remember, args=(_session.BUDGET_TARGET,))
grain = settings[1].radio("Period", ["week", "month"], horizontal=True, format_func=str.capitalize,
                          key=_session.remembered(_session.BUDGET_GRAIN, "week"),
                          on_change=_session.remember, args=(_session.BUDGET_GRAIN,))
adstock = settings[2].toggle("Carry-over", value=True, key=_session.BUDGET_ADSTOCK,
                             help="Spend keeps working for a few periods (adstock); the decay is fitted per channel.")
lag = settings[3].number_input("Lag (periods)", min_value=0, max_value=26, value=0, step=1, key=_session.BUDGET_LAG,
                               help="Periods between spend and outcome. Long B2B cycles: revenue may lag spend by "
                                    "a quarter.")
try:
    with st.spinner("Fitting response curves..."):
        model = cached_model(performance, target, grain, adstock, int(lag))
except InputError as exc:
    st.warning(_session.plain(str(exc)), icon=":material/warning:")
    st.stop()

period = model.grain
outcome_name = _session.plain(outcome_label(model.target).lower())  # custom stages are named by users
current = project(model, model.current())
held = [c.channel for c in model.channels if c.held]

if model.weakly_identified:
    st.warning(
        f"Your data records {outcome_name} only in total, not per channel, so all channels were fitted together "
        f"with a baseline (trend and season). The split between channels is **weakly identified**: treat the "
        f"curves as a first guess and test big moves before making them (model R² {model.r2:.2f}).",
        icon=":material/info:")
summary = fit_summary(model)
with st.expander(f"How the curves were fitted: {len(model.channels)} channels, {len(model.periods)} {period}s"
                 + (f", {len(held)} held at current spend" if held else ""), expanded=bool(held)):
    st.dataframe(summary, hide_index=True, width="stretch", column_config={
        "channel": "Channel", "curve": "Curve", "r2": st.column_config.NumberColumn("R²", format="%.2f"),
        "points": st.column_config.NumberColumn(f"{period.capitalize()}s used"),
        "carry_over": st.column_config.NumberColumn("Carry-over decay", format="%.1f"),
        "current_spend": st.column_config.NumberColumn(f"Current spend / {period}", format="%,.0f"),
        "cap": st.column_config.NumberColumn(f"Largest spend / {period}", format="%,.0f"),
        "notes": st.column_config.TextColumn("Notes", width="large"),
    })
    st.caption("Curves: S-shaped (Hill) `base + beta × s^a / (s^a + K^a)` or concave (exponential) "
               "`base + beta × (1 − e^(−s/K))`, chosen per channel by AICc; s is spend per period with carry-over "
               "`(1 − d) × Σ d^k × spend[t−k]`. Intervals are 90%, from 200 block-bootstrap refits (40 for joint "
               "fits). Beyond a channel's largest spend the curve is unknown: the optimiser stops there unless you "
               "allow it.")


def curve_grid(model: BudgetModel, splits: dict[str, np.ndarray]) -> None:
    """Small multiples, one per channel: observed periods, the fitted curve and its 90% band, the
    splits' spends marked, and the region beyond the largest spend seen shaded."""
    frame = curves_frame(model, splits)
    base = alt.Chart().encode(x=alt.X("spend:Q", title=f"Spend per {period}", axis=alt.Axis(format="~s")))
    y = alt.Y("outcome:Q", title=outcome_label(model.target), axis=alt.Axis(format="~s"))
    layer = alt.datum.layer
    chart = alt.layer(
        base.transform_filter(layer == "beyond").mark_rect(color="#f3e3c3", opacity=0.6).encode(x2="spend_end:Q"),
        base.transform_filter(layer == "curve").mark_area(opacity=0.25, color="#1f77b4").encode(y="low:Q", y2="high:Q"),
        base.transform_filter(layer == "point").mark_circle(size=18, color="#555", opacity=0.45).encode(y=y),
        base.transform_filter(layer == "curve").mark_line(color="#1f77b4").encode(y=y),
        base.transform_filter(layer == "mark").mark_rule(strokeWidth=2).encode(
            color=alt.Color("split:N", scale=split_colors(splits), title=None)),
        base.transform_filter(layer == "mark").mark_point(filled=True, size=90).encode(
            y=y, color=alt.Color("split:N", scale=split_colors(splits), title=None),
            tooltip=[alt.Tooltip("split:N", title="Split"), alt.Tooltip("spend:Q", format=",.0f", title="Spend"),
                     alt.Tooltip("outcome:Q", format=",.1f", title=outcome_label(model.target))]),
        data=frame,
    ).properties(width=320, height=200).facet(
        facet=alt.Facet("channel:N", sort=model.names, title=None, header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=2,
    ).resolve_scale(x="independent", y="independent")
    st.altair_chart(chart)
    st.caption("Dots: past periods (spend with carry-over). Line and band: the fitted curve and its 90% range. "
               "Shaded: beyond the largest spend the channel has had, where the curve is a guess.")


def allocation_chart(model: BudgetModel, splits: dict[str, np.ndarray]) -> alt.Chart:
    frame = allocation_frame(model.names, splits)
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("channel:N", title=None, sort=model.names, axis=alt.Axis(labelLimit=160)),
        yOffset=alt.YOffset("split:N", sort=list(splits)),
        x=alt.X("spend:Q", title=f"Spend per {period}", axis=alt.Axis(format="~s")),
        color=alt.Color("split:N", scale=split_colors(splits), title=None),
        tooltip=[alt.Tooltip("channel:N", title="Channel"), alt.Tooltip("split:N", title="Split"),
                 alt.Tooltip("spend:Q", format=",.0f", title="Spend")],
    ).properties(height=alt.Step(14), title="Spend per channel")


def waterfall_chart(frame: pd.DataFrame) -> alt.Chart:
    colors = alt.Scale(domain=["total", "gain", "loss"], range=["#8c8c8c", "#2ca02c", "#d62728"])
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("step:N", sort=list(frame["step"]), title=None, axis=alt.Axis(labelAngle=-35, labelLimit=120, labelOverlap=False)),
        y=alt.Y("start:Q", title=outcome_label(model.target), axis=alt.Axis(format="~s"), scale=alt.Scale(zero=False)),
        y2="end:Q",
        color=alt.Color("kind:N", scale=colors, legend=None),
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("change:Q", format="+,.1f", title="Change")],
    ).properties(height=300, title=f"Where the change in {outcome_label(model.target).lower()} comes from")


def marginal_chart(frame: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(frame).encode(
        y=alt.Y("channel:N", title=None, sort=model.names, axis=alt.Axis(labelLimit=160)),
        yOffset=alt.YOffset("split:N"),
        color=alt.Color("split:N", scale=split_colors(dict.fromkeys(frame["split"].unique())), title=None))
    bars = base.mark_bar().encode(
        x=alt.X("marginal_return:Q", title=f"{outcome_label(model.target)} from the next 1 of spend"),
        tooltip=[alt.Tooltip("channel:N", title="Channel"), alt.Tooltip("split:N", title="Split"),
                 alt.Tooltip("marginal_return:Q", format=",.4g", title="Marginal return"),
                 alt.Tooltip("low:Q", format=",.4g", title="Low"), alt.Tooltip("high:Q", format=",.4g", title="High")])
    whiskers = base.mark_rule(color="#333").encode(x="low:Q", x2="high:Q")
    return (bars + whiskers).properties(height=alt.Step(14), title="Marginal return: equal at the optimum")


def tiles(spend: float, outcome: float, interval: tuple[float, float], change: float, probability: float | None) -> None:
    columns = st.columns(4)
    columns[0].metric(f"Spend per {period}", money(spend, currency),
                      delta=money(spend - current.spend, currency) if abs(spend - current.spend) > 0.5 else None,
                      delta_color="off")
    columns[1].metric(_session.plain(f"{short_label(model.target)} per {period}"), amount(outcome, model.target),
                      help=f"Projected; 90% range {amount(interval[0], model.target)} to {amount(interval[1], model.target)}")
    columns[2].metric("Change vs current", amount(change, model.target),
                      delta=f"{change / current.outcome:+.1%}" if current.outcome else None)
    if model.money_target:
        romi = (outcome * gross_margin - spend) / spend if spend else None
        columns[3].metric("ROMI", f"{romi:.0%}" if romi is not None else "—",
                          help="(revenue × gross margin − spend) / spend, at the projected outcome")
    else:
        cost = spend / outcome if outcome else None
        label = "CAC" if model.target == "customers" else f"Cost per {short_label(model.target).rstrip('s')}"
        columns[3].metric(_session.plain(label), money(cost, currency) if cost is not None else "—")
    note = f"90% range of the projection: {amount(interval[0], model.target)} to {amount(interval[1], model.target)}."
    if probability is not None:
        note += " " + BUDGET_EVIDENCE.format(chance=chance(probability))
    st.caption(note)


def save_scenario(spends: np.ndarray, key: str, default: str) -> None:
    with st.form(key, clear_on_submit=True, border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        name = left.text_input("Save this split as a scenario", placeholder=default, max_chars=80)
        if right.form_submit_button("Save scenario", icon=":material/bookmark_add:"):
            try:
                saved = save_budget_scenario(ws, Scenario(name.strip() or default, model.target, model.grain,
                                                         dict(zip(model.names, map(float, spends)))))
            except InputError as exc:
                st.error(_session.plain(str(exc)))
            else:
                _session.flash(f"Saved scenario '{saved.name}': compare it on the Scenarios tab.")
                st.rerun()


def bounds_editor() -> tuple[dict[str, tuple[float | None, float | None]], set[str]]:
    frame = pd.DataFrame({
        "channel": model.names,
        "current": [c.current_spend for c in model.channels],
        "minimum": [None] * len(model.channels),
        "maximum": [None] * len(model.channels),
        "locked": [c.held for c in model.channels],
    })
    edited = st.data_editor(
        frame, hide_index=True, width="stretch", key=f"{_session.BUDGET_BOUNDS}_{model.target}_{model.grain}",
        disabled=["channel", "current"],
        column_config={
            "channel": "Channel",
            "current": st.column_config.NumberColumn(f"Current / {period}", format="%,.0f"),
            "minimum": st.column_config.NumberColumn("Minimum", min_value=0.0, format="%,.0f",
                                                     help="Empty: 0"),
            "maximum": st.column_config.NumberColumn("Maximum", min_value=0.0, format="%,.0f",
                                                     help="Empty: the largest spend the channel has had"),
            "locked": st.column_config.CheckboxColumn("Keep as is", help="Hold at the current spend"),
        })
    bounds = {
        row.channel: (None if pd.isna(row.minimum) else float(row.minimum),
                      None if pd.isna(row.maximum) else float(row.maximum))
        for row in edited.itertuples() if not (pd.isna(row.minimum) and pd.isna(row.maximum))
    }
    locked = {row.channel for row in edited.itertuples() if row.locked and not model.channel(row.channel).held}
    return bounds, locked


def explain(plan: BudgetPlan) -> None:
    change = plan.change
    if change.enough_evidence and change.gain > 0:
        st.success(BUDGET_RECOMMEND.format(chance=chance(change.probability), gain=amount(change.gain, model.target),
                                           grain=period), icon=":material/thumb_up:")
    elif np.allclose(plan.allocation.spends, model.current()):
        st.info("The current split is already the best the curves can find within these bounds.",
                icon=":material/check_circle:")
    else:
        st.info(BUDGET_NOT_ENOUGH_EVIDENCE.format(chance=chance(change.probability)), icon=":material/help:")
    for projected in plan.recommended.channels:
        if projected.beyond_cap:
            st.warning(BUDGET_BEYOND_CAP.format(channel=_session.plain(projected.channel),
                                                cap=money(model.channel(projected.channel).cap, currency)),
                       icon=":material/warning:")


@st.fragment
def recommendation() -> None:
    controls = st.columns([1.6, 1.2, 1.4])
    objective_label = controls[0].radio("Question", list(OBJECTIVES), horizontal=False)
    objective = OBJECTIVES[objective_label]
    total = target_return = goal = None
    if objective == "max_outcome":
        total = controls[1].number_input(f"Total budget per {period}", min_value=0.0, value=float(current.spend),
                                         step=max(1.0, float(round(current.spend / 100))), format="%.0f")
    elif objective == "target_return":
        default = 1.0 if not model.money_target else 2.0
        target_return = controls[1].number_input(
            f"Least {outcome_name} per 1 of spend", min_value=0.0, value=default, format="%.4g",
            help="Each channel spends while the next unit of money still returns at least this much (a target ROAS "
                 "for revenue).")
    else:
        goals = {g.name: per_period for g in saved_goals(ws)
                 if (per_period := goal_per_period(g, model.target, model.grain)) is not None}
        chosen = controls[0].selectbox("From a SMART goal", list(goals), index=None, placeholder="None: type a target",
                                       disabled=not goals, help="A goal on this outcome for all channels, spread "
                                                                "evenly over its dates")
        default = goals[chosen] if chosen else current.outcome * 1.1
        goal = controls[1].number_input(_session.plain(f"{outcome_label(model.target)} per {period} to reach"), min_value=0.0,
                                        value=float(round(default, 2)), format="%.2f", key=f"budget_goal_{chosen}")
    beyond = controls[2].toggle("Go beyond the largest spend", value=False,
                                help="The curve is unknown there: the projection is an extrapolation.")
    flatter = controls[2].toggle("Curves 20% flatter", value=False,
                                 help="Sensitivity: every curve saturates 20% sooner beyond today's spend.")
    with st.expander("Limits per channel"):
        bounds, locked = bounds_editor()
    try:
        plan = recommend(model, total=total, bounds=bounds, locked=locked, beyond_cap=beyond, objective=objective,
                         target_return=target_return, goal=goal, gross_margin=gross_margin)
    except InputError as exc:
        st.warning(_session.plain(str(exc)), icon=":material/warning:")
        return
    explain(plan)
    tiles(plan.total, plan.recommended.outcome, plan.recommended.interval, plan.change.gain, None)
    sensitivity = plan.sensitivity
    if sensitivity.holds:
        st.caption(BUDGET_SENSITIVITY_HOLDS.format(gain=amount(sensitivity.gain, model.target), grain=period))
    else:
        st.caption(BUDGET_SENSITIVITY_FAILS.format(loss=amount(-sensitivity.gain, model.target), grain=period))
    splits = {"Current": model.current(), "Proposed": plan.allocation.spends}
    if flatter:
        splits = {"Current": model.current(), "Proposed": sensitivity.spends}
        st.caption("Showing the split the optimiser picks when every curve is 20% flatter.")
    left, right = st.columns(2)
    left.altair_chart(allocation_chart(model, splits), width="stretch")
    shown = model.flatter(FLATTER) if flatter else model
    before, after = project(shown, model.current()), project(shown, splits["Proposed"])
    right.altair_chart(waterfall_chart(waterfall_frame(before, after)), width="stretch")
    left, right = st.columns(2)
    left.altair_chart(marginal_chart(marginal_frame(before, after)), width="stretch")
    with right:
        binding = plan.allocation.binding()
        table = projection_table(plan.recommended, model, gross_margin)
        table.insert(2, "limit", [b or "free" for b in binding])
        st.dataframe(table, hide_index=True, width="stretch", column_config={**PROJECTION_COLUMNS, "limit": "Limit"})
        st.caption(f"Method: {plan.allocation.method}. 'free' channels share one marginal return; the others stop "
                   "at a limit.")
    save_scenario(plan.allocation.spends, "save_recommendation", f"Recommended ({objective_label.lower()})")
    with st.expander("Each channel's curve", expanded=False):
        curve_grid(shown, splits)


def slider_key(index: int) -> str:
    return f"{_session.BUDGET_WHATIF}{model.target}_{model.grain}_{index}"


def what_if() -> None:
    """The controls that change rarely run the whole page; the sliders and what they move are a
    fragment, so a slider move reruns (and redraws) only them."""
    left, right = st.columns([3, 1], vertical_alignment="center")
    beyond = left.toggle("Let sliders go beyond the largest spend seen", value=False, key=_session.BUDGET_WHATIF_BEYOND)
    if right.button("Reset to current spend", icon=":material/restart_alt:"):
        for i in range(len(model.channels)):
            st.session_state.pop(slider_key(i), None)
    sliders(beyond)
    spends = np.array([st.session_state[slider_key(i)] for i in range(len(model.channels))])
    save_scenario(spends, "save_what_if", "What-if")


@st.fragment
def sliders(beyond: bool) -> None:
    spends = []
    columns = st.columns(3)
    for i, curve in enumerate(model.channels):
        top = curve.cap * (2 if beyond else 1)
        key = slider_key(i)
        if key not in st.session_state or st.session_state[key] > top:  # new, or the cap came back
            st.session_state[key] = min(float(st.session_state.get(key, curve.current_spend)), top)
        step = max(1.0, float(10 ** np.floor(np.log10(max(top, 1.0)) - 2)))
        spends.append(columns[i % 3].slider(
            _session.plain(curve.channel), min_value=0.0, max_value=float(max(top, step)), step=step, key=key,
            format="%.0f",
            disabled=curve.held, help="Held at its current spend: " + "; ".join(curve.flags) if curve.held else None))
    spends_array = np.array(spends)
    scenario = project(model, spends_array)
    change = compare(current, scenario)
    moved = not np.allclose(spends_array, model.current())
    tiles(scenario.spend, scenario.outcome, scenario.interval, change.gain, change.probability if moved else None)
    for projected in scenario.channels:
        if projected.beyond_cap:
            st.warning(BUDGET_BEYOND_CAP.format(channel=_session.plain(projected.channel),
                                                cap=money(model.channel(projected.channel).cap, currency)),
                       icon=":material/warning:")
    # A table, not a chart: everything redrawn on a slider move costs time in the browser
    st.dataframe(projection_table(scenario, model, gross_margin, against=current), hide_index=True, width="stretch",
                 column_config=PROJECTION_COLUMNS)


def scenarios() -> None:
    saved = [s for s in budget_scenarios(ws) if (s.target, s.grain) == (model.target, model.grain)]
    if not saved:
        st.info(f"No scenarios for {outcome_name} per {period} yet: save one from the Recommendation or What-if tab.",
                icon=":material/bookmarks:")
        return
    table = compare_scenarios(model, saved, gross_margin)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        **PROJECTION_COLUMNS, "scenario": "Scenario", "change": PROJECTION_COLUMNS["outcome_change"],
        "change_pct": st.column_config.NumberColumn("Change %", format="percent"),
        "probability_of_gain": st.column_config.NumberColumn("Chance of gaining", format="percent"),
        **{f"spend: {n}": st.column_config.NumberColumn(n, format="%,.0f") for n in model.names},
    })
    splits = {row["scenario"]: np.array([row[f"spend: {n}"] for n in model.names]) for _, row in table.iterrows()}
    left, right = st.columns(2)
    left.altair_chart(allocation_chart(model, splits), width="stretch")
    bars = alt.Chart(table).encode(y=alt.Y("scenario:N", sort=list(splits), title=None, axis=alt.Axis(labelLimit=200)))
    right.altair_chart(
        (bars.mark_bar(color="#1f77b4").encode(x=alt.X("outcome:Q", title=f"{outcome_label(model.target)} per {period}",
                                                        axis=alt.Axis(format="~s")))
         + bars.mark_rule(color="#333").encode(x="outcome_low:Q", x2="outcome_high:Q"))
        .properties(height=alt.Step(28), title="Projected outcome (90% range)"), width="stretch")
    st.download_button("Download the comparison (CSV)", to_csv(table),
                       file_name=f"budget_scenarios_{model.target}_{model.grain}.csv", mime="text/csv",
                       icon=":material/download:")
    names = {s.name: s.id for s in saved}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    doomed = left.selectbox("Delete a scenario", list(names), index=None, placeholder="Pick one")
    if right.button("Delete", disabled=doomed is None, icon=":material/delete:"):
        delete_budget_scenario(ws, int(names[doomed]))  # type: ignore[index, arg-type]
        st.rerun()


# Only the open tab runs (its state is kept under a key, so saving a scenario does not jump back to
# the first tab): fewer elements per rerun keeps the what-if sliders quick.
tabs = st.tabs(["Recommendation", "What-if", "Scenarios"], key=_session.BUDGET_TAB, on_change="rerun")
for tab, draw in zip(tabs, (recommendation, what_if, scenarios)):
    if tab.open:
        with tab:
            draw()
