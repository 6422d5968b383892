"""Locks in the grid: the live locks of the schedule's session reach every view (snapshot, then
a ``locks`` message whenever a lock is taken, released or expires); an edit on a cell locked by
someone else is refused with the holder's name and changes nothing."""

from __future__ import annotations

import time
from typing import Any

from rtsched_widgets.widgets.grid import ScheduleGrid, lock_entries
from tests.widgets._problems import make_problem, make_schedule
from tests.widgets.test_grid_messages import edit, open_grid, state_of

JAN = "2026-01-"


def locks_sent(channel: Any) -> list[list[list[Any]]]:
    return [m["locks"] for m in channel.take() if m["type"] == "locks"]


def test_lock_targets_become_indices_and_unknown_ones_are_left_out():
    problem = make_problem()
    live = [
        {"target": "cell:2026-01-07:1", "holder": "bob"},
        {"target": "row:2026-01-06", "holder": "carol"},
        {"target": "worker:W03", "holder": "bob"},
        {"target": "worker:W99", "holder": "bob"},  # no such worker
        {"target": "cell:2026-01-07:5", "holder": "bob"},  # no such post
        {"target": "row:2031-01-01", "holder": "bob"},  # outside the calendar
        {"target": "table:x", "holder": "bob"},
        {"target": "row:2026-01-08", "holder": None},
    ]
    assert lock_entries(problem, live) == [
        ["cell", 2, 1, "bob"],
        ["row", 1, -1, "carol"],
        ["worker", 3, -1, "bob"],
    ]


def test_snapshot_carries_the_live_locks_and_every_change_reaches_the_views(fake_comms):
    s = make_schedule()
    session = s.collaborate()
    assert session.lock("row", JAN + "06", user="carol")
    grid, channel = open_grid(fake_comms, s)

    channel.receive({"type": "hello", "view_id": "view-a", "user": "alice"})
    (snap,) = channel.take()
    assert snap["locks"] == [["row", 1, -1, "carol"]]

    assert session.lock("cell", JAN + "07", 0, user="bob")
    assert locks_sent(channel) == [[["cell", 2, 0, "bob"], ["row", 1, -1, "carol"]]]
    assert session.lock("worker", "W04", user="bob")
    assert locks_sent(channel) == [
        [["cell", 2, 0, "bob"], ["row", 1, -1, "carol"], ["worker", 4, -1, "bob"]]
    ]
    assert session.unlock("row", JAN + "06", user="carol")
    assert locks_sent(channel) == [[["cell", 2, 0, "bob"], ["worker", 4, -1, "bob"]]]
    # renewing a held lock changes nothing the views show: no message
    assert session.lock("worker", "W04", user="bob")
    assert locks_sent(channel) == []
    # bob leaves: his locks go, and the views hear it once
    session.presence.leave("bob")
    assert locks_sent(channel) == [[]]
    assert grid.locks == []
    grid.close()


def test_a_lock_from_another_process_arrives_as_an_event_and_its_expiry_is_noticed(fake_comms):
    s = make_schedule()
    session = s.collaborate()
    grid, channel = open_grid(fake_comms, s)
    # another process took a lock: the store holds it and the bus reports it (no local call)
    assert session.store.acquire_lock(session.schedule_id, "cell:2026-01-08:1", "dave", 0.4)
    s.events.publish(
        "lock_acquired", {"target": "cell:2026-01-08:1", "kind": "cell", "user": "dave"}, "dave"
    )
    assert locks_sent(channel) == [[["cell", 3, 1, "dave"]]]
    # nobody renews it and nothing publishes its expiry: the grid's timer notices
    seen: list[list[list[Any]]] = []
    deadline = time.monotonic() + 30
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = locks_sent(channel)
    assert seen == [[]]
    grid.close()


def test_an_edit_on_a_cell_locked_by_someone_else_is_refused_with_their_name(fake_comms):
    s = make_schedule()
    session = s.collaborate()
    grid, channel = open_grid(fake_comms, s)
    channel.receive({"type": "hello", "view_id": "view-a", "user": "alice"})
    assert session.lock("cell", JAN + "07", 1, user="bob")
    channel.take()
    before = state_of(grid)

    channel.receive(edit({"k": "assign", "w": 2, "d": 2, "s": 1, "slot": 0}))

    (reply,) = channel.take()
    assert reply["type"] == "reply" and reply["ok"] is False
    assert reply["code"] == "LOCKED"
    assert "locked by bob" in reply["message"]
    assert state_of(grid) == before
    # her own lock does not stop her
    assert session.lock("cell", JAN + "08", 1, user="alice")
    channel.take()
    channel.receive(edit({"k": "assign", "w": 2, "d": 3, "s": 1, "slot": 0}, request_id="r2"))
    replies = [m for m in channel.take() if m["type"] == "reply"]
    assert replies[0]["ok"] is True
    grid.close()


def test_a_grid_without_a_session_sends_no_locks(fake_comms):
    grid, channel = open_grid(fake_comms, make_schedule())
    channel.receive({"type": "hello", "view_id": "view-a"})
    (snap,) = channel.take()
    assert snap["locks"] == []
    assert grid.sync_locks() is None
    assert isinstance(grid, ScheduleGrid)
    grid.close()
