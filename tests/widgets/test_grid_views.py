"""The views a grid keeps track of are bounded (limits.MAX_VIEWS, least recently seen evicted,
their presence gone), and a hello costs the same however many stale views came before it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from rtsched_widgets.limits import MAX_VIEWS
from tests.widgets._problems import make_schedule
from tests.widgets.test_grid_messages import open_grid

N = 10_000


class Counting(OrderedDict):
    """An OrderedDict that counts the entries read by iterating it (keys, values or items)."""

    read = 0

    def _count(self, it: Iterator[Any]) -> Iterator[Any]:
        for x in it:
            Counting.read += 1
            yield x

    def __iter__(self) -> Iterator[Any]:
        return self._count(super().__iter__())

    def keys(self) -> Any:
        return list(self._count(iter(super().keys())))

    def values(self) -> Any:
        return list(self._count(iter(super().values())))

    def items(self) -> Any:
        return list(self._count(iter(super().items())))


def select(channel: Any, view_id: str, r: int) -> None:
    channel.receive(
        {
            "type": "select",
            "view_id": view_id,
            "view": "coverage",
            "r": r,
            "c": 0,
            "sel": [r, 0, r, 1],
        }
    )


def test_ten_thousand_hellos_keep_the_newest_views_and_evicted_ones_leave(fake_comms):
    s = make_schedule()
    session = s.collaborate()
    grid, channel = open_grid(fake_comms, s)
    user = {i: f"u{i // 100:03d}" for i in range(N)}  # 100 views per user

    for i in range(N):
        channel.receive({"type": "hello", "view_id": f"v{i}", "user": user[i]})
        if i % 10 == 0:
            select(channel, f"v{i}", i % 14)
        channel.take()
        channel.published.clear()

    kept = [f"v{i}" for i in range(N - MAX_VIEWS, N)]
    assert list(grid._tracker.views) == kept  # least recently seen first
    assert len(grid._tracker.selections) <= MAX_VIEWS and set(grid._tracker.selections) <= set(kept)
    assert len(grid._tracker.blocks) <= MAX_VIEWS and set(grid._tracker.blocks) <= set(kept)
    present = sorted({user[i] for i in range(N - MAX_VIEWS, N)})
    assert grid.viewers == present
    # the users of evicted views left the schedule's presence; those still looking did not
    assert session.presence.local_users() == present
    assert sorted(u["name"] for u in session.presence.users()) == present
    assert {row[0] for row in grid.presence} <= set(present)
    assert len(grid.presence) == len([v for v in kept if int(v[1:]) % 10 == 0])
    # an evicted view's selected block is gone with it
    assert grid.selected_block(["v0"]) is None
    assert grid.selected_block([kept[0]]) is not None
    # bye of a kept view forgets it at once; an evicted view that is still open is tracked
    # again by its next message
    channel.receive({"type": "bye", "view_id": kept[-1]})
    assert kept[-1] not in grid._tracker.views
    select(channel, "v0", 3)
    assert "v0" in grid._tracker.views and len(grid._tracker.views) == MAX_VIEWS
    assert grid.selected_block(["v0"]).dates == ("2026-01-08",)
    grid.close()
    session.close()


def test_seeing_a_view_again_makes_it_the_most_recent(fake_comms):
    grid, channel = open_grid(fake_comms)
    for i in range(MAX_VIEWS):
        channel.receive({"type": "hello", "view_id": f"v{i}", "user": "ann"})
    select(channel, "v0", 1)  # v0 is seen again: v1 is now the least recently seen
    channel.receive({"type": "hello", "view_id": "new", "user": "bob"})
    assert "v0" in grid._tracker.views and "v1" not in grid._tracker.views
    assert list(grid._tracker.views)[-2:] == ["v0", "new"]
    assert grid.viewers == ["ann", "bob"]
    assert grid.presence[0][0] == "ann"


def test_a_hello_costs_the_same_however_many_stale_views_came_before(fake_comms):
    grid, channel = open_grid(fake_comms)
    grid._tracker.views = Counting(grid._tracker.views)
    grid._tracker.selections = Counting(grid._tracker.selections)
    reads = []
    for i in range(N):
        before = Counting.read
        channel.receive({"type": "hello", "view_id": f"v{i}", "user": "bob"})
        reads.append(Counting.read - before)
        channel.take()
        channel.published.clear()
    # no hello reads the views it tracks one by one: the work per hello is the same with 0,
    # MAX_VIEWS or 10,000 stale views behind it
    assert max(reads) == 0, (reads[:3], reads[-3:])
    assert len(grid._tracker.views) == MAX_VIEWS and grid.viewers == ["bob"]
