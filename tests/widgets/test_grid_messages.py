"""ScheduleGrid's message protocol over a fake comm, against the real Schedule engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.grid import ScheduleGrid
from tests.widgets._problems import make_schedule

JAN = "2026-01-"


def open_grid(fake_comms: list[Any], schedule: Any = None, **kwargs: Any) -> tuple[Any, Any]:
    """A grid on ``schedule`` (a new one by default) and its fake comm, opening taken."""
    schedule = schedule if schedule is not None else make_schedule()
    grid = ScheduleGrid(schedule, **kwargs)
    (channel,) = [c for c in fake_comms if c is grid.comm]
    channel.take()
    return grid, channel


def edit(op: dict[str, Any], view_id: str = "view-a", request_id: str = "req-1", **extra: Any):
    return {
        "type": "edit",
        "view_id": view_id,
        "request_id": request_id,
        "base_version": None,
        "op": op,
        **extra,
    }


def state_of(grid: ScheduleGrid) -> tuple[Any, ...]:
    s = grid.schedule
    return (s.core.slots.tobytes(), s.version, len(s.history), grid.patch_version)


def test_hello_gets_a_snapshot_of_the_whole_schedule(fake_comms):
    s = make_schedule()
    s.assign("W02", JAN + "06", 1)
    grid, channel = open_grid(fake_comms, s)

    channel.receive({"type": "hello", "view_id": "view-a", "user": "bob"})

    (snap,) = channel.take()
    assert snap["type"] == "snapshot"
    assert snap["view_id"] == "view-a"
    assert (snap["v"], snap["sv"]) == (0, 1)
    assert (snap["start"], snap["days"]) == ("2026-01-05", 14)
    assert snap["posts"] == ["Day", "Night"]
    # 01-08 is a pre-holiday (4), 01-09 a holiday Friday (1 + 2), 01-10 Saturday (1)
    assert snap["flags"][:7] == "0004311"
    assert snap["workers"][5][:2] == ["W05", "<img src=x onerror=alert(1)>"]
    assert snap["max"] == "12" * 14
    assert snap["req"] == "11" * 14
    # cells concatenate each cell's slots: day 0 Day (1), day 0 Night (2), day 1 Day (1), ...
    assert snap["cells"][:6] == [-1, -1, -1, -1, 2, -1]
    assert len(snap["cells"]) == 14 * 3
    assert grid.viewers == ["bob"]


def test_presence_and_bye_keep_the_viewers_list(fake_comms):
    grid, channel = open_grid(fake_comms)
    channel.receive({"type": "hello", "view_id": "v1"})
    channel.receive({"type": "presence", "view_id": "v1", "user": "Anonymous Io"})
    channel.receive({"type": "hello", "view_id": "v2", "user": "bob"})
    assert grid.viewers == ["Anonymous Io", "bob"]
    assert [m["type"] for m in channel.take()] == ["snapshot", "snapshot"]
    channel.receive({"type": "bye", "view_id": "v2"})
    assert grid.viewers == ["Anonymous Io"]
    channel.receive({"type": "presence", "view_id": "v1"})
    (reply,) = channel.take()
    assert reply["message"].startswith("user:")
    assert grid.viewers == ["Anonymous Io"]


def test_an_edit_is_one_patch_for_every_view_and_a_reply_to_the_asker(fake_comms):
    grid, channel = open_grid(fake_comms)

    channel.receive(edit({"k": "assign", "w": 3, "d": 2, "s": 1, "slot": None}))

    patch, reply = channel.take()
    assert patch["type"] == "patch"
    assert "view_id" not in patch
    assert (patch["v"], patch["sv"]) == (1, 1)
    assert patch["c"] == [[2, 1, [3, -1], 0]]
    assert reply["type"] == "reply"
    assert (reply["view_id"], reply["request_id"], reply["ok"]) == ("view-a", "req-1", True)
    assert reply["sv"] == 1
    assert grid.schedule.core.slots[2, 1, 0] == 3
    assert grid.schedule.oplog.records()[-1].user == "alice"


def test_a_change_made_from_python_reaches_every_grid_of_the_schedule(fake_comms):
    s = make_schedule()
    _coverage, channel_a = open_grid(fake_comms, s)
    roster, channel_b = open_grid(fake_comms, s, view="roster")

    s.assign("W04", JAN + "10", 0)

    for channel in (channel_a, channel_b):
        (patch,) = [m for m in channel.take() if m["type"] == "patch"]
        assert patch["c"] == [[5, 0, [4], 0]]
    assert roster.view == "roster"


def test_pinned_slots_are_marked_in_patches_and_snapshots(fake_comms):
    grid, channel = open_grid(fake_comms)

    grid.schedule.assign("W01", JAN + "12", 1)

    (patch,) = [m for m in channel.take() if m["type"] == "patch"]
    assert patch["c"] == [[7, 1, [1, -1], 1]]
    channel.receive({"type": "hello", "view_id": "view-b"})
    (snap,) = channel.take()
    assert snap["pins"] == [[7, 1, 1]]


def test_a_refused_edit_changes_nothing_and_says_why(fake_comms):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)

    # W00 is off on 2026-01-07 (day 2): a hard availability violation
    channel.receive(edit({"k": "assign", "w": 0, "d": 2, "s": 0, "slot": None}))

    (reply,) = channel.take()
    assert reply["ok"] is False
    assert reply["code"] == "HARD_VIOLATION"
    assert "W00" in reply["message"] or "Worker 0" in reply["message"]
    assert all(isinstance(w, int) for w, _ in reply.get("alts", []))
    assert reply.get("alts"), "a refused assign offers other workers for the cell"
    assert 0 not in [w for w, _ in reply["alts"]]
    assert state_of(grid) == before


def test_a_bulk_edit_is_atomic(fake_comms):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)
    ops = [
        {"k": "assign", "w": 3, "d": 0, "s": 0, "slot": 0},
        {"k": "assign", "w": 0, "d": 2, "s": 0, "slot": 0},  # refused: day off
    ]

    channel.receive(edit({"k": "bulk", "ops": ops}))

    (reply,) = channel.take()
    assert reply["ok"] is False
    assert state_of(grid) == before


def test_a_paste_sized_bulk_is_one_patch(fake_comms):
    _grid, channel = open_grid(fake_comms)
    ops = [{"k": "assign", "w": w, "d": d, "s": 1, "slot": None} for d, w in ((0, 2), (4, 3))]

    channel.receive(edit({"k": "bulk", "ops": ops}))

    patch, reply = [m for m in channel.take() if m["type"] in ("patch", "reply")]
    assert reply["ok"] is True
    assert sorted(patch["c"]) == [[0, 1, [2, -1], 0], [4, 1, [3, -1], 0]]
    assert patch["v"] == 1


def test_swap_and_move_address_slots_by_index(fake_comms):
    s = make_schedule()
    s.assign("W02", JAN + "05", 0)
    s.assign("W03", JAN + "06", 0)
    _grid, channel = open_grid(fake_comms, s)

    channel.receive(edit({"k": "swap", "a": [0, 0, 0], "b": [1, 0, 0]}))
    channel.receive(edit({"k": "move", "a": [0, 0, 0], "b": [3, 1]}, request_id="req-2"))

    replies = [m for m in channel.take() if m["type"] == "reply"]
    assert [r["ok"] for r in replies] == [True, True], replies
    assert s.core.slots[1, 0, 0] == 2
    assert s.core.slots[0, 0, 0] == -1
    assert s.core.slots[3, 1, 0] == 3


def test_undo_and_redo_go_through_the_grid_user(fake_comms):
    _grid, channel = open_grid(fake_comms)
    channel.receive(edit({"k": "assign", "w": 3, "d": 0, "s": 0, "slot": None}))
    channel.take()

    channel.receive({"type": "undo", "view_id": "view-a", "request_id": "u1"})
    patch, reply = channel.take()
    assert patch["c"] == [[0, 0, [-1], 0]]
    assert reply["ok"] is True

    channel.receive({"type": "redo", "view_id": "view-b", "request_id": "r1"})
    patch, reply = channel.take()
    assert patch["c"] == [[0, 0, [3], 0]]
    assert (reply["view_id"], reply["ok"]) == ("view-b", True)

    channel.receive({"type": "redo", "view_id": "view-b", "request_id": "r2"})
    (reply,) = channel.take()
    assert (reply["ok"], reply["code"]) == (False, "NOTHING_TO_REDO")


def test_suggest_lists_ranked_candidates_then_the_excluded_with_reasons(fake_comms):
    _grid, channel = open_grid(fake_comms)

    channel.receive({"type": "suggest", "view_id": "view-a", "request_id": "q", "d": 2, "s": 0})

    (reply,) = channel.take()
    assert reply["ok"] is True
    items = reply["items"]
    assert sorted(w for w, *_ in items) == list(range(6))
    feasible = [i[2] for i in items]
    assert feasible == sorted(feasible, reverse=True)
    (w0,) = [i for i in items if i[0] == 0]
    assert w0[2] == 0
    assert "unavailable" in w0[3]


def test_violations_reach_the_views_with_their_reasons(fake_comms):
    s = make_schedule()
    _grid, channel = open_grid(fake_comms, s)

    s.assign("W02", JAN + "05", 0)
    s.assign("W02", JAN + "07", 0, force=True)  # gap of 2 days: a forced hard violation

    patches = [m for m in channel.take() if m["type"] == "patch"]
    added = [v for p in patches for v in p.get("va", [])]
    hard = [v for v in added if v[4] == 1]
    assert hard, added
    assert {v[1] for v in hard} <= {0, 2}
    assert all(v[3] == 2 for v in hard)
    assert all(isinstance(v[6], str) and v[6] for v in hard)

    s.undo()
    patches = [m for m in channel.take() if m["type"] == "patch"]
    removed = {i for p in patches for i in p.get("vr", [])}
    assert {v[0] for v in hard} <= removed


def test_a_single_edit_patch_stays_small_whatever_the_schedule_size(fake_comms):
    sizes, cells = [], []
    for n_days in (14, 3000):
        s = make_schedule(n_workers=40, n_days=n_days)
        grid, channel = open_grid(fake_comms, s)
        channel.receive(edit({"k": "assign", "w": 7, "d": 10, "s": 1, "slot": None}))
        patches = [m for m in channel.take() if m["type"] == "patch"]
        sizes.append(sum(wire.encoded_size(p) for p in patches))
        cells.append([c for p in patches for c in p.get("c", [])])
        grid.close()
    # one patch per edit, the cell part identical; violation messages (targets scale with the
    # horizon) are the only part that varies, and the whole stays within the budget
    assert all(size <= wire.PATCH_BUDGET for size in sizes), sizes
    assert cells[0] == cells[1] == [[10, 1, [7, -1], 0]]


def test_patch_versions_are_consecutive_and_snapshots_carry_the_latest(fake_comms):
    s = make_schedule()
    _grid, channel = open_grid(fake_comms, s)
    for d in (0, 1, 2):
        s.assign("W04", f"2026-01-{5 + 4 * d:02d}", 1)
    versions = [m["v"] for m in channel.take() if m["type"] == "patch"]
    assert versions == list(range(1, len(versions) + 1))

    channel.receive({"type": "hello", "view_id": "late"})
    (snap,) = channel.take()
    assert snap["v"] == versions[-1]
    # day 4, Night: after 4 days of 3 slots and that day's Day slot
    assert snap["cells"][4 * 3 + 1 : 4 * 3 + 3] == [4, -1]


def test_an_engine_error_is_reported_to_the_view_not_lost(fake_comms, monkeypatch, caplog):
    grid, channel = open_grid(fake_comms)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(grid.schedule, "apply", broken)
    channel.receive(edit({"k": "assign", "w": 3, "d": 0, "s": 0, "slot": None}))

    (reply,) = channel.take()
    assert reply["ok"] is False
    assert "disk on fire" in reply["message"]
    assert any("disk on fire" in r.getMessage() or r.exc_info for r in caplog.records)


def test_a_closed_grid_stops_following_the_schedule(fake_comms):
    s = make_schedule()
    grid, channel = open_grid(fake_comms, s)
    grid.close()

    s.assign("W04", JAN + "10", 0)

    assert [m for m in channel.take() if m["type"] == "patch"] == []


def test_unknown_keyword_arguments_and_bad_views_are_errors():
    s = make_schedule()
    with pytest.raises(TypeError):
        ScheduleGrid(s, colour="red")  # type: ignore[call-arg]
    with pytest.raises(Exception, match="view"):
        ScheduleGrid(s, view="calendar")
    with pytest.raises(TypeError, match="schedule"):
        ScheduleGrid(object())


# -- malformed and hostile messages -----------------------------------------------------------

BAD_EDITS = [
    ({"k": "assign", "w": 99, "d": 0, "s": 0}, "op.w"),
    ({"k": "assign", "w": 1, "d": 10**30, "s": 0}, "op.d"),
    ({"k": "assign", "w": 1, "d": -1, "s": 0}, "op.d"),
    ({"k": "assign", "w": True, "d": 0, "s": 0}, "op.w"),
    ({"k": "assign", "w": 1.0, "d": 0, "s": 0}, "op.w"),
    ({"k": "assign", "w": "W01", "d": 0, "s": 0}, "op.w"),
    ({"k": "assign", "w": 1, "d": 0, "s": 2}, "op.s"),
    ({"k": "assign", "w": 1, "d": 0, "s": 0, "slot": 1}, "op.slot"),
    ({"k": "assign", "d": 0, "s": 0}, "op.w"),
    ({"k": "unassign", "d": "0", "s": 0}, "op.d"),
    ({"k": "swap", "a": [0, 0], "b": [1, 0, 5]}, "op.b[2]"),
    ({"k": "swap", "a": "0,0", "b": [1, 0, 0]}, "op.a"),
    ({"k": "move", "a": [0, 0, 0], "b": [1, 0, 0]}, "op.b"),
    ({"k": "bulk", "ops": []}, "op.ops"),
    ({"k": "bulk", "ops": [{"k": "bulk", "ops": []}]}, "op.ops[0].k"),
    ({"k": "bulk", "ops": [{"k": "unassign", "d": 0, "s": 0}] * (wire.MAX_BULK_OPS + 1)}, "op.ops"),
    ({"k": "delete_everything"}, "op.k"),
    ({"kind": "assign"}, "op.k"),
    ("assign", "op"),
    (None, "op"),
]


@pytest.mark.parametrize(("op", "field"), BAD_EDITS)
def test_a_malformed_edit_gets_an_error_reply_and_changes_nothing(fake_comms, op, field):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)

    channel.receive(edit(op))

    (reply,) = channel.take()
    assert (reply["type"], reply["view_id"], reply["ok"]) == ("reply", "view-a", False)
    assert reply["message"].startswith(f"{field}:"), reply["message"]
    assert state_of(grid) == before


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (
            {"type": "edit", "view_id": "v", "request_id": "r", "op": None, "base_version": -1},
            "base_version",
        ),
        ({"type": "edit", "view_id": "v", "request_id": "r", "base_version": "3"}, "base_version"),
        (
            {
                "type": "edit",
                "view_id": "v",
                "request_id": "r",
                "force": "yes",
                "op": {"k": "unassign", "d": 0, "s": 0},
            },
            "force",
        ),
        ({"type": "edit", "view_id": "v", "op": {"k": "unassign", "d": 0, "s": 0}}, "request_id"),
        ({"type": "edit", "view_id": "v", "request_id": "r" * 65}, "request_id"),
        ({"type": "suggest", "view_id": "v", "request_id": "r", "d": 0, "s": 9}, "s"),
        ({"type": "snapshot", "view_id": "v"}, "type"),
        ({"type": "hello", "view_id": "v", "user": 7}, "user"),
    ],
)
def test_malformed_requests_name_the_field(fake_comms, message, field):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)

    channel.receive(message)

    (reply,) = channel.take()
    assert reply["ok"] is False
    assert reply["message"].startswith(f"{field}:"), reply["message"]
    assert state_of(grid) == before


@pytest.mark.parametrize(
    "message",
    [
        None,
        42,
        "hello",
        ["edit"],
        {"type": "hello"},
        {"type": "hello", "view_id": ""},
        {"type": "hello", "view_id": "v" * 65},
        {"type": "hello", "view_id": 3},
    ],
)
def test_a_message_without_a_usable_view_id_gets_an_error(fake_comms, message):
    grid, channel = open_grid(fake_comms)
    before = state_of(grid)

    channel.receive(message)

    (error,) = channel.take()
    assert error["type"] == "error"
    assert error["message"].startswith("view_id:")
    assert state_of(grid) == before


json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=5)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
small = st.integers(-2, 16)
ops = st.recursive(
    st.fixed_dictionaries(
        {"k": st.sampled_from(wire.OP_KINDS) | json_values},
        optional={
            "w": small | json_values,
            "d": small | json_values,
            "s": small | json_values,
            "slot": small | json_values,
            "a": st.lists(small, max_size=4) | json_values,
            "b": st.lists(small, max_size=4) | json_values,
        },
    ),
    lambda inner: st.fixed_dictionaries({"k": st.just("bulk"), "ops": st.lists(inner, max_size=3)}),
    max_leaves=4,
)
messages = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from([*wire.UP_TYPES, "patch", "snapshot"]) | json_values,
        "view_id": st.just("view-a") | json_values,
        "request_id": st.just("req") | json_values,
        "base_version": st.none() | st.integers(-1, 2) | json_values,
        "force": st.booleans() | json_values,
        "op": ops | json_values,
        "d": small | json_values,
        "s": small | json_values,
        "user": st.text(max_size=3) | json_values,
    },
)


FIRE_AND_FORGET = ("bye", "presence", "select")


def is_well_formed(msg: Any) -> bool:
    """True when the message passes the protocol's checks."""
    try:
        wire.parse_message(msg, grid_shape)
    except wire.ProtocolError:
        return False
    return True


