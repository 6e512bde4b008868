"""Arms typed or pasted as text: one line per arm, as copied from a spreadsheet.

``name, users, conversions[, revenue sum, revenue sum of squares]``, separated by tabs (a pasted
spreadsheet range), semicolons, ", " (so "10,000" may keep its thousands comma) or bare commas.
A first line without numbers is a header. A planned split is shares separated by commas: "50,50".
"""

from __future__ import annotations

import re

from kpi_core.abtest.models import Arm
from kpi_core.errors import InputError

_SEPARATORS = (re.compile(r"[\t;]"), re.compile(r",\s+"), re.compile(r","))


def _cells(line: str) -> list[str]:
    for separator in _SEPARATORS:
        cells = [c.strip() for c in separator.split(line)]
        if len(cells) > 1:
            return cells
    return [line]


def _number(text: str) -> float | None:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", "").replace("_", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_arms(text: str) -> list[Arm]:
    arms: list[Arm] = []
    lines = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    for position, (number, line) in enumerate(lines):
        cells = _cells(line.strip())
        values = [_number(c) for c in cells[1:]]
        if position == 0 and len(cells) >= 3 and all(v is None for v in values):
            continue  # a header row
        if len(cells) not in (3, 5):
            raise InputError(
                f"line {number}: give name, users, conversions (and optionally revenue sum and sum of "
                f"squares), {len(cells)} value(s) found in '{line.strip()}'."
            )
        for cell, value in zip(cells[1:], values):
            if value is None:
                raise InputError(f"line {number}: '{cell}' is not a number.")
        users, conversions = values[0], values[1]
        if not float(users).is_integer() or not float(conversions).is_integer():  # type: ignore[arg-type]
            raise InputError(f"line {number}: users and conversions are counts of people: whole numbers.")
        revenue = squares = None
        if len(cells) == 5:
            revenue, squares = values[2], values[3]
        arms.append(Arm(cells[0], int(users), int(conversions), revenue, squares))  # type: ignore[arg-type]
    return arms


def parse_split(text: str) -> tuple[float, ...] | None:
    """A planned split as typed, shares separated by commas ("50,50"); None when empty (equal shares)."""
    if not text.strip():
        return None
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise InputError("Write the planned split as shares separated by commas, e.g. 50,50.") from None
