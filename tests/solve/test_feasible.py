"""The ``feasible`` strategy: hard-feasible NRP rosters, its objective is the rule engine's."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from solve_factories import assert_keep_held  # type: ignore[import-not-found]

from rtsched_widgets import datasets
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.registry import get_strategy
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster

pytest.importorskip("ortools")

NO_CLOCK = 3600.0
"""A time limit that never binds: the runs below stop on their round and restart budgets."""


@pytest.mark.parametrize("n", datasets.catalog.bundled_numbers())
def test_construction_alone_is_hard_feasible_on_every_bundled_instance(nrp, n):
    problem = nrp(n)
    result = get_strategy("feasible", max_rounds=0).solve(problem, time_limit=NO_CLOCK, seed=0)
    assert result.hard_violations == 0, result.details["no_schedule"]
    assert result.status == "feasible"
    assert result.time_to_first_feasible is not None
    assert result.details["rounds"] == 0 and result.details["restarts"] == 0
    assert result.details["tracked_objective"] == pytest.approx(result.objective)


def test_rounds_and_restarts_are_deterministic_and_score_as_the_rule_engine(nrp):
    problem = nrp(6)
    make = get_strategy("feasible", max_rounds=8, max_restarts=3)
    first = make.solve(problem, time_limit=NO_CLOCK, seed=3)
    again = make.solve(problem, time_limit=NO_CLOCK, seed=3)
    assert np.array_equal(first.roster.shift_of, again.roster.shift_of)
    assert first.objective == again.objective
    assert (first.hard_violations, first.objective) == score_roster(problem, first.roster)
    assert first.details["tracked_objective"] == pytest.approx(first.objective)
    construction = get_strategy("feasible", max_rounds=0).solve(
        problem, time_limit=NO_CLOCK, seed=3
    )
    assert first.objective <= construction.objective
    # the log records each improvement; the last is the returned objective
    assert first.log[-1][1] == pytest.approx(first.objective)


def test_kept_cells_stay_and_a_feasible_start_never_gets_worse(nrp):
    problem = nrp(7)
    start = get_strategy("feasible", max_rounds=0).solve(problem, time_limit=NO_CLOCK, seed=1)
    rng = np.random.default_rng(0)
    worker_days = rng.random(start.roster.shift_of.shape) < 0.2
    cells = np.zeros((problem.n_days, problem.n_shifts), dtype=bool)
    cells[5, 0] = cells[9, 1] = True
    result = get_strategy("feasible", max_rounds=4, max_restarts=2).solve(
        problem,
        roster=start.roster,
        keep=Keep(worker_days=worker_days, cells=cells),
        time_limit=NO_CLOCK,
        seed=2,
    )
    assert_keep_held(start.roster.shift_of, result.roster.shift_of, worker_days, cells)
    assert result.hard_violations == 0
    assert result.objective <= start.objective


def test_cancel_returns_the_best_roster_so_far(nrp):
    problem = nrp(10)
    start = get_strategy("feasible", max_rounds=0).solve(problem, time_limit=NO_CLOCK, seed=0)
    cancel = threading.Event()
    seen = []

    def progress(info):
        seen.append(info)
        cancel.set()

    result = get_strategy("feasible").solve(
        problem,
        roster=start.roster,
        time_limit=NO_CLOCK,
        seed=0,
        cancel=cancel,
        progress=progress,
    )
    assert seen and result.status == "cancelled"
    assert result.hard_violations == 0
    assert result.objective <= start.objective


def test_saldo_problems_go_to_the_fallback(saldo_factory):
    problem = saldo_factory(n_workers=6, n_days=14)
    result = get_strategy("feasible").solve(problem, time_limit=0.5, seed=0)
    assert result.strategy == "feasible"
    assert result.details["fallback"] == "greedy+local_search"
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)


def test_options_are_checked():
    with pytest.raises(ValueError, match="max_rounds"):
        get_strategy("feasible", max_rounds=-1)
    with pytest.raises(ValueError, match="ruin_share"):
        get_strategy("feasible", ruin_share=0)
    with pytest.raises(ValueError, match="max_labels"):
        get_strategy("feasible", max_labels=0)
    with pytest.raises(ValueError, match="window_days"):
        get_strategy("feasible", window_days=0)


def test_windowed_restarts_keep_cells_are_deterministic_and_score_as_the_rule_engine(nrp):
    # Instance16: 56 days, so restarts with 14-day windows re-plan part of each row only
    problem = nrp(16)
    start = get_strategy("feasible", max_rounds=0).solve(problem, time_limit=NO_CLOCK, seed=0)
    rng = np.random.default_rng(4)
    worker_days = rng.random(start.roster.shift_of.shape) < 0.15
    make = get_strategy("feasible", max_rounds=30, max_restarts=6, window_days=14)
    runs = [
        make.solve(
            problem,
            roster=start.roster,
            keep=Keep(worker_days=worker_days),
            time_limit=NO_CLOCK,
            seed=5,
        )
        for _ in range(2)
    ]
    first, again = runs
    assert np.array_equal(first.roster.shift_of, again.roster.shift_of)
    assert first.details["restarts"] >= 1
    assert (first.hard_violations, first.objective) == score_roster(problem, first.roster)
    assert first.details["tracked_objective"] == pytest.approx(first.objective)
    assert first.hard_violations == 0
    assert first.objective <= start.objective
    before, after = start.roster.shift_of, first.roster.shift_of
    assert np.array_equal(after[worker_days], before[worker_days])


@pytest.mark.parametrize("n", [7, 13])
def test_a_construction_past_its_time_completes_on_the_narrow_beam(nrp, n):
    """Cancelled before the first search, the construction still gives every worker a row
    meeting their rules: every search after the clock stopped keeps LATE_LABELS labels per
    state, and a row the narrow beam cannot make feasible is searched on the full beam."""
    from rtsched_widgets.solve.base import RunClock
    from rtsched_widgets.solve.feasible import LATE_LABELS, BestResponse, Sweeps
    from rtsched_widgets.solve.keep import normalize_keep

    problem = nrp(n)
    order = np.random.default_rng(0).permutation(problem.n_workers)
    runs = {}
    for stopped in (False, True):
        cancel = threading.Event()
        if stopped:
            cancel.set()
        state = BestResponse(problem, normalize_keep(problem, None, None), None, 6)
        run = Sweeps(state, RunClock("feasible", NO_CLOCK, cancel, None), None)
        assert run.sweep(order, stoppable=False, construction="fair")
        assert state.max_labels == 6  # the beam is the run's again after the construction
        assert not state.hard.any()
        runs[stopped] = (run, state)
    late, late_state = runs[True]
    full, full_state = runs[False]
    assert full.late_searches == 0 and late.late_searches == problem.n_workers
    assert LATE_LABELS < 6 and late_state.labels < full_state.labels
    # the narrow roster is the one the rule engine scores
    roster = roster_from_shifts(problem, late.best.rows)
    assert score_roster(problem, roster) == (0, late.best.key[1])


class _StepClock:
    """A run clock whose elapsed seconds grow by one at every reading (deterministic)."""

    def __new__(cls, time_limit: float):  # type: ignore[no-untyped-def]
        from rtsched_widgets.solve.base import RunClock

        class Stepping(RunClock):
            ticks = 0.0

            def elapsed(self) -> float:
                self.ticks += 1.0
                return self.ticks

        return Stepping("feasible", time_limit, None, None)


@pytest.mark.parametrize("construction", ["greedy", "fair_priced"])
def test_a_construction_behind_its_pace_searches_narrow_and_stays_hard_feasible(nrp, construction):
    """Behind the even schedule to ``pace`` a construction's search keeps LATE_LABELS labels
    per state (``paced_searches``); on time, none does; every row meets its rules and the
    tracked objective is the rule engine's score."""
    from rtsched_widgets.solve.feasible import BestResponse, Sweeps
    from rtsched_widgets.solve.keep import normalize_keep

    problem = nrp(13)
    n = problem.n_workers
    order = np.random.default_rng(0).permutation(n)
    runs = {}
    # the clock reads a few times per search: a pace of one second per worker is missed from
    # the third search on, one of a hundred seconds per worker never
    for pace in (None, 100.0 * n, 1.0 * n):
        state = BestResponse(problem, normalize_keep(problem, None, None), None, 6)
        run = Sweeps(state, _StepClock(NO_CLOCK), None)
        assert run.sweep(order, stoppable=False, construction=construction, pace=pace)
        assert not state.hard.any() and run.late_searches == 0
        assert state.max_labels == 6
        runs[pace] = (run, state)
        roster = roster_from_shifts(problem, run.best.rows)
        assert score_roster(problem, roster) == (0, pytest.approx(run.best.key[1]))
    assert runs[None][0].paced_searches == 0 and runs[100.0 * n][0].paced_searches == 0
    assert np.array_equal(runs[None][1].rows, runs[100.0 * n][1].rows)
    assert runs[1.0 * n][0].paced_searches == n - 2  # the pace counts from the second on
    assert runs[1.0 * n][1].labels < runs[None][1].labels


