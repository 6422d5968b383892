"""A commit of the very change a gate (``may_introduce_hard``, ``hard_delta``) let through
reuses what the gate established; anything else (another change, an equal change in another
tuple, an edit in between, a refused change, an undo) is computed as without a gate. Every
delta is compared with a validator that never sees a gate, and the maintained set with a full
check. ``Delta.changed`` and ``LiveState.move``."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, keyed, roster_with, saldo_problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.model import Problem, Roster, Worker
from rtsched_widgets.rules import Delta, LiveState, Tables, Validator
from rtsched_widgets.rules.base import Change


def _problem() -> Problem:
    workers = [
        Worker("A", days_off=((date(2026, 1, 7), date(2026, 1, 8)),)),
        Worker("B", work_percentage=50.0),
        Worker("C", max_shifts=4),
        Worker("D", incompatible_with=("A",)),
        Worker("E"),
    ]
    return saldo_problem(workers, days=21, posts=2, holidays=(date(2026, 1, 6),))


def _one_change(roster: Roster, w: int, d: int, new: int) -> Change | None:
    """The change putting worker ``w`` on shift ``new`` of day ``d`` (-1: off), None when it
    changes nothing or the shift is full."""
    old = int(roster.shift_of[w, d])
    if old == new or (new >= 0 and roster.free_slot(d, new) < 0):
        return None
    return (w, d, old, new)


def _assert_same(got: Delta, expect: Delta) -> None:
    assert keyed(got.introduced) == keyed(expect.introduced)
    assert keyed(got.resolved) == keyed(expect.resolved)
    assert got.hard == expect.hard
    assert abs(got.soft - expect.soft) < 1e-9


class _Pair:
    """A validator that is gated before its commits and one that never is, on two rosters
    holding the same assignments."""

    def __init__(self, problem: Problem) -> None:
        self.ra, self.rb = Roster(problem), Roster(problem)
        self.gated, self.plain = Validator(problem, self.ra), Validator(problem, self.rb)
        self.last: list[Change] | None = None  # the changes committed last

    def commit(self, changes: list[Change]) -> Delta:
        apply_to_roster(self.ra, changes)
        apply_to_roster(self.rb, changes)
        got, expect = self.gated.commit(changes), self.plain.commit(changes)
        self.last = changes
        # known without a record built (the gated and the general path): the records' numbers
        assert got.counts == expect.counts == (len(expect.introduced), len(expect.resolved))
        assert got.changed == expect.changed == bool(expect.introduced or expect.resolved)
        _assert_same(got, expect)
        assert self.gated.score() == self.plain.score()
        return got


ROUTES = ["same", "equal tuple", "other change", "edit between", "undo", "hard_delta", "none"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_commits_after_gates_equal_commits_without(data: st.DataObject) -> None:
    p = _problem()
    pair = _Pair(p)
    for _ in range(data.draw(st.integers(4, 30), label="steps")):
        w = data.draw(st.integers(0, p.n_workers - 1))
        d = data.draw(st.integers(0, p.n_days - 1))
        ch = _one_change(pair.ra, w, d, data.draw(st.integers(-1, p.n_shifts - 1)))
        if ch is None:
            continue
        route = data.draw(st.sampled_from(ROUTES))
        v = pair.gated
        if route == "hard_delta":
            gate = v.hard_delta([ch]) > 0 or v.hard_count > 0
        elif route != "none":
            gate = v.may_introduce_hard([ch])
        if route == "same":
            pair.commit([ch])  # the very tuple the gate saw, refused or not
        elif route == "equal tuple":
            pair.commit([tuple(int(x) for x in ch)])  # type: ignore[list-item]
        elif route == "other change":  # gated, then something else is committed
            w2 = (w + 1) % p.n_workers
            other = _one_change(pair.ra, w2, d, data.draw(st.integers(-1, p.n_shifts - 1)))
            if other is not None:
                pair.commit([other])
        elif route == "edit between":  # gated, another edit, then the gated change
            w2 = (w + 1) % p.n_workers
            d2 = (d + 1) % p.n_days
            other = _one_change(pair.ra, w2, d2, data.draw(st.integers(-1, p.n_shifts - 1)))
            if other is not None:
                pair.commit([other])
            if _one_change(pair.ra, w, d, ch[3]) == ch:  # still fits the roster
                pair.commit([ch])
        elif route == "undo" and pair.last is not None:  # gate the inverse of the last edit
            inverse = [(w0, d0, new0, old0) for w0, d0, old0, new0 in reversed(pair.last)]
            v.may_introduce_hard(inverse)
            pair.commit(inverse)
        elif route == "hard_delta" and not gate:
            pair.commit([ch])
        # else: a refused (or unasked) change, nothing committed
    assert_matches_full(pair.gated)
    assert_matches_full(pair.plain)


def test_the_gated_change_is_committed_without_recomputing_the_neighbourhood(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = _problem()
    r = roster_with(p, [(4, 2, 0), (1, 3, 1), (4, 10, 1)])
    v = Validator(p, r)
    assert v.hard_count == 0
    ch = (4, 2, 0, -1)
    changes = [ch]
    assert not v.may_introduce_hard(changes)
    calls: list[str] = []
    real = Validator._compute_one

    def counting(self: Validator, *args: int) -> object:
        calls.append("computed")
        return real(self, *args)

    monkeypatch.setattr(Validator, "_compute_one", counting)
    apply_to_roster(r, changes)
    delta = v.commit(changes)
    assert calls == []  # the gate's change: taken as the gate established it
    assert delta.changed and delta.soft != 0.0
    assert_matches_full(v)
    # an equal change in another tuple is not the gate's: computed as without a gate
    # (a tuple built at run time: equal constant tuples of one function are one object)
    back = [(4, 2, -1, 0)]
    assert not v.may_introduce_hard(back)
    apply_to_roster(r, back)
    v.commit([tuple([4, 2, -1, 0])])  # type: ignore[list-item]
    assert calls == ["computed"]
    assert_matches_full(v)


def test_a_gated_commit_the_roster_does_not_hold_is_refused_and_changes_nothing() -> None:
    p = _problem()
    r = roster_with(p, [(4, 2, 0)])
    v = Validator(p, r)
    changes = [(4, 2, 0, -1)]
    assert not v.may_introduce_hard(changes)
    before = v.score()
    with pytest.raises(ValueError, match="apply the changes to the roster"):
        v.commit(changes)  # the roster still holds shift 0
    assert v.score() == before
    assert v.state.shift_of[4][2] == 0
    assert_matches_full(v)
    apply_to_roster(r, changes)
    v.commit(changes)
    assert_matches_full(v)


def test_a_gate_on_a_copy_does_not_serve_the_original() -> None:
    p = _problem()
    r = roster_with(p, [(4, 2, 0), (3, 5, 1)])
    v = Validator(p, r)
    changes = [(4, 2, 0, -1)]
    assert not v.may_introduce_hard(changes)
    other = v.copy(r.copy())
    assert other._gate is None
    rc = other.roster
    apply_to_roster(rc, [(3, 5, 1, -1)])
    other.commit([(3, 5, 1, -1)])
    apply_to_roster(r, changes)
    v.commit(changes)
    assert_matches_full(v)
    assert_matches_full(other)


def test_delta_changed_is_known_without_building_records() -> None:
    p = _problem()
    r = roster_with(p, [(4, 2, 0)])
    v = Validator(p, r)
    changes = [(0, 9, -1, 1)]
    assert not v.may_introduce_hard(changes)
    apply_to_roster(r, changes)
    delta = v.commit(changes)
    assert delta.changed
    assert delta._introduced is None and delta._resolved is None  # nothing built
    assert delta.changed == bool(delta.introduced or delta.resolved)
    # a change that moves no violation: a delta without records
    assert not v.preview([]).changed
    # deltas holding records, and deltas of other records
    assert not Delta((), (), 0, 0.0).changed
    rec = delta.introduced[0]
    assert Delta((rec,), (), 0, 1.0).changed
    assert Delta((), (rec,), 0, 0.0).changed
    assert Delta.of_records(delta._records, 0, 0.0).changed  # type: ignore[arg-type]


def test_move_is_apply_without_the_check() -> None:
    p = _problem()
    rng = np.random.default_rng(3)
    t = Tables.of(p)
    a = LiveState(t, np.full((p.n_workers, p.n_days), -1))
    b = a.copy()  # shared rows: move copies them before writing, as apply does
    b.n_ws  # noqa: B018  (built: both keep it up to date)
    a.n_ws  # noqa: B018
    for _ in range(400):
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        old, new = a.shift_of[w][d], int(rng.integers(-1, p.n_shifts))
        a.apply(w, d, old, new)
        b.move(w, d, old, new)
    for name in LiveState.__slots__:
        if name in ("_own_d", "_own_w", "_shared", "t"):
            continue
        assert getattr(a, name) == getattr(b, name), name
