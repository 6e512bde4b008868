"""The command line is strict: JSON without NaN/Infinity, absurd parameters refused in one line,
--safe-csv, the same files as the app, and bugs reported as bugs (issue 12, items 3 and 5)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kpi_core import cli
from kpi_core.budget.simulate import TrueChannel, simulate_channels
from kpi_core.errors import InputError
from kpi_core.ingest import ingest
from tests.conftest import Q4_GOAL, SAMPLE_DATA
from tests.unit.test_cli import run_cli

WORKBOOK = SAMPLE_DATA / "linkedin_campaign_performance.xlsx"
ROLLUP = SAMPLE_DATA / "crm_funnel_rollup.csv"
ROLLUP_MAPPING = SAMPLE_DATA / "mappings" / "crm_funnel_rollup.json"
HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTabbed", "Plain"]


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity (Python's json accepts them by default)."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the JSON output")

    return json.loads(text, parse_constant=refuse)


class _Capture:
    """cli.main run in-process (fast: no interpreter start), with what it printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.capsys.readouterr()
        code = cli.main(list(args))
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)


@pytest.fixture
def main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> _Capture:
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    return _Capture(capsys)


def assert_one_error(result: subprocess.CompletedProcess[str], needle: str = "", code: int = 2) -> str:
    """Exit ``code``, nothing on stdout, exactly one stderr line, starting 'error:', containing ``needle``."""
    lines = result.stderr.splitlines()
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def budget_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two channels' weekly spend and revenue (Search and Events) and their mapping."""
    folder = tmp_path_factory.mktemp("strict-budget")
    truth = [
        TrueChannel("Search", beta=60000, half_saturation=8000, exponent=1.0, typical_spend=9000),
        TrueChannel("Events", beta=40000, half_saturation=15000, exponent=2.8, typical_spend=6000),
    ]
    data, mapping = folder / "channels.csv", folder / "mapping.json"
    simulate_channels(truth, periods=60, seed=3).to_csv(data, index=False)
    mapping.write_text(
        json.dumps(
            {
                "version": 1,
                "kind": "performance",
                "roles": {"date": "date", "channel": "channel", "spend": "spend", "revenue": "revenue"},
            }
        )
    )
    return data, mapping


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A campaign sheet whose campaign names start with formula triggers."""
    folder = tmp_path_factory.mktemp("strict-hostile")
    rows = [
        {"Week": "2025-01-06", "Channel": "Google Ads", "Campaign": name, "Spend": 100.0 + i, "Clicks": 10 + i}
        for i, name in enumerate(HOSTILE)
    ]
    data, mapping = folder / "hostile.csv", folder / "mapping.json"
    pd.DataFrame(rows).to_csv(data, index=False)
    mapping.write_text(
        json.dumps(
            {
                "version": 1,
                "kind": "performance",
                "roles": {
                    "date": "Week",
                    "channel": "Channel",
                    "campaign": "Campaign",
                    "spend": "Spend",
                    "clicks": "Clicks",
                },
            }
        )
    )
    return data, mapping


# --- 1. strict JSON -------------------------------------------------------------------------------


def test_a_margin_that_would_overflow_romi_is_refused(budget_files: tuple[Path, Path], tmp_path: Path) -> None:
    data, mapping = budget_files
    absurd = json.loads(mapping.read_text()) | {"settings": {"gross_margin": 1e308, "customer_lifetime_years": 3}}
    (tmp_path / "m.json").write_text(json.dumps(absurd))
    result = run_cli("kpis", str(data), "--mapping", str(tmp_path / "m.json"), "--format", "json")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "gross_margin" in result.stderr


def test_non_finite_kpis_are_null_with_one_warning(tmp_path: Path) -> None:
    data = tmp_path / "huge.csv"  # each value is finite; their sums per channel overflow
    data.write_text(
        "Week,Channel,Spend,Revenue\n2025-01-06,A,10,1e308\n2025-01-06,A,10,1e308\n"
        "2025-01-06,B,10,1.5e308\n2025-01-13,B,10,1.5e308\n"
    )
    (tmp_path / "m.json").write_text(
        json.dumps(
            {
                "version": 1,
                "kind": "performance",
                "roles": {"date": "Week", "channel": "Channel", "spend": "Spend", "revenue": "Revenue"},
            }
        )
    )
    result = run_cli("kpis", str(data), "--mapping", str(tmp_path / "m.json"), "--by", "channel", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = strict_json(result.stdout)  # revenue sums overflow: revenue, roas and romi are infinite
    assert [r["romi"] for r in rows] == [None, None] and [r["spend"] for r in rows] == [20, 20]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "romi" in lines[0]

    as_csv = run_cli("kpis", str(data), "--mapping", str(tmp_path / "m.json"), "--by", "channel", "--format", "csv")
    assert as_csv.returncode == 0
    assert [r["romi"] for r in csv.DictReader(io.StringIO(as_csv.stdout))] == ["", ""]
    assert "inf" not in as_csv.stdout.lower() and as_csv.stderr.startswith("warning: ")


def test_profile_json_with_infinite_sums_is_strict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever ingest returns, the CLI prints no Infinity/NaN (a regression guard: the profile of
    a column of 1e308 values once printed "sum": Infinity)."""
    columns = [
        {"name": f"c{i}", "type": "number", "non_null": 2, "sum": value, "min": 1e308, "max": 1e308}
        for i, value in enumerate([float("inf"), float("-inf"), float("nan"), np.float64("inf"), 5.0])
    ]
    fake = SimpleNamespace(profile=SimpleNamespace(to_dict=lambda: {"file": "x.csv", "columns": columns}))
    monkeypatch.setattr(cli, "_ingest", lambda path, sheet, table=None: fake)
    assert cli.main(["profile", "x.csv", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    printed = strict_json(out)
    assert [c["sum"] for c in printed["columns"]] == [None, None, None, None, 5.0]
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "columns[c0].sum" in lines[0] and "and 1 more" in lines[0]  # short: three fields named at most


def test_profile_of_huge_numbers_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("Week,Spend\n2025-01-06,1e308\n2025-01-13,1e308\n2025-01-20,-1e308\n")
    result = run_cli("profile", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    spend = next(c for c in strict_json(result.stdout)["columns"] if c["name"] == "Spend")
    assert spend["sum"] is None or abs(spend["sum"]) < float("inf")


def test_finite_pass_keeps_numbers_and_nulls_the_rest() -> None:
    value = {"a": [1, 2.5, np.float64("nan"), np.float32("inf"), (True, None, "x")], "b": {"c": float("-inf")}}
    cli._NON_FINITE.reset()
    assert cli._finite(value) == {"a": [1, 2.5, None, None, [True, None, "x"]], "b": {"c": None}}
    assert cli._NON_FINITE.fields == ["a[2]", "a[3]", "b.c"]
    assert strict_json(cli._json(value))["b"]["c"] is None
    cli._NON_FINITE.reset()


def _json_commands(budget: tuple[Path, Path], goal: Path) -> list[list[str]]:
    data, mapping = budget
    rollup = [str(ROLLUP), "--mapping", str(ROLLUP_MAPPING)]
    return [
        ["profile", str(ROLLUP)],
        ["profile", str(WORKBOOK)],
        ["suggest-mapping", str(ROLLUP)],
        ["kpis", *rollup, "--by", "channel", "--grain", "month"],
        ["goal", *rollup, "--goal", str(goal), "--as-of", "2025-11-02"],
        ["alerts", *rollup, "--kpi", "sqls", "--by", "channel"],
        ["abtest", "--arm", "A:10000:0", "--arm", "B:10000:0", "--arm", "C:0:0"],
        ["abtest", "--arm", "A:1000:100:5000:90000", "--arm", "B:1000:120:5200:95000", "--planned-n", "10000"],
        ["sample-size", "--baseline", "0.2", "--mde", "0.05", "--weekly-traffic", "1"],
        ["sample-size", "--baseline", "0.001", "--list-size", "10"],
        ["budget", str(data), "--mapping", str(mapping)],
        ["budget", str(data), "--mapping", str(mapping), "--target-return", "0", "--beyond-cap"],
    ]


def test_every_command_prints_strict_json(budget_files: tuple[Path, Path], tmp_path: Path, main: _Capture) -> None:
    goal = tmp_path / "goal.json"
    goal.write_text(json.dumps(Q4_GOAL))
    for command in _json_commands(budget_files, goal):
        result = main(*command, "--format", "json")
        assert result.returncode == 0, (command, result.stderr)
        strict_json(result.stdout)
        assert all(line.startswith("warning: ") for line in result.stderr.splitlines()), result.stderr


# --- 2. non-finite and absurd parameters ----------------------------------------------------------

ARMS_END_TO_END = ["--arm", "A:1000:100", "--arm", "B:1000:120"]
BUDGET_CASES = [
    (["--total", "inf"], "--total"),
    (["--total", "-inf"], "--total"),
    (["--total", "nan"], "not a finite number"),
    (["--total", "1e308"], "at most 1e15"),
    (["--total", "1.1e15"], "too large"),
    (["--total", "-100"], "zero or more"),
    (["--total", "lots"], "not a number"),
    (["--target-return", "inf"], "--target-return"),
    (["--target-return", "nan"], "--target-return"),
    (["--target-return", "-1"], "too small"),
    (["--target-return", "1e308"], "too large"),
    (["--goal", "inf"], "--goal"),
    (["--goal", "nan"], "--goal"),
    (["--goal", "1e308"], "too large"),
    (["--goal", "0"], "more than 0"),
    (["--total", "100", "--goal", "50"], "not allowed with"),
    (["--target-return", "3", "--goal", "50"], "not allowed with"),
    (["--lag", "-1"], "--lag"),
    (["--lag", "1.5"], "whole number"),
    (["--lag", "99999999999999999999999"], "too large"),
    (["--lag", "nan"], "--lag"),
    (["--bounds", "Search=0:inf"], "not a finite amount"),
    (["--bounds", "Search=nan:"], "not a finite amount"),
    (["--bounds", "Search=-inf:"], "not a finite amount"),
    (["--bounds", "Search=0:1e308"], "more than the total budget"),
    (["--bounds", "Search=1e308:"], "more than the largest budget"),
    (["--bounds", "Search=0:1e300%"], "more than the total"),
    (["--total", "20000", "--bounds", "Search=:25000"], "more than the total budget per week (20,000.00)"),
    (["--bounds", "Search=-5:"], "CHANNEL=MIN:MAX"),
    (["--target-return", "3", "--bounds", "Search=:1e20"], "largest budget accepted"),
    (["--total", "100", "--bounds", "Search=500:", "--bounds", "Events=500:"], "cannot add up"),
]


@pytest.mark.parametrize("args,needle", BUDGET_CASES)
def test_budget_refuses_non_finite_and_absurd_parameters(
    budget_files: tuple[Path, Path], args: list[str], needle: str, main: _Capture
) -> None:
    data, mapping = budget_files
    assert_one_error(main("budget", str(data), "--mapping", str(mapping), *args, "--format", "json"), needle)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["budget", "FILE", "--mapping", "MAPPING", "--total", "inf"], "--total"),
        (["abtest", *ARMS_END_TO_END, "--alpha", "nan"], "--alpha"),
        (["sample-size", "--baseline", "0.2", "--mde", "0.05", "--weekly-traffic", "inf"], "--weekly-traffic"),
        (["abtest", "--arm", "A:1e308:5", "--arm", "B:1e308:6"], "more than 1e12"),
    ],
)
def test_refusals_end_to_end(budget_files: tuple[Path, Path], args: list[str], needle: str) -> None:
    """As a user runs it: a real process, exit 2, one line, no traceback, no warnings."""
    data, mapping = budget_files
    args = [str(data) if a == "FILE" else str(mapping) if a == "MAPPING" else a for a in args]
    assert_one_error(run_cli(*args, "--format", "json"), needle)


