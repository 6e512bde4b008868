"""What a column of text cells holds, and the DuckDB expression that turns it into typed values.

A column's type is decided in Python from a sample of its cells (strict patterns below); the whole
column is then converted in DuckDB with an expression built from the same patterns. A cell that the
chosen type cannot read is counted afterwards (see ``reader``), and such a column stays text, so a
value is never silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from kpi_core.sql import quote_identifier, sql_string

ColumnType = Literal["date", "number", "text", "boolean"]
Decimal = Literal[".", ","]

NULL_TOKENS = (
    "",
    "-",
    "--",
    "—",
    "–",
    "n/a",
    "na",
    "n.a.",
    "null",
    "none",
    "nan",
    "#n/a",
    "(blank)",
    "#div/0!",
    "#value!",
    "#ref!",
    "#num!",
)
TRUE_TOKENS = ("true", "yes", "y", "t", "1")
FALSE_TOKENS = ("false", "no", "n", "f", "0")

# Currencies a number may carry, before or after it: (token pattern, ISO code). Codes come first
# (at one position the first alternative that matches wins: "KRW" is not "kr" + "W"), then prefixed
# dollars, then bare symbols. Every pattern reads the same in Python's re and DuckDB's RE2.
_CURRENCY_CODES = (
    "USD",
    "EUR",
    "GBP",
    "INR",
    "CAD",
    "AUD",
    "BRL",
    "PLN",
    "JPY",
    "CNY",
    "SEK",
    "NOK",
    "DKK",
    "ISK",
    "CHF",
    "MXN",
    "ZAR",
    "SGD",
    "HKD",
    "NZD",
    "CZK",
    "TRY",
    "KRW",
    "RUB",
    "HUF",
    "RON",
    "ILS",
    "THB",
    "IDR",
    "MYR",
    "PHP",
    "AED",
    "SAR",
)
_CURRENCY_TOKENS: tuple[tuple[str, str], ...] = tuple((code, code) for code in _CURRENCY_CODES) + (
    (r"US\$", "USD"),
    (r"CA\$", "CAD"),
    (r"C\$", "CAD"),
    (r"AU\$", "AUD"),
    (r"A\$", "AUD"),
    (r"NZ\$", "NZD"),
    (r"HK\$", "HKD"),
    (r"SG\$", "SGD"),
    (r"S\$", "SGD"),
    (r"R\$", "BRL"),
    (r"MX\$", "MXN"),
    (r"\$", "$"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "¥"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("₺", "TRY"),
    ("₽", "RUB"),
    ("zł", "PLN"),
    ("Kč", "CZK"),
    (r"kr\.?", "kr"),
    (r"Fr\.", "CHF"),
)
# Symbols several currencies share: (the code assumed, the codes it may stand for).
AMBIGUOUS_CURRENCY: dict[str, tuple[str, frozenset[str]]] = {
    "$": ("USD", frozenset({"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"})),
    "kr": ("SEK", frozenset({"SEK", "NOK", "DKK", "ISK"})),
    "¥": ("JPY", frozenset({"JPY", "CNY"})),
}
_CURRENCY = "(?i:" + "|".join(t for t, _ in _CURRENCY_TOKENS) + ")"
CURRENCY = _CURRENCY  # any one currency token (a regular expression)
_CURRENCY_FIND = r"(?:^|[^A-Za-z])(" + _CURRENCY + ")"  # a token not glued to a word before it
_CURRENCY_FIND_RE = re.compile(_CURRENCY_FIND)
_CURRENCY_TOKEN_RES = tuple((re.compile(rf"(?i:{t})"), code) for t, code in _CURRENCY_TOKENS)

# Characters that decorate a number without changing it: currency, spaces, thousands apostrophes.
_DECORATION = r"[\s\x{00a0}\x{202f}']|" + _CURRENCY
_DECORATION_PY = r"[\s\u00a0\u202f']|" + _CURRENCY
# Thousands by threes (1,234,567) or the Indian way (12,34,567).
_POINT_NUMBER = r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}|\d*)(?:\.\d*)?(?:[eE][-+]?\d+)?-?$"
_COMMA_NUMBER = r"^[-+]?(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?-?$"

_ISO = r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?$"
_YMD_SLASH = r"^\d{4}/\d{1,2}/\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
_DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$")
_QUARTER_YEAR_FIRST = r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$"
_QUARTER_YEAR_LAST = r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$"
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_LABEL = rf"^(?i:(?:{_MONTHS})[a-z]*\.?)[\s-]+\d{{4}}$"
_YEAR_MONTH = r"^\d{4}-\d{2}$"

# Long forms with month names: "Thu, 5 Feb 2026", "February 5, 2026", "15-Jan-2025", "Jan 15, 2025, 11:22 PM".
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
_ORDINAL = r"(?:st|nd|rd|th)?"
_CLOCK = r"(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?)?"
_LONG_DATE = (
    rf"^(?i:(?:{_WEEKDAY})?(?:\d{{1,2}}{_ORDINAL}(?:\s+|-){_MONTH_NAME}(?:\s+|-|,\s*)\d{{4}}"
    rf"|{_MONTH_NAME}\s+\d{{1,2}}{_ORDINAL},?\s+\d{{4}}){_CLOCK})$"
)
# ISO weeks: "2024-W05", "2024-W5", "2024 W05", "2024W05", "W05 2024", "W05-2024".
_WEEK_YEAR_FIRST = r"^(\d{4})\s*[-/ ]?\s*[Ww](\d{1,2})$"
_WEEK_YEAR_LAST = r"^[Ww](\d{1,2})\s*[-/ ]?\s*(\d{4})$"
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")

_DATE_WORDS = re.compile(r"date|day|week|month|period|time|quarter|year|datum|fecha|jour|woche", re.I)


@dataclass(frozen=True)
class ColumnPlan:
    """How one staged column becomes a typed column."""

    name: str
    source: str  # the staging column (c0, c1, ...)
    type: ColumnType
    native: bool = False  # already typed in staging (real numbers or date cells from a workbook)
    decimal: Decimal = "."
    date_families: tuple[str, ...] = ()
    day_first: bool = False
    order_decided: bool = True  # the sample settled day-first vs month-first
    fast_type: str | None = None  # a DuckDB type its CSV reader can parse every sampled cell as
    decimal_comma_seen: bool = False  # some sampled cell had a decimal comma (worth telling the user)
    offset_example: str | None = None  # a sampled time with a time-zone offset: the column is read in UTC
    currency: str | None = None  # ISO code of the currency the sampled cells carry ("mixed": several)
    currency_symbol: str | None = None  # the symbol when it alone named the currency ("$" -> USD)
    percent: bool = False  # some sampled cell was written with %
    examples: tuple[str, ...] = ()  # up to 3 distinct sampled values, as written


_TIME_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$", re.I)
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?")
_DIGIT = re.compile(r"\d")
_DECORATION_RE = re.compile(_DECORATION_PY)


def _full(pattern: str, text: str) -> bool:
    return re.match(pattern, text) is not None  # re caches compiled patterns


def _is_null_token(text: str) -> bool:
    return text.strip().lower() in NULL_TOKENS


def strip_number(text: str) -> tuple[str, bool, bool]:
    """The bare number of a cell, whether it is negative by parentheses, and whether it is a percent."""
    core = text.strip()
    negative = core.startswith("(") and core.endswith(")")
    if negative:
        core = core[1:-1]
    percent = core.endswith("%")
    if percent:
        core = core[:-1]
    core = _DECORATION_RE.sub("", core)
    return core, negative, percent


def currency_token(token: str) -> str:
    """The ISO code (or ambiguous symbol: "$", "kr", "¥") a currency token stands for."""
    for pattern, code in _CURRENCY_TOKEN_RES:
        if pattern.fullmatch(token):
            return code
    return token.upper()


def currencies_in(values: Iterable[str]) -> list[str]:
    """The currency tokens (as ISO codes or ambiguous symbols) of the values, in order of first appearance."""
    seen: dict[str, None] = {}
    for value in values:
        for match in _CURRENCY_FIND_RE.finditer(value):
            seen.setdefault(currency_token(match.group(1)), None)
    return list(seen)


def sample_currency(values: Iterable[str]) -> tuple[str | None, str | None]:
    """(ISO code, the ambiguous symbol it was guessed from) of a number column's sampled values.

    Several currencies give the first one seen: the whole column is then checked in SQL
    (other_currency_sql), which finds the others and keeps the column from being summed.
    """
    tokens = currencies_in(values)
    if not tokens:
        return None, None
    first = tokens[0]
    if first not in AMBIGUOUS_CURRENCY:
        return first, None
    named = [t for t in tokens if t not in AMBIGUOUS_CURRENCY and compatible_currency(first, t)]
    if named:  # "$" beside "CA$": Canadian dollars
        return named[0], None
    return AMBIGUOUS_CURRENCY[first][0], first


def compatible_currency(token: str, currency: str) -> bool:
    """Whether a token (an ISO code or ambiguous symbol) can be the column's currency."""
    if token in AMBIGUOUS_CURRENCY:
        return currency in AMBIGUOUS_CURRENCY[token][1]
    return token == currency


