"""The engine on a real NRP instance (multi-slot cells, NRP rules)."""

from __future__ import annotations

import numpy as np
import pytest
from _schedule_helpers import assert_consistent, snapshot

from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.io import load_nrp


@pytest.fixture
def s() -> Schedule:
    s = Schedule(load_nrp("Instance1"), user="planner")
    assert s.generate(strategy="greedy", time_limit=2, seed=0).ok
    return s


def test_multi_slot_edits_and_rollback_on_an_nrp_instance(s: Schedule) -> None:
    p = s.problem
    start = s.core.copy()
    d, sh = (int(x) for x in np.argwhere(s.core.count < p.maximum)[0])
    free = s.core.free_slot(d, sh)
    idle = int(np.flatnonzero(s.core.shift_of[:, d] < 0)[0])
    r = s.assign(p.workers[idle].id, p.calendar.iso(d), sh, force=True)
    assert r.ok and r.cells == ((p.calendar.iso(d), sh, free),)
    assert_consistent(s)
    full = np.argwhere(s.core.count == p.maximum)
    if len(full):
        fd, fs = (int(x) for x in full[0])
        other = int(np.flatnonzero(s.core.shift_of[:, fd] < 0)[0])
        before = snapshot(s)
        assert s.assign(p.workers[other].id, p.calendar.iso(fd), fs).error == "CELL_FULL"
        assert snapshot(s) == before
    w = int(s.core.slots[d, sh, 0])
    r = s.unassign(p.calendar.iso(d), sh, worker=p.workers[w].id, force=True)
    assert r.ok and s.core.shift_of[w, d] == -1
    while s.oplog.undo_candidate("planner").kind != "generate":
        assert s.undo().ok
    assert s.core == start
    assert s.undo().ok and s.core.n_assigned == 0  # the generation itself is one step
    assert s.undo().error == "NOTHING_TO_UNDO"
    assert_consistent(s)


def test_validation_tables_on_an_nrp_instance(s: Schedule) -> None:
    v = s.validate()
    assert len(v) == len(s.validator.violation_list())
    cov = s.coverage()
    assert (cov["filled"] <= cov["maximum"]).all()
    a = s.analytics()
    assert a.required == int(s.problem.required.sum())
    assert 0 <= a.coverage <= 100
