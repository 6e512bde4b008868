"""The A/B page's view model: every text, tile and frame the page lays out, checked without Streamlit."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kpi_core.abtest import Arm, ExperimentSettings, analyse, plan
from kpi_core.abtest.frames import arm_rates, interval_over_time, lifts
from kpi_core.abtest.parse import parse_split
from kpi_core.abtest.verdict import rate, relative
from kpi_core.abtest.view import (
    FIXED_OVER_TIME,
    SEQUENTIAL_OVER_TIME,
    Notice,
    Tile,
    confidence_label,
    control_index,
    list_size_tile,
    percent_label,
    plan_view,
    result_view,
)
from kpi_core.errors import InputError
from kpi_core.markdown import strip_markdown_escapes

CONTROL, PRICING = Arm("Control", 24310, 1215), Arm("New pricing page", 24122, 1366)
HOSTILE = "[x](javascript:alert(1)) **B**"


def daily(days: int) -> pd.DataFrame:
    """Cumulative counts per day that end at CONTROL and PRICING."""
    rows = []
    for i in range(1, days + 1):
        day = pd.Timestamp("2024-03-01") + pd.Timedelta(days=i - 1)
        for arm in (CONTROL, PRICING):
            rows.append(
                {
                    "day": day,
                    "variant": arm.name,
                    "users": arm.users * i // days,
                    "conversions": (arm.conversions or 0) * i // days,
                }
            )
    return pd.DataFrame(rows)


def test_a_healthy_test_says_so_with_its_runtime() -> None:
    result = analyse([CONTROL, PRICING], ExperimentSettings(start_date=date(2024, 3, 1), as_of=date(2024, 3, 15)))
    (passed,) = result_view(result, None).health
    p = result.health.srm_p_value
    assert p is not None
    assert passed == Notice(
        "success",
        f"Health check passed: users split as planned (p = {p:.4f}), enough users and conversions, 15 days run.",
        ":material/health_and_safety:",
    )


def test_without_a_start_date_the_passed_check_ends_without_days() -> None:
    (passed,) = result_view(analyse([CONTROL, PRICING]), None).health
    assert passed.markdown.endswith("enough users and conversions.")


def test_warnings_replace_the_passed_notice_and_quote_names_literally() -> None:
    result = analyse([Arm("Control", 10000, 1000), Arm(HOSTILE, 10400, 1100)])
    assert result.health.passed and result.health.srm_status == "warn"
    (warning,) = result_view(result, None).health
    assert (warning.tone, warning.icon) == ("warning", ":material/warning:")
    assert "\\[x\\]" in warning.markdown and "\\*\\*B\\*\\*" in warning.markdown and "[x](" not in warning.markdown
    assert strip_markdown_escapes(warning.markdown) == result.health.warnings[0]


def test_a_failed_health_check_withholds_the_verdict() -> None:
    result = analyse([Arm("Control", 10000, 1000), Arm("<b>B</b>", 11000, 1400)])
    view = result_view(result, None)
    failed = view.health[-1]
    prefix = "**Health check failed: no winner is shown.** "
    assert (failed.tone, failed.icon) == ("error", ":material/block:") and failed.markdown.startswith(prefix)
    assert "<b>" not in failed.markdown
    assert strip_markdown_escapes(failed.markdown[len(prefix) :]) == " ".join(result.health.problems)
    (verdict,) = view.verdicts
    assert (verdict.tone, verdict.icon) == ("warning", ":material/hourglass_empty:")
    assert verdict.markdown.startswith("**Not ready for a verdict** · \\<b\\>B\\</b\\> vs Control, conversion rate\n\n")


def test_tiles_show_each_arms_rate_and_the_variants_lift() -> None:
    result = analyse([CONTROL, PRICING, Arm(HOSTILE, 24200, 1190)])
    control, pricing, hostile = result_view(result, None).tiles
    assert control == Tile("Control (control)", rate(1215 / 24310), None, "1,215 conversions of 24,310 users")
    lift = result.comparisons[0].relative.value
    assert lift is not None
    assert pricing == Tile("New pricing page", "5.66%", relative(lift), "1,366 conversions of 24,122 users")
    assert pricing.delta == "+13.3%"
    assert strip_markdown_escapes(hostile.label) == HOSTILE and "**" not in hostile.label


def test_a_winner_is_named_and_its_sentences_are_one_a_line() -> None:
    result = analyse([CONTROL, PRICING])
    (win,) = result_view(result, None).verdicts
    comparison = result.comparisons[0]
    assert (win.tone, win.icon) == ("success", ":material/trophy:")
    head, body = win.markdown.split("\n\n", 1)
    assert head == "**Winner: New pricing page** · New pricing page vs Control, conversion rate"
    assert body.split("  \n") == list(comparison.sentences)


def test_revenue_verdicts_follow_the_conversion_verdicts() -> None:
    result = analyse([Arm("A", 1000, 50, 5000, 90000), Arm("B", 1000, 60, 5600, 99000)])
    conversion, revenue = result_view(result, None).verdicts
    assert conversion.markdown.startswith("**No clear winner yet** · B vs A, conversion rate\n\n")
    assert revenue.markdown.startswith("**No clear winner yet** · B vs A, revenue per user\n\n")
    assert (revenue.tone, revenue.icon) == ("info", ":material/help:")


def test_a_loss_and_an_interim_look() -> None:
    loss = result_view(analyse([PRICING, CONTROL]), None).verdicts[0]
    assert (loss.tone, loss.icon) == ("error", ":material/trending_down:")
    assert loss.markdown.startswith("**Worse than control** · Control vs New pricing page")
    interim = result_view(analyse([CONTROL, PRICING], ExperimentSettings(planned_n=100000)), None).verdicts[0]
    assert interim.tone == "warning" and interim.markdown.startswith("**Not ready for a verdict**")


def test_chart_frames_are_the_cores_frames() -> None:
    result = analyse([CONTROL, PRICING])
    view = result_view(result, None)
    assert view.rates is not None and view.lifts is not None
    pd.testing.assert_frame_equal(view.rates, arm_rates(result))
    pd.testing.assert_frame_equal(view.lifts, lifts(result.comparisons))
    assert view.over_time is None


def test_without_any_interval_there_is_no_lift_chart() -> None:
    view = result_view(analyse([Arm("Control", 1000, 0), Arm("B", 1000, 10)]), None)
    assert view.rates is not None and list(view.rates["arm"]) == ["Control", "B"]
    assert view.lifts is None


def test_the_day_by_day_chart_needs_more_than_one_day() -> None:
    result = analyse([CONTROL, PRICING])
    assert result_view(result, daily(1)).over_time is None
    view = result_view(result, daily(5))
    assert view.over_time is not None
    pd.testing.assert_frame_equal(view.over_time, interval_over_time(daily(5), result))
    assert view.over_time_caption == "Each day shows everything collected up to that day. " + FIXED_OVER_TIME
    sequential = result_view(analyse([CONTROL, PRICING], ExperimentSettings(sequential=True)), daily(5))
    assert sequential.over_time_caption.endswith(SEQUENTIAL_OVER_TIME)


def test_bayesian_table_gives_the_expected_loss_in_points() -> None:
    result = analyse([CONTROL, PRICING])
    view = result_view(result, None)
    assert view.bayesian is not None
    assert list(view.bayesian.columns) == ["Variant", "Chance to beat control", "Expected loss (points)"]
    comparison = result.comparisons[0]
    assert comparison.expected_loss is not None
    row = view.bayesian.iloc[0]
    assert row["Variant"] == "New pricing page"
    assert row["Chance to beat control"] == comparison.chance_to_beat_control
    assert row["Expected loss (points)"] == pytest.approx(comparison.expected_loss * 100)


def test_all_numbers_are_the_records_without_the_message() -> None:
    result = analyse([Arm("A", 1000, 50, 5000, 90000), Arm("B", 1000, 60, 5600, 99000)])
    numbers = result_view(result, None).numbers
    assert "message" not in numbers.columns and len(numbers) == 2
    assert list(numbers["metric"].fillna("conversion_rate")) == ["conversion_rate", "revenue_per_user"]
    assert numbers.loc[0, "p_value"] == result.comparisons[0].absolute.p_value
    assert numbers.loc[1, "abs_diff"] == result.revenue_comparisons[0].absolute.value


def test_labels_of_the_pickers() -> None:
    assert confidence_label(0.05) == "95% (α = 0.05)" and confidence_label(0.1) == "90% (α = 0.1)"
    assert confidence_label(0.01, with_alpha=False) == "99%"
    assert percent_label(0.95) == "95%"
    assert control_index(["Variant B", "Control"]) == 1 and control_index(["First", "Second"]) == 0


def test_the_plan_tiles_and_sentence() -> None:
    view = plan_view(20.0, 5.0, False, 0.05, 0.8, 2, 500)
    expected = plan(0.2, 0.05, weekly_traffic=500)
    assert view.tiles == (
        Tile("Users per arm", f"{expected.per_arm:,}"),
        Tile("Users in total", "2,062"),
        Tile("Duration", "5 weeks", help="Whole weeks, so every weekday counts equally. (4.1 weeks of traffic)"),
    )
    assert view.caption == "Detects 20.0% → 25.0% (+5.00 percentage points) 80% of the time at 95% confidence."


def test_a_plan_with_several_arms_and_no_traffic() -> None:
    view = plan_view(5.0, 10.0, True, 0.05, 0.8, 4, 0)
    assert view.tiles[2] == Tile("Duration", "—", help="Whole weeks, so every weekday counts equally.")
    assert view.tiles[0].value == f"{plan(0.05, 0.1, relative=True, arms=4).per_arm:,}"
    assert view.caption.endswith(
        " With 4 arms, verdicts use Holm-adjusted p-values; plan with confidence 98.3% "
        "to keep full power against every variant."
    )


def test_an_impossible_plan_is_an_input_error() -> None:
    with pytest.raises(InputError):
        plan_view(5.0, 2000.0, True, 0.05, 0.8, 2, 100)


def test_what_a_list_can_detect() -> None:
    detectable = list_size_tile(5.0, 20000, 2, 0.05, 0.8)
    assert detectable is not None and detectable.label == "Smallest detectable change"
    assert detectable.value == "+0.87 percentage points"
    assert detectable.help == "+17.5% relative: 5.00% → 5.87%"
    assert list_size_tile(90.0, 2, 2, 0.05, 0.8) is None
    with pytest.raises(InputError):
        list_size_tile(5.0, 0, 2, 0.05, 0.8)


def test_the_planned_split_as_typed() -> None:
    assert parse_split("") is None and parse_split("  ") is None
    assert parse_split("50,50") == (50.0, 50.0) and parse_split(" 1, 2 ,3") == (1.0, 2.0, 3.0)
    for text in ("a,b", "50,,50", "50;50"):
        with pytest.raises(InputError, match="^Write the planned split as shares separated by commas, e.g. 50,50.$"):
            parse_split(text)
