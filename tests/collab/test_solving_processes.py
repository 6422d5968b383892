"""A live solve in one process, people editing from another, one shared store.

Process A opens the schedule on the store and starts a live solve; process B opens the same
schedule and, once the solver's first merge reached it through the store, edits three cells.
When the run is over both replicas converge and B's three cells hold B's values: the edits
reached the running solver (through A's change feed) and no merge overwrote them.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pytest
from _collab_helpers import digest, problem, wait_until

from rtsched_widgets.collab.store import open_store
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.solve.solving import SOLVER_USER

CTX = mp.get_context("fork")
WAIT = 120  # a safety net for a hung process, not a performance assertion
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _solver_side(url: str, go: Any, out: Connection) -> None:
    s = Schedule(problem(), store=url, user="alice", policy=Policy(block_hard=False))
    job = s.start_solving(strategy="local_search", time_limit=8, seed=0)
    go.set()
    ok = job.wait(WAIT)
    head = open_store(url).head(s.id)
    wait_until(lambda: s.version >= head, WAIT)
    out.send(
        {
            "ended": ok,
            "status": job.result.status if job.result else None,
            "merges": job.result.merges if job.result else 0,
            "fixes": len(job.fix_latency),
            "digest": digest(s),
            "shift_of": s.core.shift_of.tolist(),
        }
    )
    s.close()


def _editor_side(url: str, go: Any, out: Connection) -> None:
    s = Schedule(problem(), store=url, user="bob", policy=Policy(block_hard=False))
    go.wait(WAIT)
    # wait for a merge of the solver to arrive through the store
    wait_until(lambda: any(r.user == SOLVER_USER for r in s.oplog.records()), WAIT)
    p = s.problem
    mine: list[tuple[int, int, int]] = []
    rng = np.random.default_rng(1)
    tries = 0
    while len(mine) < 3 and tries < 200:
        tries += 1
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        if any(d == x[1] for x in mine):
            continue
        if s.core.shift_of[w, d] >= 0:  # take them off
            r = s.unassign(s._iso[d], int(s.core.shift_of[w, d]), worker=p.workers[w].id)
            want = -1
        else:  # put them on a post with room
            post = int(np.argmin(s.core.count[d]))
            r = s.assign(p.workers[w].id, s._iso[d], post, force=True)
            want = post
        if r.ok:
            mine.append((w, d, want))
    out.send({"edits": mine})
    s.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_edits_from_another_process_survive_a_live_solve(backend: str, store_url: Any) -> None:
    url = store_url(backend)
    Schedule(problem(), store=url, user="setup").close()  # create the schedule once
    go = CTX.Event()
    a_out, a_in = CTX.Pipe(duplex=False)
    b_out, b_in = CTX.Pipe(duplex=False)
    a = CTX.Process(target=_solver_side, args=(url, go, a_in))
    b = CTX.Process(target=_editor_side, args=(url, go, b_in))
    a.start()
    b.start()
    try:
        assert b_out.poll(WAIT), "the editor never saw the solver's merges"
        edits = b_out.recv()["edits"]
        assert len(edits) == 3
        assert a_out.poll(WAIT), "the solving process never finished"
        result = a_out.recv()
    finally:
        for proc in (a, b):
            proc.join(WAIT)
            if proc.is_alive():
                proc.kill()
    assert result["ended"] and result["status"] != "failed", result
    assert result["merges"] >= 1
    assert result["fixes"] >= 1  # B's edits reached the solver as fixed cells
    final = np.array(result["shift_of"])
    for w, d, want in edits:
        assert final[w, d] == want, (w, d, want, final[w, d])
    # the store holds the same roster
    check = Schedule(problem(), store=url, user="check")
    assert digest(check) == result["digest"]
    check.close()
