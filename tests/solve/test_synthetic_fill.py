"""Greedy + local search on synthetic saldo problems that are feasible by construction."""

from __future__ import annotations

import numpy as np
import pytest

from rtsched_widgets.model.synthetic import synthetic
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve import Chain, get_strategy
from rtsched_widgets.solve.local_search import LocalSearch


@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_plus_local_search_fills_every_slot_fairly(seed):
    problem = synthetic(workers=40, days=180, posts=3, seed=seed, feasible=True)
    strategy = Chain([get_strategy("greedy"), LocalSearch(max_moves=20_000)])
    result = strategy.solve(problem, time_limit=120, seed=seed)
    roster = result.roster
    assert result.hard_violations == 0
    assert Validator(problem, roster).score().hard == 0
    assert np.array_equal(roster.count, problem.required), "every required slot is filled"
    shifts = (roster.shift_of >= 0).sum(axis=1)
    assert np.abs(shifts - problem.targets).max() <= 1, "every worker within ±1 of target"
    pinned = problem.mandatory
    assert (roster.shift_of[pinned] >= 0).all(), "every mandatory day is worked"
