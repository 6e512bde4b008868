"""The mapping: which source column plays which role. Read and written as versioned JSON.

A role is filled by one column (``"Week"``), a constant for the whole file (``{"value": "LinkedIn
Ads"}``), or, on wide media-mix sheets, one column per channel
(``[{"column": "tv_S", "channel": "TV"}, ...]``) which the views unpivot to date x channel rows.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from kpi_core.errors import InputError
from kpi_core.mapping.roles import KINDS, STAGES, Kind, roles_of
from kpi_core.settings import DEFAULTS

MAPPING_VERSION = 1
# The settings a mapping may carry (the workspace's own settings override them).
DEFAULT_SETTINGS: dict[str, Any] = {
    k: getattr(DEFAULTS, k) for k in ("gross_margin", "customer_lifetime_years", "currency")
}
# What the settings can sensibly be (the Settings page offers the same ranges): a margin of 1e308
# would make ROMI infinite.
SETTING_RANGES: dict[str, tuple[float, float]] = {"gross_margin": (0.0, 1.0), "customer_lifetime_years": (0.0, 100.0)}


@dataclass(frozen=True)
class ColumnSource:
    column: str


@dataclass(frozen=True)
class ConstantSource:
    value: str | float | bool


@dataclass(frozen=True)
class WideColumn:
    column: str
    channel: str


@dataclass(frozen=True)
class WideSource:
    columns: tuple[WideColumn, ...]


Source = ColumnSource | ConstantSource | WideSource


@dataclass(frozen=True)
class CustomStage:
    """A funnel stage of the user's own ("Demo requests"), placed after a known role."""

    id: str
    name: str
    column: str
    stage: str = "conversion"
    after: str | None = None


ExcludeTest = Literal["duplicates", "in", "equals", "below", "above", "blank"]
EXCLUDE_TESTS: tuple[ExcludeTest, ...] = ("duplicates", "in", "equals", "below", "above", "blank")
Scalar = str | int | float | bool


@dataclass(frozen=True)
class ExcludeRule:
    """A condition on source rows that leaves them out of every canonical view (a data fix).

    ``test`` is ``duplicates`` (exact copies of an earlier row), ``in``/``equals`` (the column's value
    is one of ``values``), ``below``/``above`` (a number strictly beyond ``bound``) or ``blank``.
    ``column`` is the source column as in the file; ``reason`` is the user's note.
    """

    test: ExcludeTest
    column: str | None = None
    values: tuple[Scalar, ...] = ()
    bound: float | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any]
        if self.test == "duplicates":
            out = {"duplicates": True}
        elif self.test == "in":
            out = {"column": self.column, "in": list(self.values)}
        elif self.test == "equals":
            out = {"column": self.column, "equals": self.values[0]}
        elif self.test in ("below", "above"):
            out = {"column": self.column, self.test: self.bound}
        else:
            out = {"column": self.column, "blank": True}
        if self.reason:
            out["reason"] = self.reason
        return out


Recode = dict[str, dict[str, str | None]]


@dataclass
class Mapping:
    kind: Kind
    roles: dict[str, Source] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    custom_stages: list[CustomStage] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    version: int = MAPPING_VERSION
    table: int | None = None  # which of a file's stacked tables, 1 for the first (as on the command line)
    # Data fixes, applied in the canonical views, never to the stored table: per dimension, source
    # value (trimmed) -> new value (None: blank); and conditions of rows to leave out.
    recode: Recode = field(default_factory=dict)
    exclude: list[ExcludeRule] = field(default_factory=list)

    def rule_columns(self) -> list[str]:
        """Every source column the exclude rules read (checked against the file like role columns)."""
        return list(dict.fromkeys(r.column for r in self.exclude if r.column is not None))

    def columns_used(self) -> list[str]:
        """Every source column the mapping reads, in mapping order."""
        used: list[str] = []
        for source in self.roles.values():
            if isinstance(source, ColumnSource):
                used.append(source.column)
            elif isinstance(source, WideSource):
                used += [w.column for w in source.columns]
        used += list(self.dimensions.values())
        used += [c.column for c in self.custom_stages]
        return used

    def wide_channels(self) -> list[str]:
        channels: list[str] = []
        for source in self.roles.values():
            if isinstance(source, WideSource):
                channels += [w.channel for w in source.columns if w.channel not in channels]
        return channels

    def effective_settings(self) -> dict[str, Any]:
        return {**DEFAULT_SETTINGS, **self.settings}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.version, "kind": self.kind}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.table is not None:
            out["table"] = self.table
        out["roles"] = {role: _source_to_json(source) for role, source in self.roles.items()}
        if self.dimensions:
            out["dimensions"] = dict(self.dimensions)
        if self.custom_stages:
            out["custom_stages"] = [{k: v for k, v in vars(c).items() if v is not None} for c in self.custom_stages]
        out["settings"] = self.effective_settings()
        recode = {dim: dict(values) for dim, values in self.recode.items() if values}
        if recode:
            out["recode"] = recode
        if self.exclude:
            out["exclude"] = [rule.to_dict() for rule in self.exclude]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _source_to_json(source: Source) -> Any:
    if isinstance(source, ColumnSource):
        return source.column
    if isinstance(source, ConstantSource):
        return {"value": source.value}
    return [{"column": w.column, "channel": w.channel} for w in source.columns]


