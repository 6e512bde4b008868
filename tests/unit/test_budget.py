"""Budget reallocation: curve maths, fitting against scipy, the optimiser against brute force under
known true curves, what-ifs, the shared media-mix datasets, and the ``budget`` command's contract."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime, least_squares, minimize

from kpi_core.budget import budget_history, fit_budget, project, recommend, resolve_bounds, view
from kpi_core.budget.curves import FAMILIES, flattened
from kpi_core.budget.fit import batched_levenberg_marquardt, carryover, fit_channel
from kpi_core.budget.optimise import allocate, efficient_spend, least_budget_for
from kpi_core.budget.simulate import TrueChannel, simulate_channels
from kpi_core.budget.whatif import compare
from kpi_core.errors import InputError
from kpi_core.mapping import mapping_from_dict
from kpi_core.metrics import KpiRequest, Performance, Source
from tests.conftest import need_datasets
from tests.unit.test_cli import run_cli

TRUTH = [
    TrueChannel("Search", beta=60000, half_saturation=8000, exponent=1.0, typical_spend=9000),
    TrueChannel("LinkedIn", beta=90000, half_saturation=20000, exponent=2.2, typical_spend=12000, decay=0.3),
    TrueChannel("Events", beta=40000, half_saturation=15000, exponent=2.8, typical_spend=6000),
    TrueChannel("Display", beta=20000, half_saturation=3000, exponent=1.3, typical_spend=8000),
]
LONG_MAPPING = {
    "version": 1,
    "kind": "performance",
    "roles": {"date": "date", "channel": "channel", "spend": "spend", "revenue": "revenue"},
}


def performance_of(frame: pd.DataFrame, mapping: dict = LONG_MAPPING) -> Performance:
    con = duckdb.connect()
    con.register("incoming", frame)
    con.execute("CREATE TABLE rows AS SELECT * FROM incoming")
    return Performance(con, [Source(mapping_from_dict(mapping), "rows")])


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate_channels(TRUTH, periods=104, seed=3)


@pytest.fixture(scope="module")
def model(simulated: pd.DataFrame):  # type: ignore[no-untyped-def]
    return fit_budget(budget_history(performance_of(simulated), "revenue"))


# --- curve maths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "family,free",
    [
        ("hill", [50.0, np.log(900.0), np.log(40.0), np.log(2.2)]),
        ("hill", [0.0, np.log(500.0), np.log(70.0), np.log(0.7)]),
        ("exponential", [20.0, np.log(800.0), np.log(55.0)]),
    ],
)
def test_jacobian_and_marginal_match_finite_differences(family: str, free: list[float]) -> None:
    curve = FAMILIES[family]
    x = np.linspace(1.0, 200.0, 25)
    free_vector = np.array(free)
    _, jac = curve.predict_jacobian(free_vector[None, :], x)
    for i, point in enumerate(x):
        numeric = approx_fprime(
            free_vector, lambda p, point=point: curve.predict(p[None, :], np.array([point]))[0, 0], 1e-7
        )
        assert np.allclose(jac[0, i], numeric, rtol=1e-4, atol=1e-4)
    natural = curve.natural(free_vector)
    numeric_marginal = (curve.value(natural, x + 1e-4) - curve.value(natural, x - 1e-4)) / 2e-4
    assert np.allclose(curve.marginal(natural, x), numeric_marginal, rtol=1e-5)
    assert np.allclose(curve.value(natural, x), curve.predict(free_vector[None, :], x)[0])


def test_flattened_curve_passes_through_today_and_saturates_sooner() -> None:
    natural = np.array([10.0, 1000.0, 50.0, 1.5])
    flat = flattened("hill", natural, 40.0, 0.8)
    assert FAMILIES["hill"].value(flat, 40.0) == pytest.approx(FAMILIES["hill"].value(natural, 40.0))
    assert FAMILIES["hill"].value(flat, 120.0) < FAMILIES["hill"].value(natural, 120.0)
    rows = np.tile(natural, (3, 1))
    assert np.allclose(flattened("hill", rows, 40.0, 0.8), flat)


def test_carryover_is_normalised_geometric_adstock_with_lag() -> None:
    spend = np.array([100.0, 0, 0, 50, 50, 50])
    effective = carryover(spend, 0.5)
    expected, carry = [], 100.0  # starts as if the first spend had always run
    for s in spend:
        carry = 0.5 * s + 0.5 * carry
        expected.append(carry)
    assert np.allclose(effective, expected)
    assert np.allclose(carryover(np.full(20, 70.0), 0.6), 70.0)  # steady spend: effective = spend
    lagged = carryover(spend, 0.0, lag=2)
    assert np.isnan(lagged[:2]).all() and np.allclose(lagged[2:], spend[:-2])


@pytest.mark.parametrize("decay", [0.001, 0.3, 0.5, 0.6, 0.999])
@pytest.mark.parametrize("shape", [(1,), (7,), (156,), (3, 104), (2, 4, 52)])
def test_carryover_is_scipy_lfilter_to_the_bit(decay: float, shape: tuple[int, ...]) -> None:
    from scipy.signal import lfilter  # what carryover computed before it stopped importing scipy.signal

    spend = np.random.default_rng(sum(shape)).lognormal(5, 2, shape)
    spend[np.random.default_rng(7).random(shape) < 0.2] = 0.0
    want = lfilter([1.0 - decay], [1.0, -decay], spend, axis=-1, zi=np.atleast_1d(decay * spend[..., :1]))[0]
    np.testing.assert_array_equal(carryover(spend, decay), want)
    np.testing.assert_array_equal(carryover(spend, decay, lag=2)[..., 2:], want[..., :-2])


# --- fitting ----------------------------------------------------------------------------------


def test_batched_solver_reaches_scipy_least_squares_optimum() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(10, 200, 80)
    truth = np.array([30.0, 900.0, 70.0, 1.8])
    y = FAMILIES["hill"].value(truth, x) + rng.normal(0, 25, 80)
    family = FAMILIES["hill"]
    lower = np.array([0.0, np.log(1.0), np.log(2.0), np.log(0.5)])
    upper = np.array([500.0, np.log(1e5), np.log(1e4), np.log(4.0)])
    start = family.free(np.array([10.0, 500.0, 100.0, 1.0]))
    ours, sse = batched_levenberg_marquardt(family, x, y[None, :], start, lower, upper, iterations=100)
    reference = least_squares(lambda p: family.predict(p[None, :], x)[0] - y, start, bounds=(lower, upper))
    assert sse[0] == pytest.approx(float((reference.fun**2).sum()), rel=1e-6)
    assert np.allclose(family.natural(ours[0]), family.natural(reference.x), rtol=1e-3)


def test_fit_recovers_a_known_s_curve_with_carryover_and_an_honest_interval() -> None:
    rng = np.random.default_rng(11)
    spend = rng.uniform(2000, 12000, 104)
    truth = np.array([500.0, 50000.0, 6000.0, 2.0])
    outcome = FAMILIES["hill"].value(truth, carryover(spend, 0.3)) + rng.normal(0, 2000, 104)
    fit, flags = fit_channel(spend, outcome)
    assert fit.family == "hill" and fit.decay == 0.3 and flags == []
    assert fit.r2 is not None and fit.r2 > 0.9 and fit.points == 104
    assert fit.params[3] == pytest.approx(2.0, rel=0.25)
    low, high = np.quantile(FAMILIES["hill"].value(fit.replicates, 8000.0), [0.05, 0.95])
    assert low < FAMILIES["hill"].value(truth, 8000.0) < high
    assert fit.replicates.shape == (200, 4)
    again, _ = fit_channel(spend, outcome)
    assert np.array_equal(again.replicates, fit.replicates)  # deterministic


def test_channels_that_cannot_be_fitted_are_flagged_not_guessed() -> None:
    rng = np.random.default_rng(2)
    few, flags = fit_channel(np.array([0, 0, 0, 100, 0, 0, 0, 0, 120, 0, 0, 90.0]), rng.uniform(0, 10, 12))
    assert few.family == "flat" and flags == ["too_few_points"]
    steady = 1000 * rng.uniform(0.95, 1.05, 60)
    _, flags = fit_channel(steady, 3 * steady + rng.normal(0, 50, 60))
    assert "narrow_range" in flags
    _, flags = fit_channel(rng.uniform(100, 1000, 60), rng.normal(500, 50, 60))
    assert "no_signal" in flags


# --- the optimiser ----------------------------------------------------------------------------


def true_outcome(names: list[str], spends: np.ndarray) -> float:
    truth = {c.name: c for c in TRUTH}
    return sum(float(truth[n].value(s)) for n, s in zip(names, spends))


def brute_force(names: list[str], total: float, lower: np.ndarray, upper: np.ndarray, points: int = 121) -> float:
    """The true optimum on a fine grid of the first three channels (the last takes the rest), all
    121^3 combinations evaluated at once with numpy."""
    assert len(names) == 4
    truth = {c.name: c for c in TRUTH}
    grids = np.meshgrid(*[np.linspace(lo, hi, points) for lo, hi in zip(lower[:-1], upper[:-1])], indexing="ij")
    last = total - grids[0] - grids[1] - grids[2]
    ok = (last >= lower[-1] - 1e-9) & (last <= upper[-1] + 1e-9)
    spends = [grid[ok] for grid in grids] + [last[ok]]
    values = sum(np.asarray(truth[n].value(s), dtype=float) for n, s in zip(names, spends))
    return float(np.max(values)) if np.size(values) else -np.inf


@pytest.mark.parametrize("case", ["current total", "larger total", "bounds"])
def test_recommendation_earns_98_percent_of_the_true_optimum(model, case: str) -> None:  # type: ignore[no-untyped-def]
    names = model.names
    current_total = float(model.current().sum())
    bounds: dict = {}
    total = current_total
    if case == "larger total":
        total = 1.4 * current_total
    if case == "bounds":
        bounds = {"Events": (4000.0, None), "Search": (None, 9000.0)}
    plan = recommend(model, total=total, bounds=bounds, beyond_cap=True)
    spends = plan.allocation.spends
    assert spends.sum() == pytest.approx(total, rel=1e-6)
    assert np.all(spends >= plan.allocation.lower - 1e-6) and np.all(spends <= plan.allocation.upper + 1e-6)
    optimum = brute_force(names, total, plan.allocation.lower, plan.allocation.upper)
    assert true_outcome(names, spends) >= 0.98 * optimum
    assert true_outcome(names, spends) > true_outcome(names, model.current() * total / current_total)


def test_concave_curves_are_solved_exactly_and_match_scipy() -> None:
    truth = [
        TrueChannel(n, beta=b, half_saturation=k, exponent=1.0, typical_spend=s)
        for n, b, k, s in [("A", 50000, 6000, 5000), ("B", 30000, 2000, 4000), ("C", 80000, 15000, 9000)]
    ]
    model = fit_budget(budget_history(performance_of(simulate_channels(truth, seed=1)), "revenue"), adstock=False)
    assert model.all_concave()
    total = float(model.current().sum())
    lower, upper = resolve_bounds(model, total, beyond_cap=True)
    allocation = allocate(model, total, lower, upper)
    assert allocation.method in ("equal marginal returns", "current split")
    reference = minimize(
        lambda s: -model.total(s),
        model.current(),
        method="SLSQP",
        bounds=list(zip(lower, upper)),
        constraints=[{"type": "eq", "fun": lambda s: s.sum() - total}],
        options={"ftol": 1e-12},
    )
    assert model.total(allocation.spends) >= -reference.fun - 1e-6 * abs(reference.fun)
    free = [i for i, label in enumerate(allocation.binding()) if not label]
    marginals = model.marginals(allocation.spends)[free]
    assert np.allclose(marginals, marginals[0], rtol=1e-4)


def test_optimiser_never_returns_worse_than_current_and_reports_binding_bounds(model) -> None:  # type: ignore[no-untyped-def]
    total = float(model.current().sum())
    lower, upper = resolve_bounds(model, total, locked={"LinkedIn"})
    allocation = allocate(model, total, lower, upper)
    assert model.total(allocation.spends) >= model.total(model.current()) - 1e-9
    labels = dict(zip(model.names, allocation.binding()))
    assert labels["LinkedIn"] == "held"
    assert allocation.spends[model.names.index("LinkedIn")] == pytest.approx(model.channel("LinkedIn").current_spend)
    caps = model.caps()
    assert np.all(
        upper[[i for i, n in enumerate(model.names) if n != "LinkedIn"]]
        == caps[[i for i, n in enumerate(model.names) if n != "LinkedIn"]]
    )


def test_target_efficiency_and_reach_a_goal(model) -> None:  # type: ignore[no-untyped-def]
    lower, upper = resolve_bounds(model, 0.0, check_total=False)
    efficient = efficient_spend(model, 2.0, lower, upper)
    marginals = model.marginals(efficient.spends)
    for spend, marginal, low, high in zip(efficient.spends, marginals, lower, upper):
        assert marginal >= 2.0 - 1e-6 or spend == pytest.approx(low)
        assert spend <= high + 1e-9
        if low + 1e-6 < spend < high - 1e-6:
            assert marginal == pytest.approx(2.0, rel=1e-3)
    goal = model.total(model.current()) * 1.05
    found, most = least_budget_for(model, goal, lower, upper)
    assert found is not None and model.total(found.spends) >= goal * (1 - 1e-4) and most >= goal
    cheaper = allocate(model, found.spends.sum() * 0.97, lower, upper)
    assert model.total(cheaper.spends) < goal
    assert least_budget_for(model, most * 2, lower, upper)[0] is None
    with pytest.raises(InputError, match="out of reach"):
        recommend(model, objective="goal", goal=most * 2)


def test_impossible_bounds_are_refused(model) -> None:  # type: ignore[no-untyped-def]
    total = float(model.current().sum())
    with pytest.raises(InputError, match="cannot add up"):
        resolve_bounds(model, total * 10)
    with pytest.raises(InputError, match="No channel named 'TikTok'"):
        resolve_bounds(model, total, {"TikTok": (0.0, 1.0)})
    with pytest.raises(InputError, match="above the maximum"):
        resolve_bounds(model, total, {"Search": (5000.0, 100.0)})
    with pytest.raises(InputError, match="zero or more"):
        recommend(model, total=-5)


# --- what-ifs -----------------------------------------------------------------------------------


def test_what_if_projection_intervals_and_evidence(model) -> None:  # type: ignore[no-untyped-def]
    now = project(model, model.current())
    assert now.outcome == pytest.approx(model.total(model.current()))
    for channel in now.channels:
        assert channel.outcome_low <= channel.outcome <= channel.outcome_high
        assert channel.marginal_low <= channel.marginal_return <= channel.marginal_high
    low, high = now.interval
    assert low <= now.outcome <= high
    same = compare(now, project(model, {}))
    assert same.gain == 0 and same.probability == 0 and not same.enough_evidence
    plan = recommend(model)
    assert plan.change.enough_evidence and plan.change.gain > 0
    beyond = project(model, {"Search": model.channel("Search").cap * 1.5})
    assert beyond.channels[model.names.index("Search")].beyond_cap


def test_history_drops_an_unfinished_last_period_and_rejects_unmapped_targets(simulated: pd.DataFrame) -> None:
    daily = simulated.loc[simulated.index.repeat(7)].copy()
    daily["date"] = pd.to_datetime(daily["date"]) + pd.to_timedelta(daily.groupby(level=0).cumcount(), unit="D")
    daily[["spend", "revenue"]] /= 7
    assert len(budget_history(performance_of(daily), "revenue").periods) == 104
    unfinished = daily[daily["date"] <= daily["date"].max() - pd.Timedelta(days=4)]  # ends on a Wednesday
    assert len(budget_history(performance_of(unfinished), "revenue").periods) == 103
    with pytest.raises(InputError, match="'customers' cannot be a budget target"):
        budget_history(performance_of(simulated), "customers")
    monthly = budget_history(performance_of(simulated), "revenue", "month", KpiRequest())
    assert monthly.grain == "month" and 20 <= len(monthly.periods) <= 24


# --- shared media-mix datasets -------------------------------------------------------------------

ROBYN_MAPPING = {
    "version": 1,
    "kind": "performance",
    "roles": {
        "date": "DATE",
        "revenue": "revenue",
        "spend": [{"column": f"{c}_S", "channel": c} for c in ("tv", "ooh", "print", "facebook", "search")],
    },
}


def test_robyn_weekly_demo_data_fits_jointly_and_is_labelled_weakly_identified() -> None:
    frame = pd.read_csv(need_datasets() / "meta-robyn" / "dt_simulated_weekly.csv")
    frame["DATE"] = pd.to_datetime(frame["DATE"])
    model = fit_budget(budget_history(performance_of(frame, ROBYN_MAPPING), "revenue"))
    assert model.mode == "joint" and model.weakly_identified and len(model.periods) == 208
    assert model.r2 is not None and model.r2 > 0.75
    assert all("weakly_identified" in c.flags for c in model.channels)
    assert model.current().sum() * 208 == pytest.approx(3_087_488 + 8_989_332 + 775_556 + 446_297 + 1_230_427, rel=1e-3)
    plan = recommend(model)
    record = plan.to_record()
    assert record["recommended_outcome"] >= record["current_outcome"]
    # media earn a plausible share of revenue (Robyn's own decomposition puts paid media at a few %-20%)
    media = sum(c["current_outcome"] for c in record["channels"])
    assert 0.02 < media / record["current_outcome"] < 0.5


def test_meridian_national_sheet_fits_and_says_media_explain_little(tmp_path: Path) -> None:
    mapping = {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": "time",
            "customers": "conversions",
            "spend": [{"column": f"Channel{i}_spend", "channel": f"Channel{i}"} for i in range(6)],
        },
    }
    path = tmp_path / "meridian.json"
    path.write_text(json.dumps(mapping))
    result = run_cli(
        "budget",
        str(need_datasets() / "google-meridian" / "national_media.xlsx"),
        "--mapping",
        str(path),
        "--target",
        "customers",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "joint" and data["weakly_identified"] and data["periods"] == 156
    assert len(data["channels"]) == 6
    # conversions fall slightly as spend rises in this sheet: no split gains with confidence
    assert not data["enough_evidence"]


# --- command line -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated_files(simulated: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("budget")
    data, mapping = folder / "channels.csv", folder / "mapping.json"
    simulated.to_csv(data, index=False)
    mapping.write_text(json.dumps(LONG_MAPPING))
    return data, mapping


def test_cli_budget_json_contract_and_same_numbers_as_the_app(simulated_files: tuple[Path, Path], model) -> None:  # type: ignore[no-untyped-def]
    data, mapping = simulated_files
    result = run_cli("budget", str(data), "--mapping", str(mapping), "--format", "json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert {"target", "grain", "total", "channels", "current_outcome", "recommended_outcome", "uplift"} <= set(printed)
    assert (printed["target"], printed["grain"]) == ("revenue", "week")
    for channel in printed["channels"]:
        assert {
            "channel",
            "current_spend",
            "recommended_spend",
            "current_outcome",
            "recommended_outcome",
            "marginal_return",
            "curve",
        } <= set(channel)
        assert {"family", "params", "r2", "points"} <= set(channel["curve"])
        assert channel["curve"]["points"] == 104
    assert printed["total"] == pytest.approx(sum(c["current_spend"] for c in printed["channels"]))
    assert printed["total"] == pytest.approx(sum(c["recommended_spend"] for c in printed["channels"]))
    in_app = recommend(model).to_record()
    assert printed["recommended_outcome"] == pytest.approx(in_app["recommended_outcome"], rel=1e-9)
    assert printed["uplift"] == pytest.approx(printed["recommended_outcome"] / printed["current_outcome"] - 1)
    advice = view.verdict(recommend(model), model, "USD")
    assert printed["verdict"] == {"recommend": advice.recommend, "text": advice.text}  # the page's lead sentence
    text = run_cli("budget", str(data), "--mapping", str(mapping)).stdout
    assert text.rstrip().endswith(advice.text) and "chance of gaining 100%" not in text

    result = run_cli(
        "budget",
        str(data),
        "--mapping",
        str(mapping),
        "--total",
        "40000",
        "--bounds",
        "Events=50%:",
        "--bounds",
        "Search=:8000",
        "--grain",
        "month",
        "--format",
        "json",
    )
    printed = json.loads(result.stdout)
    assert printed["grain"] == "month"
    spends = {c["channel"]: c["recommended_spend"] for c in printed["channels"]}
    assert printed["total"] == pytest.approx(40000) and spends["Search"] <= 8000 + 1e-6


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--total", "-100"], "zero or more"),
        (["--bounds", "TikTok=0:100"], "No channel named 'TikTok'"),
        (["--bounds", "Search=lots:100"], "CHANNEL=MIN:MAX"),
        (["--bounds", "Search"], "CHANNEL=MIN:MAX"),
        (["--total", "100", "--bounds", "Search=500:", "--bounds", "Events=500:"], "cannot add up"),
        (["--total", "10000000"], "cannot add up"),
        (["--target", "customers"], "not mapped"),
        (["--grain", "day"], "invalid choice"),
    ],
)
def test_cli_budget_bad_input_exits_2_with_one_line(
    simulated_files: tuple[Path, Path], args: list[str], needle: str
) -> None:
    data, mapping = simulated_files
    result = run_cli("budget", str(data), "--mapping", str(mapping), *args, "--format", "json")
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines


def test_a_smart_goal_becomes_an_outcome_per_period() -> None:
    from datetime import date

    from kpi_core.goals.model import goal_from_dict
    from kpi_core.goals.progress import goal_per_period

    quarter = goal_from_dict(
        {
            "name": "Q1 revenue",
            "objective": "revenue",
            "kpi": "revenue",
            "target": 1_300_000,
            "start": "2026-01-05",
            "end": "2026-04-05",
        }
    )
    assert (quarter.end - quarter.start).days + 1 == 91 and quarter.start == date(2026, 1, 5)
    assert goal_per_period(quarter, "revenue", "week") == pytest.approx(100_000)
    assert goal_per_period(quarter, "sqls", "week") is None
    scoped = goal_from_dict({**quarter.to_dict(), "where": {"channel": ["Events"]}})
    assert goal_per_period(scoped, "revenue", "week") is None


def test_a_channel_held_for_too_few_points_keeps_everyone_elses_intervals(simulated: pd.DataFrame) -> None:
    rare = simulated[simulated["channel"] == "Search"].copy()
    rare["channel"], rare["revenue"] = "Podcast", rare["revenue"] / 10
    rare.loc[rare.index[5:], "spend"] = 0.0  # five weeks of spend only
    model = fit_budget(budget_history(performance_of(pd.concat([simulated, rare], ignore_index=True)), "revenue"))
    podcast = model.channel("Podcast")
    assert podcast.held and podcast.flags == ("too_few_points",) and podcast.fit.family == "flat"
    assert model.replicates == 200
    now = project(model, model.current())
    low, high = now.interval
    assert high - low > 0.01 * now.outcome
    plan = recommend(model)
    assert plan.allocation.binding()[model.names.index("Podcast")] == "held"
