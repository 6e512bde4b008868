"""A what-if's spends after one channel is changed: by a typed amount or a % change, with the option
of keeping the total (the other channels give or take the difference in proportion to their spend).

Also the what-if as a short text, so a page can keep it in the URL and a refresh brings it back."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kpi_core.budget.model import BudgetModel


@dataclass(frozen=True)
class Adjusted:
    spends: np.ndarray
    note: str | None = None  # what the user asked for but did not get, in a sentence


def set_spend(
    spends: np.ndarray,
    index: int,
    wanted: float,
    tops: np.ndarray,
    movable: np.ndarray,
    keep_total: bool,
) -> Adjusted:
    """``spends`` with channel ``index`` at ``wanted`` (within 0 and its top). With ``keep_total`` the
    other movable channels absorb the difference in proportion to their spend (the mix among them
    stays), a channel that reaches its top passing the rest on; the channel moves only as far as they
    can absorb, so the total stays exactly where it was."""
    spends = np.asarray(spends, dtype=float).copy()
    tops = np.asarray(tops, dtype=float)
    top = float(tops[index])
    target = min(max(float(wanted), 0.0), top)
    note = "capped at the largest spend seen" if wanted > top + 0.5 else None
    if not keep_total:
        spends[index] = target
        return Adjusted(spends, note)
    others = np.asarray(movable, dtype=bool).copy()
    others[index] = False
    change = target - spends[index]
    # When this channel takes, the others give (down to 0); when it gives, they take (up to their top)
    room = float((spends * others).sum() if change > 0 else ((tops - spends) * others).sum())
    if abs(change) > room:
        change = math.copysign(room, change)
        note = "held back so the total stays the same: the other channels cannot absorb more"
    spends[index] += change
    left = -change  # what the others still have to take (negative: to give)
    for _ in range(len(spends)):
        open_ = others & (spends < tops if left > 0 else spends > 0)
        weights = spends * open_
        if weights.sum() <= 0:  # all at zero: share out evenly among those with room
            weights = open_.astype(float)
        if abs(left) < 1e-9 or weights.sum() <= 0:
            break
        moved = np.clip(spends + left * weights / weights.sum(), 0.0, tops) - spends
        spends += moved
        left -= float(moved.sum())
    spends[index] = min(max(spends[index], 0.0), top)
    return Adjusted(spends, note)


def change_percent(spend: float, current: float) -> float | None:
    """The what-if spend as a % change on today's (None when today's is 0)."""
    return (spend / current - 1) * 100 if current else None


def from_percent(percent: float, current: float) -> float:
    return max(current * (1 + percent / 100), 0.0)


@dataclass(frozen=True)
class WhatIfState:
    """What the what-if tab shows, as kept in the URL: the model it applies to, the moved channels'
    spends, the picked channel and the two switches (keep the total, go beyond the largest spend)."""

    target: str
    grain: str
    spends: dict[str, float] = field(default_factory=dict)
    picked: str | None = None
    keep_total: bool = False
    beyond: bool = False

    def to_text(self) -> str:
        body: dict[str, Any] = {
            "t": self.target,
            "g": self.grain,
            "s": {k: round(v, 2) for k, v in self.spends.items()},
        }
        if self.picked is not None:
            body["p"] = self.picked
        if self.keep_total:
            body["k"] = 1
        if self.beyond:
            body["b"] = 1
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def from_text(text: str | None) -> WhatIfState | None:
        """The state a URL holds, or None for anything else (a URL can say anything)."""
        try:
            body = json.loads(text or "")
            spends = {
                str(k): float(v) for k, v in body.get("s", {}).items() if math.isfinite(float(v)) and float(v) >= 0
            }
            picked = body.get("p")
            return WhatIfState(
                str(body["t"]),
                str(body["g"]),
                spends,
                str(picked) if picked is not None else None,
                bool(body.get("k")),
                bool(body.get("b")),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def spends_for(self, model: BudgetModel, tops: np.ndarray) -> np.ndarray:
        """Each channel's spend in the model's order: the kept one (within its range) or today's."""
        current = model.current()
        if (self.target, self.grain) != (model.target, model.grain):
            return current
        kept = np.array([self.spends.get(c.channel, np.nan) for c in model.channels], dtype=float)
        held = np.array([c.held for c in model.channels])
        chosen: np.ndarray = np.minimum(np.where(np.isnan(kept) | held, current, kept), tops)
        return chosen


def moved_spends(model: BudgetModel, spends: np.ndarray) -> dict[str, float]:
    """The channels whose spend differs from today's (by more than half a unit of money)."""
    return {
        c.channel: float(s)
        for c, s in zip(model.channels, np.asarray(spends, dtype=float))
        if abs(s - c.current_spend) > 0.5
    }
