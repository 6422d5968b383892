"""Forced best responses (``exchange``) and ``patterns``' use of them."""

from __future__ import annotations

import numpy as np
import pytest
from solve_factories import engine_score  # type: ignore[import-not-found]

from rtsched_widgets.solve.exchange import (
    exchange,
    split_charge,
    split_kick,
    split_rounds,
    weekend_days,
    weekend_kick,
)
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.keep import normalize_keep
from rtsched_widgets.solve.patterns import Patterns
from rtsched_widgets.solve.scoring import roster_from_shifts


def _equilibrium(problem, keep=None):
    """``feasible``'s rounds without restarts: every row a best response to the others."""
    result = Feasible(max_restarts=0).solve(problem, time_limit=60, seed=0, keep=keep)
    assert result.details["converged"]
    return result


@pytest.mark.parametrize("instance", [1, 5])
def test_kicks_lower_a_best_response_equilibrium(nrp, instance):
    problem = nrp(instance)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, start.roster, None)
    rows, stats = exchange(problem, fixed, start.roster.shift_of, seed=0, max_kicks=30)
    # no single worker could lower the objective, a kicked chain of them did
    assert stats.kicks == 30
    assert stats.kept >= 1
    assert stats.start == pytest.approx(start.objective)
    assert stats.end < stats.start
    hard, soft = engine_score(problem, roster_from_shifts(problem, rows))
    assert hard == 0
    assert soft == pytest.approx(stats.end)
    # deterministic for a seed and a number of kicks
    again, _ = exchange(problem, fixed, start.roster.shift_of, seed=0, max_kicks=30)
    assert np.array_equal(rows, again)


def test_without_kicks_only_the_rounds_run(nrp):
    problem = nrp(4)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, start.roster, None)
    rows, stats = exchange(problem, fixed, start.roster.shift_of, max_kicks=0)
    assert stats.kicks == stats.kept == 0
    assert np.array_equal(rows, start.roster.shift_of)  # already a best-response equilibrium
    assert stats.end == pytest.approx(start.objective)


def test_a_stop_ends_the_kicks(nrp):
    problem = nrp(5)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, start.roster, None)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 5

    _, stats = exchange(problem, fixed, start.roster.shift_of, should_stop=stop)
    assert stats.kicks == 5


def test_kept_worker_days_hold(nrp):
    problem = nrp(5)
    start = _equilibrium(problem)
    keep = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    keep[:4, 3:17] = True
    fixed = normalize_keep(problem, start.roster, keep)
    rows, stats = exchange(problem, fixed, start.roster.shift_of, seed=1, max_kicks=40)
    assert stats.kept >= 1
    assert np.array_equal(rows[keep], start.roster.shift_of[keep])
    hard, soft = engine_score(problem, roster_from_shifts(problem, rows))
    assert hard == 0
    assert soft == pytest.approx(stats.end)


def _patterns(problem, **options):
    # no time for pricing: the dive is finished over the first columns; the best responses
    # and the kicks have work to do
    strategy = Patterns(improve=None, lp_share=0.001, dive_share=0.001, respond_seeds=2, **options)
    return strategy.solve(problem, time_limit=60, seed=0)


def test_patterns_kicks_after_the_best_responses(nrp):
    problem = nrp(8)
    result = _patterns(problem, exchange_share=0.25, exchange_kicks=20)
    found = result.details["exchange"]
    assert found["kicks"] == 20
    assert found["objective"] <= result.details["respond_objective"]
    assert result.objective == pytest.approx(found["objective"])
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)
    # half the kicks are weekend kicks by default, none when asked
    assert 0 < found["weekend_kicks"] < 20
    plain = _patterns(problem, exchange_share=0.25, exchange_kicks=20, exchange_weekends=0.0)
    assert plain.details["exchange"]["weekend_kicks"] == 0


def test_patterns_does_not_kick_by_default(nrp):
    result = _patterns(nrp(8))
    assert "exchange" not in result.details
    assert result.objective == pytest.approx(result.details["respond_objective"])


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"exchange_share": -0.1}, "exchange_share"),
        ({"exchange_kicks": -1}, "exchange_kicks"),
        ({"exchange_patience": 0}, "exchange_patience"),
        ({"exchange_weekends": 1.5}, "exchange_weekends"),
    ],
)
def test_bad_exchange_options_are_refused(options, name):
    with pytest.raises(ValueError, match=name):
        Patterns(**options)


def test_patience_ends_a_run_of_kicks_that_are_not_kept(nrp):
    problem = nrp(1)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, start.roster, None)
    _, stats = exchange(problem, fixed, start.roster.shift_of, seed=0, patience=25)
    # no clock, no kick budget: only the patience ends the run, 25 kicks after the last kept
    assert stats.kept >= 1
    assert stats.kicks >= stats.kept + 25
    _, again = exchange(problem, fixed, start.roster.shift_of, seed=0, max_kicks=stats.kicks)
    assert again.end == stats.end


def test_long_horizons_kick_by_default(nrp):
    # Instance19's 84 days: a shorter dive, the kicks after the best responses; 28 days: none
    long, short = nrp(19), nrp(8)
    assert Patterns().shares(long) == (0.55, 1.0)
    assert Patterns().shares(short) == (0.7, 0.0)
    # options given are kept on any horizon
    assert Patterns(dive_share=0.6, exchange_share=0.0).shares(long) == (0.6, 0.0)
    assert Patterns(lp_share=0.6).shares(long) == (0.6, 1.0)
    assert Patterns(exchange_share=0.25).shares(short) == (0.7, 0.25)


