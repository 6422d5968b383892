"""Absences: a change of a worker's availability, recorded and undone like an edit.

``mark_absent`` makes worker ``w`` unavailable on days ``a`` … ``b`` (inclusive): their
``available`` row and their ``days_off`` change, mandatory days of theirs in that range stop
being mandatory (an absence overrides a pinned day: the shift has to move to someone else) —
in a copy of the problem that becomes this schedule's, so forks made before and other
schedules of the same problem are not affected (and no longer diff or merge with it) —, the
rule state is rebuilt
(availability is part of every rule's tables), and an op of kind ``"absence"`` is recorded, so
``undo``/``redo`` put the previous availability back or take it away again. The roster is not
touched: shifts the worker holds on those days become hard violations for
:meth:`~rtsched_widgets.engine.schedule.Schedule.repair` to fix.

An absence changes the problem, which a shared store does not carry: on a schedule with a
store it is refused (UNSUPPORTED) rather than applied in one process only.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.engine.history import OpRecord
from rtsched_widgets.engine.planning import Planner
from rtsched_widgets.engine.result import OpError, OpResult, failure
from rtsched_widgets.model.problem import Problem, Worker

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule


@dataclass(frozen=True)
class AvailabilityChange:
    """What reverting an absence record does: ``available[w, a : b + 1] = available``,
    ``mandatory[w, a : b + 1] = mandatory`` and ``workers[w] = worker`` (with their
    ``days_off`` and ``mandatory_days``)."""

    w: int
    a: int
    b: int
    available: np.ndarray
    mandatory: np.ndarray
    worker: Worker


def mark_absent(schedule: Schedule, worker: str, start: Any, end: Any, *, user: str) -> OpResult:
    """See :meth:`Schedule.mark_absent`."""
    p = schedule.problem
    try:
        if schedule.store not in (None, "memory"):
            raise OpError(
                "UNSUPPORTED",
                "mark_absent: absences change the problem, which a shared store does not carry "
                "— record it in the problem (days_off) every process loads",
            )
        w = p.worker(worker, "worker")
        a = p.day(start, "start")
        b = a if end is None else p.day(end, "end")
        if b < a:
            raise OpError("MALFORMED", f"end: {end!r} is before start {start!r}")
    except ValueError as exc:
        return failure("MALFORMED", str(exc), kind="absence", version=schedule.version)
    except OpError as err:
        return failure(err.code, err.message, kind="absence", version=schedule.version)
    day_a, day_b = p.calendar.date(a), p.calendar.date(b)
    with schedule._lock:
        old = p.workers[w]
        before = AvailabilityChange(
            w, a, b, p.available[w, a : b + 1].copy(), p.mandatory[w, a : b + 1].copy(), old
        )
        after_worker = replace(
            old,
            days_off=(*old.days_off, (day_a, day_b)),
            mandatory_days=tuple(m for m in old.mandatory_days if not day_a <= m <= day_b),
        )
        none = np.zeros(b - a + 1, dtype=bool)
        after = AvailabilityChange(w, a, b, none, none, after_worker)
        message = f"{p.workers[w].id} absent {p.calendar.iso(a)}" + (
            "" if a == b else f" … {p.calendar.iso(b)}"
        )
        return _apply(schedule, after, before, user, "absence", message, None)


def revert_absence(schedule: Schedule, rec: OpRecord, who: str, kind: str) -> OpResult:
    """Undo (``kind="undo"``) or redo an absence record: apply its inverse, recorded as
    reverting ``rec``."""
    change = rec.inverse
    p = schedule.problem
    with schedule._lock:
        current = AvailabilityChange(
            change.w,
            change.a,
            change.b,
            p.available[change.w, change.a : change.b + 1].copy(),
            p.mandatory[change.w, change.a : change.b + 1].copy(),
            p.workers[change.w],
        )
        return _apply(schedule, change, current, who, kind, f"{kind} of {rec.op_id}", rec)


def _apply(
    schedule: Schedule,
    change: AvailabilityChange,
    inverse: AvailabilityChange,
    user: str,
    kind: str,
    message: str,
    undoes: OpRecord | None,
) -> OpResult:
    from rtsched_widgets.engine.schedule import _make_validator

    p = schedule.problem
    before = schedule.validator.score()
    p = _changed_problem(p, change)
    schedule.problem = p
    schedule.core.problem = p
    schedule.planner = Planner(schedule.core, schedule.planner.day_of)
    schedule._mandatory = np.ascontiguousarray(p.mandatory).data
    schedule.validator = _make_validator(p, schedule.core)
    after = schedule.validator.score()
    schedule.version += 1
    version = schedule.version
    rec = OpRecord(
        op_id=f"{schedule.id}-{version}",
        version=version,
        user=user,
        timestamp=time.time(),
        kind=kind,
        inverse=inverse,
        message=message,
        undoes=undoes.op_id if undoes is not None else None,
    )
    if undoes is None:
        schedule.oplog.record(rec)
    elif kind == "undo":
        schedule.oplog.mark_undone(undoes.op_id, rec)
    else:
        schedule.oplog.mark_redone(undoes.op_id, rec)
    schedule._latest_by_user[user] = version
    hard_delta, soft_delta = int(after.hard - before.hard), float(after.soft - before.soft)
    payload = {
        "op_id": rec.op_id,
        "version": version,
        "kind": kind,
        "worker": p.workers[change.w].id,
        "start": p.calendar.iso(change.a),
        "end": p.calendar.iso(change.b),
        "available": bool(change.available.all()),
        "hard_delta": hard_delta,
        "soft_delta": soft_delta,
    }
    schedule._publish("availability_changed", payload, user)
    schedule._publish(
        "violations_changed",
        {
            "op_id": rec.op_id,
            "version": version,
            "introduced": max(hard_delta, 0),
            "resolved": max(-hard_delta, 0),
            "hard_delta": hard_delta,
            "soft_delta": soft_delta,
        },
        user,
    )
    return OpResult(
        ok=True,
        message=message,
        op_id=rec.op_id,
        version=version,
        kind=kind,
        user=user,
        hard_delta=hard_delta,
        soft_delta=soft_delta,
        details={"worker": payload["worker"], "start": payload["start"], "end": payload["end"]},
    )


def _changed_problem(p: Problem, change: AvailabilityChange) -> Problem:
    """A copy of ``p`` with ``change`` made; ``p`` itself, shared with forks and other
    schedules, stays as it is (its arrays are read-only and never written)."""
    new = copy.copy(p)
    span = (change.w, slice(change.a, change.b + 1))
    for name, values in (("available", change.available), ("mandatory", change.mandatory)):
        arr = getattr(p, name).copy()
        arr[span] = values
        arr.setflags(write=False)
        setattr(new, name, arr)
    workers = list(p.workers)
    workers[change.w] = change.worker
    new.workers = tuple(workers)
    return new
