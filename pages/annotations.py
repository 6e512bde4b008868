"""Annotations: what happened outside the data (a trade show, a launch, a tracking outage), drawn on
every trend chart."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kpi_core.errors import InputError
from kpi_core.trends.annotations import add_annotation, delete_annotation, saved_annotations, update_annotation
from pages import _session

ws = _session.workspace()
st.title("Annotations")
st.caption("Dated notes on what happened outside the data. Each one is drawn on every trend chart, so a dip "
           "or a spike is read next to its cause.")
_session.show_flash()

with st.form("add_annotation", clear_on_submit=True):
    a, b = st.columns([1, 3])
    day = a.date_input("Day", value=date.today())
    title = b.text_input("Title", placeholder="Trade show: SaaStr Europa")
    note = st.text_area("Detail (optional)", placeholder="Booth 12; 240 badge scans, uploaded to the CRM on 18 Jun.")
    if st.form_submit_button("Add annotation", type="primary"):
        try:
            added = add_annotation(ws, day, title, note)
        except InputError as exc:
            st.error(_session.plain(str(exc)))
        else:
            _session.flash(f"Added '{added.title}' on {added.day:%d %b %Y}.")
            st.rerun()

notes = saved_annotations(ws)
st.header(f"All annotations ({len(notes)})")
if not notes:
    st.caption("None yet.")
for annotation in notes:
    with st.expander(_session.plain(f"{annotation.day:%d %b %Y} · {annotation.title}")):
        with st.form(f"edit_annotation_{annotation.id}"):
            a, b = st.columns([1, 3])
            day = a.date_input("Day", value=annotation.day)
            title = b.text_input("Title", value=annotation.title)
            note = st.text_area("Detail", value=annotation.note)
            save, delete = st.columns(2)
            if save.form_submit_button("Save"):
                try:
                    update_annotation(ws, annotation.id, day, title, note, based_on=annotation)  # type: ignore[arg-type]
                except InputError as exc:
                    st.error(_session.plain(str(exc)))
                else:
                    _session.flash(f"Saved '{title.strip()}'.")
                    st.rerun()
            if delete.form_submit_button("Delete"):
                try:
                    delete_annotation(ws, annotation.id, based_on=annotation)  # type: ignore[arg-type]
                except InputError as exc:
                    st.error(_session.plain(str(exc)))
                else:
                    _session.flash(f"Deleted '{annotation.title}'.")
                    st.rerun()
