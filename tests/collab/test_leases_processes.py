"""Locks and presence across processes: a schedule opened on a store publishes, on its own bus,
the locks, releases, expiries, joins, leaves and selections of a schedule of another process
on the same store (SQLite file, PostgreSQL database), live through the store's change feed; an
edit on a cell locked by the other process is refused with the holder's name.

The other process is forked and driven step by step through a pipe; the test process polls its
bus with a generous timeout (no speed is asserted here: see benchmarks/).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import pytest
from _collab_helpers import problem, wait_until

from rtsched_widgets.engine.events import Event
from rtsched_widgets.engine.schedule import Schedule

# spawn, not fork: this process runs change-feed threads, and a fork taken while one of them
# holds a lock (a store's, the event bus's) leaves that lock held forever in the child.
CTX = mp.get_context("spawn")
PROCESS_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
WAIT = 30.0
LEASE_EVENTS = ["lock_acquired", "lock_released", "user_joined", "user_left", "presence"]


class Recorder:
    """Every lease event of a schedule's bus, thread safe."""

    def __init__(self, s: Schedule) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._sub = s.events.subscribe(LEASE_EVENTS, self._add)

    def _add(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    def find(self, type_: str, **payload: Any) -> list[Event]:
        with self._lock:
            events = list(self._events)
        return [
            e
            for e in events
            if e.type == type_ and all(e.payload.get(k) == v for k, v in payload.items())
        ]

    def seen(self, type_: str, **payload: Any) -> bool:
        return bool(self.find(type_, **payload))


def _free_worker(s: Schedule, date: str, post: int) -> str:
    for w in s.problem.workers:
        if s.preview({"op": "assign", "worker": w.id, "date": date, "post": post}).ok:
            return w.id
    raise AssertionError(f"no worker can take {date}/{post}")


def _alice(url: str, script: str, worker: str, pipe: Connection) -> None:
    """The other process: a schedule of user alice following ``script``, step by step."""
    s = Schedule(problem(), store=url, user="alice")
    own = Recorder(s)
    date = s._iso[4]
    if script == "lock_then_release":
        s.collab.presence.select("alice", {"date": date, "post": 0})
        pipe.send(s.collab.lock("cell", date, 0))
        pipe.recv()
        pipe.send(s.collab.unlock("cell", date, 0))
        pipe.recv()
        s.close()
        pipe.send("closed")
    elif script == "lock_expires":
        pipe.send(s.collab.lock("row", date, ttl=1.5))
        # alive and idle: the lease expires; this process's own bus reports it too
        pipe.send(wait_until(lambda: own.seen("lock_released", target=f"row:{date}"), WAIT))
        pipe.recv()
        s.close()
    elif script == "vanish":
        s.collab.presence.ttl = 1.5
        pipe.send(s.collab.lock("worker", worker, ttl=1.5))
        pipe.recv()  # never answered: killed with SIGKILL while holding the lock
    pipe.close()


def _start(url: str, script: str, worker: str = "") -> tuple[Any, Connection]:
    mine, theirs = CTX.Pipe()
    child = CTX.Process(target=_alice, args=(url, script, worker, theirs))
    child.start()
    theirs.close()
    return child, mine


def _alice_locks(seen: Recorder, url: str, script: str, target: str, worker: str = "") -> Any:
    """Start the other process on ``script`` and wait until its lock on ``target`` is
    acknowledged there and published here; the child and the pipe."""
    child, pipe = _start(url, script, worker)
    try:
        assert pipe.poll(WAIT) and pipe.recv() is True
        assert wait_until(lambda: seen.seen("lock_acquired", target=target, user="alice"), WAIT)
    except BaseException:
        _end(child)
        raise
    return child, pipe


def _feed_state(s: Schedule) -> str:
    """What the schedule's change feed is doing, for a failure message: its thread, the
    errors it met and every thread's stack (a stalled feed shows where it waits)."""
    import faulthandler
    import tempfile

    watch = s.collab.watch
    with tempfile.TemporaryFile("w+") as out:
        faulthandler.dump_traceback(out, all_threads=True)
        out.seek(0)
        stacks = out.read()
    return (
        f"feed thread alive: {watch._thread.is_alive()}; errors: {watch.errors!r}; "
        f"locks in the store: {s.collab.locks()!r}\n{stacks}"
    )


def _end(child: Any) -> None:
    child.join(WAIT)
    if child.is_alive():  # a failed step left it waiting: do not leave it behind
        child.kill()
        child.join(WAIT)


@pytest.fixture
def bob(request: pytest.FixtureRequest, store_url: Callable[[str], str]) -> Any:
    url = store_url(request.param)
    s = Schedule(problem(), store=url, user="bob")
    yield url, s, Recorder(s)
    s.close()


@pytest.mark.parametrize("bob", PROCESS_BACKENDS, indirect=True)
def test_another_processs_lock_selection_release_and_leave_reach_this_bus(bob: Any) -> None:
    url, s, seen = bob
    date = s._iso[4]
    target = f"cell:{date}:0"
    worker = _free_worker(s, date, 0)
    child, pipe = _alice_locks(seen, url, "lock_then_release", target)
    try:
        event = seen.find("lock_acquired", target=target)[0]
        assert dict(event.payload) == {
            "target": target,
            "kind": "cell",
            "user": "alice",
            "remote": True,
        }
        assert wait_until(lambda: seen.seen("user_joined", user="alice", remote=True), WAIT)
        assert wait_until(lambda: seen.seen("presence", user="alice"), WAIT)
        assert seen.find("presence", user="alice")[-1].payload["selection"] == {
            "date": date,
            "post": 0,
        }
        assert {"target": target, "kind": "cell", "holder": "alice"}.items() <= (
            s.collab.locks()[0].items()
        )

        before = s.version
        refused = s.assign(worker, date, 0)
        assert not refused.ok and refused.error == "LOCKED"
        assert "locked by alice" in refused.message
        assert s.version == before
        assert not seen.seen("lock_released")

        pipe.send("release")
        assert pipe.poll(WAIT) and pipe.recv() is True
        released = wait_until(lambda: seen.seen("lock_released", target=target, user="alice"), WAIT)
        assert released, _feed_state(s)
        assert len(seen.find("lock_acquired", target=target)) == 1  # published once
        assert s.assign(worker, date, 0).ok

        pipe.send("close")
        assert pipe.poll(WAIT) and pipe.recv() == "closed"
        assert wait_until(lambda: seen.seen("user_left", user="alice", remote=True), WAIT)
    finally:
        _end(child)
    assert child.exitcode == 0


@pytest.mark.parametrize("bob", PROCESS_BACKENDS, indirect=True)
def test_an_expired_lock_is_released_on_every_process(bob: Any) -> None:
    url, s, seen = bob
    date = s._iso[4]
    target = f"row:{date}"
    worker = _free_worker(s, date, 1)
    child, pipe = _alice_locks(seen, url, "lock_expires", target)
    try:
        assert wait_until(lambda: seen.seen("lock_released", target=target, user="alice"), WAIT)
        # the holder's own process saw the expiry on its bus too
        assert pipe.poll(WAIT) and pipe.recv() is True
        assert s.collab.locks() == []
        assert s.assign(worker, date, 1).ok
        pipe.send("close")
    finally:
        _end(child)
    assert child.exitcode == 0


@pytest.mark.parametrize("bob", PROCESS_BACKENDS, indirect=True)
def test_a_vanished_processs_lock_and_presence_expire_with_events(bob: Any) -> None:
    url, s, seen = bob
    wid = _free_worker(s, s._iso[10], 0)
    target = f"worker:{wid}"
    child, _pipe = _alice_locks(seen, url, "vanish", target, wid)  # kept open until killed
    try:
        assert wait_until(lambda: seen.seen("user_joined", user="alice"), WAIT)
        refused = s.assign(wid, s._iso[10], 0)
        assert refused.error == "LOCKED" and "locked by alice" in refused.message
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    finally:
        _end(child)
    assert child.exitcode == -signal.SIGKILL
    assert wait_until(lambda: seen.seen("lock_released", target=target, user="alice"), WAIT)
    assert wait_until(lambda: seen.seen("user_left", user="alice"), WAIT)
    assert s.assign(wid, s._iso[10], 0).ok
