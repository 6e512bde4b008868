"""The dashboard, glossary and settings pages on the sample data, clicked through with AppTest."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from kpi_core.metrics import KPIS, KpiRequest
from kpi_core.metrics.format import format_compact, format_value
from kpi_core.metrics.registry import BY_ID, short_name
from kpi_core.metrics.views import default_range
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.workspace import Workspace, load_samples
from tests.conftest import ROOT, app_on

TIMEOUT = 60


@pytest.fixture
def sample_app() -> AppTest:
    load_samples(Workspace("samples"))
    return app_on(workspace="samples", timeout=TIMEOUT)


def default_request(**where: tuple[str, ...]) -> KpiRequest:
    low, high = workspace_performance(Workspace("samples")).date_range()
    start, end = default_range(low, high)
    return KpiRequest(date_from=start, date_to=end, where=where)


def expect_tile(at: AppTest, kpi: str, value: float) -> None:
    """The tile shows the compact figure, and its help the exact one."""
    tile = next(m for m in at.metric if m.label == short_name(BY_ID[kpi]))
    assert tile.value == format_compact(BY_ID[kpi], value)
    assert f"**{BY_ID[kpi].name}: {format_value(BY_ID[kpi], value)}**" in tile.proto.help


def test_dashboard_is_the_landing_page_with_headline_tiles(sample_app: AppTest) -> None:
    at = sample_app
    assert at.title[0].value == "Dashboard"
    expected = workspace_performance(Workspace("samples")).compute(default_request()).records()[0]
    expect_tile(at, "spend", expected["spend"])
    expect_tile(at, "roas", expected["roas"])
    expect_tile(at, "romi", expected["romi"])
    assert [h.value for h in at.header][:3] == ["Funnel", "Trend", "Breakdown"]


def test_channel_filter_changes_every_number(sample_app: AppTest) -> None:
    at = sample_app
    at.sidebar.multiselect(key="widget_filter_dim_channel").select("Webinars").run()
    assert not at.exception
    expected = workspace_performance(Workspace("samples")).compute(default_request(channel=("Webinars",))).records()[0]
    expect_tile(at, "spend", expected["spend"])
    expect_tile(at, "cac", expected["cac"])
    assert "channel = Webinars" in at.caption[0].value


def test_date_filter_and_comparison(sample_app: AppTest) -> None:
    at = sample_app
    at.sidebar.date_input(key="widget_filter_dates").set_value((date(2025, 1, 1), date(2025, 3, 31))).run()
    at.radio(key="comparison").set_value("last_year").run()
    assert not at.exception
    performance = workspace_performance(Workspace("samples"))
    now = performance.compute(KpiRequest(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31))).records()[0]
    before = performance.compute(KpiRequest(date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))).records()[0]
    expect_tile(at, "spend", now["spend"])
    spend = next(m for m in at.metric if m.label == "Spend")
    assert spend.delta == f"{(now['spend'] - before['spend']) / before['spend'] * 100:+.1f}%"


def test_trend_breakdown_and_correlation_controls(sample_app: AppTest) -> None:
    at = sample_app
    at.selectbox(key="trend_kpi").select("cpl").run()
    at.selectbox(key="trend_grain").select("quarter").run()
    at.radio(key="breakdown_by").set_value("campaign").run()
    at.selectbox(key="corr_leader").select("spend").run()
    at.selectbox(key="corr_follower").select("sqls").run()
    at.slider(key="corr_lag").set_value(2).run()
    assert not at.exception
    assert any("Pearson r =" in m.value and "2 week(s) later" in m.value for m in at.markdown)


def test_filters_survive_a_trip_to_another_page(sample_app: AppTest) -> None:
    at = sample_app
    at.sidebar.multiselect(key="widget_filter_dim_channel").select("Events").run()
    at.switch_page("pages/data.py").run()
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception
    # AppTest keeps only the first run's sidebar tree, so check what the page itself says.
    assert "channel = Events" in at.caption[0].value


def test_glossary_lists_every_kpi() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/glossary.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for kpi in KPIS:
        assert f"`{kpi.id}`" in text and kpi.formula in text


def test_settings_change_romi(sample_app: AppTest) -> None:
    at = sample_app
    at.switch_page("pages/settings.py").run()
    at.number_input[0].set_value(50.0)  # percent
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert Workspace("samples").settings()["gross_margin"] == 0.5
    at.switch_page("pages/dashboard.py").run()
    expected = workspace_performance(Workspace("samples")).compute(default_request()).records()[0]
    expect_tile(at, "romi", expected["romi"])


def test_dashboard_lists_the_alerts_of_the_watched_kpis(sample_app: AppTest) -> None:
    """The sample data ends in a holiday week: it is left out, and the page says so. Over a range
    that ends in September the alerts are listed, each a plain sentence with its statistics in the help."""
    from kpi_core.alerts import AlertSettings, recent_alerts, watched_kpis

    performance = workspace_performance(Workspace("samples"))
    watched = watched_kpis(performance, {})
    expected = recent_alerts(performance, watched, default_request(), AlertSettings())
    at = sample_app
    assert any(e.label == f"What changed: {len(expected)} alert(s) in the last 8 periods" for e in at.expander)
    assert expected.notes(), "the sample data ends in a thin holiday week"
    assert any("22 Dec 2025 is left out" in c.value for c in at.caption)
    september = (date(2024, 10, 1), date(2025, 9, 28))
    at.sidebar.date_input(key="widget_filter_dates").set_value(september).run()
    assert not at.exception
    expected = recent_alerts(
        performance, watched, KpiRequest(date_from=september[0], date_to=september[1]), AlertSettings()
    )
    assert 0 < len(expected) <= 5, "a handful"
    shown = [m for m in at.markdown if ":material/trending_" in m.value]
    assert len(shown) == min(12, len(expected))
    assert expected[0].headline().replace("$", "\\$") in shown[0].value
    assert "MAD" not in shown[0].value and "MAD units" in shown[0].proto.help


def test_alert_settings_are_saved_and_used(sample_app: AppTest) -> None:
    at = sample_app
    at.switch_page("pages/settings.py").run()
    threshold = next(n for n in at.number_input if n.label == "Alert at (MAD units)")
    threshold.set_value(9.5)
    at.multiselect[0].set_value(["sqls"])
    at.button[0].click().run()
    assert not at.exception
    settings = Workspace("samples").settings()
    assert settings["alert_threshold"] == 9.5 and settings["alert_kpis"] == ["sqls"]
    at.switch_page("pages/dashboard.py").run()
    assert any(e.label.startswith("What changed: 0 alert(s)") for e in at.expander)
