"""Tests of the typed event bus (rtsched_widgets.engine.events)."""

from __future__ import annotations

import asyncio
import fnmatch
import gc
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtsched_widgets.engine.events import (
    EVENT_TYPES,
    GLOBAL_BUS,
    Event,
    EventBus,
    ListenerError,
    global_bus,
)

TYPES = sorted(EVENT_TYPES)


@pytest.fixture
def root() -> EventBus:
    """A private stand-in for the global bus, so tests do not see each other's events."""
    return EventBus(forward=False)


@pytest.fixture
def bus(root: EventBus) -> EventBus:
    return EventBus("s1", parent=root)


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def on_event(self, event: Event) -> None:
        self.events.append(event)

    @property
    def types(self) -> list[str]:
        return [e.type for e in self.events]


# --------------------------------------------------------------------------- publishing
def test_publish_returns_event_with_fields_and_increasing_seq(bus: EventBus) -> None:
    before = time.time()
    e1 = bus.publish("assigned", {"worker": "W1"}, user="alice")
    e2 = bus.publish("unassigned")
    after = time.time()
    assert (e1.type, e1.user, e1.seq, e1.schedule_id) == ("assigned", "alice", 1, "s1")
    assert dict(e1.payload) == {"worker": "W1"}
    assert (e2.seq, e2.user, dict(e2.payload)) == (2, None, {})
    assert before <= e1.time <= e2.time <= after
    assert bus.last_seq == 2


def test_event_is_frozen_and_payload_is_a_read_only_copy(bus: EventBus) -> None:
    payload = {"worker": "W1"}
    ev = bus.publish("assigned", payload)
    payload["worker"] = "W2"
    assert ev.payload["worker"] == "W1"
    with pytest.raises(TypeError):
        ev.payload["worker"] = "W3"  # type: ignore[index]
    with pytest.raises(AttributeError):
        ev.seq = 5  # type: ignore[misc]
    assert ev == Event("assigned", ev.payload, None, ev.time, 1, "s1")


def test_unknown_type_is_rejected_with_the_valid_ones(bus: EventBus) -> None:
    with pytest.raises(ValueError) as err:
        bus.publish("assignd")
    message = str(err.value)
    assert "'assignd'" in message
    assert all(t in message for t in TYPES)
    assert bus.last_seq == 0
    assert bus.query() == []


def test_extra_types_are_allowed_per_bus(root: EventBus) -> None:
    custom = EventBus("c", parent=root, extra_types=["cell_commented"])
    other = EventBus("o", parent=root)
    assert custom.publish("cell_commented", {"text": "hi"}).type == "cell_commented"
    with pytest.raises(ValueError, match="cell_commented"):
        other.publish("cell_commented")
    # the parent learned the type and can subscribe to it
    seen = Recorder()
    root.subscribe("cell_*", seen)
    custom.publish("cell_commented")
    assert seen.types == ["cell_commented"]


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"payload": [1, 2]}, TypeError, "payload"),
        ({"payload": "x"}, TypeError, "payload"),
        ({"user": 42}, TypeError, "user"),
    ],
)
def test_bad_payload_or_user_is_an_error(
    bus: EventBus, kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error, match=field):
        bus.publish("assigned", **kwargs)
    assert bus.last_seq == 0


def test_bad_constructor_arguments(root: EventBus) -> None:
    with pytest.raises(ValueError, match="history_size"):
        EventBus(history_size=-1, parent=root)
    with pytest.raises(TypeError, match="schedule_id"):
        EventBus(schedule_id=3, parent=root)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="extra_types"):
        EventBus(parent=root, extra_types=["bad*"])
    with pytest.raises(ValueError, match="forward=False"):
        EventBus(parent=root, forward=False)
    with pytest.raises(TypeError):
        EventBus(parent=root, colour="red")  # type: ignore[call-arg]


# --------------------------------------------------------------------------- filters
def test_exact_type_glob_tuple_and_all(bus: EventBus) -> None:
    exact, glob, both, everything = Recorder(), Recorder(), Recorder(), Recorder()
    bus.subscribe("assigned", exact)
    bus.subscribe("generation_*", glob)
    bus.subscribe(("moved", "swap*"), both)
    bus.subscribe(everything)  # shorthand for "*"
    sequence = ["assigned", "generation_started", "moved", "swapped", "generation_finished"]
    for t in sequence:
        bus.publish(t)
    assert exact.types == ["assigned"]
    assert glob.types == ["generation_started", "generation_finished"]
    assert both.types == ["moved", "swapped"]
    assert everything.types == sequence


