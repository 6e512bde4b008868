"""Settings of this workspace: margin and lifetime for ROMI and CLV, currency, shading thresholds."""

from __future__ import annotations

import streamlit as st

from kpi_core.alerts import AlertSettings, watched_kpis
from kpi_core.metrics import BY_ID
from kpi_core.metrics.workspace_data import workspace_performance
from pages import _session

ws = _session.workspace()
performance = workspace_performance(ws)
current = performance.settings
st.title("Settings")
st.caption("These apply to every KPI of this workspace and override the settings saved with a mapping.")
_session.show_flash()
with st.form("settings"):
    a, b = st.columns(2)
    margin = a.number_input("Gross margin (%)", 0.0, 100.0, current.gross_margin * 100, 5.0, format="%.0f",
                            help="Used by ROMI, CLV, LTV:CAC and CAC payback.") / 100
    lifetime = b.number_input("Customer lifetime (years)", 0.1, 50.0, float(current.customer_lifetime_years), 0.5,
                              help="Used by CLV and LTV:CAC.")
    c, d, e = st.columns(3)
    currency = c.text_input("Currency", current.currency)
    strong = d.number_input("ROAS shown as strong from", 0.0, 100.0, current.roas_strong, 0.5)
    weak = e.number_input("ROAS shown as weak under", 0.0, 100.0, current.roas_weak, 0.5)
    st.markdown("**Alerts on the Dashboard**")
    f, g, h = st.columns([1, 1, 3])
    threshold = f.number_input("Alert at (MAD units)", 1.0, 10.0, AlertSettings.from_settings(current).threshold, 0.5,
                               help="How far from its recent median a period must be, in robust standard deviations. "
                                    "Lower finds more (and more false alarms).")
    window = g.number_input("Periods of history", 4, 52, AlertSettings.from_settings(current).window, 1,
                            help="How many earlier periods the expected value is the median of.")
    computable = [k.id for k in performance.kpis]
    watched = h.multiselect("KPIs to watch", computable, default=watched_kpis(performance, current),
                            format_func=lambda k: BY_ID[k].name)
    if st.form_submit_button("Save settings", type="primary"):
        if weak > strong:
            st.error("The weak threshold must not be above the strong one.")
        else:
            ws.update_settings({"gross_margin": margin, "customer_lifetime_years": lifetime,
                                "currency": currency.strip() or "USD", "roas_strong": strong, "roas_weak": weak,
                                "alert_threshold": threshold, "alert_window": int(window), "alert_kpis": watched})
            _session.flash("Saved the settings.")
            st.rerun()
