"""The store op form of applied schedule ops: a real Schedule's edits (assign, swap, move,
bulk, undo, redo, generation) written to a shared store and replayed in another process give
the same roster."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from multiprocessing.connection import Connection

import numpy as np
import pytest

from rtsched_widgets.collab.store import open_store
from rtsched_widgets.collab.store.codec import apply_targets, op_targets, record_to_op
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.model.synthetic import synthetic

CTX = mp.get_context("fork")


def _replay(url: str, out: Connection) -> None:
    from rtsched_widgets.model.io.native import problem_from_dict

    with open_store(url) as store:
        doc, log = store.load("plan")
    problem = problem_from_dict(doc)
    roster = Roster(problem)
    for entry in log:
        apply_targets(roster, op_targets(entry.op, problem))
    out.send((roster.slots.tobytes(), roster.slots.shape, len(log)))


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_replayed_log_rebuilds_the_roster_in_another_process(
    backend: str, store_url: Callable[[str], str]
) -> None:
    from rtsched_widgets.model.io.native import problem_to_dict

    problem = synthetic(workers=12, days=21, posts=2, seed=3)
    s = Schedule(problem, user="alice", policy=Policy(block_hard=False))
    s.generate(strategy="greedy", seed=0)
    d0 = problem.calendar.start
    day = lambda i: str(np.datetime64(d0) + np.timedelta64(int(i), "D"))  # noqa: E731
    full = [(int(d), int(p)) for d, p in np.argwhere(s.core.count > 0)]
    da, pa = full[0]
    core = s.core
    db, pb, dc, pc = next(
        (b[0], b[1], c[0], c[1])
        for b in full[1:]
        for c in full[1:]
        if b[0] != c[0]
        and da not in (b[0], c[0])
        and core.shift_of[core.slots[b[0], b[1], 0], c[0]] < 0
        and core.shift_of[core.slots[c[0], c[1], 0], b[0]] < 0
    )
    free_worker = int(np.flatnonzero(s.core.shift_of[:, da] < 0)[0])
    results = [
        s.unassign(day(da), pa, force=True),
        s.assign(problem.workers[free_worker].id, day(da), pa, force=True, user="bob"),
        s.swap((day(db), pb), (day(dc), pc), force=True),
        s.bulk(
            [
                {"op": "unassign", "date": day(db), "post": pb},
                {"op": "unassign", "date": day(dc), "post": pc},
            ],
            force=True,
        ),
    ]
    assert all(r.ok for r in results), [(i, r.message) for i, r in enumerate(results)]
    assert s.undo("alice", force=True).ok
    assert s.redo("alice", force=True).ok
    url = store_url(backend)
    with open_store(url) as store:
        store.create("plan", problem_to_dict(problem))
        for rec in s.oplog:
            store.append("plan", record_to_op(rec), rec.version - 1)
        assert store.head("plan") == s.version
    reader, writer = CTX.Pipe(duplex=False)
    child = CTX.Process(target=_replay, args=(url, writer))
    child.start()
    assert reader.poll(120)
    data, shape, n = reader.recv()
    child.join(30)
    replica = np.frombuffer(data, dtype=s.core.slots.dtype).reshape(shape)
    assert n == s.version
    assert np.array_equal(replica, s.core.slots)


def test_op_that_does_not_fit_the_problem_is_refused() -> None:
    problem = synthetic(workers=4, days=7, posts=1, seed=0)
    op = {"format": 1, "op_id": "x-1", "cells": [["2030-01-01", 0, 0, "W9"]]}
    with pytest.raises(ValueError, match=r"cells\[0\].*another problem"):
        op_targets(op, problem)
    with pytest.raises(ValueError, match="format 2 is not 1"):
        op_targets({"format": 2, "cells": []}, problem)
