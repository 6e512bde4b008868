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


def _progress(status: str, required: float | None = 25.0):  # type: ignore[no-untyped-def]
    from kpi_core.goals.progress import Progress

    return Progress(
        target=450.0,
        actual=300.0,
        progress=0.67,
        time_elapsed=0.8,
        required_per_week=required,
        projected=Projection(pace=380.0, trend=400.0, low=360.0, high=440.0),
        status=status,  # type: ignore[arg-type]
        as_of=date(2025, 12, 1),
        covered_through=date(2025, 12, 1),
    )


def test_each_status_leads_with_what_to_do() -> None:
    from kpi_core.goals.view import STATUS_BADGES, STATUS_TONES, status_sentence
    from kpi_core.metrics.registry import BY_ID

    sqls, end = BY_ID["sqls"], date(2025, 12, 31)
    assert set(STATUS_TONES) == set(STATUS_BADGES)
    off = status_sentence(sqls, _progress("off_track"), end, "USD", plan_below=True)
    assert off == (
        "Off track: the trend lands at 400 by 31 Dec 2025, missing the target of 450. It needs 150 more by "
        "31 Dec 2025 (25 a week). See what it takes below. Or reset the target."
    )
    risk = status_sentence(sqls, _progress("at_risk", None), end, "USD", plan_below=False)
    assert risk == "At risk: the trend lands at 400 by 31 Dec 2025, close to the target of 450."
    assert status_sentence(sqls, _progress("on_track"), end, "USD", True).startswith("On track:")  # type: ignore[union-attr]
    assert status_sentence(sqls, _progress("achieved"), end, "USD", False) == "Reached: 300 against a target of 450."
    cac = status_sentence(BY_ID["cac"], _progress("off_track"), end, "EUR", False)
    assert cac and "The rest must run at €25" in cac  # a ratio: the level needed, in money
    assert status_sentence(sqls, _progress(None), end, "USD", False) is None  # type: ignore[arg-type]
