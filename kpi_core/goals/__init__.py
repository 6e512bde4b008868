"""SMART goals: the model, the SMART check, progress and projections, and the funnel back-solve."""

from kpi_core.goals.model import OBJECTIVES, Goal, Target, goal_from_dict, goal_from_json
from kpi_core.goals.review import GoalReview, review_goal
from kpi_core.goals.sentence import goal_sentence

__all__ = [
    "OBJECTIVES",
    "Goal",
    "GoalReview",
    "Target",
    "goal_from_dict",
    "goal_from_json",
    "goal_sentence",
    "review_goal",
]