def test_budget_accepts_sane_limits(budget_files: tuple[Path, Path], main: _Capture) -> None:
    data, mapping = budget_files
    result = main(
        "budget",
        str(data),
        "--mapping",
        str(mapping),
        "--total",
        "20000",
        "--bounds",
        "Search=:20000",
        "--bounds",
        "Events=50%:",
        "--beyond-cap",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert strict_json(result.stdout)["total"] == pytest.approx(20000)


ARMS = ["--arm", "A:1000:100", "--arm", "B:1000:120"]
ABTEST_CASES = [
    (["--arm", "A:inf:5", "--arm", "B:100:6"], "users must be a finite number"),
    (["--arm", "A:nan:5", "--arm", "B:100:6"], "users must be a finite number"),
    (["--arm", "A:100:inf", "--arm", "B:100:6"], "conversions must be a finite number"),
    (["--arm", "A:1e308:5", "--arm", "B:1e308:6"], "more than 1e12"),
    (["--arm", "A:100:5:inf:1", "--arm", "B:100:6:1:1"], "revenue sum"),
    (["--arm", "A:100:5:nan:nan", "--arm", "B:100:6:1:1"], "not a finite number"),
    (["--arm", "A:100:5:1e308:1e308", "--arm", "B:100:6:1:1"], "too large"),
    (["--arm", "A:100:5:5:inf", "--arm", "B:100:6:1:1"], "sum of squares"),
    (["--arm", "A:100:5:50:1", "--arm", "B:100:6:1:1"], "sum of squares"),
    ([*ARMS, "--alpha", "inf"], "--alpha"),
    ([*ARMS, "--alpha", "nan"], "--alpha"),
    ([*ARMS, "--alpha", "1e-300"], "too small"),
    ([*ARMS, "--alpha", "1.5"], "alpha"),
    ([*ARMS, "--power", "inf"], "--power"),
    ([*ARMS, "--power", "nan"], "--power"),
    ([*ARMS, "--power", "1"], "too large"),
    ([*ARMS, "--planned-n", "inf"], "--planned-n"),
    ([*ARMS, "--planned-n", "nan"], "--planned-n"),
    ([*ARMS, "--planned-n", "1e308"], "too large"),
    ([*ARMS, "--planned-n", "99999999999999999999999"], "too large"),
    ([*ARMS, "--planned-n", "0"], "too small"),
    ([*ARMS, "--planned-n", "10.5"], "whole number"),
    ([*ARMS, "--split", "inf,1"], "--split"),
    ([*ARMS, "--split", "nan,1"], "--split"),
    ([*ARMS, "--split", "1e308,1e308"], "too large"),
    ([*ARMS, "--start-date", "0001-01-01", "--as-of", "0001-01-02"], "--start-date 0001-01-01 is out of range"),
    ([*ARMS, "--as-of", "yesterday"], "--as-of 'yesterday' is not a date"),
]


@pytest.mark.parametrize("args,needle", ABTEST_CASES)
def test_abtest_refuses_non_finite_and_absurd_parameters(args: list[str], needle: str, main: _Capture) -> None:
    assert_one_error(main("abtest", *args, "--format", "json"), needle)


SIZE = ["--baseline", "0.2", "--mde", "0.05"]
SAMPLE_SIZE_CASES = [
    (["--baseline", "inf", "--mde", "0.1"], "--baseline"),
    (["--baseline", "nan", "--mde", "0.1"], "--baseline"),
    (["--baseline", "0", "--mde", "0.1"], "too small"),
    (["--baseline", "1", "--mde", "0.1"], "too large"),
    (["--baseline", "0.2", "--mde", "inf"], "--mde"),
    (["--baseline", "0.2", "--mde", "nan"], "--mde"),
    (["--baseline", "0.2", "--mde", "1e308", "--relative"], "too large"),
    (["--baseline", "0.2", "--mde", "1e-300"], "too small to plan"),
    (["--baseline", "1e-300", "--mde", "0.5", "--relative"], "too small to plan"),
    ([*SIZE, "--alpha", "inf"], "--alpha"),
    ([*SIZE, "--alpha", "nan"], "--alpha"),
    ([*SIZE, "--alpha", "1e-300"], "too small"),
    ([*SIZE, "--power", "inf"], "--power"),
    ([*SIZE, "--power", "nan"], "--power"),
    ([*SIZE, "--power", "1e308"], "too large"),
    ([*SIZE, "--arms", "inf"], "--arms"),
    ([*SIZE, "--arms", "1e9"], "too large"),
    ([*SIZE, "--arms", "1"], "too small"),
    ([*SIZE, "--weekly-traffic", "inf"], "--weekly-traffic"),
    ([*SIZE, "--weekly-traffic", "nan"], "--weekly-traffic"),
    ([*SIZE, "--weekly-traffic", "1e-300"], "too small"),
    ([*SIZE, "--weekly-traffic", "1e308"], "too large"),
    (["--baseline", "0.2", "--list-size", "inf"], "--list-size"),
    (["--baseline", "0.2", "--list-size", "nan"], "--list-size"),
    (["--baseline", "0.2", "--list-size", "1e308"], "too large"),
    (["--baseline", "0.2", "--list-size", "99999999999999999999999999"], "too large"),
    (["--baseline", "0.2", "--list-size", "0"], "too small"),
]


@pytest.mark.parametrize("args,needle", SAMPLE_SIZE_CASES)
def test_sample_size_refuses_non_finite_and_absurd_parameters(args: list[str], needle: str, main: _Capture) -> None:
    assert_one_error(main("sample-size", *args, "--format", "json"), needle)


@pytest.mark.parametrize(
    "threshold,needle",
    [
        ("inf", "not a finite number"),
        ("nan", "not a finite number"),
        ("0", "too small"),
        ("-1", "too small"),
        ("1e308", "too large"),
    ],
)
def test_alerts_threshold_must_be_finite_and_sane(threshold: str, needle: str, main: _Capture) -> None:
    result = main("alerts", str(ROLLUP), "--mapping", str(ROLLUP_MAPPING), "--kpi", "sqls", "--threshold", threshold)
    assert "--threshold" in assert_one_error(result, needle)


@pytest.mark.parametrize(
    "as_of,needle",
    [
        ("0001-01-01", "out of range"),
        ("9999-12-31", "out of range"),
        ("nonsense", "not a date"),
        ("2025-02-30", "not a date"),
        ("", "not a date"),
    ],
)
def test_goal_as_of_nonsense(tmp_path: Path, as_of: str, needle: str, main: _Capture) -> None:
    goal = tmp_path / "goal.json"
    goal.write_text(json.dumps(Q4_GOAL))
    result = main("goal", str(ROLLUP), "--mapping", str(ROLLUP_MAPPING), "--goal", str(goal), "--as-of", as_of)
    assert "--as-of" in assert_one_error(result, needle)


@pytest.mark.parametrize(
    "change,needle",
    [
        ({"start": "0001-01-01"}, "start 0001-01-01 is out of range"),
        ({"end": "9999-12-31"}, "end 9999-12-31 is out of range"),
        ({"target": 1e308}, "target 1e+308 is out of range"),
        ({"target": {"change": 1e300}}, "target change"),
    ],
)
def test_goal_file_with_absurd_values(tmp_path: Path, change: dict[str, Any], needle: str, main: _Capture) -> None:
    goal = tmp_path / "goal.json"
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
            | change
        )
    )
    assert_one_error(main("goal", str(ROLLUP), "--mapping", str(ROLLUP_MAPPING), "--goal", str(goal)), needle)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_input_files_with_non_finite_constants_are_refused(tmp_path: Path, constant: str, main: _Capture) -> None:
    mapping = ROLLUP_MAPPING.read_text().replace('"gross_margin": 0.8', f'"gross_margin": {constant}')
    assert constant in mapping
    (tmp_path / "m.json").write_text(mapping)
    assert_one_error(main("kpis", str(ROLLUP), "--mapping", str(tmp_path / "m.json")), f"contains {constant}")
    goal = tmp_path / "goal.json"
    goal.write_text(
        f'{{"name": "Q4", "objective": "pipeline", "kpi": "sqls", "target": {constant}, '
        '"start": "2025-10-01", "end": "2025-12-31"}'
    )
    result = main("goal", str(ROLLUP), "--mapping", str(ROLLUP_MAPPING), "--goal", str(goal))
    assert_one_error(result, "not a JSON number")


