"""The command line starts light: --help and the parser load no heavy library (bench/startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SAMPLE_DATA

HEAVY = ("pandas", "duckdb", "scipy", "pyarrow", "openpyxl", "numpy", "python_calamine", "altair")


def _imported_by(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    return sorted(loaded.intersection(HEAVY))


def _imported_by_help() -> set[str]:
    """Top-level packages ``python -X importtime -m kpi_core --help`` imported (from its stderr)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kpi_core", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: python -m kpi_core" in result.stdout
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "kpi_core" in names  # the report was read
    return names


def test_help_imports_no_heavy_library() -> None:
    assert sorted(_imported_by_help().intersection(HEAVY)) == []


def test_building_the_parser_imports_no_heavy_library() -> None:
    code = "from kpi_core.cli import build_parser\nbuild_parser().format_help()"
    assert _imported_by(code) == []


def test_a_usage_mistake_imports_no_heavy_library() -> None:
    code = (
        "from kpi_core.cli import main\nimport contextlib, io\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n    assert main(['kpis', '--nope']) == 2"
    )
    assert _imported_by(code) == []


def _command_imports(*argv: str | Path) -> list[str]:
    """The heavy packages one command loads, run by main() in a fresh interpreter."""
    code = (
        "from kpi_core.cli import main\nimport contextlib, io\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({[str(a) for a in argv]!r}) == 0"
    )
    return _imported_by(code)


def test_a_command_loads_only_what_it_uses(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.csv"  # no quotes: the stray-quote scan (numpy) is not needed
    tiny.write_text("Week,Channel,Spend,Clicks\n2024-01-01,Email,10,5\n2024-01-08,Search,20,8\n")
    assert _command_imports("profile", tiny) == ["duckdb"]
    mapping = SAMPLE_DATA / "mappings" / "campaign_sheet.json"
    campaign = SAMPLE_DATA / "campaign_sheet.csv"
    assert _command_imports("kpis", campaign, "--mapping", mapping, "--by", "channel", "--grain", "month") == ["duckdb"]
    # A/B tests need scipy (and pandas, through metrics.format), never DuckDB.
    assert "duckdb" not in _command_imports("sample-size", "--baseline", "0.2", "--mde", "0.05")
    assert "duckdb" not in _command_imports("abtest", "--arm", "A:1000:100", "--arm", "B:1000:120")


def test_grains_of_the_parser_are_the_metrics_grains() -> None:
    from kpi_core.cli import GRAINS
    from kpi_core.metrics import GRAINS as METRICS_GRAINS

    assert GRAINS == METRICS_GRAINS
