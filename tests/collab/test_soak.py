"""A short soak (benchmarks/soak.py runs the million-edit one): 20,000 edits by three users on
a schedule with a bounded history and event bus, alone and replicated to a store with
snapshots. History and events (the schedule's and the process-wide bus's) stay at their bounds,
and after the warm-up neither the memory
Python allocates (tracemalloc, after a collection) nor the number of objects the collector
tracks grows with the edits — counted, not timed. Every bounded buffer (history, event bus,
latency samples) is full before the warm-up ends."""

from __future__ import annotations

import gc
import random
import tracemalloc
from pathlib import Path

import pytest
from _collab_helpers import problem

from rtsched_widgets.collab.store import open_store
from rtsched_widgets.engine.events import global_bus
from rtsched_widgets.engine.latency import LatencyTracker
from rtsched_widgets.engine.schedule import Policy, Schedule

EDITS = 20_000
WARMUP = 6_000
EVERY = 2_000
BOUND = 1_500


def _edit(s: Schedule, rng: random.Random) -> None:
    p = s.problem
    user = f"u{rng.randrange(3)}"
    d, post = rng.randrange(p.n_days), rng.randrange(p.n_shifts)
    x = rng.random()
    if x < 0.08:
        s.undo(user=user)
    elif x < 0.12:
        s.redo(user=user)
    elif x < 0.32:
        s.unassign(s._iso[d], post, 0, user=user)
    elif x < 0.4:
        d2 = rng.randrange(p.n_days)
        s.swap((s._iso[d], post, 0), (s._iso[d2], post, 0), user=user)
    else:
        s.assign(p.workers[rng.randrange(p.n_workers)].id, s._iso[d], post, 0, user=user)


@pytest.mark.parametrize("backend", ["none", "sqlite"])
def test_twenty_thousand_edits_keep_history_events_and_memory_bounded(
    backend: str, tmp_path: Path
) -> None:
    store = None if backend == "none" else f"sqlite:///{tmp_path / 'soak.db'}"
    # snapshots taken on this thread between edits (not by the session's thread), so every
    # checkpoint sees the same state of the process
    options = None if store is None else {"snapshot_every": 0}
    s = Schedule(
        problem(),
        store=store,
        user="u0",
        policy=Policy(block_hard=False, max_history=BOUND, event_history=BOUND),
        session_options=options,
    )
    # the latency tracker keeps the last `window` samples of each op kind (10,000 by default):
    # a smaller window fills within the warm-up, like every other bounded buffer here
    s.latency = LatencyTracker(window=500)
    # every schedule's bus forwards to the process-wide one, which keeps its own bounded
    # history: start it empty, so that it too is full (of this test's events) by the warm-up
    # whatever ran before in the process
    process_wide = global_bus()
    process_wide.clear_history()
    rng = random.Random(0)
    traced: list[int] = []
    objects: list[int] = []
    tracemalloc.start()
    try:
        for i in range(1, EDITS + 1):
            _edit(s, rng)
            if store is not None and i % 1_000 == 0:
                assert s.collab.snapshot() == s.version
            if i % EVERY == 0:
                assert len(s.oplog) <= BOUND
                assert len(s.events.query()) <= BOUND
                if i >= WARMUP:
                    full = process_wide.history_size
                    assert len(process_wide.query(limit=full + 1)) == full
                    gc.collect()
                    traced.append(tracemalloc.get_traced_memory()[0])
                    objects.append(len(gc.get_objects()))
    finally:
        tracemalloc.stop()
        s.close()
    assert len(s.oplog) == BOUND and len(s.events.query()) == BOUND, "both reached their bound"
    assert s.oplog.dropped > 0
    # no trend: the last checkpoints hold no more than the first after the warm-up (a leak of
    # even 20 bytes per edit would add 280 kB over these 14,000 edits)
    base = traced[0]
    assert max(traced) - base < 200_000, [t - base for t in traced]
    assert traced[-1] - base < 100_000, [t - base for t in traced]
    assert max(objects) - objects[0] < 2_000, [n - objects[0] for n in objects]
    if store is not None:
        assert s.collab.restored_from == 0
        with open_store(store) as check:
            assert check.snapshots(s.id)[0] == s.version, "the last one, on close"
