"""Locks on a cell, a row (date) or a worker, enforced by the engine; released on leave and
on expiry; presence and its events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _collab_helpers import problem, wait_until

from rtsched_widgets.collab.store import Watch
from rtsched_widgets.engine.events import Event
from rtsched_widgets.engine.schedule import Schedule


@pytest.fixture
def s() -> Iterator[Schedule]:
    sched = Schedule(problem(), user="alice")
    sched.collaborate(lock_ttl=30, presence_ttl=30)
    yield sched
    sched.close()


def _two_free(s: Schedule, date: str) -> tuple[str, str]:
    free = [
        w.id
        for w in s.problem.workers
        if s.preview({"op": "assign", "worker": w.id, "date": date, "post": 0}).ok
    ]
    return free[0], free[1]


def test_a_row_lock_refuses_other_users_edits_with_the_holders_name(s: Schedule) -> None:
    events: list[Event] = []
    s.events.subscribe(["lock_acquired", "lock_released"], events.append)
    date = s._iso[3]
    w1, w2 = _two_free(s, date)
    assert s.collab.lock("row", date, user="alice")
    before = s.version
    r = s.assign(w1, date, 1, user="bob")
    assert not r.ok and r.error == "LOCKED" and "locked by alice" in r.message
    assert s.version == before  # nothing applied
    assert s.assign(w1, date, 1, user="alice").ok  # the holder edits freely
    other, _ = _two_free(s, s._iso[20])
    assert s.assign(other, s._iso[20], 0, user="bob").ok  # other dates are free
    assert s.collab.unlock("row", date, user="alice")
    assert s.assign(w2, date, 0, user="bob").ok
    assert [e.type for e in events] == ["lock_acquired", "lock_released"]
    assert events[0].payload["target"] == f"row:{date}"


def test_cell_and_worker_locks(s: Schedule) -> None:
    date = s._iso[5]
    w1, w2 = _two_free(s, date)
    assert s.collab.lock("cell", date, 0, user="alice")
    assert not s.collab.lock("cell", date, 0, user="bob")  # one holder per target
    assert s.assign(w1, date, 0, user="bob").error == "LOCKED"
    assert s.assign(w1, date, 1, user="bob").ok  # the other post of the date is free
    assert s.collab.lock("worker", w2, user="alice")
    r = s.assign(w2, s._iso[9], 0, user="bob")
    assert r.error == "LOCKED" and f"worker {w2}" in r.message and "alice" in r.message
    with pytest.raises(ValueError, match="kind"):
        s.collab.lock("table", date, user="alice")
    with pytest.raises(ValueError, match="worker"):
        s.collab.lock("worker", "nobody", user="alice")


def test_leaving_releases_the_locks_and_publishes_user_left(s: Schedule) -> None:
    events: list[Event] = []
    s.events.subscribe(["user_joined", "user_left", "lock_released"], events.append)
    date = s._iso[2]
    w1, _ = _two_free(s, date)
    s.collab.presence.join("alice", view_id="v1")
    s.collab.presence.join("alice", view_id="v2")
    assert s.collab.lock("row", date, user="alice")
    assert not s.collab.presence.leave("alice", view_id="v1")  # still a view open
    assert s.assign(w1, date, 0, user="bob").error == "LOCKED"
    assert s.collab.presence.leave("alice", view_id="v2")
    assert s.assign(w1, date, 0, user="bob").ok
    types = [(e.type, e.user) for e in events]
    assert ("user_joined", "alice") in types
    assert ("lock_released", "alice") in types and ("user_left", "alice") in types


def test_locks_and_presence_expire_when_a_client_vanishes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    p = problem()
    short = {"lock_ttl": 1.0, "presence_ttl": 1.0, "heartbeat": 0.1}
    a = Schedule(p, store=url, user="alice", session_options=short)
    assert a.collab.lock_ttl == 1.0
    b = Schedule(p, store=url, user="bob")
    left: list[Event] = []
    b.events.subscribe("user_left", left.append)
    try:
        date = a._iso[6]
        w1, _ = _two_free(b, date)
        assert a.collab.lock("row", date)
        assert wait_until(lambda: "alice" in [u["name"] for u in b.collab.presence.users()])
        b.collab.presence.poll()  # (b's heartbeat polls too, every few seconds)
        assert b.assign(w1, date, 0).error == "LOCKED"
        for _ in range(25):  # the heartbeat keeps alice's leases alive while she is active
            a.collab.presence.touch("alice")
            time.sleep(0.1)
        assert b.assign(w1, date, 0).error == "LOCKED"
        # alice's process vanishes: no leave, no heartbeat
        a.collab._stop.set()
        a.collab._thread.join(5)
        assert wait_until(lambda: b.collab.locks() == [], 5)
        assert b.assign(w1, date, 0).ok
        b.collab.presence.poll()
        assert [e.user for e in left] == ["alice"]
    finally:
        a.close()
        b.close()


def test_selection_is_presence(s: Schedule, store_url: Callable[[str], str]) -> None:
    events: list[Event] = []
    s.events.subscribe("presence", events.append)
    s.collab.presence.join({"identity": {"username": "u1", "display_name": "Ann Lee"}})
    s.collab.presence.select("u1", {"d": 3, "s": 1})
    users = {u["name"]: u for u in s.collab.presence.users()}
    assert users["u1"]["display_name"] == "Ann Lee" and users["u1"]["initials"] == "AL"
    assert users["u1"]["selection"] == {"d": 3, "s": 1}
    assert events[-1].payload == {"user": "u1", "selection": {"d": 3, "s": 1}}


def test_an_expired_lock_is_published_as_released_without_a_store(s: Schedule) -> None:
    events: list[Event] = []
    s.events.subscribe(["lock_acquired", "lock_released"], events.append)
    date = s._iso[8]
    assert s.collab.lock("cell", date, 1, user="alice", ttl=0.3)
    assert [(e.type, e.payload["remote"]) for e in events] == [("lock_acquired", False)]
    assert s.collab.lock("cell", date, 1, user="alice", ttl=0.3)  # a renewal: no event
    assert len(events) == 1
    # nobody renews it: the session's feed notices the expiry and publishes it once
    assert wait_until(lambda: len(events) == 2, 30)
    assert events[1].type == "lock_released"
    assert dict(events[1].payload) == {
        "target": f"cell:{date}:1",
        "kind": "cell",
        "user": "alice",
        "remote": False,
    }
    assert s.collab.locks() == []
    time.sleep(Watch.poll_interval * 2)
    assert len(events) == 2


def test_session_options_need_a_shared_store() -> None:
    with pytest.raises(ValueError, match="session_options"):
        Schedule(problem(), session_options={"lock_ttl": 1.0})


def test_unknown_session_option_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    with pytest.raises(TypeError, match="lock_tll"):
        Schedule(problem(), store=url, session_options={"lock_tll": 1.0})
