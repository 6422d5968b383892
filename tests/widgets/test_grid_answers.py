"""The grid's edge to the engine: wire ops as engine ops, refused assigns' alternatives, the
picker's candidates and each view's last forceable refusal."""

from __future__ import annotations

from rtsched_widgets.engine.result import OpResult
from rtsched_widgets.limits import MAX_VIEWS
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.grid_answers import (
    MAX_ALTERNATIVES,
    Refusals,
    alternatives,
    candidates,
    engine_op,
)
from tests.widgets._problems import make_problem

JAN = "2026-01-"


def test_wire_ops_become_engine_ops_with_dates_and_worker_ids():
    p = make_problem()
    bulk = wire.Op(
        "bulk",
        ops=(
            wire.Op("assign", w=3, d=1, s=0, slot=0),
            wire.Op("move", d=2, s=1, slot=None, b=(4, 0, None)),
            wire.Op("unassign", d=0, s=1, slot=1),
        ),
    )
    assert engine_op(p, bulk) == {
        "op": "bulk",
        "ops": [
            {"op": "assign", "worker": "W03", "date": JAN + "06", "post": 0, "slot": 0},
            {"op": "move", "src": [JAN + "07", 1, None], "dst": [JAN + "09", 0, None]},
            {"op": "unassign", "date": JAN + "05", "post": 1, "slot": 1},
        ],
    }


def test_alternatives_are_other_workers_for_the_same_cell_at_most_five():
    p = make_problem(n_workers=12)
    op = wire.Op("assign", w=0, d=1, s=0, slot=0)
    same = {"kind": "assign", "date": JAN + "06", "post": 0}
    suggestions = (
        {**same, "worker": "W00", "soft": 0.0},  # the refused worker
        {**same, "date": JAN + "07", "worker": "W01", "soft": 1.0},  # another cell
        {"kind": "move", "worker": "W02", "soft": 1.0},
        {**same, "worker": "nobody", "soft": 1.0},
        *({**same, "worker": f"W{i:02d}", "soft": float(i)} for i in range(3, 12)),
    )
    result = OpResult(ok=False, message="refused", suggestions=suggestions)
    alts = alternatives(p, op, result)
    assert alts == [[w, float(w)] for w in range(3, 3 + MAX_ALTERNATIVES)]
    assert alternatives(p, wire.Op("unassign", d=1, s=0, slot=0), result) == []


def test_candidates_are_indexed_and_a_worker_with_hard_violations_is_not_eligible():
    p = make_problem()
    records = [
        {"worker": "W02", "soft": 1.23456, "hard": 0, "eligible": True, "reason": ""},
        {"worker": "W03", "soft": float("nan"), "hard": 2, "eligible": True, "reason": None},
        {"worker": "W04", "soft": 0, "hard": 0, "eligible": False, "reason": "day off"},
        {"worker": 7, "soft": 0},
    ]
    assert candidates(p, records) == [
        [2, 1.235, 1, ""],
        [3, 0.0, 0, "would break 2 hard rule(s)"],
        [4, 0.0, 0, "day off"],
    ]


def test_apply_anyway_records_the_refusal_of_the_same_op_only():
    refusals = Refusals()
    op = {"op": "assign", "worker": "W01", "date": JAN + "06", "post": 0, "slot": 0}
    refused = OpResult(ok=False, message="Refused: W01 would work two nights in a row")
    refusals.note("v1", op, refused, forceable=True)
    assert "two nights" in refusals.reason("v1", op)
    assert refusals.reason("v1", {**op, "slot": 1}) == "applied anyway from the grid"
    assert refusals.reason("v2", op) == "applied anyway from the grid"
    refusals.note("v1", None, OpResult(ok=True, message="done"), forceable=False)
    assert refusals.reason("v1", op) == "applied anyway from the grid"
    for i in range(MAX_VIEWS + 1):
        refusals.note(f"w{i}", op, refused, forceable=True)
    assert refusals.reason("w0", op) == "applied anyway from the grid"  # the oldest went
    assert "two nights" in refusals.reason(f"w{MAX_VIEWS}", op)
