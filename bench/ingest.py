"""Ingest benchmark: the product's ``ingest`` against plain DuckDB / calamine baselines.

    python bench/ingest.py                 # 1M-row CSVs and a 100k-row XLSX (full run)
    python bench/ingest.py --quick         # 100k-row CSVs and a 10k-row XLSX (smoke run)
    python bench/ingest.py --no-profile    # skip the cProfile / per-query section (also --no-memory)
    python bench/ingest.py --only xlsx --runs 10   # one file (clean-csv, messy-csv, xlsx), best of 10
    python bench/ingest.py --one KIND PATH # internal: one run in a fresh process, prints peak RSS

Run from the repository root. Generated files go to ``bench/out/`` (git-ignored) and are reused
when a file of the same name exists (the name holds the row count, the seed and a generator
version), so only the first run pays for generating them (the XLSX takes a while).

Files (one generator, fixed seed; money in whole cents so the true sums are exact):
  clean CSV   Week (ISO date), Channel, Campaign, Region, Spend (2 dp), Impressions, Clicks, Leads,
              MQLs, Revenue (2 dp); written by DuckDB's COPY
  messy CSV   the same rows, Spend and Revenue as quoted "$1,234.50", Week as d/m/Y, a title line
              above the header and a "Total" row at the end
  clean XLSX  rows of the same generator and seed (100k), openpyxl write_only, Week as date cells

Timing: for each file, baseline and product alternate in this process, best of 3 (perf_counter).
  CSV baseline   duckdb.connect(); CREATE TABLE t AS SELECT * FROM read_csv(path). Plain
                 auto-detection fails on the messy file (its "Total" row is not a date); that is
                 reported and read_csv(path, sample_size=-1) is timed instead.
  XLSX baseline  calamine to_python() -> pandas DataFrame (first row as header) -> CREATE TABLE t
  XLSX baseline2 calamine to_python() alone
  product        ingest(path); CREATE TABLE final AS SELECT * FROM ingested
Both the baseline and the product turn DuckDB's progress bar off (the product does it itself).
The table also gives the median of the per-run ratios, and the report says how many CPUs other
processes kept busy meanwhile (from /proc/stat): timings on a shared machine are noisy.

Memory: each baseline and the product run once more in a fresh ``--one`` subprocess which imports
the same modules (duckdb, pandas, pyarrow, python_calamine, kpi_core.ingest) before working and
reports VmHWM (peak RSS) and the RSS after imports.

Correctness (every product run): the product types every column as expected (Week DATE, Spend DOUBLE,
Impressions BIGINT, ...), its row count equals the baseline's (less the total row for the messy
file) and the Spend sum matches the baseline's and the generator's to 1e-6 relative.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow  # noqa: E402,F401  (imported so every --one child carries the same modules)
import python_calamine  # noqa: E402

from kpi_core.ingest import ingest  # noqa: E402

OUT = REPO / "bench" / "out"
SEED = 20261123
GENERATOR_VERSION = 3
TARGET = 1.3
RUNS = 3
REL_TOL = 1e-6

FULL_CSV_ROWS = 1_000_000
FULL_XLSX_ROWS = 100_000
QUICK_CSV_ROWS = 100_000
QUICK_XLSX_ROWS = 10_000

HEADER = ["Week", "Channel", "Campaign", "Region", "Spend", "Impressions", "Clicks", "Leads", "MQLs", "Revenue"]
TITLE_LINE = "Marketing performance export - weekly by campaign and region"

CAMPAIGNS = {
    "Google Ads": [
        "GA - Brand Search",
        "GA - Generic Search",
        "GA - Competitor Search",
        "GA - Display Remarketing",
        "GA - Performance Max",
        "GA - YouTube Prospecting",
    ],
    "Meta Ads": [
        "Meta - Lookalike Prospecting",
        "Meta - Retargeting",
        "Meta - Lead Gen Forms",
        "Meta - Video Views",
        "Meta - Advantage+",
    ],
    "LinkedIn Ads": [
        "LI - ABM Tier 1",
        "LI - Thought Leadership",
        "LI - Document Ads",
        "LI - Conversation Ads",
        "LI - Lead Gen Forms",
    ],
    "Microsoft Ads": ["MS - Brand Search", "MS - Generic Search", "MS - Audience Network"],
    "TikTok Ads": ["TT - Spark Ads", "TT - In-Feed Prospecting"],
    "Reddit Ads": ["RD - Community Targeting", "RD - Conversation Placement"],
    "Programmatic": ["DSP - Intent Data", "DSP - CTV Awareness", "DSP - Retargeting"],
    "Email": ["Email - Nurture Sequence", "Email - Newsletter", "Email - Product Launch"],
    "Events": ["Events - Webinar Series", "Events - Trade Show", "Events - Roadshow"],
    "Content Syndication": ["CS - Whitepaper", "CS - Analyst Report"],
}
REGIONS = ["NA", "EMEA", "APAC", "LATAM"]
FIRST_WEEK = np.datetime64("2019-01-07")  # a Monday
WEEKS = 360  # about seven years


# --- generating the files --------------------------------------------------------------------------


def make_frame(rows: int, seed: int = SEED) -> pd.DataFrame:
    """The marketing export as a frame; money in whole cents (exact sums), sorted by week."""
    rng = np.random.default_rng(seed)
    campaigns = [(channel, name) for channel, names in CAMPAIGNS.items() for name in names]
    pick = rng.integers(0, len(campaigns), rows)
    week = FIRST_WEEK + 7 * np.sort(rng.integers(0, WEEKS, rows)).astype("timedelta64[D]")
    spend_cents = np.round(rng.lognormal(np.log(60_000), 1.1, rows)).astype(np.int64)
    spend_cents[rng.random(rows) < 0.03] = 0  # paused campaigns
    cpm = rng.uniform(2.0, 40.0, rows)
    impressions = np.floor(spend_cents / 100 / cpm * 1000).astype(np.int64)
    clicks = rng.binomial(impressions, rng.uniform(0.002, 0.03, rows))
    leads = rng.binomial(clicks, rng.uniform(0.01, 0.12, rows))
    mqls = rng.binomial(leads, 0.35)
    revenue_cents = np.round(mqls * rng.lognormal(np.log(150_000), 0.8, rows)).astype(np.int64)
    names = np.array([c[1] for c in campaigns], dtype=object)
    channels = np.array([c[0] for c in campaigns], dtype=object)
    return pd.DataFrame(
        {
            "week": week.astype("datetime64[s]"),
            "channel": channels[pick],
            "campaign": names[pick],
            "region": np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), rows)],
            "spend_cents": spend_cents,
            "impressions": impressions,
            "clicks": clicks.astype(np.int64),
            "leads": leads.astype(np.int64),
            "mqls": mqls.astype(np.int64),
            "revenue_cents": revenue_cents,
        }
    )


def _truth(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "rows": int(len(frame)),
        "spend_sum": int(frame["spend_cents"].sum()) / 100,
        "revenue_sum": int(frame["revenue_cents"].sum()) / 100,
        "impressions_sum": int(frame["impressions"].sum()),
    }


def _select(money: Callable[[str], str], week: str) -> str:
    return (
        f'SELECT strftime(week, \'{week}\') AS "Week", channel AS "Channel", campaign AS "Campaign", '
        f'region AS "Region", {money("spend_cents")} AS "Spend", impressions AS "Impressions", '
        f'clicks AS "Clicks", leads AS "Leads", mqls AS "MQLs", {money("revenue_cents")} AS "Revenue" '
        f"FROM frame"
    )


def _write_clean_csv(frame: pd.DataFrame, path: Path) -> None:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.register("frame", frame)
    sql = _select(lambda c: f"printf('%.2f', {c} / 100.0)", "%Y-%m-%d")
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER true, DELIMITER ',')")
    con.close()


def _write_messy_csv(frame: pd.DataFrame, path: Path) -> None:
    body = path.with_suffix(".body.tmp")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.register("frame", frame)
    sql = _select(lambda c: f"'$' || format('{{:,.2f}}', {c} / 100.0)", "%d/%m/%Y")
    con.execute(
        f"COPY ({sql}) TO '{body}' (FORMAT csv, HEADER false, DELIMITER ',', FORCE_QUOTE (\"Spend\", \"Revenue\"))"
    )
    con.close()
    t = _truth(frame)
    money = lambda cents: '"$' + f"{cents / 100:,.2f}" + '"'  # noqa: E731
    total = [
        "Total",
        "",
        "",
        "",
        money(int(frame["spend_cents"].sum())),
        str(t["impressions_sum"]),
        str(int(frame["clicks"].sum())),
        str(int(frame["leads"].sum())),
        str(int(frame["mqls"].sum())),
        money(int(frame["revenue_cents"].sum())),
    ]
    with open(path, "wb") as out:
        out.write((TITLE_LINE + "\n" + ",".join(HEADER) + "\n").encode())
        with open(body, "rb") as src:
            shutil.copyfileobj(src, out, 16 * 1024 * 1024)
        out.write((",".join(total) + "\n").encode())
    body.unlink()


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Performance")
    sheet.append(HEADER)
    weeks = [d.date() for d in frame["week"].dt.to_pydatetime()]
    columns = [
        weeks,
        frame["channel"].tolist(),
        frame["campaign"].tolist(),
        frame["region"].tolist(),
        (frame["spend_cents"] / 100).tolist(),
        frame["impressions"].tolist(),
        frame["clicks"].tolist(),
        frame["leads"].tolist(),
        frame["mqls"].tolist(),
        (frame["revenue_cents"] / 100).tolist(),
    ]
    for row in zip(*columns):
        sheet.append(list(row))
    workbook.save(path)


@dataclass
class BenchFile:
    label: str
    kind: str  # csv | xlsx
    path: Path
    truth: dict[str, Any]
    dropped_total: int = 0  # rows the product drops that the baseline keeps (the "Total" row)


def ensure_files(csv_rows: int, xlsx_rows: int) -> list[BenchFile]:
    """Generate the three files (or reuse them: cached by name), with their true sums."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"marketing_v{GENERATOR_VERSION}_s{SEED}"
    specs = [
        ("clean CSV", "csv", OUT / f"{stem}_clean_{csv_rows}.csv", csv_rows, _write_clean_csv, 0),
        ("messy CSV", "csv", OUT / f"{stem}_messy_{csv_rows}.csv", csv_rows, _write_messy_csv, 1),
        ("clean XLSX", "xlsx", OUT / f"{stem}_clean_{xlsx_rows}.xlsx", xlsx_rows, _write_xlsx, 0),
    ]
    files = []
    for label, kind, path, rows, writer, dropped in specs:
        meta = path.with_name(path.name + ".json")
        if not (path.exists() and meta.exists()):
            started = time.perf_counter()
            print(f"generating {path.relative_to(REPO)} ...", flush=True)
            frame = make_frame(rows)
            tmp = path.with_name(path.stem + ".tmp" + path.suffix)
            writer(frame, tmp)
            os.replace(tmp, path)
            meta.write_text(json.dumps(_truth(frame)))
            print(f"  {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s", flush=True)
        files.append(BenchFile(label, kind, path, json.loads(meta.read_text()), dropped))
    return files


