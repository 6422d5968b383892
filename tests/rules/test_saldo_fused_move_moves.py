"""The mirror's move and the saldo soft rules' moves in one call (``fused_move_moves_fn``,
the validator's gated commit of one change) leave the state ``LiveState.move`` leaves and
give the moves and the exact float that ``moves_fn`` gives after it; the gated commit gives
what the validator's loop over the rules gives."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, fill_at_random

from rtsched_widgets.model import Calendar, Problem, Roster, RuleSettings, ShiftType, Worker
from rtsched_widgets.rules import Validator
from rtsched_widgets.rules.saldo.fused_moves import fused_move_moves_fn

FIELDS = (
    "shift_of", "works", "count", "n_work", "minutes", "spw", "n_special", "n_last",
    "wkend", "n_weekends", "_n_ws",
)  # fmt: skip


def _problem(days: int = 28, tolerance: int = 0) -> Problem:
    """Seven workers, three posts of different lengths (the minutes each move adds)."""
    start = date(2026, 1, 5)
    return Problem(
        workers=[Worker(f"W{i}") for i in range(7)],
        calendar=Calendar(start, start + timedelta(days - 1), holidays=frozenset()),
        shift_types=[ShiftType(f"P{i}", minutes=m) for i, m in enumerate((480, 600, 720))],
        required=np.tile(np.array([2, 1, 1]), (days, 1)),
        maximum=np.full((days, 3), 3),
        settings=RuleSettings(target_tolerance=tolerance),
    )


def _fields(state) -> list:
    out = []
    for name in FIELDS:
        value = getattr(state, name)
        out.append(None if value is None else [x if isinstance(x, int) else list(x) for x in value])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("by_type", [False, True])
def test_move_moves_is_move_then_moves(seed: int, shared: bool, by_type: bool) -> None:
    p = _problem(tolerance=seed % 2)
    rng = np.random.default_rng(seed)
    roster = fill_at_random(p, rng, 0.35)
    v = Validator(p, roster)
    assert v._soft_moves is not None
    moves_fn = v._soft_moves
    move_moves = fused_move_moves_fn(moves_fn)
    a = v.state
    if by_type:
        _ = a.n_ws  # built: move keeps it up to date from then on
    b = a.copy()
    if shared:
        c = a.copy()  # a third holder of the shared rows: must not see either's writes
        before = _fields(c)
    stores_a = [f.copy() for f in v._found]
    stores_b = [f.copy() for f in v._found]
    kinds = {"on": 0, "off": 0, "shift": 0, "same": 0}
    for _ in range(400):
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        old = a.shift_of[w][d]
        new = int(rng.integers(-1, p.n_shifts)) if rng.random() < 0.9 else old
        kinds["same" if new == old else "on" if old < 0 else "off" if new < 0 else "shift"] += 1
        got: list = []
        s_a = move_moves(a, stores_a, w, d, old, new, got)
        b.move(w, d, old, new)
        want: list = []
        s_b = moves_fn(b, stores_b, w, d, old, new, want)
        assert s_a == s_b and repr(s_a) == repr(s_b)  # the same float
        assert got == want
        assert _fields(a) == _fields(b)
        for moves, stores in ((got, stores_a), (want, stores_b)):
            for i, anchor, _, now in moves:
                stores[i].held[anchor] = now
    assert min(kinds.values()) > 20
    if shared:
        assert _fields(c) == before


def test_gated_commits_equal_the_loop_over_the_rules() -> None:
    p = _problem()
    rng = np.random.default_rng(7)
    ra = Roster(p)  # no hard violation: the gate can open
    rb = ra.copy()
    a, b = Validator(p, ra), Validator(p, rb)
    b._soft_moves = None  # the loop over the rules, one by one
    gated = 0
    for _ in range(400):
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        old = int(ra.shift_of[w, d])
        new = int(rng.integers(-1, p.n_shifts)) if rng.random() < 0.9 else old
        if new != old and new >= 0 and ra.free_slot(d, new) < 0:
            continue
        ch = [(w, d, old, new)]  # (no change at all, too: the gate lets it through)
        hard_a, hard_b = a.may_introduce_hard(ch), b.may_introduce_hard(ch)
        assert hard_a == hard_b
        if hard_a:
            continue  # refused (a schedule's policy would): the state stays without one
        gated += 1
        apply_to_roster(ra, ch)
        apply_to_roster(rb, ch)
        da, db = a.commit(ch), b.commit(ch)
        assert da.soft == db.soft and da.hard == db.hard
        assert da.introduced == db.introduced and da.resolved == db.resolved
    assert gated > 50
    assert a.score() == b.score()
    assert_matches_full(a)


def test_a_gated_commit_the_roster_does_not_hold_is_refused_and_reverted() -> None:
    p = _problem()
    roster = Roster(p)
    v = Validator(p, roster)
    w, d = next(
        (w, d) for w in range(p.n_workers) for d in range(p.n_days) if roster.shift_of[w, d] < 0
    )
    ch = [(w, d, -1, 0)]
    assert not v.may_introduce_hard(ch)  # the gate opens: the commit takes its path
    before = _fields(v.state)
    with pytest.raises(ValueError, match="apply the changes to the roster"):
        v.commit(ch)  # the roster was not given the change
    assert _fields(v.state) == before
    assert_matches_full(v)
