"""What the Goals page shows of a review, computed here so the page only lays it out."""

from __future__ import annotations

import pandas as pd

from kpi_core.goals.backsolve import Backsolve
from kpi_core.goals.progress import Status
from kpi_core.metrics.format import DisplayTable, count, money, text_table
from kpi_core.metrics.views import STAGE_LABELS

STATUS_BADGES: dict[Status, tuple[str, str]] = {  # label, badge colour
    "on_track": ("On track", "green"),
    "at_risk": ("At risk", "orange"),
    "off_track": ("Off track", "red"),
    "achieved": ("Achieved", "blue"),
    "missed": ("Missed", "gray"),
}
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
