"""Undo and redo: revert a history record through the edit pipeline.

:func:`revert` checks that the record's cells still hold what it wrote (an undo) or what its
undo wrote back (a redo) — otherwise UNDO_CONFLICT names the cells and who changed them — and
then applies the record's inverse as an edit of kind ``"undo"``/``"redo"``; an availability
change is reverted by :func:`rtsched_widgets.engine.absence.revert_absence`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from rtsched_widgets.engine.absence import AvailabilityChange, revert_absence
from rtsched_widgets.engine.history import OpRecord
from rtsched_widgets.engine.pipeline import run_edit
from rtsched_widgets.engine.planning import SetSlots
from rtsched_widgets.engine.result import OpResult, failure
from rtsched_widgets.engine.slot_record import SlotRecord

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule

__all__ = ["revert"]


def revert(schedule: Schedule, rec: OpRecord, who: str, kind: str, force: bool) -> OpResult:
    """Revert ``rec`` as ``who``'s ``kind`` (``"undo"`` or ``"redo"``); see the module
    docstring and :meth:`Schedule.undo`."""
    if type(rec) is OpRecord and isinstance(rec.inverse, AvailabilityChange):
        return revert_absence(schedule, rec, who, kind)
    if isinstance(rec, SlotRecord) and rec.holds_its_result(schedule.core.worker_at):
        conflicts = []  # the common case, answered without naming the cells
    else:
        conflicts = schedule.oplog.conflicts(rec, partial(cell_value, schedule))
    if conflicts:
        parts = []
        for c in conflicts[:5]:
            by = last_writer(schedule, c.cell, after_version=rec.version)
            where: Any = c.cell
            parts.append(
                f"{where[0]}/{schedule.problem.shift_types[where[1]].id}[{where[2]}] is now "
                f"{c.actual or '(empty)'} instead of {c.expected or '(empty)'}"
                + (f" (changed by {by})" if by else "")
            )
        message = (
            f"cannot {kind} {rec.op_id} ({rec.message}): its cells changed since — "
            + "; ".join(parts)
        )
        result = failure(
            "UNDO_CONFLICT",
            message,
            kind=kind,
            version=schedule.version,
            user=who,
            details={"op_id": rec.op_id, "conflicts": [list(c) for c in conflicts]},
        )
        schedule.events.publish(
            "op_rejected",
            {
                "kind": kind,
                "error": "UNDO_CONFLICT",
                "message": message,
                "version": schedule.version,
            },
            who,
        )
        return result
    return run_edit(
        schedule,
        SetSlots(rec.inverse, kind, f"{kind} of {rec.op_id} ({rec.message})"),
        force=force,
        user=who,
        base_version=None,
        kind=kind,
        undoes=rec,
        checks=others_since(schedule, rec, who),
    )


def others_since(schedule: Schedule, rec: OpRecord, who: str) -> bool:
    """True when someone other than ``who`` applied an op after ``rec``: reverting ``rec``
    then meets a state nobody has checked, so it is validated like a new edit. Otherwise it
    is a pure rollback to a state ``who`` had before, and applied as is."""
    return any(v > rec.version for u, v in schedule._latest_by_user.items() if u != who)


def cell_value(schedule: Schedule, cell: Any) -> str | None:
    """The worker id in ``cell`` (``(ISO date, post, slot)``), or None when it is empty."""
    iso, s, k = cell
    d = schedule.planner.day(iso)
    w = schedule.core.worker_at(d, s, k)
    return schedule.problem.workers[w].id if w >= 0 else None


def last_writer(schedule: Schedule, cell: Any, after_version: int) -> str | None:
    """``"<user> in <op id>"`` of the newest edit after ``after_version`` that wrote ``cell``,
    or None."""
    for r in reversed(schedule.oplog.records()):
        if r.version <= after_version:
            break
        if cell in r.cells:
            return f"{r.user} in {r.op_id}"
    return None