def other_currency_sql(column: str, currency: str) -> str:
    """True where a cell carries a currency other than ``currency`` (the test counted over the column)."""
    others = [t for t, code in _CURRENCY_TOKENS if not compatible_currency(code, currency)]
    pattern = "(?:^|[^A-Za-z])(?i:" + "|".join(others) + ")"
    return f"coalesce(regexp_matches({column}, {sql_string(pattern)}), false)"


def currency_extract_sql(column: str) -> str:
    """The first currency token of a cell ('' if none)."""
    return f"regexp_extract({column}, {sql_string(_CURRENCY_FIND)}, 1)"


def number_style(values: Sequence[str]) -> Decimal | None:
    """'.' or ',' if every value is a number in that style (None if not all are numbers)."""
    distinct = {v.strip() for v in values}
    if all(_PLAIN_NUMBER.fullmatch(v) for v in distinct):
        return "."
    point_only = comma_only = both = 0
    for value in distinct:
        core, _, _ = strip_number(value)
        if not _DIGIT.search(core):
            return None
        point = _full(_POINT_NUMBER, core)
        comma = _full(_COMMA_NUMBER, core)
        if point and comma:
            both += 1
        elif point:
            point_only += 1
        elif comma:
            comma_only += 1
        else:
            return None
    if point_only and comma_only:
        return None
    return "," if comma_only else "."


