"""The Budget page's table columns: how each column of kpi_core.budget's frames is titled and
formatted in st.dataframe (Streamlit's column_config, so it lives beside the page)."""

from __future__ import annotations

from typing import Any

import streamlit as st

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


def fit_columns(period: str) -> dict[str, Any]:
    return {
        "channel": "Channel", "curve": "Curve", "r2": st.column_config.NumberColumn("R²", format="%.2f"),
        "points": st.column_config.NumberColumn(f"{period.capitalize()}s used"),
        "carry_over": st.column_config.NumberColumn("Carry-over decay", format="%.1f"),
        "current_spend": st.column_config.NumberColumn(f"Current spend / {period}", format="%,.0f"),
        "cap": st.column_config.NumberColumn(f"Largest spend / {period}", format="%,.0f"),
        "notes": st.column_config.TextColumn("Notes", width="large"),
    }


def limits_columns(period: str) -> dict[str, Any]:
    return {
        "channel": "Channel",
        "current": st.column_config.NumberColumn(f"Current / {period}", format="%,.0f"),
        "minimum": st.column_config.NumberColumn("Minimum", min_value=0.0, format="%,.0f",
                                                 help="Empty: 0"),
        "maximum": st.column_config.NumberColumn("Maximum", min_value=0.0, format="%,.0f",
                                                 help="Empty: the largest spend the channel has had"),
        "locked": st.column_config.CheckboxColumn("Keep as is", help="Hold at the current spend"),
    }


def scenario_columns(channels: list[str]) -> dict[str, Any]:
    return {
        **PROJECTION_COLUMNS, "scenario": "Scenario", "change": PROJECTION_COLUMNS["outcome_change"],
        "change_pct": st.column_config.NumberColumn("Change %", format="percent"),
        "probability_of_gain": st.column_config.NumberColumn("Chance of gaining", format="percent"),
        **{f"spend: {n}": st.column_config.NumberColumn(n, format="%,.0f") for n in channels},
    }
