"""The edit path builds what nobody reads only when someone reads it: event payloads kept as
history rows and built on a read, live entries built at delivery, the rule engine's violation
records read only by a listener, a history reader or the result's reader — with what every
reader sees unchanged."""

from __future__ import annotations

import dataclasses
import gc
import pickle
from typing import Any

import pytest
from _schedule_helpers import make_problem

from rtsched_widgets.engine.events import EventBus, event_bytes
from rtsched_widgets.engine.history import OpRecord
from rtsched_widgets.engine.pipeline import op_event_payload, violations_event_payload
from rtsched_widgets.engine.result import AppliedResult, OpResult
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.engine.slot_record import SlotRecord, slot_record
from rtsched_widgets.rules.base import Delta
from rtsched_widgets.rules.validator import Validator

PROBLEM = make_problem(n_workers=6, n_days=10)
DAY = PROBLEM.calendar.iso(3)


class CountedRecords:
    """A Delta's records source that counts how often its records are read."""

    def __init__(self, delta: Delta, reads: list[str]) -> None:
        self.delta, self.reads = delta, reads

    def introduced(self) -> tuple[Any, ...]:
        self.reads.append("introduced")
        return self.delta.introduced

    def resolved(self) -> tuple[Any, ...]:
        self.reads.append("resolved")
        return self.delta.resolved


class CountingValidator:
    """The real validator, whose committed deltas count the reads of their records."""

    def __init__(self, inner: Validator) -> None:
        self.inner = inner
        self.reads: list[str] = []

    def commit(self, changes: Any) -> Delta:
        d = self.inner.commit(changes)
        return Delta.of_records(CountedRecords(d, self.reads), d.hard, d.soft)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def counting_schedule(**policy: Any) -> tuple[Schedule, CountingValidator]:
    s = Schedule(PROBLEM, user="alice", policy=Policy(block_hard=False, **policy))
    spy = CountingValidator(s.validator)  # type: ignore[arg-type]
    s.validator = spy
    return s, spy


def test_an_edit_nobody_listens_to_reads_no_violation_record() -> None:
    s, spy = counting_schedule()
    r = s.assign("W01", DAY, 0)  # fills a required cell: the soft score changes
    assert r.ok and r.soft_delta != 0
    assert spy.reads == [], "neither the events nor the result read the records"
    assert isinstance(r, AppliedResult) and r.resolved  # read now, by the result's reader
    assert spy.reads.count("resolved") == 1
    # the history's payloads count them when read, and say what the result says
    kept = s.events.query(["assigned", "violations_changed"])
    assert [e.type for e in kept] == ["assigned", "violations_changed"]
    for e in kept:
        assert e.payload["introduced"] == len(r.introduced)
        assert e.payload["resolved"] == len(r.resolved)
        assert event_bytes(e.payload, e.user) > 0
    assert kept[1].payload["soft_delta"] == r.soft_delta


def test_a_listener_gets_the_records_and_the_histories_the_same_payload() -> None:
    s, spy = counting_schedule()
    seen: list[Any] = []
    s.events.subscribe(["assigned", "violations_changed"], seen.append)
    r = s.assign("W01", DAY, 0)
    assert spy.reads, "delivered: the live entries hold the records"
    assert [e.type for e in seen] == ["assigned", "violations_changed"]
    kept = {e.seq: e for e in s.events.query()}
    for e in seen:
        assert list(e.payload["added"]) == list(r.introduced)
        assert list(e.payload["removed"]) == list(r.resolved)
        assert list(e.payload["slots"]) == list(r.slots)
        twin = kept[e.seq]
        assert dict(twin.payload) == {
            k: v for k, v in e.payload.items() if k not in ("slots", "added", "removed")
        }
    assert s.events.parent is not None
    on_root = {e.seq: e for e in s.events.parent.query() if e.schedule_id == s.id}
    assert {seq: dict(e.payload) for seq, e in on_root.items()} == {
        seq: dict(e.payload) for seq, e in kept.items()
    }


def test_an_edit_payload_counts_once_then_forgets_the_delta() -> None:
    reads: list[str] = []
    inner = Delta(("v1", "v2"), ("v0",), 0, 1.5)  # type: ignore[arg-type]
    delta = Delta.of_records(CountedRecords(inner, reads), 0, 1.5)
    names = (("2026-01-01",), ("W00", "W01"))
    rec = slot_record("x-1", 1, "ann", 0.0, "assign", (0, 0, 0, -1, 1), names, False, "", None)
    args = [rec, (), None, 0, 1.5, delta, None]
    payload = op_event_payload(args)
    assert (payload["introduced"], payload["resolved"]) == (2, 1)
    assert payload["cells"] == [["2026-01-01", 0, 0, "W01"]]
    assert all(a is not delta for a in args), "the counts are kept, the Delta let go"
    assert violations_event_payload(args) == {
        "op_id": "x-1",
        "version": 1,
        "introduced": 2,
        "resolved": 1,
        "hard_delta": 0,
        "soft_delta": 1.5,
    }
    assert op_event_payload(args) == payload
    assert reads == ["introduced", "resolved"]


