"""The batched move evaluator agrees with the rule engine (differential, hypothesis)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solve_factories import random_roster, small_saldo  # type: ignore[import-not-found]

from rtsched_widgets.model import Calendar, Problem, Roster, ShiftType, Worker
from rtsched_widgets.model.problem import Request
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve.fast_eval import FastEvaluator


def small_nrp(seed: int, n_workers: int = 6, n_days: int = 14, n_shifts: int = 3) -> Problem:
    """A random small NRP problem: limits, successions, days off, requests, cover."""
    rng = random.Random(seed)
    start = date(2026, 1, 5)
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
        off = start + timedelta(days=rng.randrange(n_days))
        workers.append(
            Worker(
                id=f"N{i}",
                days_off=((off, off),) if rng.random() < 0.7 else (),
                max_per_shift={sid: rng.randrange(2, 8) for sid in ids if rng.random() < 0.6},
                min_minutes=rng.choice([None, 1200, 2400]),
                max_minutes=rng.choice([None, 3000, 4800]),
                min_consecutive=rng.choice([None, 2, 3]),
                max_consecutive=rng.choice([None, 3, 5]),
                min_consecutive_off=rng.choice([None, 2, 3]),
                max_weekends=rng.choice([None, 0, 1]),
            )
        )
    required = np.array([[rng.randrange(0, 3) for _ in ids] for _ in range(n_days)])
    requests = [
        Request(
            f"N{rng.randrange(n_workers)}",
            rng.randrange(n_days),
            rng.choice(ids),
            rng.randint(1, 3),
        )
        for _ in range(12)
    ]
    return Problem(
        workers=workers,
        calendar=Calendar(start, start + timedelta(days=n_days - 1), weekend_days=(5, 6)),
        shift_types=shift_types,
        required=required,
        maximum=np.full((n_days, n_shifts), n_workers),
        under_weight=np.full((n_days, n_shifts), 100.0),
        over_weight=np.full((n_days, n_shifts), 1.0),
        shift_on_requests=requests[:6],
        shift_off_requests=requests[6:],
        profile="nrp",
        name=f"nrp-{seed}",
    )


def apply(roster: Roster, changes) -> None:
    for w, d, old, new in changes:
        if old >= 0:
            roster.clear(d, old, int(roster.slot_of[w, d]))
        if new >= 0:
            roster.place(w, d, new, roster.free_slot(d, new))


PROFILES = {"nrp": small_nrp, "saldo": lambda seed: small_saldo(n_workers=8, n_days=35, seed=seed)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=st.sampled_from(sorted(PROFILES)),
    seed=st.integers(0, 10_000),
    density=st.floats(0.1, 0.8),
    steps=st.integers(1, 25),
)
def test_batched_deltas_equal_the_rule_engine_and_final_scores_agree(profile, seed, density, steps):
    problem = PROFILES[profile](seed % 50)
    rng = random.Random(seed)
    roster = random_roster(problem, rng, density)
    validator = Validator(problem, roster)
    fast = FastEvaluator(problem, roster.shift_of)
    n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
    total_hard, total_soft = validator.score().hard, validator.score().soft
    for _ in range(steps):
        d = rng.randrange(n_d)
        sh = roster.shift_of
        kind = rng.choice(["change", "reassign", "swap"])
        pre = None
        if kind == "change":
            new = rng.randrange(-1, n_s)
            if new >= 0 and roster.count[d, new] >= problem.maximum[d, new]:
                continue
            cands = [w for w in range(n_w) if sh[w, d] != new]
        else:
            working = [w for w in range(n_w) if sh[w, d] >= 0]
            if not working:
                continue
            w1 = rng.choice(working)
            s1 = int(sh[w1, d])
            if kind == "reassign":
                pre, new = (w1, s1, -1), s1
                cands = [w for w in range(n_w) if sh[w, d] < 0]
            else:
                others = [int(sh[w, d]) for w in working if sh[w, d] != s1]
                if not others:
                    continue
                s2 = rng.choice(others)
                pre, new = (w1, s1, s2), s1
                cands = [w for w in range(n_w) if sh[w, d] == s2]
        if not cands:
            continue
        ws = np.array(cands, dtype=np.int64)
        hard, soft = fast.batch(d, ws, new, pre=pre)
        ph, ps = (0, 0.0) if pre is None else fast.single(pre[0], d, pre[2])
        for i, w in enumerate(cands):
            changes = [(w, d, int(sh[w, d]), new)]
            if pre is not None:
                changes = [(pre[0], d, pre[1], pre[2]), *changes]
            expected = validator.score_delta(changes)
            got = (ph + int(hard[i]), ps + float(soft[i]))
            assert got[0] == expected[0], (kind, changes)
            assert got[1] == pytest.approx(expected[1], abs=1e-9), (kind, changes)
            assert fast.delta(changes)[0] == expected[0]
        # commit one candidate and keep both in step
        i = rng.randrange(len(cands))
        w = cands[i]
        changes = [(w, d, int(sh[w, d]), new)]
        if kind == "reassign":
            changes = [(pre[0], d, pre[1], -1), *changes]
        elif kind == "swap":  # through "off", so no cell ever holds more than its maximum
            changes = [(pre[0], d, pre[1], -1), *changes, (pre[0], d, -1, pre[2])]
        dh, ds = validator.score_delta(changes)
        apply(roster, changes)
        validator.commit(changes)
        fast.commit(changes)
        total_hard += dh
        total_soft += ds
        assert np.array_equal(fast.sh, roster.shift_of)
    # element-wise batches mixing days, targets and preceding changes
    sh = roster.shift_of
    cands, pres = [], []
    for _ in range(40):
        w, d = rng.randrange(n_w), rng.randrange(n_d)
        new = rng.randrange(-1, n_s)
        if sh[w, d] == new:
            continue
        others = [x for x in range(n_w) if x != w]
        w1 = rng.choice(others)
        s1 = int(sh[w1, d])
        pres.append((w1, s1, rng.choice([t for t in range(-1, n_s) if t != s1])))
        cands.append((w, d, new))
    if cands:
        ws, ds, news = (np.array(col, dtype=np.int64) for col in zip(*cands, strict=True))
        plain = fast.evaluate(ws, ds, news)
        pre_arr = tuple(np.array(col, dtype=np.int64) for col in zip(*pres, strict=True))
        after = fast.evaluate(ws, ds, news, pre_arr)
        for i, (w, d, new) in enumerate(cands):
            one = [(w, d, int(sh[w, d]), new)]
            assert (int(plain[0][i]), float(plain[1][i])) == pytest.approx(
                validator.score_delta(one)
            )
            w1, s1, t1 = pres[i]
            first = validator.score_delta([(w1, d, s1, t1)])
            both = validator.score_delta([(w1, d, s1, t1), *one])
            assert int(after[0][i]) == both[0] - first[0]
            assert float(after[1][i]) == pytest.approx(both[1] - first[1], abs=1e-9)
    final = Validator(problem, roster).score()
    assert (final.hard, pytest.approx(final.soft)) == (total_hard, total_soft)
    assert fast.score_parts() == (final.hard, pytest.approx(final.soft))


@pytest.mark.parametrize("instance", [1, 5])
def test_fast_evaluator_on_real_instances_matches_single_deltas(nrp_file, instance):
    from rtsched_widgets.model.io import load_nrp

    problem = load_nrp(nrp_file(instance))
    rng = random.Random(instance)
    roster = random_roster(problem, rng, 0.5)
    validator = Validator(problem, roster)
    fast = FastEvaluator(problem, roster.shift_of)
    for _ in range(300):
        w, d = rng.randrange(problem.n_workers), rng.randrange(problem.n_days)
        old, new = int(roster.shift_of[w, d]), rng.randrange(-1, problem.n_shifts)
        if old == new:
            continue
        assert fast.delta([(w, d, old, new)]) == pytest.approx(
            validator.score_delta([(w, d, old, new)])
        )