def _source_from_json(role: str, value: Any) -> Source:
    if isinstance(value, str):
        return ColumnSource(value.strip())
    if isinstance(value, dict) and "value" in value:
        constant = value["value"]
        if not isinstance(constant, (str, int, float, bool)):
            raise InputError(f"mapping: role '{role}' has a constant that is not text or a number.")
        return ConstantSource(constant)
    if isinstance(value, dict) and isinstance(value.get("column"), str):
        return ColumnSource(value["column"].strip())
    if isinstance(value, list) and value:
        columns = []
        for item in value:
            if not (isinstance(item, dict) and isinstance(item.get("column"), str) and item.get("channel")):
                raise InputError(
                    f"mapping: role '{role}' lists columns per channel; each item needs "
                    '"column" and "channel", e.g. {"column": "tv_S", "channel": "TV"}.'
                )
            columns.append(WideColumn(item["column"].strip(), str(item["channel"]).strip()))
        return WideSource(tuple(columns))
    raise InputError(
        f"mapping: role '{role}' must be a column name, {{\"value\": ...}} for a constant, "
        'or a list of {"column", "channel"} items.'
    )


def mapping_from_dict(data: Any) -> Mapping:
    """Parse a mapping JSON object, with a clear InputError for anything malformed."""
    if not isinstance(data, dict):
        raise InputError("mapping: the file must hold one JSON object with 'kind' and 'roles'.")
    version = data.get("version", MAPPING_VERSION)
    if version != MAPPING_VERSION:
        raise InputError(f"mapping: version {version} is not supported (this build reads version 1).")
    kind = data.get("kind", "performance")
    if kind not in KINDS:
        raise InputError(f"mapping: kind '{kind}' is unknown; use one of {', '.join(KINDS)}.")
    raw_roles = data.get("roles")
    if not isinstance(raw_roles, dict):
        raise InputError("mapping: 'roles' must be an object from role to column.")
    known = roles_of(kind)
    roles: dict[str, Source] = {}
    for role, value in raw_roles.items():
        if role not in known:
            raise InputError(
                f"mapping: '{role}' is not a role of a {kind} dataset; roles are {', '.join(known)}. "
                "Put other columns under 'dimensions'."
            )
        roles[role] = _source_from_json(role, value)
    dimensions = data.get("dimensions") or {}
    if not isinstance(dimensions, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in dimensions.items()
    ):
        raise InputError("mapping: 'dimensions' must map a dimension name to a column name.")
    clashes = set(dimensions) & set(known)
    if clashes:
        raise InputError(f"mapping: dimension name(s) {', '.join(sorted(clashes))} are role names; rename them.")
    stages = []
    for item in data.get("custom_stages") or []:
        if not isinstance(item, dict) or not item.get("column") or not (item.get("name") or item.get("id")):
            raise InputError("mapping: each custom stage needs a 'name' and a 'column'.")
        stage = item.get("stage", "conversion")
        if stage not in STAGES:
            raise InputError(f"mapping: custom stage stage '{stage}' is unknown; use one of {', '.join(STAGES)}.")
        name = str(item.get("name") or item["id"])
        stages.append(
            CustomStage(
                id=str(item.get("id") or slug(name)),
                name=name,
                column=str(item["column"]).strip(),
                stage=stage,
                after=item.get("after"),
            )
        )
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise InputError("mapping: 'settings' must be an object.")
    for key, (low, high) in SETTING_RANGES.items():
        if key not in settings:
            continue
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"mapping: setting '{key}' must be a number.")
        if not low <= value <= high:  # NaN fails this too
            raise InputError(f"mapping: setting '{key}' must be between {low:g} and {high:g} (it is {value!r}).")
    sheet = data.get("sheet")
    table = data.get("table")
    if table is not None and (isinstance(table, bool) or not isinstance(table, int) or table < 1):
        raise InputError("mapping: 'table' must be a whole number from 1 (the file's first table).")
    clean_dimensions = {k.strip(): v.strip() for k, v in dimensions.items()}
    return Mapping(
        kind=kind,
        roles=roles,
        dimensions=clean_dimensions,
        custom_stages=stages,
        settings=dict(settings),
        sheet=sheet if isinstance(sheet, str) else None,
        table=table,
        recode=_recode_from_json(data.get("recode"), kind, clean_dimensions),
        exclude=_exclude_from_json(data.get("exclude")),
    )


def recodable(kind: Kind, dimensions: dict[str, str] | list[str]) -> list[str]:
    """The names a recode may use: the kind's text roles, then the mapping's own dimensions."""
    return [r.id for r in roles_of(kind).values() if r.value_type == "text"] + list(dimensions)


