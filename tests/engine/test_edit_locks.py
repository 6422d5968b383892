"""The locks an edit takes: the schedule's history and latency tracker hold the schedule's
edit lock, so an applied edit records in both without taking a lock of its own (one acquire
of the edit lock per edit); a history or tracker given another lock still records."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from _schedule_helpers import movable_cells

from rtsched_widgets.engine.history import History, OpRecord
from rtsched_widgets.engine.latency import LatencyTracker
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.synthetic import synthetic_with_roster

PROBLEM, ROSTER = synthetic_with_roster(20, 28, 4, seed=1, feasible=True)


class CountingLock:
    """A re-entrant lock that counts its acquires."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.acquires = 0

    def acquire(self, *args: Any) -> bool:
        self.acquires += 1
        return self._lock.acquire(*args)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def test_the_history_and_the_tracker_hold_the_edit_lock() -> None:
    s = Schedule(PROBLEM, roster=ROSTER, user="ann")
    assert s.oplog.lock is s.lock and s.latency.lock is s.lock
    branch = s.fork()
    assert branch.oplog.lock is branch.lock and branch.latency.lock is branch.lock
    assert branch.lock is not s.lock


def test_an_edit_takes_the_edit_lock_once() -> None:
    s = Schedule(PROBLEM, roster=ROSTER, user="ann")
    counting = CountingLock()
    s._lock = s.oplog._lock = s.latency._lock = counting  # type: ignore[assignment]
    date, post, who = movable_cells(s)[0]
    assert s.unassign(date, post).ok and s.assign(who, date, post).ok
    assert counting.acquires == 2  # one per edit: no history or latency lock besides
    assert [r.kind for r in s.oplog.records()] == ["unassign", "assign"]
    assert s.latency.summary().set_index("kind")["count"].to_dict() == {
        "unassign": 1,
        "assign": 1,
    }
    assert s.undo().ok and s.redo().ok
    assert s.oplog.undo_depth("ann") == 2


def test_a_history_and_a_tracker_of_their_own_still_record() -> None:
    s = Schedule(PROBLEM, roster=ROSTER, user="ann")
    s.oplog, s.latency = History(), LatencyTracker()
    date, post, who = movable_cells(s)[0]
    assert s.unassign(date, post).ok and s.assign(who, date, post).ok
    assert len(s.oplog) == 2 and s.oplog.undo_depth("ann") == 2
    assert s.latency.summary()["count"].sum() == 2


def test_record_held_is_record_without_the_lock() -> None:
    lock = CountingLock()
    h = History(max_ops=2, lock=lock)  # type: ignore[arg-type]
    a = OpRecord("a", 1, "ann", 0.0, "assign")
    h.record(a)
    assert lock.acquires == 1
    with lock:
        h.record_held(OpRecord("b", 2, "ann", 0.0, "assign"))
        h.record_held(OpRecord("c", 3, "bob", 0.0, "assign"), group="g")
    assert lock.acquires == 2  # the caller's own
    assert [r.op_id for r in h.records()] == ["b", "c"]  # bounded: "a" dropped
    assert h.undo_depth("ann") == 1 and h.group_of("c") == "g"
    with pytest.raises(ValueError, match="already recorded"):
        h.record_held(OpRecord("c", 4, "ann", 0.0, "assign"))
    with pytest.raises(ValueError, match="must increase"):
        h.record_held(OpRecord("d", 3, "ann", 0.0, "assign"))


def test_record_ns_held_is_record_ns_without_the_lock() -> None:
    lock = CountingLock()
    t = LatencyTracker(window=2, lock=lock)  # type: ignore[arg-type]
    t.record_ns("assign", 1_000)
    assert lock.acquires == 1
    t.record_ns_held("assign", 2_000)
    t.record_ns_held("assign", 3_000)
    assert lock.acquires == 1
    row = t.summary().set_index("kind").loc["assign"]
    assert row["count"] == 2 and row["total"] == 3 and row["max_us"] == 3.0
    with pytest.raises(ValueError, match=">= 0"):
        t.record_ns_held("assign", -1)
