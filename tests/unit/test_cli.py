"""The command line, run as a user runs it: output contracts and exit codes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT, SAMPLE_DATA


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line run in this process (no interpreter start, so a test takes milliseconds, not
    seconds): its exit code and what it wrote. The real process is tested by run_cli_process."""
    from kpi_core.cli import DEBUG_ENV, main

    out, err = io.StringIO(), io.StringIO()
    debug = os.environ.pop(DEBUG_ENV, None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help
                code = exc.code if isinstance(exc.code, int) else 0
    finally:
        if debug is not None:
            os.environ[DEBUG_ENV] = debug
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def run_cli_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m kpi_core ARGS`` as a user starts it: for exit codes, stderr and the entry point."""
    return subprocess.run(
        [sys.executable, "-m", "kpi_core", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_profile_json_contract() -> None:
    result = run_cli_process("profile", str(SAMPLE_DATA / "google_ads_campaign_report.csv"), "--format", "json")
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
    result = run_cli(
        "profile",
        str(SAMPLE_DATA / "linkedin_campaign_performance.xlsx"),
        "--sheet",
        "Campaign Performance",
        "--format",
        "json",
    )
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


STACKED = ROOT / "tests" / "fixtures" / "real" / "ga4_reports_snapshot_stacked.csv"


def cli_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from kpi_core.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_picks_one_of_a_files_stacked_tables(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli_in_process(capsys, "profile", str(STACKED), "--table", "6", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["header_row"], data["rows"], data["table"], len(data["tables"])) == (
        106,
        7,
        "Session primary channel group (Default channel group) / Sessions",
        16,
    )
    code, out, _ = cli_in_process(capsys, "suggest-mapping", str(STACKED), "--table", "6")
    mapping = json.loads(out)
    assert mapping["table"] == 6 and mapping["roles"]["sessions"] == "Sessions"
    # The mapping remembers its table: kpis reads table 6 without --table.
    mapping["roles"]["date"] = {"value": "2026-06-30"}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(mapping))
    code, out, err = cli_in_process(capsys, "kpis", str(STACKED), "--mapping", str(path), "--format", "json")
    assert code == 0, err
    assert json.loads(out) == [{"sessions": 1949}]
    code, out, _ = cli_in_process(capsys, "profile", str(STACKED))
    assert "tables in this file (--table N): 1. Nth week / Active users;" in out


@pytest.mark.parametrize(("value", "message"), [("17", "no table 17"), ("0", "too small"), ("x", "not a number")])
def test_a_table_that_is_not_there_is_one_error_line(
    capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    code, out, err = cli_in_process(capsys, "profile", str(STACKED), "--table", value)
    assert code == 2 and not out
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_suggest_mapping_explain_gives_reasons_and_confidence(capsys: pytest.CaptureFixture[str]) -> None:
    report = ROOT / "tests" / "fixtures" / "real" / "google_ads_campaign_gbp.csv"
    code, out, _ = cli_in_process(capsys, "suggest-mapping", str(report), "--explain")
    assert code == 0
    data = json.loads(out)
    assert data["mapping"]["roles"]["spend"] == "Cost"
    spend = next(r for r in data["roles"] if r["role"] == "spend")
    assert spend["confidence"] in ("high", "medium", "low") and "Cost" in spend["reason"]
    assert any("Avg. CPC" == u["column"] for u in data["unused"])


def test_the_real_process_exits_2_with_one_error_line_and_0_with_output(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The few tests that start ``python -m kpi_core`` itself: the entry point, exit codes, streams."""
    missing = run_cli_process("profile", str(tmp_path / "missing.csv"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("error: ") and missing.stderr.count("\n") == 1
    bad_flag = run_cli_process("kpis", "--nope")
    assert bad_flag.returncode == 2 and bad_flag.stderr.startswith("error: ")
    done = run_cli_process("sample-size", "--baseline", "0.2", "--mde", "0.05", "--format", "json")
    assert done.returncode == 0 and done.stderr == "" and json.loads(done.stdout)["per_arm"] > 0
