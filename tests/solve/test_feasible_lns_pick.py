"""How the region repair draws its neighbourhood kinds: by success rate (``lns``'s default) or
by gain per sub-solve (``Lns(pick="gain")``, ``feasible_lns``'s)."""

from __future__ import annotations

import numpy as np
import pytest

from rtsched_widgets import datasets
from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.feasible_lns import FeasibleLns
from rtsched_widgets.solve.lns import Lns, _Run
from rtsched_widgets.solve.scoring import score_roster

KINDS = ("days", "pair")


def _run(pick: str, counts: dict[str, int], wins: dict[str, int], gains: dict[str, float]) -> _Run:
    problem = datasets.nrp(8)
    options = Lns(neighbourhoods=KINDS, pick=pick, parallel=1)
    kept = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    run = _Run(None, problem, lambda: None, kept, options, RunClock("lns", 60.0, None, None), 0)  # type: ignore[arg-type]
    run.kind_counts, run.kind_wins, run.kind_gains = counts, wins, gains
    return run


# ``days`` improves more often, ``pair`` takes more off per sub-solve
COUNTS, WINS, GAINS = (
    {"days": 10, "pair": 10},
    {"days": 8, "pair": 3},
    {"days": 80.0, "pair": 300.0},
)


def test_by_rate_the_kind_that_improves_more_often_weighs_more():
    weights = _run("rate", COUNTS, WINS, GAINS)._kind_weights(KINDS)
    assert weights == pytest.approx([9 / 12, 4 / 12])


def test_by_gain_the_kind_that_takes_more_off_per_sub_solve_weighs_more():
    weights = _run("gain", COUNTS, WINS, GAINS)._kind_weights(KINDS)
    prior = 2 * 380 / 20  # twice the mean gain of a sub-solve
    assert weights == pytest.approx([(80 + prior) / 12, (300 + prior) / 12])
    assert weights[1] > 2 * weights[0]


def test_by_gain_an_untried_kind_weighs_the_prior_and_no_gain_yet_weighs_all_alike():
    weights = _run("gain", {"pair": 10}, {"pair": 3}, {"pair": 300.0})._kind_weights(KINDS)
    assert weights == pytest.approx([60 / 2, 360 / 12])
    assert _run("gain", COUNTS, {}, {})._kind_weights(KINDS) == [1.0, 1.0]


@pytest.mark.parametrize("seed", range(3))
def test_draws_follow_the_weights(seed):
    run = _run("gain", COUNTS, WINS, GAINS)
    run.rng.seed(seed)
    drawn = [run._pick_kind() for _ in range(400)]
    share = drawn.count("pair") / len(drawn)
    weights = run._kind_weights(KINDS)
    assert share == pytest.approx(weights[1] / sum(weights), abs=0.08)


def test_lns_refuses_an_unknown_pick():
    with pytest.raises(ValueError, match="pick"):
        Lns(pick="best")


def test_a_run_by_gain_records_each_kinds_gain_and_reports_the_engine_score():
    problem = datasets.nrp(8)
    start = Feasible(max_restarts=0).solve(problem, time_limit=600, seed=0)
    result = Lns(
        pick="gain",
        parallel=1,
        sub_effort=0.05,
        max_iterations=16,
        neighbourhoods=("days", "block", "weekend"),
    ).solve(problem, roster=start.roster, time_limit=600, seed=1)
    gains = result.details["neighbourhood_gains"]
    assert sum(gains.values()) == pytest.approx(start.objective - result.objective)
    assert set(gains) <= set(result.details["neighbourhood_wins"])
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)


def test_feasible_lns_passes_pick_to_its_region_repair():
    assert FeasibleLns(pick="rate").lns.pick == "rate"