def is_well_formed_change(msg: Any) -> bool:
    """True when the message passes the protocol's checks and asks for a change."""
    if not isinstance(msg, dict) or msg.get("type") not in ("edit", "undo", "redo"):
        return False
    try:
        wire.parse_message(msg, grid_shape)
    except wire.ProtocolError:
        return False
    return True


grid_shape: Any = None


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(messages | json_values, min_size=1, max_size=4))
def test_fuzz_malformed_messages_change_nothing_and_are_always_answered(fake_comms, batch):
    global grid_shape
    grid, channel = open_grid(fake_comms)
    grid_shape = grid._shape()
    for msg in batch:
        before = state_of(grid)
        channel.receive(msg)
        answers = channel.take()
        view_ok = wire.view_id_of(msg) is not None
        if not view_ok:
            assert [a["type"] for a in answers] == ["error"]
            assert state_of(grid) == before
            continue
        kind = msg.get("type")
        if kind in FIRE_AND_FORGET and is_well_formed(msg):
            continue  # a well-formed bye/presence/select is a notice: no answer by design
        assert answers, f"no answer to {msg!r}"
        if not is_well_formed_change(msg):
            assert state_of(grid) == before, msg
            if kind in ("edit", "undo", "redo"):
                assert answers[-1]["type"] == "reply" and answers[-1]["ok"] is False
        else:
            reply = answers[-1]
            assert reply["type"] == "reply"
            if not reply["ok"]:
                assert state_of(grid) == before, msg
            assert not reply["message"].startswith("internal error"), reply
    grid.close()


