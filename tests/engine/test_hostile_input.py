"""Hostile and careless input to the engine: deep nesting, huge echoed values, bounded event
history, schedule ids, and the original facade's bulk update."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.compat import Scheduler
from rtsched_widgets.engine.events import EventBus, event_bytes
from rtsched_widgets.engine.ops import Assign, Bulk
from rtsched_widgets.engine.result import OpResult
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.limits import MAX_MESSAGE, MAX_NESTING
from tests.engine.test_compat import config
from tests.widgets._problems import make_problem, make_schedule

ASSIGN = {"op": "assign", "worker": "W02", "date": "2026-01-06", "post": 0}


def nested_bulk(depth: int, leaf: Any = ASSIGN) -> dict[str, Any]:
    op: Any = leaf
    for _ in range(depth):
        op = {"op": "bulk", "ops": [op]}
    return op  # type: ignore[no-any-return]


def nested_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 1_000, 10_000])
def test_a_deeply_nested_bulk_is_malformed_naming_the_limit(depth: int) -> None:
    s = make_schedule()
    r = s.apply(nested_bulk(depth))
    assert not r.ok and r.error == "MALFORMED"
    assert "MAX_NESTING = 32" in r.message and "flatten" in r.message
    assert len(r.message) <= MAX_MESSAGE
    assert s.version == 0 and s.core.n_assigned == 0
    r = s.bulk([nested_bulk(depth)])
    assert r.error == "MALFORMED" and "MAX_NESTING" in r.message


def test_a_deeply_nested_bulk_instance_is_malformed_too() -> None:
    s = make_schedule()
    op: Any = Assign("W02", "2026-01-06", 0)
    for _ in range(10_000):
        op = Bulk((op,))
    r = s.apply(op)
    assert r.error == "MALFORMED" and "MAX_NESTING" in r.message
    assert s.version == 0


def test_nesting_up_to_the_limit_is_applied() -> None:
    s = make_schedule()
    r = s.apply(nested_bulk(MAX_NESTING))
    assert r.ok, r.message
    assert s.core.n_assigned == 1


@pytest.mark.parametrize("field", ["worker", "date", "post", "slot"])
def test_a_deeply_nested_field_value_is_refused_with_a_short_message(field: str) -> None:
    s = make_schedule()
    op = {**ASSIGN, field: nested_list(10_000)}
    r = s.apply(op)
    assert not r.ok and r.error in ("MALFORMED", "UNKNOWN_WORKER", "BAD_POST")
    assert len(r.message) < 300


def test_a_ten_megabyte_worker_id_is_not_echoed_nor_kept_in_the_history() -> None:
    s = make_schedule()
    huge = "X" * 10_000_000
    for _ in range(30):
        r = s.assign(huge, "2026-01-06", 0)
        assert r.error == "UNKNOWN_WORKER"
        assert len(r.message) < 300 and "10000000 characters" in r.message
    rejected = s.events.query("op_rejected")
    assert len(rejected) == 30
    assert sum(len(e.payload["message"]) for e in rejected) < 30 * 300
    assert s.events.stats()["history_bytes"] < 100_000
    assert all(len(m) < 300 for m in s.history_frame()["message"])


def test_a_huge_or_nested_user_name_is_refused_short() -> None:
    s = make_schedule()
    for user in ("u" * 10_000_000, nested_list(10_000)):
        r = s.assign("W02", "2026-01-06", 0, user=user)  # type: ignore[arg-type]
        assert r.error == "MALFORMED" and len(r.message) < 300
    with pytest.raises(ValueError, match=r"^user: .* at most MAX_ID_LENGTH = 200"):
        Schedule(make_problem(), user="u" * 10_000_000)


def test_every_refusal_message_is_bounded() -> None:
    s = make_schedule()
    r = s.apply({"op": "swap", "a": ["2026-01-06", "P" * 10**6], "b": ["2026-01-07", 0]})
    assert not r.ok and len(r.message) < 300
    keys = {f"k{i}": i for i in range(100_000)}
    r = s.apply({"op": "assign", **keys})
    assert r.error == "MALFORMED" and len(r.message) < 500
    r = s.apply({"op": ["not", "hashable"]})
    assert r.error == "MALFORMED"
    r = s.swap({1: 2, "a": 3}, ("2026-01-06", 0))
    assert r.error == "MALFORMED"


# -- the engine never raises on JSON-like input --------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["assign", "unassign", "swap", "move", "bulk", "2026-01-06", "W02", "D"])
)
keys = st.sampled_from(
    [
        "op",
        "kind",
        "worker",
        "date",
        "post",
        "slot",
        "a",
        "b",
        "src",
        "dst",
        "ops",
        "date1",
        "post1",
        "date2",
        "post2",
        "slot1",
        "slot2",
    ]
) | st.text(max_size=3)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=15,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_like)
def test_apply_answers_any_json_like_value_with_an_op_result(value: Any) -> None:
    s = make_schedule()
    r = s.apply(value)
    assert isinstance(r, OpResult)
    assert len(r.message) <= MAX_MESSAGE
    if not r.ok:
        assert s.version == 0


# -- the event history is bounded in bytes ---------------------------------------------------


def test_the_event_history_is_bounded_in_bytes_keeping_the_newest() -> None:
    bus = EventBus("b", history_size=1000, history_bytes=20_000, forward=False)
    for i in range(100):
        bus.publish("op_rejected", {"message": "m" * 1000, "i": i})
    kept = bus.query()
    assert kept and kept[-1].payload["i"] == 99
    assert len(kept) < 20
    stats = bus.stats()
    assert stats["history_bytes"] <= 20_000
    assert stats["history_bytes"] == sum(event_bytes(e.payload, e.user) for e in kept)
    bus.publish("op_rejected", {"message": "m" * 50_000})  # larger than the bound: not kept
    assert bus.stats()["history_bytes"] <= 20_000
    bus.clear_history()
    assert bus.stats()["history_bytes"] == 0


def test_every_bus_on_the_way_up_counts_the_bytes_of_the_events_it_keeps() -> None:
    top = EventBus("top", history_size=1000, history_bytes=30_000, forward=False)
    middle = EventBus("middle", history_size=0, parent=top)  # keeps nothing, forwards
    child = EventBus("child", history_size=1000, history_bytes=10_000, parent=middle)
    for i in range(60):
        child.publish("op_rejected", {"message": "m" * (100 + 37 * i), "i": i}, "u" * (i % 5))
        middle.publish("op_rejected", {"message": "x" * 200, "i": i})
    for bus in (top, child):
        kept = bus.query()
        assert kept and kept[-1].payload["i"] == 59
        stats = bus.stats()
        assert stats["history_bytes"] == sum(event_bytes(e.payload, e.user) for e in kept)
        assert stats["history_bytes"] <= bus.history_bytes
    assert middle.stats()["history_bytes"] == 0


def test_the_byte_estimates_an_edit_hands_over_equal_the_estimated_ones() -> None:
    from rtsched_widgets.engine.planning import SetSlots

    s = make_schedule()
    day, night = "2026-01-05", "2026-01-06"
    assert s.assign("W02", day, 0).ok
    assert s.assign("W03", day, 0).ok  # replaces W02
    assert s.assign("W04", night, 1, user="bob", base_version=s.version).ok
    assert s.swap((day, 0), (night, 1)).ok
    assert s.move((day, 0), ("2026-01-08", 0)).ok
    assert s.unassign("2026-01-08", 0).ok
    assert s.undo().ok and s.redo().ok
    assert s.assign("W01", day, 0, force=True).ok
    assert s.bulk([Assign("W02", "2026-01-10", 0), Assign("W03", "2026-01-10", 1)]).ok
    d = s.problem.calendar.index("2026-01-11")
    set_op = SetSlots(((d, 0, 0, 4),), "merge", "m")
    assert s.set_slots(set_op, event_extra={"source": "solver", "n": 1}).ok
    for bus in (s.events, s.events.parent):
        assert bus is not None
        kept = bus.query()
        assert any(e.type == "violations_changed" for e in kept)
        assert bus.stats()["history_bytes"] == sum(event_bytes(e.payload, e.user) for e in kept)


def test_the_policy_bounds_the_schedule_bus_and_its_branches() -> None:
    s = Schedule(make_problem(), policy=Policy(event_history_bytes=5_000))
    assert s.events.history_bytes == 5_000
    assert s.fork().events.history_bytes == 5_000
    for _ in range(50):
        s.assign("nobody" * 100, "2026-01-06", 0)
    assert s.events.stats()["history_bytes"] <= 5_000
    assert Schedule(make_problem()).events.history_bytes == 64 * 1024**2
    with pytest.raises(ValueError, match="history_bytes"):
        EventBus(history_bytes=-1, forward=False)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 30),
    st.integers(0, 5_000),
    st.lists(st.text(max_size=400) | st.lists(st.text(max_size=50), max_size=12), max_size=60),
)
def test_history_bounds_hold_after_any_sequence_of_publishes(
    size: int, limit: int, payloads: list[Any]
) -> None:
    parent = EventBus(None, history_size=size, history_bytes=limit, forward=False)
    bus = EventBus("c", history_size=size, history_bytes=limit, parent=parent)
    events = [bus.publish("op_rejected", {"x": p}) for p in payloads]
    for b in (bus, parent):
        kept = b.query()
        assert len(kept) <= size
        assert sum(event_bytes(e.payload, e.user) for e in kept) == b.stats()["history_bytes"]
        assert b.stats()["history_bytes"] <= limit
        assert [e.seq for e in kept] == [e.seq for e in events[len(events) - len(kept) :]]


# -- schedule ids -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", " main", "x" * 201, 42])
def test_a_bad_schedule_id_is_refused_not_replaced_by_main(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"^schedule_id of store 'memory://ids-test': .* — "):
        Schedule(make_problem(), store="memory://ids-test", schedule_id=bad)
    with pytest.raises(ValueError, match=r"^schedule_id: "):
        Schedule(make_problem(), schedule_id=bad)


# -- the original facade's bulk update ------------------------------------------------------


@pytest.fixture(scope="module")
def facade() -> Scheduler:
    return Scheduler(config(enable_real_time=True))


@pytest.mark.parametrize(
    ("entry", "names"),
    [
        (42, "operations[0]"),
        ({"operation": ["assign"]}, "operations[0].operation"),
        ({"operation": {"x": 1}}, "operations[0].operation"),
        ({"action": "zzz"}, "operations[0].operation"),
        ({"action": "assign"}, "needs field"),
        ({"action": "assign", "worker_id": "W1", "date": {}, "post_index": 0}, "date"),
        ({"action": "assign", "worker_id": ["W1"], "date": "2026-01-05", "post_index": 0}, "W1"),
        ({"action": "swap", "a": 1, "b": 2}, "a"),
        ({1: "assign"}, "operations[0]"),
        (nested_bulk(10_000), "MAX_NESTING"),
    ],
)
def test_a_malformed_bulk_entry_is_answered_not_raised(
    facade: Scheduler, entry: Any, names: str
) -> None:
    version = facade.schedule.version
    first = {"action": "assign", "worker_id": "W2", "date": "06-01-2026", "post_index": 0}
    out = facade.bulk_update_real_time([first, entry], "alice")
    assert out["success"] is False
    assert out["error"] in ("MALFORMED", "UNKNOWN_WORKER")
    text = out["message"].replace("operations[1]", "operations[0]").replace("ops[1]", "ops[0]")
    assert names in text
    assert len(out["message"]) < 600
    assert facade.schedule.version == version


facade_keys = st.sampled_from(
    [
        "operation",
        "action",
        "type",
        "op",
        "worker_id",
        "worker",
        "date",
        "post_index",
        "post",
        "date1",
        "date2",
        "post_index1",
        "post_index2",
        "a",
        "b",
        "src",
        "dst",
        "ops",
        "slot",
    ]
) | st.text(max_size=3)
facade_scalars = scalars | st.sampled_from(
    ["assign_worker", "swap_workers", "move_worker", "unassign_worker", "05-01-2026", "W1"]
)
facade_json = st.recursive(
    facade_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(facade_keys, inner, max_size=6),
    max_leaves=15,
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(facade_json | st.dictionaries(facade_keys, facade_json, max_size=6), max_size=4))
def test_bulk_update_never_raises_and_always_says_whether_it_succeeded(
    facade: Scheduler, entries: list[Any]
) -> None:
    out = facade.bulk_update_real_time(entries, "alice")
    assert isinstance(out, dict)
    assert isinstance(out["success"], bool)
    assert isinstance(out["message"], str)
    if not out["success"]:
        assert out["error"]


@pytest.mark.parametrize("limit", [math.inf, math.nan, -1.0, 10.0**12])
def test_the_facade_refuses_an_unbounded_time_limit(facade: Scheduler, limit: float) -> None:
    out = facade.generate_schedule(time_limit=limit)
    assert out["success"] is False and "time_limit" in out["message"]
