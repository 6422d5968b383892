"""Snapshots: the store keeps them (newest ``keep``, checksummed, passed over when damaged) and a
schedule reopened from a snapshot plus the tail of the log is the schedule a full replay gives —
roster, versions, history, undo/redo stacks, violations — also after further undos."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _collab_helpers import problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.collab.snapshot import SnapshotError, capture, encode, restore
from rtsched_widgets.collab.store import Store, open_store
from rtsched_widgets.engine.schedule import Policy, Schedule

_names = itertools.count()
PROBLEM = problem()


# -- the store ------------------------------------------------------------------------------


def _corrupt(store: Store, sid: str, version: int, text: str, checksum: str | None = None) -> None:
    """Overwrite the stored text (and, when given, checksum) of a snapshot, as a damaged disk
    or a foreign writer would."""
    from rtsched_widgets.collab.store.memory import MemoryStore
    from rtsched_widgets.collab.store.sqlite import SQLiteStore

    if isinstance(store, MemoryStore):
        old = store._data.logs[sid].snapshots[version]
        store._data.logs[sid].snapshots[version] = (text, checksum or old[1])
    elif isinstance(store, SQLiteStore):
        store._conn.execute(
            "UPDATE rtsched_snapshots SET state = ?, checksum = coalesce(?, checksum) "
            "WHERE schedule_id = ? AND version = ?",
            (text, checksum, sid, version),
        )
    else:
        with store._pool.connection() as conn:  # type: ignore[attr-defined]
            conn.execute(
                "UPDATE rtsched_snapshots SET state = %s, checksum = coalesce(%s, checksum) "
                "WHERE schedule_id = %s AND version = %s",
                (text, checksum, sid, version),
            )


def _fill(store: Store, n: int) -> None:
    store.create("plan", {"p": 1})
    for i in range(n):
        store.append("plan", {"i": i}, i)


def test_store_keeps_the_newest_snapshots_and_resumes_from_them(store: Store) -> None:
    _fill(store, 10)
    assert store.resume("plan").snapshot is None
    assert [e.version for e in store.resume("plan").tail] == list(range(1, 11))
    assert store.save_snapshot("plan", 3, {"at": 3})
    assert not store.save_snapshot("plan", 3, {"at": "again"}), "one snapshot per version"
    assert store.save_snapshot("plan", 6, {"at": 6})
    assert store.save_snapshot("plan", 8, {"at": 8}, keep=2)
    assert store.snapshots("plan") == [8, 6], "only the newest two are kept"
    found = store.resume("plan")
    assert found.doc == {"p": 1}
    assert found.snapshot is not None and found.snapshot == (8, {"at": 8})
    assert [e.op for e in found.tail] == [{"i": 8}, {"i": 9}]
    assert store.resume("plan", skip={8}).snapshot == (6, {"at": 6})
    assert store.document("plan") == {"p": 1}
    with pytest.raises(ValueError, match="above the head"):
        store.save_snapshot("plan", 11, {})
    with pytest.raises(ValueError, match="at least one op"):
        store.save_snapshot("plan", 0, {})
    with pytest.raises(ValueError, match="JSON object"):
        store.save_snapshot("plan", 9, [1, 2])  # type: ignore[arg-type]
    store.drop("plan")
    store.create("plan", {"p": 2})
    assert store.snapshots("plan") == [], "dropping a schedule drops its snapshots"


@pytest.mark.parametrize("damage", ["truncated", "checksum", "not json", "not an object"])
def test_a_damaged_snapshot_is_passed_over_for_the_previous_one(store: Store, damage: str) -> None:
    from rtsched_widgets.collab.store.base import snapshot_checksum

    _fill(store, 10)
    store.save_snapshot("plan", 4, {"at": 4})
    store.save_snapshot("plan", 7, {"at": 7, "pad": "x" * 100})
    text = '{"at":7,"pad":"' + "x" * 100 + '"}'
    if damage == "truncated":  # a partial write: half the text, the whole text's checksum
        _corrupt(store, "plan", 7, text[: len(text) // 2])
    elif damage == "checksum":
        _corrupt(store, "plan", 7, text, "0" * 64)
    elif damage == "not json":
        _corrupt(store, "plan", 7, "{oops", snapshot_checksum("{oops"))
    else:
        _corrupt(store, "plan", 7, "[7]", snapshot_checksum("[7]"))
    found = store.resume("plan")
    assert found.snapshot == (4, {"at": 4})
    assert [e.version for e in found.tail] == [5, 6, 7, 8, 9, 10]
    _corrupt(store, "plan", 4, "{", None)
    found = store.resume("plan")
    assert found.snapshot is None, "no valid snapshot: the whole log"
    assert [e.version for e in found.tail] == list(range(1, 11))


def test_stores_written_before_snapshots_open_and_take_them(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as s:
        _fill(s, 3)
        s._conn.execute("DROP TABLE rtsched_snapshots")  # type: ignore[attr-defined]
    with open_store(url) as s:
        assert s.resume("plan").snapshot is None
        assert s.save_snapshot("plan", 3, {"ok": True})
        assert s.resume("plan").snapshot == (3, {"ok": True})


# -- the engine -----------------------------------------------------------------------------


def _state(s: Schedule) -> dict[str, Any]:
    """Everything a replay rebuilds, in comparable form."""
    log = s.oplog
    recs = [
        (
            r.op_id,
            r.version,
            r.user,
            r.timestamp,
            r.kind,
            r.cells,
            dict(r.before),
            dict(r.after),
            r.forced,
            r.message,
            r.undoes,
        )
        for r in log.records()
    ]
    score = s.validator.score()
    return {
        "version": s.version,
        "slots": s.core.slots.tolist(),
        "shift_of": s.core.shift_of.tolist(),
        "count": s.core.count.tolist(),
        "cell_version": s.cell_version.tolist(),
        "latest": dict(s._latest_by_user),
        "records": recs,
        "undo": {u: list(v) for u, v in log._undo.items()},
        "redo": {u: list(v) for u, v in log._redo.items()},
        "reverted_by": dict(log._reverted_by),
        "dropped": log.dropped,
        "last_version": log.last_version,
        "hard": score.hard,
        "soft": round(float(score.soft), 6),
        "violations": sorted(map(repr, (v.key for v in s.validator.violation_list()))),
    }


def _edit(s: Schedule, rng: random.Random, user: str) -> None:
    p = s.problem
    d, post = rng.randrange(p.n_days), rng.randrange(p.n_shifts)
    x = rng.random()
    if x < 0.15:
        s.undo(user=user)
    elif x < 0.22:
        s.redo(user=user)
    elif x < 0.4:
        s.unassign(s._iso[d], post, 0, user=user)
    elif x < 0.5:
        d2 = rng.randrange(p.n_days)
        s.swap((s._iso[d], post, 0), (s._iso[d2], post, 0), user=user)
    else:
        s.assign(p.workers[rng.randrange(p.n_workers)].id, s._iso[d], post, 0, user=user)


def _open(url: str, policy: Policy, **options: Any) -> Schedule:
    return Schedule(PROBLEM, store=url, user="reader", policy=policy, session_options=options)


def _same_after_undos(a: Schedule, b: Schedule, users: list[str]) -> None:
    """``a`` and ``b`` (two replicas of one store) hold the same state, and keep holding it
    while each undoes and redoes on the other's log: stacks, conflicts and violations work
    the same on both."""
    assert _state(a) == _state(b)
    for user in users:
        for first, second, step in ((a, b, "undo"), (b, a, "redo"), (b, a, "undo")):
            getattr(first, step)(user=user)
            second.collab.catch_up()
            assert _state(first) == _state(second)
    for s in (a, b):
        full = sorted(map(repr, (v.key for v in s.validator.full_check())))
        assert _state(s)["violations"] == full, "the maintained violations are the real ones"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_ops=st.integers(1, 120),
    points=st.lists(st.integers(0, 120), max_size=4),
    max_history=st.sampled_from([3, 40, 100_000]),
)
def test_snapshot_plus_tail_equals_full_replay(
    seed: int, n_ops: int, points: list[int], max_history: int
) -> None:
    url = f"memory://snap-{next(_names)}"
    policy = Policy(block_hard=False, max_history=max_history)
    writer = Schedule(
        PROBLEM, store=url, user="alice", policy=policy, session_options={"snapshot_every": 0}
    )
    rng = random.Random(seed)
    users = ["alice", "bob"]
    taken = []
    try:
        for i in range(n_ops):
            _edit(writer, rng, rng.choice(users))
            if i in points:
                taken.append(writer.collab.snapshot())
        from_snapshot = _open(url, policy)
        replayed = _open(url, policy, snapshots=False)
        try:
            newest = max((v for v in taken if v), default=0)
            assert from_snapshot.collab.restored_from == newest
            assert replayed.collab.restored_from == 0
            assert _state(from_snapshot) == _state(writer)
            _same_after_undos(from_snapshot, replayed, users)
        finally:
            from_snapshot.close()
            replayed.close()
    finally:
        writer.close()


def _written(url: str, n: int, every: int = 0) -> Schedule:
    s = Schedule(
        PROBLEM,
        store=url,
        user="alice",
        policy=Policy(block_hard=False),
        session_options={"snapshot_every": every},
    )
    rng = random.Random(n)
    for _ in range(n):
        _edit(s, rng, rng.choice(["alice", "bob"]))
    return s


def test_snapshots_are_taken_every_n_ops_and_on_close(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'every.db'}"
    s = _written(url, 0, every=25)
    rng = random.Random(5)
    while s.version < 100:
        _edit(s, rng, "alice")
    store = s.collab.store
    from _collab_helpers import wait_until

    assert wait_until(lambda: bool(store.snapshots(s.id)) and store.snapshots(s.id)[0] >= 75)
    for _ in range(3):
        _edit(s, rng, "alice")
    head = s.version
    s.close()
    with open_store(url) as check:
        assert check.snapshots("main")[0] == head, "closing snapshots the newest state"
    again = _open(url, Policy(block_hard=False))
    try:
        assert again.collab.restored_from == head
        assert again.version == head
    finally:
        again.close()


def test_a_damaged_newest_snapshot_falls_back_to_the_previous_one(url: str, backend: str) -> None:
    s = _written(url, 60)
    store = s.collab.store
    first = s.collab.snapshot()
    rng = random.Random(1)
    for _ in range(30):
        _edit(s, rng, "bob")
    second = s.collab.snapshot()
    assert first and second and second > first
    _corrupt(store, s.id, second, '{"format":1,"version":')
    policy = Policy(block_hard=False)
    a, b = _open(url, policy), _open(url, policy, snapshots=False)
    try:
        assert a.collab.restored_from == first
        _same_after_undos(a, b, ["alice", "bob"])
    finally:
        a.close()
        b.close()
        s.collab.snapshots = False  # no snapshot on close: the damaged one stays in place
        s.close()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda st: st.update(format=99),
        lambda st: st.update(version=10**6),
        lambda st: st["slots"].update(shape=[1, 2, 3]),
        lambda st: st["slots"].update(data="!!not base64"),
        lambda st: st["history"]["version"].reverse(),
        lambda st: st["history"]["changes"].__setitem__(0, [9999, 0, 0, -1, 0]),
        lambda st: st["history"].pop("undo"),
        lambda st: st.update(slots=_doubled_worker(st)),
    ],
    ids=["format", "version", "shape", "base64", "order", "cell", "missing", "twice"],
)
def test_a_snapshot_that_does_not_fit_means_a_full_replay(
    spoil: Callable[[dict[str, Any]], Any],
) -> None:
    url = f"memory://snap-{next(_names)}"
    s = _written(url, 50)
    with s._lock:
        state = encode(capture(s))  # type: ignore[arg-type]
    spoil(state)
    fresh = Schedule(PROBLEM, user="x")
    before = _state(fresh)
    with pytest.raises(SnapshotError), fresh._lock:
        restore(fresh, state, s.version)
    assert _state(fresh) == before, "a refused snapshot changes nothing"
    # stored with a valid checksum, it is refused at open and the whole log replayed
    s.collab.store.save_snapshot(s.id, s.version, state)
    a = _open(url, s.policy)
    b = _open(url, s.policy, snapshots=False)
    try:
        assert a.collab.restored_from == 0
        assert _state(a) == _state(b) == _state(s)
    finally:
        a.close()
        b.close()
        s.collab.snapshots = False
        s.close()


def _doubled_worker(state: dict[str, Any]) -> dict[str, Any]:
    """The slot array of ``state`` with one worker in two posts of one day."""
    import base64

    shape = tuple(state["slots"]["shape"])
    slots = np.frombuffer(base64.b64decode(state["slots"]["data"]), dtype="<i4").reshape(shape)
    slots = slots.copy()
    slots[0, 0, 0] = slots[0, 1, 0] = 0
    return {"shape": list(shape), "data": base64.b64encode(slots.tobytes()).decode()}


def test_session_options_are_checked() -> None:
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="snapshot_every"):
            Schedule(
                PROBLEM,
                store=f"memory://snap-{next(_names)}",
                session_options={"snapshot_every": bad},
            )
