"""Per-type event counts (``EventBus.stats()["published"]``) are the events published,
whatever the history keeps: the kept events are counted when read, the forgotten ones as
they leave the history (bounds, ``clear_history``), the never-kept ones when published."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from rtsched_widgets.engine.events import EventBus, event_bytes


def build(args: list[Any]) -> dict[str, Any]:
    return {"n": args[0]}


@pytest.mark.parametrize("seed", range(16))
def test_counts_are_the_events_published(seed: int) -> None:
    rng = random.Random(seed)
    root = EventBus(
        None,
        forward=False,
        history_size=rng.choice([0, 1, 3, 10]),
        history_bytes=rng.choice([None, 0, 400, 2000]),
    )
    child = EventBus(
        "c",
        parent=root,
        history_size=rng.choice([0, 1, 2, 7]),
        history_bytes=rng.choice([None, 0, 300, 1200]),
    )
    mine: Counter[str] = Counter()
    for i in range(rng.randint(5, 40)):
        r = rng.random()
        user = rng.choice(["ann", "a-rather-long-user-name" * rng.randint(1, 6)])
        size = event_bytes(build([i]), user)
        if r < 0.5:
            then = rng.choice(["violations_changed", None])
            child.publish_built_pair("assigned", build, size, then, build, size, [i], user)
            mine["assigned"] += 1
            if then is not None:
                mine[then] += 1
        elif r < 0.8:
            child.publish("moved", {"i": i}, user)
            mine["moved"] += 1
        elif r < 0.9:
            child.publish_built("swapped", build, [i], user, size)
            mine["swapped"] += 1
        else:
            rng.choice([child, root]).clear_history()
        assert child.stats()["published"] == dict(mine)
        assert root.stats()["published"] == dict(mine)
        assert child.stats()["published_total"] == child.last_seq
        assert root.stats()["received_from_children"] == child.last_seq
