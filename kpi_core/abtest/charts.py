"""The A/B test charts as values: Altair specs built from the small frames of ``frames.py``.

No Streamlit here: a page shows them with ``st.altair_chart``, a test reads ``chart.to_dict()``, a
report could save them. The frames are aggregated already (a row per arm, or per arm and day).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

VERDICT_COLORS: dict[str, str] = {
    "win": "#2ca02c",
    "loss": "#d62728",
    "inconclusive": "#1f77b4",
    "not_ready": "#ff7f0e",
}
ROLE_COLORS: dict[str, str] = {"Control": "#8c8c8c", "Variant": "#1f77b4"}
VERDICT_LABELS: dict[str, str] = {
    "win": "Winner",
    "loss": "Worse than control",
    "inconclusive": "No clear winner yet",
    "not_ready": "Not ready",
}
"""The tooltip's words for the verdicts (the frame keeps the codes)."""


def _scale(colors: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def _arm_axis(frame: pd.DataFrame) -> alt.Chart:
    """One row per arm, in the frame's order, long names kept."""
    return alt.Chart(frame).encode(y=alt.Y("arm:N", title=None, sort=None, axis=alt.Axis(labelLimit=160)))


def _zero(channel: str) -> alt.Chart:
    """A dashed rule at 0 on ``channel`` (x or y): no change."""
    rule: alt.Chart = alt.Chart(pd.DataFrame({channel: [0.0]})).mark_rule(strokeDash=[4, 4], color="#555")
    return rule.encode(**{channel: f"{channel}:Q"})


def rate_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Each arm's conversion rate as a point on its interval (``frames.arm_rates``), control in grey."""
    base, colors = _arm_axis(frame), _scale(ROLE_COLORS)
    bars = base.mark_rule(strokeWidth=4).encode(
        x=alt.X(
            "low:Q",
            title="Conversion rate (line: its range)",
            axis=alt.Axis(format=".1%"),
            scale=alt.Scale(zero=False),
        ),
        x2="high:Q",
        color=alt.Color("role:N", title=None, scale=colors, legend=None),
    )
    points = base.mark_point(filled=True, size=120).encode(
        x="rate:Q",
        color=alt.Color("role:N", scale=colors, legend=None),
        tooltip=[
            alt.Tooltip("arm:N", title="Arm"),
            alt.Tooltip("rate:Q", format=".2%", title="Rate"),
            alt.Tooltip("low:Q", format=".2%", title="Low"),
            alt.Tooltip("high:Q", format=".2%", title="High"),
            alt.Tooltip("users:Q", format=",", title="Users"),
        ],
    )
    chart: alt.LayerChart = (bars + points).properties(height=alt.Step(44), title="Conversion rate per arm")
    return chart


def lift_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Each variant's relative lift on its interval against a dashed zero (``frames.lifts``, the rows
    with an interval), coloured by verdict."""
    frame = frame.assign(verdict_label=[VERDICT_LABELS.get(v, str(v)) for v in frame["verdict"]])
    base, colors = _arm_axis(frame), _scale(VERDICT_COLORS)
    bars = base.mark_rule(strokeWidth=4).encode(
        x=alt.X("low:Q", title="Lift (dashed: no change)", axis=alt.Axis(format="+.0%")),
        x2="high:Q",
        # no legend: the verdict is written in its box above, and a legend would take half the chart
        color=alt.Color("verdict:N", scale=colors, title="Verdict", legend=None),
    )
    points = base.mark_point(filled=True, size=120).encode(
        x="lift:Q",
        color=alt.Color("verdict:N", scale=colors, legend=None),
        tooltip=[
            alt.Tooltip("arm:N", title="Arm"),
            alt.Tooltip("verdict_label:N", title="Verdict"),
            alt.Tooltip("lift:Q", format="+.1%", title="Lift"),
            alt.Tooltip("low:Q", format="+.1%", title="Low"),
            alt.Tooltip("high:Q", format="+.1%", title="High"),
        ],
    )
    chart: alt.LayerChart = (_zero("x") + bars + points).properties(height=alt.Step(44), title="Lift vs control")
    return chart


def over_time_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Each variant's difference from the control day by day, in its band (``frames.interval_over_time``)."""
    base = alt.Chart(frame).encode(x=alt.X("day:T", title=None), color=alt.Color("arm:N", title="Variant"))
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title="Difference vs control", axis=alt.Axis(format="+.1%")), y2="high:Q"
    )
    line = base.mark_line().encode(
        y="diff:Q",
        tooltip=[
            alt.Tooltip("day:T", title="Day"),
            alt.Tooltip("arm:N", title="Variant"),
            alt.Tooltip("diff:Q", format="+.2%", title="Difference"),
            alt.Tooltip("low:Q", format="+.2%", title="Low"),
            alt.Tooltip("high:Q", format="+.2%", title="High"),
        ],
    )
    chart: alt.LayerChart = (band + line + _zero("y")).properties(
        height=260, title="The difference and its interval, day by day"
    )
    return chart
