"""Goals: SMART goals, whether they will be met, and what it takes upstream to meet them."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kpi_core.errors import InputError, WriteConflict
from kpi_core.goals import OBJECTIVES, Goal, GoalReview, Target, review_goal
from kpi_core.goals import charts as goal_charts
from kpi_core.goals.saved import delete_goal, save_draft, save_goal
from kpi_core.goals.saved import draft as kept_draft
from kpi_core.goals.saved import goals as saved_goals
from kpi_core.goals.view import STAGE_NAMES, STATUS_BADGES, STATUS_TONES, needs_display, status_sentence
from kpi_core.metrics import BY_ID, KPIS
from kpi_core.metrics.format import DisplayTable, format_value
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.trends.annotations import in_range, saved_annotations
from pages import _charts, _session, _tables

BOXES = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
LETTERS = (("specific", "S", "Specific"), ("measurable", "M", "Measurable"), ("achievable", "A", "Achievable"),
           ("relevant", "R", "Relevant"), ("time_bound", "T", "Time-bound"))
EDITING = "goal_editing_id"
BASE = "goal_editing_base"  # the goal as this user read it: a save refuses to overwrite a newer one
GENERATION = "goal_form_generation"  # a new set of editor widgets after a save, cancel or edit
DRAFT = "goal_draft_kept"  # the draft as the workspace keeps it (UNTOUCHED: the form as it opened)
UNTOUCHED = "untouched"


def form_key(name: str) -> str:
    """Editor widget keys carry a generation: clearing the editor means new, empty widgets (deleting
    widget state leaves the browser showing the old text)."""
    return f"goal_form_{st.session_state.get(GENERATION, 0)}_{name}"


ws = _session.workspace()
performance = workspace_performance(ws)
currency = performance.settings.currency
shown_currency = _session.plain(currency)  # typed by a user: for values shown in Markdown
st.title("Goals")
st.caption("SMART goals for the plan: is each realistic before you commit, and on pace while there is time to act?")
_session.show_flash()
if not performance.sources:
    st.info("Map a performance dataset first: upload data and map its columns, or load the sample data.")
    st.page_link("pages/home.py", label="Go to Home", icon=":material/home:")
    st.stop()

goals = saved_goals(ws)
low, high = performance.date_range()
_, _, options = performance.filter_options()


def show(value: float | None, kpi: str) -> str:
    """A value for a Markdown element (metric, caption, help)."""
    return format_value(BY_ID[kpi], value, shown_currency)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def smart_row(review: GoalReview) -> None:
    check = review.smart
    for column, (field, letter, name) in zip(st.columns(5), LETTERS):
        passed = getattr(check, field)
        column.markdown(f"{':green' if passed else ':red'}[**{letter}** {name} {'✓' if passed else '✗'}]")
        column.caption(_session.plain(check.notes.get(field, "")))


def progress_chart(review: GoalReview) -> None:
    layers = goal_charts.progress_chart(review.progress.chart, review.goal.kpi)
    if layers is None:
        return
    notes = _charts.annotation_layer(in_range(saved_annotations(ws), review.goal.start, review.goal.end))
    st.altair_chart(layers + notes if notes is not None else layers)


def backsolve_table(review: GoalReview, table: DisplayTable | None) -> None:
    solved = review.backsolve
    if solved is None or table is None:
        return
    st.markdown(f"**What it takes** — {show(solved.remaining, review.goal.kpi)} still to reach in "
                f"{solved.weeks:.1f} weeks, at the conversion rates and costs of {solved.basis_from:%d %b} to "
                f"{solved.basis_to:%d %b %Y} in this scope:")
    _tables.show(table, key=f"needs-{review.goal.id or review.goal.name}")
    st.caption("Gap = needed minus what the current weekly pace gives over the remaining time (positive: short). "
               "Each stage's need is the next stage's need divided by the recent conversion between them; "
               + _session.plain(f"spend is the need times the recent cost per "
                                f"{STAGE_NAMES.get(solved.stages[-1].stage, '')}."))


def goal_card(goal: Goal) -> None:
    review = review_goal(goal, performance, other_goals=goals, currency=currency)
    progress = review.progress
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.subheader(_session.plain(goal.name or "Untitled goal"))
        head.markdown(_session.plain(review.sentence))
        if progress.status:
            label, color = STATUS_BADGES[progress.status]
            badge.badge(label, color=color)
        if review.target_note:
            st.caption(_session.plain(f"Target: {review.target_note}."))
        needs = needs_display(review.backsolve, currency)
        lead = status_sentence(BY_ID[goal.kpi], progress, goal.end, currency, needs is not None)
        if lead and progress.status:
            BOXES[STATUS_TONES[progress.status]](_session.plain(lead))
        if progress.status is None:
            st.warning("This goal cannot be tracked yet: " + " ".join(
                _session.plain(review.smart.notes.get(f, "")) for f, _, _ in LETTERS if not getattr(review.smart, f)))
        else:
            kpi = goal.kpi
            projected = progress.projected
            interval = (f"{show(projected.low, kpi)} to {show(projected.high, kpi)}"
                        if projected.low is not None else "no trend yet")
            tiles = st.columns(5)
            tiles[0].metric("Actual so far", show(progress.actual, kpi), help=f"{BY_ID[kpi].formula}, "
                            f"{goal.start:%d %b} to {progress.as_of:%d %b %Y}.")
            tiles[1].metric("Target", show(progress.target, kpi))
            tiles[2].metric("Progress", percent(progress.progress), help="Share of the target reached "
                            "(lower-is-better ratios: target / actual).")
            tiles[3].metric("Time elapsed", percent(progress.time_elapsed),
                            help=f"Data through {progress.covered_through:%d %b %Y}.")
            tiles[4].metric("Projected at the end", show(projected.central, kpi), help=f"By trend; 80% interval {interval}. "
                            f"At the current pace: {show(projected.pace, kpi)}.")
            if progress.required_per_week is not None:
                needed = show(progress.required_per_week, kpi)
                st.caption(f"Still required: {needed} a week." if BY_ID[kpi].is_sum else
                           f"The rest of the window must run at {needed} for the whole window to land on target.")
            progress_chart(review)
            backsolve_table(review, needs)
        smart_row(review)
        edit, delete, _ = st.columns([1, 1, 4])
        if edit.button("Edit", key=f"edit_goal_{goal.id}", icon=":material/edit:"):
            load_into_form(goal, goal)
            st.rerun()
        if delete.button("Delete", key=f"delete_goal_{goal.id}", icon=":material/delete:"):
            delete_goal(ws, goal.id)  # type: ignore[arg-type]
            _session.flash(f"Deleted the goal '{goal.name}'.")
            st.rerun()


def load_into_form(goal: Goal, base: Goal | None = None) -> None:
    """Fill the editor with ``goal`` (to edit ``base``, the saved goal it is a version of)."""
    clear_form(forget_draft=False)
    if base is not None:
        st.session_state[EDITING] = base.id
        st.session_state[BASE] = base
    values = {"name": goal.name, "objective": goal.objective, "kpi": goal.kpi, "owner": goal.owner,
              "mode": "change" if goal.target.is_change else "absolute",
              "value": goal.target.value if goal.target.value is not None else 0.0,
              "change": (goal.target.change or 0.0) * 100, "start": goal.start, "end": goal.end}
    values.update({f"scope_{d}": list(goal.where.get(d, ())) for d in performance.dimensions})
    for key, value in values.items():
        st.session_state[form_key(key)] = value


def clear_form(forget_draft: bool = True) -> None:
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.session_state.pop(EDITING, None)
    st.session_state.pop(BASE, None)
    st.session_state[DRAFT] = UNTOUCHED
    if forget_draft:
        save_draft(ws, None)


def restore_draft() -> None:
    """A new session (a refresh) opens the editor where the last one left it."""
    if DRAFT in st.session_state:
        return
    kept = kept_draft(ws)
    if kept is not None:
        base = next((g for g in goals if g.id == kept.id), None)
        load_into_form(kept, base)
    st.session_state[DRAFT] = kept.to_dict() if kept is not None else UNTOUCHED


def keep_draft(goal: Goal) -> None:
    """Keep what is typed in the workspace as soon as it differs from what the editor opened with."""
    written = goal.to_dict()
    kept = st.session_state.get(DRAFT)
    if kept == UNTOUCHED:
        st.session_state[DRAFT] = written
    elif kept != written:
        save_draft(ws, goal)
        st.session_state[DRAFT] = written


def editor() -> None:
    restore_draft()
    editing = st.session_state.get(EDITING)
    st.header("Edit goal" if editing else "New goal")
    kpis = [k.id for k in KPIS]
    year = (high or date.today()).year
    # Defaults live in the session state (not in value=) so that "Edit" can fill the same widgets.
    for key, default in (("kpi", "sqls"), ("objective", "pipeline"), ("mode", "absolute"), ("value", 100.0),
                         ("change", 20.0), ("start", date(year, 10, 1)), ("end", date(year, 12, 31))):
        st.session_state.setdefault(form_key(key), default)
    a, b, c = st.columns([2, 1, 1])
    name = a.text_input("Name", key=form_key("name"), placeholder="Q4 inbound SQLs")
    objective = b.selectbox("Objective", list(OBJECTIVES), format_func=OBJECTIVES.get, key=form_key("objective"))
    kpi = c.selectbox("KPI", kpis, format_func=lambda k: BY_ID[k].name, key=form_key("kpi"))
    a, b, c = st.columns([1, 1, 2])
    mode = a.radio("Target", ["absolute", "change"], key=form_key("mode"), horizontal=True,
                   format_func=lambda m: "A level" if m == "absolute" else "A change vs before")
    if mode == "absolute":
        value = b.number_input(f"Target {BY_ID[kpi].name}", min_value=0.0, key=form_key("value"),
                               help="For ratios write a fraction for percentages: 0.25 for 25%.")
        target = Target(value=value)
    else:
        change = b.number_input("Change (%)", step=5.0, key=form_key("change"),
                                help="vs the equally long period just before the start; negative to lower a cost.")
        target = Target(change=change / 100)
    owner = c.text_input("Owner", key=form_key("owner"), placeholder="Who is accountable")
    a, b = st.columns(2)
    start = a.date_input("Start", key=form_key("start"))
    end = b.date_input("End", key=form_key("end"))
    scope_columns = st.columns(max(1, len(performance.dimensions)))
    where = {}
    for column, dimension in zip(scope_columns, performance.dimensions):
        chosen = column.multiselect(_session.plain(f"Scope: {dimension.replace('_', ' ')}"), options.get(dimension, []),
                                    key=form_key(f"scope_{dimension}"), placeholder="All")
        if chosen:
            where[dimension] = tuple(chosen)
    draft = Goal(name=name.strip(), objective=objective, kpi=kpi, target=target, start=start, end=end,  # type: ignore[arg-type]
                 where=where, owner=owner.strip(), id=editing)
    keep_draft(draft)
    review = review_goal(draft, performance, other_goals=goals, currency=currency)
    st.markdown("**As a sentence:** " + _session.plain(review.sentence))
    smart_row(review)
    save, cancel, _ = st.columns([1, 1, 4])
    if save.button("Save goal", type="primary", key="save_goal"):
        try:
            if start is None or end is None or end < start:
                raise InputError("Pick a start and an end date, the end not before the start.")
            save_goal(ws, draft, based_on=st.session_state.get(BASE))
        except WriteConflict as exc:
            st.error(_session.plain(str(exc)))  # the user's draft stays in the form below
            if exc.current is None:  # deleted meanwhile: the next save adds this version anew
                st.session_state.pop(EDITING, None)
                st.session_state.pop(BASE, None)
            else:
                st.session_state[BASE] = exc.current  # the next save overwrites theirs, as the message says
                st.caption("Their version: " + _session.plain(
                    review_goal(exc.current, performance, currency=currency).sentence))
        except InputError as exc:
            st.error(_session.plain(str(exc)))
        else:
            clear_form()
            verdict = "passes every SMART check" if review.smart.passed else "saved with SMART warnings"
            _session.flash(f"Saved the goal '{draft.name or 'Untitled goal'}': {verdict}.")
            st.rerun()
    if editing and cancel.button("Cancel", key="cancel_goal"):
        clear_form()
        st.rerun()


if goals:
    for saved in goals:
        goal_card(saved)
else:
    st.info("No goals yet. Write one below: the SMART check tells you, as you type, whether it is specific, "
            "measurable, achievable against your own history, relevant and time-bound.")
editor()
st.caption(f"Status compares the projection at the window's end with the target: on track when it meets it, at "
           f"risk within 10% or when the trend's 80% interval reaches it, off track otherwise. "
           f"Data from {low:%d %b %Y} to {high:%d %b %Y}." if low and high else "")
