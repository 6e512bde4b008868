"""A/B test analysis as a user meets it: verdicts, health gate, planning, and the CLI contract."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from kpi_core.abtest import Arm, ExperimentSettings, analyse
from kpi_core.abtest.frequentist import absolute_difference, holm
from kpi_core.abtest.models import ProportionStatistic
from kpi_core.errors import InputError
from tests.unit.test_cli import run_cli

FORBIDDEN = re.compile(r"proven|prove|\bsure\b|certain|no difference|are the same|guarantee", re.IGNORECASE)


def clean_test(*arms: Arm, **settings: object) -> list:
    result = analyse(list(arms), ExperimentSettings(**settings))  # type: ignore[arg-type]
    for comparison in result.comparisons:
        assert not FORBIDDEN.search(comparison.message.replace("perform the same", "")), comparison.message
    return list(result.comparisons)


def test_clear_winner_is_called_with_the_range_it_fits() -> None:
    (b,) = clean_test(Arm("Control", 10000, 1000), Arm("New page", 10000, 1150))
    assert b.verdict == "win"
    assert b.absolute.low > 0
    assert "New page does better than Control" in b.message
    assert "+1.50 percentage points" in b.message and "anywhere from" in b.message
    assert b.users_needed == 0


def test_clear_loser() -> None:
    (b,) = clean_test(Arm("A", 10000, 1150), Arm("B", 10000, 1000))
    assert b.verdict == "loss" and "does worse" in b.message


def test_inconclusive_never_says_no_difference() -> None:
    (b,) = clean_test(Arm("A", 2000, 200), Arm("B", 2000, 210))
    assert b.verdict == "inconclusive"
    assert "not evidence that the two perform the same" in b.message
    assert b.mde is not None and "can detect a change of" in b.message
    assert b.users_needed and b.users_needed > 0


def test_holm_decides_with_several_variants() -> None:
    arms = [Arm("A", 10000, 1000), Arm("B", 10000, 1090), Arm("C", 10000, 1020), Arm("D", 10000, 1010)]
    comparisons = clean_test(*arms)
    raw = [c.absolute.p_value for c in comparisons]
    assert [c.p_value_adjusted for c in comparisons] == holm(raw)
    b = comparisons[0]
    assert b.absolute.p_value < 0.05 < b.p_value_adjusted  # significant alone, not after the correction
    assert b.verdict == "inconclusive" and "adjusted for 3 variants" in b.message


def test_failed_health_gate_names_no_winner() -> None:
    result = analyse([Arm("A", 10000, 1000), Arm("B", 11000, 1400)])
    assert result.health.srm_status == "fail"
    (b,) = result.comparisons
    assert b.verdict == "not_ready" and b.message.startswith("No verdict yet.")
    assert "does better" not in b.message and b.users_needed is None


def test_too_few_users_or_conversions_or_days() -> None:
    (b,) = analyse([Arm("A", 90, 20), Arm("B", 95, 30)]).comparisons
    assert b.verdict == "not_ready" and "A has 90 users" in b.message
    (b,) = analyse([Arm("A", 1000, 0), Arm("B", 1000, 40)]).comparisons
    assert b.verdict == "not_ready" and "A has 0 conversions" in b.message
    result = analyse(
        [Arm("A", 10000, 1000), Arm("B", 10000, 1200)],
        ExperimentSettings(start_date=date(2026, 3, 1), as_of=date(2026, 3, 4)),
    )
    assert result.health.runtime_days == 4 and result.comparisons[0].verdict == "not_ready"
    assert "run it at least 7 days" in result.comparisons[0].message


def test_interim_look_calls_no_winner_unless_sequential() -> None:
    arms = [Arm("A", 10000, 1000), Arm("B", 10000, 1200)]
    (b,) = analyse(arms, ExperimentSettings(planned_n=40000)).comparisons
    assert b.verdict == "not_ready" and "Interim look: 20,000 of 40,000" in b.message
    assert b.users_needed == 10000
    (b,) = analyse(arms, ExperimentSettings(planned_n=40000, sequential=True)).comparisons
    assert b.verdict == "win" and "valid at every look" in b.message
    fixed = absolute_difference(ProportionStatistic(10000, 1000), ProportionStatistic(10000, 1200), 0.05)
    assert b.absolute.high - b.absolute.low > fixed.high - fixed.low  # the price of peeking safely
    (b,) = analyse(arms, ExperimentSettings(planned_n=20000)).comparisons
    assert b.verdict == "win"


def test_weeks_needed_from_the_traffic_so_far() -> None:
    (b,) = analyse(
        [Arm("A", 7000, 700), Arm("B", 7000, 740)],
        ExperimentSettings(planned_n=28000, start_date=date(2026, 1, 1), as_of=date(2026, 1, 14)),
    ).comparisons
    assert b.users_needed == 7000
    assert b.weeks_needed == pytest.approx(14000 / (14000 / 14 * 7))  # 1,000 users a day: two more weeks


def test_revenue_per_user_is_compared_with_welch() -> None:
    result = analyse([Arm("A", 1000, 300, 40000.0, 4.2e6), Arm("B", 1000, 320, 47000.0, 5.1e6)])
    (revenue,) = result.revenue_comparisons
    assert revenue.metric == "revenue_per_user" and revenue.control_value == 40 and revenue.arm_value == 47
    assert revenue.chance_to_beat_control is None
    assert "$47.00 per user" in revenue.message
    record = result.to_record()
    assert record["revenue_comparisons"][0]["metric"] == "revenue_per_user"


def test_control_can_be_named_and_split_planned() -> None:
    result = analyse([Arm("B", 3000, 300), Arm("A", 7000, 700)], ExperimentSettings(control="A", split=(30, 70)))
    assert result.control.name == "A" and result.health.srm_status == "ok"
    assert result.comparisons[0].arm == "B"


@pytest.mark.parametrize(
    "arms,settings,message",
    [
        ([Arm("A", 100, 10)], {}, "between 2 and 6 arms"),
        ([Arm("A", 100, 10), Arm("A", 100, 12)], {}, "its own name"),
        ([Arm("A", 100, 10), Arm("B", 100, 12)], {"control": "Z"}, "not one of the arms"),
        ([Arm("A", 100, 10), Arm("B", 100, 12)], {"split": (50, 30, 20)}, "3 shares but there are 2 arms"),
    ],
)
def test_impossible_tests_are_refused(arms: list[Arm], settings: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        analyse(arms, ExperimentSettings(**settings))


def test_arm_and_settings_validation() -> None:
    with pytest.raises(InputError, match="more conversions"):
        Arm("A", 10, 11)
    with pytest.raises(InputError, match="negative"):
        Arm("A", -1, 0)
    with pytest.raises(InputError, match="alpha"):
        ExperimentSettings(alpha=0)


# --- command line -------------------------------------------------------------------------------


def test_cli_abtest_json_contract_and_same_numbers() -> None:
    result = run_cli(
        "abtest", "--arm", "Control:10000:1000", "--arm", "B:10000:1100", "--arm", "C:10000:1040", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"alpha", "srm", "arms", "comparisons"} <= set(data)
    assert set(data["srm"]) == {"chi2", "p_value", "status"} and data["srm"]["status"] in ("ok", "warn", "fail")
    assert data["arms"][1] == {"name": "B", "users": 10000, "conversions": 1100, "rate": 0.11}
    keys = {
        "arm",
        "control",
        "abs_diff",
        "abs_ci_low",
        "abs_ci_high",
        "rel_lift",
        "rel_ci_low",
        "rel_ci_high",
        "p_value",
        "p_value_pooled",
        "p_value_adjusted",
        "chance_to_beat_control",
        "expected_loss",
        "mde",
        "verdict",
        "message",
    }
    in_app = analyse([Arm("Control", 10000, 1000), Arm("B", 10000, 1100), Arm("C", 10000, 1040)]).to_record()
    for printed, computed in zip(data["comparisons"], in_app["comparisons"]):
        assert keys <= set(printed) and printed["control"] == "Control"
        assert printed == computed


def test_cli_abtest_options() -> None:
    result = run_cli(
        "abtest",
        "--arm",
        "A:10000:1000",
        "--arm",
        "B:10000:1200",
        "--control",
        "B",
        "--alpha",
        "0.01",
        "--split",
        "50,50",
        "--planned-n",
        "40000",
        "--sequential",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert (
        data["alpha"] == 0.01 and data["comparisons"][0]["arm"] == "A" and data["comparisons"][0]["verdict"] == "loss"
    )


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--arm", "A:100:200", "--arm", "B:100:10"], "more conversions"),
        (["--arm", "A:-100:2", "--arm", "B:100:10"], "negative"),
        (["--arm", "A:1000:100", "--arm", "B:1000:120", "--alpha", "1.5"], "alpha"),
        (["--arm", "A:1000:100", "--arm", "B:1000:120", "--alpha", "0"], "alpha"),
        (["--arm", "A:1000", "--arm", "B:1000:120"], "NAME:USERS:CONVERSIONS"),
        (["--arm", "A:lots:100", "--arm", "B:1000:120"], "users must be a number"),
        (["--arm", "A:1000:100"], "between 2 and 6 arms"),
    ],
)
def test_cli_abtest_bad_arguments_exit_2(args: list[str], needle: str) -> None:
    result = run_cli("abtest", *args, "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]


def test_cli_sample_size_contract() -> None:
    result = run_cli("sample-size", "--baseline", "0.20", "--mde", "0.05", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["per_arm"], data["total"], data["weeks"]) == (1031, 2062, None)
    result = run_cli(
        "sample-size",
        "--baseline",
        "0.20",
        "--mde",
        "0.1",
        "--relative",
        "--arms",
        "3",
        "--weekly-traffic",
        "1000",
        "--alpha",
        "0.05",
        "--power",
        "0.8",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert data["total"] == 3 * data["per_arm"] and data["weeks"] == pytest.approx(data["total"] / 1000)


@pytest.mark.parametrize(
    "args",
    [
        ["--baseline", "1.2", "--mde", "0.05"],
        ["--baseline", "0.2", "--mde", "0"],
        ["--baseline", "0.2", "--mde", "0.05", "--power", "1"],
        ["--baseline", "0.2"],
    ],
)
def test_cli_sample_size_bad_arguments_exit_2(args: list[str]) -> None:
    result = run_cli("sample-size", *args, "--format", "json")
    assert result.returncode == 2 and result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_udacity_per_user_export_from_the_shared_datasets() -> None:
    """A real per-user export (294,478 rows): counts summed in DuckDB equal the dataset's oracles, and a
    test with no real difference is not called."""
    import duckdb

    from kpi_core.abtest.data import experiment_data
    from kpi_core.abtest.frames import default_control, interval_over_time
    from kpi_core.ingest import ingest
    from kpi_core.mapping import mapping_from_dict
    from tests.conftest import need_datasets

    ingested = ingest(need_datasets() / "udacity-ab-test" / "ab_data.csv")
    con: duckdb.DuckDBPyConnection = ingested.con
    con.execute(f"CREATE TABLE ab AS SELECT * FROM {ingested.relation}")
    mapping = mapping_from_dict(
        {
            "version": 1,
            "kind": "experiment",
            "roles": {"variant": "group", "converted": "converted", "timestamp": "timestamp"},
        }
    )
    data = experiment_data(con, mapping, "ab")
    arms = {a.name: a for a in data.arms}
    assert (arms["control"].users, arms["control"].conversions) == (147202, 17723)
    assert (arms["treatment"].users, arms["treatment"].conversions) == (147276, 17514)
    assert (data.first_day, data.last_day) == (date(2017, 1, 2), date(2017, 1, 24))
    control = default_control(list(arms))
    result = analyse(data.arms, ExperimentSettings(control=control, start_date=data.first_day, as_of=data.last_day))
    (treatment,) = result.comparisons
    assert result.health.passed and result.health.srm_status == "ok"
    assert treatment.verdict == "inconclusive" and treatment.absolute.low < 0 < treatment.absolute.high
    assert treatment.p_value_pooled == pytest.approx(0.2161, abs=1e-3)  # the raw rows' pooled z-test
    over_time = interval_over_time(data.daily, result)
    assert len(over_time) == 23 and over_time["diff"].iloc[-1] == pytest.approx(treatment.absolute.value)
