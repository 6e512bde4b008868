"""Every KPI the product knows, as data: formula, inputs, tier, stage, direction, unit, and pitfall.

Formulas are written over *sums* of the mapped measures (PRODUCT.md): a ratio over any group of
rows is the ratio of the group's sums, never a mean of per-row ratios.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tier = Literal["strategic", "operational", "tactical", "volume"]
Direction = Literal["higher", "lower"]
Unit = Literal["currency", "percent", "ratio", "count", "months", "score", "currency_per_mille"]


@dataclass(frozen=True)
class Kpi:
    id: str
    name: str
    formula: str  # shown to users
    expression: str  # over sums: {x} is sum(x); {gross_margin} and {lifetime} are settings
    inputs: tuple[str, ...]
    tier: Tier
    stage: str
    direction: Direction
    unit: Unit
    description: str
    pitfall: str
    settings: tuple[str, ...] = ()

    @property
    def is_sum(self) -> bool:
        return self.inputs == (self.id,)


def _sum(
    id: str, name: str, stage: str, unit: Unit, description: str, pitfall: str, direction: Direction = "higher"
) -> Kpi:
    return Kpi(
        id, name, f"sum of {name.lower()}", f"{{{id}}}", (id,), "volume", stage, direction, unit, description, pitfall
    )


KPIS: tuple[Kpi, ...] = (
    _sum(
        "spend",
        "Spend",
        "cost",
        "currency",
        "Money spent on marketing in the period.",
        "Spend alone says nothing about return: read it next to pipeline and revenue.",
        direction="lower",
    ),
    _sum(
        "impressions",
        "Impressions",
        "awareness",
        "count",
        "Times an ad or post was shown.",
        "A vanity metric on its own: impressions without pipeline prove nothing.",
    ),
    _sum(
        "clicks",
        "Clicks",
        "consideration",
        "count",
        "Clicks on ads, links or emails.",
        "Clicks can be bought cheaply from people who will never buy.",
    ),
    _sum(
        "sessions",
        "Sessions",
        "awareness",
        "count",
        "Visits to the website or landing pages.",
        "Traffic from the wrong audience inflates this without adding leads.",
    ),
    _sum(
        "leads",
        "Leads",
        "conversion",
        "count",
        "New contacts: form fills, sign-ups, demo requests.",
        "Lead volume hides lead quality: watch lead-to-MQL and lead-to-customer too.",
    ),
    _sum(
        "mqls",
        "MQLs",
        "conversion",
        "count",
        "Leads marketing judged ready for sales.",
        "Depends on a scoring definition that can drift; compare periods with care.",
    ),
    _sum(
        "sqls",
        "SQLs",
        "conversion",
        "count",
        "Leads sales accepted as real opportunities to pursue.",
        "Sales' acceptance criteria change; a drop may be a definition change.",
    ),
    _sum(
        "opportunities",
        "Opportunities",
        "conversion",
        "count",
        "Deals opened in the CRM.",
        "Opportunities created late in a quarter may be padding.",
    ),
    _sum(
        "customers",
        "Customers",
        "conversion",
        "count",
        "Closed-won deals / new customers.",
        "Counts deals, not their value: read next to average deal size.",
    ),
    _sum(
        "revenue",
        "Revenue",
        "value",
        "currency",
        "Closed-won amount attributed to marketing.",
        "Attribution decides which channel gets the revenue; long B2B cycles lag spend by months.",
    ),
    _sum(
        "pipeline",
        "Pipeline",
        "value",
        "currency",
        "Value of opportunities opened.",
        "Pipeline is not revenue: it still has to be won.",
    ),
    Kpi(
        "ctr",
        "Click-through rate",
        "clicks / impressions",
        "{clicks} / NULLIF({impressions}, 0)",
        ("clicks", "impressions"),
        "tactical",
        "consideration",
        "higher",
        "percent",
        "Share of impressions that got a click: how well ads and subject lines speak to the audience.",
        "A high CTR from the wrong audience brings no pipeline.",
    ),
    Kpi(
        "cpc",
        "Cost per click",
        "spend / clicks",
        "{spend} / NULLIF({clicks}, 0)",
        ("spend", "clicks"),
        "tactical",
        "consideration",
        "lower",
        "currency",
        "What one click costs.",
        "Cheap clicks are worthless if they do not convert.",
    ),
    Kpi(
        "cpm",
        "Cost per mille",
        "spend / impressions x 1000",
        "{spend} / NULLIF({impressions}, 0) * 1000",
        ("spend", "impressions"),
        "tactical",
        "awareness",
        "lower",
        "currency",
        "What a thousand impressions cost.",
        "Says nothing about who saw the ad.",
    ),
    Kpi(
        "traffic_to_lead",
        "Traffic-to-lead rate",
        "leads / sessions",
        "{leads} / NULLIF({sessions}, 0)",
        ("leads", "sessions"),
        "tactical",
        "conversion",
        "higher",
        "percent",
        "Share of visits that became leads: how well pages and offers convert.",
        "Gated content can raise it while lowering lead quality.",
    ),
    Kpi(
        "cpl",
        "Cost per lead",
        "spend / leads",
        "{spend} / NULLIF({leads}, 0)",
        ("spend", "leads"),
        "operational",
        "conversion",
        "lower",
        "currency",
        "What one lead costs.",
        "The cheapest leads are often the least likely to buy.",
    ),
    Kpi(
        "cost_per_mql",
        "Cost per MQL",
        "spend / MQLs",
        "{spend} / NULLIF({mqls}, 0)",
        ("spend", "mqls"),
        "operational",
        "conversion",
        "lower",
        "currency",
        "What one marketing-qualified lead costs.",
        "Moves with the MQL definition.",
    ),
    Kpi(
        "cost_per_sql",
        "Cost per SQL",
        "spend / SQLs",
        "{spend} / NULLIF({sqls}, 0)",
        ("spend", "sqls"),
        "operational",
        "conversion",
        "lower",
        "currency",
        "What one sales-qualified lead costs.",
        "SQLs still have to close.",
    ),
    Kpi(
        "lead_to_mql",
        "Lead-to-MQL rate",
        "MQLs / leads",
        "{mqls} / NULLIF({leads}, 0)",
        ("mqls", "leads"),
        "operational",
        "conversion",
        "higher",
        "percent",
        "Share of leads that qualify for marketing follow-up: lead quality.",
        "Counts within a period, not a cohort: long cycles blur it.",
    ),
    Kpi(
        "mql_to_sql",
        "MQL-to-SQL rate",
        "SQLs / MQLs",
        "{sqls} / NULLIF({mqls}, 0)",
        ("sqls", "mqls"),
        "operational",
        "conversion",
        "higher",
        "percent",
        "Share of MQLs sales accepts: how well marketing and sales agree on a good lead.",
        "A period ratio, not a cohort conversion.",
    ),
    Kpi(
        "sql_to_opportunity",
        "SQL-to-opportunity rate",
        "opportunities / SQLs",
        "{opportunities} / NULLIF({sqls}, 0)",
        ("opportunities", "sqls"),
        "operational",
        "conversion",
        "higher",
        "percent",
        "Share of SQLs that became opportunities.",
        "A period ratio, not a cohort conversion.",
    ),
    Kpi(
        "win_rate",
        "Win rate",
        "customers / opportunities",
        "{customers} / NULLIF({opportunities}, 0)",
        ("customers", "opportunities"),
        "operational",
        "conversion",
        "higher",
        "percent",
        "Share of opportunities won.",
        "Excludes deals still open; a short period overstates or understates it.",
    ),
    Kpi(
        "lead_to_customer",
        "Lead-to-customer rate",
        "customers / leads",
        "{customers} / NULLIF({leads}, 0)",
        ("customers", "leads"),
        "operational",
        "conversion",
        "higher",
        "percent",
        "Share of leads that became customers (lead-to-close).",
        "Long sales cycles lag it behind lead volume.",
    ),
    Kpi(
        "cac",
        "Customer acquisition cost",
        "spend / customers",
        "{spend} / NULLIF({customers}, 0)",
        ("spend", "customers"),
        "operational",
        "conversion",
        "lower",
        "currency",
        "Marketing spend per new customer.",
        "Leaves out sales cost unless it is in spend.",
    ),
    Kpi(
        "avg_deal_size",
        "Average deal size",
        "revenue / customers",
        "{revenue} / NULLIF({customers}, 0)",
        ("revenue", "customers"),
        "operational",
        "value",
        "higher",
        "currency",
        "Revenue per closed-won deal.",
        "A few large deals can swing it.",
    ),
    Kpi(
        "roas",
        "ROAS (revenue to cost)",
        "revenue / spend",
        "{revenue} / NULLIF({spend}, 0)",
        ("revenue", "spend"),
        "strategic",
        "value",
        "higher",
        "ratio",
        "Revenue per unit of spend; 5:1 is strong, under 2:1 is rarely profitable.",
        "Ignores margin: use ROMI to see profit.",
    ),
    Kpi(
        "romi",
        "ROMI",
        "(revenue x gross margin - spend) / spend",
        "({revenue} * {gross_margin} - {spend}) / NULLIF({spend}, 0)",
        ("revenue", "spend"),
        "strategic",
        "value",
        "higher",
        "percent",
        "Return on marketing investment: profit made per unit spent.",
        "Only as good as the revenue attribution and the gross margin setting.",
        ("gross_margin",),
    ),
    Kpi(
        "clv",
        "Customer lifetime value (net of CAC)",
        "average deal size x gross margin x customer lifetime (years) - CAC",
        "{revenue} / NULLIF({customers}, 0) * {gross_margin} * {lifetime} - {spend} / NULLIF({customers}, 0)",
        ("revenue", "customers", "spend"),
        "strategic",
        "value",
        "higher",
        "currency",
        "What a new customer is worth over their lifetime, after what it cost to win them.",
        "Assumes the deal size repeats every year of the lifetime setting.",
        ("gross_margin", "customer_lifetime_years"),
    ),
    Kpi(
        "ltv_to_cac",
        "LTV:CAC",
        "average deal size x gross margin x customer lifetime (years) / CAC",
        "({revenue} / NULLIF({customers}, 0) * {gross_margin} * {lifetime}) / NULLIF({spend} / NULLIF({customers}, 0), 0)",
        ("revenue", "customers", "spend"),
        "strategic",
        "value",
        "higher",
        "ratio",
        "Lifetime value per unit of acquisition cost; 3:1 is a common target.",
        "Rests on the lifetime and margin settings.",
        ("gross_margin", "customer_lifetime_years"),
    ),
    Kpi(
        "cac_payback_months",
        "CAC payback",
        "CAC / (average deal size x gross margin / 12)",
        "({spend} / NULLIF({customers}, 0)) / NULLIF({revenue} / NULLIF({customers}, 0) * {gross_margin} / 12, 0)",
        ("revenue", "customers", "spend"),
        "strategic",
        "value",
        "lower",
        "months",
        "Months of gross margin from a customer needed to earn back what acquiring them cost.",
        "Assumes revenue arrives evenly over the year.",
        ("gross_margin",),
    ),
    Kpi(
        "nps",
        "Net Promoter Score",
        "(promoters - detractors) / responses x 100",
        "({nps_promoters} - {nps_detractors}) / NULLIF({nps_responses}, 0) * 100",
        ("nps_promoters", "nps_detractors", "nps_responses"),
        "strategic",
        "retention",
        "higher",
        "score",
        "Customer loyalty from -100 to 100.",
        "Few responses make it jumpy.",
    ),
    Kpi(
        "churn_rate",
        "Churn rate",
        "churned customers / (customers + returning customers)",
        "{churned_customers} / NULLIF({customers} + {returning_customers}, 0)",
        ("churned_customers", "customers", "returning_customers"),
        "strategic",
        "retention",
        "lower",
        "percent",
        "Share of customers lost.",
        "Depends on how 'customers' is counted in the period.",
    ),
)

BY_ID: dict[str, Kpi] = {k.id: k for k in KPIS}
# Where space is short (headline tiles at 1024 px); the full name stays in the tile's help.
SHORT_NAMES = {
    "ctr": "CTR",
    "cpc": "CPC",
    "cpm": "CPM",
    "cpl": "CPL",
    "cac": "CAC",
    "roas": "ROAS",
    "clv": "CLV (net)",
    "avg_deal_size": "Avg deal size",
    "traffic_to_lead": "Visit to lead",
    "lead_to_customer": "Lead to customer",
    "nps": "NPS",
}


def short_name(kpi: Kpi) -> str:
    return SHORT_NAMES.get(kpi.id, kpi.name)


KPI_ORDER: tuple[str, ...] = tuple(k.id for k in KPIS)
STRATEGIC: tuple[str, ...] = tuple(k.id for k in KPIS if k.tier == "strategic")


def available(measures: set[str]) -> list[Kpi]:
    """KPIs whose every input is mapped, in the order of PRODUCT.md's table."""
    return [k for k in KPIS if set(k.inputs) <= measures]
