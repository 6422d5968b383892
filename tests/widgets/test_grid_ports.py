"""The widgets' seams: a Schedule provides every member of ScheduleView, anything else is refused
by name; a grid's violations after random edits (through its views, from Python, undone) equal
those of a grid built afresh on the same schedule."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.ports import EditPolicy, ScheduleView, require_schedule
from tests.widgets._problems import make_schedule
from tests.widgets.test_grid_messages import edit, open_grid


def test_a_schedule_provides_what_the_widgets_use_and_other_objects_are_refused():
    s = make_schedule()
    assert isinstance(s, ScheduleView)
    assert require_schedule(s) is s
    policy: EditPolicy = s.policy
    assert policy.allow_force is True
    for other in (object(), s.problem, s.core, "schedule"):
        assert not isinstance(other, ScheduleView)
        with pytest.raises(TypeError, match="schedule"):
            require_schedule(other)


def shown(grid: ScheduleGrid) -> Counter[tuple[Any, ...]]:
    """The violations a grid's views hold, without their ids (a multiset of rows)."""
    snap = grid.snapshot("probe")
    return Counter(tuple(row[1:]) for row in snap["viol"])


def random_op(rng: random.Random, n_workers: int, n_days: int) -> dict[str, Any]:
    d, s = rng.randrange(n_days), rng.randrange(2)
    slot = 0 if s == 0 else rng.randrange(2)
    kind = rng.choice(["assign", "assign", "assign", "unassign", "move", "swap"])
    if kind == "assign":
        return {"k": "assign", "w": rng.randrange(n_workers), "d": d, "s": s, "slot": slot}
    if kind == "unassign":
        return {"k": "unassign", "d": d, "s": s, "slot": slot}
    b = [rng.randrange(n_days), rng.randrange(2)]
    if kind == "swap":
        return {"k": "swap", "a": [d, s, slot], "b": [*b, 0]}
    return {"k": "move", "a": [d, s, slot], "b": b}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_violations_after_random_edits_equal_those_of_a_fresh_grid(fake_comms, seed):
    rng = random.Random(seed)
    s = make_schedule()
    grid, channel = open_grid(fake_comms, s)
    other, _ = open_grid(fake_comms, s)  # follows the same edits through the event bus
    p = s.problem
    for i in range(120):
        roll = rng.random()
        if roll < 0.75:
            force = rng.random() < 0.3
            op = random_op(rng, p.n_workers, p.n_days)
            channel.receive(edit(op, request_id=f"r{i}", force=force))
        elif roll < 0.85:
            w = p.workers[rng.randrange(p.n_workers)].id
            s.assign(w, p.calendar.iso(rng.randrange(p.n_days)), 0, force=True)
        elif roll < 0.9:
            s.undo(user="alice")
        else:
            channel.receive({"type": "undo", "view_id": "view-a", "request_id": f"u{i}"})
        channel.take()
    # patched from results (grid) and from event payloads (other), never re-diffed: a full
    # comparison finds nothing left to send, and a grid built now shows the same violations
    assert grid.sync() is None and other.sync() is None
    fresh = ScheduleGrid(s)
    try:
        assert shown(grid) == shown(fresh)
        assert shown(other) == shown(fresh)
        assert len(shown(fresh)) > 0  # the edits left violations to compare
    finally:
        fresh.close()
