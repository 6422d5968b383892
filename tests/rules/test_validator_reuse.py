"""Committing a previewed delta, stale previews, the column-wise full check and copy-on-write
copies of the validator and its mirror."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, keyed, roster_with, saldo_problem

from rtsched_widgets.model import Worker
from rtsched_widgets.rules import LiveState, Tables, Validator
from rtsched_widgets.rules.table import COLUMNS


def _problem():
    workers = [
        Worker("A", days_off=((date(2026, 1, 7), date(2026, 1, 8)),)),
        Worker("B", work_percentage=50.0),
        Worker("C", max_shifts=2),
        Worker("D", incompatible_with=("A",)),
    ]
    return saldo_problem(workers, days=35, posts=2)


CELLS = [(0, 0, 0), (1, 0, 1), (0, 2, 1), (2, 3, 0), (3, 2, 0), (1, 7, 0), (2, 10, 1)]


def test_commit_previewed_equals_preview_then_commit():
    p = _problem()
    ra, rb = roster_with(p, CELLS), roster_with(p, CELLS)
    va, vb = Validator(p, ra), Validator(p, rb)
    change = [(0, 14, -1, 0), (3, 14, -1, 1)]
    pa = va.preview(change)
    apply_to_roster(ra, change)
    ca = va.commit_previewed(pa)
    assert ca is pa
    apply_to_roster(rb, change)
    cb = vb.commit(change)  # no preview: computed from scratch
    assert keyed(ca.introduced) == keyed(cb.introduced)
    assert keyed(ca.resolved) == keyed(cb.resolved)
    assert (ca.hard, ca.soft) == (cb.hard, cb.soft)
    assert va.score() == vb.score()
    assert_matches_full(va)


def test_commit_of_the_previewed_changes_reuses_the_preview():
    p = _problem()
    r = roster_with(p, CELLS)
    v = Validator(p, r)
    change = [(1, 4, -1, 0)]
    pv = v.preview(change)
    apply_to_roster(r, change)
    assert v.commit(change) is pv  # same answer object: nothing recomputed
    assert_matches_full(v)


def test_a_stale_preview_is_refused_and_changes_nothing():
    p = _problem()
    r = roster_with(p, CELLS)
    v = Validator(p, r)
    first = [(1, 4, -1, 0)]
    other = [(3, 20, -1, 1)]
    stale = v.preview(first)
    v.preview(other)  # a newer preview: the first one is no longer the latest
    apply_to_roster(r, first)
    with pytest.raises(ValueError, match="latest preview"):
        v.commit_previewed(stale)
    # the roster holds `first`; committing it by its changes recomputes the right answer
    v.commit(first)
    assert_matches_full(v)

    pv = v.preview(other)
    apply_to_roster(r, [(2, 20, -1, 0)])
    v.commit([(2, 20, -1, 0)])  # something else committed after the preview
    before = v.score()
    apply_to_roster(r, other)
    with pytest.raises(ValueError, match="stale"):
        v.commit_previewed(pv)
    assert v.score() == before
    got = v.commit(other)  # recomputed against the current state, not the stale answer
    assert_matches_full(v)
    assert v.score().hard == before.hard + got.hard


def test_commit_after_a_preview_of_other_changes_is_recomputed():
    p = _problem()
    ra, rb = roster_with(p, CELLS), roster_with(p, CELLS)
    va, vb = Validator(p, ra), Validator(p, rb)
    va.preview([(1, 4, -1, 0)])
    change = [(1, 5, -1, 0)]
    apply_to_roster(ra, change)
    apply_to_roster(rb, change)
    ca, cb = va.commit(change), vb.commit(change)
    assert keyed(ca.introduced) == keyed(cb.introduced)
    assert keyed(ca.resolved) == keyed(cb.resolved)
    assert_matches_full(va)


def test_commit_previewed_refuses_a_roster_without_the_changes():
    p = _problem()
    r = roster_with(p, CELLS)
    v = Validator(p, r)
    pv = v.preview([(1, 4, -1, 0)])
    before = v.score()
    with pytest.raises(ValueError, match="apply the changes to the roster"):
        v.commit_previewed(pv)
    assert v.score() == before
    assert_matches_full(v)
    apply_to_roster(r, [(1, 4, -1, 0)])
    assert v.commit_previewed(pv) is pv  # still the latest preview: accepted now
    assert_matches_full(v)


def test_full_table_agrees_with_full_check_and_the_frame():
    p = _problem()
    r = roster_with(p, [*CELLS, (0, 7, 1), (0, 21, 0), (0, 14, 1), (2, 4, 1)])
    v = Validator(p, r)
    table = v.full_table()
    records = v.full_check()
    assert len(records) > 5
    assert table.records() == records
    assert len(table) == len(records)
    assert table.score().hard == v.score().hard
    assert table.score().soft == pytest.approx(v.score().soft)
    counts: dict[str, int] = {}
    for x in records:
        counts[x.rule] = counts.get(x.rule, 0) + 1
    assert table.by_rule() == counts
    frame = table.to_frame()
    assert list(frame.columns) == COLUMNS
    expected = pd.DataFrame(
        {
            "rule": [x.rule for x in records],
            "severity": [x.severity for x in records],
            "workers": [x.workers for x in records],
            "dates": [x.dates for x in records],
            "post": pd.array([x.post for x in records], dtype="Int64"),
            "message": [x.message for x in records],
            "penalty": np.array([x.penalty for x in records], dtype=float),
        }
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_copy_and_parent_are_independent_after_copy_on_write():
    p = _problem()
    r = roster_with(p, CELLS)
    v = Validator(p, r)
    r2 = r.copy()
    v2 = v.copy(r2)
    base = v.score()
    # both sides change rows of the same worker and day
    apply_to_roster(r2, [(1, 3, -1, 1)])
    v2.commit([(1, 3, -1, 1)])
    assert v.score() == base
    assert v.state.shift_of[1][3] == -1 and v2.state.shift_of[1][3] == 1
    apply_to_roster(r, [(1, 3, -1, 1), (0, 0, 0, -1)])
    v.commit([(1, 3, -1, 1), (0, 0, 0, -1)])
    assert v2.state.shift_of[0][0] == 0 and v.state.shift_of[0][0] == -1
    assert_matches_full(v)
    assert_matches_full(v2)
    # a copy of a copy, then edits everywhere
    r3 = r2.copy()
    v3 = v2.copy(r3)
    apply_to_roster(r3, [(1, 3, 1, -1)])
    v3.commit([(1, 3, 1, -1)])
    for x in (v, v2, v3):
        assert_matches_full(x)
    assert v2.state.shift_of[1][3] == 1 and v3.state.shift_of[1][3] == -1


def test_live_state_copy_shares_rows_until_written():
    p = _problem()
    r = roster_with(p, CELLS)
    t = Tables.of(p)
    a = LiveState.from_roster(t, r)
    b = a.copy()
    assert b.shift_of[0] is a.shift_of[0]  # shared until written
    b.apply(0, 5, -1, 1)
    assert b.shift_of[0] is not a.shift_of[0]
    assert a.shift_of[0][5] == -1 and b.shift_of[0][5] == 1
    assert a.works[0].count(1) == 2 and b.works[0].count(1) == 3
    assert a.works[0][5] == 0 and b.works[0][5] == 1
    assert a.count[5][1] == 0 and b.count[5][1] == 1
    a.apply(0, 5, -1, 0)
    assert b.shift_of[0][5] == 1 and a.shift_of[0][5] == 0
    fresh = LiveState.from_roster(t, r)
    fresh.apply(0, 5, -1, 0)
    for name in (
        "shift_of",
        "works",
        "count",
        "n_work",
        "n_ws",
        "spw",
        "wkend",
        "n_weekends",
    ):
        assert getattr(a, name) == getattr(fresh, name), name
    a.apply(0, 5, 0, -1)
    assert a.works[0][5] == 0 and a.works == LiveState.from_roster(t, r).works


def test_fused_run_deltas_equal_the_sum_of_each_rules_delta():
    from datetime import timedelta

    from rtsched_widgets.model import Calendar, Problem, ShiftType
    from rtsched_widgets.rules.nrp import MaxConsecutive, MinConsecutive, MinConsecutiveOff

    start, days = date(2026, 1, 5), 21
    workers = [
        Worker("N0", max_consecutive=3, min_consecutive=2, min_consecutive_off=2),
        Worker("N1", max_consecutive=4),
        Worker("N2", min_consecutive_off=3),
        Worker("N3"),
    ]
    p = Problem(
        workers=workers,
        calendar=Calendar(start, start + timedelta(days - 1), weekend_days=(5, 6)),
        shift_types=[ShiftType("D", minutes=480), ShiftType("N", minutes=480)],
        required=np.zeros((days, 2), dtype=int),
        maximum=np.full((days, 2), 4),
        profile="nrp",
    )
    rng = np.random.default_rng(7)
    cells = [
        (w, d, int(rng.integers(2))) for w in range(4) for d in range(days) if rng.random() < 0.55
    ]
    r = roster_with(p, cells)
    v = Validator(p, r)
    rules = [
        x for x in v.rules if isinstance(x, MaxConsecutive | MinConsecutive | MinConsecutiveOff)
    ]
    assert len(rules) == 3
    fused = MaxConsecutive.fused_delta_fn(rules)
    singles = [x.delta_fn() for x in rules]
    checked = 0
    for w in range(4):
        for d in range(days):
            old = int(r.shift_of[w, d])
            for new in (-1, 0, 1):
                if new == old:
                    continue
                want = sum(f(v.state, w, d, old, new) for f in singles)
                assert fused(v.state, w, d, old, new) == want, (w, d, old, new)
                checked += 1
    assert checked == 4 * days * 2
    # and the validator's score_delta (which uses the fused function) agrees with preview
    for w, d in ((0, 0), (0, 10), (1, 20), (2, 5)):
        old = int(r.shift_of[w, d])
        ch = [(w, d, old, -1 if old >= 0 else 0)]
        assert v.score_delta(ch)[0] == v.preview(ch).hard


def test_maintained_frame_is_the_records_column_by_column():
    p = _problem()
    r = roster_with(p, [*CELLS, (0, 7, 1), (0, 14, 1)])
    v = Validator(p, r)
    rows = v.violation_list()
    assert {x.post is None for x in rows} == {True, False}  # both kinds of post present
    expected = pd.DataFrame(
        {
            "rule": [x.rule for x in rows],
            "severity": [x.severity for x in rows],
            "workers": [x.workers for x in rows],
            "dates": [x.dates for x in rows],
            "post": pd.array([x.post for x in rows], dtype="Int64"),
            "message": [x.message for x in rows],
            "penalty": np.array([x.penalty for x in rows], dtype=float),
        }
    )
    pd.testing.assert_frame_equal(v.violations(), expected)
    q = saldo_problem(2, days=3, required=0)
    empty = Validator(q, roster_with(q, [])).violations()
    assert len(empty) == 0 and list(empty.columns) == COLUMNS
    assert str(empty["post"].dtype) == "Int64" and empty["penalty"].dtype == float


def test_hard_delta_is_the_hard_part_of_score_delta_and_checks_its_input():
    p = _problem()
    r = roster_with(p, CELLS)
    v = Validator(p, r)
    for change in (
        [(0, 1, -1, 0)],
        [(1, 4, -1, 0)],
        [(3, 2, 0, -1)],
        [(0, 14, -1, 0), (3, 14, -1, 1)],
    ):
        assert v.hard_delta(change) == v.score_delta(change)[0] == v.preview(change).hard
    with pytest.raises(ValueError, match="old_shift"):
        v.hard_delta([(0, 1, 0, -1)])  # worker 0 is off on day 1
    assert_matches_full(v)


def test_may_introduce_hard_is_hard_delta_above_zero_until_a_hard_violation_exists():
    p = _problem()
    r = roster_with(p, [(1, 0, 0), (2, 3, 0)])
    v = Validator(p, r)
    assert v.score().hard == 0
    changes = (
        [(0, 20, -1, 0)],  # A alone on day 20: nothing
        [(1, 21, -1, 0), (3, 20, -1, 1)],  # two changes, nothing
        [(0, 20, -1, 0), (3, 20, -1, 1)],  # A, then D beside A (incompatible): one
        [(0, 2, -1, 0)],  # A on a day off (7 January): one
        [(2, 3, 0, -1)],  # taken off
    )
    for change in changes:
        assert v.may_introduce_hard(change) == (v.hard_delta(change) > 0)
    assert [v.may_introduce_hard(c) for c in changes] == [False, False, True, True, False]
    # like hard_delta, an answer of False is reused by the commit of exactly that change
    change = [(0, 20, -1, 0)]
    assert v.may_introduce_hard(change) is False
    apply_to_roster(r, change)
    assert v.commit(change).hard == 0
    assert_matches_full(v)
    # with a hard violation anywhere only a preview can tell: always True
    bad = [(3, 20, -1, 1)]  # D beside A on day 20
    apply_to_roster(r, bad)
    assert v.commit(bad).hard == 1
    assert v.may_introduce_hard([(1, 21, -1, 0)]) is True
    with pytest.raises(ValueError, match="old_shift"):
        Validator(p, roster_with(p, [])).may_introduce_hard([(0, 1, 0, -1)])
    assert_matches_full(v)


def test_a_hard_check_that_found_nothing_is_reused_only_for_its_change_on_its_state():
    # D and A may not work the same day (incompatible); the roster has no hard violation
    p = _problem()
    r = roster_with(p, [(1, 0, 0), (2, 3, 0)])
    v = Validator(p, r)
    assert v.score().hard == 0
    a_day_20, d_day_20 = [(0, 20, -1, 0)], [(3, 20, -1, 1)]
    assert v.hard_delta(d_day_20) == 0  # alone, D on day 20 breaks nothing ...
    apply_to_roster(r, a_day_20)
    assert v.commit(a_day_20).hard == 0
    apply_to_roster(r, d_day_20)
    c = v.commit(d_day_20)  # ... but after A's commit it does: the check is not reused
    assert c.hard == 1 and v.score().hard == 1
    assert [x.rule for x in c.introduced if x.severity == "hard"] == ["incompatible"]
    assert_matches_full(v)
    # and reused for its own change: the same answer as computed afresh
    r2 = roster_with(p, [(1, 0, 0), (2, 3, 0)])
    v2, v3 = Validator(p, r2), Validator(p, r2.copy())
    change = [(1, 21, -1, 0)]
    assert v2.hard_delta(change) == 0
    apply_to_roster(r2, change)
    apply_to_roster(v3.roster, change)
    assert keyed(v2.commit(change).introduced) == keyed(v3.commit(change).introduced)
    assert_matches_full(v2)


def test_a_hard_check_of_several_changes_is_reused_only_for_them_on_its_state():
    # as above, with two changes: the gate's hard check of the pair found nothing
    p = _problem()
    r = roster_with(p, [(1, 0, 0), (2, 3, 0)])
    v = Validator(p, r)
    a_day_20, pair = [(0, 20, -1, 0)], [(1, 21, -1, 0), (3, 20, -1, 1)]
    assert v.hard_delta(pair) == 0 == v.score_delta(pair)[0]
    apply_to_roster(r, a_day_20)
    assert v.commit(a_day_20).hard == 0
    apply_to_roster(r, pair)
    c = v.commit(pair)  # A now works day 20: D beside A breaks the incompatibility
    assert c.hard == 1 and [x.rule for x in c.introduced if x.severity == "hard"] == [
        "incompatible"
    ]
    assert_matches_full(v)
    # reused for its own changes on its own state: the same answer as computed afresh
    r2 = roster_with(p, [(1, 0, 0), (2, 3, 0)])
    v2, v3 = Validator(p, r2), Validator(p, r2.copy())
    assert v2.hard_delta(pair) == 0
    apply_to_roster(r2, pair)
    apply_to_roster(v3.roster, pair)
    got, fresh = v2.commit(pair), v3.commit(pair)
    assert keyed(got.introduced) == keyed(fresh.introduced)
    assert keyed(got.resolved) == keyed(fresh.resolved)
    assert_matches_full(v2)
