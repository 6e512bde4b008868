"""The data-quality checks of a mapped dataset, run in DuckDB on its canonical rows.

The rows are read through the mapping's own view (recode and exclude rules applied), so a fixed
problem is gone from the next report. Everything is aggregated in SQL; Python sees only distinct
dimension values (at most MAX_VALUES per dimension) and distinct dates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from kpi_core.ingest.profile import Profile
from kpi_core.mapping.columns import normalize
from kpi_core.mapping.model import ColumnSource, ConstantSource, Mapping
from kpi_core.mapping.roles import roles_of
from kpi_core.mapping.views import performance_select, recode_sql, source_rows_sql
from kpi_core.quality.findings import SEVERITY_ORDER, Finding, Severity
from kpi_core.sql import fetch_row, fetch_value, quote_identifier

if TYPE_CHECKING:
    from kpi_core.ingest.reader import Ingested

MAX_VALUES = 500  # distinct values of a dimension compared for near-duplicates (the most frequent)
SIMILAR = 85.0  # rapidfuzz ratio (0-100) from which two labels are one label misspelt
OUTLIER_Z = 5.0  # robust z (MAD units) beyond which a value is an outlier in its channel's own series
PLACEHOLDERS = (
    "",
    "n/a",
    "na",
    "n.a.",
    "none",
    "null",
    "nan",
    "-",
    "--",
    "(not set)",
    "not set",
    "unknown",
    "(none)",
    "(blank)",
    "undefined",
    "#n/a",
    "other/unknown",
)
MONEY = ("spend", "revenue", "pipeline", "amount", "value")
TEXT_ROLES = ("channel", "campaign", "status", "variant")
# (upper stage, lower stage, severity): the lower can never exceed the upper
SEQUENCES: tuple[tuple[str, str, Severity], ...] = (
    ("impressions", "clicks", "warning"),
    ("clicks", "leads", "info"),
    ("leads", "mqls", "warning"),
    ("mqls", "sqls", "warning"),
    ("sqls", "opportunities", "info"),
    ("opportunities", "customers", "warning"),
    ("users", "conversions", "warning"),
)
CANONICAL = "quality_rows"


def check_ingested(ingested: Ingested, mapping: Mapping) -> list[Finding]:
    """Every finding for a file just read (the command line's ``check``)."""
    return check_dataset(ingested.con, ingested.materialised("checked_rows"), mapping, ingested.profile)


def check_dataset(
    con: duckdb.DuckDBPyConnection, table: str, mapping: Mapping, profile: Profile | None = None
) -> list[Finding]:
    """Every finding for the dataset ``table`` read through ``mapping``, worst first."""
    sql, params = _canonical_sql(mapping, table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CANONICAL} AS {sql}", params)  # a view takes no parameters
    rows = int(fetch_value(con, f"SELECT count(*) FROM {CANONICAL}"))
    if rows == 0:
        return []
    context = _Context(con, mapping, rows, profile)
    findings: list[Finding] = []
    for dimension in context.dimensions:
        findings += _near_duplicates(context, dimension)
        findings += _blanks(context, dimension)
    findings += _duplicates(context, table)
    for measure in context.measures:
        findings += _negatives(context, measure)
    findings += _outliers(context)
    findings += _sequences(context)
    findings += _end_before_start(context, table)
    findings += _date_gaps(context)
    findings += _mixed_currencies(context)
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], -f.rows))


