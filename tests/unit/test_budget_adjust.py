"""What-if spends after one channel changes (typed amount, % change, keeping the total), and the
what-if as the text a URL keeps."""

from __future__ import annotations

import numpy as np
import pytest

from kpi_core.budget import budget_history, fit_budget
from kpi_core.budget.adjust import WhatIfState, change_percent, from_percent, moved_spends, set_spend
from kpi_core.budget.simulate import simulate_channels
from tests.unit.test_budget import TRUTH, performance_of

SPENDS = np.array([1000.0, 3000.0, 6000.0, 0.0])
TOPS = np.array([5000.0, 8000.0, 7000.0, 2000.0])
ALL = np.array([True, True, True, True])


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return fit_budget(budget_history(performance_of(simulate_channels(TRUTH, periods=60, seed=5)), "revenue"))


def test_a_typed_amount_moves_only_that_channel() -> None:
    adjusted = set_spend(SPENDS, 1, 4500.0, TOPS, ALL, keep_total=False)
    assert adjusted.spends.tolist() == [1000.0, 4500.0, 6000.0, 0.0] and adjusted.note is None


def test_an_exact_cut_of_twenty_percent_keeping_the_total() -> None:
    wanted = from_percent(-20.0, SPENDS[2])
    adjusted = set_spend(SPENDS, 2, wanted, TOPS, ALL, keep_total=True)
    assert adjusted.spends[2] == pytest.approx(4800.0)
    assert adjusted.spends.sum() == pytest.approx(SPENDS.sum())
    # The 1,200 goes to the others in proportion to their spend (1,000, 3,000 and 0): the mix stays
    gained = adjusted.spends - SPENDS
    assert gained[[0, 1, 3]] == pytest.approx([300.0, 900.0, 0.0])
    assert change_percent(adjusted.spends[2], SPENDS[2]) == pytest.approx(-20.0)


def test_a_raise_keeping_the_total_is_taken_in_proportion_to_spend() -> None:
    adjusted = set_spend(SPENDS, 0, 2000.0, TOPS, ALL, keep_total=True)
    assert adjusted.spends.sum() == pytest.approx(SPENDS.sum())
    assert (SPENDS - adjusted.spends)[[1, 2, 3]] == pytest.approx([1000 * 3 / 9, 1000 * 6 / 9, 0.0])


def test_a_channel_that_reaches_its_top_passes_the_rest_on() -> None:
    adjusted = set_spend(SPENDS, 2, 0.0, TOPS, ALL, keep_total=True)  # 6,000 to share out
    assert adjusted.spends.sum() == pytest.approx(SPENDS.sum())
    assert adjusted.spends.tolist() == pytest.approx([2500.0, 7500.0, 0.0, 0.0])
    tight = np.array([5000.0, 4000.0, 7000.0, 2000.0])  # the 3,000 channel can take only 1,000 more
    adjusted = set_spend(SPENDS, 2, 0.0, tight, ALL, keep_total=True)
    assert adjusted.spends[1] == 4000.0 and adjusted.spends.sum() == pytest.approx(SPENDS.sum())
    assert adjusted.spends[0] == 5000.0 and adjusted.spends[3] == pytest.approx(1000.0)  # then the empty one


def test_held_channels_do_not_rebalance_and_the_move_stops_where_the_others_cannot_give() -> None:
    movable = np.array([True, True, False, True])  # the 6,000 channel is held
    adjusted = set_spend(SPENDS, 0, 4900.0, TOPS, movable, keep_total=True)
    assert adjusted.spends.tolist() == pytest.approx([4000.0, 0.0, 6000.0, 0.0])  # only 3,000 could come
    assert adjusted.note and "total stays the same" in adjusted.note


def test_a_typed_amount_beyond_the_top_is_capped_and_said() -> None:
    adjusted = set_spend(SPENDS, 3, 9999.0, TOPS, ALL, keep_total=False)
    assert adjusted.spends[3] == 2000.0 and adjusted.note == "capped at the largest spend seen"
    assert set_spend(SPENDS, 3, -50.0, TOPS, ALL, keep_total=False).spends[3] == 0.0
    assert change_percent(5.0, 0.0) is None and from_percent(-150.0, 100.0) == 0.0


def test_the_state_round_trips_through_its_text_and_refuses_garbage(model) -> None:  # type: ignore[no-untyped-def]
    first = model.names[0]
    state = WhatIfState(model.target, model.grain, {first: 1234.5}, picked=first, keep_total=True, beyond=True)
    assert WhatIfState.from_text(state.to_text()) == state
    for garbage in (None, "", "{", "[]", '{"t": "revenue"}', '{"t":1,"g":2,"s":{"a":"x"}}', '{"t":1,"g":2,"s":[1]}'):
        assert WhatIfState.from_text(garbage) is None
    tops = model.caps()
    spends = WhatIfState.from_text(state.to_text()).spends_for(model, tops)  # type: ignore[union-attr]
    assert spends[0] == min(1234.5, tops[0]) and (spends[1:] == model.current()[1:]).all()
    other = WhatIfState("customers", model.grain, {first: 1.0})
    assert (other.spends_for(model, tops) == model.current()).all()  # kept for another outcome: not applied
    assert moved_spends(model, spends) == ({first: spends[0]} if abs(spends[0] - model.current()[0]) > 0.5 else {})