def _date_family(value: str) -> str | None:
    text = value.strip()
    if _full(_ISO, text):
        return "iso"
    if _full(_YMD_SLASH, text):
        return "ymd_slash"
    if _DAY_MONTH.match(text):
        return "day_month"
    if _full(_QUARTER_YEAR_FIRST, text):
        return "quarter_year_first"
    if _full(_QUARTER_YEAR_LAST, text):
        return "quarter_year_last"
    if _full(_MONTH_LABEL, text):
        return "month_label"
    if _full(_YEAR_MONTH, text):
        return "year_month"
    if _full(_LONG_DATE, text):
        return "long"
    week = re.match(_WEEK_YEAR_FIRST, text) or re.match(_WEEK_YEAR_LAST, text)
    if week is not None:
        first = week.re.pattern == _WEEK_YEAR_FIRST
        year, number = (int(week.group(1)), int(week.group(2))) if first else (int(week.group(2)), int(week.group(1)))
        if 1 <= number <= 53:
            return "iso_week_year_first" if first else "iso_week_year_last"
    return None


def date_families(values: Sequence[str]) -> tuple[str, ...] | None:
    """The date families the values use, or None if any value is not a date."""
    families: set[str] = set()
    for value in set(values):
        family = _date_family(value)
        if family is None:
            return None
        families.add(family)
    return tuple(sorted(families))


