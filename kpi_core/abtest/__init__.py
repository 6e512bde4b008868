"""A/B tests: health gate, frequentist verdicts, sequential looks, Bayesian panel and planning."""

from kpi_core.abtest.analyse import Comparison, ExperimentResult, analyse
from kpi_core.abtest.models import Arm, ExperimentSettings
from kpi_core.abtest.planner import Plan, detectable_effect, list_size_effect, plan

__all__ = [
    "Arm",
    "Comparison",
    "Plan",
    "ExperimentResult",
    "ExperimentSettings",
    "analyse",
    "detectable_effect",
    "list_size_effect",
    "plan",
]
