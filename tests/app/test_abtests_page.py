"""The A/B tests page, clicked through with AppTest: the numbers it shows are the core's."""

from __future__ import annotations

import re
from datetime import date, timedelta

from streamlit.testing.v1 import AppTest

from kpi_core.abtest import Arm, ExperimentSettings, analyse, plan
from kpi_core.abtest.verdict import p_text, rate
from kpi_core.workspace import Workspace, load_samples
from tests.conftest import app_on

TIMEOUT = 60
PASTED = "Variant\tUsers\tConversions\nControl\t24,310\t1,215\nNew pricing page\t24,122\t1,366\n"


def open_page(workspace: str = "abtests") -> AppTest:
    return app_on("pages/abtests.py", workspace, TIMEOUT)


def texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("success", "error", "info", "warning", "markdown") for e in getattr(at, kind))


def test_empty_page_asks_for_arms() -> None:
    at = open_page()
    assert any("Enter at least two arms" in i.value for i in at.info)
    assert not at.error


def test_pasted_counts_give_the_cores_verdict() -> None:
    at = open_page()
    at.text_area(key="ab_arms_text").set_value(PASTED).run()
    assert not at.exception, at.exception
    expected = analyse(
        [Arm("Control", 24310, 1215), Arm("New pricing page", 24122, 1366)], ExperimentSettings()
    ).comparisons[0]
    assert expected.verdict == "win"
    assert "Winner: New pricing page" in texts(at)
    assert "Health check passed" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Control (control)"] == rate(1215 / 24310)
    assert metrics["New pricing page"] == rate(1366 / 24122)
    assert "Ship New pricing page: it converts more than Control, likely by 0.26 to 1.07 points." in texts(at)
    assert any("Not checked: how long the test has run" in i.value for i in at.info)
    numbers = at.dataframe[-1].value
    assert numbers.loc[0, "p-value"] == p_text(expected.absolute.p_value)
    assert numbers.loc[0, "Difference, low"] == f"{expected.absolute.low * 100:+.2f} pts"
    assert_nothing_raw(at)


def assert_nothing_raw(at: AppTest) -> None:
    """No None, nan or snake_case code in any table or text on the page."""
    for frame in at.dataframe:
        for cell in [*map(str, frame.value.to_numpy().ravel()), *map(str, frame.value.columns)]:
            assert cell not in ("None", "nan", "NaN", "<NA>", "NaT"), cell
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", cell), cell
    for kind in ("markdown", "success", "error", "info", "warning", "caption"):
        for element in getattr(at, kind):
            assert not re.search(r"\b(None|nan|not_ready|no_signal)\b", element.value), element.value


def test_a_start_date_turns_keep_testing_into_weeks() -> None:
    at = open_page()
    at.text_area(key="ab_arms_text").set_value("Control, 24310, 1215\nB, 24000, 1240").run()
    assert any("Not checked: how long the test has run" in i.value for i in at.info)
    at.date_input(key="ab_start").set_value(date.today() - timedelta(days=13)).run()
    assert not at.exception, at.exception
    assert not any("Not checked" in i.value for i in at.info)
    assert "Keep testing: about 20 more weeks at your traffic" in texts(at)
    assert_nothing_raw(at)


def test_typed_arms_survive_a_refresh() -> None:
    at = open_page("kept")
    at.text_area(key="ab_arms_text").set_value(PASTED).run()
    again = open_page("kept")
    assert again.text_area(key="ab_arms_text").value == PASTED


def test_bad_lines_get_a_message_not_a_traceback() -> None:
    at = open_page()
    at.text_area(key="ab_arms_text").set_value("Control, 1000, 2000\nB, 1000, 100").run()
    assert not at.exception
    assert any("more conversions" in e.value for e in at.error)
    at.text_area(key="ab_arms_text").set_value("Control, lots, 20\nB, 1000, 100").run()
    assert any("'lots' is not a number" in e.value for e in at.error)


def test_interim_look_and_sequential_switch() -> None:
    at = open_page()
    at.text_area(key="ab_arms_text").set_value(PASTED).run()
    at.number_input(key="ab_planned").set_value(100000).run()
    assert "Interim look" in texts(at) and "Winner" not in texts(at)
    assert "Keep testing: 25,878 more users per arm reach the planned sample" in texts(at)
    at.toggle(key="ab_sequential").set_value(True).run()
    assert "valid at every look" in texts(at)


def test_sample_ratio_mismatch_blocks_the_verdict() -> None:
    at = open_page()
    at.text_area(key="ab_arms_text").set_value("Control, 10000, 1000\nB, 11000, 1400").run()
    assert "Health check failed" in texts(at) and "Winner" not in texts(at)
    assert "Fix the test before reading it" in texts(at)
    assert_nothing_raw(at)


def test_hostile_arm_names_are_shown_literally() -> None:
    at = open_page()
    at.text_area(key="ab_arms_text").set_value(
        "<b>**Ctrl**</b>, 10000, 1000\n[x](javascript:alert(1)), 10000, 1200"
    ).run()
    assert not at.exception
    assert "\\*\\*Ctrl\\*\\*" in texts(at) and "\\[x\\]" in texts(at)


def test_uploaded_experiment_dataset_from_the_samples() -> None:
    ws = Workspace("samples")
    load_samples(ws)
    ws.close()
    at = open_page("samples")
    at.radio(key="ab_source").set_value("An uploaded experiment file").run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:3] == ["Control (control)", "Variant B", "Variant C"]
    assert "Variant B" in texts(at)
    assert_nothing_raw(at)


def test_planner_matches_the_core() -> None:
    at = open_page()
    at.number_input(key="plan_baseline").set_value(20.0).run()
    at.radio(key="plan_kind").set_value("percentage points").run()
    at.number_input(key="plan_effect").set_value(5.0).run()
    at.number_input(key="plan_traffic").set_value(500).run()
    expected = plan(0.2, 0.05, weekly_traffic=500)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Users per arm"] == f"{expected.per_arm:,}" == "1,031"
    assert metrics["Users in total"] == "2,062" and metrics["Duration"] == "5 weeks"
    assert "Smallest detectable change" in metrics
