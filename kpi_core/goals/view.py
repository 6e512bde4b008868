"""What the Goals page shows of a review, computed here so the page only lays it out."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from kpi_core.goals.backsolve import Backsolve
from kpi_core.goals.progress import Progress, Status
from kpi_core.metrics.format import DisplayTable, count, format_value, money, text_table
from kpi_core.metrics.registry import Kpi
from kpi_core.metrics.views import STAGE_LABELS

Tone = Literal["success", "info", "warning", "error"]

STATUS_BADGES: dict[Status, tuple[str, str]] = {  # label, badge colour
    "on_track": ("On track", "green"),
    "at_risk": ("At risk", "orange"),
    "off_track": ("Off track", "red"),
    "achieved": ("Achieved", "blue"),
    "missed": ("Missed", "gray"),
}
STATUS_TONES: dict[Status, Tone] = {
    "on_track": "success", "at_risk": "warning", "off_track": "error", "achieved": "success", "missed": "info",
}  # fmt: skip
STAGE_NAMES = {**STAGE_LABELS, "revenue": "Revenue", "pipeline": "Pipeline", "spend": "Spend"}
NEED_COLUMNS = ("Needed", "Per week", "At the current pace", "Gap")


def needs_table(solved: Backsolve | None) -> pd.DataFrame | None:
    """The "what it takes" table, one row per stage (and spend), whole numbers; None when nothing is
    left to plan for (reached or over, or no time left)."""
    if solved is None or solved.remaining <= 0 or solved.weeks <= 0:
        return None
    rows = [*solved.stages, *([solved.spend] if solved.spend else [])]
    return pd.DataFrame(
        [
            {
                "Stage": STAGE_NAMES.get(s.stage, s.stage),
                "Needed": s.needed,
                "Per week": s.per_week,
                "At the current pace": s.run_rate,
                "Gap": s.gap,
            }
            for s in rows
        ],
        columns=["Stage", *NEED_COLUMNS],
    ).round(0)


def needs_display(solved: Backsolve | None, currency: str) -> DisplayTable | None:
    """The "what it takes" table as shown: counts with thousands separators, the spend row in money."""
    frame = needs_table(solved)
    if frame is None:
        return None
    spend_name = STAGE_NAMES["spend"]
    shown = frame.astype(object)
    for column in NEED_COLUMNS:
        shown[column] = [
            money(v, currency) if stage == spend_name else count(v) for stage, v in zip(frame["Stage"], frame[column])
        ]
    return text_table(shown, NEED_COLUMNS)


def status_sentence(kpi: Kpi, progress: Progress, end: date | None, currency: str, plan_below: bool) -> str | None:
    """The goal's status in one sentence that says what to do, ahead of the numbers (None: no status).
    ``plan_below``: the page shows what it takes upstream."""
    if progress.status is None:
        return None

    def show(value: float | None) -> str:
        return format_value(kpi, value, currency)

    by = f"{end:%d %b %Y}" if end else "the end"
    target, lands = show(progress.target), f"the trend lands at {show(progress.projected.central)} by {by}"
    needed = progress.required_per_week
    ask = ""
    if needed is not None:
        if not kpi.is_sum:
            ask = f" The rest must run at {show(needed)}."
        elif progress.target is not None and progress.actual is not None:  # "511 a week" alone misleads with days left
            ask = f" It needs {show(progress.target - progress.actual)} more by {by} ({show(needed)} a week)."
        else:
            ask = f" It needs {show(needed)} a week from now."
    see = " See what it takes below." if plan_below else ""
    return {
        "achieved": f"Reached: {show(progress.actual)} against a target of {target}.",
        "missed": f"Missed: the window closed at {show(progress.actual)} against a target of {target}.",
        "on_track": f"On track: {lands}, against a target of {target}. Keep the current pace.",
        "at_risk": f"At risk: {lands}, close to the target of {target}.{ask}{see}",
        "off_track": f"Off track: {lands}, missing the target of {target}.{ask}{see} Or reset the target.",
    }[progress.status]
