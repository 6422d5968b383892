"""Operation dataclasses and their dict (protocol) form."""

from __future__ import annotations

import json

import pytest

from rtsched_widgets.engine.ops import Assign, Bulk, Cell, Move, Swap, Unassign, cell, parse_op
from rtsched_widgets.engine.result import ERROR_CODES, OpError, OpResult


@pytest.mark.parametrize(
    "op",
    [
        Assign("W01", "2026-01-05", 0),
        Assign("W01", "2026-01-05", "N", 1),
        Unassign("2026-01-05", 0),
        Unassign("2026-01-05", "N", worker="W02"),
        Swap(Cell("2026-01-05", 0), Cell("2026-01-07", 1, 1)),
        Move(Cell("2026-01-05", 0, 0), Cell("2026-01-07", "D")),
        Bulk((Assign("W01", "2026-01-05", 0), Bulk((Unassign("2026-01-06", 1),)))),
    ],
)
def test_dict_form_round_trips_through_json(op: object) -> None:
    d = op.to_dict()  # type: ignore[attr-defined]
    assert parse_op(json.loads(json.dumps(d))) == op


def test_original_protocol_fields_for_swap_and_move() -> None:
    op = parse_op(
        {
            "op": "swap",
            "date1": "2026-01-05",
            "post1": 0,
            "date2": "2026-01-06",
            "post2": 1,
            "slot2": 1,
        }
    )
    assert op == Swap(Cell("2026-01-05", 0), Cell("2026-01-06", 1, 1))
    mv = parse_op(
        {"op": "move", "src": {"date": "2026-01-05", "post": 0}, "dst": ("2026-01-06", 1)}
    )
    assert mv == Move(Cell("2026-01-05", 0), Cell("2026-01-06", 1))


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("assign", "is not an operation"),
        ({"worker": "W01"}, "op.op"),
        ({"op": "paint"}, "op.op"),
        ({"op": "assign", "worker": "W01", "date": "2026-01-05"}, "['post']"),
        ({"op": "assign", "worker": "W01", "date": "2026-01-05", "post": 0, "colour": 1}, "colour"),
        ({"op": "assign", "worker": "W01", "date": "2026-01-05", "post": 0, "slot": "x"}, "slot"),
        ({"op": "swap", "a": ["2026-01-05", 0]}, "'b'"),
        ({"op": "swap", "a": ["2026-01-05"], "b": ["2026-01-05", 1]}, "op.a"),
        ({"op": "move", "date1": "2026-01-05", "post1": 0}, "date2"),
        ({"op": "bulk", "ops": "nope"}, "op.ops"),
        ({"op": "bulk", "ops": [{"op": "assign"}]}, "op.ops[0]"),
    ],
)
def test_malformed_dicts_name_the_field(value: object, needle: str) -> None:
    with pytest.raises(OpError) as info:
        parse_op(value)
    assert info.value.code == "MALFORMED"
    assert needle in info.value.message


def test_cell_forms() -> None:
    assert cell(("2026-01-05", 0)) == Cell("2026-01-05", 0, None)
    assert cell(["2026-01-05", 0, 2]) == Cell("2026-01-05", 0, 2)
    with pytest.raises(OpError):
        cell({"date": "2026-01-05"})
    with pytest.raises(OpError):
        cell(("2026-01-05", 0, True))


def test_op_result_dict_is_json_and_error_codes_are_documented() -> None:
    r = OpResult(ok=False, message="m", error="PINNED", suggestions=({"kind": "assign"},))
    assert json.loads(json.dumps(r.to_dict()))["error"] == "PINNED"
    assert not r and set(ERROR_CODES) >= {
        "UNKNOWN_WORKER",
        "OUT_OF_HORIZON",
        "BAD_POST",
        "HARD_VIOLATION",
        "PINNED",
        "STALE",
        "MALFORMED",
    }
    assert list(r.suggestions_frame.columns) == ["kind"]
