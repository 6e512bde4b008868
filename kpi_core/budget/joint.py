"""All channels at once, when the outcome is only known in total (wide media-mix sheets).

outcome[t] = baseline[t] + sum over channels of beta_c * (1 - exp(-x_c[t] / K_c)), where the baseline
is a level, a linear trend and (with a year of data or more) two yearly harmonics, and x_c is the
channel's carried-over spend (one decay for all channels, chosen on a small grid). The betas are
ridge-shrunk toward zero, because with a handful of channels moving together the data cannot tell
them apart well: every result from this fit is labelled weakly identified. Concave curves only:
an S-shape per channel is more than a sheet of totals can support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kpi_core.budget.fit import DECAYS, CurveFit, block_bootstrap_rows, carryover, r_squared

JOINT_REPLICATES = 40
RIDGE = 1.0  # penalty on (beta / sd of the outcome)^2, as heavy as one residual of one sd
PERIODS_PER_YEAR = {"week": 52.18, "month": 12.0}


@dataclass(frozen=True)
class JointFit:
    channels: dict[str, CurveFit]
    baseline: float  # outcome per period with no paid media: the baseline's mean over the last year
    baseline_replicates: np.ndarray
    r2: float | None
    points: int
    decay: float


def _design(n: int, grain: str) -> np.ndarray:
    """Baseline columns: level, trend and, with at least a year of periods, two yearly harmonics."""
    t = np.arange(n, dtype=float)
    columns = [np.ones(n), (t - t.mean()) / max(n, 1)]
    year = PERIODS_PER_YEAR.get(grain)
    if year and n >= year:
        for harmonic in (1, 2):
            angle = 2 * math.pi * harmonic * t / year
            columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


class _JointModel:
    def __init__(self, design: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        self.design, self.x, self.y = design, x, y  # x: (channels, n)
        self.sd = float(y.std()) or 1.0
        self.nb = design.shape[1]
        self.nc = x.shape[0]

    def split(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return p[: self.nb], p[self.nb : self.nb + self.nc], np.exp(p[self.nb + self.nc :])

    def predict(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gamma, beta, k = self.split(p)
        saturation = 1.0 - np.exp(-self.x / k[:, None])
        return self.design @ gamma, beta @ saturation

    def residuals(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        baseline, media = self.predict(p)
        beta = self.split(p)[1]
        return np.concatenate([(baseline + media - y) / self.sd, math.sqrt(RIDGE) * beta / self.sd])

    def jacobian(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        gamma, beta, k = self.split(p)
        decay = np.exp(-self.x / k[:, None])
        top = np.hstack([self.design, (1.0 - decay).T, (-(beta[:, None]) * decay * self.x / k[:, None]).T]) / self.sd
        bottom = np.zeros((self.nc, p.size))
        bottom[:, self.nb : self.nb + self.nc] = np.eye(self.nc) * math.sqrt(RIDGE) / self.sd
        return np.vstack([top, bottom])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        mean_spend = np.array([row[row > 0].mean() if (row > 0).any() else 1.0 for row in self.x])
        lower = np.concatenate([np.full(self.nb, -np.inf), np.zeros(self.nc), np.log(mean_spend * 0.05)])
        upper = np.concatenate([np.full(self.nb, np.inf), np.full(self.nc, np.inf), np.log(mean_spend * 20)])
        return lower, upper

    def start(self) -> np.ndarray:
        """Linear ridge with every K at the channel's mean spend: a start the solver only refines."""
        lower, upper = self.bounds()
        k = np.exp((lower[self.nb + self.nc :] + upper[self.nb + self.nc :]) / 2)
        features = np.hstack([self.design, (1.0 - np.exp(-self.x / k[:, None])).T])
        penalty = np.zeros(features.shape[1])
        penalty[self.nb :] = RIDGE
        coef = np.linalg.solve(
            features.T @ features + np.diag(penalty) + 1e-9 * np.eye(features.shape[1]), features.T @ self.y
        )
        coef[self.nb :] = np.maximum(coef[self.nb :], 0.0)
        return np.concatenate([coef, np.log(k)])

    def solve(self, y: np.ndarray, start: np.ndarray, evaluations: int = 200) -> np.ndarray:
        from scipy.optimize import least_squares  # about 0.6 s to import: only when curves are fitted

        lower, upper = self.bounds()
        result = least_squares(
            self.residuals,
            np.clip(start, lower + 1e-9, upper - 1e-9),
            jac=self.jacobian,
            bounds=(lower, upper),
            args=(y,),
            x_scale="jac",
            max_nfev=evaluations,
        )
        found: np.ndarray = result.x
        return found


def fit_joint(
    spend: dict[str, np.ndarray],
    outcome: np.ndarray,
    grain: str,
    decays: tuple[float, ...] = DECAYS,
    replicates: int = JOINT_REPLICATES,
    seed: int = 0,
) -> JointFit:
    """Fit every channel's concave curve and a baseline to a total outcome series."""
    names = list(spend)
    y = np.asarray(outcome, dtype=float)
    design = _design(y.size, grain)
    best: tuple[float, float, _JointModel, np.ndarray] | None = None
    for decay in decays:
        x = np.vstack([carryover(np.asarray(spend[c], dtype=float), decay) for c in names])
        model = _JointModel(design, x, y)
        p = model.solve(y, model.start())
        loss = float((model.residuals(p, y) ** 2).sum())
        if best is None or loss < best[0]:
            best = (loss, decay, model, p)
    assert best is not None
    _, decay, model, p = best
    baseline, media = model.predict(p)
    predicted = baseline + media
    targets = predicted + block_bootstrap_rows(y - predicted, replicates, seed)
    # replicates start at the point fit, a few steps from their own optimum
    refits = np.array([model.solve(target, p, evaluations=30) for target in targets])
    year = max(1, min(y.size, round(PERIODS_PER_YEAR.get(grain, 12.0))))

    def channel_params(q: np.ndarray) -> np.ndarray:
        _, beta, k = model.split(q)
        return np.column_stack([np.zeros(model.nc), beta, k])

    point = channel_params(p)
    reps = np.stack([channel_params(q) for q in refits])  # (B, channels, 3)
    r2 = r_squared(y, predicted)
    # Each channel's points are partial residuals: the total minus the baseline and every other
    # channel's fitted part, so a chart of one channel shows what the fit attributes to it.
    contributions = point[:, 1:2] * (1.0 - np.exp(-model.x / point[:, 2:3]))
    channels = {
        name: CurveFit(
            family="exponential",
            params=point[i],
            replicates=reps[:, i, :],
            decay=decay,
            r2=r2,
            points=int(y.size),
            effective_spend=model.x[i],
            outcome=y - predicted + contributions[i],
        )
        for i, name in enumerate(names)
    }
    baselines = np.array([float((design @ model.split(q)[0])[-year:].mean()) for q in refits])
    return JointFit(channels, float(baseline[-year:].mean()), baselines, r2, int(y.size), decay)
