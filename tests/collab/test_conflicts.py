"""Per-cell versions and the conflict policies: reject, last_writer_wins, manual."""

from __future__ import annotations

import pytest
from _collab_helpers import problem

from rtsched_widgets.engine.events import Event
from rtsched_widgets.engine.schedule import Policy, Schedule


def _shared(conflicts: str) -> Schedule:
    s = Schedule(problem(), user="alice", policy=Policy(conflicts=conflicts, block_hard=False))
    s.collaborate()
    return s


def _race(s: Schedule) -> tuple[int, str, str, str]:
    """alice and bob both saw version v; alice writes cell (date, 0) first."""
    date = s._iso[4]
    seen = s.version
    w_alice, w_bob = s.problem.workers[0].id, s.problem.workers[1].id
    assert s.assign(w_alice, date, 0, user="alice", base_version=seen).ok
    return seen, date, w_alice, w_bob


def test_reject_refuses_a_stale_edit_and_shows_the_current_value() -> None:
    s = _shared("reject")
    seen, date, w_alice, w_bob = _race(s)
    before = s.version
    r = s.assign(w_bob, date, 0, user="bob", base_version=seen)
    assert not r.ok and r.error == "STALE"
    assert w_alice in r.message and "reload" in r.message
    assert r.details["current"][0]["current"] == [w_alice]
    assert r.details["current"][0]["by"] == "alice"
    assert s.version == before
    # fresh edits pass; other cells are not stale
    assert s.assign(w_bob, date, 0, user="bob", base_version=s.version).ok
    assert s.cell_version[4, 0] == s.version
    s.close()


def test_last_writer_wins_applies_the_stale_edit() -> None:
    s = _shared("last_writer_wins")
    seen, date, _, w_bob = _race(s)
    r = s.assign(w_bob, date, 0, user="bob", base_version=seen)
    assert r.ok and s.roster().loc[w_bob, date] == s.problem.shift_types[0].id
    assert list(s.history["user"]) == ["alice", "bob"]
    s.close()


def test_manual_queues_the_conflict_for_a_person_to_accept_or_reject() -> None:
    s = _shared("manual")
    events: list[Event] = []
    s.events.subscribe(["conflict_detected", "conflict_resolved"], events.append)
    seen, date, w_alice, w_bob = _race(s)
    r = s.assign(w_bob, date, 0, user="bob", base_version=seen)
    assert r.error == "CONFLICT_QUEUED"
    cid = r.details["conflict_id"]
    frame = s.collab.conflicts.to_frame()
    assert list(frame["id"]) == [cid] and frame["user"].iloc[0] == "bob"
    assert s.roster().loc[w_alice, date] == s.problem.shift_types[0].id  # nothing applied yet
    result = s.collab.resolve(cid, accept=True, user="carol")
    assert result.ok and s.roster().loc[w_bob, date] == s.problem.shift_types[0].id
    assert s.history["user"].iloc[-1] == "bob"  # the author of the edit, accepted by carol
    assert s.collab.conflicts.to_frame().empty
    with pytest.raises(ValueError, match="already accepted by carol"):
        s.collab.resolve(cid, accept=True)
    # a second conflict, rejected: nothing changes
    seen2 = s.version
    assert s.assign(w_alice, s._iso[6], 1, user="alice", base_version=seen2).ok
    r2 = s.assign(w_bob, s._iso[6], 1, user="bob", base_version=seen2)
    version = s.version
    assert s.collab.resolve(r2.details["conflict_id"], accept=False, user="carol") is None
    assert s.version == version
    assert [(e.type, e.payload.get("status")) for e in events] == [
        ("conflict_detected", None),
        ("conflict_resolved", "accepted"),
        ("conflict_detected", None),
        ("conflict_resolved", "rejected"),
    ]
    with pytest.raises(KeyError, match="no conflict"):
        s.collab.resolve("c99", accept=True)
    s.close()


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="conflicts: 'first_wins'"):
        Policy(conflicts="first_wins")
