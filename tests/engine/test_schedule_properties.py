"""Property tests: random edit sequences, undo/redo, atomic bulk, events in order."""

from __future__ import annotations

from typing import Any

from _schedule_helpers import assert_consistent, make_problem, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.engine.ops import Assign, Bulk, Cell, Move, Swap, Unassign
from rtsched_widgets.engine.schedule import EVENT_OF_KIND, Schedule
from rtsched_widgets.engine.undo import cell_value

PROBLEM = make_problem(n_workers=6, n_days=10)
DATES = [PROBLEM.calendar.iso(d) for d in range(PROBLEM.n_days)]

workers = st.sampled_from([w.id for w in PROBLEM.workers] + ["W99"])
dates = st.sampled_from([*DATES, "2030-01-01"])
posts = st.sampled_from([0, 1, "D", "N", 5])
slots = st.sampled_from([None, None, 0, 1])
cells = st.builds(Cell, dates, posts, slots)
single = st.one_of(
    st.builds(Assign, workers, dates, posts, slots),
    st.builds(Unassign, dates, posts, slots),
    st.builds(Swap, cells, cells),
    st.builds(Move, cells, cells),
)
ops = st.one_of(
    single, single, single, st.builds(Bulk, st.lists(single, min_size=1, max_size=4).map(tuple))
)
MAIN = set(EVENT_OF_KIND.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(ops, st.booleans()), min_size=1, max_size=25))
def test_undo_all_restores_initial_redo_all_restores_final(steps: list[Any]) -> None:
    s = Schedule(PROBLEM, user="alice")
    s.assign("W01", "2026-01-05", 0)
    s.oplog.clear_stacks()
    initial = s.core.copy()
    events: list[Any] = []
    s.events.subscribe("*", events.append)
    applied: list[Any] = []
    for op, force in steps:
        before = snapshot(s)
        r = s.apply(op, force=force)
        if r.ok:
            applied.append(r)
        else:
            assert snapshot(s) == before, f"refused {r.error} but state changed"
        assert (s.core.count <= PROBLEM.maximum).all()
    assert_consistent(s)
    main = [e for e in events if e.type in MAIN]
    assert [e.payload["op_id"] for e in main] == [r.op_id for r in applied]
    assert [e.type for e in main] == [EVENT_OF_KIND[r.kind] for r in applied]
    assert [r.version for r in applied] == sorted({r.version for r in applied})
    final = s.core.copy()
    undone = 0
    while True:
        r = s.undo()  # one user: every undo is a pure rollback, never refused
        if not r.ok:
            assert r.error == "NOTHING_TO_UNDO"
            break
        undone += 1
    assert undone == len(applied)
    assert s.core == initial
    assert_consistent(s)
    while s.redo().ok:
        pass
    assert s.core == final
    assert_consistent(s)


@settings(max_examples=40, deadline=None)
@given(st.lists(single, min_size=1, max_size=5), st.lists(single, min_size=1, max_size=3))
def test_failing_bulk_leaves_state_and_history_identical(
    warmup: list[Any], batch: list[Any]
) -> None:
    s = Schedule(PROBLEM, user="alice")
    for op in warmup:
        s.apply(op, force=True)
    before = snapshot(s)
    history_before = s.oplog.to_frame()
    bad = [*batch, Unassign("2026-01-10", 0, worker="W99")]  # unknown worker: always fails
    r = s.bulk(bad)
    assert not r.ok
    assert snapshot(s) == before
    assert s.oplog.to_frame().equals(history_before)


USERS = ["alice", "bob", "carol"]
actions = st.one_of(
    st.tuples(st.just("op"), st.sampled_from(USERS), single),
    st.tuples(st.just("undo"), st.sampled_from(USERS), st.none()),
    st.tuples(st.just("redo"), st.sampled_from(USERS), st.none()),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, min_size=1, max_size=30))
def test_interleaved_users_undo_only_their_own_and_never_silently_wrong(
    script: list[Any],
) -> None:
    s = Schedule(PROBLEM)
    for kind, user, op in script:
        before = snapshot(s)
        if kind == "op":
            r = s.apply(op, user=user, force=True)
        else:
            cand = (s.oplog.undo_candidate if kind == "undo" else s.oplog.redo_candidate)(user)
            r = (s.undo if kind == "undo" else s.redo)(user=user, force=True)
            if r.ok:
                assert cand is not None and cand.user == user
                rec = s.oplog.get(r.op_id)
                assert rec is not None and rec.undoes == cand.op_id and rec.user == user
                # the reverted cells now hold exactly what they held before the reverted op
                for c in cand.cells:
                    assert cell_value(s, c) == cand.before.get(c)
            else:
                assert r.error in {"NOTHING_TO_UNDO", "NOTHING_TO_REDO", "UNDO_CONFLICT"}
                if r.error == "UNDO_CONFLICT":
                    assert "changed" in r.message
        if not r.ok:
            assert snapshot(s) == before
    assert_consistent(s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(ops, st.booleans()), min_size=1, max_size=25))
def test_an_unforced_applied_edit_never_introduces_a_hard_violation(steps: list[Any]) -> None:
    s = Schedule(PROBLEM, user="alice")
    for op, force in steps:
        preview = s.preview(op)
        r = s.apply(op, force=force)
        if r.ok and not r.forced:
            assert not [v for v in r.introduced if v.severity == "hard"]
            assert preview.ok
        if not force:
            assert r.ok == preview.ok and r.error == preview.error
            if r.ok:
                keys = sorted(repr(v.key) for v in r.introduced)
                assert keys == sorted(repr(v.key) for v in preview.introduced)
    assert_consistent(s)
