"""Mapping: suggestions from real headers, validation messages, and canonical rows (wide sheets too)."""

from __future__ import annotations

import json

import pytest

from kpi_core.errors import InputError
from kpi_core.ingest import ingest
from kpi_core.mapping import ColumnSource, WideSource, mapping_from_dict, mapping_from_json, suggest, validate
from kpi_core.mapping.views import performance_select
from kpi_core.workspace import Workspace
from tests.conftest import SAMPLE_DATA, need_datasets


def channel_totals(ws: Workspace, dataset_id: int, measure: str) -> dict[str | None, float]:
    dataset = ws.dataset(dataset_id)
    assert dataset.mapping is not None
    sql, params = performance_select(dataset.mapping, dataset.table)
    rows = ws.con.execute(f"SELECT channel, sum({measure}) FROM ({sql}) GROUP BY ALL", params).fetchall()
    return {channel: total for channel, total in rows}


def test_robyn_wide_sheet_unpivots_to_channels() -> None:
    path = need_datasets() / "meta-robyn" / "dt_simulated_weekly.csv"
    ws = Workspace("robyn")
    dataset = ws.add_dataset(path)
    mapping = dataset.mapping
    assert mapping is not None and dataset.is_mapped
    spend = mapping.roles["spend"]
    assert isinstance(spend, WideSource)
    assert {w.channel: w.column for w in spend.columns} == {
        "TV": "tv_S",
        "OOH": "ooh_S",
        "Print": "print_S",
        "Search": "search_S",
        "Facebook": "facebook_S",
    }
    totals = channel_totals(ws, dataset.id, "spend")
    expected = {"TV": 3_087_488, "OOH": 8_989_332, "Print": 775_556, "Facebook": 446_297, "Search": 1_230_427}
    for channel, value in expected.items():
        assert totals[channel] == pytest.approx(value, abs=1)
    revenue = channel_totals(ws, dataset.id, "revenue")
    assert revenue[None] == pytest.approx(379_005_696.67, abs=0.01)  # known in total only
    assert sum(v for k, v in revenue.items() if k is not None and v is not None) == 0


def test_meridian_workbook_maps_six_channels() -> None:
    path = need_datasets() / "google-meridian" / "national_media.xlsx"
    ws = Workspace("meridian")
    dataset = ws.add_dataset(path)
    assert dataset.is_mapped
    totals = channel_totals(ws, dataset.id, "spend")
    expected = [21_294_340, 36_097_540, 30_278_522, 10_831_324, 82_361_854, 44_728_372]
    for index, value in enumerate(expected):
        assert totals[f"Channel{index}"] == pytest.approx(value, abs=1)


def test_meridian_geo_file_keeps_geo_as_a_dimension() -> None:
    path = need_datasets() / "google-meridian" / "geo_all_channels.csv"
    profile = ingest(path).profile
    mapping = suggest(profile)
    mapping.dimensions["region"] = "geo"
    assert validate(mapping, profile).ok
    ws = Workspace("geo")
    dataset = ws.add_dataset(path, mapping=mapping)
    sql, params = performance_select(dataset.mapping, dataset.table)  # type: ignore[arg-type]
    total, regions = ws.con.execute(f"SELECT sum(spend), count(DISTINCT region) FROM ({sql})", params).fetchall()[0]
    assert total == pytest.approx(219_492_402.35, abs=0.01)
    assert regions == 40


def test_facebook_export_with_a_constant_date() -> None:
    path = need_datasets() / "kaggle-facebook-ad-conversions" / "KAG_conversion_data.csv"
    profile = ingest(path).profile
    mapping = suggest(profile)
    assert not validate(mapping, profile).ok  # no date column
    data = mapping.to_dict()
    data["roles"]["date"] = {"value": "2017-08-01"}
    data["roles"]["channel"] = {"value": "Meta Ads"}
    mapping = mapping_from_dict(data)
    assert validate(mapping, profile).ok
    ws = Workspace("kag")
    dataset = ws.add_dataset(path, mapping=mapping)
    sql, params = performance_select(dataset.mapping, dataset.table)  # type: ignore[arg-type]
    row = ws.con.execute(
        f"SELECT min(date), max(channel), sum(impressions), sum(clicks), sum(spend), sum(leads), sum(customers) FROM ({sql})",
        params,
    ).fetchall()[0]
    assert str(row[0]) == "2017-08-01" and row[1] == "Meta Ads"
    assert row[2:] == pytest.approx((213_434_828, 38_165, 58_705.23, 3_264, 1_079), abs=0.01)


def test_suggestions_for_real_exports() -> None:
    linkedin = suggest(ingest(SAMPLE_DATA / "linkedin_campaign_performance.xlsx").profile)
    assert linkedin.roles["spend"] == ColumnSource("Total Spent")
    assert linkedin.roles["date"] == ColumnSource("Start Date (in UTC)")
    deals = suggest(ingest(SAMPLE_DATA / "crm_deals.csv").profile)
    assert deals.kind == "deals" and deals.roles["close_date"] == ColumnSource("Close date")
    touches = suggest(ingest(SAMPLE_DATA / "touchpoints.csv").profile)
    assert touches.kind == "touchpoints"
    test = suggest(ingest(SAMPLE_DATA / "ab_test_landing_page.csv").profile)
    assert test.kind == "experiment" and test.roles["users"] == ColumnSource("Users")


def test_validation_says_what_to_fix() -> None:
    profile = ingest(SAMPLE_DATA / "campaign_sheet.csv").profile
    mapping = mapping_from_dict(
        {"kind": "performance", "roles": {"date": "Channel", "spend": "Campaign", "clicks": "Klicks"}}
    )
    errors = " ".join(validate(mapping, profile).errors)
    assert "'Channel' (role date) does not hold dates" in errors
    assert "'Campaign' (role spend) is not numeric" in errors
    assert "Column 'Klicks' (role clicks) is not in campaign_sheet.csv" in errors


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"version": 2, "kind": "performance", "roles": {}}),
        json.dumps({"kind": "bogus", "roles": {}}),
        json.dumps({"kind": "performance", "roles": {"romi": "x"}}),
        json.dumps({"kind": "performance", "roles": {"spend": 5}}),
        json.dumps({"kind": "performance", "roles": {"spend": [{"column": "a"}]}}),
        json.dumps({"kind": "performance", "roles": {}, "dimensions": {"channel": "Region"}}),
    ],
)
def test_malformed_mapping_files_are_refused_clearly(text: str) -> None:
    with pytest.raises(InputError) as caught:
        mapping_from_json(text)
    assert str(caught.value).startswith("mapping:")


def test_mapping_json_round_trips_in_the_documented_format() -> None:
    document = {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": "Week",
            "channel": {"value": "LinkedIn Ads"},
            "campaign": "Campaign name",
            "spend": "Amount spent (USD)",
            "impressions": "Impressions",
            "clicks": "Clicks",
            "leads": "Leads",
            "revenue": "Closed won amount",
        },
        "dimensions": {"region": "Region"},
        "settings": {"gross_margin": 1.0, "customer_lifetime_years": 3, "currency": "USD"},
    }
    assert mapping_from_dict(document).to_dict() == document


def test_an_extra_dimension_named_like_a_role_gets_a_suffix() -> None:
    from kpi_core.mapping.model import dimension_name

    assert dimension_name("Region ", "performance") == "region"
    assert dimension_name("Spend", "performance") == "spend_dimension"