def test_a_mapping_that_is_not_text_is_one_error_line() -> None:
    assert_one_error(run_cli("kpis", str(ROLLUP), "--mapping", str(WORKBOOK)), "not UTF-8")


@pytest.mark.parametrize(
    "extra,needle",
    [
        (("--from", "0001-01-01"), "--from 0001-01-01 is out of range"),
        (("--to", "3000-01-01"), "--to 3000-01-01 is out of range"),
    ],
)
def test_kpis_dates_out_of_range(extra: tuple[str, ...], needle: str, main: _Capture) -> None:
    assert_one_error(main("kpis", str(ROLLUP), "--mapping", str(ROLLUP_MAPPING), *extra), needle)


# --- 3. --safe-csv --------------------------------------------------------------------------------


def test_every_command_with_csv_output_has_safe_csv() -> None:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, cli.argparse._SubParsersAction)).choices
    for name, sub in commands.items():
        options = {o for a in sub._actions for o in a.option_strings}
        if "--format" in options:
            assert "--safe-csv" in options, name


def test_csv_is_exact_by_default_and_defused_with_safe_csv(hostile_files: tuple[Path, Path]) -> None:
    data, mapping = hostile_files
    base = ["kpis", str(data), "--mapping", str(mapping), "--by", "campaign", "--format", "csv"]
    exact = run_cli(*base)
    assert exact.returncode == 0 and exact.stderr == "", exact.stderr
    exact_rows = list(csv.DictReader(io.StringIO(exact.stdout)))
    assert sorted(r["campaign"] for r in exact_rows) == sorted(HOSTILE)

    safe = run_cli(*base, "--safe-csv")
    assert safe.returncode == 0 and safe.stderr == "", safe.stderr
    safe_rows = list(csv.DictReader(io.StringIO(safe.stdout)))
    expected = sorted(name if name == "Plain" else "'" + name for name in HOSTILE)
    assert sorted(r["campaign"] for r in safe_rows) == expected
    # numbers are untouched: the same values, at full precision
    assert [r["spend"] for r in safe_rows] == [r["spend"] for r in exact_rows]
    assert all(not r["spend"].startswith("'") for r in safe_rows)


