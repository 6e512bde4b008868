"""A fitted budget model: every channel's curve, its bootstrap replicates, current spend and cap.

It is fitted once per dataset, target and grain (the pages cache it), and everything after that
(what-ifs, the optimiser, scenarios) only evaluates curves: no slider move ever refits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np

from kpi_core.budget.curves import FAMILIES, flattened, is_concave
from kpi_core.budget.fit import DECAYS, REPLICATES, CurveFit, fit_channel
from kpi_core.budget.history import MONEY_TARGETS, BudgetGrain, History, Mode, budget_history
from kpi_core.budget.joint import JOINT_REPLICATES, fit_joint
from kpi_core.metrics import Performance


@dataclass(frozen=True)
class ChannelCurve:
    channel: str
    fit: CurveFit
    current_spend: float  # mean spend per period over the history
    cap: float  # the largest spend per period in the history: the curve is unknown beyond it
    flags: tuple[str, ...] = ()

    @property
    def fitted(self) -> bool:
        return self.fit.family != "flat"

    @property
    def held(self) -> bool:
        """Held at its current spend by the optimiser: its curve cannot be trusted to move it."""
        return not self.fitted or bool({"too_few_points", "no_signal"} & set(self.flags))

    def value(self, spend: float | np.ndarray) -> np.ndarray:
        return FAMILIES[self.fit.family].value(self.fit.params, spend)

    def marginal(self, spend: float | np.ndarray) -> np.ndarray:
        return FAMILIES[self.fit.family].marginal(self.fit.params, spend)

    def replicate_values(self, spend: float) -> np.ndarray:
        """The outcome at ``spend`` under every bootstrap replicate: (B,)."""
        return np.ravel(FAMILIES[self.fit.family].value(self.fit.replicates, spend))

    def replicate_marginals(self, spend: float) -> np.ndarray:
        return np.ravel(FAMILIES[self.fit.family].marginal(self.fit.replicates, spend))


class CurveSet:
    """Every channel's point curve, evaluated for all channels in one numpy call per family."""

    def __init__(self, channels: tuple[ChannelCurve, ...]) -> None:
        self.size = len(channels)
        self.groups: list[tuple[str, np.ndarray, np.ndarray]] = []
        for family in sorted({c.fit.family for c in channels}):
            index = np.array([i for i, c in enumerate(channels) if c.fit.family == family])
            params = np.stack([channels[i].fit.params for i in index])
            self.groups.append((family, index, params))

    def _apply(self, method: str, spends: np.ndarray) -> np.ndarray:
        """Per channel at ``spends`` of shape (channels,) or (channels, points)."""
        spends = np.asarray(spends, dtype=float)
        out = np.zeros(spends.shape)
        for family, index, params in self.groups:
            chosen = spends[index]
            result = getattr(FAMILIES[family], method)(params, chosen if chosen.ndim == 2 else chosen[:, None])
            out[index] = (
                np.broadcast_to(result, (len(index), *chosen.shape[1:])) if chosen.ndim == 2 else np.ravel(result)
            )
        return out

    def value(self, spends: np.ndarray) -> np.ndarray:
        return self._apply("value", spends)

    def marginal(self, spends: np.ndarray) -> np.ndarray:
        return self._apply("marginal", spends)


