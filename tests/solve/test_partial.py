from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solve_factories import small_saldo  # type: ignore[import-not-found]

from rtsched_widgets.model import Roster
from rtsched_widgets.solve import Keep, get_strategy
from rtsched_widgets.solve.local_search import LocalSearch
from rtsched_widgets.solve.partial import regenerate
from rtsched_widgets.solve.registry import Chain

PROBLEM = small_saldo(seed=3)
BASE = get_strategy("greedy").solve(PROBLEM, time_limit=5, seed=0).roster
FAST = Chain([get_strategy("greedy"), LocalSearch(max_moves=300)])


def test_regenerate_date_range_changes_nothing_outside(saldo_factory):
    problem = PROBLEM
    result = regenerate(
        problem, BASE, dates=("2026-01-12", "2026-01-18"), strategy=FAST, time_limit=5, seed=1
    )
    inside = np.zeros(problem.n_days, dtype=bool)
    inside[7:14] = True
    assert np.array_equal(result.roster.slots[~inside], BASE.slots[~inside])
    assert result.roster is not BASE


def test_only_empty_keeps_every_assignment():
    holey = BASE.copy()
    for d in range(0, PROBLEM.n_days, 3):
        w = holey.worker_at(d, 0, 0)
        if w >= 0 and not PROBLEM.mandatory[w, d]:
            holey.clear(d, 0, 0)
    result = regenerate(PROBLEM, holey, only_empty=True, strategy=FAST, time_limit=5, seed=0)
    had = holey.shift_of >= 0
    assert np.array_equal(result.roster.shift_of[had], holey.shift_of[had])
    assert result.roster.n_assigned >= holey.n_assigned


def test_regenerate_rejects_bad_input():
    with pytest.raises(ValueError, match="dates"):
        regenerate(PROBLEM, BASE, dates=("2026-01-20", "2026-01-10"), time_limit=1)
    with pytest.raises(ValueError, match="keep: shape"):
        regenerate(PROBLEM, BASE, keep=np.zeros((3, 3), dtype=bool), time_limit=1)
    with pytest.raises(ValueError, match="nothing is left"):
        regenerate(
            PROBLEM, BASE, keep=np.ones((PROBLEM.n_workers, PROBLEM.n_days), bool), time_limit=1
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    strategy=st.sampled_from(["greedy", "local_search", "greedy+ls"]),
    seed=st.integers(0, 1000),
)
def test_kept_cells_never_change(data, strategy, seed):
    problem = PROBLEM
    shape_wd = (problem.n_workers, problem.n_days)
    shape_cell = (problem.n_days, problem.n_shifts)
    flat_wd = data.draw(
        st.lists(
            st.booleans(), min_size=shape_wd[0] * shape_wd[1], max_size=shape_wd[0] * shape_wd[1]
        )
    )
    flat_cell = data.draw(
        st.lists(
            st.booleans(),
            min_size=shape_cell[0] * shape_cell[1],
            max_size=shape_cell[0] * shape_cell[1],
        )
    )
    worker_days = np.array(flat_wd).reshape(shape_wd)
    cells = np.array(flat_cell).reshape(shape_cell)
    start = BASE.copy() if data.draw(st.booleans()) else Roster(problem)
    if strategy == "local_search":
        solver = LocalSearch(max_moves=400)
    else:
        solver = (
            get_strategy(strategy)
            if strategy == "greedy"
            else Chain([get_strategy("greedy"), LocalSearch(max_moves=400)])
        )
    result = regenerate(
        problem,
        start,
        keep=Keep(worker_days=worker_days, cells=cells),
        strategy=solver,
        time_limit=5,
        seed=seed,
    )
    out = result.roster
    assert np.array_equal(out.shift_of[worker_days], start.shift_of[worker_days])
    assert np.array_equal(out.slots[cells], start.slots[cells])
    pinned = problem.mandatory & (start.shift_of >= 0)
    assert np.array_equal(out.shift_of[pinned], start.shift_of[pinned])
