"""The ``weekend`` neighbourhood of the region repair (a window around a weekend day with cover
penalty, the workers with a one-day weekend there and workers with minutes to spare first)
and ``feasible_lns``'s use of it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtsched_widgets import datasets
from rtsched_widgets.solve import get_strategy
from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.feasible_lns import DEFAULT_NEIGHBOURHOODS, FeasibleLns
from rtsched_widgets.solve.lns import NEIGHBOURHOODS, Lns, _Run
from rtsched_widgets.solve.scoring import score_roster


def _run(roster: np.ndarray, seed: int, penalty: dict[int, float], fraction: float = 0.1) -> _Run:
    """A region-repair run on Instance8 (30 workers x 28 days, Monday first) at ``roster``
    whose cover penalty per day is ``penalty`` (other days: none)."""
    problem = datasets.nrp(8)
    options = Lns(neighbourhoods=("weekend",), parallel=1)
    kept = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    clock = RunClock("lns", 60.0, None, None)
    run = _Run(None, problem, lambda: None, kept, options, clock, seed)  # type: ignore[arg-type]
    run.current = roster
    run.fraction = fraction
    per_day = np.zeros(problem.n_days)
    for d, v in penalty.items():
        per_day[d] = v
    run._cover_penalty = lambda: per_day  # type: ignore[method-assign]
    return run


@pytest.fixture(scope="module")
def roster() -> np.ndarray:
    problem = datasets.nrp(8)
    return (
        Feasible(max_restarts=0)
        .solve(problem, time_limit=600, seed=0)
        .roster.shift_of.astype(np.int64)
    )


def test_weekend_days_are_the_saturdays_and_sundays(roster):
    run = _run(roster, 0, {})
    assert run._weekend_days == [[5, 6], [12, 13], [19, 20], [26, 27]]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("day", [5, 20, 27])
def test_weekend_frees_a_window_around_the_penalised_weekend_day(roster, day, seed):
    # the weekday 16 has more penalty than the weekend day: only weekend days are drawn
    run = _run(roster, seed, {day: 100.0, 16: 500.0})
    free = run._neighbourhood("weekend")
    p, side = run.p, math.sqrt(run.fraction)
    workers = np.flatnonzero(free.any(axis=1))
    k = max(2, round(side * p.n_workers))
    assert len(workers) == k
    days = np.flatnonzero(free.any(axis=0))
    assert days[-1] - days[0] + 1 == len(days) == max(2, round(side * p.n_days))
    assert days[0] <= day <= days[-1]
    block = np.zeros_like(free)
    block[np.ix_(workers, days)] = True
    assert np.array_equal(free, block & run.movable)
    # up to half work one day of that weekend, up to a quarter can take a shift on the day
    cur = run.current
    weekend = next(wd for wd in run._weekend_days if day in wd)
    one_day = set(np.flatnonzero((cur[:, weekend] >= 0).sum(axis=1) == 1).tolist())
    minutes, most, shortest = run._minutes
    used = np.where(cur >= 0, minutes[np.maximum(cur, 0)], 0).sum(axis=1)
    spare = set(
        np.flatnonzero((most - used >= shortest) & (cur[:, day] < 0) & p.available[:, day]).tolist()
    )
    chosen = set(workers.tolist())
    assert len(chosen & one_day) >= min(k // 2, len(one_day))
    assert len(chosen & spare) >= min(k // 4, len(spare))


def test_weekend_without_penalty_draws_any_weekend_day(roster):
    days = set()
    for seed in range(12):
        free = _run(roster, seed, {}, fraction=0.02)._neighbourhood("weekend")
        window = np.flatnonzero(free.any(axis=0))
        assert {5, 6, 12, 13, 19, 20, 26, 27} & set(window.tolist())
        days.add(int(window[0]))
    assert len(days) > 1


def test_weekend_on_a_horizon_without_weekends_takes_a_window_of_random_workers(roster):
    run = _run(roster, 3, {9: 100.0})
    run.__dict__["_weekend_days"] = []  # as on a horizon of Monday to Friday
    run._penalised = lambda: (9, [])  # type: ignore[method-assign]
    free = run._neighbourhood("weekend")
    days = np.flatnonzero(free.any(axis=0))
    assert days[0] <= 9 <= days[-1]
    assert len(np.flatnonzero(free.any(axis=1))) == max(2, round(math.sqrt(0.1) * 30))


def test_lns_accepts_weekend_and_keeps_its_four_default_kinds():
    assert "weekend" not in Lns().neighbourhoods
    assert Lns(neighbourhoods=("weekend",)).neighbourhoods == ("weekend",)


def test_feasible_lns_draws_weekend_neighbourhoods_by_default():
    assert FeasibleLns().lns.neighbourhoods == DEFAULT_NEIGHBOURHOODS
    assert (*NEIGHBOURHOODS, "pair", "weekend") == DEFAULT_NEIGHBOURHOODS


def test_region_repair_with_weekend_alone_improves_deterministically_and_scores_by_the_engine():
    problem = datasets.nrp(8)
    budget = {"max_restarts": 1, "max_iterations": 10, "neighbourhoods": ("weekend",)}
    runs = [
        get_strategy("feasible_lns", **budget).solve(problem, time_limit=600, seed=2)
        for _ in range(2)
    ]
    result = runs[0]
    assert np.array_equal(result.roster.shift_of, runs[1].roster.shift_of)
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)
    assert result.hard_violations == 0
    stages = result.details["stages"]
    assert result.objective < stages[0][1]  # the weekend sub-solves improved feasible's roster