def _recode_from_json(value: Any, kind: Kind, dimensions: dict[str, str]) -> Recode:
    if value is None:
        return {}
    example = '{"channel": {"Gogle": "Google Ads", "N/A": null}}'
    if not isinstance(value, dict):
        raise InputError(f"mapping: 'recode' must be an object from dimension to value changes, e.g. {example}.")
    allowed = recodable(kind, dimensions)
    recode: Recode = {}
    for name, changes in value.items():
        if not isinstance(name, str) or name.strip() not in allowed:
            raise InputError(
                f"mapping: recode names '{name}', which is not a text dimension of a {kind} dataset; "
                f"use one of {', '.join(allowed)}."
            )
        if not isinstance(changes, dict):
            raise InputError(f"mapping: recode of '{name}' must map old values to new ones, e.g. {example}.")
        clean: dict[str, str | None] = {}
        for old, new in changes.items():
            if new is not None and not isinstance(new, str):
                raise InputError(
                    f"mapping: recode of '{name}' maps '{old}' to {json.dumps(new)}; the new value must be "
                    "text, or null for a blank."
                )
            clean[str(old).strip()] = new.strip() if isinstance(new, str) else None
        if clean:
            recode.setdefault(name.strip(), {}).update(clean)
    return recode


def _scalar(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, (int, float)) and (isinstance(value, bool) or math.isfinite(value))
    )


def _exclude_from_json(value: Any) -> list[ExcludeRule]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(
            "mapping: 'exclude' must be a list of row conditions, e.g. [{\"duplicates\": true}, "
            '{"column": "Campaign", "in": ["Test"]}].'
        )
    rules: list[ExcludeRule] = []
    for position, item in enumerate(value, start=1):
        where = f"mapping: exclude rule {position}"
        if not isinstance(item, dict):
            raise InputError(f'{where} must be an object such as {{"column": "Campaign", "in": ["Test"]}}.')
        reason = item.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise InputError(f"{where}: 'reason' must be text.")
        reason = reason.strip() or None if isinstance(reason, str) else None
        tests = [t for t in EXCLUDE_TESTS if t in item]
        unknown = sorted(set(item) - set(EXCLUDE_TESTS) - {"column", "reason"})
        if unknown:
            raise InputError(
                f"{where} has unknown key(s) {', '.join(unknown)}; use one of "
                f"{', '.join(EXCLUDE_TESTS)} with 'column' (and optionally 'reason')."
            )
        if len(tests) != 1:
            raise InputError(
                f"{where} needs exactly one test of {', '.join(EXCLUDE_TESTS)} (it has {len(tests) or 'none'})."
            )
        test = tests[0]
        if test == "duplicates":
            if item["duplicates"] is not True or "column" in item:
                raise InputError(f'{where}: write duplicates as {{"duplicates": true}}, with no column.')
            rules.append(ExcludeRule("duplicates", reason=reason))
            continue
        column = item.get("column")
        if not isinstance(column, str) or not column.strip():
            raise InputError(f"{where} ({test}) needs 'column': the source column's name as in the file.")
        column = column.strip()
        argument = item[test]
        if test == "in":
            if not isinstance(argument, list) or not argument or not all(_scalar(v) for v in argument):
                raise InputError(f"{where}: 'in' must be a non-empty list of values (text or numbers).")
            rules.append(ExcludeRule("in", column, tuple(argument), reason=reason))
        elif test == "equals":
            if not _scalar(argument):
                raise InputError(f"{where}: 'equals' must be one value (text or a number).")
            rules.append(ExcludeRule("equals", column, (argument,), reason=reason))
        elif test in ("below", "above"):
            if isinstance(argument, bool) or not isinstance(argument, (int, float)) or not math.isfinite(argument):
                raise InputError(
                    f'{where}: \'{test}\' must be a finite number, e.g. {{"column": "Spend", "{test}": 0}}.'
                )
            rules.append(ExcludeRule(test, column, bound=float(argument), reason=reason))
        else:
            if argument is not True:
                raise InputError(f'{where}: write blank as {{"column": "...", "blank": true}}.')
            rules.append(ExcludeRule("blank", column, reason=reason))
    return rules


def mapping_from_json(text: str) -> Mapping:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"mapping: not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    return mapping_from_dict(data)


def dimension_name(column: str, kind: Kind) -> str:
    """The name an extra dimension column gets in a mapping: its slug, with ``_dimension`` added
    when that slug is a role of the kind (a "Spend" text column cannot shadow the spend role)."""
    name = slug(column)
    return f"{name}_dimension" if name in roles_of(kind) else name


def slug(name: str) -> str:
    """A snake_case id for a user-named dimension or stage."""
    text = re.sub(r"[^0-9a-zA-Z]+", "_", name.strip().lower()).strip("_")
    return text or "custom"
