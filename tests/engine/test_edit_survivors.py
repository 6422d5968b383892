"""What an applied edit leaves alive: its history record and its events' rows, not the rule
engine's ``Delta`` (whose counts the payloads need): a gated edit's delta knows its counts
(``Delta.counts``) without building its records, so the event histories keep two ints
instead of the delta and its moves, and the cyclic collector's young generation grows by
fewer objects an edit (each collection it runs is a pause of the edit it lands in)."""

from __future__ import annotations

import gc
from typing import Any

from _schedule_helpers import movable_cells

from rtsched_widgets.engine.events import EventBus
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.rules.base import Delta

PROBLEM, ROSTER = synthetic_with_roster(40, 60, 6, seed=0, feasible=True)


def _filled() -> Schedule:
    return Schedule(PROBLEM, roster=ROSTER, user="ann", policy=Policy())


def _deltas_in(obj: Any, depth: int = 3) -> int:
    """Delta objects reachable from ``obj`` within ``depth`` container levels."""
    if isinstance(obj, Delta):
        return 1
    if depth == 0 or not isinstance(obj, tuple | list):
        return 0
    return sum(_deltas_in(x, depth - 1) for x in obj)


def test_delta_counts() -> None:
    assert Delta(("a", "b"), ("c",), 0, 1.0).counts == (2, 1)  # type: ignore[arg-type]
    assert Delta((), (), 0, 0.0).counts == (0, 0)

    class Records:
        def introduced(self) -> tuple[Any, ...]:
            return ()

        def resolved(self) -> tuple[Any, ...]:
            return ()

    assert Delta.of_records(Records(), 0, 0.0).counts is None  # only reading them tells


def test_a_gated_edit_counts_its_records_and_the_histories_keep_no_delta() -> None:
    s = _filled()
    date, post, who = movable_cells(s, 1)[0]
    r = s.unassign(date, post)
    assert r.ok and r.soft_delta != 0
    assert len(r.introduced) + len(r.resolved) > 0  # built now, by the result's reader
    rows = list(s.events._history) + list(s.events.parent._history)  # type: ignore[union-attr]
    assert rows and sum(_deltas_in(row) for row in rows) == 0
    kept = s.events.query(["unassigned", "violations_changed"])
    assert [e.type for e in kept] == ["unassigned", "violations_changed"]
    for e in kept:
        assert (e.payload["introduced"], e.payload["resolved"]) == (
            len(r.introduced),
            len(r.resolved),
        )
    assert s.assign(who, date, post).ok


def test_every_payload_counts_the_records_of_its_edit() -> None:
    s = _filled()
    results = []
    for date, post, who in movable_cells(s, 20):
        results += [s.unassign(date, post), s.assign(who, date, post)]
    assert all(r.ok for r in results)
    by_op = {e.payload["op_id"]: e.payload for e in s.events.query(["unassigned", "assigned"])}
    changed = {e.payload["op_id"]: e.payload for e in s.events.query("violations_changed")}
    for r in results:
        counts = (len(r.introduced), len(r.resolved))
        assert (by_op[r.op_id]["introduced"], by_op[r.op_id]["resolved"]) == counts
        moved = bool(r.hard_delta or r.soft_delta or counts != (0, 0))
        assert (r.op_id in changed) == moved
        if moved:
            assert (changed[r.op_id]["introduced"], changed[r.op_id]["resolved"]) == counts


def test_objects_an_edit_leaves_to_the_collector() -> None:
    """An unassign + assign round leaves its two history records and their event rows
    (a record, its change tuple, an argument list and a row each) to the young generation:
    no delta, no moves."""
    s = _filled()
    # a bus of its own: what other tests subscribed to the process-wide bus stays out
    s.events = EventBus(schedule_id=s.id, forward=False)
    cells = movable_cells(s, 40)
    for date, post, who in cells[:5]:  # warm: first-use allocations
        assert s.unassign(date, post).ok and s.assign(who, date, post).ok
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = gc.get_count()[0]
        for date, post, who in cells[5:]:
            assert s.unassign(date, post).ok and s.assign(who, date, post).ok
        per_edit = (gc.get_count()[0] - before) / (2 * len(cells[5:]))
    finally:
        if enabled:
            gc.enable()
    assert per_edit <= 4.5, per_edit  # 7.8 when the histories kept each edit's Delta


def test_swaps_undo_and_redo_leave_no_delta_in_the_histories() -> None:
    s = _filled()
    p = s.problem
    swapped = 0
    for d in range(p.n_days):
        posts = [q for q in range(p.n_shifts) if int(s.core.count[d, q]) > 0]
        if (
            len(posts) >= 2
            and s.swap((p.calendar.iso(d), posts[0]), (p.calendar.iso(d), posts[1])).ok
        ):
            swapped += 1
            assert s.undo().ok and s.redo().ok
    assert swapped >= 5
    rows = list(s.events._history) + list(s.events.parent._history)  # type: ignore[union-attr]
    assert sum(_deltas_in(row) for row in rows) == 0
    for e in s.events.query(["swapped", "undone", "redone"]):
        assert isinstance(e.payload["introduced"], int) and isinstance(e.payload["resolved"], int)


def test_new_plan_is_the_plan_of_the_same_fields() -> None:
    from rtsched_widgets.engine.planning import Plan, new_plan

    args = ("assign", [(1, 0, 0, -1, 3)], [(3, 1, -1, 0)], [], "W03 assigned to x")
    built = new_plan(*args)
    assert type(built) is Plan and built == Plan(*args)
    built.message += " (forced)"  # a plan stays mutable (the pipeline appends to its message)
    assert built.message.endswith("(forced)")
