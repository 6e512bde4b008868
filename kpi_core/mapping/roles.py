"""The roles a source column can play, per dataset kind (see PRODUCT.md, "Roles")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["performance", "deals", "touchpoints", "experiment"]
ValueType = Literal["date", "number", "text", "boolean"]
Stage = Literal["dimension", "cost", "awareness", "consideration", "conversion", "value", "retention", "outcome"]

KINDS: tuple[Kind, ...] = ("performance", "deals", "touchpoints", "experiment")
KIND_LABELS: dict[str, str] = {
    "performance": "Campaign performance (spend and funnel by period)",
    "deals": "CRM deals or leads (one row each)",
    "touchpoints": "Marketing touches (one row each)",
    "experiment": "A/B test results",
}
STAGES: tuple[Stage, ...] = ("cost", "awareness", "consideration", "conversion", "value", "retention")


@dataclass(frozen=True)
class Role:
    id: str
    label: str
    stage: Stage
    value_type: ValueType
    required: bool = False
    description: str = ""

    @property
    def is_measure(self) -> bool:
        return self.value_type == "number"


def _measure(id: str, label: str, stage: Stage, description: str = "") -> Role:
    return Role(id, label, stage, "number", description=description)


PERFORMANCE_ROLES: tuple[Role, ...] = (
    Role(
        "date",
        "Date / period",
        "dimension",
        "date",
        required=True,
        description="The day, week or month the row is about.",
    ),
    Role("channel", "Channel", "dimension", "text", description="Google Ads, LinkedIn Ads, Events, Email..."),
    Role("campaign", "Campaign", "dimension", "text"),
    _measure("spend", "Spend", "cost", "Money spent in the row's period."),
    _measure("impressions", "Impressions", "awareness"),
    _measure("reach", "Reach", "awareness"),
    _measure("sessions", "Sessions / visits", "awareness"),
    _measure("video_views", "Video views", "awareness"),
    _measure("clicks", "Clicks", "consideration"),
    _measure("engagements", "Engagements", "consideration"),
    _measure("downloads", "Downloads", "consideration"),
    _measure("leads", "Leads", "conversion", "Form fills, sign-ups, contacts created."),
    _measure("mqls", "MQLs", "conversion", "Marketing-qualified leads."),
    _measure("sqls", "SQLs", "conversion", "Sales-qualified leads."),
    _measure("opportunities", "Opportunities", "conversion"),
    _measure("customers", "Customers (closed-won)", "conversion", "New customers / closed-won deals."),
    _measure("revenue", "Revenue (closed-won)", "value", "Closed-won amount attributed to the row."),
    _measure("pipeline", "Pipeline value", "value", "Opportunity value."),
    _measure("returning_customers", "Returning customers", "retention"),
    _measure("churned_customers", "Churned customers", "retention"),
    _measure("nps_promoters", "NPS promoters", "retention"),
    _measure("nps_detractors", "NPS detractors", "retention"),
    _measure("nps_responses", "NPS responses", "retention"),
)

DEALS_ROLES: tuple[Role, ...] = (
    Role("id", "Deal / lead ID", "dimension", "text"),
    Role("created_date", "Created date", "dimension", "date", required=True),
    Role("mql_date", "MQL date", "conversion", "date"),
    Role("sql_date", "SQL date", "conversion", "date"),
    Role("opportunity_date", "Opportunity date", "conversion", "date"),
    Role("close_date", "Close date", "conversion", "date"),
    Role("status", "Stage / status", "dimension", "text"),
    _measure("amount", "Amount", "value"),
    Role("channel", "Source channel", "dimension", "text"),
    Role("campaign", "Campaign", "dimension", "text"),
)

TOUCHPOINT_ROLES: tuple[Role, ...] = (
    Role("journey_id", "Contact / account ID", "dimension", "text", required=True),
    Role("timestamp", "Timestamp", "dimension", "date", required=True),
    Role("channel", "Channel", "dimension", "text", required=True),
    Role("campaign", "Campaign", "dimension", "text"),
    Role("converted", "Converted", "outcome", "number"),
    _measure("value", "Conversion value", "value"),
)

EXPERIMENT_ROLES: tuple[Role, ...] = (
    Role("variant", "Variant", "dimension", "text", required=True),
    _measure("users", "Users / visitors", "outcome"),
    _measure("conversions", "Conversions", "outcome"),
    _measure("revenue", "Revenue", "value"),
    Role("user_id", "User ID (per-user files)", "dimension", "text"),
    Role("converted", "Converted (per-user files)", "outcome", "number"),
    Role("timestamp", "Timestamp", "dimension", "date"),
)

ROLES: dict[Kind, tuple[Role, ...]] = {
    "performance": PERFORMANCE_ROLES,
    "deals": DEALS_ROLES,
    "touchpoints": TOUCHPOINT_ROLES,
    "experiment": EXPERIMENT_ROLES,
}


def roles_of(kind: Kind) -> dict[str, Role]:
    return {role.id: role for role in ROLES[kind]}


def funnel_order() -> list[str]:
    """Performance measures in funnel order (the order of PRODUCT.md's table)."""
    return [r.id for r in PERFORMANCE_ROLES if r.is_measure]
