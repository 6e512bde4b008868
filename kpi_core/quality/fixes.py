"""Fixes as mapping rules: add one (from a finding), list them, take one back. Never edits data."""

from __future__ import annotations

import copy
from typing import Any

from kpi_core.mapping.model import Mapping, mapping_from_dict


def apply_fix(mapping: Mapping, fix: dict[str, Any]) -> Mapping:
    """The mapping with ``fix`` added: ``{"recode": {dim: {old: new}}}`` or ``{"exclude": rule}``.
    The result is parsed like a mapping file, so a fix can never make it invalid unnoticed."""
    data = copy.deepcopy(mapping.to_dict())
    for dimension, changes in (fix.get("recode") or {}).items():
        data.setdefault("recode", {}).setdefault(dimension, {}).update(changes)
    rule = fix.get("exclude")
    if rule and rule not in data.get("exclude", []):
        data.setdefault("exclude", []).append(rule)
    return mapping_from_dict(data)


def rules_of(mapping: Mapping) -> list[tuple[str, dict[str, Any]]]:
    """Every rule in force, in words, with the fix that made it (so it can be removed)."""
    rules: list[tuple[str, dict[str, Any]]] = []
    for dimension, changes in mapping.recode.items():
        for old, new in changes.items():
            words = f"{dimension}: '{old}' is read as " + (f"'{new}'" if new is not None else "blank")
            rules.append((words, {"recode": {dimension: {old: new}}}))
    for rule in mapping.exclude:
        data = rule.to_dict()
        rules.append((describe_exclude(data), {"exclude": data}))
    return rules


def describe_exclude(rule: dict[str, Any]) -> str:
    if rule.get("duplicates"):
        return "Exact duplicate rows are left out (the first copy is kept)"
    column = rule.get("column")
    if "below" in rule:
        return f"Rows where '{column}' is below {rule['below']:g} are left out"
    if "above" in rule:
        return f"Rows where '{column}' is above {rule['above']:g} are left out"
    if rule.get("blank"):
        return f"Rows where '{column}' is blank are left out"
    values = rule.get("in", [rule.get("equals")])
    return f"Rows where '{column}' is " + " or ".join(f"'{v}'" for v in values) + " are left out"


def remove_rule(mapping: Mapping, fix: dict[str, Any]) -> Mapping:
    """The mapping without the rule ``fix`` added (as listed by ``rules_of``)."""
    data = copy.deepcopy(mapping.to_dict())
    for dimension, changes in (fix.get("recode") or {}).items():
        values = data.get("recode", {}).get(dimension, {})
        for old in changes:
            values.pop(old, None)
        if not values:
            data.get("recode", {}).pop(dimension, None)
    rule = fix.get("exclude")
    if rule:
        data["exclude"] = [r for r in data.get("exclude", []) if r != rule]
    return mapping_from_dict(data)
