"""Builders shared by the rule tests: small problems, roster edits, consistency checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from rtsched_widgets.model import Calendar, Problem, Roster, RuleSettings, ShiftType, Worker
from rtsched_widgets.rules import Change, LiveState, Tables, Validator
from rtsched_widgets.rules.base import DeltaFn, Rule


def saldo_problem(
    workers: Sequence[Worker] | int = 3,
    start: date = date(2026, 1, 5),
    days: int = 28,
    posts: int = 1,
    required: int | np.ndarray = 1,
    maximum: np.ndarray | None = None,
    holidays: Sequence[date] = (),
    settings: RuleSettings | None = None,
) -> Problem:
    """A saldo problem: ``workers`` (or that many plain ones W0…), ``posts`` shift types."""
    if isinstance(workers, int):
        workers = [Worker(f"W{i}") for i in range(workers)]
    cal = Calendar(start, start + timedelta(days - 1), holidays=frozenset(holidays))
    req = np.full((days, posts), required, dtype=int) if np.isscalar(required) else required
    return Problem(
        workers=workers,
        calendar=cal,
        shift_types=[ShiftType(f"P{i}") for i in range(posts)],
        required=req,
        maximum=maximum,
        settings=settings,
    )


def roster_with(problem: Problem, cells: Sequence[tuple[int, int, int]]) -> Roster:
    """A roster holding worker ``w`` on day ``d`` in shift ``s`` for each ``(w, d, s)``."""
    roster = Roster(problem)
    for w, d, s in cells:
        roster.place(w, d, s, roster.free_slot(d, s))
    return roster


def fill_at_random(problem: Problem, rng: np.random.Generator, density: float) -> Roster:
    """A roster where each (worker, day) works with probability ``density``, on a random shift
    with a free slot (none when every shift of the day is full)."""
    roster = Roster(problem)
    for w in range(problem.n_workers):
        for d in range(problem.n_days):
            if rng.random() < density:
                free = [s for s in range(problem.n_shifts) if roster.free_slot(d, s) >= 0]
                if free:
                    s = int(rng.choice(free))
                    roster.place(w, d, s, roster.free_slot(d, s))
    return roster


def apply_to_roster(roster: Roster, changes: Sequence[Change]) -> None:
    """Carry out ``changes`` on ``roster`` (old slot cleared, new shift in its first free slot)."""
    for w, d, old, new in changes:
        assert int(roster.shift_of[w, d]) == old
        if old >= 0:
            roster.clear(d, old, int(roster.slot_of[w, d]))
        if new >= 0:
            k = roster.free_slot(d, new)
            assert k >= 0
            roster.place(w, d, new, k)


def by_rule(violations):
    """{rule: {key: penalty}}."""
    out: dict[str, dict[tuple, float]] = {}
    for v in violations:
        out.setdefault(v.rule, {})[v.key] = v.penalty
    return out


def assert_matches_full(validator: Validator) -> None:
    """The maintained violations equal a fresh full check, rule by rule (keys, penalties and
    records), and the score equals the fresh one."""
    fresh = validator.full_check()
    kept = validator.violation_list()
    a, b = by_rule(kept), by_rule(fresh)
    assert set(a) == set(b), set(a) ^ set(b)
    for rule in b:
        assert a[rule].keys() == b[rule].keys(), (rule, a[rule].keys() ^ b[rule].keys())
        for key, pen in b[rule].items():
            assert abs(a[rule][key] - pen) < 1e-9, (rule, key, a[rule][key], pen)
    assert sorted(kept, key=repr) == sorted(fresh, key=repr)
    for rule in validator.rules:  # a rule reported inactive can never find anything
        if not rule.active:
            assert rule.full(validator.problem, validator.roster) == [], rule
    for i, rule in enumerate(validator.rules):  # the anchor index names exactly the records
        expect: dict[int, set[tuple]] = {}
        for key in validator._found[i]:
            for a in rule.anchors(key):
                expect.setdefault(a, set()).add(key)
        assert {a: set(keys) for a, keys in validator._index[i].items()} == expect, rule
    score = validator.score()
    assert score.hard == sum(v.severity == "hard" for v in fresh)
    assert abs(score.soft - sum(v.penalty for v in fresh if v.severity == "soft")) < 1e-6


def keyed(violations):
    return sorted(((v.key, v.penalty, v.message) for v in violations), key=repr)


def build_incrementally(problem: Problem, cells: Sequence[tuple[int, int, int]]) -> Validator:
    """Place ``cells`` one by one through score_delta/preview/commit, checking each step
    against a full check; returns the validator of the final roster."""
    roster = Roster(problem)
    v = Validator(problem, roster)
    for w, d, s in cells:
        ch = [(w, d, int(roster.shift_of[w, d]), s)]
        pv = v.preview(ch)
        hard, soft = v.score_delta(ch)
        assert hard == pv.hard and abs(soft - pv.soft) < 1e-9
        apply_to_roster(roster, ch)
        c = v.commit(ch)
        assert keyed(c.introduced) == keyed(pv.introduced)
        assert keyed(c.resolved) == keyed(pv.resolved)
        assert_matches_full(v)
    return v


def keys_of(problem: Problem, cells: Sequence[tuple[int, int, int]], rule: str) -> list[tuple]:
    """Keys of ``rule``'s violations once ``cells`` are placed (full check and delta path
    agree, see ``build_incrementally``)."""
    v = build_incrementally(problem, cells)
    return sorted(x.key for x in v.full_check() if x.rule == rule)


def records_of(problem: Problem, cells: Sequence[tuple[int, int, int]], rule: str):
    v = build_incrementally(problem, cells)
    return sorted((x for x in v.full_check() if x.rule == rule), key=lambda x: x.key)


def same_float(a: float, b: float) -> bool:
    """``a == b`` with the same sign (tells 0.0 from -0.0)."""
    import math

    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def assert_fused_equal_singles(
    problem: Problem,
    roster: Roster,
    fused: tuple[DeltaFn, DeltaFn],
    rules: tuple[Sequence[Rule], Sequence[Rule]],
    rng: np.random.Generator,
    rounds: int = 3,
) -> None:
    """For every (worker, day, new shift) of ``problem``, in ``rounds`` states moved on by
    random changes: the fused hard function (``fused[0]``) returns the int sum of the delta
    functions of the hard ``rules[0]``, the fused soft one exactly (bit for bit) ``0.0`` plus
    the terms of the soft ``rules[1]`` in order."""
    fused_hard, fused_soft = fused
    singles_hard = [r.delta_fn() for r in rules[0]]
    singles_soft = [r.delta_fn() for r in rules[1]]
    state = LiveState.from_roster(Tables.of(problem), roster)
    checked = 0
    for _ in range(rounds):
        for w in range(problem.n_workers):
            for d in range(problem.n_days):
                old = state.shift_of[w][d]
                for new in range(-1, problem.n_shifts):
                    want_h = sum(f(state, w, d, old, new) for f in singles_hard)
                    got_h = fused_hard(state, w, d, old, new)
                    assert got_h == want_h and type(got_h) is int, (w, d, old, new)
                    want_s = 0.0
                    for g in singles_soft:
                        want_s += g(state, w, d, old, new)
                    got_s = fused_soft(state, w, d, old, new)
                    assert same_float(got_s, want_s), (w, d, old, new, got_s, want_s)
                    checked += 1
        for _ in range(problem.n_workers * 3):  # move the state on
            w, d = int(rng.integers(problem.n_workers)), int(rng.integers(problem.n_days))
            state.apply(w, d, state.shift_of[w][d], int(rng.integers(-1, problem.n_shifts)))
    assert checked == rounds * problem.n_workers * problem.n_days * (problem.n_shifts + 1)


def assert_score_delta_is_the_individual_sum(v: Validator, roster: Roster) -> None:
    """``v.score_delta`` of every single change of ``roster`` equals the live rules' own
    delta functions: the int sum of the hard ones, exactly ``0.0`` plus the soft terms in
    rule order."""
    p = v.problem
    live = [r for r in v.rules if r.active]
    hard_fns = [r.delta_fn() for r in live if r.severity == "hard"]
    soft_fns = [r.delta_fn() for r in live if r.severity == "soft"]
    for w in range(p.n_workers):
        for d in range(p.n_days):
            old = int(roster.shift_of[w, d])
            for new in range(-1, p.n_shifts):
                want_s = 0.0
                for g in soft_fns:
                    want_s += g(v.state, w, d, old, new)
                want_h = int(sum(f(v.state, w, d, old, new) for f in hard_fns))
                got_h, got_s = v.score_delta([(w, d, old, new)])
                assert got_h == want_h and same_float(got_s, want_s), (w, d, old, new)
                if new != old:
                    assert got_h == v.preview([(w, d, old, new)]).hard
