"""Several processes editing one schedule through ``Schedule(problem, store=url)``: they
converge to identical rosters and lose no acknowledged edit; a process killed with SIGKILL in
the middle of a stream of edits leaves every acknowledged edit in the store.

Children are forked (the parent has everything imported already) and each opens its own
Schedule on the store, as separate kernels would.
"""

from __future__ import annotations

import multiprocessing as mp
import random
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import pytest
from _collab_helpers import digest, kill_after_acks, problem, wait_until

from rtsched_widgets.collab.store import open_store
from rtsched_widgets.engine.schedule import Policy, Schedule

CTX = mp.get_context("fork")
PROCESS_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _random_op(rng: random.Random, s: Schedule) -> dict[str, Any]:
    p = s.problem
    d = rng.randrange(p.n_days)
    post = rng.randrange(p.n_shifts)
    if rng.random() < 0.25:
        return {"op": "unassign", "date": s._iso[d], "post": post, "slot": 0}
    w = p.workers[rng.randrange(p.n_workers)].id
    return {"op": "assign", "worker": w, "date": s._iso[d], "post": post, "slot": 0}


def _editor(url: str, name: str, n: int, go: Any, done: Any, out: Connection) -> None:
    s = Schedule(problem(), store=url, user=name, policy=Policy(block_hard=False))
    rng = random.Random(name)
    go.wait()
    acked: list[tuple[int, str, list[Any]]] = []
    tries = 0
    while len(acked) < n and tries < 20 * n:
        tries += 1
        r = s.apply(_random_op(rng, s))
        if r.ok:
            assert r.op_id is not None
            acked.append((r.version, r.op_id, [list(c) for c in r.cells]))
    out.send({"acked": acked})
    done.wait()  # every editor finished: now wait for the feed to bring everything in
    head = open_store(url).head(s.id)
    wait_until(lambda: s.version >= head, 60)
    out.send(
        {
            "version": s.version,
            "digest": digest(s),
            "ops": list(s.history["op_id"]),
            "users": list(s.history["user"]),
        }
    )
    s.close()


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_two_processes_converge_and_lose_no_acknowledged_edit(
    backend: str, store_url: Callable[[str], str]
) -> None:
    url, n = store_url(backend), 40
    Schedule(problem(), store=url).close()  # create it once, before the race
    go, done = CTX.Event(), CTX.Event()
    pipes = [CTX.Pipe(duplex=False) for _ in range(2)]
    names = ["alice", "bob"]
    children = [
        CTX.Process(target=_editor, args=(url, names[k], n, go, done, pipes[k][1]))
        for k in range(2)
    ]
    for child in children:
        child.start()
    go.set()
    assert all(pipes[k][0].poll(180) for k in range(2)), "an editor did not finish"
    acked = [pipes[k][0].recv()["acked"] for k in range(2)]
    done.set()
    finals = [pipes[k][0].recv() for k in range(2)]
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    assert all(len(a) == n for a in acked)
    assert finals[0]["version"] == finals[1]["version"] == 2 * n
    assert finals[0]["digest"] == finals[1]["digest"], "replicas diverged"
    assert finals[0]["ops"] == finals[1]["ops"]
    # a fresh replica rebuilt from the store agrees, and holds every acknowledged edit
    fresh = Schedule(problem(), store=url, user="carol")
    try:
        assert digest(fresh) == finals[0]["digest"]
        history = fresh.history.set_index("op_id")
        for k, name in enumerate(names):
            for version, op_id, cells in acked[k]:
                row = history.loc[op_id]
                assert row["version"] == version and row["user"] == name
                assert [list(c) for c in row["cells"]] == cells
    finally:
        fresh.close()


def _edit_until_killed(url: str, run: int, out: Connection) -> None:
    s = Schedule(problem(), store=url, user=f"run{run}", policy=Policy(block_hard=False))
    rng = random.Random(run)
    while True:
        r = s.apply(_random_op(rng, s))
        if r.ok:
            out.send((r.version, r.op_id, [list(c) for c in r.cells]))  # acknowledged


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_a_schedule_killed_mid_stream_keeps_every_acknowledged_edit(
    backend: str, store_url: Callable[[str], str]
) -> None:
    url = store_url(backend)
    Schedule(problem(), store=url).close()
    rng = random.Random(99)
    acked: list[tuple[int, str, list[Any]]] = []
    runs = 12 if backend == "sqlite" else 6
    for run in range(runs):
        acked.extend(kill_after_acks(_edit_until_killed, (url, run), rng, (1, 4), 0.01))
        reopened = Schedule(problem(), store=url, user="check")
        try:
            history = reopened.history.set_index("op_id")
            for version, op_id, cells in acked:
                assert op_id in history.index, f"run {run}: acknowledged edit {op_id} lost"
                assert history.loc[op_id, "version"] == version
                stored: Any = history.loc[op_id, "cells"]
                assert [list(c) for c in stored] == cells
            assert reopened.version == len(reopened.history)
        finally:
            reopened.close()
    assert len(acked) >= runs


def _edit_and_snapshot_until_killed(url: str, run: int, out: Connection) -> None:
    s = Schedule(
        problem(),
        store=url,
        user=f"snap{run}",
        policy=Policy(block_hard=False),
        session_options={"snapshot_every": 2},  # the session's thread snapshots all the time
    )
    rng = random.Random(1000 + run)
    while True:
        r = s.apply(_random_op(rng, s))
        if r.ok:
            out.send((r.version, r.op_id, [list(c) for c in r.cells]))  # acknowledged
            s.collab.snapshot()  # and one more, on this thread, between edits


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_killed_while_snapshotting_loses_no_acknowledged_edit(
    backend: str, store_url: Callable[[str], str]
) -> None:
    """SIGKILL at random moments of a process that writes a snapshot after nearly every edit:
    reopening from the newest snapshot gives the acknowledged state, the same as a full replay
    of the log."""
    url = store_url(backend)
    Schedule(problem(), store=url).close()
    rng = random.Random(7)
    acked: list[tuple[int, str, list[Any]]] = []
    runs = 15 if backend == "sqlite" else 8
    restored = 0
    for run in range(runs):
        acked.extend(
            kill_after_acks(_edit_and_snapshot_until_killed, (url, run), rng, (2, 8), 0.02)
        )
        opts: dict[str, Any] = {"snapshot_every": 0}
        reopened = Schedule(problem(), store=url, user="check", session_options=opts)
        replayed = Schedule(
            problem(), store=url, user="check2", session_options={"snapshots": False}
        )
        try:
            restored += reopened.collab.restored_from > 0
            history = reopened.history.set_index("op_id")
            for version, op_id, cells in acked:
                assert op_id in history.index, f"run {run}: acknowledged edit {op_id} lost"
                assert history.loc[op_id, "version"] == version
                stored: Any = history.loc[op_id, "cells"]
                assert [list(c) for c in stored] == cells
            assert reopened.version == replayed.version == len(reopened.history)
            assert digest(reopened) == digest(replayed)
            assert reopened.history.equals(replayed.history)
        finally:
            reopened.collab.snapshots = replayed.collab.snapshots = False
            reopened.close()
            replayed.close()
    assert restored == runs, "every reopen started from a snapshot"
    if backend == "sqlite":
        with open_store(url) as s:
            conn = s._conn  # type: ignore[attr-defined]
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
