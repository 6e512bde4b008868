"""Check a mapping against the file it maps: every problem said so a user can fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kpi_core.ingest.profile import Profile
from kpi_core.mapping.model import ColumnSource, ConstantSource, Mapping, WideSource
from kpi_core.mapping.roles import roles_of


@dataclass
class Validation:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _listing(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:15])
    return shown + (f" and {len(names) - 15} more" if len(names) > 15 else "")


def validate(mapping: Mapping, profile: Profile) -> Validation:
    result = Validation()
    roles = roles_of(mapping.kind)
    types = {c.name: c.type for c in profile.columns}
    available = list(types)

    def check_column(column: str, what: str, expected: str | None) -> None:
        if column not in types:
            result.errors.append(
                f"Column '{column}' ({what}) is not in {profile.file}; its columns are {_listing(available)}."
            )
            return
        actual = types[column]
        if expected == "date" and actual != "date":
            result.errors.append(
                f"'{column}' ({what}) does not hold dates: it was read as {actual}. Pick the column with "
                "the dates, or fix the date format in the file."
            )
        if expected == "number" and actual not in ("number", "boolean"):
            result.errors.append(
                f"'{column}' ({what}) is not numeric: it was read as {actual}. Pick a column of numbers; "
                "if it should be one, look at the Data page's warnings for the values that are not."
            )

    for role_id, source in mapping.roles.items():
        role = roles[role_id]
        what = f"role {role_id}"
        if isinstance(source, ColumnSource):
            check_column(source.column, what, role.value_type if role.value_type != "text" else None)
        elif isinstance(source, WideSource):
            if role.value_type != "number":
                result.errors.append(f"Role {role_id} cannot take one column per channel; only measures can.")
            for wide in source.columns:
                check_column(wide.column, f"{what} for {wide.channel}", "number")
                if not wide.channel:
                    result.errors.append(f"Column '{wide.column}' ({what}) needs a channel name.")
        elif isinstance(source, ConstantSource):
            if role.value_type == "date":
                try:
                    date.fromisoformat(str(source.value))
                except ValueError:
                    result.errors.append(
                        f"The constant for {role_id} must be a date like 2024-01-31, not '{source.value}'."
                    )
            elif role.value_type == "number" and not isinstance(source.value, (int, float)):
                result.errors.append(f"The constant for {role_id} must be a number, not '{source.value}'.")

    for role_id, role in roles.items():
        if role.required and role_id not in mapping.roles:
            result.errors.append(
                f"Role {role_id} ({role.label}) is required: pick its column"
                + (", or set one date for the whole file." if role.value_type == "date" else ".")
            )

    seen_names = {r.lower() for r in roles}
    for name, column in mapping.dimensions.items():
        if not name.strip():
            result.errors.append(f"The dimension for column '{column}' needs a name.")
        elif name.lower() in seen_names:
            result.errors.append(f"The dimension name '{name}' is taken (names are compared ignoring case).")
        seen_names.add(name.lower())
        check_column(column, f"dimension {name}", None)
    for stage in mapping.custom_stages:
        if stage.id.lower() in seen_names:
            result.errors.append(f"The custom stage '{stage.name}' has the same id as a role or dimension.")
        seen_names.add(stage.id.lower())
        check_column(stage.column, f"custom stage {stage.name}", "number")

    for column in mapping.rule_columns():
        check_column(column, "an exclude rule", None)
    used = mapping.columns_used()
    repeated = sorted({c for c in used if used.count(c) > 1})
    for column in repeated:
        result.warnings.append(f"Column '{column}' is used for more than one role.")
    if (
        mapping.kind == "performance"
        and not any(roles[r].is_measure for r in mapping.roles)
        and not mapping.custom_stages
    ):
        result.warnings.append(
            "No measure is mapped yet (spend, clicks, leads, revenue...): there is nothing to add up."
        )
    return result
