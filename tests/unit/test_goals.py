"""SMART goals on data whose answers are known by hand: progress, projections, status, the SMART
letters, the funnel back-solve, persistence and the `goal` command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kpi_core.cli import main
from kpi_core.errors import InputError
from kpi_core.goals import goal_from_dict, review_goal
from kpi_core.goals.progress import trend_forecast
from kpi_core.goals.saved import delete_goal, goals, save_goal
from kpi_core.mapping import mapping_from_dict
from kpi_core.metrics import Performance, Source
from kpi_core.trends.annotations import add_annotation, saved_annotations, update_annotation

# Two years of Mondays; per week Email has 1,000 spend, 50 leads, 20 MQLs, 10 SQLs, 2 customers and
# 20,000 revenue; Webinars 2,000 spend, 40 leads, 20 MQLs, 8 SQLs, 1 customer, 15,000 revenue.
WEEKS = 104
FIRST_MONDAY = date(2024, 1, 1)
MAPPING = {
    "version": 1,
    "kind": "performance",
    "roles": {
        "date": "Week",
        "channel": "Channel",
        "spend": "Spend",
        "leads": "Leads",
        "mqls": "MQLs",
        "sqls": "SQLs",
        "customers": "Customers",
        "revenue": "Revenue",
        "impressions": "Impressions",
    },
    "settings": {"gross_margin": 0.5},
}
ROWS_SQL = f"""
    SELECT DATE '{FIRST_MONDAY}' + INTERVAL (w * 7) DAY AS "Week", c.channel AS "Channel",
           c.spend AS "Spend", c.leads AS "Leads", c.mqls AS "MQLs", c.sqls AS "SQLs",
           c.customers AS "Customers", c.revenue AS "Revenue", 100000 AS "Impressions"
    FROM range({WEEKS}) t(w),
         (VALUES ('Email', 1000.0, 50, 20, 10, 2, 20000.0), ('Webinars', 2000.0, 40, 20, 8, 1, 15000.0))
         c(channel, spend, leads, mqls, sqls, customers, revenue)