# --- the runs being compared -----------------------------------------------------------------------


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("SET enable_progress_bar = false")
    return con


def run_csv_baseline(path: Path, options: str = "") -> duckdb.DuckDBPyConnection:
    con = _quiet(duckdb.connect())
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}'{options})")
    return con


def run_calamine(path: Path) -> list[list[Any]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def run_xlsx_baseline(path: Path) -> duckdb.DuckDBPyConnection:
    rows = run_calamine(path)
    df = pd.DataFrame(rows[1:], columns=rows[0])
    del rows
    con = _quiet(duckdb.connect())
    con.register("df", df)  # what a replacement scan of the local ``df`` would do, made explicit
    con.execute("CREATE TABLE t AS SELECT * FROM df")
    con.unregister("df")
    return con


def run_product(path: Path, con: Any = None) -> duckdb.DuckDBPyConnection:
    result = ingest(path, con=con) if con is not None else ingest(path)
    result.con.execute("CREATE TABLE final AS SELECT * FROM ingested")
    return result.con


@dataclass(frozen=True)
class Baseline:
    name: str
    one_kind: str  # the --one KIND that repeats it in a fresh process
    run: Callable[[Path], Any]  # a connection holding table t, or calamine's rows
    keeps_total: bool = True  # keeps the file's "Total" row as data (the product drops it)
    primary: bool = True  # the target is judged against this one


# Plain auto-detection first; if it cannot read the file (the messy one: its "Total" row is not a
# date), the fix its error message offers that needs no knowledge of the file: sniff all of it.
# (``ignore_errors=true`` is no fix here: with it the sniffer takes the title line for the header.)
CSV_FALLBACKS = {
    "csv-baseline-full-sample": ("DuckDB read_csv, sample_size=-1", ", sample_size=-1", True),
}


def baselines_for(f: BenchFile, notes: list[str]) -> list[Baseline]:
    if f.kind == "xlsx":
        return [
            Baseline("calamine + pandas + DuckDB", "xlsx-baseline", run_xlsx_baseline),
            Baseline("calamine to_python() only", "xlsx-calamine", run_calamine, primary=False),
        ]
    plain = Baseline("DuckDB read_csv", "csv-baseline", run_csv_baseline)
    started = time.perf_counter()
    try:
        run_csv_baseline(f.path).close()
        return [plain]
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()
        detail = " / ".join(line.strip() for line in first[:3] if line.strip())
        notes.append(f"{f.label}: plain `read_csv(path)` fails after {time.perf_counter() - started:.2f} s: {detail}")
    return [
        Baseline(name, kind, (lambda p, o=options: run_csv_baseline(p, o)), keeps_total=keeps, primary=i == 0)
        for i, (kind, (name, options, keeps)) in enumerate(CSV_FALLBACKS.items())
    ]


# --- checks ----------------------------------------------------------------------------------------


def _spend_sum_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """sum(Spend) of a table, parsing "$1,234.50" text if the baseline left it as text; the total
    row (first column "Total") is left out so that the baseline's sum is the data's."""
    columns = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    if "Spend" not in columns:
        raise RuntimeError(f"{table} has no Spend column: {list(columns)}")
    first = next(iter(columns))
    spend = '"Spend"'
    if columns["Spend"] == "VARCHAR":
        spend = "TRY_CAST(regexp_replace(\"Spend\", '[$,\\s]', '', 'g') AS DOUBLE)"
    not_total = f"coalesce(lower(trim(CAST(\"{first}\" AS VARCHAR))) <> 'total', true)"
    return f"SELECT count(*), sum({spend}) FILTER (WHERE {not_total}) FROM {table}"


def table_stats(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, float]:
    rows, spend = con.execute(_spend_sum_sql(con, table)).fetchall()[0]
    return int(rows), float(spend)


EXPECTED_TYPES = {
    "Week": "DATE",
    "Channel": "VARCHAR",
    "Campaign": "VARCHAR",
    "Region": "VARCHAR",
    "Spend": "DOUBLE",
    "Impressions": "BIGINT",
    "Clicks": "BIGINT",
    "Leads": "BIGINT",
    "MQLs": "BIGINT",
    "Revenue": "DOUBLE",
}


def table_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def _close(rel: float, a: float, b: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


@dataclass
class Check:
    ok: bool = True
    notes: list[str] = field(default_factory=list)

    def expect(self, condition: bool, note: str) -> None:
        if not condition:
            self.ok = False
            self.notes.append(note)


def check_product(
    f: BenchFile, product: tuple[int, float], baseline: tuple[int, float] | None, keeps_total: bool, check: Check
) -> None:
    rows, spend = product
    truth_rows, truth_spend = f.truth["rows"], f.truth["spend_sum"]
    check.expect(rows == truth_rows, f"product rows {rows} != generated {truth_rows}")
    check.expect(_close(REL_TOL, spend, truth_spend), f"product Spend sum {spend!r} != generated {truth_spend!r}")
    if baseline is not None:
        b_rows, b_spend = baseline
        dropped = f.dropped_total if keeps_total else 0
        check.expect(rows == b_rows - dropped, f"product rows {rows} != baseline rows {b_rows} - {dropped} (total row)")
        check.expect(_close(REL_TOL, spend, b_spend), f"product Spend sum {spend!r} != baseline {b_spend!r}")


# --- timing ----------------------------------------------------------------------------------------


@dataclass
class Timing:
    file: BenchFile
    baseline: str
    baseline_s: float
    product_s: float
    primary: bool  # the baseline the target is judged against
    check: Check
    paired: list[float] = field(default_factory=list)  # product / baseline of each run (they alternate)

    @property
    def ratio(self) -> float:
        return self.product_s / self.baseline_s


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def time_file(f: BenchFile, notes: list[str], runs: int = RUNS) -> tuple[list[Timing], list[Baseline]]:
    """Baseline(s) and product alternating, best of ``runs`` each; checks on every run."""
    check = Check()
    baselines = baselines_for(f, notes)
    seconds: dict[str, list[float]] = {b.name: [] for b in baselines}
    product: list[float] = []
    for run in range(runs):
        stats: list[tuple[Baseline, tuple[int, float] | None]] = []
        for b in baselines:
            elapsed, value = _timed(lambda b=b: b.run(f.path))
            seconds[b.name].append(elapsed)
            if isinstance(value, list):  # calamine's rows: header + data
                check.expect(len(value) - 1 == f.truth["rows"], f"calamine rows {len(value) - 1} != {f.truth['rows']}")
                stats.append((b, None))
            else:
                stats.append((b, table_stats(value, "t")))
                value.close()
            del value
        elapsed, con = _timed(lambda: run_product(f.path))
        product_stats = table_stats(con, "final")
        types = table_types(con, "final")
        check.expect(types == EXPECTED_TYPES, f"product column types {types} != {EXPECTED_TYPES}")
        con.close()
        product.append(elapsed)
        for b, b_stats in stats:
            check_product(f, product_stats, b_stats, b.keeps_total, check)
        shown = "  ".join(f"{name}: {s[-1]:.3f}s" for name, s in seconds.items())
        print(f"  {f.label} run {run + 1}: {shown}  product: {elapsed:.3f}s", flush=True)
    timings = [
        Timing(
            f,
            b.name,
            min(seconds[b.name]),
            min(product),
            b.primary,
            check,
            [p / b_s for p, b_s in zip(product, seconds[b.name])],
        )
        for b in baselines
    ]
    return timings, baselines


# --- peak memory in a fresh process ----------------------------------------------------------------


def _status_mb(field_name: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


ONE_KINDS: dict[str, Callable[[Path], Any]] = {
    "csv-baseline": lambda p: run_csv_baseline(p).close(),
    "xlsx-baseline": lambda p: run_xlsx_baseline(p).close(),
    "xlsx-calamine": lambda p: run_calamine(p),
    "product": lambda p: run_product(p).close(),
}
for _kind, (_name, _options, _keeps) in CSV_FALLBACKS.items():
    ONE_KINDS[_kind] = lambda p, o=_options: run_csv_baseline(p, o).close()


def one(kind: str, path: Path) -> None:
    """Child side of the memory measurement: one run, then a JSON line with peak RSS."""
    after_import = _status_mb("VmRSS")
    started = time.perf_counter()
    ONE_KINDS[kind](path)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": seconds,
                "peak_mb": _status_mb("VmHWM"),
                "import_mb": after_import,
            }
        )
    )