def test_subscribe_rejects_typos_and_non_callables(bus: EventBus) -> None:
    with pytest.raises(ValueError, match="unknown event type 'asigned'"):
        bus.subscribe("asigned", print)
    with pytest.raises(ValueError, match="matches no known event type"):
        bus.subscribe("zz*", print)
    with pytest.raises(TypeError, match="callable"):
        bus.subscribe("assigned", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="listener"):
        bus.subscribe("assigned")
    with pytest.raises(ValueError, match="empty"):
        bus.subscribe((), print)
    with pytest.raises(TypeError):
        bus.subscribe("assigned", print, colour="red")  # type: ignore[call-arg]
    assert bus.subscriptions() == []


def test_where_predicate_filters_events(bus: EventBus) -> None:
    alice_only = Recorder()
    bus.subscribe("*", alice_only, where=lambda e: e.user == "alice")
    bus.publish("assigned", user="alice")
    bus.publish("assigned", user="bob")
    bus.publish("moved", user="alice")
    assert [(e.type, e.user) for e in alice_only.events] == [
        ("assigned", "alice"),
        ("moved", "alice"),
    ]


def test_new_subscription_after_publish_invalidates_the_cache(bus: EventBus) -> None:
    first, second = Recorder(), Recorder()
    bus.subscribe("assigned", first)
    bus.publish("assigned")  # fills the per-type cache
    sub = bus.subscribe("assign*", second)
    bus.publish("assigned")
    sub.cancel()
    bus.publish("assigned")
    assert [e.seq for e in first.events] == [1, 2, 3]
    assert [e.seq for e in second.events] == [2]


@settings(max_examples=60, deadline=None)
@given(
    patterns=st.lists(
        st.lists(
            st.sampled_from([*TYPES, "*", "gen*", "*ed", "lock_*", "user_*", "?oved"]),
            min_size=1,
            max_size=3,
        ),
        min_size=1,
        max_size=6,
    ),
    published=st.lists(st.sampled_from(TYPES), max_size=40),
)
def test_each_subscriber_gets_exactly_its_matching_events_in_order(
    patterns: list[list[str]], published: list[str]
) -> None:
    bus = EventBus("p", forward=False)
    recorders = [Recorder() for _ in patterns]
    for pats, rec in zip(patterns, recorders, strict=True):
        bus.subscribe(tuple(pats), rec)
    events = [bus.publish(t) for t in published]
    for pats, rec in zip(patterns, recorders, strict=True):
        expected = [e for e in events if any(fnmatch.fnmatchcase(e.type, p) for p in pats)]
        assert rec.events == expected
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


# --------------------------------------------------------------------------- ordering
def test_listeners_run_in_subscription_order(bus: EventBus) -> None:
    calls: list[str] = []
    bus.subscribe("assigned", lambda e: calls.append("a"))
    bus.subscribe("*", lambda e: calls.append("b"))
    bus.subscribe("assign*", lambda e: calls.append("c"))
    bus.publish("assigned")
    assert calls == ["a", "b", "c"]


def test_event_published_by_a_listener_is_delivered_after_the_current_one(
    bus: EventBus, root: EventBus
) -> None:
    seen: dict[str, list[int]] = {"first": [], "second": [], "root": []}

    def first(e: Event) -> None:
        seen["first"].append(e.seq)
        if e.type == "assigned":
            nested = bus.publish("violations_changed")
            assert nested.seq == e.seq + 1

    bus.subscribe("*", first)
    bus.subscribe("*", lambda e: seen["second"].append(e.seq))
    root.subscribe("*", lambda e: seen["root"].append(e.seq))
    bus.publish("assigned")
    bus.publish("moved")
    assert seen == {"first": [1, 2, 3], "second": [1, 2, 3], "root": [1, 2, 3]}


# --------------------------------------------------------------------------- lifecycle
def test_cancel_and_context_manager_stop_delivery(bus: EventBus) -> None:
    rec = Recorder()
    sub = bus.subscribe("assigned", rec)
    bus.publish("assigned")
    sub.cancel()
    sub.cancel()  # idempotent
    bus.publish("assigned")
    with bus.subscribe("assigned", rec) as scoped:
        assert scoped.active
        bus.publish("assigned")
    bus.publish("assigned")
    assert [e.seq for e in rec.events] == [1, 3]
    assert not sub.active and not scoped.active
    assert bus.stats()["subscribers"] == 0


