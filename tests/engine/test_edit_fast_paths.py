"""The edit path's shortcuts give the same answers as the general code: records built without
field checks, events that wrap their payload, a commit that reuses the decision's preview, and
forks whose copy-on-write state stays independent of the parent."""

from __future__ import annotations

import pickle

import pytest
from _schedule_helpers import assert_consistent, make_problem, snapshot

from rtsched_widgets.engine.events import EventBus
from rtsched_widgets.engine.history import OpRecord
from rtsched_widgets.engine.result import OpResult, applied_result
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.engine.slot_record import SlotRecord, slot_record


def test_a_slot_record_reads_like_the_record_of_its_cells():
    iso = ("2026-01-05", "2026-01-06", "2026-01-07")
    ids = ("W00", "W01", "W02")
    # day 0 post 0 slot 0: W01 -> empty; day 2 post 1 slot 1: empty -> W01; day 1: W02 -> W00
    changes = (0, 0, 0, 1, -1, 2, 1, 1, -1, 1, 1, 0, 0, 2, 0)
    rec = slot_record("s-3", 3, "alice", 12.5, "bulk", changes, (iso, ids), True, "m", "s-1")
    cells = (("2026-01-05", 0, 0), ("2026-01-07", 1, 1), ("2026-01-06", 0, 0))
    plain = OpRecord(
        op_id="s-3",
        version=3,
        user="alice",
        timestamp=12.5,
        kind="bulk",
        cells=cells,
        before={cells[0]: "W01", cells[2]: "W02"},
        after={cells[1]: "W01", cells[2]: "W00"},
        inverse=((0, 0, 0, 1), (2, 1, 1, -1), (1, 0, 0, 2)),
        forced=True,
        message="m",
        undoes="s-1",
    )
    assert isinstance(rec, OpRecord)
    for name in ("cells", "before", "after", "inverse", "op_id", "version", "forced", "undoes"):
        assert getattr(rec, name) == getattr(plain, name), name
    assert rec.cells is rec.cells  # derived once, then kept
    assert pickle.loads(pickle.dumps(rec)) == plain
    assert rec == slot_record(
        "s-3", 3, "alice", 12.5, "bulk", changes, (iso, ids), True, "m", "s-1"
    )


def test_a_schedule_keeps_slot_records_that_undo_and_export_read():
    s = Schedule(make_problem(), user="alice")
    s.generate()
    row = s.assignments.query("not pinned").iloc[0]
    r = s.unassign(row.date, int(row.post), int(row.slot))
    assert r.ok
    rec = s.oplog.get(r.op_id)
    assert isinstance(rec, SlotRecord) and rec.cells == r.cells
    assert list(rec.after) == [] and list(rec.before) == list(r.cells)
    assert s.undo().ok and s.redo().ok
    frame = s.history
    assert frame.iloc[-3]["cells"] == r.cells


def test_applied_result_equals_the_dataclass_built_result():
    kw = dict(
        message="W01 assigned",
        op_id="s-1",
        version=1,
        introduced=("x",),
        resolved=(),
        replaced=("W02",),
        forced=False,
        kind="assign",
        user="bob",
        cells=(("2026-01-05", 0, 0),),
        hard_delta=0,
        soft_delta=-1.5,
        details={"base_version": 0},
        slots=[(4, 0, 0, -1, 0)],
    )
    fast = applied_result(*kw.values())
    assert fast == OpResult(ok=True, **kw)
    assert fast.ok and fast.error is None and fast.suggestions == () and not fast.preview


def test_publish_owned_wraps_the_payload_read_only_and_checks_the_type():
    bus = EventBus(schedule_id="x", forward=False)
    seen = []
    bus.subscribe("assigned", seen.append)
    payload = {"op_id": "x-1", "cells": [["2026-01-05", 0, 0, "W01"]]}
    event = bus.publish_owned("assigned", payload, "alice")
    assert seen == [event] and event.user == "alice" and event.seq == 1
    assert dict(event.payload) == payload
    with pytest.raises(TypeError):
        event.payload["op_id"] = "changed"  # type: ignore[index]
    with pytest.raises(ValueError, match="unknown event type"):
        bus.publish_owned("no_such_type", {}, None)
    assert bus.last_seq == 1


