"""The few distribution functions the analyses use, from ``scipy.special`` rather than ``scipy.stats``.

``import scipy.stats`` costs about a second (it loads scipy.optimize, sparse, spatial and more);
``scipy.special`` about a tenth of that. Each function here is what ``scipy.stats`` itself computes
for the same call (``norm.ppf(q)`` is ``ndtri(q)``, ``t.sf(x, df)`` is ``stdtr(df, -x)``, ...), so the
numbers are the same to the last bit (tests/unit/test_distributions.py compares them on grids).
``brentq`` is scipy's Brent root finder (``scipy/optimize/Zeros/brentq.c``) step for step, so
that a one-dimensional root does not import scipy.optimize either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special


def norm_ppf(q: Any) -> Any:
    """``scipy.stats.norm.ppf(q)``: the standard normal quantile."""
    return special.ndtri(q)


def norm_sf(x: Any) -> Any:
    """``scipy.stats.norm.sf(x)``: the standard normal upper tail."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_isf(q: Any) -> Any:
    """``scipy.stats.norm.isf(q)``: the z with upper tail ``q``."""
    return -special.ndtri(q)


def t_ppf(q: Any, df: Any) -> Any:
    """``scipy.stats.t.ppf(q, df)``: Student's t quantile (-inf at 0 and inf at 1, as scipy.stats has it)."""
    q = np.asarray(q, dtype=float)
    with np.errstate(invalid="ignore"):
        value = special.stdtrit(df, q)
    return np.where(q == 0, -np.inf, np.where(q == 1, np.inf, value))[()]


def t_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.t.sf(x, df)``: Student's t upper tail."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def _poisson_args(k: Any, mu: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k, mu = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(mu, dtype=float))
    bad = ~(mu >= 0)  # scipy.stats answers NaN for a negative or NaN mean
    return k, mu, bad


def poisson_pmf(k: Any, mu: Any) -> np.ndarray:
    """``scipy.stats.poisson.pmf(k, mu)``: 0 off the non-negative integers, NaN for a bad mean."""
    k, mu, bad = _poisson_args(k, mu)
    inside = (k >= 0) & (k == np.floor(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.exp(special.xlogy(k, mu) - special.gammaln(k + 1) - mu)
    out: np.ndarray = np.where(bad | np.isnan(k), np.nan, np.where(inside, value, 0.0))
    return out


def poisson_cdf(k: Any, mu: Any) -> np.ndarray:
    """``scipy.stats.poisson.cdf(k, mu)``: P(X <= k)."""
    return _poisson_tail(k, mu, special.pdtr, at_infinity=1.0, below_zero=0.0)


def poisson_sf(k: Any, mu: Any) -> np.ndarray:
    """``scipy.stats.poisson.sf(k, mu)``: P(X > k)."""
    return _poisson_tail(k, mu, special.pdtrc, at_infinity=0.0, below_zero=1.0)


def _poisson_tail(k: Any, mu: Any, tail: Any, at_infinity: float, below_zero: float) -> np.ndarray:
    k, mu, bad = _poisson_args(k, mu)
    with np.errstate(invalid="ignore"):
        value = tail(np.floor(np.where(k >= 0, k, 0.0)), mu)
    inside = np.where(k >= 0, value, below_zero)
    out: np.ndarray = np.where(bad | np.isnan(k), np.nan, np.where(k == np.inf, at_infinity, inside))
    return out


def chisquare(observed: Sequence[float], expected: Sequence[float]) -> tuple[float, float]:
    """``scipy.stats.chisquare(observed, expected)``: Pearson's statistic and its p-value
    (raises ValueError, as scipy does, when the two totals differ by more than sqrt(eps))."""
    f_obs = np.asarray(observed, dtype=float)
    f_exp = np.asarray(expected, dtype=float)
    obs_sum, exp_sum = f_obs.sum(), f_exp.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        if abs(obs_sum - exp_sum) / min(obs_sum, exp_sum) > np.finfo(float).eps ** 0.5:
            raise ValueError("the observed and expected totals differ")
        statistic = ((f_obs - f_exp) ** 2 / f_exp).sum()
    return float(statistic), float(special.chdtrc(f_obs.size - 1, statistic))


BRENTQ_MAXITER = 100


def brentq(
    f: Callable[[float], float], a: float, b: float, xtol: float = 2e-12, rtol: float = 8.881784197001252e-16,
    maxiter: int = BRENTQ_MAXITER,
) -> float:  # fmt: skip
    """``scipy.optimize.brentq(f, a, b, xtol, rtol)``: a root of ``f`` in [a, b], where f(a) and f(b)
    differ in sign; the same iterates as scipy's C code. Raises ValueError on a bracket without a
    sign change or a NaN, RuntimeError when it does not converge (as scipy does)."""
    if xtol <= 0 or rtol < 4 * np.finfo(float).eps:
        raise ValueError(f"xtol too small ({xtol:g} <= 0) or rtol too small ({rtol:g})")

    def call(x: float) -> float:
        value = float(f(x))
        if math.isnan(value):
            raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
        return value

    xpre, xcur = float(a), float(b)
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = call(xpre), call(xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # a good short step
                spre, scur = scur, stry
            else:  # bisect
                spre = scur = sbis
        else:  # bisect
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0 else -delta
        fcur = call(xcur)
    raise RuntimeError(f"brentq failed to converge after {maxiter} iterations, value is {xcur}")