def test_once_delivers_a_single_event(bus: EventBus) -> None:
    rec = Recorder()
    sub = bus.subscribe("assigned", rec, once=True, where=lambda e: e.user == "bob")
    bus.publish("assigned", user="alice")
    bus.publish("assigned", user="bob")
    bus.publish("assigned", user="bob")
    assert [e.seq for e in rec.events] == [2]
    assert not sub.active
    assert bus.subscriptions() == []


def test_listener_may_cancel_and_subscribe_during_dispatch(bus: EventBus) -> None:
    late = Recorder()
    subs: list[Any] = []

    def reorganise(e: Event) -> None:
        subs[0].cancel()
        subs.append(bus.subscribe("assigned", late))

    subs.append(bus.subscribe("assigned", reorganise))
    bus.publish("assigned")
    bus.publish("assigned")
    # the subscription made during event 1 did not see event 1 but sees event 2
    assert [e.seq for e in late.events] == [2]


def test_close_cancels_every_subscription(bus: EventBus) -> None:
    rec = Recorder()
    subs = [bus.subscribe("*", rec) for _ in range(3)]
    bus.close()
    bus.publish("assigned")
    assert rec.events == []
    assert not any(s.active for s in subs)


# --------------------------------------------------------------------------- weak
def test_weak_bound_method_is_dropped_after_del_and_gc(bus: EventBus) -> None:
    rec = Recorder()
    sub = bus.subscribe("assigned", rec.on_event, weak=True)
    bus.publish("assigned")
    events = rec.events
    assert len(events) == 1
    del rec
    gc.collect()
    bus.publish("assigned")
    assert len(events) == 1
    assert not sub.active
    assert bus.stats()["subscribers"] == 0


def test_weak_function_is_dropped_and_strong_one_keeps_its_object_alive(bus: EventBus) -> None:
    import weakref

    calls: list[int] = []

    def make_listener() -> Any:
        def listener(e: Event) -> None:
            calls.append(e.seq)

        return listener

    weak_fn = make_listener()
    bus.subscribe("assigned", weak_fn, weak=True)
    strong = Recorder()
    strong_ref = weakref.ref(strong)
    bus.subscribe("assigned", strong.on_event)
    bus.publish("assigned")
    del weak_fn, strong
    gc.collect()
    bus.publish("assigned")
    assert calls == [1]
    alive = strong_ref()
    assert alive is not None
    assert [e.seq for e in alive.events] == [1, 2]


def test_weak_needs_a_weak_referenceable_listener(bus: EventBus) -> None:
    class SlotListener:
        __slots__ = ()

        def __call__(self, event: Event) -> None:  # pragma: no cover - never subscribed
            pass

    with pytest.raises(TypeError, match="weak=False"):
        bus.subscribe("assigned", SlotListener(), weak=True)
    assert bus.subscriptions() == []


# --------------------------------------------------------------------------- failures
def test_failing_listener_is_counted_logged_kept_and_others_still_run(
    root: EventBus, caplog: pytest.LogCaptureFixture
) -> None:
    reported: list[ListenerError] = []
    bus = EventBus("s", parent=root, on_error=reported.append)
    before, after = Recorder(), Recorder()

    def explode(e: Event) -> None:
        raise RuntimeError("boom in listener")

    bus.subscribe("assigned", before)
    bus.subscribe("assigned", explode)
    bus.subscribe("assigned", after)
    with caplog.at_level(logging.ERROR, logger="rtsched_widgets.events"):
        ev = bus.publish("assigned", user="alice")
        bus.publish("assigned")
    assert len(before.events) == 2 and len(after.events) == 2
    stats = bus.stats()
    assert stats["listener_errors"] == 2
    assert stats["delivered"] == 4
    errors = bus.errors()
    assert [e.seq for e in errors] == [1, 2]
    first = errors[0]
    assert first.listener.endswith("explode")
    assert first.event_type == "assigned"
    assert first.event is ev
    assert "RuntimeError: boom in listener" in first.traceback
    assert "boom in listener" in first.error
    assert reported == errors
    logged = [r for r in caplog.records if r.name == "rtsched_widgets.events"]
    assert len(logged) == 2
    assert "explode" in logged[0].getMessage()
    assert logged[0].exc_info is not None


