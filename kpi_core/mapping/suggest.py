"""Guess a mapping from a file's header and values, and say why each guess was made.

Every (role, column) pair gets a score: how well the header matches the role's synonyms (in
data/synonyms.json: exact names first, earlier names likelier, then whole-word containment), and
whether the column's nature fits the role (``columns.nature_of``: a rate is never a measure to
sum, an ID never a channel, an empty column never a pick). Pairs are then taken best first, one
column per role and one role per column, so the order of the roles does not decide.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from kpi_core.ingest.profile import ColumnProfile, Profile
from kpi_core.mapping.columns import ColumnNature, computed_instead, nature_of, normalize
from kpi_core.mapping.model import ColumnSource, ConstantSource, Mapping, Source, WideColumn, WideSource, slug
from kpi_core.mapping.roles import KIND_LABELS, Kind, Role, roles_of

WIDE_SEPARATORS = r"[_\s\-.]+"
Confidence = Literal["high", "medium", "low"]
MONEY_ROLES = frozenset({"spend", "revenue", "pipeline", "amount", "value"})
EXACT, CONTAINED = 100.0, 50.0
CLEAR_LEAD = 25.0  # a pick this far ahead of the next candidate is a confident one


@functools.lru_cache(maxsize=1)
def synonyms() -> dict[str, Any]:
    text = resources.files("kpi_core.mapping").joinpath("data/synonyms.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


@dataclass(frozen=True)
class RoleChoice:
    """Why a role got its column."""

    role: str
    column: str
    confidence: Confidence
    reason: str
    alternatives: tuple[str, ...] = ()
    confirm: str = ""  # a judgement call (the name fits, the meaning may not): why to confirm it


@dataclass(frozen=True)
class Unused:
    """A column left out of the mapping, and why (shown so nobody wonders where it went)."""

    column: str
    reason: str


@dataclass
class Suggestion:
    mapping: Mapping
    kind_reason: str
    choices: list[RoleChoice] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def uncertain_first(self) -> list[RoleChoice]:
        order = {"low": 0, "medium": 1, "high": 2}
        return sorted(self.choices, key=lambda c: order[c.confidence])

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.mapping.kind,
            "kind_reason": self.kind_reason,
            "roles": [vars(c) | {"alternatives": list(c.alternatives)} for c in self.choices],
            "unused": [vars(u) for u in self.unused],
            "notes": list(self.notes),
        }


def _fits(role: Role, column: ColumnProfile, nature: ColumnNature) -> bool:
    """Whether a column can play a role at all, by its type and nature."""
    if nature.nature == "empty":
        return False
    if role.value_type == "date":
        return column.type == "date"
    if role.value_type in ("number", "boolean"):
        if role.id == "converted":
            return column.type in ("number", "boolean") and nature.nature not in ("rate", "id")
        if column.type == "boolean":  # a yes/no per row adds up to a count (of conversions, say)
            return role.id not in MONEY_ROLES
        return column.type == "number" and nature.nature in ("money", "count", "constant")
    if role.id in ("id", "journey_id", "user_id"):
        return column.type in ("text", "number")
    return column.type == "text" and nature.nature != "id"


def _match(normalized: str, words: list[str]) -> tuple[float, str] | None:
    """The best synonym match of a header: (score, synonym), exact beating contained."""
    positive = [w for w in words if not w.startswith("!")]
    if normalized not in positive and any(_contains(normalized, w[1:]) for w in words if w.startswith("!")):
        return None
    words = positive
    for index, word in enumerate(words):
        if normalized == word.lstrip("="):
            return EXACT - index * 0.5, word.lstrip("=")
    for index, word in enumerate(words):
        if len(word) >= 4 and not word.startswith("=") and _contains(normalized, word):
            return CONTAINED - index * 0.5, word
    return None


def _contains(normalized: str, words: str) -> bool:
    return f" {words} " in f" {normalized} "


def platform_of(profile: Profile) -> tuple[str, list[str]] | None:
    """The ad platform whose export this is, told by its headers, and the headers that told."""
    names = {c.name: normalize(c.name) for c in profile.columns}
    for platform, sign in synonyms()["platforms"].items():
        if platform.startswith("_"):
            continue
        required = [next((n for n, v in names.items() if v == w), None) for w in sign["all"]]
        telling = [n for n, v in names.items() if any(_contains(v, w) for w in sign["any"])]
        if all(required) and telling:
            return platform, telling[:2]
    return None


def _adjust(role: Role, nature: ColumnNature) -> float:
    """Nature against role: money for money roles, filled over constant."""
    score = 0.0
    if nature.nature == "constant":
        score -= 40
    if role.is_measure and role.id in MONEY_ROLES:
        score += 5 if nature.nature == "money" else -10
    elif role.is_measure and nature.nature == "money":
        score -= 30  # 'Cost' is not clicks
    return score


def guess_kind(profile: Profile) -> Kind:
    return _guess_kind(profile)[0]


def _has(profile: Profile, kind: str, role: str) -> list[str]:
    words = synonyms()[kind][role]
    return [c.name for c in profile.columns if c.non_null and normalize(c.name) in words]


def _guess_kind(profile: Profile) -> tuple[Kind, str]:
    def names(found: list[str]) -> str:
        return ", ".join(f"'{n}'" for n in found[:3])

    variant = _has(profile, "experiment", "variant")
    outcome = (_has(profile, "experiment", "users") and _has(profile, "experiment", "conversions")) or _has(
        profile, "experiment", "converted"
    )
    if variant and outcome:
        return "experiment", f"It has a variant column ({names(variant)}) with users and conversions per variant."
    journey = _has(profile, "touchpoints", "journey_id")
    stamp = _has(profile, "touchpoints", "timestamp")
    touch_channel = _has(profile, "touchpoints", "channel")
    plain = {normalize(c.name) for c in profile.columns}
    if (
        journey
        and stamp
        and touch_channel
        and (_has(profile, "touchpoints", "converted") or plain & {"interaction", "touch type"})
    ):
        return "touchpoints", (
            f"One row per touch: a contact ID ({names(journey)}), a time ({names(stamp)}) and a channel "
            f"({names(touch_channel)})."
        )
    performance = [c for r in ("spend", "impressions", "clicks") for c in _has(profile, "performance", r)]
    created = _has(profile, "deals", "created_date")
    stage = [c for r in ("status", "close_date", "amount", "id") for c in _has(profile, "deals", r)]
    if created and stage and not performance:
        return "deals", (
            f"One row per lead or deal: it has {names(created + stage)} and no spend, impressions or clicks."
        )
    if performance:
        return "performance", f"It has campaign measures ({names(performance)}) to add up by period."
    return "performance", "No column says what the rows are, so it is read as campaign performance."


def suggest(profile: Profile, kind: Kind | None = None) -> Mapping:
    """A first mapping a user can accept or correct: roles by synonym, type and nature."""
    return explain(profile, kind).mapping


def explain(profile: Profile, kind: Kind | None = None) -> Suggestion:
    """The suggested mapping with the reason for each choice and for each column left out."""
    guessed, kind_reason = _guess_kind(profile)
    if kind is not None and kind != guessed:
        kind_reason = f"You chose {KIND_LABELS[kind].lower()}."
    kind = kind or guessed
    roles = roles_of(kind)
    table = synonyms()[kind]
    natures = {c.name: nature_of(c, profile.rows) for c in profile.columns}
    assigned: dict[str, Source] = {}
    choices: list[RoleChoice] = []
    used: set[str] = set()

    if kind == "performance":
        for wide_role, source in _wide_roles(profile, natures).items():
            assigned[wide_role] = source
            used |= {w.column for w in source.columns}
            choices.append(
                RoleChoice(
                    wide_role,
                    ", ".join(w.column for w in source.columns),
                    "medium",
                    f"One {wide_role} column per channel ({', '.join(w.channel for w in source.columns[:4])}"
                    f"{'...' if len(source.columns) > 4 else ''}): the sheet is read as one row per channel.",
                )
            )

    candidates: list[tuple[float, str, str, str]] = []  # (score, role, column, synonym)
    for column in profile.columns:
        if column.name in used:
            continue
        normalized = normalize(column.name)
        nature = natures[column.name]
        for role_id, role in roles.items():
            if role_id in assigned or not _fits(role, column, nature):
                continue
            found = _match(normalized, table.get(role_id, []))
            if found is not None and found[0] < CONTAINED + 1 and nature.nature == "constant" and column.min == 0:
                continue  # zero in every row and only a look-alike name ('Event Revenue'): not the amount
            if found is not None:
                candidates.append((found[0] + _adjust(role, nature), role_id, column.name, found[1]))
    candidates.sort(key=lambda c: -c[0])
    by_role: dict[str, list[tuple[float, str, str, str]]] = {}
    for candidate in candidates:
        by_role.setdefault(candidate[1], []).append(candidate)
    for score, role_id, column_name, word in candidates:
        if role_id in assigned or column_name in used:
            continue
        assigned[role_id] = ColumnSource(column_name)
        used.add(column_name)
        others = [c for c in by_role[role_id] if c[2] != column_name and c[2] not in used]
        choices.append(_choice(roles[role_id], column_name, word, score, others, natures[column_name]))

    if kind == "performance":
        _platform_rules(profile, assigned, choices)
    dimensions = _dimensions(profile, roles, natures, used)
    ordered = {r: assigned[r] for r in roles if r in assigned}
    mapping = Mapping(kind=kind, roles=ordered, dimensions=dimensions, sheet=profile.sheet, table=profile.table_number)
    currency, currency_notes = _currency(profile, mapping, natures)
    if currency:
        mapping.settings["currency"] = currency
    role_order = list(roles)
    choices.sort(key=lambda c: role_order.index(c.role))
    unused = [u for u in _unused(profile, mapping, natures) if u.column not in currency_columns(profile)]
    unused += [
        Unused(c.name, f"'{c.name}' says which currency the amounts are in: it sets the mapping's currency.")
        for c in profile.columns
        if c.name in currency_columns(profile)
    ]
    return Suggestion(mapping, kind_reason, choices, unused, currency_notes)


def _platform_rules(profile: Profile, assigned: dict[str, Source], choices: list[RoleChoice]) -> None:
    """An ad platform's export without a channel column is that channel in every row; its
    'Interactions' count the clicks again where a Clicks column is mapped."""
    engagements = assigned.get("engagements")
    if (
        "clicks" in assigned
        and isinstance(engagements, ColumnSource)
        and normalize(engagements.column) == "interactions"
    ):
        del assigned["engagements"]
        choices[:] = [c for c in choices if c.role != "engagements"]
    platform = platform_of(profile)
    if platform is None:
        return
    channel = assigned.get("channel")
    if isinstance(channel, ColumnSource) and "channel" in normalize(channel.column):
        return  # the export says its channel per row
    name, telling = platform
    choices[:] = [c for c in choices if c.role != "channel"]  # a Google Ads 'Source' is the asset's source
    assigned["channel"] = ConstantSource(name)
    choices.append(
        RoleChoice(
            "channel",
            name,
            "medium",
            f"No column names the channel, and headers such as {', '.join(repr(t) for t in telling)} are "
            f"{name}' own, so every row is {name}.",
        )
    )


def _choice(
    role: Role,
    column: str,
    word: str,
    score: float,
    others: list[tuple[float, str, str, str]],
    nature: ColumnNature,
) -> RoleChoice:
    exact = normalize(column) == word
    close = [o for o in others if o[0] > score - CLEAR_LEAD]
    if exact and not close and nature.nature != "constant":
        confidence: Confidence = "high"
    elif exact or score >= CONTAINED - 10:
        confidence = "medium"
    else:
        confidence = "low"
    confirm = synonyms()["judgement_calls"].get(role.id, {}).get(word, "")
    if confirm and confidence == "high":
        confidence = "medium"
    how = f"is named like {role.label.lower()}" if exact else f"has '{word}' in its name"
    reason = f"'{column}' {how} and {nature.why}."
    if close:
        reason += " Also possible: " + ", ".join(f"'{o[2]}'" for o in close[:3]) + "."
    return RoleChoice(role.id, column, confidence, reason, tuple(o[2] for o in others[:5]), confirm)


DIMENSION_WORDS = {
    "region",
    "country",
    "geo",
    "market",
    "segment",
    "product",
    "industry",
    "ad group",
    "ad set",
    "ad set name",
    "ad group name",
    "device",
    "age",
    "gender",
    "language",
    "campaign group",
    "team",
    "owner",
    "sales agent",
    "business unit",
    "persona",
    "funnel",
    "objective",
    "placement",
    "keyword",
    "interest",
    "state",
    "city",
    "search term",
    "query",
    "top queries",
    "landing page",
    "page",
    "ad name",
    "ad",
    "match type",
    "campaign type",
    "network",
    "account",
    "deal owner",
    "pipeline",
    "ad type",
    "asset",
    "location",
    "asset type",
    "company",
    "event name",
    "page path and screen class",
    "page title",
    "business name",
    "lead status",
    "forecast category name",
    "stage category",
    "sector",
    "account name",
    "product name",
}


def _dimensions(
    profile: Profile, roles: dict[str, Role], natures: dict[str, ColumnNature], used: set[str]
) -> dict[str, str]:
    dimensions: dict[str, str] = {}
    for column in profile.columns:
        if column.name in used or column.type != "text" or natures[column.name].nature in ("empty", "constant", "id"):
            continue
        if normalize(column.name) in DIMENSION_WORDS:
            dimension = slug(column.name)
            if dimension not in roles and dimension not in dimensions:
                dimensions[dimension] = column.name
                used.add(column.name)
    return dimensions


def _unused(profile: Profile, mapping: Mapping, natures: dict[str, ColumnNature]) -> list[Unused]:
    taken = set(mapping.columns_used())
    unused = []
    for column in profile.columns:
        if column.name in taken:
            continue
        nature = natures[column.name]
        if nature.nature == "rate":
            reason = (
                f"'{column.name}' {nature.why}, not used: we compute {computed_instead(column.name)} ourselves "
                "from your sums (an average of averages would be wrong)."
            )
        elif nature.nature == "id":
            reason = f"'{column.name}' {nature.why}: not added up and not a breakdown."
        elif nature.nature in ("empty", "constant"):
            reason = f"'{column.name}' {nature.why}: nothing to break down or add up."
        else:
            reason = f"'{column.name}' {nature.why}; no role was found for it (pick one if it has one)."
        unused.append(Unused(column.name, reason))
    return unused


CURRENCY_COLUMNS = frozenset({"currency", "currency code", "currency iso code", "account currency", "currency code 2"})


def currency_columns(profile: Profile) -> set[str]:
    return {c.name for c in profile.columns if normalize(c.name) in CURRENCY_COLUMNS}


CURRENCY_CODES = frozenset(
    {
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "JPY",
        "CNY",
        "INR",
        "BRL",
        "MXN",
        "PLN",
        "SEK",
        "NOK",
        "DKK",
        "CZK",
        "HUF",
        "TRY",
        "ZAR",
        "SGD",
        "HKD",
        "KRW",
        "ILS",
        "AED",
        "SAR",
        "RUB",
        "THB",
        "IDR",
        "PHP",
    }
)
CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY", "₩": "KRW", "₺": "TRY", "zł": "PLN", "R$": "BRL"}
_CODE_IN_HEADER = re.compile(r"\b([A-Z]{3})\b")


def _currency(profile: Profile, mapping: Mapping, natures: dict[str, ColumnNature]) -> tuple[str | None, list[str]]:
    """The file's currency: from a currency column, a money column's cells, or a header like 'Cost (EUR)'."""
    notes: list[str] = []
    for column in profile.columns:
        if column.name not in currency_columns(profile):
            continue
        values = [str(v).strip().upper() for v in column.examples]
        if column.distinct == 1 and values and values[0] in CURRENCY_CODES:
            return values[0], [f"Currency {values[0]}: every row of '{column.name}' says so."]
        if column.distinct and column.distinct > 1:
            notes.append(
                f"'{column.name}' holds {column.distinct} currencies: amounts in different currencies would be "
                "added up. Split the file by currency (or convert it) before reading KPIs."
            )
            return None, notes
    money = [c for c in profile.columns if c.name in mapping.columns_used() and natures[c.name].nature == "money"]
    for column in money:
        if column.currency == "mixed":
            notes.append(f"'{column.name}' mixes currencies: its amounts are not added up.")
            return None, notes
        if column.currency:
            return column.currency, [f"Currency {column.currency}: from the amounts in '{column.name}'."]
    for column in money:
        for code in _CODE_IN_HEADER.findall(column.name):
            if code in CURRENCY_CODES:
                return code, [f"Currency {code}: from the header '{column.name}'."]
        for symbol, code in CURRENCY_SYMBOLS.items():
            if symbol in column.name:
                return code, [f"Currency {code}: from the header '{column.name}'."]
    return None, notes


def _wide_roles(profile: Profile, natures: dict[str, ColumnNature]) -> dict[str, WideSource]:
    """Media-mix sheets: 'tv_S', 'Channel0_spend', 'spend_search' -> one column per channel and role."""
    suffixes: dict[str, list[str]] = {
        role: words for role, words in synonyms()["wide_suffixes"].items() if not role.startswith("_")
    }
    found: dict[str, list[WideColumn]] = {}
    for column in profile.columns:
        # 'Avg. cost' and 'Cost / conv.' are ratios, not the spend of channels 'AVG' and '/ conv'.
        if column.type != "number" or natures[column.name].nature not in ("money", "count"):
            continue
        parts = [p for p in re.split(WIDE_SEPARATORS, column.name.strip()) if p]
        if len(parts) < 2:
            continue
        for role, words in suffixes.items():
            channel_parts = None
            if parts[-1].lower() in words and (len(parts[-1]) > 1 or parts[-1].isupper()):
                channel_parts = parts[:-1]
            elif parts[0].lower() in words and len(parts[0]) > 1:
                channel_parts = parts[1:]
            if channel_parts:
                # 'search_clicks_P': the measure word inside the channel name is not part of it.
                channel_parts = [p for p in channel_parts if p.lower() not in ("clicks", "click", "spend", "cost")]
                if channel_parts and all(re.search(r"[0-9A-Za-z]", p) for p in channel_parts):
                    found.setdefault(role, []).append(WideColumn(column.name, _channel_label(channel_parts)))
                break
    spend_channels = {w.channel for w in found.get("spend", [])}
    if len(spend_channels) < 2:
        return {}
    return {role: WideSource(tuple(columns)) for role, columns in found.items() if len(columns) >= 1}


def _channel_label(parts: list[str]) -> str:
    words = [p.upper() if len(p) <= 3 and p.isalpha() else (p[:1].upper() + p[1:]) for p in parts]
    return " ".join(words)
