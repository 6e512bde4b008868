"""Canonical rows from a mapped dataset: fixed snake_case names, so later SQL never sees a header.

``performance_select`` gives one SELECT (with its parameters) producing
``date, channel, campaign, <dimensions>, <measures>, <custom stages>`` from a dataset table. Wide
sheets are unpivoted: one block per channel, and one more block for the measures that are only
known in total (their channel is NULL).
"""

from __future__ import annotations

from typing import Any

from kpi_core.mapping.model import ColumnSource, ConstantSource, Mapping, Source, WideSource
from kpi_core.mapping.roles import PERFORMANCE_ROLES
from kpi_core.sql import quote_identifier

MEASURES: tuple[str, ...] = tuple(r.id for r in PERFORMANCE_ROLES if r.is_measure)
TEXT_DIMENSIONS: tuple[str, ...] = ("channel", "campaign")


def _value(source: Source | None, cast: str) -> tuple[str, list[Any]]:
    """SQL for one role's value, with its parameters (a constant is a parameter, never text in SQL)."""
    if source is None:
        return f"CAST(NULL AS {cast})", []
    if isinstance(source, ColumnSource):
        return f"CAST({quote_identifier(source.column)} AS {cast})", []
    if isinstance(source, ConstantSource):
        return f"CAST(? AS {cast})", [source.value]
    raise TypeError("a wide source has no single value")


def performance_columns(mapping: Mapping) -> list[str]:
    """The canonical column names a performance dataset provides."""
    return (
        ["date", *TEXT_DIMENSIONS, *mapping.dimensions]
        + [m for m in MEASURES if m in mapping.roles]
        + [c.id for c in mapping.custom_stages]
    )


def performance_select(
    mapping: Mapping,
    table: str,
    dimensions: list[str] | None = None,
    measures: list[str] | None = None,
    custom: list[str] | None = None,
) -> tuple[str, list[Any]]:
    """SELECT canonical rows from ``table``; ``dimensions``/``measures``/``custom`` fix the output
    columns (NULL where this dataset lacks one), so several datasets can be stacked with UNION ALL."""
    dimensions = list(mapping.dimensions) if dimensions is None else dimensions
    measures = [m for m in MEASURES if m in mapping.roles] if measures is None else measures
    custom_ids = [c.id for c in mapping.custom_stages] if custom is None else custom
    stage_column = {c.id: c.column for c in mapping.custom_stages}
    wide = {r: s for r, s in mapping.roles.items() if isinstance(s, WideSource)}
    channels = mapping.wide_channels()
    params: list[Any] = []
    blocks: list[str] = []

    def block(channel: tuple[str, list[Any]], measure_sql: dict[str, tuple[str, list[Any]]], include_custom: bool) -> str:
        """One SELECT; its parameters are appended to ``params`` in the order they appear."""
        date_sql, date_params = _value(mapping.roles.get("date"), "DATE")
        campaign_sql, campaign_params = _value(mapping.roles.get("campaign"), "VARCHAR")
        parts = [f"{date_sql} AS date", f"{channel[0]} AS channel", f"{campaign_sql} AS campaign"]
        params.extend(date_params + channel[1] + campaign_params)
        for dimension in dimensions:
            column = mapping.dimensions.get(dimension)
            expr = f"CAST({quote_identifier(column)} AS VARCHAR)" if column else "CAST(NULL AS VARCHAR)"
            parts.append(f"{expr} AS {quote_identifier(dimension)}")
        for measure in measures:
            sql, measure_params = measure_sql.get(measure, ("CAST(NULL AS DOUBLE)", []))
            parts.append(f"{sql} AS {quote_identifier(measure)}")
            params.extend(measure_params)
        for stage in custom_ids:
            column = stage_column.get(stage) if include_custom else None
            expr = f"CAST({quote_identifier(column)} AS DOUBLE)" if column else "CAST(NULL AS DOUBLE)"
            parts.append(f"{expr} AS {quote_identifier(stage)}")
        return f"SELECT {', '.join(parts)} FROM {quote_identifier(table)}"

    single = {m: s for m, s in mapping.roles.items() if m in measures and m not in wide}
    if wide:
        for channel in channels:
            measure_sql = {
                role: (f"CAST({quote_identifier(w.column)} AS DOUBLE)", [])
                for role, source in wide.items() if role in measures
                for w in source.columns if w.channel == channel
            }
            blocks.append(block(("CAST(? AS VARCHAR)", [channel]), measure_sql, include_custom=False))
        if single or custom_ids:
            channel_value = _value(mapping.roles.get("channel"), "VARCHAR")
            blocks.append(block(channel_value, {m: _value(s, "DOUBLE") for m, s in single.items()}, True))
    else:
        channel_value = _value(mapping.roles.get("channel"), "VARCHAR")
        blocks.append(block(channel_value, {m: _value(s, "DOUBLE") for m, s in single.items()}, True))
    return "\nUNION ALL\n".join(blocks), params