def test_a_narrow_search_that_finds_nothing_on_shaped_costs_tries_the_true_costs(nrp, monkeypatch):
    """A narrow search (``respond(..., narrow=True)``) of a row that breaks its rules runs
    once on the shaped costs without widening, then once on the true costs; the row found
    there is accepted and scored on the true costs."""
    import rtsched_widgets.solve.feasible as feasible
    from rtsched_widgets.solve.keep import normalize_keep

    problem = nrp(7)
    state = feasible.BestResponse(problem, normalize_keep(problem, None, None), None, 2)
    calls: list[tuple[np.ndarray, int]] = []
    search = feasible.shortest_schedules

    def first_finds_nothing(rules, cost, **options):  # type: ignore[no-untyped-def]
        calls.append((np.array(cost), options["retries"]))
        result = search(rules, cost, **options)
        if len(calls) == 1 and options["retries"] == 0:  # the narrow shaped search: nothing
            return dataclasses.replace(result, schedules=result.schedules[:0])
        return result

    monkeypatch.setattr(feasible, "shortest_schedules", first_finds_nothing)
    true_costs = state.costs(0)
    assert state.respond(0, share=0.5, priced=True, narrow=True)
    assert [retries for _, retries in calls] == [0, 0]
    assert not np.array_equal(calls[0][0], true_costs)  # shaped first
    assert np.array_equal(calls[1][0], true_costs)
    assert state.hard[0] == 0 and state.searches == 1
    roster = roster_from_shifts(problem, state.rows)
    assert score_roster(problem, roster)[1] == pytest.approx(state.objective)
    # without narrow: one shaped search with its widening retries
    calls.clear()
    state.clear(np.array([1]))
    assert state.respond(1, share=0.5, priced=True)
    assert len(calls) == 1 and calls[0][1] == 2


def test_construction_share_is_checked():
    with pytest.raises(ValueError, match="construction_share"):
        get_strategy("feasible", construction_share=0.0)
    with pytest.raises(ValueError, match="construction_share"):
        get_strategy("windows", construction_share=1.5)
    assert get_strategy("feasible", construction_share=None).construction_share is None
