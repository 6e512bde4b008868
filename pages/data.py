"""Data: upload files, see what was read (preview, profile, data-quality warnings), manage datasets."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi_core.errors import InputError
from kpi_core.ingest import FILE_TYPES, list_sheets, list_tables
from kpi_core.mapping.columns import display_units
from kpi_core.mapping.roles import KIND_LABELS
from kpi_core.metrics.format import EMPTY, display_table, number
from kpi_core.workspace import Dataset, Workspace
from pages import _session, _tables

ws = _session.workspace()
st.title("Data")
st.caption(
    "Upload CSV or Excel exports. Title lines, total rows, currency strings, decimal commas and "
    "European dates are handled; anything dropped or guessed is listed under the dataset."
)
_session.show_flash()


def add_uploads(workspace: Workspace) -> None:
    uploads = st.file_uploader(
        "Add files", type=FILE_TYPES, accept_multiple_files=True, key="upload_files",
        help="Several files at once are fine. Each becomes a dataset of this workspace.",
    )
    done: set[str] = st.session_state.setdefault(_session.UPLOADED, set())
    new = [u for u in uploads or [] if u.file_id not in done]
    if new:
        progress = st.progress(0.0, text="Reading files...")
        for index, upload in enumerate(new, start=1):
            progress.progress((index - 1) / len(new), text=_session.plain(f"Reading {upload.name} ({index} of {len(new)})..."))
            done.add(upload.file_id)
            try:
                dataset = workspace.add_dataset(upload.getvalue(), file_name=upload.name)
                st.session_state[_session.SELECTED_DATASET] = dataset.id
                st.success(_session.plain(f"Added '{dataset.name}': {dataset.rows:,} rows, {len(dataset.profile.columns)} columns."))
            except InputError as exc:
                st.error(_session.plain(f"{upload.name}: {exc}"))
        progress.empty()
    for upload in uploads or []:
        offer_other_sheets(workspace, upload)


def offer_other_sheets(workspace: Workspace, upload) -> None:  # type: ignore[no-untyped-def]
    """A workbook's other sheets, or a text file's other stacked tables, each to add as a dataset."""
    known: dict[str, tuple[str, list[str]]] = st.session_state.setdefault(_session.UPLOAD_SHEETS, {})
    if upload.file_id not in known:  # once per upload, not on every rerun
        try:
            sheets = list_sheets(upload.getvalue(), upload.name)
            known[upload.file_id] = ("sheet", sheets) if sheets else ("table", list_tables(upload.getvalue(), upload.name))
        except InputError:
            known[upload.file_id] = ("sheet", [])
    part, names = known[upload.file_id]
    if len(names) < 2:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    label = f"{upload.name} has {len(names)} {part}s; add another"
    index = left.selectbox(
        _session.plain(label), range(len(names)), index=1 if part == "table" else 0,  # the first one is added already
        format_func=lambda i: names[i], key=f"{part}-{upload.file_id}",
    )
    if right.button(f"Add {part}", key=f"add-{part}-{upload.file_id}"):
        try:
            if part == "sheet":
                dataset = workspace.add_dataset(upload.getvalue(), file_name=upload.name, sheet=names[index])
            else:
                dataset = workspace.add_dataset(upload.getvalue(), file_name=upload.name, table=index)
            st.session_state[_session.SELECTED_DATASET] = dataset.id
            _session.flash(f"Added {part} '{names[index]}' as '{dataset.name}'.")
            st.rerun()
        except InputError as exc:
            st.error(_session.plain(str(exc)))


def show_dataset(workspace: Workspace, dataset: Dataset) -> None:
    profile = dataset.profile
    a, b, c, d = st.columns(4)
    a.metric("Rows", f"{dataset.rows:,}")
    b.metric("Columns", len(profile.columns))
    c.metric("Rows left out", f"{profile.left_out:,}")
    d.metric("Mapped", "Yes" if dataset.is_mapped else "Not yet")
    st.caption(_session.plain(
        f"{KIND_LABELS[dataset.kind]}, from {dataset.file_name}" + (f", sheet '{dataset.sheet}'" if dataset.sheet else "")
        + (f", table {profile.table_number} of {len(profile.tables)} ('{profile.table}')" if profile.table else "")
        + f"; column names taken from row {profile.header_row}."
    ))
    for warning in profile.warnings:
        st.warning(_session.plain(warning))
    validation = dataset.validation
    if validation is not None and not validation.ok:
        st.info("This dataset is not mapped yet. Open the Mapping page to say which column is which.")
        st.page_link("pages/mapping.py", label="Map columns", icon=":material/account_tree:")

    preview, columns, dropped, manage = _session.kept_tabs(
        "data_tab", ["Preview", "Columns", "Rows left out", "Rename, replace, delete"])
    with preview:
        preview_frame = workspace.preview(dataset.id, 200)
        units = display_units(profile.columns, dataset.rows)
        # File headers are shown as they are (labels=...), never reworded.
        _tables.show(display_table(preview_frame, units=units, labels={c: str(c) for c in preview_frame.columns}),
                     key=f"preview-{dataset.id}")
        st.caption("The first 200 rows, as read (IDs as written, numbers to four significant figures).")
    with columns:
        _tables.show(display_table(pd.DataFrame(
            [
                {"Column": col.name, "Type": col.type, "Values": col.non_null, "Empty": dataset.rows - col.non_null,
                 "Sum": col.sum if col.type == "number" else None, "Min": _text(col.min), "Max": _text(col.max)}
                for col in profile.columns
            ]), units={"Values": "count", "Empty": "count", "Sum": "number"}), key=f"columns-{dataset.id}")
        if profile.delimiter:
            st.caption(_session.plain(f"Read as {profile.encoding} text, columns separated by {profile.delimiter!r}."))
    with dropped:
        if profile.dropped_rows:
            st.dataframe(
                [{"Row in file": r.row, "Reason": r.reason} for r in profile.dropped_rows[:1000]], hide_index=True
            )
        else:
            st.caption("No rows were left out.")
    with manage:
        manage_dataset(workspace, dataset)


def _text(value: object) -> str:
    """Min/max mix numbers and dates: one text column keeps the table displayable."""
    if value is None:
        return EMPTY
    return number(value) if isinstance(value, float) else str(value)


def manage_dataset(workspace: Workspace, dataset: Dataset) -> None:
    name = st.text_input("Name", value=dataset.name, key=f"rename-{dataset.id}")
    if st.button("Rename", key=f"rename-button-{dataset.id}", disabled=name.strip() == dataset.name):
        try:
            workspace.rename_dataset(dataset.id, name)
            _session.flash(f"Renamed to '{name.strip()}'.")
            st.rerun()
        except InputError as exc:
            st.error(_session.plain(str(exc)))
    replacement = st.file_uploader(
        "Replace with a newer export (the mapping is kept)", type=FILE_TYPES, key=f"replace-{dataset.id}"
    )
    if replacement is not None and st.button("Replace data", key=f"replace-button-{dataset.id}"):
        try:
            updated = workspace.replace_dataset(dataset.id, replacement.getvalue(), file_name=replacement.name)
            _session.flash(f"Replaced: '{updated.name}' now has {updated.rows:,} rows.")
            st.rerun()
        except InputError as exc:
            st.error(_session.plain(str(exc)))
    sure = st.checkbox("Yes, delete this dataset", key=f"confirm-delete-{dataset.id}")
    if st.button("Delete dataset", key=f"delete-{dataset.id}", disabled=not sure, type="primary"):
        workspace.delete_dataset(dataset.id)
        st.session_state.pop(_session.SELECTED_DATASET, None)
        _session.flash(f"Deleted '{dataset.name}'.")
        st.rerun()


add_uploads(ws)
datasets = ws.datasets()
if not datasets:
    st.info("No data yet: upload a file above, or load the sample data from the Home page.")
else:
    show_dataset(ws, _session.pick_dataset(datasets, default_last=True))
