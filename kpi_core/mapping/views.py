"""Canonical rows from a mapped dataset: fixed snake_case names, so later SQL never sees a header.

``performance_select`` gives one SELECT (with its parameters) producing
``date, channel, campaign, <dimensions>, <measures>, <custom stages>`` from a dataset table. Wide
sheets are unpivoted: one block per channel, and one more block for the measures that are only
known in total (their channel is NULL).

The mapping's data fixes are applied here, so every analysis sees them and none edits the stored
table: ``exclude`` rules filter the source rows (``source_rows_sql``, for any kind's reader) and
``recode`` rewrites dimension values (``recode_sql``), values always as parameters.

``experiment_select`` gives the rows of an experiment dataset as units (``EXPERIMENT_COLUMNS``),
for the A/B test reader to sum; it reads the stored table as it is (no exclude or recode rules).
"""

from __future__ import annotations

from typing import Any

from kpi_core.errors import InputError
from kpi_core.mapping.model import ColumnSource, ConstantSource, ExcludeRule, Mapping, Source, WideSource
from kpi_core.mapping.roles import PERFORMANCE_ROLES
from kpi_core.sql import quote_identifier

MEASURES: tuple[str, ...] = tuple(r.id for r in PERFORMANCE_ROLES if r.is_measure)
TEXT_DIMENSIONS: tuple[str, ...] = ("channel", "campaign")
# The alias under which a source row is one value (a struct of all its columns), so duplicates are
# found by partitioning on the whole row without listing (possibly hundreds of hostile) column names.
ROW_ALIAS = "__kpi_source_row__"
# One row per unit of an experiment (a variant-day aggregate, or a user); ``first`` is the unit's
# first rowid, so variants keep the file's order.
EXPERIMENT_COLUMNS: tuple[str, ...] = ("variant", "day", "users", "conversions", "revenue", "revenue_squares", "first")
NO_VARIANT = "map the variant column of the experiment dataset first."
NO_CONVERSIONS = "an experiment file with users per variant needs its conversions column mapped too."
NO_OUTCOME = "map users and conversions (one row per variant), or converted or revenue (one row per user)."
WIDE_EXPERIMENT_ROLE = "an experiment role takes one column or one constant, not one column per channel."


def recode_sql(mapping: Mapping, name: str, expr: str, params: list[Any] | None = None) -> tuple[str, list[Any]]:
    """``expr`` (a VARCHAR expression with ``params``) with the mapping's recode of dimension ``name``
    applied: source values compared after trimming, new values (or NULL) as parameters."""
    params = list(params or [])
    changes = mapping.recode.get(name)
    if not changes:
        return expr, params
    whens: list[str] = []
    when_params: list[Any] = []
    for old, new in changes.items():
        if new is None:
            whens.append("WHEN ? THEN CAST(NULL AS VARCHAR)")
            when_params.append(old)
        else:
            whens.append("WHEN ? THEN CAST(? AS VARCHAR)")
            when_params += [old, new]
    sql = f"CASE trim(CAST({expr} AS VARCHAR)) {' '.join(whens)} ELSE CAST({expr} AS VARCHAR) END"
    return sql, params + when_params + params


