"""The Budget page's editable limits table: how its columns are titled and formatted in
st.data_editor (Streamlit's column_config, so it lives beside the page). Every read-only table of
the page is a kpi_core DisplayTable shown by pages/_tables.py."""

from __future__ import annotations

from typing import Any

import streamlit as st


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
