"""The A/B page's view model: every text, tile and frame the page lays out, checked without Streamlit."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from kpi_core.abtest import Arm, ExperimentSettings, analyse, plan
from kpi_core.abtest.frames import arm_rates, interval_over_time, lifts
from kpi_core.abtest.parse import parse_split
from kpi_core.abtest.verdict import rate, relative
from kpi_core.abtest.view import (
    FIXED_OVER_TIME,
    GLOSSARY,
    SEQUENTIAL_OVER_TIME,
    Notice,
    Tile,
    confidence_label,
    control_index,
    list_size_tile,
    numbers_download,
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
        "Health check passed: users split as planned, enough users and conversions, 15 days run.",
        ":material/health_and_safety:",
        f"Sample-ratio test: p = {p:.4f}.",  # the statistic, one click away
    )


def test_without_a_start_date_the_health_check_says_what_it_could_not_run() -> None:
    result = analyse([CONTROL, PRICING])
    passed, not_run = result_view(result, None).health
    assert passed.markdown == (
        "Health check passed for what could be checked: users split as planned, enough users and conversions."
    )
    assert (not_run.tone, not_run.icon) == ("info", ":material/rule:")
    assert not_run.markdown.startswith("Not checked: how long the test has run, because no start date was given.")
    assert "Enter the day the test started" in not_run.markdown and "7 days" in not_run.markdown
    assert result.health.not_run == (not_run.markdown,)
    dated = analyse([CONTROL, PRICING], ExperimentSettings(start_date=date(2024, 3, 1), as_of=date(2024, 3, 15)))
    assert dated.health.not_run == ()


def test_revenue_only_arms_say_conversions_were_not_checked() -> None:
    result = analyse([Arm("A", 1000, None, 5000, 90000), Arm("B", 1000, None, 5600, 99000)])
    passed, *not_run = result_view(result, None).health
    assert passed.markdown.startswith("Health check passed for what could be checked") and "conversions" not in (
        passed.markdown
    )
    assert [n.markdown.split(",")[0] for n in not_run] == [
        "Not checked: conversions per arm",
        "Not checked: how long the test has run",
    ]


def test_warnings_replace_the_passed_notice_and_quote_names_literally() -> None:
    result = analyse([Arm("Control", 10000, 1000), Arm(HOSTILE, 10400, 1100)])
    assert result.health.passed and result.health.srm_status == "warn"
    warning, _ = result_view(result, None).health
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
    lead, head = verdict.markdown.split("\n\n")
    assert lead.startswith("**Fix the test before reading it: users did not split as planned")
    assert head.startswith("Not ready for a verdict · \\<b\\>B\\</b\\> vs Control, conversion rate")


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
    lead, head = win.markdown.split("\n\n")
    low, high = comparison.absolute.low, comparison.absolute.high
    assert low is not None and high is not None
    assert (
        lead
        == f"**Ship New pricing page: it converts more than Control, likely by {low * 100:.2f} to {high * 100:.2f} points.**"
    )
    assert lead == "**Ship New pricing page: it converts more than Control, likely by 0.26 to 1.07 points.**"
    assert head == "Winner: New pricing page · New pricing page vs Control, conversion rate: 5.66% vs 5.00%"
    assert win.details is not None and win.details.split("  \n") == list(comparison.sentences)
    assert "p = " not in win.markdown and "α" not in win.markdown  # the statistics stay one click away
    assert "p-value" in GLOSSARY and "Power" in GLOSSARY


def test_revenue_verdicts_follow_the_conversion_verdicts() -> None:
    result = analyse([Arm("A", 1000, 50, 5000, 90000), Arm("B", 1000, 60, 5600, 99000)])
    conversion, revenue = result_view(result, None).verdicts
    assert conversion.markdown.startswith("**Keep testing: about 6,664 more users per arm to tell whether B is better")
    assert conversion.markdown.endswith("\n\nNo clear winner yet · B vs A, conversion rate: 6.00% vs 5.00%")
    assert "(the data fit anything from -1.00 to +3.00 points)" in conversion.markdown
    assert "Enter the start date to see how many weeks that is." in conversion.markdown
    assert "No clear winner yet · B vs A, revenue per user" in revenue.markdown and "per user" in revenue.markdown
    assert (revenue.tone, revenue.icon) == ("info", ":material/help:")


def test_a_loss_and_an_interim_look() -> None:
    loss = result_view(analyse([PRICING, CONTROL]), None).verdicts[0]
    assert (loss.tone, loss.icon) == ("error", ":material/trending_down:")
    assert loss.markdown.startswith(
        "**Keep New pricing page and drop Control: Control converts less, likely by 0.26 to 1.07 points.**"
    )
    assert "Worse than control · Control vs New pricing page" in loss.markdown
    interim = result_view(analyse([CONTROL, PRICING], ExperimentSettings(planned_n=100000)), None).verdicts[0]
    assert interim.tone == "warning" and "Not ready for a verdict" in interim.markdown
    assert interim.markdown.startswith("**Keep testing: 25,878 more users per arm reach the planned sample")
    dated = ExperimentSettings(planned_n=100000, start_date=date(2024, 3, 1), as_of=date(2024, 3, 14))
    assert (
        "(about 3 more weeks at your traffic)"
        in result_view(analyse([CONTROL, PRICING], dated), None).verdicts[0].markdown
    )


def test_keep_testing_says_how_many_weeks_at_the_traffic_so_far() -> None:
    settings = ExperimentSettings(start_date=date(2024, 3, 1), as_of=date(2024, 3, 14))
    result = analyse([CONTROL, Arm("B", 24000, 1240)], settings)
    (shown,) = result_view(result, None).verdicts
    comparison = result.comparisons[0]
    assert comparison.verdict == "inconclusive" and comparison.weeks_needed is not None
    assert shown.markdown.startswith(
        f"**Keep testing: about 20 more weeks at your traffic ({comparison.users_needed:,} more users per arm) "
        "to tell whether B is better"
    )
    assert comparison.weeks_needed == pytest.approx(19.8, abs=0.1)
    same = analyse([CONTROL, Arm("B", 24300, 1216)], settings)
    (tiny,) = result_view(same, None).verdicts  # a gap too small to confirm: stop, keep the control
    assert tiny.markdown.startswith("**Keep Control unless B is better in other ways: any difference is too small")
    assert "more than a year of testing" in tiny.markdown
    reached = analyse([CONTROL, Arm("B", 24000, 1240)], ExperimentSettings(planned_n=40000))
    assert (
        result_view(reached, None)
        .verdicts[0]
        .markdown.startswith("**Stop the test and keep Control: it reached its planned sample with no clear difference")
    )


def test_too_few_users_says_keep_testing() -> None:
    (shown,) = result_view(analyse([Arm("A", 50, 3), Arm("B", 60, 4)]), None).verdicts
    assert shown.markdown.startswith("**Keep testing: every arm needs at least 100 users and 25 conversions")
    short = analyse([CONTROL, PRICING], ExperimentSettings(start_date=date(2024, 3, 1), as_of=date(2024, 3, 3)))
    assert result_view(short, None).verdicts[0].markdown.startswith("**Keep testing: the test has run 3 day(s)")


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


def shown_cells(frame: pd.DataFrame) -> list[str]:
    return [str(v) for v in frame.to_numpy().ravel()] + [str(c) for c in frame.columns]


def assert_readable(frame: pd.DataFrame) -> None:
    """No None, nan, snake_case code or exponent anywhere a person reads."""
    for cell in shown_cells(frame):
        assert cell not in ("None", "nan", "NaN", "NaT", "<NA>"), frame
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", cell), cell
        assert not re.search(r"\de[-+]\d", cell), cell


@pytest.mark.parametrize(
    "arms, settings",
    [
        ([CONTROL, PRICING], ExperimentSettings()),
        ([Arm("A", 1000, 50, 5000, 90000), Arm("B", 1000, 60, 5600, 99000)], ExperimentSettings(planned_n=5000)),
        ([Arm("Control", 10000, 1000), Arm("B", 11000, 1400), Arm("C", 10000, 0)], ExperimentSettings()),
        ([Arm("A", 1000, 0), Arm("B", 1000, 0)], ExperimentSettings(sequential=True)),
    ],
)
def test_the_shown_tables_read_as_words_and_units(arms: list[Arm], settings: ExperimentSettings) -> None:
    view = result_view(analyse(arms, settings), None)
    assert view.tables
    for shown in view.tables:
        texts = shown.texts()
        assert_readable(texts)
        assert "Verdict" in texts.columns and set(texts["Verdict"]) <= {
            "Winner",
            "Worse than control",
            "No clear winner yet",
            "Not ready for a verdict",
        }
    if view.bayesian_table is not None:
        assert_readable(view.bayesian_table.texts())
    first = view.tables[0].texts().iloc[0]
    if arms[0].revenue is None:
        assert first["Difference"].endswith(" pts") and first["p-value"][:1] in ("p", "—")
    for box in view.health + view.verdicts:
        assert "None" not in box.markdown and "nan" not in box.markdown and "not_ready" not in box.markdown
    download = numbers_download(view.tables)
    assert "Variant" in download.columns and "arm" not in download.columns


def test_labels_of_the_pickers() -> None:
    assert confidence_label(0.05) == "95%" and confidence_label(0.1) == "90%"
    assert confidence_label(0.01, with_alpha=True) == "99% (α = 0.01)"
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
