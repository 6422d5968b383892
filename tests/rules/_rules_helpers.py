"""Builders shared by the rule tests: small problems, roster edits, consistency checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from rtsched_widgets.model import Calendar, Problem, Roster, RuleSettings, ShiftType, Worker
from rtsched_widgets.rules import Change, Validator


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