def exclude_condition(rule: ExcludeRule) -> tuple[str, list[Any]]:
    """SQL true for the rows a (non-duplicates) rule leaves out; never NULL."""
    if rule.column is None:
        raise ValueError("only the duplicates rule has no column")
    column = quote_identifier(rule.column)
    if rule.test in ("below", "above"):
        operator = "<" if rule.test == "below" else ">"
        return f"coalesce(TRY_CAST({column} AS DOUBLE) {operator} ?, false)", [rule.bound]
    if rule.test == "blank":
        return f"({column} IS NULL OR trim(CAST({column} AS VARCHAR)) = '')", []
    texts = [v.strip() for v in rule.values if isinstance(v, str)]
    flags = [v for v in rule.values if isinstance(v, bool)]
    numbers = [float(v) for v in rule.values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    parts: list[str] = []
    params: list[Any] = []
    for values, expr in (
        (texts, f"trim(CAST({column} AS VARCHAR))"),
        (flags, f"TRY_CAST({column} AS BOOLEAN)"),
        (numbers, f"TRY_CAST({column} AS DOUBLE)"),
    ):
        if values:
            parts.append(f"coalesce({expr} IN ({', '.join('?' for _ in values)}), false)")
            params += values
    return "(" + " OR ".join(parts) + ")", params


def source_rows_sql(mapping: Mapping, table: str) -> tuple[str, list[Any]]:
    """A FROM item for ``table``'s rows with the mapping's exclude rules applied, and its parameters:
    the quoted table itself when there are none, else a subquery. Duplicates keep their first copy
    (by rowid, so ``table`` must be a base table)."""
    if not mapping.exclude:
        return quote_identifier(table), []
    conditions: list[str] = []
    params: list[Any] = []
    for rule in mapping.exclude:
        if rule.test != "duplicates":
            sql, rule_params = exclude_condition(rule)
            conditions.append(sql)
            params += rule_params
    alias = quote_identifier(ROW_ALIAS)
    sql = f"(SELECT * FROM {quote_identifier(table)} AS {alias}"
    if conditions:
        sql += f" WHERE NOT ({' OR '.join(conditions)})"
    if any(rule.test == "duplicates" for rule in mapping.exclude):
        sql += f" QUALIFY row_number() OVER (PARTITION BY {alias} ORDER BY rowid) = 1"
    return sql + ")", params


def _value(source: Source | None, cast: str, try_cast: bool = False) -> tuple[str, list[Any]]:
    """SQL for one role's value, with its parameters (a constant is a parameter, never text in SQL);
    ``try_cast``: a column's cell that does not convert is NULL instead of an error."""
    if source is None:
        return f"CAST(NULL AS {cast})", []
    if isinstance(source, ColumnSource):
        return f"{'TRY_CAST' if try_cast else 'CAST'}({quote_identifier(source.column)} AS {cast})", []
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
    source_sql, source_params = source_rows_sql(mapping, table)

    def block(
        channel: tuple[str, list[Any]],
        measure_sql: dict[str, tuple[str, list[Any]]],
        include_custom: bool,
    ) -> str:
        """One SELECT; its parameters are appended to ``params`` in the order they appear."""
        date_sql, date_params = _value(mapping.roles.get("date"), "DATE")
        campaign_value = _value(mapping.roles.get("campaign"), "VARCHAR")
        campaign_sql, campaign_params = recode_sql(mapping, "campaign", *campaign_value)
        channel_sql, channel_params = recode_sql(mapping, "channel", channel[0], channel[1])
        parts = [f"{date_sql} AS date", f"{channel_sql} AS channel", f"{campaign_sql} AS campaign"]
        params.extend(date_params + channel_params + campaign_params)
        for dimension in dimensions:
            column = mapping.dimensions.get(dimension)
            if column:
                expr, dimension_params = recode_sql(mapping, dimension, f"CAST({quote_identifier(column)} AS VARCHAR)")
                params.extend(dimension_params)
            else:
                expr = "CAST(NULL AS VARCHAR)"
            parts.append(f"{expr} AS {quote_identifier(dimension)}")
        for measure in measures:
            sql, measure_params = measure_sql.get(measure, ("CAST(NULL AS DOUBLE)", []))
            parts.append(f"{sql} AS {quote_identifier(measure)}")
            params.extend(measure_params)
        for stage in custom_ids:
            column = stage_column.get(stage) if include_custom else None
            expr = f"CAST({quote_identifier(column)} AS DOUBLE)" if column else "CAST(NULL AS DOUBLE)"
            parts.append(f"{expr} AS {quote_identifier(stage)}")
        params.extend(source_params)
        return f"SELECT {', '.join(parts)} FROM {source_sql}"

    single = {m: s for m, s in mapping.roles.items() if m in measures and m not in wide}
    if wide:
        for channel in channels:
            measure_sql: dict[str, tuple[str, list[Any]]] = {
                role: (f"CAST({quote_identifier(w.column)} AS DOUBLE)", [])
                for role, source in wide.items()
                if role in measures
                for w in source.columns
                if w.channel == channel
            }
            blocks.append(block(("CAST(? AS VARCHAR)", [channel]), measure_sql, include_custom=False))
        if single or custom_ids:
            channel_value = _value(mapping.roles.get("channel"), "VARCHAR")
            blocks.append(block(channel_value, {m: _value(s, "DOUBLE") for m, s in single.items()}, True))
    else:
        channel_value = _value(mapping.roles.get("channel"), "VARCHAR")
        blocks.append(block(channel_value, {m: _value(s, "DOUBLE") for m, s in single.items()}, True))
    return "\nUNION ALL\n".join(blocks), params


def _select_list(parts: list[tuple[tuple[str, list[Any]], str]]) -> tuple[str, list[Any]]:
    """``expr AS name, ...`` for (SQL with its parameters, name) pairs, the parameters in SQL order."""
    params: list[Any] = []
    for (_, extra), _ in parts:
        params += extra
    return ", ".join(f"{sql} AS {quote_identifier(name)}" for (sql, _), name in parts), params


def experiment_select(mapping: Mapping, table: str) -> tuple[str, list[Any]]:
    """SELECT the units of experiment dataset ``table`` (columns ``EXPERIMENT_COLUMNS``), with its
    parameters. Cells that do not convert are NULL.

    Two shapes (PRODUCT.md, kind ``experiment``): with users mapped, each row is a unit (a variant, or
    a variant and day) with its users, conversions and revenue; else each row is a user's event and a
    unit is a user (by user ID, else each row), converted if any of their rows did, their revenue
    summed and squared. Raises InputError when the mapping fits neither shape.
    """
    roles = mapping.roles
    if "variant" not in roles:
        raise InputError(NO_VARIANT)

    def value(role: str, cast: str) -> tuple[str, list[Any]]:
        source = roles.get(role)
        if isinstance(source, WideSource):
            raise InputError(WIDE_EXPERIMENT_ROLE)
        return _value(source, cast, try_cast=True)

    variant, day = value("variant", "VARCHAR"), value("timestamp", "DATE")
    row: tuple[str, list[Any]] = ("rowid", [])
    source = quote_identifier(table)
    if "users" in roles:
        if "conversions" not in roles:
            raise InputError(NO_CONVERSIONS)
        columns, params = _select_list(
            [
                (variant, "variant"),
                (day, "day"),
                (value("users", "DOUBLE"), "users"),
                (value("conversions", "DOUBLE"), "conversions"),
                (value("revenue", "DOUBLE"), "revenue"),
                (("CAST(NULL AS DOUBLE)", []), "revenue_squares"),
                (row, "first"),
            ]
        )
        return f"SELECT {columns} FROM {source}", params
    if "converted" not in roles and "revenue" not in roles:
        raise InputError(NO_OUTCOME)
    converted = value("converted", "DOUBLE") if "converted" in roles else None
    revenue = value("revenue", "DOUBLE")
    outcome_sql, outcome_params = converted or revenue
    columns, params = _select_list(
        [
            (variant, "variant"),
            (day, "day"),
            (value("user_id", "VARCHAR") if "user_id" in roles else row, "unit"),
            ((f"COALESCE({outcome_sql}, 0) > 0", outcome_params), "converted"),
            ((f"COALESCE({revenue[0]}, 0)", revenue[1]), "revenue"),
            (row, "first"),
        ]
    )
    sums = (
        "SUM(revenue) AS revenue, SUM(revenue) * SUM(revenue) AS revenue_squares"
        if "revenue" in roles
        else "NULL AS revenue, NULL AS revenue_squares"
    )
    return (
        "SELECT variant, MIN(day) AS day, 1.0 AS users, MAX(CAST(converted AS DOUBLE)) AS conversions, "
        f"{sums}, MIN(first) AS first FROM (SELECT {columns} FROM {source}) GROUP BY variant, unit"
    ), params