def day_month_order(values: Iterable[str]) -> tuple[bool, bool]:
    """(day_first, decided) for values written like 03/04/2024, judged from the sample.

    Undecided columns (no field above 12 in the sample) are judged again over every value in SQL
    (reader._settle_day_month_order), which also warns when the file cannot tell.
    """
    first_over_12 = second_over_12 = False
    separators: set[str] = set()
    for value in values:
        match = _DAY_MONTH.match(value.strip())
        if match is None:
            continue
        separators.add(match.group(2))
        first_over_12 |= int(match.group(1)) > 12
        second_over_12 |= int(match.group(3)) > 12
    if first_over_12:
        return True, True
    if second_over_12:
        return False, True
    # Nothing tells: dotted dates are European (d.m.Y); slashes and dashes are guessed US.
    return separators == {"."}, False


def looks_like_excel_serial(name: str, values: Sequence[float]) -> bool:
    """A date-named column of whole numbers in Excel's serial range (1954 to 2119)."""
    return bool(values) and _DATE_WORDS.search(name) is not None and all(20000 <= v <= 80000 for v in values)


def looks_like_compact_date(name: str, values: Sequence[str]) -> bool:
    """A date-named column of YYYYMMDD numbers (20210105), each a real date from 1900 to 2100."""
    if not values or _DATE_WORDS.search(name) is None:
        return False
    for value in values:
        match = _COMPACT_DATE.fullmatch(value.strip())
        if match is None:
            return False
        year, month, day = (int(g) for g in match.groups())
        if not 1900 <= year <= 2100:
            return False
        try:
            date(year, month, day)
        except ValueError:
            return False
    return True


def _examples(cells: Sequence[str | None]) -> tuple[str, ...]:
    """Up to 3 distinct values, in the order they come."""
    seen: dict[str, None] = {}
    for cell in cells:
        if cell is None or _is_null_token(cell):
            continue
        seen.setdefault(cell.strip(), None)
        if len(seen) == 3:
            break
    return tuple(seen)


# A 0/1 column named like a yes/no question is a flag (Salesforce writes checkboxes as 0/1).
_FLAG_NAME = re.compile(
    # "Converted", "CLOSED", "Opted__c": a word ending in -ed in one case (not "NameD", a camel-case tail)
    r"^(?:[Ii]s|[Hh]as|[Ww]as|[Dd]o|[Dd]oes|[Cc]an|[Ss]hould)(?=[A-Z_ ])|(?i:\bflag\b|^opted)"
    r"|(?:[a-z]ed|[A-Z]ED)(?:__c)?$"
)
_LEADING_ZERO = re.compile(r"0\d+")
_ORDINAL_NAME = re.compile(r"(?i)^nth\b|\b(?:week|day|month|hour|index|rank)\b")  # GA4's "Nth week": 0010


def classify(name: str, source: str, cells: Sequence[str | None], default_decimal: Decimal) -> ColumnPlan:
    """Decide a text column's type from a sample of its cells."""
    # Every test below holds for all cells or for some, so the distinct cells decide the same.
    present = [c for c in set(cells) if c is not None and c.strip() != ""]
    values = [c for c in present if not _is_null_token(c)]
    if not values:
        return ColumnPlan(name, source, "text")
    plan = _classify(name, source, present, values, default_decimal)
    return replace(plan, examples=_examples(cells))


