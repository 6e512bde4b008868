"""The command line starts light: --help and the parser load no heavy library (bench/startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import Q4_GOAL, ROOT, SAMPLE_DATA

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


def _loaded_modules(*argv: str | Path) -> set[str]:
    """Every module (dotted names) one command has loaded, run by main() in a fresh interpreter."""
    code = (
        "from kpi_core.cli import main\nimport contextlib, io, json, sys\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({[str(a) for a in argv]!r}) == 0\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


# Over a second each to import (scipy.special, what the statistics use instead, is a tenth of that):
# kpi_core.distributions has scipy.stats' numbers without it, bit for bit (tests/unit/test_distributions.py).
SLOW_SCIPY = ("scipy.stats", "scipy.optimize", "scipy.signal")


def _small_performance(folder: Path) -> tuple[Path, Path]:
    """24 rows of weekly performance by two channels and their mapping (bench/startup.py's tiny input)."""
    lines = ["Week,Channel,Spend,Clicks,Leads,SQLs,Revenue"]
    for week in range(12):
        day = f"2025-{10 + week // 5:02d}-{1 + (week % 5) * 6:02d}"
        for channel, scale in (("Email", 1.0), ("Search", 2.5)):
            spend = round((100 + 17 * week) * scale, 2)
            lines.append(f"{day},{channel},{spend},{int(spend * 3)},{int(spend / 10)},{int(spend / 40)},{spend * 4}")
    data, mapping = folder / "small.csv", folder / "small.json"
    data.write_text("\n".join(lines) + "\n")
    roles = {"date": "Week", "channel": "Channel", "spend": "Spend", "clicks": "Clicks", "leads": "Leads"}
    mapping.write_text(
        json.dumps({"version": 1, "kind": "performance", "roles": roles | {"sqls": "SQLs", "revenue": "Revenue"}})
    )
    return data, mapping


def test_the_statistics_commands_do_not_import_scipy_stats(tmp_path: Path) -> None:
    data, mapping = _small_performance(tmp_path)
    goal = tmp_path / "goal.json"
    goal.write_text(json.dumps(Q4_GOAL))
    commands: list[tuple[str | Path, ...]] = [
        ("abtest", "--arm", "Control:10000:500", "--arm", "Variant:10000:560"),
        ("abtest", "--arm", "A:1000:100", "--arm", "B:1000:120", "--arm", "C:1000:90", "--split", "1,1,1"),
        ("sample-size", "--baseline", "0.2", "--mde", "0.05"),
        ("goal", data, "--mapping", mapping, "--goal", goal),
        ("alerts", data, "--mapping", mapping, "--kpi", "leads"),
    ]
    for argv in commands:
        loaded = _loaded_modules(*argv)
        assert "scipy.special" in loaded, argv  # the probe sees what the command used
        assert sorted(loaded.intersection(SLOW_SCIPY)) == [], argv
    # The A/B test commands format numbers without pandas (kpi_core.metrics.format imports it lazily).
    assert "pandas" not in _loaded_modules("sample-size", "--baseline", "0.2", "--mde", "0.05")
    assert "pandas" not in _loaded_modules("abtest", "--arm", "Control:10000:500", "--arm", "Variant:10000:560")


def test_budget_imports_scipy_optimize_only_to_fit_and_never_scipy_signal(tmp_path: Path) -> None:
    data, mapping = _small_performance(tmp_path)
    code = (
        "import sys\nimport kpi_core.budget, kpi_core.budget.fit, kpi_core.budget.joint\n"  # what the command imports
        "from kpi_core.budget.fit import carryover\ncarryover([1.0, 2.0, 3.0], 0.5)\n"
        "assert not {'scipy.stats', 'scipy.optimize', 'scipy.signal'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    loaded = _loaded_modules("budget", data, "--mapping", mapping)
    assert "scipy.optimize" in loaded  # the curve fit itself (least_squares)
    assert sorted(loaded.intersection(("scipy.stats", "scipy.signal"))) == []


def test_grains_of_the_parser_are_the_metrics_grains() -> None:
    from kpi_core.cli import GRAINS
    from kpi_core.metrics import GRAINS as METRICS_GRAINS

    assert GRAINS == METRICS_GRAINS
