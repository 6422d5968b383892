"""``feasible``'s shaped constructions: fair shares of the cover and a price per minute."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.feasible import CONSTRUCTIONS, BestResponse, Sweeps
from rtsched_widgets.solve.keep import normalize_keep
from rtsched_widgets.solve.registry import get_strategy
from rtsched_widgets.solve.scoring import score_roster

pytest.importorskip("ortools")

NO_CLOCK = 3600.0
"""A time limit that never binds: the runs below stop on their round budgets."""


def state_of(problem) -> BestResponse:
    return BestResponse(problem, normalize_keep(problem, None, None), None, 6)


def construct(problem, construction: str, seed: int = 0) -> BestResponse:
    """The state after the construction alone."""
    state = state_of(problem)
    run = Sweeps(state, RunClock("test", NO_CLOCK, None, None), 0)
    order = np.random.default_rng(seed).permutation(problem.n_workers)
    run.sweep(order, stoppable=False, construction=construction)
    return state


@pytest.mark.parametrize("construction", ["fair", "fair_priced"])
@pytest.mark.parametrize("n", [1, 6, 13, 16, 20])
def test_shaped_constructions_are_hard_feasible_and_score_as_the_rule_engine(nrp, n, construction):
    problem = nrp(n)
    make = get_strategy("feasible", max_rounds=0, construction=construction)
    result = make.solve(problem, time_limit=NO_CLOCK, seed=0)
    assert result.hard_violations == 0
    assert result.status == "feasible"
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)
    assert result.details["tracked_objective"] == pytest.approx(result.objective)
    again = make.solve(problem, time_limit=NO_CLOCK, seed=0)
    assert np.array_equal(result.roster.shift_of, again.roster.shift_of)


def test_a_whole_share_is_the_true_cost_and_a_small_one_pays_only_below_it(nrp):
    problem = nrp(6)
    state = construct(problem, "greedy")
    for w in range(0, problem.n_workers, 5):
        np.testing.assert_array_equal(state.shared_costs(w, 1.0), state.costs(w))
        share = 0.25
        shaped = state.shared_costs(w, share)
        others = state._others(w)
        below_share = others < share * state.required
        below_required = (others < state.required) & (others < state.maximum)
        plain = shaped - state.per_cell[w]
        assert (plain[below_share & below_required] < 0).all()
        assert (plain[~below_share & below_required] == 0).all()
        assert (plain[below_share] >= -state.under[below_share]).all()
        np.testing.assert_array_equal(shaped[~below_required], state.costs(w)[~below_required])


def test_minute_price_is_the_gain_per_minute_where_the_best_days_reach_the_max(nrp):
    problem = nrp(20)
    state = construct(problem, "greedy")
    for w in range(0, problem.n_workers, 7):
        rules = state.rules_of(w)
        cost = state.costs(w)
        price = state.minute_price(rules, cost)
        # the same, one day at a time: each day's best gain per minute, best days first
        days = []
        for d in range(problem.n_days):
            gains = [
                (-cost[d, s] / m, m)
                for j, (s, m) in enumerate(zip(rules.shifts, rules.minutes, strict=True))
                if rules.allowed[d, j]
            ]
            if gains:
                days.append(max(gains, key=lambda g: g[0]))
        days.sort(key=lambda g: -g[0])
        used, expected = 0, 0.0
        for gain, minutes in days:
            used += minutes
            if used >= rules.hi:
                expected = max(gain, 0.0)
                break
        assert price == pytest.approx(expected)
    no_limit = state_of(problem)
    rules = no_limit.rules_of(0)
    unbounded = dataclasses.replace(rules, hi=1 << 40)
    assert no_limit.minute_price(unbounded, no_limit.costs(0)) == 0.0


def test_fair_constructions_leave_less_cover_short_at_the_end_of_instance20(nrp):
    problem = nrp(20)  # 50 staff x 182 days: the demand grows towards the end
    greedy = construct(problem, "greedy")
    for construction in ("fair", "fair_priced"):
        state = construct(problem, construction)
        assert state.objective < greedy.objective
        assert state.objective == pytest.approx(state._objective())
        assert not state.hard.any()


def test_a_feasible_start_is_never_made_worse(nrp):
    problem = nrp(6)
    start = get_strategy("feasible", max_rounds=0).solve(problem, time_limit=NO_CLOCK, seed=0)
    for construction in ("fair", "fair_priced"):
        again = get_strategy("feasible", max_rounds=0, construction=construction).solve(
            problem, roster=start.roster, time_limit=NO_CLOCK, seed=1
        )
        assert again.hard_violations == 0
        assert again.objective <= start.objective


@pytest.mark.parametrize("strategy", ["feasible", "windows"])
def test_construction_option_is_checked(strategy):
    assert CONSTRUCTIONS == ("greedy", "fair", "fair_priced")
    with pytest.raises(ValueError, match="construction"):
        get_strategy(strategy, construction="fastest")


def test_windows_runs_the_shaped_construction(nrp):
    problem = nrp(16)
    make = get_strategy("windows", construction="fair", max_windows=1, restarts=0)
    result = make.solve(problem, time_limit=NO_CLOCK, seed=0)
    assert result.hard_violations == 0
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)
    again = make.solve(problem, time_limit=NO_CLOCK, seed=0)
    assert np.array_equal(result.roster.shift_of, again.roster.shift_of)


def test_windows_defaults_to_the_fair_priced_construction_and_widens_its_beam_on_many_shifts(
    nrp,
):
    from rtsched_widgets.solve.feasible import DEFAULT_MAX_LABELS
    from rtsched_widgets.solve.windows import WIDE_BEAM_SHIFTS, WIDE_MAX_LABELS, Windows

    assert Windows().construction == "fair_priced"
    few, many = nrp(16), nrp(24)
    assert few.n_shifts <= WIDE_BEAM_SHIFTS < many.n_shifts
    assert Windows().labels_for(few) == DEFAULT_MAX_LABELS
    assert Windows().labels_for(many) == WIDE_MAX_LABELS
    assert Windows(max_labels=3).labels_for(many) == 3


def test_windows_constructs_at_feasibles_beam_whatever_its_rounds_use(nrp):
    problem = nrp(13)  # 18 shift types: the rounds would search with the wide beam
    from rtsched_widgets.solve.windows import WIDE_MAX_LABELS, Windows

    assert Windows().labels_for(problem) == WIDE_MAX_LABELS
    only = Windows(max_windows=0, start_rounds=0, restarts=0)
    built = only.solve(problem, time_limit=NO_CLOCK, seed=2)
    alone = get_strategy("feasible", max_rounds=0, construction="fair_priced").solve(
        problem, time_limit=NO_CLOCK, seed=2
    )
    assert np.array_equal(built.roster.shift_of, alone.roster.shift_of)
    assert built.objective == alone.objective


def test_feasible_lns_passes_its_construction_to_feasible():
    assert get_strategy("feasible_lns", construction="fair").feasible.construction == "fair"
    with pytest.raises(ValueError, match="construction"):
        get_strategy("feasible_lns", construction="fastest")
