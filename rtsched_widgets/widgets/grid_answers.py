"""The edge between a grid's views and the engine: wire ops (indices) as engine ops (ISO dates
and worker ids), and the engine's answers (suggestions, alternatives, refusals) as the indices
the views show. Pure functions of the problem, plus :class:`Refusals`, what each view was last
refused (so that its "Apply anyway" records why)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from rtsched_widgets.engine.result import OpResult
from rtsched_widgets.limits import MAX_VIEWS
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.grid_patch import number
from rtsched_widgets.widgets.wording import force_reason

#: Most alternatives offered with a refused assign.
MAX_ALTERNATIVES = 5


def engine_op(problem: Problem, op: wire.Op) -> dict[str, Any]:
    """The engine's dict form of a wire op (indices turned into ids and dates)."""
    iso = problem.calendar.iso
    if op.kind == "bulk":
        return {"op": "bulk", "ops": [engine_op(problem, o) for o in op.ops]}
    if op.kind in ("swap", "move"):
        assert op.b is not None
        a = [iso(op.d), op.s, op.slot]
        b = [iso(op.b[0]), op.b[1], op.b[2]]
        if op.kind == "swap":
            return {"op": "swap", "a": a, "b": b}
        return {"op": "move", "src": a, "dst": b}
    if op.kind == "unassign":
        return {"op": "unassign", "date": iso(op.d), "post": op.s, "slot": op.slot}
    return {
        "op": "assign",
        "worker": problem.workers[op.w].id,
        "date": iso(op.d),
        "post": op.s,
        "slot": op.slot,
    }


def alternatives(problem: Problem, op: wire.Op | None, result: OpResult) -> list[list[Any]]:
    """``[worker index, soft delta]`` of other workers for a refused assign's own cell, at most
    MAX_ALTERNATIVES (the engine also proposes other cells for the worker; the view offers
    those through the picker); none for any other edit."""
    if op is None or op.kind != "assign":
        return []
    cell = (problem.calendar.iso(op.d), op.s)
    index = problem.worker_index
    out: list[list[Any]] = []
    for sug in result.suggestions:
        wid = sug.get("worker")
        if not isinstance(wid, str) or wid not in index or index[wid] == op.w:
            continue
        if sug.get("kind") == "assign" and (sug.get("date"), sug.get("post")) == cell:
            out.append([index[wid], number(sug.get("soft"))])
            if len(out) == MAX_ALTERNATIVES:
                break
    return out


def candidates(problem: Problem, records: Iterable[Mapping[Any, Any]]) -> list[list[Any]]:
    """The picker's ``[worker index, soft delta, eligible 0/1, reason]`` of the engine's
    suggestion records (``Schedule.suggest``), in their order; a worker with hard violations
    is not eligible, and says how many."""
    items: list[list[Any]] = []
    for rec in records:
        wid = rec.get("worker")
        if not isinstance(wid, str) or wid not in problem.worker_index:
            continue
        hard = number(rec.get("hard"))
        eligible = bool(rec.get("eligible", True)) and hard <= 0
        reason = str(rec.get("reason") or "")
        if not reason and hard > 0:
            reason = f"would break {int(hard)} hard rule(s)"
        items.append(
            [problem.worker_index[wid], number(rec.get("soft")), int(eligible), wire.trim(reason)]
        )
    return items


class Refusals:
    """Each view's last forceable refusal: the engine op refused and the reason an "Apply
    anyway" of that same op records (at most MAX_VIEWS views, the oldest forgotten first).
    Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, tuple[dict[str, Any], str]] = {}

    def note(
        self, view_id: str, op: dict[str, Any] | None, result: OpResult, forceable: bool
    ) -> None:
        """The answer to ``view_id``'s edit ``op``: kept when it is a forceable refusal,
        else the view's earlier refusal is forgotten."""
        with self._lock:
            self._last.pop(view_id, None)
            if forceable and op is not None:
                self._last[view_id] = (op, force_reason(result.message))
                while len(self._last) > MAX_VIEWS:
                    self._last.pop(next(iter(self._last)))

    def reason(self, view_id: str, op: dict[str, Any]) -> str:
        """Why ``op`` is applied anyway from ``view_id``: the refusal it answers, when it
        does."""
        with self._lock:
            refused = self._last.get(view_id)
        if refused is not None and refused[0] == op:
            return refused[1]
        return "applied anyway from the grid"
