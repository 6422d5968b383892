"""The op form written to a store's log for one applied schedule op, and its replay.

A store op records the *outcome* of an op (the value of every slot it touched), not the user's
request: replaying the log in version order on the same problem then gives the same roster on
every replica, whatever rules, policy or undo history each replica has, and undo, redo,
generation and merges replay like any other op. Layout (``format`` 1)::

    {"format": 1, "op_id": "...", "user": "alice", "kind": "assign", "ts": 1767225600.0,
     "forced": false, "message": "...", "undoes": null,
     "cells": [["2026-01-05", 0, 0, "W01"], ["2026-01-07", 1, 0, null], ...]}

``cells`` lists ``[ISO date, post index, slot, worker id or null]`` — the slot's value after
the op (null = emptied), in the order the op touched them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rtsched_widgets.engine.history import OpRecord
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster

__all__ = ["OP_FORMAT", "apply_targets", "op_targets", "record_to_op"]

OP_FORMAT = 1


def record_to_op(record: OpRecord) -> dict[str, Any]:
    """The store op of an applied :class:`~rtsched_widgets.engine.history.OpRecord` whose
    ``cells`` are ``(ISO date, post, slot)`` triples and ``after`` maps them to worker ids."""
    cells = []
    for cell in record.cells:
        if not isinstance(cell, tuple) or len(cell) != 3:
            raise ValueError(f"record {record.op_id}: cell {cell!r} is not (ISO date, post, slot)")
        date, post, slot = cell
        worker = record.after.get(cell)
        cells.append([str(date), int(post), int(slot), None if worker is None else str(worker)])
    return {
        "format": OP_FORMAT,
        "op_id": record.op_id,
        "user": record.user,
        "kind": record.kind,
        "ts": float(record.timestamp),
        "forced": bool(record.forced),
        "message": record.message,
        "undoes": record.undoes,
        "cells": cells,
    }


def op_targets(op: Mapping[str, Any], problem: Problem) -> list[tuple[int, int, int, int]]:
    """``(day, post, slot, worker index or -1)`` for every cell of a store op, checked against
    ``problem`` (ValueError naming the cell when the op does not fit it)."""
    if op.get("format") != OP_FORMAT:
        raise ValueError(
            f"store op {op.get('op_id')!r}: format {op.get('format')!r} is not {OP_FORMAT} — "
            "it was written by another rtsched_widgets release"
        )
    out = []
    for i, cell in enumerate(op.get("cells", ())):
        try:
            date, post, slot, worker = cell
            d = problem.calendar.index(date, f"cells[{i}].date")
            s, k = int(post), int(slot)
            if not (0 <= s < problem.n_shifts and 0 <= k < int(problem.maximum[d, s])):
                raise ValueError(f"no slot {k} of post {s} on {date}")
            w = -1 if worker is None else problem.worker_index[worker]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"store op {op.get('op_id')!r}: cells[{i}] = {cell!r} does not fit this "
                f"problem ({exc}) — the store holds another problem's schedule"
            ) from None
        out.append((d, s, k, w))
    return out


def apply_targets(roster: Roster, targets: list[tuple[int, int, int, int]]) -> None:
    """Set each slot of ``targets`` on ``roster``: every touched slot is cleared first, then the
    new workers are placed (so swaps and moves replay in any order)."""
    for d, s, k, _ in targets:
        if roster.slots[d, s, k] >= 0:
            roster.clear(d, s, k)
    for d, s, k, w in targets:
        if w >= 0:
            roster.place(w, d, s, k)