def test_failing_predicate_and_failing_on_error_do_not_break_publish(
    root: EventBus, caplog: pytest.LogCaptureFixture
) -> None:
    def bad_on_error(err: ListenerError) -> None:
        raise ValueError("on_error is broken too")

    bus = EventBus("s", parent=root, on_error=bad_on_error, max_errors=1)
    rec = Recorder()
    bus.subscribe("*", rec, where=lambda e: e.payload["missing"])
    bus.subscribe("*", rec)
    with caplog.at_level(logging.ERROR, logger="rtsched_widgets.events"):
        bus.publish("moved")
        bus.publish("moved")
    assert [e.seq for e in rec.events] == [1, 2]
    assert bus.stats()["listener_errors"] == 2
    assert len(bus.errors()) == 1  # max_errors bounds the kept errors
    assert bus.errors()[0].seq == 2
    assert any("on_error" in r.getMessage() for r in caplog.records)


# --------------------------------------------------------------------------- global bus
def test_parent_sees_two_schedule_buses_without_cross_talk(root: EventBus) -> None:
    a, b = EventBus("A", parent=root), EventBus("B", parent=root)
    on_a, on_b, on_root = Recorder(), Recorder(), Recorder()
    a.subscribe("*", on_a)
    b.subscribe("*", on_b)
    root.subscribe("*", on_root)
    a.publish("assigned", user="alice")
    b.publish("moved", user="bob")
    a.publish("swapped")
    assert [(e.schedule_id, e.type, e.seq) for e in on_a.events] == [
        ("A", "assigned", 1),
        ("A", "swapped", 2),
    ]
    assert [(e.schedule_id, e.type, e.seq) for e in on_b.events] == [("B", "moved", 1)]
    assert [(e.schedule_id, e.seq) for e in on_root.events] == [("A", 1), ("B", 1), ("A", 2)]
    assert [e.schedule_id for e in root.query()] == ["A", "B", "A"]
    assert a.query() == on_a.events
    assert root.stats()["received_from_children"] == 3
    # the parent filters by schedule with a predicate
    only_b = Recorder()
    root.subscribe("*", only_b, where=lambda e: e.schedule_id == "B")
    a.publish("moved")
    b.publish("moved")
    assert [e.schedule_id for e in only_b.events] == ["B"]


def test_default_parent_is_the_process_wide_bus() -> None:
    assert global_bus() is GLOBAL_BUS
    assert GLOBAL_BUS.parent is None
    x = EventBus("global-test-x")
    y = EventBus("global-test-y")
    assert x.parent is GLOBAL_BUS
    seen = Recorder()
    with GLOBAL_BUS.subscribe("*", seen, where=lambda e: str(e.schedule_id).startswith("global-")):
        x.publish("user_joined", user="ann")
        y.publish("user_left", user="ben")
    x.publish("presence")
    assert [(e.schedule_id, e.type) for e in seen.events] == [
        ("global-test-x", "user_joined"),
        ("global-test-y", "user_left"),
    ]


def test_parent_does_not_keep_children_alive(root: EventBus) -> None:
    import weakref

    child = EventBus("tmp", parent=root)
    child.subscribe("*", Recorder())
    child.publish("moved")
    ref = weakref.ref(child)
    del child
    gc.collect()
    assert ref() is None


# --------------------------------------------------------------------------- history
def test_history_is_bounded_and_keeps_the_newest(root: EventBus) -> None:
    bus = EventBus("h", history_size=5, parent=root)
    for _ in range(12):
        bus.publish("moved")
    assert [e.seq for e in bus.query()] == [8, 9, 10, 11, 12]
    assert bus.stats()["history"] == 5
    assert bus.stats()["published"] == {"moved": 12}


def test_query_filters_by_type_user_time_seq_and_limit(bus: EventBus) -> None:
    e1 = bus.publish("assigned", user="alice")
    e2 = bus.publish("moved", user="bob")
    e3 = bus.publish("assigned", user="bob")
    e4 = bus.publish("generation_started")
    assert bus.query(type="assigned") == [e1, e3]
    assert bus.query(type=("mov*", "gen*")) == [e2, e4]
    assert bus.query(user="bob") == [e2, e3]
    assert bus.query(type="assigned", user="bob") == [e3]
    assert bus.query(limit=2) == [e3, e4]
    assert bus.query(limit=0) == []
    assert bus.query(after_seq=2) == [e3, e4]
    # since is inclusive, until exclusive
    assert bus.query(since=e2.time) == [e for e in (e2, e3, e4) if e.time >= e2.time]
    assert e1 not in bus.query(until=e1.time)
    assert bus.query(since=e1.time, until=e4.time + 1) == [e1, e2, e3, e4]
    aware = datetime.fromtimestamp(e1.time, tz=UTC) - timedelta(seconds=1)
    assert bus.query(since=aware) == [e1, e2, e3, e4]
    with pytest.raises(ValueError, match="timezone-aware"):
        bus.query(since=datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="limit"):
        bus.query(limit=-1)
    with pytest.raises(ValueError, match="unknown event type"):
        bus.query(type="asigned")