def test_a_built_payload_is_built_when_read_and_once_when_someone_listens() -> None:
    root = EventBus(None, forward=False)
    bus = EventBus("b", parent=root)
    builds: list[Any] = []
    lives: list[Any] = []

    def build(args: tuple[int, str]) -> dict[str, Any]:
        builds.append(args)
        return {"n": args[0], "who": args[1]}

    def live(live_args: str) -> dict[str, Any]:
        lives.append(live_args)
        return {"extra": live_args}

    size = event_bytes({"n": 1, "who": "ann"}, "ann")
    bus.publish_built("moved", build, (1, "ann"), "ann", size, live, "L")
    assert builds == [] and lives == [], "nobody listens: nothing built"
    assert [dict(e.payload) for e in bus.query()] == [{"n": 1, "who": "ann"}]
    assert [dict(e.payload) for e in root.query()] == [{"n": 1, "who": "ann"}]
    assert len(builds) == 2 and lives == []  # each read builds afresh
    assert bus.stats()["history_bytes"] == root.stats()["history_bytes"] == size
    seen: list[Any] = []
    sub = root.subscribe("moved", seen.append)
    builds.clear()
    bus.publish_built("moved", build, (2, "bob"), "bob", size, live, "M")
    assert len(builds) == 1 and lives == ["M"]
    assert [dict(e.payload) for e in seen] == [{"n": 2, "who": "bob", "extra": "M"}]
    assert [dict(e.payload) for e in bus.query(after_seq=1)] == [{"n": 2, "who": "bob"}]
    assert len(builds) == 1, "kept as built: a read builds nothing more"
    sub.cancel()
    bus.publish_built("moved", build, (3, "cy"), "cy", size, live, "N")
    assert len(seen) == 1 and lives == ["M"]
    with pytest.raises(ValueError, match="unknown event type"):
        bus.publish_built("no_such_type", build, (4, "dee"), None, size)
    assert bus.last_seq == 3 and root.stats()["received_from_children"] == 3


def test_listeners_anywhere_in_a_tree_are_found_and_forgotten() -> None:
    root = EventBus(None, forward=False)
    child = EventBus("c", parent=root)
    seen: list[Any] = []

    class Holder:
        def on(self, event: Any) -> None:
            seen.append(event.seq)

    holder = Holder()
    root.subscribe("moved", holder.on, weak=True)
    child.publish("moved")
    del holder
    gc.collect()
    child.publish("moved")  # the weak listener is gone: nothing delivered, nothing fails
    once = child.subscribe("moved", lambda e: seen.append(-e.seq), once=True)
    child.publish("moved")
    child.publish("moved")
    assert seen == [1, -3] and not once.active
    strong = child.subscribe("moved", lambda e: seen.append(100 + e.seq))
    child.close()
    child.publish("moved")
    assert seen == [1, -3] and not strong.active
    assert root.stats()["listener_errors"] == 0
    assert [e.seq for e in root.query()] == [1, 2, 3, 4, 5]


def test_the_result_of_an_edit_is_an_op_result_to_every_reader() -> None:
    s = Schedule(PROBLEM, user="alice", policy=Policy(block_hard=False))
    r = s.assign("W01", DAY, 0, base_version=0)
    assert isinstance(r, AppliedResult)
    plain = OpResult(**{f.name: getattr(r, f.name) for f in dataclasses.fields(OpResult)})
    assert r == plain and plain == r and (r != plain) is False
    assert r.cells == ((DAY, 0, 0),) and r.details == {"base_version": 0}
    replaced = dataclasses.replace(r, details={"x": 1})
    assert type(replaced) is OpResult and replaced.introduced == r.introduced
    again = pickle.loads(pickle.dumps(r))
    assert type(again) is OpResult and again == r
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.message = "changed"  # type: ignore[misc]


def test_a_slot_record_is_an_op_record_with_no_slot_of_its_own() -> None:
    names = (("2026-01-01", "2026-01-02"), ("W00", "W01", "W02"))
    rec = slot_record("x-1", 3, "ann", 5.0, "swap", (0, 1, 0, 2, 1, 1, 1, 0, 1, 2), names,
                      True, "msg", None)  # fmt: skip
    assert SlotRecord.__slots__ == () and type(rec) is SlotRecord
    assert rec.cells == (("2026-01-01", 1, 0), ("2026-01-02", 1, 0))
    assert dict(rec.before) == {("2026-01-01", 1, 0): "W02", ("2026-01-02", 1, 0): "W01"}
    assert dict(rec.after) == {("2026-01-01", 1, 0): "W01", ("2026-01-02", 1, 0): "W02"}
    assert rec.inverse == ((0, 1, 0, 2), (1, 1, 0, 1))
    assert rec._changes == (0, 1, 0, 2, 1, 1, 1, 0, 1, 2) and rec._names is names
    plain = pickle.loads(pickle.dumps(rec))
    assert type(plain) is OpRecord and plain.after == rec.after and plain.forced
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.user = "bob"  # type: ignore[misc]
