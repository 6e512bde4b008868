"""Mapping: say once which column plays which funnel role; the workspace remembers."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kpi_core.errors import InputError
from kpi_core.mapping import KINDS, mapping_from_json, roles_of, suggest, validate
from kpi_core.mapping.model import (
    ColumnSource,
    ConstantSource,
    CustomStage,
    Mapping,
    Source,
    WideColumn,
    WideSource,
    dimension_name,
    slug,
)
from kpi_core.mapping.roles import KIND_LABELS, STAGES
from kpi_core.mapping.suggest import explain
from kpi_core.workspace import Dataset, Workspace
from pages import _session

NOT_MAPPED = "— not mapped —"
CONSTANT = "A constant for every row…"
PER_CHANNEL = "One column per channel (wide sheet)"
STAGE_TITLES = {
    "dimension": "Dimensions", "cost": "Cost", "awareness": "Awareness", "consideration": "Consideration",
    "conversion": "Conversion", "value": "Value", "retention": "Retention", "outcome": "Outcome",
}
VERSIONS = "mapping_widget_versions"

ws = _session.workspace()
st.title("Mapping")
st.caption("Tell the workbench which column is which. We suggested a mapping from the column names; check it, fix "
           "what is off, and save. Several performance datasets (an ad export and a CRM roll-up) add up by date, "
           "channel and campaign.")
_session.show_flash()


def widget_prefix(dataset: Dataset) -> str:
    versions: dict[int, int] = st.session_state.setdefault(VERSIONS, {})
    return f"m{dataset.id}v{versions.get(dataset.id, 0)}"


def reset_widgets(dataset: Dataset) -> None:
    versions: dict[int, int] = st.session_state.setdefault(VERSIONS, {})
    versions[dataset.id] = versions.get(dataset.id, 0) + 1


def role_source(prefix: str, role_id: str, label: str, columns: list[str], current: Source | None,
                value_type: str) -> Source | None:
    options = [NOT_MAPPED, CONSTANT, *columns]
    if isinstance(current, WideSource):
        options.insert(2, PER_CHANNEL)
    if isinstance(current, ColumnSource) and current.column in columns:
        index = options.index(current.column)
    elif isinstance(current, ConstantSource):
        index = 1
    elif isinstance(current, WideSource):
        index = 2
    else:
        index = 0
    choice = st.selectbox(label, options, index=index, key=f"{prefix}-role-{role_id}")
    if choice == NOT_MAPPED:
        return None
    if choice == CONSTANT:
        default = str(current.value) if isinstance(current, ConstantSource) else ""
        hint = "a date like 2024-01-01" if value_type == "date" else "e.g. LinkedIn Ads"
        text = st.text_input(f"{label}: value for every row", value=default, key=f"{prefix}-const-{role_id}",
                             placeholder=hint)
        if not text.strip():
            return None
        if value_type == "number":
            try:
                return ConstantSource(float(text))
            except ValueError:
                return ConstantSource(text.strip())
        return ConstantSource(text.strip())
    if choice == PER_CHANNEL and isinstance(current, WideSource):
        wide = []
        for index_, item in enumerate(current.columns):
            channel = st.text_input(
                _session.plain(f"Channel of '{item.column}'"), value=item.channel, key=f"{prefix}-wide-{role_id}-{index_}"
            )
            wide.append(WideColumn(item.column, channel.strip()))
        return WideSource(tuple(wide))
    return ColumnSource(choice)


def role_grid(prefix: str, roles: list[Any], columns: list[str], base: Mapping, chosen: dict[str, Source]) -> None:
    grid = st.columns(3)
    for position, role in enumerate(roles):
        with grid[position % 3]:
            label = role.label + (" (required)" if role.required else "")
            source = role_source(prefix, role.id, label, columns, base.roles.get(role.id), role.value_type)
            if source is not None:
                chosen[role.id] = source


def mapping_form(dataset: Dataset) -> Mapping:
    """The mapping as the widgets say it now (not yet saved)."""
    stored = dataset.mapping or suggest(dataset.profile)
    prefix = widget_prefix(dataset)
    kind = st.selectbox(
        "What kind of data is this?", KINDS, index=KINDS.index(stored.kind), key=f"{prefix}-kind",
        format_func=lambda k: KIND_LABELS[k],
    )
    base = stored if kind == stored.kind else suggest(dataset.profile, kind=kind)
    suggestion_panel(dataset, kind)
    columns = [c.name for c in dataset.profile.columns]
    numeric = [c.name for c in dataset.profile.columns if c.type in ("number", "boolean")]
    roles = roles_of(kind)
    chosen: dict[str, Source] = {}
    by_stage: dict[str, list[Any]] = {}
    for role in roles.values():
        by_stage.setdefault(role.stage, []).append(role)
    # Stages with something mapped (or required) first; the rest fold away so the page stays short.
    in_use = [s for s, rs in by_stage.items() if any(r.id in base.roles or r.required for r in rs)]
    spare = [s for s in by_stage if s not in in_use]
    for stage in in_use:
        st.subheader(STAGE_TITLES.get(stage, stage.title()))
        role_grid(prefix, by_stage[stage], columns, base, chosen)
    if spare:
        with st.expander("More roles: " + ", ".join(STAGE_TITLES.get(s, s).lower() for s in spare)):
            for stage in spare:
                st.markdown(f"**{STAGE_TITLES.get(stage, stage.title())}**")
                role_grid(prefix, by_stage[stage], columns, base, chosen)

    st.subheader("Extra dimensions and custom stages")
    used = set(Mapping(kind=kind, roles=chosen).columns_used())
    free_text = [c for c in columns if c not in used]
    dimension_columns = st.multiselect(
        "Extra dimensions (region, segment, product...)", free_text,
        default=[c for c in base.dimensions.values() if c in free_text], key=f"{prefix}-dimensions",
    )
    stage_columns = st.multiselect(
        "Custom funnel stages (e.g. 'Demo requests')", [c for c in numeric if c not in used],
        default=[s.column for s in base.custom_stages if s.column in numeric and s.column not in used],
        key=f"{prefix}-custom",
    )
    stored_stages = {s.column: s for s in base.custom_stages}
    custom: list[CustomStage] = []
    for column in stage_columns:
        previous = stored_stages.get(column)
        stage = st.selectbox(
            _session.plain(f"Funnel stage of '{column}'"), STAGES,
            index=STAGES.index(previous.stage) if previous and previous.stage in STAGES else STAGES.index("conversion"),
            key=f"{prefix}-custom-stage-{column}",
        )
        custom.append(CustomStage(
            id=previous.id if previous else slug(column), name=previous.name if previous else column,
            column=column, stage=stage, after=previous.after if previous else None,
        ))

    st.subheader("Settings")
    settings = base.effective_settings()
    a, b, c = st.columns(3)
    margin = a.number_input("Gross margin (%)", 0.0, 100.0, float(settings["gross_margin"]) * 100, 5.0,
                            format="%.0f", key=f"{prefix}-margin",
                            help="Share of revenue kept after cost of goods; used by ROMI, CLV, LTV:CAC.") / 100
    lifetime = b.number_input("Customer lifetime (years)", 0.1, 50.0, float(settings["customer_lifetime_years"]), 0.5,
                              format="%.1f", key=f"{prefix}-lifetime", help="Used by CLV and LTV:CAC.")
    currency = c.text_input("Currency", value=str(settings["currency"]), key=f"{prefix}-currency")
    return Mapping(
        kind=kind,
        roles=chosen,
        dimensions={dimension_name(column, kind): column for column in dimension_columns},
        custom_stages=custom,
        settings={"gross_margin": margin, "customer_lifetime_years": lifetime, "currency": currency.strip() or "USD"},
        sheet=dataset.sheet,
        # Data fixes are made on the Data quality page; a new kind starts without them.
        recode=base.recode if kind == stored.kind else {},
        exclude=base.exclude if kind == stored.kind else [],
    )


CONFIDENCE_LABELS = {"low": "a guess", "medium": "check", "high": "sure"}


def suggestion_panel(dataset: Dataset, kind: Any) -> None:
    """Why the suggestion is what it is: the kind, the uncertain roles first, the columns left out."""
    suggestion = explain(dataset.profile, kind)
    st.caption(_session.plain(suggestion.kind_reason))
    for note in suggestion.notes:
        st.info(_session.plain(note))
    for choice in suggestion.choices:
        if choice.confirm and (dataset.mapping or suggestion.mapping).roles.get(choice.role) == ColumnSource(choice.column):
            st.warning(_session.plain(f"Check: '{choice.column}' is mapped to {roles_of(kind)[choice.role].label}. "
                                      f"{choice.confirm}"), icon=":material/help:")
    doubtful = [c for c in suggestion.uncertain_first() if c.confidence != "high"]
    label = f"Why we suggested this ({len(doubtful)} to check)" if doubtful else "Why we suggested this"
    with st.expander(label, expanded=bool(doubtful) and dataset.mapping is None):
        for choice in suggestion.uncertain_first():
            role = roles_of(kind)[choice.role].label
            st.markdown(f"**{role}** ({CONFIDENCE_LABELS[choice.confidence]}): " + _session.plain(choice.reason))
        if suggestion.unused:
            st.markdown("**Columns not used**")
            for unused in suggestion.unused:
                st.markdown("- " + _session.plain(unused.reason))


def import_export(workspace: Workspace, dataset: Dataset, mapping: Mapping) -> None:
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Download mapping (JSON)", mapping.to_json(), file_name=f"{slug(dataset.name)}.mapping.json",
            mime="application/json", key=f"export-{dataset.id}",
        )
    with right:
        uploaded = st.file_uploader("Import a mapping file", type=["json"], key=f"import-{dataset.id}")
        if uploaded is not None and st.button("Use this mapping", key=f"import-button-{dataset.id}"):
            try:
                imported = mapping_from_json(uploaded.getvalue().decode("utf-8", errors="replace"))
                result = workspace.set_mapping(dataset.id, imported)
                if result.ok:
                    reset_widgets(dataset)
                    _session.flash("Imported and saved the mapping.")
                    st.rerun()
                for error in result.errors:
                    st.error(_session.plain(error))
            except InputError as exc:
                st.error(_session.plain(str(exc)))


datasets = ws.datasets()
if not datasets:
    st.info("No data yet: upload a file on the Data page, or load the sample data from Home.")
    st.page_link("pages/data.py", label="Go to Data", icon=":material/table:")
    st.stop()

dataset = _session.pick_dataset(datasets, lambda d: f"{d.name} ({'mapped' if d.is_mapped else 'needs mapping'})")

form = mapping_form(dataset)
check = validate(form, dataset.profile)
st.divider()
for error in check.errors:
    st.error(_session.plain(error))
for warning in check.warnings:
    st.warning(_session.plain(warning))
changed = form.to_dict() != (dataset.mapping.to_dict() if dataset.mapping else None)
if check.ok:
    st.success("The mapping is complete." + (" Save it to use it." if changed else " It is saved."))
if st.button("Save mapping", type="primary", disabled=not (check.ok and changed), key=f"save-{dataset.id}"):
    result = ws.set_mapping(dataset.id, form)
    if result.ok:
        _session.flash(f"Saved the mapping of '{dataset.name}'.")
        st.rerun()
    for error in result.errors:
        st.error(_session.plain(error))
import_export(ws, dataset, form)