class _Context:
    def __init__(self, con: duckdb.DuckDBPyConnection, mapping: Mapping, rows: int, profile: Profile | None) -> None:
        self.con, self.mapping, self.rows, self.profile = con, mapping, rows, profile
        columns = [c[0] for c in con.execute(f"DESCRIBE {CANONICAL}").fetchall()]
        roles = roles_of(mapping.kind)
        self.dimensions = [c for c in columns if c in TEXT_ROLES or c in mapping.dimensions]
        self.measures = [c for c in columns if c in roles and roles[c].is_measure]
        self.money = [m for m in self.measures if m in MONEY]
        self.totals = (
            {
                m: float(v or 0)
                for m, v in zip(
                    self.money,
                    fetch_row(
                        con, f"SELECT {', '.join(f'sum({quote_identifier(m)})' for m in self.money)} FROM {CANONICAL}"
                    )
                    or (),
                )
            }
            if self.money
            else {}
        )
        self.date = "date" if "date" in columns else "created_date" if "created_date" in columns else None

    def label(self, role: str) -> str:
        """The source column a role reads, as the user knows it."""
        source = self.mapping.roles.get(role)
        if isinstance(source, ColumnSource):
            return source.column
        return self.mapping.dimensions.get(role, role)

    def touches(self, where: str, params: list[Any] | None = None) -> dict[str, float]:
        """Share of each money total in the rows ``where`` picks."""
        if not self.money:
            return {}
        sums = fetch_row(
            self.con,
            f"SELECT {', '.join(f'sum({quote_identifier(m)})' for m in self.money)} FROM {CANONICAL} WHERE {where}",
            params or [],
        )
        return {m: float(s or 0) / self.totals[m] for m, s in zip(self.money, sums or ()) if self.totals.get(m)}

    def share(self, rows: int) -> float:
        return rows / self.rows


def _canonical_sql(mapping: Mapping, table: str) -> tuple[str, list[Any]]:
    if mapping.kind == "performance":
        return performance_select(mapping, table)
    source, source_params = source_rows_sql(mapping, table)
    roles = roles_of(mapping.kind)
    parts: list[str] = []
    params: list[Any] = []
    for role_id, source_role in mapping.roles.items():
        role = roles[role_id]
        cast = {"date": "TIMESTAMP", "number": "DOUBLE", "text": "VARCHAR", "boolean": "BOOLEAN"}[role.value_type]
        if isinstance(source_role, ColumnSource):
            expr, expr_params = f"CAST({quote_identifier(source_role.column)} AS {cast})", []
        elif isinstance(source_role, ConstantSource):
            expr, expr_params = f"CAST(? AS {cast})", [source_role.value]
        else:
            continue
        if role.value_type == "text":
            expr, expr_params = recode_sql(mapping, role_id, expr, expr_params)
        parts.append(f"{expr} AS {quote_identifier(role_id)}")
        params += expr_params
    for name, column in mapping.dimensions.items():
        expr, expr_params = recode_sql(mapping, name, f"CAST({quote_identifier(column)} AS VARCHAR)")
        parts.append(f"{expr} AS {quote_identifier(name)}")
        params += expr_params
    return f"SELECT {', '.join(parts) or '1 AS one'} FROM {source}", params + source_params


def _key(value: str) -> str:
    """A label without case, spaces and punctuation: 'E-mail', 'e mail' and 'Email' are one."""
    return re.sub(r"[\W_]+", "", value.lower())


def _near_duplicates(context: _Context, dimension: str) -> list[Finding]:
    column = quote_identifier(dimension)
    counted = context.con.execute(
        f"SELECT trim({column}) AS v, count(*) AS n FROM {CANONICAL} WHERE {column} IS NOT NULL "
        f"GROUP BY 1 ORDER BY n DESC, v LIMIT {MAX_VALUES + 1}"
    ).fetchall()
    if len(counted) > MAX_VALUES:  # IDs or free text, not a handful of labels
        return []
    from rapidfuzz import fuzz

    labels = [(str(v), int(n)) for v, n in counted if str(v).strip().lower() not in PLACEHOLDERS]
    targets: dict[str, str] = {}  # variant -> the label it is a spelling of
    kept: list[tuple[str, int]] = []
    for value, count in labels:  # most frequent first: a label is a variant of a more frequent one
        key = _key(value)
        match = None
        for target, _ in kept:
            target_key = _key(target)
            if not key or not target_key:
                continue
            same = key == target_key
            # Digits tell campaigns apart ('Q1_Launch' vs 'Q2_Launch'): they must agree exactly.
            digits_agree = re.sub(r"\D", "", key) == re.sub(r"\D", "", target_key)
            first_word = _key(re.split(r"[\s_\-/]+", target.strip())[0])
            similar = (
                len(key) >= 4
                and digits_agree
                and max(fuzz.ratio(key, target_key), fuzz.ratio(key, first_word) if len(first_word) >= 4 else 0)
                >= SIMILAR
            )
            if same or similar:
                match = target
                break
        if match is None:
            kept.append((value, count))
        else:
            targets[value] = match
    findings = []
    counts = dict(labels)
    for variant, target in targets.items():
        rows = counts[variant]
        touches = context.touches(f"trim({column}) = ?", [variant])
        how = "is written differently from" if _key(variant) == _key(target) else "looks like a misspelling of"
        findings.append(
            Finding(
                "near_duplicate_values",
                "warning",
                context.label(dimension),
                rows,
                context.share(rows),
                variant,
                f"'{variant}' {how} '{target}' in {context.label(dimension)} ({rows:,} rows{_spend_clause(touches)}): "
                f"merged, they count as one {dimension}.",
                touches,
                {"recode": {dimension: {variant: target}}},
                f"Treat '{variant}' as '{target}'",
            )
        )
    return findings