def test_safe_csv_in_abtest_and_profile(tmp_path: Path) -> None:
    arms = ["--arm", "=cmd|' /C calc'!A0:1000:100", "--arm", "@B:1000:120", "--format", "csv"]
    exact = run_cli("abtest", *arms)
    assert exact.returncode == 0, exact.stderr
    assert {r["arm"] for r in csv.DictReader(io.StringIO(exact.stdout))} == {"@B"}
    safe = run_cli("abtest", *arms, "--safe-csv")
    rows = list(csv.DictReader(io.StringIO(safe.stdout)))
    assert {r["arm"] for r in rows} == {"'@B"} and {r["control"] for r in rows} == {"'=cmd|' /C calc'!A0"}

    path = tmp_path / "headers.csv"
    path.write_text("Week,=SUM(A1),-Spend\n2025-01-06,1,2\n2025-01-13,3,4\n")
    names = lambda result: [r["name"] for r in csv.DictReader(io.StringIO(result.stdout))]  # noqa: E731
    assert names(run_cli("profile", str(path), "--format", "csv")) == ["Week", "=SUM(A1)", "-Spend"]
    assert names(run_cli("profile", str(path), "--format", "csv", "--safe-csv")) == ["Week", "'=SUM(A1)", "'-Spend"]


def test_safe_csv_leaves_json_alone(hostile_files: tuple[Path, Path]) -> None:
    data, mapping = hostile_files
    result = run_cli("kpis", str(data), "--mapping", str(mapping), "--by", "campaign", "--format", "json", "--safe-csv")
    assert sorted(r["campaign"] for r in strict_json(result.stdout)) == sorted(HOSTILE)


