"""One data-quality finding, in the shape ``python -m kpi_core check`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    column: str | None
    rows: int
    share: float | None  # rows / all rows
    example: str | None
    message: str
    touches: dict[str, float] = field(default_factory=dict)  # measure -> share of its total in these rows
    fix: dict[str, Any] | None = None  # a mapping rule that fixes it: {"recode": {...}} or {"exclude": {...}}
    fix_label: str | None = None  # the fix in words, for a button

    def to_dict(self) -> dict[str, Any]:
        """Contract keys first (check, severity, column, rows, share, example, message), extras after."""
        return {
            "check": self.check,
            "severity": self.severity,
            "column": self.column,
            "rows": self.rows,
            "share": self.share,
            "example": self.example,
            "message": self.message,
            "touches": dict(self.touches),
            "fix": self.fix,
            "fix_label": self.fix_label,
        }
