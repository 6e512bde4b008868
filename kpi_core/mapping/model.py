"""The mapping: which source column plays which role. Read and written as versioned JSON.

A role is filled by one column (``"Week"``), a constant for the whole file (``{"value": "LinkedIn
Ads"}``), or, on wide media-mix sheets, one column per channel
(``[{"column": "tv_S", "channel": "TV"}, ...]``) which the views unpivot to date x channel rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Union

from kpi_core.errors import InputError
from kpi_core.mapping.roles import KINDS, STAGES, Kind, roles_of

MAPPING_VERSION = 1
DEFAULT_SETTINGS: dict[str, Any] = {"gross_margin": 1.0, "customer_lifetime_years": 3, "currency": "USD"}
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


Source = Union[ColumnSource, ConstantSource, WideSource]


@dataclass(frozen=True)
class CustomStage:
    """A funnel stage of the user's own ("Demo requests"), placed after a known role."""

    id: str
    name: str
    column: str
    stage: str = "conversion"
    after: str | None = None


@dataclass
class Mapping:
    kind: Kind
    roles: dict[str, Source] = field(default_factory=dict)
    dimensions: dict[str, str] = field(default_factory=dict)
    custom_stages: list[CustomStage] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    version: int = MAPPING_VERSION

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
        out["roles"] = {role: _source_to_json(source) for role, source in self.roles.items()}
        if self.dimensions:
            out["dimensions"] = dict(self.dimensions)
        if self.custom_stages:
            out["custom_stages"] = [
                {k: v for k, v in vars(c).items() if v is not None} for c in self.custom_stages
            ]
        out["settings"] = self.effective_settings()
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
        "or a list of {\"column\", \"channel\"} items."
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
        stages.append(CustomStage(
            id=str(item.get("id") or slug(name)), name=name, column=str(item["column"]).strip(),
            stage=stage, after=item.get("after"),
        ))
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise InputError("mapping: 'settings' must be an object.")
    for key, (low, high) in SETTING_RANGES.items():
        value = settings.get(key)
        if key in settings and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InputError(f"mapping: setting '{key}' must be a number.")
        if key in settings and not low <= value <= high:  # NaN fails this too
            raise InputError(f"mapping: setting '{key}' must be between {low:g} and {high:g} (it is {value!r}).")
    sheet = data.get("sheet")
    return Mapping(
        kind=kind,
        roles=roles,
        dimensions={k.strip(): v.strip() for k, v in dimensions.items()},
        custom_stages=stages,
        settings=dict(settings),
        sheet=sheet if isinstance(sheet, str) else None,
    )


def mapping_from_json(text: str) -> Mapping:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"mapping: not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    return mapping_from_dict(data)


def slug(name: str) -> str:
    """A snake_case id for a user-named dimension or stage."""
    text = re.sub(r"[^0-9a-zA-Z]+", "_", name.strip().lower()).strip("_")
    return text or "custom"
