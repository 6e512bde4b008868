"""KPI glossary: every KPI with its formula, tier, stage, what it tells and what it hides."""

from __future__ import annotations

import streamlit as st

from kpi_core.metrics import KPIS

st.title("KPI glossary")
st.caption(
    "Every KPI is computed from sums over the rows you select: a ratio is the ratio of sums, never an "
    "average of daily ratios, and it is left empty when its denominator is zero."
)
tier = st.segmented_control("Tier", ["strategic", "operational", "tactical", "volume"], key="glossary_tier",
                            selection_mode="multi", default=["strategic", "operational", "tactical", "volume"])
for kpi in KPIS:
    if kpi.tier not in (tier or []):
        continue
    with st.container(border=True):
        st.markdown(f"**{kpi.name}** · `{kpi.id}` · {kpi.tier}, {kpi.stage} · {kpi.direction} is better")
        st.markdown(f"Formula: `{kpi.formula}`")
        st.markdown(kpi.description)
        st.caption(f"What it hides: {kpi.pitfall}")
        if kpi.settings:
            st.caption("Uses the settings: " + ", ".join(s.replace("_", " ") for s in kpi.settings))
