"""The Goals and Annotations pages on the sample data, clicked through with AppTest."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from kpi_core.goals import goal_from_dict, review_goal
from kpi_core.goals.saved import goals, save_goal
from kpi_core.metrics.format import format_value
from kpi_core.metrics.registry import BY_ID
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.trends.annotations import saved_annotations
from kpi_core.workspace import Workspace, load_samples
from tests.conftest import app_on

TIMEOUT = 60
Q4_SQLS = {
    "name": "Q4 pipeline",
    "objective": "pipeline",
    "kpi": "sqls",
    "target": 300,
    "start": "2025-10-01",
    "end": "2025-12-31",
    "where": {"channel": ["Webinars", "Email"]},
    "owner": "Ana",
}


def open_page(page: str) -> AppTest:
    return app_on(page, "samples", TIMEOUT)


@pytest.fixture
def samples() -> Workspace:
    ws = Workspace("samples")
    load_samples(ws)
    return ws


def test_a_saved_goal_shows_progress_status_and_smart_letters(samples: Workspace) -> None:
    goal = save_goal(samples, goal_from_dict(Q4_SQLS))
    samples.close()
    expected = review_goal(goal, workspace_performance(Workspace("samples")))
    at = open_page("pages/goals.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Actual so far"] == format_value(BY_ID["sqls"], expected.progress.actual)
    assert metrics["Target"] == "300"
    assert any(expected.sentence in m.value for m in at.markdown)
    assert any("Achieved" in m.value for m in at.markdown)  # 332 SQLs by 22 Dec: the badge says so
    assert at.success[0].value == "Reached: 332 against a target of 300."  # the lead sentence
    assert sum("✓" in m.value for m in at.markdown) >= 5
    assert not any("What it takes" in m.value for m in at.markdown)  # achieved: nothing left to plan


def test_a_goal_still_open_shows_what_it_takes_upstream(samples: Workspace) -> None:
    save_goal(samples, goal_from_dict({**Q4_SQLS, "target": 450}))
    samples.close()
    at = open_page("pages/goals.py")
    lead = [b.value for kind in ("success", "warning", "error") for b in getattr(at, kind)]
    assert len(lead) == 1 and lead[0].endswith("See what it takes below. Or reset the target."), lead
    assert any("What it takes" in m.value for m in at.markdown)
    stages = at.dataframe[0].value
    assert list(stages["Stage"])[-2:] == ["SQLs", "Spend"]


def test_writing_a_goal_checks_it_live_and_saves_it(samples: Workspace) -> None:
    samples.close()
    at = open_page("pages/goals.py")
    assert any("No goals yet" in i.value for i in at.info)
    at.text_input(key="goal_form_0_name").input("Webinar leads").run()
    at.selectbox(key="goal_form_0_objective").set_value("lead_generation").run()
    at.selectbox(key="goal_form_0_kpi").set_value("leads").run()
    # No scope yet: the Specific letter says what is missing.
    assert any("**S** Specific ✗" in m.value for m in at.markdown)
    at.multiselect(key="goal_form_0_scope_channel").select("Webinars").run()
    assert any("**S** Specific ✓" in m.value for m in at.markdown)
    at.number_input(key="goal_form_0_value").set_value(100_000.0).run()
    assert any("**A** Achievable ✗" in m.value for m in at.markdown)  # far beyond any quarter so far
    at.button(key="save_goal").click().run()
    assert not at.exception
    assert "Saved the goal 'Webinar leads'" in at.success[0].value
    assert at.text_input(key="goal_form_1_name").value == ""  # the editor is empty again
    saved = goals(Workspace("samples"))
    assert [(g.name, g.kpi, g.where) for g in saved] == [("Webinar leads", "leads", {"channel": ("Webinars",)})]


def test_a_half_typed_goal_survives_a_refresh_until_it_is_saved(samples: Workspace) -> None:
    save_goal(samples, goal_from_dict(Q4_SQLS))
    samples.close()
    at = open_page("pages/goals.py")
    at.text_input(key="goal_form_0_name").input("Webinar leads").run()
    at.selectbox(key="goal_form_0_kpi").set_value("leads").run()
    again = open_page("pages/goals.py")  # a refresh: a new session on the same workspace
    assert again.text_input(key="goal_form_1_name").value == "Webinar leads"
    assert again.selectbox(key="goal_form_1_kpi").value == "leads"
    assert "New goal" in [h.value for h in again.header]
    again.button(key="edit_goal_1").click().run()  # editing a saved goal is kept the same way
    again.number_input(key="goal_form_2_value").set_value(420.0).run()
    third = open_page("pages/goals.py")
    assert "Edit goal" in [h.value for h in third.header]
    assert third.number_input(key="goal_form_1_value").value == 420.0
    third.button(key="save_goal").click().run()
    assert not third.exception and goals(Workspace("samples"))[0].target.value == 420
    fourth = open_page("pages/goals.py")
    assert "New goal" in [h.value for h in fourth.header]
    assert fourth.text_input(key="goal_form_0_name").value == ""  # saved: no draft left


def test_edit_and_delete_a_goal(samples: Workspace) -> None:
    save_goal(samples, goal_from_dict(Q4_SQLS))
    samples.close()
    at = open_page("pages/goals.py")
    at.button(key="edit_goal_1").click().run()
    assert "Edit goal" in [h.value for h in at.header]
    assert at.text_input(key="goal_form_1_name").value == "Q4 pipeline"  # a fresh editor, filled in
    at.number_input(key="goal_form_1_value").set_value(400.0).run()
    at.button(key="save_goal").click().run()
    assert goals(Workspace("samples"))[0].target.value == 400
    at.button(key="delete_goal_1").click().run()
    assert goals(Workspace("samples")) == []


def test_annotations_are_added_listed_edited_and_deleted(samples: Workspace) -> None:
    samples.close()
    at = open_page("pages/annotations.py")
    at.date_input[0].set_value(date(2025, 11, 3))
    at.text_input[0].input("Webinar series launch")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert [e.label for e in at.expander] == ["03 Nov 2025 · Webinar series launch"]
    assert [(a.day, a.title) for a in saved_annotations(Workspace("samples"))] == [
        (date(2025, 11, 3), "Webinar series launch")
    ]
    at.text_input[1].input("Webinar series launch (EMEA)")
    at.button[1].click().run()  # Save in the edit form
    assert saved_annotations(Workspace("samples"))[0].title == "Webinar series launch (EMEA)"
    at.button[2].click().run()  # Delete
    assert saved_annotations(Workspace("samples")) == []


def test_an_empty_title_is_refused_with_a_message(samples: Workspace) -> None:
    samples.close()
    at = open_page("pages/annotations.py")
    at.button[0].click().run()
    assert "short title" in at.error[0].value
    assert saved_annotations(Workspace("samples")) == []
