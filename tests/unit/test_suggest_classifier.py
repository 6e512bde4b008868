"""The mapping suggestion on the shapes real exports have: ratio columns, empty look-alikes,
camelCase CRM names, currencies. Each file is written here as a platform writes it."""

from __future__ import annotations

from kpi_core.ingest import ingest
from kpi_core.mapping.columns import nature_of, normalize
from kpi_core.mapping.model import ColumnSource, ConstantSource, WideSource
from kpi_core.mapping.suggest import explain, suggest


def _profile(text: str, name: str = "export.csv"):
    return ingest(text.encode("utf-8"), name=name).profile


def _columns(mapping) -> dict[str, str]:
    return {r: s.column for r, s in mapping.roles.items() if isinstance(s, ColumnSource)}


GOOGLE_ADS = """Campaign report
"January 1, 2024 - January 3, 2024"
Day,Campaign,Campaign type,Currency code,Cost,Impr.,Clicks,CTR,Avg. CPC,Avg. cost,Conversions,Cost / conv.,Conv. rate,Conv. value,Conv. value / cost,Conv. (Platform Comparable)
2024-01-01,Brand,Search,EUR,120.50,1000,50,5.00%,2.41,2.41,5.00,24.10,10.00%,600.00,4.98,5.00
2024-01-02,Brand,Search,EUR,80.00,800,40,5.00%,2.00,2.00,2.00,40.00,5.00%,200.00,2.50,2.00
2024-01-03,Generic,Search,EUR,200.00,4000,80,2.00%,2.50,2.50,4.00,50.00,5.00%,500.00,2.50,4.00
"""


def test_google_ads_cost_is_spend_and_ratios_are_never_summed() -> None:
    suggestion = explain(_profile(GOOGLE_ADS))
    mapping = suggestion.mapping
    assert mapping.kind == "performance"
    assert not any(isinstance(s, WideSource) for s in mapping.roles.values())
    assert _columns(mapping) == {
        "date": "Day",
        "campaign": "Campaign",
        "spend": "Cost",
        "impressions": "Impr.",
        "clicks": "Clicks",
        "leads": "Conversions",
        "revenue": "Conv. value",
    }
    assert mapping.settings["currency"] == "EUR"
    reasons = {u.column: u.reason for u in suggestion.unused}
    for ratio in ("CTR", "Avg. CPC", "Avg. cost", "Cost / conv.", "Conv. rate", "Conv. value / cost"):
        assert "we compute" in reasons[ratio], ratio
    assert "CPC" in reasons["Avg. CPC"] and "ROAS" in reasons["Conv. value / cost"]
    # A number column is never the channel, however its header reads: the export's platform is.
    assert mapping.roles["channel"] == ConstantSource("Google Ads")


def test_every_choice_says_why_and_uncertain_ones_come_first() -> None:
    suggestion = explain(_profile(GOOGLE_ADS))
    by_role = {c.role: c for c in suggestion.choices}
    assert by_role["spend"].confidence == "high"
    assert "'Cost' is named like spend" in by_role["spend"].reason
    assert "money" in by_role["spend"].reason
    order = [c.confidence for c in suggestion.uncertain_first()]
    assert order == sorted(order, key=["low", "medium", "high"].index)


HUBSPOT_CONTACTS = """Record ID,Create Date,Status,Lifecycle Stage,Chat Assistant Source,Original Traffic Source,Event Revenue
101,2024-01-03 10:00,,lead,,Organic Search,0
102,2024-01-05 11:30,,marketingqualifiedlead,,Paid Search,0
103,2024-01-09 09:15,,customer,,Paid Social,0
104,2024-02-01 16:45,,lead,,Organic Search,0
"""


def test_empty_and_all_zero_look_alikes_are_not_picked() -> None:
    mapping = suggest(_profile(HUBSPOT_CONTACTS))
    assert mapping.kind == "deals"
    columns = _columns(mapping)
    assert columns["status"] == "Lifecycle Stage"
    assert columns["channel"] == "Original Traffic Source"
    assert columns["created_date"] == "Create Date"
    assert columns["id"] == "Record ID"
    assert "amount" not in columns  # Event Revenue is 0 in every row


SALESFORCE = """OpportunityId,CreatedDate,CloseDate,StageName,Amount,LeadSource,IsWon
006A1,2021-01-05,2021-02-10,Closed Won,12000,Web,true
006A2,2021-01-07,2021-03-01,Closed Lost,8000,Partner Referral,false
006A3,2021-02-11,2021-04-20,Closed Won,15000,Web,true
"""


def test_camel_case_crm_names_match_without_being_told_the_kind() -> None:
    suggestion = explain(_profile(SALESFORCE))
    assert suggestion.mapping.kind == "deals"
    assert "no spend" in suggestion.kind_reason
    assert _columns(suggestion.mapping) == {
        "id": "OpportunityId",
        "created_date": "CreatedDate",
        "close_date": "CloseDate",
        "status": "StageName",
        "amount": "Amount",
        "channel": "LeadSource",
    }


def test_currency_from_a_header() -> None:
    profile = _profile(
        "Reporting starts,Campaign name,Amount spent (INR),Impressions\n2024-01-01,A,1000,50\n2024-01-02,B,900,40\n"
    )
    mapping = suggest(profile)
    assert _columns(mapping)["spend"] == "Amount spent (INR)"
    assert mapping.settings["currency"] == "INR"


def test_mixed_currency_column_is_said_and_no_currency_is_set() -> None:
    text = "Day,Currency,Cost\n2024-01-01,USD,10\n2024-01-02,EUR,20\n2024-01-03,CAD,30\n"
    suggestion = explain(_profile(text))
    assert "currency" not in suggestion.mapping.settings
    assert any("3 currencies" in n for n in suggestion.notes)


def test_normalize_splits_camel_case_but_keeps_acronyms() -> None:
    assert normalize("OpportunityId") == "opportunity id"
    assert normalize("IsWon") == "is won"
    assert normalize("CTR") == "ctr"
    assert normalize("ROASValue") == "roas value"
    assert normalize("Amount spent (USD)") == "amount spent usd"


def test_natures_from_values() -> None:
    profile = _profile("Day,Impr. share,Clicks,Order ID,Note\n2024-01-01,10%,5,A1,x\n2024-01-02,20%,6,A2,x\n")
    natures = {c.name: nature_of(c, profile.rows).nature for c in profile.columns}
    assert natures == {"Day": "date", "Impr. share": "rate", "Clicks": "count", "Order ID": "id", "Note": "constant"}
