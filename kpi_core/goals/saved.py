"""Goals as a workspace saves them: a collection of the generic store, and the calls pages and the
command line use."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from kpi_core.errors import InputError
from kpi_core.goals.model import Goal, goal_from_dict
from kpi_core.workspace import Workspace
from kpi_core.workspace.documents import Collection


def _encode(goal: Goal) -> dict[str, Any]:
    return {k: v for k, v in goal.to_dict().items() if k != "id"}


def _decode(spec: dict[str, Any], goal_id: int, _created: datetime) -> Goal:
    return replace(goal_from_dict(spec), id=goal_id)


GOALS: Collection[Goal] = Collection("goals", "goal", _encode, _decode)


def goals(ws: Workspace) -> list[Goal]:
    return ws.documents(GOALS)


def save_goal(ws: Workspace, goal: Goal, *, based_on: Goal | None = None) -> Goal:
    """Add a goal (no id yet) or replace the one with its id; ``based_on``: see Workspace.save_document."""
    return ws.save_document(GOALS, goal, based_on=based_on)


def delete_goal(ws: Workspace, goal_id: int, *, based_on: Goal | None = None) -> None:
    ws.delete_document(GOALS, goal_id, based_on=based_on)


DRAFT_SETTING = "goal_draft"


def save_draft(ws: Workspace, goal: Goal | None) -> None:
    """The goal being written and not saved yet (None: none), kept so a refresh does not lose it."""
    ws.update_settings({DRAFT_SETTING: None if goal is None else goal.to_dict()})


def draft(ws: Workspace) -> Goal | None:
    """The goal being written, if one was kept and still reads as a goal."""
    spec = ws.settings().get(DRAFT_SETTING)
    try:
        return goal_from_dict(spec) if spec else None
    except (InputError, ValueError, TypeError):
        return None
