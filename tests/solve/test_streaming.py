"""Strategies stream their best roster to a ``StreamingProgress`` callback (what a live solve
merges as it runs): every streamed roster is a real roster, scored by the rule engine exactly
as the report that carries it says, and it honours the cells the run was told to keep."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from solve_factories import small_saldo  # type: ignore[import-not-found]

from rtsched_widgets import datasets
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve import get_strategy
from rtsched_widgets.solve.base import ProgressInfo, RunClock, StreamingProgress
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.registry import available_strategies
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster

STRATEGIES = [*available_strategies(), "greedy+local_search"]


def _problems():
    saldo = small_saldo(seed=5)
    nrp = datasets.nrp(3)
    return {"saldo": (saldo, Roster(saldo)), "nrp": (nrp, Roster(nrp))}


PROBLEMS = _problems()


@pytest.mark.parametrize("kind", sorted(PROBLEMS))
@pytest.mark.parametrize("name", STRATEGIES)
def test_streamed_rosters_score_as_reported_and_keep_the_fixed_cells(name: str, kind: str) -> None:
    problem, start = PROBLEMS[kind]
    # keep day 0 empty for two workers free that day
    free = np.flatnonzero(~problem.mandatory[:, 0])[:2]
    keep = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    keep[free, 0] = True
    reports: list[ProgressInfo] = []
    cancel = threading.Event()
    timer = threading.Timer(1.5, cancel.set)
    timer.start()
    try:
        result = get_strategy(name).solve(
            problem,
            roster=start,
            time_limit=30,
            seed=0,
            keep=Keep(worker_days=keep),
            cancel=cancel,
            progress=StreamingProgress(reports.append, interval=0.0),
        )
    finally:
        timer.cancel()
    streamed = [r for r in reports if r.shifts is not None]
    if result.status != "infeasible":  # a proof of infeasibility finds no roster to stream
        assert streamed, f"{name} streamed no roster"
    for r in streamed:
        assert r.shifts is not None and r.shifts.shape == (problem.n_workers, problem.n_days)
        roster = roster_from_shifts(problem, r.shifts)
        hard, soft = score_roster(problem, roster)
        assert (hard, soft) == (r.best_hard, pytest.approx(r.best_objective, abs=1e-6)), r
        assert (r.shifts[free, 0] == -1).all()


def test_a_plain_callback_gets_no_rosters_and_streaming_is_throttled() -> None:
    problem, _ = PROBLEMS["nrp"]
    plain: list[ProgressInfo] = []
    clock = RunClock("t", 10, None, plain.append)
    clock.improved(5.0, 0, shifts=np.zeros((problem.n_workers, problem.n_days)))
    assert plain and plain[-1].shifts is None

    got: list[ProgressInfo] = []
    clock = RunClock("t", 10, None, StreamingProgress(got.append, interval=3600))
    first = np.full((2, 3), 1)
    clock.improved(5.0, 0, shifts=first)  # the first roster goes at once
    first[:] = 7  # the strategy keeps working on its arrays: what was sent is a copy
    clock.improved(4.0, 0, shifts=lambda: np.full((2, 3), 2))  # within the interval: held
    assert [r.shifts is not None for r in got] == [True, False]
    assert (got[0].shifts == 1).all()
    clock._last_sent -= 7200  # the interval has passed: the next report carries the held one
    clock.report(0)
    assert got[-1].shifts is not None and (got[-1].shifts == 2).all()
    with pytest.raises(ValueError, match="interval"):
        StreamingProgress(got.append, interval=-1)
