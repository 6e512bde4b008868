"""Fitting one channel's response curve: carry-over, family choice by AICc, block-bootstrap refits.

The point fit is bounded nonlinear least squares (``scipy.optimize.least_squares``) in the families'
log parameters, from a few starts, for each carry-over decay on a small grid; AICc picks the family
and decay. The bootstrap resamples moving blocks of residuals (weeks next to each other are not
independent) and refits every replicate at once with a batched Levenberg-Marquardt that starts from
the point fit: 200 refits cost about as much as two single fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kpi_core.budget.curves import FAMILIES, HILL_EXPONENT_RANGE, CurveFamily, Family

DECAYS: tuple[float, ...] = (0.0, 0.3, 0.6)
REPLICATES = 200
MIN_POINTS = 10  # periods with data
MIN_SPEND_POINTS = 6  # periods with spend
NARROW_RANGE = 1.5  # the 90th percentile of spend under 1.5 x the 10th: the shape is a guess


def carryover(spend: np.ndarray, decay: float, lag: int = 0) -> np.ndarray:
    """Effective spend: geometric adstock normalised to spend units ((1 - d) * sum d^k s[t-k]), so a
    steady spend s has effective spend s, shifted ``lag`` periods later (earlier periods get NaN).
    The first period starts as if its spend had always run (no warm-up dip)."""
    spend = np.asarray(spend, dtype=float)
    if spend.size == 0:
        return spend
    if decay > 0:
        effective = _adstock(spend, decay)
    else:
        effective = spend.copy()
    if lag:
        effective = np.concatenate([np.full(effective.shape[:-1] + (lag,), np.nan), effective[..., :-lag]], axis=-1)
    shifted: np.ndarray = effective
    return shifted


def _adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """y[t] = (1 - d) s[t] + d y[t-1] along the last axis, from y[-1] = s[0]: what
    ``scipy.signal.lfilter([1 - d], [1, -d], spend, zi=d * spend[..., :1])`` computes, in the same
    order of operations (so the same bits), without importing scipy.signal (over a second)."""
    scaled = (1.0 - decay) * spend
    out = np.empty_like(scaled)
    state = decay * spend[..., 0]
    for t in range(spend.shape[-1]):
        current = scaled[..., t] + state
        out[..., t] = current
        state = decay * current
    return out


def aicc(sse: float, points: int, parameters: int) -> float:
    """Akaike's criterion with the small-sample correction (smaller is better)."""
    if points - parameters - 1 <= 0:
        return math.inf
    return (
        points * math.log(max(sse, 1e-300) / points)
        + 2 * parameters
        + 2 * parameters * (parameters + 1) / (points - parameters - 1)
    )


def r_squared(y: np.ndarray, predicted: np.ndarray) -> float | None:
    total = float(((y - y.mean()) ** 2).sum())
    if total <= 0:
        return None
    return 1.0 - float(((y - predicted) ** 2).sum()) / total


@dataclass(frozen=True)
class CurveFit:
    """One channel's fitted curve (natural parameters), its bootstrap replicates and its fit quality."""

    family: Family
    params: np.ndarray
    replicates: np.ndarray  # (B, k): the same family refitted to resampled data
    decay: float = 0.0
    lag: int = 0
    r2: float | None = None
    points: int = 0
    aicc: float = math.inf
    effective_spend: np.ndarray = field(default_factory=lambda: np.zeros(0))
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def curve(self) -> CurveFamily:
        return FAMILIES[self.family]

    def named_params(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.curve.parameters, self.params)}


def flat_fit(outcome: np.ndarray, replicates: int = REPLICATES) -> CurveFit:
    """A channel held at its mean outcome: as many (identical) replicates as a fitted channel, so
    bootstrap totals across channels stay aligned."""
    mean = float(np.nanmean(outcome)) if np.isfinite(outcome).any() else 0.0
    params = np.array([mean])
    return CurveFit(
        "flat", params, np.tile(params, (replicates, 1)), points=int(np.isfinite(outcome).sum()), outcome=outcome
    )


