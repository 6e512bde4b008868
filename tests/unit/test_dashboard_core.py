"""The shapes behind the dashboard: tiles, funnel, trend with last year, correlation, exports."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy import stats

from kpi_core.metrics import KpiRequest
from kpi_core.metrics.format import format_value
from kpi_core.metrics.registry import BY_ID
from kpi_core.metrics.views import funnel, tiles
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.report.export import to_csv, to_xlsx
from kpi_core.trends.correlation import correlate
from kpi_core.trends.series import kpi_series
from kpi_core.workspace import Workspace, load_samples


@pytest.fixture(scope="module")
def performance(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import os

    os.environ["ROI_WORKBENCH_HOME"] = str(tmp_path_factory.mktemp("dash"))
    ws = Workspace("dash")
    load_samples(ws)
    return workspace_performance(ws)


def test_tiles_compare_with_the_previous_period(performance) -> None:  # type: ignore[no-untyped-def]
    request = KpiRequest(date_from=date(2025, 4, 1), date_to=date(2025, 6, 30))
    found = {t.kpi.id: t for t in tiles(performance, request)}
    before = performance.compute(KpiRequest(date_from=date(2024, 12, 31), date_to=date(2025, 3, 31))).records()[0]
    now = performance.compute(request).records()[0]
    assert found["spend"].value == now["spend"] and found["spend"].previous == before["spend"]
    assert found["cac"].change == pytest.approx((now["cac"] - before["cac"]) / before["cac"])
    assert found["cac"].improved == (now["cac"] < before["cac"])  # lower is better


def test_funnel_counts_conversion_and_drop_off(performance) -> None:  # type: ignore[no-untyped-def]
    stages = funnel(performance, KpiRequest())
    assert list(stages["stage"]) == [
        "impressions",
        "clicks",
        "sessions",
        "leads",
        "mqls",
        "demo_requests",
        "sqls",
        "opportunities",
        "customers",
    ]
    totals = performance.compute(KpiRequest()).records()[0]
    row = stages.set_index("stage")
    assert row.loc["sqls", "count"] == totals["sqls"]
    assert row.loc["customers", "conversion"] == pytest.approx(totals["customers"] / totals["opportunities"])
    assert row.loc["customers", "drop_off"] == pytest.approx(1 - totals["customers"] / totals["opportunities"])
    assert row.loc["demo_requests", "label"] == "Demo requests"
    assert pd.isna(row.loc["impressions", "conversion"])


def test_trend_has_last_year_beside_it(performance) -> None:  # type: ignore[no-untyped-def]
    series = kpi_series(performance, "cpl", "month", KpiRequest(date_from=date(2025, 1, 1)))
    assert series["period"].iloc[0] == date(2025, 1, 1) and len(series) == 12
    jan_2024 = performance.compute(
        KpiRequest(kpis=("cpl",), date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
    ).records()[0]
    assert series["last_year"].iloc[0] == pytest.approx(jan_2024["cpl"])
    weekly = kpi_series(performance, "spend", "week", KpiRequest(date_from=date(2025, 3, 3)))
    assert weekly["period"].iloc[0] == date(2025, 3, 3)
    assert weekly["last_year"].notna().all()  # 52 weeks earlier is a Monday with data


def test_correlation_matches_scipy_with_a_lag(performance) -> None:  # type: ignore[no-untyped-def]
    found = correlate(performance, "spend", "sqls", "week", 3, KpiRequest())
    weekly = performance.compute(KpiRequest(kpis=("spend", "sqls"), grain="week")).frame()
    x = weekly["spend"].to_numpy()[:-3]
    y = weekly["sqls"].to_numpy()[3:]
    expected = stats.pearsonr(x, y)
    assert found.points == len(x)
    assert found.r == pytest.approx(expected.statistic, rel=1e-12)
    assert found.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_correlation_needs_enough_points(performance) -> None:  # type: ignore[no-untyped-def]
    found = correlate(
        performance, "spend", "sqls", "month", 0, KpiRequest(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31))
    )
    assert found.r is None and "periods" in (found.message or "")


def test_exports_keep_precision_and_defuse_formulas() -> None:
    frame = pd.DataFrame({"campaign": ['=HYPERLINK("http://x")', "+1 offer", "Plain"], "roas": [1 / 3, 2.5, np.nan]})
    assert "0.3333333333333333" in to_csv(frame).decode()
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx({"KPIs: by/channel?": frame}))).active
    assert sheet.title == "KPIs  by channel "
    assert sheet["A2"].value == '=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("kpi", "value", "text"),
    [
        ("spend", 1234567.891, "$1,234,568"),
        ("ctr", 0.01559, "1.6%"),
        ("roas", 4.3119, "4.31x"),
        ("cac_payback_months", 3.478, "3.5 months"),
        ("cpc", 1.9699, "$1.97"),
        ("romi", None, "—"),
        ("clv", -8490.5, "-$8,491"),
    ],
)
def test_values_read_as_people_expect(kpi: str, value: float | None, text: str) -> None:
    assert format_value(BY_ID[kpi], value, "USD") == text


def test_lag_profile_matches_scipy_at_every_lag(performance) -> None:  # type: ignore[no-untyped-def]
    from kpi_core.trends.correlation import lag_profile

    profile = lag_profile(performance, "spend", "sqls", "week", 6, KpiRequest())
    for row in profile.itertuples():
        expected = correlate(performance, "spend", "sqls", "week", int(row.lag), KpiRequest())
        assert row.points == expected.points
        assert row.r == pytest.approx(expected.r, rel=1e-9)
        assert row.p_value == pytest.approx(expected.p_value, rel=1e-6)


def test_too_few_periods_to_correlate_says_so_in_good_english() -> None:
    """A one-date export (Facebook's KAG sheet) once read "Only 1 periods have both values"."""
    from kpi_core.trends.correlation import correlate_series

    one = pd.DataFrame({"period": [date(2017, 8, 31)], "spend": [10.0], "leads": [2.0]})
    assert correlate_series(one, "spend", "leads", 0).message == "Only 1 period has both values; 6 are needed."
    two = pd.DataFrame({"period": [date(2017, 8, 24), date(2017, 8, 31)], "spend": [1.0, 2.0], "leads": [3.0, 4.0]})
    assert correlate_series(two, "spend", "leads", 0).message == "Only 2 periods have both values; 6 are needed."
