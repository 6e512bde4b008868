"""Response-curve families: outcome per period as a saturating function of spend per period.

Every family is written over a *free* parameter vector that the fitters move: ``base`` (the outcome
at zero spend) as is, and the positive parameters as logarithms, so no solver can step to a negative
half-saturation or exponent. Each family returns its prediction and Jacobian for many parameter
vectors at once (rows), which is what makes the bootstrap one batched solve instead of a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Family = Literal["hill", "exponential", "flat"]

# Hill exponents outside this range are either a step function or a straight line: not believable.
HILL_EXPONENT_RANGE = (0.5, 4.0)


@dataclass(frozen=True)
class CurveFamily:
    name: Family
    formula: str
    parameters: tuple[str, ...]  # natural names, in the free vector's order

    def natural(self, free: np.ndarray) -> np.ndarray:
        """Natural parameters (base, beta, K[, a]) from free ones; rows stay rows."""
        natural = np.array(free, dtype=float, copy=True)
        natural[..., 1:] = np.exp(natural[..., 1:])
        return natural

    def free(self, natural: np.ndarray) -> np.ndarray:
        free = np.array(natural, dtype=float, copy=True)
        free[..., 1:] = np.log(free[..., 1:])
        return free

    def predict(self, free: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Outcomes for parameter rows ``free`` (m, k) at spends ``x`` (n,) or (m, n): shape (m, n)."""
        return self.predict_jacobian(free, x, jacobian=False)[0]

    def predict_jacobian(
        self, free: np.ndarray, x: np.ndarray, jacobian: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def value(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        """Outcome at ``spend`` for natural parameter rows (m, k) or one vector (k,); broadcasts."""
        raise NotImplementedError

    def marginal(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        """d outcome / d spend: the return of the next unit of money."""
        raise NotImplementedError


def _columns(natural: np.ndarray) -> list[np.ndarray]:
    """Parameter columns shaped to broadcast against spends: (m, 1) for rows, scalars for a vector."""
    natural = np.asarray(natural, dtype=float)
    if natural.ndim == 1:
        return [natural[i] for i in range(natural.shape[0])]
    return [natural[:, i : i + 1] for i in range(natural.shape[1])]


class Hill(CurveFamily):
    """S-shaped when a > 1, concave when a <= 1: base + beta * s^a / (s^a + K^a)."""

    def __init__(self) -> None:
        super().__init__("hill", "base + beta × s^a / (s^a + K^a)", ("base", "beta", "K", "a"))

    def predict_jacobian(self, free, x, jacobian=True):  # type: ignore[no-untyped-def]
        base, log_beta, log_k, log_a = (free[:, i : i + 1] for i in range(4))
        beta, a = np.exp(log_beta), np.exp(log_a)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_ratio = np.log(np.maximum(x, 1e-300)) - log_k  # log(s / K)
            # h = s^a / (s^a + K^a) = 1 / (1 + (K/s)^a), computed in logs to stay finite
            h = np.where(x > 0, 1.0 / (1.0 + np.exp(-a * log_ratio)), 0.0)
        prediction = base + beta * h
        if not jacobian:
            return prediction, None
        dh = h * (1.0 - h)  # dh/d(a log(s/K))
        jac = np.stack(
            [
                np.ones_like(prediction),
                beta * h,
                beta * dh * (-a),
                beta * dh * np.where(x > 0, a * log_ratio, 0.0),
            ],
            axis=-1,
        )
        return prediction, jac

    def value(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        base, beta, k, a = _columns(natural)
        s = np.maximum(np.asarray(spend, dtype=float), 0.0)
        with np.errstate(divide="ignore", over="ignore"):
            return np.asarray(base + beta / (1.0 + np.where(s > 0, (k / np.where(s > 0, s, 1.0)) ** a, np.inf)))

    def marginal(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        _, beta, k, a = _columns(natural)
        s = np.maximum(np.asarray(spend, dtype=float), 1e-12)
        ratio = (s / k) ** a
        return np.asarray(beta * a * ratio / (s * (1.0 + ratio) ** 2))


class Exponential(CurveFamily):
    """Concave everywhere: base + beta * (1 - exp(-s / K))."""

    def __init__(self) -> None:
        super().__init__("exponential", "base + beta × (1 − e^(−s / K))", ("base", "beta", "K"))

    def predict_jacobian(self, free, x, jacobian=True):  # type: ignore[no-untyped-def]
        base, log_beta, log_k = (free[:, i : i + 1] for i in range(3))
        beta, k = np.exp(log_beta), np.exp(log_k)
        decay = np.exp(-np.maximum(x, 0.0) / k)
        saturation = 1.0 - decay
        prediction = base + beta * saturation
        if not jacobian:
            return prediction, None
        jac = np.stack([np.ones_like(prediction), beta * saturation, -beta * decay * np.maximum(x, 0.0) / k], axis=-1)
        return prediction, jac

    def value(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        base, beta, k = _columns(natural)[:3]
        return np.asarray(base + beta * (1.0 - np.exp(-np.maximum(np.asarray(spend, dtype=float), 0.0) / k)))

    def marginal(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        _, beta, k = _columns(natural)[:3]
        return np.asarray(beta / k * np.exp(-np.maximum(np.asarray(spend, dtype=float), 0.0) / k))


class Flat(CurveFamily):
    """A channel that could not be fitted: its mean outcome, whatever it spends (it is held fixed)."""

    def __init__(self) -> None:
        super().__init__("flat", "mean outcome (not fitted)", ("base",))

    def natural(self, free: np.ndarray) -> np.ndarray:
        return np.array(free, dtype=float, copy=True)

    def free(self, natural: np.ndarray) -> np.ndarray:
        return np.array(natural, dtype=float, copy=True)

    def value(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        (base,) = _columns(natural)[:1]
        return np.asarray(base + np.zeros_like(np.asarray(spend, dtype=float)))

    def marginal(self, natural: np.ndarray, spend: np.ndarray | float) -> np.ndarray:
        return 0.0 * self.value(natural, spend)


FAMILIES: dict[str, CurveFamily] = {f.name: f for f in (Hill(), Exponential(), Flat())}


def is_concave(family: str, natural: np.ndarray) -> bool:
    """Concave in spend (so equal marginal returns find the exact optimum)?"""
    return family != "hill" or float(np.asarray(natural)[3]) <= 1.0 + 1e-9


def flattened(family: str, natural: np.ndarray, at_spend: float, factor: float) -> np.ndarray:
    """The same curve saturating sooner (K times ``factor``), rescaled to pass through its outcome at
    ``at_spend``: returns diminish faster beyond today's spend. For one vector (k,) or rows (m, k)."""
    natural = np.array(natural, dtype=float, copy=True)
    if family == "flat":
        return natural
    curve = FAMILIES[family]
    gain = np.reshape(curve.value(natural, at_spend), natural.shape[:-1]) - natural[..., 0]
    natural[..., 2] *= factor
    unit = natural.copy()
    unit[..., 0], unit[..., 1] = 0.0, 1.0
    shape = np.reshape(curve.value(unit, at_spend), natural.shape[:-1])
    natural[..., 1] = np.where(shape > 0, gain / np.where(shape > 0, shape, 1.0), natural[..., 1])
    return natural
