"""The Goals page's chart, as an Altair spec (no Streamlit): actual to date, the target pace, and
both projections with the trend's interval."""

from __future__ import annotations

import altair as alt
import pandas as pd

from kpi_core.metrics.registry import BY_ID

SERIES = ["Actual", "Target pace", "Projection (pace)", "Projection (trend)"]
COLOURS = ["#4C78A8", "#54A24B", "#BBBBBB", "#F58518"]


def progress_chart(chart: pd.DataFrame, kpi_id: str) -> alt.LayerChart | None:
    """``chart``: Progress.chart (date, series, value, low, high); None when there is nothing to draw."""
    if chart.empty:
        return None
    kpi = BY_ID[kpi_id]
    lines = (
        alt.Chart(chart)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("value:Q", title=f"{kpi.name}{' (cumulative)' if kpi.is_sum else ' (over the window so far)'}"),
            color=alt.Color(
                "series:N", legend=alt.Legend(title=None, orient="top"), scale=alt.Scale(domain=SERIES, range=COLOURS)
            ),
            strokeDash=alt.condition(alt.datum.series == "Actual", alt.value([1, 0]), alt.value([5, 4])),
            tooltip=[alt.Tooltip("date:T"), "series:N", alt.Tooltip("value:Q", format=",.4g")],
        )
    )
    band = (
        alt.Chart(chart.dropna(subset=["low"]))
        .mark_errorbar(color="#F58518", thickness=2)
        .encode(x="date:T", y=alt.Y("low:Q", title=""), y2="high:Q")
    )
    layers: alt.LayerChart = lines + band
    return layers
