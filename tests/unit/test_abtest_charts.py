"""The A/B charts as specs: marks, encodings, titles and the data they carry (``chart.to_dict()``)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pandas as pd
import pytest

from kpi_core.abtest import Arm, ExperimentResult, ExperimentSettings, analyse
from kpi_core.abtest.charts import lift_chart, over_time_chart, rate_chart
from kpi_core.abtest.frames import arm_rates, interval_over_time, lifts
from tests.conftest import ROOT

ARMS = [Arm("Control", 24310, 1215), Arm("New pricing page", 24122, 1366), Arm("Short form", 24200, 1190)]


@pytest.fixture()
def result() -> ExperimentResult:
    return analyse(ARMS, ExperimentSettings())


def daily() -> pd.DataFrame:
    days = pd.to_datetime(["2024-03-01"] * 3 + ["2024-03-02"] * 3)
    return pd.DataFrame(
        {
            "day": days,
            "variant": ["Control", "New pricing page", "Short form"] * 2,
            "users": [12000, 12100, 12050, 24310, 24122, 24200],
            "conversions": [600, 690, 590, 1215, 1366, 1190],
        }
    )


def data_of(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    """A layer's rows (Altair hoists data the layers share to the top of the spec)."""
    data: dict[str, Any] = layer.get("data") or spec["data"]
    rows: list[dict[str, Any]] = spec["datasets"][data["name"]]
    return rows


def test_the_rate_chart_draws_each_arm_on_its_interval(result: ExperimentResult) -> None:
    spec = rate_chart(arm_rates(result)).to_dict()
    assert spec["title"] == "Conversion rate per arm" and spec["height"] == {"step": 44}
    bars, points = spec["layer"]
    assert bars["mark"] == {"type": "rule", "strokeWidth": 4}
    assert points["mark"] == {"type": "point", "filled": True, "size": 120}
    x = bars["encoding"]["x"]
    assert (x["field"], x["title"], x["axis"]["format"], x["scale"]) == (
        "low",
        "Conversion rate (line: its range)",
        ".1%",
        {"zero": False},
    )
    assert bars["encoding"]["x2"] == {"field": "high"} and points["encoding"]["x"]["field"] == "rate"
    assert bars["encoding"]["y"] == {
        "field": "arm",
        "type": "nominal",
        "title": None,
        "sort": None,
        "axis": {"labelLimit": 160},
    }
    color = bars["encoding"]["color"]
    assert color["field"] == "role" and color["legend"] is None
    assert color["scale"] == {"domain": ["Control", "Variant"], "range": ["#8c8c8c", "#1f77b4"]}
    assert [t["title"] for t in points["encoding"]["tooltip"]] == ["Arm", "Rate", "Low", "High", "Users"]
    rows = data_of(spec, bars)
    assert [(r["arm"], r["role"], r["users"]) for r in rows] == [
        ("Control", "Control", 24310),
        ("New pricing page", "Variant", 24122),
        ("Short form", "Variant", 24200),
    ]
    assert all(r["low"] < r["rate"] < r["high"] for r in rows)


def test_the_lift_chart_has_a_zero_line_and_colours_by_verdict(result: ExperimentResult) -> None:
    spec = lift_chart(lifts(result.comparisons)).to_dict()
    assert spec["title"] == "Lift vs control"
    zero, bars, points = spec["layer"]
    assert zero["mark"] == {"type": "rule", "strokeDash": [4, 4], "color": "#555"}
    assert zero["encoding"] == {"x": {"field": "x", "type": "quantitative"}}
    assert data_of(spec, zero) == [{"x": 0.0}]
    assert bars["encoding"]["x"]["title"] == "Lift (dashed: no change)"
    assert bars["encoding"]["x"]["axis"] == {"format": "+.0%"} and points["encoding"]["x"]["field"] == "lift"
    color = bars["encoding"]["color"]
    assert color["field"] == "verdict" and color["title"] == "Verdict"
    assert color["scale"]["domain"] == ["win", "loss", "inconclusive", "not_ready"]
    assert [t.get("format") for t in points["encoding"]["tooltip"][1:]] == [None] + ["+.1%"] * 3
    assert color["legend"] is None  # the verdict is written in its box; the tooltip names it in words
    rows = data_of(spec, bars)
    assert (
        [(r["arm"], r["verdict"]) for r in rows]
        == [(c.arm, c.verdict) for c in result.comparisons]
        == [("New pricing page", "win"), ("Short form", "inconclusive")]
    )
    assert rows[0]["lift"] == pytest.approx(1366 / 24122 / (1215 / 24310) - 1)


def test_the_over_time_chart_bands_each_variant_day_by_day(result: ExperimentResult) -> None:
    spec = over_time_chart(interval_over_time(daily(), result)).to_dict()
    assert spec["title"] == "The difference and its interval, day by day" and spec["height"] == 260
    band, line, zero = spec["layer"]
    assert band["mark"] == {"type": "area", "opacity": 0.2} and line["mark"] == {"type": "line"}
    assert band["encoding"]["x"] == {"field": "day", "type": "temporal", "title": None}
    assert band["encoding"]["color"] == {"field": "arm", "type": "nominal", "title": "Variant"}
    assert band["encoding"]["y"]["title"] == "Difference vs control" and band["encoding"]["y2"] == {"field": "high"}
    assert line["encoding"]["y"] == {"field": "diff", "type": "quantitative"}
    assert zero["encoding"] == {"y": {"field": "y", "type": "quantitative"}}
    rows = data_of(spec, band)
    assert [(r["day"][:10], r["arm"]) for r in rows] == [
        ("2024-03-01", "New pricing page"),
        ("2024-03-02", "New pricing page"),
        ("2024-03-01", "Short form"),
        ("2024-03-02", "Short form"),
    ]
    last = rows[1]
    assert last["diff"] == pytest.approx(result.comparisons[0].absolute.value)
    assert last["low"] < last["diff"] < last["high"]


def test_charts_and_view_import_without_streamlit() -> None:
    """kpi_core never imports streamlit: the A/B charts, view model and data load in a fresh interpreter without it."""
    code = (
        "import sys, kpi_core.abtest.charts, kpi_core.abtest.view, kpi_core.abtest.data; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