def test_to_frame_has_the_documented_columns(bus: EventBus) -> None:
    bus.publish("assigned", {"worker": "W1", "day": "2026-01-05"}, user="alice")
    bus.publish("moved")
    frame = bus.to_frame()
    assert list(frame.columns) == ["seq", "time", "type", "user", "schedule_id", "payload"]
    assert frame["seq"].tolist() == [1, 2]
    assert frame["type"].tolist() == ["assigned", "moved"]
    assert frame["user"].tolist() == ["alice", None]
    assert frame["schedule_id"].tolist() == ["s1", "s1"]
    assert frame["payload"].tolist() == [{"worker": "W1", "day": "2026-01-05"}, {}]
    assert isinstance(frame["time"].dtype, pd.DatetimeTZDtype)
    assert str(frame["time"].dt.tz) == "UTC"
    assert bus.to_frame(user="alice")["seq"].tolist() == [1]
    empty = EventBus(forward=False).to_frame()
    assert list(empty.columns) == list(frame.columns) and len(empty) == 0


def test_clear_history_keeps_seq_and_counters(bus: EventBus) -> None:
    bus.publish("moved")
    bus.clear_history()
    assert bus.query() == []
    assert bus.publish("moved").seq == 2
    assert bus.stats()["published_total"] == 2


def test_stats_counts(bus: EventBus) -> None:
    rec = Recorder()
    bus.subscribe("assigned", rec)
    bus.subscribe("*", rec)
    for t in ["assigned", "assigned", "moved"]:
        bus.publish(t)
    stats = bus.stats()
    assert stats["published"] == {"assigned": 2, "moved": 1}
    assert stats["published_total"] == 3
    assert stats["delivered"] == 5
    assert stats["subscribers"] == 2
    assert stats["listener_errors"] == 0
    assert 0 < stats["events_per_second"] <= 3


# --------------------------------------------------------------------------- async
def test_async_stream_yields_matching_events_in_order(bus: EventBus) -> None:
    async def main() -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        stream = bus.stream("assign*")
        for t in ["assigned", "moved", "assigned", "unassigned"]:
            bus.publish(t)
        async for ev in stream:
            out.append((ev.type, ev.seq))
            if len(out) == 2:
                break
        await stream.aclose()
        return out

    assert asyncio.run(main()) == [("assigned", 1), ("assigned", 3)]
    assert bus.subscriptions() == []


def test_async_stream_receives_events_published_from_other_threads(bus: EventBus) -> None:
    n_threads, per_thread = 4, 50

    async def main() -> list[Event]:
        received: list[Event] = []
        async with bus.stream("moved", maxsize=n_threads * per_thread) as stream:

            def work() -> None:
                for _ in range(per_thread):
                    bus.publish("moved")

            threads = [threading.Thread(target=work) for _ in range(n_threads)]
            for t in threads:
                t.start()
            async for ev in stream:
                received.append(ev)
                if len(received) == n_threads * per_thread:
                    break
            for t in threads:
                t.join()
        return received

    received = asyncio.run(main())
    assert sorted(e.seq for e in received) == list(range(1, n_threads * per_thread + 1))
    assert bus.subscriptions() == []


def test_break_and_drop_ends_the_subscription(bus: EventBus) -> None:
    async def main() -> int:
        async for _ in bus.stream("assigned"):
            break
        return 0

    async def driver() -> None:
        task = asyncio.ensure_future(main())
        await asyncio.sleep(0)
        bus.publish("assigned")
        await task

    asyncio.run(driver())
    gc.collect()
    assert bus.subscriptions() == []


def test_aclose_ends_a_waiting_iteration(bus: EventBus) -> None:
    async def main() -> list[Event]:
        stream = bus.stream()
        got: list[Event] = []

        async def consume() -> None:
            async for ev in stream:
                got.append(ev)

        task = asyncio.ensure_future(consume())
        bus.publish("moved")
        await asyncio.sleep(0.01)
        await stream.aclose()
        await asyncio.wait_for(task, timeout=5)
        bus.publish("moved")  # after close: not delivered
        return got

    got = asyncio.run(main())
    assert [e.seq for e in got] == [1]


