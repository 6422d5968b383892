"""Hostile and careless messages from views: nested 10,000 deep, huge strings and numbers, wrong
types, values that contain themselves. Each one gets one short answer that names the field, and
changes nothing — from the grid, the history panel and the conflicts panel."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets import limits
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.panels import ConflictsPanel, HistoryPanel
from tests.widgets._problems import make_schedule
from tests.widgets.test_grid_messages import open_grid, state_of

HUGE = "x" * 10_000_000


def deep(n: int, leaf: Any = 0) -> Any:
    """``leaf`` inside ``n`` nested lists."""
    for _ in range(n):
        leaf = [leaf]
    return leaf


def deep_object(n: int) -> Any:
    """``n`` nested objects ``{"k": {"k": ...}}``."""
    value: Any = 1
    for _ in range(n):
        value = {"k": value}
    return value


def looped() -> list[Any]:
    """A list that contains itself (a caller in Python can send one; JSON cannot)."""
    x: list[Any] = []
    x.append(x)
    return x


def channel_of(fake_comms: list[Any], widget: Any) -> Any:
    (channel,) = [c for c in fake_comms if c is widget.comm]
    channel.take()
    return channel


EDIT = {"type": "edit", "view_id": "v", "request_id": "r", "base_version": None}
ASSIGN = {"k": "assign", "w": 1, "d": 0, "s": 0}

HOSTILE = [
    ({**EDIT, "op": deep(10_000)}, "op"),
    ({**EDIT, "op": deep_object(10_000)}, "op.k"),
    ({**EDIT, "op": {"k": "bulk", "ops": [{"k": "swap", "a": deep(5_000), "b": [0, 0, 0]}]}}, "op"),
    ({**EDIT, "op": looped()}, "op"),
    ({**EDIT, "op": {**ASSIGN, "w": 10**5000}}, "op.w"),
    ({**EDIT, "op": {**ASSIGN, "d": HUGE}}, "op.d"),
    ({**EDIT, "op": {"k": HUGE}}, "op.k"),
    ({**EDIT, "op": HUGE}, "op"),
    ({**EDIT, "op": ASSIGN, "base_version": 10**5000}, "base_version"),
    ({**EDIT, "op": ASSIGN, "force": deep(10_000)}, "force"),
    ({**EDIT, "request_id": HUGE, "op": ASSIGN}, "request_id"),
    ({"type": deep(10_000), "view_id": "v"}, "type"),
    ({"type": HUGE, "view_id": "v"}, "type"),
    ({"type": 10**5000, "view_id": "v"}, "type"),
    ({"type": "hello", "view_id": "v", "user": HUGE}, "user"),
    ({"type": "hello", "view_id": "v", "user": deep(10_000, "bob")}, "user"),
    (
        {"type": "select", "view_id": "v", "view": "coverage", "r": 0, "c": 0, "sel": deep(9_999)},
        "sel",
    ),
    ({"type": "select", "view_id": "v", "view": HUGE, "r": 0, "c": 0}, "view"),
    ({"type": "select", "view_id": "v", "view": "roster", "r": 10**5000, "c": 0}, "r"),
    ({"type": "suggest", "view_id": "v", "request_id": "r", "d": [HUGE], "s": 0}, "d"),
    ({"type": "hello", "view_id": "v", "extra": deep_object(10_000)}, "extra"),
]


@pytest.mark.parametrize(("message", "field"), HOSTILE)
def test_a_hostile_message_gets_one_short_reply_naming_the_field(fake_comms, message, field):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)

    channel.receive(message)

    (reply,) = channel.take()
    assert (reply["type"], reply["view_id"], reply["ok"]) == ("reply", "v", False)
    assert reply["message"].startswith(field), reply["message"][:200]
    assert len(reply["message"]) <= limits.MAX_MESSAGE
    assert reply["code"] == "MALFORMED"
    assert state_of(grid) == before
    assert grid.viewers == [] and grid.presence == []


@pytest.mark.parametrize(
    "message", [deep(10_000), looped(), HUGE, {"view_id": deep(10_000)}, {"view_id": HUGE}]
)
def test_a_hostile_message_without_a_view_gets_an_error(fake_comms, message):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)

    channel.receive(message)

    (error,) = channel.take()
    assert error["type"] == "error" and error["message"].startswith("view_id:")
    assert state_of(grid) == before


def test_nesting_is_allowed_up_to_the_limit_and_named_beyond_it():
    wire.check_nesting({"x": deep(limits.MAX_NESTING)})
    with pytest.raises(wire.ProtocolError) as err:
        wire.check_nesting({"x": deep(limits.MAX_NESTING + 1)})
    assert err.value.field == "x[0][0]…"
    assert "MAX_NESTING" in str(err.value)
    wire.check_nesting(deep(limits.MAX_NESTING + 1))  # the message itself is level 0
    with pytest.raises(wire.ProtocolError) as err:
        wire.check_nesting(deep(limits.MAX_NESTING + 2))
    assert err.value.field == "[0][0][0]…"
    # a wide message is fine, and checking it visits each item once
    wire.check_nesting({"op": {"k": "bulk", "ops": [{"k": "unassign", "d": 0, "s": 0}] * 5000}})


def test_a_deep_but_legal_edit_still_works(fake_comms):
    grid, channel = open_grid(fake_comms)
    ops = [{"k": "assign", "w": 3, "d": 0, "s": 0, "slot": None}]
    channel.receive({**EDIT, "op": {"k": "bulk", "ops": ops}})
    reply = channel.take()[-1]
    assert reply["ok"] is True, reply
    assert grid.schedule.core.slots[0, 0, 0] == 3


FIELDS = ["type", "view", "user", "op", "request_id", "base_version", "force", "d", "s", "sel"]
KINDS = ["hello", "presence", "select", "edit", "suggest", "undo", "bye", "violations"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(KINDS),
    field=st.sampled_from(FIELDS),
    depth=st.integers(limits.MAX_NESTING + 1, 3_000),
    as_object=st.booleans(),
    leaf=st.one_of(st.integers(), st.text(max_size=3), st.just(10**400), st.none()),
)
def test_fuzz_deep_values_in_any_field_are_answered_naming_it(
    fake_comms, kind, field, depth, as_object, leaf
):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)
    value: Any = leaf
    for _ in range(depth):
        value = {"k": value} if as_object else [value]
    message = {
        "type": kind,
        "view_id": "v",
        "request_id": "r",
        "view": "coverage",
        "r": 0,
        "c": 0,
        "d": 0,
        "s": 0,
        field: value,
    }

    channel.receive(message)

    (reply,) = channel.take()
    assert reply["type"] == "reply" and reply["ok"] is False
    assert reply["message"].startswith(field), reply["message"][:200]
    assert len(reply["message"]) <= limits.MAX_MESSAGE
    assert state_of(grid) == before
    grid.close()


# -- the panels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (deep(10_000), "message"),
        (looped(), "message"),
        (HUGE, "message"),
        ({"type": deep(10_000)}, "type"),
        ({"type": HUGE}, "type"),
        ({"type": 10**5000}, "type"),
        ({"type": "export", "format": deep(10_000)}, "format"),
        ({"type": "export", "format": HUGE}, "format"),
        ({"type": "export", "format": 10**5000}, "format"),
        ({"type": "undo", "extra": deep_object(10_000)}, "extra"),
    ],
)
def test_the_history_panel_names_the_field_of_a_hostile_request(
    fake_comms, tmp_path, message, field
):
    s = make_schedule()
    s.assign("W02", "2026-01-05", 0)
    panel = HistoryPanel(s, export_dir=tmp_path)
    channel = channel_of(fake_comms, panel)
    before = (s.version, s.core.slots.tobytes())

    channel.receive(message)

    assert panel.notice.startswith(f"{field}"), panel.notice[:200]
    assert len(panel.notice) <= limits.MAX_MESSAGE
    assert (s.version, s.core.slots.tobytes()) == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (deep(10_000), "message"),
        (None, "message"),
        ({"type": deep_object(10_000), "id": "c1"}, "type"),
        ({"type": HUGE, "id": "c1"}, "type"),
        ({"type": "accept", "id": HUGE}, "id"),
        ({"type": "accept", "id": deep(10_000, "c1")}, "id"),
        ({"type": "reject", "id": 10**5000}, "id"),
        ({"type": "reject"}, "id"),
    ],
)
def test_the_conflicts_panel_names_the_field_of_a_hostile_request(fake_comms, message, field):
    s = make_schedule()
    panel = ConflictsPanel(s)
    channel = channel_of(fake_comms, panel)
    before = (s.version, s.core.slots.tobytes())

    channel.receive(message)

    assert panel.notice.startswith(f"{field}"), panel.notice[:200]
    assert len(panel.notice) <= limits.MAX_MESSAGE
    assert (s.version, s.core.slots.tobytes()) == before
    panel.close()
    s.collab.close()
