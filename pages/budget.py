"""Budget: fitted response curves per channel, the best split, instant what-ifs and saved scenarios."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from kpi_core import messages
from kpi_core.budget import BudgetModel, charts, compare, project, recommend, target_options, view
from kpi_core.budget.adjust import WhatIfState, change_percent, from_percent, moved_spends, set_spend
from kpi_core.budget.frames import marginal_frame, projection_table, waterfall_frame
from kpi_core.budget.model import cached_model
from kpi_core.budget.plan import FLATTER, BudgetPlan
from kpi_core.budget.scenarios import (
    Scenario,
    budget_scenarios,
    compare_scenarios,
    delete_budget_scenario,
    save_budget_scenario,
)
from kpi_core.budget.whatif import Projection
from kpi_core.errors import InputError
from kpi_core.goals.progress import goal_targets
from kpi_core.goals.saved import goals as saved_goals
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.report.export import to_csv
from pages import _budget_tables, _session, _tables

BOXES = {"success": st.success, "info": st.info, "warning": st.warning}
ws = _session.workspace()
_session.show_flash()
performance = workspace_performance(ws)
currency = _session.plain(performance.settings.currency)  # typed by a user; only shown in Markdown
table_currency = performance.settings.currency  # tables show text as it is
gross_margin = performance.settings.gross_margin
st.title("Budget")
st.caption(view.INTRO)

if not performance.sources:
    st.info(view.NEED_DATA, icon=":material/upload_file:")
    st.stop()
options = target_options(performance)
if not options or "spend" not in performance.measures:
    st.warning(view.NEED_OUTCOME, icon=":material/warning:")
    st.stop()


settings = st.columns([1.8, 1, 1.4, 1])
target = settings[0].selectbox("Outcome to maximise", options, format_func=view.outcome_label,
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
outcome_name = _session.plain(view.outcome_label(model.target).lower())  # custom stages are named by users
current = project(model, model.current())
held = [c.channel for c in model.channels if c.held]

if model.weakly_identified:
    st.warning(view.weakly_identified_text(model, outcome_name), icon=":material/info:")
with st.expander(view.fit_title(model, held), expanded=False):
    _tables.show(view.fit_display(model, table_currency), key="budget_fit")
    st.caption(view.CURVES_METHOD)
    st.caption(view.CURVES_FORMULAS)


def curve_grid(shown: BudgetModel, splits: dict[str, np.ndarray]) -> None:
    st.altair_chart(charts.curve_grid(shown, splits))
    st.caption(view.CURVE_GRID_NOTE)


def tiles(spend: float, outcome: float, interval: tuple[float, float], change: float, probability: float | None,
          moved: list[str] | None = None) -> None:
    shown = view.headline(model, current, spend, outcome, interval, change, probability, gross_margin, currency, moved)
    for column, tile in zip(st.columns(4), shown.tiles):
        column.metric(_session.plain(tile.label), tile.value, delta=tile.delta, help=tile.help,
                      delta_color=tile.delta_color)
    st.caption(shown.note)


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


def bounds_editor() -> tuple[view.Bounds, set[str]]:
    edited = st.data_editor(
        view.limits_table(model), hide_index=True, width="stretch",
        key=f"{_session.BUDGET_BOUNDS}_{model.target}_{model.grain}", disabled=["channel", "current"],
        column_config=_budget_tables.limits_columns(period))
    return view.bounds_from_table(edited, model)


def explain(plan: BudgetPlan) -> None:
    verdict = view.verdict(plan, model, currency)
    BOXES[verdict.tone](verdict.text, icon=verdict.icon)
    beyond_cap(plan.recommended)


def beyond_cap(projection: Projection) -> None:
    for channel, cap in view.beyond_cap_warnings(projection, model, currency):
        st.warning(messages.BUDGET_BEYOND_CAP.format(channel=_session.plain(channel), cap=cap), icon=":material/warning:")


@st.fragment
def recommendation() -> None:
    controls = st.columns([1.6, 1.2, 1.4])
    objective_label = controls[0].radio("Question", list(view.OBJECTIVES), horizontal=False)
    objective = view.OBJECTIVES[objective_label]
    total = target_return = goal = None
    if objective == "max_outcome":
        total = controls[1].number_input(f"Total budget per {period} ({currency})", min_value=0.0, value=float(current.spend),
                                         step=view.budget_step(current.spend), format="%.0f")
    elif objective == "target_return":
        default = view.default_target_return(model)
        target_return = controls[1].number_input(
            f"Least {outcome_name} per 1 of spend", min_value=0.0, value=default, format="%.4g",
            help="Each channel spends while the next unit of money still returns at least this much (a target ROAS "
                 "for revenue).")
    else:
        goals = goal_targets(saved_goals(ws), model.target, model.grain)
        chosen = controls[0].selectbox("From a SMART goal", list(goals), index=None, placeholder="None: type a target",
                                       disabled=not goals, help="A goal on this outcome for all channels, spread "
                                                                "evenly over its dates")
        goal = controls[1].number_input(_session.plain(f"{view.outcome_label(model.target)} per {period} to reach"), min_value=0.0,
                                        value=view.goal_default(goals, chosen, current), format="%.2f",
                                        key=f"budget_goal_{chosen}")
    beyond = controls[2].toggle("Beyond past spend", value=False,
                                help="Let channels go beyond the largest spend they have had. The curve is unknown "
                                     "there: the projection is an extrapolation.")
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
    st.caption(view.sensitivity_note(plan, model, currency))
    splits = {"Current": model.current(), "Proposed": plan.sensitivity.spends if flatter else plan.allocation.spends}
    if flatter:
        st.caption("Showing the split the optimiser picks when every curve is 20% flatter.")
    left, right = st.columns(2)
    left.altair_chart(charts.allocation_chart(model, splits), width="stretch")
    shown = model.flatter(FLATTER) if flatter else model
    before, after = project(shown, model.current()), project(shown, splits["Proposed"])
    right.altair_chart(charts.waterfall_chart(waterfall_frame(before, after), model.target), width="stretch")
    left, right = st.columns(2)
    left.altair_chart(charts.marginal_chart(marginal_frame(before, after), model, table_currency), width="stretch")
    right.caption(view.MARGINAL_NOTE)
    table = view.recommended_table(plan, model, gross_margin)
    _tables.show(view.projection_display(table, model, table_currency), key="budget_recommended")
    st.caption(view.METHOD_NOTE.format(method=plan.allocation.method))
    save_scenario(plan.allocation.spends, "save_recommendation", f"Recommended ({objective_label.lower()})")
    with st.expander("Each channel's curve", expanded=False):
        curve_grid(shown, splits)


def what_if_state() -> WhatIfState:
    """The what-if this session shows for this model: kept in the session between pages and in the URL
    across a refresh (a URL for another outcome or period, or a mangled one, starts afresh)."""
    state: WhatIfState | None = st.session_state.get(_session.BUDGET_WHATIF)
    if state is None:
        state = WhatIfState.from_text(_session.from_url(_session.QUERY_WHATIF))
    if state is None or (state.target, state.grain) != (model.target, model.grain):
        state = WhatIfState(model.target, model.grain)
    if state.picked not in model.names:
        state = replace(state, picked=first_movable())
    st.session_state[_session.BUDGET_WHATIF] = state
    return state


def first_movable() -> str:
    return next((c.channel for c in model.channels if not c.held), model.names[0])


def keep(state: WhatIfState, spends: np.ndarray | None = None) -> None:
    if spends is not None:
        state = replace(state, spends=moved_spends(model, spends))
    st.session_state[_session.BUDGET_WHATIF] = state
    untouched = state == WhatIfState(model.target, model.grain, picked=first_movable())
    _session.keep_in_url(_session.QUERY_WHATIF, None if untouched else state.to_text())


def what_if_tops(beyond: bool) -> np.ndarray:
    return np.array([view.slider_range(c, beyond).top for c in model.channels])


def what_if() -> None:
    """The controls that change rarely run the whole page; the channel's controls and what they move
    are a fragment, so a move reruns (and redraws) only them: one slider, not one per channel."""
    state = what_if_state()
    left, middle, right = st.columns([1.3, 2, 1], vertical_alignment="center")
    keep_total = left.toggle("Keep the total", value=state.keep_total, key=_session.BUDGET_WHATIF_KEEP,
                             help="A change to one channel is taken from (or given to) the others, in proportion to "
                                  "their spend: the total budget stays the same.")
    beyond = middle.toggle("Let spends go beyond the largest seen", value=state.beyond,
                           key=_session.BUDGET_WHATIF_BEYOND)
    if (keep_total, beyond) != (state.keep_total, state.beyond):
        keep(state := replace(state, keep_total=keep_total, beyond=beyond))
    if right.button("Reset to current spend", icon=":material/restart_alt:"):
        keep(state := replace(state, spends={}))
    what_if_moves(beyond)
    spends = what_if_state().spends_for(model, what_if_tops(beyond))
    save_scenario(spends, "save_what_if", "What-if")


def move(source: str, beyond: bool) -> None:
    """A control of the picked channel changed: the new spends (the others rebalanced when the total is
    kept), before the rerun draws them."""
    state = what_if_state()
    tops = what_if_tops(beyond)
    spends = state.spends_for(model, tops)
    index = model.names.index(state.picked)  # type: ignore[arg-type]
    current = model.channels[index].current_spend
    value = float(st.session_state[source] or 0.0)
    wanted = from_percent(value, current) if source == _session.BUDGET_WHATIF_PERCENT else value
    movable = np.array([not c.held for c in model.channels])
    adjusted = set_spend(spends, index, wanted, tops, movable, state.keep_total)
    st.session_state[_session.BUDGET_WHATIF_NOTE] = adjusted.note
    keep(state, adjusted.spends)


def pick() -> None:
    chosen = st.session_state[_session.BUDGET_WHATIF_PICK]
    state = what_if_state()
    if chosen is not None:
        keep(replace(state, picked=chosen))


@st.fragment
def what_if_moves(beyond: bool) -> None:
    state = what_if_state()
    tops = what_if_tops(beyond)
    spends = state.spends_for(model, tops)
    st.session_state[_session.BUDGET_WHATIF_PICK] = state.picked
    st.pills("Channel to change", model.names, key=_session.BUDGET_WHATIF_PICK, on_change=pick,
             format_func=_session.plain)
    index = model.names.index(state.picked)  # type: ignore[arg-type]
    curve, allowed = model.channels[index], view.slider_range(model.channels[index], beyond)
    percent = change_percent(spends[index], curve.current_spend)
    # The controls show the kept spend: set before they are drawn, after any callback changed it
    st.session_state[_session.BUDGET_WHATIF_SLIDER] = float(spends[index])
    st.session_state[_session.BUDGET_WHATIF_AMOUNT] = float(spends[index])
    st.session_state[_session.BUDGET_WHATIF_PERCENT] = round(percent, 1) if percent is not None else 0.0
    held = "Held at its current spend: " + "; ".join(curve.flags) if curve.held else None
    slider, amount, change = st.columns([3, 1.2, 1], vertical_alignment="bottom")
    slider.slider(_session.plain(f"{curve.channel}: spend per {period}"), min_value=0.0, max_value=allowed.maximum,
                  step=allowed.step, key=_session.BUDGET_WHATIF_SLIDER, format=view.slider_format(table_currency),
                  disabled=curve.held, help=held, on_change=move, args=(_session.BUDGET_WHATIF_SLIDER, beyond))
    amount.number_input(f"Spend ({currency})", min_value=0.0, step=allowed.step, format="%.0f",
                        key=_session.BUDGET_WHATIF_AMOUNT, disabled=curve.held, on_change=move,
                        args=(_session.BUDGET_WHATIF_AMOUNT, beyond))
    change.number_input("Change vs current (%)", min_value=-100.0, step=5.0, format="%.1f",
                        key=_session.BUDGET_WHATIF_PERCENT, disabled=curve.held or not curve.current_spend,
                        on_change=move, args=(_session.BUDGET_WHATIF_PERCENT, beyond))
    note = st.session_state.pop(_session.BUDGET_WHATIF_NOTE, None)
    if note:
        st.caption(_session.plain(f"{curve.channel}: {note}."))
    scenario = project(model, spends)
    change_vs_current = compare(current, scenario)
    moved = view.moved_channels(model, spends)
    tiles(scenario.spend, scenario.outcome, scenario.interval, change_vs_current.gain,
          change_vs_current.probability if moved else None, moved)
    beyond_cap(scenario)
    # A table, not a chart: everything redrawn on a move costs time in the browser
    _tables.show(view.projection_display(projection_table(scenario, model, gross_margin, against=current), model,
                                         table_currency), key="budget_what_if")


def scenarios() -> None:
    saved = [s for s in budget_scenarios(ws) if (s.target, s.grain) == (model.target, model.grain)]
    if not saved:
        st.info(f"No scenarios for {outcome_name} per {period} yet: save one from the Recommendation or What-if tab.",
                icon=":material/bookmarks:")
        return
    table = compare_scenarios(model, saved, gross_margin)
    shown = view.scenario_display(table, model, table_currency)
    _tables.show(shown, key="budget_scenarios")
    left, right = st.columns(2)
    left.altair_chart(charts.allocation_chart(model, view.scenario_splits(table, model)), width="stretch")
    right.altair_chart(charts.scenario_outcomes_chart(table, model), width="stretch")
    st.download_button("Download the comparison (CSV)", to_csv(shown.labelled()),
                       file_name=f"budget_scenarios_{model.target}_{model.grain}.csv", mime="text/csv",
                       icon=":material/download:")
    names = {s.name: s.id for s in saved}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    doomed = left.selectbox("Delete a scenario", list(names), index=None, placeholder="Pick one")
    if right.button("Delete", disabled=doomed is None, icon=":material/delete:"):
        delete_budget_scenario(ws, int(names[doomed]))  # type: ignore[index, arg-type]
        st.rerun()


# Only the open tab runs (its state is kept under a key, so saving a scenario does not jump back to
# the first tab): fewer elements per rerun keeps the what-if quick.
tabs = _session.kept_tabs(_session.BUDGET_TAB, ["Recommendation", "What-if", "Scenarios"])
for tab, draw in zip(tabs, (recommendation, what_if, scenarios)):
    if tab.open:
        with tab:
            draw()
