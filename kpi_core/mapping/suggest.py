"""Guess a mapping from a file's header and column types, using the synonym table in data/."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from kpi_core.ingest.profile import ColumnProfile, Profile
from kpi_core.mapping.model import ColumnSource, Mapping, Source, WideColumn, WideSource, slug
from kpi_core.mapping.roles import KINDS, Kind, Role, roles_of

DIMENSION_WORDS = {
    "region", "country", "geo", "market", "segment", "product", "industry", "ad group", "ad set",
    "device", "age", "gender", "language", "campaign group", "team", "owner", "sales agent",
    "business unit", "persona", "funnel", "objective", "placement", "keyword", "interest",
}
WIDE_SEPARATORS = r"[_\s\-.]+"


@functools.lru_cache(maxsize=1)
def synonyms() -> dict[str, Any]:
    text = resources.files("kpi_core.mapping").joinpath("data/synonyms.json").read_text(encoding="utf-8")
    return json.loads(text)


def normalize(name: str) -> str:
    """Lower case, every run of non-letters/digits one space: 'Amount spent (USD)' -> 'amount spent usd'."""
    return re.sub(r"[^0-9a-z]+", " ", name.lower()).strip()


def _fits(role: Role, column: ColumnProfile) -> bool:
    if role.value_type == "date":
        return column.type == "date"
    if role.value_type == "number":
        return column.type in ("number", "boolean")
    return column.type in ("text", "number")


def _kind_score(kind: Kind, profile: Profile) -> int:
    names = {normalize(c.name) for c in profile.columns}
    table = synonyms()[kind]
    return sum(1 for role, words in table.items() if names & set(words))


def guess_kind(profile: Profile) -> Kind:
    names = {normalize(c.name) for c in profile.columns}
    table = synonyms()

    def has(kind: str, role: str) -> bool:
        return bool(names & set(table[kind][role]))

    if has("experiment", "variant") and (
        (has("experiment", "users") and has("experiment", "conversions")) or has("experiment", "converted")
    ):
        return "experiment"
    if has("touchpoints", "journey_id") and has("touchpoints", "timestamp") and has("touchpoints", "channel") and (
        has("touchpoints", "converted") or "interaction" in names or "touch type" in names
    ):
        return "touchpoints"
    if has("deals", "created_date") and (has("deals", "status") or has("deals", "close_date")) and not has(
        "performance", "spend"
    ):
        return "deals"
    return "performance"


def suggest(profile: Profile, kind: Kind | None = None) -> Mapping:
    """A first mapping a user can accept or correct: roles by synonym and type, wide sheets unpivoted."""
    kind = kind or guess_kind(profile)
    roles = roles_of(kind)
    table = synonyms()[kind]
    used: set[str] = set()
    assigned: dict[str, Source] = {}

    if kind == "performance":
        wide = _wide_roles(profile)
        for role, source in wide.items():
            assigned[role] = source
            used |= {w.column for w in source.columns}

    normalized = [(normalize(c.name), c) for c in profile.columns]
    # Exact synonyms first (in synonym order: earlier is likelier), then whole-word containment.
    for exact in (True, False):
        for role_id, role in roles.items():
            if role_id in assigned:
                continue
            for word in table.get(role_id, []):
                match = next(
                    (
                        c for n, c in normalized
                        if c.name not in used and _fits(role, c)
                        and (n == word if exact else _contains_words(n, word))
                    ),
                    None,
                )
                if match is not None:
                    assigned[role_id] = ColumnSource(match.name)
                    used.add(match.name)
                    break

    dimensions: dict[str, str] = {}
    for name, column in normalized:
        if column.name in used or column.type != "text":
            continue
        if name in DIMENSION_WORDS:
            dimension = slug(column.name)
            if dimension not in roles and dimension not in dimensions:
                dimensions[dimension] = column.name
                used.add(column.name)
    ordered = {r: assigned[r] for r in roles if r in assigned}
    return Mapping(kind=kind, roles=ordered, dimensions=dimensions, sheet=profile.sheet)


def _contains_words(name: str, word: str) -> bool:
    return f" {word} " in f" {name} " and len(word) >= 4


def _wide_roles(profile: Profile) -> dict[str, WideSource]:
    """Media-mix sheets: 'tv_S', 'Channel0_spend', 'spend_search' -> one column per channel and role."""
    suffixes: dict[str, list[str]] = {
        role: words for role, words in synonyms()["wide_suffixes"].items() if not role.startswith("_")
    }
    found: dict[str, list[WideColumn]] = {}
    for column in profile.columns:
        if column.type != "number":
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
                if channel_parts:
                    found.setdefault(role, []).append(WideColumn(column.name, _channel_label(channel_parts)))
                break
    spend_channels = {w.channel for w in found.get("spend", [])}
    if len(spend_channels) < 2:
        return {}
    return {role: WideSource(tuple(columns)) for role, columns in found.items() if len(columns) >= 1}


def _channel_label(parts: list[str]) -> str:
    words = [p.upper() if len(p) <= 3 and p.isalpha() else (p[:1].upper() + p[1:]) for p in parts]
    return " ".join(words)
