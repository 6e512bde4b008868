"""The Goals page's chart spec and tables, without Streamlit."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpi_core.goals.backsolve import Backsolve, StageNeed
from kpi_core.goals.charts import SERIES, progress_chart
from kpi_core.goals.progress import Projection
from kpi_core.goals.view import needs_table


def test_the_progress_chart_draws_lines_and_the_trend_interval() -> None:
    chart = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-05", "2025-01-12", "2025-03-30"]),
            "series": ["Actual", "Actual", "Projection (trend)"],
            "value": [10.0, 25.0, 130.0],
            "low": [None, None, 110.0],
            "high": [None, None, 150.0],
        }
    )
    spec = progress_chart(chart, "sqls").to_dict()  # type: ignore[union-attr]
    lines, band = spec["layer"]
    assert lines["mark"]["type"] == "line" and band["mark"]["type"] == "errorbar"
    assert lines["encoding"]["y"]["title"] == "SQLs (cumulative)"
    assert lines["encoding"]["color"]["scale"]["domain"] == SERIES
    assert band["encoding"]["y2"]["field"] == "high"
    assert progress_chart(chart.iloc[0:0], "sqls") is None
    assert (
        progress_chart(chart, "cpl")
        .to_dict()["layer"][0]["encoding"]["y"]["title"]
        .endswith(  # type: ignore[union-attr]
            "(over the window so far)"
        )
    )


def test_the_central_projection_is_the_trend_once_there_is_one() -> None:
    assert Projection(pace=90.0, trend=120.0, low=100.0, high=140.0).central == 120.0
    assert Projection(pace=90.0, trend=None, low=None, high=None).central == 90.0


def test_what_it_takes_rounds_to_whole_numbers_and_is_empty_when_nothing_is_left() -> None:
    stages = [StageNeed("sqls", 120.4, 10.04, 8.6, 17.2, 0.25), StageNeed("mqls", 480.0, 40.0, 35.0, 60.0, 0.3)]
    solved = Backsolve(
        remaining=120.4, weeks=12.0, basis_from=date(2025, 1, 1), basis_to=date(2025, 3, 31), stages=stages, spend=None
    )
    table = needs_table(solved)
    assert table is not None and list(table["Stage"]) == ["SQLs", "MQLs"]
    assert table.iloc[0].to_dict() == {
        "Stage": "SQLs",
        "Needed": 120.0,
        "Per week": 10.0,
        "At the current pace": 9.0,
        "Gap": 17.0,
    }
    assert needs_table(None) is None
    assert needs_table(Backsolve(0.0, 5.0, date(2025, 1, 1), date(2025, 1, 2), stages, None)) is None
