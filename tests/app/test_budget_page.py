"""The Budget page, clicked through with AppTest: the numbers it shows are the core's."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from kpi_core.budget import project, recommend, view
from kpi_core.budget.model import cached_model
from kpi_core.budget.scenarios import budget_scenarios
from kpi_core.goals.saved import save_goal
from kpi_core.mapping import mapping_from_dict
from kpi_core.metrics.format import money
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.workspace import Workspace, load_samples
from tests.conftest import app_on, need_datasets

TIMEOUT = 90


def open_page(workspace: str = "samples", tab: str | None = None) -> AppTest:
    at = app_on("pages/budget.py", workspace, TIMEOUT)
    if tab:
        at.session_state["budget_tab"] = tab  # what a click on the tab sets (only the open tab runs)
        at.run()
        assert not at.exception, at.exception
    return at


@pytest.fixture
def samples() -> Workspace:
    ws = Workspace("samples")
    load_samples(ws)
    return ws


def metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("success", "error", "info", "warning", "caption") for e in getattr(at, kind))


def assert_nothing_raw(at: AppTest) -> None:
    """No None, nan, exponent or snake_case code in any table or text on the page."""
    for frame in at.dataframe:
        if "Keep as is" in frame.value.columns or "locked" in frame.value.columns:
            continue  # the limits editor: its empty cells are for typing
        for cell in [*map(str, frame.value.to_numpy().ravel()), *map(str, frame.value.columns)]:
            assert cell not in ("None", "nan", "NaN", "<NA>", "NaT"), cell
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", cell), cell
            assert not re.search(r"\de[-+]\d", cell), cell
    for kind in ("markdown", "success", "error", "info", "warning", "caption"):
        for element in getattr(at, kind):
            assert not re.search(r"\b(None|nan|no_signal|narrow_range)\b", element.value), element.value


def core_model(ws: Workspace, target: str = "revenue", grain: str = "week"):  # type: ignore[no-untyped-def]
    return cached_model(workspace_performance(ws), target, grain)  # type: ignore[arg-type]


def test_empty_workspace_is_sent_to_upload_data() -> None:
    at = open_page("empty")
    assert any("Map a performance dataset" in i.value for i in at.info)


def test_recommendation_on_sample_data_shows_the_cores_numbers(samples: Workspace) -> None:
    at = open_page()
    plan = recommend(core_model(samples))
    assert plan.change.enough_evidence and plan.change.probability > 0.99
    # the curves of LinkedIn Ads and Google Ads explain 7% of the history: no "over 99%" without the caveat
    (lead,) = [w.value for w in at.warning if "Test this split" in w.value]
    assert lead.startswith("Test this split before moving the whole budget: it projects about $")
    assert "the curves explain only 7% of the week-to-week ups and downs of LinkedIn Ads and Google Ads" in lead
    assert "over 99% chance of gaining is a statement about the model, not about the world" in lead
    assert not at.success
    shown = metrics(at)
    assert ("Revenue per week", view.tile_amount(plan.recommended.outcome, "revenue", "USD")) in shown
    assert ("Spend per week", money(plan.total, "USD")) in shown
    table = [d.value for d in at.dataframe if "Limit" in d.value.columns][0]  # the recommendation's table
    assert list(table["Channel"]) == [c.channel for c in plan.model.channels]
    assert list(table["Spend / week"]) == [money(s, "USD") for s in plan.allocation.spends]
    held = [c.channel for c in plan.model.channels if c.held]
    assert held and set(table.loc[table["Limit"] == "Held at current", "Channel"]) == set(held)
    assert_nothing_raw(at)
    assert "20% flatter" in texts(at)
    [t for t in at.toggle if t.label == "Curves 20% flatter"][0].set_value(True).run()
    assert not at.exception, at.exception
    assert "the optimiser picks when every curve is 20% flatter" in texts(at)


def pick(at: AppTest, channel: str) -> None:
    at.pills(key="budget_what_if_channel").set_value(channel).run()
    assert not at.exception, at.exception


def what_if_spends(at: AppTest) -> dict[str, float]:
    state = at.session_state["budget_what_if"]
    return {**{c.channel: c.current_spend for c in core_model(Workspace("samples")).channels}, **state.spends}


def test_what_if_slider_reprojects_without_refitting(samples: Workspace) -> None:
    at = open_page(tab="What-if")
    model = core_model(samples)
    assert at.pills(key="budget_what_if_channel").options == model.names and len(at.slider) == 1
    pick(at, "LinkedIn Ads")
    assert at.slider[0].label == "LinkedIn Ads: spend per week"
    at.slider[0].set_value(round(model.channel("LinkedIn Ads").current_spend * 0.5)).run()
    assert not at.exception, at.exception
    spends = what_if_spends(at)
    assert spends["LinkedIn Ads"] == round(model.channel("LinkedIn Ads").current_spend * 0.5)
    expected = project(model, [spends[n] for n in model.names])
    assert ("Revenue per week", view.tile_amount(expected.outcome, "revenue", "USD")) in metrics(at)
    assert "chance of gaining" in texts(at)
    assert "a statement about the model, not about the world" in texts(at)  # LinkedIn's curve explains 7%
    assert at.number_input(key="budget_what_if_percent").value == -50.0  # the typed % follows the slider
    assert_nothing_raw(at)


def test_what_if_typed_percent_keeps_the_total_and_survives_a_refresh(samples: Workspace) -> None:
    at = open_page(tab="What-if")
    model = core_model(samples)
    total = float(model.current().sum())
    at.toggle(key="budget_what_if_keep_total").set_value(True).run()
    pick(at, "Google Ads")
    at.number_input(key="budget_what_if_percent").set_value(-20.0).run()
    assert not at.exception, at.exception
    spends = what_if_spends(at)
    assert spends["Google Ads"] == pytest.approx(model.channel("Google Ads").current_spend * 0.8)
    assert sum(spends.values()) == pytest.approx(total)
    assert at.number_input(key="budget_what_if_amount").value == pytest.approx(spends["Google Ads"])
    kept = at.query_params["whatif"]
    # A refresh: a new session with only the URL
    again = app_on("pages/budget.py", "samples", TIMEOUT)
    again.query_params["whatif"] = kept
    again.query_params["budget_tab"] = "What-if"
    again.run()
    assert not again.exception, again.exception
    assert again.slider[0].label == "Google Ads: spend per week"
    assert again.slider[0].value == pytest.approx(spends["Google Ads"])
    assert again.toggle(key="budget_what_if_keep_total").value is True
    assert what_if_spends(again) == pytest.approx(spends, abs=0.01)  # the URL keeps cents
    at.button[[b.label for b in at.button].index("Reset to current spend")].click().run()
    assert at.session_state["budget_what_if"].spends == {}
    assert '"s":{}' in at.query_params["whatif"]  # the picked channel and the switch stay


def test_objectives_bounds_and_impossible_totals(samples: Workspace) -> None:
    at = open_page()
    at.radio[1].set_value("Least budget to reach a goal").run()  # radio 0 is the grain
    assert not at.exception, at.exception
    assert all("statement about the model" in w.value for w in at.warning)  # only the model-doubt verdict
    at.radio[1].set_value("Spend while returns beat a target").run()
    assert not at.exception and all("statement about the model" in w.value for w in at.warning)
    assert_nothing_raw(at)
    at.radio[1].set_value("Best split of a budget").run()
    total = [n for n in at.number_input if n.label.startswith("Total budget")][0]
    total.set_value(10_000_000.0).run()
    assert any("cannot add up" in w.value for w in at.warning)
    assert not at.exception


def test_save_compare_and_delete_a_scenario(samples: Workspace) -> None:
    at = open_page(tab="What-if")
    assert len(at.metric) == 4  # only the What-if tab ran
    pick(at, "LinkedIn Ads")
    at.slider[0].set_value(5000.0).run()
    [t for t in at.text_input if t.label == "Save this split as a scenario"][0].set_value("Half LinkedIn")
    at.button(key="FormSubmitter:save_what_if-Save scenario").click().run()
    assert not at.exception, at.exception
    assert any("Saved scenario 'Half LinkedIn'" in s.value for s in at.success)
    assert at.session_state["budget_tab"] == "What-if" and at.slider  # still on the What-if tab
    saved = budget_scenarios(samples)
    assert [s.name for s in saved] == ["Half LinkedIn"] and saved[0].spends["LinkedIn Ads"] == 5000.0
    at.session_state["budget_tab"] = "Scenarios"
    at.run()
    comparison = at.dataframe[-1].value
    assert list(comparison["Scenario"]) == ["Current split", "Half LinkedIn"]
    assert comparison.loc[1, "Revenue / week"] == money(project(core_model(samples), saved[0].spends).outcome, "USD")
    assert comparison.loc[0, "Chance of gaining (per the curves)"] == "—" and "LinkedIn Ads spend" in comparison
    assert_nothing_raw(at)
    assert len(at.get("download_button")) == 1
    at.selectbox[-1].set_value("Half LinkedIn").run()
    [b for b in at.button if b.label == "Delete"][0].click().run()
    assert budget_scenarios(samples) == []


def test_other_targets_and_monthly_grain(samples: Workspace) -> None:
    at = open_page()
    at.selectbox[0].set_value("sqls").run()
    assert not at.exception, at.exception
    assert any(label == "SQLs per week" for label, _ in metrics(at))
    assert any(label == "Cost per SQL" for label, _ in metrics(at))
    # SQL curves explain 28% or more of the history: a plain recommendation, with its range
    assert any(
        s.value.startswith("Move to this split: it should add about") and "SQLs per week" in s.value for s in at.success
    )
    assert_nothing_raw(at)
    at.radio[0].set_value("month").run()
    assert not at.exception, at.exception
    assert any(label == "Spend per month" for label, _ in metrics(at))


def test_wide_media_mix_sheet_is_labelled_weakly_identified() -> None:
    ws = Workspace("robyn")
    mapping = mapping_from_dict(
        {
            "version": 1,
            "kind": "performance",
            "roles": {
                "date": "DATE",
                "revenue": "revenue",
                "spend": [
                    {"column": f"{c}_S", "channel": c.upper()} for c in ("tv", "ooh", "print", "facebook", "search")
                ],
            },
        }
    )
    ws.add_dataset(need_datasets() / "meta-robyn" / "dt_simulated_weekly.csv", mapping=mapping)
    at = open_page("robyn")
    assert any("fitted together with a baseline" in w.value and "a first guess" in w.value for w in at.warning)
    assert not at.exception


def test_reach_a_smart_goal_prefills_the_outcome_per_period(samples: Workspace) -> None:
    from kpi_core.goals.model import goal_from_dict
    from kpi_core.goals.progress import goal_per_period

    goal = save_goal(
        samples,
        goal_from_dict(
            {
                "name": "Revenue plan",
                "objective": "revenue",
                "kpi": "revenue",
                "target": 2_000_000,
                "start": "2025-10-06",
                "end": "2025-12-28",
            }
        ),
    )
    at = open_page()
    at.radio[1].set_value("Least budget to reach a goal").run()
    picker = [s for s in at.selectbox if s.label == "From a SMART goal"][0]
    picker.set_value("Revenue plan").run()
    assert not at.exception, at.exception
    wanted = goal_per_period(goal, "revenue", "week")
    field = [n for n in at.number_input if n.label.startswith("Revenue (closed-won) per week to reach")][0]
    assert field.value == pytest.approx(round(wanted, 2))
    plan = recommend(core_model(samples), objective="goal", goal=round(wanted, 2))
    assert ("Spend per week", money(plan.total, "USD")) in metrics(at)


def test_hostile_channel_names_are_shown_literally(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kpi_core.budget.simulate import TrueChannel, simulate_channels

    names = ["<script>alert(1)</script>", "**Bold** $x$", 'Quote " and \\ backslash']
    frame = simulate_channels([TrueChannel(n, 50000, 8000, 1.5, 9000) for n in names], seed=4)
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    ws = Workspace("hostile")
    ws.add_dataset(
        path,
        mapping=mapping_from_dict(
            {
                "version": 1,
                "kind": "performance",
                "roles": {"date": "date", "channel": "channel", "spend": "spend", "revenue": "revenue"},
            }
        ),
    )
    at = open_page("hostile", tab="What-if")
    assert not at.exception
    labels = set(at.pills(key="budget_what_if_channel").options)
    assert "\\<script\\>alert(1)\\</script\\>" in labels and "\\*\\*Bold\\*\\* \\$x\\$" in labels
