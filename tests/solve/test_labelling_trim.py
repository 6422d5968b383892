"""Trimmed rules: the search over the span around a window gives the whole-horizon search's
best cost with the same cells held, and its schedules meet the worker's rules."""

from __future__ import annotations

import numpy as np
import pytest

from rtsched_widgets import datasets
from rtsched_widgets.model import Problem
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.keep import normalize_keep
from rtsched_widgets.solve.labelling import (
    WeekendPrice,
    WorkerRules,
    held_span,
    shortest_schedules,
)
from rtsched_widgets.solve.scoring import roster_from_shifts
from rtsched_widgets.solve.windows import held_outside

pytest.importorskip("ortools.sat.python.cp_model")


def worker_hard(problem: Problem, w: int, row: np.ndarray) -> int:
    """Hard violations of worker ``w`` holding ``row`` (everyone else off), by the rule
    engine."""
    shift_of = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
    shift_of[w] = row
    wid = problem.workers[w].id
    return sum(
        v.severity == "hard" and wid in v.workers
        for v in Validator(problem, roster_from_shifts(problem, shift_of)).violation_list()
    )


def test_held_span_reaches_the_nearest_runs_of_held_days_off():
    kept = np.array([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1], dtype=bool)
    shift = np.array([-1, -1, 2, -1, 0, 0, 1, -1, -1, 3, -1])
    assert held_span(kept, shift, 1) == (3, 8)
    assert held_span(kept, shift, 2) == (0, 9)
    assert held_span(np.ones(4, dtype=bool), np.full(4, -1), 1) == (0, 4)  # nothing free
    assert held_span(np.zeros(4, dtype=bool), np.full(4, -1), 1) == (0, 4)


@pytest.mark.parametrize("instance", [4, 8])
def test_trimmed_search_matches_the_whole_horizon_search(instance):
    problem = datasets.nrp(instance)
    start = Feasible(max_rounds=2).solve(problem, time_limit=60.0, seed=0)
    assert start.hard_violations == 0
    rows = start.roster.shift_of.astype(np.int64)
    fixed = normalize_keep(problem, None, None)
    rng = np.random.default_rng(instance)
    trimmed = 0
    for _ in range(6):
        d0 = int(rng.integers(0, problem.n_days - 7))
        held = held_outside(fixed, rows, (d0, d0 + 7))
        for w in rng.choice(problem.n_workers, size=4, replace=False).tolist():
            whole = WorkerRules.of(problem, w, held)
            part = WorkerRules.of(problem, w, held, trim=True)
            trimmed += part.n_days < problem.n_days
            cost = rng.integers(-20, 10, (problem.n_days, problem.n_shifts)).astype(float)
            a = shortest_schedules(whole, cost, max_labels=4096, n_best=3)
            b = shortest_schedules(part, cost, max_labels=4096, n_best=3)
            assert a.exact and b.exact and a.found and b.found
            assert b.costs[0] == pytest.approx(a.costs[0], abs=1e-9)
            assert b.schedules.shape == a.schedules.shape
            n_units = len(problem.calendar.sat_sun_weekends())
            weekend = WeekendPrice.of(
                problem, rng.integers(-5, 6, n_units), rng.integers(-5, 6, n_units)
            )
            a = shortest_schedules(whole, cost, max_labels=4096, weekend=weekend)
            b = shortest_schedules(part, cost, max_labels=4096, weekend=weekend)
            assert a.exact and b.exact
            assert b.costs[0] == pytest.approx(a.costs[0], abs=1e-9)
            for row in b.schedules:
                outside = np.ones(problem.n_days, dtype=bool)
                outside[d0 : d0 + 7] = False
                assert np.array_equal(row[outside], rows[w][outside])
                assert worker_hard(problem, w, row) == 0
    assert trimmed > 0


def test_a_held_part_over_the_limits_is_not_trimmed():
    problem = datasets.nrp(8)
    fixed = normalize_keep(problem, None, None)
    w = 0
    limits = problem.workers[w].max_per_shift
    sid, most = min(limits.items(), key=lambda item: item[1])
    rows = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
    rows[w, 7 : 8 + most] = problem.shift_index[sid]  # one more than allowed
    window = (problem.n_days - 7, problem.n_days)
    held = held_outside(fixed, rows, window)
    rules = WorkerRules.of(problem, w, held, trim=True)
    assert rules.n_days == problem.n_days and rules.held_row is None
    clean = rows.copy()
    clean[w] = -1
    trimmed = WorkerRules.of(problem, w, held_outside(fixed, clean, window), trim=True)
    assert trimmed.n_days < problem.n_days and trimmed.held_row is not None
