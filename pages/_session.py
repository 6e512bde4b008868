"""What one browser session keeps: its workspace (named in the URL so a refresh keeps it).

Every session_state key the app uses is defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from unittest.mock import Mock

import streamlit as st

from kpi_core.errors import InputError
from kpi_core.markdown import as_markdown_text
from kpi_core.workspace import Dataset, Workspace, new_private_name
from kpi_core.workspace.home import is_private

WORKSPACE = "workspace"
UPLOADED = "uploaded_file_ids"
UPLOAD_SHEETS = "upload_sheet_names"  # file id -> its sheets (reading them starts a worker process)
SELECTED_DATASET = "selected_dataset_id"
FLASH = "flash_message"
QUERY_WORKSPACE = "ws"
OWN_WORKSPACE = "own_workspace"  # where the user's data is, after sample data opened a workspace of its own


def route_through_app() -> None:
    """Make sure app.py (the router) runs. Streamlit auto-discovers ``pages/`` until ``st.navigation``
    has been called once in the server process; if a fresh server's first request is a deep link
    (``/abtests``), it runs that page file alone, with no router, and stays in that mode for every
    later session. Switch the discovery off and rerun through app.py (private API, so guarded).
    app.py calls ``st.navigation`` before anything reaches here, so a routed run never reruns. AppTest
    runs a switched-to page this way on purpose (and resets the flag every run, under a mock runtime):
    left alone there."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without it has no such mode either
        return
    if getattr(PagesManager, "uses_pages_directory", False) and not isinstance(Runtime._instance, Mock):
        PagesManager.uses_pages_directory = False
        st.rerun()


def workspace() -> Workspace:
    """This session's workspace: the one named in the URL, else a new private one."""
    route_through_app()
    name = st.query_params.get(QUERY_WORKSPACE)
    current: Workspace | None = st.session_state.get(WORKSPACE)
    if current is not None and (not name or current.name == name):
        if not name:
            st.query_params[QUERY_WORKSPACE] = current.name
        return current
    try:
        return open_workspace(name or new_private_name())
    except InputError:  # a mangled name in the URL: start afresh rather than fail
        return open_workspace(new_private_name())


def open_workspace(name: str) -> Workspace:
    """Switch this session to the workspace ``name`` (and say so in the URL)."""
    current: Workspace | None = st.session_state.get(WORKSPACE)
    opened = Workspace(name)  # checks the name before anything is closed
    if current is not None:
        current.close()
    st.session_state[WORKSPACE] = opened
    st.query_params[QUERY_WORKSPACE] = opened.name
    return opened


def label(ws: Workspace) -> str:
    return "Private to this browser tab" if is_private(ws.name) else ws.name


def flash(message: str) -> None:
    """A message to show once, after the rerun that follows an action."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(plain(message))


# --- shared filters (drawn in the sidebar by app.py, read by every analysis page) ---------------

FILTER_DATES = "filter_dates"
FILTER_BOUNDS = "filter_date_bounds"  # the data's first and last day when the range was chosen
FILTER_PREFIX = "filter_dim_"
COMPARISON = "comparison"


WIDGET = "widget_"


def remembered(name: str, default: object, allowed: list[str] | None = None) -> str:
    """A widget key whose value outlives pages that do not draw it (Streamlit drops widget state
    of widgets not drawn in a run): the value lives under ``name``; the widget's key is derived."""
    value = st.session_state.get(name, default)
    if allowed is not None and isinstance(value, list):
        value = [v for v in value if v in allowed]
    st.session_state[name] = value
    st.session_state[WIDGET + name] = value
    return WIDGET + name


def remember(name: str) -> None:
    st.session_state[name] = st.session_state[WIDGET + name]


def filter_key(dimension: str) -> str:
    return FILTER_PREFIX + dimension


def kpi_request(dimensions: list[str]):  # type: ignore[no-untyped-def]
    """The KpiRequest the sidebar filters describe (dates and dimension values)."""
    from kpi_core.metrics import KpiRequest

    dates = st.session_state.get(FILTER_DATES)
    start = end = None
    if isinstance(dates, (list, tuple)) and len(dates) == 2:
        start, end = dates
    where = {
        d: tuple(st.session_state.get(filter_key(d)) or ())
        for d in dimensions
        if st.session_state.get(filter_key(d))
    }
    return KpiRequest(date_from=start, date_to=end, where=where)


def pick_dataset(
    datasets: list[Dataset], describe: Callable[[Dataset], str] = lambda d: d.name, default_last: bool = False
) -> Dataset:
    """The dataset picker the dataset pages share: the choice follows the user from page to page."""
    by_id = {d.id: d for d in datasets}
    ids = list(by_id)
    wanted = st.session_state.get(SELECTED_DATASET)
    chosen = st.selectbox(
        "Dataset", ids, index=ids.index(wanted) if wanted in ids else (len(ids) - 1 if default_last else 0),
        format_func=lambda i: describe(by_id[i]),
    )
    st.session_state[SELECTED_DATASET] = chosen
    return by_id[chosen]


def plain(text: object) -> str:
    """Text from a stranger's file (column names, cells, file, arm, goal names) for any element that
    renders Markdown (st.markdown, alerts, captions, metric labels and values, widget, tab and expander
    labels, radio options): shown literally, never as a link, image, HTML, icon or formula.
    The one helper for it; the rule is ``kpi_core.markdown.as_markdown_text``."""
    return as_markdown_text(str(text))


# --- A/B tests page -----------------------------------------------------------------------------

AB_ARMS_TEXT = "ab_arms_text"
AB_SOURCE = "ab_source"
AB_SAVED_SETTING = "abtest_arms_text"  # workspace setting: the typed arms survive a refresh


# --- Budget page --------------------------------------------------------------------------------

BUDGET_TARGET = "budget_target"
BUDGET_GRAIN = "budget_grain"
BUDGET_ADSTOCK = "budget_adstock"
BUDGET_LAG = "budget_lag"
BUDGET_BOUNDS = "budget_bounds"
BUDGET_TAB = "budget_tab"
BUDGET_WHATIF = "budget_what_if"  # the WhatIfState (kept in the URL under QUERY_WHATIF)
BUDGET_WHATIF_PICK = "budget_what_if_channel"
BUDGET_WHATIF_SLIDER = "budget_what_if_slider"
BUDGET_WHATIF_AMOUNT = "budget_what_if_amount"
BUDGET_WHATIF_PERCENT = "budget_what_if_percent"
BUDGET_WHATIF_KEEP = "budget_what_if_keep_total"
BUDGET_WHATIF_NOTE = "budget_what_if_note"
BUDGET_WHATIF_BEYOND = "budget_what_if_beyond"
QUERY_WHATIF = "whatif"


# --- view state a refresh keeps (the URL holds it; the session holds it between pages) ----------


def from_url(name: str) -> str | None:
    return st.query_params.get(name)


def keep_in_url(name: str, value: str | None) -> None:
    """Say ``value`` in the URL under ``name`` (None: take it out); untouched when it says so already."""
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def kept_tabs(name: str, labels: list[str]):  # type: ignore[no-untyped-def]
    """Tabs whose open one is in the URL under ``name``, so a refresh (or a shared link) opens it.
    Only the open tab runs (``tab.open``): a rerun draws fewer elements."""
    return st.tabs(labels, key=name, bind="query-params")
