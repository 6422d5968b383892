"""The ``pair`` neighbourhood of the region repair (two windows of days of the same workers,
one around a day with cover penalty) and ``feasible_lns``'s use of it."""

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


def _runs(
    day: int, roster: np.ndarray, seed: int, fraction: float = 0.1, instance: int = 8
) -> _Run:
    """A region-repair run on ``instance`` (Instance8: 30 workers x 28 days) at ``roster``
    whose penalised day is ``day``."""
    problem = datasets.nrp(instance)
    options = Lns(neighbourhoods=("pair",), parallel=1)
    kept = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    clock = RunClock("lns", 60.0, None, None)
    run = _Run(None, problem, lambda: None, kept, options, clock, seed)  # type: ignore[arg-type]
    run.current = roster
    run.fraction = fraction
    run._penalised = lambda: (day, [])  # type: ignore[method-assign]
    return run


def _windows(days: np.ndarray) -> list[tuple[int, int]]:
    """The runs of consecutive True days, as ``(first, past the last)``."""
    out: list[tuple[int, int]] = []
    for d in np.flatnonzero(days).tolist():
        if out and out[-1][1] == d:
            out[-1] = (out[-1][0], d + 1)
        else:
            out.append((d, d + 1))
    return out


@pytest.fixture(scope="module")
def roster() -> np.ndarray:
    problem = datasets.nrp(8)
    return (
        Feasible(max_restarts=0)
        .solve(problem, time_limit=600, seed=0)
        .roster.shift_of.astype(np.int64)
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("day", [3, 19, 26])
def test_pair_frees_the_same_workers_on_two_windows_a_whole_number_of_weeks_apart(
    roster, day, seed
):
    run = _runs(day, roster, seed)
    free = run._neighbourhood("pair")
    p = run.p
    side = math.sqrt(run.fraction)
    length = max(2, round(side * p.n_days / 2))
    workers = np.flatnonzero(free.any(axis=1))
    assert len(workers) == max(2, round(side * p.n_workers))
    # every chosen worker on every day of both windows (where the day has a variable)
    days = free.any(axis=0)
    block = np.zeros_like(free)
    block[np.ix_(workers, np.flatnonzero(days))] = True
    assert np.array_equal(free, block & run.movable)
    windows = _windows(days)
    if len(windows) == 1:  # adjacent windows merge into one run of days
        (a, b), c = windows[0], windows[0][0] + length
        assert b - a == 2 * length
    else:
        (a, b), (c, e) = windows
        assert b - a == e - c == length
    starts = [a, c]
    first = next(s for s in starts if s <= day < s + length)
    second = starts[1] if first == starts[0] else starts[0]
    assert (second - first) % 7 == 0  # the same weekdays: there is room on 28 days
    # up to half of them can move a shift from the second window to the penalised day
    cur = run.current
    movers = set(
        np.flatnonzero(
            (cur[:, day] < 0)
            & p.available[:, day]
            & (cur[:, second : second + length] >= 0).any(axis=1)
        ).tolist()
    )
    assert len(movers & set(workers.tolist())) >= min(len(workers) // 2, len(movers))


@pytest.mark.parametrize("seed", range(8))
def test_pair_without_room_for_a_second_window_frees_every_worker_on_the_first(seed):
    problem = datasets.nrp(1)  # 14 days: at fraction 1, windows of 7 days
    off = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
    run = _runs(10, off, seed, fraction=1.0, instance=1)
    free = run._neighbourhood("pair")
    days = np.flatnonzero(free.any(axis=0))
    if len(days) == 7:  # the window around day 10 left no room for another
        assert days[0] <= 10 <= days[-1] and days[-1] - days[0] == 6
        assert np.array_equal(free[:, days], run.movable[:, days])
    else:  # the window 7..13 and the one before it: the whole horizon
        assert len(days) == 14


def test_lns_accepts_pair_and_keeps_its_four_default_kinds():
    assert Lns().neighbourhoods == NEIGHBOURHOODS == ("workers", "days", "block", "penalty")
    assert Lns(neighbourhoods=("pair",)).neighbourhoods == ("pair",)
    with pytest.raises(ValueError, match="pair"):
        Lns(neighbourhoods=("pairs",))


def test_feasible_lns_draws_pair_neighbourhoods_by_default():
    assert FeasibleLns().lns.neighbourhoods == DEFAULT_NEIGHBOURHOODS
    assert DEFAULT_NEIGHBOURHOODS[: len(NEIGHBOURHOODS) + 1] == (*NEIGHBOURHOODS, "pair")


def test_region_repair_with_pair_alone_improves_deterministically_and_scores_by_the_engine():
    problem = datasets.nrp(8)
    budget = {"max_restarts": 1, "max_iterations": 10, "neighbourhoods": ("pair",)}
    runs = [
        get_strategy("feasible_lns", **budget).solve(problem, time_limit=600, seed=2)
        for _ in range(2)
    ]
    result = runs[0]
    assert np.array_equal(result.roster.shift_of, runs[1].roster.shift_of)
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)
    assert result.hard_violations == 0
    stages = result.details["stages"]
    assert result.objective < stages[0][1]  # the pair sub-solves improved feasible's roster
