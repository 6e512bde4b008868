"""A/B tests: a health check, then a verdict in plain words; and a planner for the next test."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from kpi_core.abtest import ExperimentSettings, analyse, list_size_effect, plan
from kpi_core.abtest.analyse import Comparison, ExperimentResult
from kpi_core.abtest.charts import lift_chart, over_time_chart, rate_chart
from kpi_core.abtest.data import experiment_data_for, experiment_datasets
from kpi_core.abtest.frames import arm_rates, default_control, interval_over_time, lifts
from kpi_core.abtest.parse import parse_arms
from kpi_core.abtest.verdict import difference_text, rate, relative
from kpi_core.errors import InputError
from kpi_core.report.export import to_csv
from pages import _session

PASTE, DATASET = "Type or paste counts", "An uploaded experiment file"
EXAMPLE = "For example:\nControl, 24310, 1215\nNew pricing page, 24122, 1366"
HEADLINES = {"win": "Winner", "loss": "Worse than control", "inconclusive": "No clear winner yet",
             "not_ready": "Not ready for a verdict"}
BOXES = {"win": st.success, "loss": st.error, "inconclusive": st.info, "not_ready": st.warning}
ICONS = {"win": ":material/trophy:", "loss": ":material/trending_down:", "inconclusive": ":material/help:",
         "not_ready": ":material/hourglass_empty:"}

ws = _session.workspace()
st.title("A/B tests")
st.caption("Is the winner real, how large is the effect, and how long must the test run? A health check comes "
           "first; the verdict says in plain words what range of effects the data fit.")
read_tab, plan_tab = st.tabs(["Read a test", "Plan a test"])


def save_arms_text() -> None:
    ws.update_settings({_session.AB_SAVED_SETTING: st.session_state[_session.AB_ARMS_TEXT]})


def verdict_box(comparison: Comparison) -> None:
    box = BOXES[comparison.verdict]
    title = HEADLINES[comparison.verdict]
    if comparison.verdict == "win":
        title = f"Winner: {comparison.arm}"
    metric = "revenue per user" if comparison.metric == "revenue_per_user" else "conversion rate"
    box(f"**{_session.plain(title)}** · {_session.plain(comparison.arm)} vs {_session.plain(comparison.control)}, "
        f"{metric}\n\n" + "  \n".join(_session.plain(s) for s in comparison.sentences), icon=ICONS[comparison.verdict])


def show_result(result: ExperimentResult, daily: pd.DataFrame | None) -> None:
    health = result.health
    srm = "—" if health.srm_p_value is None else f"p = {health.srm_p_value:.4f}"
    if health.passed and not health.warnings:
        st.success(f"Health check passed: users split as planned ({srm}), enough users and conversions"
                   + (f", {health.runtime_days} days run." if health.runtime_days else "."),
                   icon=":material/health_and_safety:")
    for warning in health.warnings:
        st.warning(_session.plain(warning), icon=":material/warning:")
    if not health.passed:
        st.error("**Health check failed: no winner is shown.** " + _session.plain(" ".join(health.problems)),
                 icon=":material/block:")

    columns = st.columns(len(result.arms))
    by_arm = {c.arm: c for c in result.comparisons}
    for column, arm in zip(columns, result.arms):
        comparison = by_arm.get(arm.name)
        column.metric(_session.plain(arm.name + (" (control)" if arm is result.control else "")), rate(arm.rate),
                      delta=relative(comparison.relative.value) if comparison and comparison.relative.value is not None
                      else None, help=f"{arm.conversions:,} conversions of {arm.users:,} users")

    for comparison in result.comparisons + result.revenue_comparisons:
        verdict_box(comparison)

    if result.comparisons:
        left, right = st.columns(2)
        left.altair_chart(rate_chart(arm_rates(result)), use_container_width=True)
        lift_frame = lifts(result.comparisons)
        if lift_frame["low"].notna().any():
            right.altair_chart(lift_chart(lift_frame.dropna(subset=["low"])), use_container_width=True)
    if daily is not None and daily["day"].nunique() > 1:
        st.altair_chart(over_time_chart(interval_over_time(daily, result)), use_container_width=True)
        st.caption("Each day shows everything collected up to that day. "
                   + ("Sequential intervals stay valid at every look." if result.settings.sequential else
                      "Fixed-horizon intervals: they are only valid at the planned sample, so do not stop the "
                      "test the first day the band leaves zero."))

    if result.comparisons:
        with st.expander("Bayesian view (secondary)", icon=":material/casino:"):
            st.caption("Probability that each variant's true conversion rate is above the control's, from an exact "
                       "Beta posterior with a flat prior, and the expected loss: the conversion rate given up, on "
                       "average, if you ship the variant and it is in fact worse. A different lens, not a second "
                       "verdict.")
            st.dataframe(pd.DataFrame([
                {"Variant": c.arm, "Chance to beat control": c.chance_to_beat_control,
                 "Expected loss (points)": None if c.expected_loss is None else c.expected_loss * 100}
                for c in result.comparisons]),
                hide_index=True, column_config={
                    "Chance to beat control": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                              max_value=1),
                    "Expected loss (points)": st.column_config.NumberColumn(format="%.3f")})

    record = result.to_record()
    numbers = pd.DataFrame([{k: v for k, v in c.items() if k != "message"}
                            for c in record["comparisons"] + record["revenue_comparisons"]])
    with st.expander("All numbers", icon=":material/table:"):
        st.dataframe(numbers, hide_index=True)
        st.download_button("Download as CSV", to_csv(numbers), "ab_test_results.csv", "text/csv")
    with st.expander("How these numbers are computed", icon=":material/functions:"):
        st.markdown(
            "- **Difference**: variant rate − control rate; standard error "
            "√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀) (unpooled), interval difference ± z × SE, and the p-value from the "
            "same z, so an interval that excludes 0 and p < α always agree. Revenue per user: Welch's t-test.\n"
            "- **Relative lift**: variant / control − 1, delta-method interval with a Welch–Satterthwaite t.\n"
            "- **Pooled p-value** (in the table): the classic two-proportion z-test, for reference.\n"
            "- **Several variants**: Holm-adjusted p-values decide the verdicts.\n"
            "- **Sequential**: always-valid confidence sequences (Waudby-Smith et al.), tuned to the planned sample.\n"
            "- **Health**: chi-square sample-ratio test against the planned split (fails below p 0.001), at least "
            "100 users and 25 conversions per arm, at least 7 days when the start date is known.\n"
            "- **Detectable effect**: the smallest lift this sample finds 80% of the time."
        )


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
    arms = []
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
        control = a.selectbox("Control", names, index=names.index(default_control(names)), key="ab_control")
        alpha = b.selectbox("Confidence", [0.05, 0.01, 0.10], format_func=lambda x: f"{1 - x:.0%} (α = {x:g})",
                            key="ab_alpha")
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
            split = tuple(float(x) for x in split_text.split(",")) if split_text.strip() else None
        except ValueError:
            st.error("Write the planned split as shares separated by commas, e.g. 50,50.")
            split = None
        try:
            settings = ExperimentSettings(
                alpha=alpha, control=control, split=split, planned_n=int(planned) or None, sequential=sequential,
                start_date=start, as_of=last_day or date.today(), currency=str(ws.settings().get("currency", "USD")),
            )
            result = analyse(arms, settings)
        except InputError as exc:
            st.error(_session.plain(str(exc)))
        else:
            show_result(result, daily)

with plan_tab:
    st.caption("How many users a test needs to detect the smallest effect worth acting on, and how long that takes.")
    a, b, c = st.columns(3)
    baseline = a.number_input("Control conversion rate (%)", min_value=0.01, max_value=99.99, value=5.0, step=0.5,
                              key="plan_baseline")
    kind = b.radio("Effect as", ["% relative", "percentage points"], horizontal=True, key="plan_kind")
    effect = c.number_input("Smallest effect worth detecting", value=10.0 if kind == "% relative" else 0.5,
                            step=0.5, key="plan_effect", help="e.g. 10 (% relative) means 5.0% → 5.5%.")
    d, e, f, g = st.columns(4)
    plan_alpha = d.selectbox("Confidence", [0.05, 0.01, 0.10], format_func=lambda x: f"{1 - x:.0%}", key="plan_alpha")
    power = e.selectbox("Power", [0.8, 0.9, 0.95], format_func=lambda x: f"{x:.0%}", key="plan_power")
    arm_count = f.number_input("Arms (incl. control)", min_value=2, max_value=6, value=2, key="plan_arms")
    traffic = g.number_input("Users per week", min_value=0, value=10000, step=1000, key="plan_traffic")
    try:
        result_plan = plan(baseline / 100, effect / 100, relative=kind == "% relative", alpha=plan_alpha, power=power,
                           arms=int(arm_count), weekly_traffic=traffic or None)
    except InputError as exc:
        st.error(_session.plain(str(exc)))
    else:
        m1, m2, m3 = st.columns(3)
        m1.metric("Users per arm", f"{result_plan.per_arm:,}")
        m2.metric("Users in total", f"{result_plan.total:,}")
        m3.metric("Duration", "—" if result_plan.whole_weeks is None else f"{result_plan.whole_weeks} weeks",
                  help="Whole weeks, so every weekday counts equally." + (
                      f" ({result_plan.weeks:.1f} weeks of traffic)" if result_plan.weeks else ""))
        st.caption(f"Detects {rate(result_plan.baseline)} → {rate(result_plan.target)} "
                   f"({difference_text('conversion_rate', result_plan.target - result_plan.baseline, 'USD')}) "
                   f"{power:.0%} of the time at {1 - plan_alpha:.0%} confidence."
                   + (f" With {int(arm_count)} arms, verdicts use Holm-adjusted p-values; plan with confidence "
                      f"{1 - plan_alpha / (int(arm_count) - 1):.1%} to keep full power against every variant."
                      if arm_count > 2 else ""))
    st.latex(r"n = \frac{\left[z_{1-\alpha/2}\sqrt{2p(1-p)} + z_{1-\beta}\sqrt{p(1-p)+q(1-q)}\right]^2}{(q-p)^2}")
    st.subheader("What can my list detect?")
    list_size = st.number_input("Users or contacts available, all arms", min_value=0, value=20000, step=1000,
                                key="plan_list")
    if list_size:
        try:
            mde = list_size_effect(baseline / 100, int(list_size), int(arm_count), plan_alpha, power)
        except InputError as exc:
            st.error(_session.plain(str(exc)))
        else:
            if mde is None:
                st.warning("Too few users to detect any change with this power.")
            else:
                st.metric("Smallest detectable change",
                          f"{difference_text('conversion_rate', mde, 'USD')}",
                          help=f"{relative(mde / (baseline / 100))} relative: {rate(baseline / 100)} → "
                               f"{rate(baseline / 100 + mde)}")
