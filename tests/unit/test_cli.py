"""The command line, run as a user runs it: output contracts and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT, SAMPLE_DATA


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpi_core", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_profile_json_contract() -> None:
    result = run_cli("profile", str(SAMPLE_DATA / "google_ads_campaign_report.csv"), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:8] == ["file", "sheet", "header_row", "rows", "columns", "dropped_rows", "warnings", "encoding"]
    assert data["file"] == "google_ads_campaign_report.csv"
    assert data["sheet"] is None
    assert data["header_row"] == 3
    assert data["rows"] == 416
    cost = next(c for c in data["columns"] if c["name"] == "Cost")
    # The contract keys first; the optional extras (currency, distinct, percent, examples) after.
    assert list(cost)[:6] == ["name", "type", "non_null", "sum", "min", "max"]
    assert set(cost) == {"name", "type", "non_null", "sum", "min", "max", "currency", "distinct", "percent", "examples"}
    assert cost["type"] == "number"
    assert cost["sum"] == pytest.approx(1_208_963.37, abs=1e-6)
    week = next(c for c in data["columns"] if c["name"] == "Week")
    assert (week["type"], week["sum"], week["min"], week["max"]) == ("date", None, "2024-01-01", "2025-12-22")
    assert [d["reason"] for d in data["dropped_rows"]] == ["total"] * 3
    assert all(isinstance(d["row"], int) for d in data["dropped_rows"])


def test_profile_sheet_option() -> None:
    result = run_cli("profile", str(SAMPLE_DATA / "linkedin_campaign_performance.xlsx"), "--sheet",
                     "Campaign Performance", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["sheet"], data["header_row"], data["rows"]) == ("Campaign Performance", 5, 416)


def test_profile_table_and_csv_formats() -> None:
    table = run_cli("profile", str(SAMPLE_DATA / "campaign_sheet.csv"))
    assert table.returncode == 0 and "Spend" in table.stdout and "number" in table.stdout
    as_csv = run_cli("profile", str(SAMPLE_DATA / "campaign_sheet.csv"), "--format", "csv")
    assert as_csv.stdout.splitlines()[0].startswith("name,type,non_null,sum,min,max")  # extras may follow


@pytest.mark.parametrize(
    "args",
    [
        ("profile", "no/such/file.csv"),
        ("profile", str(FIXTURES / "garbage.xlsx")),
        ("profile", str(FIXTURES / "empty.csv")),
        ("profile", str(FIXTURES / "binary_garbage.csv")),
        ("profile", str(SAMPLE_DATA / "linkedin_campaign_performance.xlsx"), "--sheet", "Nope"),
        ("profile",),
        ("profile", str(SAMPLE_DATA / "campaign_sheet.csv"), "--format", "yaml"),
        ("no-such-command",),
        ("suggest-mapping", str(FIXTURES / "not_a_workbook.xlsx")),
    ],
)
def test_bad_input_exits_2_with_one_error_line(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr


def test_suggest_mapping_prints_a_mapping_the_app_reads() -> None:
    result = run_cli("suggest-mapping", str(SAMPLE_DATA / "crm_funnel_rollup.csv"))
    assert result.returncode == 0, result.stderr
    mapping = json.loads(result.stdout)
    assert mapping["version"] == 1 and mapping["kind"] == "performance"
    assert mapping["roles"]["date"] == "Week"
    assert mapping["roles"]["sqls"] == "SQLs"
    assert mapping["roles"]["revenue"] == "Closed won amount"
    assert mapping["settings"] == {"gross_margin": 1.0, "customer_lifetime_years": 3, "currency": "USD"}
