"""Every KPI against an independent pandas computation: totals, by channel, by month, by channel x
quarter, with filters; zero denominators give empty values."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from kpi_core.errors import InputError
from kpi_core.metrics import KPI_ORDER, KpiRequest
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.workspace import Workspace, load_samples
from tests.conftest import SAMPLE_DATA, need_datasets
from tests.unit.test_cli import run_cli

GROSS_MARGIN, LIFETIME = 0.8, 3.0  # the sample mappings' settings


def reference_kpis(sums: pd.DataFrame, margin: float, lifetime: float) -> pd.DataFrame:
    """The PRODUCT.md formulas, written out again over a frame of sums (one row per group)."""

    def div(a: pd.Series, b: pd.Series) -> pd.Series:
        return a / b.where(b != 0)

    s = sums
    out = pd.DataFrame(index=s.index)
    for measure in (
        "spend",
        "impressions",
        "clicks",
        "sessions",
        "leads",
        "mqls",
        "sqls",
        "opportunities",
        "customers",
        "revenue",
        "pipeline",
    ):
        if measure in s:
            out[measure] = s[measure]
    pairs = {
        "ctr": ("clicks", "impressions"),
        "cpc": ("spend", "clicks"),
        "traffic_to_lead": ("leads", "sessions"),
        "cpl": ("spend", "leads"),
        "cost_per_mql": ("spend", "mqls"),
        "cost_per_sql": ("spend", "sqls"),
        "lead_to_mql": ("mqls", "leads"),
        "mql_to_sql": ("sqls", "mqls"),
        "sql_to_opportunity": ("opportunities", "sqls"),
        "win_rate": ("customers", "opportunities"),
        "lead_to_customer": ("customers", "leads"),
        "cac": ("spend", "customers"),
        "avg_deal_size": ("revenue", "customers"),
        "roas": ("revenue", "spend"),
    }
    for kpi, (top, bottom) in pairs.items():
        if top in s and bottom in s:
            out[kpi] = div(s[top], s[bottom])
    if "spend" in s and "impressions" in s:
        out["cpm"] = div(s["spend"], s["impressions"]) * 1000
    if "revenue" in s and "spend" in s:
        out["romi"] = div(s["revenue"] * margin - s["spend"], s["spend"])
    if {"revenue", "customers", "spend"} <= set(s):
        deal, cac = div(s["revenue"], s["customers"]), div(s["spend"], s["customers"])
        out["clv"] = deal * margin * lifetime - cac
        out["ltv_to_cac"] = div(deal * margin * lifetime, cac)
        out["cac_payback_months"] = div(cac, deal * margin / 12)
    return out


def sample_rows() -> pd.DataFrame:
    """The four sample performance files, read with pandas and stacked by hand."""

    def read(name: str, **kwargs: object) -> pd.DataFrame:
        return pd.read_csv(SAMPLE_DATA / name, keep_default_na=False, na_values=[""], **kwargs)

    google = read("google_ads_campaign_report.csv", skiprows=2, thousands=",")
    google = google[~google["Campaign"].str.startswith("Total")]
    google = pd.DataFrame(
        {
            "date": google["Week"],
            "channel": "Google Ads",
            "campaign": google["Campaign"],
            "spend": pd.to_numeric(google["Cost"]),
            "impressions": pd.to_numeric(google["Impr."]),
            "clicks": pd.to_numeric(google["Clicks"]),
        }
    )
    linkedin = pd.read_excel(
        SAMPLE_DATA / "linkedin_campaign_performance.xlsx", sheet_name="Campaign Performance", header=4
    )
    linkedin = linkedin[linkedin["Campaign Name"].notna() & (linkedin["Start Date (in UTC)"] != "Total")]
    spent = linkedin["Total Spent"].map(lambda v: float(str(v).replace("$", "").replace(",", "")))
    linkedin = pd.DataFrame(
        {
            "date": pd.to_datetime(linkedin["Start Date (in UTC)"]).dt.strftime("%Y-%m-%d"),
            "channel": "LinkedIn Ads",
            "campaign": linkedin["Campaign Name"],
            "spend": spent,
            "impressions": linkedin["Impressions"].astype(float),
            "clicks": linkedin["Clicks"].astype(float),
        }
    )
    sheet = read("campaign_sheet.csv").rename(columns=str.lower)
    sheet = sheet.rename(columns={"week": "date"})[
        ["date", "channel", "campaign", "region", "spend", "impressions", "clicks", "sessions"]
    ]
    crm = read("crm_funnel_rollup.csv").rename(
        columns={
            "Week": "date",
            "Channel": "channel",
            "Campaign": "campaign",
            "Leads": "leads",
            "MQLs": "mqls",
            "SQLs": "sqls",
            "Opportunities": "opportunities",
            "Closed won deals": "customers",
            "Pipeline value": "pipeline",
            "Closed won amount": "revenue",
        }
    )[["date", "channel", "campaign", "leads", "mqls", "sqls", "opportunities", "customers", "pipeline", "revenue"]]
    rows = pd.concat([google, linkedin, sheet, crm], ignore_index=True)
    rows["date"] = pd.to_datetime(rows["date"])
    return rows


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    import os

    os.environ["ROI_WORKBENCH_HOME"] = str(tmp_path_factory.mktemp("kpi-ws"))
    ws = Workspace("kpis")
    load_samples(ws)
    return ws


def grouped_sums(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    measures = [c for c in rows.columns if c not in ("date", "channel", "campaign", "region", "period")]
    if not keys:
        return rows[measures].sum(min_count=1).to_frame().T
    return rows.groupby(keys, dropna=False)[measures].sum(min_count=1)


def assert_matches(product: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    product = product.set_index(keys) if keys else product
    assert list(product.columns) == [k for k in KPI_ORDER if k in product.columns]
    assert set(product.columns) == set(expected.columns), set(product.columns) ^ set(expected.columns)
    assert len(product) == len(expected)
    for column in expected.columns:
        got = product[column].to_numpy(dtype=float)
        want = expected.loc[product.index if keys else expected.index, column].to_numpy(dtype=float)
        np.testing.assert_allclose(got, want, rtol=1e-9, equal_nan=True, err_msg=column)


@pytest.mark.parametrize(
    ("by", "grain"),
    [((), None), (("channel",), None), ((), "month"), (("channel",), "quarter"), (("campaign",), "year")],
)
def test_kpis_match_pandas_on_sample_data(sample_workspace: Workspace, by: tuple[str, ...], grain: str | None) -> None:
    rows = sample_rows()
    keys = list(by)
    if grain:
        rows["period"] = (
            rows["date"].dt.to_period({"month": "M", "quarter": "Q", "year": "Y"}[grain]).dt.start_time.dt.date
        )
        keys = ["period", *keys]
    expected = reference_kpis(grouped_sums(rows, keys), GROSS_MARGIN, LIFETIME)
    table = workspace_performance(sample_workspace).compute(KpiRequest(by=by, grain=grain))  # type: ignore[arg-type]
    assert_matches(table.frame(), expected, keys)


def test_filters_match_pandas(sample_workspace: Workspace) -> None:
    rows = sample_rows()
    chosen = rows[
        rows["channel"].isin(["Webinars", "LinkedIn Ads"])
        & (rows["date"] >= "2025-01-01")
        & (rows["date"] <= "2025-06-30")
    ]
    expected = reference_kpis(grouped_sums(chosen, ["channel"]), GROSS_MARGIN, LIFETIME)
    request = KpiRequest(
        by=("channel",),
        date_from=date(2025, 1, 1),
        date_to=date(2025, 6, 30),
        where={"channel": ("Webinars", "LinkedIn Ads")},
    )
    assert_matches(workspace_performance(sample_workspace).compute(request).frame(), expected, ["channel"])


def test_month_ratio_is_the_ratio_of_the_months_sums(sample_workspace: Workspace) -> None:
    performance = workspace_performance(sample_workspace)
    monthly = performance.compute(KpiRequest(grain="month", kpis=("cpl", "spend", "leads"))).frame()
    weekly = performance.compute(
        KpiRequest(grain="week", kpis=("cpl",), date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    ).frame()
    march = monthly[monthly["period"] == date(2024, 3, 1)].iloc[0]
    assert march["cpl"] == pytest.approx(march["spend"] / march["leads"], rel=1e-12)
    assert march["cpl"] != pytest.approx(weekly["cpl"].mean(), rel=1e-6)  # not a mean of weekly ratios


def test_zero_denominators_are_empty(sample_workspace: Workspace) -> None:
    performance = workspace_performance(sample_workspace)
    table = performance.compute(
        KpiRequest(by=("campaign",), where={"channel": ("Email",)}, kpis=("spend", "cpl", "roas", "romi"))
    )
    frame = table.frame()
    assert frame["spend"].min() >= 0
    weeks = performance.compute(
        KpiRequest(
            grain="week",
            by=("campaign",),
            where={"campaign": ("Email - Newsletter",)},
            kpis=("spend", "customers", "roas", "romi", "cac"),
        )
    )
    zero = [r for r in weeks.records() if r["spend"] == 0]
    assert zero, "the sample has zero-spend newsletter weeks"
    assert all(r["roas"] is None and r["romi"] is None for r in zero)
    assert all((r["cac"] is None) == (r["customers"] == 0) for r in weeks.records())
    assert not any(
        isinstance(v, float) and (math.isinf(v) or math.isnan(v)) for r in weeks.records() for v in r.values()
    )


def test_unmapped_inputs_mean_no_kpi(sample_workspace: Workspace) -> None:
    table = workspace_performance(sample_workspace).compute(KpiRequest())
    assert "nps" not in table.columns and "churn_rate" not in table.columns
    with pytest.raises(InputError):
        workspace_performance(sample_workspace).compute(KpiRequest(by=("geo",)))


def test_cli_gives_the_same_numbers_as_pandas() -> None:
    result = run_cli(
        "kpis",
        str(SAMPLE_DATA / "crm_funnel_rollup.csv"),
        "--mapping",
        str(SAMPLE_DATA / "mappings" / "crm_funnel_rollup.json"),
        "--by",
        "channel",
        "--grain",
        "quarter",
        "--where",
        "channel=Events",
        "--where",
        "channel=Email",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert list(records[0])[:2] == ["period", "channel"]
    rows = sample_rows()
    crm = rows[rows["leads"].notna() & rows["channel"].isin(["Events", "Email"])].drop(
        columns=["spend", "impressions", "clicks", "sessions", "region"]
    )
    crm["period"] = crm["date"].dt.to_period("Q").dt.start_time.dt.date.astype(str)
    expected = reference_kpis(grouped_sums(crm, ["period", "channel"]), GROSS_MARGIN, LIFETIME)
    product = pd.DataFrame(records)
    assert_matches(product, expected, ["period", "channel"])


def test_cli_csv_has_full_precision_and_iso_periods() -> None:
    result = run_cli(
        "kpis",
        str(SAMPLE_DATA / "campaign_sheet.csv"),
        "--mapping",
        str(SAMPLE_DATA / "mappings" / "campaign_sheet.json"),
        "--grain",
        "week",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("period,spend,impressions,clicks,sessions,ctr")
    first = lines[1].split(",")
    assert first[0] == "2024-01-01" and date.fromisoformat(first[0]).weekday() == 0
    assert len(first[5].split(".")[1]) > 6  # not rounded


@pytest.mark.parametrize(
    "extra",
    [
        ("--by", "region"),
        ("--grain", "decade"),
        ("--from", "2025-13-01"),
        ("--from", "2025-06-01", "--to", "2025-01-01"),
        ("--where", "channel"),
        ("--where", "geo=EMEA"),
    ],
)
def test_cli_kpis_bad_input(extra: tuple[str, ...]) -> None:
    result = run_cli(
        "kpis",
        str(SAMPLE_DATA / "crm_funnel_rollup.csv"),
        "--mapping",
        str(SAMPLE_DATA / "mappings" / "crm_funnel_rollup.json"),
        *extra,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


def test_cli_kpis_mapping_with_a_missing_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mapping = json.loads((SAMPLE_DATA / "mappings" / "crm_funnel_rollup.json").read_text())
    mapping["roles"]["sqls"] = "SQL count"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(mapping))
    result = run_cli("kpis", str(SAMPLE_DATA / "crm_funnel_rollup.csv"), "--mapping", str(path))
    assert result.returncode == 2 and "SQL count" in result.stderr


def test_kpis_on_the_facebook_export_match_the_readme_oracles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = need_datasets() / "kaggle-facebook-ad-conversions" / "KAG_conversion_data.csv"
    mapping = {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": {"value": "2017-08-01"},
            "channel": {"value": "Meta Ads"},
            "campaign": "xyz_campaign_id",
            "spend": "Spent",
            "impressions": "Impressions",
            "clicks": "Clicks",
            "leads": "Total_Conversion",
            "customers": "Approved_Conversion",
        },
        "dimensions": {"age": "age", "gender": "gender"},
    }
    mapping_path = tmp_path / "kag.json"
    mapping_path.write_text(json.dumps(mapping))
    result = run_cli("kpis", str(path), "--mapping", str(mapping_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    total = json.loads(result.stdout)[0]
    assert total["ctr"] == pytest.approx(0.00017881, rel=1e-4)
    assert total["cpc"] == pytest.approx(1.5382, rel=1e-4)
    assert total["cpl"] == pytest.approx(17.9857, rel=1e-5)
    assert total["cac"] == pytest.approx(54.4071, rel=1e-5)
    by_campaign = json.loads(
        run_cli("kpis", str(path), "--mapping", str(mapping_path), "--by", "campaign", "--format", "json").stdout
    )
    assert {r["campaign"]: r["spend"] for r in by_campaign} == pytest.approx(
        {"916": 149.71, "936": 2893.37, "1178": 55662.15}, abs=0.01
    )


def test_robyn_blended_roas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = need_datasets() / "meta-robyn" / "dt_simulated_weekly.csv"
    mapping_path = tmp_path / "robyn.json"
    mapping_path.write_text(run_cli("suggest-mapping", str(path)).stdout)
    total = json.loads(run_cli("kpis", str(path), "--mapping", str(mapping_path), "--format", "json").stdout)[0]
    assert total["roas"] == pytest.approx(26.09, abs=0.005)
    channels = json.loads(
        run_cli("kpis", str(path), "--mapping", str(mapping_path), "--by", "channel", "--format", "json").stdout
    )
    tv = next(r for r in channels if r["channel"] == "TV")
    assert tv["spend"] == pytest.approx(3_087_488, abs=1) and tv["roas"] is None  # revenue is only known in total


def test_kpis_match_pandas_on_the_messy_campaign_sheet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A real, messy public file: KPIs by channel x quarter, and by month with a channel filter."""
    path = need_datasets() / "messy-marketing-campaigns" / "marketing_campaign_data_messy.csv"
    ws = Workspace("messy")
    mapping = {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": "End_Date",
            "channel": "Channel",
            "campaign": "Campaign_Name",
            "spend": "Spend",
            "impressions": "Impressions",
            "clicks": "Clicks",
            "leads": "Conversions",
        },
    }
    dataset = ws.add_dataset(path)
    assert ws.set_mapping(dataset.id, mapping).ok
    raw = pd.read_csv(path, keep_default_na=False, na_values=[""])
    raw.columns = [c.strip() for c in raw.columns]
    rows = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["End_Date"]),
            "channel": raw["Channel"].where(raw["Channel"] != "", None),
            "spend": pd.to_numeric(raw["Spend"].astype(str).str.replace("$", "", regex=False)),
            "impressions": raw["Impressions"].astype(float),
            "clicks": raw.iloc[:, 6].astype(float),  # the first of the two 'Clicks' columns
            "leads": raw["Conversions"].astype(float),
        }
    )
    rows["period"] = rows["date"].dt.to_period("Q").dt.start_time.dt.date
    expected = reference_kpis(grouped_sums(rows, ["period", "channel"]), 1.0, 3.0)
    table = workspace_performance(ws).compute(KpiRequest(by=("channel",), grain="quarter"))
    assert_matches(table.frame(), expected, ["period", "channel"])

    chosen = rows[rows["channel"].isin(["Email", "Facebook"])].copy()
    chosen["period"] = chosen["date"].dt.to_period("M").dt.start_time.dt.date
    expected = reference_kpis(grouped_sums(chosen, ["period"]), 1.0, 3.0)
    table = workspace_performance(ws).compute(KpiRequest(grain="month", where={"channel": ("Email", "Facebook")}))
    assert_matches(table.frame(), expected, ["period"])
