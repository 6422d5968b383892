"""Every grid of one schedule follows each edit by comparing only the edit's cells, and still
ends up identical to a full comparison; a change that names no cells is found by comparing all.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from rtsched_widgets.widgets.grid import ScheduleGrid
from tests.widgets._problems import make_schedule
from tests.widgets.test_grid_messages import edit, open_grid


def patches(channel: Any) -> list[dict[str, Any]]:
    return [m for m in channel.take() if m["type"] == "patch"]


def assert_mirrors(grid: ScheduleGrid) -> None:
    """The grid's copy of the slots and pins equals the schedule's (nothing left unsent)."""
    fresh = ScheduleGrid(grid.schedule)
    try:
        assert np.array_equal(grid._mirror.slots, grid.schedule.core.slots)
        assert np.array_equal(grid._mirror.pins, fresh._mirror.pins)
    finally:
        fresh.close()


def test_edits_through_one_grid_patch_every_grid_with_just_the_edited_cells(fake_comms):
    s = make_schedule()
    ga, ca = open_grid(fake_comms, s)
    gb, cb = open_grid(fake_comms, s)
    ca.receive(edit({"k": "assign", "w": 2, "d": 1, "s": 0, "slot": 0}))
    ca.receive(edit({"k": "assign", "w": 3, "d": 2, "s": 1, "slot": 0}, request_id="r2"))
    pa, pb = patches(ca), patches(cb)
    assert [p["c"] for p in pa] == [p["c"] for p in pb] == [[[1, 0, [2], 0]], [[2, 1, [3, -1], 0]]]
    # both grids carry the same violation changes (coverage gaps filled)
    assert [len(p.get("vr", [])) for p in pa] == [len(p.get("vr", [])) for p in pb]
    assert any(p.get("vr") for p in pb)
    # a bulk swap and a move, then undo from Python: still only the cells touched
    ca.receive(
        edit(
            {
                "k": "bulk",
                "ops": [
                    {"k": "move", "a": [1, 0, 0], "b": [3, 0]},
                    {"k": "assign", "w": 4, "d": 5, "s": 1, "slot": 1},
                ],
            },
            request_id="r3",
        )
    )
    (p3,) = patches(cb)
    assert sorted((c[0], c[1]) for c in p3["c"]) == [(1, 0), (3, 0), (5, 1)]
    s.undo(user="alice")
    (p4,) = patches(cb)
    assert sorted((c[0], c[1]) for c in p4["c"]) == [(1, 0), (3, 0), (5, 1)]
    patches(ca)
    for g in (ga, gb):
        assert_mirrors(g)
        assert g.patch_version == 4
    # a mandatory day placed from Python arrives pinned in both
    s.assign("W01", "2026-01-12", 0)
    (pa5,), (pb5,) = patches(ca), patches(cb)
    assert pa5["c"] == pb5["c"] == [[7, 0, [1], 1]]
    ga.close()
    gb.close()


def test_a_change_that_names_no_cells_is_found_by_comparing_every_cell(fake_comms):
    s = make_schedule()
    grid, channel = open_grid(fake_comms, s)
    s.core.place(3, 4, 0, 0)  # behind the engine's back: no event names the cell
    s.events.publish("generation_finished", {}, "alice")
    (patch,) = patches(channel)
    assert patch["c"] == [[4, 0, [3], 0]]
    assert_mirrors(grid)
    grid.close()


def test_a_change_from_another_thread_during_a_grid_edit_reaches_the_views(fake_comms):
    s = make_schedule()
    grid, channel = open_grid(fake_comms, s)
    holding = threading.Event()

    def other_thread() -> None:
        with s._lock:  # the grid's edit waits for the schedule meanwhile
            holding.set()
            time.sleep(0.2)
            assert s.assign("W02", "2026-01-15", 0, user="carol").ok

    worker = threading.Thread(target=other_thread)
    worker.start()
    holding.wait(10)
    # bob's edit of another cell arrives while the other thread holds the schedule
    channel.receive(edit({"k": "assign", "w": 3, "d": 9, "s": 1, "slot": 0}))
    worker.join(10)
    sent = channel.take()
    patches_sent = [m for m in sent if m["type"] == "patch"]
    # the other thread's change has a patch of its own, sent before bob's edit is answered
    assert patches_sent[0]["c"] == [[10, 0, [2], 0]]
    assert patches_sent[1]["c"] == [[9, 1, [3, -1], 0]]
    assert [m["type"] for m in sent][-1] == "reply"
    assert_mirrors(grid)
    grid.close()
