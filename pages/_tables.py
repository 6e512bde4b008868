"""Tables as kpi_core formats them: every cell is the formatted text (so the screen shows exactly
what kpi_core.metrics.format wrote, "—" for empty, never None), numbers right-aligned, and every
column at least as wide as its longest text, so no digit is ever clipped."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from kpi_core.metrics.format import DisplayTable

# Streamlit's grid font (Source Sans, 14 px): its widest digit and a column's padding and sort icon,
# measured in Chromium (tests/browser/test_screens.py checks the rule on every table it meets).
PIXELS_PER_CHARACTER = 8.2
PADDING_PIXELS = 34


def pixels(characters: int) -> int:
    return int(characters * PIXELS_PER_CHARACTER + PADDING_PIXELS)


def show(table: DisplayTable, key: str | None = None, colour: Callable[[str, object], str] | None = None) -> None:
    """``colour(column name, value)`` → a CSS background for a cell (e.g. ROAS shading), or ""."""
    texts = table.texts()
    shown: pd.DataFrame | pd.io.formats.style.Styler = texts
    if colour is not None:
        styles = pd.DataFrame(
            {c.label: [colour(c.name, v) for v in table.frame[c.name]] for c in table.columns}, index=texts.index
        )
        shown = texts.style.apply(lambda _: styles, axis=None)
    st.dataframe(
        shown,
        hide_index=True,
        key=key,
        column_config={
            c.label: st.column_config.Column(
                c.label, width=pixels(c.width), help=c.help, alignment="right" if c.numeric else "left",
                pinned=position == 0 and not c.numeric,  # the row's name stays in view when scrolling right
            )
            for position, c in enumerate(table.columns)
        },
    )
