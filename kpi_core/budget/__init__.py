"""Budget reallocation: response curves per channel, instant what-ifs, an optimiser and scenarios."""

from kpi_core.budget.history import History, budget_history, target_options
from kpi_core.budget.model import BudgetModel, ChannelCurve, fit_budget
from kpi_core.budget.optimise import allocate, resolve_bounds
from kpi_core.budget.plan import BudgetPlan, recommend
from kpi_core.budget.whatif import Projection, compare, project

__all__ = [
    "BudgetModel",
    "BudgetPlan",
    "ChannelCurve",
    "History",
    "Projection",
    "allocate",
    "budget_history",
    "compare",
    "fit_budget",
    "project",
    "recommend",
    "resolve_bounds",
    "target_options",
]