def _spend_clause(touches: dict[str, float]) -> str:
    return "".join(f", {share:.1%} of {measure}" for measure, share in touches.items() if share)


def _blanks(context: _Context, dimension: str) -> list[Finding]:
    column = quote_identifier(dimension)
    placeholders = ", ".join("?" for _ in PLACEHOLDERS)
    where = f"({column} IS NULL OR lower(trim({column})) IN ({placeholders}))"
    rows, example = fetch_row(
        context.con,
        f"SELECT count(*), min(trim({column})) FILTER (WHERE {column} IS NOT NULL) FROM {CANONICAL} WHERE {where}",
        list(PLACEHOLDERS),
    ) or (0, None)
    if not rows:
        return []
    constant = context.mapping.roles.get(dimension)
    if isinstance(constant, ConstantSource):
        return []
    touches = context.touches(where, list(PLACEHOLDERS))
    fix = None
    if example and str(example).strip():
        fix = {"recode": {dimension: {str(example): None}}}
    label = context.label(dimension)
    shown = f" ('{example}')" if example else ""
    return [
        Finding(
            "blank_values",
            "warning",
            label,
            int(rows),
            context.share(int(rows)),
            example,
            f"{int(rows):,} rows ({context.share(int(rows)):.1%}{_spend_clause(touches)}) have no {dimension}{shown}: "
            f"they show as one {dimension} of their own in every breakdown.",
            touches,
            fix,
            f"Read '{example}' as blank" if fix else None,
        )
    ]


def _duplicates(context: _Context, table: str) -> list[Finding]:
    source, params = source_rows_sql(context.mapping, table)
    spend = (
        context.mapping.roles.get("spend")
        if context.mapping.kind == "performance"
        else context.mapping.roles.get("amount")
    )
    money = quote_identifier(spend.column) if isinstance(spend, ColumnSource) else "NULL"
    row = fetch_row(
        context.con,
        f"SELECT count(*), sum(TRY_CAST(m AS DOUBLE)) FROM (SELECT {money} AS m, "
        f"row_number() OVER (PARTITION BY t) AS copy FROM {source} AS t) WHERE copy > 1",
        params,
    )
    rows = int(row[0]) if row else 0
    if not rows:
        return []
    touches = {}
    name = "spend" if context.mapping.kind == "performance" else "amount"
    if row and row[1] is not None and context.totals.get(name):
        touches = {name: float(row[1]) / context.totals[name]}
    return [
        Finding(
            "duplicate_rows",
            "warning",
            None,
            rows,
            context.share(rows),
            None,
            f"{rows:,} rows are exact copies of another row ({context.share(rows):.1%} of rows"
            f"{_spend_clause(touches)}): each copy is counted again.",
            touches,
            {"exclude": {"duplicates": True}},
            "Leave out duplicate rows",
        )
    ]


