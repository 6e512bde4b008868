"""Chart layers several pages share (Altair only; the numbers come from kpi_core)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def annotation_layer(notes: pd.DataFrame) -> alt.Chart | None:
    """Dashed vertical rules at each annotation's day, the title on hover and written at the top."""
    if notes.empty:
        return None
    base = alt.Chart(notes).encode(
        x=alt.X("date:T"), tooltip=[alt.Tooltip("date:T", title="Day"), alt.Tooltip("title:N", title="Note"),
                                    alt.Tooltip("note:N", title="Detail")],
    )
    rules = base.mark_rule(color="#E45756", strokeDash=[3, 3])
    labels = base.mark_text(align="left", baseline="top", dx=3, dy=2, color="#E45756", fontSize=11).encode(
        y=alt.value(0), text="title:N")
    return rules + labels