"""


@pytest.fixture(scope="module")
def performance() -> Performance:
    con = duckdb.connect()
    con.execute(f'CREATE TABLE rows AS SELECT CAST("Week" AS DATE) AS "Week", * EXCLUDE ("Week") FROM ({ROWS_SQL})')
    return Performance(con, [Source(mapping_from_dict(MAPPING), "rows")])


def goal(**changes: object) -> dict[str, object]:
    """Email SQLs over 13 whole weeks, 29 Sep to 28 Dec 2025."""
    base: dict[str, object] = {
        "name": "Q4 Email SQLs",
        "objective": "pipeline",
        "kpi": "sqls",
        "target": 130,
        "start": "2025-09-29",
        "end": "2025-12-28",
        "where": {"channel": ["Email"]},
    }
    base.update(changes)
    return base


def review(performance: Performance, as_of: date | None = None, **changes: object):  # type: ignore[no-untyped-def]
    return review_goal(goal_from_dict(goal(**changes)), performance, as_of)


# --- progress -----------------------------------------------------------------------------------


def test_sum_goal_during_its_window(performance: Performance) -> None:
    found = review(performance, date(2025, 11, 2)).progress  # 5 weekly rows in: 29 Sep ... 27 Oct
    assert found.actual == 50
    assert found.covered_through == date(2025, 11, 2)  # the row of 27 Oct speaks for its whole week
    assert found.time_elapsed == pytest.approx(35 / 91)
    assert found.progress == pytest.approx(50 / 130)
    assert found.required_per_week == pytest.approx((130 - 50) / 8)
    assert found.projected.pace == pytest.approx(130)
    assert found.projected.trend == pytest.approx(130)  # a flat line: 10 a week for 8 more weeks
    assert found.status == "on_track"


@pytest.mark.parametrize(
    ("target", "status"), [(140, "at_risk"), (200, "off_track"), (50, "achieved"), (130, "on_track")]
)
def test_status_follows_the_projection(performance: Performance, target: int, status: str) -> None:
    assert review(performance, date(2025, 11, 2), target=target).progress.status == status


def test_goal_before_and_after_its_window(performance: Performance) -> None:
    before = review(performance, date(2025, 9, 1)).progress
    assert before.actual is None and before.progress == 0 and before.time_elapsed == 0
    assert before.projected.pace == pytest.approx(130)  # the recent pace, 10 a week, over 13 weeks
    assert before.status == "on_track"
    after = review(performance).progress  # as of the data's last day, 29 Dec 2025
    assert after.actual == 130 and after.time_elapsed == 1 and after.required_per_week is None
    assert after.status == "achieved"
    assert review(performance, target=131).progress.status == "missed"


def test_lower_is_better_ratio_goal(performance: Performance) -> None:
    """CPL is spend / leads over the window, 20 for Email; the goal is the ratio, not a sum."""
    on_track = review(performance, date(2025, 11, 2), kpi="cpl", objective="lead_generation", target=25).progress
    assert on_track.actual == pytest.approx(20)
    assert on_track.progress == pytest.approx(25 / 20)
    assert on_track.status == "on_track"
    # So far 5,000 spend and 250 leads; at that pace 400 more leads come in, and CPL lands on 25 if
    # the rest costs 25 * 650 - 5,000 = 11,250, i.e. 28.125 a lead.
    assert on_track.required_per_week == pytest.approx(28.125)
    assert (
        review(performance, date(2025, 11, 2), kpi="cpl", objective="lead_generation", target=15).progress.status
        == "off_track"
    )


def test_ratio_goal_is_the_ratio_of_the_window_sums(performance: Performance) -> None:
    both = {"channel": ["Email", "Webinars"]}
    found = review(performance, kpi="romi", objective="revenue", target=2.0, where=both).progress
    spend, revenue = 13 * 3000.0, 13 * 35000.0
    assert found.actual == pytest.approx((revenue * 0.5 - spend) / spend)  # gross margin 0.5 from the mapping


def test_relative_target_is_resolved_against_the_period_before(performance: Performance) -> None:
    found = review(performance, date(2025, 11, 2), target={"change": 0.2})
    assert found.progress.target == pytest.approx(130 * 1.2)
    assert "+20%" in (found.target_note or "")
    assert found.sentence.startswith("Generate 20% more SQLs (156)")


def test_sentence_reads_like_the_plan(performance: Performance) -> None:
    assert review(performance).sentence == "Generate 130 SQLs from Email between 29 Sep and 28 Dec 2025"
    cpl = review(performance, kpi="cpl", target=25, where={"channel": ["Email", "Webinars"]}, owner="Ana")
    assert (
        cpl.sentence
        == "Bring Cost per lead down to $25.00 or less from Email and Webinars between 29 Sep and 28 Dec 2025 (owner: Ana)"
    )


def test_trend_forecast_interval_matches_ols_prediction() -> None:
    """The total of the next k periods by OLS, with the prediction interval of a sum of k new points."""
    values = [10, 12, 11, 15, 14, 16, 18, 17.0]
    total, low, high = trend_forecast(pd.Series(values).to_numpy(), 4, level=0.8)  # type: ignore[misc]
    import numpy as np
    from scipy import stats

    fit = stats.linregress(range(8), values)
    future = np.arange(8, 12)
    assert total == pytest.approx(float((fit.intercept + fit.slope * future).sum()))
    x = np.arange(8)
    residual = np.array(values) - (fit.intercept + fit.slope * x)
    s2 = residual @ residual / 6
    design = np.column_stack([np.ones(8), x])
    c = np.array([4.0, future.sum()])
    variance = s2 * (c @ np.linalg.inv(design.T @ design) @ c) + 4 * s2
    half = stats.t.ppf(0.9, 6) * np.sqrt(variance)
    assert (low, high) == (pytest.approx(total - half), pytest.approx(total + half))


# --- SMART --------------------------------------------------------------------------------------


def smart(performance: Performance, others: tuple[dict[str, object], ...] = (), **changes: object):  # type: ignore[no-untyped-def]
    return review_goal(
        goal_from_dict(goal(**changes)), performance, other_goals=[goal_from_dict(o) for o in others]
    ).smart


def test_a_good_goal_passes_every_letter(performance: Performance) -> None:
    check = smart(performance)
    assert check.passed, check.notes
    assert "best quarter so far 130" in check.notes["achievable"]


def test_specific(performance: Performance) -> None:
    assert not smart(performance, name="").specific
    unscoped = smart(performance, where={})
    assert not unscoped.specific and "which channels" in unscoped.notes["specific"]
    assert smart(performance, where={}, kpi="revenue", objective="revenue", target=1).specific  # company-wide
    typo = smart(performance, where={"channel": ["Emial"]})
    assert not typo.specific and "Emial" in typo.notes["specific"]


def test_measurable_says_which_role_to_map(performance: Performance) -> None:
    check = smart(performance, kpi="win_rate", objective="revenue", target=0.3)
    assert not check.measurable and "opportunities" in check.notes["measurable"]


def test_achievable_against_the_best_comparable_period(performance: Performance) -> None:
    assert smart(performance, target=150).achievable  # 1.15x the best quarter: a stretch
    far = smart(performance, target=312)
    assert not far.achievable and "Needs 2.4x your best quarter" in far.notes["achievable"]
    first = smart(performance, start="2024-01-01", end="2024-03-31")
    assert not first.achievable and "No whole quarter" in first.notes["achievable"]
    cheap = smart(performance, kpi="cpl", objective="lead_generation", target=10)
    assert not cheap.achievable and "2x your best" in cheap.notes["achievable"]


def test_relevant(performance: Performance) -> None:
    wrong = smart(performance, objective="awareness")
    assert not wrong.relevant and "does not measure awareness" in wrong.notes["relevant"]
    vanity = smart(performance, kpi="impressions", objective="awareness", target=1_000_000)
    assert not vanity.relevant and "vanity" in vanity.notes["relevant"]
    assert smart(performance, (goal(),), kpi="impressions", objective="awareness", target=1_000_000).relevant


def test_time_bound(performance: Performance) -> None:
    assert not smart(performance, end="2025-09-29").time_bound
    assert not smart(performance, end=None).time_bound


def test_bad_goals_are_refused_with_a_reason() -> None:
    with pytest.raises(InputError, match="Unknown KPI"):
        goal_from_dict(goal(kpi="sql"))
    with pytest.raises(InputError, match="before it starts"):
        goal_from_dict(goal(end="2025-01-01"))
    with pytest.raises(InputError, match="not a date"):
        goal_from_dict(goal(start="1/10/2025"))
    with pytest.raises(InputError, match="must be a number"):
        goal_from_dict(goal(target="lots"))


# --- back-solve ---------------------------------------------------------------------------------


def test_backsolve_through_the_funnel(performance: Performance) -> None:
    solved = review(performance, date(2025, 9, 1), target=195).backsolve
    assert solved is not None
    stages = {s.stage: s for s in solved.stages}
    assert list(stages) == ["impressions", "leads", "mqls", "sqls"]
    assert stages["sqls"].needed == 195
    assert stages["mqls"].needed == pytest.approx(195 / (10 / 20))
    assert stages["leads"].needed == pytest.approx(195 / (10 / 20) / (20 / 50))
    assert stages["sqls"].run_rate == pytest.approx(130)  # 10 a week for 13 weeks
    assert stages["sqls"].gap == pytest.approx(65)
    assert solved.spend is not None and solved.spend.needed == pytest.approx(195 * 100)  # 100 per SQL
    assert review(performance, kpi="cpl", objective="lead_generation", target=25).backsolve is None


def test_backsolve_of_revenue_goes_through_customers(performance: Performance) -> None:
    solved = review(performance, date(2025, 9, 1), kpi="revenue", objective="revenue", target=300_000).backsolve
    assert solved is not None
    stages = {s.stage: s for s in solved.stages}
    assert stages["customers"].needed == pytest.approx(300_000 / 10_000)  # 10,000 a deal


# --- workspace and command line -----------------------------------------------------------------


def test_goals_and_annotations_survive_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROI_WORKBENCH_HOME", str(tmp_path))
    from kpi_core.workspace import Workspace

    ws = Workspace("plans")
    saved = save_goal(ws, goal_from_dict(goal(owner="Ana")))
    save_goal(ws, goal_from_dict(goal(name="Second")))
    note = add_annotation(ws, date(2025, 10, 14), "  Trade show:  SaaStr ", "booth 12")
    update_annotation(ws, note.id, date(2025, 10, 15), "Trade show: SaaStr", "booth 12")  # type: ignore[arg-type]
    delete_goal(ws, 2)
    ws.close()
    again = Workspace("plans")
    assert [g.to_dict() for g in goals(again)] == [saved.to_dict()]
    assert [(a.day, a.title, a.note) for a in saved_annotations(again)] == [
        (date(2025, 10, 15), "Trade show: SaaStr", "booth 12")
    ]
    with pytest.raises(InputError, match="title"):
        add_annotation(again, date(2025, 1, 1), "   ")
    again.close()


def test_an_older_workspace_file_gains_the_goal_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpi_core.workspace import Workspace
    from kpi_core.workspace.schema import MIGRATIONS

    monkeypatch.setenv("ROI_WORKBENCH_HOME", str(tmp_path))
    old = duckdb.connect(str(tmp_path / "legacy.duckdb"))
    for statement in MIGRATIONS[1]:
        old.execute(statement)
    old.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    old.close()
    ws = Workspace("legacy")
    assert goals(ws) == [] and saved_annotations(ws) == []
    ws.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("goal-cli")
    duckdb.execute(f"COPY ({ROWS_SQL}) TO '{folder / 'weekly.csv'}' (HEADER)")
    (folder / "mapping.json").write_text(json.dumps(MAPPING))
    return folder


def run_goal(
    files: Path, spec: dict[str, object], capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    (files / "goal.json").write_text(json.dumps(spec))
    code = main(
        [
            "goal",
            str(files / "weekly.csv"),
            "--mapping",
            str(files / "mapping.json"),
            "--goal",
            str(files / "goal.json"),
            "--format",
            "json",
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_goal_command_prints_the_contract_keys(
    files: Path, performance: Performance, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_goal(files, goal(), capsys, "--as-of", "2025-11-02")
    assert code == 0
    record = json.loads(out)
    assert list(record)[:11] == [
        "sentence",
        "kpi",
        "target",
        "actual",
        "progress",
        "time_elapsed",
        "required_per_week",
        "projected",
        "status",
        "backsolve",
        "smart",
    ]
    assert set(record["smart"]) == {"specific", "measurable", "achievable", "relevant", "time_bound", "notes"}
    in_app = review(performance, date(2025, 11, 2)).to_record()
    assert record == json.loads(json.dumps(in_app, default=str))  # the app and the CLI say the same


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kpi": "roi"}, "Unknown KPI"),
        ({"end": "2025-01-01"}, "before it starts"),
        ({"where": {"region": ["EMEA"]}}, "not mapped"),
    ],
)
def test_goal_command_refuses_bad_goals(
    files: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], message: str
) -> None:
    code, out, err = run_goal(files, goal(**change), capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_alerts_command_finds_an_injected_drop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Email's SQLs fall from 10 to 1 in the week of 2 Jun 2025; only that week and channel is reported,
    and the app's function gives the same records."""
    duckdb.execute(f"""COPY (SELECT * REPLACE (CASE WHEN "Channel" = 'Email' AND "Week" = DATE '2025-06-02'
                     THEN 1 ELSE "SQLs" + (hash("Week", "Channel") % 3) END AS "SQLs") FROM ({ROWS_SQL}))
                     TO '{tmp_path / "weekly.csv"}' (HEADER)""")
    (tmp_path / "mapping.json").write_text(json.dumps(MAPPING))
    code = main(
        [
            "alerts",
            str(tmp_path / "weekly.csv"),
            "--mapping",
            str(tmp_path / "mapping.json"),
            "--kpi",
            "sqls",
            "--by",
            "channel",
            "--format",
            "json",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    records = json.loads(out)
    assert [(r["period"], r["channel"], r["kpi"], r["value"], r["direction"]) for r in records] == [
        ("2025-06-02", "Email", "sqls", 1.0, "down")
    ]
    assert list(records[0])[:8] == ["period", "channel", "kpi", "value", "expected", "score", "direction", "good"]
    code = main(
        [
            "alerts",
            str(tmp_path / "weekly.csv"),
            "--mapping",
            str(tmp_path / "mapping.json"),
            "--kpi",
            "pipeline",
            "--format",
            "json",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: ") and "pipeline" in err