def _negatives(context: _Context, measure: str) -> list[Finding]:
    column = quote_identifier(measure)
    rows, lowest = fetch_row(context.con, f"SELECT count(*), min({column}) FROM {CANONICAL} WHERE {column} < 0") or (
        0,
        None,
    )
    if not rows:
        return []
    label = context.label(measure)
    source = context.mapping.roles.get(measure)
    fix = {"exclude": {"column": source.column, "below": 0}} if isinstance(source, ColumnSource) else None
    touches = context.touches(f"{column} < 0")
    return [
        Finding(
            "negative_values",
            "error" if measure in MONEY else "warning",
            label,
            int(rows),
            context.share(int(rows)),
            f"{lowest:g}",
            f"{int(rows):,} rows have a negative {measure} in '{label}' (lowest {lowest:,.2f}): "
            "refunds or typos; they lower every sum they are in.",
            touches,
            fix,
            f"Leave out rows where '{label}' is below 0" if fix else None,
        )
    ]


def _outliers(context: _Context) -> list[Finding]:
    """Values far above their channel's own series: (x - median) / (1.4826 MAD) > OUTLIER_Z (values far
    below are negatives or zeros, which their own checks report)."""
    group = "channel" if "channel" in context.dimensions else None
    findings = []
    for measure in [m for m in context.measures if m in ("spend", "revenue", "amount", "clicks", "leads")]:
        column = quote_identifier(measure)
        by = quote_identifier(group) if group else "1"
        scored = (
            f"WITH s AS (SELECT {by} AS g, median({column}) AS m FROM {CANONICAL} WHERE {column} IS NOT NULL GROUP BY 1), "
            f"d AS (SELECT s.g, s.m, median(abs(r.{column} - s.m)) * 1.4826 AS mad FROM {CANONICAL} r "
            f"JOIN s ON {'r.' + by if group else '1'} IS NOT DISTINCT FROM s.g GROUP BY 1, 2) "
            f"SELECT r.{column} AS v, (r.{column} - d.m) / d.mad AS z FROM {CANONICAL} r "
            f"JOIN d ON {'r.' + by if group else '1'} IS NOT DISTINCT FROM d.g WHERE d.mad > 0"
        )
        rows, low, high = fetch_row(
            context.con, f"SELECT count(*), min(v), max(v) FROM ({scored}) WHERE z > {OUTLIER_Z}"
        ) or (0, None, None)
        if not rows:
            continue
        below = fetch_row(context.con, f"SELECT max(v) FROM ({scored}) WHERE z <= {OUTLIER_Z}")
        normal_max = below[0] if below else None
        label = context.label(measure)
        source = context.mapping.roles.get(measure)
        fix, label_fix, touches = None, None, {}
        if isinstance(source, ColumnSource) and normal_max is not None and high > normal_max:
            # The fix leaves out what is above every usual value, whichever channel it is in.
            fix = {"exclude": {"column": source.column, "above": float(normal_max)}}
            beyond = int(fetch_value(context.con, f"SELECT count(*) FROM {CANONICAL} WHERE {column} > ?", [normal_max]))
            label_fix = f"Leave out the {beyond:,} row(s) where '{label}' is above {normal_max:,.2f}"
            touches = context.touches(f"{column} > ?", [normal_max])
        findings.append(
            Finding(
                "outliers",
                "warning",
                label,
                int(rows),
                context.share(int(rows)),
                f"{high:g}",
                f"{int(rows):,} value(s) of '{label}' are far above {'their channel' if group else 'the'}'s usual range "
                f"(up to {high:,.2f}; more than {OUTLIER_Z:g} robust deviations above the median){_spend_clause(touches)}: "
                "check them before trusting totals.",
                touches,
                fix,
                label_fix,
            )
        )
    return findings


def _sequences(context: _Context) -> list[Finding]:
    findings = []
    for upper, lower, severity in SEQUENCES:
        if upper not in context.measures or lower not in context.measures:
            continue
        u, low = quote_identifier(upper), quote_identifier(lower)
        rows, example = fetch_row(
            context.con, f"SELECT count(*), max({low} - {u}) FROM {CANONICAL} WHERE {low} > {u}"
        ) or (0, None)
        if rows:
            findings.append(
                Finding(
                    "impossible_sequence",
                    severity,
                    context.label(lower),
                    int(rows),
                    context.share(int(rows)),
                    f"{example:g} more",
                    f"{int(rows):,} rows have more {lower} ('{context.label(lower)}') than {upper} "
                    f"('{context.label(upper)}'), which a funnel cannot do: check the columns or the tracking.",
                )
            )
    return findings


