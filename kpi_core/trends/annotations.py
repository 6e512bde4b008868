"""Annotations: dated notes on what happened outside the data (an event, a launch, a tracking
outage), drawn on every trend chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi_core.errors import InputError
from kpi_core.workspace.documents import Collection

if TYPE_CHECKING:
    from kpi_core.workspace import Workspace

MAX_TITLE = 80


@dataclass(frozen=True)
class Annotation:
    day: date
    title: str
    note: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        """Checked and tidied on construction: an InputError says what is missing."""
        if self.day is None:
            raise InputError("Pick the day the annotation is about.")
        title = " ".join(self.title.split())
        if not title:
            raise InputError("Give the annotation a short title, e.g. 'Trade show: SaaStr'.")
        if len(title) > MAX_TITLE:
            raise InputError(f"Keep the title under {MAX_TITLE} characters; put the rest in the note.")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "note", self.note.strip())


def _encode(annotation: Annotation) -> dict[str, Any]:
    return {"day": annotation.day.isoformat(), "title": annotation.title, "note": annotation.note}


def _decode(spec: dict[str, Any], annotation_id: int, _created: datetime) -> Annotation:
    return Annotation(date.fromisoformat(spec["day"]), spec["title"], spec.get("note", ""), annotation_id)


ANNOTATIONS: Collection[Annotation] = Collection(
    "annotations",
    "annotation",
    _encode,
    _decode,
    order=lambda a: (a.day, a.id),
    deleted_meanwhile="Someone else deleted this {noun} a moment ago; add yours again as a new one if it should stay.",
    missing="There is no {noun} {id} in workspace '{workspace}' any more.",
)


def saved_annotations(ws: Workspace) -> list[Annotation]:
    """Every annotation of the workspace, by day."""
    return ws.documents(ANNOTATIONS)


def add_annotation(ws: Workspace, day: date | None, title: str, note: str = "") -> Annotation:
    return ws.save_document(ANNOTATIONS, Annotation(day, title, note))  # type: ignore[arg-type]  # checked


def update_annotation(
    ws: Workspace,
    annotation_id: int,
    day: date | None,
    title: str,
    note: str = "",
    *,
    based_on: Annotation | None = None,
) -> Annotation:
    """Change an annotation; with ``based_on`` (as the user read it) only if nobody saved it since.
    One deleted meanwhile is an InputError (or, with ``based_on``, a WriteConflict)."""
    edited = Annotation(day, title, note, annotation_id)  # type: ignore[arg-type]  # None is refused
    return ws.save_document(ANNOTATIONS, edited, based_on=based_on)


def delete_annotation(ws: Workspace, annotation_id: int, *, based_on: Annotation | None = None) -> None:
    ws.delete_document(ANNOTATIONS, annotation_id, based_on=based_on)


def in_range(annotations: list[Annotation], low: date | None, high: date | None) -> pd.DataFrame:
    """The annotations a chart from ``low`` to ``high`` should draw (columns date, title, note)."""
    rows = [
        {"date": a.day, "title": a.title, "note": a.note}
        for a in annotations
        if (low is None or a.day >= low) and (high is None or a.day <= high)
    ]
    return pd.DataFrame(rows, columns=["date", "title", "note"])
