"""Each edit writes its cells' version into ``Schedule.cell_version``, the array the schedule
holds now (the edit path writes it through one view per day), also after the array was
replaced; a plain edit of a wide cell is planned within the cell's maximum (the planner
reads it through one view per day, shared with its branches' planners)."""

from __future__ import annotations

import numpy as np
from _schedule_helpers import make_problem

from rtsched_widgets.engine.schedule import Schedule


def test_edits_write_the_cell_version_array_held_now() -> None:
    p = make_problem()
    iso = p.calendar.iso
    s = Schedule(p, user="ann")
    assert s.assign("W04", iso(0), 0).ok
    assert s.cell_version[0, 0] == s.version
    replaced = np.zeros((p.n_days, p.n_shifts), dtype=np.int64)
    s.cell_version = replaced
    assert s.unassign(iso(0), 0).ok
    assert s.cell_version is replaced and replaced[0, 0] == s.version
    assert int(replaced.sum()) == s.version  # no other cell written
    assert s.assign("W05", iso(1), 1).ok
    assert replaced[1, 1] == s.version


def test_a_wide_cell_takes_workers_up_to_its_maximum_in_branches_too() -> None:
    p = make_problem()  # post N: two slots
    iso = p.calendar.iso
    s = Schedule(p, user="ann")
    b = s.fork()
    for sched in (s, b):
        assert sched.assign("W04", iso(2), 1).ok
        assert sched.assign("W05", iso(2), 1).ok
        third = sched.assign("W06", iso(2), 1)
        assert not third.ok  # the cell is full: no slot left
        assert sched.core.count[2, 1] == 2
        assert sched.cell_version[2, 1] == sched.version  # (the refused edit: no version)
