"""Two events published as a pair (``EventBus.publish_built_pair``, an edit's event and its
``violations_changed``) are kept as one history row; every reader sees what two
``publish_built`` calls would have left: the same events, ``seq``, order, counts and byte
bounds, whatever the bounds cut."""

from __future__ import annotations

import random
from typing import Any

import pytest

from rtsched_widgets.engine.events import EventBus, event_bytes


def build(args: list[Any]) -> dict[str, Any]:
    return {"n": args[0], "tag": "first"}


def then_build(args: list[Any]) -> dict[str, Any]:
    return {"n": args[0], "tag": "second"}


def size_of(builder: Any, args: list[Any], user: str) -> int:
    return event_bytes(builder(args), user)


def trees(history_size: int, history_bytes: int | None) -> tuple[EventBus, EventBus]:
    """(child, root) of a fresh tree whose buses have these bounds."""
    root = EventBus(None, forward=False, history_size=history_size, history_bytes=history_bytes)
    child = EventBus(
        "c", parent=root, history_size=max(history_size - 1, 0), history_bytes=history_bytes
    )
    return child, root


def seen(bus: EventBus) -> list[tuple[Any, ...]]:
    return [(e.type, dict(e.payload), e.user, e.seq, e.schedule_id) for e in bus.query()]


def counts(bus: EventBus) -> tuple[Any, ...]:
    st = bus.stats()
    return st["published"], st["history"], st["history_bytes"], st["received_from_children"]


@pytest.mark.parametrize("seed", range(12))
def test_a_pair_is_kept_as_two_publish_built_calls_would_keep_it(seed: int) -> None:
    rng = random.Random(seed)
    history_size = rng.choice([0, 1, 2, 3, 5, 8])
    history_bytes = rng.choice([None, 0, 300, 700, 1500])
    paired, paired_root = trees(history_size, history_bytes)
    single, single_root = trees(history_size, history_bytes)
    for i in range(rng.randint(1, 25)):
        args = [i]
        user = rng.choice(["ann", "bo", "a-rather-long-user-name" * rng.randint(1, 8)])
        first_size = size_of(build, args, user)
        then = rng.choice(["violations_changed", None])
        then_size = size_of(then_build, args, user)
        if rng.random() < 0.2:  # a plain event between the pairs
            for bus in (paired, single):
                bus.publish("validated", {"i": i}, user)
            continue
        paired.publish_built_pair(
            "assigned", build, first_size, then, then_build, then_size, args, user
        )
        single.publish_built("assigned", build, args, user, first_size)
        if then is not None:
            single.publish_built(then, then_build, args, user, then_size)
        assert seen(paired) == seen(single)
        assert seen(paired_root) == seen(single_root)
        assert counts(paired) == counts(single)
        assert counts(paired_root) == counts(single_root)
        assert paired.last_seq == single.last_seq
    if history_size and history_bytes is None:
        assert len(seen(paired_root)) <= history_size


def test_a_pair_shares_its_time_and_takes_consecutive_seqs() -> None:
    child, root = trees(10, None)
    args = [1]
    child.publish_built_pair(
        "moved", build, 300, "violations_changed", then_build, 290, args, "ann"
    )
    first, second = child.query()
    assert (first.seq, second.seq) == (1, 2)
    assert first.time == second.time
    assert (first.type, second.type) == ("moved", "violations_changed")
    assert dict(second.payload) == {"n": 1, "tag": "second"}
    assert child.stats()["history_bytes"] == root.stats()["history_bytes"] == 590
    child.clear_history()
    assert child.query() == [] and child.stats()["history"] == 0
    assert len(root.query()) == 2


def test_with_a_listener_each_event_is_delivered_before_the_next_is_kept() -> None:
    child, root = trees(10, None)
    order: list[tuple[str, int]] = []
    root.subscribe("*", lambda e: order.append((e.type, len(child.query()))))
    child.publish_built_pair(
        "assigned", build, 300, "violations_changed", then_build, 290, [7], "ann"
    )
    assert order == [("assigned", 1), ("violations_changed", 2)]