def _weekend_state(problem, start):
    from rtsched_widgets.solve.feasible import BestResponse

    fixed = normalize_keep(problem, start.roster, None)
    state = BestResponse(problem, fixed, None, 64)
    state.set_rows(start.roster.shift_of)
    return state, fixed


def test_a_weekend_kick_makes_two_one_day_weekends_whole(nrp):
    problem = nrp(6)
    start = _equilibrium(problem)
    state, fixed = _weekend_state(problem, start)
    pairs = weekend_days(problem)
    assert len(pairs) == 4
    assert all(problem.calendar.weekday[d] == 5 for d in pairs[:, 0])
    before = state.rows[:, pairs] >= 0  # (workers, weekends, 2)
    snap = weekend_kick(state, fixed, pairs, np.random.default_rng(0), 64)
    assert snap is not None
    assert np.array_equal(snap.rows, start.roster.shift_of)
    after = state.rows[:, pairs] >= 0
    one_day = before.sum(axis=2) == 1
    # one worker's one-day weekend is now worked whole, another's (the other day) is off
    whole = np.argwhere(one_day & after.all(axis=2))
    freed = np.argwhere(one_day & ~after.any(axis=2))
    assert any(
        k == k2 and not np.array_equal(before[a, k], before[b, k])
        for a, k in whole
        for b, k2 in freed
    )
    hard, soft = engine_score(problem, roster_from_shifts(problem, state.rows))
    assert hard == 0
    assert soft == pytest.approx(state.objective)


def test_weekend_kicks_lower_an_equilibrium(nrp):
    problem = nrp(6)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, start.roster, None)
    rows, stats = exchange(
        problem, fixed, start.roster.shift_of, seed=0, max_kicks=30, weekends=1.0
    )
    assert stats.weekend_kicks >= 1
    assert stats.weekend_kept >= 1
    assert stats.end < stats.start
    hard, soft = engine_score(problem, roster_from_shifts(problem, rows))
    assert hard == 0
    assert soft == pytest.approx(stats.end)
    again, _ = exchange(problem, fixed, start.roster.shift_of, seed=0, max_kicks=30, weekends=1.0)
    assert np.array_equal(rows, again)
    with pytest.raises(ValueError, match="weekends"):
        exchange(problem, fixed, start.roster.shift_of, max_kicks=1, weekends=1.5)


def test_a_split_kick_makes_a_workers_one_day_weekends_whole(nrp):
    problem = nrp(6)
    start = _equilibrium(problem)
    state, fixed = _weekend_state(problem, start)
    pairs = weekend_days(problem)
    charge = split_charge(problem, pairs)
    assert charge is not None
    assert charge.split.max() == problem.under_weight[pairs.ravel()].max()
    before = (state.rows[:, pairs] >= 0).sum(axis=2) == 1  # one-day weekends
    assert before.any()
    snap = split_kick(state, fixed, pairs, charge, np.random.default_rng(0), 64)
    assert snap is not None
    assert np.array_equal(snap.rows, start.roster.shift_of)
    (w,) = np.flatnonzero((state.rows != snap.rows).any(axis=1))
    after = (state.rows[:, pairs] >= 0).sum(axis=2) == 1
    # the kicked worker had a one-day weekend and has fewer now; nobody else moved
    assert before[w].any()
    assert after[w].sum() < before[w].sum()
    hard, soft = engine_score(problem, roster_from_shifts(problem, state.rows))
    assert hard == 0
    assert soft == pytest.approx(state.objective)


def test_split_kicks_lower_an_equilibrium(nrp):
    problem = nrp(6)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, start.roster, None)
    rows, stats = exchange(problem, fixed, start.roster.shift_of, seed=0, max_kicks=30, splits=1.0)
    assert stats.split_kicks >= 1
    assert stats.split_kept >= 1
    assert stats.end < stats.start
    hard, soft = engine_score(problem, roster_from_shifts(problem, rows))
    assert hard == 0
    assert soft == pytest.approx(stats.end)
    again, _ = exchange(problem, fixed, start.roster.shift_of, seed=0, max_kicks=30, splits=1.0)
    assert np.array_equal(rows, again)
    with pytest.raises(ValueError, match="splits"):
        exchange(problem, fixed, start.roster.shift_of, max_kicks=1, splits=-0.1)


def test_split_rounds_leave_fewer_one_day_weekends(nrp):
    problem = nrp(6)
    start = _equilibrium(problem)
    fixed = normalize_keep(problem, None, None)
    pairs = weekend_days(problem)
    rows = start.roster.shift_of.astype(np.int64)
    out = split_rounds(problem, fixed, rows, seed=0)

    def one_day(r):
        return int(((r[:, pairs] >= 0).sum(axis=2) == 1).sum())

    assert one_day(rows) > 0
    assert one_day(out) < one_day(rows)
    hard, _ = engine_score(problem, roster_from_shifts(problem, out))
    assert hard == 0
    assert np.array_equal(out, split_rounds(problem, fixed, rows, seed=0))
    # a stop before the first search: the rows as given
    same = split_rounds(problem, fixed, rows, seed=0, should_stop=lambda: True)
    assert np.array_equal(same, rows)
