"""The Budget page's charts as Altair specs (no Streamlit): response curves per channel, spend per
channel for several splits, where a change in outcome comes from, marginal returns, and saved
scenarios' projected outcomes. Each takes aggregated frames (kpi_core.budget.frames), never rows."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from kpi_core.budget.frames import allocation_frame, curves_frame
from kpi_core.budget.model import BudgetModel
from kpi_core.budget.view import outcome_label, outcome_words, short_label
from kpi_core.metrics.format import money

SPLIT_COLORS = {"Current": "#8c8c8c", "Proposed": "#1f77b4"}


def split_colors(names: list[str]) -> alt.Scale:
    """Grey for the current split, blue for a proposal, Altair's palette for named scenarios."""
    if set(names) <= set(SPLIT_COLORS):
        return alt.Scale(domain=names, range=[SPLIT_COLORS[n] for n in names])
    return alt.Scale(domain=names)


def curve_grid(model: BudgetModel, splits: Mapping[str, np.ndarray]) -> alt.FacetChart:
    """Small multiples, one per channel: observed periods, the fitted curve and its 90% band, the
    splits' spends marked, and the region beyond the largest spend seen shaded."""
    frame = curves_frame(model, dict(splits))
    colors = split_colors(list(splits))
    base = alt.Chart().encode(x=alt.X("spend:Q", title=f"Spend per {model.grain}", axis=alt.Axis(format="~s")))
    y = alt.Y("outcome:Q", title=outcome_label(model.target), axis=alt.Axis(format="~s"))
    layer = alt.datum.layer
    chart: alt.FacetChart = (
        alt.layer(
            base.transform_filter(layer == "beyond").mark_rect(color="#f3e3c3", opacity=0.6).encode(x2="spend_end:Q"),
            base.transform_filter(layer == "curve")
            .mark_area(opacity=0.25, color="#1f77b4")
            .encode(y="low:Q", y2="high:Q"),
            base.transform_filter(layer == "point").mark_circle(size=18, color="#555", opacity=0.45).encode(y=y),
            base.transform_filter(layer == "curve").mark_line(color="#1f77b4").encode(y=y),
            base.transform_filter(layer == "mark")
            .mark_rule(strokeWidth=2)
            .encode(color=alt.Color("split:N", scale=colors, title=None)),
            base.transform_filter(layer == "mark")
            .mark_point(filled=True, size=90)
            .encode(
                y=y,
                color=alt.Color("split:N", scale=colors, title=None),
                tooltip=[
                    alt.Tooltip("split:N", title="Split"),
                    alt.Tooltip("spend:Q", format=",.0f", title="Spend"),
                    alt.Tooltip("outcome:Q", format=",.1f", title=outcome_label(model.target)),
                ],
            ),
            data=frame,
        )
        .properties(width=320, height=200)
        .facet(
            facet=alt.Facet(
                "channel:N", sort=model.names, title=None, header=alt.Header(labelFontSize=13, labelFontWeight="bold")
            ),
            columns=2,
        )
        .resolve_scale(x="independent", y="independent")
    )
    return chart


def allocation_chart(model: BudgetModel, splits: Mapping[str, np.ndarray]) -> alt.Chart:
    frame = allocation_frame(model.names, dict(splits))
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("channel:N", title=None, sort=model.names, axis=alt.Axis(labelLimit=160)),
            yOffset=alt.YOffset("split:N", sort=list(splits)),
            x=alt.X("spend:Q", title=f"Spend per {model.grain}", axis=alt.Axis(format="~s")),
            color=alt.Color("split:N", scale=split_colors(list(splits)), title=None),
            tooltip=[
                alt.Tooltip("channel:N", title="Channel"),
                alt.Tooltip("split:N", title="Split"),
                alt.Tooltip("spend:Q", format=",.0f", title="Spend"),
            ],
        )
        .properties(height=alt.Step(14), title="Spend per channel")
    )
    return chart


def waterfall_chart(frame: pd.DataFrame, target: str) -> alt.Chart:
    """``frame``: frames.waterfall_frame (step, start, end, change, kind)."""
    colors = alt.Scale(domain=["total", "gain", "loss"], range=["#8c8c8c", "#2ca02c", "#d62728"])
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "step:N",
                sort=list(frame["step"]),
                title=None,
                axis=alt.Axis(labelAngle=-35, labelLimit=120, labelOverlap=False),
            ),
            y=alt.Y("start:Q", title=short_label(target), axis=alt.Axis(format="~s"), scale=alt.Scale(zero=False)),
            y2="end:Q",
            color=alt.Color("kind:N", scale=colors, legend=None),
            tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("change:Q", format="+,.1f", title="Change")],
        )
        .properties(height=300, title=f"Change in {outcome_words(target)} by channel")
    )
    return chart


def marginal_chart(frame: pd.DataFrame, model: BudgetModel, currency: str = "USD") -> alt.LayerChart:
    """``frame``: frames.marginal_frame (channel, split, marginal_return, low, high)."""
    base = alt.Chart(frame).encode(
        y=alt.Y("channel:N", title=None, sort=model.names, axis=alt.Axis(labelLimit=160)),
        yOffset=alt.YOffset("split:N"),
        color=alt.Color("split:N", scale=split_colors(list(dict.fromkeys(frame["split"].unique()))), title=None),
    )
    bars = base.mark_bar().encode(
        x=alt.X("marginal_return:Q", title=f"{short_label(model.target)} from each extra {money(1, currency, 0)}"),
        tooltip=[
            alt.Tooltip("channel:N", title="Channel"),
            alt.Tooltip("split:N", title="Split"),
            alt.Tooltip("marginal_return:Q", format=",.4g", title="Marginal return"),
            alt.Tooltip("low:Q", format=",.4g", title="Low"),
            alt.Tooltip("high:Q", format=",.4g", title="High"),
        ],
    )
    whiskers = base.mark_rule(color="#333").encode(x="low:Q", x2="high:Q")
    chart: alt.LayerChart = (bars + whiskers).properties(height=alt.Step(14), title="Return on the next dollar")
    return chart


def scenario_outcomes_chart(table: pd.DataFrame, model: BudgetModel) -> alt.LayerChart:
    """``table``: scenarios.compare_scenarios (scenario, outcome, outcome_low, outcome_high...)."""
    bars = alt.Chart(table).encode(
        y=alt.Y("scenario:N", sort=list(table["scenario"]), title=None, axis=alt.Axis(labelLimit=200))
    )
    outcome = alt.X("outcome:Q", title=f"{outcome_label(model.target)} per {model.grain}", axis=alt.Axis(format="~s"))
    chart: alt.LayerChart = (
        bars.mark_bar(color="#1f77b4").encode(x=outcome)
        + bars.mark_rule(color="#333").encode(x="outcome_low:Q", x2="outcome_high:Q")
    ).properties(height=alt.Step(28), title="Projected outcome (90% range)")
    return chart