def _classify(name: str, source: str, present: list[str], values: list[str], default_decimal: Decimal) -> ColumnPlan:
    lowered = {v.strip().lower() for v in values}
    if lowered <= set(TRUE_TOKENS + FALSE_TOKENS) and (not lowered <= {"0", "1"} or _FLAG_NAME.search(name)):
        return ColumnPlan(name, source, "boolean")
    if all(_LEADING_ZERO.fullmatch(v.strip()) for v in lowered) and not _ORDINAL_NAME.search(name):
        return ColumnPlan(name, source, "text")  # codes such as "000" or "0042", not quantities
    style = number_style(values)
    if style is not None:
        if style == "." and default_decimal == "," and _all_ambiguous(values):
            style = ","
        if style == "." and looks_like_excel_serial(name, _as_floats(values)):
            return ColumnPlan(name, source, "date", date_families=("excel_serial",))
        if looks_like_compact_date(name, values):
            return ColumnPlan(name, source, "date", date_families=("compact",))
        plain = all(_PLAIN_NUMBER.fullmatch(v.strip()) for v in set(present))
        currency, symbol = (None, None) if plain else sample_currency(values)
        return ColumnPlan(
            name,
            source,
            "number",
            decimal=style,
            fast_type="DOUBLE" if plain else None,
            decimal_comma_seen=style == "," and any("," in v for v in values),
            currency=currency,
            currency_symbol=symbol,
            percent=not plain and any("%" in v for v in values),
        )
    families = date_families(values)
    if families is not None:
        day_first, decided = day_month_order(values) if "day_month" in families else (False, True)
        offset = next((v.strip() for v in values if _TIME_OFFSET.search(v)), None) if "iso" in families else None
        return ColumnPlan(
            name,
            source,
            "date",
            date_families=families,
            day_first=day_first,
            order_decided=decided,
            fast_type=None if offset else _fast_date_type(present),
            offset_example=offset,
        )
    return ColumnPlan(name, source, "text")


def _fast_date_type(cells: Sequence[str]) -> str | None:
    distinct = {c.strip() for c in cells}
    if all(_PLAIN_DATE.fullmatch(c) for c in distinct):
        return "DATE"
    if all(_PLAIN_DATE.fullmatch(c) or _PLAIN_TIMESTAMP.fullmatch(c) for c in distinct):
        return "TIMESTAMP"
    return None


def _all_ambiguous(values: Sequence[str]) -> bool:
    for value in values:
        core, _, _ = strip_number(value)
        if not (_full(_POINT_NUMBER, core) and _full(_COMMA_NUMBER, core)):
            return False
    return True


def _as_floats(values: Sequence[str]) -> list[float]:
    out = []
    for value in values:
        try:
            out.append(float(value))
        except ValueError:
            return []
    return out


# One regular expression, not an IN list: DuckDB binds long IN lists slowly, and a 200-column
# sheet has 200 of them.
_NULL_TOKEN_PATTERN = r"(?i)\s*(?:" + "|".join(re.escape(t) for t in NULL_TOKENS) + r")\s*"


def present_sql(column: str) -> str:
    """True where a staged text cell holds something other than a null token."""
    return f"(NOT regexp_full_match({column}, {sql_string(_NULL_TOKEN_PATTERN)}))"


def number_core_sql(column: str) -> str:
    """The cell without its decoration (currency, spaces, parentheses, %): the bare digits."""
    return f"regexp_replace({column}, {sql_string(r'[()%]|' + _DECORATION)}, '', 'g')"


def number_sql(column: str, decimal: Decimal, core: str | None = None) -> str:
    """A number from a decorated cell. ``core`` may name a column already holding
    number_core_sql(column): DuckDB evaluates every copy of an expression, and this one is costly."""
    trimmed = f"trim({column})"
    negative = f"(starts_with({trimmed}, '(') AND ends_with({trimmed}, ')'))"
    percent = f"contains({column}, '%')"
    core = core or number_core_sql(column)
    pattern = _POINT_NUMBER if decimal == "." else _COMMA_NUMBER
    if decimal == ".":
        digits = f"replace({core}, ',', '')"
    else:
        digits = f"replace(replace({core}, '.', ''), ',', '.')"
    signed = (
        f"CASE WHEN ends_with({digits}, '-') THEN -TRY_CAST(rtrim({digits}, '-') AS DOUBLE) "
        f"ELSE TRY_CAST({digits} AS DOUBLE) END"
    )
    slow = (
        f"CASE WHEN regexp_full_match({core}, {sql_string(pattern[1:-1])}) "
        f"AND regexp_matches({core}, '\\d') THEN ({signed}) "
        f"* (CASE WHEN {negative} THEN -1 ELSE 1 END) / (CASE WHEN {percent} THEN 100 ELSE 1 END) END"
    )
    fast_pattern = r"-?\d+(\.\d+)?" if decimal == "." else r"-?\d+"
    return (
        f"CASE WHEN regexp_full_match({column}, {sql_string(fast_pattern)}) "
        f"THEN CAST({column} AS DOUBLE) ELSE {slow} END"
    )