def test_blocked_then_allowed_edits_keep_the_validator_exact():
    # a schedule holding a hard violation takes the preview path for every checked edit;
    # the commit then reuses that preview
    s = Schedule(make_problem(), user="alice")
    h0 = s.score().hard  # the unfilled mandatory day of W01
    assert s.assign("W00", "2026-01-10", 0, force=True).ok  # W00 is off that day: hard
    assert s.score().hard == h0 + 1
    r = s.assign("W00", "2026-01-11", 1)
    assert not r.ok and r.error == "HARD_VIOLATION"
    assert_consistent(s)
    ok = s.assign("W04", "2026-01-11", 1)
    preview = s.preview({"op": "assign", "worker": "W05", "date": "2026-01-12", "post": 0})
    applied = s.assign("W05", "2026-01-12", 0)
    assert ok.ok and applied.ok
    assert sorted(map(repr, applied.introduced)) == sorted(map(repr, preview.introduced))
    assert sorted(map(repr, applied.resolved)) == sorted(map(repr, preview.resolved))
    assert_consistent(s)
    assert s.unassign("2026-01-10", 0).ok  # resolves the hard violation
    assert s.score().hard == h0
    assert_consistent(s)


def test_fork_and_parent_edit_the_same_rows_independently():
    s = Schedule(make_problem(), user="alice")
    for w, day, post in (("W04", 5, 0), ("W05", 9, 1), ("W06", 13, 0)):
        assert s.assign(w, f"2026-01-{day:02d}", post).ok
    b = s.fork()
    parent_before, branch_before = snapshot(s), snapshot(b)
    # the same worker and dates on both sides
    # (forced: this is about independence, not rules)
    assert b.assign("W04", "2026-01-07", 1, force=True).ok
    assert b.unassign("2026-01-05", 0, force=True).ok
    assert snapshot(s) == parent_before
    assert s.assign("W04", "2026-01-08", 0, force=True).ok
    assert s.move(("2026-01-09", 1), ("2026-01-10", 1), force=True).ok
    assert_consistent(s)
    assert_consistent(b)
    c = b.fork()
    assert c.assign("W04", "2026-01-11", 0, force=True).ok
    for x in (s, b, c):
        assert_consistent(x)
    assert b.core.shift_of[4, 10] == -1 and c.core.shift_of[4, 10] == 0
    # undoing everything in the branch gives back the roster and violations it was forked with
    while b.undo_depth:
        assert b.undo().ok
    roster_and_rules = (0, 1, 2, 6, 7)  # slots, shift_of, count, violation keys, score
    now = snapshot(b)
    assert [now[i] for i in roster_and_rules] == [branch_before[i] for i in roster_and_rules]
    assert_consistent(b)


def test_the_facade_builds_the_same_ops_as_the_dataclasses():
    from rtsched_widgets.engine.ops import Assign, Unassign, new_assign, new_unassign

    assert new_assign("W01", "2026-01-05", "N", 1) == Assign("W01", "2026-01-05", "N", 1)
    assert new_unassign("2026-01-05", 0, None, "W02") == Unassign("2026-01-05", 0, None, "W02")
    assert new_assign("W01", "2026-01-05", 0, None).to_dict()["slot"] is None


def test_records_built_through_drafts_are_frozen_instances_of_their_class():
    import dataclasses

    from rtsched_widgets._drafts import draft_class, frozen_builder
    from rtsched_widgets.engine.events import Event
    from rtsched_widgets.rules.base import Violation, new_violation

    v = new_violation(
        "cover_under", "soft", (), ("2026-01-05",), 1, "m", 2.5, ("cover_under", 4, 1)
    )
    assert type(v) is Violation
    assert v == Violation("cover_under", "soft", (), ("2026-01-05",), 1, "m", 2.5, v.key)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.penalty = 0.0  # type: ignore[misc]
    bus = EventBus(schedule_id="x", forward=False)
    event = bus.publish("assigned", {"op_id": "x-1"}, "alice")
    assert type(event) is Event and event.seq == 1 and event.schedule_id == "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="only base is object"):
        draft_class(int)
    with pytest.raises(TypeError, match="each of the fields"):
        frozen_builder(Violation, ("rule", "severity"))  # the other fields are missing


def test_frozen_builder_creates_its_draft_by_calling_the_draft_class():
    from rtsched_widgets._drafts import frozen_builder
    from rtsched_widgets.engine.ops import Cell

    build = frozen_builder(Cell, ("date", "post"), {"slot": None})
    names = build.__code__.co_names
    assert "_draft" in names and "_new" not in names  # ``_draft()``, not object.__new__
    assert build("2026-01-05", "N") == Cell("2026-01-05", "N", None)
    assert type(build("2026-01-05", 0)) is Cell
