"""A/B statistics checked against scipy/statsmodels and hand-worked numbers, to 1e-6."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import normal_sample_size_one_tail
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.proportion import test_proportions_2indep as wald_test
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from kpi_core.abtest import bayesian, sequential
from kpi_core.abtest.frequentist import absolute_difference, holm, pooled_p_value, relative_lift, welch_dof
from kpi_core.abtest.health import sample_ratio
from kpi_core.abtest.models import Arm, MeanStatistic, ProportionStatistic
from kpi_core.abtest.planner import detectable_effect, list_size_effect, plan, sample_size, target_rate
from kpi_core.errors import InputError

TOL = 1e-6
# (control conversions, control users, variant conversions, variant users): large, small samples,
# zero conversions in an arm, 100% conversion in an arm.
CASES = [
    (1000, 10000, 1100, 10000),
    (3, 20, 7, 22),
    (0, 150, 10, 140),
    (30, 30, 20, 31),
    (512, 4980, 498, 5021),
]


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=TOL, abs_tol=1e-12)


@pytest.mark.parametrize("cc,nc,cv,nv", CASES)
def test_absolute_difference_matches_statsmodels_wald(cc: int, nc: int, cv: int, nv: int) -> None:
    estimate = absolute_difference(ProportionStatistic(nc, cc), ProportionStatistic(nv, cv), 0.05)
    expected = wald_test(cv, nv, cc, nc, method="wald", compare="diff")
    low, high = confint_proportions_2indep(cv, nv, cc, nc, method="wald", compare="diff", alpha=0.05)
    assert close(estimate.value, cv / nv - cc / nc)
    assert close(estimate.p_value, expected.pvalue)
    assert close(estimate.low, low) and close(estimate.high, high)


@pytest.mark.parametrize("cc,nc,cv,nv", CASES)
def test_pooled_p_value_matches_proportions_ztest(cc: int, nc: int, cv: int, nv: int) -> None:
    _, expected = proportions_ztest([cv, cc], [nv, nc])
    assert close(pooled_p_value(ProportionStatistic(nc, cc), ProportionStatistic(nv, cv)), expected)


def test_interval_and_p_value_always_agree() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(50, 5000))
        cc, cv = rng.binomial(n, 0.1), rng.binomial(n, 0.115)
        for alpha in (0.01, 0.05, 0.1):
            e = absolute_difference(ProportionStatistic(n, cc), ProportionStatistic(n, cv), alpha)
            if e.p_value is not None:
                assert e.excludes_zero == (e.p_value < alpha)


def test_no_variance_gives_no_p_value() -> None:
    e = absolute_difference(ProportionStatistic(200, 0), ProportionStatistic(200, 0), 0.05)
    assert e.value == 0 and e.p_value is None and e.low is None


def gbstats_relative(ma: float, va: float, na: float, mb: float, vb: float, nb: float, alpha: float):
    """The delta-method interval written out by hand, straight from the formulas."""
    point = (mb - ma) / ma
    var = vb / (ma**2 * nb) + va * mb**2 / (ma**4 * na)
    dof = (vb / nb + va / na) ** 2 / ((vb / nb) ** 2 / (nb - 1) + (va / na) ** 2 / (na - 1))
    width = stats.t.ppf(1 - alpha / 2, dof) * math.sqrt(var)
    p = 2 * (1 - stats.t.cdf(abs(point) / math.sqrt(var), dof))
    return point, point - width, point + width, p


@pytest.mark.parametrize("cc,nc,cv,nv", [c for c in CASES if c[0] > 0 and c[0] < c[1]])
def test_relative_lift_delta_method(cc: int, nc: int, cv: int, nv: int) -> None:
    a, b = ProportionStatistic(nc, cc), ProportionStatistic(nv, cv)
    point, low, high, p = gbstats_relative(a.mean, a.variance, nc, b.mean, b.variance, nv, 0.05)
    e = relative_lift(a, b, 0.05)
    assert close(e.value, point) and close(e.low, low) and close(e.high, high) and close(e.p_value, p)


def test_relative_lift_hand_worked() -> None:
    # 10% vs 11% on 10,000 users each: var = .11*.89/(.01*10000) + .09*.0121/(.0001*10000) = .002068
    e = relative_lift(ProportionStatistic(10000, 1000), ProportionStatistic(10000, 1100), 0.05)
    assert close(e.value, 0.1)
    assert close(e.std_error, math.sqrt(0.002068))


def test_relative_lift_is_empty_when_control_is_zero() -> None:
    e = relative_lift(ProportionStatistic(150, 0), ProportionStatistic(140, 10), 0.05)
    assert e.value is None and e.low is None


def revenue_samples(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    control = rng.exponential(40, 800) * rng.binomial(1, 0.3, 800)
    variant = rng.exponential(46, 650) * rng.binomial(1, 0.3, 650)
    return control, variant


def stat_of(values: np.ndarray) -> MeanStatistic:
    return MeanStatistic(len(values), float(values.sum()), float((values**2).sum()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_welch_matches_scipy_and_statsmodels(seed: int) -> None:
    control, variant = revenue_samples(seed)
    e = absolute_difference(stat_of(control), stat_of(variant), 0.05)
    expected = stats.ttest_ind(variant, control, equal_var=False)
    low, high = CompareMeans(DescrStatsW(variant), DescrStatsW(control)).tconfint_diff(alpha=0.05, usevar="unequal")
    assert close(e.value, variant.mean() - control.mean())
    assert close(e.p_value, expected.pvalue)
    assert close(e.low, low) and close(e.high, high)
    assert close(welch_dof(stat_of(control), stat_of(variant)), expected.df)


def test_welch_relative_lift_uses_sample_variances() -> None:
    control, variant = revenue_samples(4)
    a, b = stat_of(control), stat_of(variant)
    point, low, high, p = gbstats_relative(
        control.mean(), control.var(ddof=1), len(control), variant.mean(), variant.var(ddof=1), len(variant), 0.1
    )
    e = relative_lift(a, b, 0.1)
    assert close(e.value, point) and close(e.low, low) and close(e.high, high) and close(e.p_value, p)


@pytest.mark.parametrize(
    "p_values",
    [
        [0.01, 0.04, 0.03],
        [0.2, 0.001, 0.04, 0.04, 0.6],
        [0.5],
        [0.02, 0.02],
    ],
)
def test_holm_matches_statsmodels(p_values: list[float]) -> None:
    _, expected, _, _ = multipletests(p_values, method="holm")
    assert all(close(a, b) for a, b in zip(holm(p_values), expected))


def test_holm_skips_untestable_comparisons() -> None:
    assert holm([0.01, None, 0.04]) == pytest.approx([0.02, None, 0.04])  # type: ignore[list-item]


# --- sequential ---------------------------------------------------------------------------------


def test_confidence_sequence_hand_worked() -> None:
    # rho^2 = (-2 ln .05 + ln(-2 ln .05 + 1)) / 5000; N rho^2 = 10000 rho^2
    r2 = (-2 * math.log(0.05) + math.log(-2 * math.log(0.05) + 1)) / 5000
    expected = math.sqrt(2 * (10000 * r2 + 1) / (10000 * r2) * math.log(math.sqrt(10000 * r2 + 1) / 0.05))
    assert close(sequential.multiplier(10000, 0.05, 5000), expected)
    assert sequential.multiplier(10000, 0.05, 5000) > stats.norm.ppf(0.975)


def test_sequential_p_value_agrees_with_its_interval() -> None:
    for z in np.linspace(0.5, 5, 40):
        for n in (500, 5000, 50000):
            width = sequential.multiplier(n, 0.05, 5000)
            assert (sequential.p_value(z, n, 0.05, 5000) < 0.05) == (z > width)


def test_peeking_with_confidence_sequences_keeps_false_winners_below_alpha() -> None:
    """A/A tests looked at 40 times each: the fixed-horizon test 'finds' winners far more often than
    alpha; the confidence sequence does not."""
    rng = np.random.default_rng(11)
    sims, looks, step = 2000, 40, 250
    a = rng.binomial(step, 0.1, (sims, looks)).cumsum(axis=1)
    b = rng.binomial(step, 0.1, (sims, looks)).cumsum(axis=1)
    n = step * np.arange(1, looks + 1)
    pa, pb = a / n, b / n
    z = (pb - pa) / np.sqrt(np.maximum(pa * (1 - pa) / n + pb * (1 - pb) / n, 1e-12))
    fixed = (np.abs(z) > stats.norm.ppf(0.975)).any(axis=1).mean()
    widths = np.array([sequential.multiplier(2 * k, 0.05, 2 * step * looks) for k in n])
    always_valid = (np.abs(z) > widths).any(axis=1).mean()
    assert fixed > 0.15
    assert always_valid < 0.05


# --- Bayesian -----------------------------------------------------------------------------------


def integrated_chance(control: ProportionStatistic, variant: ProportionStatistic) -> float:
    (ac, bc), (av, bv) = bayesian.posterior(control), bayesian.posterior(variant)
    peaks = [ac / (ac + bc), av / (av + bv)]
    value, _ = integrate.quad(
        lambda x: stats.beta.pdf(x, av, bv) * stats.beta.cdf(x, ac, bc),
        0,
        1,
        points=peaks,
        limit=500,
        epsabs=1e-13,
        epsrel=1e-12,
    )
    return value


def integrated_loss(control: ProportionStatistic, variant: ProportionStatistic) -> float:
    (ac, bc), (av, bv) = bayesian.posterior(control), bayesian.posterior(variant)
    peaks = [ac / (ac + bc), av / (av + bv)]

    def inner(x: float) -> float:  # E[max(x - p_variant, 0)] for a fixed control rate x
        return x * stats.beta.cdf(x, av, bv) - av / (av + bv) * stats.beta.cdf(x, av + 1, bv)

    value, _ = integrate.quad(
        lambda x: stats.beta.pdf(x, ac, bc) * inner(x), 0, 1, points=peaks, limit=500, epsabs=1e-13, epsrel=1e-12
    )
    return value


@pytest.mark.parametrize("cc,nc,cv,nv", CASES)
def test_chance_to_beat_and_expected_loss_are_exact(cc: int, nc: int, cv: int, nv: int) -> None:
    control, variant = ProportionStatistic(nc, cc), ProportionStatistic(nv, cv)
    assert abs(bayesian.chance_to_beat(control, variant) - integrated_chance(control, variant)) < TOL
    assert abs(bayesian.expected_loss(control, variant) - integrated_loss(control, variant)) < TOL


def test_chance_to_beat_matches_simulation_and_symmetry() -> None:
    control, variant = ProportionStatistic(4000, 400), ProportionStatistic(4000, 440)
    rng = np.random.default_rng(3)
    a, b = rng.beta(401, 3601, 1_000_000), rng.beta(441, 3561, 1_000_000)
    assert bayesian.chance_to_beat(control, variant) == pytest.approx((b > a).mean(), abs=0.002)
    assert bayesian.chance_to_beat(control, variant) + bayesian.chance_to_beat(variant, control) == pytest.approx(1)
    assert bayesian.chance_to_beat(control, control) == pytest.approx(0.5)


# --- sample-ratio mismatch ----------------------------------------------------------------------


def test_sample_ratio_matches_chisquare() -> None:
    arms = [Arm("A", 5000), Arm("B", 5210), Arm("C", 4890)]
    chi2, p, status = sample_ratio(arms, [0.4, 0.3, 0.3])
    expected = stats.chisquare([5000, 5210, 4890], [15100 * 0.4, 15100 * 0.3, 15100 * 0.3])
    assert close(chi2, expected.statistic) and close(p, expected.pvalue)
    assert status == "fail"


@pytest.mark.parametrize("users_b,status", [(10000, "ok"), (10400, "warn"), (10500, "fail")])
def test_sample_ratio_thresholds(users_b: int, status: str) -> None:
    _, p, got = sample_ratio([Arm("A", 10000), Arm("B", users_b)], [0.5, 0.5])
    assert got == status, p


# --- planner ------------------------------------------------------------------------------------


def test_sample_size_hand_worked() -> None:
    # p .20 -> q .25: [1.959964 sqrt(.32) + 0.841621 sqrt(.16 + .1875)]^2 / .0025 = 1030.2 -> 1031
    assert sample_size(0.20, 0.25) == 1031
    result = plan(0.20, 0.05, weekly_traffic=500)
    assert (result.per_arm, result.total) == (1031, 2062)
    assert close(result.weeks, 2062 / 500) and result.whole_weeks == 5


@pytest.mark.parametrize(
    "p,q,alpha,power",
    [(0.2, 0.25, 0.05, 0.8), (0.03, 0.033, 0.05, 0.9), (0.5, 0.45, 0.01, 0.8), (0.01, 0.02, 0.1, 0.95)],
)
def test_sample_size_matches_statsmodels(p: float, q: float, alpha: float, power: float) -> None:
    expected = normal_sample_size_one_tail(
        q - p,
        power,
        alpha / 2,
        std_null=math.sqrt(2 * p * (1 - p)),
        std_alternative=math.sqrt(p * (1 - p) + q * (1 - q)),
    )
    assert sample_size(p, q, alpha, power) == math.ceil(expected)


def test_relative_effect_and_arms() -> None:
    assert target_rate(0.2, 0.1, relative=True) == pytest.approx(0.22)
    three = plan(0.2, 0.1, relative=True, arms=3)
    assert three.per_arm == sample_size(0.2, 0.22) and three.total == 3 * three.per_arm and three.weeks is None


def test_detectable_effect_inverts_sample_size() -> None:
    for p, n in [(0.2, 1031), (0.05, 20000), (0.5, 300)]:
        mde = detectable_effect(p, n, n)
        assert mde is not None
        assert sample_size(p, p + mde) == n  # the effect found needs exactly this many users
    assert list_size_effect(0.2, 2062) == pytest.approx(detectable_effect(0.2, 1031, 1031))


def test_detectable_effect_when_too_small_to_detect_anything() -> None:
    assert detectable_effect(0.9, 3, 3) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(baseline=0, mde=0.01),
        dict(baseline=0.2, mde=0),
        dict(baseline=0.9, mde=0.2),
        dict(baseline=0.2, mde=0.05, alpha=1.5),
        dict(baseline=0.2, mde=0.05, arms=1),
        dict(baseline=0.2, mde=0.05, weekly_traffic=-5),
    ],
)
def test_planner_rejects_impossible_input(kwargs: dict) -> None:
    with pytest.raises(InputError):
        plan(**kwargs)