# --- 4. the same files as the app -----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".csv", ".txt", "", ".XLSX", ".xlsm"])
def test_a_renamed_workbook_reads_as_in_the_app(tmp_path: Path, suffix: str) -> None:
    """The app hands ingest the upload's bytes and name; the CLI must read the same file the same way
    (an .xlsx saved as .xls was refused by the CLI and read by the app)."""
    path = tmp_path / f"export{suffix}"
    shutil.copy(WORKBOOK, path)
    in_app = ingest(path.read_bytes(), name=path.name).profile.to_dict()
    result = run_cli("profile", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert strict_json(result.stdout) == json.loads(json.dumps(in_app))
    assert in_app["rows"] == 416


def test_an_unsupported_name_is_refused_with_the_apps_sentence(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    shutil.copy(WORKBOOK, path)
    with pytest.raises(InputError) as refused:
        ingest(path.read_bytes(), name=path.name)
    line = assert_one_error(run_cli("profile", str(path)))
    assert line == f"error: {cli._one_line(str(refused.value))}"


def test_a_folder_is_one_error_line(tmp_path: Path) -> None:
    assert_one_error(run_cli("profile", str(tmp_path)), "is a folder, not a file")


# --- 5. bugs are reported as bugs -----------------------------------------------------------------


def _raise(exc: BaseException) -> Any:
    def run(args: Any) -> str:
        raise exc

    return run


def test_an_unexpected_exception_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    monkeypatch.setattr(cli, "cmd_sample_size", _raise(ZeroDivisionError("float division by zero\nsecond line")))
    assert cli.main(["sample-size", "--baseline", "0.2", "--mde", "0.05"]) == cli.EXIT_INTERNAL == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: internal error (ZeroDivisionError): float division by zero")
    assert "second line" not in err and cli.DEBUG_ENV in err


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    monkeypatch.setattr(cli, "cmd_sample_size", _raise(KeyError("boom")))
    with pytest.raises(KeyError):
        cli.main(["sample-size", "--baseline", "0.2", "--mde", "0.05"])


def test_input_errors_stay_exit_2_even_in_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    monkeypatch.setattr(cli, "cmd_sample_size", _raise(InputError("the file is\nbroken")))
    assert cli.main(["sample-size", "--baseline", "0.2", "--mde", "0.05"]) == 2
    assert capsys.readouterr().err == "error: the file is broken\n"


def test_library_warnings_do_not_break_the_one_line_contract(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)

    def noisy(args: Any) -> str:
        warnings.warn("invalid value encountered in multiply", RuntimeWarning, stacklevel=2)
        raise InputError("bad")

    monkeypatch.setattr(cli, "cmd_sample_size", noisy)
    assert cli.main(["sample-size", "--baseline", "0.2", "--mde", "0.05"]) == 2
    assert capsys.readouterr().err == "error: bad\n"
