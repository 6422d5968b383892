"""ScheduleTable's custom-message protocol, driven through a fake comm (no kernel, no browser)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets import ScheduleTable

ROWS = ["2026-01-05", "2026-01-06", "2026-01-07"]
POSTS = ["post 0", "post 1"]


def make_table() -> ScheduleTable:
    cells = pd.DataFrame(
        [["W001", None], [None, "W002"], ["W003", "W004"]], index=ROWS, columns=POSTS
    )
    return ScheduleTable(cells, title="week 2")


def open_table(fake_comms: list[Any]) -> tuple[ScheduleTable, Any]:
    """A new table and its fake comm (from the ``fake_comms`` fixture), its opening taken."""
    table = make_table()
    (channel,) = [c for c in fake_comms if c is table.comm]
    channel.take()
    return table, channel


def snapshot_of(table: ScheduleTable) -> tuple[int, list[list[str | None]]]:
    return table.version, table.cells.to_numpy().tolist()


def edit(view_id: Any = "view-a", request_id: Any = "req-1", **fields: Any) -> dict[str, Any]:
    return {
        "type": "edit",
        "view_id": view_id,
        "request_id": request_id,
        "base_version": 0,
        **fields,
    }


def test_hello_gets_a_snapshot_addressed_to_the_view(fake_comms):
    table, channel = open_table(fake_comms)

    channel.receive({"type": "hello", "view_id": "view-a"})

    assert channel.take() == [
        {
            "type": "snapshot",
            "view_id": "view-a",
            "version": 0,
            "columns": POSTS,
            "rows": ROWS,
            "cells": [["W001", None], [None, "W002"], ["W003", "W004"]],
        }
    ]
    assert table.version == 0


def test_edit_broadcasts_a_patch_and_replies_to_the_asking_view(fake_comms):
    table, channel = open_table(fake_comms)

    channel.receive(edit(row=1, col=0, value="W009"))

    patch, reply = channel.take()
    assert patch == {"type": "patch", "version": 1, "changes": [[1, 0, "W009"]]}
    assert "view_id" not in patch  # a patch is for every view
    assert reply["type"] == "reply"
    assert reply["view_id"] == "view-a"
    assert reply["request_id"] == "req-1"
    assert reply["ok"] is True
    assert table.cells.loc["2026-01-06", "post 0"] == "W009"
    assert table.version == 1


def test_edit_to_none_clears_the_cell_and_versions_count_up(fake_comms):
    table, channel = open_table(fake_comms)

    channel.receive(edit(row=0, col=0, value=None))
    channel.receive(edit(view_id="view-b", request_id="req-2", row=2, col=1, value="W001"))

    patches = [m for m in channel.take() if m["type"] == "patch"]
    assert [p["version"] for p in patches] == [1, 2]
    assert patches[0]["changes"] == [[0, 0, None]]
    assert table.cells.loc["2026-01-05", "post 0"] is None
    assert table.cells.loc["2026-01-07", "post 1"] == "W001"


def test_a_change_from_python_is_a_patch_for_every_view(fake_comms):
    table, channel = open_table(fake_comms)

    table.set_cell(2, 0, "W042")

    assert channel.take() == [{"type": "patch", "version": 1, "changes": [[2, 0, "W042"]]}]


@pytest.mark.parametrize(
    ("row", "col", "value"),
    [(3, 0, "W1"), (0, -1, "W1"), (0, 2, "W1"), (-1, 0, "W1"), (True, 0, "W1")],
)
def test_set_cell_from_python_rejects_bad_input_and_changes_nothing(fake_comms, row, col, value):
    table, channel = open_table(fake_comms)
    before = snapshot_of(table)

    with pytest.raises(ValueError, match=r"^(row|col):"):
        table.set_cell(row, col, value)

    assert snapshot_of(table) == before
    assert channel.take() == []


def test_set_cell_rejects_a_non_string_worker(fake_comms):
    table = make_table()
    before = snapshot_of(table)
    with pytest.raises(TypeError, match="value"):
        table.set_cell(0, 0, 7)  # type: ignore[arg-type]
    assert snapshot_of(table) == before


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (edit(row="1", col=0, value="W1"), "row"),
        (edit(row=1.0, col=0, value="W1"), "row"),
        (edit(row=None, col=0, value="W1"), "row"),
        (edit(row=False, col=0, value="W1"), "row"),
        (edit(row=3, col=0, value="W1"), "row"),
        (edit(row=-1, col=0, value="W1"), "row"),
        (edit(row=0, col=[0], value="W1"), "col"),
        (edit(row=0, col=2, value="W1"), "col"),
        (edit(row=0, value="W1"), "col"),
        (edit(row=0, col=0, value=12), "value"),
        (edit(row=0, col=0, value={"id": "W1"}), "value"),
        ({"type": "rename", "view_id": "view-a", "request_id": "req-1"}, "type"),
    ],
)
def test_a_malformed_request_gets_an_error_reply_and_changes_nothing(fake_comms, message, field):
    table, channel = open_table(fake_comms)
    before = snapshot_of(table)

    channel.receive(message)

    (reply,) = channel.take()
    assert reply["type"] == "reply"
    assert reply["view_id"] == "view-a"
    assert reply["request_id"] == "req-1"
    assert reply["ok"] is False
    assert reply["message"].startswith(f"{field}:")
    assert snapshot_of(table) == before


@pytest.mark.parametrize(
    "message",
    [
        edit(view_id=None, row=0, col=0, value="W1"),
        edit(view_id=7, row=0, col=0, value="W1"),
        {"type": "hello"},
        {"type": "edit", "row": 0, "col": 0, "value": "W1", "request_id": "req-1"},
        ["edit", 0, 0, "W1"],
        "hello",
        None,
        42,
    ],
)
def test_a_message_without_a_view_gets_an_error_and_changes_nothing(fake_comms, message):
    table, channel = open_table(fake_comms)
    before = snapshot_of(table)

    channel.receive(message)

    (error,) = channel.take()
    assert error["type"] == "error"
    assert "view_id" in error["message"]
    assert snapshot_of(table) == before


def test_an_edit_without_a_request_id_is_refused(fake_comms):
    table, channel = open_table(fake_comms)
    before = snapshot_of(table)

    channel.receive(edit(request_id=None, row=0, col=0, value="W1"))

    (reply,) = channel.take()
    assert reply["type"] == "reply"
    assert reply["view_id"] == "view-a"
    assert reply["ok"] is False
    assert snapshot_of(table) == before


# -- fuzz ------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats() | st.text(max_size=6)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
protocol_messages = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["hello", "edit", "patch", "snapshot", "reply"]) | json_values,
        "view_id": st.sampled_from(["view-a", "view-b"]) | json_values,
        "request_id": st.just("req-1") | json_values,
        "base_version": st.integers(-1, 3) | json_values,
        "row": st.integers(-1, 3) | json_values,
        "col": st.integers(-1, 2) | json_values,
        "value": st.sampled_from(["W001", "W777", None]) | json_values,
    },
)


def is_valid_edit(msg: Any) -> bool:
    def index_in(value: Any, size: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size

    return (
        isinstance(msg, dict)
        and msg.get("type") == "edit"
        and isinstance(msg.get("view_id"), str)
        and isinstance(msg.get("request_id"), str)
        and index_in(msg.get("row"), len(ROWS))
        and index_in(msg.get("col"), len(POSTS))
        and (msg.get("value") is None or isinstance(msg.get("value"), str))
    )


# The fixture only patches how comms are created; each example builds its own table.
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(messages=st.lists(protocol_messages | json_values, min_size=1, max_size=4))
def test_fuzz_only_valid_edits_change_state_and_every_message_is_answered(fake_comms, messages):
    table, channel = open_table(fake_comms)
    expected_cells = table.cells.to_numpy().tolist()
    expected_version = 0

    for msg in messages:
        channel.receive(msg)
        answers = channel.take()
        assert answers, f"no answer to {msg!r}"
        view_id = msg.get("view_id") if isinstance(msg, dict) else None
        if not isinstance(view_id, str):
            assert [a["type"] for a in answers] == ["error"]
        elif msg.get("type") == "hello":
            (snapshot,) = answers
            assert snapshot["type"] == "snapshot"
            assert snapshot["view_id"] == view_id
            assert snapshot["version"] == expected_version
            assert snapshot["cells"] == expected_cells
        elif is_valid_edit(msg):
            expected_version += 1
            expected_cells[msg["row"]][msg["col"]] = msg["value"]
            patch, reply = answers
            assert patch == {
                "type": "patch",
                "version": expected_version,
                "changes": [[msg["row"], msg["col"], msg["value"]]],
            }
            assert (reply["type"], reply["view_id"], reply["ok"]) == ("reply", view_id, True)
        else:
            (reply,) = answers
            assert (reply["type"], reply["view_id"], reply["ok"]) == ("reply", view_id, False)
        assert snapshot_of(table) == (expected_version, expected_cells)
    table.close()
