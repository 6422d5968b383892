"""``feasible_lns`` (``feasible``, then region-model LNS from its roster) and the chain's
time shares it is built on."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rtsched_widgets import datasets
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve import get_strategy
from rtsched_widgets.solve.base import ProgressCallback, RunClock, SolveResult, Strategy
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.feasible_lns import FeasibleLns
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.registry import Chain
from rtsched_widgets.solve.scoring import score_roster


class _Budget(Strategy):
    """Returns the starting roster at once and records the time limit it was given."""

    name = "budget"

    def __init__(self) -> None:
        self.limits: list[float] = []

    def solve(
        self,
        problem: Problem,
        *,
        roster: Roster | None = None,
        time_limit: float = 10.0,
        seed: int = 0,
        keep: np.ndarray | Keep | None = None,
        cancel: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> SolveResult:
        self.limits.append(time_limit)
        out = roster if roster is not None else Roster(problem)
        hard, soft = score_roster(problem, out)
        return RunClock(self.name, time_limit, cancel, progress).result(
            out, soft, hard, "unknown", seed, 0
        )


def test_chain_shares_give_each_stage_its_fraction_of_the_time_limit():
    first, second = _Budget(), _Budget()
    result = Chain([first, second], shares=[0.25], name="pair").solve(
        datasets.nrp(1), time_limit=40.0
    )
    assert first.limits == [10.0]
    assert 29.0 < second.limits[0] <= 40.0  # what remains after a stage that returned at once
    assert result.strategy == "pair"


def test_chain_without_shares_splits_the_time_left_evenly():
    first, second = _Budget(), _Budget()
    Chain([first, second]).solve(datasets.nrp(1), time_limit=40.0)
    assert first.limits[0] == pytest.approx(20.0, abs=1.0)


@pytest.mark.parametrize("shares", [[0.5, 0.5], [], [0.0], [1.0]])
def test_chain_refuses_shares_that_do_not_fit_its_stages(shares):
    with pytest.raises(ValueError, match="shares"):
        Chain([_Budget(), _Budget()], shares=shares)


def test_feasible_lns_refuses_a_share_outside_zero_and_one():
    with pytest.raises(ValueError, match="feasible_share"):
        FeasibleLns(feasible_share=1.0)


def test_feasible_lns_improves_on_feasible_and_reports_the_engine_score():
    problem = datasets.nrp(7)
    budget = {"max_restarts": 3}
    alone = Feasible(**budget).solve(problem, time_limit=600, seed=1)
    result = get_strategy("feasible_lns", max_iterations=12, **budget).solve(
        problem, time_limit=600, seed=1
    )
    hard, soft = score_roster(problem, result.roster)
    assert (result.hard_violations, result.objective) == (hard, soft) == (0, soft)
    assert result.strategy == "feasible_lns"
    assert [stage for stage, _, _ in result.details["stages"]] == ["feasible", "lns"]
    assert result.details["stages"][0][1] == alone.objective  # the same deterministic start
    assert result.objective < alone.objective  # the region repair found better rosters


def test_feasible_lns_is_deterministic_on_its_budgets():
    problem = datasets.nrp(5)
    runs = [
        get_strategy("feasible_lns", max_restarts=2, max_iterations=6).solve(
            problem, time_limit=600, seed=3
        )
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].roster.shift_of, runs[1].roster.shift_of)


@pytest.mark.parametrize(
    ("time_limit", "share"), [(5.0, 1.0), (15.0, 1.0), (30.0, 0.5), (60.0, 0.25), (600.0, 0.25)]
)
def test_feasible_gets_a_quarter_of_the_time_but_at_least_fifteen_seconds(time_limit, share):
    assert FeasibleLns().share(time_limit) == pytest.approx(share)


def test_on_a_short_time_limit_feasible_is_the_only_stage():
    problem = datasets.nrp(5)
    result = FeasibleLns(max_restarts=2).solve(problem, time_limit=10, seed=0)
    assert [stage for stage, _, _ in result.details["stages"]] == ["feasible"]
    assert result.strategy == "feasible_lns"
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)
