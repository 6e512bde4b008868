"""The Mapping page says why it suggested each role, uncertain ones first, and what it left out."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from kpi_core.workspace import Workspace
from tests.conftest import SAMPLE_DATA
from tests.conftest import app_on as shared_app_on


def _uploaded(name: str, data: bytes) -> tuple[AppTest, Workspace]:
    at = shared_app_on("pages/data.py", None, 60)
    at.file_uploader(key="upload_files").set_value((name, data, "text/csv")).run()
    at.switch_page("pages/mapping.py").run()
    assert not at.exception
    workspace = at.query_params["ws"]
    return at, Workspace(workspace if isinstance(workspace, str) else workspace[0])


def _texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]


def test_reasons_for_a_google_ads_export() -> None:
    at, ws = _uploaded("google_ads.csv", (SAMPLE_DATA / "google_ads_campaign_report.csv").read_bytes())
    texts = _texts(at)
    assert any("campaign measures" in t for t in texts)  # why it is performance data
    assert any(t.startswith("**Channel** (check)") and "Google Ads" in t for t in texts)
    assert any("**Spend** (sure)" in t and "Cost" in t for t in texts)
    assert any("Avg. CPC" in t and "we compute CPC ourselves" in t for t in texts)
    assert any("Currency USD" in t for t in texts)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Why we suggested this (1 to check)") for label in labels)
    prefix = f"m{ws.datasets()[0].id}v0"
    assert at.text_input(key=f"{prefix}-currency").value == "USD"


def test_uncertain_choices_come_first() -> None:
    text = "Day,Paid cost (net),Clicks\n2024-01-01,10,5\n2024-01-02,20,6\n"
    at, _ = _uploaded("sheet.csv", text.encode())
    reasons = [m.value for m in at.markdown if m.value.startswith("**") and "):" in m.value]
    levels = [r.split("(", 1)[1].split(")", 1)[0] for r in reasons]
    order = ["a guess", "check", "sure"]
    assert levels == sorted(levels, key=order.index)
    assert levels[0] == "check"  # "Paid cost (net)" only contains a spend word


def test_approved_conversions_as_customers_are_flagged_for_confirmation() -> None:
    text = (
        "ad_id,Reporting starts,Spent,Clicks,Total_Conversion,Approved_Conversion\n"
        "708746,2017-08-17,1.43,1,2,1\n708749,2017-08-18,1.82,2,2,0\n708771,2017-08-19,0,0,1,0\n"
    )
    at, ws = _uploaded("fb.csv", text.encode())
    warnings = [w.value for w in at.warning]
    assert any("Approved\\_Conversion' is mapped to Customers" in w and "closed-won" in w for w in warnings), warnings
    assert any(t.startswith("**Customers") and "(check)" in t for t in _texts(at))
