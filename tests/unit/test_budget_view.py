"""The Budget page's view model and chart specs, without Streamlit: tiles against hand-computed
ROMI and cost per outcome, bounds from an edited limits table, slider ranges, the specs' fields."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kpi_core.budget import budget_history, charts, fit_budget, project, recommend, view
from kpi_core.budget.frames import marginal_frame, projection_table, waterfall_frame
from kpi_core.budget.scenarios import Scenario, compare_scenarios
from kpi_core.budget.simulate import simulate_channels
from kpi_core.metrics.format import money
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


def test_slider_range(model) -> None:  # type: ignore[no-untyped-def]
    curve = model.channels[0]
    plain, wide = view.slider_range(curve, beyond=False), view.slider_range(curve, beyond=True)
    assert plain.top == curve.cap and wide.top == 2 * curve.cap
    assert plain.step == max(1.0, 10 ** np.floor(np.log10(curve.cap) - 2)) and plain.maximum >= plain.step


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


def with_r2(model, r2: float):  # type: ignore[no-untyped-def]
    """The same model with every fitted channel's R² set to ``r2`` (the curves unchanged)."""
    channels = tuple(replace(c, fit=replace(c.fit, r2=r2)) for c in model.channels)
    return replace(model, channels=channels)


def test_a_confident_recommendation_leads_with_move_and_its_range(model) -> None:  # type: ignore[no-untyped-def]
    plan = recommend(model, total=float(model.current().sum()))
    assert view.model_doubt(model) is None and plan.change.enough_evidence
    shown = view.verdict(plan, model, "USD")
    assert (shown.recommend, shown.tone, shown.icon) == (True, "success", ":material/thumb_up:")
    gain, low, high = (money(v, "USD") for v in (plan.change.gain, plan.change.gain_low, plan.change.gain_high))
    assert shown.text.startswith(
        f"Move to this split: it should add about {gain} revenue per week (90% range {low} to {high})"
    )
    assert "statement about the model" not in shown.text


def test_under_r2_0_2_the_chance_is_said_to_be_about_the_model(model) -> None:  # type: ignore[no-untyped-def]
    doubtful = with_r2(model, 0.07)
    plan = recommend(doubtful, total=float(doubtful.current().sum()))
    assert plan.change.probability > 0.99  # the bootstrap alone would say "over 99%"
    shown = view.verdict(plan, doubtful, "USD")
    assert (shown.recommend, shown.tone) == (False, "warning")
    assert shown.text.startswith("Test this split before moving the whole budget:")
    assert "the curves explain only 7% of the week-to-week ups and downs of" in shown.text
    assert "over 99% chance of gaining is a statement about the model, not about the world" in shown.text
    current = project(doubtful, doubtful.current())
    note = view.headline(doubtful, current, 20_000.0, 90_000.0, (80_000.0, 99_000.0), 5_000.0, 0.999, 1.0, "USD").note
    assert "over 99%" in note and "a statement about the model, not about the world" in note
    # a move of a channel whose curve does explain the history carries no caveat
    fine = replace(doubtful, channels=(replace(doubtful.channels[0], fit=replace(doubtful.channels[0].fit, r2=0.6)),
                                       *doubtful.channels[1:]))  # fmt: skip
    moved = [fine.names[0]]
    assert view.model_doubt(fine, moved) is None and view.model_doubt(fine) is not None
    assert "statement" not in view.headline(fine, current, 1.0, 1.0, (1.0, 1.0), 1.0, 0.999, 1.0, "USD", moved).note


def test_a_joint_fit_with_a_low_r2_is_doubted() -> None:
    joint = replace(fit_budget(budget_history(performance_of(simulate_channels(TRUTH, periods=60, seed=5)), "revenue")),
                    mode="joint", r2=0.12)  # fmt: skip
    doubt = view.model_doubt(joint)
    assert doubt is not None and doubt.joint
    assert "fitted together from a total" in doubt.reason("week") and "12%" in doubt.reason("week")
    assert "explains 12% of the ups and downs" in view.weakly_identified_text(joint, "revenue")


