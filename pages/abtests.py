"""A/B tests: a health check, then a verdict in plain words; and a planner for the next test."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from kpi_core.abtest import Arm, ExperimentSettings, analyse, view
from kpi_core.abtest.charts import lift_chart, over_time_chart, rate_chart
from kpi_core.abtest.data import experiment_data_for, experiment_datasets
from kpi_core.abtest.parse import parse_arms, parse_split
from kpi_core.errors import InputError
from kpi_core.report.export import to_csv
from kpi_core.settings import WorkspaceSettings
from pages import _session, _tables

PASTE, DATASET = "Type or paste counts", "An uploaded experiment file"
EXAMPLE = "For example:\nControl, 24310, 1215\nNew pricing page, 24122, 1366"
BOXES = {"success": st.success, "error": st.error, "info": st.info, "warning": st.warning}

ws = _session.workspace()
st.title("A/B tests")
st.caption("Is the winner real, how large is the effect, and how long must the test run? A health check comes "
           "first; then each verdict says what to do, with the numbers behind it one click away.")
read_tab, plan_tab = _session.kept_tabs("ab_tab", ["Read a test", "Plan a test"])


def save_arms_text() -> None:
    ws.update_settings({_session.AB_SAVED_SETTING: st.session_state[_session.AB_ARMS_TEXT]})


def notice(box: view.Notice, details: str = "Details") -> None:
    BOXES[box.tone](box.markdown, icon=box.icon)
    if box.details:
        with st.expander(details, icon=":material/query_stats:"):
            st.markdown(box.details)


def tile(where: Any, shown: view.Tile) -> None:
    where.metric(shown.label, shown.value, delta=shown.delta, help=shown.help)


def show_result(page: view.ResultView) -> None:
    for box in page.health:
        notice(box, "The split check's numbers")
    for column, shown in zip(st.columns(len(page.tiles)), page.tiles):
        tile(column, shown)
    for box in page.verdicts:
        notice(box, "The numbers behind this verdict")
    if page.verdicts:
        st.caption(view.GLOSSARY)
    if page.rates is not None:
        left, right = st.columns(2)
        left.altair_chart(rate_chart(page.rates), use_container_width=True)
        if page.lifts is not None:
            right.altair_chart(lift_chart(page.lifts), use_container_width=True)
    if page.over_time is not None:
        st.altair_chart(over_time_chart(page.over_time), use_container_width=True)
        st.caption(page.over_time_caption)
    if page.bayesian_table is not None:
        with st.expander("Bayesian view (secondary)", icon=":material/casino:"):
            st.caption(view.BAYESIAN_CAPTION)
            _tables.show(page.bayesian_table, key="ab_bayesian")
    with st.expander("All numbers", icon=":material/table:"):
        for i, numbers in enumerate(page.tables):
            _tables.show(numbers, key=f"ab_numbers_{i}")
        st.download_button("Download as CSV", to_csv(view.numbers_download(page.tables)), "ab_test_results.csv",
                           "text/csv")
    with st.expander("How these numbers are computed", icon=":material/functions:"):
        st.markdown(view.METHODS)


with read_tab:
    datasets = experiment_datasets(ws)
    source = PASTE
    if datasets:
        source = st.radio("Data", [PASTE, DATASET], horizontal=True, key=_session.AB_SOURCE)
    else:
        st.caption("To read a testing tool's export (one row per variant, or one row per user), upload it on Data "
                   "and map it as A/B test results.")
    first_day: date | None = None
    last_day: date | None = None
    daily = None
    arms: list[Arm] = []
    try:
        if source == PASTE:
            if _session.AB_ARMS_TEXT not in st.session_state:
                st.session_state[_session.AB_ARMS_TEXT] = ws.settings().get(_session.AB_SAVED_SETTING, "")
            text = st.text_area(
                "Arms: name, users, conversions (one line per arm)", key=_session.AB_ARMS_TEXT, height=130,
                placeholder=EXAMPLE, on_change=save_arms_text,
                help="Paste cells straight from a spreadsheet, or type them separated by commas. Add the revenue "
                     "sum and the sum of squared revenue per user as two more values to compare revenue per user.",
            )
            arms = parse_arms(text)
        else:
            dataset = st.selectbox("Experiment dataset", datasets, format_func=lambda d: d.name, key="ab_dataset")
            data = experiment_data_for(ws, dataset)
            arms, first_day, last_day, daily = data.arms, data.first_day, data.last_day, data.daily
    except InputError as exc:
        st.error(_session.plain(str(exc)))
    if len(arms) < 2:
        st.info("Enter at least two arms: the control first, then each variant, e.g.\n\n"
                "`Control, 24310, 1215`  \n`New pricing page, 24122, 1366`", icon=":material/edit_note:")
    else:
        names = [a.name for a in arms]
        a, b, c, d = st.columns(4)
        control = a.selectbox("Control", names, index=view.control_index(names), key="ab_control")
        alpha = b.selectbox("Confidence", [0.05, 0.01, 0.10], format_func=view.confidence_label, key="ab_alpha",
                            help=view.CONFIDENCE_HELP)
        planned = c.number_input("Planned users, all arms", min_value=0, value=0, step=1000, key="ab_planned",
                                 help="From the planner. Before it is reached the result is an interim look. "
                                      "0 = no plan.")
        start = d.date_input("Start date", value=first_day, key="ab_start", format="YYYY-MM-DD",
                             help="To check the test ran at least a week and to estimate weeks still needed.")
        e, f = st.columns([1, 3])
        split_text = e.text_input("Planned split", placeholder="50,50", key="ab_split",
                                  help="Shares of users per arm as planned, in the order above. Empty = equal.")
        sequential = f.toggle("Sequential testing (safe to look at any time)", key="ab_sequential",
                              help="Always-valid intervals: wider, but the result may be read after every day "
                                   "without inflating false winners.")
        try:
            split = parse_split(split_text)
        except InputError as exc:
            st.error(_session.plain(str(exc)))
            split = None
        try:
            settings = ExperimentSettings(
                alpha=alpha, control=control, split=split, planned_n=int(planned) or None, sequential=sequential,
                start_date=start, as_of=last_day or date.today(), currency=WorkspaceSettings.from_values(ws.settings()).currency,
            )
            result = analyse(arms, settings)
        except InputError as exc:
            st.error(_session.plain(str(exc)))
        else:
            show_result(view.result_view(result, daily))

with plan_tab:
    st.caption("How many users a test needs to detect the smallest effect worth acting on, and how long that takes.")
    a, b, c = st.columns(3)
    baseline = a.number_input("Control conversion rate (%)", min_value=0.01, max_value=99.99, value=5.0, step=0.5,
                              key="plan_baseline")
    kind = b.radio("Effect as", ["% relative", "percentage points"], horizontal=True, key="plan_kind")
    effect = c.number_input("Smallest effect worth detecting", value=10.0 if kind == "% relative" else 0.5,
                            step=0.5, key="plan_effect", help="e.g. 10 (% relative) means 5.0% → 5.5%.")
    d, e, f, g = st.columns(4)
    plan_alpha = d.selectbox("Confidence", [0.05, 0.01, 0.10], format_func=view.confidence_label, key="plan_alpha",
                             help=view.CONFIDENCE_HELP)
    power = e.selectbox("Chance to detect it", [0.8, 0.9, 0.95], format_func=view.percent_label, key="plan_power",
                        help=view.POWER_HELP)
    arm_count = f.number_input("Arms (incl. control)", min_value=2, max_value=6, value=2, key="plan_arms")
    traffic = g.number_input("Users per week", min_value=0, value=10000, step=1000, key="plan_traffic")
    try:
        planned_test = view.plan_view(baseline, effect, kind == "% relative", plan_alpha, power, int(arm_count),
                                      traffic)
    except InputError as exc:
        st.error(_session.plain(str(exc)))
    else:
        for column, shown in zip(st.columns(3), planned_test.tiles):
            tile(column, shown)
        st.caption(planned_test.caption)
    with st.expander("How the sample size is computed", icon=":material/functions:"):
        st.caption(view.PLAN_FORMULA_NOTE)
        st.latex(r"n = \frac{\left[z_{1-\alpha/2}\sqrt{2p(1-p)} + z_{1-\beta}\sqrt{p(1-p)+q(1-q)}\right]^2}{(q-p)^2}")
    st.subheader("What can my list detect?")
    list_size = st.number_input("Users or contacts available, all arms", min_value=0, value=20000, step=1000,
                                key="plan_list")
    if list_size:
        try:
            detectable = view.list_size_tile(baseline, int(list_size), int(arm_count), plan_alpha, power)
        except InputError as exc:
            st.error(_session.plain(str(exc)))
        else:
            if detectable is None:
                st.warning("Too few users to detect any change with this power.")
            else:
                tile(st, detectable)
