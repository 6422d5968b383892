"""What results and roster-change events carry: the changed slots as indices and the violation
records added and removed, enough for a view to patch itself without re-diffing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from _schedule_helpers import make_problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rtsched_widgets as rt
from rtsched_widgets.engine import ports
from rtsched_widgets.engine.events import ROSTER_EVENTS
from rtsched_widgets.engine.ops import Assign, Bulk, Cell, Move, Swap, Unassign
from rtsched_widgets.engine.planning import SetSlots
from rtsched_widgets.engine.schedule import Policy, Schedule

PROBLEM = make_problem(n_workers=6, n_days=10)
DATES = [PROBLEM.calendar.iso(d) for d in range(PROBLEM.n_days)]

workers = st.sampled_from([w.id for w in PROBLEM.workers])
dates = st.sampled_from(DATES)
posts = st.sampled_from([0, 1])
slot_index = st.sampled_from([None, None, 0, 1])
cells = st.builds(Cell, dates, posts, slot_index)
single = st.one_of(
    st.builds(Assign, workers, dates, posts, slot_index),
    st.builds(Unassign, dates, posts, slot_index),
    st.builds(Swap, cells, cells),
    st.builds(Move, cells, cells),
)
edit = st.one_of(
    st.tuples(st.just("op"), single, st.booleans(), st.sampled_from(["alice", "bob"])),
    st.tuples(
        st.just("op"),
        st.builds(Bulk, st.lists(single, min_size=1, max_size=3).map(tuple)),
        st.booleans(),
        st.sampled_from(["alice", "bob"]),
    ),
    st.tuples(st.sampled_from(["undo", "redo"]), st.none(), st.booleans(), st.just("alice")),
)


def violation_counts(records: Any) -> Counter[tuple[str, float]]:
    """The violations as a multiset of (key, penalty)."""
    return Counter((repr(v.key), float(v.penalty)) for v in records)


def apply_event(violations: Counter[tuple[str, float]], slots: np.ndarray, payload: Any) -> None:
    """Patch a copy of the state before an edit with what its event says changed."""
    violations.subtract(violation_counts(payload["removed"]))
    violations.update(violation_counts(payload["added"]))
    for d, s, k, old, new in payload["slots"]:
        assert slots[d, s, k] == old, "an event's old worker is what the slot held"
        slots[d, s, k] = new


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, min_size=1, max_size=25))
def test_events_added_and_removed_rebuild_the_violations_and_slots(steps: list[Any]) -> None:
    s = Schedule(PROBLEM, user="alice", policy=Policy(block_hard=False))
    events: list[Any] = []
    s.events.subscribe(list(ROSTER_EVENTS), events.append)
    changes: list[Any] = []
    s.events.subscribe("violations_changed", changes.append)
    violations = violation_counts(s.validator.violation_list())
    slots = s.core.slots.copy()
    for what, op, force, user in steps:
        if what == "op":
            r = s.apply(op, force=force, user=user)
        elif what == "undo":
            r = s.undo(user=user, force=force)
        else:
            r = s.redo(user=user, force=force)
        if not r.ok:
            assert tuple(r.slots) == ()
            continue
        event = events[-1]
        assert event.payload["op_id"] == r.op_id
        assert list(event.payload["slots"]) == list(r.slots)
        assert list(event.payload["added"]) == list(r.introduced)
        assert list(event.payload["removed"]) == list(r.resolved)
        assert event.payload["introduced"] == len(r.introduced)
        assert event.payload["resolved"] == len(r.resolved)
        if r.introduced or r.resolved:
            vc = changes[-1].payload
            assert vc["op_id"] == r.op_id
            assert list(vc["added"]) == list(r.introduced)
            assert list(vc["removed"]) == list(r.resolved)
            assert list(vc["slots"]) == list(r.slots)
        apply_event(violations, slots, event.payload)
        violations = +violations  # drop zero counts
        assert violations == violation_counts(s.validator.violation_list())
        assert np.array_equal(slots, s.core.slots)
        # the ISO cells and the index slots name the same slots, in the same order
        assert [(DATES[d], p, k) for d, p, k, _o, _n in r.slots] == list(r.cells)
        assert r.changed_cells == tuple(dict.fromkeys((d, p) for d, p, *_ in r.slots))


def test_a_result_carries_its_slots_and_their_cells() -> None:
    s = Schedule(PROBLEM, user="alice")
    w = PROBLEM.worker_index["W04"]
    r = s.assign("W04", DATES[3], 1)
    assert r.ok
    assert list(r.slots) == [(3, 1, 0, -1, w)]
    assert r.changed_cells == ((3, 1),)
    assert r.to_dict()["slots"] == [[3, 1, 0, -1, w]]
    moved = s.move((DATES[3], 1, 0), (DATES[4], 1))
    assert moved.ok
    assert sorted(moved.slots) == [(3, 1, 0, w, -1), (4, 1, 0, -1, w)]
    assert sorted(moved.changed_cells) == [(3, 1), (4, 1)]
    undone = s.undo()
    assert sorted(undone.slots) == [(3, 1, 0, -1, w), (4, 1, 0, w, -1)]


def test_a_preview_carries_the_slots_it_would_change_and_changes_nothing() -> None:
    s = Schedule(PROBLEM, user="alice")
    w = PROBLEM.worker_index["W05"]
    before = s.core.slots.copy()
    r = s.preview(Assign("W05", DATES[2], 0))
    assert r.ok and r.preview
    assert list(r.slots) == [(2, 0, 0, -1, w)]
    assert np.array_equal(s.core.slots, before) and s.version == 0


def test_a_refused_edit_carries_no_slots() -> None:
    s = Schedule(PROBLEM, user="alice")
    assert s.assign("W05", DATES[2], 0).ok
    refused = s.assign("W05", DATES[2], 1)  # already working that date
    assert not refused.ok and refused.error == "ALREADY_WORKING"
    assert tuple(refused.slots) == () and refused.changed_cells == ()


def test_set_slots_groups_edits_into_one_undo_step_and_extends_the_event() -> None:
    s = Schedule(PROBLEM, user="alice", policy=Policy(block_hard=False))
    seen: list[Any] = []
    s.events.subscribe("bulk_applied", seen.append)
    w0, w3 = PROBLEM.worker_index["W00"], PROBLEM.worker_index["W03"]
    a = s.set_slots(
        SetSlots([(0, 0, 0, w0)], "bulk", "a"),
        user="solver",
        group="run",
        event_extra={"job": "run"},
    )
    b = s.set_slots(
        SetSlots([(1, 0, 0, w3)], "bulk", "b"), user="solver", group="run", checked=False
    )
    assert a.ok and b.ok and not b.forced
    assert [e.payload.get("job") for e in seen] == ["run", None]
    assert list(seen[0].payload["slots"]) == [(0, 0, 0, -1, w0)]
    back = s.undo(user="solver")
    assert back.ok and sorted(back.slots) == [(0, 0, 0, w0, -1), (1, 0, 0, w3, -1)]
    assert (s.core.slots == -1).all()


def test_generation_finished_carries_the_slots_it_wrote() -> None:
    p = rt.synthetic(workers=8, days=14, posts=2, seed=3, mandatory_per_worker=0)
    s = Schedule(p, user="alice")
    seen: list[Any] = []
    s.events.subscribe("generation_finished", seen.append)
    r = s.generate(strategy="greedy", time_limit=5, seed=0)
    assert r.ok and r.slots
    (event,) = seen
    assert list(event.payload["slots"]) == list(r.slots)
    rebuilt = np.full_like(s.core.slots, -1)
    for d, post, k, old, new in event.payload["slots"]:
        assert old == -1
        rebuilt[d, post, k] = new
    assert np.array_equal(rebuilt, s.core.slots)


def test_the_engine_reaches_collab_and_solve_through_registered_ports() -> None:
    from rtsched_widgets._wiring import CollabReplication, StrategySolving

    assert isinstance(ports.replication(), CollabReplication)
    assert isinstance(ports.solving(), StrategySolving)
    s = Schedule(PROBLEM, user="alice")
    session = s.collaborate()
    try:
        assert s.collab is session
    finally:
        s.close()


def test_the_histories_keep_roster_events_without_their_live_entries() -> None:
    s = Schedule(PROBLEM, user="alice", policy=Policy(block_hard=False))
    delivered: list[Any] = []
    s.events.subscribe(["assigned", "violations_changed"], delivered.append)
    r = s.assign("W02", DATES[1], 0)
    assert r.ok and r.introduced
    kept = {e.seq: e for e in s.events.query(["assigned", "violations_changed"])}
    assert [e.type for e in delivered] == ["assigned", "violations_changed"]
    for event in delivered:
        assert list(event.payload["slots"]) == list(r.slots)
        assert list(event.payload["added"]) == list(r.introduced)
        twin = kept[event.seq]
        assert twin.time == event.time and twin.type == event.type
        assert not {"slots", "added", "removed"} & set(twin.payload)
        assert dict(twin.payload) == {
            k: v for k, v in event.payload.items() if k not in ("slots", "added", "removed")
        }


def test_live_entries_reach_a_parent_bus_also_when_published_during_a_delivery() -> None:
    from rtsched_widgets.engine.events import EventBus

    root = EventBus(schedule_id=None, forward=False)
    child = EventBus(schedule_id="c", parent=root)
    seen: list[Any] = []
    root.subscribe("*", seen.append)

    def nested(event: Any) -> None:
        if event.type == "assigned":
            child.publish_owned("moved", {"n": 2}, "bob", {"slots": [(0, 0, 0, -1, 1)]})

    child.subscribe("assigned", nested)
    child.publish_owned("assigned", {"n": 1}, "bob", {"slots": [(1, 0, 0, -1, 2)]})
    assert [(e.type, e.payload["slots"]) for e in seen] == [
        ("assigned", [(1, 0, 0, -1, 2)]),
        ("moved", [(0, 0, 0, -1, 1)]),
    ]
    assert [dict(e.payload) for e in root.query()] == [{"n": 1}, {"n": 2}]
    assert [dict(e.payload) for e in child.query()] == [{"n": 1}, {"n": 2}]
