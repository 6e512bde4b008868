"""Annotations: dated notes on what happened outside the data (an event, a launch, a tracking
outage), drawn on every trend chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from kpi_core.errors import InputError

MAX_TITLE = 80


@dataclass(frozen=True)
class Annotation:
    day: date
    title: str
    note: str = ""
    id: int | None = None


def checked(day: date | None, title: str, note: str = "") -> tuple[date, str, str]:
    """The fields of a new or edited annotation, or an InputError saying what is missing."""
    if day is None:
        raise InputError("Pick the day the annotation is about.")
    title = " ".join(title.split())
    if not title:
        raise InputError("Give the annotation a short title, e.g. 'Trade show: SaaStr'.")
    if len(title) > MAX_TITLE:
        raise InputError(f"Keep the title under {MAX_TITLE} characters; put the rest in the note.")
    return day, title, note.strip()


def in_range(annotations: list[Annotation], low: date | None, high: date | None) -> pd.DataFrame:
    """The annotations a chart from ``low`` to ``high`` should draw (columns date, title, note)."""
    rows = [
        {"date": a.day, "title": a.title, "note": a.note}
        for a in annotations
        if (low is None or a.day >= low) and (high is None or a.day <= high)
    ]
    return pd.DataFrame(rows, columns=["date", "title", "note"])