RAW = re.compile(r"\b[a-z]+_[a-z_]+\b")


def assert_readable(frame: pd.DataFrame) -> None:
    for cell in [*map(str, frame.to_numpy().ravel()), *map(str, frame.columns)]:
        assert cell not in ("None", "nan", "NaN", "NaT", "<NA>"), frame
        assert not RAW.search(cell), cell
        assert not re.search(r"\de[-+]\d", cell), cell


@pytest.mark.parametrize("target", ["revenue", "customers"])
def test_every_table_the_page_shows_reads_as_words_and_units(model, target: str) -> None:  # type: ignore[no-untyped-def]
    model = replace(model, target=target)  # the same curves, read as customers: counts and a CAC
    model = replace(model, channels=(*model.channels[:-1], replace(model.channels[-1], flags=("no_signal",))))
    plan = recommend(model, total=float(model.current().sum()))
    current = project(model, model.current())
    tables = [
        view.fit_display(model, "USD"),
        view.projection_display(view.recommended_table(plan, model, 1.0), model, "USD"),
        view.projection_display(projection_table(current, model, 1.0, against=current), model, "USD"),
        view.scenario_display(
            compare_scenarios(model, [Scenario("More", target, "week", {model.names[0]: 1.0}, id=1)]), model, "USD"
        ),
    ]
    for shown in tables:
        assert_readable(shown.texts())
    fit = tables[0].texts()
    assert "Fit (R²)" in fit.columns and fit["Notes"].iloc[-1].startswith("spend and outcome do not move together")
    recommended = tables[1].texts()
    assert set(recommended["Limit"]) <= {"Free", "At its minimum", "At its maximum", "Held at current"}
    assert list(recommended["Spend / week"]) == [money(s, "USD") for s in plan.allocation.spends]
    assert tables[3].texts().loc[0, "Chance of gaining (per the curves)"] == "—"
    assert not view.verdict(plan, model, "USD").text.count("None")


def test_sentences_give_counts_their_unit() -> None:
    assert view.amount_with_unit(17.4, "sqls", "USD") == "17.4 SQLs"
    assert view.amount_with_unit(1234.0, "revenue", "USD") == "$1,234"
    assert view.outcome_words("customers") == "customers"


def test_tiles_shorten_large_money_so_four_fit() -> None:
    assert view.tile_amount(255_842.0, "revenue", "USD") == "$256K"
    assert view.tile_amount(77_903.0, "revenue", "USD") == "$77,903"
    assert view.tile_amount(123_456.0, "sqls", "USD") == "123K"  # counts too (Meridian: 409,909,653.4 leads)
    assert view.tile_amount(12_345.6, "sqls", "USD") == "12,345.6"


def test_costs_under_a_cent_and_changes_that_round_to_nothing_are_still_said(model) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from kpi_core.metrics.format import format_change, unit_cost

    nothing = SimpleNamespace(sensitivity=SimpleNamespace(gain=-0.001, holds=False))
    assert view.sensitivity_note(nothing, model, "USD").startswith("With curves 20% flatter the answer is the same")  # type: ignore[arg-type]
    loss = SimpleNamespace(sensitivity=SimpleNamespace(gain=-12.0, holds=False))
    assert "would lose $12.00 per week" in view.sensitivity_note(loss, model, "USD")  # type: ignore[arg-type]

    assert (
        unit_cost(0.0035, "USD") == "$0.0035" and unit_cost(1.543, "USD") == "$1.54" and unit_cost(0, "USD") == "$0.00"
    )
    assert format_change(0.00012) == "+0.012%"


def test_sliders_write_money() -> None:
    assert view.slider_format("usd") == "dollar" and view.slider_format("GBP") == "localized"
