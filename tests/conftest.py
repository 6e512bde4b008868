"""Shared test setup: paths, and a private workspace home for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "files"
SAMPLE_DATA = ROOT / "sample_data"
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def private_workspace_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test writes into ./workspace: each gets its own ROI_WORKBENCH_HOME."""
    home = tmp_path / "workspaces"
    monkeypatch.setenv("ROI_WORKBENCH_HOME", str(home))
    monkeypatch.setenv("ROI_WORKBENCH_STRICT", "1")  # the page guard re-raises: a bug fails the test
    return home


def need_datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"the shared datasets are not beside the checkout ({DATASETS} is missing)")
    return DATASETS


# A goal file the command-line tests pass to `goal` (SQLs, Q4 2025).
Q4_GOAL = {
    "name": "Q4",
    "objective": "pipeline",
    "kpi": "sqls",
    "target": 300,
    "start": "2025-10-01",
    "end": "2025-12-31",
}


def app_on(page: str | None = None, workspace: str | None = None, timeout: int = 60):  # type: ignore[no-untyped-def]
    """app.py under AppTest, in workspace ``workspace`` (the ?ws= of the URL), switched to ``page``;
    the runs raised nothing."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if workspace:
        at.query_params["ws"] = workspace
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


# Modules that are slow by nature, marked here in one place (see pytest.ini): a real browser and
# server, hostile files read in worker processes, fuzzing, big generated files, the real-export
# corpus and the public datasets.
SLOW_MODULES = frozenset(
    {
        "test_smoke.py",
        "test_screens.py",
        "test_hostile_upload.py",
        "test_hostile_corpus.py",
        "test_ingest_fuzz.py",
        "test_ingest_large.py",
        "test_ingest_traps.py",
        "test_real_exports.py",
        "test_shared_datasets.py",
        "test_every_page_on_real_data.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
