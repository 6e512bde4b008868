"""The Budget page's view model and chart specs, without Streamlit: tiles against hand-computed
ROMI and cost per outcome, bounds from an edited limits table, slider ranges, the specs' fields."""

from __future__ import annotations

import numpy as np
import pytest

from kpi_core.budget import budget_history, charts, fit_budget, project, recommend, view
from kpi_core.budget.frames import marginal_frame, waterfall_frame
from kpi_core.budget.scenarios import Scenario, compare_scenarios
from kpi_core.budget.simulate import simulate_channels
from tests.unit.test_budget import TRUTH, performance_of


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return fit_budget(budget_history(performance_of(simulate_channels(TRUTH, periods=60, seed=5)), "revenue"))


def test_headline_tiles_show_romi_from_the_projection(model) -> None:  # type: ignore[no-untyped-def]
    current = project(model, model.current())
    shown = view.headline(
        model,
        current,
        spend=20_000.0,
        outcome=90_000.0,
        interval=(80_000.0, 99_000.0),
        change=5_000.0,
        probability=None,
        gross_margin=0.5,
        currency="EUR",
    )
    spend, outcome, change, romi = shown.tiles
    assert spend.label == "Spend per week" and spend.delta_color == "off"
    assert outcome.label == "Revenue per week" and "80,000" in outcome.help  # type: ignore[operator]
    assert change.delta == f"{5_000 / current.outcome:+.1%}"
    assert (romi.label, romi.value) == ("ROMI", f"{(90_000 * 0.5 - 20_000) / 20_000:.0%}")  # 125%
    assert shown.note.startswith("90% range of the projection:") and "chance" not in shown.note
    with_evidence = view.headline(model, current, 20_000.0, 90_000.0, (80_000.0, 99_000.0), 5_000.0, 0.93, 0.5, "EUR")
    assert with_evidence.note != shown.note


def test_bounds_from_the_limits_table(model) -> None:  # type: ignore[no-untyped-def]
    table = view.limits_table(model)
    assert list(table["channel"]) == model.names and table["minimum"].isna().all()
    table.loc[0, "minimum"], table.loc[1, "maximum"], table.loc[2, "locked"] = 500.0, 9_000.0, True
    bounds, locked = view.bounds_from_table(table, model)
    assert bounds == {model.names[0]: (500.0, None), model.names[1]: (None, 9_000.0)}
    assert locked == {model.names[2]}


def test_slider_range_and_start(model) -> None:  # type: ignore[no-untyped-def]
    curve = model.channels[0]
    plain, wide = view.slider_range(curve, beyond=False), view.slider_range(curve, beyond=True)
    assert plain.top == curve.cap and wide.top == 2 * curve.cap
    assert plain.step == max(1.0, 10 ** np.floor(np.log10(curve.cap) - 2)) and plain.maximum >= plain.step
    assert view.slider_start(curve, None, plain) == min(curve.current_spend, curve.cap)
    assert view.slider_start(curve, 10 * curve.cap, plain) == curve.cap


def test_verdict_and_recommended_table(model) -> None:  # type: ignore[no-untyped-def]
    plan = recommend(model, total=float(model.current().sum()))
    verdict = view.verdict(plan, model, "USD")
    assert verdict.icon in (":material/thumb_up:", ":material/check_circle:", ":material/help:") and verdict.text
    table = view.recommended_table(plan, model, 1.0)
    assert list(table.columns[:3]) == ["channel", "spend", "limit"]
    assert list(table["limit"]) == [b or "free" for b in plan.allocation.binding()]
    assert view.sensitivity_note(plan, model, "USD")


def test_chart_specs_draw_aggregated_frames(model) -> None:  # type: ignore[no-untyped-def]
    splits = {"Current": model.current(), "Proposed": model.current() * 1.1}
    allocation = charts.allocation_chart(model, splits).to_dict()
    assert allocation["mark"]["type"] == "bar" and allocation["encoding"]["x"]["field"] == "spend"
    assert allocation["encoding"]["color"]["scale"]["range"] == ["#8c8c8c", "#1f77b4"]
    rows = allocation["datasets"][allocation["data"]["name"]]
    assert len(rows) == 2 * len(model.names)  # one bar per channel and split, never the raw periods
    before, after = project(model, splits["Current"]), project(model, splits["Proposed"])
    waterfall = charts.waterfall_chart(waterfall_frame(before, after), "revenue").to_dict()
    assert waterfall["encoding"]["y2"]["field"] == "end" and "revenue" in waterfall["title"]
    marginal = charts.marginal_chart(marginal_frame(before, after), model).to_dict()
    assert [layer["mark"]["type"] for layer in marginal["layer"]] == ["bar", "rule"]
    grid = charts.curve_grid(model, splits).to_dict()
    assert grid["facet"]["field"] == "channel" and grid["columns"] == 2
    table = compare_scenarios(
        model,
        [Scenario("More search", "revenue", "week", dict(zip(model.names, map(float, splits["Proposed"]))), id=1)],
    )
    assert list(view.scenario_splits(table, model)) == ["Current split", "More search"]
    outcomes = charts.scenario_outcomes_chart(table, model).to_dict()
    assert outcomes["layer"][1]["encoding"]["x2"]["field"] == "outcome_high"
    assert charts.split_colors(["A", "B"]).to_dict() == {"domain": ["A", "B"]}
