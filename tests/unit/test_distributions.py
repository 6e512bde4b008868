"""kpi_core.distributions gives scipy.stats' numbers (bit for bit) without importing scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from kpi_core import distributions as d

PROBABILITIES = np.concatenate(
    [[0.0, 1e-300, 1e-16, 1e-10, 1e-6, 0.001, 0.025, 0.05, 0.1], np.linspace(0.11, 0.89, 79),
     [0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-6, 1 - 1e-12, 1.0]]
)  # fmt: skip
XS = np.concatenate([[-np.inf, -40.0, -8.5], np.linspace(-6, 6, 241), [8.5, 40.0, np.inf, np.nan]])
DOFS = [1.0, 1.5, 2.0, 3.0, 4.7, 10.0, 29.0, 30.5, 100.0, 1234.5, 1e6]


def test_normal_quantiles_and_tails() -> None:
    np.testing.assert_array_equal(d.norm_ppf(PROBABILITIES), stats.norm.ppf(PROBABILITIES))
    np.testing.assert_array_equal(d.norm_isf(PROBABILITIES), stats.norm.isf(PROBABILITIES))
    np.testing.assert_array_equal(d.norm_sf(XS), stats.norm.sf(XS))
    for q in (0.8, 0.975, 0.995):  # scalars, as the analyses call them
        assert d.norm_ppf(q) == stats.norm.ppf(q)
    for x in (0.0, 1.3, 2.5, 7.0):
        assert d.norm_sf(x) == stats.norm.sf(x)


@pytest.mark.parametrize("dof", DOFS)
def test_t_quantiles_and_tails(dof: float) -> None:
    np.testing.assert_array_equal(d.t_ppf(PROBABILITIES, dof), stats.t.ppf(PROBABILITIES, dof))
    np.testing.assert_array_equal(d.t_sf(XS, dof), stats.t.sf(XS, dof))
    assert d.t_ppf(0.975, dof) == stats.t.ppf(0.975, dof)
    assert d.t_sf(2.1, dof) == stats.t.sf(2.1, dof)


def test_poisson_mass_and_tails() -> None:
    counts = np.array([-3.0, -1.0, 0.0, 1.0, 2.0, 2.5, 3.0, 5.0, 9.0, 11.0, 20.0, 50.0, 200.0, 1e4, np.nan, np.inf])
    means = np.array([0.0, 1e-9, 0.5, 1.0, 2.0, 3.7, 11.0, 20.0, 55.5, 400.0, 1e4, np.nan])
    k, mu = np.meshgrid(counts, means)
    with np.errstate(all="ignore"):
        for ours, theirs in ((d.poisson_pmf, stats.poisson.pmf), (d.poisson_cdf, stats.poisson.cdf),
                             (d.poisson_sf, stats.poisson.sf)):  # fmt: skip
            np.testing.assert_array_equal(ours(k, mu), theirs(k, mu), err_msg=ours.__name__)


@pytest.mark.parametrize(
    ("observed", "shares"),
    [([1000, 1000], [0.5, 0.5]), ([5000, 5210], [0.5, 0.5]), ([0, 7], [0.5, 0.5]), ([120, 80, 100], [1 / 3] * 3),
     ([9000, 1100], [0.9, 0.1]), ([31, 29, 30, 35], [0.25] * 4), ([10**7, 10**7 + 4000], [0.5, 0.5])],
)  # fmt: skip
def test_chisquare(observed: list[int], shares: list[float]) -> None:
    expected = [sum(observed) * s for s in shares]
    want = stats.chisquare(observed, expected)
    assert d.chisquare(observed, expected) == (float(want.statistic), float(want.pvalue))


def test_chisquare_rejects_totals_that_differ_as_scipy_does() -> None:
    with pytest.raises(ValueError):
        stats.chisquare([10, 10], [5, 5])
    with pytest.raises(ValueError):
        d.chisquare([10, 10], [5, 5])


def _gaps() -> list[tuple[object, float, float]]:
    """Root problems shaped like the planner's (the detectable effect), and a few harder ones."""
    problems: list[tuple[object, float, float]] = []
    for p in (0.001, 0.02, 0.1, 0.35, 0.5, 0.8, 0.97):
        for n in (50.0, 800.0, 1e4, 3e6):
            for c, z in ((1.959963984540054, 0.8416212335729143), (2.5758293035489004, 1.2815515655446004)):
                se = math.sqrt(p * (1 - p) * (2 / n))

                def gap(q: float, p: float = p, n: float = n, c: float = c, z: float = z, se: float = se) -> float:
                    return (q - p) - c * se - z * math.sqrt(p * (1 - p) / n + q * (1 - q) / n)

                if gap(1.0) >= 0:
                    problems.append((gap, p, 1.0))
    problems += [(lambda x: x**3 - 2 * x - 5, 2.0, 3.0), (math.cos, 0.0, 3.0), (lambda x: math.exp(x) - 1e6, 0.0, 20.0),
                 (lambda x: x, -1.0, 1.0), (lambda x: (x - 0.3) ** 3, 0.0, 1.0),
                 (lambda x: math.tanh(40 * (x - 0.77)), 0.0, 1.0)]  # fmt: skip
    return problems


def test_brentq_takes_scipys_steps() -> None:
    problems = _gaps()
    assert len(problems) > 40
    for f, a, b in problems:
        for xtol, rtol in ((2e-12, 8.881784197001252e-16), (1e-14, 1e-12)):
            root, result = optimize.brentq(f, a, b, xtol=xtol, rtol=rtol, full_output=True, disp=False)
            if result.converged:
                assert d.brentq(f, a, b, xtol=xtol, rtol=rtol) == root  # type: ignore[arg-type]
            else:  # scipy raises too, at the same point
                with pytest.raises(RuntimeError, match=f"value is {root!r}$"):
                    d.brentq(f, a, b, xtol=xtol, rtol=rtol)  # type: ignore[arg-type]


def test_brentq_gives_up_where_scipy_does() -> None:
    def f(x: float) -> float:
        return (x - 0.3) ** 5

    root = optimize.brentq(f, 0.0, 1.0, full_output=True, disp=False)[0]
    with pytest.raises(RuntimeError, match=f"value is {root!r}$"):
        d.brentq(f, 0.0, 1.0)


def test_brentq_errors() -> None:
    with pytest.raises(ValueError):
        d.brentq(lambda x: x * x + 1, -1.0, 1.0)
    with pytest.raises(ValueError):
        d.brentq(lambda x: math.nan, -1.0, 1.0)
    with pytest.raises(RuntimeError):
        d.brentq(lambda x: x**3 - 0.123456789, 0.0, 1.0, maxiter=2)
