"""The Data quality page on the messy campaign sheet: its known problems listed, fixed in one click
(as mapping rules, the stored table untouched) and undone."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from kpi_core.workspace import Workspace
from tests.conftest import app_on as shared_app_on
from tests.unit.test_quality import MESSY, MESSY_MAPPING, needs_datasets


def _workspace(at: AppTest) -> Workspace:
    name = at.query_params["ws"]
    return Workspace(name if isinstance(name, str) else name[0])


@needs_datasets
def test_messy_sheet_problems_are_listed_fixed_and_undone() -> None:
    at = shared_app_on("pages/data.py", None, 60)
    at.file_uploader(key="upload_files").set_value(("messy.csv", MESSY.read_bytes(), "text/csv")).run()
    ws = _workspace(at)
    dataset = ws.datasets()[0]
    assert ws.set_mapping(dataset.id, json.loads(json.dumps(MESSY_MAPPING))).ok
    at.switch_page("pages/quality.py").run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    for expected in (
        "'Gogle' looks like a misspelling of 'Google Ads'",
        "101 rows",
        "19 rows are exact copies",
        "negative spend",
        "end ('End\\_Date') before they start",
        "500,000.00",
    ):
        assert any(expected in t for t in texts), expected
    stored_rows = ws.con.execute(f'SELECT count(*) FROM "{dataset.table}"').fetchone()[0]

    at.button(key=f"merge-all-{dataset.id}").click().run()
    assert not at.exception
    mapping = _workspace(at).dataset(dataset.id).mapping
    assert mapping.recode["channel"]["Gogle"] == "Google Ads" and mapping.recode["channel"]["E-mail"] == "Email"
    assert not any("misspelling" in m.value for m in at.markdown)  # fixed problems are gone from the report
    labels = [b.label for b in at.button]
    duplicates = next(b for b in at.button if b.label == "Leave out duplicate rows")
    duplicates.click().run()
    mapping = _workspace(at).dataset(dataset.id).mapping
    assert any(r.test == "duplicates" for r in mapping.exclude)
    assert ws.con.execute(f'SELECT count(*) FROM "{dataset.table}"').fetchone()[0] == stored_rows  # data untouched
    assert "Leave out duplicate rows" in labels

    undo = [b for b in at.button if b.label == "Undo"]
    assert len(undo) == 6  # five merges and the duplicates rule
    undo[-1].click().run()
    mapping = _workspace(at).dataset(dataset.id).mapping
    assert not mapping.exclude and len(mapping.recode["channel"]) == 5


def test_page_without_a_mapped_dataset_says_what_to_do() -> None:
    at = shared_app_on("pages/quality.py", None, 60)
    assert not at.exception
    assert any("No mapped dataset yet" in i.value for i in at.info)