def _day_month_formats(day_first: bool) -> list[str]:
    formats = []
    for sep in "/.-":
        order = f"%d{sep}%m{sep}" if day_first else f"%m{sep}%d{sep}"
        for year in ("%Y", "%y"):
            base = order + year
            formats += [base, base + " %H:%M", base + " %H:%M:%S", base + " %I:%M %p", base + " %I:%M:%S %p"]
    return formats


def date_sql(column: str, plan: ColumnPlan) -> str:
    """An expression giving a TIMESTAMP (or NULL) for each cell of a date column."""
    value = f"trim({column})"
    parts: list[str] = []
    families = plan.date_families
    if "excel_serial" in families:
        serial = f"TRY_CAST({value} AS DOUBLE)"
        return (
            f"CAST(DATE '1899-12-30' AS TIMESTAMP) + to_days(CAST(floor({serial}) AS INTEGER)) "
            f"+ to_microseconds(CAST(round(({serial} - floor({serial})) * 86400000000) AS BIGINT))"
        )
    if "iso" in families and plan.offset_example:
        parts.append(f"timezone('UTC', TRY_CAST({value} AS TIMESTAMPTZ))")
    elif "iso" in families:
        parts.append(f"TRY_CAST(regexp_replace({value}, '\\s*(Z|UTC)$', '') AS TIMESTAMP)")
    if "ymd_slash" in families:
        parts.append(f"try_strptime({value}, ['%Y/%m/%d', '%Y/%m/%d %H:%M', '%Y/%m/%d %H:%M:%S'])")
    if "day_month" in families:
        formats = ", ".join(sql_string(f) for f in _day_month_formats(plan.day_first))
        parts.append(f"try_strptime(regexp_replace({value}, '\\s+', ' ', 'g'), [{formats}])")
    if "quarter_year_first" in families:
        parts.append(_quarter_sql(value, _QUARTER_YEAR_FIRST, year_group=1, quarter_group=2))
    if "quarter_year_last" in families:
        parts.append(_quarter_sql(value, _QUARTER_YEAR_LAST, year_group=2, quarter_group=1))
    if "month_label" in families:
        label = f"regexp_replace(regexp_replace({value}, '\\.', '', 'g'), '[\\s-]+', ' ', 'g')"
        label = f"regexp_replace({label}, '^([Ss]ept)', 'Sep')"
        parts.append(f"try_strptime({label}, ['%b %Y', '%B %Y'])")
    if "year_month" in families:
        parts.append(f"try_strptime({value}, '%Y-%m')")
    if "compact" in families:
        parts.append(f"try_strptime({value}, '%Y%m%d')")
    if "long" in families:
        parts.append(_long_date_sql(value))
    if "iso_week_year_first" in families:
        parts.append(_iso_week_sql(value, _WEEK_YEAR_FIRST, year_group=1, week_group=2))
    if "iso_week_year_last" in families:
        parts.append(_iso_week_sql(value, _WEEK_YEAR_LAST, year_group=2, week_group=1))
    if not parts:
        return "CAST(NULL AS TIMESTAMP)"
    return parts[0] if len(parts) == 1 else "COALESCE(" + ", ".join(parts) + ")"


def _long_formats() -> list[str]:
    formats = []
    for base in ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y"):
        formats += [base, base + " %H:%M", base + " %H:%M:%S", base + " %I:%M %p", base + " %I:%M:%S %p"]
    return formats


