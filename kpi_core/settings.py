"""The settings every KPI and analysis of a workspace reads, typed, with their defaults in one place.

Stored as loose keys (a mapping's ``settings``, then the workspace's own, which win); read through
``WorkspaceSettings.from_values``, which checks each value once, with a sentence that says what to
use instead. Keys it does not know (a page's remembered text) are left to their owners.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from kpi_core.errors import InputError

BAD_SETTING = "Setting {key} = {value!r}: {need}"
NEEDS: dict[str, str] = {
    "gross_margin": "use a share from 0 to 1 (e.g. 0.6 for 60%).",
    "customer_lifetime_years": "use a number of years from 0 to 100 (e.g. 3).",
    "roas_strong": "use a ROAS of 0 or more (e.g. 5).",
    "roas_weak": "use a ROAS of 0 or more, not above the strong one (e.g. 2).",
    "alert_threshold": "use a positive number of MAD units, e.g. 3.5.",
    "alert_window": "use a whole number of periods, 3 or more (e.g. 8).",
}


@dataclass(frozen=True)
class WorkspaceSettings:
    currency: str = "USD"  # an ISO code or a symbol, shown beside money; typed by a user
    gross_margin: float = 1.0  # share of revenue that is profit: ROMI, CLV, LTV:CAC, CAC payback
    customer_lifetime_years: float = 3  # CLV and LTV:CAC
    roas_strong: float = 5.0  # the Dashboard shades ROAS from here up as strong...
    roas_weak: float = 2.0  # ...and under here as weak
    alert_threshold: float | None = None  # None: the alert detector's own default
    alert_window: int | None = None
    alert_kpis: tuple[str, ...] = ()  # () : the Dashboard's default list

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", (self.currency or "").strip() or "USD")
        _check("gross_margin", self.gross_margin, 0.0 <= self.gross_margin <= 1.0)
        _check("customer_lifetime_years", self.customer_lifetime_years, 0.0 <= self.customer_lifetime_years <= 100.0)
        _check("roas_strong", self.roas_strong, self.roas_strong >= 0)
        _check("roas_weak", self.roas_weak, 0 <= self.roas_weak <= self.roas_strong)
        if self.alert_threshold is not None:
            _check("alert_threshold", self.alert_threshold, self.alert_threshold > 0)
        if self.alert_window is not None:
            _check("alert_window", self.alert_window, self.alert_window >= 3)

    @classmethod
    def from_values(cls, *layers: Mapping[str, Any]) -> WorkspaceSettings:
        """Settings from stored keys, later layers winning (a mapping's, then the workspace's)."""
        merged: dict[str, Any] = {}
        for layer in layers:
            merged.update({k: v for k, v in layer.items() if v is not None})
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in merged:
                continue
            value = merged[field.name]
            if field.name == "currency":
                values[field.name] = str(value)
            elif field.name == "alert_kpis":
                values[field.name] = tuple(str(k) for k in value) if isinstance(value, (list, tuple)) else ()
            elif field.name == "alert_window":
                number = setting_number(field.name, value)
                if not number.is_integer():
                    raise InputError(BAD_SETTING.format(key=field.name, value=value, need=NEEDS[field.name]))
                values[field.name] = int(number)
            else:
                values[field.name] = setting_number(field.name, value)
        return cls(**values)

    @classmethod
    def of(cls, settings: WorkspaceSettings | Mapping[str, Any]) -> WorkspaceSettings:
        """These settings, or settings read from stored keys (a caller holding a plain dict)."""
        return settings if isinstance(settings, WorkspaceSettings) else cls.from_values(settings)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["alert_kpis"] = list(self.alert_kpis)
        return out


def setting_number(key: str, value: Any, need: str | None = None) -> float:
    """A setting as a finite number (JSON numbers, or text holding one)."""
    number = math.nan
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = float(value)
        except ValueError:
            pass
    if not math.isfinite(number):
        raise InputError(BAD_SETTING.format(key=key, value=value, need=need or NEEDS.get(key, "use a number.")))
    return number


def _check(key: str, value: object, ok: bool) -> None:
    if not ok:
        raise InputError(BAD_SETTING.format(key=key, value=value, need=NEEDS[key]))


DEFAULTS = WorkspaceSettings()
