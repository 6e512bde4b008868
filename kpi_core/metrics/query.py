"""KPIs over any slice in one SQL query: all mapped performance datasets stacked, then ratios of sums.

The stacked rows are a CTE built from each dataset's canonical SELECT (constants are parameters),
so a request is exactly one query: filter, group by period and dimensions, sum, divide.
"""

from __future__ import annotations

from collections.abc import Mapping as TypingMapping
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from kpi_core.errors import InputError
from kpi_core.mapping import Mapping
from kpi_core.mapping.views import MEASURES, performance_select
from kpi_core.metrics.registry import BY_ID, KPI_ORDER, Kpi, available
from kpi_core.settings import WorkspaceSettings
from kpi_core.sql import QueryCache, query_rows, quote_identifier

if TYPE_CHECKING:
    import pandas as pd  # imported where a frame is made: compute() and the CLI's kpis need none

Grain = Literal["week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Source:
    """One mapped performance dataset: its mapping and the table holding its rows."""

    mapping: Mapping
    table: str
    name: str = ""


@dataclass(frozen=True)
class KpiRequest:
    kpis: tuple[str, ...] | None = None  # None: every KPI the mapped data allows
    by: tuple[str, ...] = ()
    grain: Grain | None = None
    date_from: date | None = None
    date_to: date | None = None
    where: TypingMapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class KpiTable:
    """Rows of a KPI request: ``period`` (if a grain was asked), the ``by`` dimensions, then KPIs."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    kpis: list[Kpi]

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def records(self) -> list[dict[str, Any]]:
        return [
            {c: (v.isoformat() if isinstance(v, date) else v) for c, v in zip(self.columns, row)} for row in self.rows
        ]


class Performance:
    """The combined performance rows of several datasets, and the KPIs over them."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sources: Sequence[Source],
        settings: TypingMapping[str, Any] | None = None,
        cache: QueryCache | None = None,
    ) -> None:
        self.con = con
        self.cache = cache
        self.sources = list(sources)
        # The first dataset's mapping settings, then the workspace's stored ones (which win).
        self.settings = WorkspaceSettings.from_values(
            self.sources[0].mapping.settings if self.sources else {}, settings or {}
        )
        self.measures: list[str] = [m for m in MEASURES if any(m in s.mapping.roles for s in self.sources)]
        self.custom_stages: list[str] = []
        for source in self.sources:
            self.custom_stages += [c.id for c in source.mapping.custom_stages if c.id not in self.custom_stages]
        self.dimensions: list[str] = []
        if any("channel" in s.mapping.roles or s.mapping.wide_channels() for s in self.sources):
            self.dimensions.append("channel")
        if any("campaign" in s.mapping.roles for s in self.sources):
            self.dimensions.append("campaign")
        for source in self.sources:
            self.dimensions += [d for d in source.mapping.dimensions if d not in self.dimensions]

    @property
    def kpis(self) -> list[Kpi]:
        return available(set(self.measures))

    def rows_sql(self) -> tuple[str, list[Any]]:
        """The stacked canonical rows of every source (one UNION ALL)."""
        extra = [d for d in self.dimensions if d not in ("channel", "campaign")]
        parts: list[str] = []
        params: list[Any] = []
        for source in self.sources:
            sql, source_params = performance_select(
                source.mapping, source.table, dimensions=extra, measures=self.measures, custom=self.custom_stages
            )
            parts.append(sql)
            params += source_params
        if not parts:
            raise InputError("No performance dataset is mapped yet: map one on the Mapping page.")
        return "\nUNION ALL\n".join(parts), params

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Run a query, or answer it from the cache: the SQL names versioned tables and carries the
        settings as literals, so the same text and parameters always mean the same answer."""
        if self.cache is None:
            return query_rows(self.con, sql, params)
        key = (sql, tuple(params))
        rows = self.cache.lookup(key)
        if rows is None:
            rows = query_rows(self.con, sql, params)
            self.cache.put(key, rows)
        return rows

    def _where(self, request: KpiRequest) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if request.date_from is not None:
            clauses.append("date >= ?")
            params.append(request.date_from)
        if request.date_to is not None:
            clauses.append("date <= ?")
            params.append(request.date_to)
        for dimension, values in request.where.items():
            self._check_dimension(dimension, "--where")
            if values:
                clauses.append(f"{quote_identifier(dimension)} IN ({', '.join('?' for _ in values)})")
                params += list(values)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _check_dimension(self, dimension: str, what: str) -> None:
        if dimension not in self.dimensions:
            mapped = ", ".join(self.dimensions) or "none"
            raise InputError(f"{what} {dimension}: that dimension is not mapped (mapped dimensions: {mapped}).")

    def _expression(self, kpi: Kpi) -> str:
        text = kpi.expression.replace("{gross_margin}", repr(float(self.settings.gross_margin)))
        text = text.replace("{lifetime}", repr(float(self.settings.customer_lifetime_years)))
        for measure in kpi.inputs:
            text = text.replace("{" + measure + "}", f"CAST(sum({quote_identifier(measure)}) AS DOUBLE)")
        return text

    def compute(self, request: KpiRequest) -> KpiTable:
        """Every requested KPI, grouped by period and dimensions: one SQL query."""
        for dimension in request.by:
            self._check_dimension(dimension, "--by")
        if request.grain is not None and request.grain not in GRAINS:
            raise InputError(f"--grain {request.grain}: use one of {', '.join(GRAINS)}.")
        if request.date_from and request.date_to and request.date_from > request.date_to:
            raise InputError("--from is after --to: the date range is empty.")
        computable = self.kpis
        if request.kpis is not None:
            unknown = [k for k in request.kpis if k not in BY_ID]
            if unknown:
                raise InputError(f"Unknown KPI {', '.join(unknown)}; KPIs are {', '.join(KPI_ORDER)}.")
            wanted = set(request.kpis)
            computable = [k for k in computable if k.id in wanted]
        rows_sql, params = self.rows_sql()
        where_sql, where_params = self._where(request)
        keys: list[str] = []
        if request.grain:
            keys.append(f"CAST(date_trunc('{request.grain}', date) AS DATE) AS period")
        keys += [quote_identifier(d) for d in request.by]
        selects = keys + [f"{self._expression(k)} AS {quote_identifier(k.id)}" for k in computable]
        if not selects:
            raise InputError("Nothing to compute: map at least one measure.")
        group = ""
        if keys:
            order = ", ".join(str(i + 1) for i in range(len(keys)))
            group = f" GROUP BY {order} ORDER BY {order} NULLS LAST"
        sql = f"WITH rows AS ({rows_sql}) SELECT {', '.join(selects)} FROM rows{where_sql}{group}"
        result = self._rows(sql, params + where_params)
        columns = (["period"] if request.grain else []) + list(request.by) + [k.id for k in computable]
        return KpiTable(columns=columns, rows=[tuple(r) for r in result], kpis=computable)

    def sums(self, measures: Sequence[str], request: KpiRequest) -> pd.DataFrame:
        """Sums of measures (and custom stages) by ``period`` at request.grain and the request.by
        dimensions, filtered like compute(): the raw material of goals and projections."""
        known = [m for m in measures if m in self.measures or m in self.custom_stages]
        for dimension in request.by:
            self._check_dimension(dimension, "--by")
        rows_sql, params = self.rows_sql()
        where_sql, where_params = self._where(request)
        keys = [f"CAST(date_trunc('{request.grain}', date) AS DATE) AS period"] if request.grain else []
        keys += [quote_identifier(d) for d in request.by]
        selects = keys + [f"CAST(sum({quote_identifier(m)}) AS DOUBLE) AS {quote_identifier(m)}" for m in known]
        group = ""
        if keys:
            order = ", ".join(str(i + 1) for i in range(len(keys)))
            group = f" GROUP BY {order} ORDER BY {order} NULLS LAST"
        sql = f"WITH rows AS ({rows_sql}) SELECT {', '.join(selects) or 'count(*) AS rows'} FROM rows{where_sql}{group}"
        columns = (["period"] if request.grain else []) + list(request.by) + (known or ["rows"])
        import pandas as pd

        return pd.DataFrame(self._rows(sql, params + where_params), columns=columns)

    def window_sums(self, measures: Sequence[str], request: KpiRequest, before: date, days: int) -> pd.DataFrame:
        """Sums in consecutive windows of ``days`` days ending the day before ``before``, counting back:
        window 0 is [before - days, before - 1], window 1 the one before it, and so on."""
        known = [m for m in measures if m in self.measures]
        rows_sql, params = self.rows_sql()
        where_sql, where_params = self._where(KpiRequest(date_to=before - timedelta(days=1), where=request.where))
        sums = ", ".join(f"CAST(sum({quote_identifier(m)}) AS DOUBLE) AS {quote_identifier(m)}" for m in known)
        sql = (
            f"WITH rows AS ({rows_sql}) SELECT CAST((date_diff('day', CAST(date AS DATE), ?) - 1) // ? AS INTEGER)"
            f" AS window, min(date) AS first_day{', ' + sums if sums else ''} FROM rows{where_sql} GROUP BY 1 ORDER BY 1"
        )
        result = self._rows(sql, [*params, before, int(days), *where_params])
        import pandas as pd

        return pd.DataFrame(result, columns=["window", "first_day", *known])

    def kpi_from_sums(self, kpi: str, sums: pd.DataFrame) -> list[float | None]:
        """The KPI for each row of a frame of sums, by the registry's own expression (one query)."""
        definition = BY_ID[kpi]
        if sums.empty:
            return []
        import pandas as pd

        frame = pd.DataFrame(
            {m: pd.to_numeric(sums[m], errors="coerce") if m in sums else None for m in definition.inputs}
        )
        frame["_row"] = range(len(frame))
        self.con.register("kpi_input_sums", frame)
        try:
            values = query_rows(
                self.con, f"SELECT {self._expression(definition)} FROM kpi_input_sums GROUP BY _row ORDER BY _row"
            )
        finally:
            self.con.unregister("kpi_input_sums")
        return [None if v[0] is None or v[0] != v[0] else float(v[0]) for v in values]

    def stage_sums(self, stages: Sequence[str], request: KpiRequest) -> dict[str, float | None]:
        """Totals of measures and custom stages over the filtered rows (for the funnel)."""
        known = set(self.measures) | set(self.custom_stages)
        wanted = [s for s in stages if s in known]
        if not wanted:
            return {}
        rows_sql, params = self.rows_sql()
        where_sql, where_params = self._where(request)
        sums = ", ".join(f"CAST(sum({quote_identifier(s)}) AS DOUBLE)" for s in wanted)
        row = self._rows(f"WITH rows AS ({rows_sql}) SELECT {sums} FROM rows{where_sql}", params + where_params)[0]
        return dict(zip(wanted, row))

    def date_coverage(self, request: KpiRequest | None = None) -> tuple[date | None, int]:
        """The last date of the (filtered) data and its time step in days: the most common gap between
        its distinct dates (7 for weekly rows dated Mondays, 1 for daily rows; 1 when it cannot tell)."""
        rows_sql, params = self.rows_sql()
        where_sql, where_params = self._where(request or KpiRequest())
        latest, step = self._rows(
            f"WITH rows AS ({rows_sql}), days AS (SELECT DISTINCT CAST(date AS DATE) AS day FROM rows{where_sql}) "
            "SELECT (SELECT max(day) FROM days), (SELECT mode(gap) FROM "
            "(SELECT date_diff('day', lag(day) OVER (ORDER BY day), day) AS gap FROM days) WHERE gap IS NOT NULL)",
            params + where_params,
        )[0]
        return latest, int(step) if step else 1

    def date_range(self) -> tuple[date | None, date | None]:
        rows_sql, params = self.rows_sql()
        low, high = self._rows(f"WITH rows AS ({rows_sql}) SELECT min(date), max(date) FROM rows", params)[0]
        return low, high

    def filter_options(self, limit: int = 1000) -> tuple[date | None, date | None, dict[str, list[str]]]:
        """Date range and the values of every dimension, in one query (for the sidebar filters)."""
        rows_sql, params = self.rows_sql()
        lists = ", ".join(
            f"list(DISTINCT {quote_identifier(d)} ORDER BY {quote_identifier(d)}) FILTER (WHERE {quote_identifier(d)} IS NOT NULL)"
            for d in self.dimensions
        )
        row = self._rows(
            f"WITH rows AS ({rows_sql}) SELECT min(date), max(date){', ' + lists if lists else ''} FROM rows", params
        )[0]
        values = {d: list(row[2 + i] or [])[:limit] for i, d in enumerate(self.dimensions)}
        return row[0], row[1], values


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The equally long period just before [date_from, date_to]."""
    length = (date_to - date_from).days + 1
    return date_from - timedelta(days=length), date_from - timedelta(days=1)


def period_end(period: date, grain: Grain) -> date:
    """The last day of the week, month, quarter or year that starts on ``period``."""
    if grain == "week":
        return period + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    month = period.month - 1 + months
    return date(period.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def same_period_last_year(date_from: date, date_to: date) -> tuple[date, date]:
    def shift(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)

    return shift(date_from), shift(date_to)