def test_digits_packs_small_integers_and_falls_back_to_a_list():
    assert wire.digits([0, 3, 9]) == "039"
    assert wire.digits([]) == ""
    assert wire.digits([1, 12]) == [1, 12]
    assert wire.digits([-1, 0]) == [-1, 0]


def test_a_wide_cell_count_is_sent_as_a_list(fake_comms):
    s = make_schedule(night_slots=12)
    _grid, channel = open_grid(fake_comms, s)
    channel.receive({"type": "hello", "view_id": "v"})
    (snap,) = channel.take()
    assert snap["max"][:2] == [1, 12]
    assert len(snap["cells"]) == 14 * 13


def test_select_sets_the_selection_and_presence_in_one_update(fake_comms):
    grid, channel = open_grid(fake_comms)
    channel.receive({"type": "hello", "view_id": "v1", "user": "bob"})
    channel.take()
    before = len(channel.published)
    channel.receive(
        {"type": "select", "view_id": "v1", "view": "coverage", "r": 3, "c": 1, "sel": [2, 0, 3, 1]}
    )
    assert grid.selection == {"r0": 2, "c0": 0, "r1": 3, "c1": 1}
    assert grid.presence[0][0] == "bob" and grid.presence[0][2:] == ["coverage", 3, 1, "v1"]
    updates = [
        data["state"]
        for msg_type, data, _ in channel.published[before:]
        if msg_type == "comm_msg" and data is not None and data.get("method") == "update"
    ]
    assert len(updates) == 1 and {"selection", "presence"} <= set(updates[0])
    assert channel.take() == []  # a notice: no custom message back


