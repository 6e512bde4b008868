"""ROI Workbench: the Streamlit entry point. It only routes, and holds the workspace picker."""

from __future__ import annotations

import streamlit as st

from kpi_core.errors import InputError
from kpi_core.workspace import list_named
from pages import _session

st.set_page_config(page_title="ROI Workbench", page_icon="📈", layout="wide")


def workspace_picker() -> None:
    ws = _session.workspace()
    with st.sidebar:
        st.markdown("**Workspace**")
        st.caption(_session.label(ws))
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
                "Name this workspace", key="name_workspace",
                help="Named workspaces can be opened from any browser on this machine (e.g. in a workshop).",
            )
            if st.button("Save name", key="save_workspace_name", disabled=not new_name.strip()):
                try:
                    ws.rename_to(new_name)
                    _session.open_workspace(ws.name)
                    st.rerun()
                except InputError as exc:
                    st.error(str(exc))
            other = st.text_input("New empty named workspace", key="new_workspace")
            if st.button("Create", key="create_workspace", disabled=not other.strip()):
                try:
                    if other.strip() in named:
                        raise InputError(f"'{other.strip()}' exists already: open it above.")
                    _session.open_workspace(other)
                    st.rerun()
                except InputError as exc:
                    st.error(str(exc))


pages = {
    "Workbench": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/data.py", title="Data", icon="📄"),
        st.Page("pages/mapping.py", title="Mapping", icon="🧭"),
    ],
}
navigation = st.navigation(pages)
workspace_picker()
navigation.run()
