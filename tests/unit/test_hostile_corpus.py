"""Every hostile file (tests/fixtures/hostile + the big ones generated at test time) through the CLI
and the workspace: never a crash, a hang or a memory blow-up; a refusal is one clear sentence and
leaves the workspace as it was.

The CLI runs in a subprocess under a 2 GB address-space limit and a 60 s timeout (an abort in a
native reader kills only that child). The workspace check runs in this process, but only for a file
whose CLI run ended cleanly (exit 0 or 2 within the limits), so one bad file cannot take the whole
test session down with it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpi_core.errors import InputError
from tests.conftest import ROOT, SAMPLE_DATA
from tests.fixtures import make_hostile

MEMORY_LIMIT = 2 * 1024**3
TIMEOUT_S = 60
COMMITTED = make_hostile.committed_specs()
BIG = make_hostile.big_specs()
ALL = COMMITTED + BIG
GOOD_FILE = SAMPLE_DATA / "campaign_sheet.csv"


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@dataclass
class CliRun:
    path: Path
    returncode: int | None  # None: timed out (and killed)
    stdout: str
    stderr: str
    seconds: float

    @property
    def clean(self) -> bool:
        return self.returncode in (0, 2)

    def describe(self) -> str:
        if self.returncode is None:
            state = f"timed out after {TIMEOUT_S} s"
        elif self.returncode < 0:
            state = f"killed by {signal.Signals(-self.returncode).name}"
        else:
            state = f"exit {self.returncode}"
        return f"{self.path.name}: {state} in {self.seconds:.1f} s; stderr: {self.stderr[-1500:]!r}"


def run_cli(path: Path, home: Path) -> CliRun:
    env = dict(os.environ, ROI_WORKBENCH_HOME=str(home), PYTHONPATH=str(ROOT))
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kpi_core", "profile", str(path), "--format", "json"],
            capture_output=True,
            timeout=TIMEOUT_S,
            preexec_fn=_limit_memory,
            cwd=ROOT,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        return CliRun(
            path,
            None,
            (exc.stdout or b"").decode("utf-8", "replace"),
            (exc.stderr or b"").decode("utf-8", "replace"),
            time.monotonic() - start,
        )
    return CliRun(
        path,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.monotonic() - start,
    )


@pytest.fixture(scope="session")
def big_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile_big")
    make_hostile.big_files(path)
    return path


def path_of(spec: make_hostile.Spec, big_dir: Path) -> Path:
    return big_dir / spec.name if spec.big else make_hostile.hostile_path(spec.name)


@pytest.fixture(scope="session")
def cli_runs(big_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """Every file through the CLI once, two (or as many as there are CPUs) at a time."""
    home = tmp_path_factory.mktemp("cli_home")
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        runs = pool.map(lambda s: run_cli(path_of(s, big_dir), home), ALL)
        return {spec.name: run for spec, run in zip(ALL, runs)}


def _reject_constant(name: str) -> object:
    raise ValueError(f"non-standard JSON constant {name}")


def test_corpus_is_complete_and_committed_files_are_current(tmp_path: Path) -> None:
    """At least 40 committed hostile files, each exactly what the generator writes today."""
    assert len(COMMITTED) >= 40
    assert len({s.name for s in ALL}) == len(ALL)
    fresh = make_hostile.write_committed(tmp_path)
    for path in fresh:
        committed = make_hostile.hostile_path(path.name)
        assert committed.is_file(), f"{path.name} is missing: run python tests/fixtures/make_hostile.py"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale: re-run make_hostile.py"
        assert path.stat().st_size < 260_000, f"{path.name} is too big to commit"


@pytest.mark.parametrize("spec", ALL, ids=[s.name for s in ALL])
def test_cli_profile_exits_cleanly(spec: make_hostile.Spec, cli_runs: dict[str, CliRun]) -> None:
    run = cli_runs[spec.name]
    assert run.returncode is not None, run.describe()
    assert run.returncode >= 0, run.describe()  # never a signal (SIGABRT, SIGKILL, SIGSEGV...)
    assert run.returncode in (0, 2), run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    if run.returncode == 0:
        profile = json.loads(run.stdout, parse_constant=_reject_constant)  # no Infinity / NaN
        assert isinstance(profile, dict) and isinstance(profile.get("rows"), int), run.describe()
        assert isinstance(profile.get("columns"), list) and isinstance(profile.get("warnings"), list)
    else:
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), run.describe()
        assert len(lines[0]) > len("error: ") + 10, run.describe()
        assert run.stdout.strip() == "", run.describe()
        # A refusal says what is wrong, not which Python exception was raised.
        assert "could not process the input" not in lines[0], run.describe()
    if spec.expect == "read":
        assert run.returncode == 0, f"expected to be read: {run.describe()}"
    elif spec.expect == "refuse":
        assert run.returncode == 2, f"expected to be refused: {run.describe()}"


MAY_BE_REFUSED = [s for s in ALL if s.expect != "read"]  # files to be read are checked in test_ingest_traps


@pytest.mark.parametrize("spec", MAY_BE_REFUSED, ids=[s.name for s in MAY_BE_REFUSED])
def test_workspace_refusal_changes_nothing(spec: make_hostile.Spec, cli_runs: dict[str, CliRun], big_dir: Path) -> None:
    """add_dataset refuses exactly what the CLI refuses, with the same sentence, and a refused file
    leaves the workspace as it was; a file the CLI reads is added as one dataset (the CLI and the app
    accept the same files)."""
    from kpi_core.workspace import Workspace

    run = cli_runs[spec.name]
    if not run.clean:
        pytest.fail(f"not repeated in-process, the CLI run was not clean: {run.describe()}")
    ws = Workspace("hostile")
    ws.add_dataset(GOOD_FILE)

    def state() -> tuple[list[tuple[int, str, int]], list[tuple[str, ...]]]:
        datasets = [(d.id, d.name, d.rows) for d in ws.datasets()]
        tables = ws.con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        return datasets, tables

    before = state()
    path = path_of(spec, big_dir)
    try:
        ws.add_dataset(path)
    except InputError as exc:
        assert run.returncode == 2, f"the app refuses what the CLI reads ({exc}); {run.describe()}"
        assert state() == before
        assert f"error: {' '.join(str(exc).split())}" == run.stderr.strip(), "app and CLI say different things"
    else:
        assert run.returncode == 0, f"the app reads what the CLI refuses; {run.describe()}"
        datasets, _ = state()
        assert datasets[: len(before[0])] == before[0] and len(datasets) == len(before[0]) + 1
    finally:
        ws.close()
    again = Workspace("hostile")
    try:
        assert [d.name for d in again.datasets()][:1] == ["campaign_sheet"]
    finally:
        again.close()
