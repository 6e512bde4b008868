"""The page guard: an unexpected error on a page shows one sentence and its details, never a bare
traceback, and the rest of the app (sidebar, other pages, the workspace) keeps working."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import streamlit as st

# Tests set it so that a bug still fails them (AppTest's at.exception) after the sentence is shown.
STRICT_ENV = "ROI_WORKBENCH_STRICT"
SENTENCE = (
    "Something went wrong while drawing this page; your data and workspace are safe. Try another page "
    "or filter, and if it happens again, send the details below to the team."
)
ROOT = Path(__file__).resolve().parents[1]


def details(exc: BaseException) -> str:
    """The error and where it happened, with paths relative to the app (no home directories)."""
    text = "".join(traceback.format_exception(exc))
    return text.replace(str(ROOT) + os.sep, "")


def run_guarded(page: st.Page) -> None:
    try:
        page.run()
    except Exception as exc:  # st.stop/st.rerun are BaseExceptions and pass through
        st.error(SENTENCE, icon=":material/error:")
        with st.expander("Details"):
            st.code(details(exc), language=None)
        if os.environ.get(STRICT_ENV):
            raise
