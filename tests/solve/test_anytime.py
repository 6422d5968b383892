"""The anytime contract of every strategy: cancelled at a random moment, a run returns a roster
no worse than the one it started from, scored as the rule engine scores it; progress reports
only ever improve; time limits that would never end are refused before any work."""

from __future__ import annotations

import itertools
import random
import threading

import numpy as np
import pytest
from solve_factories import small_saldo  # type: ignore[import-not-found]

from rtsched_widgets import datasets
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve import get_strategy
from rtsched_widgets.solve.base import ProgressInfo, RunClock, SolveResult, Strategy
from rtsched_widgets.solve.registry import available_strategies
from rtsched_widgets.solve.scoring import score_roster

STRATEGIES = [*available_strategies(), "greedy+local_search"]


def _problems():
    saldo = small_saldo(seed=2)
    saldo_start = get_strategy("greedy").solve(saldo, time_limit=5, seed=1).roster
    nrp = datasets.nrp(3)
    return {"saldo": (saldo, saldo_start), "nrp": (nrp, Roster(nrp))}


PROBLEMS = _problems()


def _lexicographic(score: tuple[int, float]) -> tuple[int, float]:
    return int(score[0]), round(float(score[1]), 6)


@pytest.mark.parametrize("kind", sorted(PROBLEMS))
@pytest.mark.parametrize("name", STRATEGIES)
def test_cancelled_at_a_random_moment_the_result_is_no_worse_than_the_start(
    name: str, kind: str
) -> None:
    problem, start = PROBLEMS[kind]
    before = start.shift_of.copy()
    start_score = _lexicographic(score_roster(problem, start))
    rng = random.Random(f"{name}/{kind}")
    for delay in (0.0, rng.uniform(0.01, 0.3), rng.uniform(0.3, 0.8)):
        cancel = threading.Event()
        reports: list[ProgressInfo] = []
        timer = threading.Timer(delay, cancel.set)
        if delay == 0.0:
            cancel.set()  # cancelled before the run starts
        else:
            timer.start()
        try:
            result = get_strategy(name).solve(
                problem,
                roster=start,
                time_limit=30,
                seed=0,
                cancel=cancel,
                progress=reports.append,
            )
        finally:
            timer.cancel()
        engine = _lexicographic(score_roster(problem, result.roster))
        reported = _lexicographic((result.hard_violations, result.objective))
        assert engine == reported, (delay, result.details)
        assert engine <= start_score, (delay, engine, start_score)
        if delay == 0.0:
            assert result.status in ("cancelled", "optimal", "infeasible"), result.status
        elif result.status == "cancelled":
            assert cancel.is_set()
        assert np.array_equal(start.shift_of, before), "the starting roster is never modified"
        bests = [
            (r.best_hard, r.best_objective)
            for r in reports
            if r.best_hard is not None and r.best_objective is not None
        ]
        # each strategy's own reports improve monotonically (a chain's stages each restart)
        if "+" not in name:
            pairs = itertools.pairwise(bests)
            assert all(_lexicographic(b) <= _lexicographic(a) for a, b in pairs), bests


class _Worsening(Strategy):
    """A strategy that always returns the empty roster, however good its start was."""

    name = "worsening"

    def solve(self, problem, *, roster=None, time_limit=10.0, seed=0, keep=None, cancel=None,
              progress=None) -> SolveResult:  # fmt: skip
        clock = RunClock(self.name, time_limit, cancel, progress)
        empty = Roster(problem)
        hard, soft = score_roster(problem, empty)
        return clock.result(empty, soft, hard, "unknown", seed)


def test_a_strategy_never_returns_a_roster_worse_than_its_start() -> None:
    problem, start = PROBLEMS["saldo"]
    hard, soft = score_roster(problem, start)
    result = _Worsening().solve(problem, roster=start, time_limit=1)
    assert result.details["kept_start"] is True
    assert (result.hard_violations, result.objective) == (hard, pytest.approx(soft))
    assert np.array_equal(result.roster.shift_of, start.shift_of)
    assert result.roster is not start
    assert result.status == ("feasible" if hard == 0 else "unknown")
    fresh = _Worsening().solve(problem, time_limit=1)  # no start: nothing to compare with
    assert "kept_start" not in fresh.details


@pytest.mark.parametrize("limit", [float("inf"), float("nan"), -1, 0, True, "10", 1e9])
@pytest.mark.parametrize("name", ["greedy", "cpsat", "auto", "greedy+ls", "patterns"])
def test_time_limits_that_never_end_are_refused_before_any_work(name: str, limit: object) -> None:
    problem, _ = PROBLEMS["saldo"]
    with pytest.raises(ValueError, match="time_limit"):
        get_strategy(name).solve(problem, time_limit=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["auto", "feasible", "windows", "local_search", "cpsat", "lns", "hybrid", "patterns"]
)
def test_a_run_cancelled_before_it_starts_still_meets_every_hard_rule(name: str) -> None:
    # Instance20 (50 staff x 182 days): an empty or greedy roster breaks a hard rule of
    # almost every worker; the searches start from the labelling construction
    problem = datasets.nrp(20)
    cancel = threading.Event()
    cancel.set()
    result = get_strategy(name).solve(problem, time_limit=60, seed=0, cancel=cancel)
    assert result.hard_violations == 0 == score_roster(problem, result.roster)[0]
    assert result.status == "cancelled"
    assert result.time_to_first_feasible is not None
