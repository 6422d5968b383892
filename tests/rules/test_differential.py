"""Property tests: the maintained violations always equal a fresh full check, ``preview``
predicts exactly what ``commit`` reports, ``score_delta`` agrees with ``preview``, and on a
roster with no hard violation a removal or a shift change breaks only the rules that declare
it can (``removal_can_violate``, ``post_change_can_violate``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, fill_at_random, keyed
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rtsched_widgets.model import (
    Calendar,
    Problem,
    Request,
    Roster,
    RuleSettings,
    ShiftType,
    Worker,
)
from rtsched_widgets.rules import Validator

STARTS = [date(2026, 1, 5), date(2026, 12, 17), date(2027, 2, 25), date(2026, 6, 1)]


def _date_range(data: st.DataObject, start: date, days: int) -> tuple[date, date]:
    a = data.draw(st.integers(-3, days + 2))
    b = data.draw(st.integers(a, days + 4))
    return (start + timedelta(a), start + timedelta(b))


def saldo_problem(data: st.DataObject) -> Problem:
    n_w = data.draw(st.integers(1, 6), label="workers")
    days = data.draw(st.integers(1, 45), label="days")
    posts = data.draw(st.integers(1, 3), label="posts")
    start = data.draw(st.sampled_from(STARTS))
    req = np.array(
        data.draw(st.lists(st.integers(0, 2), min_size=days * posts, max_size=days * posts))
    )
    req = req.reshape(days, posts)
    extra = np.array(
        data.draw(st.lists(st.integers(0, 1), min_size=days * posts, max_size=days * posts))
    ).reshape(days, posts)
    holidays = [
        start + timedelta(x) for x in data.draw(st.lists(st.integers(-1, days), max_size=4))
    ]
    workers = []
    for i in range(n_w):
        days_off = tuple(
            _date_range(data, start, days) for _ in range(data.draw(st.integers(0, 2)))
        )
        periods = tuple(_date_range(data, start, days) for _ in range(data.draw(st.integers(0, 1))))

        def ok(x: date, days_off=days_off, periods=periods) -> bool:
            return not any(a <= x <= b for a, b in days_off) and (
                not periods or any(a <= x <= b for a, b in periods)
            )

        mand = sorted(
            {
                start + timedelta(x)
                for x in data.draw(st.lists(st.integers(0, days - 1), max_size=3))
            }
        )
        others = [f"W{j}" for j in range(n_w) if j != i]
        workers.append(
            Worker(
                f"W{i}",
                work_percentage=data.draw(st.sampled_from([40.0, 69.9, 70.0, 100.0])),
                target_shifts=data.draw(st.one_of(st.none(), st.integers(0, 12))),
                max_shifts=data.draw(st.one_of(st.none(), st.integers(0, 10))),
                incompatible_with=tuple(data.draw(st.lists(st.sampled_from(others), max_size=2)))
                if others
                else (),
                days_off=days_off,
                work_periods=periods,
                mandatory_days=tuple(m for m in mand if ok(m)),
            )
        )
    rs = RuleSettings(
        gap=data.draw(st.integers(0, 4)),
        pattern_distances=data.draw(st.sampled_from([(7, 14), (7,), (3, 7, 14)])),
        max_consecutive_weekends=data.draw(st.integers(0, 3)),
        target_tolerance=data.draw(st.integers(0, 2)),
    )
    return Problem(
        workers=workers,
        calendar=Calendar(start, start + timedelta(days - 1), holidays=frozenset(holidays)),
        shift_types=[ShiftType(f"P{i}") for i in range(posts)],
        required=req,
        maximum=req + extra,
        settings=rs,
    )


def nrp_problem(data: st.DataObject) -> Problem:
    n_w = data.draw(st.integers(1, 5), label="workers")
    days = data.draw(st.integers(1, 28), label="days")
    n_s = data.draw(st.integers(1, 3), label="shifts")
    start = date(2026, 1, 5)  # a Monday, as in the instances
    ids = [f"S{i}" for i in range(n_s)]
    shifts = [
        ShiftType(
            ids[i],
            minutes=data.draw(st.sampled_from([240, 480, 600])),
            forbidden_next=tuple(
                data.draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
            ),
        )
        for i in range(n_s)
    ]

    def opt(lo: int, hi: int):
        return st.one_of(st.none(), st.integers(lo, hi))

    workers = []
    for i in range(n_w):
        off = sorted(set(data.draw(st.lists(st.integers(0, days - 1), max_size=3))))
        workers.append(
            Worker(
                f"N{i}",
                days_off=tuple((start + timedelta(x), start + timedelta(x)) for x in off),
                max_per_shift={
                    s: data.draw(st.integers(0, 10))
                    for s in data.draw(st.lists(st.sampled_from(ids), unique=True))
                },
                min_minutes=data.draw(opt(0, 4000)),
                max_minutes=data.draw(opt(0, 8000)),
                min_consecutive=data.draw(opt(1, 4)),
                max_consecutive=data.draw(opt(1, 6)),
                min_consecutive_off=data.draw(opt(1, 3)),
                max_weekends=data.draw(opt(0, 3)),
            )
        )

    def requests():
        return [
            Request(f"N{w}", d, ids[s], float(wt))
            for w, d, s, wt in data.draw(
                st.lists(
                    st.tuples(
                        st.integers(0, n_w - 1),
                        st.integers(0, days - 1),
                        st.integers(0, n_s - 1),
                        st.integers(1, 3),
                    ),
                    max_size=6,
                )
            )
        ]

    size = days * n_s
    req = np.array(data.draw(st.lists(st.integers(0, 3), min_size=size, max_size=size))).reshape(
        days, n_s
    )
    under = np.array(
        data.draw(st.lists(st.sampled_from([1, 100]), min_size=size, max_size=size)), dtype=float
    ).reshape(days, n_s)
    return Problem(
        workers=workers,
        calendar=Calendar(start, start + timedelta(days - 1), weekend_days=(5, 6)),
        shift_types=shifts,
        required=req,
        maximum=np.maximum(req, n_w),
        under_weight=under,
        over_weight=np.ones((days, n_s)),
        shift_on_requests=requests(),
        shift_off_requests=requests(),
        profile="nrp",
    )


def random_fill(data: st.DataObject, problem: Problem) -> Roster:
    density = data.draw(st.sampled_from([0.0, 0.3, 0.7]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    return fill_at_random(problem, rng, density)


def draw_edit(data: st.DataObject, roster: Roster) -> list[tuple[int, int, int, int]]:
    """1–3 changes valid in sequence (cell capacities respected)."""
    p = roster.problem
    scratch = roster.copy()
    changes = []
    kind = data.draw(st.sampled_from(["one", "one", "swap", "many", "off"]))
    working = np.argwhere(scratch.shift_of >= 0)
    if kind == "off" and len(working):  # a worker taken off a day they work
        w, d = (int(x) for x in working[data.draw(st.integers(0, len(working) - 1))])
        return [(w, d, int(scratch.shift_of[w, d]), -1)]
    if kind == "swap" and p.n_workers >= 2:
        d = data.draw(st.integers(0, p.n_days - 1))
        a, b = data.draw(
            st.lists(st.integers(0, p.n_workers - 1), min_size=2, max_size=2, unique=True)
        )
        sa, sb = int(scratch.shift_of[a, d]), int(scratch.shift_of[b, d])
        if sa != sb:
            return [(a, d, sa, -1), (b, d, sb, sa), (a, d, -1, sb)]
    for _ in range(1 if kind != "many" else data.draw(st.integers(2, 3))):
        w = data.draw(st.integers(0, p.n_workers - 1))
        d = data.draw(st.integers(0, p.n_days - 1))
        old = int(scratch.shift_of[w, d])
        options = [-1] + [s for s in range(p.n_shifts) if s == old or scratch.free_slot(d, s) >= 0]
        new = data.draw(st.sampled_from(options))
        ch = (w, d, old, new)
        apply_to_roster(scratch, [ch])
        changes.append(ch)
    return changes


def run_edits(data: st.DataObject, problem: Problem) -> None:
    roster = random_fill(data, problem)
    v = Validator(problem, roster)
    assert_matches_full(v)
    for _ in range(data.draw(st.integers(1, 12), label="edits")):
        changes = draw_edit(data, roster)
        before, before_records = v.score(), v.violation_list()
        pv = v.preview(changes)
        hard, soft = v.score_delta(changes)
        assert v.hard_delta(changes) == hard
        # with no hard violation the gate's answer is the hard delta's sign (a removal is
        # checked against the rules that declare removal_can_violate only)
        assert v.may_introduce_hard(changes) == (before.hard > 0 or hard > 0)
        assert v.score() == before
        assert hard == pv.hard
        assert abs(soft - pv.soft) < 1e-6
        route = data.draw(st.sampled_from(["commit", "previewed", "recomputed"]))
        if route == "recomputed":  # a newer preview of something else: commit recomputes
            v.preview([])
        apply_to_roster(roster, changes)
        c = v.commit_previewed(pv) if route == "previewed" else v.commit(changes)
        assert keyed(c.introduced) == keyed(pv.introduced)
        assert keyed(c.resolved) == keyed(pv.resolved)
        if all(new < 0 for _, _, _, new in changes):  # only removals: what rules declare
            for rule in v.rules:
                if not rule.removal_can_violate and not any(
                    x.rule == rule.name for x in before_records
                ):
                    assert not any(x.rule == rule.name for x in c.introduced), (rule.name, changes)
        assert c.hard == pv.hard and abs(c.soft - pv.soft) < 1e-6
        after = v.score()
        assert after.hard == before.hard + c.hard
        assert abs(after.soft - (before.soft + c.soft)) < 1e-6
        assert_matches_full(v)
        # the new introduced records are exactly the maintained ones with those keys
        kept = {x.key: x for x in v.violation_list()}
        assert all(kept[x.key] == x for x in c.introduced)
    table = v.full_table()
    assert table.records() == v.full_check()
    assert table.score().hard == v.score().hard
    assert abs(table.score().soft - v.score().soft) < 1e-6
    # a copy and its parent edited apart stay independent (rows are shared copy-on-write)
    roster2 = roster.copy()
    w = v.copy(roster2)
    assert w.score() == v.score()
    for target, rost in ((w, roster2), (v, roster), (w, roster2)):
        changes = draw_edit(data, rost)
        apply_to_roster(rost, changes)
        target.commit(changes)
        assert_matches_full(v)
        assert_matches_full(w)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.data())
def test_saldo_maintained_set_matches_full_check(data: st.DataObject) -> None:
    run_edits(data, saldo_problem(data))


@SETTINGS
@given(st.data())
def test_nrp_maintained_set_matches_full_check(data: st.DataObject) -> None:
    run_edits(data, nrp_problem(data))


def clean_fill(data: st.DataObject, problem: Problem) -> tuple[Roster, Validator]:
    """A roster filled at random with placements that do not raise the hard count (the
    mandatory days first: an empty roster breaks them), and its validator."""
    roster = Roster(problem)
    v = Validator(problem, roster)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    mandatory = [tuple(x) for x in np.argwhere(problem.mandatory).tolist()]
    randoms = [
        (int(rng.integers(problem.n_workers)), int(rng.integers(problem.n_days)))
        for _ in range(problem.n_workers * problem.n_days)
    ]
    for w, d in mandatory + randoms:
        s = int(rng.integers(problem.n_shifts))
        if roster.shift_at(w, d) >= 0 or roster.free_slot(d, s) < 0:
            continue
        change = [(w, d, -1, s)]
        if v.hard_delta(change) <= 0:
            apply_to_roster(roster, change)
            v.commit(change)
    return roster, v


def check_removals(data: st.DataObject, problem: Problem) -> None:
    """On a roster with no hard violation: taking any worker off any day, moving them to
    any other shift of that day, and exchanging the shifts of two workers of one day. The
    gate's answer is the sign of the hard delta, and no rule that declares
    ``removal_can_violate = False`` (for the removals) or ``post_change_can_violate = False``
    (for the others) gets a violation."""
    roster, v = clean_fill(data, problem)
    assume(v.score().hard == 0)
    removal_safe = {r.name for r in v.rules if not r.removal_can_violate}
    post_safe = {r.name for r in v.rules if not r.post_change_can_violate}
    edits: list[tuple[list[tuple[int, int, int, int]], set[str]]] = []
    working = np.argwhere(roster.shift_of >= 0).tolist()
    for w, d in working:
        s = int(roster.shift_of[w, d])
        edits.append(([(w, d, s, -1)], removal_safe))
        edits += [([(w, d, s, q)], post_safe) for q in range(problem.n_shifts) if q != s]
        for b in range(problem.n_workers):
            t = int(roster.shift_of[b, d])
            if b != w and t >= 0:
                edits.append(([(w, d, s, t), (b, d, t, s)], post_safe))
    for changes, safe in edits:
        hard = v.hard_delta(changes)
        assert v.may_introduce_hard(changes) == (hard > 0), changes
        delta = v.preview(changes)
        assert delta.hard == hard
        assert not [x for x in delta.introduced if x.rule in safe], changes
    # commits of shift changes, after the gate (its answer reused) or without it (the
    # validator tells them apart itself): the same delta as a preview
    shift_changes = [c for c, safe in edits if safe is post_safe]
    for gated in (True, False):
        if not shift_changes or v.score().hard:
            break
        changes = shift_changes[data.draw(st.integers(0, len(shift_changes) - 1))]
        if any(roster.free_slot(d, new) < 0 for _, d, _, new in changes if len(changes) == 1):
            continue  # the roster has no room for it
        expected = v.preview(changes)
        if gated:
            assert v.may_introduce_hard(changes) is (expected.hard > 0)
        else:
            v.hard_delta([working_change(roster)])  # the gate saw something else last
        for w, d, old, _ in changes:
            roster.clear(d, old, int(roster.slot_of[w, d]))
        for w, d, _, new in changes:
            roster.place(w, d, new, roster.free_slot(d, new))
        got = v.commit(changes)
        assert keyed(got.introduced) == keyed(expected.introduced)
        assert keyed(got.resolved) == keyed(expected.resolved)
        assert got.hard == expected.hard
        assert_matches_full(v)
        shift_changes = [
            c
            for c in shift_changes
            if c != changes and all(roster.shift_of[w, d] == o for w, d, o, _ in c)
        ]
    # a worker moved to another day or put on one, committed without the gate: the hard
    # rules are looked at (either may break one)
    for _ in range(4):
        if v.score().hard:
            break
        working = np.argwhere(roster.shift_of >= 0).tolist()
        if not working:
            break
        w, d = working[data.draw(st.integers(0, len(working) - 1))]
        d2 = data.draw(st.integers(0, problem.n_days - 1))
        s2 = data.draw(st.integers(0, problem.n_shifts - 1))
        if roster.shift_of[w, d2] >= 0 or roster.free_slot(d2, s2) < 0:
            continue
        changes = [(w, d2, -1, s2)]
        if data.draw(st.booleans()):
            changes.insert(0, (w, d, int(roster.shift_of[w, d]), -1))
        expected = v.preview(changes)
        v.hard_delta([working_change(roster)])
        apply_to_roster(roster, changes)
        got = v.commit(changes)
        assert keyed(got.introduced) == keyed(expected.introduced)
        assert got.hard == expected.hard
        assert_matches_full(v)


def working_change(roster: Roster) -> tuple[int, int, int, int]:
    """Some worker taken off some day they work."""
    w, d = np.argwhere(roster.shift_of >= 0)[0].tolist()
    return (w, d, int(roster.shift_of[w, d]), -1)


@pytest.mark.parametrize("make_problem", [saldo_problem, nrp_problem], ids=["saldo", "nrp"])
@SETTINGS
@given(st.data())
def test_removal_or_shift_change_on_a_clean_roster_breaks_only_rules_that_say_it_can(
    make_problem: Callable[[st.DataObject], Problem], data: st.DataObject
) -> None:
    check_removals(data, make_problem(data))
