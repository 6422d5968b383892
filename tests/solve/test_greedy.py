"""Greedy's batched construction makes exactly the choices of the per-candidate construction
on the rule engine (differential), and its score tables equal ``Validator.score_delta``."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solve_factories import random_roster  # type: ignore[import-not-found]

import rtsched_widgets as rt
from rtsched_widgets.model import Calendar, Problem, Roster, ShiftType, Worker
from rtsched_widgets.model.problem import Request, RuleSettings
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.fast_eval import FastEvaluator, _runs
from rtsched_widgets.solve.greedy import (
    Greedy,
    _reference_construct,
    _SaldoScores,
    construct,
)
from rtsched_widgets.solve.keep import Keep, normalize_keep
from rtsched_widgets.solve.scoring import validator_for

START = date(2026, 1, 5)


def saldo_problem(seed: int, n_workers: int = 12, n_days: int = 42, n_posts: int = 3) -> Problem:
    """A random saldo problem: days off, mandatory days, part-timers, several incompatible
    pairs, a few shift limits, a holiday, a low weekend limit, up to 2 required per cell."""
    rng = random.Random(seed)
    ids = [f"W{i:02d}" for i in range(n_workers)]
    pairs: dict[str, list[str]] = {}
    for _ in range(rng.randrange(0, 4)):
        a, b = rng.sample(ids, 2)
        pairs.setdefault(a, []).append(b)
    workers = []
    for wid in ids:
        off = START + timedelta(days=rng.randrange(n_days))
        days_off = ((off, off + timedelta(days=rng.randrange(4))),)
        mand = set()
        for _ in range(rng.randrange(3)):
            day = START + timedelta(days=rng.randrange(n_days))
            if not days_off[0][0] <= day <= days_off[0][1]:
                mand.add(day)
        workers.append(
            Worker(
                id=wid,
                work_percentage=rng.choice([50.0, 67.0, 80.0, 100.0]),
                days_off=days_off,
                mandatory_days=tuple(sorted(mand)),
                max_shifts=rng.choice([None, None, 3, 6]),
                incompatible_with=tuple(sorted(set(pairs.get(wid, ())) - {wid})),
            )
        )
    required = [[rng.choice([0, 1, 1, 2]) for _ in range(n_posts)] for _ in range(n_days)]
    return Problem(
        workers=workers,
        calendar=Calendar(
            START,
            START + timedelta(days=n_days - 1),
            holidays=frozenset({START + timedelta(days=rng.randrange(n_days))}),
        ),
        shift_types=[ShiftType(id=f"P{s}", minutes=1440) for s in range(n_posts)],
        required=required,
        maximum=[[max(r, 1) + rng.randrange(2) for r in row] for row in required],
        settings=RuleSettings(
            max_consecutive_weekends=rng.choice([1, 2, 3]),
            weight_target=rng.choice([10.0, 0.3]),
            weight_special_balance=rng.choice([5.0, 1.7]),
        ),
        profile="saldo",
        name=f"saldo-{seed}",
    )


def nrp_problem(seed: int, n_workers: int = 8, n_days: int = 21, n_shifts: int = 3) -> Problem:
    """A random NRP problem with fractional weights (so float order matters), limits,
    successions, requests and a few mandatory days."""
    rng = random.Random(seed)
    ids = [f"S{s}" for s in range(n_shifts)]
    shift_types = [
        ShiftType(
            id=sid,
            minutes=rng.choice([240, 480, 600]),
            forbidden_next=tuple(t for t in ids if rng.random() < 0.3),
        )
        for sid in ids
    ]
    workers = []
    for i in range(n_workers):
        off = START + timedelta(days=rng.randrange(n_days))
        mand = START + timedelta(days=rng.randrange(n_days))
        workers.append(
            Worker(
                id=f"N{i}",
                days_off=((off, off),),
                mandatory_days=(mand,) if mand != off and rng.random() < 0.3 else (),
                max_per_shift={sid: rng.randrange(2, 8) for sid in ids if rng.random() < 0.6},
                min_minutes=rng.choice([None, 1200, 2400]),
                max_minutes=rng.choice([None, 3000, 4800]),
                min_consecutive=rng.choice([None, 2, 3]),
                max_consecutive=rng.choice([None, 3, 5]),
                min_consecutive_off=rng.choice([None, 2, 3]),
                max_weekends=rng.choice([None, 0, 1]),
            )
        )
    required = np.array([[rng.randrange(0, 4) for _ in ids] for _ in range(n_days)])
    requests = [
        Request(
            f"N{rng.randrange(n_workers)}",
            rng.randrange(n_days),
            rng.choice(ids),
            rng.choice([1, 2, 0.1, 0.7, 1.3]),
        )
        for _ in range(24)
    ]
    return Problem(
        workers=workers,
        calendar=Calendar(START, START + timedelta(days=n_days - 1), weekend_days=(5, 6)),
        shift_types=shift_types,
        required=required,
        maximum=np.full((n_days, n_shifts), n_workers),
        under_weight=np.array([[rng.choice([100.0, 0.3, 1.1]) for _ in ids] for _ in required]),
        over_weight=np.array([[rng.choice([1.0, 0.1, 0.7]) for _ in ids] for _ in required]),
        shift_on_requests=requests[:12],
        shift_off_requests=requests[12:],
        profile="nrp",
        name=f"nrp-{seed}",
    )


def run_both(problem, start, keep, seed):
    """(roster, evaluations, validator) of construct and of the reference, same inputs."""
    out = []
    for fn in (construct, _reference_construct):
        roster = start.copy() if start is not None else Roster(problem)
        fixed = normalize_keep(problem, start, keep)
        validator = validator_for(problem, roster)
        clock = RunClock("greedy", 100.0, None, None)
        n = fn(problem, roster, validator, fixed, random.Random(seed), clock)
        out.append((roster, n, validator))
    return out


PROBLEMS = {"saldo": saldo_problem, "nrp": nrp_problem}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=st.sampled_from(sorted(PROBLEMS)),
    problem_seed=st.integers(0, 10_000),
    seed=st.integers(0, 1000),
    density=st.sampled_from([0.0, 0.0, 0.1, 0.3]),
    keep_kind=st.sampled_from(["none", "worker_days", "cells"]),
)
def test_construct_makes_the_reference_choices(profile, problem_seed, seed, density, keep_kind):
    problem = PROBLEMS[profile](problem_seed)
    rng = random.Random(problem_seed)
    start = random_roster(problem, rng, density) if density or keep_kind != "none" else None
    keep = None
    if keep_kind == "worker_days":
        keep = Keep(worker_days=np.array(
            [[rng.random() < 0.15 for _ in range(problem.n_days)] for _ in range(problem.n_workers)]
        ))  # fmt: skip
    elif keep_kind == "cells":
        keep = Keep(cells=np.array(
            [[rng.random() < 0.15 for _ in range(problem.n_shifts)] for _ in range(problem.n_days)]
        ))  # fmt: skip
    (fast, n_fast, v_fast), (ref, n_ref, v_ref) = run_both(problem, start, keep, seed)
    assert np.array_equal(fast.slots, ref.slots)
    assert n_fast == n_ref
    # the validator handed in matches the filled roster afterwards
    fresh = Validator(problem, fast).score()
    assert v_fast.score().hard == fresh.hard == v_ref.score().hard
    assert v_fast.score().soft == pytest.approx(fresh.soft)
    assert sorted(v.key for v in v_fast.violation_list()) == sorted(
        v.key for v in v_ref.violation_list()
    )


@pytest.mark.parametrize(
    "problem",
    [
        rt.synthetic(workers=60, days=70, posts=8, seed=3),
        rt.synthetic(workers=40, days=56, posts=6, seed=1, incompatible_pairs=8),
        rt.datasets.nrp(1),
        rt.datasets.nrp(4),
        rt.datasets.nrp(8),
    ],
    ids=lambda p: p.name,
)
def test_greedy_solve_equals_the_per_candidate_solve(problem):
    new = Greedy().solve(problem, seed=7)
    roster = Roster(problem)
    fixed = normalize_keep(problem, None, None)
    moves = _reference_construct(
        problem, roster, validator_for(problem, roster), fixed, random.Random(7)
    )
    assert np.array_equal(new.roster.slots, roster.slots)
    assert new.moves_evaluated == moves
    score = Validator(problem, roster).score()
    assert (new.hard_violations, new.objective) == (score.hard, score.soft)


def test_no_slot_is_filled_at_a_positive_hard_cost():
    # every placement is checked against the rule engine as it happens
    problem = saldo_problem(11, n_workers=6, n_days=28)
    validator_box: list[Validator] = []
    placed: list[tuple[int, bool]] = []

    class Checked(Roster):
        def place(self, w: int, d: int, s: int, k: int) -> None:
            validator = validator_box[0]
            hard = validator.score_delta([(w, d, -1, s)])[0]
            placed.append((hard, bool(problem.mandatory[w, d])))
            super().place(w, d, s, k)
            validator.commit([(w, d, -1, s)])

    roster = Checked(problem)
    validator_box.append(Validator(problem, roster))
    construct(problem, roster, None, normalize_keep(problem, None, None), random.Random(0))
    assert len(placed) == int((roster.shift_of >= 0).sum()) > 0
    assert all(hard <= 0 for hard, mandatory in placed if not mandatory)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 0.6), steps=st.integers(1, 40))
def test_saldo_table_equals_score_delta(seed, density, steps):
    problem = saldo_problem(seed % 200, n_workers=10, n_days=63)
    rng = random.Random(seed)
    roster = random_roster(problem, rng, density)
    validator = Validator(problem, roster)
    table = _SaldoScores(problem, roster)
    n_d, n_s = problem.n_days, problem.n_shifts
    for _ in range(steps):
        d = rng.randrange(n_d)
        off = np.flatnonzero(roster.shift_of[:, d] < 0)
        if off.size == 0:
            continue
        hard = table.hard_row(d)
        for s in rng.sample(range(n_s), min(2, n_s)):
            soft = table.soft(d, s, off)
            for i, w in enumerate(off.tolist()):
                expected = validator.score_delta([(w, d, -1, s)])
                assert (int(hard[w]), float(soft[i])) == expected  # bit for bit
        w = int(rng.choice(off))
        s = rng.randrange(n_s)
        k = roster.free_slot(d, s)
        if k < 0:
            continue
        roster.place(w, d, s, k)
        validator.commit([(w, d, -1, s)])
        table.place(w, d, s)
    assert table.n_work.tolist() == (roster.shift_of >= 0).sum(axis=1).tolist()


def test_saldo_table_mandatory_choice_equals_score_delta():
    problem = saldo_problem(5)
    rng = random.Random(5)
    roster = random_roster(problem, rng, 0.3)
    validator = Validator(problem, roster)
    table = _SaldoScores(problem, roster)
    for _ in range(30):
        w, d = rng.randrange(problem.n_workers), rng.randrange(problem.n_days)
        if roster.shift_of[w, d] >= 0:
            continue
        shifts = np.flatnonzero(roster.count[d] < problem.maximum[d])
        if shifts.size == 0:
            continue
        keys = [(*validator.score_delta([(w, d, -1, int(s))]), int(s)) for s in shifts]
        assert table.mandatory_shift(w, d, shifts) == min(keys)[2]


def placements_cases():
    yield from (nrp_problem(s, n_days=n) for s in range(6) for n in (14, 70))
    yield from (saldo_problem(s, n_days=n) for s in range(6) for n in (35, 91))
    yield rt.datasets.nrp(5)
    yield rt.datasets.nrp(20)


@pytest.mark.parametrize("problem", list(placements_cases()), ids=lambda p: p.name)
def test_placements_equal_score_delta_bit_for_bit(problem):
    rng = random.Random(problem.n_days)
    roster = random_roster(problem, rng, 0.4)
    validator = Validator(problem, roster)
    fast = FastEvaluator(problem, roster.shift_of)
    for step in range(40):
        d, s = rng.randrange(problem.n_days), rng.randrange(problem.n_shifts)
        ws = np.flatnonzero(roster.shift_of[:, d] < 0).astype(np.int64)
        if ws.size:
            hard, soft = fast.placements(d, ws, s)
            assert np.array_equal(hard, fast.batch(d, ws, s)[0])
            for i, w in enumerate(ws.tolist()):
                assert (int(hard[i]), float(soft[i])) == validator.score_delta([(w, d, -1, s)])
        # move someone (partner counts, week runs and long-row runs follow commits)
        w = rng.randrange(problem.n_workers)
        old = int(roster.shift_of[w, d])
        new = rng.randrange(-1, problem.n_shifts)
        if new == old or (new >= 0 and roster.free_slot(d, new) < 0):
            continue
        if old >= 0:
            roster.clear(d, old, int(roster.slot_of[w, d]))
        if new >= 0:
            roster.place(w, d, new, roster.free_slot(d, new))
        validator.commit([(w, d, old, new)])
        fast.commit([(w, d, old, new)])
        if step % 10 == 9:  # the general batch (incompatibility from kept counts) too
            ws = np.arange(problem.n_workers, dtype=np.int64)
            ws = ws[roster.shift_of[:, d] != s]
            hard, soft = fast.batch(d, ws, s)
            for i, x in enumerate(ws.tolist()):
                eh, es = validator.score_delta([(x, d, int(roster.shift_of[x, d]), s)])
                assert int(hard[i]) == eh
                assert float(soft[i]) == pytest.approx(es, abs=1e-9)
    assert fast.score_parts()[0] == validator.score().hard


@pytest.mark.parametrize("n", [1, 2, 47, 48, 49, 64, 364])
def test_runs_vectorised_equals_the_loop(n):
    rng = np.random.default_rng(n)
    for density in (0.0, 0.2, 0.5, 0.9, 1.0):
        flags = rng.random(n) < density
        end, start = _runs(flags)
        f = flags.tolist()
        for i in range(n):
            j = i
            while j > 0 and f[j - 1] == f[i]:
                j -= 1
            k = i
            while k + 1 < n and f[k + 1] == f[i]:
                k += 1
            assert (int(end[i]), int(start[i])) == (i - j + 1, k - i + 1)


@pytest.mark.parametrize("seed", range(4))
def test_placement_day_part_element_wise_equals_per_day(seed):
    problem = nrp_problem(seed, n_days=35)
    roster = random_roster(problem, random.Random(seed), 0.5)
    fast = FastEvaluator(problem, roster.shift_of)
    n_w, n_d = problem.n_workers, problem.n_days
    ws = np.tile(np.arange(n_w, dtype=np.int64), n_d)
    ds = np.repeat(np.arange(n_d, dtype=np.int64), n_w)
    grid = fast.placement_day_part(ds, ws).reshape(n_d, n_w)
    for d in range(n_d):
        assert np.array_equal(grid[d], fast.placement_day_part(d, np.arange(n_w)))
