"""The grid's per-view selected blocks (what "Repair selection" of the solver bar repairs) and
the ``rows`` of a filtered view's select message."""

from __future__ import annotations

from typing import Any

import pytest

from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.grid import ScheduleGrid, SelectedBlock
from tests.widgets._problems import make_problem, make_schedule


def channel_of(fake_comms: list[Any], widget: Any) -> Any:
    (channel,) = [c for c in fake_comms if c is widget.comm]
    channel.take()
    return channel


def select(channel: Any, view_id: str, view: str, sel: list[int], **extra: Any) -> None:
    channel.receive(
        {
            "type": "select",
            "view_id": view_id,
            "view": view,
            "r": sel[0],
            "c": sel[1],
            "sel": sel,
            **extra,
        }
    )


def test_the_grid_keeps_each_views_block(fake_comms):
    s = make_schedule()
    grid = ScheduleGrid(s)
    channel = channel_of(fake_comms, grid)
    assert grid.selected_block() is None
    channel.receive({"type": "hello", "view_id": "va", "user": "ann"})
    channel.receive({"type": "hello", "view_id": "vb", "user": "ben"})
    select(channel, "va", "coverage", [1, 0, 3, 1])
    select(channel, "vb", "roster", [2, 4, 3, 5])
    a = grid.selected_block(["va"])
    assert a == SelectedBlock("coverage", "ann", ("2026-01-06", "2026-01-07", "2026-01-08"), (0, 1))
    assert len(a) == 6
    assert a.scope() == {"dates": ["2026-01-06", "2026-01-07", "2026-01-08"], "posts": [0, 1]}
    b = grid.selected_block(user="ben")
    assert b == SelectedBlock("roster", "ben", ("2026-01-09", "2026-01-10"), (0, 1), ("W02", "W03"))
    assert b.scope()["workers"] == ["W02", "W03"] and len(b) == 4
    # the newest block of the given views wins; unknown views fall back to the user's
    assert grid.selected_block(["va", "vb"]) == b
    assert grid.selected_block(["gone"], user="ann") == a
    assert grid.selected_block(["gone"]) is None
    assert grid.selected_block() == b
    # a filtered view names its data rows (only the Mondays shown: days 0 and 7)
    select(channel, "va", "coverage", [0, 1, 1, 1], rows=[0, 7])
    assert grid.selected_block(["va"]).dates == ("2026-01-05", "2026-01-12")
    assert grid.selected_block(["va"]).posts == (1,)
    channel.receive({"type": "bye", "view_id": "vb"})
    assert grid.selected_block(user="ben") is None


def test_select_rows_are_checked():
    shape = wire.GridShape(14, 2, 6, make_problem().maximum)
    base = {"type": "select", "view_id": "v", "view": "coverage", "r": 0, "c": 0}
    with pytest.raises(wire.ProtocolError, match="rows"):
        wire.parse_message({**base, "rows": [0]}, shape)  # rows without sel
    with pytest.raises(wire.ProtocolError, match="rows"):
        wire.parse_message({**base, "sel": [0, 0, 1, 0], "rows": [0]}, shape)
    with pytest.raises(wire.ProtocolError, match=r"rows\[1\]"):
        wire.parse_message({**base, "sel": [0, 0, 1, 0], "rows": [0, 14]}, shape)
    msg = wire.parse_message({**base, "sel": [0, 0, 1, 0], "rows": [3, 10]}, shape)
    assert msg.rows == (3, 10)
