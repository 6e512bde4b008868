"""CLI start-up benchmark: whole ``python -m kpi_core`` processes against raw baselines run the same way.

    python bench/startup.py                # 1M-row CSV, 100k-row XLSX, 9 runs per measure
    python bench/startup.py --quick        # 100k-row CSV, 10k-row XLSX, 5 runs (smoke run)
    python bench/startup.py --runs 15 --csv-rows 1000000 --xlsx-rows 100000

Run from the repository root. Every file is generated in a temporary folder at run time (nothing is
written into the checkout) and removed at the end.

Every measure is the wall time of a whole process (``subprocess.run``, perf_counter around it),
median of N runs, after one untimed warm-up (it fills the OS file cache and the bytecode cache).
Where there is a ratio, product and baseline alternate run by run. Child processes get
PYTHONPATH=<repo>, cwd=<repo> and PYTHONPYCACHEPREFIX=<temp folder> with PYTHONDONTWRITEBYTECODE
removed: they run from compiled bytecode, as an installed package does (a machine that sets
PYTHONDONTWRITEBYTECODE=1 recompiles kpi_core on every start; that is not what users pay).

Start-up (targets of issue 15, item 7):
  --help          ``python -m kpi_core --help``; target < 0.4 s (whole process)
  each command    on a tiny input (a 3-row CSV; 24 rows of performance data; kpis on
                  sample_data/campaign_sheet.csv with its mapping). start-up = whole process - work,
                  where work is the median time of ``main(argv)`` called again in one warm process
                  (every module loaded): what is left is the interpreter, the imports and first-call
                  caches. Target: start-up < 0.6 s.
  reference       ``python -c pass`` and ``python -c "import duckdb, pandas"`` (not judged)

Whole-process ratios (targets):
  profile CSV     ``python -m kpi_core profile big.csv --format json`` vs
                  ``python -c "import duckdb; duckdb.sql(\"SUMMARIZE SELECT * FROM read_csv('big.csv')\").fetchall()"``
                  target <= 1.3
  profile XLSX    ``python -m kpi_core profile big.xlsx --format json`` vs a python process that reads
                  the first sheet with python_calamine (``CalamineWorkbook.from_path(p)
                  .get_sheet_by_index(0).to_python()``); target <= 1.3
  kpis            ``python -m kpi_core kpis big.csv --mapping m.json --by channel --grain month
                  --format csv`` vs a python process running one hand-written DuckDB query over the
                  same CSV (sums by month and channel, the ratios written with NULLIF) and writing
                  it as CSV; target <= 1.5
Files: Week (156 Mondays from 2022-01-03, in order), Channel (8), Campaign (200), Region (4),
Spend and Revenue (2 dp), Impressions, Clicks, Leads, MQLs; deterministic from hash(i, k); the CSV
written by DuckDB's COPY (no quoted cells), the XLSX by openpyxl write_only (Week as date cells).
Every product run must exit 0; its kpis output must have the baseline's rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"

HELP_TARGET, STARTUP_TARGET = 0.4, 0.6
PROFILE_CSV_TARGET, PROFILE_XLSX_TARGET, KPIS_TARGET = 1.3, 1.3, 1.5

# The performance rows of every generated file, one SELECT over range(N).
GENERATOR = """
SELECT DATE '2022-01-03' + CAST(7 * (i * 156 // {n}) AS INTEGER) AS Week,
       'Channel ' || CAST(hash(i, 1) % 200 % 8 AS VARCHAR) AS Channel,
       'Campaign ' || CAST(hash(i, 1) % 200 AS VARCHAR) AS Campaign,
       ['NA', 'EMEA', 'APAC', 'LATAM'][CAST(hash(i, 2) % 4 AS INTEGER) + 1] AS Region,
       CAST(hash(i, 3) % 100000 AS DOUBLE) / 100 AS Spend,
       CAST(hash(i, 4) % 50000 AS BIGINT) AS Impressions,
       CAST(hash(i, 5) % 1000 AS BIGINT) AS Clicks,
       CAST(hash(i, 6) % 50 AS BIGINT) AS Leads,
       CAST(hash(i, 7) % 20 AS BIGINT) AS MQLs,
       CAST(hash(i, 8) % 500000 AS DOUBLE) / 100 AS Revenue
FROM range({n}) t(i)
"""
BIG_MAPPING = {
    "version": 1,
    "kind": "performance",
    "roles": {
        "date": "Week",
        "channel": "Channel",
        "campaign": "Campaign",
        "spend": "Spend",
        "impressions": "Impressions",
        "clicks": "Clicks",
        "leads": "Leads",
        "mqls": "MQLs",
        "revenue": "Revenue",
    },
    "dimensions": {"region": "Region"},
}
# The baseline of kpis: the sums the product's KPIs need, by month and channel, and the ratios the
# mapping allows (gross margin 1.0) written by hand, as a person would.
KPIS_SQL = """
WITH s AS (
  SELECT date_trunc('month', Week) AS period, Channel AS channel,
         SUM(Spend) AS spend, SUM(Impressions) AS impressions, SUM(Clicks) AS clicks,
         SUM(Leads) AS leads, SUM(MQLs) AS mqls, SUM(Revenue) AS revenue
  FROM read_csv('{path}') GROUP BY ALL
)
SELECT *, clicks / NULLIF(impressions, 0) AS ctr, spend / NULLIF(clicks, 0) AS cpc,
       spend / NULLIF(impressions, 0) * 1000 AS cpm, spend / NULLIF(leads, 0) AS cpl,
       spend / NULLIF(mqls, 0) AS cost_per_mql, mqls / NULLIF(leads, 0) AS lead_to_mql,
       revenue / NULLIF(spend, 0) AS roas, (revenue * 1.0 - spend) / NULLIF(spend, 0) AS romi
FROM s ORDER BY period, channel
"""
KPIS_BASELINE = """
import csv, sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rel = con.execute({sql!r})
writer = csv.writer(sys.stdout, lineterminator="\\n")
writer.writerow([d[0] for d in rel.description])
writer.writerows(rel.fetchall())
"""
PROFILE_BASELINE = "import duckdb; duckdb.sql(\"SUMMARIZE SELECT * FROM read_csv('{path}')\").fetchall()"
CALAMINE_BASELINE = "from python_calamine import CalamineWorkbook; CalamineWorkbook.from_path({path!r}).get_sheet_by_index(0).to_python()"
WORK_PROBE = """
import contextlib, io, json, statistics, sys, time, warnings
from kpi_core.cli import main
argv, runs = json.loads(sys.argv[1]), int(sys.argv[2])
times = []
for run in range(runs + 1):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        started = time.perf_counter()
        code = main(argv)
        elapsed = time.perf_counter() - started
    assert code == 0, (argv, code)
    if run:
        times.append(elapsed)
print(statistics.median(times))
"""


class Runner:
    """Child processes, all started the same way: cwd and PYTHONPATH at the repository, bytecode cached."""

    def __init__(self, scratch: Path) -> None:
        self.env = dict(os.environ)
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        self.env["PYTHONPATH"] = str(REPO) + (os.pathsep + self.env["PYTHONPATH"] if self.env.get("PYTHONPATH") else "")
        self.env.pop("KPI_CORE_DEBUG", None)

    def run(self, argv: Sequence[str], check: bool = True) -> tuple[float, str]:
        """(wall seconds, stdout) of one process."""
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, *argv], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=900
        )
        elapsed = time.perf_counter() - started
        if check and done.returncode != 0:
            raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-2000:]}")
        return elapsed, done.stdout

    def median(self, argv: Sequence[str], runs: int) -> float:
        self.run(argv)  # warm-up: bytecode and file caches
        return statistics.median(self.run(argv)[0] for _ in range(runs))

    def pair(self, product: Sequence[str], baseline: Sequence[str], runs: int) -> tuple[float, float, str, str]:
        """Medians of product and baseline run alternately, and the last output of each."""
        product_out, baseline_out = self.run(product)[1], self.run(baseline)[1]
        product_times, baseline_times = [], []
        for _ in range(runs):
            elapsed, product_out = self.run(product)
            product_times.append(elapsed)
            elapsed, baseline_out = self.run(baseline)
            baseline_times.append(elapsed)
        return statistics.median(product_times), statistics.median(baseline_times), product_out, baseline_out

    def work(self, argv: Sequence[str], runs: int) -> float:
        """The median time of main(argv) in one warm process (after a first, untimed call)."""
        _, out = self.run(["-c", WORK_PROBE, json.dumps(list(argv)), str(runs)])
        return float(out.strip())


@dataclass
class Row:
    measure: str
    target: str
    value: str
    met: bool | None  # None: a reference, not judged
    note: str = ""


def _cli(*args: str | Path) -> list[str]:
    return ["-m", "kpi_core", *(str(a) for a in args)]


def _write_tiny(folder: Path) -> dict[str, Path]:
    """The tiny inputs of the start-up measures."""
    tiny = folder / "tiny.csv"
    tiny.write_text("Week,Channel,Spend,Clicks\n2024-01-01,Email,10,5\n2024-01-08,Search,20,8\n2024-01-15,Email,12,6\n")
    small = folder / "small.csv"
    lines = ["Week,Channel,Spend,Clicks,Leads,SQLs,Revenue"]
    for week in range(12):
        day = f"2025-{10 + week // 5:02d}-{1 + (week % 5) * 6:02d}"
        for channel, scale in (("Email", 1.0), ("Search", 2.5)):
            spend = round((100 + 17 * week) * scale, 2)
            lines.append(f"{day},{channel},{spend},{int(spend * 3)},{int(spend / 10)},{int(spend / 40)},{spend * 4}")
    small.write_text("\n".join(lines) + "\n")
    mapping = folder / "small.json"
    roles = {"date": "Week", "channel": "Channel", "spend": "Spend", "clicks": "Clicks", "leads": "Leads"}
    roles |= {"sqls": "SQLs", "revenue": "Revenue"}
    mapping.write_text(json.dumps({"version": 1, "kind": "performance", "roles": roles}))
    goal = folder / "goal.json"
    goal.write_text(
        json.dumps(
            {
                "name": "Q4",
                "objective": "pipeline",
                "kpi": "sqls",
                "target": 300,
                "start": "2025-10-01",
                "end": "2025-12-31",
            }
        )
    )
    return {"tiny": tiny, "small": small, "mapping": mapping, "goal": goal}


def _commands(files: dict[str, Path]) -> list[tuple[str, list[str]]]:
    small = [str(files["small"]), "--mapping", str(files["mapping"])]
    campaign = [str(SAMPLE / "campaign_sheet.csv"), "--mapping", str(SAMPLE / "mappings" / "campaign_sheet.json")]
    return [
        ("profile (3-row CSV)", ["profile", str(files["tiny"])]),
        ("suggest-mapping (3-row CSV)", ["suggest-mapping", str(files["tiny"])]),
        ("kpis (sample_data/campaign_sheet.csv)", ["kpis", *campaign]),
        ("check (24 rows)", ["check", *small]),
        ("goal (24 rows)", ["goal", *small, "--goal", str(files["goal"])]),
        ("alerts (24 rows)", ["alerts", *small, "--kpi", "leads"]),
        ("abtest (2 arms from counts)", ["abtest", "--arm", "Control:10000:500", "--arm", "Variant:10000:560"]),
        ("sample-size", ["sample-size", "--baseline", "0.2", "--mde", "0.05"]),
        ("budget (24 rows)", ["budget", *small]),
    ]


def make_big(folder: Path, csv_rows: int, xlsx_rows: int) -> tuple[Path, Path, Path]:
    import duckdb

    big_csv, big_xlsx, mapping = folder / f"big_{csv_rows}.csv", folder / f"big_{xlsx_rows}.xlsx", folder / "big.json"
    started = time.perf_counter()
    duckdb.sql(f"COPY ({GENERATOR.format(n=csv_rows)}) TO '{big_csv}' (HEADER, DELIMITER ',')")
    print(
        f"  {big_csv.name}: {big_csv.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s", flush=True
    )
    mapping.write_text(json.dumps(BIG_MAPPING))
    started = time.perf_counter()
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Performance")
    rel = duckdb.sql(GENERATOR.format(n=xlsx_rows))
    sheet.append(rel.columns)
    for row in rel.fetchall():
        sheet.append(list(row))
    book.save(big_xlsx)
    print(
        f"  {big_xlsx.name}: {big_xlsx.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return big_csv, big_xlsx, mapping


def _seconds(value: float) -> str:
    return f"{value:.3f} s"


def startup_rows(runner: Runner, files: dict[str, Path], runs: int) -> list[Row]:
    rows = [
        Row("reference: python -c pass", "-", _seconds(runner.median(["-c", "pass"], runs)), None),
        Row(
            "reference: python -c 'import duckdb, pandas'",
            "-",
            _seconds(runner.median(["-c", "import duckdb, pandas"], runs)),
            None,
        ),
    ]
    help_time = runner.median(_cli("--help"), runs)
    rows.append(Row("`--help` (whole process)", f"< {HELP_TARGET} s", _seconds(help_time), help_time < HELP_TARGET))
    print(f"  --help: {help_time:.3f} s", flush=True)
    for label, argv in _commands(files):
        whole = runner.median(_cli(*argv), runs)
        work = runner.work(argv, runs)
        startup = whole - work
        note = f"whole {whole:.3f} s, work {work:.3f} s"
        rows.append(
            Row(f"`{label}` start-up", f"< {STARTUP_TARGET} s", _seconds(startup), startup < STARTUP_TARGET, note)
        )
        print(f"  {label}: start-up {startup:.3f} s ({note})", flush=True)
    return rows


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def ratio_rows(runner: Runner, big_csv: Path, big_xlsx: Path, mapping: Path, runs: int) -> list[Row]:
    rows = []
    product, baseline, _, _ = runner.pair(
        _cli("profile", big_csv, "--format", "json"), ["-c", PROFILE_BASELINE.format(path=big_csv)], runs
    )
    ratio = product / baseline
    note = f"product {product:.3f} s, baseline {baseline:.3f} s"
    rows.append(Row(f"`profile` {big_csv.name} / DuckDB SUMMARIZE", f"<= {PROFILE_CSV_TARGET}x", f"{ratio:.2f}x",
                    ratio <= PROFILE_CSV_TARGET, note))  # fmt: skip
    print(f"  profile csv: {ratio:.2f}x ({note})", flush=True)

    product, baseline, _, _ = runner.pair(
        _cli("profile", big_xlsx, "--format", "json"), ["-c", CALAMINE_BASELINE.format(path=str(big_xlsx))], runs
    )
    ratio = product / baseline
    note = f"product {product:.3f} s, baseline {baseline:.3f} s"
    rows.append(Row(f"`profile` {big_xlsx.name} / calamine", f"<= {PROFILE_XLSX_TARGET}x", f"{ratio:.2f}x",
                    ratio <= PROFILE_XLSX_TARGET, note))  # fmt: skip
    print(f"  profile xlsx: {ratio:.2f}x ({note})", flush=True)

    product_argv = _cli("kpis", big_csv, "--mapping", mapping, "--by", "channel", "--grain", "month", "--format", "csv")
    baseline_argv = ["-c", KPIS_BASELINE.format(sql=KPIS_SQL.format(path=big_csv))]
    product, baseline, product_out, baseline_out = runner.pair(product_argv, baseline_argv, runs)
    got, want = _csv_rows(product_out), _csv_rows(baseline_out)
    if len(got) != len(want) or len(got) < 2:
        raise SystemExit(f"kpis: the product wrote {len(got)} lines, the baseline {len(want)}")
    ratio = product / baseline
    note = f"product {product:.3f} s, baseline {baseline:.3f} s; {len(got) - 1} rows each"
    rows.append(Row(f"`kpis --by channel --grain month` {big_csv.name} / DuckDB GROUP BY", f"<= {KPIS_TARGET}x",
                    f"{ratio:.2f}x", ratio <= KPIS_TARGET, note))  # fmt: skip
    print(f"  kpis: {ratio:.2f}x ({note})", flush=True)
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| measure | target | measured | met | detail |", "|---|---|---:|---|---|"]
    for r in rows:
        met = "-" if r.met is None else "MET" if r.met else "NOT MET"
        lines.append(f"| {r.measure} | {r.target} | {r.value} | {met} | {r.note} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (OSError, ValueError):
        memory = float("nan")
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory:.1f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k-row CSV, 10k-row XLSX, 5 runs")
    parser.add_argument("--runs", type=int, help="runs per measure (default 9; 5 with --quick)")
    parser.add_argument("--csv-rows", type=int, help="rows of the big CSV (default 1,000,000)")
    parser.add_argument("--xlsx-rows", type=int, help="rows of the big XLSX (default 100,000)")
    parser.add_argument("--no-ratios", action="store_true", help="start-up measures only")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 9)
    csv_rows = args.csv_rows or (100_000 if args.quick else 1_000_000)
    xlsx_rows = args.xlsx_rows or (10_000 if args.quick else 100_000)
    print(machine(), flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="roi-startup-"))
    try:
        runner = Runner(scratch)
        files = _write_tiny(scratch)
        print(f"start-up, median of {runs}:", flush=True)
        rows = startup_rows(runner, files, runs)
        if not args.no_ratios:
            print("generating the big files ...", flush=True)
            big_csv, big_xlsx, mapping = make_big(scratch, csv_rows, xlsx_rows)
            print(f"whole-process ratios, median of {runs}:", flush=True)
            rows += ratio_rows(runner, big_csv, big_xlsx, mapping, runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    missed = [r.measure for r in rows if r.met is False]
    print("\n" + machine())
    print(f"command: python bench/startup.py {' '.join(sys.argv[1:])}\n")
    print(table(rows))
    print(f"\n{sum(r.met is True for r in rows)} met, {len(missed)} not met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
