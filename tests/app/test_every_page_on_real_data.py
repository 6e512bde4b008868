"""Every page, on every file in ../shared/datasets and on the smallest files a user can make: no
exception, no page-guard message, and no raw None/nan in any table."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_core.workspace import Workspace
from pages._guard import SENTENCE
from tests.conftest import DATASETS, ROOT, need_datasets

PAGES = (
    "pages/dashboard.py",
    "pages/goals.py",
    "pages/annotations.py",
    "pages/budget.py",
    "pages/abtests.py",
    "pages/glossary.py",
    "pages/home.py",
    "pages/data.py",
    "pages/mapping.py",
    "pages/quality.py",
    "pages/settings.py",
)
SHARED = (
    sorted(
        p.relative_to(DATASETS).as_posix()
        for p in [*DATASETS.glob("*/*.csv"), *DATASETS.glob("*/*.xlsx")]
        if p.name != "data_dictionary.csv"
    )
    if DATASETS.is_dir()
    else []
)
RAW = ("None", "nan", "NaN", "NaT", "<NA>")


def add_as_a_user_would(workspace: Workspace, source: Path | bytes, name: str | None = None) -> None:
    """Add the file with the suggested mapping; a performance file without a date column gets one
    date for the whole file, as the Mapping page offers."""
    dataset = workspace.add_dataset(source, file_name=name)
    if dataset.kind == "performance" and not dataset.is_mapped and "date" not in dataset.mapping.roles:
        mapping = dataset.mapping.to_dict()
        mapping["roles"]["date"] = {"value": "2017-08-31"}
        workspace.set_mapping(dataset.id, mapping)


def walk(workspace: str) -> list[str]:
    """Open every page; the problems seen (exceptions, the guard's sentence, raw values in tables)."""
    problems: list[str] = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["ws"] = workspace
        at.run()
        at.switch_page(page).run()
        problems += [f"{page}: {e.message}" for e in at.exception]
        problems += [f"{page}: guard" for e in at.error if SENTENCE in e.value]
        for frame in at.dataframe:
            cells = frame.value.astype(str).to_numpy().ravel().tolist() + [str(c) for c in frame.value.columns]
            problems += [f"{page}: raw {c!r} in a table" for c in cells if c in RAW]
    return problems


@pytest.mark.parametrize("relative", SHARED)
def test_every_page_on_a_shared_dataset(relative: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = need_datasets() / relative
    monkeypatch.delenv("ROI_WORKBENCH_STRICT")  # the guard's sentence is counted instead of raised
    add_as_a_user_would(Workspace("real"), path)
    assert walk("real") == []