def _long_date_sql(value: str) -> str:
    """'Thu, 5 Feb 2026', 'February 5, 2026, 11:22 PM', '15-Jan-2025'... read with strptime once
    the weekday, ordinals, commas, dashes and dots are gone."""
    # RE2's \s is ASCII only: Google Ads writes "8:41\u202fAM" (a narrow no-break space).
    text = f"regexp_replace({value}, '[\\x{{00a0}}\\x{{202f}}]', ' ', 'g')"
    text = f"regexp_replace({text}, {sql_string('^(?i)' + _WEEKDAY)}, '')"
    text = f"regexp_replace({text}, '(?i)(\\d)(st|nd|rd|th)\\b', '\\1')"
    text = f"regexp_replace({text}, '([A-Za-z])\\.', '\\1', 'g')"
    text = f"regexp_replace({text}, '[,-]', ' ', 'g')"
    text = f"regexp_replace({text}, '(?i)\\bsept\\b', 'Sep')"
    text = f"regexp_replace({text}, '(\\d)\\s*([AaPp][Mm])$', '\\1 \\2')"
    text = f"trim(regexp_replace({text}, '\\s+', ' ', 'g'))"
    formats = ", ".join(sql_string(f) for f in _long_formats())
    return f"try_strptime({text}, [{formats}])"


def _iso_week_sql(value: str, pattern: str, year_group: int, week_group: int) -> str:
    """The Monday of an ISO week: week 1 holds 4 January; a week 53 the year lacks is NULL."""
    year = f"TRY_CAST(regexp_extract({value}, {sql_string(pattern)}, {year_group}) AS INTEGER)"
    week = f"TRY_CAST(regexp_extract({value}, {sql_string(pattern)}, {week_group}) AS INTEGER)"
    fourth = f"make_date({year}, 1, 4)"
    monday = f"({fourth} - CAST(isodow({fourth}) - 1 AS INTEGER) + ({week} - 1) * 7)"
    return f"CASE WHEN {week} BETWEEN 1 AND 53 AND isoyear({monday}) = {year} THEN CAST({monday} AS TIMESTAMP) END"


def _quarter_sql(value: str, pattern: str, year_group: int, quarter_group: int) -> str:
    year = f"TRY_CAST(regexp_extract({value}, {sql_string(pattern)}, {year_group}) AS INTEGER)"
    quarter = f"TRY_CAST(regexp_extract({value}, {sql_string(pattern)}, {quarter_group}) AS INTEGER)"
    return f"CAST(make_date({year}, ({quarter} - 1) * 3 + 1, 1) AS TIMESTAMP)"


def boolean_sql(column: str) -> str:
    lowered = f"lower(trim({column}))"
    trues = ", ".join(sql_string(t) for t in TRUE_TOKENS)
    falses = ", ".join(sql_string(t) for t in FALSE_TOKENS)
    return f"CASE WHEN {lowered} IN ({trues}) THEN true WHEN {lowered} IN ({falses}) THEN false END"


def text_sql(column: str) -> str:
    return f"NULLIF(trim({column}), '')"


def convert_sql(plan: ColumnPlan, core: str | None = None) -> str:
    """The expression that gives the typed value of a planned column (``core``: see number_sql)."""
    column = quote_identifier(plan.source)
    if plan.native:
        return column
    if plan.type == "number":
        return f"CASE WHEN {present_sql(column)} THEN {number_sql(column, plan.decimal, core)} END"
    if plan.type == "date":
        return f"CASE WHEN {present_sql(column)} THEN {date_sql(column, plan)} END"
    if plan.type == "boolean":
        return boolean_sql(column)
    return text_sql(column)


def unreadable_sql(plan: ColumnPlan, typed: str, raw: str) -> str | None:
    """True where a cell held a value that the planned type could not read (None for text)."""
    if plan.native or plan.type == "text":
        return None
    return f"({present_sql(raw)} AND {typed} IS NULL)"
