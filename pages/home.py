"""Home: what the app does, sample data in one click, and where this workspace stands."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi_core.errors import InputError
from kpi_core.mapping.roles import KIND_LABELS
from kpi_core.metrics.format import display_table
from kpi_core.workspace import load_samples, new_private_name
from kpi_core.workspace.samples import holds_own_data
from pages import _session, _tables

ws = _session.workspace()
st.title("ROI Workbench")
st.markdown(
    "Prove what your marketing returns. Upload the spreadsheets your ad platforms and CRM give you, "
    "say once which column is which funnel stage, and the workbench does the rest: ROMI, CAC, CPL and "
    "conversion by channel, campaign and period, all computed the same correct way."
)
_session.show_flash()

datasets = ws.datasets()
mapped = sum(1 for d in datasets if d.is_mapped)
ready = any(d.kind == "performance" and d.is_mapped for d in datasets)
left, middle, right = st.columns(3)
left.metric("Datasets in this workspace", len(datasets))
middle.metric("Mapped to the funnel", mapped)
with right:
    if ready:
        st.page_link("pages/dashboard.py", label="Open the dashboard", icon=":material/dashboard:")
        st.caption("ROMI, CAC, CPL, funnel and trends from your mapped data.")

st.subheader("Get started")
one, two, three = st.columns(3)
with one:
    st.markdown("**1. Add data**")
    st.caption("CSV or Excel exports from Google Ads, LinkedIn, Meta, HubSpot, Salesforce or your own sheets.")
    st.page_link("pages/data.py", label="Upload files", icon=":material/table:")
with two:
    st.markdown("**2. Map columns**")
    st.caption("Say which column is spend, leads, SQLs, revenue... We suggest a mapping for you.")
    st.page_link("pages/mapping.py", label="Map columns", icon=":material/account_tree:")
with three:
    st.markdown("**Or try it with sample data**")
    st.caption("Two years of a B2B company's weekly data across 7 channels, a CRM export and an A/B test.")
    own_data = holds_own_data(ws)
    merge = own_data and st.checkbox(
        "Add them to this workspace", key="merge_samples",
        help="Off: the samples open in a new workspace of their own, so they never mix with your data.")
    if st.button("Load sample data", type="secondary" if datasets else "primary", key="load_samples"):
        try:
            with st.spinner("Loading sample data..."):
                if own_data and not merge:
                    st.session_state[_session.OWN_WORKSPACE] = ws.name
                    ws = _session.open_workspace(new_private_name())
                added = load_samples(ws)
            _session.flash(
                (f"Loaded {len(added)} sample dataset(s)." if added else "The sample data is already loaded.")
                + (" They are in a workspace of their own; your data is where you left it." if own_data and not merge else "")
            )
            st.rerun()
        except InputError as exc:
            st.error(_session.plain(str(exc)))
    own = st.session_state.get(_session.OWN_WORKSPACE)
    if own and own != ws.name and st.button("Back to my data", key="back_to_own"):
        _session.open_workspace(own)
        st.rerun()

if datasets:
    st.subheader("In this workspace")
    _tables.show(display_table(pd.DataFrame(
        [
            {"Dataset": d.name, "Type of data": KIND_LABELS[d.kind].split(" (")[0], "Rows": d.rows,
             "File": d.file_name, "Mapped": "yes" if d.is_mapped else "needs mapping"}
            for d in datasets
        ]), units={"Rows": "count"}), key="home_datasets")
