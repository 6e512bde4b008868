"""What a column holds, judged from its header and its values together.

The mapping suggestion only offers a column for a role its nature fits: a per-click average or a
conversion rate is never a measure to add up (the product computes those from the sums), an ID
is never summed or used as a channel, and an empty or constant column is never picked over a
filled one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kpi_core.ingest.profile import ColumnProfile

Nature = Literal["empty", "constant", "rate", "id", "money", "count", "date", "flag", "category", "text"]

# Words that make a numeric column a rate, ratio or average (matched as whole words of the
# normalised header). "Cost / conv." and "Conv. value / cost" are caught by their slash.
RATE_WORDS = frozenset(
    {
        "avg",
        "average",
        "mean",
        "median",
        "rate",
        "ratio",
        "ctr",
        "cpc",
        "cpm",
        "cpa",
        "cpl",
        "cpv",
        "cpi",
        "cpe",
        "ecpm",
        "ecpc",
        "roas",
        "roi",
        "romi",
        "aov",
        "arpu",
        "frequency",
        "percent",
        "percentage",
        "pct",
        "share",
        "position",
        "per",
        "score",
        "duration",
        "margin",
        "probability",
        "quota",
        "index",
    }
)
RATE_PHRASES = ("cost per", "value per", "revenue per", "conv value cost", "cost conv", "bounce")
ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "key", "hash", "sku", "number", "no", "zip", "postcode"})
MONEY_WORDS = frozenset(
    {
        "cost",
        "costs",
        "spend",
        "spent",
        "amount",
        "revenue",
        "value",
        "budget",
        "price",
        "sales",
        "bookings",
        "investment",
        "pipeline",
        "arr",
        "mrr",
        "acv",
        "tcv",
        "income",
        "profit",
        "usd",
        "eur",
        "gbp",
        "umsatz",
        "kosten",
    }
)
# A KPI the product computes itself, by the words of a rate column's header.
COMPUTED_KPIS: tuple[tuple[str, str], ...] = (
    ("ctr", "CTR"),
    ("cpc", "CPC"),
    ("cpm", "CPM"),
    ("roas", "ROAS"),
    ("conv value cost", "ROAS"),
    ("cost conv", "cost per lead"),
    ("cost per", "the cost per result"),
    ("cpl", "CPL"),
    ("cpa", "CAC"),
    ("rate", "the conversion rates"),
    ("avg", "the averages"),
    ("average", "the averages"),
)


def split_camel(name: str) -> str:
    """'OpportunityId' -> 'Opportunity Id', 'IsWon' -> 'Is Won', 'CTR' and 'ROAS' stay whole."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return re.sub(r"(?<=[A-Z])(?=[A-Z][a-z]{2,})", " ", name)


def normalize(name: str) -> str:
    """Lower case, camelCase split, every run of non-letters/digits one space:
    'Amount spent (USD)' -> 'amount spent usd', 'LeadSource' -> 'lead source'."""
    return re.sub(r"[^0-9a-z]+", " ", split_camel(name).lower()).strip()


@dataclass(frozen=True)
class ColumnNature:
    column: str
    nature: Nature
    why: str  # a clause for the Mapping page: "is a per-click average"

    @property
    def summable(self) -> bool:
        return self.nature in ("money", "count", "flag")


def _words(normalized: str) -> set[str]:
    return set(normalized.split())


def looks_like_rate(name: str) -> bool:
    normalized = normalize(name)
    words = _words(normalized)
    return (
        "%" in name or "/" in name or bool(words & RATE_WORDS) or any(phrase in normalized for phrase in RATE_PHRASES)
    )


def looks_like_id(name: str) -> bool:
    normalized = normalize(name)
    words = normalized.split()
    return bool(words) and (words[-1] in ID_WORDS or normalized in ("id", "#"))


def looks_like_money(name: str, column: ColumnProfile) -> bool:
    return (
        column.currency is not None or bool(_words(normalize(name)) & MONEY_WORDS) or bool(re.search(r"[$€£¥₹]", name))
    )


def computed_instead(name: str) -> str:
    """Which KPI the product computes in place of a rate column ("CPC", "ROAS"...)."""
    normalized = normalize(name)
    for words, kpi in COMPUTED_KPIS:
        if f" {words} " in f" {normalized} ":
            return kpi
    return "it"


def nature_of(column: ColumnProfile, rows: int) -> ColumnNature:
    name = column.name
    if column.non_null == 0:
        return ColumnNature(name, "empty", "is empty")
    if column.type in ("number", "text") and looks_like_id(name):
        return ColumnNature(name, "id", "is an ID")
    # Constant: the same value in every row (one value in a mostly empty column is not).
    single = column.distinct == 1 or (column.type == "number" and column.min is not None and column.min == column.max)
    constant = single and (column.non_null == rows or column.min == 0)
    if constant and rows > 1:
        value = column.min if column.min is not None else (column.examples[0] if column.examples else "")
        return ColumnNature(name, "constant", f"holds one value in every row ({value})")
    if column.type == "date":
        return ColumnNature(name, "date", "holds dates")
    if column.type == "boolean":
        return ColumnNature(name, "flag", "holds yes/no values")
    if column.type == "number":
        if column.percent or looks_like_rate(name):
            what = "is written as a percentage" if column.percent else "is a rate, ratio or average"
            return ColumnNature(name, "rate", what)
        if looks_like_money(name, column):
            return ColumnNature(name, "money", "holds money to add up per row")
        return ColumnNature(name, "count", "holds counts to add up per row")
    if column.distinct is not None and column.distinct <= max(50, rows // 5):
        return ColumnNature(name, "category", "holds a few repeated labels")
    return ColumnNature(name, "text", "holds text")


def display_units(columns: list[ColumnProfile], rows: int) -> dict[str, str]:
    """How a file's columns are shown as read (kpi_core.metrics.format units): IDs as text, dates as
    days, percentages as percentages, other numbers as plain numbers, everything else as text."""
    units: dict[str, str] = {}
    for column in columns:
        nature = nature_of(column, rows).nature
        if nature == "id":
            units[column.name] = "id"
        elif column.type == "date":
            units[column.name] = "date"
        elif column.type == "number":
            units[column.name] = "percent" if column.percent else "number"
        else:
            units[column.name] = "text"
    return units