def _end_before_start(context: _Context, table: str) -> list[Finding]:
    """End dates before start dates, in two date columns named so (mapped or not)."""
    pairs: list[tuple[str, str]] = []
    if context.mapping.kind == "deals":
        created, closed = context.mapping.roles.get("created_date"), context.mapping.roles.get("close_date")
        if isinstance(created, ColumnSource) and isinstance(closed, ColumnSource):
            pairs.append((created.column, closed.column))
    if context.profile is not None:
        dates = [c.name for c in context.profile.columns if c.type == "date"]
        starts = [d for d in dates if "start" in normalize(d).split() or "begin" in normalize(d)]
        ends = [d for d in dates if "end" in normalize(d).split() or "stop" in normalize(d).split()]
        pairs += [(s, e) for s in starts[:1] for e in ends[:1]]
    source, params = source_rows_sql(context.mapping, table)
    findings = []
    for start, end in pairs:
        s, e = quote_identifier(start), quote_identifier(end)
        rows, example = fetch_row(
            context.con, f"SELECT count(*), min(CAST({e} AS DATE)) FROM {source} WHERE {e} < {s}", params
        ) or (0, None)
        if rows:
            findings.append(
                Finding(
                    "impossible_sequence",
                    "warning",
                    end,
                    int(rows),
                    context.share(int(rows)),
                    str(example),
                    f"{int(rows):,} rows end ('{end}') before they start ('{start}'): a typo or day and month "
                    "swapped; their periods are wrong.",
                )
            )
    return findings


def _date_gaps(context: _Context) -> list[Finding]:
    if context.date is None:
        return []
    days = [
        r[0]
        for r in context.con.execute(
            f"SELECT DISTINCT CAST({quote_identifier(context.date)} AS DATE) FROM {CANONICAL} "
            f"WHERE {quote_identifier(context.date)} IS NOT NULL ORDER BY 1 LIMIT 100000"
        ).fetchall()
    ]
    if len(days) < 3 or context.mapping.kind != "performance":
        return []
    steps = sorted((b - a).days for a, b in zip(days, days[1:]))
    step = steps[len(steps) // 2]
    grain, expected = _grain(step, days)
    if grain is None:
        return []
    present = set(days)
    missing = [d for d in expected if d not in present]
    if not missing:
        return []
    shown = ", ".join(d.isoformat() for d in missing[:3]) + ("..." if len(missing) > 3 else "")
    return [
        Finding(
            "date_gaps",
            "info",
            context.label(context.date),
            len(missing),
            None,
            missing[0].isoformat(),
            f"{len(missing):,} {grain}(s) between {days[0]} and {days[-1]} have no rows ({shown}): "
            "trends and goal paces read them as zero.",
        )
    ]


def _grain(step: int, days: list[date]) -> tuple[str | None, list[date]]:
    first, last = days[0], days[-1]
    if step == 1:
        return "day", [first + timedelta(n) for n in range((last - first).days + 1)]
    if step == 7:
        return "week", [first + timedelta(7 * n) for n in range((last - first).days // 7 + 1)]
    if 28 <= step <= 31 and all(d.day == first.day for d in days):
        months = (last.year - first.year) * 12 + last.month - first.month
        return "month", [
            date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, first.day)
            for n in range(months + 1)
        ]
    return None, []


def _mixed_currencies(context: _Context) -> list[Finding]:
    if context.profile is None:
        return []
    used = set(context.mapping.columns_used())
    return [
        Finding(
            "mixed_currencies",
            "error",
            c.name,
            c.non_null,
            None,
            None,
            f"'{c.name}' mixes currencies, so it was read as text and is not added up: split the file by "
            "currency or convert the amounts first.",
        )
        for c in context.profile.columns
        if c.currency == "mixed" and c.name in used
    ]