def measure_memory(kind: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", kind, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"--one {kind} {path} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@dataclass
class Memory:
    file: BenchFile
    baseline: str
    baseline_mb: dict[str, Any]
    product_mb: dict[str, Any]

    @property
    def ratio(self) -> float:
        return self.product_mb["peak_mb"] / self.baseline_mb["peak_mb"]

    @property
    def work_ratio(self) -> float:
        product = self.product_mb["peak_mb"] - self.product_mb["import_mb"]
        baseline = self.baseline_mb["peak_mb"] - self.baseline_mb["import_mb"]
        return product / baseline


def memory_file(f: BenchFile, baselines: list[Baseline]) -> list[Memory]:
    product = measure_memory("product", f.path)
    return [Memory(f, b.name, measure_memory(b.one_kind, f.path), product) for b in baselines]


# --- where the product's time goes -----------------------------------------------------------------


class _TimedResult:
    def __init__(self, inner: Any, entry: list[Any]) -> None:
        self._inner, self._entry = inner, entry

    def _time(self, name: str, *args: Any) -> Any:
        started = time.perf_counter()
        value = getattr(self._inner, name)(*args)
        self._entry[0] += time.perf_counter() - started
        return value

    def fetchall(self) -> Any:
        return self._time("fetchall")

    def fetchone(self) -> Any:
        return self._time("fetchone")

    def df(self) -> Any:
        return self._time("df")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedConnection:
    """A DuckDB connection that logs each statement's wall time (execute + fetch)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.log: list[list[Any]] = []

    def execute(self, sql: str, params: Any = None) -> Any:
        entry: list[Any] = [0.0, sql]
        started = time.perf_counter()
        result = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
        entry[0] += time.perf_counter() - started
        self.log.append(entry)
        return _TimedResult(result, entry)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _short(sql: str, width: int = 150) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 3] + "..."


def profile_file(f: BenchFile, top: int = 12) -> str:
    """cProfile of one product run, and the time of each SQL statement of another."""
    out = io.StringIO()
    gc.collect()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    con = run_product(f.path)
    profiler.disable()
    total = time.perf_counter() - started
    con.close()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    out.write(
        f"### {f.label}: cProfile of one product run ({total:.2f} s under the profiler), top {top} by tottime\n\n"
    )
    out.write("```\n" + _trim_pstats(stream.getvalue()) + "```\n\n")

    gc.collect()
    timed = TimedConnection(duckdb.connect())
    started = time.perf_counter()
    run_product(f.path, con=timed)
    total = time.perf_counter() - started
    timed.close()
    out.write(f"### {f.label}: SQL statements of one product run ({total:.2f} s), slowest first\n\n")
    out.write("| s | share | statement |\n|---:|---:|---|\n")
    in_sql = 0.0
    for seconds, sql in sorted(timed.log, key=lambda e: -e[0]):
        in_sql += seconds
        if seconds >= 0.005:
            out.write(f"| {seconds:.3f} | {seconds / total:.0%} | `{_short(sql)}` |\n")
    out.write(f"\nIn SQL: {in_sql:.2f} s of {total:.2f} s; outside SQL (Python): {total - in_sql:.2f} s.\n\n")
    return out.getvalue()


def _trim_pstats(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    keep = [line for line in lines[start:] if line.strip()]
    head = next((line.strip() for line in lines if "function calls" in line), "")
    return (head + "\n" if head else "") + "\n".join(keep) + "\n"


# --- report ----------------------------------------------------------------------------------------


def timing_table(timings: list[Timing]) -> str:
    lines = [
        f"| file | rows | baseline | baseline s | product s | ratio | target (<= {TARGET}) | "
        "per-run ratios: median (min-max) | checks |",
        "|---|---:|---|---:|---:|---:|---|---:|---|",
    ]
    for t in timings:
        target = (
            ("met" if t.ratio <= TARGET else "NOT met")
            if t.primary
            else (f"(info: {'met' if t.ratio <= TARGET else 'not met'})")
        )
        lines.append(
            f"| {t.file.label} | {t.file.truth['rows']:,} | {t.baseline} | {t.baseline_s:.3f} | "
            f"{t.product_s:.3f} | {t.ratio:.2f} | {target} | {statistics.median(t.paired):.2f} "
            f"({min(t.paired):.2f}-{max(t.paired):.2f}) | {'ok' if t.check.ok else 'FAILED'} |"
        )
    return "\n".join(lines)


def memory_table(memories: list[Memory]) -> str:
    lines = [
        "| file | baseline | baseline peak MB | product peak MB | ratio | after-import MB (b / p) | "
        "above-import ratio |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for m in memories:
        lines.append(
            f"| {m.file.label} | {m.baseline} | {m.baseline_mb['peak_mb']:.0f} | {m.product_mb['peak_mb']:.0f} | "
            f"{m.ratio:.2f} | {m.baseline_mb['import_mb']:.0f} / {m.product_mb['import_mb']:.0f} | "
            f"{m.work_ratio:.2f} |"
        )
    return "\n".join(lines)


def _cpu_seconds() -> tuple[float, float]:
    """(CPU seconds all processes spent busy since boot, CPU seconds of this process and its children)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)  # all but idle and iowait
    mine = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), mine.user + mine.system + mine.children_user + mine.children_system


