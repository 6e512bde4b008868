"""Mapping: which column plays which role; suggestion, validation and canonical rows."""

from kpi_core.mapping.model import (
    ColumnSource,
    ConstantSource,
    CustomStage,
    Mapping,
    WideColumn,
    WideSource,
    mapping_from_dict,
    mapping_from_json,
)
from kpi_core.mapping.roles import KINDS, ROLES, Kind, Role, roles_of
from kpi_core.mapping.suggest import suggest
from kpi_core.mapping.validate import Validation, validate

__all__ = [
    "ColumnSource",
    "ConstantSource",
    "CustomStage",
    "KINDS",
    "Kind",
    "Mapping",
    "ROLES",
    "Role",
    "Validation",
    "WideColumn",
    "WideSource",
    "mapping_from_dict",
    "mapping_from_json",
    "roles_of",
    "suggest",
    "validate",
]