def _bounds(family: CurveFamily, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x_high = float(x.max())
    y_high = float(max(y.max(), 1e-9))
    lower = [0.0, math.log(y_high * 1e-6), math.log(x_high * 0.02)]
    upper = [y_high, math.log(y_high * 1e3), math.log(x_high * 50)]
    if family.name == "hill":
        lower.append(math.log(HILL_EXPONENT_RANGE[0]))
        upper.append(math.log(HILL_EXPONENT_RANGE[1]))
    return np.array(lower), np.array(upper)


def _starts(family: CurveFamily, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    positive = x[x > 0]
    k0 = float(np.median(positive)) if positive.size else float(x.max())
    base0 = max(0.0, float(np.quantile(y, 0.05)) * 0.5)
    beta0 = max(float(y.max()) - base0, float(y.max()) * 0.1, 1e-9) * 1.5
    if family.name == "hill":
        return [np.array([base0, beta0, k0 * f, a]) for f, a in ((1.0, 1.0), (1.0, 2.5), (2.0, 1.5))]
    return [np.array([base0, beta0, k0]), np.array([base0, beta0, k0 * 3])]


def _polish(family: CurveFamily, x: np.ndarray, y: np.ndarray, natural: np.ndarray) -> tuple[np.ndarray, float]:
    """Bounded least squares (scipy's trust-region reflective) from a good start: the point fit."""
    lower, upper = _bounds(family, x, y)

    def residuals(free: np.ndarray) -> np.ndarray:
        misses: np.ndarray = family.predict(free[None, :], x)[0] - y
        return misses

    def jacobian(free: np.ndarray) -> np.ndarray:
        rows = family.predict_jacobian(free[None, :], x)[1]
        assert rows is not None  # asked for
        first: np.ndarray = rows[0]
        return first

    free0 = np.clip(family.free(natural), lower + 1e-9, upper - 1e-9)
    from scipy.optimize import least_squares  # about 0.6 s to import: only when a curve is fitted

    result = least_squares(residuals, free0, jac=jacobian, bounds=(lower, upper), x_scale="jac", max_nfev=100)
    return family.natural(result.x), float((result.fun**2).sum())


def batched_levenberg_marquardt(
    family: CurveFamily,
    x: np.ndarray,
    targets: np.ndarray,
    start: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    iterations: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Least squares for many rows at once: outcomes ``targets`` (m, n) over spends ``x`` (n,) or
    (m, n), from free parameters ``start`` (k,) or (m, k), kept within bounds: (free parameters
    (m, k), sums of squares (m,))."""
    m = targets.shape[0]
    params = np.clip(np.broadcast_to(start, (m, start.shape[-1])).copy(), lower, upper)
    x = np.broadcast_to(x, targets.shape)
    damping = np.full(m, 1e-3)
    predicted, jac = family.predict_jacobian(params, x)
    residual = predicted - targets
    sse = (residual**2).sum(axis=1)
    eye = np.eye(params.shape[1])
    active = np.ones(m, dtype=bool)  # rows still moving; converged rows cost nothing more
    for _ in range(iterations):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        j = jac[rows]  # type: ignore[index]
        j_t = np.swapaxes(j, 1, 2)
        jtj = j_t @ j
        gradient = (j_t @ residual[rows][:, :, None])[:, :, 0]
        scale = np.diagonal(jtj, axis1=1, axis2=2)[:, :, None] * eye + 1e-12 * eye
        step = np.linalg.solve(jtj + damping[rows][:, None, None] * scale, -gradient[:, :, None])[:, :, 0]
        candidate = np.clip(params[rows] + step, lower, upper)
        cand_predicted, cand_jac = family.predict_jacobian(candidate, x[rows])
        cand_residual = cand_predicted - targets[rows]
        cand_sse = (cand_residual**2).sum(axis=1)
        better = np.isfinite(cand_sse) & (cand_sse < sse[rows])
        improved = rows[better]
        small = (sse[improved] - cand_sse[better]) <= 1e-8 * sse[improved]
        params[improved] = candidate[better]
        residual[improved] = cand_residual[better]
        jac[improved] = cand_jac[better]  # type: ignore[index]
        sse[improved] = cand_sse[better]
        damping[rows] = np.clip(np.where(better, damping[rows] / 3.0, damping[rows] * 4.0), 1e-9, 1e9)
        active[improved[small]] = False
        active[rows[~better & (damping[rows] >= 1e4)]] = False
    return params, sse


def block_bootstrap_rows(residuals: np.ndarray, replicates: int, seed: int) -> np.ndarray:
    """Moving-block resamples of a residual series: (replicates, n), block length about n^(1/3)."""
    n = residuals.size
    block = max(2, round(n ** (1 / 3)))
    blocks = math.ceil(n / block)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, max(1, n - block + 1), size=(replicates, blocks))
    index = (starts[:, :, None] + np.arange(block)).reshape(replicates, -1)[:, :n]
    return residuals[np.minimum(index, n - 1)]


def fit_channel(
    spend: np.ndarray,
    outcome: np.ndarray,
    decays: tuple[float, ...] = DECAYS,
    lag: int = 0,
    replicates: int = REPLICATES,
    seed: int = 0,
) -> tuple[CurveFit, list[str]]:
    """The curve of outcome on (carried-over) spend for one channel, and what limits it (flags)."""
    spend = np.asarray(spend, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    flags: list[str] = []
    usable = np.isfinite(spend) & np.isfinite(outcome)
    positive = spend[usable & (spend > 0)]
    if usable.sum() - lag < MIN_POINTS or positive.size < MIN_SPEND_POINTS:
        return flat_fit(outcome[usable], replicates), ["too_few_points"]
    if not (outcome[usable] > 0).any():
        return flat_fit(outcome[usable], replicates), ["no_outcome"]
    if np.quantile(positive, 0.9) < NARROW_RANGE * np.quantile(positive, 0.1):
        flags.append("narrow_range")

    # Every (decay, start) pair of a family is one row of a single batched solve.
    filled = np.where(usable, spend, 0.0)
    effective = np.stack([carryover(filled, decay, lag) for decay in decays])
    keep = usable & np.isfinite(effective[0])
    xs, y = effective[:, keep], outcome[keep]
    candidates: list[tuple[float, CurveFamily, int, np.ndarray]] = []
    for family in (FAMILIES["hill"], FAMILIES["exponential"]):
        lower, upper = _bounds(family, xs, y)
        starts = [family.free(s) for s in _starts(family, xs[0], y)]
        rows = [(d, start) for d in range(len(decays)) for start in starts]
        free, sse = batched_levenberg_marquardt(
            family,
            xs[[d for d, _ in rows]],
            np.tile(y, (len(rows), 1)),
            np.array([s for _, s in rows]),
            lower,
            upper,
            iterations=30,
        )
        for d in range(len(decays)):
            row = min((i for i, (rd, _) in enumerate(rows) if rd == d), key=lambda i: sse[i])
            score = aicc(float(sse[row]), y.size, len(family.parameters) + (1 if decays[d] > 0 else 0))
            candidates.append((score, family, d, family.natural(free[row])))
    score, family, chosen, start = min(candidates, key=lambda c: c[0])
    decay, x = decays[chosen], xs[chosen]
    params, _ = _polish(family, x, y, start)
    predicted = family.value(params, x)
    # A curve no better than a constant says spend and outcome do not move together: moving money
    # in or out of such a channel would rest on nothing.
    if score > aicc(float(((y - y.mean()) ** 2).sum()), y.size, 1) - 2:
        flags.append("no_signal")

    lower, upper = _bounds(family, x, y)
    targets = predicted + block_bootstrap_rows(y - predicted, replicates, seed)
    refits, _ = batched_levenberg_marquardt(family, x, targets, family.free(params), lower, upper)
    fit = CurveFit(
        family=family.name,
        params=params,
        replicates=family.natural(refits),
        decay=decay,
        lag=lag,
        r2=r_squared(y, predicted),
        points=int(x.size),
        aicc=score,
        effective_spend=x,
        outcome=y,
    )
    return fit, flags
