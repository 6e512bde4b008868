"""Each page, clicked through as a user would, with AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from kpi_core.workspace import Workspace
from tests.conftest import FIXTURES, ROOT, SAMPLE_DATA
from tests.conftest import app_on as shared_app_on

TIMEOUT = 60


def app_on(page: str | None = None, workspace: str | None = None) -> AppTest:
    return shared_app_on(page, workspace, TIMEOUT)


def ws_name(at: AppTest) -> str:
    value = at.query_params["ws"]
    return value if isinstance(value, str) else value[0]


def test_home_without_data_offers_sample_data() -> None:
    at = app_on()
    assert at.title[0].value == "ROI Workbench"
    assert any(b.label == "Load sample data" for b in at.button)
    assert at.metric[0].value == "0"


def test_each_session_gets_a_private_workspace() -> None:
    first, second = app_on(), app_on()
    assert ws_name(first).startswith("session-")
    assert ws_name(first) != ws_name(second)


def test_load_sample_data_fills_the_workspace() -> None:
    at = app_on()
    at.button(key="load_samples").click().run()
    assert not at.exception
    assert "Loaded 7 sample dataset(s)." in [s.value for s in at.success]
    assert at.metric[0].value == "7"
    assert at.metric[1].value == "7"  # all mapped
    name = ws_name(at)
    assert len(Workspace(name).datasets()) == 7


def test_data_page_upload_shows_profile_and_preview() -> None:
    at = app_on("pages/data.py")
    assert "No data yet" in at.info[0].value
    data = (SAMPLE_DATA / "google_ads_campaign_report.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("google_ads.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("416 rows" in s.value for s in at.success)
    assert at.metric[0].value == "416"
    assert at.metric[2].value == "3"  # the three Total rows
    assert any("total" in w.value for w in at.warning)
    preview = at.dataframe[0].value
    assert list(preview.columns)[:3] == ["Campaign", "Week", "Currency code"]
    assert len(preview) == 200


def test_data_page_bad_file_gives_a_message_and_keeps_the_workspace() -> None:
    at = app_on("pages/data.py")
    good = (SAMPLE_DATA / "campaign_sheet.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("sheet.csv", good, "text/csv")).run()
    garbage = (FIXTURES / "garbage.xlsx").read_bytes()
    at.file_uploader(key="upload_files").set_value(("broken.xlsx", garbage, "application/octet-stream")).run()
    assert not at.exception
    assert any("broken.xlsx" in e.value and "Excel workbook" in e.value for e in at.error)
    assert len(Workspace(ws_name(at)).datasets()) == 1


def test_data_page_rename_and_delete() -> None:
    at = app_on()
    at.button(key="load_samples").click().run()
    at.switch_page("pages/data.py").run()
    dataset_id = Workspace(ws_name(at)).datasets()[-1].id
    at.text_input(key=f"rename-{dataset_id}").input("AB test Q3").run()
    at.button(key=f"rename-button-{dataset_id}").click().run()
    assert not at.exception
    assert Workspace(ws_name(at)).dataset(dataset_id).name == "AB test Q3"
    at.checkbox(key=f"confirm-delete-{dataset_id}").check().run()
    at.button(key=f"delete-{dataset_id}").click().run()
    assert not at.exception
    assert len(Workspace(ws_name(at)).datasets()) == 6


def test_mapping_page_changes_a_role_and_saves() -> None:
    at = app_on("pages/data.py")
    data = (SAMPLE_DATA / "google_ads_campaign_report.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("google_ads.csv", data, "text/csv")).run()
    at.switch_page("pages/mapping.py").run()
    assert not at.exception
    ws = Workspace(ws_name(at))
    dataset = ws.datasets()[0]
    prefix = f"m{dataset.id}v0"
    assert at.selectbox(key=f"{prefix}-role-spend").value == "Cost"
    # The export has no channel column: every row is Google Ads.
    at.selectbox(key=f"{prefix}-role-channel").select("A constant for every row…").run()
    at.text_input(key=f"{prefix}-const-channel").input("Google Ads").run()
    at.selectbox(key=f"{prefix}-role-revenue").select("— not mapped —").run()
    at.button(key=f"save-{dataset.id}").click().run()
    assert not at.exception
    saved = Workspace(ws_name(at)).dataset(dataset.id).mapping
    assert saved is not None
    assert saved.to_dict()["roles"]["channel"] == {"value": "Google Ads"}
    assert "revenue" not in saved.roles


def test_mapping_page_reports_a_missing_required_role() -> None:
    at = app_on("pages/data.py")
    data = (SAMPLE_DATA / "campaign_sheet.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("sheet.csv", data, "text/csv")).run()
    at.switch_page("pages/mapping.py").run()
    dataset = Workspace(ws_name(at)).datasets()[0]
    at.selectbox(key=f"m{dataset.id}v0-role-date").select("— not mapped —").run()
    assert not at.exception
    assert any("date" in e.value and "required" in e.value for e in at.error)
    assert at.button(key=f"save-{dataset.id}").disabled


def test_named_workspace_is_opened_from_the_url() -> None:
    Workspace("workshop").add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    at = app_on(workspace="workshop")
    assert at.title[0].value == "Dashboard"  # mapped data: the dashboard is the landing page
    assert at.metric[0].label == "Spend"
    assert "workshop" in [c.value for c in at.sidebar.caption]


def test_hostile_file_is_shown_as_plain_data() -> None:
    at = app_on("pages/data.py")
    data = (FIXTURES / "hostile_headers.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(('x"; DROP TABLE t; --.csv', data, "text/csv")).run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert list(preview.columns)[:2] == ['x"; DROP TABLE t; --', "<script>alert(1)</script>"]
    at.switch_page("pages/mapping.py").run()
    assert not at.exception


def test_mapping_import_from_a_file() -> None:
    at = app_on("pages/data.py")
    data = (SAMPLE_DATA / "google_ads_campaign_report.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("google_ads.csv", data, "text/csv")).run()
    at.switch_page("pages/mapping.py").run()
    dataset = Workspace(ws_name(at)).datasets()[0]
    mapping = (SAMPLE_DATA / "mappings" / "google_ads_campaign_report.json").read_bytes()
    at.file_uploader(key=f"import-{dataset.id}").set_value(("m.json", mapping, "application/json")).run()
    at.button(key=f"import-button-{dataset.id}").click().run()
    assert not at.exception
    saved = Workspace(ws_name(at)).dataset(dataset.id).mapping
    assert saved is not None and saved.to_dict()["roles"]["channel"] == {"value": "Google Ads"}
    assert at.selectbox(key=f"m{dataset.id}v1-role-channel").value == "A constant for every row…"


def test_data_page_offers_each_stacked_table_as_a_dataset() -> None:
    at = app_on("pages/data.py")
    data = (ROOT / "tests" / "fixtures" / "real" / "ga4_reports_snapshot_stacked.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("snapshot.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("holds 16 tables" in w.value for w in at.warning)
    picker = at.selectbox(key=next(s.key for s in at.selectbox if s.key and s.key.startswith("table-")))
    assert picker.label.startswith("snapshot.csv has 16 tables")
    assert picker.value == 1  # the first table is added already: the picker offers the next
    picker.set_value(5).run()  # "Session primary channel group (Default channel group) / Sessions"
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("add-table-"))).click().run()
    assert not at.exception
    datasets = Workspace(ws_name(at)).datasets()
    added = next(d for d in datasets if d.profile.table_number == 6)
    assert added.rows == 7 and added.profile.column("Sessions").sum == 1949
    assert "table 6 of 16" in " ".join(c.value for c in at.caption)


def test_sample_data_opens_its_own_workspace_beside_the_users_data() -> None:
    at = app_on("pages/data.py")
    own = (SAMPLE_DATA / "campaign_sheet.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("my_sheet.csv", own, "text/csv")).run()
    mine = ws_name(at)
    at.switch_page("pages/home.py").run()
    at.button(key="load_samples").click().run()
    assert not at.exception
    assert ws_name(at) != mine
    assert [d.name for d in Workspace(mine).datasets()] == ["my_sheet"]
    assert len(Workspace(ws_name(at)).datasets()) == 7
    assert any("workspace of their own" in s.value for s in at.success)
    at.button(key="back_to_own").click().run()
    assert ws_name(at) == mine


def test_sample_data_merges_when_asked() -> None:
    at = app_on("pages/data.py")
    own = (SAMPLE_DATA / "campaign_sheet.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value(("my_sheet.csv", own, "text/csv")).run()
    mine = ws_name(at)
    at.switch_page("pages/home.py").run()
    at.checkbox(key="merge_samples").check().run()
    at.button(key="load_samples").click().run()
    assert not at.exception
    assert ws_name(at) == mine
    assert len(Workspace(mine).datasets()) == 8
