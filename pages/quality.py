"""Data quality: what is wrong in a dataset before it becomes numbers, and one-click fixes kept as
mapping rules (merge values, leave out rows), each reversible."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi_core.errors import InputError
from kpi_core.mapping import Mapping
from kpi_core.metrics.format import display_table
from kpi_core.quality import Finding, apply_fix, check_dataset, remove_rule, rules_of
from kpi_core.workspace import Dataset, Workspace
from pages import _session, _tables

ICONS = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}

ws = _session.workspace()
st.title("Data quality")
st.caption(
    "Problems in a dataset, found from its mapped columns before they become KPIs: the same channel written "
    "two ways, blanks, copies, negative or absurd amounts, impossible funnels, missing periods. A fix is a rule "
    "in the mapping (the stored data is never changed), applied everywhere, and can be undone below."
)
_session.show_flash()


def save(workspace: Workspace, dataset: Dataset, mapping: Mapping, message: str) -> None:
    result = workspace.set_mapping(dataset.id, mapping)
    if result.ok:
        _session.flash(message)
        st.rerun()
    for error in result.errors:
        st.error(_session.plain(error))


def finding_row(workspace: Workspace, dataset: Dataset, index: int, finding: Finding) -> None:
    left, right = st.columns([3, 2], vertical_alignment="center")
    left.markdown(f"{ICONS[finding.severity]} " + _session.plain(finding.message))
    if finding.fix is not None and finding.fix_label:
        if right.button(_session.plain(finding.fix_label), key=f"fix-{dataset.id}-{index}"):
            try:
                save(workspace, dataset, apply_fix(dataset.mapping, finding.fix),  # type: ignore[arg-type]
                     f"Fixed: {finding.fix_label}.")
            except InputError as exc:
                st.error(_session.plain(str(exc)))


def report(workspace: Workspace, dataset: Dataset) -> None:
    mapping = dataset.mapping
    assert mapping is not None
    findings = check_dataset(workspace.con, dataset.table, mapping, dataset.profile)
    a, b, c = st.columns(3)
    a.metric("Errors", sum(f.severity == "error" for f in findings))
    b.metric("Warnings", sum(f.severity == "warning" for f in findings))
    c.metric("Notes", sum(f.severity == "info" for f in findings))
    if not findings:
        st.success("No problems found in the mapped columns.")
    merges = [f for f in findings if f.check == "near_duplicate_values" and f.fix]
    if len(merges) > 1 and st.button(f"Merge all {len(merges)} look-alike values", key=f"merge-all-{dataset.id}"):
        merged = mapping
        for finding in merges:
            merged = apply_fix(merged, finding.fix)  # type: ignore[arg-type]
        save(workspace, dataset, merged, f"Merged {len(merges)} values.")
    for index, finding in enumerate(findings):
        finding_row(workspace, dataset, index, finding)
    if findings:
        with st.expander("All findings as a table"):
            frame = pd.DataFrame([{k: v for k, v in f.to_dict().items() if k not in ("fix", "touches", "fix_label")}
                                  for f in findings])
            _tables.show(display_table(frame, units={"share": "percent", "check": "name", "severity": "name", "rows": "count"}, labels={"share": "Share of rows"}),
                         key=f"findings-{dataset.id}")
    rules = rules_of(mapping)
    st.subheader("Fixes in force")
    if not rules:
        st.caption("None yet: the data is read as it is.")
    for index, (words, rule) in enumerate(rules):
        left, right = st.columns([4, 1])
        left.markdown(_session.plain(words))
        if right.button("Undo", key=f"undo-{dataset.id}-{index}"):
            save(workspace, dataset, remove_rule(mapping, rule), f"Undone: {words}.")


datasets = [d for d in ws.datasets() if d.is_mapped]
if not datasets:
    st.info("No mapped dataset yet: the checks read the mapped columns. Map a dataset first.")
    st.page_link("pages/mapping.py", label="Go to Mapping", icon=":material/account_tree:")
    st.stop()
report(ws, _session.pick_dataset(datasets))
