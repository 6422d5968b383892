"""The labelling search: exact against a CP-SAT model of one worker, feasible when it is not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets import datasets
from rtsched_widgets.model import Calendar, Problem, ShiftType, Worker
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve.keep import Fixed, normalize_keep
from rtsched_widgets.solve.labelling import (
    WeekendPrice,
    WorkerRules,
    schedule_cost,
    shortest_schedules,
)
from rtsched_widgets.solve.scoring import roster_from_shifts

cp_model = pytest.importorskip("ortools.sat.python.cp_model")


def worker_hard(problem: Problem, w: int, row: np.ndarray) -> int:
    """Hard violations of worker ``w`` holding ``row`` (everyone else off), by the rule
    engine."""
    shift_of = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
    shift_of[w] = row
    roster = roster_from_shifts(problem, shift_of)
    wid = problem.workers[w].id
    return sum(
        v.severity == "hard" and wid in v.workers
        for v in Validator(problem, roster).violation_list()
    )


@st.composite
def one_worker(draw: st.DrawFn) -> tuple[Problem, Fixed, np.ndarray, np.ndarray]:
    """A random one-worker NRP problem, kept cells and integer costs (cells and days off)."""
    n_days = draw(st.integers(2, 12))
    n_shifts = draw(st.integers(1, 3))
    start = date(2026, 1, 5) + timedelta(days=draw(st.integers(0, 6)))
    ids = [f"S{s}" for s in range(n_shifts)]
    types = [
        ShiftType(
            id=sid,
            minutes=draw(st.sampled_from([240, 480, 600, 720])),
            forbidden_next=tuple(t for t in ids if draw(st.booleans())),
        )
        for sid in ids
    ]
    off_days = draw(st.sets(st.integers(0, n_days - 1), max_size=3))

    def none_or(lo: int, hi: int) -> st.SearchStrategy[int | None]:
        return st.none() | st.integers(lo, hi)

    worker = Worker(
        id="W",
        days_off=tuple((start + timedelta(d), start + timedelta(d)) for d in sorted(off_days)),
        max_per_shift={sid: draw(st.integers(0, 6)) for sid in ids if draw(st.booleans())},
        min_minutes=draw(none_or(0, 3000)),
        max_minutes=draw(none_or(0, 5000)),
        min_consecutive=draw(none_or(1, 4)),
        max_consecutive=draw(none_or(1, 6)),
        min_consecutive_off=draw(none_or(1, 3)),
        max_weekends=draw(none_or(0, 2)),
    )
    problem = Problem(
        workers=[worker],
        calendar=Calendar(start, start + timedelta(days=n_days - 1), weekend_days=(5, 6)),
        shift_types=types,
        required=np.ones((n_days, n_shifts), dtype=np.int64),
        profile="nrp",
    )
    kept = np.array([draw(st.integers(0, 9)) == 0 for _ in range(n_days)])
    shift = np.array([draw(st.integers(-1, n_shifts - 1)) for _ in range(n_days)])
    closed = np.array(
        [[draw(st.integers(0, 9)) == 0 for _ in range(n_shifts)] for _ in range(n_days)]
    )
    fixed = Fixed(worker_day=kept[None, :], shift=shift[None, :], closed=closed)
    cost = np.array(
        [[draw(st.integers(-10, 10)) for _ in range(n_shifts)] for _ in range(n_days)], float
    )
    off_cost = np.array([draw(st.integers(-5, 5)) for _ in range(n_days)], float)
    return problem, fixed, cost, off_cost


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_worker())
def test_exact_search_matches_cp_sat_on_small_problems(case):
    from rtsched_widgets.solve.columns import WorkerPricer

    problem, fixed, cost, off_cost = case
    rules = WorkerRules.of(problem, 0, fixed)
    found = shortest_schedules(rules, cost, off_cost, max_labels=100_000, n_best=3)
    assert found.exact
    # CP-SAT prices working cells only: a day off's cost moves onto every cell of its day
    pricer = WorkerPricer(cp_model, problem, 0, fixed)
    solutions, optimal = pricer.price(cost - off_cost[:, None], time_limit=30, seed=0)
    if not solutions:
        assert not found.found
        return
    assert optimal
    expected = schedule_cost(cost, solutions[-1], off_cost)
    assert found.found
    assert found.costs[0] == pytest.approx(expected)
    for row, value in zip(found.schedules, found.costs, strict=True):
        assert schedule_cost(cost, row, off_cost) == pytest.approx(value)
        assert worker_hard(problem, 0, row) == 0
        kept = fixed.worker_day[0]
        assert np.array_equal(row[kept], fixed.shift[0][kept])
        works = row >= 0
        assert not fixed.closed[np.flatnonzero(works), row[works]][~kept[works]].any()
    assert len({row.tobytes() for row in found.schedules}) == len(found.schedules)
    assert np.all(np.diff(found.costs) >= 0)


def test_a_narrow_beam_is_inexact_but_its_schedules_meet_the_rules():
    problem = datasets.nrp(8)
    fixed = normalize_keep(problem, None, None)
    rng = np.random.default_rng(0)
    inexact = 0
    for w in range(0, problem.n_workers, 5):
        rules = WorkerRules.of(problem, w, fixed)
        cost = rng.integers(-20, 10, (problem.n_days, problem.n_shifts)).astype(float)
        narrow = shortest_schedules(rules, cost, max_labels=1, n_best=4)
        wide = shortest_schedules(rules, cost, max_labels=4096)
        inexact += not narrow.exact
        assert wide.exact and narrow.found
        assert narrow.costs[0] >= wide.costs[0] - 1e-9
        for row in narrow.schedules:
            assert worker_hard(problem, w, row) == 0
    assert inexact > 0


def test_closed_cells_and_the_budget_are_respected():
    problem = datasets.nrp(1)
    rules = WorkerRules.of(problem, 0)
    cost = np.zeros((problem.n_days, problem.n_shifts))
    cost[3:5] = np.inf  # days 3 and 4 closed
    found = shortest_schedules(rules, cost, max_labels=64)
    best = found.best
    assert best is not None and found.exact
    assert np.all(best[3:5] == -1)
    assert worker_hard(problem, 0, best) == 0
    cost[:] = np.inf  # nothing open: the min minutes cannot be met
    none = shortest_schedules(rules, cost, max_labels=64)
    assert not none.found and none.exact
    with pytest.raises(ValueError, match="max_labels"):
        shortest_schedules(rules, cost, max_labels=0)
    with pytest.raises(ValueError, match="cost"):
        shortest_schedules(rules, cost[:, :0].T)


def test_rules_of_a_saldo_problem_are_refused(saldo_factory):
    with pytest.raises(ValueError, match="nrp"):
        WorkerRules.of(saldo_factory(), 0)


def test_an_empty_roster_row_costs_the_off_days():
    problem = datasets.nrp(1)
    row = Roster(problem).shift_of[0]
    cost = np.ones((problem.n_days, problem.n_shifts))
    assert schedule_cost(cost, row, np.full(problem.n_days, 2.0)) == 2.0 * problem.n_days


@st.composite
def one_worker_weekend_priced(
    draw: st.DrawFn,
) -> tuple[Problem, Fixed, np.ndarray, np.ndarray, WeekendPrice]:
    """A case of :func:`one_worker` over up to three weeks with integer weekend prices."""
    problem, fixed, cost, off_cost = draw(one_worker())
    n = len(problem.calendar.sat_sun_weekends())
    worked = np.array([draw(st.integers(-6, 6)) for _ in range(n)], float)
    split = np.array([draw(st.integers(-6, 6)) for _ in range(n)], float)
    return problem, fixed, cost, off_cost, WeekendPrice.of(problem, worked, split)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_worker_weekend_priced())
def test_exact_search_under_weekend_prices_matches_cp_sat(case):
    from rtsched_widgets.solve.columns import WorkerPricer

    problem, fixed, cost, off_cost, weekend = case
    rules = WorkerRules.of(problem, 0, fixed)
    found = shortest_schedules(rules, cost, off_cost, max_labels=100_000, n_best=3, weekend=weekend)
    assert found.exact
    pricer = WorkerPricer(cp_model, problem, 0, fixed)
    solutions, optimal = pricer.price(
        cost - off_cost[:, None], time_limit=30, seed=0, weekend=weekend
    )
    if not solutions:
        assert not found.found
        return
    assert optimal
    expected = schedule_cost(cost, solutions[-1], off_cost) + weekend.charge(solutions[-1])
    assert found.found
    assert found.costs[0] == pytest.approx(expected)
    for row, value in zip(found.schedules, found.costs, strict=True):
        assert schedule_cost(cost, row, off_cost) + weekend.charge(row) == pytest.approx(value)
        assert worker_hard(problem, 0, row) == 0


def test_a_split_charge_makes_the_weekends_whole():
    """Instance 1's workers under costs that favour Saturdays alone: a large enough charge
    per one-day weekend leaves none, and the search's cost is the charged cost."""
    problem = datasets.nrp(1)
    fixed = normalize_keep(problem, None, None)
    units = [u for u in problem.calendar.sat_sun_weekends() if len(u) == 2]
    cost = np.zeros((problem.n_days, problem.n_shifts))
    cost[[u[0] for u in units]] = -5.0
    cost[[u[1] for u in units]] = 3.0
    charge = WeekendPrice.of(problem, split=100.0)
    splits_before = splits_after = 0
    for w in range(problem.n_workers):
        rules = WorkerRules.of(problem, w, fixed)
        plain = shortest_schedules(rules, cost, max_labels=4096)
        priced = shortest_schedules(rules, cost, max_labels=4096, weekend=charge)
        assert plain.exact and priced.exact
        for row, count in ((plain.best, "before"), (priced.best, "after")):
            assert row is not None
            n = sum(int((row[list(u)] >= 0).sum() == 1) for u in units)
            if count == "before":
                splits_before += n
            else:
                splits_after += n
        row = priced.best
        assert row is not None
        assert priced.costs[0] == pytest.approx(schedule_cost(cost, row) + charge.charge(row))
        assert worker_hard(problem, w, row) == 0
    assert splits_before > 0
    assert splits_after == 0
