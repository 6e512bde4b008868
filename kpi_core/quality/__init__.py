"""Data quality before numbers: what is wrong in a mapped dataset, and the mapping rules that fix it."""

from typing import TYPE_CHECKING

from kpi_core.quality.findings import Finding
from kpi_core.quality.fixes import apply_fix, remove_rule, rules_of

if TYPE_CHECKING:  # for the type checker only: at run time __getattr__ loads them when first asked for
    from kpi_core.quality.checks import check_dataset, check_ingested

__all__ = ["Finding", "apply_fix", "check_dataset", "check_ingested", "remove_rule", "rules_of"]


def __getattr__(name: str) -> object:
    if name in ("check_dataset", "check_ingested"):  # duckdb and rapidfuzz: loaded only when a check runs
        from kpi_core.quality import checks

        return getattr(checks, name)
    raise AttributeError(name)
