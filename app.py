"""ROI Workbench: the Streamlit entry point. It only routes, and holds the workspace picker."""

from __future__ import annotations

import streamlit as st

from kpi_core.errors import InputError
from kpi_core.metrics import Performance
from kpi_core.metrics.views import default_range
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.workspace import list_named
from pages import _guard, _session

st.set_page_config(page_title="ROI Workbench", page_icon="📈", layout="wide")


def workspace_picker() -> None:
    ws = _session.workspace()
    with st.sidebar:
        st.markdown("**Workspace**")
        st.caption(_session.plain(_session.label(ws)))
        named = list_named()
        with st.expander("Open or name a workspace"):
            if named:
                choice = st.selectbox("Named workspaces", named, key="pick_workspace")
                if st.button("Open", key="open_workspace", disabled=choice == ws.name):
                    _session.open_workspace(choice)
                    st.rerun()
            else:
                st.caption("No named workspaces yet.")
            new_name = st.text_input(
                "Name this workspace",
                key="name_workspace",
                help="Named workspaces can be opened from any browser on this machine (e.g. in a workshop).",
            )
            if st.button("Save name", key="save_workspace_name", disabled=not new_name.strip()):
                try:
                    ws.rename_to(new_name)
                    _session.open_workspace(ws.name)
                    st.rerun()
                except InputError as exc:
                    st.error(_session.plain(str(exc)))
            other = st.text_input("New empty named workspace", key="new_workspace")
            if st.button("Create", key="create_workspace", disabled=not other.strip()):
                try:
                    if other.strip() in named:
                        raise InputError(f"'{other.strip()}' exists already: open it above.")
                    _session.open_workspace(other)
                    st.rerun()
                except InputError as exc:
                    st.error(_session.plain(str(exc)))


def filters(performance: Performance) -> None:
    """Date range and dimension filters, shared by every analysis page."""
    low, high, options = performance.filter_options()
    if low is None or high is None:
        return
    with st.sidebar:
        st.markdown("**Filters**")
        stored = st.session_state.get(_session.FILTER_DATES)
        # New data (another year uploaded) or a half-picked range: back to the data's own last 12 months.
        if st.session_state.get(_session.FILTER_BOUNDS) != (low, high) or not (
            isinstance(stored, (list, tuple)) and len(stored) == 2 and low <= stored[0] <= stored[1] <= high
        ):
            st.session_state.pop(_session.FILTER_DATES, None)
            st.session_state[_session.FILTER_BOUNDS] = (low, high)
        key = _session.remembered(_session.FILTER_DATES, default_range(low, high))
        st.date_input(
            "Date range",
            min_value=low,
            max_value=high,
            key=key,
            on_change=_session.remember,
            args=(_session.FILTER_DATES,),
        )
        for dimension, values in options.items():
            if len(values) > 1:
                name = _session.filter_key(dimension)
                key = _session.remembered(name, [], allowed=values)
                st.multiselect(
                    _session.plain(dimension.replace("_", " ").capitalize()),
                    values,
                    key=key,
                    placeholder="All",
                    on_change=_session.remember,
                    args=(name,),
                )


ANALYSIS_PAGES = ("Dashboard",)
pages = {
    "Analyse": [
        # Always the default page (a default page's URL is "/", so a changing default would break
        # bookmarks); without mapped data it sends the user on to Home.
        st.Page("pages/dashboard.py", title="Dashboard", icon=":material/dashboard:", default=True),
        st.Page("pages/goals.py", title="Goals", icon=":material/flag:"),
        st.Page("pages/annotations.py", title="Annotations", icon=":material/sticky_note_2:"),
        st.Page("pages/budget.py", title="Budget", icon=":material/savings:"),
        st.Page("pages/abtests.py", title="A/B tests", icon=":material/science:"),
        st.Page("pages/glossary.py", title="KPI glossary", icon=":material/menu_book:"),
    ],
    "Set up": [
        st.Page("pages/home.py", title="Home", icon=":material/home:"),
        st.Page("pages/data.py", title="Data", icon=":material/table:"),
        st.Page("pages/mapping.py", title="Mapping", icon=":material/account_tree:"),
        st.Page("pages/quality.py", title="Data quality", icon=":material/rule:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}
navigation = st.navigation(pages)  # first: _session.workspace() relies on it (see route_through_app)
try:
    performance = workspace_performance(_session.workspace())
except InputError as exc:  # the workspace file is held by another program: say so, and what to do
    st.error(_session.plain(str(exc)))
    st.stop()
has_kpis = bool(performance.sources)
workspace_picker()
if has_kpis and navigation.title in ANALYSIS_PAGES:
    filters(performance)
_guard.run_guarded(navigation)
