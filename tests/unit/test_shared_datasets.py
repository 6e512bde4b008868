"""Every real public file in ../shared/datasets loads with the right rows, types and sums (README oracles)."""

from __future__ import annotations

import pytest

from kpi_core.ingest import ingest
from tests.conftest import need_datasets

# file -> (rows, {column: type}, {column: sum})
ORACLES: dict[str, tuple[int, dict[str, str], dict[str, float]]] = {
    "google-meridian/national_media.xlsx": (
        156,
        {"time": "date", "Channel0_spend": "number", "conversions": "number"},
        {"Channel0_spend": 21_294_340, "Channel4_spend": 82_361_854},
    ),
    "google-meridian/geo_all_channels.csv": (
        6240,
        {"geo": "text", "time": "date", "Channel0_spend": "number", "column 1": "number"},
        {},
    ),
    "meta-robyn/dt_simulated_weekly.csv": (
        208,
        {"DATE": "date", "revenue": "number", "tv_S": "number", "events": "text"},
        {"revenue": 379_005_696.67, "tv_S": 3_087_488, "ooh_S": 8_989_332, "search_S": 1_230_427},
    ),
    "maven-crm-sales-opportunities/sales_pipeline.csv": (
        8800,
        {"deal_stage": "text", "engage_date": "date", "close_date": "date", "close_value": "number"},
        {"close_value": 10_005_534},
    ),
    "maven-crm-sales-opportunities/accounts.csv": (85, {"sector": "text", "revenue": "number"}, {}),
    "maven-crm-sales-opportunities/products.csv": (7, {"sales_price": "number"}, {}),
    "maven-crm-sales-opportunities/sales_teams.csv": (35, {"manager": "text"}, {}),
    "maven-crm-sales-opportunities/data_dictionary.csv": (21, {"Description": "text"}, {}),
    "olist-marketing-funnel/olist_marketing_qualified_leads_dataset.csv": (
        8000,
        {"first_contact_date": "date", "origin": "text"},
        {},
    ),
    "olist-marketing-funnel/olist_closed_deals_dataset.csv": (
        842,
        {"won_date": "date", "declared_monthly_revenue": "number"},
        {},
    ),
    "kaggle-facebook-ad-conversions/KAG_conversion_data.csv": (
        1143,
        {"age": "text", "Impressions": "number", "Spent": "number"},
        {
            "Impressions": 213_434_828,
            "Clicks": 38_165,
            "Spent": 58_705.23,
            "Total_Conversion": 3264,
            "Approved_Conversion": 1079,
        },
    ),
    "udacity-ab-test/ab_data.csv": (
        294_478,
        {"timestamp": "date", "group": "text", "landing_page": "text", "converted": "boolean"},
        {"converted": 17_723 + 17_514},  # a 0/1 flag: its sum is the rows where it is true
    ),
    "channelattribution-paths/Data.csv": (
        10_000,
        {"path": "text", "total_conversions": "number"},
        {"total_conversions": 19_785, "total_conversion_value": 74_802.97, "total_null": 68_602},
    ),
    "touchpoints-attribution-sample/attribution_data.csv": (
        62_483,
        {"time": "date", "channel": "text", "conversion_value": "number"},
        {"conversion": 1838, "conversion_value": 11_423.5},
    ),
    "messy-marketing-campaigns/marketing_campaign_data_messy.csv": (
        2020,
        {
            "Campaign_ID": "text",
            "Start_Date": "date",
            "End_Date": "date",
            "Spend": "number",
            "Clicks": "number",
            "Clicks (2)": "number",
            "Active": "boolean",
            "Conversions": "number",
        },
        {},
    ),
}


@pytest.mark.parametrize("relative", list(ORACLES))
def test_shared_dataset_loads(relative: str) -> None:
    path = need_datasets() / relative
    rows, types, sums = ORACLES[relative]
    result = ingest(path)
    profile = result.profile
    assert profile.rows == rows
    assert profile.header_row == 1
    for column, expected in types.items():
        assert profile.column(column).type == expected, column
    for column, expected_sum in sums.items():
        if profile.column(column).type == "boolean":
            (trues,) = result.con.execute(f'SELECT count(*) FILTER (WHERE "{column}") FROM ingested').fetchone()
            assert trues == expected_sum, column
        else:
            assert profile.column(column).sum == pytest.approx(expected_sum, abs=0.6), column
    assert not profile.dropped_rows


def test_messy_sheet_loses_nothing() -> None:
    profile = ingest(need_datasets() / "messy-marketing-campaigns" / "marketing_campaign_data_messy.csv").profile
    assert profile.column("Conversions").non_null == 2020 - 200  # the 200 blanks stay empty
    assert profile.column("Clicks (2)").non_null == 40
    assert profile.column("Start_Date").non_null == 2020  # ISO, ISO datetimes and d/m/Y all read
    assert any("duplicate" in w.lower() for w in profile.warnings)
    # 298 "$102.82"-style strings and plain numbers in one column, all read.
    assert profile.column("Spend").non_null == 2020


def test_robyn_na_strings_keep_events_as_text() -> None:
    result = ingest(need_datasets() / "meta-robyn" / "dt_simulated_weekly.csv")
    values = [r[0] for r in result.con.execute('SELECT DISTINCT "events" FROM ingested ORDER BY 1').fetchall()]
    assert values == ["event1", "event2", "na"]
