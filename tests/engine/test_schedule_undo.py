"""Per-user undo/redo, conflicts with other users' edits, history frame and audit export."""

from __future__ import annotations

import json

import pytest
from _schedule_helpers import assert_consistent, make_problem, snapshot

from rtsched_widgets.engine.history import read_audit
from rtsched_widgets.engine.schedule import Policy, Schedule


@pytest.fixture
def s() -> Schedule:
    return Schedule(make_problem(), user="alice")


def test_undo_reverts_my_last_edit_not_my_colleagues(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)  # alice
    s.assign("W05", "2026-01-09", 0, user="bob")
    events = []
    s.events.subscribe("undone", events.append)
    r = s.undo()  # alice
    assert r.ok and r.kind == "undo"
    assert s.core.shift_of[4, 4] == -1 and s.core.shift_of[5, 8] == 0
    assert events[0].payload["undoes"] == s.oplog.records()[0].op_id
    assert s.undo().error == "NOTHING_TO_UNDO"
    assert s.undo(user="bob").ok and s.assignments.empty
    assert s.redo(user="alice").ok and s.core.shift_of[4, 4] == 0
    assert s.redo(user="alice").error == "NOTHING_TO_REDO"
    assert_consistent(s)


def test_undo_of_a_cell_changed_since_by_someone_else_is_refused_with_who(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)  # alice
    s.assign("W05", "2026-01-05", 0, user="bob")  # replaces W04
    before = snapshot(s)
    r = s.undo()
    assert r.error == "UNDO_CONFLICT"
    assert "bob" in r.message and "W05" in r.message and "2026-01-05" in r.message
    assert r.details["conflicts"]
    assert snapshot(s) == before
    # once bob undoes his change, alice's undo is valid again
    assert s.undo(user="bob").ok
    assert s.undo().ok and s.assignments.empty


def test_undo_that_would_break_a_hard_rule_needs_force(s: Schedule) -> None:
    s.assign("W02", "2026-01-05", 0)  # alice
    s.unassign("2026-01-05", 0)  # alice takes W02 out again
    s.assign("W03", "2026-01-05", "N", user="bob")  # W03 is incompatible with W02
    r = s.undo()  # would put W02 back next to W03
    assert r.error == "HARD_VIOLATION"
    assert s.undo(force=True).ok
    assert s.score().hard >= 1


def test_my_own_undo_is_a_pure_rollback_even_when_it_brings_violations_back(s: Schedule) -> None:
    assert s.assign("W01", "2026-01-20", 0).ok  # fills W01's mandatory day
    hard = s.score().hard
    r = s.undo()  # takes the mandatory assignment out again: allowed, reported
    assert r.ok and not r.forced
    assert any(v.severity == "hard" for v in r.introduced)
    assert s.score().hard == hard + 1
    assert s.redo().ok and s.score().hard == hard


def test_one_undo_step_per_bulk(s: Schedule) -> None:
    s.bulk(
        [
            {"op": "assign", "worker": "W04", "date": "2026-01-05", "post": 0},
            {"op": "assign", "worker": "W05", "date": "2026-01-06", "post": 0},
        ]
    )
    assert s.undo().ok and s.assignments.empty
    assert s.undo().error == "NOTHING_TO_UNDO"


def test_history_frame_and_bounded_memory() -> None:
    s = Schedule(make_problem(), policy=Policy(max_history=3))
    for day in range(1, 7):
        s.assign("W04", f"2026-01-{5 * day:02d}", 0)
    frame = s.history_frame()
    assert s.history.equals(frame)
    assert len(frame) == 3 and list(frame["version"]) == [4, 5, 6]
    assert s.oplog.dropped == 3
    # undo records are kept too, so each undo pushes one more old op out of reach
    assert sum(s.undo().ok for _ in range(5)) == 2
    assert s.undo().error == "NOTHING_TO_UNDO"


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_audit(s: Schedule, tmp_path, fmt: str) -> None:
    s.assign("W04", "2026-01-05", 0)
    s.assign("=HYPERLINK()", "2026-01-06", 0)  # refused: never in the trail
    s.swap(("2026-01-05", 0), ("2026-01-06", 0), user="bob")
    s.undo(user="bob")
    path = s.export_audit(tmp_path / f"audit.{fmt}", format=fmt)
    back = read_audit(path)
    assert list(back["kind"]) == ["assign", "swap", "undo"]
    assert list(back["user"]) == ["alice", "bob", "bob"]
    assert back["after"].iloc[0] == {("2026-01-05", 0, 0): "W04"}
    if fmt == "json":
        json.loads(path.read_text())