@dataclass(frozen=True)
class BudgetModel:
    target: str
    grain: BudgetGrain
    mode: Mode
    channels: tuple[ChannelCurve, ...]
    periods: tuple[date, ...]
    baseline: float = 0.0  # outcome per period not attributed to any channel (joint fits only)
    baseline_replicates: np.ndarray = field(default_factory=lambda: np.zeros(1))
    r2: float | None = None  # joint fits: of the whole model
    decays: tuple[float, ...] = DECAYS
    lag: int = 0

    @property
    def names(self) -> list[str]:
        return [c.channel for c in self.channels]

    @property
    def money_target(self) -> bool:
        return self.target in MONEY_TARGETS

    @property
    def weakly_identified(self) -> bool:
        return self.mode == "joint"

    @property
    def replicates(self) -> int:
        return int(min(c.fit.replicates.shape[0] for c in self.channels))

    def channel(self, name: str) -> ChannelCurve:
        for curve in self.channels:
            if curve.channel == name:
                return curve
        raise KeyError(name)

    def current(self) -> np.ndarray:
        return np.array([c.current_spend for c in self.channels])

    def caps(self) -> np.ndarray:
        return np.array([c.cap for c in self.channels])

    @cached_property
    def curves(self) -> CurveSet:
        return CurveSet(self.channels)

    def values(self, spends: np.ndarray) -> np.ndarray:
        """Each channel's projected outcome per period at ``spends`` (one per channel)."""
        return self.curves.value(np.asarray(spends, dtype=float))

    def marginals(self, spends: np.ndarray) -> np.ndarray:
        return self.curves.marginal(np.asarray(spends, dtype=float))

    def total(self, spends: np.ndarray) -> float:
        return self.baseline + float(self.values(spends).sum())

    def all_concave(self) -> bool:
        return all(is_concave(c.fit.family, c.fit.params) for c in self.channels)

    def flatter(self, factor: float = 0.8) -> BudgetModel:
        """The sensitivity case: every curve saturating sooner beyond today's spend (see curves.flattened)."""
        channels = tuple(
            replace(
                c,
                fit=replace(
                    c.fit,
                    params=flattened(c.fit.family, c.fit.params, c.current_spend, factor),
                    replicates=flattened(c.fit.family, c.fit.replicates, c.current_spend, factor),
                ),
            )
            for c in self.channels
        )
        return replace(self, channels=channels)


def fit_budget(
    history: History,
    adstock: bool = True,
    lag: int = 0,
    replicates: int | None = None,
    seed: int = 0,
) -> BudgetModel:
    """Fit the curves of every channel of a history (independently, or jointly for a total outcome)."""
    decays = DECAYS if adstock else (0.0,)
    spend = history.spend
    if history.mode == "joint":
        joint = fit_joint(
            {c: spend[c].to_numpy(float) for c in spend.columns},
            history.outcome["total"].to_numpy(float),
            history.grain,
            decays=decays,
            replicates=replicates or JOINT_REPLICATES,
            seed=seed,
        )
        fits = {c: (joint.channels[c], ["weakly_identified"]) for c in spend.columns}
        baseline, baseline_replicates, r2 = joint.baseline, joint.baseline_replicates, joint.r2
    else:
        fits = {
            c: fit_channel(
                spend[c].to_numpy(float),
                history.outcome[c].to_numpy(float),
                decays=decays,
                lag=lag,
                replicates=replicates or REPLICATES,
                seed=seed + i,
            )
            for i, c in enumerate(spend.columns)
        }
        baseline, baseline_replicates, r2 = 0.0, np.zeros(1), None
    channels = []
    for name in spend.columns:
        fit, flags = fits[name]
        series = spend[name].to_numpy(float)
        if history.mode == "joint" and int((series > 0).sum()) < 6:
            flags = [*flags, "too_few_points"]
        channels.append(ChannelCurve(name, fit, float(series.mean()), float(series.max()), tuple(flags)))
    return BudgetModel(
        target=history.target,
        grain=history.grain,
        mode=history.mode,
        channels=tuple(channels),
        periods=tuple(history.periods),
        baseline=baseline,
        baseline_replicates=baseline_replicates,
        r2=r2,
        decays=decays,
        lag=lag,
    )


def cached_model(
    performance: Performance, target: str, grain: BudgetGrain, adstock: bool = True, lag: int = 0
) -> BudgetModel:
    """The fitted model for the performance view's current rows, fitted once: the key is the view's
    SQL (which names versioned tables) with the options, kept in the session's query cache."""
    sql, params = performance.rows_sql()
    key = ("budget_model", sql, tuple(params), target, grain, adstock, lag)
    found = performance.cache.lookup(key) if performance.cache is not None else None
    if found is not None:
        cached: BudgetModel = found[0]
        return cached
    model = fit_budget(budget_history(performance, target, grain), adstock=adstock, lag=lag)
    if performance.cache is not None:
        performance.cache.put(key, [model])
    return model