def test_stream_queue_is_bounded_and_drops_the_oldest(bus: EventBus) -> None:
    async def main() -> tuple[list[int], int]:
        stream = bus.stream("moved", maxsize=3)
        for _ in range(5):
            bus.publish("moved")
        await asyncio.sleep(0)  # let the loop run the queued call_soon_threadsafe callbacks
        stream.close()
        seqs = [ev.seq async for ev in stream]
        return seqs, stream.dropped

    seqs, dropped = asyncio.run(main())
    assert seqs == [3, 4, 5]
    assert dropped == 2


def test_stream_outside_a_running_loop_is_a_clear_error(bus: EventBus) -> None:
    with pytest.raises(RuntimeError, match="running asyncio event loop"):
        bus.stream()
    assert bus.subscriptions() == []


def test_next_event_waits_for_a_matching_event(bus: EventBus) -> None:
    async def main() -> Event:
        waiter = asyncio.ensure_future(bus.next_event("generation_finished"))
        await asyncio.sleep(0)
        threading.Thread(target=bus.publish, args=("generation_progress",)).start()
        threading.Thread(target=bus.publish, args=("generation_finished",)).start()
        return await asyncio.wait_for(waiter, timeout=5)

    ev = asyncio.run(main())
    assert ev.type == "generation_finished"
    assert bus.subscriptions() == []


# --------------------------------------------------------------------------- threads
def test_publishing_from_many_threads(bus: EventBus, root: EventBus) -> None:
    n_threads, per_thread = 8, 300
    lock = threading.Lock()
    count = [0]

    def listener(e: Event) -> None:
        with lock:
            count[0] += 1

    bus.subscribe("*", listener)
    barrier = threading.Barrier(n_threads)

    def work() -> None:
        barrier.wait()
        for i in range(per_thread):
            bus.publish("assigned" if i % 2 else "moved", {"i": i})

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = n_threads * per_thread
    seqs = [e.seq for e in bus.query()]
    assert seqs == list(range(1, total + 1))  # history in seq order, no gaps, no repeats
    assert count[0] == total
    stats = bus.stats()
    assert stats["delivered"] == total
    assert stats["published"] == {"assigned": total // 2, "moved": total // 2}
    assert len(root.query()) == total


def test_subscribe_and_cancel_while_other_threads_publish(bus: EventBus) -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def publisher() -> None:
        try:
            while not stop.is_set():
                bus.publish("moved")
        except BaseException as exc:  # pragma: no cover - reported by the assertion
            failures.append(exc)

    threads = [threading.Thread(target=publisher) for _ in range(3)]
    for t in threads:
        t.start()
    recorders = []
    for _ in range(200):
        rec = Recorder()
        recorders.append(rec)
        sub = bus.subscribe("moved", rec)
        sub.cancel()
    stop.set()
    for t in threads:
        t.join()
    assert failures == []
    assert bus.subscriptions() == []
    assert bus.stats()["listener_errors"] == 0
    final = Recorder()
    bus.subscribe("moved", final)
    last = bus.publish("moved")
    assert final.events == [last]


def test_parent_stats_merge_children_and_threads(root: EventBus) -> None:
    a, b = EventBus("A", parent=root), EventBus("B", parent=root)
    rec = Recorder()
    root.subscribe("*", rec)

    def work(bus: EventBus) -> None:
        for _ in range(50):
            bus.publish("moved")

    threads = [threading.Thread(target=work, args=(bus,)) for bus in (a, b, a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    root.publish("user_joined", user="ann")
    stats = root.stats()
    assert stats["published"] == {"moved": 150, "user_joined": 1}
    assert stats["received_from_children"] == 150
    assert stats["delivered"] == 151 == len(rec.events)
    assert a.stats()["published"] == {"moved": 100}
    assert a.last_seq == 100 and b.last_seq == 50


def test_events_per_second_uses_the_span_a_full_history_covers(root: EventBus) -> None:
    bus = EventBus("r", parent=root, history_size=5)
    for _ in range(20):
        bus.publish("moved")
    kept = bus.query()
    span = time.time() - kept[0].time
    rate = bus.stats()["events_per_second"]
    # five events over the (short) span they cover, not 20 events over a minute
    assert rate >= 5 / (span + 1.0)
    assert rate > 20 / 60