class OtherLoad:
    """How many CPUs other processes kept busy, on average, between start() and stop()."""

    def start(self) -> None:
        self.wall = time.perf_counter()
        self.busy, self.mine = _cpu_seconds()

    def stop(self) -> float:
        busy, mine = _cpu_seconds()
        return max(0.0, (busy - self.busy) - (mine - self.mine)) / (time.perf_counter() - self.wall)


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, duckdb {duckdb.__version__}, "
        f"python-calamine {_version('python-calamine')}, pandas {pd.__version__}"
    )


def product_fingerprint() -> str:
    """Which product code was measured: a hash of kpi_core/ingest/*.py and its newest change."""
    import hashlib

    files = sorted((REPO / "kpi_core" / "ingest").glob("*.py"))
    digest = hashlib.sha256(b"".join(f.name.encode() + f.read_bytes() for f in files)).hexdigest()[:12]
    newest = max(f.stat().st_mtime for f in files)
    stamp = dt.datetime.fromtimestamp(newest, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"kpi_core/ingest/*.py sha256 {digest} (last changed {stamp})"


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k CSV rows and 10k XLSX rows")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile / per-query section")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--only", choices=["clean-csv", "messy-csv", "xlsx"], action="append")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"timed runs of each (best of; default {RUNS})")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], Path(args.one[1]))
        return 0

    csv_rows, xlsx_rows = (QUICK_CSV_ROWS, QUICK_XLSX_ROWS) if args.quick else (FULL_CSV_ROWS, FULL_XLSX_ROWS)
    print(machine(), flush=True)
    print(product_fingerprint(), flush=True)
    files = ensure_files(csv_rows, xlsx_rows)
    if args.only:
        wanted = {"clean-csv": "clean CSV", "messy-csv": "messy CSV", "xlsx": "clean XLSX"}
        files = [f for f in files if f.label in {wanted[o] for o in args.only}]

    timings: list[Timing] = []
    used: list[tuple[BenchFile, list[Baseline]]] = []
    notes: list[str] = []
    load_before = os.getloadavg()
    others = OtherLoad()
    others.start()
    for f in files:
        file_timings, baselines = time_file(f, notes, args.runs)
        timings += file_timings
        used.append((f, baselines))
    load_after = os.getloadavg()
    other_cpus = others.stop()
    report = [f"## Time (best of {args.runs}, alternating)\n", timing_table(timings), ""]
    report += [f"- {note}" for note in notes]
    report.append(
        f"- other processes kept {other_cpus:.2f} of {os.cpu_count()} CPUs busy on average while timing"
        + (" -- the machine was shared: timings are noisy" if other_cpus > 0.25 else "")
        + f" (load average 1/5/15 min before: {' / '.join(f'{x:.2f}' for x in load_before)}, "
        f"after: {' / '.join(f'{x:.2f}' for x in load_after)})"
    )
    failed = sorted({n for t in timings for n in t.check.notes})
    report += [f"- CHECK FAILED: {note}" for note in failed]

    if not args.no_memory:
        memories: list[Memory] = []
        for f, baselines in used:
            memories += memory_file(f, baselines)
        report += ["\n## Peak memory (fresh process each)\n", memory_table(memories), ""]

    if not args.no_profile:
        report.append("\n## Where the product's time goes\n")
        for f in files:
            report.append(profile_file(f))

    text = "\n".join(report)
    print("\n" + text)
    OUT.mkdir(parents=True, exist_ok=True)
    header = f"{machine()}\n{product_fingerprint()}\ncommand: python bench/ingest.py {' '.join(sys.argv[1:])}"
    (OUT / ("report_quick.md" if args.quick else "report.md")).write_text(header + "\n\n" + text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
