"""Joined sub-solves of the region repair (``Lns(merge=True)``: the improving solutions of a
batch that change different workers' rows, joined when together they score lower) and
``feasible_lns``'s two sub-solves at a time."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from rtsched_widgets import datasets
from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.feasible_lns import FeasibleLns
from rtsched_widgets.solve.lns import Lns, _Run
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster

INSTANCE = 8  # 30 workers x 28 days


@pytest.fixture(scope="module")
def problem():
    return datasets.nrp(INSTANCE)


@pytest.fixture(scope="module")
def rosters(problem) -> list[np.ndarray]:
    """Three hard-feasible rosters: ``feasible``'s construction at seeds 0 and 1, and seed 0
    after 20 restarts."""
    runs = [(0, 0), (1, 0), (0, 20)]
    out = []
    for seed, restarts in runs:
        result = Feasible(max_restarts=restarts).solve(problem, time_limit=600, seed=seed)
        assert result.hard_violations == 0
        out.append(result.roster.shift_of.astype(np.int64))
    return out


def _score(problem, shift_of: np.ndarray) -> tuple[int, float]:
    return score_roster(problem, roster_from_shifts(problem, shift_of))


def _run(problem, current: np.ndarray) -> _Run:
    """A region-repair run at ``current`` (no solver needed for joining)."""
    options = Lns(parallel=2, merge=True)
    kept = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    clock = RunClock("lns", 60.0, None, None)
    run = _Run(None, problem, lambda: None, kept, options, clock, 0)  # type: ignore[arg-type]
    run.current = current.copy()
    run.current_cost = _score(problem, current)[1]
    return run


def _with_rows(base: np.ndarray, source: np.ndarray, rows: list[int]) -> np.ndarray:
    out = base.copy()
    out[rows] = source[rows]
    return out


_JOB = SimpleNamespace(builder=SimpleNamespace(holds=lambda name: True))


@pytest.mark.parametrize("seed", range(8))
def test_the_joined_value_is_the_rule_engines_score_of_the_joined_roster(problem, rosters, seed):
    cur, one_source, other_source = rosters
    run = _run(problem, cur)
    rng = random.Random(seed)
    workers = rng.sample(range(problem.n_workers), 12)
    one = _with_rows(cur, one_source, workers[:6])
    other = _with_rows(cur, other_source, workers[6:])
    joined = _with_rows(one, other, workers[6:])
    (h_one, v_one), (h_other, v_other) = _score(problem, one), _score(problem, other)
    value = run._joined_value((v_one, one), (v_other, other), joined, over=True)
    hard, soft = _score(problem, joined)
    count = np.zeros((problem.n_days, problem.n_shifts), dtype=np.int64)
    w_idx, d_idx = np.nonzero(joined >= 0)
    np.add.at(count, (d_idx, joined[w_idx, d_idx]), 1)
    if (count > problem.maximum).any():
        assert value is None
    else:
        # the rows come from hard-feasible rosters: only a cell's maximum could break
        assert hard == h_one == h_other == 0
        assert value == pytest.approx(soft)


def _two_gains(problem, better: np.ndarray, other: np.ndarray) -> tuple[int, int, np.ndarray]:
    """Workers ``w1``, ``w2`` and a hard-feasible roster ``cur``: ``better`` with the rows of
    ``w1`` and ``w2`` from ``other``, such that putting either row back alone lowers the
    score (the first such pair)."""
    for w1 in range(problem.n_workers):
        for w2 in range(w1 + 1, problem.n_workers):
            cur = _with_rows(better, other, [w1, w2])
            hard, base = _score(problem, cur)
            if hard or np.array_equal(cur, better):
                continue
            backs = [_score(problem, _with_rows(cur, better, [w])) for w in (w1, w2)]
            if all(h == 0 and v < base for h, v in backs):
                return w1, w2, cur
    raise AssertionError("no such pair")


def test_merge_joins_improving_solutions_of_other_workers_only(problem, rosters):
    _, other, better = rosters
    w1, w2, cur = _two_gains(problem, better, other)
    one, two = _with_rows(cur, better, [w1]), _with_rows(cur, better, [w2])
    v1, v2 = _score(problem, one)[1], _score(problem, two)[1]
    run = _run(problem, cur)
    value, shifts = run._merge((v1, one), [(v2, two, _JOB)])  # type: ignore[list-item]
    joined = _with_rows(cur, better, [w1, w2])
    hard, soft = _score(problem, joined)
    assert soft < min(v1, v2)  # both rows back: lower still
    assert np.array_equal(shifts, joined) and run.merged == 1
    assert (hard, value) == (0, pytest.approx(soft))
    # the same worker's row in both: not joined
    run = _run(problem, cur)
    value, shifts = run._merge((v1, one), [(soft, joined, _JOB)])  # type: ignore[list-item]
    assert np.array_equal(shifts, one) and value == v1 and run.merged == 0
    # a solution no better than the current roster: not joined
    run = _run(problem, cur)
    value, shifts = run._merge((v1, one), [(run.current_cost, two, _JOB)])  # type: ignore[list-item]
    assert np.array_equal(shifts, one) and run.merged == 0


def test_merging_runs_join_sub_solves_and_report_the_engine_score(problem, rosters):
    start = roster_from_shifts(problem, rosters[0])
    options = {
        "parallel": 2,
        "sub_effort": 0.05,
        "max_iterations": 24,
        "neighbourhoods": ("days", "block", "penalty", "weekend"),
    }
    merged = Lns(merge=True, **options).solve(problem, roster=start, time_limit=600, seed=1)
    assert merged.details["merged"] >= 1
    assert (merged.hard_violations, merged.objective) == _score(problem, merged.roster.shift_of)
    assert merged.objective < _score(problem, rosters[0])[1]
    plain = Lns(**options).solve(problem, roster=start, time_limit=600, seed=1)
    assert plain.details["merged"] == 0


def test_feasible_lns_passes_parallel_and_merge_to_its_region_repair():
    strategy = FeasibleLns(parallel=3, merge=False)
    assert (strategy.lns.parallel, strategy.lns.merge) == (3, False)
