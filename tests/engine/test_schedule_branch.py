"""What-if branches: fork, diff, apply(branch); generation as one undoable step."""

from __future__ import annotations

import pytest
from _schedule_helpers import assert_consistent, make_problem, snapshot

from rtsched_widgets.engine.schedule import Schedule


@pytest.fixture
def s() -> Schedule:
    s = Schedule(make_problem(), user="alice")
    s.assign("W04", "2026-01-05", 0)
    s.assign("W05", "2026-01-09", "N")
    return s


def test_fork_is_independent(s: Schedule) -> None:
    b = s.fork(user="analyst")
    before = snapshot(s)
    seen = []
    s.events.subscribe("*", seen.append)
    assert b.assign("W06", "2026-01-13", 0).ok
    assert b.unassign("2026-01-05", 0).ok
    assert snapshot(s) == before and not seen
    assert len(b.oplog) == 2 and b.version == s.version + 2
    assert b.user == "analyst" and b.events is not s.events
    assert_consistent(b)
    diff = s.diff(b)
    assert list(diff.columns) == ["date", "post", "shift", "slot", "this", "other"]
    assert diff[["shift", "this", "other"]].values.tolist() == [
        ["D", "W04", None],
        ["D", None, "W06"],
    ]


def test_apply_branch_is_one_atomic_undoable_step(s: Schedule) -> None:
    b = s.fork()
    b.assign("W06", "2026-01-13", 0)
    b.swap(("2026-01-05", 0), ("2026-01-09", "N"))
    events = []
    s.events.subscribe("bulk_applied", events.append)
    r = s.apply(b)
    assert r.ok and r.kind == "merge" and len(events) == 1
    assert s.diff(b).empty
    assert_consistent(s)
    assert s.apply(b).error == "NO_CHANGE"
    assert s.undo().ok
    assert len(s.diff(b)) == 3


def test_merge_refuses_conflicting_changes_on_both_sides(s: Schedule) -> None:
    b = s.fork()
    b.assign("W06", "2026-01-13", 0)
    s.assign("W07", "2026-01-13", 0)
    before = snapshot(s)
    r = s.apply(b)
    assert r.error == "STALE" and "2026-01-13" in r.message
    assert snapshot(s) == before
    other = Schedule(make_problem())
    with pytest.raises(ValueError, match="fork"):
        s.diff(other)
    assert s.apply(other).error == "MALFORMED"


def test_merge_keeps_my_changes_to_other_cells(s: Schedule) -> None:
    b = s.fork()
    b.assign("W06", "2026-01-13", 0)
    s.assign("W07", "2026-01-17", 0)
    assert s.apply(b).ok
    assert s.core.shift_of[6, 12] == 0 and s.core.shift_of[7, 16] == 0


def test_generate_replaces_roster_as_one_step_with_events(s: Schedule) -> None:
    types = []
    finished = []
    s.events.subscribe("generation_*", lambda e: types.append(e.type))
    s.events.subscribe("generation_finished", finished.append)
    s.assign("W01", "2026-01-20", 0)
    before = s.core.copy()
    r = s.generate(strategy="greedy", time_limit=2, seed=0)
    assert r.ok and r.kind == "generate", r.message
    assert r.details["strategy"] == "greedy"
    assert types[0] == "generation_started" and types[-1] == "generation_finished"
    assert types.count("generation_finished") == 1
    assert finished[0].payload["strategy"] == "greedy"
    assert finished[0].payload["op_id"] == r.op_id
    assert s.core.shift_of[1, 19] == 0  # mandatory assignment kept
    assert s.analytics().coverage > 50
    assert_consistent(s)
    assert s.undo().ok and s.core == before
    assert s.generate(strategy="no-such-thing").error == "MALFORMED"