@pytest.mark.parametrize(
    ("sel", "field"),
    [
        ([0, 0, 1], "sel"),
        ("0,0,1,1", "sel"),
        ([2, 0, 1, 1], "sel"),
        ([0, 0, 99, 1], "sel[2] (r1)"),
        ([0, 0, 1, 2], "sel[3] (c1)"),
        ([0, True, 1, 1], "sel[1] (c0)"),
    ],
)
def test_a_bad_selected_range_is_refused_with_its_field_named(sel, field):
    shape = wire.GridShape(14, 2, 8, np.full((14, 2), 2))
    content = {"type": "select", "view_id": "v", "view": "coverage", "r": 0, "c": 0, "sel": sel}
    with pytest.raises(wire.ProtocolError) as err:
        wire.parse_message(content, shape)
    assert err.value.field == field


def test_grids_of_one_schedule_name_it_alike_in_their_snapshots(fake_comms):
    s = make_schedule()
    _ga, ca = open_grid(fake_comms, s)
    _gb, cb = open_grid(fake_comms, s, view="roster")
    _gc, cc = open_grid(fake_comms)  # another schedule
    sids = []
    for channel in (ca, cb, cc):
        channel.receive({"type": "hello", "view_id": "v"})
        (snap,) = channel.take()
        sids.append(snap["sid"])
    assert sids[0] == sids[1] and sids[2] != sids[0]
    assert all(isinstance(x, str) and x for x in sids)
