"""The ``windows`` strategy: column generation over a window of days, the rest held."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from solve_factories import assert_keep_held  # type: ignore[import-not-found]

from rtsched_widgets import datasets
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.feasible import BestResponse, Sweeps
from rtsched_widgets.solve.keep import Keep, normalize_keep
from rtsched_widgets.solve.registry import available_strategies, get_strategy
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster
from rtsched_widgets.solve.windows import (
    DEFAULT_PAIR_DAYS,
    LONG_PAIR_DAYS,
    KickStats,
    held_outside,
    kick_days,
    late_kick,
    one_day_weekends,
    paired_days,
    repair_window,
    split_weekends,
    swap_days,
    swap_weekend,
    weekend_partner,
    weekend_swap,
    worst_window,
)

pytest.importorskip("ortools")

NO_CLOCK = 3600.0
"""A time limit that never binds: the runs below stop on their window budgets."""


@pytest.fixture(scope="module")
def instance16():
    """Instance16 (20 staff x 56 days x 3 shift types) and its labelling construction."""
    problem = datasets.nrp(16)
    start = get_strategy("feasible", max_rounds=0).solve(problem, time_limit=NO_CLOCK, seed=0)
    return problem, start


def test_windows_is_a_registered_strategy():
    assert "windows" in available_strategies()
    assert get_strategy("windows").name == "windows"


def test_held_outside_holds_every_other_day_and_the_kept_cells_inside():
    problem = datasets.nrp(4)
    rows = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
    rows[:4, ::3] = 0
    kept = np.zeros_like(rows, dtype=bool)
    kept[2, 10] = True
    roster = roster_from_shifts(problem, rows, like=Roster(problem))
    fixed = normalize_keep(problem, roster, kept)
    held = held_outside(fixed, rows, (7, 14))
    assert held.worker_day[:, :7].all() and held.worker_day[:, 14:].all()
    inside = held.worker_day[:, 7:14]
    assert inside[2, 3] and inside.sum() == 1
    assert np.array_equal(held.shift[:, :7], rows[:, :7])
    assert np.array_equal(held.shift[:, 14:], rows[:, 14:])
    assert held.shift[2, 10] == rows[2, 10]


def test_a_window_changes_only_its_days_and_meets_every_hard_rule(instance16):
    problem, start = instance16
    rows = start.roster.shift_of.astype(np.int64)
    fixed = normalize_keep(problem, start.roster, None)
    outcome = repair_window(problem, fixed, rows, (14, 28), should_stop=lambda: False, seed=0)
    assert outcome.rows is not None and outcome.rounds > 0
    assert np.array_equal(outcome.rows[:, :14], rows[:, :14])
    assert np.array_equal(outcome.rows[:, 28:], rows[:, 28:])
    hard, _ = score_roster(problem, roster_from_shifts(problem, outcome.rows))
    assert hard == 0


def test_windows_are_deterministic_never_worse_and_score_as_the_rule_engine(instance16):
    problem, start = instance16
    make = get_strategy("windows", max_windows=3, restarts=1)
    first = make.solve(problem, roster=start.roster, time_limit=NO_CLOCK, seed=1)
    again = make.solve(problem, roster=start.roster, time_limit=NO_CLOCK, seed=1)
    assert np.array_equal(first.roster.shift_of, again.roster.shift_of)
    assert first.details["windows"] == 3
    assert first.details["start_rounds"] > 0  # until no row changes by default
    assert (first.hard_violations, first.objective) == score_roster(problem, first.roster)
    assert first.details["tracked_objective"] == pytest.approx(first.objective)
    assert first.hard_violations == 0
    assert first.objective <= start.objective
    # the window steps pay on this instance: better than the best responses alone
    settled = get_strategy("windows", max_windows=0).solve(
        problem, roster=start.roster, time_limit=NO_CLOCK, seed=1
    )
    assert first.objective < settled.objective
    assert first.log[-1][1] == pytest.approx(first.objective)


def test_kept_cells_stay(instance16):
    problem, start = instance16
    rng = np.random.default_rng(0)
    worker_days = rng.random(start.roster.shift_of.shape) < 0.2
    cells = np.zeros((problem.n_days, problem.n_shifts), dtype=bool)
    cells[20, 0] = cells[30, 1] = True
    result = get_strategy("windows", max_windows=2, restarts=1).solve(
        problem,
        roster=start.roster,
        keep=Keep(worker_days=worker_days, cells=cells),
        time_limit=NO_CLOCK,
        seed=2,
    )
    assert_keep_held(start.roster.shift_of, result.roster.shift_of, worker_days, cells)
    assert result.hard_violations == 0
    assert result.objective <= start.objective


def test_cancel_returns_the_best_roster_so_far(instance16):
    problem, start = instance16
    cancel = threading.Event()
    seen = []

    def progress(info):
        seen.append(info)
        if len(seen) >= 3:
            cancel.set()

    result = get_strategy("windows").solve(
        problem,
        roster=start.roster,
        time_limit=NO_CLOCK,
        seed=0,
        cancel=cancel,
        progress=progress,
    )
    assert seen and result.status == "cancelled"
    assert result.hard_violations == 0
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)
    assert result.objective <= start.objective


def test_saldo_problems_go_to_feasible_and_its_fallback(saldo_factory):
    problem = saldo_factory(n_workers=6, n_days=14)
    result = get_strategy("windows").solve(problem, time_limit=0.5, seed=0)
    assert result.strategy == "windows"
    assert result.details["fallback"] == "greedy+local_search"
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("window_days", 0),
        ("stride", 0),
        ("max_windows", -1),
        ("max_rounds", 0),
        ("dive_share", 0.0),
        ("price_labels", 0),
        ("max_labels", 0),
        ("restarts", -1),
        ("start_rounds", -1),
        ("settle_margin", -1),
        ("choice", "random"),
        ("pair_after", -1),
        ("pair_days", 0),
        ("pair_patience", 0),
        ("max_pair_sweeps", -1),
        ("pair_labels", 0),
        ("kick_days", 0),
        ("kick_searches", -1),
        ("kick_gain", 1.0),
        ("kick_weekend", 1.5),
        ("kick_weekend", -0.1),
        ("construction_labels", 0),
    ],
)
def test_options_are_checked(option, value):
    with pytest.raises(ValueError, match=option):
        get_strategy("windows", **{option: value})


def test_capped_start_rounds_reach_the_windows_from_the_construction(instance16):
    problem, _ = instance16
    capped = get_strategy("windows", start_rounds=0, max_windows=2, restarts=0)
    first = capped.solve(problem, time_limit=NO_CLOCK, seed=3)
    again = capped.solve(problem, time_limit=NO_CLOCK, seed=3)
    assert np.array_equal(first.roster.shift_of, again.roster.shift_of)
    assert first.details["windows"] == 2 and first.hard_violations == 0
    assert first.details["start_rounds"] == 0
    assert (first.hard_violations, first.objective) == score_roster(problem, first.roster)
    construction = get_strategy("feasible", max_rounds=0).solve(
        problem, time_limit=NO_CLOCK, seed=3
    )
    assert first.objective < construction.objective


def test_worst_window_is_where_the_cover_penalty_is_and_skips_refused_starts(instance16):
    problem, start = instance16
    fixed = normalize_keep(problem, start.roster, None)
    state = BestResponse(problem, fixed, start.roster, 6)
    short = np.maximum(state.required - state.count, 0) * state.under
    surplus = np.maximum(state.count - state.required, 0) * state.over
    per_day = (short + surplus).sum(axis=1)
    sums = [per_day[d : d + 7].sum() for d in range(problem.n_days - 6)]
    d0, d1 = worst_window(state, 7, set())
    assert d1 - d0 == 7 and per_day[d0:d1].sum() == max(sums)
    assert sums.index(max(sums)) == d0  # the earliest among equals
    e0, _ = worst_window(state, 7, {d0})
    assert abs(e0 - d0) > 3
    assert worst_window(state, 7, set(range(0, problem.n_days, 3))) is None


def test_windows_by_penalty_are_deterministic_and_never_worse(instance16):
    problem, start = instance16
    make = get_strategy("windows", choice="penalty", window_days=7, max_windows=3, restarts=0)
    first = make.solve(problem, roster=start.roster, time_limit=NO_CLOCK, seed=2)
    again = make.solve(problem, roster=start.roster, time_limit=NO_CLOCK, seed=2)
    assert np.array_equal(first.roster.shift_of, again.roster.shift_of)
    assert first.details["windows"] == 3 and first.hard_violations == 0
    assert (first.hard_violations, first.objective) == score_roster(problem, first.roster)
    assert first.objective <= start.objective


def test_paired_days_are_a_late_span_where_the_penalty_is_and_an_early_one_apart(instance16):
    problem, start = instance16
    fixed = normalize_keep(problem, start.roster, None)
    state = BestResponse(problem, fixed, start.roster, 6)
    # the cover penalty on days 40-41 alone: every late span of 7 days meets them
    state.count = state.required.copy()
    state.count[40, 0] -= 1
    state.count[41, 1] += 1
    for seed in range(20):
        free = paired_days(state, 7, np.random.default_rng(seed))
        assert free.sum() == 14
        starts = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(int)])) == 1)
        assert len(starts) in (1, 2)  # two spans of 7 days (they may touch)
        assert free[40] or free[41]
        again = paired_days(state, 7, np.random.default_rng(seed))
        assert np.array_equal(free, again)
    # no penalty: a uniform draw; a horizon too short for two spans: the late one alone
    state.count = state.required.copy()
    assert paired_days(state, 7, np.random.default_rng(0)).sum() == 14
    assert paired_days(state, 40, np.random.default_rng(0)).sum() == 40


def test_a_sweep_over_a_mask_of_days_changes_only_them_and_meets_every_hard_rule(instance16):
    problem, start = instance16
    fixed = normalize_keep(problem, start.roster, None)
    state = BestResponse(problem, fixed, start.roster, 6)
    rows = state.rows.copy()
    free = np.zeros(problem.n_days, dtype=bool)
    free[3:10] = free[40:47] = True
    state.set_window(free)
    assert state.window == (3, 47)
    run = Sweeps(state, RunClock("windows", NO_CLOCK, None, None), None)
    assert run.sweep(np.arange(problem.n_workers))
    state.clear(np.array([0, 1]))  # clears the free days alone
    assert run.sweep(np.array([0, 1]))
    changed = (state.rows != rows).any(axis=0)
    assert changed.any() and not changed[~free].any()
    out = roster_from_shifts(problem, state.rows)
    hard, soft = score_roster(problem, out)
    assert hard == 0 and soft == pytest.approx(state.objective)
    with pytest.raises(ValueError, match="window"):
        state.set_window(np.ones(problem.n_days + 1, dtype=bool))
    # without the cache of compiled rules: the same rows, nothing kept
    fresh = BestResponse(problem, fixed, start.roster, 6)
    fresh.set_window(free, cache=False)
    again = Sweeps(fresh, RunClock("windows", NO_CLOCK, None, None), None)
    assert again.sweep(np.arange(problem.n_workers))
    fresh.clear(np.array([0, 1]))
    assert again.sweep(np.array([0, 1]))
    assert np.array_equal(fresh.rows, state.rows) and not fresh._window_rules


def test_paired_sweeps_are_deterministic_never_worse_and_score_as_the_rule_engine(instance16):
    problem, start = instance16
    make = get_strategy(
        "windows", paired=True, pair_after=0, pair_days=7, max_pair_sweeps=4, max_windows=0
    )
    first = make.solve(problem, roster=start.roster, time_limit=NO_CLOCK, seed=4)
    again = make.solve(problem, roster=start.roster, time_limit=NO_CLOCK, seed=4)
    assert np.array_equal(first.roster.shift_of, again.roster.shift_of)
    assert first.details["start_rounds"] == 0
    assert 1 <= first.details["pair_sweeps"] <= 4
    assert first.hard_violations == 0 and first.objective < start.objective
    assert (first.hard_violations, first.objective) == score_roster(problem, first.roster)
    assert first.details["tracked_objective"] == pytest.approx(first.objective)
    # off on a horizon shorter than four spans unless asked for, on from there
    assert not get_strategy("windows").pairs_on(problem)
    assert make.pairs_on(problem)
    assert get_strategy("windows", pair_days=14).pairs_on(problem)
    assert not get_strategy("windows", pair_days=15).pairs_on(problem)
    plain = get_strategy("windows", max_windows=0).solve(
        problem, roster=start.roster, time_limit=NO_CLOCK, seed=4
    )
    assert plain.details["pair_sweeps"] == 0


def test_construction_labels_set_the_beam_of_the_construction_alone(instance16):
    problem, _ = instance16
    built = get_strategy(
        "windows", construction_labels=1, start_rounds=0, max_windows=0, paired=False
    ).solve(problem, time_limit=NO_CLOCK, seed=5)
    alone = get_strategy("feasible", max_rounds=0, max_labels=1, construction="fair_priced").solve(
        problem, time_limit=NO_CLOCK, seed=5
    )
    assert np.array_equal(built.roster.shift_of, alone.roster.shift_of)
    assert built.details["start_rounds"] == 0 and built.hard_violations == 0


def test_kick_days_hold_the_day_in_a_span_and_an_early_span_apart():
    for seed in range(30):
        rng = np.random.default_rng(seed)
        day = int(rng.integers(0, 56))
        free = kick_days(56, day, 7, np.random.default_rng(seed))
        assert free[day] and free.sum() == 14
        starts = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(int)])) == 1)
        assert len(starts) in (1, 2)  # two spans of 7 days (they may touch)
        assert np.array_equal(free, kick_days(56, day, 7, np.random.default_rng(seed)))
    assert kick_days(56, 55, 40, np.random.default_rng(0)).sum() == 40  # no room for two
    assert kick_days(10, 3, 40, np.random.default_rng(0)).all()


def test_late_kicks_are_deterministic_never_worse_and_score_as_the_rule_engine(instance16):
    problem, start = instance16
    fixed = normalize_keep(problem, start.roster, None)

    def kicked(seed: int) -> tuple[Sweeps, KickStats, list[float]]:
        state = BestResponse(problem, fixed, start.roster, 6)
        run = Sweeps(state, RunClock("windows", NO_CLOCK, None, None), None)
        stats, seen = KickStats(), [run.best.objective]
        rng = np.random.default_rng(seed)
        for _ in range(25):
            kept = late_kick(run, rng, 7, 20, stats)
            assert kept is not None  # the construction leaves some cell short
            assert (run.best.objective < seen[-1]) if kept else run.best.objective <= seen[-1]
            seen.append(run.best.objective)
            assert state.window is None
            if kept:  # a search over two spans says nothing of the whole row
                assert run.best.dirty.all()
        return run, stats, seen

    run, stats, seen = kicked(1)
    assert stats.kicks == 25 and 1 <= stats.kept <= 25 and stats.searches >= 25
    assert seen[-1] < seen[0]
    out = roster_from_shifts(problem, run.best.rows)
    assert score_roster(problem, out) == (0, pytest.approx(run.best.objective))
    again, _, _ = kicked(1)
    assert np.array_equal(again.best.rows, run.best.rows)
    # no cover shortfall: no kick
    state = run.state
    state.restore(run.best)
    state.required = np.minimum(state.required, state.count)
    assert late_kick(run, np.random.default_rng(0), 7, 20, KickStats()) is None


def test_kick_blocks_run_between_the_paired_sweeps_unless_turned_off(instance16):
    problem, start = instance16
    options = dict(paired=True, pair_days=7, max_pair_sweeps=8, max_windows=0, kick_swap=0.0)
    kicked = get_strategy("windows", **options).solve(
        problem, roster=start.roster, time_limit=NO_CLOCK, seed=2
    )
    # the kicks join once a sweep lowers the objective by less than KICK_GAIN of it
    assert kicked.details["pair_sweeps"] == 8 and kicked.details["kicks"] >= 1
    assert 1 <= kicked.details["kicks_after"] < 8 and kicked.details["kicks_kept"] >= 1
    assert kicked.hard_violations == 0 and kicked.objective < start.objective
    assert (kicked.hard_violations, kicked.objective) == score_roster(problem, kicked.roster)
    plain = get_strategy("windows", kicks=False, **options).solve(
        problem, roster=start.roster, time_limit=NO_CLOCK, seed=2
    )
    assert plain.details["pair_sweeps"] == 8 and plain.details["kicks"] == 0
    assert plain.details["kicks_after"] is None
    assert plain.hard_violations == 0


def test_one_day_weekends_are_the_worked_days_of_weekends_worked_on_one_day():
    problem = datasets.nrp(16)
    weekday = np.asarray(problem.calendar.weekday)
    saturday = int(np.flatnonzero(weekday == 5)[0])
    sunday = saturday + 1
    assert weekend_partner(problem, saturday) == sunday
    assert weekend_partner(problem, sunday) == saturday
    assert weekend_partner(problem, int(np.flatnonzero(weekday == 2)[0])) is None
    row = np.full(problem.n_days, -1, dtype=np.int64)
    row[saturday] = 0  # one day of the first weekend
    row[saturday + 7] = row[sunday + 7] = 1  # the whole second one
    row[sunday + 14] = 0  # one day of the third
    row[saturday - 1] = 0  # a Friday
    assert one_day_weekends(problem, row).tolist() == [saturday, sunday + 14]
    assert len(one_day_weekends(problem, np.full(problem.n_days, -1))) == 0


def test_kick_days_put_the_early_span_on_one_of_the_early_days_when_it_can():
    for seed in range(30):
        rng = np.random.default_rng(seed)
        day = int(rng.integers(28, 56))
        early = np.array([int(rng.integers(0, 14))])
        free = kick_days(56, day, 7, np.random.default_rng(seed), early)
        assert free[day] and free[early[0]] and free.sum() == 14
        plain = kick_days(56, day, 7, np.random.default_rng(seed))
        assert free[: day - 6].sum() == 7 and plain.sum() == 14
    # an early day inside the late span or beyond reach: drawn as without early days
    assert np.array_equal(
        kick_days(56, 50, 7, np.random.default_rng(3), np.array([50])),
        kick_days(56, 50, 7, np.random.default_rng(3)),
    )


def test_pair_and_kick_days_by_problem():
    windows = get_strategy("windows")
    assert windows.pair_days_for(datasets.nrp(20)) == LONG_PAIR_DAYS  # 6 types, 182 days
    assert windows.pair_days_for(datasets.nrp(24)) == DEFAULT_PAIR_DAYS  # 32 types
    assert windows.pair_days_for(datasets.nrp(19)) == DEFAULT_PAIR_DAYS  # 84 days
    assert windows.pairs_on(datasets.nrp(19)) and not windows.pairs_on(datasets.nrp(16))
    assert windows.kick_days_for(datasets.nrp(20)) == LONG_PAIR_DAYS
    given = get_strategy("windows", pair_days=14, kick_days=7)
    assert given.pair_days_for(datasets.nrp(20)) == 14
    assert given.kick_days_for(datasets.nrp(20)) == 7
    assert get_strategy("windows", pair_days=14).kick_days_for(datasets.nrp(24)) == 14


def test_weekend_kicks_are_deterministic_never_worse_and_score_as_the_rule_engine(instance16):
    problem, start = instance16
    fixed = normalize_keep(problem, start.roster, None)

    def kicked(seed: int) -> tuple[Sweeps, KickStats]:
        state = BestResponse(problem, fixed, start.roster, 6)
        run = Sweeps(state, RunClock("windows", NO_CLOCK, None, None), None)
        stats, last = KickStats(), run.best.objective
        rng = np.random.default_rng(seed)
        for _ in range(20):
            kept = late_kick(run, rng, 7, 20, stats, early_weekend=True)
            assert kept is not None
            assert (run.best.objective < last) if kept else run.best.objective <= last
            last = run.best.objective
        return run, stats

    run, stats = kicked(4)
    assert stats.kicks == 20 and stats.kept >= 1
    out = roster_from_shifts(problem, run.best.rows)
    assert score_roster(problem, out) == (0, pytest.approx(run.best.objective))
    assert np.array_equal(kicked(4)[0].best.rows, run.best.rows)
    options = dict(paired=True, pair_days=7, max_pair_sweeps=8, max_windows=0, kick_swap=0.0)
    result = get_strategy("windows", kick_weekend=True, **options).solve(
        problem, roster=start.roster, time_limit=NO_CLOCK, seed=2
    )
    assert result.details["kicks"] >= 1 and result.hard_violations == 0
    assert (result.hard_violations, result.objective) == score_roster(problem, result.roster)


def test_a_share_of_weekend_kicks_is_deterministic_and_between_none_and_all(instance16):
    problem, start = instance16
    options = dict(paired=True, pair_days=7, max_pair_sweeps=8, max_windows=0, kick_swap=0.0)

    def run(share: float):
        return get_strategy("windows", kick_weekend=share, **options).solve(
            problem, roster=start.roster, time_limit=NO_CLOCK, seed=2
        )

    half = run(0.5)
    assert np.array_equal(half.roster.shift_of, run(0.5).roster.shift_of)
    assert half.details["kicks"] >= 1 and half.hard_violations == 0
    assert (half.hard_violations, half.objective) == score_roster(problem, half.roster)
    # all and none draw nothing more from the run's generator: True is the share 1
    assert np.array_equal(run(True).roster.shift_of, run(1.0).roster.shift_of)
    assert not np.array_equal(run(0.0).roster.shift_of, run(1.0).roster.shift_of)


def _split_weekends(problem, start):
    """A state on ``start``'s rows and the weekends that two workers split there: ``(days,
    side, a, b)`` where ``a`` works only day ``days[side]``, ``b`` only the other day."""
    fixed = normalize_keep(problem, start.roster, None)
    state = BestResponse(problem, fixed, start.roster, 6)
    offered = split_weekends(state)
    assert len(offered)  # the construction leaves split weekends
    splits = []
    for k, side in offered.tolist():
        days = problem.calendar.sat_sun_pairs()[k]
        works = state.rows[:, days] >= 0
        a = int(np.flatnonzero(works[:, side] & ~works[:, 1 - side])[0])
        b = int(np.flatnonzero(works[:, 1 - side] & ~works[:, side])[0])
        splits.append((days, side, a, b))
    return state, splits


def test_split_weekends_are_weekends_one_worker_works_on_each_day_alone(instance16):
    problem, start = instance16
    state, splits = _split_weekends(problem, start)
    for days, side, a, b in splits:
        assert problem.calendar.weekday[days[0]] == 5 and days[1] == days[0] + 1
        assert state.rows[a, days[side]] >= 0 and state.rows[a, days[1 - side]] < 0
        assert state.rows[b, days[1 - side]] >= 0 and state.rows[b, days[side]] < 0
    # nobody works a weekend: it is not split
    days = splits[0][0]
    state.rows[:, days] = -1
    k = int(np.flatnonzero((problem.calendar.sat_sun_pairs() == days).all(axis=1))[0])
    assert k not in split_weekends(state)[:, 0].tolist()


def test_a_weekend_swap_leaves_one_whole_worked_weekend_and_one_off(instance16):
    problem, start = instance16
    state, splits = _split_weekends(problem, start)
    origin = state.snapshot()
    swapped = same = 0
    for i, (days, side, a, b) in enumerate(splits):
        state.restore(origin)
        shift = int(state.rows[b, days[1 - side]])
        state.set_window(swap_days(state, days, 14, np.random.default_rng(i)))
        assert state.free is not None and state.free[days].all() and state.free.sum() == 28
        if not swap_weekend(state, a, b, days, side):
            continue  # the minutes of a span: no schedule of one of them fits
        swapped += 1
        assert (state.rows[a, days] >= 0).all()  # A works the whole weekend
        same += state.rows[a, days[1 - side]] == shift  # B's shift on B's day when it can
        assert (state.rows[b, days] < 0).all()  # B has the weekend off
        changed = np.flatnonzero((state.rows != origin.rows).any(axis=1))
        assert set(changed.tolist()) <= {a, b}
        assert not (state.rows != origin.rows)[:, ~state.free].any()  # the held days hold
        out = roster_from_shifts(problem, state.rows)
        assert score_roster(problem, out) == (0, pytest.approx(state.objective))
        state.set_window(None)
    assert swapped >= 1 and same >= 1


def test_weekend_swaps_are_deterministic_never_worse_and_score_as_the_rule_engine(instance16):
    problem, start = instance16
    fixed = normalize_keep(problem, start.roster, None)

    def swapped(seed: int) -> tuple[Sweeps, KickStats]:
        state = BestResponse(problem, fixed, start.roster, 6)
        run = Sweeps(state, RunClock("windows", NO_CLOCK, None, None), None)
        stats, last = KickStats(), run.best.objective
        rng = np.random.default_rng(seed)
        for _ in range(20):
            kept = weekend_swap(run, rng, 7, 20, stats)
            assert kept is not None  # some weekend stays split
            assert (run.best.objective < last) if kept else run.best.objective == last
            last = run.best.objective
            assert state.window is None
        return run, stats

    run, stats = swapped(1)
    assert stats.kicks == stats.swaps == 20 and 1 <= stats.swaps_kept == stats.kept < 20
    assert run.best.objective < start.objective
    out = roster_from_shifts(problem, run.best.rows)
    assert score_roster(problem, out) == (0, pytest.approx(run.best.objective))
    assert np.array_equal(swapped(1)[0].best.rows, run.best.rows)


def test_a_share_of_weekend_swaps_joins_the_kicks_of_windows(instance16):
    problem, start = instance16
    options = dict(paired=True, pair_days=7, max_pair_sweeps=8, max_windows=0)

    def run(share: float):
        return get_strategy("windows", kick_swap=share, **options).solve(
            problem, roster=start.roster, time_limit=NO_CLOCK, seed=2
        )

    half = run(0.5)
    assert np.array_equal(half.roster.shift_of, run(0.5).roster.shift_of)
    assert 1 <= half.details["kick_swaps"] < half.details["kicks"]
    assert half.hard_violations == 0
    assert (half.hard_violations, half.objective) == score_roster(problem, half.roster)
    none = run(0.0)
    assert none.details["kick_swaps"] == 0 and none.details["kicks"] >= 1
    with pytest.raises(ValueError, match="kick_swap"):
        get_strategy("windows", kick_swap=1.5)
